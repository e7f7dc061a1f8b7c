"""The runs that take a difference between two scenarios apart (``simcomm explain A --against B``).

Two scenarios differ in a set of **levers**: each part of the governance rules on which their
types differ (who runs it, who pays for events, the review, ...: one per field of
:class:`~simcomm.core.governance.Rules`, set through :mod:`simcomm.core.rule_parts`) and each
other parameter whose value differs. A **coalition** is a set of levers: the run that has A's
value for the levers in it and B's for the rest, so the empty coalition is B and the full one
is A (a hybrid with every rule part of A's type runs exactly as A: tested). Every coalition runs
on the same seeds (common random numbers), and :mod:`simcomm.analysis.shapley` attributes the
difference A - B to the levers by Shapley values.

With up to :data:`EXACT_UP_TO` levers every coalition runs (2^n of them: exact Shapley values);
beyond, ``permutations`` random orders of the levers (half of them drawn, the other half their
reverses: antithetic sampling) and the coalitions they pass through. Runs go through
:func:`simcomm.runs.batch.run_many` (parallel, progress bar, Ctrl-C); results do not depend on
the number of workers.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simcomm.core.channel_plan import ChannelPlan
from simcomm.core.params import ParameterError, Value, make_params
from simcomm.core.rule_parts import FIELDS, PARAMETER_NAMES, parameter_name, part_value, rules_of, words
from simcomm.core.scenario import Scenario
from simcomm.runs.batch import RunSpec, run_many
from simcomm.runs.counterfactual import checked_seeds
from simcomm.runs.measures import measure_run

EXACT_UP_TO = 6  # levers: up to this many, every coalition runs (at most 64 per seed)
PERMUTATIONS = 32  # random orders of the levers beyond EXACT_UP_TO (an even number: antithetic pairs)
PERMUTATION_SEED = 0x5EA9  # the orders' own fixed seed: the same orders every time
RULE, PARAMETER = "rule", "parameter"


@dataclass(frozen=True)
class Lever:
    """One thing on which A and B differ.

    ``name``: the parameter that sets it (``rule_run_by`` for a rule part); ``kind``: "rule" or
    "parameter"; ``value``: A's value, ``baseline``: B's (as parameter values: "members",
    1.33, ...); ``words``: what it is ("who runs it", "staff_turnover_per_year"); ``why``: a
    scenario's reason for it, if it is one of A's or B's levers ("" otherwise).
    """

    name: str
    kind: str
    value: Value
    baseline: Value
    words: str
    why: str = ""

    def label(self) -> str:
        """Return the lever with A's and B's values, e.g. ``who runs it: members, not vendor``."""
        return f"{self.words}: {self.value}, not {self.baseline}"


def levers_between(a: Scenario, b: Scenario, overrides: Mapping[str, Any] | None = None) -> list[Lever]:
    """Return the levers on which ``a`` and ``b`` (each with the user's ``overrides``) differ:
    the rule parts first, in the order of Rules' fields, then the other parameters in the
    parameter table's order. Raises ParameterError for bad overrides."""
    pa = make_params(overrides, base=a.overrides)
    pb = make_params(overrides, base=b.overrides)
    ra, rb = rules_of(pa), rules_of(pb)
    why = {**b.reasons(), **a.reasons()}
    out = [Lever(parameter_name(f), RULE, part_value(ra, f), part_value(rb, f), words(f))
           for f in FIELDS if part_value(ra, f) != part_value(rb, f)]
    skip = {"governance", *PARAMETER_NAMES}
    out += [Lever(name, PARAMETER, pa[name], pb[name], name, why.get(name, ""))
            for name in pa if name not in skip and pa[name] != pb[name]]
    return out


def coalition_overrides(b: Scenario, levers: Sequence[Lever], coalition: frozenset[int],
                        overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return the overrides (on top of ``b``) of the run with A's value for the levers whose
    index is in ``coalition`` and B's for the others (the user's ``overrides`` apply to all)."""
    out = dict(overrides or {})
    for i in sorted(coalition):
        out[levers[i].name] = levers[i].value
    return out


def orders(n: int, permutations: int, seed: int = PERMUTATION_SEED) -> list[tuple[int, ...]]:
    """Return ``permutations`` orders of ``n`` levers: half drawn at random (fixed seed), each
    followed by its reverse (antithetic sampling, which halves the variance of a lever's
    contribution in an additive model)."""
    rng = np.random.default_rng([seed, n])
    out: list[tuple[int, ...]] = []
    while len(out) < permutations:
        order = tuple(int(i) for i in rng.permutation(n))
        out += [order, order[::-1]]
    return out[:permutations]


def coalitions_for(n: int, permutations: int = PERMUTATIONS, exact_up_to: int = EXACT_UP_TO
                   ) -> tuple[list[frozenset[int]], list[tuple[int, ...]] | None]:
    """Return (the coalitions to run, the orders they come from or None when exact): every
    subset of the ``n`` levers when n <= ``exact_up_to``, else the prefixes of
    :func:`orders` (empty and full included), each once, in a fixed order."""
    if n <= exact_up_to:
        subsets = [frozenset(c) for k in range(n + 1) for c in itertools.combinations(range(n), k)]
        return subsets, None
    sampled = orders(n, permutations)
    seen: dict[frozenset[int], None] = {frozenset(): None}
    for order in sampled:
        for k in range(1, n + 1):
            seen.setdefault(frozenset(order[:k]), None)
    return list(seen), sampled


@dataclass
class CoalitionRuns:
    """Every run of a decomposition.

    ``values``: one row per seed x coalition, with ``seed``, ``coalition`` (its index in
    ``coalitions``) and every measure of :func:`simcomm.runs.measures.measure_all` (metric name
    -> value in its unit); ``orders``: the sampled orders (None when every coalition ran);
    ``note``: a sentence on how far the combinations share their random numbers, when they do
    not share all of them ("" otherwise). Between two channel files
    (:mod:`simcomm.runs.channel_decompose`) ``a`` and ``b`` are ChannelPlans and ``values`` holds
    the channel measures.
    """

    a: Scenario | ChannelPlan
    b: Scenario | ChannelPlan
    levers: list[Lever]
    seeds: list[int]
    weeks: int
    overrides: dict[str, Any]
    coalitions: list[frozenset[int]]
    orders: list[tuple[int, ...]] | None
    values: pd.DataFrame
    note: str = ""

    @property
    def runs(self) -> int:
        """Return the number of runs made (seeds x coalitions)."""
        return len(self.values)


def run_coalitions(a: Scenario, b: Scenario, seeds: Sequence[int], weeks: int,
                   overrides: Mapping[str, Any] | None = None, *, permutations: int = PERMUTATIONS,
                   exact_up_to: int = EXACT_UP_TO, workers: int | None = None,
                   progress: bool = False, on_run: Callable[[int, int], None] | None = None,
                   nice: int = 0) -> CoalitionRuns:
    """Run every coalition of the levers between ``a`` and ``b`` on each of ``seeds``.

    ``on_run`` is called with (runs done, runs in all) as each run finishes (an exception it
    raises stops the runs and is raised here); ``nice`` lowers the worker processes' priority
    (:func:`simcomm.runs.batch.run_many`). Raises ParameterError (one line) when the scenarios
    do not differ, for bad seeds, weeks, permutations (an even number from 2) or overrides.
    """
    user = dict(overrides or {})
    seeds = checked_seeds(seeds, weeks)
    if permutations < 2 or permutations % 2:
        raise ParameterError(f"--permutations {permutations} is not allowed: expected an even number from 2")
    levers = levers_between(a, b, user)
    if not levers:
        raise ParameterError(f"'{a.name}' and '{b.name}' do not differ (same rules and parameters): "
                             "nothing to take apart")
    coalitions, sampled = coalitions_for(len(levers), permutations, exact_up_to)
    cells = [(s, k) for s in seeds for k in range(len(coalitions))]
    specs = [RunSpec(b, weeks, s, coalition_overrides(b, levers, coalitions[k], user)) for s, k in cells]
    done = [0]

    def counted(_index: int, _measures: Any) -> None:
        done[0] += 1
        if on_run is not None:
            on_run(done[0], len(specs))

    measured = run_many(specs, workers=workers, progress=progress, desc="explain --against",
                        function=measure_run, on_result=counted, nice=nice)
    rows = [{"seed": s, "coalition": k, **m} for (s, k), m in zip(cells, measured, strict=True)]
    values = pd.DataFrame(rows)
    return CoalitionRuns(a, b, levers, seeds, weeks, user, coalitions, sampled, values)

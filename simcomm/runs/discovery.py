"""The runs of scenario discovery (``simcomm discover CLAIM|SCENARIO``): a Latin hypercube over
the assumptions' plausible ranges, with the same seeds at every point.

The target is a scenario (each run is one case) or one of the essays' claims
(:data:`simcomm.runs.claims.CLAIMS`: each pair of runs, without and with the claim's lever, on
the same seed, is one case). The hypercube (:func:`simcomm.runs.claims.robustness_design`,
scipy.stats.qmc) spans the plausible range (:func:`simcomm.core.params.plausible_range`) of the
assumptions the target's governance rules use, except those the scenario (or the claim) sets
itself, which stay at its values; ``names`` chooses other ones. Replicate ``r`` has the same
seed at every point (common random numbers: two points differ only in their assumptions), and
each run depends only on (scenario, values, seed), so the results do not depend on the number
of workers. :mod:`simcomm.analysis.discovery` finds the boxes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from simcomm.core.params import ASSUMPTIONS, SPEC_BY_NAME, ParameterError, make_params, plausible_range
from simcomm.core.scenario import Scenario
from simcomm.runs.batch import RunSpec, run_many
from simcomm.runs.claims import ARMS, CLAIM_BY_KEY, Claim, robustness_design
from simcomm.runs.experiments import derive_seed
from simcomm.runs.library import load_scenario, scenario_names
from simcomm.runs.measures import measure_run
from simcomm.runs.sim import MAX_WEEKS

MAX_POINTS = 100_000
MAX_REPLICATES = 1000


@dataclass(frozen=True)
class Target:
    """What is discovered on: a scenario, or a claim (``claim`` set; ``scenario`` its base)."""

    name: str
    scenario: Scenario
    claim: Claim | None = None

    def arms(self) -> tuple[str, ...]:
        """Return the arms run at each point and seed: ("without", "with") for a claim, ("run",)."""
        return ARMS if self.claim else ("run",)

    def overrides(self, arm: str) -> dict[str, Any]:
        """Return the overrides of ``arm`` on top of the scenario (the claim's lever and setting)."""
        return self.claim.overrides(arm) if self.claim else {}


def resolve_target(name: str) -> Target:
    """Return the claim or scenario called ``name`` (a claim's key, a built-in scenario or a
    scenario file); raise ParameterError naming the allowed claims and scenarios otherwise."""
    if name in CLAIM_BY_KEY:
        claim = CLAIM_BY_KEY[name]
        return Target(name, load_scenario(claim.scenario), claim)
    looks_like_file = name.endswith(".toml") or "/" in name
    try:
        return Target(name, load_scenario(name))
    except ParameterError:
        if looks_like_file:
            raise
    raise ParameterError(f"CLAIM|SCENARIO '{name}' is neither a claim nor a scenario: expected a claim "
                         f"({', '.join(CLAIM_BY_KEY)}), a scenario ({', '.join(scenario_names())}) or a "
                         "scenario file (.toml)")


def _used(target: Target) -> set[str]:
    """Return the parameters the target's runs read (both arms' rules for a claim)."""
    from simcomm.core.model import parameters_used
    from simcomm.core.rule_parts import rules_of

    used: set[str] = set()
    for arm in target.arms():
        params = make_params(target.overrides(arm), base=target.scenario.overrides)
        used |= set(parameters_used(rules_of(params)))
    return used


def default_dimensions(target: Target) -> list[str]:
    """Return the assumptions varied by default: those the target's rules use, less the ones the
    scenario (and the claim: its lever and setting) set, in the parameter table's order."""
    fixed = set(target.scenario.overrides)
    if target.claim:
        fixed |= {target.claim.lever, *target.claim.setting}
    used = _used(target)
    return [n for n in ASSUMPTIONS if n in used and n not in fixed]


def check_dimensions(target: Target, names: Sequence[str]) -> list[str]:
    """Return ``names`` checked: numeric parameters with a plausible range, each once, none the
    claim's lever; raise ParameterError (one line naming --params and what it allows)."""
    out: list[str] = []
    for n in names:
        spec = SPEC_BY_NAME.get(n)
        if spec is None:
            try:
                make_params({n: 0})  # the parameter table's message: unknown name, close names
            except ParameterError as exc:
                raise ParameterError(f"--params: {exc}") from None
        if spec is None or spec.kind not in (int, float):
            raise ParameterError(f"--params {n} is not allowed: expected numeric parameters, such as "
                                 f"{', '.join(ASSUMPTIONS[:5])} ('simcomm params' lists them)")
        if target.claim and n == target.claim.lever:
            raise ParameterError(f"--params {n} is not allowed: it is the claim's lever (set to "
                                 f"{target.claim.without} and {target.claim.with_} by the claim)")
        if n in out:
            raise ParameterError(f"--params {n} is named twice: expected each parameter once")
        plausible_range(n)
        out.append(n)
    if not out:
        raise ParameterError("--params names no parameter: expected one or more numeric parameters")
    return out


def discovery_seeds(base_seed: int, replicates: int) -> list[int]:
    """Return the seed of each replicate: the same at every point of the hypercube."""
    return [derive_seed("discover", base_seed, 0, r) for r in range(replicates)]


@dataclass
class DiscoveryRuns:
    """Every run of a discovery: ``design`` (one row per point, ``point`` from 1, a column per
    varied assumption in its unit) and ``values`` (one row per point x replicate x arm, with
    ``point``, ``replicate``, ``seed``, ``arm`` and every measure of
    :func:`simcomm.runs.measures.measure_all`)."""

    target: Target
    names: list[str]
    seeds: list[int]
    weeks: int
    base_seed: int
    design: pd.DataFrame
    values: pd.DataFrame

    @property
    def runs(self) -> int:
        """Return the number of runs made."""
        return len(self.values)


def run_discovery(target: Target, names: Sequence[str], points: int, replicates: int, *, weeks: int = 260,
                  seed: int = 0, workers: int | None = None, progress: bool = False) -> DiscoveryRuns:
    """Run ``target`` at ``points`` points of a Latin hypercube over ``names`` (seeded by
    ``seed``), ``replicates`` seeds per point (and both arms of a claim on each); raise
    ParameterError for bad sizes."""
    if not 2 <= points <= MAX_POINTS:
        raise ParameterError(f"--points {points} is not allowed: expected an integer in [2, {MAX_POINTS}]")
    if not 1 <= replicates <= MAX_REPLICATES:
        raise ParameterError(f"--replicates {replicates} is not allowed: expected an integer in "
                             f"[1, {MAX_REPLICATES}]")
    if not 1 <= weeks <= MAX_WEEKS:
        raise ParameterError(f"--weeks {weeks} is not allowed: expected an integer in [1, {MAX_WEEKS}]")
    names = list(names)
    design = robustness_design(points, seed, names)
    seeds = discovery_seeds(seed, replicates)
    cells, specs = [], []
    for point, row in enumerate(design.to_dict("records"), start=1):
        values = {k: (int(v) if SPEC_BY_NAME[k].kind is int else float(v)) for k, v in row.items()}
        for r, s in enumerate(seeds):
            for arm in target.arms():
                cells.append({"point": point, "replicate": r, "seed": s, "arm": arm})
                specs.append(RunSpec(target.scenario, weeks, s, {**values, **target.overrides(arm)}))
    measured = run_many(specs, workers=workers, progress=progress, desc="discover", function=measure_run)
    frame = pd.DataFrame([c | m for c, m in zip(cells, measured, strict=True)])
    return DiscoveryRuns(target, names, seeds, weeks, seed, design.assign(point=range(1, points + 1)), frame)

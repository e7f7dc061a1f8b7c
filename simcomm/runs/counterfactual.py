"""Counterfactual replays: each run again with one adverse event or condition neutralised.

For every seed, :func:`replay_runs` runs the scenario as it is, lists its adverse events (each
manager departure, each budget cut, a closure or the end of a sponsorship: ``model.adverse``),
and replays it with the same seed, so the same common random numbers, with

- each event neutralised alone (the :class:`~simcomm.core.counterfactual.Counterfactual` hook):
  a departure does not happen in its week (that manager stays then, and may still leave later at
  the usual rate), a budget decision is waived;
- "had the managers stayed" (:data:`MANAGERS_STAYED`, when a run had a departure): no manager
  ever leaves (``Counterfactual(keep_all_managers=True)``, the dashboard's and the story's
  ghost); held fixed: the seed and so every random draw, every parameter, and the budget
  reviews' rule (a review still cuts or closes when the new numbers miss the target);
- each condition neutralised alone: the conditions of
  :data:`simcomm.core.counterfactual.CONDITIONS` the run has (promotion, spam, programme
  overload; each marked when it is at the model's default, as a vendor's 30% promotion is) and each of the
  scenario's own levers set back to its base's value,
- all the events together (no manager ever leaving and every budget decision of the run
  waived), and all the conditions together.

Seeds have their own events at their own weeks, so events are grouped across seeds by kind and
order: "the first manager departure" is the first departure of each seed's run (absent from a
run that had none: its effect there is 0). Runs go through :func:`simcomm.runs.batch.run_many`
(parallel, with progress); the results do not depend on the number of workers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simcomm.core.counterfactual import (
    CONDITIONS,
    DEPARTURE,
    REVIEW_DECISIONS,
    AdverseEvent,
    Counterfactual,
)
from simcomm.core.params import ParameterError, make_params
from simcomm.core.scenario import Scenario
from simcomm.runs.batch import run_many
from simcomm.runs.sim import MAX_WEEKS, simulate

ACTUAL = "actual"  # the cause key of the run as it is
ALL_EVENTS = "all events"  # every event of the run neutralised together
MANAGERS_STAYED = "managers stayed"  # no manager ever leaves (keep_all_managers), nothing else changed
ALL_CONDITIONS = "all conditions"  # every condition neutralised together
EVENTS, CONDITIONS_GROUP = "events", "conditions"  # the two groups of causes
MAX_REPLICATES = 1000


def checked_seeds(seeds: Sequence[int], weeks: int) -> list[int]:
    """Return ``seeds`` as integers; ParameterError (one line) for none or more than
    MAX_REPLICATES of them, or ``weeks`` outside [1, MAX_WEEKS]."""
    out = [int(s) for s in seeds]
    if not out or len(out) > MAX_REPLICATES:
        raise ParameterError(f"replicates = {len(out)} is not allowed: expected 1 to {MAX_REPLICATES}")
    if not 1 <= weeks <= MAX_WEEKS:
        raise ParameterError(f"weeks = {weeks!r} is not allowed: expected an integer in [1, {MAX_WEEKS}]")
    return out


@dataclass(frozen=True)
class Cause:
    """One cause that explain neutralises, the same across seeds.

    ``key``: stable id ("departure-1", "budget_cut-1", "closure-1", "withdrawal-1",
    "condition:spam", "lever:handover_quality"); ``group``: "events" or "conditions"; ``kind``:
    the event kind (:mod:`simcomm.core.counterfactual`), "condition" or "lever"; ``order``: the
    event's rank among its kind in a run (1 = the first; 0 for conditions); ``label``: the cause
    in plain words; ``wording``: for a condition, the counterfactual clause ("had ..."), "" for
    an event (the report words it from its weeks); ``why``: why the neutral value is neutral;
    ``neutral``: the parameter overrides that neutralise a condition ({} for an event);
    ``default``: for a condition, True when the run has it at the model's default values (every
    community of the type has it, not this scenario's doing: promotion's 10%, say).
    """

    key: str
    group: str
    kind: str
    order: int = 0
    label: str = ""
    wording: str = ""
    why: str = ""
    neutral: Mapping[str, Any] = field(default_factory=dict)
    default: bool = False


@dataclass(frozen=True)
class Replay:
    """One run of explain: the scenario, horizon, seed, parameter overrides (the user's, plus
    any neutral values) and the events neutralised; ``cause`` is the key it answers for."""

    scenario: Scenario
    weeks: int
    seed: int
    overrides: Mapping[str, Any]
    counterfactual: Counterfactual
    cause: str


@dataclass(frozen=True)
class Outcome:
    """What explain keeps of one run: ``active`` (active members each week, weeks 1..weeks),
    the run's ``summary`` (:func:`simcomm.runs.summary.summarize`), its ``adverse`` events and
    its ``metadata`` (parameters, seed, versions, what was neutralised)."""

    seed: int
    cause: str
    active: np.ndarray
    summary: dict[str, Any]
    adverse: tuple[AdverseEvent, ...]
    metadata: dict[str, Any]


@dataclass
class Replays:
    """Every run of an explanation.

    ``causes``: the causes in order (events by kind and order, then conditions); ``actual``:
    seed -> the run as it is; ``outcomes``: (seed, cause key) -> the replay with that cause
    neutralised, for every seed and cause (a cause absent from a seed's run maps to the actual
    run), for ALL_EVENTS and ALL_CONDITIONS when the group has causes, and for MANAGERS_STAYED
    when any run had a departure (a run without one maps to itself); ``events``: (seed,
    cause key) -> the event a cause stands for in that seed's run (absent when it had none).
    """

    scenario: Scenario
    seeds: list[int]
    weeks: int
    overrides: dict[str, Any]
    causes: list[Cause]
    actual: dict[int, Outcome]
    outcomes: dict[tuple[int, str], Outcome]
    events: dict[tuple[int, str], AdverseEvent]
    runs: int = 0


def replay(job: Replay) -> Outcome:
    """Run one Replay and return its Outcome (the function worker processes call)."""
    result = simulate(job.scenario, weeks=job.weeks, seed=job.seed, overrides=dict(job.overrides),
                      counterfactual=job.counterfactual)
    seen = result.metadata["counterfactual"]["adverse_events"]
    adverse = tuple(AdverseEvent(e["week"], e["kind"], e["slot"]) for e in seen)
    active = result.timeseries["active_members"].to_numpy(dtype=np.int64)
    return Outcome(job.seed, job.cause, active, dict(result.summary), adverse, result.metadata)


def event_keys(adverse: Sequence[AdverseEvent]) -> dict[str, AdverseEvent]:
    """Return cause key -> event for a run's adverse events: "departure-1" for its first
    departure, "budget_cut-2" for its second cut, "closure-1", ... (numbered within each kind,
    in the order they happened)."""
    counts: dict[str, int] = {}
    out: dict[str, AdverseEvent] = {}
    for e in adverse:
        counts[e.kind] = counts.get(e.kind, 0) + 1
        out[f"{e.kind}-{counts[e.kind]}"] = e
    return out


_KIND_ORDER = (DEPARTURE, *REVIEW_DECISIONS)
_EVENT_LABEL = {
    DEPARTURE: "manager departure", "budget_cut": "budget cut",
    "closure": "closure of the programme by a budget review",
    "withdrawal": "end of the sponsorship by a budget review",
}


def _event_cause(key: str) -> Cause:
    """Return the Cause of event key ``key`` ("departure-2": the second manager departure)."""
    kind, order = key.rsplit("-", 1)
    return Cause(key=key, group=EVENTS, kind=kind, order=int(order), label=_EVENT_LABEL[kind])


def condition_causes(scenario: Scenario, overrides: Mapping[str, Any]) -> list[Cause]:
    """Return the conditions to neutralise for ``scenario`` with the user's ``overrides``.

    The conditions of :data:`simcomm.core.counterfactual.CONDITIONS` the run's parameters have,
    then each of the scenario's levers (a parameter the user did not set) set back to its
    base's value; a lever whose neutralisation is the same as a condition's is left out.
    """
    params = make_params(dict(overrides), base=scenario.overrides)
    defaults = make_params()
    causes = []
    for c in CONDITIONS:
        if not c.applies(params):
            continue
        default = all(params[name] == defaults[name] for name in c.neutral)
        values = ", ".join(f"{name.replace('_', ' ')} {params[name]:g}" for name in c.neutral
                           if params[name] != c.neutral[name])
        whose = "the model's default" if default else "this scenario's value"
        causes.append(Cause(key=f"condition:{c.name}", group=CONDITIONS_GROUP, kind="condition",
                            label=f"{c.label} ({values}: {whose})",
                            wording=f"{c.wording} (instead of {values}, {whose})", why=c.why,
                            neutral=dict(c.neutral), default=default))
    if scenario.levers:
        before = make_params(base=scenario.base_overrides)
        for name, (value, why) in scenario.levers.items():
            if name in overrides:
                continue
            neutral = {name: before[name]}
            if any(dict(c.neutral) == neutral for c in causes):
                continue
            words = name.replace("_", " ")
            causes.append(Cause(
                key=f"lever:{name}", group=CONDITIONS_GROUP, kind="lever",
                label=f"lever: {words} {value} -> {before[name]}",
                wording=f"without the scenario's lever '{why}' ({words} {before[name]} as in "
                        f"{scenario.base}, not {value})",
                why=f"the value of {scenario.base}, the scenario this one varies", neutral=neutral))
    return causes


def _all_conditions(causes: Sequence[Cause]) -> dict[str, Any]:
    """Return the overrides of every condition together: levers first, then the conditions'
    neutral values (which win where both set a parameter)."""
    merged: dict[str, Any] = {}
    for c in sorted(causes, key=lambda c: c.kind != "lever"):
        merged.update(c.neutral)
    return merged


def expected_replays(scenario: Scenario, weeks: int, overrides: Mapping[str, Any] | None = None) -> int:
    """Return about how many runs :func:`replay_runs` does per seed, before any has run (its
    events are not known yet): the run, one replay per expected manager departure and budget
    review, one per condition, and the replays of each group together; on the high side (a
    community without managers or reviews gets their count too)."""
    user = dict(overrides or {})
    p = make_params(user, base=scenario.overrides)
    years = weeks / 52
    departures = float(p["staff_count"]) * float(p["staff_turnover_per_year"]) * years
    reviews = max(0, (weeks - int(p["review_start"])) // max(1, int(p["review_every"])) + 1)
    events = int(departures + 0.999) + reviews
    conditions = len(condition_causes(scenario, user))
    return 1 + events + (events > 1) + conditions + (conditions > 1)


def replay_runs(scenario: Scenario, seeds: Sequence[int], weeks: int,
                overrides: Mapping[str, Any] | None = None, workers: int | None = None,
                progress: bool = False) -> Replays:
    """Run ``scenario`` for each seed and replay it with each cause neutralised; return Replays.

    ``weeks``: horizon (weeks); ``overrides``: the user's parameter overrides, applied to every
    run; ``workers``: processes (default all cores). Two batches: the runs as they are, then
    the replays (a group with one cause in a run reuses that cause's replay as its "together",
    a cause absent from a run reuses the run itself). Raises ParameterError (one line) for bad
    seeds, weeks or overrides.
    """
    user = dict(overrides or {})
    seeds = checked_seeds(seeds, weeks)
    conditions = condition_causes(scenario, user)  # validates the overrides first
    nothing = Counterfactual()
    firsts = [Replay(scenario, weeks, s, user, nothing, ACTUAL) for s in seeds]
    actual = dict(zip(seeds, run_many(firsts, workers=workers, progress=progress,
                                      desc="explain: the runs", function=replay), strict=True))
    per_seed = {s: event_keys(actual[s].adverse) for s in seeds}
    keys = {k for found in per_seed.values() for k in found}
    events = sorted((_event_cause(k) for k in keys),
                    key=lambda c: (_KIND_ORDER.index(c.kind), c.order))
    jobs: list[Replay] = []
    for s in seeds:
        found = per_seed[s]
        for key, e in found.items():
            jobs.append(Replay(scenario, weeks, s, user, Counterfactual.neutralising([e]), key))
        departed = any(e.kind == DEPARTURE for e in found.values())
        if departed:
            jobs.append(Replay(scenario, weeks, s, user, Counterfactual(keep_all_managers=True),
                               MANAGERS_STAYED))
        if len(found) > 1:  # no manager ever leaving, and every budget decision of the run waived
            reviews = Counterfactual.neutralising([e for e in found.values() if e.kind != DEPARTURE])
            jobs.append(Replay(scenario, weeks, s, user,
                               Counterfactual(waived_reviews=reviews.waived_reviews,
                                              keep_all_managers=departed), ALL_EVENTS))
        for c in conditions:
            jobs.append(Replay(scenario, weeks, s, {**user, **c.neutral}, nothing, c.key))
        if len(conditions) > 1:
            jobs.append(Replay(scenario, weeks, s, {**user, **_all_conditions(conditions)}, nothing,
                               ALL_CONDITIONS))
    done = run_many(jobs, workers=workers, progress=progress, desc="explain: replays", function=replay)
    outcomes = {(o.seed, o.cause): o for o in done}
    for s in seeds:  # reuse runs where nothing more would change
        for c in events:
            outcomes.setdefault((s, c.key), actual[s])
        if any(c.kind == DEPARTURE for c in events):
            outcomes.setdefault((s, MANAGERS_STAYED), actual[s])
        if events:
            only = list(per_seed[s])
            # one event: neutralising it is all of them (a lone departure: the manager stays
            # for good, as nobody else was to leave)
            alone = (MANAGERS_STAYED if only and per_seed[s][only[0]].kind == DEPARTURE else only[0]) \
                if only else None
            outcomes.setdefault((s, ALL_EVENTS), outcomes[(s, alone)] if alone else actual[s])
        if len(conditions) == 1:
            outcomes[(s, ALL_CONDITIONS)] = outcomes[(s, conditions[0].key)]
    found_events = {(s, k): e for s in seeds for k, e in per_seed[s].items()}
    return Replays(scenario, seeds, weeks, user, [*events, *conditions], actual, outcomes,
                   found_events, runs=len(firsts) + len(jobs))

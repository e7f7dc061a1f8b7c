"""What a whole run is measured by: the summary's figures and the measures derived from a run.

:data:`MEASURES` holds how each derived measure (the metric registry's ``run`` metrics: survival,
weeks alive, the claims' measures) is computed from a :class:`~simcomm.runs.sim.Result`;
:func:`measure_all` returns them with every numeric summary figure, which is what the claims,
scenario discovery and the decomposition of a difference keep of a run (small enough to send
back from a worker process). Units, bounds and words are the metric registry's
(:mod:`simcomm.core.metric_registry`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from simcomm.core.metric_registry import ALIVE, SUMMARY
from simcomm.runs.batch import RunSpec
from simcomm.runs.sim import Result, simulate


def _summary(key: str) -> Callable[[Result], float]:
    def measure(result: Result) -> float:
        value = result.summary.get(key)
        return math.nan if value is None else float(value)
    return measure


def alive(result: Result) -> float:
    """Return 1.0 when the community is still alive at the horizon, else 0.0."""
    return 1.0 if result.summary.get("died_week") is None else 0.0


def weeks_alive(result: Result) -> float:
    """Return the weeks the community lived: the week it died (ended by inactivity or closed),
    or the horizon when it was still alive (so a run that lived longer counts more, and two runs
    alive at the horizon tie)."""
    died = result.summary.get("died_week")
    return float(result.weeks if died is None else died)


def weeks_to_20th_joiner(result: Result) -> float:
    """Return the weeks after the launch until the 20th partner joins (weeks + 1 if never)."""
    joined = np.sort(result.members["join_week"].to_numpy())
    joined = joined[joined > 0]
    return float(joined[19]) if joined.size >= 20 else float(result.weeks + 1)


def newcomer_return(result: Result) -> float:
    """Return the share of first posters (first post at least 12 weeks before the horizon) who
    post again within 12 weeks (NaN when none)."""
    m = result.members
    m = m[m["first_post_answered"].notna() & (m["first_post_week"] <= result.weeks - 12)]
    if m.empty:
        return math.nan
    back = (m["second_post_week"] - m["first_post_week"]).le(12).fillna(False)
    return float(back.mean())


def messages_per_member_week(result: Result) -> float:
    """Return posts and answers per member-week (members active or lurking)."""
    ts = result.timeseries
    weeks = float((ts["active_members"] + ts["lurking_members"]).sum())
    return float(ts["posts"].sum() + ts["answers"].sum()) / weeks if weeks else math.nan


#: How each derived measure is computed from a run (metric name -> function of a Result),
#: together with the summary figures the claims are judged on.
MEASURES: dict[str, Callable[[Result], float]] = {
    "survival": alive,
    ALIVE: alive,
    "weeks_alive": weeks_alive,
    "retention_52w": _summary("retention_52w"),
    "settled_retention_52w": _summary("settled_retention_52w"),
    "final_active": _summary("final_active"),
    "peak_active": _summary("peak_active"),
    "ever_joined": _summary("ever_joined"),
    "total_peer_deals": _summary("total_peer_deals"),
    "weeks_to_20th_joiner": weeks_to_20th_joiner,
    "newcomer_return_12w": newcomer_return,
    "messages_per_member_week": messages_per_member_week,
}


def measure_all(result: Result) -> dict[str, float]:
    """Return every numeric summary figure and every measure of :data:`MEASURES` of one run
    (metric name -> value in the metric's unit; NaN where a run has none)."""
    out = {name: _summary(name)(result) for name in SUMMARY}
    out.update({name: measure(result) for name, measure in MEASURES.items()})
    return out


def measure_run(spec: RunSpec) -> dict[str, float]:
    """Run one spec and return :func:`measure_all` of it (what worker processes call: small to
    send back)."""
    result = simulate(spec.scenario, weeks=spec.weeks, seed=spec.seed, overrides=dict(spec.overrides))
    return measure_all(result)

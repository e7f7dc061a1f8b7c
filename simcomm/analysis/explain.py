"""Attribution of a run's losses to its causes, from counterfactual replays on common random numbers.

The effect of a cause on a metric is the replay with the cause neutralised minus the run as it
was, seed by seed (the two share every random number, so the difference is the cause's doing):

- ``active_members``: active members at the chosen week (default the horizon), members;
- ``retention_52w``: the share of the first year's joiners still members 52 weeks after
  joining, in percentage points;
- ``survival``: the community still alive at the horizon (100 points) or not (0), so the mean
  effect over seeds is the change in the share of runs that survive, in percentage points.

A positive effect means the cause cost the community that much. Over several seeds the effect is
the mean over seeds, with a 95% bootstrap percentile interval of that mean (an interval of means
of the seeds' own effects, so it never leaves the range they span, nor a metric's bounds); with
one seed there is no interval. A cause absent from a seed's run (a second departure in a run with
one) has effect 0 there. Within each group (the run's events, the conditions) the causes are also
neutralised all together; the interaction is the together effect minus the sum of the single
effects, so that the singles plus the interaction add up to the total (:func:`attribute`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from simcomm.core.metric_registry import metric as registered
from simcomm.runs.counterfactual import (
    ALL_CONDITIONS,
    ALL_EVENTS,
    CONDITIONS_GROUP,
    EVENTS,
    MANAGERS_STAYED,
    Outcome,
    Replays,
)
from simcomm.runs.departures import first_review_margin


def _explained(name: str, where: str) -> tuple[str, str]:
    """Return (unit, what it is) of an explained metric from the metric registry: a share is
    explained in percentage points (``where`` says of what), anything else in its own unit at
    ``where``. Raises ValueError unless higher is better for the metric (its direction): an
    effect is read as what the cause cost the community."""
    spec = registered(name)
    if spec.direction != 1:  # a positive effect (replay - run) is read as what the cause cost
        raise ValueError(f"explained metric {name} must be one where higher is better (its direction)")
    if spec.share:
        return "points", f"{spec.phrase} (percentage points{where})"
    return spec.unit, f"{spec.phrase} {where}"


#: metric -> (unit, what it is): the metrics an explanation reports (the metric registry's).
METRICS: dict[str, tuple[str, str]] = {
    "active_members": _explained("active_members", "at the chosen week"),
    "retention_52w": _explained("retention_52w", ""),
    "survival": _explained("survival", " of runs"),
}
POINTS_BOUNDS = (-100.0, 100.0)  # an effect in percentage points cannot leave these
CONFIDENCE = 0.95
RESAMPLES = 9999
BOOTSTRAP_SEED = 20240615  # the bootstrap's own fixed seed: the same intervals every time
TOGETHER = {EVENTS: ALL_EVENTS, CONDITIONS_GROUP: ALL_CONDITIONS}
INTERVAL_TEXT = (f"{CONFIDENCE:.0%} bootstrap percentile interval of the mean over the seeds "
                 f"({RESAMPLES:,} resamples, fixed seed)")


def metric_values(outcome: Outcome, at_week: int) -> dict[str, float]:
    """Return one run's metrics: active members at ``at_week`` (members), retention_52w (0-100
    points, NaN when no joiner is observable) and survival (100 alive at the horizon, else 0)."""
    retention = outcome.summary.get("retention_52w")
    return {
        "active_members": float(outcome.active[at_week - 1]),
        "retention_52w": math.nan if retention is None else 100.0 * float(retention),
        "survival": 100.0 if outcome.summary.get("died_week") is None else 0.0,
    }


def interval(values: Sequence[float] | np.ndarray, bounds: tuple[float, float] | None = None
             ) -> tuple[float | None, float | None]:
    """Return the 95% bootstrap percentile interval (low, high) of the mean of ``values``.

    (None, None) with fewer than 2 values; (x, x) when every value is x. The interval lies within
    the range of the values (a percentile interval of resampled means) and within ``bounds``.
    The bootstrap's random numbers come from a fixed seed (BOOTSTRAP_SEED).
    """
    x = np.asarray(values, dtype=float)
    if x.size < 2:
        return None, None
    if np.ptp(x) == 0:
        low = high = float(x[0])
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = stats.bootstrap((x,), np.mean, n_resamples=RESAMPLES, confidence_level=CONFIDENCE,
                                  method="percentile", rng=np.random.default_rng(BOOTSTRAP_SEED))
        low, high = float(res.confidence_interval.low), float(res.confidence_interval.high)
        low, high = max(low, float(x.min())), min(high, float(x.max()))
    if bounds is not None:
        low, high = min(max(low, bounds[0]), bounds[1]), min(max(high, bounds[0]), bounds[1])
    return low, high


def effects_frame(replays: Replays, at_week: int | None = None) -> pd.DataFrame:
    """Return the effects seed by seed: one row per (seed, cause, metric).

    Columns: ``seed``, ``cause`` (a cause key, or ALL_EVENTS / ALL_CONDITIONS /
    MANAGERS_STAYED), ``group`` ("events", "conditions"), ``role`` ("single", "together" or
    "stayed": no manager ever leaving), ``occurred`` (the cause was in
    that seed's run), ``event_week`` (the week of the event in that run; NaN for conditions and
    absent events), ``metric``, ``actual`` and ``counterfactual`` (the metric in the run as it
    was and in the replay) and ``effect`` (counterfactual - actual), in the metric's unit
    (:data:`METRICS`). ``at_week`` (default the horizon) is the week active members are read at.
    """
    week = replays.weeks if at_week is None else int(at_week)
    rows: list[dict[str, Any]] = []
    groups = {c.group for c in replays.causes}
    entries = [(c.key, c.group, "single") for c in replays.causes]
    entries += [(TOGETHER[g], g, "together") for g in (EVENTS, CONDITIONS_GROUP) if g in groups]
    if any(c.kind == "departure" for c in replays.causes):
        entries.append((MANAGERS_STAYED, EVENTS, "stayed"))
    for seed in replays.seeds:
        base = metric_values(replays.actual[seed], week)
        departed = any((seed, c.key) in replays.events for c in replays.causes if c.kind == "departure")
        for key, group, role in entries:
            event = replays.events.get((seed, key))
            occurred = event is not None or group == CONDITIONS_GROUP or (
                role == "together" and any((seed, c.key) in replays.events for c in replays.causes)) or (
                role == "stayed" and departed)
            after = metric_values(replays.outcomes[(seed, key)], week)
            for metric in METRICS:
                rows.append({"seed": seed, "cause": key, "group": group, "role": role,
                             "occurred": bool(occurred),
                             "event_week": math.nan if event is None else float(event.week),
                             "metric": metric, "actual": base[metric], "counterfactual": after[metric],
                             "effect": after[metric] - base[metric]})
    columns = ["seed", "cause", "group", "role", "occurred", "event_week", "metric", "actual",
               "counterfactual", "effect"]
    return pd.DataFrame(rows, columns=columns)


def _summary(values: np.ndarray, metric: str) -> dict[str, Any]:
    """Return n, mean, low, high (bootstrap interval), better and worse of per-seed effects."""
    bounds = POINTS_BOUNDS if METRICS.get(metric, ("",))[0] == "points" else None
    low, high = interval(values, bounds)
    return {"n": int(values.size), "mean": float(values.mean()) if values.size else math.nan,
            "low": low, "high": high, "better": int(np.count_nonzero(values > 0)),
            "worse": int(np.count_nonzero(values < 0))}


def _row(where: tuple[str, str], cause: str, role: str, values: np.ndarray, runs: int
         ) -> dict[str, Any]:
    group, metric = where
    return {"group": group, "cause": cause, "role": role, "metric": metric,
            "unit": METRICS.get(metric, ("",))[0], "runs": runs, **_summary(values, metric)}


def attribute(effects: pd.DataFrame) -> pd.DataFrame:
    """Return the attribution table: per group and metric, each cause's mean effect, the effect
    of all the group's causes together, and their interaction.

    ``effects`` has the columns of :func:`effects_frame` (at least ``seed``, ``cause``,
    ``group``, ``role``, ``occurred``, ``metric``, ``effect``; at most one "together" cause per
    group). Within a group and metric only the seeds where every effect is a number count
    (``n``). The interaction is, seed by seed, the together effect minus the sum of the single
    effects, and its mean is the together mean minus the sum of the singles' means: the singles
    plus the interaction add up to the together effect (exactly, up to floating-point rounding).
    Columns: ``group``, ``cause``, ``role`` ("single", "together", "interaction", "stayed": no
    manager ever leaving, outside the sums), ``metric``,
    ``unit``, ``n`` (seeds), ``runs`` (seeds whose run had the cause), ``mean``, ``low``,
    ``high`` (95% bootstrap interval of the mean; None when n < 2), ``better`` and ``worse``
    (seeds where neutralising the cause raised / lowered the metric), in the metric's unit.
    """
    rows: list[dict[str, Any]] = []
    for (group, metric), part in effects.groupby(["group", "metric"], sort=False):
        wide = part.pivot(index="seed", columns="cause", values="effect")
        wide = wide[np.isfinite(wide.to_numpy(dtype=float)).all(axis=1)]
        occurred = part.pivot(index="seed", columns="cause", values="occurred").loc[wide.index]
        singles = list(dict.fromkeys(part.loc[part["role"] == "single", "cause"]))
        together = list(dict.fromkeys(part.loc[part["role"] == "together", "cause"]))
        where = (str(group), str(metric))
        single_rows = [_row(where, c, "single", wide[c].to_numpy(dtype=float), int(occurred[c].sum()))
                       for c in singles]
        rows += single_rows
        for c in dict.fromkeys(part.loc[part["role"] == "stayed", "cause"]):
            rows.append(_row(where, c, "stayed", wide[c].to_numpy(dtype=float), int(occurred[c].sum())))
        if together:
            key = together[0]
            total = wide[key].to_numpy(dtype=float)
            together_row = _row(where, key, "together", total, int(occurred[key].sum()))
            inter = total - wide[singles].to_numpy(dtype=float).sum(axis=1)
            inter_row = _row(where, "interaction", "interaction", inter, int(occurred[key].sum()))
            if inter.size:
                inter_row["mean"] = together_row["mean"] - math.fsum(r["mean"] for r in single_rows)
            rows += [together_row, inter_row]
    columns = ["group", "cause", "role", "metric", "unit", "n", "runs", "mean", "low", "high",
               "better", "worse"]
    return pd.DataFrame(rows, columns=columns)


def ghost_lines(replays: Replays, causes: Sequence[str]) -> pd.DataFrame:
    """Return weekly active members, mean over seeds, of the runs as they were ("actual") and
    of the replays with each of ``causes`` neutralised: columns ``week`` (1..weeks) and one
    column per line (members)."""
    weeks = np.arange(1, replays.weeks + 1)
    lines = {"week": weeks,
             "actual": np.mean([replays.actual[s].active for s in replays.seeds], axis=0)}
    for key in causes:
        lines[key] = np.mean([replays.outcomes[(s, key)].active for s in replays.seeds], axis=0)
    return pd.DataFrame(lines)


@dataclass
class Explanation:
    """An explanation, ready for words: the runs' settings, the runs as they were, the causes
    ranked, the attribution table and the effects seed by seed.

    ``actual``: metric -> mean over seeds of the runs as they were (active members at
    ``at_week``, retention and survival in points 0-100), ``died`` (runs that died) and
    ``died_weeks`` (the week each of them died);
    ``causes``: one dict per cause, largest mean effect on active members first (its Cause's
    fields, ``runs``, ``weeks`` (the event's week in each seed that had it) and ``effects``:
    metric -> n, mean, low, high, better, worse); ``groups``: group -> "together" and
    "interaction" effects (same form) and its cause keys; ``managers_stayed``: the effects of no
    manager ever leaving (same form; {} when no run had a departure) and ``stayed_runs``, the
    runs that had a departure; ``first_review``: the return the first budget review saw over
    its target, median over the runs that held one, as they were (``actual``) and had the
    managers stayed (``stayed``), its ``week`` and ``runs`` ({} when no run held a review).
    """

    scenario: str
    seeds: list[int]
    weeks: int
    at_week: int
    runs: int
    actual: dict[str, Any]
    causes: list[dict[str, Any]]
    groups: dict[str, dict[str, Any]]
    table: pd.DataFrame
    effects: pd.DataFrame
    grouping: str = ""
    interval: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    managers_stayed: dict[str, Any] = field(default_factory=dict)
    stayed_runs: int = 0
    first_review: dict[str, Any] = field(default_factory=dict)


def first_review(replays: Replays) -> dict[str, Any]:
    """Return the first budget review's return over its target (1 = just met), the median over
    the runs that held one: as they were (``actual``) and had no manager ever left (``stayed``,
    None without that replay), with the review's ``week`` and the ``runs`` counted; {} when no
    run held a review."""
    actual, stayed, weeks = [], [], []
    for s in replays.seeds:
        margin = first_review_margin(replays.actual[s].metadata)
        if margin is None:
            continue
        actual.append(margin)
        weeks.append(replays.actual[s].metadata["counterfactual"]["reviews"][0]["week"])
        kept = replays.outcomes.get((s, MANAGERS_STAYED))
        if kept is not None and (m := first_review_margin(kept.metadata)) is not None:
            stayed.append(m)
    if not actual:
        return {}
    return {"actual": float(np.median(actual)), "stayed": float(np.median(stayed)) if stayed else None,
            "week": int(np.median(weeks)), "runs": len(actual)}


def _effects_of(table: pd.DataFrame, group: str, cause: str, role: str) -> dict[str, Any]:
    part = table[(table["group"] == group) & (table["cause"] == cause) & (table["role"] == role)]
    out: dict[str, Any] = {}
    for row in part.to_dict(orient="records"):
        out[row["metric"]] = {k: row[k] for k in ("n", "runs", "mean", "low", "high", "better", "worse")}
    return out


GROUPING = ("Each seed's run has its own events at its own weeks: events are grouped by kind and "
            "order (the first manager departure of each run, the second, ...); where a run had no "
            "such event its effect is 0.")


def explain(replays: Replays, at_week: int | None = None) -> Explanation:
    """Return the Explanation of ``replays`` with active members read at ``at_week`` (a week in
    1..weeks; default the horizon)."""
    week = replays.weeks if at_week is None else int(at_week)
    effects = effects_frame(replays, week)
    table = attribute(effects)
    base = [metric_values(replays.actual[s], week) for s in replays.seeds]
    actual: dict[str, Any] = {}
    for metric in METRICS:
        values = np.array([b[metric] for b in base], dtype=float)
        values = values[np.isfinite(values)]
        actual[metric] = float(values.mean()) if values.size else None
    actual["died"] = int(sum(b["survival"] == 0.0 for b in base))
    actual["died_weeks"] = [replays.actual[s].summary["died_week"] for s in replays.seeds
                            if replays.actual[s].summary.get("died_week") is not None]
    causes = []
    for c in replays.causes:
        weeks = [replays.events[(s, c.key)].week for s in replays.seeds if (s, c.key) in replays.events]
        effects_c = _effects_of(table, c.group, c.key, "single")
        causes.append({"key": c.key, "group": c.group, "kind": c.kind, "order": c.order,
                       "label": c.label, "wording": c.wording, "why": c.why,
                       "neutral": dict(c.neutral), "default": c.default,
                       "runs": len(weeks) if c.group == EVENTS else len(replays.seeds),
                       "weeks": weeks, "effects": effects_c})

    def size(cause: Mapping[str, Any]) -> float:
        e = cause["effects"].get("active_members", {}).get("mean")
        return -abs(e) if e is not None and math.isfinite(e) else 0.0

    causes.sort(key=size)
    groups: dict[str, dict[str, Any]] = {}
    for group, key in TOGETHER.items():
        members = [c.key for c in replays.causes if c.group == group]
        if members:
            groups[group] = {"causes": members,
                             "together": _effects_of(table, group, key, "together"),
                             "interaction": _effects_of(table, group, "interaction", "interaction")}
    return Explanation(
        scenario=replays.scenario.name, seeds=list(replays.seeds), weeks=replays.weeks, at_week=week,
        runs=replays.runs, actual=actual, causes=causes, groups=groups, table=table, effects=effects,
        grouping=GROUPING if len(replays.seeds) > 1 else "",
        interval=INTERVAL_TEXT if len(replays.seeds) > 1 else None,
        settings={"overrides": dict(replays.overrides)},
        managers_stayed=_effects_of(table, EVENTS, MANAGERS_STAYED, "stayed"),
        first_review=first_review(replays),
        stayed_runs=sum(any((s, c.key) in replays.events for c in replays.causes if c.kind == "departure")
                        for s in replays.seeds))

"""Effects, intervals and verdicts of the essays' claims, and how robust each is.

A claim's effect is the mean over seeds of the paired difference (with arm minus without arm,
same seed, so common random numbers) of its metric. Its 95% interval is a percentile bootstrap
of that mean (scipy.stats.bootstrap, fixed random state, so reproducible); a mean of paired
differences of values in [low, high] stays within [low - high, high - low], so the interval
respects the metric's bounds.

The verdict: **agrees** when the interval excludes zero on the side the essay expects,
**disagrees** when it excludes zero on the other side, **inconclusive** otherwise. A claim that
the metric hardly moves (direction 0) agrees when the interval lies within +-tolerance x the
without arm's mean, disagrees when it lies wholly outside, and is inconclusive otherwise.

Robustness: at each point of a Latin hypercube over the assumptions, the claim's direction is
judged on a paired continuous measure where its metric allows one (weeks alive for survival:
:func:`simcomm.analysis.discovery.paired_metric`), from the point's mean paired effect: it
*holds* when that points the way the essay expects, *ties* when it is exactly zero (both arms
alive at the horizon on every seed, say), and *fails* otherwise; a tie is never counted as a
failure. The share holding is of the points that do not tie (with a Wilson interval), and the
tie share is shown beside it. Where in the space it holds is found by PRIM
(:mod:`simcomm.analysis.discovery`) on the pairs of runs (a pair holds when its own paired
effect points the expected way), in place of the depth-2 tree this page used before (fitted to
ties, it was fitted to noise).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from simcomm.analysis.discovery import (
    FAILS,
    HOLDS,
    TIES,
    Box,
    Condition,
    chance_boxes,
    claim_cases,
    find_boxes,
    paired_metric,
    paired_verdict,
)
from simcomm.analysis.discovery import as_good as count_as_good
from simcomm.analysis.intervals import wilson_ci

AGREES, DISAGREES, INCONCLUSIVE = "agrees", "disagrees", "inconclusive"
BOOTSTRAP_RESAMPLES = 4999
ROBUST, MOSTLY, KNIFE_EDGE, RARELY, ALL_TIES = "robust", "mostly", "knife-edge", "rarely", "all ties"


@dataclass(frozen=True)
class Effect:
    """A claim's effect at the defaults: arm means, the paired effect and its 95% interval
    (metric units; NaN interval with fewer than 2 usable seeds) over ``n`` seeds."""

    without: float
    with_: float
    effect: float
    low: float
    high: float
    n: int

    @property
    def relative(self) -> float:
        """Return the effect as a share of the without arm's mean (NaN when that is 0)."""
        return self.effect / self.without if self.without else math.nan


def paired_effect(without: Sequence[float], with_: Sequence[float], seed: int = 0) -> Effect:
    """Return the mean paired difference ``with_ - without`` (seeds where both are defined) with
    a 95% percentile-bootstrap interval of the mean (fixed random state: reproducible)."""
    a, b = np.asarray(without, dtype=float), np.asarray(with_, dtype=float)
    ok = np.isfinite(a) & np.isfinite(b)
    a, b = a[ok], b[ok]
    n = int(a.size)
    if n == 0:
        return Effect(math.nan, math.nan, math.nan, math.nan, math.nan, 0)
    d = b - a
    mean = float(d.mean())
    if n < 2:
        low = high = math.nan
    elif np.all(d == d[0]):  # no spread: the bootstrap would be degenerate
        low = high = mean
    else:
        res = stats.bootstrap((d,), np.mean, confidence_level=0.95, n_resamples=BOOTSTRAP_RESAMPLES,
                              method="percentile", rng=np.random.default_rng(seed))
        low, high = float(res.confidence_interval.low), float(res.confidence_interval.high)
    return Effect(float(a.mean()), float(b.mean()), mean, low, high, n)


def verdict(effect: Effect, direction: int, tolerance: float = 0.1) -> str:
    """Return "agrees", "disagrees" or "inconclusive" for an effect against the expected
    ``direction`` (+1, -1, or 0 for "hardly moves": within ``tolerance`` x the without mean)."""
    if not (math.isfinite(effect.low) and math.isfinite(effect.high)):
        return INCONCLUSIVE
    if direction == 0:
        band = tolerance * abs(effect.without)
        if -band <= effect.low and effect.high <= band:
            return AGREES
        if effect.low > band or effect.high < -band:
            return DISAGREES
        return INCONCLUSIVE
    if effect.low > 0 or effect.high < 0:
        return AGREES if (effect.low > 0) == (direction > 0) else DISAGREES
    return INCONCLUSIVE


def wilson(successes: int, n: int) -> tuple[float, float]:
    """Return the Wilson score 95% interval of a proportion (shares, within [0, 1]); (nan, nan)
    if n = 0 (:func:`simcomm.analysis.statistics.wilson_ci`)."""
    return wilson_ci(successes, n)


def contrast_effects(values: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Return, per claim (and per ``point`` when present), the without and with values of
    ``metric`` side by side, one row per seed (columns ``without``, ``with``)."""
    keys = [k for k in ("claim", "point") if k in values.columns]
    wide = values.pivot_table(index=[*keys, "seed"], columns="arm", values=metric, aggfunc="first",
                              dropna=False)
    return wide.reset_index()


@dataclass(frozen=True)
class Robustness:
    """Where in the assumptions' plausible space a claim holds.

    Of ``points`` points (those where the effect is defined), it ``holds`` at some, ``ties`` at
    some (mean paired effect exactly zero) and ``fails`` at the rest, judged on ``measure``;
    ``low``-``high`` is the Wilson interval of the share holding among the points that do not
    tie. ``boxes``: PRIM's boxes where the pairs of runs hold (:class:`~simcomm.analysis.
    discovery.Box`), of ``pairs`` pairs of which ``pairs_holding`` hold; ``shuffles_as_good``:
    of ``shuffles`` tries, how often outcomes shuffled among the points gave a first box as good
    as the first box (None when not checked).
    """

    points: int
    holds: int
    ties: int
    fails: int
    low: float
    high: float
    measure: str = ""
    boxes: tuple[Box, ...] = ()
    pairs: int = 0
    pairs_holding: int = 0
    shuffles: int = 0
    shuffles_as_good: int | None = None

    @property
    def decided(self) -> int:
        """Return the points that do not tie."""
        return self.holds + self.fails

    @property
    def share(self) -> float:
        """Return the share of the points that do not tie at which the claim holds (NaN if all tie)."""
        return self.holds / self.decided if self.decided else math.nan

    @property
    def tie_share(self) -> float:
        """Return the share of the points that tie (NaN with no point)."""
        return self.ties / self.points if self.points else math.nan

    @property
    def kind(self) -> str:
        """Return "robust" (holds at 90% or more of the points that do not tie), "mostly"
        (70-90%), "knife-edge" (30-70%), "rarely" (under 30%), or "all ties"."""
        if not self.decided:
            return ALL_TIES
        if self.share >= 0.9:
            return ROBUST
        if self.share >= 0.7:
            return MOSTLY
        if self.share >= 0.3:
            return KNIFE_EDGE
        return RARELY


def point_verdicts(pairs: pd.DataFrame, direction: int, tolerance: float = 0.1) -> pd.Series:
    """Return, per point (index), "holds", "ties" or "fails" from its mean paired effect over its
    seeds (``pairs``: :func:`simcomm.analysis.discovery.claim_cases`' rows: point, value, without)."""
    per_point = pairs.groupby("point")[["value", "without"]].mean()
    verdicts = paired_verdict(per_point["value"].to_numpy(), per_point["without"].to_numpy(), direction,
                              tolerance)
    return pd.Series(verdicts, index=per_point.index, name="verdict")


def robustness(pairs: pd.DataFrame, names: Sequence[str], direction: int, tolerance: float = 0.1,
               measure: str = "", shuffles: int = 0) -> Robustness:
    """Return where a claim holds from its pairs of runs over the hypercube (``pairs``:
    :func:`simcomm.analysis.discovery.claim_cases`' rows, ``case`` = the pair holds; ``names``
    the varied assumptions): the three-way count over the points and PRIM's boxes over the
    pairs (with ``shuffles`` chance checks of the first)."""
    verdicts = point_verdicts(pairs, direction, tolerance) if len(pairs) else pd.Series(dtype=object)
    holds, ties, fails = (int((verdicts == v).sum()) for v in (HOLDS, TIES, FAILS))
    low, high = wilson(holds, holds + fails)
    cases = pairs["case"].to_numpy(dtype=bool) if len(pairs) else np.zeros(0, dtype=bool)
    boxes = tuple(find_boxes(pairs[list(names)], cases, max_boxes=1)) if len(pairs) else ()
    as_good = None
    if boxes and shuffles:
        as_good = count_as_good(boxes[0], chance_boxes(pairs, list(names), shuffles, max_boxes=1))
    return Robustness(holds + ties + fails, holds, ties, fails, low, high, measure, boxes, len(pairs),
                      int(cases.sum()), shuffles if boxes else 0, as_good)


def claim_table(claims: Sequence[Any], values: pd.DataFrame) -> pd.DataFrame:
    """Return one row per claim at the defaults: key, metric, arm means, effect, interval,
    relative effect, seeds used and verdict (claims: :class:`simcomm.runs.claims.Claim`)."""
    rows = []
    for c in claims:
        wide = contrast_effects(values[values["claim"] == c.key], c.metric)
        e = paired_effect(wide["without"], wide["with"])
        rows.append({"claim": c.key, "seed": c.seed, "metric": c.metric, "direction": c.direction,
                     "without": e.without, "with": e.with_, "effect": e.effect, "low": e.low,
                     "high": e.high, "relative": e.relative, "n": e.n,
                     "verdict": verdict(e, c.direction, c.tolerance)})
    return pd.DataFrame(rows)


def robustness_table(claims: Sequence[Any], design: pd.DataFrame, values: pd.DataFrame,
                     shuffles: int = 0) -> dict[str, Robustness]:
    """Return claim key -> :class:`Robustness` from the robustness runs (``design``: one row per
    point, in point order from 1; ``values``: :func:`simcomm.runs.claims.run_robustness`' rows),
    each judged on its paired measure (:func:`simcomm.analysis.discovery.paired_metric`)."""
    names = [n for n in design.columns if n != "point"]
    points = design.assign(point=np.arange(1, len(design) + 1)) if "point" not in design else design
    out = {}
    for c in claims:
        measure = paired_metric(c.metric)
        own = values[values["claim"] == c.key]
        pairs = claim_cases(points, own, names, measure, Condition(verdict=HOLDS), c.direction, c.tolerance)
        out[c.key] = robustness(pairs, names, c.direction, c.tolerance, measure, shuffles)
    return out

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

Robustness: at each point of a Latin hypercube over the assumptions, the claim *holds* when the
point's mean paired effect has the expected sign (or, for direction 0, lies within the
tolerance). The share of points where it holds (with a Wilson interval) says how much of the
plausible space agrees; a depth-2 classification tree (scikit-learn) on the sample names the
assumption that decides it most and where it splits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from simcomm.analysis.intervals import wilson_ci

AGREES, DISAGREES, INCONCLUSIVE = "agrees", "disagrees", "inconclusive"
BOOTSTRAP_RESAMPLES = 4999
ROBUST, MOSTLY, KNIFE_EDGE, RARELY = "robust", "mostly", "knife-edge", "rarely"


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


def holds(effect: float, without: float, direction: int, tolerance: float = 0.1) -> bool:
    """Return True when one effect points the way the claim expects (for direction 0: within
    ``tolerance`` x ``without`` of zero)."""
    if direction == 0:
        return abs(effect) <= tolerance * abs(without)
    return effect * direction > 0


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

    ``share`` of ``points`` points (Wilson interval ``low``-``high``); ``decider`` the assumption
    at the root of a depth-2 tree ("" when the sample is all one way), ``split`` its threshold
    (parameter units), ``share_below`` / ``share_above`` the share holding on either side, and
    ``importance`` the tree's importance of each assumption, largest first (top five).
    """

    share: float
    low: float
    high: float
    points: int
    decider: str = ""
    split: float = math.nan
    share_below: float = math.nan
    share_above: float = math.nan
    importance: tuple[tuple[str, float], ...] = ()

    @property
    def kind(self) -> str:
        """Return "robust" (holds at 90% or more of the points), "mostly" (70-90%),
        "knife-edge" (30-70%) or "rarely" (under 30%)."""
        if self.share >= 0.9:
            return ROBUST
        if self.share >= 0.7:
            return MOSTLY
        if self.share >= 0.3:
            return KNIFE_EDGE
        return RARELY


def robustness(design: pd.DataFrame, held: np.ndarray) -> Robustness:
    """Return where a claim holds: ``held[i]`` says whether it held at design row ``i`` (points
    whose effect could not be measured are left out by the caller)."""
    held = np.asarray(held, dtype=bool)
    n, k = int(held.size), int(held.sum())
    low, high = wilson(k, n)
    share = k / n if n else math.nan
    if n < 4 or k in (0, n):
        return Robustness(share, low, high, n)
    from sklearn.tree import DecisionTreeClassifier

    x = design.to_numpy(dtype=float)
    tree = DecisionTreeClassifier(max_depth=2, min_samples_leaf=max(3, n // 10), random_state=0)
    tree.fit(x, held)
    root = int(tree.tree_.feature[0])
    if root < 0:  # no split improves the fit
        return Robustness(share, low, high, n)
    name = str(design.columns[root])
    split = float(tree.tree_.threshold[0])
    below = x[:, root] <= split
    order = np.argsort(tree.feature_importances_)[::-1][:5]
    importance = tuple((str(design.columns[i]), float(tree.feature_importances_[i]))
                       for i in order if tree.feature_importances_[i] > 0)
    return Robustness(share, low, high, n, name, split, float(held[below].mean()),
                      float(held[~below].mean()), importance)


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


def robustness_table(claims: Sequence[Any], design: pd.DataFrame,
                     values: pd.DataFrame) -> dict[str, Robustness]:
    """Return claim key -> :class:`Robustness` from the robustness runs (mean paired effect per
    point over its seeds; points where it is undefined are left out)."""
    out = {}
    for c in claims:
        wide = contrast_effects(values[values["claim"] == c.key], c.metric)
        wide["d"] = wide["with"] - wide["without"]
        per_point = wide.groupby("point")[["d", "without"]].mean()
        per_point = per_point[np.isfinite(per_point["d"])]
        held = np.array([holds(d, w, c.direction, c.tolerance)
                         for d, w in zip(per_point["d"], per_point["without"], strict=True)])
        rows = design.iloc[per_point.index.to_numpy() - 1].reset_index(drop=True)
        out[c.key] = robustness(rows, held)
    return out

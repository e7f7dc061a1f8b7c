"""Statistical primitives over replicate runs: intervals, tests and the one significance rule.

Intervals respect a metric's bounds: the mean of a metric over runs gets a 95% percentile
bootstrap interval (scipy.stats.bootstrap, fixed seed, so output is reproducible), which never
leaves the range of the runs' values; a share of runs (k of n) gets a Wilson interval
(scipy.stats.binomtest). Differences of means get Student t intervals (Welch's for two
samples, paired for runs that share their seeds) and t-tests (scipy.stats). One significance
rule (:func:`significance`) decides every star and every "clearly": Holm's step-down
adjustment over every comparison shown together, adjusted p < 0.05. The tables built from
these are in :mod:`simcomm.analysis.statistics`.
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy import stats

CONFIDENCE = 0.95
ALPHA = 0.05
#: Resamples and seed of every bootstrap interval: the same data always give the same interval.
BOOTSTRAP_RESAMPLES = 9999
BOOTSTRAP_SEED = 20240515


def too_few(x: np.ndarray) -> tuple[int, float, bool]:
    """Return (n, mean, too_few): too_few is True when an interval cannot be had (n < 2; the
    mean is NaN when n = 0)."""
    n = int(x.size)
    return n, (float(x.mean()) if n else math.nan), n < 2


def mean_ci(values: Sequence[float] | np.ndarray, confidence: float = CONFIDENCE
            ) -> tuple[int, float, float, float]:
    """Return (n, mean, low, high): the Student t confidence interval of the mean of ``values``.

    NaNs are dropped first; n counts what is left. The interval is NaN when n < 2 (and the
    mean too when n = 0); it is [mean, mean] when every value is the same. Units are those of
    ``values``.
    """
    x = finite_values(values)
    n, mean, early = too_few(x)
    if early:
        return n, mean, math.nan, math.nan
    if np.ptp(x) == 0:  # no spread: scipy's interval is undefined (scale 0); the mean is exact
        return n, mean, mean, mean
    ci = stats.ttest_1samp(x, 0.0).confidence_interval(confidence)
    return n, mean, float(ci.low), float(ci.high)


def bootstrap_interval(samples: tuple[np.ndarray, ...], statistic: Callable[..., Any], paired: bool = False,
               confidence: float = CONFIDENCE, axis: int = 0) -> tuple[Any, Any]:
    """Return the (low, high) percentile bootstrap interval of ``statistic`` over ``samples``:
    scipy.stats.bootstrap with :data:`BOOTSTRAP_RESAMPLES` resamples and a fixed seed."""
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    seeded = {"rng": rng} if "rng" in inspect.signature(stats.bootstrap).parameters else {"random_state": rng}
    size = max(1, int(np.prod([x.size for x in samples])))
    batch = max(1, min(BOOTSTRAP_RESAMPLES, int(4e6 // size)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = stats.bootstrap(samples, statistic, n_resamples=BOOTSTRAP_RESAMPLES, batch=batch,
                              vectorized=True, paired=paired, axis=axis, confidence_level=confidence,
                              method="percentile", **seeded)
    return res.confidence_interval.low, res.confidence_interval.high


def bootstrap_mean_ci(values: Sequence[float | None] | np.ndarray, confidence: float = CONFIDENCE
                      ) -> tuple[int, float, float, float]:
    """Return (n, mean, low, high): the 95% percentile bootstrap interval of the mean of ``values``.

    None and NaN are dropped first; n counts what is left. The interval is NaN when n < 2 (and
    the mean too when n = 0) and [v, v] when every value is v. A bootstrap mean is a mean of
    some of the values, so the interval never leaves [min, max] of the values, and so never
    leaves the metric's bounds (a share stays in [0, 1], a count never goes below 0). Units are
    those of ``values``; the same values always give the same interval (fixed seed).
    """
    x = finite_values(values)
    n, mean, early = too_few(x)
    if early:
        return n, mean, math.nan, math.nan
    if np.ptp(x) == 0:
        return n, mean, mean, mean
    low, high = bootstrap_interval((x,), np.mean, confidence=confidence)
    return n, mean, float(low), float(high)


def wilson_ci(successes: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Return the (low, high) Wilson score interval (shares, 0-1) of ``successes`` out of ``n``.

    For a proportion of runs, e.g. the share of runs still alive at the horizon. Always within
    [0, 1], and not empty at 0 of n or n of n (0 of 20: [0, 0.16]); (NaN, NaN) when n = 0.
    """
    if n <= 0:
        return math.nan, math.nan
    ci = stats.binomtest(int(successes), int(n)).proportion_ci(confidence_level=confidence,
                                                               method="wilson")
    return max(0.0, float(ci.low)), min(1.0, float(ci.high))


def significance(pvalues: Sequence[float] | np.ndarray, alpha: float = ALPHA
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Return (adjusted p-values, significant) for one family of comparisons: THE rule.

    Every star in a table, every "clearly" in a sentence and every starred effect of
    ``compare`` comes from this one rule: Holm's step-down adjustment over every comparison
    shown together (NaN p-values, where nothing could be tested, stay NaN and do not count),
    significant where the adjusted p-value is below ``alpha`` (:data:`ALPHA`, 0.05: a difference
    this large would arise by chance less than 1 time in 20, allowing for the comparisons made;
    ``compare --until-clear`` divides it among its looks at the data).
    """
    adjusted = holm(pvalues)
    with np.errstate(invalid="ignore"):
        return adjusted, np.asarray(adjusted < alpha, dtype=bool)


def adjusted_level(p_value: float, p_holm: float, alpha: float = ALPHA) -> float:
    """Return the error rate (0-1) at which to draw a comparison's interval so that it agrees
    with the rule: ``alpha * p / p_holm``, so that an interval dual to the comparison's test (a
    Student or Welch t interval for a t-test) leaves out zero exactly when ``p_holm < alpha``,
    i.e. exactly where the rule says "clearly". Never more than ``alpha`` and never less than
    ``alpha / m`` (Bonferroni over the m comparisons), as Holm's adjusted p-value lies between
    p and m x p. NaN when nothing was tested; ``alpha`` when p_holm is 0 (an exact difference)."""
    if not (math.isfinite(p_value) and math.isfinite(p_holm)):
        return math.nan
    if p_holm <= 0:
        return alpha
    return alpha * p_value / p_holm


def welch_p(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    """Return the two-sided Welch t-test p-value (0-1) that ``a`` and ``b`` have equal means.

    NaNs are dropped. NaN when either side has fewer than 2 values. When both sides have no
    spread at all the t statistic is undefined: the p-value is then 1 if the two constants are
    equal and 0 if they differ (every replicate agrees on the difference).
    """
    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    if x.size < 2 or y.size < 2:
        return math.nan
    if np.ptp(x) == 0 and np.ptp(y) == 0:
        return 1.0 if x[0] == y[0] else 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        p = float(stats.ttest_ind(x, y, equal_var=False).pvalue)
    return p


def finite_values(values: Sequence[float | None] | np.ndarray) -> np.ndarray:
    """Return ``values`` as a float array without None/NaN entries."""
    return np.array([v for v in values if v is not None and not math.isnan(float(v))], dtype=float)


def mean_difference(a: Sequence[float | None] | np.ndarray, b: Sequence[float | None] | np.ndarray,
                    confidence: float = CONFIDENCE) -> dict[str, Any]:
    """Return the difference of means ``mean(a) - mean(b)`` with its Welch interval and p-value.

    None and NaN values are dropped. Keys: ``n`` (the smaller of the two sample sizes),
    ``n_a``, ``n_b``, ``diff`` (in the unit of the values), ``ci_low``, ``ci_high`` (95% Welch
    interval: Welch-Satterthwaite degrees of freedom) and ``p_value`` (two-sided Welch t-test,
    see :func:`welch_p`). ``diff`` is None when either side is empty; the interval and p-value
    are None when either side has fewer than 2 values. JSON-serialisable.
    """
    x, y = finite_values(a), finite_values(b)
    out: dict[str, Any] = {"n": int(min(x.size, y.size)), "n_a": int(x.size), "n_b": int(y.size),
                           "diff": None, "ci_low": None, "ci_high": None, "p_value": None}
    if x.size == 0 or y.size == 0:
        return out
    diff = float(x.mean() - y.mean())
    out["diff"] = diff
    if x.size < 2 or y.size < 2:
        return out
    if np.ptp(x) == 0 and np.ptp(y) == 0:  # no spread: the difference is exact
        low = high = diff
    else:  # Welch's interval (Welch-Satterthwaite degrees of freedom)
        ci = stats.ttest_ind(x, y, equal_var=False).confidence_interval(confidence)
        low, high = float(ci.low), float(ci.high)
    out.update(ci_low=low, ci_high=high, p_value=welch_p(x, y))
    return out


def paired_difference(a: Sequence[float | None] | np.ndarray, b: Sequence[float | None] | np.ndarray,
                      confidence: float = CONFIDENCE) -> dict[str, Any]:
    """Return the mean of the paired differences ``a[i] - b[i]`` with its Student t interval and
    two-sided paired t-test p-value: for runs that share their seeds, and so their random numbers.

    A pair with None or NaN on either side is dropped. Keys as :func:`mean_difference`
    (``n`` is the number of pairs); ``diff`` is None without pairs, the interval and p-value
    are None with fewer than 2. JSON-serialisable.
    """
    x = np.array([np.nan if v is None else v for v in a], dtype=float)
    y = np.array([np.nan if v is None else v for v in b], dtype=float)
    if x.size != y.size:
        raise ValueError(f"paired_difference needs as many values on each side ({x.size} vs {y.size})")
    d = (x - y)[np.isfinite(x) & np.isfinite(y)]
    out: dict[str, Any] = {"n": int(d.size), "n_a": int(d.size), "n_b": int(d.size),
                           "diff": None, "ci_low": None, "ci_high": None, "p_value": None}
    if d.size == 0:
        return out
    diff = float(d.mean())
    out["diff"] = diff
    if d.size < 2:
        return out
    se = float(d.std(ddof=1) / math.sqrt(d.size))
    if se == 0:
        out.update(ci_low=diff, ci_high=diff, p_value=1.0 if diff == 0 else 0.0)
        return out
    test = stats.ttest_1samp(d, 0.0)
    ci = test.confidence_interval(confidence)
    out.update(ci_low=float(ci.low), ci_high=float(ci.high), p_value=float(test.pvalue))
    return out


def holm(pvalues: Sequence[float] | np.ndarray) -> np.ndarray:
    """Return Holm-adjusted p-values (0-1), in the input order; NaN entries stay NaN.

    Holm's step-down procedure controls the family-wise error rate over the m non-NaN
    p-values: sort ascending, multiply the i-th smallest (0-based) by m - i, take the running
    maximum and cap at 1. Rejecting where the adjusted value is below alpha is exactly Holm's
    test at level alpha.
    """
    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    m = ok.size
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    scaled = p[order] * (m - np.arange(m))
    out[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    return out


def mean_diff(x: np.ndarray, y: np.ndarray, axis: int = -1) -> Any:
    """Return mean(x) - mean(y) along ``axis`` (the statistic of a bootstrap of a difference)."""
    return np.mean(x, axis=axis) - np.mean(y, axis=axis)

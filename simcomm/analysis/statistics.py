"""Statistics over replicate runs, apart from the model: headline tables, bands, survival.

Every function takes ``results``: a mapping from a label (a scenario, or a variant of one) to
the replicate :class:`~simcomm.runs.sim.Result` objects of that label, e.g.
``{"organic": [run("organic", seed=s) for s in range(5)], "vendor-imposed": [...]}``.
Labels keep the mapping's order; the first label is the baseline unless one is named.

Intervals respect each metric's bounds (:func:`bounds`): the mean of a metric over runs gets a
95% percentile bootstrap interval (scipy.stats.bootstrap, fixed seed, so output is
reproducible), which never leaves the range of the runs' values; the share of runs still alive
at the horizon (``alive_at_end``, k of n runs) gets a Wilson interval. Differences between two
labels are paired seed by seed when both ran the same seeds (common random numbers: paired
t-test, McNemar's exact test for survival), else unpaired (Welch t-test, Fisher's exact test).

One significance rule (:func:`significance`) decides every star and every "clearly": Holm's
step-down adjustment over every comparison shown together, adjusted p < 0.05.
Survival of members uses lifelines (Kaplan-Meier, log-rank tests).
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from simcomm.core.params import ParameterError
from simcomm.runs.sim import Result

Results = Mapping[str, Sequence[Result]]

HEADLINE: tuple[str, ...] = ("retention_12w", "retention_52w", "settled_retention_52w", "peak_active",
                             "final_active", "weeks_to_peak", "median_tenure_weeks",
                             "total_peer_deals", "roi")

#: The share of runs still alive (not closed, not died) at the horizon: 1 per run alive, 0 per
#: run that died (derived from ``died_week`` in :func:`summary_frame`).
ALIVE = "alive_at_end"

#: What ``compare`` shows, in the order a strategist reads it: survival first, then size,
#: retention, tenure, deals, return.
COMPARED: tuple[str, ...] = (ALIVE, "final_active", "peak_active", "weeks_to_peak", "retention_12w",
                             "retention_52w", "settled_retention_52w", "median_tenure_weeks",
                             "total_peer_deals", "roi")

#: The unit of each summary field, for tables and plot labels.
UNITS: dict[str, str] = {
    "retention_12w": "share", "retention_52w": "share", "settled_retention_52w": "share",
    "peak_active": "members", ALIVE: "share",
    "final_active": "members", "weeks_to_peak": "week", "median_tenure_weeks": "weeks",
    "died_week": "week", "total_peer_deals": "deals", "total_posts": "posts",
    "total_answers": "answers", "ever_joined": "partners", "first_post_reply_rate": "share",
    "return_if_answered": "share", "return_if_unanswered": "share", "vendor_cost": "currency",
    "influenced_revenue": "currency", "roi": "revenue / cost",
}

CONFIDENCE = 0.95
ALPHA = 0.05
#: Resamples and seed of every bootstrap interval: the same data always give the same interval.
BOOTSTRAP_RESAMPLES = 9999
BOOTSTRAP_SEED = 20240515


def bounds(metric: str) -> tuple[float, float]:
    """Return the (lowest, highest) value ``metric`` can take, in its own unit (:data:`UNITS`).

    A share (retention, survival, reply rate) lies in [0, 1]; every other headline metric is a
    count, a week, a duration, money or a ratio of money, so lies in [0, inf).
    """
    return (0.0, 1.0) if UNITS.get(metric) == "share" else (0.0, math.inf)


def check_results(results: Results) -> list[str]:
    """Return the labels of ``results``; raise ParameterError when a label has no runs."""
    if not results:
        raise ParameterError("results is empty: expected at least one label with at least one run")
    for label, runs in results.items():
        if len(runs) == 0:
            raise ParameterError(f"label '{label}' has no runs: expected at least one Result")
    return [str(label) for label in results]


def _is_numeric(value: Any) -> bool:
    return value is None or (isinstance(value, Real) and not isinstance(value, bool))


def summary_frame(results: Results) -> pd.DataFrame:
    """Return one row per (label, run): the run summaries side by side.

    Columns: ``label``, ``run`` (0-based index within the label), ``scenario``, ``seed``,
    ``weeks``, then every numeric field of ``Result.summary`` in its own unit (shares 0-1,
    members, weeks, deals, currency; see :data:`UNITS`). ``None`` (not reached, not defined)
    becomes NaN; a field that is None in every run is an all-NaN float column. The last column,
    ``alive_at_end`` (:data:`ALIVE`), is 1.0 for a run still alive at its horizon and 0.0 for
    one that died or was closed (``died_week`` set).
    """
    check_results(results)
    rows: list[dict[str, Any]] = []
    fields: dict[str, None] = {}
    for label, runs in results.items():
        for i, r in enumerate(runs):
            row: dict[str, Any] = {"label": str(label), "run": i, "scenario": r.scenario,
                                   "seed": int(r.seed), "weeks": int(r.weeks)}
            for key, value in r.summary.items():
                if _is_numeric(value):
                    fields.setdefault(key)
                    row[key] = np.nan if value is None else value
            row[ALIVE] = 1.0 if r.summary.get("died_week") is None else 0.0
            rows.append(row)
    fields.pop(ALIVE, None)
    frame = pd.DataFrame(rows, columns=["label", "run", "scenario", "seed", "weeks", *fields, ALIVE])
    for key in fields:
        frame[key] = pd.to_numeric(frame[key])
        if frame[key].isna().any():
            frame[key] = frame[key].astype(float)
    return frame


def _too_few(x: np.ndarray) -> tuple[int, float, bool]:
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
    x = _clean(values)
    n, mean, early = _too_few(x)
    if early:
        return n, mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return n, mean, mean - half, mean + half


def _bootstrap(samples: tuple[np.ndarray, ...], statistic: Callable[..., Any], paired: bool = False,
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
    x = _clean(values)
    n, mean, early = _too_few(x)
    if early:
        return n, mean, math.nan, math.nan
    if np.ptp(x) == 0:
        return n, mean, mean, mean
    low, high = _bootstrap((x,), np.mean, confidence=confidence)
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


def significance(pvalues: Sequence[float] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (adjusted p-values, significant) for one family of comparisons: THE rule.

    Every star in a table, every "clearly" in a sentence and every starred effect of
    ``compare`` comes from this one rule: Holm's step-down adjustment over every comparison
    shown together (NaN p-values, where nothing could be tested, stay NaN and do not count),
    significant where the adjusted p-value is below :data:`ALPHA` (0.05): a difference this
    large would arise by chance less than 1 time in 20, allowing for the comparisons made.
    """
    adjusted = holm(pvalues)
    with np.errstate(invalid="ignore"):
        return adjusted, np.asarray(adjusted < ALPHA, dtype=bool)


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


def _clean(values: Sequence[float | None] | np.ndarray) -> np.ndarray:
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
    x, y = _clean(a), _clean(b)
    out: dict[str, Any] = {"n": int(min(x.size, y.size)), "n_a": int(x.size), "n_b": int(y.size),
                           "diff": None, "ci_low": None, "ci_high": None, "p_value": None}
    if x.size == 0 or y.size == 0:
        return out
    diff = float(x.mean() - y.mean())
    out["diff"] = diff
    if x.size < 2 or y.size < 2:
        return out
    va, vb = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
    se = math.sqrt(va + vb)
    if se == 0:
        half = 0.0
    else:
        df = (va + vb) ** 2 / (va**2 / (x.size - 1) + vb**2 / (y.size - 1))
        half = float(stats.t.ppf(0.5 + confidence / 2, df) * se)
    out.update(ci_low=diff - half, ci_high=diff + half, p_value=welch_p(x, y))
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
    half = float(stats.t.ppf(0.5 + confidence / 2, d.size - 1) * se)
    p = float(stats.ttest_1samp(d, 0.0).pvalue)
    out.update(ci_low=diff - half, ci_high=diff + half, p_value=p)
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


def _mean_diff(x: np.ndarray, y: np.ndarray, axis: int = -1) -> Any:
    return np.mean(x, axis=axis) - np.mean(y, axis=axis)


def compare_metric(mine: pd.DataFrame, theirs: pd.DataFrame, metric: str) -> dict[str, Any]:
    """Return how ``metric`` differs between two sets of runs (rows of :func:`summary_frame`).

    Keys: ``paired`` (True when both sets ran the same seeds, each once: the runs share their
    random numbers, so the difference is taken seed by seed), ``n`` (pairs, or the smaller set),
    ``diff`` (mean of ``mine`` minus mean of ``theirs``, in the metric's unit; for
    :data:`ALIVE` a difference of shares of runs), ``diff_low``, ``diff_high`` (95% percentile
    bootstrap interval of the difference, resampling seeds when paired: within the metric's
    range of differences, e.g. [-1, 1] for a share), ``test`` and ``p_value`` (two-sided:
    paired t-test or Welch t-test; for survival McNemar's exact test or Fisher's exact test).
    Values are NaN where nothing can be computed (no value on a side; fewer than 2 for an
    interval or test). Survival with every run alive in both sets is no difference: p = 1.
    """
    seeds_a, seeds_b = mine["seed"].to_numpy(), theirs["seed"].to_numpy()
    paired = (len(set(seeds_a)) == len(seeds_a) and len(set(seeds_b)) == len(seeds_b)
              and set(seeds_a) == set(seeds_b) and len(seeds_a) >= 2)
    binary = metric == ALIVE
    out: dict[str, Any] = {"paired": bool(paired), "n": 0, "diff": math.nan, "diff_low": math.nan,
                           "diff_high": math.nan, "test": "", "p_value": math.nan}
    if paired:
        a = mine.set_index("seed")[metric]
        b = theirs.set_index("seed")[metric].reindex(a.index)
        ok = a.notna().to_numpy() & b.notna().to_numpy()
        x, y = a.to_numpy(dtype=float)[ok], b.to_numpy(dtype=float)[ok]
        d = x - y
        out.update(n=int(d.size), test="McNemar exact, paired by seed" if binary else "paired t, by seed")
        if d.size == 0:
            return out
        out["diff"] = float(d.mean())
        if d.size < 2:
            return out
        if np.ptp(d) == 0:  # every seed agrees on the difference
            out.update(diff_low=float(d[0]), diff_high=float(d[0]), p_value=1.0 if d[0] == 0 else 0.0)
        else:
            low, high = _bootstrap((d,), np.mean)
            p_value = float(stats.ttest_1samp(d, 0.0).pvalue)
            out.update(diff_low=float(low), diff_high=float(high), p_value=p_value)
        if binary:  # McNemar: the discordant seeds, alive here and dead there or the other way round
            gained, lost = int((d > 0).sum()), int((d < 0).sum())
            discordant = gained + lost
            out["p_value"] = float(stats.binomtest(gained, discordant, 0.5).pvalue) if discordant else 1.0
        return out
    x, y = _clean(mine[metric].to_numpy(dtype=float)), _clean(theirs[metric].to_numpy(dtype=float))
    out.update(n=int(min(x.size, y.size)), test="Fisher exact" if binary else "Welch t")
    if x.size == 0 or y.size == 0:
        return out
    out["diff"] = float(x.mean() - y.mean())
    if x.size < 2 or y.size < 2:
        return out
    if np.ptp(x) == 0 and np.ptp(y) == 0:
        out.update(diff_low=out["diff"], diff_high=out["diff"])
    else:
        low, high = _bootstrap((x, y), _mean_diff)
        out.update(diff_low=float(low), diff_high=float(high))
    if binary:
        table = [[int(x.sum()), int(x.size - x.sum())], [int(y.sum()), int(y.size - y.sum())]]
        out["p_value"] = float(stats.fisher_exact(table).pvalue)
    else:
        out["p_value"] = welch_p(x, y)
    return out


def comparisons(results: Results, pairs: Sequence[tuple[str, str]],
                metrics: Sequence[str] = COMPARED) -> pd.DataFrame:
    """Return one row per (label, reference, metric) of ``pairs`` x ``metrics``: one family of
    comparisons judged together by :func:`significance`.

    ``pairs`` are (label, reference) to compare, e.g. each scenario against the baseline and,
    with ``--vary``, each varied value against the first within its scenario; a pair given
    twice is compared once. Columns: ``label``, ``reference``, ``metric``, ``unit``, then
    :func:`compare_metric`'s keys (``paired``, ``n``, ``diff``, ``diff_low``, ``diff_high``,
    ``test``, ``p_value``), ``p_holm`` (Holm-adjusted over every tested row of this frame),
    ``significant`` (p_holm < 0.05) and ``family`` (how many rows were tested: the N of "allowing
    for the N comparisons"). Differences are in each metric's unit (shares 0-1, members, weeks).
    """
    labels = check_results(results)
    frame = summary_frame(results)
    _check_metrics(frame, metrics)
    rows = []
    for label, reference in dict.fromkeys((str(a), str(b)) for a, b in pairs):
        for lab in (label, reference):
            if lab not in labels:
                raise ParameterError(f"label '{lab}' is not one of the labels: {', '.join(labels)}")
        mine, theirs = frame[frame["label"] == label], frame[frame["label"] == reference]
        for metric in metrics:
            rows.append({"label": label, "reference": reference, "metric": metric,
                         "unit": UNITS.get(metric, ""), **compare_metric(mine, theirs, metric)})
    columns = ["label", "reference", "metric", "unit", "paired", "n", "diff", "diff_low", "diff_high",
               "test", "p_value"]
    out = pd.DataFrame(rows, columns=columns)
    out["p_value"] = out["p_value"].astype(float)
    out.loc[out["p_value"].isna(), "test"] = ""  # nothing was tested
    adjusted, significant = significance(out["p_value"].to_numpy())
    out["p_holm"] = adjusted
    out["significant"] = significant
    out["family"] = int(out["p_value"].notna().sum())
    return out


def _check_metrics(frame: pd.DataFrame, metrics: Sequence[str]) -> None:
    missing = [m for m in metrics if m not in frame.columns]
    if missing:
        known = [c for c in frame.columns if c not in ("label", "run", "scenario", "seed", "weeks")]
        raise ParameterError(f"metric '{missing[0]}' is not a numeric summary field: expected one of "
                             f"{', '.join(known)}")


def headline_table(results: Results, metrics: Sequence[str] = COMPARED,
                   baseline: str | None = None, family: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return one row per (label, metric): the mean over replicates, its 95% interval and how it
    differs from the baseline, judged by the one significance rule.

    Columns: ``label``, ``metric``, ``unit``, ``n`` (runs with a value), ``count`` (for
    ``alive_at_end``: runs still alive at the horizon, k of n; NaN for other metrics),
    ``mean``, ``sd``, ``ci_low``, ``ci_high`` (95%: Wilson for the share of runs alive,
    percentile bootstrap of the mean otherwise; NaN when n < 2; always within :func:`bounds`),
    ``interval`` ("Wilson" or "bootstrap"), ``baseline``, then the comparison with the baseline
    (from ``family``, see :func:`comparisons`): ``diff`` (mean minus the baseline's mean; 0
    for the baseline), ``diff_low``, ``diff_high``, ``test``, ``p_value``, ``p_holm``,
    ``significant`` (False for the baseline) and ``family`` (comparisons judged together).
    Values are in each metric's unit (``unit``: shares 0-1, members, weeks). The baseline
    defaults to the first label. ``family`` defaults to every label against the baseline;
    pass a larger one (e.g. with ``--vary``'s effects) to judge everything shown together.
    """
    labels = check_results(results)
    base = labels[0] if baseline is None else str(baseline)
    if base not in labels:
        raise ParameterError(f"baseline '{base}' is not one of the labels: {', '.join(labels)}")
    frame = summary_frame(results)
    _check_metrics(frame, metrics)
    if family is None:
        family = comparisons(results, [(lab, base) for lab in labels if lab != base], metrics)
    tested = family.set_index(["label", "reference", "metric"])
    size = int(family["family"].iloc[0]) if len(family) else 0
    rows = []
    for label in labels:
        mine = frame[frame["label"] == label]
        for metric in metrics:
            values = mine[metric].to_numpy(dtype=float)
            finite = values[~np.isnan(values)]
            if metric == ALIVE:
                n, count = int(finite.size), int(finite.sum())
                mean = count / n if n else math.nan
                low, high = wilson_ci(count, n) if n >= 2 else (math.nan, math.nan)
                method = "Wilson"
            else:
                n, mean, low, high = bootstrap_mean_ci(values)
                count, method = math.nan, "bootstrap"
            row = {"label": label, "metric": metric, "unit": UNITS.get(metric, ""), "n": n,
                   "count": count, "mean": mean, "sd": float(finite.std(ddof=1)) if n >= 2 else math.nan,
                   "ci_low": low, "ci_high": high, "interval": method, "baseline": base,
                   "diff": 0.0 if label == base else math.nan, "diff_low": math.nan,
                   "diff_high": math.nan, "test": "", "p_value": math.nan, "p_holm": math.nan,
                   "significant": False, "family": size}
            key = (label, base, metric)
            if label != base and key in tested.index:
                hit = tested.loc[key]
                row.update({k: hit[k] for k in ("diff", "diff_low", "diff_high", "test", "p_value",
                                                 "p_holm")}, significant=bool(hit["significant"]))
            rows.append(row)
    table = pd.DataFrame(rows)
    table["significant"] = table["significant"].astype(bool)
    return table


def replicate_bands(results: Results, values: Callable[[pd.DataFrame], pd.Series]) -> pd.DataFrame:
    """Return per label and week: n, mean, sd, ci_low, ci_high of ``values(timeseries)`` over runs.

    The interval is the 95% percentile bootstrap of the week's mean over the runs (fixed seed),
    so, like every interval here, it stays within the range of the runs' values (never below 0
    for a count); NaN when fewer than 2 runs have a value that week. Units are those of
    ``values``.
    """
    labels = check_results(results)
    parts = []
    for label in labels:
        for i, r in enumerate(results[label]):
            ts = r.timeseries
            parts.append(pd.DataFrame({"label": label, "run": i, "week": ts["week"].to_numpy(),
                                       "value": pd.to_numeric(values(ts)).to_numpy(dtype=float)}))
    data = pd.concat(parts, ignore_index=True)
    frames = []
    for label in labels:
        mine = data[data["label"] == label]
        wide = mine.pivot(index="run", columns="week", values="value").sort_index(axis=1)
        m = wide.to_numpy(dtype=float)
        n = (~np.isnan(m)).sum(axis=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(m, axis=0)
            sd = np.where(n >= 2, np.nanstd(m, axis=0, ddof=1), np.nan)
        low, high = np.full(n.shape, np.nan), np.full(n.shape, np.nan)
        full = (n == m.shape[0]) & (n >= 2)
        if full.any():
            low[full], high[full] = _bootstrap((m[:, full],), np.mean, axis=0)
        for j in np.flatnonzero(~full & (n >= 2)):  # weeks some runs did not reach or left blank
            _, _, low[j], high[j] = bootstrap_mean_ci(m[:, j])
        frames.append(pd.DataFrame({"label": label, "week": wide.columns.to_numpy(), "n": n.astype(int),
                                    "mean": mean, "sd": sd, "ci_low": low, "ci_high": high}))
    out = pd.concat(frames, ignore_index=True)
    return out[["label", "week", "n", "mean", "sd", "ci_low", "ci_high"]]


def weekly_bands(results: Results, column: str) -> pd.DataFrame:
    """Return per label and week the mean and 95% CI of timeseries ``column`` across replicates.

    Columns: ``label``, ``week``, ``n`` (runs with a value that week), ``mean``, ``sd``,
    ``ci_low``, ``ci_high`` (percentile bootstrap, within the runs' range; NaN when n < 2), in
    the column's own unit (e.g. members, posts per week). Runs of different lengths are averaged
    over the runs that reached each week; NaN values (e.g. ``newcomer_reply_rate`` with no
    newcomer) are skipped.
    """
    labels = check_results(results)
    ts = results[labels[0]][0].timeseries
    if column not in ts.columns or column == "week" or not pd.api.types.is_numeric_dtype(ts[column]):
        numeric = [c for c in ts.columns if c != "week" and pd.api.types.is_numeric_dtype(ts[c])]
        raise ParameterError(f"column '{column}' is not a numeric weekly metric: expected one of "
                             f"{', '.join(numeric)}")
    return replicate_bands(results, lambda frame: frame[column])


def survival_data(results: Results) -> pd.DataFrame:
    """Return one row per member per run: tenure in weeks of the first membership spell.

    Columns: ``label``, ``run``, ``seed``, ``partner_id``, ``kind``, ``size_class``,
    ``join_week``, ``tenure_weeks`` (leave_week - join_week for those who left; weeks -
    join_week, censored, for those still members at the end) and ``observed`` (True when the
    member left). Members of different runs are different rows even with the same partner_id.
    """
    labels = check_results(results)
    parts = []
    for label in labels:
        for i, r in enumerate(results[label]):
            m = r.members
            join = m["join_week"].to_numpy(dtype=np.int64)
            left = m["leave_week"].notna().to_numpy()
            end = m["leave_week"].fillna(r.weeks).to_numpy(dtype=np.int64)
            parts.append(pd.DataFrame({
                "label": label, "run": i, "seed": int(r.seed),
                "partner_id": m["partner_id"].to_numpy(), "kind": m["kind"].to_numpy(),
                "size_class": m["size_class"].to_numpy(), "join_week": join,
                "tenure_weeks": np.maximum(end - join, 0), "observed": left,
            }))
    columns = ["label", "run", "seed", "partner_id", "kind", "size_class", "join_week",
               "tenure_weeks", "observed"]
    return pd.concat(parts, ignore_index=True)[columns]


def logrank(results: Results, baseline: str | None = None) -> dict[str, Any]:
    """Return log-rank tests of member survival (first-spell tenure) across labels (lifelines).

    Keys: ``test``, ``labels``, ``members`` (per label), ``statistic`` (chi-squared),
    ``degrees_of_freedom``, ``p_value`` (0-1) of lifelines' multivariate_logrank_test over
    all labels (NaN with fewer than two labels or no members), and, with more than two labels,
    ``pairwise``: per non-baseline label, the statistic, p-value and Holm-adjusted p-value of
    its two-sample log-rank test against the baseline (the first label unless named).

    Members of all replicates of a label are pooled; members of one run share a community, so
    they are not independent and these p-values are optimistic. Prefer the replicate-level
    tests of :func:`headline_table` for claims; use this as a description of the curves.
    """
    from lifelines.statistics import logrank_test, multivariate_logrank_test

    labels = check_results(results)
    base = labels[0] if baseline is None else str(baseline)
    if base not in labels:
        raise ParameterError(f"baseline '{base}' is not one of the labels: {', '.join(labels)}")
    data = survival_data(results)
    counts = data.groupby("label", sort=False).size()
    out: dict[str, Any] = {
        "test": "multivariate log-rank (lifelines), members pooled over replicates",
        "labels": labels, "baseline": base,
        "members": {lab: int(counts.get(lab, 0)) for lab in labels},
        "statistic": math.nan, "degrees_of_freedom": max(len(labels) - 1, 0), "p_value": math.nan,
    }
    present = [lab for lab in labels if counts.get(lab, 0) > 0]
    if len(present) >= 2 and data["observed"].any():
        res = multivariate_logrank_test(data["tenure_weeks"], data["label"], data["observed"])
        out["statistic"] = float(res.test_statistic)
        out["degrees_of_freedom"] = int(res.degrees_of_freedom)
        out["p_value"] = float(res.p_value)
    if len(labels) > 2:
        pairs: dict[str, dict[str, float]] = {}
        b = data[data["label"] == base]
        for lab in labels:
            if lab == base:
                continue
            o = data[data["label"] == lab]
            stat = p = math.nan
            if len(o) and len(b) and (o["observed"].any() or b["observed"].any()):
                res = logrank_test(b["tenure_weeks"], o["tenure_weeks"], b["observed"], o["observed"])
                stat, p = float(res.test_statistic), float(res.p_value)
            pairs[lab] = {"statistic": stat, "p_value": p}
        adjusted = holm([v["p_value"] for v in pairs.values()])
        for v, adj in zip(pairs.values(), adjusted, strict=True):
            v["p_holm"] = float(adj)
        out["pairwise"] = pairs
    return out

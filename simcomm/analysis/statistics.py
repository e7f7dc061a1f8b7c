"""Statistics over replicate runs, apart from the model: headline tables, bands, survival.

Every function takes ``results``: a mapping from a label (a scenario, or a variant of one) to
the replicate :class:`~simcomm.runs.sim.Result` objects of that label, e.g.
``{"organic": [run("organic", seed=s) for s in range(5)], "vendor-imposed": [...]}``.
Labels keep the mapping's order; the first label is the baseline unless one is named.

Intervals are 95% Student t intervals of the mean over replicates; comparisons with the
baseline are Welch t-tests (unequal variances) with Holm's step-down correction over every
comparison in the table. Survival uses lifelines (Kaplan-Meier, log-rank tests).
"""

from __future__ import annotations

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

#: The unit of each summary field, for tables and plot labels.
UNITS: dict[str, str] = {
    "retention_12w": "share", "retention_52w": "share", "settled_retention_52w": "share",
    "peak_active": "members",
    "final_active": "members", "weeks_to_peak": "week", "median_tenure_weeks": "weeks",
    "died_week": "week", "total_peer_deals": "deals", "total_posts": "posts",
    "total_answers": "answers", "ever_joined": "partners", "first_post_reply_rate": "share",
    "return_if_answered": "share", "return_if_unanswered": "share", "vendor_cost": "currency",
    "influenced_revenue": "currency", "roi": "revenue / cost",
}

CONFIDENCE = 0.95
ALPHA = 0.05


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
    becomes NaN; a field that is None in every run is an all-NaN float column.
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
            rows.append(row)
    frame = pd.DataFrame(rows, columns=["label", "run", "scenario", "seed", "weeks", *fields])
    for key in fields:
        frame[key] = pd.to_numeric(frame[key])
        if frame[key].isna().any():
            frame[key] = frame[key].astype(float)
    return frame


def mean_ci(values: Sequence[float] | np.ndarray, confidence: float = CONFIDENCE
            ) -> tuple[int, float, float, float]:
    """Return (n, mean, low, high): the Student t confidence interval of the mean of ``values``.

    NaNs are dropped first; n counts what is left. The interval is NaN when n < 2 (and the
    mean too when n = 0); it is [mean, mean] when every value is the same. Units are those of
    ``values``.
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = int(x.size)
    if n == 0:
        return 0, math.nan, math.nan, math.nan
    mean = float(x.mean())
    if n < 2:
        return n, mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return n, mean, mean - half, mean + half


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


def headline_table(results: Results, metrics: Sequence[str] = HEADLINE,
                   baseline: str | None = None) -> pd.DataFrame:
    """Return one row per (label, metric): replicate mean, 95% CI and the test against the baseline.

    Columns: ``label``, ``metric``, ``unit``, ``n`` (runs with a value), ``mean``, ``sd``,
    ``ci_low``, ``ci_high`` (Student t 95% interval of the mean, NaN when n < 2), ``baseline``
    (the baseline label), ``diff`` (mean minus the baseline's mean), ``p_value`` (two-sided
    Welch t-test against the baseline; NaN for the baseline itself and when either side has
    n < 2), ``p_holm`` (Holm-adjusted over every non-NaN comparison in this table, i.e. all
    metrics x non-baseline labels) and ``significant`` (p_holm < 0.05). Values are in each
    metric's own unit (``unit``). The baseline defaults to the first label.
    """
    labels = check_results(results)
    base = labels[0] if baseline is None else str(baseline)
    if base not in labels:
        raise ParameterError(f"baseline '{base}' is not one of the labels: {', '.join(labels)}")
    frame = summary_frame(results)
    missing = [m for m in metrics if m not in frame.columns]
    if missing:
        known = [c for c in frame.columns if c not in ("label", "run", "scenario", "seed", "weeks")]
        raise ParameterError(f"metric '{missing[0]}' is not a numeric summary field: expected one of "
                             f"{', '.join(known)}")
    rows = []
    for label in labels:
        mine = frame[frame["label"] == label]
        theirs = frame[frame["label"] == base]
        for metric in metrics:
            values = mine[metric].to_numpy(dtype=float)
            n, mean, low, high = mean_ci(values)
            _, base_mean, _, _ = mean_ci(theirs[metric].to_numpy(dtype=float))
            finite = values[~np.isnan(values)]
            rows.append({
                "label": label, "metric": metric, "unit": UNITS.get(metric, ""), "n": n,
                "mean": mean, "sd": float(finite.std(ddof=1)) if n >= 2 else math.nan,
                "ci_low": low, "ci_high": high, "baseline": base, "diff": mean - base_mean,
                "p_value": math.nan if label == base else welch_p(values, theirs[metric]),
            })
    table = pd.DataFrame(rows)
    table["p_holm"] = holm(table["p_value"].to_numpy())
    table["significant"] = (table["p_holm"] < ALPHA).astype(bool)
    return table


def _decimals(values: Sequence[float]) -> int:
    """Return the decimals to show for a row whose largest absolute mean is in ``values``."""
    finite = [abs(v) for v in values if math.isfinite(v)]
    top = max(finite, default=0.0)
    return 0 if top >= 100 else 1 if top >= 10 else 2


def _fmt(x: float, decimals: int) -> str:
    if not math.isfinite(x):
        return "n/a"
    text = f"{x:,.{decimals}f}"
    return text.lstrip("-") if float(text.replace(",", "")) == 0 else text  # no "-0"


def format_headline(table: pd.DataFrame) -> str:
    """Return ``table`` (from :func:`headline_table`) as plain text for a terminal.

    One row per metric (with its unit), one column per label showing ``mean [low, high]``
    (95% CI; only the mean when n = 1, ``n/a`` when no run has a value, ``(n=k)`` when only k
    runs have one); a ``*`` follows a value that differs significantly from the baseline.
    Ends with footnote lines explaining the star, the interval and the test.
    """
    labels = list(dict.fromkeys(table["label"]))
    metrics = list(dict.fromkeys(table["metric"]))
    base = str(table["baseline"].iloc[0]) if len(table) else ""
    runs = table.groupby("label", sort=False)["n"].max()
    keyed = max(len(lab) for lab in labels) > 24  # long labels: columns A, B, ... and a key
    names = {lab: (chr(ord("A") + i) if keyed else lab) for i, lab in enumerate(labels)}
    header = ["metric", *[f"{names[lab]} (n={runs[lab]})" + (" [baseline]" if lab == base else "")
                          for lab in labels]]
    body: list[list[str]] = []
    indexed = table.set_index(["metric", "label"])
    for metric in metrics:
        unit = UNITS.get(metric, "")
        row = [f"{metric} ({unit})" if unit else metric]
        d = _decimals([indexed.loc[(metric, lab), "mean"] for lab in labels])
        for lab in labels:
            r = indexed.loc[(metric, lab)]
            if r["n"] == 0:
                cell = "n/a"
            elif math.isnan(r["ci_low"]):
                cell = _fmt(r["mean"], d)
            else:
                cell = f"{_fmt(r['mean'], d)} [{_fmt(r['ci_low'], d)}, {_fmt(r['ci_high'], d)}]"
            if 0 < r["n"] < runs[lab]:
                cell += f" (n={r['n']})"
            cell += " *" if bool(r["significant"]) else "  "
            row.append(cell)
        body.append(row)
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        return "  ".join([first, *(c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))])

    tested = int(table["p_value"].notna().sum())
    rule = "-" * len(line(header))
    key = [f"{names[lab]}: {lab}" for lab in labels] if keyed else []
    notes = [
        "Values: mean over replicate runs [95% confidence interval of the mean, Student t].",
        f"* differs from the baseline '{base}': two-sided Welch t-test, Holm-adjusted over the "
        f"{tested} comparisons in this table, p < {ALPHA:g}.",
        "n/a: no run has a value (e.g. ROI without vendor cost, median tenure not reached).",
    ]
    return "\n".join([*key, line(header), rule, *(line(r) for r in body), rule, *notes])


def replicate_bands(results: Results, values: Callable[[pd.DataFrame], pd.Series]) -> pd.DataFrame:
    """Return per label and week: n, mean, ci_low, ci_high of ``values(timeseries)`` over runs."""
    labels = check_results(results)
    parts = []
    for label in labels:
        for i, r in enumerate(results[label]):
            ts = r.timeseries
            parts.append(pd.DataFrame({"label": label, "run": i, "week": ts["week"].to_numpy(),
                                       "value": pd.to_numeric(values(ts)).to_numpy(dtype=float)}))
    data = pd.concat(parts, ignore_index=True)
    data["label"] = pd.Categorical(data["label"], categories=labels, ordered=True)
    g = data.groupby(["label", "week"], observed=True, sort=True)["value"]
    out = g.agg(n="count", mean="mean", sd="std").reset_index()
    n = out["n"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        tq = np.where(n >= 2, stats.t.ppf(0.5 + CONFIDENCE / 2, np.maximum(n - 1, 1)), np.nan)
        half = tq * out["sd"].to_numpy(dtype=float) / np.sqrt(n)
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    out["label"] = out["label"].astype(str)
    out["n"] = out["n"].astype(int)
    return out[["label", "week", "n", "mean", "sd", "ci_low", "ci_high"]]


def weekly_bands(results: Results, column: str) -> pd.DataFrame:
    """Return per label and week the mean and 95% CI of timeseries ``column`` across replicates.

    Columns: ``label``, ``week``, ``n`` (runs with a value that week), ``mean``, ``sd``,
    ``ci_low``, ``ci_high`` (Student t; NaN when n < 2), in the column's own unit (e.g.
    members, posts per week). Runs of different lengths are averaged over the runs that reached
    each week; NaN values (e.g. ``newcomer_reply_rate`` with no newcomer) are skipped.
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

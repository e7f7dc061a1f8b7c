"""Statistics over replicate runs, apart from the model: headline tables, bands, survival.

Every function takes ``results``: a mapping from a label (a scenario, or a variant of one) to
the replicate :class:`~simcomm.runs.sim.Result` objects of that label, e.g.
``{"organic": [run("organic", seed=s) for s in range(5)], "vendor-imposed": [...]}``.
Labels keep the mapping's order; the first label is the baseline unless one is named.

Intervals (:mod:`simcomm.analysis.intervals`) respect each metric's bounds (those of the metric
registry, :func:`simcomm.core.metric_registry.bounds`): the mean of a metric over runs gets a 95%
percentile bootstrap interval (scipy.stats.bootstrap, fixed seed, so output is reproducible),
which never leaves the range of the runs' values; the share of runs still alive at the horizon
(``alive_at_end``, k of n runs) gets a Wilson interval. Differences between two
labels are paired seed by seed when both ran the same seeds (common random numbers: paired
t-test, McNemar's exact test for survival), else unpaired (Welch t-test, Fisher's exact test).

One significance rule (:func:`significance`) decides every star and every "clearly": Holm's
step-down adjustment over every comparison shown together, adjusted p < 0.05.
Survival of members uses lifelines (Kaplan-Meier, log-rank tests).
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

from simcomm.analysis.intervals import (
    ALPHA,
    adjusted_level,
    bootstrap_interval,
    bootstrap_mean_ci,
    finite_values,
    holm,
    mean_diff,
    significance,
    welch_p,
    wilson_ci,
)
from simcomm.core.metric_registry import ALIVE, COMPARED, COUNTED, unit
from simcomm.core.metric_registry import bounds as bounds_of
from simcomm.core.params import ParameterError
from simcomm.runs.sim import Result

Results = Mapping[str, Sequence[Result]]


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
    members, weeks, deals, currency: the metric registry's units). ``None`` (not reached, not
    defined) becomes NaN; a field that is None in every run is an all-NaN float column. The last column,
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


def compare_metric(mine: pd.DataFrame, theirs: pd.DataFrame, metric: str) -> dict[str, Any]:
    """Return how ``metric`` differs between two sets of runs (rows of :func:`summary_frame`).

    Keys: ``paired`` (True when both sets ran the same seeds, each once: the runs share their
    random numbers, so the difference is taken seed by seed), ``n`` (pairs, or the smaller set),
    ``diff`` (mean of ``mine`` minus mean of ``theirs``, in the metric's unit; for
    a measure counted per run, :data:`~simcomm.core.metric_registry.COUNTED` (survival), a
    difference of shares of runs), ``diff_low``, ``diff_high`` (95% percentile
    bootstrap interval of the difference, resampling seeds when paired: within the metric's
    range of differences, e.g. [-1, 1] for a share), ``test`` and ``p_value`` (two-sided:
    paired t-test or Welch t-test; for survival McNemar's exact test or Fisher's exact test).
    Values are NaN where nothing can be computed (no value on a side; fewer than 2 for an
    interval or test). Survival with every run alive in both sets is no difference: p = 1.
    """
    seeds_a, seeds_b = mine["seed"].to_numpy(), theirs["seed"].to_numpy()
    paired = (len(set(seeds_a)) == len(seeds_a) and len(set(seeds_b)) == len(seeds_b)
              and set(seeds_a) == set(seeds_b) and len(seeds_a) >= 2)
    binary = metric in COUNTED  # 1 or 0 per run: survival
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
            low, high = bootstrap_interval((d,), np.mean)
            p_value = float(stats.ttest_1samp(d, 0.0).pvalue)
            out.update(diff_low=float(low), diff_high=float(high), p_value=p_value)
        if binary:  # McNemar: the discordant seeds, alive here and dead there or the other way round
            gained, lost = int((d > 0).sum()), int((d < 0).sum())
            discordant = gained + lost
            out["p_value"] = float(stats.binomtest(gained, discordant, 0.5).pvalue) if discordant else 1.0
        return out
    x = finite_values(mine[metric].to_numpy(dtype=float))
    y = finite_values(theirs[metric].to_numpy(dtype=float))
    out.update(n=int(min(x.size, y.size)), test="Fisher exact" if binary else "Welch t")
    if x.size == 0 or y.size == 0:
        return out
    out["diff"] = float(x.mean() - y.mean())
    if x.size < 2 or y.size < 2:
        return out
    if np.ptp(x) == 0 and np.ptp(y) == 0:
        out.update(diff_low=out["diff"], diff_high=out["diff"])
    else:
        low, high = bootstrap_interval((x, y), mean_diff)
        out.update(diff_low=float(low), diff_high=float(high))
    if binary:
        table = [[int(x.sum()), int(x.size - x.sum())], [int(y.sum()), int(y.size - y.sum())]]
        out["p_value"] = float(stats.fisher_exact(table).pvalue)
    else:
        out["p_value"] = welch_p(x, y)
    return out


def adjusted_interval(mine: pd.DataFrame, theirs: pd.DataFrame, metric: str, level: float
                      ) -> tuple[float, float]:
    """Return the (low, high) interval of the difference of ``metric`` (mean of ``mine`` minus
    mean of ``theirs``, in the metric's unit) at confidence ``1 - level``: the Student t interval
    of the seed-by-seed differences when both ran the same seeds, else Welch's; dual to the
    comparison's t-test, so it leaves out zero exactly when the test's p-value is below
    ``level``. Kept within the range a difference of the metric can take (a share's within
    [-1, 1]). (NaN, NaN) for survival (an exact test, no such interval), with fewer than two
    values, or when ``level`` is NaN."""
    if metric in COUNTED or not math.isfinite(level):
        return math.nan, math.nan
    seeds_a, seeds_b = mine["seed"].to_numpy(), theirs["seed"].to_numpy()
    paired = (len(set(seeds_a)) == len(seeds_a) and len(set(seeds_b)) == len(seeds_b)
              and set(seeds_a) == set(seeds_b) and len(seeds_a) >= 2)
    if paired:
        a = mine.set_index("seed")[metric]
        b = theirs.set_index("seed")[metric].reindex(a.index)
        d = (a.to_numpy(dtype=float) - b.to_numpy(dtype=float))
        d = d[np.isfinite(d)]
        if d.size < 2:
            return math.nan, math.nan
        if np.ptp(d) == 0:
            return float(d[0]), float(d[0])
        ci = stats.ttest_1samp(d, 0.0).confidence_interval(1.0 - level)
    else:
        x = finite_values(mine[metric].to_numpy(dtype=float))
        y = finite_values(theirs[metric].to_numpy(dtype=float))
        if x.size < 2 or y.size < 2:
            return math.nan, math.nan
        if np.ptp(x) == 0 and np.ptp(y) == 0:
            return float(x[0] - y[0]), float(x[0] - y[0])
        ci = stats.ttest_ind(x, y, equal_var=False).confidence_interval(1.0 - level)
    low, high = bounds_of(metric)
    span = high - low
    return max(float(ci.low), -span), min(float(ci.high), span)


def comparisons(results: Results, pairs: Sequence[tuple[str, str]],
                metrics: Sequence[str] = COMPARED, alpha: float = ALPHA) -> pd.DataFrame:
    """Return one row per (label, reference, metric) of ``pairs`` x ``metrics``: one family of
    comparisons judged together by :func:`significance`.

    ``pairs`` are (label, reference) to compare, e.g. each scenario against the baseline and,
    with ``--vary``, each varied value against the first within its scenario; a pair given
    twice is compared once. Columns: ``label``, ``reference``, ``metric``, ``unit``, then
    :func:`compare_metric`'s keys (``paired``, ``n``, ``diff``, ``diff_low``, ``diff_high``,
    ``test``, ``p_value``), ``p_holm`` (Holm-adjusted over every tested row of this frame),
    ``significant`` (p_holm < ``alpha``, 0.05 unless ``compare --until-clear`` divides it among
    its looks), ``family`` (how many rows were tested: the N of "allowing for the N
    comparisons"), ``alpha``, and ``adj_low``, ``adj_high``: the interval of the difference that
    agrees with the rule (:func:`adjusted_interval` at :func:`adjusted_level`: it leaves out zero
    exactly where ``significant``; NaN for survival, whose exact test has no such interval).
    Differences are in each metric's unit (shares 0-1, members, weeks).
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
                         "unit": unit(metric), **compare_metric(mine, theirs, metric)})
    columns = ["label", "reference", "metric", "unit", "paired", "n", "diff", "diff_low", "diff_high",
               "test", "p_value"]
    out = pd.DataFrame(rows, columns=columns)
    out["p_value"] = out["p_value"].astype(float)
    out.loc[out["p_value"].isna(), "test"] = ""  # nothing was tested
    adjusted, significant = significance(out["p_value"].to_numpy(), alpha)
    out["p_holm"] = adjusted
    out["significant"] = significant
    out["family"] = int(out["p_value"].notna().sum())
    out["alpha"] = float(alpha)
    intervals = []
    for row in out.itertuples():
        level = adjusted_level(float(row.p_value), float(row.p_holm), alpha)
        intervals.append(adjusted_interval(frame[frame["label"] == row.label],
                                           frame[frame["label"] == row.reference], str(row.metric), level))
    out["adj_low"] = [lo for lo, _ in intervals]
    out["adj_high"] = [hi for _, hi in intervals]
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

    Columns: ``label``, ``metric``, ``unit``, ``n`` (runs with a value), ``count`` (for a
    measure counted per run, :data:`~simcomm.core.metric_registry.COUNTED`, e.g. ``alive_at_end``:
    runs still alive at the horizon, k of n; NaN for other metrics),
    ``mean``, ``sd``, ``ci_low``, ``ci_high`` (95%: Wilson for the share of runs alive,
    percentile bootstrap of the mean otherwise; NaN when n < 2; always within the metric's bounds),
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
    alpha = float(family["alpha"].iloc[0]) if len(family) and "alpha" in family else ALPHA
    rows = []
    for label in labels:
        mine = frame[frame["label"] == label]
        for metric in metrics:
            values = mine[metric].to_numpy(dtype=float)
            finite = values[~np.isnan(values)]
            if metric in COUNTED:
                n, count = int(finite.size), int(finite.sum())
                mean = count / n if n else math.nan
                low, high = wilson_ci(count, n) if n >= 2 else (math.nan, math.nan)
                method = "Wilson"
            else:
                n, mean, low, high = bootstrap_mean_ci(values)
                count, method = math.nan, "bootstrap"
            row = {"label": label, "metric": metric, "unit": unit(metric), "n": n,
                   "count": count, "mean": mean, "sd": float(finite.std(ddof=1)) if n >= 2 else math.nan,
                   "ci_low": low, "ci_high": high, "interval": method, "baseline": base,
                   "diff": 0.0 if label == base else math.nan, "diff_low": math.nan,
                   "diff_high": math.nan, "test": "", "p_value": math.nan, "p_holm": math.nan,
                   "significant": False, "family": size, "alpha": alpha, "adj_low": math.nan,
                   "adj_high": math.nan}
            key = (label, base, metric)
            if label != base and key in tested.index:
                hit = tested.loc[key]
                row.update({k: hit[k] for k in ("diff", "diff_low", "diff_high", "test", "p_value",
                                                 "p_holm", "adj_low", "adj_high") if k in hit.index},
                           significant=bool(hit["significant"]))
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
            low[full], high[full] = bootstrap_interval((m[:, full],), np.mean, axis=0)
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


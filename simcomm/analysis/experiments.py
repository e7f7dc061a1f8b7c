"""Summaries of an experiment's runs: per design point and per factor, with 95% intervals."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from simcomm.analysis.intervals import bootstrap_mean_ci, finite_values, wilson_ci
from simcomm.core.metric_registry import COUNTED, METRIC_BY_NAME


def bounded_mean_ci(values: Sequence[float], metric: str) -> tuple[int, float, float, float]:
    """Return (n, mean, low, high) of ``values`` of ``metric``: the 95% percentile bootstrap
    interval of the mean (NaN values dropped; NaN interval when n < 2), which never leaves the
    range of the values, and so never the metric's bounds (a week is never negative, a share
    stays in [0, 1]); clipped to the registry's bounds besides, in the metric's unit. A metric
    that is 1 or 0 per run (:data:`~simcomm.core.metric_registry.COUNTED`: a channel's own
    community alive) gets the share of runs (0-1) with its Wilson interval, as ``compare`` gives."""
    if metric in COUNTED:
        x = finite_values(values)
        if x.size and np.isin(x, (0.0, 1.0)).all():
            low, high = wilson_ci(int(x.sum()), int(x.size))
            return int(x.size), float(x.mean()), low, high
    n, mean, low, high = bootstrap_mean_ci(values)
    spec = METRIC_BY_NAME.get(metric)
    if spec is not None and spec.numeric and math.isfinite(low):
        low, high = max(low, spec.low), min(high, spec.high)
    return n, mean, low, high


def point_summary(runs: pd.DataFrame, factors: Sequence[str], metrics: Sequence[str]) -> pd.DataFrame:
    """Return one row per design point: factor values, and per metric n (runs with a value: for
    ``died_week`` the runs that died), mean, ci_low, ci_high (:func:`bounded_mean_ci`: a 95%
    bootstrap interval within the metric's bounds; NaN where fewer than two runs have a value)."""
    rows = []
    for point, group in runs.groupby("point", sort=True):
        row: dict[str, Any] = {"point": point, **{f: group[f].iloc[0] for f in factors},
                               "runs": len(group)}
        for m in metrics:
            n, mean, low, high = bounded_mean_ci(group[m].to_numpy(dtype=float), m)
            row.update({f"{m}_n": n, f"{m}_mean": mean, f"{m}_ci_low": low, f"{m}_ci_high": high})
        rows.append(row)
    return pd.DataFrame(rows)


def factor_summary(runs: pd.DataFrame, x: str, metric: str, by: str | None = None) -> pd.DataFrame:
    """Return mean and 95% interval (:func:`bounded_mean_ci`) of ``metric`` for each value of
    factor ``x`` (pooling over the other factors), split by factor ``by`` when given. Columns:
    [by], x, n, mean, ci_low, ci_high."""
    keys = [by, x] if by else [x]
    rows = []
    for key, group in runs.groupby(keys, sort=True):
        n, mean, low, high = bounded_mean_ci(group[metric].to_numpy(dtype=float), metric)
        key = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(keys, key, strict=True)), "n": n, "mean": mean, "ci_low": low,
                     "ci_high": high})
    return pd.DataFrame(rows)


def heatmap_table(runs: pd.DataFrame, rows: str, cols: str, metric: str) -> tuple[pd.DataFrame, str]:
    """Return the cells of a heat map of ``metric`` over factors ``rows`` x ``cols`` (pooling over
    any other factors) and what a cell is, for the colour bar and title.

    A cell is the mean over the runs, except for ``died_week`` (NaN when the community survived):
    there a cell is the share of the runs that died (0 when none did), never a mean over the
    runs that died.
    """
    if metric == "died_week":
        died = runs[metric].notna().astype(float)
        table = died.groupby([runs[rows], runs[cols]], sort=True).mean().unstack(cols)
        return table, "share of runs that died"
    table = factor_summary(runs, cols, metric, rows).pivot(index=rows, columns=cols, values="mean")
    return table, "mean over replicates"

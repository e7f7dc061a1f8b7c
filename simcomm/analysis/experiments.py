"""Summaries of an experiment's runs: per design point and per factor, with 95% intervals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from simcomm.analysis.intervals import mean_ci


def point_summary(runs: pd.DataFrame, factors: Sequence[str], metrics: Sequence[str]) -> pd.DataFrame:
    """Return one row per design point: factor values, and per metric n, mean, ci_low, ci_high
    (Student t 95% CI over replicates; NaN where fewer than two values)."""
    rows = []
    for point, group in runs.groupby("point", sort=True):
        row: dict[str, Any] = {"point": point, **{f: group[f].iloc[0] for f in factors},
                               "runs": len(group)}
        for m in metrics:
            n, mean, low, high = mean_ci(group[m].to_numpy(dtype=float))
            row.update({f"{m}_n": n, f"{m}_mean": mean, f"{m}_ci_low": low, f"{m}_ci_high": high})
        rows.append(row)
    return pd.DataFrame(rows)


def factor_summary(runs: pd.DataFrame, x: str, metric: str, by: str | None = None) -> pd.DataFrame:
    """Return mean and 95% CI of ``metric`` for each value of factor ``x`` (pooling over the other
    factors), split by factor ``by`` when given. Columns: [by], x, n, mean, ci_low, ci_high."""
    keys = [by, x] if by else [x]
    rows = []
    for key, group in runs.groupby(keys, sort=True):
        n, mean, low, high = mean_ci(group[metric].to_numpy(dtype=float))
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

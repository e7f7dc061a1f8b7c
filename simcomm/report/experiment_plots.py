"""Figures of an experiment (metric against factor with 95% CI bands, two-factor heat maps) and
of a sensitivity analysis (ranked indices with confidence intervals): 150 dpi PNGs, Agg canvas."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from simcomm.analysis.experiments import factor_summary, heatmap_table
from simcomm.report.plots import label_colours, new_figure, save_figure


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def plot_factor(runs: pd.DataFrame, x: str, metric: str, path: Path, by: str | None = None,
                title: str = "", order: Sequence[object] | None = None) -> Path:
    """Plot the mean of ``metric`` against factor ``x`` with its 95% CI band, one line per value
    of factor ``by`` (or pooled over the other factors); categorical factors on a category axis."""
    table = factor_summary(runs, x, metric, by)
    fig, ax = new_figure()
    present = runs[x].unique().tolist()
    levels = [v for v in order if v in present] if order is not None else sorted(present, key=str)
    numeric = _is_numeric(runs[x])
    pos = {v: (v if numeric else i) for i, v in enumerate(levels)}
    groups = [(None, table)] if by is None else list(table.groupby(by, sort=True))
    colours = label_colours([str(k) for k, _ in groups])
    for key, g in groups:
        xs = np.array([pos[v] for v in g[x]], dtype=float)
        order = np.argsort(xs)
        label = "all design points" if key is None else f"{by} = {key}"
        c = colours[str(key)]
        ax.plot(xs[order], g["mean"].to_numpy()[order], marker="o", color=c, label=label)
        ax.fill_between(xs[order], g["ci_low"].to_numpy(dtype=float)[order],
                        g["ci_high"].to_numpy(dtype=float)[order], color=c, alpha=0.2, linewidth=0)
    if not numeric:
        ax.set_xticks(range(len(levels)), [str(v) for v in levels])
    ax.set_xlabel(x)
    ax.set_ylabel(f"{metric} (mean, 95% CI band)")
    ax.set_title(title or f"{metric} against {x}")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return save_figure(fig, path)


def plot_heatmap(runs: pd.DataFrame, rows: str, cols: str, metric: str, path: Path,
                 title: str = "", orders: Mapping[str, Sequence[object]] | None = None) -> Path:
    """Heat map of ``metric`` over two factors (pooled over any others), annotated: the mean over
    the runs, or for ``died_week`` the share of runs that died
    (:func:`simcomm.analysis.experiments.heatmap_table`); the title and colour bar say which.
    ``orders`` gives the order of each factor's values (default: sorted)."""
    table, what = heatmap_table(runs, rows, cols, metric)
    if orders:
        table = table.reindex(index=[v for v in orders.get(rows, table.index) if v in table.index],
                              columns=[v for v in orders.get(cols, table.columns) if v in table.columns])
    fig, ax = new_figure()
    image = ax.imshow(table.to_numpy(dtype=float), aspect="auto", origin="lower", cmap="viridis")
    ax.set_xticks(range(table.shape[1]), [f"{v:g}" if isinstance(v, float) else str(v)
                                          for v in table.columns])
    ax.set_yticks(range(table.shape[0]), [f"{v:g}" if isinstance(v, float) else str(v)
                                          for v in table.index])
    values = table.to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    mid = float(np.mean([finite.min(), finite.max()])) if finite.size else 0.0
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(j, i, f"{v:.3g}", ha="center", va="center", fontsize="small",
                    color="black" if v > mid else "white")
    ax.set_xlabel(cols)
    ax.set_ylabel(rows)
    ax.set_title(f"{title} ({what})" if title else f"{metric}: {what}")
    fig.colorbar(image, ax=ax, label=f"{metric}: {what}")
    return save_figure(fig, path)


def plot_sensitivity(table: pd.DataFrame, index: str, path: Path, title: str = "") -> Path:
    """Horizontal bars of ``index`` per parameter (largest on top) with 95% CI error bars;
    for Sobol also the first-order index S1 beside the total ST."""
    t = table.iloc[::-1]
    fig, ax = new_figure()
    y = np.arange(len(t))
    if index == "ST":
        ax.barh(y + 0.2, t["ST"], 0.4, xerr=t["ST_conf"], label="total (ST)", capsize=3)
        ax.barh(y - 0.2, t["S1"], 0.4, xerr=t["S1_conf"], label="first order (S1)", capsize=3)
        ax.legend(fontsize="small")
        ax.set_xlabel("Sobol index (95% CI)")
    else:
        ax.barh(y, t[index], 0.6, xerr=t[f"{index}_conf"], capsize=3)
        ax.set_xlabel("Morris mu* (mean absolute elementary effect, 95% CI)")
    ax.set_yticks(y, t["parameter"])
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    return save_figure(fig, path)

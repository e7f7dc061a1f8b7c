"""Survival by age on the validation page: one Kaplan-Meier curve and one hazard by age per
governance type, from the launch and among the communities that formed.

Figures are 150 dpi PNGs drawn with matplotlib's Agg canvas, like :mod:`simcomm.report.plots`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from simcomm.analysis.measures import FOUNDING_WEEKS
from simcomm.analysis.survival import hazard_by_age, kaplan_meier, survival_table
from simcomm.core.governance import GOVERNANCE
from simcomm.runs.sim import Result

DPI = 150
FIGURE = "validation_survival.png"


def by_type(runs: Mapping[str, Sequence[Result]]) -> dict[str, list[Result]]:
    """Return the runs of each governance type's own scenario (the library scenario named after
    the type, at its defaults), in the order of the types."""
    return {name: list(runs[name]) for name in GOVERNANCE if runs.get(name)}


def plot_survival(groups: Mapping[str, Sequence[Result]], path: Path) -> Path:
    """Draw, for each governance type, the share of communities alive by age from the launch
    (left), among those alive after the founding weeks (middle), and the hazard by age (right:
    the share that would die in a year at each quarter's rate); return ``path``."""
    fig = Figure(figsize=(13.0, 4.2), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 3)
    colours = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d")
    for (name, results), colour in zip(groups.items(), colours, strict=False):
        for ax, formed_only in ((axes[0], False), (axes[1], True)):
            fit = kaplan_meier(results, formed_only=formed_only)
            if fit is not None:
                table = fit.survival_function_
                ax.step(table.index, table.iloc[:, 0] * 100, where="post", color=colour, label=name)
        hazard = hazard_by_age(results)
        axes[2].plot(hazard["from_week"] + (hazard["to_week"] - hazard["from_week"]) / 2,
                     hazard["per_year"] * 100, "o-", color=colour, ms=3, label=name)
    axes[0].axvline(FOUNDING_WEEKS, color="grey", ls=":", lw=1)
    axes[0].set_title("alive, from the launch")
    axes[1].set_title(f"alive, among those alive after {FOUNDING_WEEKS} weeks")
    axes[2].set_title("hazard by age (share dying per year)")
    for ax in axes[:2]:
        ax.set_ylim(0, 101)
        ax.set_ylabel("% of communities alive")
        ax.set_xlabel("age (weeks)")
    axes[2].set_ylim(0, 100)
    axes[2].set_ylabel("% a year")
    axes[2].set_xlabel("age (weeks; a quarter at a time)")
    axes[0].legend(fontsize=7, loc="lower left")
    fig.savefig(path, dpi=DPI, format="png")
    return path


def _pct(x: float, low: float, high: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:.0%} [{low:.0%}, {high:.0%}]"


def survival_section(groups: Mapping[str, Sequence[Result]], figures_dir: str, horizon: int) -> str:
    """Return the Markdown section on survival by age: a table per governance type (shares with
    Wilson 95% intervals) and the figure, measured both from the launch and among communities
    that formed."""
    if not groups:
        return ""
    table = survival_table(groups, horizon)
    lines = ["## Survival by age, for each governance type", "",
             "The essays' claim is about communities that formed, while most new ones die young, so "
             f"survival is measured both ways: from the launch, and among the communities still alive "
             f"after their founding weeks ({FOUNDING_WEEKS}; Kaplan-Meier curves from lifelines, "
             "entering there). One run of a type's own scenario is one community; the hazard is a "
             "life table (deaths in a quarter of age over the community-weeks at risk in it). Reported "
             "as it comes out: nothing was tuned toward it.", "",
             f"| type | communities | formed (alive at week {FOUNDING_WEEKS}) | alive at week 52 | alive "
             f"at week {horizon} | of those formed, alive at week {horizon} | median age at death |",
             "|---|---|---|---|---|---|---|"]
    for _, r in table.iterrows():
        weeks = r["median_weeks"]
        median = "not reached" if weeks is None or not np.isfinite(weeks) else f"{weeks:.0f} weeks"
        cells = [_pct(r[k], r[k + "_low"], r[k + "_high"])
                 for k in ("formed", "alive_1y", "alive_end", "formed_alive_end")]
        lines.append(f"| {r['type']} | {r['communities']} | {cells[0]} | {cells[1]} | {cells[2]} | "
                     f"{cells[3]} (n = {r['formed_alive_end_n']}) | {median} |")
    lines += ["", f"![Survival by age]({figures_dir}/{FIGURE})", ""]
    return "\n".join(lines)

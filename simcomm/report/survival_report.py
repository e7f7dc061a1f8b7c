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

from simcomm.analysis.departures import Killed
from simcomm.analysis.measures import FOUNDING_WEEKS
from simcomm.analysis.survival import hazard_by_age, kaplan_meier, survival_table
from simcomm.core.governance import GOVERNANCE
from simcomm.runs.departures import FIRST_YEAR
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


def departures_lines(killed: Sequence[Killed]) -> list[str]:
    """Return one line per setting: how often the departures killed the community (of n seeds,
    with a Wilson 95% interval), how many of those after the community's first year and how many
    a budget review closed (the rest fell silent)."""
    out = []
    for k in killed:
        out.append(f"{k.scenario}: the departures killed it in {k.killed} of {k.n} runs "
                   f"({k.share:.0%} [{k.low:.0%}, {k.high:.0%}]), {k.late} of them after week "
                   f"{FIRST_YEAR}, {k.by_review} closed by a budget review; {k.died} of {k.n} died in all")
    return out


def departures_section(killed: Sequence[Killed]) -> str:
    """Return the Markdown section on where the essays' story holds: how often the managers'
    departures killed a community, bond-held against identity-held, and the assumptions that
    decide it (one changed at a time)."""
    if not killed:
        return ""
    lines = ["## Where the essays' story holds: departures that kill", "",
             "Each run beside its replay on the same seed in which no manager ever leaves (`simcomm "
             "explain`'s \"had the managers stayed\"): the departures killed the community when it died "
             "and the replay was still alive then. The first two rows are the contrast; the others "
             "change one assumption of the first. A death is either a budget review closing the "
             "programme (the funder's decision) or the members falling silent (theirs).", "",
             "| setting | killed by the departures [95% CI] | of them, after week "
             f"{FIRST_YEAR} | of them, closed by a review | died in all |", "|---|---|---|---|---|"]
    for k in killed:
        lines.append(f"| {k.scenario} | {k.killed} of {k.n} ({k.share:.0%} [{k.low:.0%}, {k.high:.0%}]) | "
                     f"{k.late} | {k.by_review} | {k.died} of {k.n} |")
    lines += ["", deciding_sentence(killed)]
    return "\n".join(lines) + "\n"


def deciding_sentence(killed: Sequence[Killed]) -> str:
    """Return one sentence on the contrast (the first two settings) and on which of the others,
    each one assumption changed from the first, moved the killed share most either way."""
    if len(killed) < 2:
        return ""
    bond, ident = killed[0], killed[1]
    apart = bond.high < ident.low or ident.high < bond.low
    out = (f"Bond-held {bond.share:.0%} against identity-held {ident.share:.0%}: "
           + ("the intervals do not overlap." if apart else "the intervals overlap, so this many seeds "
              "do not separate them."))
    killed_all = sum(k.killed for k in killed[:2])
    if killed_all:
        out += (f" Of the {killed_all} communities the departures killed in these two, a budget review "
                f"closed {sum(k.by_review for k in killed[:2])}; the members fell silent in the rest.")
    rest = sorted(killed[2:], key=lambda k: k.share)
    if rest:
        low, high = rest[0], rest[-1]
        out += (f" Of the assumptions changed one at a time, the share fell most with '{low.scenario}' "
                f"({low.share:.0%}) and was highest with '{high.scenario}' ({high.share:.0%}), against "
                f"{bond.share:.0%} as it is.")
    return out

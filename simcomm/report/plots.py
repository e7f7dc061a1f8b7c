"""Figures of one run and of a comparison: 150 dpi PNGs drawn with matplotlib's Agg canvas.

Figures are built with :class:`matplotlib.figure.Figure` on a ``FigureCanvasAgg`` (no pyplot,
no display, no global figure registry), so plotting works headless and in worker processes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from simcomm.analysis.statistics import (
    Results,
    check_results,
    logrank,
    replicate_bands,
    survival_data,
    weekly_bands,
)
from simcomm.core.metrics import STAGES
from simcomm.runs.sim import Result

DPI = 150
SIZE = (9.0, 5.0)  # inches
STAGE_COLOURS: dict[str, str] = {
    "inception": "#9ecae1", "growth": "#a1d99b", "maturity": "#fee391", "decline": "#f4a3a8",
    "death": "#bdbdbd",
}
STAGE_ALPHA = 0.35
RUN_PLOTS = ("members.png", "activity.png", "retention.png")  # what plot_run draws
COMPARE_PLOTS = ("active_members.png", "activity.png", "survival.png")  # what plot_compare draws
CHANNEL_PLOTS = ("channel.png",)  # what plot_channel draws
NAMED_COMMUNITIES = 7  # a channel's plot names its largest (tab10's eighth is grey); the rest are grey


def new_figure() -> tuple[Figure, Any]:
    """Return a new figure (SIZE inches, constrained layout, Agg canvas) and its one axes."""
    fig = Figure(figsize=SIZE, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def save_figure(fig: Figure, path: Path) -> Path:
    """Save ``fig`` as a PNG at DPI to ``path``; return ``path``."""
    fig.savefig(path, dpi=DPI, format="png")
    return path


def label_colours(labels: Sequence[str]) -> dict[str, Any]:
    """Return one colour per label (matplotlib's tab10, in order)."""
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    return {lab: cmap(i % 10) for i, lab in enumerate(labels)}


def _run_title(result: Result, what: str) -> str:
    partners = result.metadata.get("params", {}).get("partners")
    who = f", {partners:,} partners" if partners is not None else ""
    return f"{result.scenario}: {what} (seed {result.seed}{who}, {result.weeks} weeks)"


def shade_stages(ax: Any, weeks: np.ndarray, stages: Sequence[str]) -> list[Patch]:
    """Shade each run of equal lifecycle stage; return legend handles for the stages shown."""
    shown: list[str] = []
    start = 0
    for i in range(1, len(stages) + 1):
        if i == len(stages) or stages[i] != stages[start]:
            stage = str(stages[start])
            ax.axvspan(weeks[start] - 0.5, weeks[i - 1] + 0.5, color=STAGE_COLOURS.get(stage, "#eeeeee"),
                       alpha=STAGE_ALPHA, linewidth=0, zorder=0)
            if stage not in shown:
                shown.append(stage)
            start = i
    order = [s for s in STAGES if s in shown] + [s for s in shown if s not in STAGES]
    return [Patch(facecolor=STAGE_COLOURS.get(s, "#eeeeee"), alpha=STAGE_ALPHA, label=f"stage: {s}")
            for s in order]


def _km_fit(durations: Sequence[float], observed: Sequence[bool], label: str) -> Any:
    from lifelines import KaplanMeierFitter

    return KaplanMeierFitter(label=label).fit(np.asarray(durations, float), np.asarray(observed, bool))


def _draw_km(ax: Any, kmf: Any, colour: Any, label: str) -> None:
    """Draw a fitted Kaplan-Meier curve as a step line with its confidence band."""
    sf = kmf.survival_function_.iloc[:, 0]
    ci = kmf.confidence_interval_survival_function_
    t = sf.index.to_numpy(float)
    ax.step(t, sf.to_numpy(), where="post", color=colour, linewidth=1.8, label=label)
    ax.fill_between(t, ci.iloc[:, 0].to_numpy(), ci.iloc[:, 1].to_numpy(), step="post",
                    color=colour, alpha=0.2, linewidth=0)


def plot_run(result: Result, out_dir: Path) -> list[Path]:
    """Draw one run's figures into ``out_dir`` (which must exist); return the PNG paths.

    ``members.png``: active, lurking and lapsed members (count) per week, lifecycle stages
    shaded behind; ``activity.png``: posts and answers per week (messages per week);
    ``retention.png``: Kaplan-Meier survival of membership (share of joiners still members)
    against weeks since joining, with its 95% confidence band (lifelines).
    """
    out_dir = Path(out_dir)
    ts = result.timeseries
    weeks = ts["week"].to_numpy()
    paths = []

    fig, ax = new_figure()
    handles = shade_stages(ax, weeks, list(ts["stage"])) if "stage" in ts else []
    for column, colour in (("active_members", "tab:green"), ("lurking_members", "tab:orange"),
                           ("lapsed_members", "tab:grey")):
        ax.plot(weeks, ts[column], color=colour, linewidth=1.8, label=column.replace("_", " "))
    died = result.summary.get("died_week")
    if died is not None:
        ax.axvline(died, color="black", linestyle="--", linewidth=1, label=f"died (week {died})")
    lines, _ = ax.get_legend_handles_labels()
    ax.legend(handles=[*lines, *handles], loc="upper left", bbox_to_anchor=(1.01, 1.0),
              frameon=False, title="series / lifecycle stage")
    ax.set(title=_run_title(result, "members per week"), xlabel="week", ylabel="members (count)",
           xlim=(weeks.min() - 0.5, weeks.max() + 0.5))
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    paths.append(save_figure(fig, out_dir / "members.png"))

    fig, ax = new_figure()
    ax.plot(weeks, ts["posts"], color="tab:blue", linewidth=1.4, label="posts (questions, threads)")
    ax.plot(weeks, ts["answers"], color="tab:purple", linewidth=1.4, label="answers")
    ax.set(title=_run_title(result, "activity per week"), xlabel="week",
           ylabel="messages per week (count)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", frameon=False)
    paths.append(save_figure(fig, out_dir / "activity.png"))

    fig, ax = new_figure()
    surv = survival_data({result.scenario: [result]})
    if len(surv):
        kmf = _km_fit(surv["tenure_weeks"], surv["observed"], "Kaplan-Meier estimate")
        _draw_km(ax, kmf, "tab:green", f"still members ({len(surv):,} joiners, "
                 f"{int(surv['observed'].sum()):,} left)")
        ax.plot([], [], color="tab:green", alpha=0.2, linewidth=8, label="95% confidence band")
        median = kmf.median_survival_time_
        if math.isfinite(median):
            ax.axvline(median, color="black", linestyle=":", linewidth=1,
                       label=f"median tenure {median:g} weeks")
        ax.legend(loc="upper right", frameon=False)
    else:
        ax.text(0.5, 0.5, "no partner joined", transform=ax.transAxes, ha="center", va="center")
    ax.set(title=_run_title(result, "membership retention"), xlabel="weeks since joining",
           ylabel="share of joiners still members", ylim=(0, 1.02))
    ax.set_xlim(left=0)
    ax.grid(alpha=0.3)
    paths.append(save_figure(fig, out_dir / "retention.png"))
    return paths


def _band_plot(bands: pd.DataFrame, labels: Sequence[str], colours: Mapping[str, Any], ax: Any) -> None:
    for lab in labels:
        b = bands[bands["label"] == lab]
        ax.plot(b["week"], b["mean"], color=colours[lab], linewidth=1.8, label=lab)
        ax.fill_between(b["week"], b["ci_low"], b["ci_high"], color=colours[lab], alpha=0.2, linewidth=0)


def _replicates(results: Results) -> str:
    counts = sorted({len(v) for v in results.values()})
    return "/".join(str(c) for c in counts) + (" run" if counts == [1] else " runs")


def plot_compare(results: Results, out_dir: Path, logrank_result: Mapping[str, Any] | None = None
                 ) -> list[Path]:
    """Draw the comparison figures into ``out_dir`` (which must exist); return the PNG paths.

    ``active_members.png``: mean active members (count) per week per label with a 95% band;
    ``activity.png``: mean posts plus answers (messages per week) with 95% bands;
    ``survival.png``: Kaplan-Meier membership survival per label (members pooled over
    replicates) with 95% bands, and the log-rank p-value in the title (``logrank_result``
    from :func:`simcomm.analysis.statistics.logrank`, computed when not given).
    """
    out_dir = Path(out_dir)
    labels = check_results(results)
    colours = label_colours(labels)
    reps = _replicates(results)
    band_note = "line: mean, band: 95% CI of the mean"
    paths = []

    def band_figure(bands: pd.DataFrame, what: str, ylabel: str, name: str) -> Path:
        fig, ax = new_figure()
        _band_plot(bands, labels, colours, ax)
        ax.set(title=f"{what} (mean of {reps} per label; {band_note})", xlabel="week", ylabel=ylabel)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", frameon=False)
        return save_figure(fig, out_dir / name)

    paths.append(band_figure(weekly_bands(results, "active_members"), "Active members per week",
                             "active members (count)", "active_members.png"))
    paths.append(band_figure(replicate_bands(results, lambda ts: ts["posts"] + ts["answers"]),
                             "Posts + answers per week", "messages per week (count)", "activity.png"))

    fig, ax = new_figure()
    lr = dict(logrank_result) if logrank_result is not None else logrank(results)
    surv = survival_data(results)
    for lab in labels:
        s = surv[surv["label"] == lab]
        if s.empty:
            continue
        kmf = _km_fit(s["tenure_weeks"], s["observed"], lab)
        _draw_km(ax, kmf, colours[lab], f"{lab} ({len(s):,} members)")
    p = lr.get("p_value")
    ptext = "n/a" if p is None or not math.isfinite(p) else ("< 0.001" if p < 0.001 else f"= {p:.3f}")
    ax.set(title=f"Membership survival, Kaplan-Meier with 95% bands (log-rank p {ptext})",
           xlabel="weeks since joining", ylabel="share of joiners still members", ylim=(0, 1.02))
    ax.set_xlim(left=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", frameon=False, title=f"members pooled over {reps}")
    paths.append(save_figure(fig, out_dir / "survival.png"))
    return paths


def plot_channel(communities: pd.DataFrame, channel: pd.DataFrame, title: str, out_dir: Path) -> list[Path]:
    """Draw a channel run's figure (:func:`channel_figure`) into ``out_dir`` as ``channel.png``;
    return the paths written."""
    return [save_figure(channel_figure(communities, channel, title), out_dir / CHANNEL_PLOTS[0])]


def channel_figure(communities: pd.DataFrame, channel: pd.DataFrame, title: str) -> Figure:
    """Return a channel run's figure: two panels over the channel's weeks, each community's
    members (active plus lurking, count), its largest NAMED_COMMUNITIES by peak named and
    coloured, largest first, the rest grey; and the communities alive, founded so far and dead so
    far (count)."""
    fig = Figure(figsize=(SIZE[0], SIZE[1] * 1.6), layout="constrained")
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(2, 1))
    size = communities.assign(members=communities["active_members"] + communities["lurking_members"])
    peaks = size.groupby("community", sort=False)["members"].max().sort_values(ascending=False)
    named = list(peaks.index[:NAMED_COMMUNITIES])
    colours = label_colours(named)
    for name, rows in size.groupby("community", sort=False):
        if name not in colours:
            top.plot(rows["week"], rows["members"], color="0.6", lw=0.8, alpha=0.7)
    for name in named:  # drawn last, largest first: on top of the grey, and in the legend by size
        rows = size[size["community"] == name]
        top.plot(rows["week"], rows["members"], color=colours[name], lw=1.6, label=name)
    top.set_ylabel("members (active + lurking)")
    top.set_title(title)
    if named:
        others = f" (+{len(peaks) - len(named)} more, grey)" if len(peaks) > len(named) else ""
        top.legend(fontsize=7, loc="upper left", title=f"largest by peak{others}", title_fontsize=7)
    counts = (("communities_alive", "alive", "-"), ("founded_total", "founded so far", "--"),
              ("dead_total", "dead so far", ":"))
    for column, label, style in counts:
        bottom.step(channel["week"], channel[column], where="post", ls=style, label=label)
    bottom.set_xlabel("week")
    bottom.set_ylabel("communities")
    bottom.legend(fontsize=7, loc="upper left")
    return fig

"""The validation page's channel section: what one community alone shows beside what the
communities founded in a channel show (issue 24), with the sizes, the overlap's hazard ratio and
what in it is built in.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from simcomm.analysis.channel_measures import EARLY_WEEKS, founded_communities, overlap_hazard
from simcomm.analysis.validation import CHANNEL, Validation

# (what is compared, the single community's fact, the channel's fact)
SIDE_BY_SIDE: tuple[tuple[str, str | None, str], ...] = (
    ("dead within three months of founding (Kraut & Fiore: 57%)", "dead_young", "channel_dead_young"),
    ("share of peak members held by the largest tenth", "size_heavy_tail", "channel_size_heavy_tail"),
    ("bimodality of log peak size (one mode below 0.555)", "size_unimodal", "channel_size_unimodal"),
    ("members' overlap and survival (Zhu, Kraut & Kittur: positive)", None, "channel_overlap_survival"),
)

BUILT_IN = (
    "What is built in and what comes out. A partner's hours are split equally across the communities "
    "it belongs to (`attention` = 1 / memberships, a formula in `simcomm/core/channel.py`): that a "
    "member in more communities gives each fewer hours is written in, not found. A peer tie made in "
    "one community counts in every other, where it can hold a member (peer bonds). How a community's "
    "survival moves with its members' overlap is written nowhere: it comes out of these two, of who "
    "ends up in several communities, and of when in the channel's life a community is founded (the "
    "first founded has nobody to share). The mechanism Zhu, Kraut & Kittur propose for their "
    "finding, members bringing practices from other (mature) communities, is not in the model."
)


def _cell(table: pd.DataFrame, key: str | None, measured_text: Callable[[pd.Series], str]) -> str:
    """Return a fact's measured value, interval (``measured_text`` of its row), n and verdict for
    the side-by-side table."""
    if key is None or key not in set(table["key"]):
        return "(not measured: one community alone has no overlap)" if key is None else "(not run)"
    row = table.set_index("key").loc[key]
    return f"{measured_text(row)} (n = {row['n']}; {'in range' if row['in_range'] else 'out of range'})"


def sizes_text(frame: pd.DataFrame, channels: int) -> str:
    """Return one sentence on the member-founded communities' peak sizes (active members)."""
    peaks = frame["peak_active"].dropna().to_numpy(dtype=float)
    if not peaks.size:
        return "No community was founded."
    q50, q90 = np.percentile(peaks, [50, 90])
    return (f"{len(frame)} communities were founded in {channels} channels ({len(frame) / channels:.1f} a "
            f"channel); their peak active members: median {q50:.0f}, 90th percentile {q90:.0f}, largest "
            f"{peaks.max():.0f}; {np.mean(peaks < 10):.0%} never had 10 active members at once.")


def overlap_text(table: pd.DataFrame, frame: pd.DataFrame) -> str:
    """Return what the overlap fact's interval says, and how rare overlap is in the channel."""
    rows = table.set_index("key")
    if "channel_overlap_survival" not in rows.index or frame.empty:
        return ""
    row = rows.loc["channel_overlap_survival"]
    if math.isnan(row["ci_low"]):
        says = "It has no interval: too few communities were followed a whole year."
    elif row["ci_low"] > 0 or row["ci_high"] < 0:
        says = (f"Its interval [{row['ci_low']:+.2f}, {row['ci_high']:+.2f}] excludes 0: "
                f"{'more' if row['value'] > 0 else 'less'} overlap, longer first years.")
    else:
        says = (f"Its interval [{row['ci_low']:+.2f}, {row['ci_high']:+.2f}] includes 0: these seeds do "
                "not establish a direction, whatever the point estimate says.")
    none = float(np.mean(frame["early_overlap"].dropna() == 0))
    return (f"Overlap and survival: rho {row['value']:+.2f}. {says} Overlap is rare here: {none:.0%} of "
            f"the founded communities had no member in another community in their first {EARLY_WEEKS} "
            "weeks.")


def hazard_text(fit: dict[str, float]) -> str:
    """Return one sentence on the Cox fit of death on early overlap (:func:`overlap_hazard`)."""
    if math.isnan(fit["hazard_ratio"]):
        return f"A Cox model of death on early overlap could not be fitted (n = {fit['n']})."
    if fit["low"] <= 1 <= fit["high"]:
        way = "its interval includes 1: no effect of overlap on the hazard is detected"
    else:
        way = f"more overlap, {'lower' if fit['hazard_ratio'] < 1 else 'higher'} hazard of dying"
    return (f"A Cox model of a founded community's death on its early overlap (every founded community "
            f"followed past its first {EARLY_WEEKS} weeks, censored at the end of the run, errors "
            f"clustered by channel): hazard ratio {fit['hazard_ratio']:.2f} per one more membership "
            f"[{fit['low']:.2f}, {fit['high']:.2f}], p = {fit['p']:.3f} (n = {fit['n']}): {way}.")


def channel_section(validation: Validation, measured_text: Callable[[pd.Series], str]) -> str:
    """Return the Markdown section that puts the channel's facts beside one community's (each
    value written by ``measured_text`` of its table row), or an empty string when no channel was
    run."""
    arms = [runs for label, runs in validation.channels.items() if label.split(" ")[0] == CHANNEL]
    if not arms:
        return ""
    t = validation.table
    out = ["## One community alone, and communities founded in a channel", "",
           f"The facts marked \"in a channel\" above are measured on `{CHANNEL}`: partners found "
           "communities where a problem is shared and felt, over one population, and a partner in "
           "several splits its hours between them. Beside them, the same measure on one community "
           "alone (a run is one community in its own channel). Intervals resample whole channels.", "",
           "| measure | one community alone | in a channel |", "|---|---|---|"]
    for words, single, channel in SIDE_BY_SIDE:
        out.append(f"| {words} | {_cell(t, single, measured_text)} | {_cell(t, channel, measured_text)} |")
    frame = founded_communities(arms[0])
    out += ["", sizes_text(frame, len(arms[0])), "", overlap_text(t, frame),
            hazard_text(overlap_hazard([arms[0]])), "", BUILT_IN, ""]
    return "\n".join(out)

"""A channel's story (``simcomm story CHANNEL``): what happened to the communities of one channel
run, told for a room, and its figures.

:func:`tell_channel_story` runs the channel (:func:`simcomm.runs.channel_run.run_channel`, the
figures of ``simcomm run`` for the same channel, seed and values), chooses one partner
reproducibly (the one who joined the most communities, the lowest id among equals) and replays
the run to follow that partner's memberships and collect each community's events
(:mod:`simcomm.runs.channel_story`). The figures: the channel's life (communities alive, founded
and dead by week; partners in at least one), each community's members on a lane of its own
(born, growing, dying), the sizes at the horizon beside the peaks, the partner's memberships, and
one figure per community for its own view. The page is :mod:`simcomm.report.channel_story_page`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from simcomm.core.channel_plan import ChannelPlan
from simcomm.report.text import counted
from simcomm.runs.channel_run import ChannelResult, load_channel, run_channel, with_overrides
from simcomm.runs.channel_story import ChannelTrace, busiest_partner, follow_partner

DPI = 100
BY_MEMBERS, LAUNCHED = "#2c8c4a", "#1f5fa8"  # a member-founded community's colour; a listed one's
STATE_SHADES = {"active": "#1f5fa8", "lurking": "#9ecae1"}
DIED_YOUNG = 13  # weeks: a community dead within this many weeks of its founding died young


@dataclass
class ChannelStory:
    """A channel's story: the ``plan`` run (its shared values as run), its ``result``, the
    ``trace`` of the replay (the partner followed, its memberships, every community's events),
    how many communities that partner joined (``joined``), the ``overrides`` given and the
    seconds it took (``seconds``)."""

    plan: ChannelPlan
    result: ChannelResult
    trace: ChannelTrace
    joined: int
    overrides: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def sizes(self) -> pd.DataFrame:
        """Return the communities' weekly table with ``members`` (active plus lurking, count)."""
        c = self.result.communities
        return c.assign(members=c["active_members"] + c["lurking_members"])

    def anchor(self, community: str) -> str:
        """Return the page anchor of ``community``'s own view (``community-K``, K its place in
        the roster from 1)."""
        names = self.result.roster["community"].tolist()
        return f"community-{names.index(community) + 1}"


def tell_channel_story(channel: str | Path | ChannelPlan, *, weeks: int = 260, seed: int = 0,
                       overrides: Mapping[str, Any] | None = None) -> ChannelStory:
    """Tell the channel ``channel`` (a built-in ``channel-*`` name, a channel file or a plan) over
    ``weeks`` weeks from ``seed`` with its shared parameters changed by ``overrides``; return the
    :class:`ChannelStory`. Raises ParameterError on bad input, as ``simcomm run`` does."""
    started = time.perf_counter()
    plan = channel if isinstance(channel, ChannelPlan) else load_channel(channel)
    plan = with_overrides(plan, overrides)
    result = run_channel(plan, weeks=weeks, seed=seed)
    partner, joined = busiest_partner(result)
    trace = follow_partner(plan, result, partner)
    result.metadata["overrides"] = dict(overrides or {})
    return ChannelStory(plan, result, trace, joined, dict(overrides or {}), time.perf_counter() - started)


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def png(fig: Figure) -> bytes:
    """Return ``fig`` as PNG bytes (at DPI)."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def _weeks_axis(ax: Any, story: ChannelStory) -> None:
    ax.set_xlim(0, max(story.result.weeks, 1))
    ax.grid(alpha=0.3)


def life_figure(story: ChannelStory) -> Figure:
    """Return the channel's life: communities alive, founded so far and dead so far by week
    (count, top), and partners in at least one community and memberships (count, bottom)."""
    ch = story.result.channel
    fig = _figure(10.0, 4.6)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(1.4, 1))
    counts = (("communities_alive", "alive", "-"), ("founded_total", "founded so far", "--"),
              ("dead_total", "dead so far", ":"))
    for column, label, style in counts:
        top.step(ch["week"], ch[column], where="post", ls=style, lw=2.0, label=label)
    top.set_ylabel("communities")
    top.set_ylim(bottom=0)
    top.yaxis.set_major_locator(MaxNLocator(integer=True))
    top.legend(fontsize=8, loc="upper left", frameon=False)
    top.set_title(f"{story.plan.name}: seed {story.result.seed}, {int(channel_partners(story)):,} partners, "
                  f"{story.result.weeks} weeks", fontsize=10)
    bottom.plot(ch["week"], ch["members"], color="#444444", lw=1.6, label="partners in at least one")
    bottom.plot(ch["week"], ch["memberships"], color="#888888", lw=1.2, ls="--", label="memberships")
    bottom.set_ylabel("partners")
    bottom.set_ylim(bottom=0)
    bottom.set_xlabel("week")
    bottom.legend(fontsize=8, loc="upper left", frameon=False)
    for ax in (top, bottom):
        _weeks_axis(ax, story)
    return fig


def channel_partners(story: ChannelStory) -> int:
    """Return the channel's partners (count)."""
    from simcomm.core.params import make_params

    return int(make_params(story.plan.shared)["partners"])


def lanes_figure(story: ChannelStory) -> Figure:
    """Return one lane per community, in the roster's order (founding week), numbered as the
    page's table: a dot where it was founded, its members (active plus lurking) as a band whose
    height is its members on one scale for every lane, a cross where it died."""
    roster = story.result.roster
    sizes = story.sizes
    n = max(len(roster), 1)
    fig = _figure(10.0, 1.3 + 0.42 * n)
    ax = fig.add_subplot()
    peak = max(float(sizes["members"].max()) if len(sizes) else 0.0, 1.0)
    for k, row in enumerate(roster.itertuples()):
        base = n - 1 - k
        colour = BY_MEMBERS if row.by_members else LAUNCHED
        rows = sizes[sizes["community"] == row.community]
        weeks = rows["week"].to_numpy()
        height = rows["members"].to_numpy(dtype=float) / peak * 0.85
        end = int(row.died_week) if not pd.isna(row.died_week) else story.result.weeks
        ax.plot([row.founded_week, end], [base, base], color=colour, lw=0.8, alpha=0.6)
        if weeks.size:
            ax.fill_between(weeks, base, base + height, color=colour, alpha=0.75, linewidth=0, step="post")
        ax.plot([row.founded_week], [base], "o", color=colour, ms=4)
        if not pd.isna(row.died_week):
            ax.plot([int(row.died_week)], [base], "x", color="#b2182b", ms=7, mew=2)
        ax.text(story.result.weeks + 1, base + 0.1, f"peak {row.peak_members:,}, end {row.members_at_end:,}",
                fontsize=7, va="bottom", color="#444444", clip_on=False)
    ax.set_yticks(range(n), [f"{len(roster) - i}. {name}"
                             for i, name in enumerate(reversed(roster["community"].tolist()))] or [""],
                  fontsize=8)
    ax.set_ylim(-0.4, n)
    ax.set_xlabel("week")
    _weeks_axis(ax, story)
    ax.grid(axis="y", alpha=0)
    from matplotlib.lines import Line2D

    ax.legend(handles=[Line2D([], [], color=BY_MEMBERS, lw=6, label="founded by members"),
                       Line2D([], [], color=LAUNCHED, lw=6, label="launched (the channel file)"),
                       Line2D([], [], color="#b2182b", marker="x", lw=0, mew=2, label="died")],
              fontsize=8, loc="upper left", bbox_to_anchor=(0, 1.0 + 0.9 / (1.3 + 0.42 * n)), ncol=3,
              frameon=False)
    ax.set_title(f"Members of each community (active + lurking), one scale for all: a full lane is "
                 f"{peak / 0.85:,.0f}", fontsize=9, loc="right")
    return fig


def sizes_figure(story: ChannelStory) -> Figure:
    """Return the communities' sizes: members at the horizon (dark) beside each one's peak
    (light), largest peak first (members, count)."""
    roster = story.result.roster.sort_values(["peak_members", "founded_week"], ascending=[False, True])
    n = max(len(roster), 1)
    fig = _figure(10.0, 1.2 + 0.3 * n)
    ax = fig.add_subplot()
    y = np.arange(len(roster))[::-1]
    colours = [BY_MEMBERS if b else LAUNCHED for b in roster["by_members"]]
    ax.barh(y, roster["peak_members"], color=colours, alpha=0.3)
    ax.barh(y, roster["members_at_end"], color=colours, alpha=0.95, height=0.5)
    ax.set_yticks(y, roster["community"].tolist(), fontsize=8)
    ax.set_xlabel("members (active + lurking)")
    ax.grid(axis="x", alpha=0.3)
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color="#777777", alpha=0.3, label="at its peak"),
                       Patch(color="#777777", label=f"at week {story.result.weeks} (none: dead)"),
                       Patch(color=BY_MEMBERS, label="founded by members"),
                       Patch(color=LAUNCHED, label="launched")], fontsize=8, loc="lower right", frameon=False)
    return fig


def partner_figure(story: ChannelStory) -> Figure:
    """Return the followed partner's memberships: how many communities it belonged to each week
    (top), and one lane per community it joined, shaded by its state there (active, lurking)."""
    states = story.trace.states
    lanes = list(dict.fromkeys(states.sort_values(["week"])["community"])) if len(states) else []
    fig = _figure(10.0, 1.9 + 0.35 * max(len(lanes), 1))
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(1, max(len(lanes), 1) * 0.45))
    count = states.groupby("week").size().reindex(range(story.result.weeks + 1), fill_value=0)
    top.step(count.index, count.to_numpy(), where="post", color="#444444", lw=1.6)
    top.set_ylabel("communities", fontsize=8)
    top.set_ylim(0, max(int(count.max()) if len(count) else 0, 1) + 0.5)
    top.yaxis.set_major_locator(MaxNLocator(integer=True))
    partner = story.trace.partner
    top.set_title(f"partner {partner}: its memberships each week" if partner is not None
                  else "nobody joined a community", fontsize=9)
    for k, name in enumerate(lanes):
        base = len(lanes) - 1 - k
        mine = states[states["community"] == name]
        for state, shade in STATE_SHADES.items():
            weeks = mine.loc[mine["state"] == state, "week"].to_numpy()
            bottom.broken_barh([(int(w) - 1, 1) for w in weeks], (base - 0.35, 0.7), color=shade,
                               label=state if k == 0 else None)
    bottom.set_yticks(range(len(lanes)), list(reversed(lanes)), fontsize=8)
    bottom.set_ylim(-0.6, max(len(lanes), 1) - 0.4)
    bottom.set_xlabel("week")
    if lanes:
        from matplotlib.patches import Patch

        bottom.legend(handles=[Patch(color=c, label=s) for s, c in STATE_SHADES.items()], fontsize=8,
                      loc="upper right", frameon=False, ncol=2)
    for ax in (top, bottom):
        _weeks_axis(ax, story)
    return fig


def community_figure(story: ChannelStory, community: str) -> Figure:
    """Return one community's own figure over the channel's weeks: its active and lurking members
    (count, top) and its posts and answers (messages per week, bottom), its founding and death
    marked."""
    rows = story.result.communities[story.result.communities["community"] == community]
    row = story.result.roster.set_index("community").loc[community]
    fig = _figure(9.0, 3.8)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(1.4, 1))
    top.plot(rows["week"], rows["active_members"], color=LAUNCHED, lw=2.0, label="active")
    top.plot(rows["week"], rows["lurking_members"], color="#9ecae1", lw=1.4, label="lurking")
    bottom.plot(rows["week"], rows["posts"], color="#444444", lw=1.0, label="posts")
    bottom.plot(rows["week"], rows["answers"], color="#444444", lw=1.0, ls=":", label="answers")
    for ax in (top, bottom):
        ax.axvline(int(row["founded_week"]), color=BY_MEMBERS, lw=1.0, ls="--")
        if not pd.isna(row["died_week"]):
            ax.axvline(int(row["died_week"]), color="#b2182b", lw=1.0, ls="--")
        _weeks_axis(ax, story)
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=8, loc="upper left", frameon=False)
    top.set_ylabel("members")
    died = f", died week {int(row['died_week'])}" if not pd.isna(row["died_week"]) else ""
    top.set_title(f"{community}: founded week {int(row['founded_week'])}{died}", fontsize=9)
    bottom.set_ylabel("messages per week")
    bottom.set_xlabel("week (the channel's)")
    return fig


def happened_sentences(story: ChannelStory) -> list[str]:
    """Return what happened to the channel, in a few plain sentences: communities founded (by
    members, launched), dead (young) and alive at the horizon, the largest, and the partners in
    at least one with their memberships per member."""
    r = story.result
    roster, last = r.roster, r.channel.iloc[-1]
    by_members = int(roster["by_members"].astype(bool).sum())
    dead = roster[~roster["died_week"].isna()]
    young = int(((dead["died_week"] - dead["founded_week"]) <= DIED_YOUNG).sum())
    alive = int(last["communities_alive"])
    out = [f"{counted(len(roster), 'community', 'communities')} started ({by_members} founded by members, "
           f"{len(roster) - by_members} listed in the channel file); {len(dead)} died ({young} within "
           f"{DIED_YOUNG} weeks of their founding) and {alive} {'was' if alive == 1 else 'were'} alive at "
           f"week {r.weeks}."]
    if len(roster):
        big = roster.sort_values(["peak_members", "founded_week"], ascending=[False, True]).iloc[0]
        fate = (f"died in week {int(big['died_week'])}" if not pd.isna(big["died_week"])
                else f"had {int(big['members_at_end']):,} at week {r.weeks}")
        out.append(f"The largest, {big['community']}, founded in week {int(big['founded_week'])}, peaked at "
                   f"{int(big['peak_members']):,} members and {fate}.")
    members = int(last["members"])
    overlap = "" if not members else f", {float(last['overlap']):.2f} communities per member"
    out.append(f"At week {r.weeks}, {members:,} of {channel_partners(story):,} partners belonged to at "
               f"least one community{overlap}.")
    return out


def reproduce_command(story: ChannelStory) -> str:
    """Return the ``simcomm story`` command line that makes this story again."""
    from simcomm.runs.library import is_library_file

    path = story.plan.path
    name = path if path and not is_library_file(path) else story.plan.name
    sets = "".join(f" --set {k}={v}" for k, v in story.overrides.items())
    return f"simcomm story {name} --seed {story.result.seed} --weeks {story.result.weeks}{sets}"


def channel_story_metadata(story: ChannelStory) -> dict[str, Any]:
    """Return what the story records to be reproduced: the run's metadata (channel, plan, every
    community's parameters, seed, weeks, overrides, simcomm and mesa versions), the channel's
    title, the partner followed and how it was chosen, and the command."""
    return {**story.result.metadata, "channel_title": story.plan.title,
            "partner": story.trace.partner, "partner_joined": story.joined,
            "partner_chosen_as": "the partner who joined the most communities, the lowest id among equals",
            "command": reproduce_command(story)}


def channel_story_payload(story: ChannelStory) -> dict[str, Any]:
    """Return what ``story.json`` holds: the sentences, the channel's weekly record, the roster,
    the followed partner's memberships, every community's events and the metadata."""
    return {"channel": story.plan.name, "title": story.plan.title, "happened": happened_sentences(story),
            "weekly": story.result.channel.to_dict(orient="records"),
            "roster": story.result.roster.to_dict(orient="records"),
            "partner": {"id": story.trace.partner, "joined": story.joined,
                        "memberships": story.trace.states.to_dict(orient="records")},
            "events": story.trace.events.to_dict(orient="records"),
            "metadata": channel_story_metadata(story)}

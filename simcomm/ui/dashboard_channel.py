"""The dashboard on a channel (:class:`ChannelView`): many communities over one population of
partners, week by week, with each community's own view one click away.

Choosing a channel scenario (``channel-*``) under "Scenario" runs that channel, the model
``simcomm run`` uses (:class:`simcomm.core.channel.Channel`), so the channel at week W is the one
``simcomm run CHANNEL --weeks W`` reports for the same seed and partners. The page shows the
communities alive, founded and dead, each community's members, the partners in at least one and
the sizes now; a button per community opens its own view: the single-community page's charts,
network, event log and table, drawn from that community's running model in the channel's weeks
(:meth:`ChannelView.opened`). A channel takes only its shared parameters (the partners'): the
partners slider applies; the other sliders are each community's own, set in its channel file.
"""

from __future__ import annotations

import html
import math
import threading
from typing import Any

from simcomm.agents.framework_import import mesa
from simcomm.core.channel import Channel
from simcomm.core.channel_plan import SHARED
from simcomm.core.population import TOPICS
from simcomm.core.version import __version__
from simcomm.report.network import NETWORK_SAMPLE
from simcomm.runs.channel_run import is_channel, load_channel, with_overrides
from simcomm.ui import dashboard_model
from simcomm.ui.dashboard_drawing import Line, bars_svg, chart_svg
from simcomm.ui.dashboard_model import (
    HORIZON,
    KEY_PARAMETERS,
    Community,
    CommunityPair,
    parse_seed,
)
from simcomm.ui.dashboard_views import event_list_html

NAMED = 7  # the members chart colours and names its largest communities; the rest are grey
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2")
GREY = "#a0a0a0"


class ChannelView(mesa.Model):
    """The model the dashboard steps for a channel: the channel week by week, up to the horizon.

    Args: as :class:`~simcomm.ui.dashboard_model.CommunityPair`'s (the page sends the same
    inputs); ``scenario_name`` is the channel, ``compare_with`` is not used (a channel runs
    alone), ``partners`` sets the channel's partners when its slider was moved, and the other
    sliders are not used (each community's own parameters are its channel file's); a moved one is
    named in ``problems``.
    """

    def __init__(self, scenario_name: str, compare_with: str = "none", seed: int | str = 0,
                 weeks: int = HORIZON, fixed_overrides: tuple[tuple[str, Any], ...] = (),
                 slider_start: tuple[tuple[str, Any], ...] = (), network_size: int = NETWORK_SAMPLE,
                 ghost: bool = False, **sliders: Any) -> None:
        seed_value, seed_problem = parse_seed(seed)
        super().__init__(rng=seed_value)
        self.seed = seed_value
        self.horizon = max(1, int(weeks))
        self.lock = threading.Lock()
        self.problems = [seed_problem] if seed_problem else []
        self.playing = False
        self.ghost = False  # a channel has no "manager stayed" twins
        self.network_size = network_size
        start = dict(slider_start)
        self.moved = {k: v for k, v in sliders.items() if k in KEY_PARAMETERS and v is not None and (
            k not in start or not math.isclose(float(v), float(start[k]),
                                               abs_tol=KEY_PARAMETERS[k][4] / 2 + 1e-9))}
        for key in sorted(set(self.moved) - set(SHARED)):
            self.problems.append(f"{KEY_PARAMETERS[key][0]}: a channel takes only its shared parameters "
                                 "(partners); each community keeps its channel file's value")
        shared = {k: v for k, v in {**dict(fixed_overrides), **self.moved}.items() if k in SHARED}
        self.plan = with_overrides(load_channel(scenario_name), shared)
        self.name = self.plan.name
        self.channel = Channel(self.plan, seed=seed_value)
        self._views: dict[int, Community] = {}

    @property
    def week(self) -> int:
        """Return the channel weeks simulated so far."""
        return self.channel.week

    @property
    def at_horizon(self) -> bool:
        """Return True once the run has reached its horizon (``weeks``)."""
        return self.week >= self.horizon

    @property
    def communities(self) -> list[Any]:
        """Return the channel's communities so far (founded, live or dead), in founding order."""
        return self.channel.communities

    def show_ghost(self, on: bool) -> None:
        """Do nothing: a channel has no "manager stayed" twins (the page says the switch is for
        single communities); return None."""

    def step(self) -> None:
        """Advance the channel one week, unless the horizon is reached; stop running at the
        horizon."""
        with self.lock:
            if not self.at_horizon:
                self.channel.step()
            self.running = not self.at_horizon

    def opened(self, index: int) -> OpenedCommunity:
        """Return the single-community view of the channel's community ``index`` (its running
        model, in the channel's weeks; its network sample drawn once, when first opened)."""
        c = self.channel.communities[index]
        if index not in self._views:
            self._views[index] = Community.in_channel(c.model, c.plan.scenario, c.plan.name, c.founded_week,
                                                      self.network_size)
        return OpenedCommunity(self, self._views[index])


class OpenedCommunity:
    """One community of a channel seen as the single-community page sees a pair of one: its
    ``communities`` (the one), the channel's week, horizon, seed, lock and state, for
    :func:`simcomm.ui.dashboard_views.views`."""

    def __init__(self, view: ChannelView, community: dashboard_model.Community) -> None:
        self.view = view
        self.communities = [community]
        self.ghost = False
        self.moved = view.moved

    def __getattr__(self, name: str) -> Any:  # week, horizon, at_horizon, seed, playing, lock
        return getattr(self.view, name)


def make_model(**values: Any) -> CommunityPair | ChannelView:
    """Return the dashboard's model for the page's inputs: a :class:`ChannelView` when the
    scenario is a channel, else a :class:`~simcomm.ui.dashboard_model.CommunityPair`."""
    if is_channel(str(values.get("scenario_name", ""))):
        return ChannelView(**values)
    return CommunityPair(**values)


# ---- the channel's views ----------------------------------------------------------------------------
def _sizes(view: ChannelView) -> list[tuple[int, Any, list[int]]]:
    """Return (index, community, members per week: active plus lurking) for each community."""
    out = []
    for k, c in enumerate(view.communities):
        h = c.model.history
        out.append((k, c, [a + b for a, b in zip(h["active_members"], h["lurking_members"], strict=True)]))
    return out


def _colours(view: ChannelView) -> dict[int, str]:
    """Return each community's colour: its largest NAMED by peak members in PALETTE, the rest grey."""
    sizes = _sizes(view)
    ranked = sorted(sizes, key=lambda s: (-max(s[2], default=0), s[0]))
    named = {k: PALETTE[i] for i, (k, _c, _s) in enumerate(ranked[:NAMED])}
    return {k: named.get(k, GREY) for k, _c, _s in sizes}


def channel_status_html(view: ChannelView) -> str:
    """Return the status line: the week of the horizon, communities alive, founded and dead, the
    partners in at least one and memberships per member."""
    e = html.escape
    row = view.channel.rows[-1]
    end = " (the horizon)" if view.at_horizon else ""
    overlap = "" if not row["members"] else f" ({row['overlap']:.2f} communities each)"
    return (f"<b>Week {view.week} of {view.horizon}{end}</b> \u00b7 <b>{e(view.name)}</b> (a channel): "
            f"{row['communities_alive']} alive, {row['founded_total']} founded, {row['dead_total']} dead "
            f"\u00b7 {row['members']:,} partners in at least one{overlap} \u00b7 "
            f'<span class="quiet" data-playing="{"yes" if view.playing else "no"}">seed {view.seed} '
            f"\u00b7 simcomm {e(__version__)}, mesa {e(mesa.__version__)}</span>")


def alive_chart(view: ChannelView) -> str:
    """Return the chart of communities alive, founded so far and dead so far per week (count)."""
    rows = view.channel.rows
    lines = [Line([r[key] for r in rows], colour, label, dash=dash, width=2.0, start=-1, css=css)
             for key, colour, label, dash, css in (
                 ("communities_alive", "#1f5fa8", "alive", "", "alive"),
                 ("founded_total", "#e6550d", "founded so far", "6 3", "founded"),
                 ("dead_total", "#555555", "dead so far", "2 3", "dead"))]
    return chart_svg("Communities alive, founded and dead", lines, view.horizon, "communities",
                     "simcomm-alive-chart", week=view.week)


def members_chart(view: ChannelView) -> str:
    """Return the chart of each community's members (active plus lurking) per week, from its
    founding; its largest NAMED by peak named and coloured, the rest grey."""
    colours = _colours(view)
    lines = [Line(size, colours[k], c.plan.name, width=1.8 if colours[k] != GREY else 1.0,
                  start=c.founded_week, legend=colours[k] != GREY, css="community")
             for k, c, size in _sizes(view)]
    grey = sum(colour == GREY for colour in colours.values())
    return chart_svg("Members of each community", lines, view.horizon, "members (active + lurking)",
                     "simcomm-members-chart", week=view.week,
                     note=f"+{grey} more, grey" if grey else "")


def partners_chart(view: ChannelView) -> str:
    """Return the chart of partners in at least one community and of memberships per week."""
    rows = view.channel.rows
    lines = [Line([r["members"] for r in rows], "#333333", "partners in at least one", start=-1),
             Line([r["memberships"] for r in rows], "#888888", "memberships", dash="4 3", start=-1)]
    return chart_svg("Partners in the channel's communities", lines, view.horizon, "partners",
                     "simcomm-partners-chart", week=view.week)


SIZE_BARS = 12  # the sizes chart shows at most this many communities, largest first


def sizes_chart(view: ChannelView) -> str:
    """Return each live community's members now (active plus lurking), largest first."""
    colours = _colours(view)
    alive = sorted(((size[-1] if size else 0, k, c) for k, c, size in _sizes(view) if c.alive),
                   key=lambda s: (-s[0], s[1]))
    bars = [(c.plan.name, float(n), colours[k]) for n, k, c in alive[:SIZE_BARS]]
    more = f"+{len(alive) - SIZE_BARS} more alive" if len(alive) > SIZE_BARS else ""
    return bars_svg(f"Sizes at week {view.week}", bars, "simcomm-sizes-chart", "members", week=view.week,
                    note=more)


def channel_log_html(view: ChannelView) -> str:
    """Return the channel's event log: every community's events, newest first, in the channel's
    weeks."""
    colours = _colours(view)
    rows = sorted(((week + c.founded_week, k, c.plan.name, text) for k, c in enumerate(view.communities)
                   for week, _kind, text in c.model.events), key=lambda r: (-r[0], r[1]))
    return event_list_html(rows, colours, view.week)


def roster_html(view: ChannelView) -> str:
    """Return the communities as a table: governance, topic, who started it, founded and died
    (the channel's weeks), members now and at the peak."""
    e = html.escape
    rows = []
    for _k, c, size in _sizes(view):
        died = c.model.died_week
        problem = c.model.community.problem
        rows.append([c.plan.name, c.plan.scenario.governance, TOPICS[problem] if problem is not None else "",
                     "members" if c.plan.by_members else "listed", str(c.founded_week),
                     str(died + c.founded_week) if died is not None else "", f"{size[-1] if size else 0:,}",
                     f"{max(size, default=0):,}"])
    header = ["community", "governance", "topic", "started by", "founded", "died", "members now", "peak"]
    cells = "".join(f"<th>{e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{e(v)}</td>" for v in row) + "</tr>" for row in rows)
    return (f"<h3>The communities, week {view.week}</h3><table><thead><tr>{cells}</tr></thead>"
            f"<tbody>{body}</tbody></table><p class='quiet'>A channel takes only its shared parameters "
            "(the partners slider); each community's own are its channel file's. The ghost switch is "
            "for single communities.</p>")


def channel_views(view: ChannelView) -> dict[str, str]:
    """Return every view of the channel's page as HTML, by name (status, the four charts, the
    event log and the communities' table), drawn from one consistent moment of the channel."""
    with view.lock:
        return {"status": channel_status_html(view), "alive": alive_chart(view),
                "members": members_chart(view), "partners": partners_chart(view), "sizes": sizes_chart(view),
                "log": channel_log_html(view), "roster": roster_html(view)}


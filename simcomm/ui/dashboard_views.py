"""The dashboard's views: each takes the model (:class:`~simcomm.ui.dashboard_model.CommunityPair`)
and returns the HTML it shows (the status line, four charts, the networks, the event log and
the overview), drawn with :mod:`simcomm.ui.dashboard_drawing`."""

from __future__ import annotations

import html

from simcomm.agents.framework_import import mesa
from simcomm.analysis.phases import phases
from simcomm.core.model import parameters_used
from simcomm.core.version import __version__
from simcomm.report.reviews import review_caveat
from simcomm.report.story import event_line
from simcomm.ui.dashboard_drawing import Line, chart_svg, network_svg
from simcomm.ui.dashboard_model import KEY_PARAMETERS, Community, CommunityPair

COMMUNITY_COLOURS = ("#1f5fa8", "#e6550d")  # left, right
SIDES = ("left", "right")
EVENT_LINES = 60  # newest events shown in the log


def _lines(pair: CommunityPair, key: str, what: str, dash: str = "", width: float = 1.8,
           css: str = "actual") -> list[Line]:
    return [Line(c.model.history[key], COMMUNITY_COLOURS[i], f"{what} ({c.name})", dash=dash, width=width,
                 css=css, start=c.start) for i, c in enumerate(pair.communities)]


def active_chart(pair: CommunityPair) -> str:
    """Return the chart of active members per week (members), each community's ghost ("manager
    stayed", dashed) while it is shown and the managers' departures as vertical lines."""
    lines = _lines(pair, "active_members", "active", width=2.2)
    notes = []
    if pair.ghost:
        for i, c in enumerate(pair.communities):
            if c.ghost is not None:
                lines.append(Line(c.ghost.history["active_members"], COMMUNITY_COLOURS[i],
                                  f"had the manager stayed ({c.name})", dash="6 4", width=2.0,
                                  opacity=0.5, css="ghost"))
            else:
                notes.append(f"{c.name}: no manager to keep")
    marks = [(w, COMMUNITY_COLOURS[i], f"a manager left ({c.name})", "departure")
             for i, c in enumerate(pair.communities) for w in c.departures()]
    return chart_svg("Active members", lines, pair.horizon, "members", "simcomm-active-chart",
                     marks=marks, note="; ".join(notes), week=pair.week)


def lapsed_chart(pair: CommunityPair) -> str:
    """Return the chart of lurking members and of lapsed members (cumulative) per week."""
    lines = _lines(pair, "lurking_members", "lurking") + _lines(pair, "lapsed_members", "lapsed",
                                                                 dash="2 3", width=1.6)
    return chart_svg("Lurking and lapsed members", lines, pair.horizon, "members",
                     "simcomm-lapsed-chart", week=pair.week)


def activity_chart(pair: CommunityPair) -> str:
    """Return the chart of posts and answers per week (messages per week)."""
    lines = _lines(pair, "posts", "posts") + _lines(pair, "answers", "answers", dash="2 3", width=1.6)
    return chart_svg("Posts and answers", lines, pair.horizon, "messages per week",
                     "simcomm-activity-chart", week=pair.week)


def commitment_chart(pair: CommunityPair) -> str:
    """Return the chart of the members' mean commitment (0-1) per week."""
    return chart_svg("Mean commitment of members", _lines(pair, "mean_commitment", "commitment"),
                     pair.horizon, "commitment (0-1)", "simcomm-commitment-chart", y_top=1.0,
                     week=pair.week)


def phase_now(c: Community) -> str:
    """Return the community's lifecycle phase now (:func:`simcomm.analysis.phases.phases`), in
    the page's weeks."""
    h = c.model.history
    if not h["stage"]:
        return "launch"
    stage, first, _last = phases(h["stage"], h["active_members"], died_week=c.model.died_week)[-1]
    return f"{stage} since week {first + c.start}" if first > 1 else stage


def status_html(pair: CommunityPair) -> str:
    """Return the status line: week of horizon, each community's active members and phase."""
    e = html.escape
    week = pair.week
    end = " (the horizon)" if pair.at_horizon else ""
    parts = [f"<b>Week {week} of {pair.horizon}{end}</b>"]
    for i, c in enumerate(pair.communities):
        h = c.model.history
        active = h["active_members"][-1] if h["active_members"] else 0
        phase = (f"died in week {c.model.died_week + c.start}" if c.model.died_week is not None
                 else phase_now(c))
        ghost = ""
        if c.ghost is not None and c.ghost.history["active_members"]:
            ghost = f" ({c.ghost.history['active_members'][-1]:,} had the manager stayed)"
        parts.append(f'<span style="color:{COMMUNITY_COLOURS[i]}"><b>{e(c.name)}</b></span>: '
                     f"{active:,} active{e(ghost)}, {e(phase)}")
    parts.append(f'<span class="quiet" data-playing="{"yes" if pair.playing else "no"}">seed {pair.seed} '
                 f"\u00b7 simcomm {e(__version__)}, mesa {e(mesa.__version__)}</span>")
    return " \u00b7 ".join(parts)


def event_log_html(pair: CommunityPair) -> str:
    """Return the event log of both communities, newest first, in plain language."""
    rows = sorted(((week + c.start, i, c.name,
                    text + review_caveat(kind, text, week, c.model.history["vacancies"],
                                         int(c.params["review_every"])))
                   for i, c in enumerate(pair.communities) for week, kind, text in c.model.events),
                  key=lambda r: (-r[0], r[1]))
    return event_list_html(rows, COMMUNITY_COLOURS, pair.week)


def event_list_html(rows: list[tuple[int, int, str, str]], colours: list[str] | tuple[str, ...],
                    week: int) -> str:
    """Return an event log as HTML: ``rows`` (week, community index, community name, text), newest
    first, the newest EVENT_LINES of them, each marked in its community's colour (``colours``)."""
    e = html.escape
    items = "".join(f'<li class="simcomm-event" style="border-left:3px solid {colours[i]}">'
                    f"{e(name)} \u00b7 {e(event_line(at, text))}</li>" for at, i, name, text in
                    rows[:EVENT_LINES])
    more = (f'<p class="quiet">... {len(rows) - EVENT_LINES} earlier events</p>'
            if len(rows) > EVENT_LINES else "")
    return f"<h3>Event log, week {week}</h3><ol>{items}</ol>{more}"


def overview_html(pair: CommunityPair) -> str:
    """Return the communities side by side as a table: members now and the key parameters in use."""
    header = ["", *[f"{c.name} ({SIDES[i]})" for i, c in enumerate(pair.communities)]]
    rows = [["governance", *[c.scenario.governance for c in pair.communities]]]
    for c_key, text in (("active_members", "active members now"), ("lurking_members", "lurking"),
                        ("lapsed_members", "lapsed")):
        rows.append([text, *[f"{c.model.history[c_key][-1]:,}" if c.model.history[c_key] else "-"
                             for c in pair.communities]])
    rows.append(["died", *[f"week {c.model.died_week + c.start}" if c.model.died_week is not None else "no"
                           for c in pair.communities]])
    rows.append(["managers left", *[", ".join(f"week {w}" for w in c.departures()) or "none"
                                    for c in pair.communities]])
    used = [set(parameters_used(c.model.rules)) for c in pair.communities]
    for key, (_slider, label, *_range) in KEY_PARAMETERS.items():
        mark = " (moved)" if key in pair.moved else ""
        rows.append([label + mark, *[f"{c.params[key]:g}" if key in used[i] else "does not apply"
                                     for i, c in enumerate(pair.communities)]])
    e = html.escape
    cells = "".join(f"<th>{e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{e(v)}</td>" for v in row) + "</tr>" for row in rows)
    return (f"<h3>The communities, week {pair.week}</h3><table><thead><tr>{cells}</tr></thead>"
            f"<tbody>{body}</tbody></table><p class='quiet'>Sliders start at the left scenario's values: "
            "one left untouched keeps each scenario's own value; one you move sets it for both "
            "(press Reset to apply). A parameter that does not apply is one no mechanism of that "
            "community's week reads (an organic community has no manager to leave).</p>")


def views(pair: CommunityPair) -> dict[str, str]:
    """Return every view of the page as HTML, by name (status, the four charts, the networks,
    the event log and the overview), drawn from one consistent moment of the model."""
    with pair.lock:
        out = {"status": status_html(pair), "active": active_chart(pair), "lapsed": lapsed_chart(pair),
               "activity": activity_chart(pair), "commitment": commitment_chart(pair),
               "log": event_log_html(pair), "overview": overview_html(pair)}
        for i in range(2):
            if i < len(pair.communities):
                c = pair.communities[i]
                title = f"{c.name} ({SIDES[i]}): week {c.model.week + c.start}, {phase_now(c)}"
                out[f"network{i}"] = network_svg(c.model, c.sample, c.acquaintances, title)
            else:
                out[f"network{i}"] = ("<p class='quiet'>Choose a scenario under 'Side by side with' and "
                                      "press Reset to run a second community on the same seed.</p>")
    return out


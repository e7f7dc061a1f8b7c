"""The trainer's dashboard: one or two partner communities, live, and what if the manager had stayed.

Start it with ``simcomm dashboard [SCENARIO] [--compare OTHER] [--seed S] [--weeks W] [--port P]``
(which runs ``solara run simcomm.ui.app``). The page follows Mesa's SolaraViz conventions: a model
class (:class:`CommunityPair`), ``model_params`` with the inputs and sliders (drawn by Mesa's
``UserInputs``, applied on Reset) and views that take the model. It lays itself out rather than
through ``SolaraViz``, whose controls have no accessible names (Play and Pause are "▶" and "❚❚"),
whose component grid always shows a "Page 0" tab and whose matplotlib views cost 0.2 s each
every week; the views here are small SVG drawings, updated in place, so a week of two
communities of 2,000 partners is drawn in a few tens of milliseconds.

Two scenarios run side by side on the same seed and step together: the left one (blue) and the
one to compare with (orange). Each is a :class:`simcomm.core.model.CommunityModel`, the model
``simcomm run`` uses, so a community at week W is the one ``simcomm run`` reports for the same
scenario, seed and parameters. The switch "What if the manager had stayed?" runs, beside each
community that has managers, its twin on the same seed in which no manager ever leaves
(``Counterfactual(keep_all_managers=True)``: the same common random numbers, every departure
neutralised), drawn as a dashed ghost line. The run stops at the horizon (``weeks``). A slider
left where it started keeps each scenario's own value; a slider that was moved sets that
parameter for both communities (on Reset). The page shows which values each community uses.
"""

from __future__ import annotations

import html
import json
import math
import os
import threading
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import mesa
import numpy as np
import solara

from simcomm.core.counterfactual import DEPARTURE, Counterfactual
from simcomm.core.model import CommunityModel
from simcomm.core.params import SPECS, ParameterError, Params, make_params
from simcomm.core.population import ACTIVE, AWARE, LAPSED, LURKING, STATE_NAMES, UNAWARE
from simcomm.core.scenario import Scenario
from simcomm.core.version import __version__
from simcomm.report.story import (
    MANAGER_COLOUR,
    NETWORK_SAMPLE,
    STATE_COLOURS,
    TIE_COLOUR,
    NetworkSample,
    event_line,
    phases,
    sample_network,
)
from simcomm.runs.library import load_scenario, scenario_names

# Importing Mesa 3.3's page trips solara's rules-of-hooks check on its ComponentsView, which this
# page does not use (Mesa 3.5 fixed it).
warnings.filterwarnings("ignore", message=r".*ComponentsView: `use_state` found despite early return",
                        category=UserWarning)
from mesa.visualization import Slider  # noqa: E402
from mesa.visualization.solara_viz import UserInputs  # noqa: E402

SETTINGS_VARIABLE = "SIMCOMM_DASHBOARD"  # JSON set by `simcomm dashboard` for this page
NO_COMPARISON = "none"
HORIZON = 260  # weeks a run lasts unless the page or --weeks says otherwise
COMMUNITY_COLOURS = ("#1f5fa8", "#e6550d")  # left, right
SIDES = ("left", "right")
EVENT_LINES = 60  # newest events shown in the log
PLAY_SPEED = 8  # weeks per second while playing (the page can change it)
# The key parameters a trainer moves: slider label, short label, lowest, highest, step (the slider
# range is clipped to the parameter's allowed range and widened to include its starting value).
KEY_PARAMETERS: dict[str, tuple[str, str, float, float, float]] = {
    "partners": ("Partners in the channel", "partners", 100, 20_000, 100),
    "staff_turnover_per_year": ("Manager departures per year", "manager departures/year", 0.0, 6.0, 0.1),
    "handover_quality": ("Handover quality (share of relationships kept)", "handover quality",
                         0.0, 1.0, 0.05),
    "seed_advocates": ("Advocates seeded at launch", "seeded advocates", 0, 50, 1),
    "promo_share": ("Promotional share of content", "promotional share", 0.0, 1.0, 0.05),
    "moderation": ("Moderation (share of spam removed)", "moderation", 0.0, 1.0, 0.05),
    "programmes_per_partner": ("Other programmes per partner", "programmes per partner", 0.0, 30.0, 0.5),
}


def dashboard_settings() -> dict[str, Any]:
    """Return the page's starting point: scenario, comparison, seed, horizon (weeks) and fixed
    overrides.

    Read from the JSON in the ``SIMCOMM_DASHBOARD`` environment variable (``simcomm dashboard``
    sets it); without it: vendor-imposed beside organic, seed 0, 260 weeks, no overrides.
    """
    settings: dict[str, Any] = {"scenario": "vendor-imposed", "compare": "organic", "seed": 0,
                                "weeks": HORIZON, "overrides": {}}
    raw = os.environ.get(SETTINGS_VARIABLE)
    if raw:
        settings.update(json.loads(raw))
    return settings


def has_managers(model: CommunityModel) -> bool:
    """Return True when the community has vendor managers who can leave (so a ghost differs)."""
    return bool(model.staff) and model.p.staff_turnover_per_year > 0


class Community:
    """One community on the page: its scenario, parameters, model, network sample and, while
    the ghost is shown, its "manager stayed" twin (``ghost``: the same parameters and seed, no
    manager ever leaves; None otherwise).

    ``error`` holds a one-line message when the requested parameters were refused (the
    scenario's own parameters are used instead).
    """

    def __init__(self, scenario: Scenario, overrides: Mapping[str, Any], seed: int,
                 network_size: int) -> None:
        self.scenario = scenario
        self.seed = seed
        self.error = ""
        try:
            self.params: Params = make_params(overrides, base=scenario.overrides)
        except ParameterError as exc:
            self.error = f"{scenario.name}: {exc}; using the scenario's own parameters"
            self.params = make_params(base=scenario.overrides)
        self.model = CommunityModel(self.params, seed=seed)
        self.ghost: CommunityModel | None = None
        self.sample: NetworkSample = sample_network(self.model, network_size)
        self.acquaintances = _edges_path(self.sample)  # drawn the same every week

    @property
    def name(self) -> str:
        """Return the scenario's name."""
        return self.scenario.name

    def departures(self) -> list[int]:
        """Return the weeks in which a manager left (week numbers, in order)."""
        return [e.week for e in self.model.adverse if e.kind == DEPARTURE]

    def start_ghost(self) -> None:
        """Start the "manager stayed" twin (when the community has managers who can leave) and
        bring it to the community's week; return None."""
        if self.ghost is not None or not has_managers(self.model):
            return
        ghost = CommunityModel(self.params, seed=self.seed,
                               counterfactual=Counterfactual(keep_all_managers=True))
        while ghost.week < self.model.week:
            ghost.step()
        self.ghost = ghost


def _parse_seed(seed: Any) -> tuple[int, str]:
    """Return (seed, problem): the seed as an integer, or 0 and a one-line reason."""
    text = str(seed).strip()
    if text.isdigit() and int(text) < 2**63:
        return int(text), ""
    return 0, f"seed '{text}' is not a whole number from 0 to 2^63-1: using seed 0"


class CommunityPair(mesa.Model):
    """The model the dashboard steps: one community, or two on the same seed, week by week, up
    to the horizon; and, while the ghost is shown, each one's "manager stayed" twin.

    Args:
        scenario_name: the left community's scenario (a built-in name or a TOML path).
        compare_with: the right community's scenario, or ``"none"``.
        seed: the seed both communities use (an integer, or its text from the page).
        weeks: the horizon: the run stops after this many weeks.
        partners ... programmes_per_partner: slider values; None, or the value in
            ``slider_start``, keeps each scenario's own value.
        fixed_overrides: (name, value) pairs applied to both communities (``--set``).
        slider_start: (name, value) pairs: where each slider started.
        network_size: partners drawn at most in each network.
        ghost: start with the "manager stayed" twins running.
    """

    def __init__(self, scenario_name: str = "vendor-imposed", compare_with: str = "organic",
                 seed: int | str = 0, weeks: int = HORIZON, partners: int | None = None,
                 staff_turnover_per_year: float | None = None, handover_quality: float | None = None,
                 seed_advocates: int | None = None, promo_share: float | None = None,
                 moderation: float | None = None, programmes_per_partner: float | None = None,
                 fixed_overrides: tuple[tuple[str, Any], ...] = (),
                 slider_start: tuple[tuple[str, Any], ...] = (),
                 network_size: int = NETWORK_SAMPLE, ghost: bool = False) -> None:
        seed_value, seed_problem = _parse_seed(seed)
        super().__init__(rng=seed_value)
        self.seed = seed_value
        self.horizon = max(1, int(weeks))
        self.lock = threading.Lock()  # Play's thread and the page's buttons step the same model
        self.problems = [seed_problem] if seed_problem else []
        values = {"partners": partners, "staff_turnover_per_year": staff_turnover_per_year,
                  "handover_quality": handover_quality, "seed_advocates": seed_advocates,
                  "promo_share": promo_share, "moderation": moderation,
                  "programmes_per_partner": programmes_per_partner}
        start = dict(slider_start)
        self.moved = {k: v for k, v in values.items()
                      if v is not None and (k not in start or not math.isclose(float(v), float(start[k]),
                                                                               abs_tol=1e-9))}
        self.overrides = {**dict(fixed_overrides), **self.moved}
        names = [scenario_name] + ([compare_with] if compare_with and compare_with != NO_COMPARISON else [])
        self.communities = [Community(load_scenario(n), self.overrides, seed_value, network_size)
                            for n in names]
        self.problems += [c.error for c in self.communities if c.error]
        self.ghost = False
        if ghost:
            self.show_ghost(True)

    @property
    def week(self) -> int:
        """Return the weeks simulated so far."""
        return self.communities[0].model.week

    @property
    def at_horizon(self) -> bool:
        """Return True once the run has reached its horizon (``weeks``)."""
        return self.week >= self.horizon

    def show_ghost(self, on: bool) -> None:
        """Start (``on``) or drop the "manager stayed" twins; a twin started mid-run is first
        brought to the current week (about 1-3 ms a week at 2,000 partners). Return None."""
        with self.lock:
            self.ghost = bool(on)
            for c in self.communities:
                if on:
                    c.start_ghost()
                else:
                    c.ghost = None

    def step(self) -> None:
        """Advance every community (and its twin) one week, unless the horizon is reached; stop
        running at the horizon or once every community has died."""
        with self.lock:
            if not self.at_horizon:
                for c in self.communities:
                    c.model.step()
                    if c.ghost is not None:
                        c.ghost.step()
            self.running = not self.at_horizon and not all(
                c.model.closed and (c.ghost is None or c.ghost.closed) for c in self.communities)


# ---- SVG drawings (strings; a week's drawings take a few milliseconds) --------------------------
@dataclass(frozen=True)
class Line:
    """One line of a chart: y values at weeks 1..len(y), colour, dash pattern ("" solid),
    width (px), opacity (0-1), legend label and CSS class."""

    y: Sequence[float]
    colour: str
    label: str
    dash: str = ""
    width: float = 1.8
    opacity: float = 1.0
    css: str = "actual"


def nice_top(value: float) -> tuple[float, float]:
    """Return (top, step): a round axis top at or above ``value`` and a round tick step (4-6 ticks)."""
    value = max(float(value), 1e-9)
    magnitude = 10 ** math.floor(math.log10(value / 5))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10, 20) if value / (m * magnitude) <= 5)
    return math.ceil(value / step - 1e-9) * step, step


def _number(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 10 or float(v).is_integer() else f"{v:g}"


CHART_W, CHART_H = 460, 230
PAD_L, PAD_R, PAD_T, PAD_B = 48, 10, 8, 30


def chart_svg(title: str, lines: Sequence[Line], weeks: int, ylabel: str, css: str,
              marks: Sequence[tuple[int, str, str, str]] = (), y_top: float | None = None,
              note: str = "", week: int = 0) -> str:
    """Return a line chart as HTML (a figure with its title, an SVG and a legend).

    ``weeks``: the x axis runs from week 0 to this (the horizon); ``lines``: the series, y
    against weeks 1..n; ``marks``: (week, colour, label, kind) vertical dotted lines (classes
    ``mark`` and ``kind``, e.g. ``departure``); ``y_top``: the axis top (default: a
    round value above the largest y); ``css``: the figure's class; ``week``: the week drawn
    (the figure's ``data-week``).
    """
    x0, x1, y0, y1 = PAD_L, CHART_W - PAD_R, CHART_H - PAD_B, PAD_T
    top = y_top if y_top is not None else max([10.0, *(max(ln.y) for ln in lines if len(ln.y))])
    top, ystep = nice_top(top) if y_top is None else (top, top / 5)
    xtop = max(weeks, 1)
    xstep = nice_top(xtop)[1]

    def px(w: float) -> float:
        return x0 + (x1 - x0) * w / xtop

    def py(v: float) -> float:
        return y0 - (y0 - y1) * v / top

    e = html.escape
    parts = [f'<svg viewBox="0 0 {CHART_W} {CHART_H}" width="100%" role="img" '
             f'aria-label="{e(title)}" preserveAspectRatio="xMidYMid meet">']
    for k in range(round(top / ystep) + 1):
        v = k * ystep
        y = py(v)
        parts.append(f'<line x1="{x0}" x2="{x1}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e5e5"/>'
                     f'<text x="{x0 - 4}" y="{y + 3.5:.1f}" text-anchor="end" font-size="10" '
                     f'fill="#555">{_number(v)}</text>')
    w = 0.0
    while w <= xtop + 1e-9:
        x = px(w)
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y0}" y2="{y0 + 4}" stroke="#888"/>'
                     f'<text x="{x:.1f}" y="{y0 + 15}" text-anchor="middle" font-size="10" '
                     f'fill="#555">{w:g}</text>')
        w += xstep
    parts.append(f'<line x1="{x0}" x2="{x1}" y1="{y0}" y2="{y0}" stroke="#888"/>'
                 f'<text x="{x1}" y="{CHART_H - 3}" text-anchor="end" font-size="10" fill="#555">week</text>'
                 f'<text x="11" y="{(y0 + y1) / 2:.0f}" font-size="10" fill="#555" text-anchor="middle" '
                 f'transform="rotate(-90 11 {(y0 + y1) / 2:.0f})">{e(ylabel)}</text>')
    for when, colour, label, kind in marks:
        x = px(when)
        parts.append(f'<line class="mark {kind}" x1="{x:.1f}" x2="{x:.1f}" y1="{y0}" y2="{y1}" '
                     f'stroke="{colour}" stroke-width="1.2" stroke-dasharray="1 3" opacity="0.9">'
                     f'<title>{e(label)}, week {when}</title></line>')
    for ln in lines:
        if not len(ln.y):
            continue
        ys = np.asarray(ln.y, dtype=float)
        xs = x0 + (x1 - x0) * np.arange(1, ys.size + 1) / xtop
        yy = y0 - (y0 - y1) * np.clip(ys, 0, top) / top
        points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(xs.tolist(), yy.tolist(), strict=True))
        if ys.size == 1:  # a line needs two weeks to show: draw the first as a dot
            parts.append(f'<circle class="{ln.css}" cx="{xs[0]:.1f}" cy="{yy[0]:.1f}" r="2.5" '
                         f'fill="{ln.colour}" opacity="{ln.opacity}"/>')
        dash = f' stroke-dasharray="{ln.dash}"' if ln.dash else ""
        parts.append(f'<polyline class="{ln.css}" points="{points}" fill="none" stroke="{ln.colour}" '
                     f'stroke-width="{ln.width}" opacity="{ln.opacity}"{dash} stroke-linejoin="round">'
                     f'<title>{e(ln.label)}</title></polyline>')
    if not any(len(ln.y) for ln in lines):
        parts.append(f'<text x="{(x0 + x1) / 2}" y="{(y0 + y1) / 2}" text-anchor="middle" font-size="12" '
                     'fill="#777">press Step or Play to run the weeks</text>')
    parts.append("</svg>")
    legend = []
    for ln in lines:
        dash = f' stroke-dasharray="{ln.dash}"' if ln.dash else ""
        legend.append(f'<span><svg width="22" height="8" aria-hidden="true"><line x1="1" x2="21" y1="4" '
                      f'y2="4" stroke="{ln.colour}" stroke-width="{ln.width + 0.4}" '
                      f'opacity="{ln.opacity}"{dash}/></svg>{e(ln.label)}</span>')
    seen = set()
    for _week, colour, label, _kind in marks:
        if (colour, label) not in seen:
            seen.add((colour, label))
            legend.append(f'<span><svg width="10" height="12" aria-hidden="true"><line x1="5" x2="5" '
                          f'y1="0" y2="12" stroke="{colour}" stroke-width="1.4" stroke-dasharray="1 2"/>'
                          f'</svg>{e(label)}</span>')
    if note:
        legend.append(f'<span class="note">{e(note)}</span>')
    return (f'<figure class="simcomm-chart {css}" data-week="{week}"><figcaption>{e(title)}</figcaption>'
            f'{"".join(parts)}<div class="legend">{"".join(legend)}</div></figure>')


NET_W, NET_H = 430, 330
NET_BOX = (-1.2, 1.2, -1.15, 1.22)  # the drawing's x and y range (the layout is within [-1, 1])


def _net_xy(xy: np.ndarray) -> np.ndarray:
    a, b, c, d = NET_BOX
    out = np.empty_like(xy, dtype=float)
    out[:, 0] = (xy[:, 0] - a) / (b - a) * NET_W
    out[:, 1] = (d - xy[:, 1]) / (d - c) * NET_H
    return out


def _segments(p: np.ndarray, q: np.ndarray) -> str:
    """Return an SVG path's ``d`` drawing a segment from each row of ``p`` to the same row of ``q``."""
    return "".join(f"M{a:.1f} {b:.1f}L{c:.1f} {d:.1f}" for a, b, c, d in np.hstack([p, q]).tolist())


def _edges_path(sample: NetworkSample) -> str:
    """Return the SVG path of the sample's acquaintances (the same every week)."""
    if not sample.edges.size:
        return ""
    xy = _net_xy(sample.xy)
    return _segments(xy[sample.edges[:, 0]], xy[sample.edges[:, 1]])


def network_svg(c: Community, title: str) -> str:
    """Return the community's sampled partner network this week as HTML (title, SVG, counts).

    Colour: membership state; stars: advocates (hollow once burned out); black ring: member
    leaders; grey lines: acquaintances; blue lines: peer ties; purple squares: the vendor's
    manager posts (hollow while empty), with lines to the sampled partners they hold.
    """
    model, sample = c.model, c.sample
    people = model.people
    nodes = sample.nodes
    xy = _net_xy(sample.xy)
    state = people.state[nodes]
    e = html.escape
    parts = [f'<svg viewBox="0 0 {NET_W} {NET_H}" width="100%" role="img" aria-label="{e(title)}">']
    if c.acquaintances:
        parts.append(f'<path d="{c.acquaintances}" stroke="#bdbdbd" stroke-width="0.5" opacity="0.5" '
                     'fill="none"/>')
    ties = model.ties
    if len(ties):
        su, sv = sample.slot[ties.u], sample.slot[ties.v]
        inside = (su >= 0) & (sv >= 0)
        if inside.any():
            parts.append(f'<path d="{_segments(xy[su[inside]], xy[sv[inside]])}" stroke="{TIE_COLOUR}" '
                         'stroke-width="0.7" opacity="0.5" fill="none"/>')
    for k, s in enumerate(model.staff):
        post = np.array([[(-1.12 + 0.14 * k - NET_BOX[0]) / (NET_BOX[1] - NET_BOX[0]) * NET_W,
                          (NET_BOX[3] - 1.12) / (NET_BOX[3] - NET_BOX[2]) * NET_H]])
        if s.in_post:
            held = np.flatnonzero(people.vendor_tie[nodes] == s.slot)
            if held.size:
                parts.append(f'<path d="{_segments(np.repeat(post, held.size, axis=0), xy[held])}" '
                             f'stroke="{MANAGER_COLOUR}" stroke-width="0.4" opacity="0.3" fill="none"/>')
        fill = MANAGER_COLOUR if s.in_post else "white"
        parts.append(f'<rect x="{post[0, 0] - 5:.1f}" y="{post[0, 1] - 5:.1f}" width="10" height="10" '
                     f'fill="{fill}" stroke="{MANAGER_COLOUR}" stroke-width="1.5"/>')
        if not s.in_post and not model.closed:
            parts.append(f'<text x="{post[0, 0] + 9:.1f}" y="{post[0, 1] + 3:.1f}" font-size="9" '
                         f'fill="{MANAGER_COLOUR}">post empty</text>')
    advocate = people.is_advocate[nodes]
    leader = people.is_leader[nodes]
    tired = people.burned_out[nodes]
    for v, name in enumerate(STATE_NAMES):
        mine = (state == v) & ~advocate
        if mine.any():
            d = "".join(f"M{x - 2.6:.1f} {y:.1f}a2.6 2.6 0 1 0 5.2 0a2.6 2.6 0 1 0 -5.2 0"
                        for x, y in xy[mine].tolist())
            parts.append(f'<path class="state-{name}" d="{d}" fill="{STATE_COLOURS[name]}"/>')
    if leader.any():
        d = "".join(f"M{x - 3.6:.1f} {y:.1f}a3.6 3.6 0 1 0 7.2 0a3.6 3.6 0 1 0 -7.2 0"
                    for x, y in xy[leader & ~advocate].tolist())
        if d:
            parts.append(f'<path d="{d}" fill="none" stroke="black" stroke-width="1"/>')
    star = np.array([[math.sin(2 * math.pi * k / 10) * (6 if k % 2 == 0 else 2.5),
                      -math.cos(2 * math.pi * k / 10) * (6 if k % 2 == 0 else 2.5)] for k in range(10)])
    for i in np.flatnonzero(advocate).tolist():
        pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in (star + xy[i]).tolist())
        colour = STATE_COLOURS[STATE_NAMES[state[i]]]
        fill, edge = ("white", colour) if tired[i] else (colour, "black" if leader[i] else "#444")
        parts.append(f'<polygon points="{pts}" fill="{fill}" stroke="{edge}" stroke-width="0.8"/>')
    parts.append("</svg>")
    counts = np.bincount(state, minlength=len(STATE_NAMES))
    shown = (f"{nodes.size:,} of {sample.population:,} partners" if nodes.size < sample.population
             else f"all {sample.population:,} partners")
    caption = (f"{shown}: {counts[ACTIVE]} active, {counts[LURKING]} lurking, {counts[LAPSED]} lapsed, "
               f"{counts[AWARE]} aware, {counts[UNAWARE]} unaware")
    return (f'<figure class="simcomm-network" data-week="{model.week}"><figcaption>{e(title)}'
            f'</figcaption>{"".join(parts)}<div class="legend">{e(caption)}</div></figure>')


def network_legend_html(with_staff: bool) -> str:
    """Return the network drawings' legend as HTML: states, advocates, leaders, ties, managers."""
    items = [f'<span><span class="dot" style="background:{STATE_COLOURS[s]}"></span>{s}</span>'
             for s in ("active", "lurking", "lapsed", "aware", "unaware")]
    items += ["<span>\u2605 advocate (hollow: burned out)</span>", "<span>\u25ef leader</span>",
              f'<span style="color:{TIE_COLOUR}">\u2014 peer tie</span>']
    if with_staff:
        items.append(f'<span style="color:{MANAGER_COLOUR}">\u25a0 manager post (hollow: empty)</span>')
    return f'<div class="legend">{"".join(items)}</div>'


# ---- views (each takes the model and returns the HTML it shows) ---------------------------------
def _lines(pair: CommunityPair, key: str, what: str, dash: str = "", width: float = 1.8,
           css: str = "actual") -> list[Line]:
    return [Line(c.model.history[key], COMMUNITY_COLOURS[i], f"{what} ({c.name})", dash=dash, width=width,
                 css=css) for i, c in enumerate(pair.communities)]


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
    """Return the community's lifecycle phase now (:func:`simcomm.report.story.phases`)."""
    h = c.model.history
    if not h["stage"]:
        return "launch"
    stage, first, _last = phases(h["stage"], h["active_members"])[-1]
    return f"{stage} since week {first}" if first > 1 else stage


def status_html(pair: CommunityPair) -> str:
    """Return the status line: week of horizon, each community's active members and phase."""
    e = html.escape
    week = pair.week
    end = " (the horizon)" if pair.at_horizon else ""
    parts = [f"<b>Week {week} of {pair.horizon}{end}</b>"]
    for i, c in enumerate(pair.communities):
        h = c.model.history
        active = h["active_members"][-1] if h["active_members"] else 0
        died = f", died in week {c.model.died_week}" if c.model.died_week is not None else ""
        ghost = ""
        if c.ghost is not None and c.ghost.history["active_members"]:
            ghost = f" ({c.ghost.history['active_members'][-1]:,} had the manager stayed)"
        parts.append(f'<span style="color:{COMMUNITY_COLOURS[i]}"><b>{e(c.name)}</b></span>: '
                     f"{active:,} active{e(ghost)}, {e(phase_now(c))}{e(died)}")
    parts.append(f'<span class="quiet">seed {pair.seed} \u00b7 simcomm {e(__version__)}, '
                 f"mesa {e(mesa.__version__)}</span>")
    return " \u00b7 ".join(parts)


def event_log_html(pair: CommunityPair) -> str:
    """Return the event log of both communities, newest first, in plain language."""
    e = html.escape
    rows = sorted(((week, i, c.name, text) for i, c in enumerate(pair.communities)
                   for week, _kind, text in c.model.events), key=lambda r: (-r[0], r[1]))
    items = "".join(f'<li class="simcomm-event" style="border-left:3px solid {COMMUNITY_COLOURS[i]}">'
                    f"{e(name)} \u00b7 {e(event_line(week, text))}</li>" for week, i, name, text in
                    rows[:EVENT_LINES])
    more = (f'<p class="quiet">... {len(rows) - EVENT_LINES} earlier events</p>'
            if len(rows) > EVENT_LINES else "")
    return f"<h3>Event log, week {pair.week}</h3><ol>{items}</ol>{more}"


def overview_html(pair: CommunityPair) -> str:
    """Return the communities side by side as a table: members now and the key parameters in use."""
    header = ["", *[f"{c.name} ({SIDES[i]})" for i, c in enumerate(pair.communities)]]
    rows = [["governance", *[c.scenario.governance for c in pair.communities]]]
    for c_key, text in (("active_members", "active members now"), ("lurking_members", "lurking"),
                        ("lapsed_members", "lapsed")):
        rows.append([text, *[f"{c.model.history[c_key][-1]:,}" if c.model.history[c_key] else "-"
                             for c in pair.communities]])
    rows.append(["died", *[f"week {c.model.died_week}" if c.model.died_week is not None else "no"
                           for c in pair.communities]])
    rows.append(["managers left", *[", ".join(f"week {w}" for w in c.departures()) or "none"
                                    for c in pair.communities]])
    for key, (_slider, label, *_range) in KEY_PARAMETERS.items():
        mark = " (moved)" if key in pair.moved else ""
        rows.append([label + mark, *[f"{c.params[key]:g}" for c in pair.communities]])
    e = html.escape
    cells = "".join(f"<th>{e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{e(v)}</td>" for v in row) + "</tr>" for row in rows)
    return (f"<h3>The communities, week {pair.week}</h3><table><thead><tr>{cells}</tr></thead>"
            f"<tbody>{body}</tbody></table><p class='quiet'>Sliders start at the left scenario's values: "
            "one left untouched keeps each scenario's own value; one you move sets it for both "
            "(press Reset to apply).</p>")


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
                out[f"network{i}"] = network_svg(c, f"{c.name} ({SIDES[i]}): week {c.model.week}, "
                                                    f"{phase_now(c)}")
            else:
                out[f"network{i}"] = ("<p class='quiet'>Choose a scenario under 'Side by side with' and "
                                      "press Reset to run a second community on the same seed.</p>")
    return out


# ---- the page ------------------------------------------------------------------------------------
def dashboard_model_params(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Return the page's ``model_params`` (Mesa's form): scenario choices, seed, horizon (weeks),
    one slider per key parameter (starting at the left scenario's values, after
    ``settings['overrides']``) and fixed values."""
    names = scenario_names()
    first, other = str(settings["scenario"]), str(settings.get("compare") or NO_COMPARISON)
    choices = names + [n for n in (first, other) if n not in names and n != NO_COMPARISON]
    overrides = dict(settings.get("overrides") or {})
    start = make_params(overrides, base=load_scenario(first).overrides)
    specs = {s.name: s for s in SPECS}
    weeks = int(settings.get("weeks") or HORIZON)
    params: dict[str, Any] = {
        "scenario_name": {"type": "Select", "value": first, "values": choices,
                          "label": "Scenario (left, blue)"},
        "compare_with": {"type": "Select", "value": other, "values": [NO_COMPARISON, *choices],
                         "label": "Side by side with (right, orange)"},
        "seed": {"type": "InputText", "value": str(settings.get("seed", 0)),
                 "label": "Seed (both communities)"},
        "weeks": Slider("Weeks to run (the horizon)", value=weeks, min=min(13, weeks),
                        max=max(1040, weeks), step=1, dtype=int),
    }
    slider_start = []
    for key, (label, _short, low, high, step) in KEY_PARAMETERS.items():
        spec = specs[key]
        value = start[key]
        low = max(low, spec.low) if spec.low is not None else low
        high = min(high, spec.high) if spec.high is not None else high
        low, high = min(low, value), max(high, value)
        dtype = int if spec.kind is int else float
        params[key] = Slider(label, value=dtype(value), min=dtype(low), max=dtype(high),
                             step=dtype(step), dtype=dtype)
        slider_start.append((key, value))
    params["fixed_overrides"] = tuple(sorted(overrides.items()))
    params["slider_start"] = tuple(slider_start)
    params["network_size"] = NETWORK_SAMPLE
    return params


def start_values(model_params: Mapping[str, Any]) -> dict[str, Any]:
    """Return the keyword arguments of :class:`CommunityPair` that ``model_params`` starts with."""
    out = {}
    for key, value in model_params.items():
        if isinstance(value, Slider):
            out[key] = value.value
        elif isinstance(value, dict) and "type" in value:
            out[key] = value["value"]
        else:
            out[key] = value
    return out


def user_inputs(model_params: Mapping[str, Any]) -> dict[str, Any]:
    """Return the inputs of ``model_params`` a trainer sets (sliders, selects, text), by name."""
    return {k: v for k, v in model_params.items() if isinstance(v, Slider) or (isinstance(v, dict)
                                                                             and "type" in v)}


model_params = dashboard_model_params(dashboard_settings())

CSS = """
.simcomm-page { display: flex; align-items: flex-start; font-size: 14px; color: #222; }
.simcomm-sidebar { flex: 0 0 300px; width: 300px; position: sticky; top: 0; height: 100vh;
  overflow-y: auto; padding: 8px 12px 24px; border-right: 1px solid #e0e0e0; background: #fafafa; }
.simcomm-sidebar h2 { font-size: 15px; margin: 10px 0 6px; }
.simcomm-main { flex: 1 1 auto; min-width: 0; padding: 6px 12px 24px; }
.simcomm-title { font-size: 17px; font-weight: 600; margin: 0 0 2px; }
.simcomm-status { font-size: 13px; margin: 0 0 4px; line-height: 1.35; min-height: 36px; }
.simcomm-charts { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 14px; }
.simcomm-chart, .simcomm-network { margin: 0; }
.simcomm-chart figcaption, .simcomm-network figcaption { font-size: 13px; font-weight: 600; }
.simcomm-chart svg { display: block; max-height: 232px; }
.simcomm-chart .legend, .simcomm-network .legend, .simcomm-networks-legend .legend { font-size: 11px;
  color: #444; display: flex; flex-wrap: wrap; gap: 2px 10px; line-height: 1.3; }
.simcomm-chart .legend svg { display: inline-block; vertical-align: middle; margin-right: 3px; }
.simcomm-networks { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; margin-top: 10px; }
.simcomm-below { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; margin-top: 10px; }
.simcomm-event-log ol { list-style: none; padding: 0; margin: 0; max-height: 330px; overflow-y: auto; }
.simcomm-event-log li { padding: 1px 0 1px 6px; margin: 2px 0; font-size: 13px; }
.simcomm-main h3 { font-size: 14px; margin: 4px 0; }
.simcomm-overview table { font-size: 12px; border-spacing: 10px 2px; }
.quiet { color: #666; font-size: 12px; }
.dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%; margin-right: 3px; }
.simcomm-buttons { display: flex; gap: 6px; flex-wrap: wrap; margin: 4px 0; }
/* Vuetify puts a slider's label left of its track, so a long label left it 0 px: label above */
.simcomm-sidebar .v-input__slider .v-input__slot { flex-wrap: wrap; }
.simcomm-sidebar .v-input__slider .v-input__slot > .v-label { flex: 0 0 100%; max-width: 100%;
  white-space: normal; margin: 0 0 -4px; font-size: 13px; }
.simcomm-sidebar .v-input__slider .v-slider { flex: 1 1 100%; min-width: 160px; }
.simcomm-sidebar > *, .simcomm-sidebar .v-input { flex: 0 0 auto; }
.simcomm-sidebar .v-input { margin-top: 2px; padding-top: 2px; }
"""


def _play(pair: CommunityPair, cancel: threading.Event, tick: solara.Reactive[int],
          stopped: solara.Reactive[bool], speed: float, every: int) -> None:
    """Play: step ``every`` weeks, draw, and wait so that about ``speed`` weeks pass a second,
    until ``cancel`` is set (Pause, Reset) or the run stops (the horizon); return None."""
    period = every / max(speed, 0.1)
    while not cancel.is_set() and pair.running:
        started = time.perf_counter()
        for _ in range(every):
            pair.step()
            if not pair.running:
                break
        tick.value += 1  # redraw (synchronously: the next week waits for this one's drawing)
        rest = period - (time.perf_counter() - started)
        if rest > 0:
            cancel.wait(rest)
    if not pair.running and not cancel.is_set():  # not after a Reset: the new run is not stopped
        stopped.value = True


@solara.component
def Controls(pair: solara.Reactive[CommunityPair], inputs: solara.Reactive[dict[str, Any]],
             tick: solara.Reactive[int], ghost: solara.Reactive[bool]) -> None:
    """The sidebar: Reset, Play/Pause and Step (named buttons), the ghost switch, the play speed
    and the model's parameters (Mesa's ``UserInputs``, applied on Reset)."""
    speed = solara.use_reactive(PLAY_SPEED)
    every = solara.use_reactive(1)
    playing = solara.use_reactive(False)
    stopped = solara.use_reactive(False)  # the run reached its horizon, or every community died
    model = pair.value

    def play_loop(cancel: threading.Event) -> None:
        if playing.value:
            _play(model, cancel, tick, stopped, float(speed.value), int(every.value))
            playing.value = False

    solara.use_thread(play_loop, dependencies=[playing.value, model], intrusive_cancel=False)

    def reset() -> None:
        playing.value = False
        pair.value = CommunityPair(**{**start_values(model_params), **inputs.value}, ghost=ghost.value)
        stopped.value = False
        tick.value += 1

    def step() -> None:
        model.step()
        tick.value += 1
        if not model.running:
            stopped.value = True

    def toggle_ghost(on: bool) -> None:
        ghost.value = on
        model.show_ghost(on)
        tick.value += 1

    def change(name: str, value: Any) -> None:
        inputs.value = {**inputs.value, name: value}

    can_run = not stopped.value
    with solara.Column(classes=["simcomm-sidebar"], gap="0px"):
        solara.HTML(tag="h2", unsafe_innerHTML="Run")
        with solara.Row(classes=["simcomm-buttons"], gap="6px"):
            solara.Button("Reset", icon_name="mdi-restore", on_click=reset, color="primary", outlined=True)
            if playing.value:
                solara.Button("Pause", icon_name="mdi-pause", on_click=lambda: playing.set(False),
                              color="primary")
            else:
                solara.Button("Play", icon_name="mdi-play", on_click=lambda: playing.set(True),
                              color="primary", disabled=not can_run)
            solara.Button("Step", icon_name="mdi-skip-next", on_click=step, color="primary",
                          disabled=playing.value or not can_run)
        solara.Switch(label="What if the manager had stayed? (ghost line)", value=ghost.value,
                      on_value=toggle_ghost)
        solara.SliderInt(f"Play speed: {speed.value} weeks per second", value=speed, min=1, max=20, step=1)
        solara.SliderInt(f"While playing, draw every {every.value} week{'s' if every.value > 1 else ''}",
                         value=every, min=1, max=13, step=1)
        solara.HTML(tag="h2", unsafe_innerHTML="Communities (press Reset to apply)")
        UserInputs(user_inputs(model_params), on_change=change)


@solara.component
def Views(pair: CommunityPair, tick: solara.Reactive[int]) -> None:
    """The main area: the status line and four charts (above the fold at 1280x720), then the
    two networks, the event log and the communities' parameters; redrawn every week."""
    tick.value  # noqa: B018 (re-render every week)
    v = views(pair)
    with solara.Column(classes=["simcomm-main"], gap="0px"):
        solara.HTML(tag="div", unsafe_innerHTML="simcomm: the trainer's dashboard",
                    classes=["simcomm-title"])
        solara.HTML(tag="div", unsafe_innerHTML=v["status"], classes=["simcomm-status"])
        for problem in pair.problems:
            solara.Error(problem)
        with solara.Div(classes=["simcomm-charts"]):
            for key in ("active", "lapsed", "activity", "commitment"):
                solara.HTML(tag="div", unsafe_innerHTML=v[key])
        with solara.Div(classes=["simcomm-networks"]):
            solara.HTML(tag="div", unsafe_innerHTML=v["network0"], classes=["simcomm-network-0"])
            solara.HTML(tag="div", unsafe_innerHTML=v["network1"], classes=["simcomm-network-1"])
        solara.HTML(tag="div", unsafe_innerHTML=network_legend_html(any(c.model.staff for c in
                                                                        pair.communities)),
                    classes=["simcomm-networks-legend"])
        with solara.Div(classes=["simcomm-below"]):
            solara.HTML(tag="div", unsafe_innerHTML=v["log"], classes=["simcomm-event-log"])
            solara.HTML(tag="div", unsafe_innerHTML=v["overview"], classes=["simcomm-overview"])


@solara.component
def Page() -> None:
    """The dashboard page; each browser tab gets its own pair of communities."""
    first = solara.use_memo(lambda: CommunityPair(**start_values(model_params)), [])
    pair = solara.use_reactive(first)
    inputs = solara.use_reactive({})
    tick = solara.use_reactive(0)
    ghost = solara.use_reactive(False)
    solara.Title("simcomm: the trainer's dashboard")
    solara.Style(CSS)
    with solara.Row(classes=["simcomm-page"], gap="0px"):
        Controls(pair, inputs, tick, ghost)
        Views(pair.value, tick)


__all__ = ["CommunityPair", "Controls", "Line", "Page", "Views", "active_chart", "activity_chart",
           "chart_svg", "commitment_chart", "lapsed_chart", "model_params", "network_svg", "views"]

"""The dashboard's drawings: line charts and the partner network as SVG (strings).

A week's drawings of two communities take a few milliseconds; the page updates them in place
(:mod:`simcomm.ui.app`). The network is the sample and the colours the story uses too
(:mod:`simcomm.report.network`).
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simcomm.agents.partner import STATE_NAMES
from simcomm.core.membership import ACTIVE, AWARE, LAPSED, LURKING, UNAWARE
from simcomm.core.model import CommunityModel
from simcomm.report.network import MANAGER_COLOUR, STATE_COLOURS, TIE_COLOUR, NetworkSample


@dataclass(frozen=True)
class Line:
    """One line of a chart: y values at weeks start+1..start+len(y), colour, dash pattern (""
    solid), width (px), opacity (0-1), legend label, CSS class, the week before its first value
    (``start``: 0 for a community's own weeks; its founding week in a channel) and whether the
    legend names it (``legend``)."""

    y: Sequence[float]
    colour: str
    label: str
    dash: str = ""
    width: float = 1.8
    opacity: float = 1.0
    css: str = "actual"
    start: int = 0
    legend: bool = True


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
        xs = x0 + (x1 - x0) * (ln.start + np.arange(1, ys.size + 1)) / xtop
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
    for ln in (ln for ln in lines if ln.legend):
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


def bars_svg(title: str, bars: Sequence[tuple[str, float, str]], css: str, unit: str, week: int = 0,
             note: str = "") -> str:
    """Return a horizontal bar chart as HTML (a figure with its title, an SVG and a note), one
    bar per (label, value, colour), in the order given; ``unit``: what the values count;
    ``week``: the week drawn (the figure's ``data-week``)."""
    e = html.escape
    rows = max(len(bars), 1)
    label_w, x1, y0 = 150, CHART_W - 44, PAD_T
    band = (CHART_H - PAD_T - 8) / max(rows, 6)
    top = nice_top(max([1.0, *(v for _l, v, _c in bars)]))[0]
    parts = [f'<svg viewBox="0 0 {CHART_W} {CHART_H}" width="100%" role="img" aria-label="{e(title)}" '
             'preserveAspectRatio="xMidYMid meet">']
    for k, (label, value, colour) in enumerate(bars):
        y = y0 + k * band
        width = (x1 - label_w) * max(value, 0.0) / top
        parts.append(f'<text x="{label_w - 6}" y="{y + band * 0.62:.1f}" text-anchor="end" font-size="10" '
                     f'fill="#333">{e(label[:26])}</text>'
                     f'<rect class="bar" x="{label_w}" y="{y + band * 0.15:.1f}" width="{width:.1f}" '
                     f'height="{band * 0.7:.1f}" fill="{colour}"><title>{e(label)}: {_number(value)} '
                     f'{e(unit)}</title></rect><text x="{label_w + width + 4:.1f}" y="{y + band * 0.62:.1f}" '
                     f'font-size="10" fill="#555">{_number(value)}</text>')
    if not bars:
        parts.append(f'<text x="{CHART_W / 2}" y="{CHART_H / 2}" text-anchor="middle" font-size="12" '
                     'fill="#777">no community alive</text>')
    parts.append("</svg>")
    legend = f'<div class="legend"><span class="note">{e(note)}</span></div>' if note else ""
    return (f'<figure class="simcomm-chart {css}" data-week="{week}"><figcaption>{e(title)}</figcaption>'
            f'{"".join(parts)}{legend}</figure>')


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



def edges_path(sample: NetworkSample) -> str:
    """Return the SVG path of the sample's acquaintances (the same every week)."""
    if not sample.edges.size:
        return ""
    xy = _net_xy(sample.xy)
    return _segments(xy[sample.edges[:, 0]], xy[sample.edges[:, 1]])


def network_svg(model: CommunityModel, sample: NetworkSample, acquaintances: str, title: str) -> str:
    """Return the community's sampled partner network this week as HTML (title, SVG, counts).

    ``sample``: the partners drawn and where (:func:`simcomm.report.network.sample_network`);
    ``acquaintances``: their acquaintances as an SVG path (:func:`edges_path`, drawn once).
    Colour: membership state; stars: advocates (hollow once burned out); black ring: member
    leaders; grey lines: acquaintances; blue lines: peer ties; purple squares: the vendor's
    manager posts (hollow while empty), with lines to the sampled partners they hold.
    """
    people = model.people
    nodes = sample.nodes
    xy = _net_xy(sample.xy)
    state = people.state[nodes]
    e = html.escape
    parts = [f'<svg viewBox="0 0 {NET_W} {NET_H}" width="100%" role="img" aria-label="{e(title)}">']
    if acquaintances:
        parts.append(f'<path d="{acquaintances}" stroke="#bdbdbd" stroke-width="0.5" opacity="0.5" '
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


"""A training session's story of one community (``simcomm story``), and the partner network drawing
that the story and the trainer's dashboard (:mod:`simcomm.ui.app`) share.

:func:`tell_story` runs a scenario with :func:`simcomm.runs.sim.run` (so its figures are those of
``simcomm run`` for the same scenario, seed and overrides) and replays the same seed once more to
draw the partner network every few weeks. :func:`write_story` writes ``story.html``, a page that
opens from disk with no server and no network (the timeline PNG and the network GIF are embedded
as data URIs; the parameters, seed and versions are shown and embedded as JSON), next to
``timeline.png``, ``network.gif`` and ``story.json``, all through
:func:`simcomm.report.outputs.staged_output`.

The network is a fixed sample of at most :data:`NETWORK_SAMPLE` partners, drawn where a layout
computed once placed them: the launch members, the partners nearest to them in the acquaintance
graph (word of mouth reaches them first) and a random draw from the rest of the channel. The
sample uses its own random generator, so drawing never changes a run.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from simcomm.core.model import CommunityModel
from simcomm.core.population import ACTIVE, AWARE, LAPSED, LURKING, STATE_NAMES, UNAWARE
from simcomm.core.scenario import Scenario
from simcomm.report.text import HEADLINE_TEXT, format_value
from simcomm.runs.library import load_scenario
from simcomm.runs.sim import Result, run

NETWORK_SAMPLE = 300  # partners drawn at most, whatever the population
STATE_COLOURS: dict[str, str] = {
    "unaware": "#d9d9d9", "aware": "#9ecae1", "active": "#2ca02c", "lurking": "#ff7f0e",
    "lapsed": "#d62728",
}
MANAGER_COLOUR = "#6a3d9a"
TIE_COLOUR = "#3182bd"
# Which events the timeline numbers first when there are too many to annotate them all.
EVENT_PRIORITY: tuple[str, ...] = (
    "death", "funding_withdrawn", "budget_cut", "staff_left", "staff_joined", "council_opened",
    "launch", "leader_emerged", "leader_burnout", "advocate_burnout",
)
MAX_ANNOTATED = 12


# ---- the partner network ----------------------------------------------------------------------
@dataclass(frozen=True)
class NetworkSample:
    """Which partners the network drawing shows and where.

    ``nodes``: partner indices (ascending); ``xy``: their positions (one row each, within about
    [-1, 1]); ``edges``: acquaintance pairs among them, as positions into ``nodes``;
    ``slot``: for every partner of the population, its position in ``nodes`` or -1;
    ``population``: partners in the channel.
    """

    nodes: np.ndarray
    xy: np.ndarray
    edges: np.ndarray
    slot: np.ndarray
    population: int


def sample_network(model: CommunityModel, size: int = NETWORK_SAMPLE) -> NetworkSample:
    """Return a fixed sample of at most ``size`` partners of ``model`` and a layout for it.

    The sample holds today's members (at launch: the founders and seeded advocates), then the
    partners nearest to them in the acquaintance graph, up to half of ``size``, then a random
    draw from everyone else. A layout is computed once (networkx spring layout, seeded, on at
    most ``size`` nodes). Uses a generator of its own: ``model.rng`` is not touched.
    """
    import networkx as nx

    n = model.people.n
    size = max(1, int(size))
    pick = np.random.default_rng([int(model.seed), 20_250_611])
    if n <= size:
        nodes = np.arange(n)
    else:
        members = model.people.members()
        chosen = list(pick.permutation(members)[:size])
        seen = np.zeros(n, dtype=bool)
        seen[chosen] = True
        frontier = np.asarray(chosen, dtype=np.int64)
        graph = model.graph
        near = size // 2
        while len(chosen) < near and frontier.size:
            start, stop = graph.indptr[frontier], graph.indptr[frontier + 1]
            reach = np.unique(np.concatenate([graph.indices[a:b] for a, b in zip(start, stop, strict=True)]))
            reach = reach[~seen[reach]]
            reach = pick.permutation(reach)[:near - len(chosen)]
            seen[reach] = True
            chosen.extend(reach.tolist())
            frontier = reach
        rest = np.flatnonzero(~seen)
        chosen.extend(pick.choice(rest, size=min(rest.size, size - len(chosen)), replace=False).tolist())
        nodes = np.sort(np.asarray(chosen, dtype=np.int64))
    slot = np.full(n, -1, dtype=np.int32)
    slot[nodes] = np.arange(nodes.size, dtype=np.int32)
    sub = model.graph[nodes][:, nodes].tocoo()
    keep = sub.row < sub.col
    edges = np.column_stack([sub.row[keep], sub.col[keep]]).astype(np.int32)
    g = nx.Graph()
    g.add_nodes_from(range(nodes.size))
    g.add_edges_from(edges.tolist())
    layout = nx.spring_layout(g, seed=int(model.seed) % 2**32, iterations=60,
                              k=1.6 / math.sqrt(max(nodes.size, 1)))
    xy = np.array([layout[i] for i in range(nodes.size)], dtype=float).reshape(-1, 2)
    if nodes.size > 1:
        xy -= xy.mean(axis=0)
        xy /= max(np.abs(xy).max(), 1e-9)
    return NetworkSample(nodes, xy, edges, slot, n)


def draw_network(ax: Any, model: CommunityModel, sample: NetworkSample, title: str = "") -> None:
    """Draw the sampled partners of ``model`` on ``ax`` as they are this week; return None.

    Colour: membership state. Stars: advocates (hollow once burned out); black ring: member
    leaders. Faint grey lines: acquaintances; blue lines: peer ties formed in the community.
    Purple squares: the vendor's manager posts (hollow while empty), with thin purple lines to the
    sampled partners who hold a relationship with that post.
    """
    people = model.people
    nodes, xy = sample.nodes, sample.xy
    state = people.state[nodes]
    if sample.edges.size:
        ax.add_collection(LineCollection(xy[sample.edges], colors="#bdbdbd", linewidths=0.4,
                                         alpha=0.5, zorder=1))
    ties = model.ties
    if len(ties):
        su, sv = sample.slot[ties.u], sample.slot[ties.v]
        inside = (su >= 0) & (sv >= 0)
        if inside.any():
            seg = np.stack([xy[su[inside]], xy[sv[inside]]], axis=1)
            ax.add_collection(LineCollection(seg, colors=TIE_COLOUR, linewidths=0.6, alpha=0.45, zorder=2))
    for k, s in enumerate(model.staff):
        post = np.array([-1.12 + 0.14 * k, 1.12])
        held = np.flatnonzero(people.vendor_tie[nodes] == s.slot) if s.in_post else np.empty(0, int)
        if held.size:
            seg = np.stack([np.broadcast_to(post, (held.size, 2)), xy[held]], axis=1)
            ax.add_collection(LineCollection(seg, colors=MANAGER_COLOUR, linewidths=0.3, alpha=0.25,
                                             zorder=1.5))
        ax.scatter(*post, s=110, marker="s", zorder=5, linewidths=1.5, edgecolors=MANAGER_COLOUR,
                   facecolors=MANAGER_COLOUR if s.in_post else "white")
        if not s.in_post and not model.closed:
            ax.annotate("post empty", post, xytext=(8, -3), textcoords="offset points", fontsize=7,
                        color=MANAGER_COLOUR)
    colours = np.array([STATE_COLOURS[STATE_NAMES[v]] for v in range(len(STATE_NAMES))])[state]
    advocate = people.is_advocate[nodes]
    leader = people.is_leader[nodes]
    plain = ~advocate
    ax.scatter(xy[plain, 0], xy[plain, 1], s=16, c=colours[plain], zorder=3,
               edgecolors=np.where(leader[plain], "black", "none"), linewidths=1.0)
    if advocate.any():
        tired = people.burned_out[nodes] & advocate
        fresh = advocate & ~tired
        ax.scatter(xy[fresh, 0], xy[fresh, 1], s=70, marker="*", c=colours[fresh], zorder=4,
                   edgecolors=np.where(leader[fresh], "black", "#444444"), linewidths=0.6)
        ax.scatter(xy[tired, 0], xy[tired, 1], s=70, marker="*", facecolors="white", zorder=4,
                   edgecolors=colours[tired], linewidths=1.0)
    ax.set_xlim(-1.2, 1.2)
    ax.set_ylim(-1.15, 1.22)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    counts = np.bincount(state, minlength=len(STATE_NAMES))
    shown = f"{nodes.size:,} of {sample.population:,} partners" if nodes.size < sample.population \
        else f"all {sample.population:,} partners"
    ax.set_title(title or f"week {model.week}", fontsize=10)
    ax.text(0.5, -0.01, f"{shown}: {counts[ACTIVE]} active, {counts[LURKING]} lurking, "
            f"{counts[LAPSED]} lapsed, {counts[AWARE]} aware, {counts[UNAWARE]} unaware",
            transform=ax.transAxes, ha="center", va="top", fontsize=7, color="#444444")
    ax.legend(handles=network_legend(bool(model.staff)), loc="center left", fontsize=7, frameon=False,
              handletextpad=0.3, borderaxespad=0.0, bbox_to_anchor=(1.0, 0.5))


def network_legend(with_staff: bool) -> list[Line2D]:
    """Return legend handles for :func:`draw_network`: states, advocates, leaders, ties, managers."""
    handles = [Line2D([], [], marker="o", linestyle="", markersize=5, color=STATE_COLOURS[s], label=s)
               for s in ("active", "lurking", "lapsed", "aware", "unaware")]
    handles.append(Line2D([], [], marker="*", linestyle="", markersize=8, color="#777777",
                          label="advocate"))
    handles.append(Line2D([], [], marker="o", linestyle="", markersize=5, color="white",
                          markeredgecolor="black", label="leader"))
    handles.append(Line2D([], [], color=TIE_COLOUR, label="peer tie"))
    if with_staff:
        handles.append(Line2D([], [], marker="s", linestyle="", markersize=6, color=MANAGER_COLOUR,
                              label="manager post"))
    return handles


def _figure(width: float, height: float, dpi: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def network_frame(model: CommunityModel, sample: NetworkSample, title: str, dpi: int = 80) -> Any:
    """Return the network as it is this week as a PIL image (RGB, 7 x 5.2 inches at ``dpi``)."""
    from PIL import Image

    fig = _figure(7.0, 5.2, dpi)
    draw_network(fig.add_subplot(), model, sample, title)
    canvas = fig.canvas
    canvas.draw()
    return Image.fromarray(np.asarray(canvas.buffer_rgba())[..., :3].copy())


def _gif_palette() -> list[int]:
    """Return one GIF palette (flat RGB list) for every frame: the drawing's colours, each blended
    with white in four steps (anti-aliasing, transparency), and a grey ramp. A fixed palette keeps
    every state's colour in every frame and the GIF small."""
    from matplotlib.colors import to_rgb

    keys = [*STATE_COLOURS.values(), MANAGER_COLOUR, TIE_COLOUR, "#444444", "#bdbdbd", "#000000"]
    colours = []
    for key in keys:
        rgb = np.array(to_rgb(key))
        for t in (0.0, 0.3, 0.55, 0.8):
            colours.append(rgb * (1 - t) + t)
    colours += [np.full(3, g) for g in np.linspace(0.0, 1.0, 17)]
    flat = np.clip(np.round(np.array(colours) * 255), 0, 255).astype(int).ravel().tolist()
    return flat + [255] * (768 - len(flat))


def gif_bytes(frames: Sequence[Any], frame_ms: int = 220, hold_ms: int = 2500) -> bytes:
    """Return an animated GIF (loops forever) of PIL ``frames``; the last frame is held longer."""
    from PIL import Image

    palette = Image.new("P", (1, 1))
    palette.putpalette(_gif_palette())
    quantized = [f.quantize(palette=palette, dither=Image.Dither.NONE) for f in frames]
    durations = [frame_ms] * (len(quantized) - 1) + [hold_ms]
    buf = io.BytesIO()
    quantized[0].save(buf, format="GIF", save_all=True, append_images=quantized[1:], loop=0,
                      duration=durations, optimize=False, disposal=1)
    return buf.getvalue()


# ---- the story --------------------------------------------------------------------------------
@dataclass
class Story:
    """What a story page shows: the run, the scenario it illustrates and the network frames.

    ``result`` is the :class:`~simcomm.runs.sim.Result` of the run; ``frames`` PIL images of the
    network at ``frame_weeks``; ``seconds`` the time taken to tell it.
    """

    scenario: Scenario
    result: Result
    overrides: dict[str, Any]
    frames: list[Any] = field(default_factory=list)
    frame_weeks: list[int] = field(default_factory=list)
    network_size: int = NETWORK_SAMPLE
    seconds: float = 0.0


def event_line(week: int, text: str) -> str:
    """Return an event as the trainer reads it: ``week 41: the community manager left; ...``."""
    return f"week {int(week)}: {text}"


def tell_story(scenario: str | Scenario, *, weeks: int = 260, seed: int = 0,
               overrides: Mapping[str, Any] | None = None, frames: int = 40,
               network_size: int = NETWORK_SAMPLE) -> Story:
    """Run ``scenario`` and draw its partner network every few weeks; return the :class:`Story`.

    The figures come from :func:`simcomm.runs.sim.run` (those of ``simcomm run`` for the same
    arguments); the network frames replay the same seed, week 0 and then ``frames`` evenly
    spaced weeks up to the last. Raises ParameterError on bad input, like ``run``.
    """
    from simcomm.core.params import make_params

    started = time.perf_counter()
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    overrides = dict(overrides or {})
    result = run(sc, weeks=weeks, seed=seed, overrides=overrides)
    model = CommunityModel(make_params(overrides, base=sc.overrides), seed=result.seed)
    sample = sample_network(model, network_size)
    frames = max(1, min(int(frames), result.weeks))
    wanted = {max(1, round(k * result.weeks / frames)) for k in range(1, frames + 1)}
    story = Story(sc, result, overrides, network_size=network_size)
    stages = list(result.timeseries["stage"]) if "stage" in result.timeseries else []

    def snap() -> None:
        stage = f", {stages[model.week - 1]}" if model.week and stages else ", launch"
        title = f"{sc.name}: week {model.week}{stage}"
        story.frames.append(network_frame(model, sample, title))
        story.frame_weeks.append(model.week)

    snap()
    for _ in range(result.weeks):
        model.step()
        if model.week in wanted:
            snap()
    replay = model.history["active_members"]
    if list(replay) != result.timeseries["active_members"].tolist():
        raise RuntimeError("the network replay differs from the run: the model is not reproducible")
    story.seconds = time.perf_counter() - started
    return story


def annotated_events(events: Any, limit: int = MAX_ANNOTATED) -> list[tuple[int, int, str, str]]:
    """Return the events the timeline numbers: (number, week, kind, text), in week order.

    At most ``limit``, chosen by :data:`EVENT_PRIORITY` (a closure before a burnout), then by week.
    """
    rank = {k: i for i, k in enumerate(EVENT_PRIORITY)}
    rows = [(int(r.week), str(r.kind), str(r.text)) for r in events.itertuples()]
    order = sorted(range(len(rows)), key=lambda i: (rank.get(rows[i][1], len(rank)), rows[i][0], i))
    keep = sorted(order[:limit])
    return [(k + 1, *rows[i]) for k, i in enumerate(keep)]


def timeline_figure(story: Story) -> Figure:
    """Return the timeline: members by state with the lifecycle stages shaded and the numbered
    events marked (top); posts, answers and mean commitment per week (bottom)."""
    from simcomm.report.plots import shade_stages

    r = story.result
    ts = r.timeseries
    weeks = ts["week"].to_numpy()
    fig = _figure(10.0, 6.4, 110)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    stage_handles = shade_stages(top, weeks, list(ts["stage"])) if "stage" in ts else []
    for column, state in (("active_members", "active"), ("lurking_members", "lurking"),
                          ("lapsed_members", "lapsed")):
        top.plot(weeks, ts[column], color=STATE_COLOURS[state], linewidth=1.8, label=f"{state} members")
    marks = annotated_events(r.events)
    peak = max(float(ts[["active_members", "lurking_members", "lapsed_members"]].to_numpy().max()), 1.0)
    top.set_ylim(0, peak * 1.32)
    for k, (number, week, _kind, _text) in enumerate(marks):
        top.axvline(week, color="#555555", linestyle=":", linewidth=0.9, zorder=1)
        top.annotate(str(number), (week, peak * (1.27 - 0.07 * (k % 3))), ha="center", va="center",
                     fontsize=8, fontweight="bold",
                     bbox={"boxstyle": "circle,pad=0.25", "facecolor": "white", "edgecolor": "#555555"})
    lines, _ = top.get_legend_handles_labels()
    top.legend(handles=[*lines, *stage_handles], loc="upper left", bbox_to_anchor=(1.01, 1.0),
               frameon=False, fontsize=8, title="members / lifecycle stage", title_fontsize=8)
    top.set_ylabel("members (count)")
    top.grid(alpha=0.3)
    partners = r.metadata.get("params", {}).get("partners")
    fig.suptitle(story.scenario.title or r.scenario, fontsize=12)
    top.set_title(f"{r.scenario}: seed {r.seed}, {partners:,} partners, {r.weeks} weeks; "
                  "numbered lines: the events listed below", fontsize=9)
    bottom.plot(weeks, ts["posts"], color="tab:blue", linewidth=1.2, label="posts")
    bottom.plot(weeks, ts["answers"], color="tab:purple", linewidth=1.2, label="answers")
    bottom.set_ylabel("messages per week")
    bottom.set_xlabel("week")
    bottom.set_ylim(bottom=0)
    bottom.grid(alpha=0.3)
    right = bottom.twinx()
    right.plot(weeks, ts["mean_commitment"], color="black", linewidth=1.2, linestyle="--",
               label="mean commitment (right axis)")
    right.set_ylim(0, 1)
    right.set_ylabel("mean commitment (0-1)")
    handles = bottom.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    bottom.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.08, 1.0), frameon=False, fontsize=8)
    bottom.set_xlim(weeks.min() - 0.5, weeks.max() + 0.5)
    return fig


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def story_metadata(story: Story) -> dict[str, Any]:
    """Return what the story records to be reproduced: scenario, seed, weeks, overrides, every
    parameter, simcomm and mesa versions, the network sample size and the frame weeks."""
    meta = dict(story.result.metadata)
    meta.update({"scenario_title": story.scenario.title, "network_sample": story.network_size,
                 "frame_weeks": list(story.frame_weeks)})
    return meta


def reproduce_command(story: Story) -> str:
    """Return the ``simcomm story`` command line that makes this story again."""
    r = story.result
    sets = "".join(f" --set {k}={v}" for k, v in story.overrides.items())
    from simcomm.runs.library import is_library_file

    path = story.scenario.path
    name = path if path and not is_library_file(path) else r.scenario
    return f"simcomm story {name} --seed {r.seed} --weeks {r.weeks}{sets}"


def _headline_rows(summary: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(text, format_value(summary.get(key), unit)) for key, (text, unit) in HEADLINE_TEXT.items()]


TIMELINE_ALT = ("members by state per week, lifecycle stages shaded, events numbered; posts, answers "
                "and mean commitment below")
NETWORK_ALT = "the partner network over time, coloured by membership state"
CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 0;
       color: #222; background: #fafafa; line-height: 1.45; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 48px; background: white; }
h1 { font-size: 1.7em; margin: 0 0 4px; } h2 { font-size: 1.2em; margin: 28px 0 8px;
     border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.meta { color: #555; font-size: 0.9em; margin: 0 0 16px; }
blockquote { margin: 12px 0; padding: 8px 16px; border-left: 4px solid #6a3d9a; background: #f4f0f8;
             font-style: italic; } blockquote footer { font-style: normal; color: #555; font-size: 0.85em; }
table { border-collapse: collapse; font-size: 0.92em; } td, th { padding: 3px 12px 3px 0; text-align: left; }
td.v { text-align: right; font-variant-numeric: tabular-nums; font-weight: 600; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
ol.events li.numbered { font-weight: 600; } ol.events { padding-left: 0; list-style: none; }
ol.events span.n { display: inline-block; min-width: 1.6em; color: #555; }
.columns { display: flex; gap: 24px; flex-wrap: wrap; align-items: flex-start; }
.columns > div { flex: 1 1 420px; }
code { background: #f2f2f2; padding: 1px 4px; border-radius: 3px; }
details { margin-top: 8px; } .set { color: #6a3d9a; font-weight: 600; }
"""


def story_html(story: Story, timeline_png: bytes, network_gif: bytes) -> str:
    """Return the story page: self-contained HTML (images as data URIs, no external reference)."""
    from simcomm.core.version import __version__

    r, sc = story.result, story.scenario
    e = html.escape
    meta = story_metadata(story)
    params = meta.get("params", {})
    numbered = {(week, text): number for number, week, _kind, text in annotated_events(r.events)}
    events = []
    for row in r.events.itertuples():
        number = numbered.get((int(row.week), str(row.text)))
        mark = f"<span class='n'>{number}</span>" if number else "<span class='n'></span>"
        cls = " class='numbered'" if number else ""
        events.append(f"<li{cls}>{mark}{e(event_line(row.week, str(row.text)))}</li>")
    headline = "".join(f"<tr><td>{e(t)}</td><td class='v'>{e(v)}</td></tr>"
                       for t, v in _headline_rows(r.summary))
    set_here = set(sc.overrides) | set(story.overrides)
    param_rows = "".join(
        f"<tr><td{' class=set' if k in set_here else ''}>{e(k)}</td><td class='v'>{e(str(v))}</td></tr>"
        for k, v in params.items())
    quote = ""
    if sc.seed_quote:
        quote = (f"<blockquote>&ldquo;{e(sc.seed_quote)}&rdquo;<footer>seed essay "
                 f"{e(sc.seed_file)}</footer></blockquote>")
    died = r.summary.get("died_week")
    fate = f"The community died in week {died}." if died is not None else \
        f"The community was still alive after {r.weeks} weeks."
    meta_json = json.dumps(_plain(meta), ensure_ascii=False, sort_keys=True).replace("</", "<\\/")
    timeline_uri = "data:image/png;base64," + base64.b64encode(timeline_png).decode("ascii")
    gif_uri = "data:image/gif;base64," + base64.b64encode(network_gif).decode("ascii")
    weeks_shown = story.frame_weeks
    frame_note = (f"{len(weeks_shown)} frames, weeks {weeks_shown[0]} to {weeks_shown[-1]}"
                  if weeks_shown else "no frames")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="simcomm {e(__version__)}">
<title>{e(sc.title or r.scenario)}: a simcomm story</title>
<style>{CSS}</style>
</head>
<body>
<main>
<h1>{e(sc.title or r.scenario)}</h1>
<p class="meta">scenario <b>{e(r.scenario)}</b> ({e(sc.governance)}) &middot; seed {r.seed} &middot;
{r.weeks} weeks &middot; {params.get('partners', 0):,} partners &middot;
simcomm {e(str(meta.get('simcomm_version')))} &middot; mesa {e(str(meta.get('mesa_version')))}</p>
<p>{e(sc.story)}</p>
{quote}
<h2>What happened</h2>
<div class="columns">
<div><table>{headline}</table><p>{e(fate)}</p></div>
<div><p>One run of the model, week by week: a single seeded story, not an average. Compare
scenarios over many seeds with <code>simcomm compare</code>.</p></div>
</div>
<h2>Timeline</h2>
<img id="timeline" src="{timeline_uri}" alt="{e(TIMELINE_ALT)}">
<ol class="events">
{''.join(events)}
</ol>
<h2>The partner network</h2>
<div class="columns">
<div><img id="network" src="{gif_uri}" alt="{e(NETWORK_ALT)}"></div>
<div><p>A sample of {min(story.network_size, int(params.get('partners', 0))):,} partners of
{params.get('partners', 0):,}: the launch members, the partners nearest to them among their
acquaintances, and a random draw from the rest of the channel ({e(frame_note)}).</p>
<p>Colour: membership state. Stars: advocates (hollow once burned out). Black ring: a member
leader. Grey lines: acquaintances; blue lines: peer ties formed in the community. Purple squares:
the vendor's manager posts (hollow while the post is empty), with lines to the partners who hold a
relationship with that manager.</p></div>
</div>
<h2>Parameters</h2>
<p>Made with <code>{e(reproduce_command(story))}</code> (simcomm {e(__version__)}).
Parameters set by the scenario or on the command line are <span class="set">coloured</span>.</p>
<details><summary>every parameter</summary><table>{param_rows}</table></details>
</main>
<script type="application/json" id="simcomm-metadata">{meta_json}</script>
</body>
</html>
"""


def _plain(obj: Any) -> Any:
    from simcomm.runs.files import to_jsonable

    return to_jsonable(obj)


def write_story(story: Story, out_dir: Path) -> list[Path]:
    """Write the story into ``out_dir``; return the paths written (in out_dir).

    ``story.html`` (self-contained), ``timeline.png``, ``network.gif`` and ``story.json``
    (summary, events and metadata: parameters, seed, versions). Everything is staged and moved
    into place only when complete (:func:`simcomm.report.outputs.staged_output`); on failure ``out_dir``
    is left as it was and OutputError (one line, naming the path and the reason) is raised.
    """
    from simcomm.runs.files import staged_output, to_jsonable, writing_into

    out_dir = Path(out_dir).expanduser().absolute()
    timeline = _png(timeline_figure(story))
    gif = gif_bytes(story.frames)
    page = story_html(story, timeline, gif)
    names = ("story.html", "timeline.png", "network.gif", "story.json")
    with staged_output(out_dir) as stage, writing_into(out_dir):
        (stage / "timeline.png").write_bytes(timeline)
        (stage / "network.gif").write_bytes(gif)
        (stage / "story.html").write_text(page, encoding="utf-8")
        payload = {"scenario": story.result.scenario, "title": story.scenario.title,
                   "summary": story.result.summary, "metadata": story_metadata(story),
                   "events": story.result.events.to_dict(orient="records")}
        (stage / "story.json").write_text(json.dumps(to_jsonable(payload), indent=2, allow_nan=False,
                                                     ensure_ascii=False) + "\n", encoding="utf-8")
    return [out_dir / name for name in names]

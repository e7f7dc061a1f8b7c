"""A training session's story (``simcomm story``): one scenario told beside another, and what the
story and the trainer's dashboard (:mod:`simcomm.ui.app`) share: the partner network sample and
the lifecycle phases.

:func:`tell_story` runs a scenario with :func:`simcomm.runs.sim.run` (so its figures are those of
``simcomm run`` for the same scenario, seed and overrides) and replays the same seed once more to
draw the partner network every few weeks; when a manager left, it runs the "manager stayed" twin
(the same seed with ``Counterfactual(keep_all_managers=True)``); it explains the run's largest
causes in sentences (:func:`top_causes`: the replays of ``simcomm explain`` on this one seed);
and it tells the scenario to compare with (organic by default) the same way. The weekly stages
of the model flicker, so the story speaks of phases (:func:`phases`): spells of at least a
quarter, named by what active members did over them. :func:`write_story` writes ``story.html``,
a page that opens from disk with no server and no network (the timeline PNG and the network
GIFs are embedded as data URIs; the parameters, seed and versions are shown and embedded as
JSON), next to ``timeline.png``, ``network.gif``, ``network-compare.gif`` and ``story.json``,
all through :func:`simcomm.runs.files.staged_output`.

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
MIN_PHASE_WEEKS = 13  # a lifecycle phase lasts at least a quarter; shorter spells are noise
PHASE_CHANGE = 0.10  # a phase is growth (decline) when active members rose (fell) more than this a year


# ---- lifecycle phases ----------------------------------------------------------------------------
def phases(stages: Sequence[str], active: Sequence[int] | None = None,
           min_weeks: int = MIN_PHASE_WEEKS) -> list[tuple[str, int, int]]:
    """Return the lifecycle as phases: (stage, first week, last week), weeks numbered from 1.

    The model reports a stage every week (:func:`simcomm.core.metrics.lifecycle_stage`: growth
    or decline when active members changed by more than 5% over 8 weeks), which flickers from
    week to week around a plateau. A phase is a spell of one stage lasting at least
    ``min_weeks`` weeks: consecutive shorter spells that last ``min_weeks`` in all are one
    phase, named by their commonest stage; a short spell left is absorbed into a neighbour
    (the one with the same stage on both sides, else the longer one; the last spell into the
    one before it, so a phase is named once it has lasted ``min_weeks``). ``death`` is never
    absorbed. A run shorter than ``min_weeks`` is one phase, its most frequent stage.

    With ``active`` (active members each week, aligned with ``stages``) a phase of growth,
    maturity or decline is then named by what it did: growth when active members rose by more
    than :data:`PHASE_CHANGE` a year (compounded, from the week before it to its last week),
    decline when they fell by more, maturity otherwise; neighbours that end up with the same
    name are joined.
    """
    spells: list[list[Any]] = []  # [stage, first, last] with weeks numbered from 1
    for week, stage in enumerate(stages, start=1):
        if spells and spells[-1][0] == stage:
            spells[-1][2] = week
        else:
            spells.append([str(stage), week, week])
    def length(k: int) -> int:
        return spells[k][2] - spells[k][1] + 1

    def coalesce(items: list[list[Any]]) -> list[list[Any]]:
        out: list[list[Any]] = []
        for item in items:
            if out and out[-1][0] == item[0]:
                out[-1][2] = item[2]
            else:
                out.append(item)
        return out

    # a run of short spells that lasts a quarter in all (flicker) is one phase: its commonest stage
    blocks: list[list[Any]] = []
    k = 0
    while k < len(spells):
        j = k
        while j < len(spells) and length(j) < min_weeks and spells[j][0] != "death":
            j += 1
        if j - k > 1 and spells[j - 1][2] - spells[k][1] + 1 >= min_weeks:
            weeks_of: dict[str, int] = {}
            for stage, a, b in spells[k:j]:
                weeks_of[stage] = weeks_of.get(stage, 0) + b - a + 1
            blocks.append([max(weeks_of, key=lambda st: weeks_of[st]), spells[k][1], spells[j - 1][2]])
            k = j
        else:
            blocks.append(spells[k])
            k += 1
    spells = coalesce(blocks)

    def neighbours(k: int) -> list[int]:  # the spells it may join: not death
        return [j for j in (k - 1, k + 1) if 0 <= j < len(spells) and spells[j][0] != "death"]

    while True:
        short = [k for k in range(len(spells))
                 if length(k) < min_weeks and spells[k][0] != "death" and neighbours(k)]
        if not short:
            break
        i = min(short, key=lambda k: (length(k), k))
        if 0 < i < len(spells) - 1 and spells[i - 1][0] == spells[i + 1][0] != "death":
            spells[i - 1][2] = spells[i + 1][2]  # the same stage on both sides: one phase
            del spells[i:i + 2]
            continue
        options = neighbours(i)
        into = i - 1 if i == len(spells) - 1 else max(options, key=lambda k: (length(k), -k))
        spells[into][1] = min(spells[into][1], spells[i][1])
        spells[into][2] = max(spells[into][2], spells[i][2])
        del spells[i]
    if len(spells) == 1 and len(stages) and spells[0][2] - spells[0][1] + 1 < min_weeks:
        values, counts = np.unique(np.asarray(list(stages), dtype=str), return_counts=True)
        spells[0][0] = str(values[np.argmax(counts)])
    if active is not None and len(active) >= len(stages):
        for spell in spells:
            stage, a, b = spell
            if stage in ("growth", "maturity", "decline"):
                before, after = max(float(active[max(a - 2, 0)]), 1.0), max(float(active[b - 1]), 1.0)
                change = (after / before) ** (52.0 / (b - a + 1)) - 1.0  # per year
                spell[0] = "growth" if change > PHASE_CHANGE else "decline" if change < -PHASE_CHANGE \
                    else "maturity"
        spells = coalesce(spells)
    return [(str(stage), int(a), int(b)) for stage, a, b in spells]


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


def _network_frame(ax: Any) -> None:
    """Set a network drawing's square frame: the layout's bounds, no ticks and no spines."""
    ax.set_xlim(-1.2, 1.2)
    ax.set_ylim(-1.15, 1.22)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


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
    _network_frame(ax)
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
    """What a story page shows: a run, the scenario it illustrates and its network frames; for
    the main scenario also its "manager stayed" twin, its top causes and the scenario beside it.

    ``result`` is the :class:`~simcomm.runs.sim.Result` of the run; ``frames`` PIL images of the
    network at ``frame_weeks``; ``seconds`` the time taken to tell it. ``ghost``: the run on the
    same seed in which no manager ever leaves (``Counterfactual(keep_all_managers=True)``), when
    a manager left in the run (else None); ``causes``: the explanation's largest causes, one
    sentence each (:func:`top_causes`); ``compare``: the story of the scenario told beside it
    (same seed, weeks and overrides), or None.
    """

    scenario: Scenario
    result: Result
    overrides: dict[str, Any]
    frames: list[Any] = field(default_factory=list)
    frame_weeks: list[int] = field(default_factory=list)
    network_size: int = NETWORK_SAMPLE
    seconds: float = 0.0
    ghost: Result | None = None
    causes: list[str] = field(default_factory=list)
    compare: Story | None = None


def event_line(week: int, text: str) -> str:
    """Return an event as the trainer reads it: ``week 41: the community manager left; ...``."""
    return f"week {int(week)}: {text}"


def _tell_one(sc: Scenario, weeks: int, seed: int, overrides: dict[str, Any], frames: int,
              network_size: int) -> Story:
    """Return the Story of one run of ``sc``: its Result and its network frames."""
    from simcomm.core.params import make_params

    result = run(sc, weeks=weeks, seed=seed, overrides=overrides)
    model = CommunityModel(make_params(overrides, base=sc.overrides), seed=result.seed)
    sample = sample_network(model, network_size)
    frames = max(1, min(int(frames), result.weeks))
    wanted = {max(1, round(k * result.weeks / frames)) for k in range(1, frames + 1)}
    story = Story(sc, result, overrides, network_size=network_size)
    ts = result.timeseries
    stages = list(ts["stage"]) if "stage" in ts else []
    active = ts["active_members"].tolist()
    drawer = NetworkDrawer(sample, with_staff=bool(model.staff), staff_posts=len(model.staff))

    def snap() -> None:
        stage = f", {phases(stages[:model.week], active[:model.week])[-1][0]}" if model.week and stages \
            else ", launch"
        story.frames.append(drawer.frame(model, f"{sc.name}: week {model.week}{stage}"))
        story.frame_weeks.append(model.week)

    snap()
    for _ in range(result.weeks):
        model.step()
        if model.week in wanted:
            snap()
    if list(model.history["active_members"]) != active:
        raise RuntimeError("the network replay differs from the run: the model is not reproducible")
    return story


def top_causes(sc: Scenario, seed: int, weeks: int, overrides: Mapping[str, Any], n: int = 3,
               workers: int | None = None) -> list[str]:
    """Return the ``n`` largest causes of the run's losses, one plain sentence each ("Had the
    manager who left in week 47 stayed, the community would have had 38 more active members at
    week 260 ..."), from replays of the one run (seed ``seed``) with each adverse event and
    condition neutralised (:func:`simcomm.runs.counterfactual.replay_runs`,
    :func:`simcomm.analysis.explain.explain`, worded by :mod:`simcomm.report.explain`)."""
    from simcomm.analysis.explain import explain
    from simcomm.report.explain import clause, effect_sentence
    from simcomm.runs.counterfactual import replay_runs

    replays = replay_runs(sc, [seed], weeks, overrides=dict(overrides), workers=workers)
    ex = explain(replays)
    died = int(ex.actual["died"])
    return [effect_sentence(clause(c, 1), c["effects"], ex.at_week, died, 1) for c in ex.causes[:n]]


def tell_story(scenario: str | Scenario, *, weeks: int = 260, seed: int = 0,
               overrides: Mapping[str, Any] | None = None, frames: int = 40,
               network_size: int = NETWORK_SAMPLE, compare: str | Scenario | None = "organic",
               causes: int = 3, workers: int | None = None) -> Story:
    """Tell ``scenario``'s story beside ``compare``'s; return the :class:`Story`.

    Runs ``scenario`` with :func:`simcomm.runs.sim.run` (the figures of ``simcomm run`` for the
    same arguments) and draws its partner network at week 0 and ``frames`` evenly spaced weeks
    (a replay of the same seed); when a manager left, runs its "manager stayed" twin; explains
    its ``causes`` largest causes (0: none; replays with ``workers`` processes, default all
    cores); and tells ``compare`` (a scenario, or None / "none" / the same scenario: none) the
    same way on the same seed, weeks and ``overrides``. Raises ParameterError on bad input,
    like ``run``.
    """
    from simcomm.core.counterfactual import Counterfactual
    from simcomm.runs.sim import simulate

    started = time.perf_counter()
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    other = compare if isinstance(compare, Scenario) or compare in (None, "none") else load_scenario(compare)
    overrides = dict(overrides or {})
    story = _tell_one(sc, weeks, seed, overrides, frames, network_size)
    if "staff_left" in set(story.result.events["kind"]):
        story.ghost = simulate(sc, weeks=weeks, seed=seed, overrides=overrides,
                               counterfactual=Counterfactual(keep_all_managers=True))
    if causes > 0:
        story.causes = top_causes(sc, seed, story.result.weeks, overrides, causes, workers)
    if isinstance(other, Scenario) and other.name != sc.name:
        story.compare = _tell_one(other, weeks, seed, overrides, frames, network_size)
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


def story_phases(result: Result) -> list[tuple[str, int, int]]:
    """Return the run's lifecycle phases: (stage, first week, last week) (:func:`phases`)."""
    ts = result.timeseries
    if "stage" not in ts or ts.empty:
        return []
    return phases(list(ts["stage"]), ts["active_members"].tolist())


def phase_sentences(result: Result) -> list[str]:
    """Return the run's phases in words: "growth, weeks 1-51: active members 11 to 244"."""
    active = result.timeseries["active_members"].tolist()
    out = []
    for stage, a, b in story_phases(result):
        start = active[max(a - 2, 0)]
        span = f"week {a}" if a == b else f"weeks {a}-{b}"
        out.append(f"{stage}, {span}: active members {start:,} to {active[b - 1]:,}")
    return out


def ghost_sentence(story: Story) -> str:
    """Return what the "manager stayed" twin did, in one sentence ("" without a twin)."""
    if story.ghost is None:
        return ""
    r, g = story.result, story.ghost
    left = [int(w) for w in r.events.loc[r.events["kind"] == "staff_left", "week"]]
    who = (f"the manager who left in week {left[0]}" if len(left) == 1 else
           f"the managers who left (weeks {', '.join(str(w) for w in left)})")
    actual = int(r.timeseries["active_members"].iloc[-1])
    kept = int(g.timeseries["active_members"].iloc[-1])
    fate = ""
    if r.summary.get("died_week") is not None and g.summary.get("died_week") is None:
        fate = f" and would have been alive instead of dying in week {r.summary['died_week']}"
    elif g.summary.get("died_week") is not None:
        fate = f" and would have died in week {g.summary['died_week']}"
    return (f"Had {who} stayed (no manager ever leaving, on the same random numbers), the community "
            f"would have had {kept:,} active members at week {r.weeks} instead of {actual:,}{fate}.")


def _stories(story: Story) -> list[Story]:
    return [story] + ([story.compare] if story.compare is not None else [])


STORY_COLOURS = ("#1f5fa8", "#e6550d")  # the scenario, the one beside it (as on the dashboard)


def timeline_figure(story: Story) -> Figure:
    """Return the timeline: active members of both scenarios, the "manager stayed" ghost
    (dashed), the main scenario's phases shaded and its managers' departures and numbered
    events marked (top); lurking and lapsed members (middle); posts and answers (bottom)."""
    from simcomm.report.plots import STAGE_ALPHA, STAGE_COLOURS

    r = story.result
    ts = r.timeseries
    weeks = ts["week"].to_numpy()
    fig = _figure(10.0, 8.2, 110)
    top, middle, bottom = fig.subplots(3, 1, sharex=True, height_ratios=[3.2, 1.6, 1.6])
    shown: list[str] = []
    for stage, a, b in story_phases(r):
        top.axvspan(a - 0.5, b + 0.5, color=STAGE_COLOURS.get(stage, "#eeeeee"), alpha=STAGE_ALPHA,
                    linewidth=0, zorder=0)
        if stage not in shown:
            shown.append(stage)
    peak = 1.0
    for s, colour in zip(_stories(story), STORY_COLOURS, strict=False):
        t = s.result.timeseries
        top.plot(t["week"], t["active_members"], color=colour, linewidth=2.0, label=f"{s.result.scenario}")
        peak = max(peak, float(t["active_members"].max()))
        middle.plot(t["week"], t["lurking_members"], color=colour, linewidth=1.4,
                    label=f"lurking ({s.result.scenario})")
        middle.plot(t["week"], t["lapsed_members"], color=colour, linewidth=1.4, linestyle=":",
                    label=f"lapsed ({s.result.scenario})")
        bottom.plot(t["week"], t["posts"], color=colour, linewidth=1.0, label=f"posts ({s.result.scenario})")
        bottom.plot(t["week"], t["answers"], color=colour, linewidth=1.0, linestyle=":",
                    label=f"answers ({s.result.scenario})")
    if story.ghost is not None:
        g = story.ghost.timeseries
        top.plot(g["week"], g["active_members"], color=STORY_COLOURS[0], linewidth=2.0, linestyle="--",
                 alpha=0.5, label=f"{r.scenario} had the manager stayed")
        peak = max(peak, float(g["active_members"].max()))
    left = [int(w) for w in r.events.loc[r.events["kind"] == "staff_left", "week"]]
    for k, week in enumerate(left):
        top.axvline(week, color=STORY_COLOURS[0], linestyle=(0, (1, 2)), linewidth=1.2, zorder=1,
                    label="a manager left" if k == 0 else None)
    marks = annotated_events(r.events)
    top.set_ylim(0, peak * 1.32)
    for k, (number, week, _kind, _text) in enumerate(marks):
        top.annotate(str(number), (week, peak * (1.27 - 0.07 * (k % 3))), ha="center", va="center",
                     fontsize=8, fontweight="bold",
                     bbox={"boxstyle": "circle,pad=0.25", "facecolor": "white", "edgecolor": "#555555"})
    from matplotlib.patches import Patch

    stage_handles = [Patch(facecolor=STAGE_COLOURS.get(st, "#eeeeee"), alpha=STAGE_ALPHA, label=f"{st}")
                     for st in shown]
    lines, _ = top.get_legend_handles_labels()
    top.legend(handles=[*lines, *stage_handles], loc="upper left", bbox_to_anchor=(1.01, 1.0),
               frameon=False, fontsize=8, title=f"active members / phases of {r.scenario}",
               title_fontsize=8)
    top.set_ylabel("active members")
    partners = r.metadata.get("params", {}).get("partners")
    fig.suptitle(story.scenario.title or r.scenario, fontsize=12)
    beside = f" beside {story.compare.result.scenario}" if story.compare is not None else ""
    top.set_title(f"{r.scenario}{beside}: seed {r.seed}, {partners:,} partners, {r.weeks} weeks; "
                  "numbered: the events listed below", fontsize=9)
    middle.set_ylabel("members")
    middle.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
    bottom.set_ylabel("messages per week")
    bottom.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
    bottom.set_xlabel("week")
    for ax in (top, middle, bottom):
        ax.grid(alpha=0.3)
        ax.set_ylim(bottom=0)
    bottom.set_xlim(min(weeks.min(), 1) - 1.5, weeks.max() + 0.5)  # week 0: the launch event
    return fig


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def story_metadata(story: Story) -> dict[str, Any]:
    """Return what the story records to be reproduced: scenario, seed, weeks, overrides, every
    parameter, simcomm and mesa versions, the network sample size, the frame weeks and the
    scenario told beside it (None without one)."""
    meta = dict(story.result.metadata)
    meta.update({"scenario_title": story.scenario.title, "network_sample": story.network_size,
                 "frame_weeks": list(story.frame_weeks),
                 "compare": story.compare.result.scenario if story.compare is not None else None})
    return meta


def reproduce_command(story: Story) -> str:
    """Return the ``simcomm story`` command line that makes this story again."""
    from simcomm.runs.library import is_library_file

    r = story.result
    sets = "".join(f" --set {k}={v}" for k, v in story.overrides.items())

    def named(s: Story) -> str:
        path = s.scenario.path
        return path if path and not is_library_file(path) else s.result.scenario

    other = named(story.compare) if story.compare is not None else "none"
    return f"simcomm story {named(story)} --compare {other} --seed {r.seed} --weeks {r.weeks}{sets}"


def _headline_rows(summary: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(text, format_value(summary.get(key), unit)) for key, (text, unit) in HEADLINE_TEXT.items()]


TIMELINE_ALT = ("active members per week of both scenarios, with the main scenario had the manager "
                "stayed (dashed), its phases shaded, departures and events marked; lurking and lapsed "
                "members; posts and answers")
NETWORK_ALT = "the partner network of {name} over time, coloured by membership state"
CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 0;
       color: #222; background: #fafafa; line-height: 1.45; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 48px; background: white; }
h1 { font-size: 1.7em; margin: 0 0 4px; } h2 { font-size: 1.2em; margin: 28px 0 8px;
     border-bottom: 1px solid #ddd; padding-bottom: 4px; } h3 { font-size: 1.02em; margin: 10px 0 4px; }
.meta { color: #555; font-size: 0.9em; margin: 0 0 16px; }
blockquote { margin: 12px 0; padding: 8px 16px; border-left: 4px solid #6a3d9a; background: #f4f0f8;
             font-style: italic; } blockquote footer { font-style: normal; color: #555; font-size: 0.85em; }
table { border-collapse: collapse; font-size: 0.92em; } td, th { padding: 3px 12px 3px 0; text-align: left; }
td.v, th.v { text-align: right; font-variant-numeric: tabular-nums; } td.v { font-weight: 600; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
ol.events li.numbered { font-weight: 600; }
ol.events { padding-left: 0; list-style: none; font-size: 0.92em; }
ol.events span.n { display: inline-block; min-width: 1.6em; color: #555; }
.columns { display: flex; gap: 24px; flex-wrap: wrap; align-items: flex-start; }
.columns > div { flex: 1 1 420px; min-width: 0; }
code { background: #f2f2f2; padding: 1px 4px; border-radius: 3px; }
details { margin-top: 8px; } .set { color: #6a3d9a; font-weight: 600; }
.causes li, .phases li { margin: 4px 0; } .ghost { background: #eef3fa; padding: 8px 12px; }
.s0 { color: #1f5fa8; } .s1 { color: #e6550d; }
"""


def _events_html(s: Story, numbered: bool) -> str:
    e = html.escape
    marks = {(week, text): number for number, week, _kind, text in annotated_events(s.result.events)} \
        if numbered else {}
    items = []
    for row in s.result.events.itertuples():
        number = marks.get((int(row.week), str(row.text)))
        mark = f"<span class='n'>{number}</span>" if number else "<span class='n'></span>"
        cls = " class='numbered'" if number else ""
        items.append(f"<li{cls}>{mark}{e(event_line(row.week, str(row.text)))}</li>")
    return f"<ol class='events'>{''.join(items)}</ol>"


def _fate(s: Story) -> str:
    died = s.result.summary.get("died_week")
    return (f"{s.result.scenario} died in week {died}." if died is not None else
            f"{s.result.scenario} was still alive after {s.result.weeks} weeks.")


def story_html(story: Story, timeline_png: bytes, network_gifs: Sequence[bytes] | bytes) -> str:
    """Return the story page: self-contained HTML (images as data URIs, no external reference).

    ``network_gifs``: the network GIF of the scenario, then of the one beside it (if any)."""
    from simcomm.core.version import __version__

    gifs = [network_gifs] if isinstance(network_gifs, bytes) else list(network_gifs)
    r, sc = story.result, story.scenario
    e = html.escape
    told = _stories(story)
    meta = story_metadata(story)
    params = meta.get("params", {})
    names = "".join(f"<th class='v s{i}'>{e(s.result.scenario)}</th>" for i, s in enumerate(told))
    rows = [list(zip(*[_headline_rows(s.result.summary) for s in told], strict=True))]
    headline = "".join("<tr><td>" + e(cells[0][0]) + "</td>"
                       + "".join(f"<td class='v'>{e(v)}</td>" for _t, v in cells) + "</tr>"
                       for cells in rows[0])
    set_here = set(sc.overrides) | set(story.overrides)
    param_rows = "".join(
        f"<tr><td{' class=set' if k in set_here else ''}>{e(k)}</td><td class='v'>{e(str(v))}</td></tr>"
        for k, v in params.items())
    quote = ""
    if sc.seed_quote:
        quote = (f"<blockquote>&ldquo;{e(sc.seed_quote)}&rdquo;<footer>seed essay "
                 f"{e(sc.seed_file)}</footer></blockquote>")
    fates = " ".join(e(_fate(s)) for s in told)
    ghost = ghost_sentence(story)
    ghost_html = f"<p class='ghost'>{e(ghost)}</p>" if ghost else (
        "<p>No manager left in this run, so there is no &ldquo;manager stayed&rdquo; line.</p>")
    causes = ("<ol class='causes'>" + "".join(f"<li>{e(c)}</li>" for c in story.causes) + "</ol>"
              if story.causes else "<p>The run had no adverse event or condition to neutralise.</p>")
    phase_blocks = "".join(
        f"<div><h3 class='s{i}'>{e(s.result.scenario)}</h3><ol class='phases'>"
        + "".join(f"<li>{e(p)}</li>" for p in phase_sentences(s.result)) + "</ol></div>"
        for i, s in enumerate(told))
    event_blocks = "".join(
        f"<div><h3 class='s{i}'>{e(s.result.scenario)}</h3>{_events_html(s, numbered=(i == 0))}</div>"
        for i, s in enumerate(told))
    network_blocks = "".join(
        f"<div><h3 class='s{i}'>{e(s.result.scenario)}</h3><img class='network' src=\"data:image/gif;base64,"
        f"{base64.b64encode(gif).decode('ascii')}\" alt=\"{e(NETWORK_ALT.format(name=s.result.scenario))}\">"
        "</div>" for i, (s, gif) in enumerate(zip(told, gifs, strict=False)))
    meta_json = json.dumps(_plain(meta), ensure_ascii=False, sort_keys=True).replace("</", "<\\/")
    timeline_uri = "data:image/png;base64," + base64.b64encode(timeline_png).decode("ascii")
    weeks_shown = story.frame_weeks
    frame_note = (f"{len(weeks_shown)} frames, weeks {weeks_shown[0]} to {weeks_shown[-1]}"
                  if weeks_shown else "no frames")
    beside = (f" beside <b class='s1'>{e(story.compare.result.scenario)}</b>"
              f" ({e(story.compare.scenario.governance)})" if story.compare is not None else "")
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
<p class="meta">scenario <b class="s0">{e(r.scenario)}</b> ({e(sc.governance)}){beside} &middot; seed
{r.seed} &middot; {r.weeks} weeks &middot; {params.get('partners', 0):,} partners &middot;
simcomm {e(str(meta.get('simcomm_version')))} &middot; mesa {e(str(meta.get('mesa_version')))}</p>
<p>{e(sc.story)}</p>
{quote}
<h2>What happened</h2>
<p>{fates}</p>
{ghost_html}
<div class="columns">
<div><table><thead><tr><th></th>{names}</tr></thead><tbody>{headline}</tbody></table></div>
<div><p>One run of each scenario on the same seed, week by week: a single seeded story, not an
average. Compare scenarios over many seeds with <code>simcomm compare</code>, and explain them
with <code>simcomm explain</code>.</p></div>
</div>
<h2>Why: the largest causes</h2>
<p>Each cause was neutralised alone, in a replay of {e(r.scenario)} on the same random numbers;
the difference is its doing (one run, so no interval: <code>simcomm explain {e(r.scenario)}</code>
gives intervals over seeds).</p>
{causes}
<h2>Timeline</h2>
<img id="timeline" src="{timeline_uri}" alt="{e(TIMELINE_ALT)}">
<h3>Phases</h3>
<p>A phase lasts at least {MIN_PHASE_WEEKS} weeks and is named by what active members did over
it: growth or decline when they rose or fell by more than {PHASE_CHANGE:.0%} a year, maturity
otherwise; inception until the community first reaches critical mass.</p>
<div class="columns">{phase_blocks}</div>
<h3>Events</h3>
<div class="columns">{event_blocks}</div>
<h2>The partner networks</h2>
<div class="columns">{network_blocks}</div>
<p>A sample of {min(story.network_size, int(params.get('partners', 0))):,} partners of
{params.get('partners', 0):,} in each: the launch members, the partners nearest to them among their
acquaintances, and a random draw from the rest of the channel ({e(frame_note)}).
Colour: membership state. Stars: advocates (hollow once burned out). Black ring: a member
leader. Grey lines: acquaintances; blue lines: peer ties formed in the community. Purple squares:
the vendor's manager posts (hollow while the post is empty), with lines to the partners who hold a
relationship with that manager.</p>
<h2>Parameters</h2>
<p>Made with <code>{e(reproduce_command(story))}</code> (simcomm {e(__version__)}).
Parameters of {e(r.scenario)} set by the scenario or on the command line are
<span class="set">coloured</span>.</p>
<details><summary>every parameter of {e(r.scenario)}</summary><table>{param_rows}</table></details>
</main>
<script type="application/json" id="simcomm-metadata">{meta_json}</script>
</body>
</html>
"""


def _plain(obj: Any) -> Any:
    from simcomm.runs.files import to_jsonable

    return to_jsonable(obj)


def story_payload(story: Story) -> dict[str, Any]:
    """Return what ``story.json`` holds: per scenario its summary, events and phases; the
    "manager stayed" twin's summary and weekly active members (None without one); the top
    causes in sentences; and the metadata (parameters, seed, versions)."""
    def one(s: Story) -> dict[str, Any]:
        return {"scenario": s.result.scenario, "title": s.scenario.title, "summary": s.result.summary,
                "events": s.result.events.to_dict(orient="records"),
                "phases": [{"stage": st, "first_week": a, "last_week": b}
                           for st, a, b in story_phases(s.result)]}

    ghost = None
    if story.ghost is not None:
        ghost = {"summary": story.ghost.summary,
                 "active_members": story.ghost.timeseries["active_members"].tolist()}
    return {**one(story), "manager_stayed": ghost, "causes": list(story.causes),
            "compare": one(story.compare) if story.compare is not None else None,
            "metadata": story_metadata(story)}


class NetworkDrawer:
    """Draws network frames of one community (as :func:`draw_network` does) on one reused
    figure: the axes, acquaintances and legend are drawn once and kept as a background; each
    frame restores it and draws only what changes (partners, ties, manager posts, title and
    counts). About 5-10 times faster than drawing each frame anew.
    """

    def __init__(self, sample: NetworkSample, with_staff: bool, staff_posts: int = 1, dpi: int = 80) -> None:
        self.sample = sample
        fig = _figure(7.0, 5.2, dpi)
        ax = fig.add_subplot()
        xy = sample.xy
        if sample.edges.size:
            ax.add_collection(LineCollection(xy[sample.edges], colors="#bdbdbd", linewidths=0.4,
                                             alpha=0.5, zorder=1))
        _network_frame(ax)
        ax.set_title(" ", fontsize=10)
        ax.legend(handles=network_legend(with_staff), loc="center left", fontsize=7, frameon=False,
                  handletextpad=0.3, borderaxespad=0.0, bbox_to_anchor=(1.0, 0.5))
        dynamic: dict[str, Any] = {
            "managers": LineCollection([], colors=MANAGER_COLOUR, linewidths=0.3, alpha=0.25, zorder=1.5),
            "ties": LineCollection([], colors=TIE_COLOUR, linewidths=0.6, alpha=0.45, zorder=2),
        }
        for artist in dynamic.values():
            ax.add_collection(artist)
        n = xy.shape[0]
        dynamic["plain"] = ax.scatter(xy[:, 0], xy[:, 1], s=np.zeros(n), zorder=3, linewidths=1.0)
        dynamic["stars"] = ax.scatter(xy[:, 0], xy[:, 1], s=np.zeros(n), marker="*", zorder=4)
        self.posts = np.array([[-1.12 + 0.14 * k, 1.12] for k in range(max(staff_posts, 1))])
        dynamic["posts"] = ax.scatter(self.posts[:, 0], self.posts[:, 1], s=np.zeros(len(self.posts)),
                                      marker="s", zorder=5, linewidths=1.5, edgecolors=MANAGER_COLOUR)
        self.empty = [ax.annotate("post empty", tuple(post), xytext=(8, -3), textcoords="offset points",
                                  fontsize=7, color=MANAGER_COLOUR) for post in self.posts]
        dynamic["title"] = ax.title
        dynamic["counts"] = ax.text(0.5, -0.01, " ", transform=ax.transAxes, ha="center", va="top",
                                    fontsize=7, color="#444444")
        self.artists = [*dynamic.values(), *self.empty]
        for artist in self.artists:
            artist.set_animated(True)
        self.dynamic = dynamic
        self.fig, self.ax = fig, ax
        fig.canvas.draw()  # lays the figure out once (constrained layout), then keeps it
        fig.set_layout_engine("none")
        self.background = fig.canvas.copy_from_bbox(fig.bbox)

    def frame(self, model: CommunityModel, title: str) -> Any:
        """Return the network as it is this week as a PIL image (RGB, 7 x 5.2 inches at dpi)."""
        from matplotlib.colors import to_rgba_array
        from PIL import Image

        d, sample = self.dynamic, self.sample
        people, nodes, xy = model.people, sample.nodes, sample.xy
        state = people.state[nodes]
        ties = model.ties
        seg = np.empty((0, 2, 2))
        if len(ties):
            su, sv = sample.slot[ties.u], sample.slot[ties.v]
            inside = (su >= 0) & (sv >= 0)
            seg = np.stack([xy[su[inside]], xy[sv[inside]]], axis=1)
        d["ties"].set_segments(seg)
        held_segments, faces, sizes = [], [], []
        for k, post in enumerate(self.posts):
            s = model.staff[k] if k < len(model.staff) else None
            in_post = s is not None and s.in_post
            if in_post:
                held = np.flatnonzero(people.vendor_tie[nodes] == s.slot)
                held_segments.append(np.stack([np.broadcast_to(post, (held.size, 2)), xy[held]], axis=1))
            faces.append(MANAGER_COLOUR if in_post else "white")
            sizes.append(110 if s is not None else 0)
            self.empty[k].set_visible(s is not None and not in_post and not model.closed)
        d["managers"].set_segments(np.concatenate(held_segments) if held_segments else np.empty((0, 2, 2)))
        d["posts"].set_sizes(np.array(sizes, dtype=float))
        d["posts"].set_facecolors(faces)
        colours = to_rgba_array([STATE_COLOURS[STATE_NAMES[v]] for v in range(len(STATE_NAMES))])[state]
        advocate, leader = people.is_advocate[nodes], people.is_leader[nodes]
        tired = people.burned_out[nodes] & advocate
        black, grey, none = to_rgba_array(["black", "#444444", "none"])
        d["plain"].set_sizes(np.where(advocate, 0.0, 16.0))
        d["plain"].set_facecolors(colours)
        d["plain"].set_edgecolors(np.where(leader[:, None], black, none))
        star_faces = np.where(tired[:, None], to_rgba_array(["white"])[0], colours)
        star_edges = np.where(tired[:, None], colours, np.where(leader[:, None], black, grey))
        d["stars"].set_sizes(np.where(advocate, 70.0, 0.0))
        d["stars"].set_facecolors(star_faces)
        d["stars"].set_edgecolors(star_edges)
        d["stars"].set_linewidths(np.where(tired, 1.0, 0.6))
        counts = np.bincount(state, minlength=len(STATE_NAMES))
        shown = f"{nodes.size:,} of {sample.population:,} partners" if nodes.size < sample.population \
            else f"all {sample.population:,} partners"
        d["title"].set_text(title or f"week {model.week}")
        d["counts"].set_text(f"{shown}: {counts[ACTIVE]} active, {counts[LURKING]} lurking, "
                             f"{counts[LAPSED]} lapsed, {counts[AWARE]} aware, {counts[UNAWARE]} unaware")
        canvas = self.fig.canvas
        canvas.restore_region(self.background)
        for artist in self.artists:
            self.fig.draw_artist(artist)
        return Image.fromarray(np.asarray(canvas.buffer_rgba())[..., :3].copy())


def write_story(story: Story, out_dir: Path) -> list[Path]:
    """Write the story into ``out_dir``; return the paths written (in out_dir).

    ``story.html`` (self-contained), ``timeline.png``, ``network.gif`` (the scenario),
    ``network-compare.gif`` (the scenario beside it, when there is one) and ``story.json``
    (:func:`story_payload`). Everything is staged and moved into place only when complete
    (:func:`simcomm.runs.files.staged_output`); on failure ``out_dir`` is left as it was and
    OutputError (one line, naming the path and the reason) is raised.
    """
    from simcomm.runs.files import staged_output, to_jsonable, writing_into

    out_dir = Path(out_dir).expanduser().absolute()
    timeline = _png(timeline_figure(story))
    gifs = [gif_bytes(s.frames) for s in _stories(story)]
    page = story_html(story, timeline, gifs)
    names = ["story.html", "timeline.png", "network.gif"]
    if len(gifs) > 1:
        names.append("network-compare.gif")
    names.append("story.json")
    with staged_output(out_dir) as stage, writing_into(out_dir):
        (stage / "timeline.png").write_bytes(timeline)
        (stage / "network.gif").write_bytes(gifs[0])
        if len(gifs) > 1:
            (stage / "network-compare.gif").write_bytes(gifs[1])
        (stage / "story.html").write_text(page, encoding="utf-8")
        (stage / "story.json").write_text(json.dumps(to_jsonable(story_payload(story)), indent=2,
                                                     allow_nan=False, ensure_ascii=False) + "\n",
                                          encoding="utf-8")
    return [out_dir / name for name in names]

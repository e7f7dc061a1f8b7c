"""The story's network GIF: frames of a community's sampled partner network, drawn with matplotlib
on one reused figure, and an animated GIF of them (Pillow)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from simcomm.agents.partner import STATE_NAMES
from simcomm.core.membership import ACTIVE, AWARE, LAPSED, LURKING, UNAWARE
from simcomm.core.model import CommunityModel
from simcomm.report.network import MANAGER_COLOUR, STATE_COLOURS, TIE_COLOUR, NetworkSample


def network_axes(ax: Any) -> None:
    """Set a network drawing's square frame: the layout's bounds, no ticks and no spines."""
    ax.set_xlim(-1.2, 1.2)
    ax.set_ylim(-1.15, 1.22)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def network_legend(with_staff: bool) -> list[Line2D]:
    """Return legend handles of the network drawing: states, advocates, leaders, ties, managers."""
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


def figure(width: float, height: float, dpi: float) -> Figure:
    """Return a matplotlib Figure (``width`` x ``height`` inches at ``dpi``, constrained layout) on
    an Agg canvas: no display needed."""
    fig = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


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




class NetworkDrawer:
    """Draws network frames of one community on one reused figure: the axes, acquaintances and
    legend are drawn once and kept as a background; each frame restores it and draws only what
    changes (partners, ties, manager posts, title and counts). About 5-10 times faster than
    drawing each frame anew.
    """

    def __init__(self, sample: NetworkSample, with_staff: bool, staff_posts: int = 1, dpi: int = 80) -> None:
        self.sample = sample
        fig = figure(7.0, 5.2, dpi)
        ax = fig.add_subplot()
        xy = sample.xy
        if sample.edges.size:
            ax.add_collection(LineCollection(xy[sample.edges], colors="#bdbdbd", linewidths=0.4,
                                             alpha=0.5, zorder=1))
        network_axes(ax)
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

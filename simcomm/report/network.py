"""The partner network as the story and the trainer's dashboard draw it: which partners, where,
and in which colours.

The network is a fixed sample of at most :data:`NETWORK_SAMPLE` partners, drawn where a layout
computed once placed them: the launch members, the partners nearest to them in the acquaintance
graph (word of mouth reaches them first) and a random draw from the rest of the channel. The
sample uses its own random generator, so drawing never changes a run. The story draws it with
matplotlib into a GIF (:mod:`simcomm.report.network_gif`), the dashboard as SVG
(:mod:`simcomm.ui.dashboard_drawing`), both in the colours below.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simcomm.core.membership import members as current_members
from simcomm.core.model import CommunityModel

NETWORK_SAMPLE = 300  # partners drawn at most, whatever the population
STATE_COLOURS: dict[str, str] = {
    "unaware": "#d9d9d9", "aware": "#9ecae1", "active": "#2ca02c", "lurking": "#ff7f0e",
    "lapsed": "#d62728",
}
MANAGER_COLOUR = "#6a3d9a"
TIE_COLOUR = "#3182bd"


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
        members = current_members(model.people)
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

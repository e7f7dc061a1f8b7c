"""Seeded replicates of channel scenarios, measured for the strategist (``compare`` on channels).

Every arm (a channel scenario: the vendor launches, sponsors, does both or neither) runs on the
same seeds 0..R-1, so its runs share their random numbers with the other arms' seed by seed
(common random numbers): a channel's seed draws its partners, their needs, urgency, hours and
acquaintance graph (the population room's own setup), and each listed community's decisions come
from a seed derived from the channel's and its place in the file
(:class:`simcomm.core.channel.Channel`). The arms therefore differ only in what the vendor does.
Each run records a digest of its population (``metadata["population"]``), so that a reader can
check that every arm had the same partners on each seed.

The measures of a run (registered in :mod:`simcomm.core.metric_registry`, kind ``run``;
:data:`~simcomm.core.metric_registry.CHANNEL_COMPARED`), all at the horizon unless said:

- ``active_in_any``: partners active in at least one live community (partners);
- ``own_alive_at_end``: 1 when the partners' own community (the first listed community its
  members run, :func:`own_community`) is alive, else 0; ``own_members_at_end``: its members
  (active or lurking; 0 once it died). None when the channel lists no member-run community;
- ``members_per_community_at_end``: the members (active or lurking; 0 once it died) of each
  community the channel file lists (launched, not founded by members during the run), their mean
  (members per community; with N competing programmes listed, members per programme). None when
  the file lists no community;
- ``overlap_at_end``: memberships per partner who belongs to any live community (memberships per
  member: 1 when nobody is in two). None when no partner belongs to one;
- ``vendor_reach_at_end``: partners who belong to at least one live community the vendor runs
  or funds, money in place (a launch, or a sponsorship not withdrawn: :func:`vendor_funded`);
- ``vendor_spend``: the vendor's cost over the run, summed over every community (managers, a
  sponsor's contact, events; currency);
- ``communities_alive_at_end``: communities alive.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simcomm.core.channel import Channel, ChannelCommunity
from simcomm.core.channel_plan import ChannelPlan
from simcomm.core.membership import ACTIVE
from simcomm.core.params import make_params
from simcomm.runs.batch import run_many
from simcomm.runs.resources import check_memory


@dataclass(frozen=True)
class ChannelSpec:
    """One channel run of a comparison: the channel ``plan`` (with any ``--set`` applied), its
    horizon in ``weeks``, its ``seed`` and the arm's ``label``."""

    plan: ChannelPlan
    weeks: int
    seed: int
    label: str


@dataclass
class ChannelOutcomes:
    """One channel run measured: ``summary`` (each measure of the module's list by name, in its
    unit; None where it has no value), ``scenario`` (the channel's name), ``seed``, ``weeks`` and
    ``metadata`` (the plan, seed, weeks, versions and the population's digest). Read by
    :mod:`simcomm.analysis.statistics` as a run (``summary``, ``scenario``, ``seed``, ``weeks``)."""

    scenario: str
    seed: int
    weeks: int
    summary: dict[str, float | None]
    metadata: dict[str, Any] = field(default_factory=dict)


def own_community(channel: Channel) -> ChannelCommunity | None:
    """Return the partners' own community of ``channel``: the first listed community (not
    founded during the run) that its members run (a sponsor may fund it), or None."""
    return next((c for c in channel.communities if not c.plan.by_members and c.model.rules.member_led), None)


def vendor_funded(c: ChannelCommunity) -> bool:
    """Return True while community ``c`` is alive and a vendor runs or funds it with its money in
    place: it has a programme's posts and the funding was not withdrawn."""
    programme = c.model.programme
    return c.alive and bool(programme.staff) and programme.funding


def population_digest(channel: Channel) -> str:
    """Return a short SHA-256 (hex, 16 characters) of the channel's partners: their needs, urgency,
    hours and acquaintance graph; equal for two channels with the same partners."""
    people, graph = channel.people, channel.shared.get("community.graph")
    digest = hashlib.sha256()
    for array in (people.needs, people.urgency, people.hours):
        digest.update(np.ascontiguousarray(array).tobytes())
    if graph is not None:
        digest.update(graph.indptr.tobytes())
        digest.update(graph.indices.tobytes())
    return digest.hexdigest()[:16]


def channel_outcomes(channel: Channel) -> dict[str, float | None]:
    """Return the measures of ``channel`` now (see the module's list), by name, in their units."""
    n = channel.people.n
    active = np.zeros(n, dtype=bool)
    reach = np.zeros(n, dtype=bool)
    spend = 0.0
    for c in channel.communities:
        spend += float(sum(c.model.history["vendor_cost"]))
        if not c.alive:
            continue
        active |= c.model.people.state == ACTIVE
        if vendor_funded(c):
            reach |= c.member_mask()
    own = own_community(channel)
    listed = [c for c in channel.communities if not c.plan.by_members]
    sizes = [np.count_nonzero(c.member_mask()) if c.alive else 0 for c in listed]
    overlap = channel.rows[-1]["overlap"] if channel.rows else math.nan
    return {
        "active_in_any": float(np.count_nonzero(active)),
        "own_alive_at_end": None if own is None else float(own.alive),
        "own_members_at_end": None if own is None else float(np.count_nonzero(own.member_mask()) if own.alive
                                                             else 0),
        "members_per_community_at_end": float(np.mean(sizes)) if sizes else None,
        "overlap_at_end": None if math.isnan(overlap) else float(overlap),
        "vendor_reach_at_end": float(np.count_nonzero(reach)),
        "vendor_spend": spend,
        "communities_alive_at_end": float(sum(c.alive for c in channel.communities)),
    }


def stepped_channel(plan: ChannelPlan, seed: int, weeks: int) -> Channel:
    """Return the channel of ``plan`` from ``seed`` after ``weeks`` weeks (its state at the horizon)."""
    channel = Channel(plan, seed=seed)
    for _ in range(weeks):
        channel.step()
    return channel


def run_channel_spec(spec: ChannelSpec) -> ChannelOutcomes:
    """Run one ChannelSpec and return its ChannelOutcomes (the function worker processes call)."""
    import mesa

    from simcomm.core.version import __version__

    channel = stepped_channel(spec.plan, spec.seed, spec.weeks)
    summary = channel_outcomes(channel)
    metadata = {"channel": spec.plan.name, "seed": spec.seed, "weeks": spec.weeks,
                "simcomm_version": __version__, "mesa_version": mesa.__version__,
                "plan": spec.plan.to_dict(), "population": population_digest(channel),
                "params": {c.plan.name: c.model.p.to_dict() for c in channel.communities},
                "sponsorships": {name: week for name, (_, week) in channel.sponsorships.items()}}
    return ChannelOutcomes(spec.plan.name, spec.seed, spec.weeks, summary, metadata)


def most_communities(plan: ChannelPlan) -> int:
    """Return the most communities ``plan`` can hold at once (listed ones and member foundings)."""
    return max(1, sum(c.sponsors is None for c in plan.communities) + plan.max_founded)


def run_channel_arms(plans: Sequence[ChannelPlan], weeks: int, replicates: int, workers: int | None = None,
                     progress: bool = False) -> dict[str, list[ChannelOutcomes]]:
    """Run every plan on seeds 0..``replicates`` - 1 (the same seeds for every plan) for ``weeks``
    weeks, in parallel (``workers`` processes; default all cores; a ``--scheduler`` cluster when
    one is active); return plan name -> its ChannelOutcomes in seed order. Raises ParameterError
    (one line) before anything runs when the runs would need more memory than is available."""
    from simcomm.runs.batch import default_workers

    processes = min(workers or default_workers(), max(1, len(plans) * replicates))
    for plan in plans:
        check_memory([(plan.shared, {})], processes=processes, models=most_communities(plan),
                     shared_population=True)
    specs = [ChannelSpec(plan, weeks, seed, plan.name) for plan in plans for seed in range(replicates)]
    done = run_many(specs, workers=workers, progress=progress, desc="compare", function=run_channel_spec)
    out: dict[str, list[ChannelOutcomes]] = {}
    for spec, result in zip(specs, done, strict=True):
        out.setdefault(spec.label, []).append(result)
    return out


def partners_of(plan: ChannelPlan) -> int:
    """Return how many partners ``plan``'s channel has (its shared parameters over the defaults)."""
    return int(make_params(plan.shared)["partners"])

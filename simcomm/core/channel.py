"""A channel: several communities at once over one population of partners (shared/MODEL.md 15).

A :class:`Channel` steps one :class:`~simcomm.core.model.CommunityModel` per community, each
under its own governance, topic, staff and budget, over the channel's partners. The communities
share, through the model's ``given`` state, what belongs to the partners rather than to any one
community: the population (sizes, needs, urgency, hours, the acquaintance graph: drawn once, by
the population room, from the channel's seed), the peer ties (:class:`~simcomm.core.ties.ChannelTies`:
a tie made in one community counts in every other, and decays once a week) and the attention
split (``people.attention``). Membership, commitment, identity, bonds, leaders and everything a
community's week records stay each community's own, so joining, leaving and attachment are per
community.

Each week, before the communities step, every partner's hours are split equally across the
communities it belongs to (``attention`` = 1 / memberships: the sign is built in; belonging to
many costs each of them time). After they step, the channel's ties decay and communities may be
founded: a listed community at its ``launch_week`` (a vendor's or distributor's launch), a
listed sponsorship at its ``launch_week`` (the vendor funds an existing member-run community
instead of launching one: :meth:`Channel.sponsor`), and member-founded ones where a problem is
shared, felt and not yet served (Model 3's formation: the weight of a problem is the sum over
partners who have no community on it of need x urgency, :func:`simcomm.core.launch.felt_problems`),
at most one a week with probability ``1 - exp(-founding_rate x felt share)``, up to
``max_founded``. A dead community stops stepping.

The cost grows with memberships, not communities x partners: a community's week works over the
partners it has reached (its ``roster``, :mod:`simcomm.core.membership`), and the channel counts
memberships once a week from each live community's members (:meth:`Channel.members_of`); the
shared ties are read per community from its partners' own ties (:class:`~simcomm.core.ties.ChannelTies`,
one run of the sorted keys per partner). What is
left in proportion to the partners is once a week for the whole channel (the attention split,
member founding's felt problems), a vendor's or sponsor's invitations (a draw for every partner
outside the community, as in a community of its own) and each community's per-partner arrays
(memory: communities x partners; numbers in docs/performance.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simcomm.core import population
from simcomm.core.channel_plan import ChannelPlan, CommunityPlan
from simcomm.core.launch import PROBLEMS, felt_problems
from simcomm.core.membership import members
from simcomm.core.model import CommunityModel
from simcomm.core.params import Params, make_params
from simcomm.core.population import TOPICS
from simcomm.core.randomness import Streams, stream_key
from simcomm.core.rooms import STATE, STREAM_NAMES
from simcomm.core.rule_parts import rules_of
from simcomm.core.state import PEOPLE, allocate, view_for
from simcomm.core.ties import ChannelTies

CHANNEL_STREAMS: tuple[str, ...] = ("channel founding", "channel founded problem")
CHANNEL_METRICS: tuple[str, ...] = (
    "week", "communities_alive", "founded", "died", "founded_total", "dead_total", "memberships",
    "members", "overlap",
)


@dataclass
class ChannelCommunity:
    """One community of the channel as it runs: its ``plan``, its ``model``, the channel week it
    was founded (``founded_week``: its own week t is the channel's founded_week + t), its
    place in the channel (``index``: its random numbers are its own, keyed by it) and, for each
    week it stepped, its members' mean number of other live communities they belonged to that
    week (``other_memberships``, memberships; NaN in a week it had no member)."""

    plan: CommunityPlan
    model: CommunityModel
    founded_week: int
    index: int
    other_memberships: list[float] = field(default_factory=list)  # per week it stepped: its members' mean

    @property
    def alive(self) -> bool:
        """Return True while the community has not ended."""
        return not self.model.closed

    def member_mask(self) -> np.ndarray:
        """Return which partners are its members now (active or lurking), one bool per partner."""
        mask = np.zeros(self.model.people.n, dtype=bool)
        mask[self.members()] = True
        return mask

    def members(self) -> np.ndarray:
        """Return its members now (active or lurking): partner indices, ascending."""
        return members(self.model.people, self.model.community.roster)


class Channel:
    """A channel of communities over one population, from week 0, one step per week.

    Args:
        plan: the channel scenario (:class:`~simcomm.core.channel_plan.ChannelPlan`).
        seed: the seed of the population (the same partners as a single community's run with
            this seed and these population parameters) and of the channel's founding; each
            community draws its own decisions from a seed derived from it and its place.
    """

    def __init__(self, plan: ChannelPlan, seed: int = 0) -> None:
        self.plan = plan
        self.seed = int(seed)
        self.week = 0
        self.p: Params = make_params(plan.shared)
        n = int(self.p.partners)
        self.streams = Streams(self.seed, STREAM_NAMES | set(CHANNEL_STREAMS))
        room = population.ROOM
        specs = [spec for spec, owner in STATE.values() if owner == room.name]
        people, community = allocate(specs, n)
        assert room.setup is not None  # the population draws the partners and their graph
        room.setup(view_for(room.name, owns=room.owned, reads=room.reads, writes=room.writes,
                            params=room.param_names, streams=room.streams, people=people,
                            community=community, values=self.p, draws=self.streams,
                            rules=rules_of(self.p), log=lambda kind, text: None))
        self.people = people
        self.ties = ChannelTies(n, people.skills, gain=self.p.tie_gain, forget=self.p.tie_forget)
        self.attention = np.ones(n)
        self.shared: dict[str, Any] = {spec.name: getattr(people, spec.field) if spec.place == PEOPLE
                                       else getattr(community, spec.field) for spec in specs}
        self.shared.update({"people.attention": self.attention, "community.ties": self.ties})
        self.communities: list[ChannelCommunity] = []
        self.founded_by_members = 0
        self.sponsorships: dict[str, tuple[int | None, int]] = {}
        self.rows: list[dict[str, Any]] = []
        self._died: set[int] = set()
        self._members: dict[int, np.ndarray] = {}  # each live community's members at the last record
        self._count = np.zeros(n, dtype=np.int64)  # each partner's memberships at the last record
        self._launch_listed(0)
        self._record(founded=len(self.communities), died=0)

    # ---- building communities ---------------------------------------------------------------
    def found(self, plan: CommunityPlan) -> ChannelCommunity:
        """Start community ``plan`` now (this channel week is its week 0) over the channel's
        partners; return it."""
        index = len(self.communities)
        given = dict(self.shared)
        if plan.topic is not None:
            given["community.problem"] = int(plan.topic)
        params = make_params(plan.parameters(self.plan.shared))
        seed = int(stream_key(self.seed, f"community {index}")) >> 1  # its own decisions
        member = ChannelCommunity(plan, CommunityModel(params, seed=seed, given=given), self.week, index)
        self.communities.append(member)
        return member

    def _launch_listed(self, week: int) -> int:
        """Found the listed communities whose launch week is ``week``, then start the sponsorships
        due then (each in the file's order); return how many communities were founded."""
        due = [c for c in self.plan.communities if c.launch_week == week]
        for plan in due:
            if plan.sponsors is None:
                self.found(plan)
        for plan in due:
            if plan.sponsors is not None:
                self.sponsor(plan)
        return sum(plan.sponsors is None for plan in due)

    def sponsor(self, plan: CommunityPlan) -> ChannelCommunity | None:
        """Start sponsorship ``plan`` now: the vendor funds the listed community it names from the
        next week on (:meth:`~simcomm.core.model.CommunityModel.take_sponsor`, with the
        sponsorship's overrides); return that community, or None when it has died (nothing to
        sponsor). Recorded in ``sponsorships``: plan name -> (community index, channel week), the
        index None when nothing was sponsored."""
        target = next((c for c in self.communities if c.plan.name == plan.sponsors and not c.plan.by_members),
                      None)
        if target is None or not target.alive:
            self.sponsorships[plan.name] = (None, self.week)
            return None
        target.model.take_sponsor(plan.overrides)
        self.sponsorships[plan.name] = (target.index, self.week)
        return target

    def _found_by_members(self) -> int:
        """Maybe found one member-founded community this week where a problem is felt and not
        served (see the module's text); return 1 if one was founded, else 0."""
        plan, n = self.plan, self.people.n
        if self.founded_by_members >= plan.max_founded or plan.founding_rate <= 0 or plan.founded is None:
            return 0
        served = np.zeros((n, PROBLEMS.size), dtype=bool)  # has a community on that problem
        for c in self.communities:
            problem = c.model.community.problem
            if c.alive and problem is not None and problem in PROBLEMS:
                served[c.members(), int(np.flatnonzero(problem == PROBLEMS)[0])] = True
        unserved = np.array(self.people.needs)  # a partner's need of a problem it has a community on is met
        unserved[:, PROBLEMS] *= ~served
        weight = felt_problems(unserved, self.people.urgency)
        felt = float(weight.sum()) / n  # share of the partners' problems felt and not served
        chance = 1.0 - math.exp(-plan.founding_rate * felt)
        if felt <= 0 or self.streams.get("channel founding").scalar(self.week) >= chance:
            return 0
        cum = np.cumsum(weight / weight.sum())
        u = self.streams.get("channel founded problem").scalar(self.week)
        problem = int(PROBLEMS[min(int(np.searchsorted(cum, u, side="right")), PROBLEMS.size - 1)])
        self.founded_by_members += 1
        name = f"founded-{self.founded_by_members} ({TOPICS[problem]})"
        self.found(CommunityPlan(name=name, scenario=plan.founded, topic=problem,
                                 launch_week=self.week, by_members=True))
        return 1

    # ---- the week ---------------------------------------------------------------------------
    def memberships(self) -> np.ndarray:
        """Return how many of the channel's live communities each partner belongs to (int per
        partner)."""
        return self._counted(self.members_of())[1]

    def members_of(self) -> dict[int, np.ndarray]:
        """Return each live community's members (by its index: partner indices, ascending)."""
        return {c.index: c.members() for c in self.communities if c.alive}

    def _counted(self, mine: dict[int, np.ndarray]) -> tuple[dict[int, np.ndarray], np.ndarray]:
        """Return ``mine`` (each live community's members) and each partner's memberships (int per
        partner), counted in one pass over the memberships."""
        held = [m for m in mine.values() if m.size]
        count = (np.bincount(np.concatenate(held), minlength=self.people.n) if held
                 else np.zeros(self.people.n, dtype=np.int64))
        return mine, count

    def step(self) -> None:
        """Advance one week: split every partner's hours across its communities (and note each
        live community's members' other memberships), step each live community, decay the shared
        ties once, launch and found communities, record the week; return None."""
        self.week += 1
        if set(self._members) != {c.index for c in self.communities if c.alive}:  # founded from outside
            self._members, self._count = self._counted(self.members_of())
        count = self._count  # the memberships of the last record: nothing has changed since
        self.attention[:] = 1.0 / np.maximum(count, 1)
        for c in self.communities:
            if c.alive:
                mine = count[self._members[c.index]]
                c.other_memberships.append(float(mine.mean()) - 1.0 if mine.size else math.nan)
                c.model.step()
        self.ties.decay_week(self.p.tie_decay)
        died = 0
        for c in self.communities:
            if not c.alive and c.index not in self._died:
                self._died.add(c.index)
                died += 1
        founded = self._launch_listed(self.week) + self._found_by_members()
        self._record(founded=founded, died=died)

    def _record(self, founded: int, died: int) -> None:
        self._members, self._count = self._counted(self.members_of())
        count = self._count
        members = int(np.count_nonzero(count))
        total = int(count.sum())
        self.rows.append({
            "week": self.week,
            "communities_alive": sum(c.alive for c in self.communities),
            "founded": founded,
            "died": died,
            "founded_total": len(self.communities),
            "dead_total": len(self._died),
            "memberships": total,
            "members": members,
            "overlap": total / members if members else math.nan,
        })


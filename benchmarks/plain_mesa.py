"""Benchmark reference implementation: simcomm's weekly rules written as a plain per-agent Mesa 3 model.

This module is NOT part of the simcomm package and is not used by it. It exists only as the
baseline of ``benchmarks/benchmark.py`` (which reports how much faster the array-based
:class:`simcomm.core.model.CommunityModel` is) and is checked for faithfulness by
``tests/test_plain_mesa.py`` (same aggregate behaviour over many seeds).

It is written the way a typical Mesa model is written: every partner firm is a
:class:`PlainPartner` agent that holds its own state in attributes (membership state,
commitment, posts, its peer ties as a ``dict`` of peer agent -> tie strength, ...) and has small
behaviour methods; every manager post is a :class:`PlainStaff` agent; and
:meth:`PlainCommunityModel.step` runs the week as phases, either with
``AgentSet.shuffle_do("<method>")`` or with plain Python loops over agents where a phase needs a
view of the whole community (answering questions, choosing leaders, meet-ups). One step is one
week, and the phases run in the order of :mod:`simcomm.core.mechanisms`:

 1. staff turnover and relationships    7. peer ties: triadic closure, deals, decay
 2. leadership                          8. spam and moderation
 3. free time and participation         9. value, commitment, lapsing, advocate burnout
 4. responses to questions             10. awareness and joining (council policy)
 5. topic update                       11. weekly record (and death of the community)
 6. meet-ups                           12. budget review (over the recorded weeks)

Parameters come from :func:`simcomm.core.params.make_params`; the initial population is drawn with
:class:`simcomm.core.population.Partners` and :func:`simcomm.core.population.acquaintance_graph` (so a seed gives
the same partner firms as ``simcomm.run``), then copied onto the agents, neighbours as Python
lists. Everything after that uses only ``self.random`` (Python) and scalar draws from
``self.rng`` (numpy). The random streams therefore differ from the fast model's: runs are not
identical, but their aggregate behaviour is the same (``tests/test_plain_mesa.py``).

Where a rule of the fast model is synchronous (every member decides from last week's state),
the port keeps it synchronous: word of mouth is pushed to neighbours before anyone decides to
join, and triadic introductions are collected before they are made.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping
from functools import partial
from operator import attrgetter
from typing import Any

import mesa
import pandas as pd
from mesa.agent import AgentSet

from simcomm.core.mechanisms import BUSY_SHAPE, INCENTIVE_FADE, LURK_HYSTERESIS
from simcomm.core.model import DEATH_WEEKS
from simcomm.core.params import Params, make_params
from simcomm.core.population import (
    ACTIVE,
    AWARE,
    LAPSED,
    LURKING,
    PRODUCT,
    TOPICS,
    UNAWARE,
    Partners,
    acquaintance_graph,
)
from simcomm.core.ties import MIN_STRENGTH
from simcomm.runs.library import load_scenario

__all__ = ["OUTPUT_COLUMNS", "PlainCommunityModel", "PlainPartner", "PlainStaff", "run_plain"]

OUTPUT_COLUMNS: tuple[str, ...] = ("week", "active_members", "lurking_members", "lapsed_members",
                                   "posts", "answers", "peer_deals")
TALLY_KEYS: tuple[str, ...] = ("joins", "leaves", "posts", "answers", "first_posts",
                               "first_posts_answered", "new_ties", "ties_lost", "peer_deals",
                               "events", "spam_visible", "vendor_cost")
COMPLEMENTARITY = (0.2, 0.5, 1.0)  # by number of differences (size class, main need)
PORTED_GOVERNANCE: tuple[str, ...] = ("organic", "vendor-imposed")


def _cosine(needs: tuple[float, ...], norm: float, topic: list[float], topic_norm: float) -> float:
    """Return the cosine similarity of a partner's needs with the community's topic mix."""
    dot = sum(x * y for x, y in zip(needs, topic, strict=True))
    return dot / max(norm * (topic_norm + 1e-12), 1e-12)


class PlainPartner(mesa.Agent):
    """A partner firm with its own state; its behaviour is one small method per weekly phase."""

    model: PlainCommunityModel

    def __init__(self, model: PlainCommunityModel, idx: int, people: Partners) -> None:
        super().__init__(model)
        # What the firm is (drawn once by simcomm.core.population.Partners, copied here).
        self.idx = idx
        self.size_class = int(people.size_class[idx])
        self.main_need = int(people.main_need[idx])
        self.depth_tier = bool(people.depth_tier[idx])
        self.needs: tuple[float, ...] = tuple(float(x) for x in people.needs[idx])
        self.needs_norm = math.sqrt(sum(x * x for x in self.needs))
        self.hours = float(people.hours[idx])
        self.programmes = int(people.programmes[idx])
        self.is_advocate = bool(people.is_advocate[idx])
        self.voice = float(people.voice[idx])
        self.expertise = 1.0 + 0.5 * self.size_class
        self.neighbours: list[PlainPartner] = []
        # Community state.
        self.state = UNAWARE
        self.commitment = 0.0
        self.incentive = 0.0
        self.join_week = -1
        self.rejoin_week = -1  # first return after lapsing
        self.last_join_week = -1  # latest join or return
        self.leave_week = -1
        self.posts = 0
        self.answers = 0
        self.first_post_week = -1
        self.first_post_answered = -1
        self.second_post_week = -1
        self.low_weeks = 0
        self.vendor_tie = -1  # slot of the manager post holding a relationship with this firm
        self.invited = False
        self.in_council = False
        self.is_leader = False
        self.burnout = 0.0  # leaders'
        self.advocate_burnout = 0.0  # advocates' (kept apart from leaders')
        self.burned_out = False
        self.deals = 0
        self.ties: dict[PlainPartner, float] = {}  # peer -> tie strength (0-1]
        # This week.
        self.was_member = False
        self.free_h = 0.0
        self.visited = False
        self.champion = False
        self.questions = 0
        self.capacity = 0.0
        self.answered = 0  # answers this member wrote this week
        self.helped = 0
        self.attended = False
        self.deals_week = 0
        self.exposure = 0.0
        self.invited_now = False
        self.found_now = False

    # ---- ties ---------------------------------------------------------------------------------
    def meet(self, other: PlainPartner) -> int:
        """Tie this partner and ``other`` at full strength; return 1 if the tie is new, else 0."""
        if other is self:
            return 0
        new = other not in self.ties
        self.ties[other] = 1.0
        other.ties[self] = 1.0
        return int(new)

    def complementarity(self, other: PlainPartner) -> float:
        """Return how complementary two firms are: 1, 0.5 or 0.2 for 2, 1 or 0 differences."""
        diff = (self.size_class != other.size_class) + (self.main_need != other.main_need)
        return COMPLEMENTARITY[diff]

    # ---- weekly phases ------------------------------------------------------------------------
    def start_week(self) -> None:
        """Note whether this partner is a member as the week starts."""
        self.was_member = self.state == ACTIVE or self.state == LURKING

    def plan_week(self) -> None:
        """Free time and participation: visit, ask questions, offer answers (members only)."""
        model, p = self.model, self.model.p
        shock = model.random.gammavariate(BUSY_SHAPE, 1.0 / BUSY_SHAPE)
        self.free_h = self.hours * shock / (1.0 + p.programme_drag * self.programmes)
        time_factor = 1.0 - math.exp(-2.0 * self.free_h)
        c = self.commitment
        active = self.state == ACTIVE
        p_visit = min(1.0, max(0.0, c * time_factor * (1.0 if active else 0.5)))
        self.visited = model.random.random() < p_visit
        self.champion = (self.is_advocate and not self.burned_out) or self.is_leader
        intensity = c * self.free_h / p.hours_per_week * self.voice * (3.0 if self.champion else 1.0)
        if self.visited and active:
            self.questions = int(model.rng.poisson(p.post_rate * intensity))
            self.capacity = p.answer_rate * intensity * self.expertise
        else:
            self.questions = 0
            self.capacity = 0.0
        if p.question_rate and self.visited and model.random.random() < p.question_rate:
            self.questions += 1  # a problem of its own: lurkers ask too
        self.answered = 0
        self.helped = 0
        self.attended = False
        self.deals_week = 0

    def attend_meetup(self) -> None:
        """Go to this month's meet-up with probability = commitment, if visiting and active."""
        model = self.model
        if self.visited and self.state == ACTIVE and model.random.random() < self.commitment:
            self.attended = True
            model.attendees.append(self)

    def introduce_peers(self) -> None:
        """Triadic closure: with some chance, introduce two of this member's peers to each other."""
        model = self.model
        if model.random.random() < model.p.triadic_closure and len(self.ties) >= 2:
            a, b = model.random.sample(list(self.ties), 2)
            model.introductions.append((a, b))

    def close_deals(self) -> None:
        """Each tie to another member may close a peer deal (a deal refreshes the tie)."""
        model = self.model
        rate = model.p.deal_rate
        for peer in self.ties:
            if peer.unique_id > self.unique_id and peer.was_member and \
                    model.random.random() < rate * self.complementarity(peer):
                self.ties[peer] = peer.ties[self] = 1.0
                self.deals += 1
                peer.deals += 1
                self.deals_week += 1
                peer.deals_week += 1
                model.tally["peer_deals"] += 1

    def decay_ties(self) -> None:
        """Weaken this partner's ties (each pair once) and forget those below MIN_STRENGTH."""
        if not self.ties:
            return
        keep = 1.0 - self.model.p.tie_decay
        for peer, strength in list(self.ties.items()):
            if peer.unique_id > self.unique_id:
                s = strength * keep
                if s < MIN_STRENGTH:
                    del self.ties[peer]
                    del peer.ties[self]
                    self.model.tally["ties_lost"] += 1
                else:
                    self.ties[peer] = peer.ties[self] = s

    def update_commitment(self) -> None:
        """Value of the week, commitment, lurking and lapsing, then advocate burnout (members)."""
        model, p = self.model, self.model.p
        value = (p.social_value * math.log1p(len(self.ties)) + p.deal_value * self.deals_week
                 + p.content_value * (self.helped + self.attended) + self.incentive)
        if self.visited:
            rel = _cosine(self.needs, self.needs_norm, model.topic, model.topic_norm)
            value += (p.content_value * rel * model.richness - model.visit_penalty
                      - p.time_cost * math.exp(-self.free_h))
        if self.vendor_tie >= 0 and model.staff[self.vendor_tie].in_post:
            value += p.relationship_value
        if self.champion:
            value += p.advocate_motivation
        target = value / (1.0 + abs(value)) if value > 0 else 0.0
        tenure = model.week - self.last_join_week  # since the latest join or return
        rate = max(p.commitment_rate, 1.0 / (tenure + 2.0))
        c = self.commitment + rate * (target - self.commitment)
        self.commitment = c
        self.incentive *= INCENTIVE_FADE

        if self.state == ACTIVE and c < p.lurk_threshold:
            self.state = LURKING
        elif self.state == LURKING and c >= p.lurk_threshold + LURK_HYSTERESIS:
            self.state = ACTIVE
        self.low_weeks = self.low_weeks + 1 if c < p.leave_threshold else 0
        if self.low_weeks >= p.leave_weeks:
            model.lapse(self)
        if self.is_advocate and not self.burned_out:
            # Load: answers actually written this week beyond one (a quiet week recovers).
            self.advocate_burnout = max(0.0, self.advocate_burnout
                                        + p.leader_burnout * (self.answered - 1.0))
            if self.advocate_burnout >= 1.0:
                self.burned_out = True
                self.commitment *= 0.5
                model.burned_out_this_week += 1

    def spread_word(self) -> None:
        """An active member makes its acquaintances consider joining (word of mouth, invitations)."""
        if self.state != ACTIVE:
            return
        p = self.model.p
        push = p.word_of_mouth + (p.invitation if self.is_advocate and not self.burned_out else 0.0)
        for peer in self.neighbours:
            peer.exposure += push

    def consider_joining(self) -> None:
        """A partner outside the community may consider joining, then join (or become aware)."""
        exposure, invited, found = self.exposure, self.invited_now, self.found_now
        self.exposure, self.invited_now, self.found_now = 0.0, False, False
        model = self.model
        if self.was_member or (model.council_closed and not self.in_council):
            return
        if exposure <= 0.0 and not invited and not found:
            return
        if not (invited or found) and model.random.random() >= 1.0 - math.exp(-exposure):
            return
        p = model.p
        fit = _cosine(self.needs, self.needs_norm, model.topic, model.topic_norm)
        p_join = (fit + p.incentive * invited) / (1.0 + p.programme_drag * self.programmes)
        if self.state == LAPSED:
            p_join *= p.return_rate
        if model.random.random() < p_join:
            model.enroll(self, invited)
            if invited and model.open_slots:
                self.vendor_tie = model.random.choice(model.open_slots)
        elif self.state == UNAWARE:
            self.state = AWARE


class PlainStaff(mesa.Agent):
    """A community-manager post: in post or vacant, with time in post (ramp-up) and turnover."""

    model: PlainCommunityModel

    def __init__(self, model: PlainCommunityModel, slot: int, skill: float = 0.7) -> None:
        super().__init__(model)
        self.slot = slot
        self.skill = skill
        self.in_post = True
        self.weeks_in_post = 0
        self.vacant_until = -1

    def effectiveness(self) -> float:
        """Return the share (0-1) of full effectiveness; a successor ramps up over weeks."""
        if not self.in_post:
            return 0.0
        ramp = (1.0 - self.model.p.handover_quality) * 26.0
        if ramp <= 0:
            return self.skill
        return self.skill * min(1.0, (self.weeks_in_post + 1) / ramp)

    def turnover(self) -> None:
        """Leave with the weekly hazard (relationships are lost unless handed over), or fill a vacancy."""
        model, p = self.model, self.model.p
        if self.in_post:
            if model.random.random() < p.staff_turnover_per_year / 52.0:
                self.in_post = False
                gap = int(model.rng.geometric(1.0 / (p.vacancy_weeks + 1.0))) - 1 \
                    if p.vacancy_weeks > 0 else 0
                self.vacant_until = model.week + gap
                held = [a for a in model.partners if a.vendor_tie == self.slot]
                lost = 0
                for a in held:
                    if model.random.random() >= p.handover_quality:
                        a.vendor_tie = -1
                        lost += 1
                model.log("staff_left", f"the community manager left; {lost} of {len(held)} "
                          f"relationships went with them; the post is empty for {gap} weeks")
            else:
                self.weeks_in_post += 1
        elif model.week >= self.vacant_until:
            self.in_post = True
            self.weeks_in_post = 0
            model.log("staff_joined", "a new community manager started, with no relationships")

    def build_relationships(self) -> None:
        """Start personal relationships with active members who have none (depth partners 3x)."""
        model, p = self.model, self.model.p
        eff = self.effectiveness()
        if eff <= 0:
            return
        free = [a for a in model.member_list if a.vendor_tie < 0 and a.state == ACTIVE]
        k = min(len(free), int(model.rng.poisson(p.relationships_per_week * eff)))
        if k:
            # Weighted sampling without replacement (Efraimidis & Spirakis): key = u ** (1 / w).
            rnd = model.random.random
            keyed = sorted(free, key=lambda a: rnd() ** (1.0 / (3.0 if a.depth_tier else 1.0)),
                           reverse=True)
            for a in keyed[:k]:
                a.vendor_tie = self.slot


class PlainCommunityModel(mesa.Model):
    """The partner community as a plain per-agent Mesa model (benchmark reference).

    Args:
        params: validated parameters (:func:`simcomm.core.params.make_params`); defaults if None.
        seed: seeds ``self.rng`` (numpy) and ``self.random`` (Python).

    Only the ``organic`` and ``vendor-imposed`` governance types are ported; any other raises
    ValueError (their rules in :mod:`simcomm.core.governance` are not written here).
    """

    def __init__(self, params: Params | None = None, seed: int = 0) -> None:
        super().__init__(rng=seed)
        self.p: Params = params if params is not None else make_params()
        p = self.p
        if p.governance not in PORTED_GOVERNANCE:
            raise ValueError(f"the plain port has no rules for governance '{p.governance}' "
                             f"(only {', '.join(PORTED_GOVERNANCE)})")
        self.week = 0
        people = Partners(p, self.rng)
        graph = acquaintance_graph(people, p, self.rng)
        self.partners: list[PlainPartner] = [PlainPartner(self, i, people) for i in range(people.n)]
        indptr, indices = graph.indptr.tolist(), graph.indices.tolist()
        for i, agent in enumerate(self.partners):
            agent.neighbours = [self.partners[j] for j in indices[indptr[i]:indptr[i + 1]]]
        self.member_led = p.governance == "organic"
        self.staff: list[PlainStaff] = []
        if p.governance == "vendor-imposed":
            self.staff = [PlainStaff(self, slot=i) for i in range(p.staff_count)]
            for s in self.staff:
                s.weeks_in_post = 52  # the launch manager designed the programme
        self.budget_level = 1.0
        self.closed = False
        self.died_week: int | None = None
        self.review_misses = 0
        self.events: list[tuple[int, str, str]] = []
        self.tally: dict[str, float] = dict.fromkeys(TALLY_KEYS, 0)
        self.cost_history: list[float] = []
        self.revenue_history: list[float] = []
        self.active_history: list[int] = []
        self.row: dict[str, Any] = {}
        self.member_topic = [0.0] * len(TOPICS)
        self.topic = list(self.member_topic)
        self.topic_norm = 0.0
        # Filled in each week.
        self.member_list: list[PlainPartner] = []
        self.n_active = 0
        self.attendees: list[PlainPartner] = []
        self.introductions: list[tuple[PlainPartner, PlainPartner]] = []
        self.richness = 0.0
        self.visit_penalty = 0.0
        self.spam_share = 0.0
        self.council_closed = False
        self.open_slots: list[int] = []
        self.burned_out_this_week = 0
        self._launch()
        self.datacollector = mesa.DataCollector(
            model_reporters={k: partial(_row_value, key=k) for k in OUTPUT_COLUMNS})

    # ---- helpers ------------------------------------------------------------------------------
    def log(self, kind: str, text: str) -> None:
        """Append a plain-language event to the event log."""
        self.events.append((self.week, kind, text))

    def staff_effort(self) -> float:
        """Return the managers' combined effectiveness this week (0 when every post is empty)."""
        return sum(s.effectiveness() for s in self.staff)

    def set_topic(self) -> None:
        """Recompute the content mix from the members' topic and the promotion share."""
        share = self.p.promo_share
        self.topic = [(1.0 - share) * x for x in self.member_topic]
        self.topic[PRODUCT] += share
        self.topic_norm = math.sqrt(sum(x * x for x in self.topic))

    def enroll(self, agent: PlainPartner, invited: bool, commitment: float | None = None) -> None:
        """Make ``agent`` a member this week (first join or return): active, or lurking below
        ``lurk_threshold``."""
        p = self.p
        if agent.join_week < 0:
            agent.join_week = self.week
        elif agent.rejoin_week < 0:
            agent.rejoin_week = self.week
        agent.last_join_week = self.week
        base = p.newcomer_commitment if commitment is None else commitment
        agent.commitment = min(1.0, base + p.incentive * invited)
        agent.state = ACTIVE if agent.commitment >= p.lurk_threshold else LURKING
        agent.incentive = p.incentive * invited
        agent.invited = agent.invited or invited
        agent.low_weeks = 0
        self.tally["joins"] += 1

    def lapse(self, agent: PlainPartner) -> None:
        """Record that ``agent`` left the community this week."""
        agent.state = LAPSED
        if agent.leave_week < 0:
            agent.leave_week = self.week
        agent.is_leader = False
        agent.vendor_tie = -1
        agent.low_weeks = 0
        self.tally["leaves"] += 1

    def close(self, reason: str) -> None:
        """End the community: every member lapses and the managers leave their posts."""
        self.closed = True
        self.died_week = self.week
        for a in self.partners:
            if a.state == ACTIVE or a.state == LURKING:
                self.lapse(a)
        for s in self.staff:
            s.in_post = False
            s.vacant_until = 10**9
        self.log("death", reason)

    # ---- launch -------------------------------------------------------------------------------
    def _launch(self) -> None:
        """Enroll the founders and seeded advocates; choose the council under that policy."""
        p, rnd, everyone = self.p, self.random, self.partners
        n = len(everyone)
        if self.member_led:
            problem = rnd.choice([i for i in range(len(TOPICS)) if i != PRODUCT])
            pool = [a for a in everyone if a.main_need == problem]
            self.log("launch", f"{p.founders} partners with a shared problem "
                     f"({TOPICS[problem]}) started the community")
        else:
            pool = [a for a in everyone if a.depth_tier]
            self.log("launch", f"the vendor launched the community with {p.founders} invited partners")
        if len(pool) < p.founders:
            pool = everyone
        if self.member_led:  # the vocal start communities: sample weighted by voice
            founders = sorted(pool, key=lambda a: -rnd.random() ** (1.0 / a.voice))[:p.founders]
        else:
            founders = rnd.sample(pool, min(p.founders, n))
        founder_set = set(founders)
        advocates = [a for a in everyone if a.is_advocate and a not in founder_set]
        k = min(p.seed_advocates, n - len(founders))
        if len(advocates) < k:
            others = [a for a in everyone if a not in founder_set and not a.is_advocate]
            extra = rnd.sample(others, k - len(advocates))
            for a in extra:
                a.is_advocate = True
            advocates += extra
        seeded = rnd.sample(advocates, k) if k else []
        launch = founders + seeded
        self.member_topic = [sum(a.needs[t] for a in launch) / len(launch) for t in range(len(TOPICS))]
        self.set_topic()
        for a in launch:
            self.enroll(a, invited=False, commitment=p.founder_commitment)
        if self.staff:
            for i, a in enumerate(launch):
                a.vendor_tie = i % len(self.staff)
        if len(launch) > 1:  # founders know each other: each is tied to up to three others
            for a in launch:
                for _ in range(3):
                    a.meet(rnd.choice(launch))
        if p.growth_policy == "council":
            launch_set = set(launch)
            for a in launch:
                a.in_council = True
            rest = [a for a in everyone if a not in launch_set]
            rest.sort(key=lambda a: -(a.depth_tier * 10.0 + a.hours))
            for a in rest[:max(0, p.council_size - len(launch))]:
                a.in_council = True
        self.tally["joins"] = 0  # launch members are not weekly joins

    # ---- the week -----------------------------------------------------------------------------
    def step(self) -> None:
        """Advance one week: the phases in the order of simcomm.core.mechanisms, then record it."""
        self.week = self.steps
        self.tally = dict.fromkeys(TALLY_KEYS, 0)
        partners = self.agents_by_type[PlainPartner]
        partners.do("start_week")
        members = partners.select(attrgetter("was_member"))
        self.member_list = list(members)
        self.n_active = sum(1 for a in self.member_list if a.state == ACTIVE)

        if self.staff and not self.closed:
            for s in self.staff:
                s.turnover()
        for s in self.staff:
            s.build_relationships()
        self.leadership()
        members.shuffle_do("plan_week")
        self.responses()
        self.update_topics()
        self.meetup(members)
        self.introductions = []
        members.shuffle_do("introduce_peers")
        for a, b in self.introductions:
            self.tally["new_ties"] += a.meet(b)
        members.shuffle_do("close_deals")
        partners.shuffle_do("decay_ties")
        self.moderation()
        self.prepare_value()
        self.burned_out_this_week = 0
        members.shuffle_do("update_commitment")
        if self.burned_out_this_week:
            self.log("advocate_burnout", f"{self.burned_out_this_week} advocate(s) burned out")
        self.awareness_and_joining(members, partners)
        self.record_week()
        self.budget_review()
        self.datacollector.collect(self)

    def leadership(self) -> None:
        """Member-run communities: leaders tire and step down; the most committed step up."""
        if not self.member_led:
            return
        p = self.p
        leaders = [a for a in self.member_list if a.is_leader]
        for a in leaders:
            if a.state != ACTIVE:
                a.is_leader = False
        leaders = [a for a in leaders if a.is_leader]
        if leaders:
            load = self.n_active / (len(leaders) * p.members_per_leader)
            out = 0
            for a in leaders:
                a.burnout += p.leader_burnout * (0.5 + load)
                if a.burnout >= 1.0:
                    a.is_leader = False
                    a.commitment *= 0.5
                    out += 1
            if out:
                self.log("leader_burnout", f"{out} leader(s) burned out and stepped down")
        rest = [a for a in self.member_list if not a.is_leader]
        for a in rest:
            a.burnout = max(0.0, a.burnout - p.leader_burnout)
        n_active = self.n_active
        needed = max(1, math.ceil(n_active / p.members_per_leader)) if n_active else 0
        deficit = needed - sum(1 for a in self.member_list if a.is_leader)
        if deficit > 0:
            cand = [a for a in rest if a.state == ACTIVE and a.commitment >= p.leader_threshold
                    and a.burnout < 0.5]
            cand.sort(key=lambda a: -a.commitment)
            for a in cand[:deficit]:
                a.is_leader = True
            if cand and not leaders:
                self.log("leader_emerged", f"{min(deficit, len(cand))} member(s) stepped up to lead")

    def responses(self) -> None:
        """Answer this week's questions from the members' (and managers') answer capacity.

        Nobody answers their own question: if the answerer drawn is the asker, a second draw
        replaces it; if that is the asker again, the question stays unanswered.
        """
        p, rnd, week = self.p, self.random, self.week
        questions: list[tuple[int, PlainPartner, bool]] = []  # (asker's position, asker, newcomer)
        for pos, a in enumerate(self.member_list):
            if a.questions:
                questions.append((pos, a, a.first_post_week < 0))
                questions.extend((pos, a, False) for _ in range(a.questions - 1))
        q = len(questions)
        if q == 0:
            return
        staff_cap = self.staff_effort() * p.staff_answers
        cum_reg: list[float] = []
        cum_new: list[float] = []
        total_reg = total_new = 0.0
        for a in self.member_list:
            total_reg += a.capacity
            total_new += a.capacity * (1.0 if a.champion else p.newcomer_attention)
            cum_reg.append(total_reg)
            cum_new.append(total_new)
        c_reg, c_new = total_reg + staff_cap, total_new + staff_cap
        cum_reg.append(c_reg)
        cum_new.append(c_new)
        p_reg, p_new = 1.0 - math.exp(-c_reg / q), 1.0 - math.exp(-c_new / q)
        n_members = len(self.member_list)
        answered_n = first_posts = first_answered = 0
        for pos, asker, newcomer in questions:
            answered = rnd.random() < (p_new if newcomer else p_reg)
            answerer = None
            if answered:
                # Who answers: a member in proportion to capacity, or a manager (the last slot).
                cum, total = (cum_new, c_new) if newcomer else (cum_reg, c_reg)
                who = bisect.bisect_right(cum, rnd.random() * total)
                if who == pos:  # the asker: draw again
                    who = bisect.bisect_right(cum, rnd.random() * total)
                who = min(who, n_members)
                answered = who != pos  # the asker twice: unanswered
            if answered:
                answered_n += 1
                asker.helped = 1
                if who < n_members:  # otherwise a manager answered
                    answerer = self.member_list[who]
            for writer in (asker, answerer):
                if writer is not None and 0 <= writer.first_post_week < week \
                        and writer.second_post_week < 0:
                    writer.second_post_week = week
            if newcomer:
                first_posts += 1
                asker.first_post_week = week
                asker.first_post_answered = int(answered)
                if answered:
                    first_answered += 1
                    asker.commitment = min(1.0, asker.commitment + p.reply_boost)
            asker.posts += 1
            if answerer is not None:
                if answerer.first_post_week < 0:
                    answerer.first_post_week = week
                answerer.answers += 1
                answerer.answered += 1
                if rnd.random() < p.tie_from_answer:
                    self.tally["new_ties"] += asker.meet(answerer)
        t = self.tally
        t["posts"] += q
        t["answers"] += answered_n
        t["first_posts"] += first_posts
        t["first_posts_answered"] += first_answered

    def update_topics(self) -> None:
        """The members' topic follows this week's askers' needs; promotion takes its share."""
        askers = [a for a in self.member_list if a.questions > 0]
        if askers:
            for t in range(len(TOPICS)):
                asked = sum(a.needs[t] for a in askers) / len(askers)
                self.member_topic[t] = 0.9 * self.member_topic[t] + 0.1 * asked
        self.set_topic()

    def meetup(self, members: AgentSet) -> None:
        """Every ``meetup_every`` weeks, a meet-up if someone organises it; attendees make ties."""
        p = self.p
        if self.closed or self.week % p.meetup_every:
            return
        if self.member_led:
            organised = any(a.is_leader for a in self.member_list)
        else:
            organised = self.staff_effort() > 0 and self.random.random() < self.budget_level
        if not organised:
            return
        self.attendees = []
        members.shuffle_do("attend_meetup")
        self.tally["events"] += 1
        if self.staff:
            self.tally["vendor_cost"] += p.event_cost
        who = self.attendees
        if len(who) < 2:
            return
        h, rnd = p.homophily, self.random
        order = sorted(who, key=lambda a: h * (a.size_class * 5 + a.main_need) / 20.0
                       + (1 - h) * rnd.random())
        pairs = min(len(order) - 1, round(p.event_ties * len(who) / 2))
        for i in rnd.sample(range(len(order) - 1), pairs):
            self.tally["new_ties"] += order[i].meet(order[i + 1])

    def moderation(self) -> None:
        """Spam arrives; while someone moderates, a share of it is removed."""
        p = self.p
        spam = int(self.rng.poisson(p.spam_per_member * len(self.member_list)))
        moderated = any(a.is_leader for a in self.member_list) if self.member_led else self.staff_effort() > 0
        removed = int(self.rng.binomial(spam, p.moderation)) if moderated else 0
        visible = spam - removed
        self.tally["spam_visible"] += visible
        messages = self.tally["posts"] + self.tally["answers"]
        self.spam_share = visible / (visible + messages + 1.0)

    def prepare_value(self) -> None:
        """Compute this week's community-wide parts of a visit's value (feed richness, noise)."""
        p = self.p
        messages = self.tally["posts"] + self.tally["answers"] + self.staff_effort() * p.staff_posts
        self.richness = 1.0 - math.exp(-messages / p.content_scale)
        self.visit_penalty = (p.promo_cost * p.promo_share * (1.0 - p.staff_authenticity)
                              + p.spam_cost * self.spam_share)

    def awareness_and_joining(self, members: AgentSet, partners: AgentSet) -> None:
        """Word of mouth, advocates' and managers' invitations; partners consider joining."""
        if self.closed:
            return
        p = self.p
        self.council_closed = p.growth_policy == "council" and self.week < p.open_week
        if p.growth_policy == "council" and self.week == p.open_week:
            self.log("council_opened", "the partner council opened the community to everyone")
        effort = self.staff_effort()
        if effort > 0 and p.recruit_per_week > 0:
            k = int(self.rng.poisson(p.recruit_per_week * effort * self.budget_level))
            # Invitations go to partners outside the community (as the week started) who may
            # join (council members only while the council is closed), drawn with replacement.
            pool = [a for a in self.partners if not a.was_member
                    and (a.in_council or not self.council_closed)] if k else []
            if pool:
                for _ in range(k):
                    pool[self.random.randrange(len(pool))].invited_now = True
        # Public content is found by Poisson(discovery x messages) partners drawn at random.
        if p.discovery:
            messages = self.tally["posts"] + self.tally["answers"]
            for _ in range(int(self.rng.poisson(p.discovery * messages))):
                agent = self.partners[self.random.randrange(len(self.partners))]
                agent.found_now = not agent.was_member and (agent.in_council or not self.council_closed)
        self.open_slots = [s.slot for s in self.staff if s.in_post]
        members.shuffle_do("spread_word")
        partners.shuffle_do("consider_joining")

    def budget_review(self) -> None:
        """Every review period, the vendor compares revenue with cost: cut, then close.

        Runs after :meth:`record_week`: the period is the last ``review_every`` recorded weeks,
        this one included.
        """
        p = self.p
        if not self.staff or self.closed or self.week < p.review_start:
            return
        if (self.week - p.review_start) % p.review_every:
            return
        cost = sum(self.cost_history[-p.review_every:])
        revenue = sum(self.revenue_history[-p.review_every:])
        roi = revenue / cost if cost > 0 else math.inf
        if roi >= p.roi_target:
            self.review_misses = 0
            return
        self.review_misses += 1
        if self.review_misses == 1:
            self.budget_level *= 1.0 - p.budget_cut
            self.log("budget_cut", f"the budget review (ROI {roi:.2f}) cut the event and "
                     f"recruitment budget by {p.budget_cut:.0%}")
        else:
            self.close(f"the budget review (ROI {roi:.2f}) closed the programme")

    def record_week(self) -> None:
        """Count members by state, book cost and revenue, and check for the community's death."""
        counts = [0] * 5
        for a in self.partners:
            counts[a.state] += 1
        staff_in = sum(s.in_post for s in self.staff)
        t = self.tally
        self.cost_history.append(t["vendor_cost"] + staff_in * self.p.staff_cost_per_week)
        self.revenue_history.append(self.p.revenue_per_active * counts[ACTIVE]
                                    + self.p.revenue_per_deal * t["peer_deals"])
        self.active_history.append(counts[ACTIVE])
        self.row = {"week": self.week, "active_members": counts[ACTIVE],
                    "lurking_members": counts[LURKING], "lapsed_members": counts[LAPSED],
                    "posts": int(t["posts"]), "answers": int(t["answers"]),
                    "peer_deals": int(t["peer_deals"])}
        if not self.closed and self.week > DEATH_WEEKS and max(self.active_history[-DEATH_WEEKS:]) == 0:
            self.close(f"no member has been active for {DEATH_WEEKS} weeks")
            self.row["lurking_members"] = 0
            self.row["lapsed_members"] = sum(1 for a in self.partners if a.state == LAPSED)


def _row_value(model: PlainCommunityModel, key: str) -> Any:
    return model.row[key]


def run_plain(scenario_name: str, weeks: int, seed: int,
              overrides: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Run the plain per-agent model of built-in scenario ``scenario_name``; return the weekly table.

    Parameters are built exactly as :func:`simcomm.run` builds them: the scenario's overrides,
    then ``overrides`` on top. Columns: week, active_members, lurking_members, lapsed_members,
    posts, answers, peer_deals (one row per week, weeks 1 .. ``weeks``).
    """
    sc = load_scenario(scenario_name)
    params = make_params(overrides, base=sc.overrides)
    model = PlainCommunityModel(params, seed=seed)
    for _ in range(weeks):
        model.step()
    return model.datacollector.get_model_vars_dataframe().reset_index(drop=True)


def _summary(frames: Iterable[pd.DataFrame]) -> str:
    """Return a one-line summary of several runs (used by ``python plain_mesa.py``)."""
    rows = [(f["active_members"].iloc[-26:].mean(), f["posts"].sum(), f["peer_deals"].sum())
            for f in frames]
    return "  ".join(f"active={a:.1f} posts={b} deals={c}" for a, b, c in rows)


if __name__ == "__main__":
    import sys
    import time

    name = sys.argv[1] if len(sys.argv) > 1 else "organic"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    t0 = time.perf_counter()
    out = run_plain(name, 260, 0, {"partners": n})
    print(_summary([out]), f"{time.perf_counter() - t0:.2f} s")

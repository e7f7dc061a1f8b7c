"""CommunityModel: a vendor's partner community, week by week (shared/MODEL.md).

The partner population lives in numpy arrays (:class:`simcomm.core.population.Partners`); vendor
managers are Mesa agents (:class:`simcomm.agents.VendorStaff`), and partners are reachable as Mesa
agents on demand (:meth:`CommunityModel.partner_agents`). One step is one week: the mechanisms of
:data:`simcomm.core.mechanisms.WEEK` that apply under the governance rules, in order, sharing a
fresh :class:`~simcomm.core.week.Week`. The DataCollector is the one record of the weekly metrics.
"""

from __future__ import annotations

import re
from typing import Any

import mesa
import numpy as np
from mesa.agent import AgentSet

from simcomm.agents import Advocate, Partner, VendorStaff
from simcomm.core.counterfactual import AdverseEvent, Counterfactual
from simcomm.core.governance import GOVERNANCE, Rules
from simcomm.core.launch import launch
from simcomm.core.mechanism import Mechanism, check_order
from simcomm.core.mechanisms import WEEK, census
from simcomm.core.mechanisms.record import WeeklyRecord
from simcomm.core.mechanisms.staff_turnover import draw_hire
from simcomm.core.metrics import WEEKLY_METRICS
from simcomm.core.params import Params, make_params
from simcomm.core.population import ACTIVE, LAPSED, LURKING, Partners, acquaintance_graph
from simcomm.core.randomness import Streams
from simcomm.core.ties import PeerTies
from simcomm.core.week import Week


def week_for(rules: Rules) -> tuple[Mechanism, ...]:
    """Return the mechanisms of the week that apply under ``rules``, in the week's order."""
    week = tuple(m for m in WEEK if m.applies(rules))
    check_order(week)
    return week


class CommunityModel(mesa.Model):
    """A partner community under one governance type, from launch, one step per week.

    Args:
        params: validated parameters (:func:`simcomm.core.params.make_params`); defaults if None.
        seed: the one seed every random draw derives from: each decision draws from its own
            stream of ``model.streams`` (common random numbers, :mod:`simcomm.core.randomness`).
        counterfactual: the run's events to neutralise (:mod:`simcomm.core.counterfactual`);
            None or an empty one changes nothing. The run's adverse events are recorded in
            ``model.adverse`` either way.
    """

    def __init__(self, params: Params | None = None, seed: int = 0,
                 counterfactual: Counterfactual | None = None) -> None:
        super().__init__(rng=seed)
        self.counterfactual = counterfactual if counterfactual is not None else Counterfactual()
        self.adverse: list[AdverseEvent] = []  # departures and budget decisions, as they happen
        self.p: Params = params if params is not None else make_params()
        self.seed = seed
        self.week = 0
        self.streams = Streams(seed)  # common random numbers: one stream per decision
        self.people = Partners(self.p, self.streams)
        self.graph = acquaintance_graph(self.people, self.p, self.streams)
        self.ties = PeerTies(self.people.n, self.people.skills, gain=self.p.tie_gain,
                             forget=self.p.tie_forget)
        self.rules: Rules = GOVERNANCE[self.p.governance]
        self.mechanisms = week_for(self.rules)
        # The decisions drawn for every member each week, hashed together at the census.
        self.member_draws = tuple(dict.fromkeys(d for m in self.mechanisms for d in m.member_draws))
        self.funding = True  # a sponsor's or vendor's money, until a review withdraws it
        self.staff: list[VendorStaff] = []
        if self.rules.has_staff:
            for slot in range(self.p.staff_count):
                skill, authenticity = draw_hire(self, slot, 1)
                self.staff.append(VendorStaff(self, slot=slot, skill=skill, authenticity=authenticity))
            for s in self.staff:
                s.weeks_in_post = self.p.launch_weeks_in_post
        self.problem: int | None = None  # the shared problem (topic) an anchored launch is built on
        self.promo_share = float(self.p.promo_share)  # the programme's promotional share now
        self.events_from = 0  # a successor who reset the programme holds no events before this week
        self.staff_level = 1.0  # managers' time left after budget cuts (share)
        self.budget_level = 1.0
        self.closed = False
        self.died_week: int | None = None
        self.review_misses = 0
        self.events: list[tuple[int, str, str]] = []
        self.vacant_since: dict[int, int] = {}  # manager post (slot) -> week it emptied
        self.member_topic = self.people.needs.mean(axis=0)
        self.topic = self.member_topic.copy()
        self.skill_supply = self.people.skills.mean(axis=0)  # the skills active members offer
        self.current = Week(0)  # this week's shared state (the last week's, between steps)
        self._handles: dict[int, Partner] = {}
        launch(self)
        self.datacollector = WeeklyRecord(WEEKLY_METRICS)

    @property
    def history(self) -> dict[str, list[Any]]:
        """Return the weekly metrics so far, one list per metric (the DataCollector's record)."""
        return self.datacollector.model_vars

    # ---- the week -----------------------------------------------------------------------------
    def step(self) -> None:
        """Advance one week: the week's mechanisms in order (the last ones record the metrics)."""
        self.week = self.steps
        self.current = Week(self.week)
        for mechanism in self.mechanisms:
            mechanism.step(self, self.current)

    def new_week(self) -> Week:
        """Return a fresh Week for the current week with its census taken (for running one
        mechanism on its own, as the tests do); the model's state is not advanced."""
        self.current = Week(self.week)
        census.census(self, self.current)
        return self.current

    # ---- membership ---------------------------------------------------------------------------
    def enroll(self, idx: np.ndarray, invited: np.ndarray, commitment: float | None = None,
               fit: np.ndarray | None = None) -> int:
        """Make partners ``idx`` members this week (active, or lurking below ``lurk_threshold``);
        return how many joined.

        A newcomer's starting commitment is ``newcomer_commitment`` + ``newcomer_fit_pull`` x (fit
        - 0.5) + ``newcomer_urgency_pull`` x (urgency - 0.5) + ``incentive`` if invited, within
        [0, 1]; ``fit`` (0-1, per partner) is the fit with the community's topics when not given.
        ``commitment`` sets everyone's instead (the founders').
        """
        if idx.size == 0:
            return 0
        p, people = self.p, self.people
        first = people.join_week[idx] < 0
        people.join_week[idx[first]] = self.week
        back = idx[~first]
        if back.size:
            people.rejoin_week[back[people.rejoin_week[back] < 0]] = self.week
        people.last_join_week[idx] = self.week
        if commitment is None:
            fit = self.people.fit(idx, self.topic, p.fit_sharpness) if fit is None else fit
            base = (p.newcomer_commitment + p.newcomer_fit_pull * (fit - 0.5)
                    + p.newcomer_urgency_pull * (people.urgency[idx] - 0.5))
        else:
            base = np.full(idx.size, commitment)
        c = (base + p.incentive * invited).clip(0.0, 1.0)
        people.commitment[idx] = c
        # A partner joins active, or lurking when its commitment is below the lurking threshold.
        people.state[idx] = np.where(c >= p.lurk_threshold, ACTIVE, LURKING)
        people.incentive[idx] = p.incentive * invited
        if np.count_nonzero(invited):
            people.invited[idx] |= invited
        return int(idx.size)

    def lapse(self, gone: np.ndarray) -> int:
        """Record that members ``gone`` left this week (a first leave sets leave_week); return how
        many left."""
        people = self.people
        people.state[gone] = LAPSED
        first = gone[people.leave_week[gone] < 0]
        people.leave_week[first] = self.week
        people.is_leader[gone] = False
        people.vendor_tie[gone] = -1
        return int(gone.size)

    def partner_agents(self) -> AgentSet:
        """Return Mesa agents (Partner, or Advocate) for every partner who ever joined; each is a
        handle onto its row of the arrays, made the first time it is asked for."""
        for i in np.flatnonzero(self.people.join_week >= 0).tolist():
            if i not in self._handles:
                self._handles[i] = (Advocate if self.people.is_advocate[i] else Partner)(self, i)
        return AgentSet(list(self._handles.values()), random=self.random)

    # ---- the vendor ---------------------------------------------------------------------------
    def staff_effort(self) -> float:
        """Return the managers' combined effectiveness this week (skill x ramp-up x the time the
        budget leaves them; 0 when every post is empty, and always 0 where the vendor does not run
        the community)."""
        if not self.rules.vendor_runs:
            return 0.0
        ramp = (1.0 - self.p.handover_quality) * self.p.successor_ramp_weeks
        return float(sum(s.effectiveness(ramp) for s in self.staff)) * self.staff_level

    def voice_authenticity(self) -> float:
        """Return how authentic the voice behind the promotion is (0-1): the managers' (mean over
        posts) where the vendor runs the community, else ``staff_authenticity``."""
        if self.rules.vendor_runs and self.staff:
            return float(np.add.reduce(np.array([s.authenticity for s in self.staff])) / len(self.staff))
        return float(self.p.staff_authenticity)

    def sponsor_in_post(self) -> bool:
        """Return True while someone holds a funded post and the funding has not been withdrawn."""
        return self.funding and any(s.in_post for s in self.staff)

    def withdraw_funding(self, reason: str) -> None:
        """End the vendor's money for good (sponsored): its posts close, the members carry on."""
        self.funding = False
        for s in self.staff:
            s.in_post = False
            s.vacant_until = 10**9
        self.log("funding_withdrawn", reason)

    def close(self, reason: str) -> None:
        """End the community this week: every member lapses, managers leave their posts."""
        self.closed = True
        self.died_week = self.week
        members = self.people.members()
        if members.size:
            self.lapse(members)
        for s in self.staff:
            s.in_post = False
            s.vacant_until = 10**9
        lost = f"; its {members.size:,} remaining members lost their community" if members.size else ""
        self.log("death", reason + lost)

    def log(self, kind: str, text: str) -> None:
        """Append a plain-language event ``week W: text`` to the event log; return None.

        Counts read as words ("1 advocate", "2 advocates", "1 week"). When a manager leaves, the
        week the post emptied is noted; when a successor starts, the text says how many weeks the
        post stayed empty. This only reads the managers' state: no random number is drawn.
        """
        if kind == "staff_left":
            for s in self.staff:
                if not s.in_post and s.slot not in self.vacant_since:
                    self.vacant_since[s.slot] = self.week
                    break
        elif kind == "staff_joined":
            for s in self.staff:
                if s.in_post and s.weeks_in_post == 0 and s.slot in self.vacant_since:
                    empty = self.week - self.vacant_since.pop(s.slot)
                    text += f"; the post had stayed empty for {empty} weeks"
                    break
        text = re.sub(r"\b1 (\w+)\(s\)", r"1 \1", text)
        text = re.sub(r"(\w+)\(s\)", r"\1s", text)
        text = re.sub(r"\b1 weeks\b", "1 week", text)
        self.events.append((self.week, kind, text))

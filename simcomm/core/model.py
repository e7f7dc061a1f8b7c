"""CommunityModel: a vendor's partner community, week by week (shared/MODEL.md).

The partner population lives in numpy arrays (:class:`simcomm.core.population.Partners`); Mesa agents
are handles onto them (:mod:`simcomm.agents`), created when a partner first joins, and vendor
managers are plain Mesa agents. One step is one week; ``step`` calls the twelve mechanisms of
:mod:`simcomm.core.mechanisms` in order and the DataCollector records the weekly metrics.
"""

from __future__ import annotations

import math
import re
from functools import partial
from typing import Any

import mesa
import numpy as np

from simcomm.agents import Advocate, Partner, VendorStaff
from simcomm.core import mechanisms as mech
from simcomm.core.governance import GOVERNANCE
from simcomm.core.metrics import WEEKLY_METRICS, lifecycle_stage, participation_inequality
from simcomm.core.params import Params, make_params
from simcomm.core.population import ACTIVE, LAPSED, LURKING, PRODUCT, TOPICS, Partners, acquaintance_graph
from simcomm.core.ties import PeerTies

TALLY_KEYS = ("joins", "leaves", "posts", "answers", "first_posts", "first_posts_answered",
              "new_ties", "ties_lost", "peer_deals", "jobs", "events", "spam_visible", "vendor_cost")
DEATH_WEEKS = 8  # a community with no active member for this many weeks has died


def _metric(model: CommunityModel, name: str) -> Any:
    return model.history[name][-1]


class CommunityModel(mesa.Model):
    """A partner community under one governance type, from launch, one step per week.

    Args:
        params: validated parameters (:func:`simcomm.core.params.make_params`); defaults if None.
        seed: the one seed every random draw derives from (``model.rng``).
    """

    def __init__(self, params: Params | None = None, seed: int = 0) -> None:
        super().__init__(rng=seed)
        self.p: Params = params if params is not None else make_params()
        self.seed = seed
        self.week = 0
        self.people = Partners(self.p, self.rng)
        self.graph = acquaintance_graph(self.people, self.p, self.rng)
        self.ties = PeerTies(self.people.n, self.people.size_class, self.people.main_need)
        self.rules = GOVERNANCE[self.p.governance]
        self.member_led = self.rules.member_led
        self.funding = True  # a sponsor's or vendor's money, until a review withdraws it
        self.staff: list[VendorStaff] = []
        if self.rules.vendor_runs or self.rules.vendor_funds_events:
            self.staff = [VendorStaff(self, slot=i) for i in range(self.p.staff_count)]
            for s in self.staff:
                s.weeks_in_post = 52  # the launch manager designed the programme
        self.budget_level = 1.0
        self.closed = False
        self.died_week: int | None = None
        self.review_misses = 0
        self.events: list[tuple[int, str, str]] = []
        self.vacant_since: dict[int, int] = {}  # manager post (slot) -> week it emptied
        self.history: dict[str, list[Any]] = {k: [] for k in WEEKLY_METRICS}
        self.tally: dict[str, float] = dict.fromkeys(TALLY_KEYS, 0)
        self.member_topic = self.people.needs.mean(axis=0)
        self.topic = self.member_topic.copy()
        self._launch()
        self.datacollector = mesa.DataCollector(
            model_reporters={k: partial(_metric, name=k) for k in WEEKLY_METRICS})

    # ---- launch -------------------------------------------------------------------------------
    def _launch(self) -> None:
        """Enroll the founders, seeded advocates and (under the council policy) the council."""
        p, people, rng = self.p, self.people, self.rng
        n = people.n
        if self.rules.anchor == "problem":
            # A shared problem (or a vertical): founders are partners whose main need is one topic.
            problem = int(rng.choice([i for i in range(len(TOPICS)) if i != PRODUCT]))
            pool = np.flatnonzero(people.main_need == problem)
            self.log("launch", f"{p.founders} partners with a shared problem "
                     f"({TOPICS[problem]}) started the community")
        else:
            pool = np.flatnonzero(people.depth_tier)  # the vendor invites its depth partners
            self.log("launch", f"the vendor launched the community with {p.founders} invited partners")
        if pool.size < p.founders:
            pool = np.arange(n)
        if self.rules.anchor == "problem":
            # Those who start a community around their problem are the ones who speak up.
            w = people.voice[pool]
            founders = rng.choice(pool, size=min(p.founders, pool.size), replace=False, p=w / w.sum())
        else:
            founders = rng.choice(pool, size=min(p.founders, n), replace=False)
        advocates = np.flatnonzero(people.is_advocate & ~np.isin(np.arange(n), founders))
        k = min(p.seed_advocates, n - founders.size)
        if advocates.size < k:
            others = np.setdiff1d(np.arange(n), np.concatenate([founders, advocates]))
            extra = rng.choice(others, size=k - advocates.size, replace=False)
            people.is_advocate[extra] = True
            advocates = np.concatenate([advocates, extra])
        seeded = rng.choice(advocates, size=k, replace=False) if k else advocates[:0]
        launch = np.concatenate([founders, seeded]).astype(np.int64)
        self.member_topic = people.needs[launch].mean(axis=0)
        self.enroll(launch, invited=np.zeros(launch.size, dtype=bool),
                    commitment=p.founder_commitment)
        if self.rules.vendor_runs:
            people.vendor_tie[launch] = np.arange(launch.size) % len(self.staff)
        # Founders know each other: each is tied to up to three others.
        if launch.size > 1:
            a = np.repeat(launch, 3)
            b = rng.choice(launch, size=a.size)
            self.ties.add(a, b)
        if p.growth_policy == "council":
            people.in_council[launch] = True
            rest = np.setdiff1d(np.arange(n), launch)
            score = people.depth_tier[rest] * 10.0 + people.hours[rest]
            top = rest[np.argsort(-score, kind="stable")[:max(0, p.council_size - launch.size)]]
            people.in_council[top] = True
        self.tally["joins"] = 0  # launch members are not weekly joins

    # ---- membership ---------------------------------------------------------------------------
    def enroll(self, idx: np.ndarray, invited: np.ndarray, commitment: float | None = None) -> None:
        """Make partners ``idx`` members this week (active, or lurking below ``lurk_threshold``);
        first-timers get a Mesa handle."""
        if idx.size == 0:
            return
        p, people = self.p, self.people
        first = people.join_week[idx] < 0
        for i in idx[first].tolist():
            (Advocate if people.is_advocate[i] else Partner)(self, i)
        people.join_week[idx[first]] = self.week
        back = idx[~first]
        people.rejoin_week[back[people.rejoin_week[back] < 0]] = self.week
        people.last_join_week[idx] = self.week
        base = p.newcomer_commitment if commitment is None else commitment
        c = np.minimum(1.0, base + p.incentive * invited)
        people.commitment[idx] = c
        # A partner joins active, or lurking when its commitment is below the lurking threshold.
        people.state[idx] = np.where(c >= p.lurk_threshold, ACTIVE, LURKING)
        people.incentive[idx] = p.incentive * invited
        people.invited[idx] |= invited
        people.low_weeks[idx] = 0
        self.tally["joins"] += idx.size

    def refresh_membership(self) -> None:
        """Recompute this week's member index ``m``, member mask, counts by state, which members
        are active (``active_m``, along ``m``) and the managers' effort (``effort``).

        Membership states change only in the week's last mechanisms (commitment, joining) and
        managers only in its first (turnover, which ``step`` runs before this), so these hold
        for every mechanism in between.
        """
        state = self.people.state
        self.counts = np.bincount(state, minlength=5)
        self.is_member = (state == ACTIVE) | (state == LURKING)
        self.m = np.flatnonzero(self.is_member)
        self.active_m = state[self.m] == ACTIVE
        self.effort = self.staff_effort()

    def staff_effort(self) -> float:
        """Return the managers' combined effectiveness this week (0 when every post is empty,
        and always 0 where the vendor does not run the community)."""
        if not self.rules.vendor_runs:
            return 0.0
        ramp = (1.0 - self.p.handover_quality) * 26.0
        return float(sum(s.effectiveness(ramp) for s in self.staff))

    def week_revenue(self, active: int | None = None) -> float:
        """Return this week's community-influenced vendor revenue (currency); ``active``, the
        number of active members, is counted when not given."""
        p = self.p
        if active is None:
            active = self.people.count(ACTIVE)
        deals = self.tally["peer_deals"] + self.tally["jobs"]
        return p.revenue_per_active * active + p.revenue_per_deal * deals

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
            mech._lapse(self, members)
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

    # ---- the week -----------------------------------------------------------------------------
    def step(self) -> None:
        """Advance one week: the twelve mechanisms in order, then record the metrics."""
        self.week = self.steps
        self.tally = dict.fromkeys(TALLY_KEYS, 0)
        mech.staff_turnover(self)
        self.refresh_membership()  # after turnover: this week's managers
        mech.staff_relationships(self)
        mech.leadership(self)
        mech.free_time(self)
        mech.participation(self)
        mech.responses(self)
        mech.update_topics(self)
        mech.meetups(self)
        mech.matchmaking(self)
        mech.ties_and_deals(self)
        mech.customer_jobs(self)
        mech.moderation(self)
        mech.value_and_commitment(self)
        mech.awareness_and_joining(self)
        self.record_week()
        mech.budget_review(self)
        self.datacollector.collect(self)

    def record_week(self) -> None:
        """Append this week's metrics to ``history`` and check for the community's death."""
        people, t, h = self.people, self.tally, self.history
        counts = np.bincount(people.state, minlength=5)
        members = people.members()
        staff_in = sum(s.in_post for s in self.staff)
        cost = t["vendor_cost"] + (staff_in * self.p.staff_cost_per_week if self.rules.vendor_runs else 0)
        revenue = self.week_revenue(active=int(counts[ACTIVE]))
        people.active_weeks[members[people.state[members] == ACTIVE]] += 1
        msgs = people.posts[members] + people.answers[members]
        gini, top10, top1 = participation_inequality(msgs)
        row = {
            "week": self.week,
            "active_members": int(counts[ACTIVE]),
            "lurking_members": int(counts[LURKING]),
            "lapsed_members": int(counts[LAPSED]),
            "aware_partners": int(counts[1]),
            "joins": int(t["joins"]),
            "leaves": int(t["leaves"]),
            "posts": int(t["posts"]),
            "answers": int(t["answers"]),
            "newcomer_reply_rate": (t["first_posts_answered"] / t["first_posts"]
                                    if t["first_posts"] else math.nan),
            "first_posts": int(t["first_posts"]),
            "new_ties": int(t["new_ties"]),
            "ties": len(self.ties),
            "peer_deals": int(t["peer_deals"]),
            "jobs": int(t["jobs"]),
            "mean_commitment": float(people.commitment[members].mean()) if members.size else 0.0,
            "contribution_gini": gini,
            "top10_post_share": top10,
            "top1_post_share": top1,
            "leaders": int(np.count_nonzero(people.is_leader)),
            "staff_present": int(staff_in),
            "vacancies": len(self.staff) - int(staff_in) if not self.closed else 0,
            "spam_visible": int(t["spam_visible"]),
            "events": int(t["events"]),
            "vendor_cost": float(cost),
            "influenced_revenue": float(revenue),
        }
        for k, v in row.items():
            h[k].append(v)
        if not self.closed and self.week > DEATH_WEEKS and max(h["active_members"][-DEATH_WEEKS:]) == 0:
            self.close(f"no member has been active for {DEATH_WEEKS} weeks")
            h["lurking_members"][-1] = 0
            h["lapsed_members"][-1] = int(np.count_nonzero(people.state == LAPSED))
        h["stage"].append(lifecycle_stage(h["active_members"], self.closed))

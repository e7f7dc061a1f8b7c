"""Mechanism 9, member leaders (seeds/000 'the familiar few keep the pilot light on').

In member-run communities, leaders emerge from the most committed active members (those above
``leader_threshold`` who are not burned out) until there is one per ``members_per_leader``
active members. Leaders accumulate burnout in proportion to their load; at 1 they step down and
their commitment halves. Others recover slowly.
"""

from __future__ import annotations

import math

import numpy as np

from simcomm.core.governance import Rules
from simcomm.core.mechanism import Mechanism
from simcomm.core.membership import ACTIVE
from simcomm.core.parameter import ASSUMPTION, ParamSpec, param
from simcomm.core.state import View, partner_array
from simcomm.core.week import Week

PARAMS: tuple[ParamSpec, ...] = (
    param("members_per_leader", 40.0, 1.0, 100_000.0, "members", "seeds/000 ('the familiar few to "
       "keep the pilot light on'); assumption for the figure", "Members one leader can carry."),
    param("leader_threshold", 0.7, 0.0, 1.0, "commitment", ASSUMPTION + "only the most committed step up",
       "Commitment a member needs to become a leader."),
    param("leader_burnout", 0.01, 0.0, 1.0, "1/week", "shared/MODEL.md mechanism 9",
       "Burnout a leader accumulates per week at full load."),
    param("leader_base_load", 0.5, 0.0, 5.0, "load", ASSUMPTION + "leading costs effort even with "
          "few members to look after", "Load a leader carries whatever the community's size (full "
          "load is 1 more when each leader has members_per_leader active members)."),
    param("leader_ready_burnout", 0.5, 0.0, 1.0, "burnout", ASSUMPTION + "a burned-out leader steps up "
          "again only after recovering half-way", "A member steps up to lead only with burnout below this."),
    param("burnout_commitment_loss", 0.5, 0.0, 1.0, "share", ASSUMPTION + "burning out halves what "
       "the community means to a leader or advocate", "Share of commitment a leader or advocate loses "
       "on burning out."),
)


def leadership(s: View, week: Week) -> None:
    """Add burnout to leaders, let the burned-out step down, and raise new leaders up to one per
    ``members_per_leader`` active members; return None."""
    p, people, roster = s.p, s.people, s.community.roster
    leaders = roster[people.is_leader[roster]]  # only a partner the community reached leads it
    staying = people.state[leaders] == ACTIVE
    people.is_leader[leaders[~staying]] = False
    leaders = leaders[staying]
    n_active = week.counts[ACTIVE]
    if leaders.size:
        load = n_active / (leaders.size * p.members_per_leader)
        people.burnout[leaders] += p.leader_burnout * (p.leader_base_load + load)
        out = leaders[people.burnout[leaders] >= 1.0]
        if out.size:
            people.is_leader[out] = False
            people.identity[out] *= 1.0 - p.burnout_commitment_loss
            s.log("leader_burnout", f"{out.size} leader(s) burned out and stepped down")
    members = week.m
    rest = members[~people.is_leader[members]]
    people.burnout[rest] = np.maximum(0.0, people.burnout[rest] - p.leader_burnout)
    needed = max(1, math.ceil(n_active / p.members_per_leader)) if n_active else 0
    deficit = needed - int(np.count_nonzero(people.is_leader[roster]))
    if deficit > 0:
        cand = rest[(people.state[rest] == ACTIVE) & (people.commitment[rest] >= p.leader_threshold)
                    & (people.burnout[rest] < p.leader_ready_burnout)]
        if cand.size:
            pick = cand[np.argsort(-people.commitment[cand], kind="stable")[:deficit]]
            people.is_leader[pick] = True
            if not leaders.size:
                s.log("leader_emerged", f"{pick.size} member(s) stepped up to lead")


def member_led(rules: Rules) -> bool:
    """Return True where leaders emerge from the members."""
    return rules.member_led


MECHANISM = Mechanism(
    name="member leaders", source="MODEL.md mechanism 9; seeds/000", step=leadership,
    params=PARAMS, applies=member_led,
    owns=(partner_array("is_leader", np.bool_, False, "bool", "Leads the community now."),
          partner_array("burnout", np.float64, 0.0, "burnout", "A leader's burnout (1: steps down).")),
    reads=("week.counts", "week.m", "people.state", "people.commitment", "community.roster"),
    writes=("people.identity",),
)

"""Mechanisms 5, 6 and 13: the value of a week, identity, bonds and commitment (seeds/000, 001,
003, 004; Ren, Kraut & Kiesler 2007).

A member is attached to a community in two ways (MODEL.md mechanism 13). **Identity**: to the
shared problem, the social object. It is learnt from experience: in a week with an experience of
the community (a visit, an answer, a meet-up, a deal) it moves toward V / (1 + V) (0 when V <=
0) at rate max(commitment_rate, 1 / (weeks since joining + newcomer_prior_weeks)), so a
newcomer's first experiences weigh heavily; in a week without any it fades by
``commitment_fade``. V, the week's value to the member: relevant content to a visitor (cosine of
its needs with the community's topics, times how alive the feed is: 1 - exp(-messages /
content_scale)), minus promotional noise (the programme's promotional share x (1 - the
authenticity of the voice behind it)), visible spam, the time a visit takes and overload (the
share of the week's messages beyond what a visit can read, Butler 2001; Jones, Ravid & Rafaeli
2004); plus deals, a question answered, a meet-up attended and a champion's own motivation.
Identity depends on no one person. **Bonds**: to people. To peers, live from the member's ties
to current members (1 - exp(-summed strength / peer_bond_scale), weighted ``peer_bond_weight``:
a tie to a partner who left holds nothing); to the manager who holds its relationship, the bond
the relationship built (:mod:`.staff_relationships`, weighted ``manager_bond_weight``), only while
that manager is in post: it goes with the manager unless the handover passes it on. A joining
**incentive** holds a member too, fading by ``incentive_fade`` a week.

Commitment is the four together, as independent reasons to stay
(:func:`simcomm.core.membership.attachment`). Below ``lurk_threshold`` an active member lurks.
Leaving is a weekly hazard that rises as commitment falls: leave_hazard x exp(-commitment /
leave_scale), so a reader with some commitment can stay for years and nobody's leave date is
fixed; a member held by bonds alone leaves soon after the people it was bound to. (Advocates'
burnout is :mod:`simcomm.core.mechanisms.advocates`.)
"""

from __future__ import annotations

import math

import numpy as np

from simcomm.core.mechanism import Mechanism
from simcomm.core.membership import ACTIVE, LAPSE_WRITES, LAPSED, LURKING, attachment, lapse
from simcomm.core.parameter import ASSUMPTION, CAL_TEXT, CALIBRATED, ParamSpec, param
from simcomm.core.population import relevance
from simcomm.core.state import View, partner_array
from simcomm.core.week import Week

PARAMS: tuple[ParamSpec, ...] = (
    param("content_value", 1.5, 0.0, 10.0, "value units", ASSUMPTION + "the unit of value",
       "Value of a week's relevant content to a member who reads it."),
    param("content_scale", 9.7, 0.1, 10_000.0, "messages/week", "seeds/003 #4 ('No-one wants to be "
       "the first to a party'); a feed with this many messages a week feels 63% alive; "
       + CALIBRATED + CAL_TEXT,
       "Messages per week at which a community's feed feels alive (cold start below it)."),
    param("peer_bond_weight", 0.57, 0.0, 1.0, "commitment", "seeds/000 ('feel more connected with the "
       "outside world'); Ren, Kraut & Kiesler 2007 (bond-based attachment); "
       + CALIBRATED + "with lurk_threshold, how many newcomers stay (the large open community's facts)",
       "The most a member's ties to current members can hold it (its commitment from peers alone)."),
    param("peer_bond_scale", 2.0, 0.05, 100.0, "tie strength", ASSUMPTION + "two full ties to members "
       "give most of what peers can", "Summed strength of ties to current members at which peer bonds "
       "give 63% of peer_bond_weight."),
    param("deal_value", 2.0, 0.0, 100.0, "value units/deal", "seeds/004",
       "Value of a peer deal to each partner in it."),
    param("manager_bond_weight", 0.4, 0.0, 1.0, "commitment", "seeds/001 (depth partners: a 1:1 "
       "relationship with a partner account manager); seeds/000 ('moved on without leaving any form of "
       "legacy'); " + CALIBRATED + "with lurk_threshold, sets the active share of a managed community "
       "(partner-council; target 38-52%)",
       "The most a member's bond to the manager who holds its relationship can hold it."),
    param("advocate_motivation", 0.5, 0.0, 10.0, "value units", "seeds/002 ('people with passion')",
       "Intrinsic weekly value an advocate gets from the community itself."),
    param("staff_posts", 5.0, 0.0, 10_000.0, "posts/manager/week", "seeds/003 #2 (create and curate "
       "content)", "Posts of news and content a manager in post writes each week."),
    param("promo_cost", 1.5, 0.0, 10.0, "value units", "seeds/001 ('people see through the BS')",
       "Cost of reading promotion (scaled by promo share and inauthenticity)."),
    param("spam_cost", 3.0, 0.0, 100.0, "value units", "seeds/003 #6",
       "Cost of visible spam (scaled by spam's share of posts)."),
    param("time_cost", 0.5, 0.0, 10.0, "value units", "seeds/000 ('too busy')",
       "Cost of the time a visit takes, for a member with no time to spare."),
    param("overload_cost", 0.5, 0.0, 10.0, "value units", "Butler 2001 (size brings resources and "
       "costs); Jones, Ravid & Rafaeli 2004 (overloaded users post less and leave); assumption for "
       "the figure", "Cost of a visit to a feed a member cannot keep up with (times the share of the "
       "week's messages beyond reading_capacity)."),
    param("reading_capacity", 60.0, 1.0, 100_000.0, "messages/visit", ASSUMPTION + "half an hour's "
       "visit reads some sixty messages", "Messages a visit can take in; more in a week is overload."),
    param("commitment_rate", 0.08, 0.001, 1.0, "1/week", ASSUMPTION + "identity adapts over a few months",
       "Weekly rate at which identity moves toward the value a member gets."),
    param("lurk_threshold", 0.332, 0.0, 1.0, "commitment",
       "shared/MODEL.md mechanism 6; " + CALIBRATED + "Community "
       "Roundtable 2015: ~45% of a well-managed community's members active (partner-council; "
       "target 38-52%)",
       "Below this commitment an active member lurks."),
    param("leave_hazard", 0.25, 0.0, 1.0, "1/week", ASSUMPTION + "a member who gets nothing from the "
       "community drifts away within a month or so", "Weekly chance of leaving of a member with no "
       "commitment at all."),
    param("leave_scale", 0.08, 0.005, 1.0, "commitment", ASSUMPTION + "a committed member (0.5) "
       "leaves about once in 8 years, a lurker (0.3) once in 3, a disengaged one (0.1) within weeks",
       "Commitment over which the weekly leaving hazard falls by a factor e (hazard = leave_hazard "
       "x exp(-commitment / leave_scale))."),
    param("newcomer_prior_weeks", 2.0, 1.0, 52.0, "weeks", ASSUMPTION + "a newcomer's starting "
       "identity counts like two weeks of experience", "Weight of a newcomer's starting identity "
       "in the running mean of its first experiences (rate 1 / (weeks since joining + this))."),
    param("commitment_fade", 0.01, 0.0, 1.0, "1/week", ASSUMPTION + "out of sight, out of mind: a "
       "member who has no contact with the community for a year and a half cares half as much",
       "Weekly loss of identity in a week without any experience of the community."),
    param("reactivation_margin", 0.05, 0.0, 1.0, "commitment", ASSUMPTION + "a lurker needs a clear "
       "reason to speak up again (hysteresis)", "A lurker becomes active again above lurk_threshold + "
       "this."),
    param("incentive_fade", 0.9, 0.0, 1.0, "1/week", ASSUMPTION + "a joining incentive loses 10% of "
       "its pull a week", "Share of a joining incentive's pull left after each week."),
)

def week_value(s: View, week: Week) -> np.ndarray:
    """Return the value (value units) of this week's experiences to each member, along m: what
    its identity learns from."""
    p, people, m, community = s.p, s.people, week.m, s.community
    programme = community.programme
    messages = week.tally["posts"] + week.tally["answers"] + week.effort * p.staff_posts
    richness = 1.0 - math.exp(-messages / p.content_scale)
    overload = max(0.0, 1.0 - p.reading_capacity / messages) if messages > 0 else 0.0
    rel = relevance(people, m, community.topic, p.fit_sharpness)
    visit_value = (p.content_value * rel * richness
                   - p.promo_cost * programme.promo_share * (1.0 - programme.voice_authenticity())
                   - p.spam_cost * week.spam_share
                   - p.time_cost * np.exp(-week.free_h)
                   - p.overload_cost * overload)
    return (week.visited * visit_value
            + p.deal_value * week.deals_m
            + p.content_value * (week.helped + week.attended)
            + p.advocate_motivation * week.champion)


def bonds(s: View, week: Week) -> tuple[np.ndarray, np.ndarray]:
    """Return each member's weighted bonds this week (commitment, 0-1, along m): to peers (its
    ties to current members) and to the manager holding its relationship (while in post)."""
    p, people, m, community = s.p, s.people, week.m, s.community
    strength = community.ties.strength_of(m, week.is_member)
    peers = p.peer_bond_weight * (1.0 - np.exp(-strength / p.peer_bond_scale))
    manager = np.zeros(m.size)
    slot = people.vendor_tie[m]
    related = slot >= 0
    if np.count_nonzero(related):
        related &= community.programme.in_post_mask()[slot]
        manager = p.manager_bond_weight * people.manager_bond[m] * related
    return peers, manager


def value_and_commitment(s: View, week: Week) -> None:
    """Move each member's identity toward this week's value, take its bonds and incentive, set its
    commitment, then lurk, re-activate or lapse members by their commitment; return None."""
    p, people, m = s.p, s.people, week.m
    if m.size == 0:
        return
    value = week_value(s, week)
    target = np.where(value > 0, value / (1.0 + np.abs(value)), 0.0)
    own = people.identity[m]
    # Identity learns from experience: a week in which the member read, was answered, met peers
    # or did a deal. A newcomer's identity is the running mean of its first experiences; later an
    # EMA. Out of sight, it fades slowly.
    experienced = week.visited | (week.helped > 0) | week.attended | (week.deals_m > 0)
    tenure = week.number - people.last_join_week[m]
    rate = np.maximum(p.commitment_rate, 1.0 / (tenure + p.newcomer_prior_weeks))
    own = np.where(experienced, own + rate * (target - own), own * (1.0 - p.commitment_fade))
    people.identity[m] = own
    peers, manager = bonds(s, week)
    people.peer_bond[m] = peers
    c = attachment(own, manager, peers, people.incentive[m])
    people.commitment[m] = c
    people.incentive[m] *= p.incentive_fade

    state = people.state[m]
    to_lurk = (state == ACTIVE) & (c < p.lurk_threshold)
    to_active = (state == LURKING) & (c >= p.lurk_threshold + p.reactivation_margin)
    state[to_lurk] = LURKING
    state[to_active] = ACTIVE
    hazard = p.leave_hazard * np.exp(-c / p.leave_scale)
    leave = s.streams.get("leave").uniform(week.number, m) < hazard
    state[leave] = LAPSED
    people.state[m] = state
    gone = m[leave]
    if gone.size:
        week.tally["leaves"] += lapse(s, week.number, gone)


MECHANISM = Mechanism(
    name="value and commitment", source="MODEL.md mechanisms 5, 6 and 13; seeds/000, 001, 003, 004",
    step=value_and_commitment, params=PARAMS, uses=("fit_sharpness",),
    owns=(partner_array("peer_bond", np.float64, 0.0, "commitment", "What the member's ties to current "
                        "members hold of it this week (weighted)."),),
    reads=("week.m", "week.is_member", "week.effort", "week.free_h", "week.visited", "week.deals_m",
           "week.helped", "week.attended", "week.champion", "week.spam_share", "people.needs",
           "people.needs_norm", "people.last_join_week", "people.manager_bond", "community.topic",
           "community.programme", "community.ties"),
    writes=(*LAPSE_WRITES, "people.commitment", "people.identity", "people.incentive"),
    streams=("leave",), member_draws=("leave",),
)

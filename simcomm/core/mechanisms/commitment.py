"""Mechanisms 5 and 6: the value of a week, and commitment (seeds/000, 001, 003, 004).

Value to a member who visited: relevant content (cosine of its needs with the community's topics,
times how alive the feed is: 1 - exp(-messages / content_scale)), minus promotional noise
(promo_share x (1 - staff_authenticity)), visible spam and the time a visit takes. Every member
also values its ties (log), deals, a manager's relationship, a question answered, a meet-up
attended, a champion's own motivation (advocates, and leaders: leading is its own reward until
burnout) and a fading incentive.

Commitment moves toward V / (1 + V) (0 when V <= 0) at rate max(commitment_rate, 1 / (weeks
since joining + 2)): a newcomer's first weeks weigh heavily. Below ``lurk_threshold`` an active
member lurks; below ``leave_threshold`` for ``leave_weeks`` weeks a member lapses. Advocates who
answer far more than others burn out (seeds/002 passion; MODEL.md Advocate).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from simcomm.core.mechanism import Mechanism
from simcomm.core.parameter import ASSUMPTION, CALIBRATED, ParamSpec, param
from simcomm.core.population import ACTIVE, LAPSED, LURKING
from simcomm.core.week import Week

if TYPE_CHECKING:
    from simcomm.core.model import CommunityModel

INCENTIVE_FADE = 0.9  # assumption: a joining incentive loses 10% of its pull a week
LURK_HYSTERESIS = 0.05  # a lurker becomes active again above lurk_threshold + this

PARAMS: tuple[ParamSpec, ...] = (
    param("content_value", 1.5, 0.0, 10.0, "value units", ASSUMPTION + "the unit of value",
       "Value of a week's relevant content to a member who reads it."),
    param("content_scale", 2.9, 0.1, 10_000.0, "messages/week", "seeds/003 #4 ('No-one wants to be the first "
       "to a party'); " + CALIBRATED + "a feed with this many messages a week feels 63% alive",
       "Messages per week at which a community's feed feels alive (cold start below it)."),
    param("social_value", 0.3, 0.0, 10.0, "value units/log tie", "seeds/000 ('feel more connected')",
       "Value of peer ties (per log tie)."),
    param("deal_value", 2.0, 0.0, 100.0, "value units/deal", "seeds/004",
       "Value of a peer deal to each partner in it."),
    param("relationship_value", 0.25, 0.0, 10.0, "value units", "seeds/001 (depth: 1:1 relationship); "
       + CALIBRATED + "partner-council's active share 48% (target 38-52%; 51-53% at 0.3); below about 0.18 a "
       "relationship alone no longer keeps a member above leave_threshold and the manager's hold "
       "collapses",
       "Weekly value of a personal relationship with a vendor manager."),
    param("advocate_motivation", 0.5, 0.0, 10.0, "value units", "seeds/002 ('people with passion')",
       "Intrinsic weekly value an advocate gets from the community itself."),
    param("staff_posts", 5.0, 0.0, 10_000.0, "posts/manager/week", "seeds/003 #2 (create and curate "
       "content)", "Posts of news and content a manager in post writes each week."),
    param("staff_authenticity", 0.4, 0.0, 1.0, "0-1", "seeds/001 ('people see through the BS')",
       "How authentic the vendor's voice is; promotion costs members (1 - authenticity)."),
    param("promo_cost", 1.5, 0.0, 10.0, "value units", "seeds/001 ('people see through the BS')",
       "Cost of reading promotion (scaled by promo share and inauthenticity)."),
    param("spam_cost", 3.0, 0.0, 100.0, "value units", "seeds/003 #6",
       "Cost of visible spam (scaled by spam's share of posts)."),
    param("time_cost", 0.5, 0.0, 10.0, "value units", "seeds/000 ('too busy')",
       "Cost of the time a visit takes, for a member with no time to spare."),
    param("commitment_rate", 0.08, 0.001, 1.0, "1/week", ASSUMPTION + "commitment adapts over a few months",
       "Weekly rate at which commitment moves toward the value a member gets."),
    param("lurk_threshold", 0.345, 0.0, 1.0, "commitment",
       "shared/MODEL.md mechanism 6; " + CALIBRATED + "Community "
       "Roundtable 2015: ~45% of a well-managed community's members active (partner-council measures 48%)",
       "Below this commitment an active member lurks."),
    param("leave_threshold", 0.15, 0.0, 1.0, "commitment", "shared/MODEL.md mechanism 6",
       "Below this commitment for leave_weeks a member lapses."),
    param("leave_weeks", 4, 1, 520, "weeks", "shared/MODEL.md mechanism 6 ('sustained low')",
       "Consecutive low weeks before a member lapses."),
)

def week_value(model: CommunityModel, week: Week) -> np.ndarray:
    """Return the value (value units) of this week to each member, along m."""
    p, people, m = model.p, model.people, week.m
    staff_posts = week.effort * p.staff_posts
    messages = week.tally["posts"] + week.tally["answers"] + staff_posts
    richness = 1.0 - math.exp(-messages / p.content_scale)
    rel = people.fit(m, model.topic)
    visit_value = (p.content_value * rel * richness
                   - p.promo_cost * p.promo_share * (1.0 - p.staff_authenticity)
                   - p.spam_cost * week.spam_share
                   - p.time_cost * np.exp(-week.free_h))
    degree = model.ties.degree()[m]
    related = people.vendor_tie[m] >= 0
    if related.any():
        in_post = np.array([s.in_post for s in model.staff] + [False])
        related &= in_post[people.vendor_tie[m]]
    return (week.visited * visit_value
            + p.social_value * np.log1p(degree)
            + p.deal_value * week.deals_m
            + p.relationship_value * related
            + p.content_value * (week.helped + week.attended)
            + p.advocate_motivation * (week.champion)
            + people.incentive[m])


def value_and_commitment(model: CommunityModel, week: Week) -> None:
    """Move each member's commitment toward this week's value, then lurk, re-activate or lapse
    members by their commitment, and burn out overloaded advocates; return None."""
    p, people, m = model.p, model.people, week.m
    if m.size == 0:
        return
    value = week_value(model, week)
    target = np.where(value > 0, value / (1.0 + np.abs(value)), 0.0)
    c = people.commitment[m]
    # A newcomer's commitment is the running mean of its first weeks; later an EMA.
    tenure = model.week - people.last_join_week[m]
    rate = np.maximum(p.commitment_rate, 1.0 / (tenure + 2.0))
    c += rate * (target - c)
    people.commitment[m] = c
    people.incentive[m] *= INCENTIVE_FADE

    state = people.state[m]
    to_lurk = (state == ACTIVE) & (c < p.lurk_threshold)
    to_active = (state == LURKING) & (c >= p.lurk_threshold + LURK_HYSTERESIS)
    state[to_lurk] = LURKING
    state[to_active] = ACTIVE
    low_weeks = np.where(c < p.leave_threshold, people.low_weeks[m] + 1, 0)
    people.low_weeks[m] = low_weeks
    leave = low_weeks >= p.leave_weeks
    state[leave] = LAPSED
    people.state[m] = state
    gone = m[leave]
    if gone.size:
        week.tally["leaves"] += model.lapse(gone)
    advocate_burnout(model, week)


def advocate_burnout(model: CommunityModel, week: Week) -> None:
    """Add burnout to advocates by the answers they wrote this week; those at 1 stop advocating
    and their commitment halves (kept apart from leaders' burnout); return None.

    An advocate's burnout grows by ``leader_burnout`` x (answers written this week - 1): a week
    with at most one answer lets it recover.
    """
    people, m = model.people, week.m
    pos = np.flatnonzero(people.is_advocate[m] & ~people.burned_out[m])
    if pos.size == 0:
        return
    adv = m[pos]
    rate = model.p.leader_burnout
    written = week.answered_m[pos]
    people.advocate_burnout[adv] = np.maximum(0.0, people.advocate_burnout[adv] + rate * (written - 1.0))
    out = adv[people.advocate_burnout[adv] >= 1.0]
    if out.size:
        people.burned_out[out] = True
        people.commitment[out] *= 0.5
        model.log("advocate_burnout", f"{out.size} advocate(s) burned out")


MECHANISM = Mechanism(
    name="value and commitment", source="MODEL.md mechanisms 5 and 6; seeds/000, 001, 003, 004",
    step=value_and_commitment, params=PARAMS,
    reads=("m", "effort", "free_h", "visited", "deals_m", "helped", "attended", "champion",
           "spam_share", "answered_m"),
)

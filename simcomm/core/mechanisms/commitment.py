"""Mechanisms 5 and 6: the value of a week, and commitment (seeds/000, 001, 003, 004).

Value to a member who visited (readers too: reading has value): relevant content (cosine of its
needs with the community's topics, times how alive the feed is: 1 - exp(-messages /
content_scale)), minus promotional noise (the programme's promotional share x (1 - the
authenticity of the voice behind it: the managers' where the vendor runs it)), visible spam and
the time a visit takes. Every member also values its ties to current members (log of summed
strength; ties to partners who left count for nothing), deals, a manager's relationship, a
question answered, a meet-up attended, a champion's own motivation (advocates, and leaders:
leading is its own reward until burnout) and a fading incentive.

In a week with an experience of the community (a visit, an answer, a meet-up, a deal)
commitment moves toward V / (1 + V) (0 when V <= 0) at rate
max(commitment_rate, 1 / (weeks since joining + 2)): a newcomer's first experiences weigh
heavily. In a week without any, it fades by ``commitment_fade``. Below ``lurk_threshold`` an active
member lurks. Leaving is a weekly hazard that rises as commitment falls: leave_hazard x
exp(-commitment / leave_scale), so a reader with some commitment can stay for years and nobody's
leave date is fixed. (Advocates' burnout is :mod:`simcomm.core.mechanisms.advocates`.)
"""

from __future__ import annotations

import math

import numpy as np

from simcomm.core.mechanism import Mechanism
from simcomm.core.membership import ACTIVE, LAPSE_WRITES, LAPSED, LURKING, lapse
from simcomm.core.parameter import ASSUMPTION, CAL_TEXT, CALIBRATED, ParamSpec, param
from simcomm.core.population import relevance
from simcomm.core.state import View
from simcomm.core.week import Week

PARAMS: tuple[ParamSpec, ...] = (
    param("content_value", 1.5, 0.0, 10.0, "value units", ASSUMPTION + "the unit of value",
       "Value of a week's relevant content to a member who reads it."),
    param("content_scale", 17.7, 0.1, 10_000.0, "messages/week", "seeds/003 #4 ('No-one wants to be "
       "the first to a party'); a feed with this many messages a week feels 63% alive; "
       + CALIBRATED + CAL_TEXT,
       "Messages per week at which a community's feed feels alive (cold start below it)."),
    param("social_value", 0.3, 0.0, 10.0, "value units/log tie", "seeds/000 ('feel more connected')",
       "Value of peer ties to current members (per log of summed tie strength)."),
    param("deal_value", 2.0, 0.0, 100.0, "value units/deal", "seeds/004",
       "Value of a peer deal to each partner in it."),
    param("relationship_value", 0.16, 0.0, 10.0, "value units", "seeds/001 (depth: 1:1 relationship); "
       + CALIBRATED + "with lurk_threshold, sets the active share of a managed community "
       "(partner-council; target 38-52%)",
       "Weekly value of a personal relationship with a vendor manager."),
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
    param("commitment_rate", 0.08, 0.001, 1.0, "1/week", ASSUMPTION + "commitment adapts over a few months",
       "Weekly rate at which commitment moves toward the value a member gets."),
    param("lurk_threshold", 0.283, 0.0, 1.0, "commitment",
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
       "commitment counts like two weeks of experience", "Weight of a newcomer's starting commitment "
       "in the running mean of its first experiences (rate 1 / (weeks since joining + this))."),
    param("commitment_fade", 0.01, 0.0, 1.0, "1/week", ASSUMPTION + "out of sight, out of mind: a "
       "member who has no contact with the community for a year and a half cares half as much",
       "Weekly loss of commitment in a week without any experience of the community."),
    param("reactivation_margin", 0.05, 0.0, 1.0, "commitment", ASSUMPTION + "a lurker needs a clear "
       "reason to speak up again (hysteresis)", "A lurker becomes active again above lurk_threshold + "
       "this."),
    param("incentive_fade", 0.9, 0.0, 1.0, "1/week", ASSUMPTION + "a joining incentive loses 10% of "
       "its pull a week", "Share of a joining incentive's value left after each week."),
)

def week_value(s: View, week: Week) -> np.ndarray:
    """Return the value (value units) of this week to each member, along m."""
    p, people, m, community = s.p, s.people, week.m, s.community
    programme = community.programme
    staff_posts = week.effort * p.staff_posts
    messages = week.tally["posts"] + week.tally["answers"] + staff_posts
    richness = 1.0 - math.exp(-messages / p.content_scale)
    rel = relevance(people, m, community.topic, p.fit_sharpness)
    visit_value = (p.content_value * rel * richness
                   - p.promo_cost * programme.promo_share * (1.0 - programme.voice_authenticity())
                   - p.spam_cost * week.spam_share
                   - p.time_cost * np.exp(-week.free_h))
    ties = community.ties.strength_among(week.is_member)[m]
    tie_slot = people.vendor_tie[m]
    related = tie_slot >= 0
    if np.count_nonzero(related):
        related &= programme.in_post_mask()[tie_slot]
    return (week.visited * visit_value
            + p.social_value * np.log1p(ties)
            + p.deal_value * week.deals_m
            + p.relationship_value * related
            + p.content_value * (week.helped + week.attended)
            + p.advocate_motivation * (week.champion)
            + people.incentive[m])


def value_and_commitment(s: View, week: Week) -> None:
    """Move each member's commitment toward this week's value, then lurk, re-activate or lapse
    members by their commitment; return None."""
    p, people, m = s.p, s.people, week.m
    if m.size == 0:
        return
    value = week_value(s, week)
    target = np.where(value > 0, value / (1.0 + np.abs(value)), 0.0)
    c = people.commitment[m]
    # Commitment learns from experience: a week in which the member read, was answered, met peers
    # or did a deal (a manager's relationship adds to the value of such a week). A newcomer's
    # commitment is the running mean of its first experiences; later an EMA. Out of sight, it
    # fades slowly.
    experienced = week.visited | (week.helped > 0) | week.attended | (week.deals_m > 0)
    tenure = week.number - people.last_join_week[m]
    rate = np.maximum(p.commitment_rate, 1.0 / (tenure + p.newcomer_prior_weeks))
    c = np.where(experienced, c + rate * (target - c), c * (1.0 - p.commitment_fade))
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
    name="value and commitment", source="MODEL.md mechanisms 5 and 6; seeds/000, 001, 003, 004",
    step=value_and_commitment, params=PARAMS, uses=("fit_sharpness",),
    reads=("week.m", "week.is_member", "week.effort", "week.free_h", "week.visited", "week.deals_m",
           "week.helped", "week.attended", "week.champion", "week.spam_share", "people.needs",
           "people.needs_norm", "people.last_join_week", "community.topic", "community.programme",
           "community.ties"),
    writes=(*LAPSE_WRITES, "people.commitment", "people.incentive"),
    streams=("leave",), member_draws=("leave",),
)

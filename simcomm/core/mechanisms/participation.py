"""Mechanism 3, participation, within the week's time (seeds/003 #4: advocates start the dialogue).

Active members visit with probability commitment x time factor; lurkers with ``lurker_visit`` of
that, and they only read, unless a problem of their own comes up: each visiting member (lurkers
too) asks one question about it with probability ``question_rate`` x 2 x its urgency (mean
question_rate), whatever its voice (Nonnecke & Preece 2001: lurkers post when they need
something; Joyce & Kraut 2006: newcomers arrive with a question). Visiting active members also
ask Poisson(post_rate x intensity) questions and offer answer capacity answer_rate x intensity x
expertise, where intensity is commitment x free hours relative to the median budget x the
partner's voice (its willingness to write in public: lognormal, mean 1, spread
``voice_spread``); advocates and leaders ask and answer ``champion_boost`` times more.

Everything costs time: a visit ``visit_hours``, leading ``lead_hours``, each question
``post_hours``, each answer ``answer_hours``; a member cannot write more than its free hours
allow. Inequality comes from voice, the heavy-tailed hours and commitment feedback, not from a
fixed share.
"""

from __future__ import annotations

import numpy as np

from simcomm.core.mechanism import Mechanism
from simcomm.core.parameter import ASSUMPTION, CAL_TEXT, CALIBRATED, ParamSpec, param
from simcomm.core.state import View
from simcomm.core.week import Week

PARAMS: tuple[ParamSpec, ...] = (
    param("post_rate", 0.859, 0.0, 10.0, "questions/week",
       CALIBRATED + "with voice_spread, sets how many members ever write (target: 85-95% of a "
       "large open community never do)",
       "Questions an engaged member asks per week."),
    param("question_rate", 0.00108, 0.0, 1.0, "1/member/week", "Nonnecke & Preece 2001 (lurkers post "
       "when they need something); Joyce & Kraut 2006 (newcomers arrive with a question); "
       + CALIBRATED + CAL_TEXT,
       "Chance per week that a visiting member, lurkers too, hits a problem it asks the community "
       "about, whatever its voice."),
    param("answer_rate", 4.97, 0.0, 10.0, "answers/week",
       CALIBRATED + "answer capacity against questions; with "
       "newcomer_attention sets the share of first posts answered (Burke et al. 2007)",
       "Answers an engaged member can give per week."),
    param("lurker_visit", 0.5, 0.0, 1.0, "share", ASSUMPTION + "a lurker looks in half as often as an "
       "active member with the same commitment", "Visit rate of a lurker relative to an active member."),
    param("champion_boost", 3.0, 1.0, 20.0, "x", "seeds/003 #4 ('they can be the first to start the "
       "dialogue'); assumption for the figure", "How many times more an advocate or leader asks and "
       "answers than another member like it."),
    param("expertise_by_size", 0.5, 0.0, 5.0, "1/size class", ASSUMPTION + "larger firms have more "
       "experts to answer", "Answer capacity added per size class step (one-person 1, msp 1.5, ...)."),
    param("post_hours", 0.25, 0.0, 10.0, "hours/question", ASSUMPTION + "a quarter of an hour to write "
       "up a question", "Time one question takes to write."),
    param("answer_hours", 0.25, 0.0, 10.0, "hours/answer", ASSUMPTION + "a quarter of an hour to answer",
       "Time one answer takes to write."),
    param("lead_hours", 1.0, 0.0, 40.0, "hours/week", "seeds/000 ('the familiar few to keep the pilot "
       "light on'); assumption for the figure", "Time leading takes a leader each week."),
)

def participation(s: View, week: Week) -> None:
    """Draw who visits this week, the questions each member asks and the answers each can offer,
    within its free hours; return None."""
    p, people, m, now = s.p, s.people, week.m, week.number
    c = people.commitment[m]
    active = week.active_m
    p_visit = (c * week.time_factor * np.where(active, 1.0, p.lurker_visit)).clip(0.0, 1.0)
    week.visited = s.streams.get("visit").uniform(now, m) < p_visit
    leader = people.is_leader[m]
    champion = (people.is_advocate[m] & ~people.burned_out[m]) | leader
    week.champion = champion
    # Time left to write: free hours less the visit and, for leaders, leading.
    left = week.free_h - p.visit_hours * week.visited - p.lead_hours * leader
    left = np.maximum(left, 0.0)
    intensity = (c * week.free_h / p.hours_per_week * people.voice[m]
                 * np.where(champion, p.champion_boost, 1.0))
    posting = week.visited & active
    lam = p.post_rate * intensity * posting  # intensity >= 0: 0 where not posting
    questions = s.streams.get("questions").poisson(now, m, lam)
    if p.post_hours > 0:
        questions = np.minimum(questions, (left / p.post_hours).astype(np.int64))
    # A problem of its own makes a visiting member ask, lurkers included, whatever its voice.
    if p.question_rate:
        own = s.streams.get("own problem").uniform(now, m) < p.question_rate * 2.0 * people.urgency[m]
        questions = questions + (week.visited & own)
    week.questions = questions
    left = np.maximum(left - p.post_hours * questions, 0.0)
    expertise = 1.0 + p.expertise_by_size * people.size_class[m]
    capacity = p.answer_rate * intensity * expertise * posting
    if p.answer_hours > 0:
        capacity = np.minimum(capacity, left / p.answer_hours)
    week.capacity = capacity


MECHANISM = Mechanism(
    name="participation", source="MODEL.md mechanisms 2 and 3; seeds/000, seeds/003 #4",
    step=participation, params=PARAMS, uses=("hours_per_week", "visit_hours"),
    reads=("week.m", "week.active_m", "week.time_factor", "week.free_h", "people.commitment",
           "people.is_leader", "people.is_advocate", "people.burned_out", "people.voice",
           "people.urgency", "people.size_class"),
    writes=("week.visited", "week.champion", "week.questions", "week.capacity"),
    streams=("visit", "questions", "own problem"), member_draws=("visit", "questions", "own problem"),
)

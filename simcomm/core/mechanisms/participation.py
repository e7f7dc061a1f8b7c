"""Mechanism 3, participation (seeds/003 #4: advocates start the dialogue).

Active members visit with probability commitment x time factor; lurkers with half that, and they
only read, unless a problem of their own comes up: each visiting member (lurkers too) asks one
question about it with probability ``question_rate``, whatever its voice (Nonnecke & Preece
2001: lurkers post when they need something; Joyce & Kraut 2006: newcomers arrive with a
question). Visiting active members also ask Poisson(post_rate x intensity) questions and offer
answer capacity answer_rate x intensity x expertise, where intensity is commitment x free hours
relative to the median budget x the partner's voice (its willingness to write in public:
lognormal, mean 1, spread ``voice_spread``). Inequality comes from voice, the heavy-tailed hours
and commitment feedback, not from a fixed share. Advocates and leaders ask and answer 3x.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simcomm.core.mechanism import Mechanism
from simcomm.core.parameter import CAL_TEXT, CALIBRATED, ParamSpec, param
from simcomm.core.week import Week

if TYPE_CHECKING:
    from simcomm.core.model import CommunityModel

PARAMS: tuple[ParamSpec, ...] = (
    param("post_rate", 1.83, 0.0, 10.0, "questions/week",
       CALIBRATED + "with voice, sets how many members ever write: "
       "94% of a large open community never do (target 85-95%)",
       "Questions an engaged member asks per week."),
    param("question_rate", 0.047, 0.0, 1.0, "1/member/week", "Nonnecke & Preece 2001 (lurkers post when they "
       "need something); Joyce & Kraut 2006 (newcomers arrive with a question); " + CALIBRATED + CAL_TEXT,
       "Chance per week that a visiting member, lurkers too, hits a problem it asks the community "
       "about, whatever its voice."),
    param("answer_rate", 1.93, 0.0, 10.0, "answers/week",
       CALIBRATED + "answer capacity against questions; with "
       "newcomer_attention sets the share of first posts answered (Burke et al. 2007)",
       "Answers an engaged member can give per week."),
)

def participation(model: CommunityModel, week: Week) -> None:
    """Draw who visits this week, the questions each member asks and the answers each can offer;
    return None."""
    p, people, m, now = model.p, model.people, week.m, model.week
    c = people.commitment[m]
    active = week.active_m
    p_visit = np.clip(c * week.time_factor * np.where(active, 1.0, 0.5), 0.0, 1.0)
    week.visited = model.streams.get("visit").uniform(now, m) < p_visit
    champion = ((people.is_advocate[m] & ~people.burned_out[m]) | people.is_leader[m])
    week.champion = champion
    intensity = (c * week.free_h / p.hours_per_week * people.voice[m]
                 * np.where(champion, 3.0, 1.0))
    posting = week.visited & active
    lam = np.where(posting, p.post_rate * intensity, 0.0)
    week.questions = model.streams.get("questions").poisson(now, m, lam)
    # A problem of its own makes a visiting member ask, lurkers included, whatever its voice.
    if p.question_rate:
        week.questions += week.visited & (model.streams.get("own problem").uniform(now, m) < p.question_rate)
    expertise = 1.0 + 0.5 * people.size_class[m]
    week.capacity = np.where(posting, p.answer_rate * intensity * expertise, 0.0)


MECHANISM = Mechanism(
    name="participation", source="MODEL.md mechanism 3; seeds/003 #4", step=participation,
    params=PARAMS, reads=("m", "active_m", "time_factor", "free_h"),
    writes=("visited", "champion", "questions", "capacity"),
)

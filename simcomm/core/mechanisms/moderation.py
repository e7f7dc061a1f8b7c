"""Mechanism 12, spam and moderation (seeds/003 #6, #8).

Spam arrives at ``spam_per_member`` per member per week (Poisson); while someone holds the
moderation role (a leader, or a manager in post) a share ``moderation`` of it is removed. The
week's visible spam, as a share of all its messages, costs members value.
"""

from __future__ import annotations

import numpy as np

from simcomm.core.mechanism import Mechanism
from simcomm.core.parameter import ParamSpec, param
from simcomm.core.state import View
from simcomm.core.week import Week

PARAMS: tuple[ParamSpec, ...] = (
    param("moderation", 0.5, 0.0, 1.0, "share removed", "seeds/003 #6, #8",
       "Share of spam removed while someone holds the moderation role."),
    param("spam_per_member", 0.01, 0.0, 1.0, "posts/member/week", "seeds/003 #6 ('unsolicited or "
       "unsavoury content'); assumption for the figure", "Spam arriving per member per week."),
)

def moderation(s: View, week: Week) -> None:
    """Draw this week's spam, remove the moderated share, set ``spam_share`` (0-1); return None."""
    p, now = s.p, week.number
    spam = s.streams.get("spam").poisson_count(now, p.spam_per_member * week.m.size)
    # Leaders, where members lead: only a partner the community reached leads it (on its roster).
    leaders = s.people.is_leader[s.community.roster] if s.rules.member_led else None
    moderated = bool(np.count_nonzero(leaders)) if leaders is not None else week.effort > 0
    removed = 0
    if moderated and spam:
        caught = s.streams.get("spam removed").uniform(now, np.arange(spam)) < p.moderation
        removed = int(np.count_nonzero(caught))
    visible = spam - removed
    week.tally["spam_visible"] += int(visible)
    messages = week.tally["posts"] + week.tally["answers"]
    week.spam_share = visible / (visible + messages + 1.0)


MECHANISM = Mechanism(
    name="moderation", source="MODEL.md mechanism 12; seeds/003 #6, #8", step=moderation,
    params=PARAMS, reads=("week.m", "week.effort", "people.is_leader", "community.roster"),
    writes=("week.spam_share",),
    streams=("spam", "spam removed"),
)

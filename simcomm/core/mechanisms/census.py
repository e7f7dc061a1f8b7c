"""Who is a member this week, and how much managing there is (after turnover, before the rest).

Membership states change only in the week's last mechanisms (commitment, joining) and managers
only in its first (turnover), so the census holds for every mechanism in between.
"""

from __future__ import annotations

import numpy as np

from simcomm.core.mechanism import Mechanism
from simcomm.core.membership import ACTIVE, members, state_counts
from simcomm.core.state import View, community_field
from simcomm.core.week import Week


def census(s: View, week: Week) -> None:
    """Set the week's member index ``m``, member mask, counts by state, which members are active
    (``active_m``, along ``m``) and the managers' effort (0 to staff_count), and hash the week's
    member draws (``community.member_draws``); return None."""
    people, roster = s.people, s.community.roster
    week.counts = state_counts(people, roster)  # over the partners it has reached: the rest are unaware
    week.m = members(people, roster)
    week.is_member = np.zeros(people.n, dtype=bool)  # (zeros: untouched pages cost no memory)
    week.is_member[week.m] = True
    week.active_m = people.state[week.m] == ACTIVE
    week.effort = s.community.programme.effort()
    # The week's draws for every member, of every mechanism, hashed in one pass.
    s.streams.prefetch(week.number, week.m, s.community.member_draws)


MECHANISM = Mechanism(
    name="census", source="MODEL.md (membership state)", step=census,
    owns=(community_field("member_draws", (), "decisions", "The decisions the week's mechanisms draw "
                          "for every member (set when the model is built from the mechanisms that "
                          "apply)."),),
    reads=("people.state", "community.programme", "community.roster"),
    writes=("week.counts", "week.is_member", "week.m", "week.active_m", "week.effort"),
)

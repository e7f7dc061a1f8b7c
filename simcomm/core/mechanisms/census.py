"""Who is a member this week, and how much managing there is (after turnover, before the rest).

Membership states change only in the week's last mechanisms (commitment, joining) and managers
only in its first (turnover), so the census holds for every mechanism in between.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simcomm.core.mechanism import Mechanism
from simcomm.core.population import ACTIVE, LURKING
from simcomm.core.week import Week

if TYPE_CHECKING:
    from simcomm.core.model import CommunityModel


def census(model: CommunityModel, week: Week) -> None:
    """Set the week's member index ``m``, member mask, counts by state, which members are active
    (``active_m``, along ``m``) and the managers' effort (0 to staff_count), and hash the week's
    member draws (``model.member_draws``); return None."""
    state = model.people.state
    week.counts = np.bincount(state, minlength=5)
    week.is_member = (state == ACTIVE) | (state == LURKING)
    week.m = week.is_member.nonzero()[0]
    week.active_m = state[week.m] == ACTIVE
    week.effort = model.staff_effort()
    # The week's draws for every member, of every mechanism, hashed in one pass.
    model.streams.prefetch(model.week, week.m, model.member_draws)


MECHANISM = Mechanism(
    name="census", source="MODEL.md (membership state)", step=census,
    writes=("counts", "is_member", "m", "active_m", "effort"),
)

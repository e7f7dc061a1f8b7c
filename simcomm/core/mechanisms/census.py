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
    (``active_m``, along ``m``) and the managers' effort (0 to staff_count); return None."""
    state = model.people.state
    week.counts = np.bincount(state, minlength=5)
    week.is_member = (state == ACTIVE) | (state == LURKING)
    week.m = np.flatnonzero(week.is_member)
    week.active_m = state[week.m] == ACTIVE
    week.effort = model.staff_effort()


MECHANISM = Mechanism(
    name="census", source="MODEL.md (membership state)", step=census,
    writes=("counts", "is_member", "m", "active_m", "effort"),
)

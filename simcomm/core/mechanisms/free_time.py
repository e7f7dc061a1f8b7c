"""Mechanism 2, time (seeds/000 'typically too busy').

A member's free hours this week are its weekly budget times a business shock (gamma, mean 1),
divided by ``1 + programme_drag * programmes`` (other programmes take their share). The time
factor 1 - exp(-2 x hours) is the chance that there is time for a visit of about half an hour.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simcomm.core.mechanism import Mechanism
from simcomm.core.week import Week

if TYPE_CHECKING:
    from simcomm.core.model import CommunityModel

BUSY_SHAPE = 4.0  # gamma shape of the weekly business shock (mean 1, CV 0.5): busy weeks


def free_time(model: CommunityModel, week: Week) -> None:
    """Set each member's free hours this week (``free_h``, hours) and time factor (0-1); return None."""
    people, m = model.people, week.m
    shock = model.streams.get("business shock").gamma(model.week, m, BUSY_SHAPE, 1.0 / BUSY_SHAPE)
    week.free_h = people.hours[m] * shock / (1.0 + model.p.programme_drag * people.programmes[m])
    week.time_factor = 1.0 - np.exp(-2.0 * week.free_h)


MECHANISM = Mechanism(
    name="free time", source="MODEL.md mechanism 2; seeds/000", step=free_time,
    reads=("m",), writes=("free_h", "time_factor"),
)

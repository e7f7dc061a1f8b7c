"""Mechanism 2, time (seeds/000 'typically too busy'; '55 Partner Programmes').

Time is a budget. A member's hours this week are its weekly budget times a business shock (gamma,
mean 1, shape ``busy_shape``); its other programmes take their share first
(``programme_hours`` each); the rest is free for the community. In a channel of several
communities (:mod:`simcomm.core.channel`) each gets the share ``attention`` of the partner's hours
(1 alone), so belonging to more communities leaves fewer hours for each. Reading, posting, answering and
leading then spend it (mechanism 3). The chance that there is time for a visit is
1 - exp(-free hours / visit_hours).
"""

from __future__ import annotations

import numpy as np

from simcomm.core.mechanism import Mechanism
from simcomm.core.parameter import ASSUMPTION, ParamSpec, param
from simcomm.core.state import View, partner_array
from simcomm.core.week import Week

PARAMS: tuple[ParamSpec, ...] = (
    param("busy_shape", 4.0, 0.5, 100.0, "gamma shape", ASSUMPTION + "busy weeks come and go (CV 0.5 "
          "at 4)", "Shape of the weekly business shock on a partner's hours (mean 1; larger = steadier)."),
    param("programme_hours", 0.1, 0.0, 5.0, "hours/programme/week", "seeds/000 ('at least 55 Partner "
          "Programmes ... the same audience the same message'); assumption: each other programme takes "
          "about six minutes a week", "Hours each other programme takes from a partner's week first."),
    param("visit_hours", 0.5, 0.01, 10.0, "hours", ASSUMPTION + "a visit to read the feed takes about "
          "half an hour", "Time a visit takes; with free hours it sets the chance of a visit."),
)


def free_time(s: View, week: Week) -> None:
    """Set each member's free hours this week (``free_h``, hours, after other programmes) and the
    chance that there is time for a visit (``time_factor``, 0-1); return None."""
    p, people, m = s.p, s.people, week.m
    shock = s.streams.get("business shock").gamma(week.number, m, p.busy_shape, 1.0 / p.busy_shape)
    hours = people.hours[m] * people.attention[m]  # the share of its hours this community gets
    week.free_h = np.maximum(0.0, hours * shock - p.programme_hours * people.programmes[m])
    week.time_factor = 1.0 - np.exp(-week.free_h / p.visit_hours)


MECHANISM = Mechanism(
    name="free time", source="MODEL.md mechanism 2; seeds/000", step=free_time, params=PARAMS,
    owns=(partner_array("attention", np.float64, 1.0, "share", "The share of the partner's weekly hours "
                        "this community gets: 1 alone; in a channel, split equally across the "
                        "communities it belongs to (seeds/000: 55 programmes, the same audience)."),),
    reads=("week.m", "people.hours", "people.programmes"), writes=("week.free_h", "week.time_factor"),
    streams=("business shock",), member_draws=("business shock",),
)

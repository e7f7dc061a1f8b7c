"""Mechanism 8 (relationships), seeds/001 (depth partners: a 1:1 relationship with a manager).

Each manager in post builds Poisson(``relationships_per_week`` x effectiveness) personal
relationships with active members who have none, depth partners three times as likely. The
relationship is held by that manager's post: it is worth ``relationship_value`` a week to the
member while the manager is in post, and goes when the manager leaves (unless handed over).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simcomm.core.governance import Rules
from simcomm.core.mechanism import Mechanism
from simcomm.core.parameter import ParamSpec, param
from simcomm.core.week import Week

if TYPE_CHECKING:
    from simcomm.core.model import CommunityModel

PARAMS: tuple[ParamSpec, ...] = (
    param("depth_weight", 3.0, 1.0, 100.0, "x", "seeds/001 (depth partners have a 1:1 relationship with "
          "a partner account manager); assumption for the figure",
          "How much more likely a manager builds a relationship with a depth (larger) partner."),
    param("relationships_per_week", 6.0, 0.0, 10_000.0, "members/manager/week", "seeds/001 (depth "
       "1:1 vs breadth 1:many); assumption for the figure",
       "Members a manager builds a personal relationship with each week."),
)

def staff_relationships(model: CommunityModel, week: Week) -> None:
    """Give each manager in post this week's new relationships with active members; return None."""
    p, people, m = model.p, model.people, week.m
    count, chosen = model.streams.get("relationships"), model.streams.get("relationship with")
    ramp = (1.0 - p.handover_quality) * p.successor_ramp_weeks
    for s in model.staff:
        eff = s.effectiveness(ramp) * model.staff_level
        if eff <= 0:
            continue
        free = m[(people.vendor_tie[m] < 0) & week.active_m]
        k = min(free.size, count.poisson_count(model.week, p.relationships_per_week * eff, slot=s.slot))
        if k:
            w = np.where(people.depth_tier[free], p.depth_weight, 1.0)
            people.vendor_tie[chosen.choose(model.week, free, k, weights=w)] = s.slot


def vendor_runs(rules: Rules) -> bool:
    """Return True where vendor managers run the community."""
    return rules.vendor_runs


MECHANISM = Mechanism(
    name="staff relationships", source="MODEL.md mechanism 8; seeds/001", step=staff_relationships,
    params=PARAMS, reads=("m", "active_m"), applies=vendor_runs,
)

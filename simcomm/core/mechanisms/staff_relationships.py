"""Mechanism 8 (relationships), seeds/001 (depth partners: a 1:1 relationship with a manager).

Each manager in post builds Poisson(``relationships_per_week`` x effectiveness) personal
relationships with active members who have none, depth partners three times as likely. The
relationship is held by that manager's post: it is worth ``relationship_value`` a week to the
member while the manager is in post, and goes when the manager leaves (unless handed over).
"""

from __future__ import annotations

import numpy as np

from simcomm.core.governance import Rules
from simcomm.core.mechanism import Mechanism
from simcomm.core.parameter import ParamSpec, param
from simcomm.core.state import View, partner_array
from simcomm.core.week import Week

PARAMS: tuple[ParamSpec, ...] = (
    param("depth_weight", 3.0, 1.0, 100.0, "x", "seeds/001 (depth partners have a 1:1 relationship with "
          "a partner account manager); assumption for the figure",
          "How much more likely a manager builds a relationship with a depth (larger) partner."),
    param("relationships_per_week", 6.0, 0.0, 10_000.0, "members/manager/week", "seeds/001 (depth "
       "1:1 vs breadth 1:many); assumption for the figure",
       "Members a manager builds a personal relationship with each week."),
)


def staff_relationships(s: View, week: Week) -> None:
    """Give each manager in post this week's new relationships with active members; return None."""
    p, people, m, programme = s.p, s.people, week.m, s.community.programme
    count, chosen = s.streams.get("relationships"), s.streams.get("relationship with")
    for post in programme.staff:
        eff = programme.effectiveness(post)
        if eff <= 0:
            continue
        free = m[(people.vendor_tie[m] < 0) & week.active_m]
        k = min(free.size, count.poisson_count(week.number, p.relationships_per_week * eff, slot=post.slot))
        if k:
            w = np.where(people.depth_tier[free], p.depth_weight, 1.0)
            people.vendor_tie[chosen.choose(week.number, free, k, weights=w)] = post.slot


def vendor_runs(rules: Rules) -> bool:
    """Return True where vendor managers run the community."""
    return rules.vendor_runs


MECHANISM = Mechanism(
    name="staff relationships", source="MODEL.md mechanism 8; seeds/001", step=staff_relationships,
    params=PARAMS, applies=vendor_runs,
    owns=(partner_array("vendor_tie", np.int16, -1, "post", "The manager post holding the partner's "
                        "personal relationship (-1: none)."),),
    reads=("week.m", "week.active_m", "people.depth_tier", "community.programme"),
    streams=("relationships", "relationship with"),
)

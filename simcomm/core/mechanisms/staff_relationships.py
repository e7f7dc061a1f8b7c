"""Mechanism 8 (relationships), seeds/001 (depth partners: a 1:1 relationship with a manager).

Each manager in post builds Poisson(``relationships_per_week`` x effectiveness) personal
relationships with active members who have none, depth partners three times as likely, up to
``relationships_per_manager`` at once (nobody knows more than so many partners well). The
relationship is held by that manager's post. While the manager is in post the member's bond to
it grows (``manager_bond_rate``; a partner the manager invited starts at ``recruit_bond``), and it
holds the member (:mod:`.commitment`); when the manager leaves the relationship and the bond go
with it unless the handover passes them on (:mod:`.staff_turnover`).
"""

from __future__ import annotations

import numpy as np

from simcomm.core.governance import Rules
from simcomm.core.mechanism import Mechanism
from simcomm.core.parameter import ASSUMPTION, ParamSpec, param
from simcomm.core.state import View, partner_array
from simcomm.core.week import Week

PARAMS: tuple[ParamSpec, ...] = (
    param("depth_weight", 3.0, 1.0, 100.0, "x", "seeds/001 (depth partners have a 1:1 relationship with "
          "a partner account manager); assumption for the figure",
          "How much more likely a manager builds a relationship with a depth (larger) partner."),
    param("relationships_per_week", 6.0, 0.0, 10_000.0, "members/manager/week", "seeds/001 (depth "
       "1:1 vs breadth 1:many); assumption for the figure",
       "Members a manager builds a personal relationship with each week."),
    param("relationships_per_manager", 150, 0, 100_000, "members", "Dunbar 1992 (some 150 stable "
          "relationships); seeds/001 (a partner account manager's 1:1 portfolio); assumption for the "
          "figure", "Most relationships one manager can hold at once."),
    param("manager_bond_rate", 0.05, 0.0, 1.0, "1/week", ASSUMPTION + "a relationship becomes a bond "
          "over a few months (63% in 20 weeks)", "Weekly rate at which a member's bond to the manager "
          "holding its relationship grows toward 1, while the manager is in post."),
    param("recruit_bond", 0.3, 0.0, 1.0, "bond", "shared/MODEL.md (members recruited by invitation); "
          "assumption: the manager who invited a partner starts with some of a bond",
          "Bond to the inviting manager a partner starts with (a vendor launch's invited partners too)."),
)


def staff_relationships(s: View, week: Week) -> None:
    """Strengthen the bonds of members whose manager is in post, then give each manager in post
    this week's new relationships with active members (a new one starts with no bond); return
    None."""
    p, people, m, programme = s.p, s.people, week.m, s.community.programme
    slot = people.vendor_tie[m]
    held = m[(slot >= 0) & programme.in_post_mask()[slot]]
    if held.size:
        people.manager_bond[held] += p.manager_bond_rate * (1.0 - people.manager_bond[held])
    count, chosen = s.streams.get("relationships"), s.streams.get("relationship with")
    for post in programme.staff:
        eff = programme.effectiveness(post)
        if eff <= 0:
            continue
        free = m[(people.vendor_tie[m] < 0) & week.active_m]
        room = max(0, p.relationships_per_manager - int(np.count_nonzero(slot == post.slot)))
        k = min(free.size, room, count.poisson_count(week.number, p.relationships_per_week * eff,
                                                     slot=post.slot))
        if k:
            w = np.where(people.depth_tier[free], p.depth_weight, 1.0)
            new = chosen.choose(week.number, free, k, weights=w)
            people.vendor_tie[new] = post.slot
            people.manager_bond[new] = 0.0


def vendor_runs(rules: Rules) -> bool:
    """Return True where vendor managers run the community."""
    return rules.vendor_runs


MECHANISM = Mechanism(
    name="staff relationships", source="MODEL.md mechanism 8; seeds/001", step=staff_relationships,
    params=PARAMS, applies=vendor_runs,
    owns=(partner_array("vendor_tie", np.int16, -1, "post", "The manager post holding the partner's "
                        "personal relationship (-1: none)."),
          partner_array("manager_bond", np.float64, 0.0, "0-1", "The partner's bond to the manager "
                        "holding its relationship (it goes with the manager unless handed over).")),
    reads=("week.m", "week.active_m", "people.depth_tier", "community.programme"),
    streams=("relationships", "relationship with"),
)

"""Mechanism 8, vendor staff turnover (seeds/000 'moved on without leaving any legacy').

Each manager leaves with weekly hazard ``staff_turnover_per_year / 52``. The post stays empty
for a geometric number of weeks (mean ``vacancy_weeks``). Each relationship the manager held
survives with probability ``handover_quality``; the rest are gone. The successor starts with no
time in post and ramps up over ``(1 - handover_quality) * 26`` weeks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simcomm.core.governance import Rules
from simcomm.core.mechanism import Mechanism
from simcomm.core.parameter import ASSUMPTION, ParamSpec, param
from simcomm.core.week import Week

if TYPE_CHECKING:
    from simcomm.core.model import CommunityModel

PARAMS: tuple[ParamSpec, ...] = (
    param("staff_count", 1, 0, 1000, "managers", "seeds/003 #8 ('hiring a community manager')",
       "Community managers the vendor employs (vendor-staffed governance only)."),
    param("staff_turnover_per_year", 0.5, 0.0, 52.0, "departures/manager/year", "seeds/000 "
       "('countless numbers of MS employees ... all have moved on'); assumption: a community "
       "manager stays about two years",
       "Expected departures per manager-year (weekly hazard = value / 52)."),
    param("vacancy_weeks", 8.0, 0.0, 104.0, "weeks", ASSUMPTION + "a typical hiring gap",
       "Mean weeks a post stays empty after a manager leaves."),
    param("handover_quality", 0.3, 0.0, 1.0, "share", "seeds/000 ('moved on without leaving any form "
       "of legacy')", "Share of a leaving manager's relationships and plans the successor keeps."),
)

def staff_turnover(model: CommunityModel, week: Week) -> None:
    """Draw each manager's departure this week, empty the post, drop the relationships that are
    not handed over, and fill posts whose vacancy has ended; return None."""
    if not model.staff or model.closed:
        return
    p, people = model.p, model.people
    hazard = p.staff_turnover_per_year / 52.0
    for s in model.staff:
        if s.in_post:
            if s.leaves(hazard):
                gap = s.vacate(model.week, p.vacancy_weeks)
                held = np.flatnonzero(people.vendor_tie == s.slot)
                kept = model.streams.get("handover").uniform(model.week, held) < p.handover_quality
                lost = held[~kept]
                people.vendor_tie[lost] = -1
                empty = f"the post is empty for {gap} weeks" if gap else "a successor starts next week"
                model.log("staff_left", f"the community manager left; {lost.size} of {held.size} "
                          f"relationships went with them; {empty}")
            else:
                s.weeks_in_post += 1
        elif model.week >= s.vacant_until:
            s.fill()
            model.log("staff_joined", "a new community manager started, with no relationships")


def has_staff(rules: Rules) -> bool:
    """Return True where the vendor employs someone for the community (to run or to fund it)."""
    return rules.has_staff


MECHANISM = Mechanism(
    name="staff turnover", source="MODEL.md mechanism 8; seeds/000", step=staff_turnover,
    params=PARAMS, applies=has_staff,
)

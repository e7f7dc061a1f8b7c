"""Mechanism 8, vendor staff turnover (seeds/000 'moved on without leaving any legacy';
'not just when those initiating the programme are in the job').

Each manager leaves with weekly hazard ``staff_turnover_per_year / 52``. The post stays empty for
a geometric number of weeks (mean ``vacancy_weeks``): while it is empty nobody answers, curates,
moderates, recruits or organises events for the vendor. Each relationship the manager held
survives as the handover allows, and a new hire may reset the programme
(:class:`simcomm.core.programme.Programme`: the hire, the ramp-up and the reset).
"""

from __future__ import annotations

import numpy as np

from simcomm.core.counterfactual import DEPARTURE, AdverseEvent
from simcomm.core.governance import Rules
from simcomm.core.mechanism import Mechanism
from simcomm.core.parameter import ASSUMPTION, ParamSpec, param
from simcomm.core.state import View
from simcomm.core.week import Week

PARAMS: tuple[ParamSpec, ...] = (
    param("staff_turnover_per_year", 0.5, 0.0, 52.0, "departures/manager/year", "seeds/000 "
          "('countless numbers of MS employees ... all have moved on'); assumption: a community "
          "manager stays about two years",
          "Expected departures per manager-year (weekly hazard = value / 52)."),
    param("vacancy_weeks", 8.0, 0.0, 104.0, "weeks", ASSUMPTION + "a typical hiring gap",
          "Mean weeks a post stays empty after a manager leaves."),
)


def staff_turnover(s: View, week: Week) -> None:
    """Draw each manager's departure this week, empty the post, drop the relationships that are
    not handed over, and fill posts whose vacancy has ended with a new hire; return None.

    A departure is recorded in ``community.adverse``; one that ``community.counterfactual``
    neutralises does not happen (the manager stays another week in post)."""
    programme = s.community.programme
    if not programme.staff or s.community.closed:
        return
    p, people, now = s.p, s.people, week.number
    hazard = p.staff_turnover_per_year / 52.0
    for post in programme.staff:
        if post.in_post:
            if s.streams.get("manager leaves").scalar(now, slot=post.slot) < hazard:
                if s.community.counterfactual.keeps(post.slot, now):  # this departure does not happen
                    post.weeks_in_post += 1
                    continue
                s.community.adverse.append(AdverseEvent(now, DEPARTURE, post.slot))
                gap = s.streams.get("vacancy").geometric_gap(now, p.vacancy_weeks, slot=post.slot)
                programme.vacate(post, now, gap)
                held = np.flatnonzero(people.vendor_tie == post.slot)
                lost = held[~programme.handover_keeps(s.streams.get("handover").uniform(now, held))]
                people.vendor_tie[lost] = -1
                people.manager_bond[lost] = 0.0  # the bond goes with the manager; a handed-over one stays
                empty = f"the post is empty for {gap} weeks" if gap else "a successor starts next week"
                s.log("staff_left", f"the community manager left; {lost.size} of {held.size} "
                      f"relationships went with them; {empty}")
            else:
                post.weeks_in_post += 1
        elif now >= post.vacant_until and programme.funding:
            s.log("staff_joined", programme.hire(post, now))
            if s.rules.vendor_runs:
                reset = programme.successor_resets(post, now)
                if reset is not None:
                    s.log("programme_reset", reset)


def has_staff(rules: Rules) -> bool:
    """Return True where the vendor employs someone for the community (to run or to fund it)."""
    return rules.has_staff


MECHANISM = Mechanism(
    name="staff turnover", source="MODEL.md mechanism 8; seeds/000", step=staff_turnover,
    params=PARAMS, applies=has_staff,
    reads=("community.closed", "community.counterfactual"),
    writes=("people.vendor_tie", "people.manager_bond", "community.programme", "community.adverse"),
    streams=("manager leaves", "vacancy", "handover"),
)

"""Mechanism 8, vendor staff turnover (seeds/000 'moved on without leaving any legacy';
'not just when those initiating the programme are in the job').

Each manager leaves with weekly hazard ``staff_turnover_per_year / 52``. The post stays empty for
a geometric number of weeks (mean ``vacancy_weeks``): while it is empty nobody answers, curates,
moderates, recruits or organises events for the vendor. Each relationship the manager held
survives with probability ``handover_quality``. Every hire is a different person: skill and
authenticity are drawn per hire (Beta, means ``manager_skill`` and ``staff_authenticity``,
concentration ``manager_concentration``). A successor ramps up over ``(1 - handover_quality) x
successor_ramp_weeks`` weeks and, unless the handover keeps the programme (probability
``handover_quality``), resets it: a content mix of its own (promotion share drawn around
``promo_share``, spread ``promo_swing``) and no events until it has ramped up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import special

from simcomm.core.counterfactual import DEPARTURE, AdverseEvent
from simcomm.core.governance import Rules
from simcomm.core.mechanism import Mechanism
from simcomm.core.parameter import ASSUMPTION, ParamSpec, param
from simcomm.core.week import Week

if TYPE_CHECKING:
    from simcomm.agents import VendorStaff
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
    param("manager_skill", 0.7, 0.01, 0.99, "0-1", ASSUMPTION + "a competent hire on average; "
          "seeds/003 #8 ('even be done by a young apprentice so long as they are social savvy')",
          "Mean skill of a manager hire (how much of a full manager's work it gets done)."),
    param("staff_authenticity", 0.4, 0.01, 0.99, "0-1", "seeds/001 ('people see through the BS')",
          "Mean authenticity of a manager hire (and of member promotion); promotion costs members "
          "(1 - authenticity)."),
    param("manager_concentration", 8.0, 0.5, 1000.0, "Beta concentration", ASSUMPTION + "hires differ "
          "noticeably (skill sd about 0.15 at the default)",
          "How alike manager hires are: Beta(mean x c, (1 - mean) x c) for skill and authenticity."),
    param("successor_ramp_weeks", 26.0, 0.0, 208.0, "weeks", ASSUMPTION + "half a year to learn a "
          "programme from scratch", "Weeks a successor needs to reach full effectiveness with no "
          "handover (scaled by 1 - handover_quality)."),
    param("promo_swing", 0.15, 0.0, 0.5, "share of content", ASSUMPTION + "a new manager's own "
          "marketing brief", "Spread (sd) of a resetting successor's promotional share around promo_share."),
)


def draw_hire(model: CommunityModel, slot: int, hire: int) -> tuple[float, float]:
    """Return the (skill, authenticity) of hire number ``hire`` in post ``slot`` (0-1 each)."""
    p = model.p
    u = model.streams.get("hire").uniform(hire, np.array([slot, slot]), np.array([0, 1]))
    c = p.manager_concentration
    skill = float(special.betaincinv(p.manager_skill * c, (1 - p.manager_skill) * c, u[0]))
    auth = float(special.betaincinv(p.staff_authenticity * c, (1 - p.staff_authenticity) * c, u[1]))
    return skill, auth


def successor_resets(model: CommunityModel, s: VendorStaff) -> None:
    """With probability 1 - handover_quality the successor resets the programme: its own content
    mix and no events until ramped up; return None."""
    p, now = model.p, model.week
    if model.streams.get("programme reset").scalar(now, slot=s.slot) < p.handover_quality:
        return
    z = float(model.streams.get("successor promotion").normal(now, np.array([s.slot]))[0])
    model.promo_share = float(np.clip(p.promo_share + p.promo_swing * z, 0.0, 1.0))
    model.events_from = now + round((1.0 - p.handover_quality) * p.successor_ramp_weeks)
    model.log("programme_reset", f"the new manager reset the programme: promotion is now "
              f"{model.promo_share:.0%} of the content, no events until week {model.events_from}")


def staff_turnover(model: CommunityModel, week: Week) -> None:
    """Draw each manager's departure this week, empty the post, drop the relationships that are
    not handed over, and fill posts whose vacancy has ended with a new hire; return None.

    A departure is recorded in ``model.adverse``; one that ``model.counterfactual`` neutralises
    does not happen (the manager stays another week in post)."""
    if not model.staff or model.closed:
        return
    p, people = model.p, model.people
    hazard = p.staff_turnover_per_year / 52.0
    for s in model.staff:
        if s.in_post:
            if s.leaves(hazard):
                if model.counterfactual.keeps(s.slot, model.week):  # this departure does not happen
                    s.weeks_in_post += 1
                    continue
                model.adverse.append(AdverseEvent(model.week, DEPARTURE, s.slot))
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
        elif model.week >= s.vacant_until and model.funding:
            s.fill(*draw_hire(model, s.slot, s.hires + 1))
            model.log("staff_joined", f"a new community manager started (skill {s.skill:.2f}), "
                      "with no relationships")
            if model.rules.vendor_runs:
                successor_resets(model, s)


def has_staff(rules: Rules) -> bool:
    """Return True where the vendor employs someone for the community (to run or to fund it)."""
    return rules.has_staff


MECHANISM = Mechanism(
    name="staff turnover", source="MODEL.md mechanism 8; seeds/000", step=staff_turnover,
    params=PARAMS, applies=has_staff,
)

"""Third-party marketplace (seeds/004: 'customers seek service providers for low-end services').

Customers post Poisson(``job_rate`` x active members) jobs a week; each goes to an active member,
larger firms more often (weight 1 + size class). A job won is worth ``deal_value`` to the member
and counts as influenced revenue like a deal.
"""

from __future__ import annotations

import numpy as np

from simcomm.core.governance import Rules
from simcomm.core.mechanism import Mechanism
from simcomm.core.parameter import ParamSpec, param
from simcomm.core.state import View
from simcomm.core.week import Week

PARAMS: tuple[ParamSpec, ...] = (
    param("job_rate", 0.05, 0.0, 10.0, "jobs/active member/week", "seeds/004 (marketplace: "
       "customers seek service providers); assumption", "Customer jobs posted per active member "
       "per week (marketplace)."),
)

def customer_jobs(s: View, week: Week) -> None:
    """Post this week's customer jobs and give each to an active member (added to ``deals_m``);
    return None."""
    people, m, now = s.people, week.m, week.number
    pos = week.active_m.nonzero()[0]
    jobs = s.streams.get("customer jobs").poisson_count(now, s.p.job_rate * pos.size)
    if jobs == 0:
        return
    cum = (1.0 + people.size_class[m[pos]]).cumsum()
    u = s.streams.get("job winner").uniform(now, np.arange(jobs))
    won = pos[np.minimum(cum.searchsorted(u * cum[-1], side="right"), pos.size - 1)]
    week.deals_m = week.deals_m + np.bincount(won, minlength=m.size)
    week.tally["jobs"] += jobs


def customers_post_jobs(rules: Rules) -> bool:
    """Return True where customers post jobs (marketplaces)."""
    return rules.customer_jobs


MECHANISM = Mechanism(
    name="customer jobs", source="seeds/004 (marketplace networks)", step=customer_jobs,
    params=PARAMS, reads=("week.m", "week.active_m", "week.deals_m", "people.size_class"),
    writes=("week.deals_m",), streams=("customer jobs", "job winner"),
    applies=customers_post_jobs,
)

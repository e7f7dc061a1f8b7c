"""The week's record: the weekly metrics (shared/MODEL.md "What is measured"), collected by Mesa's
DataCollector, the one record of the run; and the community's death when nobody is active.

Vendor economics are counted here every week: the cost of managers in post and of events, and
community-influenced revenue (seeds/002 'measure community-influenced activities').
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from simcomm.core.mechanism import Mechanism
from simcomm.core.metrics import lifecycle_stage, participation_inequality
from simcomm.core.parameter import ASSUMPTION, ParamSpec, param
from simcomm.core.population import ACTIVE, AWARE, LAPSED, LURKING
from simcomm.core.week import Week

if TYPE_CHECKING:
    from simcomm.core.model import CommunityModel

DEATH_WEEKS = 8  # a community with no active member for this many weeks has died

PARAMS: tuple[ParamSpec, ...] = (
    param("staff_cost_per_week", 2000.0, 0.0, 1e7, "currency/week", ASSUMPTION + "loaded cost of a manager",
       "Vendor cost of each manager in post."),
    param("revenue_per_active", 30.0, 0.0, 1e6, "currency/active member/week", "seeds/002 ('measure "
       "community-influenced activities'); assumption: about 1,500 a year per active partner, 1-3% uplift "
       "on a small partner's business with the vendor; at 5 (the first figure) no single-manager programme "
       "paid for itself once participation met the published figures",
       "Community-influenced vendor revenue per active member per week."),
    param("revenue_per_deal", 500.0, 0.0, 1e8, "currency/deal", "seeds/004 (peer deals around the "
       "vendor's technology); assumption", "Vendor revenue influenced by each peer deal."),
)

def metrics_row(model: CommunityModel, week: Week) -> dict[str, Any]:
    """Return this week's metrics (WEEKLY_METRICS but the stage) from the tally and the arrays;
    count a week as active for each active member."""
    people, t, p = model.people, week.tally, model.p
    counts = np.bincount(people.state, minlength=5)
    members = people.members()
    staff_in = sum(s.in_post for s in model.staff)
    cost = t["vendor_cost"] + (staff_in * p.staff_cost_per_week if model.rules.vendor_runs else 0)
    deals = t["peer_deals"] + t["jobs"]
    revenue = p.revenue_per_active * int(counts[ACTIVE]) + p.revenue_per_deal * deals
    people.active_weeks[members[people.state[members] == ACTIVE]] += 1
    msgs = people.posts[members] + people.answers[members]
    gini, top10, top1 = participation_inequality(msgs)
    return {
        "week": model.week,
        "active_members": int(counts[ACTIVE]),
        "lurking_members": int(counts[LURKING]),
        "lapsed_members": int(counts[LAPSED]),
        "aware_partners": int(counts[AWARE]),
        "joins": int(t["joins"]),
        "leaves": int(t["leaves"]),
        "posts": int(t["posts"]),
        "answers": int(t["answers"]),
        "newcomer_reply_rate": (t["first_posts_answered"] / t["first_posts"]
                                if t["first_posts"] else math.nan),
        "first_posts": int(t["first_posts"]),
        "new_ties": int(t["new_ties"]),
        "ties": len(model.ties),
        "peer_deals": int(t["peer_deals"]),
        "jobs": int(t["jobs"]),
        "mean_commitment": float(people.commitment[members].mean()) if members.size else 0.0,
        "contribution_gini": gini,
        "top10_post_share": top10,
        "top1_post_share": top1,
        "leaders": int(np.count_nonzero(people.is_leader)),
        "staff_present": int(staff_in),
        "vacancies": len(model.staff) - int(staff_in) if not model.closed else 0,
        "spam_visible": int(t["spam_visible"]),
        "events": int(t["events"]),
        "vendor_cost": float(cost),
        "influenced_revenue": float(revenue),
    }


def record_week(model: CommunityModel, week: Week) -> None:
    """Compute the week's metrics (``row``), close a community with no active member for
    DEATH_WEEKS weeks, add the lifecycle stage and collect the row; return None."""
    row = metrics_row(model, week)
    before = model.history["active_members"]
    recent = [*before[-(DEATH_WEEKS - 1):], row["active_members"]]
    if not model.closed and model.week > DEATH_WEEKS and max(recent) == 0:
        model.close(f"no member has been active for {DEATH_WEEKS} weeks")
        row["lurking_members"] = 0
        row["lapsed_members"] = model.people.count(LAPSED)
    row["stage"] = lifecycle_stage([*before, row["active_members"]], model.closed)
    week.row = row
    model.datacollector.collect(model)


MECHANISM = Mechanism(
    name="record", source="MODEL.md 'What is measured'", step=record_week, params=PARAMS,
    writes=("row",),
)

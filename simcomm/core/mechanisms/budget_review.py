"""Mechanism 10, the vendor's budget review (seeds/002 'how do we measure the value?').

From ``review_start`` (counted from the week the programme's money started: 0, or the week a
sponsor took on an existing community), every ``review_every`` weeks, the vendor compares
influenced revenue with its whole cost (managers' time, events) over the last ``review_every``
recorded weeks (this one included). Below ``roi_target`` the first time, it cuts managers' time
and the event and recruitment budget by ``budget_cut``; a later review that meets the target
restores them; below target twice in a row, it closes the programme: the community dies and
every member lapses (a sponsor instead withdraws its money and the members carry on).

What an empty post costs the review is a choice (``review_counts_vacancy``): at 0 (the default)
the review sees what was paid, so a vacancy saves a salary while the revenue that ran through
the manager's relationships stops; at 1 it sees the post's budget whether or not it was filled
(seeds/000: the pilot light is kept on "until someone in a more senior position realises"), so
a vacancy costs revenue and saves nothing.

How well the review measures the community's influence is a choice too
(``review_measurement_error``, seeds/002: "How do we measure the value of community? Some
companies are better than others at tracking"): at 0 (the default) it sees the influenced revenue
exactly; above 0 it sees that revenue times a log-normal error with mean 1 (the log's standard
deviation is the parameter), drawn once a review, so a review can cut a community that earns its
keep or spare one that does not. :class:`ReviewReturn` records the revenue the review saw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

from simcomm.core.counterfactual import BUDGET_CUT, CLOSURE, WITHDRAWAL, AdverseEvent
from simcomm.core.governance import Review, Rules
from simcomm.core.mechanism import Mechanism
from simcomm.core.membership import END_READS, END_WRITES, end_community
from simcomm.core.parameter import ASSUMPTION, ParamSpec, param
from simcomm.core.state import View, community_field
from simcomm.core.week import Week

PARAMS: tuple[ParamSpec, ...] = (
    param("review_start", 52, 1, 1040, "week", "seeds/002 ('how do we measure the value of community?')",
       "Week of the first budget review."),
    param("review_every", 26, 1, 520, "weeks",
       ASSUMPTION + "half-yearly budget cycle", "Weeks between reviews."),
    param("roi_target", 1.0, 0.0, 100.0, "revenue/cost", ASSUMPTION + "break-even",
       "Return the vendor wants over the last review period."),
    param("review_counts_vacancy", 0.0, 0.0, 1.0, "share", ASSUMPTION + "seeds/000 ('keep the pilot "
          "light on until someone in a more senior position realises'); 0: the review counts what was "
          "paid", "Share of an empty manager post's budget the review counts as the programme's cost "
          "(1: the post is budgeted whether or not it is filled)."),
    param("review_measurement_error", 0.0, 0.0, 3.0, "log-sd", "seeds/002 ('How do we measure the "
          "value of community? Some companies are better than others at tracking'); " + ASSUMPTION
          + "0, the review sees the influenced revenue exactly", "Standard deviation of the log of "
          "the error (mean 1) in the influenced revenue a review counts: 0 sees it exactly, 0.5 "
          "sees it within about x0.33 to x2.35 (95%)."),
    param("budget_cut", 0.5, 0.0, 1.0, "share", ASSUMPTION + "first miss halves events and recruitment",
       "Share of event and recruitment budget cut after a missed review; a second miss closes."),
)

@dataclass(frozen=True)
class ReviewReturn:
    """One budget review's numbers: its ``week``, the influenced ``revenue`` (as the review
    measured it: :func:`measured`) and the ``cost`` it counted over the period it looked back on
    (currency), before it decided."""

    week: int
    revenue: float
    cost: float

    @property
    def ratio(self) -> float:
        """Return the return the review saw (revenue / cost; inf with no cost)."""
        return self.revenue / self.cost if self.cost > 0 else math.inf

    def to_dict(self) -> dict[str, Any]:
        """Return the review as a JSON-serialisable dict (week, revenue, cost)."""
        return {"week": self.week, "revenue": self.revenue, "cost": self.cost}


def measured(s: View, now: int) -> float:
    """Return the factor (mean 1) by which this week's review mismeasures the influenced revenue:
    exp(sigma z - sigma^2 / 2), z a standard normal drawn for the review, sigma
    ``review_measurement_error``; exactly 1 (and no draw) at 0."""
    sigma = s.p.review_measurement_error
    if sigma <= 0:
        return 1.0
    z = NormalDist().inv_cdf(s.streams.get("review measurement").scalar(now))
    return math.exp(sigma * z - sigma * sigma / 2.0)


def budget_review(s: View, week: Week) -> None:
    """Hold the budget review when one is due: pass, cut the budget, or close (withdraw the
    sponsorship); return None.

    A cut, closure or withdrawal is recorded in ``community.adverse``; a review that
    ``community.counterfactual`` waives decides nothing when it misses its target (the budget
    stands, the miss is not counted)."""
    p, now, community = s.p, week.number, s.community
    programme = community.programme
    if programme.staff and not community.closed:
        community.vacant_budget.append(programme.vacant_cost())
    first = programme.since + p.review_start  # a sponsor who took the community on later: from then
    if not programme.staff or not programme.funding or community.closed or now < first:
        return
    if (now - first) % p.review_every:
        return
    history = community.record.model_vars
    cost = sum(history["vendor_cost"][-p.review_every:])
    if p.review_counts_vacancy:
        cost += p.review_counts_vacancy * sum(community.vacant_budget[-p.review_every:])
    revenue = sum(history["influenced_revenue"][-p.review_every:]) * measured(s, now)
    held = ReviewReturn(now, float(revenue), float(cost))
    community.reviews.append(held)
    roi = held.ratio
    if roi >= p.roi_target:
        if programme.review_misses and programme.restore():
            s.log("budget_restored", f"the budget review (ROI {roi:.2f}) restored the budget")
        programme.review_misses = 0
        return
    if community.counterfactual.waives(now):  # a counterfactual: this review decides nothing
        return
    programme.review_misses += 1
    if programme.review_misses == 1:
        community.adverse.append(AdverseEvent(now, BUDGET_CUT))
        programme.cut(p.budget_cut)
        s.log("budget_cut", f"the budget review (ROI {roi:.2f}) cut the managers' time, events "
              f"and recruitment by {p.budget_cut:.0%}")
    elif s.rules.review is Review.WITHDRAW:
        community.adverse.append(AdverseEvent(now, WITHDRAWAL))
        programme.withdraw_funding()
        s.log("funding_withdrawn", f"the budget review (ROI {roi:.2f}) ended the sponsorship; the "
              "members carry on without it")
    else:
        community.adverse.append(AdverseEvent(now, CLOSURE))
        end_community(s, now, f"the budget review (ROI {roi:.2f}) closed the programme")


def reviewed(rules: Rules) -> bool:
    """Return True where vendor (or sponsor) money is reviewed."""
    return rules.review is not Review.NONE


MECHANISM = Mechanism(
    name="budget review", source="MODEL.md mechanism 10; seeds/002", step=budget_review,
    params=PARAMS, applies=reviewed,
    owns=(community_field("vacant_budget", None, "currency/week", "The budget of the empty manager "
                          "posts, week by week (what the review may count as cost).", factory=list),
          community_field("reviews", None, "reviews", "Each review held: its week and the revenue and "
                          "cost it compared (ReviewReturn), whatever it decided.", factory=list)),
    reads=("community.record", "community.counterfactual", *END_READS),
    writes=(*END_WRITES, "community.programme", "community.adverse"),
    streams=("review measurement",),
)

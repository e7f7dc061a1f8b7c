"""What is measured (shared/MODEL.md): weekly metrics, lifecycle stage and the run summary."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

WEEKLY_METRICS: tuple[str, ...] = (
    "week", "active_members", "lurking_members", "lapsed_members", "aware_partners", "joins",
    "leaves", "posts", "answers", "newcomer_reply_rate", "first_posts", "new_ties", "ties",
    "peer_deals", "jobs", "mean_commitment", "contribution_gini", "top10_post_share", "top1_post_share",
    "leaders", "staff_present", "vacancies", "spam_visible", "events", "vendor_cost",
    "influenced_revenue", "stage",
)
STAGES: tuple[str, ...] = ("inception", "growth", "maturity", "decline", "death")
CRITICAL_MASS = 10  # active members below which a community is still in inception
TREND_WEEKS = 8  # weeks over which the growth trend is measured
TREND_SHARE = 0.05  # a change of more than 5% over the trend window is growth or decline


def participation_inequality(messages: np.ndarray) -> tuple[float, float, float]:
    """Return (Gini, top-10% share, top-1% share) of messages written per member.

    ``messages`` holds each current member's posts plus answers (non-negative integers);
    shares are of all messages, the top groups are the top 10% / 1% of members (at least one
    member). Returns (0, 0, 0) when nobody has written anything.
    """
    n = messages.size
    total = int(np.add.reduce(messages)) if n else 0
    if total == 0:
        return 0.0, 0.0, 0.0
    x = np.sort(messages)
    ranks = np.arange(1, n + 1)
    gini = float((2.0 * np.add.reduce(ranks * x)) / (n * total) - (n + 1.0) / n)
    top10 = float(np.add.reduce(x[n - max(1, math.ceil(0.10 * n)):]) / total)
    top1 = float(np.add.reduce(x[n - max(1, math.ceil(0.01 * n)):]) / total)
    return gini, top10, top1


def lifecycle_stage(active: list[int], dead: bool) -> str:
    """Return this week's lifecycle stage from the history of active members so far.

    death once the community has died; inception until active members first reach both
    CRITICAL_MASS and twice the launch count (the first week's); then growth or decline when
    the active count changed by more than TREND_SHARE over the last TREND_WEEKS weeks, maturity
    otherwise.
    """
    if dead:
        return "death"
    if max(active) < max(CRITICAL_MASS, 2 * active[0]):
        return "inception"
    now = active[-1]
    before = active[-TREND_WEEKS - 1] if len(active) > TREND_WEEKS else active[0]
    change = (now - before) / max(before, 1)
    if change > TREND_SHARE:
        return "growth"
    if change < -TREND_SHARE:
        return "decline"
    return "maturity"


def _spells(members: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return (join_week, leave_week) of each member's first spell as float arrays, leave_week
    NaN while still a member (the members table holds nullable integers)."""
    join = members["join_week"].to_numpy(dtype=float)
    leave = members["leave_week"].to_numpy(dtype=float, na_value=np.nan)
    return join, leave


def retention(members: pd.DataFrame, after_weeks: int, weeks: int, cohort_until: int = 52,
              settled_weeks: int = 0) -> float:
    """Return the share of partners who joined by week ``cohort_until`` still members
    ``after_weeks`` weeks after joining (first membership spell); NaN if no one is observable.

    Only joiners with ``join_week + after_weeks <= weeks`` count (the rest are not yet observable).
    With ``settled_weeks`` > 0 the cohort is only those who settled: still members
    ``settled_weeks`` weeks after joining (drive-by joiners who left sooner do not count).
    """
    join, leave = _spells(members)
    cohort = (join <= cohort_until) & (join + after_weeks <= weeks)
    join, leave = join[cohort], leave[cohort]
    if settled_weeks:
        settled = np.isnan(leave) | (leave - join > settled_weeks)
        join, leave = join[settled], leave[settled]
    if join.size == 0:
        return math.nan
    stayed = np.isnan(leave) | (leave - join > after_weeks)
    return int(np.count_nonzero(stayed)) / stayed.size


def median_tenure(members: pd.DataFrame, weeks: int) -> float | None:
    """Return the Kaplan-Meier median membership tenure in weeks (first spell; lifelines).

    Members still in at the end are censored at ``weeks``. Returns None when more than half
    are still members (the median is not reached) or nobody joined.
    """
    if members.empty:
        return None
    from lifelines import KaplanMeierFitter

    join, leave = _spells(members)
    observed = ~np.isnan(leave)
    durations = np.maximum(np.where(observed, leave, float(weeks)) - join, 0.0)
    kmf = KaplanMeierFitter().fit(durations, observed)
    median = float(kmf.median_survival_time_)
    return median if math.isfinite(median) else None


def summarize(timeseries: pd.DataFrame, members: pd.DataFrame, weeks: int,
              died_week: int | None) -> dict[str, Any]:
    """Return the headline figures of a run as a JSON-serialisable dict.

    retention_12w / retention_52w: share (0-1) of the first year's joiners still members 12 /
    52 weeks after joining; settled_retention_52w: the same at 52 weeks among those still members
    12 weeks after joining (the settled members, whom a manager's relationships hold);
    peak_active, final_active (members); weeks_to_peak (week);
    median_tenure_weeks (Kaplan-Meier, None if not reached); died_week (None if alive);
    total_peer_deals (deals); roi (influenced revenue / vendor cost, None when cost is 0).
    """
    active = timeseries["active_members"].to_numpy()
    cost = float(timeseries["vendor_cost"].sum())
    revenue = float(timeseries["influenced_revenue"].sum())
    # Members whose first message was a question: was it answered, did they write again?
    first = members["first_post_answered"].notna().to_numpy()
    answered = members["first_post_answered"].to_numpy(dtype=bool, na_value=False)[first]
    back = members["second_post_week"].notna().to_numpy()[first]

    def _nan_none(x: float) -> float | None:
        return None if math.isnan(x) else x

    return {
        "retention_12w": _nan_none(retention(members, 12, weeks)),
        "retention_52w": _nan_none(retention(members, 52, weeks)),
        "settled_retention_52w": _nan_none(retention(members, 52, weeks, settled_weeks=12)),
        "peak_active": int(active.max()) if active.size else 0,
        "final_active": int(active[-1]) if active.size else 0,
        "weeks_to_peak": int(timeseries["week"].iloc[int(active.argmax())]) if active.size else 0,
        "median_tenure_weeks": median_tenure(members, weeks),
        "died_week": died_week,
        "total_peer_deals": int(timeseries["peer_deals"].sum()),
        "total_posts": int(timeseries["posts"].sum()),
        "total_answers": int(timeseries["answers"].sum()),
        "ever_joined": len(members),
        "first_post_reply_rate": int(np.count_nonzero(answered)) / answered.size if answered.size else None,
        "return_if_answered": _share_returned(answered, back),
        "return_if_unanswered": _share_returned(~answered, back),
        "vendor_cost": cost,
        "influenced_revenue": revenue,
        "roi": revenue / cost if cost > 0 else None,
    }


def _share_returned(mask: np.ndarray, back: np.ndarray) -> float | None:
    """Return the share of ``back`` (bool) among the rows in ``mask`` (bool; None if there are
    none)."""
    n = int(np.count_nonzero(mask))
    return int(np.count_nonzero(back & mask)) / n if n else None

"""What a budget review's ROI means when the post was empty: the caveat a reader needs.

A vacancy stops the manager's salary while the community's influenced revenue goes on, so a
review whose period held vacant weeks divides that revenue by a cost with the salary missing: its
ROI is inflated (Model 2: staff-churn, seed 0 scored 19.81 right after a 23-week vacancy, and the
budget was restored; Model 3 runs revenue through relationships, yet a vacancy still lowers cost
more than revenue, 9.65 against 2.12 a review earlier). The model decides as it does; the pages must not
present that review as good news. :func:`review_caveat` gives the words, :func:`with_caveats`
adds them to a run's event table.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

#: Event kinds a budget review logs; its text starts "the budget review (ROI ...)".
REVIEW_KINDS: tuple[str, ...] = ("budget_restored", "budget_cut", "funding_withdrawn", "death")


def empty_weeks(vacancies: Sequence[float], week: int, period: int) -> list[int]:
    """Return the weeks of the review period ending at ``week`` (the last ``period`` recorded
    weeks, ``week`` included) in which a manager's post was empty; ``vacancies[k]`` is the
    number of empty posts in week k + 1."""
    first = max(1, week - period + 1)
    return [w for w in range(first, week + 1) if w - 1 < len(vacancies) and vacancies[w - 1] > 0]


def review_caveat(kind: str, text: str, week: int, vacancies: Sequence[float], period: int) -> str:
    """Return the words to add to a budget review's event ("" for any other event, or when no
    post was empty in the period reviewed): the weeks the post was empty, why that inflates the
    ROI, and, when the review restored the budget, that this is not good news."""
    if kind not in REVIEW_KINDS or not text.startswith("the budget review (ROI"):
        return ""
    empty = empty_weeks(vacancies, week, period)
    if not empty:
        return ""
    span = f"week {empty[0]}" if len(empty) == 1 else f"weeks {empty[0]}-{empty[-1]}"
    caveat = (f" (the post was empty for {len(empty)} of the {min(period, week)} weeks reviewed, "
              f"{span}: no salary was paid then while revenue went on, so this ROI is inflated")
    return caveat + ("; not good news)" if kind == "budget_restored" else ")")


def with_caveats(events: pd.DataFrame, timeseries: pd.DataFrame, period: int) -> pd.DataFrame:
    """Return a copy of a run's ``events`` (columns week, kind, text) in which each budget
    review whose period held vacant weeks says so (:func:`review_caveat`); ``timeseries`` is the
    run's (its ``vacancies`` column), ``period`` the ``review_every`` parameter (weeks)."""
    vacancies = timeseries["vacancies"].tolist() if "vacancies" in timeseries else []
    out = events.copy()
    out["text"] = [t + review_caveat(k, t, int(w), vacancies, period)
                   for w, k, t in zip(out["week"], out["kind"], out["text"], strict=True)]
    return out

"""How the managers' departures end a community: a budget review closing it (the funder's
decision) or its members falling silent, and what the review counts of an empty post."""

from __future__ import annotations

import re

import pytest

import simcomm
from simcomm.analysis.departures import killed_by_departures
from simcomm.report.survival_report import departures_section
from simcomm.runs.departures import Fate, fates

# A manager who leaves in the first week and a post that stays empty past the first review.
_EMPTY = {"partners": 300, "staff_turnover_per_year": 52.0, "vacancy_weeks": 104.0, "review_start": 26,
          "review_every": 26, "roi_target": 100.0, "death_weeks": 520}


def _reviewed(vacancy: float, seed: int = 3) -> tuple[simcomm.CommunityModel, float | None]:
    """Return the model after its first review and the ROI that review printed (None if it passed)."""
    params = simcomm.make_params({**simcomm.load_scenario("vendor-imposed").overrides, **_EMPTY,
                                  "review_counts_vacancy": vacancy})
    model = simcomm.CommunityModel(params, seed=seed)
    for _ in range(26):
        model.step()
    said = [text for week, kind, text in model.events if week == 26 and kind in ("budget_cut", "closed")]
    roi = float(re.search(r"ROI ([0-9.]+)", said[0]).group(1)) if said else None
    return model, roi


def test_the_review_counts_an_empty_posts_budget_only_when_told() -> None:
    paid, roi_paid = _reviewed(0.0)
    budgeted, roi_budgeted = _reviewed(1.0)
    h = budgeted.history
    # The option changes what the review counts, not what was paid or earned before it.
    assert h["vendor_cost"] == paid.history["vendor_cost"]
    assert h["influenced_revenue"] == paid.history["influenced_revenue"]
    empty = sum(budgeted.community.vacant_budget[-26:])
    assert empty >= 10 * budgeted.p.staff_cost_per_week  # the post stayed empty for most of the period
    cost, revenue = sum(h["vendor_cost"][-26:]), sum(h["influenced_revenue"][-26:])
    assert roi_budgeted == pytest.approx(revenue / (cost + empty), abs=0.006)
    # Counted as paid, the empty post saves its salary: the return is higher (or infinite).
    assert roi_paid is None or roi_paid == pytest.approx(revenue / cost, abs=0.006)
    assert roi_paid is None or roi_paid > roi_budgeted


def test_a_death_is_put_down_to_the_review_only_when_a_review_closed_it() -> None:
    settings = {"partners": 300, "staff_turnover_per_year": 4.0, "vacancy_weeks": 12.0, "roi_target": 50.0,
                "review_start": 26, "review_every": 13}
    # Silence cannot end it here (death_weeks 520), so every death is the review's.
    closing = fates("staff-churn", [0, 1, 2], 100, {**settings, "death_weeks": 520}, workers=1)
    assert any(f.died is not None for f in closing)
    assert all(f.closed_by_review == (f.died is not None) for f in closing)
    silent = fates("staff-churn", [0, 1, 2], 100, {**settings, "rule_review": "none", "death_weeks": 4},
                   workers=1)
    assert any(f.died is not None for f in silent) and not any(f.closed_by_review for f in silent)
    k = killed_by_departures("closing", closing)
    assert k.by_review == sum(f.killed for f in closing)
    assert "| of them, closed by a review |" in departures_section([k, killed_by_departures("s", silent)])


def test_killed_by_review_counts_only_the_killed() -> None:
    found = [Fate(0, 60, None, (10,), True), Fate(1, 60, 50, (10,), True), Fate(2, None, None, (10,)),
             Fate(3, 70, None, (10,), False)]
    k = killed_by_departures("x", found)
    assert (k.killed, k.by_review, k.died, k.late) == (2, 1, 3, 2)


def test_the_readme_quotes_the_validation_pages_departure_figures() -> None:
    """The README's findings name the departures section's numbers as the page last measured
    them (regenerate both together)."""
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    rows = {r["scenario"].split(":")[0].split(" (")[0]: r
            for r in json.loads((root / "docs/validation/validation.json").read_text())["departures"]}
    readme = " ".join((root / "README.md").read_text().split())
    bond, ident = rows["bond-held"], rows["identity-held"]
    assert (f"kill it in {bond['share']:.0%} of seeds [{bond['low']:.0%}, {bond['high']:.0%}] "
            f"({bond['n']} seeds)") in readme
    assert f"({bond['by_review']} of {bond['killed']})" in readme
    assert f"({ident['share']:.0%} [{ident['low']:.0%}, {ident['high']:.0%}])" in readme
    no_review = next(r for k, r in rows.items() if "no budget review" in k)
    assert f"with no review, departures kill {no_review['share']:.0%}" in readme
    vacancy = next(r for k, r in rows.items() if "counts an empty post" in k)
    assert (f"at 1, staff-churn's departures kill {vacancy['share']:.0%} instead of "
            f"{bond['share']:.0%}") in readme

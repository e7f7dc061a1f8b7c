"""How the managers' departures end a community: a budget review closing it (the funder's
decision) or its members falling silent, and what the review counts of an empty post."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
from scipy import stats

import simcomm
from simcomm.analysis.departures import killed_by_departures
from simcomm.core.mechanisms.budget_review import measured
from simcomm.core.randomness import Streams
from simcomm.core.rooms import STREAM_NAMES
from simcomm.report.departures_page import departures_section
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


def _first_review(error: float, seed: int) -> tuple[simcomm.CommunityModel, float, float] | None:
    """Return the model after its first review (week 26), the revenue that review saw and the
    revenue earned in its period, in a vendor-imposed community of 300 partners; None when the
    community died before it."""
    params = simcomm.make_params({**simcomm.load_scenario("vendor-imposed").overrides, "partners": 300,
                                  "review_start": 26, "review_every": 26,
                                  "review_measurement_error": error})
    model = simcomm.CommunityModel(params, seed=seed)
    for _ in range(26):  # weeks 1-26: the review is the last thing week 26 does
        model.step()
    if not model.reviews:
        return None
    return model, model.reviews[0].revenue, sum(model.history["influenced_revenue"][-26:])


def test_a_review_sees_the_revenue_earned_times_its_measurement_error() -> None:
    """review_measurement_error (seeds/002: 'How do we measure the value of community?'): the
    review counts the revenue earned times :func:`measured`'s factor for its week; nothing before
    the review changes; at 0 it counts the revenue earned."""
    checked = 0
    for seed in range(6):
        mis, exact = _first_review(0.5, seed), _first_review(0.0, seed)
        if mis is None or exact is None:
            continue
        model, seen, earned = mis
        assert earned == exact[2] and exact[1] == pytest.approx(exact[2], rel=1e-12)
        factor = measured(model, 26)
        assert factor != 1.0 and seen == pytest.approx(earned * factor, rel=1e-12)
        checked += 1
    assert checked >= 5


def test_the_measurement_error_is_log_normal_with_mean_one() -> None:
    """The review's factor is exp(sigma z - sigma^2 / 2), z standard normal, one a week: over
    20,000 weeks its log has mean -sigma^2 / 2 and sd sigma and is normal (4 standard errors,
    about 0.014 here: a factor without the -sigma^2 / 2 would be 35 away), and its mean is 1;
    at 0 it is exactly 1."""
    sigma = 0.5
    view = SimpleNamespace(p=SimpleNamespace(review_measurement_error=sigma),
                           streams=Streams(7, STREAM_NAMES))
    logs = np.log([measured(view, week) for week in range(20_000)])
    se = sigma / math.sqrt(logs.size)
    assert abs(logs.mean() + sigma**2 / 2) <= 4 * se, logs.mean()
    assert abs(logs.std(ddof=1) - sigma) <= 4 * sigma / math.sqrt(2 * (logs.size - 1)), logs.std()
    assert stats.kstest((logs + sigma**2 / 2) / sigma, "norm").pvalue > 0.001
    assert abs(np.exp(logs).mean() - 1.0) <= 4 * math.sqrt(math.exp(sigma**2) - 1) / math.sqrt(logs.size)
    view.p.review_measurement_error = 0.0
    assert {measured(view, week) for week in range(100)} == {1.0}


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


def test_a_replay_records_each_review_as_the_review_saw_it() -> None:
    """The reviews a replay records give the return the review printed, and the Fate's margin is
    the first of them over the target."""
    from simcomm.core.counterfactual import Counterfactual
    from simcomm.core.mechanisms.budget_review import ReviewReturn
    from simcomm.runs.departures import first_review_margin
    from simcomm.runs.sim import simulate

    settings = {**_EMPTY, "staff_turnover_per_year": 2.0, "vacancy_weeks": 4.0, "roi_target": 3.0}
    res = simulate("vendor-imposed", weeks=80, seed=3, overrides=settings, counterfactual=Counterfactual())
    held = [ReviewReturn(**r) for r in res.metadata["counterfactual"]["reviews"]]
    assert [r.week for r in held] == [26, 52, 78][:len(held)] and len(held) >= 2
    printed = {w: float(m.group(1)) for w, t in zip(res.events["week"], res.events["text"], strict=True)
               if (m := re.search(r"review \(ROI ([0-9.]+)\)", t))}
    assert printed, "the test needs a review that cut, closed or restored"
    for r in held:
        if r.week in printed:
            assert r.ratio == pytest.approx(printed[r.week], abs=0.006)
    assert first_review_margin(res.metadata) == pytest.approx(held[0].ratio / 3.0)
    organic = simulate("organic", weeks=10, seed=3, counterfactual=Counterfactual())
    assert first_review_margin(organic.metadata) is None  # no budget, no review


def test_killed_by_margin_counts_each_reviewed_seed_in_its_band() -> None:
    import math

    from simcomm.analysis.departures import killed_by_margin, margin_test

    def fate(seed: int, margin: float | None, killed: bool) -> Fate:
        return Fate(seed, 60 if killed else None, None, (10,), killed, margin)

    found = [fate(0, 0.5, True), fate(1, 0.9, False), fate(2, 1.2, True), fate(3, 2.5, False),
             fate(4, math.inf, False), fate(5, None, True), fate(6, 1.5, True)]
    bands = killed_by_margin(found, (0.0, 1.0, 1.5, 3.0, math.inf))
    assert [(b.n, b.killed) for b in bands] == [(2, 1), (1, 1), (2, 1), (1, 0)]
    assert sum(b.n for b in bands) == 6  # the seed with no review is in no band
    test = margin_test(found)
    assert (test.killed, test.spared) == (3, 3) and test.killed_median == 1.2
    low_killed = [fate(0, 0.5, True), fate(1, 0.8, True), fate(2, 2.0, False), fate(3, 2.5, False)]
    high_killed = [replace(f, died=None if f.killed else 60) for f in low_killed]
    assert margin_test(low_killed).p < 0.5 < margin_test(high_killed).p  # one-sided: lower when killed


def test_the_members_alone_settings_get_their_own_table_and_sentence() -> None:
    from simcomm.analysis.departures import MEMBERS_ALONE, Killed

    def k(name: str, killed: int, part: str = MEMBERS_ALONE) -> Killed:
        low, high = {4: (0.03, 0.16), 3: (0.02, 0.14), 22: (0.25, 0.49), 24: (0.28, 0.53)}[killed]
        return Killed(name, 60, killed, low, high, 0, killed, 0, part)

    page = departures_section([k("bond", 4, "contrast"), k("ident", 3, "contrast"), k("b", 4), k("i", 3),
                               k("b no peers", 22), k("i no peers", 24)])
    assert "### Where only the members can let it die" in page
    assert "overlap in both pairs" in page and "ties to each other" in page
    assert page.count("| b no peers |") == 1 and "no review |" in page


def test_the_readme_quotes_what_decides_the_departures_as_the_page_measured_it() -> None:
    """The README's sentence on the review's margin and on the members alone names the
    validation page's figures (regenerate both together)."""
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    saved = json.loads((root / "docs/validation/validation.json").read_text())
    bands = saved["departures_by_margin"]
    readme = " ".join((root / "README.md").read_text().split())
    under, top = bands[0], bands[-1]
    assert (under["low"], under["high"], top["low"]) == (0.0, 1.0, 3.0)
    assert f"were killed in {under['share']:.0%} [{under['ci_low']:.0%}, {under['ci_high']:.0%}]" in readme
    assert f"at 1-1.5 times it in {bands[1]['share']:.0%}" in readme
    assert f"3 times or more in {top['share']:.0%} [{top['ci_low']:.0%}, {top['ci_high']:.0%}]" in readme
    alone = [r for r in saved["departures"] if r["part"] == "members alone"]
    assert (f"departures kill {alone[0]['share']:.0%} of bond-held and {alone[1]['share']:.0%} of "
            f"identity-held ones, and without peer bonds {alone[2]['share']:.0%} and "
            f"{alone[3]['share']:.0%}") in readme

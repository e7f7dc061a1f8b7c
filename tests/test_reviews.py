"""A budget review right after a vacancy is not presented as good news (issue 27)."""

from __future__ import annotations

import pandas as pd

from simcomm.report.reviews import empty_weeks, review_caveat, with_caveats
from simcomm.runs.sim import run


def test_the_review_after_the_long_vacancy_says_its_roi_is_inflated() -> None:
    """staff-churn, seed 0: the post is empty in weeks 132-154, and the review of week 156
    (ROI 19.81) restores the budget; the reviews without a vacancy say nothing more."""
    r = run("staff-churn", seed=0, weeks=160)
    told = with_caveats(r.events, r.timeseries, int(r.params["review_every"]))
    restored = told[told["kind"] == "budget_restored"]
    assert len(restored) == 1 and int(restored["week"].iloc[0]) == 156
    text = restored["text"].iloc[0]
    assert text.startswith("the budget review (ROI 19.81) restored the budget")
    assert "empty for 23 of the 26 weeks reviewed, weeks 132-154" in text
    assert "ROI is inflated; not good news" in text
    cut = told[told["kind"] == "budget_cut"]["text"].iloc[0]  # week 130: no vacancy in 105-130
    assert cut == r.events[r.events["kind"] == "budget_cut"]["text"].iloc[0]
    others = told[~told["kind"].isin(["budget_restored"])]
    pd.testing.assert_frame_equal(others, r.events[r.events["kind"] != "budget_restored"])


def test_the_period_and_the_kinds() -> None:
    vacancies = [0] * 10 + [1, 1, 0, 0] + [0] * 20
    assert empty_weeks(vacancies, 14, 4) == [11, 12]
    assert empty_weeks(vacancies, 30, 10) == []
    text = "the budget review (ROI 3.00) cut the managers' time"
    assert review_caveat("budget_cut", text, 14, vacancies, 4).endswith("so this ROI is inflated)")
    assert review_caveat("staff_left", "the community manager left", 14, vacancies, 4) == ""
    assert review_caveat("budget_cut", text, 30, vacancies, 10) == ""


def test_the_pages_a_room_sees_carry_the_caveat() -> None:
    """`simcomm run`'s event log and the dashboard's, for the same run."""
    from click.testing import CliRunner

    from simcomm.ui.cli import main
    from simcomm.ui.dashboard_model import CommunityPair
    from simcomm.ui.dashboard_views import event_log_html

    out = CliRunner().invoke(main, ["run", "staff-churn", "--weeks", "160"]).stdout
    line = next(x for x in out.splitlines() if "week 156:" in x)
    assert "restored the budget (the post was empty for 23 of the 26 weeks" in line
    assert "not good news" in line
    pair = CommunityPair("staff-churn", "none", seed=0, weeks=160)
    for _ in range(160):
        pair.step()
    log = event_log_html(pair)
    assert "ROI 19.81) restored the budget (the post was empty for 23" in log and "not good news" in log

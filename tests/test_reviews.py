"""A budget review right after a vacancy is not presented as good news (issue 27)."""

from __future__ import annotations

import pandas as pd

from simcomm.report.reviews import empty_weeks, review_caveat, with_caveats
from simcomm.runs.sim import run

#: Under Model 3 (issue 22) staff-churn at its own settings closes on seed 0 at its second
#: review; a target of ROI 1 (since the recalibration of 2026-12-07; ROI 3 before it) gives the run
#: a cut and then a restore right after a long vacancy, which is what these tests read.
STRICT = {"roi_target": 1.0}


def test_the_review_after_the_long_vacancy_says_its_roi_is_inflated() -> None:
    """staff-churn with roi_target 1, seed 0: the review of week 52 (ROI 0.88, the post empty in
    weeks 46-52) cuts the budget; the post stays empty in weeks 53-67 and 74 (16 weeks; the caveat
    gives the first and last, "weeks 53-74") and the review of week 78 (ROI 1.63) restores it;
    the review of week 104 (ROI 0.51, no vacancy) cuts again and the one of week 130 restores (no
    vacancy): those two say nothing more."""
    r = run("staff-churn", seed=0, weeks=160, overrides=STRICT)
    told = with_caveats(r.events, r.timeseries, int(r.params["review_every"]))
    restored = told[told["kind"] == "budget_restored"]
    assert list(restored["week"]) == [78, 130]
    text = restored["text"].iloc[0]
    assert text.startswith("the budget review (ROI 1.63) restored the budget")
    assert "empty for 16 of the 26 weeks reviewed, weeks 53-74" in text
    assert "ROI is inflated; not good news" in text
    cuts = told[told["kind"] == "budget_cut"]
    assert list(cuts["week"]) == [52, 104]
    assert "empty for 7 of the 26 weeks reviewed, weeks 46-52" in cuts["text"].iloc[0]
    assert cuts["text"].iloc[0].endswith("so this ROI is inflated)")  # a cut is not called bad news
    plain = r.events.set_index(["week", "kind"])["text"]
    for week, kind in ((104, "budget_cut"), (130, "budget_restored")):  # no vacancy in their periods
        assert told.set_index(["week", "kind"])["text"][(week, kind)] == plain[(week, kind)]
    others = told[~told["kind"].isin(["budget_restored", "budget_cut"])]
    pd.testing.assert_frame_equal(others, r.events[~r.events["kind"].isin(["budget_restored", "budget_cut"])])


def test_the_period_and_the_kinds() -> None:
    vacancies = [0] * 10 + [1, 1, 0, 0] + [0] * 20
    assert empty_weeks(vacancies, 14, 4) == [11, 12]
    assert empty_weeks(vacancies, 30, 10) == []
    text = "the budget review (ROI 3.00) cut the managers' time"
    assert review_caveat("budget_cut", text, 14, vacancies, 4).endswith("so this ROI is inflated)")
    assert review_caveat("staff_left", "the community manager left", 14, vacancies, 4) == ""
    assert review_caveat("budget_cut", text, 30, vacancies, 10) == ""


def test_the_pages_a_room_sees_carry_the_caveat() -> None:
    """`simcomm run`'s event log and the dashboard's, for the same run (roi_target 1, as above)."""
    from click.testing import CliRunner

    from simcomm.ui.cli import main
    from simcomm.ui.dashboard_model import CommunityPair
    from simcomm.ui.dashboard_views import event_log_html

    out = CliRunner().invoke(main, ["run", "staff-churn", "--weeks", "160", "--set", "roi_target=1.0"]).stdout
    line = next(x for x in out.splitlines() if "week 78:" in x)
    assert "restored the budget (the post was empty for 16 of the 26 weeks" in line
    assert "not good news" in line
    pair = CommunityPair("staff-churn", "none", seed=0, weeks=160, fixed_overrides=tuple(STRICT.items()))
    for _ in range(160):
        pair.step()
    log = event_log_html(pair)
    assert "ROI 1.63) restored the budget (the post was empty for 16" in log and "not good news" in log

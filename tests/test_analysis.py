"""simcomm.analysis.statistics: summary frame, headline table, bands, survival, log-rank."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from conftest import runs
from scipy import stats

import simcomm
from simcomm.analysis import intervals
from simcomm.analysis import statistics as analysis
from simcomm.core import metric_registry as registry
from simcomm.report.compare_text import format_comparison_table

WEEKS = 60
SMALL = {"partners": 400}


def organic(seeds: range = range(3)) -> list[simcomm.Result]:
    return runs("organic", seeds, weeks=WEEKS, **SMALL)


def vendor(seeds: range = range(3), partners: int = 400) -> list[simcomm.Result]:
    return runs("vendor-imposed", seeds, weeks=WEEKS, partners=partners)


def with_summary(result: simcomm.Result, **values: float | None) -> simcomm.Result:
    """A copy of ``result`` whose summary fields are replaced (for exact statistical checks)."""
    return dataclasses.replace(result, summary={**result.summary, **values})


def row(table: pd.DataFrame, label: str, metric: str) -> pd.Series:
    hit = table[(table["label"] == label) & (table["metric"] == metric)]
    assert len(hit) == 1, (label, metric)
    return hit.iloc[0]


def test_summary_frame_has_one_row_per_run_and_none_becomes_nan() -> None:
    results = {"organic": organic(), "vendor": vendor()}
    frame = analysis.summary_frame(results)
    assert len(frame) == 6
    assert list(frame["label"]) == ["organic"] * 3 + ["vendor"] * 3
    assert list(frame["seed"]) == [0, 1, 2, 0, 1, 2]
    assert set(registry.HEADLINE) <= set(frame.columns)
    # organic communities have no vendor cost, so roi is None in the summary and NaN here
    assert all(r.summary["roi"] is None for r in results["organic"])
    assert frame.loc[frame["label"] == "organic", "roi"].isna().all()
    assert frame["roi"].dtype == float
    for i, r in enumerate(results["vendor"]):
        assert frame.loc[3 + i, "peak_active"] == r.summary["peak_active"]


def test_ci_is_a_reproducible_percentile_bootstrap_that_contains_the_mean() -> None:
    results = {"organic": organic()}
    table = analysis.headline_table(results)
    assert list(table["metric"]) == list(registry.COMPARED)
    values = np.array([r.summary["peak_active"] for r in results["organic"]], float)
    r = row(table, "organic", "peak_active")
    boot = stats.bootstrap((values,), np.mean, n_resamples=intervals.BOOTSTRAP_RESAMPLES,
                           method="percentile", rng=np.random.default_rng(intervals.BOOTSTRAP_SEED))
    assert r["n"] == 3 and r["interval"] == "bootstrap"
    assert r["mean"] == pytest.approx(values.mean())
    assert (r["ci_low"], r["ci_high"]) == pytest.approx(tuple(boot.confidence_interval))
    assert analysis.headline_table(results).equals(table)  # a fixed seed: the same table every time
    for _, rr in table[table["n"] >= 2].iterrows():
        assert rr["ci_low"] <= rr["mean"] <= rr["ci_high"], rr["metric"]


def test_intervals_stay_within_each_metrics_bounds() -> None:
    base = organic()[0]
    # values whose Student t interval leaves the bounds: a share near 1, a count near 0
    shares, counts = (1.0, 1.0, 0.7), (0, 0, 30)
    runs = [dataclasses.replace(with_summary(base, retention_52w=a, final_active=b), seed=i)
            for i, (a, b) in enumerate(zip(shares, counts, strict=True))]
    t_share, t_count = intervals.mean_ci(shares), intervals.mean_ci(counts)
    assert t_share[3] > 1 and t_count[2] < 0  # what the old intervals printed
    table = analysis.headline_table({"edge": runs})
    for _, rr in table[table["n"] >= 2].iterrows():
        low, high = registry.bounds(rr["metric"])
        assert low <= rr["ci_low"] <= rr["mean"] <= rr["ci_high"] <= high, rr["metric"]
    assert row(table, "edge", "retention_52w")["ci_high"] <= 1.0
    assert row(table, "edge", "final_active")["ci_low"] >= 0.0


def test_survival_is_the_share_of_runs_alive_with_a_wilson_interval() -> None:
    base = organic()[0]
    alive = [dataclasses.replace(with_summary(base, died_week=None), seed=s) for s in range(20)]
    churn = [dataclasses.replace(with_summary(base, died_week=100 if s < 13 else None), seed=s)
             for s in range(20)]
    table = analysis.headline_table({"organic": alive, "staff-churn": churn})
    r = row(table, "staff-churn", registry.ALIVE)
    assert (r["count"], r["n"], r["interval"]) == (7, 20, "Wilson")
    assert r["mean"] == pytest.approx(7 / 20)
    wilson = stats.binomtest(7, 20).proportion_ci(method="wilson")
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((wilson.low, wilson.high))
    none_died = row(table, "organic", registry.ALIVE)
    assert none_died["count"] == 20 and none_died["ci_high"] == 1.0 and none_died["ci_low"] < 1.0
    # paired by seed: 13 seeds lost and none gained, McNemar's exact test
    assert r["test"].startswith("McNemar") and r["p_value"] == pytest.approx(2 * 0.5**13)
    assert bool(r["significant"])
    assert analysis.summary_frame({"x": churn})[registry.ALIVE].sum() == 7


def test_ci_narrows_with_more_replicates() -> None:
    three = organic(range(3))
    # the same three values twice: same mean, more replicates, so a strictly narrower interval
    table = analysis.headline_table({"3": three, "6": three + three})
    for metric in ("peak_active", "retention_12w", "final_active"):
        a, b = row(table, "3", metric), row(table, "6", metric)
        assert b["mean"] == pytest.approx(a["mean"])
        assert b["ci_high"] - b["ci_low"] < a["ci_high"] - a["ci_low"]
        assert b["ci_low"] <= b["mean"] <= b["ci_high"]
    # and on real replicates: twenty seeds give a narrower peak_active interval than five
    few = analysis.headline_table({"5": organic(range(5))})
    many = analysis.headline_table({"20": organic(range(20))})
    wide, narrow = row(few, "5", "peak_active"), row(many, "20", "peak_active")
    assert narrow["ci_high"] - narrow["ci_low"] < wide["ci_high"] - wide["ci_low"]


def test_replicate_sets_of_the_same_scenario_do_not_differ() -> None:
    table = analysis.headline_table({"organic": organic(range(5)), "organic again": organic(range(5, 10))})
    other = table[table["label"] == "organic again"]
    assert other["p_value"].notna().sum() >= 6
    assert not other["significant"].any(), other[["metric", "p_value", "p_holm"]]
    base = table[table["label"] == "organic"]
    assert base["p_value"].isna().all() and not base["significant"].any()
    assert (table["baseline"] == "organic").all()


def test_clearly_different_communities_differ_on_peak_active() -> None:
    # a community in a channel five times larger holds a far larger community
    table = analysis.headline_table({"organic": organic(range(5)), "vendor": vendor(range(5), partners=2000)},
                                    metrics=("peak_active",))
    r = row(table, "vendor", "peak_active")
    assert r["diff"] > 25
    assert r["p_value"] == r["p_holm"] < 0.05  # a single comparison: Holm changes nothing
    assert bool(r["significant"])


def test_a_difference_survives_holm_over_the_whole_table() -> None:
    base = organic()[0]
    small = [with_summary(base, peak_active=v) for v in (10, 12, 11)]
    large = [with_summary(base, peak_active=v) for v in (50, 53, 49)]
    table = analysis.headline_table({"small": small, "large": large})
    r = row(table, "large", "peak_active")
    expected = stats.ttest_ind([50, 53, 49], [10, 12, 11], equal_var=False).pvalue
    assert r["p_value"] == pytest.approx(expected)
    tested = int(table["p_value"].notna().sum())
    assert tested >= 6  # every other metric is identical in both sets: p = 1, not significant
    assert r["p_holm"] == pytest.approx(min(1.0, expected * tested))
    assert bool(r["significant"])
    assert table["significant"].sum() == 1


def test_holm_adjustment() -> None:
    adjusted = intervals.holm([0.01, 0.04, np.nan, 0.03])
    assert adjusted[0] == pytest.approx(0.03)
    assert adjusted[1] == pytest.approx(0.06)
    assert adjusted[3] == pytest.approx(0.06)
    assert math.isnan(adjusted[2])
    assert intervals.holm([0.5, 0.9])[1] == 1.0


def test_baseline_can_be_named_and_must_exist() -> None:
    results = {"organic": organic(), "vendor": vendor()}
    table = analysis.headline_table(results, baseline="vendor")
    assert math.isnan(row(table, "vendor", "peak_active")["p_value"])
    assert not math.isnan(row(table, "organic", "peak_active")["p_value"])
    assert row(table, "organic", "peak_active")["diff"] < 0
    with pytest.raises(simcomm.ParameterError, match="baseline 'nope'"):
        analysis.headline_table(results, baseline="nope")
    with pytest.raises(simcomm.ParameterError, match="metric 'nope'"):
        analysis.headline_table(results, metrics=("nope",))


def test_single_runs_and_missing_values_are_handled() -> None:
    base = vendor()[0]  # a community that lives: the template of every row
    results = {
        "one": [base],
        "nan": [with_summary(base, peak_active=None, roi=None) for _ in range(3)],
        "two": [with_summary(base, peak_active=5.0), with_summary(base, peak_active=None)],
    }
    table = analysis.headline_table(results)
    one = row(table, "one", "peak_active")
    assert one["n"] == 1 and one["mean"] == base.summary["peak_active"]
    assert math.isnan(one["ci_low"]) and math.isnan(one["ci_high"])
    assert table["p_value"].isna().all()  # the baseline has one run: nothing can be tested
    assert not table["significant"].any()
    assert row(table, "nan", "peak_active")["n"] == 0
    assert row(table, "two", "peak_active")["n"] == 1
    text = format_comparison_table(table, WEEKS)
    assert "n/a" not in text and "—" in text
    body = text.split("-" * 20)[1]  # between the rules: the rows
    assert "*" not in body
    peak = next(line for line in text.splitlines() if line.startswith("Active members at the peak"))
    assert peak.split()[-1] == "run)" and "5 (1 run)" in peak  # only one of the two runs has a value


def test_constant_replicates_compare_exactly() -> None:
    base = organic()[0]
    same = [with_summary(base, peak_active=10) for _ in range(3)]
    more = [with_summary(base, peak_active=20) for _ in range(3)]
    table = analysis.headline_table({"a": same, "b": list(same), "c": more}, metrics=("peak_active",))
    assert row(table, "b", "peak_active")["p_value"] == 1.0
    assert row(table, "c", "peak_active")["p_value"] == 0.0
    assert row(table, "a", "peak_active")["ci_low"] == 10


def test_comparison_table_has_readable_names_and_marks_significant_cells() -> None:
    base = vendor()[0]  # a community that lives: the template of every row
    table = analysis.headline_table({
        "small": [with_summary(base, peak_active=v) for v in (10, 12, 11)],
        "large": [with_summary(base, peak_active=v) for v in (50, 53, 49)],
    })
    text = format_comparison_table(table, WEEKS)
    lines = text.splitlines()
    assert "small (baseline)" in lines[0] and "large" in lines[0]
    rows = lines[2:lines.index(lines[1], 2)]
    assert len(rows) == len(registry.COMPARED)
    assert rows[0].startswith(f"Still alive at week {WEEKS}") and "3 of 3 [" in rows[0]
    assert not any("_" in line.split("  ")[0] for line in rows)  # no snake_case names
    peak = next(line for line in rows if line.startswith("Active members at the peak"))
    assert peak.count("[") == 2
    assert peak.rstrip().endswith("*") and peak.count("*") == 1
    assert "11 [10, 12]" in peak and "51 [49, 53] *" in peak
    others = [line for line in rows if line is not peak]
    assert not any("*" in line for line in others)
    notes = " ".join(lines[len(rows) + 3:])
    assert "1 time in 20" in notes and "comparisons shown" in notes and "bootstrap" in notes
    assert "Welch" not in text and "n/a" not in text
    assert len({len(line) for line in lines[:len(rows) + 3]}) == 1  # aligned columns


def test_weekly_bands() -> None:
    results = {"organic": organic(), "vendor": vendor()}
    bands = analysis.weekly_bands(results, "active_members")
    assert len(bands) == 2 * WEEKS
    assert list(bands.columns[:4]) == ["label", "week", "n", "mean"]
    week10 = bands[(bands["label"] == "vendor") & (bands["week"] == 10)].iloc[0]
    values = [r.timeseries.set_index("week").loc[10, "active_members"] for r in results["vendor"]]
    assert week10["n"] == 3 and week10["mean"] == pytest.approx(np.mean(values))
    assert week10["ci_low"] <= week10["mean"] <= week10["ci_high"]
    with pytest.raises(simcomm.ParameterError, match="column 'stage'"):
        analysis.weekly_bands(results, "stage")


def test_survival_data_tenures() -> None:
    results = {"organic": organic(), "vendor": vendor()}
    data = analysis.survival_data(results)
    assert len(data) == sum(len(r.members) for rs in results.values() for r in rs)
    r = results["vendor"][1]
    mine = data[(data["label"] == "vendor") & (data["seed"] == r.seed)].set_index("partner_id")
    m = r.members.set_index("partner_id")
    left = m["leave_week"].notna()
    assert (mine.loc[left, "tenure_weeks"] == (m.loc[left, "leave_week"] - m.loc[left, "join_week"])).all()
    assert (mine.loc[~left, "tenure_weeks"] == WEEKS - m.loc[~left, "join_week"]).all()
    assert (mine["observed"] == left).all()
    assert (data["tenure_weeks"] >= 0).all()


def test_logrank() -> None:
    two = analysis.logrank({"organic": organic(), "vendor": vendor()})
    assert 0.0 <= two["p_value"] <= 1.0 and two["statistic"] > 0
    assert "pairwise" not in two
    three = analysis.logrank({"organic": organic(), "again": organic(range(3, 6)), "vendor": vendor()})
    assert 0.0 <= three["p_value"] <= 1.0 and three["degrees_of_freedom"] == 2
    assert set(three["pairwise"]) == {"again", "vendor"}
    for v in three["pairwise"].values():
        assert 0.0 <= v["p_value"] <= v["p_holm"] <= 1.0
    one = analysis.logrank({"organic": organic()})
    assert math.isnan(one["p_value"])


def test_mean_difference_welch_interval() -> None:
    a, b = [5.0, 7.0, 6.0, None, 9.0], [1.0, 2.0, float("nan"), 2.5]
    d = intervals.mean_difference(a, b)
    x, y = np.array([5.0, 7.0, 6.0, 9.0]), np.array([1.0, 2.0, 2.5])
    assert (d["n"], d["n_a"], d["n_b"]) == (3, 4, 3)
    assert d["diff"] == pytest.approx(x.mean() - y.mean())
    welch = stats.ttest_ind(x, y, equal_var=False)
    assert d["p_value"] == pytest.approx(welch.pvalue)
    low, high = welch.confidence_interval(0.95)
    assert (d["ci_low"], d["ci_high"]) == pytest.approx((low, high))
    short = intervals.mean_difference([1.0], [2.0, 3.0])
    assert short["diff"] == -1.5 and short["ci_low"] is None and short["p_value"] is None
    assert intervals.mean_difference([], [1.0])["diff"] is None


def test_paired_difference_matches_a_paired_t_interval() -> None:
    a = [1.0, 2.0, 3.0, None, 5.0]
    b = [0.0, 1.0, 2.5, 4.0, float("nan")]
    r = intervals.paired_difference(a, b)
    d = np.array([1.0, 1.0, 0.5])
    low, high = stats.t.interval(0.95, 2, loc=d.mean(), scale=stats.sem(d))
    assert r["n"] == 3 and r["diff"] == pytest.approx(d.mean())
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((low, high))
    assert r["p_value"] == pytest.approx(stats.ttest_rel([1, 2, 3], [0, 1, 2.5]).pvalue)
    # pairing removes the between-seed spread that an unpaired (Welch) interval keeps
    x = np.array([10.0, 20.0, 30.0, 40.0])
    paired, welch = intervals.paired_difference(x + 1, x), intervals.mean_difference(x + 1, x)
    assert paired["ci_high"] - paired["ci_low"] < 0.01 * (welch["ci_high"] - welch["ci_low"])
    with pytest.raises(ValueError, match="as many values"):
        intervals.paired_difference([1.0], [1.0, 2.0])

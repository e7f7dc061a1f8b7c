"""Cunha et al.'s success measures scenario by scenario (the validation page's table): each
scenario's own rho among its communities that formed, and how the page shows them."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from simcomm.analysis.success import pair_column, success_by_scenario, weak_counts
from simcomm.report.success_report import success_section


def community(joined: int, died: int | None, left: int = 0, weeks: int = 260) -> SimpleNamespace:
    """A run whose community had ``joined`` members join in week 1, ``left`` of them leaving by
    choice in week 20, and died in week ``died`` (None: alive at the horizon)."""
    leave = [20] * left + [None] * (joined - left)
    members = pd.DataFrame({"join_week": [1] * joined, "leave_week": pd.array(leave, dtype="Int64")})
    return SimpleNamespace(members=members, weeks=weeks, summary={"died_week": died})


def test_each_scenario_gets_its_own_rho_among_the_communities_that_formed() -> None:
    # "tied": the more joined, the longer it lived, and the fewer left; "loose": no order at all
    tied = [community(10 * k, 60 + 20 * k, left=10 - k) for k in range(1, 9)]
    rng = np.random.default_rng(3)
    loose = [community(int(j), int(d), left=int(lv)) for j, d, lv in
             zip(rng.permutation(range(20, 100, 10)), rng.permutation(range(60, 220, 20)),
                 rng.permutation(range(1, 9)), strict=True)]
    young = community(500, 5)  # died in its founding weeks: not measured (it would break "tied")
    table = success_by_scenario({"tied": [*tied, young], "loose": loose, "empty": []},
                                ["tied", "loose", "empty", "absent"])
    assert list(table["scenario"]) == ["tied", "loose"]  # a scenario without runs has no row
    assert list(table["formed"]) == [8, 8] and list(table["runs"]) == [9, 8]
    row = table.set_index("scenario")
    assert row.loc["tied", pair_column("growth", "survival")] == pytest.approx(1.0)
    assert row.loc["tied", pair_column("growth", "retention")] == pytest.approx(1.0)
    assert abs(row.loc["loose", pair_column("growth", "survival")]) < 0.4
    assert weak_counts(table)[pair_column("growth", "survival")] == (1, 2)


def test_a_measure_with_no_spread_leaves_its_pairs_undefined() -> None:
    alive = [community(10 * k, None, left=2) for k in range(1, 6)]  # survival: 260 weeks for all
    table = success_by_scenario({"alive": alive}, ["alive"])
    assert np.isnan(table.loc[0, pair_column("growth", "survival")])
    assert table.loc[0, pair_column("growth", "retention")] == pytest.approx(1.0)  # 2 of more leave
    assert weak_counts(table)[pair_column("growth", "survival")] == (0, 0)


def test_the_section_bolds_the_strong_and_counts_the_weak() -> None:
    def row(name: str, *rhos: float) -> dict[str, object]:
        cells: dict[str, object] = {"scenario": name, "runs": 50, "formed": 40}
        for (x, y), rho in zip((("growth", "retention"), ("growth", "survival"), ("retention", "survival")),
                               rhos, strict=True):
            cells.update({pair_column(x, y): rho, pair_column(x, y) + "_low": rho - 0.1,
                          pair_column(x, y) + "_high": rho + 0.1})
        return cells

    table = pd.DataFrame([row("one", 0.82, 0.1, float("nan")), row("two", -0.2, -0.45, 0.39)])
    table.loc[1, pair_column("retention", "survival") + "_low"] = float("nan")  # resamples without spread
    text = success_section(table)
    assert "| one | 40 / 50 | **+0.82 [+0.72, +0.92]** | +0.10 [+0.00, +0.20] |  |" in text
    assert "| two | 40 / 50 | -0.20 [-0.30, -0.10] | **-0.45 [-0.55, -0.35]** | +0.39 (no interval) |" in text
    assert "growth-retention in 1 of 2, growth-survival in 1 of 2, retention-survival in 1 of 1." in text
    assert success_section(table.iloc[:0]) == ""

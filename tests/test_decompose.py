"""`simcomm explain A --against B`: a difference between two scenarios taken apart by Shapley values.

The Shapley arithmetic is checked on games whose values are known (additive, a pure interaction,
sampled orders that cover every order); the runs on real, small communities: the full
combination of the levers is A and the empty one is B (so the total is the difference compare
would show on those seeds), and the contributions add up to it for every metric.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from simcomm.analysis.shapley import DECOMPOSED, decompose, exact_shapley, residual, sampled_shapley
from simcomm.runs.batch import RunSpec
from simcomm.runs.decompose import coalitions_for, levers_between, orders, run_coalitions
from simcomm.runs.library import load_scenario
from simcomm.runs.measures import measure_run
from simcomm.ui.cli import main

SMALL = {"partners": 300}
WEEKS = 60


def _game(n: int, value) -> tuple[list[frozenset[int]], np.ndarray]:
    coalitions = [frozenset(c) for k in range(n + 1) for c in itertools.combinations(range(n), k)]
    v = np.array([[value(c, s) for s in range(3)] for c in coalitions], dtype=float)
    return coalitions, v


def test_exact_shapley_of_known_games() -> None:
    """An additive game gives each lever its own effect; a game worth 1 only when levers 0 and 1
    are both in splits it half and half (lever 2 gets nothing); both add up to v(all) - v(none)."""
    effects = np.array([3.0, -1.0, 0.5])
    coalitions, v = _game(3, lambda c, s: sum(effects[i] for i in c) * (s + 1))
    phi = exact_shapley(v, coalitions, 3)
    np.testing.assert_allclose(phi, np.outer(effects, [1, 2, 3]))
    coalitions, v = _game(3, lambda c, s: float({0, 1} <= c))
    phi = exact_shapley(v, coalitions, 3)
    np.testing.assert_allclose(phi[:, 0], [0.5, 0.5, 0.0])
    np.testing.assert_allclose(phi.sum(axis=0), v[-1] - v[0])
    coalitions, v = _game(3, lambda c, s: float(c == {0, 1, 2}))  # a three-way interaction: a third each
    np.testing.assert_allclose(exact_shapley(v, coalitions, 3)[:, 0], [1 / 3] * 3)
    rng = np.random.default_rng(5)
    coalitions, v = _game(5, lambda c, s: rng.normal())
    np.testing.assert_allclose(exact_shapley(v, coalitions, 5).sum(axis=0), v[-1] - v[0])
    with pytest.raises(ValueError, match="8 coalitions"):
        exact_shapley(v[:-1], coalitions[:-1], 3)


def test_sampled_shapley_over_every_order_is_exact_and_always_adds_up() -> None:
    """With all 24 orders of 4 levers the sampled values are the exact ones; with 6 orders they
    differ from them but still add up to the total on every seed."""
    rng = np.random.default_rng(3)
    table = rng.normal(size=(16, 3))
    coalitions, v = _game(4, lambda c, s: table[sum(1 << i for i in c), s])
    exact = exact_shapley(v, coalitions, 4)
    every = list(itertools.permutations(range(4)))
    sampled, per_order = sampled_shapley(v, coalitions, every, 4)
    np.testing.assert_allclose(sampled, exact)
    assert per_order.shape == (24, 4, 3)
    few, _ = sampled_shapley(v, coalitions, orders(4, 6), 4)
    assert not np.allclose(few, exact)
    np.testing.assert_allclose(few.sum(axis=0), v[-1] - v[0])


def test_orders_are_fixed_antithetic_and_cover_the_coalitions() -> None:
    """The sampled orders are the same every time, come in pairs (an order, then its reverse),
    and every prefix of every order is among the coalitions to run."""
    a = orders(8, 10)
    assert a == orders(8, 10) and len(a) == 10
    assert all(a[i + 1] == a[i][::-1] for i in range(0, 10, 2))
    coalitions, sampled = coalitions_for(8, 10, exact_up_to=6)
    assert sampled == a and frozenset() in coalitions and frozenset(range(8)) in coalitions
    assert all(frozenset(o[:k]) in coalitions for o in a for k in range(9))
    assert len(coalitions) < 2 ** 8
    assert coalitions_for(3)[1] is None and len(coalitions_for(3)[0]) == 8


def test_levers_between_scenarios() -> None:
    """Organic and vendor-imposed differ in rule parts only; staff-churn and vendor-imposed in
    the three parameters of staff-churn's levers, with its reasons."""
    rules = levers_between(load_scenario("organic"), load_scenario("vendor-imposed"))
    assert rules and all(lv.kind == "rule" and lv.name.startswith("rule_") for lv in rules)
    assert {lv.name for lv in rules} >= {"rule_run_by", "rule_events", "rule_review"}
    churn = levers_between(load_scenario("staff-churn"), load_scenario("vendor-imposed"))
    assert {lv.name for lv in churn} == set(load_scenario("staff-churn").levers)
    assert all(lv.kind == "parameter" and lv.why for lv in churn)
    assert levers_between(load_scenario("organic"), load_scenario("organic")) == []


@pytest.fixture(scope="module")
def organic_vs_vendor():
    a, b = load_scenario("organic"), load_scenario("vendor-imposed")
    runs = run_coalitions(a, b, [0, 1, 2], WEEKS, SMALL, workers=1)
    return runs, decompose(runs.values, runs.coalitions, [lv.name for lv in runs.levers], runs.orders)


@pytest.mark.once
def test_the_full_combination_is_a_and_the_empty_one_is_b(organic_vs_vendor) -> None:
    """Every measure of the run with all of organic's levers equals organic's own run on the same
    seed, and the run with none equals vendor-imposed's: the total is the difference A - B."""
    runs, _ = organic_vs_vendor
    full = runs.coalitions.index(frozenset(range(len(runs.levers))))
    empty = runs.coalitions.index(frozenset())
    for seed in runs.seeds:
        for k, sc in ((full, runs.a), (empty, runs.b)):
            got = runs.values[(runs.values["seed"] == seed) & (runs.values["coalition"] == k)].iloc[0]
            own = measure_run(RunSpec(sc, WEEKS, seed, SMALL))
            for name, value in own.items():
                assert got[name] == value or (math.isnan(value) and math.isnan(got[name])), (sc.name, name)


@pytest.mark.once
def test_contributions_add_up_to_the_difference_on_real_runs(organic_vs_vendor) -> None:
    """For every headline metric the levers' contributions add up to the total (to 1e-9), the
    total is A's mean minus B's, and something differs (the test is not vacuous)."""
    _, table = organic_vs_vendor
    assert set(table["metric"]) == set(DECOMPOSED)
    for m in DECOMPOSED:
        part = table[table["metric"] == m].set_index("role")
        assert abs(residual(table, m)) < 1e-9, m
        if part.loc["total", "n"]:  # a metric no seed has in every combination has no total
            assert part.loc["total", "mean"] == pytest.approx(part.loc["A", "mean"] - part.loc["B", "mean"])
    counted = table[table["role"] == "total"].set_index("metric")["n"]
    assert (counted[["final_active", "peak_active", "retention_12w", "retention_52w"]] == 3).all()
    moved = table[(table["role"] == "lever") & (table["mean"].abs() > 0)]
    assert len(moved) >= 3


def test_sampled_decomposition_adds_up_too() -> None:
    """Staff-churn against organic with exact Shapley values allowed for at most 3 levers: the
    sampled orders' contributions still add up to the total on every metric."""
    runs = run_coalitions(load_scenario("staff-churn"), load_scenario("organic"), [0, 1], 30, SMALL,
                          permutations=4, exact_up_to=3, workers=1)
    assert runs.orders is not None and len(runs.levers) > 3
    table = decompose(runs.values, runs.coalitions, [lv.name for lv in runs.levers], runs.orders)
    for m in DECOMPOSED:
        assert abs(residual(table, m)) < 1e-9, m


def test_explain_against_prints_writes_and_refuses_bad_input(tmp_path: Path) -> None:
    """The command prints the sentences and the method, writes its files, and answers bad input
    with one line and exit status 2."""
    runner = CliRunner()
    base = ["explain", "staff-churn", "--against", "vendor-imposed", "-r", "2", "--weeks", "30",
            "--set", "partners=300", "-w", "1", "-q"]
    res = runner.invoke(main, [*base, "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert "They add up to" in res.output and "exact Shapley values" in res.output
    assert "staff_turnover_per_year (1.33, not 0.5)" in res.output
    data = json.loads((tmp_path / "out" / "decomposition.json").read_text())
    assert data["method"] == "exact" and len(data["levers"]) == 3
    assert all(abs(r) < 1e-9 for r in data["residuals"].values())
    assert (tmp_path / "out" / "contributions.png").stat().st_size > 1000
    assert len(pd.read_parquet(tmp_path / "out" / "coalitions.parquet")) == 2 * 8
    for args, words in (
        (["explain", "organic", "--against", "nonsense"], "nonsense"),
        (["explain", "organic", "--against", "organic"], "do not differ"),
        ([*base, "--at-week", "10"], "--at-week"),
        ([*base, "--metric", "roi"], "--metric roi"),
        ([*base, "--metric", "final_actve"], "final_active"),
        ([*base, "--permutations", "3"], "--permutations 3"),
        (["explain", "organic", "--metric", "final_active"], "--against"),
    ):
        res = runner.invoke(main, args)
        assert res.exit_code == 2, (args, res.output)
        assert words in res.output and "Traceback" not in res.output, (args, res.output)
        assert len(res.output.strip().splitlines()) == 1, res.output

"""Scenario discovery (simcomm discover): PRIM's boxes, their coverage and density, the cases of a
claim (a tie is never a failure), reproducibility across processes, and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from simcomm.analysis.discovery import (
    FAILS,
    HOLDS,
    TIES,
    Condition,
    find_boxes,
    paired_verdict,
    parse_where,
)
from simcomm.core.params import ParameterError
from simcomm.ui.cli import main

# A small organic community (five advocates seeded at launch, so that it forms under Model 3) in
# which how sharply partners judge fit decides how many join: a box exists (fit_sharpness low)
# and a few dozen runs of 52 weeks find it in seconds.
SMALL = ["organic", "--set", "partners=200", "--set", "seed_advocates=5", "--weeks", "52", "--params",
         "hours_per_week,programme_drag,fit_sharpness", "--points", "16", "-r", "2",
         "--metric", "ever_joined", "--where", "> 60", "--shuffles", "2", "-q"]


def _synthetic(seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """64 points x 4 replicates over six uniform dimensions; the outcome happens (90%) where
    p0 < 0.3 and p1 > 0.5, and by chance (5%) elsewhere."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.random((64, 6)), columns=[f"p{i}" for i in range(6)])
    x = pd.concat([x] * 4, ignore_index=True)
    inside = ((x["p0"] < 0.3) & (x["p1"] > 0.5)).to_numpy()
    return x, (inside & (rng.random(len(x)) < 0.9)) | (rng.random(len(x)) < 0.05)


def test_prim_finds_the_box_that_made_the_outcome() -> None:
    """The first box restricts exactly p0 and p1, near the true limits (p0 < 0.3, p1 > 0.5);
    its coverage and density are those of the runs inside its limits, counted here."""
    x, y = _synthetic()
    boxes = find_boxes(x, y)
    assert boxes, "no box found"
    b = boxes[0]
    limits = {r.name: r for r in b.restrictions}
    assert set(limits) == {"p0", "p1"}
    assert limits["p0"].high < 0.45 and limits["p0"].low < 0.15
    assert limits["p1"].low > 0.3 and limits["p1"].high > 0.85
    inside = x["p0"].between(limits["p0"].low, limits["p0"].high) & x["p1"].between(limits["p1"].low,
                                                                                      limits["p1"].high)
    assert b.n == int(inside.sum()) and b.k == int(y[inside.to_numpy()].sum())
    assert b.coverage == pytest.approx(b.k / y.sum()) and b.density == pytest.approx(b.k / b.n)
    assert b.density > 2 * y.mean()
    assert b.trajectory["chosen"].sum() == 1


def test_no_box_when_every_run_or_none_is_a_case() -> None:
    x, _ = _synthetic()
    assert find_boxes(x, np.zeros(len(x), dtype=bool)) == []
    assert find_boxes(x, np.ones(len(x), dtype=bool)) == []


def test_a_tie_is_never_a_failure() -> None:
    """Paired effects: a zero (both alive at the horizon) ties; only the wrong sign fails."""
    effect = np.array([3.0, 0.0, -2.0, np.nan, 0.0])
    assert list(paired_verdict(effect, np.ones(5), +1)) == [HOLDS, TIES, FAILS, "", TIES]
    assert list(paired_verdict(effect, np.ones(5), -1)) == [FAILS, TIES, HOLDS, "", TIES]
    # hardly moves: within 10% of the without arm holds, beyond fails (no tie to speak of)
    assert list(paired_verdict(np.array([0.5, 2.0]), np.array([10.0, 10.0]), 0)) == [HOLDS, FAILS]


def test_where_is_a_comparison_or_a_verdict() -> None:
    assert parse_where("< 100", claim=False) == Condition("<", 100.0)
    at_least = parse_where(">=0.5", claim=False)
    assert at_least.test(np.array([0.4, 0.5, np.nan])).tolist() == [False, True, False]
    assert parse_where("holds", claim=True) == Condition(verdict=HOLDS)
    for bad, claim in (("holds", False), ("100", False), ("< x", True), ("=< 3", False), ("", True)):
        with pytest.raises(ParameterError, match="--where"):
            parse_where(bad, claim)


def _boxes(payload: dict) -> list:
    return [{k: b[k] for k in ("coverage", "density", "n", "k", "limits")} for b in payload["boxes"]]


@pytest.mark.once
def test_same_seeds_give_the_same_boxes_in_another_process(tmp_path: Path) -> None:
    """The command run here (one worker) and in a fresh interpreter (two workers, another hash
    seed) finds the same boxes; the box is a band of hours_per_week (fit_sharpness from above
    before the participation defaults were recalibrated), and what the JSON says of it (coverage,
    density, n, k) is what the cases file gives when counted here."""
    out = tmp_path / "d"
    here = CliRunner().invoke(main, ["discover", *SMALL, "--workers", "1", "--out", str(out)])
    assert here.exit_code == 0, here.output
    env = {**os.environ, "PYTHONHASHSEED": "123"}
    there = subprocess.run([sys.executable, "-m", "simcomm.ui.entry", "discover", *SMALL, "--workers", "2",
                            "--json"], capture_output=True, text=True, env=env, timeout=600, check=False)
    assert there.returncode == 0, there.stderr
    written = json.loads((out / "discovery.json").read_text())
    other = json.loads(there.stdout)
    assert _boxes(written) == _boxes(other) and written["seeds"] == other["seeds"]
    assert written["boxes"], "no box found"
    first = written["boxes"][0]
    assert "hours_per_week" in first["limits"]
    cases = pd.read_parquet(out / "cases.parquet")
    inside = pd.Series(True, index=cases.index)
    for name, lim in first["limits"].items():
        inside &= cases[name].between(lim["low"], lim["high"])
    k = int(cases.loc[inside, "case"].sum())
    assert (first["n"], first["k"]) == (int(inside.sum()), k)
    assert first["coverage"] == pytest.approx(k / cases["case"].sum())
    assert cases["value"].gt(60).eq(cases["case"]).all()
    # what a researcher needs to redo it: parameters, seeds, versions; every file written
    assert written["params"] == ["hours_per_week", "programme_drag", "fit_sharpness"]
    assert written["simcomm_version"] and written["mesa_version"] and len(written["seeds"]) == 2
    assert {p.name for p in out.iterdir()} >= {"discovery.json", "boxes.csv", "boxes.parquet", "cases.csv",
                                              "cases.parquet", "runs.parquet", "design.csv", "peeling.png"}
    assert len(pd.read_parquet(out / "runs.parquet")) == 16 * 2


@pytest.mark.parametrize(("args", "field"), [
    (["nonsense"], "CLAIM|SCENARIO 'nonsense'"),
    (["organic", "--metric", "final_activ"], "metric 'final_activ'"),
    (["organic", "--metric", "stage"], "--metric stage"),
    (["organic", "--where", "below 3"], "--where 'below 3'"),
    (["organic", "--where", "holds"], "--where 'holds'"),
    (["organic", "--where", "== 2"], "--where '== 2' is out of range"),
    (["organic-retains", "--where", "> 2"], "--where '> 2' is out of range"),
    (["organic", "--params", "handover_qualty"], "--params: unknown parameter 'handover_qualty'"),
    (["organic-lasts", "--params", "governance"], "--params governance"),
    (["organic", "--params", "homophily", "--set", "homophily=0.9"], "--set homophily"),
    (["organic", "--points", "1"], "--points"),
    (["organic", "--min-density", "1.5"], "--min-density"),
    (["organic", "--min-density", "nan"], "--min-density nan"),  # the fault audit's find (issue 23)
])
def test_bad_input_is_one_line_and_exit_2(args: list[str], field: str, tmp_path: Path) -> None:
    out = tmp_path / "never"
    res = CliRunner().invoke(main, ["discover", *args, "--out", str(out)])
    assert res.exit_code == 2, res.output
    text = res.output.strip()
    assert field in text and "Traceback" not in text
    assert len(text.splitlines()) <= 3 if "Usage" in text else len(text.splitlines()) == 1
    assert not out.exists()

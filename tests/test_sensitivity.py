"""Global sensitivity (SALib): Morris and Sobol on tiny samples, bounds, bad input."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from simcomm.core.params import ParameterError
from simcomm.runs.library import load_scenario
from simcomm.runs.sensitivity import default_bounds, sensitivity
from simcomm.ui.cli import main

SMALL = {"partners": 200}
PARAMS = ["promo_share", "staff_turnover_per_year", "moderation"]


def invoke(*args: str) -> tuple[int, str, str]:
    out = CliRunner().invoke(main, list(args))
    return out.exit_code, out.stdout, out.stderr


def test_morris_returns_ranked_indices_for_every_parameter() -> None:
    res = sensitivity(load_scenario("vendor-imposed"), PARAMS, method="morris", samples=2,
                      metric="peak_active", weeks=20, overrides=SMALL, workers=1)
    t = res.table
    assert sorted(t["parameter"]) == sorted(PARAMS)
    assert list(t["rank"]) == [1, 2, 3]
    assert t["mu_star"].is_monotonic_decreasing
    assert t[["mu_star", "mu_star_conf", "sigma"]].notna().all().all()
    assert res.settings["runs"] == (len(PARAMS) + 1) * 2 == len(res.samples)


def test_sobol_returns_first_and_total_indices_with_ci(tmp_path: Path) -> None:
    code, out, err = invoke("sensitivity", "vendor-imposed", "--method", "sobol", "--params",
                            "promo_share,moderation", "--samples", "4", "--metric", "peak_active",
                            "--weeks", "20", "--set", "partners=200", "--workers", "1", "--quiet",
                            "--out", str(tmp_path / "s"))
    assert code == 0, err
    assert "promo_share" in out and "moderation" in out and "ST" in out
    table = pd.read_parquet(tmp_path / "s" / "sensitivity.parquet")
    assert sorted(table["parameter"]) == ["moderation", "promo_share"]
    assert {"ST", "ST_conf", "S1", "S1_conf", "low", "high", "rank"} <= set(table.columns)
    assert table["ST"].map(math.isfinite).all()
    assert (tmp_path / "s" / "sensitivity.png").stat().st_size > 0
    assert len(pd.read_parquet(tmp_path / "s" / "samples.parquet")) == 4 * (2 + 2)


def test_default_bounds_follow_the_allowed_range() -> None:
    assert default_bounds("promo_share", 0.45) == (0.0, 1.0)
    assert default_bounds("staff_turnover_per_year", 0.5) == (0.125, 2.0)
    assert default_bounds("partners", 1000) == (250.0, 4000.0)


@pytest.mark.parametrize(("args", "text"), [
    (["--params", "promo_shar"], "did you mean promo_share"),
    (["--params", "governance"], "not numeric"),
    (["--params", "promo_share", "--bounds", "promo_share=0.5:2"], "promo_share"),
    (["--params", "promo_share", "--bounds", "promo_share=0.5"], "NAME=LOW:HIGH"),
    (["--params", "promo_share", "--metric", "retention"], "unknown metric"),
    (["--params", "promo_share", "--method", "fast"], "fast"),
])
def test_bad_sensitivity_input_gives_one_line_and_exit_2(args: list[str], text: str) -> None:
    code, _, err = invoke("sensitivity", "vendor-imposed", "--weeks", "5", *args)
    assert code == 2 and len(err.strip().splitlines()) == 1 and text in err, err


def test_undefined_metric_is_reported() -> None:
    with pytest.raises(ParameterError, match="undefined"):
        sensitivity(load_scenario("vendor-imposed"), ["promo_share"], samples=2, metric="retention_52w",
                    weeks=10, overrides=SMALL, workers=1)

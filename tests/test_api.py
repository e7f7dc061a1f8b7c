"""The stable Python API: run() -> Result, its tables, validation, reproducibility, Mesa agents."""

from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import simcomm
from simcomm.agents import Advocate, Partner, VendorStaff
from simcomm.core.membership import members

TIMESERIES = (
    "week", "active_members", "lurking_members", "lapsed_members", "joins", "leaves", "posts",
    "answers", "newcomer_reply_rate", "new_ties", "peer_deals", "mean_commitment",
    "contribution_gini", "top10_post_share", "staff_present", "vendor_cost", "influenced_revenue",
    "stage",
)
MEMBERS = (
    "partner_id", "kind", "size_class", "join_week", "leave_week", "posts", "answers",
    "first_post_answered",
)
SUMMARY = (
    "retention_12w", "retention_52w", "settled_retention_52w", "peak_active", "final_active", "weeks_to_peak",
    "median_tenure_weeks", "died_week", "total_peer_deals", "roi",
)


@pytest.fixture(scope="module")
def result() -> simcomm.Result:
    return simcomm.run("vendor-imposed", weeks=104, seed=4, overrides={"partners": 800})


def test_result_tables_have_the_documented_columns(result: simcomm.Result) -> None:
    ts = result.timeseries
    assert list(ts["week"]) == list(range(1, 105))
    assert set(TIMESERIES) <= set(ts.columns)
    assert set(ts["stage"]) <= {"inception", "growth", "maturity", "decline", "death"}
    assert set(MEMBERS) <= set(result.members.columns)
    assert result.members["partner_id"].is_unique
    assert set(SUMMARY) <= set(result.summary)
    json.dumps(result.summary)  # JSON-serialisable


def test_tables_are_consistent(result: simcomm.Result) -> None:
    ts, members = result.timeseries, result.members
    # Everyone counted as a member in the last week is in the members table, still a member.
    assert ts["active_members"].iloc[-1] + ts["lurking_members"].iloc[-1] == members["member_at_end"].sum()
    assert members["posts"].sum() == ts["posts"].sum()
    assert members["answers"].sum() <= ts["answers"].sum()  # managers answer too
    assert (members["leave_week"].dropna() >= members.loc[members["leave_week"].notna(), "join_week"]).all()
    assert result.summary["peak_active"] == ts["active_members"].max()


def test_retention_cohorts_follow_their_definitions() -> None:
    """Four first-year joiners: one leaves after 5 weeks (drive-by), one after 30, one after 60,
    one stays; a fifth joins too late to be seen 52 weeks on. Retention at 52 weeks counts the
    last two of four; among the three who settled (still in at 12 weeks) it is two of three."""
    from simcomm.runs.summary import retention

    nan = float("nan")
    for dtype in ("float64", "Int64"):  # the model's members table uses nullable integers
        members = pd.DataFrame({"join_week": [0, 10, 20, 30, 200],
                                "leave_week": pd.array([5, 40, 80, nan, nan], dtype=dtype)})
        assert retention(members, 12, 260) == 0.75
        assert retention(members, 52, 260) == 0.5
        assert retention(members, 52, 260, settled_weeks=12) == 2 / 3
        assert math.isnan(retention(members.iloc[[0]], 52, 260, settled_weeks=12))


def test_median_tenure_is_lifelines_kaplan_meier_median() -> None:
    """The summary's median tenure is lifelines' Kaplan-Meier median to the last bit, on 400
    random samples heavy with ties, censoring and zero durations (a plain product of 1 - d/n
    differs from it in about 1% of them), and on a run's own members table."""
    from lifelines import KaplanMeierFitter

    from simcomm.runs.summary import kaplan_meier_median, median_tenure

    def lifelines_median(durations: np.ndarray, observed: np.ndarray) -> float:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # its "approximating using survival_function_"
            return float(KaplanMeierFitter().fit(durations, observed).median_survival_time_)

    rng = np.random.default_rng(7)
    reached = 0
    for _ in range(400):
        n = int(rng.integers(1, 60))
        durations = rng.integers(0, int(rng.integers(1, 30)), n).astype(float)
        observed = rng.random(n) < rng.random()
        expected = lifelines_median(durations, observed)
        assert kaplan_meier_median(durations, observed) == expected, (durations, observed)
        reached += math.isfinite(expected)
    assert 100 < reached < 380  # both outcomes, many times
    r = simcomm.run("vendor-imposed", weeks=60, seed=2, overrides={"partners": 300})
    leave = r.members["leave_week"].to_numpy(float, na_value=np.nan)
    observed = ~np.isnan(leave)
    durations = np.maximum(np.where(observed, leave, 60.0) - r.members["join_week"].to_numpy(float), 0.0)
    assert median_tenure(r.members, 60) == r.summary["median_tenure_weeks"]
    expected = lifelines_median(durations, observed)
    assert r.summary["median_tenure_weeks"] == (expected if math.isfinite(expected) else None)


def test_metadata_records_parameters_seed_and_versions(result: simcomm.Result) -> None:
    md = result.metadata
    assert md["seed"] == 4 and md["weeks"] == 104 and md["scenario"] == "vendor-imposed"
    assert md["simcomm_version"] == simcomm.__version__ and md["mesa_version"]
    assert md["params"]["partners"] == 800 and md["params"]["governance"] == "vendor-imposed"


def test_same_seed_same_output_other_seed_other_output() -> None:
    a = simcomm.run("organic", weeks=80, seed=7, overrides={"partners": 600})
    b = simcomm.run("organic", weeks=80, seed=7, overrides={"partners": 600})
    c = simcomm.run("organic", weeks=80, seed=8, overrides={"partners": 600})
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
    pd.testing.assert_frame_equal(a.members, b.members)
    assert not a.timeseries.equals(c.timeseries)


def _digest(scenario: str, seed: int) -> str:
    r = simcomm.run(scenario, weeks=60, seed=seed, overrides={"partners": 500})
    text = r.timeseries.to_csv() + r.members.to_csv()
    return hashlib.sha256(text.encode()).hexdigest()


def test_reproducible_across_processes() -> None:
    code = ("import sys; sys.path.insert(0, 'tests'); from test_api import _digest; "
            "print(_digest('vendor-imposed', 11))")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    root = os.path.dirname(os.path.dirname(__file__))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=root, check=True).stdout.strip()
    assert out == _digest("vendor-imposed", 11)


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"scenario": "organik"}, "did you mean organic"),
    ({"weeks": 0}, "weeks = 0"),
    ({"weeks": "ten"}, "weeks = 'ten'"),
    ({"seed": -1}, "seed = -1"),
    ({"overrides": {"partnrs": 100}}, "did you mean partners"),
    ({"overrides": {"moderation": 2}}, "'moderation' = 2"),
])
def test_bad_input_raises_parameter_error(kwargs: dict, fragment: str) -> None:
    args = {"scenario": "organic", "weeks": 10, **kwargs}
    with pytest.raises(simcomm.ParameterError, match=fragment.replace("(", r"\(")):
        simcomm.run(args.pop("scenario"), **args)


def test_mesa_agents_are_handles_onto_the_arrays() -> None:
    params = simcomm.make_params({"governance": "vendor-imposed", "partners": 500, "seed_advocates": 5})
    model = simcomm.CommunityModel(params, seed=2)
    for _ in range(20):
        model.step()
    assert Partner not in model.agents_by_type  # no handles are made for nothing
    handles = model.partner_agents()
    partners = model.agents_by_type[Partner]
    advocates = model.agents_by_type[Advocate]
    assert len(handles) == len(partners) + len(advocates)
    assert len(model.partner_agents()) == len(handles)  # asked again: the same handles
    assert len(advocates) >= 5
    assert len(partners) + len(advocates) == int((model.people.join_week >= 0).sum())
    assert len(model.agents_by_type[VendorStaff]) == 1
    agent = next(iter(advocates))
    assert agent.kind == "advocate"
    assert agent.commitment == model.people.commitment[agent.idx]
    in_now = model.agents.select(lambda a: isinstance(a, Partner) and a.is_member())
    assert len(in_now) == members(model.people).size
    df = model.datacollector.get_model_vars_dataframe()
    assert len(df) == 20 and "active_members" in df


def test_scenario_file_path_accepted(tmp_path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('name = "mine"\ngovernance = "organic"\n[overrides]\npartners = 300\n')
    r = simcomm.run(str(path), weeks=5)
    assert r.scenario == "mine" and r.params.partners == 300
    path.write_text('name = "mine"\n[overrides\n')
    with pytest.raises(simcomm.ParameterError, match="line 2"):
        simcomm.run(str(path), weeks=5)

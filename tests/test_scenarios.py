"""The scenario library: every governance type covered, every story runs, quotes are real."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import simcomm
from simcomm.core.governance import GOVERNANCE

SEEDS_DIR = Path(__file__).resolve().parents[2] / "shared" / "seeds"
STORIES = ("staff-churn", "product-showcase", "cold-start", "programme-overload", "unmoderated",
           "budget-axe", "partner-council", "sponsored", "advocate-led")


def _norm(text: str) -> str:
    for a, b in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"')):
        text = text.replace(a, b)
    return re.sub(r"\s+", " ", text)


def test_every_governance_type_and_story_has_a_scenario() -> None:
    names = set(simcomm.scenario_names())
    assert set(STORIES) <= names
    governed = {simcomm.load_scenario(n).governance for n in names}
    assert governed == set(GOVERNANCE)


@pytest.mark.parametrize("name", simcomm.scenario_names())
def test_scenario_is_complete_and_runs(name: str) -> None:
    sc = simcomm.load_scenario(name)
    assert sc.title and sc.story and sc.seed_file and sc.seed_quote
    r = simcomm.run(name, weeks=40, seed=1, overrides={"partners": 400})
    assert len(r.timeseries) == 40 and r.summary["ever_joined"] > 0
    if SEEDS_DIR.is_dir():
        assert _norm(sc.seed_quote) in _norm((SEEDS_DIR / sc.seed_file).read_text(encoding="utf-8"))


def test_governance_rules_differ_in_behaviour() -> None:
    def run(gov: str) -> simcomm.Result:
        return simcomm.run("organic", weeks=120, seed=2, overrides={"governance": gov, "partners": 800})

    assert run("marketplace").timeseries["jobs"].sum() > 0
    assert run("vendor-imposed").timeseries["jobs"].sum() == 0
    sponsored = run("sponsored")
    assert sponsored.timeseries["vendor_cost"].sum() > 0 and sponsored.timeseries["leaders"].max() > 0
    assert run("organic").timeseries["vendor_cost"].sum() == 0
    assert run("organic").timeseries["staff_present"].max() == 0


def test_budget_axe_closes_the_programme() -> None:
    died = [simcomm.run("budget-axe", seed=s, overrides={"partners": 1000}).summary["died_week"]
            for s in range(3)]
    assert all(d is not None for d in died)


def test_sponsor_withdrawal_leaves_members_carrying_on() -> None:
    r = simcomm.run("sponsored", weeks=160, seed=0, overrides={"roi_target": 100.0, "review_start": 30,
                                                               "review_every": 10})
    kinds = list(r.events["kind"])
    assert "funding_withdrawn" in kinds and r.summary["died_week"] is None
    withdrawn = int(r.events.loc[r.events["kind"] == "funding_withdrawn", "week"].iloc[0])
    after = r.timeseries[r.timeseries["week"] > withdrawn]
    assert after["vendor_cost"].sum() == 0 and after["active_members"].iloc[-1] > 0

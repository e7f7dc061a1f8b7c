"""``explain A --against B`` on channel scenarios (issue 24): the difference between two channel files
taken apart, lever by lever (the vendor's launch, its sponsorship, a sponsorship's parameters), by
the same Shapley decomposition as for single communities, on the same partners seed by seed."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from simcomm.analysis.shapley import decompose, residual
from simcomm.core.channel_plan import channel_from_table
from simcomm.core.metric_registry import CHANNEL_COMPARED
from simcomm.runs.channel_compare import ChannelSpec, run_channel_spec
from simcomm.runs.channel_decompose import (
    channel_levers,
    coalition_plan,
    place_note,
    run_channel_coalitions,
)
from simcomm.runs.channel_run import load_channel, with_overrides
from simcomm.runs.library import load_scenario
from simcomm.ui.cli import main

WEEKS = 14
SMALL = {"partners": 200}
SEEDS = [0, 1]
OWN = {"name": "partners' own (technical)", "scenario": "organic", "topic": "technical",
       "overrides": {"founders": 30, "founder_commitment": 0.85, "seed_advocates": 3}}
LAUNCH = {"name": "vendor's (technical)", "scenario": "vendor-imposed", "topic": "technical",
          "launch_week": 4}
FUNDS = {"name": "vendor's sponsorship", "sponsors": OWN["name"], "launch_week": 4}
ARMS = {"alone": [OWN], "enters": [OWN, LAUNCH], "sponsors": [OWN, FUNDS], "both": [OWN, LAUNCH, FUNDS]}


def small(name: str):
    return with_overrides(load_channel(name), SMALL)


def arm(name: str):
    """Return a small channel of the strategist's choice whose vendor acts at week 4."""
    return channel_from_table({"channel": dict(SMALL), "community": ARMS[name]}, name, f"{name}.toml",
                              load_scenario)


def toml_of(name: str, folder: Path) -> str:
    """Write arm ``name`` as a channel file in ``folder``; return its path."""
    lines = [f'name = "{name}"', "", "[channel]", f"partners = {SMALL['partners']}"]
    for entry in ARMS[name]:
        lines += ["", "[[community]]"]
        lines += [f"{k} = {json.dumps(v)}" for k, v in entry.items() if k != "overrides"]
        if entry.get("overrides"):
            lines += ["[community.overrides]", *(f"{k} = {v}" for k, v in entry["overrides"].items())]
    path = folder / f"{name}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def both_vs_alone():
    a, b = arm("both"), arm("alone")
    runs = run_channel_coalitions(a, b, SEEDS, WEEKS, workers=1)
    return runs, decompose(runs.values, runs.coalitions, [lv.name for lv in runs.levers], runs.orders,
                           CHANNEL_COMPARED)


def test_the_levers_between_channel_files() -> None:
    """The vendor's launch and its sponsorship are the levers between both and alone; between
    sponsoring and launching, the launch is A's "none"; a sponsorship's own parameter is a lever."""
    first = levers = channel_levers(small("channel-vendor-both"), small("channel-partners-alone"))
    assert [(lv.kind, lv.entry, lv.value, lv.baseline) for lv in levers] == [
        ("launch", "vendor's (technical)", "at week 26", "none"),
        ("sponsorship", "vendor's sponsorship", "at week 26", "none")]
    swapped = channel_levers(small("channel-vendor-sponsors"), small("channel-vendor-enters"))
    assert [(lv.kind, lv.value) for lv in swapped] == [("launch", "none"), ("sponsorship", "at week 26")]
    funds = {**FUNDS, "launch_week": 26, "overrides": {"sponsor_recruits": 0.0}}
    data = {"channel": dict(SMALL), "community": [OWN, funds]}
    pizza = channel_from_table(data, "pizza", "pizza.toml", load_scenario)
    levers = channel_levers(pizza, small("channel-vendor-sponsors"))
    assert [(lv.name, lv.kind, lv.value, lv.baseline) for lv in levers] == [
        ("'vendor's sponsorship': sponsor_recruits", "community", 0.0, 1.0)]
    full = coalition_plan(pizza, small("channel-vendor-sponsors"), levers, frozenset({0}))
    assert full.communities == pizza.communities and full.shared == pizza.shared
    assert channel_levers(pizza, pizza) == []
    # Ten programmes against one: nine launches, and later programmes draw by their place.
    many = channel_levers(small("channel-many-programmes"), small("channel-one-programme"))
    assert len(many) == 9 and {lv.kind for lv in many} == {"launch"}
    assert "'programme 10 (technical)'" in place_note(small("channel-many-programmes"),
                                                      small("channel-one-programme"), many)
    assert place_note(small("channel-vendor-both"), small("channel-partners-alone"), first) == ""


def test_the_full_combination_is_a_the_empty_one_b_on_the_same_partners(both_vs_alone) -> None:
    """Each measure of the coalition with every lever equals A's own run on the same seed, the
    empty one B's; every coalition of a seed has the same partners (population digest)."""
    runs, _ = both_vs_alone
    full = runs.coalitions.index(frozenset(range(len(runs.levers))))
    empty = runs.coalitions.index(frozenset())
    for seed in SEEDS:
        rows = runs.values[runs.values["seed"] == seed]
        assert rows["population"].nunique() == 1
        for k, plan in ((full, runs.a), (empty, runs.b)):
            got = rows[rows["coalition"] == k].iloc[0]
            own = run_channel_spec(ChannelSpec(plan, WEEKS, seed, plan.name)).summary
            for name, value in own.items():
                assert got[name] == value or (value is None and pd.isna(got[name])), (plan.name, name)


def test_contributions_add_up_and_swapping_the_arms_flips_them(both_vs_alone) -> None:
    """For every channel measure the contributions add up to the total (to 1e-9), which is A's
    mean minus B's; something moves; and B against A gives every contribution with its sign
    flipped (the same runs, the levers switched the other way)."""
    runs, table = both_vs_alone
    for m in CHANNEL_COMPARED:
        part = table[table["metric"] == m].set_index("role")
        assert abs(residual(table, m)) < 1e-9, m
        assert part.loc["total", "mean"] == pytest.approx(part.loc["A", "mean"] - part.loc["B", "mean"])
    levers = table[table["role"] == "lever"]
    reach = levers[levers["metric"] == "vendor_reach_at_end"].set_index("lever")["mean"]
    assert (reach > 0).all(), reach  # the launch and the sponsorship each bring the vendor's partners
    back = run_channel_coalitions(runs.b, runs.a, SEEDS, WEEKS, workers=1)
    flipped = decompose(back.values, back.coalitions, [lv.name for lv in back.levers], back.orders,
                        CHANNEL_COMPARED)
    mine = table.set_index(["metric", "role", "lever"])["mean"]
    theirs = flipped.set_index(["metric", "role", "lever"])["mean"]
    moved = 0
    for (m, role, lever), value in mine.items():
        if role in ("total", "lever"):
            assert theirs[(m, role, lever)] == pytest.approx(-value, abs=1e-9), (m, role, lever)
            moved += value != 0
    assert moved >= 6


def test_explain_against_on_channels_prints_writes_and_refuses_bad_input(tmp_path: Path) -> None:
    """The command takes two channel files apart in sentences, writes the files and JSON of the
    single-community explain, and refuses bad input in one line with exit status 2."""
    runner = CliRunner()
    base = ["explain", toml_of("sponsors", tmp_path), "--against", toml_of("enters", tmp_path), "-r", "2",
            "--weeks", "10", "--set", "partners=150", "-w", "1", "-q",
            "--metric", "active_in_any,vendor_spend"]
    res = runner.invoke(main, [*base, "--out", str(tmp_path / "out"), "--json"])
    assert res.exit_code == 0, res.output
    printed = json.loads(res.output)
    text = " ".join(" ".join(printed["sentences"]).split())
    assert "launching 'vendor's (technical)', vendor-imposed on technical (none, not at week 4)" in text
    assert ("the sponsorship 'vendor's sponsorship' of 'partners' own (technical)' (at week 4, not at all)"
            in text)
    assert "They add up to" in text and "exact Shapley values" in text
    data = json.loads((tmp_path / "out" / "decomposition.json").read_text())
    assert data == printed
    assert data["kind"] == "channel" and data["method"] == "exact" and len(data["levers"]) == 2
    assert data["against"] == "enters" and set(data["residuals"]) == {"active_in_any", "vendor_spend"}
    assert all(abs(r) < 1e-9 for r in data["residuals"].values())
    coalitions = pd.read_parquet(tmp_path / "out" / "coalitions.parquet")
    assert len(coalitions) == 2 * 4 and coalitions.groupby("seed")["population"].nunique().eq(1).all()
    for args, words in (
        (["explain", "channel-vendor-sponsors", "--against", "organic"], "single community"),
        (["explain", "organic", "--against", "channel-vendor-sponsors"], "single community"),
        (["explain", "channel-vendor-sponsors"], "--against"),
        (["explain", "channel-vendor-sponsors", "--against", "channel-vendor-sponsors"], "do not differ"),
        (["explain", "channel-vendor-sponsors", "--against", "channel-vendr-enters"],
         "channel-vendor-enters"),
        ([*base, "--metric", "final_active"], "--metric final_active"),
        ([*base, "--at-week", "10"], "--at-week"),
        ([*base, "--set", "founders=3"], "--set founders"),
        ([*base, "--permutations", "3"], "--permutations 3"),
    ):
        res = runner.invoke(main, args)
        assert res.exit_code == 2, (args, res.output)
        assert words in res.output and "Traceback" not in res.output, (args, res.output)
        assert len(res.output.strip().splitlines()) == 1, res.output

"""A channel of communities over one population (issue 24, first slice): the attention split,
member founding over time, reproducibility, the channel file's refusals and the run's tables."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import simcomm
from simcomm.core.channel import Channel
from simcomm.core.channel_plan import channel_from_table
from simcomm.core.model import CommunityModel
from simcomm.core.params import ParameterError, make_params
from simcomm.runs.channel_run import load_channel
from simcomm.runs.library import load_scenario
from simcomm.ui.cli import main

SMALL = {"partners": 300}


def plan_of(table: dict) -> object:
    return channel_from_table(table, "test", "test.toml", load_scenario)


def vendor_pair(second: bool) -> object:
    """Two vendor launches inviting the same depth partners (so most are in both), or the first alone."""
    first = {"name": "a", "scenario": "vendor-imposed", "overrides": {"founders": 30}}
    other = {"name": "b", "scenario": "vendor-imposed", "overrides": {"founders": 30}}
    return plan_of({"channel": SMALL, "community": [first, other] if second else [first]})


def test_a_partner_in_two_communities_gives_each_fewer_hours_than_one() -> None:
    alone, shared = Channel(vendor_pair(False), seed=5), Channel(vendor_pair(True), seed=5)
    also_in_b = shared.communities[1].member_mask()  # at the launch, before the first week
    alone.step()
    shared.step()
    a1, a2 = alone.communities[0].model, shared.communities[0].model
    # Community a is the same in both channels (same population, same draws), so the only
    # difference in its first week is that its members who are also in b split their hours.
    assert np.array_equal(a1.current.m, a2.current.m)
    m = a1.current.m
    in_b = also_in_b[m]
    assert 10 <= np.count_nonzero(in_b) < m.size  # most founders are in both, not all
    free1, free2 = a1.current.free_h, a2.current.free_h
    assert np.array_equal(free1[~in_b], free2[~in_b])
    busy = in_b & (free1 > 0)
    assert np.all(free2[busy] < free1[busy])
    # Fewer hours: fewer visits and less answer capacity from the members in both (same draws).
    assert np.count_nonzero(a2.current.visited[in_b]) < np.count_nonzero(a1.current.visited[in_b])
    assert a2.current.capacity[in_b].sum() < a1.current.capacity[in_b].sum()
    assert np.allclose(shared.attention[m[in_b]], 0.5) and np.all(alone.attention == 1.0)


def test_the_communities_share_the_population_and_the_ties_not_membership() -> None:
    channel = Channel(vendor_pair(True), seed=2)
    single = CommunityModel(make_params(SMALL), seed=2)
    a, b = (c.model for c in channel.communities)
    # The population is drawn once, as a single community's run with the same seed draws it.
    assert np.array_equal(channel.people.needs, single.people.needs)
    assert np.shares_memory(a.people.needs, b.people.needs)
    assert (a.graph != single.graph).nnz == 0
    assert a.ties is b.ties is channel.ties  # a tie made in one counts in the other
    assert not np.shares_memory(a.people.state, b.people.state)  # joining and leaving are per community
    assert not np.shares_memory(a.people.commitment, b.people.commitment)


def founding_plan(rate: float, cap: int) -> object:
    return dataclasses.replace(load_channel("channel-member-founded"), shared=SMALL, founding_rate=rate,
                               max_founded=cap)


def test_member_founded_communities_appear_over_time_up_to_the_cap() -> None:
    result = simcomm.run_channel(founding_plan(2.0, 5), weeks=40, seed=1)
    ch = result.channel
    assert ch["founded_total"].iloc[0] == 0  # scenario (b) starts with no community
    assert ch["founded"].max() == 1 and ch["founded_total"].is_monotonic_increasing
    assert ch["founded_total"].iloc[-1] == 5  # the cap
    weeks = result.roster["founded_week"]
    assert weeks.is_unique and weeks.min() > 0 and weeks.max() < 40
    assert result.roster["by_members"].all() and (result.roster["governance"] == "organic").all()
    assert set(result.roster["topic"]) <= {"technical", "new business", "cashflow", "people"}
    channel = Channel(founding_plan(2.0, 5), seed=1)
    for _ in range(40):
        channel.step()
    for c in channel.communities:  # each founded where its initiator has the problem
        assert channel.people.main_need[c.model.community.initiator] == c.model.community.problem
    none = simcomm.run_channel(founding_plan(0.0, 5), weeks=40, seed=1)
    assert none.channel["founded_total"].max() == 0 and none.communities.empty


def test_the_shipped_member_founded_channel_founds_communities_over_the_years() -> None:
    result = simcomm.run_channel("channel-member-founded", weeks=156, seed=0, overrides=SMALL)
    founded = result.roster["founded_week"]
    assert len(founded) >= 3 and founded.nunique() == len(founded)
    assert founded.max() - founded.min() >= 26  # spread over time, not all at once
    assert result.roster["died_week"].notna().any()  # some die (the founders can walk away)


def test_the_same_seed_gives_identical_channel_tables_and_another_seed_differs() -> None:
    first = simcomm.run_channel("channel-vendor-enters", weeks=40, seed=3, overrides=SMALL)
    again = simcomm.run_channel("channel-vendor-enters", weeks=40, seed=3, overrides=SMALL)
    other = simcomm.run_channel("channel-vendor-enters", weeks=40, seed=4, overrides=SMALL)
    assert first.communities is not again.communities
    pd.testing.assert_frame_equal(first.communities, again.communities)
    pd.testing.assert_frame_equal(first.channel, again.channel)
    pd.testing.assert_frame_equal(first.roster, again.roster)
    assert not first.communities.equals(other.communities)
    # The vendor's community launches at week 26, the week the channel file says.
    assert list(first.roster["founded_week"]) == [0, 26]
    assert first.communities.query("governance == 'vendor-imposed'")["week"].min() == 27


CHANNEL = """
[channel]
partners = 300

[[community]]
name = "own"
scenario = "organic"
topic = "technical"

[[community]]
name = "vendor"
scenario = "vendor-imposed"
topic = "technical"
launch_week = 4
"""


def test_run_writes_the_community_and_channel_tables_with_the_manifest(tmp_path: Path) -> None:
    path = tmp_path / "channel.toml"
    path.write_text(CHANNEL, encoding="utf-8")
    out = tmp_path / "out"
    args = ["run", str(path), "--weeks", "12", "--seed", "7", "-q", "--out", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "vendor" in result.stdout
    api = simcomm.run_channel(path, weeks=12, seed=7)
    communities = pd.read_parquet(out / "communities.parquet")
    pd.testing.assert_frame_equal(communities, api.communities, check_dtype=False)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "channel.parquet"), api.channel, check_dtype=False)
    assert len(pd.read_csv(out / "channel.csv")) == 13  # weeks 0 to 12
    members = pd.read_parquet(out / "members.parquet")
    pd.testing.assert_frame_equal(members, api.members, check_dtype=False)
    assert set(members["community"]) == {"own", "vendor"} and members["join_week"].min() == 0
    about = json.loads((out / ".simcomm-manifest.json").read_text(encoding="utf-8"))["about"]
    assert about["seed"] == 7 and about["simcomm_version"] == simcomm.__version__
    assert about["params"]["vendor"]["governance"] == "vendor-imposed"
    assert about["params"]["own"]["partners"] == 300


def test_the_channel_figure_names_the_largest_communities_first_and_greys_the_rest(tmp_path: Path) -> None:
    from simcomm.report.plots import NAMED_COMMUNITIES, channel_figure

    result = simcomm.run_channel("channel-member-founded", weeks=104, seed=0)
    fig = channel_figure(result.communities, result.channel, "t")
    legend = fig.axes[0].get_legend()
    named = [t.get_text() for t in legend.get_texts()]
    c = result.communities
    peaks = (c["active_members"] + c["lurking_members"]).groupby(c["community"]).max()
    top = sorted(peaks, reverse=True)[:NAMED_COMMUNITIES]
    assert [peaks[n] for n in named] == top  # the largest by peak, largest first (ties either way)
    assert len(peaks) > NAMED_COMMUNITIES
    assert f"+{len(peaks) - NAMED_COMMUNITIES} more" in legend.get_title().get_text()
    assert len(fig.axes[0].lines) == len(peaks)  # every community drawn
    out = tmp_path / "out"
    CliRunner().invoke(main, ["run", "channel-member-founded", "--weeks", "20", "-q", "--out", str(out)])
    assert (out / "channel.png").read_bytes()[:4] == b"\x89PNG"


BAD = [
    ('[channel]\npartners = 300\nfounding_rat = 1.0\nmax_founded = 2\n', "founding_rat", "founding_rate"),
    ('[channel]\npartners = "many"\n[[community]]\nname = "a"\nscenario = "organic"\n', "partners",
     "integer"),
    ('[channel]\nfounding_rate = -1\nmax_founded = 2\n', "founding_rate", "[0, 50]"),
    ('[channel]\nmax_founded = 2.5\nfounding_rate = 1\n', "max_founded", "integer in [0, 200]"),
    ('[channel]\n[[community]]\nname = "a"\nscenario = "organic"\nlaunch_wek = 3\n', "launch_wek",
     "launch_week"),
    ('[channel]\n[[community]]\nname = "a"\nscenario = "organic"\nlaunch_week = "soon"\n', "launch_week",
     "[0, 5200]"),
    ('[channel]\n[[community]]\nname = "a"\nscenario = "organic"\ntopic = "golf"\n', "topic", "cashflow"),
    ('[channel]\n[[community]]\nname = "a"\nscenario = "nope"\n', "scenario", "unknown scenario"),
    ('[channel]\n[[community]]\nname = "a"\nscenario = "organic"\n[community.overrides]\npartners = 50\n',
     "partners", "[channel]"),
    ('[channel]\nstaff_count = 2\n[[community]]\nname = "a"\nscenario = "organic"\n', "staff_count",
     "[community.overrides]"),
    ('[channel]\n', "no community", "founding_rate > 0"),
    ('[channel]\n[[community]]\nname = "a"\nscenario = "organic"\n[[community]]\nname = "a"\n'
     'scenario = "organic"\n', "'a'", "one name"),
]


@pytest.mark.parametrize(("text", "field", "allowed"), BAD, ids=[b[1] for b in BAD])
def test_a_bad_channel_file_is_one_line_exit_2_and_nothing_written(tmp_path: Path, text: str, field: str,
                                                                    allowed: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(path), "--weeks", "3", "-q", "--out", str(out)])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    assert field in lines[0] and allowed in lines[0] and str(path) in lines[0]
    assert not out.exists()


def test_channel_scenarios_are_kept_apart_from_single_communities() -> None:
    assert simcomm.channel_names() == ["channel-many-programmes", "channel-member-founded",
                                      "channel-one-programme", "channel-partners-alone",
                                      "channel-vendor-both", "channel-vendor-enters",
                                      "channel-vendor-sponsors"]
    assert not [n for n in simcomm.scenario_names() if n.startswith("channel-")]
    with pytest.raises(ParameterError, match="channel of communities") as err:
        load_scenario("channel-vendor-enters")
    assert "\n" not in str(err.value)
    code = CliRunner().invoke(main, ["run", "channel-vendor-enters", "--set", "staff_count=2", "--weeks",
                                     "2"])
    assert code.exit_code == 2 and "shared parameters" in code.stderr

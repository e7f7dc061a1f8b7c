"""A researcher's sweep over a channel of communities (issue 24): ``simcomm experiment run`` on an
experiment file whose scenario is a channel. Its rows are checked against the channel run by hand
(a channel file with the same values, through the Python API), its summary, weekly record,
manifest and bad files. Tiny work: 300 partners, 10 weeks, 2 seeds. The Dask cluster's run of the
same file is in tests/test_cluster.py (its cluster fixture)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import simcomm
from simcomm.analysis.experiments import point_summary
from simcomm.core.metric_registry import CHANNEL_COMPARED
from simcomm.runs.channel_experiment import ChannelExperiment
from simcomm.runs.experiment_file import load_experiment
from simcomm.runs.experiment_store import read_manifest, read_runs, read_weekly
from simcomm.runs.experiments import derive_seed
from simcomm.runs.library import LIBRARY
from simcomm.ui.cli import main

OWN, SPONSOR = "partners' own (technical)", "vendor's sponsorship"
WEEKS = 10
#: The sweep: the sponsor's reach (a sponsorship's own parameter) x the partners' own community's
#: seeded advocates (a listed community's own parameter), the sponsorship moved to week 2 and the
#: channel shrunk to 300 partners by [overrides].
CHANNEL_TINY = f"""
name = "channel-tiny"
scenario = "channel-vendor-sponsors"
weeks = {WEEKS}
replicates = 2
seed = 11
weekly = ["communities_alive", "members"]

[overrides]
partners = 300

[overrides."{SPONSOR}"]
launch_week = 2

[factors."{SPONSOR}"]
sponsor_recruits = [0.0, 1.0]

[factors."{OWN}"]
seed_advocates = [0, 6]
"""
FACTORS = [f"{SPONSOR}.sponsor_recruits", f"{OWN}.seed_advocates"]


def invoke(*args: str) -> tuple[int, str, str]:
    out = CliRunner().invoke(main, list(args))
    return out.exit_code, out.stdout, out.stderr


def write(folder: Path, text: str, name: str = "exp.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The tiny channel sweep run once by the command (one process); its file and results folder."""
    tmp = tmp_path_factory.mktemp("channel-sweep")
    path = write(tmp, CHANNEL_TINY)
    code, out, err = invoke("experiment", "run", str(path), "--workers", "1", "--out", str(tmp / "out"),
                            "--quiet")
    assert code == 0, err
    assert "8 of 8 runs done" in out
    return path, tmp / "out"


def by_hand(folder: Path, recruits: float, advocates: int) -> Path:
    """Write the channel file a researcher would write for one design point: the library's
    channel-vendor-sponsors with 300 partners, its sponsorship at week 2 with that reach and the
    partners' own community with that many seeded advocates."""
    text = (LIBRARY / "channel-vendor-sponsors.toml").read_text(encoding="utf-8")
    text = text.replace("partners = 2000", "partners = 300")
    text = text.replace("seed_advocates = 3", f"seed_advocates = {advocates}")
    text = text.replace(f'sponsors = "{OWN}"\nlaunch_week = 26',
                        f'sponsors = "{OWN}"\nlaunch_week = 2\n\n[community.overrides]\n'
                        f"sponsor_recruits = {recruits}")
    assert text.count("300") == 1 and f"sponsor_recruits = {recruits}" in text
    return write(folder, text, f"by-hand-{recruits}-{advocates}.toml")


def measured_by_hand(result: simcomm.ChannelResult) -> dict[str, float]:
    """The channel measures of a run of one listed community and its sponsorship, from the
    Python API's tables: the community's last week, its roster row and the channel's record."""
    roster = result.roster.set_index("community").loc[OWN]
    alive = bool(pd.isna(roster["died_week"]))
    last = result.communities[result.communities["community"] == OWN].iloc[-1]
    members = float(roster["members_at_end"]) if alive else 0.0
    return {"active_in_any": float(last["active_members"]) if alive else 0.0,
            "own_alive_at_end": float(alive), "own_members_at_end": members,
            "members_per_community_at_end": members,
            "overlap_at_end": float(result.channel["overlap"].iloc[-1]),
            "vendor_reach_at_end": members, "vendor_spend": float(result.communities["vendor_cost"].sum()),
            "communities_alive_at_end": float(alive)}


def test_each_row_of_a_channel_sweep_is_the_channel_file_run_by_hand(swept: tuple[Path, Path],
                                                                      tmp_path: Path) -> None:
    _, out = swept
    runs = read_runs(out)
    assert list(runs.columns) == ["point", "replicate", "seed", *FACTORS, *CHANNEL_COMPARED]
    assert len(runs) == 8 and runs.groupby("replicate")["seed"].nunique().max() == 1  # common seeds
    weekly = read_weekly(out)
    assert weekly is not None and list(weekly.columns) == ["point", "replicate", "week", "communities_alive",
                                                          "members"]
    for recruits, advocates, replicate in ((1.0, 6, 1), (0.0, 0, 0)):  # alive; dead by week 10
        seed = derive_seed("channel-tiny", 11, 0, replicate)
        row = runs[(runs[FACTORS[0]] == recruits) & (runs[FACTORS[1]] == advocates)
                   & (runs["replicate"] == replicate)].iloc[0]
        assert row["seed"] == seed
        result = simcomm.run_channel(by_hand(tmp_path, recruits, advocates), weeks=WEEKS, seed=seed)
        expected = measured_by_hand(result)
        np.testing.assert_equal({m: float(row[m]) for m in CHANNEL_COMPARED}, expected)  # NaN == NaN
        week = weekly[(weekly["point"] == row["point"]) & (weekly["replicate"] == replicate)]
        assert week["members"].tolist() == result.channel["members"].astype(float).tolist()
        assert len(week) == WEEKS + 1
    # The factors matter here, so the rows above pin which community each value went to.
    first = runs[runs["replicate"] == 1].set_index(FACTORS)
    assert first.loc[(1.0, 0), "vendor_reach_at_end"] > first.loc[(0.0, 0), "vendor_reach_at_end"]
    assert first.loc[(0.0, 6), "own_members_at_end"] > first.loc[(0.0, 0), "own_members_at_end"]


def test_a_channel_sweeps_manifest_records_each_points_channel_and_the_software(
        swept: tuple[Path, Path]) -> None:
    _, out = swept
    manifest = read_manifest(out)
    assert manifest["channel"] == manifest["scenario"] == "channel-vendor-sponsors"
    assert manifest["complete"] and manifest["runs_done"] == 8
    assert manifest["metrics"] == list(CHANNEL_COMPARED)
    assert set(manifest["versions"]) >= {"python", "simcomm", "mesa", "numpy"}
    last = manifest["points"][-1]
    assert last["factors"] == {FACTORS[0]: 1.0, FACTORS[1]: 6}
    listed = {c["name"]: c for c in last["params"]["communities"]}
    assert listed[SPONSOR]["overrides"] == {"sponsor_recruits": 1.0} and listed[SPONSOR]["launch_week"] == 2
    assert last["params"]["shared"] == {"partners": 300}
    assert last["params"]["params"][OWN]["seed_advocates"] == 6  # the factor, over the file's 3
    own = last["params"]["params"][OWN]
    assert own["partners"] == 300 and own["founders"] == 30


def test_a_channel_sweeps_summary_has_intervals_per_combination_and_its_plots(
        swept: tuple[Path, Path]) -> None:
    _, out = swept
    code, text, err = invoke("experiment", "summarize", str(out), "--metric", "own_alive_at_end")
    assert code == 0, err
    points = pd.read_csv(out / "summary" / "points.csv")
    assert len(points) == 4 and (points["runs"] == 2).all()
    runs = read_runs(out)
    alive = points[points["own_alive_at_end_mean"] == 1.0]  # 2 of 2 runs alive: Wilson, not [1, 1]
    assert len(alive) and np.allclose(alive["own_alive_at_end_ci_low"], 0.3424, atol=1e-4)
    assert np.allclose(points["own_alive_at_end_mean"], runs.groupby("point")["own_alive_at_end"].mean())
    assert ("own_alive_at_end (The partners' own community alive at week 10): share of runs [95% Wilson"
            in text)
    files = {p.name for p in (out / "summary").iterdir()}
    assert "own_alive_at_end_by_vendor_s_sponsorship.sponsor_recruits.png" in files
    assert "own_alive_at_end_heatmap.png" in files and all("'" not in f and " " not in f for f in files)
    sizes = point_summary(runs, FACTORS, ["active_in_any"])  # what summarize writes for a count
    mean = runs.groupby("point")["active_in_any"].mean().to_numpy()
    assert np.allclose(sizes["active_in_any_mean"], mean)
    assert (sizes["active_in_any_ci_low"] <= mean).all() and (mean <= sizes["active_in_any_ci_high"]).all()


BAD_CHANNEL = [
    ("[factors]\nstaff_count = [1, 2]", "factors.staff_count", "founding_rate, max_founded"),
    ('[factors."vendor\'s launch"]\nstaff_count = [1]', "factors.\"vendor's launch\"",
     f'"{OWN}", "{SPONSOR}"'),
    (f'[factors."{SPONSOR}"]\nfounders = [1, 2]', f'factors."{SPONSOR}".founders', "sets launch_week, "),
    (f'[factors."{OWN}"]\npartners = [100]', f'factors."{OWN}".partners', "vary it in [factors] itself"),
    (f'[factors."{SPONSOR}"]\nsponsor_recruits = ["lots"]', f'factors."{SPONSOR}".sponsor_recruits',
     "a number in [0, "),
    ("[factors]\nfounding_rate = [0.1, 99.0]", "factors.founding_rate", "a number in [0, 50]"),
    (f'[factors."{OWN}"]\ntopic = ["marketing"]', f'factors."{OWN}".topic', "one of technical, "),
    (f'[factors."{OWN}"]\nscenario = ["organic", "vendor-imposed"]', "factors: design point",
     "a community its members run"),
]


@pytest.mark.parametrize(("factors", "field", "allowed"), BAD_CHANNEL)
def test_a_bad_channel_experiment_is_one_line_naming_the_field_exit_2_nothing_written(
        tmp_path: Path, factors: str, field: str, allowed: str) -> None:
    head = CHANNEL_TINY.split("[factors.")[0]
    path = write(tmp_path, head + factors + "\n")
    code, out, err = invoke("experiment", "run", str(path), "--workers", "1", "--out", str(tmp_path / "o"))
    assert code == 2 and out == "", err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert f"experiment file '{path}': {field}" in err and allowed in err, err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(("old", "new", "field", "allowed"), [
    ("weekly =", 'metrics = ["retention_52w"]\nweekly =', "metrics", "choose from active_in_any, "),
    ('weekly = ["communities_alive", "members"]', 'weekly = ["posts"]', "weekly",
     "choose from communities_alive, "),
    ("partners = 300", "partners = 2", "overrides.partners", "an integer in [10, "),
    ('"channel-vendor-sponsors"', '"channel-vendor-sponsor"', "scenario",
     "did you mean channel-vendor-sponsors"),
])
def test_bad_channel_fields_are_one_line_exit_2(tmp_path: Path, old: str, new: str, field: str,
                                                 allowed: str) -> None:
    assert old in CHANNEL_TINY
    code, _, err = invoke("experiment", "run", str(write(tmp_path, CHANNEL_TINY.replace(old, new))),
                          "--out", str(tmp_path / "o"))
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert f": {field}" in err and allowed in err, err
    assert not (tmp_path / "o").exists()


def test_a_channel_experiment_takes_the_channels_own_settings_and_a_channel_file_beside_it(
        tmp_path: Path) -> None:
    by_hand(tmp_path, 0.5, 2).rename(tmp_path / "mine.toml")
    exp = load_experiment(write(tmp_path, """
scenario = "mine.toml"
replicates = 1
[factors]
founding_rate = { low = 0.0, high = 0.2, num = 3 }
max_founded = [0, 4]
tie_gain = [0.1]
"""))
    assert isinstance(exp, ChannelExperiment) and exp.channel is not None
    assert exp.channel.name == "channel-vendor-sponsors" and exp.n_runs == 6
    plan = exp.point_plan({"founding_rate": 0.2, "max_founded": 4, "tie_gain": 0.1})
    assert (plan.founding_rate, plan.max_founded, plan.shared) == (0.2, 4, {"partners": 300, "tie_gain": 0.1})
    assert plan.communities[1].overrides == {"sponsor_recruits": 0.5}  # the file's own settings kept
    assert not math.isnan(exp.workload().seconds())

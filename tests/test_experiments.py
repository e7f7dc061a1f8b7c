"""Experiments: files, seeds, executors (one process, local processes, Dask), resume, summarize."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from forked_process import run_forked

import simcomm
from simcomm.core.metrics import WEEKLY_METRICS
from simcomm.core.params import ParameterError
from simcomm.runs.experiment_file import SUMMARY_METRICS, load_experiment
from simcomm.runs.experiment_store import read_manifest, read_runs, read_weekly
from simcomm.runs.experiments import derive_seed, run_experiment
from simcomm.ui.cli import main

ROOT = Path(__file__).resolve().parents[1]
TINY = """
name = "tiny"
scenario = "vendor-imposed"
weeks = 25
replicates = 2
seed = 7
metrics = ["retention_12w", "peak_active", "final_active", "total_posts"]
weekly = ["active_members", "posts"]

[overrides]
partners = 250

[factors]
staff_turnover_per_year = [0.33, 2.0]
promo_share = { low = 0.2, high = 0.6, num = 2 }
"""


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def invoke(*args: str) -> tuple[int, str, str]:
    out = CliRunner().invoke(main, list(args))
    return out.exit_code, out.stdout, out.stderr


def test_shipped_experiments_load_and_answer_the_essays_questions() -> None:
    files = sorted((ROOT / "experiments").glob("*.toml"))
    names = {f.stem for f in files}
    assert {"turnover-x-governance", "advocates-x-growth", "programmes-x-promotion"} <= names
    for f in files:
        exp = load_experiment(f)
        assert exp.name == f.stem and exp.question and len(exp.factors) == 2
        assert 10 <= exp.n_runs <= 200
    tg = load_experiment(ROOT / "experiments" / "turnover-x-governance.toml")
    assert set(tg.factors) == {"governance", "staff_turnover_per_year"}


def test_summary_metrics_list_matches_the_model() -> None:
    r = simcomm.run("vendor-imposed", weeks=5, seed=0, overrides={"partners": 100})
    assert tuple(r.summary) == SUMMARY_METRICS
    assert set(r.timeseries.columns) == set(WEEKLY_METRICS)


def test_design_ranges_and_seeds(tmp_path: Path) -> None:
    exp = load_experiment(write(tmp_path, TINY.replace(
        "[0.33, 2.0]", "{ start = 0.5, stop = 1.5, step = 0.5 }")))
    assert exp.factors["staff_turnover_per_year"] == [0.5, 1.0, 1.5]
    assert exp.factors["promo_share"] == [0.2, 0.6]
    design = exp.design()
    assert len(design) == 6 and design[0] == {"staff_turnover_per_year": 0.5, "promo_share": 0.2}
    assert design[1] == {"staff_turnover_per_year": 0.5, "promo_share": 0.6}  # last factor fastest
    s = derive_seed("tiny", 7, 3, 1)
    assert s == derive_seed("tiny", 7, 3, 1) and 0 <= s < 2**63
    others = {derive_seed("tiny", 7, 3, 0), derive_seed("tiny", 7, 2, 1), derive_seed("tiny", 8, 3, 1),
              derive_seed("tinY", 7, 3, 1)}
    assert s not in others and len(others) == 4
    # stable across processes and Python hash randomisation
    code = "from simcomm.runs.experiments import derive_seed; print(derive_seed('tiny', 7, 3, 1))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONHASHSEED": "123"})
    assert int(out.stdout) == s


BAD = [
    ("staff_turnover_per_yr = [0.3]", "factors.staff_turnover_per_yr", "did you mean staff_turnover"),
    ("moderation = { start = 0.5, stop = 0.1, step = 0.1 }", "factors.moderation", "empty range"),
    ("moderation = { low = 0.9, high = 0.1, num = 3 }", "factors.moderation", "empty range"),
    ("moderation = []", "factors.moderation", "empty"),
    ("moderation = [0.1, \"high\"]", "factors.moderation", "a number in [0, 1]"),
    ("moderation = [0.1, 1.5]", "factors.moderation", "a number in [0, 1]"),
    ("governance = [\"vendor\"]", "factors.governance", "one of"),
    ("partners = { start = 1, stop = 2 }", "factors.partners", "{start, stop, step}"),
    ("partners = 300", "factors.partners", "not a list"),
]


@pytest.mark.parametrize(("factor", "field", "text"), BAD)
def test_bad_experiment_files_give_one_line_and_exit_2(tmp_path: Path, factor: str, field: str,
                                                       text: str) -> None:
    bad = TINY.split("[factors]")[0] + "[factors]\n" + factor + "\n"
    path = write(tmp_path, bad)
    with pytest.raises(ParameterError, match="experiment file"):
        load_experiment(path)
    code, out, err = invoke("experiment", "run", str(path), "--out", str(tmp_path / "o"))
    assert code == 2, (out, err)
    assert len(err.strip().splitlines()) == 1 and field in err and text in err, err
    assert not (tmp_path / "o" / "runs").exists() or not list((tmp_path / "o" / "runs").iterdir())


@pytest.mark.parametrize(("old", "new", "field"), [
    ("replicates = 2", "replicates = \"two\"", "replicates"),
    ("weeks = 25", "weeks = 0", "weeks"),
    ("weekly = [\"active_members\", \"posts\"]", "weekly = [\"active\"]", "weekly"),
    ("metrics = [", "metrics = [\"retention_99w\", ", "metrics"),
    ("scenario = \"vendor-imposed\"", "scenario = \"vendor-imposd\"", "scenario"),
    ("seed = 7", "seed = 7\nreplicate = 3", "replicate"),
    ("partners = 250", "partners = 2", "overrides"),
    ("[factors]", "[factors\n", "not valid TOML"),
])
def test_bad_fields_give_one_line_and_exit_2(tmp_path: Path, old: str, new: str, field: str) -> None:
    path = write(tmp_path, TINY.replace(old, new))
    code, _, err = invoke("experiment", "run", str(path), "--out", str(tmp_path / "o"))
    assert code == 2 and len(err.strip().splitlines()) == 1 and field in err, err


def _table(out: Path) -> pd.DataFrame:
    return read_runs(out).sort_values(["point", "replicate"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def tiny_reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("ref")
    path = write(tmp, TINY)
    run_experiment(load_experiment(path), tmp / "one", workers=1)
    return path, tmp / "one"


def test_one_process_and_local_processes_give_the_same_table(
        tiny_reference: tuple[Path, Path], tmp_path: Path) -> None:
    """On a Dask scheduler too: tests/test_cluster.py, on its cluster."""
    path, one = tiny_reference
    exp = load_experiment(path)
    reference = _table(one)
    assert len(reference) == 8 and reference[["point", "replicate"]].value_counts().max() == 1
    assert list(reference.columns[:5]) == ["point", "replicate", "seed", "staff_turnover_per_year",
                                          "promo_share"]
    manifest = run_experiment(exp, tmp_path / "two", workers=2)
    assert manifest["complete"] and manifest["runs_done"] == 8
    pd.testing.assert_frame_equal(_table(tmp_path / "two"), reference)
    pd.testing.assert_frame_equal(read_weekly(tmp_path / "two"), read_weekly(one))
    weekly = read_weekly(one)
    assert list(weekly.columns) == ["point", "replicate", "week", "active_members", "posts"]
    assert len(weekly) == 8 * 25


def test_manifest_and_rerun_adds_nothing(tiny_reference: tuple[Path, Path]) -> None:
    path, one = tiny_reference
    m = read_manifest(one)
    for key in ("experiment_file", "experiment_sha256", "simcomm_version", "start", "end", "runs_done"):
        assert m[key], key
    assert m["runs_done"] == m["runs_total"] == 8 and m["complete"]
    parts = sorted((one / "runs").iterdir())
    code, out, _ = invoke("experiment", "run", str(path), "--out", str(one), "--workers", "1")
    assert code == 0 and "8 of 8 runs done (0 now" in out
    assert sorted((one / "runs").iterdir()) == parts
    assert len(json.loads((one / "manifest.json").read_text())["sessions"]) == 2


def test_manifest_records_the_software_and_every_parameter_of_each_point(
        tiny_reference: tuple[Path, Path]) -> None:
    """A researcher's record (issue 27): Python, mesa and numpy versions, and each design
    point's resolved parameters, which are those its runs used (checked against a run)."""
    import platform

    import mesa
    import numpy as np

    path, one = tiny_reference
    m = read_manifest(one)
    for versions in (m["versions"], *(s["versions"] for s in m["sessions"])):
        assert versions["python"] == platform.python_version()
        assert versions["mesa"] == mesa.__version__ and versions["numpy"] == np.__version__
        assert versions["simcomm"] == simcomm.__version__
    exp = load_experiment(path)
    assert [p["point"] for p in m["points"]] == list(range(4))
    assert [p["factors"] for p in m["points"]] == exp.design()
    runs = read_runs(one)
    for point in m["points"]:
        params = point["params"]
        assert set(params) == set(simcomm.make_params({}).to_dict())  # every parameter, not a diff
        assert params["partners"] == 250  # the file's [overrides]
        assert params["handover_quality"] == simcomm.make_params({}, base={
            "governance": "vendor-imposed"})["handover_quality"]  # the scenario's own value
        for name, value in point["factors"].items():
            assert params[name] == value
        seed = int(runs[(runs["point"] == point["point"]) & (runs["replicate"] == 0)]["seed"].iloc[0])
        again = simcomm.run(exp.scenario, weeks=exp.weeks, seed=seed, overrides={
            k: v for k, v in params.items() if k != "governance"})
        peak = runs[(runs["point"] == point["point"]) & (runs["replicate"] == 0)]["peak_active"].iloc[0]
        assert again.summary["peak_active"] == peak  # the recorded values reproduce the run


def test_every_design_point_runs_replicate_r_on_the_same_seed_and_the_help_says_so(
        tiny_reference: tuple[Path, Path]) -> None:
    """Common random numbers across the design (the README and the code); the command's help
    said seeds derived from the design point (issue 27)."""
    _, one = tiny_reference
    runs = read_runs(one)
    by_replicate = runs.groupby("replicate")["seed"].nunique()
    assert (by_replicate == 1).all() and runs["seed"].nunique() == 2
    code, out, _ = invoke("experiment", "run", "--help")
    text = " ".join(out.split())
    assert code == 0 and "same seed at every design point" in text, text
    assert "(experiment, design point, replicate)" not in text


def test_changed_experiment_file_is_not_mixed_into_old_results(tiny_reference: tuple[Path, Path],
                                                               tmp_path: Path) -> None:
    _, one = tiny_reference
    path = write(tmp_path, TINY.replace("seed = 7", "seed = 8"))
    code, _, err = invoke("experiment", "run", str(path), "--out", str(one))
    assert code == 2 and "different experiment file" in err


def test_summarize_writes_points_and_plots(tiny_reference: tuple[Path, Path]) -> None:
    _, one = tiny_reference
    code, out, err = invoke("experiment", "summarize", str(one))
    assert code == 0, err
    assert "peak_active" in out and "staff_turnover_per_year=0.33, promo_share=0.2" in out
    points = pd.read_parquet(one / "summary" / "points.parquet")
    assert len(points) == 4 and {"peak_active_mean", "peak_active_ci_low", "peak_active_ci_high"} <= set(
        points.columns)
    runs = read_runs(one)
    first = runs[runs["point"] == 0]["peak_active"].mean()
    assert points.loc[0, "peak_active_mean"] == pytest.approx(first)
    names = {p.name for p in (one / "summary").iterdir()}
    assert {"peak_active_by_promo_share.png", "peak_active_by_staff_turnover_per_year.png",
            "peak_active_heatmap.png"} <= names
    code, _, err = invoke("experiment", "summarize", str(one.parent / "missing"))
    assert code == 2 and "manifest" in err


@pytest.mark.once
def test_summarize_intervals_stay_within_bounds_and_say_when_n_is_too_small(
        tiny_reference: tuple[Path, Path], tmp_path: Path) -> None:
    """Issue 27: 'died_week 143 [-22.18, 308.2]' (a Student t interval below week 0 from two runs)
    and '130 [nan, nan]' (one run). Two runs far apart, one run, none: bounded, 'n too small',
    'no run has a value'; the retention shares stay in [0, 1]."""
    import math
    import shutil

    import numpy as np

    _, one = tiny_reference
    copy = tmp_path / "copy"
    shutil.copytree(one, copy, ignore=shutil.ignore_patterns("summary", ".*"))
    runs = read_runs(copy)
    runs["peak_active"] = runs["peak_active"].astype(float)
    runs.loc[runs["point"] == 0, "peak_active"] = [5.0, 400.0]  # t interval: [-2,307, 2,712]
    runs.loc[runs["point"] == 1, "peak_active"] = [7.0, np.nan]
    runs.loc[runs["point"] == 2, "peak_active"] = [np.nan, np.nan]
    runs.loc[runs["point"] == 3, "retention_12w"] = [0.0, 1.0]  # t interval: [-5.9, 6.9]
    for part in (copy / "runs").glob("part-*.parquet"):
        part.unlink()
    runs.to_parquet(copy / "runs" / "part-0000000-0000007.parquet", index=False)
    code, out, err = invoke("experiment", "summarize", str(copy))
    assert code == 0, err
    block = out.split("\npeak_active")[1].split("\n\n")[0].splitlines()
    assert "[5, 400] (2 of 2)" in block[1], block  # within the values, so never below 0
    assert "7 [n too small for an interval] (1 of 2)" in block[2], block
    assert "no run has a value (0 of 2)" in block[3], block
    points = pd.read_parquet(copy / "summary" / "points.parquet")
    assert points.loc[0, "peak_active_ci_low"] >= 0 and math.isnan(points.loc[1, "peak_active_ci_low"])
    assert 0 <= points.loc[3, "retention_12w_ci_low"] <= points.loc[3, "retention_12w_ci_high"] <= 1
    assert "nan" not in out


# TINY's runs (25 weeks, 250 partners) in batches of two: the kill comes at a known moment (below),
# not by racing the sweep, so the runs need not be long (80 weeks at 400 partners until 2026-12-07).
RESUME = TINY.replace("replicates = 2", "replicates = 6").replace("seed = 7", "seed = 7\nbatch_size = 2")


# Runs the command in a process that kills itself with SIGKILL as soon as its first batch is in
# place, before the manifest records it: a kill at a known moment instead of a race between the
# test's polling and the sweep (the sweep used to finish first now and then under load).
CLI = "import sys\nfrom simcomm.ui.cli import main\nmain(sys.argv[1:], prog_name='simcomm')\n"
KILL_AFTER_FIRST_BATCH = """
import os, signal, sys
from simcomm.runs import experiment_store
from simcomm.ui.cli import main
write = experiment_store.atomic_write_together

def write_then_die(*args, **kwargs):
    write(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)

experiment_store.atomic_write_together = write_then_die
main(sys.argv[1:], prog_name="simcomm")
"""


def test_killed_sweep_resumes_with_every_run_exactly_once(tmp_path: Path) -> None:
    path = write(tmp_path, RESUME)
    out = tmp_path / "out"
    args = ["experiment", "run", str(path), "--out", str(out), "--workers", "1"]
    killed = run_forked(KILL_AFTER_FIRST_BATCH, *args)  # a process of its own, forked warm
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert read_manifest(out)["runs_done"] == 0  # killed between the batch and the manifest
    partial = read_runs(out)
    assert len(partial) == 2  # the first batch (batch_size = 2)
    done = run_forked(CLI, *args)
    assert done.returncode == 0, done.stderr
    final = _table(out)
    assert len(final) == 24
    assert final[["point", "replicate"]].value_counts().max() == 1
    run_experiment(load_experiment(path), tmp_path / "ref", workers=1)  # a pool's table is compared elsewhere
    pd.testing.assert_frame_equal(final, _table(tmp_path / "ref"))
    assert read_manifest(out)["complete"]


def test_help_shows_worked_examples() -> None:
    for args in (["experiment", "--help"], ["experiment", "run", "--help"],
                 ["experiment", "summarize", "--help"], ["sensitivity", "--help"]):
        code, out, _ = invoke(*args)
        assert code == 0 and "Example" in out and "simcomm " in out, args


def test_python_m_simcomm_cli_knows_the_new_commands() -> None:
    out = subprocess.run([sys.executable, "-m", "simcomm.ui.cli", "--help"], capture_output=True, text=True,
                         check=True)
    assert "experiment" in out.stdout and "sensitivity" in out.stdout


def test_interrupt_says_what_is_saved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import simcomm.runs.experiments as ex

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(ex, "run_experiment", interrupted)
    code, _, err = invoke("experiment", "run", str(write(tmp_path, TINY)), "--out", str(tmp_path / "o"))
    assert code == 130 and "run the same command again" in err


def test_bad_scheduler_address_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    code, _, err = invoke("experiment", "run", str(write(tmp_path, TINY)), "--out", str(tmp_path / "o"),
                          "--scheduler", "nonsense://x")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--scheduler" in err
    assert not (tmp_path / "o").exists()
    code, _, err = invoke("experiment", "run", str(write(tmp_path, TINY)), "--workers", "2",
                          "--scheduler", "tcp://127.0.0.1:1")
    assert code == 2 and "cannot be combined" in err


def test_design_points_share_their_random_numbers(tmp_path) -> None:
    """Replicate r has the same seed at every design point (common random numbers), and the
    replicates of a point differ; so a factor's effect is paired by replicate."""
    from simcomm.runs.experiments import jobs

    path = tmp_path / "crn.toml"
    path.write_text('name = "crn"\nscenario = "vendor-imposed"\nreplicates = 3\nweeks = 5\n'
                    '[factors]\nstaff_turnover_per_year = [0.0, 1.0, 3.0]\n')
    exp = load_experiment(path)
    by_point: dict[int, list[int]] = {}
    for job in jobs(exp):
        by_point.setdefault(job.point, []).append(job.seed)
    seeds = list(by_point.values())
    assert len(seeds) == 3 and all(s == seeds[0] for s in seeds)
    assert len(set(seeds[0])) == 3

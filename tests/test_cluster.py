"""Every batch command on a Dask cluster (--scheduler): the same tables as the local executor, every
run sent to the scheduler, a worker with another simcomm version refused in one line, and an
unreachable scheduler in one line (issue 25). Tiny work: a few seeds of small, short runs."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

import simcomm.runs.batch as batch
from simcomm.core.version import __version__
from simcomm.ui.cli import main

SMALL = ["--weeks", "12", "--set", "partners=150"]
#: Each batch command with tiny work, and the option that names its output (a folder or a page).
COMMANDS: dict[str, tuple[list[str], str, str]] = {
    "compare": (["compare", "organic", "vendor-imposed", "-r", "2", *SMALL], "--out", "out"),
    "sensitivity": (["sensitivity", "organic", "--method", "morris", "--params", "promo_share,moderation",
                     "--samples", "2", "--metric", "peak_active", *SMALL], "--out", "out"),
    "claims": (["claims", "--only", "turnover-hurts", "--replicates", "2", "--survival-replicates", "2",
                "--points", "2", "--point-replicates", "1", "--shuffles", "0", "--weeks", "12"],
               "--report", "claims.md"),
    "discover": (["discover", "organic", "--points", "4", "-r", "1", "--shuffles", "0", "--metric",
                  "final_active", "--where", "< 10", *SMALL], "--out", "out"),
    "explain": (["explain", "staff-churn", "-r", "2", "--weeks", "30", "--set", "partners=150"],
                "--out", "out"),
    "validate": (["validate", "--replicates", "2"], "--out", "out"),
}


def invoke(*args: str) -> tuple[int, str, str]:
    out = CliRunner().invoke(main, list(args))
    return out.exit_code, out.stdout, out.stderr


@pytest.fixture(scope="module")
def cluster() -> Iterator[tuple[str, Any]]:
    """A scheduler and two single-threaded worker processes on localhost; yield its address and a
    counter of the tasks the scheduler saw finish (``.count``)."""
    from distributed import LocalCluster
    from distributed.diagnostics.plugin import SchedulerPlugin

    class Finished(SchedulerPlugin):
        name = "simcomm-test-finished"

        def __init__(self) -> None:
            self.count = 0

        def transition(self, key: Any, start: str, finish: str, *args: Any, **kwargs: Any) -> None:
            if finish == "memory":
                self.count += 1

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        finished = Finished()
        c.scheduler.add_plugin(finished)
        yield c.scheduler_address, finished


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count the runs every run_many call of a command is given (its progress bar's total)."""
    seen = {"runs": 0}
    bar = batch.tqdm

    def counting(*args: Any, total: int = 0, **kwargs: Any) -> Any:
        seen["runs"] += total
        return bar(*args, total=total, **kwargs)

    monkeypatch.setattr(batch, "tqdm", counting)
    return seen


def small_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    """validate has no --weeks or --set: three of its facts and one story setting, 26 weeks."""
    from simcomm.analysis import validation

    facts = [f for f in validation.FACTS if f.key in ("active_share_managed", "dead_young", "revenue_top20")]
    monkeypatch.setattr(validation, "FACTS", tuple(facts))
    monkeypatch.setattr(validation, "STORY", validation.STORY[:1])
    monkeypatch.setattr(validation, "validate", functools.partial(validation.validate, weeks=26))


def tables(root: Path) -> dict[str, Any]:
    """Return every table written under ``root``: relative name -> DataFrame (Parquet) or text (CSV)."""
    found: dict[str, Any] = {}
    for path in sorted(root.rglob("*")):
        name = str(path.relative_to(root))
        if path.suffix == ".parquet":
            found[name] = pd.read_parquet(path)
        elif path.suffix == ".csv":
            found[name] = path.read_text(encoding="utf-8")
    return found


@pytest.mark.filterwarnings("ignore:No artists with labels:UserWarning")  # validate's figures, 3 facts
# Under Python 3.12 only compare: the scheduler's path is the same for every command (marker "once").
@pytest.mark.parametrize("command", [c if c == "compare" else pytest.param(c, marks=pytest.mark.once)
                                     for c in COMMANDS])
def test_a_batch_command_on_a_dask_scheduler_gives_the_local_tables(
        command: str, cluster: tuple[str, Any], batches: dict[str, int], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    address, finished = cluster
    args, option, target = COMMANDS[command]
    if command == "validate":
        small_validation(monkeypatch)
    code, local_json, err = invoke(*args, "--workers", "1", option, str(tmp_path / "local" / target),
                                   "--json", "--quiet")
    assert code == 0, err
    local_runs, batches["runs"] = batches["runs"], 0
    before = finished.count
    code, dask_json, err = invoke(*args, "--scheduler", address, option, str(tmp_path / "dask" / target),
                                  "--json", "--quiet")
    assert code == 0, err
    # Every run of every batch went to the scheduler, and no more runs than locally.
    assert local_runs > 0 and batches["runs"] == local_runs and finished.count - before == local_runs
    same_place = dask_json.replace(str(tmp_path / "dask"), str(tmp_path / "local"))  # claims' command
    assert json.loads(same_place) == json.loads(local_json)
    local, dask = tables(tmp_path / "local"), tables(tmp_path / "dask")
    assert list(dask) == list(local) and any(len(table) for table in local.values())
    for name, table in local.items():
        if isinstance(table, pd.DataFrame):
            pd.testing.assert_frame_equal(dask[name], table, obj=name)
        else:
            assert dask[name] == table, name


def test_every_batch_command_refuses_scheduler_with_workers_in_one_line() -> None:
    every = {**COMMANDS, "experiment run": (["experiment", "run", "x.toml"], "", "")}
    for command, (args, _, _) in every.items():
        code, out, err = invoke(*args, "--workers", "2", "--scheduler", "tcp://127.0.0.1:1")
        assert code == 2 and out == "", command
        assert err.strip().splitlines() == [
            "Error: --workers and --scheduler cannot be combined (the cluster has its own)"
            f" (see 'simcomm {command} --help')"], command
        code, out, _ = invoke(*args[:1], *args[1:2] if command == "experiment run" else [], "--help")
        assert "--scheduler ADDRESS" in out and "Run on a Dask distributed cluster" in out, command


def test_an_unreachable_scheduler_is_one_line_and_exit_2(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    import simcomm.runs.cluster as cluster

    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", "1s")
    with socket.socket() as sock:  # a port on this machine that nothing listens on
        sock.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{sock.getsockname()[1]}"
    args, option, target = COMMANDS["compare"]
    code, out, err = invoke(*args, "--scheduler", address, option, str(tmp_path / target), "--quiet")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith(f"Error: --scheduler {address}: cannot connect (") and "Traceback" not in err
    assert not (tmp_path / target).exists()


def test_a_worker_with_another_simcomm_version_refuses_in_one_line(
        cluster: tuple[str, Any], tmp_path: Path) -> None:
    from distributed import Client

    address, _ = cluster
    patch = "import simcomm.core.version as v; v.__version__ = {!r}"
    with Client(address, set_as_default=False) as client:
        client.run(exec, patch.format("0.0.0+other"), {})
        try:
            args, option, target = COMMANDS["compare"]
            code, out, err = invoke(*args, "--scheduler", address, option, str(tmp_path / target), "--quiet")
        finally:
            client.run(exec, patch.format(__version__), {})
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"Error: --scheduler {address}: worker tcp://")
    assert f"runs simcomm 0.0.0+other, this client simcomm {__version__};" in lines[0]
    assert not (tmp_path / target).exists()  # nothing written


def test_compare_on_channels_runs_each_channel_as_a_dask_task_with_the_local_tables(
        cluster: tuple[str, Any], batches: dict[str, int], tmp_path: Path) -> None:
    """Many channels on a cluster (issue 24): compare on channel scenarios sends every channel run
    (arm x seed) to the scheduler as a task and writes the tables the local processes write."""
    address, finished = cluster
    args = ["compare", "channel-partners-alone", "channel-vendor-enters", "-r", "2", "--weeks", "12",
            "--set", "partners=150"]
    code, local_json, err = invoke(*args, "--workers", "1", "--out", str(tmp_path / "local"), "--json",
                                   "--quiet")
    assert code == 0, err
    local_runs, batches["runs"] = batches["runs"], 0
    before = finished.count
    code, dask_json, err = invoke(*args, "--scheduler", address, "--out", str(tmp_path / "dask"), "--json",
                                  "--quiet")
    assert code == 0, err
    assert local_runs == 4 and batches["runs"] == 4 and finished.count - before == 4  # 2 arms x 2 seeds
    assert json.loads(dask_json) == json.loads(local_json)
    local, dask = tables(tmp_path / "local"), tables(tmp_path / "dask")
    assert list(dask) == list(local) and any(isinstance(t, pd.DataFrame) and len(t) for t in local.values())
    for name, table in local.items():
        if isinstance(table, pd.DataFrame):
            pd.testing.assert_frame_equal(dask[name], table, obj=name)
        else:
            assert dask[name] == table, name


def test_an_experiment_on_a_dask_scheduler_gives_the_tables_of_one_process(
        cluster: tuple[str, Any], batches: dict[str, int], tmp_path: Path) -> None:
    """experiment run --scheduler: every run (design point x replicate) a task, and the runs and
    weekly tables one local process writes (the experiment of tests/test_experiments.py)."""
    from test_experiments import TINY

    from simcomm.runs.experiment_store import read_runs, read_weekly

    address, finished = cluster
    path = tmp_path / "tiny.toml"
    path.write_text(TINY, encoding="utf-8")
    code, out, err = invoke("experiment", "run", str(path), "--workers", "1", "--out", str(tmp_path / "one"),
                            "--quiet")
    assert code == 0 and "8 of 8 runs done" in out, err
    batches["runs"] = 0
    before = finished.count
    code, out, err = invoke("experiment", "run", str(path), "--scheduler", address, "--out",
                            str(tmp_path / "dask"), "--quiet")
    assert code == 0 and "8 of 8 runs done" in out and "dask" in out, err
    assert batches["runs"] == 8 and finished.count - before == 8  # 4 points x 2 seeds
    pd.testing.assert_frame_equal(read_runs(tmp_path / "dask"), read_runs(tmp_path / "one"))
    pd.testing.assert_frame_equal(read_weekly(tmp_path / "dask"), read_weekly(tmp_path / "one"))


def test_a_channel_experiment_runs_each_channel_as_a_dask_task_with_the_local_tables(
        cluster: tuple[str, Any], batches: dict[str, int], tmp_path: Path) -> None:
    """A researcher's sweep over a channel (issue 24) on a cluster: experiment run sends every
    channel run (design point x replicate) to the scheduler and writes the rows local processes write."""
    from simcomm.runs.experiment_store import read_runs

    address, finished = cluster
    path = tmp_path / "sweep.toml"
    path.write_text('scenario = "channel-vendor-sponsors"\nweeks = 12\nreplicates = 2\nseed = 3\n'
                    '[overrides]\npartners = 150\n'
                    '[factors."vendor\'s sponsorship"]\nlaunch_week = [0, 6]\n', encoding="utf-8")
    code, out, err = invoke("experiment", "run", str(path), "--workers", "1", "--out",
                            str(tmp_path / "local"), "--quiet")
    assert code == 0 and "4 of 4 runs done" in out, err
    local_runs, batches["runs"] = batches["runs"], 0
    before = finished.count
    code, out, err = invoke("experiment", "run", str(path), "--scheduler", address, "--out",
                            str(tmp_path / "dask"), "--quiet")
    assert code == 0 and "dask" in out, err
    assert local_runs == 4 and batches["runs"] == 4 and finished.count - before == 4  # 2 points x 2 seeds
    local = read_runs(tmp_path / "local")
    assert local["vendor_spend"].nunique() > 1  # the launch week matters: the rows pin each point's run
    pd.testing.assert_frame_equal(read_runs(tmp_path / "dask"), local)

"""Issue 26: Ctrl-C and SIGTERM. The message says what is on disk; SIGTERM is handled like Ctrl-C
(one line, exit status 143, staging cleaned); a Ctrl-C as the forkserver starts is not lost; a
killed parent leaves no "leaked semaphore" warnings.

Interruptions at exact moments use the test hook SIMCOMM_TEST_INTERRUPT
(simcomm.runs.interruption.interrupt_point), not sleeps."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import pool_processes
from forked_process import run_forked

from simcomm.runs.output_set import read_output_set
from simcomm.ui.cli import main

TINY = ["--weeks", "4", "--set", "partners=150"]
LONG_POOL = ["compare", "organic", "vendor-imposed", "-r", "4", "-w", "2", "--weeks", "5200",
             "--set", "partners=3000", "-q"]
RUN_FILES = {"timeseries.parquet", "timeseries.csv", "members.parquet", "members.csv", "summary.json",
             "members.png", "activity.png", "retention.png"}
PROGRAM = "import sys\nfrom simcomm.ui.entry import main\nsys.argv[0] = 'simcomm'\nmain()\n"
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forkserver, prctl, signals")


def one_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def marked_env(interrupt: str = "") -> tuple[dict[str, str], str]:
    """The environment of a command under test: the interruption point, and a marker every
    process it starts inherits (to find them afterwards)."""
    mark = uuid.uuid4().hex
    return {**os.environ, "SIMCOMM_TEST_INTERRUPT": interrupt, "SIMCOMM_TEST_MARK": mark}, mark


def processes_marked(mark: str) -> list:
    import psutil

    found = []
    for p in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            if p.environ().get("SIMCOMM_TEST_MARK") == mark:
                found.append(p)
    return found


def assert_none_left(mark: str) -> None:
    import psutil

    _, alive = psutil.wait_procs(processes_marked(mark), timeout=30)
    assert alive == [], f"outlived the command: {alive}"


def simcomm(*args: str, interrupt: str = "") -> tuple[subprocess.CompletedProcess[str], str]:
    """Run the installed program's entry point in its own session (so a signal to its process
    group, as a terminal sends, reaches only it); return the outcome and its marker."""
    env, mark = marked_env(interrupt)
    done = run_forked(PROGRAM, *args, env=env, start_new_session=True)  # forked warm: tests/forked_process.py
    return done, mark


def test_ctrl_c_right_after_the_output_is_written_says_it_is_there(tmp_path: Path) -> None:
    """It said "Interrupted: nothing was written" although --out held the new set (8 of 8)."""
    out = tmp_path / "out"
    done, _ = simcomm("run", "organic", *TINY, "--out", str(out), interrupt="after-publish")
    line = one_line(done.stderr)
    assert done.returncode == 130
    assert line == (f"Interrupted: {out} was written completely before the interruption (the new "
                    "output); nothing else was written.")
    assert set(read_output_set(out)["files"]) == RUN_FILES


def test_ctrl_c_after_validate_wrote_out_but_not_the_page_names_what_is_there(tmp_path: Path) -> None:
    out, page = tmp_path / "v", tmp_path / "docs" / "validation.md"
    code = ("import sys\nfrom simcomm.analysis import validation\n"
            "validation.FACTS = tuple(f for f in validation.FACTS if f.key == 'dead_young')\n"
            "validation.STORY = ()  # the departures section is not what is tested\n" + PROGRAM)
    env, _ = marked_env("after-publish")  # the first set published is --out: interrupted there
    done = run_forked(code, "validate", "-r", "2", "-w", "1", "-q", "--out", str(out), "--report", str(page),
                      env=env, start_new_session=True)
    assert done.returncode == 130
    assert one_line(done.stderr).startswith(f"Interrupted: {out} was written completely")
    assert not page.exists() and not (tmp_path / "docs" / "validation").exists()


@pytest.mark.parametrize(("point", "status", "word"), [("before-publish:TERM", 143, "Terminated"),
                                                       ("before-publish", 130, "Interrupted")])
def test_sigterm_is_handled_like_ctrl_c(tmp_path: Path, point: str, status: int, word: str) -> None:
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["run", "organic", *TINY, "--out", str(out)])
    assert res.exit_code == 0, res.stderr
    (out / "notes.txt").write_text("mine")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    done, _ = simcomm("run", "organic", *TINY, "--seed", "1", "--out", str(out), interrupt=point)
    assert done.returncode == status and one_line(done.stderr) == f"{word}: nothing was written."
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no staging folder left


def start_long_pool(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[str], str]:
    """Start a long compare with two workers and wait until its forkserver and workers are up."""
    env, mark = marked_env()
    parent = subprocess.Popen([sys.executable, "-c", PROGRAM, *LONG_POOL, *extra], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    assert len(pool_processes(parent)) >= 3, "the pool did not start"
    return parent, mark


@linux_only
def test_sigterm_during_a_pool_is_one_line_and_leaves_nothing(tmp_path: Path) -> None:
    """SIGTERM to the parent only (a service manager): it behaved like SIGKILL (status -15, no
    message, staging left)."""
    out = tmp_path / "new" / "out"
    parent, mark = start_long_pool(tmp_path, "--out", str(out))
    try:
        parent.send_signal(signal.SIGTERM)
        _, err = parent.communicate(timeout=120)
    finally:
        parent.kill()
    assert parent.returncode == 143, err
    assert one_line(err) == "Terminated: nothing was written."
    assert list(tmp_path.iterdir()) == []
    assert_none_left(mark)


# The pool's own thread is created, then started, inside its first submit; the program below sends
# SIGTERM between the two (CPython's concurrent.futures, 3.9 onwards). After the start is the test
# above's moment.
SIGNAL_IN_SUBMIT = """import os, signal
from concurrent.futures import process
start = process._ExecutorManagerThread.start
def signalled_start(self):
    os.kill(os.getpid(), signal.SIGTERM)
    start(self)
process._ExecutorManagerThread.start = signalled_start
""" + PROGRAM


@linux_only
def test_sigterm_while_the_pool_starts_its_thread_is_one_line(tmp_path: Path) -> None:
    """A SIGTERM between creating the pool's thread and starting it (CI, Python 3.12, once) ended
    the command with status 1 and a traceback: "cannot join thread before it is started"."""
    env, mark = marked_env()
    done = run_forked(SIGNAL_IN_SUBMIT, *LONG_POOL, "--out", str(tmp_path / "out"), env=env,
                      start_new_session=True)
    assert done.returncode == 143, done.stderr
    assert one_line(done.stderr) == "Terminated: nothing was written."
    assert list(tmp_path.iterdir()) == []
    assert_none_left(mark)


@linux_only
def test_a_killed_parent_leaves_no_leaked_semaphore_warnings(tmp_path: Path) -> None:
    """After SIGKILL, multiprocessing's resource tracker printed "There appear to be N leaked
    semaphore objects to clean up at shutdown" on the terminal (21 trials)."""
    parent, mark = start_long_pool(tmp_path)
    try:
        parent.kill()
        _, err = parent.communicate(timeout=120)  # until every process holding stderr has ended
    finally:
        parent.kill()
    assert_none_left(mark)
    assert "leaked" not in err and "resource_tracker" not in err, err


@linux_only
def test_ctrl_c_as_the_forkserver_starts_is_not_lost(tmp_path: Path) -> None:
    """A Ctrl-C (to the whole process group, as a terminal sends it) while the forkserver
    starts was ignored: the compare ran on, wrote and exited 0 (1 of 6)."""
    out = tmp_path / "out"
    done, mark = simcomm("compare", "organic", "-r", "2", "-w", "2", *TINY, "--out", str(out),
                         interrupt="forkserver-start:INT@group")
    assert done.returncode == 130, done.stderr
    assert one_line(done.stderr) == "Interrupted: nothing was written."
    assert not out.exists()
    assert_none_left(mark)

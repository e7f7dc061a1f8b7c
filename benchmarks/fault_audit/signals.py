"""Category signals (SAID): what a Ctrl-C or SIGTERM says and leaves (issue 26).

Moments that a delay cannot hit reliably are reached with simcomm's test hook
(``SIMCOMM_TEST_INTERRUPT``, see simcomm/runs/interruption.py): the program signals itself there."""


import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import psutil

from fault_audit.checks import PROGRAM_HOOK, Check, Verdict, one_line_problems, whole_set
from fault_audit.common import TINY, Ran, end_marked, marked, snapshot
from fault_audit.state import Audit

RUN = ["run", "organic", *TINY, "-q"]
POOL = ["compare", "organic", "vendor-imposed", "-r", "4", "-w", "2", "--weeks", "5200", "--set",
        "partners=3000", "-q"]


def after_publish(audit: Audit, where: Path) -> Verdict:
    """Ctrl-C right after the new set is in place: the message says it is there (it said
    "nothing was written")."""
    verdict = Verdict(args=[*RUN, "--out", "out"])
    verdict.ran = audit.run(verdict.args, where, env={PROGRAM_HOOK: "after-publish"})
    verdict.problems += one_line_problems(verdict.ran, 130, "out was written completely")
    if whole_set(where / "out")[0] is None:
        verdict.problems.append("--out does not hold the whole new set")
    return verdict


def sigterm_before_publish(audit: Audit, where: Path) -> Verdict:
    """SIGTERM just before the set is published: one line, exit status 143, the folder as it was."""
    first = audit.run([*RUN, "--out", "out"], where)
    (where / "out" / "notes.txt").write_text("mine")
    before = snapshot(where)
    verdict = Verdict(args=[*RUN, "--seed", "1", "--out", "out"])
    verdict.ran = audit.run(verdict.args, where, env={PROGRAM_HOOK: "before-publish:TERM"})
    verdict.problems += one_line_problems(verdict.ran, 143, "Terminated: nothing was written")
    if first.code != 0 or snapshot(where) != before:
        verdict.problems.append("the folder changed (a staging folder left?)")
    return verdict


def _pool(audit: Audit, where: Path, args: list[str]) -> tuple[subprocess.Popen[str], str]:
    proc, mark = audit.runner.start(args, where, stdout=subprocess.DEVNULL)
    me = psutil.Process(proc.pid)
    for _ in range(1200):  # until the forkserver and both workers are up
        with contextlib.suppress(psutil.Error):
            if len(me.children(recursive=True)) >= 4 or proc.poll() is not None:
                break
        time.sleep(0.1)
    return proc, mark


def sigterm_pool(audit: Audit, where: Path) -> Verdict:
    """SIGTERM to the parent of a running pool (a service manager): one line, 143, no process
    left, no staging left (it ended as SIGKILL does: -15, silent, staging left)."""
    verdict = Verdict(args=[*POOL, "--out", "new/out"])
    proc, mark = _pool(audit, where, verdict.args)
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        _, err = proc.communicate()
        verdict.problems.append("did not end within 120 s of SIGTERM")
    verdict.ran = Ran(proc.returncode, "", err, time.monotonic() - started)
    verdict.problems += one_line_problems(verdict.ran, 143, "Terminated: nothing was written")
    time.sleep(6)
    left = end_marked(mark)
    if left:
        verdict.problems.append(f"{len(left)} processes left: {left[0]}")
    if any(where.iterdir()):
        verdict.problems.append(f"left {sorted(p.name for p in where.iterdir())}")
    return verdict


def killed_pool(audit: Audit, where: Path) -> Verdict:
    """SIGKILL of the parent of a running pool: no "leaked semaphore" warnings from
    multiprocessing's resource tracker (21 trials printed them)."""
    verdict = Verdict(args=POOL)
    proc, mark = _pool(audit, where, verdict.args)
    started = time.monotonic()
    proc.kill()
    proc.wait()  # reaped, as a shell does
    try:
        _, err = proc.communicate(timeout=120)  # until every process holding stderr has ended
    except subprocess.TimeoutExpired:
        err = ""
        verdict.problems.append("stderr still open 120 s after the kill")
    verdict.ran = Ran(proc.returncode, "", err, time.monotonic() - started)
    if "leaked" in err or "resource_tracker" in err:
        verdict.problems.append("the resource tracker warned: " + err.strip().splitlines()[-1][:200])
    left = marked(mark)
    if left:
        end_marked(mark)
        verdict.problems.append(f"{len(left)} processes outlived it")
    return verdict


def forkserver_start(audit: Audit, where: Path) -> Verdict:
    """A Ctrl-C to the process group while the forkserver starts (it was ignored: the compare
    ran on, wrote and exited 0)."""
    verdict = Verdict(args=["compare", "organic", "-r", "2", "-w", "2", *TINY, "-q", "--out", "out"])
    verdict.ran = audit.run(verdict.args, where, env={PROGRAM_HOOK: "forkserver-start:INT@group"})
    verdict.problems += one_line_problems(verdict.ran, 130, "Interrupted: nothing was written")
    if any(where.iterdir()):
        verdict.problems.append("it wrote something")
    return verdict


def signals_cases(quick: bool) -> list[Check]:
    """The signals checks."""
    cases = [Check("signals", "Ctrl-C right after the new set is in place", after_publish, quick=True),
             Check("signals", "SIGTERM just before publishing", sigterm_before_publish),
             Check("signals", "SIGTERM to a pool's parent", sigterm_pool, quick=True),
             Check("signals", "SIGKILL of a pool's parent: no leaked-semaphore warnings", killed_pool),
             Check("signals", "Ctrl-C as the forkserver starts", forkserver_start, quick=True)]
    return [c for c in cases if c.quick] if quick else cases

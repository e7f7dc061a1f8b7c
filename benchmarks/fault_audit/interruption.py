"""Category 2, interruptions (SAFE): Ctrl-C, SIGTERM and SIGKILL after a delay, and the dashboard."""


import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from fault_audit.common import (
    GRACE_SECONDS,
    Outcome,
    Ran,
    difference,
    end_marked,
    experiment_problems,
    is_leftover,
    marked,
    outcome,
    snapshot,
    stderr_lines,
)
from fault_audit.resume import resume
from fault_audit.state import WORKLOADS, Audit, prepare_workload


# ---- 2. interruptions ----------------------------------------------------------------------------
@dataclass
class Interrupt:
    """Send ``sig`` ``delay`` seconds after starting workload ``workload`` (Ctrl-C goes to the
    process group, as a terminal sends it; SIGTERM and SIGKILL to the parent only). With
    ``previous``, an earlier complete output (of another seed) and an unrelated file are in --out."""

    name: str
    workload: str
    sig: signal.Signals
    delay: float
    previous: bool = False
    quick: bool = False
    fraction: float = 0.0  # when set, the delay is this share of an uninterrupted run's duration


class Stream(threading.Thread):
    """Reads a text stream line by line in the background, noting when each line arrived."""

    def __init__(self, stream: Any) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.lines: list[tuple[float, str]] = []

    def run(self) -> None:
        for line in iter(self.stream.readline, ""):
            self.lines.append((time.monotonic(), line))

    def text(self) -> str:
        """Return everything read so far."""
        return "".join(line for _, line in self.lines)

    def after(self, moment: float) -> list[str]:
        """Return the non-empty lines read after ``moment`` (time.monotonic)."""
        return stderr_lines("".join(line for t, line in self.lines if t >= moment))


def interruption_cases(quick: bool) -> list[Interrupt]:
    """Ctrl-C and SIGTERM for run --out, compare -w 2 --out, experiment run -w 2 and validate
    -r 2 --out, at fixed delays (start-up, imports, the first runs) and at half and 80% of an
    uninterrupted run's duration (the runs, the writing); Ctrl-C at 1 s and half a run and
    SIGTERM at half a run for discover and explain --against (-w 2 --out); SIGKILL of compare
    and experiment run; the dashboard (before and after its server answers)."""
    cases = []
    delays: tuple[tuple[float, float], ...] = ((0.05, 0), (0.3, 0), (1.0, 0), (3.0, 0), (0, 0.5), (0, 0.8))
    for workload in ("run", "compare", "experiment", "validate"):
        for sig in (signal.SIGINT, signal.SIGTERM):
            for i, (delay, fraction) in enumerate(delays):
                previous = workload in ("run", "compare") and i % 2 == 1
                when = f"{delay:g} s" if not fraction else f"{fraction:.0%} of a run"
                cases.append(Interrupt(f"{workload} {sig.name} at {when}" + (" over a previous output"
                                                                             if previous else ""),
                                       workload, sig, delay, previous, fraction=fraction,
                                       quick=fraction == 0.5 and workload in ("run", "compare",
                                                                              "experiment")))
    for workload in ("discover", "explain-against"):  # issue 23's commands
        for sig, delay, fraction in ((signal.SIGINT, 1.0, 0), (signal.SIGINT, 0, 0.5),
                                     (signal.SIGTERM, 0, 0.5)):
            when = f"{delay:g} s" if not fraction else f"{fraction:.0%} of a run"
            cases.append(Interrupt(f"{workload} {sig.name} at {when}", workload, sig, delay,
                                   fraction=fraction, quick=fraction == 0.5 and sig == signal.SIGINT))
    for workload in ("compare", "experiment"):
        for delay, fraction in ((1.0, 0), (0, 0.5), (0, 0.8)):
            when = f"{delay:g} s" if not fraction else f"{fraction:.0%} of a run"
            cases.append(Interrupt(f"{workload} SIGKILL at {when}", workload, signal.SIGKILL, delay,
                                   fraction=fraction, quick=fraction == 0.5))
    for sig, delay in ((signal.SIGINT, 0.3), (signal.SIGINT, -1.0), (signal.SIGTERM, -1.0),
                       (signal.SIGKILL, -1.0), (signal.SIGKILL, 0.3)):
        when = "once it serves" if delay < 0 else f"{delay:g} s after printing its address"
        cases.append(Interrupt(f"dashboard {sig.name} {when}", "dashboard", sig, delay,
                               quick=sig == signal.SIGKILL and delay < 0))
    return [c for c in cases if c.quick] if quick else cases


def listening(port: int) -> bool:
    """Return True when something accepts connections on localhost:``port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def expected_complete(before: Mapping[str, str], out: str, reference: Path) -> dict[str, str]:
    """Return the snapshot of the case folder after a complete run writing ``reference``'s files
    to ``out`` (files already in --out and not rewritten stay, as the staging swap keeps them)."""
    expected = dict(before)
    parts = Path(out).parts
    for i in range(1, len(parts) + 1):
        expected[str(Path(*parts[:i]))] = "<dir>"
    for rel, digest in snapshot(reference).items():
        expected[str(Path(out) / rel)] = digest
    return expected


def run_interrupt(audit: Audit, case: Interrupt) -> list[Outcome]:
    """Run an interruption case and judge it; an experiment's case is followed by a resume."""
    if case.workload == "dashboard":
        return [run_dashboard(audit, case)]
    where = audit.case_dir("interruption", case.name)
    prepare_workload(case.workload, where)
    out = "out" if case.previous else "new/deeper/out"
    if case.workload == "experiment":
        out = "res"
    args = [*WORKLOADS[case.workload], "--out", out]
    if case.previous:
        shutil.copytree(audit.reference(f"{case.workload}-previous"), where / out)
        (where / out / "notes.txt").write_text("mine, not simcomm's")
    reference = audit.reference(case.workload) if case.workload != "experiment" else None
    delay = case.fraction * audit.duration(case.workload) if case.fraction else case.delay
    before = snapshot(where)
    started = time.monotonic()
    proc, marker = audit.runner.start(args, where, stdout=subprocess.DEVNULL)
    assert proc.stderr is not None
    err = Stream(proc.stderr)
    err.start()
    most = 0
    while time.monotonic() - started < delay and proc.poll() is None:
        with contextlib.suppress(psutil.Error):
            most = max(most, len(psutil.Process(proc.pid).children(recursive=True)))
        time.sleep(0.02)
    sent = time.monotonic()
    finished_first = proc.poll() is not None
    if not finished_first:
        with contextlib.suppress(ProcessLookupError):
            if case.sig == signal.SIGINT:
                os.killpg(proc.pid, case.sig)
            else:
                os.kill(proc.pid, case.sig)
    problems: list[str] = []
    try:
        code = proc.wait(timeout=180)
    except subprocess.TimeoutExpired:
        problems.append("did not end within 180 s of the signal")
        os.killpg(proc.pid, signal.SIGKILL)
        code = proc.wait()
    ended = time.monotonic()
    err.join(timeout=10)
    survivors = wait_gone(marker, GRACE_SECONDS)
    if survivors:
        problems.append(f"{len(survivors)} processes alive {GRACE_SECONDS:g} s after the parent ended: "
                        + "; ".join(survivors[:3]))
    ran = Ran(code, "", err.text(), ended - started)
    signal_said, signal_notes = signal_problems(case.sig, code, err, sent, finished_first)
    problems += signal_said
    notes = [f"signal at {sent - started:.2f} s with {most} child processes seen"
             + (" (the command had already ended)" if finished_first else "")]
    notes += signal_notes + startup_note(err.text()) + stderr_note(case.sig, err, sent)
    after = snapshot(where)
    outcomes = []
    if case.workload == "experiment":
        exp_problems, saved = experiment_problems(where / out, strict=case.sig == signal.SIGINT)
        problems += exp_problems
        said = re.search(r"Interrupted: (\d+) of \d+ runs are saved", err.text())
        if said and int(said.group(1)) > saved:
            problems.append(f"says {said.group(1)} runs are saved, {saved} are")
        if not (where / out).exists() and difference(before, after):
            problems.append(f"created outside --out: {difference(before, after)}")
        notes.append(f"{saved} runs saved")
        outcomes.append(outcome("interruption", case.name, args, problems, ran, notes))
        outcomes.append(resume(audit, where, args, out, f"after {case.name}"))
        return outcomes
    clean_after = {k: v for k, v in after.items() if not is_leftover(k)}
    leftovers = sorted(k for k in after if is_leftover(k) and not is_leftover(str(Path(k).parent)))
    complete = reference is not None and clean_after == expected_complete(before, out, reference)
    if clean_after != before and not complete:
        tolerated = case.sig != signal.SIGINT and all(
            after.get(k) == "<dir>" and k not in before for k in set(clean_after) - set(before)) and all(
            before[k] == clean_after.get(k) for k in before)
        if tolerated:
            notes.append(f"empty folders left above --out: {difference(before, clean_after)}")
        else:
            problems.append(f"outputs half-written or changed: {difference(before, clean_after)}")
    if leftovers:
        if case.sig == signal.SIGINT:
            problems.append(f"left {', '.join(leftovers[:3])}")
        else:
            again = audit.run(args, where, timeout=600)
            remaining = sorted(k for k in snapshot(where) if is_leftover(k))
            notes.append(f"left {len(leftovers)} staging entries; the next run exited {again.code}")
            if remaining:
                problems.append(f"staging left after the next run: {', '.join(remaining[:3])}")
    outcomes.append(outcome("interruption", case.name, args, problems, ran, notes))
    return outcomes


def wait_gone(marker: str, grace: float) -> list[str]:
    """Wait up to ``grace`` seconds for the processes carrying ``marker`` to end; kill and return
    a description of those still alive."""
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not marked(marker):
            return []
        time.sleep(0.2)
    return end_marked(marker)


def signal_problems(sig: signal.Signals, code: int, err: Stream, sent: float, finished_first: bool,
                    stops: bool = False) -> tuple[list[str], list[str]]:
    """Return (problems, notes) about the stderr and exit status of an interrupted command. A
    traceback, or more than one line on stderr after a Ctrl-C, is a problem. The exit status is
    noted when it is not the expected one (130 for Ctrl-C, 0 too for ``stops``: a server stopped
    as documented; -15 or 143 for SIGTERM; -9 for SIGKILL), since a signal landing in Python's
    own shutdown ends the process by the default action (e.g. -2), which no program can change."""
    problems: list[str] = []
    notes: list[str] = []
    text = err.text()
    if "Traceback" in text or "Fatal Python error" in text:
        tail = [ln for ln in text.splitlines() if ln.strip()][-1:]
        problems.append(f"traceback ({tail[0][:120] if tail else ''})")
    said = err.after(sent)
    if sig == signal.SIGINT and len(said) > 1:
        problems.append(f"{len(said)} lines on stderr after the signal")
    allowed = {signal.SIGINT: {130}, signal.SIGTERM: {-15, 143, 130}, signal.SIGKILL: {-9}}[sig]
    if stops and sig != signal.SIGKILL:
        allowed = allowed | {0}
    if code not in allowed and not (code == 0 and finished_first):
        notes.append(f"exit status {code} (expected {' or '.join(map(str, sorted(allowed)))})"
                     + (": it finished as if not interrupted" if code == 0 else ""))
    return problems, notes


def run_dashboard(audit: Audit, case: Interrupt) -> Outcome:
    """Start the dashboard on a free port, signal it (after it prints its address, or once its
    server answers), and check that it and its server are gone and the port is free."""
    where = audit.case_dir("interruption", case.name)
    args = ["dashboard", "organic", "--compare", "none", "--port", "0"]
    started = time.monotonic()
    proc, marker = audit.runner.start(args, where)
    assert proc.stdout is not None and proc.stderr is not None
    out, err = Stream(proc.stdout), Stream(proc.stderr)
    out.start()
    err.start()
    problems: list[str] = []
    port = None
    while time.monotonic() - started < 120 and proc.poll() is None and port is None:
        found = re.search(r"http://[^:/]+:(\d+)/", out.text())
        port = int(found.group(1)) if found else None
        time.sleep(0.05)
    if port is None:
        problems.append("no address printed within 120 s")
    elif case.delay >= 0:
        time.sleep(case.delay)
    else:
        while time.monotonic() - started < 180 and proc.poll() is None and not listening(port):
            time.sleep(0.2)
        if not listening(port):
            problems.append(f"the server did not answer on port {port} within 180 s")
    most = len(marked(marker))
    sent = time.monotonic()
    finished_first = proc.poll() is not None
    with contextlib.suppress(ProcessLookupError):
        if case.sig == signal.SIGINT:
            os.killpg(proc.pid, case.sig)
        else:
            os.kill(proc.pid, case.sig)
    try:
        code = proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        problems.append("did not end within 60 s of the signal")
        os.killpg(proc.pid, signal.SIGKILL)
        code = proc.wait()
    err.join(timeout=5)
    survivors = wait_gone(marker, GRACE_SECONDS)
    if survivors:
        problems.append(f"{len(survivors)} processes alive {GRACE_SECONDS:g} s after the parent ended: "
                        + "; ".join(survivors[:3]))
    if port is not None and listening(port):
        problems.append(f"port {port} still answers")
    signal_said, signal_notes = signal_problems(case.sig, code, err, sent, finished_first, stops=True)
    ran = Ran(code, out.text(), err.text(), time.monotonic() - started)
    return outcome("interruption", case.name, args, problems + signal_said, ran,
                   [f"{most} processes at the signal, {sent - started:.1f} s after start",
                    *signal_notes, *stderr_note(case.sig, err, sent)])


def startup_note(text: str) -> list[str]:
    """Return a note when a traceback shows the signal landed in Python's own start-up (site,
    .pth files) or in the console script's first import, before any handler can be installed."""
    frames = [ln for ln in text.splitlines() if ln.strip().startswith("File ")]
    in_script = bool(frames) and all("/bin/simcomm" in f or "<frozen" in f for f in frames)
    if "<frozen site>" in text or "init_import_site" in text or ("Traceback" in text and in_script):
        return ["interrupted in Python's start-up (site, .pth files or the console script's first import), "
                "before simcomm can install a handler"]
    return []


def stderr_note(sig: signal.Signals, err: Stream, sent: float) -> list[str]:
    """Return a note with what a SIGTERM or SIGKILL left on stderr (not judged: no handler runs)."""
    said = err.after(sent)
    if sig == signal.SIGINT or not said:
        return []
    return [f"stderr after {sig.name}: {' | '.join(ln.strip() for ln in said[:2])[:200]}"]

"""Fault audit of the ``simcomm`` command line (issue 16): bad input, interruptions, a full disk,
resuming a sweep, and determinism.

Usage::

    .venv/bin/python benchmarks/audit.py                      # the full audit (~15 min on 2 cores)
    .venv/bin/python benchmarks/audit.py --quick              # a subset (~2 minutes)
    .venv/bin/python benchmarks/audit.py --category bad-input --category disk-full
    .venv/bin/python benchmarks/audit.py --match vary         # cases whose name contains 'vary'
    .venv/bin/python benchmarks/audit.py --list               # list the cases, run nothing
    .venv/bin/python benchmarks/audit.py --json audit.json    # also save every outcome as JSON

Every case runs the installed ``simcomm`` program (the one beside this Python, else the one on
PATH) in a subprocess, in a temporary directory of its own, and judges what it did:

- bad-input (HANDLED): exit status 2, exactly one non-empty line on stderr that names the field
  (option, parameter, file or field of a file), no "Traceback" anywhere, and the directory
  exactly as before (nothing created, changed or removed; compared file by file).
- interruption (SAFE): Ctrl-C (SIGINT to the process group, as a terminal sends it), SIGTERM or
  SIGKILL (to the parent only) after a delay; no traceback, at most one line on stderr after a
  Ctrl-C, no process started by the command alive 6 s after the parent ended (found by an
  environment marker, so re-parented workers and servers count), the outputs either as they
  were or complete (equal to an uninterrupted run's), nothing created above --out by a Ctrl-C,
  and no staging folder left once the same command has run again. The exit status is noted
  (130 expected after Ctrl-C), not judged: a signal landing in Python's own shutdown ends the
  process by the default action.
- disk-full (CLEAN): the command's files cannot grow (RLIMIT_FSIZE, as tests/test_faults.py does:
  writes fail with EFBIG) or it writes to a tiny tmpfs that is full (ENOSPC; needs root);
  exit status 2, one line, no traceback, the previous outputs byte for byte as they were.
- resume (SAFE): an interrupted or disk-full ``experiment run`` leaves consistent results (every
  part readable, no weekly rows of unrecorded runs, the manifest never counting more runs than
  saved), and running the same command again completes them, equal to an uninterrupted sweep.
- determinism (IDENTICAL): the same command twice, or with --workers 1 and 2, writes identical
  files (JSON compared without timestamps; experiment tables compared as tables).

Prints a table (category, tried, passed) and every failing case with its command, exit status
and first lines of stderr. Exit status 0 when every case passed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import dataclasses
import datetime as dt
import fcntl
import hashlib
import itertools
import json
import os
import re
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parent.parent
CATEGORIES: tuple[str, ...] = ("bad-input", "interruption", "disk-full", "resume", "determinism")
CRITERIA: dict[str, str] = {
    "bad-input": "handled",
    "interruption": "safe",
    "disk-full": "clean",
    "resume": "safe",
    "determinism": "identical",
}
MARKER = "SIMCOMM_AUDIT_MARKER"
GRACE_SECONDS = 6.0  # processes of a command must be gone this long after its parent ended
TINY: tuple[str, ...] = ("--weeks", "5", "--set", "partners=200")
Setup = Callable[[Path], None]


# ---- running the program -----------------------------------------------------------------------
def find_simcomm() -> Path:
    """Return the ``simcomm`` program beside this Python, else the one on PATH."""
    beside = Path(sys.executable).with_name("simcomm")
    if beside.exists():
        return beside
    found = shutil.which("simcomm")
    if found is None:
        sys.exit("audit: no 'simcomm' program beside this Python or on PATH; install simcomm first")
    return Path(found)


@dataclass
class Ran:
    """What one command did: exit status (None when it was killed for running too long), its
    output, the seconds it took, and whether it timed out."""

    code: int | None
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False


class Runner:
    """Runs the program in subprocesses with a marker in their environment, so that every process
    a command starts (workers, forkservers, servers) can be found, and ended, afterwards."""

    def __init__(self, simcomm: Path, scratch: Path) -> None:
        self.simcomm = simcomm
        self.env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPROFILEIMPORTTIME", MARKER)}
        (scratch / "tmp").mkdir(parents=True, exist_ok=True)
        self.env.update({"TMPDIR": str(scratch / "tmp"), "PYTHONDONTWRITEBYTECODE": "1"})

    def command(self, args: Sequence[str], fsize: int | None = None) -> list[str]:
        """Return the argument vector running ``simcomm ARGS`` (under an RLIMIT_FSIZE of ``fsize``
        bytes when given, set by a small Python that then execs the program)."""
        if fsize is None:
            return [str(self.simcomm), *args]
        limit = ("import os, resource, sys; "
                 f"resource.setrlimit(resource.RLIMIT_FSIZE, ({fsize}, {fsize})); "
                 "os.execv(sys.argv[1], sys.argv[1:])")
        return [sys.executable, "-c", limit, str(self.simcomm), *args]

    def start(self, args: Sequence[str], cwd: Path, fsize: int | None = None,
              stdout: Any = subprocess.PIPE) -> tuple[subprocess.Popen[str], str]:
        """Start ``simcomm ARGS`` in ``cwd`` in a new session; return the process and its marker."""
        marker = uuid.uuid4().hex
        proc = subprocess.Popen(self.command(args, fsize), cwd=cwd, stdin=subprocess.DEVNULL, stdout=stdout,
                                stderr=subprocess.PIPE, text=True, errors="replace",
                                env={**self.env, MARKER: marker}, start_new_session=True)
        return proc, marker

    def run(self, args: Sequence[str], cwd: Path, timeout: float = 180.0, fsize: int | None = None) -> Ran:
        """Run ``simcomm ARGS`` in ``cwd`` to the end (killed after ``timeout`` s); return a Ran.
        Any process it leaves behind is ended."""
        started = time.monotonic()
        proc, marker = self.start(args, cwd, fsize)
        timed_out = False
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
        finally:
            end_marked(marker)
        return Ran(None if timed_out else proc.returncode, out or "", err or "",
                   time.monotonic() - started, timed_out)


def marked(marker: str) -> list[psutil.Process]:
    """Return the live processes whose environment carries ``marker`` (a command's processes)."""
    found = []
    for proc in psutil.process_iter():
        with contextlib.suppress(psutil.Error, OSError):
            if proc.environ().get(MARKER) == marker and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
    return found


def end_marked(marker: str) -> list[str]:
    """Kill the processes carrying ``marker`` (only ours); return a description of each."""
    gone = []
    for proc in marked(marker):
        with contextlib.suppress(psutil.Error):
            gone.append(describe(proc))
            proc.kill()
    return gone


def describe(proc: psutil.Process) -> str:
    """Return 'PID NAME: command line' of a process (shortened)."""
    try:
        cmd = " ".join(proc.cmdline())
    except psutil.Error:
        cmd = "?"
    return f"{proc.pid} {cmd[:140]}"


def stderr_lines(text: str) -> list[str]:
    """Return the non-empty lines of ``text``, without progress-bar fragments (tqdm's 'NN%|...|')."""
    bar = re.compile(r"^\S*.*\d+%\|.*\|")
    return [ln for ln in text.replace("\r", "\n").splitlines() if ln.strip() and not bar.match(ln)]


def quote(args: Sequence[str]) -> str:
    """Return ``simcomm ARGS`` as a shell command line."""
    return "simcomm " + " ".join(shlex.quote(a) for a in args)


def core_broken(ran: Ran) -> bool:
    """Return True when the program failed at import (an engineer mid-edit in simcomm/core)."""
    return "Traceback" in ran.stderr and bool(re.search(
        r"(ImportError|ModuleNotFoundError|NameError|SyntaxError|IndentationError)", ran.stderr))


# ---- comparing directories -----------------------------------------------------------------------
def snapshot(root: Path, skip: Callable[[str], bool] = lambda rel: False) -> dict[str, str]:
    """Return relative path -> what is there (a file's SHA-256, '<dir>', '-> target' for a link,
    '<fifo>' and the like) for everything under ``root``, hidden entries included; FIFOs and
    devices are not opened. Paths for which ``skip`` is true are left out."""
    found: dict[str, str] = {}
    if not root.exists():
        return found
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            path = Path(dirpath) / name
            rel = str(path.relative_to(root))
            if skip(rel):
                continue
            try:
                info = os.lstat(path)
            except OSError:
                continue
            if stat.S_ISLNK(info.st_mode):
                found[rel] = "-> " + os.readlink(path)
            elif stat.S_ISDIR(info.st_mode):
                found[rel] = "<dir>"
            elif stat.S_ISREG(info.st_mode):
                try:
                    found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
                except OSError as exc:
                    found[rel] = f"<unreadable {exc.errno}>"
            else:
                found[rel] = f"<special {stat.S_IFMT(info.st_mode):o}>"
    return found


def difference(before: Mapping[str, str], after: Mapping[str, str], limit: int = 4) -> str:
    """Return a short description of how ``after`` differs from ``before`` ('' when equal)."""
    new = sorted(set(after) - set(before))
    gone = sorted(set(before) - set(after))
    changed = sorted(k for k in set(before) & set(after) if before[k] != after[k])
    parts = []
    for what, paths in (("new", new), ("removed", gone), ("changed", changed)):
        if paths:
            shown = ", ".join(paths[:limit]) + (f" (+{len(paths) - limit})" if len(paths) > limit else "")
            parts.append(f"{what}: {shown}")
    return "; ".join(parts)


def is_leftover(rel: str) -> bool:
    """Return True for a staging folder or temporary file of an interrupted write (or inside one)."""
    return any((part.startswith(".") and part.endswith(".staging")) or part.endswith(".tmp")
               for part in Path(rel).parts)


VOLATILE_KEYS = re.compile(r"^(start|end|started|ended|seconds|elapsed|created|date|time|timestamp|"
                           r"generated|written|experiment_file|.*_seconds|.*_time|.*_at|.*_date)$")


def without_times(obj: Any, dropped: set[str]) -> Any:
    """Return the JSON value ``obj`` without keys naming a time, a date or a duration (collected
    in ``dropped``), recursively."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if VOLATILE_KEYS.match(str(k)):
                dropped.add(str(k))
            else:
                out[k] = without_times(v, dropped)
        return out
    if isinstance(obj, list):
        return [without_times(v, dropped) for v in obj]
    return obj


def same_outputs(a: Path, b: Path) -> tuple[list[str], list[str]]:
    """Compare two output folders file by file; return (problems, notes). A JSON file that
    differs only in timestamps is a note, not a problem."""
    sa, sb = snapshot(a), snapshot(b)
    problems: list[str] = []
    notes: list[str] = []
    if not sa:
        problems.append(f"{a.name}: nothing written")
    if set(sa) != set(sb):
        problems.append(f"different files: {difference(sa, sb)}")
    for rel in sorted(set(sa) & set(sb)):
        if sa[rel] == sb[rel]:
            continue
        if rel.endswith(".json"):
            dropped: set[str] = set()
            ja = without_times(json.loads((a / rel).read_text()), dropped)
            jb = without_times(json.loads((b / rel).read_text()), dropped)
            if ja == jb:
                notes.append(f"{rel} differs only in {', '.join(sorted(dropped))}")
                continue
        problems.append(f"{rel} differs")
    return problems, notes


def read_parts(directory: Path, keys: Sequence[str]) -> pd.DataFrame | None:
    """Return the Parquet parts of an experiment folder (runs/ or weekly/) concatenated and
    sorted by ``keys``, or None when there are none; raises on a part that cannot be read."""
    parts = sorted(directory.glob("part-*.parquet"))
    if not parts:
        return None
    frame = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    return frame.sort_values(list(keys), kind="stable").reset_index(drop=True)


def experiment_problems(out: Path, strict: bool) -> tuple[list[str], int]:
    """Check an experiment results folder left by an interrupted or failed sweep; return
    (problems, runs saved). ``strict``: no temporary files may be left (the command cleaned up)."""
    problems: list[str] = []
    if not out.exists():
        return problems, 0
    leftovers = [str(p.relative_to(out)) for p in out.rglob("*") if is_leftover(str(p.relative_to(out)))]
    if leftovers and strict:
        problems.append(f"temporary files left: {', '.join(leftovers[:3])}")
    try:
        runs = read_parts(out / "runs", ["point", "replicate"])
        weekly = read_parts(out / "weekly", ["point", "replicate", "week"])
    except Exception as exc:
        return [*problems, f"a part cannot be read: {type(exc).__name__}: {exc}"], 0
    saved = 0 if runs is None else len(runs)
    pairs = set() if runs is None else set(zip(runs["point"], runs["replicate"], strict=True))
    if runs is not None and len(pairs) != len(runs):
        problems.append("a run is recorded twice")
    if weekly is not None:
        extra = set(zip(weekly["point"], weekly["replicate"], strict=True)) - pairs
        if extra:
            problems.append(f"weekly rows of {len(extra)} unrecorded runs")
    manifest_path = out / "manifest.json"
    if manifest_path.exists():
        try:
            manifest = json.loads(manifest_path.read_text())
            if manifest["runs_done"] > saved:
                problems.append(f"manifest says {manifest['runs_done']} runs done, {saved} saved")
        except (ValueError, KeyError, TypeError) as exc:
            problems.append(f"manifest.json damaged: {exc}")
    elif saved:
        problems.append(f"{saved} runs saved without a manifest")
    return problems, saved


# ---- outcomes ------------------------------------------------------------------------------------
@dataclass
class Outcome:
    """The verdict on one case: its category, name, command, whether it passed, why not."""

    category: str
    name: str
    command: str
    passed: bool
    problems: list[str] = field(default_factory=list)
    code: int | None = None
    stderr: str = ""
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def outcome(category: str, name: str, args: Sequence[str], problems: list[str], ran: Ran | None,
            notes: list[str] | None = None) -> Outcome:
    """Return the Outcome of a case from its problems and what the command did."""
    return Outcome(category, name, quote(args), not problems, problems,
                   None if ran is None else ran.code, "" if ran is None else ran.stderr,
                   0.0 if ran is None else round(ran.seconds, 2), notes or [])


# ---- mounts (root only): a read-only folder, a tiny full disk ------------------------------------
def can_mount() -> bool:
    """Return True when tmpfs can be mounted here (root with CAP_SYS_ADMIN, Linux)."""
    if os.geteuid() != 0 or not sys.platform.startswith("linux") or shutil.which("mount") is None:
        return False
    with tempfile.TemporaryDirectory() as probe:
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", probe],
                          capture_output=True).returncode != 0:
            return False
        subprocess.run(["umount", probe], capture_output=True)
    return True


@contextlib.contextmanager
def tmpfs(path: Path, size: int, read_only: bool = False) -> Iterator[Path]:
    """Mount a tmpfs of ``size`` bytes at ``path`` (created) for the block; unmount it after."""
    path.mkdir(parents=True, exist_ok=True)
    options = f"size={size}" + (",ro" if read_only else "")
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], check=True,
                   capture_output=True)
    try:
        yield path
    finally:
        if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(path)], capture_output=True)


def fill(disk: Path, free: int) -> Path:
    """Fill the filesystem of ``disk`` with a file, then shrink it to leave about ``free`` bytes
    free; return the filler's path."""
    filler = disk / ".audit-filler"
    chunk = b"\0" * 65536
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        while True:  # unbuffered: the write that finds the disk full raises here, not at close
            os.write(fd, chunk)
    except OSError:
        pass
    finally:
        os.close(fd)
    os.truncate(filler, max(0, filler.stat().st_size - free))
    return filler


# ---- fixtures ------------------------------------------------------------------------------------
def experiment_toml(top: Mapping[str, str | None] | None = None, overrides: str | None = "partners = 200",
                    factors: str | None = "promo_share = [0.1, 0.3]", extra: str = "") -> str:
    """Return the text of a tiny experiment file; ``top`` replaces top-level fields (raw TOML
    values; None drops one), ``overrides`` and ``factors`` the tables' bodies (None drops it)."""
    fields: dict[str, str | None] = {"name": '"tiny"', "scenario": '"organic"', "weeks": "5",
                                     "replicates": "2", "metrics": '["peak_active"]', **(top or {})}
    lines = [f"{k} = {v}" for k, v in fields.items() if v is not None]
    if extra:
        lines.append(extra)
    if overrides is not None:
        lines += ["", "[overrides]", overrides]
    if factors is not None:
        lines += ["", "[factors]", factors]
    return "\n".join(lines) + "\n"


EXPERIMENT = experiment_toml()
EXPERIMENT_WEEKLY = experiment_toml(extra='weekly = ["active_members"]\nbatch_size = 2')
# Big enough to be interrupted part-way (12 runs of 104 weeks), small enough to resume quickly.
EXPERIMENT_LONG = experiment_toml(
    {"name": '"audit-sweep"', "weeks": "104", "replicates": "3",
     "metrics": '["peak_active", "final_active"]'},
    overrides="partners = 1000", factors="promo_share = [0.1, 0.3]\nmoderation = [0.2, 0.8]",
    extra='weekly = ["active_members"]\nbatch_size = 2')


def write(name: str, content: str | bytes) -> Setup:
    """Return a setup writing ``content`` to the file ``name`` of the case's folder."""
    def setup(where: Path) -> None:
        path = where / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return setup


def both(*setups: Setup | None) -> Setup:
    """Return a setup running each of ``setups`` in turn."""
    def setup(where: Path) -> None:
        for s in setups:
            if s is not None:
                s(where)
    return setup


def fifo(name: str) -> Setup:
    """Return a setup making a FIFO named ``name`` (reading it would block)."""
    return lambda where: os.mkfifo(where / name)


def folder(name: str) -> Setup:
    """Return a setup making an empty directory named ``name``."""
    return lambda where: (where / name).mkdir(parents=True)


def symlink_loop(name: str) -> Setup:
    """Return a setup making ``name`` a symbolic link to itself."""
    return lambda where: os.symlink(name, where / name)


# ---- 1. bad input --------------------------------------------------------------------------------
@dataclass
class Bad:
    """A bad-input case: ``simcomm ARGS`` run in a folder prepared by ``setup``; handled when it
    exits with one of ``codes`` printing one line that contains one of ``names``, changing nothing."""

    name: str
    args: list[str]
    setup: Setup | None = None
    names: tuple[str, ...] = ()
    codes: tuple[int, ...] = (2,)
    quick: bool = False
    timeout: float = 120.0
    hold_lock: str = ""   # a results folder whose lock the audit holds while the command runs
    read_only: str = ""   # a folder mounted read-only (tmpfs) before the command runs


@dataclass(frozen=True)
class Command:
    """A command's shape for generating cases: its words, small settings that keep an accepted
    run short, its integer options (name -> allowed range) and what it writes."""

    words: tuple[str, ...]
    small: tuple[tuple[str, str], ...] = ()
    ints: tuple[tuple[str, int, int], ...] = ()
    sets: bool = True
    outs: tuple[str, ...] = ("--out",)
    scenario: bool = True
    quick: bool = False
    setup: Setup | None = None
    failsafe: tuple[str, ...] = ()   # appended last: keeps a server from starting if a case is accepted

    def args(self, option: str = "", value: str | None = None, extra: Sequence[str] = ()) -> list[str]:
        """Return the command line with ``option value`` (or ``extra``) and the small settings
        for every other option."""
        args = list(self.words)
        for name, small in self.small:
            if name != option:
                args += [name, small]
        if option:
            args += [option] if value is None else [option, value]
        return [*args, *extra, *self.failsafe]


WEEKS = ("--weeks", 1, 5200)
WORKERS = ("--workers", 1, 1024)
COMMANDS: dict[str, Command] = {
    "run": Command(("run", "organic", "-q", "--set", "partners=200"), (("--weeks", "5"),),
                   (("--seed", 0, 2**63 - 1), WEEKS), quick=True),
    "compare": Command(("compare", "organic", "-q", "--set", "partners=200"),
                       (("--replicates", "2"), ("--workers", "1"), ("--weeks", "5")),
                       (("--replicates", 1, 100_000), WORKERS, WEEKS), quick=True),
    "sensitivity": Command(("sensitivity", "organic", "--params", "promo_share", "-q", "--set",
                            "partners=200"),
                           (("--samples", "2"), ("--weeks", "5"), ("--workers", "1"),
                            ("--metric", "peak_active")),
                           (("--samples", 2, 1_000_000), WEEKS, ("--replicates", 1, 10_000),
                            ("--seed", 0, 2**32 - 1), WORKERS)),
    "validate": Command(("validate", "-q"), (("--replicates", "2"), ("--workers", "1")),
                        (("--replicates", 2, 1000), WORKERS), sets=False, outs=("--out", "--report"),
                        scenario=False),
    "story": Command(("story", "organic", "--set", "partners=200"), (("--weeks", "5"), ("--frames", "1")),
                     (("--seed", 0, 2**63 - 1), WEEKS, ("--frames", 1, 520))),
    "explain": Command(("explain", "organic", "-q", "--set", "partners=200"),
                       (("--replicates", "1"), ("--weeks", "5"), ("--workers", "1")),
                       (("--seed", 0, 9223372036854774808), ("--replicates", 1, 1000), WEEKS,
                        ("--at-week", 1, 5200), WORKERS)),
    "claims": Command(("claims", "-q", "--only", "turnover-hurts"),
                      (("--replicates", "2"), ("--points", "0"), ("--weeks", "5"), ("--workers", "1")),
                      (("--replicates", 2, 10_000), ("--points", 0, 100_000), ("--point-replicates", 1, 1000),
                       ("--seed", 0, 2**32 - 1), WEEKS, WORKERS), sets=False, outs=("--report",),
                      scenario=False),
    # The failsafe (a bad --set) stops the command before its server starts, should a case pass.
    "dashboard": Command(("dashboard", "organic", "--compare", "none"), (),
                         (("--seed", 0, 2**63 - 1), ("--port", 0, 65535)), sets=False, outs=(),
                         failsafe=("--set", "audit_failsafe=1")),
    "experiment run": Command(("experiment", "run", "exp.toml", "-q"), (("--workers", "1"), ("--out", "res")),
                              (WORKERS,), sets=False, scenario=False, quick=True,
                              setup=write("exp.toml", EXPERIMENT)),
}
WRONG_TYPE = ("abc", "", "nan", "1.5", "inf", "1e3")


def out_of_range(kind: int, low: int, high: int) -> str:
    """Return a value outside [low, high]: below, above, huge or negative (by ``kind``)."""
    return (str(low - 1), str(high + 1), "9" * 30, str(min(low, 0) - 5))[kind % 4]


def int_cases(quick: bool) -> list[Bad]:
    """Two values for every integer option of every command: one of the wrong type (a word,
    empty, nan, a fraction, inf, an exponent) and one out of range (below, above, huge,
    negative), each kind in rotation so that every kind meets several commands."""
    cases = []
    wrong = itertools.cycle(WRONG_TYPE)
    kinds = itertools.count()
    for cmd_name, cmd in COMMANDS.items():
        for i, (option, low, high) in enumerate(cmd.ints):
            for value in (next(wrong), out_of_range(next(kinds), low, high)):
                cases.append(Bad(f"{cmd_name} {option} {value!r}", cmd.args(option, value), cmd.setup,
                                 (option,), quick=quick and cmd.quick and i == 0))
    cases.append(Bad("run --bogus (unknown option)", COMMANDS["run"].args("--bogus"), names=("--bogus",),
                     quick=True))
    cases.append(Bad("dashboard --open=yes", COMMANDS["dashboard"].args("--open=yes"), names=("--open",)))
    return cases


SET_BAD: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("partners", ("partners",)), ("=5", ("=5",)), ("partners=", ("partners",)), ("nope=1", ("nope",)),
    ("partners=abc", ("partners",)), ("partners=-1", ("partners",)), ("partners=5.5", ("partners",)),
    ("promo_share=nan", ("promo_share",)), ("promo_share=inf", ("promo_share",)),
    ("promo_share=2", ("promo_share",)), ("governance=nope", ("governance",)),
    ("partners=1e9", ("partners",)), ("", ("--set",)),
)


def set_cases(quick: bool) -> list[Bad]:
    """Malformed and invalid ``--set KEY=VALUE`` for run (all) and, in rotation, the others."""
    cases = []
    rotation = itertools.cycle(SET_BAD)
    for cmd_name, cmd in COMMANDS.items():
        if not cmd.sets:
            continue
        chosen = SET_BAD if cmd_name == "run" else [next(rotation) for _ in range(3)]
        for i, (value, names) in enumerate(chosen):
            cases.append(Bad(f"{cmd_name} --set {value!r}", cmd.args("--set", value), cmd.setup, names,
                             quick=quick and cmd_name in ("run", "compare") and i < 5))
    cases.append(Bad("run --set given twice with different values",
                     COMMANDS["run"].args(extra=["--set", "promo_share=0.1", "--set", "promo_share=0.3"]),
                     names=("promo_share",)))
    # A memory estimate beyond what this machine has: refused with the figure, before any run.
    big = ["--set", "partners=2000000", "--set", "acquaintances=100"]
    cases.append(Bad("compare partners=2000000 acquaintances=100 x 8 workers",
                     ["compare", "organic", "vendor-imposed", "-r", "8", "-w", "8", "--weeks", "5", "-q",
                      *big],
                     names=("partners=2000000",), quick=True))
    cases.append(Bad("sensitivity partners=2000000 acquaintances=100 x 8 workers",
                     ["sensitivity", "organic", "--params", "promo_share", "-n", "8", "-w", "8",
                      "--weeks", "5", "-q", *big], names=("partners=2000000",)))
    cases.append(Bad("experiment overrides partners=2000000 acquaintances=100 x 8 workers",
                     ["experiment", "run", "exp.toml", "-w", "8", "-q", "--out", "res"],
                     write("exp.toml", experiment_toml(
                         {"replicates": "8"}, overrides="partners = 2000000\nacquaintances = 100")),
                     ("partners=2000000",)))
    return cases


# (what, --out value, --report value, setup)
BAD_OUTS: tuple[tuple[str, str, str, Setup | None], ...] = (
    ("empty", "", "", None),
    ("an existing file", "file.txt", "file.txt/page.md", write("file.txt", "mine")),
    ("under /proc (cannot be created)", "/proc/simcomm-audit/out", "/proc/simcomm-audit/page.md", None),
    ("a read-only mount", "ro/out", "ro/page.md", None),
    ("blank", "   ", "   ", None),
    ("under a file", "file.txt/sub", "file.txt/sub/page.md", write("file.txt", "mine")),
    ("under /sys (not permitted)", "/sys/simcomm-audit/out", "/sys/simcomm-audit/page.md", None),
    ("a device", "/dev/null", "/dev/null", None),
)


def out_cases(quick: bool, mount: bool) -> list[Bad]:
    """Unusable --out and --report paths for every command that writes: empty, a file (a page
    under a file), and one more in rotation (cannot be created under /proc, read-only, blank,
    under a file, not permitted under /sys, a device). An empty --report must ask for a .md file."""
    cases = []
    rotation = itertools.cycle(BAD_OUTS[2:])
    for cmd_name, cmd in COMMANDS.items():
        for option in cmd.outs:
            for what, out, page, setup in [*BAD_OUTS[:2], next(rotation)]:
                value = page if option == "--report" else out
                if value.startswith("ro/") and not mount:
                    continue
                names = ((option, value) if value.strip() else (".md",) if option == "--report"
                         else (option,))
                cases.append(Bad(f"{cmd_name} {option} {what}", cmd.args(option, value),
                                 both(cmd.setup, setup), names,
                                 read_only="ro" if value.startswith("ro/") else "",
                                 quick=quick and cmd_name in ("run", "experiment run")
                                 and what in ("empty", "an existing file")))
    for page in ("folder.md", "page.txt", ".md"):
        for cmd_name in ("validate", "claims"):
            cases.append(Bad(f"{cmd_name} --report {page}", COMMANDS[cmd_name].args("--report", page),
                             folder("folder.md"), ("--report",), quick=quick and cmd_name == "validate"))
    # The output's own files are in the way: found after simulating, reported in one line, nothing changed.
    cases.append(Bad("run --out whose summary.json is a directory", COMMANDS["run"].args("--out", "out"),
                     both(folder("out/summary.json"), write("out/notes.txt", "mine")), ("out",)))
    cases.append(Bad("compare --out whose compare.json is a directory",
                     COMMANDS["compare"].args("--out", "out"),
                     both(folder("out/compare.json"), write("out/notes.txt", "mine")), ("out",)))
    return cases


LEVER = '[levers.moderation]\nvalue = 0.95\nwhy = "a reason"\n'
SCENARIO_FILES: tuple[tuple[str, str, Setup | None, tuple[str, ...]], ...] = (
    ("not UTF-8", "mine.toml", write("mine.toml", b'name = "x"\ntitle = "caf\xe9"\n'), ("mine.toml",)),
    ("empty", "mine.toml", write("mine.toml", ""), ("mine.toml",)),
    ("only a comment", "mine.toml", write("mine.toml", "# nothing\n"), ("mine.toml",)),
    ("unknown key", "mine.toml", write("mine.toml", 'name = "x"\ncolour = "red"\n'), ("colour",)),
    ("misspelled table", "mine.toml", write("mine.toml", "[override]\npartners = 300\n"), ("override",)),
    ("overrides = 5", "mine.toml", write("mine.toml", "overrides = 5\n"), ("overrides",)),
    ("overrides = 'ab'", "mine.toml", write("mine.toml", 'overrides = "ab"\n'), ("overrides",)),
    ("title = 5", "mine.toml", write("mine.toml", "title = 5\n"), ("title",)),
    ("invalid TOML", "mine.toml", write("mine.toml", "name = \n"), ("mine.toml",)),
    ("a FIFO", "pipe.toml", fifo("pipe.toml"), ("pipe.toml",)),
    ("a directory", "dir.toml", folder("dir.toml"), ("dir.toml",)),
    ("/dev/null", "/dev/null", None, ("/dev/null",)),
    ("/dev/zero", "/dev/zero", None, ("/dev/zero",)),
    ("unknown parameter", "mine.toml", write("mine.toml", "[overrides]\nnope = 1\n"), ("nope",)),
    ("out-of-range value", "mine.toml", write("mine.toml", "[overrides]\npartners = -5\n"), ("partners",)),
    ("wrong type", "mine.toml", write("mine.toml", '[overrides]\npartners = "many"\n'), ("partners",)),
    ("NaN value", "mine.toml", write("mine.toml", "[overrides]\npromo_share = nan\n"), ("promo_share",)),
    ("governance twice, disagreeing", "mine.toml",
     write("mine.toml",
           'governance = "organic"\n[overrides]\ngovernance = "vendor-imposed"\n'), ("governance",)),
    ("unknown governance", "mine.toml", write("mine.toml", 'governance = "nope"\n'), ("governance",)),
    ("levers = 5", "mine.toml", write("mine.toml", 'base = "organic"\nlevers = 5\n'), ("levers",)),
    ("lever without why", "mine.toml",
     write("mine.toml", 'base = "organic"\n[levers.moderation]\nvalue = 0.95\n'), ("why",)),
    ("lever of an unknown parameter", "mine.toml",
     write("mine.toml", 'base = "organic"\n[levers.nope]\nvalue = 1\nwhy = "x"\n'), ("nope",)),
    ("lever equal to the base", "mine.toml",
     write("mine.toml", 'base = "organic"\n[levers.partners]\nvalue = 2000\nwhy = "x"\n'), ("partners",)),
    ("unknown base", "mine.toml", write("mine.toml", 'base = "orgnaic"\n' + LEVER), ("orgnaic",)),
    ("bases in a circle", "a.toml",
     both(write("a.toml", 'base = "b.toml"\n' + LEVER), write("b.toml", 'base = "a.toml"\n' + LEVER)),
     ("a.toml",)),
    ("base = 5", "mine.toml", write("mine.toml", "base = 5\n" + LEVER), ("base",)),
    ("[overrides] beside base", "mine.toml",
     write("mine.toml", 'base = "organic"\n' + LEVER + "[overrides]\npartners = 300\n"), ("overrides",)),
    ("missing file", "missing.toml", None, ("missing.toml",)),
    ("binary junk", "junk.toml", write("junk.toml", bytes(range(256)) * 4), ("junk.toml",)),
    ("a symbolic link to itself", "loop.toml", symlink_loop("loop.toml"), ("loop.toml",)),
)


def scenario_cases(quick: bool) -> list[Bad]:
    """Bad scenario files and names: every file case with ``run``, one of them (in rotation)
    with each other command taking a scenario, and an unknown name with every one."""
    cases = []
    for what, path, setup, names in SCENARIO_FILES:
        cases.append(Bad(f"run scenario file: {what}", ["run", path, *TINY, "-q"], setup, names,
                         quick=quick and what in ("not UTF-8", "misspelled table", "a FIFO", "empty"),
                         timeout=60.0))
    rotation = itertools.cycle(SCENARIO_FILES)
    takers: dict[str, Callable[[str], list[str]]] = {
        "show": lambda s: ["show", s],
        "compare": lambda s: ["compare", "organic", s, "-r", "2", "-w", "1", *TINY, "-q"],
        "story": lambda s: ["story", s, *TINY, "--frames", "1"],
        "explain": lambda s: ["explain", s, "-r", "1", "-w", "1", *TINY, "-q"],
        "sensitivity": lambda s: ["sensitivity", s, "--params", "promo_share", "-n", "2", "-w", "1", *TINY,
                                  "-q", "--metric", "peak_active"],
        "dashboard": lambda s: ["dashboard", s, "--compare", "none", "--set", "audit_failsafe=1"],
        "dashboard --compare": lambda s: ["dashboard", "organic", "--compare", s, "--set",
                                          "audit_failsafe=1"],
    }
    for cmd_name, make in takers.items():
        for _ in range(1):
            what, path, setup, names = next(rotation)
            cases.append(Bad(f"{cmd_name} scenario file: {what}", make(path), setup, names, timeout=60.0))
        cases.append(Bad(f"{cmd_name} unknown scenario", make("orgnaic"), names=("orgnaic",),
                         quick=quick and cmd_name == "compare"))
    exp_scenario = cases_of_experiment_scenario()
    cases += exp_scenario
    cases.append(Bad("run unknown scenario", ["run", "orgnaic", *TINY], names=("orgnaic",), quick=True))
    cases.append(Bad("run empty scenario name", ["run", "", *TINY], names=("scenario",)))
    cases.append(Bad("run scenario ../../etc/passwd", ["run", "../../etc/passwd", *TINY], names=("passwd",)))
    cases.append(Bad("show empty scenario name", ["show", ""], names=("scenario",)))
    return cases


def cases_of_experiment_scenario() -> list[Bad]:
    """An experiment whose ``scenario`` is a bad scenario file."""
    return [Bad(f"experiment scenario file: {what}", ["experiment", "run", "exp.toml", "-q", "-w", "1"],
                both(setup, write("exp.toml", experiment_toml({"scenario": json.dumps(path)}))),
                ("scenario",), timeout=60.0)
            for what, path, setup, _ in (SCENARIO_FILES[0], SCENARIO_FILES[4], SCENARIO_FILES[9])]


EXPERIMENT_FILES: tuple[tuple[str, str | bytes, tuple[str, ...]], ...] = (
    ("name ../../x", experiment_toml({"name": '"../../x"'}), ("name",)),
    ("name absolute", experiment_toml({"name": '"/tmp/simcomm-audit-abs"'}), ("name",)),
    ("name empty", experiment_toml({"name": '""'}), ("name",)),
    ("name = 5", experiment_toml({"name": "5"}), ("name",)),
    ("name .hidden", experiment_toml({"name": '".hidden"'}), ("name",)),
    ("scenario missing", experiment_toml({"scenario": None}), ("scenario: missing",)),
    ("scenario unknown", experiment_toml({"scenario": '"orgnaic"'}), ("orgnaic",)),
    ("scenario = 5", experiment_toml({"scenario": "5"}), ("scenario",)),
    ("scenario file missing", experiment_toml({"scenario": '"missing.toml"'}), ("missing.toml",)),
    ("weeks = 0", experiment_toml({"weeks": "0"}), ("weeks",)),
    ("weeks = -1", experiment_toml({"weeks": "-1"}), ("weeks",)),
    ("weeks = 5201", experiment_toml({"weeks": "5201"}), ("weeks",)),
    ("weeks = 'five'", experiment_toml({"weeks": '"five"'}), ("weeks",)),
    ("weeks = 1.5", experiment_toml({"weeks": "1.5"}), ("weeks",)),
    ("weeks = nan", experiment_toml({"weeks": "nan"}), ("weeks",)),
    ("replicates missing", experiment_toml({"replicates": None}), ("replicates",)),
    ("replicates = 0", experiment_toml({"replicates": "0"}), ("replicates",)),
    ("replicates = 100001", experiment_toml({"replicates": "100001"}), ("replicates",)),
    ("replicates = true", experiment_toml({"replicates": "true"}), ("replicates",)),
    ("seed = -1", experiment_toml({"seed": "-1"}), ("seed",)),
    ("seed = 'x'", experiment_toml({"seed": '"x"'}), ("seed",)),
    ("metrics unknown", experiment_toml({"metrics": '["nope"]'}), ("nope",)),
    ("metrics empty", experiment_toml({"metrics": "[]"}), ("metrics",)),
    ("metrics = 5", experiment_toml({"metrics": "5"}), ("metrics",)),
    ("weekly unknown", experiment_toml(extra='weekly = ["nope"]'), ("nope",)),
    ("weekly = 5", experiment_toml(extra="weekly = 5"), ("weekly",)),
    ("batch_size = -1", experiment_toml(extra="batch_size = -1"), ("batch_size",)),
    ("unknown key", experiment_toml(extra='colour = "red"'), ("colour",)),
    ("misspelled table [factor]", experiment_toml(factors=None) + "\n[factor]\npromo_share = [0.1, 0.3]\n",
     ("factor",)),
    ("overrides = 5", experiment_toml({"overrides": "5"}, overrides=None), ("overrides",)),
    ("overrides unknown parameter", experiment_toml(overrides="nope = 1"), ("nope",)),
    ("overrides out of range", experiment_toml(overrides="partners = -1"), ("partners",)),
    ("overrides wrong type", experiment_toml(overrides='partners = "many"'), ("partners",)),
    ("factors missing", experiment_toml(factors=None), ("factors",)),
    ("factors empty", experiment_toml(factors=""), ("factors",)),
    ("factors = 5", experiment_toml({"factors": "5"}, factors=None), ("factors: 5",)),
    ("factor unknown parameter", experiment_toml(factors="nope = [1, 2]"), ("nope",)),
    ("factor empty list", experiment_toml(factors="promo_share = []"), ("promo_share",)),
    ("factor value out of range", experiment_toml(factors="promo_share = [0.1, 5.0]"), ("promo_share",)),
    ("factor wrong type", experiment_toml(factors='promo_share = ["a", "b"]'), ("promo_share",)),
    ("factor values repeat", experiment_toml(factors="promo_share = [0.1, 0.1]"), ("promo_share",)),
    ("range num = 1e8", experiment_toml(factors="promo_share = { low = 0.1, high = 0.7, num = 100000000 }"),
     ("promo_share",)),
    ("range step = 1e-12", experiment_toml(factors="promo_share = { start = 0.0, stop = 1.0, step = 1e-12 }"),
     ("promo_share",)),
    ("range start = nan", experiment_toml(factors="promo_share = { start = nan, stop = 1.0, step = 0.1 }"),
     ("promo_share",)),
    ("range stop = inf", experiment_toml(factors="promo_share = { start = 0.0, stop = inf, step = 0.1 }"),
     ("promo_share",)),
    ("range high = nan", experiment_toml(factors="promo_share = { low = 0.0, high = nan, num = 3 }"),
     ("promo_share",)),
    ("range low > high", experiment_toml(factors="promo_share = { low = 0.7, high = 0.1, num = 3 }"),
     ("promo_share",)),
    ("range step = 0", experiment_toml(factors="promo_share = { start = 0.0, stop = 1.0, step = 0 }"),
     ("promo_share",)),
    ("range step < 0", experiment_toml(factors="promo_share = { start = 0.0, stop = 1.0, step = -0.1 }"),
     ("promo_share",)),
    ("range num = 0", experiment_toml(factors="promo_share = { low = 0.1, high = 0.7, num = 0 }"),
     ("promo_share",)),
    ("range num = 2.5", experiment_toml(factors="promo_share = { low = 0.1, high = 0.7, num = 2.5 }"),
     ("promo_share",)),
    ("range missing a key", experiment_toml(factors="promo_share = { low = 0.1, high = 0.7 }"),
     ("promo_share",)),
    ("range of a non-numeric parameter",
     experiment_toml(factors="governance = { low = 0, high = 1, num = 2 }"), ("governance",)),
    ("governance factor with a what-if scenario",
     experiment_toml({"scenario": '"staff-churn"'}, factors='governance = ["organic", "sponsored"]'),
     ("governance",)),
    ("factors whose product is too large", experiment_toml(
        factors="promo_share = { low = 0.0, high = 1.0, num = 5000 }\n"
                "moderation = { low = 0.0, high = 1.0, num = 5000 }"), ("factors",)),
    ("replicates x factor too large", experiment_toml(
        {"replicates": "100000"}, factors="promo_share = { low = 0.0, high = 1.0, num = 200 }"),
     ("promo_share", "factors")),
    ("invalid TOML", "name = \n", ("exp.toml",)),
    ("duplicate key", experiment_toml(extra='name = "again"'), ("exp.toml",)),
    ("not UTF-8", experiment_toml().encode() + b"# caf\xe9\n", ("exp.toml",)),
    ("empty", "", ("is empty",)),
)


def experiment_cases(quick: bool) -> list[Bad]:
    """Bad experiment files (every field: wrong type, out of range, empty, NaN, infinite, huge
    ranges, names that are paths), bad FILE arguments and bad results folders for ``experiment run``."""
    run = ["experiment", "run", "exp.toml", "-q", "-w", "1", "--out", "res"]
    quick_ones = {"name ../../x", "range num = 1e8", "range step = 1e-12", "range start = nan",
                  "misspelled table [factor]", "not UTF-8"}
    cases = [Bad(f"experiment file: {what}", list(run), write("exp.toml", text), names,
                 quick=quick and what in quick_ones, timeout=90.0)
             for what, text, names in EXPERIMENT_FILES]
    files: tuple[tuple[str, str, Setup | None], ...] = (
        ("a FIFO", "pipe.toml", fifo("pipe.toml")), ("a directory", "dir.toml", folder("dir.toml")),
        ("missing", "missing.toml", None), ("/dev/zero", "/dev/zero", None), ("empty path", "", None))
    for what, path, setup in files:
        cases.append(Bad(f"experiment run FILE {what}", ["experiment", "run", path, "-q", "--out", "res"],
                         setup,
                         (path or "empty",), quick=quick and what == "a FIFO", timeout=60.0))
    exp = write("exp.toml", EXPERIMENT)
    cases += [
        Bad("experiment run --scheduler with --workers", ["experiment", "run", "exp.toml", "-q", "-w", "2",
                                                          "--scheduler", "tcp://127.0.0.1:1", "--out", "res"],
            exp, ("--scheduler",)),
        Bad("experiment run --scheduler that refuses", ["experiment", "run", "exp.toml", "-q",
                                                        "--scheduler", "tcp://127.0.0.1:1", "--out", "res"],
            exp, ("--scheduler",), timeout=90.0),
        Bad("experiment run --scheduler nonsense", ["experiment", "run", "exp.toml", "-q",
                                                    "--scheduler", "not an address", "--out", "res"],
            exp, ("--scheduler",), timeout=90.0),
        Bad("experiment run --out not empty, no manifest", run, both(exp, write("res/notes.txt", "mine")),
            ("res",)),
        Bad("experiment run --out held by another sweep", run, both(exp, folder("res")), ("res",),
            hold_lock="res", quick=quick),
        Bad("experiment run --out of another experiment", run,
            both(write("exp.toml", experiment_toml({"weeks": "6"})), finished_results("res")), ("res",)),
        Bad("experiment run --out with manifest {}", run, both(exp, finished_results("res", manifest="{}")),
            ("manifest.json",)),
        Bad("experiment run --out with manifest not JSON", run,
            both(exp, finished_results("res", manifest="not json")), ("manifest.json",)),
        Bad("experiment run --out with a non-Parquet part", run,
            both(exp, finished_results("res", damage_part=True)), ("part-",)),
    ]
    return cases


FINISHED: dict[str, Path] = {}
FINISHED_LOCK = threading.Lock()


def finished_results(name: str, manifest: str | bytes | None = None, damage_part: bool = False,
                     part_columns: bool = False, drop_runs: bool = False, manifest_dir: bool = False,
                     summary_file: bool = False) -> Setup:
    """Return a setup copying a finished tiny experiment (``experiment run`` of EXPERIMENT, run
    once per audit) to ``name``, then damaging it as asked."""
    def setup(where: Path) -> None:
        source = FINISHED["results"]
        shutil.copytree(source, where / name, symlinks=True)
        out = where / name
        if manifest is not None:
            data = manifest if isinstance(manifest, bytes) else manifest.encode()
            (out / "manifest.json").write_bytes(data)
        if manifest_dir:
            (out / "manifest.json").unlink()
            (out / "manifest.json").mkdir()
        part = sorted((out / "runs").glob("part-*.parquet"))[0]
        if damage_part:
            part.write_text("not parquet at all")
        if part_columns:
            pd.DataFrame({"x": [1, 2]}).to_parquet(part)
        if drop_runs:
            shutil.rmtree(out / "runs")
        if summary_file:
            (out / "summary").write_text("in the way")
        if not (where / "exp.toml").exists():
            (where / "exp.toml").write_text(EXPERIMENT)
    return setup


def summarize_cases(quick: bool) -> list[Bad]:
    """Damaged or wrong folders for ``experiment summarize``."""
    s = ["experiment", "summarize", "res"]
    return [
        Bad("summarize a missing folder", s, None, ("res",)),
        Bad("summarize an empty path", ["experiment", "summarize", ""], None, ("empty",)),
        Bad("summarize a file", s, write("res", "a file"), ("res",)),
        Bad("summarize an empty folder", s, folder("res"), ("res",)),
        Bad("summarize manifest {}", s, finished_results("res", manifest="{}"), ("manifest.json",),
            quick=quick),
        Bad("summarize manifest []", s, finished_results("res", manifest="[]"), ("manifest.json",)),
        Bad("summarize manifest not JSON", s, finished_results("res", manifest="{not json"),
            ("manifest.json",)),
        Bad("summarize manifest not UTF-8", s, finished_results("res", manifest=b'{"caf\xe9": 1}'),
            ("manifest.json",)),
        Bad("summarize manifest missing fields", s, finished_results("res",
                                                                     manifest='{"experiment": "tiny"}'),
            ("manifest.json",)),
        Bad("summarize manifest runs_total 'x'", s, finished_results("res", manifest=json.dumps(
            {"experiment": "tiny", "experiment_sha256": "0", "factors": {"promo_share": [0.1, 0.3]},
             "metrics": ["peak_active"], "runs_total": "x", "runs_done": 4, "sessions": []})),
            ("manifest.json", "runs_total")),
        Bad("summarize manifest is a directory", s, finished_results("res", manifest_dir=True),
            ("manifest.json",)),
        Bad("summarize a part that is not Parquet", s, finished_results("res", damage_part=True), ("part-",),
            quick=quick),
        Bad("summarize a Parquet part of another table", s, finished_results("res", part_columns=True),
            ("part-",)),
        Bad("summarize without runs/", s, finished_results("res", drop_runs=True), ("res", "runs")),
        Bad("summarize --metric unknown", [*s, "--metric", "nope"], finished_results("res"), ("nope",)),
        Bad("summarize with summary/ a file", s, finished_results("res", summary_file=True), ("summary",)),
    ]


def option_cases(quick: bool) -> list[Bad]:
    """Bad values of the remaining options: choices, names, bounds, duplicate labels, global usage."""
    sens = ["sensitivity", "organic", "-n", "2", "--weeks", "5", "-w", "1", "-q", "--set", "partners=200",
            "--metric", "peak_active"]
    sens_p = [*sens, "--params", "promo_share"]
    cmp_ = ["compare", "-r", "2", "-w", "1", *TINY, "-q"]
    claims = ["claims", "-q", "-r", "2", "--points", "0", "--weeks", "5", "-w", "1"]
    twins = both(write("a.toml", 'name = "same"\ngovernance = "organic"\n'),
                 write("b.toml", 'name = "same"\ngovernance = "sponsored"\n'))
    return [
        # sensitivity
        Bad("sensitivity --params ''", [*sens, "--params", ""], None, ("--params",)),
        Bad("sensitivity --params unknown", [*sens, "--params", "nope"], None, ("nope",), quick=quick),
        Bad("sensitivity --params non-numeric", [*sens, "--params", "governance"], None, ("governance",)),
        Bad("sensitivity --params twice the same", [*sens, "--params", "promo_share,promo_share"], None,
            ("promo_share",)),
        Bad("sensitivity without --params", sens, None, ("--params",)),
        Bad("sensitivity --method nope", [*sens_p, "--method", "nope"], None, ("--method",)),
        Bad("sensitivity sobol --samples 3", [*sens_p, "--method", "sobol", "--samples", "3"], None,
            ("--samples",)),
        Bad("sensitivity --bounds x", [*sens_p, "--bounds", "x"], None, ("--bounds",)),
        Bad("sensitivity --bounds not numbers", [*sens_p, "--bounds", "promo_share=a:b"], None,
            ("--bounds",)),
        Bad("sensitivity --bounds low > high", [*sens_p, "--bounds", "promo_share=0.5:0.1"], None,
            ("promo_share",)),
        Bad("sensitivity --bounds outside allowed", [*sens_p, "--bounds", "promo_share=-1:2"], None,
            ("--bounds promo_share",)),
        Bad("sensitivity --bounds nan", [*sens_p, "--bounds", "promo_share=nan:1"], None,
            ("--bounds promo_share",)),
        Bad("sensitivity --bounds unknown parameter", [*sens_p, "--bounds", "nope=0:1"], None, ("nope",)),
        Bad("sensitivity --bounds of a parameter not varied", [*sens_p, "--bounds", "moderation=0:1"], None,
            ("moderation",)),
        Bad("sensitivity --metric unknown", [*sens_p, "--metric", "nope"], None, ("nope",)),
        Bad("sensitivity --metric undefined over 5 weeks, --out", [*sens_p, "--metric", "retention_52w",
                                                                   "--out", "parent/sens"], None,
            ("retention_52w",)),
        # compare: duplicate labels and --vary
        Bad("compare organic organic", [*cmp_, "organic", "organic"], None, ("organic",), quick=quick),
        Bad("compare two files with the same name", [*cmp_, "a.toml", "b.toml"], twins, ("same",)),
        Bad("compare organic and a file named organic", [*cmp_, "organic", "o.toml"],
            write("o.toml", 'name = "organic"\ngovernance = "sponsored"\n'), ("organic",)),
        Bad("compare --vary repeated value", [*cmp_, "organic", "--vary", "promo_share=0.1,0.1"], None,
            ("--vary",), quick=quick),
        Bad("compare --vary 0.1,0.10", [*cmp_, "organic", "--vary", "promo_share=0.1,0.10"], None,
            ("--vary",)),
        Bad("compare --vary a parameter twice",
            [*cmp_, "organic", "--vary", "promo_share=0.1,0.2", "--vary", "promo_share=0.3"], None,
            ("--vary",), quick=quick),
        Bad("compare --vary '=0.1,0.2'", [*cmp_, "organic", "--vary", "=0.1,0.2"], None, ("--vary",)),
        Bad("compare --vary without values", [*cmp_, "organic", "--vary", "promo_share"], None, ("--vary",)),
        Bad("compare --vary empty values", [*cmp_, "organic", "--vary", "promo_share="], None, ("--vary",)),
        Bad("compare --vary an empty value", [*cmp_, "organic", "--vary", "promo_share=0.1,,0.2"], None,
            ("--vary",)),
        Bad("compare --vary unknown parameter", [*cmp_, "organic", "--vary", "nope=1,2"], None, ("nope",)),
        Bad("compare --vary a bad value", [*cmp_, "organic", "--vary", "promo_share=0.1,x"], None,
            ("--vary",)),
        Bad("compare --vary nan", [*cmp_, "organic", "--vary", "promo_share=nan,0.2"], None, ("--vary",)),
        Bad("compare --vary out of range", [*cmp_, "organic", "--vary", "promo_share=0.1,5"], None,
            ("--vary",)),
        Bad("compare --vary unknown governance", [*cmp_, "organic", "--vary", "governance=organic,nope"],
            None,
            ("--vary",)),
        Bad("compare --vary ''", [*cmp_, "organic", "--vary", ""], None, ("--vary",)),
        # claims, explain
        Bad("claims --only unknown", [*claims, "--only", "nope"], None, ("nope",), quick=quick),
        Bad("claims --only a known and an unknown claim", [*claims, "--only", "turnover-hurts,nope"], None,
            ("nope",)),
        Bad("explain --at-week beyond --weeks", ["explain", "organic", "-r", "1", "-w", "1", *TINY, "-q",
                                                 "--at-week", "10"], None, ("--at-week",)),
        # usage
        Bad("unknown command", ["nope"], None, ("nope",), quick=quick),
        Bad("run without SCENARIO", ["run"], None, ("SCENARIO",)),
        Bad("run with an extra argument", ["run", "organic", "extra", *TINY], None, ("extra",)),
        Bad("show without SCENARIO", ["show"], None, ("SCENARIO",)),
        Bad("params with an argument", ["params", "extra"], None, ("extra",)),
        Bad("scenarios --bogus", ["scenarios", "--bogus"], None, ("--bogus",)),
        Bad("experiment nope", ["experiment", "nope"], None, ("nope",)),
        Bad("experiment run --bogus", ["experiment", "run", "exp.toml", "--bogus"], None,
            ("--bogus",)),
        Bad("experiment summarize without DIRECTORY", ["experiment", "summarize"], None, ("DIRECTORY",)),
    ]


def bad_input_cases(quick: bool, mount: bool) -> list[Bad]:
    """Return every bad-input case (in quick mode only those marked quick)."""
    cases = [*int_cases(quick), *set_cases(quick), *out_cases(quick, mount), *scenario_cases(quick),
             *experiment_cases(quick), *summarize_cases(quick), *option_cases(quick)]
    return [c for c in cases if c.quick] if quick else cases


def run_bad(audit: Audit, case: Bad) -> Outcome:
    """Run a bad-input case and judge it (see the module's docstring)."""
    where = audit.case_dir("bad", case.name)
    if case.setup is not None:
        case.setup(where)
    read_only = where / case.read_only
    mount = tmpfs(read_only, 1 << 20, read_only=True) if case.read_only else contextlib.nullcontext()
    lock = None
    with mount:
        if case.hold_lock:
            lock = open(where / case.hold_lock / ".simcomm.lock", "a+")  # noqa: SIM115 - held while it runs
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            lock.write("pid of the audit\n")
            lock.flush()
        before = snapshot(where)
        try:
            ran = audit.run(case.args, where, timeout=case.timeout)
        finally:
            if lock is not None:
                lock.close()
        after = snapshot(where)
    for rel in set(before) & set(after):  # the sweep lock's holder (a pid) is rewritten by each taker
        if rel.endswith(".simcomm.lock"):
            after[rel] = before[rel]
    problems = []
    lines = stderr_lines(ran.stderr)
    if ran.timed_out:
        problems.append(f"did not end within {case.timeout:.0f} s (a hang?)")
    elif ran.code not in case.codes:
        problems.append(f"exit status {ran.code}, expected {' or '.join(map(str, case.codes))}")
    if "Traceback" in ran.stderr or "Traceback" in ran.stdout:
        problems.append("traceback")
    if len(lines) != 1 and not (ran.code == 0 and 0 in case.codes):
        problems.append(f"{len(lines)} lines on stderr, expected 1")
    if case.names and lines and not any(n.lower() in ran.stderr.lower() for n in case.names):
        problems.append(f"the message does not name {' or '.join(repr(n) for n in case.names)}")
    changed = difference(before, after)
    if changed:
        problems.append(f"the folder changed ({changed})")
    return outcome("bad-input", case.name, case.args, problems, ran)


# ---- references: uninterrupted runs --------------------------------------------------------------
WORKLOADS: dict[str, list[str]] = {
    "run": ["run", "organic", "--weeks", "520", "--set", "partners=1500", "-q"],
    "run-previous": ["run", "organic", "--weeks", "520", "--set", "partners=1500", "-q", "--seed", "1"],
    "compare": ["compare", "organic", "vendor-imposed", "-r", "4", "-w", "2", "--weeks", "104",
                "--set", "partners=1000", "-q"],
    "compare-previous": ["compare", "organic", "vendor-imposed", "-r", "3", "-w", "2", "--weeks", "104",
                         "--set", "partners=1000", "-q"],
    "experiment": ["experiment", "run", "sweep.toml", "-w", "2", "-q"],
    "validate": ["validate", "-r", "2", "-w", "2", "-q"],
}


class Audit:
    """The audit's state: the program, a scratch folder, the references, the options."""

    def __init__(self, simcomm: Path, scratch: Path, jobs: int, quick: bool, mount: bool) -> None:
        self.runner = Runner(simcomm, scratch)
        self.scratch = scratch
        self.jobs = jobs
        self.quick = quick
        self.mount = mount
        self.references: dict[str, Path] = {}
        self.durations: dict[str, float] = {}
        self._lock = threading.Lock()
        self._dirs: set[str] = set()

    def case_dir(self, category: str, name: str) -> Path:
        """Return a new empty folder for a case."""
        slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")[:60] or "case"
        with self._lock:
            base, k = slug, 1
            while f"{category}/{slug}" in self._dirs:
                slug, k = f"{base}-{k}", k + 1
            self._dirs.add(f"{category}/{slug}")
        path = self.scratch / category / slug
        path.mkdir(parents=True)
        return path

    def run(self, args: Sequence[str], cwd: Path, timeout: float = 180.0, fsize: int | None = None) -> Ran:
        """Run ``simcomm ARGS``; when it fails at import (simcomm/core mid-edit by someone), wait
        a minute and try again, up to three times. Returns the last Ran."""
        for attempt in range(4):
            ran = self.runner.run(args, cwd, timeout, fsize)
            if not core_broken(ran) or attempt == 3:
                return ran
            print(f"  (the program fails at import, probably mid-edit; retrying in 60 s: {quote(args)})",
                  file=sys.stderr)
            time.sleep(60)
        return ran

    def reference(self, key: str) -> Path:
        """Return the folder ``out`` written by the workload ``key`` run to the end (once per audit)."""
        with self._lock:
            if key in self.references:
                return self.references[key]
        where = self.case_dir("references", key)
        prepare_workload(key, where)
        ran = self.run([*WORKLOADS[key], "--out", "out"], where, timeout=900)
        if ran.code != 0:
            raise RuntimeError(f"reference run failed: {quote(WORKLOADS[key])}: {ran.stderr[-2000:]}")
        self.register(key, where / "out", ran.seconds)
        return where / "out"

    def register(self, key: str, out: Path, seconds: float) -> None:
        """Keep ``out`` as the reference output of workload ``key``, which took ``seconds``."""
        with self._lock:
            self.references.setdefault(key, out)
            self.durations.setdefault(key, seconds)

    def duration(self, key: str) -> float:
        """Return how long the workload ``key`` takes uninterrupted (running it if not yet done)."""
        self.reference(key)
        return self.durations[key]

    def finished(self) -> None:
        """Make the finished tiny experiment the summarize cases copy (once per audit)."""
        with FINISHED_LOCK:
            if "results" in FINISHED:
                return
            where = self.case_dir("references", "finished-tiny")
            (where / "exp.toml").write_text(EXPERIMENT)
            ran = self.run(["experiment", "run", "exp.toml", "-w", "1", "-q", "--out", "res"], where)
            if ran.code != 0:
                raise RuntimeError(f"the tiny experiment failed: {ran.stderr[-2000:]}")
            FINISHED["results"] = where / "res"


    def experiment_reference(self, args: Sequence[str]) -> Path:
        """Return the results of the sweep ``args`` (its --out aside) run uninterrupted: the
        interruption workload's (sweep.toml) or the tiny weekly one the disk-full cases use."""
        if "sweep.toml" in args:
            return self.reference("experiment")
        with self._lock:
            if "experiment-weekly" in self.references:
                return self.references["experiment-weekly"]
        where = self.case_dir("references", "experiment-weekly")
        (where / "exp.toml").write_text(EXPERIMENT_WEEKLY)
        ran = self.run(["experiment", "run", "exp.toml", "-w", "1", "-q", "--out", "res"], where, timeout=900)
        if ran.code != 0:
            raise RuntimeError(f"reference sweep failed: {ran.stderr[-2000:]}")
        self.register("experiment-weekly", where / "res", ran.seconds)
        return where / "res"


def prepare_workload(key: str, where: Path) -> None:
    """Write the files a workload needs into ``where`` (the sweep's experiment file)."""
    if key.startswith("experiment"):
        (where / "sweep.toml").write_text(EXPERIMENT_LONG)


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
    uninterrupted run's duration (the runs, the writing); SIGKILL of compare and experiment run;
    the dashboard (before and after its server answers)."""
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


def resume(audit: Audit, where: Path, args: list[str], out: str, what: str) -> Outcome:
    """Run the same ``experiment run`` again to the end and compare its results with an
    uninterrupted sweep's; return the resume Outcome."""
    ran = audit.run(args, where, timeout=600)
    problems = []
    if ran.code != 0:
        problems.append(f"exit status {ran.code}")
    else:
        problems += same_experiment(audit.experiment_reference(args), where / out)
        leftovers = [rel for rel in (str(p.relative_to(where)) for p in where.rglob("*")) if is_leftover(rel)]
        if leftovers:
            problems.append(f"temporary files left: {', '.join(leftovers[:3])}")
    return outcome("resume", f"resume {what}", args, problems, ran)


def same_experiment(a: Path, b: Path) -> list[str]:
    """Return how two experiment results folders differ in their runs and weekly tables and their
    manifests (times, sessions and the file's location aside); [] when identical."""
    problems = []
    for sub, keys in (("runs", ["point", "replicate"]), ("weekly", ["point", "replicate", "week"])):
        try:
            fa, fb = read_parts(a / sub, keys), read_parts(b / sub, keys)
        except Exception as exc:
            return [f"{sub}: a part cannot be read ({type(exc).__name__}: {exc})"]
        if (fa is None) != (fb is None):
            problems.append(f"{sub}: only one has it")
        elif fa is not None and fb is not None:
            try:
                pd.testing.assert_frame_equal(fa, fb, check_exact=True)
            except AssertionError as exc:
                problems.append(f"{sub} differ: {' '.join(str(exc).split())[:200]}")
    try:
        ma, mb = (json.loads((x / "manifest.json").read_text()) for x in (a, b))
    except (OSError, ValueError) as exc:
        return [*problems, f"manifest unreadable: {exc}"]
    for m in (ma, mb):
        for key in ("sessions", "start", "end", "experiment_file"):
            m.pop(key, None)
    if ma != mb:
        keys = sorted(k for k in set(ma) | set(mb) if ma.get(k) != mb.get(k))
        problems.append(f"manifests differ in {', '.join(keys)}")
    return problems




# ---- 3. a full disk ------------------------------------------------------------------------------
@dataclass
class Full:
    """A command whose writes fail part-way: ``mechanism`` 'fsize' (no file may grow past
    ``limit`` bytes) or 'tmpfs' (a full disk with ``limit`` bytes free). ``previous`` files are
    in place first and must be unchanged after."""

    name: str
    args: list[str]
    mechanism: str
    limit: int
    previous: tuple[str, ...] = ("out",)
    setup: Setup | None = None
    experiment: bool = False
    quick: bool = False


PREVIOUS: dict[str, dict[str, str]] = {
    "out": {"out/timeseries.csv": "the previous run's", "out/notes.txt": "mine"},
    "validation-page": {"docs/validation.md": "the previous page",
                        "docs/validation/validation.csv": "its table"},
    "claims-page": {"docs/claims.md": "the previous page", "docs/claims/claims.csv": "its table"},
    "summary": {},
}


def disk_full_cases(quick: bool, mount: bool) -> list[Full]:
    """Every command that writes, on a disk that fills part-way: once under RLIMIT_FSIZE (the
    first file over 1,000 bytes fails) and once on a full tmpfs (about 16 kB free, when root)."""
    commands: list[tuple[str, list[str], tuple[str, ...], Setup | None, bool]] = [
        ("run --out", ["run", "organic", *TINY, "-q", "--out", "out"], ("out",), None, False),
        ("compare --out", ["compare", "organic", "-r", "2", "-w", "1", *TINY, "-q", "--out", "out"], ("out",),
         None, False),
        ("experiment run", ["experiment", "run", "exp.toml", "-w", "1", "-q", "--out", "res"], (),
         write("exp.toml", EXPERIMENT_WEEKLY), True),
        ("story --out", ["story", "organic", *TINY, "--frames", "2", "--out", "out"], ("out",), None, False),
        ("claims --report", ["claims", "-q", "-r", "2", "--points", "0", "--weeks", "5", "-w", "1", "--only",
                             "turnover-hurts", "--report", "docs/claims.md"], ("claims-page",), None, False),
        ("explain --out", ["explain", "organic", "-r", "1", "-w", "1", *TINY, "-q", "--out", "out"], ("out",),
         None, False),
        ("sensitivity --out", ["sensitivity", "organic", "--params", "promo_share", "-n", "2", "-w", "1",
                               *TINY,
                               "-q", "--metric", "peak_active", "--out", "out"], ("out",), None, False),
        ("experiment summarize", ["experiment", "summarize", "res"], ("summary",),
         finished_results("res"), False),
    ]
    cases = []
    for what, args, previous, setup, exp in commands:
        cases.append(Full(f"{what} (file size limit)", args, "fsize", 1000, previous, setup, exp,
                          quick=what in ("run --out", "experiment run")))
        if mount:
            cases.append(Full(f"{what} (full tmpfs)", args, "tmpfs", 16_384, previous, setup, exp,
                              quick=what in ("compare --out",)))
    validate = ["validate", "-r", "2", "-w", "2", "-q"]
    cases.append(Full("validate --out (file size limit)", [*validate, "--out", "out"], "fsize", 1000,
                      ("out",)))
    cases.append(Full("validate --report (file size limit, later file)", [*validate, "--report",
                                                                          "docs/validation.md"],
                      "fsize", 30_000, ("validation-page",)))
    if mount:
        cases.append(Full("validate --out --report (full tmpfs)", [*validate, "--out", "out", "--report",
                                                                   "docs/validation.md"],
                          "tmpfs", 16_384, ("out", "validation-page")))
    return [c for c in cases if c.quick] if quick else cases


def run_full(audit: Audit, case: Full) -> list[Outcome]:
    """Run a disk-full case and judge it; an experiment's case is followed by a resume."""
    where = audit.case_dir("disk-full", case.name)
    if case.setup is not None and "summarize" in case.args:
        audit.finished()
    disk = where / "disk"
    mount = tmpfs(disk, 4 << 20) if case.mechanism == "tmpfs" else contextlib.nullcontext(disk)
    outcomes = []
    with mount:
        disk.mkdir(exist_ok=True)
        if case.setup is not None:
            case.setup(disk)
        for key in case.previous:
            for rel, text in PREVIOUS[key].items():
                (disk / rel).parent.mkdir(parents=True, exist_ok=True)
                (disk / rel).write_text(text)
        if "summarize" in case.args:  # a previous summary, to be kept
            (disk / "res" / "summary").mkdir()
            (disk / "res" / "summary" / "points.csv").write_text("the previous summary")
        filler = fill(disk, case.limit) if case.mechanism == "tmpfs" else None

        def skip(rel: str) -> bool:
            return rel == ".audit-filler"

        before = snapshot(disk, skip)
        ran = audit.run(case.args, disk, timeout=600, fsize=case.limit if case.mechanism == "fsize" else None)
        after = snapshot(disk, skip)
        problems = []
        lines = stderr_lines(ran.stderr)
        if ran.code != 2:
            problems.append(f"exit status {ran.code}, expected 2" + (" (the disk did not fill)"
                                                                       if ran.code == 0 else ""))
        if "Traceback" in ran.stderr:
            problems.append("traceback")
        if len(lines) != 1:
            problems.append(f"{len(lines)} lines on stderr, expected 1")
        elif not re.search(r"No space left|File too large|space|full", lines[0], re.IGNORECASE):
            problems.append("the message does not say the disk is full")
        if case.experiment:
            exp_problems, saved = experiment_problems(disk / "res", strict=True)
            problems += exp_problems
            outcomes.append(outcome("disk-full", case.name, case.args, problems, ran,
                                    [f"{saved} runs saved"]))
            if filler is not None:
                filler.unlink()
            outcomes.append(resume(audit, disk, [*case.args], "res", f"after {case.name}"))
        else:
            changed = difference(before, after)
            if changed:
                problems.append(f"the previous outputs changed ({changed})")
            outcomes.insert(0, outcome("disk-full", case.name, case.args, problems, ran))
    return outcomes


# ---- 4. determinism ------------------------------------------------------------------------------
@dataclass
class Same:
    """Run ``first`` and ``second`` in two folders (each prepared by ``setup``); their output
    ``out`` (and their stdout, when ``stdout``) must be identical. ``reference`` names the
    workload whose reference the second run becomes."""

    name: str
    first: list[str]
    second: list[str]
    out: str = "out"
    setup: Setup | None = None
    stdout: bool = False
    experiment: bool = False
    reference: str = ""
    quick: bool = False
    then: list[str] = field(default_factory=list)  # run after each (e.g. summarize), compared too


def determinism_cases(quick: bool) -> list[Same]:
    """The same command twice, or with --workers 1 and 2; see :class:`Same`."""
    def w(args: list[str], n: int) -> list[str]:
        return [*args, "-w", str(n)]

    def without_workers(args: list[str]) -> list[str]:
        i = args.index("-w")
        return args[:i] + args[i + 2:]

    compare = without_workers(WORKLOADS["compare"])
    compare_prev = without_workers(WORKLOADS["compare-previous"])
    sens = ["sensitivity", "organic", "--params", "promo_share,moderation", "-n", "4", "--weeks", "52",
            "--set", "partners=500", "-q", "--metric", "peak_active", "--out", "out"]
    cases = [
        Same("run twice (files and --json)", [*WORKLOADS["run"], "--out", "out", "--json"],
             [*WORKLOADS["run"], "--out", "out", "--json"], stdout=True, reference="run", quick=True),
        Same("run --seed 1 twice", [*WORKLOADS["run-previous"], "--out", "out"],
             [*WORKLOADS["run-previous"], "--out", "out"], reference="run-previous"),
        Same("compare -w 1 vs -w 2 (files and --json)", [*w(compare, 1), "--out", "out", "--json"],
             [*w(compare, 2), "--out", "out", "--json"], stdout=True, reference="compare", quick=True),
        Same("compare -r 3: -w 1 vs -w 2", [*w(compare_prev, 1), "--out", "out"],
             [*w(compare_prev, 2), "--out", "out"], reference="compare-previous"),
        Same("experiment run -w 1 vs -w 2 (tables), then summarize",
             ["experiment", "run", "sweep.toml", "-w", "1", "-q", "--out", "res"],
             ["experiment", "run", "sweep.toml", "-w", "2", "-q", "--out", "res"], out="res",
             setup=write("sweep.toml", EXPERIMENT_LONG), experiment=True, quick=True, reference="experiment",
             then=["experiment", "summarize", "res"]),
        Same("sensitivity morris -w 1 vs -w 2", w(sens, 1), w(sens, 2)),
        Same("sensitivity sobol twice (--seed 0; -w 2, -w 1)", [*w(sens, 2), "--method", "sobol"],
             [*w(sens, 1), "--method", "sobol"]),
        Same("story twice", ["story", "organic", "--weeks", "52", "--set", "partners=500", "--frames", "4",
                             "--out", "out"],
             ["story", "organic", "--weeks", "52", "--set", "partners=500", "--frames", "4", "--out", "out"],
             quick=True),
        Same("explain -w 1 vs -w 2", ["explain", "staff-churn", "-r", "3", "--weeks", "52", "--set",
                                      "partners=500", "-q", "-w", "1", "--out", "out"],
             ["explain", "staff-churn", "-r", "3", "--weeks", "52", "--set", "partners=500", "-q", "-w", "2",
              "--out", "out"]),
        Same("claims -w 1 vs -w 2", ["claims", "-q", "-r", "2", "--points", "2", "--weeks", "26", "-w", "1",
                                     "--report", "out/claims.md"],
             ["claims", "-q", "-r", "2", "--points", "2", "--weeks", "26", "-w", "2", "--report",
              "out/claims.md"]),
        Same("validate -w 1 vs -w 2", ["validate", "-r", "2", "-w", "1", "-q", "--out", "out"],
             [*WORKLOADS["validate"], "--out", "out"], reference="validate"),
    ]
    return [c for c in cases if c.quick] if quick else cases


def run_same(audit: Audit, case: Same) -> Outcome:
    """Run a determinism case and judge it."""
    where = audit.case_dir("determinism", case.name)
    rans = []
    seconds = 0.0
    for label, args in (("a", case.first), ("b", case.second)):
        (where / label).mkdir()
        if case.setup is not None:
            case.setup(where / label)
        ran = audit.run(args, where / label, timeout=900)
        rans.append(ran)
        seconds = ran.seconds
        if case.then and ran.code == 0:
            rans.append(audit.run(case.then, where / label, timeout=300))
    problems: list[str] = []
    notes: list[str] = []
    for ran in rans:
        if ran.code != 0:
            problems.append(f"exit status {ran.code}: {' | '.join(stderr_lines(ran.stderr)[-2:])[:300]}")
    if not problems:
        a, b = where / "a" / case.out, where / "b" / case.out
        if case.experiment:
            problems += same_experiment(a, b)
            summary_problems, summary_notes = same_outputs(a / "summary", b / "summary")
            problems += summary_problems
            notes += summary_notes
        else:
            p, n = same_outputs(a, b)
            problems += p
            notes += n
        if case.stdout and rans[0].stdout != rans[1].stdout:
            problems.append("stdout differs")
        problems += mode_problems(b)
        if case.reference and not problems:  # the second run is the workload: a reference, timed
            audit.register(case.reference, b, seconds)
    last = rans[-1]
    return outcome("determinism", case.name, case.first, problems, last, notes)


def mode_problems(out: Path) -> list[str]:
    """Return a problem when files under ``out`` do not have the mode any new file gets here
    (0666 without the umask): written through a temporary file (0600) and renamed, they would be
    unreadable to others."""
    mask = os.umask(0)
    os.umask(mask)
    expected = 0o666 & ~mask
    odd = sorted(str(p.relative_to(out)) for p in out.rglob("*")
                 if p.is_file() and not p.is_symlink() and stat.S_IMODE(p.stat().st_mode) != expected)
    if not odd:
        return []
    return [f"{len(odd)} files without the mode of a new file ({expected:o}): {', '.join(odd[:3])}"]


# ---- the whole audit -----------------------------------------------------------------------------
def commit() -> str:
    """Return the short commit of the repository and whether the working tree has changes."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown commit"
    return head + (" (working tree with uncommitted changes)" if dirty else "")


def sanity(audit: Audit) -> None:
    """Check the program runs at all (waiting up to 5 minutes while someone's edit is half done)."""
    where = audit.case_dir("references", "sanity")
    for _ in range(6):
        ran = audit.runner.run(["run", "organic", "--weeks", "2", "--set", "partners=50", "-q"], where, 300)
        if ran.code == 0:
            return
        print(f"audit: the program does not run yet ({stderr_lines(ran.stderr)[-1:]}); waiting 60 s",
              file=sys.stderr)
        time.sleep(60)
    sys.exit(f"audit: 'simcomm run organic' fails: {ran.stderr[-2000:]}")


def parallel(jobs: int, items: Sequence[Any], work: Callable[[Any], Any], label: str) -> list[Any]:
    """Return ``work(item)`` for each item, ``jobs`` at a time, printing progress; a case that
    raises becomes a failed Outcome."""
    results: list[Any] = [None] * len(items)
    done = 0
    with cf.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(work, item): i for i, item in enumerate(items)}
        for fut in cf.as_completed(futures):
            i = futures[fut]
            try:
                results[i] = fut.result()
            except Exception as exc:
                results[i] = Outcome(label, items[i].name, "", False,
                                     [f"audit error: {type(exc).__name__}: {exc}"])
            done += 1
            failed = [o for o in (results[i] if isinstance(results[i],
                                                           list) else [results[i]]) if not o.passed]
            mark = "FAIL" if failed else "ok"
            print(f"  [{label} {done}/{len(items)}] {mark:4} {items[i].name}", file=sys.stderr, flush=True)
    return results


def flatten(results: Sequence[Outcome | list[Outcome]]) -> list[Outcome]:
    """Return the outcomes of cases that give one or several."""
    out: list[Outcome] = []
    for r in results:
        out += r if isinstance(r, list) else [r]
    return out


def report(outcomes: Sequence[Outcome], header: str) -> str:
    """Return the summary table and every failing case, as text."""
    lines = [header, "", f"{'category':<14}{'tried':>7}{'passed':>8}  criterion"]
    for category in CATEGORIES:
        mine = [o for o in outcomes if o.category == category]
        if mine:
            startup = sum(not o.passed and any("Python's start-up" in n for n in o.notes) for o in mine)
            extra = f" ({startup} not: interrupted in Python's own start-up)" if startup else ""
            lines.append(f"{category:<14}{len(mine):>7}{sum(o.passed for o in mine):>8}  "
                         f"{CRITERIA[category]}{extra}")
    failing = [o for o in outcomes if not o.passed]
    lines.append("")
    lines.append(f"{len(failing)} failing case{'s' if len(failing) != 1 else ''}" + (":" if failing else "."))
    for o in failing:
        lines.append(f"\n[{o.category}] {o.name}")
        lines.append(f"  $ {o.command}")
        lines.append(f"  exit status {o.code}; " + "; ".join(o.problems))
        for ln in stderr_lines(o.stderr)[:3]:
            lines.append(f"  stderr: {ln[:300]}")
        for note in o.notes:
            lines.append(f"  note: {note}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the audit; return 0 when every case passed, else 1."""
    # A background job of a non-interactive shell (`audit.py &` in a script) starts with Ctrl-C
    # ignored, and every command it starts would inherit that: no Ctrl-C case could mean anything.
    # A terminal's user has Ctrl-C at its default, so the commands audited get that.
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a subset of each category (a few minutes)")
    parser.add_argument("--category", action="append", choices=CATEGORIES,
                        help="run only this category (repeatable) [default: all]")
    parser.add_argument("--match", default="", help="run only cases whose name contains this text")
    parser.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 2),
                        help="bad-input and disk-full cases run at once [default: the cores, at most 4]")
    parser.add_argument("--simcomm", type=Path, default=None,
                        help="the program to audit [default: installed]")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument("--json", type=Path, default=None, help="also write every outcome to this JSON file")
    options = parser.parse_args(argv)
    chosen = set(options.category or CATEGORIES)
    mount = can_mount()
    wanted: Callable[[Any], bool] = lambda c: options.match.lower() in c.name.lower()  # noqa: E731
    bad = [c for c in bad_input_cases(options.quick, mount) if wanted(c)] if "bad-input" in chosen else []
    interrupts = [c for c in interruption_cases(options.quick) if wanted(c)
                  and ("interruption" in chosen or ("resume" in chosen and c.workload == "experiment"))]
    fulls = [c for c in disk_full_cases(options.quick, mount) if wanted(c)
             and ("disk-full" in chosen or ("resume" in chosen and c.experiment))]
    sames = [c for c in determinism_cases(options.quick) if wanted(c)] if "determinism" in chosen else []
    if options.list:
        for label, cases in (("bad-input", bad), ("interruption", interrupts), ("disk-full", fulls),
                             ("determinism", sames)):
            for c in cases:
                print(f"{label:<13} {c.name}")
        print(f"{len(bad)} bad inputs, {len(interrupts)} interruptions, {len(fulls)} disk-full, "
              f"{len(sames)} determinism", file=sys.stderr)
        return 0
    simcomm = options.simcomm or find_simcomm()
    scratch = Path(tempfile.mkdtemp(prefix="simcomm-audit-"))
    audit = Audit(simcomm, scratch, options.jobs, options.quick, mount)
    began = time.monotonic()
    outcomes: list[Outcome] = []
    print(f"audit: {simcomm}, scratch {scratch}; {len(bad)} bad inputs, {len(interrupts)} interruptions, "
          f"{len(fulls)} disk-full, {len(sames)} determinism cases"
          + ("" if mount else " (no tmpfs: not root, full-tmpfs and read-only cases skipped)"),
          file=sys.stderr)
    try:
        sanity(audit)
        if sames:
            outcomes += flatten(parallel(1, sames, lambda c: run_same(audit, c), "determinism"))
        if bad:
            audit.finished()  # the finished sweep that summarize and --out cases copy
            outcomes += flatten(parallel(options.jobs, bad, lambda c: run_bad(audit, c), "bad-input"))
        if interrupts:
            outcomes += flatten(parallel(1, interrupts, lambda c: run_interrupt(audit, c), "interruption"))
        if fulls:
            audit.finished()
            outcomes += flatten(parallel(options.jobs, fulls, lambda c: run_full(audit, c), "disk-full"))
    finally:
        seconds = time.monotonic() - began
        if not options.keep and not any(not o.passed for o in outcomes):
            shutil.rmtree(scratch, ignore_errors=True)
    version = audit.runner.run(["--version"], scratch if scratch.exists() else Path.cwd()).stdout.strip()
    header = (f"simcomm fault audit ({'quick' if options.quick else 'full'}): {version}, commit {commit()}, "
              f"{dt.datetime.now().strftime('%Y-%m-%d %H:%M')}, {seconds / 60:.1f} min, "
              f"{os.cpu_count()} cores"
              + ("" if mount else "; no tmpfs (full-disk cases use the file size limit only)"))
    print(report(outcomes, header))
    if scratch.exists():
        print(f"\nscratch folder kept: {scratch}", file=sys.stderr)
    if options.json is not None:
        options.json.write_text(json.dumps({"header": header, "seconds": round(seconds, 1),
                                            "outcomes": [dataclasses.asdict(o) for o in outcomes]}, indent=2))
    return 0 if all(o.passed for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())

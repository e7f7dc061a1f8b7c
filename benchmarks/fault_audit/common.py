"""The audit's common ground: running the program, its processes, comparing folders, outcomes,
mounts and the fixture files."""


import contextlib
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parents[2]
CATEGORIES: tuple[str, ...] = ("bad-input", "interruption", "disk-full", "resume", "determinism",
                               "out-folder", "signals", "dashboard", "escapes", "oversized")
CRITERIA: dict[str, str] = {
    "bad-input": "handled",
    "interruption": "safe",
    "disk-full": "clean",
    "resume": "safe",
    "determinism": "identical",
    "out-folder": "kept",
    "signals": "said",
    "dashboard": "own page only",
    "escapes": "escaped",
    "oversized": "refused",
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
              stdout: Any = subprocess.PIPE, env: Mapping[str, str] | None = None,
              prefix: Sequence[str] = ()) -> tuple[subprocess.Popen[str], str]:
        """Start ``simcomm ARGS`` in ``cwd`` in a new session (with ``env`` added to its
        environment, and the command after ``prefix``, e.g. a shell that limits it first);
        return the process and its marker."""
        marker = uuid.uuid4().hex
        proc = subprocess.Popen([*prefix, *self.command(args, fsize)], cwd=cwd, stdin=subprocess.DEVNULL,
                                stdout=stdout, stderr=subprocess.PIPE, text=True, errors="replace",
                                env={**self.env, **(env or {}), MARKER: marker}, start_new_session=True)
        return proc, marker

    def run(self, args: Sequence[str], cwd: Path, timeout: float = 180.0, fsize: int | None = None,
            env: Mapping[str, str] | None = None, prefix: Sequence[str] = ()) -> Ran:
        """Run ``simcomm ARGS`` in ``cwd`` to the end (killed after ``timeout`` s); return a Ran.
        Any process it leaves behind is ended."""
        started = time.monotonic()
        proc, marker = self.start(args, cwd, fsize, env=env, prefix=prefix)
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
    """Return True for a staging folder or temporary file of an interrupted write (or inside one):
    simcomm's own names (``.simcomm-stage.PID.HEX``, ``.simcomm-tmp.PID.HEX``), and those of
    older versions (``.NAME.*.staging``, ``*.tmp``)."""
    return any(part.startswith((".simcomm-stage.", ".simcomm-tmp."))
               or (part.startswith(".") and part.endswith(".staging")) or part.endswith(".tmp")
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

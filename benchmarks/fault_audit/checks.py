"""The categories of issue 26 as checks: each case is a function that prepares its folder, runs the
program and returns what was wrong (:class:`Check`, :func:`run_check`)."""


import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fault_audit.common import Outcome, Ran, outcome, stderr_lines
from fault_audit.state import Audit

MANIFEST = ".simcomm-manifest.json"
PROGRAM_HOOK = "SIMCOMM_TEST_INTERRUPT"  # simcomm.runs.interruption's test hook


@dataclass
class Verdict:
    """What a check found: its problems (none: passed), the command it judged, what it did, notes."""

    problems: list[str] = field(default_factory=list)
    args: list[str] = field(default_factory=list)
    ran: Ran | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Check:
    """A case of one of the categories of issue 26: ``judge(audit, folder)`` returns a Verdict."""

    category: str
    name: str
    judge: Callable[[Audit, Path], Verdict]
    quick: bool = False
    needs_mount: bool = False


def run_check(audit: Audit, check: Check) -> Outcome:
    """Run a check in a fresh folder and return its Outcome."""
    where = audit.case_dir(check.category, check.name)
    verdict = check.judge(audit, where)
    return outcome(check.category, check.name, verdict.args, verdict.problems, verdict.ran, verdict.notes)


def one_line_problems(ran: Ran, code: int, *fragments: str) -> list[str]:
    """Return what is wrong with a refusal: not exit status ``code``, not exactly one line on
    stderr, a traceback, or a line without one of ``fragments``."""
    problems = []
    lines = stderr_lines(ran.stderr)
    if ran.timed_out:
        problems.append("did not end in time (it started the work?)")
    elif ran.code != code:
        problems.append(f"exit status {ran.code}, expected {code}")
    if "Traceback" in ran.stderr:
        problems.append("traceback")
    if len(lines) != 1:
        problems.append(f"{len(lines)} lines on stderr, expected 1")
    for fragment in fragments:
        if lines and fragment.lower() not in lines[-1].lower():
            problems.append(f"the message does not say {fragment!r}")
    return problems


def whole_set(folder: Path) -> tuple[dict | None, str]:
    """Return (the manifest, '') when ``folder`` holds a whole output set (the manifest complete,
    every file it lists of that size), else (None, why not): the check a reader makes."""
    import hashlib

    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return None, f"no readable manifest ({exc})"
    if manifest.get("complete") is not True:
        return None, "the manifest says the set is incomplete"
    for name, record in manifest.get("files", {}).items():
        path = folder / name
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != record.get("sha256"):
            return None, f"{name} differs from the manifest"
    return manifest, ""

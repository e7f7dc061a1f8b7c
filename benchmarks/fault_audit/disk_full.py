"""Category 3, a full disk (CLEAN): files that cannot grow, a tiny full tmpfs."""


import contextlib
import re
from dataclasses import dataclass
from pathlib import Path

from fault_audit.bad_input import finished_results
from fault_audit.common import (
    EXPERIMENT_WEEKLY,
    TINY,
    Outcome,
    Setup,
    difference,
    experiment_problems,
    fill,
    outcome,
    snapshot,
    stderr_lines,
    tmpfs,
    write,
)
from fault_audit.resume import resume
from fault_audit.state import Audit


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


# The previous outputs: (output folder, file, text) for a file of an earlier output set of simcomm's
# (written through simcomm's own staged_output, so that its manifest lists it: simcomm replaces only
# its own files), (None, path, text) for a file of the user's or a page.
PREVIOUS: dict[str, list[tuple[str | None, str, str]]] = {
    "out": [("out", "timeseries.csv", "the previous run's"), (None, "out/notes.txt", "mine")],
    "validation-page": [(None, "docs/validation.md", "the previous page"),
                        ("docs/validation", "validation.csv", "its table")],
    "claims-page": [(None, "docs/claims.md", "the previous page"),
                    ("docs/claims", "claims.csv", "its table")],
    "summary": [("res/summary", "points.csv", "the previous summary")],
}


def plant(disk: Path, key: str) -> None:
    """Put the previous outputs ``PREVIOUS[key]`` in ``disk``."""
    from simcomm.runs.output_set import staged_output

    sets: dict[str, list[tuple[str, str]]] = {}
    for folder, rel, text in PREVIOUS[key]:
        if folder is None:
            (disk / rel).parent.mkdir(parents=True, exist_ok=True)
            (disk / rel).write_text(text)
        else:
            sets.setdefault(folder, []).append((rel, text))
    for folder, files in sets.items():
        with staged_output(disk / folder) as stage:
            for rel, text in files:
                (stage / rel).write_text(text)


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
            plant(disk, key)
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

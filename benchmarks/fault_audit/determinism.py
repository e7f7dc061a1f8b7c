"""Category 4, determinism (IDENTICAL): the same command twice, or with 1 and 2 workers."""


import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from fault_audit.common import EXPERIMENT_LONG, Outcome, Setup, outcome, same_outputs, stderr_lines, write
from fault_audit.resume import same_experiment
from fault_audit.state import WORKLOADS, Audit


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

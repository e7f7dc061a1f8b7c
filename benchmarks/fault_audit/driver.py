"""The whole audit: choosing the cases, running them in parallel, the report and the command line
(:func:`main`)."""


import argparse
import concurrent.futures as cf
import dataclasses
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import fault_audit
from fault_audit.bad_input import bad_input_cases, run_bad
from fault_audit.checks import Check, run_check
from fault_audit.common import CATEGORIES, CRITERIA, ROOT, Outcome, can_mount, find_simcomm, stderr_lines
from fault_audit.determinism import determinism_cases, run_same
from fault_audit.disk_full import disk_full_cases, run_full
from fault_audit.escapes import escape_cases
from fault_audit.interruption import interruption_cases, run_interrupt
from fault_audit.out_folder import out_folder_cases
from fault_audit.oversized import oversized_cases
from fault_audit.own_page import dashboard_cases
from fault_audit.signals import signals_cases
from fault_audit.state import Audit


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
    parser = argparse.ArgumentParser(description=(fault_audit.__doc__ or "").split("\n\n")[0],
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
    checks: list[Check] = [c for c in (*out_folder_cases(options.quick, mount), *signals_cases(options.quick),
                                       *dashboard_cases(options.quick), *escape_cases(options.quick),
                                       *oversized_cases(options.quick, mount))
                           if c.category in chosen and wanted(c)]
    if options.list:
        for label, cases in (("bad-input", bad), ("interruption", interrupts), ("disk-full", fulls),
                             ("determinism", sames)):
            for c in cases:
                print(f"{label:<13} {c.name}")
        for check in checks:
            print(f"{check.category:<13} {check.name}")
        print(f"{len(bad)} bad inputs, {len(interrupts)} interruptions, {len(fulls)} disk-full, "
              f"{len(sames)} determinism, {len(checks)} checks of issue 26", file=sys.stderr)
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
        light = [c for c in checks if c.category in ("escapes", "oversized")]  # quick refusals, in parallel
        heavy = [c for c in checks if c not in light]  # timing, pools, mounts, a server: one at a time
        if light:
            outcomes += flatten(parallel(options.jobs, light, lambda c: run_check(audit, c), "issue 26"))
        if heavy:
            outcomes += flatten(parallel(1, heavy, lambda c: run_check(audit, c), "issue 26"))
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

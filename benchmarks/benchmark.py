"""Speed and memory of simcomm: partner-weeks and member-weeks per second, runs per second, peak memory.

Usage::

    .venv/bin/python benchmarks/benchmark.py            # 1k, 2k, 10k, 100k partners x 260 weeks
    .venv/bin/python benchmarks/benchmark.py --quick    # smoke test: 2k partners only

Every measurement runs in a fresh Python subprocess, so each peak-memory figure (``ru_maxrss``
of that process, MiB) is clean. Inside it, the timed region is one ``simcomm.run(scenario,
weeks=W, seed=S, overrides={"partners": N})`` call; interpreter start-up and imports are not
timed (lifelines, which ``simcomm.run`` imports lazily for its summary, is imported first).
Peak memory includes the interpreter and the imported libraries; the ``baseline`` row shows
how much of it that is.

Speed is partner-weeks per second = partners x weeks / wall seconds (a child also prints its CPU
seconds, ``cpu_seconds``, steadier on a shared machine), counting every partner in
the population, and member-weeks per second = the members (active or lurking) summed over the
weeks / wall seconds, the part of the population the weekly mechanisms work on; "peak active" is
the most active members in any week. Runs per second is 1 / seconds at the default size (2,000
partners). The targets printed next to the figures: 10k x 260 under 2 s; 100k x 260 under 10 s
and under 1 GiB. The last ratio to a plain per-agent Mesa port is in docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

SCENARIOS: tuple[str, ...] = ("organic", "vendor-imposed")
FULL_SIZES: tuple[int, ...] = (1_000, 2_000, 10_000, 100_000)
QUICK_SIZES: tuple[int, ...] = (2_000,)
DEFAULT_SIZE = 2_000  # the default channel: runs per second are reported at this size
GIB = 1024.0  # MiB

T = TypeVar("T")


@dataclass
class Measurement:
    """One benchmark run: which model, scenario and size, and what it cost."""

    impl: str  # "fast" (simcomm.run) or "baseline" (imports only)
    scenario: str
    partners: int
    weeks: int
    seconds: float
    peak_mib: float
    peak_active: int = 0  # most active members in any week (the community within the population)
    member_weeks: int = 0  # members (active or lurking) summed over the weeks

    @property
    def agent_weeks_per_s(self) -> float:
        """Return partners x weeks / wall seconds (0 for the baseline)."""
        return self.partners * self.weeks / self.seconds if self.seconds > 0 else 0.0

    @property
    def member_weeks_per_s(self) -> float:
        """Return members (active or lurking) summed over the weeks / wall seconds (0 for the baseline)."""
        return self.member_weeks / self.seconds if self.seconds > 0 else 0.0


# ---- child process: one clean measurement ----------------------------------------------------
def _peak_mib() -> float:
    """Return this process's peak resident set size in MiB (ru_maxrss: KiB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024.0 * 1024.0) if sys.platform == "darwin" else rss / 1024.0


def child(impl: str, scenario: str, partners: int, weeks: int, seed: int) -> dict[str, Any]:
    """Run one measurement in this (fresh) process and return its figures as a dict."""
    import lifelines  # noqa: F401  (imported lazily by simcomm.run's summary: keep it untimed)

    import simcomm

    run = simcomm.run  # the package imports lazily: load the model's modules before timing
    overrides = {"partners": partners}
    seconds, cpu_seconds, peak_active, member_weeks = 0.0, 0.0, 0, 0
    if impl == "fast":
        t0, c0 = time.perf_counter(), time.process_time()
        result = run(scenario, weeks=weeks, seed=seed, overrides=overrides)
        seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
        ts = result.timeseries
        peak_active = int(ts["active_members"].max())
        member_weeks = int((ts["active_members"] + ts["lurking_members"]).sum())
    elif impl != "baseline":
        raise ValueError(f"unknown implementation {impl!r}")
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "peak_mib": _peak_mib(),
            "peak_active": peak_active, "member_weeks": member_weeks}


def measure(impl: str, scenario: str, partners: int, weeks: int, seed: int,
            timeout: float) -> Measurement:
    """Run ``child(...)`` in a fresh interpreter and return its Measurement."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", impl, scenario,
           str(partners), str(weeks), str(seed)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"measurement {impl} {scenario} {partners} failed:\n{out.stderr}")
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    return Measurement(impl, scenario, partners, weeks, figures["seconds"], figures["peak_mib"],
                       figures["peak_active"], figures["member_weeks"])


# ---- parent: the table -----------------------------------------------------------------------
def _progress(items: list[T], desc: str) -> Iterator[T]:
    """Yield ``items`` with a progress bar (tqdm, on stderr) or a line per item without it."""
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm is optional
        for i, item in enumerate(items, 1):
            print(f"[{i}/{len(items)}] {desc}: {item}", file=sys.stderr, flush=True)
            yield item
        return
    bar = tqdm(items, desc=desc, file=sys.stderr, leave=False)
    for item in bar:
        bar.set_postfix_str(str(item))
        yield item


def target_note(m: Measurement) -> str:
    """Return the target for this measurement and whether it was met ('' when there is none)."""
    if m.impl != "fast" or m.weeks != 260:
        return ""
    if m.partners == 10_000:
        return f"< 2 s: {'ok' if m.seconds < 2.0 else 'MISSED'}"
    if m.partners == 100_000:
        ok_t, ok_m = m.seconds < 10.0, m.peak_mib < GIB
        return (f"< 10 s: {'ok' if ok_t else 'MISSED'}; "
                f"< 1 GiB: {'ok' if ok_m else 'MISSED'}")
    return ""


def format_table(rows: Iterable[Measurement]) -> str:
    """Return the measurements as a fixed-width text table."""
    head = (f"{'model':<9}{'scenario':<16}{'partners':>9}{'weeks':>6}{'peak active':>12}"
            f"{'seconds':>9}{'runs/s':>8}{'partner-weeks/s':>17}{'member-weeks/s':>16}"
            f"{'peak MiB':>10}  target")
    lines = [head, "-" * len(head)]
    for m in rows:
        if m.impl == "baseline":  # interpreter and imports only: nothing is run
            lines.append(f"{'baseline':<9}{'(imports only)':<16}{'-':>9}{'-':>6}{'-':>12}{'-':>9}"
                         f"{'-':>8}{'-':>17}{'-':>16}{m.peak_mib:>10.0f}")
            continue
        lines.append(f"{m.impl:<9}{m.scenario:<16}{m.partners:>9,}{m.weeks:>6}{m.peak_active:>12,}"
                     f"{m.seconds:>9.2f}{1.0 / m.seconds if m.seconds else 0.0:>8.2f}"
                     f"{m.agent_weeks_per_s:>17,.0f}{m.member_weeks_per_s:>16,.0f}{m.peak_mib:>10.0f}  "
                     f"{target_note(m)}")
    return "\n".join(lines)


def versions() -> str:
    """Return the Python, numpy and mesa versions (and the machine) as one line."""
    import mesa
    import numpy

    import simcomm

    return (f"Python {platform.python_version()}, numpy {numpy.__version__}, mesa {mesa.__version__}, "
            f"simcomm {simcomm.__version__}; {platform.machine()}, {_cpu_count()} CPU(s)")


def _cpu_count() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def run_benchmark(sizes: tuple[int, ...], weeks: int, seed: int, repeat: int, timeout: float,
                  emit: Callable[[str], None] = print) -> list[Measurement]:
    """Run every measurement (best wall time of ``repeat`` runs each) and print the report.

    ``sizes`` are the partner counts (simcomm.run). Returns the measurements in table order.
    """
    plan: list[tuple[str, str, int]] = [("baseline", "-", 0)]
    plan += [("fast", sc, n) for sc in SCENARIOS for n in sizes]
    labels = [f"{impl} {sc} {n:,}" for impl, sc, n in plan]
    results: list[Measurement] = []
    by_label = dict(zip(labels, plan, strict=True))
    for label in _progress(labels, "benchmark"):
        impl, sc, n = by_label[label]
        runs = [measure(impl, sc, n, weeks, seed, timeout) for _ in range(max(1, repeat))]
        best = min(runs, key=lambda m: m.seconds)
        best.peak_mib = max(m.peak_mib for m in runs)
        results.append(best)

    emit(f"simcomm benchmark: {weeks} weeks, seed {seed}, best of {max(1, repeat)} run(s), "
         "each in a fresh process")
    emit(versions())
    emit("")
    emit(format_table(results))
    return results


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the benchmark (or, with --child, one measurement)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"smoke mode: {DEFAULT_SIZE:,} partners only")
    parser.add_argument("--weeks", type=int, default=260, help="weeks per run (default 260)")
    parser.add_argument("--seed", type=int, default=0, help="seed of every run (default 0)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per measurement; the best wall time is reported (default 1)")
    parser.add_argument("--timeout", type=float, default=3600.0,
                        help="seconds allowed per measurement (default 3600)")
    parser.add_argument("--child", nargs=5, metavar=("IMPL", "SCENARIO", "PARTNERS", "WEEKS", "SEED"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        impl, scenario, partners, weeks, seed = args.child
        print(json.dumps(child(impl, scenario, int(partners), int(weeks), int(seed))))
        return 0
    sizes = QUICK_SIZES if args.quick else FULL_SIZES
    run_benchmark(sizes, args.weeks, args.seed, args.repeat, args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Speed and memory of simcomm: agent-weeks per second and peak memory, vs a plain Mesa model.

Usage::

    .venv/bin/python benchmarks/benchmark.py            # 1k, 10k, 100k partners x 260 weeks
    .venv/bin/python benchmarks/benchmark.py --quick    # smoke test: 1k partners only

Every measurement runs in a fresh Python subprocess, so each peak-memory figure (``ru_maxrss``
of that process, MiB) is clean. Inside it, the timed region is one ``simcomm.run(scenario,
weeks=W, seed=S, overrides={"partners": N})`` call (or ``run_plain(...)`` of the per-agent
reference model in ``benchmarks/plain_mesa.py``); interpreter start-up and imports are not
timed (lifelines, which ``simcomm.run`` imports lazily for its summary, is imported first).
Peak memory includes the interpreter and the imported libraries; the ``baseline`` row shows
how much of it that is.

Speed is agent-weeks per second = partners x weeks / wall seconds, counting every partner in
the population; the "peak active" column shows how many of them were ever active members at
once (the community is a small part of a large population). The targets printed next to
the figures: 10k x 260 under 2 s; 100k x 260 under 10 s and under 1 GiB; the array model at
least 20x faster than the plain per-agent Mesa model at 1k partners x 260 weeks.
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

HERE = Path(__file__).resolve().parent
SCENARIOS: tuple[str, ...] = ("organic", "vendor-imposed")
FULL_SIZES: tuple[int, ...] = (1_000, 10_000, 100_000)
QUICK_SIZES: tuple[int, ...] = (1_000,)
PLAIN_SIZE = 1_000
TARGET_RATIO = 20.0
GIB = 1024.0  # MiB

T = TypeVar("T")


@dataclass
class Measurement:
    """One benchmark run: which model, scenario and size, and what it cost."""

    impl: str  # "fast" (simcomm.run), "plain" (benchmarks/plain_mesa.py) or "baseline"
    scenario: str
    partners: int
    weeks: int
    seconds: float
    peak_mib: float
    peak_active: int = 0  # most active members in any week (the community within the population)

    @property
    def agent_weeks_per_s(self) -> float:
        """Return partners x weeks / wall seconds (0 for the baseline)."""
        return self.partners * self.weeks / self.seconds if self.seconds > 0 else 0.0


# ---- child process: one clean measurement ----------------------------------------------------
def _peak_mib() -> float:
    """Return this process's peak resident set size in MiB (ru_maxrss: KiB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024.0 * 1024.0) if sys.platform == "darwin" else rss / 1024.0


def child(impl: str, scenario: str, partners: int, weeks: int, seed: int) -> dict[str, Any]:
    """Run one measurement in this (fresh) process and return its figures as a dict."""
    import lifelines  # noqa: F401  (imported lazily by simcomm.run's summary: keep it untimed)

    import simcomm

    overrides = {"partners": partners}
    seconds, peak_active = 0.0, 0
    if impl == "fast":
        t0 = time.perf_counter()
        result = simcomm.run(scenario, weeks=weeks, seed=seed, overrides=overrides)
        seconds = time.perf_counter() - t0
        peak_active = int(result.timeseries["active_members"].max())
    elif impl == "plain":
        sys.path.insert(0, str(HERE))
        from plain_mesa import run_plain

        t0 = time.perf_counter()
        weekly = run_plain(scenario, weeks, seed, overrides)
        seconds = time.perf_counter() - t0
        peak_active = int(weekly["active_members"].max())
    elif impl != "baseline":
        raise ValueError(f"unknown implementation {impl!r}")
    return {"seconds": seconds, "peak_mib": _peak_mib(), "peak_active": peak_active}


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
                       figures["peak_active"])


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
            f"{'seconds':>9}{'agent-weeks/s':>15}{'peak MiB':>10}  target")
    lines = [head, "-" * len(head)]
    for m in rows:
        if m.impl == "baseline":  # interpreter and imports only: nothing is run
            lines.append(f"{'baseline':<9}{'(imports only)':<16}{'-':>9}{'-':>6}{'-':>12}{'-':>9}"
                         f"{'-':>15}{m.peak_mib:>10.0f}")
            continue
        lines.append(f"{m.impl:<9}{m.scenario:<16}{m.partners:>9,}{m.weeks:>6}{m.peak_active:>12,}"
                     f"{m.seconds:>9.2f}"
                     f"{m.agent_weeks_per_s:>15,.0f}{m.peak_mib:>10.0f}  {target_note(m)}")
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


def run_benchmark(sizes: tuple[int, ...], weeks: int, seed: int, repeat: int,
                  plain_sizes: tuple[int, ...], timeout: float,
                  emit: Callable[[str], None] = print) -> list[Measurement]:
    """Run every measurement (best wall time of ``repeat`` runs each) and print the report.

    ``sizes`` are the partner counts of the array model (simcomm.run), ``plain_sizes`` those of
    the plain per-agent model (none: no ratio). Returns the measurements in table order.
    """
    plan: list[tuple[str, str, int]] = [("baseline", "-", 0)]
    plan += [("fast", sc, n) for sc in SCENARIOS for n in sizes]
    plan += [("plain", sc, n) for n in plain_sizes for sc in SCENARIOS]
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
    fast = {(m.scenario, m.partners): m for m in results if m.impl == "fast"}
    slow = {(m.scenario, m.partners): m for m in results if m.impl == "plain"}
    pairs = [(key, fast[key], slow[key]) for key in slow if key in fast]
    if pairs:
        emit("")
        emit(f"speed ratio fast / plain per-agent Mesa, {weeks} weeks "
             f"(target >= {TARGET_RATIO:.0f}x at {PLAIN_SIZE:,} partners):")
        for (sc, n), f, s in pairs:
            ratio = s.seconds / f.seconds
            verdict = ("ok" if ratio >= TARGET_RATIO else "MISSED") if n == PLAIN_SIZE else ""
            emit(f"  {sc:<16}{n:>9,} partners {ratio:6.1f}x  "
                 f"(plain {s.seconds:.2f} s / fast {f.seconds:.2f} s)  {verdict}")
    return results


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the benchmark (or, with --child, one measurement)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke mode: 1k partners only")
    parser.add_argument("--weeks", type=int, default=260, help="weeks per run (default 260)")
    parser.add_argument("--seed", type=int, default=0, help="seed of every run (default 0)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per measurement; the best wall time is reported (default 1)")
    parser.add_argument("--no-plain", action="store_true",
                        help="skip the plain per-agent Mesa model (and the speed ratio)")
    parser.add_argument("--plain-sizes", default=str(PLAIN_SIZE),
                        help=f"comma-separated partner counts for the plain model (default {PLAIN_SIZE})")
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
    plain_sizes = () if args.no_plain else tuple(int(x) for x in args.plain_sizes.split(",") if x)
    missing = sorted(set(plain_sizes) - set(sizes))
    if missing:  # the ratio needs the array model at the same size
        sizes = tuple(sorted(set(sizes) | set(missing)))
    run_benchmark(sizes, args.weeks, args.seed, args.repeat, plain_sizes, args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())

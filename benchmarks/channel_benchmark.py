"""Speed and memory of a channel: many communities over one population of partners (issue 24).

Usage::

    .venv/bin/python benchmarks/channel_benchmark.py                  # the table of docs/performance.md
    .venv/bin/python benchmarks/channel_benchmark.py --partners 100000 --communities 10 --kind member-run
    .venv/bin/python benchmarks/channel_benchmark.py --quick   # 20k partners x 10 communities, 52 weeks

A channel of ``--communities`` communities over ``--partners`` partners runs for ``--weeks`` weeks
(260 unless told), each measurement in a fresh Python subprocess, through the public API
(``simcomm.run_channel`` on a :class:`~simcomm.core.channel_plan.ChannelPlan` built here), so each
peak-memory figure (``ru_maxrss`` of that process, MiB) is clean. Two kinds of channel:

- ``member-run``: organic communities (run by their members) on the four problems in turn
  (technical, new business, cashflow, people), launched one after another through the first year;
  a community's members are few against the channel's partners, so this is where a cost in
  communities x partners would show.
- ``programmes``: vendor-imposed programmes on the technical problem, launched through the first
  year (channel-many-programmes at another size): each grows to a large share of the channel.

Reported: wall seconds of the whole ``run_channel`` call (imports untimed; the build of the
population and the first week is ``build s``, the weeks and the tables the rest), the CPU seconds
of the process in that call (``cpu s``, of which the build's ``build cpu``: on a loaded machine
wall seconds stretch, CPU seconds much less), peak
memory, memberships summed over the weeks (member-weeks: the work the weekly mechanisms do grows
with these) and the load average of the machine before and after (a shared machine: note it
beside the figures).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

KINDS: tuple[str, ...] = ("member-run", "programmes")
#: The table of docs/performance.md: (kind, partners, communities).
FULL: tuple[tuple[str, int, int], ...] = (
    ("member-run", 100_000, 10), ("member-run", 100_000, 100), ("member-run", 1_000_000, 10),
    ("member-run", 1_000_000, 100), ("programmes", 100_000, 10), ("programmes", 100_000, 100),
)
QUICK: tuple[tuple[str, int, int], ...] = (("member-run", 20_000, 10), ("programmes", 20_000, 10))


def channel_plan(kind: str, partners: int, communities: int) -> Any:
    """Return the ChannelPlan of one measurement: ``communities`` communities of ``kind`` over
    ``partners`` partners, launched one after another through the first year (weeks 0-51)."""
    from simcomm.core.channel_plan import ChannelPlan, CommunityPlan
    from simcomm.core.launch import PROBLEMS
    from simcomm.core.population import TOPICS
    from simcomm.runs.library import load_scenario

    if kind not in KINDS:
        raise ValueError(f"kind {kind!r}: expected one of {', '.join(KINDS)}")
    scenario = load_scenario("organic" if kind == "member-run" else "vendor-imposed")
    plans = []
    for i in range(communities):
        topic = int(PROBLEMS[i % PROBLEMS.size]) if kind == "member-run" else TOPICS.index("technical")
        plans.append(CommunityPlan(name=f"{kind} {i + 1}", scenario=scenario, topic=topic,
                                   launch_week=(i * 52) // communities))
    return ChannelPlan(name=f"benchmark-{kind}-{partners}-{communities}", shared={"partners": partners},
                       communities=tuple(plans))


def _peak_mib() -> float:
    """Return this process's peak resident set size in MiB (ru_maxrss: KiB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024.0 * 1024.0) if sys.platform == "darwin" else rss / 1024.0


def child(kind: str, partners: int, communities: int, weeks: int, seed: int) -> dict[str, Any]:
    """Run one measurement in this (fresh) process; return its figures as a dict."""
    import simcomm

    plan = channel_plan(kind, partners, communities)
    started: list[float] = []
    c0, t0 = time.process_time(), time.perf_counter()

    def first_week(week: int) -> None:
        if week == 1:
            started.extend((time.perf_counter(), time.process_time()))

    result = simcomm.run_channel(plan, weeks=weeks, seed=seed, on_week=first_week)
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    ch = result.channel
    return {"seconds": seconds, "cpu_seconds": cpu, "build_seconds": (started[0] - t0) if started else 0.0,
            "build_cpu_seconds": (started[1] - c0) if started else 0.0,
            "peak_mib": _peak_mib(), "member_weeks": int(ch["memberships"].sum()),
            "memberships_at_end": int(ch["memberships"].iloc[-1]),
            "alive_at_end": int(ch["communities_alive"].iloc[-1])}


def measure(kind: str, partners: int, communities: int, weeks: int, seed: int,
            timeout: float) -> dict[str, Any]:
    """Run :func:`child` in a fresh interpreter; return its figures with the load before and after
    (or ``{"timeout": seconds}`` when it ran out of time)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind, str(partners), str(communities),
           str(weeks), str(seed)]
    load = os.getloadavg()[0]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"timeout": timeout, "load_before": load, "load_after": os.getloadavg()[0]}
    if out.returncode != 0:
        raise RuntimeError(f"measurement {kind} {partners} x {communities} failed:\n{out.stderr}")
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    return {**figures, "load_before": load, "load_after": os.getloadavg()[0]}


def versions() -> str:
    """Return the Python, numpy and mesa versions and the machine as one line."""
    import mesa
    import numpy

    import simcomm

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (f"Python {platform.python_version()}, numpy {numpy.__version__}, mesa {mesa.__version__}, "
            f"simcomm {simcomm.__version__}; {platform.machine()} {platform.processor() or ''}, "
            f"{cpus} CPU(s)")


def row(kind: str, partners: int, communities: int, weeks: int, m: dict[str, Any]) -> str:
    """Return one line of the table."""
    head = f"{kind:<11}{partners:>10,}{communities:>5}{weeks:>6}"
    load = f"{m['load_before']:>6.1f}{m['load_after']:>6.1f}"
    if "timeout" in m:
        return f"{head}  ran out of time after {m['timeout']:.0f} s{'':>48}{load}"
    rate = m["member_weeks"] / m["seconds"] if m["seconds"] else 0.0
    return (f"{head}{m['seconds']:>9.1f}{m['cpu_seconds']:>8.1f}{m['build_seconds']:>8.1f}"
            f"{m['build_cpu_seconds']:>10.1f}"
            f"{m['peak_mib']:>9.0f}"
            f"{m['member_weeks']:>14,}{rate:>12,.0f}{m['alive_at_end']:>7}{load}")


def main(argv: list[str] | None = None) -> int:
    """Run the measurements and print the table; return 0."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--child", nargs=5, metavar=("KIND", "PARTNERS", "COMMUNITIES", "WEEKS", "SEED"),
                    help=argparse.SUPPRESS)
    ap.add_argument("--kind", choices=KINDS)
    ap.add_argument("--partners", type=int)
    ap.add_argument("--communities", type=int)
    ap.add_argument("--weeks", type=int, default=260)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="20k partners x 10 communities, 52 weeks")
    ap.add_argument("--timeout", type=float, default=3600.0, help="seconds one measurement may take")
    ap.add_argument("--json", type=Path, help="also append each measurement to this JSON-lines file")
    args = ap.parse_args(argv)
    if args.child:
        kind, partners, communities, weeks, seed = args.child
        print(json.dumps(child(kind, int(partners), int(communities), int(weeks), int(seed))))
        return 0
    if args.partners or args.communities or args.kind:
        plan = [(args.kind or "member-run", args.partners or 100_000, args.communities or 10)]
    else:
        plan = list(QUICK if args.quick else FULL)
    weeks = 52 if args.quick else args.weeks
    print(f"simcomm channel benchmark: {weeks} weeks, seed {args.seed}, each in a fresh process")
    print(versions())
    print(f"{'kind':<11}{'partners':>10}{'comm':>5}{'weeks':>6}{'seconds':>9}{'cpu s':>8}{'build s':>8}"
          f"{'build cpu':>10}"
          f"{'peak MiB':>9}"
          f"{'member-weeks':>14}{'m-weeks/s':>12}{'alive':>7}{'load0':>6}{'load1':>6}", flush=True)
    for kind, partners, communities in plan:
        m = measure(kind, partners, communities, weeks, args.seed, args.timeout)
        print(row(kind, partners, communities, weeks, m), flush=True)
        if args.json:
            with args.json.open("a", encoding="utf-8") as f:
                f.write(json.dumps({"kind": kind, "partners": partners, "communities": communities,
                                    "weeks": weeks, "seed": args.seed, **m}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

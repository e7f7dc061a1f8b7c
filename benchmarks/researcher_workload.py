"""The researcher's workload of issue 25: 256 default-size runs (organic and vendor-imposed, 128
seeds each, 2,000 partners x 260 weeks) through ``run_many``, the path every batch command takes.

Usage::

    .venv/bin/python benchmarks/researcher_workload.py --workers 1
    .venv/bin/python benchmarks/researcher_workload.py --workers 2 --seeds 128

Prints one JSON line: the runs, workers, wall seconds (the worker pool's start included), runs
per second (runs / wall seconds) and a digest of every run's weekly series (the same whatever the
number of workers: compare it between the two). Imports are not timed. CPU seconds of the whole
process tree, and the ratio between two settings, come from timing the two commands side by side
with ``farm-bench`` (A and B alternately, the ratio pair by pair), as docs/performance.md does.
numpy's BLAS gets one thread, as in the ``simcomm`` program (unless the environment sets a number):
with its default of every core, "one worker" used more than one core.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time

SCENARIOS: tuple[str, ...] = ("organic", "vendor-imposed")


def main() -> None:
    """Run the workload once and print its figures as one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1, help="worker processes (1: in this one)")
    parser.add_argument("--seeds", type=int, default=128, help="seeds per scenario")
    parser.add_argument("--weeks", type=int, default=260)
    args = parser.parse_args()

    from simcomm.runs.worker import one_blas_thread

    one_blas_thread()  # as the simcomm program does: one worker is one core, numpy's BLAS included
    import lifelines  # noqa: F401  (imported lazily by a run's summary: not timed)

    from simcomm.runs.batch import RunSpec, run_many
    from simcomm.runs.library import load_scenario

    specs = [RunSpec(load_scenario(name), args.weeks, seed, {}, name)
             for name in SCENARIOS for seed in range(args.seeds)]
    t0 = time.perf_counter()
    results = run_many(specs, workers=args.workers)
    wall = time.perf_counter() - t0
    digest = hashlib.sha256()
    for r in results:
        digest.update(r.timeseries.to_csv(index=False).encode())
    print(json.dumps({"runs": len(specs), "workers": args.workers, "wall_s": round(wall, 2),
                      "runs_per_s": round(len(specs) / wall, 2),
                      "digest": digest.hexdigest()[:16]}))


if __name__ == "__main__":
    main()

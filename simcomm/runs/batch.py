"""Many runs at once: seeded replicates in parallel processes, with a progress bar.

Each run is fully described by a :class:`RunSpec` (scenario, weeks, seed, overrides), so the
result does not depend on which process runs it or in what order: results come back in the
order of the specs. Inside :func:`simcomm.runs.cluster.on_cluster` (``--scheduler``) the runs go
to a Dask cluster's workers; otherwise parallelism uses the standard library's
``concurrent.futures`` process pool (a forkserver with simcomm preloaded where the platform has
one, else spawn). Progress uses tqdm.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

from tqdm import tqdm

from simcomm.core.scenario import Scenario
from simcomm.runs.cluster import active_cluster
from simcomm.runs.interruption import interrupt_point, signals_deferred
from simcomm.runs.resources import check_memory
from simcomm.runs.sim import Result, simulate
from simcomm.runs.worker import init_worker

# Progress bars share a thread lock: tqdm's default also makes a multiprocessing semaphore, which
# starts multiprocessing's resource tracker on the terminal (see start_resource_tracker_quietly)
# even for a single run. The bars are drawn by this process only.
tqdm.set_lock(threading.RLock())


@dataclass(frozen=True)
class RunSpec:
    """One run: a scenario, a horizon in weeks, a seed and parameter overrides."""

    scenario: Scenario
    weeks: int
    seed: int
    overrides: Mapping[str, Any] = field(default_factory=dict)
    label: str = ""


def run_spec(spec: RunSpec) -> Result:
    """Run one RunSpec and return its Result (the function worker processes call)."""
    # Not run(): run_many checked the memory of all the specs at once, processes included.
    return simulate(spec.scenario, weeks=spec.weeks, seed=spec.seed, overrides=dict(spec.overrides))


def default_workers() -> int:
    """Return the number of worker processes to use by default: the usable CPU cores."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def show_progress(quiet: bool = False) -> bool:
    """Return True when a progress bar should be drawn: stderr is a terminal and not quiet."""
    return not quiet and sys.stderr.isatty()


def start_resource_tracker_quietly() -> None:
    """Start multiprocessing's resource tracker (if it is not running) with its stderr on
    /dev/null; return None.

    The tracker outlives a parent killed with SIGKILL, unlinks the pool's semaphores the parent
    could not, and prints "There appear to be N leaked semaphore objects to clean up at shutdown"
    for each: noise for the user of a killed command, since the tracker cleans them up. Started
    here, before anything needs it, it inherits no terminal to print on (it prints nothing
    otherwise)."""
    from multiprocessing import resource_tracker

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:  # pragma: no cover - no /dev/null: let the tracker start as usual
        return
    saved = os.dup(2)
    try:
        sys.stderr.flush()
        os.dup2(devnull, 2)
        resource_tracker.ensure_running()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _start_forkserver() -> None:
    """Start the forkserver with Ctrl-C blocked in this thread meanwhile, which the forkserver
    inherits across exec: a Ctrl-C while it imports the model prints no traceback (its preload
    unblocks it with a quiet handler), and the Ctrl-C is not lost here either (blocked, not
    ignored, it is delivered as soon as the forkserver has started)."""
    from multiprocessing import forkserver

    start_resource_tracker_quietly()  # before blocking: starting it unblocks SIGINT again
    if threading.current_thread() is not threading.main_thread():
        forkserver.ensure_running()
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        forkserver.ensure_running()
        interrupt_point("forkserver-start")  # tests: a Ctrl-C right as the forkserver starts
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _context() -> mp.context.BaseContext:
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["simcomm.runs.forkserver_preload"])
        _start_forkserver()
        return ctx
    return mp.get_context("spawn")  # pragma: no cover - not on Linux


def _submit(pool: ProcessPoolExecutor, function: Callable[[Any], Any], spec: Any) -> Future:
    """Submit one run to the pool with Ctrl-C and SIGTERM held until the submission is whole, and
    return its future. A submission may start a worker and the pool's own thread; a signal between
    creating that thread and starting it left a pool that cannot shut down ("cannot join thread
    before it is started": exit status 1 and a traceback instead of one line, seen once in CI
    under Python 3.12). Held, the signal is raised just after, where :func:`_stop_workers` ends
    the pool."""
    with signals_deferred():
        return pool.submit(function, spec)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """End a pool's workers at once and wait for the pool to notice (Ctrl-C, an error).

    Its futures are not cancelled here: the pool's own thread fails every pending future when
    its workers end, and under Python 3.11 a future cancelled at that moment makes that thread
    print an InvalidStateError traceback. Terminating the workers (they may have ended on the
    Ctrl-C already) lets the pool fail them all itself; nothing queued runs afterwards."""
    processes = getattr(pool, "_processes", None) or {}  # pid -> Process (CPython 3.8-3.13)
    for process in list(processes.values()):
        with contextlib.suppress(OSError, ValueError):
            process.terminate()
    pool.shutdown(wait=True)


def run_many(specs: Sequence[RunSpec], workers: int | None = None, progress: bool = False,
             desc: str = "runs", on_result: Callable[[int, Result], None] | None = None,
             function: Callable[[RunSpec], Any] = run_spec, nice: int = 0) -> list[Any]:
    """Run every spec and return the results in the order of ``specs``.

    ``workers`` processes (default: all usable cores; 1 runs in this process); inside
    :func:`simcomm.runs.cluster.on_cluster` (a command's ``--scheduler``) the runs go to that Dask
    scheduler's workers instead and ``workers`` and ``nice`` are ignored. ``on_result`` is
    called as (index, result) as each run finishes, in completion order (an exception it
    raises stops the runs and the worker processes, and is raised here). ``nice``: how much
    lower the worker processes' priority is than this process's (0: the same). The outputs are
    identical whatever the number of workers, since each run depends only on its spec. Raises
    ParameterError before starting when the runs would need more memory than is available
    (:func:`simcomm.runs.resources.check_memory`; items with ``scenario`` and ``overrides``).
    """
    n = len(specs)
    cluster = active_cluster()
    workers = min(workers or default_workers(), max(n, 1))
    if cluster is None:  # the workers' memory is not this machine's
        check_memory(((s.scenario.overrides, s.overrides) for s in specs  # RunSpec, experiment Job
                      if hasattr(s, "scenario") and hasattr(s, "overrides")), processes=workers)
    out: list[Any] = [None] * n
    if workers > 1 and cluster is None:
        start_resource_tracker_quietly()
    bar = tqdm(total=n, desc=desc, unit="run", disable=not progress, dynamic_ncols=True)
    try:
        if cluster is not None and n:
            for i, result in cluster.results(function, specs):
                out[i] = result
                if on_result:
                    on_result(i, result)
                bar.update()
        elif workers <= 1:
            for i, spec in enumerate(specs):
                out[i] = function(spec)
                if on_result:
                    on_result(i, out[i])
                bar.update()
        else:
            with ProcessPoolExecutor(max_workers=workers, mp_context=_context(), initializer=init_worker,
                                     initargs=(os.getpid(), nice)) as pool:
                futures: dict = {}
                try:  # the submissions too: a signal while a worker starts stops them all
                    for i, spec in enumerate(specs):
                        futures[_submit(pool, function, spec)] = i
                    for fut in as_completed(futures):
                        i = futures[fut]
                        out[i] = fut.result()
                        if on_result:
                            on_result(i, out[i])
                        bar.update()
                except BaseException:
                    _stop_workers(pool)
                    raise
    finally:
        bar.close()
    return out


def group(specs: Iterable[RunSpec], results: Sequence[Result]) -> dict[str, list[Result]]:
    """Return the results grouped by their spec's label, labels in first-seen order."""
    grouped: dict[str, list[Result]] = {}
    for spec, result in zip(specs, results, strict=True):
        grouped.setdefault(spec.label, []).append(result)
    return grouped

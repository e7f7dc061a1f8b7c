"""What every worker process of :func:`simcomm.runs.batch.run_many` does before its first run.

:func:`init_worker` makes Ctrl-C end the worker quietly (the parent reports the interruption
once; no traceback per worker) and starts a watchdog thread that ends the worker when the
process that started the pool is gone (killed with SIGKILL, say), so that no worker outlives
it. Importing this module has no side effects; :mod:`simcomm.runs.forkserver_preload` sets the
quiet Ctrl-C in the forkserver before it imports the model.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
from types import FrameType, TracebackType

WATCH_SECONDS = 0.5
#: The variables by which numpy's BLAS (OpenBLAS in numpy's wheels, MKL in some builds) takes its
#: number of threads, read once, when numpy is first imported.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")


def one_blas_thread() -> None:
    """Give numpy's BLAS one thread in this process and in those it starts, unless the user has
    set any of :data:`BLAS_THREAD_VARIABLES` (then all are left as they are); return None.

    A run is one thread of work and runs go in parallel as processes, one a core, so a BLAS
    thread pool (OpenBLAS's takes every core, for the matrix-vector products of content
    relevance) only contends with the other runs for the cores: a default run took 5-7% more CPU
    with OpenBLAS's two threads on two cores, 7-13% with four runs side by side (2026-12-08);
    the outputs are the same (``benchmarks/fingerprint.py``). Takes effect only before numpy is
    first imported in the process."""
    if not any(name in os.environ for name in BLAS_THREAD_VARIABLES):
        for name in BLAS_THREAD_VARIABLES:
            os.environ[name] = "1"


def quiet_exit(signum: int, frame: FrameType | None) -> None:
    """Signal handler: end this worker at once, without a traceback (exit status 128 + signum)."""
    os._exit(128 + signum)


#: What a worker's start raises when the pool that asked for it has already shut down (after a
#: Ctrl-C, say): its semaphores are unlinked (FileNotFoundError) or its pipes closed.
POOL_GONE: tuple[type[BaseException], ...] = (FileNotFoundError, EOFError, ConnectionError)


def quiet_start_failure(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    """``sys.excepthook`` of the forkserver and the workers it forks: say nothing when a worker
    could not start because its pool is gone (:data:`POOL_GONE`); print anything else as usual."""
    if issubclass(kind, POOL_GONE):
        return
    sys.__excepthook__(kind, value, tb)


def owner_gone(owner: int) -> bool:
    """Return True when process ``owner`` no longer runs: it does not exist, or it is a zombie
    (killed, and not yet reaped by its own parent, which may be waiting for this very worker)."""
    try:
        os.kill(owner, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    try:
        with open(f"/proc/{owner}/stat", "rb") as fh:
            return fh.read().rpartition(b")")[2].split()[0] == b"Z"
    except (OSError, IndexError):
        return False


def _watch(owner: int) -> None:
    while True:
        time.sleep(WATCH_SECONDS)
        if owner_gone(owner):
            os._exit(1)


def die_with_parent(parent: int) -> None:
    """Ask the system to send SIGTERM to this process when its parent ends (Linux prctl
    PR_SET_PDEATHSIG; elsewhere nothing), and exit at once when ``parent`` is already gone. Use
    it as ``preexec_fn`` of a server subprocess so that a killed ``simcomm`` leaves none behind."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):  # no prctl: the watchdog remains
            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM), 0, 0, 0)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)


def init_worker(owner: int, nice: int = 0) -> None:
    """Run in each worker first: quiet Ctrl-C, exit when process ``owner`` (the pool's parent)
    no longer exists, and lower this worker's priority by ``nice`` (0: as its parent's; the
    dashboard's background runs yield the CPU to the page's own stepping). Returns None."""
    signal.signal(signal.SIGINT, quiet_exit)
    if nice > 0:
        with contextlib.suppress(OSError):  # no way to lower it: run at the parent's priority
            os.nice(nice)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked where the parent started us
    if sys.platform.startswith("linux"):  # the forkserver, our parent, ends with the owner
        die_with_parent(os.getppid())
    threading.Thread(target=_watch, args=(owner,), name="simcomm-watchdog", daemon=True).start()

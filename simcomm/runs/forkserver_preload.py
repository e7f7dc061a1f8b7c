"""Imported only by the forkserver of :func:`simcomm.runs.batch.run_many` (never by the parent):
Ctrl-C ends the forkserver and the workers it forks quietly (SIGINT, blocked while the parent
started it, is unblocked here), a worker whose start fails because the pool is already gone ends
quietly too, then the model is preloaded (with numpy's BLAS on one thread: each worker is one
run at a time, one worker a core; :func:`simcomm.runs.worker.one_blas_thread`)."""

import signal
import sys

from simcomm.runs.worker import one_blas_thread, quiet_exit, quiet_start_failure

signal.signal(signal.SIGINT, quiet_exit)
# The parent starts the forkserver with Ctrl-C blocked (simcomm.runs.batch): a Ctrl-C that came
# meanwhile is delivered now, to the quiet handler.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
# The forkserver prints a failed worker start with sys.excepthook, which its children inherit.
sys.excepthook = quiet_start_failure

one_blas_thread()  # before the model imports numpy
import simcomm.runs.sim  # noqa: E402, F401 - preloaded so that workers start fast

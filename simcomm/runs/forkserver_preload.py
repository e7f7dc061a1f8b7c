"""Imported only by the forkserver of :func:`simcomm.runs.batch.run_many` (never by the parent):
Ctrl-C ends the forkserver and the workers it forks quietly (SIGINT, blocked while the parent
started it, is unblocked here), a worker whose start fails because the pool is already gone ends
quietly too, then the model is preloaded."""

import signal
import sys

from simcomm.runs.worker import quiet_exit, quiet_start_failure

signal.signal(signal.SIGINT, quiet_exit)
# The parent starts the forkserver with Ctrl-C blocked (simcomm.runs.batch): a Ctrl-C that came
# meanwhile is delivered now, to the quiet handler.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
# The forkserver prints a failed worker start with sys.excepthook, which its children inherit.
sys.excepthook = quiet_start_failure

import simcomm.runs.sim  # noqa: E402, F401 - preloaded so that workers start fast

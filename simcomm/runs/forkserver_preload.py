"""Imported only by the forkserver of :func:`simcomm.runs.batch.run_many` (never by the parent):
Ctrl-C ends the forkserver and the workers it forks quietly, then the model is preloaded."""

import signal

from simcomm.runs.worker import quiet_exit

signal.signal(signal.SIGINT, quiet_exit)

import simcomm.runs.sim  # noqa: E402, F401 - preloaded so that workers start fast

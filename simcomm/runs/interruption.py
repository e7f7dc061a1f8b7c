"""Interruptions: Ctrl-C (SIGINT) and SIGTERM end a command the same way, and never mid-publish.

A Ctrl-C raises KeyboardInterrupt in the main thread; :func:`handle_termination` makes SIGTERM (a
service manager, ``kill``) raise :class:`Terminated`, a KeyboardInterrupt, so that every path that
cleans up after a Ctrl-C (staging folders, worker pools) does the same after a SIGTERM. The
command line then prints one line saying what is on disk and exits with status 130 after a Ctrl-C
or 143 after a SIGTERM (128 + the signal's number, as a shell reports a process ended by it, so a
script or service manager can tell the two apart).

:func:`signals_deferred` holds both signals while an output set is being published (a few renames
and the manifest), then delivers them: the set is either untouched or whole when the command ends.

:func:`interrupt_point` is a hook for the tests only: when the environment variable
``SIMCOMM_TEST_INTERRUPT`` names a point (``POINT``, ``POINT:TERM``, ``POINT:INT@group``), the
process sends itself (or its process group) that signal there (the points: ``forkserver-start``,
``before-publish``, ``mid-publish``, after the first file of an output set is in place, and
``after-publish``), so that a test can interrupt a
command at an exact moment instead of sleeping and hoping.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType

TEST_VARIABLE = "SIMCOMM_TEST_INTERRUPT"
SIGINT_STATUS = 128 + int(signal.SIGINT)  # 130, as a shell reports a Ctrl-C
SIGTERM_STATUS = 128 + int(signal.SIGTERM)  # 143


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when the process receives SIGTERM (see :func:`handle_termination`)."""


def raise_terminated(signum: int, frame: FrameType | None) -> None:
    """SIGTERM handler: raise :class:`Terminated` (a KeyboardInterrupt) where the main thread is."""
    raise Terminated


def handle_termination() -> None:
    """Make SIGTERM raise :class:`Terminated` in the main thread, as Ctrl-C raises
    KeyboardInterrupt; return None. Does nothing outside the main thread (where Python cannot
    install a handler)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, raise_terminated)


def exit_status(exc: BaseException) -> int:
    """Return the exit status of a command ended by ``exc``: 143 for :class:`Terminated`
    (SIGTERM), 130 for any other KeyboardInterrupt (Ctrl-C)."""
    return SIGTERM_STATUS if isinstance(exc, Terminated) else SIGINT_STATUS


def interruption_word(exc: BaseException) -> str:
    """Return 'Terminated' for :class:`Terminated`, else 'Interrupted' (a message's first word)."""
    return "Terminated" if isinstance(exc, Terminated) else "Interrupted"


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM while the block runs, then deliver them (once each) to the
    handlers that were in place; yield None. Outside the main thread the block runs as is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    old = {s: signal.signal(s, hold) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
        for s in dict.fromkeys(received):
            signal.raise_signal(s)


def interrupt_point(name: str) -> None:
    """Test hook: when ``SIMCOMM_TEST_INTERRUPT`` is ``name`` (``name:TERM`` for SIGTERM,
    ``name:INT@group`` to signal the whole process group, as a terminal does), send that signal
    now; otherwise do nothing. Return None."""
    spec = os.environ.get(TEST_VARIABLE)
    if not spec:
        return
    point, _, how = spec.partition(":")
    if point != name:
        return
    which, _, to = how.partition("@")
    sig = signal.Signals["SIG" + (which or "INT")]
    if to == "group":
        os.killpg(os.getpgrp(), sig)
    else:
        os.kill(os.getpid(), sig)

"""The ``simcomm`` program's entry point: light, so that Ctrl-C at any moment is handled.

Importing the command line (Click, numpy, pandas, Mesa...) takes about a second; a Ctrl-C
during that import would otherwise print a traceback, since the command line's own handler is
not in place yet. :func:`main` imports it under a KeyboardInterrupt handler: one line on
stderr and exit status 130 (128 + SIGINT), like an interrupted command. SIGTERM is handled the
same way (:func:`simcomm.runs.interruption.handle_termination`, installed first under that
handler): one line and exit status 143.
"""

from __future__ import annotations

import signal
import sys


def _raise_when_out_of_the_hook(main: int, which: int = signal.SIGINT) -> None:
    """Raise signal ``which`` (SIGINT, or SIGTERM for a lost Terminated) once the thread ``main``
    is no longer inside :func:`redeliver_interrupt` (looked up in its stack, not timed): raised
    while it is, the KeyboardInterrupt would be "Exception ignored" a second time. Returns None."""
    import time

    while True:
        frame = sys._current_frames().get(main)
        while frame is not None and frame.f_code is not redeliver_interrupt.__code__:
            frame = frame.f_back
        if frame is None:
            break
        time.sleep(0.001)
    signal.raise_signal(which)


def redeliver_interrupt(unraisable: object) -> None:
    """``sys.unraisablehook``: a Ctrl-C that lands in code whose exceptions Python cannot raise
    (a weakref or ``__del__`` callback run by the garbage collector) would be printed as
    "Exception ignored" and lost, and the command would run on; deliver it again instead, from
    another thread as soon as this hook has returned (raised in the hook it would be lost again),
    so that it is raised where the command handles it. Anything else is reported as usual.

    The other thread waits until the stack of the thread that called the hook no longer holds the
    hook: a fixed delay (10 ms, before) lost the Ctrl-C when a loaded machine kept this thread
    inside the hook longer than that (1 run in 40 with both cores busy)."""
    kind = getattr(unraisable, "exc_type", None)
    if kind is not None and issubclass(kind, KeyboardInterrupt):
        import threading  # here, not at the top: this module's own imports must be quick to run

        which = signal.SIGTERM if kind.__name__ == "Terminated" else signal.SIGINT
        again = threading.Thread(target=_raise_when_out_of_the_hook, args=(threading.get_ident(), which),
                                 name="simcomm-redeliver-ctrl-c", daemon=True)
        again.start()
        return
    sys.__unraisablehook__(unraisable)


def _ended_by(exc: BaseException) -> tuple[str, int]:
    """Return ('Terminated', 143) for a SIGTERM's Terminated, else ('Interrupted', 130)."""
    return ("Terminated", 143) if type(exc).__name__ == "Terminated" else ("Interrupted", 130)


def main() -> None:
    """Run the ``simcomm`` command line (:func:`simcomm.ui.cli.main`); a Ctrl-C (or SIGTERM)
    while it is being imported prints one line and exits with status 130 (143)."""
    sys.unraisablehook = redeliver_interrupt
    try:
        from simcomm.runs.worker import one_blas_thread

        one_blas_thread()  # before anything imports numpy: runs go in parallel as processes
        from simcomm.runs.interruption import handle_termination

        handle_termination()
        from simcomm.ui.cli import interruption_message
        from simcomm.ui.cli import main as cli_main
    except KeyboardInterrupt as exc:
        word, status = _ended_by(exc)
        sys.stderr.write(f"{word}: nothing was written.\n")
        sys.exit(status)
    try:
        cli_main()
    except KeyboardInterrupt as exc:  # between the import and Click's own handler, or after it
        sys.stderr.write(interruption_message(exc) + "\n")
        sys.exit(_ended_by(exc)[1])


if __name__ == "__main__":  # pragma: no cover
    main()

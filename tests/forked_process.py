"""Run Python code as a fresh process forked from a warm one, for tests of what a command does as a
process of its own (exit status, stderr, resource limits, files on disk).

A test that runs ``python -c CODE ARGS`` pays for the interpreter and its imports (numpy, pandas,
Mesa, SciPy, matplotlib: 2-4 s of CPU) before its command does anything; the suite ran some fifty
such processes under each Python, a third of its CPU time (measured with process accounting,
2026-12-08). :func:`run_forked` runs the same code in a child forked from one server process per
test process that has imported them once: the child has its own pid, working directory,
environment, resource limits, stdin/stdout/stderr and exit status, as a fresh process has, and
writes no bytecode (as ``python -B``).

Not for what depends on the interpreter's start: the hash seed (``PYTHONHASHSEED``), what importing
loads, Ctrl-C or SIGTERM during start-up, the address space already mapped (``RLIMIT_AS``): those
tests start a real process.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SERVER = r"""
import atexit, json, os, sys, traceback, warnings
warnings.simplefilter("ignore")  # 3.12: "multi-threaded, use of fork() may lead to deadlocks"
import importlib, pkgutil
import simcomm.ui.cli, simcomm.ui.entry
for floor in ("runs", "analysis", "report"):  # what commands import when they run
    package = importlib.import_module(f"simcomm.{floor}")
    for info in pkgutil.iter_modules(package.__path__, f"simcomm.{floor}."):
        if info.name != "simcomm.runs.forkserver_preload":  # the forkserver's quiet Ctrl-C: not ours
            importlib.import_module(info.name)
import matplotlib.backends.backend_agg  # noqa: F401
import signal
# As a fresh interpreter starts: Python's Ctrl-C, the default SIGTERM, the default hooks.
signal.signal(signal.SIGINT, signal.default_int_handler)
signal.signal(signal.SIGTERM, signal.SIG_DFL)
sys.excepthook, sys.unraisablehook = sys.__excepthook__, sys.__unraisablehook__

reply = os.fdopen(os.dup(1), "w")
for line in sys.stdin:
    job = json.loads(line)
    sys.stdout.flush(); sys.stderr.flush(); reply.flush()
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            reply.close()
            if job["new_session"]:
                os.setsid()
            sys.dont_write_bytecode = True
            os.chdir(job["cwd"])
            os.environ.clear(); os.environ.update(job["env"])
            null = os.open(os.devnull, os.O_RDONLY); os.dup2(null, 0)
            for fd, path in ((1, job["stdout"]), (2, job["stderr"])):
                os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), fd)
            sys.argv = ["-c", *job["args"]]
            try:
                exec(compile(job["code"], "<string>", "exec"), {"__name__": "__main__"})
                status = 0
            except SystemExit as exc:
                if exc.code is None or isinstance(exc.code, int):
                    status = exc.code or 0
                else:
                    print(exc.code, file=sys.stderr)
            except KeyboardInterrupt:  # as Python ends on one: the traceback, then killed by SIGINT
                traceback.print_exc()
                sys.stderr.flush()
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                os.kill(os.getpid(), signal.SIGINT)
            except BaseException:
                traceback.print_exc()
            atexit._run_exitfuncs()
        finally:
            try:
                sys.stdout.flush(); sys.stderr.flush()
            finally:
                os._exit(status)
    reply.write(json.dumps({"pid": pid}) + "\n"); reply.flush()
    _, wait_status = os.waitpid(pid, 0)
    reply.write(json.dumps({"status": os.waitstatus_to_exitcode(wait_status)}) + "\n"); reply.flush()
"""

_server: subprocess.Popen[str] | None = None
_pending = b""  # bytes of the server's replies read from its pipe and not yet handed out


def _stop() -> None:
    if _server is not None and _server.poll() is None:
        _server.kill()
        _server.wait()


def _started() -> subprocess.Popen[str]:
    """Return this test process's server, started on first use (about as long as one command's
    imports); it ends with the test process."""
    global _server, _pending
    if _server is None or _server.poll() is not None:
        _server = subprocess.Popen([sys.executable, "-c", SERVER], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
        _pending = b""
        atexit.register(_stop)
    return _server


def _read_reply(server: subprocess.Popen[str], timeout: float) -> dict:
    """Return the server's next reply (one JSON line), waiting at most ``timeout`` seconds.

    Reads the pipe's bytes itself: a child that ends at once has both its replies (pid, status)
    written together, and a buffered reader would take both with the first line, leaving nothing
    on the pipe to wake ``select`` for the second (the suite saw a 120 s wait, then every later
    reply one behind)."""
    global _pending
    assert server.stdout is not None
    fd = server.stdout.fileno()
    deadline = time.monotonic() + timeout
    while b"\n" not in _pending:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            raise subprocess.TimeoutExpired("forked process", timeout)
        chunk = os.read(fd, 65536)
        if not chunk:
            raise RuntimeError("the warm server ended")
        _pending += chunk
    line, _, _pending = _pending.partition(b"\n")
    return json.loads(line)


def run_forked(code: str, *args: str, cwd: Path | str | None = None, env: dict[str, str] | None = None,
               start_new_session: bool = False, timeout: float = 600.0) -> subprocess.CompletedProcess[str]:
    """Run ``code`` as ``python -B -c code args`` would, in a process forked from the warm server,
    and return its exit status (negative: the signal that ended it), stdout and stderr, as
    ``subprocess.run(..., capture_output=True, text=True)`` does; ``start_new_session`` as there
    (a signal to its process group reaches only it). ``timeout`` (seconds) only stops a hang:
    the process is killed and TimeoutExpired raised."""
    server = _started()
    assert server.stdin is not None
    with tempfile.TemporaryDirectory(prefix="simcomm-forked-") as folder:
        out, err = Path(folder) / "stdout", Path(folder) / "stderr"
        job = {"code": code, "args": list(args), "cwd": str(cwd or os.getcwd()),
               "env": dict(os.environ if env is None else env), "stdout": str(out), "stderr": str(err),
               "new_session": start_new_session}
        server.stdin.write(json.dumps(job) + "\n")
        server.stdin.flush()
        pid = _read_reply(server, 120.0)["pid"]
        try:
            status = _read_reply(server, timeout)["status"]
        except subprocess.TimeoutExpired:
            os.kill(pid, signal.SIGKILL)
            _read_reply(server, 60.0)
            raise
        return subprocess.CompletedProcess([sys.executable, "-c", code, *args], status,
                                           out.read_text(errors="replace"), err.read_text(errors="replace"))

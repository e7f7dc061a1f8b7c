"""The warm fork that runs the commands of the process tests (tests/forked_process.py) gives what a
fresh ``python -c`` process gives: exit status, stdout, stderr, environment, working directory,
its own session, resource limits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from forked_process import run_forked

CASES = {
    "exit status and both streams": "import sys\nprint('out')\nprint('err', file=sys.stderr)\nsys.exit(3)",
    "an exit message": "raise SystemExit('bad input')",
    "a traceback": "raise ValueError('boom')",
    "Ctrl-C unhandled": "import os, signal\nos.kill(os.getpid(), signal.SIGINT)\nimport time\ntime.sleep(5)",
    "killed": "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
    "arguments, environment, folder": ("import os, sys\n"
                                       "print(sys.argv, os.environ.get('FORKED_TEST'), os.getcwd())"),
    "its own session": "import os\nprint(os.getsid(0) == os.getpid())",
    "a file size limit": ("import resource, signal\nsignal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
                          "resource.setrlimit(resource.RLIMIT_FSIZE, (10, 10))\n"
                          "open('big', 'w').write('x' * 100)"),
}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork, sessions, RLIMIT_FSIZE")
@pytest.mark.parametrize("name", sorted(CASES))
def test_a_forked_process_is_a_fresh_process(tmp_path: Path, name: str) -> None:
    env = {**os.environ, "FORKED_TEST": "set"}
    (tmp_path / "exec").mkdir()
    (tmp_path / "fork").mkdir()
    new_session = name == "its own session"
    real = subprocess.run([sys.executable, "-c", CASES[name], "a", "b"], cwd=tmp_path / "exec", env=env,
                          capture_output=True, text=True, timeout=60, start_new_session=new_session)
    forked = run_forked(CASES[name], "a", "b", cwd=tmp_path / "fork", env=env,
                        start_new_session=new_session)
    assert forked.returncode == real.returncode, (forked, real)
    assert forked.stdout.replace(str(tmp_path / "fork"), str(tmp_path / "exec")) == real.stdout
    last = [p.stderr.strip().splitlines()[-1:] for p in (forked, real)]  # tracebacks name other lines
    assert last[0] == last[1], (forked.stderr, real.stderr)


def test_replies_written_together_are_both_read(tmp_path: Path) -> None:
    """A child that ends at once has the server write its two replies (pid, status) together; the
    second must be read at once, not after the timeout, and nothing is left for the next job.
    The writer stays up, as the server does (at the end of the pipe ``select`` would wake anyway)."""
    import time

    import forked_process

    done = tmp_path / "written"
    code = ("import json, pathlib, sys, time\nfor r in ({'pid': 7}, {'status': 0}, {'pid': 8}):\n"
            "    print(json.dumps(r))\nsys.stdout.flush()\n"
            f"pathlib.Path({str(done)!r}).touch()\ntime.sleep(60)")
    server = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, bufsize=1)
    before = forked_process._pending
    try:
        deadline = time.monotonic() + 60
        while not done.exists() and time.monotonic() < deadline:  # all three lines are on the pipe
            time.sleep(0.05)
        forked_process._pending = b""
        assert forked_process._read_reply(server, 5.0) == {"pid": 7}
        assert forked_process._read_reply(server, 0.5) == {"status": 0}
        assert forked_process._read_reply(server, 0.5) == {"pid": 8}
        with pytest.raises(subprocess.TimeoutExpired):
            forked_process._read_reply(server, 0.2)
    finally:
        forked_process._pending = before
        server.kill()
        server.wait()
        server.stdout.close()

"""Runs go in parallel as processes, one a core: numpy's BLAS gets one thread in the simcomm
program and in run_many's workers (simcomm.runs.worker.one_blas_thread), unless the user chose."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from forked_process import run_forked

from simcomm.runs.worker import BLAS_THREAD_VARIABLES, one_blas_thread

POOL = f"""import sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
from blas_probe import blas_threads
from simcomm.runs.batch import run_many
print(run_many([0, 1, 2, 3], workers=2, function=blas_threads))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2,
                    reason="the forkserver; one core gives one BLAS thread anyway")
@pytest.mark.parametrize(("chosen", "expected"), [({}, "[1, 1, 1, 1]"),
                                                  ({"OPENBLAS_NUM_THREADS": "2"}, "[2, 2, 2, 2]")])
def test_pool_workers_run_blas_on_one_thread_unless_the_user_chose(chosen: dict, expected: str) -> None:
    """Started from a process whose environment names no BLAS threads, the forkserver's workers
    have one (numpy's own default is every core); a number the user set is kept."""
    env = {k: v for k, v in os.environ.items() if k not in BLAS_THREAD_VARIABLES} | chosen
    done = run_forked(POOL, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected


def test_one_blas_thread_sets_every_variable_or_none(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in BLAS_THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    one_blas_thread()
    assert [os.environ[name] for name in BLAS_THREAD_VARIABLES] == ["1", "1", "1"]
    for name in BLAS_THREAD_VARIABLES:
        monkeypatch.delenv(name)
    monkeypatch.setenv("OMP_NUM_THREADS", "4")
    one_blas_thread()
    assert [os.environ.get(name) for name in BLAS_THREAD_VARIABLES] == [None, None, "4"]

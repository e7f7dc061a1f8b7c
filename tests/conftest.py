"""Shared fixtures: cached seeded runs, so claims over many seeds stay affordable."""

from __future__ import annotations

import importlib
import pkgutil
import signal
import subprocess
import time
from functools import lru_cache

from simcomm.runs.worker import one_blas_thread

one_blas_thread()  # as the simcomm program does, before numpy is first imported (below)

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scipy import stats  # noqa: E402

import simcomm  # noqa: E402

# The Ctrl-C tests send SIGINT to the commands they start, as a terminal does. Started from a
# background job of a non-interactive shell, pytest (and so every command) would have SIGINT
# ignored and those tests would measure nothing: commands get the terminal's default instead.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


# The test files that take longest, longest first (3.11 suite, `--durations=0` summed per file,
# 2026-12-07): `make test` hands files to each suite's workers in collection order (`--dist loadfile
# --no-loadscope-reorder`), so these start first and no worker finishes alone on one at the end
# (test_claims.py, last by the default order, kept one worker busy for minutes after the other was
# done). Files not named keep their order after these. Only the order changes, never what runs.
LONGEST_FILES_FIRST = (
    "test_claims.py", "test_faults.py", "test_dashboard.py", "test_scenarios.py",
    "test_growth_and_managers.py", "test_validation.py", "test_story.py", "test_experiments.py",
    "test_compare_output.py", "test_interruptions.py", "test_cli.py", "test_discover.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the files of LONGEST_FILES_FIRST first, in its order; keep each file's tests in order."""
    rank = {name: i for i, name in enumerate(LONGEST_FILES_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


def import_every_module_that_runs() -> None:
    """Import every module of the floors that start runs before a test patches run_many, simulate
    or run: a module first imported while they are patched binds the fake under its own name and
    keeps it after the patch is undone (discover's run_many stayed ``never`` for a later test in
    the same worker)."""
    for floor in ("runs", "analysis", "report"):
        package = importlib.import_module(f"simcomm.{floor}")
        for info in pkgutil.iter_modules(package.__path__, f"simcomm.{floor}."):
            importlib.import_module(info.name)


def pool_processes(parent: subprocess.Popen, wanted: int = 3, hang_guard_s: float = 600.0) -> list:
    """Return the processes under ``parent`` once ``wanted`` are up (a pool's forkserver and two
    workers) or ``parent`` has ended. The bound only stops a hang: on a loaded machine (load 10,
    a fresh install compiling what it imports) a pool took over a minute to start, and a 60 s
    bound failed a test that was merely slow (issue 27)."""
    import psutil

    me = psutil.Process(parent.pid)
    deadline = time.monotonic() + hang_guard_s
    children = me.children(recursive=True)
    while len(children) < wanted and parent.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
        children = me.children(recursive=True)
    return children


@lru_cache(maxsize=512)
def _run_cached(scenario: str, weeks: int, seed: int, items: tuple) -> simcomm.Result:
    return simcomm.run(scenario, weeks=weeks, seed=seed, overrides=dict(items))


def runs(scenario: str, seeds: range | list[int], weeks: int = 260, **overrides) -> list[simcomm.Result]:
    """Return one Result per seed (cached within the test process)."""
    items = tuple(sorted(overrides.items()))
    return [_run_cached(scenario, weeks, s, items) for s in seeds]


def paired_drop(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Return (mean of a - b, one-sided paired t-test p-value that a - b > 0)."""
    diff = np.asarray(a, float) - np.asarray(b, float)
    if np.allclose(diff, diff[0]):
        return float(diff.mean()), 0.0 if diff[0] > 0 else 1.0
    return float(diff.mean()), float(stats.ttest_1samp(diff, 0.0, alternative="greater").pvalue)


@pytest.fixture
def vendor_model() -> simcomm.CommunityModel:
    """A small vendor-imposed model after 12 weeks."""
    params = simcomm.make_params({"governance": "vendor-imposed", "partners": 400, "founders": 40})
    model = simcomm.CommunityModel(params, seed=3)
    for _ in range(12):
        model.step()
    return model


def add_members(model: simcomm.CommunityModel, count: int, identity: float = 0.8,
                state: int | None = None) -> np.ndarray:
    """Enroll ``count`` more partners (those with the lowest ids who are not members) as members
    with starting ``identity``, as a launch does, tied to nobody; return their indices. (A
    member-founded community starts from its initiator's circle, often a handful: tests that need
    a large member-run group add members this way.)"""
    from simcomm.core.membership import enroll

    s = model.views["launch"]
    idx = np.flatnonzero(model.people.join_week < 0)[:count].astype(np.int64)
    none = np.zeros(idx.size, dtype=bool)
    enroll(s, model.week, idx, np.full(idx.size, identity), invited=none, incentive=0.0,
           lurk_threshold=s.p.lurk_threshold)
    if state is not None:
        model.people.state[idx] = state
    return idx

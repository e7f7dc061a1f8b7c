"""The audit's state (:class:`Audit`): the program, a scratch folder, the reference outputs of
uninterrupted runs, the options."""


import re
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from fault_audit.common import EXPERIMENT, EXPERIMENT_LONG, EXPERIMENT_WEEKLY, Ran, Runner, core_broken, quote

FINISHED: dict[str, Path] = {}
FINISHED_LOCK = threading.Lock()


# ---- references: uninterrupted runs --------------------------------------------------------------
WORKLOADS: dict[str, list[str]] = {
    "run": ["run", "organic", "--weeks", "520", "--set", "partners=1500", "-q"],
    "run-previous": ["run", "organic", "--weeks", "520", "--set", "partners=1500", "-q", "--seed", "1"],
    "compare": ["compare", "organic", "vendor-imposed", "-r", "4", "-w", "2", "--weeks", "104",
                "--set", "partners=1000", "-q"],
    "compare-previous": ["compare", "organic", "vendor-imposed", "-r", "3", "-w", "2", "--weeks", "104",
                         "--set", "partners=1000", "-q"],
    "experiment": ["experiment", "run", "sweep.toml", "-w", "2", "-q"],
    "validate": ["validate", "-r", "2", "-w", "2", "-q"],
    # issue 23's commands: 16 points of scenario discovery, and a difference taken apart (32 runs)
    "discover": ["discover", "staff-churn", "--params", "roi_target,newcomer_commitment", "--points", "16",
                 "-r", "1", "--weeks", "104", "--set", "partners=1000", "--shuffles", "2", "-w", "2", "-q"],
    "explain-against": ["explain", "organic", "--against", "vendor-imposed", "-r", "1", "--weeks", "104",
                        "--set", "partners=1000", "-w", "2", "-q"],
}


class Audit:
    """The audit's state: the program, a scratch folder, the references, the options."""

    def __init__(self, simcomm: Path, scratch: Path, jobs: int, quick: bool, mount: bool) -> None:
        self.runner = Runner(simcomm, scratch)
        self.scratch = scratch
        self.jobs = jobs
        self.quick = quick
        self.mount = mount
        self.references: dict[str, Path] = {}
        self.durations: dict[str, float] = {}
        self._lock = threading.Lock()
        self._dirs: set[str] = set()

    def case_dir(self, category: str, name: str) -> Path:
        """Return a new empty folder for a case."""
        slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")[:60] or "case"
        with self._lock:
            base, k = slug, 1
            while f"{category}/{slug}" in self._dirs:
                slug, k = f"{base}-{k}", k + 1
            self._dirs.add(f"{category}/{slug}")
        path = self.scratch / category / slug
        path.mkdir(parents=True)
        return path

    def run(self, args: Sequence[str], cwd: Path, timeout: float = 180.0, fsize: int | None = None,
            env: Mapping[str, str] | None = None, prefix: Sequence[str] = ()) -> Ran:
        """Run ``simcomm ARGS``; when it fails at import (simcomm/core mid-edit by someone), wait
        a minute and try again, up to three times. Returns the last Ran."""
        for attempt in range(4):
            ran = self.runner.run(args, cwd, timeout, fsize, env=env, prefix=prefix)
            if not core_broken(ran) or attempt == 3:
                return ran
            print(f"  (the program fails at import, probably mid-edit; retrying in 60 s: {quote(args)})",
                  file=sys.stderr)
            time.sleep(60)
        return ran

    def reference(self, key: str) -> Path:
        """Return the folder ``out`` written by the workload ``key`` run to the end (once per audit)."""
        with self._lock:
            if key in self.references:
                return self.references[key]
        where = self.case_dir("references", key)
        prepare_workload(key, where)
        ran = self.run([*WORKLOADS[key], "--out", "out"], where, timeout=900)
        if ran.code != 0:
            raise RuntimeError(f"reference run failed: {quote(WORKLOADS[key])}: {ran.stderr[-2000:]}")
        self.register(key, where / "out", ran.seconds)
        return where / "out"

    def register(self, key: str, out: Path, seconds: float) -> None:
        """Keep ``out`` as the reference output of workload ``key``, which took ``seconds``."""
        with self._lock:
            self.references.setdefault(key, out)
            self.durations.setdefault(key, seconds)

    def duration(self, key: str) -> float:
        """Return how long the workload ``key`` takes uninterrupted (running it if not yet done)."""
        self.reference(key)
        return self.durations[key]

    def finished(self) -> None:
        """Make the finished tiny experiment the summarize cases copy (once per audit)."""
        with FINISHED_LOCK:
            if "results" in FINISHED:
                return
            where = self.case_dir("references", "finished-tiny")
            (where / "exp.toml").write_text(EXPERIMENT)
            ran = self.run(["experiment", "run", "exp.toml", "-w", "1", "-q", "--out", "res"], where)
            if ran.code != 0:
                raise RuntimeError(f"the tiny experiment failed: {ran.stderr[-2000:]}")
            FINISHED["results"] = where / "res"


    def experiment_reference(self, args: Sequence[str]) -> Path:
        """Return the results of the sweep ``args`` (its --out aside) run uninterrupted: the
        interruption workload's (sweep.toml) or the tiny weekly one the disk-full cases use."""
        if "sweep.toml" in args:
            return self.reference("experiment")
        with self._lock:
            if "experiment-weekly" in self.references:
                return self.references["experiment-weekly"]
        where = self.case_dir("references", "experiment-weekly")
        (where / "exp.toml").write_text(EXPERIMENT_WEEKLY)
        ran = self.run(["experiment", "run", "exp.toml", "-w", "1", "-q", "--out", "res"], where, timeout=900)
        if ran.code != 0:
            raise RuntimeError(f"reference sweep failed: {ran.stderr[-2000:]}")
        self.register("experiment-weekly", where / "res", ran.seconds)
        return where / "res"


def prepare_workload(key: str, where: Path) -> None:
    """Write the files a workload needs into ``where`` (the sweep's experiment file)."""
    if key.startswith("experiment"):
        (where / "sweep.toml").write_text(EXPERIMENT_LONG)

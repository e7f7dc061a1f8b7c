"""Experiments: parameter sweeps over seeded replicates, in the manner of NetLogo's BehaviorSpace.

:mod:`simcomm.runs.experiment_file` reads an experiment file (the design: factors, replicates,
horizon, what to keep); this module runs it. Each run's seed is derived from (experiment name,
base seed, replicate) with :func:`derive_seed`, so results do not depend on the executor or the
number of workers, and replicate r of every design point has the same seed: the points share
their random numbers (common random numbers), so the differences between them are paired by
replicate. Results go to a directory (:mod:`simcomm.runs.experiment_store`), written batch by
batch, so a killed sweep loses at most the batch in flight and running the same command again
runs only the missing runs.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from simcomm.core.params import ParameterError, Value
from simcomm.core.scenario import Scenario
from simcomm.runs.channel_experiment import ChannelExperiment, ChannelJob, run_channel_job
from simcomm.runs.experiment_design import Experiment, job_row
from simcomm.runs.experiment_store import (
    LOCK_NAME,
    ResultsWriter,
    read_manifest,
    read_parts,
    remove_unrecorded_weekly,
    results_lock,
    utc_now,
    write_manifest,
)
from simcomm.runs.files import absolute_out, output_error


def name_key(name: str) -> list[int]:
    """Return a stable list of 32-bit integers from ``name`` (SHA-256; never Python's hash())."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()[:16]
    return [int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4)]


def derive_seed(experiment: str, base_seed: int, point: int, replicate: int) -> int:
    """Return the seed of one run, in [0, 2^63): a numpy SeedSequence of the experiment's name
    (hashed), the base seed, the design point and the replicate. Same inputs, same seed,
    whatever the machine, executor or number of workers."""
    words = [*name_key(experiment), base_seed & 0xFFFFFFFF, base_seed >> 32, point, replicate]
    state = np.random.SeedSequence(words).generate_state(2, dtype=np.uint32)
    return int((int(state[0]) << 32 | int(state[1])) & (2**63 - 1))


@dataclass(frozen=True)
class Job:
    """One run of an experiment: what the worker needs, and what it must keep."""

    index: int
    point: int
    replicate: int
    seed: int
    scenario: Scenario
    weeks: int
    overrides: dict[str, Value]
    metrics: tuple[str, ...]
    weekly: tuple[str, ...]


def run_job(job: Job) -> dict[str, Any]:
    """Run one job and return a compact row: point, replicate, seed, the kept summary metrics
    (floats, NaN for none) and, when weekly series are kept, ``_weekly`` (a small DataFrame)."""
    from simcomm.runs.sim import simulate

    result = simulate(job.scenario, weeks=job.weeks, seed=job.seed, overrides=job.overrides)
    return job_row(job, result.summary, result.timeseries if job.weekly else None)


def jobs(exp: Experiment) -> list[Job | ChannelJob]:
    """Return every run of the experiment, in design order (point, then replicate): a Job of a
    single community's, a ChannelJob (its point's channel plan) of a channel experiment's."""
    out: list[Job | ChannelJob] = []
    for p, point in enumerate(exp.design()):
        overrides = {**exp.overrides, **point}
        plan = exp.point_plan(point) if isinstance(exp, ChannelExperiment) else None
        for r in range(exp.replicates):
            # Every point's replicate r shares a seed: common random numbers across the design.
            seed = derive_seed(exp.name, exp.seed, 0, r)
            if plan is not None:
                out.append(ChannelJob(p * exp.replicates + r, p, r, seed, plan, exp.weeks, exp.metrics,
                                      exp.weekly))
            else:
                out.append(Job(p * exp.replicates + r, p, r, seed, exp.scenario, exp.weeks, overrides,
                               exp.metrics, exp.weekly))
    return out


def resolved_points(exp: Experiment) -> list[dict[str, Any]]:
    """Return one record per design point, in design order: ``point`` (its index), ``factors``
    (the factor values that define it) and ``params`` (every parameter value its runs used, in
    the parameter table's units: the scenario's, the file's [overrides], then the factors)."""
    return [{"point": p, "factors": point, "params": exp.point_params(point)}
            for p, point in enumerate(exp.design())]


def _start(exp: Experiment, out_dir: Path, executor: str, workers: int) -> tuple[dict[str, Any], set]:
    from simcomm.core.version import __version__
    from simcomm.runs.sim import software_versions

    versions = software_versions()

    manifest_path = out_dir / "manifest.json"
    done: set[tuple[int, int]] = set()
    (out_dir / "runs").mkdir(exist_ok=True)
    if manifest_path.exists():
        manifest = read_manifest(out_dir)
        if manifest.get("experiment_sha256") != exp.sha256:
            raise ParameterError(
                f"'{out_dir}' holds results of a different experiment file (sha256 "
                f"{str(manifest.get('experiment_sha256'))[:12]}..., not {exp.sha256[:12]}...); "
                "use another --out")
        for stale in [*out_dir.glob("*/.part-*.tmp"), *out_dir.glob(".manifest.json.*.tmp")]:
            stale.unlink(missing_ok=True)  # a batch in flight when a previous session was killed
        existing = read_parts(out_dir / "runs", ["point", "replicate"])
        if existing is not None:
            done = set(zip(existing["point"].tolist(), existing["replicate"].tolist(), strict=True))
        remove_unrecorded_weekly(out_dir, done)
    else:
        if any(p for p in out_dir.iterdir() if p.name not in ("runs", LOCK_NAME)):
            raise ParameterError(f"'{out_dir}' is not empty and holds no experiment manifest; "
                                 "use a new or empty --out")
        manifest = {
            "experiment": exp.name, "title": exp.title, "question": exp.question,
            "experiment_file": str(Path(exp.path).absolute()), "experiment_sha256": exp.sha256,
            "experiment_toml": exp.text, **exp.described(),
            "factors": exp.factors, "replicates": exp.replicates, "weeks": exp.weeks,
            "seed": exp.seed, "metrics": list(exp.metrics), "weekly": list(exp.weekly),
            "design": exp.design(), "points": resolved_points(exp), "runs_total": exp.n_runs,
            "runs_done": 0, "simcomm_version": __version__, "versions": versions,
            "seeds": "common random numbers: replicate r of every design point has the same seed",
            "start": utc_now(), "end": None, "complete": False, "sessions": [],
        }
    manifest["simcomm_version"] = __version__
    manifest["runs_done"] = len(done)
    # A resumed sweep may run on other software: each session records its own versions.
    manifest["sessions"].append({"start": utc_now(), "end": None, "runs": 0, "executor": executor,
                                 "workers": workers, "simcomm_version": __version__,
                                 "versions": versions})
    write_manifest(out_dir, manifest)
    return manifest, done


def run_experiment(exp: Experiment, out_dir: str | Path, *, workers: int | None = None,
                   scheduler: str | None = None, progress: bool = False) -> dict[str, Any]:
    """Run the runs of ``exp`` not yet in ``out_dir`` and return the final manifest.

    ``scheduler`` is a Dask distributed scheduler address (``tcp://HOST:PORT``); without it
    runs go to the cluster of an enclosing :func:`simcomm.runs.cluster.on_cluster`, if any, else
    to ``workers`` local processes (default: all usable cores; 1 = this process). Results are
    identical whatever the executor: each run's seed depends only on the experiment's name, its
    base seed and the replicate, the same at every design point (common random numbers: the
    points are paired by replicate).
    """
    from simcomm.runs.batch import default_workers
    from simcomm.runs.cluster import on_cluster
    from simcomm.runs.files import check_writable

    out_dir = absolute_out(out_dir)
    n_workers = workers or default_workers()
    with on_cluster(scheduler) as cluster:
        if cluster is None:  # as run_many will, but before the results folder, lock or manifest exist
            exp.check_memory(processes=min(n_workers, max(exp.n_runs, 1)))
        check_writable(out_dir)
        if (out_dir / "manifest.json").exists():
            read_manifest(out_dir)  # a damaged results folder is one line, before anything is started
        elif out_dir.is_dir() and any(p for p in out_dir.iterdir() if p.name not in ("runs", LOCK_NAME)):
            raise ParameterError(f"'{out_dir}' is not empty and holds no experiment manifest; "
                                 "use a new or empty --out")
        if cluster is not None:  # an unreachable scheduler is one line, before anything is written
            n_workers = cluster.workers()
        try:
            with results_lock(out_dir):
                return _run_locked(exp, out_dir, cluster.address if cluster else None, n_workers, progress)
        except OSError as exc:  # a full disk: one line; the batches written so far are kept
            raise output_error(out_dir, exc, "the runs saved so far are kept; make room and run the "
                               "same command again to run the rest") from None


def _run_locked(exp: Experiment, out_dir: Path, scheduler: str | None, n_workers: int,
                progress: bool) -> dict[str, Any]:
    from simcomm.runs.batch import run_many

    manifest, done = _start(exp, out_dir, "dask" if scheduler else "local", n_workers)
    todo = [j for j in jobs(exp) if (j.point, j.replicate) not in done]
    started = time.monotonic()
    if scheduler:
        manifest["sessions"][-1]["scheduler"] = scheduler
    writer = ResultsWriter(exp, out_dir, manifest, exp.batch(n_workers), len(done))
    if todo:  # on the cluster of --scheduler when there is one (run_many sends the runs there)
        run_many(todo, workers=n_workers, progress=progress, desc=exp.name,  # type: ignore[arg-type]
                 on_result=lambda _i, row: writer.add(row),
                 function=run_channel_job if isinstance(exp, ChannelExperiment) else run_job)
    writer.flush()
    manifest["end"] = utc_now()
    manifest["complete"] = manifest["runs_done"] >= exp.n_runs
    manifest["sessions"][-1]["end"] = manifest["end"]
    manifest["sessions"][-1]["seconds"] = round(time.monotonic() - started, 3)
    write_manifest(out_dir, manifest)
    return manifest

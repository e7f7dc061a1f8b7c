"""Experiments: parameter sweeps over seeded replicates, in the manner of NetLogo's BehaviorSpace.

An experiment file (``experiments/*.toml``) names a base scenario, parameter overrides, the
factors to sweep (lists of values or ranges), the number of replicates, the horizon in weeks,
which metrics to keep and a base seed::

    name = "turnover-x-governance"
    scenario = "vendor-imposed"
    weeks = 260
    replicates = 5
    seed = 2024
    metrics = ["retention_52w", "peak_active"]   # summary metrics kept (default: all)
    weekly = ["active_members"]                  # weekly series kept too (default: none; true = all)

    [overrides]
    partners = 1000

    [factors]
    staff_turnover_per_year = [0.33, 1.33]
    governance = ["vendor-imposed", "sponsored"]
    promo_share = { low = 0.1, high = 0.7, num = 4 }     # evenly spaced, both ends included
    seed_advocates = { start = 0, stop = 40, step = 10 }  # 0, 10, 20, 30, 40 (stop included)

The design is the full factorial of the factors, in a stable order (the first factor varies
slowest), so design points differ only in their factors. To vary ``governance`` the scenario must
be one named after a type (governance only): a what-if's levers would go to every type.
Each run's seed is derived from (experiment name, base seed, replicate) with
:func:`derive_seed`, so results do not depend on the executor or the number of workers, and
replicate r of every design point has the same seed: the points share their random numbers
(common random numbers), so the differences between them are paired by replicate.

Results go to a directory: ``runs/part-<first>-<last>.parquet`` (one row per run),
``weekly/part-<first>-<last>.parquet`` (when weekly series are kept) and ``manifest.json``.
Each batch of runs is written to temporary files and moved into place with ``os.replace``
(atomic), the weekly part first and the runs part (which records the runs) last; a failure (a
full disk) removes both, and a weekly part left without its runs by a killed process is deleted
on resuming. The manifest is rewritten the same way after each batch, so a killed sweep
loses at most the batch in flight; running the same command again runs only the missing runs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import json
import math
import os
import time
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX: no lock
    fcntl = None  # type: ignore[assignment]

import numpy as np
import pandas as pd

from simcomm.core.metric_registry import SUMMARY
from simcomm.core.metrics import WEEKLY_METRICS
from simcomm.core.params import SPEC_BY_NAME, ParameterError, Value, closest_names, make_params
from simcomm.core.scenario import Scenario
from simcomm.runs.files import atomic_write, atomic_write_together, output_error, read_text_file
from simcomm.runs.library import load_scenario

SUMMARY_METRICS: tuple[str, ...] = SUMMARY  # the run summary's fields (the metric registry)
WEEKLY_NUMERIC: tuple[str, ...] = tuple(c for c in WEEKLY_METRICS if c not in ("week", "stage"))
KEYS = ("name", "title", "question", "scenario", "weeks", "replicates", "seed", "metrics", "weekly",
        "batch_size", "overrides", "factors")
MAX_RUNS = 10_000_000
RUN_COLUMNS = ("point", "replicate", "seed")


@dataclass(frozen=True)
class Experiment:
    """A validated experiment: base scenario and overrides, factors, replicates, what to keep."""

    name: str
    scenario: Scenario
    factors: dict[str, list[Value]]
    replicates: int
    weeks: int
    seed: int
    metrics: tuple[str, ...] = SUMMARY_METRICS
    weekly: tuple[str, ...] = ()
    overrides: dict[str, Value] = field(default_factory=dict)
    title: str = ""
    question: str = ""
    batch_size: int = 0
    path: str = ""
    text: str = ""

    @property
    def sha256(self) -> str:
        """The SHA-256 of the experiment file's text (what the manifest records)."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def design(self) -> list[dict[str, Value]]:
        """Return the design points (full factorial, first factor slowest), each a dict."""
        names = list(self.factors)
        return [dict(zip(names, combo, strict=True))
                for combo in itertools.product(*(self.factors[n] for n in names))]

    def point_params(self, point: dict[str, Value]) -> dict[str, Value]:
        """Return every parameter value of a design point: the scenario's, then the file's
        [overrides], then the point's factor values."""
        return make_params({**self.overrides, **point}, base=self.scenario.overrides).to_dict()

    @property
    def n_runs(self) -> int:
        return math.prod(len(v) for v in self.factors.values()) * self.replicates

    def batch(self, workers: int) -> int:
        """Runs per written batch: the file's batch_size, else a few per worker (4 to 200)."""
        if self.batch_size:
            return self.batch_size
        return int(min(200, max(4, 4 * workers, self.n_runs // 50)))


def _err(path: str, field_name: str, message: str) -> ParameterError:
    return ParameterError(f"experiment file '{path}': {field_name}: {message}")


def _int(data: dict[str, Any], key: str, default: int | None, low: int, high: int, path: str) -> int:
    value = data.get(key, default)
    if value is None:
        raise _err(path, key, f"missing; expected an integer in [{low}, {high}]")
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _err(path, key, f"{value!r} is not allowed: expected an integer in [{low}, {high}]")
    return value


def _range_values(name: str, spec: Any, rng: dict[str, Any], path: str,
                  limit: int = MAX_RUNS) -> list[Any]:
    where = f"factors.{name}"
    keys = set(rng)
    if spec.kind not in (int, float):
        raise _err(path, where, f"a range needs a numeric parameter; use a list of values "
                   f"({spec.allowed()})")
    for k, v in rng.items():
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise _err(path, where, f"range field '{k}' = {v!r} is not a number")
        if not math.isfinite(v):
            raise _err(path, where, f"range field '{k}' = {v!r} is not allowed: expected a finite number")
    if keys == {"start", "stop", "step"}:
        start, stop, step = float(rng["start"]), float(rng["stop"]), float(rng["step"])
        if step <= 0:
            raise _err(path, where, f"step = {rng['step']!r} is not allowed: expected a number > 0")
        if stop < start:
            raise _err(path, where, f"empty range: stop {rng['stop']!r} < start {rng['start']!r}")
        count = (stop - start) / step + 1e-9
        if not count < limit:  # counted before anything is allocated
            raise _err(path, where, f"step = {rng['step']!r} gives {count:,.0f} values, too many "
                       f"(at most {MAX_RUNS:,} runs in all)")
        n = math.floor(count) + 1
        values = [start + i * step for i in range(n)]
    elif keys == {"low", "high", "num"}:
        num = rng["num"]
        if isinstance(num, float) or num < 1:
            raise _err(path, where, f"num = {num!r} is not allowed: expected an integer >= 1")
        if num > limit:
            raise _err(path, where, f"num = {num!r} is too many values (at most {MAX_RUNS:,} runs in all)")
        if rng["high"] < rng["low"]:
            raise _err(path, where, f"empty range: high {rng['high']!r} < low {rng['low']!r}")
        values = [float(x) for x in np.linspace(rng["low"], rng["high"], int(num))]
    else:
        raise _err(path, where, f"a range is {{start, stop, step}} or {{low, high, num}}, "
                   f"not {{{', '.join(sorted(keys))}}}")
    values = [round(v, 10) for v in values]
    if spec.kind is int:
        values = [round(v) for v in values]
        values = list(dict.fromkeys(values))
    return values


def _factor(name: str, raw: Any, path: str, limit: int = MAX_RUNS) -> list[Value]:
    spec = SPEC_BY_NAME.get(name)
    if spec is None:
        near = closest_names(name, list(SPEC_BY_NAME))
        hint = f"did you mean {', '.join(near)}?" if near else "see 'simcomm params'"
        raise _err(path, f"factors.{name}", f"unknown parameter; {hint}")
    if isinstance(raw, dict):
        values = _range_values(name, spec, raw, path, limit)
    elif isinstance(raw, list):
        values = raw
    else:
        raise _err(path, f"factors.{name}", f"{raw!r} is not a list of values or a range "
                   "({start, stop, step} or {low, high, num})")
    if not values:
        raise _err(path, f"factors.{name}", "empty: expected at least one value")
    out = []
    for v in values:
        try:
            out.append(spec.validate(v))
        except ParameterError:
            raise _err(path, f"factors.{name}", f"{v!r} is not allowed: expected {spec.allowed()}"
                       ) from None
    if len(set(map(repr, out))) != len(out):
        raise _err(path, f"factors.{name}", f"values repeat: {out}")
    return out


def _names(data: dict[str, Any], key: str, allowed: Sequence[str], default: tuple[str, ...],
           path: str, all_if_true: bool = False) -> tuple[str, ...]:
    value = data.get(key, default)
    if key not in data:
        return default
    if isinstance(value, bool):
        if all_if_true:
            return tuple(allowed) if value else ()
        raise _err(path, key, f"{value!r} is not allowed: expected a list of names")
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not value or not all(isinstance(v, str) for v in value):
        extra = ", true or false" if all_if_true else ""
        raise _err(path, key, f"{value!r} is not allowed: expected a non-empty list of names{extra}")
    for v in value:
        if v not in allowed:
            near = closest_names(v, list(allowed))
            hint = f"did you mean {', '.join(near)}?" if near else f"choose from {', '.join(allowed)}"
            raise _err(path, key, f"unknown {'weekly series' if all_if_true else 'metric'} '{v}'; {hint}")
    return tuple(dict.fromkeys(value))


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment TOML file; raise ParameterError (one line) if it is bad.

    The message names the file, the field and what is allowed (with close names for an
    unknown parameter or metric).
    """
    p = Path(path)
    text = read_text_file(p, "experiment file")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(f"experiment file '{p}' is not valid TOML: {exc}") from None
    where = str(p)
    if not data:
        raise ParameterError(f"experiment file '{p}' is empty: expected at least scenario, replicates "
                             f"and [factors] (fields: {', '.join(KEYS)})")
    unknown = [k for k in data if k not in KEYS]
    if unknown:
        near = closest_names(unknown[0], list(KEYS))
        hint = f"did you mean {', '.join(near)}?" if near else f"allowed: {', '.join(KEYS)}"
        raise _err(where, unknown[0], f"unknown field; {hint}")
    name = data.get("name", p.stem)
    if not isinstance(name, str) or not name.strip():
        raise _err(where, "name", f"{name!r} is not allowed: expected a non-empty string")
    if any(c in name for c in '/\\\0') or name.strip().startswith("."):
        raise _err(where, "name", f"{name!r} is not allowed: expected a plain name, not a path "
                   "(no '/' or '\\', not starting with '.'), since it names the folder out/<name>")
    scenario_name = data.get("scenario")
    if scenario_name is None:
        raise _err(where, "scenario", "missing; expected a scenario name or the path of a scenario "
                   "TOML file")
    if not isinstance(scenario_name, str):
        raise _err(where, "scenario", f"{scenario_name!r} is not allowed: expected a scenario name "
                   "or the path of a scenario TOML file")
    scenario_path = p.parent / scenario_name
    try:
        scenario = load_scenario(scenario_path if scenario_name.endswith(".toml") else scenario_name)
    except ParameterError as exc:
        raise _err(where, "scenario", str(exc)) from None
    overrides = data.get("overrides", {})
    if not isinstance(overrides, dict):
        raise _err(where, "overrides", "expected a table of parameter = value")
    try:
        make_params(overrides, base=scenario.overrides)
    except ParameterError as exc:
        raise _err(where, "overrides", str(exc)) from None
    factors_raw = data.get("factors")
    expected = "a table of parameter = [values] or a range {start, stop, step} / {low, high, num}"
    if factors_raw is not None and not isinstance(factors_raw, dict):
        raise _err(where, "factors", f"{factors_raw!r} is not allowed: expected {expected}")
    if not factors_raw:
        raise _err(where, "factors", f"missing or empty: expected {expected}")
    weeks = _int(data, "weeks", 260, 1, 5200, where)
    replicates = _int(data, "replicates", None, 1, 100_000, where)
    factors: dict[str, list[Value]] = {}
    runs = replicates
    for k, v in factors_raw.items():  # the run count is checked before each range is built
        factors[str(k)] = _factor(str(k), v, where, limit=max(1, MAX_RUNS // runs))
        runs *= len(factors[str(k)])
        if runs > MAX_RUNS:
            raise _err(where, "factors", f"{runs:,} runs or more is too many (at most {MAX_RUNS:,})")
    seed = _int(data, "seed", 0, 0, 2**63 - 1, where)
    batch_size = _int(data, "batch_size", 0, 0, 100_000, where)
    metrics = _names(data, "metrics", SUMMARY_METRICS, SUMMARY_METRICS, where)
    weekly = _names(data, "weekly", WEEKLY_NUMERIC, (), where, all_if_true=True)
    others = [k for k in scenario.overrides if k != "governance"]
    if "governance" in factors and others:
        raise _err(where, "factors.governance", f"varying the governance type needs a scenario named "
                   f"after a type (governance only), so that each type differs by its rules only; "
                   f"'{scenario.name}' also sets {', '.join(others)}")
    exp = Experiment(name=name.strip(), scenario=scenario, factors=factors, replicates=replicates,
                     weeks=weeks, seed=seed, metrics=metrics, weekly=weekly,
                     overrides=dict(overrides), title=str(data.get("title", "")),
                     question=str(data.get("question", "")).strip(), batch_size=batch_size,
                     path=str(p), text=text)
    if exp.n_runs > MAX_RUNS:
        raise _err(where, "factors", f"{exp.n_runs:,} runs is too many (at most {MAX_RUNS:,})")
    for point in exp.design():  # every combination must make valid parameters
        try:
            make_params({**exp.overrides, **point}, base=scenario.overrides)
        except ParameterError as exc:
            raise _err(where, "factors", f"design point {point}: {exc}") from None
    return exp


# ---- seeds and single runs -----------------------------------------------------------------
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
    row: dict[str, Any] = {"point": job.point, "replicate": job.replicate, "seed": job.seed}
    for m in job.metrics:
        v = result.summary.get(m)
        row[m] = math.nan if v is None else float(v)
    if job.weekly:
        ts = result.timeseries
        frame = pd.DataFrame({"point": job.point, "replicate": job.replicate,
                              "week": ts["week"].to_numpy(dtype=np.int64)})
        for c in job.weekly:
            frame[c] = ts[c].to_numpy(dtype=float)
        row["_weekly"] = frame
    return row


def jobs(exp: Experiment) -> list[Job]:
    """Return every run of the experiment, in design order (point, then replicate)."""
    out = []
    for p, point in enumerate(exp.design()):
        overrides = {**exp.overrides, **point}
        for r in range(exp.replicates):
            # Every point's replicate r shares a seed: common random numbers across the design.
            out.append(Job(p * exp.replicates + r, p, r, derive_seed(exp.name, exp.seed, 0, r),
                           exp.scenario, exp.weeks, overrides, exp.metrics, exp.weekly))
    return out


# ---- results directory ---------------------------------------------------------------------
def _parts(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("part-*.parquet") if not p.name.startswith("."))


def _read_part(path: Path, keys: list[str]) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        reason = " ".join(str(exc).split())[:120] or type(exc).__name__
        raise ParameterError(f"'{path}' is not a readable Parquet part ({reason}); move it away "
                             "or run the experiment into a new --out") from None
    missing = [k for k in keys if k not in frame.columns]
    if missing:
        raise ParameterError(f"'{path}' is not an experiment part: no column {missing[0]}; move it "
                             "away or run the experiment into a new --out")
    return frame


def _read_parts(directory: Path, keys: list[str]) -> pd.DataFrame | None:
    parts = _parts(directory)
    if not parts:
        return None
    frame = pd.concat([_read_part(p, keys) for p in parts], ignore_index=True)
    frame = frame.drop_duplicates(keys, keep="last")  # defensive: a rerun batch after a kill
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


def read_runs(out_dir: str | Path) -> pd.DataFrame:
    """Return the runs table of a results directory: one row per finished run, sorted by
    (point, replicate), each run once. Raises ParameterError if there is none."""
    out_dir = Path(out_dir)
    frame = _read_parts(out_dir / "runs", ["point", "replicate"])
    if frame is None:
        raise ParameterError(f"'{out_dir}' holds no experiment runs (no runs/part-*.parquet)")
    return frame


def read_weekly(out_dir: str | Path) -> pd.DataFrame | None:
    """Return the weekly table (point, replicate, week, series...) or None when not kept."""
    return _read_parts(Path(out_dir) / "weekly", ["point", "replicate", "week"])


MANIFEST_KEYS: dict[str, type] = {"experiment": str, "experiment_sha256": str, "factors": dict,
                                   "metrics": list, "runs_total": int, "runs_done": int,
                                   "sessions": list}


def read_manifest(out_dir: str | Path) -> dict[str, Any]:
    """Return the manifest of a results directory; ParameterError (one line) if it is missing,
    unreadable, not JSON, or lacks a field an experiment manifest has (e.g. ``{}``)."""
    path = Path(out_dir) / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParameterError(f"'{out_dir}' is not an experiment results directory "
                             "(no manifest.json)") from None
    except OSError as exc:
        raise ParameterError(f"'{path}' cannot be read: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ParameterError(f"'{path}' is not valid JSON: {exc}") from None
    if not isinstance(manifest, dict):
        raise ParameterError(f"'{path}' is damaged: expected a JSON object, not {type(manifest).__name__}")
    for key, kind in MANIFEST_KEYS.items():
        if not isinstance(manifest.get(key), kind):
            what = "missing" if key not in manifest else f"{manifest[key]!r} is not a {kind.__name__}"
            raise ParameterError(f"'{path}' is damaged: field '{key}' {what}; it was not written by "
                                 "'simcomm experiment run' (or was edited)")
    return manifest


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _factor_frame(exp: Experiment, rows: pd.DataFrame) -> pd.DataFrame:
    design = exp.design()
    for name in exp.factors:
        rows.insert(len(rows.columns) - len(exp.metrics), name,
                    [design[p][name] for p in rows["point"]])
    return rows


class _Writer:
    """Buffers finished runs and writes them in atomic batches, updating the manifest."""

    def __init__(self, exp: Experiment, out_dir: Path, manifest: dict[str, Any], batch: int,
                 done: int) -> None:
        self.exp, self.out_dir, self.manifest, self.batch = exp, out_dir, manifest, batch
        self.buffer: list[dict[str, Any]] = []
        self.done = done

    def add(self, row: dict[str, Any]) -> None:
        self.buffer.append(row)
        if len(self.buffer) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        rows = sorted(self.buffer, key=lambda r: (r["point"], r["replicate"]))
        idx = [r["point"] * self.exp.replicates + r["replicate"] for r in rows]
        weekly = [r.get("_weekly") for r in rows if "_weekly" in r]
        table = pd.DataFrame(rows, columns=[*RUN_COLUMNS, *self.exp.metrics])
        table = table.astype({"point": "int64", "replicate": "int64", "seed": "int64",
                              **{m: "float64" for m in self.exp.metrics}})
        table = _factor_frame(self.exp, table)
        rdir, wdir = self.out_dir / "runs", self.out_dir / "weekly"
        files = []
        if weekly:
            wdir.mkdir(exist_ok=True)
            frame = pd.concat(weekly, ignore_index=True)
            files.append((wdir, lambda t: frame.to_parquet(t, index=False)))
        files.append((rdir, lambda t: table.to_parquet(t, index=False)))
        # The batch's parts share a name; the runs part goes into place last (it records the runs)
        # and a failure (a full disk) removes the weekly part again: no weekly rows of unrecorded runs.
        stem = self._free([d for d, _ in files], f"part-{min(idx):07d}-{max(idx):07d}")
        atomic_write_together([(d / f"{stem}.parquet", write) for d, write in files])
        for r in rows:
            r.pop("_weekly", None)
        self.done += len(rows)
        self.buffer = []
        self.manifest["runs_done"] = self.done
        self.manifest["sessions"][-1]["runs"] += len(rows)
        self.manifest["sessions"][-1]["end"] = _now()
        self.manifest["complete"] = self.done >= self.exp.n_runs
        write_manifest(self.out_dir, self.manifest)

    @staticmethod
    def _free(directories: Sequence[Path], stem: str) -> str:
        """Return ``stem`` or ``stem.K``: a part name free in every one of ``directories``."""
        name, k = stem, 1
        while any((d / f"{name}.parquet").exists() for d in directories):
            name, k = f"{stem}.{k}", k + 1
        return name


def write_manifest(out_dir: Path, manifest: dict[str, Any]) -> None:
    """Rewrite ``out_dir/manifest.json`` atomically."""
    from simcomm.runs.files import to_jsonable

    text = json.dumps(to_jsonable(manifest), indent=2, ensure_ascii=False) + "\n"
    atomic_write(out_dir / "manifest.json", lambda t: t.write_text(text, encoding="utf-8"))


def _remove_unrecorded_weekly(out_dir: Path, done: set[tuple[int, int]]) -> None:
    """Delete weekly parts holding runs that no runs part records (left by a process killed
    between the two renames of a batch); they run again. A weekly part with a runs part of the
    same name is a recorded batch, and only the others are read to check."""
    recorded = {p.name for p in _parts(out_dir / "runs")}
    for part in _parts(out_dir / "weekly"):
        if part.name in recorded:
            continue
        keys = _read_part(part, ["point", "replicate"])[["point", "replicate"]]
        if not set(zip(keys["point"].tolist(), keys["replicate"].tolist(), strict=True)) <= done:
            part.unlink()


def _start(exp: Experiment, out_dir: Path, executor: str, workers: int) -> tuple[dict[str, Any], set]:
    from simcomm.core.version import __version__

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
        existing = _read_parts(out_dir / "runs", ["point", "replicate"])
        if existing is not None:
            done = set(zip(existing["point"].tolist(), existing["replicate"].tolist(), strict=True))
        _remove_unrecorded_weekly(out_dir, done)
    else:
        if any(p for p in out_dir.iterdir() if p.name not in ("runs", LOCK_NAME)):
            raise ParameterError(f"'{out_dir}' is not empty and holds no experiment manifest; "
                                 "use a new or empty --out")
        manifest = {
            "experiment": exp.name, "title": exp.title, "question": exp.question,
            "experiment_file": str(Path(exp.path).absolute()), "experiment_sha256": exp.sha256,
            "experiment_toml": exp.text, "scenario": exp.scenario.name,
            "factors": exp.factors, "replicates": exp.replicates, "weeks": exp.weeks,
            "seed": exp.seed, "metrics": list(exp.metrics), "weekly": list(exp.weekly),
            "design": exp.design(), "runs_total": exp.n_runs, "runs_done": 0,
            "simcomm_version": __version__, "start": _now(), "end": None, "complete": False,
            "sessions": [],
        }
    manifest["simcomm_version"] = __version__
    manifest["runs_done"] = len(done)
    manifest["sessions"].append({"start": _now(), "end": None, "runs": 0, "executor": executor,
                                 "workers": workers, "simcomm_version": __version__})
    write_manifest(out_dir, manifest)
    return manifest, done


def run_experiment(exp: Experiment, out_dir: str | Path, *, workers: int | None = None,
                   scheduler: str | None = None, progress: bool = False) -> dict[str, Any]:
    """Run the runs of ``exp`` not yet in ``out_dir`` and return the final manifest.

    ``scheduler`` is a Dask distributed scheduler address (``tcp://HOST:PORT``); without it
    runs go to ``workers`` local processes (default: all usable cores; 1 = this process).
    Results are identical whatever the executor: each run's seed depends only on the
    experiment, the design point and the replicate.
    """
    from simcomm.runs.batch import default_workers

    out_dir = Path(out_dir).expanduser().absolute()
    n_workers = workers or default_workers()
    from simcomm.runs.files import check_writable
    from simcomm.runs.resources import check_memory

    if scheduler is None:  # as run_many will, but before the results folder, lock or manifest exist
        check_memory(((exp.scenario.overrides, {**exp.overrides, **point}) for point in exp.design()),
                     processes=min(n_workers, max(exp.n_runs, 1)))
    check_writable(out_dir)
    if (out_dir / "manifest.json").exists():
        read_manifest(out_dir)  # a damaged results folder is one line, before anything is started
    elif out_dir.is_dir() and any(p for p in out_dir.iterdir() if p.name not in ("runs", LOCK_NAME)):
        raise ParameterError(f"'{out_dir}' is not empty and holds no experiment manifest; "
                             "use a new or empty --out")
    client = _connect(scheduler) if scheduler else None
    try:
        with results_lock(out_dir):
            return _run_locked(exp, out_dir, client, scheduler, n_workers, progress)
    except OSError as exc:  # a full disk: one line; the batches written so far are kept
        raise output_error(out_dir, exc, "the runs saved so far are kept; make room and run the "
                           "same command again to run the rest") from None
    finally:
        if client is not None:
            client.close()


LOCK_NAME = ".simcomm.lock"


@contextlib.contextmanager
def results_lock(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``out_dir`` (creating it) for one sweep; ParameterError (one
    line) when another sweep holds it. The lock is the file OUT/.simcomm.lock, locked with flock
    (released by the system when the process ends, even when killed)."""
    created = not out_dir.exists()
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / LOCK_NAME
    fh = open(path, "a+")  # noqa: SIM115 - held for the whole sweep
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                fh.seek(0)
                holder = fh.read().strip() or "another process"
                raise ParameterError(f"'{out_dir}' is in use by another 'simcomm experiment run' "
                                     f"({holder}); wait for it or use another --out") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}\n")
        fh.flush()
        try:
            yield
        except BaseException:
            if created and not (out_dir / "manifest.json").exists():
                path.unlink(missing_ok=True)
                with contextlib.suppress(OSError):
                    (out_dir / "runs").rmdir()
                    out_dir.rmdir()
            raise
    finally:
        fh.close()


def _run_locked(exp: Experiment, out_dir: Path, client: Any, scheduler: str | None, n_workers: int,
                progress: bool) -> dict[str, Any]:
    manifest, done = _start(exp, out_dir, "dask" if scheduler else "local",
                            0 if scheduler else n_workers)
    todo = [j for j in jobs(exp) if (j.point, j.replicate) not in done]
    started = time.monotonic()
    if client is not None:
        manifest["sessions"][-1]["scheduler"] = scheduler
        _run_dask(exp, out_dir, manifest, todo, len(done), client, progress)
    else:
        writer = _Writer(exp, out_dir, manifest, exp.batch(n_workers), len(done))
        if todo:
            from simcomm.runs.batch import run_many

            run_many(todo, workers=n_workers, progress=progress, desc=exp.name,  # type: ignore[arg-type]
                     on_result=lambda _i, row: writer.add(row), function=run_job)
        writer.flush()
    manifest["end"] = _now()
    manifest["complete"] = manifest["runs_done"] >= exp.n_runs
    manifest["sessions"][-1]["end"] = manifest["end"]
    manifest["sessions"][-1]["seconds"] = round(time.monotonic() - started, 3)
    write_manifest(out_dir, manifest)
    return manifest


def _connect(scheduler: str) -> Any:
    """Return a dask.distributed Client connected to ``scheduler``; ParameterError if it cannot."""
    from distributed import Client

    try:
        return Client(scheduler, timeout="10s")
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise ParameterError(f"--scheduler {scheduler}: cannot connect ({exc})") from None


def _run_dask(exp: Experiment, out_dir: Path, manifest: dict[str, Any], todo: list[Job], done: int,
              client: Any, progress: bool) -> None:
    from distributed import as_completed
    from tqdm import tqdm

    n_workers = max(1, len(client.scheduler_info().get("workers", {})))
    manifest["sessions"][-1]["workers"] = n_workers
    writer = _Writer(exp, out_dir, manifest, exp.batch(n_workers), done)
    with tqdm(total=len(todo), desc=exp.name, unit="run", disable=not progress,
              dynamic_ncols=True) as bar:
        futures = client.map(run_job, todo, pure=False)
        try:
            for fut in as_completed(futures):
                writer.add(fut.result())
                fut.release()
                bar.update()
        except BaseException:
            client.cancel(futures)
            raise
    writer.flush()

"""What an experiment is, apart from its file: the design (factors, replicates, horizon, what to keep)
and the checks of its fields, shared by a single community's experiment file
(:mod:`simcomm.runs.experiment_file`) and a channel's (:mod:`simcomm.runs.channel_experiment`).
Every refusal is one line naming the file, the field and what it allows.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simcomm.core.metric_registry import SUMMARY
from simcomm.core.metrics import WEEKLY_METRICS
from simcomm.core.params import SPEC_BY_NAME, ParameterError, ParamSpec, Value, closest_names, make_params
from simcomm.core.scenario import Scenario
from simcomm.runs.resources import check_memory
from simcomm.runs.workload import Workload

SUMMARY_METRICS: tuple[str, ...] = SUMMARY  # the run summary's fields (the metric registry)
WEEKLY_NUMERIC: tuple[str, ...] = tuple(c for c in WEEKLY_METRICS if c not in ("week", "stage"))
KEYS = ("name", "title", "question", "scenario", "weeks", "replicates", "seed", "metrics", "weekly",
        "batch_size", "overrides", "factors")
MAX_RUNS = 10_000_000


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
        """The number of runs: design points times replicates."""
        return math.prod(len(v) for v in self.factors.values()) * self.replicates

    def batch(self, workers: int) -> int:
        """Runs per written batch: the file's batch_size, else a few per worker (4 to 200)."""
        if self.batch_size:
            return self.batch_size
        return int(min(200, max(4, 4 * workers, self.n_runs // 50)))

    def workload(self) -> Workload:
        """Return the runs (every design point x replicate, at its largest partners), for an
        estimate before it starts; a resumed sweep does fewer."""
        partners = [v for v in self.factors.get("partners", []) if isinstance(v, int | float)]
        base = make_params(self.overrides, base=self.scenario.overrides)["partners"]
        return Workload().add(self.n_runs, self.weeks, int(max([base, *partners])))

    def check_memory(self, processes: int) -> None:
        """Raise ParameterError (one line) when the largest design point's runs, ``processes`` at
        a time, would need more memory than is available; return None."""
        check_memory(((self.scenario.overrides, {**self.overrides, **point}) for point in self.design()),
                     processes=processes)

    def described(self) -> dict[str, Any]:
        """Return what the manifest says the experiment runs: the scenario's name."""
        return {"scenario": self.scenario.name}


def file_error(path: str, field_name: str, message: str) -> ParameterError:
    """Return the one-line ParameterError naming experiment file ``path`` and ``field_name``."""
    return ParameterError(f"experiment file '{path}': {field_name}: {message}")


def int_field(data: dict[str, Any], key: str, default: int | None, low: int, high: int, path: str) -> int:
    """Return the integer field ``key`` of ``data`` (``default`` when absent; None: required) in
    [low, high]; ParameterError (one line naming ``path`` and the field) otherwise."""
    value = data.get(key, default)
    if value is None:
        raise file_error(path, key, f"missing; expected an integer in [{low}, {high}]")
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise file_error(path, key, f"{value!r} is not allowed: expected an integer in [{low}, {high}]")
    return value


def _range_values(name: str, spec: Any, rng: dict[str, Any], path: str,
                  limit: int = MAX_RUNS, where: str = "") -> list[Any]:
    where = where or f"factors.{name}"
    keys = set(rng)
    if spec.kind not in (int, float):
        raise file_error(path, where, f"a range needs a numeric parameter; use a list of values "
                   f"({spec.allowed()})")
    for k, v in rng.items():
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise file_error(path, where, f"range field '{k}' = {v!r} is not a number")
        if not math.isfinite(v):
            raise file_error(path, where, f"range field '{k}' = {v!r} is not allowed: expected a finite "
                             "number")
    if keys == {"start", "stop", "step"}:
        start, stop, step = float(rng["start"]), float(rng["stop"]), float(rng["step"])
        if step <= 0:
            raise file_error(path, where, f"step = {rng['step']!r} is not allowed: expected a number > 0")
        if stop < start:
            raise file_error(path, where, f"empty range: stop {rng['stop']!r} < start {rng['start']!r}")
        count = (stop - start) / step + 1e-9
        if not count < limit:  # counted before anything is allocated
            raise file_error(path, where, f"step = {rng['step']!r} gives {count:,.0f} values, too many "
                       f"(at most {MAX_RUNS:,} runs in all)")
        n = math.floor(count) + 1
        values = [start + i * step for i in range(n)]
    elif keys == {"low", "high", "num"}:
        num = rng["num"]
        if isinstance(num, float) or num < 1:
            raise file_error(path, where, f"num = {num!r} is not allowed: expected an integer >= 1")
        if num > limit:
            raise file_error(path, where, f"num = {num!r} is too many values (at most {MAX_RUNS:,} runs in "
                             "all)")
        if rng["high"] < rng["low"]:
            raise file_error(path, where, f"empty range: high {rng['high']!r} < low {rng['low']!r}")
        values = [float(x) for x in np.linspace(rng["low"], rng["high"], int(num))]
    else:
        raise file_error(path, where, f"a range is {{start, stop, step}} or {{low, high, num}}, "
                   f"not {{{', '.join(sorted(keys))}}}")
    values = [round(v, 10) for v in values]
    if spec.kind is int:
        values = [round(v) for v in values]
        values = list(dict.fromkeys(values))
    return values


def factor_values(name: str, raw: Any, path: str, limit: int = MAX_RUNS, spec: ParamSpec | None = None,
                  where: str = "") -> list[Value]:
    """Return the values of factor ``name`` (a list of values or a range), each checked against
    ``spec`` (default: the parameter table's ``name``); raise ParameterError (one line naming the
    file and ``where``, by default ``factors.NAME``, with what is allowed)."""
    where = where or f"factors.{name}"
    spec = spec or SPEC_BY_NAME.get(name)
    if spec is None:
        near = closest_names(name, list(SPEC_BY_NAME))
        hint = f"did you mean {', '.join(near)}?" if near else "see 'simcomm params'"
        raise file_error(path, where, f"unknown parameter; {hint}")
    if isinstance(raw, dict):
        values = _range_values(name, spec, raw, path, limit, where)
    elif isinstance(raw, list):
        values = raw
    else:
        raise file_error(path, where, f"{raw!r} is not a list of values or a range "
                   "({start, stop, step} or {low, high, num})")
    if not values:
        raise file_error(path, where, "empty: expected at least one value")
    out = []
    for v in values:
        try:
            out.append(spec.validate(v))
        except ParameterError:
            raise file_error(path, where, f"{v!r} is not allowed: expected {spec.allowed()}") from None
    if len(set(map(repr, out))) != len(out):
        raise file_error(path, where, f"values repeat: {out}")
    return out


def names_field(data: dict[str, Any], key: str, allowed: Sequence[str], default: tuple[str, ...],
                path: str, all_if_true: bool = False) -> tuple[str, ...]:
    """Return the names listed in field ``key`` of ``data`` (metrics, weekly series), each once and
    each among ``allowed``; ``default`` when absent; with ``all_if_true``, true means all and
    false none. ParameterError (one line naming ``path`` and the field, with close names)."""
    value = data.get(key, default)
    if key not in data:
        return default
    if isinstance(value, bool):
        if all_if_true:
            return tuple(allowed) if value else ()
        raise file_error(path, key, f"{value!r} is not allowed: expected a list of names")
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not value or not all(isinstance(v, str) for v in value):
        extra = ", true or false" if all_if_true else ""
        raise file_error(path, key, f"{value!r} is not allowed: expected a non-empty list of names{extra}")
    for v in value:
        if v not in allowed:
            near = closest_names(v, list(allowed))
            hint = f"did you mean {', '.join(near)}?" if near else f"choose from {', '.join(allowed)}"
            what = "weekly series" if all_if_true else "metric"
            raise file_error(path, key, f"unknown {what} '{v}'; {hint}")
    return tuple(dict.fromkeys(value))


@dataclass(frozen=True)
class ExperimentText:
    """An experiment file read and its common fields checked: its ``path`` (as given), ``text``,
    parsed ``data``, ``name`` (the file's stem unless it names itself) and the ``scenario`` it
    names (a built-in name, or a path made relative to the experiment file's folder)."""

    path: Path
    text: str
    data: dict[str, Any]
    name: str
    scenario: str | Path

    @property
    def where(self) -> str:
        """The file as messages name it."""
        return str(self.path)

    def int_field(self, key: str, default: int | None, low: int, high: int) -> int:
        """Return the integer field ``key`` (``default`` when absent; None: required), checked
        to be in [low, high]; ParameterError (one line) otherwise."""
        return int_field(self.data, key, default, low, high, self.where)

    def names_field(self, key: str, allowed: Sequence[str], default: tuple[str, ...],
                    all_if_true: bool = False) -> tuple[str, ...]:
        """Return the list of names ``key`` (metrics or weekly series) among ``allowed``, each
        once; ``default`` when absent; with ``all_if_true``, true means all and false none."""
        return names_field(self.data, key, allowed, default, self.where, all_if_true=all_if_true)

    def error(self, field_name: str, message: str) -> ParameterError:
        """Return the one-line ParameterError naming this file and ``field_name``."""
        return file_error(self.where, field_name, message)


FACTORS_EXPECTED = "a table of parameter = [values] or a range {start, stop, step} / {low, high, num}"


def counted_runs(runs: int, values: int, where: str) -> int:
    """Return ``runs`` x ``values`` (the runs so far times one more factor's values); raise
    ParameterError naming ``factors`` when that is more than MAX_RUNS."""
    runs *= values
    if runs > MAX_RUNS:
        raise file_error(where, "factors", f"{runs:,} runs or more is too many (at most {MAX_RUNS:,})")
    return runs


def job_row(job: Any, measures: Mapping[str, float | None], weeks: pd.DataFrame | None) -> dict[str, Any]:
    """Return one run's row of an experiment: ``job``'s point, replicate and seed, each of its
    kept ``metrics`` from ``measures`` (floats in the measure's units, NaN for none) and, when
    the job keeps weekly series, ``_weekly``: a DataFrame of point, replicate, week and each kept
    series, taken from ``weeks`` (a weekly table with a ``week`` column)."""
    row: dict[str, Any] = {"point": job.point, "replicate": job.replicate, "seed": job.seed}
    for m in job.metrics:
        v = measures.get(m)
        row[m] = math.nan if v is None else float(v)
    if job.weekly and weeks is not None:
        frame = pd.DataFrame({"point": job.point, "replicate": job.replicate,
                              "week": weeks["week"].to_numpy(dtype=np.int64)})
        for c in job.weekly:
            frame[c] = weeks[c].to_numpy(dtype=float)
        row["_weekly"] = frame
    return row

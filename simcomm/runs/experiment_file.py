"""Experiment files: what a parameter sweep runs (``simcomm experiment run FILE``), read and checked.

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

:func:`load_experiment` reads and checks a file: every mistake is one line naming the file, the
field and what is allowed (with close names for an unknown field, parameter or metric). The
checks are written by hand, not with a schema library (msgspec, pydantic): those check types and
required fields, but each message here says what that field allows (a parameter's range from the
parameter table, a metric from the metric registry, close names for a typo) and the tests pin
those lines, so the same checks and messages would be written again around the library's errors,
and the module would be no shorter.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from simcomm.core.metric_registry import SUMMARY
from simcomm.core.metrics import WEEKLY_METRICS
from simcomm.core.params import SPEC_BY_NAME, ParameterError, Value, closest_names, make_params
from simcomm.core.scenario import Scenario
from simcomm.runs.files import parse_toml, read_text_file
from simcomm.runs.library import load_scenario
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


def experiment_workload(exp: Experiment) -> Workload:
    """Return the runs of ``exp`` (every design point x replicate, at its largest partners), for
    an estimate before it starts; a resumed sweep does fewer."""
    partners = [v for v in exp.factors.get("partners", []) if isinstance(v, int | float)]
    base = make_params(exp.overrides, base=exp.scenario.overrides)["partners"]
    return Workload().add(exp.n_runs, exp.weeks, int(max([base, *partners])))


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment TOML file; raise ParameterError (one line) if it is bad.

    The message names the file, the field and what is allowed (with close names for an
    unknown parameter or metric).
    """
    p = Path(path)
    text = read_text_file(p, "experiment file")
    data = parse_toml(text, "experiment file", p)
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

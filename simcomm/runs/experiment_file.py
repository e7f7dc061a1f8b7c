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

What an experiment is once read (:class:`~simcomm.runs.experiment_design.Experiment`) and the
checks of its fields are :mod:`simcomm.runs.experiment_design`; a file whose scenario is a channel
of communities is read by :mod:`simcomm.runs.channel_experiment`.
"""

from __future__ import annotations

from pathlib import Path

from simcomm.core.params import ParameterError, Value, closest_names, make_params
from simcomm.runs.channel_experiment import load_channel_experiment
from simcomm.runs.channel_run import is_channel
from simcomm.runs.experiment_design import (
    FACTORS_EXPECTED,
    KEYS,
    MAX_RUNS,
    SUMMARY_METRICS,
    WEEKLY_NUMERIC,
    Experiment,
    ExperimentText,
    counted_runs,
    factor_values,
    file_error,
    int_field,
    names_field,
)
from simcomm.runs.files import parse_toml, read_text_file
from simcomm.runs.library import CHANNEL_PREFIX, load_scenario
from simcomm.runs.workload import Workload

__all__ = ["MAX_RUNS", "SUMMARY_METRICS", "WEEKLY_NUMERIC", "Experiment", "experiment_workload",
           "load_experiment"]


def experiment_workload(exp: Experiment) -> Workload:
    """Return the runs of ``exp`` (every design point x replicate, at its largest partners), for
    an estimate before it starts; a resumed sweep does fewer (:meth:`Experiment.workload`)."""
    return exp.workload()


def _read(path: str | Path) -> ExperimentText:
    """Return the experiment file at ``path`` read, with its fields known and its name and
    scenario checked; ParameterError (one line) otherwise."""
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
        raise file_error(where, unknown[0], f"unknown field; {hint}")
    name = data.get("name", p.stem)
    if not isinstance(name, str) or not name.strip():
        raise file_error(where, "name", f"{name!r} is not allowed: expected a non-empty string")
    if any(c in name for c in '/\\\0') or name.strip().startswith("."):
        raise file_error(where, "name", f"{name!r} is not allowed: expected a plain name, not a path "
                   "(no '/' or '\\', not starting with '.'), since it names the folder out/<name>")
    scenario_name = data.get("scenario")
    if scenario_name is None:
        raise file_error(where, "scenario", "missing; expected a scenario name or the path of a scenario "
                   "TOML file")
    if not isinstance(scenario_name, str):
        raise file_error(where, "scenario", f"{scenario_name!r} is not allowed: expected a scenario name "
                   "or the path of a scenario TOML file")
    target = p.parent / scenario_name if scenario_name.endswith(".toml") else scenario_name
    return ExperimentText(p, text, data, name.strip(), target)


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment TOML file; raise ParameterError (one line) if it is bad.

    The message names the file, the field and what is allowed (with close names for an
    unknown parameter or metric). A file whose scenario is a channel of communities
    (``channel-*``, or a TOML file with a ``[channel]`` table) gives a
    :class:`simcomm.runs.channel_experiment.ChannelExperiment`.
    """
    head = _read(path)
    p, text, data, where = head.path, head.text, head.data, head.where
    if is_channel(head.scenario) or (isinstance(head.scenario, str)
                                       and head.scenario.startswith(CHANNEL_PREFIX)):
        return load_channel_experiment(head)
    try:
        scenario = load_scenario(head.scenario)
    except ParameterError as exc:
        raise file_error(where, "scenario", str(exc)) from None
    overrides = data.get("overrides", {})
    if not isinstance(overrides, dict):
        raise file_error(where, "overrides", "expected a table of parameter = value")
    try:
        make_params(overrides, base=scenario.overrides)
    except ParameterError as exc:
        raise file_error(where, "overrides", str(exc)) from None
    factors_raw = data.get("factors")
    if factors_raw is not None and not isinstance(factors_raw, dict):
        raise file_error(where, "factors", f"{factors_raw!r} is not allowed: expected {FACTORS_EXPECTED}")
    if not factors_raw:
        raise file_error(where, "factors", f"missing or empty: expected {FACTORS_EXPECTED}")
    weeks = int_field(data, "weeks", 260, 1, 5200, where)
    replicates = int_field(data, "replicates", None, 1, 100_000, where)
    factors: dict[str, list[Value]] = {}
    runs = replicates
    for k, v in factors_raw.items():  # the run count is checked before each range is built
        factors[str(k)] = factor_values(str(k), v, where, limit=max(1, MAX_RUNS // runs))
        runs = counted_runs(runs, len(factors[str(k)]), where)
    seed = int_field(data, "seed", 0, 0, 2**63 - 1, where)
    batch_size = int_field(data, "batch_size", 0, 0, 100_000, where)
    metrics = names_field(data, "metrics", SUMMARY_METRICS, SUMMARY_METRICS, where)
    weekly = names_field(data, "weekly", WEEKLY_NUMERIC, (), where, all_if_true=True)
    others = [k for k in scenario.overrides if k != "governance"]
    if "governance" in factors and others:
        raise file_error(where, "factors.governance", f"varying the governance type needs a scenario named "
                   f"after a type (governance only), so that each type differs by its rules only; "
                   f"'{scenario.name}' also sets {', '.join(others)}")
    exp = Experiment(name=head.name, scenario=scenario, factors=factors, replicates=replicates,
                     weeks=weeks, seed=seed, metrics=metrics, weekly=weekly,
                     overrides=dict(overrides), title=str(data.get("title", "")),
                     question=str(data.get("question", "")).strip(), batch_size=batch_size,
                     path=str(p), text=text)
    if exp.n_runs > MAX_RUNS:
        raise file_error(where, "factors", f"{exp.n_runs:,} runs is too many (at most {MAX_RUNS:,})")
    for point in exp.design():  # every combination must make valid parameters
        try:
            make_params({**exp.overrides, **point}, base=scenario.overrides)
        except ParameterError as exc:
            raise file_error(where, "factors", f"design point {point}: {exc}") from None
    return exp

"""Global sensitivity analysis of a scenario with SALib: Morris screening or Sobol indices.

:func:`sensitivity` samples the named parameters within bounds (each parameter's allowed range,
narrowed to a quarter to four times its value in the scenario when that range is very wide,
unless bounds are given), runs the model at every sample (averaging a summary metric over
seeded replicates; the same seeds at every sample, i.e. common random numbers), and returns the
indices ranked, with 95% confidence intervals (bootstrap, as SALib computes them).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simcomm.core.params import SPEC_BY_NAME, ParameterError, closest_names, make_params
from simcomm.core.scenario import Scenario
from simcomm.runs.experiment_file import SUMMARY_METRICS
from simcomm.runs.experiments import derive_seed

METHODS = ("morris", "sobol")
WIDE = 4.0  # default bounds: value / WIDE .. value * WIDE when the allowed range is wider


@dataclass(frozen=True)
class SensitivityResult:
    """Ranked indices (``table``), the samples and model outputs (``samples``), and settings."""

    table: pd.DataFrame
    samples: pd.DataFrame
    settings: dict[str, Any]


def analysis_seed(seed: int) -> int:
    """Return the seed SALib's bootstrap of the confidence intervals gets: ``seed + 1``, never 0,
    since SALib treats a seed of 0 as no seed (``if seed:``) and the intervals would change from
    run to run."""
    return seed + 1


def default_bounds(name: str, value: float) -> tuple[float, float]:
    """Return the default bounds of numeric parameter ``name`` around its ``value``: the allowed
    range, narrowed to [value / 4, value * 4] where it is wider than that (ranges like
    [0, 100000]); a zero value uses [low, low + 1] clipped to the range."""
    spec = SPEC_BY_NAME[name]
    low = float(spec.low if spec.low is not None else -math.inf)
    high = float(spec.high if spec.high is not None else math.inf)
    if high - low <= 1.0 and math.isfinite(low) and math.isfinite(high):
        return low, high
    if value > 0:
        lo, hi = max(low, value / WIDE), min(high, value * WIDE)
    else:
        lo, hi = low, min(high, low + 1.0)
    return float(lo), float(hi)


def parse_bounds(texts: Sequence[str]) -> dict[str, tuple[float, float]]:
    """Parse ``NAME=LOW:HIGH`` texts; ParameterError (one line) when malformed."""
    out = {}
    for text in texts:
        name, sep, raw = text.partition("=")
        lo, sep2, hi = raw.partition(":")
        try:
            out[name.strip()] = (float(lo), float(hi))
        except ValueError:
            sep2 = ""
        if not sep or not sep2:
            raise ParameterError(f"--bounds '{text}' is not NAME=LOW:HIGH (e.g. promo_share=0.1:0.8)")
    return out


def problem_for(scenario: Scenario, names: Sequence[str], bounds: Mapping[str, tuple[float, float]],
                overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return the SALib problem (names, bounds) for parameters ``names`` of ``scenario``.

    Raises ParameterError for an unknown or non-numeric parameter, a repeated name, or bounds
    outside the allowed range or empty.
    """
    if not names:
        raise ParameterError("--params: expected at least one parameter, "
                             "e.g. --params promo_share,moderation")
    params = make_params(overrides, base=scenario.overrides)
    out_bounds = []
    for name in names:
        spec = SPEC_BY_NAME.get(name)
        if spec is None:
            near = closest_names(name, list(SPEC_BY_NAME))
            hint = f"did you mean {', '.join(near)}?" if near else "see 'simcomm params'"
            raise ParameterError(f"--params: unknown parameter '{name}'; {hint}")
        if spec.kind not in (int, float):
            raise ParameterError(f"--params: '{name}' is not numeric ({spec.allowed()}); "
                                 "sweep it with 'simcomm experiment run' instead")
        if names.count(name) > 1:
            raise ParameterError(f"--params: '{name}' is given twice")
        lo, hi = bounds.get(name) or default_bounds(name, float(params[name]))
        for v in (lo, hi):
            spec.validate(int(v) if spec.kind is int and float(v).is_integer() else v)
        if not lo < hi:
            raise ParameterError(f"--bounds {name}={lo:g}:{hi:g} is empty: expected LOW < HIGH")
        out_bounds.append([float(lo), float(hi)])
    unknown = [b for b in bounds if b not in names]
    if unknown:
        raise ParameterError(f"--bounds: '{unknown[0]}' is not one of --params ({', '.join(names)})")
    return {"num_vars": len(names), "names": list(names), "bounds": out_bounds}


def _point(problem: dict[str, Any], row: np.ndarray) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, v in zip(problem["names"], row, strict=True):
        out[name] = round(float(v)) if SPEC_BY_NAME[name].kind is int else float(v)
    return out


def metric_value(spec: Any) -> float:
    """Run one RunSpec and return its summary metric (label holds the metric name); NaN if none."""
    from simcomm.runs.sim import simulate

    result = simulate(spec.scenario, weeks=spec.weeks, seed=spec.seed, overrides=dict(spec.overrides))
    value = result.summary.get(spec.label)
    return math.nan if value is None else float(value)


def sensitivity(scenario: Scenario, names: Sequence[str], method: str = "morris", samples: int = 8,
                metric: str = "retention_52w", weeks: int = 260, replicates: int = 1, seed: int = 0,
                bounds: Mapping[str, tuple[float, float]] | None = None,
                overrides: Mapping[str, Any] | None = None, workers: int | None = None,
                progress: bool = False, num_levels: int = 4) -> SensitivityResult:
    """Run a Morris or Sobol analysis of ``metric`` over parameters ``names``; return ranked indices.

    Morris: ``samples`` trajectories, (k + 1) * samples model evaluations, ranked by mu*.
    Sobol (Saltelli/Sobol' sequence, first and total order): ``samples`` base samples (a power of
    two is best), (k + 2) * samples evaluations, ranked by ST. Each evaluation averages
    ``metric`` over ``replicates`` seeds. Raises ParameterError for bad input, or when the metric
    is undefined at some sample (e.g. retention_52w in a run shorter than a year).
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    from simcomm.runs.batch import RunSpec, run_many

    if method not in METHODS:
        raise ParameterError(f"--method '{method}' is not allowed: expected one of {', '.join(METHODS)}")
    if metric not in SUMMARY_METRICS:
        near = closest_names(metric, list(SUMMARY_METRICS))
        hint = f"did you mean {', '.join(near)}?" if near else f"choose from {', '.join(SUMMARY_METRICS)}"
        raise ParameterError(f"--metric: unknown metric '{metric}'; {hint}")
    if samples < 2:
        raise ParameterError(f"--samples {samples} is not allowed: expected an integer >= 2")
    if method == "sobol" and samples & (samples - 1):
        below = 1 << (samples.bit_length() - 1)
        raise ParameterError(f"--samples {samples} is not allowed with --method sobol: expected a power "
                             f"of two (e.g. {below} or {below * 2}), as Sobol' sequences need")
    names = list(names)
    problem = problem_for(scenario, names, dict(bounds or {}), overrides)
    if method == "morris":
        x = morris_sample.sample(problem, samples, num_levels=num_levels, seed=seed)
    else:
        x = sobol_sample.sample(problem, samples, calc_second_order=False, seed=seed)
    seeds = [derive_seed(f"sensitivity:{scenario.name}", seed, 0, r) for r in range(replicates)]
    points = [_point(problem, row) for row in x]
    base = dict(overrides or {})
    specs = [RunSpec(scenario, weeks, s, {**base, **p}, metric) for p in points for s in seeds]
    for p in points:  # validate every combination before running anything
        make_params({**base, **p}, base=scenario.overrides)
    values = np.asarray(run_many(specs, workers=workers, progress=progress, desc=f"{method} runs",
                                 function=metric_value), dtype=float)
    y = values.reshape(len(points), replicates).mean(axis=1)
    if np.isnan(y).any():
        raise ParameterError(f"--metric {metric} is undefined in {int(np.isnan(y).sum())} of {len(y)} "
                             "samples (e.g. retention_52w needs more weeks); choose another --metric")
    if method == "morris":
        res = morris_analyze.analyze(problem, x, y, num_levels=num_levels, conf_level=0.95,
                                    seed=analysis_seed(seed))
        table = pd.DataFrame({"parameter": names, "mu_star": res["mu_star"],
                              "mu_star_conf": res["mu_star_conf"], "mu": res["mu"],
                              "sigma": res["sigma"]})
        key = "mu_star"
    else:
        res = sobol_analyze.analyze(problem, y, calc_second_order=False, conf_level=0.95,
                                    seed=analysis_seed(seed))
        table = pd.DataFrame({"parameter": names, "ST": res["ST"], "ST_conf": res["ST_conf"],
                              "S1": res["S1"], "S1_conf": res["S1_conf"]})
        key = "ST"
    table.insert(1, "low", [b[0] for b in problem["bounds"]])
    table.insert(2, "high", [b[1] for b in problem["bounds"]])
    table = table.sort_values(key, ascending=False, kind="stable").reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    sample_frame = pd.DataFrame(points)
    sample_frame[metric] = y
    settings = {"scenario": scenario.name, "method": method, "params": names, "samples": samples,
                "evaluations": len(points), "runs": len(specs), "metric": metric, "weeks": weeks,
                "replicates": replicates, "seed": seed, "seeds": seeds, "problem": problem,
                "overrides": base, "ranked_by": key}
    return SensitivityResult(table, sample_frame, settings)

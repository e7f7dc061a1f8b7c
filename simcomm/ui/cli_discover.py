"""Command ``simcomm discover``: under which assumptions does it happen? (registered in cli.py).

Bad input prints one line and exits with status 2 (the main group's handling of ParameterError
and of Click's usage errors), before anything is simulated or written.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import click

from simcomm.ui.options import (
    OUT_PATH,
    allow_long_option,
    announce_work,
    check_out,
    parse_sets,
    scheduler_option,
)
from simcomm.ui.terminal import echo

EXAMPLE = """
\b
Examples:
  simcomm discover staff-churn                        # where does it die? (--metric survival --where '== 0')
  simcomm discover staff-churn --params manager_bond_weight,staff_answers,content_scale,death_weeks
  simcomm discover organic-lasts --out out/organic-lasts   # where the claim holds (weeks alive, paired)
  simcomm discover vendor-imposed --metric final_active --where '< 100' --points 128 -r 1
"""


def _metrics() -> list[str]:
    """Return the metrics a run is measured by (summary figures and derived measures)."""
    from simcomm.core.metric_registry import SUMMARY, metric
    from simcomm.runs.measures import MEASURES

    return [m for m in dict.fromkeys([*SUMMARY, *MEASURES]) if metric(m).numeric]


@click.command(epilog=EXAMPLE)
@click.argument("target", metavar="CLAIM|SCENARIO")
@click.option("--metric", default=None, metavar="NAME",
              help="What a run is judged on [default: a scenario's survival; a claim's own metric, "
                   "weeks alive for survival].")
@click.option("--where", default=None, metavar="CONDITION",
              help="What counts as a case: a comparison such as '< 100' or '== 0' of the metric (of the "
                   "paired effect for a claim), or for a claim holds, fails or ties "
                   "[default: '== 0' for a scenario, holds for a claim].")
@click.option("--params", default=None, metavar="NAME,...",
              help="The assumptions to vary [default: every assumption the rules use that the target "
                   "does not set].")
@click.option("--points", default=64, show_default=True, type=click.IntRange(2, 100_000),
              help="Points of the Latin hypercube.")
@click.option("--replicates", "-r", default=2, show_default=True, type=click.IntRange(1, 1000),
              help="Seeds per point (the same seeds at every point; both arms of a claim on each).")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0, 2**32 - 1),
              help="Base seed (the hypercube and every run's seed derive from it).")
@click.option("--weeks", default=260, show_default=True, type=click.IntRange(1, 5200),
              help="Weeks to simulate.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="Hold a parameter at a value in every run (repeatable; not one of --params).")
@click.option("--min-density", default=0.7, show_default=True, type=click.FloatRange(0.0, 1.0),
              help="The share of cases a box must reach when peeled.")
@click.option("--boxes", default=3, show_default=True, type=click.IntRange(1, 20),
              help="At most this many boxes.")
@click.option("--shuffles", default=10, show_default=True, type=click.IntRange(0, 1000),
              help="Chance check: PRIM on outcomes shuffled among the points, this many times (0: none).")
@click.option("--workers", "-w", default=None, type=click.IntRange(1, 1024),
              help="Parallel processes [default: all cores].")
@scheduler_option
@click.option("--out", type=OUT_PATH, default=None,
              help="Directory for discovery.json, boxes.csv/.parquet, cases.csv/.parquet, runs.parquet, "
                   "design.csv and peeling.png.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of sentences.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@allow_long_option
def discover(target: str, metric: str | None, where: str | None, params: str | None, points: int,
             replicates: int, seed: int, weeks: int, sets: tuple[str, ...], min_density: float, boxes: int,
             shuffles: int, workers: int | None, out: Path | None, as_json: bool, quiet: bool,
             allow_long: bool) -> None:
    """Find the boxes of assumptions under which an outcome happens (scenario discovery, PRIM).

    Runs CLAIM|SCENARIO (one of the essays' claims, a built-in scenario or a scenario file) at
    each point of a Latin hypercube over the assumptions' plausible ranges, on the same seeds at
    every point (both arms of a claim on each seed), marks each run (each pair of runs for a
    claim) as a case or not (--metric, --where), and finds with PRIM (Friedman & Fisher 1999,
    the EMA Workbench's) the boxes where the cases are dense: each with its coverage (the share
    of all cases in it), its density (the share of its runs that are cases), the assumptions it
    restricts and their limits, and a chance check against shuffled outcomes.
    """
    import mesa

    from simcomm.analysis.discovery import (
        chance_boxes,
        claim_cases,
        find_boxes,
        paired_metric,
        parse_where,
        scenario_cases,
    )
    from simcomm.core.metric_registry import bounds
    from simcomm.core.metric_registry import metric as registered
    from simcomm.core.params import ParameterError, make_params
    from simcomm.core.version import __version__
    from simcomm.report.discovery import DISCOVER_FILES, box_sentence, outcome_words, payload, write_discovery
    from simcomm.runs.batch import show_progress
    from simcomm.runs.discovery import check_dimensions, default_dimensions, resolve_target, run_discovery
    from simcomm.runs.files import to_jsonable
    from simcomm.runs.workload import Workload

    if not math.isfinite(min_density):  # Click's FloatRange lets nan through
        raise ParameterError(f"--min-density {min_density} is not allowed: expected a number from 0 to 1")
    goal = resolve_target(target)
    claim = goal.claim
    chosen = metric or (paired_metric(claim.metric) if claim else "survival")
    allowed = _metrics()
    if chosen not in allowed:
        registered(chosen)  # an unknown name: the registry's message, with close names
        raise ParameterError(f"--metric {chosen} is not allowed: expected one of {', '.join(allowed)}")
    condition = parse_where(where if where is not None else ("holds" if claim else "== 0"), claim is not None)
    if not condition.verdict:
        low, high = bounds(chosen)
        if claim:
            low, high = low - high, high - low
        if not low <= condition.value <= high:
            what = "the paired effect on " if claim else ""
            raise ParameterError(f"--where '{condition.text}' is out of range: {what}{chosen} lies in "
                                 f"[{low:g}, {high:g}]")
    fixed = parse_sets(sets)
    if fixed:
        from dataclasses import replace

        make_params(fixed, base=goal.scenario.overrides)
        goal = replace(goal, scenario=replace(goal.scenario, overrides={**goal.scenario.overrides, **fixed}))
    names = (check_dimensions(goal, [n.strip() for n in params.split(",") if n.strip()]) if params is not None
             else default_dimensions(goal))
    for name in fixed:
        if name in names:
            raise ParameterError(f"--set {name} is not allowed: {name} is varied (--params); "
                                 "hold it or vary it, not both")
    if out is not None:
        check_out(out, DISCOVER_FILES)
    partners = int(make_params(goal.overrides(goal.arms()[-1]), base=goal.scenario.overrides)["partners"])
    work = Workload().add(points * replicates * len(goal.arms()), weeks, partners)
    announce_work(work, workers, allow_long, "--points, --replicates or --weeks")
    runs = run_discovery(goal, names, points, replicates, weeks=weeks, seed=seed, workers=workers,
                         progress=show_progress(quiet))
    if claim:
        cases = claim_cases(runs.design, runs.values, names, chosen, condition, claim.direction,
                            claim.tolerance)
    else:
        cases = scenario_cases(runs.design, runs.values, names, chosen, condition)
    options = {"min_density": min_density}
    found = find_boxes(cases[names], cases["case"].to_numpy(), max_boxes=boxes, **options)
    null = chance_boxes(cases, names, shuffles, **options) if found and shuffles else []
    what, meaning = outcome_words(runs, chosen, condition)
    unit = "paired runs" if claim else "runs"
    k, n = int(cases["case"].sum()), len(cases)
    defined = f" ({meaning})" if meaning else ""
    sentences = [f"Cases, where {what}{defined}: {k} of {n} {unit} ({100 * k / n:.0f}%), over {points} "
                 f"points of a Latin hypercube of {len(names)} assumptions, {replicates} seed"
                 f"{'s' if replicates > 1 else ''} each." if n else f"No {unit} had a value of {chosen}."]
    if claim and n:
        v = cases["verdict"].value_counts()
        sentences[0] += (f" Paired runs: the claim holds in {v.get('holds', 0)}, ties in {v.get('ties', 0)}, "
                         f"fails in {v.get('fails', 0)} (a tie is never counted as a failure).")
    if n and not found:
        sentences.append("PRIM found no box" + (" (every case or none)" if k in (0, n) else
                         f" reaching a density of {min_density:g} with a limit the runs support (quasi-p "
                         "at most 0.05): with this many assumptions and points the cases cannot be told "
                         "apart from chance; name fewer assumptions (--params) or run more points") + ".")
    sentences += [box_sentence(b, cases, what, unit, null, claim is not None) for b in found]
    metadata = {"target": target, "scenario": goal.scenario.name, "claim": claim.key if claim else None,
                "metric": chosen, "where": condition.text, "points": points, "replicates": replicates,
                "seed": seed, "seeds": runs.seeds, "weeks": weeks, "set": fixed, "params": names,
                "min_density": min_density, "max_boxes": boxes, "shuffles": shuffles, "runs": runs.runs,
                "simcomm_version": __version__, "mesa_version": mesa.__version__}
    written = (write_discovery(runs, cases, found, null, sentences, metadata, f"simcomm discover {target}: "
                               f"{what}", out) if out is not None else [])
    if as_json:
        echo(json.dumps(to_jsonable(payload(runs, cases, found, null, sentences, metadata)), indent=2))
        return
    echo(f"simcomm {__version__}: discover {target} ({runs.runs} runs, seed {seed})\n")
    for s in sentences:
        echo(click.wrap_text(s, width=100) + "\n")
    for b in found:
        echo(f"box {b.number}: coverage {b.coverage:.2f}, density {b.density:.2f}, {b.n} {unit}, "
                   f"{len(b.restrictions)} restricted")
        for r in b.restrictions:
            qp = f"{r.qp:.2g}" if math.isfinite(r.qp) else "-"
            echo(f"  {r.name:<28} {r.low:>10.4g} .. {r.high:<10.4g} (range {r.range_low:.4g} .. "
                       f"{r.range_high:.4g}; quasi-p {qp})")
    if written:
        echo(f"wrote {len(written)} files to {out}")

"""Command ``simcomm claims``: the essays' claims as controlled contrasts (registered in cli.py)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from simcomm.ui.options import OUT_PATH, allow_long_option, announce_work, check_report_page, scheduler_option
from simcomm.ui.terminal import echo

REPORT_COMMAND = "simcomm claims --replicates 20 --points 32 --report docs/claims.md"
EXAMPLE = f"""
\b
Examples:
  simcomm claims --points 0                      # the contrasts at the defaults only
  simcomm claims --only turnover-hurts,legacy --replicates 40
  {REPORT_COMMAND}
"""


@click.command(epilog=EXAMPLE)
@click.option("--replicates", "-r", default=20, show_default=True, type=click.IntRange(2, 10_000),
              help="Paired seeds per claim at the defaults (both arms run on each).")
@click.option("--survival-replicates", default=None, type=click.IntRange(2, 10_000),
              help="Paired seeds per claim on survival at the defaults [default: 150, at least "
                   "--replicates].")
@click.option("--points", default=32, show_default=True, type=click.IntRange(0, 100_000),
              help="Points of the Latin hypercube over the assumptions (0: no robustness).")
@click.option("--point-replicates", default=2, show_default=True, type=click.IntRange(1, 1000),
              help="Paired seeds per robustness point.")
@click.option("--shuffles", default=5, show_default=True, type=click.IntRange(0, 1000),
              help="Chance check of each claim's PRIM box: outcomes shuffled among the points.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0, 2**32 - 1),
              help="Base seed (every run's seed derives from it).")
@click.option("--weeks", default=260, show_default=True, type=click.IntRange(1, 5200),
              help="Weeks to simulate.")
@click.option("--only", default=None, metavar="KEY,...",
              help="Run only these claims (keys as in the table) [default: all].")
@click.option("--workers", "-w", default=None, type=click.IntRange(1, 1024),
              help="Worker processes [default: all cores].")
@scheduler_option
@click.option("--report", type=OUT_PATH, default=None,
              help="Write a Markdown page here (figure and data in a folder named after it).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@allow_long_option
def claims(replicates: int, survival_replicates: int | None, points: int, point_replicates: int,
           shuffles: int, seed: int, weeks: int, only: str | None, workers: int | None, report: Path | None,
           as_json: bool, quiet: bool, allow_long: bool) -> None:
    """Test what the five essays claim, each as a controlled contrast, and print the table.

    Each claim runs one scenario with one lever at two values on the same seeds (common random
    numbers) and reports the paired effect on its metric with a 95% bootstrap interval, and a
    verdict: agrees, disagrees or inconclusive. With --points > 0 each claim is run again over
    a Latin hypercube of the assumptions' plausible ranges: at how many points it holds, ties
    and fails (judged on weeks alive for survival; a tie is never a failure), and PRIM's box of
    assumptions where it holds most.
    """
    import mesa

    from simcomm.analysis.claims import claim_table, robustness_table
    from simcomm.core.metric_registry import metric
    from simcomm.core.params import ASSUMPTIONS, DEFAULTS, make_params
    from simcomm.core.version import __version__
    from simcomm.report.claims import (
        CLAIMS_FILES,
        claims_json,
        effect_text,
        headline_counts,
        robustness_text,
        write_claims_report,
    )
    from simcomm.runs.batch import show_progress
    from simcomm.runs.claims import (
        SURVIVAL_METRICS,
        SURVIVAL_REPLICATES,
        robustness_design,
        run_contrasts,
        run_robustness,
        select_claims,
    )
    from simcomm.runs.files import OutputError
    from simcomm.runs.library import load_scenario
    from simcomm.runs.workload import Workload

    keys = [k.strip() for k in (only or "").split(",") if k.strip()]
    if only is not None and not keys:  # an empty --only would otherwise run every claim
        from simcomm.core.params import ParameterError

        raise ParameterError(f"--only {only!r} names no claim: expected claim keys separated by commas "
                             "(e.g. --only legacy,showcase-repels; see the table); leave --only out to "
                             "run them all")
    chosen = select_claims(keys)
    if report is not None:  # every check before anything is simulated or created
        check_report_page(report, "docs/claims.md", CLAIMS_FILES)
    survival = max(replicates, survival_replicates or SURVIVAL_REPLICATES)
    work = Workload()
    for c in chosen:  # both arms of each claim, at the defaults and at each robustness point
        partners = int(make_params(c.overrides("with"), base=load_scenario(c.scenario).overrides)["partners"])
        at_defaults = survival if c.metric in SURVIVAL_METRICS else replicates
        work.add(2 * at_defaults + 2 * points * point_replicates, weeks, partners)
    announce_work(work, workers, allow_long, "--replicates, --points or --point-replicates")
    progress = show_progress(quiet)
    values = run_contrasts(chosen, replicates, weeks=weeks, seed=seed, workers=workers, progress=progress,
                           survival_replicates=survival)
    table = claim_table(chosen, values)
    design = robustness_design(points, seed)
    robust_values = None
    robust = {}
    if points:
        robust_values = run_robustness(chosen, design, point_replicates, weeks=weeks, seed=seed,
                                       workers=workers, progress=progress)
        robust = robustness_table(chosen, design, robust_values, shuffles)
    command = "simcomm claims " + " ".join(
        [f"--replicates {replicates}", f"--points {points}"]
        + ([f"--survival-replicates {survival_replicates}"] if survival_replicates else [])
        + ([f"--point-replicates {point_replicates}"] if point_replicates != 2 else [])
        + ([f"--shuffles {shuffles}"] if shuffles != 5 else [])
        + ([f"--seed {seed}"] if seed else []) + ([f"--weeks {weeks}"] if weeks != 260 else [])
        + ([f"--only {only}"] if only else []) + ([f"--report {report}"] if report else []))
    settings = {"command": command, "version": __version__, "mesa": mesa.__version__,
                "replicates": replicates, "survival_replicates": survival, "seed": seed, "weeks": weeks,
                "partners": DEFAULTS["partners"],
                "points": points, "point_replicates": point_replicates, "assumptions": len(ASSUMPTIONS),
                "shuffles": shuffles}
    if as_json:
        echo(json.dumps(claims_json(chosen, table, robust, settings), indent=2))
    else:
        echo(f"simcomm {__version__}: {len(chosen)} claims, {replicates} paired seeds each, "
                   f"{weeks} weeks" + (f"; robustness over {points} points" if points else "") + "\n")
        by_key = table.set_index("claim")
        for c in chosen:
            t = by_key.loc[c.key]
            held, decider = robustness_text(robust.get(c.key))
            sign = f"built in ({c.built_in})" if c.built_in else "emergent"
            echo(f"{t['verdict']:>12}  {c.key} [{sign}]: {metric(c.metric).phrase} {effect_text(t)}, "
                 f"n = {int(t['n'])}" + (f"; {held}; where it holds most: {decider}" if points else ""))
        echo(f"\n{headline_counts(chosen, table)}.")
    if report is not None:
        try:
            write_claims_report(chosen, table, robust, settings, values, report, robust_values, design)
        except OutputError as exc:
            raise OutputError(f"--report: {exc}") from None
        echo(f"Wrote {report}", err=True)

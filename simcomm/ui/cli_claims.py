"""Command ``simcomm claims``: the essays' claims as controlled contrasts (registered in cli.py)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from simcomm.ui.options import OUT_PATH, allow_long_option, announce_work, check_report_page, scheduler_option
from simcomm.ui.terminal import echo

if TYPE_CHECKING:
    import pandas as pd

    from simcomm.runs.claims_store import StoredClaims
    from simcomm.runs.workload import Workload

REPORT_COMMAND = "simcomm claims --replicates 20 --points 32 --report docs/claims.md"
EXAMPLE = f"""
\b
Examples:
  simcomm claims --points 0                      # the contrasts at the defaults only
  simcomm claims --only turnover-hurts,legacy --replicates 40
  simcomm claims --update --only rework-what-exists --report docs/claims.md   # one claim added to the page
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
@click.option("--update", is_flag=True,
              help="With --report PAGE and --only: run only these claims, at the page's settings and seeds, "
                   "and write the page again with the stored runs of the others.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@allow_long_option
def claims(replicates: int, survival_replicates: int | None, points: int, point_replicates: int,
           shuffles: int, seed: int, weeks: int, only: str | None, workers: int | None, report: Path | None,
           as_json: bool, update: bool, quiet: bool, allow_long: bool) -> None:
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
    from simcomm.core.params import ASSUMPTIONS, DEFAULTS, ParameterError
    from simcomm.core.version import __version__
    from simcomm.report.claims import (
        CLAIMS_FILES,
        claims_json,
        effect_text,
        headline_counts,
        held_text,
        write_claims_report,
    )
    from simcomm.runs.batch import show_progress
    from simcomm.runs.channel_claims import is_channel_claim
    from simcomm.runs.claims import SURVIVAL_REPLICATES, robustness_design, select_claims
    from simcomm.runs.claims_store import merged
    from simcomm.runs.files import OutputError

    keys = [k.strip() for k in (only or "").split(",") if k.strip()]
    if only is not None and not keys:  # an empty --only would otherwise run every claim
        raise ParameterError(f"--only {only!r} names no claim: expected claim keys separated by commas "
                             "(e.g. --only legacy,showcase-repels; see the table); leave --only out to "
                             "run them all")
    chosen = select_claims(keys)
    stored = None
    if update:
        stored = _stored_for_update(report, keys)
        st = stored.settings
        replicates, survival_replicates = st["replicates"], st["survival_replicates"]
        seed, weeks = st["seed"], st["weeks"]
        points, point_replicates, shuffles = st["points"], st["point_replicates"], st["shuffles"]
    if report is not None:  # every check before anything is simulated or created
        check_report_page(report, "docs/claims.md", CLAIMS_FILES)
    survival = max(replicates, survival_replicates or SURVIVAL_REPLICATES)
    single = [c for c in chosen if not is_channel_claim(c)]
    work = _workload(chosen, replicates, survival, points, point_replicates, weeks)
    announce_work(work, workers, allow_long, "--replicates, --points or --point-replicates")
    design = robustness_design(points, seed) if stored is None or stored.design is None else stored.design
    values, robust_values = _run(chosen, design, replicates, survival, points, point_replicates, weeks, seed,
                                 workers, show_progress(quiet))
    table = claim_table(chosen, values)
    robust = robustness_table(single, design, robust_values, shuffles) if robust_values is not None else {}
    command = "simcomm claims " + " ".join(
        [f"--replicates {replicates}", f"--points {points}"]
        + ([f"--survival-replicates {survival_replicates}"] if survival_replicates else [])
        + ([f"--point-replicates {point_replicates}"] if point_replicates != 2 else [])
        + ([f"--shuffles {shuffles}"] if shuffles != 5 else [])
        + ([f"--seed {seed}"] if seed else []) + ([f"--weeks {weeks}"] if weeks != 260 else [])
        + ([f"--only {only}"] if only and not update else []) + ([f"--report {report}"] if report else []))
    settings = {"command": command, "version": __version__, "mesa": mesa.__version__,
                "replicates": replicates, "survival_replicates": survival, "seed": seed, "weeks": weeks,
                "partners": DEFAULTS["partners"],
                "points": points, "point_replicates": point_replicates, "assumptions": len(ASSUMPTIONS),
                "shuffles": shuffles}
    if as_json:
        echo(json.dumps(claims_json(chosen, table, robust, settings), indent=2))
    else:
        robustness = f"; robustness over {points} points" if points and single else ""
        echo(f"simcomm {__version__}: {len(chosen)} claims, {replicates} paired seeds each, {weeks} weeks"
             f"{robustness}\n")
        by_key = table.set_index("claim")
        for c in chosen:
            t = by_key.loc[c.key]
            held, decider = held_text(c, robust)
            sign = f"built in ({c.built_in})" if c.built_in else "emergent"
            echo(f"{t['verdict']:>12}  {c.key} [{sign}]: {metric(c.metric).phrase} {effect_text(t)}, "
                 f"n = {int(t['n'])}" + (f"; {held}; where it holds most: {decider}" if points and single
                                         else ""))
        echo(f"\n{headline_counts(chosen, table)}.")
    if report is None:
        return
    if stored is not None:  # the page: every claim, the named ones' runs in place of the stored ones
        every = select_claims(None)
        values = merged(stored.values, values, set(keys))
        robust_values = merged(stored.robustness, robust_values, set(keys))
        table = claim_table(every, values)
        singles = [c for c in every if not is_channel_claim(c)]
        robust = {} if robust_values is None else robustness_table(singles, design, robust_values, shuffles)
        settings = {**stored.settings, "updated": {
            "claims": ", ".join(keys), "version": f"simcomm {__version__}, mesa {mesa.__version__}",
            "command": f"simcomm claims --update --only {','.join(keys)} --report {report}"}}
        chosen = every
    try:
        write_claims_report(chosen, table, robust, settings, values, report, robust_values, design)
    except OutputError as exc:
        raise OutputError(f"--report: {exc}") from None
    echo(f"Wrote {report}", err=True)


def _stored_for_update(report: Path | None, keys: list[str]) -> StoredClaims:
    """Return the stored runs of the page ``--update`` adds the claims ``keys`` to; refuse (one
    line) without --report and --only, an option that would change the stored settings, or a page
    whose data lacks a claim that is not being run."""
    from click.core import ParameterSource

    from simcomm.core.params import ParameterError
    from simcomm.runs.claims import select_claims
    from simcomm.runs.claims_store import STORED_SETTINGS, read_stored_claims

    if report is None or not keys:
        raise ParameterError("--update needs --report PAGE and --only KEY,...: it runs only those claims and "
                             "adds them to the page's stored runs of the others")
    stored = read_stored_claims(report)
    ctx = click.get_current_context()
    for name in STORED_SETTINGS:
        if ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE:
            raise ParameterError(f"--{name.replace('_', '-')} is not allowed with --update: the claims run "
                                 f"at the page's settings ({name} = {stored.settings[name]}), those of its "
                                 "stored runs")
    missing = [c.key for c in select_claims(None) if c.key not in stored.claims() and c.key not in keys]
    if missing:
        raise ParameterError(f"--update: the page's runs have no {', '.join(missing)}; add them to --only or "
                             "run the whole page without --update")
    return stored


def _workload(chosen: Sequence[Any], replicates: int, survival: int, points: int, point_replicates: int,
              weeks: int) -> Workload:
    """Return the work of the chosen claims: both arms at the defaults, and each single
    community's claim at each robustness point (a channel file's runs once, as they run)."""
    from simcomm.core.params import make_params
    from simcomm.runs.channel_claims import is_channel_claim
    from simcomm.runs.channel_compare import most_communities, partners_of
    from simcomm.runs.channel_run import load_channel
    from simcomm.runs.claims import SURVIVAL_METRICS
    from simcomm.runs.library import load_scenario
    from simcomm.runs.workload import Workload

    work = Workload()
    channels: set[str] = set()
    for c in chosen:
        if is_channel_claim(c):
            channels |= {c.without, c.with_}
            continue
        partners = int(make_params(c.overrides("with"), base=load_scenario(c.scenario).overrides)["partners"])
        at_defaults = survival if c.metric in SURVIVAL_METRICS else replicates
        work.add(2 * at_defaults + 2 * points * point_replicates, weeks, partners)
    for name in sorted(channels):
        plan = load_channel(name)
        work.add(replicates * most_communities(plan), weeks, partners_of(plan))
    return work


def _run(chosen: Sequence[Any], design: pd.DataFrame, replicates: int, survival: int, points: int,
         point_replicates: int, weeks: int, seed: int, workers: int | None, progress: bool
         ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Run the chosen claims: both arms at the defaults (a channel claim's on the same seeds as
    the others'), and the single communities' claims at each robustness point; return (the
    values at the defaults, the robustness values or None)."""
    import pandas as pd

    from simcomm.runs.channel_claims import is_channel_claim, run_channel_contrasts
    from simcomm.runs.claims import replicate_seeds, run_contrasts, run_robustness

    single = [c for c in chosen if not is_channel_claim(c)]
    channel = [c for c in chosen if is_channel_claim(c)]
    frames = []
    if single:
        frames.append(run_contrasts(single, replicates, weeks=weeks, seed=seed, workers=workers,
                                    progress=progress, survival_replicates=survival))
    if channel:
        frames.append(run_channel_contrasts(channel, replicate_seeds(seed, replicates), weeks=weeks,
                                            workers=workers, progress=progress))
    values = pd.concat(frames, ignore_index=True)
    robust_values = None
    if points and single:
        robust_values = run_robustness(single, design, point_replicates, weeks=weeks, seed=seed,
                                       workers=workers, progress=progress)
    return values, robust_values

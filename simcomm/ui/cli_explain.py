"""Command ``simcomm explain``: why did the community lose members? (registered in cli.py).

Bad input prints one line and exits with status 2 (the main group's handling of ParameterError
and of Click's usage errors).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from simcomm.core.version import __version__
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
  simcomm explain staff-churn
  simcomm explain staff-churn --replicates 1 --seed 3 --weeks 156
  simcomm explain budget-axe -r 20 --out out/why --json
  simcomm explain organic --against vendor-imposed          # what makes the difference, lever by lever
  simcomm explain staff-churn --against vendor-imposed -r 20 --out out/churn
  simcomm explain channel-vendor-both --against channel-partners-alone   # channels: launch, sponsorship
"""


@click.command(epilog=EXAMPLE)
@click.argument("scenario")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0, 2**63 - 1000),
              help="The first seed: the runs use seeds SEED .. SEED+R-1.")
@click.option("--replicates", "-r", default=10, show_default=True, type=click.IntRange(1, 1000),
              help="Seeded runs to explain (1: one run's story, no interval).")
@click.option("--weeks", default=260, show_default=True, type=click.IntRange(1, 5200),
              help="Weeks to simulate.")
@click.option("--at-week", "at_week", default=None, type=click.IntRange(1, 5200),
              help="Week at which active members are counted [default: the last week].")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="Override a parameter (repeatable); see 'simcomm params'.")
@click.option("--workers", "-w", default=None, type=click.IntRange(1, 1024),
              help="Parallel processes [default: all cores].")
@scheduler_option
@click.option("--out", type=OUT_PATH, default=None,
              help="Directory for explain.json, attribution.csv, effects.csv/.parquet and a PNG.")
@click.option("--against", default=None, metavar="B",
              help="Take the difference from scenario B apart instead: each lever's contribution.")
@click.option("--permutations", default=None, type=click.IntRange(2, 10_000),
              help="With --against and more than 6 levers: random orders of the levers "
                   "(an even number) [default: 32].")
@click.option("--metric", "metrics", default=None, metavar="NAME,...",
              help="With --against: the metrics to take apart [default: the headline metrics].")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of sentences and a table.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@allow_long_option
def explain(scenario: str, seed: int, replicates: int, weeks: int, at_week: int | None,
            sets: tuple[str, ...], workers: int | None, out: Path | None, against: str | None,
            permutations: int | None, metrics: str | None, as_json: bool, quiet: bool,
            allow_long: bool) -> None:
    """Explain a scenario's losses: replay it with each adverse event or condition neutralised.

    Runs SCENARIO (a built-in name or a scenario TOML file) for R seeds, then replays each run
    on the same random numbers with one thing changed: each manager departure (the manager does
    not leave that week, and may leave later at the usual rate), no manager ever leaving ("had
    the managers stayed"; the seed, every parameter and the budget reviews' rule held fixed),
    each budget cut or closure (the review lets the budget stand), and each condition (product
    promotion, spam, programme overload, the scenario's own levers back to its base). Prints, in
    three sections (what the scenario changes, what happened in the run, conditions at the
    model's defaults), largest first, how many more active members the community would have
    had, how much more of its first-year joiners it would have kept, and how many of the runs in
    which it died would have survived, with 95% bootstrap intervals over the seeds; then the
    whole table.

    With --against B: takes the difference SCENARIO - B apart, lever by lever (each part of the
    governance rules on which their types differ, and each other parameter), by Shapley values
    on the same seeds: every combination of the levers runs (sampled orders beyond 6 levers), and
    each lever's contribution, with a 95% interval over the seeds, adds up with the others to
    the difference.

    On channel scenarios (two channel files, both given): the levers are what differs between
    the files, each community or sponsorship one lists and the other does not (the vendor's
    launch, its sponsorship), each differing parameter of a community both list (a
    sponsorship's sponsor_recruits, ...) and each differing shared parameter; the metrics are
    the channel comparison's (partners active in any community, the partners' own community,
    the vendor's reach and spending, ...), on the same partners seed by seed.
    """
    import mesa

    from simcomm.analysis.explain import explain as attribute
    from simcomm.core.params import ParameterError, make_params
    from simcomm.report.explain import EXPLAIN_FILES, payload, sentences, table_text, write_explanation
    from simcomm.runs.batch import show_progress
    from simcomm.runs.counterfactual import expected_replays, replay_runs
    from simcomm.runs.files import to_jsonable
    from simcomm.runs.library import load_scenario
    from simcomm.runs.workload import Workload
    from simcomm.ui.cli_compare_channel import channel_arms

    if channel_arms([scenario] if against is None else [scenario, against]):
        from simcomm.ui.cli_explain_channel import explain_channels

        explain_channels(scenario, against, seed=seed, replicates=replicates, weeks=weeks, sets=sets,
                         workers=workers, out=out, permutations=permutations, metrics=metrics,
                         at_week=at_week, as_json=as_json, quiet=quiet, allow_long=allow_long)
        return
    sc = load_scenario(scenario)
    overrides = parse_sets(sets)
    if against is not None:
        if at_week is not None:
            raise ParameterError("--at-week is not allowed with --against: the difference is taken apart "
                                 "in the headline metrics at the horizon")
        _against(sc, load_scenario(against), overrides, seed, replicates, weeks, workers, out,
                 permutations, metrics, as_json, quiet, allow_long)
        return
    if permutations is not None or metrics is not None:
        raise ParameterError("--permutations and --metric are allowed only with --against B")
    if at_week is not None and at_week > weeks:
        raise ParameterError(f"--at-week {at_week} is not allowed: expected a week in [1, {weeks}] "
                             "(the runs last --weeks weeks)")
    if out is not None:
        check_out(out, EXPLAIN_FILES)
    partners = int(make_params(overrides, base=sc.overrides)["partners"])
    work = Workload().add(replicates * expected_replays(sc, weeks, overrides), weeks, partners)
    announce_work(work, workers, allow_long, "--replicates or --weeks")
    seeds = list(range(seed, seed + replicates))
    replays = replay_runs(sc, seeds, weeks, overrides=overrides, workers=workers,
                          progress=show_progress(quiet))
    ex = attribute(replays, at_week)
    first = replays.actual[seeds[0]].metadata
    metadata = {"scenario": sc.name, "seeds": seeds, "weeks": weeks, "at_week": ex.at_week,
                "params": first.get("params", {}), "overrides": overrides,
                "simcomm_version": __version__, "mesa_version": mesa.__version__}
    written = write_explanation(ex, replays, out, metadata) if out is not None else []
    if as_json:
        echo(json.dumps(to_jsonable(payload(ex, metadata)), indent=2))
        return
    set_text = f", set: {overrides}" if overrides else ""
    echo(f"simcomm {__version__}: explain {sc.name} ({replays.runs} runs{set_text})\n")
    for sentence in sentences(ex):
        echo(click.wrap_text(sentence, width=100) + "\n")
    echo(table_text(ex))
    if written:
        echo(f"wrote {len(written)} files to {out}")


def _against(a: Any, b: Any, overrides: dict[str, Any], seed: int, replicates: int, weeks: int,
             workers: int | None, out: Path | None, permutations: int | None, metrics: str | None,
             as_json: bool, quiet: bool, allow_long: bool) -> None:
    """``explain A --against B``: run every combination of the levers and print (or write) each
    lever's contribution to each metric; return None."""
    import mesa

    from simcomm.analysis.shapley import DECOMPOSED, decompose
    from simcomm.core.params import ParameterError, make_params
    from simcomm.report.decompose import DECOMPOSE_FILES
    from simcomm.runs.batch import show_progress
    from simcomm.runs.decompose import PERMUTATIONS, coalitions_for, levers_between, run_coalitions
    from simcomm.runs.workload import Workload
    from simcomm.ui.decomposition_output import chosen_metrics, tell_decomposition

    chosen = chosen_metrics(metrics, DECOMPOSED)
    if out is not None:
        check_out(out, DECOMPOSE_FILES)
    permutations = permutations or PERMUTATIONS
    levers = levers_between(a, b, overrides)
    if not levers:
        raise ParameterError(f"--against {b.name} is not allowed: {a.name} and {b.name} do not differ (same "
                             "rules and parameters), so there is nothing to take apart")
    coalitions, _ = coalitions_for(len(levers), permutations)
    work = Workload()
    for sc in (a, b):
        partners = int(make_params(overrides, base=sc.overrides)["partners"])
        work.add(replicates * len(coalitions) // 2, weeks, partners)
    announce_work(work, workers, allow_long, "--replicates or --weeks")
    seeds = list(range(seed, seed + replicates))
    runs = run_coalitions(a, b, seeds, weeks, overrides, permutations=permutations, workers=workers,
                          progress=show_progress(quiet))
    table = decompose(runs.values, runs.coalitions, [lv.name for lv in runs.levers], runs.orders, chosen)
    metadata = {"scenario": a.name, "against": b.name, "seeds": seeds, "weeks": weeks, "overrides": overrides,
                "simcomm_version": __version__, "mesa_version": mesa.__version__}
    tell_decomposition(runs, table, metadata, out, as_json, "runs")


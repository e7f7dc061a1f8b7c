"""The ``simcomm`` command line: scenarios, show, params, run (Click command group); the other
commands live in the ``cli_*`` modules and are registered here.

Bad input (unknown scenario or parameter, wrong type, out of range, malformed file, an output
directory that cannot be written) prints one line on stderr and exits with status 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from simcomm.core.params import SPECS, ParameterError
from simcomm.core.version import __version__
from simcomm.report.text import format_run_table, run_sentences
from simcomm.runs.interruption import exit_status, interruption_word
from simcomm.ui.options import announce_work, check_out, parse_sets, run_options
from simcomm.ui.terminal import echo, paragraph, printable

EXAMPLES = """
\b
Examples:
  simcomm scenarios
  simcomm show staff-churn
  simcomm run vendor-imposed --set staff_turnover_per_year=1.33 --out out/churn
  simcomm compare vendor-imposed organic --vary staff_turnover_per_year=0.33,1.33 --replicates 20
"""


_NO_ARGS_HELP: type[BaseException] = getattr(click.exceptions, "NoArgsIsHelpError", RuntimeError)


class SimcommGroup(click.Group):
    """A click group that turns bad input (ParameterError, a usage error) into one line and exit
    status 2, and an interruption (Ctrl-C, SIGTERM) into one line saying what is on disk."""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except _NO_ARGS_HELP:
            raise
        except click.UsageError as exc:  # an option of the program itself: one line, not usage
            echo(f"Error: {exc.format_message()}", err=True)
            sys.exit(2)

    def invoke(self, ctx: click.Context) -> Any:
        from simcomm.runs.files import forget_written

        forget_written()  # the message of a Ctrl-C says what this command wrote
        try:
            return super().invoke(ctx)
        except _NO_ARGS_HELP:
            raise
        except click.UsageError as exc:  # bad option value or unknown command: one line, not usage
            hint = f" (see '{command_path(exc.ctx)} --help')" if exc.ctx and exc.ctx.parent else ""
            echo(f"Error: {exc.format_message()}{hint}", err=True)
            sys.exit(2)
        except ParameterError as exc:
            echo(f"Error: {exc}", err=True)
            sys.exit(2)
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (Terminated)
            echo(interruption_message(exc), err=True)
            sys.exit(exit_status(exc))


def interruption_message(exc: BaseException) -> str:
    """Return the one line a command prints when ``exc`` (Ctrl-C's KeyboardInterrupt, or
    Terminated for SIGTERM) ends it: what was completely written before, or that nothing was."""
    from simcomm.runs.files import written_outputs

    word = interruption_word(exc)
    written = written_outputs()
    if not written:
        return f"{word}: nothing was written."
    where = " and ".join(str(p) for p in written)
    return (f"{word}: {where} {'was' if len(written) == 1 else 'were'} written completely before the "
            "interruption (the new output); nothing else was written.")


def command_path(ctx: click.Context) -> str:
    """Return 'simcomm SUB [SUBSUB]' for a context, whatever name the program was started as."""
    names = []
    while ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(["simcomm", *reversed(names)])


@click.group(cls=SimcommGroup, context_settings={"help_option_names": ["-h", "--help"]},
             epilog=EXAMPLES)
@click.version_option(__version__, prog_name="simcomm")
def main() -> None:
    """Simulate partner communities week by week: organic, vendor-imposed and five more kinds.

    Every run is seeded and reproducible; every output records its parameters, seed and version.
    """


# ---- scenarios, show, params ---------------------------------------------------------------
@main.command()
def scenarios() -> None:
    """List the built-in scenarios with one-line descriptions.

    A governance type's scenario shows its type; a what-if shows its base and its levers.

    \b
    Example:
      simcomm scenarios
    """
    from simcomm.runs.channel_run import channel_names, load_channel
    from simcomm.runs.library import load_scenario, scenario_names

    names = scenario_names()
    width = max(len(n) for n in [*names, *channel_names()])
    for name in names:
        sc = load_scenario(name)
        what = f"{sc.base} + {', '.join(sc.levers)}" if sc.base else sc.governance
        echo(f"{name:<{width}}  {sc.title} [{what}]")
    for name in channel_names():  # several communities over one population ('simcomm run' runs them)
        echo(f"{name:<{width}}  {load_channel(name).title} [channel]")


@main.command()
@click.argument("scenario")
def show(scenario: str) -> None:
    """Show a scenario's story, its seed passage, its base and levers, and every parameter.

    SCENARIO is a built-in name or the path of a scenario TOML file. A what-if lists its base
    scenario and each lever (value, the base's value, why); every parameter is shown with its
    value, default, unit and source.

    \b
    Example:
      simcomm show staff-churn
    """
    from simcomm.core.params import make_params
    from simcomm.runs.library import load_scenario

    sc = load_scenario(scenario)
    params = make_params(base=sc.overrides)
    echo(f"{sc.name}: {sc.title}\ngovernance: {sc.governance}")
    if sc.base:
        echo(f"base: {sc.base}")
    echo("\n" + sc.story + "\n")
    if sc.seed_quote:
        from simcomm.runs.essays import ESSAYS_PAGE, essay_reference

        echo(f'From {essay_reference(sc.seed_file)} ({ESSAYS_PAGE}):\n  "{sc.seed_quote}"\n')
    if sc.levers:
        before = make_params(base=sc.base_overrides)
        echo(f"levers (what differs from {sc.base or sc.governance}):")
        for name, (value, why) in sc.levers.items():
            echo(f"  {name} = {value} (was {before[name]}): {why}")
        echo("")
    elif set(sc.overrides) == {"governance"}:
        echo(f"sets only governance = {sc.governance}: the type's rules, every other parameter "
                   "at its default\n")
    from simcomm.core.model import parameters_used
    from simcomm.core.rule_parts import PARAMETER_NAMES, rules_of, set_parts

    used = set(parameters_used(rules_of(params))) | set(set_parts(params))
    echo(f"{'parameter':<24} {'value':>12} {'default':>12}  unit; source   (* = set by the scenario)")
    for spec in SPECS:
        if spec.name not in used:
            continue
        value = params[spec.name]
        mark = "*" if spec.name in sc.overrides else " "
        echo(f"{spec.name:<24}{mark}{value!s:>12} {spec.default!s:>12}  {spec.unit}; {spec.source}")
    unused = [s.name for s in SPECS if s.name not in used and s.name not in PARAMETER_NAMES]
    if unused:
        echo(f"\nNot used by {sc.governance}'s rules (no mechanism of its week reads them): "
                   + ", ".join(unused))
    echo("\nSources: seeds/000 to seeds/004 are the five practitioners' essays (titles, authors and "
               "every passage used: docs/essays.md); MODEL.md is the project's model brief "
               "(docs/model-brief.md).")


@main.command()
def params() -> None:
    """List every parameter: default, allowed values, unit and what it means.

    \b
    Example:
      simcomm params
    """
    for spec in SPECS:
        echo(f"{spec.name} = {spec.default}  ({spec.allowed()}; {spec.unit})\n    {spec.doc}")


# ---- run -----------------------------------------------------------------------------------
@main.command("run")
@click.argument("scenario")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0, 2**63 - 1),
              help="The seed every random draw derives from.")
@run_options
def run_command(scenario: str, seed: int, weeks: int, sets: tuple[str, ...], out: Path | None,
                as_json: bool, quiet: bool, allow_long: bool) -> None:
    """Run one scenario: the answer in a few sentences, then its headline figures and events.

    The sentences say how big the community got and when it peaked, whether it was still alive
    at the end (and why it died), and how many of its first year's joiners stayed. The table
    shows the headline figures under readable names; --json prints them with the sentences
    ("answer") and "alive_at_end".

    SCENARIO is a built-in name (see 'simcomm scenarios') or the path of a scenario TOML file.
    With --out, writes timeseries and members (Parquet and CSV), summary.json (with the
    parameters, seed and version) and PNG plots. A channel scenario (channel-*, or a file with a
    [channel] table) runs several communities over one population and writes communities,
    channel and roster tables and channel.json; its --set takes shared parameters only.

    \b
    Example:
      simcomm run staff-churn --weeks 156 --seed 3 --set handover_quality=0.8 --out out/churn
    """
    from tqdm import tqdm

    from simcomm.core.params import make_params
    from simcomm.report.outputs import RUN_FILES, write_run
    from simcomm.runs.batch import show_progress
    from simcomm.runs.channel_run import is_channel
    from simcomm.runs.files import to_jsonable
    from simcomm.runs.library import load_scenario
    from simcomm.runs.resources import check_memory
    from simcomm.runs.sim import run
    from simcomm.runs.workload import Workload

    if is_channel(scenario):  # several communities over one population (simcomm/ui/cli_channel.py)
        from simcomm.ui.cli_channel import run_channel_command

        return run_channel_command(scenario, seed, weeks, sets, out, as_json, quiet, allow_long)
    sc = load_scenario(scenario)
    overrides = parse_sets(sets)
    check_memory([(sc.overrides, overrides)])
    if out is not None:
        check_out(out, RUN_FILES)
    partners = int(make_params(overrides, base=sc.overrides)["partners"])
    announce_work(Workload().add(1, weeks, partners), 1, allow_long, "--weeks or partners")
    with tqdm(total=weeks, desc=printable(sc.name), unit="week", disable=not show_progress(quiet)) as bar:
        result = run(sc, weeks=weeks, seed=seed, overrides=overrides, on_week=lambda w: bar.update())
    written = write_run(result, out) if out is not None else []
    events = result.events.to_dict(orient="records")
    answer = run_sentences(sc.name, sc.governance, seed, weeks, result.summary, events)
    if as_json:
        echo(json.dumps(to_jsonable({"answer": answer,
                                           "alive_at_end": result.summary.get("died_week") is None,
                                           "summary": result.summary, "metadata": result.metadata}),
                              indent=2))
        return
    echo(f"simcomm {__version__}  {sc.name} ({sc.governance})  seed {seed}  {weeks} weeks"
               + (f"  set: {overrides}" if overrides else ""))
    echo("\n" + paragraph(answer) + "\n")
    echo(format_run_table(result.summary, weeks))
    if len(result.events):
        echo("\nEvents:")
        from simcomm.report.reviews import with_caveats

        told = with_caveats(result.events, result.timeseries, int(result.params["review_every"]))
        for row in told.head(12).itertuples():
            echo(f"  week {row.week}: {row.text}")
        if len(result.events) > 12:
            echo(f"  ... {len(result.events) - 12} more (events in summary.json with --out)")
    if written:
        echo(f"wrote {len(written)} files to {out}")


# ---- compare (simcomm/cli_compare.py) ----------------------------------------------------
from simcomm.ui.cli_compare import compare  # noqa: E402

main.add_command(compare)

# ---- experiments and sensitivity (simcomm/cli_experiments.py) ------------------------------
from simcomm.ui.cli_experiments import experiment, sensitivity  # noqa: E402

main.add_command(experiment)
main.add_command(sensitivity)

# ---- validation against published figures (simcomm/cli_validation.py) ----------------------
from simcomm.ui.cli_validation import validate  # noqa: E402

main.add_command(validate)

# ---- the trainer's view: dashboard and story (simcomm/cli_trainer.py) ----------------------
from simcomm.ui.cli_trainer import dashboard, story  # noqa: E402

main.add_command(dashboard)
main.add_command(story)

# ---- the essays' claims as controlled contrasts (simcomm/cli_claims.py) -----------------------
from simcomm.ui.cli_claims import claims  # noqa: E402

main.add_command(claims)

# ---- why the community lost members: counterfactual replays (simcomm/cli_explain.py) -------
from simcomm.ui.cli_explain import explain  # noqa: E402

main.add_command(explain)

# ---- under which assumptions: scenario discovery with PRIM (simcomm/cli_discover.py) --------
from simcomm.ui.cli_discover import discover  # noqa: E402

main.add_command(discover)


if __name__ == "__main__":  # pragma: no cover
    from simcomm.runs.interruption import handle_termination

    handle_termination()
    main()

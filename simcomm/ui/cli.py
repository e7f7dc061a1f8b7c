"""The ``simcomm`` command line: scenarios, show, params, run, compare (Click command group).

Bad input (unknown scenario or parameter, wrong type, out of range, malformed file, an output
directory that cannot be written) prints one line on stderr and exits with status 2.
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path
from typing import Any

import click

from simcomm.core.params import SPECS, ParameterError, Value, parse_assignment
from simcomm.core.version import __version__
from simcomm.report.text import format_run_table, run_sentences
from simcomm.runs.interruption import exit_status, interruption_word
from simcomm.ui.options import (
    OUT_PATH,
    allow_long_option,
    announce_work,
    check_out,
    parse_sets,
    scheduler_option,
)
from simcomm.ui.terminal import echo, printable

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


def _varies(values: tuple[str, ...]) -> list[tuple[str, list[Value]]]:
    """Parse each ``--vary KEY=V1,V2,...``; ParameterError (one line, naming --vary) for a
    malformed one, a bad value, a repeated value or a parameter varied twice."""
    out: list[tuple[str, list[Value]]] = []
    for text in values:
        name, sep, raw = text.partition("=")
        name = name.strip()
        if not sep or not name or not raw.strip():
            raise ParameterError(f"--vary '{text}' is not KEY=V1,V2,... (e.g. --vary moderation=0,0.5)")
        if any(name == k for k, _ in out):
            raise ParameterError(f"--vary {name} is given twice; give all its values once "
                                 f"(--vary {name}=V1,V2,...)")
        parsed: list[Value] = []
        for v in raw.split(","):
            try:
                parsed.append(parse_assignment(f"{name}={v}")[1])
            except ParameterError as exc:
                raise ParameterError(f"--vary {text}: {exc}") from None
        repeated = [v for i, v in enumerate(parsed) if v in parsed[:i]]
        if repeated:
            raise ParameterError(f"--vary {text}: value {repeated[0]!r} is repeated; give each value once "
                                 "(for more runs of a value use --replicates)")
        out.append((name, parsed))
    return out


def _set_option(f: Any) -> Any:
    return click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
                        help="Override a parameter (repeatable); see 'simcomm params'.")(f)


def _common(f: Any) -> Any:
    f = allow_long_option(f)
    f = click.option("--quiet", "-q", is_flag=True, help="No progress bar.")(f)
    f = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")(f)
    f = click.option("--out", type=OUT_PATH, default=None,
                     help="Directory to write tables (Parquet and CSV), JSON and PNG plots to.")(f)
    f = _set_option(f)
    return click.option("--weeks", default=260, show_default=True, type=click.IntRange(1, 5200),
                        help="Weeks to simulate.")(f)


# ---- scenarios, show, params ---------------------------------------------------------------
@main.command()
def scenarios() -> None:
    """List the built-in scenarios with one-line descriptions.

    A governance type's scenario shows its type; a what-if shows its base and its levers.

    \b
    Example:
      simcomm scenarios
    """
    from simcomm.runs.library import load_scenario, scenario_names

    names = scenario_names()
    width = max(len(n) for n in names)
    for name in names:
        sc = load_scenario(name)
        what = f"{sc.base} + {', '.join(sc.levers)}" if sc.base else sc.governance
        echo(f"{name:<{width}}  {sc.title} [{what}]")


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
@_common
def run_command(scenario: str, seed: int, weeks: int, sets: tuple[str, ...], out: Path | None,
                as_json: bool, quiet: bool, allow_long: bool) -> None:
    """Run one scenario: the answer in a few sentences, then its headline figures and events.

    The sentences say how big the community got and when it peaked, whether it was still alive
    at the end (and why it died), and how many of its first year's joiners stayed. The table
    shows the headline figures under readable names; --json prints them with the sentences
    ("answer") and "alive_at_end".

    SCENARIO is a built-in name (see 'simcomm scenarios') or the path of a scenario TOML file.
    With --out, writes timeseries and members (Parquet and CSV), summary.json (with the
    parameters, seed and version) and PNG plots.

    \b
    Example:
      simcomm run staff-churn --weeks 156 --seed 3 --set handover_quality=0.8 --out out/churn
    """
    from tqdm import tqdm

    from simcomm.core.params import make_params
    from simcomm.report.outputs import RUN_FILES, write_run
    from simcomm.runs.batch import show_progress
    from simcomm.runs.files import to_jsonable
    from simcomm.runs.library import load_scenario
    from simcomm.runs.resources import check_memory
    from simcomm.runs.sim import run
    from simcomm.runs.workload import Workload

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
    echo("\n" + _paragraph(answer) + "\n")
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


def _paragraph(sentences: list[str], width: int = 100) -> str:
    """Return ``sentences`` as text, each sentence starting a line, wrapped at ``width`` characters."""
    import textwrap

    return "\n".join(textwrap.fill(s, width=width, break_on_hyphens=False, subsequent_indent="  ")
                     for s in sentences)


# ---- compare -------------------------------------------------------------------------------
@main.command()
@click.argument("scenario_names", nargs=-1, metavar="[SCENARIO]...")
@click.option("--replicates", "-r", default=10, show_default=True, type=click.IntRange(1, 100_000),
              help="Seeded runs of each scenario (seeds 0..R-1, the same for every scenario).")
@click.option("--workers", "-w", default=None, type=click.IntRange(1, 1024),
              help="Parallel processes [default: all cores].")
@scheduler_option
@click.option("--vary", "varies", multiple=True, metavar="KEY=V1,V2,...",
              help="Cross every scenario with these values of a parameter (repeatable).")
@click.option("--until-clear", is_flag=True,
              help="Add seeds (R more, then doubling: the same seeds for every scenario) until the "
                   "headline difference is clear or --max-replicates is reached, and say which.")
@click.option("--max-replicates", default=80, show_default=True, type=click.IntRange(2, 100_000),
              help="With --until-clear: the most seeded runs of each scenario.")
@_common
def compare(scenario_names: tuple[str, ...], replicates: int, workers: int | None,
            varies: tuple[str, ...], until_clear: bool, max_replicates: int, weeks: int,
            sets: tuple[str, ...], out: Path | None, as_json: bool, quiet: bool, allow_long: bool) -> None:
    """Compare scenarios over seeded replicates: first the answer in plain sentences, then the table.

    Runs R seeds of each SCENARIO (default: organic and vendor-imposed) in parallel, the same
    seeds for every scenario, so runs with the same seed share their random numbers and are
    compared seed by seed. Prints what changed, by how much and how sure in a few sentences;
    then a table of each metric under a readable name: the share of runs still alive at the
    horizon (k of n, Wilson interval), active members, retention, ... as mean [95% interval,
    bootstrap over the runs], never outside the metric's bounds; a * where a scenario differs
    from the first by the one rule used for every star and every "clearly": a difference that
    large would arise by chance less than 1 time in 20, allowing for all the comparisons shown
    (Holm). With --vary, the effect of the varied parameter within each scenario, by the same
    rule. With --until-clear, adds seeds on common random numbers until the headline (the first
    difference told) is clear or --max-replicates is reached, and says which; each look is judged
    at 0.05 divided by the looks planned. With --out, writes tables, JSON and plots with
    confidence bands and Kaplan-Meier curves.

    \b
    Example: how much does 52-week retention drop if the community manager leaves every
    9 months instead of every 3 years, vendor-imposed versus organic?
      simcomm compare vendor-imposed organic --vary staff_turnover_per_year=0.33,1.33 -r 20
    """
    from simcomm.analysis.intervals import ALPHA
    from simcomm.analysis.statistics import comparisons, headline_table, logrank
    from simcomm.core.metric_registry import COMPARED
    from simcomm.core.params import make_params
    from simcomm.report.compare_text import comparison_sentences, format_comparison_table, format_effects
    from simcomm.report.outputs import COMPARE_FILES, write_compare
    from simcomm.report.text import format_differences, parameter_differences, rule_footnote
    from simcomm.runs.batch import RunSpec, group, run_many, show_progress
    from simcomm.runs.files import to_jsonable
    from simcomm.runs.library import load_scenario
    from simcomm.runs.workload import Workload

    names = scenario_names or ("organic", "vendor-imposed")
    loaded = [load_scenario(n) for n in names]
    for i, sc in enumerate(loaded):  # runs are grouped by label: a repeated one would merge them
        twin = next((names[j] for j in range(i) if loaded[j].name == sc.name), None)
        if twin is not None:
            what = (f"'{sc.name}' is given twice" if twin == names[i] else
                    f"'{twin}' and '{names[i]}' are both named '{sc.name}'")
            raise ParameterError(f"SCENARIO: {what}; give each scenario once "
                                 "(for more runs use --replicates)")
    base = parse_sets(sets)
    vary = _varies(varies)
    for name, values in vary:  # --set would be silently overridden by --vary
        if name in base:
            raise ParameterError(f"--set {name}={base[name]} and --vary {name}="
                                 f"{','.join(str(v) for v in values)} both give {name}; give it once: "
                                 "with --vary to compare its values, or with --set to fix it")
    if out is not None:
        check_out(out, COMPARE_FILES)
    combos = list(itertools.product(*[[(k, v) for v in values] for k, values in vary])) or [()]
    specs = []
    arms = []  # (label, every parameter value, reasons): what the comparison prints first
    varied: dict[str, dict[str, Value]] = {}  # label -> its values of the varied parameters
    work = Workload()
    for sc in loaded:
        for combo in combos:
            label = sc.name + "".join(f", {k}={v}" for k, v in combo)
            varied[label] = dict(combo)
            overrides = {**base, **dict(combo)}
            values = make_params(overrides, base=sc.overrides).to_dict()
            arms.append((label, values, {"governance": "a governance type: its rules", **sc.reasons(),
                                         **{k: "varied with --vary" for k, _ in combo}}))
            work.add(max_replicates if until_clear else replicates, weeks, int(values["partners"]))
            specs += [RunSpec(sc, weeks, seed, overrides, label) for seed in range(replicates)]
    announce_work(work, workers, allow_long, "--max-replicates" if until_clear else "--replicates")
    differences = parameter_differences(arms)
    if until_clear and max_replicates < replicates:
        raise ParameterError(f"--max-replicates {max_replicates} is below --replicates {replicates}")
    results = group(specs, run_many(specs, workers=workers, progress=show_progress(quiet),
                                    desc="compare"))
    labels = [a[0] for a in arms]
    against_first = [(lab, labels[0], None) for lab in labels[1:]]
    within = _effect_pairs(loaded, combos) if vary else []
    pairs = [(lab, ref) for lab, ref, _ in against_first + within]
    told_pairs = [(lab, ref) for lab, ref, _ in (within or against_first)]
    alpha, outcome = ALPHA, None
    if until_clear and told_pairs:
        from simcomm.ui.cli_until_clear import until_clear_runs

        results, replicates, alpha, outcome = until_clear_runs(results, specs, pairs, told_pairs, replicates,
                                                               max_replicates, weeks, workers, quiet)
    # One family: every comparison shown (the table's and the effects'), judged by one rule.
    family = comparisons(results, pairs, COMPARED, alpha=alpha)
    table = headline_table(results, COMPARED, family=family)
    told = within or against_first
    arm = {label: (values, reasons) for label, values, reasons in arms}
    changes = {(lab, ref): parameter_differences([(ref, *arm[ref]), (lab, *arm[lab])])[0]["differences"]
               for lab, ref, _ in told}
    answer = comparison_sentences(table, family, told, changes, weeks, replicates) + (
        [outcome] if outcome else [])
    survival = logrank(results)
    size = int(family["p_value"].notna().sum())
    rule = {"text": rule_footnote(size, labels[0], alpha).removeprefix("* "), "alpha": alpha,
            "adjustment": "Holm", "comparisons": size,
            "tests": "paired by seed when both ran the same seeds (paired t; McNemar exact for survival), "
                     "else Welch t (Fisher exact for survival)",
            "intervals": "95%: Wilson for the share of runs alive, else percentile bootstrap (fixed seed)"}
    effects = _effects(family, within, varied) if vary else None
    written = (write_compare(results, table, out, differences=differences, answer=answer, rule=rule)
               if out is not None else [])
    if as_json:
        payload = {"answer": answer, "rule": rule, "differences": differences, "table": table,
                   "comparisons": family, "logrank": survival, "effects": effects,
                   "replicates": replicates, "weeks": weeks, "simcomm_version": __version__}
        echo(json.dumps(to_jsonable(payload), indent=2))
        return
    runs = (f"{replicates} seeded runs each (seeds 0..{replicates - 1})" if replicates > 1
            else "1 run each (seed 0)")
    echo(f"simcomm {__version__}: {runs}, {weeks} weeks" + (f", set: {base}" if base else ""))
    echo("\n" + _paragraph(answer) + "\n")
    if differences:  # the exact parameters (names for --set), before the table they explain
        echo("What differs, parameter by parameter:\n" + format_differences(differences) + "\n")
    echo(format_comparison_table(table, weeks))
    if within:
        echo(format_effects(table, family, within, changes, weeks, COMPARED))
    if written:
        echo(f"wrote {len(written)} files to {out}")


def _effect_pairs(loaded: list[Any], combos: list[tuple[tuple[str, Value], ...]]
                  ) -> list[tuple[str, str, str | None]]:
    """Return (label, reference, scenario) for each later combination of varied values against the
    first one of the same scenario: the effects of --vary, runs paired by seed."""
    pairs: list[tuple[str, str, str | None]] = []
    for sc in loaded:
        labels = [sc.name + "".join(f", {k}={v}" for k, v in combo) for combo in combos]
        pairs += [(label, labels[0], sc.name) for label in labels[1:]]
    return pairs


def _effects(family: Any, within: list[tuple[str, str, str | None]],
             varied: dict[str, dict[str, Value]]) -> list[dict[str, Any]]:
    """Return the --vary effects for --json: per (scenario, from, to, metric) the paired difference
    (later minus first value, in the metric's unit; shares 0-1), its 95% bootstrap interval over
    seeds (``ci_low``, ``ci_high``), the test, p-value, Holm-adjusted p-value and ``significant``:
    the same rows, and so the same verdicts, as the comparisons behind the table."""
    rows = []
    for label, reference, scenario in within:
        mine = family[(family["label"] == label) & (family["reference"] == reference)]
        for r in mine.to_dict(orient="records"):
            rows.append({"scenario": scenario, "from": varied[reference], "to": varied[label],
                         "metric": r["metric"],
                         "unit": r["unit"], "n": r["n"], "diff": r["diff"], "ci_low": r["diff_low"],
                         "ci_high": r["diff_high"], "adj_low": r["adj_low"], "adj_high": r["adj_high"],
                         "test": r["test"], "p_value": r["p_value"],
                         "p_holm": r["p_holm"], "significant": bool(r["significant"])})
    return rows



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

"""Command ``simcomm compare``: scenarios over seeded replicates, the answer in sentences, then the
table (registered in cli.py).

Bad input prints one line and exits with status 2 (the main group's handling of ParameterError
and of Click's usage errors), before anything is simulated or written.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import click

from simcomm.core.params import ParameterError, Value, parse_assignment
from simcomm.core.version import __version__
from simcomm.ui.options import announce_work, check_out, parse_sets, run_options, scheduler_option
from simcomm.ui.terminal import echo, paragraph


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


@click.command()
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
@run_options
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

    On channel scenarios (channel-*: several communities over one population) it answers the
    strategist's choice: launch a community, sponsor the partners' own, both or neither, each
    arm on the same seeds (the same partners), every arm compared with every other.

    \b
      simcomm compare channel-partners-alone channel-vendor-enters
        channel-vendor-sponsors channel-vendor-both -r 20   (one line)
    """
    from simcomm.analysis.intervals import ALPHA
    from simcomm.analysis.statistics import comparisons, headline_table, logrank
    from simcomm.core.metric_registry import COMPARED
    from simcomm.core.params import make_params
    from simcomm.report.compare_text import (
        compare_heading,
        comparison_sentences,
        format_comparison_table,
        format_effects,
    )
    from simcomm.report.outputs import COMPARE_FILES, write_compare
    from simcomm.report.text import format_differences, parameter_differences, rule_footnote
    from simcomm.runs.batch import RunSpec, group, run_many, show_progress
    from simcomm.runs.files import to_jsonable
    from simcomm.runs.library import load_scenario
    from simcomm.runs.workload import Workload
    from simcomm.ui.cli_compare_channel import channel_arms, compare_channels

    names = scenario_names or ("organic", "vendor-imposed")
    if channel_arms(names):  # launch, sponsor, both or neither (simcomm/ui/cli_compare_channel.py)
        for given, option in ((varies, "--vary"), (until_clear, "--until-clear")):
            if given:
                raise ParameterError(f"{option} takes single communities' scenarios, not channels: compare "
                                     "channel scenarios with --replicates, --weeks and --set (shared "
                                     "parameters)")
        return compare_channels(names, replicates, workers, weeks, sets, out, as_json, quiet, allow_long)
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
    echo(compare_heading(__version__, replicates, weeks, base))
    echo("\n" + paragraph(answer) + "\n")
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

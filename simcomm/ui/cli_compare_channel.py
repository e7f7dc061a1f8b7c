"""``simcomm compare`` on channel scenarios: launch, sponsor, both or neither (issue 24).

``simcomm compare channel-partners-alone channel-vendor-enters channel-vendor-sponsors
channel-vendor-both`` runs R seeds of each arm (the same seeds 0..R-1 for every arm: the same
partners, needs and ties seed by seed) and answers in sentences, then the table. ``compare``
sends its arguments here when they name channel scenarios; bad input (a channel mixed with a
single community's scenario, an unknown name, a channel given twice, ``--vary`` or
``--until-clear``, which take single communities) is one line, exit status 2, before anything runs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from simcomm.core.params import ParameterError
from simcomm.core.version import __version__
from simcomm.ui.options import announce_work, check_out, parse_sets
from simcomm.ui.terminal import echo, paragraph


def channel_arms(names: Sequence[str]) -> bool:
    """Return True when ``names`` name channel scenarios, False when they name single
    communities'; raise ParameterError (one line) when they mix the two, naming both kinds."""
    from simcomm.runs.channel_run import is_channel, load_channel
    from simcomm.runs.library import load_scenario

    kinds = [is_channel(n) for n in names]
    if not any(kinds):
        return False
    for name, kind in zip(names, kinds, strict=True):
        if kind:
            continue
        if name.startswith("channel-"):  # a misspelt channel: its own refusal, with close names
            load_channel(name)
        load_scenario(name)  # unknown: its own refusal
        channel = names[kinds.index(True)]
        raise ParameterError(f"SCENARIO: '{channel}' is a channel scenario and '{name}' a single "
                             "community's; compare channels with channels (listed by simcomm scenarios) "
                             "or single communities with single communities")
    return True


def compare_channels(names: Sequence[str], replicates: int, workers: int | None, weeks: int,
                     sets: tuple[str, ...], out: Path | None, as_json: bool, quiet: bool,
                     allow_long: bool) -> None:
    """Compare the channel scenarios ``names`` over ``replicates`` seeded runs each (the first is
    the baseline): print the answer in sentences, then the table (or JSON), write the tables
    with ``out``; return None. ``sets`` change the channels' shared parameters. Bad input
    raises ParameterError (one line, exit status 2) before anything runs."""
    from simcomm.analysis.intervals import ALPHA
    from simcomm.analysis.statistics import comparisons, headline_table
    from simcomm.core.metric_registry import CHANNEL_COMPARED
    from simcomm.report.channel_compare_text import channel_sentences
    from simcomm.report.compare_text import compare_heading, format_comparison_table
    from simcomm.report.outputs import CHANNEL_COMPARE_FILES, write_channel_compare
    from simcomm.report.text import rule_footnote
    from simcomm.runs.batch import show_progress
    from simcomm.runs.channel_compare import most_communities, partners_of, run_channel_arms
    from simcomm.runs.channel_run import load_channel, with_overrides
    from simcomm.runs.files import to_jsonable
    from simcomm.runs.workload import Workload

    base = parse_sets(sets)
    plans = [with_overrides(load_channel(n), base) for n in names]
    for i, plan in enumerate(plans):  # runs are grouped by name: a repeated one would merge them
        twin = next((names[j] for j in range(i) if plans[j].name == plan.name), None)
        if twin is not None:
            what = (f"'{plan.name}' is given twice" if twin == names[i] else
                    f"'{twin}' and '{names[i]}' are both named '{plan.name}'")
            raise ParameterError(f"SCENARIO: {what}; give each channel once (for more runs use --replicates)")
    if out is not None:
        check_out(out, CHANNEL_COMPARE_FILES)
    work = Workload()
    for plan in plans:
        work.add(replicates * most_communities(plan), weeks, partners_of(plan))
    announce_work(work, workers, allow_long, "--replicates, --weeks or partners")
    results = run_channel_arms(plans, weeks, replicates, workers=workers, progress=show_progress(quiet))
    labels = [p.name for p in plans]
    pairs = [(labels[i], labels[j]) for i in range(1, len(labels)) for j in range(i)]
    family = comparisons(results, pairs, CHANNEL_COMPARED)
    table = headline_table(results, CHANNEL_COMPARED, family=family)
    answer = channel_sentences(table, family, plans, weeks, replicates)
    size = int(family["p_value"].notna().sum())
    rule = {"text": rule_footnote(size, labels[0], ALPHA).removeprefix("* "), "alpha": ALPHA,
            "adjustment": "Holm", "comparisons": size,
            "tests": "paired by seed (every arm runs the same seeds): paired t; McNemar exact for the "
                     "partners' own community alive",
            "intervals": "95%: Wilson for a community alive (k of n runs), else percentile bootstrap "
                         "(fixed seed)"}
    written = (write_channel_compare(results, table, out, answer, rule, family) if out is not None else [])
    if as_json:
        payload = {"answer": answer, "rule": rule, "table": table, "comparisons": family,
                   "population": {lab: [r.metadata["population"] for r in results[lab]] for lab in labels},
                   "replicates": replicates, "weeks": weeks, "simcomm_version": __version__}
        echo(json.dumps(to_jsonable(payload), indent=2))
        return
    echo(compare_heading(__version__, replicates, weeks, base, what="channels"))
    echo("\n" + paragraph(answer) + "\n")
    echo(format_comparison_table(table, weeks))
    if written:
        echo(f"wrote {len(written)} files to {out}")

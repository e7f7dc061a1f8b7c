"""``simcomm compare --until-clear``: the loop that adds seeds until the headline is decided.

The rule and the schedule are :mod:`simcomm.analysis.until_clear`'s; this module runs the next
seeds of every arm (the same seeds for every scenario: common random numbers) and prints each
look on stderr, so that a user sees the runs grow and why they stopped.
"""

from __future__ import annotations

from typing import Any

from simcomm.ui.terminal import echo


def until_clear_runs(results: dict[str, list[Any]], specs: list[Any], pairs: list[tuple[str, str]],
                 told: list[tuple[str, str]], replicates: int, maximum: int, weeks: int,
                 workers: int | None, quiet: bool) -> tuple[dict[str, list[Any]], int, float, str]:
    """Run the next seeds of every arm until the headline is decided or ``maximum`` runs of each
    (:mod:`simcomm.analysis.until_clear`); print each look on stderr; return the results, the
    runs of each, the alpha of each look and the sentence saying what happened."""
    import dataclasses

    from simcomm.analysis.statistics import comparisons
    from simcomm.analysis.until_clear import alpha_per_look, headline, looks, outcome_sentence
    from simcomm.core.metric_registry import COMPARED
    from simcomm.report.text import metric_name
    from simcomm.runs.batch import group, run_many, show_progress

    sizes = looks(replicates, maximum)
    alpha = alpha_per_look(replicates, maximum)
    order = ["final_active", "retention_52w", "retention_12w"]
    for at, n in enumerate(sizes):
        found = headline(comparisons(results, pairs, COMPARED, alpha=alpha), told, order)
        if not quiet:
            echo(f"until clear: {n} runs of each (look {at + 1} of at most {len(sizes)}): "
                 f"{metric_name(found.metric, weeks)}, {found.state}", err=True)
        if found.decided or at == len(sizes) - 1:
            break
        more = [dataclasses.replace(s, seed=seed) for s in specs if s.seed == 0
                for seed in range(n, sizes[at + 1])]
        for label, runs in group(more, run_many(more, workers=workers, progress=show_progress(quiet),
                                                desc=f"until clear: seeds {n}-{sizes[at + 1] - 1}")).items():
            results[label] = [*results[label], *runs]
    said = outcome_sentence(found, n, maximum, len(sizes), metric_name(found.metric, weeks))
    return results, n, alpha, said

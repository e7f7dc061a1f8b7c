"""``simcomm explain A --against B`` on channel scenarios: the difference between two channel files
taken apart, lever by lever (the vendor's launch, its sponsorship, a sponsorship's
``sponsor_recruits``, ...), by Shapley values on common random numbers (issue 24).

``explain`` sends its arguments here when they name channel scenarios. Bad input (a channel mixed
with a single community's scenario, a channel without ``--against``, an option that takes single
communities, a metric that is not a channel's) is one line, exit status 2, before anything runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simcomm.core.params import ParameterError
from simcomm.core.version import __version__
from simcomm.ui.options import announce_work, check_out, parse_sets


def explain_channels(a_name: str, b_name: str | None, *, seed: int, replicates: int, weeks: int,
                     sets: tuple[str, ...], workers: int | None, out: Path | None, permutations: int | None,
                     metrics: str | None, at_week: int | None, as_json: bool, quiet: bool,
                     allow_long: bool) -> None:
    """Take channel ``a_name`` minus channel ``b_name`` apart over ``replicates`` seeds from
    ``seed``: print the sentences (or JSON), write the files with ``out``; return None. Raises
    ParameterError (one line) on bad input before anything runs."""
    import mesa

    from simcomm.analysis.shapley import decompose
    from simcomm.core.metric_registry import CHANNEL_COMPARED
    from simcomm.report.decompose import DECOMPOSE_FILES
    from simcomm.runs.batch import show_progress
    from simcomm.runs.channel_compare import most_communities, partners_of
    from simcomm.runs.channel_decompose import coalition_plans, run_channel_coalitions
    from simcomm.runs.channel_run import load_channel, with_overrides
    from simcomm.runs.decompose import PERMUTATIONS
    from simcomm.runs.workload import Workload
    from simcomm.ui.decomposition_output import chosen_metrics, tell_decomposition

    if b_name is None:
        raise ParameterError(f"SCENARIO: '{a_name}' is a channel scenario: explain takes a channel only with "
                             "--against B, another channel (the difference taken apart, lever by lever); "
                             "its replays of one run take single communities")
    if at_week is not None:
        raise ParameterError("--at-week is not allowed with --against: the difference is taken apart "
                             "in the headline metrics at the horizon")
    chosen = chosen_metrics(metrics, CHANNEL_COMPARED, " on channels")
    overrides = parse_sets(sets)
    a = with_overrides(load_channel(a_name), overrides)
    b = with_overrides(load_channel(b_name), overrides)
    if out is not None:
        check_out(out, DECOMPOSE_FILES)
    permutations = permutations or PERMUTATIONS
    if permutations < 2 or permutations % 2:
        raise ParameterError(f"--permutations {permutations} is not allowed: expected an even number from 2")
    plans = coalition_plans(a, b, permutations)
    if not plans:
        raise ParameterError(f"--against {b.name} is not allowed: {a.name} and {b.name} do not differ "
                             "(the same communities, sponsorships and parameters), so there is nothing "
                             "to take apart")
    work = Workload()
    for plan in plans:
        work.add(replicates * most_communities(plan), weeks, partners_of(plan))
    announce_work(work, workers, allow_long, "--replicates, --weeks or partners")
    seeds = list(range(seed, seed + replicates))
    runs = run_channel_coalitions(a, b, seeds, weeks, permutations=permutations, workers=workers,
                                  progress=show_progress(quiet))
    table = decompose(runs.values, runs.coalitions, [lv.name for lv in runs.levers], runs.orders, chosen)
    metadata: dict[str, Any] = {"scenario": a.name, "against": b.name, "kind": "channel", "seeds": seeds,
                                "weeks": weeks, "overrides": overrides,
                                "plans": {"A": a.to_dict(), "B": b.to_dict()},
                                "simcomm_version": __version__, "mesa_version": mesa.__version__}
    tell_decomposition(runs, table, metadata, out, as_json, "channel runs")

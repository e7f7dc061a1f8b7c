"""The output sets of ``run`` and ``compare``: tables, JSON and plots, staged and moved into place.

Everything is written through :func:`simcomm.runs.output_set.staged_output`, so a failed or
interrupted write leaves the output directory as it was, and only simcomm's own files in it are
replaced (see :mod:`simcomm.runs.output_set`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from simcomm.analysis.statistics import Results, check_results, logrank, summary_frame
from simcomm.report import plots
from simcomm.runs.channel_run import ChannelResult
from simcomm.runs.files import absolute_out, write_json, writing_into
from simcomm.runs.output_set import staged_output
from simcomm.runs.sim import Result

RUN_FILES = ("timeseries.parquet", "timeseries.csv", "members.parquet", "members.csv", "summary.json",
             *plots.RUN_PLOTS)  # what write_run writes (checked before a run)
CHANNEL_FILES = ("communities.parquet", "communities.csv", "channel.parquet", "channel.csv", "roster.parquet",
                 "roster.csv", "members.parquet", "members.csv", "channel.json",
                 *plots.CHANNEL_PLOTS)  # what write_channel writes
COMPARE_FILES = ("runs.parquet", "runs.csv", "headline.csv", "compare.json", *plots.COMPARE_PLOTS)
CHANNEL_COMPARE_FILES = ("runs.parquet", "runs.csv", "headline.csv", "compare.json")  # write_channel_compare


def _write_table(frame: pd.DataFrame, stage: Path, name: str) -> list[Path]:
    frame.to_parquet(stage / f"{name}.parquet", engine="pyarrow", index=False)
    frame.to_csv(stage / f"{name}.csv", index=False)
    return [stage / f"{name}.parquet", stage / f"{name}.csv"]


def write_run(result: Result, out_dir: Path) -> list[Path]:
    """Write one run into ``out_dir``; return the paths written (in out_dir).

    ``timeseries.parquet``/``.csv`` (one row per week), ``members.parquet``/``.csv`` (one row
    per member; NA as empty CSV fields), ``summary.json`` (summary, metadata with parameters,
    seed and versions, and the events list; NaN written as null) and the PNGs of
    :func:`simcomm.report.plots.plot_run`. All go through :func:`staged_output`.
    """
    out_dir = absolute_out(out_dir)
    with staged_output(out_dir, about={"command": "run", **result.metadata}) as stage, writing_into(out_dir):
        written = [*_write_table(result.timeseries, stage, "timeseries"),
                   *_write_table(result.members, stage, "members")]
        write_json(stage / "summary.json", {
            "scenario": result.scenario, "seed": result.seed, "weeks": result.weeks,
            "summary": result.summary, "metadata": result.metadata,
            "events": result.events.to_dict(orient="records"),
        })
        written.append(stage / "summary.json")
        written += plots.plot_run(result, stage)
    return [out_dir / p.relative_to(stage) for p in written]


def write_channel(result: ChannelResult, out_dir: Path) -> list[Path]:
    """Write one channel run into ``out_dir``; return the paths written (in out_dir).

    ``communities.parquet``/``.csv`` (one row per community per week), ``channel.parquet``/
    ``.csv`` (one row per week: communities alive, founded, dead, memberships, overlap),
    ``roster.parquet``/``.csv`` (one row per community), ``members.parquet``/``.csv`` (one row
    per community and partner who ever joined it: who is a member of which community, first join
    and leave weeks, member_at_end), ``channel.json`` (the plan, every
    community's parameters, seed, weeks and versions; NaN written as null) and ``channel.png``
    (each community's members and the communities alive, founded and dead, per week). All go through
    :func:`staged_output`, whose manifest records the same metadata.
    """
    out_dir = absolute_out(out_dir)
    with staged_output(out_dir, about={"command": "run", **result.metadata}) as stage, writing_into(out_dir):
        written = [*_write_table(result.communities, stage, "communities"),
                   *_write_table(result.channel, stage, "channel"),
                   *_write_table(result.roster, stage, "roster"),
                   *_write_table(result.members, stage, "members")]
        write_json(stage / "channel.json", {"channel": result.channel_name, "seed": result.seed,
                                            "weeks": result.weeks, "metadata": result.metadata})
        written.append(stage / "channel.json")
        written += plots.plot_channel(result.communities, result.channel,
                                      f"{result.channel_name}, seed {result.seed}", stage)
    return [out_dir / p.relative_to(stage) for p in written]


def _per_label(values: Sequence[Any]) -> Any:
    """Return the single value when all runs of a label agree, else the list of them."""
    first = values[0]
    return first if all(v == first for v in values[1:]) else list(values)


def write_compare(results: Results, table: pd.DataFrame, out_dir: Path,
                  differences: Sequence[Any] | None = None, answer: Sequence[str] | None = None,
                  rule: Mapping[str, Any] | None = None) -> list[Path]:
    """Write a comparison into ``out_dir``; return the paths written (in out_dir).

    ``runs.csv``/``runs.parquet`` (:func:`simcomm.analysis.statistics.summary_frame`), ``headline.csv``
    (``table``, from :func:`simcomm.analysis.statistics.headline_table`), ``compare.json`` (labels, seeds,
    weeks, scenario, parameters and overrides of each label, ``differences`` (what each label
    differs in from the first, :func:`simcomm.report.text.parameter_differences`; [] when not
    given), ``answer`` (the sentences printed first) and ``rule`` (the significance rule), simcomm
    and mesa versions, the table and the log-rank result; NaN written as null)
    and the PNGs of
    :func:`simcomm.report.plots.plot_compare`. All go through :func:`staged_output`.
    """
    labels = check_results(results)
    out_dir = absolute_out(out_dir)
    lr = logrank(results, baseline=str(table["baseline"].iloc[0]) if len(table) else None)
    about = {"command": "compare", "labels": labels,
             "seeds": {lab: [r.seed for r in results[lab]] for lab in labels},
             "weeks": {lab: _per_label([r.weeks for r in results[lab]]) for lab in labels},
             "overrides": {lab: _per_label([r.metadata.get("overrides", {}) for r in results[lab]])
                           for lab in labels}}
    with staged_output(out_dir, about=about) as stage, writing_into(out_dir):
        written = _write_table(summary_frame(results), stage, "runs")
        table.to_csv(stage / "headline.csv", index=False)
        written.append(stage / "headline.csv")
        meta = {lab: [r.metadata for r in results[lab]] for lab in labels}
        first = results[labels[0]][0].metadata
        write_json(stage / "compare.json", {
            "labels": labels,
            "baseline": table["baseline"].iloc[0] if len(table) else labels[0],
            "seeds": {lab: [r.seed for r in results[lab]] for lab in labels},
            "weeks": {lab: _per_label([r.weeks for r in results[lab]]) for lab in labels},
            "scenarios": {lab: _per_label([r.scenario for r in results[lab]]) for lab in labels},
            "overrides": {lab: _per_label([m.get("overrides", {}) for m in meta[lab]]) for lab in labels},
            "parameters": {lab: _per_label([m.get("params", {}) for m in meta[lab]]) for lab in labels},
            "differences": list(differences or []),
            "answer": list(answer or []),
            "rule": dict(rule or {}),
            "simcomm_version": first.get("simcomm_version"),
            "mesa_version": first.get("mesa_version"),
            "headline": table,
            "logrank": lr,
        })
        written.append(stage / "compare.json")
        written += plots.plot_compare(results, stage, logrank_result=lr)
    return [out_dir / p.relative_to(stage) for p in written]


def write_channel_compare(results: Results, table: pd.DataFrame, out_dir: Path, answer: Sequence[str],
                          rule: Mapping[str, Any], comparisons: pd.DataFrame) -> list[Path]:
    """Write a comparison of channel arms into ``out_dir``; return the paths written (in out_dir).

    ``runs.csv``/``runs.parquet`` (one row per arm and seed: the measures of
    :mod:`simcomm.runs.channel_compare`, :func:`simcomm.analysis.statistics.summary_frame`),
    ``headline.csv`` (``table``) and ``compare.json`` (arms, seeds, weeks, each arm's plan and
    each run's population digest (the same partners in every arm, seed by seed), ``answer``,
    ``rule``, the ``comparisons`` of every arm with every other, simcomm and mesa versions; NaN
    written as null). All go through :func:`staged_output`."""
    labels = check_results(results)
    out_dir = absolute_out(out_dir)
    seeds = {lab: [r.seed for r in results[lab]] for lab in labels}
    about = {"command": "compare", "labels": labels, "seeds": seeds,
             "weeks": {lab: _per_label([r.weeks for r in results[lab]]) for lab in labels}}
    first = results[labels[0]][0].metadata
    with staged_output(out_dir, about=about) as stage, writing_into(out_dir):
        written = _write_table(summary_frame(results).drop(columns=["alive_at_end"]), stage, "runs")
        table.to_csv(stage / "headline.csv", index=False)
        written.append(stage / "headline.csv")
        write_json(stage / "compare.json", {
            "labels": labels, "baseline": labels[0], "seeds": seeds, "weeks": about["weeks"],
            "plans": {lab: results[lab][0].metadata.get("plan", {}) for lab in labels},
            "population": {lab: [r.metadata.get("population") for r in results[lab]] for lab in labels},
            "answer": list(answer), "rule": dict(rule), "headline": table, "comparisons": comparisons,
            "simcomm_version": first.get("simcomm_version"), "mesa_version": first.get("mesa_version"),
        })
        written.append(stage / "compare.json")
    return [out_dir / p.relative_to(stage) for p in written]

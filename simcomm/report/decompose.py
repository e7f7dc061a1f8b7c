"""A difference between two scenarios taken apart, in words, a table, a figure and files.

Built from :class:`simcomm.runs.decompose.CoalitionRuns` and the table of
:func:`simcomm.analysis.shapley.decompose`: for each headline metric, A's and B's means, the
difference and each lever's contribution (its Shapley value) with a 95% interval over seeds, and
the statement that the contributions add up to the difference.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from simcomm.analysis.shapley import residual
from simcomm.report.text import metric_name, shown_value
from simcomm.runs.channel_decompose import ABSENT, PRESENCE
from simcomm.runs.decompose import CoalitionRuns, Lever

#: The files ``explain A --against B --out DIR`` writes (checked before anything runs).
DECOMPOSE_FILES = ("decomposition.json", "contributions.csv", "coalitions.parquet", "coalitions.csv",
                   "contributions.png")


def decimals(values: Sequence[float | None], unit: str) -> int:
    """Return the decimals to show for contributions of this size: none from 10 (members,
    weeks, points), one from 1, two below."""
    finite = [abs(v) for v in values if v is not None and math.isfinite(v)]
    top = max(finite, default=0.0)
    return 0 if top >= 10 else 1 if top >= 1 else 2


def signed(x: float, d: int) -> str:
    """Return ``x`` with a sign and ``d`` decimals ("+12", "-0.4", "0" for what rounds to 0)."""
    text = f"{x:+,.{d}f}"
    return f"{0:.{d}f}" if float(text.replace(",", "")) == 0 else text


def _span(row: Mapping[str, Any], d: int) -> str:
    low, high = row.get("low"), row.get("high")
    if low is None or high is None or not math.isfinite(float(low)):
        return ""
    return f" [{signed(float(low), d)}, {signed(float(high), d)}]"


def lever_words(lever: Lever) -> str:
    """Return a lever in words with A's and B's values: "who runs it (members, not vendor)"; a
    launch or sponsorship only A lists: "launching 'X', vendor-imposed on technical (at week 26,
    not at all)"."""
    baseline = "at all" if lever.kind in PRESENCE and lever.baseline == ABSENT else shown(lever.baseline)
    return f"{lever.words} ({shown(lever.value)}, not {baseline})"


def shown(value: Any) -> str:
    """Return a parameter value as short text (floats to four significant digits)."""
    return f"{value:.4g}" if isinstance(value, float) else shown_value(value)


def _rows(table: pd.DataFrame, metric: str) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    part = table[table["metric"] == metric]
    fixed = {r["role"]: r for r in part.to_dict(orient="records") if r["role"] != "lever"}
    levers = [r for r in part.to_dict(orient="records") if r["role"] == "lever"]
    return fixed, levers


def _level(x: float, unit: str, d: int) -> str:
    """Return A's or B's mean: a share (in points) as a percentage, else with ``d`` decimals."""
    return f"{x:.0f}%" if unit == "points" else f"{x:,.{d}f}"


def _none_moved(r: Mapping[str, Any]) -> bool:
    """True for a lever that changed the metric on no seed (mean and interval all 0)."""
    return r["mean"] == 0 and r["low"] in (0, None) and r["high"] in (0, None)


def metric_sentence(runs: CoalitionRuns, table: pd.DataFrame, metric: str) -> str:
    """Return one metric's difference taken apart, e.g. "Active members at week 260: 150 in
    organic against 114 in vendor-imposed, a difference of +36 [+10, +61]. Taken apart,
    largest first: who runs it (members, not vendor) +50 [+20, +80]; ... They add up to +36."
    Levers that changed it on no seed are named once at the end."""
    fixed, levers = _rows(table, metric)
    name = metric_name(metric, runs.weeks)
    unit = fixed["total"]["unit"]
    points = " points" if unit == "points" else ""
    if fixed["total"]["n"] == 0:
        return f"{name}: no seed has a value in every combination, so it is not taken apart."
    level = decimals([fixed["A"]["mean"], fixed["B"]["mean"]], unit)
    d = decimals([fixed["total"]["mean"]] + [r["mean"] for r in levers], unit)
    by_name = {lv.name: lv for lv in runs.levers}
    head = (f"{name}: {_level(fixed['A']['mean'], unit, level)} in {runs.a.name} against "
            f"{_level(fixed['B']['mean'], unit, level)} in {runs.b.name}")
    moved = [r for r in levers if not _none_moved(r)]
    if fixed["total"]["mean"] == 0 and not moved:
        return f"{head}: the same in every combination of the levers, seed by seed."
    head += f", a difference of {signed(fixed['total']['mean'], d)}{points}{_span(fixed['total'], d)}"
    ordered = sorted(moved, key=lambda r: -abs(r["mean"]))
    parts = "; ".join(f"{lever_words(by_name[r['lever']])} {signed(r['mean'], d)}{_span(r, d)}"
                      for r in ordered)
    still = [by_name[r["lever"]].words for r in levers if _none_moved(r)]
    tail = f" Nothing on any seed: {', '.join(still)}." if still else ""
    return (f"{head}. Taken apart, largest first: {parts}. They add up to "
            f"{signed(fixed['sum']['mean'], d)}{points}.{tail}")


def method_sentence(runs: CoalitionRuns, table: pd.DataFrame) -> str:
    """Return how the contributions were computed, how many runs, and how exactly they add up."""
    n = len(runs.levers)
    seeds = len(runs.seeds)
    miss = max((abs(residual(table, m)) for m in table["metric"].unique()), default=0.0)
    if runs.orders is None:
        how = (f"each of the {n} levers is switched from {runs.b.name}'s value to {runs.a.name}'s in every "
               f"combination of the others (all {len(runs.coalitions)} combinations: exact Shapley values)")
        sampling = ""
    else:
        how = (f"the {n} levers are switched from {runs.b.name}'s values to {runs.a.name}'s one by one in "
               f"{len(runs.orders)} random orders ({len(runs.orders) // 2} drawn with a fixed seed, each "
               f"with its reverse), which pass through {len(runs.coalitions)} of the {2 ** n} combinations; "
               "a lever's contribution is its mean over the orders (sampled Shapley values)")
        worst = float(table.loc[table["role"] == "lever", "sampling_error"].max())
        sampling = (f" The orders add a sampling error to each contribution (at most {worst:.2g} in its "
                    "unit, one standard error; per lever in the JSON).")
    interval = (f", with a 95% bootstrap interval over the {seeds} seeds" if seeds > 1
                else " (one seed: no interval)")
    return (f"How: {how}, on the same {seeds} seed{'s' if seeds > 1 else ''} "
            f"({runs.seeds[0]}..{runs.seeds[-1]}; common random numbers), {runs.runs} runs. A contribution "
            f"is the mean over the seeds of the lever's Shapley value{interval}. The contributions add up to "
            f"the difference seed by seed (the largest miss over all metrics: {miss:.1g}, floating-point "
            "rounding); rounded as shown they may miss it in the last digit." + sampling
            + (f" {runs.note}" if runs.note else ""))


def sentences(runs: CoalitionRuns, table: pd.DataFrame) -> list[str]:
    """Return the decomposition in sentences: what differs, one sentence per metric, and how."""
    listed = "; ".join(lever_words(lv) for lv in runs.levers)
    intro = (f"{runs.a.name} against {runs.b.name}: they differ in {len(runs.levers)} "
             f"lever{'s' if len(runs.levers) > 1 else ''}: {listed}.")
    body = [metric_sentence(runs, table, m) for m in dict.fromkeys(table["metric"])]
    return [intro, *body, method_sentence(runs, table)]


def top_contributions(runs: CoalitionRuns, table: pd.DataFrame, metric: str = "final_active",
                      k: int = 3) -> list[str]:
    """Return the ``k`` largest contributions to ``metric`` as short sentences for the story
    page and the dashboard, e.g. "who runs it (members, not vendor): 50 more active members at
    week 260" (with the interval when there are several seeds)."""
    fixed, levers = _rows(table, metric)
    if not levers or fixed["total"]["n"] == 0:
        return []
    d = decimals([r["mean"] for r in levers], fixed["total"]["unit"])
    by_name = {lv.name: lv for lv in runs.levers}
    name = metric_name(metric, runs.weeks).lower()
    unit = " points" if fixed["total"]["unit"] == "points" else ""
    out = []
    for r in sorted(levers, key=lambda r: -abs(r["mean"]))[:k]:
        out.append(f"{lever_words(by_name[r['lever']])}: {signed(r['mean'], d)}{unit} in {name}"
                   f"{_span(r, d)}")
    return out


def payload(runs: CoalitionRuns, table: pd.DataFrame, metadata: Mapping[str, Any]) -> dict[str, Any]:
    """Return the decomposition as a JSON-ready dict: settings and versions, the levers, the
    method, the sentences and the table (one record per metric and role)."""
    return {
        **dict(metadata),
        "levers": [{"name": lv.name, "kind": lv.kind, "value": lv.value, "baseline": lv.baseline,
                    "words": lv.words, "why": lv.why} for lv in runs.levers],
        "method": "exact" if runs.orders is None else "sampled",
        "orders": None if runs.orders is None else [list(o) for o in runs.orders],
        "coalitions": [sorted(c) for c in runs.coalitions],
        "runs": runs.runs,
        **({"note": runs.note} if runs.note else {}),
        "residuals": {m: residual(table, m) for m in dict.fromkeys(table["metric"])},
        "sentences": sentences(runs, table),
        "table": table.to_dict(orient="records"),
    }


def plot_contributions(runs: CoalitionRuns, table: pd.DataFrame, path: Path) -> Path:
    """Draw each metric's contributions (bars with 95% intervals, the difference as a line) in
    one panel per metric and save a PNG at ``path``; return the path."""
    from simcomm.report.plots import new_figure, save_figure

    metrics = list(dict.fromkeys(table["metric"]))
    cols = 3
    rows = math.ceil(len(metrics) / cols)
    fig, _ = new_figure()
    fig.clear()
    fig.set_size_inches(13, 2.2 + 0.35 * len(runs.levers) * rows)
    names = [lv.words for lv in runs.levers]
    for j, m in enumerate(metrics):
        ax = fig.add_subplot(rows, cols, j + 1)
        fixed, levers = _rows(table, m)
        ys = list(range(len(levers)))[::-1]
        for y, r in zip(ys, levers, strict=True):
            ax.barh(y, r["mean"], color="#4c72b0" if r["mean"] >= 0 else "#c44e52")
            if r["low"] is not None and math.isfinite(float(r["low"])):
                ax.plot([r["low"], r["high"]], [y, y], color="black", lw=1)
        ax.axvline(fixed["total"]["mean"], color="black", ls="--", lw=1)
        ax.axvline(0, color="grey", lw=0.5)
        ax.set_yticks(ys, names if j % cols == 0 else [""] * len(ys), fontsize=7)
        unit = fixed["total"]["unit"]
        ax.set_title(f"{metric_name(m, runs.weeks)} ({unit})", fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
    fig.suptitle(f"{runs.a.name} against {runs.b.name}: each lever's contribution (dashed: the difference)",
                 fontsize=10)
    return save_figure(fig, path)


def write_decomposition(runs: CoalitionRuns, table: pd.DataFrame, out_dir: Path,
                        metadata: Mapping[str, Any]) -> list[Path]:
    """Write ``decomposition.json`` (:func:`payload`), ``contributions.csv`` (the table),
    ``coalitions.parquet`` / ``.csv`` (every run's measures, one row per seed x combination,
    with a column per lever saying whether it had A's value) and ``contributions.png`` into
    ``out_dir`` (:data:`DECOMPOSE_FILES`, through :func:`simcomm.runs.output_set.staged_output`:
    all or nothing); return the paths written."""
    from simcomm.runs.files import absolute_out, write_json, writing_into
    from simcomm.runs.output_set import staged_output

    out_dir = absolute_out(out_dir)
    values = runs.values.copy()
    for i, lv in enumerate(runs.levers):
        values[f"has:{lv.name}"] = [i in runs.coalitions[k] for k in values["coalition"]]
    with staged_output(out_dir, about={"command": "explain --against", **dict(metadata)}) as stage, \
            writing_into(out_dir):
        write_json(stage / "decomposition.json", payload(runs, table, metadata))
        table.to_csv(stage / "contributions.csv", index=False)
        values.to_parquet(stage / "coalitions.parquet", engine="pyarrow", index=False)
        values.to_csv(stage / "coalitions.csv", index=False)
        plot_contributions(runs, table, stage / "contributions.png")
    return [out_dir / n for n in DECOMPOSE_FILES]

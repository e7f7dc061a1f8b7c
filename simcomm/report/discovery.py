"""Scenario discovery in words, a figure and files (``simcomm discover``).

Built from :class:`simcomm.runs.discovery.DiscoveryRuns`, the cases of
:mod:`simcomm.analysis.discovery` and the boxes PRIM found: one plain sentence per box (where
the outcome happens, how often there, how much of it the box holds, and how it compares with
chance), the peeling trajectories (coverage against density) and JSON, CSV and Parquet files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from simcomm.analysis.discovery import (
    FAILS,
    HOLDS,
    OPERATOR_WORDS,
    TIES,
    Box,
    Condition,
    as_good,
)
from simcomm.core.metric_registry import metric as registered
from simcomm.runs.discovery import DiscoveryRuns

EXPECTED_WORDS = {1: "higher", -1: "lower"}
#: The files ``simcomm discover --out DIR`` writes (checked before anything runs).
DISCOVER_FILES = ("discovery.json", "boxes.csv", "boxes.parquet", "cases.csv", "cases.parquet",
                  "runs.parquet", "design.csv", "peeling.png")


def _number(value: float, share: bool) -> str:
    return f"{100 * value:g}%" if share else f"{value:g}"


def outcome_words(runs: DiscoveryRuns, metric: str, condition: Condition) -> tuple[str, str]:
    """Return what a case is, in words, short and in full (the full text "" when the short one
    says it all): ("staff-churn's community had died by the horizon", ""), ("organic-lasts holds",
    "weeks the community lived higher with governance = organic than with vendor-imposed, on the
    same seed"), ("active members at the horizon in vendor-imposed was below 100", "")."""
    spec = registered(metric)
    phrase = spec.phrase.split(" (")[0]
    claim = runs.target.claim
    if claim is None:
        if metric in ("survival", "alive_at_end") and condition.op == "==" and condition.value in (0, 1):
            state = "had died by the horizon" if condition.value == 0 else "was still alive at the horizon"
            return f"{runs.target.name}'s community {state}", ""
        return (f"{phrase} in {runs.target.name} was {OPERATOR_WORDS[condition.op]} "
                f"{_number(condition.value, spec.share)}"), ""
    same = "on the same seed"
    if claim.direction == 0:
        base = (f"{phrase} within {100 * claim.tolerance:g}% whether {claim.lever} is {claim.with_} or "
                f"{claim.without}, {same}")
    else:
        base = (f"{phrase} {EXPECTED_WORDS[claim.direction]} with {claim.lever} = {claim.with_} than with "
                f"{claim.without}, {same}")
    if condition.verdict == HOLDS:
        return f"{claim.key} holds", base
    if condition.verdict == FAILS:
        return f"{claim.key} fails", f"the opposite of: {base}"
    if condition.verdict == TIES:
        return f"{claim.key} ties", (f"{phrase} the same with {claim.lever} = {claim.with_} and "
                                     f"{claim.without}, {same}")
    return (f"the paired effect on {phrase} ({claim.lever} {claim.with_} minus {claim.without}, {same}) was "
            f"{OPERATOR_WORDS[condition.op]} {_number(condition.value, spec.share)}"), ""


def box_sentence(box: Box, cases: pd.DataFrame, what: str, unit: str, null: Sequence[tuple[float, float]],
                 paired: bool) -> str:
    """Return one box in a plain sentence: where ``what`` happens, in what share of the ``unit``
    (runs or paired runs) there, against everywhere, how much of it the box holds, the tie
    share (pairs) and the chance check against the shuffled outcomes' boxes ``null``."""
    total, k_all = len(cases), int(cases["case"].sum())
    text = (f"Box {box.number}: {what} in {100 * box.density:.0f}% of the {unit} where {box.limits} "
            f"({box.k} of {box.n}, against {100 * k_all / total:.0f}% of all {total}); that box holds "
            f"{100 * box.coverage:.0f}% of all such {unit} ({box.k} of {k_all}).")
    if paired and "verdict" in cases:
        inside = cases.loc[box_members(box, cases), "verdict"]
        if len(inside):
            text += f" Ties in the box: {100 * (inside == TIES).mean():.0f}% (never counted as failures)."
    if null:
        hits = as_good(box, list(null))
        verdict = "not told apart from chance" if hits else "none did"
        text += (f" Outcomes shuffled among the points gave a box as good (as dense, covering as much) in "
                 f"{hits} of {len(null)} tries: {verdict}.")
    return text


def box_members(box: Box, cases: pd.DataFrame) -> pd.Series:
    """Return, per row of ``cases``, whether its assumptions fall in ``box`` (limits included)."""
    inside = pd.Series(True, index=cases.index)
    for r in box.restrictions:
        inside &= cases[r.name].between(r.low, r.high)
    return inside


def boxes_table(boxes: Sequence[Box], null: Sequence[tuple[float, float]]) -> pd.DataFrame:
    """Return one row per box and restricted dimension: box, coverage, density, mass, n, k,
    restricted dimensions, the dimension, its limits and range (parameter units), its quasi-p
    value and the shuffles matching the box."""
    rows = []
    for b in boxes:
        common = {"box": b.number, "coverage": b.coverage, "density": b.density, "mass": b.mass, "n": b.n,
                  "k": b.k, "restricted_dimensions": len(b.restrictions),
                  "shuffles_as_good": as_good(b, list(null)) if null else None, "shuffles": len(null)}
        for r in b.restrictions or [None]:
            rows.append(common | ({"dimension": None} if r is None else {
                "dimension": r.name, "low": r.low, "high": r.high, "range_low": r.range_low,
                "range_high": r.range_high, "qp": r.qp}))
    columns = ["box", "coverage", "density", "mass", "n", "k", "restricted_dimensions", "shuffles_as_good",
               "shuffles", "dimension", "low", "high", "range_low", "range_high", "qp"]
    return pd.DataFrame(rows, columns=columns)


def payload(runs: DiscoveryRuns, cases: pd.DataFrame, boxes: Sequence[Box],
            null: Sequence[tuple[float, float]], sentences: Sequence[str],
            metadata: Mapping[str, Any]) -> dict[str, Any]:
    """Return the discovery as a JSON-ready dict: settings, seeds and versions (``metadata``),
    the hypercube's dimensions and ranges, the outcome, each box with its limits, and the
    sentences."""
    return {
        **dict(metadata),
        "dimensions": {n: [float(runs.design[n].min()), float(runs.design[n].max())] for n in runs.names},
        "cases": int(cases["case"].sum()), "rows": len(cases),
        "verdicts": cases["verdict"].value_counts().to_dict() if "verdict" in cases else None,
        "boxes": [{"box": b.number, "coverage": b.coverage, "density": b.density, "mass": b.mass,
                   "n": b.n, "k": b.k, "restricted_dimensions": len(b.restrictions),
                   "limits": {r.name: {"low": r.low, "high": r.high, "qp": r.qp} for r in b.restrictions},
                   "shuffles_as_good": as_good(b, list(null)) if null else None,
                   "trajectory": b.trajectory.to_dict(orient="records")} for b in boxes],
        "shuffled_boxes": [{"coverage": c, "density": d} for c, d in null],
        "sentences": list(sentences),
    }


def plot_trajectories(boxes: Sequence[Box], null: Sequence[tuple[float, float]], title: str,
                      path: Path) -> Path:
    """Draw each box's peeling trajectory (coverage against density, coloured by the number of
    restricted dimensions), the box kept (a ring) and where it ended after its weak limits were
    dropped (a cross), and the shuffled outcomes' boxes (grey dots); save a PNG at ``path``."""
    from simcomm.report.plots import new_figure, save_figure

    fig, ax = new_figure()
    dims = [int(d) for b in boxes for d in b.trajectory["res_dim"]]
    top = max(dims, default=1) or 1
    for b in boxes:
        t = b.trajectory
        ax.plot(t["coverage"], t["density"], color="#bbbbbb", lw=0.8, zorder=1)
        points = ax.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", vmin=0, vmax=top,
                            s=16, zorder=2)
        kept = t[t["chosen"]]
        ax.scatter(kept["coverage"], kept["density"], s=90, facecolors="none", edgecolors="black", zorder=3)
        ax.scatter([b.coverage], [b.density], marker="x", s=70, color="#c44e52", zorder=4)
        ax.annotate(f"box {b.number}", (b.coverage, b.density), textcoords="offset points", xytext=(6, -10),
                    fontsize=8)
    if boxes:
        fig.colorbar(points, ax=ax, label="restricted dimensions")
    if null:
        ax.scatter([c for c, _ in null], [d for _, d in null], s=14, color="#888888", marker="s",
                   label="first box on shuffled outcomes", zorder=2)
        ax.legend(fontsize=8, loc="lower left")
    ax.set_xlabel("coverage (share of all cases in the box)")
    ax.set_ylabel("density (share of the box's runs that are cases)")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_title(title + "\n(ring: box kept; cross: after limits with quasi-p > 0.05 were dropped)",
                 fontsize=9)
    return save_figure(fig, path)


def write_discovery(runs: DiscoveryRuns, cases: pd.DataFrame, boxes: Sequence[Box],
                    null: Sequence[tuple[float, float]], sentences: Sequence[str],
                    metadata: Mapping[str, Any], title: str, out_dir: Path) -> list[Path]:
    """Write ``discovery.json`` (:func:`payload`), ``boxes.csv`` / ``.parquet``
    (:func:`boxes_table`), ``cases.csv`` / ``.parquet`` (one row per run or pair: the
    assumptions, the value, the verdict, whether a case), ``runs.parquet`` (every run's
    measures), ``design.csv`` and ``peeling.png`` into ``out_dir`` (:data:`DISCOVER_FILES`,
    through :func:`simcomm.runs.output_set.staged_output`: all or nothing); return the paths
    written."""
    from simcomm.runs.files import absolute_out, write_json, writing_into
    from simcomm.runs.output_set import staged_output

    out_dir = absolute_out(out_dir)
    table = boxes_table(boxes, null)
    with staged_output(out_dir, about={"command": "discover", **dict(metadata)}) as stage, \
            writing_into(out_dir):
        write_json(stage / "discovery.json", payload(runs, cases, boxes, null, sentences, metadata))
        table.to_csv(stage / "boxes.csv", index=False)
        table.to_parquet(stage / "boxes.parquet", engine="pyarrow", index=False)
        cases.to_csv(stage / "cases.csv", index=False)
        cases.to_parquet(stage / "cases.parquet", engine="pyarrow", index=False)
        runs.values.to_parquet(stage / "runs.parquet", engine="pyarrow", index=False)
        runs.design.to_csv(stage / "design.csv", index=False)
        plot_trajectories(boxes, null, title, stage / "peeling.png")
    return [out_dir / n for n in DISCOVER_FILES]

"""The claims page (docs/claims.md), its figure and its JSON: what the essays say, what simcomm finds.

Built from :func:`simcomm.analysis.claims.claim_table` (effects at the defaults) and
:func:`simcomm.analysis.claims.robustness_table` (where in the assumptions' space each holds).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simcomm.analysis.claims import AGREES, DISAGREES, INCONCLUSIVE, Robustness
from simcomm.core.metric_registry import metric
from simcomm.runs.channel_claims import ChannelClaim, is_channel_claim
from simcomm.runs.claims import Claim

SEEDS_DIR = "seeds"  # the essays' citation label; docs/essays.md names them
VERDICT_COLOURS = {AGREES: "#1b7837", DISAGREES: "#b2182b", INCONCLUSIVE: "#878787"}
EXPECTED = {1: "rises", -1: "falls", 0: "hardly moves"}


def verdict_counts(counts: Mapping[str, int]) -> str:
    """Return how many claims agree, disagree and are inconclusive, each verb in the number of
    its count: "13 agree, 1 disagrees, 7 inconclusive"."""
    agree, disagree = counts.get(AGREES, 0), counts.get(DISAGREES, 0)
    return (f"{agree} {'agrees' if agree == 1 else 'agree'}, {disagree} "
            f"{'disagrees' if disagree == 1 else 'disagree'}, {counts.get(INCONCLUSIVE, 0)} inconclusive")


def headline_counts(claims: Sequence[Claim], table: pd.DataFrame) -> str:
    """Return the verdicts counted apart for emergent claims (findings: the runs decide the sign)
    and built-in ones (checks: a formula fixes the sign), e.g. "emergent: 3 agree, 3 disagree,
    7 inconclusive (of 13); built-in checks: 10 agree, 0 disagree, 0 inconclusive (of 10)"."""
    by_key = table.set_index("claim")["verdict"]
    parts = []
    for label, group in (("emergent", [c for c in claims if not c.built_in]),
                         ("built-in checks", [c for c in claims if c.built_in])):
        if group:
            counts = pd.Series([by_key[c.key] for c in group]).value_counts()
            parts.append(f"{label}: {verdict_counts(counts)} (of {len(group)})")
    return "; ".join(parts)


def sign_text(claim: Claim | ChannelClaim) -> str:
    """Return whether the claim's sign is built in (naming the formula) or emergent, and for a
    channel claim the assumption its answer rests on."""
    text = f"built in: {claim.built_in}" if claim.built_in else "emergent"
    rests = claim.rests_on if is_channel_claim(claim) else ""
    return f"{text}; rests on {rests}" if rests else text


def held_text(claim: Claim | ChannelClaim, robust: Mapping[str, Robustness]) -> tuple[str, str]:
    """Return the claim's "holds in" and "where it holds most" cells (:func:`robustness_text`; a
    channel claim is tested at the defaults only)."""
    if is_channel_claim(claim):
        return "not run: a channel claim is tested at the defaults only", "—"
    return robustness_text(robust.get(claim.key))


def _num(x: float, share: bool, signed: bool = False) -> str:
    """Return a metric value as text: shares in percent (differences in points), counts rounded."""
    if x is None or not math.isfinite(x):
        return "—"
    sign = "+" if signed and x > 0 else ""
    if share:
        return f"{sign}{100 * x:.1f} pts" if signed else f"{100 * x:.0f}%"
    if abs(x) >= 100 or float(x).is_integer():
        return f"{sign}{x:,.0f}"
    return f"{sign}{x:.3g}" if abs(x) < 1 else f"{sign}{x:.1f}"


def effect_text(row: Mapping[str, Any]) -> str:
    """Return the effect with its 95% interval in the metric's unit, e.g. ``-81 [-148, -13]``
    or ``+3.2 pts [+1.0, +5.4]``; a single seed gives no interval."""
    share = metric(row["metric"]).share
    main = _num(row["effect"], share, signed=True)
    if not (math.isfinite(row["low"]) and math.isfinite(row["high"])):
        return main
    if share:
        return f"{main} [{100 * row['low']:+.1f}, {100 * row['high']:+.1f}]"
    return f"{main} [{_num(row['low'], False, True)}, {_num(row['high'], False, True)}]"


def robustness_text(r: Robustness | None) -> tuple[str, str]:
    """Return (where the claim's direction holds: holds / ties / fails over the points, the share
    of the points that do not tie, its kind; where it holds most: PRIM's first box) as text."""
    if r is None or r.points == 0:
        return "not run", "—"
    measure = f" ({metric(r.measure).phrase.split(' (')[0]})" if r.measure else ""
    counts = f"holds at {r.holds}, ties at {r.ties}, fails at {r.fails} of {r.points} points{measure}"
    if r.decided:
        share = (f"{counts}: {100 * r.share:.0f}% [{100 * r.low:.0f}, {100 * r.high:.0f}] of those that "
                 f"differ ({r.kind})")
    else:
        share = f"{counts} (all ties: the lever changed nothing)"
    if not r.boxes:
        where = ("none (it holds in no pair of runs)" if r.pairs_holding == 0 else
                 "everywhere (it holds in every pair of runs)" if r.pairs_holding == r.pairs
                 else "no box (no limit with quasi-p at most 0.05)")
        return share, where
    b = r.boxes[0]
    chance = ""
    if r.shuffles_as_good is not None:
        chance = (f"; shuffled outcomes matched it in {r.shuffles_as_good} of {r.shuffles}"
                  + (": not told apart from chance" if r.shuffles_as_good else ""))
    return share, (f"{b.limits}: holds in {100 * b.density:.0f}% of its {b.n} pairs of runs (against "
                   f"{100 * r.pairs_holding / r.pairs:.0f}% overall), {100 * b.coverage:.0f}% of all pairs "
                   f"that hold{chance}")


def claims_json(claims: Sequence[Claim], table: pd.DataFrame, robust: Mapping[str, Robustness],
                settings: Mapping[str, Any]) -> dict[str, Any]:
    """Return the whole result as a JSON-ready dict: settings (seeds, replicates, weeks,
    versions) and one entry per claim (contrast, metric, effect with interval, verdict,
    robustness)."""
    rows = []
    by_key = table.set_index("claim")
    for c in claims:
        t = by_key.loc[c.key]
        r = robust.get(c.key)

        def num(x: Any) -> float | None:
            return float(x) if x is not None and math.isfinite(float(x)) else None
        rows.append({
            "claim": c.key, "seed": c.seed, "passage": c.passage, "statement": c.statement,
            "scenario": c.scenario, "lever": c.lever, "without": c.without, "with": c.with_,
            "setting": dict(c.setting), "metric": c.metric, "metric_label": metric(c.metric).phrase,
            "expected": EXPECTED[c.direction], "mean_without": num(t["without"]), "mean_with": num(t["with"]),
            "effect": num(t["effect"]), "ci95": [num(t["low"]), num(t["high"])], "seeds": int(t["n"]),
            "verdict": t["verdict"], "sign": "built in" if c.built_in else "emergent",
            "built_in_formula": c.built_in or None, "mechanism": c.mechanism,
            "why": c.why if t["verdict"] != AGREES else "",
            "robustness": None if r is None or r.points == 0 else {
                "points": r.points, "measure": r.measure, "holds": r.holds, "ties": r.ties, "fails": r.fails,
                "share_holding_of_points_that_differ": num(r.share), "ci95": [num(r.low), num(r.high)],
                "tie_share": num(r.tie_share), "kind": r.kind, "pairs": r.pairs,
                "pairs_holding": r.pairs_holding,
                "boxes": [{"coverage": b.coverage, "density": b.density, "n": b.n, "k": b.k,
                           "limits": {x.name: {"low": x.low, "high": x.high, "qp": num(x.qp)}
                                      for x in b.restrictions}} for b in r.boxes],
                "shuffles": r.shuffles, "shuffles_as_good": r.shuffles_as_good},
        })
    return {"settings": dict(settings), "claims": rows}


def plot_claims(claims: Sequence[Claim], table: pd.DataFrame, path: Path) -> Path:
    """Draw each claim's effect at the defaults as a share of its without arm (dot and 95%
    interval, coloured by verdict; an arrow for the direction the essay expects) and save it
    as PNG at ``path``; return the path."""
    from simcomm.report.plots import new_figure, save_figure

    fig, ax = new_figure()
    fig.set_size_inches(9.0, 0.42 * len(claims) + 1.6)
    by_key = table.set_index("claim")
    ys = np.arange(len(claims))[::-1]
    for y, c in zip(ys, claims, strict=True):
        t = by_key.loc[c.key]
        base = abs(t["without"]) if t["without"] else math.nan
        mid, lo, hi = (100 * t[k] / base for k in ("effect", "low", "high"))
        colour = VERDICT_COLOURS[t["verdict"]]
        if math.isfinite(mid):
            if math.isfinite(lo) and math.isfinite(hi):
                ax.plot([lo, hi], [y, y], color=colour, lw=2)
            ax.plot([mid], [y], "o", color=colour)
        arrow = {1: "\u2192", -1: "\u2190", 0: "\u2194"}[c.direction]
        ax.annotate(arrow, xy=(1.005, y), xycoords=("axes fraction", "data"), va="center", fontsize=11)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(ys, [f"{c.key} ({metric(c.metric).phrase})" for c in claims], fontsize=8)
    ax.set_xlabel("effect of the lever, % of the without arm's mean (95% interval)")
    ax.set_title("The essays' claims at the defaults: green agrees, red disagrees, grey inconclusive\n"
                 "(arrow at the right: the direction the essay expects)", fontsize=10)
    ax.set_xscale("symlog", linthresh=10)
    return save_figure(fig, path)


def claims_markdown(claims: Sequence[Claim], table: pd.DataFrame, robust: Mapping[str, Robustness],
                    settings: Mapping[str, Any], figure: str | None = None) -> str:
    """Return the claims page as Markdown: how to regenerate it, how to read it, the summary
    figure, the table, where the model disagrees with the essays and why, and each claim's
    passage."""
    by_key = table.set_index("claim")
    s = settings
    lines = [
        "# Claims: what the essays say, and what simcomm finds",
        "",
        "Regenerate this page (and its figure) with one command:",
        "",
        f"    {s['command']}",
        "",
        f"simcomm {s['version']}, mesa {s['mesa']}; {s['replicates']} paired seeds per claim at the "
        f"defaults ({s.get('survival_replicates', s['replicates'])} for claims on survival; base seed "
        f"{s['seed']}), {s['weeks']} weeks, {s['partners']:,} partners; robustness: "
        f"{s['points']} points of a Latin hypercube over the {s['assumptions']} assumptions, "
        f"{s['point_replicates']} paired seeds per point.",
        "",
        *([f"Claims {s['updated']['claims']} were added to the page's stored runs of the others with "
           f"`{s['updated']['command']}` ({s['updated']['version']}; the same settings and seeds); the "
           "command above runs them all again.", ""] if s.get("updated") else []),
        "## How to read it",
        "",
        "- Each row is one thing a seed essay (`" + SEEDS_DIR + "/000` to `" + SEEDS_DIR + "/004`, named "
        "with their titles and passages in docs/essays.md) or MODEL.md's stylized facts (the model "
        "brief, docs/model-brief.md) say, "
        "written as a **controlled contrast**: one scenario, one lever set to two values (*without* "
        "and *with* what the essay recommends or warns against), everything else equal. Both arms "
        "run on the same seeds, so on common random numbers: each partner draws the same numbers "
        "in both, and the difference is the lever's.",
        "- **Effect**: the mean over seeds of the paired difference (with minus without) in the "
        "metric's unit (shares in percentage points), with a 95% percentile-bootstrap interval of "
        "that mean, which stays within the metric's bounds.",
        "- **Verdict**: *agrees* when the interval excludes zero on the side the essay expects, "
        "*disagrees* when it excludes zero on the other side, *inconclusive* otherwise. A claim "
        "that a metric hardly moves agrees when the interval lies within 10% of the without arm.",
        "- **Holds in**: over a Latin hypercube of the assumptions' plausible space (each parameter "
        "whose source is an assumption, half to twice its default unless `simcomm/core/params.py` "
        "states a range), at how many points the claim's direction *holds* (the point's mean paired "
        "effect points the way the essay expects), *ties* (it is exactly zero: for survival, both arms "
        "alive at the horizon on every seed) or *fails*. A tie is never counted as a failure: the share "
        "(with a Wilson interval) is of the points that do not tie, *robust* at 90% or more, *mostly* "
        "70-90%, *knife-edge* 30-70%, *rarely* below 30%. Survival is judged on weeks alive (a "
        "community that lived longer counts for more), so a closure in week 200 against none is not a "
        f"tie. A point's verdict is the sign of the mean of its {s['point_replicates']} paired effects, so "
        "for a small effect each point's verdict is noisy and noise counts against the claim at that "
        "point; the share is over points (more points narrow its interval more than more seeds per "
        "point would, and PRIM needs points), and a claim's size is judged at the defaults, on the "
        "seeds named in its row.",
        "- **Where it holds most**: the first box PRIM (Friedman & Fisher 1999, the EMA Workbench's) "
        "finds in the pairs of runs where the claim holds: its limits, its density (the share of its "
        "pairs that hold) and coverage (its share of all pairs that hold), each limit kept only with a "
        "quasi-p value at most 0.05; outcomes shuffled among the points say how often chance finds a "
        "box as good. With a few dozen points over some 80 assumptions, a box that chance matches is a "
        "hint, not a finding; `simcomm discover CLAIM --params ...` looks closer.",
        "- A **channel claim** (seed 000's, issue 24) contrasts two channel files instead of one lever: "
        "several communities over one population of partners, the same partners, needs and ties in "
        "both arms seed by seed, measured as `simcomm compare` measures channels (at the defaults only: "
        "the hypercube varies one community's assumptions). Its *sign* cell also names the assumption "
        "its answer rests on.",
        "- A result is a finding of the model, not of the world: it holds under the model's "
        "mechanisms and assumptions, which the *mechanism* column names.",
        "",
        f"**At the defaults: {headline_counts(claims, table)}.** Emergent claims are findings of the "
        "model (nothing in it fixes their sign); built-in ones are checks that the rest of the model "
        "does not undo a formula that fixes the sign (the *sign* column names it): only their size "
        "comes from the runs.",
        "",
    ]
    if figure:
        lines += [f"![effects of the claims' levers]({figure})", ""]
    lines += ["| # | claim | seed | contrast | metric (expected) | sign | without | with "
              "| effect [95% CI], n | verdict | holds in | where it holds most |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for i, c in enumerate(claims, start=1):
        t = by_key.loc[c.key]
        m = metric(c.metric)
        held, decider = held_text(c, robust)
        verdict = t["verdict"] if t["verdict"] == AGREES else f"**{t['verdict']}**"
        lines.append(
            f"| {i} | {c.statement} | {c.seed} | `{c.contrast()}` | {m.phrase} ({EXPECTED[c.direction]}) "
            f"| {sign_text(c)} | {_num(t['without'], m.share)} | {_num(t['with'], m.share)} "
            f"| {effect_text(t)}, n = {int(t['n'])} | {verdict} | {held} | {decider} |")
    lines += ["", "## Where the model does not agree with the essays, and why", ""]
    off = [c for c in claims if by_key.loc[c.key, "verdict"] != AGREES]
    if not off:
        lines.append("Every claim agrees at the defaults.")
    for c in off:
        t = by_key.loc[c.key]
        lines += [f"**{c.key}** ({t['verdict']}; {effect_text(t)} in {metric(c.metric).phrase}). "
                  f"{c.why or 'No explanation recorded.'} *Mechanism:* {c.mechanism}", ""]
    lines += ["## The claims and their passages", ""]
    for i, c in enumerate(claims, start=1):
        where = "MODEL.md" if c.seed == "MODEL.md" else f"{SEEDS_DIR}/{c.seed}"
        lines += [f"{i}. **{c.key}** — {c.statement} ({where}: \u201c{c.passage}\u201d) "
                  f"*Mechanism:* {c.mechanism}", ""]
    return "\n".join(lines).rstrip() + "\n"


CLAIMS_FILES = ("claims.png", "claims.json", "contrasts.csv", "robustness_design.csv", "robustness.csv")


def write_claims_report(claims: Sequence[Claim], table: pd.DataFrame, robust: Mapping[str, Robustness],
                        settings: Mapping[str, Any], values: pd.DataFrame, path: Path,
                        robustness_values: pd.DataFrame | None = None,
                        design: pd.DataFrame | None = None) -> list[Path]:
    """Write the Markdown page at ``path`` and, in a folder named after it (``docs/claims.md``
    -> ``docs/claims/``): the figure, ``claims.json`` (settings and results), the per-seed
    values (``contrasts.csv``) and, when run, the robustness design and values. The folder is
    replaced as a whole, then the page; when writing fails neither is replaced. Returns the
    paths written."""
    from simcomm.runs.files import (
        OutputError,
        absolute_out,
        output_error,
        staged_file,
        write_json,
        writing_into,
    )
    from simcomm.runs.output_set import staged_output

    path = absolute_out(path)
    folder = path.with_suffix("")
    try:
        with staged_file(path) as page:
            about = {"command": "claims", **settings}
            with staged_output(folder, about=about) as stage, writing_into(folder):
                plot_claims(claims, table, stage / "claims.png")
                write_json(stage / "claims.json", claims_json(claims, table, robust, settings))
                values.to_csv(stage / "contrasts.csv", index=False)
                if robustness_values is not None and design is not None and len(design):
                    design.assign(point=np.arange(1, len(design) + 1)).to_csv(
                        stage / "robustness_design.csv", index=False)
                    robustness_values.to_csv(stage / "robustness.csv", index=False)
                names = sorted(p.name for p in stage.iterdir())
            page.write_text(claims_markdown(claims, table, robust, settings, f"{folder.name}/claims.png"),
                            encoding="utf-8")
    except OutputError:
        raise
    except OSError as exc:
        raise output_error(path, exc) from None
    return [*(folder / n for n in names), path]

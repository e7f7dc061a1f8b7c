"""The answer ``compare`` prints: the table under readable names, the answer in a few sentences
(what changed, by how much, how sure) and the effects of a varied parameter, all by the one
significance rule; names and numbers from :mod:`simcomm.report.text`."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from simcomm.core.metric_registry import ALIVE, COUNTED
from simcomm.report.text import (
    RETENTION_NOTE,
    UNIT_WORDS,
    amount_text,
    chance_text,
    change_text,
    counted,
    difference_decimals,
    metric_name,
    no_value_why,
    number_text,
    row_decimals,
    rule_footnote,
    shown_value,
)

if TYPE_CHECKING:  # the tables are pandas frames; imported only when used (a light CLI start-up)
    import pandas as pd


# ---- compare: the table ----------------------------------------------------------------------
def compare_heading(version: str, replicates: int, weeks: int, base: str = "", what: str = "") -> str:
    """Return compare's first line: the version, the seeded runs each arm got, the weeks and the
    shared settings, e.g. ``simcomm 0.1.0: channels, 20 seeded runs each (seeds 0..19), 260 weeks``
    (``what`` names the kind of arm: empty for single communities)."""
    runs = (f"{replicates} seeded runs each (seeds 0..{replicates - 1})" if replicates > 1
            else "1 run each (seed 0)")
    return f"simcomm {version}: " + (f"{what}, " if what else "") + f"{runs}, {weeks} weeks" + (
        f", set: {base}" if base else "")


def _cell(row: Mapping[str, Any], decimals: int) -> str:
    """Return one table cell: "251 [199, 308]", "56% [54%, 58%]", "13 of 20 [42%, 81%]" or "—"."""
    unit = row["unit"]
    n = int(row["n"])
    if n == 0 or not math.isfinite(row["mean"]):
        return "—"
    if row["metric"] in COUNTED:
        text = f"{int(row['count'])} of {n}"
    else:
        text = number_text(row["mean"], unit, decimals)
    if math.isfinite(row["ci_low"]):
        low, high = (number_text(row[k], unit, decimals) for k in ("ci_low", "ci_high"))
        text += f" [{low}, {high}]"
    return text


def format_comparison_table(table: pd.DataFrame, weeks: int) -> str:
    """Return ``table`` (from :func:`simcomm.analysis.statistics.headline_table`) as plain text.

    One row per metric under its readable name (:func:`metric_name`), one column per label:
    mean [95% interval] in the metric's unit (shares as percentages; the share of runs alive as
    "k of n" with its Wilson interval), "—" where no run has a value (a footnote says why),
    "(k runs)" where only k runs have one, and ``*`` where the label differs from the baseline
    under the one significance rule. Ends with footnotes: what a value is, what ``*`` means,
    why a cell is empty, what retention counts. ``weeks`` is the horizon, in weeks.
    """
    labels = list(dict.fromkeys(table["label"]))
    metrics = list(dict.fromkeys(table["metric"]))
    base = str(table["baseline"].iloc[0]) if len(table) else ""
    runs = table.groupby("label", sort=False)["n"].max()
    keyed = max(len(lab) for lab in labels) > 24  # long labels: columns A, B, ... and a key
    names = {lab: (chr(ord("A") + i) if keyed else lab) for i, lab in enumerate(labels)}
    same_runs = runs.nunique() == 1
    run_counts = {lab: "" if same_runs else f" ({counted(int(runs[lab]), 'run')})"
                  for lab in labels}
    header = ["metric", *[names[lab] + run_counts[lab] + (" (baseline)" if lab == base else "")
                          for lab in labels]]
    indexed = table.set_index(["metric", "label"])
    body: list[list[str]] = []
    empty: dict[str, list[str]] = {}  # metric -> the labels where no run has a value
    for metric in metrics:
        row = [metric_name(metric, weeks)]
        means = [indexed.loc[(metric, lab), "mean"] for lab in labels]
        unit = str(indexed.loc[(metric, labels[0]), "unit"])
        d = row_decimals(means)
        if unit == "share":
            d = 0
        elif unit in UNIT_WORDS and unit != "weeks":  # counts and week numbers: whole from 10 on
            d = 0 if d < 2 else 1
        for lab in labels:
            r = indexed.loc[(metric, lab)]
            cell = _cell({**r.to_dict(), "metric": metric}, d)
            if cell == "—":
                empty.setdefault(metric, []).append(names[lab])
            if 0 < r["n"] < runs[lab]:
                cell += f" ({counted(int(r['n']), 'run')})"
            cell += " *" if bool(r["significant"]) else "  "
            row.append(cell)
        body.append(row)
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        return "  ".join([first, *(c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))])

    family = int(table["family"].max()) if "family" in table and len(table) else 0
    rule = "-" * len(line(header))
    key = [f"{names[lab]}: {lab}" for lab in labels] if keyed else []
    each = f"the {int(runs.iloc[0])} runs of each" if same_runs else "the runs of each"
    notes = [f"Mean over {each} [95% interval: bootstrap over the runs; survival: Wilson interval "
             "for k of n runs]." + (" With fewer than 10 runs a bootstrap interval is too narrow: use "
                                    "--replicates 20 or more." if int(runs.min()) < 10 else "")]
    alpha = float(table["alpha"].iloc[0]) if "alpha" in table and len(table) else 0.05
    notes.append(rule_footnote(family, names.get(base, base), alpha) if family else
                 "* none: nothing could be compared (each needs at least 2 runs: --replicates).")
    notes += [f"— {metric_name(m, weeks)}: no run of {', '.join(where)} has a value: "
              f"{no_value_why(m, 'not measured in these runs')}." for m, where in empty.items()]
    if any(m.startswith(("retention", "settled_retention")) for m in metrics):
        notes.append(RETENTION_NOTE)
    import textwrap

    wrapped = [textwrap.fill(n, width=max(100, len(rule)), subsequent_indent="  ", break_on_hyphens=False)
               for n in notes]
    return "\n".join([*key, line(header), rule, *(line(r) for r in body), rule, *wrapped])


# ---- compare: the answer in sentences ---------------------------------------------------------
def _paramchange_text(d: Mapping[str, Any], reference: str) -> str:
    """Return one parameter difference in words: the lever's reason (the arm's own), else
    "name new instead of old (unit)"."""
    why = str(d.get("why") or "")
    name = str(d["parameter"])
    if name == "governance":
        return f"governance ({d['value']} instead of {d['baseline']})"
    if why and why != "varied with --vary" and not why.startswith(f"{reference}: "):
        return why
    from simcomm.core.params import SPECS

    unit = next((s.unit for s in SPECS if s.name == name), "")
    return f"{name.replace('_', ' ')} {shown_value(d['value'])} instead of {shown_value(d['baseline'])}" + (
        f" ({unit})" if unit and unit not in ("type", "share") else "")


def _listed(differences: Sequence[Mapping[str, Any]], reference: str) -> str:
    """Return parameter differences as one phrase, "a; b; and c" (at most four, then "n more")."""
    phrases = [_paramchange_text(d, reference) for d in differences]
    if len(phrases) > 4:
        phrases = [*phrases[:3], f"{len(phrases) - 3} more parameters (listed below the table)"]
    return ("; ".join(phrases[:-1]) + "; and " + phrases[-1]) if len(phrases) > 1 else "".join(phrases)


def _settings(differences: Sequence[Mapping[str, Any]]) -> tuple[str, str]:
    """Return how two arms of ``--vary`` are named in a sentence: ("roi target 3.0", "roi target
    1.0"), each varied parameter with its value in the arm and in the reference."""
    if not differences:
        return "the same parameters", "the same parameters"
    named = [(str(d["parameter"]).replace("_", " "), d) for d in differences]
    return (", ".join(f"{n} {shown_value(d['value'])}" for n, d in named),
            ", ".join(f"{n} {shown_value(d['baseline'])}" for n, d in named))


def what_changed(label: str, reference: str, differences: Sequence[Mapping[str, Any]],
                 scenario: str | None = None) -> str:
    """Return what differs between two compared arms as a phrase to follow "What changed", e.g.
    "from organic to staff-churn: governance (vendor-imposed instead of organic); and the manager
    leaves about every nine months" or, for a varied parameter within ``scenario``, "within
    vendor-imposed: staff turnover per year 1.33 instead of 0.33 (departures/manager/year)"."""
    listed = _listed(differences, reference) or "nothing (the same parameters)"
    if scenario is not None:
        return f"within {scenario}: {listed}"
    return f"from {reference} to {label}: {listed}"


def comparison_sentences(table: pd.DataFrame, family: pd.DataFrame,
                         pairs: Sequence[tuple[str, str, str | None]],
                         changes: Mapping[tuple[str, str], Sequence[Mapping[str, Any]]],
                         weeks: int, replicates: int,
                         metrics: Sequence[str] = ("final_active", "retention_52w", "retention_12w")
                         ) -> list[str]:
    """Return the answer of a comparison in 3-5 plain sentences: what changed, by how much, how sure.

    ``pairs`` are (label, reference, scenario) to tell: each scenario against the baseline
    (scenario None) or, with ``--vary``, each varied value against the first within its
    scenario. ``table`` is :func:`simcomm.analysis.statistics.headline_table` (means),
    ``family`` its :func:`~simcomm.analysis.statistics.comparisons` (differences, intervals and
    the one significance rule: "clearly" exactly where the table or the effects show a ``*``),
    ``changes`` the parameter differences of each (label, reference). Sentences: what changed;
    survival at week ``weeks`` (runs alive, k of n) when it differs; then the first two of
    ``metrics`` that have a value to compare (members, shares as percentages and percentage
    points); then how sure.
    """
    means = table.set_index(["label", "metric"])
    tested = family.set_index(["label", "reference", "metric"])
    shown = list(dict.fromkeys(pairs))[:4]
    if not shown:
        return _alone_sentences(table, weeks, replicates)
    sentences: list[str] = []

    parts = [what_changed(lab, ref, changes.get((lab, ref), []), scen) for lab, ref, scen in shown]
    within = [scen for _, _, scen in shown]
    if len(shown) > 1 and None not in within:  # --vary in several scenarios: say the change once
        alike = {_listed(changes.get((lab, ref), []), ref) for lab, ref, _ in shown}
        if len(alike) == 1:
            parts = [f"within {' and within '.join(str(x) for x in within)}: {alike.pop()}"]
    sentences += [("What changed " if i == 0 else "") + (part if i == 0 else part[0].upper() + part[1:]) + "."
                  for i, part in enumerate(parts)]

    def verdict(lab: str, ref: str, metric: str) -> str:
        row = tested.loc[(lab, ref, metric)]
        return change_text(float(row["diff"]), float(row["adj_low"]), float(row["adj_high"]),
                       str(row["unit"]), bool(row["significant"]), bool(row["paired"]),
                       math.isfinite(float(row["p_value"])), runs=metric in COUNTED)

    def value(lab: str, metric: str) -> str:
        r = means.loc[(lab, metric)]
        if metric in COUNTED:
            return f"{int(r['count'])} of {int(r['n'])}"
        return amount_text(float(r["mean"]), str(r["unit"])) if math.isfinite(r["mean"]) else "no value"

    def piece(lab: str, ref: str, scen: str | None, metric: str) -> str:
        if scen is None:
            against = f"{value(lab, metric)} in {lab} against {value(ref, metric)} in {ref}"
        else:  # --vary: name both arms, so that several values of one scenario never read alike
            new, old = _settings(changes.get((lab, ref), []))
            against = f"in {scen}, {value(lab, metric)} with {new} against {value(ref, metric)} with {old}"
        return f"{against}, {verdict(lab, ref, metric)}"

    labels = list(dict.fromkeys(table["label"]))
    alive = {lab: (int(means.loc[(lab, ALIVE), "count"]), int(means.loc[(lab, ALIVE), "n"]))
             for lab in labels} if ALIVE in set(table["metric"]) else {}
    if alive:
        differ = [p for p in shown if alive[p[0]][0] / max(alive[p[0]][1], 1)
                  != alive[p[1]][0] / max(alive[p[1]][1], 1)]
        if differ:
            sentences.append(f"Runs still alive at week {weeks}: "
                             + "; ".join(piece(lab, ref, scen, ALIVE) for lab, ref, scen in differ) + ".")
        elif all(k == n for k, n in alive.values()):
            sentences.append(f"Every run was still alive at week {weeks}.")
        else:
            sentences.append(f"Runs still alive at week {weeks}: "
                             + ", ".join(f"{k} of {n} in {lab}" for lab, (k, n) in alive.items()) + ".")
    told = [m for m in metrics if m in set(family["metric"])
            and any(math.isfinite(float(tested.loc[(lab, ref, m), "diff"])) for lab, ref, _ in shown)]
    for metric in told[:2]:
        sentences.append(f"{metric_name(metric, weeks)}: "
                         + "; ".join(piece(lab, ref, scen, metric) for lab, ref, scen in shown) + ".")
    size = int(family["p_value"].notna().sum())
    clear = int(family["significant"].sum())
    few = f" (only {replicates} runs of each: intervals are rough; use --replicates 20 or more)" \
        if replicates < 10 else ""
    if size:
        verdict = "none of them is" if clear == 0 else (
            f"{clear} of them is" if clear == 1 else f"{clear} of them are")
        sentences.append(
            f"How sure: each figure is the mean of {replicates} seeded runs, compared seed by seed{few}; "
            f"\"clearly\" means a difference this large would arise by chance less than "
            f"{chance_text(family)}, allowing for the {size} comparisons shown, and {verdict} clear "
            "(marked *); an adjusted interval allows for them in the same way, so it leaves out zero "
            "exactly when its difference is clear.")
    else:
        sentences.append(f"How sure: not at all: with {counted(replicates, 'run')} of "
                         "each nothing can be tested; use --replicates 20.")
    if len(pairs) > len(shown):
        sentences.append(f"The other {len(pairs) - len(shown)} comparisons are in the tables below.")
    return sentences


def _alone_sentences(table: pd.DataFrame, weeks: int, replicates: int) -> list[str]:
    """Return the sentences of a "comparison" of one label: what was run, survival, size, retention."""
    label = str(table["label"].iloc[0])
    rows = table.set_index("metric")
    out = [f"Only {label} was run ({counted(replicates, 'seeded run')}), so nothing "
           "is compared: name a second scenario, or vary a parameter with --vary."]
    if ALIVE in rows.index:
        k, n = int(rows.loc[ALIVE, "count"]), int(rows.loc[ALIVE, "n"])
        out.append(f"Every run was still alive at week {weeks}." if k == n else
                   f"{k} of {counted(n, 'run')} {'was' if k == 1 else 'were'} still alive at week {weeks}.")
    for metric in ("final_active", "retention_52w"):
        if metric in rows.index and math.isfinite(rows.loc[metric, "mean"]):
            r = rows.loc[metric]
            unit = str(r["unit"])
            interval = ""
            if math.isfinite(r["ci_low"]):
                low, high = amount_text(r["ci_low"], unit), amount_text(r["ci_high"], unit)
                interval = f" (95% interval {low} to {high})"
            out.append(f"{metric_name(metric, weeks)}: {amount_text(r['mean'], unit)} on average{interval}.")
    return out


def format_effects(table: pd.DataFrame, family: pd.DataFrame, pairs: Sequence[tuple[str, str, str | None]],
                   changes: Mapping[tuple[str, str], Sequence[Mapping[str, Any]]], weeks: int,
                   metrics: Sequence[str]) -> str:
    """Return the effect of ``--vary`` within each scenario as plain text: for each (label,
    reference, scenario) of ``pairs``, the change of each of ``metrics`` from the first varied
    value to the later one (readable names; shares in percentage points; runs alive as "k -> k'
    of n"), its adjusted interval (which leaves out zero exactly where the rule stars it) and a
    ``*`` by the one significance rule
    (``family``, :func:`simcomm.analysis.statistics.comparisons`, shared with the headline
    ``table``, which gives the counts of runs alive)."""
    tested = family.set_index(["label", "reference", "metric"])
    counts = table.set_index(["label", "metric"])
    names = {m: metric_name(m, weeks) for m in metrics}
    width = max(len(n) for n in names.values())
    lines = ["", "Effect of the varied parameter within each scenario (later value minus the first, "
             "seed by seed):"]
    for label, ref, scen in pairs:
        lines.append(f"  {scen}, {_listed(changes.get((label, ref), []), ref) or 'nothing'}:")
        for metric in metrics:
            row = tested.loc[(label, ref, metric)]
            unit, diff = str(row["unit"]), float(row["diff"])
            if not math.isfinite(diff):
                text = "—  (no value to compare)"
            elif diff == row["diff_low"] == row["diff_high"] == 0:
                text = "no change in any run"
            elif metric == ALIVE:
                k, k0 = (int(counts.loc[(lab, ALIVE), "count"]) for lab in (label, ref))
                text = f"{k0} -> {k} of {int(counts.loc[(label, ALIVE), 'n'])} runs alive"
            else:
                d = difference_decimals([row["adj_low"], row["adj_high"], diff], unit)
                text = number_text(diff, unit, d, sign=True) + (" points" if unit == "share" else "")
                if math.isfinite(row["adj_low"]):
                    text += (f" [{number_text(row['adj_low'], unit, d, sign=True)}, "
                             f"{number_text(row['adj_high'], unit, d, sign=True)}]")
            lines.append(f"    {names[metric]:<{width}}  {text}{' *' if bool(row['significant']) else ''}")
    size = int(family["p_value"].notna().sum())
    lines.append(f"  [adjusted interval of the difference: Student t over the seeds, allowing for the same "
                 f"{size} comparisons as the rule: it leaves out zero exactly where there is a *]; * the "
                 "rule of the table.")
    return "\n".join(lines)

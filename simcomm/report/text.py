"""Plain-language names (the metric registry's words) and formatting of a run's headline figures,
shared by the CLI and the story;
what differs between the scenarios a comparison runs; and the answers ``run`` and ``compare``
print first (a few plain sentences) with their tables under readable names."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from simcomm.core.metric_registry import ALIVE, COMPARED, METRIC_BY_NAME

if TYPE_CHECKING:  # the tables are pandas frames; imported only when used (a light CLI start-up)
    import pandas as pd

RETENTION_NOTE = ("Retention: of the partners who joined in the first year, the share still members "
                  "12 weeks (a year) after joining.")


def metric_name(metric: str, weeks: int) -> str:
    """Return the readable name of ``metric`` (the metric registry's words; its key when it is not
    registered), with the horizon ``weeks`` (in weeks) where the name speaks of it."""
    spec = METRIC_BY_NAME.get(metric)
    return spec.label(weeks) if spec is not None else metric.replace("_", " ")


def no_value_why(metric: str, otherwise: str) -> str:
    """Return why a run can have no value of ``metric`` (the metric registry's ``no_value``), or
    ``otherwise`` when the registry gives no reason."""
    spec = METRIC_BY_NAME.get(metric)
    return spec.no_value if spec is not None and spec.no_value else otherwise


def format_value(value: Any, unit: str) -> str:
    """Return a headline figure as text: a share as a percentage, a float with two decimals and
    thousands separators, an integer with separators, and "-" for a missing value."""
    if value is None:
        return "-"
    if unit == "share":
        return f"{value:.0%}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{value:,}"


def _shown(value: Any) -> str:
    """Return a parameter value as short text (a float to six significant digits, kept a float)."""
    if isinstance(value, float):
        text = f"{value:.6g}"
        return text if any(c in text for c in ".einf") else text + ".0"
    return str(value)


def parameter_differences(arms: Sequence[tuple[str, Mapping[str, Any], Mapping[str, str]]]
                          ) -> list[dict[str, Any]]:
    """Return, for each arm after the first (the baseline), the parameters whose values differ.

    ``arms`` are (label, every parameter value, reasons) in the order compared; reasons map a
    parameter to a one-line why (a scenario's levers, or "varied with --vary"). Each row is
    ``{"label", "baseline", "differences": [{"parameter", "baseline", "value", "why"}]}``, the
    parameters in the order of the baseline's values. The why is the arm's own reason, else the
    baseline's (prefixed with the baseline's label), else "".
    """
    if not arms:
        return []
    first, base_values, base_reasons = arms[0]
    rows = []
    for label, values, reasons in arms[1:]:
        diffs = []
        for name in [*base_values, *(k for k in values if k not in base_values)]:
            old, new = base_values.get(name), values.get(name)
            if old == new:
                continue
            why = reasons.get(name) or (f"{first}: {base_reasons[name]}" if base_reasons.get(name) else "")
            diffs.append({"parameter": name, "baseline": old, "value": new, "why": why})
        rows.append({"label": label, "baseline": first, "differences": diffs})
    return rows


def format_differences(rows: Sequence[Mapping[str, Any]]) -> str:
    """Return :func:`parameter_differences` in plain words, one line per compared arm, e.g.
    "staff-churn differs from vendor-imposed in: staff_turnover_per_year 0.5 -> 1.33 (the manager
    leaves about every nine months); ...", "differs from vendor-imposed only in: ..." when exactly
    one parameter differs, "does not differ from ... in any parameter" when none does."""
    lines = []
    for row in rows:
        diffs = row["differences"]
        if not diffs:
            lines.append(f"{row['label']} does not differ from {row['baseline']} in any parameter")
            continue
        parts = [f"{d['parameter']} {_shown(d['baseline'])} -> {_shown(d['value'])}"
                 + (f" ({d['why']})" if d["why"] else "") for d in diffs]
        only = " only" if len(diffs) == 1 else ""
        lines.append(f"{row['label']} differs from {row['baseline']}{only} in: {'; '.join(parts)}")
    return "\n".join(lines)


# ---- numbers as a strategist reads them ------------------------------------------------------
_WORDS: dict[str, tuple[str, str]] = {  # unit -> (word for an increase, for a decrease)
    "share": ("higher", "lower"), "members": ("more", "fewer"), "deals": ("more", "fewer"),
    "partners": ("more", "fewer"), "week": ("later", "earlier"), "weeks": ("longer", "shorter"),
}


def _decimals(values: Sequence[float]) -> int:
    """Return the decimals to show for a row whose largest absolute value is in ``values``."""
    finite = [abs(v) for v in values if v is not None and math.isfinite(v)]
    top = max(finite, default=0.0)
    return 0 if top >= 100 else 1 if top >= 10 else 2


def _number(x: float, unit: str, decimals: int, sign: bool = False) -> str:
    """Return ``x`` as text with ``decimals`` decimals and thousands separators, a share as a
    percentage (as percentage points, without "%", with ``sign``); a sign with ``sign``; no "-0"."""
    value = x * 100 if unit == "share" else x
    text = f"{value:+,.{decimals}f}" if sign else f"{value:,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        text = f"{0:.{decimals}f}"
    return text + ("%" if unit == "share" and not sign else "")


def _diff_decimals(values: Sequence[float], unit: str) -> int:
    """Return the decimals for differences: percentage points to 1 decimal under 10 points, else
    none; other units by the size of the largest (:func:`_decimals`)."""
    finite = [abs(v) for v in values if v is not None and math.isfinite(v)]
    top = max(finite, default=0.0)
    if unit == "share":
        return 1 if top < 0.1 else 0
    return 0 if top >= 10 else 1 if top >= 1 else 2


def _amount(x: float, unit: str) -> str:
    """Return a figure for a sentence: a share as a percentage, a whole number without decimals,
    a count from 10 without decimals, smaller ones with one (a ratio with two)."""
    if unit == "share" or x == int(x) or abs(x) >= 10:
        return _number(x, unit, 0)
    return _number(x, unit, 2 if unit not in _WORDS else 1)


def _change(diff: float, low: float, high: float, unit: str, significant: bool, paired: bool,
            tested: bool, runs: bool = False) -> str:
    """Return how a difference reads in a sentence, e.g. "clearly more, by 111 (95% interval +49
    to +180)", "lower by 0.4 points, but not clearly (95% interval -1.6 to +0.9 points)"; with
    ``runs`` (a difference in the share of runs alive) "clearly fewer survived"."""
    if not math.isfinite(diff):
        return "no value to compare"
    if diff == 0 and (not math.isfinite(low) or low == high == 0):
        return "the same in every run, seed by seed" if paired and tested else "no difference"
    if runs:
        word = "more survived" if diff > 0 else "fewer survived"
        return f"clearly {word}" if significant else f"{word}, but not clearly"
    up, down = _WORDS.get(unit, ("higher", "lower"))
    word = up if diff > 0 else down
    size = abs(diff)
    d = _diff_decimals([low, high, diff] if math.isfinite(low) else [diff], unit)
    by = _number(size, unit, d, sign=True).lstrip("+") + (" points" if unit == "share" else "")
    if not tested or not math.isfinite(low):
        return f"{word} by {by} (too few runs to judge)"
    if low == high:
        every = "in every run, seed by seed" if paired else "in every run"
        return f"{'clearly ' if significant else ''}{word}, by {by} {every}"
    interval = (f"95% interval {_number(low, unit, d, sign=True)} to {_number(high, unit, d, sign=True)}"
                + (" points" if unit == "share" else ""))
    if significant:
        return f"clearly {word}, by {by} ({interval})"
    return f"{word} by {by}, but not clearly ({interval})"


def rule_footnote(family: int, baseline: str | None = None) -> str:
    """Return the one significance rule in plain words, for a footnote: what a ``*`` (and the
    word "clearly") means, allowing for the ``family`` comparisons judged together."""
    against = f"from '{baseline}' " if baseline else ""
    return (f"* a difference {against}this large would arise by chance less than 1 time in 20, allowing "
            f"for the {family} comparisons shown (Holm's adjustment; runs with the same seed share "
            "their random numbers and are compared seed by seed).")


# ---- compare: the table ----------------------------------------------------------------------
def _cell(row: Mapping[str, Any], decimals: int) -> str:
    """Return one table cell: "251 [199, 308]", "56% [54%, 58%]", "13 of 20 [42%, 81%]" or "—"."""
    unit = row["unit"]
    n = int(row["n"])
    if n == 0 or not math.isfinite(row["mean"]):
        return "—"
    text = f"{int(row['count'])} of {n}" if row["metric"] == ALIVE else _number(row["mean"], unit, decimals)
    if math.isfinite(row["ci_low"]):
        text += f" [{_number(row['ci_low'], unit, decimals)}, {_number(row['ci_high'], unit, decimals)}]"
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
    counted = {lab: "" if same_runs else f" ({runs[lab]} run{'s' if runs[lab] > 1 else ''})"
               for lab in labels}
    header = ["metric", *[names[lab] + counted[lab] + (" (baseline)" if lab == base else "")
                          for lab in labels]]
    indexed = table.set_index(["metric", "label"])
    body: list[list[str]] = []
    empty: dict[str, list[str]] = {}  # metric -> the labels where no run has a value
    for metric in metrics:
        row = [metric_name(metric, weeks)]
        means = [indexed.loc[(metric, lab), "mean"] for lab in labels]
        unit = str(indexed.loc[(metric, labels[0]), "unit"])
        d = _decimals(means)
        if unit == "share":
            d = 0
        elif unit in _WORDS and unit != "weeks":  # counts and week numbers: whole from 10 on
            d = 0 if d < 2 else 1
        for lab in labels:
            r = indexed.loc[(metric, lab)]
            cell = _cell({**r.to_dict(), "metric": metric}, d)
            if cell == "—":
                empty.setdefault(metric, []).append(names[lab])
            if 0 < r["n"] < runs[lab]:
                cell += f" ({int(r['n'])} run{'s' if r['n'] > 1 else ''})"
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
    notes.append(rule_footnote(family, names.get(base, base)) if family else
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
def _param_change(d: Mapping[str, Any], reference: str) -> str:
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
    return f"{name.replace('_', ' ')} {_shown(d['value'])} instead of {_shown(d['baseline'])}" + (
        f" ({unit})" if unit and unit not in ("type", "share") else "")


def _listed(differences: Sequence[Mapping[str, Any]], reference: str) -> str:
    """Return parameter differences as one phrase, "a; b; and c" (at most four, then "n more")."""
    phrases = [_param_change(d, reference) for d in differences]
    if len(phrases) > 4:
        phrases = [*phrases[:3], f"{len(phrases) - 3} more parameters (listed below the table)"]
    return ("; ".join(phrases[:-1]) + "; and " + phrases[-1]) if len(phrases) > 1 else "".join(phrases)


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
        return _change(float(row["diff"]), float(row["diff_low"]), float(row["diff_high"]),
                       str(row["unit"]), bool(row["significant"]), bool(row["paired"]),
                       math.isfinite(float(row["p_value"])), runs=metric == ALIVE)

    def value(lab: str, metric: str) -> str:
        r = means.loc[(lab, metric)]
        if metric == ALIVE:
            return f"{int(r['count'])} of {int(r['n'])}"
        return _amount(float(r["mean"]), str(r["unit"])) if math.isfinite(r["mean"]) else "no value"

    def piece(lab: str, ref: str, scen: str | None, metric: str) -> str:
        against = f"{value(lab, metric)} in {lab} against {value(ref, metric)} in {ref}" if scen is None \
            else f"in {scen} {value(lab, metric)} against {value(ref, metric)}"
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
        verdict = "none of them is" if clear == 0 else f"{clear} of them are"
        sentences.append(
            f"How sure: each figure is the mean of {replicates} seeded runs, compared seed by seed{few}; "
            f"\"clearly\" means a difference this large would arise by chance less than 1 time in 20, "
            f"allowing for the {size} comparisons shown, and {verdict} clear (marked *).")
    else:
        sentences.append(f"How sure: not at all: with {replicates} run{'s' if replicates > 1 else ''} of "
                         "each nothing can be tested; use --replicates 20.")
    if len(pairs) > len(shown):
        sentences.append(f"The other {len(pairs) - len(shown)} comparisons are in the tables below.")
    return sentences


def _alone_sentences(table: pd.DataFrame, weeks: int, replicates: int) -> list[str]:
    """Return the sentences of a "comparison" of one label: what was run, survival, size, retention."""
    label = str(table["label"].iloc[0])
    rows = table.set_index("metric")
    out = [f"Only {label} was run ({replicates} seeded run{'s' if replicates > 1 else ''}), so nothing "
           "is compared: name a second scenario, or vary a parameter with --vary."]
    if ALIVE in rows.index:
        k, n = int(rows.loc[ALIVE, "count"]), int(rows.loc[ALIVE, "n"])
        out.append(f"Every run was still alive at week {weeks}." if k == n else
                   f"{k} of {n} runs were still alive at week {weeks}.")
    for metric in ("final_active", "retention_52w"):
        if metric in rows.index and math.isfinite(rows.loc[metric, "mean"]):
            r = rows.loc[metric]
            unit = str(r["unit"])
            interval = (f" (95% interval {_amount(r['ci_low'], unit)} to {_amount(r['ci_high'], unit)})"
                        if math.isfinite(r["ci_low"]) else "")
            out.append(f"{metric_name(metric, weeks)}: {_amount(r['mean'], unit)} on average{interval}.")
    return out


def format_effects(table: pd.DataFrame, family: pd.DataFrame, pairs: Sequence[tuple[str, str, str | None]],
                   changes: Mapping[tuple[str, str], Sequence[Mapping[str, Any]]], weeks: int,
                   metrics: Sequence[str]) -> str:
    """Return the effect of ``--vary`` within each scenario as plain text: for each (label,
    reference, scenario) of ``pairs``, the change of each of ``metrics`` from the first varied
    value to the later one (readable names; shares in percentage points; runs alive as "k -> k'
    of n"), its 95% bootstrap interval over seeds and a ``*`` by the one significance rule
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
                d = _diff_decimals([row["diff_low"], row["diff_high"], diff], unit)
                text = _number(diff, unit, d, sign=True) + (" points" if unit == "share" else "")
                if math.isfinite(row["diff_low"]):
                    text += (f" [{_number(row['diff_low'], unit, d, sign=True)}, "
                             f"{_number(row['diff_high'], unit, d, sign=True)}]")
            lines.append(f"    {names[metric]:<{width}}  {text}{' *' if bool(row['significant']) else ''}")
    size = int(family["p_value"].notna().sum())
    lines.append(f"  [95% interval of the difference: bootstrap over the seeds]; * the rule of the table, "
                 f"over the same {size} comparisons.")
    return "\n".join(lines)


# ---- run: the answer in sentences, then the table ---------------------------------------------
def run_sentences(scenario: str, governance: str, seed: int, weeks: int, summary: Mapping[str, Any],
                  events: Sequence[Mapping[str, Any]] = ()) -> list[str]:
    """Return one run told in 3-5 plain sentences: how big it got and when it peaked, whether it
    was still alive at week ``weeks`` (and why it died), retention of its first year's joiners,
    and deals and the vendor's return. ``summary`` is ``Result.summary``; ``events`` its event
    rows (``week``, ``kind``, ``text``), for the reason of a death."""
    s = summary
    out = [f"{scenario} ({governance}, seed {seed}) peaked at {s.get('peak_active', 0):,} active members "
           f"in week {s.get('weeks_to_peak', 0)} and had {s.get('final_active', 0):,} at week {weeks}."]
    died = s.get("died_week")
    if died is None:
        out.append(f"It was still alive at week {weeks}.")
    else:
        why = next((str(e["text"]) for e in events if e.get("kind") == "death"), "")
        out.append(f"It died in week {died}" + (f": {why}." if why else "."))
    r12, r52 = s.get("retention_12w"), s.get("retention_52w")
    if r12 is None:
        out.append("Retention cannot be measured: no partner joined early enough to be followed for "
                   "12 weeks.")
    else:
        year = (f" and {r52:.0%} a year after" if r52 is not None
                else " (the run is too short to follow them for a year)")
        out.append(f"Of the partners who joined in its first year, {r12:.0%} were still members 12 weeks "
                   f"after joining{year}.")
    joined = s.get("ever_joined")
    deals = f"{s.get('total_peer_deals', 0):,} deals with each other"
    out.append((f"In all {joined:,} partners joined, and members made {deals}" if joined is not None
                else f"Members made {deals}")
               + (f"; the vendor got {s['roi']:.2f} times its cost back in influenced revenue."
                  if s.get("roi") is not None else "; it cost the vendor nothing."))
    return out


def format_run_table(summary: Mapping[str, Any], weeks: int) -> str:
    """Return a run's headline figures as a two-column table under readable names, survival first
    ("yes", or "no: died in week W"), then the figures ``compare`` shows (the metric registry's
    ``COMPARED``, words and units); "—" where a figure has no value, with a footnote why."""
    rows = [(metric_name(ALIVE, weeks), "yes" if summary.get("died_week") is None
             else f"no: died in week {summary['died_week']}")]
    empty = []
    for key in [k for k in COMPARED if k != ALIVE]:
        unit = METRIC_BY_NAME[key].unit
        value = summary.get(key)
        if value is None:
            empty.append(key)
        shown = f"{value:,.1f}" if unit == "weeks" and value is not None else format_value(value, unit)
        rows.append((metric_name(key, weeks), "—" if value is None else shown))
    width = max(len(name) for name, _ in rows)
    lines = [f"  {name:<{width}}  {value:>14}" for name, value in rows]
    lines += [f"  — {metric_name(k, weeks)}: {no_value_why(k, 'not defined')}." for k in empty]
    lines.append("  " + RETENTION_NOTE)
    return "\n".join(lines)

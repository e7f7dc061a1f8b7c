"""Plain-language names (the metric registry's words) and numbers as a strategist reads them,
shared by the CLI, the story and the comparison (:mod:`simcomm.report.compare_text`); what
differs between the scenarios a comparison runs; and the answer ``run`` prints first (a few
plain sentences) with its table under readable names."""

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


def shown_value(value: Any) -> str:
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
        parts = [f"{d['parameter']} {shown_value(d['baseline'])} -> {shown_value(d['value'])}"
                 + (f" ({d['why']})" if d["why"] else "") for d in diffs]
        only = " only" if len(diffs) == 1 else ""
        lines.append(f"{row['label']} differs from {row['baseline']}{only} in: {'; '.join(parts)}")
    return "\n".join(lines)


# ---- numbers as a strategist reads them ------------------------------------------------------
UNIT_WORDS: dict[str, tuple[str, str]] = {  # unit -> (word for an increase, for a decrease)
    "share": ("higher", "lower"), "members": ("more", "fewer"), "deals": ("more", "fewer"),
    "partners": ("more", "fewer"), "week": ("later", "earlier"), "weeks": ("longer", "shorter"),
    "communities": ("more", "fewer"),
}


def row_decimals(values: Sequence[float]) -> int:
    """Return the decimals to show for a row whose largest absolute value is in ``values``."""
    finite = [abs(v) for v in values if v is not None and math.isfinite(v)]
    top = max(finite, default=0.0)
    return 0 if top >= 100 else 1 if top >= 10 else 2


def number_text(x: float, unit: str, decimals: int, sign: bool = False) -> str:
    """Return ``x`` as text with ``decimals`` decimals and thousands separators, a share as a
    percentage (as percentage points, without "%", with ``sign``); a sign with ``sign``; no "-0"."""
    value = x * 100 if unit == "share" else x
    text = f"{value:+,.{decimals}f}" if sign else f"{value:,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        text = f"{0:.{decimals}f}"
    return text + ("%" if unit == "share" and not sign else "")


def difference_decimals(values: Sequence[float], unit: str) -> int:
    """Return the decimals for differences: percentage points to 1 decimal under 10 points, else
    none; other units by the size of the largest (:func:`_decimals`)."""
    finite = [abs(v) for v in values if v is not None and math.isfinite(v)]
    top = max(finite, default=0.0)
    if unit == "share":
        return 1 if top < 0.1 else 0
    return 0 if top >= 10 else 1 if top >= 1 else 2


def amount_text(x: float, unit: str) -> str:
    """Return a figure for a sentence: a share as a percentage, a whole number without decimals,
    a count from 10 without decimals, smaller ones with one (a ratio with two)."""
    if unit == "share" or x == int(x) or abs(x) >= 10:
        return number_text(x, unit, 0)
    return number_text(x, unit, 2 if unit not in UNIT_WORDS else 1)


def change_text(diff: float, low: float, high: float, unit: str, significant: bool, paired: bool,
            tested: bool, runs: bool = False) -> str:
    """Return how a difference reads in a sentence, e.g. "clearly more, by 111 (adjusted interval
    +49 to +180)", "lower by 0.4 points, but not clearly (adjusted interval -1.6 to +0.9
    points)"; with ``runs`` (a difference in the share of runs alive) "clearly fewer survived".
    ``low`` and ``high`` are the interval that agrees with the rule (``adj_low``, ``adj_high`` of
    :func:`simcomm.analysis.statistics.comparisons`): it leaves out zero exactly when
    ``significant``, so the word and the interval never disagree."""
    if not math.isfinite(diff):
        return "no value to compare"
    if diff == 0 and (not math.isfinite(low) or low == high == 0):
        return "the same in every run, seed by seed" if paired and tested else "no difference"
    if runs:
        word = "more survived" if diff > 0 else "fewer survived"
        return f"clearly {word}" if significant else f"{word}, but not clearly"
    up, down = UNIT_WORDS.get(unit, ("higher", "lower"))
    word = up if diff > 0 else down
    size = abs(diff)
    d = difference_decimals([low, high, diff] if math.isfinite(low) else [diff], unit)
    by = number_text(size, unit, d, sign=True).lstrip("+") + (" points" if unit == "share" else "")
    if not tested or not math.isfinite(low):
        return f"{word} by {by} (too few runs to judge)"
    if low == high:
        every = "in every run, seed by seed" if paired else "in every run"
        return f"{'clearly ' if significant else ''}{word}, by {by} {every}"
    interval = (f"adjusted interval {number_text(low, unit, d, sign=True)} to "
                f"{number_text(high, unit, d, sign=True)}" + (" points" if unit == "share" else ""))
    if significant:
        return f"clearly {word}, by {by} ({interval})"
    return f"{word} by {by}, but not clearly ({interval})"


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """Return "1 run", "2 runs", "0 runs": a count with its noun in the right number."""
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


def chance_text(family: pd.DataFrame | None = None, alpha: float | None = None) -> str:
    """Return the rule's chance in words: "1 time in 20" (alpha 0.05), "1 time in 60" (0.05 / 3
    looks of --until-clear); ``alpha`` from the comparisons' ``alpha`` column when not given."""
    if alpha is None:
        alpha = float(family["alpha"].iloc[0]) if family is not None and "alpha" in family and len(family) \
            else 0.05
    return f"1 time in {round(1 / alpha):,}"


def rule_footnote(family: int, baseline: str | None = None, alpha: float = 0.05) -> str:
    """Return the one significance rule in plain words, for a footnote: what a ``*`` (and the
    word "clearly") means, allowing for the ``family`` comparisons judged together at ``alpha``."""
    against = f"from '{baseline}' " if baseline else ""
    return (f"* a difference {against}this large would arise by chance less than {chance_text(alpha=alpha)}, "
            f"allowing for the {family} comparisons shown (Holm's adjustment; runs with the same seed share "
            "their random numbers and are compared seed by seed).")


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

"""Plain-language names and formatting of a run's headline figures, shared by the CLI and the story,
and what differs between the scenarios a comparison runs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# Summary key -> (what it means in plain words, its unit).
HEADLINE_TEXT: dict[str, tuple[str, str]] = {
    "retention_12w": ("still members 12 weeks after joining", "share"),
    "retention_52w": ("still members 52 weeks after joining", "share"),
    "settled_retention_52w": ("of those in at 12 weeks, still in at 52", "share"),
    "peak_active": ("peak active members", "members"),
    "final_active": ("active members at the end", "members"),
    "weeks_to_peak": ("week of the peak", "week"),
    "median_tenure_weeks": ("median membership (Kaplan-Meier)", "weeks"),
    "died_week": ("week the community died", "week"),
    "total_peer_deals": ("peer deals", "deals"),
    "roi": ("vendor ROI (influenced revenue / cost)", "ratio"),
}


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

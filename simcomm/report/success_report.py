"""The validation page's table of Cunha et al.'s success measures scenario by scenario."""

from __future__ import annotations

import math

import pandas as pd

from simcomm.analysis.success import PAIRS, WEAK, pair_column, weak_counts

TITLE = "## Cunha's success measures, scenario by scenario"


def _rho(row: pd.Series, col: str) -> str:
    value = float(row[col])
    if math.isnan(value):
        return ""
    low, high = float(row[col + "_low"]), float(row[col + "_high"])
    interval = "(no interval)" if math.isnan(low) or math.isnan(high) else f"[{low:+.2f}, {high:+.2f}]"
    text = f"{value:+.2f} {interval}"
    return f"**{text}**" if abs(value) >= WEAK else text


def success_section(table: pd.DataFrame) -> str:
    """Return the Markdown section: for each library scenario, its communities that formed and
    Spearman's rho (95% CI) of each pair of growth, retention and survival among them, the
    pairs at ``abs(rho) >= WEAK`` in bold, and how many scenarios are weak for each pair; empty when
    ``table`` is empty."""
    if table.empty:
        return ""
    names = [f"{x}-{y}" for x, y in PAIRS]
    lines = [TITLE, "",
             "The rows above on Cunha et al.'s correlations give one number for \"within one kind of "
             "community\": the scenario furthest from 0. Here is every library scenario, each over "
             "the same runs (its communities that formed, alive after their founding weeks). "
             f"**Bold**: |rho| of {WEAK} or more, stronger than Cunha et al. found; blank: not "
             "defined (fewer than three formed, or a measure with no spread, such as survival where "
             "every community is alive at the horizon); no interval: so few communities died that "
             "resamples of them have no spread in survival.", "",
             "| scenario | formed / runs | " + " | ".join(names) + " |",
             "|---|---|" + "---|" * len(names)]
    for _, row in table.iterrows():
        cells = [str(row["scenario"]), f"{int(row['formed'])} / {int(row['runs'])}",
                 *(_rho(row, pair_column(x, y)) for x, y in PAIRS)]
        lines.append("| " + " | ".join(cells) + " |")
    counts = weak_counts(table)
    said = [f"{name} in {counts[pair_column(x, y)][0]} of {counts[pair_column(x, y)][1]}"
            for name, (x, y) in zip(names, PAIRS, strict=True)]
    lines += ["", f"Weak (|rho| < {WEAK}) within a scenario, where defined: " + ", ".join(said) + "."]
    return "\n".join(lines) + "\n"

"""Plain-language names and formatting of a run's headline figures, shared by the CLI and the story."""

from __future__ import annotations

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

"""Cunha et al.'s success measures scenario by scenario (issue 22).

Cunha et al. (2019) found a community's growth, retention and survival only weakly correlated
(``|rho| < 0.4``). The validation page's "within one kind of community" facts report the scenario
furthest from that; this table gives every library scenario's own Spearman rho of each pair,
among its communities that formed (alive after the founding weeks), so that a reader sees
whether one scenario or all of them carry the correlation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from simcomm.analysis.measures import formed, growth, member_retention, spearman, survival
from simcomm.runs.sim import Result

WEAK = 0.4  # |rho| below this is weak, as Cunha et al. found
MEASURES: dict[str, Callable[[Result], float]] = {
    "growth": growth, "retention": member_retention, "survival": survival}
PAIRS: tuple[tuple[str, str], ...] = (("growth", "retention"), ("growth", "survival"),
                                      ("retention", "survival"))


def pair_column(x: str, y: str) -> str:
    """Return the name of the column holding rho of measures ``x`` and ``y`` (``rho_x_y``)."""
    return f"rho_{x}_{y}"


def success_by_scenario(runs: Mapping[str, Sequence[Result]], scenarios: Sequence[str]) -> pd.DataFrame:
    """Return one row per scenario of ``scenarios`` that has runs: ``scenario``, ``runs``,
    ``formed`` (communities alive after the founding weeks: the ones measured), and for each pair
    of PAIRS Spearman's rho (``rho_x_y``) with its bootstrap 95% interval (``..._low``,
    ``..._high``) over those communities; NaN where a measure has no spread (every formed
    community alive at the horizon, say) or fewer than three formed."""
    rows = []
    for name in scenarios:
        results = [r for r in runs.get(name, ()) if formed(r)]
        if not runs.get(name):
            continue
        values = {k: np.array([fn(r) for r in results], dtype=float) for k, fn in MEASURES.items()}
        row: dict[str, object] = {"scenario": name, "runs": len(runs[name]), "formed": len(results)}
        for x, y in PAIRS:
            m = spearman(values[x], values[y])
            col = pair_column(x, y)
            row.update({col: m.value, f"{col}_low": m.low, f"{col}_high": m.high})
        rows.append(row)
    return pd.DataFrame(rows)


def weak_counts(table: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """Return, for each pair's column, (scenarios where ``abs(rho) < WEAK``, scenarios where rho is
    defined)."""
    found = {}
    for x, y in PAIRS:
        rho = table[pair_column(x, y)].to_numpy(dtype=float)
        defined = ~np.isnan(rho)
        found[pair_column(x, y)] = (int(np.sum(np.abs(rho[defined]) < WEAK)), int(defined.sum()))
    return found

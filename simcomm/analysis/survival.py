"""Survival of communities by age, for each governance type (Kaplan-Meier and the hazard by age).

The essays' claim is about communities that formed ("communities will create themselves ... and
last"), while most new communities die young (Kraut & Fiore 2014), so survival is measured two
ways: from the launch, and among the communities still alive after their founding weeks
(:data:`~simcomm.analysis.measures.FOUNDING_WEEKS`; left-truncated there). A run is one
community; one still alive at the horizon is censored. Kaplan-Meier curves come from lifelines;
the hazard by age is a life table: deaths in an age band over the community-weeks at risk in it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter

from simcomm.analysis.intervals import wilson_ci
from simcomm.analysis.measures import FOUNDING_WEEKS
from simcomm.runs.sim import Result

AGE_BAND = 13  # weeks: the hazard is read a quarter at a time


def lifetimes(results: Sequence[Result]) -> tuple[np.ndarray, np.ndarray]:
    """Return (weeks alive, died) per run: the week it died, or the horizon (censored, False)."""
    died = [r.summary["died_week"] for r in results]
    weeks = np.array([float(r.weeks if d is None else d) for r, d in zip(results, died, strict=True)])
    return weeks, np.array([d is not None for d in died])


def kaplan_meier(results: Sequence[Result], formed_only: bool = False) -> KaplanMeierFitter | None:
    """Return the Kaplan-Meier fit of the communities' survival by age (weeks), from the launch or,
    with ``formed_only``, among those alive after FOUNDING_WEEKS (entering there); None when there
    is no community to follow."""
    weeks, dead = lifetimes(results)
    if formed_only:
        keep = weeks > FOUNDING_WEEKS
        weeks, dead = weeks[keep], dead[keep]
    if weeks.size == 0:
        return None
    entry = np.full(weeks.size, float(FOUNDING_WEEKS)) if formed_only else None
    return KaplanMeierFitter().fit(weeks, dead, entry=entry)


def hazard_by_age(results: Sequence[Result], band: int = AGE_BAND) -> pd.DataFrame:
    """Return the life-table hazard per age band: columns from_week, to_week, at_risk (community
    weeks), deaths, hazard (deaths per community-week) and per_year (1 - (1 - hazard)^52, the
    share that would die in a year at that rate)."""
    weeks, dead = lifetimes(results)
    horizon = int(max((r.weeks for r in results), default=0))
    rows = []
    for start in range(0, horizon, band):
        end = min(start + band, horizon)
        exposure = np.clip(weeks - start, 0, end - start).sum()
        deaths = int(np.count_nonzero(dead & (weeks > start) & (weeks <= end)))
        hazard = deaths / exposure if exposure else np.nan
        rows.append({"from_week": start, "to_week": end, "at_risk": float(exposure), "deaths": deaths,
                     "hazard": hazard, "per_year": 1.0 - (1.0 - hazard) ** 52 if exposure else np.nan})
    return pd.DataFrame(rows)


def alive_share(results: Sequence[Result], week: int, formed_only: bool = False) -> tuple[int, int]:
    """Return (alive at ``week``, communities counted): every run, or those that formed."""
    weeks, dead = lifetimes(results)
    if formed_only:
        keep = weeks > FOUNDING_WEEKS
        weeks, dead = weeks[keep], dead[keep]
    return int(np.count_nonzero(~dead | (weeks > week))), int(weeks.size)


def survival_table(by_type: Mapping[str, Sequence[Result]], horizon: int = 260) -> pd.DataFrame:
    """Return one row per governance type: communities, formed (alive after the founding weeks)
    with its Wilson interval, alive at one year and at ``horizon`` from the launch and among
    those that formed (shares with Wilson intervals), and the median age at death from the
    launch (weeks; None when most never died)."""
    rows = []
    for name, results in by_type.items():
        row: dict[str, object] = {"type": name, "communities": len(results)}
        for label, week, formed_only in (("formed", FOUNDING_WEEKS, False), ("alive_1y", 52, False),
                                         ("alive_end", horizon, False), ("formed_alive_1y", 52, True),
                                         ("formed_alive_end", horizon, True)):
            k, n = alive_share(results, week, formed_only)
            low, high = wilson_ci(k, n)
            row[label] = k / n if n else np.nan
            row[label + "_low"], row[label + "_high"] = low, high
            row[label + "_n"] = n
        fit = kaplan_meier(results)
        median = float(fit.median_survival_time_) if fit is not None else np.inf
        row["median_weeks"] = median if np.isfinite(median) else None
        rows.append(row)
    return pd.DataFrame(rows)

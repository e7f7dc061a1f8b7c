"""What validation measures on channels: the member-founded communities of a channel over its
horizon (:mod:`simcomm.core.channel`), pooled over seeds.

Communities of one channel share its partners, so they are not independent draws: every
interval here is a percentile bootstrap that resamples whole channels (seeds), not communities.
A measure takes the channel runs of a fact's arms (``list[list[ChannelResult]]``) and returns a
:class:`~simcomm.analysis.measures.Measured`, as the single-community measures do.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from simcomm.analysis.measures import FOUNDING_WEEKS, Measured, bimodality, ceased_posting, top_share
from simcomm.runs.channel_run import ChannelResult

# weeks: a community's first weeks, over which its members' overlap is measured: death_weeks at its
# default (8 silent weeks), so no founded community can have died before they are over.
EARLY_WEEKS = 8
FIRST_YEAR = 52  # weeks: survival in the overlap measure is weeks alive in the first year
RESAMPLES = 999  # bootstrap resamples of channels
FOUNDED_COLUMNS = ("run", "community", "founded_week", "followed", "died_age", "peak_active", "early_overlap",
                   "ceased_posting")


def founded_communities(results: Sequence[ChannelResult]) -> pd.DataFrame:
    """Return one row per member-founded community of each channel run in ``results``: ``run``
    (the run's place in ``results``), ``community``, ``founded_week``, ``followed`` (weeks from
    its founding to the end of the run), ``died_age`` (weeks from its founding to its death; NaN
    while alive), ``peak_active`` (the most active members it had in a week; NaN if it never
    stepped) and ``early_overlap`` (its members' mean number of other communities they belonged
    to, over its first EARLY_WEEKS weeks: memberships) and ``ceased_posting`` (by FOUNDING_WEEKS
    weeks of age it had died or posted no new content in the last month of them:
    :func:`~simcomm.analysis.measures.ceased_posting`)."""
    frames = []
    for i, r in enumerate(results):
        roster = r.roster[r.roster["by_members"].astype(bool)]
        if roster.empty:
            continue
        weekly = r.communities[r.communities["community"].isin(roster["community"])]
        peak = weekly.groupby("community")["active_members"].max()
        early = weekly[weekly["age"] <= EARLY_WEEKS].groupby("community")["other_memberships"].mean()
        founded = roster["founded_week"].to_numpy(dtype=float)
        died = roster["died_week"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        by_name = dict(tuple(weekly.groupby("community")))
        empty = weekly.iloc[:0]
        ceased = [ceased_posting(d - f, by_name.get(name, empty), "age")
                  for name, d, f in zip(roster["community"], died, founded, strict=True)]
        frames.append(pd.DataFrame({
            "run": i, "community": roster["community"].to_numpy(), "founded_week": founded.astype(int),
            "followed": r.weeks - founded.astype(int), "died_age": died - founded,
            "peak_active": peak.reindex(roster["community"]).to_numpy(dtype=float),
            "early_overlap": early.reindex(roster["community"]).to_numpy(dtype=float),
            "ceased_posting": ceased}))
    if not frames:
        return pd.DataFrame(columns=list(FOUNDED_COLUMNS))
    return pd.concat(frames, ignore_index=True)


def by_channel_interval(frame: pd.DataFrame, statistic: Callable[[pd.DataFrame], float]
                        ) -> tuple[float, float]:
    """Return a 95% percentile bootstrap interval of ``statistic`` over ``frame``'s communities,
    resampling whole channels (``run``) with replacement (RESAMPLES times, fixed seed); NaN with
    fewer than two channels or no finite resample."""
    runs = frame["run"].to_numpy()
    groups = [np.flatnonzero(runs == k) for k in np.unique(runs)]
    if len(groups) < 2:
        return math.nan, math.nan
    rng = np.random.default_rng(0)
    values = np.empty(RESAMPLES)
    for b in range(RESAMPLES):
        pick = rng.integers(0, len(groups), len(groups))
        values[b] = statistic(frame.iloc[np.concatenate([groups[j] for j in pick])])
    values = values[np.isfinite(values)]
    if not values.size:
        return math.nan, math.nan
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def _measured(frame: pd.DataFrame, statistic: Callable[[pd.DataFrame], float]) -> Measured:
    low, high = by_channel_interval(frame, statistic)
    return Measured(statistic(frame) if len(frame) else math.nan, low, high, len(frame))


def _founded(arms: list[list[ChannelResult]]) -> pd.DataFrame:
    return founded_communities([r for arm in arms for r in arm])


def ceased_posting_young() -> Callable[[list[list[ChannelResult]]], Measured]:
    """Return a measure: the share (0-1) of member-founded communities that, within FOUNDING_WEEKS
    weeks of their founding, died or posted no new content in the last month of them (Kraut &
    Fiore's observation), among those founded at least that long before the end; interval by
    resampling channels."""

    def share(frame: pd.DataFrame) -> float:
        return float(frame["ceased_posting"].astype(bool).mean()) if len(frame) else math.nan

    def measure(arms: list[list[ChannelResult]]) -> Measured:
        frame = _founded(arms)
        return _measured(frame[frame["followed"] >= FOUNDING_WEEKS], share)

    return measure


def _sized(arms: list[list[ChannelResult]]) -> pd.DataFrame:
    frame = _founded(arms)
    return frame[frame["peak_active"].notna()]


def founded_size_concentration(share: float) -> Callable[[list[list[ChannelResult]]], Measured]:
    """Return a measure: the share (0-1) of all member-founded communities' peak active members
    held by the largest ``share`` of them, every channel's together."""

    def statistic(frame: pd.DataFrame) -> float:
        return top_share(frame["peak_active"].to_numpy(dtype=float), share)

    return lambda arms: _measured(_sized(arms), statistic)


def _log_bimodality(frame: pd.DataFrame) -> float:
    return bimodality(np.log10(1.0 + frame["peak_active"].to_numpy(dtype=float)))


def founded_log_size_bimodality(arms: list[list[ChannelResult]]) -> Measured:
    """Return the bimodality coefficient of log10(1 + peak active members) of every member-founded
    community, every channel's together (a measure)."""
    return _measured(_sized(arms), _log_bimodality)


def first_year_weeks(frame: pd.DataFrame) -> np.ndarray:
    """Return each community's weeks alive in its first FIRST_YEAR weeks (weeks)."""
    return np.fmin(frame["died_age"].to_numpy(dtype=float), FIRST_YEAR)


def _overlap_rho(frame: pd.DataFrame) -> float:
    x, y = frame["early_overlap"].to_numpy(dtype=float), first_year_weeks(frame)
    if x.size < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return math.nan
    return float(stats.spearmanr(x, y).statistic)


def overlap_followed(arms: list[list[ChannelResult]]) -> pd.DataFrame:
    """Return the member-founded communities followed for a whole first year whose early overlap
    was measured (the sample of :func:`overlap_survival`)."""
    frame = _founded(arms)
    return frame[(frame["followed"] >= FIRST_YEAR) & frame["early_overlap"].notna()]


def overlap_survival(arms: list[list[ChannelResult]]) -> Measured:
    """Return Spearman's rho of a member-founded community's early overlap (its members' mean
    other memberships over its first EARLY_WEEKS weeks) and its weeks alive in its first year,
    among those followed a whole year; interval by resampling channels (a measure)."""
    return _measured(overlap_followed(arms), _overlap_rho)


def overlap_hazard(arms: list[list[ChannelResult]]) -> dict[str, float]:
    """Return a Cox proportional-hazards fit (lifelines) of a member-founded community's death on
    its early overlap, over every founded community that lived its first EARLY_WEEKS weeks
    (followed to the end of the run, censored there; robust errors clustered by channel):
    ``hazard_ratio`` per one more membership, its 95% ``low`` and ``high``, ``p`` and ``n``;
    NaN when it cannot be fitted (no deaths, no spread)."""
    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceError

    frame = _founded(arms)
    frame = frame[frame["early_overlap"].notna() & (frame["followed"] > EARLY_WEEKS)]
    died = frame["died_age"].notna().to_numpy()
    data = pd.DataFrame({"weeks": np.where(died, frame["died_age"], frame["followed"]),
                         "died": died.astype(int), "overlap": frame["early_overlap"],
                         "run": frame["run"]})
    empty = {"hazard_ratio": math.nan, "low": math.nan, "high": math.nan, "p": math.nan, "n": len(data)}
    if len(data) < 5 or not died.any() or data["overlap"].std() == 0:
        return empty
    try:
        fit = CoxPHFitter().fit(data, duration_col="weeks", event_col="died", cluster_col="run")
    except ConvergenceError:  # a degenerate sample (e.g. overlap separates the deaths)
        return empty
    row = fit.summary.loc["overlap"]
    return {"hazard_ratio": float(row["exp(coef)"]), "low": float(row["exp(coef) lower 95%"]),
            "high": float(row["exp(coef) upper 95%"]), "p": float(row["p"]), "n": len(data)}

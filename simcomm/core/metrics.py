"""What the weekly record measures (shared/MODEL.md): its columns, the lifecycle stage and the
inequality of participation. The metrics themselves (units, bounds, words) are declared in
:mod:`simcomm.core.metric_registry`; the run summary is :mod:`simcomm.runs.summary`."""

from __future__ import annotations

import math

import numpy as np

from simcomm.core.metric_registry import WEEKLY

#: The weekly record's columns, in order (the metric registry's ``weekly`` metrics).
WEEKLY_METRICS: tuple[str, ...] = WEEKLY
STAGES: tuple[str, ...] = ("inception", "growth", "maturity", "decline", "death")
CRITICAL_MASS = 10  # active members below which a community is still in inception
TREND_WEEKS = 8  # weeks over which the growth trend is measured
TREND_SHARE = 0.05  # a change of more than 5% over the trend window is growth or decline


def participation_inequality(messages: np.ndarray) -> tuple[float, float, float]:
    """Return (Gini, top-10% share, top-1% share) of messages written per member.

    ``messages`` holds each current member's posts plus answers (non-negative integers);
    shares are of all messages, the top groups are the top 10% / 1% of members (at least one
    member). Returns (0, 0, 0) when nobody has written anything.
    """
    n = messages.size
    total = int(np.add.reduce(messages)) if n else 0
    if total == 0:
        return 0.0, 0.0, 0.0
    x = np.sort(messages)
    ranks = np.arange(1, n + 1)
    gini = float((2.0 * np.add.reduce(ranks * x)) / (n * total) - (n + 1.0) / n)
    top10 = float(np.add.reduce(x[n - max(1, math.ceil(0.10 * n)):]) / total)
    top1 = float(np.add.reduce(x[n - max(1, math.ceil(0.01 * n)):]) / total)
    return gini, top10, top1


def lifecycle_stage(active: list[int], dead: bool) -> str:
    """Return this week's lifecycle stage from the history of active members so far.

    death once the community has died; inception until active members first reach both
    CRITICAL_MASS and twice the launch count (the first week's); then growth or decline when
    the active count changed by more than TREND_SHARE over the last TREND_WEEKS weeks, maturity
    otherwise.
    """
    if dead:
        return "death"
    if max(active) < max(CRITICAL_MASS, 2 * active[0]):
        return "inception"
    now = active[-1]
    before = active[-TREND_WEEKS - 1] if len(active) > TREND_WEEKS else active[0]
    change = (now - before) / max(before, 1)
    if change > TREND_SHARE:
        return "growth"
    if change < -TREND_SHARE:
        return "decline"
    return "maturity"

"""How often the managers' departures killed a community: the share of seeds, with its interval,
and how that share moves with the programme's margin at its first budget review.

The runs and their replays with no manager ever leaving are :func:`simcomm.runs.departures.fates`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from scipy.stats import mannwhitneyu

from simcomm.analysis.intervals import wilson_ci
from simcomm.runs.departures import Fate

CONTRAST, ONE_CHANGE, MEMBERS_ALONE = "contrast", "one change", "members alone"  # Killed.part: the
# contrast of the page's story, one assumption changed from it, and no budget review (only members)

# Bands of the first review's return over its target, had the managers stayed (1 = just met).
MARGIN_EDGES: tuple[float, ...] = (0.0, 1.0, 1.5, 2.0, 3.0, math.inf)


@dataclass(frozen=True)
class Killed:
    """How often the departures killed the community: of ``n`` seeds, ``killed`` (Wilson 95%
    interval ``low``-``high``, shares), ``late`` of them after its first year, ``by_review`` of
    them closed by a budget review (the rest fell silent), and ``died`` in all; ``part``: which
    part of the page's story the setting belongs to; ``margin``: the median over seeds of the
    first review's return over its target had no manager left (NaN where no review was held)."""

    scenario: str
    n: int
    killed: int
    low: float
    high: float
    late: int
    died: int
    by_review: int = 0
    part: str = ""
    margin: float = math.nan

    @property
    def share(self) -> float:
        """Return the share (0-1) of seeds whose departures killed the community."""
        return self.killed / self.n if self.n else float("nan")


def killed_by_departures(name: str, found: Sequence[Fate], part: str = "") -> Killed:
    """Return how often the departures killed the community over ``found`` (one Fate a seed)."""
    k = sum(f.killed for f in found)
    low, high = wilson_ci(k, len(found))
    margins = [f.margin for f in found if f.margin is not None]
    return Killed(name, len(found), k, low, high, sum(f.killed_after_first_year for f in found),
                  sum(f.died is not None for f in found), sum(f.killed and f.closed_by_review for f in found),
                  part, float(np.median(margins)) if margins else math.nan)


@dataclass(frozen=True)
class MarginBand:
    """Seeds whose first review's return over its target, had no manager left, lay in [``low``,
    ``high``): ``n`` of them, ``killed`` by the departures (Wilson 95% interval ``ci_low``-``ci_high``)."""

    low: float
    high: float
    n: int
    killed: int
    ci_low: float
    ci_high: float

    @property
    def share(self) -> float:
        """Return the share (0-1) of the band's seeds the departures killed."""
        return self.killed / self.n if self.n else float("nan")


def killed_by_margin(found: Sequence[Fate], edges: Sequence[float] = MARGIN_EDGES) -> list[MarginBand]:
    """Return, for each band of ``edges`` (the first review's return over its target had the
    managers stayed), how many of ``found`` (seeds with a review) lay in it and how many of
    them the departures killed."""
    reviewed = [f for f in found if f.margin is not None]
    out = []
    for low, high in pairwise(edges):
        inside = [f for f in reviewed if low <= f.margin < high or (high == math.inf and f.margin == high)]
        k = sum(f.killed for f in inside)
        out.append(MarginBand(low, high, len(inside), k, *wilson_ci(k, len(inside))))
    return out


@dataclass(frozen=True)
class MarginTest:
    """The margins of the seeds the departures killed against those they did not: medians (the
    first review's return over its target had the managers stayed), counts, and the one-sided
    Mann-Whitney p that the killed seeds' margins are the smaller."""

    killed_median: float
    spared_median: float
    killed: int
    spared: int
    p: float


def margin_test(found: Sequence[Fate]) -> MarginTest | None:
    """Return the :class:`MarginTest` of ``found`` (seeds with a review); None without a seed on
    each side."""
    hit = [f.margin for f in found if f.margin is not None and f.killed]
    kept = [f.margin for f in found if f.margin is not None and not f.killed]
    if not hit or not kept:
        return None
    p = float(mannwhitneyu(hit, kept, alternative="less").pvalue)
    return MarginTest(float(np.median(hit)), float(np.median(kept)), len(hit), len(kept), p)

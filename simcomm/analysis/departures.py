"""How often the managers' departures killed a community: the share of seeds, with its interval.

The runs and their replays with no manager ever leaving are :func:`simcomm.runs.departures.fates`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from simcomm.analysis.intervals import wilson_ci
from simcomm.runs.departures import Fate


@dataclass(frozen=True)
class Killed:
    """How often the departures killed the community: of ``n`` seeds, ``killed`` (Wilson 95%
    interval ``low``-``high``, shares), ``late`` of them after its first year, ``by_review`` of
    them closed by a budget review (the rest fell silent), and ``died`` in all."""

    scenario: str
    n: int
    killed: int
    low: float
    high: float
    late: int
    died: int
    by_review: int = 0

    @property
    def share(self) -> float:
        """Return the share (0-1) of seeds whose departures killed the community."""
        return self.killed / self.n if self.n else float("nan")


def killed_by_departures(name: str, found: Sequence[Fate]) -> Killed:
    """Return how often the departures killed the community over ``found`` (one Fate a seed)."""
    k = sum(f.killed for f in found)
    low, high = wilson_ci(k, len(found))
    return Killed(name, len(found), k, low, high, sum(f.killed_after_first_year for f in found),
                  sum(f.died is not None for f in found), sum(f.killed and f.closed_by_review for f in found))

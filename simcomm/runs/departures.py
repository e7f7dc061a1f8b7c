"""Did the managers' departures kill the community? Each run beside its replay in which no manager
ever leaves (common random numbers: the same seed, so the same draws for everything else).

A run whose community died while its replay with every departure neutralised
(``Counterfactual(keep_all_managers=True)``, the world ``simcomm explain`` calls "had the
managers stayed") is still alive at its death week was killed by the departures: a
counterfactual cause, seed by seed (:mod:`simcomm.core.counterfactual`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from simcomm.core.counterfactual import CLOSURE, DEPARTURE, Counterfactual
from simcomm.core.mechanisms.budget_review import ReviewReturn
from simcomm.core.scenario import Scenario
from simcomm.runs.batch import run_many
from simcomm.runs.counterfactual import Outcome, Replay, replay
from simcomm.runs.library import load_scenario

FIRST_YEAR = 52  # weeks: a departure after it hits a community that had grown


@dataclass(frozen=True)
class Fate:
    """One seed: the week the community died (None if it lived), the week it would have died had
    no manager left (None if it would have lived), the weeks the managers left, and whether a
    budget review closed it (False when it fell silent, or lived); ``margin``: the return the
    first budget review saw had no manager left, over the review's target (1 = just met; inf
    with nothing spent; None where no review was held)."""

    seed: int
    died: int | None
    died_had_they_stayed: int | None
    departures: tuple[int, ...]
    closed_by_review: bool = False
    margin: float | None = None

    @property
    def killed(self) -> bool:
        """Return True when the community died but would have been alive then had nobody left."""
        return self.died is not None and (self.died_had_they_stayed is None
                                          or self.died_had_they_stayed > self.died)

    @property
    def killed_after_first_year(self) -> bool:
        """Return True when the departures killed it after week FIRST_YEAR: a community that had
        lasted its first year (whenever the first manager left)."""
        return self.killed and self.died is not None and self.died > FIRST_YEAR


def fates(scenario: str | Scenario, seeds: Sequence[int], weeks: int = 260,
          overrides: Mapping[str, Any] | None = None, workers: int | None = None,
          progress: bool = False) -> list[Fate]:
    """Return each seed's :class:`Fate`: the run and its replay with no manager ever leaving."""
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    user = dict(overrides or {})
    jobs = [Replay(sc, weeks, s, user, cf, key) for s in seeds
            for key, cf in (("run", Counterfactual()), ("stayed", Counterfactual(keep_all_managers=True)))]
    done: list[Outcome] = run_many(jobs, workers=workers, progress=progress, desc="departures",
                                   function=replay)
    out = []
    for run, stayed in zip(done[0::2], done[1::2], strict=True):
        left = tuple(e.week for e in run.adverse if e.kind == DEPARTURE)
        closed = any(e.kind == CLOSURE for e in run.adverse)
        out.append(Fate(run.seed, run.summary["died_week"], stayed.summary["died_week"], left, closed,
                        first_review_margin(stayed.metadata)))
    return out


def first_review_margin(metadata: Mapping[str, Any]) -> float | None:
    """Return the return the run's first budget review saw over its target (``roi_target``;
    1 = just met, inf when nothing was spent or the target is 0), from a replay's ``metadata``;
    None when the run held no review."""
    reviews = metadata["counterfactual"]["reviews"]
    if not reviews:
        return None
    ratio = ReviewReturn(**reviews[0]).ratio
    target = float(metadata["params"]["roi_target"])
    return ratio / target if target > 0 else math.inf

"""``compare --until-clear``: add seeds, on common random numbers, until the headline is clear.

The headline is the first difference the answer tells (the first metric of the first compared
pair that has a value to compare, active members at the horizon by default). Runs start with
seeds 0..R-1 for every arm; while the headline is not decided, the same arms run the next seeds
(R..2R-1, then up to 4R, ..., at most the stated maximum), so every look extends the shorter run
with more of the same seeds. A headline is decided when the rule calls it clear, or when every
seed gives exactly the same difference (no change at all).

Looking at the data again and stopping when it looks clear would make chance look clear more
often than 1 time in 20; so the rule's alpha is divided among the looks planned
(:func:`looks`): with four looks each is judged at 0.05 / 4, 1 time in 80 (Bonferroni over the
looks, conservative and simple to state).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from simcomm.analysis.intervals import ALPHA


def looks(start: int, maximum: int) -> list[int]:
    """Return the replicates at each look: ``start``, doubling, then ``maximum`` (runs per arm)."""
    sizes = [start]
    while sizes[-1] < maximum:
        sizes.append(min(2 * sizes[-1], maximum))
    return sizes


def alpha_per_look(start: int, maximum: int) -> float:
    """Return the rule's alpha (0-1) at each look: 0.05 divided by the number of looks planned."""
    return ALPHA / len(looks(start, maximum))


@dataclass(frozen=True)
class Headline:
    """The difference the answer leads with: ``label`` against ``reference`` in ``metric``;
    ``state``: "clear", "no change" (every seed gives the same difference, 0) or "not clear"."""

    label: str
    reference: str
    metric: str
    state: str

    @property
    def decided(self) -> bool:
        """True when no more seeds are needed: clear, or no change in any run."""
        return self.state != "not clear"


def headline(family: pd.DataFrame, pairs: Sequence[tuple[str, str]], metrics: Sequence[str]) -> Headline:
    """Return the headline of a comparison: the first of ``metrics`` (in order) that the first of
    ``pairs`` can compare (a finite difference), and how it stands under the rule in ``family``
    (:func:`simcomm.analysis.statistics.comparisons`)."""
    label, reference = pairs[0]
    rows = family.set_index(["label", "reference", "metric"])
    for metric in metrics:
        key = (label, reference, metric)
        if key not in rows.index or not math.isfinite(float(rows.loc[key, "diff"])):
            continue
        row = rows.loc[key]
        if bool(row["significant"]):
            state = "clear"
        elif float(row["diff"]) == 0 and row["diff_low"] == row["diff_high"] == 0:
            state = "no change"
        else:
            state = "not clear"
        return Headline(label, reference, metric, state)
    return Headline(label, reference, metrics[0] if metrics else "", "not clear")


def outcome_sentence(final: Headline, runs: int, maximum: int, planned: int, name: str) -> str:
    """Return what --until-clear did, in one sentence: stopped at ``runs`` runs of each because
    the headline (``name``: its metric's readable name) became clear (or showed no change), or
    reached the ``maximum`` without; and how the ``planned`` looks were allowed for."""
    chance = f"1 time in {round(planned / ALPHA):,}"
    what = f"{name[:1].lower()}{name[1:]} of {final.label} against {final.reference}"
    if final.state == "clear":
        done = f"stopped at {runs} runs of each: the headline, {what}, is clear"
    elif final.state == "no change":
        done = f"stopped at {runs} runs of each: the headline, {what}, did not change in any run"
    else:
        done = f"reached the maximum of {maximum} runs of each and the headline, {what}, is still not clear"
    return (f"Until clear: {done}; with up to {planned} looks at the data, each look's rule is "
            f"{chance}, so that looking again does not make chance look clear.")

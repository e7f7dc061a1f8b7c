"""Lifecycle phases of a run: the weekly stages, smoothed into spells of at least a quarter.

The model reports a lifecycle stage every week (:func:`simcomm.core.metrics.lifecycle_stage`),
which flickers around a plateau; the story, the dashboard and anyone reading a run speak of
phases instead (:func:`phases`), named by what active members did over them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from simcomm.runs.sim import Result

MIN_PHASE_WEEKS = 13  # a lifecycle phase lasts at least a quarter; shorter spells are noise
PHASE_CHANGE = 0.10  # a phase is growth (decline) when active members rose (fell) more than this a year


def phases(stages: Sequence[str], active: Sequence[int] | None = None,
           min_weeks: int = MIN_PHASE_WEEKS, died_week: int | None = None) -> list[tuple[str, int, int]]:
    """Return the lifecycle as phases: (stage, first week, last week), weeks numbered from 1.

    The model reports a stage every week (:func:`simcomm.core.metrics.lifecycle_stage`: growth
    or decline when active members changed by more than 5% over 8 weeks), which flickers from
    week to week around a plateau. A phase is a spell of one stage lasting at least
    ``min_weeks`` weeks: consecutive shorter spells that last ``min_weeks`` in all are one
    phase, named by their commonest stage; a short spell left is absorbed into a neighbour
    (the one with the same stage on both sides, else the longer one; the last spell into the
    one before it, so a phase is named once it has lasted ``min_weeks``). ``death`` is never
    absorbed. A run shorter than ``min_weeks`` is one phase, its most frequent stage.

    With ``active`` (active members each week, aligned with ``stages``) a phase of growth,
    maturity or decline is then named by what it did: growth when active members rose by more
    than :data:`PHASE_CHANGE` a year (compounded, from the week before it to its last week),
    decline when they fell by more, maturity otherwise; neighbours that end up with the same
    name are joined.

    ``died_week``: the week the community died (the run's ``died_week``). The week's record is
    taken before the budget review that may close it, so the recorded stage turns to death the
    week after; the death phase is dated from ``died_week`` itself, so that a page saying "died
    in week 208" never also says "death since week 209".
    """
    spells: list[list[Any]] = []  # [stage, first, last] with weeks numbered from 1
    for week, stage in enumerate(stages, start=1):
        if spells and spells[-1][0] == stage:
            spells[-1][2] = week
        else:
            spells.append([str(stage), week, week])
    def length(k: int) -> int:
        return spells[k][2] - spells[k][1] + 1

    def coalesce(items: list[list[Any]]) -> list[list[Any]]:
        out: list[list[Any]] = []
        for item in items:
            if out and out[-1][0] == item[0]:
                out[-1][2] = item[2]
            else:
                out.append(item)
        return out

    # a run of short spells that lasts a quarter in all (flicker) is one phase: its commonest stage
    blocks: list[list[Any]] = []
    k = 0
    while k < len(spells):
        j = k
        while j < len(spells) and length(j) < min_weeks and spells[j][0] != "death":
            j += 1
        if j - k > 1 and spells[j - 1][2] - spells[k][1] + 1 >= min_weeks:
            weeks_of: dict[str, int] = {}
            for stage, a, b in spells[k:j]:
                weeks_of[stage] = weeks_of.get(stage, 0) + b - a + 1
            blocks.append([max(weeks_of, key=lambda st: weeks_of[st]), spells[k][1], spells[j - 1][2]])
            k = j
        else:
            blocks.append(spells[k])
            k += 1
    spells = coalesce(blocks)

    def neighbours(k: int) -> list[int]:  # the spells it may join: not death
        return [j for j in (k - 1, k + 1) if 0 <= j < len(spells) and spells[j][0] != "death"]

    while True:
        short = [k for k in range(len(spells))
                 if length(k) < min_weeks and spells[k][0] != "death" and neighbours(k)]
        if not short:
            break
        i = min(short, key=lambda k: (length(k), k))
        if 0 < i < len(spells) - 1 and spells[i - 1][0] == spells[i + 1][0] != "death":
            spells[i - 1][2] = spells[i + 1][2]  # the same stage on both sides: one phase
            del spells[i:i + 2]
            continue
        options = neighbours(i)
        into = i - 1 if i == len(spells) - 1 else max(options, key=lambda k: (length(k), -k))
        spells[into][1] = min(spells[into][1], spells[i][1])
        spells[into][2] = max(spells[into][2], spells[i][2])
        del spells[i]
    if len(spells) == 1 and len(stages) and spells[0][2] - spells[0][1] + 1 < min_weeks:
        values, counts = np.unique(np.asarray(list(stages), dtype=str), return_counts=True)
        spells[0][0] = str(values[np.argmax(counts)])
    if active is not None and len(active) >= len(stages):
        for spell in spells:
            stage, a, b = spell
            if stage in ("growth", "maturity", "decline"):
                before, after = max(float(active[max(a - 2, 0)]), 1.0), max(float(active[b - 1]), 1.0)
                change = (after / before) ** (52.0 / (b - a + 1)) - 1.0  # per year
                spell[0] = "growth" if change > PHASE_CHANGE else "decline" if change < -PHASE_CHANGE \
                    else "maturity"
        spells = coalesce(spells)
    if died_week is not None and spells and spells[-1][0] == "death" and spells[-1][1] > died_week >= 1:
        spells[-1][1] = int(died_week)
        while len(spells) > 1 and spells[-2][1] >= died_week:  # a phase wholly after the death
            del spells[-2]
        if len(spells) > 1:
            spells[-2][2] = int(died_week) - 1
    return [(str(stage), int(a), int(b)) for stage, a, b in spells]



def run_phases(result: Result) -> list[tuple[str, int, int]]:
    """Return the run's lifecycle phases: (stage, first week, last week) (:func:`phases`)."""
    ts = result.timeseries
    if "stage" not in ts or ts.empty:
        return []
    return phases(list(ts["stage"]), ts["active_members"].tolist(),
                  died_week=result.summary.get("died_week"))

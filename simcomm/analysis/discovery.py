"""Scenario discovery: the boxes of assumptions in which an outcome happens (PRIM).

The Patient Rule Induction Method (Friedman & Fisher 1999), as scenario discovery uses it
(Bryant & Lempert 2010), from the EMA Workbench (``ema_workbench.analysis.prim``, Kwakkel
2017): it installs and imports under Python 3.11 and 3.12, and it is the reference
implementation of peeling and pasting with quasi-p values, so nothing here re-implements PRIM.

The input is one row per run (or per pair of runs, for a claim): the values of the varied
assumptions (x) and whether the outcome of interest happened (y, the *cases*). PRIM peels a
box, one side a small step (``peel_alpha``, 5% of the box's runs) at a time, keeping the peel
that raises the share of cases most per run removed, then pastes back what helps; every box
along the way forms the **peeling trajectory**. Of a box:

- **coverage**: the share of all cases that fall in it;
- **density**: the share of the box's runs that are cases;
- **restricted dimensions**: the assumptions it limits, each with its limits (parameter units)
  and a quasi-p value (a one-sided binomial test of the limit: Bryant & Lempert 2010).

The box kept from a trajectory is its densest (of equal density, the one with the higher
coverage: the Workbench's own choice, the end of the peeling); restrictions whose quasi-p value
exceeds 0.05 are then dropped one at a time (the weakest first, with the Workbench's
``drop_restriction``), so a box names only limits the data support. With a few hundred runs
and dozens of assumptions, peeling also trims assumptions that do not matter (a handful of
runs at a noise dimension's edge can all be non-cases by chance); those limits have large
quasi-p values and go, while the ones that carry the box stay. A box is reported only if its
peeled density reached ``min_density``; its density after dropping limits is what is
reported. Further boxes are sought in the runs outside the
boxes found (the Workbench's default), up to ``max_boxes``. PRIM itself draws no random
numbers: the same runs give the same boxes.

**Chance.** With a few dozen points in dozens of dimensions, PRIM finds dense boxes in noise:
on staff-churn's 48 points over 74 assumptions, outcomes shuffled among the points gave boxes
of density 0.97-1.0 at coverage 0.6 in two of six tries. So each box is compared with the
first box PRIM finds after the outcomes are shuffled among the points (a point's replicates
move together; ``shuffles`` times, a fixed seed): :func:`chance_boxes` counts the shuffles
whose box is at least as dense at at least the same coverage. A box that shuffled outcomes
match often is not told apart from chance: name fewer assumptions (the ones the question is
about) or run more points.
"""

from __future__ import annotations

import contextlib
import logging
import math
import operator
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from simcomm.agents.framework_import import import_framework
from simcomm.core.params import ParameterError

PEEL_ALPHA = 0.05  # the share of a box's runs one peel removes (the Workbench's default)
MASS_MIN = 0.05  # the smallest box: 5% of the runs
MIN_DENSITY = 0.7  # a box must reach this share of cases (or the densest box is kept)
SIGNIFICANCE = 0.05  # a restriction is kept when its quasi-p value is at most this
MAX_BOXES = 3

OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "<=": operator.le, ">=": operator.ge, "==": operator.eq, "!=": operator.ne,
    "<": operator.lt, ">": operator.gt}
OPERATOR_WORDS = {"<": "below", "<=": "at most", ">": "above", ">=": "at least", "==": "equal to",
                  "!=": "other than"}
HOLDS, FAILS, TIES = "holds", "fails", "ties"
VERDICTS = (HOLDS, FAILS, TIES)
_COMPARISON = re.compile(r"^\s*(<=|>=|==|!=|<|>)\s*([-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)\s*$")


@dataclass(frozen=True)
class Condition:
    """What counts as a case: a comparison of a value with a number (``op`` one of
    :data:`OPERATORS`, ``value`` in the metric's unit), or, for a claim, its verdict on a pair
    of runs (``verdict`` "holds", "fails" or "ties"; ``op`` empty)."""

    op: str = ""
    value: float = math.nan
    verdict: str = ""

    @property
    def text(self) -> str:
        """Return the condition as typed (``< 100``, ``holds``)."""
        return self.verdict or f"{self.op} {self.value:g}"

    def test(self, values: np.ndarray) -> np.ndarray:
        """Return, for each value (NaN: False), whether it meets the comparison."""
        values = np.asarray(values, dtype=float)
        with np.errstate(invalid="ignore"):
            return np.asarray(OPERATORS[self.op](values, self.value), dtype=bool) & np.isfinite(values)


def parse_where(text: str, claim: bool) -> Condition:
    """Return the :class:`Condition` written in ``text``: a comparison (``"< 100"``, ``">= 0.5"``,
    ``"== 0"``) or, for a claim, ``holds``, ``fails`` or ``ties``. Raises ParameterError (one
    line naming --where and what it allows) otherwise."""
    words = text.strip().lower()
    if claim and words in VERDICTS:
        return Condition(verdict=words)
    match = _COMPARISON.match(text)
    if match is None:
        allowed = "holds, fails, ties, or " if claim else ""
        raise ParameterError(f"--where '{text}' is not allowed: expected {allowed}a comparison of "
                             f"{'the paired effect' if claim else 'the metric'} with a number, one of "
                             f"{', '.join(OPERATORS)} then the number (e.g. '< 100', '== 0')")
    return Condition(op=match.group(1), value=float(match.group(2)))


def paired_verdict(effect: np.ndarray, without: np.ndarray, direction: int,
                   tolerance: float = 0.1) -> np.ndarray:
    """Return, per pair of runs, "holds" when the paired effect (with minus without, metric
    units) points the way the claim expects, "ties" when it is exactly zero (for a claim that the
    metric moves), "fails" otherwise, and "" where it is undefined (NaN). For ``direction`` 0
    ("hardly moves") it holds within ``tolerance`` x ``without`` of zero and fails outside."""
    effect, without = np.asarray(effect, dtype=float), np.asarray(without, dtype=float)
    out = np.full(effect.shape, "", dtype=object)
    ok = np.isfinite(effect)
    if direction == 0:
        inside = np.abs(effect) <= tolerance * np.abs(without)
        out[ok & inside], out[ok & ~inside] = HOLDS, FAILS
        return out
    out[ok & (effect * direction > 0)] = HOLDS
    out[ok & (effect == 0)] = TIES
    out[ok & (effect * direction < 0)] = FAILS
    return out


@dataclass(frozen=True)
class Restriction:
    """One limit of a box: ``low`` <= ``name`` <= ``high`` (parameter units), against the
    hypercube's range ``range_low``-``range_high``; ``qp`` the quasi-p value of the limit (the
    smaller of the two sides' where both are limited)."""

    name: str
    low: float
    high: float
    range_low: float
    range_high: float
    qp: float

    @property
    def text(self) -> str:
        """Return the limit in words: ``handover_quality ≤ 0.2``, ``0.1 ≤ x ≤ 0.4``."""
        lower, upper = self.low > self.range_low, self.high < self.range_high
        if lower and upper:
            return f"{self.low:.3g} ≤ {self.name} ≤ {self.high:.3g}"
        return f"{self.name} ≥ {self.low:.3g}" if lower else f"{self.name} ≤ {self.high:.3g}"


@dataclass(frozen=True)
class Box:
    """A box PRIM found (numbered from 1 in the order found).

    ``coverage``: the share of all cases in the box; ``density``: the share of its ``n`` runs
    that are cases (``k``); ``mass``: its share of all runs; ``restrictions``: the limits it
    sets; ``trajectory``: its peeling trajectory (one row per candidate box: coverage, density,
    n, k, res_dim; ``chosen`` marks the one kept, before restrictions were dropped).
    """

    number: int
    coverage: float
    density: float
    mass: float
    n: int
    k: int
    restrictions: tuple[Restriction, ...]
    trajectory: pd.DataFrame = field(repr=False, compare=False)

    @property
    def limits(self) -> str:
        """Return the box's limits joined by "and" ("anywhere" when it restricts nothing)."""
        return " and ".join(r.text for r in self.restrictions) or "anywhere in the hypercube"


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence the Workbench's import warnings (ipyparallel, altair) and its info log."""
    logger = logging.getLogger("EMA")
    level = logger.level
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logger.setLevel(logging.WARNING)
        try:
            yield
        finally:
            logger.setLevel(level)


def _restrictions(box: Any, init: pd.DataFrame) -> tuple[Restriction, ...]:
    lims, qps = box.box_lims[box._cur_box], box.qp[box._cur_box]
    out = []
    for name in lims.columns:
        low, high = float(lims.at[0, name]), float(lims.at[1, name])
        r_low, r_high = float(init.at[0, name]), float(init.at[1, name])
        if low > r_low or high < r_high:
            q = [v for v in qps.get(name, []) if v is not None and v >= 0]
            out.append(Restriction(str(name), low, high, r_low, r_high, min(q) if q else math.nan))
    return tuple(out)


def _choose(box: Any) -> int:
    """Return the trajectory index of the box to keep: the densest, of equal density the one
    covering most."""
    t = box.peeling_trajectory
    densest = t[t["density"] == t["density"].max()]
    return int(densest["coverage"].astype(float).idxmax())


def find_boxes(x: pd.DataFrame, cases: np.ndarray, *, min_density: float = MIN_DENSITY,
               max_boxes: int = MAX_BOXES, peel_alpha: float = PEEL_ALPHA,
               mass_min: float = MASS_MIN, significance: float = SIGNIFICANCE) -> list[Box]:
    """Return the boxes PRIM finds where ``cases`` (one bool per row of ``x``) happen.

    ``x`` holds the varied assumptions (numeric columns, parameter units). No box when every
    row or none is a case, nor one none of whose limits the data support (all dropped).
    Coverage is of all the cases (boxes after the first are found among the rows outside the
    earlier ones). Deterministic: the same rows give the same boxes.
    """
    y = np.asarray(cases, dtype=bool)
    if len(y) != len(x):
        raise ValueError(f"{len(y)} outcomes for {len(x)} rows")
    if not len(y) or y.all() or not y.any():
        return []
    with _quiet():
        prim = import_framework("ema_workbench.analysis.prim")  # its method_logger walks the stack

        x = x.reset_index(drop=True).astype({c: float for c in x.columns if x[c].dtype.kind == "f"})
        p = prim.Prim(x, y.astype(int), threshold=min_density, peel_alpha=peel_alpha,
                      paste_alpha=peel_alpha, mass_min=mass_min)
        boxes: list[Box] = []
        total = int(y.sum())
        while len(boxes) < max_boxes:
            if not y[p.yi_remaining].any():
                break
            found = p.find_box()
            if found is None or found.mean < min_density or len(found.peeling_trajectory) < 2:
                break  # the Workbench's "dump box": nothing left reaches the density
            trajectory = found.peeling_trajectory[["coverage", "density", "n", "k", "res_dim"]].copy()
            chosen = _choose(found)
            trajectory["chosen"] = trajectory.index == chosen
            found.select(chosen)
            while True:
                weak = [r for r in _restrictions(found, p.box_init)
                        if not (r.qp <= significance)]  # NaN qp counts as weak
                if not weak:
                    break
                found.drop_restriction(max(weak, key=lambda r: (np.nan_to_num(r.qp, nan=2.0), r.name)).name)
            limits = _restrictions(found, p.box_init)
            if not limits:
                break  # no limit the data support: the box is the whole remaining space
            k = int(y[found.yi].sum())
            boxes.append(Box(len(boxes) + 1, k / total, k / len(found.yi), len(found.yi) / len(y),
                             len(found.yi), k, limits, trajectory))
    return boxes


#: The paired measure a claim's direction is judged on where its metric is alive/dead: weeks alive
#: (a community that lived longer counts for more; two alive at the horizon tie).
PAIRED_MEASURE: dict[str, str] = {"survival": "weeks_alive", "alive_at_end": "weeks_alive"}


def paired_metric(metric: str) -> str:
    """Return the metric a claim on ``metric`` is judged on run by run: weeks alive for survival
    (a continuous, paired measure), the metric itself otherwise."""
    return PAIRED_MEASURE.get(metric, metric)


def scenario_cases(design: pd.DataFrame, values: pd.DataFrame, names: list[str], metric: str,
                   condition: Condition) -> pd.DataFrame:
    """Return one row per run with a value of ``metric``: ``point``, ``replicate``, ``seed``,
    the assumptions ``names`` (from ``design``, by point), ``value`` (metric units) and ``case``
    (whether ``condition`` holds). Runs without a value (NaN) are left out."""
    rows = values[["point", "replicate", "seed"]].assign(value=values[metric].astype(float))
    rows = rows[np.isfinite(rows["value"])]
    out = rows.merge(design[["point", *names]], on="point", how="left")
    return out.assign(case=condition.test(out["value"].to_numpy())).reset_index(drop=True)


def claim_cases(design: pd.DataFrame, values: pd.DataFrame, names: list[str], metric: str,
                condition: Condition, direction: int, tolerance: float = 0.1) -> pd.DataFrame:
    """Return one row per pair of runs (point x replicate, both arms on one seed) with a paired
    effect of ``metric``: ``without``, ``with``, ``value`` (with minus without, metric units),
    ``verdict`` (:func:`paired_verdict`: holds, ties or fails), the assumptions and ``case``
    (the verdict named by ``condition``, or its comparison on the effect)."""
    wide = values.pivot_table(index=["point", "replicate", "seed"], columns="arm", values=metric,
                              aggfunc="first", dropna=False).reset_index()
    wide = wide.rename_axis(columns=None)
    wide["value"] = wide["with"].astype(float) - wide["without"].astype(float)
    wide = wide[np.isfinite(wide["value"])]
    wide["verdict"] = paired_verdict(wide["value"].to_numpy(), wide["without"].to_numpy(), direction,
                                     tolerance)
    out = wide.merge(design[["point", *names]], on="point", how="left").reset_index(drop=True)
    case = (out["verdict"] == condition.verdict).to_numpy() if condition.verdict else condition.test(
        out["value"].to_numpy())
    return out.assign(case=case)


SHUFFLES = 10  # outcome shuffles of the chance check
SHUFFLE_SEED = 0xD15C


def chance_boxes(cases: pd.DataFrame, names: list[str], shuffles: int = SHUFFLES, seed: int = SHUFFLE_SEED,
                 **prim: Any) -> list[tuple[float, float]]:
    """Return (coverage, density) of the first box PRIM finds in ``cases`` (one row per run or
    pair, with ``point``, the assumptions ``names`` and ``case``) after the points' assumptions
    are shuffled among the points, ``shuffles`` times with a fixed seed ((1, share of cases)
    where no box is found). ``prim``: :func:`find_boxes`' options."""
    design = cases[["point", *names]].drop_duplicates("point").sort_values("point").reset_index(drop=True)
    rng = np.random.default_rng([seed, len(design)])
    base = float(cases["case"].mean()) if len(cases) else math.nan
    out = []
    for _ in range(shuffles):
        shuffled = design.assign(point=design["point"].to_numpy()[rng.permutation(len(design))])
        rows = cases[["point", "case"]].merge(shuffled, on="point", how="left")
        found = find_boxes(rows[names], rows["case"].to_numpy(), **{**prim, "max_boxes": 1})
        out.append((found[0].coverage, found[0].density) if found else (1.0, base))
    return out


def as_good(box: Box, null: list[tuple[float, float]]) -> int:
    """Return how many of the shuffled outcomes' boxes are at least as dense as ``box`` with at
    least its coverage."""
    return sum(1 for c, d in null if d >= box.density - 1e-12 and c >= box.coverage - 1e-12)

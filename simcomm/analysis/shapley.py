"""Shapley values: a difference between two scenarios attributed to the levers on which they differ.

For one seed, ``v(S)`` is a metric of the run with A's value for the levers in coalition ``S``
and B's for the rest (:mod:`simcomm.runs.decompose`), so ``v(all) - v(none)`` is the
difference A - B on that seed. A lever's Shapley value is its marginal contribution
``v(S + i) - v(S)`` averaged over every order in which the levers could be switched from B's
value to A's:

- **exact** (every coalition ran): ``phi_i = sum over S without i of |S|! (n-|S|-1)! / n! x
  (v(S + i) - v(S))``; the values add up to the total (efficiency), exactly up to
  floating-point rounding;
- **sampled** (a set of orders ran): ``phi_i`` is the mean over the orders of i's marginal
  contribution where it comes in each; in every order the contributions telescope to the
  total, so the sampled values add up to it too (again up to floating-point rounding), and
  the orders add a sampling error (stated, per lever).

Seeds share their random numbers across coalitions (common random numbers), so a lever's value
is computed seed by seed; the table gives its mean over seeds with a 95% bootstrap percentile
interval (:func:`simcomm.analysis.explain.interval`: fixed seed, within the range of the seeds'
values). A share (survival, retention) is decomposed in percentage points.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from simcomm.analysis.explain import interval
from simcomm.core.metric_registry import metric as registered

#: The headline metrics a difference is taken apart in by default (the compare table's, with
#: weeks alive for survival; the vendor's return is left out: a community that costs the vendor
#: nothing has none, so it is undefined for half the coalitions between a vendor's type and a
#: members').
DECOMPOSED: tuple[str, ...] = ("alive_at_end", "weeks_alive", "final_active", "peak_active",
                               "retention_12w", "retention_52w", "settled_retention_52w",
                               "median_tenure_weeks", "total_peer_deals")
POINTS = 100.0  # a share is decomposed in percentage points


def scale(name: str) -> float:
    """Return the factor that puts metric ``name`` in the unit it is decomposed in (100 for a
    share: percentage points; 1 otherwise)."""
    return POINTS if registered(name).share else 1.0


def exact_shapley(v: np.ndarray, coalitions: Sequence[frozenset[int]], n: int) -> np.ndarray:
    """Return the exact Shapley values, shape (n, seeds), from ``v`` of shape (coalitions,
    seeds): ``v[k]`` is the metric of coalition ``coalitions[k]`` on each seed, and every subset
    of the ``n`` levers must be there (ValueError otherwise)."""
    index = {c: k for k, c in enumerate(coalitions)}
    if len(index) != 2 ** n:
        raise ValueError(f"exact Shapley values need all {2 ** n} coalitions, got {len(index)}")
    weight = [math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)]
    phi = np.zeros((n, v.shape[1]))
    for c, k in index.items():
        for i in range(n):
            if i not in c:
                phi[i] += weight[len(c)] * (v[index[c | {i}]] - v[k])
    return phi


def sampled_shapley(v: np.ndarray, coalitions: Sequence[frozenset[int]], orders: Sequence[Sequence[int]],
                    n: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (Shapley values estimated from ``orders``, shape (n, seeds); each lever's
    contribution in each order, shape (orders, n, seeds)) from ``v`` as in
    :func:`exact_shapley` (every prefix of every order must be among ``coalitions``)."""
    index = {c: k for k, c in enumerate(coalitions)}
    per_order = np.zeros((len(orders), n, v.shape[1]))
    for j, order in enumerate(orders):
        before: frozenset[int] = frozenset()
        for i in order:
            after = before | {i}
            per_order[j, i] = v[index[after]] - v[index[before]]
            before = after
    return per_order.mean(axis=0), per_order


def _interval_row(x: np.ndarray) -> dict[str, Any]:
    low, high = interval(x)
    return {"mean": float(x.mean()) if x.size else math.nan, "low": low, "high": high, "n": int(x.size)}


def decompose(values: pd.DataFrame, coalitions: Sequence[frozenset[int]], levers: Sequence[str],
              orders: Sequence[Sequence[int]] | None = None,
              metrics: Sequence[str] = DECOMPOSED) -> pd.DataFrame:
    """Return the decomposition table: per metric, B's and A's means, the total difference and
    each lever's Shapley value, each with a 95% bootstrap interval over seeds.

    ``values`` has one row per seed x coalition (``seed``, ``coalition``: index into
    ``coalitions``, and a column per metric); ``levers`` names the levers in index order;
    ``orders`` the sampled orders (None: exact). Only the seeds where every coalition has a
    value count for a metric (``n``). Columns: ``metric``, ``unit`` ("points" for a share),
    ``role`` ("B", "A", "total", "lever", "sum"), ``lever`` (the lever's name for a lever row, ""
    otherwise), ``mean``, ``low``, ``high``, ``n``, ``sampling_error`` (a lever's standard error
    from the orders; 0 when exact); the "sum" row's ``mean`` is the sum of the levers' means (the
    total's, up to floating-point rounding) and it has no interval.
    """
    n = len(levers)
    rows: list[dict[str, Any]] = []
    for name in metrics:
        f = scale(name)
        wide = values.pivot(index="coalition", columns="seed", values=name).sort_index()
        v = wide.to_numpy(dtype=float) * f
        keep = np.isfinite(v).all(axis=0)
        v = v[:, keep]
        if not keep.any():
            v = np.zeros((len(coalitions), 0))
        unit = "points" if f == POINTS else registered(name).unit
        full = coalitions.index(frozenset(range(n)))
        empty = coalitions.index(frozenset())
        total = v[full] - v[empty]
        if orders is None:
            phi, spread = exact_shapley(v, coalitions, n), np.zeros(n)
        else:
            phi, per_order = sampled_shapley(v, coalitions, orders, n)
            if v.shape[1]:
                mean_per_order = per_order.mean(axis=2)  # (orders, n): mean over seeds
                spread = mean_per_order.std(axis=0, ddof=1) / math.sqrt(len(orders))
            else:
                spread = np.full(n, math.nan)
        base = {"metric": name, "unit": unit, "lever": "", "sampling_error": 0.0}
        rows.append({**base, "role": "B", **_interval_row(v[empty])})
        rows.append({**base, "role": "A", **_interval_row(v[full])})
        total_row = {**base, "role": "total", **_interval_row(total)}
        rows.append(total_row)
        for i in range(n):
            rows.append({**base, "role": "lever", "lever": levers[i], **_interval_row(phi[i]),
                         "sampling_error": float(spread[i])})
        sum_mean = math.fsum(float(phi[i].mean()) for i in range(n)) if total.size else math.nan
        rows.append({**base, "role": "sum", "mean": sum_mean, "low": None, "high": None,
                     "n": int(total.size)})
    columns = ["metric", "unit", "role", "lever", "mean", "low", "high", "n", "sampling_error"]
    return pd.DataFrame(rows, columns=columns)


def residual(table: pd.DataFrame, metric: str) -> float:
    """Return how far the levers' contributions to ``metric`` miss the total: the sum of their
    means minus the mean total (0 up to floating-point rounding), in the metric's unit."""
    part = table[table["metric"] == metric]
    total = float(part.loc[part["role"] == "total", "mean"].iloc[0])
    summed = float(part.loc[part["role"] == "sum", "mean"].iloc[0])
    return summed - total if math.isfinite(total) else 0.0

"""Sets of partners as ascending arrays of distinct indices: their distinct values, unions and
membership.

``np.unique`` and ``np.union1d`` give the same arrays, but numpy 2.3+ finds distinct values
through a hash table before sorting them, which costs about 50 times a sort's merge on a large
programme's week (60,000 partners who heard of it and 400 invited: 11.7 ms against 0.22 ms).
"""

from __future__ import annotations

import numpy as np


def distinct(values: np.ndarray) -> np.ndarray:
    """Return the distinct ``values``, ascending (what ``np.unique`` returns, by a sort)."""
    return _without_repeats(np.sort(values))


def union(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return the values in ``a`` or ``b``, ascending and without repeats (``np.union1d(a, b)``);
    fastest when each is ascending: the stable sort (timsort) then merges two runs in one pass."""
    both = np.concatenate((a, b))
    both.sort(kind="stable")
    return _without_repeats(both)


def within(values: np.ndarray, ascending: np.ndarray) -> np.ndarray:
    """Return, for each of ``values``, whether it is in ``ascending`` (sorted, distinct): what
    ``np.isin(values, ascending)`` returns, by a binary search instead of a sort of both."""
    if ascending.size == 0:
        return np.zeros(values.shape, dtype=bool)
    at = np.minimum(ascending.searchsorted(values), ascending.size - 1)
    return ascending[at] == values


def _without_repeats(ascending: np.ndarray) -> np.ndarray:
    """Return ``ascending`` (sorted) with each run of equal values kept once."""
    if ascending.size < 2:
        return ascending
    first = np.empty(ascending.size, dtype=bool)
    first[0] = True
    np.not_equal(ascending[1:], ascending[:-1], out=first[1:])
    return ascending[first]

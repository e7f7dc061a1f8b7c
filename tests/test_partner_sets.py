"""Sets of partners by a sort's merge (issue 25, the 100k-partner week) are numpy's distinct values
and unions, to the element and dtype. Small arrays (speed is measured in benchmarks/, never here)."""

from __future__ import annotations

import numpy as np
import pytest

from simcomm.core.partner_sets import distinct, union, within


@pytest.mark.parametrize("sizes", [(0, 0), (0, 5), (7, 0), (1, 1), (40, 300), (3000, 25)])
def test_a_union_of_partners_is_numpys_union(sizes: tuple[int, int]) -> None:
    rng = np.random.default_rng(sum(sizes))
    a = np.unique(rng.integers(0, 500, sizes[0]))  # ascending and distinct, as the week's sets are
    b = np.unique(rng.integers(0, 500, sizes[1]))
    both = union(a, b)
    assert both.dtype == np.union1d(a, b).dtype
    assert np.array_equal(both, np.union1d(a, b))
    unsorted = rng.integers(0, 50, sizes[1])  # any order and repeats: still the union
    assert np.array_equal(union(a, unsorted), np.union1d(a, unsorted))


@pytest.mark.parametrize("size", [0, 1, 2, 1000])
def test_distinct_partners_are_numpys_unique(size: int) -> None:
    values = np.random.default_rng(size).integers(0, 300, size)
    assert np.array_equal(distinct(values), np.unique(values))


@pytest.mark.parametrize("sizes", [(0, 0), (0, 5), (7, 0), (1, 1), (40, 300), (3000, 25)])
def test_partners_within_a_set_are_numpys_isin(sizes: tuple[int, int]) -> None:
    rng = np.random.default_rng(sum(sizes) + 1)
    values = np.unique(rng.integers(0, 500, sizes[0]))  # the week's candidates: ascending, distinct
    ascending = np.unique(rng.integers(0, 600, sizes[1]))  # some beyond every value, some below
    found = within(values, ascending)
    assert found.dtype == np.bool_ and found.shape == values.shape
    assert np.array_equal(found, np.isin(values, ascending))
    assert np.array_equal(within(values, values), np.ones(values.size, dtype=bool))

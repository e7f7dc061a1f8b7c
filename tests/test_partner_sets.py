"""Shortcuts of the 100k-partner week (issue 25) give what they replace: sets of partners by a
sort's merge are numpy's distinct values and unions, and the weekly record's count of ties
between partners who joined is every tie in a community of its own but is counted in a channel.
Small arrays and runs (speed is measured in benchmarks/, never here)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from simcomm.core.channel import Channel
from simcomm.core.mechanisms.record import joined, joined_ties
from simcomm.core.model import CommunityModel
from simcomm.core.params import make_params
from simcomm.core.partner_sets import distinct, union
from simcomm.runs.channel_run import load_channel
from simcomm.runs.library import load_scenario


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


def test_every_tie_of_a_single_community_joins_two_partners_who_joined() -> None:
    model = CommunityModel(make_params(load_scenario("vendor-imposed").overrides | {"partners": 300}), seed=2)
    counted = 0
    for _ in range(40):
        model.step()
        ties, people, roster = model.community.ties, model.people, model.community.roster
        _, mask = joined(people, roster)
        every = np.count_nonzero(mask[ties.u] & mask[ties.v])
        assert joined_ties(ties, people, roster) == every == len(ties)
        counted += len(ties)
    assert counted > 0


def test_a_channels_ties_between_partners_who_joined_are_counted_not_all() -> None:
    plan = load_channel("channel-vendor-both")
    channel = Channel(dataclasses.replace(plan, shared={**plan.shared, "partners": 300}), seed=3)
    fewer = 0
    for _ in range(30):
        channel.step()
        for c in channel.communities:
            people, roster = c.model.people, c.model.community.roster
            _, mask = joined(people, roster)
            pass_over_every_tie = np.count_nonzero(mask[channel.ties.u] & mask[channel.ties.v])
            assert joined_ties(channel.ties, people, roster) == pass_over_every_tie
            fewer += pass_over_every_tie < len(channel.ties)
    assert fewer > 0  # some community's partners hold only some of the channel's ties

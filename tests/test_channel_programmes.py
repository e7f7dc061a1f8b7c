"""N competing vendor programmes in one channel (issue 24; seed 000: "at least 55 Partner
Programmes ... the same audience the same message"): the shipped arms share their first
programme, the measures compare adds for them (members per listed community, memberships per
member) and what the model finds over seeds."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from simcomm.core.channel import Channel
from simcomm.core.channel_plan import channel_from_table
from simcomm.runs.channel_compare import channel_outcomes
from simcomm.runs.channel_run import load_channel
from simcomm.runs.library import load_scenario


def run(plan: object, weeks: int, seed: int) -> Channel:
    channel = Channel(plan, seed=seed)
    for _ in range(weeks):
        channel.step()
    return channel


def small(name: str, partners: int = 300) -> object:
    plan = load_channel(name)
    return dataclasses.replace(plan, shared={**plan.shared, "partners": partners})


def test_the_first_programme_is_the_same_in_both_arms_until_the_second_launches() -> None:
    one, many = small("channel-one-programme"), small("channel-many-programmes")
    second = many.communities[1].launch_week
    assert len(many.communities) >= 5 and 0 < second <= 13
    assert max(c.launch_week for c in many.communities) <= 52  # all launched in the first year
    a = run(one, second + 8, seed=4).communities[0].model
    b = run(many, second + 8, seed=4).communities[0].model
    # The same partners and the same draws: nothing differs before the second programme exists.
    for key in ("active_members", "joins", "posts", "vendor_cost"):
        assert a.history[key][:second] == b.history[key][:second], key
    # From then on the partners in both split their hours: the first programme's week changes.
    assert any(a.history[key][second:] != b.history[key][second:] for key in ("active_members", "posts"))


def test_members_per_listed_community_counts_a_closed_one_as_none_and_overlap_is_memberships_per_member(
) -> None:
    # Two vendor programmes on one topic; the second's review wants a return nothing meets, so it
    # is cut at its first review and closed at its second.
    strict = {"roi_target": 100.0, "review_start": 4, "review_every": 4}
    plan = channel_from_table({"channel": {"partners": 300}, "community": [
        {"name": "a", "scenario": "vendor-imposed", "topic": "technical"},
        {"name": "b", "scenario": "vendor-imposed", "topic": "technical", "overrides": strict}]},
        "t", "t.toml", load_scenario)
    channel = run(plan, 20, seed=2)
    a, b = channel.communities
    assert a.alive and not b.alive
    measured = channel_outcomes(channel)
    assert measured["members_per_community_at_end"] == np.count_nonzero(a.member_mask()) / 2
    count = channel.memberships()
    assert measured["overlap_at_end"] == count.sum() / np.count_nonzero(count)
    assert measured["overlap_at_end"] == 1.0  # b is closed: nobody is in two live communities
    # While both live, partners invited by both are in two.
    both = channel_outcomes(run(plan, 6, seed=2))
    assert both["overlap_at_end"] > 1.0
    founded = dataclasses.replace(small("channel-member-founded"), founding_rate=0.0)
    assert channel_outcomes(run(founded, 2, seed=1))["members_per_community_at_end"] is None


@pytest.mark.seeds
def test_more_programmes_reach_more_partners_not_only_split_the_same_ones() -> None:
    """Paired by seed (seeds 100-104; 500 partners, two years): with the ten programmes of
    channel-many-programmes, on average at least 50 more partners are active in a community
    than with its first programme alone, at least 110 more belong to a programme, and a member is
    in more than 1.5 on average. Measured on seeds 0-9 at the defaults of 2026-12-07: 100 more
    active (sd 21 between seeds, the least 69), 217 more in a programme, 1.6 to 2.5 programmes per
    member (mean 2.1); before them 180 (least 110), 307 and 2.2 to 3.6, with margins 100, 200, 2."""
    diffs, reach, overlap = [], [], []
    for seed in range(100, 105):
        one, many = (channel_outcomes(run(small(name, partners=500), 104, seed=seed))
                     for name in ("channel-one-programme", "channel-many-programmes"))
        diffs.append(many["active_in_any"] - one["active_in_any"])
        reach.append(many["vendor_reach_at_end"] - one["vendor_reach_at_end"])
        overlap.append(many["overlap_at_end"])
    assert np.mean(diffs) >= 50, diffs
    assert np.mean(reach) >= 110, reach
    assert np.mean(overlap) > 1.5, overlap

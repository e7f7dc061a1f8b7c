"""A channel's cost grows with memberships, not communities x partners (issue 24, scale): what the
week's shortcuts rest on holds. A community's roster holds exactly the partners it has reached,
a member's peer bond summed over its own ties is the sum over every partner, the channel's
memberships are its live communities' members, a channel's ties read from a community's members'
own ties (or in one pass shared by its week) are those a pass over every tie finds, and a
channel's memory is estimated as one population and each community's own state. Small channels,
a few weeks (speed is measured in benchmarks/channel_benchmark.py, never here)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from simcomm.core import ties
from simcomm.core.channel import Channel
from simcomm.core.membership import ACTIVE, LURKING, UNAWARE
from simcomm.core.model import CommunityModel
from simcomm.core.params import ParameterError, make_params
from simcomm.core.ties import ChannelTies, PeerTies
from simcomm.runs import resources
from simcomm.runs.channel_run import load_channel
from simcomm.runs.library import load_scenario


def small(name: str, partners: int = 300) -> Channel:
    plan = load_channel(name)
    return Channel(dataclasses.replace(plan, shared={**plan.shared, "partners": partners}), seed=3)


@pytest.mark.parametrize("name", ["channel-vendor-both", "channel-member-founded"])
def test_a_communitys_roster_is_every_partner_it_reached_in_order(name: str) -> None:
    channel = small(name)
    for _ in range(30):
        channel.step()
    assert channel.communities
    for c in channel.communities:
        roster, state = c.model.community.roster, c.model.people.state
        assert np.array_equal(roster, np.flatnonzero(state != UNAWARE)), c.plan.name
        assert np.array_equal(c.members(), np.flatnonzero((state == ACTIVE) | (state == LURKING)))


def test_a_single_communitys_roster_holds_the_aware_who_did_not_join() -> None:
    model = CommunityModel(make_params(load_scenario("vendor-imposed").overrides | {"partners": 300}), seed=2)
    for _ in range(20):
        model.step()
    roster, state = model.community.roster, model.people.state
    assert np.count_nonzero(state[roster] == 1) > 0  # aware of it, not members: on the roster too
    assert np.array_equal(roster, np.flatnonzero(state != UNAWARE))


def test_a_members_peer_bond_over_its_own_ties_is_the_sum_over_every_partner() -> None:
    rng = np.random.default_rng(7)
    ties = PeerTies(60, rng.dirichlet(np.ones(5), size=60), gain=0.3)
    ties.add(rng.integers(0, 60, 200), rng.integers(0, 60, 200))
    ties.add(rng.integers(0, 60, 80), rng.integers(0, 60, 80))  # some ties stronger
    member = rng.random(60) < 0.4
    member[ties.u.min()] = False  # a partner whose ties are all on its lower side is no member
    m = np.flatnonzero(member)
    assert np.array_equal(ties.strength_of(m, member), ties.strength_among(member)[m])
    assert np.array_equal(PeerTies(60, np.eye(5)[np.arange(60) % 5]).strength_of(m, member), np.zeros(m.size))


def test_the_channels_memberships_are_its_live_communities_members() -> None:
    channel = small("channel-many-programmes", partners=250)
    for _ in range(25):
        channel.step()
    count = np.zeros(250, dtype=np.int64)
    for c in channel.communities:
        if c.alive:
            state = c.model.people.state
            count += (state == ACTIVE) | (state == LURKING)
    assert count.max() >= 2  # partners in several programmes
    assert np.array_equal(channel.memberships(), count)
    assert channel.rows[-1]["memberships"] == int(count.sum())
    channel.step()  # the week's split of hours is by the memberships the last record counted
    assert np.array_equal(channel.attention, 1.0 / np.maximum(count, 1))


def test_a_channel_is_estimated_as_one_population_and_each_communitys_own_state(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resources, "meminfo_available", lambda *a: 4 * 10**9)
    monkeypatch.setattr(resources, "cgroup_bytes_left", lambda *a: None)
    monkeypatch.setattr(resources, "address_space_left", lambda: None)
    layers = [({"partners": 100_000}, {})]
    one = resources.estimate_bytes(make_params({"partners": 100_000}).to_dict())
    with pytest.raises(ParameterError, match=r"x 100 models held at once"):  # as if 100 whole runs
        resources.check_memory(layers, models=100)
    resources.check_memory(layers, models=100, shared_population=True)  # one population: it fits
    assert one + 99 * resources.BYTES_PER_COMMUNITY_PARTNER * 100_000 < 0.9 * 4 * 10**9
    with pytest.raises(ParameterError, match=r"partners=1000000 with acquaintances=8 and 100 communities "
                                             r"needs about 13\.9 GB of memory per run, but 4\.0 GB"):
        resources.check_memory([({"partners": 1_000_000}, {})], models=100, shared_population=True)


def _twin_ties(n: int = 80) -> tuple[np.random.Generator, PeerTies, ChannelTies]:
    """Return a generator and the same ties twice, made by the same interactions and weekly decay
    (inserts and forgetting through the channel's reused buffers): as a community's own and as a
    channel's."""
    rng = np.random.default_rng(5)
    skills = rng.dirichlet(np.ones(5), size=n)
    plain, channel = PeerTies(n, skills, gain=0.3), ChannelTies(n, skills, gain=0.3)
    for _ in range(12):
        a, b = rng.integers(0, n, 40), rng.integers(0, n, 40)
        plain.add(a, b)
        channel.add(a, b)
        plain.decay(0.05)
        channel.decay_week(0.05)
    return rng, plain, channel


@pytest.mark.parametrize("per_pass", [1, 10**9], ids=["members-own-ties", "one-pass-over-every-tie"])
def test_a_channels_ties_read_from_members_own_ties_are_those_of_a_pass_over_every_tie(
        per_pass: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ties, "OWN_TIES_PER_PASS", per_pass)  # members few (binary search) or many
    rng, plain, channel = _twin_ties()
    for name in ties.COLUMNS:
        assert np.array_equal(getattr(channel, name), getattr(plain, name)), name
    assert len(channel) > 100
    for _ in range(3):
        member = rng.random(80) < 0.5
        m = np.flatnonzero(member)
        assert np.array_equal(channel.between(m, member), plain.between(m, member))
        channel.refresh(channel.between(m, member)[::3])  # a deal strengthens a tie: the bonds read it
        plain.refresh(plain.between(m, member)[::3])
        assert np.array_equal(channel.strength_of(m, member), plain.strength_of(m, member))  # to the bit
        assert channel.count_between(m, member) == np.count_nonzero(member[plain.u] & member[plain.v])
        who = m[::4]
        u, v = rng.random(who.size), rng.random(who.size)
        for mine, theirs in zip(channel.triadic_candidates(who, u, v), plain.triadic_candidates(who, u, v),
                                strict=True):
            assert np.array_equal(mine, theirs)
        a, b = rng.integers(0, 80, 30), rng.integers(0, 80, 30)  # new ties move the positions
        made = (channel.add(a, b), plain.add(a, b))
        assert made[0] == made[1] > 0
        assert np.array_equal(channel.between(m, member), plain.between(m, member))  # the same week's members
        assert np.array_equal(channel.strength_of(m, member), plain.strength_of(m, member))

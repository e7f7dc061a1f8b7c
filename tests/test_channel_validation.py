"""A channel's facts in validate (issue 24): the member-founded communities' early deaths, sizes
and overlap, measured on the channel's tables; the channel's own record of its members' other
memberships, its ties and its members table."""

from __future__ import annotations

import dataclasses
import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import simcomm
import simcomm.analysis.validation as validation
from simcomm.analysis.channel_measures import (
    EARLY_WEEKS,
    ceased_posting_young,
    founded_communities,
    founded_log_size_bimodality,
    founded_size_concentration,
    overlap_hazard,
    overlap_survival,
)
from simcomm.core.channel import Channel
from simcomm.core.channel_plan import channel_from_table
from simcomm.runs.library import load_scenario


def channel_run(communities: list[tuple[int, int | None, list[int], float]],
                weeks: int = 200) -> SimpleNamespace:
    """A channel's tables: each member-founded community as (founded week, age at death or None,
    active members by age from 1, its members' other memberships every week); each active member
    posts once a week (ceased_posting_young's tests set the posts themselves)."""
    roster, rows = [], []
    for i, (founded, died, active, overlap) in enumerate(communities):
        name = f"founded-{i}"
        roster.append({"community": name, "by_members": True, "founded_week": founded,
                       "died_week": founded + died if died is not None else pd.NA})
        rows += [{"community": name, "age": age, "active_members": a, "other_memberships": overlap,
                  "posts": a, "answers": 0, "staff_present": 0, "events": 0}
                 for age, a in enumerate(active, 1)]
    frame = pd.DataFrame(roster)
    frame["died_week"] = frame["died_week"].astype("Int64")
    return SimpleNamespace(roster=frame, communities=pd.DataFrame(rows), weeks=weeks)


def test_founded_communities_read_the_roster_and_the_weekly_table() -> None:
    run = channel_run([(10, 9, [3, 5, 2, 0, 0, 0, 0, 0, 0], 0.5), (20, None, [4, 8, 40, 30], 1.5)])
    frame = founded_communities([run])
    assert list(frame["died_age"].fillna(-1)) == [9, -1] and list(frame["followed"]) == [190, 180]
    assert list(frame["peak_active"]) == [5, 40] and list(frame["early_overlap"]) == [0.5, 1.5]
    assert EARLY_WEEKS == 8  # the first community's 9 weeks: 8 early ones and one after
    run.communities.loc[run.communities["age"] == 2, "other_memberships"] = 4.5  # inside the first weeks
    run.communities.loc[run.communities["age"] == 9, "other_memberships"] = 99.0  # after them: not counted
    assert list(founded_communities([run])["early_overlap"]) == [(7 * 0.5 + 4.5) / 8, (3 * 1.5 + 4.5) / 4]


def test_ceased_posting_young_counts_the_dead_and_the_silent_in_the_last_month() -> None:
    """Dead by age 13, or alive with no post in ages 10-13 (a meet-up unseen), is ceased; a death
    after age 13 with posts in ages 10-13 is not; only communities followed 13 weeks count."""
    runs = [channel_run([(5, 10, [2] * 10, 0.0), (5, None, [9] * 13, 0.0), (195, None, [1], 0.0),
                         (5, None, [9] * 13, 0.0)]),
            channel_run([(5, 12, [2] * 12, 0.0), (5, None, [9] * 13, 0.0), (5, 14, [9] * 14, 0.0)])]
    quiet = runs[0].communities
    late = (quiet["community"] == "founded-3") & (quiet["age"] >= 10)
    quiet.loc[late, "posts"] = 0  # alive, members still active, but nothing posted in the third month
    quiet.loc[late, "events"] = 1  # meeting in person: the study's observer does not see it
    m = ceased_posting_young()([runs])
    assert m.n == 6 and m.value == pytest.approx(0.5)  # the one founded in week 195 is not followed 13 weeks
    assert m.low == pytest.approx(1 / 3) and m.high == pytest.approx(2 / 3)  # resampling whole channels
    quiet.loc[late & (quiet["age"] == 12), "answers"] = 1  # one answer in the last month: not silent
    assert ceased_posting_young()([runs]).value == pytest.approx(2 / 6)
    quiet.loc[late & (quiet["age"] == 12), "answers"] = 0
    quiet.loc[late & (quiet["age"] == 13), "staff_present"] = 1  # a manager in post writes news
    assert ceased_posting_young()([runs]).value == pytest.approx(2 / 6)
    assert list(founded_communities([runs[1]])["ceased_posting"]) == [True, False, False]


def test_size_measures_read_each_founded_communitys_peak() -> None:
    small = [(5, 10, [2, 3], 0.0)] * 9
    runs = [channel_run([*small, (5, None, [50, 400], 0.0)]),
            channel_run([*small, (8, None, [30, 100], 0.0)])]
    top = founded_size_concentration(0.10)([runs])
    assert top.n == 20 and top.value == pytest.approx(500 / (500 + 18 * 3))
    runs[0].communities.loc[runs[0].communities["active_members"] == 400, "active_members"] = 4
    assert founded_size_concentration(0.10)([runs]).value == pytest.approx(150 / (150 + 54))
    coefficient = founded_log_size_bimodality([runs])
    assert coefficient.n == 20 and not math.isnan(coefficient.value)


def test_overlap_survival_has_the_sign_of_the_tables() -> None:
    def runs(longer_with_overlap: bool) -> list[SimpleNamespace]:
        out = []
        for seed in range(4):
            found = []
            ranks = [[1, 0, 2, 3, 4], [0, 1, 2, 4, 3], [0, 2, 1, 3, 4], [0, 1, 2, 3, 4]][seed]  # not perfect
            for k, overlap in enumerate((0.0, 0.5, 1.0, 1.5, 2.0)):
                rank = ranks[k] if longer_with_overlap else 4 - ranks[k]
                found.append((seed + 1, 10 + 10 * rank if rank < 4 else None, [3] * 6, overlap))
            out.append(channel_run(found))
        return out

    up, down = overlap_survival([runs(True)]), overlap_survival([runs(False)])
    assert up.value > 0.8 and down.value == pytest.approx(-up.value) and up.n == 20
    assert 0 < up.low <= up.value <= up.high
    assert overlap_hazard([runs(True)])["hazard_ratio"] < 1 < overlap_hazard([runs(False)])["hazard_ratio"]


def two_vendors(partners: int = 300) -> object:
    """Two vendor launches inviting the same depth partners, so most founders are in both; each
    reaches 0.004 of the channel a week (the default before 2026-12-07's recalibration, 2.4 times
    today's), so that in 300 partners each also gains members of its own within weeks."""
    pair = [{"name": n, "scenario": "vendor-imposed", "overrides": {"founders": 30, "vendor_reach": 0.004}}
            for n in ("a", "b")]
    return channel_from_table({"channel": {"partners": partners}, "community": pair}, "t", "t.toml",
                              load_scenario)


def test_each_week_records_its_members_other_memberships() -> None:
    channel = Channel(two_vendors(), seed=4)
    for _ in range(6):
        a, b = (c.member_mask() for c in channel.communities)
        expected = [np.mean(b[a]), np.mean(a[b])]  # each member of a is in b or not: 0 or 1 other
        channel.step()
        assert [c.other_memberships[-1] for c in channel.communities] == pytest.approx(expected)
    assert 0 < channel.communities[0].other_memberships[0] < 1


def test_a_channel_communitys_ties_are_those_between_its_members_and_one_alone_counts_all() -> None:
    channel = Channel(two_vendors(), seed=4)
    seen: dict[str, tuple[int, int]] = {}  # after each community's week: ties between its partners, all ties

    def watch(c: object) -> None:
        week = c.model.step

        def step() -> None:
            week()
            joined = c.model.people.join_week >= 0
            seen[c.plan.name] = (np.count_nonzero(joined[channel.ties.u] & joined[channel.ties.v]),
                                 len(channel.ties))

        c.model.step = step

    for c in channel.communities:
        watch(c)
    for _ in range(20):
        channel.step()
    for c in channel.communities:
        between, everyone = seen[c.plan.name]
        assert c.model.history["ties"][-1] == between < everyone
    params = simcomm.make_params({"partners": 300, "governance": "vendor-imposed"})
    alone = simcomm.CommunityModel(params, seed=4)
    for _ in range(20):
        alone.step()
    assert alone.history["ties"][-1] == len(alone.ties) > 0  # a community of its own made every tie


def test_the_members_table_says_who_joined_which_community_in_the_channels_weeks() -> None:
    plan = two_vendors()
    plan = dataclasses.replace(plan, communities=(plan.communities[0],
                                                  dataclasses.replace(plan.communities[1], launch_week=5)))
    result = simcomm.run_channel(plan, weeks=12, seed=2)
    members = result.members
    assert set(members["community"]) == {"a", "b"}
    b = members[members["community"] == "b"]
    assert b["join_week"].min() == 5  # its founders joined at its launch, channel week 5
    channel = Channel(plan, seed=2)
    for _ in range(12):
        channel.step()
    for c in channel.communities:
        mine = members[members["community"] == c.plan.name]
        assert sorted(mine["partner_id"]) == list(np.flatnonzero(c.model.people.join_week >= 0))
        assert mine["member_at_end"].sum() == c.member_mask().sum()


def test_validate_runs_a_channels_facts_in_the_same_batch_and_estimate(monkeypatch) -> None:
    fact = next(f for f in validation.FACTS if f.key == "channel_dead_young")
    in_channel = dataclasses.replace(fact, runs=((validation.CHANNEL, {"partners": 300}),))
    alone = dataclasses.replace(validation.FACTS[2], runs=(("organic", {"partners": 300}),))
    batches: list[list[object]] = []
    real = validation.run_many

    def counted(specs, **kwargs):
        batches.append(list(specs))
        return real(specs, **kwargs)

    monkeypatch.setattr(validation, "run_many", counted)
    v = validation.validate(2, weeks=30, workers=1, facts=(alone, in_channel))
    assert [len(b) for b in batches] == [4]  # one batch, so one progress bar: 2 channels, 2 communities
    assert [r.seed for r in v.channels["channel-member-founded partners=300"]] == [validation.BASE_SEED + i
                                                                                    for i in range(2)]
    assert list(v.table["key"]) == [alone.key, in_channel.key] and list(v.runs) == ["organic partners=300"]
    work = validation.validation_workload(2, 30, facts=(alone, in_channel))
    assert work.runs == 2 + 2 * 12  # a channel counts as its communities (up to 12), as `simcomm run` does

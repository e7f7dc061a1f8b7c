"""Model 3's mechanisms: why a community forms, whom members are attached to, and what size costs.

Each test checks a rate or a sign on the mechanism concerned (shared/MODEL.md mechanisms 13-14;
Ren, Kraut & Kiesler 2007; Kraut & Fiore 2014; Butler 2001), over several seeds where the
outcome is random.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import add_members

import simcomm
from simcomm.core.launch import draw_problem
from simcomm.core.mechanisms import commitment, staff_turnover
from simcomm.core.membership import ACTIVE, LAPSED
from simcomm.core.population import PRODUCT, acquaintances
from simcomm.core.week import Week


def _model(seed: int = 1, **overrides) -> simcomm.CommunityModel:
    return simcomm.CommunityModel(simcomm.make_params({"partners": 400, **overrides}), seed=seed)


# --- why a community forms (mechanism 14) ----------------------------------------------------
@pytest.mark.seeds
def test_the_shared_problem_is_drawn_by_how_many_have_it_and_how_pressing_it_is() -> None:
    """Over 400 launches the problem's frequency follows sum(need x urgency) over partners, which
    differs from the topics' plain weights: 4 standard errors either way."""
    counts = np.zeros(5)
    weights = None
    for seed in range(400):
        model = _model(seed=seed, partners=300, governance="organic")
        counts[model.community.problem] += 1
        if seed == 0:
            people = model.people
            weights = (people.needs * people.urgency[:, None]).sum(axis=0)
    assert counts[PRODUCT] == 0  # the vendor's product is nobody's shared problem
    # every seed draws its own population, so compare with the expected weights of one seed's
    # draw loosely and with the problem's own draw exactly on a fixed population
    model = _model(seed=7, partners=300, governance="organic")
    s = model.views["launch"]
    problems = [i for i in range(5) if i != PRODUCT]
    w = (model.people.needs[:, problems] * model.people.urgency[:, None]).sum(axis=0)
    cum = np.cumsum(w / w.sum())
    u = s.streams.get("shared problem").scalar(0)
    assert draw_problem(s) == problems[int(np.searchsorted(cum, u, side="right"))]
    share = counts[problems] / counts.sum()
    expected = weights[problems] / weights[problems].sum()
    assert np.all(np.abs(share - expected) < 4 * np.sqrt(expected * (1 - expected) / 400) + 0.05)


def test_founders_are_the_initiators_acquaintances_who_have_the_problem() -> None:
    for seed in range(20):
        model = _model(seed=seed, partners=1000, governance="organic")
        people, problem = model.people, model.community.problem
        founders = np.flatnonzero(people.join_week == 0)
        initiator = model.community.initiator
        assert initiator in founders and people.is_leader[initiator]
        others = founders[founders != initiator]
        known, _ = acquaintances(model.graph, np.array([initiator]))
        assert np.isin(others, known).all()
        assert (people.main_need[founders] == problem).all()
        assert founders.size <= model.p.founders


def test_a_founding_group_is_as_large_as_the_initiators_circle_allows() -> None:
    models = [_model(seed=s, partners=1000, governance="organic") for s in range(40)]
    sizes = [np.count_nonzero(m.people.join_week == 0) for m in models]
    assert min(sizes) < 4 <= max(sizes)  # a handful, varying: often just a few
    assert np.std(sizes) > 0.5


def test_founders_differ_in_identity() -> None:
    alike = _model(governance="vendor-imposed", founders=50, founder_concentration=1000.0)
    differ = _model(governance="vendor-imposed", founders=50, founder_concentration=4.0)
    launch = alike.people.join_week == 0
    assert alike.people.identity[launch].std() < 0.02
    assert differ.people.identity[launch].std() > 0.1
    assert abs(differ.people.identity[launch].mean() - differ.p.founder_commitment) < 0.1


@pytest.mark.seeds
def test_a_founder_who_walks_away_early_usually_ends_the_group() -> None:
    """Paired by seed over 40 seeds: with the initiator leaving in week 4, at least 30 points more
    groups are dead by week 13 than when nobody leaves (the initiator is the group's main voice,
    and a handful rarely escapes eight silent weeks without it; measured 0.93-0.95 against 0.33)."""
    dead = {}
    for leaves in (0, 4):
        over = {"partners": 600, "initiator_leaves_week": leaves}
        dead[leaves] = np.mean([simcomm.run("organic", weeks=13, seed=s, overrides=over)
                                .summary["died_week"] is not None for s in range(40)])
    assert dead[4] > dead[0] + 0.3, dead


def test_founders_in_a_star_lose_every_peer_bond_with_their_initiator_and_in_a_mesh_keep_some() -> None:
    """The week after the initiator leaves, the founders who are still members hold no peer bond
    in a star (their one tie was to it) and some in a mesh, over the first 40 seeds whose founding
    group has at least four (in a group of two, nobody is left to be tied to)."""
    held = {}
    for network in ("star", "mesh"):
        bonds = []
        for seed in range(40):
            model = _model(seed=seed, partners=1000, governance="organic", founder_network=network,
                           initiator_leaves_week=2)
            founders = np.flatnonzero(model.people.join_week == 0)
            if founders.size < 4:
                continue
            for _ in range(3):
                model.step()
            left = founders[(model.people.state[founders] != LAPSED)
                            & (founders != model.community.initiator)]
            bonds.extend(model.people.peer_bond[left])
        held[network] = np.mean(bonds) if bonds else float("nan")
    assert held["star"] == 0.0 and held["mesh"] > 0.05, held


# --- whom members are attached to (mechanism 13) ---------------------------------------------
def test_a_departure_without_handover_takes_the_bond_held_away_and_spares_the_identity_held() -> None:
    model = _model(governance="vendor-imposed", founders=200, handover_quality=0.0,
                   staff_turnover_per_year=0.0, leave_hazard=1.0, leave_scale=0.05,
                   peer_bond_weight=0.0, manager_bond_weight=0.8, lurk_threshold=0.3)
    people = model.people
    m = np.flatnonzero(people.join_week == 0)
    bond_held, identity_held = m[: m.size // 2], m[m.size // 2:]
    people.identity[bond_held], people.identity[identity_held] = 0.05, 0.8
    people.vendor_tie[m], people.manager_bond[m] = 0, 1.0
    people.incentive[m] = 0.0
    model.change_params({"staff_turnover_per_year": 52.0, "vacancy_weeks": 20.0})
    for number in range(1, 5):
        model.week = number
        model.run_mechanism(staff_turnover.MECHANISM, Week(number))
        week = model.new_week()
        for name in ("visited", "attended", "champion"):
            setattr(week, name, np.zeros(week.m.size, dtype=bool))
        week.free_h = np.ones(week.m.size)
        week.helped, week.deals_m = np.zeros(week.m.size), np.zeros(week.m.size)
        model.run_mechanism(commitment.MECHANISM, week)
    left_bond = np.mean(people.state[bond_held] == LAPSED)
    left_identity = np.mean(people.state[identity_held] == LAPSED)
    assert left_bond > 0.5 > 0.05 > left_identity


def test_incentive_recruits_leave_as_it_fades_unless_they_found_something_else() -> None:
    model = _model(governance="organic", founders=1, leave_hazard=0.5, leave_scale=0.08, incentive_fade=0.7,
                   peer_bond_weight=0.0, commitment_fade=0.0)
    recruits = add_members(model, 200, identity=0.02)
    model.people.incentive[recruits] = 0.6
    model.people.identity[recruits[100:]] = 0.6  # half found the problem their own
    for number in range(1, 16):
        model.week = number
        week = model.new_week()
        for name in ("visited", "attended", "champion"):
            setattr(week, name, np.zeros(week.m.size, dtype=bool))
        week.free_h = np.ones(week.m.size)
        week.helped, week.deals_m = np.zeros(week.m.size), np.zeros(week.m.size)
        model.run_mechanism(commitment.MECHANISM, week)
    gone = model.people.state[recruits] == LAPSED
    assert gone[:100].mean() > 0.8 and gone[100:].mean() < 0.1


def test_overload_costs_a_visit_the_share_of_messages_beyond_what_it_can_read() -> None:
    model = _model(governance="organic", founders=1, overload_cost=0.8, reading_capacity=50.0)
    add_members(model, 50)
    week = model.new_week()
    size = week.m.size
    week.visited = np.ones(size, dtype=bool)
    week.free_h, week.spam_share, week.effort = np.full(size, 10.0), 0.0, 0.0
    for name in ("helped", "deals_m"):
        setattr(week, name, np.zeros(size))
    week.attended = week.champion = np.zeros(size, dtype=bool)
    s = model.views["value and commitment"]
    values = {}
    for messages in (40, 200):
        week.tally["posts"], week.tally["answers"] = messages, 0
        values[messages] = commitment.week_value(s, week)
    rel = (values[200] - values[40]) + 0.8 * (1 - 50 / 200)  # the content gained, net of overload
    richness_gain = 1.5 * (math.exp(-40 / model.p.content_scale) - math.exp(-200 / model.p.content_scale))
    from simcomm.core.population import relevance

    fit = relevance(model.people, week.m, model.community.topic, model.p.fit_sharpness)
    assert np.allclose(rel, richness_gain * fit)


@pytest.mark.seeds
def test_many_member_run_communities_die_young() -> None:
    """Of 100 organic attempts at the defaults, between a fifth and four fifths are dead within 13
    weeks (Model 2: none of 300; measured 29% on seeds 0-99; Kraut & Fiore's 57% is the validation
    page's fact, where the level is reported against its range)."""
    dead = [simcomm.run("organic", weeks=13, seed=s).summary["died_week"] is not None for s in range(100)]
    assert 0.2 < np.mean(dead) < 0.8


def test_a_bond_held_member_stays_active_while_the_manager_is_there() -> None:
    model = _model(governance="vendor-imposed", founders=100, staff_turnover_per_year=0.0)
    for _ in range(30):
        model.step()
    people = model.people
    members = np.flatnonzero(people.state == ACTIVE)
    related = members[people.vendor_tie[members] >= 0]
    assert related.size > 10
    assert people.manager_bond[related].mean() > 0.3

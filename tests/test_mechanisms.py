"""Each weekly mechanism in isolation (shared/MODEL.md, "Weekly mechanisms")."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import add_members

import simcomm
from simcomm.core.mechanisms import (
    free_time,
    joining,
    leadership,
    moderation,
    participation,
    responses,
    ties_and_deals,
)
from simcomm.core.membership import ACTIVE, LAPSED, LURKING, enroll
from simcomm.core.metrics import lifecycle_stage, participation_inequality
from simcomm.core.ties import PeerTies


def _model(**overrides) -> simcomm.CommunityModel:
    base = {"partners": 400}
    base.update(overrides)
    return simcomm.CommunityModel(simcomm.make_params(base), seed=1)


def _population(params: simcomm.Params):
    """Return the partner arrays of a model built with ``params`` and seed 0 (as drawn at launch)."""
    return simcomm.CommunityModel(params, seed=0).people


def _count(model: simcomm.CommunityModel, state: int) -> int:
    return int(np.count_nonzero(model.people.state == state))


def _newcomers(model: simcomm.CommunityModel, idx: np.ndarray, invited: np.ndarray, fit: np.ndarray) -> None:
    """Enroll ``idx`` as the joining mechanism does (starting commitment from fit, urgency and
    the invitation)."""
    s = model.views["awareness and joining"]
    enroll(s, model.week, idx, joining.starting_identity(s, idx, fit), invited=invited,
           incentive=s.p.incentive * invited, lurk_threshold=s.p.lurk_threshold)


# --- population and acquaintance network ------------------------------------------------------
def test_population_is_heterogeneous() -> None:
    p = simcomm.make_params({"partners": 20_000})
    people = _population(p)
    share = np.bincount(people.size_class, minlength=4) / people.n
    assert share[0] == pytest.approx(0.55, abs=0.02) and share[3] == pytest.approx(0.03, abs=0.01)
    # Larger firms have more hours on average; hours are heavy-tailed (mean well above median).
    assert people.hours[people.size_class == 3].mean() > 2 * people.hours[people.size_class == 0].mean()
    assert people.hours.mean() > 1.3 * np.median(people.hours)
    assert np.allclose(people.needs.sum(axis=1), 1.0)


def test_population_constants_are_parameters() -> None:
    """Size-class hours, the needs' weights and the urgency shape come from the parameter
    table (so sensitivity analysis sees them), each changing only what it names."""
    base = _population(simcomm.make_params({"partners": 20_000}))
    more = _population(simcomm.make_params({"partners": 20_000, "hours_integrator": 8.0,
                                            "need_product": 10.0, "urgency_shape": 20.0}))
    big = base.size_class == 3
    assert np.allclose(more.hours[big], 2 * base.hours[big])
    assert np.array_equal(more.hours[~big], base.hours[~big])
    product = base.needs.shape[1] - 1
    assert np.mean(more.main_need == product) > 0.8 > np.mean(base.main_need == product)
    assert more.urgency.std() < 0.5 * base.urgency.std()
    assert abs(more.urgency.mean() - 0.5) < 0.01


def test_acquaintance_graph_is_small_world_with_homophily() -> None:
    def same_class_share(h: float) -> tuple[float, float]:
        model = simcomm.CommunityModel(simcomm.make_params({"partners": 5000, "homophily": h}), seed=0)
        people, g = model.people, model.graph
        assert (g != g.T).nnz == 0 and g.diagonal().sum() == 0
        rows, cols = g.nonzero()
        return float((people.size_class[rows] == people.size_class[cols]).mean()), g.nnz / people.n

    high, deg = same_class_share(1.0)
    low, _ = same_class_share(0.0)
    assert deg == pytest.approx(8, abs=0.5)
    assert high > 0.8 and low < 0.5


# --- mechanism 8: staff turnover ----------------------------------------------------------------
@pytest.mark.parametrize("handover", [0.0, 1.0])
def test_leaving_manager_takes_relationships_unless_handed_over(handover: float) -> None:
    model = _model(governance="vendor-imposed", founders=40, handover_quality=handover,
                   staff_turnover_per_year=0.0)
    for _ in range(10):
        model.step()
    holders = np.flatnonzero(model.people.vendor_tie == 0)
    assert holders.size > 20
    model.change_params({"staff_turnover_per_year": 52.0})
    model.step()  # hazard 1: the manager leaves this week
    assert model.staff[0].departures == 1 and not model.staff[0].in_post
    still = holders[model.people.state[holders] != LAPSED]
    kept = int((model.people.vendor_tie[still] == 0).sum())
    assert kept == (0 if handover == 0.0 else still.size)
    assert any(kind == "staff_left" for _, kind, _ in model.events)


def test_vacancy_then_successor_starts_from_zero() -> None:
    model = _model(governance="vendor-imposed", staff_turnover_per_year=52.0, vacancy_weeks=6.0)
    model.step()
    s = model.staff[0]
    assert not s.in_post and model.history["staff_present"][-1] == 0
    while not s.in_post:
        model.step()
    assert s.weeks_in_post == 0 and s.effectiveness(ramp_weeks=20) < s.skill


# --- mechanism 9: member leaders --------------------------------------------------------------
def test_leaders_emerge_from_most_committed_and_burn_out() -> None:
    model = _model(governance="organic", leader_burnout=0.2, members_per_leader=10, founders=1)
    model.people.is_leader[:] = False
    add_members(model, 29)
    week = model.new_week()
    model.run_mechanism(leadership.MECHANISM, week)
    leaders = np.flatnonzero(model.people.is_leader)
    assert leaders.size == 3
    others = week.m[~model.people.is_leader[week.m]]
    assert model.people.commitment[leaders].min() >= model.people.commitment[others].max()
    for _ in range(6):  # burnout 0.2 x (0.5 + load 1) a week reaches 1 within 4 weeks
        model.run_mechanism(leadership.MECHANISM, week)
    assert any(kind == "leader_burnout" for _, kind, _ in model.events)
    assert (model.people.identity[leaders] < 0.8).all()  # burning out halves what it means to them


def test_leader_base_load_adds_burnout_whatever_the_size() -> None:
    def burnout(base_load: float) -> float:
        model = _model(governance="organic", leader_burnout=0.1, members_per_leader=10,
                       leader_base_load=base_load, founders=1)
        model.people.is_leader[:] = False
        add_members(model, 29)
        week = model.new_week()
        model.run_mechanism(leadership.MECHANISM, week)  # raises the leaders
        leaders = np.flatnonzero(model.people.is_leader)
        before = model.people.burnout[leaders].copy()
        model.run_mechanism(leadership.MECHANISM, week)
        return float((model.people.burnout[leaders] - before).mean())

    # load is 30 active / (3 leaders x 10) = 1: burnout grows 0.1 x (base + 1) a week
    assert burnout(0.5) == pytest.approx(0.15)
    assert burnout(2.0) == pytest.approx(0.30)


# --- mechanisms 3 and 4: participation and responses --------------------------------------------
def test_answered_first_post_raises_commitment_by_reply_boost() -> None:
    # questions outnumber the answers on offer, so that some first posts go unanswered
    model = _model(governance="organic", reply_boost=0.2, newcomer_attention=0.5,
                   post_rate=2.0, question_rate=0.05, answer_rate=1.5, voice_spread=1.0)
    add_members(model, 200)
    week = model.new_week()
    before = model.people.identity.copy()
    model.run_mechanism(free_time.MECHANISM, week)
    model.run_mechanism(participation.MECHANISM, week)
    model.run_mechanism(responses.MECHANISM, week)
    first = model.people.first_post_answered
    answered = np.flatnonzero(first == 1)
    ignored = np.flatnonzero(first == 0)
    assert answered.size > 5 and ignored.size > 0
    assert np.allclose(model.people.identity[answered] - before[answered], 0.2)
    assert np.allclose(model.people.identity[ignored], before[ignored])


@pytest.mark.parametrize("question_rate", [0.0, 0.5, 1.0])
def test_lurkers_ask_only_about_a_problem_of_their_own(question_rate: float) -> None:
    model = _model(governance="organic", post_rate=5.0, question_rate=question_rate, voice_spread=1.0)
    add_members(model, 300)
    m = np.flatnonzero(model.people.join_week >= 0)
    lurkers, active = m[::2], m[1::2]
    model.people.state[lurkers] = LURKING
    week = model.new_week()
    model.run_mechanism(free_time.MECHANISM, week)
    model.run_mechanism(participation.MECHANISM, week)
    asked = dict(zip(week.m.tolist(), week.questions.tolist(), strict=True))
    visited = dict(zip(week.m.tolist(), week.visited.tolist(), strict=True))
    lurk_q = np.array([asked[i] for i in lurkers])
    seen = np.array([visited[i] for i in lurkers])
    # A lurker asks at most one question, and only when it visited and a problem came up.
    assert lurk_q.max() <= 1 and not lurk_q[~seen].any()
    if question_rate == 0.0:
        assert lurk_q.sum() == 0 and sum(asked[i] for i in active) > 0
    else:
        share = lurk_q[seen].mean()
        assert share == pytest.approx(question_rate, abs=4 * np.sqrt(0.25 / seen.sum()) + 1e-9)


def test_a_partner_joins_lurking_below_the_lurking_threshold() -> None:
    model = _model(governance="organic", lurk_threshold=0.4, newcomer_commitment=0.3, incentive=0.2,
                   newcomer_urgency_pull=0.0)
    outside = np.flatnonzero(model.people.join_week < 0)[:4]
    _newcomers(model, outside, invited=np.array([False, False, True, True]), fit=np.full(4, 0.5))
    # 0.3 stays below 0.4 (lurking); an invitation's incentive lifts it to 1 - 0.7 x 0.8 = 0.44 (active).
    assert model.people.state[outside].tolist() == [LURKING, LURKING, ACTIVE, ACTIVE]
    assert (model.people.join_week[outside] == model.week).all()


def test_a_newcomers_identity_is_drawn_from_its_fit_and_urgency_and_an_invitation_holds_it_too() -> None:
    model = _model(governance="organic", newcomer_commitment=0.3, newcomer_fit_pull=0.4,
                   newcomer_urgency_pull=0.2, incentive=0.1)
    people = model.people
    outside = np.flatnonzero(people.join_week < 0)[:200]
    fit = np.linspace(0.0, 1.0, outside.size)
    invited = np.arange(outside.size) % 2 == 0
    _newcomers(model, outside, invited=invited, fit=fit)
    identity = np.clip(0.3 + 0.4 * (fit - 0.5) + 0.2 * (people.urgency[outside] - 0.5), 0, 1)
    assert np.allclose(people.identity[outside], identity)
    # an invitation's incentive is its own reason to stay: 1 - (1 - identity)(1 - incentive)
    assert np.allclose(people.commitment[outside], 1 - (1 - identity) * (1 - 0.1 * invited))
    assert people.identity[outside].std() > 0.1  # no common starting point any more
    assert np.corrcoef(fit, people.identity[outside])[0, 1] > 0.7


@pytest.mark.parametrize("discovery", [0.0, 2.0])
def test_partners_come_across_a_community_only_through_its_messages(discovery: float) -> None:
    model = _model(governance="organic", word_of_mouth=0.0, invitation=0.0, discovery=discovery,
                   voice_spread=1.0)
    add_members(model, 50)
    founders = model.people.join_week >= 0
    for _ in range(10):
        model.step()
    joined = int(((model.people.join_week >= 0) & ~founders).sum())
    messages = sum(model.history["posts"]) + sum(model.history["answers"])
    assert messages > 0
    assert (joined > 0) if discovery else (joined == 0)


def test_newcomer_attention_raises_reply_rate() -> None:
    rates = []
    for attention in (0.05, 1.0):
        model = _model(governance="organic", newcomer_attention=attention, voice_spread=1.0)
        add_members(model, 200)
        for _ in range(4):
            model.step()
        rates.append(model.people.first_post_answered[model.people.first_post_answered >= 0].mean())
    assert rates[1] > rates[0] + 0.1


# --- mechanism 12: moderation --------------------------------------------------------------------
def test_spam_falls_as_moderation_rises() -> None:
    visible = []
    for share in (0.0, 0.5, 0.95):
        model = _model(governance="vendor-imposed", founders=300, spam_per_member=0.2,
                       moderation=share)
        total = 0
        for _ in range(50):
            week = model.new_week()
            model.run_mechanism(moderation.MECHANISM, week)
            total += week.tally["spam_visible"]
        visible.append(total)
    assert visible[0] > visible[1] > visible[2]
    assert visible[2] < 0.15 * visible[0]


# --- mechanism 7: ties ---------------------------------------------------------------------------
def test_ties_grow_with_interactions_decay_when_unused_and_are_forgotten() -> None:
    skills = np.eye(5)[np.arange(10) % 5]
    ties = PeerTies(10, skills, gain=0.5, forget=0.1)
    assert ties.add(np.array([0, 1, 2, 0]), np.array([1, 2, 3, 1])) == 3  # (0,1) twice: one tie
    assert ties.add(np.array([5]), np.array([5])) == 0  # no self-ties
    assert ties.add(np.array([1]), np.array([0])) == 0  # a second interaction: no new tie
    assert ties.strength.tolist() == [1.0, 0.5, 0.5]  # two interactions make a full tie
    for week in range(11):
        ties.refresh(ties.u == 0)  # tie 0-1 is used every week: stays at full strength
        ties.decay(0.2)
        if week == 6:
            assert len(ties) == 3  # 0.5 x 0.8 ** 7 = 0.105: unused ties still there
    assert len(ties) == 1 and (ties.u[0], ties.v[0]) == (0, 1)
    assert ties.strength[0] == pytest.approx(0.8)


def test_ties_to_partners_who_left_count_for_nothing() -> None:
    skills = np.eye(5)[np.arange(6) % 5]
    ties = PeerTies(6, skills, gain=0.5)
    ties.add(np.array([0, 0, 0]), np.array([1, 2, 3]))
    member = np.array([True, True, True, False, False, False])  # partner 3 left
    assert ties.strength_among(member)[0] == pytest.approx(1.0)  # 0.5 + 0.5, not 1.5
    assert ties.strength_among(member)[3] == pytest.approx(0.5)  # its tie to 0 still counts for it


def test_triadic_closure_introduces_peers_of_a_common_friend() -> None:
    ties = PeerTies(6, np.eye(5)[np.arange(6) % 5])
    ties.add(np.array([0, 0, 0]), np.array([1, 2, 3]))
    a, b = ties.triadic_candidates(np.array([0, 4]), np.array([0.9, 0.5]), np.array([0.3, 0.5]))
    assert a.size == 1 and a[0] != b[0] and {a[0], b[0]} <= {1, 2, 3}


def test_complementary_skills_close_more_deals() -> None:
    """Each member gets ties to the others of its most alike and its most different skills;
    over 30 weeks the complementary ties close at least twice as many deals per tie."""
    model = _model(governance="organic", founders=300, deal_rate=0.05, tie_decay=0.0, triadic_closure=0.0)
    week = model.new_week()
    m = week.m
    skills = model.people.skills[m]
    cos = (skills @ skills.T) / np.outer(np.linalg.norm(skills, axis=1), np.linalg.norm(skills, axis=1))
    np.fill_diagonal(cos, np.nan)
    alike, unlike = m[np.nanargmax(cos, axis=1)], m[np.nanargmin(cos, axis=1)]
    deals = {}
    for label, other in (("alike", alike), ("unlike", unlike)):
        model.community.ties = PeerTies(model.people.n, model.people.skills)
        model.ties.add(m, other)
        total = 0
        for w in range(30):
            model.week = w
            week = model.new_week()
            model.run_mechanism(ties_and_deals.MECHANISM, week)
            total += week.tally["peer_deals"]
        deals[label] = total / len(model.ties)
        assert model.ties.complementarity.min() >= 0.0 and model.ties.complementarity.max() <= 1.0
    assert deals["unlike"] > 2 * deals["alike"] > 0, deals


# --- mechanisms 1 and 11: joining and growth policy ------------------------------------------
def test_council_policy_admits_only_council_before_opening() -> None:
    model = _model(governance="vendor-imposed", growth_policy="council", council_size=40, open_week=30,
                   word_of_mouth=0.5)
    for _ in range(29):
        model.step()
    members = np.flatnonzero(model.people.join_week >= 0)
    assert model.people.in_council[members].all()
    for _ in range(10):
        model.step()
    members = np.flatnonzero(model.people.join_week >= 0)
    assert not model.people.in_council[members].all()


def test_more_programmes_lower_join_probability() -> None:
    joined = []
    for programmes in (0.0, 30.0):
        model = _model(governance="organic", programmes_per_partner=programmes)
        add_members(model, 30)
        for _ in range(20):
            model.step()
        joined.append(int((model.people.join_week >= 0).sum()))
    assert joined[1] < joined[0]


# --- mechanisms 5 and 6: value, commitment, lapsing -----------------------------------------
def test_members_without_value_lurk_then_leave_on_no_fixed_date() -> None:
    model = _model(governance="organic", content_value=0.0, peer_bond_weight=0.0, deal_value=0.0,
                   advocate_motivation=0.0, word_of_mouth=0.0, invitation=0.0, discovery=0.0,
                   voice_spread=1.0, founders=1)
    added = add_members(model, 199, identity=0.5)
    for _ in range(150):
        model.step()
    assert model.history["lurking_members"][10] > 0
    assert _count(model, LAPSED) == added.size + 1 and _count(model, ACTIVE) == 0
    assert model.died_week is not None
    leaves = np.array(model.history["leaves"])
    assert leaves.max() <= 0.1 * leaves.sum()  # spread over weeks: no countdown to one date
    assert np.count_nonzero(leaves) >= 15


def test_leaving_is_a_hazard_that_rises_as_commitment_falls() -> None:
    """Freeze each member's commitment (no value, no fading) and count who leaves in 20 weeks:
    the share matches 1 - (1 - h)^20 with h = leave_hazard x exp(-c / leave_scale)."""
    model = _model(governance="organic", partners=4000, leave_hazard=0.3, leave_scale=0.1,
                   commitment_rate=0.001, commitment_fade=0.0, peer_bond_weight=0.0, founders=1)
    add_members(model, 1999)
    people = model.people
    members = np.flatnonzero(people.join_week >= 0)
    levels = np.array([0.02, 0.1, 0.3])
    people.identity[members] = levels[np.arange(members.size) % 3]
    people.incentive[members] = 0.0
    start = people.identity.copy()
    from simcomm.core.mechanisms import commitment as mechanism

    for w in range(20):
        model.week = w + 1
        week = model.new_week()
        week.visited = np.zeros(week.m.size, dtype=bool)
        week.free_h = np.ones(week.m.size)
        for name in ("helped", "deals_m"):
            setattr(week, name, np.zeros(week.m.size))
        week.attended = np.zeros(week.m.size, dtype=bool)
        week.champion = np.zeros(week.m.size, dtype=bool)
        week.answered_m = np.zeros(week.m.size, dtype=np.int64)
        people.identity[week.m] = start[week.m]
        model.run_mechanism(mechanism.MECHANISM, week)
    for level in levels:
        group = members[start[members] == level]
        gone = (people.state[group] == LAPSED).mean()
        h = 0.3 * np.exp(-level / 0.1)
        expected = 1 - (1 - h) ** 20
        assert gone == pytest.approx(expected, abs=4 * np.sqrt(expected * (1 - expected) / group.size) + 0.01)


# --- mechanism 10: budget review -------------------------------------------------------------
def test_budget_review_cuts_then_closes() -> None:
    model = _model(governance="vendor-imposed", roi_target=100.0, review_start=10, review_every=5)
    for _ in range(16):
        model.step()
    kinds = [k for _, k, _ in model.events]
    assert kinds.index("budget_cut") < kinds.index("death")
    assert model.died_week == 15 and model.programme.budget_level == pytest.approx(0.5)
    assert _count(model, ACTIVE) == 0 and _count(model, LURKING) == 0
    assert model.history["stage"][-1] == "death"


# --- metrics ----------------------------------------------------------------------------------
def test_participation_inequality_known_values() -> None:
    assert participation_inequality(np.array([3, 3, 3, 3])) == (0.0, pytest.approx(0.25), pytest.approx(0.25))
    gini, top10, top1 = participation_inequality(np.array([0] * 99 + [50]))
    assert gini == pytest.approx(0.99) and top10 == 1.0 and top1 == 1.0
    assert participation_inequality(np.zeros(5, dtype=int)) == (0.0, 0.0, 0.0)


def test_lifecycle_stages() -> None:
    assert lifecycle_stage([1, 2, 3], dead=False) == "inception"
    assert lifecycle_stage(list(range(0, 100, 5)), dead=False) == "growth"
    assert lifecycle_stage([10, 20, 30, 40] + [50] * 16, dead=False) == "maturity"
    assert lifecycle_stage([50] * 20, dead=False) == "inception"  # never grew past its launch
    assert lifecycle_stage([10, 40, *range(100, 0, -5)], dead=False) == "decline"
    assert lifecycle_stage([50] * 20, dead=True) == "death"

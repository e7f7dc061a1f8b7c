"""Each weekly mechanism's rate and sign, measured on the mechanism alone.

A test here runs one mechanism (``model.run_mechanism``) on a prepared week and checks the number
its docstring promises: a weekly hazard per week (not per month), a meet-up every
``meetup_every`` weeks, promotion's cost in a member's value, and so on. Rates drawn at random are
checked within four standard errors of the promised mean (a false alarm about once in 16,000);
formulas are checked exactly. ``benchmarks/mutations.py`` plants plausible bugs and counts how
many of them these tests (with ``tests/test_mechanisms.py``) catch.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import add_members

import simcomm
from simcomm.core.mechanisms import (
    advocates,
    budget_review,
    commitment,
    customer_jobs,
    free_time,
    joining,
    matchmaking,
    meetups,
    moderation,
    participation,
    record,
    responses,
    staff_relationships,
    staff_turnover,
    ties_and_deals,
    topics,
)
from simcomm.core.membership import ACTIVE, LURKING
from simcomm.core.population import acquaintances, relevance
from simcomm.core.week import Week


def _model(seed: int = 1, members: int = 0, **overrides) -> simcomm.CommunityModel:
    """Return a model of 400 partners (unless overridden); with ``members``, a member-run one whose
    founding initiator is joined by ``members`` - 1 more members (tests/conftest.add_members)."""
    if members:
        overrides["founders"] = 1
    model = simcomm.CommunityModel(simcomm.make_params({"partners": 400, **overrides}), seed=seed)
    if members > 1:
        add_members(model, members - 1)
    return model


def _within(observed: float, expected_rate: float, n: float, sd: float | None = None) -> bool:
    """Return True when a mean of ``n`` draws lies within 4 standard errors of its expectation
    (a Bernoulli rate when ``sd`` is None)."""
    se = (sd if sd is not None else math.sqrt(max(expected_rate * (1 - expected_rate), 1e-12))) / math.sqrt(n)
    return abs(observed - expected_rate) <= 4 * se


def _at(model: simcomm.CommunityModel, number: int) -> Week:
    """Return the census of week ``number`` (the model's state is not advanced)."""
    model.week = number
    return model.new_week()


def _quiet_week(model: simcomm.CommunityModel, number: int) -> Week:
    """Return week ``number``'s census with every member's experiences of the week set to none."""
    week = _at(model, number)
    size = week.m.size
    week.free_h = np.ones(size)
    week.visited = np.zeros(size, dtype=bool)
    week.attended = np.zeros(size, dtype=bool)
    week.champion = np.zeros(size, dtype=bool)
    week.helped = np.zeros(size)
    week.deals_m = np.zeros(size)
    week.answered_m = np.zeros(size, dtype=np.int64)
    return week


# --- staff turnover and the programme ---------------------------------------------------------
def test_a_manager_leaves_with_the_weekly_hazard() -> None:
    """staff_turnover_per_year 5.2 is a weekly hazard of 0.1 (not 5.2 / 12 a month)."""
    model = _model(governance="vendor-imposed", staff_count=300, staff_turnover_per_year=5.2,
                   vacancy_weeks=0.0, founders=10)
    exposure = 0
    for number in range(1, 41):
        exposure += sum(post.in_post for post in model.staff)
        model.run_mechanism(staff_turnover.MECHANISM, Week(number))
        model.week = number
    departures = sum(post.departures for post in model.staff)
    assert _within(departures / exposure, 0.1, exposure), departures / exposure


def test_a_post_stays_empty_for_vacancy_weeks_on_average() -> None:
    model = _model(governance="vendor-imposed", staff_count=400, staff_turnover_per_year=52.0,
                   vacancy_weeks=6.0, founders=10)
    model.run_mechanism(staff_turnover.MECHANISM, Week(1))  # hazard 1: every manager leaves
    gaps = np.array([post.vacant_until - 1 for post in model.staff])
    assert all(not post.in_post for post in model.staff)
    assert _within(gaps.mean(), 6.0, gaps.size, sd=math.sqrt(6.0 * 7.0)), gaps.mean()


def test_the_handover_keeps_its_share_of_a_leaving_managers_relationships() -> None:
    model = _model(governance="vendor-imposed", partners=3000, founders=10, handover_quality=0.3,
                   staff_turnover_per_year=52.0)
    held = np.arange(2000)
    model.people.vendor_tie[held] = 0
    model.run_mechanism(staff_turnover.MECHANISM, Week(1))
    kept = np.count_nonzero(model.people.vendor_tie[held] == 0) / held.size
    assert _within(kept, 0.3, held.size), kept


def test_a_successor_ramps_up_over_the_weeks_the_handover_leaves_to_learn() -> None:
    model = _model(governance="vendor-imposed", handover_quality=0.25, successor_ramp_weeks=20.0)
    programme, post = model.programme, model.staff[0]
    assert programme.ramp_weeks() == pytest.approx(0.75 * 20.0)
    post.fill(0.8, 0.5)
    post.weeks_in_post = 2
    assert programme.effort() == pytest.approx(0.8 * 3 / 15.0)
    programme.cut(0.5)
    assert programme.effort() == pytest.approx(0.5 * 0.8 * 3 / 15.0)  # a cut halves managers' time
    assert programme.effectiveness(post) == pytest.approx(programme.effort())


def test_a_budget_cut_halves_events_recruitment_and_managers_time_and_a_pass_restores_them() -> None:
    model = _model(governance="vendor-imposed", roi_target=100.0, review_start=4, review_every=4,
                   budget_cut=0.5, staff_turnover_per_year=0.0)
    for _ in range(4):
        model.step()
    programme = model.programme
    assert programme.staff_level == pytest.approx(0.5) and programme.budget_level == pytest.approx(0.5)
    assert model.history["vendor_cost"][-1] >= 0
    model.change_params({"roi_target": 0.0})
    for _ in range(4):
        model.step()
    assert model.programme.staff_level == 1.0 and model.programme.budget_level == 1.0


def test_the_review_reads_the_return_over_its_own_period() -> None:
    """A review passes when revenue / cost over the last review_every weeks meets roi_target."""
    model = _model(governance="vendor-imposed", review_start=6, review_every=3, staff_turnover_per_year=0.0)
    for _ in range(5):
        model.step()
    history = model.history
    for name, values in (("vendor_cost", [100.0, 100.0, 100.0]), ("influenced_revenue", [50.0, 60.0, 70.0])):
        history[name][-2:] = values[:2]
    week = Week(6)
    history["vendor_cost"].append(100.0)
    history["influenced_revenue"].append(70.0)  # this week's row, as the record leaves it
    model.change_params({"roi_target": 0.61})  # 180 / 300 = 0.6 misses 0.61
    model.run_mechanism(budget_review.MECHANISM, week)
    assert model.programme.review_misses == 1
    model.programme.review_misses = 0
    model.programme.restore()
    model.change_params({"roi_target": 0.59})
    model.run_mechanism(budget_review.MECHANISM, week)
    assert model.programme.review_misses == 0 and model.programme.staff_level == 1.0


# --- staff relationships ---------------------------------------------------------------------
def test_managers_build_relationships_at_their_rate_and_prefer_depth_partners() -> None:
    model = _model(governance="vendor-imposed", partners=4000, founders=2000, staff_count=1,
                   relationships_per_week=4.0, depth_weight=5.0, staff_turnover_per_year=0.0)
    eff = model.programme.effectiveness(model.staff[0])
    model.people.vendor_tie[:] = -1  # (the launch ties its founders to the manager)
    weeks = 60
    free = None
    for number in range(1, weeks + 1):
        week = _at(model, number)
        if free is None:
            free = week.m[week.active_m]
        model.run_mechanism(staff_relationships.MECHANISM, week)
    tied = np.flatnonzero(model.people.vendor_tie == 0)
    assert _within(tied.size / weeks, 4.0 * eff, weeks, sd=math.sqrt(4.0 * eff)), (tied.size / weeks, eff)
    depth = model.people.depth_tier
    assert depth[tied].mean() > 2 * depth[free].mean()  # depth partners 5x as likely


# --- time and participation --------------------------------------------------------------------
def test_other_programmes_take_their_hours_first() -> None:
    weeks = {}
    for hours in (0.0, 0.2):
        model = _model(governance="organic", members=300, programme_hours=hours)
        week = _at(model, 3)
        model.run_mechanism(free_time.MECHANISM, week)
        weeks[hours] = week
    taken = 0.2 * _model(governance="organic", members=300).people.programmes[weeks[0.0].m]
    assert np.allclose(weeks[0.2].free_h, np.maximum(0.0, weeks[0.0].free_h - taken))
    # mean business shock 1: free hours average the partners' hours
    model = _model(governance="organic", members=300, programme_hours=0.0)
    ratios = []
    for number in range(1, 30):
        week = _at(model, number)
        model.run_mechanism(free_time.MECHANISM, week)
        ratios.append(week.free_h / model.people.hours[week.m])
    ratio = np.concatenate(ratios)
    assert _within(ratio.mean(), 1.0, ratio.size, sd=0.5)
    assert np.allclose(week.time_factor, 1.0 - np.exp(-week.free_h / 0.5))


def test_members_visit_in_proportion_to_commitment_and_time_lurkers_half_as_often() -> None:
    model = _model(governance="organic", partners=3000, members=2500, lurker_visit=0.5)
    members = np.flatnonzero(model.people.join_week >= 0)
    model.people.state[members[::2]] = LURKING
    model.people.commitment[members] = np.linspace(0.1, 0.9, members.size)
    week = _at(model, 2)
    model.run_mechanism(free_time.MECHANISM, week)
    model.run_mechanism(participation.MECHANISM, week)
    c = model.people.commitment[week.m]
    expected = c * week.time_factor * np.where(week.active_m, 1.0, 0.5)
    for group in (week.active_m, ~week.active_m):
        assert _within(week.visited[group].mean(), expected[group].mean(), group.sum()), group.sum()


# --- responses ---------------------------------------------------------------------------------
def test_a_question_is_answered_with_probability_one_minus_exp_of_capacity_over_questions() -> None:
    answered, expected, asked = 0, 0.0, 0
    for number in range(1, 9):
        model = _model(governance="organic", partners=3000, members=2000, newcomer_attention=1.0,
                       post_rate=1.0, answer_rate=0.5, seed=number)
        week = _at(model, number)
        model.run_mechanism(free_time.MECHANISM, week)
        model.run_mechanism(participation.MECHANISM, week)
        q = int(week.questions.sum())
        model.run_mechanism(responses.MECHANISM, week)
        answered += week.tally["answers"]
        expected += q * (1.0 - math.exp(-week.capacity.sum() / q))
        asked += q
    # (an asker never answers itself, which lowers the rate by its own small share of capacity)
    rate, se = expected / asked, math.sqrt(expected / asked * (1 - expected / asked) / asked)
    assert rate - 4 * se - 0.02 <= answered / asked <= rate + 4 * se, (answered / asked, rate)


def test_an_answer_ties_asker_and_answerer_at_its_rate() -> None:
    model = _model(governance="organic", partners=3000, members=2000, post_rate=1.0, tie_from_answer=0.3,
                   founder_ties=0)
    week = _at(model, 1)
    model.run_mechanism(free_time.MECHANISM, week)
    model.run_mechanism(participation.MECHANISM, week)
    model.run_mechanism(responses.MECHANISM, week)
    by_members = int(week.answered_m.sum())
    assert by_members > 300
    # (a pair that meets twice in the week makes one tie: slightly fewer, never more)
    share, se = week.tally["new_ties"] / by_members, math.sqrt(0.3 * 0.7 / by_members)
    assert 0.3 - 4 * se - 0.02 <= share <= 0.3 + 4 * se, share


# --- content ---------------------------------------------------------------------------------
def test_the_topic_mix_follows_the_askers_with_memory_and_carries_promotion() -> None:
    model = _model(governance="vendor-imposed", founders=200, topic_memory=0.8, promo_share=0.3,
                   topic_anchor=0.25)
    week = _at(model, 1)
    week.questions = np.zeros(week.m.size, dtype=np.int64)
    week.questions[:20] = 1
    before = model.community.member_topic.copy()
    model.run_mechanism(topics.MECHANISM, week)
    asked = model.people.needs[week.m[:20]].mean(axis=0)
    assert np.allclose(model.community.member_topic, 0.8 * before + 0.2 * asked)
    product = np.eye(5)[4]
    own = 0.25 * model.community.founding_topic + 0.75 * model.community.member_topic
    assert np.allclose(model.community.topic, 0.7 * own + 0.3 * product)


# --- meet-ups ----------------------------------------------------------------------------------
@pytest.mark.parametrize("every", [4, 6])
def test_meetups_are_held_every_meetup_every_weeks_at_their_cost(every: int) -> None:
    model = _model(governance="vendor-imposed", founders=100, meetup_every=every, event_cost=1000.0,
                   staff_turnover_per_year=0.0)
    held = []
    for number in range(1, 25):
        week = _at(model, number)
        week.time_factor = np.ones(week.m.size)
        model.run_mechanism(meetups.MECHANISM, week)
        if week.tally["events"]:
            held.append(number)
            assert week.tally["vendor_cost"] == 1000.0 and week.attended.any()
    assert held == [w for w in range(1, 25) if w % every == 0]


def test_a_member_led_meetup_needs_a_leader() -> None:
    model = _model(governance="organic", members=50, meetup_every=4)
    model.people.is_leader[:] = False  # (the initiator leads from the launch)
    week = _at(model, 4)
    week.time_factor = np.ones(week.m.size)
    model.run_mechanism(meetups.MECHANISM, week)
    assert week.tally["events"] == 0  # nobody leads
    model.people.is_leader[week.m[0]] = True
    model.run_mechanism(meetups.MECHANISM, week)
    assert week.tally["events"] == 1 and week.tally["vendor_cost"] == 0  # pizza and beers


# --- matchmaking, ties and deals --------------------------------------------------------------
def test_managers_introduce_at_their_rate_and_only_complementary_pairs_tie() -> None:
    model = _model(governance="vendor-p2p", partners=2000, founders=800, matchmaking_per_week=20.0,
                   staff_turnover_per_year=0.0, founder_ties=0)
    ties = model.community.ties
    made = []
    for number in range(1, 31):
        week = _at(model, number)
        before = len(ties)
        model.run_mechanism(matchmaking.MECHANISM, week)
        made.append(len(ties) - before)
    people = model.people
    alike = ((people.size_class[ties.u] == people.size_class[ties.v])
             & (people.main_need[ties.u] == people.main_need[ties.v]))
    assert len(ties) > 100 and not alike.any()
    introductions = 20.0 * week.effort
    assert np.mean(made) < introductions + 4 * math.sqrt(introductions / 30)


def test_a_tie_closes_deals_at_deal_rate_times_complementarity_and_decays_when_unused() -> None:
    model = _model(governance="organic", partners=2000, members=1500, deal_rate=0.02, tie_decay=0.0,
                   triadic_closure=0.0, founder_ties=0)
    ties = model.community.ties
    m = np.flatnonzero(model.people.join_week >= 0)
    ties.add(m[:-1:2], m[1::2])
    expected = deals = 0.0
    for number in range(1, 41):
        week = _at(model, number)
        expected += 0.02 * ties.complementarity.sum()
        model.run_mechanism(ties_and_deals.MECHANISM, week)
        deals += week.tally["peer_deals"]
    assert _within(deals / (40 * len(ties)), expected / (40 * len(ties)), 40 * len(ties))
    strength = ties.strength.copy()
    model.change_params({"tie_decay": 0.1, "deal_rate": 0.0})
    model.run_mechanism(ties_and_deals.MECHANISM, _at(model, 41))
    kept = strength * 0.9 >= 0.1
    assert np.allclose(ties.strength, strength[kept] * 0.9)


def test_customers_post_jobs_at_their_rate_and_larger_firms_win_more() -> None:
    model = _model(governance="marketplace", partners=3000, founders=2000, job_rate=0.1)
    jobs = active = 0
    won, present = np.zeros(4), np.zeros(4)
    for number in range(1, 21):
        week = _at(model, number)
        week.deals_m = np.zeros(week.m.size)
        model.run_mechanism(customer_jobs.MECHANISM, week)
        jobs += week.tally["jobs"]
        active += int(week.active_m.sum())
        size = model.people.size_class[week.m]
        won += np.bincount(size, weights=week.deals_m, minlength=4)
        present += np.bincount(size[week.active_m], minlength=4)
    assert _within(jobs / active, 0.1, active, sd=math.sqrt(0.1))
    per_firm = won / present  # a job goes to a firm with weight 1 + size class
    assert per_firm[2] / per_firm[0] == pytest.approx(3.0, rel=0.35)


# --- moderation ------------------------------------------------------------------------------
@pytest.mark.parametrize("share", [0.2, 0.8])
def test_moderation_removes_its_share_of_spam(share: float) -> None:
    model = _model(governance="vendor-imposed", founders=300, spam_per_member=0.5, moderation=share,
                   staff_turnover_per_year=0.0)
    visible = arrived = 0
    for number in range(1, 21):
        week = _at(model, number)
        model.run_mechanism(moderation.MECHANISM, week)
        visible += week.tally["spam_visible"]
        arrived += 0.5 * week.m.size
    assert _within(visible / arrived, 1.0 - share, arrived, sd=math.sqrt(1.0 / 0.5)), visible / arrived


# --- value and commitment -----------------------------------------------------------------------
def test_promotion_costs_visiting_members_its_share_times_inauthenticity() -> None:
    values = {}
    for promo in (0.0, 0.4):
        model = _model(governance="vendor-imposed", founders=200, promo_share=promo)
        week = _quiet_week(model, 3)
        week.visited[::2] = True
        week.effort, week.spam_share = 0.0, 0.0
        values[promo] = commitment.week_value(model.views["value and commitment"], week)
        visited, authenticity = week.visited, model.programme.voice_authenticity()
    cost = values[0.0] - values[0.4]
    assert np.allclose(cost[visited], 1.5 * 0.4 * (1 - authenticity))  # promo_cost x share x inauthenticity
    assert np.allclose(cost[~visited], 0.0)


def test_a_member_run_community_carries_no_vendor_promotion() -> None:
    for governance in ("organic", "sponsored", "p2p-alliance"):
        assert _model(governance=governance, promo_share=0.8).programme.promo_share == 0.0
    assert _model(governance="vendor-imposed", promo_share=0.8).programme.promo_share == 0.8


def test_promotion_lowers_the_identity_of_the_same_members() -> None:
    after = {}
    for promo in (0.0, 0.5):
        model = _model(governance="vendor-imposed", founders=200, promo_share=promo)
        launch = np.flatnonzero(model.people.join_week == 0)
        for _ in range(10):
            model.step()
        after[promo] = model.people.identity[launch].mean()
    assert after[0.5] < after[0.0]


def test_a_managers_bond_holds_a_member_only_while_the_manager_is_in_post() -> None:
    model = _model(governance="vendor-imposed", founders=100, manager_bond_weight=0.4)
    week = _quiet_week(model, 3)
    s = model.views["value and commitment"]
    model.people.vendor_tie[week.m] = -1
    model.people.vendor_tie[week.m[:10]] = 0
    model.people.manager_bond[week.m[:10]] = 0.5
    _, manager = commitment.bonds(s, week)
    assert np.allclose(manager[:10], 0.4 * 0.5) and np.allclose(manager[10:], 0.0)
    model.staff[0].in_post = False
    assert np.allclose(commitment.bonds(s, week)[1], 0.0)


def test_a_bond_grows_while_the_manager_is_in_post_and_goes_with_the_manager() -> None:
    model = _model(governance="vendor-imposed", founders=100, manager_bond_rate=0.1, handover_quality=0.0,
                   relationships_per_week=0.0, staff_turnover_per_year=0.0)
    tied = np.flatnonzero(model.people.vendor_tie == 0)
    before = model.people.manager_bond[tied].copy()
    model.run_mechanism(staff_relationships.MECHANISM, _at(model, 1))
    assert np.allclose(model.people.manager_bond[tied], before + 0.1 * (1 - before))
    model.change_params({"staff_turnover_per_year": 52.0})
    model.run_mechanism(staff_turnover.MECHANISM, Week(2))
    assert np.all(model.people.manager_bond[tied] == 0.0)  # no handover: the bonds go with the manager


def test_peer_bonds_come_from_ties_to_current_members_only() -> None:
    model = _model(governance="organic", members=40, peer_bond_weight=0.6, peer_bond_scale=2.0,
                   founder_ties=0)
    m = np.flatnonzero(model.people.join_week >= 0)
    model.community.ties.add(np.repeat(m[0], 3), m[1:4])  # partner m[0]: three ties at 0.5
    week = _quiet_week(model, 2)
    peers, _ = commitment.bonds(model.views["value and commitment"], week)
    at = np.searchsorted(week.m, m[0])
    expected = 0.6 * (1 - np.exp(-1.5 / 2.0))
    assert peers[at] == pytest.approx(expected, rel=1e-6)
    model.people.state[m[1:3]] = 4  # two of them left
    week = _quiet_week(model, 3)
    peers, _ = commitment.bonds(model.views["value and commitment"], week)
    assert peers[np.searchsorted(week.m, m[0])] == pytest.approx(0.6 * (1 - np.exp(-0.5 / 2.0)), rel=1e-6)


def test_identity_moves_toward_the_weeks_value_and_commitment_combines_it_with_bonds_and_incentive() -> None:
    model = _model(governance="organic", members=200, commitment_rate=0.1, commitment_fade=0.05,
                   newcomer_prior_weeks=52.0, leave_hazard=0.0, incentive_fade=0.5)
    model.people.incentive[:] = 0.2
    week = _quiet_week(model, 60)
    week.effort, week.spam_share = 0.0, 0.0
    week.visited[::2] = True
    s = model.views["value and commitment"]
    value = commitment.week_value(s, week)
    peers, manager = commitment.bonds(s, week)
    before = model.people.identity[week.m].copy()
    model.run_mechanism(commitment.MECHANISM, week)
    tenure = 60 - model.people.last_join_week[week.m]
    rate = np.maximum(0.1, 1.0 / (tenure + 52.0))
    target = np.where(value > 0, value / (1 + np.abs(value)), 0.0)
    identity = np.where(week.visited, before + rate * (target - before), before * 0.95)
    assert np.allclose(model.people.identity[week.m], identity)
    expected = 1 - (1 - identity) * (1 - manager) * (1 - peers) * (1 - 0.2)
    assert np.allclose(model.people.commitment[week.m], expected)
    assert np.allclose(model.people.incentive[week.m], 0.1)  # the incentive's pull halves


def test_members_lurk_below_the_threshold_and_need_a_margin_to_speak_up_again() -> None:
    model = _model(governance="organic", members=200, lurk_threshold=0.3, reactivation_margin=0.1,
                   commitment_rate=0.001, commitment_fade=0.0, leave_hazard=0.0, peer_bond_weight=0.0)
    m = np.flatnonzero(model.people.join_week >= 0)
    levels = np.array([0.25, 0.35, 0.45])
    model.people.identity[m] = levels[np.arange(m.size) % 3]
    model.people.incentive[m] = 0.0
    model.people.state[m] = np.where(np.arange(m.size) % 2, ACTIVE, LURKING)
    model.run_mechanism(commitment.MECHANISM, _quiet_week(model, 2))
    state, c = model.people.state[m], model.people.commitment[m]
    assert (state[c < 0.3] == LURKING).all()
    assert (state[c > 0.4] == ACTIVE).all()
    middle = (c > 0.3) & (c < 0.4)
    was_active = (np.arange(m.size) % 2 == 1)
    assert middle.any() and (state[middle & was_active] == ACTIVE).all()
    assert (state[middle & ~was_active] == LURKING).all()


def test_an_advocates_burnout_grows_with_answers_beyond_one_a_week() -> None:
    model = _model(governance="organic", members=50, seed_advocates=20, leader_burnout=0.1,
                   burnout_commitment_loss=0.5)
    week = _quiet_week(model, 1)
    adv = model.people.is_advocate[week.m]
    written = np.where(adv, np.arange(week.m.size) % 4, 0)
    week.answered_m = written.astype(np.int64)
    model.run_mechanism(advocates.MECHANISM, week)
    grew = model.people.advocate_burnout[week.m[adv]]
    assert np.allclose(grew, np.maximum(0.0, 0.1 * (written[adv] - 1.0)))
    idx = week.m[adv][0]
    model.people.advocate_burnout[idx] = 0.95
    before = model.people.identity[idx]
    week.answered_m[:] = np.where(adv, 2, 0)
    model.run_mechanism(advocates.MECHANISM, week)
    assert model.people.burned_out[idx] and model.people.identity[idx] == pytest.approx(0.5 * before)


# --- joining ---------------------------------------------------------------------------------
def test_word_of_mouth_exposure_and_fit_set_the_chance_of_joining() -> None:
    """Exposure comes from acquaintances among the active members who visited this week: half of
    them visit here, and only their acquaintances hear of it."""
    joined = expected = n = 0.0
    for seed in range(4):
        model = _model(governance="organic", partners=4000, members=1200, word_of_mouth=0.1, invitation=0.0,
                       discovery=0.0, programme_drag=0.3, seed=seed)
        people, s = model.people, model.views["awareness and joining"]
        week = _at(model, 1)
        week.visited = np.arange(week.m.size) % 2 == 0
        talking = week.m[week.active_m & week.visited]
        known, _ = acquaintances(model.graph, talking)
        exposure = 0.1 * np.bincount(known, minlength=people.n)
        cand = np.flatnonzero(~week.is_member & (exposure > 0))
        fit = relevance(people, cand, model.community.topic, s.p.fit_sharpness)
        p_join = (1 - np.exp(-exposure[cand])) * fit / (1 + 0.3 * people.programmes[cand])
        model.run_mechanism(joining.MECHANISM, week)
        joined += week.tally["joins"]
        expected += p_join.sum()
        n += cand.size
    assert _within(joined / n, expected / n, n), (joined, expected)


def test_a_silent_community_spreads_by_no_word_of_mouth() -> None:
    model = _model(governance="organic", members=300, word_of_mouth=1.0, invitation=1.0, discovery=0.0)
    week = _at(model, 1)
    week.visited = np.zeros(week.m.size, dtype=bool)  # nobody took part this week
    model.run_mechanism(joining.MECHANISM, week)
    assert week.tally["joins"] == 0
    week = _at(model, 1)
    week.visited = np.ones(week.m.size, dtype=bool)
    model.run_mechanism(joining.MECHANISM, week)
    assert week.tally["joins"] > 0


def test_discovery_follows_the_messages_not_the_members() -> None:
    model = _model(governance="organic", members=300, word_of_mouth=0.0, invitation=0.0, discovery=5.0)
    week = _at(model, 1)
    week.visited = np.zeros(week.m.size, dtype=bool)
    model.run_mechanism(joining.MECHANISM, week)  # no message written yet this week
    assert week.tally["joins"] == 0
    week = _at(model, 1)
    week.visited = np.zeros(week.m.size, dtype=bool)
    week.tally["posts"] = 40
    model.run_mechanism(joining.MECHANISM, week)
    assert week.tally["joins"] > 0


def test_managers_reach_their_share_of_the_channel_and_start_a_bond_with_their_recruits() -> None:
    model = _model(governance="vendor-imposed", partners=20_000, founders=10, vendor_reach=0.01,
                   word_of_mouth=0.0, invitation=0.0, discovery=0.0, staff_turnover_per_year=0.0,
                   recruit_bond=0.35)
    week = _at(model, 1)
    week.visited = np.zeros(week.m.size, dtype=bool)
    before = model.people.invited.copy()
    model.run_mechanism(joining.MECHANISM, week)
    reach = 0.01 * week.effort * model.programme.budget_level
    outside = int((~week.is_member).sum())
    recruits = np.flatnonzero(model.people.invited & ~before)
    # invited partners join with probability (fit + incentive) / (1 + drag x programmes)
    s = model.views["awareness and joining"]
    cand = np.flatnonzero(~week.is_member)
    fit = relevance(model.people, cand, model.community.topic, s.p.fit_sharpness)
    p_join = ((fit + s.p.incentive) / (1 + s.p.programme_drag * model.people.programmes[cand])).mean()
    expected = reach * p_join
    assert _within(recruits.size / outside, expected, outside), (recruits.size, outside * expected)
    assert (model.people.vendor_tie[recruits] == 0).all()
    assert np.allclose(model.people.manager_bond[recruits], 0.35)


# --- the record ------------------------------------------------------------------------------
def test_the_vendors_cost_and_influenced_revenue_follow_their_formulas() -> None:
    """Revenue runs through the manager's relationships (while in post) and members' activity."""
    model = _model(governance="vendor-imposed", founders=100, revenue_per_active=10.0, reader_influence=0.5,
                   revenue_per_deal=100.0, revenue_per_relationship=40.0, staff_cost_per_week=1000.0,
                   staff_turnover_per_year=0.0)
    people = model.people
    members = np.flatnonzero(people.join_week >= 0)
    people.state[members[::2]] = LURKING  # readers are influenced too
    people.vendor_tie[members[::3]] = -1  # a third have no relationship
    week = _at(model, 1)
    week.tally.update(peer_deals=3, jobs=1, vendor_cost=250.0)
    model.run_mechanism(record.MECHANISM, week)
    counts = np.bincount(people.state, minlength=5)
    assert counts[LURKING] > 0
    related = people.vendor_tie[members] == 0
    active = people.state[members] == ACTIVE
    relationships = np.count_nonzero(related & active) + 0.5 * np.count_nonzero(related & ~active)
    influenced = counts[ACTIVE] + 0.5 * counts[LURKING]
    assert week.row["influenced_revenue"] == pytest.approx(10.0 * influenced + 40.0 * relationships + 400.0)
    assert week.row["vendor_cost"] == pytest.approx(250.0 + 1000.0)
    model.staff[0].in_post = False  # a vacancy: the relationships bring nothing until a successor
    week = _at(model, 2)
    model.run_mechanism(record.MECHANISM, week)
    assert week.row["influenced_revenue"] == pytest.approx(10.0 * influenced)


def test_a_community_dies_after_death_weeks_with_nothing_new() -> None:
    model = _model(governance="organic", members=1, founder_commitment=0.1, death_weeks=5,
                   word_of_mouth=0.0, discovery=0.0, post_rate=0.0, question_rate=0.0)
    for _ in range(12):
        model.step()
    assert model.history["posts"][:5] == [0] * 5
    assert model.died_week == 5  # silent weeks 1-5
    model = _model(governance="vendor-imposed", founders=20, death_weeks=5, post_rate=0.0, question_rate=0.0,
                   staff_turnover_per_year=0.0)
    for _ in range(12):
        model.step()
    assert model.died_week is None  # the manager's news is something new every week


def test_a_meet_up_that_members_came_to_is_something_new() -> None:
    """With no message and no manager, a week in which two members met keeps the community
    alive; one member alone at the table does not."""
    for attendees, alive in ((2, True), (1, False)):
        model = _model(governance="organic", members=10, death_weeks=3)
        members = np.flatnonzero(model.people.join_week >= 0)
        for number in range(1, 6):
            week = _at(model, number)
            week.tally["posts"] = week.tally["answers"] = 0
            week.attended = np.zeros(week.m.size, dtype=bool)
            week.attended[:attendees] = True
            model.run_mechanism(record.MECHANISM, week)
        assert (model.community.silent_weeks == 0) is alive, (attendees, model.community.silent_weeks)
        assert members.size >= 2

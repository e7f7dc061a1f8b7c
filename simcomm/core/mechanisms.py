"""The twelve weekly mechanisms of shared/MODEL.md, each a function of the model.

Each function updates the partner arrays with numpy operations over the current members (or,
for joining, over all partners); the only Python loops run over vendor staff (a handful) and
over partners who join for the first time (to create their Mesa handle). The numbering follows
MODEL.md "Weekly mechanisms"; each docstring names the mechanism and its seed.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from simcomm.core.population import (
    ACTIVE,
    AWARE,
    LAPSED,
    LURKING,
    PRODUCT,
    TOPICS,
    UNAWARE,
    Partners,
    acquaintances,
)

if TYPE_CHECKING:
    from simcomm.core.model import CommunityModel

INCENTIVE_FADE = 0.9  # assumption: a joining incentive loses 10% of its pull a week
LURK_HYSTERESIS = 0.05  # a lurker becomes active again above lurk_threshold + this
BUSY_SHAPE = 4.0  # gamma shape of the weekly business shock (mean 1, CV 0.5): busy weeks
PROMOTION = np.eye(len(TOPICS))[PRODUCT]  # the topic mix of pure product promotion


def _cosine(people: Partners, idx: np.ndarray, topic: np.ndarray) -> np.ndarray:
    """Return the cosine similarity (0-1) of the needs of partners ``idx`` with ``topic``."""
    norm = people.needs_norm[idx] * (np.sqrt(topic.dot(topic)) + 1e-12)
    return (people.needs.take(idx, axis=0) @ topic) / np.maximum(norm, 1e-12)


def staff_turnover(model: CommunityModel) -> None:
    """Mechanism 8, vendor staff turnover (seeds/000 'moved on without leaving any legacy').

    Each manager leaves with weekly hazard ``staff_turnover_per_year / 52``. The post stays
    empty for a geometric number of weeks (mean ``vacancy_weeks``). Each relationship the
    manager held survives with probability ``handover_quality``; the rest are gone. The
    successor starts with no time in post and ramps up over ``(1 - handover_quality) * 26`` weeks.
    """
    if not model.staff or model.closed:
        return
    p, people = model.p, model.people
    hazard = p.staff_turnover_per_year / 52.0
    for s in model.staff:
        if s.in_post:
            if s.leaves(hazard):
                gap = s.vacate(model.week, p.vacancy_weeks)
                held = np.flatnonzero(people.vendor_tie == s.slot)
                lost = held[model.rng.random(held.size) >= p.handover_quality]
                people.vendor_tie[lost] = -1
                empty = f"the post is empty for {gap} weeks" if gap else "a successor starts next week"
                model.log("staff_left", f"the community manager left; {lost.size} of {held.size} "
                          f"relationships went with them; {empty}")
            else:
                s.weeks_in_post += 1
        elif model.week >= s.vacant_until:
            s.fill()
            model.log("staff_joined", "a new community manager started, with no relationships")


def staff_relationships(model: CommunityModel) -> None:
    """Mechanism 8 (relationships), seeds/001 (depth partners: a 1:1 relationship with a manager).

    Each manager in post builds Poisson(``relationships_per_week`` x effectiveness) personal
    relationships with active members who have none, depth partners three times as likely.
    The relationship is held by that manager's post: it is worth ``relationship_value`` a week
    to the member while the manager is in post, and goes when the manager leaves (unless handed over).
    """
    p, people, m, rng = model.p, model.people, model.m, model.rng
    if not model.rules.vendor_runs:
        return
    ramp = (1.0 - p.handover_quality) * 26.0
    for s in model.staff:
        eff = s.effectiveness(ramp)
        if eff <= 0:
            continue
        free = m[(people.vendor_tie[m] < 0) & model.active_m]
        k = min(free.size, int(rng.poisson(p.relationships_per_week * eff)))
        if k:
            w = np.where(people.depth_tier[free], 3.0, 1.0)
            pick = rng.choice(free, size=k, replace=False, p=w / w.sum())
            people.vendor_tie[pick] = s.slot


def leadership(model: CommunityModel) -> None:
    """Mechanism 9, member leaders (seeds/000 'the familiar few keep the pilot light on').

    In member-run communities, leaders emerge from the most committed active members (those
    above ``leader_threshold`` who are not burned out) until there is one per
    ``members_per_leader`` active members. Leaders accumulate burnout in proportion to their
    load; at 1 they step down and their commitment halves. Others recover slowly.
    """
    if not model.member_led:
        return
    p, people = model.p, model.people
    leaders = np.flatnonzero(people.is_leader)
    staying = people.state[leaders] == ACTIVE
    people.is_leader[leaders[~staying]] = False
    leaders = leaders[staying]
    n_active = model.counts[ACTIVE]
    if leaders.size:
        load = n_active / (leaders.size * p.members_per_leader)
        people.burnout[leaders] += p.leader_burnout * (0.5 + load)
        out = leaders[people.burnout[leaders] >= 1.0]
        if out.size:
            people.is_leader[out] = False
            people.commitment[out] *= 0.5
            model.log("leader_burnout", f"{out.size} leader(s) burned out and stepped down")
    members = model.m
    rest = members[~people.is_leader[members]]
    people.burnout[rest] = np.maximum(0.0, people.burnout[rest] - p.leader_burnout)
    needed = max(1, math.ceil(n_active / p.members_per_leader)) if n_active else 0
    deficit = needed - int(np.count_nonzero(people.is_leader))
    if deficit > 0:
        cand = rest[(people.state[rest] == ACTIVE) & (people.commitment[rest] >= p.leader_threshold)
                    & (people.burnout[rest] < 0.5)]
        if cand.size:
            pick = cand[np.argsort(-people.commitment[cand], kind="stable")[:deficit]]
            people.is_leader[pick] = True
            if not leaders.size:
                model.log("leader_emerged", f"{pick.size} member(s) stepped up to lead")


def free_time(model: CommunityModel) -> None:
    """Mechanism 2, time (seeds/000 'typically too busy').

    A member's free hours this week are its weekly budget times a business shock (gamma, mean
    1), divided by ``1 + programme_drag * programmes`` (other programmes take their share).
    Sets ``model.free_h`` (hours) and ``model.time_factor`` = 1 - exp(-2 x hours), the chance
    that there is time for a visit of about half an hour.
    """
    people, m = model.people, model.m
    shock = model.rng.gamma(BUSY_SHAPE, 1.0 / BUSY_SHAPE, size=m.size)
    model.free_h = people.hours[m] * shock / (1.0 + model.p.programme_drag * people.programmes[m])
    model.time_factor = 1.0 - np.exp(-2.0 * model.free_h)


def participation(model: CommunityModel) -> None:
    """Mechanism 3, participation (seeds/003 #4: advocates start the dialogue).

    Active members visit with probability commitment x time factor; lurkers with half that, and
    they only read, unless a problem of their own comes up: each visiting member (lurkers too)
    asks one question about it with probability ``question_rate``, whatever its voice
    (Nonnecke & Preece 2001: lurkers post when they need something; Joyce & Kraut 2006:
    newcomers arrive with a question). Visiting active members also ask
    Poisson(post_rate x intensity) questions and
    offer answer capacity answer_rate x intensity x expertise, where intensity is commitment x
    free hours relative to the median budget x the partner's voice (its willingness to write in
    public: lognormal, mean 1, spread ``voice_spread``). Inequality comes from voice, the
    heavy-tailed hours and commitment feedback, not from a fixed share. Advocates and leaders
    ask and answer 3x.
    """
    p, people, m = model.p, model.people, model.m
    c = people.commitment[m]
    active = model.active_m
    p_visit = np.clip(c * model.time_factor * np.where(active, 1.0, 0.5), 0.0, 1.0)
    model.visited = model.rng.random(m.size) < p_visit
    champion = ((people.is_advocate[m] & ~people.burned_out[m]) | people.is_leader[m])
    model.champion = champion
    intensity = (c * model.free_h / p.hours_per_week * people.voice[m]
                 * np.where(champion, 3.0, 1.0))
    posting = model.visited & active
    lam = np.where(posting, p.post_rate * intensity, 0.0)
    model.questions = model.rng.poisson(lam)
    # A problem of its own makes a visiting member ask, lurkers included, whatever its voice.
    if p.question_rate:
        model.questions += model.visited & (model.rng.random(m.size) < p.question_rate)
    expertise = 1.0 + 0.5 * people.size_class[m]
    model.capacity = np.where(posting, p.answer_rate * intensity * expertise, 0.0)


def responses(model: CommunityModel) -> None:
    """Mechanism 4, responses to questions (Joyce & Kraut 2006; Burke et al. 2007).

    A question is answered with probability 1 - exp(-C / Q): Q questions this week, C the
    answer capacity on offer. Regular members give a newcomer's first question only
    ``newcomer_attention`` of their capacity; champions (advocates, leaders) and managers in
    post give it all (they welcome newcomers). An answered first post raises the newcomer's
    commitment by ``reply_boost``; an answer may create a tie between asker and answerer.
    """
    p, people, m, rng = model.p, model.people, model.m, model.rng
    asker_pos = np.repeat(np.arange(m.size), model.questions)
    asker = m[asker_pos]
    q = asker.size
    model.helped = np.zeros(m.size)
    model.answered_m = np.zeros(m.size, dtype=np.int64)
    if q == 0:
        return
    first_of_week = np.ones(q, dtype=bool)  # asker_pos is sorted: an asker's questions are a run
    first_of_week[1:] = asker_pos[1:] != asker_pos[:-1]
    newcomer_q = first_of_week & (people.first_post_week[asker] < 0)
    staff_cap = model.effort * p.staff_answers
    w_reg = model.capacity
    w_new = model.capacity * np.where(model.champion, 1.0, p.newcomer_attention)
    c_reg, c_new = w_reg.sum() + staff_cap, w_new.sum() + staff_cap
    p_ans = np.where(newcomer_q, 1.0 - math.exp(-c_new / q), 1.0 - math.exp(-c_reg / q))
    answered = rng.random(q) < p_ans
    # Who answers: a member in proportion to capacity, or a manager (the last slot). Nobody
    # answers their own question: a second draw replaces the asker; if it is the asker again,
    # the question stays unanswered.
    cum_reg = np.cumsum(np.append(w_reg, staff_cap))
    cum_new = np.cumsum(np.append(w_new, staff_cap))
    u = rng.random((2, q))
    draws = np.searchsorted(cum_reg, u * c_reg, side="right")
    draws[:, newcomer_q] = np.searchsorted(cum_new, u[:, newcomer_q] * c_new, side="right")
    who = np.minimum(np.where(draws[0] == asker_pos, draws[1], draws[0]), m.size)
    answered &= who != asker_pos
    by_member = answered & (who < m.size)
    answerer_pos = who[by_member]
    answerer = m[answerer_pos]
    model.answered_m = np.bincount(answerer_pos, minlength=m.size)

    week = model.week
    wrote_m = np.zeros(m.size, dtype=bool)
    wrote_m[asker_pos] = True
    wrote_m[answerer_pos] = True
    wrote = m[wrote_m]  # members who wrote this week, ascending
    first_week = people.first_post_week[wrote]
    again = wrote[(first_week >= 0) & (first_week < week) & (people.second_post_week[wrote] < 0)]
    people.second_post_week[again] = week
    nq = asker[newcomer_q]
    nq_answered = answered[newcomer_q]
    people.first_post_week[nq] = week
    people.first_post_answered[nq] = nq_answered
    new_answerers = answerer[people.first_post_week[answerer] < 0]
    people.first_post_week[new_answerers] = week
    people.posts[m] += model.questions.astype(people.posts.dtype)
    people.answers[m] += model.answered_m.astype(people.answers.dtype)
    boosted = nq[nq_answered]  # commitment stays within [0, 1]
    people.commitment[boosted] = np.minimum(people.commitment[boosted] + p.reply_boost, 1.0)
    model.helped[asker_pos[answered]] = 1.0  # at least one question answered

    tie = rng.random(answerer.size) < p.tie_from_answer
    model.tally["new_ties"] += model.ties.add(asker[by_member][tie], answerer[tie])
    t = model.tally
    t["posts"] += q
    t["answers"] += int(np.count_nonzero(answered))
    t["first_posts"] += int(nq.size)
    t["first_posts_answered"] += int(np.count_nonzero(nq_answered))


def meetups(model: CommunityModel) -> None:
    """Mechanism 7 (events), seeds/000 ('one day a month to compare notes').

    Every ``meetup_every`` weeks there is a meet-up if someone organises it: a leader in a
    member-run community (pizza and beers, no vendor cost), a manager in post in a vendor-run one
    (cost ``event_cost``; after a budget cut only in that share of months). A sponsor in post
    pays for the meet-up of a member-run community (cost ``event_cost``), and it goes ahead even
    while no leader is there. Visiting active
    members attend with probability = commitment; attendees meet ``event_ties`` new peers each,
    paired mostly with firms like their own (homophily).
    """
    model.attended = np.zeros(model.m.size, dtype=bool)
    p, people, m, rng = model.p, model.people, model.m, model.rng
    if model.closed or model.week % p.meetup_every:
        return
    funded = False
    if model.member_led:
        organised = bool(people.is_leader.any())
        if model.rules.vendor_funds_events and model.sponsor_in_post():
            funded = bool(rng.random() < model.budget_level)  # the sponsor's event goes ahead
            organised = organised or funded
    else:
        organised = model.effort > 0 and rng.random() < model.budget_level
        funded = organised and model.rules.vendor_funds_events
    if not organised:
        return
    go = model.visited & model.active_m & (rng.random(m.size) < people.commitment[m])
    model.attended = go
    model.tally["events"] += 1
    if funded:
        model.tally["vendor_cost"] += p.event_cost
    who = m[go]
    if who.size < 2:
        return
    h = p.homophily
    key = (people.size_class[who] * 5 + people.main_need[who]) / 20.0
    order = who[np.argsort(h * key + (1 - h) * rng.random(who.size), kind="stable")]
    pairs = min(order.size - 1, round(p.event_ties * who.size / 2))
    start = rng.choice(order.size - 1, size=pairs, replace=False)
    model.tally["new_ties"] += model.ties.add(order[start], order[start + 1])


def ties_and_deals(model: CommunityModel) -> None:
    """Mechanism 7, peer ties and deals (seeds/003 #3, seeds/004 'one plus one equals three').

    Triadic closure: each member introduces two of its peers with probability
    ``triadic_closure``. Each tie between two members closes a peer deal with probability
    ``deal_rate x complementarity``; a deal refreshes the tie. Then every tie decays by
    ``tie_decay``; unused ties fade and are forgotten.
    """
    p, people, m, rng, ties = model.p, model.people, model.m, model.rng, model.ties
    who = m[rng.random(m.size) < p.triadic_closure]
    a, b = ties.triadic_candidates(who, rng)
    model.tally["new_ties"] += ties.add(a, b)
    deals_m = np.zeros(m.size)
    if len(ties):
        member = model.is_member
        both = member[ties.u] & member[ties.v]
        deal = both & (rng.random(len(ties)) < p.deal_rate * ties.complementarity)
        ties.refresh(deal)
        # Both partners of a deal are members: count each member's deals by its position in m.
        per = np.bincount(np.searchsorted(m, np.concatenate([ties.u[deal], ties.v[deal]])),
                          minlength=m.size)
        people.deals[m] += per.astype(np.int32)
        deals_m = per.astype(float)
        model.tally["peer_deals"] += int(np.count_nonzero(deal))
    model.deals_m = deals_m
    model.tally["ties_lost"] += ties.decay(p.tie_decay)


def matchmaking(model: CommunityModel) -> None:
    """Mechanism 7 (vendor-driven networks), seeds/004 ('bring together partners that share a
    common technology goal and disparate skill sets').

    Where managers make introductions, each week they introduce Poisson(
    ``matchmaking_per_week`` x effectiveness) pairs of active members; a pair becomes a tie only
    if the two differ in size class or main need (complementary skills).
    """
    if not model.rules.matchmaking:
        return
    people, m, rng = model.people, model.m, model.rng
    active = m[model.active_m]
    k = int(rng.poisson(model.p.matchmaking_per_week * model.effort))
    if k == 0 or active.size < 2:
        return
    a = active[rng.integers(0, active.size, size=k)]
    b = active[rng.integers(0, active.size, size=k)]
    ok = ((people.size_class[a] != people.size_class[b])
          | (people.main_need[a] != people.main_need[b]))
    model.tally["new_ties"] += model.ties.add(a[ok], b[ok])


def customer_jobs(model: CommunityModel) -> None:
    """Third-party marketplace (seeds/004: 'customers seek service providers for low-end services').

    Customers post Poisson(``job_rate`` x active members) jobs a week; each goes to an active
    member, larger firms more often (weight 1 + size class). A job won is worth ``deal_value``
    to the member and counts as influenced revenue like a deal.
    """
    if not model.rules.customer_jobs:
        return
    people, m, rng = model.people, model.m, model.rng
    pos = np.flatnonzero(model.active_m)
    jobs = int(rng.poisson(model.p.job_rate * pos.size))
    if jobs == 0:
        return
    w = 1.0 + people.size_class[m[pos]]
    won = rng.choice(pos, size=jobs, p=w / w.sum())
    model.deals_m = model.deals_m + np.bincount(won, minlength=m.size)
    model.tally["jobs"] += jobs


def moderation(model: CommunityModel) -> None:
    """Mechanism 12, spam and moderation (seeds/003 #6, #8).

    Spam arrives at ``spam_per_member`` per member per week (Poisson); while someone holds the
    moderation role (a leader, or a manager in post) a share ``moderation`` of it is removed.
    Sets ``model.spam_share``, visible spam as a share of all messages this week.
    """
    p, rng = model.p, model.rng
    spam = rng.poisson(p.spam_per_member * model.m.size)
    moderated = bool(model.people.is_leader.any()) if model.member_led else model.effort > 0
    removed = rng.binomial(spam, p.moderation) if moderated else 0
    visible = spam - removed
    model.tally["spam_visible"] += int(visible)
    messages = model.tally["posts"] + model.tally["answers"]
    model.spam_share = visible / (visible + messages + 1.0)


def value_and_commitment(model: CommunityModel) -> None:
    """Mechanisms 5 and 6: the value of a week, and commitment (seeds/000, 001, 003, 004).

    Value to a member who visited: relevant content (cosine of its needs with the community's
    topics, times how alive the feed is: 1 - exp(-messages / content_scale)), minus promotional
    noise (promo_share x (1 - staff_authenticity)), visible spam and the time a visit takes.
    Every member also values its ties (log), deals, a manager's relationship, a question
    answered, a meet-up attended, a champion's own motivation (advocates, and leaders: leading is
    its own reward until burnout) and a fading incentive.
    Commitment moves toward V / (1 + V) (0 when V <= 0) at rate max(commitment_rate,
    1 / (weeks since joining + 2)): a newcomer's first weeks weigh heavily. Below
    ``lurk_threshold`` an active member lurks; below ``leave_threshold`` for ``leave_weeks``
    weeks a member lapses.
    """
    p, people, m = model.p, model.people, model.m
    if m.size == 0:
        return
    staff_posts = model.effort * p.staff_posts
    messages = model.tally["posts"] + model.tally["answers"] + staff_posts
    richness = 1.0 - math.exp(-messages / p.content_scale)
    rel = _cosine(people, m, model.topic)
    visit_value = (p.content_value * rel * richness
                   - p.promo_cost * p.promo_share * (1.0 - p.staff_authenticity)
                   - p.spam_cost * model.spam_share
                   - p.time_cost * np.exp(-model.free_h))
    degree = model.ties.degree()[m]
    related = people.vendor_tie[m] >= 0
    if related.any():
        in_post = np.array([s.in_post for s in model.staff] + [False])
        related &= in_post[people.vendor_tie[m]]
    value = (model.visited * visit_value
             + p.social_value * np.log1p(degree)
             + p.deal_value * model.deals_m
             + p.relationship_value * related
             + p.content_value * (model.helped + model.attended)
             + p.advocate_motivation * (model.champion)
             + people.incentive[m])
    target = np.where(value > 0, value / (1.0 + np.abs(value)), 0.0)
    c = people.commitment[m]
    # A newcomer's commitment is the running mean of its first weeks; later an EMA.
    tenure = model.week - people.last_join_week[m]
    rate = np.maximum(p.commitment_rate, 1.0 / (tenure + 2.0))
    c += rate * (target - c)
    people.commitment[m] = c
    people.incentive[m] *= INCENTIVE_FADE

    state = people.state[m]
    to_lurk = (state == ACTIVE) & (c < p.lurk_threshold)
    to_active = (state == LURKING) & (c >= p.lurk_threshold + LURK_HYSTERESIS)
    state[to_lurk] = LURKING
    state[to_active] = ACTIVE
    low_weeks = np.where(c < p.leave_threshold, people.low_weeks[m] + 1, 0)
    people.low_weeks[m] = low_weeks
    leave = low_weeks >= p.leave_weeks
    state[leave] = LAPSED
    people.state[m] = state
    gone = m[leave]
    if gone.size:
        _lapse(model, gone)
    _advocate_burnout(model)


def _lapse(model: CommunityModel, gone: np.ndarray) -> None:
    """Record that members ``gone`` left this week (first leave only sets leave_week)."""
    people = model.people
    people.state[gone] = LAPSED
    first = gone[people.leave_week[gone] < 0]
    people.leave_week[first] = model.week
    people.is_leader[gone] = False
    people.vendor_tie[gone] = -1
    people.low_weeks[gone] = 0
    model.tally["leaves"] += gone.size


def _advocate_burnout(model: CommunityModel) -> None:
    """Advocates who answer far more than others burn out (seeds/002 passion; MODEL.md Advocate).

    Each week an advocate's burnout grows by ``leader_burnout`` x (answers written this week - 1)
    (a week with at most one answer lets it recover); at 1 the advocate stops advocating and its
    commitment halves. Kept apart from leaders' burnout.
    """
    people, m = model.people, model.m
    pos = np.flatnonzero(people.is_advocate[m] & ~people.burned_out[m])
    if pos.size == 0:
        return
    adv = m[pos]
    rate = model.p.leader_burnout
    written = model.answered_m[pos]
    people.advocate_burnout[adv] = np.maximum(0.0, people.advocate_burnout[adv] + rate * (written - 1.0))
    out = adv[people.advocate_burnout[adv] >= 1.0]
    if out.size:
        people.burned_out[out] = True
        people.commitment[out] *= 0.5
        model.log("advocate_burnout", f"{out.size} advocate(s) burned out")


def awareness_and_joining(model: CommunityModel) -> None:
    """Mechanisms 1 and 11, awareness, joining and growth policy (seeds/000, 003 #4, #5).

    A non-member considers joining with probability 1 - exp(-e), e = word_of_mouth x active
    acquaintances + invitation x advocate acquaintances; managers in post also invite
    ``recruit_per_week`` partners each (scaled by effort and budget), and Poisson(``discovery``
    x messages written this week) partners, drawn at random, come across the community's public
    content and consider joining (Kraut & Resnick 2012). A partner who considers
    joins with probability fit / (1 + programme_drag x programmes), fit = cosine of its needs
    with the community's topics (1 - cosine in an alliance that seeks complementary skills); an
    invitation adds ``incentive``; a lapsed partner's chance is multiplied by ``return_rate``.
    Under the council policy only council members can join before ``open_week``.
    """
    if model.closed:
        return
    p, people, rng = model.p, model.people, model.rng
    n = people.n
    # Acquaintances of active members (the graph is symmetric: a row lists who knows whom).
    active = np.flatnonzero(people.state == ACTIVE)
    known, by = acquaintances(model.graph, active)
    champion = people.is_advocate[active] & ~people.burned_out[active]
    n_active = np.bincount(known, minlength=n).astype(np.float32)
    n_champions = np.bincount(known[champion[by]], minlength=n).astype(np.float32)
    exposure = p.word_of_mouth * n_active + p.invitation * n_champions
    outside = ~model.is_member
    if p.growth_policy == "council" and model.week < p.open_week:
        outside &= people.in_council
    elif p.growth_policy == "council" and model.week == p.open_week:
        model.log("council_opened", "the partner council opened the community to everyone")
    invited = np.zeros(n, dtype=bool)
    effort = model.effort
    if effort > 0 and p.recruit_per_week > 0:
        k = rng.poisson(p.recruit_per_week * effort * model.budget_level)
        pool = np.flatnonzero(outside)  # managers invite only those who may join
        if k and pool.size:
            invited[pool[rng.integers(0, pool.size, size=k)]] = True
    # Reached directly: invited, or came across the public content (search, the partner portal).
    reached = invited
    k = rng.poisson(p.discovery * (model.tally["posts"] + model.tally["answers"])) if p.discovery else 0
    if k:
        reached = invited.copy()
        reached[rng.integers(0, n, size=k)] = True
        reached &= outside
    cand = np.flatnonzero(outside & ((exposure > 0) | reached))
    if cand.size == 0:
        return
    consider = reached[cand] | (rng.random(cand.size) < 1.0 - np.exp(-exposure[cand]))
    cand = cand[consider]
    fit = _cosine(people, cand, model.topic)
    if model.rules.fit == "complementary":
        fit = 1.0 - fit  # an alliance attracts partners with the skills its members lack
    was_invited = invited[cand]
    p_join = (fit + p.incentive * was_invited) / (1.0 + p.programme_drag * people.programmes[cand])
    p_join = np.where(people.state[cand] == LAPSED, p_join * p.return_rate, p_join)
    join = rng.random(cand.size) < p_join
    people.state[cand[~join & (people.state[cand] == UNAWARE)]] = AWARE
    model.enroll(cand[join], invited=was_invited[join])
    # A partner recruited by a manager starts with a relationship to that manager's post.
    slots = [s.slot for s in model.staff if s.in_post]
    recruited = cand[join & was_invited]
    if slots and recruited.size:
        people.vendor_tie[recruited] = rng.choice(slots, size=recruited.size)


def budget_review(model: CommunityModel) -> None:
    """Mechanism 10, the vendor's budget review (seeds/002 'how do we measure the value?').

    From ``review_start``, every ``review_every`` weeks, the vendor compares influenced revenue
    with cost over the last ``review_every`` recorded weeks (this one included). Below
    ``roi_target`` the first time, it cuts the event and recruitment budget by ``budget_cut``;
    below target again, it closes the programme: the community dies and every member lapses
    (a sponsor instead withdraws its money and the members carry on).
    """
    p = model.p
    if (model.rules.review == "none" or not model.staff or not model.funding or model.closed
            or model.week < p.review_start):
        return
    if (model.week - p.review_start) % p.review_every:
        return
    cost = sum(model.history["vendor_cost"][-p.review_every:])
    revenue = sum(model.history["influenced_revenue"][-p.review_every:])
    roi = revenue / cost if cost > 0 else math.inf
    if roi >= p.roi_target:
        model.review_misses = 0
        return
    model.review_misses += 1
    if model.review_misses == 1:
        model.budget_level *= 1.0 - p.budget_cut
        model.log("budget_cut", f"the budget review (ROI {roi:.2f}) cut the event and "
                  f"recruitment budget by {p.budget_cut:.0%}")
    elif model.rules.review == "withdraw":
        model.withdraw_funding(f"the budget review (ROI {roi:.2f}) ended the sponsorship; the "
                               "members carry on without it")
    else:
        model.close(f"the budget review (ROI {roi:.2f}) closed the programme")


def update_topics(model: CommunityModel) -> None:
    """The community's content mix (seeds/000 'a convenient way to showcase product', seeds/001).

    Members' content follows what they ask about (the needs of this week's askers, a slow moving
    average: the shared problem); ``promo_share`` of the content is product promotion (high in
    vendor-run communities, low where members run it).
    """
    people, m = model.people, model.m
    ask = m[model.questions > 0]
    if ask.size:
        asked = people.needs.take(ask, axis=0).mean(axis=0)
        model.member_topic = 0.9 * model.member_topic + 0.1 * asked
    share = model.p.promo_share
    model.topic = (1.0 - share) * model.member_topic + share * PROMOTION

"""Mechanism 4, responses to questions (Joyce & Kraut 2006; Burke et al. 2007).

A question is answered with probability 1 - exp(-C / Q): Q questions this week, C the answer
capacity on offer. Regular members give a newcomer's first question only ``newcomer_attention``
of their capacity; champions (advocates, leaders) and managers in post give it all (they welcome
newcomers). An answered first post raises the newcomer's identity by ``reply_boost`` (the
community cares about its problem); an
answer may create a tie between asker and answerer.
"""

from __future__ import annotations

import math

import numpy as np

from simcomm.core.mechanism import Mechanism
from simcomm.core.parameter import CALIBRATED, ParamSpec, param
from simcomm.core.state import View, partner_array
from simcomm.core.week import Week

PARAMS: tuple[ParamSpec, ...] = (
    param("staff_answers", 15.0, 0.0, 10_000.0, "answers/manager/week", "seeds/003 #8 (a community "
       "manager keeps conversations current); assumption for the figure",
       "Questions a manager in post can answer each week (welcoming newcomers first)."),
    param("newcomer_attention", 0.12, 0.0, 1.0, "share", "Burke et al. 2007: ~40% of first posts in open "
       "groups get no reply; " + CALIBRATED + "with answer_rate, sets the share of first posts "
       "unanswered (target 33-47%)",
       "Attention regulars give a newcomer's question."),
    param("reply_boost", 0.396, 0.0, 1.0, "identity", "Joyce & Kraut 2006: a reply raises return from ~44% "
       "to ~56%; " + CALIBRATED + "sets the gap between answered and unanswered newcomers' return "
       "(targets 50-62% and 38-50%)",
       "Identity a newcomer gains when the first post is answered."),
    param("tie_from_answer", 0.3, 0.0, 1.0, "probability", "seeds/003 #3 ('enabling connections')",
       "Chance an answer creates a peer tie between asker and answerer."),
)

# The decisions drawn for each question (their streams, hashed together).
DRAWS: tuple[str, ...] = ("answered", "tie from answer", "answerer", "answerer")


def responses(s: View, week: Week) -> None:
    """Answer this week's questions (members in proportion to capacity, managers from their
    answer budget), record first and second posts, boost answered newcomers; return None."""
    p, people, m, now, t = s.p, s.people, week.m, week.number, week.tally
    asker_pos = np.repeat(np.arange(m.size), week.questions)
    asker = m[asker_pos]
    q = asker.size
    week.helped = np.zeros(m.size)
    if q == 0:
        week.answered_m = np.zeros(m.size, dtype=np.int64)
        return
    first_of_week = np.empty(q, dtype=bool)  # asker_pos is sorted: an asker's questions are a run
    first_of_week[0] = True
    np.not_equal(asker_pos[1:], asker_pos[:-1], out=first_of_week[1:])
    newcomer_q = first_of_week & (people.first_post_week[asker] < 0)
    # The k-th question of each asker this week (its draws are keyed by asker and k).
    qs = np.arange(q)
    nth = qs - np.maximum.accumulate(qs * first_of_week)
    staff_cap = week.effort * p.staff_answers
    w_reg = week.capacity
    w_new = week.capacity * np.where(week.champion, 1.0, p.newcomer_attention)
    c_reg, c_new = np.add.reduce(w_reg) + staff_cap, np.add.reduce(w_new) + staff_cap
    p_ans = np.where(newcomer_q, 1.0 - math.exp(-c_new / q), 1.0 - math.exp(-c_reg / q))
    # The question's draws, keyed by asker and k: answered?, a tie from the answer?, and the two
    # draws of who answers (slots 2k and 2k + 1 of their stream).
    draws = s.streams.uniforms(now, DRAWS, asker, np.array([nth, nth, 2 * nth, 2 * nth + 1]))
    answered = draws[0] < p_ans
    # Who answers: a member in proportion to capacity, or a manager (the last slot). Nobody
    # answers their own question: a second draw replaces the asker; if it is the asker again,
    # the question stays unanswered.
    cum_reg = np.concatenate((w_reg, [staff_cap])).cumsum()
    cum_new = np.concatenate((w_new, [staff_cap])).cumsum()
    u = draws[2:]
    picks = cum_reg.searchsorted(u * c_reg, side="right")
    picks[:, newcomer_q] = cum_new.searchsorted(u[:, newcomer_q] * c_new, side="right")
    who = np.minimum(np.where(picks[0] == asker_pos, picks[1], picks[0]), m.size)
    answered &= who != asker_pos
    by_member = answered & (who < m.size)
    answerer_pos = who[by_member]
    answerer = m[answerer_pos]
    week.answered_m = np.bincount(answerer_pos, minlength=m.size)

    wrote_m = np.zeros(m.size, dtype=bool)
    wrote_m[asker_pos] = True
    wrote_m[answerer_pos] = True
    wrote = m[wrote_m]  # members who wrote this week, ascending
    first_week = people.first_post_week[wrote]
    again = wrote[(first_week >= 0) & (first_week < now) & (people.second_post_week[wrote] < 0)]
    people.second_post_week[again] = now
    nq = asker[newcomer_q]  # newcomers' first posts (in many weeks there are none)
    if nq.size:
        nq_answered = answered[newcomer_q]
        people.first_post_week[nq] = now
        people.first_post_answered[nq] = nq_answered
    new_answerers = answerer[people.first_post_week[answerer] < 0]
    people.first_post_week[new_answerers] = now
    people.posts[m] += week.questions.astype(people.posts.dtype)
    people.answers[m] += week.answered_m.astype(people.answers.dtype)
    if nq.size:
        boosted = nq[nq_answered]  # commitment stays within [0, 1]
        people.identity[boosted] = np.minimum(people.identity[boosted] + p.reply_boost, 1.0)
        t["first_posts"] += int(nq.size)
        t["first_posts_answered"] += int(np.count_nonzero(nq_answered))
    week.helped[asker_pos[answered]] = 1.0  # at least one question answered

    tie = draws[1][by_member] < p.tie_from_answer
    t["new_ties"] += s.community.ties.add(asker[by_member][tie], answerer[tie])
    t["posts"] += q
    t["answers"] += int(np.count_nonzero(answered))


MECHANISM = Mechanism(
    name="responses", source="MODEL.md mechanism 4; Joyce & Kraut 2006; Burke et al. 2007",
    step=responses, params=PARAMS,
    owns=(partner_array("posts", np.int32, 0, "questions", "Questions the partner has written."),
          partner_array("answers", np.int32, 0, "answers", "Answers the partner has written."),
          partner_array("first_post_week", np.int32, -1, "week", "Week of the partner's first message."),
          partner_array("first_post_answered", np.int8, -1, "0/1", "Whether a first message that was a "
                        "question got an answer (-1: none yet, or it was an answer)."),
          partner_array("second_post_week", np.int32, -1, "week", "Week it wrote again after its first.")),
    reads=("week.m", "week.questions", "week.effort", "week.capacity", "week.champion"),
    writes=("week.helped", "week.answered_m", "people.identity", "community.ties"),
    streams=("answered", "tie from answer", "answerer"),
)

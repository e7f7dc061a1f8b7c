"""Mechanisms 1 and 11, awareness, joining and growth policy (seeds/000, 003 #4, #5).

A non-member considers joining with probability 1 - exp(-e), e = word_of_mouth x active
acquaintances + invitation x advocate acquaintances; managers in post also invite
``recruit_per_week`` partners each (scaled by effort and budget), and Poisson(``discovery`` x
messages written this week) partners, drawn at random, come across the community's public
content and consider joining (Kraut & Resnick 2012). A partner who considers joins with
probability fit / (1 + programme_drag x programmes), fit = cosine of its needs with the
community's topics (1 - cosine in an alliance that seeks complementary skills); an invitation
adds ``incentive``; a lapsed partner's chance is multiplied by ``return_rate``. Under the council
policy only council members can join before ``open_week``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simcomm.core.governance import Fit
from simcomm.core.mechanism import Mechanism
from simcomm.core.parameter import ASSUMPTION, CAL_TEXT, CALIBRATED, ParamSpec, param
from simcomm.core.population import ACTIVE, AWARE, LAPSED, UNAWARE, acquaintances
from simcomm.core.week import Week

if TYPE_CHECKING:
    from simcomm.core.model import CommunityModel

PARAMS: tuple[ParamSpec, ...] = (
    param("newcomer_commitment", 0.335, 0.0, 1.0, "commitment",
       CALIBRATED + "a newcomer arrives curious, just below "
       "lurk_threshold: it joins lurking, as ~90% of a large community do (Nielsen 2006)",
       "Commitment of a partner when it joins."),
    param("word_of_mouth", 0.34, 0.0, 1.0, "1/active peer/week",
       CALIBRATED + "with discovery, how far an organic "
       "community grows beyond its founders' circle (the joiners behind every fact)",
       "Chance per week per active acquaintance that a partner considers joining."),
    param("invitation", 0.05, 0.0, 1.0, "1/advocate peer/week", "seeds/003 #4, #7",
       "Chance per week per advocate acquaintance that a partner considers joining."),
    param("discovery", 0.011, 0.0, 1000.0, "partners/message", "Kraut & Resnick 2012 (Building Successful "
       "Online Communities: newcomers find a community through its public content); " + CALIBRATED + CAL_TEXT,
       "Partners who come across the community (search, the "
       "partner portal) per message written in it that week; they consider joining like anyone else."),
    param("recruit_per_week", 5.0, 0.0, 100_000.0, "invitations/manager/week", "shared/MODEL.md "
       "mechanism 1 (vendor recruitment); assumption: one manager can follow up about one "
       "personal invitation a working day; 20 enrolled half the channel within two years",
       "Invitations with incentives a manager sends each week."),
    param("incentive", 0.2, 0.0, 1.0, "commitment", "shared/MODEL.md (members recruited by "
       "invitation and incentives)", "Commitment a recruitment incentive adds at joining."),
    param("return_rate", 0.05, 0.0, 1.0, "share", ASSUMPTION + "lapsed partners are harder to win back",
       "Join probability of a lapsed partner relative to a new one."),
)

def awareness_and_joining(model: CommunityModel, week: Week) -> None:
    """Expose non-members through acquaintances, invitations and public content; those who
    consider and find a fit join (active or lurking); return None."""
    if model.closed:
        return
    p, people, now = model.p, model.people, model.week
    n = people.n
    # Acquaintances of active members (the graph is symmetric: a row lists who knows whom).
    active = np.flatnonzero(people.state == ACTIVE)
    known, by = acquaintances(model.graph, active)
    champion = people.is_advocate[active] & ~people.burned_out[active]
    n_active = np.bincount(known, minlength=n).astype(np.float32)
    n_champions = np.bincount(known[champion[by]], minlength=n).astype(np.float32)
    exposure = p.word_of_mouth * n_active + p.invitation * n_champions
    outside = ~week.is_member
    if p.growth_policy == "council" and model.week < p.open_week:
        outside &= people.in_council
    elif p.growth_policy == "council" and model.week == p.open_week:
        model.log("council_opened", "the partner council opened the community to everyone")
    invited = np.zeros(n, dtype=bool)
    effort = week.effort
    if effort > 0 and p.recruit_per_week > 0:
        lam = p.recruit_per_week * effort * model.budget_level
        k = model.streams.get("invitations").poisson_count(now, lam)
        pool = np.flatnonzero(outside)  # managers invite only those who may join
        if k and pool.size:
            invited[pool[model.streams.get("invited").pick(now, pool.size, k)]] = True
    # Reached directly: invited, or came across the public content (search, the partner portal).
    reached = invited
    messages = week.tally["posts"] + week.tally["answers"]
    k = model.streams.get("discoveries").poisson_count(now, p.discovery * messages) if p.discovery else 0
    if k:
        reached = invited.copy()
        reached[model.streams.get("discovered").pick(now, n, k)] = True
        reached &= outside
    cand = np.flatnonzero(outside & ((exposure > 0) | reached))
    if cand.size == 0:
        return
    heard = model.streams.get("consider").uniform(now, cand) < 1.0 - np.exp(-exposure[cand])
    consider = reached[cand] | heard
    cand = cand[consider]
    fit = people.fit(cand, model.topic)
    if model.rules.fit is Fit.COMPLEMENTARY:
        fit = 1.0 - fit  # an alliance attracts partners with the skills its members lack
    was_invited = invited[cand]
    p_join = (fit + p.incentive * was_invited) / (1.0 + p.programme_drag * people.programmes[cand])
    p_join = np.where(people.state[cand] == LAPSED, p_join * p.return_rate, p_join)
    join = model.streams.get("join").uniform(now, cand) < p_join
    people.state[cand[~join & (people.state[cand] == UNAWARE)]] = AWARE
    week.tally["joins"] += model.enroll(cand[join], invited=was_invited[join])
    # A partner recruited by a manager starts with a relationship to that manager's post.
    slots = [s.slot for s in model.staff if s.in_post]
    recruited = cand[join & was_invited]
    if slots and recruited.size:
        u = model.streams.get("recruiter").uniform(now, recruited)
        which = np.minimum((u * len(slots)).astype(np.int64), len(slots) - 1)
        people.vendor_tie[recruited] = np.asarray(slots)[which]


MECHANISM = Mechanism(
    name="awareness and joining", source="MODEL.md mechanisms 1 and 11; seeds/000, 003 #4, #5",
    step=awareness_and_joining, params=PARAMS, reads=("is_member", "effort"),
)

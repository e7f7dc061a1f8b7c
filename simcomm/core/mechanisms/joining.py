"""Mechanisms 1 and 11, awareness, joining and growth policy (seeds/000, 003 #4, #5).

Growth is driven by exposure. A non-member considers joining with probability 1 - exp(-e), e =
word_of_mouth x acquaintances among the active members who visited this week (a member talks
about a community it engages with) + invitation x such advocate acquaintances; managers in post
invite a share ``vendor_reach`` of the channel outside the community each week (scaled by their
effectiveness and the budget: the vendor's reach is in proportion to its channel; a distributor
reaches ``distributor_reach`` times more of its vertical; a sponsor's contact in post, funding a
community its members run, ``sponsor_recruits`` of a manager's reach (the programme's
:meth:`~simcomm.core.programme.Programme.sponsor_reach`), with the same incentive and bond to the
contact, until its money is withdrawn), and Poisson(``discovery`` x messages
written this week) partners, drawn at random, come across the community's public content and
consider joining (Kraut & Resnick 2012). A partner who considers joins with probability fit / (1
+ programme_drag x programmes), fit = cosine of its needs with the community's topics (in an
alliance: with the skills its active members offer, seeds/004 'partners seeking out new skill
sets'); an invitation adds ``incentive``; a lapsed partner's chance is multiplied by
``return_rate``. A newcomer's starting commitment is drawn from its fit, its urgency and the
invitation: its identity from fit and urgency (:func:`starting_identity`), an invitation's
incentive on top, and a bond to the manager who invited it (``recruit_bond``). Under the council policy only
council members can join before ``open_week``. With a finite channel and fit, an undisturbed
community's growth slows to a plateau (an S-curve).
"""

from __future__ import annotations

import numpy as np

from simcomm.core.governance import Fit, Pool
from simcomm.core.mechanism import Mechanism
from simcomm.core.membership import AWARE, ENROLL_WRITES, LAPSED, UNAWARE, enroll
from simcomm.core.membership import reach as reach_partners
from simcomm.core.parameter import ASSUMPTION, CAL_TEXT, CALIBRATED, ParamSpec, param
from simcomm.core.partner_sets import union, within
from simcomm.core.population import acquaintances, relevance
from simcomm.core.state import View
from simcomm.core.week import Week

PARAMS: tuple[ParamSpec, ...] = (
    param("newcomer_commitment", 0.238, 0.0, 1.0, "identity", "Nielsen 2006 (90-9-1); "
          + CALIBRATED + "a newcomer arrives curious, most of them below lurk_threshold: they join "
          "lurking; with lurk_threshold and post_rate, how many members of a large open community "
          "never write (target 85-95%)", "Starting identity of a newcomer of average fit (0.5) and "
          "urgency (0.5); an invitation's incentive holds it on top."),
    param("word_of_mouth", 0.59, 0.0, 1.0, "1/active peer/week",
       CALIBRATED + "with discovery, how far an organic "
       "community grows beyond its founders' circle (the joiners behind every fact)",
       "Chance per week per active acquaintance that a partner considers joining."),
    param("invitation", 0.05, 0.0, 1.0, "1/advocate peer/week", "seeds/003 #4, #7",
       "Chance per week per advocate acquaintance that a partner considers joining."),
    param("discovery", 0.0104, 0.0, 1000.0, "partners/message", "Kraut & Resnick 2012 (Building Successful "
       "Online Communities: newcomers find a community through its public content); " + CALIBRATED + CAL_TEXT,
       "Partners who come across the community (search, the "
       "partner portal) per message written in it that week; they consider joining like anyone else."),
    param("vendor_reach", 0.00169, 0.0, 1.0, "share of channel/manager/week", "shared/MODEL.md "
          "mechanism 1 (vendor recruitment); a share of the channel, so a larger channel is reached in "
          "proportion; " + CALIBRATED + "sets how many vendor communities stay small (Deloitte 2008: "
          "about a third under 100 active members; target 25-45%)",
          "Share of the partners outside the community a manager in post invites each week (scaled "
          "by effectiveness and budget)."),
    param("distributor_reach", 3.0, 0.0, 100.0, "x", "seeds/004 ('Distributor-organized networks bring "
          "together a large range of partner skill sets ... surrounding a specific market segment or "
          "vertical'); assumption for the figure", "How many times more of its vertical a distributor "
          "reaches than a vendor reaches of its channel (it works with several vendors' partners)."),
    param("newcomer_fit_pull", 0.3, 0.0, 1.0, "commitment", ASSUMPTION + "a partner that finds its "
          "problem discussed arrives keener", "Starting commitment added per unit of fit above 0.5."),
    param("newcomer_urgency_pull", 0.2, 0.0, 1.0, "commitment", "seeds/000 ('a problem or situation "
          "that people share a connection with and feel compelled to solve'); assumption for the figure",
          "Starting commitment added per unit of urgency above 0.5."),
    param("incentive", 0.2, 0.0, 1.0, "commitment", "shared/MODEL.md (members recruited by "
       "invitation and incentives)", "How strongly a recruitment incentive holds a newcomer at "
       "joining (it fades by incentive_fade a week)."),
    param("return_rate", 0.05, 0.0, 1.0, "share", ASSUMPTION + "lapsed partners are harder to win back",
       "Join probability of a lapsed partner relative to a new one."),
)

#: Sorting what the partners heard costs about as much as counting over every partner once they
#: heard it from one active member in this many partners.
HEARD_DENSE = 8


def awareness_and_joining(s: View, week: Week) -> None:
    """Expose non-members through acquaintances, invitations and public content; those who
    consider and find a fit join (active or lurking); return None."""
    if s.community.closed:
        return
    p, people, now, community = s.p, s.people, week.number, s.community
    programme = community.programme
    n = people.n
    # Acquaintances of the active members who took part this week (a member talks about a
    # community it engages with; the graph is symmetric: a row lists who knows whom). Only the
    # partners who heard of it are looked at (ascending), not every partner of the channel.
    active = week.m[week.active_m & week.visited]
    known, by = acquaintances(community.graph, active)
    champion = people.is_advocate[active] & ~people.burned_out[active]
    if known.size * HEARD_DENSE > n:  # many heard of it (a large programme): count over every partner
        counts = np.bincount(known, minlength=n)
        heard_of = counts.nonzero()[0]
        n_active = counts[heard_of]
        n_champions = np.bincount(known[champion[by]], minlength=n)[heard_of]
    else:  # few: sort only what they heard (the same numbers)
        heard_of, n_active = np.unique(known, return_counts=True)
        n_champions = np.zeros(heard_of.size, dtype=np.int64)
        by_champion, count = np.unique(known[champion[by]], return_counts=True)
        n_champions[heard_of.searchsorted(by_champion)] = count
    exposure = p.word_of_mouth * n_active.astype(np.float32) + p.invitation * n_champions.astype(np.float32)
    closed = p.growth_policy == "council" and now < p.open_week
    if p.growth_policy == "council" and now == p.open_week:
        s.log("council_opened", "the partner council opened the community to everyone")

    def outside(idx: np.ndarray) -> np.ndarray:
        """Return which of partners ``idx`` may join: not members (nor, while the council holds
        it, outside the council)."""
        may = ~week.is_member[idx]
        return may & people.in_council[idx] if closed else may

    invited = np.empty(0, dtype=np.int64)  # ascending
    reach = p.vendor_reach * week.effort * programme.budget_level
    if not s.rules.vendor_runs:  # a sponsor's invitations, where one funds a community its members run
        reach = p.vendor_reach * programme.sponsor_reach() * programme.budget_level
    if reach > 0:  # managers invite only those who may join: a draw for each of them
        may = ~week.is_member & people.in_council if closed else ~week.is_member
        if s.rules.pool is Pool.VERTICAL and community.problem is not None:
            may = may & (people.main_need == community.problem)
            reach = min(1.0, reach * p.distributor_reach)
        pool = may.nonzero()[0]
        invited = pool[s.streams.get("invited").uniform(now, pool) < reach]
    # Reached directly: invited, or came across the public content (search, the partner portal).
    reached = invited
    messages = week.tally["posts"] + week.tally["answers"]
    k = s.streams.get("discoveries").poisson_count(now, p.discovery * messages) if p.discovery else 0
    if k:
        found = s.streams.get("discovered").pick(now, n, k)
        reached = union(invited, found[outside(found)])
    cand = union(heard_of[(exposure > 0) & outside(heard_of)], reached)
    if cand.size == 0:
        return
    u_consider, u_join = s.streams.uniforms(now, ("consider", "join"), cand)
    exposed = np.zeros(cand.size, dtype=np.float32)  # exposure of each candidate (0: reached only)
    at = cand.searchsorted(heard_of)
    hit = at < cand.size
    hit[hit] = cand[at[hit]] == heard_of[hit]
    exposed[at[hit]] = exposure[hit]
    heard = u_consider < 1.0 - np.exp(-exposed)
    consider = within(cand, reached) | heard
    cand = cand[consider]
    if s.rules.fit is Fit.COMPLEMENTARY:
        fit = relevance(people, cand, community.skill_supply, p.fit_sharpness)  # needs met by members' skills
    else:
        fit = relevance(people, cand, community.topic, p.fit_sharpness)
    was_invited = within(cand, invited)
    p_join = (fit + p.incentive * was_invited) / (1.0 + p.programme_drag * people.programmes[cand])
    p_join = np.where(people.state[cand] == LAPSED, p_join * p.return_rate, p_join)
    join = u_join[consider] < p_join
    aware = cand[~join & (people.state[cand] == UNAWARE)]
    people.state[aware] = AWARE
    reach_partners(s, aware)
    joiners, came_invited = cand[join], was_invited[join]
    week.tally["joins"] += enroll(s, now, joiners, starting_identity(s, joiners, fit[join]),
                                  invited=came_invited, incentive=p.incentive * came_invited,
                                  lurk_threshold=p.lurk_threshold)
    # A partner recruited by a manager starts with a relationship to that manager's post.
    slots = programme.in_post()
    recruited = cand[join & was_invited]
    if slots and recruited.size:
        u = s.streams.get("recruiter").uniform(now, recruited)
        which = np.minimum((u * len(slots)).astype(np.int64), len(slots) - 1)
        people.vendor_tie[recruited] = np.asarray(slots)[which]
        people.manager_bond[recruited] = p.recruit_bond


def starting_identity(s: View, idx: np.ndarray, fit: np.ndarray) -> np.ndarray:
    """Return newcomers' starting identity (0-1 once clipped by enroll): ``newcomer_commitment`` +
    ``newcomer_fit_pull`` x (fit - 0.5) + ``newcomer_urgency_pull`` x (urgency - 0.5) (``fit``:
    0-1, per newcomer). An invitation's incentive is not identity: it holds the newcomer on its
    own, and fades."""
    p = s.p
    return (p.newcomer_commitment + p.newcomer_fit_pull * (fit - 0.5)
            + p.newcomer_urgency_pull * (s.people.urgency[idx] - 0.5))


MECHANISM = Mechanism(
    name="awareness and joining", source="MODEL.md mechanisms 1 and 11; seeds/000, 003 #4, #5",
    step=awareness_and_joining, params=PARAMS,
    uses=("fit_sharpness", "programme_drag", "growth_policy", "open_week", "lurk_threshold", "recruit_bond"),
    reads=("week.is_member", "week.effort", "week.m", "week.active_m", "week.visited", "people.is_advocate",
           "people.burned_out", "people.in_council", "people.main_need", "people.needs",
           "people.needs_norm", "people.programmes", "people.urgency", "community.closed", "community.graph",
           "community.problem", "community.topic", "community.skill_supply", "community.programme"),
    writes=(*ENROLL_WRITES, "people.vendor_tie", "people.manager_bond"),
    streams=("invited", "discoveries", "discovered", "consider", "join", "recruiter"),
)

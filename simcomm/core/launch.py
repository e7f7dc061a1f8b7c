"""The launch (shared/MODEL.md "Scenarios", mechanism 14): why and where a community forms, who
founds it, and its growth policy.

A community anchored on a problem forms where a problem is shared and felt (seeds/000: 'a
problem or situation that people share a connection with and feel compelled to solve'): its
problem is drawn in proportion to how many partners have it and how pressing it is, and its
founders are partners who have it, drawn by how pressing it is to them and how much they speak
up. Founders differ (identity drawn around ``founder_commitment``) and can walk away like any
member, so many new communities fall silent and die young (Kraut & Fiore 2014). A vendor launches
from its agenda with invited depth partners, each with a bond to the manager who invited it.
Seeded advocates join at launch (seeds/003 #4 'No-one wants to be the first to a party').
Founders know each other: in a mesh each is tied to up to ``founder_ties`` others; in a star each
is tied only to the initiator, who brought them in and leads alone (Kraut & Fiore's groups that
hang on their founder). Under the council policy (seeds/003 #5) a closed council of the founders
and the largest, most available partners comes first.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from simcomm.core.governance import Anchor
from simcomm.core.mechanism import Room
from simcomm.core.membership import ENROLL_WRITES, enroll
from simcomm.core.parameter import ASSUMPTION, CALIBRATED, ParamSpec, param
from simcomm.core.population import PRODUCT, TOPICS, acquaintances
from simcomm.core.state import View, community_field, partner_array

GROWTH_POLICIES: tuple[str, ...] = ("open", "council")
FOUNDER_NETWORKS: tuple[str, ...] = ("mesh", "star")

PARAMS: tuple[ParamSpec, ...] = (
    param("council_depth_priority", 10.0, 0.0, 1000.0, "hours", "seeds/003 #5 ('Start small with a "
          "community of those in your Partner Council'); assumption: the council is the depth partners "
          "first, then the partners with most time", "Priority of a depth partner for the council, in "
          "weekly hours (council seats go to the highest depth priority + hours)."),
    param("founder_ties", 3, 0, 100, "ties/founder", ASSUMPTION + "founders know a few of each other",
          "Peer ties each founder starts with, to other founders drawn at random (mesh)."),
    param("founder_network", "mesh", None, None, "network", "Kraut & Fiore 2014 (groups fail more often "
          "when the founder has ties to all members and added them all)", "How the founders know each "
          "other: a mesh (each tied to founder_ties others) or a star (each tied to the initiator only, "
          "who brought them in and leads alone).", FOUNDER_NETWORKS),
    param("founders", 10, 1, 100_000, "members", "seeds/000 (organic: a few peers with a shared "
       "problem); assumption for vendor launches", "Members at launch."),
    param("founder_commitment", 0.686, 0.01, 0.99, "identity", "seeds/000 (peers who 'feel compelled "
       "to solve' a shared problem); " + CALIBRATED + "with word_of_mouth, how many member-founded "
       "communities die young (Kraut & Fiore 2014: 57% within three months; target 40-75%)",
       "Mean identity of the members at launch."),
    param("founder_concentration", 8.0, 0.5, 1000.0, "Beta concentration", "Kraut & Fiore 2014 "
          "(57% of new groups die within three months: founders differ); assumption for the figure",
          "How alike founders are: each one's identity is Beta(mean x c, (1 - mean) x c); at the "
          "largest every founder starts at founder_commitment."),
    param("seed_advocates", 0, 0, 100_000, "advocates", "seeds/003 #4 ('No-one wants to be the first "
       "to a party')", "Advocates enrolled at launch, in addition to the founders."),
    param("growth_policy", "open", None, None, "policy", "seeds/003 #5 ('start small ... Partner "
       "Council')", "Open from launch, or a closed council that opens later.", GROWTH_POLICIES),
    param("council_size", 30, 1, 100_000, "partners", "seeds/003 #5", "Partners in the launch council."),
    param("open_week", 26, 0, 1040, "week", "seeds/003 #5; assumption: half a year closed",
       "Week the council opens to everyone."),
)

PROBLEMS = np.array([i for i in range(len(TOPICS)) if i != PRODUCT])  # what a community forms on


def felt_problems(needs: np.ndarray, urgency: np.ndarray) -> np.ndarray:
    """Return how widely shared and felt each problem of :data:`PROBLEMS` is among the partners
    whose ``needs`` (rows over TOPICS) and ``urgency`` (0-1) are given: the sum over them of need
    x urgency (partners' worth of fully felt need)."""
    return (needs[:, PROBLEMS] * urgency[:, None]).sum(axis=0)


def draw_problem(s: View) -> int:
    """Return the shared problem an anchored launch is built on (a topic of TOPICS, not the
    product): the one it was given (a channel's community on a named topic), or drawn in
    proportion to how many partners have it and how pressing it is to them (the sum over
    partners of need x urgency, :func:`felt_problems`)."""
    if s.community.problem is not None:
        return int(s.community.problem)
    people = s.people
    problems = PROBLEMS
    weight = felt_problems(people.needs, people.urgency)
    cum = np.cumsum(weight / weight.sum())
    u = s.streams.get("shared problem").scalar(0)
    return int(problems[min(int(np.searchsorted(cum, u, side="right")), problems.size - 1)])


def launch(s: View) -> None:
    """Enroll the founders, seeded advocates and (under the council policy) choose the council;
    return None."""
    p, people, streams, community = s.p, s.people, s.streams, s.community
    n = people.n
    anchored = s.rules.anchor is Anchor.PROBLEM
    if anchored:
        # A shared problem (or a vertical): founders are partners whose main need is it.
        problem = draw_problem(s)
        community.problem = problem
        pool = np.flatnonzero(people.main_need == problem)
    else:
        pool = np.flatnonzero(people.depth_tier)  # the vendor invites its depth partners
        if community.problem is not None:  # on a given topic (a channel's): those who have it first
            on_topic = pool[people.main_need[pool] == community.problem]
            pool = on_topic if on_topic.size >= p.founders else pool
        s.log("launch", f"the vendor launched the community with {p.founders} invited partners")
    if pool.size < p.founders:
        pool = np.arange(n)
    if anchored and s.rules.member_led:
        founders = founders_around_a_problem(s, pool)
        s.log("launch", f"{founders.size} partner(s) with a shared problem ({TOPICS[problem]}) started "
              "the community")
    else:  # an organiser (the vendor, a distributor) invites partners of its market or vertical
        founders = streams.get("founders").choose(0, pool, min(p.founders, n))
        if anchored:
            s.log("launch", f"the organiser launched the community with {founders.size} invited partners "
                  f"who share a problem ({TOPICS[problem]})")
    advocates = np.flatnonzero(people.is_advocate & ~np.isin(np.arange(n), founders))
    k = min(p.seed_advocates, n - founders.size)
    if advocates.size < k:
        others = np.setdiff1d(np.arange(n), np.concatenate([founders, advocates]))
        extra = streams.get("extra advocates").choose(0, others, k - advocates.size)
        people.is_advocate[extra] = True
        advocates = np.concatenate([advocates, extra])
    seeded = streams.get("seeded advocates").choose(0, advocates, k) if k else advocates[:0]
    members = np.concatenate([founders, seeded]).astype(np.int64)
    community.member_topic = people.needs[members].mean(axis=0)
    community.founding_topic = community.member_topic.copy()
    none = np.zeros(members.size, dtype=bool)
    enroll(s, 0, members, founder_identity(s, members), invited=none, incentive=0.0,
           lurk_threshold=p.lurk_threshold)
    if s.rules.vendor_runs:
        people.vendor_tie[members] = np.arange(members.size) % len(community.programme.staff)
        people.manager_bond[members] = p.recruit_bond  # the vendor's invited partners
    connect_founders(s, founders, members)
    if p.growth_policy == "council":
        people.in_council[members] = True
        rest = np.setdiff1d(np.arange(n), members)
        score = people.depth_tier[rest] * p.council_depth_priority + people.hours[rest]
        top = rest[np.argsort(-score, kind="stable")[:max(0, p.council_size - members.size)]]
        people.in_council[top] = True


def founder_identity(s: View, members: np.ndarray) -> np.ndarray:
    """Return each launch member's starting identity (0-1): Beta with mean ``founder_commitment``
    and concentration ``founder_concentration``, one draw per partner."""
    p = s.p
    a = p.founder_commitment * p.founder_concentration
    b = (1.0 - p.founder_commitment) * p.founder_concentration
    return special.betaincinv(a, b, s.streams.get("founder identity").uniform(0, members))


def founders_around_a_problem(s: View, pool: np.ndarray) -> np.ndarray:
    """Return the founders of a community around a shared problem (partner indices, the initiator
    first): the initiator is a partner who has the problem, drawn by how pressing it is and how
    much it speaks up; it asks its acquaintances who have the problem too, and each comes with a
    probability equal to how pressing the problem is to it (Kraut & Fiore 2014: founders add the
    first members from their friends), up to ``founders`` in all. So a founding group is as large
    as the initiator's circle allows: often just a few."""
    people, streams, k = s.people, s.streams, s.p.founders
    pick = streams.get("founders")
    w = people.voice[pool] * people.urgency[pool]
    initiator = int(pick.choose(0, pool, 1, weights=w)[0])
    known, _ = acquaintances(s.community.graph, np.array([initiator]))
    at = np.minimum(pool.searchsorted(known), pool.size - 1)  # pool is ascending: its own acquaintances
    known = np.unique(known[pool[at] == known])  # (np.intersect1d, without sorting the pool)
    known = known[known != initiator]
    come = known[streams.get("founder accepts").uniform(0, known) < people.urgency[known]]
    chosen = pick.choose(1, come, min(k - 1, come.size), weights=people.urgency[come])
    return np.concatenate([[initiator], chosen]).astype(np.int64)


def connect_founders(s: View, founders: np.ndarray, members: np.ndarray) -> None:
    """Tie the launch members to each other and, where members lead, make the initiator (the
    first founder of a community around a problem) its leader: the initiator is tied to every
    founder it brought in; in a mesh each founder is also tied to up to ``founder_ties`` others
    drawn at random, in a star to nobody else (it hangs on its initiator); return None."""
    p, people, community = s.p, s.people, s.community
    founded = s.rules.anchor is Anchor.PROBLEM and s.rules.member_led and founders.size
    initiator = int(founders[0]) if founded else -1
    community.initiator = initiator
    if s.rules.member_led and initiator >= 0:
        people.is_leader[initiator] = True
    if members.size < 2:
        return
    if initiator >= 0:
        others = founders[founders != initiator]
        community.ties.add(np.full(others.size, initiator), others)
    if p.founder_network == "mesh" and p.founder_ties:
        a = np.repeat(members, p.founder_ties)
        b = members[s.streams.get("founder ties").pick(0, members.size, a.size)]
        community.ties.add(a, b)


ROOM = Room(
    name="launch", source="shared/MODEL.md 'Scenarios', mechanism 14; seeds/000, seeds/003 #4, #5",
    params=PARAMS, uses=("lurk_threshold", "recruit_bond"),
    owns=(partner_array("in_council", np.bool_, False, "bool", "A seat in the launch council (council "
                        "policy)."),
          community_field("problem", None, "topic", "The shared problem (TOPICS) an anchored launch is "
                          "built on (None for a market launch)."),
          community_field("initiator", -1, "partner", "The founder who started the community (-1 for "
                          "a vendor launch).")),
    reads=("people.main_need", "people.depth_tier", "people.voice", "people.needs", "people.hours",
           "people.urgency", "community.programme", "community.graph"),
    writes=(*ENROLL_WRITES, "people.is_advocate", "people.vendor_tie", "people.manager_bond",
            "people.is_leader", "community.member_topic", "community.founding_topic", "community.ties"),
    streams=("shared problem", "founders", "founder accepts", "extra advocates", "seeded advocates",
             "founder ties", "founder identity"),
    setup=launch,
)

"""The launch (shared/MODEL.md "Scenarios"): who founds the community, and its growth policy.

An organic community is founded by partners who share one problem, and those who start it speak
up (founders drawn weighted by voice); a vendor launches with invited depth partners. Seeded
advocates join at launch (seeds/003 #4 'No-one wants to be the first to a party'). Founders know
each other: each is tied to up to ``founder_ties`` others. Under the council policy (seeds/003 #5) a closed
council of the founders and the largest, most available partners comes first.
"""

from __future__ import annotations

import numpy as np

from simcomm.core.governance import Anchor
from simcomm.core.mechanism import Room
from simcomm.core.membership import ENROLL_WRITES, enroll
from simcomm.core.parameter import ASSUMPTION, ParamSpec, param
from simcomm.core.population import PRODUCT, TOPICS
from simcomm.core.state import View, community_field, partner_array

GROWTH_POLICIES: tuple[str, ...] = ("open", "council")

PARAMS: tuple[ParamSpec, ...] = (
    param("council_depth_priority", 10.0, 0.0, 1000.0, "hours", "seeds/003 #5 ('Start small with a "
          "community of those in your Partner Council'); assumption: the council is the depth partners "
          "first, then the partners with most time", "Priority of a depth partner for the council, in "
          "weekly hours (council seats go to the highest depth priority + hours)."),
    param("founder_ties", 3, 0, 100, "ties/founder", ASSUMPTION + "founders know a few of each other",
          "Peer ties each founder starts with, to other founders drawn at random."),
    param("founders", 10, 1, 100_000, "members", "seeds/000 (organic: a few peers with a shared "
       "problem); assumption for vendor launches", "Members at launch."),
    param("founder_commitment", 0.8, 0.0, 1.0, "commitment", "seeds/000 (peers who 'feel compelled "
       "to solve' a shared problem)", "Commitment of the members at launch."),
    param("seed_advocates", 0, 0, 100_000, "advocates", "seeds/003 #4 ('No-one wants to be the first "
       "to a party')", "Advocates enrolled at launch, in addition to the founders."),
    param("growth_policy", "open", None, None, "policy", "seeds/003 #5 ('start small ... Partner "
       "Council')", "Open from launch, or a closed council that opens later.", GROWTH_POLICIES),
    param("council_size", 30, 1, 100_000, "partners", "seeds/003 #5", "Partners in the launch council."),
    param("open_week", 26, 0, 1040, "week", "seeds/003 #5; assumption: half a year closed",
       "Week the council opens to everyone."),
)

def launch(s: View) -> None:
    """Enroll the founders, seeded advocates and (under the council policy) choose the council;
    return None."""
    p, people, streams, community = s.p, s.people, s.streams, s.community
    n = people.n
    if s.rules.anchor is Anchor.PROBLEM:
        # A shared problem (or a vertical): founders are partners whose main need is one topic.
        problems = [i for i in range(len(TOPICS)) if i != PRODUCT]
        problem = problems[int(streams.get("shared problem").scalar(0) * len(problems))]
        community.problem = problem
        pool = np.flatnonzero(people.main_need == problem)
        s.log("launch", f"{p.founders} partners with a shared problem "
              f"({TOPICS[problem]}) started the community")
    else:
        pool = np.flatnonzero(people.depth_tier)  # the vendor invites its depth partners
        s.log("launch", f"the vendor launched the community with {p.founders} invited partners")
    if pool.size < p.founders:
        pool = np.arange(n)
    if s.rules.anchor is Anchor.PROBLEM:
        # Those who start a community around their problem are the ones who speak up.
        w = people.voice[pool]
        founders = streams.get("founders").choose(0, pool, min(p.founders, pool.size), weights=w)
    else:
        founders = streams.get("founders").choose(0, pool, min(p.founders, n))
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
    none = np.zeros(members.size, dtype=bool)
    enroll(s, 0, members, np.full(members.size, p.founder_commitment), invited=none, incentive=0.0,
           lurk_threshold=p.lurk_threshold)
    if s.rules.vendor_runs:
        people.vendor_tie[members] = np.arange(members.size) % len(community.programme.staff)
    # Founders know each other: each is tied to up to founder_ties others.
    if members.size > 1 and p.founder_ties:
        a = np.repeat(members, p.founder_ties)
        b = members[streams.get("founder ties").pick(0, members.size, a.size)]
        community.ties.add(a, b)
    if p.growth_policy == "council":
        people.in_council[members] = True
        rest = np.setdiff1d(np.arange(n), members)
        score = people.depth_tier[rest] * p.council_depth_priority + people.hours[rest]
        top = rest[np.argsort(-score, kind="stable")[:max(0, p.council_size - members.size)]]
        people.in_council[top] = True


ROOM = Room(
    name="launch", source="shared/MODEL.md 'Scenarios'; seeds/000, seeds/003 #4, #5", params=PARAMS,
    uses=("lurk_threshold",),
    owns=(partner_array("in_council", np.bool_, False, "bool", "A seat in the launch council (council "
                        "policy)."),
          community_field("problem", None, "topic", "The shared problem (TOPICS) an anchored launch is "
                          "built on (None for a market launch).")),
    reads=("people.main_need", "people.depth_tier", "people.voice", "people.needs", "people.hours",
           "community.programme"),
    writes=(*ENROLL_WRITES, "people.is_advocate", "people.vendor_tie", "community.member_topic",
            "community.ties"),
    streams=("shared problem", "founders", "extra advocates", "seeded advocates", "founder ties"),
    setup=launch,
)

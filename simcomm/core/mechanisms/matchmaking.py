"""Mechanism 7 (vendor-driven networks), seeds/004 ('bring together partners that share a common
technology goal and disparate skill sets').

Where managers make introductions, each week they introduce Poisson(``matchmaking_per_week`` x
effectiveness) pairs of active members; a pair becomes a tie only if the two differ in size class
or main need (complementary skills).
"""

from __future__ import annotations

from simcomm.core.governance import Rules
from simcomm.core.mechanism import Mechanism
from simcomm.core.parameter import ParamSpec, param
from simcomm.core.state import View
from simcomm.core.week import Week

PARAMS: tuple[ParamSpec, ...] = (
    param("matchmaking_per_week", 10.0, 0.0, 10_000.0, "introductions/manager/week", "seeds/004 "
       "(vendor-driven networks bring together partners with disparate skill sets); assumption",
       "Introductions between complementary partners a manager makes each week (vendor-p2p)."),
)


def matchmaking(s: View, week: Week) -> None:
    """Make this week's introductions between active members; those with complementary skills
    become ties; return None."""
    people, m, now = s.people, week.m, week.number
    active = m[week.active_m]
    k = s.streams.get("introductions").poisson_count(now, s.p.matchmaking_per_week * week.effort)
    if k == 0 or active.size < 2:
        return
    introduced = s.streams.get("introduced")
    a = active[introduced.pick(now, active.size, k, slot=0)]
    b = active[introduced.pick(now, active.size, k, slot=1)]
    ok = ((people.size_class[a] != people.size_class[b])
          | (people.main_need[a] != people.main_need[b]))
    week.tally["new_ties"] += s.community.ties.add(a[ok], b[ok])


def managers_match(rules: Rules) -> bool:
    """Return True where managers introduce complementary partners (vendor-driven networks)."""
    return rules.matchmaking


MECHANISM = Mechanism(
    name="matchmaking", source="MODEL.md mechanism 7; seeds/004", step=matchmaking, params=PARAMS,
    applies=managers_match,
    reads=("week.m", "week.active_m", "week.effort", "people.size_class", "people.main_need"),
    writes=("community.ties",), streams=("introductions", "introduced"),
)

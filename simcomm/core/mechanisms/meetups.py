"""Mechanism 7 (events), seeds/000 ('one day a month to compare notes').

Every ``meetup_every`` weeks there is a meet-up if someone organises it: a leader in a member-run
community (pizza and beers, no vendor cost), a manager in post in a vendor-run one (cost
``event_cost``; after a budget cut only in that share of months; not while a successor who reset
the programme is still ramping up). A sponsor in post pays for the
meet-up of a member-run community (cost ``event_cost``), and it goes ahead even while no leader
is there. Active members attend with probability commitment x the chance they have the time
(it does not take a visit online); each attendee talks with the ``event_ties`` next at the table,
seated mostly with firms like its own (homophily), and each talk makes or strengthens a tie: a
small group that meets knits together.
"""

from __future__ import annotations

import numpy as np

from simcomm.core.mechanism import Mechanism
from simcomm.core.parameter import ASSUMPTION, ParamSpec, param
from simcomm.core.state import View
from simcomm.core.week import Week

PARAMS: tuple[ParamSpec, ...] = (
    param("meetup_every", 4, 1, 52, "weeks", "seeds/000 ('one day a month to compare notes')",
       "Weeks between meet-ups or events."),
    param("event_ties", 2, 0, 50, "attendees", "seeds/003 #3 ('Face to face interaction is hard to "
       "beat'); seeds/000 ('compare notes with their peers'); assumption for the figure",
       "Attendees each attendee talks with at a meet-up (seated mostly with firms like its own); "
       "each talk makes or strengthens a tie."),
    param("event_cost", 4000.0, 0.0, 1e8, "currency/event", ASSUMPTION + "venue, travel, catering",
       "Vendor cost of each vendor-run event."),
)


def meetups(s: View, week: Week) -> None:
    """Hold this month's meet-up when someone organises it: who attends (``attended``, along m),
    the new ties made there, and its cost; return None."""
    week.attended = np.zeros(week.m.size, dtype=bool)
    p, people, m, now, programme = s.p, s.people, week.m, week.number, s.community.programme
    held = s.streams.get("event held").scalar(now) < programme.budget_level
    if s.community.closed or now % p.meetup_every:
        return
    funded = False
    if s.rules.member_led:
        organised = bool(np.count_nonzero(people.is_leader[s.community.roster]))  # a leader is on it
        if s.rules.vendor_funds_events and programme.sponsor_in_post():
            funded = held  # the sponsor's event goes ahead (after a cut, in that share of months)
            organised = organised or funded
    else:
        organised = week.effort > 0 and held and now >= programme.events_from
        funded = organised and s.rules.vendor_funds_events
    if not organised:
        return
    # Active members come when they have the time and care enough (a day out of the office).
    go = week.active_m & (s.streams.get("attend").uniform(now, m) < people.commitment[m] * week.time_factor)
    week.attended = go
    week.tally["events"] += 1
    if funded:
        week.tally["vendor_cost"] += p.event_cost
    who = m[go]
    if who.size < 2:
        return
    h = p.homophily
    key = (people.size_class[who] * 5 + people.main_need[who]) / 20.0
    seat = s.streams.get("meetup seating").uniform(now, who)
    order = who[np.argsort(h * key + (1 - h) * seat, kind="stable")]
    # Each attendee talks with the next event_ties at the table (fewer at a small table).
    reach = min(int(p.event_ties), order.size - 1)
    a = np.concatenate([order[:-j] for j in range(1, reach + 1)]) if reach else order[:0]
    b = np.concatenate([order[j:] for j in range(1, reach + 1)]) if reach else order[:0]
    week.tally["new_ties"] += s.community.ties.add(a, b)


MECHANISM = Mechanism(
    name="meet-ups", source="MODEL.md mechanism 7; seeds/000, seeds/003 #3", step=meetups,
    params=PARAMS, uses=("homophily",),
    reads=("week.m", "week.effort", "week.time_factor", "week.active_m", "people.is_leader",
           "people.commitment", "people.size_class", "people.main_need", "community.closed",
           "community.programme", "community.roster"),
    writes=("week.attended", "community.ties"),
    streams=("event held", "attend", "meetup seating"),
)

"""Membership: who is in the community, since when, how committed, and the community's own end.

This room owns each partner's membership state (unaware, aware, active, lurking, lapsed),
commitment and identity (attachment to the shared problem), the joining incentive it still
feels, whether it was invited, and the weeks it joined, left, returned; and the community's
``closed`` flag, ``died_week`` and ``roster``: the partners it has reached (aware of it, members or
lapsed: every state but unaware), ascending, so that the week's census and record work over them,
not over every partner of a channel (the cost grows with memberships, not communities x
partners). Three operations change them, used by the rooms that declare their writes
(:data:`ENROLL_WRITES`, :data:`LAPSE_WRITES`, :data:`END_WRITES`): :func:`enroll` (the launch,
joining), :func:`lapse` (commitment) and :func:`end_community` (a death by inactivity, a closure
by the budget review); :func:`reach` adds to the roster (enroll, and joining's newly aware).
"""

from __future__ import annotations

import numpy as np

from simcomm.agents.partner import STATE_NAMES
from simcomm.core.mechanism import Room
from simcomm.core.partner_sets import distinct
from simcomm.core.state import View, community_field, partner_array

# Membership states (shared/MODEL.md, Partner "membership state"), in STATE_NAMES order.
UNAWARE, AWARE, ACTIVE, LURKING, LAPSED = range(len(STATE_NAMES))

OWNS = (
    partner_array("state", np.int8, UNAWARE, "state", "Membership state (unaware, aware, active, lurking, "
                  "lapsed)."),
    partner_array("commitment", np.float64, 0.0, "0-1", "How strongly the partner is attached to the "
                  "community: its identity, its bonds and any incentive taken together."),
    partner_array("identity", np.float64, 0.0, "0-1", "Attachment to the shared problem (the social "
                  "object), learnt from experience; survives the loss of any one person."),
    partner_array("incentive", np.float64, 0.0, "commitment", "Joining incentive's pull left."),
    partner_array("invited", np.bool_, False, "bool", "Ever joined on a manager's invitation."),
    partner_array("join_week", np.int32, -1, "week", "Week of the first join (-1: never)."),
    partner_array("leave_week", np.int32, -1, "week", "Week of the first leave (-1: never)."),
    partner_array("rejoin_week", np.int32, -1, "week", "Week of the first return after lapsing."),
    partner_array("last_join_week", np.int32, -1, "week", "Week of the latest join or return."),
    community_field("closed", False, "bool", "The community has ended (died or closed)."),
    community_field("roster", None, "partners", "The partners the community has reached (every state "
                    "but unaware), ascending indices (int64).", factory=lambda: np.empty(0, dtype=np.int64)),
    community_field("died_week", None, "week", "Week the community ended (None while alive)."),
)

ENROLL_WRITES: tuple[str, ...] = ("people.join_week", "people.rejoin_week", "people.last_join_week",
                                  "people.commitment", "people.identity", "people.state", "people.incentive",
                                  "people.invited", "community.roster")
LAPSE_WRITES: tuple[str, ...] = ("people.state", "people.leave_week", "people.is_leader",
                                 "people.vendor_tie", "people.manager_bond")
END_WRITES: tuple[str, ...] = (*LAPSE_WRITES, "community.closed", "community.died_week",
                                "community.programme")
END_READS: tuple[str, ...] = ("community.roster",)  # end_community lapses the members on the roster


def members(people: object, roster: np.ndarray | None = None) -> np.ndarray:
    """Return the indices of current members (active or lurking), ascending (``people`` holds
    ``state``); with the community's ``roster`` (ascending), only its partners are looked at
    (every member is on it)."""
    state = people.state  # type: ignore[attr-defined]
    if roster is None:
        return ((state == ACTIVE) | (state == LURKING)).nonzero()[0]
    st = state[roster]
    return roster[(st == ACTIVE) | (st == LURKING)]


def state_counts(people: object, roster: np.ndarray) -> np.ndarray:
    """Return how many partners are in each membership state (unaware, aware, active, lurking,
    lapsed; int64), counting the partners off the ``roster`` as unaware (as they are)."""
    counts = np.bincount(people.state[roster], minlength=5)  # type: ignore[attr-defined]
    counts[UNAWARE] += people.n - roster.size  # type: ignore[attr-defined]
    return counts


def reach(s: View, idx: np.ndarray) -> None:
    """Add partners ``idx`` (no longer unaware of the community) to ``community.roster``, which
    stays ascending and without repeats; return None."""
    roster = s.community.roster
    idx = np.asarray(idx, dtype=np.int64)
    pos = roster.searchsorted(idx)
    known = pos < roster.size
    known[known] = roster[pos[known]] == idx[known]
    new = distinct(idx[~known])
    if new.size:
        s.community.roster = np.insert(roster, roster.searchsorted(new), new)


def enroll(s: View, week: int, idx: np.ndarray, identity: np.ndarray, invited: np.ndarray,
           incentive: np.ndarray | float, lurk_threshold: float) -> int:
    """Make partners ``idx`` members in ``week`` with starting ``identity`` (0-1, clipped) and the
    pull of a joining ``incentive`` (0-1, for those who came on an invitation: ``invited``, bool);
    their commitment is the two together (:func:`attachment`, no bonds yet), and they join active,
    or lurking below ``lurk_threshold``; return how many joined."""
    if idx.size == 0:
        return 0
    reach(s, idx)
    people = s.people
    first = people.join_week[idx] < 0
    people.join_week[idx[first]] = week
    back = idx[~first]
    if back.size:
        people.rejoin_week[back[people.rejoin_week[back] < 0]] = week
    people.last_join_week[idx] = week
    own = np.asarray(identity, dtype=float).clip(0.0, 1.0)
    pull = np.broadcast_to(np.asarray(incentive, dtype=float), own.shape).clip(0.0, 1.0)
    people.identity[idx] = own
    people.incentive[idx] = pull
    c = attachment(own, 0.0, 0.0, pull)
    people.commitment[idx] = c
    # A partner joins active, or lurking when its commitment is below the lurking threshold.
    people.state[idx] = np.where(c >= lurk_threshold, ACTIVE, LURKING)
    if np.count_nonzero(invited):
        people.invited[idx] |= invited
    return int(idx.size)


def attachment(identity: np.ndarray, manager: np.ndarray | float, peers: np.ndarray | float,
               incentive: np.ndarray | float) -> np.ndarray:
    """Return commitment (0-1) from its parts (each 0-1, already weighted): any one of them can
    hold a member, so they combine as independent reasons to stay, ``1 - (1 - identity)(1 -
    manager)(1 - peers)(1 - incentive)`` (Ren, Kraut & Kiesler 2007: common identity and
    interpersonal bonds are two routes to attachment)."""
    return 1.0 - (1.0 - identity) * (1.0 - manager) * (1.0 - peers) * (1.0 - incentive)


def lapse(s: View, week: int, gone: np.ndarray) -> int:
    """Record that members ``gone`` left in ``week`` (a first leave sets leave_week; they stop
    leading and lose a manager's relationship); return how many left."""
    people = s.people
    people.state[gone] = LAPSED
    first = gone[people.leave_week[gone] < 0]
    people.leave_week[first] = week
    people.is_leader[gone] = False
    people.vendor_tie[gone] = -1
    people.manager_bond[gone] = 0.0
    return int(gone.size)


def end_community(s: View, week: int, reason: str) -> None:
    """End the community in ``week``: every member lapses and the programme's posts close;
    ``reason`` goes to the event log; return None."""
    s.community.closed = True
    s.community.died_week = week
    gone = members(s.people, s.community.roster)
    if gone.size:
        lapse(s, week, gone)
    s.community.programme.close_posts()
    lost = f"; its {gone.size:,} remaining members lost their community" if gone.size else ""
    s.log("death", reason + lost)


ROOM = Room(name="membership", source="shared/MODEL.md (membership state)", owns=OWNS)

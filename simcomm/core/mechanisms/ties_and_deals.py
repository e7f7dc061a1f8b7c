"""Mechanism 7, peer ties and deals (seeds/003 #3, seeds/004 'one plus one equals three').

Ties get their strength from interactions: an answer, a meet-up or an introduction makes a tie
at strength ``tie_gain`` and adds ``tie_gain`` to an existing one (up to 1). Triadic closure:
each member introduces two of its peers with probability ``triadic_closure``. Each tie between
two members closes a peer deal with probability ``deal_rate x complementarity``, where
complementarity is 1 - the cosine of the two partners' skills profiles (a skills profile apart
from their needs: partners with the same skills have little to sell each other); a deal is an
interaction too. Then every tie decays by ``tie_decay``; ties below ``tie_forget`` are
forgotten, and ties to partners who left count for nothing in a member's social value.
"""

from __future__ import annotations

import numpy as np

from simcomm.core.mechanism import Mechanism
from simcomm.core.parameter import ASSUMPTION, ParamSpec, param
from simcomm.core.state import View, community_field, partner_array
from simcomm.core.ties import PeerTies
from simcomm.core.week import Week

PARAMS: tuple[ParamSpec, ...] = (
    param("tie_gain", 0.5, 0.01, 1.0, "strength", ASSUMPTION + "two interactions make a full tie",
          "Strength an interaction (answer, meet-up, introduction, deal) adds to a tie (ties are 0-1)."),
    param("tie_forget", 0.1, 0.0, 1.0, "strength", ASSUMPTION + "a tie this weak is forgotten",
          "Strength below which a decaying tie is forgotten."),
    param("triadic_closure", 0.03, 0.0, 1.0, "1/member/week", ASSUMPTION + "friends of friends meet",
       "Chance per week that a member with two ties introduces them to each other."),
    param("tie_decay", 0.03, 0.0, 1.0, "1/week", ASSUMPTION + "an unused tie halves in about 23 weeks",
       "Weekly loss of strength of an unused tie."),
    param("deal_rate", 0.004, 0.0, 1.0, "deals/tie/week", "seeds/004 ('does One Plus One "
       "Equal Two or Three'); assumption for the figure",
       "Chance per week that a tie between complementary partners closes a deal."),
)

def start_ties(s: View) -> None:
    """Start the community with no peer ties (strength gained per interaction ``tie_gain``,
    forgotten below ``tie_forget``), unless it was given the ties of its channel (which its
    communities share: :class:`simcomm.core.ties.ChannelTies`); return None."""
    if s.community.ties is not None:
        return
    s.community.ties = PeerTies(s.people.n, s.people.skills, gain=s.p.tie_gain, forget=s.p.tie_forget)


def ties_and_deals(s: View, week: Week) -> None:
    """Close triads, draw peer deals on ties between members (``deals_m``, deals along m), then
    decay every tie; return None."""
    p, people, m, ties, now = s.p, s.people, week.m, s.community.ties, week.number
    closing = s.streams.get("triadic closure").uniform(now, m) < p.triadic_closure
    who = m[closing]
    # Each closing member's two draws of peers to introduce (slots 0 and 1; hashed for every
    # member at the census, with the other member draws).
    introduce = s.streams.get("introduce peers")
    u, v = introduce.uniform(now, m, 0)[closing], introduce.uniform(now, m, 1)[closing]
    a, b = ties.triadic_candidates(who, u, v)
    week.tally["new_ties"] += ties.add(a, b)
    deals_m = np.zeros(m.size)
    if len(ties):
        among = ties.between(m, week.is_member)  # a draw for each tie between two members only
        deal = among[s.streams.get("deal").uniform(now, ties.key[among])
                      < p.deal_rate * ties.complementarity[among]]  # positions, ascending
        if deal.size:  # (in a week without deals nothing below changes)
            ties.refresh(deal)
            # Both partners of a deal are members: count each member's deals by its position in m.
            per = np.bincount(m.searchsorted(np.concatenate([ties.u[deal], ties.v[deal]])),
                              minlength=m.size)
            people.deals[m] += per.astype(np.int32)
            deals_m = per.astype(float)
            week.tally["peer_deals"] += int(deal.size)
    week.deals_m = deals_m
    week.tally["ties_lost"] += ties.decay(p.tie_decay)


MECHANISM = Mechanism(
    name="peer ties and deals", source="MODEL.md mechanism 7; seeds/003 #3, seeds/004",
    step=ties_and_deals, params=PARAMS,
    owns=(partner_array("deals", np.int32, 0, "deals", "Peer deals the partner has closed."),
          community_field("ties", None, "PeerTies", "The members' peer ties (PeerTies: endpoints, "
                          "strength, complementarity).")),
    reads=("week.m", "week.is_member", "people.skills"), writes=("week.deals_m",),
    streams=("triadic closure", "introduce peers", "deal"),
    member_draws=("triadic closure", ("introduce peers", 0), ("introduce peers", 1)), setup=start_ties,
)

"""Peer ties formed inside the community: an undirected, weighted, growing and decaying edge list.

Ties are stored once per pair (u < v) in arrays sorted by the key ``u * n + v``, so that
existence checks are binary searches and every weekly update is an array operation
(shared/MODEL.md mechanism 7; seeds/003 #3, seeds/004).
"""

from __future__ import annotations

import numpy as np


class PeerTies:
    """The community's peer ties: endpoints, strength (0-1] and complementarity of each pair.

    A tie is made by an interaction (an answer, a meet-up, an introduction) at strength ``gain``;
    each later interaction adds ``gain`` (up to 1); unused ties decay and are forgotten below
    ``forget``. Complementarity is 1 - the cosine of the two partners' skills profiles (seeds/004:
    partners with other skills make "one plus one equal three").
    """

    def __init__(self, n: int, skills: np.ndarray, gain: float = 1.0, forget: float = 0.1) -> None:
        self.n = n
        self._skills = skills
        self._skills_norm = np.linalg.norm(skills, axis=1)
        self.gain = gain
        self.forget = forget
        self.key = np.empty(0, dtype=np.int64)
        self.u = np.empty(0, dtype=np.int64)
        self.v = np.empty(0, dtype=np.int64)
        self.strength = np.empty(0)
        self.complementarity = np.empty(0)

    def __len__(self) -> int:
        return int(self.key.size)

    def strength_among(self, member: np.ndarray) -> np.ndarray:
        """Return each partner's summed tie strength to current members (``member``: boolean,
        length n); ties to partners who left count for nothing."""
        if not len(self):
            return np.zeros(self.n)
        # Strengths are >= 0 and finite: times the mask, a tie to a non-member weighs 0.
        w_u = self.strength * member[self.v]
        w_v = self.strength * member[self.u]
        total = np.bincount(self.u, weights=w_u, minlength=self.n)
        total += np.bincount(self.v, weights=w_v, minlength=self.n)
        return total

    def strength_of(self, m: np.ndarray, member: np.ndarray) -> np.ndarray:
        """Return the summed tie strength of each member ``m`` (the ascending indices of the
        partners ``member`` selects: boolean, length n) to current members, along m: the numbers
        :meth:`strength_among` gives them, summed over their own ties only (not over every partner
        of a channel)."""
        if not len(self):
            return np.zeros(m.size)
        # A tie's weight at one end is its strength if the other end is a member, else 0; the
        # sums are taken in the ties' order, as in strength_among (np.bincount's zeros cost no
        # memory where no member's tie lands; nothing is added up over every partner).
        at_u, at_v = member[self.u], member[self.v]
        total = np.bincount(self.u[at_u], weights=(self.strength * at_v)[at_u], minlength=self.n)[m]
        return total + np.bincount(self.v[at_v], weights=(self.strength * at_u)[at_v], minlength=self.n)[m]

    def count_between(self, joined: np.ndarray) -> int:
        """Return how many ties join two partners selected by ``joined`` (boolean, length n): in a
        community of its own every tie was made there between two of its members, so all of them
        (no array work in the weekly record); a channel's ties count only those between its
        partners (:meth:`ChannelTies.count_between`)."""
        return len(self)

    def add(self, a: np.ndarray, b: np.ndarray) -> int:
        """Create ties a[i]-b[i] at strength ``gain`` (an existing tie gains ``gain``, up to 1);
        return how many are new."""
        a = np.asarray(a, dtype=np.int64)
        b = np.asarray(b, dtype=np.int64)
        if a.size == 0:
            return 0
        ok = a != b
        if np.count_nonzero(ok) < ok.size:
            a, b = a[ok], b[ok]
            if a.size == 0:
                return 0
        keys = np.minimum(a, b) * self.n + np.maximum(a, b)
        if keys.size > 1:
            keys = _distinct(keys)
        pos = self.key.searchsorted(keys)
        # A key past the end is compared with the last one (not equal): it is new.
        if len(self) and np.count_nonzero(exists := self.key.take(pos, mode="clip") == keys):
            old = pos[exists]
            self.strength[old] = np.minimum(1.0, self.strength[old] + self.gain)
            fresh = ~exists
            keys, pos = keys[fresh], pos[fresh]
        if keys.size:
            nu, nv = np.divmod(keys, self.n)
            cos = (np.add.reduce(self._skills[nu] * self._skills[nv], axis=1)
                   / np.maximum(self._skills_norm[nu] * self._skills_norm[nv], 1e-12))
            self._insert(pos, keys, nu, nv, (1.0 - cos).clip(0.0, 1.0))
        return int(keys.size)

    def _insert(self, at: np.ndarray, key: np.ndarray, u: np.ndarray, v: np.ndarray,
                comp: np.ndarray) -> None:
        """Insert new ties (ascending ``key``) before positions ``at`` of the sorted arrays.

        The same result as ``np.insert`` on each array, with the slots computed once.
        """
        size = self.key.size + at.size
        slot = at + np.arange(at.size)  # where each new tie lands (``at`` is non-decreasing)
        old = np.empty(size, dtype=bool)
        old.fill(True)
        old[slot] = False
        for name, values in (("key", key), ("u", u), ("v", v), ("strength", self.gain),
                             ("complementarity", comp)):
            before = getattr(self, name)
            after = np.empty(size, dtype=before.dtype)
            after[slot] = values
            after[old] = before
            setattr(self, name, after)

    def decay(self, rate: float) -> int:
        """Weaken every tie by ``rate`` and forget those below ``forget``; return how many went."""
        self.strength *= 1.0 - rate
        keep = self.strength >= self.forget
        lost = int(keep.size - np.count_nonzero(keep))
        if lost:
            self._compress(keep)
        return lost

    def refresh(self, mask: np.ndarray) -> None:
        """Strengthen the ties selected by boolean ``mask`` by ``gain``, up to 1 (they were used)."""
        self.strength[mask] = np.minimum(1.0, self.strength[mask] + self.gain)

    def _compress(self, keep: np.ndarray) -> None:
        self.key = self.key[keep]
        self.u = self.u[keep]
        self.v = self.v[keep]
        self.strength = self.strength[keep]
        self.complementarity = self.complementarity[keep]

    def triadic_candidates(self, who: np.ndarray, u: np.ndarray,
                           v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each partner in ``who`` with two or more ties, pick two of its peers at random,
        using the uniforms ``u`` and ``v`` (in [0, 1), one each per partner of ``who``).

        Returns the two arrays of peers to introduce to each other (triadic closure).
        """
        if len(self) == 0 or who.size == 0:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty
        ends = np.concatenate([self.u, self.v])
        other = np.concatenate([self.v, self.u])
        # Only the ties of ``who`` matter; dropping the rest keeps their (stable) order.
        mine = np.zeros(self.n, dtype=bool)
        mine[who] = True
        keep = mine[ends]
        ends, other = ends[keep], other[keep]
        order = np.argsort(ends, kind="stable")
        ends, other = ends[order], other[order]
        start = ends.searchsorted(who, side="left")
        deg = ends.searchsorted(who, side="right") - start
        ok = deg >= 2
        who_start, who_deg = start[ok], deg[ok]
        i = np.minimum((u[ok] * who_deg).astype(np.int64), who_deg - 1)
        j = (i + 1 + np.minimum((v[ok] * (who_deg - 1)).astype(np.int64), who_deg - 2)) % who_deg
        return other[who_start + i], other[who_start + j]


class ChannelTies(PeerTies):
    """The peer ties of a channel, shared by its communities: a tie made in one community is there
    in every other (peer ties carry across communities). Each community's week makes, uses and
    refreshes ties as in a community of its own, but their weekly decay is the channel's, once a
    week (:meth:`decay_week`), not once per community: :meth:`decay` does nothing."""

    def count_between(self, joined: np.ndarray) -> int:
        """Return how many of the channel's ties join two partners selected by ``joined`` (boolean,
        length n: those who joined one community), wherever the tie was made."""
        if not len(self):
            return 0
        return int(np.count_nonzero(joined[self.u] & joined[self.v]))

    def decay(self, rate: float) -> int:
        """Do nothing (the channel decays its ties once a week); return 0 ties forgotten."""
        return 0

    def decay_week(self, rate: float) -> int:
        """Weaken every tie by ``rate`` and forget those below ``forget`` (once a channel week);
        return how many went."""
        return PeerTies.decay(self, rate)


def _distinct(values: np.ndarray) -> np.ndarray:
    """Return the distinct ``values``, ascending (``np.unique``, about twice as fast on the small
    arrays of a week's new ties)."""
    values = np.sort(values)
    if values.size < 2:
        return values
    first = np.empty(values.size, dtype=bool)
    first[0] = True
    np.not_equal(values[1:], values[:-1], out=first[1:])
    return values[first]

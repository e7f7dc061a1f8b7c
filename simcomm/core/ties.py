"""Peer ties formed inside the community: an undirected, weighted, growing and decaying edge list.

Ties are stored once per pair (u < v) in arrays sorted by the key ``u * n + v``, so that
existence checks are binary searches and every weekly update is an array operation
(shared/MODEL.md mechanism 7; seeds/003 #3, seeds/004).
"""

from __future__ import annotations

import numpy as np

from simcomm.core.partner_sets import distinct

#: Partners whose own ties cost about one pass over every tie, read by binary search: a binary
#: search of a million keys misses the cache some 20 times, a pass streams through them.
OWN_TIES_PER_PASS = 64
#: The ties' arrays, one value per tie each, in the order of :meth:`PeerTies._insert`'s arguments.
COLUMNS: tuple[str, ...] = ("key", "u", "v", "strength", "complementarity")


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
        # sums are taken in the ties' order, as in strength_among. Adding a 0 leaves a sum of
        # strengths (>= 0) as it was, to the bit, so only the ties between two members are summed
        # (np.bincount's zeros cost no memory where no member's tie lands).
        both = (member[self.u] & member[self.v]).nonzero()[0]
        w = self.strength[both]
        total = np.bincount(self.u[both], weights=w, minlength=self.n)[m]
        return total + np.bincount(self.v[both], weights=w, minlength=self.n)[m]

    def between(self, m: np.ndarray, member: np.ndarray) -> np.ndarray:
        """Return the positions (ascending) of the ties between two members: ``m`` the ascending
        indices of the partners ``member`` selects (boolean, length n)."""
        if not len(self):
            return np.empty(0, dtype=np.int64)
        return (member[self.u] & member[self.v]).nonzero()[0]

    def count_between(self, idx: np.ndarray, selected: np.ndarray) -> int:
        """Return how many ties join two partners selected by ``selected`` (boolean, length n;
        ``idx``: their ascending indices): in a community of its own every tie was made there
        between two of its members, so all of them (no array work in the weekly record); a
        channel's ties count only those between its partners (:meth:`ChannelTies.count_between`)."""
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
            keys = distinct(keys)
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
    week (:meth:`decay_week`), not once per community: :meth:`decay` does nothing.

    A community reads only its own partners' ties, not every tie of the channel: the ties of which
    a partner is the lower end are one run of the sorted keys (from ``x * n`` to ``(x + 1) * n``),
    found by binary search (:meth:`lower_ends`), so the ties between a community's members, their
    peer bonds and the ties between partners who joined it cost in proportion to those partners'
    ties (the same numbers, in the same order, as :class:`PeerTies`' passes over every tie).
    """

    def __init__(self, n: int, skills: np.ndarray, gain: float = 1.0, forget: float = 0.1) -> None:
        super().__init__(n, skills, gain=gain, forget=forget)
        self._version = 0  # changes whenever a tie is inserted or forgotten (positions move)
        self._among: tuple[np.ndarray, np.ndarray, int, tuple[np.ndarray, ...]] | None = None
        self._place = np.zeros(n, dtype=np.int64)  # scratch: a member's position in m (only members' read)
        # Each column in one of two buffers: an insert or a decay writes the other one, then turns.
        self._buffers: dict[str, list[np.ndarray]] = {}
        self._turn = 0

    def _reads_own(self, idx: np.ndarray) -> bool:
        """Return True when reading the own ties of partners ``idx`` (a binary search of the keys
        for each) costs less than one pass over every tie: they are few against the ties."""
        return idx.size * OWN_TIES_PER_PASS < self.key.size

    def _buffer(self, name: str, size: int, dtype: np.dtype) -> np.ndarray:
        """Return the first ``size`` slots of the spare buffer of column ``name`` (not the one
        holding the column now), grown by a quarter when too small."""
        spare = self._buffers.setdefault(name, [np.empty(0, dtype=dtype), np.empty(0, dtype=dtype)])
        if spare[self._turn].size < size:
            spare[self._turn] = np.empty(size + size // 4 + 1024, dtype=dtype)
        return spare[self._turn][:size]

    def _insert(self, at: np.ndarray, key: np.ndarray, u: np.ndarray, v: np.ndarray,
                comp: np.ndarray) -> None:
        """Insert new ties (ascending ``key``) before positions ``at``, as :meth:`PeerTies._insert`,
        into the spare buffers (a fresh array of a million ties costs more in new pages than in
        copying)."""
        size = self.key.size + at.size
        slot = at + np.arange(at.size)
        old = np.empty(size, dtype=bool)
        old.fill(True)
        old[slot] = False
        for name, values in zip(COLUMNS, (key, u, v, self.gain, comp), strict=True):
            before = getattr(self, name)
            after = self._buffer(name, size, before.dtype)
            after[slot] = values
            after[old] = before
            setattr(self, name, after)
        self._turn = 1 - self._turn
        self._version += 1

    def _compress(self, keep: np.ndarray) -> None:
        size = int(np.count_nonzero(keep))
        for name in COLUMNS:
            before = getattr(self, name)
            setattr(self, name, np.compress(keep, before, out=self._buffer(name, size, before.dtype)))
        self._turn = 1 - self._turn
        self._version += 1

    def lower_ends(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the positions (ascending) of the ties whose lower end is one of partners ``idx``
        (ascending), and for each the position in ``idx`` of that end: each partner's run of the
        sorted keys, found by binary search (its peers above it, ascending)."""
        lo = self.key.searchsorted(idx * self.n)
        deg = self.key.searchsorted(idx * self.n + self.n) - lo
        owner = np.repeat(np.arange(idx.size), deg)
        first = np.cumsum(deg) - deg  # where each partner's run starts in the result
        return np.arange(owner.size) + (lo - first)[owner], owner

    def _members_ties(self, m: np.ndarray, member: np.ndarray) -> tuple[np.ndarray, ...]:
        """Return the ties between two members (positions, ascending) and the position in ``m`` of
        each one's lower and higher end; kept until the ties move or another community asks (its
        deals and then its peer bonds read the same ties in one week)."""
        held = self._among
        if held is not None and held[0] is m and held[1] is member and held[2] == self._version:
            return held[3]
        place = self._place
        place[m] = np.arange(m.size)  # (a lookup, not a binary search of m for every tie's end)
        if self._reads_own(m):
            pos, lower = self.lower_ends(m)
            higher = self.v[pos]
            both = member[higher]
            found = (pos[both], lower[both], place[higher[both]])
        else:  # members are many: one pass over every tie
            pos = (member[self.u] & member[self.v]).nonzero()[0]
            found = (pos, place[self.u[pos]], place[self.v[pos]])
        self._among = (m, member, self._version, found)
        return found

    def between(self, m: np.ndarray, member: np.ndarray) -> np.ndarray:
        """Return the positions (ascending) of the ties between two members (``m``: the ascending
        indices of the partners ``member`` selects), read from the members' own ties."""
        if not len(self) or m.size == 0:
            return np.empty(0, dtype=np.int64)
        return self._members_ties(m, member)[0]

    def strength_of(self, m: np.ndarray, member: np.ndarray) -> np.ndarray:
        """Return the summed tie strength of each member ``m`` to current members, along m (as
        :meth:`PeerTies.strength_of`: at each end, summed in the ties' order), from the ties
        between two members only (a tie to a non-member adds nothing)."""
        if not len(self) or m.size == 0:
            return np.zeros(m.size)
        pos, lower, higher = self._members_ties(m, member)
        w = self.strength[pos]
        return (np.bincount(lower, weights=w, minlength=m.size)
                + np.bincount(higher, weights=w, minlength=m.size))

    def count_between(self, idx: np.ndarray, selected: np.ndarray) -> int:
        """Return how many of the channel's ties join two partners selected by ``selected``
        (boolean, length n: those who joined one community; ``idx`` their ascending indices),
        wherever the tie was made: read from their own ties."""
        if not len(self) or idx.size == 0:
            return 0
        if not self._reads_own(idx):
            return int(np.count_nonzero(selected[self.u] & selected[self.v]))
        pos, _ = self.lower_ends(idx)
        return int(np.count_nonzero(selected[self.v[pos]]))

    def triadic_candidates(self, who: np.ndarray, u: np.ndarray,
                           v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the two arrays of peers to introduce to each other, as
        :meth:`PeerTies.triadic_candidates` (each partner's peers in the same order: those above
        it, then those below it, each ascending), from the ties of ``who`` only: its runs of the
        sorted keys and one pass over the ties' higher ends."""
        if len(self) == 0 or who.size == 0:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty
        pos, lower = self.lower_ends(who)
        mine = np.zeros(self.n, dtype=bool)
        mine[who] = True
        above = np.flatnonzero(mine[self.v])  # the ties of which one of ``who`` is the higher end
        ends = np.concatenate([lower, who.searchsorted(self.v[above])])  # position in who
        other = np.concatenate([self.v[pos], self.u[above]])
        order = np.argsort(ends, kind="stable")
        other = other[order]
        deg = np.bincount(ends, minlength=who.size)
        start = np.cumsum(deg) - deg
        ok = deg >= 2
        who_start, who_deg = start[ok], deg[ok]
        i = np.minimum((u[ok] * who_deg).astype(np.int64), who_deg - 1)
        j = (i + 1 + np.minimum((v[ok] * (who_deg - 1)).astype(np.int64), who_deg - 2)) % who_deg
        return other[who_start + i], other[who_start + j]

    def decay(self, rate: float) -> int:
        """Do nothing (the channel decays its ties once a week); return 0 ties forgotten."""
        return 0

    def decay_week(self, rate: float) -> int:
        """Weaken every tie by ``rate`` and forget those below ``forget`` (once a channel week);
        return how many went."""
        return PeerTies.decay(self, rate)


"""Peer ties formed inside the community: an undirected, weighted, growing and decaying edge list.

Ties are stored once per pair (u < v) in arrays sorted by the key ``u * n + v``, so that
existence checks are binary searches and every weekly update is an array operation
(shared/MODEL.md mechanism 7; seeds/003 #3, seeds/004).
"""

from __future__ import annotations

import numpy as np

MIN_STRENGTH = 0.1  # a tie weaker than this is forgotten
COMPLEMENTARITY = np.array([0.2, 0.5, 1.0])  # by the number of differences (size class, main need)


class PeerTies:
    """The community's peer ties: endpoints, strength (0-1] and complementarity of each pair."""

    def __init__(self, n: int, size_class: np.ndarray, main_need: np.ndarray) -> None:
        self.n = n
        self._size_class = size_class
        self._main_need = main_need
        self.key = np.empty(0, dtype=np.int64)
        self.u = np.empty(0, dtype=np.int64)
        self.v = np.empty(0, dtype=np.int64)
        self.strength = np.empty(0)
        self.complementarity = np.empty(0)

    def __len__(self) -> int:
        return int(self.key.size)

    def degree(self) -> np.ndarray:
        """Return each partner's number of peer ties (array of length n)."""
        return np.bincount(np.concatenate([self.u, self.v]), minlength=self.n)

    def add(self, a: np.ndarray, b: np.ndarray) -> int:
        """Create ties a[i]-b[i] (or refresh existing ones to full strength); return how many are new.

        Complementarity (seeds/004: partners with other skills make "one plus one equal three")
        is 1 for partners of different size class and main need, 0.5 for one difference, 0.2
        for none.
        """
        a = np.asarray(a, dtype=np.int64)
        b = np.asarray(b, dtype=np.int64)
        ok = a != b
        a, b = a[ok], b[ok]
        if a.size == 0:
            return 0
        keys = _distinct(np.minimum(a, b) * self.n + np.maximum(a, b))
        pos = self.key.searchsorted(keys)
        # A key past the end is compared with the last one (not equal): it is new.
        exists = self.key.take(pos, mode="clip") == keys if len(self) else np.zeros(keys.size, dtype=bool)
        self.strength[pos[exists]] = 1.0
        fresh = ~exists
        new = keys[fresh]
        if new.size:
            nu, nv = np.divmod(new, self.n)
            differences = ((self._size_class[nu] != self._size_class[nv]).astype(np.intp)
                           + (self._main_need[nu] != self._main_need[nv]))
            self._insert(pos[fresh], new, nu, nv, COMPLEMENTARITY[differences])
        return int(new.size)

    def _insert(self, at: np.ndarray, key: np.ndarray, u: np.ndarray, v: np.ndarray,
                comp: np.ndarray) -> None:
        """Insert new ties (ascending ``key``) before positions ``at`` of the sorted arrays.

        The same result as ``np.insert`` on each array, with the slots computed once.
        """
        size = self.key.size + at.size
        slot = at + np.arange(at.size)  # where each new tie lands (``at`` is non-decreasing)
        old = np.ones(size, dtype=bool)
        old[slot] = False
        for name, values in (("key", key), ("u", u), ("v", v), ("strength", 1.0),
                             ("complementarity", comp)):
            before = getattr(self, name)
            after = np.empty(size, dtype=before.dtype)
            after[slot] = values
            after[old] = before
            setattr(self, name, after)

    def decay(self, rate: float) -> int:
        """Weaken every tie by ``rate`` and forget those below MIN_STRENGTH; return how many went.

        Ties used this week were refreshed to 1 by :meth:`add` or :meth:`refresh` beforehand.
        """
        self.strength *= 1.0 - rate
        keep = self.strength >= MIN_STRENGTH
        lost = int(keep.size - np.count_nonzero(keep))
        if lost:
            self._compress(keep)
        return lost

    def refresh(self, mask: np.ndarray) -> None:
        """Restore the ties selected by boolean ``mask`` to full strength (they were used)."""
        self.strength[mask] = 1.0

    def drop_partners(self, gone: np.ndarray) -> None:
        """Forget every tie of the partners flagged in boolean array ``gone`` (length n)."""
        if len(self):
            keep = ~(gone[self.u] | gone[self.v])
            if not keep.all():
                self._compress(keep)

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
        start = np.searchsorted(ends, who, side="left")
        deg = np.searchsorted(ends, who, side="right") - start
        ok = deg >= 2
        who_start, who_deg = start[ok], deg[ok]
        i = np.minimum((u[ok] * who_deg).astype(np.int64), who_deg - 1)
        j = (i + 1 + np.minimum((v[ok] * (who_deg - 1)).astype(np.int64), who_deg - 2)) % who_deg
        return other[who_start + i], other[who_start + j]


def _distinct(values: np.ndarray) -> np.ndarray:
    """Return the distinct ``values``, ascending (``np.unique``, about twice as fast on the small
    arrays of a week's new ties)."""
    values = np.sort(values)
    first = np.ones(values.size, dtype=bool)
    first[1:] = values[1:] != values[:-1]
    return values[first]

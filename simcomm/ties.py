"""Peer ties formed inside the community: an undirected, weighted, growing and decaying edge list.

Ties are stored once per pair (u < v) in arrays sorted by the key ``u * n + v``, so that
existence checks are binary searches and every weekly update is an array operation
(shared/MODEL.md mechanism 7; seeds/003 #3, seeds/004).
"""

from __future__ import annotations

import numpy as np

MIN_STRENGTH = 0.1  # a tie weaker than this is forgotten


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
        return (np.bincount(self.u, minlength=self.n)
                + np.bincount(self.v, minlength=self.n))

    def add(self, a: np.ndarray, b: np.ndarray) -> int:
        """Create ties a[i]-b[i] (or refresh existing ones to full strength); return how many are new.

        Complementarity (seeds/004: partners with other skills make "one plus one equal three")
        is 1 for partners of different size class and main need, 0.5 for one difference, 0.2
        for none.
        """
        a = np.asarray(a, dtype=np.int64)
        b = np.asarray(b, dtype=np.int64)
        ok = a != b
        u = np.minimum(a[ok], b[ok])
        v = np.maximum(a[ok], b[ok])
        if u.size == 0:
            return 0
        keys = np.unique(u * self.n + v)
        pos = np.searchsorted(self.key, keys)
        exists = pos < self.key.size
        exists[exists] = self.key[pos[exists]] == keys[exists]
        self.strength[pos[exists]] = 1.0
        new = keys[~exists]
        if new.size:
            nu, nv = new // self.n, new % self.n
            diff = ((self._size_class[nu] != self._size_class[nv]).astype(float)
                    + (self._main_need[nu] != self._main_need[nv]))
            comp = np.array([0.2, 0.5, 1.0])[diff.astype(int)]
            at = pos[~exists]
            self.key = np.insert(self.key, at, new)
            self.u = np.insert(self.u, at, nu)
            self.v = np.insert(self.v, at, nv)
            self.strength = np.insert(self.strength, at, 1.0)
            self.complementarity = np.insert(self.complementarity, at, comp)
        return int(new.size)

    def decay(self, rate: float) -> int:
        """Weaken every tie by ``rate`` and forget those below MIN_STRENGTH; return how many went.

        Ties used this week were refreshed to 1 by :meth:`add` or :meth:`refresh` beforehand.
        """
        self.strength *= 1.0 - rate
        keep = self.strength >= MIN_STRENGTH
        lost = int(keep.size - keep.sum())
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

    def triadic_candidates(self, who: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """For each partner in ``who`` with two or more ties, pick two of its peers at random.

        Returns the two arrays of peers to introduce to each other (triadic closure).
        """
        if len(self) == 0 or who.size == 0:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty
        ends = np.concatenate([self.u, self.v])
        other = np.concatenate([self.v, self.u])
        order = np.argsort(ends, kind="stable")
        ends, other = ends[order], other[order]
        start = np.searchsorted(ends, who, side="left")
        deg = np.searchsorted(ends, who, side="right") - start
        ok = deg >= 2
        who_start, who_deg = start[ok], deg[ok]
        i = rng.integers(0, who_deg)
        j = (i + 1 + rng.integers(0, who_deg - 1)) % who_deg
        return other[who_start + i], other[who_start + j]

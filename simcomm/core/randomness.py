"""Common random numbers: every decision draws from its own stream, keyed by partner and week.

In the manner of Starsim's random-number design (Klein et al. 2024), a draw is not the next number
of one shared generator but a function of (seed, decision, week, partner, slot): a counter-based
hash (SplitMix64's finaliser, applied in turn to each part of the key) turned into a uniform
number. So a partner's draw for "does it visit this week?" is the same in two runs that differ
in one lever, whatever other partners, other mechanisms or earlier extra draws did: what-ifs
are paired draw by draw, and their differences carry far less noise than unpaired runs.

Non-uniform draws use the inverse of their distribution function on these uniforms (Poisson,
gamma, normal, geometric), so they are keyed the same way. Choosing k of n candidates takes the
k with the smallest keys (Efraimidis and Spirakis 2006 when weighted). Everything here is
vectorised over partners: a draw costs a few array operations per partner that needs it.
"""

from __future__ import annotations

import math
import zlib

import numpy as np
from scipy import special

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_GOLDEN_INT = 0x9E3779B97F4A7C15
_TO_UNIT = 2.0**-53
SLOT_SHIFT = 44  # a draw's key is id + (slot << SLOT_SHIFT)
POISSON_DIRECT = 30.0  # above this mean a Poisson draw uses the normal approximation
_MASK = 2**64 - 1


def _mix_int(x: int) -> int:
    """Return SplitMix64's finaliser of one Python int (a bijective avalanche hash of 64 bits;
    :meth:`Stream.uniform` applies the same function to arrays)."""
    x &= _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def _absorb_int(h: int, part: int) -> int:
    """Return the hash ``h`` with one more part of a key absorbed (64-bit Python ints)."""
    return _mix_int(h + _GOLDEN_INT + (part & _MASK))


def stream_key(seed: int, name: str) -> np.uint64:
    """Return the 64-bit key of the decision ``name`` under ``seed``."""
    return np.uint64(_absorb_int(_absorb_int(seed % 2**64, zlib.crc32(name.encode())), len(name)))


def poisson_inverse(u: np.ndarray, lam: np.ndarray | float) -> np.ndarray:
    """Return Poisson(``lam``) draws (int64) from uniforms ``u`` in (0, 1) by inverting the CDF.

    Means above POISSON_DIRECT use the normal approximation with continuity correction (rounded,
    at least 0); a mean of 0 gives 0.
    """
    u = np.asarray(u, dtype=float)
    lam = np.broadcast_to(np.asarray(lam, dtype=float), u.shape)
    out = np.zeros(u.shape, dtype=np.int64)
    small = (lam > 0) & (lam <= POISSON_DIRECT)
    if small.any():
        us, ls = u[small], lam[small]
        p = np.exp(-ls)
        cdf = p.copy()
        k = np.zeros(us.shape, dtype=np.int64)
        todo = np.flatnonzero(us > cdf)
        i = 0
        while todo.size and i < 200:
            i += 1
            p[todo] *= ls[todo] / i
            cdf[todo] += p[todo]
            k[todo] = i
            todo = todo[us[todo] > cdf[todo]]
        out[small] = k
    big = lam > POISSON_DIRECT
    if big.any():
        z = special.ndtri(u[big])
        out[big] = np.maximum(0, np.floor(lam[big] + np.sqrt(lam[big]) * z + 0.5)).astype(np.int64)
    return out


class Stream:
    """The draws of one decision: uniforms keyed by (week, partner or other id, slot)."""

    __slots__ = ("_week", "_week_key", "key", "name")

    def __init__(self, seed: int, name: str) -> None:
        self.name = name
        self.key = stream_key(seed, name)
        self._week, self._week_key = -1, _absorb_int(int(self.key), -1)

    def _keyed(self, week: int) -> int:
        if week != self._week:
            self._week, self._week_key = week, _absorb_int(int(self.key), week)
        return self._week_key

    def uniform(self, week: int, ids: np.ndarray | int, slot: np.ndarray | int = 0) -> np.ndarray:
        """Return uniforms in (0, 1), one per element of ``ids`` (and ``slot``, broadcast; ids
        below 2**43, slots below 2**19).

        The key of a draw is ``id + (slot << 44)``; it advances a SplitMix64 counter from the
        stream's key for the week (``week key + key x golden gamma``), then the finaliser mixes it.
        """
        part = np.array(ids, dtype=np.int64, copy=True)
        if not (isinstance(slot, int) and slot == 0):
            part = part + np.left_shift(np.asarray(slot, dtype=np.int64), SLOT_SHIFT)
        x = part.view(np.uint64)
        with np.errstate(over="ignore"):
            x *= _GOLDEN
            x += np.uint64(self._keyed(week))
            x ^= x >> _S30
            x *= _M1
            x ^= x >> _S27
            x *= _M2
            x ^= x >> _S31
        x >>= _S11
        u = x.astype(np.float64)
        u += 0.5
        u *= _TO_UNIT
        return u

    def scalar(self, week: int, slot: int = 0) -> float:
        """Return one uniform in (0, 1) for this week (a community-level decision); the same
        number as ``uniform(week, -1, slot)``."""
        h = _mix_int(self._keyed(week) + (((-1 + (slot << SLOT_SHIFT)) * _GOLDEN_INT) & _MASK))
        return ((h >> 11) + 0.5) * _TO_UNIT

    def poisson(self, week: int, ids: np.ndarray | int, lam: np.ndarray | float) -> np.ndarray:
        """Return Poisson(``lam``) counts (int64), one per id."""
        return poisson_inverse(self.uniform(week, ids), lam)

    def poisson_count(self, week: int, lam: float, slot: int = 0) -> int:
        """Return one Poisson(``lam``) count for this week (community level)."""
        if lam <= 0:
            return 0
        u = self.scalar(week, slot)
        if lam > POISSON_DIRECT:
            return int(poisson_inverse(np.array([u]), lam)[0])
        p = cdf = math.exp(-lam)
        k = 0
        while u > cdf and k < 200:
            k += 1
            p *= lam / k
            cdf += p
        return k

    def gamma(self, week: int, ids: np.ndarray, shape: float, scale: float) -> np.ndarray:
        """Return gamma(``shape``, ``scale``) draws, one per id.

        From shape 4 up, the quantile is the Wilson-Hilferty cube of a normal quantile (at shape
        4: median relative error 0.15%, 3% at the lowest 1% of draws; mean and variance within
        0.2%), about 20 times faster than the exact inverse, which is used below shape 4.
        """
        u = self.uniform(week, ids)
        if shape < 4.0:
            return special.gammaincinv(shape, u) * scale
        c = 1.0 / (9.0 * shape)
        x = 1.0 - c + special.ndtri(u) * np.sqrt(c)
        return shape * scale * np.maximum(x, 0.0) ** 3

    def normal(self, week: int, ids: np.ndarray, slot: np.ndarray | int = 0) -> np.ndarray:
        """Return standard normal draws, one per id."""
        return special.ndtri(self.uniform(week, ids, slot))

    def geometric_gap(self, week: int, mean: float, slot: int = 0) -> int:
        """Return a whole number of weeks >= 0 with the given mean (geometric on {0, 1, ...})."""
        if mean <= 0:
            return 0
        p = 1.0 / (mean + 1.0)
        u = self.scalar(week, slot)
        return int(np.floor(np.log(u) / np.log1p(-p))) if p < 1 else 0

    def choose(self, week: int, candidates: np.ndarray, k: int,
               weights: np.ndarray | None = None) -> np.ndarray:
        """Return ``k`` of ``candidates`` without replacement (all if fewer), ascending; with
        ``weights`` (> 0) each is chosen in proportion (Efraimidis and Spirakis 2006)."""
        if k >= candidates.size:
            return np.sort(candidates)
        if k <= 0:
            return candidates[:0]
        u = self.uniform(week, candidates)
        key = np.log(u) / weights if weights is not None else u
        pick = np.argpartition(-key if weights is not None else key, k - 1)[:k]
        return np.sort(candidates[pick])

    def pick(self, week: int, n: int, count: int, slot: int = 0) -> np.ndarray:
        """Return ``count`` ids drawn uniformly from range(n), with replacement (the j-th draw of
        the week is the same in two runs whatever else differs)."""
        if count <= 0:
            return np.empty(0, dtype=np.int64)
        u = self.uniform(week, np.arange(count), slot)
        return np.minimum((u * n).astype(np.int64), n - 1)


class Streams:
    """One model's streams: ``streams.get(name)`` returns the stream of a decision (made once)."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._made: dict[str, Stream] = {}

    def get(self, name: str) -> Stream:
        """Return the stream of decision ``name`` (the same object on every call)."""
        stream = self._made.get(name)
        if stream is None:
            stream = self._made[name] = Stream(self.seed, name)
        return stream

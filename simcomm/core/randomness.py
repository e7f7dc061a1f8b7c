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

At the default size a week's cost is the number of numpy calls, not their size, so draws are
hashed in blocks where they can be: several decisions over the same ids in one pass
(:meth:`Streams.uniforms`; the census hashes every mechanism's member draws at once,
:meth:`Streams.prefetch`), and a handful of draws with Python ints. Each gives the very numbers
a draw of its own would.
"""

from __future__ import annotations

import difflib
import math
import zlib
from collections.abc import Collection, Sequence

import numpy as np
from scipy import special

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S10 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(10)
_ONE = np.uint64(1)
_INT64 = np.dtype(np.int64)
_GOLDEN_INT = 0x9E3779B97F4A7C15
_TO_UNIT = 2.0**-53
_TO_HALF_UNIT = 2.0**-54
SLOT_SHIFT = 44  # a draw's key is id + (slot << SLOT_SHIFT)
POISSON_DIRECT = 30.0  # above this mean a Poisson draw uses the normal approximation
POISSON_MAX_K = 200  # an exact Poisson draw stops here (far in the tail of a mean of 30)
_MASK = 2**64 - 1
KEY_WEEKS = 64  # a stream's week keys are computed this many weeks at a time
SMALL_DRAW = 8  # up to this many draws at once are hashed with Python ints (fewer numpy calls)


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
    lam = np.asarray(lam, dtype=float)
    if lam.shape != u.shape:
        lam = np.broadcast_to(lam, u.shape)
    out = np.zeros(u.shape, dtype=np.int64)
    small = (lam > 0) & (lam <= POISSON_DIRECT)
    if np.count_nonzero(small):
        out[small] = _poisson_small(u[small], lam[small])
    big = lam > POISSON_DIRECT
    if np.count_nonzero(big):
        z = special.ndtri(u[big])
        lb = lam[big]
        out[big] = np.maximum(0, np.floor(lb + np.sqrt(lb) * z + 0.5)).astype(np.int64)
    return out


def _poisson_small(u: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Return the smallest k (int64, at most POISSON_MAX_K) with ``u`` <= the Poisson(``lam``)
    CDF at k, for 1-d ``u`` and ``lam`` (0 < lam <= POISSON_DIRECT).

    The CDF is built term by term, p(k) = p(k-1) x (lam / k) and cdf(k) = cdf(k-1) + p(k), in
    that order, so every draw is the same number as one step at a time would give; but the steps
    are taken in blocks (the first long enough for nearly every draw, then twice as long each
    time) with a running product and a running sum down the columns, so a week's draws cost a
    few array operations per block, not per step.
    """
    p = np.exp(-lam)
    k = np.zeros(u.shape, dtype=np.int64)
    todo = (u > p).nonzero()[0]  # cdf(0) = p(0)
    u, lam, p = u[todo], lam[todo], p[todo]
    cdf = p
    done = 0
    # The first block reaches far into the largest mean's tail: most weeks need no second one.
    top = float(np.maximum.reduce(lam)) if lam.size else 0.0
    width = int(top + 3.0 * math.sqrt(top)) + 4
    while todo.size and done < POISSON_MAX_K:
        w = min(width, POISSON_MAX_K - done)
        # One column per draw, one row per step: the running product and sum go down the rows.
        terms = np.empty((w + 1, todo.size))
        terms[0] = p
        np.divide(lam, np.arange(done + 1, done + w + 1, dtype=float)[:, None], out=terms[1:])
        terms = np.cumprod(terms, axis=0)  # p(done), p(done + 1), ..., p(done + w)
        p = terms[w]
        terms[0] = cdf
        cdfs = np.cumsum(terms, axis=0)  # cdf(done), ..., cdf(done + w)
        below = np.add.reduce(u > cdfs[1:], axis=0, dtype=np.int64)  # steps below u (the CDF only grows)
        k[todo] = done + np.minimum(below + 1, w)
        more = below == w
        done += w
        if not np.count_nonzero(more):
            break
        todo, u, lam, p, cdf = todo[more], u[more], lam[more], p[more], cdfs[w, more]
        width *= 2
    return k


def _counters(ids: np.ndarray | int, slot: np.ndarray | int) -> np.ndarray:
    """Return ``(id + (slot << SLOT_SHIFT)) x golden gamma`` (uint64, modulo 2**64, at least 1-d),
    one per element of ``ids`` and ``slot`` broadcast: a draw's counter before the week key."""
    part = np.asarray(ids, dtype=np.int64)
    if not (isinstance(slot, int) and slot == 0):
        part = part + np.left_shift(np.asarray(slot, dtype=np.int64), SLOT_SHIFT)
    if part.ndim == 0:
        part = part.reshape(1)
    return part.view(np.uint64) * _GOLDEN


def _week_keys(key: int, first: int, count: int) -> list[int]:
    """Return the stream key ``key`` with each of the weeks ``first`` .. ``first + count - 1``
    absorbed: ``_absorb_int(key, week)`` for each, computed in one pass over an array."""
    h = np.arange(first, first + count, dtype=np.int64).view(np.uint64)
    h += np.uint64((key + _GOLDEN_INT) & _MASK)
    h ^= h >> _S30
    h *= _M1
    h ^= h >> _S27
    h *= _M2
    h ^= h >> _S31
    return h.tolist()


def _to_uniform(x: np.ndarray) -> np.ndarray:
    """Return uniforms in (0, 1) from the counters ``x`` (uint64, at least 1-d; overwritten):
    SplitMix64's finaliser, then ``((h >> 11) + 0.5) x 2**-53`` of each mixed ``h``.

    That last number is computed as ``((h >> 10) | 1) x 2**-54``: the same double (either way,
    2 (h >> 11) + 1 rounded to nearest, scaled by a power of 2), with one array operation fewer.
    Unsigned array arithmetic wraps modulo 2**64 without a warning.
    """
    t = np.empty_like(x)
    np.right_shift(x, _S30, out=t)
    x ^= t
    x *= _M1
    np.right_shift(x, _S27, out=t)
    x ^= t
    x *= _M2
    np.right_shift(x, _S31, out=t)
    x ^= t
    x >>= _S10
    x |= _ONE
    return np.multiply(x, _TO_HALF_UNIT)


class Stream:
    """The draws of one decision: uniforms keyed by (week, partner or other id, slot)."""

    __slots__ = ("_first", "_keys", "_ready", "_week", "_week_key", "key", "name")

    def __init__(self, seed: int, name: str) -> None:
        self.name = name
        self.key = stream_key(seed, name)
        self._week, self._week_key = -1, _absorb_int(int(self.key), -1)
        self._first, self._keys = 0, []  # the week keys of weeks _first, _first + 1, ...
        self._ready: tuple[int, np.ndarray, dict[int, np.ndarray]] | None = None  # Streams.prefetch

    def _keyed(self, week: int) -> int:
        if week != self._week:
            i = week - self._first
            if not 0 <= i < len(self._keys):  # the next KEY_WEEKS weeks' keys, in one pass
                self._first, self._keys, i = week, _week_keys(int(self.key), week, KEY_WEEKS), 0
            self._week, self._week_key = week, self._keys[i]
        return self._week_key

    def week_key(self, week: int) -> int:
        """Return the stream's 64-bit key for ``week`` (the start of its counters that week)."""
        return self._week_key if week == self._week else self._keyed(week)

    def uniform(self, week: int, ids: np.ndarray | int, slot: np.ndarray | int = 0) -> np.ndarray:
        """Return uniforms in (0, 1), one per element of ``ids`` (and ``slot``, broadcast; ids
        below 2**43, slots below 2**19).

        The key of a draw is ``id + (slot << 44)``; it advances a SplitMix64 counter from the
        stream's key for the week (``week key + key x golden gamma``), then the finaliser mixes it.
        """
        ready = self._ready
        if ready is not None:  # hashed ahead with other decisions (Streams.prefetch): used once
            if ready[1] is ids and ready[0] == week and type(slot) is int:
                row = ready[2].pop(slot, None)
                if not ready[2]:
                    self._ready = None
                if row is not None:
                    return row
            else:
                self._ready = None
        key = self._week_key if week == self._week else self._keyed(week)
        if type(ids) is np.ndarray and ids.ndim == 1 and ids.dtype is _INT64 and type(slot) is int:
            if ids.size <= SMALL_DRAW:  # a few draws: the same numbers from Python ints, faster
                part = slot << SLOT_SHIFT
                return np.array([((_mix_int(key + (((i + part) * _GOLDEN_INT) & _MASK)) >> 11) + 0.5)
                                 * _TO_UNIT for i in ids.tolist()], dtype=np.float64)
            if slot == 0:  # the common case: a 1-d index array, slot 0
                x = ids.view(np.uint64) * _GOLDEN
                x += key
                return _to_uniform(x)
        x = _counters(ids, slot)
        x += key
        u = _to_uniform(x)
        return u if np.ndim(ids) or np.ndim(slot) else u[0]

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
        while u > cdf and k < POISSON_MAX_K:
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
    """One model's streams: ``streams.get(name)`` returns the stream of a decision (made once).

    ``names`` is the registry of decisions (:data:`simcomm.core.rooms.STREAM_NAMES`): a name
    outside it is refused, so a typo fails instead of drawing from a new stream.
    """

    def __init__(self, seed: int, names: Collection[str]) -> None:
        self.seed = int(seed)
        self.names = frozenset(names)
        self._made: dict[str, Stream] = {}

    def get(self, name: str) -> Stream:
        """Return the stream of decision ``name`` (the same object on every call); raise KeyError
        for a name outside the registry."""
        try:
            return self._made[name]
        except KeyError:
            if name not in self.names:
                near = difflib.get_close_matches(name, sorted(self.names), n=1)
                hint = f"; did you mean '{near[0]}'?" if near else ""
                raise KeyError(f"no random stream '{name}' is declared by any room{hint}") from None
            stream = self._made[name] = Stream(self.seed, name)
            return stream

    def prefetch(self, week: int, ids: np.ndarray, draws: Sequence[str | tuple[str, int]]) -> None:
        """Hash this week's ``draws`` over ``ids`` (1-d) in one pass (:meth:`uniforms`); return
        None. A draw is a decision's name (slot 0) or a (name, slot) pair. The next
        ``uniform(week, ids, slot)`` of each, with this very array, returns its row: the numbers
        it would compute itself. ``ids`` must not be changed in between (the census's member
        index is not)."""
        if not draws:
            return
        pairs = [(d, 0) if isinstance(d, str) else d for d in draws]
        names = [name for name, _ in pairs]
        slots = np.array([[slot] for _, slot in pairs]) if any(slot for _, slot in pairs) else 0
        for (name, slot), row in zip(pairs, self.uniforms(week, names, ids, slots), strict=True):
            stream = self.get(name)
            ready = stream._ready
            if ready is None or ready[1] is not ids or ready[0] != week:
                ready = stream._ready = (week, ids, {})
            ready[2][slot] = row

    def uniforms(self, week: int, names: Sequence[str], ids: np.ndarray,
                 slot: np.ndarray | int = 0) -> np.ndarray:
        """Return the uniforms of several decisions over the same ``ids`` (1-d), one row per name:
        row r is ``get(names[r]).uniform(week, ids, slot[r])`` (``slot``: 0, or one row of slots
        per name), the same numbers, hashed in one pass (a block costs about what one draw does).
        """
        keys = np.array([self.get(name).week_key(week) for name in names], dtype=np.uint64)
        x = _counters(ids, slot)
        if x.ndim == 1:
            x = np.add(x, keys[:, None])  # a new array: one row per name
        else:
            x += keys[:, None]
        return _to_uniform(x)

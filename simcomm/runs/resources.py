"""Memory a run needs, estimated before it starts, so that an oversized run is refused at once.

The largest allocation of a run is the industry acquaintance graph, built once at launch: about
``partners * acquaintances / 2`` ties, each costing ~110 bytes at the peak of its construction
(edge arrays, the sparse matrix and its conversion; measured with simcomm 0.1 on Linux, 1.1 GB
for 200,000 partners with 100 acquaintances each), plus a few hundred bytes per partner for the
weekly state and a fixed ~200 MB for the interpreter and libraries.

The memory a run may use is the least of three: what the machine has available (MemAvailable),
what this process's control group may still use (a container's limit: cgroup v2 ``memory.max``,
v1 ``memory.limit_in_bytes``), and, per process, the address space its RLIMIT_AS (``ulimit -v``)
leaves it.

A channel's communities share one population and graph (:mod:`simcomm.core.channel`): each
community after the first adds only its own per-partner state, :data:`BYTES_PER_COMMUNITY_PARTNER`
per partner at most (its arrays, written wherever its members are, and the week's per-partner
masks), so a channel is estimated as one run plus that for every other community it may hold.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from simcomm.core.params import ParameterError, make_params

BYTES_PER_TIE = 110
BYTES_PER_PARTNER = 400
BASE_BYTES = 200 * 2**20
#: A channel's community's own state per partner (bytes): its 116 bytes of per-partner arrays
#: (simcomm.core.rooms.STATE, all but the population's) and the week's masks over the partners.
BYTES_PER_COMMUNITY_PARTNER = 130
USABLE_SHARE = 0.9  # refuse when the runs would need more than this share of available memory
UNLIMITED = 2**60  # a cgroup limit this large means none (v1 writes 9223372036854771712)


def estimate_bytes(values: Mapping[str, Any]) -> int:
    """Return the estimated peak memory (bytes) of one run with these parameter ``values``
    (a mapping with ``partners`` and ``acquaintances``, e.g. ``Params.to_dict()``)."""
    n = int(values["partners"])
    half = max(1, int(values["acquaintances"]) // 2)
    return BASE_BYTES + BYTES_PER_TIE * n * half + BYTES_PER_PARTNER * n


def meminfo_available(path: str = "/proc/meminfo") -> int | None:
    """Return the memory available for new processes (Linux MemAvailable, bytes), or None if unknown."""
    try:
        with open(path, encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):  # pragma: no cover - not POSIX
        return None


def _read_int(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None  # "max" (cgroup v2): no limit


def cgroup_bytes_left(cgroup_file: str = "/proc/self/cgroup", root: str = "/sys/fs/cgroup") -> int | None:
    """Return the memory this process's control group may still use (bytes), or None when it has
    no limit: the smallest ``limit - usage`` of its cgroup and the cgroups above it, for cgroup v2
    (``memory.max``, ``memory.current``) and v1 (``memory.limit_in_bytes``,
    ``memory.usage_in_bytes``). A container whose own cgroup is its root (a cgroup namespace)
    is found at ``root`` itself."""
    try:
        lines = Path(cgroup_file).read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    left: int | None = None
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        hierarchy, controllers, where = parts
        if hierarchy == "0" and controllers == "":
            base, limit_name, usage_name = Path(root), "memory.max", "memory.current"
        elif "memory" in controllers.split(","):
            base = Path(root) / "memory"
            limit_name, usage_name = "memory.limit_in_bytes", "memory.usage_in_bytes"
        else:
            continue
        names = [n for n in where.strip("/").split("/") if n]
        for depth in range(len(names), -1, -1):
            folder = base.joinpath(*names[:depth])
            limit = _read_int(folder / limit_name)
            if limit is None or limit >= UNLIMITED:
                continue
            here = max(0, limit - (_read_int(folder / usage_name) or 0))
            left = here if left is None else min(left, here)
    return left


def smallest_known(*limits: int | None) -> int | None:
    """Return the smallest of the ``limits`` that are known (bytes), or None if none is."""
    return min((b for b in limits if b is not None), default=None)


def address_space_left() -> int | None:
    """Return how much more address space this process may map under its RLIMIT_AS (``ulimit
    -v``; bytes; a worker process inherits it), or None without a limit."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return None
    soft = resource.getrlimit(resource.RLIMIT_AS)[0]
    if soft == resource.RLIM_INFINITY:
        return None
    mapped = 0
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    mapped = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return max(0, soft - mapped)


def _gb(n: float) -> str:
    return f"{n / 1e9:.1f} GB"


def _hashable(value: Any) -> Any:
    """Return ``value`` when it can be a set member, else its id (a bad value, refused later)."""
    try:
        hash(value)
    except TypeError:
        return id(value)
    return value


def check_memory(layers: Iterable[tuple[Mapping[str, Any], Mapping[str, Any]]], processes: int = 1,
                 models: int = 1, shared_population: bool = False) -> None:
    """Raise ParameterError (one line, naming partners and acquaintances and the figures) when
    the largest of the runs described by ``layers`` ((scenario overrides, overrides) pairs),
    ``processes`` at a time and ``models`` of them held at once in each, would need more memory
    than is available: more than this process's address-space limit (RLIMIT_AS) leaves it,
    or, all processes together, more than MemAvailable or the control group's limit leaves.
    With ``shared_population`` (a channel's communities) the models share one population: each
    after the first adds :data:`BYTES_PER_COMMUNITY_PARTNER` per partner. Returns None."""
    seen: set[tuple[Any, ...]] = set()
    worst: tuple[int, dict[str, Any]] | None = None
    for base, overrides in layers:
        key = (id(base), _hashable(overrides.get("partners")), _hashable(overrides.get("acquaintances")))
        if key in seen:  # only these two values change the estimate
            continue
        seen.add(key)
        values = make_params(overrides, base=base).to_dict()
        need = estimate_bytes(values)
        if worst is None or need > worst[0]:
            worst = (need, values)
    if worst is None:
        return
    need, values = worst
    what = f"partners={values['partners']} with acquaintances={values['acquaintances']}"
    if shared_population and models > 1:  # one population, and each other community's own state
        need += (models - 1) * BYTES_PER_COMMUNITY_PARTNER * int(values["partners"])
        what += f" and {models} communities"
        models = 1
    at_once = f" x {models} models held at once = {_gb(need * models)}" if models > 1 else ""
    room = address_space_left()  # per process: each worker has its own limit
    if room is not None and (need - BASE_BYTES) * models > USABLE_SHARE * room:
        raise ParameterError(
            f"{what} needs about {_gb(need)} of memory per run{at_once}, but the address-space limit "
            f"(ulimit -v) leaves {_gb(room)} to each process; lower partners or acquaintances, or raise "
            "the limit")
    # Each read once: a cgroup's usage moves between two reads, and a second read larger than the
    # first named MemAvailable as the limit when the container's limit was (a loaded machine).
    cgroup = cgroup_bytes_left()
    available = smallest_known(meminfo_available(), cgroup)
    if available is None:
        return
    total = need * models * max(1, processes)
    if total <= USABLE_SHARE * available:
        return
    limited = cgroup is not None and cgroup <= available
    where = "is left under this container's memory limit (cgroup)" if limited else "is available"
    times = f" x {processes} processes = {_gb(total)}" if processes > 1 else ""
    raise ParameterError(
        f"{what} needs about {_gb(need)} of memory per run{at_once}{times}, but {_gb(available)} {where}; "
        "lower partners or acquaintances" + (" or --workers" if processes > 1 else ""))

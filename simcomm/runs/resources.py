"""Memory a run needs, estimated before it starts, so that an oversized run is refused at once.

The largest allocation of a run is the industry acquaintance graph, built once at launch: about
``partners * acquaintances / 2`` ties, each costing ~110 bytes at the peak of its construction
(edge arrays, the sparse matrix and its conversion; measured with simcomm 0.1 on Linux, 1.1 GB
for 200,000 partners with 100 acquaintances each), plus a few hundred bytes per partner for the
weekly state and a fixed ~200 MB for the interpreter and libraries.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

from simcomm.core.params import ParameterError, make_params

BYTES_PER_TIE = 110
BYTES_PER_PARTNER = 400
BASE_BYTES = 200 * 2**20
USABLE_SHARE = 0.9  # refuse when the runs would need more than this share of available memory


def estimate_bytes(values: Mapping[str, Any]) -> int:
    """Return the estimated peak memory (bytes) of one run with these parameter ``values``
    (a mapping with ``partners`` and ``acquaintances``, e.g. ``Params.to_dict()``)."""
    n = int(values["partners"])
    half = max(1, int(values["acquaintances"]) // 2)
    return BASE_BYTES + BYTES_PER_TIE * n * half + BYTES_PER_PARTNER * n


def available_bytes() -> int | None:
    """Return the memory available for new processes (Linux MemAvailable), or None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):  # pragma: no cover - not POSIX
        return None


def _gb(n: float) -> str:
    return f"{n / 1e9:.1f} GB"


def check_memory(layers: Iterable[tuple[Mapping[str, Any], Mapping[str, Any]]], processes: int = 1) -> None:
    """Raise ParameterError (one line, naming partners and acquaintances and the figures) when
    the largest of the runs described by ``layers`` ((scenario overrides, overrides) pairs),
    ``processes`` at a time, would need more memory than is available."""
    seen: set[tuple[Any, ...]] = set()
    worst: tuple[int, dict[str, Any]] | None = None
    for base, overrides in layers:
        key = (id(base), overrides.get("partners"), overrides.get("acquaintances"))
        if key in seen:  # only these two values change the estimate
            continue
        seen.add(key)
        values = make_params(overrides, base=base).to_dict()
        need = estimate_bytes(values)
        if worst is None or need > worst[0]:
            worst = (need, values)
    available = available_bytes()
    if worst is None or available is None:
        return
    need, values = worst
    total = need * max(1, processes)
    if total <= USABLE_SHARE * available:
        return
    times = f" x {processes} processes = {_gb(total)}" if processes > 1 else ""
    raise ParameterError(
        f"partners={values['partners']} with acquaintances={values['acquaintances']} needs about "
        f"{_gb(need)} of memory per run{times}, but {_gb(available)} is available; lower partners "
        "or acquaintances" + (" or --workers" if processes > 1 else ""))

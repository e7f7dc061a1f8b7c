"""Every room of the model, in the order they are set up, and what their declarations add up to.

:data:`ROOMS` is the population, membership, the counterfactual hook, the programme, the weekly
mechanisms (:data:`simcomm.core.mechanisms.WEEK`) and the launch, which comes last because it
enrolls the founders into state the others own. From their declarations come the model's state
(:data:`STATE`: each piece with its one owner), the registry of random streams
(:data:`STREAM_NAMES`) and the parameter table (:mod:`simcomm.core.params`).
:func:`check_rooms` refuses a set of rooms in which a piece of state has two owners, a room reads
or writes state nobody owns, a stream is declared twice, or a room uses a parameter nobody
declares; it runs on import.
"""

from __future__ import annotations

from collections.abc import Sequence

from simcomm.core import counterfactual, launch, membership, population, programme
from simcomm.core.governance import PARAMS as GOVERNANCE_PARAMS
from simcomm.core.mechanism import Room
from simcomm.core.mechanisms import WEEK
from simcomm.core.state import WEEK as WEEK_PLACE
from simcomm.core.state import StateSpec

ROOMS: tuple[Room, ...] = (population.ROOM, membership.ROOM, counterfactual.ROOM, programme.ROOM,
                           *WEEK, launch.ROOM)


def check_rooms(rooms: Sequence[Room]) -> dict[str, tuple[StateSpec, str]]:
    """Return every piece of declared state, by qualified name, with its spec and owner; raise
    ValueError naming the first room whose declarations do not add up."""
    state: dict[str, tuple[StateSpec, str]] = {}
    streams: dict[str, str] = {}
    declared = {s.name for r in rooms for s in r.params} | {s.name for s in GOVERNANCE_PARAMS}
    for room in rooms:
        for spec in room.owns:
            if spec.name in state:
                raise ValueError(f"room '{room.name}' owns {spec.name}, which room "
                                 f"'{state[spec.name][1]}' owns already")
            state[spec.name] = (spec, room.name)
        for name in room.streams:
            if name in streams and streams[name] != room.name:
                raise ValueError(f"room '{room.name}' declares stream '{name}', which room "
                                 f"'{streams[name]}' declares already")
            streams[name] = room.name
        unknown = sorted(set(room.uses) - declared)
        if unknown:
            raise ValueError(f"room '{room.name}' uses parameters {unknown} that no room declares")
    for room in rooms:
        for name in room.reads + room.writes:
            if not name.startswith(WEEK_PLACE + ".") and name not in state:
                raise ValueError(f"room '{room.name}' reads or writes {name}, which no room owns")
    return state


STATE: dict[str, tuple[StateSpec, str]] = check_rooms(ROOMS)
STREAM_NAMES: frozenset[str] = frozenset(name for room in ROOMS for name in room.streams)

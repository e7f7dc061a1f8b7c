"""The model's state, declared by the rooms that own it, and the views through which rooms touch it.

In the manner of Starsim's modules, every part of the model (the population, membership, the
programme, the launch and each weekly mechanism: a :class:`~simcomm.core.room.Room`) declares
the state it owns with :func:`partner_array` (one value per partner, ``people.NAME``) or
:func:`community_field` (one value for the community, ``community.NAME``), and names what it
reads and writes of the state others own. The model allocates every declared piece once
(:func:`allocate`), and each room works through a :class:`View` of its own
(:func:`view_for`): the partner arrays it may write, read-only views of those it may only read,
the community fields it declared (a field it may only read has no setter), its own parameters
and those it names, and the random streams it declared. Anything else is not there: touching it
raises at once, so a declaration cannot lie about a write.

The week's hand-over state (``week.NAME``, :class:`simcomm.core.week.Week`) is declared the same
way; its order is checked by :func:`simcomm.core.room.check_order` and its use by the traced
test (``tests/test_architecture.py``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from simcomm.core.governance import Rules
from simcomm.core.parameter import Params
from simcomm.core.randomness import Stream, Streams

PEOPLE, COMMUNITY, WEEK = "people", "community", "week"


@dataclass(frozen=True)
class StateSpec:
    """The declaration of one piece of state a room owns.

    ``name`` is qualified: ``people.NAME`` (a numpy array with one row per partner, of
    ``dtype``, filled with ``fill``, of shape ``(partners, *width)``) or ``community.NAME`` (one
    value, starting at ``fill``, or at ``factory()`` for a mutable one). ``unit`` and ``doc``
    say what it holds.
    """

    name: str
    unit: str
    doc: str
    fill: Any = None
    dtype: Any = None
    width: tuple[int, ...] = ()
    factory: Callable[[], Any] | None = None

    @property
    def place(self) -> str:
        """Return where the state lives: ``people`` or ``community``."""
        return self.name.partition(".")[0]

    @property
    def field(self) -> str:
        """Return the state's own name (without ``people.`` / ``community.``)."""
        return self.name.partition(".")[2]

    def initial(self, partners: int) -> Any:
        """Return the starting value: a new array of ``partners`` rows, or the field's value."""
        if self.place == PEOPLE:
            if not self.fill:  # zeros: the pages a community never writes take no memory
                return np.zeros((partners, *self.width), dtype=self.dtype)
            return np.full((partners, *self.width), self.fill, dtype=self.dtype)
        return self.factory() if self.factory is not None else self.fill


def partner_array(name: str, dtype: Any, fill: Any, unit: str, doc: str,
                  width: tuple[int, ...] = ()) -> StateSpec:
    """Return the declaration of ``people.NAME``: one value per partner (``dtype``, starting at
    ``fill``; ``width`` adds columns, e.g. one per topic)."""
    return StateSpec(f"{PEOPLE}.{name}", unit, doc, fill=fill, dtype=np.dtype(dtype), width=width)


def community_field(name: str, fill: Any, unit: str, doc: str,
                    factory: Callable[[], Any] | None = None) -> StateSpec:
    """Return the declaration of ``community.NAME``: one value for the community (starting at
    ``fill``, or ``factory()`` for a list or another mutable value)."""
    return StateSpec(f"{COMMUNITY}.{name}", unit, doc, fill=fill, factory=factory)


class Partners:
    """The partner population: one numpy array per declared ``people.*`` state, ``n`` rows each.

    The model's own instance holds every array; a room's view of the population is another
    instance holding only the arrays it declared (read-only where it only reads them). Arrays
    are changed in place, never replaced, so that every view sees the same numbers.
    """

    n: int

    def __init__(self, n: int, arrays: Mapping[str, np.ndarray]) -> None:
        object.__setattr__(self, "n", int(n))
        for name, values in arrays.items():
            object.__setattr__(self, name, values)

    def __setattr__(self, name: str, value: Any) -> None:
        if value is not self.__dict__.get(name):  # ``people.x += 1`` changes x in place, then rebinds it
            raise AttributeError(f"partner array '{name}' is changed in place (people.{name}[idx] = ...), "
                                 "never replaced")

    def __getattr__(self, name: str) -> Any:
        """Called only for an array this view does not hold: raise AttributeError naming it."""
        raise AttributeError(f"people.{name} is not declared by this room (declare it in reads or "
                             "writes, or own it)")


class Community:
    """The community's own state: one attribute per declared ``community.*`` field."""

    def __init__(self, fields: Mapping[str, Any]) -> None:
        self.__dict__.update(fields)


class ParamView:
    """A room's parameters: its own and those it names (``uses``); any other raises
    AttributeError naming the room."""

    def __init__(self, room: str, params: Params, names: Iterable[str]) -> None:
        self.__dict__["_room"] = room
        self.__dict__.update({name: params[name] for name in names})

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"room '{self._room}' reads parameter '{name}', which it neither declares "
                             "nor names in uses")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("parameters are read-only")


class StreamView:
    """A room's random streams: only the decisions it declared (common random numbers,
    :mod:`simcomm.core.randomness`)."""

    __slots__ = ("_allowed", "_room", "_streams")

    def __init__(self, room: str, streams: Streams, names: Iterable[str]) -> None:
        self._room, self._streams, self._allowed = room, streams, frozenset(names)

    def get(self, name: str) -> Stream:
        """Return the stream of decision ``name``; raise KeyError if the room did not declare it."""
        if name not in self._allowed:
            raise KeyError(f"room '{self._room}' draws from stream '{name}', which it does not declare")
        return self._streams.get(name)

    def uniforms(self, week: int, names: tuple[str, ...], ids: np.ndarray,
                 slot: np.ndarray | int = 0) -> np.ndarray:
        """Return the uniforms of several declared decisions over ``ids`` (one row per name; see
        :meth:`simcomm.core.randomness.Streams.uniforms`)."""
        for name in names:
            self.get(name)
        return self._streams.uniforms(week, names, ids, slot)

    def prefetch(self, week: int, ids: np.ndarray, draws: tuple[str | tuple[str, int], ...]) -> None:
        """Hash this week's member draws in one pass (:meth:`Streams.prefetch`); return None."""
        self._streams.prefetch(week, ids, draws)


@functools.cache
def _community_class(room: str, readable: frozenset[str], writable: frozenset[str]) -> type:
    """Return a class whose properties are a room's community fields (setters for those it
    writes), read from and written to the model's :class:`Community`."""

    def prop(name: str) -> property:
        def get(self: Any) -> Any:
            return self._store.__dict__[name]

        def put(self: Any, value: Any) -> None:
            self._store.__dict__[name] = value

        return property(get, put if name in writable else None, doc=f"community.{name}")

    def refuse(self: Any, name: str, value: Any) -> None:
        if name != "_store" and name not in writable:
            raise AttributeError(f"room '{room}' writes community.{name}, which it does not declare")
        object.__setattr__(self, name, value)  # the property's setter, or the store itself

    def missing(self: Any, name: str) -> Any:
        raise AttributeError(f"community.{name} is not declared by room '{room}'")

    body: dict[str, Any] = {name: prop(name) for name in readable | writable}
    body.update({"__slots__": ("_store",), "__setattr__": refuse, "__getattr__": missing})
    return type(f"CommunityView_{room.replace(' ', '_').replace('-', '_')}", (), body)


@dataclass(frozen=True, eq=False)
class View:
    """What one room may touch: ``people`` (its partner arrays), ``community`` (its community
    fields), ``p`` (its parameters), ``streams`` (its decisions), the governance ``rules`` and
    the event ``log`` (``log(kind, text)``: the run's plain-language record, which no room reads).
    """

    room: str
    people: Partners
    community: Any
    p: ParamView
    streams: StreamView
    rules: Rules
    log: Callable[[str, str], None]


def allocate(specs: Iterable[StateSpec], partners: int,
             given: Mapping[str, Any] | None = None) -> tuple[Partners, Community]:
    """Return the model's population arrays and community fields, each at its declared start, or
    the value ``given`` by qualified name (state a channel's communities share: the same arrays)."""
    people: dict[str, np.ndarray] = {}
    community: dict[str, Any] = {}
    given = given or {}
    for spec in specs:
        value = given[spec.name] if spec.name in given else spec.initial(partners)
        (people if spec.place == PEOPLE else community)[spec.field] = value
    return Partners(partners, people), Community(community)


def view_for(room: str, *, owns: Iterable[str], reads: Iterable[str], writes: Iterable[str],
             params: Iterable[str], streams: Iterable[str], people: Partners, community: Community,
             values: Params, draws: Streams, rules: Rules,
             log: Callable[[str, str], None]) -> View:
    """Return room ``room``'s view: what it owns or writes, writable; what it reads, read-only."""
    owned = set(owns) | set(writes)
    readable = set(reads) - owned
    arrays: dict[str, np.ndarray] = {}
    for name in owned | readable:
        place, _, field = name.partition(".")
        if place != PEOPLE:
            continue
        values_of = getattr(people, field)
        if name in readable:
            values_of = values_of.view()
            values_of.flags.writeable = False
        arrays[field] = values_of
    fields = {n.partition(".")[2] for n in owned | readable if n.startswith(COMMUNITY + ".")}
    writable = frozenset(n.partition(".")[2] for n in owned if n.startswith(COMMUNITY + "."))
    community_view = _community_class(room, frozenset(fields - writable), writable)()
    community_view._store = community
    return View(room=room, people=Partners(people.n, arrays), community=community_view,
                p=ParamView(room, values, params), streams=StreamView(room, draws, streams),
                rules=rules, log=log)

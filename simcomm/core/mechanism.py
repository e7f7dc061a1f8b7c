"""What a room and a mechanism are: a part of the model with its parameters and the state it owns.

In the manner of Starsim's modules, a :class:`Room` declares its parameters, the state it owns
(:func:`~simcomm.core.state.partner_array`, :func:`~simcomm.core.state.community_field`), what it
reads and writes of the state others own, the parameters of other rooms it reads (``uses``) and
the random decisions it draws (``streams``). A :class:`Mechanism` is a room with a weekly
``step``. The rooms are gathered in :mod:`simcomm.core.rooms`; the week's order is the list
:data:`simcomm.core.mechanisms.WEEK`.

State names are qualified: ``people.NAME`` (a partner array), ``community.NAME`` (a community
field) and ``week.NAME`` (the week's hand-over state, :class:`~simcomm.core.week.Week`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from simcomm.core.governance import Rules
from simcomm.core.parameter import ParamSpec
from simcomm.core.state import COMMUNITY, PEOPLE, WEEK, StateSpec, View
from simcomm.core.week import GIVEN, STATE_FIELDS, Week

PLACES: tuple[str, ...] = (PEOPLE, COMMUNITY, WEEK)


def everywhere(rules: Rules) -> bool:
    """Return True: the mechanism applies under every governance type."""
    return True


@dataclass(frozen=True, kw_only=True)
class Room:
    """A part of the model that owns state.

    name: what a domain expert calls it; source: the seed passage or MODEL.md mechanism;
    params: the parameters it declares; uses: parameters declared by other rooms that it reads
    (by name); owns: the state it declares (it alone allocates it); reads / writes: qualified
    names of the state it reads / changes that it does not own (``week.*`` fields included);
    streams: the random decisions it draws; setup: ``setup(view)``, run once when the model is
    built (in the order of :data:`simcomm.core.rooms.ROOMS`).
    """

    name: str
    source: str
    params: tuple[ParamSpec, ...] = ()
    uses: tuple[str, ...] = ()
    owns: tuple[StateSpec, ...] = ()
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    streams: tuple[str, ...] = ()
    setup: Callable[[View], None] | None = None

    def __post_init__(self) -> None:
        for name in self.reads + self.writes + self.owned:
            place, dot, field = name.partition(".")
            if place not in PLACES or not dot or not field:
                raise ValueError(f"room '{self.name}' declares state '{name}'; expected people.NAME, "
                                 "community.NAME or week.NAME")
            if place == WEEK and field not in STATE_FIELDS:
                raise ValueError(f"room '{self.name}' declares unknown week state '{field}'; expected "
                                 f"fields of Week: {', '.join(STATE_FIELDS)}")
        for spec in self.owns:
            if spec.place == WEEK:
                raise ValueError(f"room '{self.name}' cannot own week state '{spec.name}' (Week declares it)")

    @property
    def owned(self) -> tuple[str, ...]:
        """Return the qualified names of the state this room owns."""
        return tuple(spec.name for spec in self.owns)

    @property
    def param_names(self) -> tuple[str, ...]:
        """Return the names of the parameters it reads: its own, then those it uses."""
        return tuple(s.name for s in self.params) + self.uses

    def week_reads(self) -> tuple[str, ...]:
        """Return the Week fields it reads (without ``week.``)."""
        return tuple(n.partition(".")[2] for n in self.reads if n.startswith(WEEK + "."))

    def week_writes(self) -> tuple[str, ...]:
        """Return the Week fields it writes (without ``week.``)."""
        return tuple(n.partition(".")[2] for n in self.writes if n.startswith(WEEK + "."))


@dataclass(frozen=True, kw_only=True)
class Mechanism(Room):
    """One step of the week: a room with ``step(view, week)``.

    applies: whether it runs under a governance type's rules (decided once, when the model is
    built); member_draws: the decisions it draws for every member of the week (``week.m``; a
    name, for slot 0, or a (name, slot) pair), which the census hashes together in one pass (a
    speed-up only: a draw not named here is hashed by itself, with the same numbers).
    """

    step: Callable[[View, Week], None]
    applies: Callable[[Rules], bool] = everywhere
    member_draws: tuple[str | tuple[str, int], ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        undeclared = {d if isinstance(d, str) else d[0] for d in self.member_draws} - set(self.streams)
        if undeclared:
            raise ValueError(f"mechanism '{self.name}' hashes member draws {sorted(undeclared)} that it "
                             "does not declare in streams")


def check_order(week: Sequence[Mechanism]) -> None:
    """Return None when every mechanism reads only week state written by an earlier one (or
    given at the start of the week); raise ValueError naming the first that does not."""
    written: set[str] = set(GIVEN)
    for mechanism in week:
        missing = [f for f in mechanism.week_reads() if f not in written]
        if missing:
            raise ValueError(f"mechanism '{mechanism.name}' reads {missing} before any mechanism "
                             "writes it this week; move it later in the week's list")
        written.update(mechanism.week_writes())

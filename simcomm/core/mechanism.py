"""What a mechanism is: one step of the week, with its parameters and the state it reads and writes.

In the manner of Starsim's modules, a mechanism lives in one module of
:mod:`simcomm.core.mechanisms`: it declares its parameters (gathered into the one parameter
table), says under which governance rules it applies, and names the :class:`~simcomm.core.week.Week`
fields it reads and writes. The week's order is the list :data:`simcomm.core.mechanisms.WEEK`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from simcomm.core.governance import Rules
from simcomm.core.parameter import ParamSpec
from simcomm.core.week import GIVEN, STATE_FIELDS, Week

if TYPE_CHECKING:
    from simcomm.core.model import CommunityModel


def everywhere(rules: Rules) -> bool:
    """Return True: the mechanism applies under every governance type."""
    return True


@dataclass(frozen=True)
class Mechanism:
    """One step of the week.

    name: what a domain expert calls it; source: the seed passage or MODEL.md mechanism;
    step: ``step(model, week)`` does the work; params: the parameters it declares;
    reads / writes: the Week fields it reads / writes; applies: whether it runs under a
    governance type's rules (decided once, when the model is built); member_draws: the decisions
    it draws for every member of the week (``week.m``; a name, for slot 0, or a (name, slot)
    pair), which the census hashes together in one pass (a speed-up only: a draw not named here
    is hashed by itself, with the same numbers).
    """

    name: str
    source: str
    step: Callable[[CommunityModel, Week], None]
    params: tuple[ParamSpec, ...] = ()
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    applies: Callable[[Rules], bool] = everywhere
    member_draws: tuple[str | tuple[str, int], ...] = ()

    def __post_init__(self) -> None:
        unknown = sorted(set(self.reads + self.writes) - set(STATE_FIELDS))
        if unknown:
            raise ValueError(f"mechanism '{self.name}' declares unknown week state {unknown}; "
                             f"expected fields of Week: {', '.join(STATE_FIELDS)}")


def check_order(week: Sequence[Mechanism]) -> None:
    """Return None when every mechanism reads only week state written by an earlier one (or
    given at the start of the week); raise ValueError naming the first that does not."""
    written: set[str] = set(GIVEN)
    for mechanism in week:
        missing = [f for f in mechanism.reads if f not in written]
        if missing:
            raise ValueError(f"mechanism '{mechanism.name}' reads {missing} before any mechanism "
                             "writes it this week; move it later in the week's list")
        written.update(mechanism.writes)

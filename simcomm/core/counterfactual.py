"""Counterfactuals: what a replay of a run neutralises, and the adverse events a run records.

A replay is the same model with the same seed (so the same common random numbers, drawn draw by
draw, :mod:`simcomm.core.randomness`) and one thing changed. Two kinds of thing can be changed:

- **events** of the run, through the explicit hook :class:`Counterfactual` passed to
  :class:`simcomm.core.model.CommunityModel`: a manager's departure (post ``slot``, ``week``)
  that does not happen (the manager stays and faces the usual turnover risk from then on), and a
  budget review's decision (its ``week``) that is waived (no cut, no closure, no withdrawal of
  the sponsorship, and the miss is not counted). Only two mechanisms read the hook:
  ``staff_turnover`` and ``budget_review``.
- **conditions** the community lives under, by parameter overrides: :data:`CONDITIONS`, each
  with its neutral value, why that value, and its wording in plain language.

A run records its adverse events in ``model.adverse`` (:class:`AdverseEvent`: departures,
budget cuts, closures, withdrawals), each with what identifies it for the hook. With nothing
neutralised (``Counterfactual()``) a run is identical to the plain run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from simcomm.core.mechanism import Room
from simcomm.core.population import PARAMS
from simcomm.core.state import community_field

#: Kinds of adverse event a run records (``AdverseEvent.kind``).
DEPARTURE = "departure"  # a manager left a post
BUDGET_CUT = "budget_cut"  # a budget review cut managers' time, events and recruitment
CLOSURE = "closure"  # a budget review closed the programme (the community died)
WITHDRAWAL = "withdrawal"  # a budget review ended a sponsor's money (the members carried on)
REVIEW_DECISIONS: tuple[str, ...] = (BUDGET_CUT, CLOSURE, WITHDRAWAL)


@dataclass(frozen=True)
class AdverseEvent:
    """One adverse event of a run: ``week`` (week number), ``kind`` (:data:`DEPARTURE` or one of
    :data:`REVIEW_DECISIONS`) and, for a departure, the manager's post ``slot`` (-1 otherwise)."""

    week: int
    kind: str
    slot: int = -1

    def to_dict(self) -> dict[str, Any]:
        """Return the event as a JSON-serialisable dict (week, kind, slot)."""
        return {"week": self.week, "kind": self.kind, "slot": self.slot}


@dataclass(frozen=True)
class Counterfactual:
    """What a replay neutralises among the run's events (empty: nothing; the run is unchanged).

    ``stays``: (slot, week) pairs: the manager in post ``slot`` does not leave in ``week`` (the
    manager stays; the weekly departure draws go on as usual afterwards). ``waived_reviews``:
    weeks whose budget review decision (a cut, a closure, the end of a sponsorship) is waived: the
    budget stands as it was and the missed target is not counted. ``keep_all_managers``: no
    manager ever leaves (every departure of the run is neutralised, whenever it would happen):
    the "what if the manager had stayed?" world, run in lockstep beside the run itself.
    """

    stays: frozenset[tuple[int, int]] = frozenset()
    waived_reviews: frozenset[int] = frozenset()
    keep_all_managers: bool = False

    def keeps(self, slot: int, week: int) -> bool:
        """Return True when the manager in post ``slot`` is to stay instead of leaving in ``week``."""
        return self.keep_all_managers or (slot, week) in self.stays

    def waives(self, week: int) -> bool:
        """Return True when the budget review of ``week`` is to decide nothing."""
        return week in self.waived_reviews

    @property
    def empty(self) -> bool:
        """Return True when nothing is neutralised."""
        return not self.stays and not self.waived_reviews and not self.keep_all_managers

    @classmethod
    def neutralising(cls, events: list[AdverseEvent] | tuple[AdverseEvent, ...]) -> Counterfactual:
        """Return the Counterfactual that neutralises every event of ``events``."""
        return cls(stays=frozenset((e.slot, e.week) for e in events if e.kind == DEPARTURE),
                   waived_reviews=frozenset(e.week for e in events if e.kind in REVIEW_DECISIONS))

    def to_dict(self) -> dict[str, Any]:
        """Return what is neutralised as a JSON-serialisable dict (sorted lists; with
        ``keep_all_managers: true`` only when it is set)."""
        out: dict[str, Any] = {"stays": [{"slot": s, "week": w} for s, w in sorted(self.stays)],
                               "waived_reviews": sorted(self.waived_reviews)}
        if self.keep_all_managers:
            out["keep_all_managers"] = True
        return out


@dataclass(frozen=True)
class Condition:
    """A condition a community lives under, neutralised by parameter overrides.

    ``name``: short id; ``label``: the condition in a few plain words; ``wording``: the
    counterfactual clause ("had ..."); ``neutral``: parameter -> neutral value; ``why``: why that
    value is neutral; ``applies(params)``: True when the run's parameters have the condition.
    """

    name: str
    label: str
    wording: str
    neutral: Mapping[str, Any]
    why: str
    applies: Callable[[Any], bool]


#: Other programmes a partner typically belongs to: the model's default ``programmes_per_partner``.
TYPICAL_PROGRAMMES = float(next(s.default for s in PARAMS if s.name == "programmes_per_partner"))

#: The conditions that explain neutralises where a run has them (scenario levers come on top).
CONDITIONS: tuple[Condition, ...] = (
    Condition(
        name="promotion", label="product promotion in the content",
        wording="had the content carried no product promotion",
        neutral={"promo_share": 0.0, "promo_swing": 0.0},
        why="promotion costs every visiting member value in proportion to its share and to the "
            "voice's inauthenticity, and pulls the topics away from members' problems (seeds/001); "
            "0 is no promotion at all, and successors' own marketing briefs (promo_swing) are set "
            "to 0 too, or each new manager would bring promotion back",
        applies=lambda p: p.promo_share > 0 or p.promo_swing > 0),
    Condition(
        name="spam", label="spam",
        wording="had no spam arrived",
        neutral={"spam_per_member": 0.0},
        why="visible spam costs members value in proportion to its share of the messages "
            "(seeds/003 #6); 0 removes the cause whatever the moderation",
        applies=lambda p: p.spam_per_member > 0),
    Condition(
        name="programme_overload", label="partners' other programmes beyond the usual five",
        wording=f"had partners belonged to no more than the usual {TYPICAL_PROGRAMMES:g} other programmes",
        neutral={"programmes_per_partner": TYPICAL_PROGRAMMES},
        why="each other programme takes its hours of a partner's week first and divides its "
            f"willingness to join (seeds/000 '55 Partner Programmes'); {TYPICAL_PROGRAMMES:g}, the "
            "model's default, is the typical load, not an overload",
        applies=lambda p: p.programmes_per_partner > TYPICAL_PROGRAMMES),
)


ROOM = Room(
    name="counterfactual", source="simcomm explain (replays with one thing changed)",
    owns=(community_field("counterfactual", None, "Counterfactual", "What this run neutralises (set when "
                          "the model is built; read by staff turnover and the budget review)."),
          community_field("adverse", None, "events", "The run's adverse events as they happen "
                          "(AdverseEvent: departures and budget decisions).", factory=list)),
)

"""The governance rules part by part: one parameter per field of :class:`~simcomm.core.governance.Rules`.

A governance type is a set of rules (who runs it, who pays for events, what a failed review
does, ...). To take the difference between two types apart, each rule must be settable on its
own: ``rule_run_by = "members"`` on a vendor-imposed community gives a hybrid that is
vendor-imposed in every rule but who runs it. Each parameter's default, ``"type"``, means "as the
governance type says", so a run that sets none of them is the type itself (and a hybrid whose
every part equals type X's is type X: tested).

The parameters are made from the fields of ``Rules`` (every field but ``source``): an enumerated
field's values are its enum's (a value added to the enum is allowed at once), a yes/no field's
are ``"yes"`` and ``"no"``. :func:`rules_of` is what the model calls to read its rules.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, get_type_hints

from simcomm.core.governance import GOVERNANCE, Rules
from simcomm.core.parameter import ParamSpec, param

AS_TYPE = "type"  # the default of every rule part: as the governance type says
YES, NO = "yes", "no"
PREFIX = "rule_"
SOURCE = "shared/MODEL.md governance types (one part of a type's rules; 'type' keeps the type's)"

#: What each part decides, in words (a part not named here is named after its field).
WORDS: dict[str, str] = {
    "run_by": "who runs it",
    "events": "who pays for events",
    "review": "what a failed budget review does",
    "matchmaking": "whether managers introduce partners to each other",
    "customer_jobs": "whether customers post jobs",
    "anchor": "what the launch is built on",
    "content": "whose promotion the content carries",
    "pool": "whom the organiser recruits",
    "fit": "how a partner judges fit",
}


def _choices(kind: Any) -> tuple[str, ...]:
    """Return the values a part may take besides "type" (an enum's values, or yes/no)."""
    if kind is bool:
        return (YES, NO)
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        return tuple(e.value for e in kind)
    raise TypeError(f"a Rules field of type {kind!r} has no rule-part parameter (expected an enum or bool)")


_HINTS = get_type_hints(Rules)
#: Rules field -> its type (the fields a rule part sets: every field but ``source``).
FIELDS: dict[str, Any] = {f.name: _HINTS[f.name] for f in dataclasses.fields(Rules) if f.name != "source"}


def parameter_name(field: str) -> str:
    """Return the parameter that sets Rules field ``field`` (``run_by`` -> ``rule_run_by``)."""
    return PREFIX + field


def words(field: str) -> str:
    """Return what Rules field ``field`` decides, in words ("who runs it")."""
    return WORDS.get(field, field.replace("_", " "))


PARAMS: tuple[ParamSpec, ...] = tuple(
    param(parameter_name(name), AS_TYPE, None, None, "rule", SOURCE,
          f"One part of the governance rules: {words(name)} ('{AS_TYPE}': as the governance type says).",
          (AS_TYPE, *_choices(kind)))
    for name, kind in FIELDS.items())
PARAMETER_NAMES: tuple[str, ...] = tuple(s.name for s in PARAMS)


def part_value(rules: Rules, field: str) -> str:
    """Return Rules field ``field`` of ``rules`` as its parameter's value ("vendor", "yes", ...)."""
    value = getattr(rules, field)
    if isinstance(value, bool):
        return YES if value else NO
    return str(value.value)


def _typed(field: str, text: str) -> Any:
    kind = FIELDS[field]
    return text == YES if kind is bool else kind(text)


def rules_of(values: Mapping[str, Any]) -> Rules:
    """Return the Rules a run with parameter ``values`` follows: its governance type's, with
    every rule part that is not "type" set as it says (``values`` holds ``governance`` and may
    hold the ``rule_*`` parameters; those absent are "type")."""
    rules = GOVERNANCE[str(values["governance"])]
    changed = {name: _typed(name, str(values[parameter_name(name)])) for name in FIELDS
               if values.get(parameter_name(name), AS_TYPE) != AS_TYPE}
    return dataclasses.replace(rules, **changed) if changed else rules


def parts_for(rules: Rules) -> dict[str, str]:
    """Return every part of ``rules`` as parameter values (``{"rule_run_by": "vendor", ...}``):
    setting them all, under any governance type, gives these rules."""
    return {parameter_name(f): part_value(rules, f) for f in FIELDS}


def parts_of(governance: str) -> dict[str, str]:
    """Return every rule part of governance type ``governance`` as parameter values
    (``{"rule_run_by": "vendor", ...}``): setting them all gives the type's own rules."""
    return parts_for(GOVERNANCE[governance])


def set_parts(values: Mapping[str, Any]) -> list[str]:
    """Return the rule parts ``values`` sets (those not "type"), in the order of Rules' fields."""
    return [n for n in PARAMETER_NAMES if values.get(n, AS_TYPE) != AS_TYPE]

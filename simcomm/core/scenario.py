"""Scenario: a named what-if (a story, its seed passage, a governance type, and what it changes).

A scenario named after a governance type sets ``governance`` and nothing else: the types differ
by their rules only. Every other scenario is a what-if against a named ``base`` scenario, and
each difference from that base is a named lever with a one-line reason::

    base = "vendor-imposed"

    [levers.staff_turnover_per_year]
    value = 1.33
    why = "the manager leaves about every nine months"

Its effective overrides (:attr:`Scenario.overrides`) are the base's plus its levers. A user's own
file may instead give a plain ``[overrides]`` table (no base, no levers).

Parsing a scenario's table is here (no I/O); reading the library's TOML files and users' own,
and loading a base, is :mod:`simcomm.runs.library`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simcomm.core.params import ParameterError, make_params

FIELDS: tuple[str, ...] = ("name", "title", "story", "seed_file", "seed_quote", "governance", "base",
                           "levers", "overrides")
LEVER_FIELDS: tuple[str, ...] = ("value", "why")


@dataclass(frozen=True)
class Scenario:
    """A named what-if: a story, its seed passage, its base and levers, and parameter overrides.

    ``overrides`` are the full effective overrides (the base's, then the levers, with
    ``governance`` always set): what :func:`simcomm.core.params.make_params` takes as ``base``.
    ``base`` names the scenario this one varies ("" for none) and ``levers`` maps each parameter
    it changes from that base to (value, why); ``base_overrides`` are the base's effective
    overrides (``overrides`` without the levers, governance set).
    """

    name: str
    title: str = ""
    story: str = ""
    seed_file: str = ""
    seed_quote: str = ""
    governance: str = "organic"
    overrides: dict[str, Any] = field(default_factory=dict)
    path: str = ""
    base: str = ""
    levers: dict[str, tuple[Any, str]] = field(default_factory=dict)
    base_overrides: dict[str, Any] = field(default_factory=dict)

    def reasons(self) -> dict[str, str]:
        """Return parameter name -> the one-line reason of each of this scenario's levers."""
        return {name: why for name, (_, why) in self.levers.items()}


def _levers(raw: Any, where: str) -> dict[str, tuple[Any, str]]:
    """Return name -> (value, why) from a ``[levers]`` table; raise ParameterError (one line)."""
    from simcomm.core.params import SPEC_BY_NAME, closest_names

    example = "[levers.NAME] with value = ... and why = \"...\""
    if not isinstance(raw, dict):
        raise ParameterError(f"scenario file '{where}': levers = {raw!r} is not allowed: expected "
                             f"a table of levers ({example})")
    out: dict[str, tuple[Any, str]] = {}
    for name, lever in raw.items():
        at = f"scenario file '{where}': lever '{name}'"
        if name not in SPEC_BY_NAME:
            near = closest_names(name, list(SPEC_BY_NAME))
            hint = f"did you mean {', '.join(near)}?" if near else "see 'simcomm params'"
            raise ParameterError(f"{at}: unknown parameter; {hint}")
        if name == "governance":
            raise ParameterError(f"{at}: the governance type is not a lever; give it as a base "
                                 "named after the type (or governance = ... without a base)")
        if not isinstance(lever, dict):
            raise ParameterError(f"{at} = {lever!r} is not allowed: expected a table "
                                 f"with value and why ({example})")
        unknown = [k for k in lever if k not in LEVER_FIELDS]
        if unknown:
            raise ParameterError(f"{at}: unknown field '{unknown[0]}'; allowed: "
                                 f"{', '.join(LEVER_FIELDS)}")
        if "value" not in lever:
            raise ParameterError(f"{at}: value is missing; expected {SPEC_BY_NAME[name].allowed()}")
        why = lever.get("why")
        if not isinstance(why, str) or not why.strip() or "\n" in why.strip():
            raise ParameterError(f"{at}: why = {why!r} is not allowed: expected a one-line reason "
                                 "(a non-empty string)")
        try:
            value = SPEC_BY_NAME[name].validate(lever["value"])
        except ParameterError as exc:
            raise ParameterError(f"{at}: {exc}") from None
        out[str(name)] = (value, why.strip())
    return out


def scenario_from_table(data: dict[str, Any], name: str, where: str,
                        base: Scenario | None = None) -> Scenario:
    """Return the Scenario described by a parsed scenario table (a TOML file's contents).

    ``name`` is used when the table has none; ``where`` names the source in messages; ``base``
    is the scenario the table's ``base`` field names (loaded by the caller; required when the
    table has one). The effective overrides are the base's, then the levers (or, in a file
    without base and levers, its ``[overrides]`` table), with ``governance`` set. Raises
    ParameterError (one line, naming ``where`` and the field) for an empty table, an unknown
    field (with the allowed ones), a text field that is not text, overrides or levers that are
    not a table or not valid parameters, a lever without a value or a one-line reason,
    ``[overrides]`` beside ``base`` or ``[levers]``, a governance that disagrees with the
    base's, or ``governance`` given at the top level and in the overrides with different values.
    """
    from simcomm.core.params import closest_names

    if not data:
        raise ParameterError(f"scenario file '{where}' is empty: expected at least governance, "
                             f"base with [levers], or [overrides] (fields: {', '.join(FIELDS)})")
    unknown = [k for k in data if k not in FIELDS]
    if unknown:
        near = closest_names(unknown[0], list(FIELDS))
        hint = f"did you mean {', '.join(near)}? " if near else ""
        raise ParameterError(f"scenario file '{where}': unknown field '{unknown[0]}'; {hint}"
                             f"allowed: {', '.join(FIELDS)}")
    for key in ("name", "title", "story", "seed_file", "seed_quote", "base"):
        if key in data and not isinstance(data[key], str):
            raise ParameterError(f"scenario file '{where}': {key} = {data[key]!r} is not allowed: "
                                 "expected a string")
    raw = data.get("overrides", {})
    if not isinstance(raw, dict):
        raise ParameterError(f"scenario file '{where}': overrides = {raw!r} is not allowed: expected "
                             "a table of parameter = value ([overrides])")
    if "overrides" in data and ("base" in data or "levers" in data):
        raise ParameterError(f"scenario file '{where}': [overrides] cannot be combined with base and "
                             "[levers]; give each change from the base as a lever with its reason")
    levers = _levers(data.get("levers", {}), where)
    base_name = str(data.get("base", ""))
    if base_name and base is None:
        raise ParameterError(f"scenario file '{where}': base = {base_name!r} was not loaded")
    overrides = dict(base.overrides) if base_name and base is not None else dict(raw)
    if "governance" in data and "governance" in overrides and data["governance"] != overrides["governance"]:
        what = f"base {base_name!r}" if base_name else "[overrides]"
        raise ParameterError(f"scenario file '{where}': governance = {data['governance']!r} at the top "
                             f"and {overrides['governance']!r} in {what} disagree; give it once")
    governance = data.get("governance", overrides.get("governance", "organic"))
    overrides["governance"] = governance
    base_overrides = dict(overrides)
    try:
        before = make_params(overrides)
        for lever, (value, _) in levers.items():
            if before[lever] == value:
                raise ParameterError(f"lever '{lever}' = {value!r} is already the base's value; "
                                     "a lever must change something")
        overrides.update({k: value for k, (value, _) in levers.items()})
        make_params(overrides)
    except ParameterError as exc:
        raise ParameterError(f"scenario file '{where}': {exc}") from None
    return Scenario(
        name=str(data.get("name", name)), title=str(data.get("title", "")),
        story=str(data.get("story", "")).strip(), seed_file=str(data.get("seed_file", "")),
        seed_quote=str(data.get("seed_quote", "")).strip(), governance=str(governance),
        overrides=overrides, path=where, base=base.name if base_name and base is not None else "",
        levers=levers, base_overrides=base_overrides,
    )

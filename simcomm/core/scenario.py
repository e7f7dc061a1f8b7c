"""Scenario: a named what-if (a story, its seed passage, a governance type, parameter overrides).

Parsing a scenario's table is here (no I/O); reading the library's TOML files and users' own is
:mod:`simcomm.runs.library`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simcomm.core.params import ParameterError, make_params


@dataclass(frozen=True)
class Scenario:
    """A named what-if: a story, its seed passage, and parameter overrides."""

    name: str
    title: str = ""
    story: str = ""
    seed_file: str = ""
    seed_quote: str = ""
    governance: str = "organic"
    overrides: dict[str, Any] = field(default_factory=dict)
    path: str = ""


def scenario_from_table(data: dict[str, Any], name: str, where: str) -> Scenario:
    """Return the Scenario described by a parsed scenario table (a TOML file's contents).

    ``name`` is used when the table has none; ``where`` names the source in messages. Raises
    ParameterError (one line, naming ``where`` and the field) for an empty table, an unknown
    field (with the allowed ones), a text field that is not text, overrides that are not a table
    or not valid parameters, or ``governance`` given at the top level and in the overrides with
    different values.
    """
    from simcomm.core.params import closest_names

    keys = ("name", "title", "story", "seed_file", "seed_quote", "governance", "overrides")
    if not data:
        raise ParameterError(f"scenario file '{where}' is empty: expected at least governance or "
                             f"[overrides] (fields: {', '.join(keys)})")
    unknown = [k for k in data if k not in keys]
    if unknown:
        near = closest_names(unknown[0], list(keys))
        hint = f"did you mean {', '.join(near)}? " if near else ""
        raise ParameterError(f"scenario file '{where}': unknown field '{unknown[0]}'; {hint}"
                             f"allowed: {', '.join(keys)}")
    for key in ("name", "title", "story", "seed_file", "seed_quote"):
        if key in data and not isinstance(data[key], str):
            raise ParameterError(f"scenario file '{where}': {key} = {data[key]!r} is not allowed: "
                                 "expected a string")
    raw = data.get("overrides", {})
    if not isinstance(raw, dict):
        raise ParameterError(f"scenario file '{where}': overrides = {raw!r} is not allowed: expected "
                             "a table of parameter = value ([overrides])")
    overrides = dict(raw)
    if "governance" in data and "governance" in overrides and data["governance"] != overrides["governance"]:
        raise ParameterError(f"scenario file '{where}': governance = {data['governance']!r} at the top "
                             f"and {overrides['governance']!r} in [overrides] disagree; give it once")
    governance = data.get("governance", overrides.get("governance", "organic"))
    overrides["governance"] = governance
    try:
        make_params(overrides)
    except ParameterError as exc:
        raise ParameterError(f"scenario file '{where}': {exc}") from None
    return Scenario(
        name=str(data.get("name", name)), title=str(data.get("title", "")),
        story=str(data.get("story", "")).strip(), seed_file=str(data.get("seed_file", "")),
        seed_quote=str(data.get("seed_quote", "")).strip(), governance=str(governance),
        overrides=overrides, path=where,
    )

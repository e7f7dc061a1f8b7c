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
    ParameterError (one line, naming ``where``) for overrides that are not a table or not valid
    parameters.
    """
    overrides = dict(data.get("overrides", {}))
    if not isinstance(data.get("overrides", {}), dict):
        raise ParameterError(f"scenario file '{where}': 'overrides' must be a table of parameters")
    governance = data.get("governance", overrides.get("governance", "organic"))
    overrides.setdefault("governance", governance)
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

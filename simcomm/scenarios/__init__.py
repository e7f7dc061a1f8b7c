"""Scenarios: named what-ifs, each a TOML file in this folder (or a user's own file).

A scenario file has ``name``, ``title``, ``story`` (plain language), ``seed_file`` and
``seed_quote`` (the essay passage it comes from), ``governance`` and an ``[overrides]`` table
of parameter values.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simcomm.params import ParameterError, closest_names, make_params

HERE = Path(__file__).parent


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


def scenario_names() -> list[str]:
    """Return the names of the built-in scenarios, sorted."""
    return sorted(p.stem for p in HERE.glob("*.toml"))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Return the built-in scenario ``name_or_path`` or the one in that TOML file.

    Raises ParameterError for an unknown name (suggesting close ones), an unreadable or
    malformed file (with the line), or invalid overrides.
    """
    text_name = str(name_or_path)
    path = Path(text_name)
    if not (text_name.endswith(".toml") or path.is_file()):
        path = HERE / f"{text_name}.toml"
        if not path.is_file():
            near = closest_names(text_name, scenario_names())
            names = ", ".join(near or scenario_names())
            hint = f"did you mean {names}?" if near else f"choose one of {names}"
            raise ParameterError(f"unknown scenario '{text_name}'; {hint}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ParameterError(f"scenario file '{path}' cannot be read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(f"scenario file '{path}' is not valid TOML: {exc}") from None
    overrides = dict(data.get("overrides", {}))
    if not isinstance(data.get("overrides", {}), dict):
        raise ParameterError(f"scenario file '{path}': 'overrides' must be a table of parameters")
    governance = data.get("governance", overrides.get("governance", "organic"))
    overrides.setdefault("governance", governance)
    try:
        make_params(overrides)
    except ParameterError as exc:
        raise ParameterError(f"scenario file '{path}': {exc}") from None
    return Scenario(
        name=str(data.get("name", path.stem)), title=str(data.get("title", "")),
        story=str(data.get("story", "")).strip(), seed_file=str(data.get("seed_file", "")),
        seed_quote=str(data.get("seed_quote", "")).strip(), governance=str(governance),
        overrides=overrides, path=str(path),
    )

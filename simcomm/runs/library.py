"""The scenario library: named what-ifs, each a TOML file in ``simcomm/scenarios/``, or a user's own.

A scenario file has ``name``, ``title``, ``story`` (plain language), ``seed_file`` and
``seed_quote`` (the essay passage it comes from), ``governance`` and an ``[overrides]`` table
of parameter values (parsed by :func:`simcomm.core.scenario.scenario_from_table`).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from simcomm.core.params import ParameterError, closest_names
from simcomm.core.scenario import Scenario, scenario_from_table
from simcomm.runs.files import read_text_file

LIBRARY = Path(__file__).resolve().parent.parent / "scenarios"


def scenario_names() -> list[str]:
    """Return the names of the built-in scenarios, sorted."""
    return sorted(p.stem for p in LIBRARY.glob("*.toml"))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Return the built-in scenario ``name_or_path`` or the one in that TOML file.

    Raises ParameterError for an unknown name (suggesting close ones), a file that is not a
    readable regular UTF-8 file (a FIFO is refused without blocking), malformed TOML (with the
    line), an empty file, unknown fields, or invalid overrides.
    """
    text_name = str(name_or_path)
    path = Path(text_name)
    if not (text_name.endswith(".toml") or path.is_file()):
        path = LIBRARY / f"{text_name}.toml"
        if not path.is_file():
            near = closest_names(text_name, scenario_names())
            names = ", ".join(near or scenario_names())
            hint = f"did you mean {names}?" if near else f"choose one of {names}"
            raise ParameterError(f"unknown scenario '{text_name}'; {hint}")
    text = read_text_file(path, "scenario file")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(f"scenario file '{path}' is not valid TOML: {exc}") from None
    return scenario_from_table(data, path.stem, str(path))


def is_library_file(path: str | Path) -> bool:
    """Return True when ``path`` is one of the library's own scenario files."""
    return Path(path).resolve().parent == LIBRARY

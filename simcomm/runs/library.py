"""The scenario library: named what-ifs, each a TOML file in ``simcomm/scenarios/``, or a user's own.

A scenario file has ``name``, ``title``, ``story`` (plain language), ``seed_file`` and
``seed_quote`` (the essay passage it comes from). A scenario named after a governance type sets
``governance`` only; any other is a what-if: ``base`` (the scenario it varies, a built-in name or
a TOML path relative to the file) and a ``[levers]`` table, each lever a parameter's ``value``
with a one-line ``why``. A user's own file may give a plain ``[overrides]`` table instead (parsed
by :func:`simcomm.core.scenario.scenario_from_table`).

The file is read with the standard library's ``tomllib`` and checked by hand
(:func:`simcomm.core.scenario.scenario_from_table`), not with a schema library (msgspec,
pydantic): each of its 18 refusals is one line naming the file, the field and what that field
allows (a parameter's range from the parameter table, close names for a typo, "a lever must
change the base's value"), which the tests pin; a schema would check the types and still need
every one of those checks and messages around its errors, so it would make nothing shorter.
"""

from __future__ import annotations

from pathlib import Path

from simcomm.core.params import ParameterError, closest_names
from simcomm.core.scenario import Scenario, scenario_from_table
from simcomm.runs.files import parse_toml, read_text_file, reason_text, shown

LIBRARY = Path(__file__).resolve().parent.parent / "scenarios"
CHANNEL_PREFIX = "channel-"  # the library's channel scenarios (simcomm.runs.channel_run)


def scenario_names() -> list[str]:
    """Return the names of the built-in single-community scenarios, sorted (the channel
    scenarios, ``channel-*``, are :func:`simcomm.runs.channel_run.channel_names`)."""
    return sorted(p.stem for p in LIBRARY.glob("*.toml") if not p.stem.startswith(CHANNEL_PREFIX))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Return the built-in scenario ``name_or_path`` or the one in that TOML file.

    A scenario with a ``base`` gets the base's overrides plus its levers (the base is loaded
    the same way; a name is a built-in scenario, a ``.toml`` path is relative to the file).
    Raises ParameterError for an unknown name (suggesting close ones), a file that is not a
    readable regular UTF-8 file (a FIFO is refused without blocking), malformed TOML (with the
    line), an empty file, unknown fields, invalid overrides or levers, or bases in a circle.
    """
    return _load(name_or_path, ())


def _load(name_or_path: str | Path, chain: tuple[Path, ...]) -> Scenario:
    text_name = str(name_or_path)
    path = Path(text_name)
    try:
        is_file = path.is_file()
        if not (text_name.endswith(".toml") or is_file):
            path = LIBRARY / f"{text_name}.toml"
            is_file = path.is_file()
    except (OSError, ValueError) as exc:  # a name too long for a path; a NUL byte
        raise ParameterError(f"unknown scenario '{shown(text_name)}': it is neither a built-in name nor a "
                             f"readable file ({reason_text(exc)}); see 'simcomm scenarios'") from None
    if not (text_name.endswith(".toml") or is_file):
        near = closest_names(text_name, scenario_names()) if len(text_name) <= 100 else []
        names = ", ".join(near or scenario_names())
        hint = f"did you mean {names}?" if near else f"choose one of {names}"
        raise ParameterError(f"unknown scenario '{shown(text_name)}'; {hint}")
    text = read_text_file(path, "scenario file")
    data = parse_toml(text, "scenario file", path)
    if "channel" in data:
        raise ParameterError(f"scenario file '{shown(str(path))}' is a channel of communities (it has a "
                             "[channel] table): 'simcomm run' runs it; this command takes one community")
    base = None
    base_name = data.get("base")
    if isinstance(base_name, str) and base_name:
        here = path.resolve()
        if here in chain:
            raise ParameterError(f"scenario file '{path}': base = {base_name!r} leads back to "
                                 f"'{path}'; bases must not go round in a circle")
        target: str | Path = path.parent / base_name if base_name.endswith(".toml") else base_name
        try:
            base = _load(target, (*chain, here))
        except ParameterError as exc:
            message = str(exc)
            if message.startswith(f"scenario file '{path}'"):
                raise
            raise ParameterError(f"scenario file '{path}': base = {base_name!r}: {message}") from None
    return scenario_from_table(data, path.stem, str(path), base=base)


def is_library_file(path: str | Path) -> bool:
    """Return True when ``path`` is one of the library's own scenario files."""
    return Path(path).resolve().parent == LIBRARY

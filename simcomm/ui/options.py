"""Click parameter types shared by the commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click


class OutPath(click.ParamType):
    """A path to write to: refuses an empty (or blank) value, which Path() would turn into '.'.
    The message says what to give: a directory, or for a ``--report`` option a Markdown file."""

    name = "path"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path:
        """Return ``value`` as a Path; fail (one line, exit status 2) when it is empty or blank."""
        if isinstance(value, Path):
            return value
        if not str(value).strip():
            what = ("a Markdown file (e.g. docs/page.md)" if param is not None and param.name == "report"
                    else "a directory (e.g. out/run)")
            self.fail(f"the path is empty; give {what}", param, ctx)
        return Path(value)


class InPath(click.ParamType):
    """A path to read: refuses an empty (or blank) value, which Path() would turn into '.' (the
    current folder); ``what`` (e.g. 'an experiment file (e.g. x.toml)') says what to give."""

    name = "path"

    def __init__(self, what: str) -> None:
        self.what = what

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path:
        """Return ``value`` as a Path; fail (one line, exit status 2) when it is empty or blank."""
        if isinstance(value, Path):
            return value
        if not str(value).strip():
            self.fail(f"the path is empty; give {self.what}", param, ctx)
        return Path(value)


OUT_PATH = OutPath()

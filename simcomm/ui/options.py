"""Click parameter types shared by the commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click


class OutPath(click.ParamType):
    """A path to write to: refuses an empty (or blank) value, which Path() would turn into '.'."""

    name = "path"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path:
        if isinstance(value, Path):
            return value
        if not str(value).strip():
            self.fail("the path is empty; give a directory (e.g. out/run)", param, ctx)
        return Path(value)


OUT_PATH = OutPath()

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


def check_report_page(report: Path, example: str) -> None:
    """Check a ``--report`` page before anything is simulated or created: a Markdown file name
    (``.md``), not a directory, whose folder and figures folder (named after the page) can be
    written. Raises ParameterError / OutputError (one line naming --report); returns None.
    ``example`` is the page name shown in the messages (e.g. ``docs/claims.md``)."""
    from simcomm.core.params import ParameterError
    from simcomm.runs.files import OutputError, check_writable

    page = report.expanduser().absolute()
    if report.suffix.lower() != ".md":
        raise ParameterError(f"--report '{report}' is not allowed: expected a Markdown file "
                             f"name ending in .md (e.g. {example})")
    if page.is_dir():
        raise ParameterError(f"--report '{report}' is a directory: expected a Markdown file "
                             f"(e.g. {report / Path(example).name})")
    try:
        check_writable(page.parent)
        check_writable(page.with_suffix(""))  # the figures folder named after the page
    except OutputError as exc:
        raise OutputError(f"--report: {exc}") from None


OUT_PATH = OutPath()

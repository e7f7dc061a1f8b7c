"""Click parameter types shared by the commands."""

from __future__ import annotations

import functools
from collections.abc import Sequence
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


def allow_long_option(f: Any) -> Any:
    """The ``--allow-long`` flag every command that starts runs has (the same name everywhere)."""
    return click.option("--allow-long", "allow_long", is_flag=True,
                        help="Start work estimated at more than 30 minutes (otherwise refused with the "
                             "estimate; work of a minute or more is announced either way).")(f)


def run_options(f: Any) -> Any:
    """The options ``run`` and ``compare`` share: ``--weeks``, ``--set``, ``--out``, ``--json``,
    ``--quiet`` and ``--allow-long`` (the same text in both)."""
    f = allow_long_option(f)
    f = click.option("--quiet", "-q", is_flag=True, help="No progress bar.")(f)
    f = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")(f)
    f = click.option("--out", type=OUT_PATH, default=None,
                     help="Directory to write tables (Parquet and CSV), JSON and PNG plots to.")(f)
    f = click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
                     help="Override a parameter (repeatable); see 'simcomm params'.")(f)
    return click.option("--weeks", default=260, show_default=True, type=click.IntRange(1, 5200),
                        help="Weeks to simulate.")(f)


def scheduler_option(f: Any) -> Any:
    """The ``--scheduler ADDRESS`` option of every batch command (the same text everywhere): the
    command runs inside :func:`simcomm.runs.cluster.on_cluster`, so each of its batches of runs
    goes to that Dask scheduler's workers. Refused with ``--workers`` (a usage error: one line,
    exit status 2). The decorated command needs a ``workers`` parameter and no ``scheduler`` one."""

    @functools.wraps(f)
    def command(*args: Any, scheduler: str | None, **kwargs: Any) -> Any:
        from simcomm.runs.cluster import on_cluster

        if scheduler is not None and kwargs.get("workers") is not None:
            raise click.UsageError("--workers and --scheduler cannot be combined (the cluster has its own)")
        with on_cluster(scheduler):
            return f(*args, **kwargs)

    return click.option("--scheduler", default=None, metavar="ADDRESS",
                        help="Run on a Dask distributed cluster, e.g. tcp://HOST:8786.")(command)


def announce_work(work: Any, workers: int | None, allow_long: bool, fewer: str) -> None:
    """Check the estimated ``work`` (a :class:`simcomm.runs.workload.Workload`) on ``workers``
    processes (default: all cores) before it starts: refuse it above the limit without
    ``--allow-long`` (ParameterError, one line naming ``fewer``), announce it on stderr from a
    minute on; return None. On a cluster (``--scheduler``), whose size is not known here,
    nothing is estimated."""
    from simcomm.runs.batch import default_workers
    from simcomm.runs.cluster import active_cluster
    from simcomm.runs.workload import check_workload
    from simcomm.ui.terminal import echo

    if active_cluster() is not None:
        return
    line = check_workload(work, workers or default_workers(), allow_long, fewer)
    if line is not None:
        echo(line, err=True)


def parse_sets(values: Sequence[str]) -> dict[str, Any]:
    """Return name -> value from each ``--set KEY=VALUE`` (the value in the parameter's type);
    ParameterError (one line naming --set) for a malformed or bad one, or a parameter given twice."""
    from simcomm.core.params import ParameterError, parse_assignment

    out: dict[str, Any] = {}
    for text in values:
        name, value = parse_assignment(text)
        if name in out:
            raise ParameterError(f"--set: '{name}' is given twice ({name}={out[name]} and {text}); "
                                 "give each parameter once")
        out[name] = value
    return out


def check_report_page(report: Path, example: str, names: Sequence[str] = ()) -> None:
    """Check a ``--report`` page before anything is simulated or created: a Markdown file name
    (``.md``), not a directory, whose folder and figures folder (named after the page) can be
    written, with no file at one of ``names`` in the figures folder that is not simcomm's own.
    Raises ParameterError / OutputError (one line naming --report); returns None.
    ``example`` is the page name shown in the messages (e.g. ``docs/claims.md``)."""
    from simcomm.core.params import ParameterError
    from simcomm.runs.files import OutputError, absolute_out, check_writable, reason_text, shown
    from simcomm.runs.output_set import check_replaceable

    try:
        page = absolute_out(report)
    except OutputError as exc:
        raise OutputError(f"--report: {exc}") from None
    if report.suffix.lower() != ".md":
        raise ParameterError(f"--report '{report}' is not allowed: expected a Markdown file "
                             f"name ending in .md (e.g. {example})")
    try:
        is_dir = page.is_dir()
    except OSError as exc:
        raise OutputError(f"--report: cannot write output to {shown(page)}: {reason_text(exc)}") from None
    if is_dir:
        raise ParameterError(f"--report '{report}' is a directory: expected a Markdown file "
                             f"(e.g. {report / Path(example).name})")
    try:
        check_writable(page.parent)
        check_writable(page.with_suffix(""))  # the figures folder named after the page
        check_replaceable(page.with_suffix(""), names)
    except OutputError as exc:
        raise OutputError(f"--report: {exc}") from None


def check_out(out: Path, names: Sequence[str] = (), option: str = "--out") -> None:
    """Check an output folder before anything is simulated: it can be created and written
    (:func:`simcomm.runs.files.check_writable`) and no file at one of ``names`` (the files the
    command writes) is in the way, that is, not simcomm's own
    (:func:`simcomm.runs.output_set.check_replaceable`). Raises OutputError (one line starting
    with ``option``); returns None."""
    from simcomm.runs.files import OutputError, check_writable
    from simcomm.runs.output_set import check_replaceable

    try:
        check_writable(out)
        check_replaceable(out, names)
    except OutputError as exc:
        raise OutputError(f"{option}: {exc}") from None


OUT_PATH = OutPath()

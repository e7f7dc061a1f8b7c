"""Writing results to disk safely: everything is staged, then moved into place file by file.

:func:`staged_output` yields an empty temporary directory next to the output directory (same
filesystem); writers fill it, and only when they finish without error is each file moved into
the output directory with :func:`os.replace` (atomic per file). On any error, including
KeyboardInterrupt, the staging directory is deleted and the output directory is left as it was.
Call :func:`check_writable` before a long simulation so that a bad output path fails at once.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simcomm import plots
from simcomm.analysis import Results, _check_results, logrank, summary_frame
from simcomm.params import ParameterError
from simcomm.sim import Result


class OutputError(ParameterError):
    """The output directory cannot be created or written; the message is one line naming it."""


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return " ".join(str(exc).split()) or type(exc).__name__


def _error(path: Path, reason: str) -> OutputError:
    return OutputError(f"cannot write output to {path}: {reason}")


def _check_path(out_dir: Path) -> None:
    """Raise OutputError when ``out_dir`` or its nearest existing ancestor is not a directory."""
    for p in (out_dir, *out_dir.parents):
        if p.exists():
            if not p.is_dir():
                what = "it is" if p == out_dir else f"{p} is"
                raise _error(out_dir, f"{what} a file, not a directory")
            return


def _make_dirs(out_dir: Path) -> list[Path]:
    """Create ``out_dir`` and missing parents; return the directories created, outermost first."""
    _check_path(out_dir)
    missing = []
    p = out_dir
    while not p.exists() and p != p.parent:
        missing.append(p)
        p = p.parent
    created: list[Path] = []
    try:
        for d in reversed(missing):
            d.mkdir()
            created.append(d)
    except OSError as exc:
        _remove_empty(created)
        where = f"cannot create {exc.filename}, " if exc.filename else ""
        raise _error(out_dir, f"{where}{_reason(exc)}") from None
    return created


def _remove_empty(created: Sequence[Path]) -> None:
    for d in reversed(created):
        with contextlib.suppress(OSError):
            d.rmdir()


def _probe(directory: Path, out_dir: Path) -> None:
    """Create and remove a file in ``directory``; raise OutputError (about out_dir) if that fails."""
    try:
        fd, name = tempfile.mkstemp(prefix=".simcomm-probe-", dir=directory)
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        raise _error(out_dir, f"{directory} is not writable ({_reason(exc)})") from None


def check_writable(out_dir: Path) -> None:
    """Create ``out_dir`` (and its parents) if missing and check a file can be written in it.

    Returns None; raises :class:`OutputError` (one line naming the path and the reason) when the
    path is a file, cannot be created, or is not writable. Call it before any simulation work.
    """
    out_dir = Path(out_dir).expanduser().absolute()
    _make_dirs(out_dir)
    _probe(out_dir, out_dir)


def _staging_parent(out_dir: Path) -> Path:
    """Return where to stage: beside out_dir when that is writable and on the same filesystem,
    else inside out_dir itself (a hidden directory), so that os.replace stays atomic."""
    parent = out_dir.parent
    try:
        same_fs = os.stat(parent).st_dev == os.stat(out_dir).st_dev
    except OSError:
        return out_dir
    if same_fs and parent != out_dir:
        try:
            _probe(parent, out_dir)
            return parent
        except OutputError:
            pass
    return out_dir


def _files(root: Path) -> list[Path]:
    """Return every regular file under ``root``, relative to it, sorted."""
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file() or p.is_symlink())


@contextlib.contextmanager
def staged_output(out_dir: Path) -> Iterator[Path]:
    """Yield a fresh temporary directory; on success move its files into ``out_dir``.

    The staging directory is created next to ``out_dir`` (inside it, hidden, when its parent is
    not writable or on another filesystem). On normal exit every file written there (with its
    sub-directories) is moved into ``out_dir`` with os.replace: each file replaces its namesake
    atomically and unrelated files already in ``out_dir`` are untouched. On any exception
    (KeyboardInterrupt too) the staging directory is deleted, directories this call created are
    removed, and ``out_dir`` is left as it was; the exception propagates. Raises OutputError
    (one line) when ``out_dir`` cannot be created or written.
    """
    out_dir = Path(out_dir).expanduser().absolute()
    created = _make_dirs(out_dir)
    try:
        _probe(out_dir, out_dir)
        stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name or 'out'}.", suffix=".staging",
                                      dir=_staging_parent(out_dir)))
    except BaseException as exc:
        _remove_empty(created)
        if isinstance(exc, OSError):
            raise _error(out_dir, f"cannot create a staging directory ({_reason(exc)})") from None
        raise
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        _remove_empty(created)
        raise
    try:
        files = _files(stage)
        for rel in files:
            target = out_dir / rel
            if target.is_dir() and not target.is_symlink():
                raise _error(out_dir, f"{target} is a directory, cannot replace it with a file")
        for rel in files:
            target = out_dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(stage / rel, target)
    except OSError as exc:
        raise _error(out_dir, f"moving files into place failed ({_reason(exc)})") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)


@contextlib.contextmanager
def _writing(out_dir: Path) -> Iterator[None]:
    """Turn an OSError raised while writing into the staging directory into an OutputError."""
    try:
        yield
    except OSError as exc:
        raise _error(out_dir, _reason(exc)) from None


def to_jsonable(obj: Any) -> Any:
    """Return ``obj`` as plain JSON types: NaN, infinities, NA and NaT become None, numpy
    scalars and arrays become Python numbers and lists, paths and timestamps become strings."""
    if obj is None or isinstance(obj, bool | str):
        return obj
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, pd.DataFrame):
        return [to_jsonable(r) for r in obj.to_dict(orient="records")]
    if isinstance(obj, pd.Series | np.ndarray | list | tuple | set | frozenset):
        return [to_jsonable(v) for v in list(obj)]
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.generic):
        return to_jsonable(obj.item())
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return float(obj) if math.isfinite(obj) else None
    if obj is pd.NA or obj is pd.NaT:
        return None
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, pd.Timestamp):
        return obj.isoformat()
    return str(obj)


def _write_json(path: Path, payload: Any) -> None:
    text = json.dumps(to_jsonable(payload), indent=2, allow_nan=False, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")


def _write_table(frame: pd.DataFrame, stage: Path, name: str) -> list[Path]:
    frame.to_parquet(stage / f"{name}.parquet", engine="pyarrow", index=False)
    frame.to_csv(stage / f"{name}.csv", index=False)
    return [stage / f"{name}.parquet", stage / f"{name}.csv"]


def write_run(result: Result, out_dir: Path) -> list[Path]:
    """Write one run into ``out_dir``; return the paths written (in out_dir).

    ``timeseries.parquet``/``.csv`` (one row per week), ``members.parquet``/``.csv`` (one row
    per member; NA as empty CSV fields), ``summary.json`` (summary, metadata with parameters,
    seed and versions, and the events list; NaN written as null) and the PNGs of
    :func:`simcomm.plots.plot_run`. All go through :func:`staged_output`.
    """
    out_dir = Path(out_dir).expanduser().absolute()
    with staged_output(out_dir) as stage, _writing(out_dir):
        written = [*_write_table(result.timeseries, stage, "timeseries"),
                   *_write_table(result.members, stage, "members")]
        _write_json(stage / "summary.json", {
            "scenario": result.scenario, "seed": result.seed, "weeks": result.weeks,
            "summary": result.summary, "metadata": result.metadata,
            "events": result.events.to_dict(orient="records"),
        })
        written.append(stage / "summary.json")
        written += plots.plot_run(result, stage)
    return [out_dir / p.relative_to(stage) for p in written]


def _per_label(values: Sequence[Any]) -> Any:
    """Return the single value when all runs of a label agree, else the list of them."""
    first = values[0]
    return first if all(v == first for v in values[1:]) else list(values)


def write_compare(results: Results, table: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Write a comparison into ``out_dir``; return the paths written (in out_dir).

    ``runs.csv``/``runs.parquet`` (:func:`simcomm.analysis.summary_frame`), ``headline.csv``
    (``table``, from :func:`simcomm.analysis.headline_table`), ``compare.json`` (labels, seeds,
    weeks, scenario, parameters and overrides of each label, simcomm and mesa versions, the
    table and the log-rank result; NaN written as null) and the PNGs of
    :func:`simcomm.plots.plot_compare`. All go through :func:`staged_output`.
    """
    labels = _check_results(results)
    out_dir = Path(out_dir).expanduser().absolute()
    lr = logrank(results, baseline=str(table["baseline"].iloc[0]) if len(table) else None)
    with staged_output(out_dir) as stage, _writing(out_dir):
        written = _write_table(summary_frame(results), stage, "runs")
        table.to_csv(stage / "headline.csv", index=False)
        written.append(stage / "headline.csv")
        meta = {lab: [r.metadata for r in results[lab]] for lab in labels}
        first = results[labels[0]][0].metadata
        _write_json(stage / "compare.json", {
            "labels": labels,
            "baseline": table["baseline"].iloc[0] if len(table) else labels[0],
            "seeds": {lab: [r.seed for r in results[lab]] for lab in labels},
            "weeks": {lab: _per_label([r.weeks for r in results[lab]]) for lab in labels},
            "scenarios": {lab: _per_label([r.scenario for r in results[lab]]) for lab in labels},
            "overrides": {lab: _per_label([m.get("overrides", {}) for m in meta[lab]]) for lab in labels},
            "parameters": {lab: _per_label([m.get("params", {}) for m in meta[lab]]) for lab in labels},
            "simcomm_version": first.get("simcomm_version"),
            "mesa_version": first.get("mesa_version"),
            "headline": table,
            "logrank": lr,
        })
        written.append(stage / "compare.json")
        written += plots.plot_compare(results, stage, logrank_result=lr)
    return [out_dir / p.relative_to(stage) for p in written]

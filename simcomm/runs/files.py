"""Writing results to disk safely: everything is staged, then moved into place file by file.

:func:`staged_output` yields an empty temporary directory next to the output directory (same
filesystem); writers fill it, and only when they finish without error is each file moved into
the output directory with :func:`os.replace` (atomic per file). On any error, including
KeyboardInterrupt, the staging directory is deleted and the output directory is left as it was.
Call :func:`check_writable` before a long simulation so that a bad output path fails at once.
:func:`atomic_write` replaces one file atomically (experiment manifests and result parts).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simcomm.core.params import ParameterError


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
def writing_into(out_dir: Path) -> Iterator[None]:
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


def write_json(path: Path, payload: Any) -> None:
    """Write ``payload`` to ``path`` as indented UTF-8 JSON (NaN and infinities as null)."""
    text = json.dumps(to_jsonable(payload), indent=2, allow_nan=False, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write ``path`` atomically: ``write`` fills a temporary file beside it, which is synced and
    then renamed over ``path``; on any error the temporary file is removed and ``path`` is as it was."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

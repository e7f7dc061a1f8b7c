"""Writing results to disk safely: everything is staged, then the whole folder is swapped into place.

:func:`staged_output` yields an empty temporary directory beside the output directory (same
filesystem); writers fill it, and only when they finish without error does it replace the output
directory as a whole (files of the old folder that are not rewritten are hard-linked into it
first, then the two folders are swapped in one atomic rename exchange). On any error, including
KeyboardInterrupt, the staging directory is deleted and the output directory is left as it was;
staging folders of killed processes are deleted by the next write.
Call :func:`check_writable` before a long simulation so that a bad output path fails at once.
:func:`atomic_write` replaces one file atomically (experiment manifests and result parts).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import math
import os
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simcomm.core.params import ParameterError


class OutputError(ParameterError):
    """The output directory cannot be created or written; the message is one line naming it."""


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.errno:  # "No space left on device", also from pyarrow
        return os.strerror(exc.errno)
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return " ".join(str(exc).split()) or type(exc).__name__


def output_error(path: Path, exc: BaseException, hint: str = "") -> OutputError:
    """Return the one-line OutputError for ``exc`` (e.g. an OSError with ENOSPC) raised while
    writing to ``path``: 'cannot write output to PATH: REASON' and then ``hint``, if given."""
    return OutputError(f"cannot write output to {path}: {_reason(exc)}" + (f"; {hint}" if hint else ""))


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
    """Check that ``out_dir`` can be created (or exists) and written, leaving nothing behind.

    Returns None; raises :class:`OutputError` (one line naming the path and the reason) when the
    path is empty, is a file, cannot be created, or is not writable. Missing directories are
    created to try and removed again, so a command that fails or is interrupted later leaves
    nothing in or above ``out_dir``. Call it before any simulation work.
    """
    out_dir = absolute_out(out_dir)
    created = _make_dirs(out_dir)
    try:
        _probe(out_dir, out_dir)
    finally:
        _remove_empty(created)


def absolute_out(out_dir: Path | str) -> Path:
    """Return ``out_dir`` as an absolute path (``~`` expanded); OutputError for an empty path."""
    if not str(out_dir).strip():
        raise OutputError("cannot write output to '': the path is empty; give a directory")
    return Path(out_dir).expanduser().absolute()


def _files(root: Path) -> list[Path]:
    """Return every regular file under ``root``, relative to it, sorted."""
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file() or p.is_symlink())


_STALE_SECONDS = 3600.0  # a staging folder without a process id is stale after this long


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def clean_stale_staging(directory: Path, name: str) -> list[Path]:
    """Delete staging folders ``.NAME.*.staging`` in ``directory`` left by a process that is gone
    (killed while writing); return the paths removed. A folder of a live process is kept."""
    removed: list[Path] = []
    prefix = f".{name}."
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        if not (entry.name.startswith(prefix) and entry.name.endswith(".staging")):
            continue
        pid_text = entry.name[len(prefix):].split(".", 1)[0]
        try:
            if pid_text.isdigit():
                stale = not _pid_alive(int(pid_text))
            else:  # written by an older simcomm: no process id in the name
                stale = time.time() - entry.stat(follow_symlinks=False).st_mtime > _STALE_SECONDS
        except OSError:
            continue
        if stale and entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(Path(entry.path))
    return removed


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap the paths ``a`` and ``b`` (Linux renameat2 RENAME_EXCHANGE); return False
    when the platform or filesystem cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _carry_over(out_dir: Path, stage: Path) -> None:
    """Hard-link (else copy) into ``stage`` every file of ``out_dir`` that the new output does not
    replace, so that swapping the folders keeps unrelated files (their content and times)."""
    for root, dirs, names in os.walk(out_dir):
        rel_root = Path(root).relative_to(out_dir)
        for d in list(dirs):
            src, dst = Path(root) / d, stage / rel_root / d
            if src.is_symlink():
                dirs.remove(d)
                if not os.path.lexists(dst):
                    os.symlink(os.readlink(src), dst)
            elif os.path.lexists(dst) and not dst.is_dir():
                raise _error(out_dir, f"{src} is a directory, cannot replace it with a file")
            else:
                dst.mkdir(exist_ok=True)
                shutil.copystat(src, dst)
        for n in names:
            src, dst = Path(root) / n, stage / rel_root / n
            if os.path.lexists(dst):
                if dst.is_dir() and not dst.is_symlink():
                    raise _error(out_dir, f"{src} is a file, cannot replace it with a directory")
                continue  # replaced by the new output
            if src.is_symlink():
                os.symlink(os.readlink(src), dst)
                continue
            try:
                os.link(src, dst, follow_symlinks=False)
            except OSError:
                shutil.copy2(src, dst)


def _swap_into_place(stage: Path, out_dir: Path) -> None:
    """Make ``stage`` (holding the complete new folder) become ``out_dir``; the previous folder
    ends up at ``stage``. One atomic exchange where the filesystem allows it, else two renames."""
    if not os.path.lexists(out_dir):
        os.rename(stage, out_dir)
        return
    if _exchange(stage, out_dir):
        return
    old = stage.with_name(stage.name[: -len(".staging")] + ".old.staging")
    os.rename(out_dir, old)
    try:
        os.rename(stage, out_dir)
    except BaseException:
        os.rename(old, out_dir)
        raise
    os.rename(old, stage)


@contextlib.contextmanager
def staged_output(out_dir: Path) -> Iterator[Path]:
    """Yield a fresh temporary directory; on success it replaces ``out_dir`` as a whole.

    The staging directory ``.NAME.PID.*.staging`` is created beside ``out_dir`` (stale ones of
    killed processes are deleted first). On normal exit the files of ``out_dir`` that the new
    output does not replace are hard-linked into it (so unrelated files stay, unchanged), and the
    staging directory is swapped with ``out_dir`` in one atomic exchange (renameat2 on Linux,
    else two renames): readers see the old set or the new one, never a mix. Where the parent is
    not writable or ``out_dir`` is a symbolic link, the files are moved in one by one instead
    (each atomically). On any exception (KeyboardInterrupt too) the staging directory is
    deleted, directories this call created are removed, and ``out_dir`` is left as it was; the
    exception propagates. Raises OutputError (one line) when ``out_dir`` cannot be written.
    """
    out_dir = absolute_out(out_dir)
    _check_path(out_dir)
    if out_dir.is_symlink() or (out_dir.exists() and not _parent_writable(out_dir)):
        with _staged_per_file(out_dir) as stage:
            yield stage
        return
    created = _make_dirs(out_dir.parent)
    try:
        if out_dir.exists():
            _probe(out_dir, out_dir)
        clean_stale_staging(out_dir.parent, out_dir.name)
        stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.{os.getpid()}.", suffix=".staging",
                                      dir=out_dir.parent))
    except BaseException as exc:
        _remove_empty(created)
        if isinstance(exc, OSError):
            raise _error(out_dir, f"cannot create a staging directory ({_reason(exc)})") from None
        raise
    swapped = False
    try:
        yield stage
        try:
            mode = out_dir.stat().st_mode if out_dir.exists() else 0o777 & ~_umask()
            os.chmod(stage, stat.S_IMODE(mode))
            if out_dir.exists():
                _carry_over(out_dir, stage)
            _swap_into_place(stage, out_dir)
            swapped = True
        except OSError as exc:
            raise _error(out_dir, f"moving the new files into place failed ({_reason(exc)})") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        if not swapped:
            _remove_empty(created)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _give_mode(tmp: Path | str, path: Path) -> None:
    """Give the temporary file ``tmp`` (mkstemp makes it 0600) the mode ``path`` will keep once
    it is renamed there: the mode of the file it replaces, else that of any new file (0666
    without the umask), so that results and pages are readable as any other file."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mode = 0o666 & ~_umask()
    os.chmod(tmp, mode)


def _parent_writable(out_dir: Path) -> bool:
    parent = out_dir.parent
    if parent == out_dir:
        return False
    try:
        if os.stat(parent).st_dev != os.stat(out_dir).st_dev:
            return False
        _probe(parent, out_dir)
    except (OSError, OutputError):
        return False
    return True


@contextlib.contextmanager
def _staged_per_file(out_dir: Path) -> Iterator[Path]:
    """Fallback of :func:`staged_output` when the folder cannot be swapped: stage in a hidden
    folder inside ``out_dir`` and move each file into place with os.replace."""
    _probe(out_dir, out_dir)
    clean_stale_staging(out_dir, out_dir.name)
    try:
        stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.{os.getpid()}.", suffix=".staging",
                                      dir=out_dir))
    except OSError as exc:
        raise _error(out_dir, f"cannot create a staging directory ({_reason(exc)})") from None
    try:
        yield stage
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
    with staged_file(path) as tmp:
        write(tmp)


@contextlib.contextmanager
def staged_file(path: Path) -> Iterator[Path]:
    """Yield a temporary file beside ``path`` to fill; when the block ends without error it is
    synced and renamed over ``path`` (atomic), so other writes in the block (a page's figures)
    are in place before it. Missing parent directories are created. On any error
    (KeyboardInterrupt too; a full disk) the temporary file is removed, the directories created
    are removed again when empty, and ``path`` is as it was; the exception propagates."""
    created = _make_dirs(path.parent)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        yield Path(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        _give_mode(tmp, path)
        os.replace(tmp, path)
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        _remove_empty(created)
        raise


def atomic_write_together(files: Sequence[tuple[Path, Callable[[Path], None]]]) -> None:
    """Write new files all or none: each ``write`` fills a temporary file beside its path, all
    are synced, then renamed into place in the order given. When any step fails (a full disk,
    KeyboardInterrupt) the temporary files are removed and the files already renamed are
    removed again, so none of them is left; the paths must not exist before. Put last the file
    that records the others (a killed process can leave the earlier ones only)."""
    temps: list[Path] = []
    placed: list[Path] = []
    try:
        for path, write in files:
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            os.close(fd)
            temps.append(Path(tmp))
            write(Path(tmp))
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            _give_mode(tmp, path)
        for (path, _), tmp in zip(files, temps, strict=True):
            if os.path.lexists(path):
                raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(path))
            os.replace(tmp, path)
            placed.append(path)
    except BaseException:
        for p in [*temps, *placed]:
            with contextlib.suppress(OSError):
                p.unlink(missing_ok=True)
        raise


def read_text_file(path: Path | str, what: str) -> str:
    """Return the UTF-8 text of the regular file ``path``; ParameterError (one line naming
    ``what`` and the path) when it is missing, not a regular file (a FIFO or a device is refused
    without blocking), unreadable, or not UTF-8."""
    p = Path(path)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise ParameterError(f"{what} '{p}' cannot be read: {_reason(exc)}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise ParameterError(f"{what} '{p}' cannot be read: it is {kind}; expected a TOML file")
        with os.fdopen(fd, "rb") as fh:
            fd = -1
            data = fh.read()
    except OSError as exc:
        raise ParameterError(f"{what} '{p}' cannot be read: {_reason(exc)}") from None
    finally:
        if fd >= 0:
            os.close(fd)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParameterError(f"{what} '{p}' is not UTF-8 text (byte {exc.start}); "
                             "save it as UTF-8") from None

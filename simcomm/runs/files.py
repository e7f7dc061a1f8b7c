"""Writing files safely and reading users' files: the low-level helpers of every output.

A file is written to a temporary name beside its final one (``.simcomm-tmp.PID.HEX``), synced and
renamed over it (atomic: a reader sees the old file or the new one); on any error, Ctrl-C
included, the temporary file is removed and the old file is as it was. Temporary files left by a
killed process (its PID gone) are deleted by the next write into the same folder; nothing that
does not match that name is ever deleted. Output sets (the files one command writes into
``--out``) are built on these in :mod:`simcomm.runs.output_set`.

Call :func:`check_writable` before a long simulation, so that a bad output path fails at once.
:func:`read_text_file` and :func:`parse_toml` read a user's file with one-line errors.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import re
import secrets
import stat
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simcomm.core.params import ParameterError

TEMP_PREFIX = ".simcomm-tmp."
TEMP_NAME = re.compile(r"\.simcomm-tmp\.(\d+)\.[0-9a-f]{8}\Z")  # what clean_stale_temps may delete
NAME_MAX = 255  # bytes in one name of a path (Linux)
PATH_MAX = 4096  # bytes in a whole path (Linux)
SHOWN_CHARACTERS = 300  # a longer path or name is shortened in messages (a name has at most 255 bytes)


class OutputError(ParameterError):
    """The output directory cannot be created or written; the message is one line naming it."""


def reason_text(exc: BaseException) -> str:
    """Return the reason of an OSError (or any exception) as one short line of text, e.g. 'No space
    left on device'; for a name or path that is too long, also the limits."""
    if isinstance(exc, OSError) and exc.errno == errno.ENAMETOOLONG:
        return (f"{os.strerror(exc.errno)} (at most {NAME_MAX} bytes in a name and {PATH_MAX:,} in a "
                "path)")
    if isinstance(exc, OSError) and exc.errno:  # "No space left on device", also from pyarrow
        return os.strerror(exc.errno)
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return " ".join(str(exc).split()) or type(exc).__name__


def shown(text: str | Path) -> str:
    """Return ``text`` (a path or name) for a one-line message: as it is, or, when it is longer
    than 300 characters, its start and end with its length, e.g. 'aaaa...aaaa (10,000 characters)'."""
    text = str(text)
    if len(text) <= SHOWN_CHARACTERS:
        return text
    return f"{text[:120]}...{text[-40:]} ({len(text):,} characters)"


def output_error(path: Path, exc: BaseException, hint: str = "") -> OutputError:
    """Return the one-line OutputError for ``exc`` (e.g. an OSError with ENOSPC) raised while
    writing to ``path``: 'cannot write output to PATH: REASON' and then ``hint``, if given."""
    return OutputError(f"cannot write output to {shown(path)}: {reason_text(exc)}"
                       + (f"; {hint}" if hint else ""))


def output_refused(path: Path, reason: str) -> OutputError:
    """Return the one-line OutputError 'cannot write output to PATH: REASON'."""
    return OutputError(f"cannot write output to {shown(path)}: {reason}")


def check_path(out_dir: Path) -> None:
    """Raise OutputError when ``out_dir`` or its nearest existing ancestor is not a directory, or
    the path cannot be looked at (a name or path too long, a permission); return None."""
    try:
        for p in (out_dir, *out_dir.parents):
            if p.exists():
                if not p.is_dir():
                    what = "it is" if p == out_dir else f"{shown(p)} is"
                    raise output_refused(out_dir, f"{what} a file, not a directory")
                return
    except OSError as exc:
        raise output_refused(out_dir, reason_text(exc)) from None


def make_dirs(out_dir: Path) -> list[Path]:
    """Create ``out_dir`` and missing parents; return the directories created, outermost first.
    Raises OutputError (one line) when one cannot be created."""
    check_path(out_dir)
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
        remove_empty_dirs(created)
        where = f"cannot create {shown(exc.filename)}, " if exc.filename else ""
        raise output_refused(out_dir, f"{where}{reason_text(exc)}") from None
    return created


def remove_empty_dirs(created: Sequence[Path]) -> None:
    """Remove the directories ``created`` (outermost first, as :func:`make_dirs` returns them)
    again, innermost first, where they are empty; return None."""
    for d in reversed(created):
        with contextlib.suppress(OSError):
            d.rmdir()


def probe(directory: Path, out_dir: Path) -> None:
    """Create and remove a file in ``directory``; raise OutputError (about out_dir) if that fails."""
    try:
        with temporary_file(directory) as tmp:
            tmp.write_bytes(b"")
    except OSError as exc:
        raise output_refused(out_dir, f"{shown(directory)} is not writable ({reason_text(exc)})") from None


def check_writable(out_dir: Path) -> None:
    """Check that ``out_dir`` can be created (or exists) and written, leaving nothing behind.

    Returns None; raises :class:`OutputError` (one line naming the path and the reason) when the
    path is empty, is a file, cannot be created, is too long, or is not writable. Missing
    directories are created to try and removed again, so a command that fails or is interrupted
    later leaves nothing in or above ``out_dir``. Call it before any simulation work.
    """
    out_dir = absolute_out(out_dir)
    created = make_dirs(out_dir)
    try:
        probe(out_dir, out_dir)
    finally:
        remove_empty_dirs(created)


def absolute_out(out_dir: Path | str) -> Path:
    """Return ``out_dir`` as an absolute path (``~`` and ``~user`` expanded); OutputError (one
    line) for an empty path or a ``~user`` that names no user."""
    text = str(out_dir)
    if not text.strip():
        raise OutputError("cannot write output to '': the path is empty; give a directory")
    try:
        return Path(text).expanduser().absolute()
    except RuntimeError:  # Path.expanduser: no such user, or no home directory
        user = text[1:].split("/", 1)[0]
        who = f"there is no user '{shown(user)}'" if user else "the home directory is unknown"
        raise OutputError(f"cannot write output to {shown(text)}: {who} (~ and ~USER name a user's "
                          "home directory)") from None


def pid_alive(pid: int) -> bool:
    """Return True when process ``pid`` exists on this machine (this process included)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def temporary_name(directory: Path) -> Path:
    """Return a fresh temporary path in ``directory``, ``.simcomm-tmp.PID.HEX`` (nothing is
    created): the name :func:`clean_stale_temps` recognises as simcomm's own."""
    return directory / f"{TEMP_PREFIX}{os.getpid()}.{secrets.token_hex(4)}"


def new_temporary_file(directory: Path) -> Path:
    """Create an empty temporary file in ``directory`` (mode 0600, named as
    :func:`temporary_name` says) and return its path; the caller renames or removes it."""
    while True:
        path = temporary_name(directory)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        os.close(fd)
        return path


@contextlib.contextmanager
def temporary_file(directory: Path) -> Iterator[Path]:
    """Yield a new empty temporary file in ``directory`` (:func:`new_temporary_file`); it is
    removed when the block ends, unless it was renamed away."""
    path = new_temporary_file(directory)
    try:
        yield path
    finally:
        with contextlib.suppress(OSError):
            path.unlink()


def clean_stale_temps(directory: Path) -> list[Path]:
    """Delete the temporary files of killed simcomm processes in ``directory``: regular files
    named ``.simcomm-tmp.PID.HEX`` whose process is gone (on this machine). Nothing else is
    touched. Return the paths removed."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        match = TEMP_NAME.match(entry.name)
        if match is None or pid_alive(int(match.group(1))):
            continue
        with contextlib.suppress(OSError):
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def give_mode(tmp: Path | str, path: Path) -> None:
    """Give the temporary file ``tmp`` (created 0600) the mode ``path`` will keep once it is
    renamed there: the mode of the file it replaces, else that of any new file (0666 without the
    umask), so that results and pages are readable as any other file. Return None."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mode = 0o666 & ~_umask()
    os.chmod(tmp, mode)


def sync_file(path: Path | str) -> None:
    """Flush ``path``'s content to the disk (fsync); return None."""
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


@contextlib.contextmanager
def writing_into(out_dir: Path) -> Iterator[None]:
    """Turn an OSError raised while writing into the staging directory into an OutputError."""
    try:
        yield
    except OSError as exc:
        raise output_refused(out_dir, reason_text(exc)) from None


# What this process has written completely so far (output sets and pages), for the message a
# Ctrl-C prints: see written_outputs().
_WRITTEN: list[Path] = []


def record_written(path: Path) -> None:
    """Note that ``path`` (an output folder or a page) is now completely written; return None."""
    if path not in _WRITTEN:
        _WRITTEN.append(path)


def forget_written() -> None:
    """Start a new command: forget what :func:`written_outputs` lists; return None."""
    _WRITTEN.clear()


def written_outputs() -> list[Path]:
    """Return the output folders and pages this process has written completely so far, in order."""
    return list(_WRITTEN)


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
    with _replaced(path, record=False) as tmp:
        write(tmp)


@contextlib.contextmanager
def staged_file(path: Path) -> Iterator[Path]:
    """Yield a temporary file beside ``path`` to fill; when the block ends without error it is
    synced and renamed over ``path`` (atomic), so other writes in the block (a page's figures)
    are in place before it. Missing parent directories are created. On any error
    (KeyboardInterrupt too; a full disk) the temporary file is removed, the directories created
    are removed again when empty, and ``path`` is as it was; the exception propagates. The page
    is then among :func:`written_outputs`."""
    with _replaced(path, record=True) as tmp:
        yield tmp


@contextlib.contextmanager
def _replaced(path: Path, record: bool) -> Iterator[Path]:
    created = make_dirs(path.parent)
    try:
        clean_stale_temps(path.parent)
        with temporary_file(path.parent) as tmp:
            yield tmp
            sync_file(tmp)
            give_mode(tmp, path)
            os.replace(tmp, path)
    except BaseException:
        remove_empty_dirs(created)
        raise
    if record:
        record_written(path)


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
            clean_stale_temps(path.parent)
            tmp = new_temporary_file(path.parent)
            temps.append(tmp)
            write(tmp)
            sync_file(tmp)
            give_mode(tmp, path)
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
    without blocking), unreadable, its name too long, starting with a byte order mark, or not
    UTF-8."""
    p = Path(path)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise ParameterError(f"{what} '{shown(p)}' cannot be read: {reason_text(exc)}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise ParameterError(f"{what} '{shown(p)}' cannot be read: it is {kind}; expected a TOML file")
        with os.fdopen(fd, "rb") as fh:
            fd = -1
            data = fh.read()
    except OSError as exc:
        raise ParameterError(f"{what} '{shown(p)}' cannot be read: {reason_text(exc)}") from None
    finally:
        if fd >= 0:
            os.close(fd)
    if data.startswith(b"\xef\xbb\xbf"):
        raise ParameterError(f"{what} '{shown(p)}' starts with a byte order mark (BOM, bytes EF BB BF), "
                             "which TOML does not allow; save it as UTF-8 without a BOM")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParameterError(f"{what} '{shown(p)}' is not UTF-8 text (byte {exc.start}); "
                             "save it as UTF-8") from None


def parse_toml(text: str, what: str, path: Path | str) -> dict[str, Any]:
    """Return the table parsed from the TOML ``text`` of ``what`` ``path`` (e.g. 'scenario
    file'); ParameterError (one line naming the file) when it is not valid TOML (with the line)
    or nested too deeply for the parser."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(f"{what} '{shown(path)}' is not valid TOML: {exc}") from None
    except RecursionError:
        raise ParameterError(f"{what} '{shown(path)}' is nested too deeply (arrays or tables inside "
                             "one another hundreds of levels deep); a scenario or experiment needs "
                             "at most a few levels") from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise ParameterError(f"{what} '{shown(path)}' is not valid TOML: {' '.join(str(exc).split()[:12])}"
                             ) from None

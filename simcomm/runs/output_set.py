"""Output sets: the files one command writes into a folder (``--out DIR``), and the manifest that
says which set is whole.

simcomm writes and replaces only the files it owns, and never deletes or moves anything else:

- Writers fill a staging folder *inside* DIR (``DIR/.simcomm-stage.PID.HEX/``, created by this
  process, so on DIR's own filesystem). Nothing in DIR changes while they work; when they fail or
  are interrupted, the staging folder is removed and DIR is exactly as it was.
- When they are done, each new file is renamed from the staging folder to its place in DIR
  (``rename``: atomic, and never across a filesystem: a subfolder of DIR on another filesystem, a
  mount point, is refused, never written). DIR itself (its inode, owner and mode), its other
  files and its subfolders are left alone, so ``--out .`` from a shell inside DIR, a bind-mounted
  DIR and files another program creates in DIR meanwhile all stay as they are.
- A file already at a new file's name is replaced only when simcomm wrote it: the manifest lists
  it with the same size and SHA-256. Any other file there (the user's, or one of simcomm's that
  was edited since) is refused with one line before anything is moved.
- A file of the previous set that the new set does not include is removed only when the previous
  manifest lists it and its content is unchanged; an edited one is left alone, and so is
  everything the manifest does not list.

The manifest, ``DIR/.simcomm-manifest.json``, names every file of the set with its size and
SHA-256, the simcomm version and what the command ran (parameters, seeds). It is written last:
before the first rename the manifest is replaced by one marked ``"complete": false`` (naming the
new set's files and the previous set's), and only after the last rename by the complete one
(each manifest itself renamed into place atomically). A reader can therefore tell a whole set
from a half-replaced one: :func:`read_output_set` accepts a folder only when its manifest says
``"complete": true`` and every file it lists has that size and SHA-256 (a reader that started
before a replacement and reads on during it sees a file that does not match). Ctrl-C and SIGTERM
are held during the renames (:func:`simcomm.runs.interruption.signals_deferred`) and delivered
after, so an interruption leaves the old set or the new one; only a SIGKILL or a power cut
between two renames leaves a set marked incomplete, which the next run of the command replaces.

Staging folders of killed processes are removed by the next write into the same DIR, and only
folders named ``.simcomm-stage.PID.HEX`` whose process is gone (on this machine).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import stat
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from simcomm.core.version import __version__
from simcomm.runs.files import (
    OutputError,
    absolute_out,
    clean_stale_temps,
    make_dirs,
    output_refused,
    pid_alive,
    reason_text,
    record_written,
    remove_empty_dirs,
    shown,
    sync_file,
    to_jsonable,
)
from simcomm.runs.interruption import interrupt_point, signals_deferred

MANIFEST = ".simcomm-manifest.json"
STAGE_PREFIX = ".simcomm-stage."
STAGE_NAME = re.compile(r"\.simcomm-stage\.(\d+)\.[0-9a-f]{8}\Z")  # what clean_stale_stages may remove
FORMAT = "simcomm output set 1"
_CHUNK = 1 << 20


class OutputSetError(OutputError):
    """A folder does not hold a whole simcomm output set (or a file in the way is not simcomm's);
    the message is one line naming the folder or the file."""


def file_record(path: Path) -> dict[str, Any]:
    """Return ``{"bytes": size, "sha256": hex digest}`` of the file ``path``."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return {"bytes": size, "sha256": digest.hexdigest()}


def _manifest_at(directory: Path) -> dict[str, Any] | None:
    """Return the manifest in ``directory`` when there is a readable one of this format, else None."""
    try:
        info = os.lstat(directory / MANIFEST)
        if not stat.S_ISREG(info.st_mode):
            return None
        data = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("files"), dict):
        return None
    return data


def _records(manifest: Mapping[str, Any] | None) -> dict[str, list[dict[str, Any]]]:
    """Return name -> the records (size, SHA-256) the manifest knows for it: the set's, and, in
    a manifest left incomplete, those of the set it was replacing."""
    out: dict[str, list[dict[str, Any]]] = {}
    if manifest is None:
        return out
    for name, record in known_files(manifest).items():
        out.setdefault(name, []).append(record)
    replacing = manifest.get("replacing")
    for name, records in (replacing.items() if isinstance(replacing, dict) else ()):
        if isinstance(records, list):
            out.setdefault(str(name), []).extend(r for r in records if isinstance(r, dict))
    return out


def _matches(path: Path, records: Sequence[Mapping[str, Any]]) -> bool:
    """Return True when the regular file ``path`` has the size and SHA-256 of one of ``records``."""
    try:
        size = os.lstat(path).st_size
        if not any(r.get("bytes") == size for r in records):
            return False
        digest = file_record(path)["sha256"]
    except OSError:
        return False
    return any(r.get("bytes") == size and r.get("sha256") == digest for r in records)


def _in_the_way(directory: Path, name: str, known: Mapping[str, list[dict[str, Any]]]) -> str | None:
    """Return why simcomm may not replace ``directory/name`` (one phrase), or None when it may:
    there is nothing there, or a file the manifest lists with the same content."""
    target = directory / name
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"{shown(target)} cannot be looked at ({reason_text(exc)})"
    if stat.S_ISDIR(info.st_mode):
        return f"{shown(target)} is a directory, and simcomm writes a file of that name"
    if not stat.S_ISREG(info.st_mode):
        return (f"{shown(target)} is not a regular file (a link or a device), and simcomm writes a file "
                "of that name")
    if name not in known:
        return (f"{shown(target)} was not written by simcomm (its {MANIFEST} does not list it), and "
                "simcomm replaces only its own files")
    if not _matches(target, known[name]):
        return f"{shown(target)} was changed since simcomm wrote it, and simcomm replaces only its own files"
    return None


def check_replaceable(out_dir: Path, names: Sequence[str]) -> None:
    """Check, before any work, that the files ``names`` (relative to ``out_dir``) can be written
    there: each is missing, or a file the folder's manifest lists with the same content. Raises
    OutputSetError (one line naming the first file in the way and what to do); returns None."""
    out_dir = absolute_out(out_dir)
    if not out_dir.is_dir():
        return
    known = _records(_manifest_at(out_dir))
    for name in names:
        why = _in_the_way(out_dir, name, known)
        if why is not None:
            raise OutputSetError(f"cannot write output to {shown(out_dir)}: {why}; move it away or "
                                 "choose another folder")


def _stage_files(stage: Path) -> list[str]:
    """Return the paths (relative, '/'-separated, sorted) of the regular files under ``stage``."""
    found = []
    for root, _dirs, names in os.walk(stage):
        for n in names:
            p = Path(root) / n
            if p.is_file() and not p.is_symlink():
                found.append(p.relative_to(stage).as_posix())
    return sorted(found)


def _same_filesystem_dirs(out_dir: Path, names: Sequence[str]) -> None:
    """Create the subfolders the new files go in (none for a flat set), refusing one that is a
    link, not a folder, or on another filesystem than ``out_dir`` (a mount point)."""
    device = os.stat(out_dir).st_dev
    for name in names:
        parent = out_dir
        for part in Path(name).parts[:-1]:
            parent = parent / part
            if not os.path.lexists(parent):
                parent.mkdir()
                continue
            info = os.lstat(parent)
            if not stat.S_ISDIR(info.st_mode):
                raise output_refused(out_dir, f"{shown(parent)} is not a directory, and simcomm writes "
                                              f"{name} in it")
            if info.st_dev != device:
                raise output_refused(out_dir, f"{shown(parent)} is on another filesystem (a mount point); "
                                              "simcomm writes only within the output folder's own")


def _sync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def publish(stage: Path, out_dir: Path, about: Mapping[str, Any] | None = None) -> list[str]:
    """Move the files written in ``stage`` (inside ``out_dir``) into ``out_dir`` as described in
    the module's docstring, manifest last; return their names (relative to ``out_dir``).

    Raises OutputSetError before anything is moved when a file in the way is not simcomm's, and
    OSError when the filesystem fails."""
    names = _stage_files(stage)
    previous = _manifest_at(out_dir)
    known = _records(previous)
    if os.path.lexists(out_dir / MANIFEST) and not os.path.isfile(out_dir / MANIFEST):
        raise OutputSetError(f"cannot write output to {shown(out_dir)}: its {MANIFEST} is not a regular "
                             "file; move it away")
    for name in names:
        why = _in_the_way(out_dir, name, known)
        if why is not None:
            raise OutputSetError(f"cannot write output to {shown(out_dir)}: {why}; move it away or choose "
                                 "another folder (nothing was written)")
    _same_filesystem_dirs(out_dir, names)
    records = {}
    for name in names:
        sync_file(stage / name)
        records[name] = file_record(stage / name)
    old_files = previous.get("files", {}) if previous is not None and previous.get("complete") else {}
    leftovers = [n for n in old_files if n not in records and n != MANIFEST and isinstance(old_files[n], dict)
                 and os.path.isfile(out_dir / n) and not os.path.islink(out_dir / n)
                 and _matches(out_dir / n, [old_files[n]])]
    about_json = to_jsonable(dict(about or {}))

    def manifest(complete: bool) -> str:
        data = {"format": FORMAT, "complete": complete, "simcomm_version": __version__, "files": records,
                **({} if complete else {"replacing": known}), "about": about_json}
        return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"

    marking = stage / (MANIFEST + ".incomplete")
    final = stage / (MANIFEST + ".complete")
    marking.write_text(manifest(False), encoding="utf-8")
    final.write_text(manifest(True), encoding="utf-8")
    sync_file(marking)
    sync_file(final)
    with signals_deferred():
        os.replace(marking, out_dir / MANIFEST)
        for k, name in enumerate(names):
            os.replace(stage / name, out_dir / name)
            if k == 0:
                interrupt_point("mid-publish")  # tests: SIGKILL with the set half replaced
        for name in leftovers:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(out_dir / name)
        os.replace(final, out_dir / MANIFEST)
        _sync_directory(out_dir)
    record_written(out_dir)
    return names


def known_files(manifest: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Return the files (name -> size and SHA-256) a manifest lists as its set ({} for None)."""
    if manifest is None or not isinstance(manifest.get("files"), dict):
        return {}
    return {str(k): v for k, v in manifest["files"].items() if isinstance(v, dict)}


def _new_stage(out_dir: Path) -> Path:
    while True:
        stage = out_dir / f"{STAGE_PREFIX}{os.getpid()}.{secrets.token_hex(4)}"
        try:
            stage.mkdir(mode=0o700)
        except FileExistsError:
            continue
        return stage


def remove_stage(stage: Path) -> None:
    """Remove a staging folder and what is in it, without following links and without entering
    another filesystem mounted inside it (which is left alone); return None."""
    try:
        device = os.lstat(stage).st_dev
    except OSError:
        return
    _remove_tree(stage, device)


def _remove_tree(path: Path, device: int) -> None:
    with contextlib.suppress(OSError), os.scandir(path) as entries:
        for entry in list(entries):
            with contextlib.suppress(OSError):
                if entry.is_dir(follow_symlinks=False):
                    if entry.stat(follow_symlinks=False).st_dev == device:
                        _remove_tree(Path(entry.path), device)
                else:
                    os.unlink(entry.path)
    with contextlib.suppress(OSError):
        os.rmdir(path)


def clean_stale_stages(out_dir: Path) -> list[Path]:
    """Remove the staging folders of killed simcomm processes in ``out_dir``: folders named
    ``.simcomm-stage.PID.HEX`` whose process is gone (on this machine); nothing else. Return the
    paths removed."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(out_dir))
    except OSError:
        return removed
    for entry in entries:
        match = STAGE_NAME.match(entry.name)
        if match is None or pid_alive(int(match.group(1))):
            continue
        with contextlib.suppress(OSError):
            if entry.is_dir(follow_symlinks=False):
                remove_stage(Path(entry.path))
                removed.append(Path(entry.path))
    return removed


@contextlib.contextmanager
def staged_output(out_dir: Path, about: Mapping[str, Any] | None = None) -> Iterator[Path]:
    """Yield an empty staging folder inside ``out_dir`` to write the output set in; when the
    block ends without error its files replace simcomm's own in ``out_dir`` and the manifest
    (with ``about``: what the command ran, its parameters and seeds) is written last.

    ``out_dir`` and missing parents are created. On any exception (KeyboardInterrupt and SIGTERM
    too) the staging folder is removed, folders this call created are removed again, and
    ``out_dir`` is exactly as it was; the exception propagates. Raises OutputError (one line)
    when ``out_dir`` cannot be written or a file in the way is not simcomm's (see the module's
    docstring). Once published, ``out_dir`` is among
    :func:`simcomm.runs.files.written_outputs`.
    """
    out_dir = absolute_out(out_dir)
    created = make_dirs(out_dir)
    try:
        clean_stale_stages(out_dir)
        clean_stale_temps(out_dir)
        stage = _new_stage(out_dir)
    except BaseException as exc:
        remove_empty_dirs(created)
        if isinstance(exc, OSError):
            why = f"cannot create a staging folder in it ({reason_text(exc)})"
            raise output_refused(out_dir, why) from None
        raise
    published = False
    try:
        yield stage
        interrupt_point("before-publish")
        try:
            publish(stage, out_dir, about)
        except OSError as exc:
            why = f"moving the new files into place failed ({reason_text(exc)})"
            raise output_refused(out_dir, why) from None
        published = True
    finally:
        remove_stage(stage)
        if not published:
            remove_empty_dirs(created)
    interrupt_point("after-publish")


def read_output_set(directory: Path | str, verify: bool = True) -> dict[str, Any]:
    """Return the manifest of the whole output set in ``directory`` (format, ``complete``,
    ``simcomm_version``, ``about``, ``files``: name -> size and SHA-256).

    Raises OutputSetError (one line) when the folder has no readable manifest, the manifest says
    the set is incomplete (a replacement is under way or was cut short), or a file it lists is
    missing or, with ``verify``, differs in size or SHA-256 from what simcomm wrote (a file
    replaced since, or in the middle of a replacement). Read a set's files only after this
    returns, and call it again afterwards to be sure they were not replaced meanwhile."""
    directory = Path(directory)
    manifest = _manifest_at(directory)
    if manifest is None:
        raise OutputSetError(f"{shown(directory)} holds no simcomm output set: no readable {MANIFEST}")
    if manifest.get("complete") is not True:
        raise OutputSetError(f"{shown(directory)} holds an incomplete output set: simcomm was replacing it "
                             "and stopped (or is still at it); run the command again")
    for name, record in known_files(manifest).items():
        path = directory / name
        try:
            info = os.lstat(path)
        except OSError:
            raise OutputSetError(f"{shown(directory)}: {name} of the output set is missing") from None
        if not stat.S_ISREG(info.st_mode) or info.st_size != record.get("bytes") or (
                verify and file_record(path)["sha256"] != record.get("sha256")):
            raise OutputSetError(f"{shown(directory)}: {name} differs from the output set simcomm wrote "
                                 "(changed since, or being replaced)")
    return manifest

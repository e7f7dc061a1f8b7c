"""An experiment's results directory: its Parquet parts, its manifest and its lock.

Results go to a directory: ``runs/part-<first>-<last>.parquet`` (one row per run),
``weekly/part-<first>-<last>.parquet`` (when weekly series are kept) and ``manifest.json``.
Each batch of runs is written to temporary files and moved into place with ``os.replace``
(atomic), the weekly part first and the runs part (which records the runs) last; a failure (a
full disk) removes both, and a weekly part left without its runs by a killed process is deleted
on resuming. The manifest is rewritten the same way after each batch, so a killed sweep
loses at most the batch in flight; running the same command again runs only the missing runs.

One sweep at a time writes into a directory: :func:`results_lock` holds ``OUT/.simcomm.lock``
with filelock (an ``flock`` on POSIX, released by the system when the process ends, even when
killed, so a lock left by a killed sweep is no lock), and writes the holder's process id into
it for the message another sweep prints.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from filelock import FileLock, Timeout

from simcomm.core.params import ParameterError
from simcomm.runs.experiment_design import Experiment
from simcomm.runs.files import atomic_write, atomic_write_together

RUN_COLUMNS = ("point", "replicate", "seed")
LOCK_NAME = ".simcomm.lock"


def part_files(directory: Path) -> list[Path]:
    """Return the Parquet parts in ``directory`` (``part-*.parquet``, not hidden), sorted by name."""
    return sorted(p for p in directory.glob("part-*.parquet") if not p.name.startswith("."))


def read_part(path: Path, keys: list[str]) -> pd.DataFrame:
    """Return one Parquet part; ParameterError (one line) when it is unreadable or lacks ``keys``."""
    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        reason = " ".join(str(exc).split())[:120] or type(exc).__name__
        raise ParameterError(f"'{path}' is not a readable Parquet part ({reason}); move it away "
                             "or run the experiment into a new --out") from None
    missing = [k for k in keys if k not in frame.columns]
    if missing:
        raise ParameterError(f"'{path}' is not an experiment part: no column {missing[0]}; move it "
                             "away or run the experiment into a new --out")
    return frame


def read_parts(directory: Path, keys: list[str]) -> pd.DataFrame | None:
    """Return every part of ``directory`` as one table, each ``keys`` once, sorted by ``keys``
    (None when there is no part)."""
    parts = part_files(directory)
    if not parts:
        return None
    frame = pd.concat([read_part(p, keys) for p in parts], ignore_index=True)
    frame = frame.drop_duplicates(keys, keep="last")  # defensive: a rerun batch after a kill
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


def read_runs(out_dir: str | Path) -> pd.DataFrame:
    """Return the runs table of a results directory: one row per finished run, sorted by
    (point, replicate), each run once. Raises ParameterError if there is none."""
    out_dir = Path(out_dir)
    frame = read_parts(out_dir / "runs", ["point", "replicate"])
    if frame is None:
        raise ParameterError(f"'{out_dir}' holds no experiment runs (no runs/part-*.parquet)")
    return frame


def read_weekly(out_dir: str | Path) -> pd.DataFrame | None:
    """Return the weekly table (point, replicate, week, series...) or None when not kept."""
    return read_parts(Path(out_dir) / "weekly", ["point", "replicate", "week"])


MANIFEST_KEYS: dict[str, type] = {"experiment": str, "experiment_sha256": str, "factors": dict,
                                   "metrics": list, "runs_total": int, "runs_done": int,
                                   "sessions": list}


def read_manifest(out_dir: str | Path) -> dict[str, Any]:
    """Return the manifest of a results directory; ParameterError (one line) if it is missing,
    unreadable, not JSON, or lacks a field an experiment manifest has (e.g. ``{}``)."""
    path = Path(out_dir) / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParameterError(f"'{out_dir}' is not an experiment results directory "
                             "(no manifest.json)") from None
    except OSError as exc:
        raise ParameterError(f"'{path}' cannot be read: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ParameterError(f"'{path}' is not valid JSON: {exc}") from None
    if not isinstance(manifest, dict):
        raise ParameterError(f"'{path}' is damaged: expected a JSON object, not {type(manifest).__name__}")
    for key, kind in MANIFEST_KEYS.items():
        if not isinstance(manifest.get(key), kind):
            what = "missing" if key not in manifest else f"{manifest[key]!r} is not a {kind.__name__}"
            raise ParameterError(f"'{path}' is damaged: field '{key}' {what}; it was not written by "
                                 "'simcomm experiment run' (or was edited)")
    return manifest


def utc_now() -> str:
    """Return the time now in UTC, ISO 8601 to the second."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def factor_frame(exp: Experiment, rows: pd.DataFrame) -> pd.DataFrame:
    """Return ``rows`` (runs) with a column per factor of ``exp`` (its value at the run's point)
    before the metrics."""
    design = exp.design()
    for name in exp.factors:
        rows.insert(len(rows.columns) - len(exp.metrics), name,
                    [design[p][name] for p in rows["point"]])
    return rows


class ResultsWriter:
    """Buffers finished runs and writes them in atomic batches, updating the manifest."""

    def __init__(self, exp: Experiment, out_dir: Path, manifest: dict[str, Any], batch: int,
                 done: int) -> None:
        self.exp, self.out_dir, self.manifest, self.batch = exp, out_dir, manifest, batch
        self.buffer: list[dict[str, Any]] = []
        self.done = done

    def add(self, row: dict[str, Any]) -> None:
        """Buffer one finished run's row (:func:`simcomm.runs.experiments.run_job`); write the
        batch when it is full. Return None."""
        self.buffer.append(row)
        if len(self.buffer) >= self.batch:
            self.flush()

    def flush(self) -> None:
        """Write the buffered runs as one batch of parts and rewrite the manifest; return None."""
        if not self.buffer:
            return
        rows = sorted(self.buffer, key=lambda r: (r["point"], r["replicate"]))
        idx = [r["point"] * self.exp.replicates + r["replicate"] for r in rows]
        weekly = [r.get("_weekly") for r in rows if "_weekly" in r]
        table = pd.DataFrame(rows, columns=[*RUN_COLUMNS, *self.exp.metrics])
        table = table.astype({"point": "int64", "replicate": "int64", "seed": "int64",
                              **{m: "float64" for m in self.exp.metrics}})
        table = factor_frame(self.exp, table)
        rdir, wdir = self.out_dir / "runs", self.out_dir / "weekly"
        files = []
        if weekly:
            wdir.mkdir(exist_ok=True)
            frame = pd.concat(weekly, ignore_index=True)
            files.append((wdir, lambda t: frame.to_parquet(t, index=False)))
        files.append((rdir, lambda t: table.to_parquet(t, index=False)))
        # The batch's parts share a name; the runs part goes into place last (it records the runs)
        # and a failure (a full disk) removes the weekly part again: no weekly rows of unrecorded runs.
        stem = self._free([d for d, _ in files], f"part-{min(idx):07d}-{max(idx):07d}")
        atomic_write_together([(d / f"{stem}.parquet", write) for d, write in files])
        for r in rows:
            r.pop("_weekly", None)
        self.done += len(rows)
        self.buffer = []
        self.manifest["runs_done"] = self.done
        self.manifest["sessions"][-1]["runs"] += len(rows)
        self.manifest["sessions"][-1]["end"] = utc_now()
        self.manifest["complete"] = self.done >= self.exp.n_runs
        write_manifest(self.out_dir, self.manifest)

    @staticmethod
    def _free(directories: Sequence[Path], stem: str) -> str:
        """Return ``stem`` or ``stem.K``: a part name free in every one of ``directories``."""
        name, k = stem, 1
        while any((d / f"{name}.parquet").exists() for d in directories):
            name, k = f"{stem}.{k}", k + 1
        return name


def write_manifest(out_dir: Path, manifest: dict[str, Any]) -> None:
    """Rewrite ``out_dir/manifest.json`` atomically."""
    from simcomm.runs.files import to_jsonable

    text = json.dumps(to_jsonable(manifest), indent=2, ensure_ascii=False) + "\n"
    atomic_write(out_dir / "manifest.json", lambda t: t.write_text(text, encoding="utf-8"))


def remove_unrecorded_weekly(out_dir: Path, done: set[tuple[int, int]]) -> None:
    """Delete weekly parts holding runs that no runs part records (left by a process killed
    between the two renames of a batch); they run again. A weekly part with a runs part of the
    same name is a recorded batch, and only the others are read to check."""
    recorded = {p.name for p in part_files(out_dir / "runs")}
    for part in part_files(out_dir / "weekly"):
        if part.name in recorded:
            continue
        keys = read_part(part, ["point", "replicate"])[["point", "replicate"]]
        if not set(zip(keys["point"].tolist(), keys["replicate"].tolist(), strict=True)) <= done:
            part.unlink()


@contextlib.contextmanager
def results_lock(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``out_dir`` (creating it) for one sweep; ParameterError (one
    line) when another sweep holds it. The lock is the file OUT/.simcomm.lock, locked with
    filelock (released by the system when the process ends, even when killed); it holds the
    holder's process id. When the sweep fails before writing a manifest into a folder it
    created, the folder is removed again."""
    created = not out_dir.exists()
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / LOCK_NAME
    lock = FileLock(path, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        try:
            holder = path.read_text(encoding="utf-8").strip()
        except OSError:
            holder = ""
        raise ParameterError(f"'{out_dir}' is in use by another 'simcomm experiment run' "
                             f"({holder or 'another process'}); wait for it or use another --out") from None
    try:
        path.write_text(f"pid {os.getpid()}\n", encoding="utf-8")
        try:
            yield
        except BaseException:
            if created and not (out_dir / "manifest.json").exists():
                path.unlink(missing_ok=True)
                with contextlib.suppress(OSError):
                    (out_dir / "runs").rmdir()
                    out_dir.rmdir()
            raise
    finally:
        lock.release()

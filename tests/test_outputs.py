"""simcomm.report.outputs: staged, atomic writing of runs and comparisons; files read back."""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import pandas as pd
import pytest
from conftest import runs

import simcomm
from simcomm.analysis import statistics as analysis
from simcomm.report.outputs import write_compare, write_run
from simcomm.runs import files
from simcomm.runs.files import OutputError, check_writable
from simcomm.runs.output_set import MANIFEST, read_output_set, staged_output

WEEKS = 60
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def results() -> dict[str, list[simcomm.Result]]:
    return {"organic": runs("organic", range(3), weeks=WEEKS, partners=400),
            "vendor-imposed": runs("vendor-imposed", range(3), weeks=WEEKS, partners=400)}


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``root``: its content and modification time (ns)."""
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


def strict_json(path: Path) -> object:
    def no_constant(name: str) -> object:
        raise ValueError(f"{path.name} contains {name}")

    return json.loads(path.read_text(encoding="utf-8"), parse_constant=no_constant)


def assert_png(path: Path, min_bytes: int = 10_000) -> None:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC, path
    assert len(data) > min_bytes, path
    width, height = struct.unpack(">II", data[16:24])  # IHDR: 9 x 5 inches at 150 dpi
    assert (width, height) == (1350, 750), path


def assert_parquet_equals_csv(parquet: Path, csv: Path) -> pd.DataFrame:
    pq = pd.read_parquet(parquet)
    cs = pd.read_csv(csv)
    assert list(pq.columns) == list(cs.columns)
    assert len(pq) == len(cs) > 0
    for column in pq.columns:
        a, b = pq[column], cs[column]
        if pd.api.types.is_numeric_dtype(a) or pd.api.types.is_bool_dtype(a):
            left = a.astype("Float64") if not pd.api.types.is_bool_dtype(a) else a.astype("boolean")
            right = b.astype("Float64") if not pd.api.types.is_bool_dtype(a) else b.astype("boolean")
            pd.testing.assert_series_equal(left, right, check_names=False, rtol=1e-12)
        else:
            pd.testing.assert_series_equal(a.astype(object).where(a.notna(), None),
                                           b.astype(object).where(b.notna(), None), check_names=False)
    return pq


def test_write_run_files_read_back(tmp_path: Path) -> None:
    result = results()["vendor-imposed"][0]
    out = tmp_path / "a" / "run"  # parents are created
    written = write_run(result, out)
    names = {p.name for p in written}
    assert names == {"timeseries.parquet", "timeseries.csv", "members.parquet", "members.csv",
                     "summary.json", "members.png", "activity.png", "retention.png"}
    assert all(p.parent == out.absolute() and p.is_file() for p in written)
    assert sorted(p.name for p in out.iterdir()) == sorted([*names, MANIFEST])
    assert set(read_output_set(out)["files"]) == names  # the manifest names the whole set
    assert list(tmp_path.iterdir()) == [tmp_path / "a"] and list((tmp_path / "a").iterdir()) == [out]

    ts = assert_parquet_equals_csv(out / "timeseries.parquet", out / "timeseries.csv")
    pd.testing.assert_frame_equal(ts, result.timeseries, check_dtype=False)
    members = assert_parquet_equals_csv(out / "members.parquet", out / "members.csv")
    pd.testing.assert_frame_equal(members, result.members)  # Parquet keeps the nullable dtypes

    doc = strict_json(out / "summary.json")
    assert doc["summary"] == result.summary
    assert doc["metadata"]["params"] == result.metadata["params"]
    assert doc["metadata"]["seed"] == result.seed and doc["seed"] == result.seed
    assert doc["metadata"]["simcomm_version"] == simcomm.__version__
    assert doc["events"] == result.events.to_dict(orient="records")
    for name in ("members.png", "activity.png", "retention.png"):
        assert_png(out / name)


def test_write_compare_files_read_back(tmp_path: Path) -> None:
    res = results()
    table = analysis.headline_table(res)
    out = tmp_path / "compare"
    written = write_compare(res, table, out)
    assert {p.name for p in written} == {"runs.csv", "runs.parquet", "headline.csv", "compare.json",
                                         "active_members.png", "activity.png", "survival.png"}
    frame = assert_parquet_equals_csv(out / "runs.parquet", out / "runs.csv")
    pd.testing.assert_frame_equal(frame, analysis.summary_frame(res))
    headline = pd.read_csv(out / "headline.csv")
    assert len(headline) == len(table) and list(headline.columns) == list(table.columns)
    pd.testing.assert_series_equal(headline["mean"], table["mean"], check_names=False)

    doc = strict_json(out / "compare.json")
    assert doc["labels"] == ["organic", "vendor-imposed"] and doc["baseline"] == "organic"
    assert doc["seeds"] == {"organic": [0, 1, 2], "vendor-imposed": [0, 1, 2]}
    assert doc["weeks"] == {"organic": WEEKS, "vendor-imposed": WEEKS}
    assert doc["parameters"]["vendor-imposed"] == res["vendor-imposed"][0].metadata["params"]
    assert doc["parameters"]["organic"]["governance"] == "organic"
    assert doc["simcomm_version"] == simcomm.__version__
    assert len(doc["headline"]) == len(table)
    roi = next(r for r in doc["headline"] if r["label"] == "organic" and r["metric"] == "roi")
    assert roi["mean"] is None  # NaN is written as null
    assert 0.0 <= doc["logrank"]["p_value"] <= 1.0
    for name in ("active_members.png", "activity.png", "survival.png"):
        assert_png(out / name)


def test_staged_output_replaces_files_and_keeps_unrelated_ones(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with staged_output(out) as stage:  # an earlier output set of simcomm's
        (stage / "data.csv").write_text("old")
    before = snapshot(out)
    with staged_output(out) as stage:
        assert stage.is_dir() and stage.parent == out and not any(stage.iterdir())
        (stage / "data.csv").write_text("new")
        (stage / "sub").mkdir()
        (stage / "sub" / "more.txt").write_text("x")
        assert (out / "data.csv").read_text() == "old"  # nothing moves before the block ends
    assert (out / "keep.txt").read_text() == "mine"
    assert (out / "keep.txt").stat().st_mtime_ns == before["keep.txt"][1]
    assert (out / "data.csv").read_text() == "new"
    assert (out / "sub" / "more.txt").read_text() == "x"
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "data.csv", "keep.txt", "sub"]  # no staging
    assert sorted(read_output_set(out)["files"]) == ["data.csv", "sub/more.txt"]


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_an_error_inside_staged_output_leaves_out_dir_unchanged(tmp_path: Path,
                                                                 error: type[BaseException]) -> None:
    out = tmp_path / "out"
    write_run(results()["organic"][0], out)
    (out / "notes.txt").write_text("mine")
    before = snapshot(out)
    with pytest.raises(error), staged_output(out) as stage:
        (stage / "summary.json").write_text("{}")
        (stage / "timeseries.csv").write_text("broken")
        raise error("stop")
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_failing_writer_leaves_out_dir_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    result = results()["organic"][0]
    write_run(result, out)
    before = snapshot(out)

    def broken(*args: object, **kwargs: object) -> list[Path]:
        raise RuntimeError("plotting failed")

    monkeypatch.setattr("simcomm.report.plots.plot_run", broken)
    with pytest.raises(RuntimeError, match="plotting failed"):
        write_run(result, out)
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_new_out_dir_is_not_left_behind_after_an_error(tmp_path: Path) -> None:
    out = tmp_path / "new" / "deeper"
    with pytest.raises(ValueError), staged_output(out) as stage:
        (stage / "x.txt").write_text("x")
        raise ValueError("stop")
    assert list(tmp_path.iterdir()) == []


def test_unwritable_out_dir_raises_a_one_line_output_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("a regular file")
    for out in (blocker / "out", blocker):
        with pytest.raises(OutputError) as info:
            check_writable(out)
        message = str(info.value)
        assert "\n" not in message
        assert str(out) in message and "not a directory" in message
        assert isinstance(info.value, simcomm.ParameterError)
        with pytest.raises(OutputError), staged_output(out):
            pytest.fail("the block must not run")
        with pytest.raises(OutputError, match="not a directory"):
            write_run(results()["organic"][0], out)
    assert blocker.read_text() == "a regular file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to a read-only directory")
def test_read_only_out_dir_raises_output_error(tmp_path: Path) -> None:  # pragma: no cover
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="not writable"):
            check_writable(out)
    finally:
        out.chmod(0o700)


def test_check_writable_leaves_nothing_behind(tmp_path: Path) -> None:
    # Changed by issue 16: check_writable tries to create the directory and removes it again,
    # so a command that fails or is interrupted later leaves nothing in or above --out.
    out = tmp_path / "x" / "y"
    check_writable(out)
    assert list(tmp_path.iterdir()) == []


def test_json_has_no_nan() -> None:
    doc = files.to_jsonable({"a": float("nan"), "b": [float("inf"), pd.NA, 1], "c": {1: None}})
    assert doc == {"a": None, "b": [None, None, 1], "c": {"1": None}}
    json.dumps(doc, allow_nan=False)

"""Issue 26: simcomm writes and replaces only the files it owns in --out, never deletes what it did
not write, never crosses a mount point, and a reader can tell a whole output set from a
half-replaced one (simcomm.runs.output_set)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from forked_process import run_forked

from simcomm.runs.files import OutputError
from simcomm.runs.output_set import MANIFEST, OutputSetError, read_output_set, staged_output
from simcomm.ui.cli import main

TINY = ["--weeks", "4", "--set", "partners=150"]
RUN_FILES = {"timeseries.parquet", "timeseries.csv", "members.parquet", "members.csv", "summary.json",
             "members.png", "activity.png", "retention.png"}
ROOT = os.geteuid() == 0


def invoke(*args: str) -> tuple[int, str, str]:
    out = CliRunner().invoke(main, list(args))
    return out.exit_code, out.stdout, out.stderr


def run_into(out: Path | str, seed: int = 0) -> tuple[int, str]:
    code, _, err = invoke("run", "organic", *TINY, "--seed", str(seed), "--out", str(out))
    return code, err


def one_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@contextlib.contextmanager
def mounted(target: Path, *options: str) -> Iterator[None]:
    """Mount (``mount OPTIONS target``) for the block, as root; skip the test when that fails."""
    if not ROOT:
        pytest.skip("mounting a filesystem needs root (CAP_SYS_ADMIN)")
    done = subprocess.run(["mount", *options, str(target)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here: {done.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(target)], capture_output=True)


def mount_points() -> set[str]:
    with open("/proc/self/mountinfo", encoding="utf-8") as fh:
        return {line.split()[4] for line in fh}


# ---- the folder's identity, its other files and subfolders -------------------------------------
def test_out_dot_from_a_shell_inside_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--out .` used to leave the shell in a deleted directory (the folder was swapped)."""
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(out)
    for seed in (0, 1):
        code, err = run_into(".", seed)
        assert code == 0, err
    assert os.stat(".").st_ino == out.stat().st_ino  # the shell is still in the folder
    assert set(os.listdir(".")) >= RUN_FILES
    assert json.loads(Path("summary.json").read_text())["seed"] == 1


def test_a_bind_mounted_out(tmp_path: Path) -> None:
    """A bind-mounted --out could never be written ("Device or resource busy" on the swap)."""
    source, out = tmp_path / "source", tmp_path / "out"
    source.mkdir()
    out.mkdir()
    with mounted(out, "--bind", str(source)):
        for seed in (0, 1):
            code, err = run_into(out, seed)
            assert code == 0, err
        assert str(out) in mount_points()  # still the mount, written through it
        assert {p.name for p in source.iterdir()} >= RUN_FILES  # written through the mount
    read_output_set(source)


def test_a_filesystem_mounted_inside_out_is_untouched(tmp_path: Path) -> None:
    """A tmpfs at OUT/sub used to be emptied when the old folder was deleted."""
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    with mounted(out / "sub", "-t", "tmpfs", "-o", "size=1m", "tmpfs"):
        (out / "sub" / "precious.txt").write_text("on the tmpfs")
        for seed in (0, 1):
            code, err = run_into(out, seed)
            assert code == 0, err
            assert str(out / "sub") in mount_points()
            assert (out / "sub" / "precious.txt").read_text() == "on the tmpfs"


def test_an_output_set_never_writes_across_a_mount_point(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    with mounted(out / "sub", "-t", "tmpfs", "-o", "size=1m", "tmpfs"):
        with pytest.raises(OutputError, match="another filesystem"), staged_output(out) as stage:
            (stage / "sub").mkdir()
            (stage / "sub" / "x.csv").write_text("x")
        assert list((out / "sub").iterdir()) == []
        assert sorted(p.name for p in out.iterdir()) == ["sub"]


@pytest.mark.skipif(not ROOT, reason="giving a folder to another user needs root")
def test_a_subfolder_owned_by_another_user_keeps_its_owner(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "theirs").mkdir(parents=True)
    (out / "theirs" / "data.txt").write_text("theirs")
    os.chown(out / "theirs", 12345, 12345)
    os.chown(out / "theirs" / "data.txt", 12345, 12345)
    os.chown(out, 23456, 23456)
    out.chmod(0o775)
    for seed in (0, 1):
        code, err = run_into(out, seed)
        assert code == 0, err
    assert (out / "theirs").stat().st_uid == 12345 and (out / "theirs" / "data.txt").stat().st_uid == 12345
    assert out.stat().st_uid == 23456 and (out.stat().st_mode & 0o777) == 0o775  # the folder's own too


def test_files_another_program_creates_meanwhile_survive(tmp_path: Path) -> None:
    """Another program creating files in --out while simcomm writes its set loses none (the
    swap lost 18 of 1,504 in one trial)."""
    out = tmp_path / "out"
    code, err = run_into(out)
    assert code == 0, err
    created: list[Path] = []
    stop = threading.Event()

    def other_program() -> None:
        while not stop.is_set():
            path = out / f"other-{len(created):06d}.txt"
            path.write_text("the other program's")
            created.append(path)

    writer = threading.Thread(target=other_program)
    writer.start()
    try:
        for seed in (1, 2, 3):
            code, err = run_into(out, seed)
            assert code == 0, err
    finally:
        stop.set()
        writer.join()
    assert len(created) > 100
    missing = [p.name for p in created if not p.exists()]
    assert missing == []


# ---- what simcomm may replace or remove ---------------------------------------------------------
def test_a_file_simcomm_did_not_write_is_never_replaced(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text("the user's own notes")
    code, err = run_into(out)
    line = one_line(err)
    assert code == 2 and line.startswith("Error: --out:")
    assert "summary.json was not written by simcomm" in line
    assert sorted(p.name for p in out.iterdir()) == ["summary.json"]  # refused before simulating
    assert (out / "summary.json").read_text() == "the user's own notes"


def test_a_file_of_simcomms_edited_since_is_not_replaced(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, err = run_into(out)
    assert code == 0, err
    with (out / "timeseries.csv").open("a") as fh:
        fh.write("my own row\n")
    edited = (out / "timeseries.csv").read_bytes()
    code, err = run_into(out, 1)
    assert code == 2 and "timeseries.csv was changed since simcomm wrote it" in one_line(err)
    assert (out / "timeseries.csv").read_bytes() == edited


def test_files_of_the_previous_set_not_in_the_new_one(tmp_path: Path) -> None:
    """Removed when the previous manifest lists them unchanged; an edited one is left alone."""
    out = tmp_path / "out"
    with staged_output(out) as stage:
        for name in ("kept.csv", "dropped.csv", "edited.csv"):
            (stage / name).write_text(f"old {name}")
    (out / "edited.csv").write_text("edited by the user")
    with staged_output(out) as stage:
        (stage / "kept.csv").write_text("new kept.csv")
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "edited.csv", "kept.csv"]
    assert (out / "edited.csv").read_text() == "edited by the user"
    assert sorted(read_output_set(out)["files"]) == ["kept.csv"]


def test_the_manifest_records_the_set_its_parameters_seed_and_version(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, err = run_into(out, 3)
    assert code == 0, err
    manifest = read_output_set(out)
    assert manifest["complete"] is True and set(manifest["files"]) == RUN_FILES
    assert manifest["simcomm_version"] and manifest["about"]["seed"] == 3
    assert manifest["about"]["params"]["partners"] == 150 and manifest["about"]["command"] == "run"
    assert all(r["bytes"] == (out / n).stat().st_size for n, r in manifest["files"].items())


# ---- a half-replaced set is never read as whole -------------------------------------------------
def test_a_replacement_cut_short_is_detected_and_then_replaced(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    with staged_output(out) as stage:
        (stage / "a.csv").write_text("old a")
        (stage / "b.csv").write_text("old b")
    import simcomm.runs.output_set as output_set

    real = os.replace
    moved: list[str] = []

    def power_cut(src: object, dst: object) -> None:  # the process dies after the first file
        if Path(str(dst)).name in ("a.csv", "b.csv"):
            if moved:
                raise SystemExit("killed")
            moved.append(Path(str(dst)).name)
        real(src, dst)

    monkeypatch.setattr(output_set.os, "replace", power_cut)
    with pytest.raises(SystemExit), staged_output(out) as stage:
        (stage / "a.csv").write_text("new a")
        (stage / "b.csv").write_text("new b")
    monkeypatch.setattr(output_set.os, "replace", real)
    assert (out / "a.csv").read_text() == "new a" and (out / "b.csv").read_text() == "old b"
    with pytest.raises(OutputSetError, match="incomplete output set"):
        read_output_set(out)
    with staged_output(out) as stage:  # the next run replaces the half set: both are simcomm's
        (stage / "a.csv").write_text("newer a")
        (stage / "b.csv").write_text("newer b")
    assert read_output_set(out)["complete"] is True
    assert (out / "b.csv").read_text() == "newer b"


def test_a_process_killed_mid_replacement_leaves_a_set_marked_incomplete(tmp_path: Path) -> None:
    """SIGKILL between two renames (the only interruption that cannot be held): the manifest
    says the set is incomplete, a reader refuses it, and the next run replaces it whole."""
    out = tmp_path / "out"
    code, err = run_into(out)
    assert code == 0, err
    env = {**os.environ, "SIMCOMM_TEST_INTERRUPT": "mid-publish:KILL"}
    program = "import sys\nfrom simcomm.ui.entry import main\nsys.argv[0] = 'simcomm'\nmain()\n"
    done = run_forked(program, "run", "organic", *TINY, "--seed", "1", "--out", str(out), env=env)
    assert done.returncode == -9, done.stderr
    with pytest.raises(OutputSetError, match="incomplete output set"):
        read_output_set(out)
    assert any(p.name.startswith(".simcomm-stage.") for p in out.iterdir())  # the killed one's
    code, err = run_into(out, 2)
    assert code == 0, err
    assert read_output_set(out)["about"]["seed"] == 2
    assert not any(p.name.startswith(".simcomm-") and p.name != MANIFEST for p in out.iterdir())


def test_a_reader_sees_a_file_replaced_under_it(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with staged_output(out) as stage:
        (stage / "a.csv").write_text("a, as simcomm wrote it")
    read_output_set(out)
    (out / "a.csv").write_text("a, as simcomm wrote IT")  # same size, other content
    with pytest.raises(OutputSetError, match=r"a\.csv differs"):
        read_output_set(out)
    (out / MANIFEST).unlink()
    with pytest.raises(OutputSetError, match="no readable"):
        read_output_set(out)


def test_a_story_without_compare_leaves_an_edited_compare_gif_alone(tmp_path: Path) -> None:
    """The file a previous story wrote and this one does not (network-compare.gif) is not in the
    way: removed when unchanged, kept when edited, and the command is not refused for it."""
    story = ["story", "organic", *TINY, "--frames", "2", "--causes", "0", "--out"]
    for folder, edited in (("a", False), ("b", True)):
        out = tmp_path / folder
        assert invoke(*story, str(out))[0] == 0
        if edited:
            (out / "network-compare.gif").write_bytes(b"my own gif")
        code, _, err = invoke(*story, str(out), "--compare", "none")
        assert code == 0, err
        assert (out / "network-compare.gif").exists() == edited
        assert "network-compare.gif" not in read_output_set(out)["files"]

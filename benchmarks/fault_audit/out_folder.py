"""Category out-folder (KEPT): --out keeps everything simcomm did not write (issue 26).

Each case writes with the installed program into a folder holding things that are not simcomm's,
and judges that they are as they were, the folder itself too (its inode, owner and mode), and that
simcomm's own set in it is whole (its manifest complete, every file as listed)."""


import os
import stat
import subprocess
import threading
import time
from pathlib import Path

from fault_audit.checks import MANIFEST, PROGRAM_HOOK, Check, Verdict, one_line_problems, whole_set
from fault_audit.common import TINY, snapshot, tmpfs
from fault_audit.state import Audit

RUN = ["run", "organic", *TINY, "-q"]


def _run_twice(audit: Audit, cwd: Path, out: str, verdict: Verdict) -> None:
    for seed in ("1", "2"):
        verdict.args = [*RUN, "--seed", seed, "--out", out]
        verdict.ran = audit.run(verdict.args, cwd)
        if verdict.ran.code != 0:
            verdict.problems.append(f"exit status {verdict.ran.code}: {verdict.ran.stderr.strip()[-300:]}")
            return


def _whole(folder: Path, verdict: Verdict) -> None:
    manifest, why = whole_set(folder)
    if manifest is None:
        verdict.problems.append(f"not a whole output set: {why}")


def out_dot(audit: Audit, where: Path) -> Verdict:
    """``--out .`` from a shell inside the folder: the shell stays in a live folder."""
    out = where / "out"
    out.mkdir()
    shell = subprocess.Popen(["sleep", "600"], cwd=out)  # a shell sitting in the folder
    verdict = Verdict()
    try:
        inode = out.stat().st_ino
        _run_twice(audit, out, ".", verdict)
        cwd = os.readlink(f"/proc/{shell.pid}/cwd")
        if cwd != str(out) or out.stat().st_ino != inode:
            verdict.problems.append(f"the shell's folder is now {cwd!r} (the folder was replaced)")
    finally:
        shell.kill()
        shell.wait()
    _whole(out, verdict)
    return verdict


def bind_mounted(audit: Audit, where: Path) -> Verdict:
    """A bind-mounted --out (it could not be written: "Device or resource busy")."""
    source, out = where / "source", where / "out"
    source.mkdir()
    out.mkdir()
    subprocess.run(["mount", "--bind", str(source), str(out)], check=True, capture_output=True)
    verdict = Verdict()
    try:
        _run_twice(audit, where, "out", verdict)
    finally:
        subprocess.run(["umount", "-l", str(out)], capture_output=True)
    _whole(source, verdict)
    return verdict


def mount_inside(audit: Audit, where: Path) -> Verdict:
    """A tmpfs mounted at OUT/sub, with a file on it (it was emptied)."""
    out = where / "out"
    verdict = Verdict()
    with tmpfs(out / "sub", 1 << 20):
        (out / "sub" / "precious.txt").write_text("on the tmpfs")
        _run_twice(audit, where, "out", verdict)
        if not os.path.ismount(out / "sub"):
            verdict.problems.append("OUT/sub is no longer the mount point")
        elif not (out / "sub" / "precious.txt").exists():
            verdict.problems.append("the file on the tmpfs is gone")
    _whole(out, verdict)
    return verdict


def foreign_owner(audit: Audit, where: Path) -> Verdict:
    """A subfolder owned by another user keeps its owner; the folder keeps its own and its mode."""
    out = where / "out"
    (out / "theirs").mkdir(parents=True)
    os.chown(out / "theirs", 12345, 12345)
    os.chown(out, 23456, 23456)
    out.chmod(0o751)
    verdict = Verdict()
    _run_twice(audit, where, "out", verdict)
    if (out / "theirs").stat().st_uid != 12345:
        verdict.problems.append(f"OUT/theirs is now owned by {(out / 'theirs').stat().st_uid}")
    info = out.stat()
    if info.st_uid != 23456 or stat.S_IMODE(info.st_mode) != 0o751:
        verdict.problems.append(f"OUT is now owned by {info.st_uid}, mode {stat.S_IMODE(info.st_mode):o}")
    return verdict


def other_program(audit: Audit, where: Path) -> Verdict:
    """Another program creates files in --out while simcomm writes: none is lost (18 of 1,504
    were, in one trial)."""
    out = where / "out"
    verdict = Verdict()
    _run_twice(audit, where, "out", verdict)
    created: list[Path] = []
    stop = threading.Event()

    def write_files() -> None:
        while not stop.is_set():
            path = out / f"other-{len(created):06d}.txt"
            path.write_text("the other program's")
            created.append(path)
            time.sleep(0.0005)

    writer = threading.Thread(target=write_files)
    writer.start()
    try:
        _run_twice(audit, where, "out", verdict)
    finally:
        stop.set()
        writer.join()
    lost = [p.name for p in created if not p.exists()]
    verdict.notes.append(f"{len(created)} files created meanwhile")
    if lost:
        verdict.problems.append(f"{len(lost)} of {len(created)} lost, e.g. {lost[0]}")
    _whole(out, verdict)
    return verdict


def foreign_file(audit: Audit, where: Path) -> Verdict:
    """A file of the user's at a name simcomm writes: refused (one line, exit 2), kept."""
    out = where / "out"
    out.mkdir()
    (out / "summary.json").write_text("the user's own notes")
    before = snapshot(where)
    verdict = Verdict(args=[*RUN, "--out", "out"])
    verdict.ran = audit.run(verdict.args, where)
    verdict.problems += one_line_problems(verdict.ran, 2, "--out", "not written by simcomm")
    if snapshot(where) != before:
        verdict.problems.append("the folder changed")
    return verdict


def edited_file(audit: Audit, where: Path) -> Verdict:
    """A file simcomm wrote and the user edited since: refused, kept."""
    verdict = Verdict()
    _run_twice(audit, where, "out", verdict)
    with (where / "out" / "timeseries.csv").open("a") as fh:
        fh.write("the user's row\n")
    before = snapshot(where)
    verdict.args = [*RUN, "--seed", "3", "--out", "out"]
    verdict.ran = audit.run(verdict.args, where)
    verdict.problems += one_line_problems(verdict.ran, 2, "changed since simcomm wrote it")
    if snapshot(where) != before:
        verdict.problems.append("the folder changed")
    return verdict


def leftover_of_previous(audit: Audit, where: Path) -> Verdict:
    """A story with --compare, then one without: the previous set's network-compare.gif goes
    (listed, unchanged); with it edited, it stays."""
    verdict = Verdict()
    story = ["story", "organic", *TINY, "--frames", "2", "--causes", "0", "--out"]
    for folder, edit in (("a", False), ("b", True)):
        first = audit.run([*story, folder], where)
        if edit:
            (where / folder / "network-compare.gif").write_bytes(b"the user's gif")
        verdict.args = [*story, folder, "--compare", "none"]
        verdict.ran = audit.run(verdict.args, where)
        if first.code != 0 or verdict.ran.code != 0:
            verdict.problems.append(f"exit status {first.code}, {verdict.ran.code}")
            continue
        there = (where / folder / "network-compare.gif").exists()
        if there != edit:
            verdict.problems.append("the previous set's file " + ("was removed though edited" if edit
                                                                  else "was left though listed unchanged"))
        _whole(where / folder, verdict)
    return verdict


def killed_mid_replacement(audit: Audit, where: Path) -> Verdict:
    """SIGKILL with the set half replaced (the test hook's point): a reader sees it incomplete;
    the next run replaces it whole and removes the killed run's staging folder."""
    verdict = Verdict()
    _run_twice(audit, where, "out", verdict)
    verdict.args = [*RUN, "--seed", "5", "--out", "out"]
    killed = audit.run(verdict.args, where, env={PROGRAM_HOOK: "mid-publish:KILL"})
    if killed.code != -9:
        verdict.problems.append(f"the hook did not kill it (exit status {killed.code})")
    manifest, why = whole_set(where / "out")
    if manifest is not None:
        verdict.problems.append("a half-replaced set reads as whole")
    verdict.notes.append(f"after the kill: {why}")
    verdict.ran = audit.run([*RUN, "--seed", "6", "--out", "out"], where)
    _whole(where / "out", verdict)
    stale = [p.name for p in (where / "out").iterdir()
             if p.name.startswith(".simcomm-") and p.name != MANIFEST]
    if stale:
        verdict.problems.append(f"left {stale[0]}")
    return verdict


def stale_staging(audit: Audit, where: Path) -> Verdict:
    """Staging folders and temporary files of a killed process are removed by the next write,
    and only those: look-alike names are kept."""
    out = where / "out"
    out.mkdir()
    dead = subprocess.Popen(["true"])
    dead.wait()
    ours = [out / f".simcomm-stage.{dead.pid}.0123abcd", out / f".simcomm-tmp.{dead.pid}.89abcdef"]
    ours[0].mkdir()
    (ours[0] / "half.csv").write_text("half")
    ours[1].write_text("half")
    alike = [out / f".simcomm-stage.{dead.pid}.notours", out / f"simcomm-stage.{dead.pid}.0123abcd",
             out / f".out.{dead.pid}.abc.staging"]
    for p in alike:
        p.mkdir()
    verdict = Verdict(args=[*RUN, "--out", "out"])
    verdict.ran = audit.run(verdict.args, where)
    for p in ours:
        if p.exists():
            verdict.problems.append(f"{p.name} left")
    for p in alike:
        if not p.exists():
            verdict.problems.append(f"{p.name} removed, though not simcomm's name")
    return verdict


def out_folder_cases(quick: bool, mount: bool) -> list[Check]:
    """The out-folder checks (those that mount or change owners only as root)."""
    cases = [Check("out-folder", "--out . from a shell inside the folder", out_dot, quick=True),
             Check("out-folder", "another program writes in --out meanwhile", other_program, quick=True),
             Check("out-folder", "a file of the user's at an output name", foreign_file),
             Check("out-folder", "a file of simcomm's edited since", edited_file),
             Check("out-folder", "the previous set's file the new one lacks", leftover_of_previous),
             Check("out-folder", "killed with the set half replaced", killed_mid_replacement, quick=True),
             Check("out-folder", "stale staging of a killed run, and look-alikes", stale_staging),
             Check("out-folder", "a bind-mounted --out", bind_mounted, needs_mount=True),
             Check("out-folder", "a tmpfs mounted inside --out", mount_inside, quick=True, needs_mount=True),
             Check("out-folder", "a subfolder of another user's", foreign_owner, needs_mount=True)]
    cases = [c for c in cases if mount or not c.needs_mount]
    return [c for c in cases if c.quick] if quick else cases

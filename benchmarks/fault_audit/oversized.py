"""Category oversized (REFUSED): work too long or too large for the machine is refused before it
starts, with its estimate, one line, exit status 2 (issue 26).

Time: the estimate (runs x weeks x partners at a measured cost, simcomm/runs/workload.py) above 30
minutes is refused unless --allow-long is given; each case must answer within a minute (so it did
not start the work). Memory: an address-space limit (``ulimit -v``) and a container's memory
limit (a memory cgroup, made inside the audit's own, as root) are respected."""


import contextlib
import os
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

from fault_audit.checks import Check, Verdict, one_line_problems
from fault_audit.common import snapshot
from fault_audit.state import Audit

LONG = {
    "compare -r 100000": ["compare", "-r", "100000", "-w", "2", "-q"],
    "claims --points 100000": ["claims", "--points", "100000", "-w", "2", "-q"],
    "explain -r 1000 --weeks 5200": ["explain", "organic", "-r", "1000", "--weeks", "5200", "-w", "2", "-q"],
    "validate -r 1000": ["validate", "-r", "1000", "-w", "2", "-q"],
    "story of 2M partners": ["story", "vendor-imposed", "--set", "partners=2000000"],
    "run of 2M partners for 5200 weeks": ["run", "vendor-imposed", "--set", "partners=2000000", "--weeks",
                                          "5200", "-q"],
    "sensitivity --samples 100000": ["sensitivity", "organic", "--params", "promo_share", "--samples",
                                     "100000", "-w", "2", "-q"],
    "experiment of 10M runs": ["experiment", "run", "big.toml", "-w", "2", "-q"],
}
BIG_EXPERIMENT = ("name = \"big\"\nscenario = \"organic\"\nreplicates = 1000\n[factors]\n"
                  "promo_share = { low = 0.0, high = 1.0, num = 100 }\n"
                  "moderation = { low = 0.0, high = 1.0, num = 100 }\n")


def refused_for_time(args: list[str]):
    def judge(audit: Audit, where: Path) -> Verdict:
        (where / "big.toml").write_text(BIG_EXPERIMENT)
        before = snapshot(where)
        verdict = Verdict(args=args)
        verdict.ran = audit.run(args, where, timeout=60)
        verdict.problems += one_line_problems(verdict.ran, 2, "this would take about", "--allow-long")
        if snapshot(where) != before:
            verdict.problems.append("it wrote something")
        return verdict

    return judge


def address_space(audit: Audit, where: Path) -> Verdict:
    """A 3 GB ``ulimit -v``: a 2M-partner story is refused (it ended in numpy's _ArrayMemoryError)."""
    verdict = Verdict(args=["story", "vendor-imposed", "--set", "partners=2000000", "--weeks", "2",
                            "--causes", "0", "--frames", "1", "--out", "s"])
    limit = ("import os, resource, sys; resource.setrlimit(resource.RLIMIT_AS, (3 * 10**9, 3 * 10**9)); "
             "os.execv(sys.argv[1], sys.argv[1:])")
    verdict.ran = audit.run(verdict.args, where, timeout=600, prefix=[sys.executable, "-c", limit])
    verdict.problems += one_line_problems(verdict.ran, 2, "partners=2000000", "address-space limit")
    return verdict


@contextlib.contextmanager
def memory_cgroup(limit: int) -> Iterator[Path | None]:
    """A memory cgroup of ``limit`` bytes inside the audit's own; yields its cgroup.procs (None
    where none can be made)."""
    lines = Path("/proc/self/cgroup").read_text().splitlines()
    if Path("/sys/fs/cgroup/cgroup.controllers").exists():
        own = next((ln.split(":", 2)[2] for ln in lines if ln.startswith("0::")), "/")
        base, limit_file = Path("/sys/fs/cgroup") / own.strip("/"), "memory.max"
    else:
        own = next((ln.split(":", 2)[2] for ln in lines if "memory" in ln.split(":")[1].split(",")), "/")
        base, limit_file = Path("/sys/fs/cgroup/memory") / own.strip("/"), "memory.limit_in_bytes"
    group = base / f"simcomm-audit-{os.getpid()}"
    try:
        group.mkdir()
        (group / limit_file).write_text(str(limit))
    except OSError:
        yield None
        return
    try:
        yield group / "cgroup.procs"
    finally:
        with contextlib.suppress(OSError):
            group.rmdir()


def container_limit(audit: Audit, where: Path) -> Verdict:
    """A container's memory limit of 1.5 GB (a memory cgroup): a 2M-partner run is refused with
    it (it was killed by the kernel once it reached the limit)."""
    verdict = Verdict(args=["run", "vendor-imposed", "--set", "partners=2000000", "--weeks", "1", "-q"])
    with memory_cgroup(1_500_000_000) as procs:
        if procs is None:
            verdict.notes.append("no memory cgroup could be made here: not checked")
            return verdict
        enter = ["sh", "-c", f"echo $$ > {shlex.quote(str(procs))} && exec \"$@\"", "sh"]
        verdict.ran = audit.run(verdict.args, where, timeout=600, prefix=enter)
    verdict.problems += one_line_problems(verdict.ran, 2, "partners=2000000", "container's memory limit")
    return verdict


def oversized_cases(quick: bool, mount: bool) -> list[Check]:
    """Each long command, the address-space limit, and (as root) a container's limit."""
    cases = [Check("oversized", name, refused_for_time(args), quick=name.startswith("compare"))
             for name, args in LONG.items()]
    cases.append(Check("oversized", "a 3 GB address-space limit (ulimit -v)", address_space, quick=True))
    cases.append(Check("oversized", "a 1.5 GB container memory limit (cgroup)", container_limit,
                       needs_mount=True))
    cases = [c for c in cases if mount or not c.needs_mount]
    return [c for c in cases if c.quick] if quick else cases

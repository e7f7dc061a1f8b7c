"""Category 1, bad input (HANDLED): the cases and how one is judged."""


import contextlib
import fcntl
import itertools
import json
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from fault_audit.common import (
    EXPERIMENT,
    TINY,
    Outcome,
    Setup,
    both,
    difference,
    experiment_toml,
    fifo,
    folder,
    outcome,
    snapshot,
    stderr_lines,
    symlink_loop,
    tmpfs,
    write,
)
from fault_audit.state import FINISHED, Audit


# ---- 1. bad input --------------------------------------------------------------------------------
@dataclass
class Bad:
    """A bad-input case: ``simcomm ARGS`` run in a folder prepared by ``setup``; handled when it
    exits with one of ``codes`` printing one line that contains one of ``names``, changing nothing."""

    name: str
    args: list[str]
    setup: Setup | None = None
    names: tuple[str, ...] = ()
    codes: tuple[int, ...] = (2,)
    quick: bool = False
    timeout: float = 120.0
    hold_lock: str = ""   # a results folder whose lock the audit holds while the command runs
    read_only: str = ""   # a folder mounted read-only (tmpfs) before the command runs


@dataclass(frozen=True)
class Command:
    """A command's shape for generating cases: its words, small settings that keep an accepted
    run short, its integer options (name -> allowed range) and what it writes."""

    words: tuple[str, ...]
    small: tuple[tuple[str, str], ...] = ()
    ints: tuple[tuple[str, int, int], ...] = ()
    sets: bool = True
    outs: tuple[str, ...] = ("--out",)
    scenario: bool = True
    quick: bool = False
    setup: Setup | None = None
    failsafe: tuple[str, ...] = ()   # appended last: keeps a server from starting if a case is accepted

    def args(self, option: str = "", value: str | None = None, extra: Sequence[str] = ()) -> list[str]:
        """Return the command line with ``option value`` (or ``extra``) and the small settings
        for every other option."""
        args = list(self.words)
        for name, small in self.small:
            if name != option:
                args += [name, small]
        if option:
            args += [option] if value is None else [option, value]
        return [*args, *extra, *self.failsafe]


WEEKS = ("--weeks", 1, 5200)
WORKERS = ("--workers", 1, 1024)
COMMANDS: dict[str, Command] = {
    "run": Command(("run", "organic", "-q", "--set", "partners=200"), (("--weeks", "5"),),
                   (("--seed", 0, 2**63 - 1), WEEKS), quick=True),
    "compare": Command(("compare", "organic", "-q", "--set", "partners=200"),
                       (("--replicates", "2"), ("--workers", "1"), ("--weeks", "5")),
                       (("--replicates", 1, 100_000), WORKERS, WEEKS), quick=True),
    "sensitivity": Command(("sensitivity", "organic", "--params", "promo_share", "-q", "--set",
                            "partners=200"),
                           (("--samples", "2"), ("--weeks", "5"), ("--workers", "1"),
                            ("--metric", "peak_active")),
                           (("--samples", 2, 1_000_000), WEEKS, ("--replicates", 1, 10_000),
                            ("--seed", 0, 2**32 - 1), WORKERS)),
    "validate": Command(("validate", "-q"), (("--replicates", "2"), ("--workers", "1")),
                        (("--replicates", 2, 1000), WORKERS), sets=False, outs=("--out", "--report"),
                        scenario=False),
    "story": Command(("story", "organic", "--set", "partners=200"), (("--weeks", "5"), ("--frames", "1")),
                     (("--seed", 0, 2**63 - 1), WEEKS, ("--frames", 1, 520))),
    "explain": Command(("explain", "organic", "-q", "--set", "partners=200"),
                       (("--replicates", "1"), ("--weeks", "5"), ("--workers", "1")),
                       (("--seed", 0, 9223372036854774808), ("--replicates", 1, 1000), WEEKS,
                        ("--at-week", 1, 5200), WORKERS)),
    "explain --against": Command(("explain", "organic", "--against", "vendor-imposed", "-q", "--set",
                                  "partners=200"),
                                 (("--replicates", "1"), ("--weeks", "5"), ("--workers", "1")),
                                 (("--replicates", 1, 1000), ("--permutations", 2, 10_000), WEEKS)),
    "discover": Command(("discover", "staff-churn", "-q", "--params", "roi_target", "--set", "partners=200"),
                        (("--points", "4"), ("--replicates", "1"), ("--weeks", "5"), ("--workers", "1"),
                         ("--shuffles", "0")),
                        (("--points", 2, 100_000), ("--replicates", 1, 1000), ("--seed", 0, 2**32 - 1),
                         WEEKS, ("--boxes", 1, 20), ("--shuffles", 0, 1000), WORKERS)),
    "claims": Command(("claims", "-q", "--only", "turnover-hurts"),
                      (("--replicates", "2"), ("--points", "0"), ("--weeks", "5"), ("--workers", "1")),
                      (("--replicates", 2, 10_000), ("--points", 0, 100_000), ("--point-replicates", 1, 1000),
                       ("--seed", 0, 2**32 - 1), WEEKS, WORKERS), sets=False, outs=("--report",),
                      scenario=False),
    # The failsafe (a bad --set) stops the command before its server starts, should a case pass.
    "dashboard": Command(("dashboard", "organic", "--compare", "none"), (),
                         (("--seed", 0, 2**63 - 1), ("--port", 0, 65535)), sets=False, outs=(),
                         failsafe=("--set", "audit_failsafe=1")),
    "experiment run": Command(("experiment", "run", "exp.toml", "-q"), (("--workers", "1"), ("--out", "res")),
                              (WORKERS,), sets=False, scenario=False, quick=True,
                              setup=write("exp.toml", EXPERIMENT)),
}
WRONG_TYPE = ("abc", "", "nan", "1.5", "inf", "1e3")


def out_of_range(kind: int, low: int, high: int) -> str:
    """Return a value outside [low, high]: below, above, huge or negative (by ``kind``)."""
    return (str(low - 1), str(high + 1), "9" * 30, str(min(low, 0) - 5))[kind % 4]


def int_cases(quick: bool) -> list[Bad]:
    """Two values for every integer option of every command: one of the wrong type (a word,
    empty, nan, a fraction, inf, an exponent) and one out of range (below, above, huge,
    negative), each kind in rotation so that every kind meets several commands."""
    cases = []
    wrong = itertools.cycle(WRONG_TYPE)
    kinds = itertools.count()
    for cmd_name, cmd in COMMANDS.items():
        for i, (option, low, high) in enumerate(cmd.ints):
            for value in (next(wrong), out_of_range(next(kinds), low, high)):
                cases.append(Bad(f"{cmd_name} {option} {value!r}", cmd.args(option, value), cmd.setup,
                                 (option,), quick=quick and cmd.quick and i == 0))
    cases.append(Bad("run --bogus (unknown option)", COMMANDS["run"].args("--bogus"), names=("--bogus",),
                     quick=True))
    cases.append(Bad("dashboard --open=yes", COMMANDS["dashboard"].args("--open=yes"), names=("--open",)))
    return cases


SET_BAD: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("partners", ("partners",)), ("=5", ("=5",)), ("partners=", ("partners",)), ("nope=1", ("nope",)),
    ("partners=abc", ("partners",)), ("partners=-1", ("partners",)), ("partners=5.5", ("partners",)),
    ("promo_share=nan", ("promo_share",)), ("promo_share=inf", ("promo_share",)),
    ("promo_share=2", ("promo_share",)), ("governance=nope", ("governance",)),
    ("partners=1e9", ("partners",)), ("", ("--set",)),
)


def set_cases(quick: bool) -> list[Bad]:
    """Malformed and invalid ``--set KEY=VALUE`` for run (all) and, in rotation, the others."""
    cases = []
    rotation = itertools.cycle(SET_BAD)
    for cmd_name, cmd in COMMANDS.items():
        if not cmd.sets:
            continue
        chosen = SET_BAD if cmd_name == "run" else [next(rotation) for _ in range(3)]
        for i, (value, names) in enumerate(chosen):
            cases.append(Bad(f"{cmd_name} --set {value!r}", cmd.args("--set", value), cmd.setup, names,
                             quick=quick and cmd_name in ("run", "compare") and i < 5))
    cases.append(Bad("run --set given twice with different values",
                     COMMANDS["run"].args(extra=["--set", "promo_share=0.1", "--set", "promo_share=0.3"]),
                     names=("promo_share",)))
    # A memory estimate beyond what this machine has: refused with the figure, before any run.
    big = ["--set", "partners=2000000", "--set", "acquaintances=100"]
    cases.append(Bad("compare partners=2000000 acquaintances=100 x 8 workers",
                     ["compare", "organic", "vendor-imposed", "-r", "8", "-w", "8", "--weeks", "5", "-q",
                      *big],
                     names=("partners=2000000",), quick=True))
    cases.append(Bad("sensitivity partners=2000000 acquaintances=100 x 8 workers",
                     ["sensitivity", "organic", "--params", "promo_share", "-n", "8", "-w", "8",
                      "--weeks", "5", "-q", *big], names=("partners=2000000",)))
    cases.append(Bad("experiment overrides partners=2000000 acquaintances=100 x 8 workers",
                     ["experiment", "run", "exp.toml", "-w", "8", "-q", "--out", "res"],
                     write("exp.toml", experiment_toml(
                         {"replicates": "8"}, overrides="partners = 2000000\nacquaintances = 100")),
                     ("partners=2000000",)))
    return cases


# (what, --out value, --report value, setup)
BAD_OUTS: tuple[tuple[str, str, str, Setup | None], ...] = (
    ("empty", "", "", None),
    ("an existing file", "file.txt", "file.txt/page.md", write("file.txt", "mine")),
    ("under /proc (cannot be created)", "/proc/simcomm-audit/out", "/proc/simcomm-audit/page.md", None),
    ("a read-only mount", "ro/out", "ro/page.md", None),
    ("blank", "   ", "   ", None),
    ("under a file", "file.txt/sub", "file.txt/sub/page.md", write("file.txt", "mine")),
    ("under /sys (not permitted)", "/sys/simcomm-audit/out", "/sys/simcomm-audit/page.md", None),
    ("a device", "/dev/null", "/dev/null", None),
)


def out_cases(quick: bool, mount: bool) -> list[Bad]:
    """Unusable --out and --report paths for every command that writes: empty, a file (a page
    under a file), and one more in rotation (cannot be created under /proc, read-only, blank,
    under a file, not permitted under /sys, a device). An empty --report must ask for a .md file."""
    cases = []
    rotation = itertools.cycle(BAD_OUTS[2:])
    for cmd_name, cmd in COMMANDS.items():
        for option in cmd.outs:
            for what, out, page, setup in [*BAD_OUTS[:2], next(rotation)]:
                value = page if option == "--report" else out
                if value.startswith("ro/") and not mount:
                    continue
                names = ((option, value) if value.strip() else (".md",) if option == "--report"
                         else (option,))
                cases.append(Bad(f"{cmd_name} {option} {what}", cmd.args(option, value),
                                 both(cmd.setup, setup), names,
                                 read_only="ro" if value.startswith("ro/") else "",
                                 quick=quick and cmd_name in ("run", "experiment run")
                                 and what in ("empty", "an existing file")))
    for page in ("folder.md", "page.txt", ".md"):
        for cmd_name in ("validate", "claims"):
            cases.append(Bad(f"{cmd_name} --report {page}", COMMANDS[cmd_name].args("--report", page),
                             folder("folder.md"), ("--report",), quick=quick and cmd_name == "validate"))
    # The output's own files are in the way: found after simulating, reported in one line, nothing changed.
    cases.append(Bad("run --out whose summary.json is a directory", COMMANDS["run"].args("--out", "out"),
                     both(folder("out/summary.json"), write("out/notes.txt", "mine")), ("out",)))
    cases.append(Bad("compare --out whose compare.json is a directory",
                     COMMANDS["compare"].args("--out", "out"),
                     both(folder("out/compare.json"), write("out/notes.txt", "mine")), ("out",)))
    return cases


LEVER = '[levers.moderation]\nvalue = 0.95\nwhy = "a reason"\n'
SCENARIO_FILES: tuple[tuple[str, str, Setup | None, tuple[str, ...]], ...] = (
    ("not UTF-8", "mine.toml", write("mine.toml", b'name = "x"\ntitle = "caf\xe9"\n'), ("mine.toml",)),
    ("empty", "mine.toml", write("mine.toml", ""), ("mine.toml",)),
    ("only a comment", "mine.toml", write("mine.toml", "# nothing\n"), ("mine.toml",)),
    ("unknown key", "mine.toml", write("mine.toml", 'name = "x"\ncolour = "red"\n'), ("colour",)),
    ("misspelled table", "mine.toml", write("mine.toml", "[override]\npartners = 300\n"), ("override",)),
    ("overrides = 5", "mine.toml", write("mine.toml", "overrides = 5\n"), ("overrides",)),
    ("overrides = 'ab'", "mine.toml", write("mine.toml", 'overrides = "ab"\n'), ("overrides",)),
    ("title = 5", "mine.toml", write("mine.toml", "title = 5\n"), ("title",)),
    ("invalid TOML", "mine.toml", write("mine.toml", "name = \n"), ("mine.toml",)),
    ("a FIFO", "pipe.toml", fifo("pipe.toml"), ("pipe.toml",)),
    ("a directory", "dir.toml", folder("dir.toml"), ("dir.toml",)),
    ("/dev/null", "/dev/null", None, ("/dev/null",)),
    ("/dev/zero", "/dev/zero", None, ("/dev/zero",)),
    ("unknown parameter", "mine.toml", write("mine.toml", "[overrides]\nnope = 1\n"), ("nope",)),
    ("out-of-range value", "mine.toml", write("mine.toml", "[overrides]\npartners = -5\n"), ("partners",)),
    ("wrong type", "mine.toml", write("mine.toml", '[overrides]\npartners = "many"\n'), ("partners",)),
    ("NaN value", "mine.toml", write("mine.toml", "[overrides]\npromo_share = nan\n"), ("promo_share",)),
    ("governance twice, disagreeing", "mine.toml",
     write("mine.toml",
           'governance = "organic"\n[overrides]\ngovernance = "vendor-imposed"\n'), ("governance",)),
    ("unknown governance", "mine.toml", write("mine.toml", 'governance = "nope"\n'), ("governance",)),
    ("levers = 5", "mine.toml", write("mine.toml", 'base = "organic"\nlevers = 5\n'), ("levers",)),
    ("lever without why", "mine.toml",
     write("mine.toml", 'base = "organic"\n[levers.moderation]\nvalue = 0.95\n'), ("why",)),
    ("lever of an unknown parameter", "mine.toml",
     write("mine.toml", 'base = "organic"\n[levers.nope]\nvalue = 1\nwhy = "x"\n'), ("nope",)),
    ("lever equal to the base", "mine.toml",
     write("mine.toml", 'base = "organic"\n[levers.partners]\nvalue = 2000\nwhy = "x"\n'), ("partners",)),
    ("unknown base", "mine.toml", write("mine.toml", 'base = "orgnaic"\n' + LEVER), ("orgnaic",)),
    ("bases in a circle", "a.toml",
     both(write("a.toml", 'base = "b.toml"\n' + LEVER), write("b.toml", 'base = "a.toml"\n' + LEVER)),
     ("a.toml",)),
    ("base = 5", "mine.toml", write("mine.toml", "base = 5\n" + LEVER), ("base",)),
    ("[overrides] beside base", "mine.toml",
     write("mine.toml", 'base = "organic"\n' + LEVER + "[overrides]\npartners = 300\n"), ("overrides",)),
    ("missing file", "missing.toml", None, ("missing.toml",)),
    ("binary junk", "junk.toml", write("junk.toml", bytes(range(256)) * 4), ("junk.toml",)),
    ("a symbolic link to itself", "loop.toml", symlink_loop("loop.toml"), ("loop.toml",)),
)


def scenario_cases(quick: bool) -> list[Bad]:
    """Bad scenario files and names: every file case with ``run``, one of them (in rotation)
    with each other command taking a scenario, and an unknown name with every one."""
    cases = []
    for what, path, setup, names in SCENARIO_FILES:
        cases.append(Bad(f"run scenario file: {what}", ["run", path, *TINY, "-q"], setup, names,
                         quick=quick and what in ("not UTF-8", "misspelled table", "a FIFO", "empty"),
                         timeout=60.0))
    rotation = itertools.cycle(SCENARIO_FILES)
    takers: dict[str, Callable[[str], list[str]]] = {
        "show": lambda s: ["show", s],
        "compare": lambda s: ["compare", "organic", s, "-r", "2", "-w", "1", *TINY, "-q"],
        "story": lambda s: ["story", s, *TINY, "--frames", "1"],
        "explain": lambda s: ["explain", s, "-r", "1", "-w", "1", *TINY, "-q"],
        "explain --against": lambda s: ["explain", "organic", "--against", s, "-r", "1", "-w", "1", *TINY,
                                        "-q"],
        "discover": lambda s: ["discover", s, "--points", "4", "-r", "1", "-w", "1", *TINY, "-q"],
        "sensitivity": lambda s: ["sensitivity", s, "--params", "promo_share", "-n", "2", "-w", "1", *TINY,
                                  "-q", "--metric", "peak_active"],
        "dashboard": lambda s: ["dashboard", s, "--compare", "none", "--set", "audit_failsafe=1"],
        "dashboard --compare": lambda s: ["dashboard", "organic", "--compare", s, "--set",
                                          "audit_failsafe=1"],
    }
    for cmd_name, make in takers.items():
        for _ in range(1):
            what, path, setup, names = next(rotation)
            cases.append(Bad(f"{cmd_name} scenario file: {what}", make(path), setup, names, timeout=60.0))
        cases.append(Bad(f"{cmd_name} unknown scenario", make("orgnaic"), names=("orgnaic",),
                         quick=quick and cmd_name == "compare"))
    exp_scenario = cases_of_experiment_scenario()
    cases += exp_scenario
    cases.append(Bad("run unknown scenario", ["run", "orgnaic", *TINY], names=("orgnaic",), quick=True))
    cases.append(Bad("run empty scenario name", ["run", "", *TINY], names=("scenario",)))
    cases.append(Bad("run scenario ../../etc/passwd", ["run", "../../etc/passwd", *TINY], names=("passwd",)))
    cases.append(Bad("show empty scenario name", ["show", ""], names=("scenario",)))
    return cases


def cases_of_experiment_scenario() -> list[Bad]:
    """An experiment whose ``scenario`` is a bad scenario file."""
    return [Bad(f"experiment scenario file: {what}", ["experiment", "run", "exp.toml", "-q", "-w", "1"],
                both(setup, write("exp.toml", experiment_toml({"scenario": json.dumps(path)}))),
                ("scenario",), timeout=60.0)
            for what, path, setup, _ in (SCENARIO_FILES[0], SCENARIO_FILES[4], SCENARIO_FILES[9])]


EXPERIMENT_FILES: tuple[tuple[str, str | bytes, tuple[str, ...]], ...] = (
    ("name ../../x", experiment_toml({"name": '"../../x"'}), ("name",)),
    ("name absolute", experiment_toml({"name": '"/tmp/simcomm-audit-abs"'}), ("name",)),
    ("name empty", experiment_toml({"name": '""'}), ("name",)),
    ("name = 5", experiment_toml({"name": "5"}), ("name",)),
    ("name .hidden", experiment_toml({"name": '".hidden"'}), ("name",)),
    ("scenario missing", experiment_toml({"scenario": None}), ("scenario: missing",)),
    ("scenario unknown", experiment_toml({"scenario": '"orgnaic"'}), ("orgnaic",)),
    ("scenario = 5", experiment_toml({"scenario": "5"}), ("scenario",)),
    ("scenario file missing", experiment_toml({"scenario": '"missing.toml"'}), ("missing.toml",)),
    ("weeks = 0", experiment_toml({"weeks": "0"}), ("weeks",)),
    ("weeks = -1", experiment_toml({"weeks": "-1"}), ("weeks",)),
    ("weeks = 5201", experiment_toml({"weeks": "5201"}), ("weeks",)),
    ("weeks = 'five'", experiment_toml({"weeks": '"five"'}), ("weeks",)),
    ("weeks = 1.5", experiment_toml({"weeks": "1.5"}), ("weeks",)),
    ("weeks = nan", experiment_toml({"weeks": "nan"}), ("weeks",)),
    ("replicates missing", experiment_toml({"replicates": None}), ("replicates",)),
    ("replicates = 0", experiment_toml({"replicates": "0"}), ("replicates",)),
    ("replicates = 100001", experiment_toml({"replicates": "100001"}), ("replicates",)),
    ("replicates = true", experiment_toml({"replicates": "true"}), ("replicates",)),
    ("seed = -1", experiment_toml({"seed": "-1"}), ("seed",)),
    ("seed = 'x'", experiment_toml({"seed": '"x"'}), ("seed",)),
    ("metrics unknown", experiment_toml({"metrics": '["nope"]'}), ("nope",)),
    ("metrics empty", experiment_toml({"metrics": "[]"}), ("metrics",)),
    ("metrics = 5", experiment_toml({"metrics": "5"}), ("metrics",)),
    ("weekly unknown", experiment_toml(extra='weekly = ["nope"]'), ("nope",)),
    ("weekly = 5", experiment_toml(extra="weekly = 5"), ("weekly",)),
    ("batch_size = -1", experiment_toml(extra="batch_size = -1"), ("batch_size",)),
    ("unknown key", experiment_toml(extra='colour = "red"'), ("colour",)),
    ("misspelled table [factor]", experiment_toml(factors=None) + "\n[factor]\npromo_share = [0.1, 0.3]\n",
     ("factor",)),
    ("overrides = 5", experiment_toml({"overrides": "5"}, overrides=None), ("overrides",)),
    ("overrides unknown parameter", experiment_toml(overrides="nope = 1"), ("nope",)),
    ("overrides out of range", experiment_toml(overrides="partners = -1"), ("partners",)),
    ("overrides wrong type", experiment_toml(overrides='partners = "many"'), ("partners",)),
    ("factors missing", experiment_toml(factors=None), ("factors",)),
    ("factors empty", experiment_toml(factors=""), ("factors",)),
    ("factors = 5", experiment_toml({"factors": "5"}, factors=None), ("factors: 5",)),
    ("factor unknown parameter", experiment_toml(factors="nope = [1, 2]"), ("nope",)),
    ("factor empty list", experiment_toml(factors="promo_share = []"), ("promo_share",)),
    ("factor value out of range", experiment_toml(factors="promo_share = [0.1, 5.0]"), ("promo_share",)),
    ("factor wrong type", experiment_toml(factors='promo_share = ["a", "b"]'), ("promo_share",)),
    ("factor values repeat", experiment_toml(factors="promo_share = [0.1, 0.1]"), ("promo_share",)),
    ("range num = 1e8", experiment_toml(factors="promo_share = { low = 0.1, high = 0.7, num = 100000000 }"),
     ("promo_share",)),
    ("range step = 1e-12", experiment_toml(factors="promo_share = { start = 0.0, stop = 1.0, step = 1e-12 }"),
     ("promo_share",)),
    ("range start = nan", experiment_toml(factors="promo_share = { start = nan, stop = 1.0, step = 0.1 }"),
     ("promo_share",)),
    ("range stop = inf", experiment_toml(factors="promo_share = { start = 0.0, stop = inf, step = 0.1 }"),
     ("promo_share",)),
    ("range high = nan", experiment_toml(factors="promo_share = { low = 0.0, high = nan, num = 3 }"),
     ("promo_share",)),
    ("range low > high", experiment_toml(factors="promo_share = { low = 0.7, high = 0.1, num = 3 }"),
     ("promo_share",)),
    ("range step = 0", experiment_toml(factors="promo_share = { start = 0.0, stop = 1.0, step = 0 }"),
     ("promo_share",)),
    ("range step < 0", experiment_toml(factors="promo_share = { start = 0.0, stop = 1.0, step = -0.1 }"),
     ("promo_share",)),
    ("range num = 0", experiment_toml(factors="promo_share = { low = 0.1, high = 0.7, num = 0 }"),
     ("promo_share",)),
    ("range num = 2.5", experiment_toml(factors="promo_share = { low = 0.1, high = 0.7, num = 2.5 }"),
     ("promo_share",)),
    ("range missing a key", experiment_toml(factors="promo_share = { low = 0.1, high = 0.7 }"),
     ("promo_share",)),
    ("range of a non-numeric parameter",
     experiment_toml(factors="governance = { low = 0, high = 1, num = 2 }"), ("governance",)),
    ("governance factor with a what-if scenario",
     experiment_toml({"scenario": '"staff-churn"'}, factors='governance = ["organic", "sponsored"]'),
     ("governance",)),
    ("factors whose product is too large", experiment_toml(
        factors="promo_share = { low = 0.0, high = 1.0, num = 5000 }\n"
                "moderation = { low = 0.0, high = 1.0, num = 5000 }"), ("factors",)),
    ("replicates x factor too large", experiment_toml(
        {"replicates": "100000"}, factors="promo_share = { low = 0.0, high = 1.0, num = 200 }"),
     ("promo_share", "factors")),
    ("invalid TOML", "name = \n", ("exp.toml",)),
    ("duplicate key", experiment_toml(extra='name = "again"'), ("exp.toml",)),
    ("not UTF-8", experiment_toml().encode() + b"# caf\xe9\n", ("exp.toml",)),
    ("empty", "", ("is empty",)),
)


def experiment_cases(quick: bool) -> list[Bad]:
    """Bad experiment files (every field: wrong type, out of range, empty, NaN, infinite, huge
    ranges, names that are paths), bad FILE arguments and bad results folders for ``experiment run``."""
    run = ["experiment", "run", "exp.toml", "-q", "-w", "1", "--out", "res"]
    quick_ones = {"name ../../x", "range num = 1e8", "range step = 1e-12", "range start = nan",
                  "misspelled table [factor]", "not UTF-8"}
    cases = [Bad(f"experiment file: {what}", list(run), write("exp.toml", text), names,
                 quick=quick and what in quick_ones, timeout=90.0)
             for what, text, names in EXPERIMENT_FILES]
    files: tuple[tuple[str, str, Setup | None], ...] = (
        ("a FIFO", "pipe.toml", fifo("pipe.toml")), ("a directory", "dir.toml", folder("dir.toml")),
        ("missing", "missing.toml", None), ("/dev/zero", "/dev/zero", None), ("empty path", "", None))
    for what, path, setup in files:
        cases.append(Bad(f"experiment run FILE {what}", ["experiment", "run", path, "-q", "--out", "res"],
                         setup,
                         (path or "empty",), quick=quick and what == "a FIFO", timeout=60.0))
    exp = write("exp.toml", EXPERIMENT)
    cases += [
        Bad("experiment run --scheduler with --workers", ["experiment", "run", "exp.toml", "-q", "-w", "2",
                                                          "--scheduler", "tcp://127.0.0.1:1", "--out", "res"],
            exp, ("--scheduler",)),
        Bad("experiment run --scheduler that refuses", ["experiment", "run", "exp.toml", "-q",
                                                        "--scheduler", "tcp://127.0.0.1:1", "--out", "res"],
            exp, ("--scheduler",), timeout=90.0),
        Bad("experiment run --scheduler nonsense", ["experiment", "run", "exp.toml", "-q",
                                                    "--scheduler", "not an address", "--out", "res"],
            exp, ("--scheduler",), timeout=90.0),
        Bad("experiment run --out not empty, no manifest", run, both(exp, write("res/notes.txt", "mine")),
            ("res",)),
        Bad("experiment run --out held by another sweep", run, both(exp, folder("res")), ("res",),
            hold_lock="res", quick=quick),
        Bad("experiment run --out of another experiment", run,
            both(write("exp.toml", experiment_toml({"weeks": "6"})), finished_results("res")), ("res",)),
        Bad("experiment run --out with manifest {}", run, both(exp, finished_results("res", manifest="{}")),
            ("manifest.json",)),
        Bad("experiment run --out with manifest not JSON", run,
            both(exp, finished_results("res", manifest="not json")), ("manifest.json",)),
        Bad("experiment run --out with a non-Parquet part", run,
            both(exp, finished_results("res", damage_part=True)), ("part-",)),
    ]
    return cases


def finished_results(name: str, manifest: str | bytes | None = None, damage_part: bool = False,
                     part_columns: bool = False, drop_runs: bool = False, manifest_dir: bool = False,
                     summary_file: bool = False) -> Setup:
    """Return a setup copying a finished tiny experiment (``experiment run`` of EXPERIMENT, run
    once per audit) to ``name``, then damaging it as asked."""
    def setup(where: Path) -> None:
        source = FINISHED["results"]
        shutil.copytree(source, where / name, symlinks=True)
        out = where / name
        if manifest is not None:
            data = manifest if isinstance(manifest, bytes) else manifest.encode()
            (out / "manifest.json").write_bytes(data)
        if manifest_dir:
            (out / "manifest.json").unlink()
            (out / "manifest.json").mkdir()
        part = sorted((out / "runs").glob("part-*.parquet"))[0]
        if damage_part:
            part.write_text("not parquet at all")
        if part_columns:
            pd.DataFrame({"x": [1, 2]}).to_parquet(part)
        if drop_runs:
            shutil.rmtree(out / "runs")
        if summary_file:
            (out / "summary").write_text("in the way")
        if not (where / "exp.toml").exists():
            (where / "exp.toml").write_text(EXPERIMENT)
    return setup


def summarize_cases(quick: bool) -> list[Bad]:
    """Damaged or wrong folders for ``experiment summarize``."""
    s = ["experiment", "summarize", "res"]
    return [
        Bad("summarize a missing folder", s, None, ("res",)),
        Bad("summarize an empty path", ["experiment", "summarize", ""], None, ("empty",)),
        Bad("summarize a file", s, write("res", "a file"), ("res",)),
        Bad("summarize an empty folder", s, folder("res"), ("res",)),
        Bad("summarize manifest {}", s, finished_results("res", manifest="{}"), ("manifest.json",),
            quick=quick),
        Bad("summarize manifest []", s, finished_results("res", manifest="[]"), ("manifest.json",)),
        Bad("summarize manifest not JSON", s, finished_results("res", manifest="{not json"),
            ("manifest.json",)),
        Bad("summarize manifest not UTF-8", s, finished_results("res", manifest=b'{"caf\xe9": 1}'),
            ("manifest.json",)),
        Bad("summarize manifest missing fields", s, finished_results("res",
                                                                     manifest='{"experiment": "tiny"}'),
            ("manifest.json",)),
        Bad("summarize manifest runs_total 'x'", s, finished_results("res", manifest=json.dumps(
            {"experiment": "tiny", "experiment_sha256": "0", "factors": {"promo_share": [0.1, 0.3]},
             "metrics": ["peak_active"], "runs_total": "x", "runs_done": 4, "sessions": []})),
            ("manifest.json", "runs_total")),
        Bad("summarize manifest is a directory", s, finished_results("res", manifest_dir=True),
            ("manifest.json",)),
        Bad("summarize a part that is not Parquet", s, finished_results("res", damage_part=True), ("part-",),
            quick=quick),
        Bad("summarize a Parquet part of another table", s, finished_results("res", part_columns=True),
            ("part-",)),
        Bad("summarize without runs/", s, finished_results("res", drop_runs=True), ("res", "runs")),
        Bad("summarize --metric unknown", [*s, "--metric", "nope"], finished_results("res"), ("nope",)),
        Bad("summarize with summary/ a file", s, finished_results("res", summary_file=True), ("summary",)),
    ]


def option_cases(quick: bool) -> list[Bad]:
    """Bad values of the remaining options: choices, names, bounds, duplicate labels, global usage."""
    sens = ["sensitivity", "organic", "-n", "2", "--weeks", "5", "-w", "1", "-q", "--set", "partners=200",
            "--metric", "peak_active"]
    sens_p = [*sens, "--params", "promo_share"]
    cmp_ = ["compare", "-r", "2", "-w", "1", *TINY, "-q"]
    claims = ["claims", "-q", "-r", "2", "--points", "0", "--weeks", "5", "-w", "1"]
    against = ["explain", "organic", "--against", "vendor-imposed", "-r", "1", "-w", "1", *TINY, "-q"]
    discover = ["discover", "staff-churn", "--points", "4", "-r", "1", "-w", "1", *TINY, "-q"]
    twins = both(write("a.toml", 'name = "same"\ngovernance = "organic"\n'),
                 write("b.toml", 'name = "same"\ngovernance = "sponsored"\n'))
    return [
        # sensitivity
        Bad("sensitivity --params ''", [*sens, "--params", ""], None, ("--params",)),
        Bad("sensitivity --params unknown", [*sens, "--params", "nope"], None, ("nope",), quick=quick),
        Bad("sensitivity --params non-numeric", [*sens, "--params", "governance"], None, ("governance",)),
        Bad("sensitivity --params twice the same", [*sens, "--params", "promo_share,promo_share"], None,
            ("promo_share",)),
        Bad("sensitivity without --params", sens, None, ("--params",)),
        Bad("sensitivity --method nope", [*sens_p, "--method", "nope"], None, ("--method",)),
        Bad("sensitivity sobol --samples 3", [*sens_p, "--method", "sobol", "--samples", "3"], None,
            ("--samples",)),
        Bad("sensitivity --bounds x", [*sens_p, "--bounds", "x"], None, ("--bounds",)),
        Bad("sensitivity --bounds not numbers", [*sens_p, "--bounds", "promo_share=a:b"], None,
            ("--bounds",)),
        Bad("sensitivity --bounds low > high", [*sens_p, "--bounds", "promo_share=0.5:0.1"], None,
            ("promo_share",)),
        Bad("sensitivity --bounds outside allowed", [*sens_p, "--bounds", "promo_share=-1:2"], None,
            ("--bounds promo_share",)),
        Bad("sensitivity --bounds nan", [*sens_p, "--bounds", "promo_share=nan:1"], None,
            ("--bounds promo_share",)),
        Bad("sensitivity --bounds unknown parameter", [*sens_p, "--bounds", "nope=0:1"], None, ("nope",)),
        Bad("sensitivity --bounds of a parameter not varied", [*sens_p, "--bounds", "moderation=0:1"], None,
            ("moderation",)),
        Bad("sensitivity --metric unknown", [*sens_p, "--metric", "nope"], None, ("nope",)),
        Bad("sensitivity --metric undefined over 5 weeks, --out", [*sens_p, "--metric", "retention_52w",
                                                                   "--out", "parent/sens"], None,
            ("retention_52w",)),
        # compare: duplicate labels and --vary
        Bad("compare organic organic", [*cmp_, "organic", "organic"], None, ("organic",), quick=quick),
        Bad("compare two files with the same name", [*cmp_, "a.toml", "b.toml"], twins, ("same",)),
        Bad("compare organic and a file named organic", [*cmp_, "organic", "o.toml"],
            write("o.toml", 'name = "organic"\ngovernance = "sponsored"\n'), ("organic",)),
        Bad("compare --vary repeated value", [*cmp_, "organic", "--vary", "promo_share=0.1,0.1"], None,
            ("--vary",), quick=quick),
        Bad("compare --vary 0.1,0.10", [*cmp_, "organic", "--vary", "promo_share=0.1,0.10"], None,
            ("--vary",)),
        Bad("compare --vary a parameter twice",
            [*cmp_, "organic", "--vary", "promo_share=0.1,0.2", "--vary", "promo_share=0.3"], None,
            ("--vary",), quick=quick),
        Bad("compare --vary '=0.1,0.2'", [*cmp_, "organic", "--vary", "=0.1,0.2"], None, ("--vary",)),
        Bad("compare --vary without values", [*cmp_, "organic", "--vary", "promo_share"], None, ("--vary",)),
        Bad("compare --vary empty values", [*cmp_, "organic", "--vary", "promo_share="], None, ("--vary",)),
        Bad("compare --vary an empty value", [*cmp_, "organic", "--vary", "promo_share=0.1,,0.2"], None,
            ("--vary",)),
        Bad("compare --vary unknown parameter", [*cmp_, "organic", "--vary", "nope=1,2"], None, ("nope",)),
        Bad("compare --vary a bad value", [*cmp_, "organic", "--vary", "promo_share=0.1,x"], None,
            ("--vary",)),
        Bad("compare --vary nan", [*cmp_, "organic", "--vary", "promo_share=nan,0.2"], None, ("--vary",)),
        Bad("compare --vary out of range", [*cmp_, "organic", "--vary", "promo_share=0.1,5"], None,
            ("--vary",)),
        Bad("compare --vary unknown governance", [*cmp_, "organic", "--vary", "governance=organic,nope"],
            None,
            ("--vary",)),
        Bad("compare --vary ''", [*cmp_, "organic", "--vary", ""], None, ("--vary",)),
        # claims, explain
        Bad("claims --only unknown", [*claims, "--only", "nope"], None, ("nope",), quick=quick),
        Bad("claims --only a known and an unknown claim", [*claims, "--only", "turnover-hurts,nope"], None,
            ("nope",)),
        Bad("explain --at-week beyond --weeks", ["explain", "organic", "-r", "1", "-w", "1", *TINY, "-q",
                                                 "--at-week", "10"], None, ("--at-week",)),
        # explain --against (issue 23)
        Bad("explain --against A itself", [*against[:3], "organic", *against[4:]], None, ("--against",),
            quick=quick),
        Bad("explain --against: --metric unknown", [*against, "--metric", "nope"], None, ("nope",)),
        Bad("explain --against: --metric not taken apart", [*against, "--metric", "roi"], None,
            ("--metric",)),
        Bad("explain --against: --metric ',,'", [*against, "--metric", ",,"], None, ("--metric",)),
        Bad("explain --against: --permutations odd", [*against, "--permutations", "3"], None,
            ("--permutations",)),
        Bad("explain --against: --at-week", [*against, "--at-week", "3"], None, ("--at-week",)),
        Bad("explain --permutations without --against", ["explain", "organic", "-r", "1", "-w", "1", *TINY,
                                                         "-q", "--permutations", "4"], None,
            ("--permutations",)),
        Bad("explain --against: a file that is A", [*against[:3], "o.toml", *against[4:]],
            write("o.toml", 'base = "organic"\n'), ("--against",)),
        # discover (issue 23)
        Bad("discover unknown claim or scenario", [*discover[:1], "orgnaic-lasts", *discover[2:]], None,
            ("orgnaic-lasts",), quick=quick),
        Bad("discover --params unknown", [*discover, "--params", "nope"], None, ("nope",)),
        Bad("discover --params ''", [*discover, "--params", ""], None, ("--params",)),
        Bad("discover --params ',,'", [*discover, "--params", ",,"], None, ("--params",)),
        Bad("discover --params not an assumption", [*discover, "--params", "partners"], None, ("partners",)),
        Bad("discover --params a choice", [*discover, "--params", "governance"], None, ("governance",)),
        Bad("discover --params twice the same", [*discover, "--params", "roi_target,roi_target"], None,
            ("roi_target",)),
        Bad("discover --metric unknown", [*discover, "--metric", "nope"], None, ("nope",)),
        Bad("discover --metric not a number", [*discover, "--metric", "stage"], None, ("stage",)),
        Bad("discover --where malformed", [*discover, "--where", "about 3"], None, ("--where",)),
        Bad("discover --where empty", [*discover, "--where", ""], None, ("--where",)),
        Bad("discover --where nan", [*discover, "--where", "< nan"], None, ("--where",)),
        Bad("discover --where out of range", [*discover, "--where", "== 7"], None, ("--where",)),
        Bad("discover --where holds for a scenario", [*discover, "--where", "holds"], None, ("--where",)),
        Bad("discover --where a verdict misspelt for a claim",
            ["discover", "organic-lasts", "--points", "4", "-r", "1", "-w", "1", *TINY, "-q", "--where",
             "hold"],
            None, ("--where",)),
        Bad("discover --min-density above 1", [*discover, "--min-density", "1.5"], None, ("--min-density",)),
        Bad("discover --min-density nan", [*discover, "--min-density", "nan"], None, ("--min-density",)),
        Bad("discover --set of a varied parameter", [*discover, "--params", "roi_target", "--set",
                                                     "roi_target=1"], None, ("--set roi_target",)),
        # usage
        Bad("unknown command", ["nope"], None, ("nope",), quick=quick),
        Bad("run without SCENARIO", ["run"], None, ("SCENARIO",)),
        Bad("run with an extra argument", ["run", "organic", "extra", *TINY], None, ("extra",)),
        Bad("show without SCENARIO", ["show"], None, ("SCENARIO",)),
        Bad("params with an argument", ["params", "extra"], None, ("extra",)),
        Bad("scenarios --bogus", ["scenarios", "--bogus"], None, ("--bogus",)),
        Bad("experiment nope", ["experiment", "nope"], None, ("nope",)),
        Bad("experiment run --bogus", ["experiment", "run", "exp.toml", "--bogus"], None,
            ("--bogus",)),
        Bad("experiment summarize without DIRECTORY", ["experiment", "summarize"], None, ("DIRECTORY",)),
    ]


def extreme_cases(quick: bool) -> list[Bad]:
    """Issue 26's bad inputs: names and paths too long, an unknown user's home, TOML nested
    thousands deep, numbers of hundreds of digits, a byte order mark, for every command that
    takes them; flags another would silently override."""
    long_name, long_part = "a" * 10_000, "c" * 10_000
    over_4096 = "/".join(["b" * 200] * 25)
    deep = lambda depth: "x = " + "[" * depth + "]" * depth + "\n"  # noqa: E731
    cases: list[Bad] = []
    for words in (["run"], ["compare", "organic"], ["explain"], ["story"], ["show"],
                  ["sensitivity", "--params", "promo_share"], ["dashboard"]):
        small = [*TINY] if words[0] not in ("show", "dashboard") else []
        if words[0] == "dashboard":
            small = ["--set", "partners=-1"]  # never starts a server if accepted
        where = words.index("organic") if "organic" in words else len(words)
        cases.append(Bad(f"{words[0]}: a 10,000-character scenario name",
                         [*words[:where], long_name, *words[where + 1:], *small], names=("unknown scenario",),
                         quick=words[0] == "run"))
        for what, text in (("TOML nested 3,000 deep", deep(3000)), ("TOML nested 5,000 deep", deep(5000)),
                           ("partners = 1 and 400 zeros", "[overrides]\npartners = 1" + "0" * 400 + "\n"),
                           ("promo_share = 1 and 400 zeros",
                            "[overrides]\npromo_share = 1" + "0" * 400 + "\n"),
                           ("a byte order mark", "\ufeffgovernance = \"organic\"\n")):
            cases.append(Bad(f"{words[0]}: scenario file with {what}",
                             [*words[:where], "s.toml", *words[where + 1:], *small], write("s.toml", text),
                             names=("s.toml",), quick=words[0] == "run" and "3,000" in what))
    for words in (["run", "organic", *TINY], ["compare", "organic", "-r", "2", *TINY],
                  ["explain", "organic", *TINY],
                  ["story", "organic", *TINY], ["sensitivity", "organic", "--params", "promo_share", *TINY],
                  ["experiment", "run", "exp.toml"], ["validate", "-r", "2"]):
        setup = write("exp.toml", EXPERIMENT) if words[0] == "experiment" else None
        for what, value in (("a 10,000-character name", f"out/{long_part}"), ("a path over 4,096", over_4096),
                            ("an unknown user's home", "~nosuchuser26/x")):
            cases.append(Bad(f"{words[0]} --out {what}", [*words, "--out", value], setup,
                             names=("--out", "cannot write output"), quick=words[0] == "run"))
    for option in ("validate", "claims"):
        cases.append(Bad(f"{option} --report under an unknown user's home",
                         [option, "--report", "~nosuchuser26/page.md"], names=("--report",)))
    for what, text in (("nested 4,000 deep", deep(4000)), ("with a byte order mark", "\ufeff" + EXPERIMENT),
                       ("with replicates = 1 and 400 zeros",
                        EXPERIMENT.replace("replicates = 2", "replicates = 1" + "0" * 400))):
        cases.append(Bad(f"experiment file {what}", ["experiment", "run", "exp.toml"],
                         write("exp.toml", text),
                         names=("exp.toml",)))
    cases += [
        Bad("compare --vary and --set of one parameter",
            ["compare", "organic", "--vary", "partners=300,400", "--set", "partners=500", "-r", "2",
             "--weeks", "3"],
            names=("--set partners=500",), quick=True),
        Bad("sensitivity --params and --set of one parameter",
            ["sensitivity", "organic", "--params", "moderation", "--set", "moderation=0.2", "--weeks", "3"],
            names=("--set moderation=0.2",)),
        Bad("claims --only ''", ["claims", "--only", ""], names=("--only",)),
        Bad("claims --only ',,'", ["claims", "--only", ",,"], names=("--only",)),
    ]
    return cases


def bad_input_cases(quick: bool, mount: bool) -> list[Bad]:
    """Return every bad-input case (in quick mode only those marked quick)."""
    cases = [*int_cases(quick), *set_cases(quick), *out_cases(quick, mount), *scenario_cases(quick),
             *experiment_cases(quick), *summarize_cases(quick), *option_cases(quick), *extreme_cases(quick)]
    return [c for c in cases if c.quick] if quick else cases


def run_bad(audit: Audit, case: Bad) -> Outcome:
    """Run a bad-input case and judge it (see the module's docstring)."""
    where = audit.case_dir("bad", case.name)
    if case.setup is not None:
        case.setup(where)
    read_only = where / case.read_only
    mount = tmpfs(read_only, 1 << 20, read_only=True) if case.read_only else contextlib.nullcontext()
    lock = None
    with mount:
        if case.hold_lock:
            lock = open(where / case.hold_lock / ".simcomm.lock", "a+")  # noqa: SIM115 - held while it runs
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            lock.write("pid of the audit\n")
            lock.flush()
        before = snapshot(where)
        try:
            ran = audit.run(case.args, where, timeout=case.timeout)
        finally:
            if lock is not None:
                lock.close()
        after = snapshot(where)
    for rel in set(before) & set(after):  # the sweep lock's holder (a pid) is rewritten by each taker
        if rel.endswith(".simcomm.lock"):
            after[rel] = before[rel]
    problems = []
    lines = stderr_lines(ran.stderr)
    if ran.timed_out:
        problems.append(f"did not end within {case.timeout:.0f} s (a hang?)")
    elif ran.code not in case.codes:
        problems.append(f"exit status {ran.code}, expected {' or '.join(map(str, case.codes))}")
    if "Traceback" in ran.stderr or "Traceback" in ran.stdout:
        problems.append("traceback")
    if len(lines) != 1 and not (ran.code == 0 and 0 in case.codes):
        problems.append(f"{len(lines)} lines on stderr, expected 1")
    if case.names and lines and not any(n.lower() in ran.stderr.lower() for n in case.names):
        problems.append(f"the message does not name {' or '.join(repr(n) for n in case.names)}")
    changed = difference(before, after)
    if changed:
        problems.append(f"the folder changed ({changed})")
    return outcome("bad-input", case.name, case.args, problems, ran)

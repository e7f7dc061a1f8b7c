"""Issue 26: the remaining bad inputs. Text from files cannot drive the terminal; names and paths
too long, unknown users, TOML nested thousands deep, 400-digit numbers and byte order marks are
one line and exit status 2; the Python API raises ParameterError for any malformed overrides;
flags that would be silently ignored are refused; oversized work is estimated, announced and
refused without --allow-long; the memory check respects RLIMIT_AS and the cgroup limit."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import import_every_module_that_runs
from forked_process import run_forked

import simcomm
from simcomm.runs import resources, workload
from simcomm.ui.cli import main
from simcomm.ui.terminal import CONTROL, printable

TINY = ["--weeks", "3", "--set", "partners=150"]
PROGRAM = "import sys\nfrom simcomm.ui.entry import main\nsys.argv[0] = 'simcomm'\nmain()\n"


def invoke(*args: str) -> tuple[int, str, str]:
    out = CliRunner().invoke(main, list(args))
    return out.exit_code, out.stdout, out.stderr


def assert_one_line(code: int, err: str, *fragments: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2, err
    assert len(lines) == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


# ---- terminal escapes ------------------------------------------------------------------------
ESCAPES = {
    "osc52": "\x1b]52;c;ZWNobyBwd25lZA==\x07",  # writes the clipboard
    "osc8": "\x1b]8;;https://attacker.example/\x1b\\click\x1b]8;;\x1b\\",  # a hidden link
    "osc0": "\x1b]0;owned\x07",  # the window title
    "csi": "\x1b[2J\x1b[31m",  # erase the screen, red
    "c1-csi": "\x9b31m",  # the one-byte CSI
    "bidi": "\u202eevil\u202c",  # right-to-left override
    "cr": "\rfake line",
}


def toml_string(text: str) -> str:
    return '"' + "".join(f"\\u{ord(c):04x}" if ord(c) < 32 or 0x7f <= ord(c) <= 0x9f or c in '"\\'
                         else c for c in text) + '"'


def test_printable_escapes_every_control_but_newline_and_tab() -> None:
    for text in ESCAPES.values():
        shown = printable(text)
        assert not CONTROL.search(shown) and "\x1b" not in shown and "\x9b" not in shown
    assert printable("a\tb\nc") == "a\tb\nc"
    assert printable("\x1b]52;c;x\x07") == "\\x1b]52;c;x\\x07"
    assert printable("\u202e") == "\\u202e"


def test_text_from_a_scenario_file_cannot_drive_the_terminal_even_piped(tmp_path: Path) -> None:
    """A scenario file's name and title were printed raw: OSC 52, OSC 8 and OSC 0 passed even
    when the output was piped. Every kind of escape is in one file (four commands, not 32)."""
    evil = " | ".join(ESCAPES.values())
    path = tmp_path / "evil.toml"
    path.write_text(f"name = {toml_string('team' + evil)}\ntitle = {toml_string('A title' + evil)}\n"
                    f"story = {toml_string('Once' + evil)}\ngovernance = \"organic\"\n", encoding="utf-8")
    bad_key = tmp_path / "badkey.toml"
    bad_key.write_text(f"{toml_string('colour' + evil)} = 1\n", encoding="utf-8")
    outputs = []
    for args in (["show", str(path)], ["run", str(path), *TINY], ["run", str(bad_key), *TINY],
                 ["compare", str(path), "organic", "-r", "2", "-w", "1", *TINY]):
        done = run_forked(PROGRAM, *args)  # piped: not a terminal (a process of its own, forked warm)
        outputs.append(done.stdout + done.stderr)
    text = "".join(outputs)
    assert not CONTROL.search(text), repr(CONTROL.search(text))
    for kind, escape in ESCAPES.items():
        assert printable(escape)[:6] in text, kind  # shown, escaped


# ---- names and paths, TOML, numbers, byte order marks -------------------------------------------
def deep_toml(depth: int) -> str:
    return "x = " + "[" * depth + "]" * depth + "\n"


@pytest.mark.parametrize(("make", "args", "fragments"), [
    (None, ["run", "a" * 10_000, *TINY], ["unknown scenario 'aaaa", "(10,000 characters)", "too long"]),
    (None, ["run", "organic", *TINY, "--out", "OUT/" + "a" * 10_000], ["--out", "File name too long"]),
    (None, ["run", "organic", *TINY, "--out", "OUT/" + "/".join(["b" * 200] * 25)],
     ["--out", "File name too long", "4,096 in a path"]),
    (None, ["run", "organic", *TINY, "--out", "~nosuchuser26/x"], ["--out", "no user 'nosuchuser26'"]),
    (None, ["validate", "-r", "2", "--report", "~nosuchuser26/v.md"], ["--report", "no user 'nosuchuser26'"]),
    (None, ["story", "organic", "--out", "OUT/" + "c" * 300], ["--out", "File name too long"]),
    (lambda: deep_toml(3000), ["run", "FILE", *TINY], ["scenario file", "nested too deeply"]),
    (lambda: deep_toml(5000), ["run", "FILE", *TINY], ["scenario file", "nested too deeply"]),
    (lambda: "[overrides]\npartners = 1" + "0" * 400 + "\n", ["run", "FILE", *TINY],
     ["parameter 'partners'", "about 401 digits", "expected an integer in"]),
    (lambda: "[overrides]\npromo_share = 1" + "0" * 400 + "\n", ["run", "FILE", *TINY],
     ["parameter 'promo_share'", "expected a number in [0, 1]"]),
    (lambda: "[overrides]\npromo_share = 1" + "0" * 5000 + "\n", ["run", "FILE", *TINY],
     ["scenario file", "not valid TOML", "4300 digits"]),
    (lambda: "\ufeffgovernance = \"organic\"\n", ["run", "FILE", *TINY], ["byte order mark (BOM"]),
    (lambda: "\ufeffname = \"x\"\n", ["experiment", "run", "FILE"], ["experiment file", "byte order mark"]),
    (lambda: deep_toml(4000), ["experiment", "run", "FILE"], ["experiment file", "nested too deeply"]),
    (lambda: 'scenario = "organic"\nreplicates = 1\nweeks = 2\n[factors]\npromo_share = [0.1]\n',
     ["experiment", "run", "FILE", "--out", "~nosuchuser26/x"],
     ["cannot write output", "no user 'nosuchuser26'"]),
], ids=["long-scenario-name", "long-out-component", "path-over-4096", "unknown-user", "report-unknown-user",
        "story-long-out", "toml-3000-deep", "toml-5000-deep", "int-400-digits", "float-400-digits",
        "int-5000-digits", "bom", "experiment-bom", "experiment-deep",
        "experiment-unknown-user"])
def test_bad_input_is_one_line_naming_the_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make: object,
                                                args: list[str], fragments: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    if make is not None:
        Path("file.toml").write_text(make(), encoding="utf-8")  # type: ignore[operator]
    args = [a.replace("FILE", "file.toml").replace("OUT/", str(tmp_path) + "/") for a in args]
    before = sorted(os.listdir(tmp_path))
    code, _, err = invoke(*args)
    assert_one_line(code, err, *fragments)
    assert len(err) < 1000  # long names are shortened in the message
    assert sorted(os.listdir(tmp_path)) == before  # nothing created


# ---- the Python API ----------------------------------------------------------------------------
@pytest.mark.parametrize(("overrides", "fragment"), [
    ("partners=500", "overrides = 'partners=500' is not allowed: expected a mapping"),
    ([("partners", 500)], "overrides = [('partners', 500)] is not allowed: expected a mapping"),
    ({1: 500}, "overrides: parameter name 1 is not allowed: expected a parameter's name as a string"),
    ({("partners",): 500}, "parameter name ('partners',) is not allowed"),
    ({"partners": {"a": 1}}, "parameter 'partners' = {'a': 1} is not allowed"),
    ({"partners": 10**400}, "parameter 'partners' = an integer of about 401 digits is not allowed"),
    ({"promo_share": 10**400}, "parameter 'promo_share' = an integer of about 401 digits is not allowed"),
    ({"promo_share": 10**5000}, "an integer of about 5,001 digits"),
    ({"partners": [500]}, "parameter 'partners' = [500] is not allowed"),
], ids=["string", "pairs", "int-key", "tuple-key", "dict-value", "huge-int", "huge-for-float", "5000-digits",
        "list-value"])
def test_the_python_api_raises_parameter_error_for_malformed_overrides(overrides: object,
                                                                       fragment: str) -> None:
    for call in (lambda: simcomm.run("organic", weeks=2, overrides=overrides),  # type: ignore[arg-type]
                 lambda: simcomm.make_params(overrides)):  # type: ignore[arg-type]
        with pytest.raises(simcomm.ParameterError) as info:
            call()
        assert type(info.value) is simcomm.ParameterError
        assert fragment in str(info.value) and "\n" not in str(info.value)


# ---- flags that would be silently ignored ------------------------------------------------------
@pytest.mark.parametrize(("args", "fragments"), [
    (["compare", "organic", "--vary", "partners=300,400", "--set", "partners=500", "-r", "2", "--weeks", "3"],
     ["--set partners=500 and --vary partners=300,400 both give partners"]),
    (["sensitivity", "organic", "--params", "moderation", "--set", "moderation=0.2", "--weeks", "3"],
     ["--set moderation=0.2", "varied by --params"]),
    (["claims", "--only", ""], ["--only '' names no claim"]),
    (["claims", "--only", ",,"], ["--only ',,' names no claim"]),
    (["explain", "organic", "--set", "promo_share=0.1", "--set", "promo_share=0.2", "--weeks", "3"],
     ["--set: 'promo_share' is given twice"]),
], ids=["compare-vary-and-set", "sensitivity-params-and-set", "claims-only-empty", "claims-only-commas",
        "explain-set-twice"])
def test_a_flag_that_would_be_ignored_is_refused(monkeypatch: pytest.MonkeyPatch, args: list[str],
                                                 fragments: list[str]) -> None:
    def never(*a: object, **k: object) -> None:
        pytest.fail("started runs")

    monkeypatch.setattr("simcomm.runs.batch.run_many", never)
    assert_one_line(*invoke(*args)[::2], *fragments)


# ---- oversized work ----------------------------------------------------------------------------
@pytest.mark.parametrize(("args", "fragment"), [
    (["compare", "-r", "100000"], "200,000 runs of 260 weeks"),
    (["claims", "--points", "100000"], "--points"),
    (["explain", "organic", "-r", "1000", "--weeks", "5200"], "of 5,200 weeks"),
    (["validate", "-r", "1000"], "--replicates"),
    (["story", "vendor-imposed", "--set", "partners=2000000"], "at 2,000,000 partners"),
    (["run", "vendor-imposed", "--set", "partners=2000000", "--weeks", "5200"], "1 run of 5,200 weeks"),
    (["sensitivity", "organic", "--params", "promo_share", "--samples", "100000"], "--samples"),
    (["discover", "organic-lasts", "--points", "100000"], "--points"),
    (["explain", "staff-churn", "--against", "organic", "-r", "1000"], "--replicates"),
], ids=["compare", "claims", "explain", "validate", "story", "run", "sensitivity", "discover", "against"])
def test_oversized_work_is_refused_with_its_estimate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   args: list[str], fragment: str) -> None:
    monkeypatch.chdir(tmp_path)

    def never(*a: object, **k: object) -> None:
        pytest.fail("started runs")

    import_every_module_that_runs()
    for name in ("simcomm.runs.batch.run_many", "simcomm.runs.sim.simulate", "simcomm.runs.sim.run"):
        monkeypatch.setattr(name, never)
    line = assert_one_line(*invoke(*args, "-w", "2")[::2] if args[0] not in ("run", "story") else
                           invoke(*args)[::2], fragment, "--allow-long", "this would take about")
    assert re.search(r"about [\d.,]+ (min|h|days)", line), line
    assert list(tmp_path.iterdir()) == []


def test_allow_long_starts_it_and_the_estimate_is_announced(monkeypatch: pytest.MonkeyPatch) -> None:
    started = []

    def fake_runs(specs: list, **kwargs: object) -> list:
        started.append(len(specs))
        raise simcomm.ParameterError("stopped here by the test")

    import_every_module_that_runs()
    monkeypatch.setattr("simcomm.runs.batch.run_many", fake_runs)
    code, _, err = invoke("compare", "-r", "100000", "-w", "2", "--allow-long")
    assert started == [200_000]
    assert err.splitlines()[0].startswith("simcomm: this will take about") and code == 2
    monkeypatch.setattr(workload, "NOTICE_SECONDS", 1e9)  # small work is not announced
    code, _, err = invoke("compare", "-r", "2", "-w", "2")
    assert started == [200_000, 4] and "this will take" not in err


def test_the_estimate_is_the_measured_cost_per_week_and_partner() -> None:
    work = workload.Workload().add(10, 260, 2000).add(5, 100, 10_000)
    expected = 10 * 260 * (1.2e-3 + 2000 * 5e-7) + 5 * 100 * (1.2e-3 + 10_000 * 5e-7)
    assert work.seconds(1) == pytest.approx(expected)
    assert work.seconds(4) == pytest.approx(expected / 4)
    assert work.seconds(64) == pytest.approx(expected / 15)  # at most one process per run
    assert "15 runs of 100-260 weeks at 2,000-10,000 partners" in work.describe(2)


# ---- memory limits ---------------------------------------------------------------------------
def fake_cgroups(root: Path, lines: str, files: dict[str, str]) -> tuple[str, str]:
    (root / "proc").mkdir()
    (root / "proc" / "cgroup").write_text(lines)
    for rel, text in files.items():
        path = root / "sys" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return str(root / "proc" / "cgroup"), str(root / "sys")


def test_cgroup_v2_limit_is_the_least_left_up_the_tree(tmp_path: Path) -> None:
    args = fake_cgroups(tmp_path, "0::/box/job\n", {
        "box/job/memory.max": "max\n", "box/job/memory.current": "100\n",
        "box/memory.max": str(3 * 2**30) + "\n", "box/memory.current": str(2**30) + "\n"})
    assert resources.cgroup_bytes_left(*args) == 2 * 2**30


def test_cgroup_v1_limit_and_unlimited(tmp_path: Path) -> None:
    args = fake_cgroups(tmp_path, "9:pids:/\n4:memory:/job\n0::/\n", {
        "memory/job/memory.limit_in_bytes": str(2**31) + "\n", "memory/job/memory.usage_in_bytes": "1024\n",
        "memory/memory.limit_in_bytes": "9223372036854771712\n"})
    assert resources.cgroup_bytes_left(*args) == 2**31 - 1024
    (tmp_path / "n").mkdir()
    unlimited = fake_cgroups(tmp_path / "n", "4:memory:/\n",
                             {"memory/memory.limit_in_bytes": "9223372036854771712\n"})
    assert resources.cgroup_bytes_left(*unlimited) is None


def test_a_container_limit_refuses_what_memavailable_would_allow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resources, "meminfo_available", lambda *a: 64 * 10**9)
    monkeypatch.setattr(resources, "cgroup_bytes_left", lambda *a: 2 * 10**9)
    monkeypatch.setattr(resources, "address_space_left", lambda: None)
    with pytest.raises(simcomm.ParameterError,
                       match=r"but 2\.0 GB is left under this container's memory limit"):
        resources.check_memory([({}, {"partners": 2_000_000})])


def test_a_container_limit_is_named_even_while_its_usage_moves(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cgroup's usage falls between two reads (a loaded machine): the limit it leaves is still
    the one named (it was read twice, and MemAvailable named instead, in a fresh clone's suite)."""
    left = iter([1_400_000_000, 1_450_000_000, 1_500_000_000])
    monkeypatch.setattr(resources, "meminfo_available", lambda *a: 64 * 10**9)
    monkeypatch.setattr(resources, "cgroup_bytes_left", lambda *a: next(left))
    monkeypatch.setattr(resources, "address_space_left", lambda: None)
    with pytest.raises(simcomm.ParameterError,
                       match=r"but 1\.4 GB is left under this container's memory limit"):
        resources.check_memory([({}, {"partners": 2_000_000})])


@contextlib.contextmanager
def memory_cgroup(limit: int) -> Iterator[Path]:
    """Make a memory cgroup with ``limit`` bytes inside this process's own (v2 or v1) and yield
    its cgroup.procs file; skip the test where that cannot be done (not root, no cgroupfs)."""
    if os.geteuid() != 0 or not sys.platform.startswith("linux"):
        pytest.skip("making a cgroup needs root")
    lines = Path("/proc/self/cgroup").read_text().splitlines()
    v2 = Path("/sys/fs/cgroup/cgroup.controllers").exists()
    if v2:
        own = next((ln.split(":", 2)[2] for ln in lines if ln.startswith("0::")), "/")
        base, limit_file = Path("/sys/fs/cgroup") / own.strip("/"), "memory.max"
    else:
        own = next((ln.split(":", 2)[2] for ln in lines if "memory" in ln.split(":")[1].split(",")), None)
        if own is None:
            pytest.skip("no memory cgroup here")
        base, limit_file = Path("/sys/fs/cgroup/memory") / own.strip("/"), "memory.limit_in_bytes"
    group = base / f"simcomm-test-{os.getpid()}"
    try:
        group.mkdir()
        (group / limit_file).write_text(str(limit))
    except OSError as exc:
        pytest.skip(f"cannot make a memory cgroup here: {exc}")
    try:
        yield group / "cgroup.procs"
    finally:
        with contextlib.suppress(OSError):
            group.rmdir()


def test_a_container_memory_limit_is_respected(tmp_path: Path) -> None:
    """A cgroup (a container's) memory limit below what MemAvailable says: the run is refused
    with the limit instead of being killed by the kernel when it reaches it."""
    with memory_cgroup(1_500_000_000) as procs:
        script = (f"echo $$ > {procs} && exec {sys.executable} -c \"$0\" run vendor-imposed "
                  "--set partners=2000000 --weeks 1")
        done = subprocess.run(["sh", "-c", script, PROGRAM], capture_output=True, text=True, timeout=900,
                              cwd=tmp_path)
    line = assert_one_line(done.returncode, done.stderr, "partners=2000000",
                           "left under this container's memory limit (cgroup)")
    assert "GB" in line


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS is Linux's")
def test_an_address_space_limit_is_respected(tmp_path: Path) -> None:
    """With a 3 GB `ulimit -v`, a 2M-partner story ended in numpy's _ArrayMemoryError."""
    code = ("import resource, sys\n"
            "resource.setrlimit(resource.RLIMIT_AS, (3 * 10**9, 3 * 10**9))\n" + PROGRAM)
    done = subprocess.run([sys.executable, "-c", code, "story", "vendor-imposed", "--set", "partners=2000000",
                           "--weeks", "2", "--causes", "0", "--frames", "1", "--out", str(tmp_path / "s")],
                          capture_output=True, text=True, timeout=900)
    line = assert_one_line(done.returncode, done.stderr, "partners=2000000",
                           "address-space limit (ulimit -v)")
    assert "MemoryError" not in line
    assert list(tmp_path.iterdir()) == []

"""The command line: version, the default demo, and the installed executable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

import simcomm
from simcomm.cli import main


def test_version() -> None:
    out = CliRunner().invoke(main, ["--version"])
    assert out.exit_code == 0 and simcomm.__version__ in out.output


def test_demo_prints_the_comparison_table() -> None:
    out = CliRunner().invoke(main, ["demo", "--replicates", "2", "--weeks", "30"])
    assert out.exit_code == 0, out.output
    assert "organic" in out.output and "vendor-imposed" in out.output
    assert "retention_12w" in out.output and "seeds 0..1" in out.output


def test_bad_option_exits_2_without_traceback() -> None:
    out = CliRunner().invoke(main, ["demo", "--replicates", "0"])
    assert out.exit_code == 2 and "Traceback" not in out.output and "--replicates" in out.output


def test_installed_executable_runs() -> None:
    exe = Path(sys.executable).parent / ("simcomm.exe" if os.name == "nt" else "simcomm")
    done = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.strip().endswith(simcomm.__version__)

"""Command ``simcomm validate``: the model against published figures (registered in cli.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from simcomm.ui.options import (
    OUT_PATH,
    allow_long_option,
    announce_work,
    check_out,
    check_report_page,
    scheduler_option,
)
from simcomm.ui.terminal import echo

EXAMPLE = """
\b
Examples:
  simcomm validate --replicates 10
  simcomm validate --replicates 20 --report docs/validation.md
  simcomm validate --replicates 5 --strict     # exit 1 when a fact is out of range
  simcomm validate --replicates 5 --seed 20000 # seeds 20000, 20001, ...
"""


@click.command(epilog=EXAMPLE)
@click.option("--replicates", "-r", default=10, show_default=True, type=click.IntRange(2, 1000),
              help="Seeds per scenario (at least 2, for a confidence interval).")
@click.option("--seed", "base_seed", default=None, type=click.IntRange(0, 2**62),
              help="Base seed: replicate r runs on seed BASE + r [default: 9000, seeds no calibration "
                   "used].")
@click.option("--workers", "-w", default=None, type=click.IntRange(1, 1024),
              help="Worker processes [default: all cores].")
@scheduler_option
@click.option("--out", type=OUT_PATH, default=None,
              help="Write validation.csv, validation.json and the figures here.")
@click.option("--report", type=OUT_PATH, default=None,
              help="Write a Markdown page here (figures in a folder named after it).")
@click.option("--strict", is_flag=True, help="Exit with status 1 when a fact is out of range.")
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@allow_long_option
def validate(replicates: int, base_seed: int | None, workers: int | None, out: Path | None,
             report: Path | None, strict: bool, as_json: bool, quiet: bool, allow_long: bool) -> None:
    """Run the scenario that fits each published fact over R seeds and print the table.

    Each row: the fact, its source, the published target, the model's value with a 95% CI,
    and whether it is in range. The first block was used to calibrate the defaults; the
    second are checks the calibration did not see. Exit status 0 either way (1 with --strict
    when a fact is out of range).
    """
    from simcomm.analysis.validation import BASE_SEED, validation_workload
    from simcomm.analysis.validation import validate as run_validation
    from simcomm.report.validation_report import (
        VALIDATION_FILES,
        format_departures,
        format_table,
        write_report,
        write_validation,
    )
    from simcomm.runs.batch import show_progress
    from simcomm.runs.files import OutputError, to_jsonable

    if report is not None:  # every check before anything is simulated or created
        check_report_page(report, "docs/validation.md", VALIDATION_FILES)
    if out is not None:
        check_out(out, VALIDATION_FILES)
    announce_work(validation_workload(replicates, story=True), workers, allow_long, "--replicates")
    v = run_validation(replicates, workers=workers, progress=show_progress(quiet), story=True,
                       base_seed=BASE_SEED if base_seed is None else base_seed)
    if as_json:
        echo(json.dumps({"metadata": v.metadata, "table": to_jsonable(v.table)}, indent=2))
    else:
        md = v.metadata
        echo(f"simcomm {md['simcomm_version']}: validation, {replicates} replicates per "
                   f"scenario (seeds {md['seeds'][0]}-{md['seeds'][1]}), {md['weeks']} weeks\n")
        echo(format_table(v.table))
        echo("\n" + format_departures(v.departures))
    if out is not None:
        try:
            write_validation(v, out)
        except OutputError as exc:
            raise OutputError(f"--out: {exc}") from None
    if report is not None:
        try:
            write_report(v, report, drawn=out)
        except OutputError as exc:  # one line, saying what was written before
            raise OutputError(f"--report: {exc}" + (f" ({out} was written)" if out is not None else "")
                              ) from None
    for written in (out, report):
        if written is not None:
            echo(f"Wrote {written}", err=True)
    if strict and v.misses:
        sys.exit(1)

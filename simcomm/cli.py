"""The ``simcomm`` command line (Click command group)."""

from __future__ import annotations

import sys

import click

from simcomm import __version__
from simcomm.params import ParameterError

HEADLINE = ("retention_12w", "retention_52w", "peak_active", "final_active", "weeks_to_peak",
            "median_tenure_weeks", "total_peer_deals", "roi")


class SimcommGroup(click.Group):
    """A click group that turns bad input (ParameterError) into one line and exit status 2."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ParameterError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)


@click.group(cls=SimcommGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="simcomm")
def main() -> None:
    """Simulate partner communities: organic, vendor-imposed and more, week by week.

    \b
    Example:
      simcomm demo --replicates 5
    """


@main.command()
@click.option("--replicates", default=5, show_default=True, type=click.IntRange(1, 1000),
              help="Seeded runs of each scenario (seeds 0..R-1).")
@click.option("--weeks", default=260, show_default=True, type=click.IntRange(1, 5200),
              help="Weeks to simulate.")
def demo(replicates: int, weeks: int) -> None:
    """Compare an organic community with a vendor-imposed one and print the headline table.

    \b
    Example:
      simcomm demo --replicates 10 --weeks 156
    """
    import pandas as pd

    from simcomm.sim import run

    rows = []
    for name in ("organic", "vendor-imposed"):
        for seed in range(replicates):
            s = run(name, weeks=weeks, seed=seed).summary
            rows.append({"scenario": name, **{k: s[k] for k in HEADLINE}})
    df = pd.DataFrame(rows).astype({k: float for k in HEADLINE})
    table = df.groupby("scenario")[list(HEADLINE)].mean().T
    click.echo(f"simcomm {__version__}: mean of {replicates} seeded runs (seeds 0..{replicates - 1}), "
               f"{weeks} weeks, default parameters")
    click.echo(table.to_string(float_format=lambda x: f"{x:,.2f}"))


if __name__ == "__main__":  # pragma: no cover
    main()

"""Commands ``simcomm experiment run|summarize`` and ``simcomm sensitivity`` (registered in cli.py).

Bad input prints one line and exits with status 2 (the main group's handling of ParameterError).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click

from simcomm.core.version import __version__
from simcomm.ui.options import (
    OUT_PATH,
    InPath,
    allow_long_option,
    announce_work,
    check_out,
    parse_sets,
    scheduler_option,
)
from simcomm.ui.terminal import echo

SENSITIVITY_FILES = ("sensitivity.parquet", "sensitivity.csv", "samples.parquet", "sensitivity.json",
                     "sensitivity.png")
RUN_EXAMPLE = """
\b
Example: does losing the community manager every 9 months hurt every governance type?
  simcomm experiment run experiments/turnover-x-governance.toml --workers 2 --out out/tg
  simcomm experiment summarize out/tg
\b
On a Dask cluster (same results, whatever the number of workers):
  simcomm experiment run experiments/turnover-x-governance.toml --scheduler tcp://10.0.0.5:8786 --out out/tg
\b
A channel of communities (its scenario a channel-* file): how much of sponsoring rests on its reach?
  simcomm experiment run experiments/sponsor-reach-x-timing.toml --out out/sponsor
"""


@click.group(epilog=RUN_EXAMPLE)
def experiment() -> None:
    """Parameter sweeps over seeded replicates (experiment files, as in NetLogo's BehaviorSpace).

    An experiment file (experiments/*.toml) names a base scenario, factors (lists of values or
    ranges), replicates, weeks, the metrics to keep and a base seed. Its scenario may be a channel
    of communities (channel-*): the factors are then the channel's settings and a listed
    community's own ([factors."COMMUNITY"]), and each run keeps the measures compare shows on
    channels (experiments/README.md).
    """


@experiment.command("run", epilog=RUN_EXAMPLE)
@click.argument("file", type=InPath("an experiment file (e.g. experiments/turnover-x-governance.toml)"))
@click.option("--workers", "-w", default=None, type=click.IntRange(1, 1024),
              help="Local worker processes [default: all cores].")
@scheduler_option
@click.option("--out", type=OUT_PATH, default=None,
              help="Results directory [default: out/<experiment name>].")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@allow_long_option
def run_experiment_command(file: Path, workers: int | None, out: Path | None, quiet: bool,
                           allow_long: bool) -> None:
    """Run every design point x replicate of FILE; resume where a previous run stopped.

    Each run's seed derives from (experiment name, base seed, replicate): replicate r has the
    same seed at every design point (common random numbers, so points are compared run by run),
    and the results are the same whatever the executor and number of workers. Results are
    written in atomic batches to OUT/runs/*.parquet (one row per run; weekly series in
    OUT/weekly/ when the file asks for them) with OUT/manifest.json (the file, the seeds, the
    Python, simcomm, mesa and numpy versions and every parameter value of each design point);
    running the same command again after an interruption runs only the missing runs. On a
    channel scenario each run is a whole channel, measured as compare measures channels.
    """
    from simcomm.runs.batch import show_progress
    from simcomm.runs.experiment_file import experiment_workload, load_experiment
    from simcomm.runs.experiments import run_experiment

    exp = load_experiment(file)
    out = out if out is not None else Path("out") / exp.name
    announce_work(experiment_workload(exp), workers, allow_long, "replicates or factors in the file")
    try:  # on the cluster of --scheduler, if given (scheduler_option)
        manifest = run_experiment(exp, out, workers=workers, progress=show_progress(quiet))
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM
        from simcomm.runs.experiment_store import read_manifest
        from simcomm.runs.interruption import exit_status, interruption_word

        done = read_manifest(out).get("runs_done", 0) if (out / "manifest.json").exists() else 0
        echo(f"{interruption_word(exc)}: {done} of {exp.n_runs} runs are saved in {out}; run the same "
             "command again to run the rest.", err=True)
        sys.exit(exit_status(exc))
    session = manifest["sessions"][-1]
    rate = session["runs"] / session["seconds"] if session.get("seconds") else 0.0
    echo(f"simcomm {__version__}: experiment {exp.name}: {manifest['runs_done']} of "
               f"{manifest['runs_total']} runs done ({session['runs']} now, {rate:.2f} runs/s, "
               f"{session['executor']}) in {out}")


@experiment.command("summarize", epilog="""
\b
Example:
  simcomm experiment summarize out/turnover-x-governance
""")
@click.argument("directory", type=InPath("a results folder written by 'simcomm experiment run'"))
@click.option("--metric", "metrics", multiple=True,
              help="Metric to summarize and plot (repeatable) [default: every metric kept].")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def summarize_command(directory: Path, metrics: tuple[str, ...], as_json: bool) -> None:
    """Mean and 95% CI per design point; plots of each metric against each factor.

    Reads DIRECTORY (written by 'simcomm experiment run'); writes DIRECTORY/summary/points.csv
    and .parquet (one row per design point), a PNG of each metric against each factor with 95%
    CI bands (one line per value of the other factor when there are two), and a heat map of
    each metric over the first two factors (mean over replicates; for died_week the share of
    runs that died).
    """
    from simcomm.analysis.experiments import point_summary
    from simcomm.core.metric_registry import COUNTED, METRIC_BY_NAME
    from simcomm.core.params import ParameterError, closest_names
    from simcomm.report.experiment_plots import plot_factor, plot_heatmap
    from simcomm.runs.experiment_store import read_manifest, read_runs
    from simcomm.runs.files import to_jsonable, writing_into
    from simcomm.runs.output_set import staged_output

    manifest = read_manifest(directory)
    runs = read_runs(directory)
    factors = list(manifest["factors"])
    kept = list(manifest["metrics"])
    for m in metrics:
        if m not in kept:
            near = closest_names(m, kept)
            hint = f"did you mean {', '.join(near)}?" if near else f"kept: {', '.join(kept)}"
            raise ParameterError(f"--metric '{m}' was not kept by this experiment; {hint}")
    chosen = list(metrics) or kept
    points = point_summary(runs, factors, chosen)
    with staged_output(directory / "summary", about={"command": "experiment summarize",
                                                      "experiment": manifest["experiment"],
                                                      "metrics": chosen}) as stage, \
            writing_into(directory / "summary"):
        points.to_parquet(stage / "points.parquet", index=False)
        points.to_csv(stage / "points.csv", index=False)
        for m in chosen:
            has_values = bool(runs[m].notna().any())
            for f in factors if has_values else ():
                others = [g for g in factors if g != f and runs[g].nunique() > 1]
                by = others[0] if len(factors) == 2 and others else None
                plot_factor(runs, f, m, stage / f"{m}_by_{file_word(f)}.png", by=by,
                            title=f"{manifest['experiment']}: {m} against {f}",
                            order=manifest["factors"][f])
            if len(factors) >= 2 and (has_values or m == "died_week"):  # no deaths: a share of 0
                plot_heatmap(runs, factors[0], factors[1], m, stage / f"{m}_heatmap.png",
                             title=f"{manifest['experiment']}: {m}", orders=manifest["factors"])
    if as_json:
        echo(json.dumps(to_jsonable({"experiment": manifest["experiment"], "points": points}),
                              indent=2))
        return
    echo(f"experiment {manifest['experiment']}: {len(runs)} of {manifest['runs_total']} runs, "
               f"{points.shape[0]} design points")
    if manifest.get("question"):
        echo(f"question: {manifest['question']}")
    for m in chosen:
        spec = METRIC_BY_NAME.get(m)
        what = f" ({spec.label(int(manifest.get('weeks', 260)))})" if spec is not None else ""
        counted = "runs that died" if m == "died_week" else "runs with a value"
        how = ("share of runs [95% Wilson interval]" if m in COUNTED else
               "mean [95% interval, bootstrap within the metric's bounds]")
        echo(f"\n{m}{what}: {how} ({counted})")
        for row in points.to_dict(orient="records"):  # each factor in its own type (10, not 10.0)
            label = ", ".join(f"{f}={row[f]}" for f in factors)
            mean, lo, hi, n = row[f"{m}_mean"], row[f"{m}_ci_low"], row[f"{m}_ci_high"], int(row[f"{m}_n"])
            if n == 0:
                text = "no run has a value" if m != "died_week" else "no run died"
            elif lo != lo:
                text = f"{mean:,.4g} [n too small for an interval]"
            else:
                text = f"{mean:,.4g} [{lo:,.4g}, {hi:,.4g}]"
            echo(f"  {label:<60} {text:>36} ({n} of {int(row['runs'])})")
    echo(f"\nwrote tables and plots to {directory / 'summary'}")


@click.command(epilog="""
\b
Example: which levers matter most for 52-week retention in a vendor-imposed community?
  simcomm sensitivity vendor-imposed --method morris --samples 10 --weeks 156 \\
      --params staff_turnover_per_year,promo_share,moderation --set partners=1000
  simcomm sensitivity vendor-imposed --method sobol --params promo_share,moderation \\
      --samples 64 --metric peak_active --out out/sobol
""")
@click.argument("scenario")
@click.option("--method", type=click.Choice(["morris", "sobol"]), default="morris", show_default=True)
@click.option("--params", "param_names", required=True, metavar="A,B,C",
              help="Comma-separated numeric parameters to vary.")
@click.option("--samples", "-n", default=8, show_default=True, type=click.IntRange(2, 1_000_000),
              help="Morris trajectories, or Sobol base samples (a power of two).")
@click.option("--bounds", multiple=True, metavar="NAME=LOW:HIGH",
              help="Bounds of a parameter (repeatable) "
              "[default: its allowed range, at most value/4..value*4].")
@click.option("--metric", default="retention_52w", show_default=True, help="Summary metric analysed.")
@click.option("--weeks", default=260, show_default=True, type=click.IntRange(1, 5200))
@click.option("--replicates", "-r", default=1, show_default=True, type=click.IntRange(1, 10_000),
              help="Seeds averaged at each sample (the same seeds at every sample).")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0, 2**32 - 1))
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Override a parameter (repeatable).")
@click.option("--workers", "-w", default=None, type=click.IntRange(1, 1024),
              help="Parallel processes [default: all cores].")
@scheduler_option
@click.option("--out", type=OUT_PATH, default=None,
              help="Directory for sensitivity.csv/.parquet/.json, samples.parquet and sensitivity.png.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@allow_long_option
def sensitivity(scenario: str, method: str, param_names: str, samples: int, bounds: tuple[str, ...],
                metric: str, weeks: int, replicates: int, seed: int, sets: tuple[str, ...],
                workers: int | None, out: Path | None, as_json: bool, quiet: bool, allow_long: bool) -> None:
    """Global sensitivity of a metric to parameters (SALib): Morris mu* or Sobol indices, ranked.

    SCENARIO is a built-in name or a scenario TOML file. Prints the parameters ranked by Morris
    mu* (or Sobol total index ST) with 95% confidence intervals; with --out also writes the
    table, the samples with the model output, and a bar plot.
    """
    from simcomm.core.params import ParameterError, make_params
    from simcomm.report.experiment_plots import plot_sensitivity
    from simcomm.runs.batch import show_progress
    from simcomm.runs.files import to_jsonable, writing_into
    from simcomm.runs.library import load_scenario
    from simcomm.runs.output_set import staged_output
    from simcomm.runs.sensitivity import parse_bounds
    from simcomm.runs.sensitivity import sensitivity as analyse
    from simcomm.runs.workload import Workload

    sc = load_scenario(scenario)
    names = [n.strip() for n in param_names.split(",") if n.strip()]
    overrides = parse_sets(sets)
    for name in names:  # --set would be silently overridden by the samples
        if name in overrides:
            raise ParameterError(f"--set {name}={overrides[name]}: {name} is varied by --params, so a value "
                                 "set for it would be ignored; drop it from --set or from --params")
    limits = _checked_bounds(parse_bounds(bounds))
    if out is not None:
        check_out(out, SENSITIVITY_FILES)
    evaluations = samples * ((len(names) + 1) if method == "morris" else (len(names) + 2))
    partners = make_params(overrides, base=sc.overrides)["partners"]
    announce_work(Workload().add(evaluations * replicates, weeks, int(partners)), workers, allow_long,
                  "--samples or --replicates")
    result = analyse(sc, names, method=method, samples=samples, metric=metric, weeks=weeks,
                     replicates=replicates, seed=seed, bounds=limits,
                     overrides=overrides, workers=workers, progress=show_progress(quiet))
    table, settings = result.table, result.settings
    key = settings["ranked_by"]
    if out is not None:
        with staged_output(out, about={"command": "sensitivity", "scenario": sc.name, **settings}) as stage, \
                writing_into(out):
            table.to_parquet(stage / "sensitivity.parquet", index=False)
            table.to_csv(stage / "sensitivity.csv", index=False)
            result.samples.to_parquet(stage / "samples.parquet", index=False)
            (stage / "sensitivity.json").write_text(json.dumps(to_jsonable(
                {"settings": settings, "indices": table, "simcomm_version": __version__}), indent=2))
            plot_sensitivity(table, key, stage / "sensitivity.png",
                             title=f"{sc.name}: sensitivity of {metric} ({method}, {settings['runs']} runs)")
    if as_json:
        echo(json.dumps(to_jsonable({"settings": settings, "indices": table}), indent=2))
        return
    echo(f"simcomm {__version__}: {method} sensitivity of {metric} in {sc.name}, "
               f"{settings['runs']} runs of {weeks} weeks")
    conf = f"{key}_conf"
    extra = "S1" if key == "ST" else "sigma"
    echo(f"{'rank':>4}  {'parameter':<26} {'bounds':>22} {key:>10} {'95% CI':>10} {extra:>10}")
    for row in table.itertuples(index=False):
        r = row._asdict()
        span = f"[{r['low']:g}, {r['high']:g}]"
        echo(f"{r['rank']:>4}  {r['parameter']:<26} {span:>22} "
                   f"{r[key]:>10.4g} {'±' + format(r[conf], '.3g'):>10} {r[extra]:>10.4g}")
    if out is not None:
        echo(f"wrote 5 files to {out}")


def file_word(name: str) -> str:
    """Return ``name`` (a factor: a parameter, or a channel community's ``COMMUNITY.NAME``) as a
    file name's part: letters, digits, '_', '.' and '-' kept, each other run of characters '_'."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "factor"


def _checked_bounds(bounds: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    """Return ``bounds`` (NAME -> (LOW, HIGH), from --bounds) after checking each end against the
    parameter's allowed values; ParameterError naming --bounds NAME=LOW:HIGH otherwise. Unknown
    or non-numeric names are left to the analysis, which names them with --params."""
    from simcomm.core.params import SPEC_BY_NAME, ParameterError

    for name, (low, high) in bounds.items():
        spec = SPEC_BY_NAME.get(name)
        if spec is None or spec.kind not in (int, float):
            continue
        for v in (low, high):
            try:
                spec.validate(int(v) if spec.kind is int and float(v).is_integer() else v)
            except ParameterError as exc:
                raise ParameterError(f"--bounds {name}={low:g}:{high:g}: {exc}") from None
    return bounds

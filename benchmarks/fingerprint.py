"""Fingerprint the model's outputs: a SHA-256 of every library scenario's tables.

Usage::

    .venv/bin/python benchmarks/fingerprint.py                      # print the fingerprint
    .venv/bin/python benchmarks/fingerprint.py --save before.json   # keep per-run hashes
    .venv/bin/python benchmarks/fingerprint.py --check before.json  # exit 1 on any difference
    .venv/bin/python benchmarks/fingerprint.py --quick ...          # 2 seeds, 400 partners

For every library scenario x seeds (0, 1, 2) x population sizes (400 and 2,500 partners) it runs
``simcomm.run(scenario, weeks=WEEKS, seed=seed, overrides={"partners": size})`` through the
public API and hashes ``timeseries``, ``members``, ``events`` and ``summary``: column names,
dtypes and every value (floats at full precision, ``repr``). A refactoring that changes no
behaviour leaves every hash identical; ``--check`` names the runs and tables that differ.

Channels too: for every channel scenario of :data:`CHANNELS` x :data:`CHANNEL_SEEDS` at its own
size it runs ``simcomm.run_channel(name, weeks=WEEKS, seed=seed)`` and hashes its
``communities``, ``channel``, ``roster`` and ``members`` tables and its ``metadata`` (without the
package versions), as ``channel/NAME/SEED``. ``--check`` compares the runs the saved file has
(a file saved before channels were fingerprinted holds none: it prints how many runs it did not
compare); ``--channels`` fingerprints the channels only, ``--no-channels`` (and ``--quick``,
which ``make same-outputs`` runs under both Pythons) the single communities only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import pandas as pd

import simcomm

SEEDS: tuple[int, ...] = (0, 1, 2)
SIZES: tuple[int, ...] = (400, 2_500)
WEEKS = 260
QUICK_SEEDS: tuple[int, ...] = (0, 1)
QUICK_SIZES: tuple[int, ...] = (400,)
CHANNELS: tuple[str, ...] = ("channel-member-founded", "channel-vendor-both", "channel-many-programmes")
CHANNEL_SEEDS: tuple[int, ...] = (0, 1, 2)
CHANNEL_TABLES: tuple[str, ...] = ("communities", "channel", "roster", "members", "metadata")
VERSION_KEYS: tuple[str, ...] = ("simcomm_version", "mesa_version")


def table_hash(frame: pd.DataFrame) -> str:
    """Return the SHA-256 (hex) of a table's column names, dtypes and values."""
    head = "|".join(f"{c}:{t}" for c, t in frame.dtypes.items())
    body = frame.to_csv(index=False, float_format=repr, na_rep="<NA>")
    return hashlib.sha256((head + "\n" + body).encode()).hexdigest()


def run_hashes(scenario: str, seed: int, size: int, weeks: int = WEEKS) -> dict[str, str]:
    """Return the hash of each output table of one run (timeseries, members, events, summary)."""
    res = simcomm.run(scenario, weeks=weeks, seed=seed, overrides={"partners": size})
    summary = json.dumps(res.summary, sort_keys=True, default=repr)
    return {
        "timeseries": table_hash(res.timeseries),
        "members": table_hash(res.members),
        "events": table_hash(res.events),
        "summary": hashlib.sha256(summary.encode()).hexdigest(),
    }


def fingerprint(weeks: int = WEEKS, seeds: tuple[int, ...] = SEEDS,
                sizes: tuple[int, ...] = SIZES) -> dict[str, dict[str, str]]:
    """Return {"scenario/seed/size": {table: hash}} for every library scenario, seed and size."""
    out: dict[str, dict[str, str]] = {}
    for name in simcomm.scenario_names():
        for size in sizes:
            for seed in seeds:
                out[f"{name}/{seed}/{size}"] = run_hashes(name, seed, size, weeks)
    return out


def channel_hashes(name: str, seed: int, weeks: int = WEEKS) -> dict[str, str]:
    """Return the hash of each output table of one channel run (communities, channel, roster,
    members) and of its metadata without the package versions."""
    res = simcomm.run_channel(name, weeks=weeks, seed=seed)
    meta = {k: v for k, v in res.metadata.items() if k not in VERSION_KEYS}
    return {
        "communities": table_hash(res.communities),
        "channel": table_hash(res.channel),
        "roster": table_hash(res.roster),
        "members": table_hash(res.members),
        "metadata": hashlib.sha256(json.dumps(meta, sort_keys=True, default=repr).encode()).hexdigest(),
    }


def channel_fingerprint(weeks: int = WEEKS, seeds: tuple[int, ...] = CHANNEL_SEEDS,
                        names: tuple[str, ...] = CHANNELS) -> dict[str, dict[str, str]]:
    """Return {"channel/NAME/SEED": {table: hash}} for every channel of ``names`` and seed."""
    return {f"channel/{name}/{seed}": channel_hashes(name, seed, weeks) for name in names for seed in seeds}


def combined(hashes: dict[str, dict[str, str]]) -> str:
    """Return one SHA-256 over every run's table hashes (in a fixed order)."""
    text = json.dumps(hashes, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    """Print the fingerprint; with --check, return 1 when any run differs from the saved one."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--save", type=Path, help="write per-run hashes to this JSON file")
    ap.add_argument("--check", type=Path, help="compare with per-run hashes saved earlier")
    ap.add_argument("--weeks", type=int, default=WEEKS)
    ap.add_argument("--quick", action="store_true",
                    help=f"seeds {QUICK_SEEDS}, {QUICK_SIZES[0]} partners only (make test's check that "
                    "both Pythons give the same outputs)")
    ap.add_argument("--channels", action="store_true", help="fingerprint the channel scenarios only")
    ap.add_argument("--no-channels", action="store_true", help="fingerprint the single communities only")
    args = ap.parse_args(argv)
    hashes: dict[str, dict[str, str]] = {}
    if not args.channels:
        hashes.update(fingerprint(args.weeks, QUICK_SEEDS, QUICK_SIZES) if args.quick
                      else fingerprint(args.weeks))
    if args.channels or not (args.no_channels or args.quick):  # --quick (make test's check): no channels
        hashes.update(channel_fingerprint(args.weeks))
    print(f"{len(hashes)} runs, fingerprint {combined(hashes)}")
    if args.save:
        args.save.write_text(json.dumps(hashes, indent=1, sort_keys=True) + "\n")
    if args.check:
        saved = json.loads(args.check.read_text())
        # Every run the saved file has and this one made is compared (a run saved but not made,
        # e.g. a single community's under --channels, is left out and counted).
        compared = sorted(set(saved) & set(hashes))
        diff = [f"{run}: {table}" for run in compared
                for table in sorted(set(saved[run]) | set(hashes[run]))
                if saved[run].get(table) != hashes[run].get(table)]
        for line in diff:
            print("differs:", line)
        unsaved = len(set(hashes) - set(saved))
        unmade = len(set(saved) - set(hashes))
        if unsaved or unmade:
            print(f"{len(compared)} runs compared; not compared: {unsaved} not in {args.check}, "
                  f"{unmade} saved but not run now")
        if not compared:
            print(f"no run compared: {args.check} holds none of these runs")
            return 1
        print("identical" if not diff else f"{len(diff)} tables differ")
        return 1 if diff else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())

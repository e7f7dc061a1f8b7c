"""``simcomm run`` on a channel scenario: several communities over one population of partners.

``simcomm run channel-vendor-enters`` prints what happened to each community (founded, died,
peak and final members) and the channel's figures (communities alive, founded and dead, overlap:
memberships per member); with ``--out`` it writes the per-community and channel tables
(:func:`simcomm.report.outputs.write_channel`). ``--set`` takes the channel's shared parameters
only (the population's and the peer ties').
"""

from __future__ import annotations

import json
from pathlib import Path

from simcomm.core.version import __version__
from simcomm.ui.options import announce_work, check_out, parse_sets
from simcomm.ui.terminal import echo, printable


def run_channel_command(scenario: str, seed: int, weeks: int, sets: tuple[str, ...], out: Path | None,
                        as_json: bool, quiet: bool, allow_long: bool) -> None:
    """Run the channel scenario ``scenario`` as ``simcomm run`` does a single community: print
    its communities and the channel's figures (or JSON), write its tables with ``out``; return
    None. Bad input raises ParameterError (one line, exit 2, before anything is simulated)."""
    from tqdm import tqdm

    from simcomm.core.params import make_params
    from simcomm.report.outputs import CHANNEL_FILES, write_channel
    from simcomm.runs.batch import show_progress
    from simcomm.runs.channel_run import load_channel, run_channel, with_overrides
    from simcomm.runs.files import to_jsonable
    from simcomm.runs.workload import Workload

    plan = with_overrides(load_channel(scenario), parse_sets(sets))
    if out is not None:
        check_out(out, CHANNEL_FILES)
    partners = int(make_params(plan.shared)["partners"])
    most = max(1, len(plan.communities) + plan.max_founded)
    announce_work(Workload().add(most, weeks, partners), 1, allow_long, "--weeks, partners or communities")
    with tqdm(total=weeks, desc=printable(plan.name), unit="week", disable=not show_progress(quiet)) as bar:
        result = run_channel(plan, weeks=weeks, seed=seed, on_week=lambda w: bar.update())
    written = write_channel(result, out) if out is not None else []
    last = result.channel.iloc[-1]
    if as_json:
        roster = result.roster.to_dict(orient="records")
        week = result.channel.to_dict(orient="records")[-1]  # each column's own type
        echo(json.dumps(to_jsonable({"channel": week, "roster": roster,
                                     "metadata": result.metadata}), indent=2))
        return
    echo(f"simcomm {__version__}  {plan.name} (channel)  seed {seed}  {weeks} weeks")
    overlap = "no members" if last["members"] == 0 else f"{last['overlap']:.2f} communities per member"
    echo(f"\n{int(last['founded_total'])} communities founded, {int(last['dead_total'])} died, "
         f"{int(last['communities_alive'])} alive at week {weeks}; {int(last['members']):,} partners "
         f"belong to at least one ({overlap}).\n")
    echo(f"{'community':<28} {'governance':<16} {'topic':<13} {'founded':>7} {'died':>5} "
         f"{'peak':>6} {'end':>6}")
    for row in result.roster.itertuples():
        died = "" if row.died_week is None or str(row.died_week) == "<NA>" else str(row.died_week)
        echo(f"{printable(str(row.community))[:28]:<28} {row.governance:<16} {row.topic:<13} "
             f"{row.founded_week:>7} {died:>5} {row.peak_members:>6} {row.members_at_end:>6}")
    for row in result.roster.itertuples():
        if row.sponsor:
            echo(f"{printable(str(row.community))}: sponsored by the vendor ({printable(str(row.sponsor))}) "
                 f"from week {row.sponsored_week}.")
    for name, info in result.metadata.get("sponsorships", {}).items():
        if info["community"] is None:
            echo(f"{printable(name)}: nothing to sponsor at week {info['week']} (the community had died).")
    if written:
        echo(f"wrote {len(written)} files to {out}")

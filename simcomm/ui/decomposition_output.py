"""What ``explain A --against B`` prints and writes, for single communities and channels alike."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from simcomm.core.params import ParameterError
from simcomm.core.version import __version__
from simcomm.ui.terminal import echo


def chosen_metrics(metrics: str | None, allowed: tuple[str, ...], where: str = "") -> tuple[str, ...]:
    """Return the metrics ``--metric`` names (comma-separated; all of ``allowed`` when None); raise
    ParameterError (one line naming the allowed ones; the registry's, with close names, for a name
    it does not know) for any other. ``where`` ends the refusal: " on channels"."""
    from simcomm.core.metric_registry import metric as registered

    if metrics is None:
        return allowed
    chosen = tuple(m.strip() for m in metrics.split(",") if m.strip())
    names = ", ".join(allowed)
    for m in chosen:
        if m not in allowed:
            registered(m)  # an unknown name: the registry's message, with close names
            raise ParameterError(f"--metric {m} is not allowed{where}: expected some of {names}")
    if not chosen:
        raise ParameterError(f"--metric '{metrics}' names no metric: expected some of {names}")
    return chosen


def tell_decomposition(runs: Any, table: Any, metadata: dict[str, Any], out: Path | None, as_json: bool,
                       kind: str) -> None:
    """Write the decomposition's files to ``out`` (if given), then print its JSON or its heading
    (``kind`` names what was run: "runs", "channel runs") and one sentence a lever; return None."""
    from simcomm.report.decompose import payload, sentences, write_decomposition
    from simcomm.runs.files import to_jsonable

    written = write_decomposition(runs, table, out, metadata) if out is not None else []
    if as_json:
        echo(json.dumps(to_jsonable(payload(runs, table, metadata)), indent=2))
        return
    overrides = metadata["overrides"]
    set_text = f", set: {overrides}" if overrides else ""
    echo(f"simcomm {__version__}: explain {metadata['scenario']} --against {metadata['against']} "
         f"({runs.runs} {kind}{set_text})\n")
    for sentence in sentences(runs, table):
        echo(click.wrap_text(sentence, width=100) + "\n")
    if written:
        echo(f"wrote {len(written)} files to {out}")

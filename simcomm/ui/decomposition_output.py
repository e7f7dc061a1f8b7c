"""What ``explain A --against B`` prints and writes, for single communities and channels alike."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from simcomm.core.version import __version__
from simcomm.ui.terminal import echo


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

"""The runs a claims page was made from, read back (``simcomm claims --update``).

A claims page (``docs/claims.md``) keeps its data in the folder named after it (``docs/claims/``,
written by :func:`simcomm.report.claims.write_claims_report`): its manifest (the settings, in
``about``), ``claims.json``,
``contrasts.csv`` (every claim's paired runs at the defaults, one row per claim x arm x
replicate) and, when the robustness ran, ``robustness_design.csv`` and ``robustness.csv``.
``--update`` runs only the claims it names at the stored settings and seeds and puts their rows
in place of any stored ones, so that adding a claim does not mean running every other again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from simcomm.core.params import ParameterError
from simcomm.runs.files import shown
from simcomm.runs.output_set import MANIFEST

#: The settings ``--update`` takes from the page (the runs of the others were made with them).
STORED_SETTINGS: tuple[str, ...] = ("replicates", "survival_replicates", "seed", "weeks", "points",
                                    "point_replicates", "shuffles")


@dataclass
class StoredClaims:
    """A claims page's data: ``settings`` (claims.json's), ``values`` (contrasts.csv), ``design``
    (the robustness design, without its ``point`` column; None when not run) and
    ``robustness`` (robustness.csv; None when not run)."""

    settings: dict[str, Any]
    values: pd.DataFrame
    design: pd.DataFrame | None
    robustness: pd.DataFrame | None

    def claims(self) -> set[str]:
        """Return the keys of the claims whose runs at the defaults are stored."""
        return set(self.values["claim"])


def read_stored_claims(page: Path) -> StoredClaims:
    """Return the data of the claims page ``page`` (its folder: ``docs/claims.md`` ->
    ``docs/claims/``; the settings as its manifest recorded them when simcomm wrote it). Raises
    ParameterError (one line naming --update and the file) when a file is missing or
    unreadable, or the settings lack one of :data:`STORED_SETTINGS`."""
    folder = Path(page).with_suffix("")
    try:
        settings = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["about"]
        values = pd.read_csv(folder / "contrasts.csv")
        design = robustness = None
        if int(settings.get("points", 0)):
            design = pd.read_csv(folder / "robustness_design.csv").drop(columns="point")
            robustness = pd.read_csv(folder / "robustness.csv")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ParameterError(f"--update: cannot read the runs of the page {shown(str(page))} from "
                             f"{shown(str(folder))} ({type(exc).__name__}: {exc}); run the whole page "
                             "without --update") from None
    missing = [k for k in STORED_SETTINGS if k not in settings]
    if missing or "claim" not in values.columns:
        lacking = ", ".join(missing) or "claim"
        raise ParameterError(f"--update: {shown(str(folder / MANIFEST))} has no {lacking}; run the "
                             "whole page without --update")
    return StoredClaims(dict(settings), values, design, robustness)


def merged(stored: pd.DataFrame | None, new: pd.DataFrame | None, keys: set[str]) -> pd.DataFrame | None:
    """Return ``stored`` without the rows of the claims in ``keys``, then ``new`` (None when both
    are None)."""
    frames = [f for f in (None if stored is None else stored[~stored["claim"].isin(keys)], new)
              if f is not None and len(f)]
    if not frames:
        return stored if new is None else new
    return pd.concat(frames, ignore_index=True)

"""Channel runs beside single runs in one batch: a :class:`ChannelSpec` names a channel scenario,
its horizon, seed and shared overrides, and :func:`run_either` runs a RunSpec or a ChannelSpec,
so that :func:`simcomm.runs.batch.run_many` takes both in one list (one progress bar, the same
worker processes or Dask cluster).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from simcomm.runs.batch import RunSpec, run_spec
from simcomm.runs.channel_run import ChannelResult, run_channel
from simcomm.runs.sim import Result


@dataclass(frozen=True)
class ChannelSpec:
    """One channel run: a channel scenario (a built-in ``channel-*`` name or a TOML path), a
    horizon in weeks, a seed and overrides of its shared parameters (population, peer ties)."""

    channel: str
    weeks: int
    seed: int
    overrides: Mapping[str, Any] = field(default_factory=dict)


def run_either(spec: RunSpec | ChannelSpec) -> Result | ChannelResult:
    """Return the Result of a RunSpec, or the ChannelResult of a ChannelSpec (the function worker
    processes call)."""
    if isinstance(spec, ChannelSpec):
        return run_channel(spec.channel, weeks=spec.weeks, seed=spec.seed, overrides=dict(spec.overrides))
    return run_spec(spec)

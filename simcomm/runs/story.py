"""The runs a training session's story is told from (``simcomm story``, :mod:`simcomm.report.story`).

:func:`replay` replays a run of :func:`simcomm.runs.sim.run` on the same seed, week by week,
and hands the model to the caller at week 0 and at the weeks it asks for (the story draws the
partner network there); at the end it checks that the replay is the run. :func:`manager_stayed`
runs the "manager stayed" twin of a run in which a manager left (the same seed with
``Counterfactual(keep_all_managers=True)``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import Any

from simcomm.core.counterfactual import Counterfactual
from simcomm.core.model import CommunityModel
from simcomm.core.params import make_params
from simcomm.core.scenario import Scenario
from simcomm.runs.sim import Result, simulate


def replay(sc: Scenario, result: Result, overrides: Mapping[str, Any],
           at_weeks: Collection[int]) -> Iterator[CommunityModel]:
    """Yield the model of a replay of ``result`` (``sc`` with ``overrides``, on the run's seed):
    once at week 0, then after each week in ``at_weeks``, up to the run's horizon.

    Raises RuntimeError when the replay's active members differ from the run's (the model would
    not be reproducible)."""
    model = CommunityModel(make_params(dict(overrides), base=sc.overrides), seed=result.seed)
    yield model
    for _ in range(result.weeks):
        model.step()
        if model.week in at_weeks:
            yield model
    if list(model.history["active_members"]) != result.timeseries["active_members"].tolist():
        raise RuntimeError("the network replay differs from the run: the model is not reproducible")


def manager_stayed(sc: Scenario, result: Result, weeks: int, seed: int,
                   overrides: Mapping[str, Any]) -> Result | None:
    """Return the run of ``sc`` (``weeks`` weeks, ``seed``, ``overrides``: those of ``result``) in
    which no manager ever leaves, when a manager left in ``result`` (None otherwise)."""
    if "staff_left" not in set(result.events["kind"]):
        return None
    return simulate(sc, weeks=weeks, seed=seed, overrides=dict(overrides),
                    counterfactual=Counterfactual(keep_all_managers=True))

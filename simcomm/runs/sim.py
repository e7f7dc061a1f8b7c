"""Running one simulation: :func:`run` returns a :class:`Result` (the stable Python API)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from simcomm.core.counterfactual import Counterfactual
from simcomm.core.model import CommunityModel
from simcomm.core.params import ParameterError, Params, checked_overrides, make_params
from simcomm.core.population import SIZE_CLASSES
from simcomm.core.scenario import Scenario
from simcomm.runs.library import load_scenario
from simcomm.runs.resources import check_memory
from simcomm.runs.summary import summarize

MAX_WEEKS = 5200


@dataclass
class Result:
    """What one run produced: weekly series, one row per member, headline summary, events.

    ``metadata`` records the scenario, every parameter value, the seed, the weeks and the
    simcomm and mesa versions, so that any output can be reproduced.
    """

    scenario: str
    params: Params
    seed: int
    weeks: int
    timeseries: pd.DataFrame
    members: pd.DataFrame
    summary: dict[str, Any]
    events: pd.DataFrame
    metadata: dict[str, Any] = field(default_factory=dict)


def checked_run_args(weeks: Any, seed: Any) -> tuple[int, int]:
    """Return ``(weeks, seed)`` as ints, or raise ParameterError in one line naming the field and
    its allowed values (weeks 1-MAX_WEEKS, seed 0 to 2^63)."""
    if isinstance(weeks, bool) or not isinstance(weeks, int | np.integer) or not 1 <= weeks <= MAX_WEEKS:
        raise ParameterError(f"weeks = {weeks!r} is not allowed: expected an integer in [1, {MAX_WEEKS}]")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed < 2**63:
        raise ParameterError(f"seed = {seed!r} is not allowed: expected an integer in [0, 2^63)")
    return int(weeks), int(seed)


def members_table(model: CommunityModel) -> pd.DataFrame:
    """Return one row per partner who ever joined (first membership spell), by partner_id.

    Columns: partner_id, kind (partner/advocate), size_class, join_week, leave_week (NA while
    still a member), rejoin_week, posts, answers, first_post_week, first_post_answered (NA
    when the first message was an answer or there was none), second_post_week, peer_deals,
    active_weeks (weeks spent as an active member), related_weeks (weeks active with the manager
    holding its relationship in post), invited, member_at_end.
    """
    p = model.people
    idx = np.flatnonzero(p.join_week >= 0)

    def _na(values: np.ndarray) -> pd.arrays.IntegerArray:
        """Return ``values`` as nullable integers, NA where negative (built with its mask: a
        Series' ``mask`` took about a tenth of a small run)."""
        return pd.arrays.IntegerArray(values.astype(np.int64), values < 0)

    answered = p.first_post_answered[idx]
    return pd.DataFrame({
        "partner_id": idx,
        "kind": np.where(p.is_advocate[idx], "advocate", "partner"),
        "size_class": np.array(SIZE_CLASSES)[p.size_class[idx]],
        "join_week": p.join_week[idx],
        "leave_week": _na(p.leave_week[idx]),
        "rejoin_week": _na(p.rejoin_week[idx]),
        "posts": p.posts[idx],
        "answers": p.answers[idx],
        "first_post_week": _na(p.first_post_week[idx]),
        "first_post_answered": pd.arrays.BooleanArray(answered == 1, answered < 0),
        "second_post_week": _na(p.second_post_week[idx]),
        "peer_deals": p.deals[idx],
        "active_weeks": p.active_weeks[idx],
        "related_weeks": p.related_weeks[idx],
        "invited": p.invited[idx],
        "member_at_end": ((p.state[idx] == 2) | (p.state[idx] == 3)),
    })


def run(scenario: str | Scenario = "organic", *, weeks: int = 260, seed: int = 0,
        overrides: Mapping[str, Any] | None = None,
        on_week: Callable[[int], None] | None = None) -> Result:
    """Run one scenario for ``weeks`` weeks from ``seed``; return its Result.

    ``scenario`` is a built-in name, the path of a scenario TOML file, or a Scenario;
    ``overrides`` maps parameter names to values and is applied over the scenario's own.
    ``on_week(week)`` is called after each simulated week (for progress bars).
    Raises ParameterError (one line, naming the field and what is allowed) on bad input, and
    before anything is allocated when the run would need more memory than is available (the
    estimate of :func:`simcomm.runs.resources.check_memory`, as the command line does).
    """
    weeks, seed = checked_run_args(weeks, seed)
    overrides = checked_overrides(overrides)
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    check_memory([(sc.overrides, dict(overrides))])
    return simulate(sc, weeks=weeks, seed=seed, overrides=overrides, on_week=on_week)


def software_versions() -> dict[str, str]:
    """Return the versions a result depends on, as text: ``python``, ``simcomm``, ``mesa``,
    ``numpy``, ``pandas`` and ``scipy`` (what a researcher's record of a run needs)."""
    import platform

    import mesa
    import scipy

    from simcomm.core.version import __version__

    return {"python": platform.python_version(), "simcomm": __version__, "mesa": mesa.__version__,
            "numpy": np.__version__, "pandas": pd.__version__, "scipy": scipy.__version__}


def simulate(scenario: str | Scenario = "organic", *, weeks: int = 260, seed: int = 0,
             overrides: Mapping[str, Any] | None = None,
             on_week: Callable[[int], None] | None = None,
             counterfactual: Counterfactual | None = None) -> Result:
    """:func:`run` without its memory check: for the runs of a batch, whose memory was checked
    for all of them at once, processes included (:func:`simcomm.runs.batch.run_many`), so that
    a run is not refused half-way through a sweep because its sibling workers hold memory.

    ``counterfactual`` (:mod:`simcomm.core.counterfactual`) replays the run with some of its
    events neutralised; when given (even empty), ``metadata["counterfactual"]`` records what
    was neutralised, the run's adverse events (week, kind, slot) and its budget reviews (week,
    revenue and cost compared)."""
    from simcomm.core.version import __version__

    weeks, seed = checked_run_args(weeks, seed)
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    params = make_params(overrides, base=sc.overrides)
    model = CommunityModel(params, seed=seed, counterfactual=counterfactual)
    for _ in range(weeks):
        model.step()
        if on_week is not None:
            on_week(model.week)
    ts = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    members = members_table(model)
    summary = summarize(ts, members, weeks, model.died_week)
    events = pd.DataFrame(model.events, columns=["week", "kind", "text"])
    import mesa

    metadata = {
        "scenario": sc.name, "seed": seed, "weeks": weeks, "simcomm_version": __version__,
        "mesa_version": mesa.__version__, "params": params.to_dict(),
        "overrides": dict(overrides or {}),
    }
    if counterfactual is not None:
        metadata["counterfactual"] = {**counterfactual.to_dict(),
                                      "adverse_events": [e.to_dict() for e in model.adverse],
                                      "reviews": [r.to_dict() for r in model.reviews]}
    summary = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in summary.items()}
    return Result(sc.name, params, seed, weeks, ts, members, summary, events, metadata)

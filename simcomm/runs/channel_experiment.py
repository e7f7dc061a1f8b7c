"""Experiments over a channel of communities: a sweep of a channel scenario's settings (issue 24).

An experiment file (:mod:`simcomm.runs.experiment_file`) whose ``scenario`` names a channel
scenario (a built-in ``channel-*`` name, or a TOML file with a ``[channel]`` table) sweeps that
channel's settings over seeded replicates, as a single community's experiment sweeps its
parameters::

    scenario = "channel-vendor-sponsors"
    weeks = 156
    replicates = 10
    metrics = ["active_in_any", "own_members_at_end", "vendor_reach_at_end"]  # default: all of them

    [overrides]                       # one value each, named as in [factors]
    partners = 1000

    [factors]
    founding_rate = [0.0, 0.1]        # the channel's: founding_rate, max_founded, founded_scenario,
                                      # or a shared parameter (the population's, the peer ties')
    [factors."vendor's sponsorship"]  # a listed community's (or sponsorship's) own
    sponsor_recruits = [0.0, 0.5, 1.0]
    launch_week = [0, 26]

A listed community's factors are its ``launch_week``, ``topic``, ``scenario`` and its own
parameters (not the shared ones, not ``governance``: that is its scenario's); a sponsorship's
are its ``launch_week`` and the sponsor's parameters (:data:`~simcomm.core.channel_plan.SPONSOR_PARAMS`).
A name that is a channel setting is one, even where a community has that name.

Each design point is the channel file with the file's ``[overrides]`` and the point's values
written into it, read by :func:`simcomm.core.channel_plan.channel_from_table` like any channel
file: a point is exactly the channel file a researcher would write by hand, and every check a
channel file gets (a sponsorship's target, a community's parameters together) applies to every
point before anything runs. Factor columns are named by the setting (``founding_rate``), a
community's as ``COMMUNITY.NAME`` (``vendor's sponsorship.sponsor_recruits``).

Each run measures what ``compare`` on channels measures
(:data:`~simcomm.core.metric_registry.CHANNEL_COMPARED`,
:func:`simcomm.runs.channel_compare.channel_outcomes`); ``weekly`` keeps the channel's weekly
record (:data:`CHANNEL_WEEKLY`). Seeds, the results folder, resuming and the cluster are the
single community's (:mod:`simcomm.runs.experiments`): replicate r has the same seed at every point,
so every point has the same partners, needs and ties seed by seed (while ``partners`` and
``acquaintances`` are not varied).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from simcomm.core.channel import CHANNEL_METRICS
from simcomm.core.channel_plan import (
    MAX_FOUNDED,
    MAX_FOUNDING_RATE,
    MAX_WEEK,
    SHARED,
    SPONSOR_PARAMS,
    TOPIC_NAMES,
    ChannelPlan,
    channel_from_table,
)
from simcomm.core.metric_registry import CHANNEL_COMPARED
from simcomm.core.parameter import ASSUMPTION, ParamSpec, param
from simcomm.core.params import SPEC_BY_NAME, ParameterError, Value, closest_names, make_params
from simcomm.core.scenario import Scenario
from simcomm.runs.channel_compare import channel_outcomes, most_communities, partners_of, stepped_channel
from simcomm.runs.channel_run import channel_table
from simcomm.runs.experiment_design import (
    FACTORS_EXPECTED,
    MAX_RUNS,
    Experiment,
    ExperimentText,
    counted_runs,
    factor_values,
    job_row,
)
from simcomm.runs.library import load_scenario, scenario_names
from simcomm.runs.resources import check_memory
from simcomm.runs.workload import Workload

#: The channel's weekly record kept with ``weekly`` (the channel table's columns but ``week``).
CHANNEL_WEEKLY: tuple[str, ...] = tuple(c for c in CHANNEL_METRICS if c != "week")
ENTRY_FIELDS: tuple[str, ...] = ("launch_week", "topic", "scenario")  # a [[community]] entry's own fields
_WHY = ASSUMPTION + "a channel file's field (simcomm.core.channel_plan)"


def _field_specs() -> dict[str, ParamSpec]:
    """Return the specs of the channel file's fields a factor may vary (not parameters)."""
    library = tuple(scenario_names())
    return {
        "founding_rate": param("founding_rate", 0.0, 0.0, MAX_FOUNDING_RATE, "foundings/week", _WHY,
                               "member foundings per week where every problem is fully felt and unserved"),
        "max_founded": param("max_founded", 0, 0, MAX_FOUNDED, "communities", _WHY,
                             "at most this many member-founded communities in a run"),
        "founded_scenario": param("founded_scenario", "organic", None, None, "", _WHY,
                                  "the scenario a member-founded community follows", choices=library),
        "launch_week": param("launch_week", 0, 0, MAX_WEEK, "week", _WHY, "the week it starts"),
        "topic": param("topic", TOPIC_NAMES[0], None, None, "", _WHY, "the problem it forms on",
                       choices=TOPIC_NAMES),
        "scenario": param("scenario", "organic", None, None, "", _WHY, "its governance type and levers",
                          choices=library),
    }


@dataclass(frozen=True)
class ChannelExperiment(Experiment):
    """A validated experiment over a channel scenario: an :class:`Experiment` whose factors and
    overrides are the channel's settings. ``channel`` is the channel file as written (its plan),
    ``table`` its parsed TOML, ``addresses`` maps each factor or override name to (community,
    setting): community None for the channel's own. ``scenario`` carries the channel's name and
    text only (a channel is no one community's scenario): every parameter comes from
    :meth:`point_plan`."""

    channel: ChannelPlan | None = None
    table: dict[str, Any] = field(default_factory=dict)
    addresses: dict[str, tuple[str | None, str]] = field(default_factory=dict)

    def point_plan(self, point: dict[str, Value],
                   scenario_of: Callable[[str], Scenario] = load_scenario) -> ChannelPlan:
        """Return the channel plan of a design point: the channel file with the experiment's
        [overrides], then the point's factor values written into it, checked as a channel file
        (ParameterError, one line, when a combination is not a valid channel)."""
        assert self.channel is not None
        data = copy.deepcopy(self.table)
        entries = {str(e["name"]).strip(): e for e in data.get("community", [])}
        for label, value in {**self.overrides, **point}.items():
            community, name = self.addresses[label]
            if community is None:
                data["channel"][name] = value
            elif name in ENTRY_FIELDS:
                entries[community][name] = value
            else:
                entries[community].setdefault("overrides", {})[name] = value
        return channel_from_table(data, self.channel.name, self.channel.path, scenario_of)

    def point_params(self, point: dict[str, Value]) -> dict[str, Any]:
        """Return every setting of a design point: its channel plan (shared parameters, founding,
        each listed community's scenario, topic, launch week and own overrides) and, under
        ``params``, every parameter value of each listed community, in the parameter table's units."""
        plan = self.point_plan(point)
        return {**plan.to_dict(), "params": {c.name: make_params(c.parameters(plan.shared)).to_dict()
                                             for c in plan.communities if c.sponsors is None}}

    def workload(self) -> Workload:
        """Return the runs (every design point x replicate, each counted once per community it
        may hold, as ``compare`` on channels counts them), for an estimate before it starts."""
        work = Workload()
        for point in self.design():
            plan = self.point_plan(point)
            work.add(self.replicates * most_communities(plan), self.weeks, partners_of(plan))
        return work

    def check_memory(self, processes: int) -> None:
        """Raise ParameterError (one line) when the largest design point's channel, ``processes``
        at a time, would need more memory than is available; return None."""
        plans = [self.point_plan(point) for point in self.design()]
        check_memory([(plan.shared, {}) for plan in plans], processes=processes,
                     models=max(most_communities(plan) for plan in plans), shared_population=True)

    def described(self) -> dict[str, Any]:
        """Return what the manifest says the experiment runs: the channel's name and file."""
        assert self.channel is not None
        return {"scenario": self.channel.name, "channel": self.channel.name,
                "channel_file": self.channel.path}


@dataclass(frozen=True)
class ChannelJob:
    """One run of a channel experiment: the point's channel ``plan``, its seed, what to keep."""

    index: int
    point: int
    replicate: int
    seed: int
    plan: ChannelPlan
    weeks: int
    metrics: tuple[str, ...]
    weekly: tuple[str, ...]


def run_channel_job(job: ChannelJob) -> dict[str, Any]:
    """Run one channel job and return its row: point, replicate, seed, the kept measures (floats
    in their units, NaN for none) and, when weekly series are kept, ``_weekly`` (a DataFrame:
    point, replicate, week, the series)."""
    channel = stepped_channel(job.plan, job.seed, job.weeks)
    weeks = pd.DataFrame(channel.rows, columns=list(CHANNEL_METRICS)) if job.weekly else None
    return job_row(job, channel_outcomes(channel), weeks)


def _settings(plan: ChannelPlan) -> tuple[dict[str, ParamSpec], dict[str, dict[str, ParamSpec]]]:
    """Return the settings a factor may vary: the channel's (name -> spec) and each listed
    community's (community -> name -> spec)."""
    fields = _field_specs()
    channel = {k: fields[k] for k in ("founding_rate", "max_founded", "founded_scenario")}
    channel.update({k: SPEC_BY_NAME[k] for k in SHARED})
    own = {k: s for k, s in SPEC_BY_NAME.items() if k not in SHARED and k != "governance"}
    communities: dict[str, dict[str, ParamSpec]] = {}
    for c in plan.communities:
        if c.sponsors is not None:
            communities[c.name] = {"launch_week": fields["launch_week"],
                                   **{k: SPEC_BY_NAME[k] for k in SPONSOR_PARAMS}}
        else:
            communities[c.name] = {**{k: fields[k] for k in ENTRY_FIELDS}, **own}
    return channel, communities


def _entries(raw: Any, key: str, head: ExperimentText, plan: ChannelPlan
             ) -> list[tuple[str, str | None, str, ParamSpec, Any]]:
    """Return (label, community, setting, spec, raw value) for each setting the table ``key``
    ([factors] or [overrides]) of a channel experiment names; ParameterError (one line naming
    the field and what it allows) for an unknown one."""
    channel, communities = _settings(plan)
    if not isinstance(raw, dict):
        raise head.error(key, f"{raw!r} is not allowed: expected a table of the channel's settings")
    out = []
    for name, value in raw.items():
        if name in channel:
            out.append((name, None, name, channel[name], value))
            continue
        at = f"{key}.\"{name}\"" if isinstance(value, dict) else f"{key}.{name}"
        if name not in communities:
            listed = ", ".join(f'"{c}"' for c in communities) or "none is listed"
            near = closest_names(name, [*channel, *communities])
            hint = f"did you mean {', '.join(near)}? " if near else ""
            raise head.error(at, f"not a setting of channel '{plan.name}'; {hint}a channel experiment "
                             f"varies {', '.join(channel)}, or a listed community's own settings as "
                             f"[{key}.\"COMMUNITY\"] (communities: {listed})")
        if not isinstance(value, dict) or not value:
            raise head.error(at, f"{value!r} is not allowed: expected a table of that community's "
                             f"settings ([{key}.\"{name}\"] NAME = ...)")
        allowed = communities[name]
        for setting, sub in value.items():
            if setting not in allowed:
                raise head.error(toml_field(key, (name, setting)), _not_its_own(setting, allowed, key))
            out.append((f"{name}.{setting}", name, setting, allowed[setting], sub))
    return out


def _not_its_own(setting: str, allowed: dict[str, ParamSpec], key: str) -> str:
    """Return why ``setting`` is not one of a community's ``allowed`` settings, and what is."""
    sponsorship = len(allowed) < 20
    listing = (f"a sponsorship sets {', '.join(allowed)}" if sponsorship else
               f"a community sets {', '.join(ENTRY_FIELDS)} or a parameter of its own (see 'simcomm params')")
    if setting in SHARED:
        return f"{setting} is shared by the channel's communities: vary it in [{key}] itself; {listing}"
    if setting == "governance":
        return f"governance comes from the community's scenario: vary its scenario; {listing}"
    near = closest_names(setting, list(allowed))
    hint = f"did you mean {', '.join(near)}? " if near else ""
    return f"not a setting of this community; {hint}{listing}"


def toml_field(key: str, address: tuple[str | None, str]) -> str:
    """Return how a message names the setting ``label`` of table ``key`` (factors, overrides): as
    the file writes it, a community's as ``factors."COMMUNITY".NAME``."""
    community, name = address
    return f"{key}.{name}" if community is None else f"{key}.\"{community}\".{name}"


def load_channel_experiment(head: ExperimentText) -> ChannelExperiment:
    """Return the channel experiment of an experiment file read by
    :func:`simcomm.runs.experiment_file.load_experiment` whose scenario is a channel; raise
    ParameterError (one line naming the file, the field and what it allows) when the file, or
    any design point's channel, is not valid."""
    where = head.where
    scenario_of = functools.cache(load_scenario)  # each scenario file read once for all the points
    try:
        table, path = channel_table(head.scenario)
        plan = channel_from_table(table, path.stem, str(path), scenario_of)
    except ParameterError as exc:
        raise head.error("scenario", str(exc)) from None
    addresses: dict[str, tuple[str | None, str]] = {}
    overrides: dict[str, Value] = {}
    for label, community, setting, spec, value in _entries(head.data.get("overrides", {}), "overrides",
                                                           head, plan):
        try:
            overrides[label] = spec.validate(value)
        except ParameterError:
            raise head.error(toml_field("overrides", (community, setting)),
                             f"{value!r} is not allowed: expected {spec.allowed()}") from None
        addresses[label] = (community, setting)
    factors_raw = head.data.get("factors")
    if not factors_raw:
        raise head.error("factors", f"missing or empty: expected {FACTORS_EXPECTED}, the channel's "
                                    "settings or [factors.\"COMMUNITY\"] tables")
    weeks = head.int_field("weeks", 260, 1, 5200)
    replicates = head.int_field("replicates", None, 1, 100_000)
    factors: dict[str, list[Value]] = {}
    runs = replicates
    for label, community, setting, spec, value in _entries(factors_raw, "factors", head, plan):
        factors[label] = factor_values(setting, value, where, limit=max(1, MAX_RUNS // runs), spec=spec,
                                       where=toml_field("factors", (community, setting)))
        runs = counted_runs(runs, len(factors[label]), where)
        addresses[label] = (community, setting)
    exp = ChannelExperiment(
        name=head.name, scenario=Scenario(name=plan.name, title=plan.title, story=plan.story, path=plan.path),
        factors=factors, replicates=replicates, weeks=weeks, seed=head.int_field("seed", 0, 0, 2**63 - 1),
        metrics=head.names_field("metrics", CHANNEL_COMPARED, CHANNEL_COMPARED),
        weekly=head.names_field("weekly", CHANNEL_WEEKLY, (), all_if_true=True), overrides=overrides,
        title=str(head.data.get("title", "")), question=str(head.data.get("question", "")).strip(),
        batch_size=head.int_field("batch_size", 0, 0, 100_000), path=where, text=head.text,
        channel=plan, table=table, addresses=addresses)
    for point in exp.design():  # every combination must be a valid channel
        try:
            exp.point_plan(point, scenario_of)
        except ParameterError as exc:
            raise head.error("factors", f"design point {point}: {exc}") from None
    return exp

"""Running a channel of communities: :func:`run_channel` returns a :class:`ChannelResult`.

A channel scenario is a TOML file with a ``[channel]`` table and ``[[community]]`` entries
(:mod:`simcomm.core.channel_plan`): the library's are ``simcomm/scenarios/channel-*.toml``
(:func:`channel_names`), kept apart from the single-community scenarios
(:func:`simcomm.runs.library.scenario_names`); a user's own is any file with a ``[channel]``
table. The run itself is :class:`simcomm.core.channel.Channel`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from simcomm.core.channel import CHANNEL_METRICS, Channel
from simcomm.core.channel_plan import SHARED, ChannelPlan, channel_from_table
from simcomm.core.params import ParameterError, checked_overrides, closest_names, make_params
from simcomm.core.population import TOPICS
from simcomm.runs.files import parse_toml, read_text_file, shown
from simcomm.runs.library import CHANNEL_PREFIX, LIBRARY, load_scenario
from simcomm.runs.resources import check_memory
from simcomm.runs.sim import checked_run_args, members_table

COMMUNITY_COLUMNS: tuple[str, ...] = ("community", "governance", "topic", "by_members", "week", "age")
# The members table's weeks: a community's own week t is the channel's founded_week + t.
MEMBER_WEEKS: tuple[str, ...] = ("join_week", "leave_week", "rejoin_week", "first_post_week",
                                 "second_post_week")


def channel_names() -> list[str]:
    """Return the names of the built-in channel scenarios (``channel-*``), sorted."""
    return sorted(p.stem for p in LIBRARY.glob(f"{CHANNEL_PREFIX}*.toml"))


def _path_of(name_or_path: str | Path) -> Path | None:
    """Return the channel file ``name_or_path`` names (a built-in name or a path), or None."""
    text = str(name_or_path)
    if text in channel_names():
        return LIBRARY / f"{text}.toml"
    if not text.endswith(".toml"):
        return None
    return Path(text)


def is_channel(name_or_path: str | Path) -> bool:
    """Return True when ``name_or_path`` names a channel scenario: a built-in ``channel-*`` name,
    or a readable TOML file with a ``[channel]`` table (anything else is left to
    :func:`simcomm.runs.library.load_scenario`, whose errors name it)."""
    path = _path_of(name_or_path)
    if path is None:
        return False
    try:
        data = parse_toml(read_text_file(path, "channel file"), "channel file", path)
    except ParameterError:
        return False
    return "channel" in data


def channel_table(name_or_path: str | Path) -> tuple[dict[str, Any], Path]:
    """Return the parsed TOML of the channel file ``name_or_path`` names (a built-in
    ``channel-*`` name or a TOML path) and its path, unchecked; ParameterError (one line) for an
    unknown name or an unreadable or malformed file."""
    path = _path_of(name_or_path)
    if path is None:
        text = str(name_or_path)
        near = closest_names(text, channel_names()) if len(text) <= 100 else []
        raise ParameterError(f"unknown channel scenario '{shown(text)}'; "
                             f"{'did you mean' if near else 'choose one of'} "
                             f"{', '.join(near or channel_names())}")
    return parse_toml(read_text_file(path, "channel file"), "channel file", path), path


def load_channel(name_or_path: str | Path) -> ChannelPlan:
    """Return the channel scenario ``name_or_path`` (a built-in ``channel-*`` name or a TOML path).

    Raises ParameterError (one line naming the file and the field, with what it allows) for an
    unknown name, an unreadable or malformed file, or any field
    :func:`simcomm.core.channel_plan.channel_from_table` refuses."""
    data, path = channel_table(name_or_path)
    return channel_from_table(data, path.stem, str(path), load_scenario)


@dataclass
class ChannelResult:
    """What one channel run produced.

    ``communities``: one row per community per week it lived (channel ``week``, its ``age`` in
    weeks, its name, governance, topic, whether members founded it, and its weekly metrics, as a
    single community's ``timeseries``; ``ties`` counts the channel's shared ties between partners
    who joined that community, wherever they were made;
    ``other_memberships`` is its members' mean number of other live communities they belonged to
    that week);
    ``channel``: one row per week from week 0 (communities alive, founded and died that week,
    founded and dead so far, memberships, members in at least one, overlap = memberships per
    member); ``roster``: one row per community (founded and died week, peak and final members,
    the sponsorship that funds it and its channel week: ``sponsor``, ``sponsored_week``);
    ``metadata``: the channel plan, every community's parameters, seed, weeks and versions;
    ``members``: one row per community and partner who ever joined it (its name, then a single
    run's members table, :func:`simcomm.runs.sim.members_table`: first join, leave and return,
    messages, member_at_end, ...), weeks as the channel's.
    """

    channel_name: str
    seed: int
    weeks: int
    communities: pd.DataFrame
    channel: pd.DataFrame
    roster: pd.DataFrame
    metadata: dict[str, Any] = field(default_factory=dict)
    members: pd.DataFrame = field(default_factory=pd.DataFrame)


def with_overrides(plan: ChannelPlan, overrides: Mapping[str, Any] | None) -> ChannelPlan:
    """Return ``plan`` with its shared parameters changed by ``overrides`` (a channel run takes
    only shared parameters: the population's and the peer ties'); raise ParameterError (one line)
    for any other."""
    overrides = dict(checked_overrides(overrides))
    if not overrides:
        return plan
    other = sorted(set(overrides) - set(SHARED))
    if other:
        raise ParameterError(f"--set {other[0]}: a channel run takes only the channel's shared parameters "
                             f"({', '.join(SHARED)}); set a community's own in its [community.overrides]")
    shared = {**plan.shared, **overrides}
    make_params(shared)
    return replace(plan, shared=shared)


def run_channel(channel: str | Path | ChannelPlan, *, weeks: int = 260, seed: int = 0,
                overrides: Mapping[str, Any] | None = None,
                on_week: Callable[[int], None] | None = None) -> ChannelResult:
    """Run a channel scenario for ``weeks`` weeks from ``seed``; return its ChannelResult.

    ``channel`` is a built-in channel name (``channel-*``), a channel TOML path or a ChannelPlan;
    ``overrides`` change its shared parameters (population, peer ties). ``on_week(week)`` is
    called after each week. Raises ParameterError (one line) on bad input, and before anything is
    allocated when the communities it may hold at once would need more memory than is available.
    """
    weeks, seed = checked_run_args(weeks, seed)
    plan = channel if isinstance(channel, ChannelPlan) else load_channel(channel)
    plan = with_overrides(plan, overrides)
    most = len(plan.communities) + plan.max_founded
    check_memory([(plan.shared, {})], models=max(1, most), shared_population=True)
    model = Channel(plan, seed=seed)
    for _ in range(weeks):
        model.step()
        if on_week is not None:
            on_week(model.week)
    return _result(model, weeks, dict(overrides or {}))


def _result(model: Channel, weeks: int, overrides: dict[str, Any]) -> ChannelResult:
    import mesa

    from simcomm.core.version import __version__

    tables, roster, members = [], [], []
    sponsored = {index: (name, week) for name, (index, week) in model.sponsorships.items()
                 if index is not None}
    for c in model.communities:
        ts = c.model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        problem = c.model.community.problem
        topic = TOPICS[problem] if problem is not None else ""
        age = ts.pop("week")
        ts.insert(0, "age", age)
        ts.insert(0, "week", age + c.founded_week)
        labels = (("community", c.plan.name), ("governance", c.plan.scenario.governance),
                  ("topic", topic), ("by_members", c.plan.by_members))
        for i, (name, value) in enumerate(labels):
            ts.insert(i, name, value)
        ts["other_memberships"] = c.other_memberships  # one per week it stepped, as its rows
        tables.append(ts)
        members.append(_members_of(c.plan.name, members_table(c.model), c.founded_week))
        size = ts["active_members"] + ts["lurking_members"] if len(ts) else pd.Series([0])
        died = c.model.died_week
        roster.append({"community": c.plan.name, "scenario": c.plan.scenario.name,
                       "governance": c.plan.scenario.governance,
                       "topic": topic,
                       "by_members": c.plan.by_members, "founded_week": c.founded_week,
                       "died_week": died + c.founded_week if died is not None else pd.NA,
                       "peak_members": int(size.max()), "members_at_end": int(size.iloc[-1]),
                       "sponsor": sponsored.get(c.index, ("", None))[0],
                       "sponsored_week": sponsored.get(c.index, ("", pd.NA))[1]})
    communities = (pd.concat(tables, ignore_index=True) if tables
                   else pd.DataFrame(columns=list(COMMUNITY_COLUMNS)))
    channel = pd.DataFrame(model.rows, columns=list(CHANNEL_METRICS))
    metadata = {
        "channel": model.plan.name, "seed": model.seed, "weeks": weeks, "simcomm_version": __version__,
        "mesa_version": mesa.__version__, "plan": model.plan.to_dict(), "overrides": overrides,
        "params": {c.plan.name: c.model.p.to_dict() for c in model.communities},
        "sponsorships": {name: {"community": model.communities[i].plan.name if i is not None else None,
                                "week": week} for name, (i, week) in model.sponsorships.items()},
    }
    roster_frame = pd.DataFrame(roster, columns=["community", "scenario", "governance", "topic", "by_members",
                                                 "founded_week", "died_week", "peak_members",
                                                 "members_at_end", "sponsor", "sponsored_week"])
    roster_frame["died_week"] = roster_frame["died_week"].astype("Int64")
    roster_frame["sponsored_week"] = roster_frame["sponsored_week"].astype("Int64")
    mean_overlap = channel["overlap"].iloc[-1]
    metadata["overlap_at_end"] = None if isinstance(mean_overlap, float) and math.isnan(mean_overlap) \
        else float(mean_overlap)
    return ChannelResult(model.plan.name, model.seed, weeks, communities, channel, roster_frame, metadata,
                         members=pd.concat(members, ignore_index=True) if members else pd.DataFrame(
                             columns=["community", "partner_id", *MEMBER_WEEKS]))


def _members_of(name: str, table: pd.DataFrame, founded_week: int) -> pd.DataFrame:
    """Return one community's members table (:func:`simcomm.runs.sim.members_table`) with its name
    first and its weeks as the channel's."""
    table = table.copy()
    for column in MEMBER_WEEKS:
        table[column] = table[column] + founded_week
    table.insert(0, "community", name)
    return table

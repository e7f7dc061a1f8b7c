"""The runs a channel's story is told from (``simcomm story CHANNEL``,
:mod:`simcomm.report.channel_story`).

The story runs the channel once (:func:`simcomm.runs.channel_run.run_channel`: the figures of
``simcomm run`` for the same channel, seed and values), chooses one partner reproducibly from
that run (:func:`busiest_partner`: the one who joined the most communities) and replays the
channel on the same seed week by week to follow that partner's memberships and collect each
community's events (:func:`follow_partner`); the replay is checked against the run.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from simcomm.agents.partner import STATE_NAMES
from simcomm.core.channel import Channel
from simcomm.core.channel_plan import ChannelPlan
from simcomm.runs.channel_run import ChannelResult

TRACE_COLUMNS = ("week", "community", "state")
EVENT_COLUMNS = ("community", "week", "age", "kind", "text")


def busiest_partner(result: ChannelResult) -> tuple[int | None, int]:
    """Return (partner id, communities joined) of the partner who joined the most of the run's
    communities, the lowest id among equals; (None, 0) when nobody joined any."""
    members = result.members
    if members.empty:
        return None, 0
    joined = members.groupby("partner_id")["community"].nunique()
    most = int(joined.max())
    return int(joined[joined == most].index.min()), most


@dataclass
class ChannelTrace:
    """What the replay of a channel run collected.

    ``partner``: the partner followed (None: nobody); ``states``: one row per channel week and
    live community in which the partner was a member (active or lurking) after that week's step:
    ``week``, ``community``, ``state`` ("active" or "lurking"); ``events``: every community's
    events in plain language (``community``, channel ``week``, its ``age`` in weeks, ``kind``,
    ``text``)."""

    partner: int | None
    states: pd.DataFrame
    events: pd.DataFrame


def follow_partner(plan: ChannelPlan, result: ChannelResult, partner: int | None) -> ChannelTrace:
    """Replay ``result`` (the run of ``plan``: its shared parameters as run) on its seed, week by
    week, recording ``partner``'s memberships and every community's events; return the
    :class:`ChannelTrace`.

    Raises RuntimeError when the replay's channel record differs from the run's (the model would
    not be reproducible)."""
    model = Channel(plan, seed=result.seed)
    rows: list[tuple[int, str, str]] = []
    for _ in range(result.weeks):
        model.step()
        if partner is None:
            continue
        for c in model.communities:
            if c.alive:
                state = STATE_NAMES[int(c.model.people.state[partner])]
                if state in ("active", "lurking"):
                    rows.append((model.week, c.plan.name, state))
    replayed = [int(r["members"]) for r in model.rows]
    if replayed != result.channel["members"].astype(int).tolist():
        raise RuntimeError("the channel's replay differs from its run: the model is not reproducible")
    events = [(c.plan.name, week + c.founded_week, week, kind, text)
              for c in model.communities for week, kind, text in c.model.events]
    return ChannelTrace(partner, pd.DataFrame(rows, columns=list(TRACE_COLUMNS)),
                        pd.DataFrame(events, columns=list(EVENT_COLUMNS)))

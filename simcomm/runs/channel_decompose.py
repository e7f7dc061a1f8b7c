"""The runs that take a difference between two channel scenarios apart (``explain A --against B`` on
channels).

Two channel files differ in a set of **levers**, each something the strategist could change on
its own:

- a community or sponsorship that one file lists and the other does not (the vendor's launch, its
  sponsorship): it is there or not (``kind`` "launch" or "sponsorship");
- for a community or sponsorship both files list (by name): its topic, launch week or the
  community it sponsors, each part of the governance rules on which its scenarios' types differ
  and each other parameter of its own whose value differs (``sponsor_recruits`` of a sponsorship,
  ``staff_count`` of a launch: kind "community", the lever named ``'NAME': PARAMETER``);
- each shared parameter (the partners, the peer ties) and each founding field (``founding_rate``,
  ``max_founded``, ``founded_scenario``) whose value differs (kind "channel").

A **coalition** is the channel with A's value for the levers in it and B's for the rest, so the
empty coalition is B and the full one A (tested); the coalitions list the communities in one order
(A's, with B's others placed after the entry that precedes them in B), so a community keeps its
place among those launched the same week. Every coalition runs on the same seeds: a channel's seed
draws its partners, their needs, urgency, hours and acquaintance graph, so every coalition has the
same partners seed by seed (each run's ``population`` digest is in the values). Each community draws
its own decisions from a seed keyed by its place among the communities founded so far
(:class:`simcomm.core.channel.Channel`): a coalition that leaves out a launch gives the communities
founded after it other draws (:func:`place_note` says so where it applies). The contributions are
Shapley values (:func:`simcomm.analysis.shapley.decompose`, the same as for single communities), of
the channel measures of :mod:`simcomm.runs.channel_compare`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from simcomm.core.channel_plan import SHARED, ChannelPlan, CommunityPlan
from simcomm.core.params import ParameterError, make_params
from simcomm.core.population import TOPICS
from simcomm.core.rule_parts import rules_of
from simcomm.core.scenario import Scenario
from simcomm.runs.batch import run_many
from simcomm.runs.channel_compare import ChannelSpec, most_communities, run_channel_spec
from simcomm.runs.counterfactual import checked_seeds
from simcomm.runs.decompose import (
    EXACT_UP_TO,
    PERMUTATIONS,
    CoalitionRuns,
    Lever,
    coalitions_for,
    levers_between,
)
from simcomm.runs.resources import check_memory

LAUNCH, SPONSORSHIP, COMMUNITY, CHANNEL = "launch", "sponsorship", "community", "channel"
PRESENCE: tuple[str, ...] = (LAUNCH, SPONSORSHIP)  # the kinds of lever that are a listed entry, there or not
ABSENT = "none"  # the value of a presence lever where the file does not list it
FOUNDING: tuple[str, ...] = ("founding_rate", "max_founded", "founded_scenario")
ENTRY_FIELDS: tuple[str, ...] = ("topic", "launch_week", "sponsors")


@dataclass(frozen=True)
class ChannelLever(Lever):
    """A lever between two channel files (:class:`~simcomm.runs.decompose.Lever`'s fields, and
    where it acts): ``entry`` names the listed community or sponsorship it belongs to ("" for the
    channel's own), ``field`` what of it changes ("" for its presence; "topic", "launch_week",
    "sponsors"; a parameter's name; for the channel, a shared parameter or founding field)."""

    entry: str = ""
    field: str = ""


def _topic(c: CommunityPlan) -> str:
    return TOPICS[c.topic] if c.topic is not None else "drawn"


def _presence(c: CommunityPlan, in_a: bool) -> ChannelLever:
    """Return the lever of a community or sponsorship only one file lists."""
    at = f"at week {c.launch_week}"
    if c.sponsors is not None:
        words = f"the sponsorship '{c.name}' of '{c.sponsors}'"
        kind = SPONSORSHIP
    else:
        words = f"launching '{c.name}', {c.scenario.name} on {_topic(c)}"
        kind = LAUNCH
    value, baseline = (at, ABSENT) if in_a else (ABSENT, at)
    return ChannelLever(f"{kind}: {c.name}", kind, value, baseline, words, entry=c.name)


def _own_scenario(c: CommunityPlan) -> Scenario:
    """Return community ``c``'s scenario with its own overrides as a Scenario (for its levers)."""
    return replace(c.scenario, name=c.name, overrides={**c.scenario.overrides, **c.overrides})


def _entry_levers(a: CommunityPlan, b: CommunityPlan) -> list[ChannelLever]:
    """Return the levers of a community or sponsorship both files list: its fields, then its rule
    parts and parameters (:func:`simcomm.runs.decompose.levers_between`)."""
    if (a.sponsors is None) != (b.sponsors is None):
        kinds = ("a sponsorship", "a community")
        if a.sponsors is None:
            kinds = kinds[::-1]
        raise ParameterError(f"--against: '{a.name}' is {kinds[0]} in one channel file and {kinds[1]} in the "
                             "other; give them different names to compare the two")
    out = []
    values = {"topic": (_topic(a), _topic(b)), "launch_week": (a.launch_week, b.launch_week),
              "sponsors": (a.sponsors, b.sponsors)}
    words = {"topic": "its topic", "launch_week": "its launch week", "sponsors": "the community it sponsors"}
    for f in ENTRY_FIELDS:
        va, vb = values[f]
        if va != vb:
            out.append(ChannelLever(f"'{a.name}': {f}", COMMUNITY, va, vb, f"{words[f]}, of '{a.name}'",
                                    entry=a.name, field=f))
    for lv in levers_between(_own_scenario(a), _own_scenario(b)):
        out.append(ChannelLever(f"'{a.name}': {lv.name}", COMMUNITY, lv.value, lv.baseline,
                                f"{lv.words}, of '{a.name}'", lv.why, entry=a.name, field=lv.name))
    return out


def _founding_value(plan: ChannelPlan, name: str) -> Any:
    if name == "founded_scenario":
        return plan.founded.name if plan.founded is not None else ""
    return getattr(plan, name)


def merged_entries(a: ChannelPlan, b: ChannelPlan) -> list[str]:
    """Return the names of every community and sponsorship of ``a`` and ``b`` in the coalitions'
    order: ``a``'s, with each of ``b``'s others after the entry that precedes it in ``b``."""
    out = [c.name for c in a.communities]
    before = -1
    for c in b.communities:
        if c.name in out:
            before = out.index(c.name)
        else:
            before += 1
            out.insert(before, c.name)
    return out


def channel_levers(a: ChannelPlan, b: ChannelPlan) -> list[ChannelLever]:
    """Return the levers on which channel ``a`` differs from ``b`` (the module's list): the
    communities and sponsorships in the coalitions' order, then the channel's shared parameters
    and founding fields. Raises ParameterError (one line) where a name is a community in one file
    and a sponsorship in the other."""
    in_a = {c.name: c for c in a.communities}
    in_b = {c.name: c for c in b.communities}
    out: list[ChannelLever] = []
    for name in merged_entries(a, b):
        if name not in in_b:
            out.append(_presence(in_a[name], True))
        elif name not in in_a:
            out.append(_presence(in_b[name], False))
        else:
            out += _entry_levers(in_a[name], in_b[name])
    pa, pb = make_params(a.shared), make_params(b.shared)
    out += [ChannelLever(f"channel: {n}", CHANNEL, pa[n], pb[n], f"{n} (shared)", field=n)
            for n in SHARED if pa[n] != pb[n]]
    for n in FOUNDING:
        va, vb = _founding_value(a, n), _founding_value(b, n)
        if va != vb:
            out.append(ChannelLever(f"channel: {n}", CHANNEL, va, vb, n, field=n))
    return out


def coalition_plan(a: ChannelPlan, b: ChannelPlan, levers: Sequence[ChannelLever],
                   coalition: frozenset[int]) -> ChannelPlan:
    """Return the channel with ``a``'s value for the levers whose index is in ``coalition`` and
    ``b``'s for the others (named ``b``'s name, ``+`` the levers taken from ``a``)."""
    on = [levers[i] for i in sorted(coalition)]
    in_a = {c.name: c for c in a.communities}
    in_b = {c.name: c for c in b.communities}
    present = {lv.entry for lv in on if lv.kind in (LAUNCH, SPONSORSHIP)}
    communities = []
    for name in merged_entries(a, b):
        if name not in in_a or name not in in_b:  # a presence lever: A's if taken, B's if not
            keep = (name in present) == (name in in_a)
            if keep:
                communities.append(in_a.get(name) or in_b[name])
            continue
        c, own = in_b[name], in_a[name]
        mine = [lv for lv in on if lv.kind == COMMUNITY and lv.entry == name]
        fields = {lv.field: getattr(own, lv.field) for lv in mine if lv.field in ENTRY_FIELDS}
        params = {lv.field: lv.value for lv in mine if lv.field not in ENTRY_FIELDS}
        communities.append(replace(c, **fields, overrides={**c.overrides, **params}))
    shared = dict(b.shared)
    founding: dict[str, Any] = {}
    for lv in on:
        if lv.kind != CHANNEL:
            continue
        if lv.field in SHARED:
            shared[lv.field] = lv.value
        else:
            founding["founded" if lv.field == "founded_scenario" else lv.field] = getattr(
                a, "founded" if lv.field == "founded_scenario" else lv.field)
    label = b.name + "".join(f" + {lv.name}" for lv in on)
    return replace(b, name=label, shared=shared, communities=tuple(communities), **founding)


def _check_sponsorships(plan: ChannelPlan) -> None:
    """Refuse (one line) a coalition in which a sponsorship funds a listed community that its
    members do not run or that has a programme (its levers took its governance from the other
    file): the model cannot run it."""
    listed = {c.name: c for c in plan.communities if c.sponsors is None}
    for c in plan.communities:
        target = listed.get(c.sponsors) if c.sponsors is not None else None
        if target is None:
            continue
        rules = rules_of(make_params(target.parameters(plan.shared)))
        if not rules.member_led or rules.has_staff:
            raise ParameterError(f"--against: a combination of the levers has the sponsorship '{c.name}' "
                                 f"fund '{target.name}' run by a vendor; a sponsor takes on only a community "
                                 "its members run, so these two channel files cannot be taken apart lever by "
                                 "lever")


def place_note(a: ChannelPlan, b: ChannelPlan, levers: Sequence[ChannelLever]) -> str:
    """Return a sentence saying which communities draw other numbers in some combinations (those
    founded after a launch that is a lever: their place among the communities founded changes),
    or "" when there are none."""
    launches = {lv.entry for lv in levers if lv.kind == LAUNCH}
    everyone = {c.name: c for c in (*b.communities, *a.communities)}
    order = [n for n in merged_entries(a, b) if everyone[n].sponsors is None]
    founded = sorted(order, key=lambda n: (everyone[n].launch_week, order.index(n)))
    places = [founded.index(n) for n in launches]
    if not places:
        return ""
    after = founded[min(places) + 1:]
    by_members = any(p.founding_rate > 0 and p.max_founded > 0 for p in (a, b))
    if not after and not by_members:
        return ""
    names = ", ".join(f"'{n}'" for n in after)
    which = " and ".join(x for x in (names, "the communities members found" if by_members else "") if x)
    return ("Every combination has the same partners, needs and ties seed by seed; a community's own "
            "decisions are drawn by its place among those founded, so in a combination without an earlier "
            f"launch the communities founded after it ({which}) draw other numbers.")


def run_channel_coalitions(a: ChannelPlan, b: ChannelPlan, seeds: Sequence[int], weeks: int, *,
                           permutations: int = PERMUTATIONS, exact_up_to: int = EXACT_UP_TO,
                           workers: int | None = None, progress: bool = False,
                           on_run: Callable[[int, int], None] | None = None) -> CoalitionRuns:
    """Run every coalition of the levers between channels ``a`` and ``b`` on each of ``seeds`` for
    ``weeks`` weeks; return the runs with each one's channel measures
    (:func:`simcomm.runs.channel_compare.channel_outcomes`).

    Raises ParameterError (one line) before anything runs when the channels do not differ, for
    bad seeds, weeks or permutations (an even number from 2), a combination the model cannot run,
    or runs that would not fit in memory."""
    seeds = checked_seeds(seeds, weeks)
    if permutations < 2 or permutations % 2:
        raise ParameterError(f"--permutations {permutations} is not allowed: expected an even number from 2")
    levers = channel_levers(a, b)
    if not levers:
        raise ParameterError(f"--against {b.name} is not allowed: {a.name} and {b.name} do not differ "
                             "(the same communities, sponsorships and parameters), so there is nothing "
                             "to take apart")
    coalitions, sampled = coalitions_for(len(levers), permutations, exact_up_to)
    plans = [coalition_plan(a, b, levers, c) for c in coalitions]
    from simcomm.runs.batch import default_workers

    processes = min(workers or default_workers(), max(1, len(plans) * len(seeds)))
    for plan in plans:
        _check_sponsorships(plan)
        check_memory([(plan.shared, {})], processes=processes, models=most_communities(plan))
    cells = [(s, k) for s in seeds for k in range(len(coalitions))]
    specs = [ChannelSpec(plans[k], weeks, s, plans[k].name) for s, k in cells]
    done = [0]

    def counted(_index: int, _result: Any) -> None:
        done[0] += 1
        if on_run is not None:
            on_run(done[0], len(specs))

    results = run_many(specs, workers=workers, progress=progress, desc="explain --against",
                       function=run_channel_spec, on_result=counted)
    rows = [{"seed": s, "coalition": k, **r.summary, "population": r.metadata["population"]}
            for (s, k), r in zip(cells, results, strict=True)]
    runs = CoalitionRuns(a, b, list(levers), list(seeds), weeks, {}, coalitions, sampled, pd.DataFrame(rows),
                         note=place_note(a, b, levers))
    return runs


def coalition_plans(a: ChannelPlan, b: ChannelPlan, permutations: int = PERMUTATIONS) -> list[ChannelPlan]:
    """Return the channel of every coalition a decomposition of ``a`` against ``b`` runs (for the
    work estimate); raise ParameterError as :func:`run_channel_coalitions` does for their levers."""
    levers = channel_levers(a, b)
    coalitions, _ = coalitions_for(len(levers), permutations) if levers else ([], None)
    return [coalition_plan(a, b, levers, c) for c in coalitions]

"""A channel scenario: several communities over one population of partners (shared/MODEL.md 15).

A channel file (TOML, ``simcomm/scenarios/channel-*.toml`` or a user's own) has the text fields
of a scenario (``name``, ``title``, ``story``, ``seed_file``, ``seed_quote``), a ``[channel]``
table and ``[[community]]`` entries::

    [channel]
    partners = 1500              # any shared parameter: the population's and the peer ties'
    founding_rate = 0.1          # member foundings per week where every problem is fully felt
    max_founded = 12             # at most this many member-founded communities in a run
    founded_scenario = "organic" # the scenario a member-founded community follows

    [[community]]
    name = "msp-circle"
    scenario = "organic"         # a built-in scenario: the governance type and its levers
    topic = "technical"          # optional: the problem it forms on (its founders have it)
    launch_week = 0              # the week it starts (a vendor's launch later in the run)
    [community.overrides]        # optional: its own staff, budget, ... (not shared parameters)
    founders = 12

    [[community]]
    name = "vendor's sponsorship"
    sponsors = "msp-circle"      # instead of launching a community: sponsor this listed one
    launch_week = 26             # from this week on
    [community.overrides]        # optional: the sponsor's own parameters (SPONSOR_PARAMS)
    roi_target = 1.0

A **sponsorship** is not a community: from its ``launch_week`` the vendor funds the named one,
which must be listed, run by its members and have no programme yet (organic, an alliance). What
the sponsor brings is built from mechanisms the model has, and their signs are fixed by formulas:
the sponsored type's rules (it pays for the monthly meet-up, which then goes ahead even in a
month no member leads; a failed budget review cuts, then withdraws the money, and the members
carry on), its contact's post (staff turnover applies) and its reach: its invitations bring the
vendor's partners in as a vendor launch's do (``sponsor_recruits`` = 1 unless its overrides say
otherwise: the invitees join with the incentive and a bond to the contact). The members keep the
content (no promotion). What follows (who joins and stays, whether the review finds the
community worth its money, what happens to the channel's other communities) emerges.

Parsing the table is here (no I/O); reading the file and loading the scenarios a community names
is :mod:`simcomm.runs.channel_run`. Every refusal is one line naming the file, the field and what
it allows (:class:`~simcomm.core.params.ParameterError`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from simcomm.core import population, programme
from simcomm.core.launch import PROBLEMS
from simcomm.core.mechanisms import budget_review, staff_turnover, ties_and_deals
from simcomm.core.params import SPEC_BY_NAME, ParameterError, closest_names, make_params
from simcomm.core.population import TOPICS
from simcomm.core.rule_parts import rules_of
from simcomm.core.scenario import Scenario

FIELDS: tuple[str, ...] = ("name", "title", "story", "seed_file", "seed_quote", "channel", "community")
TEXT_FIELDS: tuple[str, ...] = ("name", "title", "story", "seed_file", "seed_quote")
COMMUNITY_FIELDS: tuple[str, ...] = ("name", "scenario", "topic", "launch_week", "overrides", "sponsors")
SPONSORSHIP_FIELDS: tuple[str, ...] = ("name", "sponsors", "launch_week", "overrides")
#: The parameters a sponsorship may set: its programme's, its reviews', its contact's turnover,
#: the events it pays for and its reach (the members' own parameters stay the community's).
SPONSOR_PARAMS: tuple[str, ...] = (*(s.name for s in programme.PARAMS),
                                   *(s.name for s in budget_review.PARAMS),
                                   *(s.name for s in staff_turnover.PARAMS), "event_cost")
#: What a sponsorship sets unless its overrides say otherwise: it brings the vendor's reach.
SPONSOR_DEFAULTS: dict[str, float] = {"sponsor_recruits": 1.0}
SPONSORED_SCENARIO = "sponsored"  # the type whose rules a sponsorship brings (its plan's scenario)
FOUNDING_FIELDS: tuple[str, ...] = ("founding_rate", "max_founded", "founded_scenario")
# The parameters every community of a channel shares: the partners themselves and their peer ties.
SHARED: tuple[str, ...] = (*(s.name for s in population.PARAMS), "tie_gain", "tie_forget", "tie_decay")
TOPIC_NAMES: tuple[str, ...] = tuple(TOPICS[i] for i in PROBLEMS)
MAX_WEEK = 5200
MAX_FOUNDED = 200
MAX_FOUNDING_RATE = 50.0
assert {"tie_gain", "tie_forget", "tie_decay"} <= {s.name for s in ties_and_deals.PARAMS}


@dataclass(frozen=True)
class CommunityPlan:
    """One community of a channel: its ``name``, the ``scenario`` it follows (governance type
    and levers), its own parameter ``overrides`` over the scenario's, the problem it forms on
    (``topic``: an index into TOPICS, None to draw it as a single community does), the week it
    starts (``launch_week``) and whether members founded it during the run (``by_members``).
    A sponsorship (``sponsors``: the name of the listed community it funds from ``launch_week``)
    is not a community: its ``scenario`` is the sponsored type's and ``overrides`` the sponsor's
    parameters (:data:`SPONSOR_PARAMS`)."""

    name: str
    scenario: Scenario
    overrides: dict[str, Any] = field(default_factory=dict)
    topic: int | None = None
    launch_week: int = 0
    by_members: bool = False
    sponsors: str | None = None

    def parameters(self, shared: Mapping[str, Any]) -> dict[str, Any]:
        """Return the community's effective overrides: its scenario's, its own, then the channel's
        ``shared`` parameters (the same for every community)."""
        return {**self.scenario.overrides, **self.overrides, **shared}


@dataclass(frozen=True)
class ChannelPlan:
    """A channel scenario: its text fields, the ``shared`` parameter overrides (population and
    peer ties), member founding (``founding_rate``: foundings per week where every partner feels
    every problem fully and none is served; ``max_founded``; ``founded``: the scenario a
    member-founded community follows) and the listed ``communities``."""

    name: str
    title: str = ""
    story: str = ""
    seed_file: str = ""
    seed_quote: str = ""
    path: str = ""
    shared: dict[str, Any] = field(default_factory=dict)
    founding_rate: float = 0.0
    max_founded: int = 0
    founded: Scenario | None = None
    communities: tuple[CommunityPlan, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the plan as plain data (for the manifest and the run's metadata)."""
        return {
            "name": self.name, "shared": dict(self.shared), "founding_rate": self.founding_rate,
            "max_founded": self.max_founded, "founded_scenario": self.founded.name if self.founded else "",
            "communities": [{"name": c.name, "scenario": c.scenario.name, "governance": c.scenario.governance,
                             "topic": TOPICS[c.topic] if c.topic is not None else None,
                             "launch_week": c.launch_week, "overrides": dict(c.overrides),
                             **({"sponsors": c.sponsors} if c.sponsors is not None else {})}
                            for c in self.communities],
        }


def _refuse(where: str, what: str) -> ParameterError:
    return ParameterError(f"channel file '{where}': {what}")


def _unknown(where: str, at: str, key: str, allowed: tuple[str, ...], more: str = "") -> ParameterError:
    near = closest_names(key, list(allowed))
    hint = f"did you mean {', '.join(near)}? " if near else ""
    return _refuse(where, f"{at}unknown field '{key}'; {hint}allowed: {', '.join(allowed)}{more}")


def _integer(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _founding(table: dict[str, Any], where: str,
              scenario_of: Callable[[str], Scenario]) -> tuple[float, int, Scenario]:
    """Return (founding_rate, max_founded, founded scenario) from ``[channel]``."""
    rate = table.get("founding_rate", 0.0)
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0.0 <= rate <= MAX_FOUNDING_RATE:
        raise _refuse(where, f"[channel] founding_rate = {rate!r} is not allowed: expected a number in "
                             f"[0, {MAX_FOUNDING_RATE:g}] (member foundings per week where every problem "
                             "is fully felt)")
    cap = table.get("max_founded", 0)
    if not _integer(cap, 0, MAX_FOUNDED):
        raise _refuse(where, f"[channel] max_founded = {cap!r} is not allowed: expected an integer in "
                             f"[0, {MAX_FOUNDED}]")
    founded = _scenario(table.get("founded_scenario", "organic"), "[channel] founded_scenario", where,
                        scenario_of)
    return float(rate), int(cap), founded


def _scenario(name: Any, field_name: str, where: str, scenario_of: Callable[[str], Scenario]) -> Scenario:
    """Return the built-in scenario ``name`` names, or refuse ``field_name`` in one line."""
    if not isinstance(name, str) or not name:
        raise _refuse(where, f"{field_name} = {name!r} is not allowed: expected a built-in scenario's "
                             "name (see 'simcomm scenarios'), e.g. 'organic' or 'vendor-imposed'")
    try:
        return scenario_of(name)
    except ParameterError as exc:
        raise _refuse(where, f"{field_name}: {exc}") from None


def _shared(table: dict[str, Any], where: str) -> dict[str, Any]:
    """Return the shared parameter overrides of ``[channel]``, each validated."""
    shared: dict[str, Any] = {}
    for key, value in table.items():
        if key in FOUNDING_FIELDS:
            continue
        if key not in SHARED:
            more = f", or a shared parameter ({', '.join(SHARED)})"
            if key in SPEC_BY_NAME:
                raise _refuse(where, f"[channel] {key} is a community's parameter, not the channel's: set "
                                     "it in a [community.overrides] table; the channel takes "
                                     f"{', '.join(FOUNDING_FIELDS)}{more}")
            raise _unknown(where, "[channel] ", key, FOUNDING_FIELDS, more)
        try:
            shared[key] = SPEC_BY_NAME[key].validate(value)
        except ParameterError as exc:
            raise _refuse(where, f"[channel] {exc}") from None
    try:
        make_params(shared)
    except ParameterError as exc:
        raise _refuse(where, f"[channel] {exc}") from None
    return shared


def _community(raw: Any, i: int, where: str, shared: dict[str, Any],
               scenario_of: Callable[[str], Scenario]) -> CommunityPlan:
    """Return the i-th (1-based) ``[[community]]`` entry, validated."""
    at = f"[[community]] {i}: "
    if not isinstance(raw, dict):
        raise _refuse(where, f"{at}{raw!r} is not allowed: expected a table (name, scenario, ...)")
    if "sponsors" in raw:
        return _sponsorship(raw, i, where, scenario_of)
    for key in raw:
        if key not in COMMUNITY_FIELDS:
            raise _unknown(where, at, key, COMMUNITY_FIELDS)
    name, week, overrides = _entry(raw, i, where)
    at = f"[[community]] {i} ('{name}'): "
    scenario = _scenario(raw.get("scenario"), f"{at}scenario", where, scenario_of)
    topic = raw.get("topic")
    if topic is not None and topic not in TOPIC_NAMES:
        raise _refuse(where, f"{at}topic = {topic!r} is not allowed: expected one of "
                             f"{', '.join(TOPIC_NAMES)}")
    for key in overrides:
        if key in SHARED:
            raise _refuse(where, f"{at}overrides: {key} is shared by the channel's communities: set it "
                                 "in [channel]")
        if key == "governance":
            raise _refuse(where, f"{at}overrides: governance comes from the community's scenario; "
                                 "name a scenario of that type (e.g. scenario = 'vendor-imposed')")
    plan = CommunityPlan(name=name.strip(), scenario=scenario, overrides=dict(overrides),
                         topic=TOPICS.index(topic) if topic is not None else None, launch_week=int(week))
    try:
        make_params(plan.parameters(shared))
    except ParameterError as exc:
        raise _refuse(where, f"{at}overrides: {exc}") from None
    return plan


def _entry(raw: dict[str, Any], i: int, where: str) -> tuple[str, int, dict[str, Any]]:
    """Return the (name, launch_week, overrides) of the i-th ``[[community]]`` entry, validated."""
    at = f"[[community]] {i}: "
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip() or "\n" in name:
        raise _refuse(where, f"{at}name = {name!r} is not allowed: expected a one-line name (a string)")
    at = f"[[community]] {i} ('{name}'): "
    week = raw.get("launch_week", 0)
    if not _integer(week, 0, MAX_WEEK):
        raise _refuse(where, f"{at}launch_week = {week!r} is not allowed: expected an integer in "
                             f"[0, {MAX_WEEK}]")
    overrides = raw.get("overrides", {})
    if not isinstance(overrides, dict):
        raise _refuse(where, f"{at}overrides = {overrides!r} is not allowed: expected a table of "
                             "parameter = value ([community.overrides])")
    return name.strip(), int(week), dict(overrides)


def _sponsorship(raw: dict[str, Any], i: int, where: str,
                 scenario_of: Callable[[str], Scenario]) -> CommunityPlan:
    """Return the i-th ``[[community]]`` entry, a sponsorship (it names what it ``sponsors``),
    validated on its own (:func:`_check_sponsorships` checks what it names)."""
    at = f"[[community]] {i}: "
    for key in raw:
        if key in ("scenario", "topic"):
            raise _refuse(where, f"{at}a sponsorship takes no {key}: it funds the community it sponsors, "
                                 "under the sponsored type's rules (allowed: "
                                 f"{', '.join(SPONSORSHIP_FIELDS)})")
        if key not in SPONSORSHIP_FIELDS:
            raise _unknown(where, at, key, SPONSORSHIP_FIELDS)
    name, week, overrides = _entry(raw, i, where)
    at = f"[[community]] {i} ('{name}'): "
    target = raw["sponsors"]
    if not isinstance(target, str) or not target.strip():
        raise _refuse(where, f"{at}sponsors = {target!r} is not allowed: expected the name of a listed "
                             "community")
    for key in overrides:
        if key not in SPONSOR_PARAMS:
            raise _refuse(where, f"{at}overrides: {key} is not the sponsor's to set: a sponsorship sets "
                                 f"only {', '.join(SPONSOR_PARAMS)}")
    return CommunityPlan(name=name, scenario=scenario_of(SPONSORED_SCENARIO),
                         overrides={**SPONSOR_DEFAULTS, **overrides}, launch_week=week,
                         sponsors=target.strip())


def _check_sponsorships(communities: tuple[CommunityPlan, ...], shared: dict[str, Any], where: str) -> None:
    """Refuse (one line) a sponsorship of a community that is not listed, is a sponsorship, starts
    after it, is not run by its members or has a programme already (its type has staff), or is
    sponsored twice; or a sponsor's parameter the community refuses."""
    listed = {c.name: c for c in communities if c.sponsors is None}
    funded: set[str] = set()
    for c in communities:
        if c.sponsors is None:
            continue
        at = f"[[community]] '{c.name}': sponsors = '{c.sponsors}'"
        target = listed.get(c.sponsors)
        if target is None:
            raise _refuse(where, f"{at} is not allowed: expected the name of a listed community "
                                 f"({', '.join(listed) or 'none is listed'})")
        if target.launch_week > c.launch_week:
            raise _refuse(where, f"{at} is not allowed: it starts at week {target.launch_week}, after the "
                                 f"sponsorship's launch_week {c.launch_week}")
        rules = rules_of(make_params(target.parameters(shared)))
        if not rules.member_led or rules.has_staff:
            raise _refuse(where, f"{at} is not allowed: a sponsor takes on a community its members run "
                                 "with no programme yet (e.g. scenario 'organic'), not "
                                 f"'{target.scenario.name}'")
        if c.sponsors in funded:
            raise _refuse(where, f"{at} is not allowed: that community is sponsored twice; expected one "
                                 "sponsorship per community")
        funded.add(c.sponsors)
        try:
            make_params({**target.parameters(shared), **c.overrides})
        except ParameterError as exc:
            raise _refuse(where, f"[[community]] '{c.name}': overrides: {exc}") from None


def channel_from_table(data: dict[str, Any], name: str, where: str,
                       scenario_of: Callable[[str], Scenario]) -> ChannelPlan:
    """Return the ChannelPlan a parsed channel file describes.

    ``name`` is used when the file has none; ``where`` names the file in messages;
    ``scenario_of(name)`` returns a built-in Scenario (raising ParameterError for an unknown
    one). Raises ParameterError (one line naming the file and the field, with what it allows)
    for an unknown field, a field of the wrong type or out of range, a missing ``[channel]``, no
    community and no founding, a community without a name or scenario, two communities of one
    name, an unknown topic, a shared parameter set per community or a community's parameter set
    for the channel, and a sponsorship that names no listed member-run community without a
    programme, starts before it, sponsors one twice or sets a parameter not the sponsor's."""
    for key in data:
        if key not in FIELDS:
            raise _unknown(where, "", key, FIELDS)
    for key in TEXT_FIELDS:
        if key in data and not isinstance(data[key], str):
            raise _refuse(where, f"{key} = {data[key]!r} is not allowed: expected a string")
    table = data.get("channel")
    if not isinstance(table, dict):
        raise _refuse(where, f"channel = {table!r} is not allowed: expected a [channel] table "
                             f"({', '.join(FOUNDING_FIELDS)}, shared parameters)")
    shared = _shared(table, where)
    rate, cap, founded = _founding(table, where, scenario_of)
    entries = data.get("community", [])
    if not isinstance(entries, list):
        raise _refuse(where, f"community = {entries!r} is not allowed: expected [[community]] entries")
    communities = tuple(_community(raw, i, where, shared, scenario_of) for i, raw in enumerate(entries, 1))
    names = [c.name for c in communities]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise _refuse(where, f"[[community]] name '{twice[0]}' is given twice: expected one name per "
                             "community")
    _check_sponsorships(communities, shared, where)
    if not communities and not (rate > 0 and cap > 0):
        raise _refuse(where, "no community: expected at least one [[community]], or member founding "
                             "([channel] founding_rate > 0 and max_founded > 0)")
    return ChannelPlan(name=str(data.get("name", name)), title=str(data.get("title", "")),
                       story=str(data.get("story", "")).strip(), seed_file=str(data.get("seed_file", "")),
                       seed_quote=str(data.get("seed_quote", "")).strip(), path=where, shared=shared,
                       founding_rate=rate, max_founded=cap, founded=founded, communities=communities)

"""CommunityModel: a vendor's partner community, week by week (shared/MODEL.md).

The model is built from its rooms (:data:`simcomm.core.rooms.ROOMS`): each declares the state it
owns, and the model allocates it once (the partner population as numpy arrays, ``model.people``;
the community's fields, ``model.community``) and gives each room a view of what it declared
(:mod:`simcomm.core.state`). Vendor managers are Mesa agents (:class:`simcomm.agents.VendorStaff`)
held by the programme; partners are reachable as Mesa agents on demand
(:meth:`CommunityModel.partner_agents`). One step is one week: the mechanisms of
:data:`simcomm.core.mechanisms.WEEK` that apply under the governance rules, in order, sharing a
fresh :class:`~simcomm.core.week.Week`. The DataCollector is the one record of the weekly metrics.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import scipy.sparse as sp

from simcomm.agents import Advocate, Partner, VendorStaff
from simcomm.agents.framework_import import mesa
from simcomm.core.counterfactual import AdverseEvent, Counterfactual
from simcomm.core.governance import EventFunding, Review, Rules
from simcomm.core.mechanism import Mechanism, Room, check_order
from simcomm.core.mechanisms import WEEK
from simcomm.core.mechanisms.budget_review import ReviewReturn
from simcomm.core.mechanisms.record import WeeklyRecord
from simcomm.core.metrics import WEEKLY_METRICS
from simcomm.core.params import Params, make_params
from simcomm.core.programme import ROOM as PROGRAMME
from simcomm.core.programme import Programme
from simcomm.core.randomness import Streams
from simcomm.core.rooms import ROOMS, STATE, STREAM_NAMES
from simcomm.core.rule_parts import parameter_name, rules_of
from simcomm.core.state import Community, Partners, View, allocate, view_for
from simcomm.core.ties import PeerTies
from simcomm.core.week import Week


def week_for(rules: Rules) -> tuple[Mechanism, ...]:
    """Return the mechanisms of the week that apply under ``rules``, in the week's order."""
    week = tuple(m for m in WEEK if m.applies(rules))
    check_order(week)
    return week


def parameters_used(rules: Rules) -> tuple[str, ...]:
    """Return the names of the parameters a community under ``rules`` uses, in the parameter
    table's order, derived from the rooms (:data:`simcomm.core.rooms.ROOMS`): the governance's
    parameters; each room's declared and named (``uses``) parameters, except a weekly mechanism
    that does not apply under ``rules`` (:func:`week_for`: an organic community has no staff
    turnover); and the programme room's (a vendor's posts: handover, hiring, cost) where
    ``rules.has_staff`` (but a sponsor's own, ``programme.SPONSOR_ONLY``, where the vendor runs
    it), and otherwise only those a staffless community still reads (its content's
    promotion, the members' voice): found by moving each one and seeing a short run change, as no
    declaration says which of a room's parameters it reads without staff."""
    return _parameters_used(rules)


@functools.lru_cache(maxsize=16)
def _parameters_used(rules: Rules) -> tuple[str, ...]:
    from simcomm.core import programme, rule_parts
    from simcomm.core.governance import PARAMS as GOVERNANCE_PARAMS
    from simcomm.core.params import SPECS, make_params
    from simcomm.core.rooms import ROOMS

    applying = set(week_for(rules))
    used = {s.name for s in GOVERNANCE_PARAMS}
    for room in ROOMS:
        if room is programme.ROOM or (room in WEEK and room not in applying):
            continue
        used |= {s.name for s in room.params} | set(room.uses)
    if rules.has_staff:
        used |= {s.name for s in programme.PARAMS}
        if rules.vendor_runs:  # a sponsor's reach: not where the vendor runs the community itself
            used -= set(programme.SPONSOR_ONLY)
    else:
        base = make_params({**rule_parts.parts_for(rules), "partners": 300})  # any type, or a hybrid
        plain = _short_run(base)
        for spec in programme.PARAMS:
            moved = _moved(spec, base[spec.name])
            changed = make_params({spec.name: moved}, base=base.to_dict()) if moved is not None else None
            if changed is not None and _short_run(changed) != plain:
                used.add(spec.name)
    return tuple(s.name for s in SPECS if s.name in used)


def _moved(spec: Any, value: Any) -> Any:
    """Return another allowed value of a numeric parameter (None for a word)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    low = spec.low if spec.low is not None else value - 1
    high = spec.high if spec.high is not None else value + 1
    other = (value + high) / 2 if value < high else (value + low) / 2
    return round(other) if isinstance(value, int) and other != value else other


def _short_run(params: Params) -> tuple[tuple[float, ...], ...]:
    """Return a 26-week run's active members, posts and mean commitment (for :func:`parameters_used`)."""
    model = CommunityModel(params, seed=1)
    for _ in range(26):
        model.step()
    h = model.history
    return (tuple(h["active_members"]), tuple(h["posts"]), tuple(round(x, 12) for x in h["mean_commitment"]))


class CommunityModel(mesa.Model):
    """A partner community under one governance type, from launch, one step per week.

    Args:
        params: validated parameters (:func:`simcomm.core.params.make_params`); defaults if None.
        seed: the one seed every random draw derives from: each decision draws from its own
            stream of ``model.streams`` (common random numbers, :mod:`simcomm.core.randomness`).
        counterfactual: the run's events to neutralise (:mod:`simcomm.core.counterfactual`);
            None or an empty one changes nothing. The run's adverse events are recorded in
            ``model.adverse`` either way.
        given: state given from outside, by qualified name (``people.hours``,
            ``community.ties``, ...): what a channel's communities share
            (:mod:`simcomm.core.channel`: the population, the peer ties, the attention split) and
            a community's topic (``community.problem``). A room whose owned state is all given is
            not set up again. None (a single community) gives nothing.
    """

    def __init__(self, params: Params | None = None, seed: int = 0,
                 counterfactual: Counterfactual | None = None,
                 given: Mapping[str, Any] | None = None) -> None:
        super().__init__(rng=seed)
        self.p: Params = params if params is not None else make_params()
        self.seed = seed
        self.week = 0
        self.rules: Rules = rules_of(self.p)  # the type's rules, with any part set on its own
        self.streams = Streams(seed, STREAM_NAMES)  # common random numbers: one stream per decision
        self.mechanisms = week_for(self.rules)
        self.events: list[tuple[int, str, str]] = []
        self.people: Partners
        self.community: Community
        given = dict(given or {})
        unknown = sorted(set(given) - set(STATE))
        if unknown:
            raise ValueError(f"given state {unknown} is not declared by any room")
        self.people, self.community = allocate((spec for spec, _ in STATE.values()), int(self.p.partners),
                                               given)
        self.views: dict[str, View] = {room.name: self.view_of(room) for room in ROOMS}
        # What the builder gives the rooms: the counterfactual, the decisions the week's
        # mechanisms draw for every member (hashed together at the census), the record and the
        # programme (the model is the Mesa home of its managers).
        self.community.counterfactual = counterfactual if counterfactual is not None else Counterfactual()
        self.community.member_draws = tuple(dict.fromkeys(d for m in self.mechanisms for d in m.member_draws))
        self.community.record = WeeklyRecord(WEEKLY_METRICS, home=self)
        self.community.programme = Programme(self, self.views[PROGRAMME.name])
        for room in ROOMS:  # a room whose state is all given (a channel's population) is set up already
            if room.setup is not None and not (room.owned and set(room.owned) <= set(given)):
                room.setup(self.views[room.name])
        self.current = Week(0)  # this week's shared state (the last week's, between steps)
        self._handles: dict[int, Partner] = {}
        self.datacollector = self.community.record

    def change_params(self, overrides: dict[str, Any]) -> None:
        """Run on with ``overrides`` applied to the parameters from the next mechanism on (a
        what-if from this week: the state stays as it is); raise ParameterError on bad input;
        return None."""
        self.p = make_params(overrides, base=self.p.to_dict())
        self.views = {room.name: self.view_of(room) for room in ROOMS}
        self.community.programme.rebind(self.views[PROGRAMME.name])

    def take_sponsor(self, overrides: Mapping[str, Any] | None = None) -> None:
        """From the next week on, a sponsor funds this member-run community, which had none (a
        channel's sponsorship of a community that already exists); return None.

        Built in (the rules fix it): the rules become the sponsored type's where they differ
        (the sponsor pays for the meet-ups, which then go ahead even in a month no member
        leads; a failed budget review cuts, then withdraws the money, and the members carry
        on); the members still run it and keep the content (no promotion); the sponsor's contact
        posts open this week (:meth:`Programme.open_posts`; staff turnover applies to them) and
        the reviews count from it. ``overrides`` set the sponsor's parameters (e.g.
        ``sponsor_recruits``: its invitations, :mod:`simcomm.core.mechanisms.joining`). What
        follows for the members (who joins, stays, leads; whether the review finds the
        community worth its money) emerges. Raises ValueError where members do not run the
        community or it has a programme already, ParameterError for a bad override."""
        if not self.rules.member_led or self.community.programme.staff:
            raise ValueError("a sponsor takes on only a member-run community without a programme")
        sponsored = {parameter_name("events"): EventFunding.VENDOR.value,
                     parameter_name("review"): Review.WITHDRAW.value}
        self.p = make_params({**sponsored, **dict(overrides or {})}, base=self.p.to_dict())
        self.rules = rules_of(self.p)
        self.mechanisms = week_for(self.rules)
        self.community.member_draws = tuple(dict.fromkeys(d for m in self.mechanisms for d in m.member_draws))
        self.views = {room.name: self.view_of(room) for room in ROOMS}
        programme = self.community.programme
        programme.rebind(self.views[PROGRAMME.name])
        programme.open_posts(self, self.week)

    def view_of(self, room: Room) -> View:
        """Return ``room``'s view of this model: its state, parameters and streams."""
        return view_for(room.name, owns=room.owned, reads=room.reads, writes=room.writes,
                        params=room.param_names, streams=room.streams, people=self.people,
                        community=self.community, values=self.p, draws=self.streams,
                        rules=self.rules, log=self.log)

    # ---- what the rest of the package reads ---------------------------------------------------
    @property
    def history(self) -> dict[str, list[Any]]:
        """Return the weekly metrics so far, one list per metric (the DataCollector's record)."""
        return self.datacollector.model_vars

    @property
    def programme(self) -> Programme:
        """Return the vendor's (or sponsor's) programme: posts, money, promotion."""
        return self.community.programme

    @property
    def staff(self) -> list[VendorStaff]:
        """Return the programme's manager posts (empty where the vendor neither runs nor funds it)."""
        return self.community.programme.staff

    @property
    def ties(self) -> PeerTies:
        """Return the members' peer ties."""
        return self.community.ties

    @property
    def graph(self) -> sp.csr_matrix:
        """Return the industry acquaintance graph (partners x partners, 0/1)."""
        return self.community.graph

    @property
    def closed(self) -> bool:
        """Return True once the community has ended."""
        return bool(self.community.closed)

    @property
    def died_week(self) -> int | None:
        """Return the week the community ended (None while alive)."""
        return self.community.died_week

    @property
    def adverse(self) -> list[AdverseEvent]:
        """Return the run's adverse events so far (departures and budget decisions)."""
        return self.community.adverse

    @property
    def reviews(self) -> list[ReviewReturn]:
        """Return the budget reviews held so far, each with the revenue and cost it compared
        (empty where no review applies)."""
        return self.community.reviews

    @property
    def counterfactual(self) -> Counterfactual:
        """Return what this run neutralises."""
        return self.community.counterfactual

    # ---- the week -----------------------------------------------------------------------------
    def step(self) -> None:
        """Advance one week: the week's mechanisms in order (the last ones record the metrics)."""
        self.week = self.steps
        self.current = week = Week(self.week)
        views = self.views
        for mechanism in self.mechanisms:
            mechanism.step(views[mechanism.name], week)

    def new_week(self) -> Week:
        """Return a fresh Week for the current week with its census taken (for running one
        mechanism on its own, as the tests do); the model's state is not advanced."""
        self.current = Week(self.week)
        self.run_mechanism(next(m for m in WEEK if m.name == "census"), self.current)
        return self.current

    def run_mechanism(self, mechanism: Mechanism, week: Week) -> None:
        """Run one ``mechanism`` on ``week`` through its own view (for the tests); return None."""
        mechanism.step(self.views[mechanism.name], week)

    def partner_agents(self) -> mesa.agent.AgentSet:
        """Return Mesa agents (Partner, or Advocate) for every partner who ever joined; each is a
        handle onto its row of the arrays, made the first time it is asked for."""
        people = self.people
        for i in np.flatnonzero(people.join_week >= 0).tolist():
            if i not in self._handles:
                self._handles[i] = (Advocate if people.is_advocate[i] else Partner)(self, i, people)
        return mesa.agent.AgentSet(list(self._handles.values()), random=self.random)

    def log(self, kind: str, text: str) -> None:
        """Append a plain-language event ``(week, kind, text)`` to the event log; return None.

        Counts read as words ("1 advocate", "2 advocates", "1 week"). No room reads the log.
        """
        text = re.sub(r"\b1 (\w+)\(s\)", r"1 \1", text)
        text = re.sub(r"(\w+)\(s\)", r"\1s", text)
        text = re.sub(r"\b1 weeks\b", "1 week", text)
        self.events.append((self.week, kind, text))

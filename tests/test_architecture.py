"""The package's architecture: floors, private names, mechanisms as declared plug-ins, the rules.

The floors themselves (ui -> report -> analysis -> runs -> core -> agents, no circles, no I/O in
core) are checked by import-linter in ``make lint`` (contracts in pyproject.toml).
"""

from __future__ import annotations

import ast
import dataclasses
import re
import sys
from collections import defaultdict
from enum import Enum
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

import simcomm
import simcomm.core.model as model_module
from simcomm.core import governance, rule_parts
from simcomm.core.governance import GOVERNANCE, Rules
from simcomm.core.mechanism import Mechanism, check_order
from simcomm.core.mechanisms import WEEK
from simcomm.core.params import SPECS
from simcomm.core.week import STATE_FIELDS, Week

PACKAGE = Path(simcomm.__file__).resolve().parent


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_no_module_imports_a_private_name_of_another() -> None:
    offences = []
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("simcomm"):
                for alias in node.names:
                    if alias.name.startswith("_") and alias.name != "__version__":
                        offences.append(f"{path.relative_to(PACKAGE)}: {node.module}.{alias.name}")
                if any(part.startswith("_") for part in (node.module or "").split(".")):
                    offences.append(f"{path.relative_to(PACKAGE)}: {node.module}")
    assert offences == []


def test_every_parameter_is_declared_once_and_used_in_the_core() -> None:
    names = [s.name for s in SPECS]
    assert len(names) == len(set(names))
    declared = [s.name for m in WEEK for s in m.params]
    assert set(declared) <= set(names)
    core = "\n".join(p.read_text(encoding="utf-8") for p in (PACKAGE / "core").rglob("*.py"))
    # A rule part (rule_run_by, ...) is read as its Rules field (rules.run_by) by the rooms.
    read_as = {rule_parts.parameter_name(f): f for f in rule_parts.FIELDS}
    unused = [n for n in names if not re.search(rf"\.{read_as.get(n, n)}\b", core)]
    assert unused == []


def test_rules_have_named_enumerated_fields() -> None:
    for name, rules in GOVERNANCE.items():
        for f in dataclasses.fields(Rules):
            value = getattr(rules, f.name)
            assert isinstance(value, Enum | bool | str), (name, f.name)
            if f.name not in ("source", "matchmaking", "customer_jobs"):
                assert isinstance(value, Enum), (name, f.name)
        assert rules.member_led != rules.vendor_runs
    with pytest.raises(TypeError):
        Rules(governance.RunBy.MEMBERS, governance.EventFunding.MEMBERS, governance.Review.NONE)  # type: ignore[misc]


@pytest.mark.parametrize("name", sorted(GOVERNANCE))
def test_each_governance_type_has_a_well_ordered_week(name: str) -> None:
    week = model_module.week_for(GOVERNANCE[name])
    assert week[0].name == "staff turnover" or not GOVERNANCE[name].has_staff
    assert {"census", "record"} <= {m.name for m in week}


def test_a_mechanism_reading_state_before_it_is_written_is_refused() -> None:
    week = list(WEEK)
    reader = next(m for m in week if m.name == "responses")
    week.remove(reader)
    week.insert(1, reader)  # before participation writes the questions
    with pytest.raises(ValueError, match=r"responses.*questions"):
        check_order(week)
    with pytest.raises(ValueError, match="unknown week state"):
        Mechanism(name="typo", source="", step=lambda s, week: None, reads=("week.visitd",))
    with pytest.raises(ValueError, match=r"people\.NAME, community\.NAME or week\.NAME"):
        Mechanism(name="unqualified", source="", step=lambda s, week: None, reads=("visited",))


def _toy(name: str, step, **declared) -> Mechanism:
    return Mechanism(name=name, source="a test", step=step, **declared)


def _model_with(mechanism: Mechanism) -> simcomm.CommunityModel:
    model = simcomm.CommunityModel(simcomm.make_params({"partners": 200}), seed=0)
    model.views[mechanism.name] = model.view_of(mechanism)
    return model


def test_a_write_that_is_not_declared_fails() -> None:
    """A toy mechanism that changes members' commitment without declaring it is stopped at the
    write, whether it declared the array as read or not at all; declared, the write goes through."""
    def bump(s, week) -> None:
        s.people.commitment[week.m] += 0.1

    reads = _toy("reads only", bump, reads=("week.m", "people.commitment"))
    silent = _toy("declares nothing", bump, reads=("week.m",))
    writes = _toy("declares the write", bump, reads=("week.m",), writes=("people.commitment",))
    for toy, error in ((reads, ValueError), (silent, AttributeError)):
        model = _model_with(toy)
        with pytest.raises(error, match=r"read-only|not declared"):
            model.run_mechanism(toy, model.new_week())
    model = _model_with(writes)
    before = model.people.commitment.copy()
    model.run_mechanism(writes, week := model.new_week())
    assert np.allclose(model.people.commitment[week.m], before[week.m] + 0.1)

    def promote(s, week) -> None:
        s.community.topic = s.community.topic * 0

    reader = _toy("topic reader", promote, reads=("community.topic",))
    model = _model_with(reader)
    with pytest.raises(AttributeError, match=r"writes community\.topic"):
        model.run_mechanism(reader, model.new_week())

    def overreach(s, week) -> None:
        return s.p.promo_share

    model = _model_with(_toy("param thief", overreach))
    with pytest.raises(AttributeError, match="promo_share"):
        model.run_mechanism(_toy("param thief", overreach), model.new_week())


def test_a_stream_is_drawn_by_name_from_one_registry() -> None:
    from simcomm.core.randomness import Streams, stream_key
    from simcomm.core.rooms import ROOMS, STREAM_NAMES

    streams = Streams(0, STREAM_NAMES)
    assert streams.get("visit") is streams.get("visit")
    with pytest.raises(KeyError, match="did you mean 'visit'"):
        streams.get("vist")  # a typo fails instead of drawing from a new stream
    model = simcomm.CommunityModel(simcomm.make_params({"partners": 50}), seed=0)
    with pytest.raises(KeyError, match="does not declare"):
        model.views["free time"].streams.get("visit")
    declared = [name for room in ROOMS for name in room.streams]
    assert len(declared) == len(set(declared))  # each decision has one room
    # No two decisions share a key, under any of many seeds (a shared key would pair two
    # decisions' numbers draw by draw).
    keys = {int(stream_key(seed, name)) for seed in range(500) for name in STREAM_NAMES}
    assert len(keys) == 500 * len(STREAM_NAMES)


def _reads_of_params(path: Path) -> set[str]:
    """Return the names read as ``<...>.p.NAME`` in a module's source."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.attr for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)
            and node.value.attr == "p"}


def test_a_parameter_is_read_where_it_is_declared_or_named_in_uses() -> None:
    """Each room's module reads (as ``s.p.NAME``) only the parameters it declares or names in
    ``uses``: static, so paths no run takes are covered too (the views refuse the rest at run time)."""
    from simcomm.core.rooms import ROOMS

    by_module: dict[str, set[str]] = defaultdict(set)
    for room in ROOMS:
        step = getattr(room, "step", None) or room.setup
        source = sys.modules[step.__module__].__file__ if step is not None else None
        if source is None:
            continue
        by_module[source] |= set(room.param_names)
    by_module[sys.modules["simcomm.core.programme"].__file__] |= {s.name for s in
                                                                 sys.modules["simcomm.core.programme"].PARAMS}
    for source, allowed in by_module.items():
        read = _reads_of_params(Path(source))
        assert read <= allowed, (source, sorted(read - allowed))


def _snapshot(model: simcomm.CommunityModel, week: Week) -> dict[str, object]:
    """Return a copy of every piece of model state, by qualified name (objects as their state)."""
    from simcomm.core.rooms import STATE

    out: dict[str, object] = {}
    for name in STATE:
        place, _, field = name.partition(".")
        value = getattr(model.people if place == "people" else model.community, field)
        out[name] = _frozen(value)
    for field in STATE_FIELDS:
        out["week." + field] = _frozen(getattr(week, field))
    return out


def _frozen(value: object) -> object:
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return {k: _frozen(v) for k, v in value.items()}
    if hasattr(value, "model_vars"):  # the weekly record
        return {k: len(v) for k, v in value.model_vars.items()}
    if hasattr(value, "staff"):  # the programme and its posts
        return {**{k: v for k, v in vars(value).items() if not k.startswith("_") and k != "staff"},
                "posts": [dict(vars(p)) for p in value.staff]}
    if hasattr(value, "strength"):  # peer ties
        return {k: v.copy() for k, v in vars(value).items() if isinstance(v, np.ndarray)}
    return value


def _same(a: object, b: object) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
                and np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a is b or a == b


class _Traced:
    """A proxy of a view's people or community that records the names a room reads."""

    def __init__(self, target: object, place: str, seen: set[str]) -> None:
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_place", place)
        object.__setattr__(self, "_seen", seen)

    def __getattr__(self, name: str) -> object:
        value = getattr(self._target, name)
        if name != "n" and (not callable(value) or name in ("programme", "ties", "record", "counterfactual")):
            self._seen.add(f"{self._place}.{name}")
        return value

    def __setattr__(self, name: str, value: object) -> None:
        setattr(self._target, name, value)


class _TracedWeek(Week):
    """A Week that records which week fields the current mechanism reads."""

    current: ClassVar[set[str] | None] = None

    def __getattribute__(self, name: str):
        seen = _TracedWeek.current
        if seen is not None and name in STATE_FIELDS:
            seen.add("week." + name)
        return super().__getattribute__(name)


def _traced(model: simcomm.CommunityModel, m: Mechanism, changed: set[str], seen: set[str]) -> Mechanism:
    def step(view, week) -> None:
        before = _snapshot(model, week)
        _TracedWeek.current = seen
        try:
            m.step(view, week)
        finally:
            _TracedWeek.current = None
        after = _snapshot(model, week)
        changed.update(k for k in before if not _same(before[k], after[k]))

    view = model.views[m.name]
    model.views[m.name] = dataclasses.replace(view, people=_Traced(view.people, "people", seen),
                                              community=_Traced(view.community, "community", seen))
    return dataclasses.replace(m, step=step)


def test_rooms_touch_only_the_state_they_declare(monkeypatch) -> None:
    """Run every governance type (and the council policy, turnover, reviews, spam) with each
    mechanism traced: what it changes of any model state (partner arrays, community fields, the
    programme, the ties, the record, the week) must be among what it owns or writes, and what it
    reads among what it declares; and every declaration is used somewhere (none is padded)."""
    monkeypatch.setattr(model_module, "Week", _TracedWeek)
    changed: dict[str, set[str]] = defaultdict(set)
    seen: dict[str, set[str]] = defaultdict(set)

    def traced_setup(room):
        def setup(view) -> None:
            room.setup(dataclasses.replace(view, people=_Traced(view.people, "people", seen[room.name]),
                                           community=_Traced(view.community, "community", seen[room.name])))
        return dataclasses.replace(room, setup=setup) if room.setup is not None else room

    monkeypatch.setattr(model_module, "ROOMS", tuple(traced_setup(r) for r in model_module.ROOMS))
    busy = {"partners": 300, "founders": 30, "growth_policy": "council", "council_size": 40,
            "open_week": 10, "staff_turnover_per_year": 6.0, "review_start": 20, "review_every": 10,
            "spam_per_member": 0.1, "roi_target": 3.0, "leader_burnout": 0.1, "seed_advocates": 10,
            "initiator_leaves_week": 5}
    worthless = {"partners": 300, "founders": 30, "content_value": 0.0, "peer_bond_weight": 0.0,
                 "deal_value": 0.0, "advocate_motivation": 0.0, "word_of_mouth": 0.0, "discovery": 0.0,
                 "founder_commitment": 0.2, "death_weeks": 2}  # an organic community that dies of inactivity
    invited = {"partners": 300, "governance": "vendor-imposed"}  # invitees whose incentive fades
    for overrides in [{**busy, "governance": gov} for gov in GOVERNANCE] + [worthless, invited]:
        model = simcomm.CommunityModel(simcomm.make_params(overrides), seed=3)
        model.mechanisms = tuple(_traced(model, m, changed[m.name], seen[m.name]) for m in model.mechanisms)
        for _ in range(40):
            model.step()
    for m in WEEK:
        allowed = set(m.owned) | set(m.writes)
        assert changed[m.name] <= allowed, (m.name, sorted(changed[m.name] - allowed))
        assert seen[m.name] <= allowed | set(m.reads), (m.name, sorted(seen[m.name] - allowed - set(m.reads)))
        # Nothing declared for nothing: every write was seen changing something (a membership
        # operation's writes count together: lapsing a member who leads nobody changes no
        # leader), every read read.
        from simcomm.core.membership import END_WRITES, ENROLL_WRITES, LAPSE_WRITES

        ran = {w for group in (ENROLL_WRITES, LAPSE_WRITES, END_WRITES)
               if set(group) <= set(m.writes) and set(group) & changed[m.name] for w in group}
        assert set(m.writes) <= changed[m.name] | ran, (m.name, sorted(set(m.writes) - changed[m.name] - ran))
        assert set(m.reads) <= seen[m.name], (m.name, sorted(set(m.reads) - seen[m.name]))


def test_one_record_of_the_weekly_metrics() -> None:
    model = simcomm.CommunityModel(simcomm.make_params({"partners": 300}), seed=0)
    for _ in range(5):
        model.step()
    assert model.history is model.datacollector.model_vars
    frame = model.datacollector.get_model_vars_dataframe()
    assert frame["week"].tolist() == [1, 2, 3, 4, 5]
    assert np.array_equal(frame["active_members"].to_numpy(), np.array(model.history["active_members"]))

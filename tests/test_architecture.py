"""The package's architecture: floors, private names, mechanisms as declared plug-ins, the rules.

The floors themselves (ui -> report -> analysis -> runs -> core -> agents, no circles, no I/O in
core) are checked by import-linter in ``make lint`` (contracts in pyproject.toml).
"""

from __future__ import annotations

import ast
import dataclasses
import re
from collections import defaultdict
from enum import Enum
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

import simcomm
import simcomm.core.model as model_module
from simcomm.core import governance
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
    unused = [n for n in names if not re.search(rf"\.{n}\b", core)]
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
        Mechanism(name="typo", source="", step=lambda model, week: None, reads=("visitd",))


class _TracedWeek(Week):
    """A Week that records which mechanism reads and writes which of its fields."""

    current: ClassVar[str] = ""
    reads: ClassVar[dict[str, set[str]]] = defaultdict(set)
    writes: ClassVar[dict[str, set[str]]] = defaultdict(set)

    def __getattribute__(self, name: str):
        if name in STATE_FIELDS:
            _TracedWeek.reads[_TracedWeek.current].add(name)
        return super().__getattribute__(name)

    def __setattr__(self, name: str, value: object) -> None:
        if name in STATE_FIELDS and _TracedWeek.current:
            _TracedWeek.writes[_TracedWeek.current].add(name)
        super().__setattr__(name, value)


def _traced(mechanism: Mechanism) -> Mechanism:
    def step(model, week) -> None:
        _TracedWeek.current = mechanism.name
        try:
            mechanism.step(model, week)
        finally:
            _TracedWeek.current = ""

    return dataclasses.replace(mechanism, step=step)


def test_mechanisms_read_and_write_only_the_week_state_they_declare(monkeypatch) -> None:
    """Run every governance type (and the council policy) with each mechanism traced: what it
    touches of the Week must be in its declaration, so the order check can be trusted."""
    monkeypatch.setattr(model_module, "Week", _TracedWeek)
    _TracedWeek.reads.clear()
    _TracedWeek.writes.clear()
    for gov in GOVERNANCE:
        params = simcomm.make_params({"governance": gov, "partners": 300, "founders": 30,
                                      "growth_policy": "council", "council_size": 40, "open_week": 10,
                                      "staff_turnover_per_year": 6.0, "review_start": 20,
                                      "review_every": 10, "spam_per_member": 0.1})
        model = simcomm.CommunityModel(params, seed=3)
        model.mechanisms = tuple(_traced(m) for m in model.mechanisms)
        for _ in range(40):
            model.step()
    declared = {m.name: m for m in WEEK}
    for name, fields in _TracedWeek.reads.items():
        if name:
            assert fields <= set(declared[name].reads) | set(declared[name].writes), name
    for name, fields in _TracedWeek.writes.items():
        assert fields <= set(declared[name].writes), name
    # Every mechanism that declares a write was seen writing (declarations are not padded).
    for m in WEEK:
        assert set(m.writes) <= _TracedWeek.writes[m.name], m.name


def test_one_record_of_the_weekly_metrics() -> None:
    model = simcomm.CommunityModel(simcomm.make_params({"partners": 300}), seed=0)
    for _ in range(5):
        model.step()
    assert model.history is model.datacollector.model_vars
    frame = model.datacollector.get_model_vars_dataframe()
    assert frame["week"].tolist() == [1, 2, 3, 4, 5]
    assert np.array_equal(frame["active_members"].to_numpy(), np.array(model.history["active_members"]))

"""The governance rules part by part (simcomm.core.rule_parts): hybrids of two governance types.

A hybrid whose every part is type X's must be type X, whatever its ``governance`` says: nothing
in the model may read the type's name instead of its rules. A part set on its own must change
the run (else the decomposition of a difference between types would attribute nothing to it).
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

import simcomm
from simcomm.core.governance import GOVERNANCE, Rules
from simcomm.core.params import ParameterError, make_params, parse_assignment
from simcomm.core.rule_parts import AS_TYPE, FIELDS, PARAMETER_NAMES, parameter_name, parts_of, rules_of

SMALL = {"partners": 300}
WEEKS = 60


def _tables(scenario: str, overrides: dict) -> list[pd.DataFrame]:
    r = simcomm.run(scenario, weeks=WEEKS, seed=4, overrides={**SMALL, **overrides})
    return [r.timeseries, r.members, r.events, pd.DataFrame([r.summary])]


def test_every_rules_field_has_a_part_whose_default_is_the_type() -> None:
    """One parameter per Rules field but its source, each defaulting to 'type', allowing the
    field's values; at the defaults every type's rules are its own."""
    fields = [f.name for f in dataclasses.fields(Rules) if f.name != "source"]
    assert list(FIELDS) == fields
    assert tuple(parameter_name(f) for f in fields) == PARAMETER_NAMES
    defaults = make_params()
    for name in PARAMETER_NAMES:
        assert defaults[name] == AS_TYPE
    for gov, rules in GOVERNANCE.items():
        assert rules_of(make_params({"governance": gov})) is rules
        assert rules_of(make_params({"governance": "organic", **parts_of(gov)})) == dataclasses.replace(
            rules, source=GOVERNANCE["organic"].source)


@pytest.mark.parametrize("target,start", [("vendor-imposed", "organic"), ("organic", "vendor-imposed"),
                                          ("marketplace", "p2p-alliance"), ("distributor", "sponsored"),
                                          ("vendor-p2p", "organic")])
def test_a_hybrid_with_every_part_of_a_type_is_that_type(target: str, start: str) -> None:
    """``governance = start`` with every rule part set to ``target``'s runs exactly as
    ``target``: the same weekly record, members, events and summary."""
    expected = _tables(target, {})
    hybrid = _tables(start, parts_of(target))
    for a, b in zip(expected, hybrid, strict=True):
        pd.testing.assert_frame_equal(a, b)


def test_one_part_on_its_own_changes_the_run() -> None:
    """A vendor-imposed community run by its members differs from both vendor-imposed and
    organic (it keeps the vendor's events, review and market anchor)."""
    hybrid = _tables("vendor-imposed", {"rule_run_by": "members"})
    for other in (_tables("vendor-imposed", {}), _tables("organic", {})):
        assert not hybrid[0].equals(other[0])


def test_a_bad_part_is_one_line_naming_the_allowed_values() -> None:
    """An unknown value names the parameter and every allowed value, 'type' first."""
    with pytest.raises(ParameterError, match=r"rule_run_by.*one of type, members, vendor"):
        parse_assignment("rule_run_by=boss")
    with pytest.raises(ParameterError, match=r"rule_matchmaking.*one of type, yes, no"):
        make_params({"rule_matchmaking": True})
    assert parse_assignment("rule_fit=complementary") == ("rule_fit", "complementary")


def test_the_parameters_a_hybrid_uses_follow_its_rules(tmp_path) -> None:
    """An organic community run by the vendor uses the staff turnover an organic one does not;
    a vendor-imposed one run by its members does not; `simcomm show` lists the parts a hybrid
    sets with the parameters it uses, and none of a type's."""
    from simcomm.core.model import parameters_used

    def used(overrides: dict) -> set[str]:
        return set(parameters_used(rules_of(make_params(overrides))))

    assert "staff_turnover_per_year" in used({"governance": "organic", "rule_run_by": "vendor",
                                              "rule_events": "vendor"})
    assert "staff_turnover_per_year" not in used({"governance": "vendor-imposed", "rule_run_by": "members",
                                                  "rule_events": "members"})
    from click.testing import CliRunner

    from simcomm.ui.cli import main

    assert "rule_run_by" not in CliRunner().invoke(main, ["show", "organic"]).stdout
    hybrid = tmp_path / "member-run.toml"
    hybrid.write_text('name = "member-run"\ngovernance = "vendor-imposed"\n'
                      '[overrides]\nrule_run_by = "members"\n')
    table = CliRunner().invoke(main, ["show", str(hybrid)]).stdout.split("unit; source")[1].split("\n\n")[0]
    assert "\nrule_run_by" in table and "\nrule_events" not in table


def test_the_story_page_lists_no_rule_part_left_as_the_type() -> None:
    """The story's parameter table: a rule part a hybrid sets is used; one left 'type' is neither
    used nor 'not used under organic's rules' (it is the type's rule itself)."""
    from simcomm.core.params import make_params
    from simcomm.report.story_page import applicable

    used, unused = applicable(dict(make_params({"governance": "organic", "rule_run_by": "vendor"})))
    assert "rule_run_by" in used and "rule_events" not in used
    assert not set(PARAMETER_NAMES) & set(unused)
    assert "staff_turnover_per_year" in used  # run by the vendor: its managers can leave

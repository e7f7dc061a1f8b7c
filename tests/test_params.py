"""Parameter table: every parameter documented, validated by type and range, errors name the field."""

from __future__ import annotations

import pytest

from simcomm.core.params import SPECS, ParameterError, make_params

REQUIRED = ("partners", "staff_turnover_per_year", "handover_quality", "seed_advocates",
            "programmes_per_partner", "promo_share", "moderation")


def test_every_parameter_has_unit_source_doc_and_a_valid_default() -> None:
    for spec in SPECS:
        assert spec.unit and spec.source and spec.doc, spec.name
        assert spec.validate(spec.default) == spec.default
    names = {s.name for s in SPECS}
    assert set(REQUIRED) <= names


def test_defaults_and_overrides() -> None:
    p = make_params({"partners": 123, "promo_share": 0.7})
    assert p.partners == 123 and p.promo_share == 0.7
    assert make_params().partners == 2000
    with pytest.raises(AttributeError):
        p.partners = 5  # type: ignore[misc]


@pytest.mark.parametrize(("name", "value", "fragment"), [
    ("partners", 5, "[10, 2e+06]"),
    ("partners", 12.5, "an integer"),
    ("partners", "many", "an integer"),
    ("partners", True, "an integer"),
    ("handover_quality", 1.5, "[0, 1]"),
    ("handover_quality", float("nan"), "[0, 1]"),
    ("governance", "anarchy", "one of organic, vendor-imposed"),
    ("staff_turnover_per_year", -1, "[0, 52]"),
])
def test_bad_values_raise_one_line_error_naming_the_field(name: str, value: object, fragment: str) -> None:
    with pytest.raises(ParameterError) as err:
        make_params({name: value})
    msg = str(err.value)
    assert f"'{name}'" in msg and fragment in msg and repr(value) in msg
    assert "\n" not in msg


def test_unknown_name_suggests_close_names() -> None:
    with pytest.raises(ParameterError, match="did you mean staff_turnover_per_year"):
        make_params({"staff_turnover_per_yr": 1.0})


def test_integral_float_accepted_for_int_parameter() -> None:
    assert make_params({"partners": 300.0}).partners == 300


def test_cross_checks() -> None:
    with pytest.raises(ParameterError, match="at most 1"):
        make_params({"share_one_person": 0.7, "share_msp": 0.5})
    with pytest.raises(ParameterError, match=r"'leave_hazard' = 1\.5"):
        make_params({"leave_hazard": 1.5})


def test_a_governance_type_shows_only_the_parameters_its_week_reads() -> None:
    """Derived from the mechanisms that apply under the type's rules (week_for) and their
    declared parameters, plus population, launch and governance: organic has no manager, so no
    turnover or handover (issue 27: its table listed them); every parameter is used by a type."""
    from click.testing import CliRunner

    from simcomm.core.governance import GOVERNANCE
    from simcomm.core.model import parameters_used, week_for
    from simcomm.core.params import SPECS
    from simcomm.core.rule_parts import PARAMETER_NAMES
    from simcomm.ui.cli import main

    organic, vendor = (set(parameters_used(GOVERNANCE[g])) for g in ("organic", "vendor-imposed"))
    for name in ("staff_turnover_per_year", "handover_quality", "vacancy_weeks"):
        assert name not in organic and name in vendor
    assert {"partners", "governance", "founders"} <= organic
    assert "staff turnover" not in {m.name for m in week_for(GOVERNANCE["organic"])}
    # every parameter is used by some type; the rule parts are the types' rules themselves, shown
    # where a hybrid sets them (tests/test_rule_parts.py)
    used = set().union(*(parameters_used(r) for r in GOVERNANCE.values())) | set(PARAMETER_NAMES)
    assert used == {s.name for s in SPECS}
    out = CliRunner().invoke(main, ["show", "organic"]).stdout
    table = out.split("unit; source")[1].split("\n\n")[0]
    assert "\nstaff_turnover_per_year" not in table and "\npartners" in table
    assert "Not used by organic's rules" in out and "handover_quality" in out.split("Not used by")[1]

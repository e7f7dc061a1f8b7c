"""Governance types differ by rules only; every other scenario is its base plus named levers.

`compare` says what differs between the scenarios it runs; the shipped experiments vary only
their factors; the experiment heat map counts deaths as a share of runs.
"""

from __future__ import annotations

import json
import math
import tomllib
from itertools import combinations
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import simcomm
from simcomm.analysis.experiments import heatmap_table
from simcomm.core.channel_plan import ChannelPlan
from simcomm.core.governance import GOVERNANCE
from simcomm.core.params import ParameterError, make_params
from simcomm.report.experiment_plots import plot_heatmap
from simcomm.report.text import format_differences, parameter_differences
from simcomm.runs.channel_experiment import ChannelExperiment
from simcomm.runs.experiment_file import load_experiment
from simcomm.runs.experiments import jobs
from simcomm.runs.library import LIBRARY, load_scenario
from simcomm.ui.cli import main

ROOT = Path(__file__).resolve().parents[1]
TYPES = sorted(GOVERNANCE)
WHAT_IFS = [n for n in simcomm.scenario_names() if n not in GOVERNANCE]
TINY = ["-r", "1", "-w", "1", "-q", "--weeks", "3", "--set", "partners=100"]


def invoke(*args: str) -> tuple[int, str, str]:
    out = CliRunner().invoke(main, list(args))
    return out.exit_code, out.stdout, out.stderr


def params_of(overrides: dict[str, object]) -> dict[str, object]:
    return make_params(base=overrides).to_dict()


def changed(a: dict[str, object], b: dict[str, object]) -> set[str]:
    return {k for k in a if a[k] != b[k]}


# ---- the library -------------------------------------------------------------------------------
def test_library_has_every_type_and_what_ifs() -> None:
    names = set(simcomm.scenario_names())
    assert set(TYPES) <= names
    assert {"staff-churn", "product-showcase", "cold-start", "programme-overload", "unmoderated",
            "budget-axe", "partner-council", "advocate-led"} <= set(WHAT_IFS)


@pytest.mark.parametrize("name", TYPES)
def test_a_scenario_named_after_a_type_sets_governance_and_nothing_else(name: str) -> None:
    data = tomllib.loads((LIBRARY / f"{name}.toml").read_text(encoding="utf-8"))
    assert set(data) <= {"name", "title", "story", "seed_file", "seed_quote", "governance"}
    sc = load_scenario(name)
    assert sc.overrides == {"governance": name} and sc.levers == {} and sc.base == ""
    assert changed(params_of(sc.overrides), params_of({})) <= {"governance"}


@pytest.mark.parametrize("name", WHAT_IFS)
def test_a_what_if_differs_from_its_base_in_exactly_its_levers(name: str) -> None:
    data = tomllib.loads((LIBRARY / f"{name}.toml").read_text(encoding="utf-8"))
    assert "overrides" not in data and "governance" not in data and data["base"] in GOVERNANCE
    sc = load_scenario(name)
    base = load_scenario(sc.base)
    assert sc.base == data["base"] and sc.governance == base.governance and sc.levers
    mine, theirs = params_of(sc.overrides), params_of(base.overrides)
    assert changed(mine, theirs) == set(sc.levers)
    for lever, (value, why) in sc.levers.items():
        assert mine[lever] == value
        assert why.strip() and "\n" not in why and len(why) < 120


# ---- scenario files with base and levers -------------------------------------------------------
LEVER = '[levers.moderation]\nvalue = 0.0\nwhy = "nobody moderates"\n'


def test_own_file_with_a_base_and_levers(tmp_path: Path) -> None:
    (tmp_path / "mine.toml").write_text('name = "mine"\nbase = "staff-churn"\n' + LEVER)
    sc = load_scenario(tmp_path / "mine.toml")
    churn = load_scenario("staff-churn")
    assert sc.base == "staff-churn" and sc.levers == {"moderation": (0.0, "nobody moderates")}
    assert sc.overrides == {**churn.overrides, "moderation": 0.0}
    assert changed(params_of(sc.overrides), params_of(churn.overrides)) == {"moderation"}
    (tmp_path / "again.toml").write_text('base = "mine.toml"\n[levers.founders]\nvalue = 3\n'
                                         'why = "three founders"\n')
    again = load_scenario(tmp_path / "again.toml")  # a base given as a path beside the file
    assert again.base == "mine" and again.overrides == {**sc.overrides, "founders": 3}
    code, out, _ = invoke("show", str(tmp_path / "mine.toml"))
    assert code == 0 and "base: staff-churn" in out
    assert "moderation = 0.0 (was 0.5): nobody moderates" in out


@pytest.mark.parametrize(("text", "fragments"), [
    ('base = "vendor-imposed"\n[levers.moderation]\nvalue = 0.0\n', ["lever 'moderation'", "why"]),
    ('base = "vendor-imposed"\n[levers.moderation]\nvalue = 0.0\nwhy = ""\n', ["why", "one-line"]),
    ('base = "vendor-imposed"\n[levers.moderation]\nwhy = "x"\n', ["value is missing"]),
    ('base = "vendor-imposed"\n[levers.moderation]\nvalue = 0.0\nwhy = "x"\nnote = 1\n',
     ["unknown field 'note'", "allowed: value, why"]),
    ('base = "vendor-imposed"\n[levers.moderaton]\nvalue = 0.0\nwhy = "x"\n',
     ["unknown parameter", "did you mean moderation"]),
    ('base = "vendor-imposed"\n[levers.moderation]\nvalue = 3.0\nwhy = "x"\n', ["[0, 1]"]),
    ('base = "vendor-imposed"\n[levers.moderation]\nvalue = 0.5\nwhy = "x"\n',
     ["already the base's value"]),
    ('base = "vendor-imposed"\n[levers.governance]\nvalue = "organic"\nwhy = "x"\n', ["not a lever"]),
    ('base = "vendor-imposed"\nlevers = 3\n', ["levers = 3 is not allowed"]),
    ('base = "vendor-imposed"\n[overrides]\nmoderation = 0.0\n', ["cannot be combined"]),
    ('base = "vendor-imposd"\n' + LEVER, ["did you mean vendor-imposed"]),
    ('base = "organic"\ngovernance = "vendor-imposed"\n' + LEVER, ["disagree"]),
    ('base = "loop.toml"\n' + LEVER, ["circle"]),
    ('base = 3\n', ["base = 3 is not allowed"]),
], ids=["no-why", "empty-why", "no-value", "unknown-lever-field", "unknown-parameter", "out-of-range",
        "no-change", "governance-lever", "levers-not-table", "overrides-and-base", "unknown-base",
        "governance-disagrees", "circle", "base-not-text"])
def test_bad_levers_and_bases_give_one_line_and_exit_2(tmp_path: Path, text: str,
                                                        fragments: list[str]) -> None:
    path = tmp_path / "loop.toml"
    path.write_text(text)
    with pytest.raises(ParameterError):
        load_scenario(path)
    code, _, err = invoke("run", str(path), "--weeks", "2", "--set", "partners=100")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert str(path) in err and all(f in err for f in fragments), err


def test_scenarios_and_show_print_base_and_levers_with_reasons() -> None:
    code, out, _ = invoke("scenarios")
    assert code == 0
    line = next(x for x in out.splitlines() if x.startswith("staff-churn "))
    assert "vendor-imposed + staff_turnover_per_year" in line
    code, out, _ = invoke("show", "staff-churn")
    assert code == 0 and "base: vendor-imposed" in out
    for lever, (_, why) in load_scenario("staff-churn").levers.items():
        assert f"{lever} = " in out and why in out
    code, out, _ = invoke("show", "organic")
    assert code == 0 and "base:" not in out and "sets only governance" in out


# ---- compare says what differs -----------------------------------------------------------------
def test_differences_name_each_changed_parameter_with_its_reason() -> None:
    base = {"a": 0.5, "b": 1, "c": "x"}
    rows = parameter_differences([
        ("base", base, {"a": "base reason"}),
        ("one", {**base, "b": 2}, {"b": "why b"}),
        ("two", {**base, "a": 1.33, "c": "y"}, {}),
        ("same", dict(base), {}),
    ])
    assert [r["label"] for r in rows] == ["one", "two", "same"]
    assert rows[0]["differences"] == [{"parameter": "b", "baseline": 1, "value": 2, "why": "why b"}]
    assert [d["parameter"] for d in rows[1]["differences"]] == ["a", "c"]
    text = format_differences(rows).splitlines()
    assert text[0] == "one differs from base only in: b 1 -> 2 (why b)"
    assert text[1] == "two differs from base in: a 0.5 -> 1.33 (base: base reason); c x -> y"
    assert text[2] == "same does not differ from base in any parameter"


def test_compare_prints_what_differs_before_the_table(tmp_path: Path) -> None:
    code, out, err = invoke("compare", "vendor-imposed", "staff-churn", "programme-overload", *TINY,
                            "--out", str(tmp_path / "c"))
    assert code == 0, err
    churn = next(x for x in out.splitlines() if x.startswith("staff-churn differs"))
    assert churn.startswith("staff-churn differs from vendor-imposed in: ")
    assert "staff_turnover_per_year 0.5 -> 1.33 (the manager leaves about every nine months)" in churn
    assert "handover_quality 0.3 -> 0.0" in churn and "vacancy_weeks" in churn
    overload = next(x for x in out.splitlines() if x.startswith("programme-overload differs"))
    assert overload.startswith("programme-overload differs from vendor-imposed only in: "
                               "programmes_per_partner 5.0 -> 22.0 (")
    assert out.index("differs") < out.index("metric ")
    saved = json.loads((tmp_path / "c" / "compare.json").read_text())
    rows = {r["label"]: r for r in saved["differences"]}
    assert set(rows) == {"staff-churn", "programme-overload"}
    assert {d["parameter"] for d in rows["staff-churn"]["differences"]} == set(
        load_scenario("staff-churn").levers)
    assert rows["programme-overload"]["differences"][0]["why"]


def test_compare_differences_cover_types_and_varied_parameters() -> None:
    code, out, err = invoke("compare", "vendor-imposed", "organic", *TINY, "--json",
                            "--vary", "staff_turnover_per_year=0.33,1.33")
    assert code == 0, err
    rows = {r["label"]: r for r in json.loads(out)["differences"]}
    varied = rows["vendor-imposed, staff_turnover_per_year=1.33"]["differences"]
    assert [d["parameter"] for d in varied] == ["staff_turnover_per_year"]
    assert [d["parameter"] for d in rows["organic, staff_turnover_per_year=0.33"]["differences"]] == [
        "governance"]
    code, out, _ = invoke("compare", "organic", "vendor-imposed", *TINY)
    assert code == 0 and "vendor-imposed differs from organic only in: governance organic -> " \
                         "vendor-imposed" in out


# ---- experiments -------------------------------------------------------------------------------
@pytest.mark.parametrize("path", sorted((ROOT / "experiments").glob("*.toml")), ids=lambda p: p.stem)
def test_shipped_design_points_differ_only_in_their_factors(path: Path) -> None:
    exp = load_experiment(path)
    if isinstance(exp, ChannelExperiment):
        channel_points_differ_only_in_their_factors(exp)
        return
    runs = {job.point: make_params(job.overrides, base=job.scenario.overrides).to_dict()
            for job in jobs(exp)}
    design = exp.design()
    assert len(runs) == len(design) > 1
    for i, j in combinations(range(len(design)), 2):
        varied = {f for f in exp.factors if design[i][f] != design[j][f]}
        assert changed(runs[i], runs[j]) == varied, (design[i], design[j])
    if "governance" in exp.factors:  # each type's arm is that type's own scenario, nothing more
        for p, point in enumerate(design):
            own = load_scenario(str(point["governance"])).overrides
            assert runs[p] == make_params({**exp.overrides, **point}, base=own).to_dict(), point
    for p, point in enumerate(design):
        assert exp.point_params(point) == runs[p]


def test_varying_governance_over_a_what_if_is_refused(tmp_path: Path) -> None:
    text = (ROOT / "experiments" / "turnover-x-governance.toml").read_text()
    path = tmp_path / "exp.toml"
    path.write_text(text.replace('scenario = "vendor-imposed"', 'scenario = "budget-axe"'))
    with pytest.raises(ParameterError, match=r"factors\.governance"):
        load_experiment(path)
    code, _, err = invoke("experiment", "run", str(path), "--out", str(tmp_path / "o"))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "roi_target" in err, err


def test_heat_map_counts_deaths_as_a_share_of_runs(tmp_path: Path) -> None:
    nan = math.nan
    cells = {("a", 1): [10.0, nan, nan, nan], ("a", 2): [nan, nan], ("b", 1): [5.0, 7.0],
             ("b", 2): [100.0, nan, nan]}
    rows = [{"point": k, "governance": g, "turnover": t, "replicate": r, "died_week": d,
             "peak_active": float(r)}
            for k, ((g, t), died) in enumerate(cells.items()) for r, d in enumerate(died)]
    runs = pd.DataFrame(rows)
    table, what = heatmap_table(runs, "governance", "turnover", "died_week")
    assert what == "share of runs that died"
    assert table.loc["a", 1] == pytest.approx(0.25) and table.loc["a", 2] == 0.0
    assert table.loc["b", 1] == pytest.approx(1.0) and table.loc["b", 2] == pytest.approx(1 / 3)
    mean, what = heatmap_table(runs, "governance", "turnover", "peak_active")
    assert what == "mean over replicates" and mean.loc["a", 1] == pytest.approx(1.5)
    out = plot_heatmap(runs, "governance", "turnover", "died_week", tmp_path / "died.png")
    assert out.is_file() and out.stat().st_size > 0


def channel_settings(plan: ChannelPlan) -> dict[str, object]:
    """Every setting of a channel plan by the name a channel experiment's factor has: the
    channel's own by name, a listed community's field or own override as COMMUNITY.NAME."""
    flat: dict[str, object] = {**plan.shared, "founding_rate": plan.founding_rate,
                               "max_founded": plan.max_founded,
                               "founded_scenario": plan.founded.name if plan.founded else ""}
    for c in plan.to_dict()["communities"]:
        for key in ("scenario", "topic", "launch_week", "sponsors"):
            flat[f"{c['name']}.{key}"] = c.get(key)
        flat.update({f"{c['name']}.{k}": v for k, v in c["overrides"].items()})
    return flat


def channel_points_differ_only_in_their_factors(exp: ChannelExperiment) -> None:
    """A channel experiment's points (each run's channel plan) differ exactly in the settings of
    the factors whose values differ, and the manifest's record of a point is its runs' plan."""
    plans = {job.point: job.plan for job in jobs(exp)}
    design = exp.design()
    assert len(plans) == len(design) > 1
    flat = {p: channel_settings(plan) for p, plan in plans.items()}
    assert all(flat[p].keys() == flat[0].keys() for p in flat)  # no point adds or drops a setting
    for i, j in combinations(range(len(design)), 2):
        varied = {f for f in exp.factors if design[i][f] != design[j][f]}
        assert changed(flat[i], flat[j]) == varied, (design[i], design[j])
    for p, point in enumerate(design):
        assert exp.point_params(point)["communities"] == plans[p].to_dict()["communities"]


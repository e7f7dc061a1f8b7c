"""What `compare` and `run` tell a strategist (issue 15): the answer first in plain sentences,
readable names, survival in the table, intervals within each metric's bounds, one significance
rule for every star and every "clearly"; and the README's experiment commands agree."""

from __future__ import annotations

import dataclasses
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import runs

import simcomm
from simcomm.analysis import intervals
from simcomm.analysis import statistics as analysis
from simcomm.core import metric_registry as registry
from simcomm.report.compare_text import comparison_sentences, format_comparison_table, format_effects
from simcomm.ui.cli import main

SMALL = ["--weeks", "30", "--set", "partners=300"]
# Three runs of each at 100 weeks: staff-churn loses one seed and product-showcase
# all three, so Student t intervals leave the bounds (a share of runs above 1, members below 0).
EDGE_SCENARIOS = ("advocate-led", "staff-churn", "product-showcase")
EDGE_PARTNERS = 500  # a channel where, over 100 weeks, the three scenarios' survival is 3, 2 and 0 of 3
EDGE = ["compare", *EDGE_SCENARIOS, "-r", "3", "-w", "2", "--weeks", "100",
        "--set", f"partners={EDGE_PARTNERS}"]
INTERVAL = re.compile(r"\[([-+]?[\d,.]+)(%?), ([-+]?[\d,.]+)(%?)\]")
ROOT = Path(__file__).resolve().parents[1]


def invoke(*args: str) -> tuple[int, str, str]:
    out = CliRunner().invoke(main, list(args))
    return out.exit_code, out.stdout, out.stderr


def blocks(out: str) -> list[str]:
    """The blank-line separated blocks of a command's output: header, answer, table, ..."""
    return out.split("\n\n")


def table_rows(out: str) -> list[str]:
    """The metric rows of the printed comparison table (between its two rules)."""
    lines = next(b for b in blocks(out) if "\n---" in b).splitlines()
    rules = [i for i, line in enumerate(lines) if line and set(line) == {"-"}]
    return lines[rules[0] + 1:rules[1]]


@pytest.fixture(scope="module")
def edge() -> tuple[str, dict]:
    code, out, err = invoke(*EDGE)
    assert code == 0, err
    code, text, err = invoke(*EDGE, "--json")
    assert code == 0, err
    return out, json.loads(text)


def test_the_edge_case_would_print_student_t_intervals_out_of_bounds() -> None:
    frame = analysis.summary_frame({s: runs(s, range(3), weeks=100, partners=EDGE_PARTNERS)
                                  for s in EDGE_SCENARIOS})
    outside = []
    for (label, metric), values in frame.melt(["label"], list(registry.COMPARED)).groupby(
            ["label", "variable"])["value"]:
        n, _, low, high = intervals.mean_ci(values.to_numpy(dtype=float))
        lowest, highest = registry.bounds(metric)
        if n >= 2 and (low < lowest or high > highest):
            outside.append((label, metric))
    assert ("staff-churn", registry.ALIVE) in outside
    assert ("staff-churn", "final_active") in outside


def test_no_printed_interval_leaves_its_metrics_bounds(edge: tuple[str, dict]) -> None:
    out, data = edge
    rows = table_rows(out)
    assert len(rows) == len(registry.COMPARED)
    seen = 0
    for row in rows:
        for low, low_pct, high, high_pct in INTERVAL.findall(row):
            lo, hi = float(low.replace(",", "")), float(high.replace(",", ""))
            assert 0 <= lo <= hi, row
            if low_pct or high_pct:
                assert low_pct == high_pct == "%" and hi <= 100, row
            seen += 1
    assert seen >= 2 * len(rows)
    for row in data["table"]:
        if row["ci_low"] is None:
            continue
        lowest, highest = registry.bounds(row["metric"])
        assert lowest <= row["ci_low"] <= row["mean"] <= row["ci_high"] <= highest, row
    for row in data["comparisons"]:  # differences: within what two values in bounds can differ by
        if row["diff_low"] is not None and row["unit"] == "share":
            assert -1 <= row["diff_low"] <= row["diff"] <= row["diff_high"] <= 1, row
    answer = blocks(out)[1]
    for low, _, high, _ in INTERVAL.findall(answer):
        assert float(low.replace(",", "")) <= float(high.replace(",", ""))


def test_survival_row_shows_k_of_n_runs_alive(edge: tuple[str, dict]) -> None:
    out, data = edge
    alive = {s: sum(r.summary["died_week"] is None
                    for r in runs(s, range(3), weeks=100, partners=EDGE_PARTNERS))
             for s in EDGE_SCENARIOS}
    assert alive["staff-churn"] == 2 and alive["product-showcase"] == 0  # the case's premise
    row = next(r for r in table_rows(out) if r.startswith("Still alive at week 100"))
    assert row.index("3 of 3 [") < row.index("2 of 3 [") < row.index("0 of 3 [0%, ")
    for r in data["table"]:
        if r["metric"] == registry.ALIVE:
            assert (r["count"], r["n"], r["interval"]) == (alive[r["label"]], 3, "Wilson")
    answer = blocks(out)[1]
    assert "Runs still alive at week 100: 2 of 3 in staff-churn against 3 of 3 in advocate-led" \
        in " ".join(answer.split())


def results_with(values: dict[str, list[dict[str, float | None]]]) -> dict[str, list[simcomm.Result]]:
    """Results whose summaries are set by hand, seeds 0..n-1 in every label (paired)."""
    base = runs("organic", [0], weeks=60, partners=400)[0]
    return {label: [dataclasses.replace(base, seed=i, summary={**base.summary, **v})
                    for i, v in enumerate(rows)] for label, rows in values.items()}


def one_rule_case() -> tuple[pd.DataFrame, pd.DataFrame, dict[str, list[simcomm.Result]]]:
    """Ten paired runs: retention a year on is far lower (clear under any rule); active members
    are lower with an unadjusted p of about 0.02, which Holm over the metrics leaves unclear."""
    rng = np.random.default_rng(5)
    final = 100 + rng.normal(0, 20, 10)
    drop = np.array([-12.0, 3, -20, -6, -1, -15, 4, -9, -2, -10])  # paired t p about 0.02
    ret = 0.6 + rng.normal(0, 0.02, 10)
    before = [{"final_active": int(f), "retention_52w": r} for f, r in zip(final, ret, strict=True)]
    after = [{"final_active": int(f + d), "retention_52w": r - 0.2}
             for f, d, r in zip(final, drop, ret, strict=True)]
    results = results_with({"before": before, "after": after})
    family = analysis.comparisons(results, [("after", "before")])
    return analysis.headline_table(results, family=family), family, results


def test_star_and_clearly_follow_one_rule() -> None:
    table, family, _ = one_rule_case()
    by_metric = family.set_index("metric")
    final = by_metric.loc["final_active"]
    assert final["p_value"] < 0.05 and not final["significant"]  # the case: unadjusted it would star
    assert bool(by_metric.loc["retention_52w", "significant"])
    text = format_comparison_table(table, 60)
    sentences = comparison_sentences(table, family, [("after", "before", None)], {}, 60, 10)
    effects = format_effects(table, family, [("after", "before", "organic")], {}, 60, registry.COMPARED)
    said = {s.split(":")[0]: s for s in sentences}
    rows = {r.split("  ")[0]: r for r in table_rows(text)}
    shown = {line.strip().split("  ")[0]: line for line in effects.splitlines()[2:-1]}
    for metric, r in by_metric.iterrows():
        name = next(n for n in rows if n.startswith(_name(metric)))
        star = bool(r["significant"])
        assert rows[name].rstrip().endswith("*") == star, name
        assert shown[name].rstrip().endswith("*") == star, name
        if name in said:
            assert ("clearly" in said[name] and "not clearly" not in said[name]) == star, said[name]
    assert "but not clearly" in said["Active members at week 60"]
    assert "clearly lower" in said["Retention after a year"]
    assert "1 time in 20" in text and f"the {int(family['p_value'].notna().sum())} comparisons" in text


def test_the_printed_interval_agrees_with_the_word_clearly() -> None:
    """Issue 27: "but not clearly (95% interval +36 to +261)": the interval was unadjusted while
    the word allowed for every comparison. The adjusted interval leaves out zero exactly where the
    rule says clearly; the unadjusted one here does not (it excludes zero, the rule does not)."""
    table, family, _ = one_rule_case()
    final = family.set_index("metric").loc["final_active"]
    assert final["diff_high"] < 0 and not final["significant"]  # the old contradiction
    assert final["adj_low"] < 0 < final["adj_high"]
    tested = family[family["p_value"].notna() & (family["metric"] != "alive_at_end")]
    for row in tested.itertuples():
        excludes = row.adj_low > 0 or row.adj_high < 0 or (row.adj_low == row.adj_high != 0)
        assert excludes == bool(row.significant), row
    said = " ".join(comparison_sentences(table, family, [("after", "before", None)], {}, 60, 10))
    for clause in said.split("; "):
        for hit in re.finditer(r"(clearly|not clearly) \(adjusted interval ([-+][\d.,]+) to ([-+][\d.,]+)",
                               clause):
            low, high = (float(x.replace(",", "")) for x in hit.group(2, 3))
            assert (low > 0 or high < 0) == (hit.group(1) == "clearly"), clause


def test_vary_runs_print_adjusted_intervals_that_agree_with_their_stars() -> None:
    args = ["compare", "vendor-imposed", "-r", "6", "-w", "2", *SMALL,
            "--vary", "staff_turnover_per_year=0,6", "--json"]
    data = json.loads(invoke(*args)[1])
    for row in data["comparisons"]:
        if row["p_value"] is None or row["metric"] == "alive_at_end" or row["adj_low"] is None:
            continue
        excludes = row["adj_low"] > 0 or row["adj_high"] < 0
        assert excludes == row["significant"], row


def test_until_clear_adds_the_next_seeds_until_the_headline_is_clear() -> None:
    """--until-clear: seeds 0-1, then 0-3, 0-7, ... up to 0-15 for both arms (common random numbers: the
    same seeds as the shorter run, plus more), each look on stderr, stopping when the headline is
    clear, judged at 0.05 / 4 looks; the table is then that of the last look judged by the same rule."""
    from simcomm.analysis.until_clear import alpha_per_look, looks

    assert looks(10, 80) == [10, 20, 40, 80] and looks(5, 5) == [5] and looks(3, 10) == [3, 6, 10]
    assert alpha_per_look(2, 16) == pytest.approx(0.05 / 4)
    args = ["compare", "vendor-imposed", "-w", "2", "--weeks", "60", "--set", "partners=300",
            "--vary", "promo_share=0,0.9"]
    run = CliRunner().invoke(main, [*args, "-r", "2", "--until-clear", "--max-replicates", "16", "--json"])
    assert run.exit_code == 0, run.stderr
    looked = [line for line in run.stderr.splitlines() if line.startswith("until clear:")]
    sizes = [int(line.split(" runs")[0].split(": ")[1]) for line in looked]
    assert sizes == [2, 4, 8, 16][:len(sizes)] and len(sizes) >= 2  # the first look is not clear
    assert all(line.endswith("not clear") for line in looked[:-1])
    assert looked[-1].endswith("clear") and not looked[-1].endswith("not clear")
    data = json.loads(run.stdout)
    assert data["replicates"] == sizes[-1] and data["rule"]["alpha"] == pytest.approx(0.0125)
    assert "1 time in 80" in data["rule"]["text"]
    assert data["answer"][-1].startswith(f"Until clear: stopped at {sizes[-1]} runs of each: the headline, "
                                         "active members at week 60")
    fixed = json.loads(CliRunner().invoke(main, [*args, "-r", str(sizes[-1]), "--json"]).stdout)
    mean = {(r["label"], r["metric"]): r["mean"] for r in fixed["table"]}
    for r in data["table"]:  # the same runs: seeds 0 to the last look's of both arms
        assert r["mean"] == pytest.approx(mean[(r["label"], r["metric"])], nan_ok=True), r
    code, _, err = invoke(*args, "-r", "8", "--until-clear", "--max-replicates", "4")
    assert code == 2 and "--max-replicates 4 is below --replicates 8" in err


def _name(metric: str) -> str:
    from simcomm.report.text import metric_name

    return metric_name(metric, 60)


def test_table_stars_and_vary_effects_agree_on_the_same_comparison() -> None:
    args = ["compare", "vendor-imposed", "-r", "4", "-w", "2", *SMALL,
            "--vary", "staff_turnover_per_year=0,6"]
    data = json.loads(invoke(*args, "--json")[1])
    table = {r["metric"]: r for r in data["table"] if r["label"].endswith("=6.0")}
    assert data["effects"] and {e["metric"] for e in data["effects"]} == set(table)
    for e in data["effects"]:  # one family, one rule: the same verdict in both places
        assert e["significant"] == table[e["metric"]]["significant"], e["metric"]
        assert e["p_holm"] == table[e["metric"]]["p_holm"]
    assert data["rule"]["comparisons"] == sum(r["p_value"] is not None for r in data["comparisons"])
    assert "1 time in 20" in data["rule"]["text"]
    out = invoke(*args)[1]
    rows = table_rows(out)
    effects = out.split("Effect of the varied parameter")[1].splitlines()[2:-1]
    assert len(effects) == len(rows)
    for row, effect in zip(rows, effects, strict=True):
        assert row.split("  ")[0] == effect.strip().split("  ")[0]
        assert row.rstrip().endswith("*") == effect.rstrip().endswith("*"), (row, effect)


def test_the_answer_comes_first_and_says_what_changed() -> None:
    code, out, err = invoke("compare", "organic", "staff-churn", "-r", "3", "-w", "2", *SMALL)
    assert code == 0, err
    header, answer = blocks(out)[:2]
    table = next(b for b in blocks(out) if "\n---" in b)
    assert out.index(answer) < out.index("What differs, parameter by parameter") < out.index(table)
    assert header.startswith("simcomm ")
    sentences = [line for line in answer.splitlines() if not line.startswith("  ")]
    assert 3 <= len(sentences) <= 5, answer
    flat = " ".join(answer.split())
    assert flat.startswith("What changed from organic to staff-churn: governance (vendor-imposed "
                           "instead of organic)")
    assert "the manager leaves about every nine months" in flat
    assert "Active members at week 30:" in flat and "How sure:" in flat
    # by how much: the sentence quotes the table's means
    data = json.loads(invoke("compare", "organic", "staff-churn", "-r", "3", "-w", "2", *SMALL, "--json")[1])
    means = {r["label"]: r["mean"] for r in data["table"] if r["metric"] == "final_active"}
    from simcomm.report.text import amount_text

    quoted = {label: amount_text(mean, "members") for label, mean in means.items()}
    assert f"{quoted['staff-churn']} in staff-churn against {quoted['organic']} in organic" in flat
    assert len(data["answer"]) == len(sentences)
    assert "Still alive at week 30" in table and "_" not in table.split("\n")[3].split("  ")[0]
    assert "n/a" not in out and "Welch" not in out


def test_vary_answer_names_the_varied_parameter_in_words() -> None:
    out = invoke("compare", "vendor-imposed", "-r", "2", "-w", "2", *SMALL,
                 "--vary", "staff_turnover_per_year=0,6")[1]
    flat = " ".join(blocks(out)[1].split())
    assert flat.startswith("What changed within vendor-imposed: staff turnover per year 6.0 instead of 0.0")


def test_every_vary_sentence_names_its_arm() -> None:
    """Three values of one parameter: each clause names the value it is about and the one it is
    compared with (it said "in vendor-imposed 7 of 10 against 9 of 10" twice; issue 27)."""
    out = invoke("compare", "vendor-imposed", "-r", "2", "-w", "2", *SMALL,
                 "--vary", "roi_target=1.0,3.0,6.0")[1]
    answer = " ".join(blocks(out)[1].split())
    sentence = next(s for s in answer.split(". ") if s.startswith("Active members at week"))
    clauses = sentence.split("; ")
    assert len(clauses) == 2, sentence
    for clause, value in zip(clauses, ("3.0", "6.0"), strict=True):
        assert "in vendor-imposed, " in clause and f"with roi target {value} against " in clause, clause
        assert "with roi target 1.0" in clause, clause


def test_counts_agree_with_their_nouns() -> None:
    """'and 1 of them are clear' (issue 27): one thing is, several are."""
    from simcomm.report.claims import verdict_counts
    from simcomm.report.text import counted

    assert [counted(n, "run") for n in (0, 1, 2)] == ["0 runs", "1 run", "2 runs"]
    assert verdict_counts({"agrees": 1, "disagrees": 2, "inconclusive": 1}) == \
        "1 agrees, 2 disagree, 1 inconclusive"
    table, family, _ = one_rule_case()
    assert int(family["significant"].sum()) == 1
    sure = comparison_sentences(table, family, [("after", "before", None)], {}, 60, 10)[-1]
    assert "and 1 of them is clear" in sure, sure


def test_run_answers_first_then_the_table() -> None:
    code, out, err = invoke("run", "product-showcase", "--weeks", "100", "--set", "partners=300",
                            "--seed", "1")
    assert code == 0, err
    answer, table = blocks(out)[1:3]
    sentences = [line for line in answer.splitlines() if not line.startswith("  ")]
    assert 3 <= len(sentences) <= 5
    flat = " ".join(answer.split())
    died = runs("product-showcase", [1], weeks=100, partners=300)[0].summary["died_week"]
    assert died is not None and f"It died in week {died}: the budget review" in flat
    assert f"no: died in week {died}" in table.splitlines()[0] and "Still alive at week 100" in table
    assert "peaked at" in flat and "after joining" in flat


def test_readme_experiment_summarize_reads_what_experiment_run_wrote() -> None:
    for doc in (ROOT / "README.md", ROOT / "experiments" / "README.md"):
        lines = [line.split("#")[0] for line in doc.read_text().splitlines()]
        written = {m.group(1) for line in lines if re.match(r"\s*simcomm experiment run ", line)
                   for m in [re.search(r"--out (\S+)", line)] if m}
        read = [m.group(1) for line in lines
                for m in [re.match(r"\s*simcomm experiment summarize (\S+)", line)] if m]
        assert read, doc
        for folder in read:
            assert folder in written, f"{doc.name}: 'experiment summarize {folder}' reads no folder that "\
                                      f"'experiment run' writes ({sorted(written)})"


def test_intervals_are_reproducible() -> None:
    _, family, results = one_rule_case()
    again = analysis.comparisons(results, [("after", "before")])
    pd.testing.assert_frame_equal(family, again)
    assert math.isfinite(family.set_index("metric").loc["final_active", "diff_low"])


def test_compare_out_records_the_answer_and_the_rule(tmp_path: Path, edge: tuple[str, dict]) -> None:
    """compare.json under --out keeps the sentences printed first and the significance rule, the
    same as --json prints."""
    out = tmp_path / "cmp"
    code, _, err = invoke(*EDGE, "--out", str(out), "--quiet")
    assert code == 0, err
    doc = json.loads((out / "compare.json").read_text(encoding="utf-8"))
    assert doc["answer"] == edge[1]["answer"] and doc["answer"]
    assert doc["rule"]["adjustment"] == "Holm" and doc["rule"] == edge[1]["rule"]

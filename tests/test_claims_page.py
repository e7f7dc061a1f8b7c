"""`simcomm claims`: the claim table, the statistics behind its verdicts, and the command.

The model's claims that agree at the defaults are tests with margins in tests/test_claims.py;
here: that each claim is a controlled contrast, that its passage is in its essay, that the
effect's interval respects the metric's bounds, that verdicts and robustness follow their rules
on hand-built cases, and that the command writes what it says.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from simcomm.analysis.claims import (
    AGREES,
    DISAGREES,
    INCONCLUSIVE,
    Effect,
    paired_effect,
    verdict,
    wilson,
)
from simcomm.core.params import ASSUMPTIONS, SPEC_BY_NAME, make_params, plausible_range
from simcomm.runs.claims import ARMS, CLAIMS, robustness_design
from simcomm.runs.library import load_scenario
from simcomm.runs.measures import MEASURES
from simcomm.ui.cli import main

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
MODEL_PAGE = SEEDS.parent / "MODEL.md"


def test_every_claim_is_a_controlled_contrast() -> None:
    """Both arms make valid parameters and differ in the lever only; at least 15 claims, keys
    unique, metrics known, every seed essay represented."""
    assert len(CLAIMS) >= 15
    assert len({c.key for c in CLAIMS}) == len(CLAIMS)
    assert {c.seed for c in CLAIMS} >= {"000", "001", "002", "003", "004"}
    for c in CLAIMS:
        assert c.metric in MEASURES and c.direction in (-1, 0, 1), c.key
        base = load_scenario(c.scenario).overrides
        arms = [make_params(c.overrides(arm), base=base).to_dict() for arm in ARMS]
        differ = [k for k in arms[0] if arms[0][k] != arms[1][k]]
        assert differ == [c.lever], (c.key, differ)
        assert c.lever not in c.setting


def _normalise(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = re.sub(r"\s*[-\u2013\u2014]\s*", "-", text)  # dashes, spaced or not
    return re.sub(r"\s+", " ", text).lower()


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed essays (shared/seeds) are not beside the checkout")
def test_every_passage_is_in_its_essay() -> None:
    """Each fragment of a claim's passage (between '...') appears in its seed essay (or in
    MODEL.md), quotes and spaces normalised."""
    for c in CLAIMS:
        if c.seed == "MODEL.md":
            source = MODEL_PAGE.read_text(encoding="utf-8")
        else:
            (path,) = SEEDS.glob(f"{c.seed}_*.txt")
            source = path.read_text(encoding="utf-8")
        text = _normalise(source)
        for fragment in c.passage.split("..."):
            fragment = _normalise(fragment).strip(" .-'\"")
            if fragment:
                assert fragment in text, (c.key, fragment)


def test_plausible_ranges_lie_within_the_allowed_ranges() -> None:
    """Each assumption's plausible range is non-empty and allowed; the hypercube stays in it."""
    assert "partners" not in ASSUMPTIONS and len(ASSUMPTIONS) >= 30
    for name in ASSUMPTIONS:
        lo, hi = plausible_range(name)
        spec = SPEC_BY_NAME[name]
        assert lo < hi, name
        assert (spec.low is None or lo >= spec.low) and (spec.high is None or hi <= spec.high), name
    design = robustness_design(16, seed=3)
    assert design.shape == (16, len(ASSUMPTIONS))
    for name in ASSUMPTIONS:
        lo, hi = plausible_range(name)
        assert design[name].between(lo - 0.5, hi + 0.5).all(), name
    for row in design.to_dict("records")[:4]:  # every point is a valid parameter set
        make_params(row)
    assert robustness_design(16, seed=3).equals(design)


def test_effect_interval_respects_a_share_bounds() -> None:
    """Survival per seed is 0 or 1, so a paired effect lies in [-1, 1]: with 9 of 10 seeds
    going from dead to alive the normal interval (mean +- 1.96 sd/sqrt n) passes 1; the
    bootstrap one may not."""
    without = np.zeros(10)
    with_ = np.array([1.0] * 9 + [0.0])
    e = paired_effect(without, with_)
    d = with_ - without
    normal_high = d.mean() + 1.96 * d.std(ddof=1) / math.sqrt(d.size)
    assert normal_high > 1.0 - 0.1  # the case is near the bound
    assert -1.0 <= e.low <= e.effect <= e.high <= 1.0
    assert e.effect == pytest.approx(0.9) and e.n == 10
    assert paired_effect(without, with_) == e  # fixed random state: reproducible


def test_effect_drops_undefined_seeds_and_handles_no_spread() -> None:
    """Seeds where either arm is NaN are left out; identical differences give a point interval."""
    e = paired_effect([1.0, math.nan, 3.0], [2.0, 5.0, 4.0])
    assert e.n == 2 and e.effect == 1.0 and e.low == e.high == 1.0
    assert paired_effect([1.0], [2.0]).low != paired_effect([1.0], [2.0]).low  # NaN: one seed, no interval


def test_verdicts_follow_the_interval() -> None:
    """Agrees when the interval excludes zero on the expected side, disagrees on the other,
    inconclusive across zero; 'hardly moves' within the tolerance band."""
    up = Effect(100.0, 120.0, 20.0, 5.0, 35.0, 20)
    across = Effect(100.0, 105.0, 5.0, -4.0, 14.0, 20)
    assert verdict(up, +1) == AGREES
    assert verdict(up, -1) == DISAGREES
    assert verdict(across, +1) == INCONCLUSIVE
    assert verdict(Effect(100.0, 101.0, 1.0, -3.0, 4.0, 20), 0) == AGREES
    assert verdict(Effect(100.0, 130.0, 30.0, 20.0, 40.0, 20), 0) == DISAGREES
    assert verdict(across, 0) == INCONCLUSIVE


def test_wilson_interval() -> None:
    """The Wilson interval stays in [0, 1] and matches a known value (20 of 20: [0.839, 1])."""
    lo, hi = wilson(20, 20)
    assert lo == pytest.approx(0.8389, abs=1e-3) and hi == 1.0
    lo, hi = wilson(0, 5)
    assert lo == 0.0 and 0 < hi < 1


def test_robustness_counts_a_tie_as_a_tie_and_prim_finds_where_it_holds() -> None:
    """A claim whose lever adds 5 weeks alive where ``b`` > 0.6, changes nothing (both arms alive
    to the horizon: a tie) where ``b`` <= 0.6 and ``a`` > 0.5, and costs 5 weeks elsewhere: the
    points are counted three ways, the share holding is of the points that do not tie (a tie is
    not a failure), and PRIM's box restricts ``b`` from below near 0.6."""
    from simcomm.analysis.claims import robustness_table
    from simcomm.runs.claims import CLAIM_BY_KEY

    rng = np.random.default_rng(1)
    design = pd.DataFrame(rng.random((60, 3)), columns=["a", "b", "c"])
    up, tie = design["b"] > 0.6, (design["b"] <= 0.6) & (design["a"] > 0.5)
    effect = np.where(up, 5.0, np.where(tie, 0.0, -5.0))
    rows = []
    for point, d in enumerate(effect, start=1):
        for r in range(2):
            rows += [{"claim": "organic-lasts", "point": point, "replicate": r, "seed": r, "arm": "without",
                      "weeks_alive": 255.0 if d else 260.0},
                     {"claim": "organic-lasts", "point": point, "replicate": r, "seed": r, "arm": "with",
                      "weeks_alive": (255.0 + d) if d else 260.0}]
    r = robustness_table([CLAIM_BY_KEY["organic-lasts"]], design, pd.DataFrame(rows))["organic-lasts"]
    assert r.measure == "weeks_alive"  # survival is judged on weeks alive
    assert (r.holds, r.ties, r.fails) == (int(up.sum()), int(tie.sum()), int((~up & ~tie).sum()))
    assert r.share == pytest.approx(up.sum() / (up | ~tie).sum())
    assert r.tie_share == pytest.approx(tie.mean())
    assert r.boxes and [x.name for x in r.boxes[0].restrictions] == ["b"]
    assert r.boxes[0].restrictions[0].low == pytest.approx(0.6, abs=0.08)
    assert r.boxes[0].density == 1.0 and r.pairs == 120 and r.pairs_holding == 2 * int(up.sum())


@pytest.mark.once  # 7 s; the claims command runs under 3.12 in tests/test_cluster.py (its --report)
def test_claims_command_prints_writes_and_records(tmp_path: Path) -> None:
    """A small run: the table, JSON with the settings (seed, version), and a report page with its
    figure and data folder."""
    runner = CliRunner()
    args = ["claims", "--only", "turnover-hurts,hire-a-manager", "--replicates", "2", "--points", "4",
            "--point-replicates", "1", "--weeks", "40", "--workers", "1", "--quiet"]
    page = tmp_path / "docs" / "claims.md"
    res = runner.invoke(main, [*args, "--report", str(page)])
    assert res.exit_code == 0, res.output
    assert "turnover-hurts" in res.output and "hire-a-manager" in res.output  # the table, printed
    text = page.read_text(encoding="utf-8")
    assert text.startswith("# Claims") and "simcomm claims --replicates 2" in text
    assert (tmp_path / "docs" / "claims" / "claims.png").stat().st_size > 1000
    assert set(pd.read_csv(tmp_path / "docs" / "claims" / "contrasts.csv")["arm"]) == set(ARMS)
    res = runner.invoke(main, [*args, "--json"])
    data = json.loads(res.output)
    assert data["settings"]["version"] and data["settings"]["seed"] == 0
    assert [c["claim"] for c in data["claims"]] == ["turnover-hurts", "hire-a-manager"]
    assert all(c["verdict"] in (AGREES, DISAGREES, INCONCLUSIVE) for c in data["claims"])
    assert data["claims"][0]["robustness"]["points"] == 4


def test_claims_command_rejects_bad_input(tmp_path: Path) -> None:
    """An unknown claim or a report that is not a .md file: one line naming the field, exit 2,
    nothing created."""
    runner = CliRunner()
    res = runner.invoke(main, ["claims", "--only", "nonsense", "--points", "0"])
    assert res.exit_code == 2
    assert "--only" in res.output and "turnover-hurts" in res.output and "Traceback" not in res.output
    target = tmp_path / "new" / "claims.txt"
    res = runner.invoke(main, ["claims", "--report", str(target), "--points", "0", "--replicates", "2"])
    assert res.exit_code == 2 and ".md" in res.output
    assert not (tmp_path / "new").exists()


def test_built_in_claims_are_counted_apart_from_emergent_ones() -> None:
    """The ten claims whose sign a formula fixes (issue 23's list) are built in, each naming its
    formula; the others are emergent; the headline counts them apart."""
    from simcomm.report.claims import claims_markdown, headline_counts
    from simcomm.runs.claims import BUILT_IN, CLAIM_BY_KEY

    listed = {"too-many-programmes", "showcase-repels", "authentic-voice", "social-object",
              "connect-partners", "moderate-spam", "measure-value", "one-plus-one", "programmes-engagement",
              "turnover-spares-sponsored"}
    assert set(BUILT_IN) == listed
    assert all(CLAIM_BY_KEY[k].built_in and "(" in CLAIM_BY_KEY[k].built_in for k in listed)
    assert not CLAIM_BY_KEY["organic-lasts"].built_in
    chosen = [CLAIM_BY_KEY[k] for k in ("organic-lasts", "legacy", "one-plus-one")]
    table = pd.DataFrame([{"claim": c.key, "metric": c.metric, "without": 1.0, "with": 2.0, "effect": 1.0,
                           "low": 0.5, "high": 1.5, "n": n, "verdict": v}
                          for c, n, v in zip(chosen, (150, 20, 20), (DISAGREES, AGREES, AGREES),
                                             strict=True)])
    assert headline_counts(chosen, table) == ("emergent: 1 agrees, 1 disagrees, 0 inconclusive (of 2); "
                                              "built-in checks: 1 agrees, 0 disagree, 0 inconclusive (of 1)")
    settings = {"command": "c", "version": "v", "mesa": "m", "replicates": 20, "survival_replicates": 150,
                "seed": 0, "weeks": 260, "partners": 2000, "points": 0, "point_replicates": 2,
                "assumptions": 80}
    page = claims_markdown(chosen, table, {}, settings)
    rows = [line for line in page.splitlines() if line.startswith("| 1 |") or line.startswith("| 3 |")]
    assert "| emergent |" in rows[0] and ", n = 150 |" in rows[0]
    assert "| built in: value of a week: plus deal_value x deals" in rows[1]


def test_survival_claims_run_on_more_seeds_sharing_the_first() -> None:
    """Claims on survival run on their own number of paired seeds; the first are the others'."""
    from simcomm.runs.claims import CLAIM_BY_KEY, run_contrasts

    values = run_contrasts([CLAIM_BY_KEY["measure-value"], CLAIM_BY_KEY["hire-a-manager"]], 2, weeks=2,
                           workers=1, survival_replicates=3)
    seeds = {k: sorted(set(g["seed"])) for k, g in values.groupby("claim")}
    assert len(seeds["measure-value"]) == 3 and len(seeds["hire-a-manager"]) == 2
    assert set(seeds["hire-a-manager"]) < set(seeds["measure-value"])

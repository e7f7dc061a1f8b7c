"""Directional claims of shared/MODEL.md, each over at least 10 seeds with a stated margin.

Nothing here is tuned into a constant: each claim compares runs that differ in one parameter
(paired by seed) or reads the model's own member table. Margins are stated next to each test.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import paired_drop, runs
from scipy import stats

pytestmark = pytest.mark.seeds  # run once, under Python 3.11 (pyproject.toml)

SEEDS = range(10)
SEEDS20 = range(20)


def test_vendor_retention_falls_with_staff_turnover() -> None:
    """Margins, going from no turnover to 3 departures a year in the vendor-imposed community
    (paired over 20 seeds on common random numbers, 130 weeks; set on seeds 0-19, confirmed on 20-39):
    - settled_retention_52w (members still in 12 weeks after joining who are still in at 52)
      and retention_52w (all first-year joiners) each drop by at least 0.05, one-sided paired
      t-test p < 0.01 (measured under Model 3: 0.15 and 0.14 on seeds 0-19, 0.16 and 0.14 on
      20-39, p <= 3e-4, the same over 130 weeks as over 260: first-year joiners are followed to
      week 104 at most; under Model 2 it was 0.04 and 0.03);
    - active members at the end (week 130) drop by at least 50% on average, p < 0.01 (measured:
      72% and 72%; at week 260 82% and 84%; Model 2 at 260: 39%, 50%). 130 weeks, not 260, since
      2026-12-07: the same claim at half the suite's time (it was its longest test).
    Retention moves less than activity: members stay for the content and their peers, while a
    departure stops recruitment, answers, curation and events and takes relationships (the bonds
    to the manager, Model 3) with it. With turnover a community whose manager leaves in its first
    weeks can die before anyone has been in for 12 weeks, so its settled retention is undefined
    (NaN: one seed in each set of 20): such pairs are left out of that comparison.
    Organic communities employ no vendor staff, so that vendor turnover leaves them alone holds
    by construction in this model and is not tested as a finding."""
    def summary(turnover: float, key: str) -> np.ndarray:
        return np.array([r.summary[key] for r in runs("vendor-imposed", SEEDS20, weeks=130,
                                                       staff_turnover_per_year=turnover)], float)

    for key in ("settled_retention_52w", "retention_52w"):
        stay, churn = summary(0.0, key), summary(3.0, key)
        defined = ~(np.isnan(stay) | np.isnan(churn))
        assert defined.sum() >= 15, (key, stay, churn)
        drop, p = paired_drop(stay[defined], churn[defined])
        assert drop >= 0.05 and p < 0.01, (key, drop, p)
    stay, churn = summary(0.0, "final_active"), summary(3.0, "final_active")
    drop, p = paired_drop(stay, churn)
    assert drop >= 0.5 * stay.mean() and p < 0.01, (drop, stay.mean(), p)


def test_seeded_advocates_shorten_the_cold_start() -> None:
    """Margin: with 10 seeded advocates the weeks until the 20th partner joins after the launch
    are at least 25% fewer on average than with none (paired over 10 seeds; Wilcoxon signed-rank
    p < 0.01; runs that never get 20 joiners count as weeks + 1). Joiners after the launch, so
    that the advocates enrolled at launch do not count toward the mark themselves."""
    def weeks_to_20th_joiner(advocates: int) -> np.ndarray:
        out = []
        for r in runs("organic", SEEDS, seed_advocates=advocates):
            joined = np.sort(r.members["join_week"].to_numpy())
            joined = joined[joined > 0]
            out.append(joined[19] if joined.size >= 20 else r.weeks + 1)
        return np.array(out, float)

    none, seeded = weeks_to_20th_joiner(0), weeks_to_20th_joiner(10)
    assert seeded.mean() <= 0.75 * none.mean(), (none, seeded)
    assert stats.wilcoxon(none, seeded, alternative="greater").pvalue < 0.01


def test_more_programmes_mean_fewer_joiners() -> None:
    """Margin, 2 against 20 other programmes per partner in the vendor-imposed community (paired
    over 10 seeds, 130 weeks): partners who ever join fall by at least 30%, one-sided paired t-test
    p < 0.01 (measured under Model 3 over 130 weeks: 72% on seeds 0-9, 1,163 against 329, p = 8e-9;
    73% on seeds 20-29, p = 2e-4; over 260 weeks 61% on seeds 0-9, p = 8e-8, 61% on seeds 0-19 and
    59% on seeds 20-39, p < 1e-9; without programme_drag 15%). 130 weeks since 2026-12-07: the
    same claim at half the time.

    That those who join also write less (messages per member-week, the programmes-engagement claim)
    stopped agreeing under Model 3 and is no longer asserted: 1.05x with 20 programmes on seeds
    0-19 (p = 0.63 for a fall), 0.70x on seeds 20-39 (p = 0.005); under Model 2 it was 0.57x (the
    members who stay in spite of 20 programmes are those with time; the per-seed rates are very
    skewed). That other programmes take a member's hours first is tested directly in
    test_growth_and_managers (test_time_is_a_budget_other_programmes_take_their_share_first)."""
    joined = {programmes: np.array([r.summary["ever_joined"] for r in runs(
        "vendor-imposed", SEEDS, weeks=130, programmes_per_partner=programmes)], float)
        for programmes in (2.0, 20.0)}
    few, many = joined[2.0], joined[20.0]
    drop, p = paired_drop(few, many)
    assert drop >= 0.3 * few.mean() and p < 0.01, (few.mean(), many.mean(), p)


def test_answered_newcomers_return_more_often() -> None:
    """Margin: in the vendor-imposed community, pooling the newcomers of 10 seeded runs, the
    share who post again within 12 weeks is at least 5 points higher when their first question
    was answered, and Fisher's exact test (one-sided, on the pooled 2x2 table) gives p < 0.01
    (measured at the recalibrated defaults: 46% against 28% on seeds 0-9, 48% against 32% on
    10-19). 5,000 partners, so that each run has a few hundred newcomers.

    Not asserted for an organic community: at the recalibrated defaults its gap is 2-5 points
    and not significant (52% against 48%, p = 0.13 on seeds 0-9; 46% against 44%, p = 0.22 on
    10-19), smaller than Joyce & Kraut's 12 points (see docs/validation.md and the
    answered-return claim on docs/claims.md)."""
    table = np.zeros((2, 2), dtype=int)  # rows: answered, unanswered; cols: back, not back
    for r in runs("vendor-imposed", SEEDS, partners=5000):
        m = r.members
        m = m[m["first_post_answered"].notna() & (m["first_post_week"] <= r.weeks - 12)]
        back = (m["second_post_week"] - m["first_post_week"]).le(12).fillna(False).to_numpy(bool)
        answered = m["first_post_answered"].to_numpy(bool)
        for row, flag in enumerate((True, False)):
            table[row] += [int(back[answered == flag].sum()), int((~back[answered == flag]).sum())]
    rate = table[:, 0] / table.sum(axis=1)
    assert table.sum() >= 200, table
    assert rate[0] - rate[1] >= 0.05, rate
    assert stats.fisher_exact(table, alternative="greater").pvalue < 0.01, table


def test_top_ten_percent_of_posters_write_half_the_posts() -> None:
    """Margin: in a 5,000-partner organic community the top 10% of posters (members with at
    least one message) write at least half of all messages: the mean share over 10 seeds minus
    two standard errors is >= 0.5, and every run has at least 25 posters (so that the top 10% are
    at least three members, not one member's share by arithmetic).

    Under Model 3 a member-founded community starts from its initiator's circle and at the
    defaults most die young with a handful of posters (where the share is 1 by arithmetic, or
    undefined with none: seed 6), which says nothing about inequality; 40 seeded advocates join
    at launch so that it forms. Measured: 520-847 posters a run, top-10% shares 0.80-0.90 (mean
    0.86); at the defaults recalibrated on 2026-12-07 (newcomers arrive less keen, and fewer write)
    31-145 posters a run, shares 0.68-0.89 (mean 0.79), so the floor of posters is 25, not 100."""
    shares = []
    for r in runs("organic", SEEDS, partners=5000, seed_advocates=40):
        msgs = (r.members["posts"] + r.members["answers"]).to_numpy()
        msgs = np.sort(msgs[msgs > 0])[::-1]
        assert msgs.size >= 25, (r.seed, msgs.size)
        top = msgs[: max(1, int(np.ceil(0.1 * msgs.size)))]
        shares.append(top.sum() / msgs.sum())
    shares = np.array(shares)
    assert shares.mean() - 2 * shares.std(ddof=1) / np.sqrt(shares.size) >= 0.5, shares


# ---- the claims of docs/claims.md that agree at the defaults ---------------------------------
# Each runs the claim's own contrast (simcomm.runs.claims.CLAIMS) on seeds 0-9 (0-19 for a weak
# one), which the page (seeds derived from base seed 0 by derive_seed) does not use. Margins: the
# mean paired effect, in the claim's expected direction, is at least MARGIN (about half of what
# the page measured over its 20 seeds, shown next to each), and a one-sided paired t-test gives
# p < 0.01 (p < 0.05 on 20 seeds for a weak one).
# Two claims agree on the page's seeds and do not replicate on seeds 0-19, so they are not tests
# and not findings: promote-advocates (page +2.0 points [+0.9, +3.1]; seeds 0-19 +0.05 points,
# p = 0.48) and measure-value (page +20 points of survival [+5, +40]; seeds 0-19: the same
# survival in both arms). (Model 2 figures.)
# Stopped agreeing on unseen seeds under Model 3 (issue 22), so removed; measured with the page's
# own seeds (paired effect, 95% interval) and on seeds 0-9 / 0-19 (gain in the claim's direction,
# one-sided paired t-test p):
# - showcase-repels (settled retention; Model 2 page -0.27, margin 0.13): page -0.032 [-0.067,
#   +0.001], inconclusive; seeds 0-9 +0.025, p = 0.19; seeds 10-19 +0.029, p = 0.11.
# - moderate-spam (settled retention; Model 2 page +0.048, margin 0.024): page +0.006 [+0.003,
#   +0.010]; seeds 0-9 +0.005, p = 0.14; seeds 0-19 +0.0045, p = 0.055 (not even as a weak claim).
# - one-plus-one (settled retention, weak; Model 2 page +0.003): page +0.00004 [-0.0009, +0.0010],
#   inconclusive; seeds 0-19 -0.0003, p = 0.78.
# social-object still agrees, smaller: page +33.8 active members [+26.7, +41.2] (Model 2: +262);
# seeds 0-9 +34, p = 0.0014; seeds 10-19 +57, p = 0.003. Its margin is half the page's. At the
# defaults recalibrated on 2026-12-07 (the page regenerated): +11 [+6.3, +16.4]; seeds 0-9 +13.1,
# p = 0.004; the margin halved with it. The others' page figures, then: legacy +85.7,
# authentic-voice +0.023, connect-partners +137 (their margins stand).
# Claims that hold by construction (turnover-spares-sponsored) are not tested as findings;
# advocates-first and too-many-programmes have their own tests above; programmes-engagement stopped
# agreeing under Model 3 (see test_more_programmes_mean_fewer_joiners).
PAGE_CLAIMS: dict[str, tuple[float, range, float]] = {  # margin, seeds, p-value bound
    "legacy": (50.0, SEEDS, 0.01),              # final active members, page +98.5
    "authentic-voice": (0.015, SEEDS, 0.01),    # retention_52w, page +0.036
    "social-object": (5.5, SEEDS, 0.01),        # final active members, page +11 (2026-12-07; +33.8 before)
    "connect-partners": (70.0, SEEDS, 0.01),    # peer deals, page +147
}


@pytest.mark.parametrize("key", sorted(PAGE_CLAIMS))
def test_page_claim_agrees_on_unseen_seeds(key: str) -> None:
    """The claim's direction holds on seeds the page did not use, by at least its margin."""
    from simcomm.runs.claims import CLAIM_BY_KEY
    from simcomm.runs.measures import MEASURES

    claim = CLAIM_BY_KEY[key]
    margin, seeds, alpha = PAGE_CLAIMS[key]
    metric = MEASURES[claim.metric]
    arms = [np.array([metric(r) for r in runs(claim.scenario, seeds, **claim.overrides(arm))], float)
            for arm in ("without", "with")]
    gain, p = paired_drop(claim.direction * arms[1], claim.direction * arms[0])
    assert gain >= margin and p < alpha, (key, gain, p, arms)

"""Common random numbers (simcomm.core.randomness): keyed, independent, correctly distributed draws."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import simcomm
from simcomm.core.randomness import Stream, Streams, poisson_inverse
from simcomm.core.rooms import STREAM_NAMES


def test_a_partners_draw_does_not_depend_on_other_partners() -> None:
    s = Stream(11, "visit")
    everyone = s.uniform(7, np.arange(5000))
    some = np.array([3, 99, 4321])
    assert np.array_equal(s.uniform(7, some), everyone[some])
    assert s.scalar(7, slot=2) == s.uniform(7, -1, 2)
    # a different week, slot, stream or seed gives other numbers
    for other in (s.uniform(8, some), s.uniform(7, some, 1), Stream(11, "join").uniform(7, some),
                  Stream(12, "visit").uniform(7, some)):
        assert not np.any(other == everyone[some])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_draws_are_uniform_and_independent(seed: int) -> None:
    ids = np.arange(200_000)
    s = Streams(seed, STREAM_NAMES)
    u = s.get("visit").uniform(3, ids)
    assert u.min() > 0.0 and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 1e-4
    limit = 5.0 / np.sqrt(ids.size)  # five standard errors of a correlation
    for other in (s.get("visit").uniform(4, ids), s.get("visit").uniform(3, ids, 1),
                  s.get("join").uniform(3, ids)):
        assert abs(np.corrcoef(u, other)[0, 1]) < limit
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < limit  # neighbouring partners


def test_poisson_gamma_and_choice_follow_their_distributions() -> None:
    s = Stream(5, "draws")
    ids = np.arange(100_000)
    for lam in (0.3, 4.0, 80.0):
        k = poisson_inverse(s.uniform(1, ids), lam)
        assert k.mean() == pytest.approx(lam, rel=0.02, abs=0.01)
        assert k.var() == pytest.approx(lam, rel=0.05, abs=0.02)
    small = poisson_inverse(s.uniform(2, ids), 2.5)
    observed = np.bincount(small, minlength=12)[:12]
    expected = stats.poisson.pmf(np.arange(12), 2.5) * ids.size
    assert stats.chisquare(observed[:9], expected[:9] * observed[:9].sum() / expected[:9].sum()).pvalue > 1e-4
    g = s.gamma(3, ids, 4.0, 0.25)
    assert g.mean() == pytest.approx(1.0, rel=0.02) and g.var() == pytest.approx(0.25, rel=0.05)
    counts = np.zeros(4)
    weights = np.array([1.0, 2.0, 3.0, 4.0])
    for week in range(4000):
        counts[s.choose(week, np.arange(4), 1, weights=weights)] += 1
    assert counts / counts.sum() == pytest.approx(weights / weights.sum(), abs=0.02)
    assert sorted(s.choose(1, np.arange(50), 10).tolist()) == s.choose(1, np.arange(50), 10).tolist()
    assert np.unique(s.choose(1, np.arange(50), 10)).size == 10


def test_an_extra_draw_elsewhere_does_not_shift_a_partners_draws() -> None:
    """Managers' relationship draws come before the week's visits; with one shared stream a
    different number of them would shift every visit draw. Keyed streams keep them paired."""
    def first_week(relationships: float) -> np.ndarray:
        params = simcomm.make_params({"governance": "vendor-imposed", "partners": 800, "founders": 60,
                                      "relationships_per_week": relationships})
        model = simcomm.CommunityModel(params, seed=4)
        model.step()
        return np.stack([model.current.m, model.current.visited])

    assert np.array_equal(first_week(1.0), first_week(40.0))


@pytest.mark.seeds
def test_common_random_numbers_pair_what_ifs() -> None:
    """Over 12 seeds, the difference between two settings of one lever varies far less when the
    runs share their random numbers (same seed) than between independent runs."""
    def posts(seed: int, turnover: float) -> float:
        r = simcomm.run("vendor-imposed", weeks=104, seed=seed,
                        overrides={"partners": 2000, "staff_turnover_per_year": turnover})
        return float(r.summary["total_posts"])

    low = np.array([posts(s, 0.33) for s in range(12)])
    high = np.array([posts(s, 1.33) for s in range(12)])
    other = np.array([posts(s, 1.33) for s in range(100, 112)])
    paired, unpaired = np.var(high - low, ddof=1), np.var(other - low, ddof=1)
    assert paired < unpaired / 2


@pytest.mark.parametrize("shape", [1.5, 4.0, 12.0])
def test_gamma_draws_follow_the_gamma_distribution(shape: float) -> None:
    g = Stream(9, "shock").gamma(2, np.arange(100_000), shape, 1.0 / shape)
    assert g.mean() == pytest.approx(1.0, rel=0.01) and g.var() == pytest.approx(1.0 / shape, rel=0.03)
    assert stats.kstest(g, stats.gamma(shape, scale=1.0 / shape).cdf).pvalue > 1e-3

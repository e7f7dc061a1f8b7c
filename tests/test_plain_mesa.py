"""The benchmark's plain per-agent Mesa port (benchmarks/plain_mesa.py) follows simcomm's rules.

The port draws its random numbers differently, so single runs differ; what must agree is the
aggregate behaviour over seeds. For each scenario both models run the same seeds (300 partners,
104 weeks) and the mean of each aggregate must agree within a statistical margin.

Power, checked by breaking rules in the port one at a time: the test fails when tie decay is
doubled, word of mouth is doubled, or a manager relationship is worth nothing. Rules with small
aggregate effects at this size (the newcomer reply boost, champions' 3x intensity, the lurking
hysteresis) stay within the margin when broken, so they are not caught here.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

import simcomm

PARTNERS = 300
WEEKS = 104
# The organic community is small and noisy at this size, and cheap: it gets more seeds.
SEEDS = {"organic": range(24), "vendor-imposed": range(12)}
# Margin: |mean(plain) - mean(fast)| <= Z * SE + REL * |mean(fast)|, where
# SE = sqrt(var_fast / n + var_plain / n) is the standard error of the difference of the two
# means over n seeds (unpaired, which is conservative: both models draw the same population
# for a seed). Z = 3 is about a 1% (12 seeds, t with ~22 df) or 0.5% (24 seeds) two-sided
# chance of a false alarm per aggregate; REL = 5% allows for small legitimate differences of
# random streams. The seeds are fixed, so the test is deterministic.
Z = 3.0
REL = 0.05


def _load_plain() -> ModuleType:
    """Import benchmarks/plain_mesa.py from its path (it is not part of the package)."""
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "plain_mesa.py"
    spec = importlib.util.spec_from_file_location("plain_mesa", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("plain_mesa", module)
    spec.loader.exec_module(module)
    return module


plain_mesa = _load_plain()


def _aggregates(ts: pd.DataFrame) -> dict[str, float]:
    """Return the aggregates compared: late active members, lapsed members, posts, peer deals."""
    return {
        "mean_active_last_26w": float(ts["active_members"].iloc[-26:].mean()),
        "lapsed_at_end": float(ts["lapsed_members"].iloc[-1]),
        "total_posts": float(ts["posts"].sum()),
        "total_answers": float(ts["answers"].sum()),
        "total_peer_deals": float(ts["peer_deals"].sum()),
    }


def test_run_plain_returns_the_weekly_columns() -> None:
    ts = plain_mesa.run_plain("organic", 10, 0, {"partners": 100})
    assert list(ts.columns) == list(plain_mesa.OUTPUT_COLUMNS)
    assert list(ts["week"]) == list(range(1, 11))
    assert (ts[["active_members", "posts", "peer_deals"]] >= 0).all().all()


@pytest.mark.parametrize("scenario", ["organic", "vendor-imposed"])
def test_plain_port_matches_fast_model_on_average(scenario: str) -> None:
    """Margin: see Z and REL above (3 standard errors of the difference + 5% of the fast mean)."""
    overrides = {"partners": PARTNERS}
    fast = [_aggregates(simcomm.run(scenario, weeks=WEEKS, seed=s, overrides=overrides).timeseries)
            for s in SEEDS[scenario]]
    plain = [_aggregates(plain_mesa.run_plain(scenario, WEEKS, s, overrides)) for s in SEEDS[scenario]]
    n = len(SEEDS[scenario])
    failures = []
    for key in fast[0]:
        f = np.array([r[key] for r in fast])
        p = np.array([r[key] for r in plain])
        se = float(np.sqrt(f.var(ddof=1) / n + p.var(ddof=1) / n))
        diff = float(p.mean() - f.mean())
        allowed = Z * se + REL * abs(float(f.mean()))
        if abs(diff) > allowed:
            failures.append(f"{key}: fast {f.mean():.1f}, plain {p.mean():.1f}, "
                            f"difference {diff:+.1f} > allowed {allowed:.1f} (SE {se:.1f})")
    assert not failures, f"{scenario}: " + "; ".join(failures)

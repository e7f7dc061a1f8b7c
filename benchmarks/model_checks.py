"""Model 2's acceptance figures (issue 13), measured at the current defaults.

1. Tenure: across every library scenario x 3 seeds, the share of all leaves that fall in the
   single most common tenure week (a countdown puts most leaves in one week), and the median
   tenure of each scenario.
2. Growth with the channel: organic's active members every 26 weeks at 2k, 20k and 200k partners.
3. Common random numbers: for the README's question (vendor-imposed, staff turnover 0.33 vs
   1.33 a year), the standard deviation across 20 seeds of the difference between the arms,
   paired on the same seed against unpaired (the second arm on other seeds).

    python benchmarks/model_checks.py [--seeds 20] [--workers 2]

Run time and memory of a 1M-partner channel are in ``benchmarks/benchmark.py``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import numpy as np
import pandas as pd

from simcomm.runs.batch import RunSpec, run_many
from simcomm.runs.library import load_scenario, scenario_names

METRICS = ("retention_52w", "final_active", "peak_active", "total_posts")


def tenure(workers: int) -> pd.DataFrame:
    """Return per scenario: leaves, the top tenure week's share of them (0-1), median tenure (weeks)."""
    names = scenario_names()
    specs = [RunSpec(load_scenario(n), 260, s, label=n) for n in names for s in range(3)]
    res = run_many(specs, workers=workers, progress=True, desc="tenure")
    rows = []
    for n in names:
        m = pd.concat([r.members for sp, r in zip(specs, res, strict=True) if sp.label == n])
        left = m.dropna(subset=["leave_week"])
        t = (left["leave_week"] - left["join_week"]).astype(int)
        top = t.value_counts(normalize=True)
        rows.append({"scenario": n, "leaves": len(t), "top_week": int(top.index[0]) if len(t) else -1,
                     "top_week_share": float(top.iloc[0]) if len(t) else np.nan,
                     "median_tenure": float(t.median()) if len(t) else np.nan})
    return pd.DataFrame(rows)


def growth(workers: int) -> pd.DataFrame:
    """Return organic's active members every 26 weeks (rows) at 2k, 20k and 200k partners."""
    sizes = (2_000, 20_000, 200_000)
    specs = [RunSpec(load_scenario("organic"), 260, 0, {"partners": n}) for n in sizes]
    res = run_many(specs, workers=workers, progress=True, desc="growth")
    cols = {}
    for n, r in zip(sizes, res, strict=True):
        ts = r.timeseries.set_index("week")["active_members"]
        cols[f"{n:,}"] = ts.loc[list(range(26, 261, 26))]
    return pd.DataFrame(cols)


def crn(seeds: int, workers: int) -> pd.DataFrame:
    """Return, per metric, the sd of the arm difference paired on seeds and unpaired."""
    sc = load_scenario("vendor-imposed")
    low = [RunSpec(sc, 260, s, {"staff_turnover_per_year": 0.33}) for s in range(seeds)]
    high = [RunSpec(sc, 260, s, {"staff_turnover_per_year": 1.33}) for s in range(seeds)]
    other = [RunSpec(sc, 260, 10_000 + s, {"staff_turnover_per_year": 1.33}) for s in range(seeds)]
    res = run_many(low + high + other, workers=workers, progress=True, desc="crn")
    a, b, c = res[:seeds], res[seeds:2 * seeds], res[2 * seeds:]
    rows = []
    for k in METRICS:
        va, vb, vc = (np.array([float(r.summary[k]) for r in arm]) for arm in (a, b, c))
        paired, unpaired = np.std(vb - va, ddof=1), np.std(vc - va, ddof=1)
        rows.append({"metric": k, "mean_difference": float(np.mean(vb - va)), "sd_paired": paired,
                     "sd_unpaired": unpaired, "variance_ratio": (unpaired / paired) ** 2})
    return pd.DataFrame(rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the three tables; return 0."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args(argv)
    pd.set_option("display.width", 160)
    print(tenure(a.workers).round(3).to_string(index=False))
    print(growth(a.workers).to_string())
    print(crn(a.seeds, a.workers).round(4).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

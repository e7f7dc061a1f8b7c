"""Validation: does the model reproduce what has been measured in real communities?

Each :class:`Fact` names a published figure, the library scenario that fits the setting it was
measured in, and how the same quantity is measured on the model's own outputs (the members
table and the weekly series of each replicate). The first facts (``calibrated=True``) were
used to calibrate the defaults in :mod:`simcomm.core.params`; the others are checks the
calibration did not see, reported whatever they show.

:func:`validate` runs every fact's scenario over R seeds and returns a table: fact, source,
target, measured value with its 95% confidence interval, and whether the value is in range.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from simcomm.analysis.intervals import bootstrap_mean_ci, wilson_ci
from simcomm.core.params import make_params
from simcomm.runs.batch import RunSpec, run_many
from simcomm.runs.library import load_scenario
from simcomm.runs.sim import Result
from simcomm.runs.workload import Workload

RETURN_WINDOW = 13  # weeks: Joyce & Kraut followed each newcomer for at least three months
DEAD_WINDOW = (9, 13)  # weeks: a group with no message in its third month is dead (CSCW 2014)
LARGE_OPEN = 10_000  # partners in the "large open community" of the 90-9-1 rule
BASE_SEED = 5_000  # validation seeds are BASE_SEED + replicate, apart from the usual 0, 1, 2


@dataclass(frozen=True)
class Measured:
    """A measured value (units of the fact) with its 95% confidence interval and sample size."""

    value: float
    low: float
    high: float
    n: int


@dataclass(frozen=True)
class Fact:
    """A published figure and how the model's outputs are measured against it.

    ``runs`` lists the (scenario, overrides) arms the fact needs; ``measure`` receives, for each
    arm, the list of that arm's replicate Results and returns a :class:`Measured`.
    """

    key: str
    fact: str
    source: str
    target: str
    low: float
    high: float
    how: str
    runs: tuple[tuple[str, Mapping[str, Any]], ...]
    measure: Callable[[list[list[Result]]], Measured]
    calibrated: bool
    unit: str = "share"

    def in_range(self, m: Measured) -> bool:
        """Return True when the measured value lies in [low, high]."""
        return not math.isnan(m.value) and self.low <= m.value <= self.high


# ---- measurements on one run ---------------------------------------------------------------
def first_posts(result: Result, window: int = RETURN_WINDOW) -> pd.DataFrame:
    """Return newcomers whose first message was a question at least ``window`` weeks before the
    end: columns ``answered`` (bool) and ``back`` (bool: wrote again within ``window`` weeks)."""
    m = result.members
    m = m[m["first_post_answered"].notna() & (m["first_post_week"] <= result.weeks - window)]
    gap = (m["second_post_week"] - m["first_post_week"]).astype("Float64")
    return pd.DataFrame({"answered": m["first_post_answered"].to_numpy(bool),
                         "back": gap.le(window).fillna(False).to_numpy(bool)})


def return_rate(result: Result, answered: bool) -> float:
    """Return the share (0-1) of newcomers with an answered (or unanswered) first question who
    wrote again within RETURN_WINDOW weeks; NaN when there were none."""
    f = first_posts(result)
    f = f[f["answered"] == answered]
    return float(f["back"].mean()) if len(f) else math.nan


def unanswered_share(result: Result) -> float:
    """Return the share (0-1) of newcomers' first questions that got no answer; NaN if none."""
    a = result.members["first_post_answered"].dropna()
    return float(1.0 - a.astype(bool).mean()) if len(a) else math.nan


def messages_per_member(result: Result) -> np.ndarray:
    """Return the questions plus answers each member wrote (messages), one per members-table row."""
    m = result.members
    return (m["posts"] + m["answers"]).to_numpy(dtype=float)


def never_wrote_share(result: Result) -> float:
    """Return the share (0-1) of everyone who ever joined who never wrote a question or answer."""
    msgs = messages_per_member(result)
    return float(np.mean(msgs == 0)) if msgs.size else math.nan


def top_share(values: np.ndarray, share: float) -> float:
    """Return the share (0-1) of the total held by the top ``share`` of ``values`` (at least one)."""
    v = np.sort(np.asarray(values, dtype=float))[::-1]
    total = v.sum()
    if total <= 0:
        return math.nan
    k = max(1, round(share * v.size))
    return float(v[:k].sum() / total)


def active_share(result: Result, after_week: int = 52) -> float:
    """Return the mean weekly share (0-1) of members who are active (not lurking) after
    ``after_week``, over the weeks with any member."""
    ts = result.timeseries
    ts = ts[ts["week"] > after_week]
    total = (ts["active_members"] + ts["lurking_members"]).to_numpy(dtype=float)
    active = ts["active_members"].to_numpy(dtype=float)
    keep = total > 0
    return float(np.mean(active[keep] / total[keep])) if keep.any() else math.nan


def dead_early(result: Result, window: tuple[int, int] = DEAD_WINDOW) -> float:
    """Return 1.0 when no member wrote anything in weeks ``window`` (inclusive), else 0.0."""
    ts = result.timeseries
    weeks = ts[(ts["week"] >= window[0]) & (ts["week"] <= window[1])]
    return float((weeks["posts"] + weeks["answers"]).sum() == 0)


def partner_revenue(result: Result) -> np.ndarray:
    """Return each member's community-influenced revenue (currency): active weeks x
    revenue_per_active plus half of each peer deal it was in x revenue_per_deal."""
    p, m = result.params, result.members
    return (p["revenue_per_active"] * m["active_weeks"].to_numpy(dtype=float)
            + 0.5 * p["revenue_per_deal"] * m["peer_deals"].to_numpy(dtype=float))


def growth(result: Result) -> float:
    """Return the members who joined in the first 52 weeks (members; Cunha et al.'s growth)."""
    return float((result.members["join_week"] <= 52).sum())


def survival(result: Result) -> float:
    """Return the weeks the community stayed alive (the horizon when it never died)."""
    died = result.summary["died_week"]
    return float(result.weeks if died is None else died)


# ---- from runs to a measured value ---------------------------------------------------------
def per_run(fn: Callable[[Result], float]) -> Callable[[list[list[Result]]], Measured]:
    """Return a measure: ``fn`` on each replicate of the first arm, its mean and 95% percentile
    bootstrap interval over replicates (within the values' range, so within the fact's bounds)."""

    def measure(arms: list[list[Result]]) -> Measured:
        n, mean, low, high = bootstrap_mean_ci([fn(r) for r in arms[0]])
        return Measured(mean, low, high, n)

    return measure


def difference(fn: Callable[[Result], float]) -> Callable[[list[list[Result]]], Measured]:
    """Return a measure: the mean over seeds of ``fn`` in the first arm minus the second (the arms
    run on the same seeds, so on common random numbers), with a 95% percentile bootstrap
    interval of that mean."""

    def measure(arms: list[list[Result]]) -> Measured:
        d = [fn(a) - fn(b) for a, b in zip(arms[0], arms[1], strict=True)]
        n, mean, low, high = bootstrap_mean_ci(d)
        return Measured(mean, low, high, n)

    return measure


def correlation(x: Callable[[Result], float], y: Callable[[Result], float]
                ) -> Callable[[list[list[Result]]], Measured]:
    """Return a measure: Spearman's rho of ``x`` and ``y`` across every run of every arm (each
    run is one community), with a bootstrap 95% CI (scipy.stats.bootstrap, paired, fixed seed)."""

    def measure(arms: list[list[Result]]) -> Measured:
        runs = [r for arm in arms for r in arm]
        xs = np.array([x(r) for r in runs])
        ys = np.array([y(r) for r in runs])
        if xs.size < 3 or np.ptp(xs) == 0 or np.ptp(ys) == 0:
            return Measured(math.nan, math.nan, math.nan, int(xs.size))
        rho = float(stats.spearmanr(xs, ys).statistic)

        def stat(a: np.ndarray, b: np.ndarray) -> float:
            return float(stats.spearmanr(a, b).statistic)

        with warnings.catch_warnings():  # resamples of one repeated value: NaN rho, no warning each
            warnings.simplefilter("ignore", stats.ConstantInputWarning)
            warnings.simplefilter("ignore", stats.DegenerateDataWarning)
            boot = stats.bootstrap((xs, ys), stat, paired=True, vectorized=False, n_resamples=999,
                                   method="percentile", random_state=np.random.default_rng(0))
        low, high = boot.confidence_interval
        return Measured(rho, float(low), float(high), int(xs.size))

    return measure


def share_of_runs(fn: Callable[[Result], bool]) -> Callable[[list[list[Result]]], Measured]:
    """Return a measure: the share of all runs of all arms (each run one community) for which
    ``fn`` is true, with a Wilson 95% interval."""

    def measure(arms: list[list[Result]]) -> Measured:
        runs = [r for arm in arms for r in arm]
        k = sum(bool(fn(r)) for r in runs)
        low, high = wilson_ci(k, len(runs))
        return Measured(k / len(runs) if runs else math.nan, low, high, len(runs))

    return measure


def top_share_per_run(share: float, values: Callable[[Result], np.ndarray]
                      ) -> Callable[[list[list[Result]]], Measured]:
    """Return a measure: per replicate, the share of the total held by the top ``share`` of
    members by ``values``; mean and bootstrap 95% interval over replicates."""
    return per_run(lambda r: top_share(values(r), share))


# ---- the facts -----------------------------------------------------------------------------
_LIBRARY = ("organic", "vendor-imposed", "sponsored", "vendor-p2p", "distributor", "marketplace",
            "p2p-alliance", "staff-churn", "product-showcase", "cold-start", "programme-overload",
            "unmoderated", "budget-axe", "partner-council", "advocate-led")
_VENDOR_RUN = ("vendor-imposed", "vendor-p2p", "distributor", "marketplace", "staff-churn",
               "product-showcase", "cold-start", "programme-overload", "unmoderated", "budget-axe",
               "partner-council", "advocate-led")
_JK = "Joyce & Kraut 2006 (2,777 newcomers, 6 newsgroups)"
_NIELSEN = "Nielsen 2006, participation inequality"

FACTS: tuple[Fact, ...] = (
    Fact("reply_return_answered", "newcomers whose first post is answered: share who post again",
         _JK, "about 56%", 0.50, 0.62,
         f"organic, {LARGE_OPEN:,} partners; newcomers whose first message was a question, wrote "
         f"again within {RETURN_WINDOW} weeks (members table)",
         (("organic", {"partners": LARGE_OPEN}),), per_run(lambda r: return_rate(r, True)), True),
    Fact("reply_return_unanswered", "newcomers whose first post is not answered: share who post "
         "again", _JK, "about 44%", 0.38, 0.50, "as above, first question unanswered",
         (("organic", {"partners": LARGE_OPEN}),), per_run(lambda r: return_rate(r, False)), True),
    Fact("first_posts_unanswered", "first posts in an open, unmanaged group that get no reply",
         "Burke et al. 2007 (99 Usenet groups)", "about 40%", 0.33, 0.47,
         f"organic, {LARGE_OPEN:,} partners; newcomers' first questions with no answer (members "
         "table)", (("organic", {"partners": LARGE_OPEN}),), per_run(unanswered_share), True),
    Fact("never_wrote", "members of a large open community who never post (the 90 of 90-9-1)",
         _NIELSEN, "about 90%", 0.85, 0.95,
         f"organic, {LARGE_OPEN:,} partners; everyone who joined in five years and never wrote "
         "(members table)", (("organic", {"partners": LARGE_OPEN}),), per_run(never_wrote_share),
         True),
    Fact("top1_share", "share of all messages written by the top 1% of members (the 1 of "
         "90-9-1)", _NIELSEN, "most (over half)", 0.50, 0.95,
         "as above; questions and answers of the top 1% of members (members table)",
         (("organic", {"partners": LARGE_OPEN}),), top_share_per_run(0.01, messages_per_member), True),
    Fact("active_share_managed", "members active in a well-managed community",
         "Community Roundtable, State of Community Management 2015", "about 45%", 0.38, 0.52,
         "partner-council (a vendor community run by the book); active / (active + lurking) "
         "members, mean over weeks 53-260 (weekly series)",
         (("partner-council", {}),), per_run(active_share), True),
    Fact("growth_vs_retention", "growth and retention are weakly correlated across communities",
         "Cunha et al. 2019 (Reddit)", "weak (|rho| < 0.4)", -0.4, 0.4,
         "every library scenario x R seeds, one community each; Spearman rho of members joined "
         "in year 1 and retention_52w (members table), bootstrap CI",
         tuple((s, {}) for s in _LIBRARY),
         correlation(growth, lambda r: _num(r.summary["retention_52w"])), False, "rho"),
    Fact("growth_vs_survival", "growth and survival are weakly correlated across communities",
         "Cunha et al. 2019 (Reddit)", "weak (|rho| < 0.4)", -0.4, 0.4,
         "as above; members joined in year 1 and weeks alive (weekly series)",
         tuple((s, {}) for s in _LIBRARY), correlation(growth, survival), False, "rho"),
    Fact("retention_vs_survival", "retention and survival are weakly correlated across "
         "communities", "Cunha et al. 2019 (Reddit)", "weak (|rho| < 0.4)", -0.4, 0.4,
         "as above; retention_52w and weeks alive",
         tuple((s, {}) for s in _LIBRARY),
         correlation(lambda r: _num(r.summary["retention_52w"]), survival), False, "rho"),
    Fact("founder_only_dead", "groups whose founder is the only admin and added every member die "
         "more often within 3 months", "CSCW 2014 (472,231 new online groups)",
         "more likely dead (difference > 0)", 0.0001, 1.0,
         f"share of groups with no message in weeks {DEAD_WINDOW[0]}-{DEAD_WINDOW[1]}: "
         "vendor-imposed (one manager invites every member) minus organic (members join "
         "themselves, leaders emerge); 300 partners each (weekly series)",
         (("vendor-imposed", {"partners": 300}), ("organic", {"partners": 300})),
         difference(dead_early), False, "difference in share"),
    Fact("vendor_small", "communities that organisations created with fewer than 100 active members",
         "Deloitte, Beeline Labs & SNCR, Tribalization of Business Study 2008 (140+ companies, "
         "Fortune 100 included): 34% under 100 active members, 27% 101-500, 25% over 1,000",
         "about a third (34%)", 0.25, 0.45,
         "every vendor-run library scenario x R seeds at the default 2,000 partners, one community "
         "each; share of runs whose active members never exceed 99 (weekly series). The study's "
         "quarter over 1,000 is out of reach of a 2,000-partner channel and is not checked",
         tuple((s, {}) for s in _VENDOR_RUN),
         share_of_runs(lambda r: int(r.timeseries["active_members"].max()) < 100), False),
    Fact("revenue_top20", "share of community-influenced revenue from the top 20% of partners",
         "channel trade studies (2112 Group, ZS)", "about 75-90%", 0.75, 0.90,
         "vendor-imposed; each member's active weeks x revenue_per_active + its share of peer "
         "deals x revenue_per_deal (members table)",
         (("vendor-imposed", {}),), top_share_per_run(0.20, partner_revenue), False),
)


def _num(x: Any) -> float:
    return math.nan if x is None else float(x)


def fact_names() -> list[str]:
    """Return the keys of every fact, in table order."""
    return [f.key for f in FACTS]


@dataclass
class Validation:
    """The outcome of :func:`validate`: the table, the runs behind it and how they were made."""

    table: pd.DataFrame
    runs: dict[str, list[Result]]  # arm label ("organic", "organic partners=10000") -> replicates
    metadata: dict[str, Any]

    @property
    def misses(self) -> list[str]:
        """Return the keys of the facts whose measured value is out of range."""
        return [k for k, ok in zip(self.table["key"], self.table["in_range"], strict=True) if not ok]


def arm_label(name: str, overrides: Mapping[str, Any]) -> str:
    """Return a readable label for a scenario with overrides, e.g. ``organic partners=10000``."""
    return " ".join([name, *(f"{k}={v}" for k, v in sorted(overrides.items()))])


def validation_workload(replicates: int, weeks: int = 260, facts: Sequence[Fact] | None = None) -> Workload:
    """Return the runs :func:`validate` will do (each distinct scenario arm of ``facts``,
    ``replicates`` times), for an estimate before it starts."""
    work = Workload()
    seen = set()
    for f in FACTS if facts is None else facts:
        for name, overrides in f.runs:
            key = (name, tuple(sorted(overrides.items())))
            if key not in seen:
                seen.add(key)
                partners = make_params(overrides, base=load_scenario(name).overrides)["partners"]
                work.add(replicates, weeks, int(partners))
    return work


def validate(replicates: int = 10, *, weeks: int = 260, workers: int | None = None,
             progress: bool = False, facts: Sequence[Fact] | None = None) -> Validation:
    """Run every fact's scenarios over ``replicates`` seeds and return a :class:`Validation`.

    Its table has one row per fact: key, fact, source, target, low, high (the range counted as
    a match), value, ci_low, ci_high (95%), n (replicates or runs used), in_range (bool),
    calibrated (bool: used to calibrate the defaults), unit and how (what was measured). Runs
    shared by several facts run once; seeds are ``BASE_SEED + replicate``, so the table is
    reproducible. ``facts`` defaults to :data:`FACTS`.
    """
    import mesa

    facts = FACTS if facts is None else facts

    from simcomm.core.version import __version__

    arms: dict[tuple[str, tuple], list[int]] = {}
    specs: list[RunSpec] = []
    for f in facts:
        for name, overrides in f.runs:
            key = (name, tuple(sorted(overrides.items())))
            if key in arms:
                continue
            scenario = load_scenario(name)
            arms[key] = []
            for r in range(replicates):
                arms[key].append(len(specs))
                specs.append(RunSpec(scenario, weeks, BASE_SEED + r, dict(overrides)))
    results = run_many(specs, workers=workers, progress=progress, desc="validate")
    rows = []
    for f in facts:
        runs = [[results[i] for i in arms[(n, tuple(sorted(o.items())))]] for n, o in f.runs]
        m = f.measure(runs)
        rows.append({"key": f.key, "fact": f.fact, "source": f.source, "target": f.target,
                     "low": f.low, "high": f.high, "value": m.value, "ci_low": m.low,
                     "ci_high": m.high, "n": m.n, "in_range": f.in_range(m),
                     "calibrated": f.calibrated, "unit": f.unit, "how": f.how})
    runs = {arm_label(n, dict(o)): [results[i] for i in idx] for (n, o), idx in arms.items()}
    metadata = {"simcomm_version": __version__, "mesa_version": mesa.__version__,
                "replicates": replicates, "weeks": weeks,
                "seeds": [BASE_SEED, BASE_SEED + replicates - 1], "facts": len(rows),
                "scenarios": sorted(runs)}
    return Validation(pd.DataFrame(rows), runs, metadata)

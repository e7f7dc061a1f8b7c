"""The one metric registry (simcomm.core.metric_registry): every metric used anywhere is in it, each
field is filled, and its bounds and order are those of real runs."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

import simcomm
from simcomm.analysis.explain import METRICS as EXPLAINED
from simcomm.core import metric_registry as registry
from simcomm.core.metrics import WEEKLY_METRICS
from simcomm.core.parameter import ParameterError
from simcomm.runs.claims import CLAIMS
from simcomm.runs.experiment_file import SUMMARY_METRICS, WEEKLY_NUMERIC
from simcomm.runs.measures import MEASURES

PACKAGE = Path(simcomm.__file__).parent


@pytest.fixture(scope="module")
def small_runs() -> list[simcomm.Result]:
    """Two short runs of small communities: one vendor-run (costs, managers), one organic."""
    return [simcomm.run(name, weeks=70, seed=3, overrides={"partners": 300})
            for name in ("staff-churn", "organic")]


def test_every_field_is_filled() -> None:
    seen = set()
    for spec in registry.METRICS:
        assert (spec.name, spec.kind) not in seen, f"{spec.name} ({spec.kind}) is declared twice"
        seen.add((spec.name, spec.kind))
        assert spec.kind in registry.KINDS, spec
        assert spec.direction in registry.DIRECTIONS, spec
        for field in ("name", "unit", "words", "phrase"):
            assert getattr(spec, field).strip(), f"{spec.name}: {field} is empty"
        assert spec.words[0].isupper(), f"{spec.name}: words are a table label: {spec.words!r}"
        assert spec.phrase == spec.phrase.lower() or spec.phrase[0].islower(), spec.name
        if not spec.numeric:
            assert spec.name == "stage", f"{spec.name}: only the lifecycle stage has no bounds"
            continue
        assert math.isfinite(spec.low) and spec.low < spec.high, f"{spec.name}: bounds {spec.low, spec.high}"
        if spec.share:
            assert (spec.low, spec.high) == (0, 1), f"{spec.name}: a share lies in [0, 1]"


def test_lookup_names_the_metric_and_close_names() -> None:
    assert registry.bounds("retention_52w") == (0.0, 1.0)
    assert registry.bounds("final_active") == (0.0, math.inf)
    assert registry.metric("vendor_cost", "weekly").kind == "weekly"
    with pytest.raises(ParameterError, match=r"metric 'retention_53w' .*retention_52w"):
        registry.metric("retention_53w")


def test_the_record_and_the_summary_are_the_registrys_in_its_order(small_runs: list) -> None:
    assert WEEKLY_METRICS == registry.WEEKLY
    for r in small_runs:
        assert tuple(r.timeseries.columns) == registry.WEEKLY
        assert tuple(r.summary) == registry.SUMMARY


def test_real_runs_stay_within_every_bound(small_runs: list) -> None:
    """A bound that a real run leaves (a share above 1, a count below 0) is a wrong bound."""
    for r in small_runs:
        for name in registry.WEEKLY:
            spec = registry.metric(name, "weekly")
            if not spec.numeric:
                continue
            values = r.timeseries[name].dropna().to_numpy(dtype=float)
            assert ((values >= spec.low) & (values <= spec.high)).all(), f"weekly {name} leaves its bounds"
        for name in registry.SUMMARY:
            spec = registry.metric(name, "summary")
            value = r.summary[name]
            if value is not None:
                assert spec.low <= value <= spec.high, f"summary {name} = {value} leaves its bounds"
        for name, measure in MEASURES.items():
            value = measure(r)
            spec = registry.metric(name)
            assert math.isnan(value) or spec.low <= value <= spec.high, f"claim measure {name} = {value}"


def test_a_share_is_tight_enough_to_be_checked(small_runs: list) -> None:
    """The bounds test above can fail: the retention of a real run is a share that a count's
    bounds would not catch, and active members exceed a share's upper bound."""
    assert any(r.summary["final_active"] > 1 for r in small_runs)
    assert any(0 < (r.summary["retention_12w"] or 0) < 1 for r in small_runs)


#: Where code reads a metric by name from a run: the summary, the weekly table, the model's record.
READS = re.compile(r"""(?:summary|timeseries|\bts|history)(?:\[|\.get\()\s*["']([a-z0-9_]+)["']""")


def test_every_metric_used_anywhere_is_registered() -> None:
    """Compare's tables, the experiment files, the claims, the explanations, and every place in
    the package (validation included) that reads a run's summary or weekly record by name."""
    used: dict[str, str] = {}
    for name in registry.COMPARED + registry.HEADLINE:
        used[name] = "compare / the run table"
    for name in registry.CHANNEL_COMPARED:
        used[name] = "compare on channels"
    for name in SUMMARY_METRICS + WEEKLY_NUMERIC:
        used[name] = "experiment files"
    for name in MEASURES:
        used[name] = "claims' measures"
    for c in CLAIMS:
        used[c.metric] = f"claim {c.key}"
    for name in EXPLAINED:
        used[name] = "explain"
    for path in sorted(PACKAGE.rglob("*.py")):
        for hit in READS.findall(path.read_text(encoding="utf-8")):
            used.setdefault(hit, str(path.relative_to(PACKAGE)))
    assert "retention_52w" in used and "active_members" in used  # the scan finds reads
    missing = {name: where for name, where in used.items() if name not in registry.METRIC_BY_NAME}
    assert not missing, f"metrics used but not in the registry: {missing}"

"""The answer ``compare`` prints on channel scenarios: launch, sponsor, both or neither, in plain
sentences with intervals, by the one significance rule of :mod:`simcomm.analysis.statistics`
(the table is :func:`simcomm.report.compare_text.format_comparison_table`'s; names and numbers
from :mod:`simcomm.report.text`)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from simcomm.core.channel_plan import ChannelPlan
from simcomm.core.metric_registry import COUNTED
from simcomm.core.metric_registry import metric as registered
from simcomm.report.text import amount_text, chance_text, change_text, counted, metric_name

if TYPE_CHECKING:  # the tables are pandas frames
    import pandas as pd

#: The measures the sentences tell, in order (the table shows every measure).
TOLD: tuple[str, ...] = ("active_in_any", "own_alive_at_end", "own_members_at_end",
                         "members_per_community_at_end", "vendor_reach_at_end", "vendor_spend")
#: The measures on which the vendor's choices are ranked against each other.
RANKED: tuple[str, ...] = ("active_in_any", "own_members_at_end", "vendor_reach_at_end")


def arm_text(plan: ChannelPlan) -> str:
    """Return what a channel arm holds, in words: each listed community (its scenario and launch
    week), each sponsorship (whom it funds, from when) and member founding, e.g. "partners' own
    (organic, from week 0); the vendor sponsors partners' own from week 26"."""
    parts = [f"{c.name} ({c.scenario.name}, from week {c.launch_week})" if c.sponsors is None
             else f"the vendor sponsors {c.sponsors} from week {c.launch_week}" for c in plan.communities]
    if plan.founding_rate > 0 and plan.max_founded > 0:
        parts.append(f"up to {counted(plan.max_founded, 'community', 'communities')} founded by members")
    return "; ".join(parts) or "no community"


def tested(family: pd.DataFrame, label: str, reference: str, metric: str) -> Mapping[str, Any] | None:
    """Return the comparison of ``label`` with ``reference`` on ``metric`` from ``family``
    (:func:`simcomm.analysis.statistics.comparisons`), oriented as label minus reference (a row
    tested the other way round is turned round: the difference and its intervals negated), or
    None when the pair was not compared."""
    rows = family[(family["metric"] == metric)]
    hit = rows[(rows["label"] == label) & (rows["reference"] == reference)]
    if len(hit):
        return hit.iloc[0].to_dict()
    back = rows[(rows["label"] == reference) & (rows["reference"] == label)]
    if not len(back):
        return None
    row = back.iloc[0].to_dict()
    for low, high in (("diff_low", "diff_high"), ("adj_low", "adj_high")):
        row[low], row[high] = -float(row[high]), -float(row[low])
    row["diff"] = -float(row["diff"])
    row["label"], row["reference"] = label, reference
    return row


def _verdict(row: Mapping[str, Any] | None, metric: str) -> str:
    if row is None:
        return "not compared"
    return change_text(float(row["diff"]), float(row["adj_low"]), float(row["adj_high"]), str(row["unit"]),
                       bool(row["significant"]), bool(row["paired"]), math.isfinite(float(row["p_value"])),
                       runs=metric in COUNTED)


def _value(means: pd.DataFrame, label: str, metric: str) -> str:
    r = means.loc[(label, metric)]
    if metric in COUNTED:
        return f"{int(r['count'])} of {int(r['n'])}" if int(r["n"]) else "no value"
    return amount_text(float(r["mean"]), str(r["unit"])) if math.isfinite(float(r["mean"])) else "no value"


def channel_sentences(table: pd.DataFrame, family: pd.DataFrame, plans: Sequence[ChannelPlan], weeks: int,
                      replicates: int) -> list[str]:
    """Return the answer of a comparison of channel arms in plain sentences.

    ``plans`` are the arms in the order given (the first is the baseline), ``table`` their
    :func:`~simcomm.analysis.statistics.headline_table` and ``family`` the
    :func:`~simcomm.analysis.statistics.comparisons` of every arm with every other (one family:
    "clearly" exactly where the rule says so). Sentences: what each arm holds; for each measure
    of :data:`TOLD` that has a value, each arm's figure against the baseline's (a difference,
    its adjusted interval, clearly or not); with two or more arms besides the baseline, which of
    them did best on each measure of :data:`RANKED` against each other one; then how sure.
    Figures are means over the ``replicates`` seeded runs at week ``weeks`` (partners, members,
    communities; money in currency; a community alive as k of n runs).
    """
    labels = [p.name for p in plans]
    base, others = labels[0], labels[1:]
    means = table.set_index(["label", "metric"])
    present = set(table["metric"])
    out = [f"The arms, on the same partners and the same random numbers seed by seed: {plans[0].name} "
           f"(the baseline): {arm_text(plans[0])}."]
    out += [f"{p.name}: {arm_text(p)}." for p in plans[1:]]
    for metric in [m for m in TOLD if m in present]:
        if not any(_value(means, lab, metric) != "no value" for lab in labels):
            continue
        shown = {_value(means, lab, metric) for lab in labels}
        counts = {float(means.loc[(lab, metric), "mean"]) for lab in labels}
        if metric in COUNTED and len(shown) == 1 and counts <= {0.0, 1.0}:  # alive in every run, or none
            out.append(f"{metric_name(metric, weeks)}: {shown.pop()} in every arm.")
            continue
        pieces = [f"{_value(means, base, metric)} in {base}"]
        pieces += [f"{_value(means, lab, metric)} in {lab}, "
                   f"{_verdict(tested(family, lab, base, metric), metric)}" for lab in others]
        out.append(f"{metric_name(metric, weeks)}: " + "; ".join(pieces) + ".")
    if len(others) >= 2:
        for metric in [m for m in RANKED if m in present]:
            values = {lab: float(means.loc[(lab, metric), "mean"]) for lab in others}
            finite = {lab: v for lab, v in values.items() if math.isfinite(v)}
            if len(finite) < 2:
                continue
            best = max(finite, key=lambda lab: finite[lab])
            against = [f"against {lab} {_verdict(tested(family, best, lab, metric), metric)}"
                       for lab in others if lab != best and lab in finite]
            out.append(f"Of the vendor's choices, {best} has the most {registered(metric).phrase} "
                       f"({_value(means, best, metric)}): " + "; ".join(against) + ".")
    size = int(family["p_value"].notna().sum())
    clear = int(family["significant"].sum())
    few = f" (only {replicates} runs of each: intervals are rough; use --replicates 20 or more)" \
        if replicates < 10 else ""
    if size:
        verdict = "none of them is" if clear == 0 else (f"{clear} of them is" if clear == 1
                                                      else f"{clear} of them are")
        out.append(f"How sure: each figure is the mean of {replicates} seeded runs, compared seed by "
                   f"seed{few}; "
                   f"\"clearly\" means a difference this large would arise by chance less than "
                   f"{chance_text(family)}, allowing for the {size} comparisons made (every arm with every "
                   f"other), and {verdict} clear (a * in the table marks those against {base}); an adjusted "
                   "interval allows for them in the same way, so it leaves out zero exactly when its "
                   "difference is clear.")
    else:
        out.append(f"How sure: not at all: with {counted(replicates, 'run')} of each nothing can be "
                   "tested; use --replicates 20.")
    return out

"""The validation page's section on where the essays' story holds: how often the managers'
departures killed a community in each setting (:data:`simcomm.analysis.validation.STORY`), what
holds the members when only they can let it die, and how the share moves with the programme's
margin at its first budget review."""

from __future__ import annotations

import math
from collections.abc import Sequence

from simcomm.analysis.departures import MEMBERS_ALONE, Killed, MarginBand, MarginTest
from simcomm.runs.departures import FIRST_YEAR


def departures_lines(killed: Sequence[Killed]) -> list[str]:
    """Return one line per setting: how often the departures killed the community (of n seeds,
    with a Wilson 95% interval), how many of those after the community's first year and how many
    a budget review closed (the rest fell silent)."""
    out = []
    for k in killed:
        out.append(f"{k.scenario}: the departures killed it in {k.killed} of {k.n} runs "
                   f"({k.share:.0%} [{k.low:.0%}, {k.high:.0%}]), {k.late} of them after week "
                   f"{FIRST_YEAR}, {k.by_review} closed by a budget review; {k.died} of {k.n} died in all")
    return out


def _margin(k: Killed) -> str:
    return "no review" if math.isnan(k.margin) else f"{k.margin:.2f}"


def _table(killed: Sequence[Killed]) -> list[str]:
    lines = ["| setting | killed by the departures [95% CI] | of them, after week "
             f"{FIRST_YEAR} | of them, closed by a review | died in all | first review's return had "
             "the managers stayed (median, x target) |", "|---|---|---|---|---|---|"]
    for k in killed:
        lines.append(f"| {k.scenario} | {k.killed} of {k.n} ({k.share:.0%} [{k.low:.0%}, {k.high:.0%}]) | "
                     f"{k.late} | {k.by_review} | {k.died} of {k.n} | {_margin(k)} |")
    return lines


def departures_section(killed: Sequence[Killed], by_margin: Sequence[MarginBand] = (),
                       margins: MarginTest | None = None) -> str:
    """Return the Markdown section on where the essays' story holds: how often the managers'
    departures killed a community, bond-held against identity-held, the assumptions that decide
    it (one changed at a time), the settings where only the members can let it die, and the
    killed share by the first review's margin."""
    if not killed:
        return ""
    main = [k for k in killed if k.part != MEMBERS_ALONE]
    alone = [k for k in killed if k.part == MEMBERS_ALONE]
    lines = ["## Where the essays' story holds: departures that kill", "",
             "Each run beside its replay on the same seed in which no manager ever leaves (`simcomm "
             "explain`'s \"had the managers stayed\"): the departures killed the community when it died "
             "and the replay was still alive then. The first two rows are the contrast; the others "
             "change one assumption of the first. A death is either a budget review closing the "
             "programme (the funder's decision) or the members falling silent (theirs). The last "
             "column is the return the first budget review saw in the replay, over the review's "
             "target (1 = just met): how far the programme was from a cut had nobody left.", "",
             *_table(main), "", deciding_sentence(main)]
    if alone:
        lines += ["", "### Where only the members can let it die", "",
                  "The same departures with no budget review, so that a community dies only when its "
                  "members fall silent; then without peer bonds (`peer_bond_weight` 0), so that "
                  "nothing holds a member but its identity and its bond to the manager.", "",
                  *_table(alone), "", members_sentence(alone)]
    if by_margin:
        lines += ["", "### What decides it: the review's margin", "", margin_section(by_margin, margins)]
    return "\n".join(lines) + "\n"


def _apart(a: Killed, b: Killed) -> bool:
    return a.high < b.low or b.high < a.low


def deciding_sentence(killed: Sequence[Killed]) -> str:
    """Return one sentence on the contrast (the first two settings) and on which of the others,
    each one assumption changed from the first, moved the killed share most either way."""
    if len(killed) < 2:
        return ""
    bond, ident = killed[0], killed[1]
    out = (f"Bond-held {bond.share:.0%} against identity-held {ident.share:.0%}: "
           + ("the intervals do not overlap." if _apart(bond, ident) else "the intervals overlap, so this "
              "many seeds do not separate them."))
    killed_all = sum(k.killed for k in killed[:2])
    if killed_all:
        out += (f" Of the {killed_all} communities the departures killed in these two, a budget review "
                f"closed {sum(k.by_review for k in killed[:2])}; the members fell silent in the rest.")
    rest = sorted(killed[2:], key=lambda k: k.share)
    if rest:
        low, high = rest[0], rest[-1]
        out += (f" Of the assumptions changed one at a time, the share fell most with '{low.scenario}' "
                f"({low.share:.0%}) and was highest with '{high.scenario}' ({high.share:.0%}), against "
                f"{bond.share:.0%} as it is.")
    return out


def members_sentence(alone: Sequence[Killed]) -> str:
    """Return what the settings with no budget review show: bond-held against identity-held
    (the first two), and each again without peer bonds (the next two), with whether their
    intervals separate."""
    if len(alone) < 4:
        return ""
    bond, ident, bond_np, ident_np = alone[:4]
    out = (f"With no review, the departures killed {bond.share:.0%} of the bond-held and "
           f"{ident.share:.0%} of the identity-held communities; without peer bonds "
           f"{bond_np.share:.0%} and {ident_np.share:.0%}.")
    types_apart = _apart(bond, ident) or _apart(bond_np, ident_np)
    peers_apart = _apart(bond, bond_np) and _apart(ident, ident_np)
    out += (" The two types' intervals " + ("separate in at least one pair." if types_apart else
            "overlap in both pairs: what the members are attached to does not separate them here."))
    if peers_apart:
        out += (" Taking the peer bonds away raises the share in both types, with intervals apart: "
                "in this model what holds members through a vacancy is their ties to each other. An "
                "identity-held community's identity is learnt from content, and during a vacancy the "
                "manager's posts stop, so identity alone does not carry it either.")
    return out


def margin_section(by_margin: Sequence[MarginBand], margins: MarginTest | None) -> str:
    """Return the Markdown of the killed share by band of the first review's return over its
    target had the managers stayed (every reviewed setting's seeds pooled), with the test."""
    lines = ["Every seed of every setting above that holds budget reviews, together, by the return "
             "its first review saw in the replay with no manager leaving (over the target):", "",
             "| first review's return had the managers stayed (x target) | seeds | killed by the "
             "departures [95% CI] |", "|---|---|---|"]
    for b in by_margin:
        band = f"{b.low:g} or more" if math.isinf(b.high) else f"{b.low:g} to {b.high:g}"
        share = "n/a" if not b.n else f"{b.share:.0%} [{b.ci_low:.0%}, {b.ci_high:.0%}]"
        lines.append(f"| {band} | {b.n} | {b.killed} ({share}) |")
    if margins is not None:
        lines += ["", f"The seeds the departures killed had a median margin of {margins.killed_median:.2f} "
                  f"(n = {margins.killed}) against {margins.spared_median:.2f} for the rest (n = "
                  f"{margins.spared}); one-sided Mann-Whitney p = {margins.p:.1g}, which counts every "
                  "setting's seeds as independent: they are not quite (each setting runs the same seeds, "
                  "on common random numbers), so read the p as a guide and the bands' shares as the "
                  "finding. Built in: a departure "
                  "takes the revenue that ran through the manager's relationships (unless a handover "
                  "passes them on) and a vacancy's reset adds promotion; so a departure lowers the "
                  "return. What comes out of the runs is how near the target a programme stands when "
                  "its managers leave, and so whether a review cuts and then closes it; the tables' "
                  "last column gives each setting's median margin."]
    return "\n".join(lines)

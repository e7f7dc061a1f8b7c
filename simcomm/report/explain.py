"""An explanation in words: plain sentences (largest cause first), a table, ghost lines, files.

Every sentence reads "Had <cause been neutralised>, the community would have had N more (or
fewer) active members at week W [low, high], kept P points more (fewer) of its first-year joiners
a year on, and would have survived in k of the runs in which it died". The numbers are the
replays minus the runs as they were, seed by seed (:mod:`simcomm.analysis.explain`).
"""

from __future__ import annotations

import math
import statistics
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from simcomm.analysis.explain import METRICS, Explanation, ghost_lines
from simcomm.report import plots
from simcomm.runs.counterfactual import ALL_EVENTS, CONDITIONS_GROUP, EVENTS, Replays
from simcomm.runs.files import absolute_out, write_json, writing_into
from simcomm.runs.output_set import staged_output

#: The sections an explanation is told in, in this order: what the scenario itself changes (its
#: levers, and conditions it sets away from the defaults), what happened in the runs (departures,
#: budget decisions), and conditions every community of the type has at the model's defaults
#: (promotion's 10%, say), which would otherwise rank above the scenario's own theme.
SCENARIO, HAPPENED, DEFAULTS = "scenario", "happened", "defaults"
SECTION_TITLES = {SCENARIO: "What this scenario changes", HAPPENED: "What happened in the run",
                  DEFAULTS: "Conditions at the model's defaults (every community of this type has them)"}
#: What "had the managers stayed" holds fixed, as a reader is told it.
STAYED = ("had the managers stayed (no manager ever leaving; held fixed: the seed and so every "
          "random draw, every parameter, and the budget reviews' rule)")

ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
            "tenth")
TOP_SENTENCES = 6  # causes given a sentence of their own (the rest are in the table)
GHOSTS = 3  # counterfactual lines drawn beside the actual one
EXPLAIN_FILES = ("explain.json", "attribution.csv", "effects.csv", "effects.parquet", "explain_active.png")


def ordinal(n: int) -> str:
    """Return "first", "second", ... for 1..10, else "11th", "12th", "21st", ..."""
    if 1 <= n <= len(ORDINALS):
        return ORDINALS[n - 1]
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _when(weeks: Sequence[int], runs: int) -> str:
    """Return when an event happened across runs: "in all 10 runs; median week 46, range 7-93"."""
    if not weeks:
        return "in none of the runs"
    share = f"in all {runs} runs" if len(weeks) == runs else f"in {len(weeks)} of {runs} runs"
    if min(weeks) == max(weeks):
        return f"{share}, week {weeks[0]}"
    return f"{share}; median week {statistics.median(weeks):g}, range {min(weeks)}-{max(weeks)}"


def clause(cause: Mapping[str, Any], runs: int) -> str:
    """Return the counterfactual clause of a cause ("had the manager who left in week 47 stayed").

    ``runs``: the number of seeds; with one, an event is named by its week, with more by its
    order in each run and when it happened across them.
    """
    if cause["group"] != EVENTS:
        return str(cause["wording"])
    kind, weeks = cause["kind"], cause["weeks"]
    if runs == 1 and weeks:
        week = weeks[0]
        return {"departure": f"had the manager who left in week {week} not left that week (they "
                             "could still leave later, at the usual rate)",
                "budget_cut": f"had the budget review of week {week} not cut the budget",
                "closure": f"had the budget review of week {week} not closed the programme",
                "withdrawal": f"had the sponsor not withdrawn its money in week {week}",
                }.get(kind, f"had the {kind} of week {week} not happened")
    nth = ordinal(int(cause["order"]))
    when = _when(weeks, runs)
    return {"departure": f"had the {nth} manager to leave not left that week ({when}; they could "
                         "still leave later, at the usual rate)",
            "budget_cut": f"had the {nth} budget cut not been made ({when})",
            "closure": f"had the budget review not closed the programme ({when})",
            "withdrawal": f"had the sponsor not withdrawn its money ({when})",
            }.get(kind, f"had the {nth} {kind} not happened ({when})")


def _num(x: float, decimals: int) -> str:
    text = f"{abs(x):,.{decimals}f}"
    return "0" if float(text.replace(",", "")) == 0 else text


def span(effect: Mapping[str, Any], more: str, fewer: str, decimals: int = 0) -> str:
    """Return an effect's interval in words: "[22, 51]" when it lies on the side of the mean,
    "[from 26 fewer to 150 more]" when it straddles zero; "" without an interval."""
    low, high, mean = effect.get("low"), effect.get("high"), effect.get("mean") or 0.0
    if low is None or high is None:
        return ""
    if (low >= 0 and mean >= 0) or (high <= 0 and mean <= 0):
        a, b = sorted((abs(low), abs(high)))
        return f" [{_num(a, decimals)}, {_num(b, decimals)}]"
    return f" [from {_num(low, decimals)} {fewer} to {_num(high, decimals)} {more}]"


def _change(effect: Mapping[str, Any] | None, what: str, decimals: int, more: str = "more",
            fewer: str = "fewer") -> str | None:
    """Return "38 more active members at week 260 [22, 51]" for an effect, "as many active
    members ..." when it rounds to 0 (with its interval, if any); None without an effect."""
    if not effect or effect.get("n", 0) == 0 or effect.get("mean") is None:
        return None
    mean = float(effect["mean"])
    if not math.isfinite(mean):
        return None
    interval = span(effect, more, fewer, decimals)
    if _num(mean, decimals) == "0":
        return f"as many {what}" + interval
    return f"{_num(mean, decimals)} {more if mean > 0 else fewer} {what}" + interval


def _retention(effect: Mapping[str, Any] | None) -> str | None:
    """Return the retention clause ("retained 4.1 points more of its first-year joiners a year
    on [1.2, 7.0]"); None without an effect, or when it rounds to 0 and has no interval."""
    if not effect or effect.get("mean") is None or not math.isfinite(effect["mean"]):
        return None
    mean = float(effect["mean"])
    interval = span(effect, "more", "fewer", 1)
    if _num(mean, 1) == "0":
        return f"retained about as many of its first-year joiners a year on{interval}" if interval else None
    return (f"retained {_num(mean, 1)} points {'more' if mean > 0 else 'fewer'} of its first-year "
            f"joiners a year on{interval}")


def _survival(effect: Mapping[str, Any] | None, died: int, runs: int) -> str | None:
    """Return the survival phrase ("survived in 3 of the 4 runs in which it died"); None when
    no run's survival changes."""
    if not effect or not (effect.get("better") or effect.get("worse")):
        return None
    saved, lost = int(effect.get("better", 0)), int(effect.get("worse", 0))
    if runs == 1:
        return "survived" if saved else "died"
    parts = []
    if saved:
        parts.append("survived in the one run in which it died" if died == 1 else
                     f"survived in {saved} of the {died} runs in which it died")
    if lost:
        parts.append("died in the one run in which it survived" if runs - died == 1 else
                     f"died in {lost} of the {runs - died} runs in which it survived")
    return " and ".join(parts)


def effect_sentence(cause_clause: str, effects: Mapping[str, Any], at_week: int, died: int,
                    runs: int) -> str:
    """Return one sentence: the clause, then the effect on active members, retention, survival."""
    active = _change(effects.get("active_members"), f"active members at week {at_week}", 0)
    parts = [f"had {active}" if active else None, _retention(effects.get("retention_52w")),
             _survival(effects.get("survival"), died, runs)]
    words = [p for p in parts if p]
    if not words:
        return f"{cause_clause[:1].upper()}{cause_clause[1:]}, nothing measured would have changed."
    body = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    return f"{cause_clause[:1].upper()}{cause_clause[1:]}, the community would have {body}."


def _intro(ex: Explanation) -> str:
    runs = len(ex.seeds)
    a = ex.actual
    seeds = f"seed {ex.seeds[0]}" if runs == 1 else f"seeds {ex.seeds[0]}-{ex.seeds[-1]}"
    retention = a.get("retention_52w")
    kept = f", kept {retention:.0f}% of its first-year joiners a year on" if retention is not None else ""
    died = sorted(a.get("died_weeks", []))
    if runs == 1:
        alive = f"and died in week {died[0]}" if died else "and was still alive at the end"
        return (f"{ex.scenario}, one run of {ex.weeks} weeks ({seeds}): as it was, the community had "
                f"{a['active_members']:,.0f} active members at week {ex.at_week}{kept} {alive}. "
                f"Each cause below was neutralised alone, in a replay on the same random numbers.")
    return (f"{ex.scenario}, {runs} runs of {ex.weeks} weeks ({seeds}): as they were, the community "
            f"had {a['active_members']:,.0f} active members at week {ex.at_week} on average{kept}, "
            f"and survived in {runs - a['died']} of {runs} runs"
            + (f" ({'the others' if len(died) < runs else 'all'} died, median week "
               f"{statistics.median(died):g})" if died else "")
            + ". Each cause below was neutralised alone, in replays on the same random numbers.")


def section_of(cause: Mapping[str, Any]) -> str:
    """Return the section a cause is told in: SCENARIO (a lever, or a condition the scenario sets
    away from the model's defaults), HAPPENED (an event of the run) or DEFAULTS (a condition at
    the model's defaults)."""
    if cause["group"] == EVENTS:
        return HAPPENED
    return DEFAULTS if cause.get("default") else SCENARIO


def sections(ex: Explanation) -> list[tuple[str, list[dict[str, Any]]]]:
    """Return (section, causes) in the telling order SCENARIO, HAPPENED, DEFAULTS; within a
    section the causes keep the explanation's ranking (largest effect on active members first);
    empty sections are left out."""
    return [(key, found) for key in SECTION_TITLES
            if (found := [c for c in ex.causes if section_of(c) == key])]


def ranked_for_a_room(ex: Explanation, n: int) -> list[dict[str, Any]]:
    """Return ``n`` causes for a short list (the story page): the largest of each section in
    turn (the scenario's own first, then the run's events, then the defaults), then the next."""
    queues = [list(found) for _, found in sections(ex)]
    out: list[dict[str, Any]] = []
    while len(out) < n and any(queues):
        for queue in queues:
            if queue and len(out) < n:
                out.append(queue.pop(0))
    return out


def _together(ex: Explanation, group: str) -> str | None:
    info = ex.groups.get(group)
    if not info or len(info["causes"]) < 2:
        return None
    what = ("the runs' events" if len(ex.seeds) > 1 else "the run's events") + (
        " (no manager ever leaving, and every budget decision waived)")
    if group == CONDITIONS_GROUP:
        what = "the conditions"
    together = info["together"].get("active_members", {})
    inter = info["interaction"].get("active_members", {})
    change = _change(together, f"active members at week {ex.at_week}", 0)
    if change is None or inter.get("mean") is None:
        return None
    singles = together["mean"] - inter["mean"]
    return (f"Neutralised all together, {what} would have given {change}; their single effects "
            f"add up to {singles:+,.0f} and the rest, {inter['mean']:+,.0f}, is their interaction "
            "(causes that overlap or compound).")


def stayed_sentence(ex: Explanation) -> str | None:
    """Return what "had the managers stayed" (no manager ever leaving) would have changed, with
    what is held fixed; None when no run had a departure."""
    if not ex.managers_stayed:
        return None
    runs = len(ex.seeds)
    text = effect_sentence(STAYED, ex.managers_stayed, ex.at_week, int(ex.actual["died"]), runs)
    if runs > 1 and ex.stayed_runs < runs:
        text += f" ({runs - ex.stayed_runs} of the {runs} runs had no departure: no change there.)"
    review = ex.first_review
    if review and review.get("stayed") is not None:
        over = "" if review["runs"] == 1 else f"; medians over the {review['runs']} runs that held one"
        text += (f" Its first budget review (week {review['week']}) saw a return of "
                 f"{review['actual']:.2f} times its target (had the managers stayed: {review['stayed']:.2f}"
                 f"{over}; below 1 a review cuts the budget, and a second miss in a row closes the "
                 "programme or ends the sponsorship).")
    return text


def sentences(ex: Explanation) -> list[str]:
    """Return the explanation in plain sentences: the runs as they were; then, section by
    section (:data:`SECTION_TITLES`: what the scenario changes, what happened in the run, the
    model's defaults), a heading and the section's largest causes (TOP_SENTENCES in all, the
    largest of each section always among them), with "had the managers stayed" (no manager ever
    leaving) first among what happened; then each group neutralised together."""
    runs = len(ex.seeds)
    out = [_intro(ex)]
    told = {id(c) for c in ex.causes[:TOP_SENTENCES]} | {id(found[0]) for _, found in sections(ex)}
    died = int(ex.actual["died"])
    for key, found in sections(ex):
        out.append(SECTION_TITLES[key] + (":" if runs == 1 or key != HAPPENED else " (in the runs):"))
        if key == HAPPENED and (stayed := stayed_sentence(ex)):
            out.append(stayed)
        out += [effect_sentence(clause(c, runs), c["effects"], ex.at_week, died, runs)
                for c in found if id(c) in told]
    out += [s for s in (_together(ex, EVENTS), _together(ex, CONDITIONS_GROUP)) if s]
    if not ex.causes:
        out.append("The run had no adverse event and none of the conditions explain neutralises.")
    return out


def _cell(effect: Mapping[str, Any] | None, decimals: int) -> str:
    if not effect or effect.get("mean") is None or not math.isfinite(effect["mean"]):
        return "n/a"
    text = f"{effect['mean']:+,.{decimals}f}"
    if effect.get("low") is not None:
        text += f" [{effect['low']:+,.{decimals}f}, {effect['high']:+,.{decimals}f}]"
    return text


def _survival_cell(effect: Mapping[str, Any] | None) -> str:
    if not effect:
        return "n/a"
    return f"+{effect.get('better', 0)} / -{effect.get('worse', 0)}"


def _name(cause: Mapping[str, Any], runs: int) -> str:
    if cause["group"] == EVENTS:
        weeks = cause["weeks"]
        nth = ordinal(int(cause["order"]))
        what = {"departure": f"{nth} manager departure", "budget_cut": f"{nth} budget cut",
                "closure": "closure by a budget review",
                "withdrawal": "sponsorship withdrawn"}.get(cause["kind"], cause["kind"])
        if runs == 1 and weeks:
            return f"{what}, week {weeks[0]}"
        if weeks and min(weeks) == max(weeks):
            return f"{what} (week {weeks[0]})"
        return f"{what} (weeks {min(weeks)}-{max(weeks)})" if weeks else what
    return str(cause["label"])


def table_text(ex: Explanation, width: int = 46) -> str:
    """Return the attribution table as plain text: per cause, the runs that had it, and the mean
    effect [95% interval] on active members at the chosen week (members), on 52-week retention
    (points) and on survival (runs saved / lost), grouped into events and conditions."""
    runs = len(ex.seeds)
    header = ["cause", "runs", f"active at week {ex.at_week}", "retention 52w (points)",
              "survival (+saved/-lost)"]
    rows: list[list[str]] = []
    for key, causes in sections(ex):
        rows.append([SECTION_TITLES[key] + ":", "", "", "", ""])
        if key == HAPPENED and ex.managers_stayed:
            e = ex.managers_stayed
            rows.append(["  had the managers stayed (no departure)", f"{ex.stayed_runs}/{runs}",
                         _cell(e.get("active_members"), 0), _cell(e.get("retention_52w"), 1),
                         _survival_cell(e.get("survival"))])
        for c in causes:
            name = _name(c, runs)
            name = name if len(name) <= width else name[: width - 3] + "..."
            e = c["effects"]
            rows.append([f"  {name}", f"{c['runs']}/{runs}", _cell(e.get("active_members"), 0),
                         _cell(e.get("retention_52w"), 1), _survival_cell(e.get("survival"))])
    for group, title in ((EVENTS, "the events" if runs == 1 else "the events of the runs"),
                         (CONDITIONS_GROUP, "the conditions and levers")):
        info = ex.groups.get(group)
        if info and len(info["causes"]) > 1:
            rows.append([f"{title}:", "", "", "", ""])
            for label, key in (("all together", "together"), ("interaction (together - sum)", "interaction")):
                e = info[key]
                rows.append([f"  {label}", "", _cell(e.get("active_members"), 0),
                             _cell(e.get("retention_52w"), 1),
                             _survival_cell(e.get("survival")) if key == "together" else ""])
    measured = [r for r in [header, *rows] if any(r[1:]) or r is header]  # headings may run over
    widths = [max(len(r[i]) for r in measured) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        if not any(cells[1:]) and cells is not header:
            return cells[0]
        return "  ".join([cells[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(cells[1:], widths[1:],
                                                                                   strict=True))])

    rule = "-" * len(line(header))
    notes = ["Effects: the replay with the cause neutralised minus the run as it was, seed by seed "
             "(the same random numbers); + means the cause cost the community that much.",
             ("Values: mean over the runs " + f"[{ex.interval}]." if ex.interval else
              "One run: no interval (give --replicates 2 or more for intervals over seeds)."),
             "Survival: runs in which the community would have survived (+) / died (-) instead.",
             "A departure alone: the manager does not leave that week (and may leave later, at the "
             "usual rate); had the managers stayed: no departure at all, everything else as in the "
             "run (seed, parameters, the budget reviews' rule)."]
    if ex.grouping:
        notes.append(ex.grouping)
    wrapped = [textwrap.fill(n, width=max(len(rule), 80), subsequent_indent="  ") for n in notes]
    return "\n".join([line(header), rule, *(line(r) for r in rows), rule, *wrapped])


def payload(ex: Explanation, metadata: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return the explanation as a JSON-ready dict: settings, sentences, the runs as they were,
    the causes ranked (with their effects), each group together and its interaction, the
    attribution table (one row per group, cause and metric), the first budget review's return
    over its target as it was and had the managers stayed, and ``metadata`` (parameters, seed
    and versions) when given. Units: active members (members), retention_52w and survival
    (percentage points)."""
    return {
        "scenario": ex.scenario, "seeds": ex.seeds, "replicates": len(ex.seeds), "weeks": ex.weeks,
        "at_week": ex.at_week, "runs": ex.runs,
        "metrics": {k: {"unit": unit, "what": what} for k, (unit, what) in METRICS.items()},
        "interval": ex.interval or "none: one run", "grouping": ex.grouping,
        "sentences": sentences(ex), "actual": ex.actual, "causes": ex.causes, "groups": ex.groups,
        "managers_stayed": {"what": STAYED, "runs": ex.stayed_runs, "effects": ex.managers_stayed},
        "first_review": ex.first_review,
        "sections": {key: [c["key"] for c in found] for key, found in sections(ex)},
        "table": ex.table, "settings": ex.settings, "metadata": dict(metadata or {}),
    }


def plot_ghosts(ex: Explanation, replays: Replays, path: Path) -> Path:
    """Draw active members week by week, the runs as they were against the replays with each of
    the GHOSTS largest causes neutralised (dashed "ghost" lines) and with all the events
    neutralised (dotted), means over seeds; save the PNG to ``path`` and return it."""
    top = [c for c in ex.causes[:GHOSTS]]
    keys = [c["key"] for c in top]
    events = ex.groups.get(EVENTS)
    if events and len(events["causes"]) > 1:
        keys.append(ALL_EVENTS)
    lines = ghost_lines(replays, keys)
    fig, ax = plots.new_figure()
    ax.plot(lines["week"], lines["actual"], color="black", linewidth=2.0, label="as it was")
    colours = plots.label_colours([c["key"] for c in top])
    for c in top:
        name = _name(c, len(ex.seeds))
        ax.plot(lines["week"], lines[c["key"]], linestyle="--", color=colours[c["key"]],
                label=f"without: {name}" if len(name) < 60 else f"without: {name[:57]}...")
    runs = len(ex.seeds)
    if ALL_EVENTS in keys:
        which = "its events" if runs == 1 else "their events"
        ax.plot(lines["week"], lines[ALL_EVENTS], linestyle=":", color="grey", linewidth=2.0,
                label=f"without any of {which} (no departure at all, no budget decision)")
    what = "one run" if runs == 1 else f"mean of {runs} runs"
    ax.set_title(f"{ex.scenario}: active members as it was and without each largest cause ({what})")
    ax.set_xlabel("week")
    ax.set_ylabel("active members")
    ax.legend(loc="best", fontsize="small")
    return plots.save_figure(fig, path)


def write_explanation(ex: Explanation, replays: Replays, out_dir: Path,
                      metadata: Mapping[str, Any] | None = None) -> list[Path]:
    """Write an explanation into ``out_dir``; return the paths written (in out_dir).

    ``explain.json`` (:func:`payload`: settings, parameters, seed, versions, sentences, causes,
    table), ``attribution.csv`` (the table), ``effects.csv``/``.parquet`` (every seed's effect
    of every cause on every metric) and ``explain_active.png`` (:func:`plot_ghosts`). All go
    through :func:`simcomm.runs.output_set.staged_output`: all or nothing.
    """
    out_dir = absolute_out(out_dir)
    with staged_output(out_dir, about={"command": "explain", **dict(metadata or {})}) as stage, \
            writing_into(out_dir):
        write_json(stage / "explain.json", payload(ex, metadata))
        ex.table.to_csv(stage / "attribution.csv", index=False)
        ex.effects.to_csv(stage / "effects.csv", index=False)
        ex.effects.to_parquet(stage / "effects.parquet", engine="pyarrow", index=False)
        plot_ghosts(ex, replays, stage / "explain_active.png")
        written = [stage / n for n in EXPLAIN_FILES]
    return [out_dir / p.relative_to(stage) for p in written]

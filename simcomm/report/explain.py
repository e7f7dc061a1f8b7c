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
from simcomm.runs.files import staged_output, write_json, writing_into

ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
            "tenth")
TOP_SENTENCES = 6  # causes given a sentence of their own (the rest are in the table)
GHOSTS = 3  # counterfactual lines drawn beside the actual one


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
        return {"departure": f"had the manager who left in week {week} stayed",
                "budget_cut": f"had the budget review of week {week} not cut the budget",
                "closure": f"had the budget review of week {week} not closed the programme",
                "withdrawal": f"had the sponsor not withdrawn its money in week {week}",
                }.get(kind, f"had the {kind} of week {week} not happened")
    nth = ordinal(int(cause["order"]))
    when = _when(weeks, runs)
    return {"departure": f"had the {nth} manager to leave stayed ({when})",
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
        parts.append(f"survived in {saved} of the {died} runs in which it died")
    if lost:
        parts.append(f"died in {lost} of the {runs - died} runs in which it survived")
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


def _together(ex: Explanation, group: str) -> str | None:
    info = ex.groups.get(group)
    if not info or len(info["causes"]) < 2:
        return None
    what = "the runs' events" if len(ex.seeds) > 1 else "the run's events"
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


def sentences(ex: Explanation) -> list[str]:
    """Return the explanation in plain sentences: the runs as they were, then the TOP_SENTENCES
    largest causes (largest effect on active members first; the largest event always among
    them), then each group neutralised together."""
    runs = len(ex.seeds)
    out = [_intro(ex)]
    told = ex.causes[:TOP_SENTENCES]
    first_event = next((c for c in ex.causes if c["group"] == EVENTS), None)
    if first_event is not None and first_event not in told:  # the largest event is always told
        told.append(first_event)
    for cause in told:
        out.append(effect_sentence(clause(cause, runs), cause["effects"], ex.at_week,
                                   int(ex.actual["died"]), runs))
    out += [s for s in (_together(ex, EVENTS), _together(ex, CONDITIONS_GROUP)) if s]
    if any(c["kind"] == "departure" for c in ex.causes):
        out.append("A manager who stays still faces the usual risk of leaving later; with all the "
                   "events neutralised together, none of the departures happens.")
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
    for group, title in ((EVENTS, "events of the run" if runs == 1 else "events of the runs"),
                         (CONDITIONS_GROUP, "conditions")):
        causes = [c for c in ex.causes if c["group"] == group]
        if not causes:
            continue
        rows.append([title + ":", "", "", "", ""])
        for c in causes:
            name = _name(c, runs)
            name = name if len(name) <= width else name[: width - 3] + "..."
            e = c["effects"]
            rows.append([f"  {name}", f"{c['runs']}/{runs}", _cell(e.get("active_members"), 0),
                         _cell(e.get("retention_52w"), 1), _survival_cell(e.get("survival"))])
        info = ex.groups.get(group)
        if info and len(info["causes"]) > 1:
            for label, key in (("all together", "together"), ("interaction (together - sum)", "interaction")):
                e = info[key]
                rows.append([f"  {label}", "", _cell(e.get("active_members"), 0),
                             _cell(e.get("retention_52w"), 1),
                             _survival_cell(e.get("survival")) if key == "together" else ""])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join([cells[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(cells[1:], widths[1:],
                                                                                   strict=True))])

    rule = "-" * len(line(header))
    notes = ["Effects: the replay with the cause neutralised minus the run as it was, seed by seed "
             "(the same random numbers); + means the cause cost the community that much.",
             ("Values: mean over the runs " + f"[{ex.interval}]." if ex.interval else
              "One run: no interval (give --replicates 2 or more for intervals over seeds)."),
             "Survival: runs in which the community would have survived (+) / died (-) instead."]
    if ex.grouping:
        notes.append(ex.grouping)
    wrapped = [textwrap.fill(n, width=max(len(rule), 80), subsequent_indent="  ") for n in notes]
    return "\n".join([line(header), rule, *(line(r) for r in rows), rule, *wrapped])


def payload(ex: Explanation, metadata: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return the explanation as a JSON-ready dict: settings, sentences, the runs as they were,
    the causes ranked (with their effects), each group together and its interaction, the
    attribution table (one row per group, cause and metric) and ``metadata`` (parameters, seed
    and versions) when given. Units: active members (members), retention_52w and survival
    (percentage points)."""
    return {
        "scenario": ex.scenario, "seeds": ex.seeds, "replicates": len(ex.seeds), "weeks": ex.weeks,
        "at_week": ex.at_week, "runs": ex.runs,
        "metrics": {k: {"unit": unit, "what": what} for k, (unit, what) in METRICS.items()},
        "interval": ex.interval or "none: one run", "grouping": ex.grouping,
        "sentences": sentences(ex), "actual": ex.actual, "causes": ex.causes, "groups": ex.groups,
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
                label=f"without any of {which} (departures, budget decisions)")
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
    through :func:`simcomm.runs.files.staged_output`: all or nothing.
    """
    out_dir = Path(out_dir).expanduser().absolute()
    with staged_output(out_dir) as stage, writing_into(out_dir):
        write_json(stage / "explain.json", payload(ex, metadata))
        ex.table.to_csv(stage / "attribution.csv", index=False)
        ex.effects.to_csv(stage / "effects.csv", index=False)
        ex.effects.to_parquet(stage / "effects.parquet", engine="pyarrow", index=False)
        plot_ghosts(ex, replays, stage / "explain_active.png")
        written = [stage / n for n in ("explain.json", "attribution.csv", "effects.csv",
                                        "effects.parquet", "explain_active.png")]
    return [out_dir / p.relative_to(stage) for p in written]

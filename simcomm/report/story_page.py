"""The story's outputs (``simcomm story``): the timeline figure, the self-contained HTML page and
the files written (:func:`write_story`), from a told :class:`~simcomm.report.story.Story`."""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from simcomm.analysis.phases import MIN_PHASE_WEEKS, PHASE_CHANGE, run_phases
from simcomm.core.metric_registry import HEADLINE, METRIC_BY_NAME, SUMMARY
from simcomm.report.network_gif import figure, gif_bytes
from simcomm.report.story import (
    Story,
    annotated_events,
    differences_note,
    event_line,
    ghost_sentence,
    phase_sentences,
    reproduce_command,
    story_metadata,
    story_payload,
)
from simcomm.report.text import format_value, metric_name


def applicable(params: Mapping[str, Any]) -> tuple[set[str], list[str]]:
    """Return (the parameters a run with ``params`` uses, the others in the table's order): what
    its governance type's rules use (:func:`simcomm.core.model.parameters_used`) and the rule parts
    it sets (a rule part left 'type' is in neither list: it is the type's rule itself); an organic
    community has no manager, so no staff turnover or handover."""
    from simcomm.core.governance import GOVERNANCE
    from simcomm.core.model import parameters_used
    from simcomm.core.rule_parts import PARAMETER_NAMES, rules_of, set_parts

    if str(params.get("governance")) not in GOVERNANCE:
        return set(params), []
    used = set(parameters_used(rules_of(params))) | set(set_parts(params))
    return used, [k for k in params if k not in used and k not in PARAMETER_NAMES]

def _stories(story: Story) -> list[Story]:
    return [story] + ([story.compare] if story.compare is not None else [])


STORY_COLOURS = ("#1f5fa8", "#e6550d")  # the scenario, the one beside it (as on the dashboard)


def timeline_figure(story: Story) -> Figure:
    """Return the timeline: active members of both scenarios, the "manager stayed" ghost
    (dashed), the main scenario's phases shaded and its managers' departures and numbered
    events marked (top); lurking and lapsed members (middle); posts and answers (bottom)."""
    from simcomm.report.plots import STAGE_ALPHA, STAGE_COLOURS

    r = story.result
    ts = r.timeseries
    weeks = ts["week"].to_numpy()
    fig = figure(10.0, 8.2, 110)
    top, middle, bottom = fig.subplots(3, 1, sharex=True, height_ratios=[3.2, 1.6, 1.6])
    shown: list[str] = []
    for stage, a, b in run_phases(r):
        top.axvspan(a - 0.5, b + 0.5, color=STAGE_COLOURS.get(stage, "#eeeeee"), alpha=STAGE_ALPHA,
                    linewidth=0, zorder=0)
        if stage not in shown:
            shown.append(stage)
    peak = 1.0
    for s, colour in zip(_stories(story), STORY_COLOURS, strict=False):
        t = s.result.timeseries
        top.plot(t["week"], t["active_members"], color=colour, linewidth=2.0, label=f"{s.result.scenario}")
        peak = max(peak, float(t["active_members"].max()))
        middle.plot(t["week"], t["lurking_members"], color=colour, linewidth=1.4,
                    label=f"lurking ({s.result.scenario})")
        middle.plot(t["week"], t["lapsed_members"], color=colour, linewidth=1.4, linestyle=":",
                    label=f"lapsed ({s.result.scenario})")
        bottom.plot(t["week"], t["posts"], color=colour, linewidth=1.0, label=f"posts ({s.result.scenario})")
        bottom.plot(t["week"], t["answers"], color=colour, linewidth=1.0, linestyle=":",
                    label=f"answers ({s.result.scenario})")
    if story.ghost is not None:
        g = story.ghost.timeseries
        top.plot(g["week"], g["active_members"], color=STORY_COLOURS[0], linewidth=2.0, linestyle="--",
                 alpha=0.5, label=f"{r.scenario} had the manager stayed")
        peak = max(peak, float(g["active_members"].max()))
    left = [int(w) for w in r.events.loc[r.events["kind"] == "staff_left", "week"]]
    for k, week in enumerate(left):
        top.axvline(week, color=STORY_COLOURS[0], linestyle=(0, (1, 2)), linewidth=1.2, zorder=1,
                    label="a manager left" if k == 0 else None)
    marks = annotated_events(r.events)
    top.set_ylim(0, peak * 1.32)
    for k, (number, week, _kind, _text) in enumerate(marks):
        top.annotate(str(number), (week, peak * (1.27 - 0.07 * (k % 3))), ha="center", va="center",
                     fontsize=8, fontweight="bold",
                     bbox={"boxstyle": "circle,pad=0.25", "facecolor": "white", "edgecolor": "#555555"})
    from matplotlib.patches import Patch

    stage_handles = [Patch(facecolor=STAGE_COLOURS.get(st, "#eeeeee"), alpha=STAGE_ALPHA, label=f"{st}")
                     for st in shown]
    lines, _ = top.get_legend_handles_labels()
    top.legend(handles=[*lines, *stage_handles], loc="upper left", bbox_to_anchor=(1.01, 1.0),
               frameon=False, fontsize=8, title=f"active members / phases of {r.scenario}",
               title_fontsize=8)
    top.set_ylabel("active members")
    partners = r.metadata.get("params", {}).get("partners")
    fig.suptitle(story.scenario.title or r.scenario, fontsize=12)
    beside = f" beside {story.compare.result.scenario}" if story.compare is not None else ""
    top.set_title(f"{r.scenario}{beside}: seed {r.seed}, {partners:,} partners, {r.weeks} weeks; "
                  "numbered: the events listed below", fontsize=9)
    middle.set_ylabel("members")
    middle.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
    bottom.set_ylabel("messages per week")
    bottom.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
    bottom.set_xlabel("week")
    for ax in (top, middle, bottom):
        ax.grid(alpha=0.3)
        ax.set_ylim(bottom=0)
    bottom.set_xlim(min(weeks.min(), 1) - 1.5, weeks.max() + 0.5)  # week 0: the launch event
    return fig


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()



#: The story's table: the run's headline figures and the week it died, in the summary's order.
STORY_ROWS: tuple[str, ...] = tuple(m for m in SUMMARY if m in HEADLINE or m == "died_week")


def _headline_rows(summary: Mapping[str, Any], weeks: int) -> list[tuple[str, str]]:
    return [(metric_name(key, weeks), format_value(summary.get(key), METRIC_BY_NAME[key].unit))
            for key in STORY_ROWS]


TIMELINE_ALT = ("active members per week of both scenarios, with the main scenario had the manager "
                "stayed (dashed), its phases shaded, departures and events marked; lurking and lapsed "
                "members; posts and answers")
NETWORK_ALT = "the partner network of {name} over time, coloured by membership state"
CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 0;
       color: #222; background: #fafafa; line-height: 1.45; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 48px; background: white; }
h1 { font-size: 1.7em; margin: 0 0 4px; } h2 { font-size: 1.2em; margin: 28px 0 8px;
     border-bottom: 1px solid #ddd; padding-bottom: 4px; } h3 { font-size: 1.02em; margin: 10px 0 4px; }
.meta { color: #555; font-size: 0.9em; margin: 0 0 16px; }
blockquote { margin: 12px 0; padding: 8px 16px; border-left: 4px solid #6a3d9a; background: #f4f0f8;
             font-style: italic; } blockquote footer { font-style: normal; color: #555; font-size: 0.85em; }
table { border-collapse: collapse; font-size: 0.92em; } td, th { padding: 3px 12px 3px 0; text-align: left; }
td.v, th.v { text-align: right; font-variant-numeric: tabular-nums; } td.v { font-weight: 600; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
ol.events li.numbered { font-weight: 600; }
ol.events { padding-left: 0; list-style: none; font-size: 0.92em; }
ol.events span.n { display: inline-block; min-width: 1.6em; color: #555; }
.columns { display: flex; gap: 24px; flex-wrap: wrap; align-items: flex-start; }
.columns > div { flex: 1 1 420px; min-width: 0; }
code { background: #f2f2f2; padding: 1px 4px; border-radius: 3px; }
details { margin-top: 8px; } .set { color: #6a3d9a; font-weight: 600; }
.causes li, .differences li, .phases li { margin: 4px 0; } .ghost { background: #eef3fa; padding: 8px 12px; }
.s0 { color: #1f5fa8; } .s1 { color: #e6550d; }
"""


def _events_html(s: Story, numbered: bool) -> str:
    from simcomm.report.reviews import with_caveats

    e = html.escape
    marks = {(week, text): number for number, week, _kind, text in annotated_events(s.result.events)} \
        if numbered else {}
    items = []
    told = with_caveats(s.result.events, s.result.timeseries, int(s.result.params["review_every"]))
    for row, plain in zip(told.itertuples(), s.result.events["text"], strict=True):
        number = marks.get((int(row.week), str(plain)))
        mark = f"<span class='n'>{number}</span>" if number else "<span class='n'></span>"
        cls = " class='numbered'" if number else ""
        items.append(f"<li{cls}>{mark}{e(event_line(row.week, str(row.text)))}</li>")
    return f"<ol class='events'>{''.join(items)}</ol>"


def differences_note_html(sc: str, other: str) -> str:
    """Return :func:`simcomm.report.story.differences_note` as HTML (escaped; the command in
    ``<code>``): what a one-seed split of the difference means, for the story page and the
    dashboard."""
    before, command, after = differences_note(sc, other)
    e = html.escape
    return f"{e(before)}<code>{e(command)}</code>{e(after)}"


def _fate(s: Story) -> str:
    died = s.result.summary.get("died_week")
    return (f"{s.result.scenario} died in week {died}." if died is not None else
            f"{s.result.scenario} was still alive after {s.result.weeks} weeks.")


def story_html(story: Story, timeline_png: bytes, network_gifs: Sequence[bytes] | bytes) -> str:
    """Return the story page: self-contained HTML (images as data URIs, no external reference).

    ``network_gifs``: the network GIF of the scenario, then of the one beside it (if any)."""
    from simcomm.core.version import __version__

    gifs = [network_gifs] if isinstance(network_gifs, bytes) else list(network_gifs)
    r, sc = story.result, story.scenario
    e = html.escape
    told = _stories(story)
    meta = story_metadata(story)
    params = meta.get("params", {})
    names = "".join(f"<th class='v s{i}'>{e(s.result.scenario)}</th>" for i, s in enumerate(told))
    rows = [list(zip(*[_headline_rows(s.result.summary, s.result.weeks) for s in told], strict=True))]
    headline = "".join("<tr><td>" + e(cells[0][0]) + "</td>"
                       + "".join(f"<td class='v'>{e(v)}</td>" for _t, v in cells) + "</tr>"
                       for cells in rows[0])
    set_here = set(sc.overrides) | set(story.overrides)
    used, unused = applicable(params)
    param_rows = "".join(
        f"<tr><td{' class=set' if k in set_here else ''}>{e(k)}</td><td class='v'>{e(str(v))}</td></tr>"
        for k, v in params.items() if k in used)
    if unused:
        governance = e(str(params.get("governance")))
        param_rows += (f"<tr><td colspan='2' class='quiet'>Not used under {governance}'s rules (no "
                       f"mechanism of its week reads them): {e(', '.join(unused))}</td></tr>")
    quote = ""
    if sc.seed_quote:
        from simcomm.runs.essays import ESSAYS_PAGE, essay_reference

        source = e(essay_reference(sc.seed_file))
        quote = (f"<blockquote>&ldquo;{e(sc.seed_quote)}&rdquo;<footer>from {source} (named, with its "
                 f"author, in {ESSAYS_PAGE} of simcomm's repository)</footer></blockquote>")
    fates = " ".join(e(_fate(s)) for s in told)
    ghost = ghost_sentence(story)
    ghost_html = f"<p class='ghost'>{e(ghost)}</p>" if ghost else (
        "<p>No manager left in this run, so there is no &ldquo;manager stayed&rdquo; line.</p>")
    differences = ""
    if story.differences:
        intro, *items = story.differences
        differences = (f"<h2>What makes the two differ</h2>\n<p>{e(intro)}</p>\n<ol class='differences'>"
                       + "".join(f"<li>{e(d)}</li>" for d in items) + "</ol>\n<p>"
                       + differences_note_html(r.scenario, story.compare.result.scenario) + "</p>"
                       ) if story.compare is not None else ""
    causes = ("<ol class='causes'>" + "".join(f"<li>{e(c)}</li>" for c in story.causes) + "</ol>"
              if story.causes else "<p>The run had no adverse event or condition to neutralise.</p>")
    phase_blocks = "".join(
        f"<div><h3 class='s{i}'>{e(s.result.scenario)}</h3><ol class='phases'>"
        + "".join(f"<li>{e(p)}</li>" for p in phase_sentences(s.result)) + "</ol></div>"
        for i, s in enumerate(told))
    event_blocks = "".join(
        f"<div><h3 class='s{i}'>{e(s.result.scenario)}</h3>{_events_html(s, numbered=(i == 0))}</div>"
        for i, s in enumerate(told))
    network_blocks = "".join(
        f"<div><h3 class='s{i}'>{e(s.result.scenario)}</h3><img class='network' src=\"data:image/gif;base64,"
        f"{base64.b64encode(gif).decode('ascii')}\" alt=\"{e(NETWORK_ALT.format(name=s.result.scenario))}\">"
        "</div>" for i, (s, gif) in enumerate(zip(told, gifs, strict=False)))
    from simcomm.runs.files import to_jsonable

    meta_json = json.dumps(to_jsonable(meta), ensure_ascii=False, sort_keys=True).replace("</", "<\\/")
    timeline_uri = "data:image/png;base64," + base64.b64encode(timeline_png).decode("ascii")
    weeks_shown = story.frame_weeks
    frame_note = (f"{len(weeks_shown)} frames, weeks {weeks_shown[0]} to {weeks_shown[-1]}"
                  if weeks_shown else "no frames")
    beside = (f" beside <b class='s1'>{e(story.compare.result.scenario)}</b>"
              f" ({e(story.compare.scenario.governance)})" if story.compare is not None else "")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="simcomm {e(__version__)}">
<title>{e(sc.title or r.scenario)}: a simcomm story</title>
<style>{CSS}</style>
</head>
<body>
<main>
<h1>{e(sc.title or r.scenario)}</h1>
<p class="meta">scenario <b class="s0">{e(r.scenario)}</b> ({e(sc.governance)}){beside} &middot; seed
{r.seed} &middot; {r.weeks} weeks &middot; {params.get('partners', 0):,} partners &middot;
simcomm {e(str(meta.get('simcomm_version')))} &middot; mesa {e(str(meta.get('mesa_version')))}</p>
<p>{e(sc.story)}</p>
{quote}
<h2>What happened</h2>
<p>{fates}</p>
{ghost_html}
<div class="columns">
<div><table><thead><tr><th></th>{names}</tr></thead><tbody>{headline}</tbody></table></div>
<div><p>One run of each scenario on the same seed, week by week: a single seeded story, not an
average. Compare scenarios over many seeds with <code>simcomm compare</code>, and explain them
with <code>simcomm explain</code>.</p></div>
</div>
<h2>Why: the largest causes</h2>
<p>Each cause was neutralised alone, in a replay of {e(r.scenario)} on the same random numbers;
the difference is its doing (one run, so no interval: <code>simcomm explain {e(r.scenario)}</code>
gives intervals over seeds).</p>
{causes}
{differences}
<h2>Timeline</h2>
<img id="timeline" src="{timeline_uri}" alt="{e(TIMELINE_ALT)}">
<h3>Phases</h3>
<p>A phase lasts at least {MIN_PHASE_WEEKS} weeks and is named by what active members did over
it: growth or decline when they rose or fell by more than {PHASE_CHANGE:.0%} a year, maturity
otherwise; inception until the community first reaches critical mass.</p>
<div class="columns">{phase_blocks}</div>
<h3>Events</h3>
<div class="columns">{event_blocks}</div>
<h2>The partner networks</h2>
<div class="columns">{network_blocks}</div>
<p>A sample of {min(story.network_size, int(params.get('partners', 0))):,} partners of
{params.get('partners', 0):,} in each: the launch members, the partners nearest to them among their
acquaintances, and a random draw from the rest of the channel ({e(frame_note)}).
Colour: membership state. Stars: advocates (hollow once burned out). Black ring: a member
leader. Grey lines: acquaintances; blue lines: peer ties formed in the community. Purple squares:
the vendor's manager posts (hollow while the post is empty), with lines to the partners who hold a
relationship with that manager.</p>
<h2>Parameters</h2>
<p>Made with <code>{e(reproduce_command(story))}</code> (simcomm {e(__version__)}).
Parameters of {e(r.scenario)} set by the scenario or on the command line are
<span class="set">coloured</span>.</p>
<details><summary>every parameter of {e(r.scenario)}</summary><table>{param_rows}</table></details>
</main>
<script type="application/json" id="simcomm-metadata">{meta_json}</script>
</body>
</html>
"""


STORY_FILES = ("story.html", "timeline.png", "network.gif", "network-compare.gif", "story.json")  # at most


def write_story(story: Story, out_dir: Path) -> list[Path]:
    """Write the story into ``out_dir``; return the paths written (in out_dir).

    ``story.html`` (self-contained), ``timeline.png``, ``network.gif`` (the scenario),
    ``network-compare.gif`` (the scenario beside it, when there is one) and ``story.json``
    (:func:`story_payload`). Everything is staged and moved into place only when complete
    (:func:`simcomm.runs.output_set.staged_output`: only simcomm's own files in ``out_dir`` are
    replaced); on failure ``out_dir`` is left as it was and OutputError (one line, naming the path
    and the reason) is raised.
    """
    from simcomm.runs.files import absolute_out, to_jsonable, writing_into
    from simcomm.runs.output_set import staged_output

    out_dir = absolute_out(out_dir)
    timeline = _png(timeline_figure(story))
    gifs = [gif_bytes(s.frames) for s in _stories(story)]
    page = story_html(story, timeline, gifs)
    names = ["story.html", "timeline.png", "network.gif"]
    if len(gifs) > 1:
        names.append("network-compare.gif")
    names.append("story.json")
    with staged_output(out_dir, about={"command": "story", **story_metadata(story)}) as stage, \
            writing_into(out_dir):
        (stage / "timeline.png").write_bytes(timeline)
        (stage / "network.gif").write_bytes(gifs[0])
        if len(gifs) > 1:
            (stage / "network-compare.gif").write_bytes(gifs[1])
        (stage / "story.html").write_text(page, encoding="utf-8")
        (stage / "story.json").write_text(json.dumps(to_jsonable(story_payload(story)), indent=2,
                                                     allow_nan=False, ensure_ascii=False) + "\n",
                                          encoding="utf-8")
    return [out_dir / name for name in names]

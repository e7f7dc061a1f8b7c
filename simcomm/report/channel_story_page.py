"""A channel story's page (``simcomm story CHANNEL``): one self-contained HTML file, its figures
and ``story.json`` (:func:`write_channel_story`), from a told
:class:`~simcomm.report.channel_story.ChannelStory`.

The page shows the channel first (plots before tables): its life, each community's lane, the
sizes, one partner's memberships; then the communities' table, whose names open each
community's own view on the same page (its figure, figures, events and parameters: a section
shown when its link is followed, with a way back), then the parameters. It opens from disk with
no server and no network.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

import pandas as pd

from simcomm.report.channel_story import (
    DIED_YOUNG,
    ChannelStory,
    channel_partners,
    channel_story_metadata,
    channel_story_payload,
    community_figure,
    happened_sentences,
    lanes_figure,
    life_figure,
    partner_figure,
    png,
    reproduce_command,
    sizes_figure,
)
from simcomm.report.story import event_line
from simcomm.report.story_page import CSS
from simcomm.report.text import counted

#: The files a channel's story writes (all of them, every time).
CHANNEL_STORY_FILES = ("story.html", "channel-life.png", "communities.png", "sizes.png", "partner.png",
                       "story.json")
CHANNEL_CSS = CSS + """
.community-view { display: none; border: 2px solid #1f5fa8; padding: 4px 16px 12px; margin: 16px 0; }
.community-view:target { display: block; }
.back { font-size: 0.9em; }
td.by-members { color: #2c8c4a; } td.launched { color: #1f5fa8; }
"""


def _uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _cell(value: Any) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else f"{value:,}" \
        if isinstance(value, int) else str(value)


def _community_figures(story: ChannelStory, name: str) -> list[tuple[str, str]]:
    """Return one community's own figures as (label, value) from its weekly table."""
    rows = story.result.communities[story.result.communities["community"] == name]
    row = story.result.roster.set_index("community").loc[name]
    weeks = story.result.weeks
    out = [("governance", str(row["governance"])), ("topic", str(row["topic"]) or "drawn at its launch"),
           ("started by", "its members" if bool(row["by_members"]) else "the channel file (a launch)"),
           ("founded in week", str(int(row["founded_week"]))),
           ("died in week", _cell(row["died_week"]) or f"alive at week {weeks}")]
    if str(row["sponsor"]):
        out.append(("sponsored", f"by {row['sponsor']} from week {_cell(row['sponsored_week'])}"))
    if len(rows):
        peak = rows.loc[rows["active_members"].idxmax()]
        last = rows.iloc[-1]
        out += [("members at the peak (active + lurking)", f"{int(row['peak_members']):,}"),
                ("active members at the peak",
                 f"{int(peak['active_members']):,} in week {int(peak['week'])}"),
                (f"members at its last week (week {int(last['week'])})", f"{int(row['members_at_end']):,}"),
                ("lapsed members, all told", f"{int(last['lapsed_members']):,}"),
                ("posts, all told", f"{int(rows['posts'].sum()):,}"),
                ("answers, all told", f"{int(rows['answers'].sum()):,}"),
                ("peer ties among its members at its last week", f"{int(last['ties']):,}")]
        other = rows["other_memberships"].mean()
        if not pd.isna(other):
            out.append(("its members' other communities (mean over its weeks)", f"{other:.2f}"))
    return out


def _community_view(story: ChannelStory, number: int, name: str) -> str:
    e = html.escape
    figures = "".join(f"<tr><td>{e(k)}</td><td class='v'>{e(v)}</td></tr>"
                      for k, v in _community_figures(story, name))
    events = story.trace.events[story.trace.events["community"] == name]
    items = "".join(f"<li>{e(event_line(int(r.week), str(r.text)))}</li>" for r in events.itertuples())
    params = story.result.metadata.get("params", {}).get(name, {})
    rows = "".join(f"<tr><td>{e(str(k))}</td><td class='v'>{e(str(v))}</td></tr>" for k, v in params.items())
    image = png(community_figure(story, name))
    return f"""<section class="community-view" id="{story.anchor(name)}">
<p class="back"><a href="#communities">&larr; back to the channel</a></p>
<h2>{number}. {e(name)}: its own view</h2>
<img src="{_uri(image)}" alt="{e(name)}: active and lurking members, posts and answers per week">
<div class="columns">
<div><h3>Its figures</h3><table>{figures}</table></div>
<div><h3>Its events (the channel's weeks)</h3><ol class="events">{items or '<li>none</li>'}</ol></div>
</div>
<details><summary>every parameter of {e(name)}</summary><table>{rows}</table></details>
</section>"""


def channel_story_html(story: ChannelStory, images: dict[str, bytes]) -> str:
    """Return the channel's story page: self-contained HTML (images as data URIs, no external
    reference). ``images``: the PNGs by file name (``channel-life.png``, ``communities.png``,
    ``sizes.png``, ``partner.png``)."""
    from simcomm.core.version import __version__

    e = html.escape
    r, plan = story.result, story.plan
    meta = channel_story_metadata(story)
    title = plan.title or plan.name
    quote = ""
    if plan.seed_quote:
        from simcomm.runs.essays import ESSAYS_PAGE, essay_reference

        source = e(essay_reference(plan.seed_file))
        quote = (f"<blockquote>&ldquo;{e(plan.seed_quote)}&rdquo;<footer>from {source}"
                 f" (named, with its author, in {ESSAYS_PAGE} of simcomm's repository)</footer></blockquote>")
    happened = " ".join(e(s) for s in happened_sentences(story))
    table = []
    for k, row in enumerate(r.roster.itertuples(), start=1):
        cls = "by-members" if row.by_members else "launched"
        table.append(f"<tr><td class='v'>{k}</td><td class='{cls}'><a href='#{story.anchor(row.community)}'>"
                     f"{e(str(row.community))}</a></td><td>{e(str(row.governance))}</td>"
                     f"<td>{e(str(row.topic))}</td><td>{'members' if row.by_members else 'launched'}</td>"
                     f"<td class='v'>{row.founded_week}</td><td class='v'>{e(_cell(row.died_week))}</td>"
                     f"<td class='v'>{row.peak_members:,}</td><td class='v'>{row.members_at_end:,}</td></tr>")
    views = "\n".join(_community_view(story, k, name)
                      for k, name in enumerate(r.roster["community"], start=1))
    partner = story.trace.partner
    if partner is None:
        partner_text = "<p>Nobody joined a community in this run, so there is no partner to follow.</p>"
    else:
        spells = story.trace.states.groupby("community", sort=False)["week"].agg(["min", "max", "size"])
        joined = "; ".join(f"{e(str(name))} (weeks {int(s['min'])}-{int(s['max'])}, {int(s['size'])} "
                           "weeks a member)" for name, s in spells.iterrows())
        partner_text = (f"<p>Partner {partner}, chosen as the partner who joined the most communities "
                        f"({story.joined}; the lowest id among partners who joined as many), so the same run "
                        f"always follows the same partner. Each week its hours are split equally across the "
                        f"communities it belongs to. A member of: {joined}.</p>")
    shared = "".join(f"<tr><td>{e(str(k))}</td><td class='v'>{e(str(v))}</td></tr>"
                     for k, v in plan.shared.items())
    from simcomm.runs.files import to_jsonable

    meta_json = json.dumps(to_jsonable(meta), ensure_ascii=False, sort_keys=True).replace("</", "<\\/")
    partners = channel_partners(story)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="simcomm {e(__version__)}">
<title>{e(title)}: a simcomm channel story</title>
<style>{CHANNEL_CSS}</style>
</head>
<body>
<main>
<h1>{e(title)}</h1>
<p class="meta">channel <b>{e(plan.name)}</b> &middot; seed {r.seed} &middot; {r.weeks} weeks &middot;
{partners:,} partners &middot; {counted(len(r.roster), 'community', 'communities')} &middot; simcomm
{e(str(meta.get('simcomm_version')))} &middot; mesa {e(str(meta.get('mesa_version')))}</p>
<p>{e(plan.story)}</p>
{quote}
<h2>What happened</h2>
<p>{happened}</p>
<p>One seeded run of the channel, week by week: a single story, not an average. Compare channels
over many seeds with <code>simcomm compare</code>.</p>
<h2>The channel's life</h2>
<img id="channel-life" src="{_uri(images['channel-life.png'])}" alt="communities alive, founded so far
and dead so far per week; partners in at least one community and memberships per week">
<h2>Each community: born, growing, dying</h2>
<p>One lane per community, numbered as in the table below (whose names open each community's own
view): a dot where it was founded, its members as a band (one scale for every lane), a cross
where it died ({DIED_YOUNG} weeks or less counts as dying young).</p>
<img id="community-lanes" src="{_uri(images['communities.png'])}" alt="one lane per community: its
members over the channel's weeks, from its founding to its death">
<h2>Sizes at week {r.weeks}</h2>
<img id="sizes" src="{_uri(images['sizes.png'])}" alt="each community's members at the horizon beside its
peak">
<h2>One partner's memberships</h2>
{partner_text}
<img id="partner" src="{_uri(images['partner.png'])}" alt="the followed partner's memberships per week,
one lane per community, shaded active or lurking">
<h2 id="communities-table">The communities</h2>
<p id="communities">Click a community's name for its own view (its figure, figures, events and
parameters).</p>
<table><thead><tr><th class='v'>#</th><th>community</th><th>governance</th><th>topic</th><th>started by</th>
<th class='v'>founded</th><th class='v'>died</th><th class='v'>peak</th><th class='v'>at end</th></tr></thead>
<tbody>{''.join(table)}</tbody></table>
{views}
<h2>Parameters</h2>
<p>Made with <code>{e(reproduce_command(story))}</code> (simcomm {e(__version__)}). Every
community's parameters are in its own view and in the metadata embedded in this page.</p>
<details><summary>the channel's shared parameters (the partners' and the peer ties')</summary>
<table>{shared}</table></details>
</main>
<script type="application/json" id="simcomm-metadata">{meta_json}</script>
</body>
</html>
"""


def write_channel_story(story: ChannelStory, out_dir: Path) -> list[Path]:
    """Write the channel's story into ``out_dir``; return the paths written (in out_dir).

    ``story.html`` (self-contained), the four figures as PNGs and ``story.json``
    (:func:`~simcomm.report.channel_story.channel_story_payload`), staged and moved into place
    only when complete (:func:`simcomm.runs.output_set.staged_output`); on failure ``out_dir`` is
    left as it was and OutputError (one line) is raised."""
    from simcomm.runs.files import absolute_out, write_json, writing_into
    from simcomm.runs.output_set import staged_output

    out_dir = absolute_out(out_dir)
    images = {"channel-life.png": png(life_figure(story)), "communities.png": png(lanes_figure(story)),
              "sizes.png": png(sizes_figure(story)), "partner.png": png(partner_figure(story))}
    page = channel_story_html(story, images)
    with staged_output(out_dir, about={"command": "story", **channel_story_metadata(story)}) as stage, \
            writing_into(out_dir):
        for name, data in images.items():
            (stage / name).write_bytes(data)
        (stage / "story.html").write_text(page, encoding="utf-8")
        write_json(stage / "story.json", channel_story_payload(story))
    return [out_dir / name for name in CHANNEL_STORY_FILES]

"""The story of a channel (simcomm.report.channel_story, `simcomm story channel-*`): the figures of
`simcomm run` on the channel, a partner chosen reproducibly and followed exactly, every community's
own view one click away, plots before tables, and what the page records."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from simcomm import __version__
from simcomm.report.channel_story import tell_channel_story
from simcomm.report.channel_story_page import CHANNEL_STORY_FILES, write_channel_story
from simcomm.runs.channel_run import run_channel
from simcomm.runs.channel_story import busiest_partner
from simcomm.ui.cli import main

SMALL = {"partners": 300}


@pytest.fixture(scope="module")
def told():  # type: ignore[no-untyped-def]
    return tell_channel_story("channel-vendor-enters", weeks=40, seed=1, overrides=SMALL)


@pytest.fixture(scope="module")
def page(told, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("channel-story")
    write_channel_story(told, out)
    return out


def test_the_story_is_the_channel_simcomm_run_makes_and_follows_its_busiest_partner(told) -> None:  # type: ignore[no-untyped-def]
    plain = run_channel("channel-vendor-enters", weeks=40, seed=1, overrides=SMALL)
    pd.testing.assert_frame_equal(told.result.channel, plain.channel)
    pd.testing.assert_frame_equal(told.result.roster, plain.roster)
    joined = plain.members.groupby("partner_id")["community"].nunique()
    assert told.joined == joined.max() == 2, "the test needs a partner in both communities"
    assert told.trace.partner == joined[joined == joined.max()].index.min()  # the lowest id among equals
    # followed week by week: the weeks it was a member are those of the members table
    mine = plain.members[plain.members["partner_id"] == told.trace.partner].set_index("community")
    for community, weeks in told.trace.states.groupby("community")["week"]:
        row = mine.loc[community]
        assert weeks.min() == row["join_week"]
        if not pd.isna(row["leave_week"]) and pd.isna(row["rejoin_week"]):
            assert weeks.max() == row["leave_week"] - 1
        elif bool(row["member_at_end"]):
            assert weeks.max() == 40
    assert set(told.trace.states["community"]) == set(mine.index)
    assert set(told.trace.events["kind"]) >= {"launch"}  # every community's own events, channel weeks
    assert told.trace.events.groupby("community")["week"].min().to_dict() == \
        plain.roster.set_index("community")["founded_week"].to_dict()


def test_busiest_partner_takes_the_lowest_id_among_equals() -> None:
    class Run:
        members = pd.DataFrame({"community": ["a", "b", "a", "b", "a"], "partner_id": [9, 9, 4, 4, 2]})

    assert busiest_partner(Run()) == (4, 2)  # type: ignore[arg-type]
    Run.members = Run.members.iloc[:0]
    assert busiest_partner(Run()) == (None, 0)  # type: ignore[arg-type]


def test_each_community_opens_its_own_view_in_one_click_and_plots_come_before_tables(  # type: ignore[no-untyped-def]
        page: Path, told) -> None:
    assert sorted(p.name for p in page.iterdir() if not p.name.startswith(".")) == sorted(CHANNEL_STORY_FILES)
    text = (page / "story.html").read_text(encoding="utf-8")
    names = told.result.roster["community"].tolist()
    for k, name in enumerate(names, start=1):
        link = re.search(rf"<a href='#community-{k}'>([^<]*)</a>", text)
        assert link is not None and link.group(1) == name.replace("'", "&#x27;")
        view = text[text.index(f'id="community-{k}"'):]
        view = view[:view.index("</section>")]
        assert "back to the channel" in view and 'src="data:image/png;base64,' in view
        assert "founded in week" in view and "governance" in view
    assert text.count('class="community-view"') == len(names)
    assert ".community-view:target { display: block; }" in text  # shown when its link is followed
    assert text.index("<img") < text.index("<table")  # plots before tables
    assert not re.search(r"(src|href)=[\"'](https?:|//)", text)  # opens from disk, no network
    assert f"Partner {told.trace.partner}, chosen as the partner who joined the most communities" in text


def test_the_page_records_parameters_seed_and_version(page: Path, told) -> None:  # type: ignore[no-untyped-def]
    text = (page / "story.html").read_text(encoding="utf-8")
    meta = json.loads(re.search(r'id="simcomm-metadata">(.*?)</script>', text, re.S).group(1))
    assert meta["seed"] == 1 and meta["weeks"] == 40 and meta["simcomm_version"] == __version__
    assert meta["overrides"] == SMALL and meta["partner"] == told.trace.partner
    assert set(meta["params"]) == set(told.result.roster["community"])
    assert all(p["partners"] == 300 for p in meta["params"].values())
    assert "simcomm story channel-vendor-enters --seed 1 --weeks 40 --set partners=300" in text
    payload = json.loads((page / "story.json").read_text(encoding="utf-8"))
    assert payload["partner"]["id"] == told.trace.partner and len(payload["weekly"]) == 41


@pytest.mark.once
def test_story_command_on_a_channel_same_seed_same_page(tmp_path: Path) -> None:
    args = ["story", "channel-member-founded", "--weeks", "30", "--seed", "3", "--set", "partners=300"]
    for name in ("a", "b"):
        res = CliRunner().invoke(main, [*args, "--out", str(tmp_path / name)])
        assert res.exit_code == 0, res.output
    assert "communities" in res.output and "following partner" in res.output
    for file in CHANNEL_STORY_FILES:
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes(), file


@pytest.mark.parametrize(("args", "field"), [
    (["story", "channel-vendor-enters", "--compare", "organic"], "--compare"),
    (["story", "channel-vendor-enters", "--causes", "2"], "--causes"),
    (["story", "channel-vendor-enters", "--set", "founders=3"], "--set founders"),
])
def test_channel_story_bad_input_is_one_line_and_exit_2(args: list[str], field: str, tmp_path: Path) -> None:
    res = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "s")])
    assert res.exit_code == 2 and len(res.output.strip().splitlines()) == 1, res.output
    assert field in res.output and "Traceback" not in res.output
    assert not (tmp_path / "s").exists()

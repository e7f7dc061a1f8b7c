"""The story report (simcomm.report.story, `simcomm story`): same figures as `simcomm run`, reproducible,
a self-contained page with an animated network, and outputs that are all or nothing.

The page is opened in a real browser in tests/test_dashboard.py (with the dashboard).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from simcomm import __version__
from simcomm.report.story import annotated_events, tell_story, write_story
from simcomm.runs.files import OutputError
from simcomm.runs.library import load_scenario
from simcomm.runs.sim import run
from simcomm.ui.cli import main

SMALL = {"partners": 300}


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("story")
    write_story(tell_story("staff-churn", weeks=80, seed=4, overrides=SMALL, frames=8), out)
    return out


def test_story_figures_are_those_of_simcomm_run() -> None:
    told = tell_story("budget-axe", weeks=70, seed=2, overrides=SMALL, frames=3)
    plain = run("budget-axe", weeks=70, seed=2, overrides=SMALL)
    assert told.result.summary == plain.summary
    assert told.result.events.equals(plain.events)
    assert told.frame_weeks[0] == 0 and told.frame_weeks[-1] == 70 and len(told.frames) == 4


def test_same_scenario_and_seed_give_the_same_story(tmp_path: Path) -> None:
    for name in ("a", "b"):
        write_story(tell_story("organic", weeks=40, seed=7, overrides=SMALL, frames=4), tmp_path / name)
    for file in ("story.json", "network.gif", "timeline.png", "story.html"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes(), file


def test_gif_is_animated_and_loops(written: Path) -> None:
    with Image.open(written / "network.gif") as gif:
        assert gif.is_animated and gif.n_frames == 9  # week 0 and 8 more
        assert gif.info.get("loop") == 0
        first = gif.convert("RGB").tobytes()
        gif.seek(gif.n_frames - 1)
        assert gif.convert("RGB").tobytes() != first  # the network changes over the weeks


def test_page_is_self_contained_and_records_parameters_seed_and_version(written: Path) -> None:
    page = (written / "story.html").read_text(encoding="utf-8")
    assert "http://" not in page and "https://" not in page
    refs = re.findall(r"""(?:src|href)\s*=\s*["']?([^"' >]+)""", page) + re.findall(r"url\(([^)]*)\)", page)
    assert refs and all(r.startswith("data:") for r in refs), refs
    assert re.search(r'src="data:image/png;base64,', page) and re.search(r'src="data:image/gif;base64,', page)
    sc = load_scenario("staff-churn")
    assert sc.seed_file in page and sc.seed_quote[:40] in page
    assert "simcomm story staff-churn --seed 4 --weeks 80 --set partners=300" in page
    meta = json.loads(re.search(r'<script type="application/json" id="simcomm-metadata">(.*?)</script>',
                                page, re.S).group(1))
    assert meta["seed"] == 4 and meta["params"]["partners"] == 300
    assert meta["simcomm_version"] == __version__ and meta["scenario"] == "staff-churn"
    stored = json.loads((written / "story.json").read_text())
    assert stored["metadata"]["seed"] == 4 and stored["summary"]["peak_active"] >= 0
    for event in stored["events"]:
        assert f"week {event['week']}: " in page


def test_the_timeline_numbers_the_key_events_first() -> None:
    told = tell_story("staff-churn", weeks=120, seed=0, overrides={**SMALL, "staff_turnover_per_year": 6.0},
                      frames=1)
    marks = annotated_events(told.result.events, limit=4)
    assert [m[0] for m in marks] == [1, 2, 3, 4]
    assert [m[1] for m in marks] == sorted(m[1] for m in marks)
    kinds = set(told.result.events["kind"])
    if "staff_left" in kinds:
        assert any(m[2] in ("staff_left", "death", "budget_cut") for m in marks)


def test_story_command_writes_the_page(tmp_path: Path) -> None:
    out = tmp_path / "s"
    res = CliRunner().invoke(main, ["story", "vendor-imposed", "--weeks", "30", "--seed", "1", "--set",
                                    "partners=300", "--frames", "3", "--out", str(out)])
    assert res.exit_code == 0, res.output
    names = sorted(p.name for p in out.iterdir())
    assert names == ["network.gif", "story.html", "story.json", "timeline.png"]
    assert "story.html" in res.output and "no server" in res.output


@pytest.mark.parametrize(("args", "field"), [
    (["story", "nope"], "SCENARIO"),
    (["story", "organic", "--set", "moderation=5"], "moderation"),
    (["story", "organic", "--weeks", "0"], "--weeks"),
])
def test_story_bad_input_is_one_line_and_exit_2(args: list[str], field: str) -> None:
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 2 and len(res.output.strip().splitlines()) == 1, res.output
    assert field in res.output and "Traceback" not in res.output


def test_unwritable_out_is_one_line_before_any_simulation(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = CliRunner().invoke(main, ["story", "organic", "--out", str(blocker / "story")])
    assert res.exit_code == 2 and res.output.startswith("Error: --out: cannot write output to")
    assert len(res.output.strip().splitlines()) == 1 and blocker.read_text() == "x"


def test_a_failure_while_writing_leaves_the_old_story_in_place(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "s"
    out.mkdir()
    (out / "story.html").write_text("the old story")
    (out / "notes.txt").write_text("the trainer's notes")
    told = tell_story("organic", weeks=20, seed=0, overrides=SMALL, frames=2)

    write_text = Path.write_text

    def full_disk(path: Path, *args: object, **kwargs: object) -> int:
        if path.name == "story.json":  # written last, after story.html and the images
            assert (path.parent / "story.html").exists() and path.parent != out
            raise OSError(28, "No space left on device")
        return write_text(path, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full_disk)
    with pytest.raises(OutputError, match=r"cannot write output to .*: No space left on device"):
        write_story(told, out)
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "story.html"]
    assert (out / "story.html").read_text() == "the old story"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left behind

"""The trainer's dashboard (simcomm.ui.app, `simcomm dashboard`): its model, its views, its command,
and the page itself in a real browser (Debian's chromium, driven by playwright).

Without chromium the browser tests are skipped on a developer's machine and fail in CI (CI set).
"""

from __future__ import annotations

import contextlib
import inspect
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from simcomm.core.model import CommunityModel
from simcomm.core.params import make_params
from simcomm.report.story import sample_network
from simcomm.runs.library import load_scenario
from simcomm.runs.sim import run
from simcomm.ui import app
from simcomm.ui.cli import main

SMALL = (("partners", 300),)
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-background-networking"]


# ---- the model the page steps ----------------------------------------------------------------
def test_each_community_is_the_run_of_its_scenario_on_the_shared_seed() -> None:
    pair = app.CommunityPair("staff-churn", "organic", seed="3", fixed_overrides=SMALL)
    for _ in range(40):
        pair.step()
    assert pair.week == 40 and [c.name for c in pair.communities] == ["staff-churn", "organic"]
    for c in pair.communities:
        expected = run(c.name, weeks=40, seed=3, overrides={"partners": 300}).timeseries
        assert c.model.history["active_members"] == expected["active_members"].tolist()
        assert c.model.history["lapsed_members"] == expected["lapsed_members"].tolist()


def test_untouched_sliders_keep_each_scenarios_values_and_moved_ones_set_both() -> None:
    params = app.dashboard_model_params({"scenario": "staff-churn", "compare": "organic", "seed": 0,
                                         "overrides": {"partners": 300}})
    start = app.start_values(params)
    assert start["staff_turnover_per_year"] == pytest.approx(1.33)  # staff-churn's own value
    pair = app.CommunityPair(**start)
    churn, organic = pair.communities
    assert churn.params["staff_turnover_per_year"] == pytest.approx(1.33)  # each keeps its own
    assert organic.params["staff_turnover_per_year"] != pytest.approx(1.33)
    assert churn.params["partners"] == organic.params["partners"] == 300  # --set applies to both
    assert pair.moved == {}
    moved = app.CommunityPair(**{**start, "promo_share": 0.9})
    assert moved.moved == {"promo_share": 0.9}
    assert [c.params["promo_share"] for c in moved.communities] == [0.9, 0.9]
    assert [c.params["staff_turnover_per_year"] for c in moved.communities] == [
        c.params["staff_turnover_per_year"] for c in pair.communities]


def test_model_params_match_the_model_and_name_the_key_parameters() -> None:
    params = app.dashboard_model_params(app.dashboard_settings())
    accepted = set(inspect.signature(app.CommunityPair.__init__).parameters) - {"self"}
    assert set(params) <= accepted
    assert set(app.KEY_PARAMETERS) <= set(params)
    assert "none" in params["compare_with"]["values"]


def test_a_bad_seed_shows_a_problem_and_a_single_community_is_allowed() -> None:
    pair = app.CommunityPair("organic", "none", seed="abc", fixed_overrides=SMALL)
    assert len(pair.communities) == 1 and pair.seed == 0
    assert pair.problems and "seed 'abc'" in pair.problems[0]


def test_views_render_for_one_and_two_communities() -> None:
    import solara

    for other in ("none", "vendor-imposed"):
        pair = app.CommunityPair("organic", other, seed=1, fixed_overrides=SMALL)
        pair.step()
        for view in (app.Overview, app.EventLog, app.NetworkLeft, app.NetworkRight, app.MembersPlot,
                     app.ActivityPlot, app.CommitmentPlot):

            @solara.component
            def Shown(view=view, pair=pair):  # noqa: N802 (a Solara component)
                return view(pair)

            _box, rc = solara.render(Shown(), handle_error=False)
            rc.close()


def test_the_network_sample_is_bounded_and_leaves_the_run_alone() -> None:
    params = make_params({"partners": 3000}, base=load_scenario("vendor-imposed").overrides)
    drawn, plain = CommunityModel(params, seed=5), CommunityModel(params, seed=5)
    sample = sample_network(drawn, 300)
    assert sample.nodes.size == 300 and sample.xy.shape == (300, 2)
    assert np.isin(drawn.people.members(), sample.nodes).all()  # the launch members are in it
    for _ in range(30):
        drawn.step()
        plain.step()
    assert drawn.history["active_members"] == plain.history["active_members"]


def test_event_log_says_how_long_the_managers_post_stayed_empty() -> None:
    params = make_params({"partners": 300, "staff_turnover_per_year": 6.0, "vacancy_weeks": 6.0},
                         base=load_scenario("staff-churn").overrides)
    model = CommunityModel(params, seed=2)
    for _ in range(104):
        model.step()
    left = [w for w, kind, _ in model.events if kind == "staff_left"]
    joined = [(w, text) for w, kind, text in model.events if kind == "staff_joined"]
    assert left and joined
    for week, text in joined:
        match = re.search(r"the post had stayed empty for (\d+) weeks?", text)
        assert match, text
        before = max(w for w in left if w < week)
        assert int(match.group(1)) == week - before
    assert not any("(s)" in text or re.search(r"\b1 weeks\b", text) for _, _, text in model.events)


# ---- the command -------------------------------------------------------------------------------
@pytest.mark.parametrize(("args", "field"), [
    (["dashboard", "nope"], "SCENARIO"),
    (["dashboard", "organic", "--compare", "nope"], "--compare"),
    (["dashboard", "--port", "70000"], "--port"),
    (["dashboard", "--set", "partners=-3"], "partners"),
])
def test_dashboard_bad_input_is_one_line_and_exit_2(args: list[str], field: str) -> None:
    out = CliRunner().invoke(main, args)
    assert out.exit_code == 2, out.output
    lines = out.output.strip().splitlines()
    assert len(lines) == 1 and field in lines[0] and "Traceback" not in out.output


def test_dashboard_refuses_a_busy_port() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        out = CliRunner().invoke(main, ["dashboard", "--port", str(port)])
    assert out.exit_code == 2 and f"--port {port} is already in use" in out.output
    assert "0 for any free one" in out.output


# ---- in the browser ------------------------------------------------------------------------------
def chromium() -> str:
    """Return Debian's chromium; skip without it, except in CI (CI set), where that fails."""
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs it (apt-get install -y chromium)")
        pytest.skip("chromium is not installed (apt-get install -y chromium); CI fails instead")
    return path


def start_dashboard(*args: str) -> tuple[subprocess.Popen[str], str]:
    """Start `simcomm dashboard ARGS --port 0` and return the process and the address it printed."""
    cmd = [sys.executable, "-m", "simcomm.ui.cli", "dashboard", *args, "--port", "0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    assert proc.stdout is not None
    first = proc.stdout.readline()
    match = re.search(r"http://localhost:(\d+)/", first)
    assert match, first
    url, port = match.group(0), int(match.group(1))
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return proc, url
        assert proc.poll() is None, proc.stdout.read()
        time.sleep(0.2)
    raise AssertionError(f"the dashboard did not listen on {url} within 90 s")


def stop(proc: subprocess.Popen[str]) -> None:
    """Stop the dashboard (SIGTERM stops its server too), then anything left in its session."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=15)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def test_dashboard_in_chromium_slider_reset_step_changes_plot_and_event_log(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    executable = chromium()
    started = time.monotonic()
    proc, url = start_dashboard("staff-churn", "--compare", "organic", "--set", "partners=300")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1500, "height": 1300})
            outside = []
            page.on("request", lambda r: outside.append(r.url)
                    if not r.url.startswith(("http://localhost", "data:", "blob:", "ws://localhost"))
                    else None)
            page.goto(url)
            log = page.locator(".simcomm-event-log")
            log.wait_for(timeout=60_000)
            overview = page.locator(".simcomm-overview")
            plot = page.locator(".simcomm-members-plot img")
            plot.wait_for(timeout=30_000)
            assert "week 0: the vendor launched the community" in log.inner_text()

            sliders = page.get_by_role("slider")
            slider = next(sliders.nth(i) for i in range(sliders.count())
                          if "Manager departures" in sliders.nth(i).evaluate(
                              "e => e.closest('.v-input').innerText"))
            slider.focus()
            slider.press("End")  # the highest turnover on the slider
            assert float(slider.get_attribute("aria-valuenow")) == pytest.approx(6.0)
            page.get_by_role("button", name="Reset").click()
            page.wait_for_function(
                "() => document.querySelector('.simcomm-overview').innerText.includes('(moved)')",
                timeout=30_000)
            row = next(line for line in overview.inner_text().splitlines() if "departures" in line)
            assert row.split()[-2:] == ["6", "6"], row  # both communities use the moved value

            before_src, before_png = plot.get_attribute("src"), plot.screenshot()
            before_log = log.inner_text()
            step = page.get_by_role("button", name="Step")
            for week in range(1, 31):
                step.click()
                page.wait_for_function(
                    f"() => document.querySelector('.simcomm-event-log').innerText"
                    f".startsWith('Event log, week {week}')", timeout=30_000)
                if log.inner_text().splitlines()[1:] != before_log.splitlines()[1:]:
                    break
            after_log = log.inner_text()
            page.wait_for_function(f"() => document.querySelector('.simcomm-members-plot img').src "
                                   f"!== {before_src!r}", timeout=30_000)
            assert plot.screenshot() != before_png  # the plot was redrawn with new weeks
            new_lines = set(after_log.splitlines()[1:]) - set(before_log.splitlines()[1:])
            assert any(re.search(r"· week [1-9]\d*: ", line) for line in new_lines), after_log
            shot = tmp_path / "dashboard.png"
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 50_000
            assert outside == [], outside  # nothing fetched from outside this machine
            browser.close()
    finally:
        stop(proc)
    print(f"dashboard browser test: {time.monotonic() - started:.1f} s; screenshot {shot}")


def test_story_page_opens_from_disk_in_chromium_and_its_images_load(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    from simcomm.report.story import tell_story, write_story

    executable = chromium()
    write_story(tell_story("staff-churn", weeks=60, seed=1, overrides={"partners": 300}, frames=6),
                tmp_path / "story")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        page = browser.new_page()
        requested = []
        page.on("request", lambda r: requested.append(r.url))
        page.goto((tmp_path / "story" / "story.html").resolve().as_uri())
        page.wait_for_load_state("load")
        widths = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.complete && i.naturalWidth)")
        assert len(widths) == 2 and all(w and w > 100 for w in widths), widths
        assert not [u for u in requested if u.startswith(("http:", "https:"))], requested
        assert "staff-churn" in page.inner_text(".meta")
        page.screenshot(path=str(tmp_path / "story.png"), full_page=True)
        browser.close()

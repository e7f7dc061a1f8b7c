"""The dashboard on a channel (simcomm.ui.dashboard_channel): the channel `simcomm run` makes, week
by week, its charts, each community's own view in the channel's weeks, what a channel takes from
the page's inputs, and the command's bad input. The page in a browser: tests/test_dashboard.py."""

from __future__ import annotations

import html
import re

import pytest
from click.testing import CliRunner

from simcomm.runs.channel_run import run_channel
from simcomm.ui import app
from simcomm.ui.cli import main
from simcomm.ui.dashboard_channel import ChannelView, channel_views
from simcomm.ui.dashboard_drawing import CHART_W, PAD_L, PAD_R
from simcomm.ui.dashboard_views import views

SMALL = (("partners", 300),)


def _first_x(chart: str, css: str = "actual") -> float:
    points = re.search(rf'<polyline class="{css}" points="([^"]+)"', chart)
    assert points is not None, chart[:300]
    return float(points.group(1).split()[0].split(",")[0])


def test_a_channel_on_the_dashboard_is_the_channel_simcomm_run_makes_and_stops_at_the_horizon() -> None:
    view = app.make_model(scenario_name="channel-vendor-enters", compare_with="organic", seed=1, weeks=30,
                          fixed_overrides=SMALL)
    assert isinstance(view, ChannelView)
    for _ in range(35):
        view.step()
    assert view.week == 30 and not view.running  # five more Steps changed nothing
    plain = run_channel("channel-vendor-enters", weeks=30, seed=1, overrides=dict(SMALL))
    assert [r["communities_alive"] for r in view.channel.rows] == plain.channel["communities_alive"].tolist()
    assert [r["members"] for r in view.channel.rows] == plain.channel["members"].tolist()
    vendor = view.communities[1]  # launched in week 26: its own view is in the channel's weeks
    rows = plain.communities[plain.communities["community"] == vendor.plan.name]
    assert vendor.founded_week == 26
    assert vendor.model.history["active_members"] == rows["active_members"].tolist()
    shown = views(view.opened(1))
    assert shown["status"].startswith("<b>Week 30 of 30 (the horizon)</b>")
    assert html.escape(vendor.plan.name) in shown["status"]
    week = (_first_x(shown["active"]) - PAD_L) / (CHART_W - PAD_R - PAD_L) * 30
    assert week == pytest.approx(27, abs=0.05)  # its first week is the channel's week 27
    assert "week 26: the vendor launched the community" in shown["log"]


def test_the_channel_page_draws_its_charts_and_opens_a_community() -> None:
    import solara

    view = ChannelView("channel-member-founded", seed=2, weeks=40, fixed_overrides=SMALL)
    for _ in range(40):
        view.step()
    assert len(view.communities) >= 2, "the test needs two communities"
    shown = channel_views(view)
    for key in ("alive", "members", "partners", "sizes"):
        assert 'data-week="40"' in shown[key] and "simcomm-chart" in shown[key], key
    assert shown["members"].count('<polyline class="community"') == len(view.communities)
    starts = sorted(_first_x(m.group(0) + '"', "community")
                    for m in re.finditer(r'<polyline class="community" points="[^"]+', shown["members"]))
    founded = sorted(c.founded_week for c in view.communities)
    width = CHART_W - PAD_R - PAD_L
    assert starts == pytest.approx([PAD_L + width * (f + 1) / 40 for f in founded], abs=0.1)
    alive = [c for c in view.communities if c.alive]
    assert shown["sizes"].count('class="bar"') == len(alive)
    import ipyvuetify as v

    tick = solara.reactive(0)
    _box, rc = solara.render(app.ChannelViews(view, tick), handle_error=False)

    def shown_html() -> str:
        return " ".join(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)

    buttons = {b.children[0]: b for b in rc.find(v.Btn).widgets if b.children}
    names = [c.plan.name + ("" if c.alive else " (dead)") for c in view.communities]
    assert list(buttons) == names and "simcomm-alive-chart" in shown_html()
    buttons[names[-1]].click()  # one click: that community's own view
    back = [b for b in rc.find(v.Btn).widgets if "Back to the channel" in b.children]
    assert back and "simcomm-active-chart" in shown_html() and "simcomm-alive-chart" not in shown_html()
    assert html.escape(view.communities[-1].plan.name) in shown_html()
    back[0].click()
    assert "simcomm-alive-chart" in shown_html()
    rc.close()


def test_the_page_offers_channels_on_the_left_and_a_channel_takes_only_its_shared_parameters() -> None:
    params = app.dashboard_model_params({"scenario": "channel-member-founded", "compare": "none", "seed": 0,
                                         "overrides": {"partners": 300}})
    assert "channel-vendor-enters" in params["scenario_name"]["values"]
    assert not [v for v in params["compare_with"]["values"] if v.startswith("channel-")]
    start = app.start_values(params)
    assert start["partners"] == 300
    view = app.make_model(**{**start, "partners": 500, "promo_share": 0.9})
    assert view.plan.shared["partners"] == 500 and view.channel.people.n == 500
    assert view.moved == {"partners": 500, "promo_share": 0.9}
    assert len(view.problems) == 1 and view.problems[0].startswith("Promotional share of content: a channel")
    assert isinstance(app.make_model(**{**start, "scenario_name": "organic"}), app.CommunityPair)


@pytest.mark.parametrize(("args", "field"), [
    (["dashboard", "channel-vendor-enters", "--compare", "organic"], "--compare"),
    (["dashboard", "channel-vendor-enters", "--set", "founders=3"], "--set founders"),
])
def test_dashboard_on_a_channel_bad_input_is_one_line_and_exit_2(args: list[str], field: str) -> None:
    res = CliRunner().invoke(main, [*args, "--port", "0"])
    assert res.exit_code == 2 and len(res.output.strip().splitlines()) == 1, res.output
    assert field in res.output and "Traceback" not in res.output

"""The trainer's dashboard: one or two partner communities, live, and what if the manager had stayed.

Start it with ``simcomm dashboard [SCENARIO] [--compare OTHER] [--seed S] [--weeks W] [--port P]``
(which runs ``solara run simcomm.ui.app``). The page follows Mesa's SolaraViz conventions: a model
class (:class:`~simcomm.ui.dashboard_model.CommunityPair`), ``model_params`` with the inputs and
sliders (drawn by Mesa's ``UserInputs``, applied on Reset) and views that take the model. It lays
itself out rather than through ``SolaraViz``, whose controls have no accessible names (Play and
Pause are "▶" and "❚❚"), whose component grid always shows a "Page 0" tab and whose matplotlib
views cost 0.2 s each every week; the views here are small SVG drawings, updated in place, so a
week of two communities of 2,000 partners is drawn in a few tens of milliseconds.

The model and its inputs are in :mod:`simcomm.ui.dashboard_model`, the views in
:mod:`simcomm.ui.dashboard_views` (drawn by :mod:`simcomm.ui.dashboard_drawing`); this module
is the page: its layout, its controls and the Play loop.
"""

from __future__ import annotations

import threading
import time
import warnings
from typing import Any

import solara

from simcomm.ui.dashboard_channel import ChannelView, OpenedCommunity, channel_views, make_model
from simcomm.ui.dashboard_differences import WhyTheyDiffer
from simcomm.ui.dashboard_drawing import network_legend_html
from simcomm.ui.dashboard_guard import checked_inputs, one_line
from simcomm.ui.dashboard_model import (
    KEY_PARAMETERS,
    CommunityPair,
    dashboard_model_params,
    dashboard_settings,
    start_values,
    user_inputs,
)
from simcomm.ui.dashboard_views import active_chart, views

# Importing Mesa 3.3's page trips solara's rules-of-hooks check on its ComponentsView, which this
# page does not use (Mesa 3.5 fixed it).
warnings.filterwarnings("ignore", message=r".*ComponentsView: `use_state` found despite early return",
                        category=UserWarning)
from mesa.visualization.solara_viz import UserInputs  # noqa: E402

PLAY_SPEED = 8  # weeks per second while playing (the page can change it)

model_params = dashboard_model_params(dashboard_settings())

CSS = """
.simcomm-page { display: flex; align-items: flex-start; font-size: 14px; color: #222; }
.simcomm-sidebar { flex: 0 0 300px; width: 300px; position: sticky; top: 0; height: 100vh;
  overflow-y: auto; padding: 8px 12px 24px; border-right: 1px solid #e0e0e0; background: #fafafa; }
.simcomm-sidebar h2 { font-size: 15px; margin: 10px 0 6px; }
.simcomm-main { flex: 1 1 auto; min-width: 0; padding: 6px 12px 24px; }
.simcomm-title { font-size: 17px; font-weight: 600; margin: 0 0 2px; }
.simcomm-status { font-size: 13px; margin: 0 0 4px; line-height: 1.35; min-height: 36px; }
.simcomm-charts { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 14px; }
.simcomm-chart, .simcomm-network { margin: 0; }
.simcomm-chart figcaption, .simcomm-network figcaption { font-size: 13px; font-weight: 600; }
.simcomm-chart svg { display: block; max-height: 232px; }
.simcomm-chart .legend, .simcomm-network .legend, .simcomm-networks-legend .legend { font-size: 11px;
  color: #444; display: flex; flex-wrap: wrap; gap: 2px 10px; line-height: 1.3; }
.simcomm-chart .legend svg { display: inline-block; vertical-align: middle; margin-right: 3px; }
.simcomm-networks { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; margin-top: 10px; }
.simcomm-below { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; margin-top: 10px; }
.simcomm-event-log ol { list-style: none; padding: 0; margin: 0; max-height: 330px; overflow-y: auto; }
.simcomm-event-log li { padding: 1px 0 1px 6px; margin: 2px 0; font-size: 13px; }
.simcomm-main h3 { font-size: 14px; margin: 4px 0; }
.simcomm-overview table { font-size: 12px; border-spacing: 10px 2px; }
.simcomm-differences { margin-top: 10px; font-size: 13px; }
.simcomm-differences ol { margin: 4px 0; padding-left: 22px; } .simcomm-differences p { margin: 4px 0; }
.quiet { color: #666; font-size: 12px; }
.dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%; margin-right: 3px; }
.simcomm-buttons { display: flex; gap: 6px; flex-wrap: wrap; margin: 4px 0; }
/* Vuetify puts a slider's label left of its track, so a long label left it 0 px: label above */
.simcomm-sidebar .v-input__slider .v-input__slot { flex-wrap: wrap; }
.simcomm-sidebar .v-input__slider .v-input__slot > .v-label { flex: 0 0 100%; max-width: 100%;
  white-space: normal; margin: 0 0 -4px; font-size: 13px; }
.simcomm-sidebar .v-input__slider .v-slider { flex: 1 1 100%; min-width: 160px; }
.simcomm-sidebar > *, .simcomm-sidebar .v-input { flex: 0 0 auto; }
.simcomm-sidebar .v-input { margin-top: 2px; padding-top: 2px; }
"""


def _play(pair: CommunityPair, cancel: threading.Event, tick: solara.Reactive[int],
          stopped: solara.Reactive[bool], speed: float, every: int) -> None:
    """Play: step ``every`` weeks, draw, and wait so that about ``speed`` weeks pass a second,
    until ``cancel`` is set (Pause, Reset) or the run stops (the horizon); return None."""
    period = every / max(speed, 0.1)
    pair.playing = True
    while not cancel.is_set() and pair.running:
        started = time.perf_counter()
        for _ in range(every):
            pair.step()
            if not pair.running:
                break
        tick.value += 1  # redraw (synchronously: the next week waits for this one's drawing)
        rest = period - (time.perf_counter() - started)
        if rest > 0:
            cancel.wait(rest)
    pair.playing = False
    tick.value += 1  # the last drawing says Play has stopped: status and charts at its last week
    if not pair.running and not cancel.is_set():  # not after a Reset: the new run is not stopped
        stopped.value = True


@solara.component
def Controls(pair: solara.Reactive[CommunityPair], inputs: solara.Reactive[dict[str, Any]],
             tick: solara.Reactive[int], ghost: solara.Reactive[bool]) -> None:
    """The sidebar: Reset, Play/Pause and Step (named buttons), the ghost switch, the play speed
    and the model's parameters (Mesa's ``UserInputs``, applied on Reset)."""
    speed = solara.use_reactive(PLAY_SPEED)
    every = solara.use_reactive(1)
    playing = solara.use_reactive(False)
    # Play's thread is still stepping or drawing (after Pause, the week under way): Play and Step
    # wait for it, so the page never shows Play while a week is still to come.
    looping = solara.use_reactive(False)
    stopped = solara.use_reactive(False)  # the run reached its horizon, or every community died
    model = pair.value

    problem = solara.use_reactive("")  # one line: never a traceback in the page

    def play_loop(cancel: threading.Event) -> None:
        if playing.value:
            looping.value = True
            try:
                _play(model, cancel, tick, stopped, float(speed.value), int(every.value))
            except Exception as exc:  # shown as one line
                problem.value = one_line(exc)
            finally:
                looping.value = False
                playing.value = False

    solara.use_thread(play_loop, dependencies=[playing.value, model], intrusive_cancel=False)

    def reset() -> None:
        playing.value = False
        values, problems = checked_inputs(inputs.value, model_params)  # only what the page offers
        try:
            fresh = make_model(**{**start_values(model_params), **values}, ghost=ghost.value)
        except Exception as exc:  # shown as one line
            problem.value = one_line(exc)
            return
        fresh.problems += problems
        problem.value = ""
        pair.value = fresh
        stopped.value = False
        tick.value += 1

    def start_playing() -> None:
        model.playing = True  # the status line says so at once (data-playing), before the first week
        tick.value += 1
        playing.value = True

    def step() -> None:
        try:
            model.step()
        except Exception as exc:  # shown as one line
            problem.value = one_line(exc)
        tick.value += 1
        if not model.running:
            stopped.value = True

    def toggle_ghost(on: bool) -> None:
        ghost.value = on
        try:
            model.show_ghost(on)
        except Exception as exc:  # shown as one line
            problem.value = one_line(exc)
        tick.value += 1

    def change(name: str, value: Any) -> None:
        inputs.value = {**inputs.value, name: value}

    can_run = not stopped.value
    with solara.Column(classes=["simcomm-sidebar"], gap="0px"):
        solara.HTML(tag="h2", unsafe_innerHTML="Run")
        with solara.Row(classes=["simcomm-buttons"], gap="6px"):
            solara.Button("Reset", icon_name="mdi-restore", on_click=reset, color="primary", outlined=True)
            if playing.value:
                solara.Button("Pause", icon_name="mdi-pause", on_click=lambda: playing.set(False),
                              color="primary")
            else:
                solara.Button("Play", icon_name="mdi-play", on_click=start_playing,
                              color="primary", disabled=not can_run or looping.value)
            solara.Button("Step", icon_name="mdi-skip-next", on_click=step, color="primary",
                          disabled=playing.value or looping.value or not can_run)
        if problem.value:
            solara.Error(problem.value)
        solara.Switch(label="What if the manager had stayed? (ghost line)", value=ghost.value,
                      on_value=toggle_ghost)
        solara.SliderInt(f"Play speed: {speed.value} weeks per second", value=speed, min=1, max=20, step=1)
        solara.SliderInt(f"While playing, draw every {every.value} week{'s' if every.value > 1 else ''}",
                         value=every, min=1, max=13, step=1)
        solara.HTML(tag="h2", unsafe_innerHTML="Communities (press Reset to apply)")
        UserInputs(user_inputs(model_params), on_change=change)


@solara.component
def Views(pair: CommunityPair | ChannelView, tick: solara.Reactive[int]) -> None:
    """The main area: the status line and four charts (above the fold at 1280x720), then "Why
    do they differ?" (on demand: :mod:`simcomm.ui.dashboard_differences`), the two networks,
    the event log and the communities' parameters; redrawn every week. A channel has views of
    its own (:func:`ChannelViews`)."""
    if isinstance(pair, ChannelView):
        ChannelViews(pair, tick).key(f"channel-{id(pair)}")  # a new channel (Reset): its own view
        return
    PairViews(pair, tick)


@solara.component
def PairViews(pair: CommunityPair | OpenedCommunity, tick: solara.Reactive[int], back: Any = None) -> None:
    """The single-community page's views of ``pair`` (one or two communities; or one of a
    channel's, with a "Back to the channel" button calling ``back``), redrawn every week."""
    tick.value  # noqa: B018 (re-render every week)
    v = views(pair)
    with solara.Column(classes=["simcomm-main"], gap="0px"):
        solara.HTML(tag="div", unsafe_innerHTML="simcomm: the trainer's dashboard",
                    classes=["simcomm-title"])
        solara.HTML(tag="div", unsafe_innerHTML=v["status"], classes=["simcomm-status"])
        for problem in pair.problems:
            solara.Error(problem)
        if back is not None:
            with solara.Row(classes=["simcomm-buttons", "simcomm-opened"], gap="6px"):
                solara.Button("Back to the channel", icon_name="mdi-arrow-left", on_click=back,
                              color="primary", outlined=True)
        with solara.Div(classes=["simcomm-charts"]):
            for key in ("active", "lapsed", "activity", "commitment"):
                solara.HTML(tag="div", unsafe_innerHTML=v[key])
        if back is None:
            WhyTheyDiffer(pair).key(f"split-{id(pair)}")  # a new pair (Reset): asked afresh
        with solara.Div(classes=["simcomm-networks"]):
            solara.HTML(tag="div", unsafe_innerHTML=v["network0"], classes=["simcomm-network-0"])
            if back is None:
                solara.HTML(tag="div", unsafe_innerHTML=v["network1"], classes=["simcomm-network-1"])
        solara.HTML(tag="div", unsafe_innerHTML=network_legend_html(any(c.model.staff for c in
                                                                        pair.communities)),
                    classes=["simcomm-networks-legend"])
        with solara.Div(classes=["simcomm-below"]):
            solara.HTML(tag="div", unsafe_innerHTML=v["log"], classes=["simcomm-event-log"])
            solara.HTML(tag="div", unsafe_innerHTML=v["overview"], classes=["simcomm-overview"])


@solara.component
def ChannelViews(channel: ChannelView, tick: solara.Reactive[int]) -> None:
    """The main area for a channel: the status line and four charts (communities alive, founded
    and dead; each community's members; partners in at least one; sizes now: above the fold at
    1280x720), one button per community opening its own view (the single-community page's, in
    the channel's weeks, with a way back), the event log and the communities' table."""
    tick.value  # noqa: B018 (re-render every week)
    opened = solara.use_reactive(-1)
    if 0 <= opened.value < len(channel.communities):
        PairViews(channel.opened(opened.value), tick, back=lambda: opened.set(-1))
        return
    v = channel_views(channel)
    with solara.Column(classes=["simcomm-main", "simcomm-channel"], gap="0px"):
        solara.HTML(tag="div", unsafe_innerHTML="simcomm: the trainer's dashboard (a channel)",
                    classes=["simcomm-title"])
        solara.HTML(tag="div", unsafe_innerHTML=v["status"], classes=["simcomm-status"])
        for problem in channel.problems:
            solara.Error(problem)
        with solara.Div(classes=["simcomm-charts"]):
            for key in ("alive", "members", "partners", "sizes"):
                solara.HTML(tag="div", unsafe_innerHTML=v[key])
        solara.HTML(tag="h3", unsafe_innerHTML="Open a community's own view")
        with solara.Row(classes=["simcomm-buttons", "simcomm-open"], gap="6px"):
            for k, c in enumerate(channel.communities):
                dead = "" if c.alive else " (dead)"
                solara.Button(f"{c.plan.name}{dead}", on_click=lambda k=k: opened.set(k), small=True,
                              outlined=True).key(f"open-{k}")
            if not channel.communities:
                solara.HTML(tag="p", unsafe_innerHTML="No community yet: press Step or Play.",
                            classes=["quiet"])
        with solara.Div(classes=["simcomm-below"]):
            solara.HTML(tag="div", unsafe_innerHTML=v["log"], classes=["simcomm-event-log"])
            solara.HTML(tag="div", unsafe_innerHTML=v["roster"], classes=["simcomm-overview"])


@solara.component
def Page() -> None:
    """The dashboard page; each browser tab gets its own pair of communities. An error while
    drawing it is shown as one line (with a button to start again), never as a traceback."""
    failure, clear = solara.use_exception()
    if failure is not None:
        with solara.Column():
            solara.Error(f"The dashboard stopped: {one_line(failure)}")
            solara.Button("Start again", on_click=clear, color="primary")
        return
    Dashboard()


@solara.component
def Dashboard() -> None:
    """The page itself: the sidebar's controls beside the views."""
    first = solara.use_memo(lambda: make_model(**start_values(model_params)), [])
    pair = solara.use_reactive(first)
    inputs = solara.use_reactive({})
    tick = solara.use_reactive(0)
    ghost = solara.use_reactive(False)
    solara.Title("simcomm: the trainer's dashboard")
    solara.Style(CSS)
    with solara.Row(classes=["simcomm-page"], gap="0px"):
        Controls(pair, inputs, tick, ghost)
        Views(pair.value, tick)



__all__ = [
    "KEY_PARAMETERS",
    "PLAY_SPEED",
    "ChannelView",
    "ChannelViews",
    "CommunityPair",
    "Controls",
    "Dashboard",
    "Page",
    "PairViews",
    "Views",
    "active_chart",
    "dashboard_model_params",
    "dashboard_settings",
    "make_model",
    "model_params",
    "start_values",
    "views",
]

"""The dashboard's "Why do they differ?": on demand, the difference between its two communities
taken apart lever by lever, as the story page takes it apart.

Taking a difference apart means running every combination of the levers on which the two
scenarios differ (or a few orders of them), which costs tens of runs: too much for every Reset
of a live page. So it runs only when the trainer asks (the button), for the page's two
scenarios on its seed, horizon and values (the sliders moved, ``--set``): the story page's
:func:`simcomm.report.story.top_differences`, on one seed, every combination up to
:data:`~simcomm.report.story.STORY_EXACT_UP_TO` levers and
:data:`~simcomm.report.story.STORY_ORDERS` orders beyond (a rough split: the section says so).
Its runs go to worker processes at a lower priority (:data:`NICE`) while a thread of the page
waits for them, so Step and Play go on meanwhile; the section shows how many runs are done,
then the difference in active members at the horizon and its three largest contributions in
sentences. A Reset drops the split (its settings may have changed) and stops its runs.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import solara

from simcomm.core.params import make_params
from simcomm.core.scenario import Scenario
from simcomm.report.story import differences_runs, top_differences
from simcomm.report.story_page import differences_note_html
from simcomm.runs.batch import default_workers
from simcomm.runs.workload import Workload
from simcomm.ui.dashboard_guard import one_line
from simcomm.ui.dashboard_model import CommunityPair

CONTRIBUTIONS = 3  # the largest contributions shown, as on the story page
NICE = 10  # how much lower the split's worker processes run than the page's own stepping
BUTTON = "Why do they differ?"


class SplitStoppedError(Exception):
    """Raised in the split's progress callback when the page no longer wants it (a Reset)."""


@dataclass(frozen=True)
class SplitRequest:
    """What a split is for: the page's two scenarios (left ``a``, right ``b``), its seed, its
    horizon (``weeks``) and the values it sets for both (``overrides``); ``runs``: how many
    runs it takes (0: the two do not differ); ``work``: that work in words."""

    a: Scenario
    b: Scenario
    seed: int
    weeks: int
    overrides: Mapping[str, Any] = field(default_factory=dict)
    runs: int = 0
    work: str = ""


def split_request(pair: CommunityPair) -> SplitRequest | None:
    """Return what a split of ``pair``'s two communities would run (None with one community).
    Raises ParameterError (one line) when the page's values are not allowed for a scenario."""
    if len(pair.communities) < 2:
        return None
    a, b = (c.scenario for c in pair.communities[:2])
    overrides = dict(pair.overrides)
    runs = differences_runs(a, b, overrides)
    partners = int(make_params(overrides, base=a.overrides)["partners"])
    work = Workload().add(runs, pair.horizon, partners).describe(split_workers()) if runs else ""
    return SplitRequest(a, b, pair.seed, pair.horizon, overrides, runs, work)


def split_workers() -> int:
    """Return the worker processes a split uses: every usable core, and at least two, so that no
    run of it is made in the page's own process."""
    return max(2, default_workers())


def run_split(request: SplitRequest, on_run: Callable[[int, int], None] | None = None) -> list[str]:
    """Return the split in sentences (:func:`simcomm.report.story.top_differences`: the
    introduction with both communities' active members at the horizon and the difference, then
    the :data:`CONTRIBUTIONS` largest contributions); [] when the two do not differ. ``on_run``
    is called with (runs done, runs in all); an exception it raises stops the runs."""
    return top_differences(request.a, request.b, request.seed, request.weeks, request.overrides,
                           CONTRIBUTIONS, workers=split_workers(), on_run=on_run, nice=NICE)


def split_html(request: SplitRequest | None, state: str, done: int = 0, sentences: list[str] | None = None,
               problem: str = "") -> str:
    """Return the section's text as HTML for a split in ``state``: "idle" (not asked for yet),
    "working" (``done`` of the request's runs finished), "done" (``sentences`` from
    :func:`run_split`) or "failed" (``problem``, one line). The outer element carries the state
    as ``data-state``."""
    e = html.escape
    if state == "failed":
        body = f"<p class='simcomm-split-problem'>{e(problem)}</p>"
    elif request is None:
        body = ("<p class='quiet'>With a second community (choose it under 'Side by side with' and "
                "press Reset), this takes the difference between the two apart, lever by lever.</p>")
        state = "none"
    elif request.runs == 0 or (state == "done" and not sentences):
        body = (f"<p>{e(request.a.name)} and {e(request.b.name)} have the same rules and parameters "
                "here: there is no difference to take apart.</p>")
        state = "done"
    elif state == "working":
        body = (f"<p>Working: <progress max='{request.runs}' value='{done}'></progress> {done} of "
                f"{request.runs} runs ({e(request.work)}, below the page's own priority: Step and Play "
                "carry on meanwhile).</p>")
    elif state == "done":
        intro, *items = sentences or [""]
        body = (f"<p>{e(intro)}</p><ol class='differences'>"
                + "".join(f"<li>{e(s)}</li>" for s in items) + "</ol>"
                f"<p class='quiet'>A rough split, on this seed only. "
                f"{differences_note_html(request.a.name, request.b.name)}</p>")
    else:
        body = (f"<p class='quiet'>What makes {e(request.a.name)} differ from {e(request.b.name)} in "
                f"active members at week {request.weeks}, lever by lever (each rule part on which "
                f"their types differ, each other parameter), on seed {request.seed}{e(_values(request))}, "
                f"as the story page takes it apart: {request.runs} runs in the background "
                f"({e(request.work)}).</p>")
    return f"<div class='simcomm-split' data-state='{state}'>{body}</div>"


def _values(request: SplitRequest) -> str:
    """Return the values the page sets for both communities, as ", with partners=100, ..."."""
    if not request.overrides:
        return ""
    return ", with " + ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                                 for k, v in request.overrides.items())


@solara.component
def WhyTheyDiffer(pair: CommunityPair) -> None:
    """The section "Why do they differ?": a button that takes the difference between the page's
    two communities apart (:func:`run_split`, in a thread waiting for worker processes), how far
    it has got, then the result. Give it the pair's identity as its key, so that a Reset (a new
    pair) starts it afresh and stops the runs under way."""
    asked = solara.use_reactive(False)
    done = solara.use_reactive(0)
    sentences = solara.use_reactive(None)  # list[str] once the split is done
    problem = solara.use_reactive("")

    def make_request() -> tuple[SplitRequest | None, str]:
        try:
            return split_request(pair), ""
        except Exception as exc:  # shown as one line
            return None, one_line(exc)

    request, refused = solara.use_memo(make_request, [pair])

    def work(cancel: threading.Event) -> None:
        if not asked.value or request is None or sentences.value is not None:
            return

        def on_run(finished: int, _total: int) -> None:
            if cancel.is_set():
                raise SplitStoppedError
            done.value = finished

        try:
            out = run_split(request, on_run)
        except SplitStoppedError:
            return
        except Exception as exc:  # shown as one line
            if not cancel.is_set():
                problem.value = one_line(exc)
            return
        if not cancel.is_set():
            sentences.value = out

    solara.use_thread(work, dependencies=[asked.value], intrusive_cancel=False)

    if refused or problem.value:
        state = "failed"
    elif sentences.value is not None:
        state = "done"
    elif asked.value:
        state = "working"
    else:
        state = "idle"
    with solara.Div(classes=["simcomm-differences"]):
        solara.HTML(tag="h3", unsafe_innerHTML="What makes the two differ")
        solara.Button(BUTTON, icon_name="mdi-call-split", color="primary", outlined=True,
                      on_click=lambda: asked.set(True),
                      disabled=request is None or request.runs == 0 or state != "idle")
        solara.HTML(tag="div", unsafe_innerHTML=split_html(request, state, done.value, sentences.value,
                                                           refused or problem.value))

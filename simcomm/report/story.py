"""A training session's story (``simcomm story``): one scenario told beside another.

:func:`tell_story` runs a scenario with :func:`simcomm.runs.sim.run` (so its figures are those of
``simcomm run`` for the same scenario, seed and overrides) and replays the same seed once more
(:func:`simcomm.runs.story.replay`) to draw the partner network every few weeks
(:mod:`simcomm.report.network`, :mod:`simcomm.report.network_gif`); when a manager left, it runs
the "manager stayed" twin (:func:`simcomm.runs.story.manager_stayed`); it explains the run's
largest causes in sentences (:func:`top_causes`: the replays of ``simcomm explain`` on this one
seed); and it tells the scenario to compare with (organic by default) the same way. The weekly
stages of the model flicker, so the story speaks of phases
(:func:`simcomm.analysis.phases.phases`): spells of at least a quarter, named by what active
members did over them. :mod:`simcomm.report.story_page` draws the timeline and writes the page
and its files.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from simcomm.analysis.phases import phases, run_phases
from simcomm.core.scenario import Scenario
from simcomm.report.network import NETWORK_SAMPLE, sample_network
from simcomm.report.network_gif import NetworkDrawer
from simcomm.runs.library import load_scenario
from simcomm.runs.sim import Result, run
from simcomm.runs.story import manager_stayed, replay

# Which events the timeline numbers first when there are too many to annotate them all.
EVENT_PRIORITY: tuple[str, ...] = (
    "death", "funding_withdrawn", "budget_cut", "staff_left", "staff_joined", "council_opened",
    "launch", "leader_emerged", "leader_burnout", "advocate_burnout",
)
MAX_ANNOTATED = 12


# ---- the story --------------------------------------------------------------------------------
@dataclass
class Story:
    """What a story page shows: a run, the scenario it illustrates and its network frames; for
    the main scenario also its "manager stayed" twin, its top causes and the scenario beside it.

    ``result`` is the :class:`~simcomm.runs.sim.Result` of the run; ``frames`` PIL images of the
    network at ``frame_weeks``; ``seconds`` the time taken to tell it. ``ghost``: the run on the
    same seed in which no manager ever leaves (``Counterfactual(keep_all_managers=True)``), when
    a manager left in the run (else None); ``causes``: the explanation's largest causes, one
    sentence each (:func:`top_causes`); ``compare``: the story of the scenario told beside it
    (same seed, weeks and overrides), or None; ``differences``: what makes the two differ, lever
    by lever (:func:`top_differences`: an introduction, then one sentence per lever).
    """

    scenario: Scenario
    result: Result
    overrides: dict[str, Any]
    frames: list[Any] = field(default_factory=list)
    frame_weeks: list[int] = field(default_factory=list)
    network_size: int = NETWORK_SAMPLE
    seconds: float = 0.0
    ghost: Result | None = None
    causes: list[str] = field(default_factory=list)
    compare: Story | None = None
    differences: list[str] = field(default_factory=list)


def event_line(week: int, text: str) -> str:
    """Return an event as the trainer reads it: ``week 41: the community manager left; ...``."""
    return f"week {int(week)}: {text}"


def _tell_one(sc: Scenario, weeks: int, seed: int, overrides: dict[str, Any], frames: int,
              network_size: int) -> Story:
    """Return the Story of one run of ``sc``: its Result and its network frames."""
    result = run(sc, weeks=weeks, seed=seed, overrides=overrides)
    frames = max(1, min(int(frames), result.weeks))
    wanted = {max(1, round(k * result.weeks / frames)) for k in range(1, frames + 1)}
    story = Story(sc, result, overrides, network_size=network_size)
    ts = result.timeseries
    stages = list(ts["stage"]) if "stage" in ts else []
    active = ts["active_members"].tolist()
    drawer: NetworkDrawer | None = None
    for model in replay(sc, result, overrides, wanted):
        if drawer is None:  # week 0: the sample and the figure are made once
            drawer = NetworkDrawer(sample_network(model, network_size), with_staff=bool(model.staff),
                                   staff_posts=len(model.staff))
        stage = f", {phases(stages[:model.week], active[:model.week], died_week=model.died_week)[-1][0]}" \
            if model.week and stages \
            else ", launch"
        story.frames.append(drawer.frame(model, f"{sc.name}: week {model.week}{stage}"))
        story.frame_weeks.append(model.week)
    return story


def top_causes(sc: Scenario, seed: int, weeks: int, overrides: Mapping[str, Any], n: int = 3,
               workers: int | None = None) -> list[str]:
    """Return ``n`` causes of the run's losses, one plain sentence each, the largest of each
    section in turn (the scenario's own levers first, then the run's events, then conditions at
    the model's defaults, said to be defaults: :func:`simcomm.report.explain.ranked_for_a_room`),
    from replays of the one run (seed ``seed``) with each adverse event and
    condition neutralised (:func:`simcomm.runs.counterfactual.replay_runs`,
    :func:`simcomm.analysis.explain.explain`, worded by :mod:`simcomm.report.explain`)."""
    from simcomm.analysis.explain import explain
    from simcomm.report.explain import clause, effect_sentence, ranked_for_a_room
    from simcomm.runs.counterfactual import replay_runs

    replays = replay_runs(sc, [seed], weeks, overrides=dict(overrides), workers=workers)
    ex = explain(replays)
    died = int(ex.actual["died"])
    return [effect_sentence(clause(c, 1), c["effects"], ex.at_week, died, 1)
            for c in ranked_for_a_room(ex, n)]


STORY_EXACT_UP_TO = 4  # levers: up to this many, every combination runs on the story's seed (16 runs)
STORY_ORDERS = 4  # beyond: random orders of the levers (two with their reverses), a rough split


def differences_runs(sc: Scenario, other: Scenario, overrides: Mapping[str, Any]) -> int:
    """Return how many runs :func:`top_differences` makes for ``sc`` against ``other`` (the
    combinations of the levers between them it runs on its one seed; 0 when they do not
    differ). Raises ParameterError for bad ``overrides``."""
    from simcomm.runs.decompose import coalitions_for, levers_between

    levers = len(levers_between(sc, other, dict(overrides)))
    return len(coalitions_for(levers, STORY_ORDERS, STORY_EXACT_UP_TO)[0]) if levers else 0


def top_differences(sc: Scenario, other: Scenario, seed: int, weeks: int, overrides: Mapping[str, Any],
                    n: int = 3, workers: int | None = None,
                    on_run: Callable[[int, int], None] | None = None, nice: int = 0) -> list[str]:
    """Return what makes ``sc`` differ from ``other`` on this one seed, as ``simcomm explain A
    --against B`` takes it apart (Shapley values of the levers on which they differ, in active
    members at the horizon): an introductory sentence (both scenarios' active members and the
    difference between them), then the ``n`` largest contributions, one short sentence each
    (:func:`simcomm.report.decompose.top_contributions`). Every combination of the levers runs
    up to :data:`STORY_EXACT_UP_TO` levers, :data:`STORY_ORDERS` orders beyond (cheap, and
    rough: the page says so). ``on_run`` and ``nice`` as in
    :func:`simcomm.runs.decompose.run_coalitions` (progress; the workers' lower priority).
    [] when the two do not differ."""
    from simcomm.analysis.shapley import decompose
    from simcomm.core.params import ParameterError
    from simcomm.report.decompose import decimals, signed, top_contributions
    from simcomm.runs.decompose import run_coalitions

    try:
        runs = run_coalitions(sc, other, [seed], weeks, dict(overrides), permutations=STORY_ORDERS,
                              exact_up_to=STORY_EXACT_UP_TO, workers=workers, on_run=on_run, nice=nice)
    except ParameterError:  # the two scenarios do not differ
        if not differences_runs(sc, other, overrides):
            return []
        raise
    table = decompose(runs.values, runs.coalitions, [lv.name for lv in runs.levers], runs.orders,
                      ("final_active",))
    rows = table.set_index("role")["mean"]
    how = ("every combination of them ran" if runs.orders is None else
           f"{len(runs.orders)} orders of them ran, so the split is rough")
    total = signed(rows["total"], decimals([rows["total"]], "members"))
    intro = (f"{sc.name} and {other.name} differ in {len(runs.levers)} lever"
             f"{'s' if len(runs.levers) != 1 else ''}; on this seed, active members at week {weeks}: "
             f"{rows['A']:,.0f} in {sc.name} against {rows['B']:,.0f} in {other.name}, a difference of "
             f"{total}. Taken apart ({runs.runs} runs: {how}), largest first:")
    return [intro, *top_contributions(runs, table, "final_active", n)]


def differences_note(sc: str, other: str) -> tuple[str, str, str]:
    """Return what a one-seed split means, as (text before a command, the command, text after):
    the story page and the dashboard show it under the contributions, the command marked up."""
    return ("Shapley values: each lever's effect averaged over the orders in which it could be "
            "switched, so the contributions add up to the difference (one seed, so no interval: ",
            f"simcomm explain {sc} --against {other} -r 20", " gives intervals over seeds).")


def tell_story(scenario: str | Scenario, *, weeks: int = 260, seed: int = 0,
               overrides: Mapping[str, Any] | None = None, frames: int = 40,
               network_size: int = NETWORK_SAMPLE, compare: str | Scenario | None = "organic",
               causes: int = 3, workers: int | None = None, contributions: int = 3) -> Story:
    """Tell ``scenario``'s story beside ``compare``'s; return the :class:`Story`.

    Runs ``scenario`` with :func:`simcomm.runs.sim.run` (the figures of ``simcomm run`` for the
    same arguments) and draws its partner network at week 0 and ``frames`` evenly spaced weeks
    (a replay of the same seed); when a manager left, runs its "manager stayed" twin; explains
    its ``causes`` largest causes (0: none; replays with ``workers`` processes, default all
    cores); and tells ``compare`` (a scenario, or None / "none" / the same scenario: none) the
    same way on the same seed, weeks and ``overrides``, with the ``contributions`` largest
    contributions to the difference between them (:func:`top_differences`; 0: none). Raises
    ParameterError on bad input, like ``run``.
    """
    started = time.perf_counter()
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    other = compare if isinstance(compare, Scenario) or compare in (None, "none") else load_scenario(compare)
    overrides = dict(overrides or {})
    story = _tell_one(sc, weeks, seed, overrides, frames, network_size)
    story.ghost = manager_stayed(sc, story.result, weeks, seed, overrides)
    if causes > 0:
        story.causes = top_causes(sc, seed, story.result.weeks, overrides, causes, workers)
    if isinstance(other, Scenario) and other.name != sc.name:
        story.compare = _tell_one(other, weeks, seed, overrides, frames, network_size)
        if contributions > 0:
            story.differences = top_differences(sc, other, seed, story.result.weeks, overrides, contributions,
                                                workers)
    story.seconds = time.perf_counter() - started
    return story


def annotated_events(events: Any, limit: int = MAX_ANNOTATED) -> list[tuple[int, int, str, str]]:
    """Return the events the timeline numbers: (number, week, kind, text), in week order.

    At most ``limit``, chosen by :data:`EVENT_PRIORITY` (a closure before a burnout), then by week.
    """
    rank = {k: i for i, k in enumerate(EVENT_PRIORITY)}
    rows = [(int(r.week), str(r.kind), str(r.text)) for r in events.itertuples()]
    order = sorted(range(len(rows)), key=lambda i: (rank.get(rows[i][1], len(rank)), rows[i][0], i))
    keep = sorted(order[:limit])
    return [(k + 1, *rows[i]) for k, i in enumerate(keep)]


def phase_sentences(result: Result) -> list[str]:
    """Return the run's phases in words: "growth, weeks 1-51: active members 11 to 244"."""
    active = result.timeseries["active_members"].tolist()
    out = []
    for stage, a, b in run_phases(result):
        start = active[max(a - 2, 0)]
        span = f"week {a}" if a == b else f"weeks {a}-{b}"
        out.append(f"{stage}, {span}: active members {start:,} to {active[b - 1]:,}")
    return out


def ghost_sentence(story: Story) -> str:
    """Return what the "manager stayed" twin did, in one sentence ("" without a twin)."""
    if story.ghost is None:
        return ""
    r, g = story.result, story.ghost
    left = [int(w) for w in r.events.loc[r.events["kind"] == "staff_left", "week"]]
    who = (f"the manager who left in week {left[0]}" if len(left) == 1 else
           f"the managers who left (weeks {', '.join(str(w) for w in left)})")
    actual = int(r.timeseries["active_members"].iloc[-1])
    kept = int(g.timeseries["active_members"].iloc[-1])
    fate = ""
    if r.summary.get("died_week") is not None and g.summary.get("died_week") is None:
        fate = f" and would have been alive instead of dying in week {r.summary['died_week']}"
    elif g.summary.get("died_week") is not None:
        fate = f" and would have died in week {g.summary['died_week']}"
    return (f"Had {who} stayed (no manager ever leaving, on the same random numbers), the community "
            f"would have had {kept:,} active members at week {r.weeks} instead of {actual:,}{fate}.")


def story_metadata(story: Story) -> dict[str, Any]:
    """Return what the story records to be reproduced: scenario, seed, weeks, overrides, every
    parameter, simcomm and mesa versions, the network sample size, the frame weeks and the
    scenario told beside it (None without one)."""
    meta = dict(story.result.metadata)
    meta.update({"scenario_title": story.scenario.title, "network_sample": story.network_size,
                 "frame_weeks": list(story.frame_weeks),
                 "compare": story.compare.result.scenario if story.compare is not None else None})
    return meta


def reproduce_command(story: Story) -> str:
    """Return the ``simcomm story`` command line that makes this story again."""
    from simcomm.runs.library import is_library_file

    r = story.result
    sets = "".join(f" --set {k}={v}" for k, v in story.overrides.items())

    def named(s: Story) -> str:
        path = s.scenario.path
        return path if path and not is_library_file(path) else s.result.scenario

    other = named(story.compare) if story.compare is not None else "none"
    return f"simcomm story {named(story)} --compare {other} --seed {r.seed} --weeks {r.weeks}{sets}"


def story_payload(story: Story) -> dict[str, Any]:
    """Return what ``story.json`` holds: per scenario its summary, events and phases; the
    "manager stayed" twin's summary and weekly active members (None without one); the top
    causes in sentences; and the metadata (parameters, seed, versions)."""
    def one(s: Story) -> dict[str, Any]:
        return {"scenario": s.result.scenario, "title": s.scenario.title, "summary": s.result.summary,
                "events": s.result.events.to_dict(orient="records"),
                "phases": [{"stage": st, "first_week": a, "last_week": b}
                           for st, a, b in run_phases(s.result)]}

    ghost = None
    if story.ghost is not None:
        ghost = {"summary": story.ghost.summary,
                 "active_members": story.ghost.timeseries["active_members"].tolist()}
    return {**one(story), "manager_stayed": ghost, "causes": list(story.causes),
            "differences": list(story.differences),
            "compare": one(story.compare) if story.compare is not None else None,
            "metadata": story_metadata(story)}

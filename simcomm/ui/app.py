"""The trainer's dashboard: a Mesa SolaraViz page with one or two partner communities, live.

Start it with ``simcomm dashboard [SCENARIO] [--compare OTHER] [--seed S] [--port P]`` (which
runs ``solara run simcomm.ui.app``). The page follows Mesa's examples: a model class
(:class:`CommunityPair`), ``model_params`` with the inputs and sliders, and ``components``, the
views that SolaraViz lays out and redraws after every step.

Two scenarios run side by side on the same seed and step together: the left one (solid lines)
and the one to compare with (dashed lines). Each is a :class:`simcomm.core.model.CommunityModel`, the
model ``simcomm run`` uses, so a community at week W is the one ``simcomm run`` reports for the
same scenario, seed and parameters. A slider left where it started keeps each scenario's own
value; a slider that was moved sets that parameter for both communities (on Reset, as in every
Mesa page). The page shows which values each community uses.
"""

from __future__ import annotations

import html
import json
import math
import os
import warnings
from collections.abc import Mapping
from typing import Any

import mesa
import solara
from matplotlib.figure import Figure

from simcomm.core.model import CommunityModel
from simcomm.core.params import SPECS, ParameterError, Params, make_params
from simcomm.core.scenario import Scenario
from simcomm.core.version import __version__
from simcomm.report.story import (
    NETWORK_SAMPLE,
    STATE_COLOURS,
    NetworkSample,
    draw_network,
    event_line,
    sample_network,
)
from simcomm.runs.library import load_scenario, scenario_names

# Mesa 3.3's page (ComponentsView) trips solara's rules-of-hooks check, harmlessly (Mesa 3.5 fixed it).
warnings.filterwarnings("ignore", message=r".*ComponentsView: `use_state` found despite early return",
                        category=UserWarning)
from mesa.visualization import Slider, SolaraViz  # noqa: E402

SETTINGS_VARIABLE = "SIMCOMM_DASHBOARD"  # JSON set by `simcomm dashboard` for this page
NO_COMPARISON = "none"
LINE_STYLES = ("-", "--")
EVENT_LINES = 60  # newest events shown in the log
# The key parameters a trainer moves: slider label, short label, lowest, highest, step (the slider
# range is clipped to the parameter's allowed range and widened to include its starting value).
KEY_PARAMETERS: dict[str, tuple[str, str, float, float, float]] = {
    "partners": ("Partners in the channel", "partners", 100, 20_000, 100),
    "staff_turnover_per_year": ("Manager departures per year", "manager departures/year", 0.0, 6.0, 0.1),
    "handover_quality": ("Handover quality (share of relationships kept)", "handover quality",
                         0.0, 1.0, 0.05),
    "seed_advocates": ("Advocates seeded at launch", "seeded advocates", 0, 50, 1),
    "promo_share": ("Promotional share of content", "promotional share", 0.0, 1.0, 0.05),
    "moderation": ("Moderation (share of spam removed)", "moderation", 0.0, 1.0, 0.05),
    "programmes_per_partner": ("Other programmes per partner", "programmes per partner", 0.0, 30.0, 0.5),
}


def dashboard_settings() -> dict[str, Any]:
    """Return the page's starting point: scenario, comparison, seed and fixed overrides.

    Read from the JSON in the ``SIMCOMM_DASHBOARD`` environment variable (``simcomm dashboard``
    sets it); without it: vendor-imposed beside organic, seed 0, no overrides.
    """
    settings: dict[str, Any] = {"scenario": "vendor-imposed", "compare": "organic", "seed": 0,
                                "overrides": {}}
    raw = os.environ.get(SETTINGS_VARIABLE)
    if raw:
        settings.update(json.loads(raw))
    return settings


class Community:
    """One community on the page: its scenario, parameters, model and network sample.

    ``error`` holds a one-line message when the requested parameters were refused (the
    scenario's own parameters are used instead).
    """

    def __init__(self, scenario: Scenario, overrides: Mapping[str, Any], seed: int,
                 network_size: int) -> None:
        self.scenario = scenario
        self.error = ""
        try:
            self.params: Params = make_params(overrides, base=scenario.overrides)
        except ParameterError as exc:
            self.error = f"{scenario.name}: {exc}; using the scenario's own parameters"
            self.params = make_params(base=scenario.overrides)
        self.model = CommunityModel(self.params, seed=seed)
        self.sample: NetworkSample = sample_network(self.model, network_size)

    @property
    def name(self) -> str:
        """Return the scenario's name."""
        return self.scenario.name


def _parse_seed(seed: Any) -> tuple[int, str]:
    """Return (seed, problem): the seed as an integer, or 0 and a one-line reason."""
    text = str(seed).strip()
    if text.isdigit() and int(text) < 2**63:
        return int(text), ""
    return 0, f"seed '{text}' is not a whole number from 0 to 2^63-1: using seed 0"


class CommunityPair(mesa.Model):
    """The model the dashboard steps: one community, or two on the same seed, week by week.

    Args:
        scenario_name: the left community's scenario (a built-in name or a TOML path).
        compare_with: the right community's scenario, or ``"none"``.
        seed: the seed both communities use (an integer, or its text from the page).
        partners ... programmes_per_partner: slider values; None, or the value in
            ``slider_start``, keeps each scenario's own value.
        fixed_overrides: (name, value) pairs applied to both communities (``--set``).
        slider_start: (name, value) pairs: where each slider started.
        network_size: partners drawn at most in each network.
    """

    def __init__(self, scenario_name: str = "vendor-imposed", compare_with: str = "organic",
                 seed: int | str = 0, partners: int | None = None,
                 staff_turnover_per_year: float | None = None, handover_quality: float | None = None,
                 seed_advocates: int | None = None, promo_share: float | None = None,
                 moderation: float | None = None, programmes_per_partner: float | None = None,
                 fixed_overrides: tuple[tuple[str, Any], ...] = (),
                 slider_start: tuple[tuple[str, Any], ...] = (),
                 network_size: int = NETWORK_SAMPLE) -> None:
        seed_value, seed_problem = _parse_seed(seed)
        super().__init__(rng=seed_value)
        self.seed = seed_value
        self.problems = [seed_problem] if seed_problem else []
        values = {"partners": partners, "staff_turnover_per_year": staff_turnover_per_year,
                  "handover_quality": handover_quality, "seed_advocates": seed_advocates,
                  "promo_share": promo_share, "moderation": moderation,
                  "programmes_per_partner": programmes_per_partner}
        start = dict(slider_start)
        self.moved = {k: v for k, v in values.items()
                      if v is not None and (k not in start or not math.isclose(float(v), float(start[k]),
                                                                               abs_tol=1e-9))}
        self.overrides = {**dict(fixed_overrides), **self.moved}
        names = [scenario_name] + ([compare_with] if compare_with and compare_with != NO_COMPARISON else [])
        self.communities = [Community(load_scenario(n), self.overrides, seed_value, network_size)
                            for n in names]
        self.problems += [c.error for c in self.communities if c.error]

    @property
    def week(self) -> int:
        """Return the weeks simulated so far."""
        return self.communities[0].model.week

    def step(self) -> None:
        """Advance every community one week; stop running once all of them have died."""
        for c in self.communities:
            c.model.step()
        self.running = not all(c.model.closed for c in self.communities)


# ---- views (SolaraViz components: each takes the model and returns what to show) --------------
def _figure(width: float, height: float) -> tuple[Figure, Any]:
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    return fig, fig.add_subplot()


def _series(model: CommunityPair, ax: Any, columns: Mapping[str, str], ylabel: str, title: str) -> None:
    """Draw ``columns`` (history key -> colour) of every community; left solid, right dashed."""
    for c, style in zip(model.communities, LINE_STYLES, strict=False):
        h = c.model.history
        marker = "o" if len(h["week"]) < 5 else None  # a line needs two weeks to show
        for key, colour in columns.items():
            label = key.replace("_members", "").replace("_", " ")
            ax.plot(h["week"], h[key], color=colour, linestyle=style, linewidth=1.6, marker=marker,
                    markersize=3, label=f"{label} ({c.name})")
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("week")
    ax.set_ylabel(ylabel)
    ax.set_xlim(0, max(model.week, 10))
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    if ax.lines:
        ax.legend(loc="upper left", fontsize=7, frameon=False, ncol=len(model.communities))
    else:
        ax.text(0.5, 0.5, "press Step or \u25b6 to run the weeks", transform=ax.transAxes,
                ha="center", va="center", color="#777777")


def _plot(model: CommunityPair, css: str, columns: Mapping[str, str], ylabel: str, title: str,
          ylim: tuple[float, float] | None = None) -> Any:
    fig, ax = _figure(6.4, 3.3)
    _series(model, ax, columns, ylabel, title)
    if ylim is not None:
        ax.set_ylim(*ylim)
    with solara.Column(classes=[css], style={"width": "100%"}) as view:
        solara.FigureMatplotlib(fig, format="png")
    return view


def MembersPlot(model: CommunityPair) -> Any:
    """Return the plot of members by state per week (active, lurking, lapsed)."""
    return _plot(model, "simcomm-members-plot",
                 {k: STATE_COLOURS[k.split("_")[0]] for k in
                  ("active_members", "lurking_members", "lapsed_members")},
                 "members", "Members by state (solid: left, dashed: right)")


def ActivityPlot(model: CommunityPair) -> Any:
    """Return the plot of posts and answers per week."""
    return _plot(model, "simcomm-activity-plot", {"posts": "tab:blue", "answers": "tab:purple"},
                 "messages per week", "Posts and answers")


def CommitmentPlot(model: CommunityPair) -> Any:
    """Return the plot of the members' mean commitment (0-1) per week."""
    return _plot(model, "simcomm-commitment-plot", {"mean_commitment": "black"}, "mean commitment (0-1)",
                 "Mean commitment of members", ylim=(0, 1))


def _network(model: CommunityPair, index: int) -> Any:
    with solara.Column(classes=[f"simcomm-network-{index}"], style={"width": "100%"}) as view:
        if index >= len(model.communities):
            solara.Text("Choose a scenario under 'Side by side with' and press Reset to run a second "
                        "community on the same seed.")
            return view
        c = model.communities[index]
        fig, ax = _figure(6.6, 4.4)
        stage = c.model.history["stage"][-1] if c.model.history["stage"] else "launch"
        side = ("left", "right")[index]
        draw_network(ax, c.model, c.sample, f"{c.name} ({side}): week {c.model.week}, {stage}")
        solara.FigureMatplotlib(fig, format="png")
    return view


def NetworkLeft(model: CommunityPair) -> Any:
    """Return the left community's partner network, drawn by state."""
    return _network(model, 0)


def NetworkRight(model: CommunityPair) -> Any:
    """Return the right community's partner network, or a hint when there is none."""
    return _network(model, 1)


def EventLog(model: CommunityPair) -> Any:
    """Return the event log of both communities, newest first, in plain language."""
    rows = sorted(((week, i, c.name, text) for i, c in enumerate(model.communities)
                   for week, _kind, text in c.model.events), key=lambda r: (-r[0], r[1]))
    with solara.Column(classes=["simcomm-event-log"], gap="2px",
                       style={"max-height": "330px", "overflow-y": "auto", "width": "100%"}) as view:
        solara.Text(f"Event log, week {model.week}", style={"font-weight": "bold"})
        for week, _i, name, text in rows[:EVENT_LINES]:
            solara.Text(f"{name} \u00b7 {event_line(week, text)}", classes=["simcomm-event"],
                        style={"font-size": "0.9em"})
        if len(rows) > EVENT_LINES:
            solara.Text(f"... {len(rows) - EVENT_LINES} earlier events", style={"color": "#777"})
    return view


def Overview(model: CommunityPair) -> Any:
    """Return the communities side by side: week, members now, and the key parameters in use."""
    header = ["", *[f"{c.name} ({('left, solid', 'right, dashed')[i]})" for i, c in
                    enumerate(model.communities)]]
    rows = [["governance", *[c.scenario.governance for c in model.communities]]]
    for c_key, text in (("active_members", "active members now"), ("lurking_members", "lurking"),
                        ("lapsed_members", "lapsed")):
        rows.append([text, *[f"{c.model.history[c_key][-1]:,}" if c.model.history[c_key] else "-"
                             for c in model.communities]])
    rows.append(["died", *[f"week {c.model.died_week}" if c.model.died_week is not None else "no"
                           for c in model.communities]])
    for key, (_slider, label, *_range) in KEY_PARAMETERS.items():
        mark = " (moved)" if key in model.moved else ""
        rows.append([label + mark, *[f"{c.params[key]:g}" for c in model.communities]])
    cells = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>" for row in rows)
    with solara.Column(classes=["simcomm-overview"], style={"width": "100%"}) as view:
        solara.Text(f"Week {model.week} \u00b7 seed {model.seed} \u00b7 simcomm {__version__}, "
                    f"mesa {mesa.__version__}", style={"font-weight": "bold"})
        for problem in model.problems:
            solara.Error(problem)
        solara.HTML(tag="table", unsafe_innerHTML=f"<thead><tr>{cells}</tr></thead><tbody>{body}</tbody>",
                    style={"font-size": "0.85em", "border-spacing": "10px 2px"})
        solara.Text("Sliders start at the left scenario's values: one left untouched keeps each "
                    "scenario's own value; one you move sets it for both (press Reset to apply).",
                    style={"font-size": "0.8em", "color": "#555"})
    return view


# ---- the page -----------------------------------------------------------------------------------
def dashboard_model_params(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Return SolaraViz's ``model_params``: scenario choices, seed, one slider per key parameter
    (starting at the left scenario's values, after ``settings['overrides']``) and fixed values."""
    names = scenario_names()
    first, other = str(settings["scenario"]), str(settings.get("compare") or NO_COMPARISON)
    choices = names + [n for n in (first, other) if n not in names and n != NO_COMPARISON]
    overrides = dict(settings.get("overrides") or {})
    start = make_params(overrides, base=load_scenario(first).overrides)
    specs = {s.name: s for s in SPECS}
    params: dict[str, Any] = {
        "scenario_name": {"type": "Select", "value": first, "values": choices,
                          "label": "Scenario (left, solid lines)"},
        "compare_with": {"type": "Select", "value": other, "values": [NO_COMPARISON, *choices],
                         "label": "Side by side with (right, dashed)"},
        "seed": {"type": "InputText", "value": str(settings.get("seed", 0)),
                 "label": "Seed (both communities)"},
    }
    slider_start = []
    for key, (label, _short, low, high, step) in KEY_PARAMETERS.items():
        spec = specs[key]
        value = start[key]
        low = max(low, spec.low) if spec.low is not None else low
        high = min(high, spec.high) if spec.high is not None else high
        low, high = min(low, value), max(high, value)
        dtype = int if spec.kind is int else float
        params[key] = Slider(label, value=dtype(value), min=dtype(low), max=dtype(high),
                             step=dtype(step), dtype=dtype)
        slider_start.append((key, value))
    params["fixed_overrides"] = tuple(sorted(overrides.items()))
    params["slider_start"] = tuple(slider_start)
    params["network_size"] = NETWORK_SAMPLE
    return params


def start_values(model_params: Mapping[str, Any]) -> dict[str, Any]:
    """Return the keyword arguments of :class:`CommunityPair` that ``model_params`` starts with."""
    out = {}
    for key, value in model_params.items():
        if isinstance(value, Slider):
            out[key] = value.value
        elif isinstance(value, dict) and "type" in value:
            out[key] = value["value"]
        else:
            out[key] = value
    return out


model_params = dashboard_model_params(dashboard_settings())
components = [(Overview, 0), (EventLog, 0), (NetworkLeft, 0), (NetworkRight, 0), (MembersPlot, 0),
              (ActivityPlot, 0), (CommitmentPlot, 0)]


@solara.component
def Page() -> None:
    """The dashboard page; each browser tab gets its own pair of communities."""
    model = solara.use_memo(lambda: CommunityPair(**start_values(model_params)), [])
    SolaraViz(model, components=components, model_params=model_params, play_interval=150,
              name="simcomm: the trainer's dashboard")


__all__ = ["ActivityPlot", "CommitmentPlot", "CommunityPair", "EventLog", "MembersPlot", "NetworkLeft",
           "NetworkRight", "Overview", "Page", "components", "model_params"]

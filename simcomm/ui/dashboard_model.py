"""The dashboard's model (:class:`CommunityPair`): one or two partner communities stepped together,
and what if the manager had stayed; and the page's inputs (``model_params``, Mesa's form).

Two scenarios run side by side on the same seed and step together: the left one (blue) and the
one to compare with (orange). Each is a :class:`simcomm.core.model.CommunityModel`, the model
``simcomm run`` uses, so a community at week W is the one ``simcomm run`` reports for the same
scenario, seed and parameters. The switch "What if the manager had stayed?" runs, beside each
community that has managers, its twin on the same seed in which no manager ever leaves
(``Counterfactual(keep_all_managers=True)``: the same common random numbers, every departure
neutralised), drawn as a dashed ghost line. The run stops at the horizon (``weeks``). A slider
left where it started (within half a step: the slider shows its start on its own grid) keeps
each scenario's own value; a slider that was moved sets that parameter for both communities (on
Reset). The page shows which values each community uses.
"""

from __future__ import annotations

import json
import math
import os
import threading
import warnings
from collections.abc import Mapping
from typing import Any

from simcomm.agents.framework_import import mesa
from simcomm.core.counterfactual import DEPARTURE, Counterfactual
from simcomm.core.model import CommunityModel
from simcomm.core.params import SPECS, ParameterError, Params, make_params
from simcomm.core.scenario import Scenario
from simcomm.report.network import NETWORK_SAMPLE, NetworkSample, sample_network
from simcomm.runs.library import load_scenario, scenario_names
from simcomm.ui.dashboard_drawing import edges_path

# Importing Mesa 3.3's visualization trips solara's rules-of-hooks check on its ComponentsView, which this
# page does not use (Mesa 3.5 fixed it).
warnings.filterwarnings("ignore", message=r".*ComponentsView: `use_state` found despite early return",
                        category=UserWarning)
from mesa.visualization import Slider  # noqa: E402

SETTINGS_VARIABLE = "SIMCOMM_DASHBOARD"  # JSON set by `simcomm dashboard` for this page
NO_COMPARISON = "none"
HORIZON = 260  # weeks a run lasts unless the page or --weeks says otherwise
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
    """Return the page's starting point: scenario, comparison, seed, horizon (weeks) and fixed
    overrides.

    Read from the JSON in the ``SIMCOMM_DASHBOARD`` environment variable (``simcomm dashboard``
    sets it); without it: vendor-imposed beside organic, seed 0, 260 weeks, no overrides.
    """
    settings: dict[str, Any] = {"scenario": "vendor-imposed", "compare": "organic", "seed": 0,
                                "weeks": HORIZON, "overrides": {}}
    raw = os.environ.get(SETTINGS_VARIABLE)
    if raw:
        settings.update(json.loads(raw))
    return settings


def has_managers(model: CommunityModel) -> bool:
    """Return True when the community has vendor managers who can leave (so a ghost differs)."""
    return bool(model.staff) and model.p.staff_turnover_per_year > 0


class Community:
    """One community on the page: its scenario, parameters, model, network sample and, while
    the ghost is shown, its "manager stayed" twin (``ghost``: the same parameters and seed, no
    manager ever leaves; None otherwise).

    ``error`` holds a one-line message when the requested parameters were refused (the
    scenario's own parameters are used instead).
    """

    #: The week before its first week (0 alone; in a channel, the channel week it was founded):
    #: its week t is the page's week start + t.
    start = 0
    label = ""  # its name on the page when not its scenario's (a channel's community)

    def __init__(self, scenario: Scenario, overrides: Mapping[str, Any], seed: int,
                 network_size: int) -> None:
        self.scenario = scenario
        self.seed = seed
        self.error = ""
        try:
            self.params: Params = make_params(overrides, base=scenario.overrides)
        except ParameterError as exc:
            self.error = f"{scenario.name}: {exc}; using the scenario's own parameters"
            self.params = make_params(base=scenario.overrides)
        self.model = CommunityModel(self.params, seed=seed)
        self.ghost: CommunityModel | None = None
        self.sample: NetworkSample = sample_network(self.model, network_size)
        self.acquaintances = edges_path(self.sample)  # drawn the same every week

    @classmethod
    def in_channel(cls, model: CommunityModel, scenario: Scenario, label: str, start: int,
                   network_size: int) -> Community:
        """Return the page's view of a channel's community: its running ``model`` (not a copy),
        named ``label``, founded in channel week ``start``, with a network sample of at most
        ``network_size`` partners."""
        c = cls.__new__(cls)
        c.scenario, c.seed, c.error, c.label, c.start = scenario, model.seed, "", label, start
        c.params, c.model, c.ghost = model.p, model, None
        c.sample = sample_network(model, network_size)
        c.acquaintances = edges_path(c.sample)
        return c

    @property
    def name(self) -> str:
        """Return its name on the page: the scenario's (a channel's community: its own)."""
        return self.label or self.scenario.name

    def departures(self) -> list[int]:
        """Return the page's weeks in which a manager left (week numbers, in order)."""
        return [e.week + self.start for e in self.model.adverse if e.kind == DEPARTURE]

    def start_ghost(self) -> None:
        """Start the "manager stayed" twin (when the community has managers who can leave) and
        bring it to the community's week; return None."""
        if self.ghost is not None or not has_managers(self.model):
            return
        ghost = CommunityModel(self.params, seed=self.seed,
                               counterfactual=Counterfactual(keep_all_managers=True))
        while ghost.week < self.model.week:
            ghost.step()
        self.ghost = ghost


def parse_seed(seed: Any) -> tuple[int, str]:
    """Return (seed, problem): the seed the page sent (text or a number) as an integer, or 0 and
    a one-line reason (the community pair's and the channel's)."""
    text = str(seed).strip()
    if text.isdigit() and int(text) < 2**63:
        return int(text), ""
    return 0, f"seed '{text}' is not a whole number from 0 to 2^63-1: using seed 0"


class CommunityPair(mesa.Model):
    """The model the dashboard steps: one community, or two on the same seed, week by week, up
    to the horizon; and, while the ghost is shown, each one's "manager stayed" twin.

    Args:
        scenario_name: the left community's scenario (a built-in name or a TOML path).
        compare_with: the right community's scenario, or ``"none"``.
        seed: the seed both communities use (an integer, or its text from the page).
        weeks: the horizon: the run stops after this many weeks.
        partners ... programmes_per_partner: slider values; None, or the value in
            ``slider_start``, keeps each scenario's own value.
        fixed_overrides: (name, value) pairs applied to both communities (``--set``).
        slider_start: (name, value) pairs: where each slider started.
        network_size: partners drawn at most in each network.
        ghost: start with the "manager stayed" twins running.
    """

    def __init__(self, scenario_name: str = "vendor-imposed", compare_with: str = "organic",
                 seed: int | str = 0, weeks: int = HORIZON, partners: int | None = None,
                 staff_turnover_per_year: float | None = None, handover_quality: float | None = None,
                 seed_advocates: int | None = None, promo_share: float | None = None,
                 moderation: float | None = None, programmes_per_partner: float | None = None,
                 fixed_overrides: tuple[tuple[str, Any], ...] = (),
                 slider_start: tuple[tuple[str, Any], ...] = (),
                 network_size: int = NETWORK_SAMPLE, ghost: bool = False) -> None:
        seed_value, seed_problem = parse_seed(seed)
        super().__init__(rng=seed_value)
        self.seed = seed_value
        self.horizon = max(1, int(weeks))
        self.lock = threading.Lock()  # Play's thread and the page's buttons step the same model
        self.problems = [seed_problem] if seed_problem else []
        self.playing = False  # Play's thread is stepping (the status line says so: data-playing)
        values = {"partners": partners, "staff_turnover_per_year": staff_turnover_per_year,
                  "handover_quality": handover_quality, "seed_advocates": seed_advocates,
                  "promo_share": promo_share, "moderation": moderation,
                  "programmes_per_partner": programmes_per_partner}
        start = dict(slider_start)
        # A slider shows its starting value on its own grid (1.33 departures a year on a slider
        # of step 0.1 sits at 1.3, and the page sends 1.3): within half a step it has not moved.
        self.moved = {k: v for k, v in values.items()
                      if v is not None and (k not in start or not math.isclose(
                          float(v), float(start[k]), abs_tol=KEY_PARAMETERS[k][4] / 2 + 1e-9))}
        self.overrides = {**dict(fixed_overrides), **self.moved}
        names = [scenario_name] + ([compare_with] if compare_with and compare_with != NO_COMPARISON else [])
        self.communities = [Community(load_scenario(n), self.overrides, seed_value, network_size)
                            for n in names]
        self.problems += [c.error for c in self.communities if c.error]
        self.ghost = False
        if ghost:
            self.show_ghost(True)

    @property
    def week(self) -> int:
        """Return the weeks simulated so far."""
        return self.communities[0].model.week

    @property
    def at_horizon(self) -> bool:
        """Return True once the run has reached its horizon (``weeks``)."""
        return self.week >= self.horizon

    def show_ghost(self, on: bool) -> None:
        """Start (``on``) or drop the "manager stayed" twins; a twin started mid-run is first
        brought to the current week (about 1-3 ms a week at 2,000 partners). Return None."""
        with self.lock:
            self.ghost = bool(on)
            for c in self.communities:
                if on:
                    c.start_ghost()
                else:
                    c.ghost = None

    def step(self) -> None:
        """Advance every community (and its twin) one week, unless the horizon is reached; stop
        running at the horizon or once every community has died."""
        with self.lock:
            if not self.at_horizon:
                for c in self.communities:
                    c.model.step()
                    if c.ghost is not None:
                        c.ghost.step()
            self.running = not self.at_horizon and not all(
                c.model.closed and (c.ghost is None or c.ghost.closed) for c in self.communities)


def dashboard_model_params(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Return the page's ``model_params`` (Mesa's form): scenario choices (on the left, the
    channel scenarios too: :mod:`simcomm.ui.dashboard_channel`), seed, horizon (weeks), one
    slider per key parameter (starting at the left scenario's values, after
    ``settings['overrides']``; a channel's: its shared parameters) and fixed values."""
    from simcomm.runs.channel_run import channel_names, is_channel, load_channel, with_overrides

    names = scenario_names()
    first, other = str(settings["scenario"]), str(settings.get("compare") or NO_COMPARISON)
    channel = is_channel(first)
    choices = names + [n for n in (first, other) if n not in names and n != NO_COMPARISON
                       and not (n == first and channel)]
    channels = channel_names() + ([first] if channel and first not in channel_names() else [])
    overrides = dict(settings.get("overrides") or {})
    # a channel's sliders start at its shared parameters (the partners'); a community's at its own
    start = (make_params(with_overrides(load_channel(first), overrides).shared) if channel
             else make_params(overrides, base=load_scenario(first).overrides))
    specs = {s.name: s for s in SPECS}
    weeks = int(settings.get("weeks") or HORIZON)
    params: dict[str, Any] = {
        "scenario_name": {"type": "Select", "value": first, "values": choices + channels,
                          "label": "Scenario (left, blue)"},
        "compare_with": {"type": "Select", "value": other, "values": [NO_COMPARISON, *choices],
                         "label": "Side by side with (right, orange)"},
        "seed": {"type": "InputText", "value": str(settings.get("seed", 0)),
                 "label": "Seed (both communities)"},
        "weeks": Slider("Weeks to run (the horizon)", value=weeks, min=min(13, weeks),
                        max=max(1040, weeks), step=1, dtype=int),
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


def user_inputs(model_params: Mapping[str, Any]) -> dict[str, Any]:
    """Return the inputs of ``model_params`` a trainer sets (sliders, selects, text), by name."""
    return {k: v for k, v in model_params.items() if isinstance(v, Slider) or (isinstance(v, dict)
                                                                             and "type" in v)}

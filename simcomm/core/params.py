"""Every model parameter in one table, gathered from where each is declared.

The governance rules (:mod:`simcomm.core.governance`, and each of their parts on its own:
:mod:`simcomm.core.rule_parts`) and every room of the model
(:data:`simcomm.core.rooms.ROOMS`: the population, the programme, each weekly mechanism, the
launch) declare their own parameters: name, default, allowed range, unit and source.
:data:`SPECS` is them all, in that order (``simcomm params`` prints it).

``Params`` is the validated, immutable set of values a model runs with. Build it with
:func:`make_params` (defaults plus overrides); a wrong type or out-of-range value raises
:class:`ParameterError` naming the parameter, the value and what is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simcomm.core import governance, rule_parts
from simcomm.core.governance import GOVERNANCE
from simcomm.core.launch import GROWTH_POLICIES
from simcomm.core.parameter import ParameterError, Params, ParamSpec, Value, closest_names, shown_value
from simcomm.core.rooms import ROOMS

__all__ = ["GOVERNANCE_TYPES", "GROWTH_POLICIES", "SPECS", "SPEC_BY_NAME", "ParamSpec", "ParameterError",
           "Params", "Value", "closest_names", "make_params", "parse_assignment"]

GOVERNANCE_TYPES: tuple[str, ...] = tuple(GOVERNANCE)
SPECS: tuple[ParamSpec, ...] = (*governance.PARAMS, *rule_parts.PARAMS,
                                *(spec for room in ROOMS for spec in room.params))
SPEC_BY_NAME: dict[str, ParamSpec] = {s.name: s for s in SPECS}


def parse_assignment(text: str) -> tuple[str, Value]:
    """Return (name, value) from a command-line ``KEY=VALUE``, the value in the parameter's type.

    Raises ParameterError (one line) for a missing '=', an unknown name (with suggestions), or a
    value that is not of the parameter's type or not in its range.
    """
    name, sep, raw = text.partition("=")
    name, raw = name.strip(), raw.strip()
    if not sep or not name:
        raise ParameterError(f"--set '{text}' is not KEY=VALUE (e.g. --set partners=5000)")
    spec = SPEC_BY_NAME.get(name)
    if spec is None:
        near = closest_names(name, list(SPEC_BY_NAME))
        hint = f"; did you mean {', '.join(near)}?" if near else "; see 'simcomm params'"
        raise ParameterError(f"unknown parameter '{name}'{hint}")
    value: Any = raw
    if spec.kind is bool:
        value = {"true": True, "false": False}.get(raw.lower(), raw)
    elif spec.kind in (int, float):
        try:
            value = int(raw) if spec.kind is int and raw.lstrip("+-").isdigit() else float(raw)
        except ValueError:
            value = raw
    return name, spec.validate(value)


DEFAULTS: dict[str, Value] = {s.name: s.default for s in SPECS}
if len(DEFAULTS) != len(SPECS):
    raise RuntimeError("a parameter is declared twice")


def checked_overrides(layer: Any, what: str = "overrides") -> Mapping[str, Any]:
    """Return ``layer`` when it is None (as {}) or a mapping with string keys: what
    :func:`make_params` and :func:`simcomm.run` take as overrides. Raises ParameterError (one
    line naming ``what``) for anything else: a string, a list of pairs, a key that is not text."""
    if layer is None:
        return {}
    if not isinstance(layer, Mapping):
        raise ParameterError(f"{what} = {shown_value(layer)} is not allowed: expected a mapping of "
                             "parameter names to values, e.g. {'partners': 500}")
    for name in layer:
        if not isinstance(name, str):
            raise ParameterError(f"{what}: parameter name {shown_value(name)} is not allowed: expected "
                                 "a parameter's name as a string (see 'simcomm params')")
    return layer


def make_params(overrides: Mapping[str, Any] | None = None,
                base: Mapping[str, Any] | None = None) -> Params:
    """Return validated Params: defaults, then ``base`` (a scenario's), then ``overrides``.

    Raises ParameterError for overrides that are not a mapping of names to values, an unknown
    name (with close suggestions), a wrong type, an out-of-range value (a number too large for a
    float included), or size shares that add up to more than 1.
    """
    values: dict[str, Value] = {s.name: s.default for s in SPECS}
    for layer in (checked_overrides(base, "base"), checked_overrides(overrides)):
        for name, value in layer.items():
            spec = SPEC_BY_NAME.get(name)
            if spec is None:
                near = closest_names(name, list(SPEC_BY_NAME))
                hint = f"; did you mean {', '.join(near)}?" if near else "; see 'simcomm params'"
                raise ParameterError(f"unknown parameter '{name}'{hint}")
            values[name] = spec.validate(value)
    shares = values["share_one_person"] + values["share_msp"] + values["share_reseller"]
    if shares > 1.0 + 1e-9:
        raise ParameterError(
            f"parameters 'share_one_person' + 'share_msp' + 'share_reseller' = {shares:g} "
            "is not allowed: expected a total of at most 1"
        )
    return Params(values, defaults=DEFAULTS)


# ---- plausible ranges of the assumptions (robustness of the claims, simcomm claims) ----------
#: Parameters sourced "assumption" that are not assumptions about behaviour: the size of the
#: experiment (the population) is chosen by whoever runs it; whether the budget review counts an
#: empty post's budget is the vendor's accounting, and how well its review measures the
#: community's influence its measurement, what-ifs a strategist sets (their defaults, what was paid
#: and measured exactly, are the model's); whether a sponsor invites its partners is the
#: strategist's choice (a channel's sponsorship sets it; its default keeps Model 3's sponsor).
NOT_ASSUMPTIONS: tuple[str, ...] = ("partners", "review_counts_vacancy", "review_measurement_error",
                                    "sponsor_recruits")
PLAUSIBLE_FACTOR = 2.0  # an assumption's plausible range: half to twice its default, within its allowed range
#: Where half-to-twice is not plausible (shares near 1, shares that must add up to at most 1,
#: memories close to 1, skills of a competent hire), the range is stated here.
PLAUSIBLE: dict[str, tuple[float, float]] = {
    "share_one_person": (0.45, 0.6), "share_msp": (0.22, 0.3), "share_reseller": (0.08, 0.1),
    "homophily": (0.5, 1.0), "manager_skill": (0.5, 0.9), "leader_threshold": (0.5, 0.9),
    "topic_memory": (0.8, 0.97), "incentive_fade": (0.8, 0.97),
}


def is_assumption(name: str) -> bool:
    """Return True when parameter ``name``'s source is an assumption (not a seed passage or a
    published figure) and it describes behaviour (not the size of the experiment)."""
    spec = SPEC_BY_NAME[name]
    return (spec.kind in (int, float) and "assumption" in spec.source.lower()
            and name not in NOT_ASSUMPTIONS)


def plausible_range(name: str) -> tuple[float, float]:
    """Return the plausible (low, high) of numeric parameter ``name``, in its own unit: the
    :data:`PLAUSIBLE` entry, else half to twice its default, clipped to its allowed range."""
    if name in PLAUSIBLE:
        return PLAUSIBLE[name]
    spec = SPEC_BY_NAME[name]
    value = float(spec.default)
    lo, hi = value / PLAUSIBLE_FACTOR, value * PLAUSIBLE_FACTOR
    if spec.low is not None:
        lo = max(lo, float(spec.low))
    if spec.high is not None:
        hi = min(hi, float(spec.high))
    return lo, hi


ASSUMPTIONS: tuple[str, ...] = tuple(s.name for s in SPECS if is_assumption(s.name))

"""What a parameter is: its declaration (:class:`ParamSpec`) and a validated set of values (:class:`Params`).

Parameters are declared where they are used: the population, the launch, the governance rules and
each weekly mechanism declare their own with :func:`param` (name, default, allowed range, unit,
source). :mod:`simcomm.core.params` gathers them into one table.

A source is a seed essay (``seeds/000`` ... ``seeds/004`` in ``shared/``), a published figure,
or ``assumption: why``; calibrated defaults say what they were calibrated against.
"""

from __future__ import annotations

import difflib
import functools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

ASSUMPTION = "assumption: "
CALIBRATED = "calibrated (docs/validation.md): "
CAL_TEXT = ("searched jointly with the other calibrated defaults (experiments/calibrate.py: Latin "
            "hypercubes scored on seeds from 100 and confirmed on seeds from 300)")

Value = int | float | str | bool


class ParameterError(ValueError):
    """A parameter value (or name) that the model does not accept; the message is one line."""


@dataclass(frozen=True)
class ParamSpec:
    """The definition of one parameter: type, default, allowed values, unit, source."""

    name: str
    default: Value
    kind: type
    unit: str
    source: str
    doc: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None

    def allowed(self) -> str:
        """Return the allowed values as text, e.g. ``a number in [0, 1]``."""
        if self.choices is not None:
            return "one of " + ", ".join(self.choices)
        if self.kind is bool:
            return "true or false"
        what = "an integer" if self.kind is int else "a number"
        return f"{what} in [{_fmt(self.low)}, {_fmt(self.high)}]"

    def validate(self, value: Any) -> Value:
        """Return ``value`` converted to this parameter's type, or raise ParameterError (one line;
        also for a number too large for a float, e.g. 10**400)."""
        bad = f"parameter '{self.name}' = {shown_value(value)} is not allowed: expected {self.allowed()}"
        if self.kind is bool:
            if isinstance(value, bool):
                return value
            raise ParameterError(bad)
        if self.kind is str:
            if isinstance(value, str) and self.choices is not None and value in self.choices:
                return value
            raise ParameterError(bad)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ParameterError(bad)
        if self.kind is int:
            if isinstance(value, float):
                if not value.is_integer():
                    raise ParameterError(bad)
                value = int(value)
        else:
            try:
                value = float(value)
            except OverflowError:
                raise ParameterError(bad) from None
        if isinstance(value, float) and not math.isfinite(value):
            raise ParameterError(bad)
        if self.low is not None and value < self.low:
            raise ParameterError(bad)
        if self.high is not None and value > self.high:
            raise ParameterError(bad)
        return value


def shown_value(value: Any) -> str:
    """Return ``repr(value)`` for a one-line message, shortened when it is long (an integer of 400
    digits: its first digits and its length)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**60:
        digits = int(abs(value).bit_length() * math.log10(2)) + 1  # str() refuses 4,300 digits
        return f"an integer of about {digits:,} digits"
    text = repr(value)
    return text if len(text) <= 200 else f"{text[:80]}... ({len(text):,} characters)"


def _fmt(x: float | None) -> str:
    """Return a bound as text ("any" when there is none)."""
    if x is None:
        return "any"
    return f"{x:g}"


def param(name: str, default: Value, low: float | None, high: float | None, unit: str,
          source: str, doc: str, choices: tuple[str, ...] | None = None) -> ParamSpec:
    """Return the declaration of one parameter; its type is the type of ``default``."""
    kind: type = type(default)
    return ParamSpec(name, default, kind, unit, source, doc, low, high, choices)


def closest_names(name: str, candidates: list[str] | tuple[str, ...], n: int = 3) -> list[str]:
    """Return up to ``n`` candidate names closest in spelling to ``name`` (may be empty)."""
    return difflib.get_close_matches(name, list(candidates), n=n, cutoff=0.5)


@functools.cache
def _class_names(cls: type) -> frozenset[str]:
    """Return the attribute names a class defines (with its bases): no parameter shadows them."""
    return frozenset(dir(cls))


class Params(Mapping[str, Value]):
    """Validated, immutable parameter values; read them as attributes (``p.partners``).

    Each value is also stored as a plain instance attribute, so reading ``p.partners`` (some
    20,000 times in a default run) is an ordinary attribute look-up, not a call of
    ``__getattr__``. A name that the class itself defines (a method of the mapping) stays the
    method; its value is read with ``p[name]``.
    """

    def __init__(self, values: Mapping[str, Value], defaults: Mapping[str, Value] | None = None) -> None:
        attrs = self.__dict__
        attrs["_values"] = dict(values)
        attrs["_defaults"] = dict(defaults or {})
        reserved = _class_names(type(self))
        attrs.update((k, v) for k, v in attrs["_values"].items() if k not in reserved)

    def __reduce__(self) -> tuple[type, tuple[dict[str, Value], dict[str, Value]]]:
        return (Params, (self._values, self._defaults))  # picklable for worker processes

    def __getattr__(self, name: str) -> Any:
        """Called only for a name that is not an attribute: raise AttributeError (every
        parameter is one already, unless the class defines the name)."""
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self.__dict__["_values"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Params are immutable; use make_params(..., overrides)")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Params are immutable; use make_params(..., overrides)")

    def __getitem__(self, name: str) -> Value:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        changed = {k: v for k, v in self._values.items() if self._defaults.get(k, not v) != v}
        return f"Params({changed})"

    def to_dict(self) -> dict[str, Value]:
        """Return every parameter value as a plain dict (JSON-serialisable)."""
        return dict(self._values)

"""simcomm: agent-based simulation of partner and customer communities (Mesa 3).

``simcomm.run(scenario, weeks=260, seed=0, overrides=None)`` runs one scenario and returns a
:class:`Result` with weekly series, one row per member, and a headline summary;
``simcomm.run_channel(channel, weeks=260, seed=0)`` runs a channel of several communities over
one population and returns a :class:`ChannelResult` (per-community and channel weekly tables).

The package is built in floors, imports running one way only (checked by import-linter):
``ui`` -> ``report`` -> ``analysis`` -> ``runs`` -> ``core`` (see docs/architecture.md).

The public names are imported on first use (PEP 562), so that ``import simcomm`` (which every
``simcomm`` command does first) is instant and a Ctrl-C in the first second reaches the command
line's handler instead of interrupting the import of numpy, pandas and Mesa.
"""

import importlib as _importlib

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (type checkers assume True)
if TYPE_CHECKING:  # for type checkers and editors; at run time see __getattr__
    from simcomm.core.model import CommunityModel
    from simcomm.core.params import ParameterError, Params, make_params
    from simcomm.core.scenario import Scenario
    from simcomm.core.version import __version__
    from simcomm.runs.channel_run import ChannelResult, channel_names, run_channel
    from simcomm.runs.library import load_scenario, scenario_names
    from simcomm.runs.sim import Result, run

# public name -> the module that defines it
_WHERE = {
    "CommunityModel": "simcomm.core.model",
    "ParameterError": "simcomm.core.params",
    "Params": "simcomm.core.params",
    "make_params": "simcomm.core.params",
    "Scenario": "simcomm.core.scenario",
    "__version__": "simcomm.core.version",
    "load_scenario": "simcomm.runs.library",
    "scenario_names": "simcomm.runs.library",
    "Result": "simcomm.runs.sim",
    "run": "simcomm.runs.sim",
    "ChannelResult": "simcomm.runs.channel_run",
    "channel_names": "simcomm.runs.channel_run",
    "run_channel": "simcomm.runs.channel_run",
}
_LOADED_BEFORE = ("agents", "core", "runs")

__all__ = ["ChannelResult", "CommunityModel", "ParameterError", "Params", "Result", "Scenario", "__version__",
           "channel_names", "load_scenario", "make_params", "run", "run_channel", "scenario_names"]


def __getattr__(name: str) -> object:
    """Import a public name on first use and keep it in the module (PEP 562)."""
    if name in _LOADED_BEFORE:  # `import simcomm` used to import every public name's module,
        for module in set(_WHERE.values()):  # so `simcomm.core.params.SPECS` worked: it still does
            _importlib.import_module(module)
        return _importlib.import_module(f"simcomm.{name}")
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'simcomm' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names (imported or not), the module's dunders and its loaded subpackages."""
    shown = (n for n in globals() if n != "TYPE_CHECKING" and (n.startswith("__") or not n.startswith("_")))
    return sorted({*__all__, *shown})

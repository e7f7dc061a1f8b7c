"""simcomm: agent-based simulation of partner and customer communities (Mesa 3).

``simcomm.run(scenario, weeks=260, seed=0, overrides=None)`` runs one scenario and returns a
:class:`Result` with weekly series, one row per member, and a headline summary.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("simcomm")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

from simcomm.model import CommunityModel
from simcomm.params import ParameterError, Params, make_params
from simcomm.scenarios import Scenario, load_scenario, scenario_names
from simcomm.sim import Result, run

__all__ = ["CommunityModel", "ParameterError", "Params", "Result", "Scenario", "__version__",
           "load_scenario", "make_params", "run", "scenario_names"]

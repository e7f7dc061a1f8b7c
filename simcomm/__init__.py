"""simcomm: agent-based simulation of partner and customer communities (Mesa 3).

``simcomm.run(scenario, weeks=260, seed=0, overrides=None)`` runs one scenario and returns a
:class:`Result` with weekly series, one row per member, and a headline summary.

The package is built in floors, imports running one way only (checked by import-linter):
``ui`` -> ``report`` -> ``analysis`` -> ``runs`` -> ``core`` (see docs/architecture.md).
"""

from simcomm.core.model import CommunityModel
from simcomm.core.params import ParameterError, Params, make_params
from simcomm.core.scenario import Scenario
from simcomm.core.version import __version__
from simcomm.runs.library import load_scenario, scenario_names
from simcomm.runs.sim import Result, run

__all__ = ["CommunityModel", "ParameterError", "Params", "Result", "Scenario", "__version__",
           "load_scenario", "make_params", "run", "scenario_names"]

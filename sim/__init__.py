"""mentorsim: agent-based simulation of reverse mentoring in organizations.

The public API, for notebooks and scripts::

    import sim
    scenario = sim.load_scenario("scenarios/quickstart.yaml", overrides={"organization.size": 300})
    model = sim.ReverseMentoringModel(scenario, arm="no_program", rng=1).run()
    weekly = model.timeseries()
    results = sim.run_experiment(scenario, out="results/demo")
    results.summary
    roster = sim.read_roster("scenarios/data/example_roster.csv", skill_scale="likert5")
    sim.roster_profile(roster)                       # headcount, levels, k-anonymity, ...
    sim.proposed_pairs("scenarios/own_org_example.yaml", arm="cross_department")
    analysis = sim.run_sensitivity(scenario, sim.SensitivitySettings(method="morris"))

Names are imported on first use, so ``import sim`` (and the command line) start quickly.
"""

import sys
from importlib import import_module
from typing import TYPE_CHECKING, Any

if sys.version_info < (3, 12):  # noqa: UP036 (a clear message before a newer Python is needed)
    raise ImportError(
        "mentorsim needs Python 3.12 or newer; this is Python "
        f"{'.'.join(map(str, sys.version_info[:3]))} (see the README's Quickstart)"
    )

__version__ = "0.1.0"

_EXPORTS = {
    "Employee": "sim.model.agents",
    "JuniorEmployee": "sim.model.agents",
    "SeniorEmployee": "sim.model.agents",
    "ExperimentError": "sim.experiments.experiment",
    "MentorsimError": "sim.core.errors",
    "ResultsFolderError": "sim.core.errors",
    "Results": "sim.experiments.experiment",
    "run_experiment": "sim.experiments.experiment",
    "run_model": "sim.experiments.experiment",
    "SensitivitySettings": "sim.experiments.sensitivity",
    "run_sensitivity": "sim.experiments.sensitivity",
    "CalibrationSettings": "sim.experiments.calibration",
    "run_calibration": "sim.experiments.calibration",
    "read_targets": "sim.experiments.calibration",
    "OptimizationSettings": "sim.experiments.optimization",
    "run_optimization": "sim.experiments.optimization",
    "ReverseMentoringModel": "sim.model.model",
    "Scenario": "sim.model.scenario",
    "ScenarioError": "sim.model.scenario",
    "load_scenario": "sim.model.scenario",
    "register_policy": "sim.program.pairing",
    "read_roster": "sim.core.roster",
    "RosterError": "sim.core.roster_table",
    "roster_profile": "sim.core.roster_profile",
    "proposed_pairs": "sim.model.proposal",
}

__all__ = [
    "CalibrationSettings",
    "Employee",
    "ExperimentError",
    "JuniorEmployee",
    "MentorsimError",
    "OptimizationSettings",
    "Results",
    "ResultsFolderError",
    "ReverseMentoringModel",
    "RosterError",
    "Scenario",
    "ScenarioError",
    "SeniorEmployee",
    "SensitivitySettings",
    "__version__",
    "load_scenario",
    "proposed_pairs",
    "read_roster",
    "read_targets",
    "register_policy",
    "roster_profile",
    "run_calibration",
    "run_experiment",
    "run_model",
    "run_optimization",
    "run_sensitivity",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    return getattr(import_module(module), name)


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # for type checkers and editors
    from sim.core.errors import MentorsimError, ResultsFolderError
    from sim.core.roster import read_roster
    from sim.core.roster_profile import roster_profile
    from sim.core.roster_table import RosterError
    from sim.experiments.calibration import Settings as CalibrationSettings
    from sim.experiments.calibration import read_targets, run_calibration
    from sim.experiments.experiment import ExperimentError, Results, run_experiment, run_model
    from sim.experiments.optimization import Settings as OptimizationSettings
    from sim.experiments.optimization import run_optimization
    from sim.experiments.sensitivity import Settings as SensitivitySettings
    from sim.experiments.sensitivity import run_sensitivity
    from sim.model.agents import Employee, JuniorEmployee, SeniorEmployee
    from sim.model.model import ReverseMentoringModel
    from sim.model.proposal import proposed_pairs
    from sim.model.scenario import Scenario, ScenarioError, load_scenario
    from sim.program.pairing import register_policy

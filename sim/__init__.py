"""mentorsim: agent-based simulation of reverse mentoring in organizations.

The public API, for notebooks and scripts::

    import sim
    scenario = sim.load_scenario("scenarios/quickstart.yaml", overrides={"organization.size": 300})
    model = sim.ReverseMentoringModel(scenario, arm="no_program", rng=1).run()
    weekly = model.timeseries()
    results = sim.run_experiment(scenario, out="results/demo")
    results.summary
    analysis = sim.run_sensitivity(scenario, sim.SensitivitySettings(method="morris"))

Names are imported on first use, so ``import sim`` (and the command line) start quickly.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Employee": "sim.model.agents",
    "JuniorEmployee": "sim.model.agents",
    "SeniorEmployee": "sim.model.agents",
    "ExperimentError": "sim.experiments.experiment",
    "Results": "sim.experiments.experiment",
    "run_experiment": "sim.experiments.experiment",
    "run_model": "sim.experiments.experiment",
    "SensitivitySettings": "sim.experiments.sensitivity",
    "run_sensitivity": "sim.experiments.sensitivity",
    "ReverseMentoringModel": "sim.model.model",
    "Scenario": "sim.model.scenario",
    "ScenarioError": "sim.model.scenario",
    "load_scenario": "sim.model.scenario",
    "register_policy": "sim.program.pairing",
}

__all__ = [
    "Employee",
    "ExperimentError",
    "JuniorEmployee",
    "Results",
    "ReverseMentoringModel",
    "Scenario",
    "ScenarioError",
    "SeniorEmployee",
    "SensitivitySettings",
    "__version__",
    "load_scenario",
    "register_policy",
    "run_experiment",
    "run_model",
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
    from sim.experiments.experiment import ExperimentError, Results, run_experiment, run_model
    from sim.experiments.sensitivity import Settings as SensitivitySettings
    from sim.experiments.sensitivity import run_sensitivity
    from sim.model.agents import Employee, JuniorEmployee, SeniorEmployee
    from sim.model.model import ReverseMentoringModel
    from sim.model.scenario import Scenario, ScenarioError, load_scenario
    from sim.program.pairing import register_policy

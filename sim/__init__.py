"""mentorsim: agent-based simulation of reverse mentoring in organizations.

The public API, for notebooks and scripts::

    import sim
    scenario = sim.load_scenario("scenarios/quickstart.yaml", overrides={"organization.size": 300})
    model = sim.ReverseMentoringModel(scenario, arm="no_program", rng=1).run()
    weekly = model.timeseries()
    results = sim.run_experiment(scenario, out="results/demo")
    results.summary
"""

from sim.agents import Employee, JuniorEmployee, SeniorEmployee
from sim.experiment import ExperimentError, Results, run_experiment, run_model
from sim.model import ReverseMentoringModel
from sim.scenario import Scenario, ScenarioError, load_scenario

__version__ = "0.1.0"

__all__ = [
    "Employee",
    "ExperimentError",
    "JuniorEmployee",
    "Results",
    "ReverseMentoringModel",
    "Scenario",
    "ScenarioError",
    "SeniorEmployee",
    "__version__",
    "load_scenario",
    "run_experiment",
    "run_model",
]

"""Design search: the program designs on the Pareto front of their paired effects and cost.

The searched fields are the scenario's ``levers:`` block (:mod:`sim.model.levers`), applied to
the optimized arm's program (default: the first arm besides the baseline). Each trial runs the
baseline and the optimized arm with K replications, **the same K seeds for every trial and
both arms** (common random numbers), and scores each objective:

* a **paired effect** (arm minus baseline, replication by replication, averaged over the K
  replications) for an outcome the baseline has too (``adoption_seniors``, ``retention_12m``);
* the **arm's own value** for an outcome of the program itself (``program_cost``, ``roi``,
  ``net_benefit``: zero or undefined in the baseline by definition, so never differenced).

Optuna's NSGA-II sampler proposes the designs, a batch per generation (see
:mod:`sim.experiments.search` for batches, seeds and resume). ``budget`` is a hard limit: a
design is feasible when its program cost stayed within the budget in **every** one of its K
replications (the constraint is the largest replication's cost minus the budget), infeasible
designs are ranked below feasible ones, and none is ever reported on the front.

The **front** is the set of feasible designs no other feasible design dominates (at least as
good on every objective mean, better on one). Up to ``chosen`` of them are then run again with
``check_reps`` replications on **fresh seeds** (a stream of the root seed no trial used), so
the reported effects and intervals are not inflated by having been selected on the search's
own replications.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.errors import OptionError, ScenarioError, shown
from sim.core.rng import Streams
from sim.experiments import search
from sim.experiments.stats import t_interval
from sim.model.levers import Lever, label, parse_levers
from sim.model.outcomes import EXPERIMENT_OUTCOMES, entry
from sim.model.scenario import Scenario, load_scenario

DEFAULT_OBJECTIVES = ("adoption_seniors:max", "retention_12m:max", "program_cost:min")
"""Objectives by default: the paired gains in senior adoption and 12-month retention, and cost."""

DEFAULT_TRIALS = 64
"""Trials by default (8 generations of 8)."""

DEFAULT_REPS = 4
"""Replications per trial and arm by default (the same seeds for every trial)."""

DEFAULT_CHECK_REPS = 20
"""Replications of the re-run of the chosen designs by default (fresh seeds)."""

DEFAULT_CHOSEN = 5
"""Most designs of the front re-run and reported."""

COST = "program_cost"
"""The outcome ``--budget`` limits."""

DIRECTIONS = {"max": "maximize", "min": "minimize"}


# ---------------------------------------------------------------------- objectives


@dataclass(frozen=True)
class Objective:
    """One objective: an outcome, its direction, and whether it is a paired effect.

    Attributes:
        outcome: A run outcome (``adoption_seniors``, ``program_cost``).
        direction: ``maximize`` or ``minimize``.
        paired: Arm minus baseline (else the arm's own value).
    """

    outcome: str
    direction: str
    paired: bool

    @property
    def column(self) -> str:
        """Its column in the tables: ``OUTCOME_effect`` for a paired effect, else ``OUTCOME``."""
        return f"{self.outcome}_effect" if self.paired else self.outcome

    @property
    def text(self) -> str:
        """As given on the command line: ``OUTCOME:max``."""
        return f"{self.outcome}:{self.direction[:3]}"


def is_program_outcome(outcome: str) -> bool:
    """An outcome of the program itself (zero or undefined by definition in the baseline)."""
    if outcome in EXPERIMENT_OUTCOMES:
        return True
    found = entry(outcome)
    return bool(found and found[0].program)


def parse_objective(text: str, known: list[str]) -> Objective:
    """Read ``OUTCOME:max`` or ``OUTCOME:min``.

    Raises:
        OptionError: Naming the option and the value.
    """
    outcome, sep, direction = str(text).rpartition(":")
    if not sep or direction not in DIRECTIONS:
        raise OptionError([f"--objective {shown(text)}: expected OUTCOME:max or OUTCOME:min"])
    if outcome not in known:
        raise OptionError(
            [
                f"--objective {shown(text)}: {outcome!r} is not an outcome (see mentorsim list outcomes)"
            ]
        )
    return Objective(outcome, DIRECTIONS[direction], not is_program_outcome(outcome))


# ---------------------------------------------------------------------- settings and results


@dataclass
class Settings:
    """What a design search runs.

    Attributes:
        trials: Trials wanted (rounded up to whole batches).
        reps: Replications per trial and arm (the same seeds for every trial).
        batch: Trials per batch (NSGA-II's population).
        arm: The optimized arm (default: the first arm besides the baseline).
        budget: Hard limit on the program cost of a replication (None: no limit).
        objectives: ``OUTCOME:max|min`` texts.
        check_reps: Replications of the re-run of the chosen designs (fresh seeds).
        chosen: Most designs of the front re-run and reported.
    """

    trials: int = DEFAULT_TRIALS
    reps: int = DEFAULT_REPS
    batch: int = search.DEFAULT_BATCH
    arm: str | None = None
    budget: float | None = None
    objectives: list[str] = field(default_factory=lambda: list(DEFAULT_OBJECTIVES))
    check_reps: int = DEFAULT_CHECK_REPS
    chosen: int = DEFAULT_CHOSEN


@dataclass
class Optimization:
    """Results of a design search.

    Attributes:
        settings: What was run.
        objectives: The objectives.
        levers: The searched program fields.
        trials: One row per trial: its levers, objectives with 95% intervals, cost, feasibility.
        front: The non-dominated feasible trials (one row per distinct design).
        recheck: The chosen designs re-run on fresh seeds: one row per design and objective.
        scenario: The two-arm scenario searched (baseline and optimized arm).
        arm: The optimized arm.
        baseline: The baseline arm.
        path: The output folder, when written.
    """

    settings: Settings
    objectives: list[Objective]
    levers: list[Lever]
    trials: pd.DataFrame
    front: pd.DataFrame
    recheck: pd.DataFrame
    scenario: Scenario
    arm: str
    baseline: str
    path: Path | None = None


def check_settings(scenario: Scenario, settings: Settings) -> tuple[Settings, list[Objective]]:
    """Fill in the arm, parse the objectives, check the rest; raise OptionError or ScenarioError."""
    from sim.experiments.sensitivity import outcome_names

    errors = []
    for name, value, low in (("--trials", settings.trials, 1), ("--reps", settings.reps, 2),
                             ("--batch", settings.batch, 2), ("--check-reps", settings.check_reps, 2),
                             ("--chosen", settings.chosen, 1)):  # fmt: skip
        if value < low:
            errors.append(f"{name}: must be at least {low} (got {value})")
    if settings.budget is not None and not (math.isfinite(settings.budget) and settings.budget > 0):
        errors.append(f"--budget: must be a positive number (got {shown(settings.budget)})")
    names = [a.name for a in scenario.arms]
    others = [a.name for a in scenario.arms if a.name != scenario.baseline and a.program]
    arm = settings.arm or (others[0] if others else None)
    if arm is None:
        errors.append("the scenario has no arm with a program besides the baseline to optimize")
    elif arm not in names:
        errors.append(f"--arm: {arm!r} is not one of the arms {names}")
    elif arm == scenario.baseline or scenario.arm(arm).program is None:
        errors.append(f"--arm: {arm!r} has no program to optimize (or is the baseline)")
    if not settings.objectives:
        errors.append("--objective: give at least one")
    if errors:
        raise OptionError(errors)
    known = outcome_names(scenario)
    objectives = [parse_objective(t, known) for t in settings.objectives]
    if len({o.outcome for o in objectives}) != len(objectives):
        raise OptionError([f"--objective: an outcome is given twice in {settings.objectives}"])
    settings.arm = arm
    return settings, objectives


def scenario_levers(scenario: Scenario, arm: str) -> list[Lever]:
    """The ``levers:`` block, checked against the optimized arm's program."""
    if not scenario.levers:
        raise ScenarioError(
            [
                "levers: the scenario has no levers: block; add one mapping program fields to "
                "ranges or choices, e.g. levers: {cadence_per_month: [1, 4], pairing: [optimal, random]}"
            ]
        )
    program = scenario.arm(arm).program.model_dump(mode="json")
    org = scenario.organization
    try:
        return parse_levers(scenario.levers, org.skill_names, org.levels - 1, program)
    except ValueError as exc:
        raise ScenarioError([f"levers.{exc}"]) from None


def two_arm_scenario(scenario: Scenario, arm: str) -> Scenario:
    """The scenario with only the baseline and the optimized arm, baseline first."""
    data = scenario.to_dict()
    keep = [scenario.baseline, arm]
    data["arms"] = sorted(
        (a for a in data["arms"] if a["name"] in keep), key=lambda a: keep.index(a["name"])
    )
    data["baseline_arm"] = scenario.baseline
    data["levers"] = None
    return load_scenario(data)


def space(levers: list[Lever]) -> dict[str, Any]:
    """Optuna distributions of the levers (choices by their labels)."""
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    out: dict[str, Any] = {}
    for lever in levers:
        if lever.kind == "choice":
            out[lever.path] = CategoricalDistribution(list(lever.labels))
        elif lever.kind == "int":
            out[lever.path] = IntDistribution(int(lever.low), int(lever.high), log=lever.log)
        else:
            out[lever.path] = FloatDistribution(lever.low, lever.high, log=lever.log)
    return out


def design_point(levers: list[Lever], params: dict[str, Any]) -> dict[str, Any]:
    """The sweep point of a design: ``arms.1.program.FIELD`` to the program's value."""
    return {f"arms.1.program.{lv.path}": lv.value(params[lv.path]) for lv in levers}


# ---------------------------------------------------------------------- scoring runs


def point_scores(
    runs: pd.DataFrame, baseline: str, arm: str, objectives: list[Objective]
) -> list[dict[str, float]]:
    """Per point: each objective's mean over replications, its 95% t interval, and the cost.

    Returns:
        One mapping per point (in point order) with ``COLUMN``, ``COLUMN_ci95_low``,
        ``COLUMN_ci95_high`` per objective and ``cost_mean``, ``cost_max``, ``replications``.
    """
    runs = runs if "point" in runs.columns else runs.assign(point=0)
    outcomes = list(dict.fromkeys([o.outcome for o in objectives] + [COST]))
    wide = runs.set_index(["point", "replication", "arm"])[outcomes].unstack("arm")
    out = []
    for point in sorted(runs["point"].unique()):
        row: dict[str, float] = {}
        for o in objectives:
            values = wide[(o.outcome, arm)].loc[point]
            if o.paired:
                values = values - wide[(o.outcome, baseline)].loc[point]
            values = values.to_numpy(float)
            row[o.column] = float(np.nanmean(values)) if np.isfinite(values).any() else math.nan
            row[f"{o.column}_ci95_low"], row[f"{o.column}_ci95_high"] = t_interval(values)
        cost = wide[(COST, arm)].loc[point].to_numpy(float)
        row["cost_mean"], row["cost_max"] = float(cost.mean()), float(cost.max())
        row["replications"] = int(cost.size)
        out.append(row)
    return out


def run_designs(
    scenario: Scenario,
    points: list[dict[str, Any]],
    reps: int,
    executor,
    workers: int,
    out: Path | None,
) -> pd.DataFrame:
    """The runs of the designs (both arms, K replications each, the scenario's seeds)."""
    from sim.experiments.experiment import run_experiment

    return run_experiment(
        scenario,
        points=points,
        replications=reps,
        executor=executor,
        workers=workers,
        out=out,
        resume=out is not None and Path(out).exists(),
        summaries=False,
    ).runs


def _evaluator(scenario, levers, objectives, settings, executor, workers):
    arm, baseline = settings.arm, scenario.baseline

    def evaluate(proposals: list[search.Proposal], folder: Path | None) -> list[search.Evaluation]:
        points = [design_point(levers, p.params) for p in proposals]
        runs = run_designs(scenario, points, settings.reps, executor, workers, folder)
        return [
            _evaluation(s, objectives, settings.budget)
            for s in point_scores(runs, baseline, arm, objectives)
        ]

    return evaluate


def _evaluation(scores: dict[str, float], objectives: list[Objective], budget) -> search.Evaluation:
    values = [scores[o.column] for o in objectives]
    if not all(math.isfinite(v) for v in values):
        missing = [
            o.outcome for o, v in zip(objectives, values, strict=True) if not math.isfinite(v)
        ]
        return search.Evaluation(None, scores, reason=f"undefined in every replication: {missing}")
    constraint = scores["cost_max"] - budget if budget is not None else None
    return search.Evaluation(values, scores, constraint)


# ---------------------------------------------------------------------- the front


def non_dominated(values: np.ndarray, directions: list[str]) -> np.ndarray:
    """Mask of the rows no other row dominates (as good on every column, better on one).

    Args:
        values: Rows x objectives.
        directions: ``maximize`` or ``minimize`` per column.
    """
    sign = np.array([-1.0 if d == "maximize" else 1.0 for d in directions])
    v = np.asarray(values, float) * sign  # every column to minimize
    keep = np.ones(len(v), bool)
    for i in range(len(v)):
        no_worse = (v <= v[i]).all(axis=1)
        better = (v < v[i]).any(axis=1)
        keep[i] = not (no_worse & better).any()
    return keep


def front_table(
    trials: pd.DataFrame, levers: list[Lever], objectives: list[Objective]
) -> pd.DataFrame:
    """The non-dominated feasible designs, one row per distinct design, best first objective first."""
    done = trials[trials["state"] == "complete"]
    if "feasible" in done.columns:
        done = done[done["feasible"].astype(bool)]
    if "same_as" in done.columns:
        done = done[done["same_as"].isna()]
    names = [lv.path for lv in levers]
    done = done.drop_duplicates(subset=names, keep="first")
    if done.empty:
        return done
    mask = non_dominated(done[[o.column for o in objectives]].to_numpy(float),
                         [o.direction for o in objectives])  # fmt: skip
    first = objectives[0]
    front = done[mask].sort_values(
        first.column, ascending=first.direction == "minimize", kind="stable"
    )
    return front.reset_index(drop=True)


def chosen_designs(front: pd.DataFrame, most: int) -> pd.DataFrame:
    """Up to ``most`` designs spread along the front (in its order; both ends kept)."""
    if len(front) <= most:
        return front
    picks = sorted({round(i) for i in np.linspace(0, len(front) - 1, most)})
    return front.iloc[picks].reset_index(drop=True)


def design_name(trial: int) -> str:
    """The arm name of a front design."""
    return f"design_{trial}"


def recheck(result: Optimization, executor, workers: int, out: Path | None) -> pd.DataFrame:
    """Re-run the chosen designs with ``check_reps`` replications on fresh seeds."""
    chosen = chosen_designs(result.front, result.settings.chosen)
    if chosen.empty:
        return pd.DataFrame()
    fresh = result.scenario.to_dict()
    fresh["seed"] = Streams(result.scenario.seed).seed_for("optimize.recheck")
    points = [design_point(result.levers, dict(zip(_names(result), r, strict=True)))
              for r in chosen[_names(result)].itertuples(index=False)]  # fmt: skip
    folder = search.derived_folder(out, "recheck", [points, result.settings.check_reps])
    runs = run_designs(
        load_scenario(fresh), points, result.settings.check_reps, executor, workers, folder
    )
    scores = point_scores(runs, result.baseline, result.arm, result.objectives)
    rows = []
    for trial, s in zip(chosen["trial"], scores, strict=True):
        for o in result.objectives:
            rows.append({
                "design": design_name(int(trial)), "trial": int(trial), "objective": o.column,
                "direction": o.direction, "paired": o.paired, "value": s[o.column],
                "ci95_low": s[f"{o.column}_ci95_low"], "ci95_high": s[f"{o.column}_ci95_high"],
                "search_value": float(chosen.loc[chosen["trial"] == trial, o.column].iloc[0]),
                "cost_max": s["cost_max"], "replications": s["replications"],
            })  # fmt: skip
    return pd.DataFrame(rows)


def _names(result: Optimization) -> list[str]:
    return [lv.path for lv in result.levers]


# ---------------------------------------------------------------------- the whole search


def plan(scenario: Scenario, settings: Settings, levers: list[Lever], objectives) -> dict[str, Any]:
    """Everything that decides the trials (a resume must match it; ``trials`` may grow)."""
    return {
        "command": "optimize",
        "scenario": scenario.to_dict(),
        "arm": settings.arm,
        "reps": settings.reps,
        "batch": settings.batch,
        "budget": settings.budget,
        "objectives": [o.text for o in objectives],
        "levers": [lv.__dict__ for lv in levers],
    }


def run_optimization(
    scenario: Scenario | dict | str | Path | None,
    settings: Settings | None = None,
    *,
    executor: Any = None,
    workers: int = 1,
    out: str | Path | None = None,
    resume: bool = False,
    progress: bool = False,
) -> Optimization:
    """Search the levers for the program designs on the Pareto front of the objectives.

    Args:
        scenario: Scenario (with a ``levers:`` block), mapping, YAML path.
        settings: Trials, replications, batch, arm, budget, objectives, re-run size.
        executor: Any ``concurrent.futures.Executor`` for the runs.
        workers: Local worker processes when no executor is given (kept for the whole search).
        out: Output folder (the stored study, the batches' runs while they run, the re-run);
            None keeps everything in memory.
        resume: Continue the search in ``out``.
        progress: Show a progress bar of the trials.

    Returns:
        The :class:`Optimization` (written to ``out`` when given: see :func:`write`).

    Raises:
        ScenarioError, OptionError: Bad scenario, levers or settings.
        ResultsFolderError: ``out`` is not empty (without resume) or holds another search.
        ExperimentError: Some runs raised (the finished ones are kept in ``out``).
    """
    scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    settings, objectives = check_settings(scenario, settings or Settings())
    levers = scenario_levers(scenario, settings.arm)
    two = two_arm_scenario(scenario, settings.arm)
    out = Path(out) if out is not None else None
    if out is not None:
        search.prepare_folder(out, plan(two, settings, levers, objectives), resume, "optimize")
    with search.executor_pool(executor, workers) as (pool, n):
        spec = search.Search(
            space(levers), settings.trials, settings.batch, "nsga2", scenario.seed,
            _evaluator(two, levers, objectives, settings, pool, n),
        )  # fmt: skip
        with search.quiet_optuna():
            study = search.open_study(out, "optimize", [o.direction for o in objectives])
        with search.trial_bar(spec, study, progress) as tick:
            search.run_search(study, spec, out, tick)
        trials = search.trials_table(
            study, [lv.path for lv in levers], [o.column for o in objectives]
        )
        result = Optimization(settings, objectives, levers, trials,
                              front_table(trials, levers, objectives), pd.DataFrame(), two,
                              settings.arm, two.baseline)  # fmt: skip
        result.recheck = recheck(result, pool, n, out)
    if out is not None:
        write(result, out)
    return result


# ---------------------------------------------------------------------- writing


def pareto_table(result: Optimization) -> pd.DataFrame:
    """``pareto.csv``: each front design's levers (as the program takes them), objectives, CIs."""
    rows = []
    for _, r in result.front.iterrows():
        row = {"design": design_name(int(r["trial"])), "trial": int(r["trial"])}
        row.update({lv.path: _plain(lv.value(r[lv.path])) for lv in result.levers})
        for o in result.objectives:
            for suffix in ("", "_ci95_low", "_ci95_high"):
                row[o.column + suffix] = r[o.column + suffix]
        row.update(cost_mean=r["cost_mean"], cost_max=r["cost_max"], replications=r["replications"])
        rows.append(row)
    columns = ["design", "trial", *(lv.path for lv in result.levers)]
    columns += [o.column + s for o in result.objectives for s in ("", "_ci95_low", "_ci95_high")]
    return pd.DataFrame(rows, columns=[*columns, "cost_mean", "cost_max", "replications"])


def _plain(value: Any) -> Any:
    return label(value) if isinstance(value, list | tuple) else value


def best_arms(result: Optimization) -> dict[str, Any]:
    """The searched scenario with the baseline and one arm per front design, ready to run."""
    from sim.model.levers import with_value

    data = result.scenario.to_dict()
    base, arm = data["arms"][0], data["arms"][1]
    arms = [base]
    for _, r in result.front.iterrows():
        program = arm["program"]
        for lv in result.levers:
            program = with_value(program, lv.path, lv.value(r[lv.path]))
        arms.append({**arm, "name": design_name(int(r["trial"])), "program": program})
    data["arms"] = arms
    data["baseline_arm"] = base["name"]
    data["name"] = f"{data['name']}_best_arms"
    return data


def best_arms_yaml(result: Optimization) -> str:
    """``best_arms.yaml``: :func:`best_arms` as YAML with a header saying where it comes from."""
    import yaml

    s = result.settings
    budget = f", budget {s.budget:g} per replication" if s.budget is not None else ""
    head = [
        f"# The Pareto front of mentorsim optimize on arm {result.arm} against {result.baseline}",
        f"# ({', '.join(o.text for o in result.objectives)}{budget}; {len(result.trials)} trials",
        f"# of {s.reps} replications). Run it with: mentorsim run best_arms.yaml",
    ]
    return "\n".join(head) + "\n" + yaml.safe_dump(best_arms(result), sort_keys=False)


def write(result: Optimization, out: Path) -> None:
    """Write trials.csv, pareto.csv, recheck.csv and best_arms.yaml (atomically)."""
    result.path = out
    search.write_csv(result.trials, out / "trials.csv")
    search.write_csv(pareto_table(result), out / "pareto.csv")
    search.write_csv(result.recheck, out / "recheck.csv")
    if not result.front.empty:
        search.write_text(best_arms_yaml(result), out / "best_arms.yaml")


OptimizationSettings = Settings
"""The name :mod:`sim` exports :class:`Settings` under."""

__all__ = [
    "DEFAULT_OBJECTIVES",
    "Objective",
    "Optimization",
    "OptimizationSettings",
    "Settings",
    "best_arms",
    "best_arms_yaml",
    "chosen_designs",
    "front_table",
    "non_dominated",
    "pareto_table",
    "parse_objective",
    "point_scores",
    "run_optimization",
]

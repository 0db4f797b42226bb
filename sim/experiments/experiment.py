"""Experiments: arms x replications (and sweep points), on any executor, resumable.

Replication ``i`` of every arm (and every sweep point) runs with the same seed, so it sees the
same organization and the same background random draws (common random numbers); arms differ
only through their program. Each finished (point, arm, replication) is written atomically to
``DIR/.parts`` as it finishes, so an interrupted experiment resumes where it stopped and ends
with the same bytes as an uninterrupted one, whatever the executor or the number of workers.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, as_completed
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.rng import replication_seed
from sim.experiments.storage import RunOutput, Store
from sim.model.fit import check_programs_fit
from sim.model.model import ReverseMentoringModel
from sim.model.scenario import Scenario, load_scenario, validate


@dataclass(frozen=True)
class Task:
    """One model run: a sweep point, an arm and a replication, with its seed."""

    point: int
    arm: str
    replication: int
    seed: int

    @property
    def key(self) -> str:
        """File-name key of the task's result."""
        return f"p{self.point:05d}__{self.arm}__r{self.replication:06d}"


class ExperimentError(RuntimeError):
    """Some replications raised; the others were kept. ``failures`` lists (task, message)."""

    def __init__(self, failures: list[tuple[Task, str]], out: Path | None) -> None:
        self.failures = failures
        self.out = out
        lines = [f"{len(failures)} replication(s) failed:"]
        lines += [
            f"  arm {t.arm!r} replication {t.replication} (seed {t.seed}): {msg}"
            for t, msg in failures
        ]
        super().__init__("\n".join(lines))


@dataclass
class Results:
    """Tidy results of an experiment.

    Attributes:
        runs: One row per (point, arm, replication): identifiers, seed, varied parameters and
            every run outcome.
        timeseries: One row per (point, arm, replication, week) with every weekly outcome.
        summary: Per (point,) arm and outcome: n, mean, std, 95% CI, median, p10, p90.
        comparison: Per (point,) arm other than the baseline and outcome: mean difference,
            paired and unpaired 95% CIs.
        manifest: Scenario as resolved, seeds, package versions, code revision, wall time.
        path: The results folder, when written.
        pairs: One row per pair (board) of every run, with the run's identifiers.
        outcomes: Names of the run outcome columns.
    """

    runs: pd.DataFrame
    timeseries: pd.DataFrame
    summary: pd.DataFrame
    comparison: pd.DataFrame
    manifest: dict[str, Any]
    path: Path | None = None
    pairs: pd.DataFrame = field(default_factory=pd.DataFrame)
    outcomes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------- one run


def run_model(
    scenario: Scenario | dict | str | Path | None = None,
    arm: str | None = None,
    seed: int | None = None,
    weeks: int | None = None,
) -> RunOutput:
    """Build and run one model.

    Args:
        scenario: Scenario, mapping, YAML path or None for the defaults.
        arm: Arm name (default: the baseline arm).
        seed: Run seed (default: the seed of replication 0).
        weeks: Weeks to run (default: the horizon).

    Returns:
        The run's outcomes, weekly outcomes and pair history.
    """
    model = build_model(scenario, arm=arm, seed=seed).run(weeks)
    pairs = model.pairs() if hasattr(model, "pairs") else pd.DataFrame()
    return RunOutput(model.final_outcomes(), model.timeseries(), pairs)


def build_model(
    scenario: Scenario | dict | str | Path | None = None,
    arm: str | None = None,
    seed: int | None = None,
):
    """Build the scenario's model: :class:`ReverseMentoringModel`, or March's for ``model: march1991``."""
    scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if scenario.model == "march1991":
        from sim.validation.march1991 import MarchModel

        return MarchModel(
            scenario.march, rng=seed if seed is not None else replication_seed(scenario.seed, 0)
        )
    return ReverseMentoringModel(scenario, arm=arm, rng=seed)


def _execute(scenario_data: dict[str, Any], task: Task) -> tuple[Task, RunOutput]:
    scenario = validate(scenario_data)
    return task, run_model(scenario, arm=task.arm, seed=task.seed)


# ---------------------------------------------------------------------- plan


@dataclass
class Plan:
    """What an experiment will run: the base scenario, sweep points and tasks."""

    scenario: Scenario
    points: list[dict[str, Any]]
    replications: int

    def point_scenarios(self) -> list[Scenario]:
        """Each point's scenario (the base with the point's overrides)."""
        return [
            load_scenario(self.scenario, overrides=p) if p else self.scenario for p in self.points
        ]

    def tasks(self) -> list[Task]:
        """Every task, in the order the results are written."""
        seeds = [replication_seed(self.scenario.seed, r) for r in range(self.replications)]
        return [
            Task(point, arm.name, r, seeds[r])
            for point in range(len(self.points))
            for arm in self.scenario.arms
            for r in range(self.replications)
        ]

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form, stored with the parts to check a resume."""
        return {
            "scenario": self.scenario.to_dict(),
            "points": self.points,
            "replications": self.replications,
        }


# ---------------------------------------------------------------------- running


def run_experiment(
    scenario: Scenario | dict | str | Path | None = None,
    *,
    points: list[dict[str, Any]] | None = None,
    replications: int | None = None,
    executor: Executor | None = None,
    workers: int = 1,
    out: str | Path | None = None,
    resume: bool = False,
    progress: bool = False,
    on_result: Callable[[Task], None] | None = None,
    summaries: bool = True,
) -> Results:
    """Run every (sweep point, arm, replication) and gather tidy results.

    Args:
        scenario: Scenario, mapping, YAML path or None for the defaults.
        points: Sweep points, each a mapping of dotted field paths to values; None for one
            point (the scenario itself).
        replications: Replications per arm (default: the scenario's).
        executor: Any ``concurrent.futures.Executor`` (a process pool, a Dask client's
            executor, ...). Without one, ``workers`` > 1 starts a local process pool.
        workers: Local worker processes when no executor is given (1 runs in this process).
        out: Results folder to write (None keeps everything in memory).
        resume: Reuse the finished replications already in ``out``.
        progress: Show a progress bar with an ETA.
        on_result: Called with each finished task (after it is saved).
        summaries: False leaves ``summary`` and ``comparison`` empty (a sensitivity analysis
            computes its own per-point effects; over hundreds of points these tables take
            longer than the runs).

    Returns:
        The :class:`Results`; written to ``out`` when given.

    Raises:
        ExperimentError: When some replications raised (the others are kept in ``out``).
        ScenarioError: When the scenario, a sweep point or the resume folder does not fit.
    """
    started = time.time()
    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    plan = Plan(base, points or [{}], replications or base.replications)
    scenarios = plan.point_scenarios()  # validates every point before anything runs
    for point in scenarios:
        check_programs_fit(point, replication_seed(point.seed, 0))
    tasks = plan.tasks()
    store = Store(Path(out), plan.to_dict(), resume) if out is not None else None
    done = store.finished() if store else {}
    pending = [t for t in tasks if t.key not in done]
    failures: list[tuple[Task, str]] = []
    bar = _progress(len(tasks), len(tasks) - len(pending), progress)
    try:
        for task, outcome in _dispatch(pending, scenarios, executor, workers):
            if isinstance(outcome, BaseException):
                failures.append((task, f"{type(outcome).__name__}: {outcome}"))
            else:
                done[task.key] = outcome
                if store:
                    store.save(task, outcome)
                if on_result:
                    on_result(task)
            bar.update(1)
    finally:
        bar.close()
    if failures:
        raise ExperimentError(failures, store.path if store else None)
    results = _assemble(plan, tasks, done, store, summaries)
    results.manifest = _manifest(plan, tasks, time.time() - started)
    if store:
        store.write(results)
    return results


def _dispatch(
    tasks: list[Task], scenarios: list[Scenario], executor: Executor | None, workers: int
) -> Iterable:
    data = [s.to_dict() for s in scenarios]
    if executor is None and workers <= 1:
        for task in tasks:
            try:
                yield _execute(data[task.point], task)
            except Exception as exc:  # a failing replication must not lose the others
                yield task, exc
        return
    own = executor is None
    if own:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        executor = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        with _one_math_thread_each() if own else nullcontext():  # workers start on submit
            futures = {executor.submit(_execute, data[t.point], t): t for t in tasks}
        for future in as_completed(futures):
            task = futures[future]
            try:
                yield future.result()
            except Exception as exc:
                yield task, exc
    finally:
        if own:
            executor.shutdown(wait=True, cancel_futures=True)


MATH_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
"""Environment variables that set the thread count of the linear-algebra libraries."""


@contextmanager
def _one_math_thread_each() -> Iterator[None]:
    """Worker processes started inside run their linear-algebra libraries on one thread each.

    As Dask's workers do: one thread per process, so that ``workers`` processes on a machine
    with many cores do not each start a thread per core. A variable the user has set is left
    as it is; this process's environment is restored on exit.
    """
    saved = {name: os.environ.get(name) for name in MATH_THREAD_VARIABLES}
    for name in MATH_THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _progress(total: int, initial: int, show: bool):
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        initial=initial,
        disable=not show,
        unit="run",
        desc="replications",
        dynamic_ncols=True,
    )


def _varied_columns(plan: Plan) -> list[str]:
    keys: list[str] = []
    for point in plan.points:
        keys += [k for k in point if k not in keys]
    return keys


def _assemble(
    plan: Plan, tasks: list[Task], done: dict, store: Store | None, summaries: bool = True
) -> Results:
    from sim.experiments import stats

    varied = _varied_columns(plan)
    sweep = len(plan.points) > 1 or bool(varied)
    rows, series, pair_frames = [], [], []
    for task in tasks:
        final, ts, pairs = done.get(task.key) or store.load(task)
        ident = {"point": task.point} if sweep else {}
        ident.update({k: _cell(plan.points[task.point].get(k)) for k in varied})
        ident.update({"arm": task.arm, "replication": task.replication, "seed": task.seed})
        rows.append({**ident, **final})
        ts = ts.copy()
        for i, (k, v) in enumerate(ident.items()):
            ts.insert(i, k, v)
        series.append(ts)
        if len(pairs):
            pairs = pairs.copy()
            for i, (k, v) in enumerate(ident.items()):
                pairs.insert(i, k, v)
            pair_frames.append(pairs)
    runs = pd.DataFrame(rows)
    if plan.scenario.model == "reverse_mentoring":
        runs = add_roi(
            runs,
            plan.scenario.baseline,
            plan.scenario.dynamics.economics.value_per_implemented_idea,
        )
    timeseries = pd.concat(series, ignore_index=True)
    id_cols = [c for c in runs.columns[: len(varied) + (4 if sweep else 3)]]
    outcomes = [c for c in runs.columns if c not in id_cols]
    group = ["point", *varied] if sweep else []
    summary, comparison = pd.DataFrame(), pd.DataFrame()
    if summaries:
        summary = stats.summarize(runs, outcomes, by=[*group, "arm"])
        comparison = stats.compare(runs, outcomes, plan.scenario.baseline, by=group or None)
    pairs = pd.concat(pair_frames, ignore_index=True) if pair_frames else pd.DataFrame()
    return Results(runs, timeseries, summary, comparison, {}, pairs=pairs, outcomes=outcomes)


def add_roi(runs: pd.DataFrame, baseline: str, value_per_idea: float) -> pd.DataFrame:
    """Add ``net_benefit`` and ``roi`` of each run against the baseline arm's same replication.

    Benefit: the baseline's turnover cost minus the arm's, plus ``value_per_idea`` times the
    extra implemented ideas (see :mod:`sim.mechanisms.economics`). Baseline rows get 0.
    """
    from sim.mechanisms.economics import roi

    keys = [c for c in ("point", "replication") if c in runs.columns]
    base = runs[runs["arm"] == baseline].set_index(keys)
    idx = pd.MultiIndex.from_frame(runs[keys]) if len(keys) > 1 else pd.Index(runs[keys[0]])
    if not base.index.is_unique or not idx.isin(base.index).all():
        runs["net_benefit"], runs["roi"] = 0.0, 0.0
        return runs
    b = base.reindex(idx)
    net, ratio = roi(
        runs["program_cost"].to_numpy(float),
        b["turnover_cost"].to_numpy(float) - runs["turnover_cost"].to_numpy(float),
        runs["implemented_ideas"].to_numpy(float) - b["implemented_ideas"].to_numpy(float),
        value_per_idea,
    )
    is_base = (runs["arm"] == baseline).to_numpy()
    runs["net_benefit"] = np.where(is_base, 0.0, net)
    runs["roi"] = np.where(is_base, 0.0, ratio)
    return runs


def _cell(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, list | dict) else value


def _manifest(plan: Plan, tasks: list[Task], wall: float) -> dict[str, Any]:
    from sim.experiments.provenance import code_revision, package_versions

    return {
        "scenario": plan.scenario.to_dict(),
        "points": plan.points,
        "replications": plan.replications,
        "seeds": sorted({t.seed for t in tasks}, key=[t.seed for t in tasks].index),
        "arms": [a.name for a in plan.scenario.arms],
        "baseline_arm": plan.scenario.baseline,
        "tasks": len(tasks),
        "packages": package_versions(),
        "code_revision": code_revision(),
        "wall_time_s": round(wall, 3),
        "created_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def default_out(scenario: Scenario, root: str | Path = "results") -> Path:
    """``results/<name>/<UTC timestamp>/`` for a scenario."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    return Path(root) / scenario.name / stamp


__all__ = [
    "ExperimentError",
    "Plan",
    "Results",
    "Task",
    "default_out",
    "run_experiment",
    "run_model",
]

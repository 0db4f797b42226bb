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
import pickle
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Executor, as_completed
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.errors import OptionError, TooLargeError
from sim.core.rng import replication_seed
from sim.experiments import stats
from sim.experiments.storage import PartWriter, RunOutput, Store, plan_digest
from sim.experiments.workers import (
    exit_with_parent,
    one_math_thread_each,
    worker_context,
)
from sim.model import outcomes
from sim.model.fit import available_memory, check_runnable, gib
from sim.model.outcomes import columns
from sim.model.scenario import Scenario, get_path, load_scenario, validate


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
        manifest: Scenario as resolved, the roster's SHA-256, row count and field sources (no
            contents), seeds, package versions, code revision, wall time.
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
    from sim.model.model import ReverseMentoringModel

    model = build_model(scenario, arm=arm, seed=seed).run(weeks)
    if not isinstance(model, ReverseMentoringModel):
        return RunOutput(model.final_outcomes(), model.timeseries(), pd.DataFrame())
    people = outcomes.person_records(model)
    return RunOutput(model.final_outcomes(), model.timeseries(), model.pairs(), people)


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
    from sim.model.model import ReverseMentoringModel  # not needed where workers run the models

    return ReverseMentoringModel(scenario, arm=arm, rng=seed)


# ---------------------------------------------------------------------- in a worker

_WORKER_SCENARIOS: dict[str, Scenario] = {}
"""The scenarios this process has validated, by the digest of their plain data."""


@dataclass(frozen=True)
class Failed:
    """A task that raised: the exception's type and message (picklable whatever it was)."""

    message: str


def _scenario_of(data: dict[str, Any]) -> Scenario:
    """``data`` validated once per process (every task of a point shares its scenario)."""
    digest = plan_digest(data)
    if digest not in _WORKER_SCENARIOS:
        _WORKER_SCENARIOS[digest] = validate(data)
    return _WORKER_SCENARIOS[digest]


_WORKER_DATA: list[dict[str, Any]] = []
"""The points' scenarios, sent once to each local worker process when it starts."""


def _start_worker(main: int, data: list[dict[str, Any]]) -> None:
    """Initializer of local workers: watch the experiment's process, keep the points' scenarios."""
    exit_with_parent(main)
    _WORKER_DATA[:] = data


def run_chunk(
    data: Mapping[int, dict[str, Any]] | list[dict[str, Any]] | None,
    tasks: list[Task],
    writer: PartWriter | None,
) -> list[tuple[Task, RunOutput | Failed]]:
    """Run ``tasks`` in this process; each result saved by ``writer`` when there is one.

    Args:
        data: The scenario of each point (of the tasks' points at least) as plain data, by
            point; None in a local worker (sent at its start).
        tasks: The tasks to run, in order.
        writer: Writes each finished task's part, so that it is kept whatever happens to the
            experiment's process; None only returns the outputs.

    Returns:
        Per task its output (also when saved: the experiment assembles its tables from what
        the workers send back, not by reading the parts again), or :class:`Failed` when it
        raised (the other tasks still run).
    """
    data = _WORKER_DATA if data is None else data
    out: list[tuple[Task, RunOutput | Failed]] = []
    for task in tasks:
        try:
            scenario = _scenario_of(data[task.point])
            output = run_model(scenario, arm=task.arm, seed=task.seed)
        except Exception as exc:  # a failing replication must not lose the others
            out.append((task, Failed(f"{type(exc).__name__}: {exc}")))
            continue
        if writer is not None:
            writer.save(task, output)
        out.append((task, output))
    return out


def run_chunk_pickled(
    data: Mapping[int, dict[str, Any]] | list[dict[str, Any]] | None,
    tasks: list[Task],
    writer: PartWriter | None,
) -> bytes:
    """:func:`run_chunk` in a pool's worker: what it returns, pickled in one block of bytes.

    A Dask worker measures each result it holds (``dask.sizeof``) once it is computed and
    again as it stores it, and a data frame it measures column by column: on the quickstart's
    chunks (three frames per run, a hundred columns in all) that took about a tenth of each
    worker's time, and held up the worker's next chunk by up to 0.1 s. Bytes it measures at
    once, and sends as they are. A local pool would pickle the list itself; it sends the bytes
    with one copy.
    """
    return pickle.dumps(run_chunk(data, tasks, writer), protocol=pickle.HIGHEST_PROTOCOL)


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
        """Plain-data form, stored with the parts to check a resume (a roster by its SHA-256)."""
        data = {
            "scenario": self.scenario.to_dict(),
            "points": self.points,
            "replications": self.replications,
        }
        if self.scenario.organization.roster is not None:
            data["roster"] = _roster_manifest(self.scenario)
        return data


# ---------------------------------------------------------------------- the size of the work


RESULT_COPIES = 3
"""Copies of the results held at once while the tables are assembled (parts, frames, tables)."""


def estimate_results_bytes(scenario: Scenario, tasks: int) -> int:
    """Memory the results of ``tasks`` runs of ``scenario`` take while the tables are built."""
    if scenario.model == "reverse_mentoring":
        techs = [t.name for t in scenario.organization.technologies]
        width = len(columns(techs, scenario.organization.levels)) + 8  # with the identifiers
    else:
        width = 16  # March (1991): a few columns per period
    per_task = (scenario.horizon_weeks + 1) * width * 8 + 4096
    return RESULT_COPIES * tasks * per_task


def check_work_size(scenario: Scenario, points: int, replications: int | None = None) -> int:
    """Refuse an experiment whose results cannot fit in memory; return its number of runs.

    Called before any sweep point is drawn, so an absurd ``--lhs`` or grid is refused before
    anything is allocated.

    Raises:
        TooLargeError: With the number of runs, the estimate and the memory available.
    """
    reps = replications or scenario.replications
    tasks = points * len(scenario.arms) * reps
    need = estimate_results_bytes(scenario, tasks)
    free = available_memory()
    if free is not None and need > free:
        raise TooLargeError(
            [
                f"{points:,} points x {len(scenario.arms)} arms x {reps:,} replications = "
                f"{tasks:,} runs, whose results need about {gib(need)} of memory; this machine "
                f"has {gib(free)} available: use fewer points, replications or weeks"
            ]
        )
    return tasks


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
        ScenarioError: When the scenario or a sweep point is invalid, or a program cannot run.
        ResultsFolderError: When ``out`` is not empty (without ``resume``) or holds another
            experiment; ``resume=True`` on a finished folder with the same settings returns
            its results without running anything.
        TooLargeError: When the runs or their results cannot fit in this machine's memory.
    """
    started = time.time()
    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if workers < 1:
        raise OptionError([f"workers: must be at least 1 (got {workers})"])
    plan = Plan(base, points or [{}], replications or base.replications)
    check_work_size(base, len(plan.points), plan.replications)
    scenarios = plan.point_scenarios()  # validates every point before anything runs
    tasks = plan.tasks()
    processes = min(workers, len(tasks)) if executor is None else 1
    for point in scenarios:
        check_runnable(point, processes)
    store = Store(Path(out), plan.to_dict(), resume) if out is not None else None
    done = store.finished([t.key for t in tasks]) if store else {}
    pending = [t for t in tasks if t.key not in done]
    workers = max(1, min(workers, len(pending)))
    failures: list[tuple[Task, str]] = []
    bar = _progress(plan, len(tasks) - len(pending), progress)
    try:
        writer = store.writer() if store else None
        for task, outcome in _dispatch(pending, scenarios, executor, workers, writer):
            if isinstance(outcome, Failed):
                failures.append((task, outcome.message))
            else:
                done[task.key] = outcome
                if on_result:
                    on_result(task)
            bar.update(1)
        if failures:
            raise ExperimentError(failures, store.path if store else None)
        bar.set_postfix_str("summary and comparison tables", refresh=True)
        if store and store.complete:  # a finished folder, resumed with its own settings
            results = _tables(plan, *store.final_tables())
            results.manifest, results.path = store.manifest(), store.path
            return results
        results = _assemble(plan, tasks, done, store, summaries)
        results.manifest = _manifest(plan, tasks, time.time() - started)
        if store:
            bar.set_postfix_str(f"writing the tables to {store.path}", refresh=True)
            store.write(results)
    finally:
        bar.close()
    return results


CHUNK_SHARE = 4
"""A chunk holds 1 / (CHUNK_SHARE x workers) of the tasks not yet in a chunk (at least one)."""


def chunked(tasks: list[Task], workers: int) -> list[list[Task]]:
    """``tasks`` in chunks of consecutive tasks that shrink towards the end (guided scheduling).

    Each chunk holds 1 / (:data:`CHUNK_SHARE` x ``workers``) of the tasks left. The first
    chunks carry many runs each (few round trips to the workers); the last carry one or two,
    so that the workers finish at about the same time instead of one waiting for the
    other's last large chunk.
    """
    chunks: list[list[Task]] = []
    start, share = 0, CHUNK_SHARE * max(1, workers)
    while start < len(tasks):
        size = max(1, (len(tasks) - start) // share)
        chunks.append(tasks[start : start + size])
        start += size
    return chunks


def executor_workers(executor: Executor) -> int:
    """The number of workers behind ``executor`` where it says (a Dask client's), else 1."""
    client = getattr(executor, "_client", None)
    try:
        return max(1, len(client.scheduler_info()["workers"]))  # type: ignore[union-attr]
    except Exception:  # not a Dask executor, or its scheduler does not answer: one chunk each
        return 1


def _dispatch(
    tasks: list[Task],
    scenarios: list[Scenario],
    executor: Executor | None,
    workers: int,
    writer: PartWriter | None = None,
) -> Iterable[tuple[Task, RunOutput | Failed]]:
    """Run ``tasks`` and yield (task, output) as they finish.

    One worker: in this process, one task at a time. Otherwise a pool started once for the
    experiment (a local one sends the points' scenarios once to each worker as it starts; with
    an executor given, each chunk carries the scenarios of its own points, validated once per
    worker), tasks in chunks, each worker saving its own parts through ``writer``.
    """
    data = [s.to_dict() for s in scenarios]
    if executor is None and workers <= 1:
        for task in tasks:
            yield from run_chunk(data, [task], writer)
        return
    own = executor is None
    if own:
        from concurrent.futures import ProcessPoolExecutor

        executor = ProcessPoolExecutor(
            workers,
            mp_context=worker_context(),
            initializer=_start_worker,
            initargs=(os.getpid(), data),
        )
    else:
        workers = executor_workers(executor)
    try:
        with one_math_thread_each() if own else nullcontext():  # workers start on submit
            futures = {
                executor.submit(
                    run_chunk_pickled,
                    None if own else {t.point: data[t.point] for t in chunk},
                    chunk,
                    writer,
                ): chunk
                for chunk in chunked(tasks, workers)
            }
        for future in as_completed(futures):
            try:
                yield from pickle.loads(future.result())
            except Exception as exc:  # the chunk itself was lost (a worker died)
                yield from ((t, Failed(f"{type(exc).__name__}: {exc}")) for t in futures[future])
    finally:
        if own:
            executor.shutdown(wait=True, cancel_futures=True)


@contextmanager
def local_pool(workers: int) -> Iterator[Executor]:
    """A pool of ``workers`` local processes kept for several experiments in a row.

    Set up as :func:`run_experiment`'s own pool (processes that exit with this one and run
    their linear-algebra libraries on one thread each), but started once: a search runs
    one experiment per batch, and each would otherwise start its workers again.
    """
    from concurrent.futures import ProcessPoolExecutor

    with one_math_thread_each():  # workers start on the first submit, inside this block
        pool = ProcessPoolExecutor(
            workers,
            mp_context=worker_context(),
            initializer=exit_with_parent,
            initargs=(os.getpid(),),
        )
        try:
            yield pool
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _progress(plan: Plan, initial: int, show: bool):
    """A bar that counts runs, one per arm x replication (x sweep point).

    After the last run its text says what is being done (tables), and the command line goes
    on with the figures and the report.
    """
    from tqdm.auto import tqdm

    arms = len(plan.scenario.arms)
    what = f"{arms} arm{'s' if arms != 1 else ''} x {plan.replications} replications"
    if len(plan.points) > 1:
        what = f"{len(plan.points)} points x {what}"
    return tqdm(
        total=len(plan.points) * arms * plan.replications,
        initial=initial,
        disable=not show,
        unit="run",
        desc=f"runs ({what})",
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
    varied = _varied_columns(plan)
    sweep = len(plan.points) > 1 or bool(varied)
    rows, series, pair_frames, people = [], [], [], {}
    for task in tasks:
        output = done.get(task.key) or store.load(task)
        ident = {"point": task.point} if sweep else {}
        ident.update({k: _point_value(plan, task.point, k) for k in varied})
        ident.update({"arm": task.arm, "replication": task.replication, "seed": task.seed})
        rows.append({**ident, **output.outcomes})
        series.append(_with_ident(output.timeseries, ident))
        if len(output.pairs):
            pair_frames.append(_with_ident(output.pairs, ident))
        people[task.point, task.arm, task.replication] = output.people
    runs = pd.DataFrame(rows)
    if plan.scenario.model == "reverse_mentoring":
        runs = add_roi(
            runs,
            plan.scenario.baseline,
            plan.scenario.dynamics.economics.value_per_implemented_idea,
        )
        runs = add_same_people(runs, people, plan.point_scenarios(), plan.scenario.baseline)
    timeseries = pd.concat(series, ignore_index=True)
    pairs = pd.concat(pair_frames, ignore_index=True) if pair_frames else pd.DataFrame()
    return _tables(plan, runs, timeseries, pairs, summaries)


def _tables(
    plan: Plan,
    runs: pd.DataFrame,
    timeseries: pd.DataFrame,
    pairs: pd.DataFrame,
    summaries: bool = True,
) -> Results:
    """The results of the runs, with the summary and comparison tables worked out from them.

    ``summaries`` False leaves those two tables empty (many points, analysed otherwise).
    """
    varied = _varied_columns(plan)
    sweep = len(plan.points) > 1 or bool(varied)
    id_cols = list(runs.columns[: len(varied) + (4 if sweep else 3)])
    names = [c for c in runs.columns if c not in id_cols]
    group = ["point", *varied] if sweep else []
    if not summaries:
        empty = pd.DataFrame()
        return Results(runs, timeseries, empty, empty, {}, pairs=pairs, outcomes=names)
    summary = stats.summarize(
        runs,
        names,
        by=[*group, "arm"],
        is_share=outcomes.is_share,
        is_nonnegative=outcomes.is_nonnegative,
    )
    comparison = compare_arms(runs, names, plan.scenario, group)
    return Results(runs, timeseries, summary, comparison, {}, pairs=pairs, outcomes=names)


def _with_ident(frame: pd.DataFrame, ident: dict[str, Any]) -> pd.DataFrame:
    frame = frame.copy()
    for i, (k, v) in enumerate(ident.items()):
        frame.insert(i, k, v)
    return frame


def _point_value(plan: Plan, point: int, path: str) -> Any:
    """The value of a varied field at a point: the point's, else the base scenario's."""
    values = plan.points[point]
    if path in values:
        return _cell(values[path])
    try:
        return _cell(get_path(plan.scenario.to_dict(), path))
    except (KeyError, IndexError, TypeError, ValueError):
        return None


SAME_PEOPLE_GROUPS = ("mentors", "mentees", "nonparticipants")
"""Groups whose 12-month retention is compared with the same people in the baseline arm."""


def compare_arms(
    runs: pd.DataFrame, names: list[str], scenario: Scenario, group: list[str]
) -> pd.DataFrame:
    """Every arm against the baseline, with the like-with-like retention comparisons.

    Differences that would not be differences are rows with a reason instead of numbers: a
    program outcome against a baseline without a program (0 or undefined there by
    definition), ROI and net benefit (each arm's own figure, already against the baseline),
    and the retention of mentors, mentees and non-participants between arms (different
    people in each arm). Those groups are compared instead with the same people in the
    baseline arm (same replication, same person ids) and, for mentors and mentees, with
    comparable non-participants of their own arm (same cohort and level, same weeks).
    """
    baseline = scenario.baseline
    reasons = undefined_differences(names, scenario)
    contrasts = []
    for g in SAME_PEOPLE_GROUPS:
        same = f"retention_12m_{g}_same_people"
        contrasts.append(
            stats.Contrast(
                f"retention_12m_{g}", same, f"{same}_in_baseline", "the same people in {baseline}"
            )
        )
        if g != "nonparticipants":
            contrasts.append(
                stats.Contrast(
                    f"retention_12m_{g}",
                    f"retention_12m_{g}",
                    f"retention_12m_{g}_comparable",
                    "comparable non-participants in {arm}",
                )
            )
    compared = [n for n in names if not n.endswith(("_same_people", "_in_baseline", "_comparable"))]
    return stats.compare(
        runs,
        compared,
        baseline,
        by=group or None,
        reasons=reasons,
        contrasts=contrasts,
        is_share=outcomes.is_share,
    )


def undefined_differences(names: list[str], scenario: Scenario) -> dict[str, str]:
    """Outcomes among ``names`` whose difference to the baseline arm is not a difference, and why.

    A program outcome against a baseline without a program (0 or undefined there by
    definition), a participant group's retention (different people in each arm) and the
    figures already measured against the baseline (``roi``, ``net_benefit``).
    """
    baseline = scenario.baseline
    reasons = {}
    if scenario.arm(baseline).program is None:
        for name in names:
            if outcomes.is_program_outcome(name):
                reasons[name] = (
                    f"{baseline} runs no program, so this is 0 or undefined there by definition: "
                    "see the arm's own value in the summary"
                )
    for g in SAME_PEOPLE_GROUPS:
        for name in (f"retention_{g}", f"retention_12m_{g}"):
            reasons[name] = (
                f"the {g} are different people in each arm: see retention_12m_{g} "
                f"against the same people in {baseline}"
            )
    for name in outcomes.OWN_FIGURES:
        reasons[name] = (
            f"an arm's own figure, already measured against {baseline} replication by "
            "replication: see the summary"
        )
    return {name: reason for name, reason in reasons.items() if name in names}


def add_roi(runs: pd.DataFrame, baseline: str, value_per_idea: float) -> pd.DataFrame:
    """Add ``net_benefit`` and ``roi`` of each run against the baseline arm's same replication.

    Benefit: the baseline's turnover cost minus the arm's, plus ``value_per_idea`` times the
    extra implemented ideas, plus the arm's ``skill_value`` (the skills its meetings
    transferred, priced; see :mod:`sim.mechanisms.economics`). They are an arm's own figures
    against the named baseline: NA for the baseline itself (and ROI NA where the program cost
    nothing).
    """
    from sim.mechanisms.economics import roi

    keys = [c for c in ("point", "replication") if c in runs.columns]
    base = runs[runs["arm"] == baseline].set_index(keys)
    idx = pd.MultiIndex.from_frame(runs[keys]) if len(keys) > 1 else pd.Index(runs[keys[0]])
    if not base.index.is_unique or not idx.isin(base.index).all():
        runs["net_benefit"], runs["roi"] = np.nan, np.nan
        return runs
    b = base.reindex(idx)
    net, ratio = roi(
        runs["program_cost"].to_numpy(float),
        b["turnover_cost"].to_numpy(float) - runs["turnover_cost"].to_numpy(float),
        runs["implemented_ideas"].to_numpy(float) - b["implemented_ideas"].to_numpy(float),
        value_per_idea,
        runs["skill_value"].to_numpy(float) if "skill_value" in runs else 0.0,
    )
    is_base = (runs["arm"] == baseline).to_numpy()
    runs["net_benefit"] = np.where(is_base, np.nan, net)
    runs["roi"] = np.where(is_base | (runs["program_cost"].to_numpy(float) <= 0), np.nan, ratio)
    return runs


def add_same_people(
    runs: pd.DataFrame, people: dict, scenarios: list[Scenario], baseline: str
) -> pd.DataFrame:
    """Add the 12-month retention of each arm's participants and of the same people in the baseline.

    See :func:`sim.model.outcomes.same_people_retention`; NA for the baseline arm's own runs
    and where a run's person records are missing.
    """
    names = [
        f"retention_12m_{g}_same_people{side}"
        for g in SAME_PEOPLE_GROUPS
        for side in ("", "_in_baseline")
    ]
    columns = {name: np.full(len(runs), np.nan) for name in names}
    points = runs["point"] if "point" in runs.columns else pd.Series(0, index=runs.index)
    for i, (point, arm, rep) in enumerate(
        zip(points, runs["arm"], runs["replication"], strict=True)
    ):
        mine, base = people.get((point, arm, rep)), people.get((point, baseline, rep))
        if arm == baseline or mine is None or base is None:
            continue
        scenario = scenarios[point]
        program = scenario.arm(arm).program
        start = min(w.start_week for w in program.waves) if program is not None else None
        at = outcomes.twelve_months(scenario.horizon_weeks)
        for name, value in outcomes.same_people_retention(mine, base, at, start).items():
            columns[name][i] = value
    return runs.assign(**columns)


def _cell(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, list | dict) else value


def _manifest(plan: Plan, tasks: list[Task], wall: float) -> dict[str, Any]:
    from sim.experiments.provenance import code_revision, package_versions

    roster = _roster_manifest(plan.scenario)
    return {
        "scenario": plan.scenario.to_dict(),
        **({"roster": roster} if roster else {}),
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


def _roster_manifest(scenario: Scenario) -> dict[str, Any] | None:
    """The roster's file, SHA-256, row count and field sources (None without a roster)."""
    if scenario.model != "reverse_mentoring" or scenario.organization.roster is None:
        return None
    from sim.core.workforce import roster_manifest

    return roster_manifest(scenario.organization)


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
    "local_pool",
    "run_experiment",
    "run_model",
    "undefined_differences",
]

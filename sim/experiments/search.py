"""Searches on the experiment machinery: Optuna proposes designs, our executors evaluate them.

Both :mod:`sim.experiments.calibration` (one objective, Optuna's TPE sampler) and
:mod:`sim.experiments.optimization` (several objectives, NSGA-II) run here. A search goes in
**batches** of a fixed size (``batch``, independent of the number of workers):

1. **Propose.** The sampler for batch ``b`` is seeded from the scenario's root seed and ``b``
   (``SeedSequence`` streams, :class:`sim.core.rng.Streams`). It asks ``batch`` trials
   (``study.ask``) on a scratch in-memory study that holds the finished trials of batches
   ``0 .. b-1`` and nothing else. A proposal is thus a pure function of the seed, the batch
   number and the finished history.
2. **Evaluate.** Every proposal of the batch is a sweep point of one
   :func:`~sim.experiments.experiment.run_experiment` call (all its runs on any executor, the
   same replication seeds for every point: common random numbers), written to
   ``OUT/batches/bNNNNN/`` as the runs finish. A proposal identical to a finished trial reuses
   that trial's values (with common random numbers it would give the same runs).
3. **Record.** The evaluated trials are added to the stored study (Optuna's journal file
   ``OUT/study.journal``) in proposal order, each with its batch and index; only then is the
   batch folder removed.

Hence the guarantee: **the trials depend only on the seed, the batch size and the
evaluation, not on the number of workers, the executor, or where an interruption fell.** The
runs of a point give the same bytes on any executor (the experiment machinery's guarantee),
and so the same values; an interrupted batch is proposed again, identically, from the same
history on ``--resume``, its finished runs are read back from its folder, and only its trials
not yet recorded are added. A resumed study's trials are those of an uninterrupted one.
"""

from __future__ import annotations

import contextlib
import json
import math
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.core.errors import ResultsFolderError
from sim.core.rng import Streams

DEFAULT_BATCH = 8
"""Trials proposed and evaluated together (NSGA-II's population size)."""

STUDY_FILE = "study.journal"
"""The stored study in an output folder (Optuna's journal file storage)."""

PLAN_FILE = "search_plan.json"
"""What a search runs, stored to check a resume against."""

BATCH_KEY = "batch"
INDEX_KEY = "index"
REASON_KEY = "failed_because"
BUDGET_CONSTRAINT = "budget"


@dataclass
class Proposal:
    """A trial as the sampler proposed it.

    Attributes:
        batch: Its batch.
        index: Its place in the batch.
        params: Parameter name to value, as Optuna holds them.
        distributions: Parameter name to its Optuna distribution.
        system_attrs: The sampler's own attributes of the trial (NSGA-II's generation).
    """

    batch: int
    index: int
    params: dict[str, Any]
    distributions: dict[str, Any]
    system_attrs: dict[str, Any]

    @property
    def key(self) -> str:
        """The parameters as canonical text (equal proposals have equal keys)."""
        return json.dumps(self.params, sort_keys=True)


@dataclass
class Evaluation:
    """What the evaluation of a proposal gave.

    Attributes:
        values: The objective values (None when the design could not be evaluated).
        attrs: Further figures of the trial, kept with it (intervals, cost, ...).
        constraint: Over-budget amount (> 0 infeasible, <= 0 feasible); None: no constraint.
        reason: Why the design could not be evaluated.
    """

    values: list[float] | None
    attrs: dict[str, Any] = field(default_factory=dict)
    constraint: float | None = None
    reason: str = ""


Evaluate = Callable[[list[Proposal], Path | None], list[Evaluation]]
"""Evaluates one batch's proposals; given the batch's folder (None: in memory)."""


# ---------------------------------------------------------------------- the study


@contextlib.contextmanager
def quiet_optuna() -> Iterator[None]:
    """Optuna's info messages (a line per study and trial) off; restored on exit."""
    import optuna

    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(level)


def open_study(out: Path | None, name: str, directions: list[str]):
    """The stored study in ``out`` (created or loaded), or an in-memory one without ``out``."""
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    storage = JournalStorage(JournalFileBackend(str(out / STUDY_FILE))) if out else None
    study = optuna.create_study(
        study_name=name, storage=storage, directions=directions, load_if_exists=True
    )
    if [d.name.lower() for d in study.directions] != directions:
        raise ResultsFolderError([f"{out}: the stored study optimizes other objectives"])
    return study


def sampler_seed(root_seed: int, batch: int) -> int:
    """The seed of the sampler that proposes batch ``batch`` (a stream of the root seed)."""
    return Streams(root_seed).seed_for(f"search.sampler.{batch}")


def make_sampler(kind: str, root_seed: int, batch: int, batch_size: int):
    """A fresh sampler for one batch: ``tpe`` (one objective) or ``nsga2`` (several)."""
    from optuna.samplers import NSGAIISampler, TPESampler

    seed = sampler_seed(root_seed, batch)
    if kind == "tpe":  # the first batch at random, then TPE's proposals (Optuna's default: 10)
        return TPESampler(seed=seed, n_startup_trials=batch_size, multivariate=True)
    return NSGAIISampler(population_size=batch_size, seed=seed)


def finished_trials(study) -> list:
    """The stored trials, in the order they were recorded."""
    return list(study.get_trials(deepcopy=False))


def propose(study, space: dict[str, Any], batch: int, size: int, sampler) -> list[Proposal]:
    """The proposals of batch ``batch``: ``size`` asks on a scratch study of batches before it."""
    import optuna

    history = [t for t in finished_trials(study) if t.user_attrs[BATCH_KEY] < batch]
    scratch = optuna.create_study(directions=study.directions, sampler=sampler)
    scratch.add_trials(history)
    proposals = []
    for index in range(size):
        scratch.ask(space)
        asked = scratch.get_trials(deepcopy=False)[-1]
        proposals.append(
            Proposal(
                batch,
                index,
                dict(asked.params),
                dict(asked.distributions),
                dict(asked.system_attrs),
            )
        )
    return proposals


def record(study, proposal: Proposal, evaluation: Evaluation) -> None:
    """Add an evaluated proposal to the stored study (failed when it has no values)."""
    import optuna
    from optuna.trial import TrialState

    attrs = {BATCH_KEY: proposal.batch, INDEX_KEY: proposal.index, **evaluation.attrs}
    if evaluation.values is None:
        attrs[REASON_KEY] = evaluation.reason
    constraints = (
        {BUDGET_CONSTRAINT: float(evaluation.constraint)}
        if evaluation.constraint is not None and evaluation.values is not None
        else None
    )
    study.add_trial(
        optuna.trial.create_trial(
            state=TrialState.COMPLETE if evaluation.values is not None else TrialState.FAIL,
            values=evaluation.values,
            params=proposal.params,
            distributions=proposal.distributions,
            user_attrs=attrs,
            system_attrs={
                k: v for k, v in proposal.system_attrs.items() if not k.startswith("constraints")
            },
            constraints=constraints,
        )
    )


# ---------------------------------------------------------------------- the loop


@dataclass
class Search:
    """One search: its space, size, sampler and evaluation.

    Attributes:
        space: Parameter name to Optuna distribution, in the order they are asked.
        trials: Trials wanted (rounded up to whole batches).
        batch: Trials per batch.
        sampler: ``tpe`` or ``nsga2``.
        seed: The root seed the samplers' seeds come from.
        evaluate: Evaluates one batch's proposals.
    """

    space: dict[str, Any]
    trials: int
    batch: int
    sampler: str
    seed: int
    evaluate: Evaluate

    @property
    def batches(self) -> int:
        """Batches the search runs."""
        return math.ceil(self.trials / self.batch)


def run_search(
    study, search: Search, out: Path | None, on_batch: Callable[[int], None] | None = None
) -> None:
    """Propose, evaluate and record batches until the study holds ``search.batches`` of them.

    A batch with fewer recorded trials than its size (an interruption while recording) is
    proposed again and completed; see the module's notes for why that gives the same trials.

    Raises:
        ResultsFolderError: When a stored batch does not match its proposals again (the folder
            holds another search).
    """
    with quiet_optuna():
        while (b := _next_batch(study, search.batch)) < search.batches:
            sampler = make_sampler(search.sampler, search.seed, b, search.batch)
            proposals = propose(study, search.space, b, search.batch, sampler)
            recorded = _recorded(study, b)
            _check_same(proposals, recorded, out)
            folder = out / "batches" / f"b{b:05d}" if out is not None else None
            evaluations = _evaluate_batch(study, proposals, search, folder)
            for proposal, evaluation in zip(proposals, evaluations, strict=True):
                if proposal.index not in recorded:
                    record(study, proposal, evaluation)
            if folder is not None and folder.exists():
                shutil.rmtree(folder)
            if on_batch:
                on_batch(b)
    if out is not None and (out / "batches").is_dir() and not any((out / "batches").iterdir()):
        (out / "batches").rmdir()


def _next_batch(study, size: int) -> int:
    counts: dict[int, int] = {}
    for t in finished_trials(study):
        counts[t.user_attrs[BATCH_KEY]] = counts.get(t.user_attrs[BATCH_KEY], 0) + 1
    for b in sorted(counts):
        if counts[b] < size:
            return b
    return max(counts, default=-1) + 1


def _recorded(study, batch: int) -> dict[int, Any]:
    return {
        t.user_attrs[INDEX_KEY]: t
        for t in finished_trials(study)
        if t.user_attrs[BATCH_KEY] == batch
    }


def _check_same(proposals: list[Proposal], recorded: dict[int, Any], out: Path | None) -> None:
    for p in proposals:
        stored = recorded.get(p.index)
        if stored is not None and json.dumps(stored.params, sort_keys=True) != p.key:
            raise ResultsFolderError(
                [
                    f"{out}: batch {p.batch} of the stored study does not match its proposals "
                    "again: the folder holds another search"
                ]
            )


def _evaluate_batch(study, proposals: list[Proposal], search: Search, folder: Path | None):
    """Evaluations of a batch's proposals.

    A proposal equal to a completed trial of an earlier batch, or to an earlier proposal of
    the batch, takes its values (the same runs would be repeated); the others are evaluated
    together. The set evaluated depends only on the batch and the earlier batches, so a
    resumed batch runs the same points in its folder.
    """
    from optuna.trial import TrialState

    batch = proposals[0].batch if proposals else 0
    earlier = {
        json.dumps(t.params, sort_keys=True): t
        for t in finished_trials(study)
        if t.state == TrialState.COMPLETE and t.user_attrs[BATCH_KEY] < batch
    }
    new: dict[str, Proposal] = {}
    for p in proposals:
        if p.key not in earlier and p.key not in new:
            new[p.key] = p
    fresh = search.evaluate(list(new.values()), folder) if new else []
    by_key = dict(zip(new, fresh, strict=True))
    out = []
    for p in proposals:
        if p.key in earlier:
            out.append(_copy(earlier[p.key]))
        elif new[p.key] is p:
            out.append(by_key[p.key])
        else:
            same = _copy_fresh(by_key[p.key], new[p.key])
            out.append(same)
    return out


def _copy_fresh(evaluation: Evaluation, first: Proposal) -> Evaluation:
    attrs = {**evaluation.attrs, "same_as": f"proposal {first.index} of batch {first.batch}"}
    return Evaluation(evaluation.values, attrs, evaluation.constraint, evaluation.reason)


def _copy(trial) -> Evaluation:
    attrs = {k: v for k, v in trial.user_attrs.items() if k not in (BATCH_KEY, INDEX_KEY)}
    attrs["same_as"] = f"trial {trial.number}"
    constraint = trial.constraints.get(BUDGET_CONSTRAINT) if trial.constraints else None
    return Evaluation(list(trial.values), attrs, constraint)


@contextlib.contextmanager
def executor_pool(executor, workers: int) -> Iterator[tuple[Any, int]]:
    """(executor, workers) for a whole search: the given executor, or one local pool kept open.

    Without an executor and with more than one worker, one local process pool serves every
    batch (:func:`sim.experiments.experiment.local_pool`) instead of a pool started per batch.
    """
    from sim.experiments.experiment import local_pool

    if executor is not None or workers <= 1:
        yield executor, workers
        return
    with local_pool(workers) as pool:
        yield pool, workers


@contextlib.contextmanager
def trial_bar(spec: Search, study, show: bool) -> Iterator[Callable[[int], None]]:
    """A progress bar of the trials; yields the callback that marks a batch finished."""
    from tqdm.auto import tqdm

    total = spec.batches * spec.batch
    done = min(len(finished_trials(study)), total)
    bar = tqdm(total=total, initial=done, disable=not show, unit="trial",
               desc=f"trials (batches of {spec.batch})", dynamic_ncols=True)  # fmt: skip
    try:
        yield lambda b: bar.update(min(spec.batch * (b + 1), total) - bar.n)
    finally:
        bar.close()


# ---------------------------------------------------------------------- tables and folders


def trials_table(study, names: list[str], values: list[str]) -> pd.DataFrame:
    """One row per stored trial: number, batch, state, parameters, values and figures.

    Args:
        study: The stored study.
        names: Parameter names (columns, in this order).
        values: Names of the objective values (columns, in this order).
    """
    rows = []
    for t in finished_trials(study):
        attrs = dict(t.user_attrs)
        row = {
            "trial": t.number,
            BATCH_KEY: attrs.pop(BATCH_KEY),
            "state": t.state.name.lower(),
            **{n: t.params.get(n) for n in names},
        }
        row.update(zip(values, t.values or [math.nan] * len(values), strict=True))
        if t.constraints:
            row["feasible"] = all(v <= 0 for v in t.constraints.values())
        attrs.pop(INDEX_KEY, None)
        row.update(attrs)
        rows.append(row)
    return pd.DataFrame(rows)


def prepare_folder(out: Path, plan: dict[str, Any], resume: bool, what: str) -> None:
    """Create ``out`` with its plan, or check a resumed folder's plan against ``plan``.

    Args:
        out: The output folder.
        plan: Everything that decides the trials (as JSON-able data).
        resume: Continue the search in ``out``.
        what: The command, for messages.

    Raises:
        ResultsFolderError: When ``out`` is not empty (without resume), or is not a folder of
            this command, or was made with other settings.
    """
    from sim.experiments.storage import atomic_write

    plan_file = out / PLAN_FILE
    plan = json.loads(json.dumps(plan))
    if resume:
        if not plan_file.exists():
            raise ResultsFolderError([f"--resume {out}: not a {what} folder (no {PLAN_FILE})"])
        stored = json.loads(plan_file.read_text())
        if stored != plan:
            keys = sorted({*stored, *plan} - {k for k in plan if stored.get(k) == plan[k]})
            raise ResultsFolderError(
                [f"--resume {out}: the search differs from the stored one in {', '.join(keys)}"]
            )
        return
    if out.exists() and any(out.iterdir()):
        raise ResultsFolderError(
            [
                f"--out {out}: the folder is not empty; continue it with --resume or pick another --out"
            ]
        )
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(plan_file, lambda p: p.write_text(json.dumps(plan, indent=1) + "\n"))


def derived_folder(out: Path | None, name: str, key: Any) -> Path | None:
    """``out/name`` for runs derived from the study (a check or re-run), emptied when stale.

    The runs depend on the study's best trials, which change when a resumed study grows; a
    folder made for other values (``key``, stored beside it as ``name.json``) is removed, so
    an interrupted re-run resumes and a stale one is redone.
    """
    if out is None:
        return None
    folder, stamp = out / name, out / f"{name}.json"
    text = json.dumps(key, sort_keys=True, default=str)
    if stamp.exists() and stamp.read_text() == text:
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    write_text(text, stamp)
    return folder


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a table as CSV, atomically."""
    from sim.experiments.storage import atomic_write

    atomic_write(path, lambda p: frame.to_csv(p, index=False))


def write_text(text: str, path: Path) -> None:
    """Write text (UTF-8), atomically."""
    from sim.experiments.storage import atomic_write

    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def round_value(value: float, digits: int = 4) -> float:
    """``value`` to ``digits`` significant digits (what a file shows and a run then uses)."""
    if value == 0 or not math.isfinite(value):
        return float(value)
    return float(f"{value:.{digits}g}")


def nested(values: dict[str, Any]) -> dict[str, Any]:
    """Dotted paths to a nested mapping: ``{"a.b": 1}`` to ``{"a": {"b": 1}}``."""
    out: dict[str, Any] = {}
    for path, value in values.items():
        node = out
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


__all__ = [
    "DEFAULT_BATCH",
    "Evaluation",
    "Proposal",
    "Search",
    "derived_folder",
    "make_sampler",
    "nested",
    "open_study",
    "prepare_folder",
    "propose",
    "record",
    "round_value",
    "run_search",
    "sampler_seed",
    "trials_table",
]

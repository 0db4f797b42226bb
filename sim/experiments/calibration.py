"""Calibration: the values of the uncertain parameters that best reproduce an organization's history.

The targets are weekly outcomes the organization saw (``targets.csv``: ``outcome``, ``week``,
``value``, optional ``weight`` and ``sd``), for example its voluntary leavers or the adoption
curve of a past tool rollout. The searched parameters are the scenario's ``uncertain:`` block
(else every ``dynamics`` parameter with a declared plausible range), each over its range
(``[low, high]``; the shape of a ``normal`` or ``triangular`` entry is not used: this is a
search, not a posterior). Each trial runs the calibrated arm (default: the baseline, which is
what the organization ran) with K replications, **the same K seeds for every trial**, and
scores the simulated mean of each target against its value:

    objective = sum_i w_i ((mean_i - value_i) / sd_i)^2 / sum_i w_i

(``sd_i`` 1 where the file gives none: the error is then in the outcome's own units). With sd
given, an objective near 1 means the fit misses by about one sd on average. Optuna's TPE
sampler proposes the values (see :mod:`sim.experiments.search` for batches, seeds and resume).

Afterwards the best values, rounded to 4 significant digits as ``calibrated.yaml`` writes
them, are run again with more replications (``check_reps``): the fit figure shows each target
against that run's mean and 10-90% band, and the objective of that run says whether the fit
holds beyond the K seeds it was searched with. **Identifiability**: for each parameter, the
spread of its values among the best 10% of trials, as a share of the spread of a uniform draw
over its range; a parameter the targets pin down has a small share, one they leave free a
share near 1 (see :data:`PINNED_BELOW`).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.errors import DataFileError, OptionError, ScenarioError, shown
from sim.experiments import search
from sim.model.outcomes import columns
from sim.model.scenario import Scenario, load_scenario
from sim.model.uncertainty import Factor, scenario_factors

DEFAULT_TRIALS = 64
"""Trials by default (8 batches of 8)."""

DEFAULT_REPS = 4
"""Replications per trial by default (the same seeds for every trial)."""

DEFAULT_CHECK_REPS = 20
"""Replications of the check run at the best values by default."""

TOP_SHARE = 0.1
"""Share of the best trials whose spread says whether a parameter is pinned down."""

TOP_MIN = 5
"""Fewest trials in that top group."""

PINNED_BELOW = 0.5
"""A parameter is pinned down when its best trials spread less than this share of a uniform
draw's standard deviation over its range (assumption: half the spread of a free parameter)."""

MAX_TARGET_BYTES = 10 * 1024 * 1024
"""Largest targets file read."""

MAX_ERRORS = 20
"""Most problems of a targets file reported at once."""

COLUMNS = ("outcome", "week", "value", "weight", "sd")
"""Columns of a targets file (weight and sd optional)."""


# ---------------------------------------------------------------------- targets


def weekly_outcomes(scenario: Scenario) -> list[str]:
    """The weekly outcome columns of a scenario (what a target may name)."""
    techs = [t.name for t in scenario.organization.technologies]
    return columns(techs, scenario.organization.levels)


def read_targets(path: str | Path, scenario: Scenario) -> pd.DataFrame:
    """Read and check a targets file against a scenario.

    Args:
        path: CSV with columns ``outcome``, ``week``, ``value`` and optional ``weight`` (default
            1) and ``sd`` (default: none, the error in the outcome's units).
        scenario: The scenario the targets are fitted with (outcome names, horizon).

    Returns:
        One row per target: ``line``, ``outcome``, ``week``, ``value``, ``weight``, ``sd``
        (NaN where none was given).

    Raises:
        DataFileError: Every problem (up to :data:`MAX_ERRORS`), each naming the line, the
            column and the value.
    """
    path = Path(path)
    text = _read_text(path)
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise DataFileError(
            ["line 1: no header; expected outcome,week,value[,weight][,sd]"], str(path)
        )
    names = [h.strip().lower() for h in header]
    _check_header(names, path)
    known = set(weekly_outcomes(scenario))
    rows, errors, seen = [], [], {}
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        row = _target_row(
            dict(zip(names, values, strict=False)),
            len(values),
            len(names),
            line,
            known,
            scenario,
            errors,
        )
        if row is None:
            continue
        key = (row["outcome"], row["week"])
        if key in seen:
            errors.append(
                f"line {line}: {key[0]} at week {key[1]} is already a target (line {seen[key]})"
            )
        seen.setdefault(key, line)
        rows.append(row)
        if len(errors) >= MAX_ERRORS:
            break
    if not rows and not errors:
        errors.append("no targets: the file has a header and no rows")
    if rows and not errors and sum(r["weight"] for r in rows) <= 0:
        errors.append("weight: every weight is 0; at least one target must count")
    if errors:
        raise DataFileError(errors[:MAX_ERRORS], str(path))
    return pd.DataFrame(rows, columns=["line", "outcome", "week", "value", "weight", "sd"])


def _read_text(path: Path) -> str:
    import os
    import stat

    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise DataFileError(["file not found"], str(path)) from None
    except OSError as exc:
        raise DataFileError([f"cannot read the file: {exc.strerror or exc}"], str(path)) from None
    if not stat.S_ISREG(info.st_mode):
        raise DataFileError(["not a regular file; give a CSV file"], str(path))
    if info.st_size > MAX_TARGET_BYTES:
        raise DataFileError(
            [f"larger than {MAX_TARGET_BYTES // 1024**2} MiB: not a targets file"], str(path)
        )
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataFileError([f"not UTF-8 text (byte {exc.start})"], str(path)) from None


def _check_header(names: list[str], path: Path) -> None:
    problems = []
    missing = [c for c in COLUMNS[:3] if c not in names]
    if missing:
        problems.append(f"line 1: missing column(s) {', '.join(missing)} (header {names})")
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        problems.append(
            f"line 1: unknown column(s) {', '.join(map(repr, unknown))}; columns are {', '.join(COLUMNS)}"
        )
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        problems.append(f"line 1: column(s) {', '.join(twice)} given twice")
    if problems:
        raise DataFileError(problems, str(path))


def _target_row(cells, got, want, line, known, scenario, errors) -> dict[str, Any] | None:
    before = len(errors)
    if got != want:
        errors.append(f"line {line}: {got} fields, the header has {want}")
        return None
    outcome = cells["outcome"].strip()
    if outcome not in known:
        errors.append(
            f"line {line}, outcome: {shown(outcome)} is not a weekly outcome of this scenario "
            "(see mentorsim list outcomes: e.g. leavers, retention[millennial], "
            f"adoption[{scenario.organization.technologies[0].name}])"
        )
    week = _number(cells["week"], "week", line, errors, whole=True)
    if week is not None and not 0 <= week <= scenario.horizon_weeks:
        errors.append(
            f"line {line}, week: {week:g} is outside the run's weeks 0-{scenario.horizon_weeks}"
        )
    value = _number(cells["value"], "value", line, errors)
    weight = _number(cells.get("weight", ""), "weight", line, errors, default=1.0)
    if weight is not None and weight < 0:
        errors.append(f"line {line}, weight: {weight:g} is negative")
    sd = _number(cells.get("sd", ""), "sd", line, errors, default=math.nan)
    if sd is not None and not math.isnan(sd) and sd <= 0:
        errors.append(f"line {line}, sd: {sd:g} must be above 0")
    if len(errors) > before:
        return None
    return {
        "line": line,
        "outcome": outcome,
        "week": int(week),
        "value": value,
        "weight": weight,
        "sd": sd,
    }


def _number(
    text: str,
    column: str,
    line: int,
    errors: list[str],
    whole: bool = False,
    default: float | None = None,
):
    text = (text or "").strip()
    if not text and default is not None:
        return default
    try:
        value = float(text)
    except ValueError:
        errors.append(f"line {line}, {column}: {shown(text)} is not a number")
        return None
    if not math.isfinite(value):
        errors.append(f"line {line}, {column}: {shown(text)} is not a finite number")
        return None
    if whole and not value.is_integer():
        errors.append(f"line {line}, {column}: {shown(text)} is not a whole number of weeks")
        return None
    return value


def objective(means: np.ndarray, targets: pd.DataFrame) -> np.ndarray:
    """Weighted mean squared standardized error of simulated means against the targets.

    Args:
        means: Points x targets: the simulated mean of each target (a row per point).
        targets: The targets (``value``, ``weight``, ``sd``).

    Returns:
        One objective per point; NaN where a simulated mean is undefined.
    """
    value = targets["value"].to_numpy(float)
    weight = targets["weight"].to_numpy(float)
    sd = targets["sd"].fillna(1.0).to_numpy(float)
    z = (np.atleast_2d(means) - value) / sd
    return (weight * z**2).sum(axis=1) / weight.sum()


def simulated(timeseries: pd.DataFrame, targets: pd.DataFrame, points: int) -> np.ndarray:
    """Points x targets: the mean over replications of each target's outcome at its week."""
    ts = timeseries if "point" in timeseries.columns else timeseries.assign(point=0)
    table = ts.groupby(["point", "week"])[list(dict.fromkeys(targets["outcome"]))].mean()
    out = np.full((points, len(targets)), np.nan)
    for j, (outcome, week) in enumerate(zip(targets["outcome"], targets["week"], strict=True)):
        column = table[outcome]
        for p in range(points):
            out[p, j] = column.get((p, week), np.nan)
    return out


# ---------------------------------------------------------------------- settings and results


@dataclass
class Settings:
    """What a calibration runs.

    Attributes:
        trials: Trials wanted (rounded up to whole batches).
        reps: Replications per trial (the same seeds for every trial).
        batch: Trials proposed and run together.
        arm: The arm the organization ran (default: the baseline).
        check_reps: Replications of the check run at the best values.
    """

    trials: int = DEFAULT_TRIALS
    reps: int = DEFAULT_REPS
    batch: int = search.DEFAULT_BATCH
    arm: str | None = None
    check_reps: int = DEFAULT_CHECK_REPS


@dataclass
class Calibration:
    """Results of a calibration.

    Attributes:
        settings: What was run.
        factors: The searched parameters.
        targets: The targets.
        trials: One row per trial: its parameters and objective.
        best: Parameter path to its best value, rounded as ``calibrated.yaml`` writes it.
        best_trial: The number of the best trial.
        best_objective: Its objective (K replications).
        check_objective: The objective of the check run at ``best`` (``check_reps``).
        fit: One row per target: the check run's mean, p10 and p90, and the standardized error.
        bands: The check run's weekly mean, p10 and p90 of every target outcome (for figures).
        identifiability: One row per parameter: the spread of the best trials, pinned or not.
        scenario_name: The scenario's name.
        arm: The calibrated arm.
        currency: The scenario's currency.
        path: The output folder, when written.
    """

    settings: Settings
    factors: list[Factor]
    targets: pd.DataFrame
    trials: pd.DataFrame
    best: dict[str, float | int]
    best_trial: int
    best_objective: float
    check_objective: float
    fit: pd.DataFrame
    bands: pd.DataFrame
    identifiability: pd.DataFrame
    scenario_name: str
    arm: str
    currency: str = "EUR"
    path: Path | None = field(default=None)


def check_settings(scenario: Scenario, settings: Settings) -> Settings:
    """Fill in the arm and check the settings; raise OptionError or ScenarioError."""
    errors = []
    for name, value, low in (("--trials", settings.trials, 1), ("--reps", settings.reps, 1),
                             ("--batch", settings.batch, 1), ("--check-reps", settings.check_reps, 2)):  # fmt: skip
        if value < low:
            errors.append(f"{name}: must be at least {low} (got {value})")
    names = [a.name for a in scenario.arms]
    arm = settings.arm or scenario.baseline
    if arm not in names:
        errors.append(f"--arm: {arm!r} is not one of the arms {names}")
    if errors:
        raise OptionError(errors)
    if scenario.model != "reverse_mentoring":
        raise ScenarioError(
            [f"model: calibrate fits the reverse-mentoring model, not {scenario.model}"]
        )
    settings.arm = arm
    return settings


def calibration_factors(scenario: Scenario) -> list[Factor]:
    """The searched parameters: the ``uncertain:`` block, else the declared plausible ranges."""
    try:
        factors = scenario_factors(type(scenario), scenario)
    except ValueError as exc:
        raise ScenarioError([str(exc)]) from None
    arms = [f.path for f in factors if f.path.startswith("arms.")]
    if arms:
        raise ScenarioError(
            [
                f"uncertain.{arms[0]}: calibrate fits the organization and its dynamics; a program field is a lever of mentorsim optimize"
            ]
        )
    return factors


def arm_scenario(scenario: Scenario, arm: str) -> Scenario:
    """The scenario with only ``arm`` (the calibration runs nothing else)."""
    data = scenario.to_dict()
    data["arms"] = [a for a in data["arms"] if a["name"] == arm]
    data["baseline_arm"] = arm
    data["levers"] = None
    return load_scenario(data)


def space(factors: list[Factor]) -> dict[str, Any]:
    """Optuna distributions of the factors over their ranges."""
    from optuna.distributions import FloatDistribution, IntDistribution

    return {
        f.path: IntDistribution(math.ceil(f.low), math.floor(f.high))
        if f.integer
        else FloatDistribution(f.low, f.high)
        for f in factors
    }


def run_points(
    scenario: Scenario, points: list[dict[str, Any]], reps: int, executor, workers, out
) -> pd.DataFrame:
    """The weekly outcomes of ``points`` (K replications each, the scenario's seeds)."""
    from sim.experiments.experiment import run_experiment

    results = run_experiment(
        scenario,
        points=points,
        replications=reps,
        executor=executor,
        workers=workers,
        out=out,
        resume=out is not None and Path(out).exists(),
        summaries=False,
    )
    return results.timeseries


def evaluate_points(
    scenario: Scenario,
    targets: pd.DataFrame,
    points: list[dict[str, Any]],
    reps: int,
    executor=None,
    workers: int = 1,
) -> np.ndarray:
    """The objective at each point (a field path to value mapping), K replications each.

    The same function the search scores its trials with: the objective at known values (the
    truth of a synthetic history, say) can be compared with the best trial's.
    """
    ts = run_points(scenario, points, reps, executor, workers, None)
    return objective(simulated(ts, targets, len(points)), targets)


def _evaluator(
    scenario: Scenario, factors: list[Factor], targets: pd.DataFrame, reps: int, executor, workers
):
    def evaluate(proposals: list[search.Proposal], folder: Path | None) -> list[search.Evaluation]:
        points = [{f.path: f.cast(p.params[f.path]) for f in factors} for p in proposals]
        ts = run_points(scenario, points, reps, executor, workers, folder)
        values = objective(simulated(ts, targets, len(points)), targets)
        return [
            search.Evaluation([float(v)]) if np.isfinite(v)
            else search.Evaluation(None, reason="a target's outcome is undefined in every replication")
            for v in values
        ]  # fmt: skip

    return evaluate


# ---------------------------------------------------------------------- the whole calibration


def plan(
    scenario: Scenario, settings: Settings, factors: list[Factor], targets: pd.DataFrame
) -> dict[str, Any]:
    """Everything that decides the trials (a resume must match it; ``trials`` may grow)."""
    return {
        "command": "calibrate",
        "scenario": scenario.to_dict(),
        "arm": settings.arm,
        "reps": settings.reps,
        "batch": settings.batch,
        "factors": [f.__dict__ for f in factors],
        "targets": targets.drop(columns="line").to_dict(orient="list"),
    }


def run_calibration(
    scenario: Scenario | dict | str | Path | None,
    targets: pd.DataFrame | str | Path,
    settings: Settings | None = None,
    *,
    executor: Any = None,
    workers: int = 1,
    out: str | Path | None = None,
    resume: bool = False,
    progress: bool = False,
) -> Calibration:
    """Search the uncertain parameters for the values that best reproduce the targets.

    Args:
        scenario: Scenario, mapping, YAML path or None for the defaults.
        targets: The targets (as :func:`read_targets` gives them) or a targets file.
        settings: Trials, replications, batch size, arm, check replications.
        executor: Any ``concurrent.futures.Executor`` for the runs.
        workers: Local worker processes when no executor is given (kept for the whole search).
        out: Output folder (the stored study, the batches' runs while they run, the check run);
            None keeps everything in memory.
        resume: Continue the calibration in ``out``.
        progress: Show a progress bar of the trials.

    Returns:
        The :class:`Calibration` (written to ``out`` when given: see :func:`write`).

    Raises:
        ScenarioError, OptionError, DataFileError: Bad scenario, settings or targets.
        ResultsFolderError: ``out`` is not empty (without resume) or holds another search.
        ExperimentError: Some runs raised (the finished ones are kept in ``out``).
    """
    scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    settings = check_settings(scenario, settings or Settings())
    targets = targets if isinstance(targets, pd.DataFrame) else read_targets(targets, scenario)
    factors = calibration_factors(scenario)
    one_arm = arm_scenario(scenario, settings.arm)
    out = Path(out) if out is not None else None
    if out is not None:
        search.prepare_folder(out, plan(one_arm, settings, factors, targets), resume, "calibrate")
    with search.executor_pool(executor, workers) as (pool, n):
        spec = search.Search(
            space(factors), settings.trials, settings.batch, "tpe", scenario.seed,
            _evaluator(one_arm, factors, targets, settings.reps, pool, n),
        )  # fmt: skip
        with search.quiet_optuna():
            study = search.open_study(out, "calibrate", ["minimize"])
        with search.trial_bar(spec, study, progress) as tick:
            search.run_search(study, spec, out, tick)
        result = _results(one_arm, settings, factors, targets, study)
        _check(result, one_arm, pool, n, out)
    if out is not None:
        write(result, out)
    return result


def _results(scenario, settings, factors, targets, study) -> Calibration:
    names = [f.path for f in factors]
    trials = search.trials_table(study, names, ["objective"])
    done = trials[trials["state"] == "complete"]
    if done.empty:
        raise ScenarioError(["no trial could be scored: every target's outcome was undefined"])
    best_row = done.loc[done["objective"].idxmin()]
    best = {f.path: _rounded(f, best_row[f.path]) for f in factors}
    return Calibration(
        settings=settings,
        factors=factors,
        targets=targets,
        trials=trials,
        best=best,
        best_trial=int(best_row["trial"]),
        best_objective=float(best_row["objective"]),
        check_objective=math.nan,
        fit=pd.DataFrame(),
        bands=pd.DataFrame(),
        identifiability=identifiability(done, factors),
        scenario_name=scenario.name,
        arm=settings.arm,
        currency=scenario.currency,
    )


def _rounded(f: Factor, value: float) -> float | int:
    if f.integer:
        return round(float(value))
    return float(min(max(search.round_value(float(value)), f.low), f.high))


def identifiability(done: pd.DataFrame, factors: list[Factor]) -> pd.DataFrame:
    """Per parameter: the spread of the best trials, against a uniform draw over its range.

    The best ``max(TOP_MIN, 10%)`` complete trials by objective; ``relative_spread`` is their
    standard deviation over ``(high - low) / sqrt(12)``, the standard deviation of a uniform
    draw over the range. Below :data:`PINNED_BELOW` the targets pin the parameter down.
    """
    n = min(len(done), max(TOP_MIN, math.ceil(TOP_SHARE * len(done))))
    top = done.nsmallest(n, "objective", keep="first")
    rows = []
    for f in factors:
        values = top[f.path].to_numpy(float)
        uniform_sd = (f.high - f.low) / math.sqrt(12)
        spread = float(values.std(ddof=1)) / uniform_sd if len(values) > 1 else math.nan
        rows.append({
            "parameter": f.path, "low": f.low, "high": f.high, "default": f.default,
            "top_trials": n, "top_min": float(values.min()), "top_max": float(values.max()),
            "top_median": float(np.median(values)), "relative_spread": spread,
            "pinned": bool(spread < PINNED_BELOW) if math.isfinite(spread) else False,
        })  # fmt: skip
    return pd.DataFrame(rows)


def _check(result: Calibration, scenario: Scenario, executor, workers, out: Path | None) -> None:
    """Run the best values with ``check_reps`` replications; fill in the fit and the bands."""
    folder = search.derived_folder(out, "check", [result.best, result.settings.check_reps])
    ts = run_points(scenario, [result.best], result.settings.check_reps, executor, workers, folder)
    targets = result.targets
    means = simulated(ts, targets, 1)[0]
    result.check_objective = float(objective(means, targets)[0])
    outcomes = list(dict.fromkeys(targets["outcome"]))
    weekly = ts.groupby("week")[outcomes]
    bands = pd.concat(
        {"mean": weekly.mean(), "p10": weekly.quantile(0.1), "p90": weekly.quantile(0.9)},
        names=["stat"],
    )
    result.bands = bands.reset_index()
    fit = targets.copy()
    at = ts.groupby("week")
    fit["simulated_mean"] = means
    fit["simulated_p10"] = [
        at[o].quantile(0.1).get(w, np.nan) for o, w in zip(fit["outcome"], fit["week"], strict=True)
    ]
    fit["simulated_p90"] = [
        at[o].quantile(0.9).get(w, np.nan) for o, w in zip(fit["outcome"], fit["week"], strict=True)
    ]
    fit["standardized_error"] = (fit["simulated_mean"] - fit["value"]) / fit["sd"].fillna(1.0)
    result.fit = fit


# ---------------------------------------------------------------------- writing


def calibrated_yaml(result: Calibration) -> str:
    """``calibrated.yaml``: the best values as a block ready to paste into the scenario."""
    import yaml

    body = yaml.safe_dump(search.nested(result.best), sort_keys=False, default_flow_style=False)
    s = result.settings
    head = [
        f"# Calibrated with mentorsim calibrate: scenario {result.scenario_name}, arm {result.arm},",
        f"# {len(result.targets)} targets, best of {len(result.trials)} trials (trial {result.best_trial}),",
        f"# objective {result.best_objective:.4g} with {s.reps} replications and "
        f"{result.check_objective:.4g} with {s.check_reps}",
        "# (weighted mean squared error of the simulated means, standardized by sd where given).",
        "# Paste into the scenario, merging with its own blocks; values rounded to 4 significant digits.",
    ]
    loose = [r.parameter for r in result.identifiability.itertuples() if not r.pinned]
    if loose:
        head.append(
            "# Not pinned down by the targets (see identifiability.csv): " + ", ".join(loose)
        )
    return "\n".join(head) + "\n" + body


def write(result: Calibration, out: Path) -> None:
    """Write calibrated.yaml, trials.csv, fit.csv, identifiability.csv and bands.csv."""
    result.path = out
    search.write_text(calibrated_yaml(result), out / "calibrated.yaml")
    search.write_csv(result.trials, out / "trials.csv")
    search.write_csv(result.fit.drop(columns="line"), out / "fit.csv")
    search.write_csv(result.identifiability, out / "identifiability.csv")
    search.write_csv(result.bands, out / "bands.csv")


CalibrationSettings = Settings
"""The name :mod:`sim` exports :class:`Settings` under."""

__all__ = [
    "Calibration",
    "CalibrationSettings",
    "Settings",
    "calibrated_yaml",
    "evaluate_points",
    "identifiability",
    "objective",
    "read_targets",
    "run_calibration",
    "simulated",
]

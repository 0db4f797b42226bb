"""Which assumptions matter: Morris screening and Sobol indices of a program's paired effect.

The uncertain parameters (a scenario's ``uncertain:`` block, else every ``dynamics`` parameter
over its declared plausible range; see :mod:`sim.model.uncertainty`) are sampled with SALib:
Morris trajectories (``SALib.sample.morris``, 4 levels) or Saltelli's extension of the Sobol'
sequence (``SALib.sample.sobol``, first and total order). Every sample point is a sweep point
of :func:`~sim.experiments.experiment.run_experiment`, so the runs are resumable, run on any
executor and give the same bytes for any number of workers. Every point runs every arm with
the same replication seeds (common random numbers), and the analysed quantity is the **paired
effect**: arm minus baseline, replication by replication, averaged over the K replications
(``raw=True`` analyses the arms' own outcomes instead).

Common random numbers make an inert parameter's index exactly zero: changing a parameter the
outcome does not read leaves every draw, hence every run, identical, so each elementary
effect (Morris) and each difference ``f(A) - f(AB_i)`` (Sobol) is exactly 0.

**Noise floor.** Replication noise also moves the effect from point to point and so inflates
every index. The same analysis is run on outputs that hold every parameter at its default and
vary only the seeds: each point's value is the mean of K per-replication effects drawn (with
replacement) from ``noise_groups`` x K replications at the defaults. The floor is the 95th
percentile of the indices over :data:`NOISE_DRAWS` such datasets (for Sobol, re-expressed as a
share of the main sample's variance). The main analysis shares seeds across points, so its
noise is smaller than this independent-seed noise: the floor is conservative. An index at or
below it is no larger than what replication noise alone can produce; one above it is influence.

**Robustness.** For each outcome and arm: the share of points where the paired effect is
positive with a 95% Wilson score interval (it stays inside [0, 1]; Brown, Cai & DasGupta
2001), and the effect's minimum, median and maximum. The interval treats the points as
independent draws from the plausible space; Morris points along one trajectory are not, so
read a Morris interval as optimistic.

**Scenario discovery.** For a binary "the program pays off" (``roi > 0`` by default), a PRIM
box (Friedman & Fisher 1999, peeling only) over the uncertain parameters says under which
assumptions it holds: see :func:`prim`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.core.rng import Streams
from sim.experiments.sensitivity_defaults import (  # the defaults the command line shows
    DEFAULT_OUTCOMES,
    DEFAULT_REPS,
    DEFAULT_SAMPLES,  # noqa: F401 (part of this module's interface, as before)
    DEFAULT_TRAJECTORIES,
    METHODS,
    NOISE_GROUPS,
)
from sim.model.outcomes import CATALOG, EXPERIMENT_OUTCOMES, OWN_FIGURES, expand
from sim.model.scenario import Scenario, ScenarioError, load_scenario
from sim.model.uncertainty import NORMAL_TAIL_SD, Z95, Factor, scenario_factors

MORRIS_LEVELS = 4
"""Grid levels of the Morris design (SALib's default; steps of 2/3 of the range)."""

RESAMPLES = 1000
"""Bootstrap resamples of SALib's confidence intervals."""

NOISE_DRAWS = 100
"""Noise-only datasets analysed to set the noise floor (its 95th percentile)."""

PRIM_ALPHA = 0.05
"""Share of the points in the box peeled off at each PRIM step."""

PRIM_MIN_MASS = 0.05
"""PRIM stops peeling when fewer than this share of the points are left in the box."""

PRIM_MIN_COVERAGE = 0.5
"""The reported PRIM box keeps at least this share of the points where the condition holds."""

PRIM_MAX_P = 0.05
"""A PRIM restriction is kept only when its quasi-p-value is at most this."""

EFFECT = "effect"
RAW = "raw"
OWN = "own value"
"""The quantity of an outcome whose effect is the arm's own value (:func:`own_value_outcomes`)."""


# ---------------------------------------------------------------------- the design


def problem(factors: list[Factor]) -> dict[str, Any]:
    """SALib's problem definition (``num_vars``, ``names``, ``bounds``, ``dists``)."""
    bounds, dists = zip(*(_salib_distribution(f) for f in factors), strict=True)
    return {
        "num_vars": len(factors),
        "names": [f.path for f in factors],
        "bounds": [list(b) for b in bounds],
        "dists": list(dists),
    }


def _salib_distribution(f: Factor) -> tuple[list[float], str]:
    if f.dist == "uniform":
        return [f.low, f.high], "unif"
    if f.dist == "triangular":
        peak = (f.low + f.high) / 2 if f.peak is None else f.peak
        return [f.low, f.high, (peak - f.low) / (f.high - f.low)], "triang"
    mean, sd = (f.low + f.high) / 2, (f.high - f.low) / (2 * Z95)
    low, high = mean - NORMAL_TAIL_SD * sd, mean + NORMAL_TAIL_SD * sd
    if f.valid_low is not None and low <= f.valid_low:
        low = float(np.nextafter(f.valid_low, np.inf))  # an open bound stays open
    if f.valid_high is not None and high >= f.valid_high:
        high = float(np.nextafter(f.valid_high, -np.inf))
    return [low, high, mean, sd], "truncnorm"


def sample(method: str, factors: list[Factor], size: int, seed: int) -> np.ndarray:
    """Sample the design: one row per point, one column per factor, values as sampled.

    Args:
        method: ``morris`` (``size`` trajectories, ``size (k + 1)`` points) or ``sobol``
            (``size`` base samples, a power of 2, ``size (k + 2)`` points).
        factors: The uncertain parameters.
        size: Trajectories or base samples.
        seed: Seed of the design.
    """
    from SALib.sample import morris, sobol

    if method == "morris":
        return morris.sample(problem(factors), size, num_levels=MORRIS_LEVELS, seed=seed)
    if method == "sobol":
        return sobol.sample(problem(factors), size, calc_second_order=False, seed=seed)
    raise ValueError(f"unknown method {method!r}; valid: {', '.join(METHODS)}")


def to_points(factors: list[Factor], design: np.ndarray) -> list[dict[str, Any]]:
    """Sweep points of the design: field path to value (rounded for whole-number fields)."""
    return [
        {f.path: f.cast(v) for f, v in zip(factors, row, strict=True)} for row in design.tolist()
    ]


def design_size(method: str, size: int, k: int) -> int:
    """Number of points of a design."""
    return size * (k + 1) if method == "morris" else size * (k + 2)


# ---------------------------------------------------------------------- the analysis


def analyse(
    method: str, factors: list[Factor], design: np.ndarray, values: np.ndarray, seed: int
) -> pd.DataFrame:
    """Indices of every factor for one output, with SALib's bootstrap intervals.

    Args:
        method: ``morris`` or ``sobol``.
        factors: The uncertain parameters (the design's columns).
        design: The design as sampled.
        values: One output value per design row.
        seed: Seed of the bootstrap (a positive integer).

    Returns:
        One row per factor: ``parameter`` and ``mu``, ``mu_star``, ``mu_star_conf``, ``sigma``
        (Morris) or ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (Sobol); the ``_conf`` columns are
        half-widths of 95% intervals. An output that does not vary gets indices of 0.
    """
    return _indices(method, factors, design, np.asarray(values, float), seed, RESAMPLES)


def _indices(method, factors, design, values, seed, resamples) -> pd.DataFrame:
    import warnings

    from SALib.analyze import morris, sobol

    names = [f.path for f in factors]
    if method == "morris":
        si = morris.analyze(
            problem(factors), design, values, num_resamples=resamples,
            num_levels=MORRIS_LEVELS, seed=seed,
        )  # fmt: skip
        cols = ("mu", "mu_star", "mu_star_conf", "sigma")
    else:
        cols = ("S1", "S1_conf", "ST", "ST_conf")
        if np.ptp(values) == 0:  # SALib would divide by a zero variance
            return pd.DataFrame({"parameter": names, **{c: 0.0 for c in cols}})
        with warnings.catch_warnings():  # a bootstrap resample may hold equal values: harmless
            warnings.filterwarnings("ignore", "Constant values encountered", UserWarning)
            si = sobol.analyze(
                problem(factors), values, calc_second_order=False, num_resamples=resamples,
                seed=seed,
            )  # fmt: skip
    return pd.DataFrame({"parameter": names, **{c: np.asarray(si[c], float) for c in cols}})


MAIN_INDEX = {"morris": "mu_star", "sobol": "ST"}
"""The index that ranks the parameters."""


def noise_floor(
    method: str,
    factors: list[Factor],
    design: np.ndarray,
    values: np.ndarray,
    per_replication: np.ndarray,
    reps: int,
    seed: int,
) -> dict[str, float]:
    """Indices that replication noise alone produces (95th percentile), for one output.

    Args:
        method: ``morris`` or ``sobol``.
        factors: The uncertain parameters.
        design: The design as sampled.
        values: The main analysis' output (for Sobol's variance scale).
        per_replication: Per-replication values at the defaults (many seeds).
        reps: Replications averaged per point (K).
        seed: Seed of the resampling.

    Returns:
        ``{"mu_star": floor}`` (Morris) or ``{"S1": floor, "ST": floor}`` (Sobol).
    """
    keys = ("mu_star",) if method == "morris" else ("S1", "ST")
    if np.ptp(values) == 0:  # nothing varies: every index is exactly 0, and so is the floor
        return dict.fromkeys(keys, 0.0)
    rng = np.random.default_rng(seed)
    draws = rng.choice(per_replication, size=(NOISE_DRAWS, len(design), reps)).mean(axis=2)
    found: dict[str, list[np.ndarray]] = {k: [] for k in keys}
    main_var = float(np.var(values))
    for b, noise in enumerate(draws):
        table = _indices(method, factors, design, noise, seed + b + 1, 2)
        scale = 1.0 if method == "morris" else _variance_ratio(noise, main_var)
        for k in keys:
            found[k].append(np.abs(table[k].to_numpy()) * scale)
    return {k: float(np.percentile(np.concatenate(v), 95)) for k, v in found.items()}


def _variance_ratio(noise: np.ndarray, main_var: float) -> float:
    """Sobol indices are shares of variance: the noise's share of the main output's variance."""
    return float(np.var(noise)) / main_var


# ---------------------------------------------------------------------- robustness and PRIM


def wilson_interval(hits: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a binomial share; it stays inside [0, 1]."""
    if n == 0:
        return float("nan"), float("nan")
    ci = stats.binomtest(hits, n).proportion_ci(confidence_level=level, method="wilson")
    return float(ci.low), float(ci.high)


def robustness_row(effects: np.ndarray) -> dict[str, Any]:
    """Share of points with a positive effect (Wilson 95% interval), and min/median/max."""
    effects = np.asarray(effects, float)
    positive = int((effects > 0).sum())
    low, high = wilson_interval(positive, effects.size)
    return {
        "points": int(effects.size),
        "positive": positive,
        "share_positive": positive / effects.size if effects.size else float("nan"),
        "share_ci95_low": low,
        "share_ci95_high": high,
        "min": float(effects.min()),
        "median": float(np.median(effects)),
        "max": float(effects.max()),
    }


@dataclass
class Box:
    """A PRIM box: the ranges of the restricted parameters, and how well it captures the hits.

    Attributes:
        limits: Parameter path to (low, high) for the restricted parameters only.
        coverage: Share of all the hits (points where the condition holds) inside the box.
        density: Share of the points inside the box that are hits.
        mass: Share of all points inside the box.
    """

    limits: dict[str, tuple[float, float]]
    coverage: float
    density: float
    mass: float


def prim(
    design: np.ndarray,
    hits: np.ndarray,
    names: list[str],
    alpha: float = PRIM_ALPHA,
    min_mass: float = PRIM_MIN_MASS,
    min_coverage: float = PRIM_MIN_COVERAGE,
    max_p: float = PRIM_MAX_P,
) -> Box:
    """PRIM peeling (Friedman & Fisher 1999): the box where the condition holds most often.

    Starting from the whole sample, each step removes the ``alpha`` share of the points in the
    box at the low or the high end of one parameter, choosing the cut that leaves the highest
    density (share of hits); peeling stops when fewer than ``min_mass`` of the points remain
    or the density reaches 1. Each box on that trajectory that holds ``min_coverage`` of all
    hits is then pruned as the EMA workbench's quasi-p-values suggest: a restriction whose
    one-sided binomial test (the box's hits against the density of the box without it) gives
    p > ``max_p`` is dropped, least significant first, so a small sample does not restrict
    parameters that cannot matter. The densest pruned box is returned (no pasting, no
    covering: one box).

    Args:
        design: Points x parameters.
        hits: Whether the condition holds at each point.
        names: Parameter names (the design's columns).
        alpha: Peeling share per step.
        min_mass: Smallest share of points a box may hold.
        min_coverage: Smallest coverage of the returned box.
        max_p: Largest quasi-p-value a restriction keeps.

    Returns:
        The chosen :class:`Box` (with no limits when peeling does not help).
    """
    hits = np.asarray(hits, bool)
    inside = np.ones(len(hits), bool)
    limits: dict[int, tuple[float, float]] = {}
    candidates: list[dict[int, tuple[float, float]]] = [{}]
    for _ in range(10 * len(hits)):
        peel = _peel(design, hits, inside, alpha)
        if peel is None or peel[0].sum() < min_mass * len(hits):
            break
        inside, j, (low, high) = peel
        old = limits.get(j, (-np.inf, np.inf))
        limits[j] = (max(old[0], low), min(old[1], high))
        if hits[inside].sum() >= min_coverage * hits.sum():
            candidates.append(dict(limits))
        if hits[inside].all():
            break
    boxes = [_box(design, hits, _significant(design, hits, c, max_p), names) for c in candidates]
    return max(boxes, key=lambda b: (b.density, -len(b.limits), b.coverage))


def _inside(design: np.ndarray, limits: dict[int, tuple[float, float]]) -> np.ndarray:
    inside = np.ones(len(design), bool)
    for j, (low, high) in limits.items():
        inside &= (design[:, j] >= low) & (design[:, j] <= high)
    return inside


def _significant(design, hits, limits, max_p) -> dict[int, tuple[float, float]]:
    """Drop the restrictions whose quasi-p-value exceeds ``max_p``, least significant first."""
    limits = dict(limits)
    while limits:
        inside = _inside(design, limits)
        n, k = int(inside.sum()), int(hits[inside].sum())
        p_values = {}
        for j in limits:
            without = _inside(design, {i: b for i, b in limits.items() if i != j})
            rate = float(hits[without].mean())
            p_values[j] = stats.binomtest(k, n, rate, alternative="greater").pvalue
        worst = max(p_values, key=lambda j: (p_values[j], -j))
        if p_values[worst] <= max_p:
            break
        del limits[worst]
    return limits


def _peel(design, hits, inside, alpha):
    """The best single peel: (points left in the box, parameter, its new (low, high)), or None."""
    best, best_density = None, -1.0
    for j in range(design.shape[1]):
        x, col = design[inside, j], design[:, j]
        low, high = (
            np.quantile(x, alpha, method="higher"),
            np.quantile(x, 1 - alpha, method="lower"),
        )
        if not (x < low).any():  # ties at the bottom: drop the lowest value
            low = np.min(x[x > x.min()], initial=np.inf)
        if not (x > high).any():
            high = np.max(x[x < x.max()], initial=-np.inf)
        for keep, bound in ((col >= low, (low, np.inf)), (col <= high, (-np.inf, high))):
            candidate = inside & keep
            n = candidate.sum()
            if 0 < n < inside.sum() and hits[candidate].mean() > best_density:
                best, best_density = (candidate, j, bound), hits[candidate].mean()
    return best


def _box(design, hits, limits, names) -> Box:
    inside = _inside(design, limits)
    return Box(
        limits={
            names[j]: (float(max(lo, design[:, j].min())), float(min(hi, design[:, j].max())))
            for j, (lo, hi) in sorted(limits.items())
        },
        coverage=float(hits[inside].sum() / max(int(hits.sum()), 1)),
        density=float(hits[inside].mean()),
        mass=float(inside.mean()),
    )


def parse_condition(text: str) -> tuple[str, str, float]:
    """Parse ``OUTCOME>VALUE`` (or ``<``) into (outcome, operator, threshold)."""
    match = re.fullmatch(r"\s*([^<>\s]+)\s*([<>])\s*(-?[0-9.eE+-]+)\s*", text)
    if not match:
        raise ScenarioError([f"--pays-off {text!r}: expected OUTCOME>VALUE, e.g. roi>0"])
    try:
        return match.group(1), match.group(2), float(match.group(3))
    except ValueError:
        raise ScenarioError([f"--pays-off {text!r}: {match.group(3)!r} is not a number"]) from None


# ---------------------------------------------------------------------- from runs to values


def paired_effect(
    runs: pd.DataFrame,
    baseline: str,
    arm: str,
    outcome: str,
    raw: bool,
    own: Collection[str] = OWN_FIGURES,
) -> pd.Series:
    """Per (point, replication): the arm's paired effect on ``outcome`` (or its raw value).

    The paired effect is the arm's value minus the baseline arm's in the same replication
    (common random numbers: the same people and draws), except for figures that are already
    paired or whose baseline value is 0 or undefined by definition (``own``, see
    :func:`own_value_outcomes`): the arm's own value; and a ``..._same_people`` retention is
    compared with the same people's retention in the baseline (its ``..._in_baseline`` column).
    """
    runs = runs if "point" in runs.columns else runs.assign(point=0)
    rows = runs.set_index(["point", "replication", "arm"])
    own_values = rows[outcome].xs(arm, level="arm")
    if raw or outcome in own:
        return own_values
    if outcome.endswith("_same_people"):
        return own_values - rows[f"{outcome}_in_baseline"].xs(arm, level="arm")
    return own_values - rows[outcome].xs(baseline, level="arm")


def point_values(
    runs: pd.DataFrame,
    baseline: str,
    arms: list[str],
    outcomes: list[str],
    raw: bool,
    own: Collection[str] = OWN_FIGURES,
) -> pd.DataFrame:
    """Per point, arm and outcome: the mean over replications of the paired effect (or raw value).

    Args:
        runs: One row per (point, arm, replication), as :func:`run_experiment` gives them.
        baseline: The baseline arm.
        arms: Arms to report.
        outcomes: Outcome columns.
        raw: The arm's own outcome instead of its paired effect (:func:`paired_effect`).
        own: Outcomes analysed as the arm's own value even when ``raw`` is false.

    Returns:
        Columns ``point``, ``arm``, ``outcome``, ``value``, ``se`` (standard error of the mean
        over replications), ``replications``.
    """
    frames = []
    for arm in arms:
        for outcome in outcomes:
            effect = paired_effect(runs, baseline, arm, outcome, raw, own)
            g = effect.groupby(level="point", sort=True)
            n = g.count()
            sd = g.std(ddof=1).fillna(0.0)
            frames.append(
                pd.DataFrame(
                    {
                        "point": n.index.to_numpy(),
                        "arm": arm,
                        "outcome": outcome,
                        "value": g.mean().to_numpy(),
                        "se": (sd / np.sqrt(n)).to_numpy(),
                        "replications": n.to_numpy(),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def per_replication(
    runs: pd.DataFrame,
    baseline: str,
    arm: str,
    outcome: str,
    raw: bool,
    own: Collection[str] = OWN_FIGURES,
) -> np.ndarray:
    """Per-replication values of one arm and outcome (paired effect or raw), replication order."""
    values = paired_effect(runs, baseline, arm, outcome, raw, own)
    values = values.sort_index(level="replication")
    return values.to_numpy(float)


def outcome_names(scenario: Scenario) -> list[str]:
    """Every run outcome name of a scenario (families expanded)."""
    techs = [t.name for t in scenario.organization.technologies]
    levels = scenario.organization.levels
    return [c for o in CATALOG for c in expand(o.name, techs, levels)] + [
        n for n in EXPERIMENT_OUTCOMES if n not in {o.name for o in CATALOG}
    ]


# ---------------------------------------------------------------------- the whole analysis


@dataclass
class Settings:
    """What a sensitivity analysis runs and analyses."""

    method: str = "morris"
    size: int = DEFAULT_TRAJECTORIES
    reps: int = DEFAULT_REPS
    outcomes: list[str] = field(default_factory=lambda: list(DEFAULT_OUTCOMES))
    arms: list[str] = field(default_factory=list)
    raw: bool = False
    pays_off: str | None = None
    noise_groups: int = NOISE_GROUPS

    def run_plan(self, scenario: Scenario, factors: list[Factor]) -> dict[str, Any]:
        """What decides the runs (a resumed analysis must match it); outcomes may change."""
        return {
            "method": self.method,
            "size": self.size,
            "reps": self.reps,
            "noise_groups": self.noise_groups,
            "seed": scenario.seed,
            "factors": [f.__dict__ for f in factors],
        }


@dataclass
class Sensitivity:
    """Results of a sensitivity analysis.

    Attributes:
        settings: What was run and analysed.
        factors: The uncertain parameters.
        design: The design as sampled (points x factors).
        points: One row per (point, arm, outcome): the parameters as run, the value (paired
            effect or raw outcome), its standard error over replications.
        indices: One row per (outcome, arm, parameter): the indices, the noise floor, whether
            the index is below it, and the parameter's rank.
        robustness: One row per (outcome, arm): share of points with a positive paired
            effect and its Wilson 95% interval; min, median, max; the effect at the defaults.
        prim: One row per (arm, restricted parameter) of the PRIM box of ``settings.pays_off``.
        baseline: The baseline arm.
        scenario_name: The scenario's name.
        path: The output folder, when written.
    """

    settings: Settings
    factors: list[Factor]
    design: np.ndarray
    points: pd.DataFrame
    indices: pd.DataFrame
    robustness: pd.DataFrame
    prim: pd.DataFrame
    baseline: str
    scenario_name: str
    path: Path | None = None

    @property
    def quantity(self) -> str:
        """``effect`` (arm minus baseline) or ``raw``."""
        return RAW if self.settings.raw else EFFECT


def check_settings(scenario: Scenario, settings: Settings) -> Settings:
    """Fill in the arms and check the settings against the scenario; raise ScenarioError."""
    errors = []
    if settings.method not in METHODS:
        errors.append(f"--method: {settings.method!r} is not one of {', '.join(METHODS)}")
    if settings.size < 2 and settings.method == "morris":
        errors.append(f"--trajectories: need at least 2 (got {settings.size})")
    if settings.method == "sobol" and (settings.size < 2 or settings.size & (settings.size - 1)):
        errors.append(f"--samples: must be a power of 2, at least 2 (got {settings.size})")
    if settings.reps < 1:
        errors.append(f"--reps: must be at least 1 (got {settings.reps})")
    names = [a.name for a in scenario.arms]
    others = [a for a in names if a != scenario.baseline]
    arms = settings.arms or (names if settings.raw else others)
    for arm in arms:
        if arm not in names:
            errors.append(f"--arm: {arm!r} is not one of the arms {names}")
        elif arm == scenario.baseline and not settings.raw:
            errors.append(f"--arm: {arm!r} is the baseline; its paired effect is 0 by definition")
    if not arms:
        errors.append("the scenario has no arm besides the baseline; use --raw")
    known = outcome_names(scenario)
    for outcome in settings.outcomes:
        if outcome not in known:
            errors.append(f"--outcome: {outcome!r} is not an outcome (see mentorsim list outcomes)")
    if not settings.raw:
        errors += _undefined_effects(scenario, settings.outcomes)
    if settings.pays_off:
        target = parse_condition(settings.pays_off)[0]
        if target not in settings.outcomes:
            errors.append(f"--pays-off: {target!r} is not among the analysed outcomes")
    if errors:
        raise ScenarioError(errors)
    settings.arms = arms
    if settings.pays_off is None and not settings.raw:
        first = "roi" if "roi" in settings.outcomes else settings.outcomes[0]
        settings.pays_off = f"{first}>0"
    return settings


def own_value_outcomes(scenario: Scenario, names: list[str]) -> set[str]:
    """Outcomes among ``names`` whose effect is the program arm's own value.

    ``roi`` and ``net_benefit`` are already measured against the baseline; without a program
    in the baseline arm, a program outcome (meetings, pairs, program cost) is 0 or undefined
    there by definition, so the program's effect on it is the arm's own value: subtracting
    the baseline's would be a difference against something that is 0 by definition.
    """
    from sim.model.outcomes import is_program_outcome

    no_program = scenario.arm(scenario.baseline).program is None
    return {
        n
        for n in names
        if n in OWN_FIGURES
        or (
            no_program
            and is_program_outcome(n)
            and not _compares_different_people(n)
            and not n.endswith(("_in_baseline", "_comparable"))
        )
    }


def _compares_different_people(name: str) -> bool:
    """A participant group's retention: the group is different people in each arm."""
    from sim.experiments.experiment import SAME_PEOPLE_GROUPS

    return name in {f"retention{h}_{g}" for g in SAME_PEOPLE_GROUPS for h in ("", "_12m")}


def _undefined_effects(scenario: Scenario, names: list[str]) -> list[str]:
    """One message per outcome whose paired effect is not defined (see :func:`paired_effect`)."""
    from sim.experiments.experiment import undefined_differences

    own = own_value_outcomes(scenario, names)
    paired = [n for n in names if n not in own and not n.endswith("_same_people")]
    return [
        f"--outcome: {name!r} has no paired effect ({reason}); analyse the arms' own values "
        "with --raw"
        for name, reason in undefined_differences(paired, scenario).items()
    ] + [
        f"--outcome: {name!r} has no paired effect (it describes the baseline arm or the "
        "comparison group itself); analyse the arms' own values with --raw"
        for name in paired
        if name.endswith(("_in_baseline", "_comparable"))
    ]


def run_counts(scenario: Scenario, settings: Settings) -> tuple[int, int, int]:
    """(design points, runs over the design, runs at the defaults for the noise floor)."""
    k = len(scenario_factors(type(scenario), scenario))
    points = design_size(settings.method, settings.size, k)
    arms = len(scenario.arms)
    return points, points * arms * settings.reps, settings.noise_groups * settings.reps * arms


def plan_text(scenario: Scenario, settings: Settings) -> str:
    """One line saying what the analysis will run."""
    k = len(scenario_factors(type(scenario), scenario))
    points, runs, noise = run_counts(scenario, settings)
    return (
        f"{settings.method} over {k} uncertain parameters: {points} points x "
        f"{len(scenario.arms)} arms x {settings.reps} replications = {runs} runs, plus {noise} "
        "at the defaults (noise floor)"
    )


def run_sensitivity(
    scenario: Scenario | dict | str | Path | None,
    settings: Settings | None = None,
    *,
    executor: Any = None,
    workers: int = 1,
    out: str | Path | None = None,
    resume: bool = False,
    progress: bool = False,
) -> Sensitivity:
    """Sample the uncertain parameters, run every point and analyse the paired effects.

    Args:
        scenario: Scenario, mapping, YAML path or None for the defaults.
        settings: Method, size, replications, outcomes, arms (defaults: :class:`Settings`).
        executor: Any ``concurrent.futures.Executor`` for the runs.
        workers: Local worker processes when no executor is given.
        out: Output folder (``runs/`` and ``noise/`` hold the experiments); None: in memory.
        resume: Continue the analysis in ``out`` (finished runs are kept).
        progress: Show progress bars.

    Returns:
        The :class:`Sensitivity` results (written to ``out`` when given).

    Raises:
        ScenarioError: Bad settings, a bad ``uncertain:`` block or a resume that does not match.
        ExperimentError: When some runs raised (the others are kept in ``out``).
    """
    scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    settings = check_settings(scenario, settings or Settings())
    factors = scenario_factors(type(scenario), scenario)
    out = Path(out) if out is not None else None
    if out is not None:
        _prepare_folder(out, settings.run_plan(scenario, factors), resume)
    seeds = Streams(scenario.seed)
    design = sample(settings.method, factors, settings.size, seeds.seed_for("sensitivity.design"))
    points = to_points(factors, design)
    runs = _run(scenario, points, settings.reps, out, "runs", resume, executor, workers, progress)
    noise_runs = _run(
        scenario, None, settings.noise_groups * settings.reps, out, "noise", resume,
        executor, workers, progress,
    )  # fmt: skip
    own = own_value_outcomes(scenario, settings.outcomes)
    values = point_values(
        runs, scenario.baseline, settings.arms, settings.outcomes, settings.raw, own
    )
    result = _analyse_all(scenario, settings, factors, design, points, values, noise_runs, seeds)
    if out is not None:
        write(result, out)
    return result


def _prepare_folder(out: Path, plan: dict[str, Any], resume: bool) -> None:
    from sim.experiments.storage import atomic_write

    plan_file = out / "sensitivity_plan.json"
    plan = json.loads(json.dumps(plan))
    if resume:
        if not plan_file.exists():
            raise ScenarioError([f"--resume {out}: not a sensitivity folder (no {plan_file.name})"])
        stored = json.loads(plan_file.read_text())
        if stored != plan:
            keys = [k for k in plan if stored.get(k) != plan.get(k)]
            raise ScenarioError(
                [f"--resume {out}: the analysis differs from the stored one in {', '.join(keys)}"]
            )
        return
    if out.exists() and any(out.iterdir()):
        raise ScenarioError(
            [
                f"results folder {out} is not empty; use --resume to continue it or pick another --out"
            ]
        )
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(plan_file, lambda p: p.write_text(json.dumps(plan, indent=1) + "\n"))


def _run(scenario, points, reps, out, name, resume, executor, workers, progress) -> pd.DataFrame:
    from sim.experiments.experiment import run_experiment

    folder = out / name if out is not None else None
    if folder is not None and (folder / "manifest.json").exists():
        return pd.read_parquet(folder / "runs.parquet")  # finished before the interruption
    results = run_experiment(
        scenario,
        points=points,
        replications=reps,
        executor=executor,
        workers=workers,
        out=folder,
        resume=resume and folder is not None and folder.exists(),
        progress=progress,
        summaries=False,
    )
    return results.runs


def _analyse_all(scenario, settings, factors, design, points, values, noise_runs, seeds):
    rows, robust, boxes = [], [], []
    own = own_value_outcomes(scenario, settings.outcomes)
    condition = parse_condition(settings.pays_off) if settings.pays_off else None
    for outcome in settings.outcomes:
        for arm in settings.arms:
            sel = values[(values["outcome"] == outcome) & (values["arm"] == arm)]
            y = sel.sort_values("point")["value"].to_numpy(float)
            noise = per_replication(noise_runs, scenario.baseline, arm, outcome, settings.raw, own)
            key = f"sensitivity.{outcome}.{arm}"
            table = analyse(settings.method, factors, design, y, _positive_seed(seeds, key))
            floor = noise_floor(
                settings.method, factors, design, y, noise, settings.reps,
                _positive_seed(seeds, key + ".noise"),
            )  # fmt: skip
            quantity = RAW if settings.raw else (OWN if outcome in own else EFFECT)
            rows.append(_indices_rows(settings, quantity, outcome, arm, table, floor))
            if not settings.raw:
                robust.append(_robustness(outcome, arm, y, noise))
            if condition and condition[0] == outcome:
                boxes.append(_prim_rows(settings.pays_off, arm, factors, design, y, condition))
    return Sensitivity(
        settings=settings,
        factors=factors,
        design=design,
        points=_points_table(factors, points, values),
        indices=pd.concat(rows, ignore_index=True),
        robustness=pd.DataFrame(robust),
        prim=pd.concat(boxes, ignore_index=True) if boxes else pd.DataFrame(),
        baseline=scenario.baseline,
        scenario_name=scenario.name,
    )


def _positive_seed(seeds: Streams, name: str) -> int:
    return seeds.seed_for(name) + 1  # SALib's Sobol bootstrap ignores a seed of 0


def _indices_rows(settings, quantity, outcome, arm, table, floor) -> pd.DataFrame:
    main = MAIN_INDEX[settings.method]
    table = table.copy()
    for k, v in floor.items():
        table[f"{k}_noise_floor"] = v
    table["below_noise_floor"] = table[main].abs() <= floor[main]
    table["rank"] = table[main].rank(ascending=False, method="min").astype("Int64")
    head = {
        "method": settings.method,
        "quantity": quantity,
        "outcome": outcome,
        "arm": arm,
    }
    for i, (k, v) in enumerate(head.items()):
        table.insert(i, k, v)
    return table.sort_values(["rank", "parameter"], kind="stable")


def _robustness(outcome, arm, y, noise) -> dict[str, Any]:
    from sim.experiments.stats import t_interval

    low, high = t_interval(noise)
    return {
        "outcome": outcome,
        "arm": arm,
        **robustness_row(y),
        "effect_at_defaults": float(np.mean(noise)),
        "effect_at_defaults_ci95_low": low,
        "effect_at_defaults_ci95_high": high,
        "replications_at_defaults": int(noise.size),
    }


def _prim_rows(condition_text, arm, factors, design, y, condition) -> pd.DataFrame:
    _, op, threshold = condition
    hits = y > threshold if op == ">" else y < threshold
    box = prim(design, hits, [f.path for f in factors])
    head = {
        "condition": condition_text,
        "arm": arm,
        "points": len(y),
        "hits": int(hits.sum()),
        "coverage": box.coverage,
        "density": box.density,
        "mass": box.mass,
    }
    limits = box.limits or {"": (float("nan"), float("nan"))}
    return pd.DataFrame(
        [{**head, "parameter": p, "low": lo, "high": hi} for p, (lo, hi) in limits.items()]
    )


def _points_table(factors, points, values) -> pd.DataFrame:
    params = pd.DataFrame(points, columns=[f.path for f in factors])
    params.insert(0, "point", np.arange(len(points)))
    return params.merge(values, on="point", how="right")


# ---------------------------------------------------------------------- writing


def write(result: Sensitivity, out: Path) -> None:
    """Write sensitivity.csv, robustness.csv, points.parquet and prim.csv (atomically)."""
    from sim.experiments.storage import atomic_write

    result.path = out
    atomic_write(out / "sensitivity.csv", lambda p: result.indices.to_csv(p, index=False))
    if len(result.robustness):
        atomic_write(out / "robustness.csv", lambda p: result.robustness.to_csv(p, index=False))
    if len(result.prim):
        atomic_write(out / "prim.csv", lambda p: result.prim.to_csv(p, index=False))
    atomic_write(out / "points.parquet", lambda p: result.points.to_parquet(p, index=False))
    factors = pd.DataFrame([f.__dict__ for f in result.factors])
    atomic_write(out / "factors.csv", lambda p: factors.to_csv(p, index=False))


def evaluate_design(
    method: str,
    factors: list[Factor],
    size: int,
    seed: int,
    evaluate: Callable[[list[dict[str, Any]]], np.ndarray],
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Sample, evaluate and analyse a plain function of the parameters (tests, teaching).

    The same :func:`sample`, :func:`to_points` and :func:`analyse` the model's analysis uses;
    ``evaluate`` maps the points (field path to value) to one output per point.

    Returns:
        (design, outputs, indices).
    """
    design = sample(method, factors, size, seed)
    values = np.asarray(evaluate(to_points(factors, design)), float)
    return design, values, analyse(method, factors, design, values, seed + 1)


SensitivitySettings = Settings
"""The name :mod:`sim` exports :class:`Settings` under."""

__all__ = [
    "DEFAULT_OUTCOMES",
    "METHODS",
    "Box",
    "Sensitivity",
    "SensitivitySettings",
    "Settings",
    "analyse",
    "evaluate_design",
    "noise_floor",
    "own_value_outcomes",
    "paired_effect",
    "plan_text",
    "point_values",
    "prim",
    "problem",
    "robustness_row",
    "run_counts",
    "run_sensitivity",
    "sample",
    "to_points",
    "wilson_interval",
]

"""Summary statistics over replications and comparisons between arms.

Intervals are scipy's: the t interval of a mean from ``ttest_1samp``, the paired interval of a
mean difference from ``ttest_rel`` and the unpaired (Welch) one from
``ttest_ind(equal_var=False)``, each through ``.confidence_interval()``. The functions of one
sample (:func:`t_interval`, :func:`describe`, ...) call scipy; the tables (:func:`summarize`,
:func:`compare`) work out the same closed forms (mean -+ t quantile x standard error, Welch's
degrees of freedom) for every outcome of a group at once, which is what makes a sweep's tables
take milliseconds instead of minutes; ``tests/experiments/test_stats.py`` checks that the two
agree.

Shares (outcomes in [0, 1]) get an interval that stays inside [0, 1]: the t interval of the
mean carried to the logit scale by the delta method and back,
``expit(logit(m) -+ t * se / (m (1 - m)))``, with ``m`` the mean over replications and ``se``
its standard error. This is the interval R's survey package gives for a proportion estimated
as a mean (``svyciprop(method = "logit")``): the same estimand and the same standard error
as the t interval, which it matches where the share is far from 0 and 1, while near a bound
it is shorter on the bound's side and never crosses it. A percentile bootstrap would also stay
in bounds but is too narrow with the 3-10 replications experiments usually have; Wilson's
interval treats every person as independent and would ignore the spread between
replications. Outcomes that cannot be negative (counts, rates, costs) have their t interval
cut at 0. Differences of shares stay t intervals (a difference of two shares can be
negative), cut to [-1, 1], which no difference of two shares can leave.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

SUMMARY_COLUMNS = [
    "n",
    "mean",
    "std",
    "ci95_low",
    "ci95_high",
    "median",
    "p10",
    "p90",
    "interval",
]
"""Columns of :func:`summarize` after the group and outcome columns."""

COMPARISON_COLUMNS = [
    "arm",
    "baseline",
    "outcome",
    "against",
    "n",
    "mean_arm",
    "mean_against",
    "diff",
    "paired_ci95_low",
    "paired_ci95_high",
    "unpaired_ci95_low",
    "unpaired_ci95_high",
    "reason",
]
"""Columns of :func:`compare` after the group columns."""

T_INTERVAL = "t"
LOGIT_INTERVAL = "logit t"
CUT_INTERVAL = "t, cut at 0"


def _finite(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    return values[~np.isnan(values)]


def _quiet(test: str, *args, **kwargs):
    """Run a scipy test (by name) without its warnings about nearly constant data.

    Callers handle those cases; scipy.stats is imported here, on first use, so that importing
    this module (every worker process does) stays light.
    """
    from scipy import stats

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return getattr(stats, test)(*args, **kwargs)


def t_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Two-sided t confidence interval of the mean (NaN values left out).

    Returns:
        (low, high); (mean, mean) when fewer than two values or no spread; NaN when none.
    """
    values = _finite(values)
    if values.size == 0:
        return float("nan"), float("nan")
    mean = float(values.mean())
    if values.size < 2 or np.ptp(values) == 0:
        return mean, mean
    ci = _quiet("ttest_1samp", values, 0.0).confidence_interval(level)
    return float(ci.low), float(ci.high)


def share_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Confidence interval of the mean of shares that stays inside [0, 1] (logit t interval).

    The t interval's half-width ``t * se`` is carried to the logit scale by the delta method
    (divided by ``m (1 - m)``) around ``logit(m)`` and mapped back with the logistic function.

    Args:
        values: Per-replication shares in [0, 1] (NaN values left out).
        level: Confidence level.

    Returns:
        (low, high) with ``0 <= low <= mean <= high <= 1``; (mean, mean) when fewer than two
        values, no spread, or a mean of exactly 0 or 1 (then every value is that bound).
    """
    values = _finite(values)
    if values.size == 0:
        return float("nan"), float("nan")
    mean = float(values.mean())
    if values.size < 2 or np.ptp(values) == 0 or mean <= 0.0 or mean >= 1.0:
        return mean, mean
    from scipy import special

    low, high = t_interval(values, level)
    half = (high - low) / 2.0 / (mean * (1.0 - mean))
    centre = special.logit(mean)
    return float(special.expit(centre - half)), float(special.expit(centre + half))


def paired_interval(a: np.ndarray, b: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Paired t interval of mean(a - b) (``scipy.stats.ttest_rel``); pairs with a NaN left out."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    if a.size == 0:
        return float("nan"), float("nan")
    diff = a - b
    if diff.size < 2 or np.ptp(diff) == 0:
        return float(diff.mean()), float(diff.mean())
    ci = _quiet("ttest_rel", a, b).confidence_interval(level)
    return float(ci.low), float(ci.high)


def welch_interval(a: np.ndarray, b: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Welch's interval of mean(a) - mean(b), the samples taken as independent (NaN left out).

    From ``scipy.stats.ttest_ind(a, b, equal_var=False)``; the point difference twice when a
    sample has fewer than two values or neither has any spread.
    """
    a, b = _finite(a), _finite(b)
    if a.size == 0 or b.size == 0:
        return float("nan"), float("nan")
    diff = float(a.mean() - b.mean())
    if a.size < 2 or b.size < 2 or (np.ptp(a) == 0 and np.ptp(b) == 0):
        return diff, diff
    ci = _quiet("ttest_ind", a, b, equal_var=False).confidence_interval(level)
    return float(ci.low), float(ci.high)


def describe(
    values: np.ndarray, share: bool = False, nonnegative: bool = False
) -> dict[str, float | int | str]:
    """n, mean, std, 95% interval, median, 10th/90th percentiles of one sample (NaN left out).

    Args:
        values: One value per replication.
        share: The values are shares in [0, 1]: the interval is :func:`share_interval`.
        nonnegative: The values cannot be negative (counts, costs): the t interval is cut at
            0, which no mean of such values can be below.

    Returns:
        The :data:`SUMMARY_COLUMNS`; n is 0 and the rest NaN when no value is defined.
    """
    values = _finite(values)
    if values.size == 0:
        return {"n": 0, **dict.fromkeys(SUMMARY_COLUMNS[1:-1], float("nan")), "interval": ""}
    low, high = share_interval(values) if share else t_interval(values)
    kind = LOGIT_INTERVAL if share else T_INTERVAL
    if nonnegative and not share and low < 0:
        low, kind = 0.0, CUT_INTERVAL
    return {
        "n": int(values.size),
        "mean": float(values.mean()),
        "std": float(values.std(ddof=1)) if values.size > 1 else 0.0,
        "ci95_low": low,
        "ci95_high": high,
        "median": float(np.median(values)),
        "p10": float(np.percentile(values, 10)),
        "p90": float(np.percentile(values, 90)),
        "interval": kind,
    }


# ---------------------------------------------------------------------- many outcomes at once

LEVEL = 0.95
"""Confidence level of every interval in the tables."""


def _t_quantile(dof: np.ndarray) -> np.ndarray:
    """The two-sided :data:`LEVEL` quantile of Student's t with ``dof`` degrees of freedom."""
    from scipy import special

    return special.stdtrit(dof, 0.5 + LEVEL / 2.0)


def _moments(values: np.ndarray) -> tuple[np.ndarray, ...]:
    """(n, mean, sample sd, has spread) of each column, NaN values left out.

    ``values`` is (samples, columns); a column without values has n 0 and NaN moments.
    """
    finite = ~np.isnan(values)
    n = finite.sum(axis=0)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # empty columns: NaN, as intended
        mean = np.nanmean(values, axis=0)
        sd = np.nanstd(values, axis=0, ddof=1)
        spread = (np.nanmax(values, axis=0) - np.nanmin(values, axis=0)) > 0
    return n, mean, np.where(n > 1, sd, np.where(n == 1, 0.0, np.nan)), spread


def _percentiles(values: np.ndarray, n: np.ndarray, qs: Sequence[float]) -> list[np.ndarray]:
    """Percentiles of each column, NaN left out, as ``np.percentile`` (linear) gives them.

    One sort for every column (NaN sorts last, so a column's ``n`` values come first), then
    numpy's linear interpolation between the two ranks around each percentile.
    """
    ordered = np.sort(values, axis=0)
    top = np.maximum(n - 1, 0)
    out = []
    for q in qs:
        position = q / 100.0 * top
        below = np.floor(position).astype(np.intp)
        above = np.minimum(below + 1, top)
        a = np.take_along_axis(ordered, below[None, :], axis=0)[0] if len(ordered) else position
        b = np.take_along_axis(ordered, above[None, :], axis=0)[0] if len(ordered) else position
        t = position - below
        with np.errstate(invalid="ignore"):  # columns without values are NaN
            value = np.where(t >= 0.5, b - (b - a) * (1.0 - t), a + (b - a) * t)
        out.append(np.where(n > 0, value, np.nan))
    return out


def _t_bounds(n, mean, sd, spread) -> tuple[np.ndarray, np.ndarray]:
    """The t interval of each column's mean; the mean twice without two values or any spread."""
    with np.errstate(all="ignore"):
        half = _t_quantile(np.maximum(n - 1, 1)) * sd / np.sqrt(np.maximum(n, 1))
    point = (n < 2) | ~spread
    return np.where(point, mean, mean - half), np.where(point, mean, mean + half)


def _share_bounds(n, mean, sd, spread) -> tuple[np.ndarray, np.ndarray]:
    """:func:`share_interval` of each column: the t interval carried to the logit scale."""
    from scipy import special

    low, high = _t_bounds(n, mean, sd, spread)
    inside = (n >= 2) & spread & (mean > 0.0) & (mean < 1.0)
    with np.errstate(all="ignore"):
        half = (high - low) / 2.0 / (mean * (1.0 - mean))
        centre = special.logit(mean)
        return (
            np.where(inside, special.expit(centre - half), mean),
            np.where(inside, special.expit(centre + half), mean),
        )


def describe_columns(
    values: np.ndarray, share: np.ndarray, nonnegative: np.ndarray
) -> dict[str, np.ndarray]:
    """:func:`describe` of every column of ``values`` (samples x columns) at once.

    Args:
        values: One row per replication, one column per outcome (NaN: no value).
        share: Per column, whether it holds shares (logit t interval).
        nonnegative: Per column, whether it cannot be negative (interval cut at 0).

    Returns:
        Each of :data:`SUMMARY_COLUMNS` as an array over the columns.
    """
    values = np.asarray(values, float)
    n, mean, sd, spread = _moments(values)
    t_low, t_high = _t_bounds(n, mean, sd, spread)
    s_low, s_high = _share_bounds(n, mean, sd, spread)
    low, high = np.where(share, s_low, t_low), np.where(share, s_high, t_high)
    cut = nonnegative & ~share & (low < 0)
    kind = np.where(share, LOGIT_INTERVAL, np.where(cut, CUT_INTERVAL, T_INTERVAL))
    p10, median, p90 = _percentiles(values, n, (10.0, 50.0, 90.0))
    return {
        "n": n,
        "mean": mean,
        "std": sd,
        "ci95_low": np.where(cut, 0.0, low),
        "ci95_high": high,
        "median": median,
        "p10": p10,
        "p90": p90,
        "interval": np.where(n > 0, kind, ""),
    }


def difference_columns(a: np.ndarray, b: np.ndarray, share: np.ndarray) -> dict[str, np.ndarray]:
    """Mean difference of aligned samples with its paired and Welch intervals, per column.

    The tables' form of :func:`paired_interval` and :func:`welch_interval`: rows are
    replications (``a[i]`` and ``b[i]`` share their random numbers), a pair with a NaN on
    either side is left out, and shares have every figure cut to [-1, 1].

    Returns:
        ``n``, ``mean_arm``, ``mean_against``, ``diff`` and the four interval bounds.
    """
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = np.where(keep, a, np.nan), np.where(keep, b, np.nan)
    n, mean_a, sd_a, spread_a = _moments(a)
    _, mean_b, sd_b, spread_b = _moments(b)
    _, mean_d, sd_d, spread_d = _moments(a - b)
    paired = _t_bounds(n, mean_d, sd_d, spread_d)
    welch = _welch_bounds(n, mean_a - mean_b, sd_a, sd_b, spread_a | spread_b)
    values = [mean_a - mean_b, *paired, *welch]
    values = [np.where(share, np.clip(v, -1.0, 1.0), v) for v in values]
    names = ["diff", "paired_ci95_low", "paired_ci95_high"]
    names += ["unpaired_ci95_low", "unpaired_ci95_high"]
    return {
        "n": n,
        "mean_arm": mean_a,
        "mean_against": mean_b,
        **dict(zip(names, values, strict=True)),
    }


def _welch_bounds(n, diff, sd_a, sd_b, spread) -> tuple[np.ndarray, np.ndarray]:
    """Welch's interval of a difference of means of two samples of ``n`` values each."""
    with np.errstate(all="ignore"):
        va, vb = sd_a**2 / n, sd_b**2 / n
        dof = (va + vb) ** 2 / (va**2 / (n - 1) + vb**2 / (n - 1))
        half = _t_quantile(np.where(np.isfinite(dof), dof, 1.0)) * np.sqrt(va + vb)
    point = (n < 2) | ~spread
    return np.where(point, diff, diff - half), np.where(point, diff, diff + half)


# ---------------------------------------------------------------------- the tables


def _groups(frame: pd.DataFrame, by: Sequence[str]):
    """(key tuple, row positions) per group in first-seen order; missing keys are groups too."""
    if not by:
        yield (), np.arange(len(frame))
        return
    codes = frame.groupby(list(by), sort=False, dropna=False).ngroup().to_numpy()
    order = np.argsort(codes, kind="stable")
    starts = np.flatnonzero(np.diff(codes[order], prepend=-1))
    keys = frame[list(by)].to_numpy(object)
    for rows in np.split(order, starts[1:]):
        yield tuple(keys[rows[0]]), rows


class _Table:
    """Columns gathered block by block, then made into one frame (one frame, not one per block)."""

    def __init__(self) -> None:
        self.blocks: list[dict[str, Any]] = []

    def add(self, head: Mapping[str, Any], size: int, columns: Mapping[str, Any]) -> None:
        """Add ``size`` rows: the ``head`` values repeated, then the ``columns``."""
        if size:
            self.blocks.append({**{k: [v] * size for k, v in head.items()}, **columns})

    def frame(self, columns: list[str], by: Sequence[str]) -> pd.DataFrame:
        """The rows in the order added, with ``columns``; group columns typed by their values."""
        data = {
            name: [x for block in self.blocks for x in _listed(block.get(name, []), block)]
            for name in columns
        }
        frame = pd.DataFrame(data, columns=columns)
        numeric = [c for c in columns if c not in by and c not in TEXT_COLUMNS]
        return frame.astype(dict.fromkeys(numeric, float) | {"n": "int64"}) if len(frame) else frame


TEXT_COLUMNS = ("arm", "baseline", "outcome", "against", "reason", "interval")
"""Columns of the tables that hold words."""


def _listed(values: Any, block: Mapping[str, Any]) -> list:
    """A block's column as a list (NaN where the block does not have it)."""
    size = len(next(iter(block.values())))
    if isinstance(values, np.ndarray):
        return values.tolist()
    return list(values) if len(values) else [np.nan] * size


def summarize(
    runs: pd.DataFrame,
    outcomes: list[str],
    by: list[str],
    is_share: Callable[[str], bool] = lambda name: False,
    is_nonnegative: Callable[[str], bool] = lambda name: False,
) -> pd.DataFrame:
    """One row per group and outcome with :data:`SUMMARY_COLUMNS`, groups in first-seen order.

    Args:
        runs: One row per replication.
        outcomes: Outcome columns to summarize.
        by: Grouping columns (a missing value is a group of its own, never dropped).
        is_share: Which outcomes are shares (their interval stays inside [0, 1]).
        is_nonnegative: Which outcomes cannot be negative (their interval stays above 0).
    """
    share = np.array([is_share(name) for name in outcomes], bool)
    nonnegative = np.array([is_nonnegative(name) for name in outcomes], bool)
    values = runs[outcomes].to_numpy(float) if outcomes else np.empty((len(runs), 0))
    table = _Table()
    for key, rows in _groups(runs, by):
        head = dict(zip(by, key, strict=True))
        columns = describe_columns(values[rows], share, nonnegative)
        table.add(head, len(outcomes), {"outcome": outcomes, **columns})
    return table.frame([*by, "outcome", *SUMMARY_COLUMNS], by)


@dataclass(frozen=True)
class Contrast:
    """A comparison made inside each of an arm's runs: two columns of the same row.

    Attributes:
        outcome: The outcome the comparison is about (the ``outcome`` column of the row).
        arm_column: Column holding the arm's side.
        against_column: Column holding the side it is compared with.
        against: What it is compared with, in words (``{arm}`` and ``{baseline}`` are filled).
        share: Both sides are shares (the difference is cut to [-1, 1]).
    """

    outcome: str
    arm_column: str
    against_column: str
    against: str
    share: bool = True


def compare(
    runs: pd.DataFrame,
    outcomes: list[str],
    baseline: str,
    by: list[str] | None = None,
    *,
    reasons: Mapping[str, str] | None = None,
    contrasts: Sequence[Contrast] = (),
    is_share: Callable[[str], bool] = lambda name: False,
) -> pd.DataFrame:
    """Every arm against the baseline arm, paired by replication, and the contrasts inside runs.

    For each arm other than the baseline and each outcome: the mean difference, its paired 95%
    t interval (differences within replications, which share their random numbers) and the
    unpaired (Welch) 95% interval beside it, so the variance reduction of common random
    numbers shows. A difference that would not be one (``reasons`` names the outcome, or the
    baseline or the arm has no value in any replication) is a row with no numbers and a
    ``reason``. Each :class:`Contrast` adds, for every arm whose runs hold it, a row comparing
    two columns of the same runs (``against`` says with what).

    Args:
        runs: One row per replication (``arm``, ``replication`` and the outcomes).
        outcomes: Outcomes to compare between arms.
        baseline: The baseline arm.
        by: Grouping columns (sweep points); a missing value is a group of its own.
        reasons: Outcomes left out of the arm-to-arm comparison, with the reason in words.
        contrasts: Comparisons inside each run.
        is_share: Which outcomes are shares (differences cut to [-1, 1]).

    Returns:
        One row per (group,) arm, outcome and comparison with :data:`COMPARISON_COLUMNS`.
    """
    by = by or []
    runs = runs.reset_index(drop=True)
    data = _Columns(runs, outcomes, contrasts, is_share)
    table = _Table()
    for key, rows in _groups(runs, by):
        ident = dict(zip(by, key, strict=True))
        base = data.arm_rows(rows, baseline)
        for arm in pd.unique(data.arm[rows]):
            mine = data.arm_rows(rows, arm)
            head = {**ident, "arm": arm, "baseline": baseline}
            if arm != baseline:
                _between_arms(table, head, data, mine, base, reasons or {})
            _inside_runs(table, head, data, mine)
    return table.frame([*by, *COMPARISON_COLUMNS], by)


class _Columns:
    """What :func:`compare` reads of the runs, as arrays."""

    def __init__(self, runs: pd.DataFrame, outcomes, contrasts, is_share) -> None:
        self.outcomes = list(outcomes)
        self.share = np.array([is_share(name) for name in outcomes], bool)
        self.values = runs[self.outcomes].to_numpy(float) if outcomes else np.empty((len(runs), 0))
        self.arm = runs["arm"].to_numpy(object)
        self.replication = runs["replication"].to_numpy()
        self.contrasts = [
            c
            for c in contrasts
            if c.arm_column in runs.columns and c.against_column in runs.columns
        ]
        self.sides = [
            (runs[c.arm_column].to_numpy(float), runs[c.against_column].to_numpy(float))
            for c in self.contrasts
        ]

    def arm_rows(self, rows: np.ndarray, arm: Any) -> np.ndarray:
        """The arm's rows among ``rows``, by replication."""
        mine = rows[self.arm[rows] == arm]
        return mine[np.argsort(self.replication[mine], kind="stable")]


def _between_arms(table: _Table, head: dict, data: _Columns, mine, base, reasons) -> None:
    _, i, j = np.intersect1d(
        data.replication[mine], data.replication[base], assume_unique=True, return_indices=True
    )
    a, b = data.values[mine[i]], data.values[base[j]]
    columns = difference_columns(a, b, data.share)
    blank = columns["n"] == 0
    no_baseline = ~np.isfinite(b).any(axis=0)
    given = np.array([name in reasons for name in data.outcomes], bool)
    reason = [
        reasons[name]
        if name in reasons
        else f"not defined in {head['baseline'] if no_baseline[k] else head['arm']} in any replication"
        if blank[k]
        else ""
        for k, name in enumerate(data.outcomes)
    ]
    for name, values in columns.items():
        columns[name] = (
            np.where(given, 0, values) if name == "n" else np.where(given, np.nan, values)
        )
    against = f"{head['baseline']}, same replications"
    size = len(data.outcomes)
    table.add(
        head,
        size,
        {"outcome": data.outcomes, "against": [against] * size, **columns, "reason": reason},
    )


def _inside_runs(table: _Table, head: dict, data: _Columns, mine: np.ndarray) -> None:
    used = [
        k
        for k, (a, b) in enumerate(data.sides)
        if np.isfinite(a[mine]).any() and np.isfinite(b[mine]).any()
    ]  # an arm without such people has nothing to compare: no row
    if not used:
        return
    a = np.column_stack([data.sides[k][0][mine] for k in used])
    b = np.column_stack([data.sides[k][1][mine] for k in used])
    share = np.array([data.contrasts[k].share for k in used], bool)
    against = [
        data.contrasts[k].against.format(arm=head["arm"], baseline=head["baseline"]) for k in used
    ]
    columns = difference_columns(a, b, share)
    table.add(
        head,
        len(used),
        {
            "outcome": [data.contrasts[k].outcome for k in used],
            "against": against,
            **columns,
            "reason": [""] * len(used),
        },
    )


def is_clear(low: float, high: float) -> bool:
    """Whether an interval of a difference excludes zero (a difference the data make clear)."""
    return bool(np.isfinite(low) and np.isfinite(high) and (low > 0 or high < 0))

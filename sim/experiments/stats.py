"""Summary statistics over replications and comparisons between arms.

Intervals come from :mod:`scipy.stats`: the t interval of a mean from ``ttest_1samp``, the
paired interval of a mean difference from ``ttest_rel`` and the unpaired (Welch) one from
``ttest_ind(equal_var=False)``, each through ``.confidence_interval()``.

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

import numpy as np
import pandas as pd
from scipy import special, stats

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


def _quiet(test: Callable, *args, **kwargs):
    """Run a scipy test without its warnings about nearly constant data (handled by callers)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return test(*args, **kwargs)


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
    ci = _quiet(stats.ttest_1samp, values, 0.0).confidence_interval(level)
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
    ci = _quiet(stats.ttest_rel, a, b).confidence_interval(level)
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
    ci = _quiet(stats.ttest_ind, a, b, equal_var=False).confidence_interval(level)
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


def _groups(frame: pd.DataFrame, by: Sequence[str]):
    """(key tuple, rows) per group in first-seen order; missing keys form groups of their own."""
    if not by:
        yield (), frame
        return
    for key, group in frame.groupby(list(by), sort=False, dropna=False):
        yield (key if isinstance(key, tuple) else (key,)), group


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
    rows = []
    for key, group in _groups(runs, by):
        for name in outcomes:
            rows.append(
                {
                    **dict(zip(by, key, strict=True)),
                    "outcome": name,
                    **describe(
                        group[name].to_numpy(float),
                        share=is_share(name),
                        nonnegative=is_nonnegative(name),
                    ),
                }
            )
    return pd.DataFrame(rows, columns=[*by, "outcome", *SUMMARY_COLUMNS])


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


def _row(
    a: np.ndarray, b: np.ndarray, share: bool, paired: bool = True
) -> dict[str, float | int | str]:
    """Means, mean difference and its intervals of two aligned samples (pairs with a NaN out)."""
    keep = ~(np.isnan(a) | np.isnan(b)) if paired else np.ones(a.size, bool)
    a, b = a[keep], b[keep]
    if not _finite(a).size or not _finite(b).size:
        return {"n": 0, "reason": ""}
    low, high = paired_interval(a, b) if paired else (float("nan"), float("nan"))
    ulow, uhigh = welch_interval(a, b)
    values = [float(np.nanmean(a) - np.nanmean(b)), low, high, ulow, uhigh]
    if share:
        values = [float(np.clip(v, -1.0, 1.0)) for v in values]
    return {
        "n": int(a.size),
        "mean_arm": float(np.nanmean(a)),
        "mean_against": float(np.nanmean(b)),
        "diff": values[0],
        "paired_ci95_low": values[1],
        "paired_ci95_high": values[2],
        "unpaired_ci95_low": values[3],
        "unpaired_ci95_high": values[4],
        "reason": "",
    }


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
    reasons = reasons or {}
    rows = []
    for key, frame in _groups(runs, by):
        ident = dict(zip(by, key, strict=True))
        base = frame[frame["arm"] == baseline].set_index("replication").sort_index()
        for arm in frame["arm"].unique():
            other = frame[frame["arm"] == arm].set_index("replication").sort_index()
            head = {**ident, "arm": arm, "baseline": baseline}
            if arm != baseline:
                rows += _between_arms(head, other, base, outcomes, reasons, is_share)
            rows += _inside_runs(head, other, contrasts)
    frame = pd.DataFrame(rows)
    return frame.reindex(columns=[*by, *COMPARISON_COLUMNS])


def _between_arms(head, other, base, outcomes, reasons, is_share) -> list[dict]:
    common = base.index.intersection(other.index)
    rows = []
    for name in outcomes:
        row = {**head, "outcome": name, "against": f"{head['baseline']}, same replications"}
        if name in reasons:
            rows.append({**row, "n": 0, "reason": reasons[name]})
            continue
        a = other.loc[common, name].to_numpy(float)
        b = base.loc[common, name].to_numpy(float)
        values = _row(a, b, is_share(name))
        if not values["n"]:
            missing = head["baseline"] if not _finite(b).size else head["arm"]
            values["reason"] = f"not defined in {missing} in any replication"
        rows.append({**row, **values})
    return rows


def _inside_runs(head, runs: pd.DataFrame, contrasts: Sequence[Contrast]) -> list[dict]:
    rows = []
    for c in contrasts:
        if c.arm_column not in runs.columns or c.against_column not in runs.columns:
            continue
        a = runs[c.arm_column].to_numpy(float)
        b = runs[c.against_column].to_numpy(float)
        if not (_finite(a).size and _finite(b).size):
            continue  # the arm has no such people: nothing to compare, no row
        against = c.against.format(arm=head["arm"], baseline=head["baseline"])
        rows.append({**head, "outcome": c.outcome, "against": against, **_row(a, b, c.share)})
    return rows


def is_clear(low: float, high: float) -> bool:
    """Whether an interval of a difference excludes zero (a difference the data make clear)."""
    return bool(np.isfinite(low) and np.isfinite(high) and (low > 0 or high < 0))

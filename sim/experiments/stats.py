"""Summary statistics over replications and paired comparisons between arms."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

SUMMARY_COLUMNS = ["n", "mean", "std", "ci95_low", "ci95_high", "median", "p10", "p90"]


def t_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Two-sided t confidence interval of the mean; (mean, mean) when n < 2 or no spread."""
    values = np.asarray(values, dtype=float)
    n = values.size
    mean = float(values.mean()) if n else float("nan")
    if n < 2:
        return mean, mean
    half = stats.t.ppf(0.5 + level / 2, n - 1) * values.std(ddof=1) / np.sqrt(n)
    return mean - float(half), mean + float(half)


def describe(values: np.ndarray) -> dict[str, float]:
    """n, mean, std, 95% t interval, median and 10th/90th percentiles of one sample."""
    values = np.asarray(values, dtype=float)
    low, high = t_interval(values)
    return {
        "n": int(values.size),
        "mean": float(values.mean()),
        "std": float(values.std(ddof=1)) if values.size > 1 else 0.0,
        "ci95_low": low,
        "ci95_high": high,
        "median": float(np.median(values)),
        "p10": float(np.percentile(values, 10)),
        "p90": float(np.percentile(values, 90)),
    }


def summarize(runs: pd.DataFrame, outcomes: list[str], by: list[str]) -> pd.DataFrame:
    """One row per group and outcome with :data:`SUMMARY_COLUMNS`, groups in first-seen order."""
    rows = []
    for key, group in runs.groupby(by, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        for name in outcomes:
            rows.append(
                {
                    **dict(zip(by, key, strict=True)),
                    "outcome": name,
                    **describe(group[name].to_numpy()),
                }
            )
    return pd.DataFrame(rows, columns=[*by, "outcome", *SUMMARY_COLUMNS])


def compare(
    runs: pd.DataFrame, outcomes: list[str], baseline: str, by: list[str] | None = None
) -> pd.DataFrame:
    """Difference of every arm against the baseline arm, paired by replication.

    For each arm other than the baseline and each outcome: the mean difference, its paired 95%
    t interval (differences within replications, which share their random numbers), and the
    unpaired (Welch) 95% interval beside it, so the variance reduction of common random
    numbers shows.
    """
    by = by or []
    rows = []
    groups = runs.groupby(by, sort=False) if by else [((), runs)]
    for key, frame in groups:
        key = key if isinstance(key, tuple) else (key,)
        base = frame[frame["arm"] == baseline].set_index("replication").sort_index()
        for arm in frame["arm"].unique():
            if arm == baseline:
                continue
            other = frame[frame["arm"] == arm].set_index("replication").sort_index()
            common = base.index.intersection(other.index)
            for name in outcomes:
                a, b = (
                    other.loc[common, name].to_numpy(float),
                    base.loc[common, name].to_numpy(float),
                )
                diff = a - b
                low, high = t_interval(diff)
                ulow, uhigh = welch_interval(a, b)
                rows.append(
                    {
                        **dict(zip(by, key, strict=True)),
                        "arm": arm,
                        "baseline": baseline,
                        "outcome": name,
                        "n": int(diff.size),
                        "mean_arm": float(a.mean()),
                        "mean_baseline": float(b.mean()),
                        "diff": float(diff.mean()),
                        "paired_ci95_low": low,
                        "paired_ci95_high": high,
                        "unpaired_ci95_low": ulow,
                        "unpaired_ci95_high": uhigh,
                    }
                )
    return pd.DataFrame(rows)


def welch_interval(a: np.ndarray, b: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Welch's 95% interval for mean(a) - mean(b), treating the samples as independent."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    diff = float(a.mean() - b.mean())
    if a.size < 2 or b.size < 2:
        return diff, diff
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = np.sqrt(va + vb)
    if se == 0:
        return diff, diff
    dof = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    half = float(stats.t.ppf(0.5 + level / 2, dof) * se)
    return diff - half, diff + half

"""Intervals and comparisons: scipy's intervals, bounded shares, NA with a reason, sweep groups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from sim.experiments.stats import (
    Contrast,
    compare,
    describe,
    paired_interval,
    share_interval,
    summarize,
    t_interval,
    welch_interval,
)


def test_t_intervals_are_scipys():
    rng = np.random.default_rng(1)
    a, b = rng.normal(1.0, 1.0, 8), rng.normal(0.5, 2.0, 8)
    n = a.size
    half = stats.t.ppf(0.975, n - 1) * a.std(ddof=1) / np.sqrt(n)
    assert t_interval(a) == pytest.approx((a.mean() - half, a.mean() + half))
    d = a - b
    half = stats.t.ppf(0.975, n - 1) * d.std(ddof=1) / np.sqrt(n)
    assert paired_interval(a, b) == pytest.approx((d.mean() - half, d.mean() + half))
    va, vb = a.var(ddof=1) / n, b.var(ddof=1) / n
    dof = (va + vb) ** 2 / (va**2 / (n - 1) + vb**2 / (n - 1))
    half = stats.t.ppf(0.975, dof) * np.sqrt(va + vb)
    assert welch_interval(a, b) == pytest.approx((d.mean() - half, d.mean() + half))


def test_degenerate_samples_give_the_point():
    assert t_interval(np.array([0.3])) == (0.3, 0.3)
    assert t_interval(np.array([2.0, 2.0, 2.0])) == (2.0, 2.0)
    assert share_interval(np.array([1.0, 1.0, 1.0])) == (1.0, 1.0)
    low, high = t_interval(np.array([np.nan, np.nan]))
    assert np.isnan(low) and np.isnan(high)
    # NaN values are left out, not propagated
    assert t_interval(np.array([1.0, np.nan, 3.0])) == pytest.approx(
        t_interval(np.array([1.0, 3.0]))
    )


def test_share_interval_stays_in_bounds_where_the_t_interval_does_not():
    # the case: few replications of a share near 1
    values = np.array([0.70, 0.85, 0.95])
    _, t_high = t_interval(values)
    assert t_high > 1.0, "the plain t interval runs past 1 here"
    low, high = share_interval(values)
    assert 0.0 < low < values.mean() < high < 1.0
    assert high - values.mean() < values.mean() - low, "shorter on the side of the bound"


def test_share_interval_is_the_t_interval_far_from_the_bounds():
    rng = np.random.default_rng(3)
    values = 0.5 + rng.normal(0, 0.01, 10)
    # delta method: equal to first order; the logistic map bends the ends by O(half^3)
    assert share_interval(values) == pytest.approx(t_interval(values), abs=1e-5)


def test_share_interval_is_the_logit_delta_method():
    values = np.array([0.2, 0.35, 0.3, 0.15])
    m, n = values.mean(), values.size
    se = values.std(ddof=1) / np.sqrt(n)
    half = stats.t.ppf(0.975, n - 1) * se / (m * (1 - m))
    centre = np.log(m / (1 - m))
    expected = (1 / (1 + np.exp(-(centre - half))), 1 / (1 + np.exp(-(centre + half))))
    assert share_interval(values) == pytest.approx(expected)


@given(st.lists(st.floats(0.0, 1.0), min_size=2, max_size=12))
def test_share_interval_always_holds_the_mean_inside_zero_one(values):
    values = np.asarray(values)
    low, high = share_interval(values)
    m = values.mean()
    assert 0.0 <= low <= high <= 1.0
    assert low - 1e-12 <= m <= high + 1e-12


def test_describe_says_which_interval():
    assert describe(np.array([0.2, 0.4]), share=True)["interval"] == "logit t"
    assert describe(np.array([2.0, 4.0]))["interval"] == "t"
    empty = describe(np.array([np.nan, np.nan]))
    assert empty["n"] == 0 and np.isnan(empty["mean"])


def _runs() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    rows = []
    for arm in ("base", "prog"):
        for r in range(5):
            rows.append(
                {
                    "arm": arm,
                    "replication": r,
                    "share": 0.5 + 0.1 * (arm == "prog") + rng.normal(0, 0.02),
                    "only_prog": rng.random() if arm == "prog" else np.nan,
                    "side_a": 0.8 if arm == "prog" else np.nan,
                    "side_b": 0.7 + 0.01 * r if arm == "prog" else np.nan,
                }
            )
    return pd.DataFrame(rows)


def test_no_number_against_an_arm_without_such_people():
    runs = _runs()
    c = compare(runs, ["share", "only_prog"], "base", reasons={"share": "said why"})
    row = c.set_index("outcome").loc["share"]
    assert np.isnan(row["diff"]) and row["reason"] == "said why"
    row = c.set_index("outcome").loc["only_prog"]
    assert np.isnan(row["diff"]) and np.isnan(row["paired_ci95_low"])
    assert row["reason"] == "not defined in base in any replication"


def test_contrasts_compare_two_columns_of_the_same_runs():
    runs = _runs()
    contrast = Contrast("share", "side_a", "side_b", "the same people in {baseline}")
    c = compare(runs, [], "base", contrasts=[contrast])
    assert len(c) == 1, "the baseline arm has no such people: no row for it"
    row = c.iloc[0]
    assert row["arm"] == "prog" and row["against"] == "the same people in base"
    assert row["diff"] == pytest.approx(0.8 - 0.72)
    assert (row["paired_ci95_low"], row["paired_ci95_high"]) == pytest.approx(
        paired_interval(np.full(5, 0.8), 0.7 + 0.01 * np.arange(5))
    )


def test_differences_of_shares_never_leave_minus_one_to_one():
    runs = pd.DataFrame(
        {
            "arm": ["base"] * 3 + ["prog"] * 3,
            "replication": [0, 1, 2] * 2,
            "share": [0.0, 0.1, 0.0, 1.0, 0.2, 1.0],
        }
    )
    c = compare(runs, ["share"], "base", is_share=lambda name: True).iloc[0]
    for col in ("paired_ci95_low", "paired_ci95_high", "unpaired_ci95_low", "unpaired_ci95_high"):
        assert -1.0 <= c[col] <= 1.0, col
    unbounded = compare(runs, ["share"], "base").iloc[0]
    assert unbounded["paired_ci95_high"] > 1.0, "the cut did something here"


def test_groups_with_missing_keys_are_kept():
    # sweep points that set different fields: each point misses the other's field
    runs = pd.DataFrame(
        {
            "point": [0, 0, 1, 1],
            "a": [1.0, 1.0, np.nan, np.nan],
            "b": [np.nan, np.nan, 2.0, 2.0],
            "arm": ["x"] * 4,
            "replication": [0, 1, 0, 1],
            "y": [1.0, 2.0, 3.0, 4.0],
        }
    )
    s = summarize(runs, ["y"], by=["point", "a", "b", "arm"])
    assert s["point"].tolist() == [0, 1]
    assert s["mean"].tolist() == [1.5, 3.5]


def test_counts_and_costs_never_get_a_negative_interval():
    runs = pd.DataFrame({"arm": ["a"] * 3, "replication": [0, 1, 2], "cost": [0.0, 100.0, 3000.0]})
    s = summarize(runs, ["cost"], by=["arm"], is_nonnegative=lambda name: True).iloc[0]
    assert t_interval(runs["cost"].to_numpy())[0] < 0, "the plain t interval would be negative"
    assert s["ci95_low"] == 0.0 and s["interval"] == "t, cut at 0"
    assert s["ci95_high"] == pytest.approx(t_interval(runs["cost"].to_numpy())[1])

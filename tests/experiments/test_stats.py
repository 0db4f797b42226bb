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


def _messy_runs(seed: int) -> pd.DataFrame:
    """Runs of 3 points x 3 arms with the cases the tables must get right.

    Missing replications (arm c lacks some), NaN values, a constant outcome, shares near 1,
    a cost whose t interval crosses 0, an outcome the baseline never has, one value per group.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for point in range(3):
        for arm in ("a", "b", "c"):
            reps = [r for r in range(6) if not (arm == "c" and r in (1, 4))]
            for r in reps:
                noise = rng.normal(0.0, 1.0)
                rows.append(
                    {
                        "point": point,
                        "arm": arm,
                        "replication": r,
                        "normal": 2.0 + (arm == "b") + noise,
                        "constant": 3.0,
                        "share": float(np.clip(0.97 + 0.02 * rng.normal(), 0.0, 1.0)),
                        "cost": float(np.exp(rng.normal(0.0, 2.0))) * (r % 3 == 0),
                        "holes": noise if rng.random() < 0.6 else np.nan,
                        "not_in_a": np.nan if arm == "a" else noise,
                        "once": noise if r == 0 else np.nan,
                        "side": 0.5 + 0.1 * rng.normal(),
                        "other_side": 0.4 + 0.1 * rng.normal(),
                    }
                )
    return pd.DataFrame(rows)


OUTCOMES = ["normal", "constant", "share", "cost", "holes", "not_in_a", "once"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_summary_table_equals_scipy_one_group_at_a_time(seed):
    runs = _messy_runs(seed)
    table = summarize(
        runs,
        OUTCOMES,
        by=["point", "arm"],
        is_share=lambda name: name == "share",
        is_nonnegative=lambda name: name == "cost",
    )
    assert len(table) == 3 * 3 * len(OUTCOMES)
    for row in table.to_dict("records"):
        sample = runs[(runs["point"] == row["point"]) & (runs["arm"] == row["arm"])]
        expected = describe(
            sample[row["outcome"]].to_numpy(float),
            share=row["outcome"] == "share",
            nonnegative=row["outcome"] == "cost",
        )
        assert row["n"] == expected["n"] and row["interval"] == expected["interval"], row
        for column in ("mean", "std", "ci95_low", "ci95_high", "median", "p10", "p90"):
            # the closed forms against scipy's: equal but for the last bits of rounding
            assert row[column] == pytest.approx(
                expected[column], rel=1e-12, abs=1e-15, nan_ok=True
            ), (
                row["outcome"],
                column,
            )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_comparison_table_equals_scipy_one_pair_of_arms_at_a_time(seed):
    runs = _messy_runs(seed)
    contrast = Contrast("normal", "side", "other_side", "the other side in {arm}", share=False)
    table = compare(
        runs,
        OUTCOMES,
        "a",
        by=["point"],
        contrasts=[contrast],
        is_share=lambda name: name == "share",
    )
    checked = 0
    for row in table.to_dict("records"):
        frame = runs[runs["point"] == row["point"]]
        mine = frame[frame["arm"] == row["arm"]].set_index("replication").sort_index()
        if row["against"].startswith("the other side"):
            a, b = mine["side"].to_numpy(float), mine["other_side"].to_numpy(float)
        else:
            base = frame[frame["arm"] == "a"].set_index("replication").sort_index()
            common = base.index.intersection(mine.index)
            a = mine.loc[common, row["outcome"]].to_numpy(float)
            b = base.loc[common, row["outcome"]].to_numpy(float)
        keep = ~(np.isnan(a) | np.isnan(b))
        assert row["n"] == keep.sum(), row
        if not keep.any():
            assert np.isnan(row["diff"]) and row["reason"].startswith("not defined in"), row
            continue
        expected = [
            a[keep].mean() - b[keep].mean(),
            *paired_interval(a[keep], b[keep]),
            *welch_interval(a[keep], b[keep]),
        ]
        if row["outcome"] == "share" and not row["against"].startswith("the other side"):
            expected = list(np.clip(expected, -1.0, 1.0))
        got = [row[c] for c in ("diff", "paired_ci95_low", "paired_ci95_high")]
        got += [row["unpaired_ci95_low"], row["unpaired_ci95_high"]]
        assert got == pytest.approx(expected, rel=1e-12, abs=1e-15), row  # rounding only
        checked += 1
    assert checked >= 2 * 3 * 5, "most rows have numbers to check"
    reasons = table[table["outcome"] == "not_in_a"]["reason"].unique().tolist()
    assert reasons == ["not defined in a in any replication"], reasons

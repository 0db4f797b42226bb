"""Shared fixtures: small scenarios that run in a fraction of a second."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

# property-based tests draw their examples from a fixed seed: the suite is the same on every
# run (CI included); raise max_examples locally to explore further
settings.register_profile("mentorsim", derandomize=True, deadline=None)
settings.load_profile("mentorsim")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def small() -> dict:
    """A 200-person, 26-week scenario as plain data."""
    return {
        "name": "small",
        "seed": 7,
        "horizon_weeks": 26,
        "replications": 3,
        "organization": {"size": 200, "levels": 4, "span_of_control": 8},
        "arms": [{"name": "no_program"}],
    }


CLOSED = {
    "annual_turnover": {"gen_z": 0.0, "millennial": 0.0, "gen_x": 0.0, "boomer": 0.0},
    "retirement": False,
}
"""Retention settings of a closed workforce: nobody leaves, nobody is hired."""


def experiment(arms, reps=10, weeks=52, size=300, levels=4, span=8, seed=11, **extra):
    """Run arms x replications in this process and return the Results."""
    from sim import run_experiment

    data = {
        "seed": seed,
        "horizon_weeks": weeks,
        "replications": reps,
        "organization": {
            "size": size,
            "levels": levels,
            "span_of_control": span,
            **extra.pop("organization", {}),
        },
        "arms": arms,
        **extra,
    }
    return run_experiment(data)


def paired(results, arm, outcome):
    """The comparison row of ``arm`` against the baseline for ``outcome``."""
    c = results.comparison
    row = c[(c["arm"] == arm) & (c["outcome"] == outcome)]
    assert len(row) == 1, f"no comparison for {arm}/{outcome}"
    return row.iloc[0]


def assert_positive(row, what):
    """The paired 95% CI of a difference lies above zero."""
    assert row["paired_ci95_low"] > 0, (
        f"{what}: diff {row['diff']:.4g}, paired 95% CI [{row['paired_ci95_low']:.4g}, {row['paired_ci95_high']:.4g}]"
    )


def assert_negative(row, what):
    """The paired 95% CI of a difference lies below zero."""
    assert row["paired_ci95_high"] < 0, (
        f"{what}: diff {row['diff']:.4g}, paired 95% CI [{row['paired_ci95_low']:.4g}, {row['paired_ci95_high']:.4g}]"
    )

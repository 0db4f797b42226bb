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


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--full",
        action="store_true",
        help="run the checks marked slow at their full size (CI runs them at a reduced size)",
    )


@pytest.fixture
def full_size(request: pytest.FixtureRequest) -> bool:
    """Whether checks marked ``slow`` run at full size (``pytest --full``) or reduced (CI)."""
    return bool(request.config.getoption("--full"))


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


def mentee_gain(scenario, arm, seed, cols):
    """Run one arm; return the week-0 mentees' skill gains on ``cols`` (still employed) and the program hours."""
    import numpy as np

    from sim import ReverseMentoringModel

    model = ReverseMentoringModel(scenario, arm=arm, rng=seed)
    before = model.state.skills[:, cols].copy()
    model.run()
    mentees = np.flatnonzero(model.people.mentee_ever[: model.people.initial])
    slots = model.people.slot_of[mentees]
    here = slots >= 0
    return model.state.skills[slots[here]][:, cols] - before[mentees[here]], model.program.hours


def mentors_kept(scenario, arm, seed):
    """Shares of ``arm``'s week-0 mentors employed at the horizon, with and without the program.

    Without the program means the same people in the baseline arm (same slots, same draws):
    the comparable non-participants.
    """
    import numpy as np

    from sim import ReverseMentoringModel

    prog = ReverseMentoringModel(scenario, arm=arm, rng=seed).run()
    base = ReverseMentoringModel(scenario, arm=scenario.baseline, rng=seed).run()
    mentors = np.flatnonzero(prog.people.mentor_ever[: prog.people.initial])
    return (prog.people.slot_of[mentors] >= 0).mean(), (base.people.slot_of[mentors] >= 0).mean()


def write_roster_file(path, size=300, levels=4, seed=3, columns=None):
    """A synthetic roster (the template) written to ``path``; returns (table, as_of)."""
    from sim.core.organization_params import Organization
    from sim.core.roster_template import roster_template, write_roster

    table, as_of = roster_template(Organization(size=size, levels=levels), seed=seed)
    if columns is not None:
        table = table[columns]
    write_roster(table, path)
    return table, as_of


@pytest.fixture
def rostered(tmp_path) -> dict:
    """A 300-person scenario read from a roster file beside it (as plain data)."""
    write_roster_file(tmp_path / "roster.csv")
    return {
        "name": "rostered",
        "seed": 7,
        "horizon_weeks": 12,
        "replications": 2,
        "organization": {"roster": str(tmp_path / "roster.csv"), "as_of": "2026-01-01"},
        "arms": [
            {"name": "no_program"},
            {"name": "mentoring", "program": {"pairing": "optimal"}},
        ],
    }

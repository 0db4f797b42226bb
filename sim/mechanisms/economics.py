"""Program hours and cost, turnover cost, and the value of ideas (for ROI against the baseline).

Return on investment of an arm, replication by replication against the baseline arm (which
shares its random numbers): ``(benefit - program cost) / program cost``, with benefit the
retention savings (baseline turnover cost minus the arm's; replacement cost is a multiple of
salary) plus ``value_per_implemented_idea`` times the extra implemented ideas.
"""

from __future__ import annotations

import numpy as np

from sim.core.params import Params, param


class EconomicsParams(Params):
    """Money: salaries, replacement cost, the value of ideas and training time."""

    salary_by_level: list[float] = param(
        doc="Annual salary by level (the last value applies to higher levels)",
        unit="currency/year",
        default_factory=lambda: [55_000.0, 80_000.0, 120_000.0, 180_000.0, 300_000.0],
    )
    replacement_cost_multiple: float = param(
        0.5,
        doc="Cost of replacing a leaver, as a multiple of annual salary",
        ge=0,
        le=5,
        plausible=(
            0.2,
            1.5,
            "estimates of replacing an employee run from a fifth of salary to one and a half times it",
        ),
    )
    value_per_implemented_idea: float = param(
        5_000.0,
        doc="Value of one implemented idea",
        unit="currency",
        ge=0,
        plausible=(
            1000.0,
            20000.0,
            "a fifth to four times the default value of an implemented idea",
        ),
    )
    mentor_training_hours: float = param(
        8.0,
        doc="Hours of training per mentor when mentors are trained",
        unit="hours",
        ge=0,
        le=200,
        plausible=(4.0, 16.0, "half a day to two days of mentor training"),
    )


def by_level(values: list[float], level: np.ndarray) -> np.ndarray:
    """Look a per-level list up for each level (the last value for higher levels)."""
    table = np.asarray(values, dtype=float)
    return table[np.minimum(level, table.size - 1)]


def roi(
    program_cost: np.ndarray,
    turnover_saving: np.ndarray,
    extra_ideas: np.ndarray,
    value_per_idea: float,
) -> tuple[np.ndarray, np.ndarray]:
    """(net benefit, ROI) per replication; ROI is 0 where the program cost nothing."""
    benefit = turnover_saving + value_per_idea * extra_ideas
    net = benefit - program_cost
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(program_cost > 0, net / np.where(program_cost > 0, program_cost, 1.0), 0.0)
    return net, ratio

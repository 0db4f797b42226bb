"""Program hours and cost, turnover cost, and the value of ideas and skills (for ROI).

Return on investment of an arm, replication by replication against the baseline arm (which
shares its random numbers): ``(benefit - program cost) / program cost``, with benefit

* the retention savings (baseline turnover cost minus the arm's; replacement cost is a
  multiple of salary),
* ``value_per_implemented_idea`` times the extra implemented ideas, and
* the value of the skills the program transferred: ``value_per_skill_unit`` times the skill
  gained at meetings (mentees' and mentors') on the skills the organization needs
  (``valued_skills``; by default the skills its technologies rest on). This is what a program
  is for: a program focused on needed skills buys more of them per hour than one spread over
  every skill, and one focused elsewhere buys less (:mod:`sim.mechanisms.learning`).

The price of a unit of skill (one skill from 0 to 1) is what it would cost to teach it
otherwise (assumption): 40 hours of formal training, paying both the course (110 an hour) and
the learner's time (110 an hour, the default hourly cost of a level-2 manager), 8,800 in all.
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
    value_per_skill_unit: float = param(
        8_800.0,
        doc="Value of one unit of a needed skill transferred at meetings (one skill from 0 to 1): the cost of teaching it otherwise, 40 training hours at 110 for the course plus 110 for the learner's time",
        unit="currency",
        ge=0,
        source="assumption (training-cost equivalent)",
        plausible=(
            2_000.0,
            20_000.0,
            "from a short course to a semester of formal training per skill",
        ),
    )
    valued_skills: list[str] | None = param(
        None,
        doc="Skills whose transfer is valued (null: the skills of the organization's technologies)",
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


def valued_columns(names: list[str], technology_skills: list[list[str]], valued) -> np.ndarray:
    """Column indices of the valued skills (by default those of the technologies)."""
    chosen = valued if valued is not None else [s for t in technology_skills for s in t]
    return np.array(sorted({names.index(s) for s in chosen}), dtype=np.int64)


def roi(
    program_cost: np.ndarray,
    turnover_saving: np.ndarray,
    extra_ideas: np.ndarray,
    value_per_idea: float,
    skill_value: np.ndarray | float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """(net benefit, ROI) per replication; ROI is 0 where the program cost nothing.

    ``skill_value`` is the arm's value of the skills transferred at its meetings.
    """
    benefit = turnover_saving + value_per_idea * extra_ideas + skill_value
    net = benefit - program_cost
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(program_cost > 0, net / np.where(program_cost > 0, program_cost, 1.0), 0.0)
    return net, ratio

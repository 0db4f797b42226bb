"""Program calendar: eligibility and opt-in at a wave's start (phase 1 of the step).

Voluntary programs: a junior opts in to mentor with probability ``willingness`` (times the
sponsorship boost); a senior opts in to be mentored with probability
``(1 - resistance) * (0.5 + 0.5 * openness)`` (times the boost). Mandatory programs enrol
every eligible employee; resistance then weighs more on attendance and quality (see
:mod:`sim.mechanisms.meetings`, :mod:`sim.mechanisms.relationship`).
"""

from __future__ import annotations

import numpy as np

from sim.core.organization_params import COHORTS
from sim.core.params import Params, param
from sim.core.state import OPENNESS, RESISTANCE, WILLINGNESS
from sim.program.design import Program


class ParticipationParams(Params):
    """Parameters of opt-in to a voluntary program."""

    sponsorship_boost: float = param(
        0.5,
        doc="Relative rise of opt-in probabilities at full executive sponsorship",
        ge=0,
        le=5,
        plausible=(0.2, 1.0, "full sponsorship raises opt-in by a fifth to double it"),
    )


def mentor_opt_in(willingness: np.ndarray, sponsorship: float, boost: float) -> np.ndarray:
    """Probability that an eligible junior volunteers to mentor."""
    return np.clip(willingness * (1.0 + boost * sponsorship), 0.0, 1.0)


def mentee_opt_in(
    resistance: np.ndarray, openness: np.ndarray, sponsorship: float, boost: float
) -> np.ndarray:
    """Probability that an eligible senior asks to be mentored."""
    return np.clip(
        (1.0 - resistance) * (0.5 + 0.5 * openness) * (1.0 + boost * sponsorship), 0.0, 1.0
    )


def eligible_mentors(state, program: Program) -> np.ndarray:
    """Boolean mask of employees who may mentor under the program's eligibility."""
    rule = program.eligibility
    cohorts = np.isin(state.cohort, [COHORTS.index(c) for c in rule.mentor_cohorts])
    mask = state.alive & cohorts & (state.level <= rule.mentor_max_level)
    return mask & ~state.senior if rule.mentors_must_be_junior else mask


def eligible_mentees(state, program: Program) -> np.ndarray:
    """Boolean mask of employees who may be mentored under the program's eligibility."""
    rule = program.eligibility
    mask = state.alive & (state.level >= rule.mentee_min_level)
    if rule.mentee_max_level is not None:
        mask &= state.level <= rule.mentee_max_level
    return mask & state.senior if rule.mentees_must_be_senior else mask


def opt_in(
    state, program: Program, params: ParticipationParams, draws: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Masks of (mentors, mentees) who take part in a wave.

    Args:
        state: The organization's state.
        program: The program design.
        params: Opt-in parameters.
        draws: Uniform draws, shape (N, 2): column 0 for mentors, 1 for mentees.
    """
    mentors, mentees = eligible_mentors(state, program), eligible_mentees(state, program)
    if program.participation == "mandatory":
        return mentors, mentees
    att = state.attitudes
    p_mentor = mentor_opt_in(att[:, WILLINGNESS], program.sponsorship, params.sponsorship_boost)
    p_mentee = mentee_opt_in(
        att[:, RESISTANCE], att[:, OPENNESS], program.sponsorship, params.sponsorship_boost
    )
    return mentors & (draws[:, 0] < p_mentor), mentees & (draws[:, 1] < p_mentee)


def cap_mentees(
    mentees: np.ndarray,
    department: np.ndarray,
    cap: int | None,
    size: int | None,
    order: np.ndarray,
) -> np.ndarray:
    """Apply the per-department cap and the wave size, taking mentees in ``order``.

    Args:
        mentees: Slots of the volunteering mentees.
        department: Department code per slot.
        cap: Most mentees per department (None: no cap).
        size: Most mentees in the wave (None: all).
        order: A permutation of ``range(len(mentees))`` (random order of precedence).

    Returns:
        The slots kept, in precedence order.
    """
    ranked = mentees[order]
    if cap is not None:
        depts = department[ranked]
        seen: dict[int, int] = {}
        keep = np.zeros(len(ranked), dtype=bool)
        for i, d in enumerate(depts.tolist()):
            seen[d] = seen.get(d, 0) + 1
            keep[i] = seen[d] <= cap
        ranked = ranked[keep]
    return ranked if size is None else ranked[:size]

"""Meetings and attendance (phase 2): how many of the planned meetings each active board holds.

An active board plans ``cadence_per_week`` meetings a week. Each planned meeting is held with
the attendance probability

    logit(a) = logit(base) - resistance_effect * m * resistance + engagement_effect *
               (engagement - 0.5) + sponsorship_effect * sponsorship

where ``m`` is ``mandatory_multiplier`` in a mandatory program (a resistant mentee who did
not choose to take part skips more) and 1 otherwise. Meetings held this week are a binomial
draw over the week's planned meetings (whole meetings; fractions carry over as chances).
"""

from __future__ import annotations

import numpy as np

from sim.core.params import Params, param


class MeetingParams(Params):
    """Parameters of meetings and attendance."""

    base_attendance: float = param(
        0.85,
        doc="Attendance probability of a neutral pair",
        gt=0,
        lt=1,
        plausible=(
            0.7,
            0.95,
            "programs judged to work hold most planned meetings; below 70% they are seen as failing",
        ),
    )
    resistance_effect: float = param(
        2.0,
        doc="Fall of the attendance log-odds per unit of mentee resistance",
        ge=0,
        le=20,
        plausible=(
            0.5,
            4.0,
            "full resistance multiplies the odds of attending by 0.6 (weak) to 0.02 (strong)",
        ),
    )
    engagement_effect: float = param(
        1.5,
        doc="Rise of the attendance log-odds per unit of the pair's engagement above 0.5",
        ge=0,
        le=20,
        plausible=(
            0.5,
            3.0,
            "from a weak to a strong role of engagement in attendance",
        ),
    )
    sponsorship_effect: float = param(
        0.8,
        doc="Rise of the attendance log-odds at full executive sponsorship",
        ge=0,
        le=20,
        plausible=(
            0.2,
            1.6,
            "full sponsorship multiplies the odds of attending by 1.2 to 5",
        ),
    )
    mandatory_multiplier: float = param(
        2.0,
        doc="How much more resistance weighs in a mandatory program",
        ge=1,
        le=10,
        plausible=(
            1.0,
            3.0,
            "under a mandate resistance weighs as much to three times as much",
        ),
    )


def attendance(
    params: MeetingParams,
    resistance: np.ndarray,
    engagement: np.ndarray,
    sponsorship: float,
    mandatory: bool,
) -> np.ndarray:
    """Probability that a planned meeting is held (one board or many)."""
    from scipy.special import expit, logit  # here: validating a scenario does not need scipy

    m = params.mandatory_multiplier if mandatory else 1.0
    z = (
        logit(params.base_attendance)
        - params.resistance_effect * m * resistance
        + params.engagement_effect * (engagement - 0.5)
        + params.sponsorship_effect * sponsorship
    )
    return expit(z)


def planned_this_week(cadence_per_week: float, draws: np.ndarray) -> np.ndarray:
    """Whole meetings planned this week: the integer part plus one more with the fractional chance.

    The mean is ``cadence_per_week``, so the expected cadence is kept while planned meetings,
    like held ones, are whole numbers.
    """
    whole = np.floor(cadence_per_week)
    return (whole + (draws < cadence_per_week - whole)).astype(np.int64)


def held(planned: np.ndarray, probability: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Meetings held out of ``planned``, from uniform ``draws`` of shape (boards, max planned)."""
    slots = np.arange(draws.shape[1])[None, :] < planned[:, None]
    return ((draws < probability[:, None]) & slots).sum(axis=1)

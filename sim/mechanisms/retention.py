"""Engagement and retention (phase 9): engagement drift, quits and retirements.

Engagement moves each week toward a target: the employee's own base level plus recognition
for an active mentor, a smaller lift for an active mentee, growth (the week's skill gain) and
connection (mentoring ties that persist):

    e <- e + drift * (base + recognition*[mentor] + mentee_lift*[mentee] + growth*gain
                      + connection*min(ties, 2) - e)

The weekly quit probability is ``1 - exp(-lambda/52 * exp(-engagement_effect * (e - mean)))``,
with ``lambda = -ln(1 - annual turnover)`` of the employee's cohort and ``mean`` the cohort's
reference engagement (see :func:`reference_engagement`), so an organization at its starting
engagement loses its cohorts' base annual turnover. Employees retire at the organization's retirement age. Leavers
take their skills with them; their slot waits for a hire (see :mod:`sim.mechanisms.staffing`).
"""

from __future__ import annotations

import numpy as np

from sim.core.params import Params, param

GALLUP = "Gallup (2016), How Millennials Want to Work and Live: 21% of millennials changed jobs in the past year"
BLS_BRACKET = "U.S. BLS Employee Tenure: a rough exponential brackets annual leaving near 0.25 (young) and 0.07 (older)"


class AnnualTurnover(Params):
    """Base annual voluntary turnover by cohort."""

    gen_z: float = param(0.25, doc="Gen Z", unit="1/year", ge=0, lt=1, source=BLS_BRACKET)
    millennial: float = param(0.21, doc="Millennials", unit="1/year", ge=0, lt=1, source=GALLUP)
    gen_x: float = param(
        0.10,
        doc="Gen X (between the brackets)",
        unit="1/year",
        ge=0,
        lt=1,
        source="assumption, between the BLS brackets",
    )
    boomer: float = param(0.07, doc="Boomers", unit="1/year", ge=0, lt=1, source=BLS_BRACKET)

    def array(self) -> np.ndarray:
        """Rates in cohort order (youngest first)."""
        return np.array([self.gen_z, self.millennial, self.gen_x, self.boomer])


class RetentionParams(Params):
    """Parameters of engagement and retention."""

    annual_turnover: AnnualTurnover = param(
        doc="Base annual voluntary turnover by cohort", default_factory=AnnualTurnover
    )
    engagement_effect: float = param(
        3.0,
        doc="Fall of the log quit hazard per unit of engagement above the cohort mean",
        ge=0,
        le=20,
    )
    retirement: bool = param(True, doc="Employees retire at organization.retirement_age")
    engagement_drift: float = param(
        0.05, doc="Weekly move of engagement toward its target", unit="1/week", ge=0, le=1
    )
    recognition: float = param(
        0.15, doc="Engagement target lift for an active mentor (recognition)", ge=0, le=1
    )
    mentee_lift: float = param(0.03, doc="Engagement target lift for an active mentee", ge=0, le=1)
    growth: float = param(
        5.0, doc="Engagement target lift per unit of the week's mean skill gain", ge=0, le=100
    )
    connection: float = param(
        0.02,
        doc="Engagement target lift per persisting mentoring tie (at most two count)",
        ge=0,
        le=1,
    )


def engagement_target(
    base: np.ndarray,
    mentor: np.ndarray,
    mentee: np.ndarray,
    gain: np.ndarray,
    ties: np.ndarray,
    params: RetentionParams,
) -> np.ndarray:
    """Where engagement drifts this week (one employee or all)."""
    return (
        base
        + params.recognition * mentor
        + params.mentee_lift * mentee
        + params.growth * gain
        + params.connection * np.minimum(ties, 2)
    )


def next_engagement(
    engagement: np.ndarray, target: np.ndarray, params: RetentionParams
) -> np.ndarray:
    """Engagement after one week's drift, kept in [0, 1]."""
    return np.clip(engagement + params.engagement_drift * (target - engagement), 0.0, 1.0)


def quit_probability(
    cohort: np.ndarray,
    engagement: np.ndarray,
    cohort_mean_engagement: np.ndarray,
    params: RetentionParams,
) -> np.ndarray:
    """Weekly probability of quitting."""
    annual = params.annual_turnover.array()
    rate = -np.log1p(-annual)[cohort] / 52.0
    return -np.expm1(
        -rate * np.exp(-params.engagement_effect * (engagement - cohort_mean_engagement[cohort]))
    )


def reference_engagement(
    cohort: np.ndarray, engagement: np.ndarray, effect: float, fallback: np.ndarray
) -> np.ndarray:
    """Per cohort, the engagement at which the hazard multiplier averages 1 over the start.

    With ``ref = -ln(mean(exp(-effect * e))) / effect`` the cohort's mean multiplier
    ``exp(-effect * (e - ref))`` is exactly 1 at week 0, so the organization starts at its
    cohorts' base annual turnover (the engagement spread alone would otherwise raise it).
    """
    ref = fallback.astype(float).copy()
    if effect == 0:
        return ref
    for c in range(ref.size):
        e = engagement[cohort == c]
        if e.size:
            ref[c] = -np.log(np.mean(np.exp(-effect * e))) / effect
    return ref


def leavers(
    state,
    params: RetentionParams,
    retirement_age: float,
    cohort_mean_engagement: np.ndarray,
    draws: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Slots that quit and slots that retire this week (from one uniform per slot).

    A draw can only mean quitting below the chance at the lowest engagement (0), so the exact
    chance is worked out for those draws alone: the same leavers, for a fraction of the cost.
    """
    retire = (
        state.alive & (state.age >= retirement_age)
        if params.retirement
        else np.zeros(state.size, bool)
    )
    lowest = quit_probability(
        np.arange(cohort_mean_engagement.size),
        np.zeros(cohort_mean_engagement.size),
        cohort_mean_engagement,
        params,
    )
    maybe = np.flatnonzero(draws < lowest.max() * (1.0 + 1e-9) + 1e-12)
    maybe = maybe[state.alive[maybe] & ~retire[maybe]]
    p = quit_probability(
        state.cohort[maybe], state.engagement[maybe], cohort_mean_engagement, params
    )
    return maybe[draws[maybe] < p], np.flatnonzero(retire)

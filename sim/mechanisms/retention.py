"""Engagement and retention (phase 9): engagement drift, quits and retirements.

Engagement moves each week toward a target: the employee's own base level plus recognition
for an active mentor, a smaller lift for an active mentee, growth (the week's skill gain) and
connection (mentoring ties that persist):

    e <- e + drift * (base + recognition*[mentor] + mentee_lift*[mentee] + growth*gain
                      + connection*min(ties, 2) - e)

The weekly quit probability is ``1 - exp(-lambda/52 * exp(-engagement_effect * (e - mean)))``,
with ``lambda = -ln(1 - annual turnover)`` of the employee's cohort and ``mean`` the cohort's
reference engagement (see :func:`reference_engagement`), so an organization at its starting
engagement loses its cohorts' base annual turnover.

Retirement is a hazard of age, not a hard age: the weekly probability is
``1 - exp(-r(age)/52)`` with ``r(age) = (1 - S(age)) / spread`` the hazard of the logistic
survival ``S`` around the organization's median retirement age
(:func:`sim.core.organization.retirement_hazard`; the starting ages follow the same curve), so
an older workforce has retirements from the first week. A retiring employee does not also
quit. Leavers take their skills with them; their slot waits for a hire (see
:mod:`sim.mechanisms.staffing`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from sim import kernels
from sim.core.organization import retirement_hazard
from sim.core.params import Params, param
from sim.core.phase import Mechanism, Who, World, slots_of
from sim.mechanisms import staffing

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
        plausible=(
            0.07,
            0.15,
            "between the boomer bracket and somewhat below the millennial rate",
        ),
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
        plausible=(
            1.0,
            5.0,
            "a tenth more engagement lowers the quit hazard by 10% to 40%",
        ),
    )
    retirement: bool = param(
        True,
        doc="Employees retire, with a hazard rising with age around organization.retirement_age",
    )
    engagement_drift: float = param(
        0.05,
        doc="Weekly move of engagement toward its target",
        unit="1/week",
        ge=0,
        le=1,
        plausible=(
            0.02,
            0.1,
            "engagement follows its target within about 2 to 12 months",
        ),
    )
    recognition: float = param(
        0.15,
        doc="Engagement target lift for an active mentor (recognition)",
        ge=0,
        le=1,
        plausible=(0.05, 0.25, "being a mentor lifts engagement by a few to 25 points"),
    )
    mentee_lift: float = param(
        0.03,
        doc="Engagement target lift for an active mentee",
        ge=0,
        le=1,
        plausible=(0.0, 0.06, "being mentored lifts engagement a little or not at all"),
    )
    growth: float = param(
        5.0,
        doc="Engagement target lift per unit of the week's mean skill gain",
        ge=0,
        le=100,
        plausible=(
            2.0,
            10.0,
            "half to twice the default weight of learning in engagement",
        ),
    )
    connection: float = param(
        0.02,
        doc="Engagement target lift per persisting mentoring tie (at most two count)",
        ge=0,
        le=1,
        plausible=(
            0.0,
            0.04,
            "a persisting mentoring tie lifts engagement by up to 4 points",
        ),
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


def retirement_probability(age: np.ndarray, median: float, spread: float) -> np.ndarray:
    """Weekly probability of retiring at ``age`` (exact over the week, from the annual hazard)."""
    return -np.expm1(-retirement_hazard(age, median, spread) / 52.0)


@dataclass
class RetentionInputs:
    """The phase snapshot: engagement and its drivers, ages, and the week's leavers."""

    alive: np.ndarray
    engagement: np.ndarray
    """Engagement as the phase starts (drift and the quit chance both read it)."""
    base: np.ndarray
    cohort: np.ndarray
    age: np.ndarray
    """Ages as the phase starts (the retirement chance reads them)."""
    mentor: np.ndarray
    """1 for active mentors this week."""
    mentee: np.ndarray
    """1 for active mentees this week."""
    ties: np.ndarray
    """Persisting mentoring ties per slot."""
    gain: np.ndarray
    """This week's mean skill change per slot (growth)."""
    bound: float
    """An upper bound on every quit chance (the chance at engagement 0)."""
    retire_bound: float
    """An upper bound on every retirement chance (the hazard's limit ``1 / spread``)."""
    quits: list[np.ndarray] = field(default_factory=list)
    """Slots that quit this week (filled as the rule is applied)."""
    retires: list[np.ndarray] = field(default_factory=list)
    """Slots that retire this week."""


class Retention(Mechanism):
    """Phase 9: engagement drifts, and each employee may retire or quit.

    Synchronous: the quit chance reads the engagement as the phase starts, like the drift, so
    neither depends on the order in which employees apply the rule. Two draws per employee:
    the first decides a quit, the second a retirement.

    Args:
        params: The retention parameters.
        cohort_engagement: Each cohort's reference engagement (:func:`reference_engagement`).
        retirement_age: The organization's median retirement age.
        retirement_spread: The spread of retirement ages around it (years).
    """

    name: ClassVar[str] = "retention"
    reads = ("alive", "engagement", "engagement_base", "cohort", "age")
    writes = ("engagement",)
    draws_per_employee = 2
    params_type = RetentionParams
    params: RetentionParams

    def __init__(
        self,
        params: RetentionParams,
        cohort_engagement: np.ndarray,
        retirement_age: float,
        retirement_spread: float,
    ) -> None:
        super().__init__(params)
        self.cohort_engagement = cohort_engagement
        self.retirement_age = retirement_age
        self.retirement_spread = retirement_spread

    def prepare(self, world: World) -> RetentionInputs:
        """Engagement and its drivers as the phase starts; ages; the chances' bounds."""
        st, p = world.state, self.params
        if world.program is not None:
            mentor, mentee, ties = world.program.roles()
        else:
            mentor = mentee = ties = np.zeros(st.size)
        codes = np.arange(self.cohort_engagement.size)
        lowest = quit_probability(codes, np.zeros(codes.size), self.cohort_engagement, p)
        oldest = -np.expm1(-1.0 / (self.retirement_spread * 52.0)) if p.retirement else 0.0
        return RetentionInputs(
            alive=st.alive.copy(),
            engagement=st.engagement.copy(),
            base=st.engagement_base,
            cohort=st.cohort,
            age=st.age.copy(),
            mentor=mentor,
            mentee=mentee,
            ties=ties,
            gain=world.gain,
            bound=float(lowest.max()),
            retire_bound=float(oldest),
        )

    def retire_chance(self, inputs: RetentionInputs, who: Who) -> np.ndarray:
        """This week's chance of retiring for ``who`` (0 with retirement off)."""
        if not self.params.retirement:
            return np.zeros(np.shape(inputs.age[who]))
        return retirement_probability(inputs.age[who], self.retirement_age, self.retirement_spread)

    def rule(self, inputs: RetentionInputs, who: Who, draws: np.ndarray) -> dict:
        """New engagement, and whether ``who`` retires or (otherwise) quits this week."""
        e, alive = inputs.engagement[who], inputs.alive[who]
        target = engagement_target(
            inputs.base[who],
            inputs.mentor[who],
            inputs.mentee[who],
            inputs.gain[who],
            inputs.ties[who],
            self.params,
        )
        chance = quit_probability(inputs.cohort[who], e, self.cohort_engagement, self.params)
        retire = alive & (draws[..., 1] < self.retire_chance(inputs, who))
        return {
            "engagement": np.where(alive, next_engagement(e, target, self.params), e),
            "quit": alive & ~retire & (draws[..., 0] < chance),
            "retire": retire,
        }

    def write(self, world: World, inputs: RetentionInputs, who: Who, changes: dict) -> None:
        """Write engagement; note who quits and who retires."""
        world.state.engagement[who] = changes["engagement"]
        slots = slots_of(who, world.state.size)
        inputs.quits.append(slots[np.atleast_1d(changes["quit"])])
        inputs.retires.append(slots[np.atleast_1d(changes["retire"])])

    def apply(self, world: World, inputs: RetentionInputs, draws: np.ndarray) -> None:
        """Vector engine: the rule, with chances computed only below their bounds."""
        st, p = world.state, self.params
        target = engagement_target(
            inputs.base, inputs.mentor, inputs.mentee, inputs.gain, inputs.ties, p
        )
        e = inputs.engagement
        st.engagement[:] = np.where(inputs.alive, next_engagement(e, target, p), e)

        def quit_chance(idx: np.ndarray) -> np.ndarray:
            return quit_probability(inputs.cohort[idx], e[idx], self.cohort_engagement, p)

        retires = kernels.bernoulli_below_bound(
            draws[:, 1],
            inputs.retire_bound,
            lambda idx: self.retire_chance(inputs, idx),
            inputs.alive,
        )
        eligible = inputs.alive.copy()
        eligible[retires] = False
        inputs.quits.append(
            kernels.bernoulli_below_bound(draws[:, 0], inputs.bound, quit_chance, eligible)
        )
        inputs.retires.append(retires)

    def finish(self, world: World, inputs: RetentionInputs) -> None:
        """Everyone ages a week; leavers leave (:func:`sim.mechanisms.staffing.depart`)."""
        st = world.state
        np.add(st.age, 1.0 / 52.0, out=st.age, where=st.alive)
        np.add(st.tenure, 1.0 / 52.0, out=st.tenure, where=st.alive)
        quits = np.sort(np.concatenate(inputs.quits))
        retires = np.sort(np.concatenate(inputs.retires))
        if quits.size or retires.size:
            staffing.depart(
                world, np.sort(np.concatenate([quits, retires])), quits.size, retires.size
            )

"""Careers (phase 10a): promotions in grade, and seniority as tenure and level change.

Positions are the slots of a fixed reporting tree, so a promotion happens in one of two ways:

* **into a vacancy** (phase 10b, :mod:`sim.mechanisms.staffing`): a vacant position above is
  filled by one of its direct reports (the highest leadership, plus noise), who moves up a
  level and leaves their own position vacant for the next promotion or a hire;
* **in grade** (this phase): an employee moves up a job grade in their own position (a larger
  scope, a new title, a pay grade) and keeps their level, manager and reports. Modelling these
  "growth" promotions as a level change would break the tree (a manager with a report at their
  own level, or a position above that does not exist), so a promotion in grade restarts the
  employee's time in grade and is counted; pay and engagement effects of a promotion are not
  modelled (assumption).

Each week a current employee below the top level whose time in grade has reached
``min_years_in_grade`` is promoted in grade with probability ``1 - exp(-h / 52)``:

    h = rate[level] * exp(leadership_effect * (leadership - reference[level]))

``reference[level]`` is the leadership at which the multiplier averages 1 over the level's
week-0 employees (:func:`reference_leadership`), so ``rate[level]`` is the annual rate of an
employee who is ready; readiness is leadership (relative to the level) and time in grade.
Mentors' leadership grows at meetings (:mod:`sim.mechanisms.learning`), which raises their
chance of promotion, in grade and into vacancies: the leadership-development channel.

After the promotions, seniority is recomputed from the scenario's rule where it reads tenure,
so employees become senior as their tenure passes the threshold, mid-run (their Mesa agent
changes class on the next access). Under the ``level`` rule seniority changes only with a
promotion into a vacancy, which sets it.

The level rates are calibrated (assumption) so that promotions in grade and into vacancies
together come to 6-7% of employees a year in the quickstart organization: the band of SHRM's
Human Capital Benchmarking as cited in secondary sources. ``tests/mechanisms/test_careers.py``
checks the band.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from pydantic import field_validator

from sim import kernels
from sim.core.organization import is_senior
from sim.core.params import Params, param
from sim.core.phase import Mechanism, Who, World, slots_of
from sim.mechanisms.economics import by_level

SHRM = (
    "calibrated so that all promotions come to the 6-7% of employees a year of SHRM's Human "
    "Capital Benchmarking (secondary citations); the split by level is an assumption"
)


class CareersParams(Params):
    """Parameters of promotions in grade."""

    rate_by_level: list[float] = param(
        doc="Annual chance of a promotion in grade for a ready employee of average leadership, by level (the last value for higher levels; the top level is never promoted)",
        unit="1/year",
        default_factory=lambda: [0.07, 0.055, 0.045, 0.035],
        source=SHRM,
    )
    leadership_effect: float = param(
        3.0,
        doc="Rise of the log promotion hazard per unit of leadership above the level's mean",
        ge=0,
        le=20,
        plausible=(1.0, 6.0, "from leadership mattering a little to dominating who is ready"),
    )
    min_years_in_grade: float = param(
        1.0,
        doc="Years since the last promotion (or joining) before a promotion in grade",
        unit="years",
        ge=0,
        le=40,
        plausible=(0.5, 3.0, "from six months to three years in grade before the next step"),
    )

    @field_validator("rate_by_level")
    @classmethod
    def _rates(cls, rates: list[float]) -> list[float]:
        if not rates or min(rates) < 0 or max(rates) > 52:
            raise ValueError(f"rate_by_level: {rates} must be non-empty, each in [0, 52]")
        return rates


def reference_leadership(
    leadership: np.ndarray, level: np.ndarray, alive: np.ndarray, levels: int, effect: float
) -> np.ndarray:
    """Per level, the leadership at which the hazard multiplier averages 1 over the start.

    ``ref = ln(mean(exp(effect * leadership))) / effect`` over the level's current employees,
    so that at week 0 the level's mean promotion hazard is its rate (0 for an empty level).
    """
    ref = np.zeros(levels)
    for lv in range(levels):
        values = leadership[alive & (level == lv)]
        if values.size and effect > 0:
            ref[lv] = np.log(np.mean(np.exp(effect * values))) / effect
        elif values.size:
            ref[lv] = float(values.mean())
    return ref


def promotion_hazard(
    level: np.ndarray, leadership: np.ndarray, reference: np.ndarray, params: CareersParams
) -> np.ndarray:
    """Annual hazard of a promotion in grade for ready employees (see the module docstring)."""
    rate = by_level(params.rate_by_level, level)
    return rate * np.exp(params.leadership_effect * (leadership - reference[level]))


@dataclass
class CareerInputs:
    """The phase snapshot: who is ready, their level and leadership, and the week's promotions."""

    ready: np.ndarray
    """Current employees below the top level whose time in grade has reached the minimum."""
    level: np.ndarray
    leadership: np.ndarray
    """Leadership (or mean experience without a leadership skill) as the phase starts."""
    week: int
    bound: float
    """An upper bound on every chance this week (the chance at full leadership)."""
    promoted: list[np.ndarray] = field(default_factory=list)
    """Slots promoted in grade this week (filled as the rule is applied)."""


class Careers(Mechanism):
    """Phase 10a: promotions in grade; seniority follows tenure where the rule reads it.

    Args:
        params: The careers parameters.
        reference: Per level, the reference leadership (:func:`reference_leadership`).
        leadership: Maps the state to each slot's leadership (:func:`sim.mechanisms.staffing.leadership`).
    """

    name: ClassVar[str] = "careers"
    reads = ("alive", "level", "skills", "promoted_week")
    writes = ("promoted_week",)
    draws_per_employee = 1
    params_type = CareersParams
    params: CareersParams

    def __init__(self, params: CareersParams, reference: np.ndarray, leadership) -> None:
        super().__init__(params)
        self.reference = reference
        self.leadership = leadership

    def prepare(self, world: World) -> CareerInputs:
        """Who is ready for a promotion in grade, as the phase starts."""
        st = world.state
        top = self.reference.size - 1
        in_grade = world.now - st.promoted_week >= self.params.min_years_in_grade * 52.0
        lead = self.leadership(world)  # nothing changes skills during this phase
        most = promotion_hazard(np.arange(top), np.ones(top), self.reference, self.params).max(
            initial=0.0
        )
        return CareerInputs(
            ready=st.alive & (st.level < top) & in_grade,
            level=st.level,
            leadership=lead,
            week=world.now,
            bound=float(-np.expm1(-most / 52.0)),
        )

    def chance(self, inputs: CareerInputs, who: Who) -> np.ndarray:
        """This week's chance of a promotion in grade for ``who`` (0 for those not ready)."""
        hazard = promotion_hazard(
            inputs.level[who], inputs.leadership[who], self.reference, self.params
        )
        return np.where(inputs.ready[who], -np.expm1(-hazard / 52.0), 0.0)

    def rule(self, inputs: CareerInputs, who: Who, draws: np.ndarray) -> dict:
        """``{"promoted": flags}``: who is promoted in grade this week."""
        return {"promoted": inputs.ready[who] & (draws[..., 0] < self.chance(inputs, who))}

    def write(self, world: World, inputs: CareerInputs, who: Who, changes: dict) -> None:
        """Restart the promoted employees' time in grade; note them."""
        slots = slots_of(who, world.state.size)[np.atleast_1d(changes["promoted"])]
        world.state.promoted_week[slots] = inputs.week
        inputs.promoted.append(slots)

    def apply(self, world: World, inputs: CareerInputs, draws: np.ndarray) -> None:
        """Vector engine: the rule, with chances computed only below their bound."""
        slots = kernels.bernoulli_below_bound(
            draws[:, 0], inputs.bound, lambda idx: self.chance(inputs, idx), inputs.ready
        )
        world.state.promoted_week[slots] = inputs.week
        inputs.promoted.append(slots)

    def finish(self, world: World, inputs: CareerInputs) -> None:
        """Count the promotions (per person too); recompute seniority where tenure counts."""
        slots = np.sort(np.concatenate(inputs.promoted))
        persons = world.state.person[slots]
        world.people.promotions[persons] += 1
        world.tally.promotions += slots.size
        world.tally.promotions_in_grade += slots.size
        world.tally.promotions_of_mentors += int(world.people.mentor_ever[persons].sum())
        update_seniority(world)


def update_seniority(world: World) -> None:
    """Apply the scenario's seniority rule to current employees when it reads tenure.

    Employees whose seniority changes get a new agent (of the other class) on the next access.
    """
    org, st = world.config.organization, world.state
    if org.seniority.rule == "level":  # levels change only by promotion, which sets it
        return
    changed = np.flatnonzero(st.alive & (is_senior(org, st.level, st.tenure) != st.senior))
    if changed.size:
        st.senior[changed] = ~st.senior[changed]
        world.person_changed(changed)

"""Digital adoption per technology: a Bass-type hazard built from four terms.

A current employee who has not adopted technology t (introduced by now) adopts in week w with
probability ``1 - exp(-h * dt)``, ``dt = 1/52`` year, where the annual hazard is

    h = capability * (p                              innovation
                      + q * adopted share of neighbours)   imitation
      + push * sum over managers up the chain of decay^(distance - 1) * [adopted]   top-down push
      + mentoring * exposure                              mentoring (a mentor who has adopted)

    capability = 1 + skill_effect * (2 * skill - 1)       own skill on t's skills, in [0, 2]

**The mentoring term is an assumption no published evaluation measures**, and in the default
scenario most of a program's effect on senior adoption goes through it. Its default is derived
from a figure a reader can check against their own program rather than set as a round number
(:func:`mentoring_from_uptake`): the hazard at which half of the mentees whose mentor has
adopted adopt through the mentoring alone during the default program (six months, two meetings
a month, attendance 0.85; exposure counts in weeks with a meeting held), 3.61 per year. A
program evaluation that measured that uptake gives the value to use instead.

Using the exact hazard over the week (not a per-step probability ``h * dt``) makes the discrete
model converge to the continuous one as the step shrinks. In a well-mixed organization
(``mixing: well_mixed``) with ``skill_effect = push = mentoring = 0`` the expected adopted share
follows the Bass (1969) closed form F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np

from sim import kernels
from sim.core.params import Params, param
from sim.core.phase import EVERYONE, Mechanism, Who, World, slots_of

WEEKS_PER_YEAR = 52.0
BASS = "Bass (1969); values are an assumption for workplace tools (consumer-durables mean p=0.03, q=0.38 per year, Sultan, Farley & Lehmann 1990)"


def _meeting_week_chance(cadence_per_month: float, attendance: float) -> float:
    """Chance a board holds at least one meeting in a week.

    Planned: the integer part of the weekly cadence, plus one with the fractional chance; each
    held with ``attendance`` (:mod:`sim.mechanisms.meetings`).
    """
    per_week = cadence_per_month * 12.0 / 52.0
    whole, frac = np.floor(per_week), per_week - np.floor(per_week)
    none_held = (1.0 - frac) * (1.0 - attendance) ** whole + frac * (1.0 - attendance) ** (
        whole + 1
    )
    return float(1.0 - none_held)


def mentoring_from_uptake(
    uptake: float,
    months: float = 6.0,
    cadence_per_month: float = 2.0,
    attendance: float = 0.85,
) -> float:
    """The mentoring hazard (1/year) at which ``uptake`` of exposed mentees adopt by mentoring alone.

    A mentee whose mentor has adopted is exposed in the weeks in which their board holds a
    meeting, with chance ``m`` a week, and then adopts with ``1 - exp(-h / 52)``. Over the
    program's ``W`` weeks ``1 - (1 - m (1 - exp(-h / 52)))**W = uptake``, solved for ``h``.

    Args:
        uptake: Share of mentees of an adopted mentor who adopt through the mentoring alone.
        months: Length of the pairing.
        cadence_per_month: Planned meetings a month.
        attendance: Chance a planned meeting is held.
    """
    weeks = max(1, round(months * 52.0 / 12.0))
    per_week = 1.0 - (1.0 - uptake) ** (1.0 / weeks)
    meet = _meeting_week_chance(cadence_per_month, attendance)
    if per_week >= meet:
        raise ValueError(f"uptake {uptake} is out of reach with meetings in {meet:.0%} of weeks")
    return float(-WEEKS_PER_YEAR * np.log1p(-per_week / meet))


def uptake_from_mentoring(
    hazard: float, months: float = 6.0, cadence_per_month: float = 2.0, attendance: float = 0.85
) -> float:
    """The inverse of :func:`mentoring_from_uptake`: the uptake a mentoring hazard implies."""
    weeks = max(1, round(months * 52.0 / 12.0))
    meet = _meeting_week_chance(cadence_per_month, attendance)
    return float(1.0 - (1.0 - meet * -np.expm1(-hazard / WEEKS_PER_YEAR)) ** weeks)


MENTORING_UPTAKE = 0.5
"""Share of mentees of an adopted mentor who adopt through mentoring alone in the default
program (assumption; the figure the default of ``mentoring`` is derived from)."""

MENTORING_SOURCE = (
    "assumption, derived: half of the mentees whose mentor has adopted adopt through mentoring "
    "alone during a six-month, twice-monthly program at attendance 0.85 "
    "(mentoring_from_uptake(0.5)); no published evaluation measures it"
)


class AdoptionParams(Params):
    """Parameters of digital adoption."""

    innovation: float = param(
        0.2,
        doc="Bass innovation coefficient p",
        unit="1/year",
        ge=0,
        le=52,
        source=BASS,
        plausible=(
            0.05,
            0.5,
            "workplace tools that are rolled out have a higher p than consumer durables (mean 0.03 per year)",
        ),
    )
    imitation: float = param(
        2.5,
        doc="Bass imitation coefficient q",
        unit="1/year",
        ge=0,
        le=520,
        source=BASS,
        plausible=(
            1.0,
            5.0,
            "half of a workforce adopts a rolled-out tool within a few months to two years",
        ),
    )
    skill_effect: float = param(
        0.8,
        doc="How much own skill scales innovation and imitation (0: not at all; 1: from 0 to 2x)",
        ge=0,
        le=1,
        plausible=(0.4, 1.0, "own skill matters, from moderately to fully"),
    )
    manager_push: float = param(
        1.5,
        doc="Extra hazard when one's manager has adopted",
        unit="1/year",
        ge=0,
        le=52,
        plausible=(
            0.5,
            3.0,
            "a manager's adoption adds a third to twice the default push",
        ),
    )
    mentoring: float = param(
        round(mentoring_from_uptake(MENTORING_UPTAKE), 3),
        doc="Extra hazard for a mentee in a week with a meeting, times the share of their board's mentors who have adopted",
        unit="1/year",
        ge=0,
        le=52,
        source=MENTORING_SOURCE,
        plausible=(
            0.0,
            8.0,
            "no study measures it; from no effect of a mentor's adoption to about twice the default",
        ),
    )
    chain_decay: float = param(
        0.5,
        doc="Weight of each further level up the reporting chain in the top-down push (0: direct manager only)",
        ge=0,
        le=1,
        plausible=(
            0.2,
            0.8,
            "influence fades quickly to slowly up the reporting chain",
        ),
    )
    mixing: Literal["network", "well_mixed"] = param(
        "network",
        doc="Imitation from network neighbours, or from the whole organization (the Bass limit)",
    )


def weekly_probability(hazard: np.ndarray, weeks: float = 1.0) -> np.ndarray:
    """Probability of adopting within ``weeks`` under an annual hazard (exact, not Euler)."""
    return -np.expm1(-hazard * weeks / WEEKS_PER_YEAR)


def hazard(
    params: AdoptionParams,
    skill: np.ndarray,
    neighbour_share: np.ndarray,
    manager_adopted: np.ndarray,
    exposure: np.ndarray | None,
) -> np.ndarray:
    """Annual adoption hazard for one employee or all of them (see the module docstring)."""
    capability = 1.0 + params.skill_effect * (2.0 * skill - 1.0)
    h = capability * (params.innovation + params.imitation * neighbour_share)
    h += params.manager_push * manager_adopted
    if exposure is not None:
        h += params.mentoring * exposure
    return h


def passed_down(state, adopted: np.ndarray, decay: float) -> np.ndarray:
    """What each manager passes down the reporting chain: ``adopted[m] + decay * push[m]``.

    The push an employee feels is what their manager passes down
    (``push[i] = passed[manager[i]]``, 0 for the CEO): the direct manager's adoption counts 1,
    the skip-level manager's ``decay``, the next ``decay**2`` and so on up to the CEO, so a
    leader's adoption flows down the whole subtree they lead, weaker with each level. Computed
    level by level from the top, for every position above the bottom level (the bottom
    level's rows are left unset: nobody reports to them).

    Args:
        state: The organization's state (its tree: ``manager`` and ``by_depth``).
        adopted: N x T adoption of current employees (False for vacant positions).
        decay: Weight of each further level up the chain.
    """
    passed = np.empty(adopted.shape)
    for d, block in enumerate(state.by_depth[:-1]):
        above = passed[state.manager[block]] if d else 0.0
        passed[block] = adopted[block] + decay * above
    return passed


def upper_probability(params: AdoptionParams, managers_above: int, exposure_max: float) -> float:
    """A bound on anyone's chance of adopting this week.

    The chance at the largest possible hazard: full skill, every neighbour and every manager up
    the longest chain (``managers_above``) adopted, and the largest mentoring exposure.
    """
    chain = sum(params.chain_decay**k for k in range(managers_above))
    top = (1.0 + params.skill_effect) * (params.innovation + params.imitation)
    top += params.manager_push * chain + params.mentoring * exposure_max
    return float(weekly_probability(top))


@dataclass
class AdoptionInputs:
    """The phase snapshot: who may adopt what, and the hazard's aggregates.

    The aggregates are kept in the form each entry reads in O(1) (neighbour counts, what each
    manager passes down); :meth:`Adoption.probability` reads them at the entries it needs.
    """

    may_adopt: np.ndarray
    """N x T: current employees who have not adopted a technology introduced by now."""
    skills: np.ndarray
    """N x K skills (adoption does not change them during the phase)."""
    tech_skills: list[np.ndarray]
    """Per technology, the skill columns that drive it."""
    neighbours: np.ndarray | None
    """Current neighbours per slot (None when well mixed)."""
    adopters: np.ndarray
    """N x T adopters among current neighbours; well mixed: the adopted share of everyone (T)."""
    manager: np.ndarray
    """Each slot's manager (-1 for the CEO)."""
    passed: np.ndarray
    """N x T: what each manager passes down (:func:`passed_down`)."""
    exposure: np.ndarray | None
    """N x T: mentoring exposure this week (None without a program)."""
    week: int
    """The week being simulated (recorded as the adoption week)."""
    bound: float
    """An upper bound on every chance this week (:func:`upper_probability`)."""
    skill: np.ndarray | None = None
    """N x T own technology skill, when computed for everyone (:meth:`Adoption.for_agents`)."""
    share: np.ndarray | None = None
    """N x T neighbours' adopted share, when computed for everyone."""
    push: np.ndarray | None = None
    """N x T reporting-chain push, when computed for everyone."""


def entries(who: Who, n: int, n_tech: int) -> tuple[np.ndarray, np.ndarray]:
    """(employee, technology) entries of ``who`` and every technology, flat and row-major."""
    rows = slots_of(who, n)
    return np.repeat(rows, n_tech), np.tile(np.arange(n_tech), np.size(rows))


class Adoption(Mechanism):
    """Phase 7: each employee adopts each available technology with its week's chance.

    One uniform draw per employee and technology every week, whatever happens, so the draws
    line up across arms (common random numbers).
    """

    name: ClassVar[str] = "adoption"
    reads = ("alive", "adopted", "skills", "manager")
    writes = ("adopted", "adopted_week")
    params_type = AdoptionParams
    params: AdoptionParams

    def __init__(self, params: AdoptionParams, introduced_weeks: np.ndarray) -> None:
        super().__init__(params)
        self.introduced_weeks = introduced_weeks
        self.draws_per_employee = introduced_weeks.size

    def prepare(self, world: World) -> AdoptionInputs:
        """The snapshot and aggregates, from the state as the phase starts."""
        st, p = world.state, self.params
        current = st.adopted & st.alive[:, None]
        if p.mixing == "well_mixed":
            neighbours, adopters = None, st.adopted[st.alive].astype(np.float64).mean(axis=0)
        else:
            counts = world.neighbour_counts()
            neighbours, adopters = counts.alive, counts.adopted
        exposure = world.program.exposure() if world.program is not None else None
        top = float(exposure.max()) if exposure is not None and exposure.size else 0.0
        return AdoptionInputs(
            may_adopt=~st.adopted & st.alive[:, None] & (self.introduced_weeks <= world.now),
            skills=st.skills,
            tech_skills=st.tech_skills,
            neighbours=neighbours,
            adopters=adopters,
            manager=st.manager,
            passed=passed_down(st, current, p.chain_decay),
            exposure=exposure,
            week=world.now,
            bound=upper_probability(p, len(st.by_depth) - 1, top),
        )

    def probability(self, inputs: AdoptionInputs, rows: np.ndarray, techs: np.ndarray):
        """This week's chance of adopting at (employee, technology) entries."""
        return weekly_probability(
            hazard(
                self.params,
                _skill_at(inputs, rows, techs),
                _share_at(inputs, rows, techs),
                _push_at(inputs, rows, techs),
                inputs.exposure[rows, techs] if inputs.exposure is not None else None,
            )
        )

    def for_agents(self, inputs: AdoptionInputs) -> AdoptionInputs:
        """Technology skill, neighbours' share and chain push, for every employee at once."""
        n, n_tech = inputs.may_adopt.shape
        rows, techs = entries(EVERYONE, n, n_tech)
        return dataclasses.replace(
            inputs,
            skill=_skill_at(inputs, rows, techs).reshape(n, n_tech),
            share=_share_at(inputs, rows, techs).reshape(n, n_tech),
            push=_push_at(inputs, rows, techs).reshape(n, n_tech),
        )

    def rule(self, inputs: AdoptionInputs, who: Who, draws: np.ndarray) -> dict:
        """``{"adopted": flags}``: who adopts which technology this week."""
        n, n_tech = inputs.may_adopt.shape
        rows, techs = entries(who, n, n_tech)
        new = (draws.reshape(-1) < self.probability(inputs, rows, techs)) & inputs.may_adopt[
            rows, techs
        ]
        return {"adopted": new.reshape(np.shape(draws)), "week": inputs.week}

    def write(self, world: World, inputs, who: Who, changes: dict) -> None:
        """Set the new adoptions and record their week."""
        rows, techs = np.nonzero(np.atleast_2d(changes["adopted"]))
        _adopt(world, slots_of(who, world.state.size)[rows], techs, changes["week"])

    def apply(self, world: World, inputs: AdoptionInputs, draws: np.ndarray) -> None:
        """Vector engine: the rule, with chances computed only where a draw could succeed."""
        n_tech = draws.shape[1]

        def chance(flat: np.ndarray) -> np.ndarray:
            return self.probability(inputs, *np.divmod(flat, n_tech))

        new = kernels.bernoulli_below_bound(draws, inputs.bound, chance, inputs.may_adopt)
        _adopt(world, *np.divmod(new, n_tech), inputs.week)


def _adopt(world: World, rows: np.ndarray, techs: np.ndarray, week: int) -> None:
    world.state.adopted[rows, techs] = True
    world.state.adopted_week[rows, techs] = week


def _skill_at(inputs: AdoptionInputs, rows: np.ndarray, techs: np.ndarray) -> np.ndarray:
    """Own mean skill over each entry's technology skills (summed in column order, as ``mean``)."""
    if inputs.skill is not None:
        return inputs.skill[rows, techs]
    flat = inputs.skills.reshape(-1)
    base = rows * inputs.skills.shape[1]
    skill = np.empty(rows.size)
    for t, columns in enumerate(inputs.tech_skills):
        at = np.flatnonzero(techs == t)
        total = flat[base[at] + columns[0]]
        for c in columns[1:]:
            total = total + flat[base[at] + c]
        skill[at] = total / len(columns)
    return skill


def _share_at(inputs: AdoptionInputs, rows: np.ndarray, techs: np.ndarray) -> np.ndarray:
    """Adopted share among current neighbours (0 with none: only non-adopters ask)."""
    if inputs.share is not None:
        return inputs.share[rows, techs]
    if inputs.neighbours is None:  # well mixed
        return inputs.adopters[techs]
    have = inputs.neighbours[rows]
    share = inputs.adopters[rows, techs] / np.maximum(have, 1)
    return np.where(have > 0, share, 0).astype(np.float64)


def _push_at(inputs: AdoptionInputs, rows: np.ndarray, techs: np.ndarray) -> np.ndarray:
    """The reporting chain's push: what each entry's manager passes down (0 for the CEO)."""
    if inputs.push is not None:
        return inputs.push[rows, techs]
    boss = inputs.manager[rows]
    return np.where(boss >= 0, inputs.passed[np.maximum(boss, 0), techs], 0.0)

"""Departures, promotion and hiring: leavers free positions, vacancies are filled after a delay.

Leavers leave at the end of phase 9; vacancies are filled in phase 10b (promotions in grade,
which need no vacancy, are phase 10a: :mod:`sim.mechanisms.careers`).

A leaver takes their skills with them (counted as skill lost to turnover) and costs
``replacement_cost_multiple`` of their salary; their position falls vacant and any pair they
were in ends.

A vacancy above level 0 whose delay has passed is filled from inside with probability
``internal_fill_share``: the direct report of the vacant position with the highest leadership
(plus normal noise of s.d. ``selection_noise``) moves up, and their own position falls vacant
(mentors' leadership growth thus raises their promotion chances). Every other ready vacancy is
filled by a new hire drawn from the organization's hiring mix (level 0) or its workforce mix
(higher levels), with tenure 0; in an organization read from a roster, from the roster's own
people in the vacancy's level and department.

Informal ties belong to positions: a newcomer takes over the predecessor's contacts, which
keeps the network's shape (assumption).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from sim.core.organization import draw_people, draw_traits, is_senior
from sim.core.params import Params, param
from sim.core.phase import Phase, World
from sim.mechanisms.economics import by_level


class StaffingParams(Params):
    """Parameters of promotion and hiring."""

    hiring_delay_weeks: int = param(
        8,
        doc="Weeks a position stays vacant before it is filled",
        unit="weeks",
        ge=0,
        le=520,
        plausible=(4, 16, "filling a position commonly takes one to four months"),
    )
    internal_fill_share: float = param(
        0.5,
        doc="Share of vacancies above level 0 filled by promoting a direct report",
        ge=0,
        le=1,
        plausible=(
            0.3,
            0.7,
            "a third to most of the vacancies above entry level go to insiders",
        ),
    )
    selection_noise: float = param(
        0.1,
        doc="S.d. of the noise added to leadership when choosing whom to promote",
        ge=0,
        le=10,
        plausible=(0.05, 0.3, "promotion follows leadership closely to loosely"),
    )


def ready_vacancies(state, week: int, delay: int) -> np.ndarray:
    """Vacant slots whose hiring delay has passed, top of the tree first (then in slot order)."""
    ready = np.flatnonzero(
        ~state.alive & (state.vacant_since >= 0) & (week - state.vacant_since >= delay)
    )
    return ready[np.argsort(state.depth[ready], kind="stable")]


def promotion_candidate(
    state, slot: int, leadership: np.ndarray, rng: np.random.Generator, noise_sd: float
) -> int:
    """The direct report of ``slot`` to promote: highest leadership plus normal noise.

    One normal draw per current direct report (-1, and no draw, when there is none).
    """
    reports = _reports(state, slot)
    if reports.size == 0:
        return -1
    score = leadership[reports] + rng.normal(0.0, noise_sd, reports.size)
    return int(reports[np.argmax(score)])


def _reports(state, slot: int) -> np.ndarray:
    mine = state.reports(slot)
    return mine[state.alive[mine]]


def move_person(state, src: int, dst: int, week: int) -> None:
    """Move the person in ``src`` to the vacant position ``dst``; ``src`` falls vacant."""
    for name in state.PERSONAL:
        arr = getattr(state, name)
        arr[dst] = arr[src]
    state.alive[dst], state.alive[src] = True, False
    state.vacant_since[dst], state.vacant_since[src] = -1, week


def hire(
    state,
    org,
    slots: np.ndarray,
    first_person: int,
    week: int,
    rng: np.random.Generator,
    pool=None,
) -> None:
    """Fill ``slots`` with new hires (person ids from ``first_person`` on).

    ``pool`` (a :class:`~sim.core.workforce.RosterHiring`, for an organization read from a
    roster) draws each hire's generation, age, under-representation and the roster's skills
    and attitudes from the roster's people in the same level and department; without it they
    come from the scenario's hiring mix.
    """
    n = slots.size
    if n == 0:
        return
    level = state.level[slots]
    if pool is None:
        cohort_entry, age_entry = draw_people(org, n, rng, shares_key="hire_share")
        cohort_exp, age_exp = draw_people(org, n, rng, shares_key="share")
        entry = level == 0
        cohort = np.where(entry, cohort_entry, cohort_exp).astype(np.int8)
        age = np.where(entry, age_entry, age_exp)
    else:
        donor = pool.donor(slots, rng)
        cohort, age = pool.cohort[donor], pool.age[donor]
    tenure = np.zeros(n)
    skills, attitudes, engagement = draw_traits(
        org, cohort, level / max(org.levels - 1, 1), tenure, rng
    )
    if pool is not None:
        pool.fill(donor, skills, attitudes)
    state.person[slots] = np.arange(first_person, first_person + n)
    state.cohort[slots], state.age[slots], state.tenure[slots] = cohort, age, tenure
    if pool is None:
        state.underrepresented[slots] = rng.random(n) < org.underrepresented_share
    else:
        state.underrepresented[slots] = pool.underrepresented[donor]
    state.skills[slots], state.attitudes[slots] = skills, attitudes
    state.engagement[slots] = state.engagement_base[slots] = engagement
    state.adopted[slots], state.adopted_week[slots] = False, -1
    state.hired_week[slots] = state.promoted_week[slots] = week
    state.alive[slots], state.vacant_since[slots] = True, -1
    state.senior[slots] = is_senior(org, state.level[slots], tenure)


def depart(world: World, slots: np.ndarray, quits: int, retires: int) -> None:
    """The employees in ``slots`` (sorted) leave: ``quits`` of them quit, ``retires`` retire."""
    st, econ = world.state, world.config.dynamics.economics
    persons = st.person[slots]
    tally = world.tally
    tally.leavers += quits
    tally.retirements += retires
    salary = by_level(econ.salary_by_level, st.level[slots])
    tally.turnover_cost += econ.replacement_cost_multiple * float(salary.sum())
    tally.skill_lost += float(st.skills[slots].mean(axis=1).sum())
    world.people.slot_of[persons] = -1
    st.alive[slots] = False
    st.vacant_since[slots] = world.now
    if world.program is not None:
        world.program.end_for_departures(persons)
    world.person_changed(slots)


def leadership(world: World) -> np.ndarray:
    """The skill promotions select on: leadership, or mean experience without one."""
    names = world.config.organization.skill_names
    st = world.state
    if "leadership" in names:
        return st.skills[:, names.index("leadership")]
    return st.skills[:, st.experience].mean(axis=1)


class Staffing(Phase):
    """Phase 10b: ready vacancies are filled by promotion (best direct report) or by a new hire.

    One vacancy at a time, top of the tree first, since a promotion opens the position below.
    """

    name: ClassVar[str] = "staffing"

    def __init__(self, params: StaffingParams) -> None:
        self.params = params

    def step(self, world: World) -> None:
        """Fill every vacancy whose delay has passed."""
        st, p = world.state, self.params
        rng = world.streams[self.name]
        lead = leadership(world)
        external = []
        for slot in ready_vacancies(st, world.now, p.hiring_delay_weeks).tolist():
            if st.level[slot] > 0 and rng.random() < p.internal_fill_share:
                who = promotion_candidate(st, slot, lead, rng, p.selection_noise)
                if who >= 0:
                    promote(world, who, slot)
                    continue
            external.append(slot)
        hire_into(world, np.array(external, dtype=np.int64), rng)


def promote(world: World, src: int, dst: int) -> None:
    """The person in ``src`` moves up into the vacant position ``dst``."""
    st, org = world.state, world.config.organization
    person = int(st.person[src])
    move_person(st, src, dst, world.now)
    st.senior[dst] = is_senior(org, st.level[dst : dst + 1], st.tenure[dst : dst + 1])[0]
    st.promoted_week[dst] = world.now
    world.people.slot_of[person] = dst
    world.people.promotions[person] += 1
    world.tally.promotions += 1
    world.tally.promotions_of_mentors += int(world.people.mentor_ever[person])
    world.person_changed(np.array([src, dst]))


def hire_into(world: World, slots: np.ndarray, rng: np.random.Generator) -> None:
    """New hires fill ``slots`` (and become people with new ids)."""
    if slots.size == 0:
        return
    st, people = world.state, world.people
    first = people.add(slots, np.zeros(slots.size, np.int8), world.now)
    hire(st, world.config.organization, slots, first, world.now, rng, world.workforce.hiring)
    people.cohort[first : first + slots.size] = st.cohort[slots]
    world.tally.hires += slots.size
    world.person_changed(slots)

"""What the headline effects rest on: the mentoring hazard's derivation and the assumptions line."""

import numpy as np

from sim.mechanisms import adoption, meetings
from sim.model.assumptions import assumptions_line


def test_the_mentoring_default_makes_half_the_exposed_mentees_adopt_in_the_default_program():
    # simulate the default program's meetings with the model's own functions: 26 weeks, two
    # planned meetings a month, each held with probability 0.85; a mentee whose mentor has
    # adopted is exposed in the weeks with a meeting held and adopts then with the week's chance
    rng = np.random.default_rng(0)
    n, weeks, cadence = 200_000, 26, 2.0 * 12 / 52
    hazard = adoption.AdoptionParams().mentoring
    adopted = np.zeros(n, bool)
    for _ in range(weeks):
        planned = meetings.planned_this_week(cadence, rng.random(n))
        held = meetings.held(planned, np.full(n, 0.85), rng.random((n, 1)))
        chance = adoption.weekly_probability(np.where(held > 0, hazard, 0.0))
        adopted |= rng.random(n) < chance
    # 200,000 mentees: the share's standard error is about 0.0011
    assert abs(adopted.mean() - adoption.MENTORING_UPTAKE) < 0.005, adopted.mean()


def test_uptake_and_hazard_are_inverse():
    for uptake in (0.1, 0.5, 0.9):
        h = adoption.mentoring_from_uptake(uptake, months=9, cadence_per_month=6, attendance=0.7)
        back = adoption.uptake_from_mentoring(h, months=9, cadence_per_month=6, attendance=0.7)
        assert np.isclose(back, uptake)
    assert adoption.mentoring_from_uptake(
        0.5, cadence_per_month=4
    ) < adoption.mentoring_from_uptake(0.5), "more meetings, less hazard needed for the same uptake"


def test_the_assumptions_line_states_the_scenarios_values():
    default = assumptions_line({})
    assert "adoption.mentoring = 3.61" in default and "50%" in default and "8,800" in default
    custom = assumptions_line(
        {"dynamics": {"adoption": {"mentoring": 0.0}, "economics": {"value_per_skill_unit": 0}}}
    )
    assert "adoption.mentoring = 0.00" in custom and "0% of the mentees" in custom

"""Checks that need the organization built: does each program fit the organization?"""

from __future__ import annotations

from sim.core.rng import Streams
from sim.core.workforce import build_workforce
from sim.model.scenario import ScenarioError
from sim.program import participation


def check_programs_fit(scenario, seed: int) -> None:
    """Raise a :class:`~sim.model.scenario.ScenarioError` when a program cannot run in the organization.

    The organization of ``seed`` is built once (without agents) and each program arm's
    eligibility is counted: a group format needs at least ``group_size`` eligible mentors,
    and every program needs at least one eligible mentor and one eligible mentee.
    """
    arms = [(i, a) for i, a in enumerate(scenario.arms) if a.program is not None]
    if not arms or scenario.model != "reverse_mentoring":
        return
    state = build_workforce(scenario.organization, Streams(seed)).state
    errors = []
    for i, arm in arms:
        prog = arm.program
        mentors = int(participation.eligible_mentors(state, prog).sum())
        mentees = int(participation.eligible_mentees(state, prog).sum())
        if prog.format == "group" and prog.group_size > mentors:
            errors.append(
                f"arms.{i}.program.group_size: {prog.group_size} is larger than the {mentors} eligible mentors"
            )
        if mentors == 0:
            errors.append(
                f"arms.{i}.program.eligibility: no employee may mentor (0 eligible mentors)"
            )
        if mentees == 0:
            errors.append(
                f"arms.{i}.program.eligibility: no employee may be mentored (0 eligible mentees)"
            )
    if errors:
        raise ScenarioError(errors)

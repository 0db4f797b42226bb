"""Proposed pairs for a scenario's arm, by ``employee_id``: what ``mentorsim pairs`` prints."""

from __future__ import annotations

from typing import Any

import pandas as pd

from sim.core.rng import Streams, replication_seed
from sim.core.workforce import Workforce, build_workforce
from sim.model.scenario import Scenario, ScenarioError, load_scenario
from sim.program.proposal import first_wave_pairs


def proposed_pairs(
    scenario: Scenario | dict[str, Any] | str, arm: str, seed: int | None = None
) -> pd.DataFrame:
    """The pairs ``arm``'s policy forms at its first wave, on the organization as given.

    The organization is replication 0's (a roster as read, with what it lacks drawn from the
    run seed), at week 0; every eligible employee is taken to take part.

    Args:
        scenario: A scenario, its plain data or a YAML path.
        arm: The arm whose program forms the pairs.
        seed: The run seed (default: replication 0's seed of the scenario).

    Returns:
        One row per (mentee, mentor): ``mentee_id``, ``mentor_id`` (the roster's ids; person
        numbers for a synthetic organization), ``board``, ``score``, ``score_<term>`` and
        ``reasons`` (see :func:`sim.program.proposal.first_wave_pairs`).

    Raises:
        ScenarioError: No such arm, or an arm without a program.
    """
    scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    try:
        program = scenario.arm(arm).program
    except KeyError:
        names = [a.name for a in scenario.arms]
        raise ScenarioError([f"--arm: no arm {arm!r}; arms are {names}"]) from None
    if program is None:
        raise ScenarioError([f"--arm: arm {arm!r} has no program, so it forms no pairs"])
    streams = Streams(replication_seed(scenario.seed, 0) if seed is None else seed)
    workforce = build_workforce(scenario.organization, streams)
    frame = first_wave_pairs(workforce.state, program, streams, scenario.organization.skill_names)
    return with_ids(frame, workforce)


def with_ids(frame: pd.DataFrame, workforce: Workforce) -> pd.DataFrame:
    """Slots replaced by employee ids (person numbers as text for a synthetic organization)."""
    state = workforce.state
    mentee, mentor = state.person[frame["mentee"]], state.person[frame["mentor"]]
    if workforce.employee_ids is not None:
        mentee_ids, mentor_ids = workforce.employee_ids(mentee), workforce.employee_ids(mentor)
    else:
        mentee_ids, mentor_ids = [str(p) for p in mentee], [str(p) for p in mentor]
    table = frame.drop(columns=["mentee", "mentor"])
    table.insert(0, "mentee_id", mentee_ids)
    table.insert(1, "mentor_id", mentor_ids)
    return table


__all__ = ["proposed_pairs", "with_ids"]

"""Mesa agents as thin views over the model's state arrays.

An agent holds only its slot. ``agent.skills`` is a numpy view of row ``slot`` of the model's
N x K skill array: writing through it changes the array, and a change to the array shows in
the agent. Attitudes, engagement and the rest read and write their slot in the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from sim.core.organization_params import COHORTS
from sim.core.state import OPENNESS, RESISTANCE, WILLINGNESS

if TYPE_CHECKING:
    from sim.core.phase import Mechanism
    from sim.model.model import ReverseMentoringModel


def _scalar(array_name: str, doc: str, cast=float) -> property:
    def get(self: Employee):
        return cast(getattr(self.model.state, array_name)[self.slot])

    def set_(self: Employee, value) -> None:
        getattr(self.model.state, array_name)[self.slot] = value

    return property(get, set_, doc=doc)


def _attitude(column: int, doc: str) -> property:
    def get(self: Employee) -> float:
        return float(self.model.state.attitudes[self.slot, column])

    def set_(self: Employee, value: float) -> None:
        self.model.state.attitudes[self.slot, column] = value

    return property(get, set_, doc=doc)


class Employee(mesa.Agent):
    """An employee: a view of one slot of the organization's state arrays.

    Args:
        model: The model whose state holds this employee's row.
        slot: The row index in every state array.
    """

    model: ReverseMentoringModel

    def __init__(self, model: ReverseMentoringModel, slot: int) -> None:
        super().__init__(model)
        self.slot = int(slot)

    @property
    def skills(self) -> np.ndarray:
        """Skill vector (a writable view of the model's N x K array)."""
        return self.model.state.skills[self.slot]

    @skills.setter
    def skills(self, values) -> None:
        self.model.state.skills[self.slot] = values

    @property
    def attitudes(self) -> np.ndarray:
        """Attitudes [resistance, openness, willingness] (a writable view)."""
        return self.model.state.attitudes[self.slot]

    @attitudes.setter
    def attitudes(self, values) -> None:
        self.model.state.attitudes[self.slot] = values

    @property
    def adopted(self) -> np.ndarray:
        """Adoption flags per technology (a writable view)."""
        return self.model.state.adopted[self.slot]

    resistance = _attitude(RESISTANCE, "Resistance to being mentored, in [0, 1].")
    openness = _attitude(OPENNESS, "Openness to change, in [0, 1].")
    willingness = _attitude(WILLINGNESS, "Willingness to mentor, in [0, 1].")
    engagement = _scalar("engagement", "Engagement, in [0, 1].")
    age = _scalar("age", "Age in years.")
    tenure = _scalar("tenure", "Tenure in years.")
    level = _scalar("level", "Level in the hierarchy (0 = individual contributor).", int)
    department_code = _scalar("department", "Department code.", int)
    underrepresented = _scalar("underrepresented", "Member of an under-represented group.", bool)

    @property
    def cohort(self) -> str:
        """Generation cohort name."""
        return COHORTS[int(self.model.state.cohort[self.slot])]

    @property
    def department(self) -> str:
        """Department name."""
        return self.model.config.organization.departments[
            int(self.model.state.department[self.slot])
        ]

    @property
    def manager(self) -> Employee | None:
        """The manager's agent, or None for the CEO."""
        slot = int(self.model.state.manager[self.slot])
        return None if slot < 0 else self.model.agent_at(slot)

    @property
    def skill_dict(self) -> dict[str, float]:
        """Skills by name (a copy, for display)."""
        names = self.model.config.organization.skill_names
        return dict(zip(names, self.skills.tolist(), strict=True))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(slot={self.slot}, level={self.level}, cohort={self.cohort})"

    # ------------------------------------------------------------------ the agent engine

    def apply_rule(self, mechanism: Mechanism, inputs: Any) -> None:
        """Apply one mechanism's rule to this employee (the agent engine).

        With ``engine: agent`` every employee does this in turn, in random order, for each
        mechanism of the week: draw its own random numbers from the mechanism's stream, read
        the phase snapshot ``inputs`` (the state as the phase started, with its aggregates
        already computed, so this is O(1) in the size of the organization), and write its own
        row. The vector engine applies the very same ``mechanism.rule`` to everyone at once.
        """
        model = self.model
        draws = model.streams[mechanism.name].random(mechanism.draws_per_employee)
        mechanism.write(model, inputs, self.slot, mechanism.rule(inputs, self.slot, draws))


class JuniorEmployee(Employee):
    """An employee who is junior under the scenario's seniority rule (a potential mentor)."""


class SeniorEmployee(Employee):
    """An employee who is senior under the scenario's seniority rule (a potential mentee)."""

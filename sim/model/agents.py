"""Mesa agents as thin views over the model's state arrays.

An agent holds only its slot. ``agent.skills`` is a numpy view of row ``slot`` of the model's
N x K skill array: writing through it changes the array, and a change to the array shows in
the agent. Attitudes, engagement and the rest read and write their slot in the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.core.organization_params import COHORTS
from sim.core.state import OPENNESS, RESISTANCE, WILLINGNESS
from sim.mechanisms import adoption, attitudes, peer_learning, retention
from sim.mechanisms.peer_learning import neighbour_mean_one

if TYPE_CHECKING:
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
    # With ``engine: agent`` each employee applies the mechanisms' rule functions to itself,
    # reading the phase's snapshot (the state as the phase started) and writing its own row.
    # The vector engine applies the very same functions to every employee at once.

    def step_attitudes(self) -> None:
        """Phase 5b: a senior's resistance follows senior peers and sponsorship."""
        m, snap, i = self.model, self.model.snapshot, self.slot
        if not snap.senior[i]:
            return
        params = m.config.dynamics.attitudes
        res = snap.attitudes[:, 0]
        peers = (
            neighbour_mean_one(snap.network, snap.alive & snap.senior, res, i)
            if params.peer_influence > 0
            else res[i]
        )
        self.resistance = float(
            attitudes.senior_resistance(res[i], peers, params, m.sponsorship_now)
        )

    def step_peer_learning(self) -> None:
        """Phase 6: skills move toward the neighbours' mean where it is higher."""
        m, snap, i = self.model, self.model.snapshot, self.slot
        params = m.config.dynamics.peer_learning
        if params.rate == 0.0:
            return
        target = neighbour_mean_one(snap.network, snap.alive, snap.skills, i)
        delta = peer_learning.learning_delta(
            snap.skills[i], target, snap.attitudes[i, 1], params.rate
        )
        self.skills = snap.skills[i] + delta
        m.gain[i] += float(np.abs(delta).mean())

    def step_adoption(self) -> None:
        """Phase 7: adopt each available technology with the weekly probability of its hazard."""
        m, snap, i = self.model, self.model.snapshot, self.slot
        params = m.config.dynamics.adoption
        st = m.state
        draws = m.streams["adoption"].random(snap.adopted.shape[1])
        adopted = snap.adopted.astype(np.float64)
        if params.mixing == "well_mixed":
            share = adopted[snap.alive].mean(axis=0)
        else:
            share = neighbour_mean_one(snap.network, snap.alive, adopted, i)
        push = adoption.chain_push_one(st, adopted * snap.alive[:, None], params.chain_decay, i)
        skill = np.array([snap.skills[i, cols].mean() for cols in st.tech_skills])
        exposure = m.exposure[i] if m.exposure is not None else 0.0
        prob = adoption.weekly_probability(adoption.hazard(params, skill, share, push, exposure))
        new = (draws < prob) & ~snap.adopted[i] & (m.introduced_weeks <= m.now)
        st.adopted[i] |= new
        st.adopted_week[i, new] = m.now

    def step_retention(self) -> None:
        """Phase 9: engagement drifts; the employee may quit or retire (the model applies it)."""
        m, snap, i = self.model, self.model.snapshot, self.slot
        params = m.config.dynamics.retention
        target = retention.engagement_target(
            snap.engagement_base[i], m.roles[0][i], m.roles[1][i], m.gain[i], m.roles[2][i], params
        )
        self.engagement = float(retention.next_engagement(snap.engagement[i], target, params))
        draw = m.streams["retention"].random()
        if params.retirement and snap.age[i] >= m.config.organization.retirement_age:
            m.retiring.append(i)
        elif draw < retention.quit_probability(
            snap.cohort[i], snap.engagement[i], m.cohort_engagement, params
        ):
            m.quitting.append(i)


class JuniorEmployee(Employee):
    """An employee who is junior under the scenario's seniority rule (a potential mentor)."""


class SeniorEmployee(Employee):
    """An employee who is senior under the scenario's seniority rule (a potential mentee)."""

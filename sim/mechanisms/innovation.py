"""Innovation (phase 8): ideas from interactions, implemented when a senior sponsor backs them.

Each week a share ``interaction_rate`` of informal ties interact; every board's meetings are
interactions too. An interaction between a and b produces an idea with probability

    p = idea_rate * diversity * capability * (1 + cross_department_bonus * [different departments])

where diversity is the mean absolute skill difference of the two (skill complementarity,
scaled by 2 so that it spans about [0, 1]) and capability their mean skill; a mentoring meeting
counts ``meeting_multiplier`` interactions (a deliberate, cross-generational conversation).
An idea is implemented with probability ``implementation_rate * influence * openness`` of its
sponsor: the more senior of the two (their manager when both are individual contributors),
with influence ``(level + 1) / levels`` (pattern 7: innovation rises with cross-generational,
cross-department interaction).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from sim import kernels
from sim.core.params import Params, param
from sim.core.phase import Phase, World


class InnovationParams(Params):
    """Parameters of idea generation and implementation."""

    interaction_rate: float = param(
        0.1,
        doc="Share of informal ties that interact in a week",
        unit="1/week",
        ge=0,
        le=1,
        plausible=(
            0.05,
            0.2,
            "an informal tie is active one week in twenty to one in five",
        ),
    )
    idea_rate: float = param(
        0.02,
        doc="Chance of an idea per interaction at full diversity and capability",
        ge=0,
        le=1,
        plausible=(0.01, 0.04, "half to twice the default idea chance per interaction"),
    )
    meeting_multiplier: float = param(
        3.0,
        doc="Interactions a mentoring meeting is worth",
        ge=0,
        le=100,
        plausible=(
            1.0,
            6.0,
            "a mentoring meeting is worth one to six informal interactions",
        ),
    )
    cross_department_bonus: float = param(
        0.5,
        doc="Relative rise of the idea chance across departments",
        ge=0,
        le=10,
        plausible=(
            0.2,
            1.0,
            "crossing departments raises the idea chance by a fifth to double it",
        ),
    )
    implementation_rate: float = param(
        0.6,
        doc="Chance of implementation with a fully open CEO as sponsor",
        ge=0,
        le=1,
        plausible=(
            0.3,
            0.8,
            "a fully open sponsor implements a third to most of the ideas brought to them",
        ),
    )


def idea_probability(
    skills_a: np.ndarray,
    skills_b: np.ndarray,
    cross_department: np.ndarray,
    params: InnovationParams,
) -> np.ndarray:
    """Chance that one interaction between a and b produces an idea."""
    diversity = np.minimum(2.0 * np.abs(skills_a - skills_b).mean(axis=1), 1.0)
    capability = 0.5 * (skills_a.mean(axis=1) + skills_b.mean(axis=1))
    return np.clip(
        params.idea_rate
        * diversity
        * capability
        * (1.0 + params.cross_department_bonus * cross_department),
        0.0,
        1.0,
    )


def sponsor(a: np.ndarray, b: np.ndarray, level: np.ndarray, manager: np.ndarray) -> np.ndarray:
    """The sponsor slot of ideas from a and b: the more senior, or a's manager if both are at level 0."""
    s = np.where(level[a] >= level[b], a, b)
    return np.where((level[s] == 0) & (manager[a] >= 0), manager[a], s)


def implementation_probability(
    level: np.ndarray, openness: np.ndarray, levels: int, params: InnovationParams
) -> np.ndarray:
    """Chance that a sponsor at ``level`` with ``openness`` backs an idea into practice."""
    return params.implementation_rate * (level + 1) / levels * openness


def tie_ideas(
    state,
    ties_a: np.ndarray,
    ties_b: np.ndarray,
    params: InnovationParams,
    levels: int,
    rng: np.random.Generator,
) -> tuple[int, int]:
    """Ideas and implemented ideas from this week's informal interactions.

    Which ties interact is drawn the same way in every arm (common random numbers), then two
    uniforms per interacting tie (idea, implementation); a tie with a vacant end gives nothing.
    """
    pick = kernels.bernoulli_indices(ties_a.size, params.interaction_rate, rng)
    u = rng.random((pick.size, 2))
    return _ideas(state, lambda i: (ties_a[pick[i]], ties_b[pick[i]]), 1.0, u, params, levels)


def meeting_ideas(
    state,
    mentee: np.ndarray,
    mentor: np.ndarray,
    meetings: np.ndarray,
    params: InnovationParams,
    levels: int,
    rng: np.random.Generator,
) -> tuple[int, int]:
    """Ideas and implemented ideas from this week's mentoring meetings (one row per link)."""
    u = rng.random((mentee.size, 2))
    weight = params.meeting_multiplier * meetings
    return _ideas(state, lambda i: (mentee[i], mentor[i]), weight, u, params, levels)


def _ideas(state, pairs, weight, u, params, levels) -> tuple[int, int]:
    """Ideas and implemented ideas of interactions: the rule of the module docstring.

    Interaction i gives an idea when ``u[i, 0]`` is below its chance ``1 - (1 - p)**weight[i]``,
    implemented when ``u[i, 1]`` is below its sponsor's chance.

    ``pairs`` maps interaction indices to the slots of their two ends (read only for the
    draws that could give an idea: :func:`sim.kernels.bernoulli_below_bound`).
    """
    top = float(np.max(weight)) if np.size(weight) else 1.0

    def chance(i: np.ndarray) -> np.ndarray:
        a, b = pairs(i)
        cross = (state.department[a] != state.department[b]).astype(float)
        p_one = idea_probability(state.skills[a], state.skills[b], cross, params)
        p = 1.0 - (1.0 - p_one) ** (weight[i] if np.ndim(weight) else weight)
        return np.where(state.alive[a] & state.alive[b], p, 0.0)

    idea = kernels.bernoulli_below_bound(u[:, 0], idea_bound(params, top), chance)
    a, b = pairs(idea)
    s = sponsor(a, b, state.level, state.manager)
    p_impl = implementation_probability(state.level[s], state.attitudes[s, 1], levels, params)
    return int(idea.size), int((u[idea, 1] < p_impl).sum())


def idea_bound(params: InnovationParams, weight: float) -> float:
    """A bound on any interaction's idea chance: full diversity and capability across departments."""
    top = min(params.idea_rate * (1.0 + params.cross_department_bonus), 1.0)
    return 1.0 - (1.0 - top) ** weight


class Innovation(Phase):
    """Phase 8: ideas from informal interactions and mentoring meetings, implemented by sponsors.

    Args:
        params: The innovation parameters.
        levels: Levels of the hierarchy (a sponsor's influence is ``(level + 1) / levels``).
        network: The informal network (each tie is listed once).
    """

    name: ClassVar[str] = "innovation"

    def __init__(self, params: InnovationParams, levels: int, network) -> None:
        self.params = params
        self.levels = levels
        coo = network.tocoo()
        upper = coo.row < coo.col
        self.ties_a, self.ties_b = coo.row[upper], coo.col[upper]

    def step(self, world: World) -> None:
        """Count this week's ideas and implemented ideas."""
        st, tally = world.state, world.tally
        ideas, done = tie_ideas(
            st, self.ties_a, self.ties_b, self.params, self.levels, world.streams[self.name]
        )
        if world.program is not None:
            mentee, mentor, held = world.program.met_links()
            rng = world.streams["innovation.meetings"]
            more, more_done = meeting_ideas(
                st, mentee, mentor, held.astype(float), self.params, self.levels, rng
            )
            ideas, done = ideas + more, done + more_done
            tally.ideas_from_meetings += more
        tally.ideas += ideas
        tally.implemented += done

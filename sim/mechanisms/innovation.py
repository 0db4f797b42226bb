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

import numpy as np

from sim.core.params import Params, param


class InnovationParams(Params):
    """Parameters of idea generation and implementation."""

    interaction_rate: float = param(
        0.1, doc="Share of informal ties that interact in a week", unit="1/week", ge=0, le=1
    )
    idea_rate: float = param(
        0.02, doc="Chance of an idea per interaction at full diversity and capability", ge=0, le=1
    )
    meeting_multiplier: float = param(
        3.0, doc="Interactions a mentoring meeting is worth", ge=0, le=100
    )
    cross_department_bonus: float = param(
        0.5, doc="Relative rise of the idea chance across departments", ge=0, le=10
    )
    implementation_rate: float = param(
        0.6, doc="Chance of implementation with a fully open CEO as sponsor", ge=0, le=1
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


def bernoulli_indices(n: int, p: float, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``n`` independent trials of chance ``p`` that succeed, in increasing order.

    Drawn as geometric gaps between successes (about ``n * p`` draws instead of ``n``
    uniforms); how many numbers are drawn depends only on ``n``, ``p`` and the stream, never on
    the state, so arms sharing a stream stay in step.
    """
    if n == 0 or p <= 0.0:
        return np.empty(0, dtype=np.int64)
    if p >= 1.0:
        return np.arange(n, dtype=np.int64)
    mean = n * p
    block = int(mean + 6.0 * np.sqrt(mean) + 16)
    last = np.cumsum(rng.geometric(p, block)) - 1
    parts = [last]
    while last[-1] < n - 1:  # rare: the first block fell short of the end
        last = last[-1] + np.cumsum(rng.geometric(p, block))
        parts.append(last)
    idx = np.concatenate(parts) if len(parts) > 1 else last
    return idx[: np.searchsorted(idx, n)]


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
    uniforms per interacting tie; ties with a vacant end are dropped after, as are draws that
    cannot give an idea (see :func:`_ideas`) before the ties are looked up.
    """
    pick = bernoulli_indices(ties_a.size, params.interaction_rate, rng)
    u = rng.random((pick.size, 2))
    maybe = u[:, 0] < _idea_bound(params, 1.0)
    pick, u = pick[maybe], u[maybe]
    a, b = ties_a[pick], ties_b[pick]
    live = state.alive[a] & state.alive[b]
    a, b, u = a[live], b[live], u[live]
    return _ideas(state, a, b, 1.0, u, params, levels)


def _idea_bound(params: InnovationParams, weight):
    """A bound on any interaction's idea chance: full diversity and capability across departments.

    Slack is added for rounding: the bound only decides whose exact chance is computed.
    """
    top = min(params.idea_rate * (1.0 + params.cross_department_bonus), 1.0)
    return (1.0 - (1.0 - top) ** weight) * (1.0 + 1e-9) + 1e-12


def _ideas(state, a, b, weight, u, params, levels) -> tuple[int, int]:
    # only draws below the bound can give an idea, so the exact chance is computed for those
    # alone (the same ideas, without reading every pair's skills)
    maybe = np.flatnonzero(u[:, 0] < _idea_bound(params, weight))
    a, b, u = a[maybe], b[maybe], u[maybe]
    if np.ndim(weight):
        weight = weight[maybe]
    cross = (state.department[a] != state.department[b]).astype(float)
    p_one = idea_probability(state.skills[a], state.skills[b], cross, params)
    p = 1.0 - (1.0 - p_one) ** weight
    idea = u[:, 0] < p
    s = sponsor(a[idea], b[idea], state.level, state.manager)
    p_impl = implementation_probability(state.level[s], state.attitudes[s, 1], levels, params)
    return int(idea.sum()), int((u[idea, 1] < p_impl).sum())


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
    return _ideas(state, mentee, mentor, params.meeting_multiplier * meetings, u, params, levels)

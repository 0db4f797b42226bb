"""Informal peer learning along the social network: the background a program is measured against.

Each week an employee's skill moves toward the mean skill of their current network neighbours,
where that mean is higher than their own, at a rate scaled by their openness to change:

    delta = rate * openness * max(0, neighbour_mean - skill)

The move never overshoots the neighbours' mean, so skills stay in [0, 1].
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from sim.core.params import Params, param


class PeerLearningParams(Params):
    """Parameters of informal peer learning."""

    rate: float = param(
        0.004,
        doc="Share of the gap to the neighbours' mean skill closed per week at full openness",
        unit="1/week",
        ge=0,
        le=1,
    )


def neighbour_mean(
    network: sp.csr_matrix,
    alive: np.ndarray,
    values: np.ndarray,
    count: np.ndarray | None = None,
) -> np.ndarray:
    """Mean of ``values`` over each row's current (alive) neighbours; own value where none.

    The sums run in float32 (the network is 0/1 and the values lie in [0, 1], so seven
    significant digits are plenty for a mean over a few dozen neighbours) and halve the memory
    traffic of the sparse product, the largest cost of a step; the result is float64.

    Args:
        network: Symmetric 0/1 adjacency (CSR, float32).
        alive: Which slots count as neighbours.
        values: One value per slot (N) or several (N x K).
        count: ``network @ alive`` in float32 when already known
            (:class:`sim.kernels.NeighbourCounts`); computed here otherwise.
    """
    values = np.asarray(values, dtype=np.float64)
    weights = alive.astype(np.float32)
    masked = values.astype(np.float32)
    masked *= weights[:, None] if values.ndim == 2 else weights
    total = network @ masked
    if count is None:
        count = network @ weights
    count_b = count[:, None] if values.ndim == 2 else count
    total /= np.maximum(count_b, 1)
    return np.where(count_b > 0, total, values)


def neighbour_mean_one(network: sp.csr_matrix, alive: np.ndarray, values: np.ndarray, slot: int):
    """:func:`neighbour_mean` for one employee: the mean over its current neighbours."""
    nbrs = network.indices[network.indptr[slot] : network.indptr[slot + 1]]
    nbrs = nbrs[alive[nbrs]]
    return values[nbrs].mean(axis=0) if nbrs.size else values[slot]


def learning_delta(
    skills: np.ndarray, target: np.ndarray, openness: np.ndarray, rate: float
) -> np.ndarray:
    """Skill change toward ``target`` where it is higher (one employee or all of them)."""
    openness = np.asarray(openness)
    scale = rate * (openness[..., None] if skills.ndim > openness.ndim else openness)
    gap = np.subtract(target, skills)
    if not isinstance(gap, np.ndarray):  # one skill of one employee
        return scale * max(gap, 0.0)
    np.maximum(gap, 0.0, out=gap)  # in place: this runs on N x K arrays every week
    gap *= scale
    return gap


def apply(state, params: PeerLearningParams, count: np.ndarray | None = None) -> np.ndarray:
    """Apply one week of peer learning to every employee; return the skill change (>= 0).

    ``count`` is each slot's number of current neighbours, when already known. The week's
    change is worked out in float32, like the neighbours' means it starts from (a change of
    ``rate`` times a gap in [0, 1] needs no more digits), which halves the memory it moves;
    the skills themselves stay float64.
    """
    if params.rate == 0.0:
        return np.zeros_like(state.skills)
    alive = state.alive
    # current employees' skills in float32; vacant slots count as 0 and never as neighbours
    own = np.multiply(state.skills, alive[:, None], dtype=np.float32)
    target = state.neighbour_sum(own)
    if count is None:
        count = state.network @ alive.astype(np.float32)
    # the mean over current neighbours; with none it is 0 and so never above one's own skill
    target /= np.maximum(count, 1)[:, None]
    # vacant slots learn nothing: their openness counts as zero
    openness = np.where(alive, state.attitudes[:, 1], 0.0).astype(np.float32)
    delta = learning_delta(own, target, openness, np.float32(params.rate))
    state.skills += delta
    return delta

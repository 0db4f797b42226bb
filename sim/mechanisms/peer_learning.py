"""Informal peer learning along the social network (phase 6): the background a program is measured against.

Each week an employee's skill moves toward the mean skill of their current network neighbours,
where that mean is higher than their own, at a rate scaled by their openness to change:

    delta = rate * openness * max(0, neighbour_mean - skill)

The move never overshoots the neighbours' mean, so skills stay in [0, 1]. Vacant slots learn
nothing and are nobody's neighbours.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from sim.core.params import Params, param
from sim.core.phase import EVERYONE, Mechanism, Who, World
from sim.core.state import OPENNESS


class PeerLearningParams(Params):
    """Parameters of informal peer learning."""

    rate: float = param(
        0.004,
        doc="Share of the gap to the neighbours' mean skill closed per week at full openness",
        unit="1/week",
        ge=0,
        le=1,
        plausible=(
            0.001,
            0.01,
            "informal learning closes a twentieth to two fifths of the gap to one's neighbours in a year",
        ),
    )


def learning_delta(
    skills: np.ndarray, target: np.ndarray, openness: np.ndarray, rate: float
) -> np.ndarray:
    """Skill change toward ``target`` where it is higher (one employee or all of them).

    Works in place on a fresh difference: this runs on N x K arrays every week.
    """
    openness = np.asarray(openness)
    scale = rate * (openness[..., None] if np.ndim(skills) > openness.ndim else openness)
    gap = np.subtract(target, skills)
    if not isinstance(gap, np.ndarray):  # one skill of one employee
        return scale * max(gap, 0.0)
    np.maximum(gap, 0.0, out=gap)
    gap *= scale
    return gap


@dataclass
class PeerLearningInputs:
    """The phase snapshot: own skills, the neighbours' mean skills and openness (float32)."""

    own: np.ndarray
    """N x K: each current employee's skills (0 for vacant slots)."""
    target: np.ndarray
    """N x K: the mean skill of each slot's current neighbours (0 where there are none)."""
    openness: np.ndarray
    """Openness to change (0 for vacant slots: they learn nothing)."""


class PeerLearning(Mechanism):
    """Phase 6: skills move toward the neighbours' mean where it is higher.

    The week's change is worked out in float32, like the neighbours' means it starts from (a
    change of ``rate`` times a gap in [0, 1] needs no more digits; see :mod:`sim.kernels`); the
    skills themselves stay float64.
    """

    name: ClassVar[str] = "peer_learning"
    reads = ("alive", "skills", "attitudes")
    writes = ("skills",)
    params_type = PeerLearningParams
    params: PeerLearningParams

    def prepare(self, world: World) -> PeerLearningInputs | None:
        """Neighbours' mean skills for everyone (None when the rate is 0: nothing moves)."""
        if self.params.rate == 0.0:
            return None
        st = world.state
        alive = st.alive
        own = np.multiply(st.skills, alive[:, None], dtype=np.float32)
        target = world.neighbour_sums(own)
        # the mean over current neighbours; with none it is 0, never above one's own skill
        target /= np.maximum(world.neighbour_counts().alive, 1)[:, None]
        openness = np.where(alive, st.attitudes[:, OPENNESS], 0.0).astype(np.float32)
        return PeerLearningInputs(own, target, openness)

    def rule(self, inputs: PeerLearningInputs | None, who: Who, draws: np.ndarray) -> dict:
        """``{"skills_delta": delta}`` for ``who`` (never negative)."""
        if inputs is None:
            return {}
        delta = learning_delta(
            inputs.own[who], inputs.target[who], inputs.openness[who], np.float32(self.params.rate)
        )
        return {"skills_delta": delta}

    def write(self, world: World, inputs, who: Who, changes: dict) -> None:
        """Add the change to the skills, and its mean to the week's skill gain."""
        if not changes:
            return
        delta = changes["skills_delta"]
        mean_change = delta @ np.full(delta.shape[-1], 1.0 / delta.shape[-1], delta.dtype)
        if who is EVERYONE:  # in place: ``skills[:] += delta`` would copy the array onto itself
            world.state.skills += delta
            world.gain += mean_change
        else:
            world.state.skills[who] += delta
            world.gain[who] += mean_change

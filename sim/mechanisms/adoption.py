"""Digital adoption per technology: a Bass-type hazard built from four terms.

A current employee who has not adopted technology t (introduced by now) adopts in week w with
probability ``1 - exp(-h * dt)``, ``dt = 1/52`` year, where the annual hazard is

    h = capability * (p                              innovation
                      + q * adopted share of neighbours)   imitation
      + push * sum over managers up the chain of decay^(distance - 1) * [adopted]   top-down push
      + mentoring * exposure                              mentoring (a mentor who has adopted)

    capability = 1 + skill_effect * (2 * skill - 1)       own skill on t's skills, in [0, 2]

Using the exact hazard over the week (not a per-step probability ``h * dt``) makes the discrete
model converge to the continuous one as the step shrinks. In a well-mixed organization
(``mixing: well_mixed``) with ``skill_effect = push = mentoring = 0`` the expected adopted share
follows the Bass (1969) closed form F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from sim.mechanisms.peer_learning import neighbour_mean
from sim.params import Params, param

WEEKS_PER_YEAR = 52.0
BASS = "Bass (1969); values are an assumption for workplace tools (consumer-durables mean p=0.03, q=0.38 per year, Sultan, Farley & Lehmann 1990)"


class AdoptionParams(Params):
    """Parameters of digital adoption."""

    innovation: float = param(
        0.2, doc="Bass innovation coefficient p", unit="1/year", ge=0, le=52, source=BASS
    )
    imitation: float = param(
        2.5, doc="Bass imitation coefficient q", unit="1/year", ge=0, le=520, source=BASS
    )
    skill_effect: float = param(
        0.8,
        doc="How much own skill scales innovation and imitation (0: not at all; 1: from 0 to 2x)",
        ge=0,
        le=1,
    )
    manager_push: float = param(
        1.5, doc="Extra hazard when one's manager has adopted", unit="1/year", ge=0, le=52
    )
    mentoring: float = param(
        4.0, doc="Extra hazard for a mentee whose mentor has adopted", unit="1/year", ge=0, le=52
    )
    chain_decay: float = param(
        0.5,
        doc="Weight of each further level up the reporting chain in the top-down push (0: direct manager only)",
        ge=0,
        le=1,
    )
    mixing: Literal["network", "well_mixed"] = param(
        "network",
        doc="Imitation from network neighbours, or from the whole organization (the Bass limit)",
    )


def weekly_probability(hazard: np.ndarray, weeks: float = 1.0) -> np.ndarray:
    """Probability of adopting within ``weeks`` under an annual hazard (exact, not Euler)."""
    return -np.expm1(-hazard * weeks / WEEKS_PER_YEAR)


def hazard(
    params: AdoptionParams,
    skill: np.ndarray,
    neighbour_share: np.ndarray,
    manager_adopted: np.ndarray,
    exposure: np.ndarray,
) -> np.ndarray:
    """Annual adoption hazard for one employee or all of them (see the module docstring)."""
    capability = 1.0 + params.skill_effect * (2.0 * skill - 1.0)
    return (
        capability * (params.innovation + params.imitation * neighbour_share)
        + params.manager_push * manager_adopted
        + params.mentoring * exposure
    )


def chain_push(state, adopted: np.ndarray, decay: float) -> np.ndarray:
    """Top-down push per employee and technology from the reporting chain.

    The direct manager's adoption counts 1, the skip-level manager's ``decay``, the next
    ``decay**2`` and so on up to the CEO, so a leader's adoption flows down the whole subtree
    they lead (weaker with each level). Computed level by level from the top:
    ``push[i] = adopted[manager] + decay * push[manager]`` (slots are ordered by depth).
    """
    push = np.zeros(adopted.shape)
    depth = state.depth
    starts = np.searchsorted(depth, np.arange(int(depth.max()) + 2))
    for d in range(1, starts.size - 1):
        block = slice(starts[d], starts[d + 1])
        boss = state.manager[block]
        push[block] = adopted[boss] + decay * push[boss]
    return push


def chain_push_one(state, adopted: np.ndarray, decay: float, slot: int) -> np.ndarray:
    """:func:`chain_push` for one employee: its managers' adoption up the chain."""
    depth = int(state.depth[slot])
    push = np.zeros(adopted.shape[1])
    for d in range(depth):
        distance = depth - d - 1
        weight = decay**distance if decay > 0 else float(distance == 0)
        push += weight * adopted[state.ancestors[slot, d]]
    return push


def apply(
    state,
    params: AdoptionParams,
    week: int,
    introduced: np.ndarray,
    rng: np.random.Generator,
    exposure: np.ndarray | None = None,
) -> int:
    """Run one week of adoption for every technology; return the number of new adoptions.

    One uniform draw per employee and technology every week, whatever happens, so the draws
    of this stream line up across arms (common random numbers).
    """
    n, n_tech = state.adopted.shape
    draws = rng.random((n, n_tech))
    adopted = state.adopted.astype(np.float64)
    alive = state.alive
    if params.mixing == "well_mixed":
        share = np.broadcast_to(adopted[alive].mean(axis=0), (n, n_tech))
    else:
        share = neighbour_mean(state.network, alive, adopted)
    manager_adopted = chain_push(state, adopted * alive[:, None], params.chain_decay)
    if exposure is None:
        exposure = np.zeros((n, n_tech))
    skill = np.stack([state.tech_skill(t) for t in range(n_tech)], axis=1)
    prob = weekly_probability(hazard(params, skill, share, manager_adopted, exposure))
    new = (draws < prob) & ~state.adopted & alive[:, None] & (introduced[None, :] <= week)
    state.adopted |= new
    state.adopted_week[new] = week
    return int(new.sum())

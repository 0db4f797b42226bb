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

from sim.core.params import Params, param
from sim.mechanisms.peer_learning import neighbour_mean

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
    exposure: np.ndarray | None,
) -> np.ndarray:
    """Annual adoption hazard for one employee or all of them (see the module docstring)."""
    capability = 1.0 + params.skill_effect * (2.0 * skill - 1.0)
    h = capability * (params.innovation + params.imitation * neighbour_share)
    h += params.manager_push * manager_adopted
    if exposure is not None:
        h += params.mentoring * exposure
    return h


def chain_push(state, adopted: np.ndarray, decay: float) -> np.ndarray:
    """Top-down push per employee and technology from the reporting chain.

    The direct manager's adoption counts 1, the skip-level manager's ``decay``, the next
    ``decay**2`` and so on up to the CEO, so a leader's adoption flows down the whole subtree
    they lead (weaker with each level). Computed level by level from the top:
    ``push[i] = adopted[manager] + decay * push[manager]``.
    """
    passed = _passed_down(state, adopted, decay)
    boss = state.manager
    return np.where(boss[:, None] >= 0, passed[np.maximum(boss, 0)], 0.0)


def _passed_down(state, adopted: np.ndarray, decay: float) -> np.ndarray:
    """What each manager passes down, ``adopted[m] + decay * push[m]``.

    Computed level by level from the top, for everyone above the bottom level (the CEO's own
    push is 0); the rows of the bottom level are left unset.
    """
    passed = np.empty(adopted.shape)
    for d, block in enumerate(state.by_depth[:-1]):
        above = passed[state.manager[block]] if d else 0.0
        passed[block] = adopted[block] + decay * above
    return passed


def chain_push_one(state, adopted: np.ndarray, decay: float, slot: int) -> np.ndarray:
    """:func:`chain_push` for one employee: its managers' adoption up the chain."""
    depth = int(state.depth[slot])
    push = np.zeros(adopted.shape[1])
    for d in range(depth):
        distance = depth - d - 1
        weight = decay**distance if decay > 0 else float(distance == 0)
        push += weight * adopted[state.ancestors[slot, d]]
    return push


def chain_push_at(state, decay: float, rows: np.ndarray, techs: np.ndarray) -> np.ndarray:
    """:func:`chain_push` of the current adopters at chosen (employee, technology) entries.

    The same recurrence as :func:`chain_push`, so the values are the same to the last bit;
    each entry reads what its manager passes down.
    """
    passed = _passed_down(state, state.adopted & state.alive[:, None], decay)
    boss = state.manager[rows]
    return np.where(boss >= 0, passed[np.maximum(boss, 0), techs], 0.0)


def skill_at(state, rows: np.ndarray, techs: np.ndarray) -> np.ndarray:
    """The mean of the skills that drive technology ``techs[i]``, for employee ``rows[i]``.

    Summed column by column in order and divided by their number, as ``mean`` does.
    """
    flat = state.skills.ravel()
    base = rows * state.skills.shape[1]
    skill = np.empty(rows.size)
    for t, columns in enumerate(state.tech_skills):
        at = np.flatnonzero(techs == t)
        total = flat[base[at] + columns[0]]
        for c in columns[1:]:
            total = total + flat[base[at] + c]
        skill[at] = total / len(columns)
    return skill


def upper_probability(params: AdoptionParams, state, exposure: np.ndarray | None) -> float:
    """A bound on anyone's chance of adopting this week.

    The chance at the largest possible hazard: full skill, every neighbour and every manager up
    the chain adopted, and the largest mentoring exposure of the week.
    """
    managers = len(state.by_depth) - 1  # the longest chain of managers
    chain = sum(params.chain_decay**k for k in range(managers))
    top = (1.0 + params.skill_effect) * (params.innovation + params.imitation)
    top += params.manager_push * chain
    if exposure is not None and exposure.size:
        top += params.mentoring * float(exposure.max())
    # slack for rounding: the bound only decides whose exact chance is computed
    return float(weekly_probability(top)) * (1.0 + 1e-9) + 1e-12


def apply(
    state,
    params: AdoptionParams,
    week: int,
    introduced: np.ndarray,
    rng: np.random.Generator,
    exposure: np.ndarray | None = None,
    counts: tuple[np.ndarray, np.ndarray] | None = None,
) -> int:
    """Run one week of adoption for every technology; return the number of new adoptions.

    One uniform draw per employee and technology every week, whatever happens, so the draws
    of this stream line up across arms (common random numbers). A draw can only lead to
    adoption when it lies below :func:`upper_probability`, so the exact chance is computed for
    those entries alone: the same adoptions as computing it for everyone, at a fraction of the
    cost. ``counts`` are each slot's numbers of current neighbours and of current neighbours
    who adopted each technology (float32), when already known
    (:class:`sim.kernels.NeighbourCounts`).
    """
    n, n_tech = state.adopted.shape
    draws = rng.random((n, n_tech))
    alive = state.alive
    maybe = draws < upper_probability(params, state, exposure)
    maybe &= ~state.adopted
    rows, techs = np.divmod(np.flatnonzero(maybe), n_tech)
    keep = alive[rows] & (introduced[techs] <= week)
    rows, techs = rows[keep], techs[keep]
    if rows.size == 0:
        return 0
    if params.mixing == "well_mixed":
        share = state.adopted[alive].astype(np.float64).mean(axis=0)[techs]
    elif counts is not None:
        count, adopters = counts
        have = count[rows]
        share = adopters[rows, techs] / np.maximum(have, 1)
        # no current neighbours: the own value, which is 0 (only non-adopters are here)
        share = np.where(have > 0, share, 0).astype(np.float64)
    else:
        adopted = state.adopted.astype(np.float64)
        share = neighbour_mean(state.network, alive, adopted)[rows, techs]
    push = chain_push_at(state, params.chain_decay, rows, techs)
    skill = skill_at(state, rows, techs)
    ex = exposure[rows, techs] if exposure is not None else None
    prob = weekly_probability(hazard(params, skill, share, push, ex))
    new = draws[rows, techs] < prob
    rows, techs = rows[new], techs[new]
    state.adopted[rows, techs] = True
    state.adopted_week[rows, techs] = week
    return int(rows.size)

"""The nine pairing policies, each the practice it models written over the solvers.

A policy here works on positions (mentees and mentors numbered in slot order, see
:class:`~sim.program.pairing.scores.Scorer`); :func:`_policy` turns it into a
:class:`PolicyFunction` on slots.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

import sim.program.pairing.solvers as solvers
from sim.core.state import RESISTANCE
from sim.program.design import ScoreWeights
from sim.program.pairing.scores import Scorer
from sim.program.pairing.solvers import (
    Assignment,
    Frontier,
    Seats,
    board_order,
    boards_favouring,
    deferred_acceptance,
    draw_random,
    greedy,
    serial,
)

Pairs = list[tuple[int, tuple[int, ...]]]
"""Pairs as ``(mentee slot, (mentor slot, ...))``, sorted by mentee slot."""

TRANSFER_ONLY = ScoreWeights(skill=1.0, attitude=0.0, department=0.0, diversity=0.0)
"""Weights under which the match score is the expected transfer, bit for bit (every other
term adds an exact 0.0)."""

Capacity = int | np.ndarray
"""Most mentees per mentor: one number for all, or one per mentor (aligned with ``mentors``)."""


class PolicyFunction(Protocol):
    """Signature of a pairing policy (built in or registered with ``register_policy``)."""

    def __call__(
        self,
        state: Any,
        mentors: np.ndarray,
        mentees: np.ndarray,
        *,
        capacity: Capacity,
        focus: np.ndarray,
        weights: ScoreWeights,
        exclude_reporting_lines: bool,
        rng: np.random.Generator,
        group_size: int | None,
    ) -> Pairs:
        """Return the pairs formed."""
        ...


# --------------------------------------------------------------------------------------------
# The policies, on positions
# --------------------------------------------------------------------------------------------


def _random(sc: Scorer, capacity: np.ndarray, g: int | None, rng) -> Assignment:
    return draw_random(sc, rng.permutation(sc.m), Seats(capacity), g or 1, rng)


def _serial_policy(
    sc: Scorer, order: np.ndarray, capacity: np.ndarray, g: int | None, only=None
) -> Assignment:
    """Serial dictatorship: mentees in ``order`` take their best open mentor(s)."""
    seats, out = Seats(capacity), {}
    serial(seats.index(sc, only), order, seats, g or 1, out)
    return out


def _greedy_policy(sc: Scorer, capacity: np.ndarray, g: int | None, only=None) -> Assignment:
    """Best pair first (one-to-one), or best possible boards first (group format)."""
    if g:
        order = board_order(Frontier(sc, only), sc.m, g)
        return _serial_policy(sc, order, capacity, g, only)
    return greedy(sc, np.arange(sc.m), capacity, only)[0]


def _seniority_order(sc: Scorer) -> np.ndarray:
    """Most senior first: highest level, then largest subtree, then lowest slot."""
    return np.lexsort((np.arange(sc.m), -sc.mentee_subtree, -sc.mentee_level))


def _unserved(sc: Scorer, out: Assignment) -> np.ndarray:
    return np.array([r for r in range(sc.m) if r not in out], dtype=np.int64)


def _skill_gap(sc, capacity, g, rng) -> Assignment:
    return _greedy_policy(sc.with_weights(TRANSFER_ONLY), capacity, g)


def _cross_department(sc, capacity, g, rng) -> Assignment:
    return _greedy_policy(sc, capacity, g, only="cross_department")


def _diversity(sc, capacity, g, rng) -> Assignment:
    order, seats = _seniority_order(sc), Seats(capacity)
    if g:
        favoured = seats.index(sc, only="underrepresented")
        return boards_favouring(favoured, seats.index(sc), order, seats, g)
    out: Assignment = {}
    serial(seats.index(sc, only="underrepresented"), order, seats, 1, out)
    rest = _unserved(sc, out)
    if rest.size and seats.open_().any():
        out.update(greedy(sc, rest, seats.left)[0])
    return out


def _low_resistance_first(sc, capacity, g, rng) -> Assignment:
    resistance = sc.state.attitudes[sc.mentees, RESISTANCE]
    return _serial_policy(sc, np.lexsort((np.arange(sc.m), resistance)), capacity, g)


def _influence_first(sc, capacity, g, rng) -> Assignment:
    return _serial_policy(sc, _seniority_order(sc), capacity, g)


def _mentee_choice(sc, capacity, g, rng) -> Assignment:
    return _serial_policy(sc, rng.permutation(sc.m), capacity, g)


def _optimal(sc, capacity, g, rng) -> Assignment:
    if g:
        return _serial_policy(sc, board_order(Frontier(sc), sc.m, g), capacity, g)
    if sc.m * (int(capacity.sum()) + sc.m) <= solvers.EXACT_LIMIT:
        out = solvers.assign_dense(sc, capacity)
    else:
        out = solvers.assign_candidates(sc, capacity)
    seats = Seats(capacity)
    for cols in out.values():
        seats.left[list(cols)] -= 1
    rest = _unserved(sc, out)
    if rest.size and seats.open_().any():  # never lowers the total: scores are >= 0
        serial(seats.index(sc), rest, seats, 1, out)
    return out


def _two_sided(sc, capacity, g, rng) -> Assignment:
    mean_exp = sc.mentee_exp.mean(axis=0) if len(sc.mentee_exp) else np.zeros(sc.m)
    order = np.lexsort((np.arange(sc.m), -mean_exp, -sc.mentee_level))
    if g:
        return _serial_policy(sc, order, capacity, g)
    return deferred_acceptance(sc, Frontier(sc), capacity, order)


# --------------------------------------------------------------------------------------------
# Public policy functions (slots in, slots out)
# --------------------------------------------------------------------------------------------


def mentor_capacities(mentors: np.ndarray, capacity: Capacity) -> tuple[np.ndarray, np.ndarray]:
    """Unique mentor slots (ascending) and each one's capacity.

    Raises:
        ValueError: A capacity array not aligned with ``mentors``, a negative capacity, or one
            mentor listed twice with different capacities.
    """
    mentors = np.asarray(mentors, dtype=np.int64).ravel()
    if np.ndim(capacity) == 0:
        caps = np.full(len(mentors), int(capacity), dtype=np.int64)
    else:
        caps = np.asarray(capacity, dtype=np.int64).ravel()
        if caps.shape != mentors.shape:
            raise ValueError(f"capacity has {caps.size} entries for {mentors.size} mentors")
    if (caps < 0).any():
        raise ValueError("capacity must be non-negative")
    uniq, first = np.unique(mentors, return_index=True)
    if len(np.unique(np.stack([mentors, caps]), axis=1)[0]) != len(uniq):
        raise ValueError("a mentor is listed twice with different capacities")
    return uniq, caps[first]


def _policy(core: Callable[..., Assignment], doc: str) -> PolicyFunction:
    """Wrap a position-level policy into a :class:`PolicyFunction` on slots."""

    def policy(
        state: Any,
        mentors: np.ndarray,
        mentees: np.ndarray,
        *,
        capacity: Capacity,
        focus: np.ndarray,
        weights: ScoreWeights,
        exclude_reporting_lines: bool,
        rng: np.random.Generator,
        group_size: int | None = None,
    ) -> Pairs:
        mentors, caps = mentor_capacities(mentors, capacity)
        open_ = caps > 0
        mentees = np.unique(np.asarray(mentees, dtype=np.int64))
        sc = Scorer(state, mentors[open_], mentees, focus, weights, exclude_reporting_lines)
        if sc.m == 0 or sc.n == 0:
            return []
        out = core(sc, caps[open_], group_size, rng)
        return [
            (int(sc.mentees[r]), tuple(int(sc.mentors[c]) for c in out[r])) for r in sorted(out)
        ]

    policy.__name__ = core.__name__.lstrip("_") + "_policy"
    policy.__doc__ = doc
    return policy


_COMMON = """

    Args:
        state: The organization's state.
        mentors: Eligible mentor slots (a set; order does not matter).
        mentees: Eligible mentee slots (a set).
        capacity: Most mentees per mentor (boards per mentor in the group format): one number,
            or one per mentor aligned with ``mentors`` (a mentor at 0 takes no one).
        focus: Skill columns of the expected transfer.
        weights: Match-score weights.
        exclude_reporting_lines: Forbid pairs within one reporting chain.
        rng: The only source of randomness.
        group_size: None for one-to-one; else mentors per board.

    Returns:
        Pairs ``(mentee slot, (mentor slot, ...))`` sorted by mentee slot; a board lists its
        mentors in the order they were picked.
    """

random_policy = _policy(
    _random,
    """Random pairs: an administrator drawing names from a hat.

    Mentees in random order each get a uniformly random allowed mentor with free capacity
    (group format: ``group_size`` distinct ones, or none if fewer remain)."""
    + _COMMON,
)

skill_gap_policy = _policy(
    _skill_gap,
    """Largest skill gap first: an HR team pairing "who has most to teach whom".

    Greedy on expected transfer only: the allowed pair with the largest transfer is formed,
    then the next among the remaining ones, and so on (ties: lower mentee slot, then lower
    mentor slot). Group format: mentees in order of their best possible board transfer (sum
    of their ``group_size`` best transfers, highest first) each take their best free mentors."""
    + _COMMON,
)

optimal_policy = _policy(
    _optimal,
    """Whole-pool optimization: a program office running a matching algorithm on everyone.

    Maximizes the total match score under capacity; leaving a mentee out scores 0, so a
    mentee is left out only when that does not lower the total.

    Small problems (mentees x (mentors x capacity + mentees) <= ``EXACT_LIMIT``, 2**21) are
    solved exactly: :func:`scipy.optimize.linear_sum_assignment` on the dense score matrix with
    each mentor column repeated ``capacity`` times and one zero-score dummy column per mentee;
    disallowed pairs score below every dummy and are dropped if ever chosen.

    Larger problems are solved over a candidate graph, grown where it gains. The graph starts
    with each mentee's ``TOP_K`` (1) best allowed mentor and its partner in a serial assignment
    (mentees in order of their best score, highest first, each taking its best free mentor),
    solved exactly with :func:`scipy.sparse.csgraph.min_weight_full_bipartite_matching`. Then,
    for ``PRICE_ROUNDS`` (4) rounds of column generation, the matching's dual prices are
    computed, each mentee is priced against the 256 mentors of the graph nearest its own in
    price, its 10 edges of largest positive reduced score join the graph, and the graph is
    solved again in bands of like-priced mentors (:mod:`~sim.program.pairing.solvers`). Each
    step keeps the current matching feasible, so the result never falls below the serial
    assignment. It is optimal within the bands of the final graph, whose mentors are those
    of the first one, not necessarily globally. Measured at 2,000 x 20,000
    (``benchmarks/bench_pairing.py --sizes 2k --exact``): 0.14 % below the exact optimum
    (0.27 % over each mentee's 50 best mentors and its serial partner, without the rounds).
    In both cases mentees left out are finally given their best free allowed mentor, in slot
    order (never lowers the total).

    Group format (a reasonable extension, not a global optimum): mentees in order of their
    best possible board score (sum of their ``group_size`` best scores, highest first) each
    take their ``group_size`` best free mentors."""
    + _COMMON,
)

cross_department_policy = _policy(
    _cross_department,
    """Cross-department pairs: programs built to break silos.

    Only pairs from different departments are allowed; greedy on the match score, best pair
    first (ties by mentee slot, then mentor slot). Group format: as ``skill_gap`` but with the
    match score over cross-department mentors."""
    + _COMMON,
)

diversity_policy = _policy(
    _diversity,
    """Under-represented mentors for the most senior leaders first (PwC's reverse mentoring).

    Mentees from the most senior down (highest level, then largest subtree, then slot) each take
    their best-scoring allowed under-represented mentor with free capacity; mentees still left
    are then paired greedily by match score, best pair first, with every mentor's remaining
    capacity. Group format: in the same order, each board takes the best under-represented
    mentors first and is completed with the best of the others."""
    + _COMMON,
)

low_resistance_first_policy = _policy(
    _low_resistance_first,
    """The most willing seniors first: programs that start with volunteers and early adopters.

    Mentees in order of increasing resistance (ties by slot) pick their best-scoring allowed
    mentor with free capacity (group format: their ``group_size`` best)."""
    + _COMMON,
)

influence_first_policy = _policy(
    _influence_first,
    """The most influential seniors first: programs that start at the top to signal commitment.

    Mentees in order of influence (highest level, then largest subtree led, then slot) pick
    their best-scoring allowed mentor with free capacity (group format: their ``group_size``
    best)."""
    + _COMMON,
)

mentee_choice_policy = _policy(
    _mentee_choice,
    """Self-matching, as mentoring platforms run it: mentees browse and pick.

    Mentees in random order (first come, first served) pick the best-scoring allowed mentor with
    free capacity (group format: their ``group_size`` best)."""
    + _COMMON,
)

two_sided_policy = _policy(
    _two_sided,
    """Two-sided matching: both sides state preferences, a clearing house matches them.

    Mentee-proposing deferred acceptance (Gale-Shapley) with mentor capacity. Mentees rank
    their allowed mentors by match score (ties: lower slot); mentors rank mentees by
    :func:`~sim.program.pairing.mentor_preferences` (the mentee's level plus the mean
    experience skill the mentee has above the mentor; ties: lower slot), and every allowed
    mentee is acceptable. The result is stable: no allowed mentee and mentor both prefer each
    other to what they got (a mentor with free capacity prefers any allowed mentee to none).
    It is the mentee-optimal stable matching, the one deferred acceptance gives on the full
    preference lists. Group format (extension): the serial dictatorship in the order mentors
    would broadly agree on (highest level, then highest mean experience skill, then slot),
    each mentee taking its ``group_size`` best-scoring free mentors; that would be stable if
    every mentor ranked mentees in exactly that order."""
    + _COMMON,
)

BUILT_IN: dict[str, PolicyFunction] = {
    "random": random_policy,
    "skill_gap": skill_gap_policy,
    "optimal": optimal_policy,
    "cross_department": cross_department_policy,
    "diversity": diversity_policy,
    "low_resistance_first": low_resistance_first_policy,
    "influence_first": influence_first_policy,
    "mentee_choice": mentee_choice_policy,
    "two_sided": two_sided_policy,
}
"""The nine built-in policies by name."""

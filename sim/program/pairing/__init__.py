"""Pairing policies: who mentors whom, as pure functions of the state arrays.

Every policy takes the same inputs (the state, the eligible mentor and mentee slots, the mentor
capacity, the focus skill columns, the score weights, the reporting-line rule and a random
generator) and returns pairs ``(mentee slot, (mentor slot, ...))``: one mentor per mentee in the
one-to-one format, exactly ``group_size`` mentors per mentee in the group format (a "junior
board" advising one executive). Every policy honours the same rules:

* only the given mentors and mentees take part (each list is read as a set);
* a mentor serves at most ``capacity`` mentees (sits on at most ``capacity`` boards);
* no pair violates :func:`allowed` (nobody mentors themself; with the reporting-line rule on, a
  mentor never sits in the mentee's reporting chain, nor the mentee in the mentor's);
* each mentee is paired at most once; a mentee that cannot be matched is left out;
* the same inputs and the same generator state give the same pairs: mentees and mentors are
  visited in slot order, ties are broken by slot, and random draws come from ``rng`` only.

The match score (:func:`match_scores`) of mentor j for mentee i is::

    score = w.skill      * mean over focus columns f of max(0, skill[j, f] - skill[i, f])
          + w.attitude   * willingness[j] * openness[i] * (1 - resistance[i])
          + w.department * [department[j] != department[i]]
          + w.diversity  * [j is under-represented]

The first term is the expected transfer (what the mentor knows that the mentee does not), the
second how likely the pair is to work (a willing mentor, an open and unresistant mentee). Every
term is non-negative, so adding a pair never lowers a total score.

The package: :mod:`~sim.program.pairing.scores` writes each formula once (with its bound over
a group of mentors), :mod:`~sim.program.pairing.solvers` holds the matching algorithms,
:mod:`~sim.program.pairing.policies` the nine policies; this module runs them by name and
checks their pairs.

Memory and speed. Scores are float64 (exact ties and reproducible comparisons), but no policy
holds the whole mentee x mentor matrix, and none scores every pair of a large pool. Every
policy asks one question, many times: *which are this mentee's k best usable mentors?* Mentees
rank mentors much alike (the most skilled and willing first), so a
:class:`~sim.program.pairing.candidates.Frontier` keeps the mentors in that common ranking with
a bound of the scores of every tail, scores the front in dense blocks and stops where the bound
of the rest falls below what was found; mentors that fill up leave it. Every policy gives
exactly the pairs it would give on the full matrix, except ``optimal`` on large problems (more
than ``EXACT_LIMIT`` entries), which is optimal over a candidate graph (each mentee's best
mentor plus its partner in a serial assignment by best score) grown by priced rounds of column
generation (see :func:`optimal_policy`).
"""

from __future__ import annotations

import numpy as np

from sim.program.design import POLICY_DOCS, ScoreWeights
from sim.program.pairing.policies import (
    BUILT_IN,
    Capacity,
    Pairs,
    PolicyFunction,
    cross_department_policy,
    diversity_policy,
    influence_first_policy,
    low_resistance_first_policy,
    mentee_choice_policy,
    mentor_capacities,
    optimal_policy,
    random_policy,
    skill_gap_policy,
    two_sided_policy,
)
from sim.program.pairing.scores import (
    allowed,
    allowed_pairs,
    expected_transfer,
    match_scores,
    mentor_preferences,
    pair_scores,
    score_terms,
)

POLICY_FUNCTIONS: dict[str, PolicyFunction] = dict(BUILT_IN)
"""Pairing policies by name: the nine built in, plus any added with :func:`register_policy`."""


def register_policy(name: str, func: PolicyFunction, doc: str, *, replace: bool = False) -> None:
    """Add a pairing policy that :func:`form_pairs` can run by name.

    The function takes the arguments of :class:`PolicyFunction` and returns pairs; form_pairs
    checks that they follow the rules every policy honours. A scenario arm can then name it
    (``program: {pairing: NAME}``): the scenario validator accepts every registered name.

    Args:
        name: Policy name.
        func: The policy.
        doc: One line on the practice it models.
        replace: Allow replacing a policy of the same name.

    Raises:
        ValueError: Empty name, a name already taken (without ``replace``), or not callable.
    """
    if not name or not isinstance(name, str):
        raise ValueError(f"policy name must be a non-empty string, got {name!r}")
    if name in POLICY_FUNCTIONS and not replace:
        raise ValueError(f"policy {name!r} is already registered (pass replace=True)")
    if not callable(func):
        raise ValueError(f"policy {name!r}: {func!r} is not callable")
    POLICY_FUNCTIONS[name] = func
    POLICY_DOCS[name] = doc


def form_pairs(
    policy: str,
    state,
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
    """Pair mentees with mentors under a named policy.

    Args:
        policy: A name in :data:`POLICY_FUNCTIONS`.
        state: The organization's state.
        mentors: Eligible mentor slots.
        mentees: Eligible mentee slots.
        capacity: Most mentees per mentor (boards per mentor in the group format): an integer
            >= 1, or an array of integers >= 0 aligned with ``mentors`` (room left per mentor).
        focus: Skill columns of the expected transfer (the digital ones when unfocused).
        weights: Match-score weights.
        exclude_reporting_lines: Forbid pairs within one reporting chain.
        rng: The only source of randomness.
        group_size: None for one-to-one pairs; else the mentors per board (>= 1).

    Returns:
        ``(mentee slot, (mentor slot, ...))`` pairs, sorted by mentee slot: one mentor each
        one-to-one, exactly ``group_size`` in the group format.

    Raises:
        ValueError: Unknown policy, bad capacity or group size, or a (registered) policy whose
            pairs break the rules.
    """
    _check_arguments(policy, mentors, capacity, group_size)
    pairs = POLICY_FUNCTIONS[policy](
        state,
        np.asarray(mentors, dtype=np.int64),
        np.asarray(mentees, dtype=np.int64),
        capacity=int(capacity) if np.ndim(capacity) == 0 else np.asarray(capacity, np.int64),
        focus=np.asarray(focus, dtype=np.int64),
        weights=weights,
        exclude_reporting_lines=bool(exclude_reporting_lines),
        rng=rng,
        group_size=None if group_size is None else int(group_size),
    )
    problem = check_pairs(
        state,
        pairs,
        mentors,
        mentees,
        capacity=capacity,
        exclude_reporting_lines=exclude_reporting_lines,
        group_size=group_size,
    )
    if problem:
        raise ValueError(f"policy {policy!r} broke a pairing rule: {problem}")
    return pairs


def _check_arguments(policy: str, mentors, capacity: Capacity, group_size: int | None) -> None:
    """Raise ValueError for an unknown policy, a bad capacity or a bad group size."""
    if policy not in POLICY_FUNCTIONS:
        raise ValueError(f"unknown pairing policy {policy!r}; known: {sorted(POLICY_FUNCTIONS)}")
    if np.ndim(capacity) == 0 and int(capacity) < 1:
        raise ValueError(f"capacity must be at least 1, got {capacity}")
    mentor_capacities(mentors, capacity)  # raises on a malformed capacity array
    if group_size is not None and int(group_size) < 1:
        raise ValueError(f"group_size must be at least 1 or None, got {group_size}")


def check_pairs(
    state,
    pairs: Pairs,
    mentors: np.ndarray,
    mentees: np.ndarray,
    *,
    capacity: Capacity,
    exclude_reporting_lines: bool,
    group_size: int | None = None,
) -> str | None:
    """Check pairs against the rules every policy honours.

    Args:
        state: The organization's state.
        pairs: ``(mentee slot, (mentor slot, ...))`` pairs.
        mentors: Eligible mentor slots.
        mentees: Eligible mentee slots.
        capacity: Most mentees (boards) per mentor: one number or one per mentor.
        exclude_reporting_lines: Whether reporting-line pairs are forbidden.
        group_size: None for one-to-one; else the exact board size.

    Returns:
        None if every rule holds, else a description of the first broken rule.
    """
    size = group_size or 1
    if any(len(board) != size or len(set(board)) != size for _, board in pairs):
        return f"a mentee got other than {size} distinct mentor(s)"
    mentee = np.array([e for e, _ in pairs], dtype=np.int64)
    if len(np.unique(mentee)) != len(mentee):
        return "a mentee was paired twice"
    mentor = np.array([c for _, board in pairs for c in board], dtype=np.int64)
    rows = np.repeat(mentee, size)
    if not np.isin(mentee, mentees).all() or not np.isin(mentor, mentors).all():
        return "a pair uses a slot outside the given mentors or mentees"
    slots, caps = mentor_capacities(mentors, capacity)
    used, load = np.unique(mentor, return_counts=True)
    if (load > caps[np.searchsorted(slots, used)]).any():
        return "a mentor serves more mentees than its capacity"
    if not allowed_pairs(state, mentor, rows, exclude_reporting_lines).all():
        return "a pair is not allowed (same person or reporting line)"
    return None


__all__ = [
    "POLICY_DOCS",
    "POLICY_FUNCTIONS",
    "Capacity",
    "Pairs",
    "PolicyFunction",
    "allowed",
    "check_pairs",
    "cross_department_policy",
    "diversity_policy",
    "expected_transfer",
    "form_pairs",
    "influence_first_policy",
    "low_resistance_first_policy",
    "match_scores",
    "mentee_choice_policy",
    "mentor_preferences",
    "optimal_policy",
    "pair_scores",
    "random_policy",
    "register_policy",
    "score_terms",
    "skill_gap_policy",
    "two_sided_policy",
]

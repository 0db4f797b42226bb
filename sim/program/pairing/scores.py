"""The match score, the expected transfer and the mentors' preferences, each written once.

A :class:`Scorer` holds the per-side arrays of one pairing problem: mentors are columns, mentees
rows, both addressed by position. Every formula is one method over index arrays that broadcast:
``rows[:, None]`` with ``cols[None, :]`` gives a block of mentees x mentors, two aligned 1-D
arrays give pairs. The same elementwise operations run in the same order whatever the shape, so
a value computed in a block equals the value computed alone, bit for bit.

Beside the match score sits its upper bound over every tail of a ranking of the mentors
(:class:`SuffixBound`), from which the solvers skip mentors that cannot matter without scoring
them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.core.state import OPENNESS, RESISTANCE, WILLINGNESS
from sim.program.design import ScoreWeights

BLEND_GRID = np.linspace(0.0, 1.0, 9)
"""Receptiveness values at which :class:`SuffixBound` stores the mentor's part of a score."""

BLOCK_ENTRIES = 1 << 18
"""Score entries computed at a time (2**18 float64 = 2 MiB per temporary array, cache-sized)."""


class Scorer:
    """Mentors (columns) and mentees (rows) with the arrays their scores are built from.

    Skill arrays hold one row per skill column and one column per person, so that a skill's
    values are contiguous (what gathers and elementwise passes read best).

    Args:
        state: The organization's :class:`~sim.core.state.State`.
        mentors: Mentor slots, in column order.
        mentees: Mentee slots, in row order.
        focus: Skill columns of the expected transfer (empty: no skill term).
        weights: Match-score weights (default weights when None).
        exclude: Forbid pairs within one reporting chain.
    """

    def __init__(
        self,
        state: Any,
        mentors: np.ndarray,
        mentees: np.ndarray,
        focus: np.ndarray | None = None,
        weights: ScoreWeights | None = None,
        exclude: bool = False,
    ) -> None:
        self.state = state
        self.mentors = np.asarray(mentors, dtype=np.int64).ravel()
        self.mentees = np.asarray(mentees, dtype=np.int64).ravel()
        self.m, self.n = len(self.mentees), len(self.mentors)
        focus = np.asarray(focus if focus is not None else [], dtype=np.int64).ravel()
        self.weights = weights if weights is not None else ScoreWeights()
        self.exclude = bool(exclude)
        skills, att = np.asarray(state.skills, dtype=np.float64), np.asarray(state.attitudes)
        exp = np.asarray(state.experience, dtype=np.int64)
        self.mentor_focus = np.ascontiguousarray(skills[self.mentors][:, focus].T)
        self.mentee_focus = np.ascontiguousarray(skills[self.mentees][:, focus].T)
        self.mentor_exp = np.ascontiguousarray(skills[self.mentors][:, exp].T)
        self.mentee_exp = np.ascontiguousarray(skills[self.mentees][:, exp].T)
        self.willing = att[self.mentors, WILLINGNESS].astype(np.float64)
        self.receptive = att[self.mentees, OPENNESS] * (1.0 - att[self.mentees, RESISTANCE])
        self.mentor_dept = np.asarray(state.department)[self.mentors]
        self.mentee_dept = np.asarray(state.department)[self.mentees]
        self.mentor_ur = np.asarray(state.underrepresented, dtype=bool)[self.mentors]
        self.mentee_level = np.asarray(state.level, dtype=np.float64)[self.mentees]
        self.mentee_subtree = np.asarray(state.subtree_size, dtype=np.int64)[self.mentees]
        anc = np.asarray(state.ancestors)
        depth = np.asarray(state.depth, dtype=np.intp)
        self.mentor_depth, self.mentee_depth = depth[self.mentors], depth[self.mentees]
        self.mentor_anc_t = np.ascontiguousarray(anc[self.mentors].T) if exclude else None
        self.mentee_anc = anc[self.mentees] if exclude else None
        self.top_skill = float(np.abs(skills).max(initial=0.0))
        self._disallowed: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def margin(self) -> float:
        """Rounding slack of a bound against the score computed another way.

        Float64 sums of a few terms of this size err by about 1e-15; 1e-9 is far above that and
        far below any gap between scores that matters.
        """
        w = self.weights
        total = 1.0 + w.skill + w.attitude + w.department + w.diversity
        return 1e-9 * (1.0 + self.top_skill) * total

    def with_weights(self, weights: ScoreWeights) -> Scorer:
        """The same problem scored with other weights."""
        out = object.__new__(Scorer)
        out.__dict__.update(self.__dict__)
        out.weights = weights
        return out

    def with_mentors(self, order: np.ndarray) -> Scorer:
        """The problem with mentors ``order``: column ``k`` is mentor ``order[k]``.

        A subset of the mentors leaves the others out.
        """
        out = object.__new__(Scorer)
        out.__dict__.update(self.__dict__)
        out.n = len(order)
        out._disallowed = None
        for name in ("mentors", "willing", "mentor_dept", "mentor_ur", "mentor_depth"):
            setattr(out, name, getattr(self, name)[order])
        for name in ("mentor_focus", "mentor_exp", "mentor_anc_t"):
            if getattr(self, name) is not None:
                setattr(out, name, np.ascontiguousarray(getattr(self, name)[:, order]))
        return out

    # ------------------------------------------------------------------------- the formulas

    def allowed(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Not the same person; with exclusion, no reporting line either way."""
        e, c = self.mentees[rows], self.mentors[cols]
        ok = e != c
        if self.exclude:
            # the mentee is the mentor's ancestor at the mentee's depth (mentee above mentor)
            ok &= self.mentor_anc_t[self.mentee_depth[rows], cols] != e
            # the mentor is the mentee's ancestor at the mentor's depth (mentor above mentee)
            ok &= self.mentee_anc[rows, self.mentor_depth[cols]] != c
        return ok

    def disallowed(self) -> tuple[np.ndarray, np.ndarray]:
        """Per mentee, the mentors :meth:`allowed` rules out (computed once).

        Only the same person and, with exclusion, the reporting chain can be ruled out: mentors
        whose ancestor is the mentee, and the mentee's ancestors. Candidates come from the
        ancestor table and are kept where :meth:`allowed` says no, so the list is exact.

        Returns:
            ``(pointers, mentors)``: mentee ``r``'s ruled-out mentor positions are
            ``mentors[pointers[r]:pointers[r + 1]]``, ascending.
        """
        if self._disallowed is None:
            self._disallowed = _ruled_out(self)
        return self._disallowed

    def transfer(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Expected transfer: mean over focus columns of max(0, mentor - mentee skill)."""
        return _mean_positive_gap(self.mentor_focus, self.mentee_focus, rows, cols, 1.0)

    def attitude(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Weighted attitude term: willing mentor, open and unresistant mentee."""
        return (self.weights.attitude * self.receptive[rows]) * self.willing[cols]

    def department(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Weighted department term: the bonus where the departments differ, else 0."""
        return self.weights.department * (self.mentee_dept[rows] != self.mentor_dept[cols])

    def diversity(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Weighted diversity term: the bonus where the mentor is under-represented."""
        del rows  # a mentor-side term: the same for every mentee
        return self.weights.diversity * self.mentor_ur[cols]

    def match(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Match score: the sum, in this order, of the four weighted terms (module docstring)."""
        out = self.transfer(rows, cols)
        out *= self.weights.skill
        out += self.attitude(rows, cols)
        out += self.department(rows, cols)
        out += self.diversity(rows, cols)
        return out

    def preference(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Mentors' preference for mentees: the mentee's level plus the mentor-side benefit.

        The benefit is the mean over experience columns of max(0, mentee - mentor skill).
        """
        gap = _mean_positive_gap(self.mentor_exp, self.mentee_exp, rows, cols, -1.0)
        return self.mentee_level[rows] + gap

    # ------------------------------------------------------------------------- their bounds

    def focus_mean(self) -> np.ndarray:
        """Each mentor's mean focus skill (zeros without focus skills)."""
        if not len(self.mentor_focus):
            return np.zeros(self.n)
        return self.mentor_focus.mean(axis=0)


def _ruled_out(sc: Scorer) -> tuple[np.ndarray, np.ndarray]:
    """:meth:`Scorer.disallowed`, computed."""
    size = int(max(sc.mentors.max(initial=-1), sc.mentees.max(initial=-1))) + 2
    mentee_at = np.full(size, -1, dtype=np.int64)  # the last entry answers slot -1
    mentor_at = np.full(size, -1, dtype=np.int64)
    mentee_at[sc.mentees], mentor_at[sc.mentors] = np.arange(sc.m), np.arange(sc.n)
    rows, cols = [np.arange(sc.m)], [mentor_at[sc.mentees]]
    if sc.exclude:
        anc = np.asarray(sc.state.ancestors)
        for d in range(anc.shape[1]):
            rows.append(mentee_at[np.minimum(anc[sc.mentors, d], size - 1)])
            cols.append(np.arange(sc.n))
            rows.append(np.arange(sc.m))
            cols.append(mentor_at[np.minimum(anc[sc.mentees, d], size - 1)])
    r, c = np.concatenate(rows), np.concatenate(cols)
    keep = (r >= 0) & (c >= 0)
    r, c = r[keep], c[keep]
    banned = ~sc.allowed(r, c)
    key = np.unique(r[banned] * sc.n + c[banned])
    r, c = key // max(sc.n, 1), key % max(sc.n, 1)
    return np.searchsorted(r, np.arange(sc.m + 1)), c


def _grid_point(x: np.ndarray, points: int) -> tuple[np.ndarray, np.ndarray]:
    """Where ``x`` falls on an even grid of ``points`` over [0, 1].

    Returns the grid step below ``x`` (in [0, 1]) and the weight of the step above in a linear
    interpolation.
    """
    at = x * (points - 1)
    k = np.minimum(at.astype(np.int64), points - 2)
    return k, at - k


def _by_column(table: np.ndarray) -> np.ndarray:
    """``table`` stored column by column (each block's bounds side by side in memory)."""
    return np.ascontiguousarray(table.T).T


def _mean_positive_gap(
    mentor: np.ndarray, mentee: np.ndarray, rows: np.ndarray, cols: np.ndarray, sign: float
) -> np.ndarray:
    """Mean over skill columns of ``max(0, sign * (mentor skill - mentee skill))``.

    Args:
        mentor: (skills, mentors) skill values.
        mentee: (skills, mentees) skill values.
        rows: Mentee positions.
        cols: Mentor positions (broadcast against ``rows``).
        sign: 1 for mentor above mentee, -1 for mentee above mentor.

    Returns:
        float64 of the broadcast shape; zeros when there are no skill columns.
    """
    n_skills = mentor.shape[0]
    acc = np.zeros(np.broadcast_shapes(np.shape(rows), np.shape(cols)))
    if not n_skills:
        return acc
    for f in range(n_skills):
        tmp = mentor[f][cols] - mentee[f][rows]
        if sign < 0:
            np.negative(tmp, out=tmp)
        np.maximum(tmp, 0.0, out=tmp)
        acc += tmp
    acc /= n_skills
    return acc


TAIL_SKILL_GRID = np.linspace(0.0, 1.0, 11)
"""Skill levels ``s`` at which :class:`SuffixBound` stores the mentor's part of a score."""


class SuffixBound:
    """Bounds of the match score over every tail of the mentors (from a block boundary on).

    With ``a`` the mentor's and ``b`` the mentee's focus skills, ``max(0, a - b) = max(a, b) - b``
    and, for any ``s``, ``max(a, b) <= max(a, s) + max(0, b - s)``. So a score is at most::

        w.skill * mean max(a, s) + w.attitude * receptive * willingness   (the mentor's part)
        + w.skill * (mean max(0, b - s) - mean b)                           (the mentee's part)
        + w.department + w.diversity * under-represented

    The mentor's part is stored, as its largest value over each tail's live mentors, at every
    ``s`` of :data:`TAIL_SKILL_GRID` and every receptiveness of :data:`BLEND_GRID`; a mentee
    takes the smallest bound over the ``s`` (the ``s`` near its own skills is the tight one).
    The mentor's part is linear in the receptiveness, so interpolating between grid points
    bounds its largest value from above.

    Args:
        sc: The mentors, in the order of the tails.
        live: Which mentors count (the caller's array: :meth:`close` tells what changed).
        step: Mentors per block; tail ``i`` starts at mentor ``i * step``.
    """

    def __init__(self, sc: Scorer, live: np.ndarray, step: int = 64) -> None:
        self.weights, self.step, self.live = sc.weights, step, live  # live: the caller's array
        self.focus = sc.mentor_focus if len(sc.mentor_focus) else np.zeros((1, sc.n))
        self.willing, self.ur = sc.willing, sc.mentor_ur.astype(np.float64)
        self.starts = np.arange(0, sc.n, step)  # none without mentors: nothing to bound
        parts = [self._parts(slice(None), live, [s]) for s in TAIL_SKILL_GRID]  # a level at a time
        parts.append(np.where(live, self.ur, -np.inf)[None])
        self.blocks = _by_column(
            np.concatenate(
                [np.maximum.reduceat(p, self.starts, axis=1) if sc.n else p for p in parts]
            )
        )
        self.dirty: set[int] = set()
        self._accumulate()

    def _parts(self, at, alive: np.ndarray, levels=TAIL_SKILL_GRID) -> np.ndarray:
        """The mentor's part for mentors ``at``, -inf where not ``alive``.

        A row per skill level ``s`` of ``levels`` and receptiveness of :data:`BLEND_GRID`
        (``s`` major); the mentors' skills are gathered once for every level.
        """
        w = self.weights
        focus = self.focus[:, at]
        att = (w.attitude * BLEND_GRID)[:, None] * self.willing[at]
        return np.concatenate(
            [
                np.where(alive, w.skill * np.maximum(focus, s).mean(axis=0) + att, -np.inf)
                for s in levels
            ]
        )

    def close(self, k: int) -> None:
        """Mentor ``k`` stopped counting (the caller cleared ``live[k]``)."""
        self.dirty.add(k // self.step)

    def refresh(self) -> None:
        """Recompute the blocks that lost mentors, and the tails that start at or before them."""
        if not self.dirty:
            return
        blocks = np.sort(np.fromiter(self.dirty, dtype=np.int64))
        self.dirty.clear()
        n = len(self.live)
        first = blocks * self.step
        lengths = np.minimum(first + self.step, n) - first
        offsets = np.cumsum(lengths) - lengths
        members = np.arange(int(lengths.sum())) + np.repeat(first - offsets, lengths)
        alive = self.live[members]
        parts = np.vstack([self._parts(members, alive), np.where(alive, self.ur[members], -np.inf)])
        self.blocks[:, blocks] = np.maximum.reduceat(parts, offsets, axis=1)
        self._accumulate(int(blocks[-1]))

    def _accumulate(self, last: int | None = None) -> None:
        """The tails from the blocks: all of them, or those starting at block ``last`` or before."""
        if last is None:
            self.tails = _by_column(np.maximum.accumulate(self.blocks[:, ::-1], axis=1)[:, ::-1])
            return
        head = self.blocks[:, last::-1].copy()
        if last + 1 < self.blocks.shape[1]:
            np.maximum(head[:, 0], self.tails[:, last + 1], out=head[:, 0])
        self.tails[:, : last + 1] = np.maximum.accumulate(head, axis=1)[:, ::-1]

    def bound(self, sc: Scorer, rows: np.ndarray, tail, blocks: bool = False) -> np.ndarray:
        """Upper bound of :meth:`Scorer.match` of mentee ``rows`` over the mentors of ``tail``.

        The smallest of the bounds at every ``s`` of the grid; -inf (or below) when the tail has
        no live mentor. ``rows`` and ``tail`` broadcast. With ``blocks``, over the mentors of
        block ``tail`` only.
        """
        w = sc.weights
        at = self.blocks if blocks else self.tails
        table = at[:-1].reshape(len(TAIL_SKILL_GRID), len(BLEND_GRID), -1)
        recept = sc.receptive[rows]
        k_g, w_g = _grid_point(np.clip(recept, 0.0, 1.0), len(BLEND_GRID))
        cells = table[:, k_g, tail] * (1 - w_g) + table[:, k_g + 1, tail] * w_g
        out = (cells + self._excess(sc)[:, rows]).min(axis=0)
        out += w.attitude * np.maximum(recept - 1.0, 0.0)  # willingness is at most 1
        ur_max = np.maximum(at[-1, tail], 0.0)
        return out + w.department + w.diversity * ur_max + sc.margin

    def _excess(self, sc: Scorer) -> np.ndarray:
        """Per grid ``s`` and mentee: ``w.skill * (mean max(0, b - s) - mean b)``, computed once."""
        if getattr(self, "_excess_of", None) is not sc:
            b = sc.mentee_focus if len(sc.mentee_focus) else np.zeros((1, sc.m))
            above = np.stack([np.maximum(b - s, 0.0).mean(axis=0) for s in TAIL_SKILL_GRID])
            self._excess_of, self._excess_table = sc, sc.weights.skill * (above - b.mean(axis=0))
        return self._excess_table


# ------------------------------------------------------------------------------------------
# Public score functions
# ------------------------------------------------------------------------------------------


def _block(sc: Scorer, method) -> np.ndarray:
    """``method`` on every (mentee, mentor) pair, as a ``(mentees, mentors)`` array."""
    return method(np.arange(sc.m)[:, None], np.arange(sc.n)[None, :])


def _aligned(mentors: np.ndarray, mentees: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mentors = np.asarray(mentors, dtype=np.int64).ravel()
    mentees = np.asarray(mentees, dtype=np.int64).ravel()
    if mentors.shape != mentees.shape:
        raise ValueError(f"mentors {mentors.shape} and mentees {mentees.shape} must align")
    return mentors, mentees


def match_scores(
    state: Any, mentors: np.ndarray, mentees: np.ndarray, focus: np.ndarray, weights: ScoreWeights
) -> np.ndarray:
    """Score every (mentee, mentor) pair; the one match score every policy shares.

    ``score = weights.skill * transfer + weights.attitude * willingness[mentor] *
    openness[mentee] * (1 - resistance[mentee]) + weights.department * [different departments]
    + weights.diversity * [mentor under-represented]``, where ``transfer`` is the mean over the
    focus columns of ``max(0, mentor skill - mentee skill)`` (see :func:`expected_transfer`).
    Every term lies in [0, weight], so scores are non-negative.

    The result is float64: exact, reproducible comparisons matter more than memory here, and
    the policies never build the full matrix. Calling this on 2,000 x 20,000 pairs takes 320 MB.

    Args:
        state: The organization's :class:`~sim.core.state.State`.
        mentors: Mentor slots (columns, in the given order).
        mentees: Mentee slots (rows, in the given order).
        focus: Skill columns the program teaches (the caller passes the digital columns when
            the program is unfocused); empty means no skill term.
        weights: The score weights.

    Returns:
        Float64 array of shape ``(len(mentees), len(mentors))``.
    """
    sc = Scorer(state, mentors, mentees, focus, weights)
    return _block(sc, sc.match)


def pair_scores(
    state: Any, mentors: np.ndarray, mentees: np.ndarray, focus: np.ndarray, weights: ScoreWeights
) -> np.ndarray:
    """Match score of aligned pairs: ``mentors[i]`` with ``mentees[i]``.

    Equal, bit for bit, to the matching entries of :func:`match_scores`, without building the
    matrix.

    Args:
        state: The organization's state.
        mentors: Mentor slots.
        mentees: Mentee slots, aligned with ``mentors``.
        focus: Skill columns of the expected transfer.
        weights: The score weights.

    Returns:
        Float64 array of ``len(mentors)`` scores.
    """
    mentors, mentees = _aligned(mentors, mentees)
    at = np.arange(len(mentors))
    return Scorer(state, mentors, mentees, focus, weights).match(at, at)


def score_terms(
    state: Any, mentors: np.ndarray, mentees: np.ndarray, focus: np.ndarray, weights: ScoreWeights
) -> dict[str, np.ndarray]:
    """The weighted terms of the match score of aligned pairs (they add up to :func:`pair_scores`).

    Args:
        state: The organization's state.
        mentors: Mentor slots.
        mentees: Mentee slots, aligned with ``mentors``.
        focus: Skill columns of the expected transfer.
        weights: The score weights.

    Returns:
        ``{"skill", "attitude", "department", "diversity"}``: float64 arrays of ``len(mentors)``,
        each term already multiplied by its weight, so a pair's reasons can be read off.
    """
    mentors, mentees = _aligned(mentors, mentees)
    sc = Scorer(state, mentors, mentees, focus, weights)
    at = np.arange(len(mentors))
    return {
        "skill": weights.skill * sc.transfer(at, at),
        "attitude": sc.attitude(at, at),
        "department": sc.department(at, at),
        "diversity": sc.diversity(at, at),
    }


def expected_transfer(
    state: Any, mentors: np.ndarray, mentees: np.ndarray, focus: np.ndarray
) -> np.ndarray:
    """Skill complementarity: mean over ``focus`` of ``max(0, mentor skill - mentee skill)``.

    Args:
        state: The organization's state.
        mentors: Mentor slots (columns).
        mentees: Mentee slots (rows).
        focus: Skill columns; empty gives zeros.

    Returns:
        Float64 array of shape ``(len(mentees), len(mentors))``.
    """
    sc = Scorer(state, mentors, mentees, focus)
    return _block(sc, sc.transfer)


def mentor_preferences(state: Any, mentors: np.ndarray, mentees: np.ndarray) -> np.ndarray:
    """How much each mentor wants each mentee (the mentor side of ``two_sided``).

    ``preference = level[mentee] + mean over experience columns of max(0, mentee skill -
    mentor skill)``: mentors want the most senior executive first (visibility, sponsorship);
    among executives of one level, the one with the most experience to pass back in return.
    The benefit lies in [0, 1], so level dominates. Ties go to the lower mentee slot.

    Args:
        state: The organization's state.
        mentors: Mentor slots (columns).
        mentees: Mentee slots (rows).

    Returns:
        Float64 array of shape ``(len(mentees), len(mentors))``; higher is preferred.
    """
    sc = Scorer(state, mentors, mentees)
    return _block(sc, sc.preference)


def allowed(
    state: Any, mentors: np.ndarray, mentees: np.ndarray, exclude_reporting_lines: bool
) -> np.ndarray:
    """Which (mentee, mentor) pairs may be formed.

    A pair is disallowed when mentor and mentee are the same slot, or, with
    ``exclude_reporting_lines``, when the mentee is an ancestor of the mentor
    (``ancestors[mentor, depth[mentee]] == mentee``) or the mentor an ancestor of the mentee
    (``ancestors[mentee, depth[mentor]] == mentor``): O(1) per pair, vectorized.

    Args:
        state: The organization's state (``ancestors`` and ``depth`` are read).
        mentors: Mentor slots (columns).
        mentees: Mentee slots (rows).
        exclude_reporting_lines: Forbid pairs within one reporting chain.

    Returns:
        Boolean array of shape ``(len(mentees), len(mentors))``.
    """
    sc = Scorer(state, mentors, mentees, exclude=exclude_reporting_lines)
    return _block(sc, sc.allowed)


def allowed_pairs(state: Any, mentor: np.ndarray, mentee: np.ndarray, exclude: bool) -> np.ndarray:
    """Elementwise :func:`allowed` for aligned 1-D arrays of mentor and mentee slots."""
    mentor, mentee = _aligned(mentor, mentee)
    at = np.arange(len(mentor))
    return Scorer(state, mentor, mentee, exclude=exclude).allowed(at, at)

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

Memory and speed. Scores are float64 (exact ties and reproducible comparisons), but no policy
holds the whole mentee x mentor matrix: rows are scored in chunks of about
:data:`CHUNK_ENTRIES` entries. Serial policies (each mentee in turn takes its best free
mentors) score each row when its turn comes. Greedy and deferred-acceptance policies keep, per
mentee, its allowed mentors best first, as many as can ever be needed (at most
``(mentees - 1) // capacity + 1`` mentors can fill up before a mentee is served, capped by
:data:`LIST_ENTRIES`; a list read past its end is completed lazily), so they give exactly the
result they would on the full matrix. Only ``optimal`` changes on large problems (more than
:data:`EXACT_LIMIT` entries): it is then optimal over a candidate graph (each mentee's
:data:`TOP_K` best mentors plus its greedy partner; see :func:`optimal_policy`).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from sim.core.state import OPENNESS, RESISTANCE, WILLINGNESS
from sim.program.design import POLICY_DOCS, ScoreWeights

Pairs = list[tuple[int, tuple[int, ...]]]
"""Pairs as ``(mentee slot, (mentor slot, ...))``, sorted by mentee slot."""

Capacity = int | np.ndarray
"""Most mentees per mentor: one number for all, or one per mentor (aligned with ``mentors``)."""

TOP_K = 50
"""Candidate mentors per mentee in ``optimal`` on large problems (plus its greedy partner)."""

EXACT_LIMIT = 1 << 21
"""Largest mentees x (mentors x capacity + mentees) that ``optimal`` solves exactly (dense)."""

LIST_ENTRIES = 1 << 22
"""Most entries kept in best-first lists (4M: 64 MiB of positions and values)."""

CHUNK_ENTRIES = 1 << 18
"""Score entries computed at a time (2**18 float64 = 2 MiB per temporary array, cache-sized)."""


class PolicyFunction(Protocol):
    """Signature of a pairing policy (built in or registered with :func:`register_policy`)."""

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
# The problem: mentors and mentees with the arrays the scores need
# --------------------------------------------------------------------------------------------


class _Problem:
    """Mentors (columns) and mentees (rows), with the per-side arrays scores are built from.

    Every ``*_rows`` method returns a ``(len(rows), n_mentors)`` array for the mentee positions
    ``rows``, and ``*_pairs`` methods the same values for aligned pairs; each entry is computed
    with the same elementwise operations whatever the shape, so a value computed alone equals
    the same value computed in a chunk, bit for bit.
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
        self.focus = np.asarray(focus if focus is not None else [], dtype=np.int64).ravel()
        self.weights = weights if weights is not None else ScoreWeights()
        self.exclude = bool(exclude)
        skills, att = np.asarray(state.skills, dtype=np.float64), np.asarray(state.attitudes)
        self.mentor_focus = np.ascontiguousarray(skills[self.mentors][:, self.focus].T)
        self.mentee_focus = skills[self.mentees][:, self.focus]
        exp = np.asarray(state.experience, dtype=np.int64)
        self.mentor_exp = np.ascontiguousarray(skills[self.mentors][:, exp].T)
        self.mentee_exp = skills[self.mentees][:, exp]
        self.willing = att[self.mentors, WILLINGNESS].astype(np.float64)
        self.receptive = att[self.mentees, OPENNESS] * (1.0 - att[self.mentees, RESISTANCE])
        self.mentor_dept = np.asarray(state.department)[self.mentors]
        self.mentee_dept = np.asarray(state.department)[self.mentees]
        self.mentor_ur = np.asarray(state.underrepresented, dtype=bool)[self.mentors]
        self.mentee_level = np.asarray(state.level, dtype=np.float64)[self.mentees]
        self.mentee_subtree = np.asarray(state.subtree_size, dtype=np.int64)[self.mentees]
        if self.exclude:
            anc = np.asarray(state.ancestors)
            self.mentor_depth = np.asarray(state.depth, dtype=np.intp)[self.mentors]
            self.mentee_depth = np.asarray(state.depth, dtype=np.intp)[self.mentees]
            self.mentor_anc_t = np.ascontiguousarray(anc[self.mentors].T)  # (depths, n)
            self.mentee_anc = anc[self.mentees]  # (m, depths)

    def allowed_rows(self, rows: np.ndarray) -> np.ndarray:
        """Allowed pairs: not the same person; with exclusion, no reporting line either way."""
        e = self.mentees[rows]
        ok = e[:, None] != self.mentors[None, :]
        if self.exclude:
            # the mentee is the mentor's ancestor at the mentee's depth (mentee above mentor)
            ok &= self.mentor_anc_t[self.mentee_depth[rows]] != e[:, None]
            # the mentor is the mentee's ancestor at the mentor's depth (mentor above mentee)
            ok &= self.mentee_anc[rows][:, self.mentor_depth] != self.mentors[None, :]
        return ok

    def transfer_rows(self, rows: np.ndarray) -> np.ndarray:
        """Expected transfer: mean over focus columns of max(0, mentor - mentee skill)."""
        return _mean_positive_gap(self.mentor_focus, self.mentee_focus[rows], sign=1.0)

    def match_rows(self, rows: np.ndarray) -> np.ndarray:
        """Match score (see the module docstring)."""
        w = self.weights
        out = self.transfer_rows(rows)
        out *= w.skill
        out += np.multiply.outer(w.attitude * self.receptive[rows], self.willing)
        differ = self.mentee_dept[rows][:, None] != self.mentor_dept[None, :]
        np.add(out, w.department, out=out, where=differ)
        out += (w.diversity * self.mentor_ur)[None, :]
        return out

    def match_pairs(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """:meth:`match_rows` for aligned (mentee, mentor) positions."""
        w = self.weights
        out = _mean_positive_gap_pairs(self.mentor_focus, self.mentee_focus, rows, cols, 1.0)
        out *= w.skill
        out += (w.attitude * self.receptive[rows]) * self.willing[cols]
        differ = self.mentee_dept[rows] != self.mentor_dept[cols]
        np.add(out, w.department, out=out, where=differ)
        out += w.diversity * self.mentor_ur[cols]
        return out

    def preference_rows(self, rows: np.ndarray) -> np.ndarray:
        """Mentors' preference for mentees: the mentee's level plus the mentor-side benefit.

        The benefit is the mean over experience columns of max(0, mentee - mentor skill).
        """
        gap = _mean_positive_gap(self.mentor_exp, self.mentee_exp[rows], sign=-1.0)
        return self.mentee_level[rows][:, None] + gap

    def preference_at(self, r: int, c: int) -> float:
        """:meth:`preference_pairs` for one pair, in Python floats (the same IEEE operations)."""
        acc = 0.0
        mentor, mentee = self.mentor_exp[:, c].tolist(), self.mentee_exp[r].tolist()
        for a, b in zip(mentor, mentee, strict=True):
            acc += max(-(a - b), 0.0)
        if mentor:
            acc /= len(mentor)
        return float(self.mentee_level[r]) + acc

    def preference_pairs(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """:meth:`preference_rows` for aligned (mentee, mentor) positions."""
        gap = _mean_positive_gap_pairs(self.mentor_exp, self.mentee_exp, rows, cols, -1.0)
        return self.mentee_level[rows] + gap


def _mean_positive_gap(cols: np.ndarray, rows: np.ndarray, sign: float) -> np.ndarray:
    """Mean over skill columns of ``max(0, sign * (col value - row value))``.

    Args:
        cols: (skills, n) mentor skills.
        rows: (r, skills) mentee skills.
        sign: 1 for mentor above mentee, -1 for mentee above mentor.

    Returns:
        (r, n) float64; zeros when there are no skill columns.
    """
    n_skills = cols.shape[0]
    acc = np.zeros((rows.shape[0], cols.shape[1]))
    if n_skills == 0:
        return acc
    tmp = np.empty_like(acc)
    for f in range(n_skills):
        np.subtract(cols[f][None, :], rows[:, f][:, None], out=tmp)
        if sign < 0:
            np.negative(tmp, out=tmp)
        np.maximum(tmp, 0.0, out=tmp)
        acc += tmp
    acc /= n_skills
    return acc


def _mean_positive_gap_pairs(
    cols: np.ndarray, rows: np.ndarray, r: np.ndarray, c: np.ndarray, sign: float
) -> np.ndarray:
    """:func:`_mean_positive_gap` for aligned pairs (row ``r[i]``, column ``c[i]``)."""
    n_skills = cols.shape[0]
    acc = np.zeros(len(r))
    for f in range(n_skills):
        tmp = cols[f, c] - rows[r, f]
        if sign < 0:
            np.negative(tmp, out=tmp)
        np.maximum(tmp, 0.0, out=tmp)
        acc += tmp
    if n_skills:
        acc /= n_skills
    return acc


def _chunks(rows: np.ndarray, n: int) -> Iterator[np.ndarray]:
    """``rows`` in consecutive blocks of about :data:`CHUNK_ENTRIES` score entries."""
    step = max(1, CHUNK_ENTRIES // max(n, 1))
    for start in range(0, len(rows), step):
        yield rows[start : start + step]


def _rows_in_order(values: Callable[[np.ndarray], np.ndarray], order: np.ndarray, n: int):
    """Yield ``(row, values of that row)`` for the rows in ``order``, scored in chunks."""
    for block in _chunks(order, n):
        vals = values(block)
        for i, r in enumerate(block.tolist()):
            yield r, vals[i]


# --------------------------------------------------------------------------------------------
# Public score functions
# --------------------------------------------------------------------------------------------


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
    the policies never build the full matrix (they score mentees in chunks). Calling this on
    2,000 x 20,000 pairs takes 320 MB.

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
    prob = _Problem(state, mentors, mentees, focus, weights)
    return prob.match_rows(np.arange(prob.m))


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
    mentors = np.asarray(mentors, dtype=np.int64).ravel()
    mentees = np.asarray(mentees, dtype=np.int64).ravel()
    if mentors.shape != mentees.shape:
        raise ValueError(f"mentors {mentors.shape} and mentees {mentees.shape} must align")
    prob = _Problem(state, mentors, mentees, focus, weights)
    at = np.arange(len(mentors))
    return prob.match_pairs(at, at)


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
    mentors = np.asarray(mentors, dtype=np.int64).ravel()
    mentees = np.asarray(mentees, dtype=np.int64).ravel()
    prob = _Problem(state, mentors, mentees, focus, weights)
    at = np.arange(len(mentors))
    return {
        "skill": weights.skill
        * _mean_positive_gap_pairs(prob.mentor_focus, prob.mentee_focus, at, at, 1.0),
        "attitude": weights.attitude * prob.receptive * prob.willing,
        "department": weights.department * (prob.mentee_dept != prob.mentor_dept),
        "diversity": weights.diversity * prob.mentor_ur.astype(np.float64),
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
    prob = _Problem(state, mentors, mentees, focus)
    return prob.transfer_rows(np.arange(prob.m))


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
    prob = _Problem(state, mentors, mentees)
    return prob.preference_rows(np.arange(prob.m))


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
    prob = _Problem(state, mentors, mentees, exclude=exclude_reporting_lines)
    return prob.allowed_rows(np.arange(prob.m))


def _allowed_pairs(state: Any, mentor: np.ndarray, mentee: np.ndarray, exclude: bool) -> np.ndarray:
    """Elementwise :func:`allowed` for aligned 1-D arrays of mentor and mentee slots."""
    ok = mentor != mentee
    if exclude:
        anc, depth = np.asarray(state.ancestors), np.asarray(state.depth, dtype=np.intp)
        ok &= anc[mentor, depth[mentee]] != mentee
        ok &= anc[mentee, depth[mentor]] != mentor
    return ok


# --------------------------------------------------------------------------------------------
# Values, orders and candidate lists
# --------------------------------------------------------------------------------------------

Values = Callable[[np.ndarray], np.ndarray]
"""``rows -> (len(rows), n)`` float64 values, ``-inf`` where a pair is excluded."""


def _values(
    prob: _Problem, key: str = "match", only: str | None = None, open_: np.ndarray | None = None
) -> Values:
    """Value function: a score with ``-inf`` where a pair is not allowed or excluded.

    Args:
        prob: The problem.
        key: ``"match"`` (match score) or ``"transfer"`` (expected transfer only).
        only: Extra restriction: ``"cross_department"`` or ``"underrepresented"`` mentors.
        open_: Boolean mask of mentors still taking mentees (None: all).
    """
    score = prob.match_rows if key == "match" else prob.transfer_rows

    def values(rows: np.ndarray) -> np.ndarray:
        ok = prob.allowed_rows(rows)
        if only == "cross_department":
            ok &= prob.mentee_dept[rows][:, None] != prob.mentor_dept[None, :]
        elif only == "underrepresented":
            ok &= prob.mentor_ur[None, :]
        if open_ is not None:
            ok &= open_[None, :]
        vals = score(rows)
        vals[~ok] = -np.inf
        return vals

    return values


def _best_first(vals: np.ndarray, k: int) -> np.ndarray:
    """Per row, the column positions of the ``k`` largest values, best first, ties by position."""
    neg = -vals
    if k >= vals.shape[1]:
        return np.argsort(neg, axis=1, kind="stable")
    idx = np.sort(np.argpartition(neg, k - 1, axis=1)[:, :k], axis=1)
    sel = np.take_along_axis(neg, idx, axis=1)
    kth = sel.max(axis=1, keepdims=True)
    # argpartition may take any of several entries tied with the k-th value; where it could
    # have chosen others (finite ties beyond the selection), redo the row by position
    ties_all = (neg == kth).sum(axis=1)
    ties_sel = (sel == kth).sum(axis=1)
    for i in np.flatnonzero((ties_all > ties_sel) & np.isfinite(kth[:, 0])).tolist():
        idx[i] = np.argsort(neg[i], kind="stable")[:k]
        idx[i].sort()
        sel[i] = neg[i, idx[i]]
    order = np.argsort(sel, axis=1, kind="stable")
    return np.take_along_axis(idx, order, axis=1)


def _board_order(values: Values, m: int, n: int, g: int) -> np.ndarray:
    """Mentees by the total of their ``g`` best values, highest first, ties by slot."""
    best = np.full(m, -np.inf)
    if g <= n:
        for rows in _chunks(np.arange(m), n):
            top = -np.sort(np.partition(-values(rows), g - 1, axis=1)[:, :g], axis=1)
            best[rows] = top.sum(axis=1)  # summed best first: equal sets give equal sums
    return np.lexsort((np.arange(m), -best))


def _seniority_order(prob: _Problem) -> np.ndarray:
    """Most senior first: highest level, then largest subtree, then lowest slot."""
    return np.lexsort((np.arange(prob.m), -prob.mentee_subtree, -prob.mentee_level))


class _Lists:
    """Some mentees' allowed mentors, best first (ties by mentor slot), as padded arrays.

    Row ``i`` holds mentee ``rows[i]``'s ``k`` best mentors (``-1`` / ``-inf`` padding past its
    allowed ones). A row read past ``k`` is completed lazily: the whole row is scored and sorted
    again, which gives the same order, so walking a list is walking the full sorted row.

    Args:
        values: The value function.
        rows: Mentee positions, ascending.
        n: Number of mentors.
        k: Entries kept per row.
    """

    def __init__(self, values: Values, rows: np.ndarray, n: int, k: int) -> None:
        self._values, self.rows, self.k = values, rows, max(1, min(k, n))
        self.cols = np.full((len(rows), self.k), -1, dtype=np.int64)
        self.vals = np.full((len(rows), self.k), -np.inf)
        self.complete = np.zeros(len(rows), dtype=bool)
        self._extra: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._has_extra = np.zeros(len(rows), dtype=bool)  # rows whose full list is in _extra
        start = 0
        for block in _chunks(rows, n):
            vals = values(block)
            order = _best_first(vals, self.k)
            best = np.take_along_axis(vals, order, axis=1)
            local = slice(start, start + len(block))
            self.cols[local] = np.where(np.isfinite(best), order, -1)
            self.vals[local] = best
            self.complete[local] = np.isfinite(vals).sum(axis=1) <= self.k
            start += len(block)

    def _stored(self, i: int) -> int:
        return len(self._extra[i][0]) if self._has_extra[i] else self.k

    def _extend(self, i: int, need: int) -> None:
        """Re-score row ``i`` and keep at least ``need`` entries (doubling, to bound memory)."""
        vals = self._values(self.rows[i : i + 1])[0]
        ok = int(np.isfinite(vals).sum())
        keep = min(ok, max(need, 2 * self._stored(i)))
        order = _first_sorted(vals, keep)
        self._extra[i] = (order, vals[order])
        self._has_extra[i] = True
        self.complete[i] = keep == ok

    def entry(self, i: int, j: int) -> int:
        """Mentor position at index ``j`` of row ``i``'s list, or -1 past its end."""
        if j >= self._stored(i) and not self.complete[i]:
            self._extend(i, j + 1)
        if i in self._extra:
            full_cols = self._extra[i][0]
            return int(full_cols[j]) if j < len(full_cols) else -1
        return int(self.cols[i, j]) if j < self.k else -1

    def window(self, local: np.ndarray, start: np.ndarray, width: int):
        """Entries ``start .. start + width - 1`` of rows ``local``: (mentor positions, values)."""
        idx = start[:, None] + np.arange(width)[None, :]
        stored = np.where(self._has_extra[local], 0, self.k)
        for j in np.flatnonzero(self._has_extra[local]).tolist():
            stored[j] = self._stored(int(local[j]))
        short = (idx[:, -1] >= stored) & ~self.complete[local]
        for i, need in zip(local[short].tolist(), (idx[short, -1] + 1).tolist(), strict=True):
            self._extend(i, need)
        clipped = np.minimum(idx, self.k - 1)
        cols = self.cols[local[:, None], clipped]
        vals = self.vals[local[:, None], clipped]
        past = idx >= self.k
        if past.any():
            cols[past], vals[past] = -1, -np.inf
        extra = np.flatnonzero(self._has_extra[local]) if self._extra else []
        for j in extra:
            full_cols, full_vals = self._extra[int(local[j])]
            keep = idx[j] < len(full_cols)
            if not len(full_cols):
                cols[j], vals[j] = -1, -np.inf
                continue
            at = np.minimum(idx[j], len(full_cols) - 1)
            cols[j] = np.where(keep, full_cols[at], -1)
            vals[j] = np.where(keep, full_vals[at], -np.inf)
        return cols, vals


def _first_sorted(vals: np.ndarray, keep: int) -> np.ndarray:
    """The first ``keep`` positions of a stable descending sort of ``vals``, without sorting all.

    Partitioning finds the ``keep``-th best value ``t``; every value above ``t`` is taken, then
    the values equal to ``t`` in position order, exactly as the stable sort would.
    """
    if keep <= 0:
        return np.zeros(0, dtype=np.int64)
    if keep >= len(vals):
        return np.argsort(-vals, kind="stable")
    t = vals[np.argpartition(-vals, keep - 1)[keep - 1]]
    above = np.flatnonzero(vals > t)
    ties = np.flatnonzero(vals == t)[: keep - above.size]
    chosen = np.concatenate([above, ties])
    return chosen[np.lexsort((chosen, -vals[chosen]))]


def _list_size(n_rows: int, n: int, cap_left: np.ndarray) -> int:
    """Entries per list such that no greedy or deferred-acceptance walk ever runs past them.

    While ``n_rows`` mentees are matched, at most ``(n_rows - 1) // c + 1`` mentors fill up
    (``c`` the smallest remaining capacity), so a mentee's partner, or the last mentor it
    proposes to, is within that many of its best. Capped by :data:`LIST_ENTRIES` (the lists
    are then completed lazily).
    """
    open_caps = cap_left[cap_left > 0]
    if n_rows == 0 or open_caps.size == 0:
        return 1
    need = (n_rows - 1) // int(open_caps.min()) + 1
    return int(min(n, max(TOP_K, need), max(TOP_K, LIST_ENTRIES // n_rows)))


# --------------------------------------------------------------------------------------------
# Building blocks: serial dictatorship, greedy, boards, deferred acceptance
# --------------------------------------------------------------------------------------------

Assignment = dict[int, tuple[int, ...]]
"""Mentee position -> mentor positions."""


def _take_best(vals: np.ndarray, count: int) -> np.ndarray | None:
    """The ``count`` best finite entries of one row, best first (ties by position), or None."""
    if count == 1:
        c = int(np.argmax(vals))
        return np.array([c]) if np.isfinite(vals[c]) else None
    if count > len(vals):
        return None
    best = _best_first(vals[None, :], count)[0]
    return best if np.isfinite(vals[best]).all() else None


def _serial(
    values: Values, order: np.ndarray, n: int, cap_left: np.ndarray, count: int, out: Assignment
) -> None:
    """Mentees in ``order`` each take their ``count`` best mentors with free capacity, or none.

    Rows are scored in chunks; each row is masked with the capacity left when its turn comes.
    """
    full = cap_left <= 0
    for r, vals in _rows_in_order(values, order, n):
        vals[full] = -np.inf
        chosen = _take_best(vals, count)
        if chosen is None:
            continue
        cap_left[chosen] -= 1
        full[chosen] = cap_left[chosen] <= 0
        out[r] = tuple(int(c) for c in chosen)


def _greedy(
    lists: _Lists, cap_left: np.ndarray, out: Assignment, scores: dict[int, float] | None = None
) -> None:
    """Repeatedly form the best remaining (mentee, mentor) pair; ties by mentee, then mentor.

    Each mentee keeps a pointer to its best mentor with free capacity; the best pair is the
    best of those (a vectorized argmax over mentees). When a mentor fills up, the mentees
    pointing at it move on along their lists (capacity only falls, so pointers only advance).
    """
    n_rows = len(lists.rows)
    best_s = np.full(n_rows, -np.inf)
    best_c = np.full(n_rows, -1, dtype=np.int64)
    ptr = np.zeros(n_rows, dtype=np.int64)
    _advance(lists, np.arange(n_rows), ptr, best_s, best_c, cap_left)
    while n_rows:
        i = int(np.argmax(best_s))
        if not np.isfinite(best_s[i]):
            return
        c = int(best_c[i])
        out[int(lists.rows[i])] = (c,)
        if scores is not None:
            scores[int(lists.rows[i])] = float(best_s[i])
        best_s[i], best_c[i] = -np.inf, -1
        cap_left[c] -= 1
        if cap_left[c] <= 0:
            stale = np.flatnonzero(best_c == c)
            ptr[stale] += 1
            _advance(lists, stale, ptr, best_s, best_c, cap_left)


def _advance(lists, local, ptr, best_s, best_c, cap_left, width: int = 16) -> None:
    """Move the pointers of rows ``local`` to their first mentor with free capacity."""
    while local.size:
        cols, vals = lists.window(local, ptr[local], width)
        free = (cols >= 0) & (cap_left[np.maximum(cols, 0)] > 0)
        hit = free.any(axis=1)
        first = free.argmax(axis=1)
        h = local[hit]
        ptr[h] += first[hit]
        best_c[h] = cols[hit, first[hit]]
        best_s[h] = vals[hit, first[hit]]
        ended = (cols[~hit, -1] < 0) & lists.complete[local[~hit]]
        gone = local[~hit][ended]
        best_s[gone], best_c[gone] = -np.inf, -1
        local = local[~hit][~ended]
        ptr[local] += width


def _boards(pick, order: np.ndarray, cap_left: np.ndarray, g: int) -> Assignment:
    """Mentees in ``order`` each get a board of ``g`` distinct mentors from ``pick``, or none."""
    out: Assignment = {}
    for r in order.tolist():
        chosen = pick(r, cap_left, g)
        if chosen is not None and len(chosen) == g:
            cap_left[chosen] -= 1
            out[r] = tuple(int(c) for c in chosen)
    return out


def _deferred_acceptance(prob: _Problem, lists: _Lists, capacity: np.ndarray) -> Assignment:
    """Mentee-proposing deferred acceptance with mentor capacity (Gale & Shapley 1962).

    Free mentees propose to the next mentor on their list; a mentor keeps its ``capacity[c]``
    most preferred among those it holds and the new proposers
    (:meth:`_Problem.preference_pairs`, ties to the lower slot) and rejects the rest. While
    many mentees are free they propose in vectorized rounds, then one at a time. The outcome
    does not depend on the proposal order: it is the mentee-optimal stable matching.
    """
    held_by = np.full(prob.m, -1, dtype=np.int64)
    held_pref = np.zeros(prob.m)
    nxt = np.zeros(prob.m, dtype=np.int64)
    free = lists.rows.copy()  # rows == arange(m): local and global positions agree
    while free.size > _ROUND_MIN:
        cols = lists.window(free, nxt[free], 1)[0][:, 0]
        nxt[free] += 1
        free = _hold_best(prob, free[cols >= 0], cols[cols >= 0], held_by, held_pref, capacity)
    return _propose_one_by_one(prob, lists, free, nxt, held_by, held_pref, capacity)


_ROUND_MIN = 64
"""Below this many free mentees, deferred acceptance proposes one at a time."""


def _hold_best(
    prob: _Problem,
    rows: np.ndarray,
    cols: np.ndarray,
    held_by: np.ndarray,
    held_pref: np.ndarray,
    capacity: np.ndarray,
) -> np.ndarray:
    """One round: mentors ``cols`` receive proposals from ``rows``; return those rejected."""
    targeted = np.zeros(prob.n + 1, dtype=bool)  # last entry: "held by nobody" (-1)
    targeted[cols] = True
    holders = np.flatnonzero(targeted[held_by])
    pref = np.concatenate([held_pref[holders], prob.preference_pairs(rows, cols)])
    rows = np.concatenate([holders, rows])
    at = np.concatenate([held_by[holders], cols])
    order = np.lexsort((rows, -pref, at))
    rows, at, pref = rows[order], at[order], pref[order]
    starts = np.flatnonzero(np.r_[True, at[1:] != at[:-1]])
    rank = np.arange(len(at)) - np.repeat(starts, np.diff(np.r_[starts, len(at)]))
    keep = rank < capacity[at]
    held_by[rows[keep]], held_pref[rows[keep]] = at[keep], pref[keep]
    held_by[rows[~keep]] = -1
    return np.sort(rows[~keep])


def _propose_one_by_one(
    prob: _Problem,
    lists: _Lists,
    free: np.ndarray,
    nxt: np.ndarray,
    held_by: np.ndarray,
    held_pref: np.ndarray,
    capacity: np.ndarray,
) -> Assignment:
    """Finish deferred acceptance one proposal at a time (a heap of held mentees per mentor)."""
    heaps: dict[int, list[tuple[float, int]]] = {}
    for r in np.flatnonzero(held_by >= 0).tolist():
        heaps.setdefault(int(held_by[r]), []).append((float(held_pref[r]), -r))
    for heap in heaps.values():
        heapq.heapify(heap)
    queue = sorted(free.tolist(), reverse=True)
    while queue:
        r = queue.pop()
        c = lists.entry(r, int(nxt[r]))
        nxt[r] += 1
        if c < 0:
            continue  # rejected by every allowed mentor: left out
        key = (prob.preference_at(r, c), -r)
        heap = heaps.setdefault(c, [])
        if len(heap) < capacity[c]:
            heapq.heappush(heap, key)
        elif heap and key > heap[0]:
            queue.append(-heapq.heapreplace(heap, key)[1])
        else:
            queue.append(r)
    return {-neg: (c,) for c, heap in heaps.items() for _, neg in heap}


# --------------------------------------------------------------------------------------------
# The nine policies (each on positions; see _policy for slots)
# --------------------------------------------------------------------------------------------


def _fresh_capacity(prob: _Problem, capacity: np.ndarray) -> np.ndarray:
    """A copy of the mentors' capacities (one per mentor position) to count down."""
    return np.array(capacity, dtype=np.int64, copy=True).reshape(prob.n)


def _serial_policy(
    prob: _Problem,
    order: np.ndarray,
    capacity: np.ndarray,
    g: int | None,
    values: Values | None = None,
) -> Assignment:
    """Serial dictatorship: mentees in ``order`` take their best free mentor(s) by score."""
    out: Assignment = {}
    values = values or _values(prob)
    _serial(values, order, prob.n, _fresh_capacity(prob, capacity), g or 1, out)
    return out


def _random(
    prob: _Problem, capacity: np.ndarray, g: int | None, rng: np.random.Generator
) -> Assignment:
    cap_left = _fresh_capacity(prob, capacity)
    count, out = g or 1, {}
    for r, ok in _rows_in_order(prob.allowed_rows, rng.permutation(prob.m), prob.n):
        cand = np.flatnonzero(ok & (cap_left > 0))
        if cand.size < count:
            continue
        chosen = (
            rng.choice(cand, size=count, replace=False)
            if count > 1
            else cand[[rng.integers(cand.size)]]
        )
        cap_left[chosen] -= 1
        out[r] = tuple(int(c) for c in chosen)
    return out


def _greedy_policy(
    prob: _Problem, capacity: np.ndarray, g: int | None, values: Values
) -> Assignment:
    """Best pair first (one-to-one), or best possible boards first (group format)."""
    if g:
        order = _board_order(values, prob.m, prob.n, g)
        return _serial_policy(prob, order, capacity, g, values)
    cap_left = _fresh_capacity(prob, capacity)
    rows = np.arange(prob.m)
    out: Assignment = {}
    _greedy(_Lists(values, rows, prob.n, _list_size(prob.m, prob.n, cap_left)), cap_left, out)
    return out


def _skill_gap(
    prob: _Problem, capacity: np.ndarray, g: int | None, rng: np.random.Generator
) -> Assignment:
    return _greedy_policy(prob, capacity, g, _values(prob, key="transfer"))


def _cross_department(
    prob: _Problem, capacity: np.ndarray, g: int | None, rng: np.random.Generator
) -> Assignment:
    return _greedy_policy(prob, capacity, g, _values(prob, only="cross_department"))


def _diversity(
    prob: _Problem, capacity: np.ndarray, g: int | None, rng: np.random.Generator
) -> Assignment:
    order = _seniority_order(prob)
    cap_left = _fresh_capacity(prob, capacity)
    if g:
        return _boards(_ur_first_picker(prob), order, cap_left, g)
    out: Assignment = {}
    _serial(_values(prob, only="underrepresented"), order, prob.n, cap_left, 1, out)
    rest = np.array([r for r in range(prob.m) if r not in out], dtype=np.int64)
    if rest.size and (cap_left > 0).any():
        values = _values(prob, open_=cap_left > 0)
        lists = _Lists(values, rest, prob.n, _list_size(len(rest), prob.n, cap_left))
        _greedy(lists, cap_left, out)
    return out


def _ur_first_picker(prob: _Problem):
    """Board picker: the best under-represented mentors first, then the best of the rest."""
    ur_values, values = _values(prob, only="underrepresented"), _values(prob)

    def pick(r: int, cap: np.ndarray, count: int) -> np.ndarray | None:
        rows = np.array([r])
        ur = ur_values(rows)[0]
        ur[cap <= 0] = -np.inf
        first = _best_first(ur[None, :], min(count, prob.n))[0]
        first = first[np.isfinite(ur[first])]
        if len(first) == count:
            return first
        rest = values(rows)[0]
        rest[cap <= 0] = -np.inf
        rest[first] = -np.inf
        more = _take_best(rest, count - len(first))
        return None if more is None else np.concatenate([first, more])

    return pick


def _low_resistance_first(
    prob: _Problem, capacity: np.ndarray, g: int | None, rng: np.random.Generator
) -> Assignment:
    resistance = prob.state.attitudes[prob.mentees, RESISTANCE]
    return _serial_policy(prob, np.lexsort((np.arange(prob.m), resistance)), capacity, g)


def _influence_first(
    prob: _Problem, capacity: np.ndarray, g: int | None, rng: np.random.Generator
) -> Assignment:
    return _serial_policy(prob, _seniority_order(prob), capacity, g)


def _mentee_choice(
    prob: _Problem, capacity: np.ndarray, g: int | None, rng: np.random.Generator
) -> Assignment:
    return _serial_policy(prob, rng.permutation(prob.m), capacity, g)


def _optimal(
    prob: _Problem, capacity: np.ndarray, g: int | None, rng: np.random.Generator
) -> Assignment:
    if g:
        return _serial_policy(prob, _board_order(_values(prob), prob.m, prob.n, g), capacity, g)
    if prob.m * (int(capacity.sum()) + prob.m) <= EXACT_LIMIT:
        out = _assign_dense(prob, capacity)
    else:
        out = _assign_candidates(prob, capacity)
    cap_left = _fresh_capacity(prob, capacity)
    for cols in out.values():
        cap_left[list(cols)] -= 1
    rest = np.array([r for r in range(prob.m) if r not in out], dtype=np.int64)
    if rest.size and (cap_left > 0).any():  # never lowers the total: scores are >= 0
        _serial(_values(prob), rest, prob.n, cap_left, 1, out)
    return out


def _assign_dense(prob: _Problem, capacity: np.ndarray) -> Assignment:
    """Exact maximum-score assignment by a dense linear sum assignment.

    Each mentor column is repeated ``capacity[c]`` times, plus one zero-score dummy column per
    mentee (leaving a mentee out scores 0); disallowed pairs score below every dummy, so they
    are never chosen (and are dropped if they ever were).
    """
    rows = np.arange(prob.m)
    vals = prob.match_rows(rows)
    ok = prob.allowed_rows(rows)
    forbidden = -1.0 - float(np.abs(vals).max(initial=0.0))
    real = np.repeat(np.where(ok, vals, forbidden), capacity, axis=1)
    r_ind, c_ind = linear_sum_assignment(
        np.hstack([real, np.zeros((prob.m, prob.m))]), maximize=True
    )
    column_mentor = np.repeat(np.arange(prob.n), capacity)
    used = c_ind < len(column_mentor)
    r_ind, cols = r_ind[used], column_mentor[c_ind[used]]
    keep = ok[r_ind, cols]
    return {int(r): (int(c),) for r, c in zip(r_ind[keep], cols[keep], strict=True)}


def _assign_candidates(prob: _Problem, capacity: np.ndarray) -> Assignment:
    """Maximum-score assignment over a candidate graph (large problems).

    Candidates of a mentee: its :data:`TOP_K` best allowed mentors, plus its partner in the
    greedy best-pair-first assignment (so the result never scores below that greedy one).
    Edges go to each of a mentor's ``capacity[c]`` copies at cost ``top - score`` (all >= 1),
    plus one private dummy per mentee at cost ``top`` (score 0, left out); a minimum-cost full
    matching of the mentees (:func:`scipy.sparse.csgraph.min_weight_full_bipartite_matching`)
    then maximizes the total score over the candidate graph.
    """
    values = _values(prob)
    cap_left = _fresh_capacity(prob, capacity)
    lists = _Lists(values, np.arange(prob.m), prob.n, _list_size(prob.m, prob.n, cap_left))
    greedy: Assignment = {}
    greedy_scores: dict[int, float] = {}
    _greedy(lists, cap_left.copy(), greedy, greedy_scores)
    k = min(TOP_K, lists.k)
    rows = np.repeat(np.arange(prob.m), k)
    cols, score = lists.cols[:, :k].ravel(), lists.vals[:, :k].ravel()
    g_rows = np.array(sorted(greedy), dtype=np.int64)
    g_cols = np.array([greedy[r][0] for r in g_rows.tolist()], dtype=np.int64)
    g_score = np.array([greedy_scores[r] for r in g_rows.tolist()])
    rows, cols, score = (
        np.concatenate(x) for x in ((rows, g_rows), (cols, g_cols), (score, g_score))
    )
    keep = cols >= 0
    rows, cols, score = rows[keep], cols[keep], score[keep]
    return _solve_sparse(prob, rows, cols, score, capacity)


def _solve_sparse(
    prob: _Problem, rows: np.ndarray, cols: np.ndarray, score: np.ndarray, capacity: np.ndarray
) -> Assignment:
    """Maximum-score matching of the mentees over the given (possibly repeated) edges."""
    pair_key = np.unique(rows * prob.n + cols, return_index=True)[1]
    rows, cols, score = rows[pair_key], cols[pair_key], score[pair_key]
    uniq, inv = np.unique(cols, return_inverse=True)
    caps = capacity[uniq]
    n_cols = int(caps.sum())
    column_mentor = np.repeat(uniq, caps)
    copies = caps[inv]  # one edge per copy of the mentor
    first = np.repeat(np.cumsum(caps)[inv] - copies, copies)
    within = np.arange(int(copies.sum())) - np.repeat(np.cumsum(copies) - copies, copies)
    top = float(score.max(initial=0.0)) + 1.0
    e_rows = np.concatenate([np.repeat(rows, copies), np.arange(prob.m)])
    e_cols = np.concatenate([first + within, n_cols + np.arange(prob.m)])
    e_cost = np.concatenate([np.repeat(top - score, copies), np.full(prob.m, top)])
    graph = sp.csr_matrix((e_cost, (e_rows, e_cols)), shape=(prob.m, n_cols + prob.m))
    r_ind, c_ind = min_weight_full_bipartite_matching(graph)
    used = c_ind < n_cols
    r_ind, mentor = r_ind[used], column_mentor[c_ind[used]]
    keep = _allowed_pairs(prob.state, prob.mentors[mentor], prob.mentees[r_ind], prob.exclude)
    return {int(r): (int(c),) for r, c in zip(r_ind[keep], mentor[keep], strict=True)}


def _two_sided(
    prob: _Problem, capacity: np.ndarray, g: int | None, rng: np.random.Generator
) -> Assignment:
    if g:
        mean_exp = prob.mentee_exp.mean(axis=1) if prob.mentee_exp.shape[1] else np.zeros(prob.m)
        order = np.lexsort((np.arange(prob.m), -mean_exp, -prob.mentee_level))
        return _serial_policy(prob, order, capacity, g)
    cap_left = _fresh_capacity(prob, capacity)
    lists = _Lists(_values(prob), np.arange(prob.m), prob.n, _list_size(prob.m, prob.n, cap_left))
    return _deferred_acceptance(prob, lists, capacity)


# --------------------------------------------------------------------------------------------
# Public policy functions (slots in, slots out)
# --------------------------------------------------------------------------------------------


def _mentor_capacities(mentors: np.ndarray, capacity: Capacity) -> tuple[np.ndarray, np.ndarray]:
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
        mentors, caps = _mentor_capacities(mentors, capacity)
        open_ = caps > 0
        prob = _Problem(
            state,
            mentors[open_],
            np.unique(np.asarray(mentees, dtype=np.int64)),
            focus,
            weights,
            exclude_reporting_lines,
        )
        if prob.m == 0 or prob.n == 0:
            return []
        out = core(prob, caps[open_], group_size, rng)
        return [
            (int(prob.mentees[r]), tuple(int(prob.mentors[c]) for c in out[r])) for r in sorted(out)
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

    A dense solve of 2,000 x 20,000 takes minutes (about 60 s even on the 4,352 mentors that
    can matter), so larger problems are solved over a candidate graph: each mentee's ``TOP_K``
    (50) best allowed mentors plus its partner in the greedy best-pair-first assignment, with
    :func:`scipy.sparse.csgraph.min_weight_full_bipartite_matching`. The result is then optimal
    over that candidate set, not necessarily globally, but never below the greedy total.
    Measured at 2,000 x 20,000 (``benchmarks/bench_pairing.py``): 1,864.1 against an exact
    optimum of 1,867.2 (0.16 % below). In both cases mentees left out are finally given their
    best free allowed mentor, in slot order (never lowers the total).

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
    :func:`mentor_preferences` (the mentee's level plus the mean experience skill the mentee
    has above the mentor; ties: lower slot), and every allowed mentee is acceptable. The result
    is stable: no allowed mentee and mentor both prefer each other to what they got (a mentor
    with free capacity prefers any allowed mentee to none). Each mentee's list holds as many
    mentors as it can ever propose to (completed lazily beyond that), so the outcome is exact
    on large problems. Group format (extension): the serial dictatorship in the order mentors
    would broadly agree on (highest level, then highest mean experience skill, then slot),
    each mentee taking its ``group_size`` best-scoring free mentors; that would be stable if
    every mentor ranked mentees in exactly that order."""
    + _COMMON,
)

POLICY_FUNCTIONS: dict[str, PolicyFunction] = {
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
    if policy not in POLICY_FUNCTIONS:
        raise ValueError(f"unknown pairing policy {policy!r}; known: {sorted(POLICY_FUNCTIONS)}")
    if np.ndim(capacity) == 0 and int(capacity) < 1:
        raise ValueError(f"capacity must be at least 1, got {capacity}")
    _mentor_capacities(mentors, capacity)  # raises on a malformed capacity array
    if group_size is not None and int(group_size) < 1:
        raise ValueError(f"group_size must be at least 1 or None, got {group_size}")
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


def check_pairs(
    state: Any,
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
    slots, caps = _mentor_capacities(mentors, capacity)
    used, load = np.unique(mentor, return_counts=True)
    if (load > caps[np.searchsorted(slots, used)]).any():
        return "a mentor serves more mentees than its capacity"
    if not _allowed_pairs(state, mentor, rows, exclude_reporting_lines).all():
        return "a pair is not allowed (same person or reporting line)"
    return None


__all__ = [
    "CHUNK_ENTRIES",
    "EXACT_LIMIT",
    "LIST_ENTRIES",
    "POLICY_DOCS",
    "POLICY_FUNCTIONS",
    "TOP_K",
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
    "skill_gap_policy",
    "two_sided_policy",
]

"""The match score, the expected transfer and the mentors' preferences, each written once.

A :class:`Scorer` holds the per-side arrays of one pairing problem: mentors are columns, mentees
rows, both addressed by position. Every formula is one method over index arrays that broadcast:
``rows[:, None]`` with ``cols[None, :]`` gives a block of mentees x mentors, two aligned 1-D
arrays give pairs. The same elementwise operations run in the same order whatever the shape, so
a value computed in a block equals the value computed alone, bit for bit.

Beside the match score sits its upper bound over a group of mentors (:meth:`Scorer.match_bound`
from a :class:`ChunkSummary`), from which the solvers skip mentors that cannot matter without
scoring them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from sim.core.state import OPENNESS, RESISTANCE, WILLINGNESS
from sim.program.design import ScoreWeights

BLEND_GRID = np.linspace(0.0, 1.0, 9)
"""Receptiveness values at which a group's best skill-plus-attitude value is stored."""

SHORTFALL_GRID = np.linspace(0.0, 1.0, 11)
"""Mentee skill levels at which a group's largest skill shortfall is stored."""

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
        self._grid_parts: tuple[np.ndarray, np.ndarray] | None = None
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
        """The same problem with the mentors reordered (column ``k`` is mentor ``order[k]``)."""
        out = object.__new__(Scorer)
        out.__dict__.update(self.__dict__)
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

    def blend(self) -> np.ndarray:
        """Mentor side of the skill and attitude terms: (grid, mentors).

        ``w.skill * mean focus skill + w.attitude * g * willingness`` at each receptiveness
        ``g`` of :data:`BLEND_GRID`.
        """
        w = self.weights
        return w.skill * self.focus_mean() + np.multiply.outer(
            w.attitude * BLEND_GRID, self.willing
        )

    def shortfall(self) -> np.ndarray:
        """What a mentee at level ``t`` everywhere knows above the mentor: (grid, mentors).

        The mean over focus columns of ``max(0, t - mentor skill)`` at each ``t`` of
        :data:`SHORTFALL_GRID`.
        """
        if not len(self.mentor_focus):
            return np.zeros((len(SHORTFALL_GRID), self.n))
        return np.stack(
            [np.maximum(t - self.mentor_focus, 0.0).mean(axis=0) for t in SHORTFALL_GRID]
        )

    def match_bound(self, rows: np.ndarray, ids: np.ndarray, groups: ChunkSummary) -> np.ndarray:
        """Upper bound of :meth:`match` of mentee ``rows`` over the members of groups ``ids``.

        ``rows`` and ``ids`` broadcast like the formulas' arguments. With ``a`` the mentor's and
        ``b`` the mentee's focus skills, ``max(0, a - b) = a - b + max(0, b - a)``. The skill and
        attitude terms are bounded as below, then the department and diversity terms (exact
        when the group's members share them) and the rounding slack are added:

        1. the members' largest ``w.skill * mean a + w.attitude * receptive * willingness``
           (:attr:`ChunkSummary.blend` at the mentee's receptiveness), minus ``w.skill * mean
           b``, plus ``w.skill`` times the largest shortfall ``mean max(0, b - a)``, itself
           bounded by the per-column smallest ``a`` and by :attr:`ChunkSummary.shortfall` at
           the mentee's highest skill;
        2. for a receptiveness outside [0, 1], which the blend's grid does not cover:
           ``w.skill * mean max(0, max a - b)`` plus the attitude of the most (or, for a
           negative receptiveness, least) willing member.

        The stored tables are maxima of functions convex in the grid variable (linear ones for
        the blend, hinges for the shortfall), so linear interpolation between grid points
        bounds them from above.
        """
        w = self.weights
        grid, at = self._mentee_grid_parts()
        (low_b, high_b, high_r, extra, mean_b, recept), (k_b, k_r) = grid[:, rows], at[:, rows]
        box = np.zeros(np.broadcast_shapes(np.shape(rows), np.shape(ids)))
        for f, b in enumerate(self.mentee_focus):
            box += np.maximum(b[rows] - groups.focus_min[f][ids], 0.0)
        box /= max(1, len(self.mentee_focus))
        worst = low_b * _at(groups.shortfall, k_b, ids) + high_b * _at(
            groups.shortfall, k_b + 1, ids
        )
        out = (1.0 - high_r) * _at(groups.blend, k_r, ids) + high_r * _at(
            groups.blend, k_r + 1, ids
        )
        out += w.skill * (np.minimum(box, worst + extra) - mean_b)
        if not ((self.receptive >= 0) & (self.receptive <= 1)).all():
            out = np.where((recept >= 0) & (recept <= 1), out, self._plain_bound(rows, ids, groups))
        out += np.where(groups.department[ids] == self.mentee_dept[rows], 0.0, w.department)
        out += w.diversity * groups.ur_max[ids] + self.margin
        return out

    def _plain_bound(self, rows: np.ndarray, ids: np.ndarray, groups: ChunkSummary):
        """Bound 2 of :meth:`match_bound` (skill and attitude terms only).

        Valid for any receptiveness, where the blend's grid does not reach.
        """
        above = np.zeros(np.broadcast_shapes(np.shape(rows), np.shape(ids)))
        for f, b in enumerate(self.mentee_focus):
            above += np.maximum(groups.focus_max[f][ids] - b[rows], 0.0)
        above /= max(1, len(self.mentee_focus))
        recept = self.receptive[rows]
        willing = np.where(recept >= 0, groups.willing_max[ids], groups.willing_min[ids])
        return self.weights.skill * above + (self.weights.attitude * recept) * willing

    def preference_bound(self, rows: np.ndarray, ids: np.ndarray, groups: ChunkSummary):
        """Upper bound of :meth:`preference` of mentee ``rows`` over groups ``ids`` (broadcast)."""
        gap = np.zeros(np.broadcast_shapes(np.shape(rows), np.shape(ids)))
        for f, e in enumerate(self.mentee_exp):
            gap += np.maximum(e[rows] - groups.exp_min[f][ids], 0.0)
        return self.mentee_level[rows] + gap / max(1, len(self.mentee_exp)) + self.margin

    def _mentee_grid_parts(self) -> tuple[np.ndarray, np.ndarray]:
        """Per mentee, where it falls on the bound tables' grids (computed once).

        Returns ``(values, steps)``: values are the weights of the lower and upper shortfall
        grid points, the weight of the upper blend grid point, the shortfall slope beyond the
        grid, the mean focus skill and the receptiveness; steps the lower grid points.
        """
        if self._grid_parts is None:
            b = self.mentee_focus
            top_b = b.max(axis=0) if len(b) else np.zeros(self.m)
            mean_b = b.mean(axis=0) if len(b) else np.zeros(self.m)
            k_b, w_b = _grid_point(np.clip(top_b, 0.0, 1.0), len(SHORTFALL_GRID))
            k_r, w_r = _grid_point(np.clip(self.receptive, 0.0, 1.0), len(BLEND_GRID))
            extra = np.maximum(top_b - 1.0, 0.0)  # beyond the grid the slope is at most 1
            values = np.stack([1.0 - w_b, w_b, w_r, extra, mean_b, self.receptive])
            self._grid_parts = (values, np.stack([k_b, k_r]))
        return self._grid_parts


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


def _at(table: np.ndarray, k: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """``table[k, ids]`` for broadcast index arrays, as one flat gather."""
    return table.ravel()[k * table.shape[1] + ids]


def _grid_point(x: np.ndarray, points: int) -> tuple[np.ndarray, np.ndarray]:
    """Where ``x`` falls on an even grid of ``points`` over [0, 1].

    Returns the grid step below ``x`` (in [0, 1]) and the weight of the step above in a linear
    interpolation.
    """
    at = x * (points - 1)
    k = np.minimum(at.astype(np.int64), points - 2)
    return k, at - k


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


@dataclass
class ChunkSummary:
    """What bounds the scores of groups of mentors (one entry per group, on the last axis).

    Attributes:
        blend: (grid, groups) largest :meth:`Scorer.blend` of a member.
        shortfall: (grid, groups) largest :meth:`Scorer.shortfall` of a member.
        focus_min: (focus skills, groups) smallest value of each focus skill.
        focus_max: (focus skills, groups) largest value of each focus skill.
        exp_min: (experience skills, groups) smallest value of each experience skill.
        willing_max: Largest willingness.
        willing_min: Smallest willingness.
        ur_max: 1.0 if a member is under-represented, else 0.0.
        department: The members' department when they share one, else -1.
    """

    blend: np.ndarray
    shortfall: np.ndarray
    focus_min: np.ndarray
    focus_max: np.ndarray
    exp_min: np.ndarray
    willing_max: np.ndarray
    willing_min: np.ndarray
    ur_max: np.ndarray
    department: np.ndarray

    @classmethod
    def of(cls, sides: MentorSides, starts: np.ndarray, live: np.ndarray) -> ChunkSummary:
        """Summaries of the groups ``[starts[g], starts[g + 1])`` of the mentors in ``sides``.

        Only members marked ``live`` count; a group without one gets meaningless values (its
        bound is set to -inf by whoever reads it).
        """
        return cls(**_reduce(vars(sides), np.arange(len(live)), starts[:-1], live))

    def update(self, groups, sides: MentorSides, first, last, live: np.ndarray) -> None:
        """Recompute ``groups`` (members ``first[i]:last[i]``) over their members still live."""
        members, offsets = _ranges(first, last)
        for name, value in _reduce(vars(sides), members, offsets, live[members]).items():
            getattr(self, name)[..., groups] = value

    def merge(self, groups, below: ChunkSummary, first, last, live: np.ndarray) -> None:
        """Recompute ``groups`` from their children ``first[i]:last[i]`` in ``below``.

        A coarser level's summary is the same reduction over its live children's.
        """
        children, offsets = _ranges(first, last)
        alive = live[children] > 0
        for name in (f.name for f in fields(self)):
            reduce, blank = (np.minimum, np.inf) if name in _LOWEST else (np.maximum, -np.inf)
            values = np.where(alive, getattr(below, name)[..., children], blank)
            getattr(self, name)[..., groups] = reduce.reduceat(values, offsets, axis=-1)
        hi = np.maximum.reduceat(np.where(alive, below.department[children], -1), offsets)
        self.department[groups] = np.where(self.department[groups] == hi, hi, -1)


_LOWEST = ("focus_min", "exp_min", "willing_min", "department")
"""Fields of :class:`ChunkSummary` that hold a smallest value (the others hold a largest)."""


@dataclass
class MentorSides:
    """The per-mentor arrays a :class:`ChunkSummary` reduces (mentors on the last axis).

    Each is named as the summary field it becomes.
    """

    blend: np.ndarray
    shortfall: np.ndarray
    focus_min: np.ndarray
    focus_max: np.ndarray
    exp_min: np.ndarray
    willing_max: np.ndarray
    willing_min: np.ndarray
    ur_max: np.ndarray
    department: np.ndarray

    @classmethod
    def of(cls, sc: Scorer) -> MentorSides:
        """The arrays of ``sc``'s mentors, in its order."""
        return cls(
            sc.blend(),
            sc.shortfall(),
            sc.mentor_focus,
            sc.mentor_focus,
            sc.mentor_exp,
            sc.willing,
            sc.willing,
            sc.mentor_ur.astype(np.float64),
            sc.mentor_dept.astype(np.float64),
        )


def _ranges(first: np.ndarray, last: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Concatenated ranges ``first[i]:last[i]`` and where each starts in the concatenation."""
    lengths = last - first
    offsets = np.cumsum(lengths) - lengths
    return np.arange(int(lengths.sum())) + np.repeat(first - offsets, lengths), offsets


def _reduce(sides: dict, members: np.ndarray, bounds: np.ndarray, live: np.ndarray) -> dict:
    """The :class:`ChunkSummary` fields of ``members`` split at ``bounds``, over the ``live``."""
    out = {}
    for name, values in sides.items():
        reduce, blank = (np.minimum, np.inf) if name in _LOWEST else (np.maximum, -np.inf)
        values = np.where(live, values[..., members], blank)
        out[name] = reduce.reduceat(values, bounds, axis=-1)
    hi = np.maximum.reduceat(np.where(live, sides["department"][members], -1), bounds)
    out["department"] = np.where(out["department"] == hi, hi, -1)
    return out


TAIL_SKILL_GRID = np.linspace(0.0, 1.0, 11)
"""Mentee top skill levels at which :class:`SuffixBound` stores its table."""


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
        live: Which mentors count.
        at: The run of ``sc``'s mentors covered; positions below are relative to its start.
        step: Mentors per block; tail ``i`` starts at mentor ``i * step``.
    """

    def __init__(self, sc: Scorer, live: np.ndarray, at: slice, step: int = 64) -> None:
        w = sc.weights
        self.step, self.live = step, live[at]  # a view: it follows the caller's updates
        n = len(self.live)
        self.starts = np.arange(0, max(n, 1), step)
        focus = sc.mentor_focus[:, at] if len(sc.mentor_focus) else np.zeros((1, n))
        skill = np.stack([np.maximum(focus, t).mean(axis=0) for t in TAIL_SKILL_GRID])
        blend = w.skill * skill[:, None, :] + np.multiply.outer(
            w.attitude * BLEND_GRID, sc.willing[at]
        )
        ur = sc.mentor_ur[at][None, :].astype(np.float64)
        self.parts = np.concatenate([blend.reshape(-1, n), ur])
        self.blocks = self._block_max(np.arange(len(self.starts)))
        self.dirty: set[int] = set()
        self._accumulate()

    def close(self, k: int) -> None:
        """Mentor ``k`` (in order) stopped counting (the caller cleared ``live[k]``)."""
        self.dirty.add(k // self.step)

    def refresh(self) -> None:
        """Recompute the blocks that lost mentors, and the tails."""
        if self.dirty:
            blocks = np.fromiter(self.dirty, dtype=np.int64)
            self.dirty.clear()
            self.blocks[:, blocks] = self._block_max(blocks)
            self._accumulate()

    def _block_max(self, blocks: np.ndarray) -> np.ndarray:
        out = np.full((len(self.parts), len(blocks)), -np.inf)
        for i, blk in enumerate(blocks.tolist()):
            at = slice(blk * self.step, (blk + 1) * self.step)
            alive = self.live[at]
            if alive.any():
                out[:, i] = self.parts[:, at][:, alive].max(axis=1)
        return out

    def _accumulate(self) -> None:
        tails = np.maximum.accumulate(self.blocks[:, ::-1], axis=1)[:, ::-1]
        self.table = tails[:-1].reshape(len(TAIL_SKILL_GRID), len(BLEND_GRID), -1)
        self.ur_max = np.maximum(tails[-1], 0.0)

    def bound(self, sc: Scorer, rows: np.ndarray, tail) -> np.ndarray:
        """Upper bound of :meth:`Scorer.match` of mentee ``rows`` over the mentors of ``tail``.

        The smallest of the bounds at every ``s`` of the grid; -inf (or below) when the tail has
        no live mentor. ``tail`` is one index or one per row.
        """
        w = sc.weights
        recept = sc.receptive[rows]
        k_g, w_g = _grid_point(np.clip(recept, 0.0, 1.0), len(BLEND_GRID))
        cells = self.table[:, k_g, tail] * (1 - w_g) + self.table[:, k_g + 1, tail] * w_g
        out = (cells + self._excess(sc)[:, rows]).min(axis=0)
        out += w.attitude * np.maximum(recept - 1.0, 0.0)  # willingness is at most 1
        return out + w.department + w.diversity * self.ur_max[tail] + sc.margin

    def _excess(self, sc: Scorer) -> np.ndarray:
        """Per grid ``s`` and mentee: ``w.skill * (mean max(0, b - s) - mean b)`` (computed once)."""
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

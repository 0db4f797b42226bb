"""Candidate lists: each mentee's best mentors, exactly, without scoring every mentor.

Large pools (75,000 mentees x 437,000 mentors at 1,000,000 employees) cannot be scored in
full: that is 33 billion scores. Every policy instead asks one question, many times: *which
are this mentee's k best usable mentors?* A :class:`Frontier` answers it exactly.

Mentees rank mentors much alike: the most skilled and the most willing first. The frontier
keeps the mentors in that common ranking (the mentor's side of the score for a typical
mentee) and, for the mentors from every block boundary to the end, a bound of any mentee's
score (:class:`~sim.program.pairing.scores.SuffixBound`). A query scores the open mentors at
the front, each mentee only against the 64-mentor blocks whose bound still reaches its k-th
best score found, and goes further only for the mentees whose bound of the rest still reaches
it. The k-th best only rises and every mentor left unscored is below it, so the answer is the
one a full row of scores would give, ties by mentor position included.
"""

from __future__ import annotations

import numpy as np

from sim import kernels
from sim.kernels import gap_f32_error, positive_gap_mean_f32_blocks
from sim.program.pairing.scores import (
    BLEND_GRID,
    BLOCK_ENTRIES,
    TAIL_SKILL_GRID,
    Scorer,
    SuffixBound,
)


class _Best:
    """Each row's best (value, member) entries seen so far; the k-th value bounds the rest.

    ``k``: entries per row, one number or one per row.
    """

    def __init__(self, n_rows: int, k) -> None:
        self.k = np.broadcast_to(np.asarray(k, dtype=np.int64), (n_rows,))
        self.width = int(self.k.max(initial=0))
        self.key = np.int16 if n_rows <= np.iinfo(np.int16).max else np.int64
        self.lower = np.full(n_rows, -np.inf)
        self.r = np.zeros(0, dtype=np.int64)
        self.i = np.zeros(0, dtype=np.int64)
        self.v = np.zeros(0)

    def add(self, r: np.ndarray, i: np.ndarray, v: np.ndarray) -> None:
        """Add entries; raise each row's k-th value and drop what falls below it."""
        if not len(r):
            return
        self.r = np.concatenate([self.r, r])
        self.i = np.concatenate([self.i, i])
        self.v = np.concatenate([self.v, v])
        # by row, best first (lexsort's order but for ties, in two faster sorts: the values,
        # then the rows stably, as 16-bit keys where they fit, which numpy sorts by radix)
        order = np.argsort(-self.v)
        rows = self.r[order]
        order = order[np.argsort(rows.astype(self.key), kind="stable")]
        self.r, self.i, self.v = self.r[order], self.i[order], self.v[order]
        counts = np.bincount(self.r, minlength=len(self.lower))
        full = (counts >= self.k) & (self.k > 0)
        self.lower[full] = self.v[(np.cumsum(counts) - counts + self.k - 1)[full]]
        keep = self.v >= self.lower[self.r]  # every entry tied with the k-th stays
        self.r, self.i, self.v = self.r[keep], self.i[keep], self.v[keep]

    def result(self, positions: np.ndarray):
        """``(mentors, values, complete)`` of :meth:`Frontier.top`, ties by position."""
        n_rows, k = len(self.lower), self.k
        cols = np.full((n_rows, self.width), -1, dtype=np.int64)
        vals = np.full((n_rows, self.width), -np.inf)
        pos = positions[self.i]
        order = np.lexsort((pos, -self.v, self.r))
        r, pos, v = self.r[order], pos[order], self.v[order]
        rank = np.arange(len(r)) - np.repeat(*_run_starts(r))
        take = rank < k[r]
        cols[r[take], rank[take]] = pos[take]
        vals[r[take], rank[take]] = v[take]
        complete = np.bincount(r, minlength=n_rows) < k
        return cols, vals, complete


def _by_block(values: np.ndarray, step: int) -> np.ndarray:
    """Per-mentor values (last axis) as ``(..., blocks, step)``, zero-padded to whole blocks."""
    n = values.shape[-1]
    out = np.zeros((*values.shape[:-1], -(-n // step) * step), dtype=values.dtype)
    out[..., :n] = values
    return out.reshape(*values.shape[:-1], -1, step)


def _run_starts(sorted_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For sorted keys: the start of each run of equal keys, and its length."""
    if not len(sorted_keys):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    return starts, np.diff(np.r_[starts, len(sorted_keys)])


def ranking(sc: Scorer) -> np.ndarray:
    """The mentor's side of the score for a typical mentee: the common ranking's key.

    ``w.skill * mean focus skill + w.attitude * typical receptiveness * willingness``, with the
    mean receptiveness of the mentees as the typical one.
    """
    w = sc.weights
    typical = float(np.clip(sc.receptive.mean(), 0.0, 1.0)) if sc.m else 0.0
    return w.skill * sc.focus_mean() + w.attitude * typical * sc.willing


FRONTIER_START = 256
"""Mentors in a query's first window (see :class:`Frontier`); later windows double."""

TAIL_STEP = 64
"""Mentors per block of a :class:`Frontier`'s tail bounds (tails start at block boundaries)."""

TAIL_REFRESH = 8
"""Blocks that lost mentors before a :class:`Frontier` recomputes its bounds of the tails."""

COMPILED_FROM = 20_000
"""Mentors from which a :class:`Frontier` answers queries with the compiled loop
(:func:`sim.kernels.best_mentors`) where the optional compiler is installed: below, compiling
costs more than it saves."""


class Frontier:
    """Mentors in one ranking with bounds of every tail: exact best-mentor queries by blocks.

    When every mentee ranks the mentors much alike (the most skilled and willing first), a
    mentee's best open mentors lie near the front of that common ranking. The mentors are kept
    in it (:func:`ranking`), and a :class:`~sim.program.pairing.scores.SuffixBound` bounds the
    scores of the mentors from any block boundary to the end. A query scores the open mentors
    of a window at the front, each mentee against the blocks whose bound still reaches its k-th
    best score found, and doubles the window of a mentee until the bound of everything behind
    it falls below that score. Only the mentors that can take part are held. Mentors that fill
    up are closed: skipped, and removed from the bounds every :data:`TAIL_REFRESH` blocks that
    lost one.

    Args:
        sc: The problem; its weights are the ones queries maximize.
        only: ``"cross_department"`` or ``"underrepresented"`` mentors only (None: all).
        live: Mentor positions that take part (None: all); :meth:`close` removes more.
    """

    def __init__(self, sc: Scorer, only: str | None = None, live=None) -> None:
        self.only = only
        keep = np.ones(sc.n, dtype=bool) if live is None else np.asarray(live, dtype=bool)
        if only == "underrepresented":
            keep = keep & sc.mentor_ur
        members = np.flatnonzero(keep)  # only these can ever be live: blocks hold no others
        self.order = members[np.lexsort((members, -ranking(sc)[members]))]
        n = len(self.order)
        self.where = np.full(sc.n, -1, dtype=np.int64)  # by mentor position; -1: not a member
        self.where[self.order] = np.arange(n)
        self.sc = sc.with_mentors(self.order)
        step = TAIL_STEP
        n_blocks = -(-n // step)
        padded = np.zeros(n_blocks * step, dtype=bool)  # live mentors, by block of the tails
        padded[:n] = True
        self.live = padded[:n]  # a view: closing a mentor updates the blocks too
        self._live_blocks = padded.reshape(n_blocks, step)
        self.first = 0
        self.tail = SuffixBound(self.sc, self.live, step)
        self._focus_blocks = _by_block(self.sc.mentor_focus.astype(np.float32), step)
        self._mentee32 = self.sc.mentee_focus.astype(np.float32)
        self._willing_blocks = _by_block(self.sc.willing, step)
        self._dept_blocks = _by_block(self.sc.mentor_dept, step)
        self._ur_blocks = _by_block(self.sc.mentor_ur.astype(np.float64), step)
        self.compiled = n >= COMPILED_FROM and kernels.compiled_available()
        self._arrays: kernels.PairingArrays | None = None
        n_focus = len(self.sc.mentor_focus)
        self._error = (
            self.sc.weights.skill * gap_f32_error(n_focus, self.sc.top_skill) + self.sc.margin
        )

    def close(self, position: int) -> None:
        """Mentor ``position`` takes no more mentees."""
        k = int(self.where[position])
        if k >= 0 and self.live[k]:
            self.live[k] = False
            self.tail.close(k)

    def bound(self, rows: np.ndarray) -> np.ndarray:
        """Upper bound of each row's best score over the open mentors."""
        rows = np.asarray(rows, dtype=np.int64)
        first = self._advance()
        if first == self.sc.n:
            return np.full(len(rows), -np.inf)
        return self.tail.bound(self.sc, rows, first // self.tail.step)

    def _advance(self) -> int:
        """The first open mentor (skipping the closed ones at the front)."""
        n, live = self.sc.n, self.live
        while self.first < n and not live[self.first]:
            self.first += 1
        if len(self.tail.dirty) >= TAIL_REFRESH:
            self.tail.refresh()
        return self.first

    def top(self, rows: np.ndarray, k: int, accept=None, ceiling=None):
        """Each row's ``k`` best usable mentors, best first, ties by mentor position.

        Args:
            rows: Mentee positions.
            k: Entries per row: one number, or one per row (the lists are then as wide as
                the largest).
            accept: Optional further rule with ``refuses(rows, idx)`` (a mask of aligned pairs,
                mentee position and member, in which the mentor surely refuses: a cheap
                first test) and ``members(rows, idx)`` (a mask of the aligned pairs in which
                the mentor would accept).
            ceiling: Optional ``(values, positions)``, one per row: the caller knows every
                mentor ranked at or above it (value, then the lower position) to be unusable
                for the row, which is then not asked about them.

        Returns:
            ``(mentors, values, complete)``: ``(len(rows), max k)`` mentor positions (-1 past a
            row's usable mentors) and values (-inf there), and whether a row's list holds all
            its usable mentors.
        """
        rows = np.asarray(rows, dtype=np.int64)
        if self.compiled:
            return self._top_compiled(rows, k, accept, ceiling)
        n, step = self.sc.n, self.tail.step
        found = _Best(len(rows), k)
        pending = np.arange(len(rows))
        start, width = self._advance(), max(FRONTIER_START, 2 * found.width)
        while pending.size and start < n:
            end = min(n, -(-(start + width) // step) * step)  # a block boundary
            self._score(rows, pending, start, end, found, accept, ceiling)
            if end < n:
                ub = self.tail.bound(self.sc, rows[pending], end // step)
                pending = pending[ub >= found.lower[pending]]
            start, width = end, 2 * width
        return found.result(self.order)

    def _top_compiled(self, rows: np.ndarray, k: int, accept=None, ceiling=None):
        """:meth:`top` by the compiled loop :func:`sim.kernels.best_mentors` (the same answer)."""
        first = self._advance()
        if self._arrays is None:
            sc, w = self.sc, self.sc.weights
            anc = sc.exclude
            empty = np.zeros((0, 0), dtype=np.int64)
            self._arrays = kernels.PairingArrays(
                mentor_focus=sc.mentor_focus,
                mentee_focus=sc.mentee_focus,
                att=np.asarray(w.attitude * sc.receptive),
                willing=sc.willing,
                mentor_dept=sc.mentor_dept,
                mentee_dept=sc.mentee_dept,
                mentor_ur=sc.mentor_ur,
                weights=np.array([w.skill, w.attitude, w.department, w.diversity, sc.margin]),
                mentor_slot=sc.mentors,
                mentee_slot=sc.mentees,
                mentor_anc_t=np.asarray(sc.mentor_anc_t) if anc else empty,
                mentee_anc=np.ascontiguousarray(sc.mentee_anc) if anc else empty,
                mentor_depth=sc.mentor_depth.astype(np.int64),
                mentee_depth=sc.mentee_depth.astype(np.int64),
                receptive=np.asarray(sc.receptive, dtype=np.float64),
                excess=self.tail._excess(sc),
                order=self.order,
                mentor_exp=sc.mentor_exp,
                mentee_exp=sc.mentee_exp,
                level=sc.mentee_level,
                most=np.zeros(0),
            )
        arrays, held = self._arrays, None
        if accept is not None:
            arrays, held = arrays._replace(most=accept.most()), accept.held()
        return kernels.best_mentors(
            arrays,
            rows,
            k,
            first,
            self.tail.step,
            self.live,
            self.tail.tails.T,  # (blocks, bounds), contiguous
            self.tail.blocks.T,
            (len(TAIL_SKILL_GRID), len(BLEND_GRID)),
            cross=self.only == "cross_department",
            held=held,
            ceiling=ceiling,
        )

    def _score(
        self, rows, pending, start: int, end: int, found: _Best, accept=None, ceiling=None
    ) -> None:
        """Score the open mentors of ``start:end`` that can enter each pending row's list.

        Each row is scored only against the blocks its own bound still reaches, first coarsely
        (the skill term in float32, :func:`~sim.kernels.positive_gap_mean_f32_blocks`), about
        :data:`BLOCK_ENTRIES` scores at a time; only pairs that could be among a row's ``k``
        best within the coarse score's error are scored exactly and checked against the rules
        (allowed pairs, the frontier's restriction, ``accept``).
        """
        step, sc = self.tail.step, self.sc
        blocks = np.arange(start // step, -(-end // step))
        r = rows[pending]
        ub = self.tail.bound(sc, r[:, None], blocks[None, :], blocks=True)
        at_row, at_block = np.nonzero(ub >= found.lower[pending][:, None])
        at_block = blocks[at_block]
        live = self._live_blocks
        slots = np.arange(step)
        slack, size = 2.0 * self._error, max(1, BLOCK_ENTRIES // step)
        for a in range(0, len(at_row), size):
            place, block = at_row[a : a + size], at_block[a : a + size]
            coarse = self._coarse(r[place], block)
            floor = found.lower[pending[place]] - slack
            i, j = np.nonzero((coarse >= floor[:, None]) & live[block])
            place, cols = place[i], block[i] * step + slots[j]
            e = r[place]
            if accept is not None:
                ok = ~accept.refuses(e, cols)
                place, cols, e = place[ok], cols[ok], e[ok]
            vals = sc.match(e, cols)
            keep = (vals >= found.lower[pending[place]]) & sc.allowed(e, cols)
            if ceiling is not None:
                above, at = ceiling[0][pending[place]], ceiling[1][pending[place]]
                keep &= (vals < above) | ((vals == above) & (self.order[cols] > at))
            if self.only == "cross_department":
                keep &= sc.mentee_dept[e] != sc.mentor_dept[cols]
            if accept is not None:
                keep &= accept.members(e, cols)
            found.add(pending[place[keep]], cols[keep], vals[keep])

    def _coarse(self, rows: np.ndarray, blocks: np.ndarray) -> np.ndarray:
        """Match scores of each row with the mentors of its block, within ``self._error``.

        ``(len(rows), step)``: the skill term in float32; slots past the last mentor score
        whatever their zero padding gives (the caller masks them with the live mentors).
        """
        sc, w = self.sc, self.sc.weights
        gap = positive_gap_mean_f32_blocks(self._focus_blocks, self._mentee32, blocks, rows)
        out = w.skill * gap.astype(np.float64)
        out += (w.attitude * sc.receptive[rows])[:, None] * self._willing_blocks[blocks]
        if w.department:
            dept = self._dept_blocks[blocks] != sc.mentee_dept[rows][:, None]
            out += w.department * dept
        if w.diversity:
            out += w.diversity * self._ur_blocks[blocks]
        return out

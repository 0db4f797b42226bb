"""Candidate lists: each mentee's best mentors, exactly, without scoring every mentor.

Large pools (75,000 mentees x 437,000 mentors at 1,000,000 employees) cannot be scored in
full: that is 33 billion scores. Every policy instead asks one question, many times: *which
are this mentee's k best usable mentors?* A :class:`MentorIndex` answers it exactly.

It keeps the mentors in a tree: sorted by department and under-represented flag (so that a
node's department and diversity terms are exact), then by their side of the score for a
typical mentee, cut into leaf chunks of :data:`CHUNK_MENTORS`, which are grouped
:data:`FANOUT` at a time, level after level. Every node keeps a
:class:`~sim.program.pairing.scores.ChunkSummary` of its live members, from which
:meth:`~sim.program.pairing.scores.Scorer.match_bound` bounds any member's score for a given
mentee. A query dives to a few promising leaves to find a first k-th best score, then visits
the top nodes in order of their bounds, descending only into nodes whose bound reaches the
k-th best score found so far, and scores the members of the leaves it reaches. The k-th best
only rises and every skipped node's bound is below it, so the answer is the one a full row of
scores would give, ties by mentor position included.
"""

from __future__ import annotations

import numpy as np

from sim.kernels import gap_f32_error, positive_gap_mean_f32
from sim.program.pairing.scores import (
    BLOCK_ENTRIES,
    ChunkSummary,
    MentorSides,
    Scorer,
    SuffixBound,
)

CHUNK_MENTORS = 8
"""Mentors per leaf chunk (the unit a bound covers and a query scores)."""

FANOUT = 16
"""Nodes per node of the level above."""

WILLINGNESS_BANDS = 8
"""Bands of willingness mentors are split into (when the score weighs attitude), so that
mentees of any receptiveness rank the mentors of a band alike."""


class _Level:
    """One level of the tree: nodes covering runs of the level below.

    Attributes:
        starts: Node ``i`` covers children ``starts[i]:starts[i + 1]`` (members at the leaves).
        members: Node ``i`` covers members ``members[i]:members[i + 1]``.
        live: Live members per node.
        summary: Bounds of each node's live members.
        dirty: Nodes whose summary awaits a refresh.
    """

    def __init__(self, starts: np.ndarray, members: np.ndarray, sides, live: np.ndarray):
        self.starts, self.members = starts, members
        self.node = np.repeat(np.arange(len(starts) - 1), np.diff(starts))  # node of each child
        self.live = np.add.reduceat(live.astype(np.int64), members[:-1])
        self.summary = ChunkSummary.of(sides, members, live)
        self.dirty: set[int] = set()

    @property
    def size(self) -> int:
        return len(self.starts) - 1


class MentorIndex:
    """Mentors in a tree of score bounds: exact best-mentor queries without full rows.

    Args:
        sc: The problem; its weights are the ones queries maximize.
        only: ``"cross_department"`` or ``"underrepresented"`` mentors only (None: all).
        live: Mentor positions that take part (None: all); :meth:`close` removes more.
    """

    def __init__(self, sc: Scorer, only: str | None = None, live=None) -> None:
        self.only = only
        n = sc.n
        keys = self._keys(sc, only)
        self.order = np.lexsort((np.arange(n), *keys))
        self.where = np.empty(n, dtype=np.int64)
        self.where[self.order] = np.arange(n)
        self.sc = sc.with_mentors(self.order)
        self.sides = MentorSides.of(self.sc)
        keep = np.ones(n, dtype=bool) if live is None else np.asarray(live, dtype=bool)
        if only == "underrepresented":
            keep = keep & sc.mentor_ur
        self.live = keep[self.order]
        self.levels = self._build(_runs([key[self.order] for key in keys[1:]], n), n)
        self.leaf_of = self.levels[0].node

    @staticmethod
    def _keys(sc: Scorer, only: str | None) -> list[np.ndarray]:
        """Sort keys, innermost first: the mentor's side of the score, diversity, department."""
        w = sc.weights
        typical = float(np.clip(sc.receptive.mean(), 0.0, 1.0)) if sc.m else 0.0
        keys = [-(w.skill * sc.focus_mean() + w.attitude * typical * sc.willing)]
        bands = min(WILLINGNESS_BANDS, sc.n // (CHUNK_MENTORS * FANOUT * FANOUT))
        if w.attitude > 0 and bands > 1:
            edges = np.quantile(sc.willing, np.linspace(0.0, 1.0, bands + 1)[1:-1])
            keys.append(np.searchsorted(edges, sc.willing))
        if w.diversity > 0 or only == "underrepresented":
            keys.append(sc.mentor_ur.astype(np.int64))
        if w.department > 0 or only == "cross_department":
            keys.append(sc.mentor_dept.astype(np.int64))
        return keys

    def _build(self, runs: np.ndarray, n: int) -> list[_Level]:
        """The tree's levels, leaves first.

        Leaves are cut every :data:`CHUNK_MENTORS` members, levels above every :data:`FANOUT`
        nodes; no node spans two runs of equal department and flag.
        """
        starts = _cut(runs, CHUNK_MENTORS, n)
        levels = [_Level(starts, starts, self.sides, self.live)]
        while levels[-1].size > FANOUT:
            below = levels[-1]
            starts = _cut(np.searchsorted(below.members, runs), FANOUT, below.size)
            levels.append(_Level(starts, below.members[starts], self.sides, self.live))
            if levels[-1].size == below.size:
                break  # every run already a single node: no coarser level helps
        return levels

    # ------------------------------------------------------------------------- state

    def close(self, position: int) -> None:
        """Mentor ``position`` takes no more mentees: drop it and tighten its nodes' bounds."""
        k = int(self.where[position])
        if not self.live[k]:
            return
        self.live[k] = False
        node = int(self.leaf_of[k])
        for i, level in enumerate(self.levels):
            level.live[node] -= 1
            level.dirty.add(node)
            if i + 1 < len(self.levels):
                node = int(self.levels[i + 1].node[node])

    def _refresh(self) -> None:
        """Recompute the summaries of the nodes that lost members since the last query.

        Leaves are recomputed from their members, every level above from the level below.
        """
        for i, level in enumerate(self.levels):
            if not level.dirty:
                continue
            nodes = np.fromiter(level.dirty, dtype=np.int64)
            level.dirty.clear()
            nodes = nodes[level.live[nodes] > 0]
            if not nodes.size:
                continue
            first, last = level.starts[nodes], level.starts[nodes + 1]
            if i == 0:
                level.summary.update(nodes, self.sides, first, last, self.live)
            else:
                below = self.levels[i - 1]
                level.summary.merge(nodes, below.summary, first, last, below.live)

    # ------------------------------------------------------------------------- scores

    def bounds(self, rows: np.ndarray, ids: np.ndarray, level: int = 0) -> np.ndarray:
        """Upper bound of the score of mentee ``rows`` over nodes ``ids`` of a level.

        ``rows`` and ``ids`` broadcast; -inf where no live member can serve the mentee.
        """
        lv = self.levels[level]
        with np.errstate(invalid="ignore"):  # nodes with no live member: -inf below
            ub = self.sc.match_bound(rows, ids, lv.summary)
        ub[np.broadcast_to(lv.live[ids] == 0, ub.shape)] = -np.inf
        if self.only == "cross_department":
            same = lv.summary.department[ids] == self.sc.mentee_dept[rows]
            ub[np.broadcast_to(same, ub.shape)] = -np.inf
        return ub

    def values(self, rows: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Scores of aligned (mentee position, member) pairs, -inf where unusable."""
        sc = self.sc
        vals = sc.match(rows, idx)
        ok = self.live[idx] & sc.allowed(rows, idx)
        if self.only == "cross_department":
            ok &= sc.mentee_dept[rows] != sc.mentor_dept[idx]
        vals[~ok] = -np.inf
        return vals

    # ------------------------------------------------------------------------- the query

    def top(self, rows: np.ndarray, k: int, accept=None):
        """Each row's ``k`` best usable mentors, best first, ties by mentor position.

        Every row is searched on its own pairs (row, node), all rows at once. First a dive:
        from the top level down, each row opens its best nodes holding ``k`` live members and
        scores the leaves reached, which gives it a first k-th best value. Then, from the top
        level down again, each row opens every node whose bound reaches its k-th best value
        and scores the leaves reached, best bound first, the k-th best values rising as it
        goes. A node left closed has a bound below its row's k-th best, so none of its
        members could have entered the row's list.

        Args:
            rows: Mentee positions.
            k: Entries per row.
            accept: Optional further rule with ``bound(rows, ids, level, ub)`` (set -inf where
                no member of a node would accept the row) and ``members(rows, idx)`` (a mask of
                aligned pairs).

        Returns:
            ``(mentors, values, complete)``: ``(len(rows), k)`` mentor positions (-1 past a
            row's usable mentors) and values (-inf there), and whether a row's list holds all
            its usable mentors.
        """
        self._refresh()
        rows = np.asarray(rows, dtype=np.int64)
        found = _Best(len(rows), k)
        height = len(self.levels) - 1
        tops = np.arange(self.levels[height].size)
        r = np.repeat(np.arange(len(rows)), len(tops))
        node = np.tile(tops, len(rows))
        bound = self._bounds(rows[r], node, height, accept)
        keep = np.isfinite(bound)
        r, node, bound = r[keep], node[keep], bound[keep]
        seen = self._dive(rows, r, node, bound, height, found, accept)
        for level in range(height, 0, -1):
            keep = bound >= found.lower[r]
            r, node, bound = self._open(rows, r[keep], node[keep], level, accept)
        fresh = ~np.isin(r * self.levels[0].size + node, seen)
        self._scan(rows, r[fresh], node[fresh], bound[fresh], found, accept)
        return found.result(self.order)

    def _bounds(self, rows, ids, level: int, accept) -> np.ndarray:
        ub = self.bounds(rows, ids, level)
        if accept is not None:
            accept.bound(rows, ids, level, ub)
        return ub

    def _open(self, rows, r, nodes, level: int, accept):
        """The children of (row, node) pairs of ``level`` with a finite bound, and the bound."""
        starts = self.levels[level].starts
        lengths = starts[nodes + 1] - starts[nodes]
        r, children = np.repeat(r, lengths), _expand(starts[nodes], lengths)
        bound = self._bounds(rows[r], children, level - 1, accept)
        keep = np.isfinite(bound)
        return r[keep], children[keep], bound[keep]

    def _dive(self, rows, r, nodes, bound, level: int, found: _Best, accept) -> np.ndarray:
        """A beam search to the leaves, which are scored; returns them as ``row * leaves + leaf``.

        Level by level, each row keeps its best nodes, as many as its list has leaves (twice
        over) and at least enough to hold ``k`` live members.
        """
        beam = 2 * -(-found.k // CHUNK_MENTORS) + 4
        while True:
            order = np.lexsort((-bound, r))
            r, nodes, bound = r[order], nodes[order], bound[order]
            live = self.levels[level].live[nodes]
            before = np.cumsum(live) - live
            starts, counts = _run_starts(r)
            before -= np.repeat(before[starts], counts)  # live members in the row's better nodes
            rank = np.arange(len(r)) - np.repeat(starts, counts)
            keep = (before < found.k) | (rank < beam)
            r, nodes, bound = r[keep], nodes[keep], bound[keep]
            if level == 0:
                self._scan(rows, r, nodes, bound, found, accept)
                return r * self.levels[0].size + nodes
            r, nodes, bound = self._open(rows, r, nodes, level, accept)
            level -= 1

    def _scan(self, rows, r, leaves, bound, found: _Best, accept) -> None:
        """Score the live members of (row, leaf) pairs, best bound first.

        Pairs go in pieces that double, skipping those whose bound fell below the row's k-th
        best.
        """
        order = np.argsort(-bound)  # any order is exact; the best first prunes the most
        r, leaves, bound = r[order], leaves[order], bound[order]
        starts = self.levels[0].starts
        a, width = 0, 4 * (int(r.max(initial=0)) + 1)
        while a < len(r):
            part = slice(a, a + width)
            a, width = a + width, min(2 * width, BLOCK_ENTRIES // CHUNK_MENTORS)
            keep = bound[part] >= found.lower[r[part]]
            pr, pl = r[part][keep], leaves[part][keep]
            lengths = starts[pl + 1] - starts[pl]
            rep, idx = np.repeat(pr, lengths), _expand(starts[pl], lengths)
            alive = self.live[idx]
            rep, idx = rep[alive], idx[alive]
            vals = self.values(rows[rep], idx)
            if accept is not None:
                vals[~accept.members(rows[rep], idx, vals)] = -np.inf
            good = np.isfinite(vals) & (vals >= found.lower[rep])
            found.add(rep[good], idx[good], vals[good])


class _Best:
    """Each row's best (value, member) entries seen so far; the k-th value bounds the rest."""

    def __init__(self, n_rows: int, k: int) -> None:
        self.k = k
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
        order = np.lexsort((-self.v, self.r))
        self.r, self.i, self.v = self.r[order], self.i[order], self.v[order]
        starts, counts = _run_starts(self.r)
        full = counts >= self.k
        self.lower[self.r[starts[full]]] = self.v[starts[full] + self.k - 1]
        keep = self.v >= self.lower[self.r]  # every entry tied with the k-th stays
        self.r, self.i, self.v = self.r[keep], self.i[keep], self.v[keep]

    def result(self, positions: np.ndarray):
        """``(mentors, values, complete)`` of :meth:`MentorIndex.top`, ties by position."""
        n_rows, k = len(self.lower), self.k
        cols = np.full((n_rows, k), -1, dtype=np.int64)
        vals = np.full((n_rows, k), -np.inf)
        pos = positions[self.i]
        order = np.lexsort((pos, -self.v, self.r))
        r, pos, v = self.r[order], pos[order], self.v[order]
        rank = np.arange(len(r)) - np.repeat(*_run_starts(r))
        take = rank < k
        cols[r[take], rank[take]] = pos[take]
        vals[r[take], rank[take]] = v[take]
        complete = np.bincount(r, minlength=n_rows) < k
        return cols, vals, complete


def _expand(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenated ranges ``starts[i] : starts[i] + lengths[i]``."""
    offsets = np.cumsum(lengths) - lengths
    return np.arange(int(lengths.sum())) + np.repeat(starts - offsets, lengths)


def _run_starts(sorted_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For sorted keys: the start of each run of equal keys, and its length."""
    if not len(sorted_keys):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    return starts, np.diff(np.r_[starts, len(sorted_keys)])


def _runs(keys: list[np.ndarray], n: int) -> np.ndarray:
    """Starts of the runs of equal keys (sorted arrays), with ``n`` appended."""
    change = np.zeros(n, dtype=bool)
    if n:
        change[0] = True
    for key in keys:
        change[1:] |= key[1:] != key[:-1]
    return np.append(np.flatnonzero(change), n)


def _cut(runs: np.ndarray, size: int, n: int) -> np.ndarray:
    """Boundaries that cut each run ``runs[i]:runs[i + 1]`` every ``size`` items, with ``n``."""
    pieces = [
        np.arange(a, b, size) for a, b in zip(runs[:-1].tolist(), runs[1:].tolist(), strict=True)
    ]
    return np.append(np.concatenate(pieces) if pieces else np.zeros(0, np.int64), n)


FRONTIER_START = 256
"""Mentors in a query's first window (see :class:`Frontier`); later windows double."""

TAIL_STEP = 64
"""Mentors per block of a :class:`Frontier`'s tail bounds (tails start at block boundaries)."""

TAIL_REFRESH = 8
"""Blocks that lost mentors before a :class:`Frontier` recomputes its bounds of the tails."""


class Frontier:
    """Mentors in one ranking with bounds of every tail: exact best-mentor queries by blocks.

    When every mentee ranks the mentors much alike (the most skilled and willing first), a
    mentee's best open mentors lie near the front of that common ranking. The mentors are kept
    in it (the mentor's side of the score for a typical mentee, as in :class:`MentorIndex`),
    and a :class:`~sim.program.pairing.scores.SuffixBound` bounds the scores of the mentors
    from any block boundary to the end. A query scores the open mentors of a window at the
    front, in dense blocks shared by the query's mentees, and doubles the window of a mentee
    until the bound of everything behind it falls below the mentee's k-th best score found.
    Mentors that fill up are closed: skipped, and removed from the bounds every
    :data:`TAIL_REFRESH` blocks that lost one.

    Args:
        sc: The problem; its weights are the ones queries maximize.
        only: ``"cross_department"`` or ``"underrepresented"`` mentors only (None: all).
        live: Mentor positions that take part (None: all); :meth:`close` removes more.
    """

    def __init__(self, sc: Scorer, only: str | None = None, live=None) -> None:
        self.only = only
        n = sc.n
        self.order = np.lexsort((np.arange(n), MentorIndex._keys(sc, None)[0]))
        self.where = np.empty(n, dtype=np.int64)
        self.where[self.order] = np.arange(n)
        self.sc = sc.with_mentors(self.order)
        keep = np.ones(n, dtype=bool) if live is None else np.asarray(live, dtype=bool)
        if only == "underrepresented":
            keep = keep & sc.mentor_ur
        self.live = keep[self.order]
        self.first = 0
        self.tail = SuffixBound(self.sc, self.live, slice(0, n), TAIL_STEP)
        self._focus32 = self.sc.mentor_focus.astype(np.float32)
        n_focus = len(self.sc.mentor_focus)
        self._error = (
            self.sc.weights.skill * gap_f32_error(n_focus, self.sc.top_skill) + self.sc.margin
        )

    def close(self, position: int) -> None:
        """Mentor ``position`` takes no more mentees."""
        k = int(self.where[position])
        if self.live[k]:
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

    def top(self, rows: np.ndarray, k: int):
        """Each row's ``k`` best usable mentors, best first, ties by mentor position.

        Returns what :meth:`MentorIndex.top` returns.
        """
        rows = np.asarray(rows, dtype=np.int64)
        n, step = self.sc.n, self.tail.step
        found = _Best(len(rows), k)
        pending = np.arange(len(rows))
        start, width = self._advance(), max(FRONTIER_START, 2 * k)
        while pending.size and start < n:
            end = min(n, -(-(start + width) // step) * step)  # a block boundary
            self._score(rows, pending, start + np.flatnonzero(self.live[start:end]), found)
            if end < n:
                ub = self.tail.bound(self.sc, rows[pending], end // step)
                pending = pending[ub >= found.lower[pending]]
            start, width = end, 2 * width
        return found.result(self.order)

    def _score(self, rows, pending, members, found: _Best) -> None:
        """Score ``members`` for the ``pending`` rows in blocks; keep what can enter the lists.

        A block is scored coarsely first (the skill term in float32,
        :func:`~sim.kernels.positive_gap_mean_f32`); only entries that could be among a row's
        ``k`` best within the coarse score's error are scored exactly.
        """
        size = max(1, BLOCK_ENTRIES // max(1, len(pending)))
        sc, r = self.sc, rows[pending]
        banned_row, banned = self._banned(r)
        slack = 2.0 * self._error
        for a in range(0, len(members), size):
            cols = members[a : a + size]
            coarse = self._coarse(r, cols)
            at = np.minimum(np.searchsorted(cols, banned), len(cols) - 1)
            hit = cols[at] == banned
            coarse[banned_row[hit], at[hit]] = -np.inf
            if self.only == "cross_department":
                coarse[sc.mentee_dept[r][:, None] == sc.mentor_dept[cols][None, :]] = -np.inf
            floor = found.lower[pending]
            at_row, at_col = np.nonzero((coarse >= (floor - slack)[:, None]) & (coarse > -np.inf))
            vals = sc.match(r[at_row], cols[at_col])
            keep = vals >= found.lower[pending[at_row]]
            found.add(pending[at_row[keep]], cols[at_col[keep]], vals[keep])

    def _coarse(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Match scores of a block within ``self._error``: the skill term in float32."""
        sc, w = self.sc, self.sc.weights
        gap = positive_gap_mean_f32(
            self._focus32[:, cols], sc.mentee_focus[:, rows].astype(np.float32)
        )
        out = w.skill * gap.astype(np.float64)
        out += sc.attitude(rows[:, None], cols[None, :])
        if w.department:
            out += sc.department(rows[:, None], cols[None, :])
        if w.diversity:
            out += sc.diversity(rows[:, None], cols[None, :])
        return out

    def _banned(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The pairs :meth:`Scorer.allowed` rules out for ``rows``: (place in rows, mentor)."""
        pointer, mentors = self.sc.disallowed()
        first, last = pointer[rows], pointer[rows + 1]
        place = np.repeat(np.arange(len(rows)), last - first)
        return place, mentors[_expand(first, last - first)]

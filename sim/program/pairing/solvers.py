"""Matching algorithms over a :class:`~sim.program.pairing.scores.Scorer`, exact at any size.

Every algorithm here asks one question, many times: *which are this mentee's k best usable
mentors?*, answered exactly by a :class:`~sim.program.pairing.candidates.Frontier` without
scoring most mentors. On that query:

* :func:`serial` (serial dictatorship) takes mentees in order, in batches: one query of each
  batch mentee's ``batch x count`` best open mentors is always enough, since earlier mentees
  of the batch fill at most that many;
* :func:`greedy` (best pair first) keeps, per mentee, a bound of its best open mentor's score
  in a heap; the mentee on top whose bound is its exact current best forms its pair for good,
  and a filled mentor leaves the index; lists are made only when a mentee reaches the top;
* :func:`deferred_acceptance` lets mentees propose only to mentors that would accept them now,
  which skips exactly the proposals deferred acceptance would reject at once (mentors' thresholds
  only rise), in the order mentors broadly prefer, so that few proposals are undone later;
* :func:`draw_random` draws from the open allowed mentors by rank, counting them as the open
  mentors minus the few a reporting line excludes (a Fenwick tree over open mentors);
* :func:`assign_dense` and :func:`assign_candidates` solve the assignment problem exactly, or
  over a candidate graph that column generation grows where the matching's dual prices say a
  pair gains (:func:`grow_and_resolve`).
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_right
from collections import deque

import numpy as np

from sim import kernels
from sim.program.pairing.candidates import Frontier
from sim.program.pairing.scores import BLOCK_ENTRIES, Scorer

Assignment = dict[int, tuple[int, ...]]
"""Mentee position -> mentor positions."""

BATCH_ROWS = 64
"""Mentees whose lists are computed together (serial dictatorship, best pair first)."""

PROPOSER_ROWS = 32
"""Mentees due a new list that deferred acceptance lists together."""

GREEDY_START = 32
"""Entries of a mentee's list in :func:`greedy` (a list is remade when its mentors fill up)."""

TOP_K = 1
"""Best mentors per mentee in ``optimal``'s first candidate graph (plus its serial partner);
column generation adds the rest (:func:`grow_and_resolve`)."""

PRICE_ROUNDS = 4
"""Rounds of column generation on ``optimal``'s candidate graph (:func:`grow_and_resolve`)."""

PRICE_WINDOW = 256
"""Mentors of the graph, in price order, that :func:`priced_edges` prices each mentee against."""

PRICE_ADD = 10
"""Most edges :func:`priced_edges` adds per mentee and round."""

PRICE_STEPS = 64
"""Most relaxation steps of :func:`graph_prices`."""

PRICE_BAND = 512
"""Mentors, in price order, of one band of :func:`solve_in_bands`."""

EXACT_LIMIT = 1 << 21
"""Largest mentees x (mentors x capacity + mentees) that ``optimal`` solves exactly (dense)."""


# --------------------------------------------------------------------------------------------
# Capacity shared by the indexes of one policy
# --------------------------------------------------------------------------------------------


class Seats:
    """Capacity left per mentor; tells every attached index when a mentor fills up.

    Args:
        capacity: Capacity per mentor position (copied).
    """

    def __init__(self, capacity: np.ndarray) -> None:
        self.left = np.array(capacity, dtype=np.int64, copy=True)
        self.watchers: list = []

    def take(self, cols) -> None:
        """One more mentee for each of ``cols`` (distinct mentor positions)."""
        for c in cols:
            self.left[c] -= 1
            if self.left[c] <= 0:
                for watcher in self.watchers:
                    watcher.close(c)

    def open_(self) -> np.ndarray:
        """Mask of mentors with capacity left."""
        return self.left > 0

    def index(self, sc: Scorer, only: str | None = None) -> Frontier:
        """A :class:`Frontier` of the open mentors, kept up to date as they fill."""
        index = Frontier(sc, only, live=self.open_())
        self.watchers.append(index)
        return index


def _batches(order: np.ndarray):
    for a in range(0, len(order), BATCH_ROWS):
        yield order[a : a + BATCH_ROWS]


def _first_open(cols: np.ndarray, seats: Seats, count: int, skip=()) -> list[int]:
    """The first ``count`` entries of ``cols`` with capacity left, not in ``skip``."""
    ok = cols[cols >= 0]
    ok = ok[seats.left[ok] > 0]
    return [c for c in ok.tolist() if c not in skip][:count]


# --------------------------------------------------------------------------------------------
# Serial dictatorship, boards
# --------------------------------------------------------------------------------------------


def serial(index: Frontier, order: np.ndarray, seats: Seats, count: int, out: Assignment):
    """Mentees in ``order`` each take their ``count`` best mentors with capacity left, or none.

    The ``i``-th mentee of a batch (from 0) is listed its ``(i + 1) x count`` best mentors:
    the mentees before it in the batch fill at most ``i x count`` of them, so its first open
    entries are its best open mentors. (One length for the whole batch, ``batch x count``,
    gives the same pairs; lists of a mentee's own length let the search stop sooner.)
    """
    for block in _batches(np.asarray(order, dtype=np.int64)):
        cols = index.top(block, np.arange(1, len(block) + 1) * count)[0]
        for r, row in zip(block.tolist(), cols, strict=True):
            chosen = _first_open(row, seats, count)
            if len(chosen) == count:
                seats.take(chosen)
                out[r] = tuple(chosen)


def board_order(index: Frontier, m: int, g: int) -> np.ndarray:
    """Mentees by the total of their ``g`` best values, highest first, ties by position."""
    best = np.full(m, -np.inf)
    if g <= index.sc.n:
        for block in _batches(np.arange(m)):
            best[block] = index.top(block, g)[1].sum(axis=1)  # summed best first
    return np.lexsort((np.arange(m), -best))


def boards_favouring(
    preferred: Frontier, others: Frontier, order: np.ndarray, seats: Seats, g: int
) -> Assignment:
    """Boards of ``g``: the best open mentors of ``preferred`` first, completed from ``others``.

    As in :func:`serial`, the ``i``-th mentee of a batch is listed its ``(i + 1) x g`` best of
    ``preferred``, and its ``(i + 2) x g`` best of ``others`` (its own board may take ``g``
    of those too).
    """
    out: Assignment = {}
    for block in _batches(np.asarray(order, dtype=np.int64)):
        ahead = np.arange(1, len(block) + 1)
        first_cols = preferred.top(block, ahead * g)[0]
        other_cols = others.top(block, (ahead + 1) * g)[0]
        for t, r in enumerate(block.tolist()):
            board = _first_open(first_cols[t], seats, g)
            board += _first_open(other_cols[t], seats, g - len(board), skip=set(board))
            if len(board) == g:
                seats.take(board)
                out[r] = tuple(board)
    return out


# --------------------------------------------------------------------------------------------
# Greedy: best pair first
# --------------------------------------------------------------------------------------------


def greedy(
    sc: Scorer, rows: np.ndarray, capacity: np.ndarray, only: str | None = None
) -> tuple[Assignment, dict[int, float]]:
    """Repeatedly form the best remaining (mentee, mentor) pair; ties by mentee, then mentor.

    Lazy greedy: a heap holds, per mentee, an upper bound of the score of its best open
    mentor (at first the frontier's bound, with no list made). When the mentee on top holds its
    exact best score (the first open mentor of its list, a list of its best open mentors when
    it was made), no remaining pair beats it, and the pair is formed for good; a mentor that
    fills up leaves the frontier, so later lists skip it. Otherwise the mentee's value is
    refreshed and it goes back. A mentee whose list ran out goes back with the score of its
    list's last entry (which bounds every mentor it did not list), and gets a new list only
    when it is on top again, together with the other such mentees near the top.

    Args:
        sc: The problem.
        rows: Mentee positions taking part.
        capacity: Capacity left per mentor position (0: takes no one).
        only: Mentor restriction of :class:`Frontier`.

    Returns:
        The pairs, and each pair's score.
    """
    lists = _GreedyLists(Frontier(sc, only, live=capacity > 0), capacity)
    heap = lists.start(np.asarray(rows, dtype=np.int64))  # lists push onto it as they are made
    pairs: Assignment = {}
    scores: dict[int, float] = {}
    while heap:
        key, r = heap[0]
        value = lists.head_value(r)
        if value is None:  # no list, or it ran out: remake it once nothing else comes first
            if lists.rest[r] == -np.inf:  # no mentor left
                heapq.heappop(heap)
            elif lists.rest[r] < -key:
                heapq.heapreplace(heap, (-lists.rest[r], r))
            else:
                lists.relist(_run_out(heap, lists))
        elif value == -key:  # exact and no other pair is better: form it
            heapq.heappop(heap)
            pairs[r], scores[r] = (lists.take(r),), value
        else:
            heapq.heapreplace(heap, (-value, r))
    return pairs, scores


def _run_out(heap: list, lists: _GreedyLists) -> list[int]:
    """Pop the top of the heap until :data:`BATCH_ROWS` mentees due a new list are found.

    A mentee is due one when its list ran out and the bound of its unlisted mentors is its
    key. Others go back with their exact value or that bound; mentees with no mentor left
    are dropped. Returns the mentees due a list (they go back when it is made).
    """
    out: list[int] = []
    back: list[tuple[float, int]] = []
    for _ in range(4 * BATCH_ROWS):
        if not heap or len(out) == BATCH_ROWS:
            break
        key, r = heapq.heappop(heap)
        value = lists.head_value(r)
        if value is not None:
            back.append((-value, r))
        elif lists.rest[r] == -key:
            out.append(r)
        elif lists.rest[r] > -np.inf:
            back.append((-lists.rest[r], r))
    for item in back:
        heapq.heappush(heap, item)
    return out


class _GreedyLists:
    """Each mentee's list of its best open mentors (see :func:`greedy`).

    Args:
        index: The mentors taking part, open ones live.
        capacity: Capacity per mentor position (copied; counts down as pairs form).

    Attributes:
        rest: Per mentee, a bound of its mentors not listed (-inf when the list holds them all).
    """

    def __init__(self, index: Frontier, capacity: np.ndarray) -> None:
        self.index = index
        self.left = np.array(capacity, dtype=np.int64, copy=True)
        self.cols: dict[int, list[int]] = {}
        self.vals: dict[int, list[float]] = {}
        self.ptr: dict[int, int] = {}
        self.rest: dict[int, float] = {}
        self.heap: list = []

    def start(self, rows: np.ndarray) -> list[tuple[float, int]]:
        """The heap of ``rows`` keyed by a bound of their best value (no lists yet)."""
        bound = self.index.bound(rows).tolist()
        for r, b in zip(rows.tolist(), bound, strict=True):
            self.cols[r], self.vals[r], self.ptr[r], self.rest[r] = [], [], 0, b
        self.heap = [(-b, r) for r, b in zip(rows.tolist(), bound, strict=True)]
        heapq.heapify(self.heap)
        return self.heap

    def relist(self, rows: list[int]) -> None:
        """New lists for ``rows``, which go (back) on the heap with their best value."""
        if not rows:
            return
        k = max(1, min(GREEDY_START, self.index.sc.n))
        cols, vals, complete = self.index.top(np.asarray(rows, dtype=np.int64), k)
        for t, r in enumerate(rows):
            ok = cols[t] >= 0
            self.cols[r], self.vals[r] = cols[t][ok].tolist(), vals[t][ok].tolist()
            self.ptr[r] = 0
            self.rest[r] = -np.inf if complete[t] else self.vals[r][-1]
            if self.vals[r]:
                heapq.heappush(self.heap, (-self.vals[r][0], r))

    def head_value(self, r: int) -> float | None:
        """Value of ``r``'s first listed mentor with capacity left; None if its list ran out."""
        cols, p, left = self.cols[r], self.ptr[r], self.left
        while p < len(cols) and left[cols[p]] <= 0:
            p += 1
        self.ptr[r] = p
        return self.vals[r][p] if p < len(cols) else None

    def take(self, r: int) -> int:
        """Pair ``r`` with its first open listed mentor; returns the mentor."""
        c = self.cols[r][self.ptr[r]]
        self.left[c] -= 1
        if self.left[c] == 0:
            self.index.close(c)
        return c


# --------------------------------------------------------------------------------------------
# Deferred acceptance
# --------------------------------------------------------------------------------------------


class _Acceptance:
    """Which mentors would accept a proposal now: free capacity, or a worse mentee held.

    A full mentor's threshold is the (preference, -mentee) key of the worst mentee it holds;
    an open mentor's is -inf. Thresholds only rise, so a mentor that would refuse a mentee now
    refuses it for good.

    Mentors rank mentees by :meth:`Scorer.preference`.

    Args:
        index: The mentors.
    """

    def __init__(self, index: Frontier) -> None:
        self.index = index
        n = len(index.where)  # every mentor position
        self.pref = np.full(n, -np.inf)  # by mentor position
        self.row = np.full(n, -1, dtype=np.int64)
        self.member_pref = np.full(len(index.order), -np.inf)  # the same by member
        self.member_row = np.full(len(index.order), -1, dtype=np.int64)
        self._most: np.ndarray | None = None

    def set(self, position: int, key: tuple[float, int] | None) -> None:
        """Mentor ``position``'s threshold becomes ``key`` (None: it has room)."""
        self.pref[position], self.row[position] = (-np.inf, -1) if key is None else key
        at = self.index.where[position]
        if at >= 0:
            self.member_pref[at], self.member_row[at] = self.pref[position], self.row[position]

    def refuses(self, rows: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Mask of aligned (mentee, member) pairs in which the mentor surely refuses.

        A mentee's preference is its level plus a mean skill gap that is at most its mean
        experience skill above the least experienced mentor's, so a mentor holding a mentee it
        prefers more than that refuses it.
        """
        return self.most()[rows] < self.pref[self.index.order[idx]]

    def most(self) -> np.ndarray:
        """Per mentee, the most any mentor can prefer it (see :meth:`refuses`; computed once)."""
        if self._most is None:
            sc = self.index.sc
            floor = sc.mentor_exp.min(axis=1, initial=np.inf)[:, None] if sc.n else 0.0
            gap = np.maximum(sc.mentee_exp - floor, 0.0).mean(axis=0) if len(sc.mentee_exp) else 0.0
            self._most = sc.mentee_level + gap + sc.margin
        return self._most

    def held(self) -> tuple[np.ndarray, np.ndarray]:
        """Per member of the frontier, the threshold's preference and mentee (the arrays)."""
        return self.member_pref, self.member_row

    def members(self, rows: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Mask of aligned (mentee, member) pairs in which the mentor would accept."""
        pos = self.index.order[idx]
        pref = self.index.sc.preference(rows, idx)
        held = self.pref[pos]
        return (pref > held) | ((pref == held) & (rows < self.row[pos]))


def deferred_acceptance(
    sc: Scorer,
    index: Frontier,
    capacity: np.ndarray,
    order: np.ndarray,
) -> Assignment:
    """Mentee-proposing deferred acceptance with mentor capacity (Gale & Shapley 1962).

    Mentees propose to their best mentor (by the index's value, ties by position) among those
    that would accept them now; a mentor over capacity rejects its least preferred mentee
    (ties to the lower position), who proposes again. Proposals the standard algorithm would
    have rejected at once are skipped, and the outcome of deferred acceptance does not depend
    on the order of proposals: this is the mentee-optimal stable matching. ``order`` only
    makes later rejections rare. The proposals go depth first: a rejected mentee proposes
    next, and a mentee given a new list proposes as soon as it is made, while the mentors on
    it still accept (:func:`sim.kernels.proposals` says why). Where the frontier answers with
    the compiled loop, the proposals run compiled as well (:class:`_Pool`), with the same
    outcome.

    Args:
        sc: The problem.
        index: Every mentor that takes part (none closed).
        capacity: Capacity per mentor position.
        order: Mentee positions in the order they first propose.

    Returns:
        The pairs.
    """
    accept = _Acceptance(index)
    if index.compiled:
        return _Pool(sc, index, accept, capacity).run(order)
    lists = _Lists(sc, index, accept)
    held: dict[int, list[tuple[float, int]]] = {}
    for rows, close in _by_level(sc, accept, order):
        queue = deque(rows.tolist())
        waiting: list[int] = []  # mentees whose lists are used up, relisted together
        while queue or waiting:
            if waiting and (len(waiting) >= PROPOSER_ROWS or not queue):
                lists.relist(waiting)
                queue.extendleft(reversed(waiting))
                waiting = []
            r = queue.popleft()
            if r not in lists.cols:  # no list yet
                waiting.append(r)
                continue
            at = lists.walk(r)
            if at >= 0:
                c, pref = lists.cols[r][at], lists.prefs[r][at]
                _hold(r, c, pref, accept, held, capacity, queue)
            elif not lists.complete[r]:
                waiting.append(r)  # every listed mentor filled up meanwhile: a longer list
        if close:  # the mentors it filled refuse every mentee still to come
            for c, heap in held.items():
                if len(heap) >= capacity[c]:
                    index.close(c)
    return {-neg: (c,) for c, heap in held.items() for _, neg in heap}


def _by_level(sc: Scorer, accept: _Acceptance, order: np.ndarray):
    """``order`` in runs of one level, each with whether its full mentors may then close.

    Every mentor prefers a mentee of a higher level to any of a lower one unless the experience
    term could make up the difference (:meth:`_Acceptance.most` says when it cannot): then a
    mentor filled by the levels done refuses every mentee still to come, and it may leave the
    frontier, so that their lists no longer pass it. The outcome of deferred acceptance does
    not depend on the order of proposals, so proposing level by level changes nothing else.
    """
    order = np.asarray(order, dtype=np.int64)
    level, most = sc.mentee_level[order], accept.most()[order]
    begin = 0
    for end in [*(np.flatnonzero(level[1:] != level[:-1]) + 1).tolist(), len(order)]:
        yield order[begin:end], bool(most[end:].max(initial=-np.inf) < level[:end].min())
        begin = end


LIST_START = 4 * PROPOSER_ROWS
"""Entries of a mentee's first list of acceptable mentors in deferred acceptance."""

LIST_GROWTH = 2
"""Factor by which a mentee's next list is longer when it used up the last one."""

LIST_MOST = 8 * LIST_START
"""Longest list of one mentee (bounds a relist's temporary arrays: under 100 bytes per entry
of a batch of :data:`PROPOSER_ROWS` mentees, under 3.2 MiB)."""


def _next_size(last: np.ndarray) -> np.ndarray:
    """A mentee's next list length after lists of length ``last`` (0: it has none yet)."""
    return np.where(last == 0, LIST_START, np.minimum(last * LIST_GROWTH, LIST_MOST))


class _Lists:
    """Mentees' lists of the mentors that would accept them, walked in order.

    Used by :func:`deferred_acceptance`.
    A list holds a mentee's ``k`` best mentors among those that would accept it when it was
    made, in compact arrays: 12 bytes an entry where Python lists of numbers take about 100.
    Every mentee keeps its list (it may be rejected later), so at 1,000,000 employees the
    lists hold tens of millions of entries. Thresholds only rise, so an entry that would
    refuse the mentee now refuses it for good, and the first entry that would still accept it
    is its best acceptable mentor. A mentee that used up its list gets a new one,
    :data:`LIST_GROWTH` times longer, so that a mentee deep down everyone's shared favourites
    is listed a few times, not once per :data:`PROPOSER_ROWS` mentors filled.
    """

    def __init__(self, sc: Scorer, index: Frontier, accept: _Acceptance):
        self.sc, self.index, self.accept = sc, index, accept
        self.cols: dict[int, array] = {}  # mentor positions, best first
        self.prefs: dict[int, array] = {}  # each mentor's preference for the mentee
        self.ptr: dict[int, int] = {}
        self.size: dict[int, int] = {}
        self.complete: dict[int, bool] = {}

    def relist(self, rows: list[int]) -> None:
        """New, longer lists for ``rows``."""
        if not rows:
            return
        sizes = _next_size(np.array([self.size.get(r, 0) for r in rows])).tolist()
        self.size.update(zip(rows, sizes, strict=True))
        k = max(1, min(max(sizes), self.sc.n))
        block = np.asarray(rows, dtype=np.int64)
        cols, _, complete = self.index.top(block, k, self.accept)
        prefs = self.sc.preference(np.repeat(block, k).reshape(cols.shape), np.maximum(cols, 0))
        code = "i" if self.sc.n <= np.iinfo(np.intc).max else "q"  # positions fit 32 bits
        for t, r in enumerate(rows):
            ok = cols[t] >= 0
            self.cols[r], self.prefs[r] = _packed(code, cols[t][ok]), _packed("d", prefs[t][ok])
            self.ptr[r], self.complete[r] = 0, bool(complete[t])

    def walk(self, r: int) -> int:
        """Move ``r``'s pointer to its first listed mentor that would accept it; -1 if none."""
        cols, prefs, p, a = self.cols[r], self.prefs[r], self.ptr[r], self.accept
        while p < len(cols):
            c = cols[p]
            if prefs[p] > a.pref[c] or (prefs[p] == a.pref[c] and r < a.row[c]):
                break
            p += 1
        self.ptr[r] = p
        return p if p < len(cols) else -1


class _Pool:
    """:func:`deferred_acceptance` with its lists in flat arrays and its proposals compiled.

    Where the frontier answers with the compiled loop, the proposals run in
    :func:`sim.kernels.proposals` (the same walk and holds, one loop of machine code); only the
    lists are made here, :data:`PROPOSER_ROWS` waiting mentees at a time, by the same rule as
    :class:`_Lists`. Each list is appended to one array; the entries already walked are
    dropped when it is full. A new list's query skips the mentors known to refuse: those
    ranked at or above the last mentor of the used-up list (the query's ``ceiling``).
    """

    def __init__(self, sc: Scorer, index: Frontier, accept: _Acceptance, capacity: np.ndarray):
        self.sc, self.index, self.accept = sc, index, accept
        m, n = sc.m, sc.n
        capacity = np.asarray(capacity, dtype=np.int64)
        offset = np.cumsum(capacity) - capacity
        self.size = np.zeros(m, dtype=np.int64)  # each mentee's last list length
        self.last = np.full(m, -1, dtype=np.int64)  # the last mentor of its last list
        self.used = 0  # entries of the arrays in use
        self.state = kernels.ProposalState(
            cols=np.zeros(0, dtype=np.int32),
            mentor_exp=np.ascontiguousarray(sc.mentor_exp.T),  # read one mentor at a time
            mentee_exp=sc.mentee_exp,
            level=sc.mentee_level,
            ptr=np.zeros(m, dtype=np.int64),
            end=np.zeros(m, dtype=np.int64),
            complete=np.zeros(m, dtype=bool),
            capacity=capacity,
            offset=offset,
            count=np.zeros(n, dtype=np.int64),
            held_pref=np.zeros(int(capacity.sum())),
            held_row=np.full(int(capacity.sum()), -1, dtype=np.int64),
            threshold=accept.pref,
            threshold_row=accept.row,
            member=index.where,
            member_threshold=accept.member_pref,
            member_threshold_row=accept.member_row,
            queue=np.zeros(m + 1, dtype=np.int64),
            ends=np.zeros(2, dtype=np.int64),
        )

    def run(self, order: np.ndarray) -> Assignment:
        """Propose in ``order`` until every mentee holds a mentor or has none left.

        Level by level (:func:`_by_level`): full mentors that no mentee still to come can
        win leave the frontier.
        """
        for rows, close in _by_level(self.sc, self.accept, order):
            self._enqueue(rows)
            while len(waiting := kernels.proposals(self.state, PROPOSER_ROWS)):
                self.relist(waiting)
                self._enqueue(waiting, front=True)  # they propose next, with fresh lists
            if close:  # the mentors it filled refuse every mentee still to come
                s = self.state
                for c in np.flatnonzero(s.count == s.capacity).tolist():
                    self.index.close(c)
        s = self.state
        return {
            int(r): (c,)
            for c in np.flatnonzero(s.count).tolist()
            for r in s.held_row[s.offset[c] : s.offset[c] + s.count[c]].tolist()
        }

    def _enqueue(self, rows: np.ndarray, front: bool = False) -> None:
        """``rows`` join the queue, in order: at its back, or at its front (``front``)."""
        queue, ends = self.state.queue, self.state.ends
        start = ends[0] - len(rows) if front else ends[1]
        queue[(start + np.arange(len(rows))) % len(queue)] = rows
        if front:
            ends[0] = start % len(queue)
        else:
            ends[1] = (start + len(rows)) % len(queue)

    def relist(self, rows: np.ndarray) -> None:
        """New, longer lists for ``rows`` (as :meth:`_Lists.relist`)."""
        self.size[rows] = _next_size(self.size[rows])
        k = max(1, min(int(self.size[rows].max()), self.sc.n))
        # every mentor ranked at or above a used-up list's last refuses the mentee for good:
        # listed, it was walked past or rejected it; not listed, it refused it already
        last = self.last[rows]
        above = np.where(last >= 0, self.sc.match(rows, np.maximum(last, 0)), np.inf)
        cols, _, complete = self.index.top(rows, k, self.accept, ceiling=(above, last))
        ok = cols >= 0  # each row's mentors come first
        counts = ok.sum(axis=1)
        self.last[rows] = np.where(counts > 0, cols[np.arange(len(rows)), counts - 1], -1)
        total = int(counts.sum())
        self._room(total)
        s, first = self.state, self.used + np.cumsum(counts) - counts
        s.cols[self.used : self.used + total] = cols[ok]
        s.ptr[rows], s.end[rows] = first, first + counts
        s.complete[rows] = complete
        self.used += total

    def _room(self, need: int) -> None:
        """Room for ``need`` more entries: the unwalked entries moved to the front, or more."""
        s = self.state
        if self.used + need <= len(s.cols):
            return
        length = s.end - s.ptr
        live = int(length.sum())
        cols = s.cols if 2 * (live + need) <= len(s.cols) else np.zeros(2 * (live + need), np.int32)
        at, rows = 0, np.flatnonzero(length)
        for r in rows[np.argsort(s.ptr[rows], kind="stable")].tolist():  # in place: in order,
            p, size = int(s.ptr[r]), int(length[r])  # each list moves to or before its place
            cols[at : at + size] = s.cols[p : p + size]
            s.ptr[r] = at
            s.end[r] = at + size
            at += size
        s.ptr[length == 0] = s.end[length == 0] = 0
        self.state, self.used = s._replace(cols=cols), live


def _packed(code: str, values: np.ndarray) -> array:
    """``values`` in a compact Python array of type ``code`` (read item by item as fast as a list)."""
    out = array(code)
    out.frombytes(np.ascontiguousarray(values, dtype=np.dtype(code)).tobytes())
    return out


def _hold(r: int, c: int, pref: float, accept: _Acceptance, held, capacity, queue) -> None:
    """Mentor ``c`` holds mentee ``r`` (who it accepts), rejecting its worst if over capacity."""
    heap = held.setdefault(c, [])
    heapq.heappush(heap, (pref, -r))
    if len(heap) > capacity[c]:  # the rejected mentee proposes next (see kernels.proposals)
        queue.appendleft(-heapq.heappop(heap)[1])
    if len(heap) >= capacity[c]:
        accept.set(c, (heap[0][0], -heap[0][1]))


# --------------------------------------------------------------------------------------------
# Random draws
# --------------------------------------------------------------------------------------------


class _OpenSet:
    """Open mentor positions with the k-th one found in O(log n) (a Fenwick tree)."""

    def __init__(self, open_: np.ndarray) -> None:
        n = len(open_)
        total = np.concatenate([[0], np.cumsum(open_, dtype=np.int64)])
        i = np.arange(1, n + 1)
        self.tree = [0, *(total[i] - total[i - (i & -i)]).tolist()]
        self.n, self.count = n, int(total[-1])
        self.high = 1 << (n.bit_length() - 1) if n else 0

    def close(self, position: int) -> None:
        """Remove an open position."""
        i = position + 1
        while i <= self.n:
            self.tree[i] -= 1
            i += i & -i
        self.count -= 1

    def kth(self, k: int) -> int:
        """The ``k``-th (0-based) open position."""
        pos, rest, step, tree = 0, k + 1, self.high, self.tree
        while step:
            nxt = pos + step
            if nxt <= self.n and tree[nxt] < rest:
                pos, rest = nxt, rest - tree[nxt]
            step >>= 1
        return pos

    def kth_except(self, k: int, skip: list[int]) -> int:
        """The ``k``-th open position not in ``skip`` (sorted open positions)."""
        t = k
        while True:  # t = k + (skipped positions up to the answer): a fixed point, from below
            p = self.kth(t)
            nxt = k + bisect_right(skip, p)
            if nxt == t:
                return p
            t = nxt


def draw_random(sc: Scorer, order: np.ndarray, seats: Seats, count: int, rng) -> Assignment:
    """Mentees in ``order`` each get ``count`` uniformly random distinct open allowed mentors.

    The draw is the one a full row would give: a rank among the open allowed mentors in
    position order (``rng.integers`` for one, ``rng.choice`` without replacement for several),
    from exactly as many of them; none if there are fewer than ``count``.
    """
    pointer, banned = sc.disallowed()
    open_set = _OpenSet(seats.open_())
    seats.watchers.append(open_set)
    out: Assignment = {}
    for r in np.asarray(order).tolist():
        skip = banned[pointer[r] : pointer[r + 1]]
        skip = skip[seats.left[skip] > 0].tolist()
        size = open_set.count - len(skip)
        if size < count:
            continue
        ranks = rng.choice(size, size=count, replace=False) if count > 1 else [rng.integers(size)]
        chosen = [open_set.kth_except(int(k), skip) for k in ranks]
        seats.take(chosen)
        out[r] = tuple(chosen)
    return out


# --------------------------------------------------------------------------------------------
# Assignment: exact (dense) and over a candidate graph (sparse)
# --------------------------------------------------------------------------------------------


def assign_dense(sc: Scorer, capacity: np.ndarray) -> Assignment:
    """Exact maximum-score assignment by a dense linear sum assignment.

    Each mentor column is repeated ``capacity[c]`` times, plus one zero-score dummy column per
    mentee (leaving a mentee out scores 0); disallowed pairs score below every dummy, so they
    are never chosen (and are dropped if they ever were).
    """
    rows, cols = np.arange(sc.m)[:, None], np.arange(sc.n)[None, :]
    vals, ok = sc.match(rows, cols), sc.allowed(rows, cols)
    forbidden = -1.0 - float(np.abs(vals).max(initial=0.0))
    real = np.repeat(np.where(ok, vals, forbidden), capacity, axis=1)
    from scipy.optimize import linear_sum_assignment  # here: only the exact policies need it

    r_ind, c_ind = linear_sum_assignment(np.hstack([real, np.zeros((sc.m, sc.m))]), maximize=True)
    column_mentor = np.repeat(np.arange(sc.n), capacity)
    used = c_ind < len(column_mentor)
    r_ind, cols = r_ind[used], column_mentor[c_ind[used]]
    keep = ok[r_ind, cols]
    return {int(r): (int(c),) for r, c in zip(r_ind[keep], cols[keep], strict=True)}


def assign_candidates(sc: Scorer, capacity: np.ndarray) -> Assignment:
    """Maximum-score assignment over a candidate graph (large problems).

    Candidates of a mentee: its :data:`TOP_K` best allowed mentors, plus its partner in a
    serial assignment that serves mentees in order of their best score, highest first, each
    taking its best open mentor. That assignment lies in the graph, so the graph always holds
    a full assignment and the result never scores below it. The graph is solved exactly
    (:func:`solve_sparse`), then grown where its prices say it gains and solved again
    (:func:`grow_and_resolve`, :data:`PRICE_ROUNDS` rounds), never lowering the total.
    """
    rows = np.arange(sc.m)
    k = min(TOP_K, sc.n)
    index = Frontier(sc)
    cols, vals = np.full((sc.m, k), -1, dtype=np.int64), np.full((sc.m, k), -np.inf)
    for block in _batches(rows):
        cols[block], vals[block], _ = index.top(block, k)
    backbone: Assignment = {}
    seats = Seats(capacity)
    serial(seats.index(sc), np.lexsort((rows, -vals[:, 0])), seats, 1, backbone)
    b_rows = np.array(sorted(backbone), dtype=np.int64)
    b_cols = np.array([backbone[r][0] for r in b_rows.tolist()], dtype=np.int64)
    e_rows = np.concatenate([np.repeat(rows, k), b_rows])
    e_cols = np.concatenate([cols.ravel(), b_cols])
    e_score = np.concatenate([vals.ravel(), sc.match(b_rows, b_cols)])
    keep = e_cols >= 0
    edges = e_rows[keep], e_cols[keep], e_score[keep]
    out = solve_sparse(sc, *edges, capacity)
    for _ in range(PRICE_ROUNDS):
        edges, out, added = grow_and_resolve(sc, capacity, edges, out)
        if not added:
            break
    return out


def grow_and_resolve(
    sc: Scorer, capacity: np.ndarray, edges, out: Assignment, *, band: int | None = None
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], Assignment, int]:
    """One round of column generation: ``(edges, assignment, edges added)``.

    ``out`` is a matching that is optimal, or nearly, over ``edges`` (rows, cols, scores). The
    round prices it (:func:`graph_prices`), adds the edges that gain at those prices
    (:func:`priced_edges`) and solves the grown graph again, in price bands
    (:func:`solve_in_bands`, ``band`` mentors each, :data:`PRICE_BAND` by default), which
    never lowers the total. With no edge added, ``out`` is returned as it is.
    """
    rows, cols, score = edges
    u, v = graph_prices(sc, capacity, rows, cols, score, out)
    ladder = price_ladder(cols, v)
    if not len(ladder):
        return edges, out, 0
    a_rows, a_cols, a_score = priced_edges(sc, rows, cols, u, v, out, ladder)
    if not len(a_rows):
        return edges, out, 0
    rows = np.concatenate([rows, a_rows])
    cols = np.concatenate([cols, a_cols])
    score = np.concatenate([score, a_score])  # the new edges' mentors are on the ladder
    out = solve_in_bands(sc, rows, cols, score, capacity, out, ladder, band or PRICE_BAND)
    return (rows, cols, score), out, len(a_rows)


def graph_prices(
    sc: Scorer, capacity: np.ndarray, rows, cols, score, out: Assignment
) -> tuple[np.ndarray, np.ndarray]:
    """Dual prices of a matching over a graph: ``(u, v)``, one per mentee and one per mentor.

    The linear program of the assignment has one price ``v[j] >= 0`` per mentor (0 while it
    has a free seat) and one share ``u[i] >= 0`` per mentee; for a matching that is optimal
    over the graph there are prices with ``u[i] + v[j] >= score`` on every edge and equality
    on the matched ones. Of those, these are the mentors' highest: ``u`` starts at 0, then in
    turn each full mentor's price becomes the least that its pairs leave it (``score - u`` of
    its mentees) and each mentee's share the most it could get from an edge at those prices
    (0 at least). ``u`` only rises; it stops when nothing changes (one step per link of the
    longest chain of trades in the graph) or after :data:`PRICE_STEPS` steps, short of the
    fixed point then, which only leaves the prices a rougher guide for :func:`priced_edges`.
    """
    u, v = np.zeros(sc.m), np.zeros(sc.n)
    if not out:
        return u, v
    m_rows, m_cols = _pair_arrays(out)
    m_score = sc.match(m_rows, m_cols)
    full = np.bincount(m_cols, minlength=sc.n) >= capacity
    by_col = np.argsort(m_cols, kind="stable")
    col_start = np.flatnonzero(np.r_[True, np.diff(m_cols[by_col]) != 0])
    owner = m_cols[by_col][col_start]
    by_row = np.argsort(rows, kind="stable")
    rows_s, cols_s, score_s = rows[by_row], cols[by_row], score[by_row]
    row_start = np.flatnonzero(np.r_[True, np.diff(rows_s) != 0])
    for _ in range(PRICE_STEPS):
        left = np.minimum.reduceat((m_score - u[m_rows])[by_col], col_start)
        v = np.zeros(sc.n)
        v[owner] = np.where(full[owner], np.maximum(left, 0.0), 0.0)
        best = np.zeros(sc.m)
        best[rows_s[row_start]] = np.maximum.reduceat(score_s - v[cols_s], row_start)
        best = np.maximum(best, 0.0)
        if np.array_equal(best, u):
            break
        u = best
    return u, v


def _pair_arrays(out: Assignment) -> tuple[np.ndarray, np.ndarray]:
    """(mentee, mentor) positions of every pair, mentees in order."""
    pairs = [(r, c) for r in sorted(out) for c in out[r]]
    return np.array(pairs, dtype=np.int64).reshape(-1, 2).T


def price_ladder(cols: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The graph's mentors by price, cheapest first (ties by position)."""
    graph = np.unique(cols)
    return graph[np.lexsort((graph, v[graph]))]


def _ladder_where(sc: Scorer, ladder: np.ndarray) -> np.ndarray:
    """Each mentor's place on the ladder (mentors off it: 0, unused)."""
    where = np.zeros(sc.n, dtype=np.int64)
    where[ladder] = np.arange(len(ladder))
    return where


def _ladder_positions(sc: Scorer, where: np.ndarray, out: Assignment) -> np.ndarray:
    """Each mentee's mentor's place on the ladder (0, the cheapest end, when left out)."""
    mine = np.zeros(sc.m, dtype=np.int64)
    for r, c in out.items():
        mine[r] = where[c[0]]
    return mine


def priced_edges(
    sc: Scorer, rows, cols, u, v, out: Assignment, ladder: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges worth adding to a candidate graph: ``(rows, cols, scores)``.

    Column generation, as for any linear program: at the graph's prices ``(u, v)`` an edge
    ``(i, j)`` outside the graph can raise the total only if its reduced score
    ``score - u[i] - v[j]`` is positive; with none anywhere, the matching is optimal over every
    pair. Pricing every pair is the whole problem again, so each mentee is priced against the
    :data:`PRICE_WINDOW` mentors of the graph nearest its own mentor on the price ladder: a
    heuristic choice (mentees rank mentors much alike, so prices follow that common ranking and
    a gainful trade mostly swaps mentors of like price), which may miss a gainful edge. A
    mentee left out is priced against the cheapest. Its :data:`PRICE_ADD` allowed edges of
    largest positive reduced score are returned.
    """
    width = min(PRICE_WINDOW, len(ladder))
    k = min(PRICE_ADD, width)
    mine = _ladder_positions(sc, _ladder_where(sc, ladder), out)
    low = np.clip(mine - width // 2, 0, len(ladder) - width)
    add_r, add_c, add_s = [], [], []
    step = max(1, BLOCK_ENTRIES // width)
    for a in range(0, sc.m, step):
        block = np.arange(a, min(a + step, sc.m))
        c = ladder[low[block][:, None] + np.arange(width)[None, :]]
        r = np.broadcast_to(block[:, None], c.shape)
        s = sc.match(block[:, None], c)  # each mentee's skills read once, then broadcast
        gain = s - u[block][:, None] - v[c]
        i, j = np.nonzero(gain > 0)  # the rules are checked only where a pair would gain
        refused = ~sc.allowed(block[i], c[i, j])
        gain[gain <= 0] = -np.inf
        gain[i[refused], j[refused]] = -np.inf
        top = np.argpartition(-gain, k - 1, axis=1)[:, :k]
        ok = np.isfinite(np.take_along_axis(gain, top, axis=1))
        add_r.append(r[:, :k][ok])
        add_c.append(np.take_along_axis(c, top, axis=1)[ok])
        add_s.append(np.take_along_axis(s, top, axis=1)[ok])
    a_r, a_c, a_s = (np.concatenate(x) for x in (add_r, add_c, add_s))
    new = ~np.isin(a_r * sc.n + a_c, rows * sc.n + cols)  # an edge of the graph has no gain
    return a_r[new], a_c[new], a_s[new]


def solve_in_bands(
    sc: Scorer, rows, cols, score, capacity, out: Assignment, ladder: np.ndarray, band: int
) -> Assignment:
    """Re-solve a graph in bands of the price ladder, never lowering the total.

    One sparse matching of a large graph whose edges all nearly tie at the current prices
    is slow (its augmenting paths wander everywhere), and the trades that gain are between
    mentors of like price. So the ladder is cut into bands of ``band`` mentors; a band's
    problem holds the mentees whose mentor lies in it (those left out: the cheapest band) and
    their edges into it, and is solved exactly (:func:`solve_sparse`). Bands share no mentor,
    so their answers together are a matching; each band holds its mentees' current pairs, so
    none scores less than before. A second pass with bands shifted by half a band lets
    neighbouring bands trade.
    """
    where = _ladder_where(sc, ladder)
    for shift in (0, band // 2):
        mine = _ladder_positions(sc, where, out)
        row_band = (mine + shift) // band
        inside = row_band[rows] == (where[cols] + shift) // band
        order = np.argsort(row_band[rows[inside]], kind="stable")
        b_rows, b_cols, b_score = rows[inside][order], cols[inside][order], score[inside][order]
        starts, counts = np.unique(row_band[b_rows], return_index=True, return_counts=True)[1:]
        new: Assignment = {}
        for a, n in zip(starts.tolist(), counts.tolist(), strict=True):
            mentees, local = np.unique(b_rows[a : a + n], return_inverse=True)
            got = solve_sparse(
                _Rows(sc, mentees), local, b_cols[a : a + n], b_score[a : a + n], capacity
            )
            new.update((int(mentees[r]), c) for r, c in got.items())
        out = new
    return out


class _Rows:
    """A scorer's view of some of its mentees, as :func:`solve_sparse` needs it."""

    def __init__(self, sc: Scorer, mentees: np.ndarray) -> None:
        self.sc, self.mentees, self.m, self.n = sc, mentees, len(mentees), sc.n

    def allowed(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return self.sc.allowed(self.mentees[rows], cols)


def solve_sparse(
    sc: Scorer, rows: np.ndarray, cols: np.ndarray, score: np.ndarray, capacity: np.ndarray
) -> Assignment:
    """Maximum-score matching of the mentees over the given (possibly repeated) edges."""
    pair_key = np.unique(rows * sc.n + cols, return_index=True)[1]
    rows, cols, score = rows[pair_key], cols[pair_key], score[pair_key]
    uniq, inv = np.unique(cols, return_inverse=True)
    caps = capacity[uniq]
    n_cols = int(caps.sum())
    column_mentor = np.repeat(uniq, caps)
    copies = caps[inv]  # one edge per copy of the mentor
    first = np.repeat(np.cumsum(caps)[inv] - copies, copies)
    within = np.arange(int(copies.sum())) - np.repeat(np.cumsum(copies) - copies, copies)
    top = float(score.max(initial=0.0)) + 1.0
    e_rows = np.concatenate([np.repeat(rows, copies), np.arange(sc.m)])
    e_cols = np.concatenate([first + within, n_cols + np.arange(sc.m)])
    e_cost = np.concatenate([np.repeat(top - score, copies), np.full(sc.m, top)])
    import scipy.sparse as sp  # here: only the exact policies need scipy's matching
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    graph = sp.csr_matrix((e_cost, (e_rows, e_cols)), shape=(sc.m, n_cols + sc.m))
    r_ind, c_ind = min_weight_full_bipartite_matching(graph)
    used = c_ind < n_cols
    r_ind, mentor = r_ind[used], column_mentor[c_ind[used]]
    keep = sc.allowed(r_ind, mentor)
    return {int(r): (int(c),) for r, c in zip(r_ind[keep], mentor[keep], strict=True)}

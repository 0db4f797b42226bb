"""Speed tricks, in one place, each beside an oracle test (``tests/kernels/test_kernels.py``).

The mechanisms state the model as plain rules; the vector engine reaches its speed through the
few tricks below, and nothing else. Each gives the result of the plain computation it stands
for: exactly where it only reorders or skips work, in distribution where it draws differently
(then its test says so).

* :func:`bernoulli_below_bound`: chances worked out only for the draws that could succeed.
* :func:`bernoulli_indices`: which of n trials succeed, drawn as geometric gaps.
* :class:`NeighbourCounts`: how many current neighbours fall in each group, kept up to date from
  the rows that changed.
* :class:`NeighbourSums`: ``network @ values`` as ring shifts plus a small sparse rest.
* :func:`count_by_group`: adopters per group, counted over bit patterns in one pass.
* :func:`tie_counts`: ties, cross-generation and cross-group ties from the neighbour counts.
* :func:`positive_gap_mean_f32_blocks`: a pairing score's skill term for each mentee and its
  blocks of mentors, in float32, to rule out most of them before scoring the rest exactly.
* :func:`best_mentors`: each mentee's best usable mentors, exactly, as one loop over mentees,
  blocks and mentors that numba compiles (the optional ``fast`` extra) for large pairings; it
  gives the blocked numpy search's answer (:class:`~sim.program.pairing.candidates.Frontier`).
* :func:`proposals`: deferred acceptance's proposals and rejections as one compiled loop over
  arrays; it forms the holds of :func:`~sim.program.pairing.solvers.deferred_acceptance`'s
  Python loop (tested against it, and against a brute force, in ``tests/program``).

**Float32.** Sums over the network run in float32: the network is 0/1 and the summed values lie
in [0, 1] (skills, resistance) or are small whole numbers (counts, exact in float32 up to 2**24),
so seven significant digits are plenty for a mean over a few dozen neighbours, and half the
memory moves. Rules get float64 back where they combine these means with the state.

**Compiled.** Only :func:`best_mentors` and :func:`proposals` are compiled, and only where numba
is installed and the pool holds at least :data:`~sim.program.pairing.candidates.COMPILED_FROM`
mentors; numpy runs everywhere else. Their loops are plain Python that numba compiles as it
stands, so the tests run the same loops uncompiled as well. :func:`best_mentors`' rows share the
cores (``numba.prange``; ``NUMBA_NUM_THREADS`` sets how many); each row's answer is exact, so the
pairs are the same whatever the threads.

Nothing here imports the rest of the package: kernels take arrays.
"""

from __future__ import annotations

import importlib.util
import os
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:  # scipy.sparse is imported where it is used: importing this module stays light
    import scipy.sparse as sp

BOUND_SLACK = 1e-9
"""Relative slack added to an upper bound on chances, so that rounding never drops a success."""


# ---------------------------------------------------------------------- bounded Bernoulli draws


def bernoulli_below_bound(
    draws: np.ndarray,
    bound: float,
    chance: Callable[[np.ndarray], np.ndarray],
    eligible: np.ndarray | None = None,
) -> np.ndarray:
    """Flat indices ``i`` (increasing) with ``draws.flat[i] < chance(i)``, among the eligible.

    The plain rule computes every chance and compares it with its draw. A draw at or above an
    upper bound on every chance can never succeed, so the chance is computed only for the few
    draws below ``bound``: the same successes, from a fraction of the work.

    Args:
        draws: Uniform draws in [0, 1), any shape (read flat).
        bound: A number at least as large as every chance (slack for rounding is added here).
        chance: Maps flat indices to their chances (float64, same length).
        eligible: Optional boolean mask (same shape as ``draws``): only these may succeed.

    Returns:
        The flat indices of the successes, in increasing order.
    """
    flat = draws.reshape(-1)
    maybe = np.flatnonzero(flat < bound * (1.0 + BOUND_SLACK) + 1e-12)
    if eligible is not None:
        maybe = maybe[eligible.reshape(-1)[maybe]]
    if maybe.size == 0:
        return maybe
    return maybe[flat[maybe] < chance(maybe)]


def bernoulli_indices(n: int, p: float, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``n`` independent trials of chance ``p`` that succeed, in increasing order.

    Drawn as geometric gaps between successes (about ``n * p`` draws instead of ``n``
    uniforms); how many numbers are drawn depends only on ``n``, ``p`` and the stream, never on
    the state, so arms sharing a stream stay in step.
    """
    if n == 0 or p <= 0.0:
        return np.empty(0, dtype=np.int64)
    if p >= 1.0:
        return np.arange(n, dtype=np.int64)
    mean = n * p
    block = int(mean + 6.0 * np.sqrt(mean) + 16)
    last = np.cumsum(rng.geometric(p, block)) - 1
    parts = [last]
    while last[-1] < n - 1:  # rare: the first block fell short of the end
        last = last[-1] + np.cumsum(rng.geometric(p, block))
        parts.append(last)
    idx = np.concatenate(parts) if len(parts) > 1 else last
    return idx[: np.searchsorted(idx, n)]


# ---------------------------------------------------------------------- sums over the network


class NeighbourSums:
    """``network @ values`` for N x K float32 values, quicker on a ring-like network.

    Organizations are built with their slots laid out along the network's ring lattice (slot
    k tied to the ``ring_half`` slots on each side), so the network splits into the ring and
    the rest, ``network - ring``: +1 for ties the rewiring added, -1 for ring ties it removed
    (about a fifth of the ties). The ring part is a few shifted array additions, the rest a
    small sparse product: the same sums, added in another order (float32 rounding apart), in
    about 60% of the time. With ``ring_half = 0`` (a network with no ring, such as a roster's
    own ties) it is the plain sparse product.

    Args:
        network: Symmetric 0/1 adjacency (CSR, float32 data).
        ring_half: Half-width of the ring lattice the slots were laid out on (0: none).
    """

    def __init__(self, network: sp.csr_matrix, ring_half: int = 0) -> None:
        self.network = network
        n = network.shape[0]
        self.ring_half = ring_half if ring_half > 0 and n > 2 * ring_half + 1 else 0
        self._rest: sp.csr_matrix | None = None

    def __call__(self, values: np.ndarray) -> np.ndarray:
        """``network @ values``; 2-D float32 values take the ring path."""
        h = self.ring_half
        if h == 0 or values.ndim != 2:
            return self.network @ values
        out = self.rest @ values
        for o in range(1, h + 1):
            out[o:] += values[:-o]
            out[:o] += values[-o:]
            out[:-o] += values[o:]
            out[-o:] += values[:o]
        return out

    @property
    def rest(self) -> sp.csr_matrix:
        """The network less its ring lattice (built on first use)."""
        if self._rest is None:
            n, h = self.network.shape[0], self.ring_half
            k = np.arange(n)
            rows = np.tile(k, 2 * h)
            cols = np.concatenate([(k + s * o) % n for s in (1, -1) for o in range(1, h + 1)])
            import scipy.sparse as sp

            ring = sp.csr_matrix((np.ones(rows.size, np.float32), (rows, cols)), shape=(n, n))
            rest = (self.network - ring).tocsr()
            rest.eliminate_zeros()
            rest.sort_indices()
            self._rest = rest
        return self._rest


@dataclass(frozen=True)
class Counts:
    """Per slot, the number of current (alive) neighbours in each group (float32, exact).

    Read-only: the arrays are views into the counts kept for the next update.
    """

    alive: np.ndarray
    """Current neighbours."""
    seniors: np.ndarray
    """Current senior neighbours."""
    adopted: np.ndarray
    """N x T: current neighbours who have adopted each technology."""
    cohort: np.ndarray
    """N x C: current neighbours in each cohort."""
    underrepresented: np.ndarray
    """Current neighbours in the under-represented group."""


class NeighbourCounts:
    """Neighbour counts of a fixed network, updated from the rows that changed.

    Several mechanisms and outcomes need, per employee, the number of current neighbours who
    are senior, who have adopted a technology, who belong to a cohort, and so on: sparse
    products ``network @ indicator``. The indicators change for few employees in a week
    (departures, hires, promotions, new adopters), so the products are kept and, on each call,
    the network rows of only the employees whose indicators changed are added. The counts are
    exact (small integers held in float32), so they equal the full products bit for bit; when
    many rows changed they are recomputed in full.

    Args:
        network: Symmetric 0/1 adjacency (CSR), float32 data.
        n_cohorts: Number of cohort codes (cohorts are counted 0..n_cohorts - 1).
        full_share: Recompute in full when more than this share of rows changed.
    """

    def __init__(self, network: sp.csr_matrix, n_cohorts: int, full_share: float = 0.25) -> None:
        self.network = network
        self.n_cohorts = n_cohorts
        self.full_share = full_share
        self._x: np.ndarray | None = None
        self._sums: np.ndarray | None = None
        self._sources: tuple[np.ndarray, ...] | None = None  # the state arrays last counted
        self._counts: Counts | None = None

    def sums(self, x: np.ndarray) -> np.ndarray:
        """``network @ x.T`` (N x C) for 0/1 rows ``x`` (C x N), updated from the last call's.

        ``x`` is kept for the next call: do not change it afterwards.
        """
        x = np.asarray(x, dtype=bool)
        old = self._x
        if old is None or old.shape != x.shape:
            self._sums = self.network @ x.T.astype(np.float32)
        else:
            n = x.shape[1]
            changed = np.flatnonzero((x != old).any(axis=0))
            if changed.size > self.full_share * n:
                self._sums = self.network @ x.T.astype(np.float32)
            elif changed.size:
                diff = x[:, changed].T.astype(np.float32) - old[:, changed].T.astype(np.float32)
                # the network is symmetric: the changed columns are the changed rows, transposed
                self._sums += self.network[changed].T @ diff
        self._x = x
        return self._sums

    def update(
        self,
        alive: np.ndarray,
        senior: np.ndarray,
        underrepresented: np.ndarray,
        adopted: np.ndarray,
        cohort: np.ndarray,
    ) -> Counts:
        """Counts for the indicators as they are now (per-slot arrays; ``adopted`` N x T)."""
        sources = (alive, senior, underrepresented, adopted, cohort)
        seen = self._sources
        if seen is not None and all(
            np.array_equal(a, b) for a, b in zip(sources, seen, strict=True)
        ):
            return self._counts  # nothing that the counts depend on changed since last time
        self._sources = tuple(np.array(a) for a in sources)
        n_tech = adopted.shape[1]
        x = np.empty((3 + n_tech + self.n_cohorts, alive.shape[0]), dtype=bool)
        x[0] = alive
        np.logical_and(alive, senior, out=x[1])
        np.logical_and(alive, underrepresented, out=x[2])
        np.logical_and(alive, adopted.T, out=x[3 : 3 + n_tech])
        for c in range(self.n_cohorts):
            np.logical_and(alive, cohort == c, out=x[3 + n_tech + c])
        s = self.sums(x)
        self._counts = Counts(
            alive=s[:, 0],
            seniors=s[:, 1],
            underrepresented=s[:, 2],
            adopted=s[:, 3 : 3 + n_tech],
            cohort=s[:, 3 + n_tech :],
        )
        return self._counts


def _exact_total(counts: np.ndarray, mask: np.ndarray) -> float:
    """The sum of ``counts`` (whole numbers) over ``mask``: exact in float64, in any order."""
    return float(np.dot(mask.astype(np.float64), counts.astype(np.float64)))


def tie_counts(
    counts: Counts, alive: np.ndarray, cohort: np.ndarray, group: np.ndarray
) -> tuple[int, int, int]:
    """(ties, cross-generation ties, cross-group ties) among current employees.

    The plain count visits every tie; here each is read off the neighbour counts of its ends
    (every tie twice: once from each end), as exact whole-number dot products.
    """
    total = _exact_total(counts.alive, alive)
    same_cohort = sum(
        _exact_total(counts.cohort[:, c], alive & (cohort == c))
        for c in range(counts.cohort.shape[1])
    )
    # ties inside the group, plus ties among everyone else: all ends outside the group, less
    # the ends outside that reach into it
    in_group = alive & group
    inside = _exact_total(counts.underrepresented, in_group)
    outside = total - _exact_total(counts.alive, in_group)
    same_group = inside + outside - (_exact_total(counts.underrepresented, alive) - inside)
    return int(total) // 2, int(total - same_cohort) // 2, int(total - same_group) // 2


# ---------------------------------------------------------------------- counting by group


def count_by_group(
    group: np.ndarray, groups: int, mask: np.ndarray, flags: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Flags set per group (rows) and column (columns) among ``mask``, and the group sizes.

    The plain count is one pass per column. Up to eight columns, each person's flags are the
    bits of one number and one count over (group, bit pattern) cells gives every column at
    once; above eight, one count per column.

    Args:
        group: Group code per slot, in 0..groups-1.
        groups: Number of groups.
        mask: Which slots count.
        flags: N x C booleans (for instance adoption per technology).

    Returns:
        ``(sums, sizes)``: ``sums[g, c]`` flags of column c set in group g, ``sizes[g]``.
    """
    n_cols = flags.shape[1]
    outside = groups  # a group for everyone not in ``mask``
    if n_cols > 8:
        g = np.where(mask, group, outside)
        size = np.bincount(g, minlength=groups + 1)[:groups]
        sums = [np.bincount(g, weights=flags[:, t], minlength=groups + 1) for t in range(n_cols)]
        return np.stack(sums, axis=1)[:groups], size
    code = np.where(mask, group, outside).astype(np.intp) << n_cols
    for t in range(n_cols):
        code |= flags[:, t].view(np.uint8) << t
    cells = np.bincount(code, minlength=(groups + 1) << n_cols)
    cells = cells[: groups << n_cols].reshape(groups, 1 << n_cols)
    pattern = np.arange(1 << n_cols)
    sums = np.stack([cells[:, (pattern >> t) & 1 == 1].sum(axis=1) for t in range(n_cols)], 1)
    return sums, cells.sum(axis=1)


__all__ = [
    "BOUND_SLACK",
    "Counts",
    "NeighbourCounts",
    "NeighbourSums",
    "PairingArrays",
    "bernoulli_below_bound",
    "bernoulli_indices",
    "best_mentors",
    "compiled_available",
    "count_by_group",
    "tie_counts",
]


# ---------------------------------------------------------------------- pairing: coarse scores


def gap_f32_error(n_skills: int, top_skill: float) -> float:
    """A bound of the error of :func:`positive_gap_mean_f32_blocks` (twice the worst case below).

    With ``u = 2**-24`` (float32 rounding) and skills at most ``top`` in size: rounding both
    skills and subtracting errs by at most ``3u * 2top``, which ``max(0, .)`` does not enlarge;
    summing ``F`` such terms (each at most ``2top``) adds at most ``F * u * 2F top``; scaling by
    ``1/F`` adds ``4u top``. After the mean: ``(10 + 2F) u top``.
    """
    return 2.0 * (10 + 2 * n_skills) * 2.0**-24 * max(1.0, float(top_skill))


def positive_gap_mean_f32_blocks(
    mentor: np.ndarray, mentee: np.ndarray, blocks: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    """Mean over skill columns of ``max(0, mentor - mentee)`` per mentee and block, in float32.

    Entry ``[i, j]`` pairs mentee ``rows[i]`` with mentor ``j`` of block ``blocks[i]``.

    The plain rule (:meth:`sim.program.pairing.scores.Scorer.transfer`) runs in float64; this
    gives the same within :func:`gap_f32_error`, at half the memory traffic, so that a search
    can rule out most of the blocks a mentee still has to look at and score the rest exactly.
    Each mentee is paired only with its own blocks, not with the union of a query's blocks.

    Args:
        mentor: (skills, blocks, block size) float32 skill values of the mentors by block.
        mentee: (skills, mentees) float32 skill values.
        blocks: Block indices, aligned with ``rows``.
        rows: Mentee indices (columns of ``mentee``).

    Returns:
        (len(rows), block size) float32 means; zeros without skill columns.
    """
    n_skills = mentor.shape[0]
    acc = np.zeros((len(rows), mentor.shape[2]), dtype=np.float32)
    tmp = np.empty_like(acc)
    for f in range(n_skills):
        np.take(mentor[f], blocks, axis=0, out=tmp)
        tmp -= mentee[f].take(rows)[:, None]
        np.maximum(tmp, np.float32(0.0), out=tmp)
        acc += tmp
    if n_skills:
        acc *= np.float32(1.0 / n_skills)
    return acc


# ---------------------------------------------------------------------- pairing: best mentors


class PairingArrays(NamedTuple):
    """One pairing problem's arrays, mentors in a frontier's order (its members).

    The names follow :class:`sim.program.pairing.scores.Scorer`, which states the rules these
    arrays feed. Rules that do not apply get empty arrays: no reporting-line exclusion, empty
    ancestor tables; no acceptance rule, empty preference arrays.
    """

    mentor_focus: np.ndarray  # (F, n) float64
    mentee_focus: np.ndarray  # (F, m) float64
    att: np.ndarray  # (m,) weights.attitude * receptiveness, as the Scorer computes it
    willing: np.ndarray  # (n,) float64
    mentor_dept: np.ndarray  # (n,)
    mentee_dept: np.ndarray  # (m,)
    mentor_ur: np.ndarray  # (n,) bool
    weights: np.ndarray  # skill, attitude, department, diversity, margin
    mentor_slot: np.ndarray  # (n,) state slots: nobody mentors themself
    mentee_slot: np.ndarray  # (m,)
    mentor_anc_t: np.ndarray  # (D, n) ancestors per depth; (0, 0) without exclusion
    mentee_anc: np.ndarray  # (m, D); (0, 0) without exclusion
    mentor_depth: np.ndarray  # (n,)
    mentee_depth: np.ndarray  # (m,)
    receptive: np.ndarray  # (m,) float64, where a mentee falls on the bounds' grid
    excess: np.ndarray  # (S, m) the mentee's part of the bounds
    order: np.ndarray  # (n,) member -> mentor position (ties go to the lower position)
    mentor_exp: np.ndarray  # (E, n) acceptance: the mentors' experience skills
    mentee_exp: np.ndarray  # (E, m)
    level: np.ndarray  # (m,) acceptance: the mentee's level
    most: np.ndarray  # (m,) acceptance: the most any mentor can prefer the mentee


_rows_range = range
"""The loop over rows: ``numba.prange`` where it is compiled (see :func:`best_mentors`)."""


def _best_mentors_loop(
    a, rows, ks, first, step, live, tails, blocks, grid, cross, held, held_row, above, above_at
):
    """:func:`best_mentors`' loop: plain Python that numba compiles as it stands."""
    n = len(live)
    n_blocks = (n + step - 1) // step
    s_count, g_count = grid[0], grid[1]
    w_skill, w_att, w_dept, w_div, margin = a.weights
    n_focus, n_exp = a.mentor_focus.shape[0], a.mentor_exp.shape[0]
    use_accept, exclude = len(a.most) > 0, a.mentee_anc.shape[0] > 0
    width = 0
    for t in range(len(rows)):
        width = max(width, ks[t])
    cols = np.full((len(rows), width), -1, dtype=np.int64)
    vals = np.full((len(rows), width), -np.inf)
    complete = np.zeros(len(rows), dtype=np.bool_)
    for t in _rows_range(len(rows)):  # rows are independent: compiled, they share the cores
        r, k = rows[t], ks[t]
        scratch, excess = np.zeros(step), np.zeros(s_count)
        hv, hp = np.zeros(k), np.zeros(k, dtype=np.int64)  # the row's list, as a heap
        x = min(max(a.receptive[r], 0.0), 1.0) * (g_count - 1)
        kg = min(int(x), g_count - 2)
        wg = x - kg
        add = w_att * max(a.receptive[r] - 1.0, 0.0) + w_dept + margin
        excess[:] = a.excess[:, r]
        att, dept = a.att[r], a.mentee_dept[r]
        ceil_v, ceil_at = above[t], above_at[t]
        most = a.most[r] if use_accept else 0.0
        maybe = np.zeros(step, dtype=np.int64)  # a block's mentors left by the first tests
        count, kth = 0, -np.inf
        for b in range(first // step, n_blocks):
            if count == k:  # bounds (SuffixBound): the block's, and if it is out, the tail's
                out = 0  # from it: 0 (score the block), 1 (skip it) or 2 (stop the walk here)
                for which in range(2):
                    tab = blocks if which == 0 else tails
                    ub = np.inf
                    for s in range(s_count):
                        at = s * g_count + kg
                        cell = tab[b, at] * (1.0 - wg) + tab[b, at + 1] * wg
                        ub = min(ub, cell + excess[s])
                    ub += add + w_div * max(tab[b, tab.shape[1] - 1], 0.0)
                    if ub >= kth:  # (NaN where nothing is live: out)
                        break
                    out += 1
                if out == 2:  # nothing from here on can enter the list
                    break
                if out == 1:
                    continue
            lo, hi = b * step, min(b * step + step, n)
            # Scorer.match for the block, in its operations (on the block's slices, so that
            # the loops run on whole vectors)
            values = scratch[: hi - lo]
            values[:] = 0.0
            for f in range(n_focus):
                mine, theirs = a.mentee_focus[f, r], a.mentor_focus[f, lo:hi]
                for i in range(hi - lo):
                    gap = theirs[i] - mine
                    values[i] += gap if gap > 0.0 else 0.0  # max(gap, 0)
            if n_focus:
                values /= n_focus
            willing, their_dept = a.willing[lo:hi], a.mentor_dept[lo:hi]
            their_ur, their_live, their_held = a.mentor_ur[lo:hi], live[lo:hi], held[lo:hi]
            for i in range(hi - lo):
                v = values[i] * w_skill
                v += att * willing[i]
                v += w_dept * (1.0 if dept != their_dept[i] else 0.0)
                v += w_div * (1.0 if their_ur[i] else 0.0)
                values[i] = v
            # first, without a branch per mentor, the tests that need nothing but the block:
            # below the k-th value, above the row's ceiling (ties settled below), closed, or
            # full and surely refusing (the cheap test: the most it can prefer the mentee)
            n_maybe = 0
            for i in range(hi - lo):
                v = values[i]
                ok = (v >= kth) & (v <= ceil_v) & their_live[i]
                if use_accept:
                    ok &= most >= their_held[i]
                maybe[n_maybe] = i
                n_maybe += ok
            for slot in maybe[:n_maybe]:  # then the rest, in order (the k-th value rises)
                j, v = lo + slot, values[slot]
                pos = a.order[j]
                if v < kth or (count == k and v == kth and pos > hp[0]):
                    continue
                if v == ceil_v and pos <= ceil_at:
                    continue  # ranked at or above the row's ceiling: known to be unusable
                if cross and dept == a.mentor_dept[j]:
                    continue
                if use_accept and held[j] > -np.inf:  # a full mentor: would it accept?
                    p = 0.0  # Scorer.preference, against the mentor's threshold
                    for f in range(n_exp):
                        p += max(-(a.mentor_exp[f, j] - a.mentee_exp[f, r]), 0.0)
                    if n_exp:
                        p /= n_exp
                    p = a.level[r] + p
                    if not (p > held[j] or (p == held[j] and r < held_row[j])):
                        continue
                # Scorer.allowed
                e, c = a.mentee_slot[r], a.mentor_slot[j]
                if e == c or (
                    exclude
                    and (
                        a.mentor_anc_t[a.mentee_depth[r], j] == e
                        or a.mentee_anc[r, a.mentor_depth[j]] == c
                    )
                ):
                    continue
                # the list is a heap with its worst entry (lowest value, then highest position)
                # on top: a new entry takes the next place or the top's, then moves into place
                i = count if count < k else 0
                hv[i], hp[i] = v, pos
                if count < k:
                    count += 1
                    while i > 0:
                        up = (i - 1) // 2
                        if not (hv[i] < hv[up] or (hv[i] == hv[up] and hp[i] > hp[up])):
                            break
                        hv[i], hv[up], hp[i], hp[up] = hv[up], hv[i], hp[up], hp[i]
                        i = up
                else:
                    while 2 * i + 1 < k:
                        c = 2 * i + 1
                        if c + 1 < k and (
                            hv[c + 1] < hv[c] or (hv[c + 1] == hv[c] and hp[c + 1] > hp[c])
                        ):
                            c += 1
                        if not (hv[c] < hv[i] or (hv[c] == hv[i] and hp[c] > hp[i])):
                            break
                        hv[i], hv[c], hp[i], hp[c] = hv[c], hv[i], hp[c], hp[i]
                        i = c
                kth = hv[0] if count == k else -np.inf
        best = np.argsort(-hv[:count])  # best first, then each run of tied values
        i = 0  # in position order (ties are rare: an insertion sort)
        while i < count:
            end = i + 1
            while end < count and hv[best[end]] == hv[best[i]]:
                end += 1
            for x in range(i + 1, end):
                y, moving = x, best[x]
                while y > i and hp[best[y - 1]] > hp[moving]:
                    best[y] = best[y - 1]
                    y -= 1
                best[y] = moving
            i = end
        vals[t, :count], cols[t, :count] = hv[:count][best], hp[:count][best]
        complete[t] = count < k
    return cols, vals, complete


_KERNELS: dict[bool, Callable] = {}


def compiled_available() -> bool:
    """Whether the optional compiler (numba, the ``fast`` extra) is installed and not refused.

    Set ``MENTORSIM_COMPILED=0`` to refuse it (the numpy paths then run everywhere).
    """
    if os.environ.get("MENTORSIM_COMPILED", "1") == "0":
        return False
    return importlib.util.find_spec("numba") is not None


def best_mentors(
    a: PairingArrays,
    rows: np.ndarray,
    k,
    first: int,
    step: int,
    live: np.ndarray,
    tails: np.ndarray,
    blocks: np.ndarray,
    grid: tuple[int, int],
    cross: bool = False,
    held: tuple[np.ndarray, np.ndarray] | None = None,
    ceiling: tuple[np.ndarray, np.ndarray] | None = None,
    compiled: bool = True,
):
    """Each mentee's ``k`` best usable mentors, one mentee and one mentor at a time.

    The loop a compiler makes fast; it stands for :meth:`sim.program.pairing.candidates.
    Frontier.top`'s blocked numpy search and gives exactly its answer. Per mentee, the blocks
    of ``step`` members are walked in order from ``first``: once ``k`` mentors are listed, a
    block whose bound is below the ``k``-th value is skipped, and the walk stops where the
    bound of the whole tail is. A mentor enters the list when it beats the ``k``-th entry
    (value, then the lower position) and is usable: live, allowed, of another department with
    ``cross``, and, with an acceptance rule, not refusing the mentee.

    Args:
        a: The problem's arrays (acceptance arrays empty without a rule).
        rows: Mentee positions.
        k: Entries per row: one number, or one per row.
        first: The first live member.
        step: Members per block.
        live: Per member, whether it takes part.
        tails: ``SuffixBound.tails.T``: per block, the bounds of the tail from it on
            (``(blocks, bounds)``, each block's bounds side by side in memory).
        blocks: ``SuffixBound.blocks.T``: per block, the bounds of its own mentors.
        grid: The bounds' (skill levels, receptiveness points).
        cross: Mentors of another department only.
        held: With an acceptance rule: per member (in the frontier's order, so that a block's
            are read side by side), the preference key of the worst mentee its mentor holds,
            and that mentee (-inf and -1 with room).
        ceiling: Per row, a (value, position) at and above which (value, then the lower
            position) its caller knows every mentor to be unusable: they are skipped before
            any further test (None: no ceiling).
        compiled: Compile the loop (with numba); False runs it as plain Python (slow: tests).

    Returns:
        ``(mentors, values, complete)`` as :meth:`~sim.program.pairing.candidates.Frontier.top`.
    """
    if compiled not in _KERNELS:
        if compiled:
            import numba  # the optional fast extra: imported only when a large pairing needs it

            loop = _best_mentors_loop
            names = {**loop.__globals__, "_rows_range": numba.prange}
            loop = types.FunctionType(loop.__code__, names, loop.__name__)
            _KERNELS[compiled] = numba.njit(cache=True, parallel=True)(loop)
        else:
            _KERNELS[compiled] = _best_mentors_loop
    if held is None:
        held = (np.zeros(0), np.zeros(0, dtype=np.int64))
    grid_ = np.asarray(grid, dtype=np.int64)
    rows = np.asarray(rows, dtype=np.int64)
    ks = np.ascontiguousarray(np.broadcast_to(np.asarray(k, dtype=np.int64), rows.shape))
    if ceiling is None:
        ceiling = (np.full(len(rows), np.inf), np.full(len(rows), -1, dtype=np.int64))
    above, above_at = np.asarray(ceiling[0], dtype=np.float64), np.asarray(ceiling[1], np.int64)
    return _KERNELS[compiled](
        a, rows, ks, int(first), int(step), live, tails, blocks, grid_, bool(cross), *held,
        above, above_at,
    )  # fmt: skip


class ProposalState(NamedTuple):
    """Deferred acceptance's state in arrays (:func:`proposals`), mentors by position.

    Mentee ``r``'s list of acceptable mentors (best first) ends at ``cols[end[r] - 1]``;
    ``cols[ptr[r]:end[r]]`` is what it has not walked yet. A mentor's preference for a mentee
    is worked out as :meth:`~sim.program.pairing.scores.Scorer.preference` does (level plus the
    mean of the positive experience gaps, in its operations), from the experience arrays. Mentor
    ``c`` holds ``count[c]`` mentees in ``held_pref``/``held_row`` from ``offset[c]`` on, a heap
    with its least preferred mentee on top; a full mentor's threshold (``threshold``,
    ``threshold_row``, and the same by member of the frontier) is that mentee's key, -inf and
    -1 while it has room. ``queue`` holds the mentees due to propose, as a ring: a rejected
    mentee goes to its front (see :func:`proposals`).
    """

    cols: np.ndarray  # int32 mentor positions
    mentor_exp: np.ndarray  # (n, E) float64: a mentor's side by side (one cache line)
    mentee_exp: np.ndarray  # (E, m) float64
    level: np.ndarray  # (m,) float64
    ptr: np.ndarray  # (m,) int64
    end: np.ndarray  # (m,) int64
    complete: np.ndarray  # (m,) bool: the list holds every mentor that would accept
    capacity: np.ndarray  # (n,) int64
    offset: np.ndarray  # (n,) int64
    count: np.ndarray  # (n,) int64
    held_pref: np.ndarray  # (sum of capacities,) float64
    held_row: np.ndarray  # (sum of capacities,) int64
    threshold: np.ndarray  # (n,) float64
    threshold_row: np.ndarray  # (n,) int64
    member: np.ndarray  # (n,) int64: each mentor's place in the frontier's order (-1: none)
    member_threshold: np.ndarray  # the thresholds in that order (what best_mentors reads)
    member_threshold_row: np.ndarray
    queue: np.ndarray  # (m + 1,) int64 ring
    ends: np.ndarray  # (2,) int64: the ring's head and tail


def _worse(pa, ra, pb, rb) -> bool:
    """Whether key (pa, ra) is less preferred than (pb, rb): lower preference, then higher row."""
    return pa < pb or (pa == pb and ra > rb)


def _swap(pref, row, i, j) -> None:
    """Swap entries ``i`` and ``j`` of a heap kept as two arrays."""
    pref[i], pref[j] = pref[j], pref[i]
    row[i], row[j] = row[j], row[i]


def _proposals_loop(s, most_waiting):
    """:func:`proposals`' loop: plain Python that numba compiles as it stands."""
    waiting = np.zeros(most_waiting, dtype=np.int64)
    n_waiting = 0
    size = len(s.queue)
    head, tail = s.ends[0], s.ends[1]
    n_exp = s.mentor_exp.shape[1]
    while head != tail and n_waiting < most_waiting:
        r = s.queue[head]
        head = (head + 1) % size
        p, e, pref = s.ptr[r], s.end[r], 0.0
        while p < e:  # the first listed mentor that would still accept (thresholds only rise)
            c = s.cols[p]
            pref = 0.0  # Scorer.preference, in its operations
            for f in range(n_exp):
                pref += max(-(s.mentor_exp[c, f] - s.mentee_exp[f, r]), 0.0)
            if n_exp:
                pref /= n_exp
            pref = s.level[r] + pref
            if _worse(s.threshold[c], s.threshold_row[c], pref, r):
                break
            p += 1
        s.ptr[r] = p
        if p == e:
            if not s.complete[r]:
                waiting[n_waiting] = r  # a new, longer list
                n_waiting += 1
            continue
        c = s.cols[p]
        lo, i, pref_, row_ = s.offset[c], s.count[c], s.held_pref, s.held_row
        if i < s.capacity[c]:  # room: the mentee joins the heap and moves up
            s.count[c] = i + 1
            pref_[lo + i], row_[lo + i] = pref, r
            while i > 0:
                up = (i - 1) // 2
                if not _worse(pref_[lo + i], row_[lo + i], pref_[lo + up], row_[lo + up]):
                    break
                _swap(pref_, row_, lo + i, lo + up)
                i = up
        else:  # full: the least preferred (on top) is rejected and proposes next; the
            head = (head - 1) % size  # mentee moves down
            s.queue[head] = row_[lo]
            pref_[lo], row_[lo] = pref, r
            i, cap = 0, s.capacity[c]
            while 2 * i + 1 < cap:
                j = lo + 2 * i + 1
                if 2 * i + 2 < cap and _worse(pref_[j + 1], row_[j + 1], pref_[j], row_[j]):
                    j += 1
                if not _worse(pref_[j], row_[j], pref_[lo + i], row_[lo + i]):
                    break
                _swap(pref_, row_, lo + i, j)
                i = j - lo
        if s.count[c] == s.capacity[c]:  # the least preferred held sets the threshold
            s.threshold[c], s.threshold_row[c] = pref_[lo], row_[lo]
            if s.member[c] >= 0:
                s.member_threshold[s.member[c]] = pref_[lo]
                s.member_threshold_row[s.member[c]] = row_[lo]
    s.ends[0], s.ends[1] = head, tail
    return waiting[:n_waiting]


_PROPOSALS: dict[bool, Callable] = {}


def proposals(state: ProposalState, most_waiting: int, compiled: bool = True) -> np.ndarray:
    """Run deferred acceptance's proposals until the queue is empty or mentees wait for lists.

    It stands for :func:`sim.program.pairing.solvers.deferred_acceptance`'s loop and forms the
    same holds: each mentee from the queue walks its list to the first mentor that would still
    accept it and proposes; a full mentor rejects its least preferred mentee (lower preference,
    then higher position), who joins the queue at its front and so proposes next. A mentee
    whose list is used up (and may hold more mentors) waits instead, for its caller to make it
    a longer list.

    Rejected mentees go first (depth first) because a list goes stale: it holds the mentors
    that would accept the mentee when it was made, and every proposal made before the mentee
    walks it again may fill one of them. Put at the back, a rejected mentee walks its list only
    after the whole queue has proposed, finds it used up and waits for a new one. (The caller
    puts mentees given new lists at the front too: at 1,000,000 employees, mentees were then
    listed at most 3 times, against up to 14 times with both at the back.) The pairs are the
    same either way: deferred acceptance's outcome does not depend on the order of proposals.

    Args:
        state: The arrays, updated in place.
        most_waiting: Stop once this many mentees wait.
        compiled: Compile the loop (with numba); False runs it as plain Python (slow: tests).

    Returns:
        The mentees waiting for a list.
    """
    if compiled not in _PROPOSALS:
        if compiled:
            import numba

            inline = {f.__name__: numba.njit(inline="always")(f) for f in (_worse, _swap)}
            loop = types.FunctionType(
                _proposals_loop.__code__, {**_proposals_loop.__globals__, **inline}
            )
            _PROPOSALS[compiled] = numba.njit(cache=True)(loop)
        else:
            _PROPOSALS[compiled] = _proposals_loop
    return _PROPOSALS[compiled](state, int(most_waiting))

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

**Float32.** Sums over the network run in float32: the network is 0/1 and the summed values lie
in [0, 1] (skills, resistance) or are small whole numbers (counts, exact in float32 up to 2**24),
so seven significant digits are plenty for a mean over a few dozen neighbours, and half the
memory moves. Rules get float64 back where they combine these means with the state.

Nothing here imports the rest of the package: kernels take arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

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
    "bernoulli_below_bound",
    "bernoulli_indices",
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

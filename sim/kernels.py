"""How many of each employee's network neighbours fall in each group, kept up to date cheaply.

Several mechanisms and outcomes need, per employee, the number of current neighbours who are
senior, who have adopted a technology, who belong to a cohort, and so on: sparse products
``network @ indicator``. The indicators change for few employees in a week (departures, hires,
promotions, new adopters), so :class:`NeighbourCounts` keeps the products and, on each call,
adds the network rows of only the employees whose indicators changed since the last call. The
counts are exact (small integers held in float32), so they equal the full products bit for bit;
when many rows changed it recomputes in full.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


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

    def update(self, state) -> Counts:
        """Counts for the state as it is now."""
        alive = state.alive
        sources = (alive, state.senior, state.underrepresented, state.adopted, state.cohort)
        seen = self._sources
        if seen is not None and all(
            np.array_equal(a, b) for a, b in zip(sources, seen, strict=True)
        ):
            return self._counts  # nothing that the counts depend on changed since last time
        self._sources = tuple(np.array(a) for a in sources)
        n_tech = state.adopted.shape[1]
        x = np.empty((3 + n_tech + self.n_cohorts, alive.shape[0]), dtype=bool)
        x[0] = alive
        np.logical_and(alive, state.senior, out=x[1])
        np.logical_and(alive, state.underrepresented, out=x[2])
        np.logical_and(alive, state.adopted.T, out=x[3 : 3 + n_tech])
        for c in range(self.n_cohorts):
            np.logical_and(alive, state.cohort == c, out=x[3 + n_tech + c])
        s = self.sums(x)
        self._counts = Counts(
            alive=s[:, 0],
            seniors=s[:, 1],
            underrepresented=s[:, 2],
            adopted=s[:, 3 : 3 + n_tech],
            cohort=s[:, 3 + n_tech :],
        )
        return self._counts


__all__ = ["Counts", "NeighbourCounts"]

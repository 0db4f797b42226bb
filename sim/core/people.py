"""People: person ids that outlive positions, for retention and participation records."""

from __future__ import annotations

import numpy as np


class People:
    """Per-person records, indexed by person id (the week-0 workforce holds ids 0..N-1).

    Attributes:
        slot_of: Current slot of each person (-1 once they left).
        cohort: Cohort code of each person.
        start_week: Week each person joined the run (0 for the week-0 workforce).
        mentor_ever: Has mentored in this run.
        mentee_ever: Has been mentored in this run.
        in_program_cohort: Was employed when the program's first wave started.
        promotions: Promotions (in grade or into a vacancy) since week 0.
    """

    def __init__(self, cohort: np.ndarray) -> None:
        n = cohort.size
        self.n = n
        self.slot_of = np.arange(n, dtype=np.int64)
        self.cohort = cohort.astype(np.int8).copy()
        self.start_week = np.zeros(n, np.int32)
        self.mentor_ever = np.zeros(n, bool)
        self.mentee_ever = np.zeros(n, bool)
        self.in_program_cohort = np.zeros(n, bool)
        self.promotions = np.zeros(n, np.int32)
        self.initial = n

    @property
    def employed(self) -> np.ndarray:
        """Whether each person is still employed."""
        return self.slot_of[: self.n] >= 0

    def add(self, slots: np.ndarray, cohort: np.ndarray, week: int) -> int:
        """Register new hires in ``slots``; return the first new id."""
        first = self.n
        need = self.n + slots.size
        if need > self.slot_of.size:
            grow = max(need, 2 * self.slot_of.size)
            for name, fill in (
                ("slot_of", -1),
                ("cohort", 0),
                ("start_week", 0),
                ("mentor_ever", False),
                ("mentee_ever", False),
                ("in_program_cohort", False),
                ("promotions", 0),
            ):
                arr = getattr(self, name)
                new = np.full(grow, fill, dtype=arr.dtype)
                new[: arr.size] = arr
                setattr(self, name, new)
        self.slot_of[first:need] = slots
        self.cohort[first:need] = cohort
        self.start_week[first:need] = week
        self.n = need
        return first

    def retention(self, mask: np.ndarray) -> float:
        """Share of the persons in ``mask`` (over ids 0..len(mask)-1) still employed; 0 if none."""
        count = np.count_nonzero(mask)
        if not count:
            return 0.0
        return float(np.count_nonzero(mask & (self.slot_of[: mask.size] >= 0)) / count)

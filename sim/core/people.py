"""People: person ids that outlive positions, for retention and participation records.

Person ids are stable within a run: the week-0 workforce holds ids 0..N-1 in the order of the
organization's slots, and hires get the next ids. Replication ``i`` of every arm builds the
same organization from the same seed, so person ``p < N`` of one arm is the same person, with
the same attributes at week 0, as person ``p`` of every other arm: comparisons between arms
can follow the same people. Hires are not matched across arms (who is hired depends on who
left).
"""

from __future__ import annotations

import numpy as np

NEVER = np.iinfo(np.int32).max
"""Week value of an event that has not happened (yet)."""

_FIELDS = (
    ("slot_of", -1),
    ("cohort", 0),
    ("start_week", 0),
    ("mentor_ever", False),
    ("mentee_ever", False),
    ("in_program_cohort", False),
    ("seen_week", NEVER),
    ("left_week", NEVER),
    ("mentor_week", NEVER),
    ("mentee_week", NEVER),
    ("level_start", -1),
    ("promotions", 0),
)
"""Per-person arrays and the value a new person starts with."""


class People:
    """Per-person records, indexed by person id (the week-0 workforce holds ids 0..N-1).

    The ``*_week`` records are in recorded weeks (week ``w`` is the state after ``w`` steps,
    as in the weekly outcomes) and are filled by :meth:`record`, which the weekly measurement
    calls.

    Attributes:
        slot_of: Current slot of each person (-1 once they left).
        cohort: Cohort code of each person.
        start_week: Week each person joined the run (0 for the week-0 workforce).
        mentor_ever: Has mentored in this run.
        mentee_ever: Has been mentored in this run.
        in_program_cohort: Was employed when the program's first wave started.
        seen_week: First recorded week the person was employed.
        left_week: First recorded week the person was gone (:data:`NEVER` while employed).
        mentor_week: First recorded week the person was a mentor (:data:`NEVER` if never).
        mentee_week: First recorded week the person was a mentee (:data:`NEVER` if never).
        level_start: Level when first recorded (week 0 for the week-0 workforce).
        promotions: Promotions (in grade or into a vacancy) since week 0.
    """

    def __init__(self, cohort: np.ndarray) -> None:
        n = cohort.size
        self.n = n
        self.initial = n
        for name, fill in _FIELDS:
            setattr(self, name, np.full(n, fill, dtype=_dtype(name)))
        self.slot_of[:] = np.arange(n)
        self.cohort[:] = cohort

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
            for name, fill in _FIELDS:
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

    def record(self, week: int, level_of_slot: np.ndarray) -> None:
        """Note this recorded week's arrivals, departures and first participations.

        Args:
            week: The recorded week (weeks simulated so far).
            level_of_slot: Each slot's current level (a newcomer's level is noted).
        """
        n = self.n
        slot = self.slot_of[:n]
        here = slot >= 0
        new = here & (self.seen_week[:n] == NEVER)
        self.seen_week[:n][new] = week
        self.level_start[:n][new] = level_of_slot[slot[new]]
        self.left_week[:n][~here & (self.left_week[:n] == NEVER)] = week
        for flags, first in (
            (self.mentor_ever, self.mentor_week),
            (self.mentee_ever, self.mentee_week),
        ):
            first[:n][flags[:n] & (first[:n] == NEVER)] = week

    def employed_at(self, week: int, ids: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Whether each person (of ``ids``) was employed at a recorded week."""
        return (self.seen_week[: self.n][ids] <= week) & (self.left_week[: self.n][ids] > week)


def _dtype(name: str) -> type:
    if name.endswith("_ever") or name == "in_program_cohort":
        return bool
    if name == "cohort":
        return np.int8
    if name == "slot_of":
        return np.int64
    return np.int32

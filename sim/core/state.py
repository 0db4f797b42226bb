"""The organization's state as arrays indexed by a stable slot.

Agents are thin views over these arrays (see :mod:`sim.model.agents`); mechanisms read and write the
arrays directly. A departure frees a slot (``alive`` turns False); a hire reuses one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar

import numpy as np

if TYPE_CHECKING:  # only named in annotations: importing this module stays light
    import scipy.sparse as sp

RESISTANCE, OPENNESS, WILLINGNESS = 0, 1, 2
ATTITUDES: tuple[str, ...] = ("resistance", "openness", "willingness")

ROWS, SLOTS, NETWORK, SHARED = "rows", "slots", "network", "shared"
"""What a State field holds (its ``holds`` metadata): one row per slot (the default); one row
per slot whose values are slot numbers (-1 for none); the network (rows and columns are
slots); or something shared by every slot (skill columns, a number)."""


@dataclass
class State:
    """Every employee's state, one row per slot.

    Attributes:
        alive: Whether the slot holds a current employee.
        depth: Depth in the reporting tree (0 = the CEO).
        level: Hierarchy level (0 = individual contributor, ``levels - 1`` = CEO).
        manager: Slot of the manager, -1 for the CEO.
        ancestors: ``ancestors[i, d]`` is the slot of i's ancestor at depth d (i itself at its own
            depth, -1 below it).
        subtree_size: Number of employees in the subtree led by each slot (itself included).
        department: Department code (index into the scenario's departments).
        cohort: Generation cohort code (index into :data:`sim.core.organization_params.COHORTS`).
        age: Age in years.
        tenure: Tenure in years.
        underrepresented: Member of an under-represented group.
        senior: Counts as senior under the scenario's seniority rule.
        skills: N x K skill levels in [0, 1].
        attitudes: N x 3 attitudes in [0, 1]: resistance, openness, willingness to mentor.
        engagement: Engagement in [0, 1].
        adopted: N x T adoption flags per technology.
        adopted_week: N x T week of adoption, -1 if not adopted.
        hired_week: Week the employee joined (negative: before the run started).
        promoted_week: Week the employee was last promoted (or joined, if never since): the start
            of their time in grade.
        person: Person id held by each slot (ids survive promotions; hires get new ids).
        engagement_base: Each employee's own base engagement (where engagement rests).
        vacant_since: Week a vacant slot fell vacant (-1 while filled).
        network: Symmetric 0/1 adjacency of the informal network (CSR).
        digital: Column indices of digital skills.
        experience: Column indices of experience skills.
        tech_skills: Per technology, the skill columns that drive its adoption.
    """

    alive: np.ndarray
    depth: np.ndarray
    level: np.ndarray
    manager: np.ndarray = field(metadata={"holds": SLOTS})
    ancestors: np.ndarray = field(metadata={"holds": SLOTS})
    subtree_size: np.ndarray
    department: np.ndarray
    cohort: np.ndarray
    age: np.ndarray
    tenure: np.ndarray
    underrepresented: np.ndarray
    senior: np.ndarray
    skills: np.ndarray
    attitudes: np.ndarray
    engagement: np.ndarray
    adopted: np.ndarray
    adopted_week: np.ndarray
    hired_week: np.ndarray
    promoted_week: np.ndarray
    person: np.ndarray
    engagement_base: np.ndarray
    vacant_since: np.ndarray
    network: sp.csr_matrix = field(metadata={"holds": NETWORK})
    digital: np.ndarray = field(metadata={"holds": SHARED})
    experience: np.ndarray = field(metadata={"holds": SHARED})
    tech_skills: list[np.ndarray] = field(metadata={"holds": SHARED}, default_factory=list)
    ring_half: int = field(metadata={"holds": SHARED}, default=0)
    """Half-width of the ring lattice the network was laid out on (slot k next to k +- 1..h);
    only a hint for :class:`sim.kernels.NeighbourSums`, whose result never depends on it."""

    @classmethod
    def holds(cls, name: str) -> str:
        """What field ``name`` holds: :data:`ROWS`, :data:`SLOTS`, :data:`NETWORK` or :data:`SHARED`."""
        return cls.__dataclass_fields__[name].metadata.get("holds", ROWS)

    @property
    def size(self) -> int:
        """Number of slots (alive or not)."""
        return int(self.alive.shape[0])

    @property
    def headcount(self) -> int:
        """Number of current employees."""
        return int(self.alive.sum())

    PERSONAL: ClassVar[tuple[str, ...]] = (
        "person",
        "cohort",
        "age",
        "tenure",
        "underrepresented",
        "skills",
        "attitudes",
        "engagement",
        "engagement_base",
        "adopted",
        "adopted_week",
        "hired_week",
        "promoted_week",
    )
    """Arrays that travel with a person when promoted into another slot."""

    @cached_property
    def by_depth(self) -> list[np.ndarray]:
        """Slots at each depth of the reporting tree, top first (positions never move)."""
        order = np.argsort(self.depth, kind="stable")
        starts = np.searchsorted(self.depth[order], np.arange(int(self.depth.max()) + 2))
        return [order[starts[d] : starts[d + 1]] for d in range(starts.size - 1)]

    @cached_property
    def _reports_index(self) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(self.manager, kind="stable")
        starts = np.searchsorted(self.manager[order], np.arange(-1, self.size + 1))
        return order, starts

    def reports(self, slot: int) -> np.ndarray:
        """The positions that report directly to ``slot``, filled or vacant, in slot order."""
        order, starts = self._reports_index
        return order[starts[slot + 1] : starts[slot + 2]]

    def digital_skill(self) -> np.ndarray:
        """Mean digital skill per slot."""
        return self.skill_means([self.digital])[:, 0]

    def skill_means(self, groups) -> np.ndarray:
        """N x G: each slot's mean skill over each group of skill columns.

        One matrix product (a single pass over the skills) instead of a copy of the columns
        per group; a group of one or two columns gives exactly their value or mean.
        """
        weights = np.zeros((self.skills.shape[1], len(groups)))
        for g, columns in enumerate(groups):
            weights[columns, g] = 1.0 / len(columns)
        return self.skills @ weights

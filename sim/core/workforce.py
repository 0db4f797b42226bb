"""The organization a model runs on: synthetic, or built from an anonymized roster.

:func:`build_workforce` is the one entry point. A synthetic organization comes from
:func:`sim.core.organization.build_organization`. A rostered one takes from the file its
reporting tree, departments and levels, and whatever else the file holds (ages or generations,
tenure, under-representation, skills, attitudes, collaboration ties); the rest is drawn from
the scenario's documented distributions, conditioned on what is present, from the same named
streams as a synthetic organization:

* generation and age, when absent: drawn from the cohort shares, older people placed higher
  (as in the synthetic builder: rank of age plus normal noise of ``age_level_sorting`` years,
  highest rank to the highest level); with a ``generation`` column only, ages are drawn within
  each generation's birth years;
* tenure, when absent (or in empty cells): exponential with the cohort's median, capped at the
  years since age 18;
* skills, attitudes and engagement: beta distributed around means set by generation, level and
  tenure (:func:`sim.core.organization.draw_traits`), then replaced by the file's values where
  it has them;
* the informal network: the file's ties, else the homophilous small world of the synthetic
  builder laid over the real departments and generations.

Both kinds then run through the same code. Slots are reordered for speed (along the network's
ring, or by reverse Cuthill-McKee for a file's ties); each person keeps the roster's
``employee_id`` (:class:`EmployeeIds`), and new hires are drawn from the roster's own people in
the vacancy's level and department (:class:`RosterHiring`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim.core.organization import (
    assemble_state,
    build_organization,
    draw_ages,
    draw_people,
    draw_tenure,
    draw_traits,
    last_promotion_week,
    relabel,
    ring_half,
    social_network,
)
from sim.core.organization_params import COHORTS, Organization
from sim.core.rng import Streams
from sim.core.state import ATTITUDES, State

if TYPE_CHECKING:  # rosters (pandas, pyarrow) are imported when a scenario has one
    import pandas as pd
    import scipy.sparse as sp

    from sim.core.roster import Roster, Ties

HIRE_PREFIX = "new-"
"""Start of the ids generated for new hires (lengthened until no roster id starts with it)."""


@dataclass(frozen=True)
class EmployeeIds:
    """Every person's ``employee_id``: the roster's for the week-0 workforce, generated for hires.

    A new hire's id is ``prefix`` followed by their person number (``new-2417``). The prefix is
    ``new-``, lengthened with more ``-`` until no roster id starts with it, so a generated id
    can never equal a roster id.

    Attributes:
        initial: Roster ids of persons ``0 .. N-1``, as text.
        prefix: Start of the generated ids.
    """

    initial: pd.Series
    prefix: str

    @classmethod
    def from_ids(cls, ids: pd.Series) -> EmployeeIds:
        """Employee ids for the persons holding ``ids``, in person order."""
        prefix = HIRE_PREFIX
        while ids.str.startswith(prefix).any():
            prefix = prefix[:-1] + "--"
        return cls(ids.reset_index(drop=True), prefix)

    def __call__(self, persons: np.ndarray) -> list[str]:
        """The employee ids of ``persons``."""
        persons = np.asarray(persons, dtype=np.int64)
        n = len(self.initial)
        known = persons < n
        out = np.empty(persons.size, dtype=object)
        out[known] = self.initial.to_numpy(object)[persons[known]]
        out[~known] = [f"{self.prefix}{p}" for p in persons[~known].tolist()]
        return out.tolist()


@dataclass
class RosterHiring:
    """New hires drawn from the roster's own people in the vacancy's level and department.

    A hire into a position takes the generation, age and under-representation of a randomly
    chosen member of the week-0 workforce in the same level and department (there is always
    one: the position's first holder), and, for the skills and attitudes the roster gave, that
    person's week-0 values; tenure starts at 0 and the remaining traits are drawn as for any
    hire.

    Attributes:
        cell: Level-and-department cell of each slot.
        donors: Week-0 slots grouped by cell; ``starts[c]:starts[c + 1]`` are cell ``c``'s.
        starts: Cell boundaries in ``donors``.
        cohort: Week-0 generation code of each slot.
        age: Week-0 age of each slot.
        underrepresented: Week-0 flag of each slot.
        skill_columns: Skill columns given by the roster.
        skills: Week-0 values of those columns (slots x columns).
        attitude_columns: Attitude columns given by the roster.
        attitudes: Week-0 values of those columns.
    """

    cell: np.ndarray
    donors: np.ndarray
    starts: np.ndarray
    cohort: np.ndarray
    age: np.ndarray
    underrepresented: np.ndarray
    skill_columns: np.ndarray
    skills: np.ndarray
    attitude_columns: np.ndarray
    attitudes: np.ndarray

    @classmethod
    def from_state(cls, state: State, skill_columns, attitude_columns) -> RosterHiring:
        """Record the week-0 workforce of ``state`` as the pool hires are drawn from."""
        n_dept = int(state.department.max()) + 1
        cell = state.level.astype(np.int64) * n_dept + state.department
        _, cell = np.unique(cell, return_inverse=True)
        donors = np.argsort(cell, kind="stable")
        starts = np.searchsorted(cell[donors], np.arange(cell.max() + 2))
        skill_columns = np.asarray(skill_columns, dtype=np.int64)
        attitude_columns = np.asarray(attitude_columns, dtype=np.int64)
        return cls(
            cell,
            donors,
            starts,
            state.cohort.copy(),
            state.age.copy(),
            state.underrepresented.copy(),
            skill_columns,
            state.skills[:, skill_columns].copy(),
            attitude_columns,
            state.attitudes[:, attitude_columns].copy(),
        )

    def donor(self, slots: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """For each vacant slot, a week-0 employee of its level and department, at random."""
        cell = self.cell[slots]
        low, count = self.starts[cell], self.starts[cell + 1] - self.starts[cell]
        return self.donors[low + (rng.random(slots.size) * count).astype(np.int64)]

    def fill(self, donor: np.ndarray, skills: np.ndarray, attitudes: np.ndarray) -> None:
        """Replace the drawn skills and attitudes the roster gave by the donors' values."""
        skills[:, self.skill_columns] = self.skills[donor]
        attitudes[:, self.attitude_columns] = self.attitudes[donor]


@dataclass
class Workforce:
    """The built organization with what a rostered one adds.

    Attributes:
        state: The initial state.
        employee_ids: Employee ids by person (None for a synthetic organization).
        hiring: Where new hires come from (None: the scenario's hiring mix).
        sources: Where each field came from (empty for a synthetic organization).
    """

    state: State
    employee_ids: EmployeeIds | None = None
    hiring: RosterHiring | None = None
    sources: dict[str, str] = field(default_factory=dict)

    def with_employee_ids(self, pairs: pd.DataFrame) -> pd.DataFrame:
        """The pair book with ``mentee_id`` and ``mentor_ids`` (lists) for a roster's people.

        ``pairs`` has a ``mentee`` person column and a ``mentors`` column of person numbers
        joined by ``+``; a synthetic organization's frame is returned as it is.
        """
        if self.employee_ids is None or pairs.empty:
            return pairs
        out = pairs.copy()
        mentee = out["mentee"].to_numpy(np.int64)
        out.insert(out.columns.get_loc("mentee") + 1, "mentee_id", self.employee_ids(mentee))
        links = [np.array(m.split("+"), dtype=np.int64) for m in out["mentors"]]
        out.insert(
            out.columns.get_loc("mentors") + 1,
            "mentor_ids",
            [self.employee_ids(m) for m in links],
        )
        return out


def build_workforce(
    org: Organization, streams: Streams, n_technologies: int | None = None
) -> Workforce:
    """Build the organization of a scenario, synthetic or from its roster.

    Args:
        org: The validated ``organization`` block.
        streams: The run's named random streams.
        n_technologies: Number of technologies (defaults to ``len(org.technologies)``).

    Returns:
        The :class:`Workforce`.

    Raises:
        RosterError: When the roster or ties file has problems.
    """
    if org.roster is None:
        return Workforce(build_organization(org, streams, n_technologies))
    roster = organization_roster(org)
    return build_from_roster(org, roster, organization_ties(org, roster), streams, n_technologies)


def organization_roster(org: Organization) -> Roster:
    """The scenario's roster, read once per process."""
    from sim.core.roster import load_roster

    return load_roster(
        org.roster,
        as_of=org.as_of,
        skill_scale=org.skill_scale,
        ignore_columns=org.ignore_columns,
        cohorts=org.cohorts,
        reference_year=org.reference_year,
    )


def organization_ties(org: Organization, roster: Roster) -> Ties | None:
    """The scenario's ties, read once per process (None without a ties file)."""
    if org.ties is None:
        return None
    from sim.core.roster import load_ties

    return load_ties(org.ties, roster, ignore_columns=org.ignore_columns)


# --------------------------------------------------------------------------------------------
# Building from a roster
# --------------------------------------------------------------------------------------------


def build_from_roster(
    org: Organization,
    roster: Roster,
    ties: Ties | None,
    streams: Streams,
    n_technologies: int | None = None,
) -> Workforce:
    """Build the organization of ``roster``, drawing what it lacks (see the module's notes).

    Raises:
        ValueError: When ``org`` was not resolved against this roster (its size or levels
            differ from the roster's; load the scenario with ``load_scenario``).
    """
    n = roster.rows
    if (org.size, org.levels) != (n, roster.levels):
        raise ValueError(
            f"organization.size/levels ({org.size}, {org.levels}) are not the roster's "
            f"({n}, {roster.levels}): load the scenario with sim.load_scenario"
        )
    level = roster.level.astype(np.int16)
    level_frac = level / max(org.levels - 1, 1)
    rng = streams["org.people"]
    cohort, age = _people(org, roster, rng)
    tenure = _tenure(org, roster, cohort, age, rng)
    underrepresented = rng.random(n) < org.underrepresented_share
    if roster.underrepresented is not None:
        given = ~np.isnan(roster.underrepresented)
        underrepresented[given] = roster.underrepresented[given] > 0.5
    skills, attitudes, engagement = draw_traits(
        org, cohort, level_frac, tenure, streams["org.traits"]
    )
    skill_cols, attitude_cols = _from_file(org, roster, skills, attitudes)
    network, ring, half = _network(org, roster, ties, cohort, streams)
    depth = roster.depth.astype(np.int16)
    manager = roster.manager.astype(np.int64)
    state = assemble_state(
        org,
        depth=depth,
        level=level,
        manager=manager,
        ancestors=ancestors(manager, depth),
        department=roster.department,
        cohort=cohort,
        age=age,
        tenure=tenure,
        underrepresented=underrepresented,
        skills=skills,
        attitudes=attitudes,
        engagement=engagement,
        network=network,
        promoted_week=last_promotion_week(tenure, streams["org.careers"]),
        n_technologies=n_technologies,
    )
    state = relabel(state, ring, half)
    return Workforce(
        state,
        EmployeeIds.from_ids(roster.employee_id.iloc[ring]),
        RosterHiring.from_state(state, skill_cols, attitude_cols),
        roster_sources(org, roster, ties),
    )


def _network(org: Organization, roster: Roster, ties: Ties | None, cohort, streams: Streams):
    """(network, slot order, ring half-width): the file's ties, or the synthetic network.

    A synthetic network lays slots along its ring; a file's ties are ordered by reverse
    Cuthill-McKee (ties between nearby slots), with the ring shortcut off.
    """
    n = roster.rows
    if ties is None:
        network, ring = social_network(org, roster.department, cohort, streams["org.network"])
        return network, ring, ring_half(org.network.mean_degree, n)
    from scipy.sparse.csgraph import reverse_cuthill_mckee

    network = tie_matrix(ties, n)
    return network, reverse_cuthill_mckee(network, symmetric_mode=True).astype(np.int64), 0


def _people(
    org: Organization, roster: Roster, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Generation codes and ages: from the file, within the file's generations, or drawn."""
    if roster.age is not None:
        return roster.cohort.astype(np.int8), roster.age.astype(np.float64)
    if roster.cohort is not None:
        return roster.cohort.astype(np.int8), draw_ages(org, roster.cohort, rng.random(roster.rows))
    n = roster.rows
    cohort, age = draw_people(org, n, rng)
    # older people sit higher: rank by age plus noise, highest rank to the highest level
    noise = rng.normal(0.0, org.age_level_sorting, n) if org.age_level_sorting > 0 else 0.0
    people = np.argsort(-(age + noise), kind="stable")
    slots = np.lexsort((rng.random(n), roster.depth, -roster.level.astype(np.int64)))
    placed_cohort, placed_age = np.empty_like(cohort), np.empty_like(age)
    placed_cohort[slots], placed_age[slots] = cohort[people], age[people]
    return placed_cohort, placed_age


def _tenure(
    org: Organization,
    roster: Roster,
    cohort: np.ndarray,
    age: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    drawn = np.maximum(draw_tenure(org, cohort, age, rng), 0.0)
    if roster.tenure is None:
        return drawn
    return np.where(np.isnan(roster.tenure), drawn, roster.tenure)


def _from_file(
    org: Organization, roster: Roster, skills: np.ndarray, attitudes: np.ndarray
) -> tuple[list[int], list[int]]:
    """Put the file's skills and attitudes over the drawn ones; return the columns given."""
    names = org.skill_names
    skill_cols, attitude_cols = [], []
    for name, values in roster.skills.items():
        col = names.index(name)
        given = ~np.isnan(values)
        skills[given, col] = values[given]
        skill_cols.append(col)
    for name, values in roster.attitudes.items():
        col = ATTITUDES.index(name)
        given = ~np.isnan(values)
        attitudes[given, col] = values[given]
        attitude_cols.append(col)
    return skill_cols, attitude_cols


def tie_matrix(ties: Ties, n: int) -> sp.csr_matrix:
    """The ties as a symmetric 0/1 float32 adjacency (see :class:`sim.core.state.State`)."""
    rows = np.concatenate([ties.source, ties.target])
    cols = np.concatenate([ties.target, ties.source])
    import scipy.sparse as sp

    adj = sp.csr_matrix((np.ones(rows.size, np.float32), (rows, cols)), shape=(n, n))
    adj.sort_indices()
    return adj


def ancestors(manager: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """``ancestors[i, d]``: i's ancestor at depth d (i itself at its own depth, -1 below it)."""
    n, levels = manager.size, int(depth.max()) + 1
    out = np.full((n, levels), -1, dtype=np.int64)
    out[np.arange(n), depth] = np.arange(n)
    order = np.argsort(depth, kind="stable")
    bounds = np.searchsorted(depth[order], np.arange(1, levels))
    for d, block in enumerate(np.split(order, bounds)[1:], start=1):
        out[block, :d] = out[manager[block], :d]
    return out


# --------------------------------------------------------------------------------------------
# What the scenario and the manifest say about a roster
# --------------------------------------------------------------------------------------------


def roster_sources(org: Organization, roster: Roster, ties: Ties | None) -> dict[str, str]:
    """Where each field of the organization comes from: the file's column, derived, or drawn."""
    sources = dict(roster.sources)
    for name in org.skill_names:
        sources.setdefault(f"skills.{name}", "drawn")
    sources["engagement"] = "drawn"
    sources["network"] = (
        "file: ties (unweighted)" if ties is not None else "drawn: homophilous small world"
    )
    return sources


def roster_manifest(org: Organization) -> dict[str, object]:
    """What a results manifest records of a scenario's roster: never its contents.

    The file's name, SHA-256 and row count, the date it describes, the ties file's SHA-256,
    the scenario fields it set, and which fields came from the file and which were drawn.
    """
    roster = organization_roster(org)
    ties = organization_ties(org, roster)
    sources = roster_sources(org, roster, ties)
    fields = derived_fields(roster)
    shares = cohort_shares(roster)
    if shares is not None:
        fields["cohort_shares"] = shares
    return {
        "file": org.roster,
        "sha256": roster.sha256,
        "rows": roster.rows,
        "as_of": str(roster.as_of),
        "ties": None
        if ties is None
        else {"file": org.ties, "sha256": ties.sha256, "records": ties.records},
        "set_by_roster": fields,
        "from_file": {k: v for k, v in sources.items() if v.startswith("file")},
        "drawn": sorted(k for k, v in sources.items() if v.startswith("drawn")),
        "derived": {k: v for k, v in sources.items() if v.startswith("derived")},
    }


def derived_fields(roster: Roster) -> dict[str, object]:
    """The ``organization`` fields a roster sets, as scenario data.

    Department names stay out of the scenario (and so out of every result): the scenario holds
    ``department_1`` ... in the roster's sorted order. Cohort shares are set only when the
    roster gives ages or generations (``cohort_shares``); otherwise the scenario's shares are
    the distribution generations are drawn from.
    """
    width = len(str(len(roster.departments)))
    out: dict[str, object] = {
        "size": roster.rows,
        "levels": roster.levels,
        "span_of_control": max(2, roster.span),
        "departments": [f"department_{i + 1:0{width}d}" for i in range(len(roster.departments))],
        "reference_year": roster.as_of.year,
    }
    if roster.underrepresented is not None and not np.isnan(roster.underrepresented).all():
        out["underrepresented_share"] = float(np.nanmean(roster.underrepresented))
    return out


def cohort_shares(roster: Roster) -> dict[str, float] | None:
    """Each generation's share of the roster, when the roster gives ages or generations."""
    if roster.cohort is None:
        return None
    counts = np.bincount(roster.cohort, minlength=len(COHORTS))
    return {c: float(k / roster.rows) for c, k in zip(COHORTS, counts, strict=True)}


__all__ = [
    "EmployeeIds",
    "RosterHiring",
    "Workforce",
    "ancestors",
    "build_from_roster",
    "build_workforce",
    "cohort_shares",
    "derived_fields",
    "organization_roster",
    "organization_ties",
    "roster_manifest",
    "roster_sources",
    "tie_matrix",
]

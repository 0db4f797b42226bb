"""Build a synthetic organization from the scenario's ``organization`` block.

Everything is drawn from named streams of the run's seed, so the same seed gives the same
organization in every arm. Distribution parameters are documented where they are declared
(:mod:`sim.core.organization_params`); the shapes used here are:

* level sizes taper geometrically from one CEO to the individual contributors, with a ratio
  solved so the sizes add up to ``size`` (never above ``span_of_control``);
* each level's employees are split into contiguous, balanced blocks under the level above, so
  every manager has at most ``span_of_control`` direct reports;
* ages come from each cohort's birth years, weighted by the share of a generation still
  working at each age (a logistic retirement curve, :func:`still_working`); older employees
  sit higher (rank of age plus normal noise of ``age_level_sorting`` years: assumption);
* tenure is exponential with the cohort's median, never longer than the years since age 18;
* skills and attitudes are beta distributed with ``skill_concentration`` = alpha + beta around
  their means; experience skills grow with level and tenure (assumption, see
  :func:`experience_mean`);
* the informal network is a Watts-Strogatz small world laid over an ordering of employees
  sorted by department and cohort, so ring neighbours share them with the homophily
  probabilities (assumption).

The organization is built with slots ordered by depth, then relabelled (:func:`relabel`) so
that slots follow the network's ring: code must not assume any order of slots, and finds the
tree through ``manager``, ``ancestors`` and :attr:`~sim.core.state.State.by_depth`.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import TYPE_CHECKING

import numpy as np

from sim.core.organization_params import COHORTS, Organization
from sim.core.rng import Streams
from sim.core.state import OPENNESS, RESISTANCE, ROWS, SLOTS, WILLINGNESS, State

if TYPE_CHECKING:  # scipy is imported where it is used, so that validating a scenario stays light
    import scipy.sparse as sp


def level_sizes(size: int, levels: int, span: int) -> np.ndarray:
    """Return the number of employees at each depth (0 = CEO) of the reporting tree.

    Sizes grow geometrically with a ratio ``r <= span`` solved so that they sum to ``size``;
    after rounding no depth holds more than ``span`` times the depth above.
    """
    if levels == 1:
        return np.array([size], dtype=np.int64)
    if size == levels:
        return np.ones(levels, dtype=np.int64)
    ratio = growth_ratio(size, levels, span)
    cumulative = np.cumsum([ratio**d for d in range(levels)])
    bounds = np.rint(cumulative).astype(np.int64)
    bounds[-1] = size
    sizes = np.diff(np.concatenate([[0], bounds]))
    sizes = np.maximum(sizes, 1)
    sizes[-1] = size - sizes[:-1].sum()
    for d in range(levels - 1, 0, -1):  # move people up until every depth fits its managers
        while sizes[d] > span * sizes[d - 1]:
            sizes[d] -= 1
            sizes[d - 1] += 1
    return sizes


def growth_ratio(size: int, levels: int, span: int) -> float:
    """The ratio ``r`` in ``[1, span]`` with ``1 + r + ... + r**(levels - 1) = size``.

    The sum grows with ``r``, so bisection finds it: the bracket is halved until no double
    lies between its ends (at most about 60 halvings), and the end whose sum is nearer
    ``size`` is returned. Plain Python, so that building a hierarchy (which ``mentorsim
    validate`` does) needs no root finder from scipy; it agrees with ``scipy.optimize.brentq``
    to 1e-12 relative (tests/core/test_organization.py).

    Raises:
        ValueError: When no such ratio exists (``size`` below ``levels`` or above the sum at
            ``span``).
    """

    def total(r: float) -> float:
        return sum(r**d for d in range(levels))

    lo, hi = 1.0, float(span)
    if not total(lo) <= size <= total(hi):
        raise ValueError(f"no ratio in [1, {span}] gives {size} employees in {levels} levels")
    if total(hi) == size:
        return hi
    while lo < (mid := (lo + hi) / 2) < hi:
        if total(mid) < size:
            lo = mid
        else:
            hi = mid
    return lo if abs(total(lo) - size) <= abs(total(hi) - size) else hi


def _tree(sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return depth, manager and ancestors for slots ordered by depth."""
    n, depths = int(sizes.sum()), len(sizes)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    depth = np.repeat(np.arange(depths), sizes)
    manager = np.full(n, -1, dtype=np.int64)
    for d in range(1, depths):
        rank = np.arange(sizes[d])
        manager[starts[d] : starts[d + 1]] = starts[d - 1] + rank * sizes[d - 1] // sizes[d]
    ancestors = np.full((n, depths), -1, dtype=np.int64)
    ancestors[np.arange(n), depth] = np.arange(n)
    for d in range(1, depths):
        block = slice(starts[d], starts[d + 1])
        ancestors[block, :d] = ancestors[manager[block], :d]
    return depth, manager, ancestors


def subtree_sizes(manager: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """Employees in the subtree each slot leads (itself included), bottom-up by depth."""
    size = np.ones(len(manager), dtype=np.int64)
    for d in range(int(depth.max()), 0, -1):
        idx = np.flatnonzero(depth == d)
        np.add.at(size, manager[idx], size[idx])
    return size


def _departments(
    sizes: np.ndarray, ancestors: np.ndarray, depth: np.ndarray, n_dept: int
) -> np.ndarray:
    """Give each subtree at the shallowest depth with enough heads its own department."""
    starts = np.concatenate([[0], np.cumsum(sizes)])
    split = next((d for d, s in enumerate(sizes) if s >= n_dept), len(sizes) - 1)
    heads = np.arange(starts[split], starts[split + 1])
    head_dept = (np.arange(len(heads)) * n_dept) // len(heads)
    dept = np.zeros(len(depth), dtype=np.int64)
    below = depth >= split
    dept[below] = head_dept[ancestors[below, split] - starts[split]]
    # executives above the split take the department of their first head
    for d in range(split):
        idx = np.flatnonzero(depth == d)
        first_head = np.full(len(depth), np.iinfo(np.int64).max)
        np.minimum.at(first_head, ancestors[heads, d], heads)
        dept[idx] = dept[first_head[idx]]
    return dept


def beta_around(rng: np.random.Generator, mean: np.ndarray, concentration: float) -> np.ndarray:
    """Draw beta variates with the given means and alpha + beta = ``concentration``."""
    mean = np.clip(mean, 0.01, 0.99)
    return rng.beta(mean * concentration, (1.0 - mean) * concentration)


def experience_mean(level_frac: np.ndarray, tenure: np.ndarray) -> np.ndarray:
    """Mean experience skill from level (0 bottom, 1 top) and tenure (assumption).

    0.15 at the bottom with no tenure, +0.5 from the bottom to the top level, +0.25 from
    tenure, saturating at 20 years.
    """
    return 0.15 + 0.5 * level_frac + 0.25 * np.minimum(tenure / 20.0, 1.0)


def still_working(age: np.ndarray, median: float, spread: float) -> np.ndarray:
    """Share of a generation not yet retired at ``age``: a logistic survival (assumption).

    ``S(age) = 1 / (1 + exp((age - median) / spread))``: half have retired by ``median``;
    about one in eight has retired 5 years before it when ``spread`` is 2.5. The retirement
    hazard that goes with it is :func:`retirement_hazard`.
    """
    from scipy.special import expit

    return expit((median - np.asarray(age, dtype=float)) / spread)


def retirement_hazard(age: np.ndarray, median: float, spread: float) -> np.ndarray:
    """Annual retirement hazard at ``age``: ``-d ln S / d age = (1 - S(age)) / spread``.

    Near 0 at 40, ``1 / (2 spread)`` at the median, approaching ``1 / spread`` at old ages.
    """
    return (1.0 - still_working(age, median, spread)) / spread


def draw_ages(org: Organization, cohort: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Ages of people of ``cohort`` from uniform draws ``u`` (inverse of a tabulated CDF).

    Ages spread over each cohort's birth years (from age 18), weighted by the share still
    working at each age (:func:`still_working`): an older cohort thins out past the median
    retirement age instead of stopping at a hard cap.
    """
    age = np.empty(u.size)
    for code, spec in enumerate(org.cohorts.ordered()):
        mine = cohort == code
        youngest = max(org.reference_year - spec.birth_year_last - 1.0, 18.0)
        oldest = float(org.reference_year - spec.birth_year_first)
        if oldest <= youngest:  # a cohort entirely below working age is pinned to its edge
            age[mine] = youngest
            continue
        grid, cdf = age_table(youngest, oldest, org.retirement_age, org.retirement_spread)
        age[mine] = np.interp(u[mine], cdf, grid)
    return age


@functools.lru_cache(maxsize=256)
def age_table(
    youngest: float, oldest: float, median: float, spread: float
) -> tuple[np.ndarray, np.ndarray]:
    """Ages from ``youngest`` to ``oldest`` and their CDF weighted by :func:`still_working`.

    513 ages (trapezoid rule); computed once per process for each cohort and retirement
    curve (hires draw ages every week), and returned read-only. The weights are
    ``1 / (1 + exp(-x))`` with the C library's ``exp``, the same doubles as
    ``scipy.special.expit`` gives (tests/core/test_organization.py), without importing
    scipy.special: building an organization, which ``mentorsim validate`` does, stays light.
    """
    grid = np.linspace(youngest, oldest, 513)
    x = (median - grid) / spread
    weight = np.array([1.0 / (1.0 + math.exp(-v)) for v in x.tolist()])
    cdf = np.concatenate([[0.0], np.cumsum((weight[1:] + weight[:-1]) / 2.0)])
    cdf /= cdf[-1]
    grid.flags.writeable = cdf.flags.writeable = False
    return grid, cdf


def draw_people(org: Organization, n: int, rng: np.random.Generator, shares_key: str = "share"):
    """Draw cohort codes and ages for ``n`` people from the cohort shares.

    Args:
        org: The organization block.
        n: How many people.
        rng: Generator to draw from.
        shares_key: ``"share"`` for the initial workforce, ``"hire_share"`` for new hires.

    Returns:
        (cohort codes, ages in years); see :func:`draw_ages`.
    """
    cohorts = org.cohorts.ordered()
    shares = np.array([getattr(c, shares_key) for c in cohorts])
    cohort = rng.choice(len(cohorts), size=n, p=shares / shares.sum())
    return cohort.astype(np.int8), draw_ages(org, cohort, rng.random(n))


def draw_tenure(
    org: Organization, cohort: np.ndarray, age: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Exponential tenure with each cohort's median, capped at the years since age 18."""
    median = np.array([c.median_tenure_years for c in org.cohorts.ordered()])
    return np.minimum(rng.exponential(median[cohort] / np.log(2.0)), age - 18.0)


def draw_traits(
    org: Organization,
    cohort: np.ndarray,
    level_frac: np.ndarray,
    tenure: np.ndarray,
    rng: np.random.Generator,
):
    """Draw skills, attitudes and engagement for people with the given cohort, level and tenure.

    Returns:
        (skills N x K, attitudes N x 3, engagement N).
    """
    cohorts = org.cohorts.ordered()
    kappa = org.skill_concentration
    n = len(cohort)
    kinds = np.array([s.kind == "digital" for s in org.skills])
    mean = np.where(
        kinds[None, :],
        np.array([c.digital_skill_mean for c in cohorts])[cohort][:, None],
        experience_mean(level_frac, tenure)[:, None],
    )
    skills = beta_around(rng, np.broadcast_to(mean, (n, len(kinds))), kappa)
    att_mean = np.empty((n, 3))
    # senior leaders resist being mentored a little more (assumption: +0.1 from bottom to top)
    att_mean[:, RESISTANCE] = (
        np.array([c.resistance_mean for c in cohorts])[cohort] + 0.1 * level_frac
    )
    att_mean[:, OPENNESS] = np.array([c.openness_mean for c in cohorts])[cohort]
    att_mean[:, WILLINGNESS] = np.array([c.willingness_mean for c in cohorts])[cohort]
    attitudes = beta_around(rng, att_mean, kappa)
    engagement = beta_around(rng, np.array([c.engagement_mean for c in cohorts])[cohort], kappa)
    return skills, attitudes, engagement


def ring_half(mean_degree: int, n: int) -> int:
    """Ties on each side of an employee in the ring lattice before rewiring."""
    return max(1, min(mean_degree // 2, (n - 1) // 2))


def social_network(
    org: Organization, department: np.ndarray, cohort: np.ndarray, rng: np.random.Generator
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Build the informal network: a homophilous ring lattice with random shortcuts.

    Employees are ordered by (department, cohort); with probability ``1 - homophily_*`` an
    employee's key is replaced by a random one, so ring neighbours share department and
    generation more often than chance. Each employee links to the ``mean_degree / 2`` next
    ones on the ring; each tie is rewired to a uniformly random employee with probability
    ``rewiring`` (Watts & Strogatz 1998).

    Returns:
        The adjacency and the ring order (the employees in the order they sit on the ring).
    """
    net = org.network
    n = len(department)
    n_dept = len(org.departments)
    dept_key = np.where(
        rng.random(n) < net.homophily_department, department, rng.integers(0, n_dept, n)
    )
    coh_key = np.where(
        rng.random(n) < net.homophily_generation, cohort, rng.integers(0, len(COHORTS), n)
    )
    order = np.lexsort((rng.random(n), coh_key, dept_key))
    half = ring_half(org.network.mean_degree, n)
    src = np.repeat(order, half)
    dst = (
        np.concatenate([np.roll(order, -j) for j in range(1, half + 1)]).reshape(half, n).T.ravel()
    )
    rewire = rng.random(src.shape[0]) < net.rewiring
    dst = np.where(rewire, rng.integers(0, n, src.shape[0]), dst)
    keep = src != dst
    src, dst = src[keep], dst[keep]
    rows = np.concatenate([src, dst])
    cols = np.concatenate([dst, src])
    # float32 data: neighbour means are summed in float32 (see peer_learning.neighbour_mean);
    # a product with another dtype would convert the whole matrix on every call
    import scipy.sparse as sp

    adj = sp.csr_matrix((np.ones(rows.shape[0], dtype=np.float32), (rows, cols)), shape=(n, n))
    adj.data[:] = 1.0  # duplicates summed to 2 become single ties
    adj.sort_indices()
    return adj, order


def relabel(state: State, order: np.ndarray, half: int = 0) -> State:
    """The same organization with slot ``k`` holding the employee that was in slot ``order[k]``.

    Slots are laid out in the network's ring order, so that most of an employee's ties point to
    nearby slots: the sparse products over the network, the largest cost of a week, then read
    memory that is already in the processor's cache (peer learning took 0.6 to 0.86 of its
    time at 100,000 employees, side by side). Nothing about the organization changes, only
    which slot number each position gets. ``half`` is the ring's half-width, recorded as
    ``State.ring_half`` (see :class:`sim.kernels.NeighbourSums`).
    """
    new_slot = np.empty_like(order)
    new_slot[order] = np.arange(order.size)

    def slots(values: np.ndarray) -> np.ndarray:
        return np.where(values >= 0, new_slot[np.maximum(values, 0)], -1)

    fields = {}
    for name in (f.name for f in dataclasses.fields(state)):
        value, holds = getattr(state, name), State.holds(name)
        if holds == ROWS:
            fields[name] = value[order]
        elif holds == SLOTS:
            fields[name] = slots(value[order])
        else:  # the network is permuted below; shared fields stay
            fields[name] = value
    network = state.network[order][:, order].tocsr()
    network.sort_indices()
    fields["network"] = network
    fields["person"] = np.arange(order.size, dtype=state.person.dtype)
    fields["ring_half"] = half
    return State(**fields)


def last_promotion_week(tenure: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Week of each starting employee's last promotion: a uniform point of their tenure (assumption)."""
    return -np.ceil(tenure * rng.random(tenure.size) * 52).astype(np.int32)


def is_senior(org: Organization, level: np.ndarray, tenure: np.ndarray) -> np.ndarray:
    """Apply the scenario's seniority rule."""
    rule = org.seniority
    by_level = level >= rule.min_level
    by_tenure = tenure >= rule.min_tenure_years
    return {
        "level": by_level,
        "tenure": by_tenure,
        "level_and_tenure": by_level & by_tenure,
        "level_or_tenure": by_level | by_tenure,
    }[rule.rule]


def build_organization(
    org: Organization, streams: Streams, n_technologies: int | None = None, *, ties: bool = True
) -> State:
    """Build the organization's initial state.

    Args:
        org: The validated ``organization`` block.
        streams: The run's named random streams (``org.*`` streams are used).
        n_technologies: Number of technologies (defaults to ``len(org.technologies)``).
        ties: False leaves out the informal network: ``network`` is None and the slots are
            not laid out in ring order, the people themselves are the same (the network has
            its own random stream). Enough to count who may take part in a program, without
            importing scipy (``mentorsim validate``, :func:`sim.model.fit.check_programs_fit`).

    Returns:
        The initial :class:`~sim.core.state.State`.

    Raises:
        ValueError: For an organization read from a roster (see
            :func:`sim.core.workforce.build_workforce`, which builds both kinds).
    """
    if org.roster is not None:
        raise ValueError("a rostered organization is built by sim.core.workforce.build_workforce")
    n = org.size
    sizes = level_sizes(n, org.levels, org.span_of_control)
    depth, manager, ancestors = _tree(sizes)
    level = (org.levels - 1 - depth).astype(np.int16)
    people = _synthetic_people(org, n, streams["org.people"])
    skills, attitudes, engagement = draw_traits(
        org,
        people["cohort"],
        level / max(org.levels - 1, 1),
        people["tenure"],
        streams["org.traits"],
    )
    department = _departments(sizes, ancestors, depth, len(org.departments))
    network, ring = (
        social_network(org, department, people["cohort"], streams["org.network"])
        if ties
        else (None, None)
    )
    built = assemble_state(
        org,
        depth=depth,
        level=level,
        manager=manager,
        ancestors=ancestors,
        department=department,
        skills=skills,
        attitudes=attitudes,
        engagement=engagement,
        network=network,
        promoted_week=last_promotion_week(people["tenure"], streams["org.careers"]),
        n_technologies=n_technologies,
        **people,
    )
    return relabel(built, ring, ring_half(org.network.mean_degree, n)) if ties else built


def _synthetic_people(org: Organization, n: int, rng: np.random.Generator) -> dict:
    """Cohort, age, tenure and group of ``n`` people in slot order (older people higher up)."""
    cohort, age = draw_people(org, n, rng)
    # older people sit higher: rank by age plus noise, highest rank to slot 0 (the CEO)
    key = age + rng.normal(0.0, org.age_level_sorting, n) if org.age_level_sorting > 0 else age
    order = np.argsort(-key, kind="stable")
    cohort, age = cohort[order], age[order]
    tenure = draw_tenure(org, cohort, age, rng)
    underrepresented = rng.random(n) < org.underrepresented_share
    return {"cohort": cohort, "age": age, "tenure": tenure, "underrepresented": underrepresented}


def assemble_state(
    org: Organization,
    *,
    depth: np.ndarray,
    level: np.ndarray,
    manager: np.ndarray,
    ancestors: np.ndarray,
    department: np.ndarray,
    cohort: np.ndarray,
    age: np.ndarray,
    tenure: np.ndarray,
    underrepresented: np.ndarray,
    skills: np.ndarray,
    attitudes: np.ndarray,
    engagement: np.ndarray,
    network: sp.csr_matrix | None,
    promoted_week: np.ndarray,
    n_technologies: int | None = None,
) -> State:
    """The week-0 state of an organization from its tree, people, traits and network.

    Everyone is employed, nobody has adopted yet, and each person's id is their slot.
    """
    n = manager.size
    kinds = np.array([s.kind for s in org.skills])
    names = org.skill_names
    n_tech = len(org.technologies) if n_technologies is None else n_technologies
    return State(
        alive=np.ones(n, dtype=bool),
        depth=depth.astype(np.int16),
        level=level,
        manager=manager,
        ancestors=ancestors,
        subtree_size=subtree_sizes(manager, depth),
        department=department.astype(np.int16),
        cohort=cohort,
        age=age,
        tenure=tenure,
        underrepresented=underrepresented,
        senior=is_senior(org, level, tenure),
        skills=skills,
        attitudes=attitudes,
        engagement=engagement,
        adopted=np.zeros((n, n_tech), dtype=bool),
        adopted_week=np.full((n, n_tech), -1, dtype=np.int32),
        hired_week=-np.ceil(tenure * 52).astype(np.int32),
        promoted_week=promoted_week,
        person=np.arange(n, dtype=np.int64),
        engagement_base=engagement.copy(),
        vacant_since=np.full(n, -1, dtype=np.int32),
        network=network,
        digital=np.flatnonzero(kinds == "digital"),
        experience=np.flatnonzero(kinds == "experience"),
        tech_skills=[np.array([names.index(s) for s in t.skills]) for t in org.technologies],
    )

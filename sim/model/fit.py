"""Checks a scenario must pass before it runs: does it fit in memory, does each program fit?

:func:`check_runnable` runs every check that ``mentorsim run`` runs before its first
replication, so ``mentorsim validate`` can run the same ones.
"""

from __future__ import annotations

import os

from sim.core.errors import ScenarioError, TooLargeError
from sim.core.organization import build_organization
from sim.core.rng import Streams, replication_seed
from sim.core.workforce import build_workforce
from sim.program import participation

# Memory of one model run, measured as peak resident memory above a process that only imports
# the package (benchmarks/memory_estimate.py; BENCHMARKS.md, "Memory estimate"). Each constant is a
# little above the largest measured figure, so the estimate errs on the side of refusing.
PROCESS_BYTES = 180 * 1024**2
"""A process that imports the package (measured 147-167 MiB)."""
EMPLOYEE_BYTES = 1.6 * 1024
"""Per employee without a program at a small network (measured 1.2-1.5 KiB, 100,000 to 1,000,000)."""
TIE_BYTES = 64
"""Per informal tie of an employee (measured 45-57 bytes a tie, mean degree 50 to 200)."""
PROGRAM_BYTES = 2 * 1024
"""Per employee for pairing and the pair book (measured 0.6-1.3 KiB above the same organization
without a program, 20,000 to 1,000,000 employees; it does not grow with size)."""


def estimate_run_bytes(scenario) -> int:
    """Peak memory of one run of ``scenario`` in one process, the interpreter included."""
    if scenario.model != "reverse_mentoring":
        march = scenario.march  # a few belief arrays of n x m small integers (assumption: 16 B)
        return PROCESS_BYTES + 16 * march.n * march.m
    org = scenario.organization
    per_employee = EMPLOYEE_BYTES + TIE_BYTES * org.network.mean_degree
    if any(arm.program is not None for arm in scenario.arms):
        per_employee += PROGRAM_BYTES
    return int(PROCESS_BYTES + org.size * per_employee)


def available_memory() -> int | None:
    """Memory this machine can give a new process now, in bytes (None when unknown).

    ``MemAvailable`` of ``/proc/meminfo`` on Linux, else the physical memory.
    """
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def gib(n: float) -> str:
    """Bytes as GiB with one decimal (``"3.2 GiB"``)."""
    return f"{n / 1024**3:.1f} GiB"


def check_fits_in_memory(scenario, processes: int = 1) -> None:
    """Raise :class:`~sim.core.errors.TooLargeError` when ``processes`` runs cannot fit in memory.

    Each process holds one run at a time; the check uses the estimate of
    :func:`estimate_run_bytes` against :func:`available_memory`.
    """
    free = available_memory()
    need = estimate_run_bytes(scenario)
    if free is None or need * processes <= free:
        return
    org = scenario.organization
    what = (
        f"{org.size:,} employees with {org.network.mean_degree} ties each"
        if scenario.model == "reverse_mentoring"
        else "the March (1991) model"
    )
    if need > free:
        raise TooLargeError(
            [
                f"one run of {what} needs about {gib(need)} of memory; this machine has "
                f"{gib(free)} available (organization.size, organization.network.mean_degree)"
            ]
        )
    fits = max(1, int(free // need))
    raise TooLargeError(
        [
            f"{processes} worker processes need about {gib(need * processes)} of memory "
            f"({gib(need)} each); this machine has {gib(free)} available: use --workers {fits} "
            "or fewer"
        ]
    )


def check_programs_fit(scenario, seed: int) -> None:
    """Raise a :class:`~sim.core.errors.ScenarioError` when a program cannot run in the organization.

    The organization of ``seed`` is built once (without agents, and a synthetic one without
    its informal network, which no eligibility rule reads) and each program arm's
    eligibility is counted: a group format needs at least ``group_size`` eligible mentors,
    and every program needs at least one eligible mentor and one eligible mentee.
    """
    arms = [(i, a) for i, a in enumerate(scenario.arms) if a.program is not None]
    if not arms or scenario.model != "reverse_mentoring":
        return
    org = scenario.organization
    if org.roster is None:  # who may take part depends on no tie: the people alone will do
        state = build_organization(org, Streams(seed), ties=False)
    else:
        state = build_workforce(org, Streams(seed)).state
    errors = []
    for i, arm in arms:
        prog = arm.program
        mentors = int(participation.eligible_mentors(state, prog).sum())
        mentees = int(participation.eligible_mentees(state, prog).sum())
        if prog.format == "group" and prog.group_size > mentors:
            errors.append(
                f"arms.{i}.program.group_size: {prog.group_size} is larger than the {mentors} eligible mentors"
            )
        if mentors == 0:
            errors.append(
                f"arms.{i}.program.eligibility: no employee may mentor (0 eligible mentors)"
            )
        if mentees == 0:
            errors.append(
                f"arms.{i}.program.eligibility: no employee may be mentored (0 eligible mentees)"
            )
    if errors:
        raise ScenarioError(errors)


def check_runnable(scenario, processes: int = 1) -> None:
    """Every check a run makes before its first replication: memory, then program fit.

    Args:
        scenario: A validated scenario.
        processes: Runs held in memory at once on this machine (local worker processes).

    Raises:
        TooLargeError: When the runs cannot fit in this machine's memory.
        ScenarioError: When a program cannot run in the organization.
    """
    check_fits_in_memory(scenario, processes)
    check_programs_fit(scenario, replication_seed(scenario.seed, 0))

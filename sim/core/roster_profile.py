"""A roster's profile, and how identifiable the smallest groups of its people are.

The profile: headcount, levels and spans, departments, generations, tenure, ages,
under-representation and the ties' degrees. k-anonymity: the smallest number of people sharing a department, a level and a generation
band. Below :data:`K_MIN` (5, the threshold people-analytics tools use to hide small groups;
k = 10 or more is advised for data shared outside the organization) a combination of the three
may point at one person, so the roster should be generalized (merge small departments or
levels) before it is shared.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.core.organization_params import COHORTS
from sim.core.roster import Roster, Ties

K_MIN = 5
"""Smallest group size considered safe for internal use (Microsoft's people-analytics tools
hide groups under 5; k = 5 internally, 10 or more for shared data)."""


def k_anonymity(roster: Roster) -> tuple[int, int, int, list[str]]:
    """The smallest group sharing department x level x generation band.

    Returns:
        (k, groups below :data:`K_MIN`, people in those groups, the attributes used).
    """
    keys = [roster.department.astype(np.int64), roster.level.astype(np.int64)]
    used = ["department", "level"]
    if roster.cohort is not None:
        keys.append(roster.cohort.astype(np.int64))
        used.append("generation band")
    _, counts = np.unique(np.stack(keys, axis=1), axis=0, return_counts=True)
    small = counts < K_MIN
    return int(counts.min()), int(small.sum()), int(counts[small].sum()), used


def _spread(values: np.ndarray | None) -> dict[str, float] | None:
    if values is None:
        return None
    values = values[~np.isnan(values)]
    if not values.size:
        return None
    p10, median, p90 = np.percentile(values, [10, 50, 90])
    return {"p10": float(p10), "median": float(median), "p90": float(p90), "known": values.size}


def roster_profile(roster: Roster, ties: Ties | None = None) -> dict[str, Any]:
    """What a consultant checks before simulating a roster, as plain data."""
    reports = roster.direct_reports()
    managers = reports[reports > 0]
    dept_sizes = np.bincount(roster.department, minlength=len(roster.departments))
    k, small_groups, small_people, used = k_anonymity(roster)
    out: dict[str, Any] = {
        "file": roster.file,
        "sha256": roster.sha256,
        "headcount": roster.rows,
        "as_of": str(roster.as_of) if roster.as_of else None,
        "levels": {int(lv): int(c) for lv, c in enumerate(np.bincount(roster.level)) if c},
        "depth": int(roster.depth.max()) + 1,
        "managers": int(managers.size),
        "span_mean": float(managers.mean()) if managers.size else 0.0,
        "span_median": float(np.median(managers)) if managers.size else 0.0,
        "span_max": int(managers.max()) if managers.size else 0,
        "departments": {n: int(c) for n, c in zip(roster.departments, dept_sizes, strict=True)},
        "cohorts": None,
        "tenure_years": _spread(roster.tenure),
        "age_years": _spread(roster.age),
        "underrepresented_share": None,
        "network": None,
        "k_anonymity": {
            "k": k,
            "attributes": used,
            "groups_below": small_groups,
            "people_in_groups_below": small_people,
            "threshold": K_MIN,
        },
        "sources": {
            **roster.sources,
            "engagement": "drawn",
            "network": "file: ties" if ties is not None else "drawn",
        },
        "notes": list(roster.notes),
    }
    if roster.cohort is not None:
        counts = np.bincount(roster.cohort, minlength=len(COHORTS))
        out["cohorts"] = {c: float(n / roster.rows) for c, n in zip(COHORTS, counts, strict=True)}
    if roster.underrepresented is not None and not np.isnan(roster.underrepresented).all():
        out["underrepresented_share"] = float(np.nanmean(roster.underrepresented))
    if ties is not None:
        degree = np.bincount(np.concatenate([ties.source, ties.target]), minlength=roster.rows)
        out["network"] = {
            "ties": int(ties.source.size),
            "records": ties.records,
            "degree_mean": float(degree.mean()),
            "degree_median": float(np.median(degree)),
            "degree_max": int(degree.max()),
            "isolated": int((degree == 0).sum()),
        }
    return out


__all__ = ["K_MIN", "k_anonymity", "roster_profile"]

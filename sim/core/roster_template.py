"""A synthetic organization written in the roster format: a starting point for users.

:func:`roster_template` builds a synthetic organization (:mod:`sim.core.organization`) and
writes one row per employee with every roster column: ids, reporting lines, departments,
levels, hire dates and birth years computed at ``as_of`` (1 January of ``reference_year``),
under-representation, skills and attitudes. Read back with the same ``as_of``, it gives the same
tree, departments, levels and generations (the round trip the tests check).
"""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core.organization import build_organization
from sim.core.organization_params import Organization
from sim.core.rng import Streams
from sim.core.state import ATTITUDES

DAYS_PER_YEAR = 365.25


def roster_template(org: Organization, seed: int = 1) -> tuple[pd.DataFrame, datetime.date]:
    """A synthetic organization as a roster table, top of the tree first.

    Args:
        org: A synthetic ``organization`` block (size, levels, span, departments, ...).
        seed: Seed of the organization's draws.

    Returns:
        (the roster table, its ``as_of`` date).
    """
    state = build_organization(org, Streams(seed))
    as_of = datetime.date(org.reference_year, 1, 1)
    order = np.lexsort((np.arange(state.size), state.depth))  # the top first, then by depth
    width = len(str(state.size))
    ids = np.array([f"E{i + 1:0{width}d}" for i in range(state.size)], dtype=object)
    id_of_slot = np.empty(state.size, dtype=object)
    id_of_slot[order] = ids
    manager = state.manager[order]
    hire_days = np.round(state.tenure[order] * DAYS_PER_YEAR).astype("timedelta64[D]")
    hired = np.datetime64(as_of) - hire_days
    table = {
        "employee_id": ids,
        "manager_id": np.where(manager >= 0, id_of_slot[np.maximum(manager, 0)], ""),
        "department": np.array(org.departments, dtype=object)[state.department[order]],
        "level": state.level[order].astype(np.int64),
        "hire_date": np.datetime_as_string(hired, unit="D"),
        "birth_year": np.floor(org.reference_year - state.age[order]).astype(np.int64),
        "underrepresented": np.where(state.underrepresented[order], "true", "false"),
    }
    for k, name in enumerate(org.skill_names):
        table[f"skill.{name}"] = np.round(state.skills[order, k], 3)
    for k, name in enumerate(ATTITUDES):
        table[name] = np.round(state.attitudes[order, k], 3)
    return pd.DataFrame(table), as_of


def write_roster(table: pd.DataFrame, path: str | Path) -> Path:
    """Write a roster table as Parquet (``.parquet``, ``.pq``) or CSV (anything else)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    if path.suffix.lower() in (".parquet", ".pq"):
        table.to_parquet(tmp, index=False)
    else:
        table.to_csv(tmp, index=False)
    tmp.replace(path)
    return path


__all__ = ["roster_template", "write_roster"]

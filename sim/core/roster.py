"""Read and check an anonymized HR roster, and optional collaboration ties.

A roster has one row per employee: ``employee_id`` (unique), ``manager_id`` (empty for the top
of the tree) and ``department`` are required; ``level``, ``hire_date`` or ``tenure_years``,
``birth_year`` or ``age`` or ``generation``, ``underrepresented``, ``skill.<name>`` columns and
the attitudes ``resistance``, ``openness``, ``willingness`` are optional. Whatever is absent is
drawn when the organization is built (:mod:`sim.core.workforce`).

Every check is vectorized (a million rows take seconds); all problems are collected and
reported at once, each naming the file, the line, the column and the value
(:class:`~sim.core.roster_table.RosterError`).

Conventions:

* the reporting tree has exactly one top (an empty ``manager_id``); nobody manages themself;
  every ``manager_id`` is an ``employee_id``; there is no cycle (found by pointer jumping in
  O(N log N), not by recursion);
* without a ``level`` column, an employee's level is the height of the subtree they lead: 0 for
  someone with no reports, otherwise one more than the highest level among their reports. On
  uneven branches a manager of individual contributors is level 1 wherever they sit, and the
  top's level is the depth of the deepest branch. With a ``level`` column, each manager's level
  must be above each of their direct reports';
* ``as_of`` (the date the roster describes) defaults to the newest ``hire_date``, else to
  1 January of the scenario's ``reference_year``; ages and tenures are computed at it. A birth
  year is taken as the middle of that year;
* the generation follows the birth year and the cohorts' birth-year boundaries (Pew);
* empty cells are errors in the required columns and in ``level``, ``birth_year``, ``age`` and
  ``generation``; elsewhere an empty cell is drawn, like a missing column.

Privacy: a column that looks like a direct identifier (names, e-mail, phone, address, national
numbers, date of birth) is refused unless the scenario lists it in ``ignore_columns``; an
ignored column is never converted into values (in a Parquet file, never read). Only
``employee_id`` is ever written to results.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sim.core.organization_params import COHORTS, Cohorts
from sim.core.roster_table import (
    Problem,
    Problems,
    RosterError,
    Table,
    canonical,
    read_columns,
    read_header,
)
from sim.core.state import ATTITUDES as ATTITUDE_COLUMNS

REQUIRED = ("employee_id", "manager_id", "department")
"""Columns every roster needs."""

OPTIONAL = (
    "level",
    "hire_date",
    "tenure_years",
    "birth_year",
    "age",
    "generation",
    "underrepresented",
    *ATTITUDE_COLUMNS,
)
"""Columns a roster may have, besides ``skill.<name>`` columns."""

SKILL = "skill"
"""Prefix of skill columns: ``skill.<name>``."""

ALIASES = {
    "supervisor_id": "manager_id",
    "dept": "department",
    "under_represented": "underrepresented",
}
"""Header names read as another column (unambiguous synonyms in HR exports)."""

IDENTIFIERS = frozenset(
    {
        "name",
        "full_name",
        "first_name",
        "last_name",
        "given_name",
        "family_name",
        "surname",
        "middle_name",
        "preferred_name",
        "display_name",
        "email",
        "e_mail",
        "email_address",
        "work_email",
        "personal_email",
        "phone",
        "phone_number",
        "mobile",
        "mobile_phone",
        "telephone",
        "address",
        "home_address",
        "street",
        "street_address",
        "postcode",
        "zip",
        "zip_code",
        "ssn",
        "social_security_number",
        "national_id",
        "national_insurance_number",
        "tax_id",
        "passport",
        "passport_number",
        "date_of_birth",
        "dob",
        "birth_date",
        "birthdate",
    }
)
"""Header names refused as direct identifiers unless listed in ``ignore_columns``."""

EXCLUSIVE = (("hire_date", "tenure_years"), ("birth_year", "age", "generation"))
"""Groups of columns of which a roster may have one."""

GENERATION_NAMES = {
    "gen_z": ("genz", "generationz", "zoomer", "zoomers"),
    "millennial": ("millennial", "millennials", "geny", "generationy"),
    "gen_x": ("genx", "generationx"),
    "boomer": ("boomer", "boomers", "babyboomer", "babyboomers"),
}
"""Spellings accepted in a ``generation`` column (letters only, lower case)."""

TRUE_WORDS = ("true", "1", "yes", "y", "t")
FALSE_WORDS = ("false", "0", "no", "n", "f")

MIN_ROWS = 10
MAX_ROWS = 5_000_000
MAX_LEVELS = 15
"""Levels the model holds (``organization.levels``)."""
MIN_AGE, MAX_AGE = 14.0, 100.0
EARLIEST = datetime.date(1900, 1, 1)
DAYS_PER_YEAR = 365.25
MAX_DEPARTMENTS = np.iinfo(np.int16).max


# --------------------------------------------------------------------------------------------
# The roster as read
# --------------------------------------------------------------------------------------------


@dataclass(eq=False)
class Roster:
    """A checked roster, one entry per row in file order.

    Attributes:
        file: The file as the scenario names it.
        sha256: SHA-256 of the file's bytes.
        rows: Number of employees.
        employee_id: The ids as written (stripped), as text.
        manager: Row of each employee's manager (-1 for the top).
        depth: Depth in the reporting tree (0 for the top).
        level: Level (0 = individual contributor).
        department: Department code (index into ``departments``).
        departments: Department names, sorted.
        as_of: The date the roster describes (None when no column needs one).
        age: Age in years at ``as_of`` (None: not in the file; NaN never occurs).
        cohort: Generation code (index into COHORTS), None when neither ages nor generations
            are in the file.
        tenure: Tenure in years (NaN where the cell is empty), None when not in the file.
        underrepresented: 1.0, 0.0, or NaN for an empty cell; None when not in the file.
        skills: ``skill.<name>`` columns by name, on [0, 1] (NaN for empty cells).
        attitudes: Attitude columns by name, on [0, 1] (NaN for empty cells).
        sources: Where each field came from: the file's column, or how it was derived.
        notes: What was detected and handled while reading.
        where: ``"line"`` (CSV) or ``"row"`` (Parquet).
    """

    file: str
    sha256: str
    rows: int
    employee_id: pd.Series
    manager: np.ndarray
    depth: np.ndarray
    level: np.ndarray
    department: np.ndarray
    departments: list[str]
    as_of: datetime.date | None = None
    age: np.ndarray | None = None
    cohort: np.ndarray | None = None
    tenure: np.ndarray | None = None
    underrepresented: np.ndarray | None = None
    skills: dict[str, np.ndarray] = field(default_factory=dict)
    attitudes: dict[str, np.ndarray] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    where: str = "line"

    @property
    def levels(self) -> int:
        """Number of levels (the top level plus one)."""
        return int(self.level.max()) + 1

    @property
    def span(self) -> int:
        """The most direct reports any manager has."""
        managers = self.manager[self.manager >= 0]
        return int(np.bincount(managers, minlength=1).max()) if managers.size else 0

    def direct_reports(self) -> np.ndarray:
        """Number of direct reports of each employee."""
        managers = self.manager[self.manager >= 0]
        return np.bincount(managers, minlength=self.rows)


@dataclass
class _Context:
    """What the value checks share."""

    table: Table
    columns: dict[str, int]
    problems: Problems
    as_of: datetime.date | None
    reference_year: int
    cohort_firsts: tuple[int, ...]
    skill_scale: str
    today: datetime.date

    def text(self, name: str) -> pd.Series:
        return self.table.columns[self.columns[name]].str.strip()

    def has(self, name: str) -> bool:
        return name in self.columns


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def read_roster(
    path: str | Path,
    *,
    file: str | None = None,
    as_of: str | datetime.date | None = None,
    skill_scale: str = "unit",
    ignore_columns: Sequence[str] = (),
    cohorts: Cohorts | None = None,
    reference_year: int = 2026,
    today: datetime.date | None = None,
) -> Roster:
    """Read and check a roster file (CSV or Parquet).

    Args:
        path: The file.
        file: How to name the file in messages (default: ``path`` as given).
        as_of: The date the roster describes (default: the newest hire date, else 1 January of
            ``reference_year``).
        skill_scale: ``"unit"`` (skills on [0, 1]) or ``"likert5"`` (1-5).
        ignore_columns: Columns to skip unread.
        cohorts: Cohort birth-year boundaries (default: the scenario defaults, Pew).
        reference_year: Year used when neither ``as_of`` nor hire dates are given.
        today: Today's date, for dates in the future (default: the system's).

    Returns:
        The checked :class:`Roster`.

    Raises:
        RosterError: With every problem, each naming the file, line, column and value.
    """
    name = file or str(path)
    table, raw = read_header(Path(path), name)
    table.file = name
    problems = Problems(name, None, table.where)
    columns = plan_columns(table, ignore_columns, problems)
    if any(c not in columns for c in REQUIRED):
        problems.raise_if_any()
    read_columns(table, raw, sorted(columns.values()))
    del raw
    problems = _merge(table.problems, problems)
    for key, index in columns.items():
        problems.values[key] = table.columns[index]
    first = cohorts.ordered() if cohorts is not None else Cohorts().ordered()
    date = datetime.date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    ctx = _Context(
        table,
        columns,
        problems,
        date,
        reference_year,
        tuple(c.birth_year_first for c in first),
        skill_scale,
        today or datetime.date.today(),
    )
    roster = _check(ctx)
    problems.raise_if_any()
    return roster


def _merge(read: Problems | None, header: Problems) -> Problems:
    if read is None:
        return header
    for p in header.first(header.total):
        read.add(p)
    return read


def plan_columns(
    table: Table,
    ignore: Sequence[str],
    problems: Problems,
    expected: Sequence[str] = (*REQUIRED, *OPTIONAL),
    required: Sequence[str] = REQUIRED,
    prefixes: Sequence[str] = (SKILL,),
) -> dict[str, int]:
    """Match the header to the expected columns; add a problem for each that does not fit.

    Returns:
        Canonical column name -> position in the header, for the columns to read.
    """
    ignored = {c.strip() for c in ignore} | {canonical(c, prefixes) for c in ignore}
    found: dict[str, int] = {}
    line = table.header_line if table.kind == "csv" else None

    def bad(name: str, message: str) -> None:
        problems.add(Problem(line, name, None, message))

    for i, name in enumerate(table.header):
        key = canonical(name, prefixes)
        key = ALIASES.get(key, key)
        if name.strip() in ignored or key in ignored:
            continue
        if not key:
            bad(repr(name), "a column without a name (a trailing delimiter?); remove it")
        elif key in IDENTIFIERS:
            bad(name, _IDENTIFIER_MESSAGE)
        elif key in found:
            other = table.header[found[key]]
            bad(name, f"reads as {key}, like column {other!r}; keep one, or ignore the other")
        elif key in expected or any(key.startswith(p + ".") and key != p + "." for p in prefixes):
            found[key] = i
        else:
            bad(name, _unknown_message(expected, prefixes))
    for key in required:
        if key not in found:
            bad(key, "required column is missing")
    for group in EXCLUSIVE:
        present = [c for c in group if c in found]
        if len(present) > 1 and set(group) <= set(expected):
            bad(present[1], f"give one of {', '.join(group)}, not {' and '.join(present)}")
    return found


_IDENTIFIER_MESSAGE = (
    "looks like a direct identifier and is refused: remove it from the file, or list it in "
    "organization.ignore_columns to skip it unread"
)


def _unknown_message(expected: Sequence[str], prefixes: Sequence[str]) -> str:
    known = ", ".join(expected) + "".join(f", {p}.<name>" for p in prefixes)
    return f"unknown column (expected {known}); list it in organization.ignore_columns to skip it"


# --------------------------------------------------------------------------------------------
# Checking the values
# --------------------------------------------------------------------------------------------


def _check(ctx: _Context) -> Roster:
    n = ctx.table.rows
    if n < MIN_ROWS:
        what = "a header but no employees" if n == 0 else f"{n} employees"
        ctx.problems.add(Problem(None, None, None, f"the file has {what}; at least {MIN_ROWS}"))
    if n > MAX_ROWS:
        ctx.problems.add(Problem(None, None, None, f"{n} employees; at most {MAX_ROWS:,}"))
    ids = ctx.text("employee_id")
    manager = _managers(ctx, ids)
    depth, in_tree = _tree(ctx, ids, manager)
    level, level_source = _levels(ctx, manager, depth, in_tree)
    department, departments = _departments(ctx)
    ctx.as_of = _as_of(ctx)
    age, cohort, age_source = _ages(ctx)
    tenure, tenure_source = _tenure(ctx, age)
    roster = Roster(
        ctx.table.file,
        ctx.table.sha256,
        n,
        ids,
        manager,
        depth.astype(np.int16),
        level,
        department,
        departments,
        as_of=ctx.as_of,
        age=age,
        cohort=cohort,
        tenure=tenure,
        underrepresented=_flags(ctx, "underrepresented"),
        skills=_skills(ctx),
        attitudes={a: _unit(ctx, a) for a in ATTITUDE_COLUMNS if ctx.has(a)},
        notes=list(ctx.table.notes),
        where=ctx.table.where,
    )
    roster.sources = _sources(roster, level_source, age_source, tenure_source)
    return roster


def _managers(ctx: _Context, ids: pd.Series) -> np.ndarray:
    """Row of each employee's manager: -1 for the top, -2 where it cannot be used."""
    p = ctx.problems
    empty_id = (ids == "").to_numpy(bool)
    p.mask(empty_id, "employee_id", "empty: every employee needs an id")
    duplicate = ids.duplicated(keep="first").to_numpy(bool) & ~empty_id
    if duplicate.any():
        first = pd.Series(np.arange(ids.size)).groupby(ids.to_numpy(object)).transform("min")
        first_line = ctx.problems.lines[first.to_numpy()]
        where = ctx.table.where
        p.mask(
            duplicate, "employee_id", lambda r: f"duplicate id, first on {where} {first_line[r]}"
        )
    boss = ctx.text("manager_id")
    index = pd.Index(ids[~duplicate & ~empty_id].to_numpy(object))
    rows = np.flatnonzero(~duplicate & ~empty_id)
    found = index.get_indexer(boss.to_numpy(object))
    manager = np.where(found >= 0, rows[np.maximum(found, 0)], -2)
    top = (boss == "").to_numpy(bool)
    manager[top] = -1
    p.mask((manager == -2) & ~top, "manager_id", "not an employee_id in the file")
    self_managed = manager == np.arange(ids.size)
    p.mask(self_managed, "manager_id", "the employee's own id: nobody manages themself")
    manager[self_managed] = -2
    tops = np.flatnonzero(top)
    if tops.size == 0 and ids.size:
        p.add(
            Problem(None, "manager_id", None, "no empty manager_id: the top of the tree is missing")
        )
    elif tops.size > 1:
        first_top = ctx.problems.lines[tops[0]]
        p.rows(
            tops[1:],
            "manager_id",
            f"empty, a second top of the tree (the first is on {ctx.table.where} {first_top}); "
            "every employee but one needs a manager",
        )
    return manager


def _tree(ctx: _Context, ids: pd.Series, manager: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Depth of every employee by pointer jumping; report reporting cycles and deep trees.

    Returns:
        (depth, in_tree): depth from the top (0 where unknown) and whether the employee's
        reporting line reaches the top.
    """
    n = manager.size
    idx = np.arange(n)
    broken = manager < 0  # the top, and employees whose manager was already reported
    up = np.where(broken, idx, manager)
    dist = (~broken).astype(np.int64)
    rounds = max(1, int(np.ceil(np.log2(max(n, 2)))) + 1)
    for _ in range(rounds):
        dist = dist + dist[up]
        up = up[up]
        if np.array_equal(up[up], up) and broken[up].all():
            break
    in_cycle = ~broken[up]
    if in_cycle.any():
        _report_cycles(ctx, ids, manager, in_cycle, up, rounds)
    reaches_top = ~in_cycle & (manager[up] == -1)
    depth = np.where(reaches_top, dist, 0)
    deepest = int(depth.max()) if n else 0
    if deepest >= MAX_LEVELS:
        row = int(np.argmax(depth))
        ctx.problems.rows(
            np.array([row]),
            "manager_id",
            f"this reporting line is {deepest + 1} levels deep; the model holds at most {MAX_LEVELS}",
        )
    return depth, reaches_top


def _report_cycles(
    ctx: _Context,
    ids: pd.Series,
    manager: np.ndarray,
    in_cycle: np.ndarray,
    far: np.ndarray,
    rounds: int,
) -> None:
    """One problem per reporting cycle, on the line of its first member in the file."""
    n = manager.size
    nxt = np.where(in_cycle, manager, np.arange(n))
    low, up = np.arange(n), nxt.copy()
    for _ in range(rounds):  # low[i]: the lowest row among the 2**rounds successors of i
        low = np.minimum(low, low[up])
        up = up[up]
    rep = low[far[in_cycle]]  # far lies on the cycle, whose lowest row names it
    cycles, counts = np.unique(rep, return_counts=True)

    def message(row: int) -> str:
        chain, slot = [str(ids.iloc[row])], int(nxt[row])
        while slot != row and len(chain) < 8:
            chain.append(str(ids.iloc[slot]))
            slot = int(nxt[slot])
        chain.append(str(ids.iloc[slot]) if slot == row else "...")
        count = int(counts[np.searchsorted(cycles, row)])
        return f"a reporting cycle: {' -> '.join(chain)} ({count} employees report into it)"

    ctx.problems.rows(cycles, "manager_id", message)


def _levels(
    ctx: _Context, manager: np.ndarray, depth: np.ndarray, in_tree: np.ndarray
) -> tuple[np.ndarray, str]:
    """Levels from the file (checked against the tree) or from the tree (subtree height)."""
    if not ctx.has("level"):
        return _heights(manager, depth, in_tree).astype(np.int16), "derived"
    level = _number(ctx, "level", 0, MAX_LEVELS - 1, integer=True, required=True)
    rows = np.flatnonzero(manager >= 0)
    boss = manager[rows]
    ok = ~np.isnan(level[rows]) & ~np.isnan(level[boss])
    bad = ok & (level[boss] <= level[rows])
    lines = ctx.problems.lines
    reports, bosses = rows[bad], boss[bad]
    ids, values = ctx.text("employee_id"), ctx.text("level")

    def message(k: int) -> str:
        r = int(reports[k])
        where = f"{ctx.table.where} {lines[r]}"
        return (
            f"not above the level of direct report {ids.iloc[r]} ({where}, level {values.iloc[r]})"
        )

    # on the manager's line, one problem per report
    ctx.problems.rows(bosses, "level", message, by_entry=True)
    return np.nan_to_num(level, nan=0).astype(np.int16), "file"


def _heights(manager: np.ndarray, depth: np.ndarray, in_tree: np.ndarray) -> np.ndarray:
    """Height of each employee's subtree (0 with no reports), bottom-up one depth at a time."""
    height = np.zeros(manager.size, np.int64)
    rows = np.flatnonzero(in_tree & (manager >= 0))
    order = rows[np.argsort(-depth[rows], kind="stable")]
    bounds = np.flatnonzero(np.diff(depth[order])) + 1
    for group in np.split(order, bounds):
        np.maximum.at(height, manager[group], height[group] + 1)
    return height


def _departments(ctx: _Context) -> tuple[np.ndarray, list[str]]:
    text = ctx.text("department")
    empty = (text == "").to_numpy(bool)
    ctx.problems.mask(empty, "department", "empty: every employee needs a department")
    codes, names = pd.factorize(text.to_numpy(object), sort=True)
    if len(names) > MAX_DEPARTMENTS:
        ctx.problems.add(
            Problem(
                None, "department", None, f"{len(names)} departments; at most {MAX_DEPARTMENTS}"
            )
        )
    return codes.astype(np.int16), [str(n) for n in names]


# --------------------------------------------------------------------------------------------
# Dates, ages, tenure
# --------------------------------------------------------------------------------------------


def _as_of(ctx: _Context) -> datetime.date | None:
    """The roster's date: given, else the newest hire date, else 1 January of reference_year."""
    if ctx.as_of is not None:
        return ctx.as_of
    if ctx.has("hire_date"):
        days = _days(ctx.text("hire_date"))
        days = days[~np.isnan(days) & (days <= _day(ctx.today))]
        if days.size:
            return _date(int(days.max()))
    return datetime.date(ctx.reference_year, 1, 1)


def _day(date: datetime.date) -> int:
    return (date - datetime.date(1970, 1, 1)).days


def _date(day: int) -> datetime.date:
    return datetime.date(1970, 1, 1) + datetime.timedelta(days=day)


def _days(text: pd.Series) -> np.ndarray:
    """Days since 1970 of ISO dates (YYYY-MM-DD); NaN for empty or invalid cells."""
    shaped = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}").to_numpy(bool, na_value=False)
    parsed = pd.to_datetime(text.where(shaped, None), format="%Y-%m-%d", errors="coerce")
    values = parsed.to_numpy().astype("datetime64[D]")
    out = values.astype(np.int64).astype(np.float64)
    out[np.isnat(values)] = np.nan
    return out


def _ages(ctx: _Context) -> tuple[np.ndarray | None, np.ndarray | None, str | None]:
    """Ages and generations from birth_year, age or generation (whichever is given)."""
    year = ctx.as_of.year + (ctx.as_of.timetuple().tm_yday - 1) / DAYS_PER_YEAR
    if ctx.has("birth_year"):
        born = _number(ctx, "birth_year", 1900, ctx.as_of.year, integer=True, required=True)
        age = year - (born + 0.5)
        _age_range(ctx, "birth_year", age)
        return age, _cohorts(ctx, born), "birth_year"
    if ctx.has("age"):
        age = _number(ctx, "age", MIN_AGE, MAX_AGE, required=True)
        return age, _cohorts(ctx, np.floor(year - age)), "age"
    if ctx.has("generation"):
        return None, _generations(ctx), "generation"
    return None, None, None


def _age_range(ctx: _Context, column: str, age: np.ndarray) -> None:
    bad = ~np.isnan(age) & ((age < MIN_AGE) | (age > MAX_AGE))
    ctx.problems.mask(
        bad,
        column,
        lambda r: f"an age of {age[r]:.0f} on {ctx.as_of}, outside {MIN_AGE:.0f}-{MAX_AGE:.0f}",
    )


def _cohorts(ctx: _Context, birth_year: np.ndarray) -> np.ndarray:
    """Generation of each birth year, from the cohorts' first birth years (youngest first)."""
    cohort = np.full(birth_year.size, len(COHORTS) - 1, dtype=np.int8)
    for code in range(len(COHORTS) - 2, -1, -1):
        cohort[birth_year >= ctx.cohort_firsts[code]] = code
    return np.where(np.isnan(birth_year), 0, cohort).astype(np.int8)


def _generations(ctx: _Context) -> np.ndarray:
    words = ctx.text("generation").str.lower().str.replace(r"[^a-z]", "", regex=True)
    cohort = np.full(words.size, -1, dtype=np.int8)
    for code, name in enumerate(COHORTS):
        cohort[words.isin(GENERATION_NAMES[name]).to_numpy(bool)] = code
    allowed = ", ".join(COHORTS)
    ctx.problems.mask(cohort < 0, "generation", f"not a generation ({allowed})")
    return np.maximum(cohort, 0)


def _tenure(ctx: _Context, age: np.ndarray | None) -> tuple[np.ndarray | None, str | None]:
    if ctx.has("hire_date"):
        tenure, source = _hire_tenure(ctx), "hire_date"
    elif ctx.has("tenure_years"):
        tenure = _number(ctx, "tenure_years", 0.0, MAX_AGE - MIN_AGE)
        source = "tenure_years"
    else:
        return None, None
    if age is not None:  # birth years are mid-year guesses: a year's slack
        young = ~np.isnan(tenure) & ~np.isnan(age) & (age - tenure < MIN_AGE - 1.0)
        ctx.problems.mask(
            young, source, lambda r: f"hired at about age {age[r] - tenure[r]:.0f}, before 14"
        )
    return tenure, source


def _hire_tenure(ctx: _Context) -> np.ndarray:
    text = ctx.text("hire_date")
    days = _days(text)
    empty = (text == "").to_numpy(bool)
    p = ctx.problems
    p.mask(~empty & np.isnan(days), "hire_date", "not a date YYYY-MM-DD")
    p.mask(days < _day(EARLIEST), "hire_date", "before 1900")
    future = days > _day(ctx.today)
    p.mask(future, "hire_date", f"in the future (today is {ctx.today})")
    p.mask(~future & (days > _day(ctx.as_of)), "hire_date", f"after as_of ({ctx.as_of})")
    return (_day(ctx.as_of) - days) / DAYS_PER_YEAR


# --------------------------------------------------------------------------------------------
# Numbers, flags, skills
# --------------------------------------------------------------------------------------------


def _number(
    ctx: _Context,
    column: str,
    low: float,
    high: float,
    *,
    integer: bool = False,
    required: bool = False,
) -> np.ndarray:
    """A numeric column as float64 (NaN where empty); problems for text and out-of-range values."""
    text = ctx.text(column)
    empty = (text == "").to_numpy(bool)
    values = to_float(text)
    p = ctx.problems
    if required:
        p.mask(empty, column, "empty; this column needs a value in every row")
    p.mask(~empty & np.isnan(values), column, "not a number")
    if integer:
        p.mask(~np.isnan(values) & (values != np.round(values)), column, "not a whole number")
    out = ~np.isnan(values) & ((values < low) | (values > high))
    p.mask(out, column, f"outside {_fmt(low)}-{_fmt(high)}")
    values[out] = np.nan
    return values


NUMBER = r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$"
"""A decimal number as text (the cells are stripped first)."""


def to_float(text: pd.Series) -> np.ndarray:
    """Numbers written as text, as float64; NaN where a cell is not a number (or empty).

    Arrow's compute functions, four times quicker than ``pandas.to_numeric`` on a million
    cells.
    """
    cells = pa.array(text, type=pa.large_string())
    ok = pc.match_substring_regex(cells, NUMBER)
    values = pc.cast(pc.if_else(ok, cells, "nan"), pa.float64())
    return values.to_numpy(zero_copy_only=False).astype(np.float64, copy=True)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _unit(ctx: _Context, column: str) -> np.ndarray:
    return _number(ctx, column, 0.0, 1.0)


def _flags(ctx: _Context, column: str) -> np.ndarray | None:
    if not ctx.has(column):
        return None
    words = ctx.text(column).str.lower()
    yes = words.isin(TRUE_WORDS).to_numpy(bool)
    no = words.isin(FALSE_WORDS).to_numpy(bool)
    empty = (words == "").to_numpy(bool)
    ctx.problems.mask(~(yes | no | empty), column, "not true/false, 1/0 or yes/no")
    return np.where(yes, 1.0, np.where(no, 0.0, np.nan))


def _skills(ctx: _Context) -> dict[str, np.ndarray]:
    out = {}
    for column in sorted(c for c in ctx.columns if c.startswith(SKILL + ".")):
        name = column[len(SKILL) + 1 :]
        if ctx.skill_scale == "likert5":
            out[name] = (_number(ctx, column, 1.0, 5.0) - 1.0) / 4.0
        else:
            out[name] = _unit(ctx, column)
    return out


def _sources(roster: Roster, level: str, age: str | None, tenure: str | None) -> dict[str, str]:
    """Where each field comes from: ``file: <column>``, or how it is derived."""

    def filled(column: str, values: np.ndarray | None) -> str:
        if values is None:
            return "drawn"
        empty = int(np.isnan(values).sum())
        return f"file: {column}" + (f" ({empty} empty cells drawn)" if empty else "")

    out = {
        "employee_id": "file: employee_id",
        "manager": "file: manager_id",
        "department": "file: department",
        "level": "file: level" if level == "file" else "derived: height of the subtree led",
        "cohort": f"file: {age}" if age else "drawn",
        "age": f"file: {age}" if age in ("birth_year", "age") else "drawn",
        "tenure": filled(tenure, roster.tenure) if tenure else "drawn",
        "underrepresented": filled("underrepresented", roster.underrepresented),
    }
    if age == "generation":
        out["age"] = "drawn within the generation's birth years"
    for name, values in roster.skills.items():
        out[f"skills.{name}"] = filled(f"skill.{name}", values)
    for name in ATTITUDE_COLUMNS:
        out[f"attitudes.{name}"] = filled(name, roster.attitudes.get(name))
    return out


# --------------------------------------------------------------------------------------------
# Loading once per process
# --------------------------------------------------------------------------------------------


def load_roster(
    path: str | Path,
    *,
    file: str | None = None,
    as_of: str | None = None,
    skill_scale: str = "unit",
    ignore_columns: Sequence[str] = (),
    cohorts: Cohorts | None = None,
    reference_year: int = 2026,
) -> Roster:
    """:func:`read_roster`, read once per process for the same file and options.

    The file's modification time and size are part of the key, so a file changed on disk is
    read again. The reference year counts only without ``as_of``; a roster read without
    ``as_of`` is also kept under the date it resolved to, since reading it with that date
    gives the same roster. Callers must not modify the returned roster.
    """
    p = Path(path)
    try:
        stat = p.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        stamp = (0, 0)
    firsts = tuple(c.birth_year_first for c in (cohorts or Cohorts()).ordered())
    base = (str(p.absolute()), stamp, file, skill_scale, tuple(ignore_columns), firsts)
    key = (*base, as_of, None if as_of else reference_year)
    roster = _ROSTERS.get(key)
    if roster is None:
        roster = read_roster(
            path,
            file=file,
            as_of=as_of,
            skill_scale=skill_scale,
            ignore_columns=ignore_columns,
            cohorts=cohorts,
            reference_year=reference_year,
        )
        _keep(_ROSTERS, key, roster)
        if as_of is None:  # the same roster, asked for by the date or year it resolved to
            _keep(_ROSTERS, (*base, str(roster.as_of), None), roster)
            _keep(_ROSTERS, (*base, None, roster.as_of.year), roster)
    return roster


_ROSTERS: dict[tuple, Roster] = {}
CACHED = 4
"""Rosters kept per process (a million rows take about 1 GB)."""


def _keep(cache: dict, key: tuple, value) -> None:
    cache.pop(key, None)
    cache[key] = value
    while len(cache) > CACHED:
        cache.pop(next(iter(cache)))


# --------------------------------------------------------------------------------------------
# Collaboration ties
# --------------------------------------------------------------------------------------------

TIE_COLUMNS = ("source_id", "target_id", "weight")


@dataclass
class Ties:
    """Checked collaboration ties between roster employees (undirected, one per pair).

    Attributes:
        file: The file as the scenario names it.
        sha256: SHA-256 of the file's bytes.
        source: Roster row of one end of each tie.
        target: Roster row of the other end (``source < target``).
        records: Records in the file (before ties of weight 0 and repeats are dropped).
    """

    file: str
    sha256: str
    source: np.ndarray
    target: np.ndarray
    records: int


def read_ties(
    path: str | Path, roster: Roster, *, file: str | None = None, ignore_columns=()
) -> Ties:
    """Read and check a ties file: ``source_id, target_id[, weight]``.

    Ids must be ``employee_id`` values of the roster; a weight, when given, is a number >= 0
    (collaboration counts, say). The model's informal network is unweighted: a tie of weight 0
    is dropped, every other tie counts once, and A-B and B-A are one tie.

    Raises:
        RosterError: With every problem, each naming the file, line, column and value.
    """
    name = file or str(path)
    table, raw = read_header(Path(path), name)
    table.file = name
    problems = Problems(name, None, table.where)
    columns = plan_columns(table, ignore_columns, problems, TIE_COLUMNS, TIE_COLUMNS[:2], ())
    if any(c not in columns for c in TIE_COLUMNS[:2]):
        problems.raise_if_any()
    read_columns(table, raw, sorted(columns.values()))
    problems = _merge(table.problems, problems)
    for key, index in columns.items():
        problems.values[key] = table.columns[index]
    if table.rows == 0:
        problems.add(Problem(None, None, None, "the file has a header but no ties"))
    index = pd.Index(roster.employee_id.to_numpy(object))
    ends = []
    for column in TIE_COLUMNS[:2]:
        text = table.columns[columns[column]].str.strip()
        rows = index.get_indexer(text.to_numpy(object))
        problems.mask(rows < 0, column, f"not an employee_id of the roster {roster.file}")
        ends.append(rows)
    source, target = ends
    problems.mask((source == target) & (source >= 0), "target_id", "a tie to oneself")
    weight = np.ones(table.rows)
    if "weight" in columns:
        ctx = _Context(table, columns, problems, None, 0, (), "unit", datetime.date.today())
        weight = np.nan_to_num(_number(ctx, "weight", 0.0, np.inf), nan=1.0)
    problems.raise_if_any()
    keep = weight > 0
    low, high = np.minimum(source, target)[keep], np.maximum(source, target)[keep]
    pairs = np.unique(np.stack([low, high], axis=1), axis=0)
    return Ties(name, table.sha256, pairs[:, 0], pairs[:, 1], table.rows)


def load_ties(path: str | Path, roster: Roster, *, file=None, ignore_columns=()) -> Ties:
    """:func:`read_ties`, read once per process for the same file, roster and options."""
    p = Path(path)
    try:
        stat = p.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        stamp = (0, 0)
    key = (str(p.absolute()), stamp, id(roster), roster.sha256, file, tuple(ignore_columns))
    ties = _TIES.get(key)
    if ties is None:
        ties = read_ties(path, roster, file=file, ignore_columns=ignore_columns)
        _keep(_TIES, key, ties)
    return ties


_TIES: dict[tuple, Ties] = {}


__all__ = [
    "ALIASES",
    "IDENTIFIERS",
    "OPTIONAL",
    "REQUIRED",
    "TIE_COLUMNS",
    "Problem",
    "Roster",
    "RosterError",
    "Ties",
    "load_roster",
    "load_ties",
    "plan_columns",
    "read_roster",
    "read_ties",
]

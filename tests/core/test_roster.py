"""Reading and checking a roster: every problem named by file, line, column and value."""

import datetime
import pickle

import numpy as np
import pandas as pd
import pytest

from sim.core.organization_params import COHORTS
from sim.core.roster import MAX_LEVELS, read_roster, read_ties
from sim.core.roster_table import MAX_SHOWN, RosterError, canonical

TODAY = datetime.date(2026, 6, 1)

HEADER = "employee_id,manager_id,department,level,hire_date,birth_year,underrepresented,skill.genai_tools,resistance"
ROWS = [
    "E01,,Exec,3,2005-03-01,1962,no,0.2,0.5",
    "E02,E01,Eng,2,2010-05-01,1970,no,0.4,0.4",
    "E03,E02,Eng,1,2015-05-01,1980,yes,0.5,0.3",
    "E04,E03,Eng,0,2020-05-01,1995,no,0.8,0.2",
    "E05,E03,Eng,0,2021-05-01,1999,yes,0.9,0.1",
    "E06,E02,Eng,1,2016-05-01,1978,no,0.4,0.3",
    "E07,E06,Eng,0,2022-05-01,2000,no,0.7,0.2",
    "E08,E06,Eng,0,2023-05-01,2001,no,0.6,0.2",
    "E09,E01,Sales,1,2012-05-01,1975,yes,0.3,0.4",
    "E10,E09,Sales,0,2024-05-01,2002,no,0.9,0.1",
    "E11,E09,Sales,0,2025-06-01,1990,no,0.5,0.2",
]
"""A valid roster of 11 (line n + 1 of the file holds ROWS[n - 1]; the header is line 1)."""


def write(tmp_path, rows=ROWS, header=HEADER, name="r.csv", sep=",", prefix=b""):
    path = tmp_path / name
    text = "\n".join([header, *rows]) + "\n"
    path.write_bytes(prefix + text.replace(",", sep).encode("utf-8"))
    return path


def problems(path, **kw):
    with pytest.raises(RosterError) as info:
        read_roster(path, today=TODAY, **kw)
    return info.value


def find(error, line, column):
    hits = [p for p in error.problems if p.line == line and p.column == column]
    assert hits, f"no problem at line {line}, column {column}:\n{error.report()}"
    return hits[0]


def test_a_valid_roster_is_read_with_its_tree_levels_dates_and_generations(tmp_path):
    r = read_roster(write(tmp_path), today=TODAY)
    assert r.rows == 11 and r.employee_id.tolist()[:3] == ["E01", "E02", "E03"]
    assert r.manager.tolist() == [-1, 0, 1, 2, 2, 1, 5, 5, 0, 8, 8]
    assert r.depth.tolist() == [0, 1, 2, 3, 3, 2, 3, 3, 1, 2, 2]
    assert r.level.tolist() == [3, 2, 1, 0, 0, 1, 0, 0, 1, 0, 0]
    assert r.departments == ["Eng", "Exec", "Sales"] and r.department[0] == 1
    assert r.as_of == datetime.date(2025, 6, 1), "as_of defaults to the newest hire date"
    assert r.tenure[-1] == 0.0 and abs(r.tenure[0] - 20.25) < 0.01, "tenure in years at as_of"
    # born mid-1962, seen on 2025-06-01: 62.9 years old
    assert abs(r.age[0] - (2025 + 151 / 365.25 - 1962.5)) < 1e-9
    assert [COHORTS[c] for c in r.cohort[[0, 1, 3, 4]]] == [
        "boomer",
        "gen_x",
        "millennial",
        "gen_z",
    ], "generations follow Pew's birth years"
    assert r.underrepresented.tolist()[:3] == [0.0, 0.0, 1.0]
    assert r.skills["genai_tools"][4] == 0.9 and r.attitudes["resistance"][0] == 0.5
    assert r.sources["level"] == "file: level" and r.sources["attitudes.openness"] == "drawn"


def test_header_names_are_matched_loosely_only_where_unambiguous(tmp_path):
    header = "Employee ID,ManagerId,DEPARTMENT,Level,Hire Date,Birth-Year,Under-represented,Skill: GenAI tools,Resistance"
    r = read_roster(write(tmp_path, header=header), today=TODAY)
    assert r.skills.keys() == {"genai_tools"} and r.level[0] == 3
    assert canonical("supervisorID") == "supervisor_id"
    twice = problems(write(tmp_path, header=HEADER.replace("level", "Employee ID")))
    p = find(twice, 1, "Employee ID")
    assert "like column 'employee_id'" in p.message


def test_unknown_and_identifier_columns_are_refused_unless_ignored(tmp_path):
    header = HEADER + ",email,Favourite colour"
    rows = [row + f",person{i}@example.com,blue" for i, row in enumerate(ROWS)]
    error = problems(write(tmp_path, rows, header))
    assert "direct identifier" in find(error, 1, "email").message
    assert "unknown column" in find(error, 1, "Favourite colour").message
    assert error.total == 2
    r = read_roster(
        write(tmp_path, rows, header), today=TODAY, ignore_columns=["email", "favourite_colour"]
    )
    assert r.rows == 11


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_ignored_columns_are_never_read_into_the_roster(tmp_path, kind):
    header = HEADER + ",email"
    rows = [row + f",secret{i}@example.com" for i, row in enumerate(ROWS)]
    path = write(tmp_path, rows, header)
    if kind == "parquet":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        path = tmp_path / "r.parquet"
        frame.to_parquet(path, index=False)
    roster = read_roster(path, today=TODAY, ignore_columns=["email"])
    blob = pickle.dumps(roster)
    assert b"secret" not in blob and b"example.com" not in blob


@pytest.mark.parametrize(
    ("sep", "prefix", "note"),
    [(";", b"", "semicolon"), ("\t", b"", "tab"), (",", b"\xef\xbb\xbf", "byte-order mark")],
)
def test_another_delimiter_or_a_byte_order_mark_is_detected_and_handled(
    tmp_path, sep, prefix, note
):
    plain = read_roster(write(tmp_path), today=TODAY)
    other = read_roster(write(tmp_path, name="o.csv", sep=sep, prefix=prefix), today=TODAY)
    assert other.employee_id.tolist() == plain.employee_id.tolist()
    assert (other.manager == plain.manager).all() and (other.level == plain.level).all()
    assert any(note in n for n in other.notes), other.notes


def test_blank_lines_and_windows_line_ends_keep_line_numbers_right(tmp_path):
    rows = [*ROWS[:4], "", *ROWS[4:6], "E07,E99,Eng,0,2022-05-01,2000,no,0.7,0.2", *ROWS[7:]]
    path = tmp_path / "w.csv"
    path.write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode())
    error = problems(path)
    assert find(error, 9, "manager_id").value == "E99", "line 9: the blank line 6 counts"


def test_an_empty_file_and_a_header_alone_are_errors(tmp_path):
    empty = tmp_path / "e.csv"
    empty.write_text("\n\n")
    assert "empty" in problems(empty).problems[0].message
    header_only = write(tmp_path, rows=[])
    assert "a header but no employees" in problems(header_only).report()
    missing = write(tmp_path, header="employee_id,department", rows=["E1,Eng"])
    assert "required column is missing" in find(problems(missing), 1, "manager_id").message


def swap(row_index, column, value, rows=ROWS):
    """ROWS with one cell replaced (column by name)."""
    names = HEADER.split(",")
    out = list(rows)
    cells = out[row_index].split(",")
    cells[names.index(column)] = value
    out[row_index] = ",".join(cells)
    return out


@pytest.mark.parametrize(
    ("rows", "line", "column", "says"),
    [
        (swap(4, "employee_id", "E04"), 6, "employee_id", "duplicate id, first on line 5"),
        (swap(3, "manager_id", "E77"), 5, "manager_id", "not an employee_id"),
        (swap(1, "manager_id", "E02"), 3, "manager_id", "manages themself"),
        (swap(8, "manager_id", ""), 10, "manager_id", "a second top of the tree"),
        (swap(2, "manager_id", "E04"), 4, "manager_id", "a reporting cycle: E03 -> E04 -> E03"),
        (swap(2, "level", "0"), 4, "level", "not above the level of direct report E04"),
        (swap(3, "level", "15"), 5, "level", "outside 0-14"),
        (swap(3, "level", "1.5"), 5, "level", "not a whole number"),
        (swap(3, "hire_date", "2027-01-01"), 5, "hire_date", "in the future"),
        (swap(3, "hire_date", "1899-12-31"), 5, "hire_date", "before 1900"),
        (swap(3, "hire_date", "03/05/2020"), 5, "hire_date", "not a date YYYY-MM-DD"),
        (swap(3, "birth_year", "2020"), 5, "birth_year", "an age of 5"),
        (swap(3, "birth_year", "1880"), 5, "birth_year", "outside 1900-2025"),
        (swap(3, "birth_year", "2010"), 5, "hire_date", "before 14"),
        (swap(3, "skill.genai_tools", "1.2"), 5, "skill.genai_tools", "outside 0-1"),
        (swap(3, "resistance", "high"), 5, "resistance", "not a number"),
        (swap(3, "underrepresented", "maybe"), 5, "underrepresented", "not true/false"),
        (swap(3, "department", ""), 5, "department", "empty"),
    ],
)
def test_every_mistake_is_named_by_line_column_and_value(tmp_path, rows, line, column, says):
    error = problems(write(tmp_path, rows))
    p = find(error, line, column)
    assert says in p.message, error.report()
    assert f"r.csv, line {line}, column {column}" in error.report()


def test_a_row_with_the_wrong_number_of_fields_is_named_by_line(tmp_path):
    rows = [*ROWS[:5], ROWS[5] + ",extra", *ROWS[6:]]
    error = problems(write(tmp_path, rows))
    assert any(p.line == 7 and "10 fields" in p.message for p in error.problems), error.report()


def test_ages_and_as_of_given_explicitly(tmp_path):
    header = HEADER.replace("birth_year", "age")
    rows = [swap(i, "birth_year", str(60 - 3 * i)) for i in range(len(ROWS))]
    rows = [r[i] for i, r in enumerate(rows)]
    r = read_roster(write(tmp_path, rows, header), today=TODAY, as_of="2025-12-31")
    assert r.as_of == datetime.date(2025, 12, 31) and r.age[0] == 60.0
    bad = problems(write(tmp_path, swap(2, "birth_year", "101", rows), header), as_of="2025-12-31")
    assert "outside 14-100" in find(bad, 4, "age").message
    late = problems(write(tmp_path, rows, header), as_of="2020-01-01")
    assert "after as_of (2020-01-01)" in find(late, 12, "hire_date").message


def test_generations_are_read_in_their_common_spellings(tmp_path):
    header = HEADER.replace("birth_year", "generation")
    words = ["Baby Boomers", "Gen X", "millennials", "Gen-Z", "GenZ", "Gen X"] + ["Gen Z"] * 5
    rows = [swap(i, "birth_year", w)[i] for i, w in enumerate(words)]
    r = read_roster(write(tmp_path, rows, header), today=TODAY)
    assert [COHORTS[c] for c in r.cohort[:4]] == ["boomer", "gen_x", "millennial", "gen_z"]
    assert r.age is None and r.sources["age"].startswith("drawn")
    bad = problems(write(tmp_path, swap(1, "birth_year", "silent", rows), header))
    assert "not a generation" in find(bad, 3, "generation").message


def test_levels_absent_are_the_height_of_the_subtree_led(tmp_path):
    header = "employee_id,manager_id,department"
    # uneven branches: E01 -> E02 -> E03 -> E04 (3 deep) and E01 -> E05 (a leaf at depth 1)
    rows = ["E01,,X", "E02,E01,X", "E03,E02,X", "E04,E03,X", "E05,E01,X"]
    rows += [f"E{i:02d},E03,X" for i in range(6, 12)]
    r = read_roster(write(tmp_path, rows, header), today=TODAY)
    assert r.level.tolist()[:5] == [3, 2, 1, 0, 0], "bottom of each branch is 0"
    assert (r.level[r.manager[r.manager >= 0]] > r.level[r.manager >= 0]).all()
    assert r.sources["level"].startswith("derived")


def test_every_problem_is_counted_and_the_first_fifty_shown_by_line(tmp_path):
    rows = [f"E{i:04d},E0000,Eng,0,2020-01-01,1990,no,{1 + i},0.1" for i in range(1, 120)]
    rows = ["E0000,,Eng,1,2020-01-01,1980,no,0.5,0.1", *rows]
    error = problems(write(tmp_path, rows))
    assert error.total == 119 and len(error.problems) == MAX_SHOWN
    assert [p.line for p in error.problems] == list(range(3, 3 + MAX_SHOWN))
    assert error.report().endswith(f"... and {119 - MAX_SHOWN} more")


def test_a_long_reporting_cycle_is_found_once(tmp_path):
    n = 20_000
    ids = [f"P{i}" for i in range(n)]
    frame = pd.DataFrame(
        {
            "employee_id": ["TOP", *ids],
            "manager_id": ["", *ids[1:], ids[0]],  # P0 -> P1 -> ... -> P(n-1) -> P0
            "department": "X",
        }
    )
    frame.to_csv(tmp_path / "c.csv", index=False)
    error = problems(tmp_path / "c.csv")
    cycles = [p for p in error.problems if "cycle" in p.message]
    assert len(cycles) == 1 and cycles[0].line == 3, error.report()
    assert f"({n} employees report into it)" in cycles[0].message


def test_a_tree_deeper_than_the_model_holds_is_refused(tmp_path):
    chain = ["E0,,X", *[f"E{i},E{i - 1},X" for i in range(1, MAX_LEVELS + 2)]]
    error = problems(write(tmp_path, chain, "employee_id,manager_id,department"))
    assert any("levels deep" in p.message for p in error.problems)


def test_likert_skills_are_mapped_to_the_unit_interval(tmp_path):
    rows = [swap(i, "skill.genai_tools", str(1 + i % 5))[i] for i in range(len(ROWS))]
    r = read_roster(write(tmp_path, rows), today=TODAY, skill_scale="likert5")
    assert r.skills["genai_tools"][:5].tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    bad = problems(
        write(tmp_path, swap(0, "skill.genai_tools", "0.5", rows)), skill_scale="likert5"
    )
    assert "outside 1-5" in find(bad, 2, "skill.genai_tools").message


def test_empty_optional_cells_are_left_to_be_drawn(tmp_path):
    rows = swap(3, "skill.genai_tools", "", swap(4, "hire_date", ""))
    r = read_roster(write(tmp_path, rows), today=TODAY)
    assert np.isnan(r.skills["genai_tools"][3]) and np.isnan(r.tenure[4])
    assert r.sources["tenure"] == "file: hire_date (1 empty cells drawn)"


def test_parquet_rosters_read_like_csv_with_typed_columns(tmp_path):
    csv = write(tmp_path)
    frame = pd.read_csv(csv, dtype={"manager_id": str}, keep_default_na=False)
    frame["hire_date"] = pd.to_datetime(frame["hire_date"]).dt.date
    frame.to_parquet(tmp_path / "r.parquet", index=False)
    a, b = read_roster(csv, today=TODAY), read_roster(tmp_path / "r.parquet", today=TODAY)
    assert (a.manager == b.manager).all() and np.allclose(a.tenure, b.tenure)
    assert np.allclose(a.age, b.age) and b.where == "row"
    frame.loc[2, "level"] = 0
    frame.to_parquet(tmp_path / "bad.parquet", index=False)
    error = problems(tmp_path / "bad.parquet")
    assert "row 3, column level" in error.report()


def test_roster_errors_survive_pickling(tmp_path):
    error = problems(write(tmp_path, swap(3, "manager_id", "E77")))
    again = pickle.loads(pickle.dumps(error))
    assert again.report() == error.report()


# ------------------------------------------------------------------------------------ ties


def test_ties_are_read_as_undirected_unweighted_ties(tmp_path):
    roster = read_roster(write(tmp_path), today=TODAY)
    ties = tmp_path / "t.csv"
    ties.write_text("Source ID,Target ID,weight\nE01,E02,3\nE02,E01,1\nE04,E05,0\nE10,E03,2\n")
    t = read_ties(ties, roster)
    assert sorted(zip(t.source.tolist(), t.target.tolist(), strict=True)) == [(0, 1), (2, 9)]
    assert t.records == 4


def test_ties_mistakes_are_named_by_line_and_column(tmp_path):
    roster = read_roster(write(tmp_path), today=TODAY)
    ties = tmp_path / "t.csv"
    ties.write_text("source_id,target_id,weight\nE01,E99,1\nE02,E02,1\nE03,E04,-1\n")
    with pytest.raises(RosterError) as info:
        read_ties(ties, roster)
    error = info.value
    assert "not an employee_id" in find(error, 2, "target_id").message
    assert "to oneself" in find(error, 3, "target_id").message
    assert "outside 0-inf" in find(error, 4, "weight").message

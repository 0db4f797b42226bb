"""Building the organization from a roster: what the file says is kept, the rest is drawn."""

import numpy as np
import pandas as pd
import pytest

from sim.core.organization import build_organization
from sim.core.organization_params import COHORTS, Organization
from sim.core.rng import Streams
from sim.core.roster import read_roster, read_ties
from sim.core.roster_template import roster_template, write_roster
from sim.core.workforce import (
    EmployeeIds,
    build_from_roster,
    cohort_shares,
    derived_fields,
)
from sim.mechanisms import staffing


def resolved(roster, **org):
    """The organization block a scenario would resolve for ``roster``."""
    fields = derived_fields(roster)
    shares = cohort_shares(roster)
    if shares:
        cohorts = Organization().cohorts.model_dump()
        for name in COHORTS:
            cohorts[name]["share"] = shares[name]
        fields["cohorts"] = cohorts
    return Organization.model_validate({**fields, **org})


def build(roster, seed=1, ties=None, **org):
    return build_from_roster(resolved(roster, **org), roster, ties, Streams(seed))


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    org = Organization(size=400, levels=4, span_of_control=8)
    table, as_of = roster_template(org, seed=3)
    path = write_roster(table, tmp_path_factory.mktemp("t") / "t.csv")
    return org, table, path, as_of


def test_round_trip_template_roster_organization_keeps_tree_departments_levels_cohorts(template):
    org, table, path, as_of = template
    synthetic = build_organization(org, Streams(3))
    roster = read_roster(path, as_of=as_of)
    wf = build(roster, seed=9)
    st = wf.state
    ids = np.array(wf.employee_ids(st.person), dtype=object)
    by_id = table.set_index("employee_id")
    assert st.size == synthetic.size == len(table)
    manager_ids = np.where(st.manager >= 0, ids[np.maximum(st.manager, 0)], "")
    assert (manager_ids == by_id.loc[ids, "manager_id"].fillna("").to_numpy()).all(), "same tree"
    assert (st.level == by_id.loc[ids, "level"].to_numpy()).all(), "same levels"
    names = np.array(roster.departments)[st.department]
    assert (names == by_id.loc[ids, "department"].to_numpy()).all(), "same departments"
    assert (
        np.bincount(st.cohort, minlength=4).tolist()
        == np.bincount(synthetic.cohort, minlength=4).tolist()
    ), "the same generations as the synthetic organization"
    assert np.allclose(st.skills[:, 0], by_id.loc[ids, "skill.genai_tools"].to_numpy())
    assert (np.sort(st.depth) == np.sort(synthetic.depth)).all()
    assert (np.sort(st.subtree_size) == np.sort(synthetic.subtree_size)).all()


def test_same_roster_and_seed_give_the_same_state_and_the_file_never_moves(template):
    _, _, path, as_of = template
    roster = read_roster(path, as_of=as_of)
    a, b, c = build(roster, seed=5).state, build(roster, seed=5).state, build(roster, seed=6).state
    for name in ("skills", "attitudes", "engagement", "cohort", "age", "level", "manager"):
        assert getattr(a, name).tobytes() == getattr(b, name).tobytes(), name
    assert (a.network != b.network).nnz == 0
    # another seed: the network is drawn anew, but what the file gives stays
    assert (a.network != c.network).nnz > 0
    assert np.allclose(np.sort(a.skills[:, 0]), np.sort(c.skills[:, 0]))
    assert not np.allclose(np.sort(a.engagement), np.sort(c.engagement)), "engagement is drawn"


def minimal(tmp_path, n=300, levels=4, seed=1):
    """A roster with the required columns only."""
    table, _ = roster_template(Organization(size=n, levels=levels), seed=seed)
    path = tmp_path / "min.csv"
    table[["employee_id", "manager_id", "department"]].to_csv(path, index=False)
    return read_roster(path)


def test_a_roster_without_optional_columns_is_completed_from_the_documented_distributions(
    tmp_path,
):
    roster = minimal(tmp_path, n=2000, levels=5)
    assert roster.cohort is None and roster.tenure is None
    st = build(roster).state
    assert (st.age >= 18).all() and (st.tenure >= 0).all() and (st.tenure <= st.age - 18).all()
    shares = np.bincount(st.cohort, minlength=4) / st.size
    expected = np.array([c.share for c in Organization().cohorts.ordered()])
    # 2,000 draws: a share's standard error is at most 0.011; 0.04 is over 3.5 of them
    assert np.abs(shares - expected).max() < 0.04
    top = st.level >= 2
    assert st.age[top].mean() > st.age[st.level == 0].mean() + 5, "older people sit higher"
    assert ((st.skills >= 0) & (st.skills <= 1)).all()


def test_generations_alone_give_ages_within_their_birth_years(tmp_path):
    table, _ = roster_template(Organization(size=300, levels=4), seed=2)
    cohorts = Organization().cohorts.ordered()
    gen = np.select(
        [table["birth_year"] >= c.birth_year_first for c in cohorts[:3]], COHORTS[:3], COHORTS[3]
    )
    path = tmp_path / "g.csv"
    table[["employee_id", "manager_id", "department"]].assign(generation=gen).to_csv(
        path, index=False
    )
    roster = read_roster(path)
    st = build(roster).state
    born = 2026 - st.age
    first = np.array([c.birth_year_first for c in cohorts])[st.cohort]
    last = np.array([c.birth_year_last for c in cohorts])[st.cohort]
    assert ((born >= first - 1e-9) & (born <= last + 1 + 1e-9)).all()


def test_the_files_ties_are_the_informal_network(tmp_path, template):
    _, table, path, as_of = template
    roster = read_roster(path, as_of=as_of)
    rng = np.random.default_rng(0)
    pairs = rng.choice(len(table), size=(600, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    ids = table["employee_id"].to_numpy()
    ties_path = tmp_path / "ties.csv"
    pd.DataFrame({"source_id": ids[pairs[:, 0]], "target_id": ids[pairs[:, 1]]}).to_csv(
        ties_path, index=False
    )
    ties = read_ties(ties_path, roster)
    wf = build(roster, ties=ties)
    st = wf.state
    assert st.ring_half == 0, "no ring shortcut for a file's ties"
    slot_ids = np.array(wf.employee_ids(st.person), dtype=object)
    rows, cols = st.network.nonzero()
    built = {frozenset(p) for p in zip(slot_ids[rows], slot_ids[cols], strict=True)}
    given = {frozenset(p) for p in zip(ids[pairs[:, 0]], ids[pairs[:, 1]], strict=True)}
    assert built == given
    assert (st.network != st.network.T).nnz == 0 and set(st.network.data.tolist()) == {1.0}


def test_hire_ids_never_collide_with_roster_ids():
    ids = pd.Series(["new-3", "new--x", "A"], dtype="string[pyarrow]")
    employee_ids = EmployeeIds.from_ids(ids)
    assert employee_ids.prefix == "new---"
    out = employee_ids(np.array([2, 0, 3, 4]))
    assert out == ["A", "new-3", "new---3", "new---4"]
    assert not set(out[2:]) & set(ids)


def test_new_hires_are_drawn_from_the_roster_people_of_their_level_and_department(template):
    _, _, path, as_of = template
    roster = read_roster(path, as_of=as_of)
    wf = build(roster, seed=4)
    st, pool = wf.state, wf.hiring
    week0 = {
        "cohort": st.cohort.copy(),
        "age": st.age.copy(),
        "skills": st.skills.copy(),
        "cell": list(zip(st.level.tolist(), st.department.tolist(), strict=True)),
    }
    slots = np.arange(0, st.size, 3)
    st.alive[slots] = False
    staffing.hire(st, resolved(roster), slots, 10_000, 5, np.random.default_rng(1), pool)
    for slot in slots.tolist():
        same_cell = [i for i, c in enumerate(week0["cell"]) if c == week0["cell"][slot]]
        donors = [i for i in same_cell if week0["age"][i] == st.age[slot]]
        assert donors, f"slot {slot}: age {st.age[slot]} not found among its level and department"
        # skills the roster gave come from the same person as the age
        assert any(np.array_equal(week0["skills"][i], st.skills[slot]) for i in donors)
        assert st.tenure[slot] == 0 and st.alive[slot]


def test_an_organization_not_resolved_against_its_roster_is_refused(template):
    _, _, path, as_of = template
    roster = read_roster(path, as_of=as_of)
    with pytest.raises(ValueError, match="load_scenario"):
        build_from_roster(Organization(size=500, levels=5), roster, None, Streams(1))
    with pytest.raises(ValueError, match="build_workforce"):
        build_organization(Organization(roster=str(path)), Streams(1))

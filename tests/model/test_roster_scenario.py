"""Scenarios whose organization is read from a roster."""

import numpy as np
import pytest
import yaml

from sim import ReverseMentoringModel, load_scenario, run_experiment
from sim.core.roster_table import RosterError
from sim.model.scenario import ScenarioError
from tests.conftest import CLOSED, write_roster_file


def test_a_roster_sets_size_levels_span_departments_and_cohort_mix(rostered):
    s = load_scenario(rostered)
    org = s.organization
    assert (org.size, org.levels, org.reference_year) == (300, 4, 2026)
    assert org.departments == [f"department_{i}" for i in range(1, 6)], "names stay out"
    assert abs(sum(c.share for c in org.cohorts.ordered()) - 1) < 1e-9
    data = s.to_dict()
    assert "size" not in data["organization"] and "departments" not in data["organization"]
    assert load_scenario(data) == s, "the plain form reads back to the same scenario"


def test_the_roster_path_is_relative_to_the_scenario_file(tmp_path):
    (tmp_path / "data").mkdir()
    write_roster_file(tmp_path / "data" / "r.csv")
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({"organization": {"roster": "data/r.csv"}}))
    assert load_scenario(path).organization.size == 300


@pytest.mark.parametrize(
    ("field", "value"),
    [("size", 500), ("levels", 6), ("span_of_control", 4), ("departments", ["a", "b"])],
)
def test_synthetic_fields_may_not_be_given_with_a_roster(rostered, field, value):
    rostered["organization"][field] = value
    with pytest.raises(ScenarioError) as info:
        load_scenario(rostered)
    assert f"organization.{field}: set by the roster" in info.value.report()


def test_cohort_shares_may_not_be_given_when_the_roster_has_ages(rostered):
    rostered["organization"]["cohorts"] = {"gen_z": {"share": 0.5}}
    with pytest.raises(ScenarioError, match=r"cohorts\.gen_z\.share: set by the roster"):
        load_scenario(rostered)


def test_overriding_the_roster_reads_the_other_file(rostered, tmp_path):
    write_roster_file(tmp_path / "big.csv", size=500, levels=5)
    s = load_scenario(rostered, overrides=[f"organization.roster={tmp_path / 'big.csv'}"])
    assert (s.organization.size, s.organization.levels) == (500, 5)
    with pytest.raises(ScenarioError, match=r"organization\.size: set by the roster"):
        load_scenario(rostered, overrides=["organization.size=200"])


def test_a_broken_roster_stops_the_scenario_with_its_problems(rostered, tmp_path):
    path = tmp_path / "roster.csv"
    lines = path.read_text().splitlines()
    lines[5] = lines[5].replace(",E", ",X", 1)  # a manager that is not an employee
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(RosterError) as info:
        load_scenario(rostered)
    assert "line 6, column manager_id" in info.value.report()


def test_a_skill_column_the_scenario_does_not_have_is_an_error(rostered, tmp_path):
    table, _ = write_roster_file(tmp_path / "roster.csv")
    table.rename(columns={"skill.strategy": "skill.juggling"}).to_csv(
        tmp_path / "roster.csv", index=False
    )
    with pytest.raises(ScenarioError, match=r"skill\.juggling name no skill"):
        load_scenario(rostered)


def test_hires_come_from_the_rosters_own_people(tmp_path):
    """Everyone in this roster was born in 1960-64: hires stay boomers, not the hiring mix."""
    table, _ = write_roster_file(tmp_path / "r.csv", size=300)
    table["birth_year"] = 1960 + np.arange(len(table)) % 5
    table = table.drop(columns=["hire_date"])  # tenures are drawn: no hire before age 14
    table.to_csv(tmp_path / "r.csv", index=False)
    scenario = {
        "seed": 3,
        "horizon_weeks": 52,
        "organization": {"roster": str(tmp_path / "r.csv"), "as_of": "2026-01-01"},
        "dynamics": {"retention": {"retirement": False}, "staffing": {"hiring_delay_weeks": 0}},
        "arms": [{"name": "none"}],
    }
    model = ReverseMentoringModel(scenario, rng=5).run()
    hires = model.people.start_week[: model.people.n] > 0
    assert hires.sum() > 10, "turnover brought hires"
    cohorts = model.people.cohort[: model.people.n][hires]
    # the synthetic hiring mix would make 45% of them gen_z and only 3% boomers
    assert (cohorts == 3).all(), np.bincount(cohorts, minlength=4)


def test_the_pair_book_shows_roster_ids(rostered):
    model = ReverseMentoringModel(rostered, arm="mentoring", rng=1).run(4)
    pairs = model.pairs()
    assert len(pairs) > 0
    assert pairs["mentee_id"].str.fullmatch(r"E\d{3}").all()
    assert all(len(m) == 1 for m in pairs["mentor_ids"])


@pytest.mark.parametrize("engine", ["vector", "agent"])
def test_a_rostered_scenario_runs_on_both_engines(rostered, engine):
    rostered.update(engine=engine, horizon_weeks=4, replications=1)
    rostered["dynamics"] = {"retention": CLOSED}
    results = run_experiment(rostered)
    runs = results.runs
    assert (runs["headcount"] == 300).all(), "a closed workforce keeps the roster's headcount"
    assert results.manifest["roster"]["rows"] == 300
    assert runs.loc[runs["arm"] == "mentoring", "active_pairs"].iloc[0] > 0


def test_the_example_scenario_reads_its_synthetic_roster():
    from tests.conftest import ROOT

    s = load_scenario(ROOT / "scenarios" / "own_org_example.yaml")
    assert (s.organization.size, s.organization.levels) == (2000, 6)
    assert [a.name for a in s.arms] == ["no_program", "skill_gap", "cross_department"]


def test_the_example_roster_is_what_its_script_makes():
    import runpy

    from tests.conftest import ROOT

    script = runpy.run_path(str(ROOT / "scripts" / "make_example_roster.py"))
    made = script["example_roster"]().to_csv(index=False)
    assert made == (ROOT / "scenarios" / "data" / "example_roster.csv").read_text()

"""Comparisons true as worded: the same people across arms, comparable non-participants,
ROI as an arm's own figure, and sweep points that set different fields."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import ReverseMentoringModel, load_scenario, run_experiment
from sim.model.outcomes import person_records, same_people_retention

PROGRAM = {"pairing": "random", "cadence_per_month": 4, "duration_months": 4}


def scenario(**extra) -> dict:
    return {
        "seed": 31,
        "horizon_weeks": 30,
        "replications": 3,
        "organization": {"size": 240, "levels": 4, "span_of_control": 8},
        "arms": [{"name": "none"}, {"name": "prog", "program": PROGRAM}],
        **extra,
    }


@pytest.fixture(scope="module")
def results():
    return run_experiment(scenario())


def test_person_ids_are_the_same_people_in_every_arm_at_week_0():
    # common random numbers: replication i of every arm builds the same organization, so
    # person p of the week-0 workforce is one person with the same attributes in every arm
    data = load_scenario(scenario())
    a = ReverseMentoringModel(data, arm="none", rng=99)
    b = ReverseMentoringModel(data, arm="prog", rng=99)
    assert a.people.initial == b.people.initial == 240
    slots_a = a.people.slot_of[: a.people.initial]
    slots_b = b.people.slot_of[: b.people.initial]
    np.testing.assert_array_equal(slots_a, slots_b)
    for name in (
        "cohort",
        "level",
        "department",
        "manager",
        "age",
        "tenure",
        "skills",
        "attitudes",
    ):
        np.testing.assert_array_equal(
            getattr(a.state, name)[slots_a], getattr(b.state, name)[slots_b], err_msg=name
        )
    np.testing.assert_array_equal(a.state.person[slots_a], np.arange(240))
    c = ReverseMentoringModel(data, arm="prog", rng=100)
    assert not np.array_equal(a.state.skills, c.state.skills), "another seed, another workforce"


def test_no_difference_against_an_arm_without_such_people(results):
    c = results.comparison
    plain = c[
        (c["outcome"] == "retention_12m_mentors") & (c["against"].str.endswith("replications"))
    ]
    assert len(plain) == 1 and np.isnan(plain["diff"].iloc[0])
    assert "different people" in plain["reason"].iloc[0]
    cost = c[c["outcome"] == "program_cost"].iloc[0]
    assert np.isnan(cost["diff"]) and "runs no program" in cost["reason"]
    s = results.summary.set_index(["arm", "outcome"])
    assert s.loc[("none", "retention_12m_mentors"), "n"] == 0, "no mentors: no value, not 0"
    assert np.isnan(s.loc[("none", "retention_12m_mentors"), "mean"])
    assert s.loc[("prog", "retention_12m_mentors"), "n"] == 3


def test_same_people_comparison_follows_the_same_person_ids():
    data = load_scenario(scenario())
    seed = 4242
    arm = ReverseMentoringModel(data, arm="prog", rng=seed).run()
    base = ReverseMentoringModel(data, arm="none", rng=seed).run()
    at = 30
    values = same_people_retention(person_records(arm), person_records(base), at, 0)
    # written out directly from the models: mentors of the week-0 workforce, employed in the
    # baseline when they started, and whether each is employed at the end in each arm
    n0 = arm.people.initial
    mentors = np.flatnonzero(arm.people.mentor_ever[:n0])
    start = arm.people.mentor_week[mentors]
    followed = mentors[base.people.left_week[mentors] >= start]
    assert followed.size > 10, "enough mentors to compare"
    kept_arm = (arm.people.slot_of[followed] >= 0).mean()
    kept_base = (base.people.slot_of[followed] >= 0).mean()
    assert values["retention_12m_mentors_same_people"] == pytest.approx(kept_arm)
    assert values["retention_12m_mentors_same_people_in_baseline"] == pytest.approx(kept_base)


def test_the_spillover_on_the_same_people_is_zero_where_the_model_has_none():
    # no channel from the program to anyone's leaving: quits do not depend on engagement,
    # nobody is promoted (so everyone keeps their slot and its random draws)
    data = scenario(
        dynamics={
            "retention": {"engagement_effect": 0.0},
            "staffing": {"internal_fill_share": 0.0},
        },
        replications=4,
    )
    res = run_experiment(data)
    c = res.comparison
    for group in ("mentors", "mentees", "nonparticipants"):
        row = c[
            (c["outcome"] == f"retention_12m_{group}") & (c["against"] == "the same people in none")
        ].iloc[0]
        assert row["n"] == 4
        assert row["diff"] == 0.0 and row["paired_ci95_low"] == row["paired_ci95_high"] == 0.0, (
            f"{group}: the same people leave in both arms"
        )
    runs = res.runs.set_index(["arm", "replication"])
    naive = (
        runs.loc["prog", "retention_12m_nonparticipants"]
        - runs.loc["none", "retention_12m_nonparticipants"]
    )
    assert (naive != 0).any(), "the naive difference mixes different people"
    # juniors quit more: mentors (juniors) against all non-participants looks like a loss,
    # against comparable non-participants (same cohort and level) it does not
    prog = res.runs[res.runs["arm"] == "prog"]
    assert (prog["retention_12m_mentors"] < prog["retention_12m_nonparticipants"]).mean() >= 0.5
    comparable = c[
        (c["outcome"] == "retention_12m_mentors") & c["against"].str.startswith("comparable")
    ].iloc[0]
    assert comparable["paired_ci95_low"] <= 0.0 <= comparable["paired_ci95_high"]


def test_roi_is_an_arms_own_figure_against_the_named_baseline(results):
    runs = results.runs.set_index(["arm", "replication"])
    assert runs.loc["none", "roi"].isna().all() and runs.loc["none", "net_benefit"].isna().all()
    prog = runs.loc["prog"]
    base = runs.loc["none"]
    saving = base["turnover_cost"] - prog["turnover_cost"]
    extra = prog["implemented_ideas"] - base["implemented_ideas"]
    value = load_scenario(scenario()).dynamics.economics.value_per_implemented_idea
    # benefit: retention savings, extra implemented ideas and the skill the meetings transferred
    assert (prog["skill_value"] > 0).all()
    net = saving + value * extra + prog["skill_value"] - prog["program_cost"]
    np.testing.assert_allclose(prog["net_benefit"], net)
    np.testing.assert_allclose(prog["roi"], net / prog["program_cost"])
    s = results.summary.set_index(["arm", "outcome"])
    assert s.loc[("prog", "roi"), "mean"] == pytest.approx(prog["roi"].mean())
    c = results.comparison.set_index("outcome")
    assert np.isnan(c.loc["roi", "diff"]) and "own figure" in c.loc["roi", "reason"]


def test_sweep_points_that_set_different_fields_are_all_kept():
    res = run_experiment(
        scenario(replications=2, horizon_weeks=8),
        points=[{"organization.size": 200}, {"horizon_weeks": 10}],
    )
    assert sorted(res.summary["point"].unique()) == [0, 1]
    assert sorted(res.comparison["point"].unique()) == [0, 1]
    # each point's row names the value it ran with, its own or the scenario's
    points = res.runs.drop_duplicates("point").set_index("point")
    assert points.loc[0, "organization.size"] == 200 and points.loc[0, "horizon_weeks"] == 8
    assert points.loc[1, "organization.size"] == 240 and points.loc[1, "horizon_weeks"] == 10
    assert not res.summary[["organization.size", "horizon_weeks"]].isna().any().any()
    assert isinstance(res.summary, pd.DataFrame) and len(res.summary) == 2 * 2 * len(res.outcomes)

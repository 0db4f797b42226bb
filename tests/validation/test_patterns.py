"""The patterns of DESIGN.md section 2, each on a small organization.

Arms share their random numbers (common random numbers); each claim is a paired 95% CI over
replications that excludes zero, or a direct comparison of the same people across arms.
"""

import numpy as np
import pytest

from sim import load_scenario
from sim.core.organization_params import COHORTS
from tests.conftest import (
    CLOSED,
    assert_positive,
    experiment,
    mentee_gain,
    mentors_kept,
    paired,
)

VOLUNTARY = {"pairing": "random"}


def test_1_seniors_adopt_later_on_an_s_curve():
    res = experiment([{"name": "none"}], reps=6, weeks=78, size=400)
    ts = res.timeseries.groupby("week")[["adoption", "adoption_seniors", "adoption_juniors"]].mean()
    rate = np.diff(ts["adoption"].to_numpy())
    assert 5 < int(np.argmax(rate)) < 70, "adoption accelerates, peaks, then slows (an S-curve)"
    seniors_half = int((ts["adoption_seniors"] >= 0.5).to_numpy().argmax())
    juniors_half = int((ts["adoption_juniors"] >= 0.5).to_numpy().argmax())
    assert seniors_half > juniors_half, (
        f"half the seniors adopt at week {seniors_half}, juniors at {juniors_half}"
    )


def test_2_program_speeds_senior_adoption_more_with_high_influence_mentees():
    leaders = {
        "pairing": "random",
        "participation": "mandatory",
        "eligibility": {"mentee_min_level": 2},
        "waves": [{"start_week": 0, "size": 20}],
    }
    line = {
        "pairing": "random",
        "participation": "mandatory",
        "eligibility": {"mentee_min_level": 1, "mentee_max_level": 1},
        "waves": [{"start_week": 0, "size": 20}],
    }
    res = experiment(
        [
            {"name": "none"},
            {"name": "leaders", "program": leaders},
            {"name": "line", "program": line},
        ],
        # the difference between the two designs is about half a point of adoption: 40
        # replications put its 95% interval clear of zero
        reps=40,
        weeks=40,
        size=500,
        levels=5,
    )
    assert_positive(paired(res, "leaders", "adoption_seniors"), "a program speeds senior adoption")
    runs = res.runs.set_index(["arm", "replication"])["adoption"]
    diff = (runs["leaders"] - runs["line"]).to_numpy()
    from sim.experiments.stats import t_interval

    low, high = t_interval(diff)
    assert low > 0, (
        f"the same number of high-influence mentees spreads adoption further: [{low:.4f}, {high:.4f}]"
    )


def test_3_mentors_are_retained_better_than_comparable_non_participants():
    # comparable non-participants: the very same people in the no-program arm (same slots, same draws)
    scenario = load_scenario(
        {
            "seed": 3,
            "horizon_weeks": 52,
            "organization": {"size": 500, "levels": 5},
            "arms": [
                {"name": "none"},
                {"name": "program", "program": {**VOLUNTARY, "duration_months": 12}},
            ],
        }
    )
    kept = np.array([mentors_kept(scenario, "program", seed) for seed in range(12)])
    program, baseline = kept.mean(axis=0)
    assert program > baseline, (
        f"mentors still employed after a year: {program:.3f} vs {baseline:.3f}"
    )


def test_4_resistance_and_mismatch_shrink_the_effect_and_mandates_fail_more_pairs():
    arms = [
        {"name": "none"},
        {"name": "voluntary", "program": VOLUNTARY},
        {"name": "mandatory", "program": {**VOLUNTARY, "participation": "mandatory"}},
    ]
    res = experiment(arms, reps=8, weeks=30)
    runs = res.runs.set_index(["arm", "replication"])

    def share(arm):
        return (runs.loc[arm, "pairs_dissolved"] / runs.loc[arm, "pairs_formed"]).to_numpy()

    assert (share("mandatory") > share("voluntary")).all(), (
        "a mandatory program with resistant mentees fails more pairs"
    )
    base = load_scenario({}).organization.cohorts.model_dump()
    resistant = {c: {**base[c], "resistance_mean": 0.75} for c in COHORTS}
    res_high = experiment(arms[:2], reps=8, weeks=30, organization={"cohorts": resistant})
    low = paired(res, "voluntary", "digital_skill_seniors")["diff"]
    high = paired(res_high, "voluntary", "digital_skill_seniors")["diff"]
    assert high < low, f"resistance shrinks the skill effect: {high:.4f} vs {low:.4f}"


def test_5_a_focused_program_transfers_more_of_its_focus_skills_per_hour():
    scenario = load_scenario(
        {
            "seed": 5,
            "horizon_weeks": 26,
            "organization": {"size": 300, "levels": 4},
            "arms": [
                {"name": "unfocused", "program": {**VOLUNTARY, "participation": "mandatory"}},
                {
                    "name": "focused",
                    "program": {
                        **VOLUNTARY,
                        "participation": "mandatory",
                        "focus": ["genai_tools", "data_analytics"],
                    },
                },
            ],
        }
    )
    cols = [scenario.organization.skill_names.index(s) for s in ("genai_tools", "data_analytics")]
    per_hour = {"unfocused": [], "focused": []}
    for seed in range(6):
        for arm in per_hour:
            gain, hours = mentee_gain(scenario, arm, seed, cols)
            per_hour[arm].append(gain.sum() / hours)
    ratio = np.array(per_hour["focused"]) / np.array(per_hour["unfocused"])
    assert (ratio > 1.2).all(), (
        f"focus skills gained per program hour, focused / unfocused: {ratio}"
    )


def test_6_cross_generational_ties_rise_during_a_program_and_partly_persist():
    program = {**VOLUNTARY, "duration_months": 6}
    # a closed workforce: turnover would reshuffle who holds each position and drown the signal
    res = experiment(
        [{"name": "none"}, {"name": "program", "program": program}],
        reps=8,
        weeks=78,
        dynamics={"retention": CLOSED},
    )
    ts = res.timeseries.pivot_table(
        index=["replication", "week"], columns="arm", values="cross_generation_tie_count"
    )
    diff = (ts["program"] - ts["none"]).unstack("replication")
    during, after = diff.loc[26].to_numpy(), diff.loc[78].to_numpy()
    assert (during > 0).all(), f"more cross-generational ties at the end of the program: {during}"
    assert (after > 0).all(), f"some persist a year later: {after}"
    assert after.mean() < during.mean(), "but fewer than during the program"


def test_7_innovation_rises_with_cross_department_cross_generational_interaction():
    res = experiment(
        [{"name": "none"}, {"name": "program", "program": {**VOLUNTARY, "cadence_per_month": 4}}],
        reps=10,
        weeks=26,
    )
    assert_positive(paired(res, "program", "ideas"), "cross-generational meetings add ideas")
    siloed = experiment(
        [{"name": "none"}],
        reps=10,
        weeks=26,
        organization={"network": {"homophily_department": 1.0, "homophily_generation": 1.0}},
    )
    mixed = experiment(
        [{"name": "none"}],
        reps=10,
        weeks=26,
        organization={"network": {"homophily_department": 0.0, "homophily_generation": 0.0}},
    )
    a = mixed.runs["ideas"].to_numpy()
    b = siloed.runs["ideas"].to_numpy()
    from sim.experiments.stats import t_interval

    low, _ = t_interval(a - b)
    assert low > 0, (
        f"a mixed network produces more ideas than a siloed one: {a.mean():.1f} vs {b.mean():.1f}"
    )


@pytest.mark.parametrize("factor", ["cadence", "duration"])
def test_8_cost_grows_with_cadence_and_duration(factor):
    small = {
        **VOLUNTARY,
        "participation": "mandatory",
        "cadence_per_month": 2,
        "duration_months": 3,
    }
    big = dict(
        small, **({"cadence_per_month": 4} if factor == "cadence" else {"duration_months": 6})
    )
    # no early dissolution and no departures: every pair runs its full course, so cost is
    # pairs x cadence x duration x attendance x hours x hourly cost
    dynamics = {"retention": CLOSED, "relationship": {"dissolve_below": 0.0}}
    res = experiment(
        [{"name": "small", "program": small}, {"name": "big", "program": big}],
        reps=5,
        weeks=30,
        dynamics=dynamics,
    )
    runs = res.runs.set_index(["arm", "replication"])
    ratio = runs.loc["big", "program_cost"].sum() / runs.loc["small", "program_cost"].sum()
    # planned meetings double in expectation and held ones are binomial around them (about 720
    # meetings held in the small arm over the five replications: a standard error of the pooled
    # ratio near 0.075, so [1.7, 2.3] is four of them); attendance falls a little in the longer
    # program as resistance moves
    assert 1.7 < ratio < 2.3, f"cost ratio when doubling the {factor}: {ratio:.3f}"
    # planned meetings are whole numbers drawn around the cadence (each pair-week plans the
    # integer part of the weekly cadence, plus one with the fractional chance): about 1,400
    # planned meetings in the small arm over the five replications, so the pooled ratio has a
    # standard error of at most 0.05 and [1.8, 2.2] is four of them
    pooled = runs.loc["big", "meetings_planned"].sum() / runs.loc["small", "meetings_planned"].sum()
    assert 1.8 < pooled < 2.2, f"planned meetings when doubling the {factor}: x{pooled:.3f}"
    assert (runs["meetings_held"] <= runs["meetings_planned"]).all()
    assert (runs["pairs_formed"].loc["big"] == runs["pairs_formed"].loc["small"]).all()


def test_8_roi_turns_negative_for_a_long_unfocused_high_cadence_program():
    heavy = {**VOLUNTARY, "cadence_per_month": 8, "duration_months": 18, "hours_per_meeting": 2.0}
    res = experiment([{"name": "none"}, {"name": "heavy", "program": heavy}], reps=6, weeks=78)
    # net benefit is the arm's own figure against the baseline: its interval lies below zero
    net = res.summary.set_index(["arm", "outcome"]).loc[("heavy", "net_benefit")]
    assert net["ci95_high"] < 0, (
        f"a long, unfocused, high-cadence program loses money: {net['mean']:.4g} "
        f"[{net['ci95_low']:.4g}, {net['ci95_high']:.4g}]"
    )
    assert (res.runs.loc[res.runs["arm"] == "heavy", "roi"] < 0).all()

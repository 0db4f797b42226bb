"""The patterns of DESIGN.md section 2, each on a small organization.

Arms share their random numbers (common random numbers); each claim is a paired 95% CI over
replications that excludes zero, or a direct comparison of the same people across arms.
"""

import numpy as np
import pytest

from sim import ReverseMentoringModel, load_scenario
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


def _below(state, slots):
    """Employees in the reporting lines below ``slots`` (not the slots themselves)."""
    below = np.zeros(state.size, bool)
    for s in slots:
        below |= state.ancestors[:, state.depth[s]] == s
    below[slots] = False
    return below


@pytest.mark.slow
def test_2_program_speeds_senior_adoption_more_with_high_influence_mentees(full_size):
    # only the mentees' level differs: 20 mentees either among the leaders at levels 2-3 (the
    # CEO excluded: with reporting lines excluded nobody may mentor them) or among the
    # first-line managers at level 1; mandatory, random pairs, one-to-one
    common = {**VOLUNTARY, "participation": "mandatory", "waves": [{"start_week": 0, "size": 20}]}
    designs = {
        "leaders": {**common, "eligibility": {"mentee_min_level": 2, "mentee_max_level": 3}},
        "line": {**common, "eligibility": {"mentee_min_level": 1, "mentee_max_level": 1}},
    }
    scenario = load_scenario(
        {
            "seed": 11,
            "horizon_weeks": 40,
            "organization": {"size": 800, "levels": 5},
            "arms": [{"name": "none"}] + [{"name": k, "program": v} for k, v in designs.items()],
        }
    )
    # the channel (adoptions below the mentees) is ten times larger for leaders and clears zero
    # at 20 replications; the organization-wide difference between the designs is about a
    # point of senior adoption, sd 0.017 across replications: 40 put its interval clear of
    # zero (--full), the reduced size checks its sign
    reps = 40 if full_size else 20
    reach, seniors = {k: [] for k in designs}, {k: [] for k in designs}
    for seed in range(reps):
        base = ReverseMentoringModel(scenario, arm="none", rng=seed).run()
        for arm in designs:
            model = ReverseMentoringModel(scenario, arm=arm, rng=seed)
            model.step()  # the pairs form in week 0
            mentees = model.program.slots(model.program.book.mentee)
            below = _below(model.state, mentees)
            model.run()
            # the channel: extra adoptions in the mentees' reporting lines, against the same
            # positions without the program, per mentee
            extra = model.state.adopted[below].sum() - base.state.adopted[below].sum()
            reach[arm].append(extra / mentees.size)
            seniors[arm].append(
                model.final_outcomes()["adoption_seniors"]
                - base.final_outcomes()["adoption_seniors"]
            )
    from sim.experiments.stats import t_interval

    low, high = t_interval(np.array(seniors["leaders"]))
    assert low > 0, f"a program speeds senior adoption: [{low:.4f}, {high:.4f}]"
    low, high = t_interval(np.array(reach["leaders"]) - np.array(reach["line"]))
    assert low > 0, f"a leader's adoption reaches further down: [{low:.3f}, {high:.3f}]"
    diff = np.array(seniors["leaders"]) - np.array(seniors["line"])
    low, high = t_interval(diff)
    assert (low > 0) if full_size else (diff.mean() > 0), (
        f"and moves the organization's seniors more: {diff.mean():.4f} [{low:.4f}, {high:.4f}]"
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


def test_4_mismatched_pairs_fail_more_and_transfer_less():
    # the same volunteers paired three ways: at random, by whole-pool optimisation of the match
    # score (fit alone, by default), and best score first across departments only
    arms = [{"name": "none"}] + [
        {"name": p, "program": {"pairing": p}} for p in ("random", "optimal", "cross_department")
    ]
    res = experiment(arms, reps=8, weeks=30, size=400, levels=5)
    runs = res.runs.set_index(["arm", "replication"])

    def share(arm):
        return (runs.loc[arm, "pairs_dissolved"] / runs.loc[arm, "pairs_formed"]).to_numpy()

    from sim.experiments.stats import t_interval

    low, high = t_interval(share("random") - share("optimal"))
    assert low > 0, f"random pairs dissolve more often than optimal ones: [{low:.3f}, {high:.3f}]"
    gain = (
        runs.loc["optimal", "digital_skill_seniors"] - runs.loc["random", "digital_skill_seniors"]
    )
    low, high = t_interval(gain.to_numpy())
    assert low > 0, f"mismatch shrinks the seniors' skill gain: [{low:.4f}, {high:.4f}]"
    pairs = res.pairs.groupby("arm")
    cross, compat = pairs["cross_department"].mean(), pairs["compatibility"].mean()
    assert cross["cross_department"] == 1.0 and cross["optimal"] < 0.95, (
        f"cross_department pairs only across departments, optimal does not need to: {cross}"
    )
    assert compat["optimal"] > compat["cross_department"] > compat["random"], compat


FOCUS = ["genai_tools", "data_analytics"]


def _focus_ratios(dynamics, seeds=5):
    """Per replication: focused over unfocused mentee gain per program hour, on the focus
    skills and on the other digital skills (mandatory, random pairs: the same pairs in both)."""
    program = {**VOLUNTARY, "participation": "mandatory"}
    scenario = load_scenario(
        {
            "seed": 5,
            "horizon_weeks": 26,
            "organization": {"size": 300, "levels": 4},
            "dynamics": dynamics,
            "arms": [
                {"name": "unfocused", "program": program},
                {"name": "focused", "program": {**program, "focus": FOCUS}},
            ],
        }
    )
    names = scenario.organization.skill_names
    digital = [s.name for s in scenario.organization.skills if s.kind == "digital"]
    cols = [names.index(s) for s in FOCUS + [d for d in digital if d not in FOCUS]]
    ratios = []
    for seed in range(seeds):
        per_hour = {}
        for arm in ("unfocused", "focused"):
            gain, hours = mentee_gain(scenario, arm, seed, cols)
            per_hour[arm] = np.array([gain[:, :2].sum(), gain[:, 2:].sum(), gain.sum()]) / hours
        ratios.append(per_hour["focused"] / per_hour["unfocused"])
    focus, other, total = np.array(ratios).T
    return focus, other, total


def test_5_a_focused_program_transfers_more_of_its_focus_skills_per_hour():
    focus, other, total = _focus_ratios({})
    assert (focus > 1.2).all(), (
        f"focus skills gained per program hour, focused / unfocused: {focus}"
    )
    # the hours it gives its focus skills are taken from the others (neglect) ...
    assert (other < 0.8).all(), f"the other digital skills, focused / unfocused: {other}"
    # ... and concentration buys no extra skill in all (gaps close faster where time is spent)
    assert (total < 1.05).all(), f"all digital skills, focused / unfocused: {total}"


def test_5_the_focus_effect_comes_from_the_trade_off_and_can_fail():
    # the focus skills' share of an even spread: a focused program that reallocates nothing is
    # the unfocused program, hour for hour
    neutral = _focus_ratios({"learning": {"focus_share": len(FOCUS) / 6}}, seeds=2)
    assert np.allclose(neutral, 1.0), f"no reallocation, no focus effect: {neutral}"
    # when concentrated hours teach less (focus_gain below 1) focus transfers less per hour
    focus, _, _ = _focus_ratios({"learning": {"focus_gain": 0.3}}, seeds=2)
    assert (focus < 1).all(), f"focus skills per hour with inefficient concentration: {focus}"


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


def test_8_focus_pays_through_the_needed_skills_it_transfers():
    # the same mentees and pairs (mandatory, random pairs) with and without a focus on two of
    # the skills the organization's technologies need (the skills economics values)
    program = {**VOLUNTARY, "participation": "mandatory", "cadence_per_month": 4}
    res = experiment(
        [
            {"name": "none"},
            {"name": "unfocused", "program": program},
            {"name": "focused", "program": {**program, "focus": FOCUS}},
        ],
        reps=6,
        weeks=30,
        size=300,
        seed=4,
    )
    runs = res.runs.set_index(["arm", "replication"])

    def diff(column):
        return (runs.loc["focused", column] - runs.loc["unfocused", column]).to_numpy()

    from sim.experiments.stats import t_interval

    roi_low, roi_high = t_interval(diff("roi"))
    assert roi_low > 0, f"focused minus unfocused ROI: [{roi_low:.3f}, {roi_high:.3f}]"
    value = diff("skill_value")
    assert t_interval(value)[0] > 0, f"more of the needed skills per hour: {value}"
    # only through that: retention savings, ideas and cost differ by under 5% of it
    rest = diff("net_benefit") - value
    assert abs(rest.mean()) < 0.05 * value.mean(), f"other benefit terms: {rest}"

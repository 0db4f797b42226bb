"""The dynamics: direction of each mechanism, limits, and invariants.

Direction tests compare arms that share their random numbers (common random numbers), so a
paired 95% CI over replications that excludes zero says the effect is real, not noise.
"""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import ReverseMentoringModel, load_scenario
from sim.core.organization_params import COHORTS
from sim.mechanisms import attitudes, innovation, learning, meetings, relationship, retention
from sim.model.outcomes import is_program_outcome
from tests.conftest import assert_negative, assert_positive, experiment, mentee_gain, paired

MANDATORY = {"pairing": "random", "participation": "mandatory"}


def test_more_cadence_gives_more_transfer():
    res = experiment(
        [
            {"name": "monthly", "program": {**MANDATORY, "cadence_per_month": 1}},
            {"name": "weekly", "program": {**MANDATORY, "cadence_per_month": 4}},
        ],
        reps=6,
        weeks=26,
    )
    assert_negative(
        paired(res, "weekly", "digital_skill_gap"),
        "weekly meetings close more of the gap than monthly ones",
    )


def test_more_resistance_gives_less_transfer_per_meeting():
    skills = np.array([[0.2, 0.2]])
    target = np.array([[0.8, 0.8]])
    w = np.array([1.0, 1.0])
    args = dict(
        skills=skills,
        target=target,
        meetings=np.array([1.0]),
        quality=np.array([0.8]),
        weights=w,
        digital=np.array([0, 1]),
        params=learning.LearningParams(),
    )
    low = learning.mentee_delta(resistance=np.array([0.1]), **args)
    high = learning.mentee_delta(resistance=np.array([0.7]), **args)
    assert (high < low).all() and (high > 0).all()
    p = meetings.attendance(
        meetings.MeetingParams(), np.array([0.1, 0.7]), np.array([0.6, 0.6]), 0.5, False
    )
    assert p[1] < p[0], "resistant mentees attend less"


def test_resistant_organization_gains_less_from_a_program():
    arms = [{"name": "none"}, {"name": "program", "program": MANDATORY}]
    resistant = {c: {"resistance_mean": 0.8} for c in COHORTS}
    base = load_scenario({}).organization.cohorts.model_dump()
    for c in COHORTS:
        resistant[c] = {**base[c], "resistance_mean": 0.8}
    low = experiment(arms, reps=8, weeks=26)
    high = experiment(arms, reps=8, weeks=26, organization={"cohorts": resistant})
    gain_low = paired(low, "program", "digital_skill_seniors")["diff"]
    gain_high = paired(high, "program", "digital_skill_seniors")["diff"]
    assert gain_high < 0.8 * gain_low, (
        f"resistance shrinks the effect: {gain_high:.4f} vs {gain_low:.4f}"
    )


def test_sponsorship_lowers_resistance():
    res = experiment(
        [
            {"name": "unsponsored", "program": {"pairing": "random", "sponsorship": 0.0}},
            {"name": "sponsored", "program": {"pairing": "random", "sponsorship": 1.0}},
        ],
        reps=6,
        weeks=26,
    )
    assert_negative(
        paired(res, "sponsored", "mean_resistance_seniors"),
        "sponsorship lowers seniors' resistance",
    )


def test_focus_raises_transfer_on_the_focus_skills():
    scenario = load_scenario(
        {
            "seed": 5,
            "horizon_weeks": 26,
            "organization": {"size": 300, "levels": 4},
            "arms": [
                {"name": "unfocused", "program": MANDATORY},
                {"name": "focused", "program": {**MANDATORY, "focus": ["genai_tools"]}},
            ],
        }
    )
    col = scenario.organization.skill_names.index("genai_tools")
    gains = {"unfocused": [], "focused": []}
    for seed in range(6):
        for arm in gains:
            gains[arm].append(mentee_gain(scenario, arm, seed, [col])[0].mean())
    diff = np.array(gains["focused"]) - np.array(gains["unfocused"])
    assert (diff > 0).all(), (
        f"focus raises the mentees' gain on the focus skill in every replication: {diff}"
    )


def test_mentors_engagement_and_retention_rise_against_the_same_people_without_a_program():
    # the same persons (same slots, same draws) in the baseline arm are the comparable non-participants
    scenario = load_scenario(
        {
            "seed": 9,
            "horizon_weeks": 52,
            "organization": {"size": 400, "levels": 4},
            "arms": [
                {"name": "none"},
                {"name": "program", "program": {"pairing": "random", "duration_months": 12}},
            ],
        }
    )
    kept = {"none": 0, "program": 0}
    engagement = {"none": [], "program": []}
    total = 0
    for seed in range(10):
        prog = ReverseMentoringModel(scenario, arm="program", rng=seed)
        base = ReverseMentoringModel(scenario, arm="none", rng=seed)
        prog.run(26)
        base.run(26)
        mentors = np.flatnonzero(prog.people.mentor_ever[: prog.people.initial])
        here = (prog.people.slot_of[mentors] >= 0) & (base.people.slot_of[mentors] >= 0)
        engagement["program"].append(
            prog.state.engagement[prog.people.slot_of[mentors[here]]].mean()
        )
        engagement["none"].append(base.state.engagement[base.people.slot_of[mentors[here]]].mean())
        prog.run()
        base.run()
        total += mentors.size
        for arm, model in (("program", prog), ("none", base)):
            kept[arm] += int((model.people.slot_of[mentors] >= 0).sum())
    assert np.mean(engagement["program"]) > np.mean(engagement["none"]) + 0.03
    assert kept["program"] > kept["none"], f"mentors kept: {kept} of {total}"


def test_cross_department_pairs_give_more_ideas():
    res = experiment(
        [
            {"name": "random", "program": {**MANDATORY, "cadence_per_month": 4}},
            {
                "name": "cross",
                "program": {**MANDATORY, "pairing": "cross_department", "cadence_per_month": 4},
            },
        ],
        reps=10,
        weeks=26,
        organization={"departments": ["a", "b"]},
    )
    assert_positive(
        paired(res, "cross", "ideas_from_meetings"), "cross-department pairs produce more ideas"
    )
    p_same = innovation.idea_probability(
        np.full((1, 3), 0.2), np.full((1, 3), 0.8), np.array([0.0]), innovation.InnovationParams()
    )
    p_cross = innovation.idea_probability(
        np.full((1, 3), 0.2), np.full((1, 3), 0.8), np.array([1.0]), innovation.InnovationParams()
    )
    assert p_cross > p_same


# ----------------------------------------------------------------------------- limits

ZERO_RATES = {
    "peer_learning": {"rate": 0.0},
    "adoption": {"innovation": 0.0, "imitation": 0.0, "manager_push": 0.0, "mentoring": 0.0},
    "learning": {"rate_digital": 0.0, "rate_experience": 0.0, "rate_leadership": 0.0},
    "attitudes": {
        "good_drop": 0.0,
        "bad_rise": 0.0,
        "openness_gain": 0.0,
        "peer_influence": 0.0,
        "sponsorship_rate": 0.0,
        "mandatory_reactance": 0.0,
    },
    "retention": {
        "annual_turnover": {c: 0.0 for c in COHORTS},
        "retirement": False,
        "engagement_drift": 0.0,
    },
    "innovation": {"idea_rate": 0.0},
}


def test_all_rates_zero_change_nothing():
    scenario = load_scenario(
        {
            "horizon_weeks": 30,
            "organization": {"size": 200, "levels": 4},
            "dynamics": ZERO_RATES,
            "arms": [{"name": "program", "program": {"pairing": "random"}}],
        }
    )
    model = ReverseMentoringModel(scenario, rng=3)
    st0 = {
        k: getattr(model.state, k).copy()
        for k in ("skills", "attitudes", "engagement", "adopted", "alive", "person")
    }
    model.run()
    for name, before in st0.items():
        assert np.array_equal(getattr(model.state, name), before), (
            f"{name} changed with every rate at zero"
        )
    ts = model.timeseries()
    assert (ts["ideas"] == 0).all() and (ts["headcount"] == 200).all()
    assert ts["meetings_held"].iloc[-1] > 0, "the program still met; it just changed nothing"


def test_no_program_gives_no_mentoring_outcomes():
    model = ReverseMentoringModel(
        {
            "horizon_weeks": 20,
            "organization": {"size": 200, "levels": 4},
            "arms": [{"name": "none"}],
        },
        rng=1,
    ).run()
    out = model.final_outcomes()
    for name in (
        "pairs_formed",
        "active_pairs",
        "meetings_held",
        "program_hours",
        "program_cost",
        "mentors",
        "mentees",
        "ideas_from_meetings",
        "mentoring_ties",
        "mentor_leadership_growth",
    ):
        assert out[name] == 0.0, name
    for name in ("retention_mentors", "retention_12m_mentors", "mean_relationship_quality"):
        assert np.isnan(out[name]), f"{name}: a mean over nobody is NA, not 0"
    assert model.pairs().empty


def test_no_turnover_keeps_the_headcount_constant():
    model = ReverseMentoringModel(
        {
            "horizon_weeks": 52,
            "organization": {"size": 300, "levels": 4},
            "dynamics": {
                "retention": {"annual_turnover": {c: 0.0 for c in COHORTS}, "retirement": False}
            },
        },
        rng=2,
    ).run()
    ts = model.timeseries()
    assert (
        (ts["headcount"] == 300).all()
        and ts["leavers"].iloc[-1] == 0
        and ts["retention"].iloc[-1] == 1.0
    )


def test_turnover_matches_the_labour_statistics_by_cohort():
    # retirement off: only the voluntary hazard is measured; 6,000 employees for one year
    model = ReverseMentoringModel(
        {
            "horizon_weeks": 52,
            "organization": {"size": 6000, "levels": 6, "span_of_control": 8},
            "dynamics": {"retention": {"retirement": False}},
        },
        rng=4,
    ).run()
    out = model.final_outcomes()
    base = load_scenario({}).dynamics.retention.annual_turnover
    counts = np.bincount(model.people.cohort[: model.people.initial], minlength=4)
    for c, name in enumerate(COHORTS):
        expected = getattr(base, name)
        observed = 1.0 - out[f"retention_12m[{name}]"]
        se = np.sqrt(expected * (1 - expected) / counts[c])
        # 4 standard errors of a binomial share, plus 0.02 for the engagement drift over the year
        assert abs(observed - expected) < 4 * se + 0.02, f"{name}: {observed:.3f} vs {expected:.3f}"


def test_quit_probability_falls_with_engagement():
    params = retention.RetentionParams()
    p = retention.quit_probability(np.array([1, 1]), np.array([0.3, 0.9]), np.full(4, 0.6), params)
    assert p[1] < p[0]
    annual = (
        1
        - (1 - retention.quit_probability(np.array([1]), np.array([0.6]), np.full(4, 0.6), params))
        ** 52
    )
    assert np.isclose(annual[0], params.annual_turnover.millennial), (
        "at the reference engagement the base rate holds"
    )


def test_relationship_quality_moves_with_meetings():
    params = relationship.RelationshipParams()
    q = np.array([0.5, 0.5, 0.5])
    new = relationship.new_quality(
        q,
        good=np.array([2, 0, 0]),
        bad=np.array([0, 2, 0]),
        missed=np.array([0, 0, 2]),
        params=params,
    )
    assert new[0] > 0.5 > new[1] and new[2] < 0.5
    r, o = attitudes.after_meetings(
        np.array([0.5, 0.5]),
        np.array([0.5, 0.5]),
        np.array([3, 0]),
        np.array([0, 3]),
        attitudes.AttitudeParams(),
    )
    assert r[0] < 0.5 < r[1] and o[0] > 0.5


# ----------------------------------------------------------------------------- invariants

program_settings = st.fixed_dictionaries(
    {
        "pairing": st.sampled_from(
            ["random", "optimal", "skill_gap", "two_sided", "mentee_choice"]
        ),
        "participation": st.sampled_from(["voluntary", "mandatory"]),
        "format": st.sampled_from(["one_to_one", "group"]),
        "group_size": st.integers(2, 3),
        "mentor_capacity": st.integers(1, 3),
        "cadence_per_month": st.floats(0.5, 8),
        "duration_months": st.floats(1, 8),
        "sponsorship": st.floats(0, 1),
        "mentor_training": st.booleans(),
        "repairing": st.fixed_dictionaries(
            {"enabled": st.booleans(), "max_times": st.integers(0, 2)}
        ),
    }
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    program=program_settings,
    peer=st.floats(0, 0.2),
    imitation=st.floats(0, 10),
    turnover=st.floats(0, 0.6),
    delay=st.integers(0, 12),
    seed=st.integers(0, 1000),
)
def test_invariants_hold_for_random_valid_parameters(
    program, peer, imitation, turnover, delay, seed
):
    scenario = load_scenario(
        {
            "horizon_weeks": 40,
            "organization": {"size": 150, "levels": 3, "span_of_control": 12},
            "dynamics": {
                "peer_learning": {"rate": peer},
                "adoption": {"imitation": imitation},
                "retention": {"annual_turnover": {c: turnover for c in COHORTS}},
                "staffing": {"hiring_delay_weeks": delay},
            },
            "arms": [{"name": "p", "program": program}],
        }
    )
    model = ReverseMentoringModel(scenario, rng=seed).run()
    s = model.state
    for name in ("skills", "attitudes", "engagement"):
        values = getattr(s, name)[s.alive]
        assert values.min() >= 0 and values.max() <= 1, name
    ts = model.timeseries()
    values = ts.to_numpy(float)
    assert np.isfinite(values).all(), "no NaN or infinity in any weekly outcome"
    final = model.final_outcomes()
    # per run, a mean over nobody is NA (no mentors, no active pair): never infinite
    assert all(np.isfinite(v) or np.isnan(v) for v in final.values())
    assert all(np.isfinite(v) for k, v in final.items() if not is_program_outcome(k)), (
        "only program outcomes may be undefined"
    )
    departures = (ts["leavers"] + ts["retirements"] + ts["promotions"]).to_numpy()
    window = np.concatenate([np.zeros(delay + 2), departures])
    recent = departures - window[: departures.size]
    assert (150 - ts["headcount"].to_numpy() <= recent).all(), (
        "vacancies never exceed the recent departures"
    )

"""Careers, retirement and seniority: promotions at a documented rate, retirements from year 1,
and seniority that follows tenure mid-run."""

import numpy as np
from scipy import stats

from sim import ReverseMentoringModel, load_scenario
from sim.core.organization import draw_ages, retirement_hazard, still_working
from sim.core.organization_params import COHORTS, Organization
from sim.experiments.stats import t_interval
from sim.mechanisms import careers
from sim.model.agents import SeniorEmployee
from tests.conftest import CLOSED, experiment

SHRM_BAND = (6.0, 7.0)
"""Promotions per 100 employees a year (SHRM Human Capital Benchmarking, secondary citations)."""


def test_promotion_rate_lies_in_the_documented_band():
    # the default organization (500 people, 5 levels), 8 runs of a year: 4,000 person-years and
    # about 250 promotions, so the mean rate has a standard error near 0.4 per 100
    res = experiment([{"name": "none"}], reps=8, weeks=52, size=500, levels=5, seed=21)
    rate = res.runs["promotions_per_100_per_year"].to_numpy()
    low, high = t_interval(rate)
    assert SHRM_BAND[0] <= rate.mean() <= SHRM_BAND[1], f"promotions per 100 a year: {rate}"
    # the interval may reach past the band by its sampling error, no further
    assert SHRM_BAND[0] - 1.0 < low and high < SHRM_BAND[1] + 1.0, (low, high)
    in_grade = res.runs["promotions_in_grade"] / res.runs["promotions"]
    assert ((in_grade > 0.4) & (in_grade < 0.9)).all(), (
        f"both kinds of promotion happen (in grade and into vacancies): {in_grade.to_numpy()}"
    )


def test_the_promotion_hazard_rises_with_leadership_and_falls_with_level():
    p = careers.CareersParams()
    ref = np.zeros(5)
    lead = np.array([0.2, 0.4, 0.6])
    h = careers.promotion_hazard(np.zeros(3, np.int64), lead, ref, p)
    assert np.all(np.diff(h) > 0), "more leadership, more promotions"
    assert np.isclose(h[1] / h[0], np.exp(0.2 * p.leadership_effect))
    by_level = careers.promotion_hazard(np.arange(4), np.zeros(4), ref, p)
    assert np.all(np.diff(by_level) < 0), f"fewer promotions higher up: {by_level}"


def test_reference_leadership_makes_the_week_0_mean_hazard_the_level_rate():
    rng = np.random.default_rng(3)
    lead, level = rng.beta(3, 5, 4000), rng.integers(0, 3, 4000)
    p = careers.CareersParams()
    ref = careers.reference_leadership(lead, level, np.ones(4000, bool), 3, p.leadership_effect)
    for lv in range(3):
        h = careers.promotion_hazard(level[level == lv], lead[level == lv], ref, p)
        assert np.isclose(h.mean(), p.rate_by_level[lv])


def test_mentors_are_promoted_more_than_the_same_people_without_the_program():
    # leadership grows at meetings and raises the promotion hazard: the same people (same
    # slots, same draws) in the no-program arm are the comparison
    scenario = load_scenario(
        {
            "seed": 5,
            "horizon_weeks": 52,
            "organization": {"size": 1000, "levels": 5},
            "arms": [
                {"name": "none"},
                {
                    "name": "program",
                    "program": {"pairing": "random", "duration_months": 12, "cadence_per_month": 4},
                },
            ],
        }
    )
    extra, base_rate = [], []
    for seed in range(8):  # about 100 mentors a run; 8 runs put the interval clear of zero
        prog = ReverseMentoringModel(scenario, arm="program", rng=seed).run()
        base = ReverseMentoringModel(scenario, arm="none", rng=seed).run()
        mentors = np.flatnonzero(prog.people.mentor_ever[: prog.people.initial])
        extra.append(prog.people.promotions[mentors].sum() - base.people.promotions[mentors].sum())
        base_rate.append(base.people.promotions[mentors].mean())
    low, high = t_interval(np.array(extra, float))
    print(
        f"mentors' extra promotions {np.mean(extra):.2f} [{low:.2f}, {high:.2f}]; base {np.mean(base_rate):.3f}"
    )
    assert low > 0, f"extra promotions of mentors per run: {extra}, 95% CI [{low:.2f}, {high:.2f}]"
    assert 0.01 < np.mean(base_rate) < 0.1, "at a realistic base rate (a few per cent a year)"


# ---------------------------------------------------------------------- retirement


def test_starting_ages_follow_the_retirement_curve_with_no_hard_cap():
    org = Organization()
    n = 20_000
    cohort = np.full(n, COHORTS.index("boomer"), np.int8)
    ages = draw_ages(org, cohort, np.random.default_rng(1).random(n))
    spec = org.cohorts.boomer
    youngest = org.reference_year - spec.birth_year_last - 1
    oldest = org.reference_year - spec.birth_year_first
    grid = np.linspace(youngest, oldest, 4001)
    weight = still_working(grid, org.retirement_age, org.retirement_spread)
    cdf = np.cumsum(weight) / weight.sum()
    result = stats.kstest(ages, lambda a: np.interp(a, grid, cdf))
    assert result.pvalue > 0.01, f"ages are drawn from the weighted birth years: {result}"
    assert (ages > org.retirement_age + 2).mean() > 0.05, "some work past the median age"


def test_retirement_hazard_is_the_logistic_survivals():
    ages, h = np.linspace(40, 80, 81), 1e-5
    log_s = np.log(still_working(ages + h, 65.0, 2.5)) - np.log(still_working(ages - h, 65.0, 2.5))
    # the hazard is minus the slope of the log survival (central differences)
    assert np.allclose(retirement_hazard(ages, 65.0, 2.5), -log_s / (2 * h), rtol=1e-6)
    assert np.isclose(still_working(65.0, 65.0, 2.5), 0.5), "half have retired at the median"


OLDER = {
    "gen_z": {"share": 0.05},
    "millennial": {"share": 0.25},
    "gen_x": {"share": 0.35},
    "boomer": {"share": 0.35},
}


def test_an_older_workforce_has_the_retirements_its_ages_imply_in_year_one():
    base = load_scenario({}).organization.cohorts.model_dump()
    cohorts = {c: {**base[c], **OLDER[c]} for c in COHORTS}
    scenario = load_scenario(
        {
            "seed": 9,
            "horizon_weeks": 52,
            "organization": {"size": 1000, "levels": 5, "cohorts": cohorts},
            # no quits and no hires within the year: every departure is a retirement of a
            # week-0 employee, whose chance follows from their age alone
            "dynamics": {
                "retention": {"annual_turnover": CLOSED["annual_turnover"]},
                "staffing": {"hiring_delay_weeks": 520},
            },
        }
    )
    org = scenario.organization
    weeks = np.arange(52) / 52.0
    counts, expected, variance = [], 0.0, 0.0
    for seed in range(6):
        model = ReverseMentoringModel(scenario, rng=seed)
        age = model.state.age.copy()
        model.run()
        counts.append(model.tally.retirements)
        cumulative = retirement_hazard(
            age[:, None] + weeks, org.retirement_age, org.retirement_spread
        )
        p = -np.expm1(-cumulative.sum(axis=1) / 52.0)
        expected += p.sum()
        variance += (p * (1 - p)).sum()
    assert min(counts) > 10, f"retirements in year 1: {counts}"
    # the total is a sum of independent Bernoulli trials with these chances
    z = (sum(counts) - expected) / np.sqrt(variance)
    print(f"retirements in year 1: {counts}; expected {expected / 6:.1f} a run")
    assert abs(z) < 3, f"{sum(counts)} retirements against {expected:.1f} expected (z = {z:.2f})"


# ---------------------------------------------------------------------- seniority


def test_seniority_under_the_tenure_rule_follows_tenure_every_week():
    scenario = load_scenario(
        {
            "seed": 4,
            "horizon_weeks": 52,
            "organization": {
                "size": 300,
                "levels": 4,
                "seniority": {"rule": "tenure", "min_tenure_years": 5.0},
            },
            "dynamics": {"retention": CLOSED},
        }
    )
    model = ReverseMentoringModel(scenario, rng=2)
    tenure = model.state.tenure.copy()
    seniors_before = int(model.state.senior.sum())
    model.run()
    st = model.state
    crossing = int(((tenure < 5.0) & (st.tenure >= 5.0)).sum())
    assert crossing > 5, "some employees pass five years of tenure during the year"
    assert int(st.senior.sum()) == seniors_before + crossing, "each of them became senior"
    assert np.array_equal(st.senior, st.tenure >= 5.0)
    agents = model.agents_by_type[SeniorEmployee]
    assert len(agents) == int(st.senior.sum()), "and their agents changed class"

"""Sensitivity analysis: the SALib wiring, inert and dominant parameters, noise, resume, workers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.experiments.sensitivity import (
    Settings,
    check_settings,
    evaluate_design,
    noise_floor,
    own_value_outcomes,
    point_values,
    prim,
    run_sensitivity,
    sample,
    to_points,
    wilson_interval,
)
from sim.model.scenario import ScenarioError, validate
from sim.model.uncertainty import Factor

ISHIGAMI = [Factor(f"x{i}", -np.pi, np.pi) for i in (1, 2, 3)]
# Analytic indices of Ishigami (a = 7, b = 0.1): Saltelli et al. (2008), Global Sensitivity
# Analysis: The Primer, section 4.5; SALib's documentation gives the same values.
ISHIGAMI_S1 = (0.3139, 0.4424, 0.0)
ISHIGAMI_ST = (0.5576, 0.4424, 0.2437)


def ishigami(points):
    x = np.array([[p["x1"], p["x2"], p["x3"]] for p in points])
    return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


def tiny(**extra):
    """An 80-person, 26-week scenario with no program and a default program."""
    return {
        "name": "tiny",
        "seed": 3,
        "horizon_weeks": 26,
        "organization": {"size": 80, "levels": 3, "span_of_control": 10},
        "arms": [{"name": "none"}, {"name": "rm", "program": {}}],
        **extra,
    }


def test_ishigami_sobol_indices_match_the_analytic_values():
    _, _, table = evaluate_design("sobol", ISHIGAMI, 4096, 11, ishigami)
    # At N = 4096 SALib's own 95% bootstrap half-widths are 0.014-0.045 and the errors seen over
    # seeds are below 0.005; 0.03 leaves room for the sampling error while a wiring fault
    # (columns swapped: S1 of x1 and x2 differ by 0.13; points out of Saltelli's order: indices
    # of noise) fails it.
    for name, s1, st, row in zip(
        ("x1", "x2", "x3"), ISHIGAMI_S1, ISHIGAMI_ST, table.itertuples(), strict=True
    ):
        assert row.parameter == name
        assert abs(row.S1 - s1) < 0.03, f"S1 of {name}: {row.S1:.3f}, analytic {s1}"
        assert abs(row.ST - st) < 0.03, f"ST of {name}: {row.ST:.3f}, analytic {st}"


def test_ishigami_morris_sees_x3_only_through_its_interaction():
    _, _, table = evaluate_design("morris", ISHIGAMI, 200, 5, ishigami)
    x3 = table.set_index("parameter").loc["x3"]
    # x3 enters as 0.1 x3^4 sin(x1): its elementary effects change sign with sin(x1), so they
    # average to about 0 (mu) while their absolute values do not (mu*). The standard error of
    # mu over 200 trajectories is sigma / sqrt(200), about 0.6; 0.2 mu* (about 1.2) is two of it.
    assert x3["mu_star"] > 4, x3
    assert abs(x3["mu"]) < 0.2 * x3["mu_star"], x3
    assert x3["sigma"] > x3["mu_star"], "an interaction spreads the elementary effects"


def test_the_design_keeps_ranges_distributions_and_whole_numbers():
    factors = [
        Factor("a", 0.0, 8.0),
        Factor("b", 1.0, 5.0, dist="triangular", peak=2.0),
        Factor("c", 4.0, 16.0, integer=True),
        Factor("d", 0.2, 0.6, dist="normal", valid_low=0.0, valid_high=1.0),
    ]
    design = sample("sobol", factors, 256, 3)
    assert design.shape == (256 * (4 + 2), 4)
    assert design[:, 0].min() >= 0 and design[:, 0].max() <= 8
    assert design[:, 1].min() >= 1 and design[:, 1].max() <= 5
    # the mode of a triangular(1, 5, peak 2) is 2: more mass below 3 than above
    assert (design[:, 1] < 3).mean() > 0.6
    # a normal with [0.2, 0.6] as its central 95% (truncated to the valid range (0, 1))
    inside = ((design[:, 3] >= 0.2) & (design[:, 3] <= 0.6)).mean()
    assert 0.9 < inside < 0.99, inside
    assert design[:, 3].min() > 0 and design[:, 3].max() < 1
    points = to_points(factors, design)
    assert all(isinstance(p["c"], int) and 4 <= p["c"] <= 16 for p in points)
    morris = sample("morris", factors, 5, 3)
    assert morris.shape == (5 * (4 + 1), 4)
    assert np.isfinite(morris).all(), "Morris' end levels of a normal stay finite"


def test_noise_floor_separates_an_influential_parameter_from_inert_ones():
    factors = [Factor(f"p{i}", 0.0, 1.0) for i in range(5)]
    design = sample("morris", factors, 20, 4)
    rng = np.random.default_rng(0)
    noise_sd = 0.05
    values = 0.5 * design[:, 0] + rng.normal(0, noise_sd / np.sqrt(3), len(design))
    per_rep = rng.normal(0.0, noise_sd, 60)
    table = evaluate_design_table(factors, design, values)
    floor = noise_floor("morris", factors, design, values, per_rep, 3, 9)["mu_star"]
    mu = table.set_index("parameter")["mu_star"]
    # p0 changes the output by 0.5 over its range: its mu* is about 0.5, far above the floor
    # that noise of s.d. 0.05 / sqrt(3) per point produces (a few hundredths); p1..p4 only see
    # noise, and the floor is the 95th percentile of what noise gives.
    assert mu["p0"] > 5 * floor, (mu["p0"], floor)
    assert (mu.drop("p0") <= floor).all(), (mu, floor)


def evaluate_design_table(factors, design, values):
    from sim.experiments.sensitivity import analyse

    return analyse("morris", factors, design, values, 1)


def test_wilson_interval_stays_inside_zero_one_and_matches_a_hand_computed_case():
    low, high = wilson_interval(110, 110)
    # all hits: the Wilson lower bound is n / (n + z^2) = 110 / 113.84
    assert high == pytest.approx(1.0)
    assert low == pytest.approx(110 / (110 + 1.959964**2), rel=1e-6)
    low, high = wilson_interval(0, 20)
    assert low == pytest.approx(0.0) and 0 < high < 0.2
    low, high = wilson_interval(10, 20)
    assert low < 0.5 < high and high - 0.5 == pytest.approx(0.5 - low)


def test_prim_finds_the_box_where_a_condition_holds():
    rng = np.random.default_rng(2)
    design = rng.uniform(0, 1, (2000, 3))
    hits = (design[:, 0] > 0.6) & (design[:, 2] < 0.5)
    box = prim(design, hits, ["a", "b", "c"], min_coverage=0.8)
    assert set(box.limits) <= {"a", "c"}, box.limits
    assert box.density > 0.9 and box.coverage >= 0.8, box
    assert box.limits["a"][0] == pytest.approx(0.6, abs=0.08), box.limits
    assert box.limits["c"][1] == pytest.approx(0.5, abs=0.08), box.limits


@pytest.mark.parametrize("seed", range(4))
def test_prim_leaves_parameters_that_cannot_matter_unrestricted_in_a_small_sample(seed):
    # 30 points, 7 parameters, the condition depends on a alone (with 20% misses): peeling
    # alone reaches density 1 by also cutting irrelevant parameters on these seeds; the
    # significance test of each restriction drops those cuts and keeps a's
    rng = np.random.default_rng(seed)
    design = rng.uniform(0, 1, (30, 7))
    hits = (design[:, 0] > 0.5) & (rng.uniform(size=30) < 0.8)
    box = prim(design, hits, list("abcdefg"))
    assert list(box.limits) == ["a"], box
    assert box.limits["a"][0] > 0.45, box
    assert box.density > hits.mean(), box


def test_point_values_pair_each_replication_with_the_baseline():
    runs = pd.DataFrame(
        {
            "point": [0, 0, 0, 0, 1, 1, 1, 1],
            "arm": ["b", "b", "a", "a"] * 2,
            "replication": [0, 1, 0, 1] * 2,
            "y": [1.0, 3.0, 2.0, 5.0, 0.0, 0.0, 1.0, 1.0],
        }
    )
    v = point_values(runs, "b", ["a"], ["y"], raw=False)
    assert v["value"].tolist() == [1.5, 1.0]  # (2-1 + 5-3) / 2 and (1 + 1) / 2
    # differences 1 and 2: s.d. sqrt(0.5), standard error sqrt(0.5) / sqrt(2) = 0.5
    assert v["se"].tolist() == pytest.approx([0.5, 0.0])
    raw = point_values(runs, "b", ["a", "b"], ["y"], raw=True)
    assert raw.set_index(["arm", "point"])["value"].to_dict() == {
        ("a", 0): 3.5,
        ("a", 1): 1.0,
        ("b", 0): 2.0,
        ("b", 1): 0.0,
    }


def test_figures_already_paired_are_taken_as_the_arms_own_and_same_people_against_themselves():
    runs = pd.DataFrame(
        {
            "arm": ["b", "b", "a", "a"],
            "replication": [0, 1, 0, 1],
            "roi": [np.nan, np.nan, 0.5, 1.5],  # NA for the baseline by definition
            "r_same_people": [np.nan, np.nan, 0.9, 0.8],
            "r_same_people_in_baseline": [np.nan, np.nan, 0.7, 0.8],
        }
    )
    v = point_values(runs, "b", ["a"], ["roi", "r_same_people"], raw=False)
    # the mean ROI 1.0, not NaN (a minus the baseline's NA); the same people: 0.2 and 0.0
    assert v.set_index("outcome")["value"].to_dict() == pytest.approx(
        {"roi": 1.0, "r_same_people": 0.1}
    )


def test_outcomes_without_a_paired_effect_are_refused_or_taken_as_own_values():
    scenario = validate(tiny())  # the baseline arm runs no program
    own = own_value_outcomes(scenario, ["roi", "program_cost", "adoption_seniors"])
    # program cost is 0 in a no-program baseline by definition: its effect is the arm's own
    assert own == {"roi", "program_cost"}
    for outcome, why in [
        ("retention_12m_mentors", "different people"),
        ("retention_12m_mentors_comparable", "comparison group"),
    ]:
        with pytest.raises(ScenarioError, match=why):
            check_settings(scenario, Settings(outcomes=[outcome]))
    check_settings(scenario, Settings(outcomes=["retention_12m_mentors"], raw=True))


# ---------------------------------------------------------------------- through the model

INERT_AND_LIVE = {
    "dynamics.economics.replacement_cost_multiple": [0.2, 1.5],
    "dynamics.adoption.mentoring": [0.0, 16.0],
}


@pytest.mark.parametrize("method,size", [("morris", 3), ("sobol", 4)])
def test_an_inert_parameter_gets_indices_of_exactly_zero(method, size):
    # 200 people: in the 80-person organization so few senior mentees meet an adopted mentor
    # in 26 weeks that the effect was 1/27 at every value the 4-sample Sobol design drew
    # (2 to 15 per year), so the check of a live parameter could not see it move
    org = {"size": 200, "levels": 4, "span_of_control": 8}
    result = run_sensitivity(
        tiny(uncertain=INERT_AND_LIVE, organization=org),
        Settings(method=method, size=size, reps=1, outcomes=["adoption_seniors"], noise_groups=2),
    )  # fmt: skip
    t = result.indices.set_index(["outcome", "parameter"])
    inert = t.loc[("adoption_seniors", "dynamics.economics.replacement_cost_multiple")]
    # the economics block only prices leavers: changing it leaves every draw and every run of
    # the same seed identical (common random numbers), so every elementary effect and every
    # f(A) - f(AB_i) is exactly 0, not merely small
    if method == "morris":
        assert inert["mu_star"] == 0.0 and inert["sigma"] == 0.0, inert
        live = t.loc[("adoption_seniors", "dynamics.adoption.mentoring"), "mu_star"]
    else:
        assert inert["ST"] == 0.0 and inert["S1"] == 0.0, inert
        live = t.loc[("adoption_seniors", "dynamics.adoption.mentoring"), "ST"]
    assert live > 0, "the mentoring hazard does move senior adoption: the zero is not trivial"
    assert bool(inert["below_noise_floor"])


def test_a_dominant_parameter_ranks_first():
    # the program's cost is hours x meetings x hourly cost: hours per meeting spans 8x, while
    # attendance moves the meetings held by a few percent and the value of an idea does not
    # enter the cost at all
    uncertain = {
        "arms.1.program.hours_per_meeting": [0.5, 4.0],
        "dynamics.meetings.base_attendance": [0.8, 0.85],
        "dynamics.economics.value_per_implemented_idea": [1000, 20000],
    }
    for method, size in (("morris", 3), ("sobol", 4)):
        result = run_sensitivity(
            tiny(uncertain=uncertain),
            Settings(method=method, size=size, reps=1, outcomes=["program_cost"],
                     noise_groups=2),
        )  # fmt: skip
        table = result.indices.sort_values("rank")
        assert table["parameter"].iloc[0] == "arms.1.program.hours_per_meeting", table
        assert table["rank"].iloc[0] == 1 and table["rank"].iloc[1] > 1, table
        if method == "sobol":
            assert table["ST"].iloc[0] > 0.9, table


SMALL_UNCERTAIN = {
    "dynamics.adoption.mentoring": [0.0, 8.0],
    "dynamics.adoption.imitation": [1.0, 4.0],
}
OUTPUTS = ("sensitivity.csv", "robustness.csv", "points.parquet", "prim.csv", "factors.csv")


def test_two_workers_give_the_same_bytes(tmp_path):
    settings = dict(method="morris", size=2, reps=2, noise_groups=2)
    run_sensitivity(
        tiny(uncertain=SMALL_UNCERTAIN, horizon_weeks=13),
        Settings(**settings),
        out=tmp_path / "one",
    )
    run_sensitivity(
        tiny(uncertain=SMALL_UNCERTAIN, horizon_weeks=13),
        Settings(**settings),
        out=tmp_path / "two",
        workers=2,
    )
    for name in OUTPUTS:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), (
            name
        )


def test_an_interrupted_analysis_resumes_to_the_same_bytes(tmp_path, monkeypatch):
    import sim.experiments.experiment as experiment
    from sim.experiments.experiment import ExperimentError

    settings = dict(method="morris", size=2, reps=2, noise_groups=2)
    run_sensitivity(
        tiny(uncertain=SMALL_UNCERTAIN, horizon_weeks=13),
        Settings(**settings),
        out=tmp_path / "full",
    )
    real, calls = experiment.run_model, []

    def flaky(scenario, arm=None, seed=None, weeks=None):
        calls.append(seed)
        if len(calls) % 3 == 0:
            raise RuntimeError("interrupted")
        return real(scenario, arm=arm, seed=seed, weeks=weeks)

    monkeypatch.setattr(experiment, "run_model", flaky)
    with pytest.raises(ExperimentError):
        run_sensitivity(
            tiny(uncertain=SMALL_UNCERTAIN, horizon_weeks=13),
            Settings(**settings),
            out=tmp_path / "cut",
        )
    assert not (tmp_path / "cut" / "sensitivity.csv").exists(), "nothing final from a failed run"
    monkeypatch.setattr(experiment, "run_model", real)
    run_sensitivity(
        tiny(uncertain=SMALL_UNCERTAIN, horizon_weeks=13),
        Settings(**settings),
        out=tmp_path / "cut",
        resume=True,
    )
    for name in OUTPUTS:
        assert (tmp_path / "cut" / name).read_bytes() == (tmp_path / "full" / name).read_bytes(), (
            name
        )


def test_resume_refuses_a_different_analysis(tmp_path):
    settings = dict(method="morris", size=2, reps=1, noise_groups=2)
    run_sensitivity(
        tiny(uncertain=SMALL_UNCERTAIN, horizon_weeks=13), Settings(**settings), out=tmp_path / "r"
    )
    with pytest.raises(ScenarioError, match="size"):
        run_sensitivity(
            tiny(uncertain=SMALL_UNCERTAIN, horizon_weeks=13),
            Settings(**{**settings, "size": 3}),
            out=tmp_path / "r",
            resume=True,
        )
    with pytest.raises(ScenarioError, match="not empty"):
        run_sensitivity(
            tiny(uncertain=SMALL_UNCERTAIN, horizon_weeks=13),
            Settings(**settings),
            out=tmp_path / "r",
        )


@pytest.mark.parametrize(
    "settings,message",
    [
        (dict(method="sobol", size=6), "power of 2"),
        (dict(arms=["none"]), "baseline"),
        (dict(arms=["nope"]), "not one of the arms"),
        (dict(outcomes=["adoption_senior"]), "not an outcome"),
        (dict(pays_off="roi>>0"), "expected OUTCOME>VALUE"),
        (dict(outcomes=["adoption_seniors"], pays_off="roi>0"), "not among the analysed"),
    ],
)
def test_bad_settings_are_errors_naming_the_option(settings, message):
    with pytest.raises(ScenarioError, match=message):
        run_sensitivity(tiny(uncertain=SMALL_UNCERTAIN, horizon_weeks=13), Settings(**settings))

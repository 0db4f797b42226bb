"""``mentorsim sensitivity``: files, words, errors, re-analysis of a finished folder."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.ui.cli import main
from tests.conftest import ROOT

SCENARIO = """
name: tiny_sensitivity
seed: 5
horizon_weeks: 26
organization: {size: 80, levels: 3, span_of_control: 10}
arms:
  - {name: none}
  - {name: rm, program: {cadence_per_month: 4}}
uncertain:
  dynamics.adoption.mentoring: [0, 16]
  dynamics.economics.replacement_cost_multiple: plausible
"""

FAST = ["--trajectories", "3", "--reps", "1", "--noise-groups", "2", "--workers", "1"]


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(SCENARIO)
    return path


def test_sensitivity_writes_its_files_and_names_the_influential_assumption(
    scenario_file, tmp_path, capsys
):
    out = tmp_path / "s"
    code = main(["sensitivity", str(scenario_file), *FAST, "--out", str(out),
                 "--outcome", "adoption_seniors", "--outcome", "roi"])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    for name in ("sensitivity.csv", "robustness.csv", "points.parquet", "sensitivity.html",
                 "summary.txt", "factors.csv", "figures/morris__adoption_seniors__rm.png",
                 "figures/effect_vs_top2__roi__rm.png"):  # fmt: skip
        assert (out / name).exists(), name
    table = pd.read_csv(out / "sensitivity.csv")
    assert set(table.columns) >= {"method", "outcome", "arm", "parameter", "mu_star",
                                  "mu_star_conf", "sigma", "below_noise_floor"}  # fmt: skip
    top = table[table["outcome"] == "adoption_seniors"].sort_values("rank")["parameter"].iloc[0]
    assert top == "dynamics.adoption.mentoring", table
    assert "adoption.mentoring" in printed and "points" in printed
    page = (out / "sensitivity.html").read_text()
    assert "adoption.mentoring" in page and "<script" not in page
    robust = pd.read_csv(out / "robustness.csv")
    assert (robust["share_ci95_low"] <= robust["share_positive"]).all()
    assert (robust["share_positive"] <= robust["share_ci95_high"]).all()
    assert robust["share_ci95_low"].ge(0).all() and robust["share_ci95_high"].le(1).all()
    points = pd.read_parquet(out / "points.parquet")
    assert len(points) == 3 * 3 * 2, "3 trajectories x (2 + 1) points x 2 outcomes"
    # re-analysing a finished folder with another outcome runs nothing and changes the tables
    assert main(["sensitivity", str(scenario_file), *FAST, "--resume", str(out),
                 "--outcome", "mentees", "--quiet"]) == 0  # fmt: skip
    again = pd.read_csv(out / "sensitivity.csv")
    assert set(again["outcome"]) == {"mentees"}


@pytest.mark.parametrize(
    "args,message",
    [
        (["--method", "sobol", "--samples", "6"], "--samples: must be a power of 2"),
        (["--method", "sobol", "--trajectories", "4"], "--trajectories is for --method morris"),
        (["--outcome", "adoption_senior"], "--outcome: 'adoption_senior' is not an outcome"),
        (["--arm", "none"], "paired effect is 0 by definition"),
        (["--set", "uncertain={dynamics.adoption.mentoring: [0, 99]}"], "high (99) is outside"),
    ],
)
def test_user_mistakes_exit_2_with_a_message(scenario_file, tmp_path, capsys, args, message):
    code = main(["sensitivity", str(scenario_file), "--out", str(tmp_path / "x"), *args])
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "x").exists(), "nothing is written for a refused analysis"


def test_quickstart_names_its_uncertain_parameters_before_running(capsys):
    # the plan line is printed before the runs: 52 declared dynamics assumptions by default
    from sim.experiments.sensitivity import Settings, plan_text
    from sim.model.scenario import load_scenario

    scenario = load_scenario(ROOT / "scenarios" / "quickstart.yaml")
    text = plan_text(scenario, Settings())
    k = int(text.split(" over ")[1].split()[0])
    assert text.startswith(f"morris over {k} uncertain parameters: {10 * (k + 1)} points")
    assert k >= 40, "every dynamics assumption with a plausible range is in the default set"

"""``mentorsim calibrate`` and ``mentorsim optimize``: files, best_arms.yaml runs, user mistakes."""

from __future__ import annotations

import pandas as pd
import yaml

from sim.ui.cli import main

SCENARIO = """
name: tiny_search
seed: 5
horizon_weeks: 13
organization: {size: 80, levels: 3, span_of_control: 10}
arms:
  - {name: none}
  - {name: rm, program: {duration_months: 3}}
uncertain:
  dynamics.adoption.innovation: [0.05, 0.5]
levers:
  cadence_per_month: [1, 4]
  mentor_training: [false, true]
"""

FAST = ["--trials", "4", "--batch", "4", "--reps", "2", "--check-reps", "2", "--workers", "1",
        "--quiet"]  # fmt: skip


def _scenario(tmp_path, text=SCENARIO):
    path = tmp_path / "tiny.yaml"
    path.write_text(text)
    return path


def test_optimize_writes_a_front_whose_best_arms_file_runs(tmp_path):
    out = tmp_path / "o"
    code = main(["optimize", str(_scenario(tmp_path)), *FAST, "--out", str(out), "--budget", "1e9",
                 "--objective", "adoption_seniors:max", "--objective", "program_cost:min"])  # fmt: skip
    assert code == 0
    for name in ("pareto.csv", "trials.csv", "best_arms.yaml", "recheck.csv", "pareto.html",
                 "figures/pareto.png", "summary.txt", "study.journal"):  # fmt: skip
        assert (out / name).exists(), name
    pareto = pd.read_csv(out / "pareto.csv")
    arms = yaml.safe_load((out / "best_arms.yaml").read_text())["arms"]
    assert [a["name"] for a in arms] == ["none", *pareto["design"]]
    for arm, row in zip(arms[1:], pareto.itertuples(), strict=True):
        assert arm["program"]["cadence_per_month"] == row.cadence_per_month
        assert arm["program"]["mentor_training"] == row.mentor_training
    ran = tmp_path / "r"
    code = main(["run", str(out / "best_arms.yaml"), "--reps", "1", "--workers", "1",
                 "--out", str(ran), "--quiet", "--no-report"])  # fmt: skip
    assert code == 0
    assert set(pd.read_parquet(ran / "runs.parquet")["arm"]) == {a["name"] for a in arms}


def test_calibrate_writes_the_calibrated_block_and_resume_adds_trials(tmp_path):
    targets = tmp_path / "targets.csv"
    targets.write_text("outcome,week,value,sd\nadoption,8,0.06,0.01\nadoption,13,0.12,0.02\n")
    out = tmp_path / "c"
    args = ["calibrate", str(_scenario(tmp_path)), "--targets", str(targets), *FAST]
    assert main([*args, "--out", str(out)]) == 0
    block = yaml.safe_load((out / "calibrated.yaml").read_text())
    assert 0.05 <= block["dynamics"]["adoption"]["innovation"] <= 0.5
    for name in ("trials.csv", "fit.csv", "identifiability.csv", "figures/fit.png", "fit.html"):
        assert (out / name).exists(), name
    first = pd.read_csv(out / "trials.csv")
    assert main([*args, "--trials", "8", "--resume", str(out)]) == 0
    trials = pd.read_csv(out / "trials.csv")
    assert len(trials) == 8
    pd.testing.assert_frame_equal(trials.head(4), first)


def test_a_bad_targets_file_exits_2_naming_line_and_value(tmp_path, capsys):
    targets = tmp_path / "targets.csv"
    targets.write_text("outcome,week,value\nadoption,8,0.06\nadoption,13,lots\n")
    code = main(["calibrate", str(_scenario(tmp_path)), "--targets", str(targets), *FAST,
                 "--out", str(tmp_path / "c")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert "line 3, value: 'lots' is not a number" in err
    assert "Traceback" not in err
    assert not (tmp_path / "c").exists()


def test_bad_levers_exit_2_naming_the_field(tmp_path, capsys):
    bad = SCENARIO.replace("cadence_per_month: [1, 4]", "cadence_per_month: [1, many]")
    code = main(["optimize", str(_scenario(tmp_path, bad)), *FAST, "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2
    assert "levers.cadence_per_month" in err and "'many'" in err, err
    assert "Traceback" not in err


def test_optimize_without_levers_or_with_a_bad_objective_exits_2(tmp_path, capsys):
    plain = SCENARIO.split("levers:")[0]
    code = main(["optimize", str(_scenario(tmp_path, plain)), *FAST, "--out", str(tmp_path / "o")])
    assert code == 2 and "levers: the scenario has no levers: block" in capsys.readouterr().err
    code = main(["optimize", str(_scenario(tmp_path)), *FAST, "--objective", "roi:up",
                 "--out", str(tmp_path / "o2")])  # fmt: skip
    assert code == 2 and "expected OUTCOME:max or OUTCOME:min" in capsys.readouterr().err

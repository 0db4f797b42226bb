import subprocess
import sys

import pandas as pd

from sim.ui.cli import main
from tests.conftest import ROOT


def test_run_writes_the_results_folder(tmp_path, capsys):
    out = tmp_path / "q"
    code = main(
        [
            "run",
            str(ROOT / "scenarios" / "quickstart.yaml"),
            "--reps",
            "2",
            "--weeks",
            "8",
            "--out",
            str(out),
            "--workers",
            "1",
            "--set",
            "organization.size=200",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "Senior adoption (%)" in printed and str(out) in printed, "a compact summary is printed"
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 4 and runs["headcount"].between(180, 200).all()
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert ts["week"].max() == 8


def test_quiet_prints_only_where_the_results_are(tmp_path, capsys):
    out = tmp_path / "q"
    assert (
        main(
            [
                "run",
                "--reps",
                "1",
                "--weeks",
                "2",
                "--out",
                str(out),
                "--workers",
                "1",
                "--quiet",
                "--set",
                "organization.size=100",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.strip() == f"results written to {out}"


def test_bad_override_exits_2_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "q"
    assert main(["run", "--out", str(out), "--set", "organization.size=abc"]) == 2
    assert "organization.size" in capsys.readouterr().err
    assert not out.exists(), "nothing is written for a user error"


def test_list_outcomes_and_policies(capsys):
    assert main(["list", "outcomes"]) == 0
    text = capsys.readouterr().out
    assert "adoption_seniors[technology]" in text and "share" in text
    assert main(["list", "policies"]) == 0
    text = capsys.readouterr().out
    assert "two_sided" in text and "optimal" in text


def test_sweep_grid_adds_a_column_per_varied_field(tmp_path):
    out = tmp_path / "s"
    assert (
        main(
            [
                "sweep",
                str(ROOT / "scenarios" / "quickstart.yaml"),
                "--reps",
                "2",
                "--weeks",
                "4",
                "--set",
                "organization.size=100",
                "--workers",
                "1",
                "--quiet",
                "--out",
                str(out),
                "--vary",
                "dynamics.adoption.imitation=0.5,5.0",
            ]
        )
        == 0
    )
    runs = pd.read_csv(out / "runs.csv")
    assert list(runs.columns[:2]) == ["point", "dynamics.adoption.imitation"]
    assert (
        sorted(runs["dynamics.adoption.imitation"].unique()) == [0.5, 5.0] and len(runs) == 8
    )  # 2 points x 2 arms x 2 reps


def test_sweep_lhs_respects_the_ranges(tmp_path):
    out = tmp_path / "s"
    assert (
        main(
            [
                "sweep",
                str(ROOT / "scenarios" / "quickstart.yaml"),
                "--reps",
                "1",
                "--weeks",
                "2",
                "--set",
                "organization.size=100",
                "--workers",
                "1",
                "--quiet",
                "--out",
                str(out),
                "--lhs",
                "5",
                "--range",
                "dynamics.adoption.imitation=1:3",
                "--range",
                "organization.network.mean_degree=4:12",
            ]
        )
        == 0
    )
    runs = pd.read_csv(out / "runs.csv")
    runs = runs[runs["arm"] == "no_program"]
    q = runs["dynamics.adoption.imitation"]
    assert len(runs) == 5 and q.between(1, 3).all()
    # a Latin hypercube puts exactly one point in each fifth of the range
    assert sorted(((q - 1) / 2 * 5).astype(int).tolist()) == [0, 1, 2, 3, 4]
    assert runs["organization.network.mean_degree"].dtype.kind == "i", (
        "integer fields get integer values"
    )


def test_console_script_runs_without_traceback():
    proc = subprocess.run(
        [sys.executable, "-m", "sim.ui.cli", "run", "--set", "organization.levels=99"],
        capture_output=True,
        text=True,
    )
    assert (
        proc.returncode == 2
        and "organization.levels" in proc.stderr
        and "Traceback" not in proc.stderr
    )


def test_a_large_organization_hears_of_the_compiled_search_only_where_it_is_missing(
    capsys, monkeypatch
):
    """At 50,000 employees and up a program's pairing searches pools of 20,000 mentors and
    more, where the ``fast`` extra's compiled search pays: said once numba is missing, not where
    it is installed or refused, nor without a program or below that size."""
    import sim.kernels
    from sim import load_scenario
    from sim.ui.cli.run import _note_compiled_search

    monkeypatch.delenv("MENTORSIM_COMPILED", raising=False)
    monkeypatch.setattr(sim.kernels, "compiled_available", lambda: False)
    quick = ROOT / "scenarios" / "quickstart.yaml"
    large = load_scenario(quick, overrides=["organization.size=50000", "organization.levels=7"])
    _note_compiled_search(large, None)
    assert "50,000 employees" in capsys.readouterr().err
    small = load_scenario(quick, overrides=["organization.size=49999", "organization.levels=7"])
    _note_compiled_search(small, None)
    assert capsys.readouterr().err == ""
    _note_compiled_search(small, [{}, {"organization.size": 60000}])
    assert "60,000 employees" in capsys.readouterr().err, "a sweep point counts"
    _note_compiled_search(small, [{"organization.size": "abc"}])  # refused later, with its point
    assert capsys.readouterr().err == ""
    without = load_scenario(
        {"organization": {"size": 50000, "levels": 7}, "arms": [{"name": "no_program"}]}
    )
    assert [arm.program for arm in without.arms] == [None]
    _note_compiled_search(without, None)
    assert capsys.readouterr().err == ""
    monkeypatch.setenv("MENTORSIM_COMPILED", "0")
    _note_compiled_search(large, None)
    assert capsys.readouterr().err == "", "refused by the user"
    monkeypatch.delenv("MENTORSIM_COMPILED")
    monkeypatch.setattr(sim.kernels, "compiled_available", lambda: True)
    _note_compiled_search(large, None)
    assert capsys.readouterr().err == ""

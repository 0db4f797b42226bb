"""``mentorsim org check``, ``org template``, ``pairs``, and rostered runs from the command line."""

import pandas as pd
import pytest
import yaml

from sim.ui.cli import main
from tests.conftest import write_roster_file

SECRET_DEPARTMENTS = ["Qzx Treasury", "Vwy Logistics", "Jkp Research"]


def private_roster(folder):
    """A roster whose departments, dates and an ignored e-mail column must never leave it."""
    table, as_of = write_roster_file(folder / "roster.csv", size=240, levels=4)
    table["employee_id"] = [f"ACME-{i:04d}" for i in range(len(table))]
    ids = dict(
        zip(
            write_roster_file(folder / "x.csv", 240, 4)[0]["employee_id"],
            table["employee_id"],
            strict=True,
        )
    )
    table["manager_id"] = table["manager_id"].map(ids).fillna("")
    table["department"] = [SECRET_DEPARTMENTS[i % 3] for i in range(len(table))]
    table["email"] = [f"person{i}@acme-private.example" for i in range(len(table))]
    table.to_csv(folder / "roster.csv", index=False)
    (folder / "x.csv").unlink()
    return table, as_of


def scenario_file(folder, **extra):
    data = {
        "name": "acme",
        "seed": 11,
        "horizon_weeks": 8,
        "replications": 2,
        "organization": {
            "roster": "roster.csv",
            "as_of": "2026-01-01",
            "ignore_columns": ["email"],
        },
        "arms": [
            {"name": "none"},
            {
                "name": "pairs",
                "program": {"pairing": "cross_department", "weights": {"department": 0.25}},
            },
        ],
        **extra,
    }
    path = folder / "acme.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def output_text(folder):
    """Every output file's text; Parquet files as their columns and values."""
    texts = {}
    for path in folder.rglob("*"):
        if not path.is_file() or path.suffix == ".png":
            continue
        if path.suffix == ".parquet":
            frame = pd.read_parquet(path)
            texts[path] = " ".join(frame.columns) + "\n" + frame.to_csv(index=False)
        else:
            texts[path] = path.read_text(encoding="utf-8", errors="replace")
    return texts


def test_org_check_prints_a_profile_and_writes_nothing(tmp_path, capsys, monkeypatch):
    private_roster(tmp_path)
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["org", "check", "roster.csv", "--ignore", "email", "--as-of", "2026-01-01"]) == 0
    out = capsys.readouterr().out
    assert "roster.csv: ok, 240 employees as of 2026-01-01" in out
    assert "k-anonymity:" in out and "departments: 3" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == before, "org check writes nothing"


def test_org_check_warns_when_small_groups_are_identifiable(tmp_path, capsys):
    private_roster(tmp_path)
    main(["org", "check", str(tmp_path / "roster.csv"), "--ignore", "email"])
    out = capsys.readouterr().out
    k = int(out.split("k-anonymity: ")[1].split()[0])
    assert k < 5 and "warning:" in out, "the single top person is a group of one"


def test_org_check_of_a_broken_roster_exits_2_naming_lines(tmp_path, capsys):
    private_roster(tmp_path)
    code = main(["org", "check", str(tmp_path / "roster.csv")])
    err = capsys.readouterr().err
    assert code == 2 and "column email" in err and "direct identifier" in err
    assert "Traceback" not in err


def test_template_round_trips_through_org_check_and_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "t.parquet"
    assert main(["org", "template", "--size", "150", "--levels", "4", "--out", str(out)]) == 0
    assert len(pd.read_parquet(out)) == 150
    assert main(["org", "check", str(out), "--as-of", "2026-01-01"]) == 0
    assert "150 employees" in capsys.readouterr().out
    assert main(["org", "template", "--size", "150", "--out", str(out)]) == 2
    assert "exists" in capsys.readouterr().err
    assert main(["org", "template", "--size", "5", "--out", str(tmp_path / "s.csv")]) == 2


def test_pairs_lists_the_first_waves_pairs_by_employee_id(tmp_path, capsys):
    table, _ = private_roster(tmp_path)
    path = scenario_file(tmp_path)
    out = tmp_path / "proposal.csv"
    assert main(["pairs", str(path), "--arm", "pairs", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "policy cross_department" in printed and "ACME-" in printed
    pairs = pd.read_csv(out)
    assert set(pairs["mentee_id"]) <= set(table["employee_id"])
    assert set(pairs["mentor_id"]) <= set(table["employee_id"])
    terms = pairs[["score_skill", "score_attitude", "score_department", "score_diversity"]]
    assert (terms.sum(axis=1) - pairs["score"]).abs().max() < 1e-12, "the reasons add up"
    assert (pairs["score_department"] > 0).all(), "cross_department pairs span departments"
    assert pairs["reasons"].str.contains("different departments").all()
    assert main(["pairs", str(path), "--arm", "none"]) == 2
    assert "has no program" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_nothing_but_employee_ids_from_the_roster_reaches_any_output(tmp_path, command):
    table, _ = private_roster(tmp_path)
    path = scenario_file(tmp_path)
    out = tmp_path / "results"
    argv = [command, str(path), "--out", str(out), "--workers", "1", "--quiet"]
    if command == "sweep":  # the report is checked with run; here the tables of two points
        argv += ["--vary", "dynamics.adoption.imitation=1,3", "--no-report"]
    assert main(argv) == 0
    texts = output_text(out)
    expected = {"manifest.json", "runs.csv", "pairs.parquet"}
    assert {p.name for p in texts} >= expected | ({"report.html"} if command == "run" else set())
    secrets = [*SECRET_DEPARTMENTS, "acme-private", *table["hire_date"].head(50)]
    leaks = [(p.name, s) for p, text in texts.items() for s in secrets if s in text]
    assert not leaks, leaks
    pairs = pd.read_parquet(out / "pairs.parquet")
    assert pairs["mentee_id"].str.startswith("ACME-").all(), "employee ids are in the pairs"
    manifest = texts[out / "manifest.json"]
    assert '"rows": 240' in manifest and '"sha256"' in manifest


def test_the_same_roster_and_seed_give_the_same_bytes(tmp_path):
    private_roster(tmp_path)
    path = scenario_file(tmp_path)
    for name in ("a", "b"):
        assert (
            main(
                [
                    "run",
                    str(path),
                    "--out",
                    str(tmp_path / name),
                    "--workers",
                    "1",
                    "--quiet",
                    "--no-report",
                ]
            )
            == 0
        )
    for table in ("runs.csv", "timeseries.parquet", "pairs.parquet"):
        a, b = (tmp_path / "a" / table).read_bytes(), (tmp_path / "b" / table).read_bytes()
        assert a == b, table


def test_a_run_on_a_broken_roster_exits_2_and_writes_nothing(tmp_path, capsys):
    table, _ = private_roster(tmp_path)
    table.loc[7, "manager_id"] = table.loc[9, "employee_id"]  # 9 reports to 7's subtree or not
    table.loc[9, "manager_id"] = table.loc[7, "employee_id"]  # a cycle between 7 and 9
    table.to_csv(tmp_path / "roster.csv", index=False)
    path = scenario_file(tmp_path)
    code = main(["run", str(path), "--out", str(tmp_path / "out"), "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 2 and "reporting cycle" in err and "line 9" in err
    assert not (tmp_path / "out").exists()

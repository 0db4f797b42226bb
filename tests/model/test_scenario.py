import subprocess
import sys

import pytest

from sim.model.scenario import ScenarioError, load_scenario
from sim.ui.cli import main
from tests.conftest import ROOT


def errors_of(data=None, overrides=None, path=None):
    with pytest.raises(ScenarioError) as info:
        load_scenario(path if path is not None else data, overrides=overrides)
    return info.value.errors


def test_quickstart_file_is_valid():
    scenario = load_scenario(ROOT / "scenarios" / "quickstart.yaml")
    assert scenario.organization.size == 500
    assert scenario.baseline == "no_program"


def test_defaults_fill_every_field():
    scenario = load_scenario({})
    assert scenario.horizon_weeks == 52 and scenario.organization.network.mean_degree == 10


@pytest.mark.parametrize(
    ("data", "path", "value"),
    [
        ({"organization": {"size": -5}}, "organization.size", "-5"),
        ({"organization": {"size": "500"}}, "organization.size", "'500'"),
        ({"horizon_weeks": 0}, "horizon_weeks", "0"),
        ({"organization": {"network": {"rewiring": 1.5}}}, "organization.network.rewiring", "1.5"),
        ({"dynamics": {"adoption": {"innovation": -1.0}}}, "dynamics.adoption.innovation", "-1.0"),
        (
            {"arms": [{"name": "a", "program": {"pairing": "bogus"}}]},
            "arms.0.program.pairing",
            "bogus",
        ),
        (
            {"arms": [{"name": "a", "program": {"mentor_capacity": 0}}]},
            "arms.0.program.mentor_capacity",
            "0",
        ),
    ],
)
def test_bad_values_name_the_field_and_the_value(data, path, value):
    errors = errors_of(data)
    assert any(e.startswith(path + ":") and value in e for e in errors), errors


def test_unknown_keys_are_errors_with_their_path():
    errors = errors_of({"organization": {"sizee": 10}, "bogus": 1})
    assert any(e.startswith("organization.sizee: unknown field") for e in errors), errors
    assert any(e.startswith("bogus: unknown field") for e in errors), errors


def test_every_error_is_reported_at_once():
    errors = errors_of({"horizon_weeks": -1, "replications": 0, "organization": {"levels": 0}})
    assert len(errors) == 3, errors


def test_cross_field_checks_name_the_field():
    errors = errors_of({"organization": {"size": 5000, "levels": 3}})
    assert errors[0].startswith("organization.size:"), errors
    errors = errors_of({"arms": [{"name": "a", "program": {"focus": ["juggling"]}}]})
    assert errors[0].startswith("arms.0.program.focus:") and "juggling" in errors[0], errors
    errors = errors_of({"baseline_arm": "nope"})
    assert errors[0].startswith("baseline_arm:") and "nope" in errors[0], errors
    bad_mix = {
        "organization": {
            "cohorts": {
                "gen_z": {
                    "share": 0.9,
                    "hire_share": 0.45,
                    "birth_year_first": 1997,
                    "birth_year_last": 2012,
                    "median_tenure_years": 1.5,
                    "digital_skill_mean": 0.6,
                    "resistance_mean": 0.2,
                    "openness_mean": 0.7,
                    "willingness_mean": 0.6,
                    "engagement_mean": 0.6,
                }
            }
        }
    }
    errors = errors_of(bad_mix)
    assert any(e.startswith("organization.cohorts") and "sum to 1" in e for e in errors), errors


def test_overrides_are_validated_like_the_file():
    assert load_scenario({}, overrides=["organization.size=300"]).organization.size == 300
    assert load_scenario({}, overrides={"arms.0.name": "base"}).arms[0].name == "base"
    errors = errors_of({}, overrides=["organization.size=-3"])
    assert errors[0].startswith("organization.size:") and "-3" in errors[0], errors
    errors = errors_of({}, overrides=["organization.nope=1"])
    assert errors[0].startswith("organization.nope: unknown field"), errors
    errors = errors_of({}, overrides=["arms.4.name=x"])
    assert errors[0].startswith("arms.4:"), errors


@pytest.mark.parametrize(
    ("content", "needle"),
    [("", "empty"), ("a: [1, 2\n", "not valid YAML"), ("- 1\n- 2\n", "mapping"), ("\x00\x01", "")],
)
def test_unusable_files_are_clear_errors(tmp_path, content, needle):
    path = tmp_path / "s.yaml"
    path.write_text(content)
    errors = errors_of(path=path)
    assert errors and needle in errors[0], errors


def test_missing_file_and_directory(tmp_path):
    assert "not found" in errors_of(path=tmp_path / "none.yaml")[0]
    assert "directory" in errors_of(path=tmp_path)[0]


def test_validate_command_exit_codes(tmp_path, capsys):
    assert main(["validate", str(ROOT / "scenarios" / "quickstart.yaml")]) == 0
    assert capsys.readouterr().out.strip() == "ok"
    bad = tmp_path / "bad.yaml"
    bad.write_text("organization:\n  size: -1\n  levelz: 3\n")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "organization.size" in err and "organization.levelz" in err, err
    assert main(["validate", str(ROOT / "scenarios" / "quickstart.yaml"), "--set", "seed=-1"]) == 2


def test_validate_prints_no_traceback_in_a_real_process(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("horizon_weeks: lots\n")
    for target in (bad, tmp_path, tmp_path / "missing.yaml"):
        proc = subprocess.run(
            [sys.executable, "-m", "sim.ui.cli", "validate", str(target)],
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr, proc.stderr


def test_programs_that_cannot_run_are_user_errors(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "horizon_weeks: 2\nreplications: 1\norganization: {size: 60, levels: 3}\n"
        "arms:\n  - {name: none}\n  - name: boards\n    program: {format: group, group_size: 50}\n"
    )
    assert main(["run", str(bad), "--out", str(tmp_path / "out"), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert "arms.1.program.group_size" in err and "50" in err, err
    assert not (tmp_path / "out").exists()
    bad.write_text(
        "organization: {size: 60, levels: 3}\narms:\n  - name: a\n    program: {pairing: nonsense}\n"
    )
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "arms.0.program.pairing" in err and "optimal" in err and "two_sided" in err, (
        "lists the valid policies"
    )

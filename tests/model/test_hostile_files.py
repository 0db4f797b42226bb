"""Hostile and malformed scenario files are user errors: clear, bounded, quick, never a traceback."""

import os
import subprocess
import sys
import time

import pytest

from sim.model.scenario import MAX_DEPTH, MAX_NODES, ScenarioError, load_scenario, read_yaml
from sim.ui.cli import main
from tests.conftest import ROOT


def errors_in(tmp_path, text):
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value.errors


def alias_bomb(levels: int) -> str:
    """About 1 KB of YAML whose aliases expand to 9**levels values."""
    lines = ["l0: &l0 [" + ", ".join(["x"] * 9) + "]"]
    for i in range(1, levels + 1):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_at_once_with_a_bounded_message(tmp_path):
    text = alias_bomb(8)  # 9**8 = 43 million values once expanded
    assert len(text) < 1200
    start = time.perf_counter()
    errors = errors_in(tmp_path, text)
    # generous: the check is linear in the file's size (milliseconds); the expansion it
    # refuses took minutes and gigabytes
    assert time.perf_counter() - start < 5
    assert f"more than {MAX_NODES:,} values" in errors[0], errors
    assert all(len(e) < 700 for e in errors)


def test_aliases_within_the_limit_still_work_and_values_shown_in_errors_are_bounded(tmp_path):
    # 9**4 values: accepted by the loader, then refused by the schema (unknown field), and the
    # message shows the value cut short instead of expanding it
    errors = errors_in(tmp_path, alias_bomb(4).replace("l4:", "bogus:"))
    unknown = [e for e in errors if e.startswith("bogus: unknown field")]
    assert unknown and len(unknown[0]) < 200, errors


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 5000 + "]" * 5000 + "\n",
        "a: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n",
        "".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "1\n",
        "a: &a [1]\n"
        + "".join(f"b{i}: &b{i} [*{'a' if i == 0 else f'b{i - 1}'}]\n" for i in range(80)),
    ],
    ids=["sequences", "mappings", "block-mappings", "nested-aliases"],
)
def test_deep_nesting_is_a_malformed_file_not_a_recursion_error(tmp_path, text):
    errors = errors_in(tmp_path, text)
    assert f"nested more than {MAX_DEPTH} levels" in errors[0], errors


def test_an_alias_inside_its_own_anchor_is_refused(tmp_path):
    errors = errors_in(tmp_path, "patterns: &a [1, *a]\n")
    assert "refers to the anchor it is inside of" in errors[0], errors


@pytest.mark.parametrize(
    ("text", "key", "lines"),
    [
        ("organization:\n  size: 500\n  levels: 4\n  size: 60\n", "size", (2, 4)),
        ("seed: 1\nhorizon_weeks: 4\nseed: 2\n", "seed", (1, 3)),
        (
            "organization:\n  cohorts:\n    gen_z: {share: 0.2}\n    gen_z: {share: 0.3}\n",
            "gen_z",
            (3, 4),
        ),
    ],
)
def test_duplicate_keys_name_the_key_and_both_lines(tmp_path, text, key, lines):
    errors = errors_in(tmp_path, text)
    assert (
        f"duplicate key '{key}' (first at line {lines[0]}, again at line {lines[1]})" in errors[0]
    )


def test_keys_merged_with_yaml_merge_keys_may_be_overridden(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("x-org: &org {size: 300, levels: 4}\n")
    data = read_yaml(path)
    assert data == {"x-org": {"size": 300, "levels": 4}}
    path.write_text("organization:\n  <<: {size: 300, levels: 4}\n  size: 200\n")
    assert load_scenario(path).organization.size == 200


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_without_a_writer_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "s.yaml"
    os.mkfifo(fifo)
    proc = subprocess.run(
        [sys.executable, "-m", "sim.ui.cli", "validate", str(fifo)],
        capture_output=True,
        text=True,
        timeout=60,  # reading the FIFO would block for ever
    )
    assert proc.returncode == 2 and "not a regular file" in proc.stderr, proc.stderr


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_device_is_refused(capsys):
    assert main(["validate", "/dev/zero"]) == 2
    assert "not a regular file" in capsys.readouterr().err


def test_a_huge_file_is_refused_without_reading_it_all(tmp_path):
    errors = errors_in(tmp_path, "description: " + "x" * (3 * 1024 * 1024) + "\n")
    assert "larger than 2 MiB" in errors[0], errors


@pytest.mark.parametrize(
    ("data", "path"),
    [
        (
            {"dynamics": {"economics": {"salary_by_level": [50000.0, float("nan")]}}},
            "salary_by_level.1",
        ),
        (
            {"dynamics": {"economics": {"value_per_implemented_idea": float("inf")}}},
            "value_per_implemented_idea",
        ),
        (
            {"arms": [{"name": "a", "program": {"hourly_cost_by_level": [float("-inf")]}}]},
            "hourly_cost_by_level.0",
        ),
    ],
)
def test_nan_and_inf_are_refused_in_unbounded_fields_too(data, path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(data)
    assert any(path in e and "finite" in e for e in info.value.errors), info.value.errors


def test_nan_written_in_yaml_is_refused(tmp_path):
    errors = errors_in(tmp_path, "dynamics:\n  economics:\n    value_per_implemented_idea: .nan\n")
    assert errors[0].startswith("dynamics.economics.value_per_implemented_idea:"), errors


def test_integers_beyond_the_arrays_are_validation_errors():
    tech = {"name": "t", "skills": ["genai_tools"], "introduced_week": 2**70}
    with pytest.raises(ScenarioError) as info:
        load_scenario({"organization": {"technologies": [tech]}})
    error = info.value.errors[0]
    assert error.startswith("organization.technologies.0.introduced_week:") and "64-bit" in error


def test_the_largest_integer_week_runs():
    from sim import run_model

    tech = {"name": "late", "skills": ["genai_tools"], "introduced_week": 2**63 - 1}
    scenario = load_scenario(
        {"horizon_weeks": 3, "organization": {"size": 60, "levels": 3, "technologies": [tech]}}
    )
    out = run_model(scenario).outcomes
    assert out["weeks_to_half_seniors[late]"] == 4.0, "never introduced: horizon + 1"


@pytest.mark.parametrize("field", ["departments", "technologies", "skills"])
def test_duplicate_names_are_validation_errors(field):
    if field == "departments":
        org = {"departments": ["sales", "ops", "sales"]}
    elif field == "skills":
        org = {"skills": [{"name": "genai_tools", "kind": "digital"}] * 2}
    else:
        tech = {"name": "suite", "skills": ["genai_tools"]}
        org = {"technologies": [tech, tech]}
    with pytest.raises(ScenarioError) as info:
        load_scenario({"organization": org})
    error = info.value.errors[0]
    assert error.startswith(f"organization.{field}:"), error
    assert "more than once" in error or "duplicate" in error, error


@pytest.mark.parametrize(
    "name", ["../../x", "/tmp/abs", "a\x00b", "x" * 300, "..", ".hidden", "a b"]
)
def test_unsafe_names_are_refused(name):
    for data, path in (({"name": name}, "name"), ({"arms": [{"name": name}]}, "arms.0.name")):
        with pytest.raises(ScenarioError) as info:
            load_scenario(data)
        assert info.value.errors[0].startswith(f"{path}:"), info.value.errors
        assert len(info.value.errors[0]) < 400


def test_unsafe_name_on_the_command_line_writes_nothing_outside(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main(["run", "--set", "name=../../escape", "--reps", "1", "--weeks", "1", "--quiet"])
    assert code == 2 and "name:" in capsys.readouterr().err
    assert not (tmp_path / "results").exists() and not (tmp_path.parent / "escape").exists()


def test_a_scenario_without_a_name_is_named_after_its_file(tmp_path):
    path = tmp_path / "client acme.yaml"
    path.write_text("seed: 3\n")
    assert load_scenario(path).name == "client_acme"
    path.write_text("name: other\n")
    assert load_scenario(path).name == "other"


def test_a_partial_nested_block_merges_with_the_defaults_like_set(tmp_path):
    path = tmp_path / "mix.yaml"
    path.write_text(
        "organization:\n  cohorts:\n    gen_z: {share: 0.30}\n    millennial: {share: 0.32}\n"
    )
    from_file = load_scenario(path)
    from_set = load_scenario(
        {"name": "mix"},
        overrides=[
            "organization.cohorts.gen_z.share=0.30",
            "organization.cohorts.millennial.share=0.32",
        ],
    )
    assert from_file.to_dict() == from_set.to_dict()
    assert from_file.organization.cohorts.gen_z.hire_share == 0.45, "the default is kept"
    # a partial block that breaks a rule names the rule, not 36 missing fields
    path.write_text("organization:\n  cohorts:\n    gen_z: {share: 0.30}\n")
    errors = errors_in(tmp_path, path.read_text())
    assert errors == ["organization.cohorts: cohort shares must sum to 1, got 1.08"], errors


def test_the_built_in_quickstart_and_the_file_are_the_same_scenario():
    file = load_scenario(ROOT / "scenarios" / "quickstart.yaml")
    assert file.to_dict() == load_scenario(None).to_dict()
    assert file.name == "quickstart" and file.seed == 12345 and file.replications == 10

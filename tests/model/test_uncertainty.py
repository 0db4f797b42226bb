"""Plausible ranges declared once, and a scenario's own ``uncertain:`` block."""

from __future__ import annotations

import typing

import pytest
from pydantic import BaseModel

from sim.core.organization_params import CohortSpec, Organization, TechnologySpec
from sim.core.params import field_bounds, param, plausible_range
from sim.model.scenario import Dynamics, Scenario, ScenarioError, load_scenario
from sim.model.uncertainty import scenario_factors
from sim.program.design import Program

# Floats whose source is an assumption but that take no plausible range, and why.
NO_PLAUSIBLE_RANGE = {
    # one declaration serves four cohorts whose defaults differ (a Gen Z mean skill of 0.68, a
    # Boomer one of 0.30): a single range cannot be right for all; give each cohort's own
    # range in an uncertain: block
    CohortSpec: set(CohortSpec.model_fields),
    # one declaration per technology: when and how far it is rolled out is a scenario setting
    TechnologySpec: {"initial_adopters"},
}


def _float_assumptions(model: type[BaseModel], prefix: str = ""):
    for name, info in model.model_fields.items():
        args = [a for a in typing.get_args(info.annotation) if a is not type(None)]
        inner = args[0] if typing.get_origin(info.annotation) is list and args else info.annotation
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            yield from _float_assumptions(inner, f"{prefix}{name}.")
            continue
        source = (info.json_schema_extra or {}).get("source", "")
        exempt = name in NO_PLAUSIBLE_RANGE.get(model, set())
        if info.annotation is float and "assumption" in source and not exempt:
            yield f"{prefix}{name}", info


@pytest.mark.parametrize("block", [Dynamics, Organization, Program])
def test_every_assumed_number_declares_a_plausible_range_inside_its_valid_range(block):
    found = list(_float_assumptions(block))
    assert found, "the walk found the block's parameters"
    for path, info in found:
        declared = plausible_range(info)
        assert declared is not None, f"{path}: an assumption without a plausible range"
        low, high, reason = declared
        valid_low, valid_high, _, _ = field_bounds(info)
        assert valid_low is None or low >= valid_low, path
        assert valid_high is None or high <= valid_high, path
        assert low < high and reason, path
        default = info.default
        assert low <= default <= high, f"{path}: the default {default} is outside [{low}, {high}]"


def test_a_plausible_range_outside_the_valid_range_is_refused_at_declaration():
    with pytest.raises(ValueError, match="leaves the valid range"):
        param(0.5, doc="x", ge=0, le=1, plausible=(0.2, 1.5, "too wide"))
    with pytest.raises(ValueError, match="leaves the valid range"):
        param(0.5, doc="x", gt=0, lt=1, plausible=(0.0, 0.5, "touches an open bound"))
    with pytest.raises(ValueError, match="empty"):
        param(0.5, doc="x", plausible=(0.6, 0.4, "reversed"))
    with pytest.raises(ValueError, match="reason"):
        param(0.5, doc="x", plausible=(0.4, 0.6, " "))


def test_the_default_set_is_every_dynamics_parameter_with_a_plausible_range():
    scenario = load_scenario({})
    factors = scenario_factors(Scenario, scenario)
    paths = [f.path for f in factors]
    assert all(p.startswith("dynamics.") for p in paths)
    assert "dynamics.adoption.mentoring" in paths
    assert "dynamics.adoption.mixing" not in paths, "a choice of model, not a number"
    assert "dynamics.retention.annual_turnover.millennial" not in paths, "cited, not assumed"
    hiring = next(f for f in factors if f.path == "dynamics.staffing.hiring_delay_weeks")
    assert hiring.integer and hiring.default == 8
    mentoring = next(f for f in factors if f.path == "dynamics.adoption.mentoring")
    assert (mentoring.low, mentoring.high, mentoring.dist) == (0.0, 8.0, "uniform")


def test_an_uncertain_block_replaces_the_default_set():
    scenario = load_scenario(
        {
            "uncertain": {
                "dynamics.adoption.mentoring": [0, 8],
                "dynamics.adoption.imitation": {"low": 1, "high": 4, "dist": "triangular"},
                "organization.network.homophily_generation": "plausible",
                "arms.1.program.sponsorship": {"low": 0.2, "high": 0.8, "dist": "normal"},
            }
        }
    )
    factors = scenario_factors(Scenario, scenario)
    assert [f.path for f in factors] == list(scenario.uncertain)
    assert factors[1].dist == "triangular" and factors[1].peak is None
    assert (factors[2].low, factors[2].high) == (0.3, 0.8), "the declared plausible range"
    assert factors[3].valid_low == 0 and factors[3].valid_high == 1


@pytest.mark.parametrize(
    "entry,message",
    [
        ({"dynamics.adoption.mentorin": [0, 8]}, r"uncertain\.dynamics\.adoption\.mentorin: no such field"),
        ({"dynamics.adoption.mentoring": [0, 80]}, r"high \(80\) is outside the valid range"),
        ({"dynamics.adoption.mentoring": [5, 1]}, r"low \(5\) must be below high \(1\)"),
        ({"dynamics.adoption.mentoring": [1]}, r"expected \[low, high\]"),
        ({"dynamics.adoption.mentoring": "wide"}, r"expected \[low, high\]"),
        ({"dynamics.adoption.mentoring": ["a", 1]}, r"uncertain\.dynamics\.adoption\.mentoring\.low"),
        ({"dynamics.adoption.mentoring": {"low": 0, "high": 1, "dist": "beta"}}, r"\.dist"),
        ({"dynamics.adoption.mentoring": {"low": 0, "high": 1, "peak": 0.5}}, "only for dist: triangular"),
        ({"dynamics.adoption.mixing": [0, 1]}, r"mixing: not a number"),
        ({"dynamics.retention.retirement": [0, 1]}, r"retirement: not a number"),
        ({"dynamics.economics.salary_by_level": [1, 2]}, "not a number"),
        ({"organization.levels": "plausible"}, "no plausible range is declared"),
        ({"seed": [1, 9]}, "only fields of organization, dynamics, arms, march"),
        ({"arms.0.program.sponsorship": [0, 1]}, r"arms\.0\.program is null"),
        ({"arms.7.program.sponsorship": [0, 1]}, "no list item '7'"),
        ({}, "the block is empty"),
    ],
)  # fmt: skip
def test_a_bad_uncertain_entry_is_an_error_naming_its_path(entry, message):
    with pytest.raises(ScenarioError, match=message):
        load_scenario({"uncertain": entry})


def test_uncertain_survives_the_round_trip_through_a_resolved_scenario():
    data = {"uncertain": {"dynamics.adoption.mentoring": "plausible"}}
    scenario = load_scenario(data)
    again = load_scenario(scenario.to_dict(), overrides={"dynamics.adoption.imitation": 3.0})
    assert [f.path for f in scenario_factors(Scenario, again)] == ["dynamics.adoption.mentoring"]

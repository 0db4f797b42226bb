"""Invariants over random valid scenarios: nothing raises, everything stays in its bounds.

Each draw is a valid scenario picked at random inside the documented ranges: the
organization's size (50-2,000), levels, span, cohort shares, network and seniority rule,
every bounded mechanism parameter, and a program design (pairing policy, participation,
format, cadence, duration, waves, focus, capacity, re-pairing, weights). Each runs 26 weeks
with its program. The draws come from a seeded generator, so the suite is the same on every
run; a draw the schema or the program-fit check refuses is drawn again (the refusals are
tested elsewhere).

In the suite: 30 draws of 50-400 employees. The full 300 draws of 50-2,000 employees are
marked ``slow``, split into chunks so that parallel workers share them.
"""

from __future__ import annotations

import typing

import numpy as np
import pytest

from sim.core.errors import MentorsimError
from sim.core.params import Params
from sim.model.outcomes import CATALOG, expand, is_program_outcome
from sim.program.design import POLICIES

WEEKS = 26
FAST_DRAWS, FAST_MAX_SIZE = 30, 400
FULL_DRAWS, FULL_MAX_SIZE, CHUNKS = 300, 2000, 10

SIGNED = {"digital_skill_gap", "mentor_leadership_growth", "ei_index_generation"}
"""Bounded outcomes that may be negative: differences and an index, all in [-1, 1]."""
UNIT_INTERVAL = {"share", "skill (0-1)", "attitude (0-1)", "engagement (0-1)", "quality (0-1)"}
CUMULATIVE = (
    "ideas", "implemented_ideas", "ideas_from_meetings", "leavers", "retirements", "hires",
    "promotions", "promotions_of_mentors", "turnover_cost", "skill_lost_to_turnover", "mentors",
    "mentees", "pairs_formed", "pairs_completed", "pairs_dissolved", "pairs_ended_by_departure",
    "meetings_held", "meetings_planned", "program_hours", "program_cost",
)  # fmt: skip
"""Counts and sums since week 0: they never fall."""


# ------------------------------------------------------------------ drawing a scenario


def draw_block(cls: type[Params], rng: np.random.Generator) -> dict:
    """Every field of a parameter block that declares both bounds, drawn inside them.

    Floats are uniform over the range, integers uniform over the whole numbers in it,
    literals and booleans uniform over their values; nested blocks are drawn the same way.
    Fields with a one-sided or no range keep their defaults.
    """
    out = {}
    for name, info in cls.model_fields.items():
        kind = info.annotation
        if isinstance(kind, type) and issubclass(kind, Params):
            out[name] = draw_block(kind, rng)
        elif typing.get_origin(kind) is typing.Literal:
            out[name] = str(rng.choice(typing.get_args(kind)))
        elif kind is bool:
            out[name] = bool(rng.random() < 0.5)
        elif kind in (int, float):
            low, high = bounds(info)
            if low is not None and high is not None:
                value = rng.uniform(low, high)
                out[name] = int(np.floor(value)) if kind is int else float(value)
    return out


def bounds(info) -> tuple[float | None, float | None]:
    """The declared range of a field; an open end moved inside by a small step."""
    low = high = None
    for meta in info.metadata:
        if getattr(meta, "ge", None) is not None:
            low = float(meta.ge)
        if getattr(meta, "gt", None) is not None:
            low = float(meta.gt) + 1e-6
        if getattr(meta, "le", None) is not None:
            high = float(meta.le)
        if getattr(meta, "lt", None) is not None:
            high = float(meta.lt) - 1e-6
    if low is not None and high is not None and not np.isfinite(high - low):
        return None, None
    return low, high


def draw_organization(rng: np.random.Generator, max_size: int) -> dict:
    size = int(rng.integers(50, max_size + 1))
    levels = int(rng.integers(2, 7))
    span = int(rng.integers(2, 31))
    while sum(span**d for d in range(levels)) < size:
        span += 1
    cohorts = {}
    for key in ("share", "hire_share"):
        shares = rng.dirichlet(np.ones(4))
        shares[-1] = 1.0 - shares[:-1].sum()
        for cohort, share in zip(("gen_z", "millennial", "gen_x", "boomer"), shares, strict=True):
            cohorts.setdefault(cohort, {})[key] = float(max(share, 0.0))
    technologies = [
        {"name": f"tech{i}", "skills": [skill], "introduced_week": int(rng.integers(0, 40))}
        for i, skill in enumerate(["genai_tools", "data_analytics", "collaboration_platforms"])
    ]  # introduced after the 26-week horizon in about a third of the cases
    network = draw_block_of("sim.core.organization_params", "NetworkSpec", rng)
    network["mean_degree"] = int(rng.integers(2, min(60, size // 2) + 1))
    return {
        "size": size,
        "levels": levels,
        "span_of_control": span,
        "cohorts": cohorts,
        "technologies": technologies,
        "network": network,
        "underrepresented_share": float(rng.uniform(0, 1)),
        "age_level_sorting": float(rng.uniform(0, 100)),
        "skill_concentration": float(rng.uniform(1.5, 1000)),
        "retirement_age": float(rng.uniform(50, 80)),
        "seniority": {
            "rule": str(rng.choice(["level", "tenure", "level_and_tenure", "level_or_tenure"])),
            "min_level": int(rng.integers(1, levels)),
            "min_tenure_years": float(rng.uniform(0, 20)),
        },
    }


def draw_block_of(module: str, name: str, rng: np.random.Generator) -> dict:
    from importlib import import_module

    return draw_block(getattr(import_module(module), name), rng)


def draw_program(rng: np.random.Generator, levels: int) -> dict:
    from sim.program.design import Program

    program = draw_block(Program, rng)
    program["pairing"] = str(rng.choice(list(POLICIES)))
    program["group_size"] = int(rng.integers(2, 9))
    program["waves"] = [
        {"start_week": int(w)} for w in sorted(rng.choice(20, rng.integers(1, 3), replace=False))
    ]
    digital = ["genai_tools", "data_analytics", "collaboration_platforms", "social_media"]
    program["focus"] = [str(s) for s in rng.choice(digital, rng.integers(0, 3), replace=False)]
    program["eligibility"] = {
        "mentor_max_level": int(rng.integers(0, levels - 1)),
        "mentee_min_level": int(rng.integers(1, levels)),
        "mentors_must_be_junior": bool(rng.random() < 0.8),
        "mentees_must_be_senior": bool(rng.random() < 0.8),
    }
    program["repairing"] = {
        "enabled": bool(rng.random() < 0.5),
        "max_times": int(rng.integers(0, 4)),
    }
    return program


def draw_scenario(seed: int, max_size: int):
    """A valid scenario from ``seed``: drawn again until the schema and the fit checks accept it."""
    from sim.model.fit import check_programs_fit
    from sim.model.scenario import Dynamics, load_scenario

    rng = np.random.default_rng([seed, 2026])
    for _ in range(50):
        org = draw_organization(rng, max_size)
        data = {
            "seed": int(rng.integers(0, 2**62)),
            "horizon_weeks": WEEKS,
            "organization": org,
            "dynamics": draw_block(Dynamics, rng),
            "arms": [{"name": "program", "program": draw_program(rng, org["levels"])}],
        }
        try:
            scenario = load_scenario(data)
            check_programs_fit(scenario, scenario.seed)
        except MentorsimError:
            continue
        return scenario
    raise AssertionError(f"draw {seed}: no valid scenario in 50 tries")


# ------------------------------------------------------------------ the invariants


def check_state(model, where: str) -> None:
    st = model.state
    alive = st.alive
    assert alive.sum() > 0, f"{where}: no employees left"
    for name, values in (
        ("skills", st.skills[alive]),
        ("attitudes", st.attitudes[alive]),
        ("engagement", st.engagement[alive]),
    ):
        assert np.isfinite(values).all(), f"{where}: {name} has NaN or inf"
        assert values.min() >= 0 and values.max() <= 1, (
            f"{where}: {name} in [{values.min()}, {values.max()}]"
        )


def check_outcomes(model) -> None:
    weekly = model.timeseries()
    final = model.final_outcomes()
    assert not weekly.isna().any().any(), f"NaN in {list(weekly.columns[weekly.isna().any()])}"
    # per run, a mean over nobody (no mentors, no active pair) is NA; nothing is infinite, and
    # only program outcomes may be NA
    assert all(np.isfinite(v) or np.isnan(v) for v in final.values()), "inf in the run outcomes"
    missing = [k for k, v in final.items() if np.isnan(v) and not is_program_outcome(k)]
    assert not missing, f"NA outside the program outcomes: {missing}"
    assert (weekly["headcount"] > 0).all()
    techs, levels = model.technology_names, model.config.organization.levels
    for outcome in CATALOG:
        if not outcome.weekly or not (outcome.unit in UNIT_INTERVAL or outcome.name in SIGNED):
            continue
        low = -1.0 if outcome.name in SIGNED else 0.0
        for column in expand(outcome.name, techs, levels):
            values = weekly[column].to_numpy()
            assert values.min() >= low and values.max() <= 1.0, (
                f"{column} in [{values.min()}, {values.max()}]"
            )
    for column in CUMULATIVE:
        steps = np.diff(weekly[column].to_numpy())
        assert (steps >= 0).all(), f"{column} falls at week {int(np.argmin(steps)) + 1}"
    for name, value in final.items():
        if name.startswith("weeks_to_half_seniors["):
            assert 0 <= value <= WEEKS + 1, f"{name} = {value}"
        elif name.startswith("retention_12m") and not np.isnan(value):
            assert 0 <= value <= 1, f"{name} = {value}"
    assert not final["meeting_completion"] > 1.0


def check_draw(seed: int, max_size: int) -> None:
    from sim.model.model import ReverseMentoringModel

    scenario = draw_scenario(seed, max_size)
    model = ReverseMentoringModel(scenario, arm="program", rng=scenario.seed)
    check_state(model, f"draw {seed}, week 0")
    try:
        model.run(WEEKS // 2)
        check_state(model, f"draw {seed}, week {WEEKS // 2}")
        model.run()
        check_state(model, f"draw {seed}, week {WEEKS}")
        check_outcomes(model)
    except AssertionError as exc:
        raise AssertionError(
            f"draw {seed} ({scenario.organization.size} employees): {exc}"
        ) from None


@pytest.mark.parametrize("seed", range(FAST_DRAWS))
def test_invariants_hold_on_random_valid_scenarios(seed):
    check_draw(seed, FAST_MAX_SIZE)


@pytest.mark.slow
@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_invariants_hold_on_300_random_valid_scenarios(chunk):
    per = FULL_DRAWS // CHUNKS
    for seed in range(1000 + chunk * per, 1000 + (chunk + 1) * per):
        check_draw(seed, FULL_MAX_SIZE)


def test_the_draws_cover_the_cases_that_broke_the_invariants():
    scenarios = [draw_scenario(seed, FAST_MAX_SIZE) for seed in range(FAST_DRAWS)]
    late = sum(
        any(t.introduced_week > WEEKS for t in s.organization.technologies) for s in scenarios
    )
    fractional = sum((s.arms[0].program.cadence_per_month * 12 / 52) % 1 > 0 for s in scenarios)
    policies = {s.arms[0].program.pairing for s in scenarios}
    assert late >= 5, "technologies introduced after the horizon"
    assert fractional >= 20, "cadences with a fractional weekly part"
    assert len(policies) >= 6, f"pairing policies drawn: {policies}"

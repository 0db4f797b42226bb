"""The organization block of a scenario.

Size, hierarchy, departments, cohorts, skills, technologies and the informal network; every
field is declared once here.
"""

from __future__ import annotations

import datetime
import re
from typing import Any, Literal

from pydantic import field_validator, model_validator

from sim.core.params import ASSUMPTION, Params, param

COHORTS: tuple[str, ...] = ("gen_z", "millennial", "gen_x", "boomer")
"""Generation cohorts, youngest first; their index is the ``cohort`` code in the state arrays."""

PEW = "Pew Research Center (2019), generation boundaries by birth year"
BLS_TENURE = "U.S. BLS, Employee Tenure (median tenure 2.8 y at ages 25-34, about 10 y at 55-64)"


class CohortSpec(Params):
    """One generation cohort: its share, birth years and the means of its starting state."""

    share: float = param(doc="Share of the initial workforce in this cohort", ge=0, le=1)
    hire_share: float = param(doc="Share of new hires drawn from this cohort", ge=0, le=1)
    birth_year_first: int = param(doc="First birth year of the cohort", unit="year", source=PEW)
    birth_year_last: int = param(doc="Last birth year of the cohort", unit="year", source=PEW)
    median_tenure_years: float = param(
        doc="Median tenure at the start (exponential)", unit="years", gt=0, le=40
    )
    digital_skill_mean: float = param(
        doc="Mean of the digital skills at the start (beta distribution)", gt=0, lt=1
    )
    resistance_mean: float = param(doc="Mean resistance to being mentored", gt=0, lt=1)
    openness_mean: float = param(doc="Mean openness to change", gt=0, lt=1)
    willingness_mean: float = param(doc="Mean willingness to mentor", gt=0, lt=1)
    engagement_mean: float = param(doc="Mean engagement at the start", gt=0, lt=1)

    @model_validator(mode="after")
    def _birth_years_ordered(self) -> CohortSpec:
        if self.birth_year_first > self.birth_year_last:
            raise ValueError(
                f"birth_year_first ({self.birth_year_first}) is after "
                f"birth_year_last ({self.birth_year_last})"
            )
        return self


def _default_cohorts() -> dict[str, CohortSpec]:
    # Shares, skill and attitude means are assumptions; birth years follow Pew; median tenures
    # for millennials (2.8 y, ages 25-34) and boomers (about 10 y, ages 55-64) follow BLS, the
    # other two are interpolated (assumption).
    rows = {
        "gen_z": (0.22, 0.45, 1997, 2012, 1.5, 0.68, 0.20, 0.70, 0.60, 0.62),
        "millennial": (0.40, 0.40, 1981, 1996, 2.8, 0.58, 0.25, 0.62, 0.55, 0.58),
        "gen_x": (0.28, 0.12, 1965, 1980, 6.0, 0.42, 0.35, 0.50, 0.45, 0.60),
        "boomer": (0.10, 0.03, 1946, 1964, 10.0, 0.30, 0.45, 0.40, 0.40, 0.62),
    }
    names = [
        "share",
        "hire_share",
        "birth_year_first",
        "birth_year_last",
        "median_tenure_years",
        "digital_skill_mean",
        "resistance_mean",
        "openness_mean",
        "willingness_mean",
        "engagement_mean",
    ]
    return {c: CohortSpec(**dict(zip(names, row, strict=True))) for c, row in rows.items()}


class Cohorts(Params):
    """The four generation cohorts (Gen Z, Millennial, Gen X, Boomer)."""

    gen_z: CohortSpec = param(
        doc="Born 1997-2012", default_factory=lambda: _default_cohorts()["gen_z"]
    )
    millennial: CohortSpec = param(
        doc="Born 1981-1996", default_factory=lambda: _default_cohorts()["millennial"]
    )
    gen_x: CohortSpec = param(
        doc="Born 1965-1980", default_factory=lambda: _default_cohorts()["gen_x"]
    )
    boomer: CohortSpec = param(
        doc="Born 1946-1964", default_factory=lambda: _default_cohorts()["boomer"]
    )

    def ordered(self) -> list[CohortSpec]:
        """Return the cohorts youngest first, in the order of :data:`COHORTS`."""
        return [getattr(self, name) for name in COHORTS]

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> Cohorts:
        for key in ("share", "hire_share"):
            total = sum(getattr(c, key) for c in self.ordered())
            if abs(total - 1.0) > 1e-6:
                raise ValueError(f"cohort {key}s must sum to 1, got {total:.6g}")
        return self


class SkillSpec(Params):
    """One named skill dimension."""

    name: str = param(doc="Skill name (letters, digits, underscores)")
    kind: Literal["digital", "experience"] = param(
        doc="digital: contemporary skills juniors teach; experience: skills seniors pass back"
    )


DEFAULT_SKILLS: tuple[tuple[str, str], ...] = (
    ("genai_tools", "digital"),
    ("data_analytics", "digital"),
    ("collaboration_platforms", "digital"),
    ("social_media", "digital"),
    ("cybersecurity", "digital"),
    ("workplace_culture", "digital"),
    ("industry_knowledge", "experience"),
    ("client_relations", "experience"),
    ("strategy", "experience"),
    ("leadership", "experience"),
    ("organizational_navigation", "experience"),
)


class TechnologySpec(Params):
    """A technology to adopt, tied to one or more skills, introduced at a given week."""

    name: str = param(doc="Technology name")
    skills: list[str] = param(doc="Skills that drive its adoption (names from organization.skills)")
    introduced_week: int = param(0, doc="Week the technology becomes available", unit="week", ge=0)
    initial_adopters: float = param(
        0.0, doc="Share of employees who have adopted it at its introduction", ge=0, lt=1
    )


def _default_technologies() -> list[TechnologySpec]:
    return [
        TechnologySpec(name="genai_assistant", skills=["genai_tools"]),
        TechnologySpec(
            name="collaboration_suite", skills=["collaboration_platforms", "social_media"]
        ),
        TechnologySpec(name="analytics_dashboards", skills=["data_analytics"]),
    ]


class NetworkSpec(Params):
    """The informal social network: a small world with homophily."""

    mean_degree: int = param(
        10,
        doc="Mean number of informal ties per employee",
        ge=2,
        le=200,
        plausible=(6, 20, "people name about 6 to 20 regular work contacts"),
    )
    rewiring: float = param(
        0.1,
        doc="Share of ties rewired to random colleagues (Watts-Strogatz shortcuts)",
        ge=0,
        le=1,
        source="assumption; small-world region per Cowan & Jonard (2004)",
        plausible=(
            0.01,
            0.3,
            "inside the small-world region of the Watts-Strogatz model",
        ),
    )
    homophily_department: float = param(
        0.8,
        doc="Strength of tie formation within departments (0 none, 1 full)",
        ge=0,
        le=1,
        plausible=(0.6, 0.95, "most informal ties stay inside a department"),
    )
    homophily_generation: float = param(
        0.6,
        doc="Strength of tie formation within generation cohorts (0 none, 1 full)",
        ge=0,
        le=1,
        plausible=(
            0.3,
            0.8,
            "age homophily is marked but weaker than department homophily",
        ),
    )


class Seniority(Params):
    """The scenario rule that decides who is senior (mentee side) and who is junior."""

    rule: Literal["level", "tenure", "level_and_tenure", "level_or_tenure"] = param(
        "level", doc="How level and tenure combine into seniority"
    )
    min_level: int = param(
        1, doc="Lowest level counted as senior (0 = individual contributor)", ge=0
    )
    min_tenure_years: float = param(
        10.0,
        doc="Tenure from which an employee counts as senior",
        unit="years",
        ge=0,
        plausible=(
            5.0,
            15.0,
            "where tenure defines seniority, 5 to 15 years is the usual line",
        ),
    )


class Organization(Params):
    """The organization the program runs in."""

    size: int = param(500, doc="Number of employees", unit="employees", ge=10, le=5_000_000)
    levels: int = param(
        5, doc="Levels in the reporting tree, individual contributors to CEO", ge=1, le=15
    )
    span_of_control: int = param(
        8,
        doc="Most direct reports a manager may have (a roster's widest span can exceed a synthetic tree's)",
        unit="employees",
        ge=2,
        le=5_000_000,
    )
    departments: list[str] = param(
        doc="Department names",
        default_factory=lambda: ["engineering", "sales", "operations", "finance", "people"],
    )
    reference_year: int = param(
        2026,
        doc="Calendar year of week 0 (sets ages from birth years)",
        unit="year",
        ge=1990,
        le=2100,
    )
    retirement_age: float = param(
        65.0,
        doc="Median retirement age: half of those still working at 50 have retired by it",
        unit="years",
        ge=50,
        le=80,
        source="assumption (statutory ages of 65-67 are common and many retire earlier)",
        plausible=(
            63.0,
            70.0,
            "the range of statutory and effective retirement ages in OECD countries",
        ),
    )
    retirement_spread: float = param(
        2.5,
        doc="Spread (logistic scale) of retirement ages around the median: about one in eight retires more than 5 years before it, one in eight more than 5 years after",
        unit="years",
        gt=0,
        le=20,
        source="assumption",
        plausible=(1.5, 4.0, "retirements spread over a few years to a decade around the median"),
    )
    underrepresented_share: float = param(
        0.3,
        doc="Share of employees in an under-represented group",
        ge=0,
        le=1,
        plausible=(0.1, 0.5, "a tenth to half of the workforce"),
    )
    age_level_sorting: float = param(
        8.0,
        doc="Noise (s.d. of age, years) when older employees are placed higher; 0 sorts strictly by age",
        unit="years",
        ge=0,
        le=100,
        plausible=(4.0, 15.0, "seniority follows age closely to loosely"),
    )
    skill_concentration: float = param(
        10.0,
        doc="Concentration (alpha + beta) of the beta distributions of skills and attitudes",
        gt=1,
        le=1000,
        plausible=(5.0, 20.0, "people within a cohort differ widely to moderately"),
    )
    cohorts: Cohorts = param(doc="Generation cohorts", default_factory=Cohorts)
    skills: list[SkillSpec] = param(
        doc="Skill dimensions (name and kind)",
        default_factory=lambda: [SkillSpec(name=n, kind=k) for n, k in DEFAULT_SKILLS],
    )
    technologies: list[TechnologySpec] = param(
        doc="Technologies to adopt", default_factory=_default_technologies
    )
    network: NetworkSpec = param(doc="Informal social network", default_factory=NetworkSpec)
    seniority: Seniority = param(doc="Who counts as senior", default_factory=Seniority)
    # a roster replaces the synthetic fields above (see sim.core.roster, sim.core.workforce)
    roster: str | None = param(
        None,
        doc="Anonymized roster (CSV or Parquet, relative to the scenario file) the organization is built from; size, levels, span_of_control, departments and the cohort mix then come from it",
    )
    as_of: str | None = param(
        None,
        doc="Date (YYYY-MM-DD) the roster describes; ages and tenures are computed at it (default: the newest hire_date, else 1 January of reference_year)",
    )
    ties: str | None = param(
        None,
        doc="Collaboration ties (source_id, target_id[, weight]) between roster employees, used as the informal network instead of the synthetic one",
    )
    skill_scale: Literal["unit", "likert5"] = param(
        "unit",
        doc="Scale of the roster's skill.<name> columns: unit ([0, 1]) or likert5 (1-5, read as 0, 0.25, ..., 1)",
    )
    ignore_columns: list[str] = param(
        doc="Roster columns skipped unread (direct identifiers, columns the model does not use)",
        default_factory=list,
    )

    @field_validator("as_of", mode="before")
    @classmethod
    def _date_as_text(cls, value: Any) -> Any:
        # YAML reads 2026-01-31 as a date; the scenario keeps it as text (JSON round trips)
        if isinstance(value, datetime.date):
            return value.isoformat()[:10]
        if isinstance(value, str) and value.strip():
            text = value.strip()
            try:
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                    raise ValueError
                datetime.date.fromisoformat(text)
            except ValueError:
                raise ValueError(f"{value!r} is not a date YYYY-MM-DD") from None
            return text
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Organization:
        if self.roster is None:
            given = [name for name in ("as_of", "ties") if getattr(self, name) is not None]
            if given or self.ignore_columns:
                field = given[0] if given else "ignore_columns"
                raise ValueError(f"{field}: only used with organization.roster, which is not set")
        names = [s.name for s in self.skills]
        if len(set(names)) != len(names):
            raise ValueError(f"skills: duplicate skill names in {names}")
        if not any(s.kind == "digital" for s in self.skills):
            raise ValueError("skills: at least one skill must be of kind 'digital'")
        if not self.departments:
            raise ValueError("departments: at least one department is needed")
        for field, given in (
            ("departments", self.departments),
            ("technologies", [t.name for t in self.technologies]),
        ):
            twice = sorted({n for n in given if given.count(n) > 1})
            if twice:
                raise ValueError(f"{field}: names given more than once: {twice}")
        for i, tech in enumerate(self.technologies):
            unknown = [s for s in tech.skills if s not in names]
            if unknown or not tech.skills:
                raise ValueError(
                    f"technologies.{i}.skills: {unknown or tech.skills} not among the skills {names}"
                )
        capacity = sum(self.span_of_control**d for d in range(self.levels))
        if self.levels > 1 and self.size > capacity:
            raise ValueError(
                f"size: {self.size} employees do not fit in {self.levels} levels with "
                f"span_of_control {self.span_of_control} (at most {capacity})"
            )
        if self.levels > 1 and self.size < self.levels:
            raise ValueError(f"size: {self.size} is smaller than levels ({self.levels})")
        if self.seniority.min_level >= self.levels and self.seniority.rule != "tenure":
            raise ValueError(
                f"seniority.min_level: {self.seniority.min_level} is not below levels ({self.levels})"
            )
        return self

    @property
    def skill_names(self) -> list[str]:
        """Names of the skill dimensions, in column order."""
        return [s.name for s in self.skills]


__all__ = [
    "ASSUMPTION",
    "COHORTS",
    "CohortSpec",
    "Cohorts",
    "NetworkSpec",
    "Organization",
    "Seniority",
    "SkillSpec",
    "TechnologySpec",
]

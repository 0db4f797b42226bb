"""The program block of a scenario arm: the lever a consultant designs.

Every field is declared once here, with its default, unit, valid range and a line of
documentation. ``program: null`` in an arm means no program.
"""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator, model_validator

from sim.core.params import Params, param

POLICIES: dict[str, str] = {
    "random": "Random pairs among the eligible (an administrator drawing names).",
    "skill_gap": "Greedy: the pair with the largest expected transfer first.",
    "optimal": "Global assignment maximising the total match score under capacity (whole-pool optimisation).",
    "cross_department": "Mentor and mentee from different departments, best score first.",
    "diversity": "Mentors from under-represented groups paired with the most senior leaders first (PwC's program).",
    "low_resistance_first": "The most willing seniors (lowest resistance) are paired first.",
    "mentee_choice": "Mentees in random order pick the best-scoring mentor with free capacity (self-matching).",
    "two_sided": "Mentee-proposing deferred acceptance (Gale-Shapley) on both sides' preferences, with capacity.",
    "influence_first": "The most influential seniors (level, size of the subtree they lead) are paired first.",
}
"""Pairing policies by name, each with the real practice it models."""

POLICY_DOCS: dict[str, str] = dict(POLICIES)
"""Every policy a scenario may name: the built-in ones, plus those added with
:func:`sim.program.pairing.register_policy` (which also registers its function)."""


class Eligibility(Params):
    """Who may mentor and who is mentored."""

    mentor_cohorts: list[Literal["gen_z", "millennial", "gen_x", "boomer"]] = param(
        doc="Cohorts that may mentor", default_factory=lambda: ["gen_z", "millennial"]
    )
    mentor_max_level: int = param(
        0, doc="Highest level that may mentor (0 = individual contributors)", ge=0
    )
    mentee_min_level: int = param(1, doc="Lowest level that may be mentored", ge=0)
    mentee_max_level: int | None = param(
        None, doc="Highest level that may be mentored (null: no limit)", ge=0
    )
    mentors_must_be_junior: bool = param(
        True, doc="Mentors must be junior under the seniority rule"
    )
    mentees_must_be_senior: bool = param(
        True, doc="Mentees must be senior under the seniority rule"
    )
    department_cap: int | None = param(
        None, doc="Most mentees per department in one wave (null: no cap)", unit="employees", ge=1
    )


class ScoreWeights(Params):
    """Weights of the match score shared by the policies that need one.

    The defaults score fit alone: what the mentor can teach this mentee and how likely the two
    are to get on, the two terms of a pair's compatibility (:mod:`sim.mechanisms.relationship`).
    Department and diversity bonuses default to 0: most candidate mentors sit in other
    departments, so any bonus would make every ``optimal`` pair cross-department at no cost to
    fit (and the same for under-represented mentors), and ``optimal`` could not be told from
    ``cross_department`` or ``diversity``; a program that wants them sets them (assumption).
    """

    skill: float = param(
        1.0,
        doc="Skill complementarity on the focus skills (mentor minus mentee)",
        ge=0,
        le=100,
        plausible=(
            0.5,
            2.0,
            "the weights programs give to skill complementarity in matching",
        ),
    )
    attitude: float = param(
        0.5,
        doc="Attitude compatibility (mentor willingness x mentee openness, low resistance)",
        ge=0,
        le=100,
        plausible=(0.25, 1.0, "the weights programs give to attitudes in matching"),
    )
    department: float = param(
        0.0,
        doc="Bonus when mentor and mentee are in different departments",
        ge=0,
        le=100,
        plausible=(0.0, 0.5, "from ignoring departments to favouring crossing them"),
    )
    diversity: float = param(
        0.0,
        doc="Bonus when the mentor belongs to an under-represented group",
        ge=0,
        le=100,
        plausible=(0.0, 0.5, "from ignoring diversity to favouring it"),
    )


class Wave(Params):
    """One wave (cohort) of the program."""

    start_week: int = param(
        0, doc="Week the wave starts (opt-in and pairing happen then)", unit="week", ge=0
    )
    size: int | None = param(
        None, doc="Most mentees paired in this wave (null: all who opt in)", unit="employees", ge=1
    )


class Repairing(Params):
    """Re-pairing on bad fit."""

    enabled: bool = param(False, doc="Re-pair a mentee whose pair dissolved early")
    max_times: int = param(1, doc="Most re-pairings per mentee", ge=0, le=20)


class Program(Params):
    """A reverse-mentoring program design."""

    pairing: str = param("optimal", doc="Pairing policy by name (see `mentorsim list policies`)")
    eligibility: Eligibility = param(doc="Who may take part", default_factory=Eligibility)
    participation: Literal["voluntary", "mandatory"] = param(
        "voluntary",
        doc="voluntary: opt-in driven by attitudes; mandatory: every eligible employee takes part",
    )
    format: Literal["one_to_one", "group"] = param(
        "one_to_one",
        doc="one_to_one pairs, or group: a junior board of group_size mentors per executive",
    )
    group_size: int = param(
        4, doc="Mentors per executive in the group format", unit="mentors", ge=2, le=50
    )
    board_departures: Literal["replace", "continue"] = param(
        "replace",
        doc="Group format, when a mentor leaves the organization: replace them from the volunteers with free capacity (as a standing board would), or continue with fewer mentors; a board ends when its mentee or its last mentor leaves",
    )
    mentor_capacity: int = param(1, doc="Most mentees per mentor", unit="mentees", ge=1, le=50)
    cadence_per_month: float = param(
        2.0,
        doc="Planned meetings per month",
        unit="1/month",
        gt=0,
        le=30,
        plausible=(1.0, 4.0, "programs meet from monthly to weekly"),
    )
    duration_months: float = param(
        6.0,
        doc="Length of each pairing",
        unit="months",
        gt=0,
        le=120,
        plausible=(3.0, 12.0, "pairings commonly last three months to a year"),
    )
    waves: list[Wave] = param(doc="Waves of the program", default_factory=lambda: [Wave()])
    focus: list[str] = param(doc="Focus skills (empty: unfocused)", default_factory=list)
    sponsorship: float = param(
        0.5,
        doc="Executive sponsorship (0 none, 1 the CEO champions it)",
        ge=0,
        le=1,
        plausible=(0.2, 0.8, "how strongly executives back a program in practice"),
    )
    mentor_training: bool = param(False, doc="Mentors are trained before the first meeting")
    hours_per_meeting: float = param(
        1.0,
        doc="Length of a meeting",
        unit="hours",
        gt=0,
        le=8,
        plausible=(0.5, 2.0, "a meeting lasts half an hour to two hours"),
    )
    hourly_cost_by_level: list[float] = param(
        doc="Hourly cost of an employee's time by level (the last value applies to higher levels)",
        unit="currency/hour",
        default_factory=lambda: [45.0, 70.0, 110.0, 170.0, 260.0],
    )
    exclude_reporting_lines: bool = param(
        True, doc="A mentor may not sit in the mentee's reporting chain"
    )
    repairing: Repairing = param(doc="Re-pairing on bad fit", default_factory=Repairing)
    weights: ScoreWeights = param(doc="Match-score weights", default_factory=ScoreWeights)

    @field_validator("pairing")
    @classmethod
    def _known_policy(cls, name: str) -> str:
        if name not in POLICY_DOCS:
            raise ValueError(f"unknown pairing policy {name!r}; valid: {', '.join(POLICY_DOCS)}")
        return name

    @model_validator(mode="after")
    def _consistent(self) -> Program:
        if not self.hourly_cost_by_level or min(self.hourly_cost_by_level) < 0:
            raise ValueError(
                f"hourly_cost_by_level: {self.hourly_cost_by_level} must be non-empty and non-negative"
            )
        if len(set(self.focus)) != len(self.focus):
            raise ValueError(f"focus: duplicate skills in {self.focus}")
        if not self.waves:
            raise ValueError("waves: at least one wave is needed")
        return self

    @property
    def cadence_per_week(self) -> float:
        """Planned meetings per week (a month is 52/12 weeks)."""
        return self.cadence_per_month * 12.0 / 52.0

    @property
    def duration_weeks(self) -> int:
        """Length of each pairing in whole weeks."""
        return max(1, round(self.duration_months * 52.0 / 12.0))

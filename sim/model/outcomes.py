"""Outcomes: stable names, units and one-line meanings, measured every week into arrays.

Names are part of the interface. Names with a bracket are families, one column per member:
``adoption[technology]`` gives ``adoption[genai_assistant]`` and so on; ``{level}`` is a level
number. Weekly outcomes are recorded for weeks 0..horizon into a preallocated array; run
outcomes are the final week's values plus the run-only outcomes below.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.core.organization_params import COHORTS
from sim.core.people import People
from sim.kernels import count_by_group, tie_counts

if TYPE_CHECKING:
    from sim.model.model import ReverseMentoringModel


@dataclass(frozen=True)
class Outcome:
    """One outcome (or family of outcomes).

    Attributes:
        name: Stable name; ``[technology]``, ``[cohort]`` or ``{level}`` mark a family.
        unit: Unit of the value (``currency`` is the scenario's currency).
        doc: One line saying what it measures.
        weekly: Recorded every week (else only per run).
        label: Its plain name, for reports (a family member adds the member's name).
        program: It describes the program itself: zero or undefined by definition in an arm
            without one, so it is not compared with such an arm.
    """

    name: str
    unit: str
    doc: str
    weekly: bool = True
    label: str = ""
    program: bool = False


def _o(name: str, unit: str, label: str, doc: str, **kw) -> Outcome:
    return Outcome(name, unit, doc, label=label, **kw)


_NA = "NA when there are none"
_WEEK52 = "at week 52 (at the horizon if shorter)"

CATALOG: tuple[Outcome, ...] = (
    _o("headcount", "employees", "Headcount", "Current employees"),
    _o(
        "adoption",
        "share",
        "Digital adoption",
        "Adopted share of employees, mean over technologies introduced so far",
    ),
    _o(
        "adoption_seniors",
        "share",
        "Senior adoption",
        "Adopted share among seniors, mean over introduced technologies",
    ),
    _o(
        "adoption_juniors",
        "share",
        "Junior adoption",
        "Adopted share among juniors, mean over introduced technologies",
    ),
    _o("adoption[technology]", "share", "Adoption", "Adopted share of employees, per technology"),
    _o(
        "adoption_seniors[technology]",
        "share",
        "Senior adoption",
        "Adopted share among seniors, per technology",
    ),
    _o(
        "adoption_juniors[technology]",
        "share",
        "Junior adoption",
        "Adopted share among juniors, per technology",
    ),
    _o(
        "adoption_level{level}[technology]",
        "share",
        "Adoption at a level",
        "Adopted share at a level, per technology",
    ),
    _o(
        "digital_skill_juniors",
        "skill (0-1)",
        "Juniors' digital skill",
        "Mean digital skill of juniors",
    ),
    _o(
        "digital_skill_seniors",
        "skill (0-1)",
        "Seniors' digital skill",
        "Mean digital skill of seniors",
    ),
    _o(
        "digital_skill_gap",
        "skill (0-1)",
        "Digital skill gap",
        "Juniors' minus seniors' mean digital skill",
    ),
    _o(
        "experience_skill_juniors",
        "skill (0-1)",
        "Juniors' experience skill",
        "Mean experience skill of juniors",
    ),
    _o(
        "cross_generation_ties",
        "share",
        "Cross-generation ties",
        "Share of ties (informal and persisting mentoring ties) between different cohorts",
    ),
    _o(
        "cross_generation_tie_count",
        "ties",
        "Cross-generation ties (count)",
        "Ties between different cohorts (informal and persisting mentoring ties)",
    ),
    _o(
        "cross_group_tie_count",
        "ties",
        "Cross-group ties (count)",
        "Ties between an under-represented and another employee (informal and mentoring)",
    ),
    _o(
        "cross_group_ties",
        "share",
        "Cross-group ties",
        "Share of ties between an under-represented and another employee",
    ),
    _o(
        "ei_index_generation",
        "index (-1..1)",
        "E-I index by generation",
        "Krackhardt E-I index of ties by cohort: (external - internal) / all",
    ),
    _o(
        "mean_resistance",
        "attitude (0-1)",
        "Resistance to being mentored",
        "Mean resistance to being mentored, all employees",
    ),
    _o(
        "mean_resistance_seniors",
        "attitude (0-1)",
        "Seniors' resistance to being mentored",
        "Mean resistance to being mentored, seniors",
    ),
    _o("mean_engagement", "engagement (0-1)", "Engagement", "Mean engagement"),
    _o("ideas", "ideas", "Ideas", "Ideas produced since week 0"),
    _o("implemented_ideas", "ideas", "Implemented ideas", "Ideas implemented since week 0"),
    _o(
        "ideas_per_100_per_year",
        "ideas/100 employees/year",
        "Idea rate",
        "Idea rate since week 0, per 100 employees",
    ),
    _o(
        "ideas_from_meetings",
        "ideas",
        "Ideas from mentoring meetings",
        "Ideas produced in mentoring meetings since week 0",
        program=True,
    ),
    _o(
        "implemented_per_100_per_year",
        "ideas/100 employees/year",
        "Implemented-idea rate",
        "Implemented-idea rate since week 0, per 100 employees",
    ),
    _o("retention", "share", "Retention", "Share of the week-0 workforce still employed"),
    _o(
        "retention[cohort]",
        "share",
        "Retention",
        "Share of the week-0 workforce of a cohort still employed",
    ),
    _o(
        "retention_mentors",
        "share",
        "Retention of mentors",
        f"Share of mentors still employed (weekly: 0 when the arm has none; per run: {_NA})",
        program=True,
    ),
    _o(
        "retention_mentees",
        "share",
        "Retention of mentees",
        f"Share of mentees still employed (weekly: 0 when the arm has none; per run: {_NA})",
        program=True,
    ),
    _o(
        "retention_nonparticipants",
        "share",
        "Retention of non-participants",
        "Share of those employed at the program's start who never took part, still employed (the week-0 workforce without a program)",
    ),
    _o(
        "engagement_mentors",
        "engagement (0-1)",
        "Mentors' engagement",
        f"Mean engagement of mentors still employed (weekly: 0 when none; per run: {_NA})",
        program=True,
    ),
    _o("leavers", "employees", "Voluntary leavers", "Voluntary leavers since week 0"),
    _o("retirements", "employees", "Retirements", "Retirements since week 0"),
    _o("hires", "employees", "Hires", "External hires since week 0"),
    _o(
        "promotions",
        "employees",
        "Promotions",
        "Promotions since week 0: into a vacancy above, or in grade (in the same position)",
    ),
    _o(
        "promotions_in_grade",
        "employees",
        "Promotions in grade",
        "Promotions in grade since week 0",
    ),
    _o(
        "promotions_per_100_per_year",
        "promotions/100 employees/year",
        "Promotions per 100 employees a year",
        "Promotion rate since week 0, per 100 employees",
    ),
    _o(
        "promotions_of_mentors",
        "employees",
        "Promotions of mentors",
        "Promotions of employees who had mentored by then",
        program=True,
    ),
    _o(
        "turnover_cost",
        "currency",
        "Turnover cost",
        "Replacement cost of voluntary leavers and retirees since week 0",
    ),
    _o(
        "skill_lost_to_turnover",
        "skill-units",
        "Skill lost to turnover",
        "Sum over leavers of their mean skill",
    ),
    _o("mentors", "employees", "Mentors", "Employees who have mentored", program=True),
    _o("mentees", "employees", "Mentees", "Employees who have been mentored", program=True),
    _o(
        "pairs_formed",
        "pairs",
        "Pairs formed",
        "Pairs (boards) formed, re-pairings included",
        program=True,
    ),
    _o("active_pairs", "pairs", "Active pairs", "Pairs (boards) active this week", program=True),
    _o(
        "pairs_completed",
        "pairs",
        "Pairs completed",
        "Pairs that reached their planned end",
        program=True,
    ),
    _o(
        "pairs_dissolved",
        "pairs",
        "Pairs dissolved early",
        "Pairs dissolved early for a bad fit",
        program=True,
    ),
    _o(
        "pairs_ended_by_departure",
        "pairs",
        "Pairs ended by a departure",
        "Pairs ended because the mentee, a one-to-one mentor or a board's last mentor left",
        program=True,
    ),
    _o(
        "mentors_replaced",
        "mentors",
        "Board mentors replaced",
        "Junior-board mentors who left the organization and were replaced on their board",
        program=True,
    ),
    _o(
        "match_rate",
        "share",
        "Match rate",
        f"Mentees paired among those who volunteered or were enrolled (per run: {_NA})",
        program=True,
    ),
    _o("meetings_held", "meetings", "Meetings held", "Meetings held since week 0", program=True),
    _o(
        "meetings_planned",
        "meetings",
        "Meetings planned",
        "Meetings planned since week 0",
        program=True,
    ),
    _o(
        "meeting_completion",
        "share",
        "Meeting completion",
        "Meetings held over meetings planned",
        program=True,
    ),
    _o(
        "mean_relationship_quality",
        "quality (0-1)",
        "Relationship quality",
        f"Mean relationship quality of active pairs (weekly: 0 when none; per run: {_NA})",
        program=True,
    ),
    _o(
        "mentoring_ties",
        "ties",
        "Mentoring ties",
        "Ties formed by pairs that still persist",
        program=True,
    ),
    _o(
        "program_hours",
        "hours",
        "Program hours",
        "Hours spent on the program (meetings and training)",
        program=True,
    ),
    _o(
        "program_cost",
        "currency",
        "Program cost",
        "Cost of the hours spent on the program",
        program=True,
    ),
    _o(
        "valued_skill_transferred",
        "skill-units",
        "Valued skill transferred",
        "Skill gained at meetings (mentees and mentors) on the skills the organization values",
        program=True,
    ),
    _o(
        "skill_value",
        "currency",
        "Value of the skill transferred",
        "Value of the skill transferred at meetings (value_per_skill_unit x valued_skill_transferred)",
        program=True,
    ),
    _o(
        "mentor_leadership_growth",
        "skill (0-1)",
        "Mentors' leadership growth",
        "Mean leadership gained by mentors since they started",
        program=True,
    ),
    _o(
        "weeks_to_half_seniors[technology]",
        "weeks",
        "Weeks until half the seniors adopted",
        "Weeks from the technology's introduction until half the seniors had adopted it; "
        "horizon + 1 when that did not happen by the horizon, a technology introduced after "
        "the horizon included (a censored value, above any measured one)",
        weekly=False,
    ),
    _o(
        "retention_12m",
        "share",
        "12-month retention",
        f"Retention of the week-0 workforce {_WEEK52}",
        weekly=False,
    ),
    _o("retention_12m[cohort]", "share", "12-month retention", "The same by cohort", weekly=False),
    _o(
        "retention_12m_mentors",
        "share",
        "12-month retention of mentors",
        f"Share of those who mentored by week 52 still employed {_WEEK52}; {_NA}",
        weekly=False,
        program=True,
    ),
    _o(
        "retention_12m_mentees",
        "share",
        "12-month retention of mentees",
        f"Share of those mentored by week 52 still employed {_WEEK52}; {_NA}",
        weekly=False,
        program=True,
    ),
    _o(
        "retention_12m_nonparticipants",
        "share",
        "12-month retention of non-participants",
        f"Retention {_WEEK52} of those employed at the program's start who never took part by then (the week-0 workforce without a program)",
        weekly=False,
    ),
    _o(
        "retention_12m_mentors_comparable",
        "share",
        "12-month retention of non-participants comparable to the mentors",
        "Retention of non-participants of each mentor's cohort and level (cohort alone where the level has none), from the week before that mentor started to week 52, averaged over the mentors; NA without mentors",
        weekly=False,
        program=True,
    ),
    _o(
        "retention_12m_mentees_comparable",
        "share",
        "12-month retention of non-participants comparable to the mentees",
        "The same for the mentees; NA without mentees",
        weekly=False,
        program=True,
    ),
    _o(
        "net_benefit",
        "currency",
        "Net benefit",
        "Retention savings plus value of extra implemented ideas plus value of the skill transferred minus program cost, against the baseline arm, same replication (an arm's own figure; NA for the baseline)",
        weekly=False,
        program=True,
    ),
    _o(
        "roi",
        "ratio",
        "Return on investment",
        "Net benefit over program cost, against the baseline arm (an arm's own figure; NA for the baseline and where the program cost nothing)",
        weekly=False,
        program=True,
    ),
    _o(
        "retention_12m_mentors_same_people",
        "share",
        "12-month retention of mentors (those followed in the baseline)",
        "Retention at week 52 of this arm's mentors from the week-0 workforce who were employed in the baseline arm too when they started mentoring: the people compared with the baseline",
        weekly=False,
        program=True,
    ),
    _o(
        "retention_12m_mentors_same_people_in_baseline",
        "share",
        "12-month retention of the same people in the baseline",
        "Retention at week 52, in the baseline arm's same replication, of the people of retention_12m_mentors_same_people",
        weekly=False,
        program=True,
    ),
    _o(
        "retention_12m_mentees_same_people",
        "share",
        "12-month retention of mentees (those followed in the baseline)",
        "The same as retention_12m_mentors_same_people for this arm's mentees",
        weekly=False,
        program=True,
    ),
    _o(
        "retention_12m_mentees_same_people_in_baseline",
        "share",
        "12-month retention of the same people in the baseline",
        "Retention at week 52, in the baseline arm's same replication, of the people of retention_12m_mentees_same_people",
        weekly=False,
        program=True,
    ),
    _o(
        "retention_12m_nonparticipants_same_people",
        "share",
        "12-month retention of non-participants (those followed in the baseline)",
        "Retention at week 52 of this arm's non-participants from the week-0 workforce (employed at the program's start, never in a pair by week 52) who were employed in the baseline arm too at the program's start",
        weekly=False,
        program=True,
    ),
    _o(
        "retention_12m_nonparticipants_same_people_in_baseline",
        "share",
        "12-month retention of the same people in the baseline",
        "Retention at week 52, in the baseline arm's same replication, of the people of retention_12m_nonparticipants_same_people",
        weekly=False,
        program=True,
    ),
)

OWN_FIGURES = ("roi", "net_benefit")
"""Outcomes that are an arm's own figures, already measured against the baseline arm's same
replication (a difference between arms of them would compare two baselines' figures)."""

EXPERIMENT_OUTCOMES = (
    "net_benefit",
    "roi",
    "retention_12m_mentors_same_people",
    "retention_12m_mentors_same_people_in_baseline",
    "retention_12m_mentees_same_people",
    "retention_12m_mentees_same_people_in_baseline",
    "retention_12m_nonparticipants_same_people",
    "retention_12m_nonparticipants_same_people_in_baseline",
)
"""Run outcomes computed by the experiment from the baseline arm, not by a single model."""

OTHER_UNITS: dict[str, str] = {
    "code_knowledge": "code score / m",
    "code_accuracy": "share",
    "mean_individual_knowledge": "belief score / m",
    "equilibrium": "1 = reached",
    "periods": "periods",
}
"""Units of the outcomes of March's (1991) model, which has no catalog of its own."""


def _family_pattern(name: str) -> re.Pattern[str]:
    text = re.escape(name)
    for family in (re.escape("[technology]"), re.escape("[cohort]")):
        text = text.replace(family, r"\[([^\]]+)\]")
    text = text.replace(re.escape("{level}"), r"(\d+)")
    return re.compile(text)


_PATTERNS = tuple((_family_pattern(o.name), o) for o in CATALOG)


@functools.lru_cache(maxsize=4096)
def entry(column: str) -> tuple[Outcome, tuple[str, ...]] | None:
    """The catalog entry of an outcome column and the family members it names, or None.

    ``retention_12m[gen_z]`` gives the ``retention_12m[cohort]`` entry and ``("gen_z",)``.
    Remembered per column (the catalog is fixed; a report asks about each column thousands
    of times).
    """
    for pattern, outcome in _PATTERNS:
        match = pattern.fullmatch(column)
        if match:
            return outcome, match.groups()
    return None


def unit_of(column: str) -> str:
    """The unit of an outcome column, family members included; "" when unknown."""
    found = entry(column)
    return found[0].unit if found else OTHER_UNITS.get(column, "")


def is_share(column: str) -> bool:
    """Whether an outcome column is a share in [0, 1]."""
    return unit_of(column) == "share"


def label_of(column: str) -> str:
    """The plain name of an outcome column (``12-month retention, gen z``); the column otherwise."""
    found = entry(column)
    if found is None or not found[0].label:
        return column
    outcome, members = found
    parts = [m.replace("_", " ") for m in members]
    if "{level}" in outcome.name:
        parts[0] = f"level {parts[0]}"
    return ", ".join([outcome.label, *parts])


NONNEGATIVE_UNITS = frozenset(
    {
        "employees",
        "ideas",
        "ideas/100 employees/year",
        "pairs",
        "meetings",
        "hours",
        "ties",
        "weeks",
        "skill-units",
    }
)
"""Units of counts, rates and totals that cannot be negative."""


def is_nonnegative(column: str) -> bool:
    """Whether an outcome can never be negative (a count, a rate, a cost; not a net benefit)."""
    return unit_of(column) in NONNEGATIVE_UNITS or column in ("program_cost", "turnover_cost")


def is_program_outcome(column: str) -> bool:
    """Whether an outcome describes the program itself (see :attr:`Outcome.program`)."""
    found = entry(column)
    return bool(found and found[0].program)


def expand(name: str, technologies: list[str], levels: int) -> list[str]:
    """Expand a family name into its column names."""
    names = [name]
    if "[cohort]" in name:
        names = [n.replace("[cohort]", f"[{c}]") for n in names for c in COHORTS]
    if "{level}" in name:
        names = [n.replace("{level}", str(lv)) for n in names for lv in range(levels)]
    if "[technology]" in name:
        names = [n.replace("[technology]", f"[{t}]") for n in names for t in technologies]
    return names


def columns(technologies: list[str], levels: int, weekly: bool = True) -> list[str]:
    """All column names of the weekly (or run-only) outcomes for a scenario's shape."""
    return [
        c
        for o in CATALOG
        if o.weekly == weekly and o.name not in EXPERIMENT_OUTCOMES
        for c in expand(o.name, technologies, levels)
    ]


def measure(model: ReverseMentoringModel) -> dict[str, float]:
    """Measure every weekly outcome of the model's current state."""
    out: dict[str, float] = {"headcount": float(model.state.alive.sum())}
    _adoption(model, out)
    _skills(model, out)
    _ties(model, out)
    _attitudes(model, out)
    _innovation_and_staffing(model, out)
    _retention(model, out)
    _program(model, out)
    return out


def _adoption(model: ReverseMentoringModel, out: dict[str, float]) -> None:
    st = model.state
    introduced = model.introduced_weeks < model.week  # available during at least one step
    techs = model.technology_names
    levels = model.config.organization.levels
    # adopters per (level, junior or senior) cell, in one count
    cells, cell_size = count_by_group(2 * st.level + st.senior, 2 * levels, st.alive, st.adopted)
    cells, cell_size = cells.reshape(levels, 2, -1), cell_size.reshape(levels, 2)
    by_seniority, size = cells.sum(axis=0), cell_size.sum(axis=0)
    shares = {
        "": by_seniority.sum(axis=0) / max(size.sum(), 1),
        "_seniors": by_seniority[1] / max(size[1], 1),
        "_juniors": by_seniority[0] / max(size[0], 1),
    }
    for suffix, share in shares.items():
        out[f"adoption{suffix}"] = float(share[introduced].mean()) if introduced.any() else 0.0
    for suffix, share in shares.items():
        for t, name in enumerate(techs):
            out[f"adoption{suffix}[{name}]"] = float(share[t])
    by_level = cells.sum(axis=1) / np.maximum(cell_size.sum(axis=1), 1.0)[:, None]
    for lv, share in enumerate(by_level):
        for t, name in enumerate(techs):
            out[f"adoption_level{lv}[{name}]"] = float(share[t])


def _mean(values: np.ndarray, mask: np.ndarray) -> float:
    return float(values[mask].mean()) if mask.any() else 0.0


def _skills(model: ReverseMentoringModel, out: dict[str, float]) -> None:
    st = model.state
    seniors, juniors = st.alive & st.senior, st.alive & ~st.senior
    groups = [st.digital, st.experience] if st.experience.size else [st.digital]
    means = st.skill_means(groups)
    dj, ds = _mean(means[:, 0], juniors), _mean(means[:, 0], seniors)
    out["digital_skill_juniors"], out["digital_skill_seniors"] = dj, ds
    out["digital_skill_gap"] = dj - ds
    experience = means[:, 1] if st.experience.size else np.zeros(st.size)
    out["experience_skill_juniors"] = _mean(experience, juniors)


def _ties(model: ReverseMentoringModel, out: dict[str, float]) -> None:
    """Informal ties (from the neighbour counts) plus persisting mentoring ties."""
    st = model.state
    n, gen, grp = tie_counts(model.neighbour_counts(), st.alive, st.cohort, st.underrepresented)
    if model.program is not None:
        ties = model.program.ties
        a, b = model.program.slots(ties.a[ties.alive]), model.program.slots(ties.b[ties.alive])
        live = (a >= 0) & (b >= 0)
        a, b = a[live], b[live]
        live = st.alive[a] & st.alive[b]
        a, b = a[live], b[live]
        n += a.size
        gen += int((st.cohort[a] != st.cohort[b]).sum())
        grp += int((st.underrepresented[a] != st.underrepresented[b]).sum())
    out["cross_generation_tie_count"] = float(gen)
    out["cross_group_tie_count"] = float(grp)
    out["cross_generation_ties"] = gen / n if n else 0.0
    out["cross_group_ties"] = grp / n if n else 0.0
    out["ei_index_generation"] = 2.0 * (gen / n) - 1.0 if n else 0.0


def _attitudes(model: ReverseMentoringModel, out: dict[str, float]) -> None:
    st = model.state
    resistance = st.attitudes[:, 0]
    out["mean_resistance"] = _mean(resistance, st.alive)
    out["mean_resistance_seniors"] = _mean(resistance, st.alive & st.senior)
    out["mean_engagement"] = _mean(st.engagement, st.alive)


def _innovation_and_staffing(model: ReverseMentoringModel, out: dict[str, float]) -> None:
    t = model.tally
    years = max(model.week, 1) / 52.0
    per100 = model.state.alive.sum() / 100.0
    out["ideas"], out["implemented_ideas"] = float(t.ideas), float(t.implemented)
    out["ideas_from_meetings"] = float(t.ideas_from_meetings)
    out["ideas_per_100_per_year"] = t.ideas / per100 / years if model.week else 0.0
    out["implemented_per_100_per_year"] = t.implemented / per100 / years if model.week else 0.0
    out["promotions_per_100_per_year"] = t.promotions / per100 / years if model.week else 0.0
    for name, value in (
        ("leavers", t.leavers),
        ("retirements", t.retirements),
        ("hires", t.hires),
        ("promotions", t.promotions),
        ("promotions_in_grade", t.promotions_in_grade),
        ("promotions_of_mentors", t.promotions_of_mentors),
        ("turnover_cost", t.turnover_cost),
        ("skill_lost_to_turnover", t.skill_lost),
    ):
        out[name] = float(value)


def _retention(model: ReverseMentoringModel, out: dict[str, float]) -> None:
    people = model.people
    people.record(model.week, model.state.level)
    n0 = people.initial
    initial = np.ones(n0, bool)
    out["retention"] = people.retention(initial)
    for c, name in enumerate(COHORTS):
        out[f"retention[{name}]"] = people.retention(people.cohort[:n0] == c)
    n = people.n
    mentors, mentees = people.mentor_ever[:n], people.mentee_ever[:n]
    out["retention_mentors"] = people.retention(mentors)
    out["retention_mentees"] = people.retention(mentees)
    base = people.in_program_cohort[:n] if model.program is not None else np.arange(n) < n0
    out["retention_nonparticipants"] = people.retention(base & ~mentors & ~mentees)
    slots = people.slot_of[:n][mentors]
    slots = slots[slots >= 0]
    out["engagement_mentors"] = float(model.state.engagement[slots].mean()) if slots.size else 0.0
    out["mentors"], out["mentees"] = float(mentors.sum()), float(mentees.sum())


_PROGRAM_ZEROS = (
    "pairs_formed",
    "active_pairs",
    "pairs_completed",
    "pairs_dissolved",
    "pairs_ended_by_departure",
    "mentors_replaced",
    "match_rate",
    "meetings_held",
    "meetings_planned",
    "meeting_completion",
    "mean_relationship_quality",
    "mentoring_ties",
    "program_hours",
    "program_cost",
    "valued_skill_transferred",
    "skill_value",
    "mentor_leadership_growth",
)


def _program(model: ReverseMentoringModel, out: dict[str, float]) -> None:
    from sim.program.book import ACTIVE, COMPLETED, DISSOLVED, ENDED_BY_DEPARTURE

    prog = model.program
    if prog is None:
        out.update(dict.fromkeys(_PROGRAM_ZEROS, 0.0))
        return
    book = prog.book
    status = book.status
    out["pairs_formed"] = float(book.n_boards)
    out["active_pairs"] = float((status == ACTIVE).sum())
    out["pairs_completed"] = float((status == COMPLETED).sum())
    out["pairs_dissolved"] = float((status == DISSOLVED).sum())
    out["pairs_ended_by_departure"] = float((status == ENDED_BY_DEPARTURE).sum())
    out["mentors_replaced"] = float(prog.replacements)
    out["match_rate"] = prog.matched / prog.volunteers if prog.volunteers else 0.0
    out["meetings_held"], out["meetings_planned"] = (
        float(prog.meetings_held),
        float(prog.meetings_planned),
    )
    out["meeting_completion"] = (
        prog.meetings_held / prog.meetings_planned if prog.meetings_planned else 0.0
    )
    active = status == ACTIVE
    out["mean_relationship_quality"] = float(book.quality[active].mean()) if active.any() else 0.0
    out["mentoring_ties"] = float(prog.ties.alive.sum())
    out["program_hours"], out["program_cost"] = float(prog.hours), float(prog.cost)
    out["valued_skill_transferred"] = prog.skill_transferred
    price = model.config.dynamics.economics.value_per_skill_unit
    out["skill_value"] = price * prog.skill_transferred
    out["mentor_leadership_growth"] = prog.leadership_growth()


def run_outcomes(
    model: ReverseMentoringModel, weekly: np.ndarray, names: list[str]
) -> dict[str, float]:
    """Outcomes measured once per run, from the weekly record and the people's records.

    Means over nobody are NA here (the weekly record holds 0 for them): the retention and
    engagement of mentors in an arm without mentors, the relationship quality of no active
    pair, the match rate of no volunteer.
    """
    out: dict[str, float] = {}
    horizon = model.week
    for t, tech in enumerate(model.technology_names):
        col = weekly[: horizon + 1, names.index(f"adoption_seniors[{tech}]")]
        start = int(model.introduced_weeks[t])
        reached = np.flatnonzero(col[start:] >= 0.5)  # empty when introduced after the horizon
        # censored: never within the horizon (a technology introduced after it included) is
        # horizon + 1, above any measured value (at most horizon - introduced_week)
        weeks = float(reached[0]) if reached.size else float(horizon + 1)
        out[f"weeks_to_half_seniors[{tech}]"] = weeks
    at = twelve_months(horizon)
    row = weekly[at]
    for source, target in (
        ("retention", "retention_12m"),
        ("retention_mentors", "retention_12m_mentors"),
        ("retention_mentees", "retention_12m_mentees"),
        ("retention_nonparticipants", "retention_12m_nonparticipants"),
    ):
        out[target] = float(row[names.index(source)])
    for c in COHORTS:
        out[f"retention_12m[{c}]"] = float(row[names.index(f"retention[{c}]")])
    out.update(_undefined_when_empty(model, weekly[horizon], names, at))
    out.update(comparable_retention(model.people, at))
    return out


def twelve_months(horizon: int) -> int:
    """The recorded week of the 12-month outcomes: 52, or the horizon if shorter."""
    return min(52, horizon)


def _undefined_when_empty(
    model: ReverseMentoringModel, last: np.ndarray, names: list[str], at: int
) -> dict[str, float]:
    people, n = model.people, model.people.n
    mentors_at = np.count_nonzero(people.mentor_week[:n] <= at)
    mentees_at = np.count_nonzero(people.mentee_week[:n] <= at)
    value = dict(zip(names, last.tolist(), strict=True))
    prog = model.program
    empty = {
        "retention_12m_mentors": mentors_at == 0,
        "retention_12m_mentees": mentees_at == 0,
        "retention_mentors": value["mentors"] == 0,
        "retention_mentees": value["mentees"] == 0,
        "engagement_mentors": not np.any(people.mentor_ever[:n] & people.employed),
        "mean_relationship_quality": value["active_pairs"] == 0,
        "match_rate": prog is None or prog.volunteers == 0,
    }
    return {name: float("nan") for name, none in empty.items() if none}


def comparable_retention(people: People, at: int) -> dict[str, float]:
    """Retention at week ``at`` of non-participants comparable to the mentors, and to the mentees.

    For each participant, the non-participants (never in a pair by ``at``) of the same cohort
    and starting level employed in the week before the participant started, and the share of
    them still employed at ``at``; where that cell is empty, the same cohort at any level.
    The value is the mean over the participants, so it compares with the participants' own
    retention over the same weeks and the same mix of cohorts and levels. NA without
    participants or without any comparable non-participant.

    Args:
        people: The run's person records.
        at: The recorded week retention is read at.

    Returns:
        ``retention_12m_mentors_comparable`` and ``retention_12m_mentees_comparable``.
    """
    n = people.n
    mentor, mentee = people.mentor_week[:n], people.mentee_week[:n]
    outside = (mentor > at) & (mentee > at)
    kept = people.employed_at(at)
    cohort = people.cohort[:n].astype(np.intp)
    level = np.maximum(people.level_start[:n], 0).astype(np.intp)
    cells = _Cells(cohort, level)
    out = {}
    for group, since in (("mentors", mentor), ("mentees", mentee)):
        who = np.flatnonzero(since <= at)
        starts = since[who] - 1  # employed in the week before they started
        shares = np.full(who.size, np.nan)
        for start in np.unique(starts):
            pool = outside & people.employed_at(int(start))
            sel = starts == start
            shares[sel] = cells.share(pool, pool & kept, who[sel])
        found = shares[~np.isnan(shares)]
        out[f"retention_12m_{group}_comparable"] = float(found.mean()) if found.size else np.nan
    return out


class _Cells:
    """Counts by (cohort, level) cell and by cohort, to read a share for each person's cell."""

    def __init__(self, cohort: np.ndarray, level: np.ndarray) -> None:
        self.cohort = cohort
        self.levels = int(level.max(initial=0)) + 1
        self.cell = cohort * self.levels + level
        self.size = (int(cohort.max(initial=0)) + 1) * self.levels

    def share(self, pool: np.ndarray, kept: np.ndarray, persons: np.ndarray) -> np.ndarray:
        """Share of ``pool`` in ``kept``, in each person's cell (their cohort where it is empty)."""
        by_cell = [np.bincount(self.cell[m], minlength=self.size) for m in (pool, kept)]
        by_cohort = [np.bincount(self.cohort[m], minlength=self.size) for m in (pool, kept)]
        cell, cohort = self.cell[persons], self.cohort[persons]
        with np.errstate(invalid="ignore", divide="ignore"):
            in_cell = by_cell[1][cell] / by_cell[0][cell]
            in_cohort = by_cohort[1][cohort] / by_cohort[0][cohort]
        return np.where(by_cell[0][cell] > 0, in_cell, in_cohort)


PERSON_COLUMNS = ("left_week", "mentor_week", "mentee_week", "in_program_cohort")
"""Per-person columns of :func:`person_records` (besides ``person``)."""


def person_records(model: ReverseMentoringModel) -> pd.DataFrame:
    """The week-0 workforce's records, for comparisons of the same people between arms.

    Returns:
        One row per person id of the week-0 workforce: ``person`` and :data:`PERSON_COLUMNS`
        (weeks in recorded weeks, :data:`~sim.core.people.NEVER` when it did not happen).
    """
    people, n0 = model.people, model.people.initial
    frame = pd.DataFrame({"person": np.arange(n0, dtype=np.int32)})
    for name in PERSON_COLUMNS:
        frame[name] = getattr(people, name)[:n0].copy()
    return frame


def same_people_retention(
    arm: pd.DataFrame, base: pd.DataFrame, at: int, program_start: int | None
) -> dict[str, float]:
    """Retention of an arm's participants and non-participants, and of the same people in the baseline.

    Both frames are :func:`person_records` of the same replication (the same week-0
    workforce, person by person). A participant is followed if employed in the baseline too
    in the week before they started (they were employed in their own arm then, or they could
    not have started); a non-participant (employed at the program's start, never in a pair by
    ``at``) if employed in the baseline at the program's start. Both arms' retention at
    ``at`` is then read for exactly the same people.

    Args:
        arm: The arm's person records.
        base: The baseline arm's person records, same replication.
        at: The recorded week retention is read at.
        program_start: The week the arm's program starts (None: no program).

    Returns:
        ``retention_12m_{group}_same_people`` and ``..._in_baseline`` for mentors, mentees and
        non-participants; NA where no one is followed.
    """
    if len(arm) != len(base):
        raise ValueError("person records of different workforces: not the same replication")
    kept_arm = arm["left_week"].to_numpy() > at
    kept_base = base["left_week"].to_numpy() > at
    mentor, mentee = arm["mentor_week"].to_numpy(), arm["mentee_week"].to_numpy()
    left_base = base["left_week"].to_numpy()
    groups = {
        "mentors": (mentor <= at) & (left_base >= mentor),
        "mentees": (mentee <= at) & (left_base >= mentee),
    }
    nonpart = np.zeros(len(arm), bool)
    if program_start is not None:
        nonpart = arm["in_program_cohort"].to_numpy() & (mentor > at) & (mentee > at)
        nonpart &= left_base > program_start
    groups["nonparticipants"] = nonpart
    out = {}
    for group, who in groups.items():
        none = not who.any()
        name = f"retention_12m_{group}_same_people"
        out[name] = float("nan") if none else float(kept_arm[who].mean())
        out[f"{name}_in_baseline"] = float("nan") if none else float(kept_base[who].mean())
    return out


__all__ = [
    "CATALOG",
    "EXPERIMENT_OUTCOMES",
    "Outcome",
    "columns",
    "comparable_retention",
    "entry",
    "expand",
    "is_nonnegative",
    "is_program_outcome",
    "is_share",
    "label_of",
    "measure",
    "person_records",
    "run_outcomes",
    "same_people_retention",
    "twelve_months",
    "unit_of",
]

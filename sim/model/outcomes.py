"""Outcomes: stable names, units and one-line meanings, measured every week into arrays.

Names are part of the interface. Names with a bracket are families, one column per member:
``adoption[technology]`` gives ``adoption[genai_assistant]`` and so on; ``{level}`` is a level
number. Weekly outcomes are recorded for weeks 0..horizon into a preallocated array; run
outcomes are the final week's values plus the run-only outcomes below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.core.organization_params import COHORTS
from sim.kernels import count_by_group, tie_counts

if TYPE_CHECKING:
    from sim.model.model import ReverseMentoringModel


@dataclass(frozen=True)
class Outcome:
    """One outcome (or family of outcomes).

    Attributes:
        name: Stable name; ``[technology]`` or ``{level}`` mark a family.
        unit: Unit of the value.
        doc: One line saying what it measures.
        weekly: Recorded every week (else only per run).
    """

    name: str
    unit: str
    doc: str
    weekly: bool = True


CATALOG: tuple[Outcome, ...] = (
    Outcome("headcount", "employees", "Current employees"),
    Outcome(
        "adoption", "share", "Adopted share of employees, mean over technologies introduced so far"
    ),
    Outcome(
        "adoption_seniors",
        "share",
        "Adopted share among seniors, mean over introduced technologies",
    ),
    Outcome(
        "adoption_juniors",
        "share",
        "Adopted share among juniors, mean over introduced technologies",
    ),
    Outcome("adoption[technology]", "share", "Adopted share of employees, per technology"),
    Outcome("adoption_seniors[technology]", "share", "Adopted share among seniors, per technology"),
    Outcome("adoption_juniors[technology]", "share", "Adopted share among juniors, per technology"),
    Outcome(
        "adoption_level{level}[technology]", "share", "Adopted share at a level, per technology"
    ),
    Outcome("digital_skill_juniors", "skill (0-1)", "Mean digital skill of juniors"),
    Outcome("digital_skill_seniors", "skill (0-1)", "Mean digital skill of seniors"),
    Outcome("digital_skill_gap", "skill (0-1)", "Juniors' minus seniors' mean digital skill"),
    Outcome("experience_skill_juniors", "skill (0-1)", "Mean experience skill of juniors"),
    Outcome(
        "cross_generation_ties",
        "share",
        "Share of ties (informal and persisting mentoring ties) between different cohorts",
    ),
    Outcome(
        "cross_generation_tie_count",
        "ties",
        "Ties between different cohorts (informal and persisting mentoring ties)",
    ),
    Outcome(
        "cross_group_tie_count",
        "ties",
        "Ties between an under-represented and another employee (informal and mentoring)",
    ),
    Outcome(
        "cross_group_ties",
        "share",
        "Share of ties between an under-represented and another employee",
    ),
    Outcome(
        "ei_index_generation",
        "index (-1..1)",
        "Krackhardt E-I index of ties by cohort: (external - internal) / all",
    ),
    Outcome(
        "mean_resistance", "attitude (0-1)", "Mean resistance to being mentored, all employees"
    ),
    Outcome(
        "mean_resistance_seniors", "attitude (0-1)", "Mean resistance to being mentored, seniors"
    ),
    Outcome("mean_engagement", "engagement (0-1)", "Mean engagement"),
    Outcome("ideas", "ideas", "Ideas produced since week 0"),
    Outcome("implemented_ideas", "ideas", "Ideas implemented since week 0"),
    Outcome(
        "ideas_per_100_per_year",
        "ideas/100 employees/year",
        "Idea rate since week 0, per 100 employees",
    ),
    Outcome("ideas_from_meetings", "ideas", "Ideas produced in mentoring meetings since week 0"),
    Outcome(
        "implemented_per_100_per_year",
        "ideas/100 employees/year",
        "Implemented-idea rate since week 0, per 100 employees",
    ),
    Outcome("retention", "share", "Share of the week-0 workforce still employed"),
    Outcome(
        "retention[cohort]", "share", "Share of the week-0 workforce of a cohort still employed"
    ),
    Outcome(
        "retention_mentors", "share", "Share of mentors still employed (0 when the arm has none)"
    ),
    Outcome(
        "retention_mentees", "share", "Share of mentees still employed (0 when the arm has none)"
    ),
    Outcome(
        "retention_nonparticipants",
        "share",
        "Share of those employed at the program's start who never took part, still employed (the week-0 workforce without a program)",
    ),
    Outcome(
        "engagement_mentors",
        "engagement (0-1)",
        "Mean engagement of mentors still employed (0 when none)",
    ),
    Outcome("leavers", "employees", "Voluntary leavers since week 0"),
    Outcome("retirements", "employees", "Retirements since week 0"),
    Outcome("hires", "employees", "External hires since week 0"),
    Outcome(
        "promotions",
        "employees",
        "Promotions since week 0: into a vacancy above, or in grade (in the same position)",
    ),
    Outcome("promotions_in_grade", "employees", "Promotions in grade since week 0"),
    Outcome(
        "promotions_per_100_per_year",
        "promotions/100 employees/year",
        "Promotion rate since week 0, per 100 employees",
    ),
    Outcome(
        "promotions_of_mentors", "employees", "Promotions of employees who had mentored by then"
    ),
    Outcome(
        "turnover_cost",
        "currency",
        "Replacement cost of voluntary leavers and retirees since week 0",
    ),
    Outcome("skill_lost_to_turnover", "skill-units", "Sum over leavers of their mean skill"),
    Outcome("mentors", "employees", "Employees who have mentored"),
    Outcome("mentees", "employees", "Employees who have been mentored"),
    Outcome("pairs_formed", "pairs", "Pairs (boards) formed, re-pairings included"),
    Outcome("active_pairs", "pairs", "Pairs (boards) active this week"),
    Outcome("pairs_completed", "pairs", "Pairs that reached their planned end"),
    Outcome("pairs_dissolved", "pairs", "Pairs dissolved early for a bad fit"),
    Outcome(
        "pairs_ended_by_departure",
        "pairs",
        "Pairs ended because the mentee, a one-to-one mentor or a board's last mentor left",
    ),
    Outcome(
        "mentors_replaced",
        "mentors",
        "Junior-board mentors who left the organization and were replaced on their board",
    ),
    Outcome("match_rate", "share", "Mentees paired among those who volunteered or were enrolled"),
    Outcome("meetings_held", "meetings", "Meetings held since week 0"),
    Outcome("meetings_planned", "meetings", "Meetings planned since week 0"),
    Outcome("meeting_completion", "share", "Meetings held over meetings planned"),
    Outcome(
        "mean_relationship_quality",
        "quality (0-1)",
        "Mean relationship quality of active pairs (0 when none)",
    ),
    Outcome("mentoring_ties", "ties", "Ties formed by pairs that still persist"),
    Outcome("program_hours", "hours", "Hours spent on the program (meetings and training)"),
    Outcome("program_cost", "currency", "Cost of the hours spent on the program"),
    Outcome(
        "valued_skill_transferred",
        "skill-units",
        "Skill gained at meetings (mentees and mentors) on the skills the organization values",
    ),
    Outcome(
        "skill_value",
        "currency",
        "Value of the skill transferred at meetings (value_per_skill_unit x valued_skill_transferred)",
    ),
    Outcome(
        "mentor_leadership_growth",
        "skill (0-1)",
        "Mean leadership gained by mentors since they started",
    ),
    Outcome(
        "weeks_to_half_seniors[technology]",
        "weeks",
        "Weeks from introduction until half the seniors adopted (horizon + 1 when never)",
        weekly=False,
    ),
    Outcome(
        "retention_12m",
        "share",
        "Retention of the week-0 workforce at week 52 (at the horizon if shorter)",
        weekly=False,
    ),
    Outcome("retention_12m[cohort]", "share", "The same by cohort", weekly=False),
    Outcome("retention_12m_mentors", "share", "Retention of mentors at week 52", weekly=False),
    Outcome("retention_12m_mentees", "share", "Retention of mentees at week 52", weekly=False),
    Outcome(
        "retention_12m_nonparticipants",
        "share",
        "Retention of non-participants at week 52",
        weekly=False,
    ),
    Outcome(
        "net_benefit",
        "currency",
        "Retention savings plus value of extra implemented ideas plus value of the skill transferred minus program cost, against the baseline arm, same replication (0 for the baseline)",
        weekly=False,
    ),
    Outcome(
        "roi",
        "ratio",
        "Net benefit over program cost, against the baseline arm (0 where the program cost nothing)",
        weekly=False,
    ),
)

EXPERIMENT_OUTCOMES = ("net_benefit", "roi")
"""Run outcomes computed by the experiment from the baseline arm, not by a single model."""


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
    """Outcomes measured once per run, from the weekly record."""
    out: dict[str, float] = {}
    horizon = model.week
    for t, tech in enumerate(model.technology_names):
        col = weekly[: horizon + 1, names.index(f"adoption_seniors[{tech}]")]
        start = int(model.introduced_weeks[t])
        reached = np.flatnonzero(col[start:] >= 0.5)
        weeks = float(reached[0]) if reached.size else float(horizon - start + 1)
        out[f"weeks_to_half_seniors[{tech}]"] = weeks
    at = min(52, horizon)
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
    return out


__all__ = ["CATALOG", "Outcome", "columns", "expand", "measure", "run_outcomes"]

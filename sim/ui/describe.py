"""The scenario and each arm's program design in plain language (plain text, for the report)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _plural(n: float, word: str) -> str:
    return f"{n:g} {word}" + ("" if n == 1 else "s")


def describe_program(program: Mapping[str, Any] | None) -> str:
    """Describe an arm's program design in plain language (plain text).

    Args:
        program: The arm's ``program`` block as plain data (None: no program).

    Returns:
        One sentence per aspect: pairing policy, eligibility, participation, format, cadence
        and duration, waves, focus, sponsorship, mentor training and re-pairing.
    """
    if not program:
        return "No program: the organization as it is, without reverse mentoring."
    from sim.program.design import POLICIES

    p = dict(program)
    parts = []
    policy = str(p.get("pairing", "?"))
    meaning = POLICIES.get(policy)
    parts.append(
        f"Pairing policy {policy}" + (f": {meaning[0].lower()}{meaning[1:]}" if meaning else ".")
    )
    elig = p.get("eligibility") or {}
    if elig:
        cohorts = ", ".join(str(c).replace("_", " ") for c in elig.get("mentor_cohorts") or [])
        top = elig.get("mentee_max_level")
        levels = (
            f"levels {elig.get('mentee_min_level')} to {top}"
            if top is not None
            else f"level {elig.get('mentee_min_level')} and above"
        )
        parts.append(
            f"Mentors from the {cohorts or 'no'} cohorts up to level "
            f"{elig.get('mentor_max_level')}; mentees at {levels}."
        )
    if p.get("participation") == "mandatory":
        parts.append("Participation is mandatory: every eligible employee takes part.")
    elif p.get("participation"):
        parts.append("Participation is voluntary: employees opt in according to their attitudes.")
    if p.get("format") == "group":
        parts.append(
            f"Group format: a junior board of {p.get('group_size')} mentors per executive."
        )
    elif p.get("format"):
        cap = p.get("mentor_capacity") or 1
        extra = f", each mentor taking up to {cap} mentees" if cap > 1 else ""
        parts.append(f"One-to-one pairs{extra}.")
    if p.get("cadence_per_month") is not None:
        hours = p.get("hours_per_meeting")
        length = f" of {_plural(float(hours), 'hour')}" if hours is not None else ""
        months = p.get("duration_months")
        lasting = f", for {_plural(float(months), 'month')} per pairing" if months else ""
        parts.append(
            f"{_plural(float(p['cadence_per_month']), 'meeting')} a month{length}{lasting}."
        )
    waves = p.get("waves") or []
    if waves:
        texts = [
            f"week {w.get('start_week', 0)}"
            + (f" (up to {w['size']} mentees)" if w.get("size") else "")
            for w in waves
        ]
        noun = "One wave starting at" if len(waves) == 1 else f"{len(waves)} waves starting at"
        parts.append(f"{noun} {', '.join(texts)}.")
    focus = p.get("focus") or []
    parts.append(
        f"Focus on {', '.join(str(f) for f in focus)}." if focus else "No particular skill focus."
    )
    if p.get("sponsorship") is not None:
        s = float(p["sponsorship"])
        level = "none" if s == 0 else "weak" if s < 0.34 else "moderate" if s < 0.67 else "strong"
        parts.append(f"Executive sponsorship {s:g} on a 0-1 scale ({level}).")
    if "mentor_training" in p:
        parts.append(
            "Mentors are trained before the first meeting."
            if p["mentor_training"]
            else "No mentor training."
        )
    repair = p.get("repairing") or {}
    if repair.get("enabled"):
        parts.append(
            "A mentee whose pair dissolves early is re-paired (up to "
            f"{_plural(float(repair.get('max_times', 1)), 'time')})."
        )
    return " ".join(parts)


def describe_scenario(scenario: Mapping[str, Any], replications: int | None = None) -> list[str]:
    """Describe a scenario's setting in plain language (plain text, one sentence per item).

    Args:
        scenario: The scenario as resolved (``results.manifest["scenario"]``).
        replications: Replications actually run (default: the scenario's).

    Returns:
        Sentences on the organization (or March's model), horizon and replications.
    """
    s = dict(scenario)
    reps = replications if replications is not None else s.get("replications")
    lines = []
    if s.get("model") == "march1991":
        m = s.get("march") or {}
        lines.append(
            f"March's (1991) model of mutual learning: {m.get('n', '?')} individuals and an "
            f"organizational code hold beliefs about a reality of {m.get('m', '?')} dimensions. "
            f"Base values (a sweep overrides some): socialization rate p1 = {m.get('p1', '?')}, code learning rate p2 = "
            f"{m.get('p2', '?')}, turnover p3 = {m.get('p3', '?')}, turbulence p4 = "
            f"{m.get('p4', '?')}. Each run goes on until equilibrium (or its period limit)."
        )
        if reps is not None:
            lines.append(f"{_plural(float(reps), 'replication')} per point.")
        return lines
    org = s.get("organization") or {}
    if org:
        depts = org.get("departments") or []
        dept_text = (
            f" across {len(depts)} departments ({', '.join(str(d) for d in depts)})"
            if depts
            else ""
        )
        lines.append(
            f"An organization of {org.get('size', '?')} employees in {org.get('levels', '?')} "
            f"levels (span of control {org.get('span_of_control', '?')}){dept_text}."
        )
        cohorts = org.get("cohorts") or {}
        shares = [
            f"{100 * float(c['share']):.0f}% {name.replace('_', ' ')}"
            for name, c in cohorts.items()
            if isinstance(c, Mapping) and "share" in c
        ]
        if shares:
            lines.append(f"Workforce by generation: {', '.join(shares)}.")
        techs = [t for t in org.get("technologies") or [] if isinstance(t, Mapping)]
        if techs:
            tech_text = ", ".join(
                f"{t.get('name')} (from week {t.get('introduced_week', 0)})" for t in techs
            )
            lines.append(f"Technologies to adopt: {tech_text}.")
    if s.get("horizon_weeks") is not None:
        lines.append(f"Simulated for {_plural(float(s['horizon_weeks']), 'week')}.")
    if reps is not None:
        lines.append(
            f"{_plural(float(reps), 'replication')} per arm; replication i of every arm sees "
            "the same organization and the same background random draws (common random "
            "numbers), so arms differ only through their program."
        )
    return lines


__all__ = ["describe_program", "describe_scenario"]

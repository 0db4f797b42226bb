"""The pairs a program would propose today: its first wave, on the organization as it stands.

:func:`first_wave_pairs` runs the program's eligibility, the first wave's size and department
cap, and its pairing policy on the week-0 organization, with every eligible employee taking
part (a voluntary program's opt-in is the people's to give; the list is a proposal to put to
them). Each pair comes with its match score and the weighted terms that make it up
(:func:`sim.program.pairing.score_terms`), read out as reasons.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.program import participation
from sim.program.design import Program
from sim.program.pairing import form_pairs, pair_scores, score_terms

TERMS = ("skill", "attitude", "department", "diversity")
"""The match score's terms, as :func:`sim.program.pairing.score_terms` names them."""


def first_wave_pairs(
    state: Any, program: Program, streams: Any, skill_names: list[str]
) -> pd.DataFrame:
    """The pairs the program's policy forms at its first wave, everyone eligible taking part.

    Args:
        state: The organization's week-0 state.
        program: The program design.
        streams: The run's named random streams (``program.waves`` orders the mentees when a
            wave size or department cap applies; ``program.pairing`` drives random policies).
        skill_names: The skill names, in column order.

    Returns:
        One row per (mentee, mentor) link: ``board``, ``mentee`` and ``mentor`` slots,
        ``score`` (the pair's match score), ``score_<term>`` for each term and ``reasons``.
        Boards are numbered by mentee slot; a group board has one row per mentor.
    """
    mentors = np.flatnonzero(participation.eligible_mentors(state, program))
    volunteers = np.flatnonzero(participation.eligible_mentees(state, program))
    wave = min(program.waves, key=lambda w: w.start_week)
    order = streams["program.waves"].permutation(volunteers.size)
    mentees = participation.cap_mentees(
        volunteers, state.department, program.eligibility.department_cap, wave.size, order
    )
    focus = np.array([skill_names.index(s) for s in program.focus], dtype=np.int64)
    columns = focus if focus.size else state.digital
    pairs = []
    if mentors.size and mentees.size:
        pairs = form_pairs(
            program.pairing,
            state,
            mentors,
            np.sort(mentees),
            capacity=program.mentor_capacity,
            focus=columns,
            weights=program.weights,
            exclude_reporting_lines=program.exclude_reporting_lines,
            rng=streams["program.pairing"],
            group_size=program.group_size if program.format == "group" else None,
        )
    board = np.repeat(np.arange(len(pairs)), [len(m) for _, m in pairs]).astype(np.int64)
    mentee = np.array([e for e, ms in pairs for _ in ms], dtype=np.int64)
    mentor = np.array([m for _, ms in pairs for m in ms], dtype=np.int64)
    terms = score_terms(state, mentor, mentee, columns, program.weights)
    frame = pd.DataFrame({"board": board, "mentee": mentee, "mentor": mentor})
    frame["score"] = pair_scores(state, mentor, mentee, columns, program.weights)
    for term in TERMS:
        frame[f"score_{term}"] = terms[term]
    skills = ", ".join(program.focus) if program.focus else "the digital skills"
    frame["reasons"] = reasons(terms, skills)
    return frame


def reasons(terms: dict[str, np.ndarray], skills: str = "the focus skills") -> list[str]:
    """Each pair's positive score terms in words, largest first: why the pair scores well."""
    words = {
        "skill": f"mentor ahead on {skills}",
        "attitude": "willing mentor, open and unresistant mentee",
        "department": "different departments",
        "diversity": "mentor from an under-represented group",
    }
    values = np.stack([terms[t] for t in TERMS], axis=1) if terms else np.zeros((0, 4))
    out = []
    for row in values:
        ranked = [(v, t) for v, t in sorted(zip(row, TERMS, strict=True), reverse=True) if v > 0]
        out.append("; ".join(f"{words[t]} (+{v:.2f})" for v, t in ranked) or "no positive term")
    return out


__all__ = ["TERMS", "first_wave_pairs", "reasons"]

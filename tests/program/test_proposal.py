"""The pairs a program proposes at its first wave, with their scores and reasons."""

import numpy as np

from sim.core.organization import build_organization
from sim.core.organization_params import Organization
from sim.core.rng import Streams
from sim.program import participation
from sim.program.design import Program
from sim.program.proposal import first_wave_pairs, reasons

ORG = Organization(size=400, levels=4)


def propose(**program):
    state = build_organization(ORG, Streams(2))
    prog = Program.model_validate(program)
    return state, prog, first_wave_pairs(state, prog, Streams(2), ORG.skill_names)


def test_pairs_follow_eligibility_wave_size_and_add_up_their_reasons():
    # reporting lines allowed: with them excluded the CEO, whose line holds everyone, has no
    # possible mentor
    state, prog, frame = propose(
        pairing="optimal", waves=[{"start_week": 3, "size": 12}], exclude_reporting_lines=False
    )
    assert frame["board"].nunique() == 12 and frame["mentee"].is_unique
    assert participation.eligible_mentees(state, prog)[frame["mentee"]].all()
    assert participation.eligible_mentors(state, prog)[frame["mentor"]].all()
    parts = frame[[f"score_{t}" for t in ("skill", "attitude", "department", "diversity")]]
    assert np.allclose(parts.sum(axis=1), frame["score"], rtol=0, atol=1e-12)
    first = frame.iloc[0]
    biggest = parts.iloc[0].idxmax().removeprefix("score_")
    word = {
        "skill": "mentor ahead",
        "attitude": "willing mentor",
        "department": "different",
        "diversity": "under-represented",
    }
    assert first["reasons"].startswith(word[biggest]), first["reasons"]


def test_a_group_format_lists_one_row_per_mentor_of_each_board():
    _, _, frame = propose(
        pairing="influence_first", format="group", group_size=3, waves=[{"size": 4}]
    )
    per_board = frame.groupby("board")["mentor"].nunique()
    # at most the wave's 4 boards (fewer when eligible mentors run out), each of 3 mentors
    assert 2 <= len(per_board) <= 4 and (per_board == 3).all(), per_board.tolist()


def test_reasons_name_only_terms_that_add_to_the_score():
    terms = {
        "skill": np.array([0.0, 0.3]),
        "attitude": np.array([0.0, 0.1]),
        "department": np.array([0.0, 0.25]),
        "diversity": np.zeros(2),
    }
    out = reasons(terms, "genai_tools")
    assert out[0] == "no positive term"
    assert (
        out[1]
        == "mentor ahead on genai_tools (+0.30); different departments (+0.25); willing mentor, open and unresistant mentee (+0.10)"
    )

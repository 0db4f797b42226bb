"""Relationship quality and early dissolution (phase 4), and the ties pairs leave behind.

A board starts at its compatibility, a property of the pair (not of either side alone), so that
who is paired with whom matters:

    compatibility = a * sqrt(willingness * openness * (1 - resistance))
                  + (1 - a) * min(1, gap / teaching_gap_full)      (+ training_bonus)

with ``a = compatibility_attitude_share``. The first term is the attitude fit: the geometric
mean of the mentor's willingness and the mentee's receptiveness (openness times one minus
resistance), so one closed side spoils the pair. The second is the teaching fit: ``gap`` is
the mean positive gap of the board's best mentor over the mentee on the digital skills (the
mentor's credibility, whatever the program's focus): a mentor with little to teach this mentee
makes meetings feel pointless. Both are the terms of the pairing policies' match score
(:func:`sim.program.pairing.match_scores`, whose skill term reads the focus skills of a
focused program), so a policy that scores well pairs well; the form and both parameters are
assumptions. Each meeting held goes well with probability

    g = clip(good_base + good_compatibility * compatibility - good_resistance * m * resistance, 0.02, 0.98)

(``m`` as in :mod:`sim.mechanisms.meetings`). Quality moves toward 1 after a good meeting and
toward 0 after a bad one at ``drift`` per meeting, and falls by ``miss_penalty`` per missed
meeting; a board whose quality falls below ``dissolve_below`` dissolves early (a mismatch).

A board that has met forms a tie between mentee and mentor(s); after the board ends, the tie
survives each week with probability ``tie_persistence`` (pattern 6: cross-generational ties
rise during a program and partly persist after it).
"""

from __future__ import annotations

import numpy as np

from sim.core.params import Params, param


class RelationshipParams(Params):
    """Parameters of relationship quality and dissolution."""

    drift: float = param(
        0.15,
        doc="Move of quality toward 1 (good) or 0 (bad) per meeting",
        ge=0,
        le=1,
        plausible=(0.05, 0.3, "a relationship settles after about 3 to 20 meetings"),
    )
    miss_penalty: float = param(
        0.03,
        doc="Quality lost per missed meeting",
        ge=0,
        le=1,
        plausible=(
            0.01,
            0.06,
            "a missed meeting costs a fraction of what a bad one does",
        ),
    )
    dissolve_below: float = param(
        0.25,
        doc="Quality under which a pair dissolves early",
        ge=0,
        le=1,
        plausible=(
            0.15,
            0.35,
            "pairs give up when the relationship is clearly bad, not merely lukewarm",
        ),
    )
    good_base: float = param(
        0.35,
        doc="Chance a meeting goes well at zero compatibility and resistance",
        ge=0,
        le=1,
        plausible=(
            0.2,
            0.5,
            "without compatibility a meeting goes well a fifth to half of the time",
        ),
    )
    good_compatibility: float = param(
        0.6,
        doc="Rise of that chance per unit of compatibility",
        ge=0,
        le=1,
        plausible=(
            0.4,
            0.8,
            "a fully compatible pair's meetings go well most of the time",
        ),
    )
    good_resistance: float = param(
        0.4,
        doc="Fall of that chance per unit of mentee resistance",
        ge=0,
        le=1,
        plausible=(0.2, 0.6, "full resistance removes a fifth to most of that chance"),
    )
    training_bonus: float = param(
        0.1,
        doc="Compatibility added when mentors were trained",
        ge=0,
        le=1,
        plausible=(
            0.0,
            0.2,
            "mentor training adds nothing to a fifth of full compatibility",
        ),
    )
    compatibility_attitude_share: float = param(
        0.5,
        doc="Share of compatibility from the attitude fit (the rest from the mentor having something to teach this mentee)",
        ge=0,
        le=1,
        plausible=(
            0.3,
            0.7,
            "either side of an even split between getting on and having something to teach",
        ),
    )
    teaching_gap_full: float = param(
        0.3,
        doc="Mean digital gap of the mentor over the mentee at which the teaching fit is full",
        unit="skill (0-1)",
        gt=0,
        le=1,
        plausible=(0.15, 0.5, "a mentor a sixth to half of the skill scale ahead has all to teach"),
    )
    tie_persistence: float = param(
        0.98,
        doc="Weekly survival of a mentoring tie after its pair ends",
        unit="1/week",
        ge=0,
        le=1,
        plausible=(
            0.95,
            0.995,
            "a tie's half-life after its pair ends is about 3 months to 2.6 years",
        ),
    )


def compatibility(
    willingness: np.ndarray,
    openness: np.ndarray,
    resistance: np.ndarray,
    gap: np.ndarray,
    trained: bool,
    params: RelationshipParams,
) -> np.ndarray:
    """Compatibility of boards, in [0, 1] (see the module docstring).

    Args:
        willingness: The mentors' (mean) willingness to mentor.
        openness: The mentee's openness to change.
        resistance: The mentee's resistance to being mentored.
        gap: Mean positive gap of the board's best mentor over the mentee on the digital skills.
        trained: Whether the mentors were trained.
        params: The relationship parameters.
    """
    a = params.compatibility_attitude_share
    attitude = np.sqrt(willingness * openness * (1.0 - resistance))
    teaching = np.minimum(np.asarray(gap) / params.teaching_gap_full, 1.0)
    fit = a * attitude + (1.0 - a) * teaching
    return np.clip(fit + (params.training_bonus if trained else 0.0), 0.0, 1.0)


def teaching_gap(mentor_skills: np.ndarray, mentee_skills: np.ndarray) -> float:
    """Mean over skills of the best mentor's positive gap over the mentee (rows: mentors)."""
    return float(np.maximum(mentor_skills.max(axis=0) - mentee_skills, 0.0).mean())


def good_probability(
    compat: np.ndarray,
    resistance: np.ndarray,
    mandatory_multiplier: float,
    params: RelationshipParams,
) -> np.ndarray:
    """Chance that a meeting goes well."""
    g = (
        params.good_base
        + params.good_compatibility * compat
        - params.good_resistance * mandatory_multiplier * resistance
    )
    return np.clip(g, 0.02, 0.98)


def new_quality(
    quality: np.ndarray,
    good: np.ndarray,
    bad: np.ndarray,
    missed: np.ndarray,
    params: RelationshipParams,
) -> np.ndarray:
    """Quality after this week's good, bad and missed meetings (applied in that order as counts)."""
    q = quality.copy()
    d = params.drift
    # n good meetings in a row move q to 1 - (1 - q)(1 - d)^n; n bad ones to q (1 - d)^n
    q = 1.0 - (1.0 - q) * (1.0 - d) ** good
    q = q * (1.0 - d) ** bad
    return np.clip(q - params.miss_penalty * missed, 0.0, 1.0)


class MentoringTies:
    """Ties formed by pairs: (person a, person b) with an 'alive' flag."""

    def __init__(self) -> None:
        self.a = np.zeros(0, np.int64)
        self.b = np.zeros(0, np.int64)
        self.alive = np.zeros(0, bool)
        self.board = np.zeros(0, np.int64)

    def add(self, a: np.ndarray, b: np.ndarray, board: np.ndarray) -> None:
        """Add ties (one per mentee-mentor link)."""
        self.a = np.concatenate([self.a, a])
        self.b = np.concatenate([self.b, b])
        self.board = np.concatenate([self.board, board])
        self.alive = np.concatenate([self.alive, np.ones(len(a), bool)])

    def decay(self, board_active: np.ndarray, draws: np.ndarray, persistence: float) -> None:
        """Ties of ended boards survive with ``persistence``; ``draws`` has one per tie."""
        ended = ~board_active[self.board]
        self.alive &= ~(ended & (draws >= persistence))

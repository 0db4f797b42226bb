"""Relationship quality and early dissolution (phase 4), and the ties pairs leave behind.

A board starts at its compatibility, ``(mentor willingness + mentee openness + 1 - mentee
resistance) / 3`` (plus ``training_bonus`` when mentors were trained). Each meeting held goes
well with probability

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
    trained: bool,
    params: RelationshipParams,
) -> np.ndarray:
    """Attitude compatibility of boards, in [0, 1]."""
    base = (willingness + openness + (1.0 - resistance)) / 3.0
    return np.clip(base + (params.training_bonus if trained else 0.0), 0.0, 1.0)


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

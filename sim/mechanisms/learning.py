"""Two-way learning at meetings (phase 3).

For a board that held ``n`` meetings this week, the mentee's digital skills move toward the
board's best mentor on each digital skill:

    delta = rate_digital * n * max(0, mentor - mentee) * absorptive * quality * (1 - resistance) * w

with absorptive capacity ``absorptive_base + (1 - absorptive_base) * mentee's mean digital
skill`` (Cohen & Levinthal's idea that prior knowledge eases learning; the form is an
assumption) and ``w`` the skill's share of the meeting's time, relative to an even spread.

Focus is a trade-off, not a bonus. A meeting's time is spread over the skills it covers, and
the weights of the D digital skills add up to D whatever the program:

* unfocused: every digital skill gets ``w = 1`` (the hours spread evenly);
* focused on F of the digital skills: a share ``s = focus_share`` of the time goes to them and
  the rest to the other D - F, so ``w = focus_gain * s * D / F`` on a focus skill and
  ``w = (1 - s) * D / (D - F)`` on the others (the neglect).

``focus_gain`` is how much more (above 1) or less (below 1) an hour teaches when it dwells on
few skills; at 1 a focused program gains on its focus skills only what it takes from the rest,
and with ``s = F / D`` it is the unfocused program. Each mentor's
experience skills move toward the mentee's at ``rate_experience``, and the mentor's leadership
grows by ``rate_leadership * n * quality * (1 - leadership)`` (times ``training_gain`` when
mentors were trained). Moves never overshoot their target, so skills stay in [0, 1].
"""

from __future__ import annotations

import numpy as np

from sim.core.params import Params, param


class LearningParams(Params):
    """Parameters of learning at meetings."""

    rate_digital: float = param(
        0.06,
        doc="Share of the mentee's digital gap closed per meeting at full quality",
        unit="1/meeting",
        ge=0,
        le=1,
        plausible=(
            0.02,
            0.12,
            "over 12 good meetings a mentee closes a fifth to four fifths of the gap",
        ),
    )
    rate_experience: float = param(
        0.03,
        doc="Share of the mentor's experience gap closed per meeting at full quality",
        unit="1/meeting",
        ge=0,
        le=1,
        plausible=(
            0.01,
            0.06,
            "reverse learning is slower than the main direction, at most as fast",
        ),
    )
    rate_leadership: float = param(
        0.01,
        doc="Share of the mentor's missing leadership gained per meeting at full quality",
        unit="1/meeting",
        ge=0,
        le=1,
        plausible=(
            0.003,
            0.03,
            "mentors gain a few points of leadership over a pairing, at most a third of what is missing",
        ),
    )
    focus_share: float = param(
        0.75,
        doc="Share of a focused program's meeting time spent on its focus skills (the rest goes to the other digital skills)",
        ge=0,
        le=1,
        plausible=(0.5, 0.9, "from half of the time on the focus skills to nearly all of it"),
    )
    focus_gain: float = param(
        1.0,
        doc="Learning per hour on focus skills relative to the same hours spread evenly (above 1: depth helps; below 1: it costs)",
        ge=0,
        le=5,
        plausible=(
            0.7,
            1.5,
            "depth on a few skills may cost a little per hour (switching less) or help a little",
        ),
    )
    absorptive_base: float = param(
        0.5,
        doc="Absorptive capacity of a mentee with no digital skill",
        ge=0,
        le=1,
        plausible=(
            0.25,
            0.75,
            "a mentee with no digital skill absorbs a quarter to three quarters of what a skilled one does",
        ),
    )
    training_gain: float = param(
        1.25,
        doc="Multiplier on mentors' leadership growth and pair learning when mentors were trained",
        ge=1,
        le=5,
        plausible=(1.0, 1.5, "trained mentors do no better to half as well again"),
    )


def skill_weights(
    n_skills: int, digital: np.ndarray, focus: np.ndarray, params: LearningParams
) -> np.ndarray:
    """Per-skill learning weight for the mentee (see the module docstring); 0 on experience.

    Focus skills of the experience kind do not count here (mentees learn digital skills).
    """
    w = np.zeros(n_skills)
    w[digital] = 1.0
    focused = np.intersect1d(focus, digital)
    d, f = digital.size, focused.size
    if f == 0:
        return w
    share = params.focus_share if f < d else 1.0
    w[digital] = (1.0 - share) * d / (d - f) if f < d else 0.0
    w[focused] = params.focus_gain * share * d / f
    return w


def mentee_delta(
    skills: np.ndarray,
    target: np.ndarray,
    meetings: np.ndarray,
    quality: np.ndarray,
    resistance: np.ndarray,
    weights: np.ndarray,
    digital: np.ndarray,
    params: LearningParams,
) -> np.ndarray:
    """Mentees' skill change (rows: boards), never past the target."""
    absorptive = params.absorptive_base + (1 - params.absorptive_base) * skills[:, digital].mean(
        axis=1
    )
    scale = params.rate_digital * meetings * absorptive * quality * (1 - resistance)
    gap = np.maximum(target - skills, 0.0)
    return gap * np.minimum(scale[:, None] * weights[None, :], 1.0)


def mentor_delta(
    skills: np.ndarray,
    mentee_skills: np.ndarray,
    meetings: np.ndarray,
    quality: np.ndarray,
    experience: np.ndarray,
    leadership: int | None,
    gain: float,
    params: LearningParams,
) -> np.ndarray:
    """Mentors' skill change (rows: links): experience toward the mentee, and leadership."""
    delta = np.zeros_like(skills)
    scale = np.minimum(params.rate_experience * meetings * quality * gain, 1.0)
    delta[:, experience] = (
        np.maximum(mentee_skills[:, experience] - skills[:, experience], 0.0) * scale[:, None]
    )
    if leadership is not None:
        grow = np.minimum(params.rate_leadership * meetings * quality * gain, 1.0)
        delta[:, leadership] = np.maximum(
            delta[:, leadership], grow * (1.0 - skills[:, leadership])
        )
    return delta

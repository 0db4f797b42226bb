"""Attitudes (phase 5): resistance to being mentored and openness to change.

* After meetings: each good meeting lowers a mentee's resistance by ``good_drop`` of what is
  left and raises openness by ``openness_gain`` of what is missing; each bad meeting raises
  resistance by ``bad_rise`` of the room left.
* Peer influence: each week a senior's resistance moves toward the mean resistance of the
  seniors among their network neighbours at ``peer_influence`` (seniors see their peers'
  results) — in every arm, so it is part of the background.
* Sponsorship: while a program runs, every senior's resistance falls by
  ``sponsorship_rate * sponsorship`` of its value per week.
* Mandatory participation: a mentee enrolled without choosing it gains ``mandatory_reactance *
  (1 - openness)`` of the room left in resistance when paired.
"""

from __future__ import annotations

import numpy as np

from sim.core.params import Params, param
from sim.mechanisms.peer_learning import neighbour_mean


class AttitudeParams(Params):
    """Parameters of attitude change."""

    good_drop: float = param(
        0.08, doc="Share of a mentee's resistance lost per good meeting", ge=0, le=1
    )
    bad_rise: float = param(
        0.06, doc="Share of the room left in resistance gained per bad meeting", ge=0, le=1
    )
    openness_gain: float = param(
        0.03, doc="Share of missing openness gained per good meeting", ge=0, le=1
    )
    peer_influence: float = param(
        0.02,
        doc="Weekly move of a senior's resistance toward senior neighbours' mean",
        unit="1/week",
        ge=0,
        le=1,
    )
    sponsorship_rate: float = param(
        0.004,
        doc="Weekly fall of seniors' resistance at full sponsorship while a program runs",
        unit="1/week",
        ge=0,
        le=1,
    )
    mandatory_reactance: float = param(
        0.3, doc="Resistance gained by a closed-minded mentee enrolled by mandate", ge=0, le=1
    )


def after_meetings(
    resistance: np.ndarray,
    openness: np.ndarray,
    good: np.ndarray,
    bad: np.ndarray,
    params: AttitudeParams,
):
    """New (resistance, openness) of mentees after good and bad meeting counts."""
    r = resistance * (1.0 - params.good_drop) ** good
    r = r + (1.0 - r) * (1.0 - (1.0 - params.bad_rise) ** bad)
    o = openness + (1.0 - openness) * (1.0 - (1.0 - params.openness_gain) ** good)
    return np.clip(r, 0.0, 1.0), np.clip(o, 0.0, 1.0)


def peer_target(
    network,
    alive: np.ndarray,
    senior: np.ndarray,
    resistance: np.ndarray,
    count: np.ndarray | None = None,
) -> np.ndarray:
    """Mean resistance of each employee's senior neighbours (own value where none).

    ``count`` is each slot's number of current senior neighbours, when already known.
    """
    return neighbour_mean(network, alive & senior, resistance, count)


def senior_resistance(resistance, peer_mean, params: AttitudeParams, sponsorship: float):
    """A senior's new resistance: toward the senior peers' mean, then lowered by sponsorship.

    Works on one senior (scalars) or on many (arrays).
    """
    new = resistance + params.peer_influence * (peer_mean - resistance)
    if sponsorship > 0:
        new = new * (1.0 - params.sponsorship_rate * sponsorship)
    return np.clip(new, 0.0, 1.0)


def apply_background(
    state, params: AttitudeParams, sponsorship: float, senior_count: np.ndarray | None = None
) -> None:
    """Peer influence among seniors and, while a program runs, sponsorship (every senior).

    ``senior_count`` is each slot's number of current senior neighbours, when already known.
    """
    if params.peer_influence == 0 and sponsorship == 0:
        return
    res = state.attitudes[:, 0]
    seniors = state.alive & state.senior
    target = (
        peer_target(state.network, state.alive, state.senior, res, senior_count)
        if params.peer_influence > 0
        else res
    )
    state.attitudes[:, 0] = np.where(
        seniors, senior_resistance(res, target, params, sponsorship), res
    )


def reactance(resistance: np.ndarray, openness: np.ndarray, params: AttitudeParams) -> np.ndarray:
    """Resistance of mandated mentees after enrolment."""
    return resistance + params.mandatory_reactance * (1.0 - openness) * (1.0 - resistance)

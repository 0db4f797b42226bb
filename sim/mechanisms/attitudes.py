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

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from sim.core.params import Params, param
from sim.core.phase import Mechanism, Who, World
from sim.core.state import RESISTANCE


class AttitudeParams(Params):
    """Parameters of attitude change."""

    good_drop: float = param(
        0.08,
        doc="Share of a mentee's resistance lost per good meeting",
        ge=0,
        le=1,
        plausible=(
            0.03,
            0.15,
            "a dozen good meetings remove a third to most of a mentee's resistance",
        ),
    )
    bad_rise: float = param(
        0.06,
        doc="Share of the room left in resistance gained per bad meeting",
        ge=0,
        le=1,
        plausible=(
            0.02,
            0.12,
            "a bad meeting hardens attitudes somewhat less to somewhat more than a good one softens them",
        ),
    )
    openness_gain: float = param(
        0.03,
        doc="Share of missing openness gained per good meeting",
        ge=0,
        le=1,
        plausible=(0.01, 0.06, "openness changes more slowly than resistance"),
    )
    peer_influence: float = param(
        0.02,
        doc="Weekly move of a senior's resistance toward senior neighbours' mean",
        unit="1/week",
        ge=0,
        le=1,
        plausible=(
            0.005,
            0.05,
            "seniors move toward their peers' view over months to years",
        ),
    )
    sponsorship_rate: float = param(
        0.004,
        doc="Weekly fall of seniors' resistance at full sponsorship while a program runs",
        unit="1/week",
        ge=0,
        le=1,
        plausible=(
            0.001,
            0.01,
            "full sponsorship lowers resistance by a few to forty points over a year",
        ),
    )
    mandatory_reactance: float = param(
        0.3,
        doc="Resistance gained by a closed-minded mentee enrolled by mandate",
        ge=0,
        le=1,
        plausible=(
            0.1,
            0.5,
            "a mandate raises a closed-minded mentee's resistance by a tenth to a half of the room left",
        ),
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


def senior_resistance(resistance, peer_mean, params: AttitudeParams, sponsorship: float):
    """A senior's new resistance: toward the senior peers' mean, then lowered by sponsorship.

    Works on one senior (scalars) or on many (arrays).
    """
    new = resistance + params.peer_influence * (peer_mean - resistance)
    if sponsorship > 0:
        new = new * (1.0 - params.sponsorship_rate * sponsorship)
    return np.clip(new, 0.0, 1.0)


@dataclass
class SeniorAttitudeInputs:
    """The phase snapshot of senior peer influence and sponsorship."""

    resistance: np.ndarray
    """Resistance as the phase starts."""
    peer_mean: np.ndarray
    """Mean resistance of each slot's current senior neighbours (own value where none)."""
    seniors: np.ndarray
    """Current seniors (the only ones who change)."""
    sponsorship: float
    """Sponsorship of the program running this week (0 without one)."""


class SeniorAttitudes(Mechanism):
    """Phase 5b: peer influence among seniors and, while a program runs, sponsorship."""

    name: ClassVar[str] = "attitudes"
    reads = ("alive", "senior", "attitudes")
    writes = ("attitudes",)
    params_type = AttitudeParams
    params: AttitudeParams

    def prepare(self, world: World) -> SeniorAttitudeInputs | None:
        """Senior neighbours' mean resistance for everyone (None when nothing can move)."""
        program = world.program
        sponsorship = program.sponsorship_now() if program is not None else 0.0
        if self.params.peer_influence == 0 and sponsorship == 0:
            return None
        st = world.state
        res = st.attitudes[:, RESISTANCE].copy()
        seniors = st.alive & st.senior
        peer = res
        if self.params.peer_influence > 0:
            masked = res.astype(np.float32)
            masked *= seniors.astype(np.float32)
            count = world.neighbour_counts().seniors
            total = world.neighbour_sums(masked) / np.maximum(count, 1)
            peer = np.where(count > 0, total, res)
        return SeniorAttitudeInputs(res, peer, seniors, sponsorship)

    def rule(self, inputs: SeniorAttitudeInputs | None, who: Who, draws: np.ndarray) -> dict:
        """``{"resistance": ...}``: seniors' new resistance, everyone else's unchanged."""
        if inputs is None:
            return {}
        res = inputs.resistance[who]
        new = senior_resistance(res, inputs.peer_mean[who], self.params, inputs.sponsorship)
        return {"resistance": np.where(inputs.seniors[who], new, res)}

    def write(self, world: World, inputs, who: Who, changes: dict) -> None:
        """Write the new resistance."""
        if changes:
            world.state.attitudes[who, RESISTANCE] = changes["resistance"]


def reactance(resistance: np.ndarray, openness: np.ndarray, params: AttitudeParams) -> np.ndarray:
    """Resistance of mandated mentees after enrolment."""
    return resistance + params.mandatory_reactance * (1.0 - openness) * (1.0 - resistance)

"""What headline results rest on, in one sentence a reader of results sees (the report).

The program's effect on adoption goes mostly through the mentoring term of the adoption hazard,
an assumption no published evaluation measures (:mod:`sim.mechanisms.adoption`); the money
figures of ROI are assumptions too (:mod:`sim.mechanisms.economics`). :func:`assumptions_line`
states both with the values of the scenario at hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.mechanisms.adoption import AdoptionParams, uptake_from_mentoring
from sim.mechanisms.economics import EconomicsParams


def assumptions_line(scenario: Mapping[str, Any]) -> str:
    """The assumptions line for a resolved scenario (plain data, as in a results manifest)."""
    dynamics = scenario.get("dynamics") or {}
    mentoring = float((dynamics.get("adoption") or {}).get("mentoring", AdoptionParams().mentoring))
    price = float(
        (dynamics.get("economics") or {}).get(
            "value_per_skill_unit", EconomicsParams().value_per_skill_unit
        )
    )
    uptake = uptake_from_mentoring(mentoring)
    return (
        "A program's effect on adoption rests mostly on an assumed mentoring effect "
        f"(adoption.mentoring = {mentoring:.2f} a year: {uptake:.0%} of the mentees whose mentor "
        "has adopted would adopt through the mentoring alone during a six-month, twice-monthly "
        "program); no published evaluation measures it. ROI values each unit of needed skill "
        f"transferred at {price:,.0f} (an assumed cost of teaching it otherwise), and every "
        "money figure is an assumption (docs/ODD.md)."
    )


__all__ = ["assumptions_line"]

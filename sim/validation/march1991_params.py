"""Parameters of the March (1991) model, apart from the model so scenarios load quickly."""

from __future__ import annotations

from sim.core.params import Params, param

SOURCE = "March (1991)"
PERIOD_LIMIT = 100
"""Default period limit with turnover or turbulence."""
SAFETY_LIMIT = 10_000
"""Default period limit without turnover and turbulence, where the run ends at equilibrium."""


class MarchParams(Params):
    """Parameters of March's (1991) model of mutual learning."""

    m: int = param(
        30,
        doc="Dimensions of reality (and of every belief vector and of the code).",
        unit="dimensions",
        ge=1,
        le=100_000,
        source=SOURCE,
    )
    n: int = param(
        50,
        doc="Individuals in the organization.",
        unit="individuals",
        ge=1,
        le=100_000,
        source=SOURCE,
    )
    p1: float = param(
        0.1,
        doc="Socialization rate: chance per period that a belief differing from a non-zero code "
        "moves one step toward it.",
        unit="1/period",
        ge=0.0,
        le=1.0,
        source=SOURCE,
    )
    p2: float = param(
        0.5,
        doc="Code learning rate: the code adopts a superior group's majority action with "
        "probability 1 - (1 - p2)^k, k the majority's margin.",
        unit="1/period",
        ge=0.0,
        le=1.0,
        source=SOURCE,
    )
    p3: float = param(
        0.0,
        doc="Turnover: chance per period that an individual is replaced by one with fresh "
        "random beliefs.",
        unit="1/period",
        ge=0.0,
        le=1.0,
        source=SOURCE,
    )
    p4: float = param(
        0.0,
        doc="Turbulence: chance per period that a dimension of reality flips sign.",
        unit="1/period",
        ge=0.0,
        le=1.0,
        source=SOURCE,
    )
    max_periods: int | None = param(
        None,
        doc="Period limit; null means 100 with turnover or turbulence, else a 10,000-period "
        "safety limit (the run normally ends at equilibrium first).",
        unit="periods",
        ge=0,
        le=10_000_000,
        source=SOURCE,
    )

    @property
    def closed(self) -> bool:
        """True without turnover and turbulence (p3 = p4 = 0): the runs end at equilibrium."""
        return self.p3 == 0.0 and self.p4 == 0.0

    @property
    def period_limit(self) -> int:
        """The period limit in force: ``max_periods``, or its default for this setting."""
        if self.max_periods is not None:
            return self.max_periods
        return SAFETY_LIMIT if self.closed else PERIOD_LIMIT

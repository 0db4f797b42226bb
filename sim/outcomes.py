"""Outcomes: stable names, units and one-line meanings, measured every week into arrays.

Names are part of the interface. Names with a bracket are families, one column per member:
``adoption[technology]`` gives ``adoption[genai_assistant]`` and so on; ``{level}`` is a level
number. Weekly outcomes are recorded for weeks 0..horizon into a preallocated array; run
outcomes are the final week's values plus the run-only outcomes below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.organization_params import COHORTS

if TYPE_CHECKING:
    from sim.model import ReverseMentoringModel


@dataclass(frozen=True)
class Outcome:
    """One outcome (or family of outcomes).

    Attributes:
        name: Stable name; ``[technology]`` or ``{level}`` mark a family.
        unit: Unit of the value.
        doc: One line saying what it measures.
        weekly: Recorded every week (else only per run).
    """

    name: str
    unit: str
    doc: str
    weekly: bool = True


CATALOG: tuple[Outcome, ...] = (
    Outcome("headcount", "employees", "Current employees"),
    Outcome(
        "adoption", "share", "Adopted share of employees, mean over technologies introduced so far"
    ),
    Outcome(
        "adoption_seniors",
        "share",
        "Adopted share among seniors, mean over introduced technologies",
    ),
    Outcome(
        "adoption_juniors",
        "share",
        "Adopted share among juniors, mean over introduced technologies",
    ),
    Outcome("adoption[technology]", "share", "Adopted share of employees, per technology"),
    Outcome("adoption_seniors[technology]", "share", "Adopted share among seniors, per technology"),
    Outcome("adoption_juniors[technology]", "share", "Adopted share among juniors, per technology"),
    Outcome(
        "adoption_level{level}[technology]", "share", "Adopted share at a level, per technology"
    ),
    Outcome("digital_skill_juniors", "skill (0-1)", "Mean digital skill of juniors"),
    Outcome("digital_skill_seniors", "skill (0-1)", "Mean digital skill of seniors"),
    Outcome("digital_skill_gap", "skill (0-1)", "Juniors' minus seniors' mean digital skill"),
    Outcome("experience_skill_juniors", "skill (0-1)", "Mean experience skill of juniors"),
    Outcome("cross_generation_ties", "share", "Share of informal ties between different cohorts"),
    Outcome(
        "cross_group_ties",
        "share",
        "Share of ties between an under-represented and another employee",
    ),
    Outcome(
        "ei_index_generation",
        "index (-1..1)",
        "Krackhardt E-I index of ties by cohort: (external - internal) / all",
    ),
    Outcome(
        "mean_resistance", "attitude (0-1)", "Mean resistance to being mentored, all employees"
    ),
    Outcome(
        "mean_resistance_seniors", "attitude (0-1)", "Mean resistance to being mentored, seniors"
    ),
    Outcome("mean_engagement", "engagement (0-1)", "Mean engagement"),
    Outcome(
        "weeks_to_half_seniors[technology]",
        "weeks",
        "Weeks from introduction until half the seniors adopted (horizon + 1 when never)",
        weekly=False,
    ),
)


def expand(name: str, technologies: list[str], levels: int) -> list[str]:
    """Expand a family name into its column names."""
    names = [name]
    if "{level}" in name:
        names = [n.replace("{level}", str(lv)) for n in names for lv in range(levels)]
    if "[technology]" in name:
        names = [n.replace("[technology]", f"[{t}]") for n in names for t in technologies]
    return names


def columns(technologies: list[str], levels: int, weekly: bool = True) -> list[str]:
    """All column names of the weekly (or run-only) outcomes for a scenario's shape."""
    return [c for o in CATALOG if o.weekly == weekly for c in expand(o.name, technologies, levels)]


def _share(mask_rows: np.ndarray, adopted: np.ndarray) -> np.ndarray:
    count = mask_rows.sum()
    if count == 0:
        return np.zeros(adopted.shape[1])
    return adopted[mask_rows].mean(axis=0)


class TieIndex:
    """Each informal tie once (upper triangle), for tie-based outcomes."""

    def __init__(self, network) -> None:
        coo = network.tocoo()
        upper = coo.row < coo.col
        self.a = coo.row[upper]
        self.b = coo.col[upper]

    def measure(
        self, alive: np.ndarray, cohort: np.ndarray, group: np.ndarray
    ) -> tuple[float, float, float]:
        """Return (cross-generation share, cross-group share, E-I index by cohort)."""
        live = alive[self.a] & alive[self.b]
        a, b = self.a[live], self.b[live]
        if a.size == 0:
            return 0.0, 0.0, 0.0
        external = (cohort[a] != cohort[b]).mean()
        cross_group = (group[a] != group[b]).mean()
        return float(external), float(cross_group), float(2.0 * external - 1.0)


def measure(model: ReverseMentoringModel) -> dict[str, float]:
    """Measure every weekly outcome of the model's current state."""
    st = model.state
    alive = st.alive
    seniors, juniors = alive & st.senior, alive & ~st.senior
    introduced = model.introduced_weeks <= model.week
    techs = model.technology_names
    out: dict[str, float] = {"headcount": float(alive.sum())}
    shares = {
        "": _share(alive, st.adopted),
        "_seniors": _share(seniors, st.adopted),
        "_juniors": _share(juniors, st.adopted),
    }
    for suffix, share in shares.items():
        out[f"adoption{suffix}"] = float(share[introduced].mean()) if introduced.any() else 0.0
    for suffix, share in shares.items():
        for t, name in enumerate(techs):
            out[f"adoption{suffix}[{name}]"] = float(share[t])
    for lv in range(model.config.organization.levels):
        share = _share(alive & (st.level == lv), st.adopted)
        for t, name in enumerate(techs):
            out[f"adoption_level{lv}[{name}]"] = float(share[t])
    digital = st.digital_skill()
    dj = float(digital[juniors].mean()) if juniors.any() else 0.0
    ds = float(digital[seniors].mean()) if seniors.any() else 0.0
    out["digital_skill_juniors"], out["digital_skill_seniors"], out["digital_skill_gap"] = (
        dj,
        ds,
        dj - ds,
    )
    experience = (
        st.skills[:, st.experience].mean(axis=1) if st.experience.size else np.zeros(st.size)
    )
    out["experience_skill_juniors"] = float(experience[juniors].mean()) if juniors.any() else 0.0
    cross_gen, cross_group, ei = model.ties.measure(alive, st.cohort, st.underrepresented)
    out["cross_generation_ties"], out["cross_group_ties"], out["ei_index_generation"] = (
        cross_gen,
        cross_group,
        ei,
    )
    resistance = st.attitudes[:, 0]
    out["mean_resistance"] = float(resistance[alive].mean())
    out["mean_resistance_seniors"] = float(resistance[seniors].mean()) if seniors.any() else 0.0
    out["mean_engagement"] = float(st.engagement[alive].mean())
    return out


def run_outcomes(
    model: ReverseMentoringModel, weekly: np.ndarray, names: list[str]
) -> dict[str, float]:
    """Outcomes measured once per run, from the weekly record."""
    out: dict[str, float] = {}
    horizon = model.week
    for t, tech in enumerate(model.technology_names):
        col = weekly[: horizon + 1, names.index(f"adoption_seniors[{tech}]")]
        start = int(model.introduced_weeks[t])
        reached = np.flatnonzero(col[start:] >= 0.5)
        weeks = float(reached[0]) if reached.size else float(horizon - start + 1)
        out[f"weeks_to_half_seniors[{tech}]"] = weeks
    return out


__all__ = ["CATALOG", "COHORTS", "Outcome", "columns", "expand", "measure", "run_outcomes"]

"""The Mesa model: one step is one week; the step order is written once, in :meth:`step`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim import outcomes
from sim.agents import Employee, JuniorEmployee, SeniorEmployee
from sim.mechanisms import adoption, peer_learning
from sim.organization import build_organization
from sim.rng import Streams, replication_seed
from sim.scenario import Scenario, load_scenario


class ReverseMentoringModel(mesa.Model):
    """An organization running one program arm, stepped week by week.

    Args:
        scenario: A validated :class:`~sim.scenario.Scenario`, a mapping, a YAML path, or None
            for the defaults.
        arm: Name of the arm to run (default: the baseline arm).
        rng: An integer seed or a ``numpy.random.Generator``; by default the seed of
            replication 0 of the scenario. Every random draw comes from named streams
            spawned from it.

    Attributes:
        config: The validated scenario (Mesa 3.5 reserves ``scenario``).
        state: The organization's state arrays (:class:`~sim.state.State`).
        week: Weeks simulated so far.
        streams: The named random streams of this run.
    """

    def __init__(
        self,
        scenario: Scenario | dict[str, Any] | str | Path | None = None,
        arm: str | None = None,
        *,
        rng: int | np.random.Generator | None = None,
    ) -> None:
        self.config = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.arm = self.config.arm(arm or self.config.baseline)
        if rng is None:
            seed = replication_seed(self.config.seed, 0)
        elif isinstance(rng, np.random.Generator):
            seed = int(rng.integers(0, 2**63 - 1))
        else:
            seed = int(rng)
        super().__init__(rng=seed)
        self.seed = seed
        self.streams = Streams(seed)
        org = self.config.organization
        self.technology_names = [t.name for t in org.technologies]
        self.introduced_weeks = np.array(
            [t.introduced_week for t in org.technologies], dtype=np.int64
        )
        self.state = build_organization(org, self.streams)
        self.ties = outcomes.TieIndex(self.state.network)
        self._agents_by_slot: list[Employee | None] = [None] * self.state.size
        for slot in range(self.state.size):
            self._place_agent(slot)
        self._columns = outcomes.columns(self.technology_names, org.levels)
        self._record = np.full((self.config.horizon_weeks + 1, len(self._columns)), np.nan)
        self._record_week()

    # ------------------------------------------------------------------ agents

    def _place_agent(self, slot: int) -> Employee:
        cls = SeniorEmployee if self.state.senior[slot] else JuniorEmployee
        agent = cls(self, slot)
        self._agents_by_slot[slot] = agent
        return agent

    def agent_at(self, slot: int) -> Employee:
        """Return the agent that views ``slot``."""
        agent = self._agents_by_slot[slot]
        if agent is None:
            raise KeyError(f"slot {slot} holds no employee")
        return agent

    @property
    def week(self) -> int:
        """Weeks simulated so far (Mesa's step counter)."""
        return int(self.steps)

    # ------------------------------------------------------------------ the weekly step

    def step(self) -> None:
        """Advance the organization by one week.

        The phases run in this order; each reads the state as its phase starts and applies
        all of its changes at once, so the result never depends on agent order.
        """
        week = self.week
        st, dyn = self.state, self.config.dynamics
        # 6. informal exchange: weak peer learning along the social network (the background)
        peer_learning.apply(st, dyn.peer_learning)
        # 7. digital adoption per technology: innovation, imitation, top-down push
        adoption.apply(st, dyn.adoption, week, self.introduced_weeks, self.streams["adoption"])
        # 11. record the week's outcomes
        self._record_week()

    def _record_week(self) -> None:
        if self.week >= self._record.shape[0]:
            extra = np.full((self._record.shape[0], self._record.shape[1]), np.nan)
            self._record = np.vstack([self._record, extra])
        values = outcomes.measure(self)
        self._record[self.week] = [values[c] for c in self._columns]

    def run(self, weeks: int | None = None) -> ReverseMentoringModel:
        """Step ``weeks`` times (default: up to the scenario's horizon) and return the model."""
        target = self.config.horizon_weeks if weeks is None else self.week + weeks
        while self.week < target:
            self.step()
        return self

    # ------------------------------------------------------------------ results

    def timeseries(self) -> pd.DataFrame:
        """Weekly outcomes so far: one row per week (0 = the starting state)."""
        frame = pd.DataFrame(self._record[: self.week + 1], columns=self._columns)
        frame.insert(0, "week", np.arange(self.week + 1, dtype=np.int64))
        return frame

    def final_outcomes(self) -> dict[str, float]:
        """Outcomes of the run so far: the last week's values plus the run-only outcomes."""
        values = dict(zip(self._columns, self._record[self.week].tolist(), strict=True))
        values.update(outcomes.run_outcomes(self, self._record, self._columns))
        return values

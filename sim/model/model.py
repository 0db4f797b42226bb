"""The Mesa model: one step is one week; the step order is written once, in :meth:`step`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim.core.organization_params import COHORTS
from sim.core.people import People
from sim.core.phase import FunctionPhase, Mechanism, Phase, Tally
from sim.core.rng import Streams, replication_seed
from sim.core.workforce import build_workforce
from sim.kernels import Counts, NeighbourCounts, NeighbourSums
from sim.mechanisms import (
    adoption,
    attitudes,
    careers,
    innovation,
    peer_learning,
    retention,
    staffing,
)
from sim.model import outcomes
from sim.model.agents import Employee, JuniorEmployee, SeniorEmployee
from sim.model.scenario import Scenario, load_scenario
from sim.program.run import ProgramPhase, ProgramRun


class ReverseMentoringModel(mesa.Model):
    """An organization running one program arm, stepped week by week.

    Args:
        scenario: A validated :class:`~sim.model.scenario.Scenario`, a mapping, a YAML path, or None
            for the defaults.
        arm: Name of the arm to run (default: the baseline arm).
        rng: An integer seed or a ``numpy.random.Generator``; by default the seed of
            replication 0 of the scenario. Every random draw comes from named streams
            spawned from it.

    Attributes:
        config: The validated scenario (Mesa 3.5 reserves ``scenario``).
        state: The organization's state arrays (:class:`~sim.core.state.State`).
        people: Per-person records (retention and participation).
        program: The running program (:class:`~sim.program.run.ProgramRun`), or None.
        tally: Running totals (ideas, leavers, hires, costs).
        streams: The named random streams of this run.
        workforce: The built organization: employee ids and hiring pool of a roster.
        phases: The weekly step, in order (see :meth:`_weekly_phases`).
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
        self.workforce = build_workforce(org, self.streams)  # synthetic, or from a roster
        self.state = self.workforce.state
        self.people = People(self.state.cohort)
        self.tally = Tally()
        self._counts = NeighbourCounts(self.state.network, len(COHORTS))
        self.neighbour_sums = NeighbourSums(self.state.network, self.state.ring_half)
        self.program = ProgramRun(self, self.arm.program) if self.arm.program is not None else None
        self._agents_by_slot: list[Employee | None] = [None] * self.state.size
        self._stale_slots: set[int] = set()  # slots whose agent is redone on next access
        for slot in range(self.state.size):
            self._place_agent(slot)
        self.engine = self.config.engine
        self.gain = np.zeros(self.state.size)
        self.now = 0  # weeks elapsed before the week being simulated (set by each step)
        self.phases: list[Phase] = self._weekly_phases()
        self._columns = outcomes.columns(self.technology_names, org.levels)
        self._record = np.full((self.config.horizon_weeks + 1, len(self._columns)), np.nan)
        self._record_week()

    def _weekly_phases(self) -> list[Phase]:
        """The weekly step: its phases in order, one position each (docs/ODD.md, section 3)."""
        dyn, org, st = self.config.dynamics, self.config.organization, self.state
        engagement = retention.reference_engagement(
            st.cohort,
            st.engagement,
            dyn.retention.engagement_effect,
            np.array([c.engagement_mean for c in org.cohorts.ordered()]),
        )
        lead_reference = careers.reference_leadership(
            staffing.leadership(self), st.level, st.alive, org.levels, dyn.careers.leadership_effect
        )
        return [
            # 1. program calendar: pairs at their planned end complete; at a wave's start the
            #    eligible opt in and the pairing policy forms pairs; dissolved pairs re-pair
            ProgramPhase("calendar", ProgramRun.calendar),
            # 2. meetings: each active pair holds some of its planned meetings (attendance)
            ProgramPhase("meetings", ProgramRun.meet),
            # 3. two-way learning at the meetings held
            ProgramPhase("learning", ProgramRun.learn),
            # 4. relationship quality moves with how meetings went; mismatches dissolve
            ProgramPhase("relationship", ProgramRun.relate),
            # 5a. mentees' resistance and openness after their meetings
            ProgramPhase("mentee_attitudes", ProgramRun.change_attitudes),
            # 5b. seniors' resistance follows senior peers, and sponsorship while a program runs
            attitudes.SeniorAttitudes(dyn.attitudes),
            # 6. informal exchange: weak peer learning along the social network (the background)
            peer_learning.PeerLearning(dyn.peer_learning),
            # 7. digital adoption: innovation, imitation, top-down push, mentoring exposure
            adoption.Adoption(dyn.adoption, self.introduced_weeks),
            # 8. innovation: ideas from interactions and meetings, implemented by senior sponsors
            innovation.Innovation(dyn.innovation, org.levels, st.network),
            # 9. engagement drifts; employees retire (a hazard of age) or quit (engagement-
            #    scaled hazard); age advances; leavers free their positions
            retention.Retention(
                dyn.retention, engagement, org.retirement_age, org.retirement_spread
            ),
            # 10a. careers: ready employees are promoted in grade (leadership and time in
            #      grade); seniority follows tenure where the rule reads it
            careers.Careers(dyn.careers, lead_reference, staffing.leadership),
            # 10b. ready vacancies are filled by promotion (leadership pays off) or by new hires
            staffing.Staffing(dyn.staffing),
            # then the phases added with add_phase; 11. the week's outcomes are recorded
        ]

    # ------------------------------------------------------------------ agents

    def _place_agent(self, slot: int) -> Employee:
        old = self._agents_by_slot[slot]
        if old is not None:
            old.remove()
        cls = SeniorEmployee if self.state.senior[slot] else JuniorEmployee
        agent = cls(self, slot)
        self._agents_by_slot[slot] = agent
        return agent

    def _vacate_agent(self, slot: int) -> None:
        agent = self._agents_by_slot[slot]
        if agent is not None:
            agent.remove()
            self._agents_by_slot[slot] = None

    def _sync_agents(self) -> None:
        if not getattr(self, "_stale_slots", None):  # also while Mesa's __init__ runs
            return
        for slot in sorted(self._stale_slots):
            if self.state.alive[slot]:
                self._place_agent(slot)
            else:
                self._vacate_agent(slot)
        self._stale_slots.clear()

    @property
    def agents(self) -> mesa.agentset.AgentSet:
        """Every current employee's agent (Mesa's ``Model.agents``)."""
        self._sync_agents()
        return super().agents

    @property
    def agents_by_type(self) -> dict[type, mesa.agentset.AgentSet]:
        """Current employees' agents by class (Mesa's ``Model.agents_by_type``)."""
        self._sync_agents()
        return super().agents_by_type

    @property
    def agent_types(self) -> list[type]:
        """The agent classes in use (Mesa's ``Model.agent_types``)."""
        self._sync_agents()
        return super().agent_types

    def agent_at(self, slot: int) -> Employee:
        """Return the agent that views ``slot``."""
        self._sync_agents()
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
        """Advance the organization by one week: every phase in order, then the outcomes.

        Each phase reads the state as it starts and applies all of its changes at once (or,
        in the agent engine, lets each agent apply the rule from that same snapshot), so the
        result never depends on the order in which employees act.
        """
        self.now = self.week - 1  # whole weeks elapsed before this one: the week being simulated
        self.gain = np.zeros(self.state.size)  # this week's mean skill change per slot
        for phase in self.phases:
            phase.step(self)
        self._record_week()

    def add_phase(
        self,
        phase: Phase | str,
        function: Callable[[ReverseMentoringModel], None] | None = None,
        *,
        after: str | None = None,
    ) -> None:
        """Add a phase to the weekly step: a :class:`~sim.core.phase.Mechanism` or any Phase.

        A mechanism runs in both engines like the built-in ones (the vector engine applies its
        rule to everyone, the agent engine lets each agent apply it to itself). A plain
        function of the model is accepted too: ``add_phase("name", function)``.

        Args:
            phase: The phase, or a name for ``function``.
            function: With a name: a function of the model that reads and writes
                ``model.state``; it should draw from ``model.streams[name]`` so other
                mechanisms' draws stay put.
            after: Name of the phase it follows (default: after every phase, before the
                outcomes are recorded).
        """
        if function is not None:
            phase = FunctionPhase(str(phase), function)
        if not isinstance(phase, Phase):
            raise TypeError(f"add_phase needs a Phase or a name and a function, not {phase!r}")
        names = [p.name for p in self.phases]
        if phase.name in names:
            raise ValueError(f"a phase named {phase.name!r} is already in the step")
        if after is None:
            self.phases.append(phase)
        elif after in names:
            self.phases.insert(names.index(after) + 1, phase)
        else:
            raise ValueError(f"no phase named {after!r}; the phases are {', '.join(names)}")

    # ------------------------------------------------------------------ what phases see

    def neighbour_counts(self) -> Counts:
        """Counts of current neighbours by group, for the state as it is now."""
        st = self.state
        return self._counts.update(st.alive, st.senior, st.underrepresented, st.adopted, st.cohort)

    def apply_by_agents(self, mechanism: Mechanism, inputs: Any) -> None:
        """Agent engine: every current employee applies ``mechanism`` to itself, in random order."""
        self.agents.shuffle_do("apply_rule", mechanism, inputs)

    def person_changed(self, slots: np.ndarray) -> None:
        """Someone left, joined or moved into ``slots``: their agents are redone on next access.

        Agents are views, so nothing is lost by creating them when they are looked at: a week
        with hundreds of leavers and hires then costs no Mesa bookkeeping unless agents are
        used (the agent engine, ``model.agents``, ``agent_at``, a data collector).
        """
        self._stale_slots.update(np.atleast_1d(slots).tolist())

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

    def pairs(self) -> pd.DataFrame:
        """Every pair's history (empty without a program)."""
        if self.program is None:
            return pd.DataFrame()
        return self.workforce.with_employee_ids(self.program.book.to_frame())

"""The Mesa model: one step is one week; the step order is written once, in :meth:`step`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim.core.organization_params import COHORTS
from sim.core.people import People
from sim.core.rng import Streams, replication_seed
from sim.core.workforce import build_workforce
from sim.kernels import Counts, NeighbourCounts
from sim.mechanisms import adoption, attitudes, innovation, peer_learning, retention, staffing
from sim.mechanisms.economics import by_level
from sim.model import outcomes
from sim.model.agents import Employee, JuniorEmployee, SeniorEmployee
from sim.model.scenario import Scenario, load_scenario
from sim.program.run import ProgramRun

WEEKS_PER_YEAR = 52.0


class Tally:
    """Running totals of the run (counts and money since week 0)."""

    def __init__(self) -> None:
        self.ideas = 0
        self.implemented = 0
        self.ideas_from_meetings = 0
        self.leavers = 0
        self.retirements = 0
        self.hires = 0
        self.promotions = 0
        self.promotions_of_mentors = 0
        self.turnover_cost = 0.0
        self.skill_lost = 0.0


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
        self.cohort_engagement = retention.reference_engagement(
            self.state.cohort,
            self.state.engagement,
            self.config.dynamics.retention.engagement_effect,
            np.array([c.engagement_mean for c in org.cohorts.ordered()]),
        )
        self.tally = Tally()
        self.ties = outcomes.TieIndex(self.state.network)
        self.neighbours = NeighbourCounts(self.state.network, len(COHORTS))
        self.counts: Counts | None = None  # neighbour counts as of phase 5b (and outcomes)
        self.program = ProgramRun(self, self.arm.program) if self.arm.program is not None else None
        self._agents_by_slot: list[Employee | None] = [None] * self.state.size
        self._stale_slots: set[int] = set()  # slots whose agent is redone on next access
        for slot in range(self.state.size):
            self._place_agent(slot)
        self.extra_phases: list[tuple[str, Callable[[ReverseMentoringModel], None]]] = []
        self.engine = self.config.engine
        self.gain = np.zeros(self.state.size)
        # mean over skills as a matrix-vector product (one pass, no per-row reductions)
        self._per_skill = np.full(self.state.skills.shape[1], 1.0 / self.state.skills.shape[1])
        self.snapshot: SimpleNamespace | None = None
        self.exposure: np.ndarray | None = None
        self.sponsorship_now = 0.0
        self.roles: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self.quitting: list[int] = []
        self.retiring: list[int] = []
        self.now = 0  # weeks elapsed before the week being simulated (set by each step)
        self._columns = outcomes.columns(self.technology_names, org.levels)
        self._record = np.full((self.config.horizon_weeks + 1, len(self._columns)), np.nan)
        self._record_week()

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

    def _person_changed(self, slot: int) -> None:
        """Someone left, joined or moved into ``slot``: its agent is redone on next access.

        Agents are views, so nothing is lost by creating them when they are looked at: a week
        with hundreds of leavers and hires then costs no Mesa bookkeeping unless agents are
        used (the agent engine, ``model.agents``, ``agent_at``, a data collector).
        """
        self._stale_slots.add(slot)

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
        """Advance the organization by one week.

        The phases run in this order; each reads the state as its phase starts and applies
        all of its changes at once, so the result never depends on agent order.
        """
        st, dyn, prog = self.state, self.config.dynamics, self.program
        self.now = self.week - 1  # whole weeks elapsed before this one: the week being simulated
        agents = self.engine == "agent"  # each agent applies the rules to itself (same rules)
        self.gain = np.zeros(st.size)  # this week's mean skill change per slot (for engagement)
        if prog is not None:
            # 1. program calendar: pairs at their planned end complete; at a wave's start the
            #    eligible opt in and the pairing policy forms pairs; dissolved pairs re-pair
            prog.calendar()
            # 2. meetings: each active pair holds some of its planned meetings (attendance)
            prog.meet()
            # 3. two-way learning at the meetings held
            self.gain += np.abs(prog.learn()) @ self._per_skill
            # 4. relationship quality moves with how meetings went; mismatches dissolve
            prog.relate()
            # 5a. attitudes of mentees after their meetings
            prog.change_attitudes()
        # 5b. attitudes: peer influence among seniors, and sponsorship while a program runs
        self.sponsorship_now = (
            prog.program.sponsorship if prog is not None and prog.running else 0.0
        )
        if agents:
            self._by_agents("step_attitudes")
        else:
            # who is a current, senior, adopting neighbour of whom: unchanged until phase 9
            self.counts = self.neighbours.update(st)
            attitudes.apply_background(st, dyn.attitudes, self.sponsorship_now, self.counts.seniors)
        # 6. informal exchange: weak peer learning along the social network (the background)
        if agents:
            self._by_agents("step_peer_learning")
        else:
            delta = peer_learning.apply(st, dyn.peer_learning, self.counts.alive)
            self.gain += delta @ self._per_skill.astype(delta.dtype)  # never negative
        # 7. digital adoption: innovation, imitation, top-down push, mentoring exposure
        self.exposure = prog.exposure() if prog is not None else None
        if agents:
            self._by_agents("step_adoption")
        else:
            adoption.apply(
                st,
                dyn.adoption,
                self.now,
                self.introduced_weeks,
                self.streams["adoption"],
                self.exposure,
                (self.counts.alive, self.counts.adopted),
            )
        # 8. innovation: ideas from interactions and meetings, implemented by senior sponsors
        self._innovate()
        # 9. engagement drifts; employees quit (engagement-scaled hazard) or retire; age advances
        self._engage_and_leave(agents)
        # 10. leadership pays off: ready vacancies are filled by promotion or by new hires
        self._staff()
        # 10b. phases added by the user (add_phase), in the order they were added
        for _, phase in self.extra_phases:
            phase(self)
        # 11. record the week's outcomes
        self._record_week()

    def _innovate(self) -> None:
        dyn, levels = self.config.dynamics.innovation, self.config.organization.levels
        ideas, done = innovation.tie_ideas(
            self.state, self.ties.a, self.ties.b, dyn, levels, self.streams["innovation"]
        )
        if self.program is not None:
            wk = self.program.last
            met = wk.boards[wk.held > 0]
            idx, mentor = self.program.board_mentor_slots(met)
            board = self.program.book.links[0][idx]
            mentee = self.program.slots(self.program.book.mentee[board])
            held = wk.held[np.searchsorted(wk.boards, board)]
            more, more_done = innovation.meeting_ideas(
                self.state,
                mentee,
                mentor,
                held.astype(float),
                dyn,
                levels,
                self.streams["innovation.meetings"],
            )
            ideas, done = ideas + more, done + more_done
            self.tally.ideas_from_meetings += more
        self.tally.ideas += ideas
        self.tally.implemented += done

    def _by_agents(self, method: str) -> None:
        """Agent engine: snapshot the state, then let every employee apply ``method`` to itself."""
        st = self.state
        self.snapshot = SimpleNamespace(
            network=st.network,
            alive=st.alive.copy(),
            senior=st.senior.copy(),
            skills=st.skills.copy(),
            attitudes=st.attitudes.copy(),
            adopted=st.adopted.copy(),
            engagement=st.engagement.copy(),
            engagement_base=st.engagement_base,
            age=st.age.copy(),
            cohort=st.cohort,
        )
        self.agents.shuffle_do(method)

    def _engage_and_leave(self, agents: bool = False) -> None:
        st, dyn = self.state, self.config.dynamics.retention
        if self.program is not None:
            self.roles = self.program.roles()
        else:
            self.roles = (np.zeros(st.size),) * 3
        if agents:
            self.quitting, self.retiring = [], []
            self._by_agents("step_retention")
            quits = np.array(sorted(self.quitting), dtype=np.int64)
            retires = np.array(sorted(self.retiring), dtype=np.int64)
        else:
            mentor, mentee, ties = self.roles
            target = retention.engagement_target(
                st.engagement_base, mentor, mentee, self.gain, ties, dyn
            )
            st.engagement[:] = np.where(
                st.alive, retention.next_engagement(st.engagement, target, dyn), st.engagement
            )
            draws = self.streams["retention"].random(st.size)
            quits, retires = retention.leavers(
                st, dyn, self.config.organization.retirement_age, self.cohort_engagement, draws
            )
        np.add(st.age, 1.0 / WEEKS_PER_YEAR, out=st.age, where=st.alive)
        np.add(st.tenure, 1.0 / WEEKS_PER_YEAR, out=st.tenure, where=st.alive)
        gone = np.concatenate([quits, retires])
        if gone.size:
            self._depart(np.sort(gone), quits.size, retires.size)

    def _depart(self, slots: np.ndarray, quits: int, retires: int) -> None:
        st, econ = self.state, self.config.dynamics.economics
        persons = st.person[slots]
        self.tally.leavers += quits
        self.tally.retirements += retires
        salary = by_level(econ.salary_by_level, st.level[slots])
        self.tally.turnover_cost += econ.replacement_cost_multiple * float(salary.sum())
        self.tally.skill_lost += float(st.skills[slots].mean(axis=1).sum())
        self.people.slot_of[persons] = -1
        st.alive[slots] = False
        st.vacant_since[slots] = self.now
        if self.program is not None:
            self.program.end_for_departures(persons)
        for slot in slots.tolist():
            self._person_changed(slot)

    def _staff(self) -> None:
        st, dyn = self.state, self.config.dynamics.staffing
        rng = self.streams["staffing"]
        ready = staffing.ready_vacancies(st, self.now, dyn.hiring_delay_weeks)
        leadership = self._leadership_column()
        external = []
        for slot in ready.tolist():
            if st.level[slot] > 0 and rng.random() < dyn.internal_fill_share:
                noise = rng.normal(
                    0.0, dyn.selection_noise, self.config.organization.span_of_control
                )
                who = staffing.promotion_candidate(st, slot, leadership, noise)
                if who >= 0:
                    self._promote(who, slot)
                    continue
            external.append(slot)
        slots = np.array(external, dtype=np.int64)
        if slots.size:
            first = self.people.add(slots, np.zeros(slots.size, np.int8), self.now)
            staffing.hire(
                st, self.config.organization, slots, first, self.now, rng, self.workforce.hiring
            )
            self.people.cohort[first : first + slots.size] = st.cohort[slots]
            self.tally.hires += slots.size
            for slot in slots.tolist():
                self._person_changed(slot)

    def _leadership_column(self) -> np.ndarray:
        names = self.config.organization.skill_names
        if "leadership" in names:
            return self.state.skills[:, names.index("leadership")]
        return self.state.skills[:, self.state.experience].mean(axis=1)

    def _promote(self, src: int, dst: int) -> None:
        st = self.state
        person = int(st.person[src])
        staffing.move_person(st, src, dst, self.now)
        st.senior[dst] = staffing.is_senior(
            self.config.organization, st.level[dst : dst + 1], st.tenure[dst : dst + 1]
        )[0]
        self.people.slot_of[person] = dst
        self.tally.promotions += 1
        self.tally.promotions_of_mentors += int(self.people.mentor_ever[person])
        self._person_changed(src)
        self._person_changed(dst)

    def add_phase(self, name: str, phase: Callable[[ReverseMentoringModel], None]) -> None:
        """Add a mechanism that runs every week after the built-in phases, before recording.

        Args:
            name: A name for the phase (shown in errors and listings).
            phase: A function of the model that reads and writes ``model.state`` arrays; draw
                random numbers from ``model.streams[name]`` so other mechanisms' draws stay put.
        """
        self.extra_phases.append((name, phase))

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

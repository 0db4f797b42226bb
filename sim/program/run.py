"""A program running in a model: calendar, pairs, meetings, learning, quality, attitudes, cost.

:class:`ProgramRun` holds the pair book and applies the program's phases of the weekly step
by calling the rule functions of the mechanism modules; it draws from its own named streams.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.core.phase import Phase, World
from sim.core.state import OPENNESS, RESISTANCE, WILLINGNESS
from sim.mechanisms import attitudes, learning, meetings, relationship
from sim.mechanisms.economics import by_level, valued_columns
from sim.program import pairing, participation
from sim.program.book import ACTIVE, COMPLETED, DISSOLVED, ENDED_BY_DEPARTURE, PairBook
from sim.program.design import Program

if TYPE_CHECKING:
    from sim.model.model import ReverseMentoringModel


class BoardLinks(NamedTuple):
    """The mentor links of some boards: one entry per link."""

    index: np.ndarray
    """Index of each link in the pair book."""
    board: np.ndarray
    """The board of each link."""
    mentor: np.ndarray
    """The mentor's current slot (-1 for one who left)."""
    position: np.ndarray
    """Position of the link's board among the boards asked for."""


@dataclass
class Week:
    """What the program's boards did this week (arrays over the active boards)."""

    boards: np.ndarray
    held: np.ndarray
    planned: np.ndarray
    good: np.ndarray
    bad: np.ndarray

    @property
    def missed(self) -> np.ndarray:
        """Planned meetings not held."""
        return self.planned - self.held


class ProgramPhase(Phase):
    """A program phase of the weekly step: a :class:`ProgramRun` method (nothing without one).

    Program phases act on pairs, so both engines run the same code.

    Args:
        name: The phase's name.
        method: The :class:`ProgramRun` method that runs it.
    """

    def __init__(self, name: str, method: Callable[[ProgramRun], object]) -> None:
        self.name = name  # type: ignore[misc]  (an instance's own name)
        self.method = method

    def step(self, world: World) -> None:
        """Run the phase when the arm runs a program."""
        if world.program is not None:
            self.method(world.program)


class ProgramRun:
    """The state and phases of one program design inside one model run.

    Args:
        model: The model the program runs in.
        program: The program design.
    """

    def __init__(self, model: ReverseMentoringModel, program: Program) -> None:
        self.model = model
        self.program = program
        st = model.state
        names = model.config.organization.skill_names
        self.focus = np.array([names.index(s) for s in program.focus], dtype=np.int64)
        self.score_columns = self.focus if self.focus.size else st.digital
        dyn = model.config.dynamics
        self.skill_weights = learning.skill_weights(
            st.skills.shape[1], st.digital, self.focus, dyn.learning
        )
        self.leadership = names.index("leadership") if "leadership" in names else None
        org = model.config.organization
        self.valued = valued_columns(
            names, [t.skills for t in org.technologies], dyn.economics.valued_skills
        )
        self.skill_transferred = 0.0  # skill gained at meetings on the valued skills
        self.book = PairBook()
        self.ties = relationship.MentoringTies()
        self.mandatory = program.participation == "mandatory"
        self.group_size = program.group_size if program.format == "group" else None
        self.first_start = min(w.start_week for w in program.waves)
        self.mentor_pool = np.zeros(0, np.int64)  # persons who volunteered to mentor
        self.repairs: dict[int, int] = {}
        self.pending_repair: list[int] = []
        self.empty_seats: list[int] = []  # boards (one entry per seat) waiting for a mentor
        self.replacements = 0
        self.volunteers = 0
        self.matched = 0
        self.hours = 0.0
        self.cost = 0.0
        self.meetings_held = 0
        self.meetings_planned = 0
        self.ideas = (0, 0)
        self.last = Week(*(np.zeros(0, np.int64) for _ in range(5)))

    # ------------------------------------------------------------------ helpers

    @property
    def running(self) -> bool:
        """Whether the program is under way (from its first wave until its last pair ends)."""
        week = self.model.now
        last_wave = max(w.start_week for w in self.program.waves)
        return week >= self.first_start and (week <= last_wave or self.book.active().size > 0)

    def slots(self, persons: np.ndarray) -> np.ndarray:
        """Current slots of persons (-1 for those who left)."""
        return self.model.people.slot_of[persons]

    def board_links(self, boards: np.ndarray) -> BoardLinks:
        """The links of the mentors sitting on ``boards`` (sorted board indices), in link order."""
        link_board, link_mentor = self.book.links
        idx = np.flatnonzero(np.isin(link_board, boards) & self.book.seated)
        return BoardLinks(
            idx,
            link_board[idx],
            self.slots(link_mentor[idx]),
            np.searchsorted(boards, link_board[idx]),
        )

    def met_links(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(mentee slot, mentor slot, meetings held) per link of the boards that met this week."""
        wk = self.last
        met = wk.held > 0
        links = self.board_links(wk.boards[met])
        return self.slots(self.book.mentee[links.board]), links.mentor, wk.held[met][links.position]

    def load(self) -> np.ndarray:
        """Active boards each slot mentors on."""
        load = np.zeros(self.model.state.size, np.int64)
        mentors = self.board_links(self.book.active()).mentor
        np.add.at(load, mentors[mentors >= 0], 1)
        return load

    def sponsorship_now(self) -> float:
        """The program's sponsorship while it runs, 0 before and after."""
        return self.program.sponsorship if self.running else 0.0

    def hourly(self, slots: np.ndarray) -> np.ndarray:
        """Hourly cost of the employees in ``slots``."""
        return by_level(self.program.hourly_cost_by_level, self.model.state.level[slots])

    # ------------------------------------------------------------------ phase 1: calendar

    def calendar(self) -> None:
        """End boards that reached their planned end, open waves, and re-pair if enabled."""
        week = self.model.now
        book = self.book
        due = book.active()[book.planned_end[book.active()] <= week]
        self._end(due, COMPLETED)
        draws = self.model.streams["program.optin"].random((self.model.state.size, 2))
        for wave_index, wave in enumerate(self.program.waves):
            if wave.start_week == week:
                self._open_wave(wave_index, wave, draws)
        if self.empty_seats:
            self._fill_seats()
        if self.program.repairing.enabled and self.pending_repair:
            persons = np.array(self.pending_repair, dtype=np.int64)
            self.pending_repair = []
            slots = self.slots(persons)
            self._pair(slots[slots >= 0], wave=-1, repair=True)

    def _open_wave(self, wave_index: int, wave, draws: np.ndarray) -> None:
        st, people = self.model.state, self.model.people
        if self.model.now == self.first_start:
            people.in_program_cohort[: people.n] |= people.employed
        mentors, mentees = participation.opt_in(
            st, self.program, self.model.config.dynamics.participation, draws
        )
        busy = np.zeros(st.size, bool)
        active = self.book.active()
        busy[self.slots(self.book.mentee[active])] = True
        mentees &= ~busy
        self.mentor_pool = np.union1d(self.mentor_pool, st.person[np.flatnonzero(mentors)])
        volunteers = np.flatnonzero(mentees)
        self.volunteers += volunteers.size
        order = self.model.streams["program.waves"].permutation(volunteers.size)
        rule = self.program.eligibility
        chosen = participation.cap_mentees(
            volunteers, st.department, rule.department_cap, wave.size, order
        )
        if self.mandatory:
            att = st.attitudes
            att[chosen, RESISTANCE] = attitudes.reactance(
                att[chosen, RESISTANCE], att[chosen, OPENNESS], self.model.config.dynamics.attitudes
            )
        self._pair(np.sort(chosen), wave=wave_index, repair=False)

    def _pair(self, mentees: np.ndarray, wave: int, repair: bool) -> None:
        st = self.model.state
        pool = self.slots(self.mentor_pool)
        pool = pool[pool >= 0]
        free = self.program.mentor_capacity - self.load()[pool]
        mentors = pool[free > 0]
        if mentees.size == 0 or mentors.size == 0:
            return
        pairs = pairing.form_pairs(
            self.program.pairing,
            st,
            mentors,
            mentees,
            capacity=free[free > 0],
            focus=self.score_columns,
            weights=self.program.weights,
            exclude_reporting_lines=self.program.exclude_reporting_lines,
            rng=self.model.streams["program.pairing"],
            group_size=self.group_size,
        )
        self._start(pairs, wave, repair)

    def compatibility(self, mentee: int, mentors: np.ndarray) -> float:
        """Compatibility of ``mentee`` with the board of ``mentors`` (slots), as of now."""
        st = self.model.state
        cols = st.digital  # the mentor's general digital lead, whatever the program's focus
        return float(
            relationship.compatibility(
                st.attitudes[mentors, WILLINGNESS].mean(),
                st.attitudes[mentee, OPENNESS],
                st.attitudes[mentee, RESISTANCE],
                relationship.teaching_gap(st.skills[mentors][:, cols], st.skills[mentee, cols]),
                self.program.mentor_training,
                self.model.config.dynamics.relationship,
            )
        )

    def _start(self, pairs: list[tuple[int, tuple[int, ...]]], wave: int, repair: bool) -> None:
        if not pairs:
            return
        st, people, week = self.model.state, self.model.people, self.model.now
        first_link = self.book.n_links
        new_boards = []
        for mentee, mentors in pairs:
            ms = np.asarray(mentors)
            compat = self.compatibility(mentee, ms)
            person = int(st.person[mentee])
            b = self.book.add(
                person,
                tuple(int(p) for p in st.person[ms]),
                wave=wave,
                start=week,
                planned_end=week + self.program.duration_weeks,
                end=-1,
                status=ACTIVE,
                quality=float(compat),
                quality_start=float(compat),
                compatibility=float(compat),
                cross_department=bool((st.department[ms] != st.department[mentee]).any()),
                repair_round=self.repairs.get(person, 0),
            )
            new_boards.append(b)
        board_idx = np.array(new_boards)
        _, link_mentor = self.book.links
        mentor_slots = self.slots(link_mentor[first_link:])
        if self.leadership is not None:
            self.book.set_leadership_start(st.skills[mentor_slots, self.leadership], first_link)
        people.mentor_ever[link_mentor[first_link:]] = True
        people.mentee_ever[self.book.mentee[board_idx]] = True
        self.matched += 0 if repair else len(pairs)
        self._train(np.unique(mentor_slots))

    def _train(self, mentors: np.ndarray) -> None:
        """The training hours and cost of new mentors (when the program trains them)."""
        if self.program.mentor_training:
            hours = self.model.config.dynamics.economics.mentor_training_hours
            self.hours += hours * mentors.size
            self.cost += hours * float(self.hourly(mentors).sum())

    def _end(self, boards: np.ndarray, status: int) -> None:
        if boards.size == 0:
            return
        self.book.status[boards] = status
        self.book.end[boards] = self.model.now

    def end_for_departures(self, persons: np.ndarray) -> None:
        """Boards whose members left: a pair ends; a junior board goes on while it has mentors.

        A board ends when its mentee leaves, and a one-to-one pair when its mentor does. A
        junior board loses the mentor who left and goes on with the others (ending when none
        is left); with ``board_departures: replace`` each empty seat waits for a volunteer
        with free capacity (:meth:`_fill_seats`, from the next week's calendar).
        """
        book = self.book
        active = book.active()
        mentee_left = np.isin(book.mentee[active], persons)
        self._end(active[mentee_left], ENDED_BY_DEPARTURE)
        link_board, link_mentor = book.links
        left = np.flatnonzero(
            np.isin(link_mentor, persons) & np.isin(link_board, active[~mentee_left]) & book.seated
        )
        if left.size == 0:
            return
        if self.group_size is None:
            self._end(np.unique(link_board[left]), ENDED_BY_DEPARTURE)
            return
        book.link_end[left] = self.model.now
        boards = np.unique(link_board[left])
        seated = np.bincount(link_board[book.seated], minlength=book.n_boards)[boards]
        self._end(boards[seated == 0], ENDED_BY_DEPARTURE)
        if self.program.board_departures == "replace":
            going_on = set(boards[seated > 0].tolist())
            self.empty_seats += [b for b in link_board[left].tolist() if b in going_on]

    def _fill_seats(self) -> None:
        """Seat a volunteer with free capacity on each board that lost a mentor (if any is free).

        The replacement is chosen by the program's pairing policy among the volunteers who are
        not on the board already; seats nobody can fill wait for the next week.
        """
        active = [b for b in self.empty_seats if self.book.status[b] == ACTIVE]
        self.empty_seats = [b for b in active if not self._seat_one(b)]

    def _seat_one(self, board: int) -> bool:
        st = self.model.state
        pool = self.slots(self.mentor_pool)
        pool = pool[pool >= 0]
        free = self.program.mentor_capacity - self.load()[pool]
        members = self.board_links(np.array([board])).mentor
        open_ = (free > 0) & ~np.isin(pool, members)
        if not open_.any():
            return False
        mentee = self.slots(self.book.mentee[[board]])
        pairs = pairing.form_pairs(
            self.program.pairing,
            st,
            pool[open_],
            mentee,
            capacity=free[open_],
            focus=self.score_columns,
            weights=self.program.weights,
            exclude_reporting_lines=self.program.exclude_reporting_lines,
            rng=self.model.streams["program.replacements"],
            group_size=None,
        )
        if not pairs:
            return False
        mentor = int(pairs[0][1][0])
        link = self.book.add_link(board, int(st.person[mentor]))
        # the board's compatibility is its new membership's; its quality carries on
        self.book.compatibility[board] = self.compatibility(
            int(mentee[0]), np.append(members, mentor)
        )
        if self.leadership is not None:
            self.book.link_leadership_start[link] = st.skills[mentor, self.leadership]
        self.model.people.mentor_ever[st.person[mentor]] = True
        self._train(np.array([mentor]))
        self.replacements += 1
        return True

    # ------------------------------------------------------------------ phases 2-5

    def meet(self) -> Week:
        """Phase 2: meetings held by each active board this week (and how they went)."""
        st, dyn, prog = self.model.state, self.model.config.dynamics, self.program
        boards = self.book.active()
        n = boards.size
        rng_m, rng_r = self.model.streams["meetings"], self.model.streams["relationship"]
        if n == 0:
            self.last = Week(boards, *(np.zeros(0, np.int64) for _ in range(4)))
            return self.last
        mentee = self.slots(self.book.mentee[boards])
        links = self.board_links(boards)
        mentor, pos = links.mentor, links.position
        eng = np.zeros(n)
        np.add.at(eng, pos, st.engagement[mentor])
        eng = 0.5 * (st.engagement[mentee] + eng / np.bincount(pos, minlength=n))
        resistance = st.attitudes[mentee, RESISTANCE]
        planned = meetings.planned_this_week(prog.cadence_per_week, rng_m.random(n))
        width = int(np.ceil(prog.cadence_per_week))
        p_attend = meetings.attendance(
            dyn.meetings, resistance, eng, prog.sponsorship, self.mandatory
        )
        held = meetings.held(planned, p_attend, rng_m.random((n, width)))
        mult = dyn.meetings.mandatory_multiplier if self.mandatory else 1.0
        p_good = relationship.good_probability(
            self.book.compatibility[boards], resistance, mult, dyn.relationship
        )
        good = (
            (rng_r.random((n, width)) < p_good[:, None])
            & (np.arange(width)[None, :] < held[:, None])
        ).sum(axis=1)
        self.last = Week(boards, held, planned, good, held - good)
        self.meetings_held += int(held.sum())
        # whole planned meetings, as drawn (their mean is the cadence): held never exceeds them
        self.meetings_planned += int(planned.sum())
        self.book.meetings_planned[boards] += planned
        self.book.meetings_held[boards] += held
        self.book.meetings_missed[boards] += planned - held
        self._cost(boards, held, mentee, mentor, pos)
        self._tie_up(boards, held, links.index)
        return self.last

    def _cost(self, boards, held, mentee, mentor, pos) -> None:
        hours = self.program.hours_per_meeting
        per_board = self.hourly(mentee)
        np.add.at(per_board, pos, self.hourly(mentor))
        people_per_board = 1 + np.bincount(pos, minlength=boards.size)
        self.hours += hours * float((held * people_per_board).sum())
        self.cost += hours * float((held * per_board).sum())

    def _tie_up(self, boards, held, link_idx) -> None:
        """A mentor's first meeting with the mentee ties them (a replacement's too)."""
        link_board, link_mentor = self.book.links
        met = np.isin(link_board[link_idx], boards[held > 0])
        li = link_idx[met & ~self.book.link_tied[link_idx]]
        if li.size:
            self.ties.add(self.book.mentee[link_board[li]], link_mentor[li], link_board[li])
            self.book.link_tied[li] = True

    def learn(self) -> np.ndarray:
        """Phase 3: two-way learning at this week's meetings; returns the skill change per slot."""
        st, dyn, wk = self.model.state, self.model.config.dynamics, self.last
        delta = np.zeros_like(st.skills)
        met = wk.held > 0
        if not met.any():
            return delta
        boards, n = wk.boards[met], wk.held[met].astype(float)
        quality = self.book.quality[boards]
        mentee = self.slots(self.book.mentee[boards])
        links = self.board_links(boards)
        mentor, pos = links.mentor, links.position
        target = np.zeros((boards.size, st.skills.shape[1]))
        np.maximum.at(target, pos, st.skills[mentor])
        gain = dyn.learning.training_gain if self.program.mentor_training else 1.0
        d_mentee = learning.mentee_delta(
            st.skills[mentee],
            target,
            n,
            quality,
            st.attitudes[mentee, RESISTANCE],
            self.skill_weights,
            st.digital,
            dyn.learning,
        )
        d_mentor = learning.mentor_delta(
            st.skills[mentor],
            st.skills[mentee][pos],
            n[pos],
            quality[pos],
            st.experience,
            self.leadership,
            gain,
            dyn.learning,
        )
        np.add.at(delta, mentee, d_mentee)
        np.add.at(delta, mentor, d_mentor)
        self.skill_transferred += float(delta[:, self.valued].sum())
        st.skills[:] = np.clip(st.skills + delta, 0.0, 1.0)
        self.model.gain += np.abs(delta) @ np.full(delta.shape[1], 1.0 / delta.shape[1])
        return delta

    def relate(self) -> None:
        """Phase 4: relationship quality moves; pairs under the threshold dissolve early."""
        dyn, wk = self.model.config.dynamics.relationship, self.last
        if wk.boards.size:
            q = relationship.new_quality(
                self.book.quality[wk.boards], wk.good, wk.bad, wk.missed, dyn
            )
            self.book.quality[wk.boards] = q
            failing = wk.boards[(q < dyn.dissolve_below) & (wk.planned > 0)]
            self._end(failing, DISSOLVED)
            self._queue_repairs(failing)
        active = np.zeros(self.book.n_boards, bool)
        active[self.book.active()] = True
        self.ties.decay(
            active, self.model.streams["ties"].random(self.ties.a.size), dyn.tie_persistence
        )

    def _queue_repairs(self, boards: np.ndarray) -> None:
        rule = self.program.repairing
        if not rule.enabled:
            return
        for person in self.book.mentee[boards].tolist():
            done = self.repairs.get(person, 0)
            if done < rule.max_times:
                self.repairs[person] = done + 1
                self.pending_repair.append(person)

    def change_attitudes(self) -> None:
        """Phase 5 (program part): mentees' resistance and openness after their meetings."""
        st, wk = self.model.state, self.last
        if wk.boards.size == 0:
            return
        mentee = self.slots(self.book.mentee[wk.boards])
        r, o = attitudes.after_meetings(
            st.attitudes[mentee, RESISTANCE],
            st.attitudes[mentee, OPENNESS],
            wk.good,
            wk.bad,
            self.model.config.dynamics.attitudes,
        )
        st.attitudes[mentee, RESISTANCE], st.attitudes[mentee, OPENNESS] = r, o

    # ------------------------------------------------------------------ exposure and roles

    def exposure(self) -> np.ndarray:
        """Mentoring exposure per slot and technology: share of a mentee's board that adopted, if it met."""
        st, wk = self.model.state, self.last
        exp = np.zeros(st.adopted.shape)
        met = wk.boards[wk.held > 0]
        if met.size == 0:
            return exp
        links = self.board_links(met)
        mentor, pos = links.mentor, links.position
        share = np.zeros((met.size, st.adopted.shape[1]))
        np.add.at(share, pos, st.adopted[mentor].astype(float))
        share /= np.bincount(pos, minlength=met.size)[:, None]
        exp[self.slots(self.book.mentee[met])] = share
        return exp

    def roles(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per slot: active mentor, active mentee, and persisting mentoring ties."""
        st = self.model.state
        mentor, mentee, ties = np.zeros(st.size), np.zeros(st.size), np.zeros(st.size)
        active = self.book.active()
        mentee_slots = self.slots(self.book.mentee[active])
        mentee[mentee_slots[mentee_slots >= 0]] = 1.0
        mentor_slots = self.board_links(active).mentor
        mentor[mentor_slots[mentor_slots >= 0]] = 1.0
        for end in (self.ties.a[self.ties.alive], self.ties.b[self.ties.alive]):
            s = self.slots(end)
            np.add.at(ties, s[s >= 0], 1.0)
        return mentor, mentee, ties

    def leadership_growth(self) -> float:
        """Mean leadership gained by mentors since they started mentoring (current mentors' links)."""
        if self.leadership is None or self.book.n_links == 0:
            return 0.0
        slots = self.slots(self.book.links[1])
        here = slots >= 0
        if not here.any():
            return 0.0
        now = self.model.state.skills[slots[here], self.leadership]
        return float((now - self.book.link_leadership_start[: self.book.n_links][here]).mean())

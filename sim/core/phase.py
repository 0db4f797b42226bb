"""The one interface of a phase of the weekly step, and what a phase sees of the model.

A **phase** is one position of the weekly step. Most phases are **mechanisms applied to every
employee** (attitudes, peer learning, adoption, engagement and retention). Such a mechanism
declares its parameters (a :class:`~sim.core.params.Params` block), the state fields it reads
and writes, and a pure rule, and both engines use it in the same three steps:

1. :meth:`Mechanism.prepare`: the *phase snapshot*: what the rule reads, as the phase starts,
   plus the aggregates it needs (a neighbour mean, the reporting-chain push, a technology's
   skill), computed once for everyone. Nothing the rule reads changes while the phase runs, so
   the result never depends on the order in which employees apply it (synchronous updates).
2. :meth:`Mechanism.rule`: pure: the changes for ``who`` (one slot, an index array, or
   :data:`EVERYONE`) from the snapshot and that employee's uniform draws. It touches nothing.
3. :meth:`Mechanism.write`: the changes written into the state (and any outputs collected).

The **vector engine** calls :meth:`Mechanism.apply`: the rule for every employee at once (a
mechanism may narrow the work with a kernel of :mod:`sim.kernels`, such as computing chances
only where a draw could succeed, as long as the result is the rule's). The **agent engine**
lets each Mesa agent draw its own numbers, call :meth:`Mechanism.rule` for its own slot and
write its own row (:meth:`sim.model.agents.Employee.apply_rule`). An agent's work is O(what the
rule reads of its row): the aggregates are already in the snapshot.

Phases that act on pairs, ties or vacancies rather than on each employee (the program's
phases, innovation, staffing) subclass :class:`Phase` and run the same code in both engines.

``model.add_phase`` takes either kind, so a user's mechanism is a first-class phase.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import numpy as np

from sim.core.params import Params
from sim.core.people import People
from sim.core.rng import Streams
from sim.core.state import State

EVERYONE = slice(None)
"""``who`` for every slot at once (a view, not a copy, of each array)."""

Who = int | np.ndarray | slice
"""One slot, an index array of slots, or :data:`EVERYONE`."""


@dataclass
class Tally:
    """Running totals of a run (counts and money since week 0)."""

    ideas: int = 0
    implemented: int = 0
    ideas_from_meetings: int = 0
    leavers: int = 0
    retirements: int = 0
    hires: int = 0
    promotions: int = 0
    promotions_in_grade: int = 0
    promotions_of_mentors: int = 0
    turnover_cost: float = 0.0
    skill_lost: float = 0.0


class World(Protocol):
    """What a phase sees of the running model (the model implements it).

    Attributes:
        state: The organization's state arrays.
        now: Whole weeks elapsed before the week being simulated.
        streams: The run's named random streams (a phase draws from the stream of its name).
        engine: ``"vector"`` or ``"agent"``.
        tally: Running totals.
        gain: This week's mean absolute skill change per slot (learning phases add to it).
        program: The running program (:class:`sim.program.run.ProgramRun`), or None.
        config: The validated scenario.
        people: Per-person records (:class:`~sim.core.people.People`).
        workforce: The built organization (:class:`~sim.core.workforce.Workforce`): a roster's
            employee ids and hiring pool.
    """

    state: State
    now: int
    streams: Streams
    engine: str
    tally: Tally
    gain: np.ndarray
    program: Any
    config: Any
    people: People
    workforce: Any

    def neighbour_counts(self) -> Any:
        """Counts of current neighbours by group, for the state as it is now (kernels.Counts)."""

    def neighbour_sums(self, values: np.ndarray) -> np.ndarray:
        """``network @ values`` (the kernel for float32 N x K values)."""

    def apply_by_agents(self, mechanism: Mechanism, inputs: Any) -> None:
        """Let every current employee's agent apply ``mechanism`` to itself, in random order."""

    def person_changed(self, slots: np.ndarray) -> None:
        """Someone left, joined or moved into ``slots`` (their agents are redone)."""


class Phase(ABC):
    """One position of the weekly step.

    Attributes:
        name: The phase's name, also the name of its random stream.
    """

    name: ClassVar[str]

    @abstractmethod
    def step(self, world: World) -> None:
        """Run this phase for one week."""


class FunctionPhase(Phase):
    """A phase made of a plain function of the world (``model.add_phase(name, function)``).

    Args:
        name: The phase's name (and the random stream the function should draw from).
        function: Called with the world (the model) once a week.
    """

    def __init__(self, name: str, function: Callable[[Any], None]) -> None:
        self.name = name  # type: ignore[misc]  (an instance's own name)
        self.function = function

    def step(self, world: World) -> None:
        """Call the function."""
        self.function(world)


def slots_of(who: Who, n: int) -> np.ndarray:
    """The slots ``who`` names, as an array (one slot, an index array, or everyone of ``n``)."""
    if isinstance(who, slice):
        return np.arange(n)[who]
    return np.atleast_1d(np.asarray(who))


class Mechanism(Phase):
    """A mechanism applied to every employee; see the module docstring.

    Subclasses set :attr:`name`, :attr:`reads`, :attr:`writes`, :attr:`draws_per_employee`,
    :attr:`params_type`, and implement :meth:`prepare` and :meth:`rule` (and :meth:`write`
    when the rule's changes are not plain new values of state fields).

    Args:
        params: The mechanism's parameter block.
    """

    reads: ClassVar[tuple[str, ...]] = ()
    """State fields the rule reads (through the snapshot)."""
    writes: ClassVar[tuple[str, ...]] = ()
    """State fields the rule changes."""
    draws_per_employee: ClassVar[int] = 0
    """Uniform draws each employee uses per week (0: deterministic)."""
    params_type: ClassVar[type[Params]]
    """The parameter block's class."""

    def __init__(self, params: Params) -> None:
        self.params = params

    @abstractmethod
    def prepare(self, world: World) -> Any:
        """The phase snapshot: what the rule reads, as the phase starts, with its aggregates."""

    @abstractmethod
    def rule(self, inputs: Any, who: Who, draws: np.ndarray) -> dict[str, np.ndarray]:
        """The changes for ``who``: pure, from the snapshot and ``who``'s uniform draws.

        Args:
            inputs: The snapshot from :meth:`prepare`.
            who: One slot, an index array, or :data:`EVERYONE`.
            draws: Uniform draws, :attr:`draws_per_employee` per employee (rows align with
                ``who``; one row for one slot).

        Returns:
            New values by state field (and any outputs :meth:`write` collects).
        """

    def write(self, world: World, inputs: Any, who: Who, changes: dict[str, np.ndarray]) -> None:
        """Write the changes of :meth:`rule` into the state (outputs go into ``inputs``)."""
        for name, values in changes.items():
            getattr(world.state, name)[who] = values

    def draws(self, world: World) -> np.ndarray:
        """The vector engine's draws for the week: one row per slot, drawn whatever happens.

        Always the same number of draws, so the stream stays in step across arms (common
        random numbers).
        """
        if self.draws_per_employee == 0:
            return np.empty((world.state.size, 0))
        return world.streams[self.name].random((world.state.size, self.draws_per_employee))

    def apply(self, world: World, inputs: Any, draws: np.ndarray) -> None:
        """Vector engine: the rule for every slot at once (vacant slots change nothing)."""
        self.write(world, inputs, EVERYONE, self.rule(inputs, EVERYONE, draws))

    def for_agents(self, inputs: Any) -> Any:
        """The snapshot with every aggregate computed for everyone, before agents read it.

        The agent engine calls this once per phase (O(N)), so that each agent's rule reads
        its aggregates in O(1); the values are the ones the rule would compute itself.
        """
        return inputs

    def finish(self, world: World, inputs: Any) -> None:
        """After every employee applied the rule (for outputs gathered in ``inputs``)."""

    def step(self, world: World) -> None:
        """Snapshot, then the rule for everyone (vector) or by each agent in turn (agent)."""
        inputs = self.prepare(world)
        if world.engine == "agent":
            world.apply_by_agents(self, self.for_agents(inputs))
        else:
            self.apply(world, inputs, self.draws(world))
        self.finish(world, inputs)


__all__ = ["EVERYONE", "FunctionPhase", "Mechanism", "Phase", "Tally", "Who", "World", "slots_of"]

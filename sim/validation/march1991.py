"""March (1991): mutual learning between individuals and an organizational code.

A small Mesa model of the simulation in March, J. G. (1991). Exploration and exploitation in
organizational learning. *Organization Science* 2(1):71-87, used as a validation case
(``scenarios/validation/march1991.yaml`` holds the Figure 1 sweep).

The paper describes the model in prose and leaves out steps that are needed to reproduce its
Figure 1; Rodan (2005, *Scandinavian Journal of Management* 21(4):407-428) and Christensen
(2015) describe them. We follow those steps:

* **Individuals act.** The code does not compare itself with how many dimensions each
  individual's beliefs get right (as the paper's text suggests) but with the outcome of
  actions: a belief of +1 or -1 is acted on as it stands, a neutral belief (0) by a fair coin
  flip, and performance is ``sum(action * reality)``. A lucky individual can outscore the code.
* **Socialization is gradual.** With probability ``p1`` a belief that differs from a non-zero
  code moves one step toward it (-1 to 0 to +1), so a belief opposite to the code passes
  through 0, where the individual experiments again. March's text says the belief "changes to
  that of the code"; the one-step rule is Christensen's (2015).
* **The code learns from superior performers.** The superior group is the individuals whose
  performance exceeds the code's score, ``sum(code * reality)`` (a neutral entry counts 0).
  On each dimension where the group's strict majority action differs from the code, the code
  adopts it with probability ``1 - (1 - p2) ** k``, ``k`` being the majority count minus the
  minority count; a tie changes nothing.
* **Order within a period:** turnover (``p3``), turbulence (``p4``), acting, then
  socialization and code learning. Socialization and code learning are *simultaneous*: both
  read the state as it was after acting. Socialization reads the code from before this
  period's code learning, and code learning reads the actions taken from the beliefs as they
  were before this period's socialization. March has the two happen in the same period ("at
  the same time, the organizational code adapts ..."), his footnote 1 speaks of the code "at
  the start of a time period", and simultaneous updating makes the result independent of
  which of the two is written first. Within each phase all entries are updated at once.
* **Equilibrium** (only without turnover and turbulence). The run stops when no further change
  is possible, checked exactly after every period:

  1. socialization can change no belief: ``p1 == 0``, or every individual's belief equals the
     code on every dimension where the code is non-zero; and
  2. code learning can change no entry: ``p2 == 0``, or no individual could outscore the code
     even if every coin flip went its way, i.e. for every individual
     ``sum(belief * reality) + count(belief == 0) <= sum(code * reality)``.

  For ``p1, p2 > 0`` and a code with no neutral entry left this is exactly the paper's
  equilibrium, in which "all individuals and the code share the same (not necessarily
  accurate) belief with respect to each dimension": every belief equals the code, and with no
  neutral entry nobody can outscore it. (Conversely, while a code entry is neutral and every
  belief equals the code, the individuals' coin flips can still move the code.) The condition
  also covers the possible, but in our runs never observed, frozen state in which the code
  keeps a neutral entry on which the individuals hold beliefs that can never lift them above
  the code; such a run would otherwise go on to the safety limit with nothing left to change.

With turnover or turbulence the state never settles and the run stops at ``max_periods``
(default 100); without them ``max_periods`` defaults to a 10,000-period safety limit, and the
``equilibrium`` outcome says whether equilibrium was reached.

State lives in numpy arrays on the model (``beliefs``: n x m int8, ``code`` and ``reality``: m
int8); an :class:`Individual` is a thin view of one row, and the step is vectorized over
individuals and dimensions. Each mechanism draws from its own named stream (``march.init``,
``march.turnover``, ``march.turbulence``, ``march.act``, ``march.socialization``,
``march.code``), so that no mechanism's draws consume another's.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim.core.rng import Streams, replication_seed
from sim.validation.march1991_params import PERIOD_LIMIT, SAFETY_LIMIT, SOURCE, MarchParams  # noqa: F401

DEFAULT_SEED = 1991
"""Root seed when no ``rng`` is given (replication 0 of it is used, as in ``sim.model.model``)."""

OUTCOME_COLUMNS = ("code_knowledge", "code_accuracy", "mean_individual_knowledge", "equilibrium")
"""Columns recorded every period (besides ``week``)."""

_SIGNS = np.array([-1, 1], dtype=np.int8)


def _coin_flips(gen: np.random.Generator, count: int) -> np.ndarray:
    """Return ``count`` fair coin flips as int8 values +1 or -1, 64 flips per raw draw."""
    raw = np.asarray(gen.bit_generator.random_raw((count + 63) // 64), dtype="<u8")
    return _SIGNS[np.unpackbits(raw.view(np.uint8), count=count, bitorder="little")]


class Individual(mesa.Agent):
    """An individual: a view of one row of the model's belief array.

    Turnover replaces the occupant of a row; the agent (a position in the organization) stays
    and its row gets fresh beliefs, so agents are never created or removed during a run.

    Args:
        model: The model whose arrays hold this individual's row.
        slot: The row index.
    """

    model: MarchModel

    def __init__(self, model: MarchModel, slot: int) -> None:
        super().__init__(model)
        self.slot = int(slot)

    @property
    def beliefs(self) -> np.ndarray:
        """Beliefs in {-1, 0, +1} per dimension (a writable view of the model's n x m array)."""
        return self.model.beliefs[self.slot]

    @beliefs.setter
    def beliefs(self, values) -> None:
        self.model.beliefs[self.slot] = values

    @property
    def knowledge(self) -> float:
        """Knowledge: ``sum(beliefs * reality) / m``, in [-1, 1]."""
        model = self.model
        return float((self.beliefs * model.reality).sum(dtype=np.int64)) / model.params.m

    @property
    def performance(self) -> int:
        """Performance in the last period, ``sum(action * reality)`` (0 before period 1)."""
        return int(self.model.performance[self.slot])

    @property
    def entered(self) -> int:
        """Period in which the current occupant of this row joined (0 for the founders)."""
        return int(self.model.entered[self.slot])

    def __repr__(self) -> str:
        return f"{type(self).__name__}(slot={self.slot}, knowledge={self.knowledge:.3f})"


class MarchModel(mesa.Model):
    """March's (1991) organization: individuals and a code learning from each other.

    Args:
        params: A :class:`MarchParams`, a mapping of its fields, or None for the defaults.
        rng: An integer seed or a ``numpy.random.Generator`` (an integer seed is drawn from
            it); by default replication 0 of seed 1991. Every random draw comes from named
            streams spawned from the seed.

    Attributes:
        params: The validated parameters.
        seed: The integer seed of the run.
        streams: The named random streams of this run.
        reality: The m-vector of reality, entries +1 or -1.
        code: The m-vector of the organizational code, entries in {-1, 0, +1}.
        beliefs: The n x m array of individual beliefs (int8, entries in {-1, 0, +1}).
        actions: The n x m array of the last period's actions, +1 or -1 (0 before period 1).
        performance: The n-vector of the last period's performances (0 before period 1).
        entered: The n-vector of the periods the current individuals joined.
        equilibrium: Whether the run has reached equilibrium (see the module docstring).
    """

    def __init__(
        self,
        params: MarchParams | dict[str, Any] | None = None,
        *,
        rng: int | np.random.Generator | None = None,
    ) -> None:
        if params is None:
            params = MarchParams()
        elif not isinstance(params, MarchParams):
            params = MarchParams.model_validate(params)
        if rng is None:
            seed = replication_seed(DEFAULT_SEED, 0)
        elif isinstance(rng, np.random.Generator):
            seed = int(rng.integers(0, 2**63 - 1))
        else:
            seed = int(rng)
        super().__init__(rng=seed)
        self.params = params
        self.seed = seed
        self.streams = Streams(seed)
        m, n = params.m, params.n
        init = self.streams["march.init"]
        self.reality = (init.integers(0, 2, size=m, dtype=np.int8) * 2 - 1).astype(np.int8)
        self.beliefs = init.integers(-1, 2, size=(n, m), dtype=np.int8)
        self.code = np.zeros(m, dtype=np.int8)
        self.actions = np.zeros((n, m), dtype=np.int8)
        self.performance = np.zeros(n, dtype=np.float64)
        self.entered = np.zeros(n, dtype=np.int64)
        self._agents_by_slot = [Individual(self, slot) for slot in range(n)]
        self._record = np.full((64, len(OUTCOME_COLUMNS)), np.nan)
        real = self.reality.astype(np.float64)
        self.equilibrium = self._at_equilibrium(real)
        self._record_period(real)

    # ------------------------------------------------------------------ views

    def agent_at(self, slot: int) -> Individual:
        """Return the agent that views row ``slot``."""
        return self._agents_by_slot[slot]

    @property
    def period(self) -> int:
        """Periods simulated so far (Mesa's step counter)."""
        return int(self.steps)

    @property
    def week(self) -> int:
        """Alias of :attr:`period`, the name the project's result tables use for time."""
        return int(self.steps)

    def code_score(self) -> int:
        """Return the code's score, ``sum(code * reality)`` (a neutral entry counts 0)."""
        return int(self.code @ self.reality.astype(np.int64))

    # ------------------------------------------------------------------ the period

    def step(self) -> None:
        """Advance the organization by one period.

        The phases run in this order: turnover, turbulence, acting, then socialization and code
        learning, which both read the state as it was after acting (see the module docstring).
        Every phase computes all of its changes from the state at its start and applies them at
        once.
        """
        p = self.params
        beliefs, code, reality = self.beliefs, self.code, self.reality
        streams = self.streams
        m = p.m
        # 1. turnover: each individual leaves with probability p3; a newcomer has fresh beliefs
        if p.p3 > 0.0:
            gen = streams["march.turnover"]
            leaving = np.flatnonzero(gen.random(p.n) < p.p3)
            if leaving.size:
                beliefs[leaving] = gen.integers(-1, 2, size=(leaving.size, m), dtype=np.int8)
                self.entered[leaving] = self.steps
        # 2. turbulence: each dimension of reality flips with probability p4
        if p.p4 > 0.0:
            flips = streams["march.turbulence"].random(m) < p.p4
            reality[flips] *= -1
        # 3a. acting: a belief is acted on as it stands, a neutral belief by a fair coin flip
        actions = beliefs.copy()
        neutral = beliefs == 0
        count = int(np.count_nonzero(neutral))
        if count:
            actions[neutral] = _coin_flips(streams["march.act"], count)
        real = reality.astype(np.float64)  # float dot products are exact for these integers
        performance = np.dot(actions, real)
        score = float(np.dot(code, real))
        self.actions, self.performance = actions, performance
        # 3b. socialization (reads the code as it was before 3c): a belief differing from a
        # non-zero code moves one step toward it with probability p1; the step is +1 toward a
        # code of +1 and -1 toward a code of -1, i.e. the code's value itself.
        if p.p1 > 0.0:
            differs = ((beliefs != code) & (code != 0)).ravel().nonzero()[0]
            if differs.size:
                move = differs[streams["march.socialization"].random(differs.size) < p.p1]
                if move.size:
                    rows, cols = np.divmod(move, m)
                    beliefs[rows, cols] += code[cols]
        # 3c. code learning (reads the actions taken before 3b): the superior group's strict
        # majority action replaces a differing code entry with probability 1 - (1 - p2)^k.
        if p.p2 > 0.0:
            superior = performance > score
            if superior.any():
                votes = np.dot(superior.astype(np.float64), actions)  # count(+1) - count(-1)
                majority = np.sign(votes)
                candidates = ((majority != 0.0) & (majority != code)).nonzero()[0]
                if candidates.size:
                    chance = 1.0 - (1.0 - p.p2) ** np.abs(votes[candidates])
                    draws = streams["march.code"].random(candidates.size)
                    adopt = candidates[draws < chance]
                    code[adopt] = majority[adopt]
        self.equilibrium = self._at_equilibrium(real)
        self._record_period(real)
        if self.equilibrium or self.period >= p.period_limit:
            self.running = False  # for Mesa's run_model()

    def _at_equilibrium(self, real: np.ndarray) -> bool:
        """Whether no further change is possible (never, with turnover or turbulence)."""
        p = self.params
        if not p.closed:
            return False
        beliefs, code = self.beliefs, self.code
        if p.p1 > 0.0 and ((beliefs != code) & (code != 0)).any():
            return False
        if p.p2 > 0.0:
            # the best an individual can score: right where its belief is, every coin flip won
            best = np.dot(beliefs, real) + (beliefs == 0).sum(axis=1)
            if (best > np.dot(code, real)).any():
                return False
        return True

    def _record_period(self, real: np.ndarray) -> None:
        period = self.period
        if period >= self._record.shape[0]:
            self._record = np.vstack([self._record, np.full_like(self._record, np.nan)])
        m, row = self.params.m, self._record[period]
        row[0] = float(np.dot(self.code, real)) / m
        row[1] = int(np.count_nonzero(self.code == self.reality)) / m
        row[2] = float(np.dot(self.beliefs, real).sum()) / (self.params.n * m)
        row[3] = float(self.equilibrium)

    def run(self, periods: int | None = None) -> MarchModel:
        """Step until equilibrium or the period limit and return the model.

        Args:
            periods: Step at most this many more periods (still stopping at equilibrium or
                the period limit); by default, run until one of the two.

        Returns:
            The model itself.
        """
        limit = self.params.period_limit
        if periods is not None:
            limit = min(limit, self.period + periods)
        while self.period < limit and not self.equilibrium:
            self.step()
        self.running = not (self.equilibrium or self.period >= self.params.period_limit)
        return self

    # ------------------------------------------------------------------ results

    def timeseries(self) -> pd.DataFrame:
        """Outcomes per period so far: one row per period, ``week`` = 0 (the start) .. T.

        Returns:
            A DataFrame with the columns ``week``, ``code_knowledge``, ``code_accuracy``,
            ``mean_individual_knowledge`` and ``equilibrium`` (1.0 or 0.0).
        """
        frame = pd.DataFrame(self._record[: self.period + 1], columns=list(OUTCOME_COLUMNS))
        frame.insert(0, "week", np.arange(self.period + 1, dtype=np.int64))
        return frame

    def final_outcomes(self) -> dict[str, float]:
        """Outcomes of the run so far.

        Returns:
            ``code_knowledge`` (code score / m, the measure of March's Figure 1),
            ``code_accuracy`` (share of dimensions where the code equals reality),
            ``mean_individual_knowledge`` (mean over individuals of beliefs x reality / m),
            ``periods`` (periods run) and ``equilibrium`` (1.0 if reached, else 0.0).
        """
        values = dict(zip(OUTCOME_COLUMNS, self._record[self.period].tolist(), strict=True))
        values["periods"] = float(self.period)
        return values


def equilibrium_table(
    p1_values: Iterable[float],
    p2_values: Iterable[float],
    replications: int,
    seed: int,
    m: int = 30,
    n: int = 50,
) -> pd.DataFrame:
    """Mean equilibrium code knowledge by socialization and code learning rate (Figure 1).

    Every cell runs ``replications`` models without turnover or turbulence to equilibrium.
    Replication ``r`` of every cell uses the seed ``replication_seed(seed, r)``, so all cells
    start from the same realities and beliefs (common random numbers).

    Args:
        p1_values: Socialization rates.
        p2_values: Code learning rates.
        replications: Runs per cell.
        seed: Root seed.
        m: Dimensions of reality.
        n: Individuals.

    Returns:
        One row per (p1, p2), p2 varying fastest, with the columns ``p1``, ``p2``,
        ``replications``, ``code_knowledge`` (mean), ``code_knowledge_se`` (its standard
        error), ``code_accuracy`` (mean), ``periods`` (mean), ``equilibrium`` (share of runs
        that reached it) and ``seconds`` (wall time of the cell).
    """
    if replications < 1:
        raise ValueError(f"replications must be at least 1 (got {replications})")
    seeds = [replication_seed(seed, r) for r in range(replications)]
    rows = []
    p2_list = [float(p2) for p2 in p2_values]
    for p1 in p1_values:
        for p2 in p2_list:
            params = MarchParams(m=m, n=n, p1=float(p1), p2=p2)
            start = time.perf_counter()
            results = [MarchModel(params, rng=s).run().final_outcomes() for s in seeds]
            seconds = time.perf_counter() - start
            knowledge = np.array([r["code_knowledge"] for r in results])
            se = knowledge.std(ddof=1) / np.sqrt(knowledge.size) if knowledge.size > 1 else np.nan
            rows.append(
                {
                    "p1": float(p1),
                    "p2": p2,
                    "replications": replications,
                    "code_knowledge": float(knowledge.mean()),
                    "code_knowledge_se": float(se),
                    "code_accuracy": float(np.mean([r["code_accuracy"] for r in results])),
                    "periods": float(np.mean([r["periods"] for r in results])),
                    "equilibrium": float(np.mean([r["equilibrium"] for r in results])),
                    "seconds": seconds,
                }
            )
    return pd.DataFrame(rows)

"""Pairing policies: the rules every policy honours, checked on random small organizations,
plus what each policy promises (optimality, stability, board sizes, orders)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import partial
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sim import kernels
from sim.core.organization import build_organization
from sim.core.organization_params import Organization
from sim.core.rng import Streams
from sim.core.state import OPENNESS, RESISTANCE, WILLINGNESS
from sim.program import pairing
from sim.program.design import POLICIES, ScoreWeights
from sim.program.pairing import (
    POLICY_FUNCTIONS,
    allowed,
    candidates,
    form_pairs,
    match_scores,
    mentor_preferences,
    pair_scores,
    register_policy,
    scores,
    solvers,
)

BUILT_IN = list(POLICIES)
SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


@dataclass
class Case:
    """One random pairing problem."""

    state: object
    mentors: np.ndarray
    mentees: np.ndarray
    capacity: int | np.ndarray  # one for all, or one per mentor (aligned with mentors)
    weights: ScoreWeights
    exclude: bool
    seed: int

    def pairs(self, policy: str, group_size: int | None = None, seed: int | None = None):
        rng = Streams(self.seed if seed is None else seed)["pairing"]
        return form_pairs(
            policy,
            self.state,
            self.mentors,
            self.mentees,
            capacity=self.capacity,
            focus=self.state.digital,
            weights=self.weights,
            exclude_reporting_lines=self.exclude,
            rng=rng,
            group_size=group_size,
        )

    def cap(self, mentor: int) -> int:
        """Capacity of one mentor slot."""
        if np.ndim(self.capacity) == 0:
            return int(self.capacity)
        return int(np.asarray(self.capacity)[np.flatnonzero(self.mentors == mentor)[0]])

    def total(self, pairs) -> float:
        mentee = np.array([e for e, board in pairs for _ in board], dtype=np.int64)
        mentor = np.array([c for _, board in pairs for c in board], dtype=np.int64)
        return float(
            pair_scores(self.state, mentor, mentee, self.state.digital, self.weights).sum()
        )


def build(size: int, levels: int, span: int, seed: int):
    return build_organization(
        Organization(size=size, levels=levels, span_of_control=span), Streams(seed)
    )


weights_st = st.builds(
    ScoreWeights,
    skill=st.floats(0, 2),
    attitude=st.floats(0, 2),
    department=st.floats(0, 1),
    diversity=st.floats(0, 1),
)


def capacities(n_mentors: int):
    return st.integers(1, 3) | st.lists(
        st.integers(0, 3), min_size=n_mentors, max_size=n_mentors
    ).map(np.array)


@st.composite
def cases(draw, max_mentors: int = 40, max_mentees: int = 20, capacity=None) -> Case:
    """A random organization, a random subset of juniors as mentors and of seniors as mentees
    (or, sometimes, both drawn from everyone, so one slot can be on both sides); capacity 1-3
    for all mentors, or, sometimes, 0-3 per mentor (the room a mentor has left); sometimes
    skills on a grid of quarters, so that many scores and preferences tie."""
    seed = draw(st.integers(0, 2**31 - 1))
    levels = draw(st.integers(3, 4))
    span = draw(st.integers(3, 6))
    size = draw(st.integers(12, min(90, sum(span**d for d in range(levels)))))
    state = build(size, levels, span, seed)
    if draw(st.integers(0, 2)) == 0:  # skills on a coarse grid: scores and preferences tie
        state.skills[:] = np.round(np.asarray(state.skills) * 4) / 4
    rng = np.random.default_rng(seed)
    if draw(st.integers(0, 3)) == 0:
        juniors = seniors = np.arange(size)
    else:
        juniors, seniors = np.flatnonzero(~state.senior), np.flatnonzero(state.senior)
    n_mentors = draw(st.integers(1, min(max_mentors, len(juniors))))
    n_mentees = draw(st.integers(1, min(max_mentees, len(seniors))))
    return Case(
        state=state,
        mentors=rng.choice(juniors, n_mentors, replace=False),
        mentees=rng.choice(seniors, n_mentees, replace=False),
        capacity=draw(capacities(n_mentors)) if capacity is None else capacity,
        weights=draw(weights_st),
        exclude=draw(st.booleans()),
        seed=seed,
    )


# ---------------------------------------------------------------------------------------------
# Independent reference implementations
# ---------------------------------------------------------------------------------------------


def chain(state, slot: int) -> set[int]:
    """The slot and everyone above it, walking the manager links."""
    out = {slot}
    while state.manager[slot] >= 0:
        slot = int(state.manager[slot])
        out.add(slot)
    return out


def may_pair(state, mentor: int, mentee: int, exclude: bool) -> bool:
    if mentor == mentee:
        return False
    return not (exclude and (mentee in chain(state, mentor) or mentor in chain(state, mentee)))


def naive_score(state, mentor: int, mentee: int, focus, w: ScoreWeights) -> float:
    skills, att = state.skills, state.attitudes
    gaps = [max(0.0, skills[mentor, f] - skills[mentee, f]) for f in focus]
    transfer = sum(gaps) / len(gaps) if gaps else 0.0
    attitude = att[mentor, WILLINGNESS] * att[mentee, OPENNESS] * (1 - att[mentee, RESISTANCE])
    return (
        w.skill * transfer
        + w.attitude * attitude
        + w.department * float(state.department[mentor] != state.department[mentee])
        + w.diversity * float(state.underrepresented[mentor])
    )


def rule_violations(case: Case, pairs, group_size: int | None, cross_department: bool) -> list[str]:
    """Every rule a policy must honour, checked without the module's own helpers."""
    size = group_size or 1
    problems = []
    mentees = [e for e, _ in pairs]
    if len(set(mentees)) != len(mentees):
        problems.append("a mentee is paired twice")
    if not set(mentees) <= set(case.mentees.tolist()):
        problems.append("a mentee outside the given mentees")
    load: dict[int, int] = {}
    for e, board in pairs:
        if len(board) != size or len(set(board)) != size:
            problems.append(f"mentee {e} has board {board}, not {size} distinct mentors")
        for c in board:
            load[c] = load.get(c, 0) + 1
            if c not in set(case.mentors.tolist()):
                problems.append(f"mentor {c} is not among the given mentors")
            if not may_pair(case.state, c, e, case.exclude):
                problems.append(f"pair mentor {c} / mentee {e} is not allowed")
            if cross_department and case.state.department[c] == case.state.department[e]:
                problems.append(f"pair mentor {c} / mentee {e} shares a department")
    over = {c: n for c, n in load.items() if n > case.cap(c)}
    if over:
        problems.append(f"mentors over capacity (mentor: load): {over}")
    return problems


def unserved_with_room(case: Case, pairs, group_size: int | None, cross_department: bool):
    """Mentees left out although enough allowed mentors still have free capacity."""
    load: dict[int, int] = {}
    for _, board in pairs:
        for c in board:
            load[c] = load.get(c, 0) + 1
    served = {e for e, _ in pairs}
    out = []
    for e in set(case.mentees.tolist()) - served:
        room = [
            c
            for c in set(case.mentors.tolist())
            if load.get(c, 0) < case.cap(c)
            and may_pair(case.state, c, e, case.exclude)
            and not (cross_department and case.state.department[c] == case.state.department[e])
        ]
        if len(room) >= (group_size or 1):
            out.append((e, sorted(room)))
    return out


# ---------------------------------------------------------------------------------------------
# Rules every policy honours
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("policy", BUILT_IN)
@pytest.mark.parametrize("group_size", [None, 2, 3])
@SETTINGS
@given(case=cases())
def test_every_policy_honours_the_rules(policy, group_size, case):
    pairs = case.pairs(policy, group_size)
    cross = policy == "cross_department"
    assert rule_violations(case, pairs, group_size, cross) == [], f"{policy}: {pairs}"
    left = unserved_with_room(case, pairs, group_size, cross)
    assert left == [], f"{policy} left out mentees that still had free allowed mentors: {left}"
    again = case.pairs(policy, group_size)
    assert again == pairs, f"{policy}: same inputs and seed gave different pairs"
    reverse = {"mentors": case.mentors[::-1], "mentees": case.mentees[::-1]}
    if np.ndim(case.capacity):
        reverse["capacity"] = case.capacity[::-1]
    shuffled = Case(**{**case.__dict__, **reverse})
    assert shuffled.pairs(policy, group_size) == pairs, f"{policy} depends on the input order"


@pytest.mark.parametrize("policy", BUILT_IN)
def test_boards_are_formed_when_mentors_are_plenty(policy):
    state = build(300, 4, 8, 3)
    rng = np.random.default_rng(3)
    mentees = rng.choice(np.flatnonzero(state.senior), 12, replace=False)
    mentors = rng.choice(np.flatnonzero(~state.senior), 60, replace=False)
    case = Case(state, mentors, mentees, 1, ScoreWeights(), False, 3)
    pairs = case.pairs(policy, group_size=4)
    if policy != "cross_department":  # may lack cross-department mentors
        assert len(pairs) == 12, f"{policy}: {len(pairs)} boards for 12 mentees and 60 mentors"
    assert all(len(set(board)) == 4 for _, board in pairs), f"{policy}: {pairs}"
    used = [c for _, board in pairs for c in board]
    assert len(used) == len(set(used)), f"{policy}: a mentor sits on two boards at capacity 1"


def test_empty_pools_give_no_pairs():
    state = build(40, 3, 6, 1)
    for policy in BUILT_IN:
        for mentors, mentees in (([], [5, 6]), ([20, 21], [])):
            case = Case(
                state, np.array(mentors, int), np.array(mentees, int), 1, ScoreWeights(), True, 1
            )
            assert case.pairs(policy) == [], f"{policy} paired someone from an empty pool"


# ---------------------------------------------------------------------------------------------
# Scores and eligibility
# ---------------------------------------------------------------------------------------------


@SETTINGS
@given(case=cases())
def test_allowed_matches_the_reporting_chain(case):
    got = allowed(case.state, case.mentors, case.mentees, case.exclude)
    want = np.array(
        [[may_pair(case.state, c, e, case.exclude) for c in case.mentors] for e in case.mentees]
    )
    assert got.shape == (len(case.mentees), len(case.mentors))
    assert np.array_equal(got, want), "allowed() disagrees with walking the manager chain"


@SETTINGS
@given(case=cases(), focus_size=st.integers(0, 3))
def test_match_scores_follow_the_formula(case, focus_size):
    focus = case.state.digital[:focus_size]
    got = match_scores(case.state, case.mentors, case.mentees, focus, case.weights)
    want = np.array(
        [
            [naive_score(case.state, c, e, focus, case.weights) for c in case.mentors]
            for e in case.mentees
        ]
    )
    assert got.dtype == np.float64 and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    assert (got >= 0).all(), "scores are non-negative"
    ee, cc = np.meshgrid(case.mentees, case.mentors, indexing="ij")
    pair = pair_scores(case.state, cc.ravel(), ee.ravel(), focus, case.weights)
    assert np.array_equal(pair, got.ravel()), "pair_scores must equal match_scores bit for bit"


# ---------------------------------------------------------------------------------------------
# optimal
# ---------------------------------------------------------------------------------------------


def brute_force_best(case: Case) -> float:
    mentors = np.unique(case.mentors)
    mentees = np.unique(case.mentees)
    scores = match_scores(case.state, mentors, mentees, case.state.digital, case.weights)
    ok = allowed(case.state, mentors, mentees, case.exclude)
    options = [[None, *np.flatnonzero(ok[i]).tolist()] for i in range(len(mentees))]
    best = 0.0
    for choice in itertools.product(*options):
        used = [c for c in choice if c is not None]
        if any(used.count(c) > case.cap(int(mentors[c])) for c in set(used)):
            continue
        best = max(best, sum(scores[i, c] for i, c in enumerate(choice) if c is not None))
    return best


@settings(max_examples=40, deadline=None, database=None)
@given(case=cases(max_mentors=4, max_mentees=4, capacity=None), cap=st.integers(1, 2))
def test_optimal_reaches_the_brute_force_optimum(case, cap):
    case.capacity = cap
    got = case.total(case.pairs("optimal"))
    best = brute_force_best(case)
    assert got == pytest.approx(best, abs=1e-9), f"optimal scored {got}, brute force {best}"


@pytest.mark.parametrize("large", [False, True])
def test_optimal_leaves_a_mentee_out_when_that_scores_more(large, monkeypatch):
    """A: strong pair with X; B may only take X (Y reports to B). Pairing both (A-Y, B-X)
    scores 0.3; A-X alone scores 1.0, so maximum weight is not maximum cardinality."""
    state = build(40, 3, 6, 1)
    managers = np.flatnonzero(state.depth == 1)
    b, a, other = (int(x) for x in managers[:3])
    y = int(np.flatnonzero(state.manager == b)[0])
    x = int(np.flatnonzero(state.manager == other)[0])
    digital = state.digital
    for slot, level in ((a, 0.0), (b, 0.9), (x, 1.0), (y, 0.2)):
        state.skills[slot, digital] = level
    case = Case(
        state,
        np.array([x, y]),
        np.array([a, b]),
        1,
        ScoreWeights(skill=1.0, attitude=0.0, department=0.0, diversity=0.0),
        True,
        1,
    )
    if large:
        monkeypatch.setattr(solvers, "EXACT_LIMIT", 0)
    pairs = case.pairs("optimal")
    assert pairs == [(a, (x,))], f"optimal gave {pairs}; the best total is A-X alone"
    assert case.total(pairs) == pytest.approx(1.0)


@SETTINGS
@given(case=cases())
def test_optimal_is_never_below_another_policy(case):
    best = case.total(case.pairs("optimal"))
    for policy in BUILT_IN:
        other = case.total(case.pairs(policy))
        assert best >= other - 1e-9, f"optimal {best} < {policy} {other}"


@settings(max_examples=15, deadline=None, database=None)
@given(case=cases(max_mentors=30, max_mentees=12))
def test_optimal_on_candidates_is_exact_with_all_candidates_and_beats_its_backbone(case):
    exact = case.total(case.pairs("optimal"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(solvers, "EXACT_LIMIT", 0)
        mp.setattr(solvers, "TOP_K", 10_000)
        assert case.total(case.pairs("optimal")) == pytest.approx(exact, abs=1e-9)
        mp.setattr(solvers, "TOP_K", 1)
        pairs = case.pairs("optimal")
    assert rule_violations(case, pairs, None, False) == []
    backbone_total = case.total(_serial_by_best_score(case))
    assert case.total(pairs) >= backbone_total - 1e-9, "candidate solve fell below its backbone"


def _graph(case: Case, per_mentee: int = 3):
    """A scorer of the case's mentors with room, their capacities, and a random graph of
    allowed edges: a few per mentee plus one to every mentor (so every mentor is in it)."""
    mentors, mentees, caps, *_ = full_problem(case)
    assume(len(mentors) > 0)
    sc = scores.Scorer(case.state, mentors, mentees, case.state.digital, case.weights, case.exclude)
    rng = np.random.default_rng(case.seed)
    ok = sc.allowed(np.arange(sc.m)[:, None], np.arange(sc.n)[None, :])
    turn = (np.arange(sc.m)[:, None] + np.arange(sc.n)[None, :]) % sc.m  # mentee j % m first
    first = turn[np.argmax(np.take_along_axis(ok, turn, axis=0), axis=0), np.arange(sc.n)]
    reach = ok.any(axis=0)  # a mentor no mentee may have is in no optimum either
    rows = np.concatenate([np.repeat(np.arange(sc.m), per_mentee), first[reach]])
    cols = np.concatenate([rng.integers(0, sc.n, sc.m * per_mentee), np.flatnonzero(reach)])
    keep = sc.allowed(rows, cols)
    rows, cols = rows[keep], cols[keep]
    return sc, caps, rows, cols, sc.match(rows, cols)


def _assignment_total(sc, out) -> float:
    r = np.array([i for i in sorted(out) for _ in out[i]], dtype=np.int64)
    c = np.array([j for i in sorted(out) for j in out[i]], dtype=np.int64)
    return float(sc.match(r, c).sum())


@SETTINGS
@given(case=cases())
def test_graph_prices_are_the_duals_of_the_graphs_optimal_matching(case):
    """Complementary slackness of the assignment's linear program, which any prices of an
    optimal matching must meet once the relaxation reaches its fixed point. Scores are at most
    a few units and each price is a short chain of float64 sums of them, so 1e-9 is rounding
    room many orders above the error and far below any score difference that matters."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(solvers, "PRICE_STEPS", 100_000)
        sc, caps, rows, cols, score = _graph(case)
        out = solvers.solve_sparse(sc, rows, cols, score, caps)
        u, v = solvers.graph_prices(sc, caps, rows, cols, score, out)
        assert (u >= 0).all() and (v >= 0).all()
        seats = np.bincount([c for b in out.values() for c in b], minlength=sc.n)
        assert (v[seats < caps] == 0).all(), "a mentor with a free seat has a price"
        assert (u[rows] + v[cols] >= score - 1e-9).all(), "an edge gains at these prices"
        m_r = np.array([r for r in sorted(out) for _ in out[r]], dtype=np.int64)
        m_c = np.array([c for r in sorted(out) for c in out[r]], dtype=np.int64)
        assert np.allclose(u[m_r] + v[m_c], sc.match(m_r, m_c), rtol=0, atol=1e-9)
        left_out = np.setdiff1d(np.arange(sc.m), m_r)
        assert np.allclose(u[left_out], 0.0, rtol=0, atol=1e-9)


@SETTINGS
@given(case=cases())
def test_column_generation_pricing_everything_reaches_the_exact_optimum(case):
    """With every mentor in the graph, windows and bands wider than the pool, and prices at
    their fixed point, rounds stop only when no pair gains anywhere: the linear program's
    optimality certificate, so the total is the dense exact optimum's."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(solvers, "PRICE_STEPS", 100_000)
        monkeypatch.setattr(solvers, "PRICE_WINDOW", 10_000)
        monkeypatch.setattr(solvers, "PRICE_ADD", 10_000)
        sc, caps, rows, cols, score = _graph(case, per_mentee=1)
        edges = rows, cols, score
        out = solvers.solve_sparse(sc, *edges, caps)
        start = _assignment_total(sc, out)
        for _ in range(100):
            edges, out, added = solvers.grow_and_resolve(sc, caps, edges, out, band=2 * sc.n + 2)
            if not added:
                break
        assert not added, "column generation did not stop"
        exact = _assignment_total(sc, solvers.assign_dense(sc, caps))
        assert _assignment_total(sc, out) == pytest.approx(exact, abs=1e-9)
        assert exact >= start - 1e-9


@SETTINGS
@given(case=cases(), band=st.integers(1, 6))
def test_solving_in_bands_never_lowers_the_total_and_keeps_the_rules(case, band):
    sc, caps, rows, cols, score = _graph(case)
    few = np.random.default_rng(case.seed + 1).random(len(rows)) < 0.4
    out = solvers.solve_sparse(sc, rows[few], cols[few], score[few], caps)
    prices = np.random.default_rng(case.seed + 2).random(sc.n)
    ladder = solvers.price_ladder(cols, prices)
    new = solvers.solve_in_bands(sc, rows, cols, score, caps, out, ladder, band)
    assert _assignment_total(sc, new) >= _assignment_total(sc, out) - 1e-9
    edges = set(zip(rows.tolist(), cols.tolist(), strict=True))
    assert all((r, c) in edges for r, b in new.items() for c in b), "a pair off the graph"
    seats = np.bincount([c for b in new.values() for c in b], minlength=sc.n)
    assert (seats <= caps).all()


def _serial_by_best_score(case: Case):
    """Mentees by their best score, highest first, each taking its best open mentor, by brute
    force (the assignment the candidate graph always holds)."""
    mentors, mentees = np.unique(case.mentors), np.unique(case.mentees)
    scores = match_scores(case.state, mentors, mentees, case.state.digital, case.weights)
    ok = allowed(case.state, mentors, mentees, case.exclude)
    ok &= np.array([case.cap(int(c)) > 0 for c in mentors])[None, :]
    scores = np.where(ok, scores, -np.inf)
    load, pairs = {}, {}
    for i in sorted(range(len(mentees)), key=lambda i: (-scores[i].max(initial=-np.inf), i)):
        for j in sorted(range(len(mentors)), key=lambda j: (-scores[i, j], j)):
            if ok[i, j] and load.get(j, 0) < case.cap(int(mentors[j])):
                pairs[i], load[j] = j, load.get(j, 0) + 1
                break
    return [(int(mentees[i]), (int(mentors[j]),)) for i, j in sorted(pairs.items())]


# ---------------------------------------------------------------------------------------------
# two_sided
# ---------------------------------------------------------------------------------------------


def blocking_pairs(case: Case, pairs) -> list[tuple[int, int]]:
    mentors, mentees = np.unique(case.mentors), np.unique(case.mentees)
    score = match_scores(case.state, mentors, mentees, case.state.digital, case.weights)
    pref = mentor_preferences(case.state, mentors, mentees)
    ok = allowed(case.state, mentors, mentees, case.exclude)
    row = {int(e): i for i, e in enumerate(mentees)}
    col = {int(c): j for j, c in enumerate(mentors)}
    partner = {row[e]: col[board[0]] for e, board in pairs}
    held: dict[int, list[int]] = {}
    for i, j in partner.items():
        held.setdefault(j, []).append(i)
    out = []
    for i, j in itertools.product(range(len(mentees)), range(len(mentors))):
        if not ok[i, j] or partner.get(i) == j:
            continue
        cur = partner.get(i)
        if cur is not None and (score[i, j], -j) <= (score[i, cur], -cur):
            continue  # the mentee prefers its partner
        worst = min(held.get(j, []), key=lambda k: (pref[k, j], -k), default=None)
        room = len(held.get(j, [])) < case.cap(int(mentors[j]))
        if room or (worst is not None and (pref[i, j], -i) > (pref[worst, j], -worst)):
            out.append((int(mentees[i]), int(mentors[j])))
    return out


@settings(max_examples=60, deadline=None, database=None)
@given(case=cases(max_mentors=25, max_mentees=25))
def test_two_sided_leaves_no_blocking_pair(case):
    pairs = case.pairs("two_sided")
    assert blocking_pairs(case, pairs) == [], "deferred acceptance left a blocking pair"


@pytest.mark.parametrize("engine", ["loop", "compiled"])
@pytest.mark.parametrize("list_start", [1, 128])
def test_compiled_proposals_give_the_plain_loops_pairs_and_higher_levels_close_mentors(
    engine, list_start
):
    """Deferred acceptance with its proposals in :func:`sim.kernels.proposals` against its
    Python loop: 300 mentees of several levels, 900 mentors with capacities 1 to 3. Lists of
    one make the list arrays fill and compact many times. Mentors that higher levels filled
    refuse every mentee of a lower one here (their experience gaps stay below 1), so they
    leave the frontier: the test counts them, so that this path is the one checked."""
    state = build(6000, 6, 8, 21)
    rng = np.random.default_rng(21)
    mentees = rng.choice(np.flatnonzero(state.senior), 300, replace=False)
    mentors = rng.choice(np.flatnonzero(~state.senior), 900, replace=False)
    case = Case(state, mentors, mentees, rng.integers(1, 4, 900), ScoreWeights(), True, 21)
    assert len(np.unique(state.level[mentees])) >= 3
    with pytest.MonkeyPatch.context() as mp:
        use_engine(mp, "numpy")
        plain = case.pairs("two_sided")
    closed = []
    with pytest.MonkeyPatch.context() as mp:
        use_engine(mp, engine)
        mp.setattr(solvers, "LIST_START", list_start)
        mp.setattr(solvers, "PROPOSER_ROWS", 4)
        close = candidates.Frontier.close
        mp.setattr(candidates.Frontier, "close", lambda f, c: closed.append(c) or close(f, c))
        got = case.pairs("two_sided")
    assert got == plain, "the compiled proposals changed the pairs"
    assert len(closed) > 0, "no mentor left the frontier: the levels' path was not taken"
    assert blocking_pairs(case, got) == []


@pytest.mark.parametrize("compiled", [False, True])
def test_a_rejected_mentee_proposes_before_the_rest_of_the_queue(compiled):
    """Deferred acceptance's proposals go depth first. Mentor 0 (capacity 1) holds mentee 0;
    mentees 1 and 2 are due to propose, each with only mentor 0 on its list. Mentee 1 (level
    1) takes mentor 0 from mentee 0 (level 0), who must walk its list before mentee 2 does:
    both find their lists used up, so the order they wait in is the order they proposed in."""
    if compiled:
        pytest.importorskip("numba")
    held = 0.0  # mentee 0's preference (level 0, no experience gap)
    state = kernels.ProposalState(
        cols=np.zeros(3, dtype=np.int32),  # each mentee's list: mentor 0
        mentor_exp=np.full((2, 1), 0.5),
        mentee_exp=np.full((1, 3), 0.5),
        level=np.array([0.0, 1.0, 0.0]),
        ptr=np.array([0, 1, 2]),
        end=np.array([1, 2, 3]),
        complete=np.zeros(3, dtype=bool),
        capacity=np.array([1, 1]),
        offset=np.array([0, 1]),
        count=np.array([1, 0]),
        held_pref=np.array([held, 0.0]),
        held_row=np.array([0, -1]),
        threshold=np.array([held, -np.inf]),
        threshold_row=np.array([0, -1]),
        member=np.array([0, 1]),
        member_threshold=np.array([held, -np.inf]),
        member_threshold_row=np.array([0, -1]),
        queue=np.array([1, 2, 0, 0]),
        ends=np.array([0, 2]),
    )
    waiting = kernels.proposals(state, 3, compiled=compiled)
    assert waiting.tolist() == [0, 2], "the rejected mentee did not propose next"
    assert state.held_row[0] == 1 and state.threshold[0] == 1.0


def test_mentees_given_new_lists_join_the_queue_at_its_front():
    """:class:`solvers._Pool` puts relisted mentees at the queue's front, in order, across the
    start of its ring; the mentees that were due keep their order after them, and mentees of
    the next level join at the back."""
    state = SimpleNamespace(queue=np.array([-1, 5, 6, -1, -1, -1, -1]), ends=np.array([1, 3]))
    pool = SimpleNamespace(state=state)

    def queued():
        (head, tail), size = state.ends, len(state.queue)
        return [int(state.queue[(head + i) % size]) for i in range((tail - head) % size)]

    solvers._Pool._enqueue(pool, np.array([7, 8, 9]), front=True)
    assert queued() == [7, 8, 9, 5, 6]
    solvers._Pool._enqueue(pool, np.array([4]))
    assert queued() == [7, 8, 9, 5, 6, 4]


# ---------------------------------------------------------------------------------------------
# Tiny windows, tails, batches and lists change nothing
# ---------------------------------------------------------------------------------------------


def tiny_index(mp):
    """Windows, tails and blocks of one mentor, one mentee per batch, lists of one."""
    mp.setattr(candidates, "FRONTIER_START", 1)
    mp.setattr(candidates, "TAIL_STEP", 1)
    mp.setattr(candidates, "TAIL_REFRESH", 1)
    mp.setattr(candidates, "BLOCK_ENTRIES", 1)
    mp.setattr(solvers, "BATCH_ROWS", 1)
    mp.setattr(solvers, "PROPOSER_ROWS", 1)
    mp.setattr(solvers, "GREEDY_START", 1)
    mp.setattr(solvers, "LIST_START", 1)


ENGINES = ["numpy", "loop", "compiled"]
"""How a frontier answers its queries: blocked numpy, or :func:`sim.kernels.best_mentors`'s
loop as plain Python or compiled (the optional ``fast`` extra); with the loops, deferred
acceptance's proposals run in :func:`sim.kernels.proposals`' loop too."""


def use_engine(mp, engine: str) -> None:
    """Answer every frontier's queries with ``engine``, whatever the problem's size."""
    if engine == "numpy":
        mp.setattr(candidates, "COMPILED_FROM", 1 << 62)
        return
    if engine == "compiled":
        pytest.importorskip("numba")
    mp.setattr(candidates, "COMPILED_FROM", 0)
    mp.setattr(kernels, "compiled_available", lambda: True)
    mp.setattr(
        kernels, "best_mentors", partial(kernels.best_mentors, compiled=engine == "compiled")
    )
    mp.setattr(kernels, "proposals", partial(kernels.proposals, compiled=engine == "compiled"))


@settings(max_examples=15, deadline=None, database=None)
@given(case=cases(max_mentors=30, max_mentees=20))
def test_tiny_windows_batches_and_lists_give_the_same_pairs(case):
    want = {(p, g): case.pairs(p, g) for p in BUILT_IN for g in (None, 2)}
    with pytest.MonkeyPatch.context() as mp:
        tiny_index(mp)
        got = {(p, g): case.pairs(p, g) for p in BUILT_IN for g in (None, 2)}
    for key in want:
        assert got[key] == want[key], f"{key}: tiny nodes, batches or lists changed the pairs"


# ---------------------------------------------------------------------------------------------
# What each policy promises
# ---------------------------------------------------------------------------------------------


def _rows(case: Case, key: str = "match"):
    mentors, mentees = np.unique(case.mentors), np.unique(case.mentees)
    if key == "match":
        vals = match_scores(case.state, mentors, mentees, case.state.digital, case.weights)
    else:
        vals = pairing.expected_transfer(case.state, mentors, mentees, case.state.digital)
    ok = allowed(case.state, mentors, mentees, case.exclude)
    ok &= np.array([case.cap(int(c)) > 0 for c in mentors], dtype=bool)[None, :]
    return mentors, mentees, np.where(ok, vals, -np.inf)


@SETTINGS
@given(case=cases())
def test_first_served_mentee_gets_its_best_mentor(case):
    mentors, mentees, vals = _rows(case)
    st_ = case.state
    first = {
        "low_resistance_first": int(np.lexsort((mentees, st_.attitudes[mentees, RESISTANCE]))[0]),
        "influence_first": int(
            np.lexsort((mentees, -st_.subtree_size[mentees], -st_.level[mentees]))[0]
        ),
    }
    for policy, i in first.items():
        partner = dict(case.pairs(policy)).get(int(mentees[i]))
        if np.isfinite(vals[i]).any():
            best = int(mentors[np.argmax(vals[i])])
            assert partner == (best,), f"{policy}: first mentee got {partner}, its best is {best}"
        else:
            assert partner is None, f"{policy}: a mentee without allowed mentors was paired"


@SETTINGS
@given(case=cases())
def test_greedy_policies_form_the_best_pair(case):
    for policy, key, same_dept_ok in (
        ("skill_gap", "transfer", True),
        ("cross_department", "match", False),
    ):
        mentors, mentees, vals = _rows(case, key)
        if not same_dept_ok:
            same = (
                case.state.department[mentees][:, None] == case.state.department[mentors][None, :]
            )
            vals = np.where(same, -np.inf, vals)
        if not np.isfinite(vals).any():
            continue
        i, j = np.unravel_index(np.argmax(vals), vals.shape)
        pairs = dict(case.pairs(policy))
        assert pairs.get(int(mentees[i])) == (int(mentors[j]),), f"{policy} missed the best pair"


@SETTINGS
@given(case=cases(), g=st.integers(2, 3))
def test_first_board_is_the_first_mentees_best(case, g):
    st_ = case.state
    for policy in ("low_resistance_first", "influence_first", "two_sided", "skill_gap", "optimal"):
        key = "transfer" if policy == "skill_gap" else "match"
        mentors, mentees, vals = _rows(case, key)
        top = -np.sort(-vals, axis=1)[:, :g]
        board_score = top.sum(axis=1) if vals.shape[1] >= g else np.full(len(mentees), -np.inf)
        exp = st_.skills[mentees][:, st_.experience].mean(axis=1)
        order = {
            "low_resistance_first": np.lexsort((mentees, st_.attitudes[mentees, RESISTANCE])),
            "influence_first": np.lexsort(
                (mentees, -st_.subtree_size[mentees], -st_.level[mentees])
            ),
            "two_sided": np.lexsort((mentees, -exp, -st_.level[mentees])),
            "skill_gap": np.lexsort((mentees, -board_score)),
            "optimal": np.lexsort((mentees, -board_score)),
        }[policy]
        i = int(order[0])
        board = dict(case.pairs(policy, group_size=g)).get(int(mentees[i]))
        finite = np.flatnonzero(np.isfinite(vals[i]))
        if len(finite) < g:
            assert board is None, f"{policy}: a board with fewer than {g} allowed mentors"
            continue
        want = mentors[np.lexsort((mentors, -vals[i]))[:g]]
        assert board == tuple(int(c) for c in want), f"{policy}: first board {board}, best {want}"


@SETTINGS
@given(case=cases())
def test_diversity_gives_the_most_senior_an_underrepresented_mentor(case):
    mentors, mentees, vals = _rows(case)
    st_ = case.state
    top = int(np.lexsort((mentees, -st_.subtree_size[mentees], -st_.level[mentees]))[0])
    ur = st_.underrepresented[mentors] & np.isfinite(vals[top])
    partner = dict(case.pairs("diversity")).get(int(mentees[top]))
    if ur.any():
        best = int(mentors[np.flatnonzero(ur)[np.argmax(vals[top][ur])]])
        assert partner == (best,), f"most senior got {partner}, best under-represented is {best}"


def test_random_is_not_constant_across_seeds():
    state = build(300, 4, 8, 5)
    rng = np.random.default_rng(5)
    case = Case(
        state,
        rng.choice(np.flatnonzero(~state.senior), 60, replace=False),
        rng.choice(np.flatnonzero(state.senior), 20, replace=False),
        1,
        ScoreWeights(),
        True,
        5,
    )
    draws = {tuple(case.pairs("random", seed=s)) for s in range(6)}
    assert len(draws) > 1, "random gave the same pairs for six seeds"
    assert tuple(case.pairs("random", seed=0)) in draws


# ---------------------------------------------------------------------------------------------
# Registry and input checks
# ---------------------------------------------------------------------------------------------


def test_registered_policy_runs_and_is_checked(monkeypatch):
    monkeypatch.setattr(pairing, "POLICY_FUNCTIONS", dict(POLICY_FUNCTIONS))
    monkeypatch.setattr(pairing, "POLICY_DOCS", dict(pairing.POLICY_DOCS))
    state = build(200, 4, 6, 2)
    mentors = np.flatnonzero(~state.senior)[:30]
    mentees = np.flatnonzero(state.senior)[:10]

    def lowest_slot(state, mentors, mentees, *, capacity, exclude_reporting_lines, **_):
        ok = allowed(state, np.sort(mentors), np.sort(mentees), exclude_reporting_lines)
        load = np.zeros(len(mentors), int)
        out = []
        for i, e in enumerate(np.sort(mentees)):
            free = np.flatnonzero(ok[i] & (load < capacity))
            if free.size:
                load[free[0]] += 1
                out.append((int(e), (int(np.sort(mentors)[free[0]]),)))
        return out

    register_policy("lowest_slot", lowest_slot, "Lowest free slot first (a test policy).")
    assert "lowest_slot" in pairing.POLICY_FUNCTIONS and "lowest_slot" in pairing.POLICY_DOCS
    case = Case(state, mentors, mentees, 1, ScoreWeights(), False, 2)
    pairs = case.pairs("lowest_slot")
    assert len(pairs) == 10 and rule_violations(case, pairs, None, False) == []
    with pytest.raises(ValueError, match="already registered"):
        register_policy("lowest_slot", lowest_slot, "again")

    def greedy_cheat(state, mentors, mentees, **_):
        return [(int(e), (int(mentors[0]),)) for e in mentees]  # one mentor for everyone

    register_policy("cheat", greedy_cheat, "Breaks capacity.")
    with pytest.raises(ValueError, match="broke a pairing rule"):
        case.pairs("cheat")


def test_form_pairs_rejects_bad_arguments():
    state = build(40, 3, 6, 1)
    case = Case(state, np.array([30, 31]), np.array([1, 2]), 1, ScoreWeights(), True, 1)
    with pytest.raises(ValueError, match="unknown pairing policy"):
        case.pairs("no_such_policy")
    case.capacity = 0
    with pytest.raises(ValueError, match="capacity"):
        case.pairs("random")
    case.capacity = np.array([1, 1, 1])  # three capacities for two mentors
    with pytest.raises(ValueError, match="capacity"):
        case.pairs("random")
    case.capacity = np.array([1, -1])
    with pytest.raises(ValueError, match="capacity"):
        case.pairs("random")
    case.mentors, case.capacity = np.array([30, 30]), np.array([1, 2])
    with pytest.raises(ValueError, match="different capacities"):
        case.pairs("random")


@pytest.mark.parametrize("policy", BUILT_IN)
def test_per_mentor_capacity_is_respected(policy):
    state = build(300, 4, 8, 4)
    rng = np.random.default_rng(4)
    mentors = rng.choice(np.flatnonzero(~state.senior), 12, replace=False)
    mentees = rng.choice(np.flatnonzero(state.senior), 30, replace=False)
    caps = np.array([0, 3] * 6)  # half the mentors are full already
    case = Case(state, mentors, mentees, caps, ScoreWeights(), False, 4)
    pairs = case.pairs(policy)
    load = {}
    for _, (c,) in pairs:
        load[c] = load.get(c, 0) + 1
    assert not set(load) & set(mentors[caps == 0].tolist()), f"{policy} used a full mentor"
    assert max(load.values()) <= 3 and len(pairs) == 18, f"{policy}: {len(pairs)} pairs, {load}"


def test_every_policy_in_the_schema_is_implemented():
    assert set(POLICIES) <= set(POLICY_FUNCTIONS), "a policy in sim.program.design has no function"
    for name in POLICIES:
        doc = POLICY_FUNCTIONS[name].__doc__ or ""
        assert len(doc) > 200 and "Args:" in doc, f"{name} lacks a full docstring"


def test_score_terms_add_up_to_the_pair_scores():
    from sim.program.pairing import pair_scores, score_terms

    st = build_organization(Organization(size=300, levels=4), Streams(3))
    rng = np.random.default_rng(0)
    mentors, mentees = rng.choice(300, 40), rng.choice(300, 40)
    w = ScoreWeights(skill=1.3, attitude=0.7, department=0.2, diversity=0.4)
    terms = score_terms(st, mentors, mentees, st.digital, w)
    total = sum(terms.values())
    # the same terms added in another order: equal to float64 rounding
    assert np.allclose(total, pair_scores(st, mentors, mentees, st.digital, w), rtol=0, atol=1e-12)
    assert (terms["department"] > 0).any() and (terms["department"] == 0).any(), "both cases seen"


# ---------------------------------------------------------------------------------------------
# Oracles: every policy against a brute force on the full score matrix
# ---------------------------------------------------------------------------------------------


def full_problem(case: Case):
    """Mentors with room (slot order), mentees (slot order), capacities, and full matrices:
    match scores, transfers, mentors' preferences, and the allowed mask."""
    mentors = np.array(sorted({int(c) for c in case.mentors if case.cap(int(c)) > 0}), dtype=int)
    mentees = np.unique(case.mentees)
    caps = np.array([case.cap(int(c)) for c in mentors], dtype=int)
    st_ = case.state
    score = match_scores(st_, mentors, mentees, st_.digital, case.weights)
    transfer = pairing.expected_transfer(st_, mentors, mentees, st_.digital)
    pref = mentor_preferences(st_, mentors, mentees)
    ok = allowed(st_, mentors, mentees, case.exclude)
    return mentors, mentees, caps, score, transfer, pref, ok


def best_open(vals, left, count):
    """The ``count`` best entries with room left, ties by position; None if fewer."""
    vals = np.where(left > 0, vals, -np.inf)
    order = np.lexsort((np.arange(len(vals)), -vals))[:count]
    return order if len(order) == count and np.isfinite(vals[order]).all() else None


def ref_serial(vals, order, caps, count):
    left, out = caps.copy(), {}
    for i in order:
        chosen = best_open(vals[i], left, count)
        if chosen is not None:
            left[chosen] -= 1
            out[int(i)] = tuple(int(c) for c in chosen)
    return out, left


def ref_greedy(vals, rows, caps):
    left, out = caps.copy(), {}
    edges = sorted((-vals[i, j], i, j) for i in rows for j in range(vals.shape[1]))
    for neg, i, j in edges:
        if np.isfinite(neg) and i not in out and left[j] > 0:
            out[int(i)] = (int(j),)
            left[j] -= 1
    return out


def ref_board_order(vals, g):
    top = np.full(len(vals), -np.inf)
    if g <= vals.shape[1]:
        top = (-np.sort(-vals, axis=1)[:, :g]).sum(axis=1)
    return np.lexsort((np.arange(len(vals)), -top))


def ref_deferred_acceptance(score, pref, caps):
    """Textbook mentee-proposing deferred acceptance on full preference lists."""
    m = len(score)
    lists = [
        [j for j in np.lexsort((np.arange(score.shape[1]), -score[i])) if np.isfinite(score[i, j])]
        for i in range(m)
    ]
    nxt, held = [0] * m, {j: [] for j in range(score.shape[1])}
    free = list(range(m))
    while free:
        i = free.pop()
        if nxt[i] >= len(lists[i]):
            continue
        j = lists[i][nxt[i]]
        nxt[i] += 1
        held[j].append(i)
        held[j].sort(key=lambda k: (-pref[k, j], k))
        if len(held[j]) > caps[j]:
            free.append(held[j].pop())
    return {i: (j,) for j, rows in held.items() for i in rows}


def ref_random(ok, caps, count, rng):
    left, out = caps.copy(), {}
    for i in rng.permutation(len(ok)):
        cand = np.flatnonzero(ok[i] & (left > 0))
        if cand.size < count:
            continue
        chosen = (
            rng.choice(cand, size=count, replace=False)
            if count > 1
            else cand[[rng.integers(cand.size)]]
        )
        left[chosen] -= 1
        out[int(i)] = tuple(int(c) for c in chosen)
    return out


def reference_pairs(case: Case, policy: str, g: int | None):
    """What ``policy`` defines, computed on the full matrices (slots in, slots out)."""
    mentors, mentees, caps, score, transfer, pref, ok = full_problem(case)
    st_ = case.state
    match = np.where(ok, score, -np.inf)
    count = g or 1
    seniority = np.lexsort((mentees, -st_.subtree_size[mentees], -st_.level[mentees]))
    if policy == "random":
        out = ref_random(ok, caps, count, Streams(case.seed)["pairing"])
    elif policy in ("skill_gap", "cross_department", "optimal_boards"):
        vals = np.where(ok, transfer, -np.inf) if policy == "skill_gap" else match
        if policy == "cross_department":
            same = st_.department[mentees][:, None] == st_.department[mentors][None, :]
            vals = np.where(same, -np.inf, vals)
        if g:
            out = ref_serial(vals, ref_board_order(vals, g), caps, g)[0]
        else:
            out = ref_greedy(vals, range(len(mentees)), caps)
    elif policy == "diversity" and not g:
        out, left = ref_serial(
            np.where(st_.underrepresented[mentors][None, :], match, -np.inf), seniority, caps, 1
        )
        rest = [i for i in range(len(mentees)) if i not in out]
        out.update(ref_greedy(np.where(left[None, :] > 0, match, -np.inf), rest, left))
    elif policy == "diversity":  # boards: under-represented mentors first, then the rest
        out, left = {}, caps.copy()
        ur = st_.underrepresented[mentors]
        for i in seniority:
            ranked = [
                int(c)
                for c in np.lexsort((np.arange(len(left)), -match[i]))
                if np.isfinite(match[i, c]) and left[c] > 0
            ]
            board = [c for c in ranked if ur[c]][:g]
            board += [c for c in ranked if c not in board][: g - len(board)]
            if len(board) == g:
                left[board] -= 1
                out[int(i)] = tuple(board)
    elif policy == "two_sided" and not g:
        out = ref_deferred_acceptance(match, pref, caps)
    else:
        exp = st_.skills[mentees][:, st_.experience].mean(axis=1)
        order = {
            "low_resistance_first": np.lexsort((mentees, st_.attitudes[mentees, RESISTANCE])),
            "influence_first": seniority,
            "mentee_choice": Streams(case.seed)["pairing"].permutation(len(mentees)),
            "two_sided": np.lexsort((mentees, -exp, -st_.level[mentees])),
        }[policy]
        out = ref_serial(match, order, caps, count)[0]
    return [(int(mentees[i]), tuple(int(mentors[j]) for j in out[i])) for i in sorted(out)]


ORACLE_POLICIES = [p for p in BUILT_IN if p != "optimal"] + ["optimal_boards"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("tiny", [False, True])
@settings(max_examples=20, deadline=None, database=None)
@given(case=cases(max_mentors=30, max_mentees=15), g=st.sampled_from([None, 2]))
def test_every_policy_gives_the_pairs_it_defines_on_the_full_matrix(engine, tiny, case, g):
    """Serial dictatorships, greedy, deferred acceptance, random draws and boards, each
    against a brute force on the full score matrix; with tiny index nodes too, so that the
    bounds, the pruning and the list refreshes are all exercised; with each engine of the
    frontier's queries."""
    with pytest.MonkeyPatch.context() as mp:
        use_engine(mp, engine)
        if tiny:
            tiny_index(mp)
        for policy in ORACLE_POLICIES:
            if policy == "optimal_boards" and not g:
                continue
            name = "optimal" if policy == "optimal_boards" else policy
            got, want = case.pairs(name, g), reference_pairs(case, policy, g)
            assert got == want, f"{policy} (group {g}): {got} != brute force {want}"


@pytest.mark.slow
@pytest.mark.parametrize("policy", ORACLE_POLICIES)
def test_policies_give_the_pairs_they_define_on_a_larger_pool(policy):
    """300 mentees x 2,000 mentors at the default index sizes: many nodes, deep lists."""
    state = build(4000, 5, 8, 11)
    rng = np.random.default_rng(11)
    mentees = rng.choice(np.flatnonzero(state.senior), 120, replace=False)
    mentors = rng.choice(np.flatnonzero(~state.senior), 1500, replace=False)
    case = Case(state, mentors, mentees, 1, ScoreWeights(), True, 11)
    g = 2 if policy == "optimal_boards" else None
    name = "optimal" if policy == "optimal_boards" else policy
    assert case.pairs(name, g) == reference_pairs(case, policy, g), policy


# ---------------------------------------------------------------------------------------------
# The frontier: tail bounds hold, queries equal full rows
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=30, deadline=None, database=None)
@given(
    case=cases(max_mentors=40, max_mentees=10),
    only=st.sampled_from([None, "cross_department", "underrepresented"]),
    closed=st.integers(0, 20),
    k=st.integers(1, 12),
    skip=st.none() | st.integers(0, 8),
    per_row=st.booleans(),
)
def test_frontier_queries_equal_full_rows_and_tail_bounds_hold(
    engine, case, only, closed, k, skip, per_row
):
    """Each row's k best usable mentors, exactly; with ``per_row``, a k of its own for each row
    (as serial dictatorship asks: one more for each mentee before it in the batch)."""
    mentors, mentees = np.unique(case.mentors), np.unique(case.mentees)
    sc = scores.Scorer(case.state, mentors, mentees, case.state.digital, case.weights, case.exclude)
    with pytest.MonkeyPatch.context() as mp:
        use_engine(mp, engine)
        mp.setattr(candidates, "FRONTIER_START", 2)  # many windows, many tails
        mp.setattr(candidates, "TAIL_STEP", 2)
        mp.setattr(candidates, "TAIL_REFRESH", 1)
        index = candidates.Frontier(sc, only)
        rng = np.random.default_rng(case.seed)
        live = np.ones(sc.n, dtype=bool)
        for c in rng.choice(sc.n, min(closed, sc.n), replace=False):
            index.close(int(c))
            live[c] = False
        rows = np.arange(sc.m)
        full = sc.match(rows[:, None], np.arange(sc.n)[None, :])
        usable = sc.allowed(rows[:, None], np.arange(sc.n)[None, :]) & live[None, :]
        if only == "cross_department":
            usable &= sc.mentee_dept[:, None] != sc.mentor_dept[None, :]
        if only == "underrepresented":
            usable &= sc.mentor_ur[None, :]
        ceiling = None
        if skip is not None:  # a ceiling at each row's skip-th mentor: it and those above go
            ranked = [np.lexsort((np.arange(sc.n), -full[i])) for i in rows]
            at = np.array([r[min(skip, sc.n - 1)] for r in ranked])
            ceiling = (full[rows, at], at)
            for i, r in enumerate(ranked):
                usable[i, r[: min(skip, sc.n - 1) + 1]] = False
        ks = rng.integers(1, k + 1, sc.m) if per_row else np.full(sc.m, k)
        cols, vals, complete = index.top(rows, ks if per_row else k, ceiling=ceiling)
    full = np.where(usable, full, -np.inf)
    assert cols.shape == (sc.m, ks.max(initial=0))
    for i in rows:
        order = np.lexsort((np.arange(sc.n), -full[i]))[: ks[i]]
        order = order[np.isfinite(full[i, order])]
        assert cols[i, : len(order)].tolist() == order.tolist(), f"row {i}: {cols[i]} vs {order}"
        assert vals[i, : len(order)].tolist() == full[i, order].tolist()  # exact, not coarse
        assert (cols[i, len(order) :] == -1).all() and complete[i] == (usable[i].sum() < ks[i])
    in_order = np.where(index.live[None, :], full[:, index.order], -np.inf)
    tail = index.tail
    for t in range(len(tail.starts)):  # every tail's bound is above its live members' scores
        best = in_order[:, t * tail.step :].max(axis=1, initial=-np.inf)
        assert (tail.bound(index.sc, rows, t) >= best).all(), f"tail {t} bound below a score"


@pytest.mark.parametrize("engine", ENGINES)
def test_mentors_tied_in_value_are_listed_by_position(engine):
    """Runs of mentors with equal scores (copies of three mentors, shuffled over the slots) are
    listed best value first and, within a run, by position, also where the k-th entry cuts a
    run: the order a full row of scores sorted by (value, position) gives."""
    state = build(400, 4, 8, 3)
    mentors, mentees = np.flatnonzero(~state.senior)[:90], np.flatnonzero(state.senior)[:3]
    rng = np.random.default_rng(2)
    copies = mentors[rng.integers(0, 3, len(mentors))]
    for column in ("skills", "attitudes", "department", "underrepresented"):
        values = getattr(state, column)
        values[mentors] = values[copies]
    weights = ScoreWeights()
    sc = scores.Scorer(state, mentors, mentees, state.digital, weights, False)
    full = sc.match(np.arange(sc.m)[:, None], np.arange(sc.n)[None, :])
    assert len(np.unique(full[0])) <= 3, "the copies score alike"
    with pytest.MonkeyPatch.context() as mp:
        use_engine(mp, engine)
        mp.setattr(candidates, "TAIL_STEP", 8)
        for k in (1, 20, 45, sc.n):
            cols, vals, _ = candidates.Frontier(sc).top(np.arange(sc.m), k)
            for i in range(sc.m):
                want = np.lexsort((np.arange(sc.n), -full[i]))[:k]
                assert cols[i].tolist() == want.tolist(), f"k={k}, row {i}"
                assert vals[i].tolist() == full[i, want].tolist()


@pytest.mark.parametrize("engine", ENGINES)
def test_a_full_mentor_takes_an_equally_preferred_mentee_only_of_lower_position(engine):
    """Deferred acceptance's lists: a mentor holding a mentee it prefers exactly as much
    accepts the mentee of lower position (the tie rule of ``_hold``), and refuses the other."""
    state = build(60, 4, 4, 3)
    mentors, mentees = np.flatnonzero(~state.senior)[:12], np.flatnonzero(state.senior)[:2]
    state.skills[mentees[1]] = state.skills[mentees[0]]  # alike in all mentors rank them by
    state.level[mentees[1]] = state.level[mentees[0]]
    sc = scores.Scorer(state, mentors, mentees, state.digital, ScoreWeights(), False)
    with pytest.MonkeyPatch.context() as mp:
        use_engine(mp, engine)
        index = candidates.Frontier(sc)
        accept = solvers._Acceptance(index)
        prefs = sc.preference(np.ones(sc.n, dtype=np.int64), np.arange(sc.n))
        assert (prefs == sc.preference(np.zeros(sc.n, dtype=np.int64), np.arange(sc.n))).all()
        for c in range(sc.n):  # every mentor is full, holding mentee 1
            accept.set(c, (float(prefs[c]), 1))
        cols, _, complete = index.top(np.array([0, 1]), sc.n, accept)
    assert sorted(cols[0].tolist()) == list(range(sc.n)), "every mentor takes mentee 0"
    assert (cols[1] == -1).all() and complete[1], "and none takes mentee 1 again"


def test_tail_bounds_hold_beyond_the_grids():
    """Receptiveness above 1 and skills outside [0, 1]: the bound still covers every score."""
    state = build(300, 4, 8, 5)
    state.skills[:] = np.random.default_rng(5).uniform(-0.5, 1.6, state.skills.shape)
    state.attitudes[:, 1] = 1.4  # openness above 1: receptiveness above 1 where resistance < 0.3
    state.attitudes[:, 0] = 0.0
    mentors, mentees = np.arange(0, 300, 2), np.arange(1, 300, 2)
    sc = scores.Scorer(state, mentors, mentees, state.digital, ScoreWeights(), False)
    assert sc.receptive.max() > 1 and sc.mentee_focus.max() > 1 and sc.mentor_focus.min() < 0
    bound = scores.SuffixBound(sc, np.ones(sc.n, dtype=bool), 8)
    full = sc.match(np.arange(sc.m)[:, None], np.arange(sc.n)[None, :])
    for t in range(len(bound.starts)):
        best = full[:, t * 8 :].max(axis=1)
        assert (bound.bound(sc, np.arange(sc.m), t) >= best).all(), f"tail {t}"


def test_random_draws_equal_those_of_a_full_row():
    """The Fenwick tree's k-th open allowed mentor is the full row's k-th, for the same draw."""
    state = build(400, 4, 8, 9)
    rng = np.random.default_rng(9)
    mentors = rng.choice(np.arange(400), 150, replace=False)
    mentees = rng.choice(np.flatnonzero(state.senior), 40, replace=False)
    for g in (None, 3):
        case = Case(state, mentors, mentees, np.array([1, 2] * 75), ScoreWeights(), True, 9)
        assert case.pairs("random", g) == reference_pairs(case, "random", g)

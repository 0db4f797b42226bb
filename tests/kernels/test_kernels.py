"""The vector engine's shortcuts give the answers of the plain computations they replace.

Each shortcut (neighbour counts kept up to date from the rows that changed, tie counts from
neighbour counts, adoption and idea chances computed only below an upper bound, ties picked by
geometric gaps) is checked against the direct computation it stands for: exactly where the
shortcut only reorders work, statistically where it draws differently.
"""

import numpy as np
import pytest
import scipy.sparse as sp

from sim.core.organization import build_organization
from sim.core.organization_params import COHORTS, Organization
from sim.core.rng import Streams
from sim.kernels import NeighbourCounts
from sim.mechanisms import adoption, innovation
from sim.model.outcomes import TieIndex, tie_counts


@pytest.fixture
def state():
    st = build_organization(Organization(size=600, levels=5), Streams(5))
    rng = np.random.default_rng(1)
    st.alive[rng.choice(600, 40, replace=False)] = False
    st.adopted[:] = rng.random(st.adopted.shape) < 0.3
    return st


def _direct(st):
    """Every count as one full sparse product over the current state."""
    alive = st.alive
    cols = [alive, alive & st.senior, alive & st.underrepresented]
    cols += [alive & st.adopted[:, t] for t in range(st.adopted.shape[1])]
    cols += [alive & (st.cohort == c) for c in range(len(COHORTS))]
    return st.network @ np.stack(cols, axis=1).astype(np.float64)


def test_neighbour_counts_stay_equal_to_the_full_product_through_many_changes(state):
    counts = NeighbourCounts(state.network, len(COHORTS))
    rng = np.random.default_rng(2)
    for week in range(30):
        # departures, hires with new cohorts and groups, promotions, new adopters
        flip = rng.choice(state.size, rng.integers(0, 25), replace=False)
        state.alive[flip] = ~state.alive[flip]
        moved = rng.choice(state.size, 5, replace=False)
        state.cohort[moved] = rng.integers(0, len(COHORTS), 5)
        state.underrepresented[moved] = ~state.underrepresented[moved]
        state.senior[moved] = ~state.senior[moved]
        state.adopted |= rng.random(state.adopted.shape) < 0.01
        if week == 20:  # one big change: more rows than the incremental path takes
            state.alive[: state.size // 2] = ~state.alive[: state.size // 2]
        c = counts.update(state)
        got = np.column_stack([c.alive, c.seniors, c.underrepresented, c.adopted, c.cohort])
        # small integers in float32: exact, so equal, not merely close
        assert np.array_equal(got, _direct(state)), f"counts drifted at week {week}"


def test_tie_counts_equal_a_count_over_every_tie(state):
    counts = NeighbourCounts(state.network, len(COHORTS)).update(state)
    ties = TieIndex(state.network)
    a, b = ties.a, ties.b
    live = state.alive[a] & state.alive[b]
    a, b = a[live], b[live]
    extra = (np.array([0, 1, 2, -1]), np.array([5, 6, -1, 7]))  # -1: a person who left
    n, gen, grp = tie_counts(counts, state.alive, state.cohort, state.underrepresented, extra)
    ea, eb = extra[0][:2], extra[1][:2]
    ok = state.alive[ea] & state.alive[eb]
    ea, eb = ea[ok], eb[ok]
    assert n == a.size + ea.size
    assert (
        gen
        == (state.cohort[a] != state.cohort[b]).sum() + (state.cohort[ea] != state.cohort[eb]).sum()
    )
    assert (
        grp
        == (state.underrepresented[a] != state.underrepresented[b]).sum()
        + (state.underrepresented[ea] != state.underrepresented[eb]).sum()
    )
    assert 0 < gen < n and 0 < grp < n, "both kinds of tie occur, so the check has teeth"


def test_chain_push_at_entries_equals_the_full_push_to_the_last_bit(state):
    adopted = state.adopted & state.alive[:, None]
    full = adoption.chain_push(state, adopted.astype(float), 0.3)
    rng = np.random.default_rng(3)
    rows = rng.integers(0, state.size, 500)
    techs = rng.integers(0, state.adopted.shape[1], 500)
    at = adoption.chain_push_at(state, 0.3, rows, techs)
    assert np.array_equal(at, full[rows, techs])
    assert at.max() > 1.0, "pushes from more than one level up are part of the check"


def _adopt_directly(st, params, week, introduced, draws, exposure):
    """The plain rule: the hazard of every employee and technology, compared with the draws."""
    adopted = st.adopted.astype(np.float64)
    share = adoption.neighbour_mean(st.network, st.alive, adopted)
    push = adoption.chain_push(st, adopted * st.alive[:, None], params.chain_decay)
    skill = np.stack([st.tech_skill(t) for t in range(adopted.shape[1])], axis=1)
    prob = adoption.weekly_probability(adoption.hazard(params, skill, share, push, exposure))
    return (draws < prob) & ~st.adopted & st.alive[:, None] & (introduced[None, :] <= week)


@pytest.mark.parametrize("with_counts", [False, True])
def test_adoption_below_the_bound_adopts_exactly_who_the_plain_rule_adopts(state, with_counts):
    # strong hazards, so that many draws fall between the chance and the bound
    params = adoption.AdoptionParams(innovation=3.0, imitation=30.0, manager_push=8.0)
    introduced = np.array([0, 0, 10])
    rng = np.random.default_rng(4)
    exposure = np.where(rng.random(state.adopted.shape) < 0.1, 1.0, 0.0)
    for week in (3, 12):
        draws = np.random.default_rng(week).random(state.adopted.shape)
        expected = _adopt_directly(state, params, week, introduced, draws, exposure)
        before = state.adopted.copy()
        counts = None
        if with_counts:
            c = NeighbourCounts(state.network, len(COHORTS)).update(state)
            counts = (c.alive, c.adopted)
        n = adoption.apply(
            state, params, week, introduced, np.random.default_rng(week), exposure, counts
        )
        assert np.array_equal(state.adopted & ~before, expected)
        assert n == expected.sum() > 20, "enough adoptions for the comparison to mean something"
        assert (state.adopted_week[expected] == week).all()


def test_the_adoption_bound_is_above_every_chance(state):
    params = adoption.AdoptionParams()
    state.skills[:] = 1.0
    state.adopted[:] = True  # every neighbour and manager adopted: the largest hazard
    push = adoption.chain_push(state, state.adopted.astype(float), params.chain_decay)
    top = adoption.hazard(params, np.ones(state.adopted.shape), 1.0, push, np.ones_like(push))
    assert adoption.weekly_probability(top).max() <= adoption.upper_probability(
        params, state, np.ones_like(push)
    )


def test_ideas_below_the_bound_are_the_ideas_of_the_plain_rule(state):
    params = innovation.InnovationParams(idea_rate=0.3, cross_department_bonus=1.0)
    ties = TieIndex(state.network)
    rng = np.random.default_rng(6)
    a, b = ties.a, ties.b
    weight = rng.integers(1, 4, a.size).astype(float)
    u = rng.random((a.size, 2))
    got = innovation._ideas(state, a, b, weight, u, params, 4)
    # the plain rule: every interaction's exact chance
    cross = (state.department[a] != state.department[b]).astype(float)
    p = (
        1.0
        - (1.0 - innovation.idea_probability(state.skills[a], state.skills[b], cross, params))
        ** weight
    )
    idea = u[:, 0] < p
    s = innovation.sponsor(a[idea], b[idea], state.level, state.manager)
    p_impl = innovation.implementation_probability(state.level[s], state.attitudes[s, 1], 4, params)
    assert got == (int(idea.sum()), int((u[idea, 1] < p_impl).sum()))
    assert got[0] > 50


def test_tie_ideas_drop_draws_above_the_bound_before_reading_the_ties(state):
    """The week's tie ideas equal the plain rule applied to every interacting live tie."""
    params = innovation.InnovationParams(
        idea_rate=0.3, cross_department_bonus=1.0, interaction_rate=0.5
    )
    # skills of 1 and 0.5 in turn: ties across them have chances up to 3/4 of the bound
    state.skills[:] = np.where(np.arange(state.size) % 2, 1.0, 0.5)[:, None]
    ties = TieIndex(state.network)
    got = innovation.tie_ideas(state, ties.a, ties.b, params, 4, np.random.default_rng(9))
    # the plain rule, from the same draws: every picked tie with two current employees
    rng = np.random.default_rng(9)
    pick = innovation.bernoulli_indices(ties.a.size, params.interaction_rate, rng)
    u = rng.random((pick.size, 2))
    a, b = ties.a[pick], ties.b[pick]
    live = state.alive[a] & state.alive[b]
    a, b, u = a[live], b[live], u[live]
    cross = (state.department[a] != state.department[b]).astype(float)
    p = innovation.idea_probability(state.skills[a], state.skills[b], cross, params)
    assert p.max() > 0.6 * innovation._idea_bound(params, 1.0), "chances near the bound occur"
    idea = u[:, 0] < p
    s = innovation.sponsor(a[idea], b[idea], state.level, state.manager)
    p_impl = innovation.implementation_probability(state.level[s], state.attitudes[s, 1], 4, params)
    assert got == (int(idea.sum()), int((u[idea, 1] < p_impl).sum()))
    assert got[0] > 50 and (~live).any(), "ideas occur and some picked ties have a vacant end"


def test_bernoulli_indices_pick_each_trial_with_its_chance():
    n, p, reps = 20_000, 0.1, 200
    rng = np.random.default_rng(7)
    hits = np.zeros(n)
    sizes = []
    for _ in range(reps):
        idx = innovation.bernoulli_indices(n, p, rng)
        assert (np.diff(idx) > 0).all() and idx[0] >= 0 and idx[-1] < n
        hits[idx] += 1
        sizes.append(idx.size)
    # the count is Binomial(n, p): its mean over 200 draws is within 4 standard errors
    se = np.sqrt(n * p * (1 - p) / reps)
    assert abs(np.mean(sizes) - n * p) < 4 * se
    # every position equally likely: the first and last tenths get the same share
    first, last = hits[: n // 10].sum(), hits[-n // 10 :].sum()
    assert abs(first - last) < 4 * np.sqrt(first + last)
    # edge cases: nothing, everything, and a stream that is the same whatever the state
    assert innovation.bernoulli_indices(n, 0.0, rng).size == 0
    assert innovation.bernoulli_indices(5, 1.0, rng).tolist() == [0, 1, 2, 3, 4]
    one = innovation.bernoulli_indices(1000, 0.3, np.random.default_rng(8))
    two = innovation.bernoulli_indices(1000, 0.3, np.random.default_rng(8))
    assert np.array_equal(one, two)


def test_bernoulli_indices_keep_drawing_when_the_first_block_falls_short():
    class EveryTrial:  # a stream whose every gap is 1: each trial succeeds
        def geometric(self, p, size):
            return np.ones(size, dtype=np.int64)

    # the first block (about n * p gaps) covers a fortieth of the trials; the rest follow
    assert np.array_equal(innovation.bernoulli_indices(1000, 0.01, EveryTrial()), np.arange(1000))


def test_neighbour_counts_work_on_a_network_without_ties():
    st = build_organization(Organization(size=20, levels=3), Streams(1))
    st.network = sp.csr_matrix((20, 20), dtype=np.float32)
    c = NeighbourCounts(st.network, len(COHORTS)).update(st)
    assert not c.alive.any() and not c.adopted.any()


@pytest.mark.parametrize("n_tech", [3, 8, 11])
def test_adopters_by_group_count_every_adopter_once(n_tech):
    from sim.model.outcomes import _adopters_by

    rng = np.random.default_rng(10)
    group = rng.integers(0, 5, 3000).astype(np.int16)
    mask = rng.random(3000) < 0.8
    adopted = rng.random((3000, n_tech)) < 0.3
    sums, size = _adopters_by(group, 5, mask, adopted)
    for g in range(5):
        inside = mask & (group == g)
        assert size[g] == inside.sum()
        assert np.array_equal(sums[g], adopted[inside].sum(axis=0))


def test_leavers_below_the_bound_are_the_leavers_of_the_plain_rule(state):
    from sim.mechanisms import retention

    params = retention.RetentionParams(engagement_effect=6.0)
    state.age[:] = np.random.default_rng(11).uniform(20, 70, state.size)
    reference = np.array([0.7, 0.6, 0.5, 0.6])
    draws = np.random.default_rng(12).random(state.size) ** 6  # many small draws
    quits, retires = retention.leavers(state, params, 65.0, reference, draws)
    p = retention.quit_probability(state.cohort, state.engagement, reference, params)
    retire = state.alive & (state.age >= 65.0)
    assert np.array_equal(quits, np.flatnonzero(state.alive & ~retire & (draws < p)))
    assert np.array_equal(retires, np.flatnonzero(retire))
    assert quits.size > 20


def test_neighbour_sums_over_ring_and_rest_equal_the_sparse_product(state):
    assert state.ring_half > 0, "the organization's network is laid out on a ring"
    values = np.random.default_rng(13).random((state.size, 11)).astype(np.float32)
    direct = (state.network @ values.astype(np.float64)).astype(np.float32)
    # float32 sums of about ten values below 1, added in another order: within a few ulps
    assert np.allclose(state.neighbour_sum(values), direct, rtol=0, atol=4e-6)
    # any network gives the right sums: the ring is only a hint about where ties lie
    rng = np.random.default_rng(14)
    a, b = rng.integers(0, state.size, (2, 3000))
    other = sp.coo_matrix((np.ones(6000, np.float32), (np.r_[a, b], np.r_[b, a])))
    other = sp.csr_matrix(other, shape=(state.size, state.size))
    other.data[:] = 1.0
    state.network = other
    assert np.allclose(
        state.neighbour_sum(values), other @ values.astype(np.float64), rtol=0, atol=4e-6
    )

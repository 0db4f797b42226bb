"""Each kernel of sim/kernels.py gives the answer of the plain computation it replaces.

Exactly where the kernel only reorders or skips work (bounded draws, neighbour counts, tie
counts, counts by group, ring sums to float32 rounding), statistically where it draws
differently (geometric gaps). The mechanisms that use a kernel are checked against their plain
rule in tests/model/test_engines.py (the vector engine against the rule applied employee by
employee).
"""

import numpy as np
import pytest
import scipy.sparse as sp

from sim import kernels
from sim.core.organization import build_organization
from sim.core.organization_params import COHORTS, Organization
from sim.core.rng import Streams
from sim.kernels import NeighbourCounts, NeighbourSums


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
        c = _update(counts, state)
        got = np.column_stack([c.alive, c.seniors, c.underrepresented, c.adopted, c.cohort])
        # small integers in float32: exact, so equal, not merely close
        assert np.array_equal(got, _direct(state)), f"counts drifted at week {week}"


def _update(counts, st):
    return counts.update(st.alive, st.senior, st.underrepresented, st.adopted, st.cohort)


def _ties(network):
    coo = network.tocoo()
    upper = coo.row < coo.col
    return coo.row[upper], coo.col[upper]


def test_tie_counts_equal_a_count_over_every_tie(state):
    counts = _update(NeighbourCounts(state.network, len(COHORTS)), state)
    a, b = _ties(state.network)
    live = state.alive[a] & state.alive[b]
    a, b = a[live], b[live]
    n, gen, grp = kernels.tie_counts(counts, state.alive, state.cohort, state.underrepresented)
    assert n == a.size
    assert gen == (state.cohort[a] != state.cohort[b]).sum()
    assert grp == (state.underrepresented[a] != state.underrepresented[b]).sum()
    assert 0 < gen < n and 0 < grp < n, "both kinds of tie occur, so the check has teeth"


@pytest.mark.parametrize("with_mask", [False, True])
def test_bernoulli_below_the_bound_succeeds_exactly_where_the_plain_rule_does(with_mask):
    rng = np.random.default_rng(4)
    chances = rng.uniform(0.0, 0.2, (3000, 4))
    draws = rng.random((3000, 4)) * 0.25  # many draws between the chance and the bound
    eligible = rng.random((3000, 4)) < 0.7 if with_mask else None
    asked = []

    def chance(flat):
        asked.append(flat.size)
        return chances.reshape(-1)[flat]

    got = kernels.bernoulli_below_bound(draws, 0.2, chance, eligible)
    plain = draws < chances
    if with_mask:
        plain &= eligible
    assert np.array_equal(got, np.flatnonzero(plain))
    assert got.size > 1000, "enough successes for the comparison to mean something"
    # the work saved: chances are asked only below the bound (and, with a mask, where eligible)
    assert asked[0] == ((draws < 0.2) & (eligible if with_mask else True)).sum() < draws.size


def test_bernoulli_below_the_bound_allows_for_rounding_in_the_bound():
    # a chance worked out to one ulp above its bound (rounding): the draw at the bound still
    # succeeds, as under the plain rule
    above = np.nextafter(0.3, 1.0)
    got = kernels.bernoulli_below_bound(
        np.array([0.3, 0.31]), 0.3, lambda i: np.full(i.size, above)
    )
    assert got.tolist() == [0]


def test_bernoulli_indices_pick_each_trial_with_its_chance():
    n, p, reps = 20_000, 0.1, 200
    rng = np.random.default_rng(7)
    hits = np.zeros(n)
    sizes = []
    for _ in range(reps):
        idx = kernels.bernoulli_indices(n, p, rng)
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
    assert kernels.bernoulli_indices(n, 0.0, rng).size == 0
    assert kernels.bernoulli_indices(5, 1.0, rng).tolist() == [0, 1, 2, 3, 4]
    one = kernels.bernoulli_indices(1000, 0.3, np.random.default_rng(8))
    two = kernels.bernoulli_indices(1000, 0.3, np.random.default_rng(8))
    assert np.array_equal(one, two)


def test_bernoulli_indices_keep_drawing_when_the_first_block_falls_short():
    class EveryTrial:  # a stream whose every gap is 1: each trial succeeds
        def geometric(self, p, size):
            return np.ones(size, dtype=np.int64)

    # the first block (about n * p gaps) covers a fortieth of the trials; the rest follow
    assert np.array_equal(kernels.bernoulli_indices(1000, 0.01, EveryTrial()), np.arange(1000))


def test_neighbour_counts_work_on_a_network_without_ties():
    st = build_organization(Organization(size=20, levels=3), Streams(1))
    st.network = sp.csr_matrix((20, 20), dtype=np.float32)
    c = _update(NeighbourCounts(st.network, len(COHORTS)), st)
    assert not c.alive.any() and not c.adopted.any()


@pytest.mark.parametrize("n_tech", [3, 8, 11])
def test_adopters_by_group_count_every_adopter_once(n_tech):
    rng = np.random.default_rng(10)
    group = rng.integers(0, 5, 3000).astype(np.int16)
    mask = rng.random(3000) < 0.8
    adopted = rng.random((3000, n_tech)) < 0.3
    sums, size = kernels.count_by_group(group, 5, mask, adopted)
    for g in range(5):
        inside = mask & (group == g)
        assert size[g] == inside.sum()
        assert np.array_equal(sums[g], adopted[inside].sum(axis=0))


def test_neighbour_sums_over_ring_and_rest_equal_the_sparse_product(state):
    assert state.ring_half > 0, "the organization's network is laid out on a ring"
    values = np.random.default_rng(13).random((state.size, 11)).astype(np.float32)
    direct = (state.network @ values.astype(np.float64)).astype(np.float32)
    # float32 sums of about ten values below 1, added in another order: within a few ulps
    assert np.allclose(
        NeighbourSums(state.network, state.ring_half)(values), direct, rtol=0, atol=4e-6
    )
    # any network gives the right sums: the ring is only a hint about where ties lie
    rng = np.random.default_rng(14)
    a, b = rng.integers(0, state.size, (2, 3000))
    other = sp.coo_matrix((np.ones(6000, np.float32), (np.r_[a, b], np.r_[b, a])))
    other = sp.csr_matrix(other, shape=(state.size, state.size))
    other.data[:] = 1.0
    assert np.allclose(
        NeighbourSums(other, state.ring_half)(values), other @ values.astype(np.float64), atol=4e-6
    )
    # no ring: the plain product
    assert np.array_equal(NeighbourSums(other, 0)(values), other @ values)


@pytest.mark.parametrize("n_skills", [0, 1, 6, 11])
def test_coarse_skill_gaps_stay_within_their_stated_error_of_the_plain_rule(n_skills):
    """float32 mean max(0, mentor - mentee) per (mentee, block of mentors) against the float64
    rule, adversarial values; each mentee is scored with its own block only."""
    rng = np.random.default_rng(n_skills)
    step, n_blocks, n_mentees = 16, 20, 40
    mentor = rng.uniform(-1.0, 2.0, (n_skills, n_blocks * step))
    mentee = rng.uniform(-1.0, 2.0, (n_skills, n_mentees))
    mentor[:, :5] = 2.0 - 1e-7  # near-ties and the largest magnitudes
    mentee[:, :5] = 2.0
    rows = rng.integers(0, n_mentees, 300)
    blocks = rng.integers(0, n_blocks, 300)
    blocks[:5] = 0  # the near-ties meet
    rows[:5] = np.arange(5)
    cols = blocks[:, None] * step + np.arange(step)[None, :]
    gaps = np.maximum(mentor[:, cols] - mentee[:, rows][:, :, None], 0.0)
    plain = gaps.mean(axis=0) if n_skills else np.zeros((300, step))
    by_block = mentor.astype(np.float32).reshape(n_skills, n_blocks, step)
    coarse = kernels.positive_gap_mean_f32_blocks(by_block, mentee.astype(np.float32), blocks, rows)
    assert coarse.dtype == np.float32 and coarse.shape == (300, step)
    error = np.abs(coarse.astype(np.float64) - plain).max()
    assert error <= kernels.gap_f32_error(n_skills, 2.0)
    assert error > 0 or n_skills == 0  # float32 does round: the bound is not vacuous

import networkx as nx
import numpy as np
import pytest

from sim.core.organization import age_table, build_organization, growth_ratio, level_sizes
from sim.core.organization_params import COHORTS, Organization
from sim.core.rng import Streams
from tests.conftest import ROOT


def build(seed=1, **org):
    return build_organization(Organization(**org), Streams(seed))


@pytest.mark.parametrize(
    ("size", "levels", "span"), [(500, 5, 8), (1000, 4, 12), (37, 3, 6), (90, 2, 100), (5000, 6, 6)]
)
def test_reporting_tree_has_the_asked_levels_and_spans(size, levels, span):
    st = build(size=size, levels=levels, span_of_control=span)
    assert st.size == size
    assert int(st.depth.max()) + 1 == levels, "every level is populated"
    roots = np.flatnonzero(st.manager < 0)
    ceo = int(roots[0])
    if levels > 1:
        assert roots.size == 1 and st.depth[ceo] == 0, "one CEO, and only the CEO has no manager"
        below = np.flatnonzero(st.manager >= 0)
        graph = nx.DiGraph(list(zip(st.manager[below].tolist(), below.tolist(), strict=True)))
        assert nx.is_arborescence(graph), "the reporting lines form a tree rooted at the CEO"
        reports = np.bincount(st.manager[below], minlength=size)
        assert reports.max() <= span, (
            f"a manager has {reports.max()} reports, above the span {span}"
        )
        assert (st.depth[below] == st.depth[st.manager[below]] + 1).all(), (
            "a manager sits one level up"
        )
        for slot in (ceo, int(st.manager[below[0]])):  # the tree's report lists agree
            assert sorted(st.reports(slot).tolist()) == np.flatnonzero(st.manager == slot).tolist()
        assert [int(st.depth[b].max()) for b in st.by_depth] == list(range(levels))
        assert sum(b.size for b in st.by_depth) == size
        # ancestors point at the managers up the chain
        deepest = int(st.by_depth[-1][0])
        chain, slot = [], deepest
        while slot >= 0:
            chain.append(slot)
            slot = int(st.manager[slot])
        assert st.ancestors[deepest, :levels].tolist() == chain[::-1]
    assert (st.level == levels - 1 - st.depth).all()
    assert st.subtree_size[ceo] == size


def test_level_sizes_add_up_and_taper():
    sizes = level_sizes(500, 5, 8)
    assert sizes.sum() == 500 and sizes[0] == 1
    assert (np.diff(sizes) >= 0).all(), "each level is at least as large as the one above"


def test_cohort_mix_within_sampling_error():
    n = 20000
    st = build(size=n, levels=6, span_of_control=8)
    shares = np.array([c.share for c in Organization().cohorts.ordered()])
    observed = np.bincount(st.cohort, minlength=4) / n
    se = np.sqrt(shares * (1 - shares) / n)
    # 4 standard errors: a false alarm about once in 16,000 per cohort
    assert (np.abs(observed - shares) < 4 * se).all(), (observed, shares)


def test_states_are_in_range_and_shaped_by_cohort_and_level():
    org = Organization(size=5000, levels=5, span_of_control=10)
    st = build_organization(org, Streams(3))
    for name in ("skills", "attitudes", "engagement"):
        values = getattr(st, name)
        assert values.min() >= 0 and values.max() <= 1, name
    digital = st.digital_skill()
    by_cohort = [digital[st.cohort == c].mean() for c in range(len(COHORTS))]
    assert by_cohort == sorted(by_cohort, reverse=True), (
        f"digital skill falls with age: {by_cohort}"
    )
    experience = st.skills[:, st.experience].mean(axis=1)
    by_level = [experience[st.level == lv].mean() for lv in range(org.levels)]
    assert by_level == sorted(by_level), f"experience rises with level: {by_level}"
    age = [st.age[st.level == lv].mean() for lv in range(org.levels)]
    assert age[-2] > age[0], "managers are older than individual contributors on average"
    assert (st.tenure <= st.age - 18 + 1e-9).all(), "nobody worked before 18"
    share_urg = st.underrepresented.mean()
    assert abs(share_urg - 0.3) < 4 * np.sqrt(0.3 * 0.7 / 5000)


def test_departments_follow_subtrees():
    st = build(size=1000, levels=5, span_of_control=8)
    assert len(np.unique(st.department)) == 5
    has_manager = st.manager >= 0
    same = st.department[has_manager] == st.department[st.manager[has_manager]]
    assert same[st.depth[has_manager] > 1].all(), (
        "below the department heads, people share their manager's department"
    )


def test_network_is_small_world_and_homophilous():
    org = Organization(size=2000, levels=5, span_of_control=10)
    st = build_organization(org, Streams(5))
    graph = nx.from_scipy_sparse_array(st.network)
    degree = np.asarray(st.network.sum(axis=1)).ravel()
    assert abs(degree.mean() - org.network.mean_degree) < 1.0, degree.mean()
    density = degree.mean() / (org.size - 1)
    clustering = nx.average_clustering(graph)
    # a random graph of the same density has clustering ~ density (0.005): small worlds are far above
    assert clustering > 10 * density, clustering
    assert nx.is_connected(graph)
    sample = nx.single_source_shortest_path_length(graph, 0)
    assert np.mean(list(sample.values())) < 8, "short paths through the rewired shortcuts"
    coo = st.network.tocoo()
    same_dept = (st.department[coo.row] == st.department[coo.col]).mean()
    chance = ((np.bincount(st.department) / org.size) ** 2).sum()
    assert same_dept > chance + 0.3, (same_dept, chance)
    same_cohort = (st.cohort[coo.row] == st.cohort[coo.col]).mean()
    chance = ((np.bincount(st.cohort) / org.size) ** 2).sum()
    assert same_cohort > chance + 0.2, (same_cohort, chance)
    assert (st.network != st.network.T).nnz == 0 and st.network.diagonal().sum() == 0


def test_same_seed_same_organization_different_seed_differs():
    a, b, c = build(seed=11), build(seed=11), build(seed=12)
    assert np.array_equal(a.skills, b.skills) and (a.network != b.network).nnz == 0
    assert not np.array_equal(a.skills, c.skills)


def test_seniority_rule():
    st = build(size=500, levels=5, span_of_control=8, seniority={"rule": "level", "min_level": 2})
    assert (st.senior == (st.level >= 2)).all()
    st = build(
        size=500, levels=5, span_of_control=8, seniority={"rule": "tenure", "min_tenure_years": 5.0}
    )
    assert (st.senior == (st.tenure >= 5.0)).all()


def test_every_state_field_declares_what_it_holds():
    import dataclasses

    from sim.core.state import NETWORK, ROWS, SHARED, SLOTS, State

    kinds = {f.name: State.holds(f.name) for f in dataclasses.fields(State)}
    assert set(kinds.values()) <= {ROWS, SLOTS, NETWORK, SHARED}
    assert {k for k, v in kinds.items() if v == SLOTS} == {"manager", "ancestors"}
    st = build_organization(Organization(size=300, levels=4), Streams(8))
    for name, kind in kinds.items():
        value = getattr(st, name)
        if kind in (ROWS, SLOTS):  # one row per slot
            assert value.shape[0] == st.size, name


def test_relabel_remaps_every_slot_valued_field_and_keeps_the_tree():
    from sim.core.organization import relabel

    st = build_organization(Organization(size=300, levels=4), Streams(8))
    order = np.random.default_rng(2).permutation(st.size)
    moved = relabel(st, order)
    new_of_old = np.argsort(order)
    # the same people: slot k of the new state is slot order[k] of the old one
    assert np.array_equal(moved.age, st.age[order])
    # the same tree: k's manager is the new slot of its old manager
    boss = st.manager[order]
    assert np.array_equal(moved.manager, np.where(boss >= 0, new_of_old[np.maximum(boss, 0)], -1))
    anc = st.ancestors[order]
    assert np.array_equal(moved.ancestors, np.where(anc >= 0, new_of_old[np.maximum(anc, 0)], -1))
    # the same network, seen through the new slots
    assert (moved.network != st.network[order][:, order]).nnz == 0


def brentq_ratio(size, levels, span):
    """The ratio as the hierarchy was built before: scipy's Brent root finder."""
    from scipy.optimize import brentq

    return brentq(lambda r: sum(r**d for d in range(levels)) - size, 1.0 + 1e-12, float(span))


def ratio_grid():
    """(size, levels, span): every size of small trees, spread sizes up to a million."""
    cases = []
    for levels in range(2, 10):
        for span in (2, 3, 5, 8, 12, 20, 100):
            top = min(sum(span**d for d in range(levels)), 1_000_000)
            spread = np.unique(np.geomspace(levels + 1, top, 25).astype(int)).tolist()
            small_trees = range(levels + 1, min(top, levels + 40) + 1)
            cases += [(size, levels, span) for size in sorted({*small_trees, *spread, top})]
    return cases


def test_growth_ratio_agrees_with_brentq_and_gives_the_same_levels():
    cases = ratio_grid()
    assert len(cases) > 1000
    for size, levels, span in cases:
        ratio, before = growth_ratio(size, levels, span), brentq_ratio(size, levels, span)
        # 1e-12 relative: brentq stops within 2e-12 + 4 eps x r of the root, bisection within
        # one double of it
        assert abs(ratio - before) <= 1e-12 * before, (size, levels, span, ratio, before)
        bounds = np.rint(np.cumsum([ratio**d for d in range(levels)]))
        old_bounds = np.rint(np.cumsum([before**d for d in range(levels)]))
        assert (bounds == old_bounds).all(), f"level sizes moved at {(size, levels, span)}"


def test_growth_ratio_solves_the_sum_and_refuses_an_impossible_tree():
    assert growth_ratio(31, 5, 8) == 2.0, "1 + 2 + 4 + 8 + 16 = 31"
    assert growth_ratio(1 + 8 + 64, 3, 8) == 8.0, "a full tree has the span as its ratio"
    with pytest.raises(ValueError, match="no ratio"):
        growth_ratio(1 + 8 + 64 + 1, 3, 8)
    with pytest.raises(ValueError, match="no ratio"):
        growth_ratio(2, 3, 8)


def test_age_table_gives_the_doubles_of_scipy_expit():
    from scipy.special import expit

    for youngest, oldest in ((18.0, 28.0), (27.0, 43.0), (44.0, 59.0), (60.0, 80.0), (18.0, 90.5)):
        for median in (55.0, 62.5, 65.0, 67.0, 72.0):
            for spread in (0.5, 1.0, 2.5, 4.0, 10.0):
                grid, cdf = age_table(youngest, oldest, median, spread)
                weight = expit((median - grid) / spread)
                expected = np.concatenate([[0.0], np.cumsum((weight[1:] + weight[:-1]) / 2.0)])
                np.testing.assert_array_equal(cdf, expected / expected[-1])
    assert not cdf.flags.writeable, "the cached table cannot be changed by a caller"


@pytest.mark.parametrize(
    "org",
    [
        {"size": 500, "levels": 5, "span_of_control": 8},
        {"size": 3000, "levels": 6, "span_of_control": 10, "age_level_sorting": 0.0},
        {"size": 120, "levels": 3, "span_of_control": 12, "network": {"mean_degree": 4}},
    ],
)
def test_an_organization_without_ties_holds_the_same_people(org):
    full = build(seed=5, **org)
    alone = build_organization(Organization(**org), Streams(5), ties=False)
    assert alone.network is None and full.network.nnz > 0
    # the same people in another slot order: sorted by age (continuous, so no ties) the
    # per-person fields agree exactly, and each keeps the level of the slot it holds
    a, b = np.argsort(full.age), np.argsort(alone.age)
    for name in ("age", "cohort", "level", "senior", "tenure", "skills", "attitudes"):
        np.testing.assert_array_equal(getattr(full, name)[a], getattr(alone, name)[b], name)


def test_validation_counts_the_eligible_people_of_the_full_organization():
    from sim.model.scenario import load_scenario
    from sim.program import participation

    files = sorted((ROOT / "scenarios" / "programs").glob("*.yaml"))
    files.append(ROOT / "scenarios" / "quickstart.yaml")
    counted = 0
    for path in files:
        scenario = load_scenario(path)
        full = build_organization(scenario.organization, Streams(scenario.seed))
        alone = build_organization(scenario.organization, Streams(scenario.seed), ties=False)
        for arm in (a for a in scenario.arms if a.program is not None):
            for rule in (participation.eligible_mentors, participation.eligible_mentees):
                assert rule(full, arm.program).sum() == rule(alone, arm.program).sum(), path
                counted += 1
    assert counted >= 2 * len(files), "every shipped program was counted"

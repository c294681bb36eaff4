"""Tests of the package's own smoothed aggregation hierarchy (LOBPCG's preconditioner without pyamg).

The aggregates are checked against graph distances computed by SciPy's csgraph, the
operators against dense products, and the V-cycle by its convergence factor as a
stationary iteration.
"""

import doctest

import numpy as np
import pytest
import scipy.linalg
import scipy.sparse as sp
from scipy.sparse import csgraph

from spectral_ssl import graphs, linalg
from spectral_ssl.linalg import _aggregation, _amg


def knn_laplacian(n, seed=0, k=10, dim=3):
    G = graphs.knn(np.random.default_rng(seed).standard_normal((n, dim)), k)
    return G, linalg.laplacian(G)


@pytest.mark.parametrize("n, seed", [(300, 0), (1200, 1)])
def test_aggregates_are_distance_two_neighbourhoods_of_independent_roots(n, seed):
    G, L = knn_laplacian(n, seed)
    pattern = _aggregation.off_diagonal_pattern(L)
    labels, roots = _aggregation.aggregate(pattern)
    hops = csgraph.shortest_path(G, unweighted=True)
    # a partition: every vertex in one aggregate, every aggregate holding its root
    assert labels.min() == 0 and labels.max() == roots.size - 1
    np.testing.assert_array_equal(labels[roots], np.arange(roots.size))
    # roots are pairwise at distance >= 3 (the distance-2 independent set) ...
    between = hops[np.ix_(roots, roots)] + 10 * np.eye(roots.size)
    assert between.min() >= 3
    # ... and maximal: every vertex is within distance 2 of some root, and of its own
    assert hops[:, roots].min(axis=1).max() <= 2
    assert np.all(hops[np.arange(n), roots[labels]] <= 2)
    # every neighbour of a root is in the root's aggregate
    neighbours = hops[:, roots] == 1
    assert np.all(labels[np.nonzero(neighbours)[0]] == np.nonzero(neighbours)[1])
    # each aggregate is connected
    for a in range(roots.size):
        members = np.flatnonzero(labels == a)
        assert csgraph.connected_components(G[members][:, members], directed=False)[0] == 1


def test_aggregation_is_deterministic_and_coarsens_a_volume_by_more_than_ten():
    _, L = knn_laplacian(3000, seed=2)
    pattern = _aggregation.off_diagonal_pattern(L)
    first = _aggregation.aggregate(pattern)
    second = _aggregation.aggregate(pattern)
    np.testing.assert_array_equal(first[0], second[0])
    assert 3000 / first[1].size > 10


def test_isolated_vertices_are_their_own_aggregates():
    # a path 0-1-2 and two isolated vertices 3 and 4
    G = sp.csr_matrix((np.ones(4), ([0, 1, 1, 2], [1, 0, 2, 1])), shape=(5, 5))
    labels, roots = _aggregation.aggregate(_aggregation.off_diagonal_pattern(G))
    assert roots.size == 3
    assert labels[0] == labels[1] == labels[2]
    assert len({labels[0], labels[3], labels[4]}) == 3


def test_tentative_prolongation_has_orthonormal_columns_and_carries_the_candidate():
    labels = np.array([0, 0, 1, 2, 1, 2, 2])
    candidate = np.array([1.0, 2.0, 3.0, 1.0, 4.0, 2.0, 2.0])
    T, coarse = _aggregation.tentative_prolongation(labels, 3, candidate)
    np.testing.assert_allclose((T.T @ T).toarray(), np.eye(3), atol=1e-15)
    np.testing.assert_allclose(coarse, [np.sqrt(5.0), 5.0, 3.0], rtol=1e-15)
    np.testing.assert_allclose(T @ coarse, candidate, rtol=1e-15)


def test_levels_are_galerkin_products_of_smoothed_prolongations():
    _, L = knn_laplacian(1500, seed=3)
    A = (L + 1e-3 * sp.eye(1500)).tocsr()
    levels, coarsest = _aggregation.smoothed_aggregation(A, max_coarse=20)
    assert len(levels) >= 2 and coarsest.shape[0] <= 20
    sizes = [level.shape[0] for level, _ in levels] + [coarsest.shape[0]]
    assert all(coarse < fine / 4 for fine, coarse in zip(sizes, sizes[1:]))
    operators = [level for level, _ in levels] + [coarsest]
    for (fine, P), coarse in zip(levels, operators[1:]):
        dense = P.toarray().T @ fine.toarray() @ P.toarray()
        np.testing.assert_allclose(coarse.toarray(), dense, atol=1e-12 * np.abs(dense).max())
    # the prolongation smoothing weight 4 / (3 rho(D^-1 A)), rho from a dense solve
    rows = np.abs(A.toarray()).sum(axis=1)
    rho = np.max(np.abs(np.linalg.eigvals(A.toarray() / rows[:, None])))
    _, omega = _aggregation.jacobi_weight(A)
    assert 4 / (3 * rho) <= omega <= 1.1 * 4 / (3 * rho)


@pytest.mark.parametrize("max_coarse", [20, 500])
def test_v_cycle_converges_where_a_diagonal_preconditioner_stalls(max_coarse, monkeypatch):
    # As a stationary iteration x <- x + B (b - A x), the V-cycle B reduces every error
    # component by at least 0.6 per step on a 10-NN Laplacian with the LOBPCG shift
    # (Jacobi's factor, 1 - lambda_min / max diag, is 1 - 1e-6 here).
    monkeypatch.setattr(_amg, "find_pyamg", lambda: None)
    monkeypatch.setattr(linalg, "AMG_MAX_COARSE", max_coarse)
    n = 1500
    _, L = knn_laplacian(n, seed=4)
    shift = 1e-5 * abs(L).sum(axis=1).max()
    op, kind = linalg.lobpcg_preconditioner(L, shift)
    assert kind == "aggregation"
    A = L.toarray() + shift * np.eye(n)
    error = np.eye(n) - (op @ np.eye(n)) @ A
    assert np.max(np.abs(np.linalg.eigvals(error))) < 0.6


def test_a_stalled_coarsening_solves_its_large_coarsest_level_sparsely(monkeypatch):
    # 3000 isolated vertices with different self-weights: no aggregate grows, the
    # coarsest level is the whole matrix (above COARSE_DENSE_MAX), and the cycle is
    # its exact inverse up to float32
    monkeypatch.setattr(_amg, "find_pyamg", lambda: None)
    n = 3000
    assert n > _amg.COARSE_DENSE_MAX
    diagonal = np.linspace(1.0, 3.0, n)
    M = sp.diags(diagonal, format="csr")
    levels, coarsest = _aggregation.smoothed_aggregation(M, max_coarse=500)
    assert levels == [] and coarsest.shape == (n, n)
    op, _ = linalg.lobpcg_preconditioner(M, 0.5)
    R = np.random.default_rng(0).standard_normal((n, 2))
    np.testing.assert_allclose(op @ R, R / (diagonal + 0.5)[:, None], rtol=1e-6)


def test_docstring_example():
    result = doctest.testmod(_aggregation, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 2 and result.failed == 0


def hub_graph(rng, n, hubs, hub_degree):
    """A 10-NN graph of ``n`` Gaussian points plus ``hubs`` vertices joined to ``hub_degree`` others."""
    G = graphs.knn(rng.standard_normal((n, 3)), 10)
    H = sp.lil_matrix((n, n))
    for h in rng.choice(n, hubs, replace=False):
        H[h, rng.choice(n, hub_degree, replace=False)] = 1.0
    G = (G + H.tocsr()).tocsr()
    G = (G + G.T).tolil()
    G.setdiag(0)
    G = G.tocsr()
    G.eliminate_zeros()
    G.data[:] = 1.0
    return G


def test_the_null_vector_as_candidate_makes_the_cycle_strong_where_degrees_vary(monkeypatch):
    # L_sym of a kNN graph with three hubs of 600 neighbours: from the smoothed constant
    # vector the V-cycle's factor is 0.96, from the null vector D^1/2 1 it is 0.76
    monkeypatch.setattr(_amg, "find_pyamg", lambda: None)
    n = 1200
    G = hub_graph(np.random.default_rng(1), n, 3, 600)
    Ls = linalg.laplacian(G, kind="normalized")
    shift = 1e-5 * abs(Ls).sum(axis=1).max()
    op, _ = linalg.lobpcg_preconditioner(Ls, shift, np.sqrt(np.asarray(G.sum(axis=1)).ravel()))
    error = np.eye(n) - (op @ np.eye(n)) @ (Ls.toarray() + shift * np.eye(n))
    assert np.max(np.abs(np.linalg.eigvals(error))) < 0.85


def test_lobpcg_on_a_normalized_laplacian_with_hubs_does_not_stall(monkeypatch):
    # 20 hubs of 750 neighbours (the graph of a review that found the stall): built on the
    # smoothed constant vector, the hierarchy left LOBPCG at its iteration limit (2017
    # V-cycles); on the solver's constraint D^1/2 1 it needs 97
    monkeypatch.setattr(_amg, "find_pyamg", lambda: None)
    cycles = []
    original = _amg.AMGPreconditioner.__call__
    monkeypatch.setattr(_amg.AMGPreconditioner, "__call__",
                        lambda self, *args, **kwargs: cycles.append(1) or original(self, *args, **kwargs))
    rng = np.random.default_rng(0)
    hub_graph(rng, 3000, 3, 1000)  # advances rng to the state the review used
    G = hub_graph(rng, 3000, 20, 750)
    vl, Ul = linalg.laplacian_eigenpairs(G, 8, kind="normalized", solver="lobpcg")
    assert len(cycles) < 300
    vd, Ud = linalg.laplacian_eigenpairs(G, 8, kind="normalized", solver="dense")
    np.testing.assert_allclose(vl, vd, rtol=1e-8)
    assert np.max(scipy.linalg.subspace_angles(Ul, Ud)) < 1e-6


def test_the_candidate_is_interpolated_exactly_by_the_first_prolongation():
    # T carries the candidate (T b_c = b), and the smoothing P = (I - w D^-1 A) T keeps it
    # when b is the null vector of A
    G = hub_graph(np.random.default_rng(2), 1500, 5, 300)
    Ls = linalg.laplacian(G, kind="normalized")
    null = np.sqrt(np.asarray(G.sum(axis=1)).ravel())
    levels, _ = _aggregation.smoothed_aggregation(Ls, max_coarse=50, candidate=null)
    labels, _ = _aggregation.aggregate(_aggregation.off_diagonal_pattern(Ls))
    coarse = np.sqrt(np.bincount(labels, weights=null ** 2))
    P = levels[0][1]
    np.testing.assert_allclose(P @ coarse, null, rtol=0, atol=1e-12 * null.max())

"""Tests of spectral_ssl.linalg against independent dense / SciPy / scikit-learn computations."""

import warnings

import numpy as np
import pytest
import scipy.linalg
import scipy.sparse as sp
from scipy.sparse.csgraph import laplacian as csgraph_laplacian
from scipy.spatial.distance import pdist
from sklearn.metrics.pairwise import linear_kernel, polynomial_kernel, rbf_kernel

from spectral_ssl import graphs, linalg, losses
from spectral_ssl.linalg import _solvers


# --------------------------------------------------------------------------- helpers


def random_graph(n, density=0.3, seed=0, sparse=True):
    """Random symmetric non-negative weighted graph with zero diagonal (connected w.h.p.)."""
    rng = np.random.default_rng(seed)
    W = rng.uniform(0.1, 2.0, (n, n)) * (rng.random((n, n)) < density)
    W = np.triu(W, 1)
    W = W + W.T
    return sp.csr_matrix(W) if sparse else W


def ring(n):
    """Cycle graph: its Laplacian spectrum is doubly degenerate."""
    i = np.arange(n)
    W = np.zeros((n, n))
    W[i, (i + 1) % n] = 1.0
    W[(i + 1) % n, i] = 1.0
    return sp.csr_matrix(W)


def block_graph(sizes, seed=0, density=0.5):
    """Disjoint union of random connected weighted blocks."""
    rng = np.random.default_rng(seed)
    blocks = []
    for size in sizes:
        W = rng.uniform(0.5, 1.5, (size, size)) * (rng.random((size, size)) < density)
        W = np.triu(W, 1)
        # a path inside the block guarantees it is connected
        W[np.arange(size - 1), np.arange(1, size)] = 1.0
        blocks.append(W + W.T)
    return sp.csr_matrix(scipy.linalg.block_diag(*blocks))


def max_angle(U, V):
    return float(np.max(scipy.linalg.subspace_angles(U, V)))


# --------------------------------------------------------------------------- center, degrees, laplacian


def test_center_equals_centering_matrix():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(7, 3)) + 5.0
    H = np.eye(7) - np.ones((7, 7)) / 7
    np.testing.assert_allclose(linalg.center(X), H @ X, atol=1e-13)


def test_degrees_are_row_sums():
    W = random_graph(20, seed=2, sparse=False)
    np.testing.assert_allclose(linalg.degrees(W), W.sum(axis=1), rtol=1e-14)
    np.testing.assert_allclose(linalg.degrees(sp.csr_matrix(W)), W.sum(axis=1), rtol=1e-14)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_laplacian_combinatorial_matches_scipy(seed):
    W = random_graph(25, seed=seed, sparse=False)
    L = linalg.laplacian(sp.csr_matrix(W))
    assert sp.isspmatrix_csr(L) or (sp.issparse(L) and L.format == "csr")
    assert L.dtype == np.float64
    np.testing.assert_allclose(L.toarray(), csgraph_laplacian(W, normed=False), atol=1e-13)
    # and the defining formula D - G
    np.testing.assert_allclose(L.toarray(), np.diag(W.sum(1)) - W, atol=1e-13)


@pytest.mark.parametrize("seed", [0, 3])
def test_laplacian_normalized_matches_scipy_including_isolated_sample(seed):
    W = random_graph(25, seed=seed, sparse=False)
    W[4, :] = 0.0
    W[:, 4] = 0.0  # an isolated sample: all-zero row and column, as scipy does
    L = linalg.laplacian(W, kind="normalized").toarray()
    np.testing.assert_allclose(L, csgraph_laplacian(W, normed=True), atol=1e-13)
    assert np.all(L[4] == 0.0) and np.all(L[:, 4] == 0.0)


def test_laplacian_random_walk_is_inverse_degree_times_combinatorial():
    W = random_graph(30, seed=5, sparse=False)
    d = W.sum(1)
    expected = np.diag(1.0 / d) @ (np.diag(d) - W)
    np.testing.assert_allclose(linalg.laplacian(W, kind="random_walk").toarray(), expected, atol=1e-13)
    # random-walk rows sum to zero
    np.testing.assert_allclose(expected.sum(1), 0.0, atol=1e-13)


def test_dirichlet_identity_brute_force():
    rng = np.random.default_rng(7)
    N, K = 15, 3
    W = random_graph(N, seed=7, sparse=False)
    Z = rng.normal(size=(N, K))
    brute = 0.0
    for i in range(N):
        for j in range(N):
            brute += W[i, j] * np.sum((Z[i] - Z[j]) ** 2)
    L = linalg.laplacian(W).toarray()
    assert brute == pytest.approx(2.0 * np.trace(Z.T @ L @ Z), rel=1e-12)
    assert brute == pytest.approx(N * losses.invariance_term(Z, W), rel=1e-12)


# --------------------------------------------------------------------------- Laplacian eigenpairs


@pytest.mark.parametrize("seed", [0, 1])
def test_laplacian_eigenpairs_match_numpy(seed):
    N, K = 40, 6
    W = random_graph(N, seed=seed, sparse=False)
    Ld = csgraph_laplacian(W)
    ref_values, ref_vectors = np.linalg.eigh(Ld)
    assert ref_values[1] > 1e-6  # connected, so exactly one zero
    values, vectors = linalg.laplacian_eigenpairs(sp.csr_matrix(W), K)
    assert values.shape == (K,) and vectors.shape == (N, K)
    np.testing.assert_allclose(values, ref_values[1 : K + 1], rtol=1e-10, atol=1e-12)
    # generic weights: simple eigenvalues, so every eigenvector matches one by one
    for k in range(K):
        assert max_angle(vectors[:, [k]], ref_vectors[:, [k + 1]]) < 1e-8
    assert max_angle(vectors, ref_vectors[:, 1 : K + 1]) < 1e-8
    np.testing.assert_allclose(vectors.T @ vectors, np.eye(K), atol=1e-12)
    np.testing.assert_allclose(np.ones(N) @ vectors, 0.0, atol=1e-11)  # constant vector excluded
    np.testing.assert_allclose(Ld @ vectors, vectors * values, atol=1e-10)


def test_laplacian_eigenpairs_sign_rule_applied():
    W = random_graph(30, seed=4)
    _, vectors = linalg.laplacian_eigenpairs(W, 5)
    rows = np.argmax(np.abs(vectors), axis=0)
    assert np.all(vectors[rows, np.arange(5)] > 0)


def test_laplacian_eigenpairs_dense_and_arpack_agree():
    N, K = 300, 6
    rng = np.random.default_rng(11)
    X = rng.normal(size=(N, 2))
    # Gaussian weights on a 8-NN pattern, built here by brute force
    dist2 = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(dist2, np.inf)
    nbr = np.argsort(dist2, axis=1)[:, :8]
    A = np.zeros((N, N))
    A[np.repeat(np.arange(N), 8), nbr.ravel()] = 1.0
    A = np.maximum(A, A.T)
    np.fill_diagonal(dist2, 0.0)
    W = sp.csr_matrix(A * np.exp(-dist2 / 0.5))
    vd, Ud = linalg.laplacian_eigenpairs(W, K, solver="dense")
    va, Ua = linalg.laplacian_eigenpairs(W, K, solver="arpack")
    ref = np.linalg.eigvalsh(csgraph_laplacian(W.toarray()))
    np.testing.assert_allclose(vd, ref[1 : K + 1], rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(va, vd, rtol=1e-8, atol=1e-12)
    assert max_angle(Ua, Ud) < 1e-6
    # same sign rule, simple eigenvalues: the very same vectors
    np.testing.assert_allclose(Ua, Ud, atol=1e-6)


@pytest.mark.parametrize("solver", ["dense", "arpack"])
def test_disconnected_graph_has_c_minus_one_zeros(solver):
    sizes = [40, 60, 50, 70] if solver == "arpack" else [6, 9, 7, 8]
    W = block_graph(sizes, seed=3)
    N, c, K = sum(sizes), len(sizes), 5
    values, vectors = linalg.laplacian_eigenpairs(W, K, solver=solver)
    np.testing.assert_allclose(values[: c - 1], 0.0, atol=1e-9)
    assert values[c - 1] > 1e-3
    # the zero eigenspace: component indicators minus the constant vector
    labels = np.repeat(np.arange(c), sizes)
    indicators = (labels[:, None] == np.arange(c)[None, :]).astype(float)
    centred = indicators - indicators.mean(0)
    assert max_angle(vectors[:, : c - 1], scipy.linalg.orth(centred)) < 1e-7
    np.testing.assert_allclose(np.ones(N) @ vectors, 0.0, atol=1e-9)
    ref = np.linalg.eigvalsh(csgraph_laplacian(W.toarray()))
    np.testing.assert_allclose(values, ref[1 : K + 1], atol=1e-9)


def test_arpack_residuals_at_round_off_on_a_knn_laplacian():
    # The symmetric-mode factor (no pivoting) must keep ARPACK at round-off on
    # a PSD Laplacian; the eigenvalues are checked against LAPACK on the dense matrix.
    X = np.random.default_rng(3).normal(size=(2500, 2))
    L = linalg.laplacian(graphs.knn(X, 8))
    values, vectors = linalg.smallest_eigenpairs(L, 6, trivial=np.ones(2500), solver="arpack")
    scale = abs(L).sum(axis=1).max()
    assert linalg.eigen_residuals(L, values, vectors).max() < 1e-13 * scale
    reference = scipy.linalg.eigh(L.toarray(), eigvals_only=True, subset_by_index=[1, 6])
    np.testing.assert_allclose(values, reference, rtol=1e-10, atol=1e-13 * scale)


def test_auto_arpack_is_bitwise_reproducible_between_two_calls(monkeypatch):
    # N = 2500 > DENSE_MAX_SAMPLES: `auto` runs ARPACK. Its own random start made two
    # calls in one process differ by about 4e-14; a seeded start makes them identical.
    calls = []
    original = _solvers.smallest_sparse
    monkeypatch.setattr(_solvers, "smallest_sparse",
                        lambda *args: calls.append(args[1]) or original(*args))
    G = graphs.knn(np.random.default_rng(5).normal(size=(2500, 3)), 8)
    first = linalg.laplacian_eigenpairs(G, 6)
    second = linalg.laplacian_eigenpairs(G, 6)
    assert len(calls) == 2
    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])
    L = linalg.laplacian(G, kind="normalized")
    trivial = np.sqrt(np.asarray(G.sum(axis=1)).ravel())
    a = linalg.smallest_eigenpairs(L, 4, trivial=trivial, solver="arpack")
    b = linalg.smallest_eigenpairs(L, 4, trivial=trivial, solver="arpack")
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


def _swap_pairs_matrix(n):
    """Symmetric and indefinite, with a zero diagonal: LU without pivoting is unstable on it."""
    swaps = sp.kron(sp.identity(n // 2), sp.csr_matrix([[0.0, 1.0], [1.0, 0.0]]))
    noise = sp.random(n, n, density=2 / n, random_state=1)
    return (swaps + 0.1 * (noise + noise.T)).tocsr()


@pytest.mark.parametrize("check_rtol, accurate", [(linalg.ARPACK_CHECK_RTOL, True), (np.inf, False)])
def test_arpack_refactors_with_pivoting_when_the_matrix_is_not_psd(monkeypatch, check_rtol, accurate):
    # With the residual check switched off (inf) the unpivoted factor's answer
    # is visibly degraded, so the accurate case shows the fallback at work.
    monkeypatch.setattr(linalg, "ARPACK_CHECK_RTOL", check_rtol)
    M = _swap_pairs_matrix(3000)
    values, vectors = linalg.smallest_eigenpairs(M, 4, solver="arpack")
    worst = linalg.eigen_residuals(M, values, vectors).max()
    assert (worst < 1e-12) == accurate, worst


def test_disconnected_graph_dense_and_arpack_same_output():
    W = block_graph([50, 80, 70, 60, 45], seed=8)
    vd, Ud = linalg.laplacian_eigenpairs(W, 7, solver="dense")
    va, Ua = linalg.laplacian_eigenpairs(W, 7, solver="arpack")
    np.testing.assert_allclose(va, vd, atol=1e-9)
    # the 4-dimensional zero eigenspace is returned in the canonical basis by both
    np.testing.assert_allclose(Ua, Ud, atol=1e-6)


def _rotating_dense_solver(original, seed):
    """Wrap the dense solver: rotate each degenerate cluster's basis and flip signs at random."""
    rng = np.random.default_rng(seed)

    def solver(M, count):
        values, vectors = original(M, count)
        vectors = vectors * rng.choice([-1.0, 1.0], size=vectors.shape[1])
        for cluster in linalg.eigenvalue_clusters(values):
            m = cluster.stop - cluster.start
            if m > 1:
                R, _ = np.linalg.qr(rng.normal(size=(m, m)))
                vectors[:, cluster] = vectors[:, cluster] @ R
        return values, vectors

    return solver


@pytest.mark.parametrize(
    "graph, K",
    [
        (ring(24), 7),  # doubly degenerate pairs, K cuts a pair
        (sp.csr_matrix(np.kron(np.eye(4), np.ones((5, 5))) - np.eye(20)), 8),  # cliques: 3 zeros, then 16-fold 5
    ],
)
def test_degenerate_eigenspaces_do_not_depend_on_lapack_basis(monkeypatch, graph, K):
    original = _solvers.smallest_dense
    values, vectors = linalg.laplacian_eigenpairs(graph, K, solver="dense")
    for seed in range(3):
        monkeypatch.setattr(_solvers, "smallest_dense", _rotating_dense_solver(original, seed))
        v2, U2 = linalg.laplacian_eigenpairs(graph, K, solver="dense")
        monkeypatch.undo()
        np.testing.assert_allclose(v2, values, atol=1e-12)
        np.testing.assert_allclose(U2, vectors, atol=1e-9)


def test_degenerate_eigenvalues_of_cliques_and_ring():
    # union of 4 cliques of size 5: L eigenvalues 0 (x4) and 5 (x16)
    G = sp.csr_matrix(np.kron(np.eye(4), np.ones((5, 5))) - np.eye(20))
    values, vectors = linalg.laplacian_eigenpairs(G, 19)
    np.testing.assert_allclose(values, [0.0] * 3 + [5.0] * 16, atol=1e-10)
    # ring: 2 - 2 cos(2 pi k / n), each k != 0, n/2 twice
    n = 24
    values, _ = linalg.laplacian_eigenpairs(ring(n), 6)
    expected = np.sort(2 - 2 * np.cos(2 * np.pi * np.arange(1, n) / n))[:6]
    np.testing.assert_allclose(values, expected, atol=1e-12)


def test_cut_inside_a_cluster_keeps_the_first_members():
    G = sp.csr_matrix(np.kron(np.eye(4), np.ones((5, 5))) - np.eye(20))
    _, full = linalg.laplacian_eigenpairs(G, 19)
    for K in (1, 2, 5, 10):
        _, part = linalg.laplacian_eigenpairs(G, K)
        np.testing.assert_allclose(part, full[:, :K], atol=1e-10)


def test_ring_dense_and_arpack_identical_with_degenerate_pairs():
    G = ring(300)
    vd, Ud = linalg.laplacian_eigenpairs(G, 5, solver="dense")
    va, Ua = linalg.laplacian_eigenpairs(G, 5, solver="arpack")
    np.testing.assert_allclose(va, vd, atol=1e-10)
    np.testing.assert_allclose(Ua, Ud, atol=1e-7)


def test_path_fiedler_sign_is_the_first_tied_extreme():
    # the Fiedler vector of a path is antisymmetric: both ends tie in |.|; the first must be > 0
    for n in (10, 51, 301):
        W = sp.diags([np.ones(n - 1), np.ones(n - 1)], [-1, 1]).tocsr()
        _, U = linalg.laplacian_eigenpairs(W, 1)
        expected = np.cos(np.pi * (np.arange(n) + 0.5) / n)
        expected /= np.linalg.norm(expected)
        np.testing.assert_allclose(U[:, 0], expected, atol=1e-8)


def test_normalized_kind_deflates_sqrt_degree_vector():
    N, K = 35, 5
    W = random_graph(N, seed=9, sparse=False)
    d = W.sum(1)
    values, vectors = linalg.laplacian_eigenpairs(W, K, kind="normalized")
    ref = np.linalg.eigvalsh(csgraph_laplacian(W, normed=True))
    np.testing.assert_allclose(values, ref[1 : K + 1], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(np.sqrt(d) @ vectors, 0.0, atol=1e-10)
    # generalized form L u = lambda D u with u = D^{-1/2} v (scipy's generalized solver)
    gen = scipy.linalg.eigh(np.diag(d) - W, np.diag(d), eigvals_only=True)
    np.testing.assert_allclose(values, gen[1 : K + 1], rtol=1e-9)


# --------------------------------------------------------------------------- smallest_eigenpairs, clusters


def test_smallest_eigenpairs_of_a_psd_matrix_without_trivial():
    rng = np.random.default_rng(3)
    B = rng.normal(size=(12, 12))
    M = B @ B.T
    ref_values, ref_vectors = np.linalg.eigh(M)
    values, vectors = linalg.smallest_eigenpairs(M, 4)
    np.testing.assert_allclose(values, ref_values[:4], rtol=1e-10, atol=1e-10)
    assert max_angle(vectors, ref_vectors[:, :4]) < 1e-8
    values, vectors = linalg.smallest_eigenpairs(M, 12)
    np.testing.assert_allclose(values, ref_values, rtol=1e-10, atol=1e-10)


def test_eigenvalue_clusters_by_relative_gap():
    values = np.array([0.0, 1.0, 1.0 + 1e-12, 2.0, 3.0, 3.0])
    clusters = linalg.eigenvalue_clusters(values)
    assert [(c.start, c.stop) for c in clusters] == [(0, 1), (1, 3), (3, 4), (4, 6)]
    assert linalg.eigenvalue_clusters(np.array([])) == []


# --------------------------------------------------------------------------- canonical basis, sign rule


def test_canonical_basis_is_rotation_invariant():
    rng = np.random.default_rng(5)
    V, _ = np.linalg.qr(rng.normal(size=(30, 4)))
    reference = linalg.canonical_basis(V)
    np.testing.assert_allclose(reference.T @ reference, np.eye(4), atol=1e-12)
    assert max_angle(reference, V) < 1e-10
    for seed in range(5):
        R, _ = np.linalg.qr(np.random.default_rng(100 + seed).normal(size=(4, 4)))
        np.testing.assert_allclose(linalg.canonical_basis(V @ R), reference, atol=1e-10)


def test_canonical_basis_first_column_is_normalised_projection_of_best_pivot():
    rng = np.random.default_rng(6)
    V, _ = np.linalg.qr(rng.normal(size=(20, 3)))
    P = V @ V.T  # projector onto the span
    p1 = int(np.argmax(np.diag(P)))  # sample with the largest coordinate norm
    first = P[:, p1] / np.sqrt(P[p1, p1])
    np.testing.assert_allclose(linalg.canonical_basis(V)[:, 0], first, atol=1e-12)


def test_sign_flip_rule():
    V = np.array([[1.0, 0.5, 0.0], [-3.0, 0.2, 0.0], [2.0, -0.6, 0.0]])
    out = linalg.sign_flip(V)
    np.testing.assert_array_equal(out, [[-1.0, -0.5, 0.0], [3.0, -0.2, 0.0], [-2.0, 0.6, 0.0]])
    rng = np.random.default_rng(2)
    R = rng.normal(size=(10, 6))
    F = linalg.sign_flip(R)
    rows = np.argmax(np.abs(R), axis=0)
    assert np.all(F[rows, np.arange(6)] > 0)
    np.testing.assert_array_equal(np.abs(F), np.abs(R))
    # exact and round-off ties: the first tied entry decides
    np.testing.assert_array_equal(linalg.sign_flip(np.array([[-2.0], [2.0]])), [[2.0], [-2.0]])
    np.testing.assert_array_equal(
        linalg.sign_flip(np.array([[-2.0], [2.0 + 1e-13]])), [[2.0], [-2.0 - 1e-13]]
    )


# --------------------------------------------------------------------------- generalized eigenproblem


def test_generalized_eigh_spd_matches_scipy():
    rng = np.random.default_rng(12)
    D = 6
    Ar = rng.normal(size=(D, D))
    A = Ar @ Ar.T
    Br = rng.normal(size=(D, D))
    B = Br @ Br.T + 0.5 * np.eye(D)
    mu, Q = linalg.generalized_eigh(A, B)
    ref_mu, ref_Q = scipy.linalg.eigh(A, B)
    np.testing.assert_allclose(mu, ref_mu, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(Q.T @ B @ Q, np.eye(D), atol=1e-10)
    np.testing.assert_allclose(A @ Q - B @ Q * mu, 0.0, atol=1e-9)
    # simple eigenvalues: each column equals scipy's up to sign (B-inner product +-1)
    np.testing.assert_allclose(np.abs(np.diag(Q.T @ B @ ref_Q)), 1.0, atol=1e-9)


def test_generalized_eigh_with_singular_b_works_on_the_range():
    rng = np.random.default_rng(13)
    N, D = 8, 15
    X = rng.normal(size=(N, D))
    X[:, 3] = 2.5  # a constant feature: in the null space of B
    W = random_graph(N, density=0.6, seed=13, sparse=False)
    L = np.diag(W.sum(1)) - W
    H = np.eye(N) - np.ones((N, N)) / N
    A = X.T @ L @ X / N
    B = X.T @ H @ X / N
    mu, Q = linalg.generalized_eigh(A, B)
    r = np.linalg.matrix_rank(H @ X)
    assert r == N - 1 and mu.shape == (r,) and Q.shape == (D, r)
    np.testing.assert_allclose(Q.T @ B @ Q, np.eye(r), atol=1e-9)
    range_basis = scipy.linalg.orth(B, rcond=1e-10)
    P_range = range_basis @ range_basis.T
    residual = A @ Q - B @ Q * mu
    np.testing.assert_allclose(P_range @ residual, 0.0, atol=1e-8)
    np.testing.assert_allclose(Q - P_range @ Q, 0.0, atol=1e-10)  # columns lie in range(B)
    np.testing.assert_allclose(Q[3], 0.0, atol=1e-10)  # the constant feature gets no weight
    # independent reference: the same pencil restricted to an orthonormal basis of range(B)
    ref_mu = scipy.linalg.eigh(range_basis.T @ A @ range_basis, range_basis.T @ B @ range_basis,
                               eigvals_only=True)
    np.testing.assert_allclose(mu, ref_mu, rtol=1e-8, atol=1e-10)
    assert np.all(np.diff(mu) >= -1e-12)


def test_generalized_eigh_singular_b_general_a_residual_on_range():
    rng = np.random.default_rng(14)
    D, r = 7, 4
    F = rng.normal(size=(D, r))
    B = F @ F.T  # rank 4
    Ar = rng.normal(size=(D, D))
    A = Ar + Ar.T  # not confined to range(B)
    mu, Q = linalg.generalized_eigh(A, B)
    assert mu.shape == (r,)
    basis = scipy.linalg.orth(F)
    np.testing.assert_allclose(basis.T @ (A @ Q - B @ Q * mu), 0.0, atol=1e-9)
    np.testing.assert_allclose(Q.T @ B @ Q, np.eye(r), atol=1e-10)
    np.testing.assert_allclose(Q - basis @ (basis.T @ Q), 0.0, atol=1e-10)


# --------------------------------------------------------------------------- quadratic form, kernels


def test_graph_quadratic_form_equals_dense():
    rng = np.random.default_rng(15)
    W = random_graph(25, seed=15, sparse=False)
    X = rng.normal(size=(25, 4))
    L = csgraph_laplacian(W)
    expected = X.T @ L @ X
    np.testing.assert_allclose(linalg.graph_quadratic_form(X, sp.csr_matrix(W)), expected, atol=1e-11)
    np.testing.assert_allclose(linalg.graph_quadratic_form(X, W), expected, atol=1e-11)


def test_graph_quadratic_form_reads_the_degrees_given_only_without_validation():
    # degrees= spares the row sum for a caller that has it (#18); the validated call ignores it
    rng = np.random.default_rng(16)
    G = sp.csr_matrix(random_graph(20, seed=16, sparse=False))
    X = rng.normal(size=(20, 3))
    d = linalg.degrees(G)
    expected = X.T @ csgraph_laplacian(G.toarray()) @ X
    np.testing.assert_allclose(linalg.graph_quadratic_form(X, G, check_input=False, degrees=d), expected,
                               atol=1e-11)
    # twice the degrees adds X^T D X: proof that they are read, not recomputed
    np.testing.assert_allclose(linalg.graph_quadratic_form(X, G, check_input=False, degrees=2 * d),
                               expected + X.T @ (d[:, None] * X), atol=1e-11)
    np.testing.assert_allclose(linalg.graph_quadratic_form(X, G, degrees=2 * d), expected, atol=1e-11)


def test_kernels_match_sklearn():
    rng = np.random.default_rng(16)
    X = rng.normal(size=(9, 3))
    Y = rng.normal(size=(5, 3))
    bw = 1.7
    np.testing.assert_allclose(
        linalg.Kernel("rbf", bandwidth=bw)(X, Y), rbf_kernel(X, Y, gamma=1 / (2 * bw**2)), rtol=1e-12
    )
    np.testing.assert_allclose(
        linalg.Kernel("polynomial", degree=3, coef0=0.5)(X, Y),
        polynomial_kernel(X, Y, degree=3, gamma=1.0, coef0=0.5), rtol=1e-12,
    )
    np.testing.assert_allclose(linalg.Kernel("linear")(X, Y), linear_kernel(X, Y), rtol=1e-12)


def test_median_bandwidth_and_make_kernel():
    rng = np.random.default_rng(17)
    X = rng.normal(size=(12, 3))
    X[5] = X[2]  # a duplicate: zero distances are ignored
    dist = pdist(X)
    expected = float(np.median(dist[dist > 0]))
    assert linalg.median_bandwidth(X) == pytest.approx(expected, rel=1e-12)
    k = linalg.make_kernel(X, "rbf")
    assert k.bandwidth == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(k(X, X), rbf_kernel(X, X, gamma=1 / (2 * expected**2)), rtol=1e-11)
    k = linalg.make_kernel(X, "rbf", bandwidth=0.3)
    assert k.bandwidth == 0.3
    k = linalg.make_kernel(X, "polynomial", degree=2, coef0=2.0)
    np.testing.assert_allclose(k(X, X), (X @ X.T + 2.0) ** 2, rtol=1e-12)

    def custom(a, b):
        return a @ b.T

    assert linalg.make_kernel(X, custom) is custom


def test_feature_rank():
    rng = np.random.default_rng(18)
    X = rng.normal(size=(30, 3)) @ rng.normal(size=(3, 8))
    X[:, 0] = 4.0  # constant column adds nothing after centring
    assert linalg.feature_rank(X) == np.linalg.matrix_rank(X - X.mean(0))
    assert linalg.feature_rank(np.ones((5, 2))) == 0


# --------------------------------------------------------------------------- bad input

BAD_GRAPHS = [
    (np.array([[0, 1.0, 0], [0.5, 0, 1.0], [0, 1.0, 0]]), ValueError, "G is not symmetric"),
    (np.array([[0, -1.0], [-1.0, 0]]), ValueError, "G has negative weights"),
    (np.array([[0, np.nan], [np.nan, 0]]), ValueError, "G contains NaN or inf"),
    (np.array([[0, np.inf], [np.inf, 0]]), ValueError, "G contains NaN or inf"),
    (np.ones((2, 3)), ValueError, "G must be square"),
    (np.array([[0, 1j], [1j, 0]]), TypeError, "G must be a real numeric matrix"),
    (sp.csr_matrix(np.array([[0, 1j], [1j, 0]])), TypeError, "G has a complex dtype"),
    (np.zeros((3, 3)), ValueError, "G is empty"),
    (np.array([[1.0, 1.0], [1.0, 0]]), ValueError, "G has a nonzero diagonal"),
    (np.array([1.0, 2.0]), ValueError, "G must be 2-D"),
    (np.zeros((1, 1)), ValueError, "G must relate at least 2 samples"),
    ("graph", TypeError, "G must be a square array"),
]

GRAPH_FUNCTIONS = [
    ("degrees", lambda G: linalg.degrees(G)),
    ("laplacian", lambda G: linalg.laplacian(G)),
    ("laplacian_normalized", lambda G: linalg.laplacian(G, kind="normalized")),
    ("laplacian_eigenpairs", lambda G: linalg.laplacian_eigenpairs(G, 1)),
    ("graph_quadratic_form", lambda G: linalg.graph_quadratic_form(np.ones((2, 1)), G)),
]


@pytest.mark.parametrize("name, func", GRAPH_FUNCTIONS, ids=[f[0] for f in GRAPH_FUNCTIONS])
@pytest.mark.parametrize("G, error, message", BAD_GRAPHS)
def test_bad_graphs_are_refused(name, func, G, error, message):
    with pytest.raises(error, match=message):
        func(G)


GOOD = random_graph(10, density=0.5, seed=1)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: linalg.laplacian(GOOD, kind="signless"), ValueError, "kind must be one of"),
        (lambda: linalg.laplacian_eigenpairs(GOOD, 2, kind="random_walk"), ValueError, "kind must be one of"),
        (lambda: linalg.laplacian_eigenpairs(GOOD, 2, solver="lanczos"), ValueError, "solver must be one of"),
        (lambda: linalg.laplacian_eigenpairs(GOOD, 0), ValueError, "n_components must be >= 1"),
        (lambda: linalg.laplacian_eigenpairs(GOOD, -1), ValueError, "n_components must be >= 1"),
        (lambda: linalg.laplacian_eigenpairs(GOOD, 10), ValueError, "n_components=10 is larger than"),
        (lambda: linalg.laplacian_eigenpairs(GOOD, 2.5), TypeError, "n_components must be an integer"),
        (lambda: linalg.laplacian_eigenpairs(GOOD, True), TypeError, "n_components must be an integer"),
        (lambda: linalg.smallest_eigenpairs(np.eye(4), 5), ValueError, "n_components=5 is larger than"),
        (lambda: linalg.smallest_eigenpairs(np.ones((3, 4)), 1), ValueError, "M must be a square 2-D"),
        (lambda: linalg.smallest_eigenpairs(np.triu(np.ones((3, 3))), 1), ValueError, "M is not symmetric"),
        (lambda: linalg.smallest_eigenpairs(np.full((3, 3), np.nan), 1), ValueError, "M contains NaN"),
        (lambda: linalg.smallest_eigenpairs(np.eye(3) * 1j, 1), TypeError, "M must be a real numeric"),
        (lambda: linalg.smallest_eigenpairs(np.eye(3), 1, solver="qr"), ValueError, "solver must be one of"),
        (lambda: linalg.smallest_eigenpairs(linalg.laplacian(GOOD), 1, trivial=np.ones(4)),
         ValueError, "trivial must be a finite nonzero vector"),
        (lambda: linalg.smallest_eigenpairs(linalg.laplacian(GOOD), 1, trivial=np.arange(10.0)),
         ValueError, "trivial is not a null vector"),
        (lambda: linalg.generalized_eigh(np.eye(3), np.eye(4)), ValueError, "A and B must have the same shape"),
        (lambda: linalg.generalized_eigh(np.ones((2, 3)), np.eye(2)), ValueError, "A must be a square 2-D"),
        (lambda: linalg.generalized_eigh(np.triu(np.ones((3, 3))), np.eye(3)), ValueError, "A is not symmetric"),
        (lambda: linalg.generalized_eigh(np.eye(2), -np.eye(2)), ValueError, "B must be positive semi-definite"),
        (lambda: linalg.generalized_eigh(np.eye(2), np.zeros((2, 2))), ValueError, "B is zero"),
        (lambda: linalg.generalized_eigh(np.eye(2), sp.eye(2)), TypeError, "B is a sparse matrix"),
        (lambda: linalg.generalized_eigh(np.eye(2), np.eye(2), rank_rtol=0.0), ValueError, "rank_rtol must be > 0"),
        (lambda: linalg.graph_quadratic_form(np.ones((4, 2)), GOOD), ValueError, "X has 4 rows but the graph G has 10"),
        (lambda: linalg.graph_quadratic_form(np.ones(10), GOOD), ValueError, "X must be 2-D"),
        (lambda: linalg.graph_quadratic_form(sp.csr_matrix(np.ones((10, 2))), GOOD), TypeError, "X is a sparse matrix"),
        (lambda: linalg.center(sp.csr_matrix(np.ones((3, 2)))), TypeError, "X is a sparse matrix"),
        (lambda: linalg.center(np.ones(3)), ValueError, "X must be 2-D"),
        (lambda: linalg.center(np.array([[1.0, np.nan]])), ValueError, "X contains NaN or inf"),
        (lambda: linalg.sign_flip(np.ones(3)), ValueError, "vectors must be 2-D"),
        (lambda: linalg.canonical_basis(np.ones((4, 2))), ValueError, "vectors must have orthonormal columns"),
        (lambda: linalg.canonical_basis(np.ones(4)), ValueError, "vectors must be 2-D"),
        (lambda: linalg.Kernel("sigmoid"), ValueError, "kernel must be one of"),
        (lambda: linalg.Kernel("rbf", bandwidth=0.0), ValueError, "bandwidth must be > 0"),
        (lambda: linalg.Kernel("rbf", bandwidth=-1.0), ValueError, "bandwidth must be > 0"),
        (lambda: linalg.Kernel("rbf", bandwidth="wide"), TypeError, "bandwidth must be a real number"),
        (lambda: linalg.Kernel("polynomial", degree=0), ValueError, "degree must be >= 1, got 0"),
        (lambda: linalg.Kernel("polynomial", degree=2.5), TypeError, "degree must be an integer, got 2.5"),
        (lambda: linalg.Kernel("polynomial", coef0=np.nan), ValueError, "coef0 must be finite"),
        (lambda: linalg.make_kernel(np.ones((3, 2)), "cosine"), ValueError, "kernel must be one of"),
        (lambda: linalg.make_kernel(np.ones((3, 2)), "rbf", bandwidth=-2.0), ValueError, "bandwidth must be > 0"),
        (lambda: linalg.make_kernel(np.ones((3, 2)), "rbf"), ValueError, "all samples in X are identical"),
        (lambda: linalg.median_bandwidth(sp.csr_matrix(np.eye(3))), TypeError, "X is a sparse matrix"),
        (lambda: linalg.median_bandwidth(np.ones((1, 2))), ValueError, "X needs at least 2 samples"),
    ],
)
def test_bad_arguments_are_refused(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --------------------------------------------------------------------------- null-space shortcut


def test_component_shortcut_equals_the_eigensolver_path():
    # 40 pairs: 39 non-trivial zero eigenvalues; asking for 6 takes the shortcut.
    G = graphs.from_groups(np.tile(np.arange(40), 2))
    values, vectors = linalg.laplacian_eigenpairs(G, 6)
    ref_values, ref_vectors = linalg.smallest_eigenpairs(
        linalg.laplacian(G), 6, trivial=np.ones(80), solver="dense"
    )
    assert np.array_equal(values, np.zeros(6))
    assert np.max(np.abs(ref_values)) < 1e-12
    assert np.max(np.abs(vectors - ref_vectors)) < 1e-12


def test_component_shortcut_vectors_are_null_and_orthogonal_to_constant():
    G = graphs.from_groups(np.repeat(np.arange(25), 3))
    _, U = linalg.laplacian_eigenpairs(G, 10)
    L = linalg.laplacian(G)
    assert np.max(np.abs(L @ U)) < 1e-12
    assert np.max(np.abs(U.sum(axis=0))) < 1e-12
    assert np.max(np.abs(U.T @ U - np.eye(10))) < 1e-12


def test_arpack_with_a_huge_degenerate_cluster_falls_back_to_dense():
    # 300 pairs + asking past the zero cluster: ARPACK alone would need > N/4 pairs.
    G = graphs.from_groups(np.tile(np.arange(300), 2))
    values, _ = linalg.laplacian_eigenpairs(G, 302, solver="arpack")
    assert np.max(np.abs(values[:299])) < 1e-10
    assert np.allclose(values[299:], 2.0)


def test_canonical_basis_prefix_does_not_depend_on_count():
    rng = np.random.default_rng(3)
    Q = np.linalg.qr(rng.standard_normal((30, 6)))[0]
    full = linalg.canonical_basis(Q)
    assert np.max(np.abs(linalg.canonical_basis(Q, 2) - full[:, :2])) < 1e-13


def test_integral_float_counts_are_accepted_and_fractions_refused():
    from spectral_ssl._validation import check_integer

    assert check_integer(5.0, name="n_components", low=1) == 5
    assert type(check_integer(np.float32(8), name="k")) is int
    G = np.array([[0, 1.0, 0], [1.0, 0, 1.0], [0, 1.0, 0]])
    values, _ = linalg.laplacian_eigenpairs(G, 2.0)
    assert np.allclose(values, [1.0, 3.0])
    for bad, error in ((2.5, TypeError), (True, TypeError), ("2", TypeError), (float("nan"), TypeError),
                       (0, ValueError)):
        with pytest.raises(error, match="n_components must be"):
            linalg.laplacian_eigenpairs(G, bad)


# --------------------------------------------------------------------------- package layout


def test_settings_assigned_on_the_package_reach_the_solvers(monkeypatch):
    from spectral_ssl.linalg import _settings

    assert linalg.resolve_solver("auto", 100) == "dense"
    monkeypatch.setattr(linalg, "DENSE_MAX_SAMPLES", 50)
    assert _settings.DENSE_MAX_SAMPLES == 50 and linalg.DENSE_MAX_SAMPLES == 50
    assert linalg.resolve_solver("auto", 100) == "arpack"
    monkeypatch.undo()
    assert _settings.DENSE_MAX_SAMPLES == 2000 and linalg.resolve_solver("auto", 100) == "dense"
    # a name that is not a setting is set on the package only
    monkeypatch.setattr(linalg, "not_a_setting", 1, raising=False)
    assert not hasattr(_settings, "not_a_setting")


def test_every_name_in_all_exists_and_old_private_names_still_work():
    assert all(hasattr(linalg, name) for name in linalg.__all__)
    assert len(set(linalg.__all__)) == len(linalg.__all__)
    G = graphs.knn(np.random.default_rng(0).standard_normal((30, 2)), 4)
    X = np.random.default_rng(1).standard_normal((30, 2))
    checked = graphs.check(G)
    values, vectors = linalg.laplacian_eigenpairs(G, 3)
    old_values, old_vectors = linalg._laplacian_eigenpairs(checked, 3)
    assert np.array_equal(values, old_values) and np.array_equal(vectors, old_vectors)
    L = linalg.laplacian(G, "normalized")
    assert (abs(linalg._laplacian(checked, "normalized") - L)).max() == 0.0
    a = linalg.smallest_eigenpairs(L, 2, trivial=np.sqrt(linalg.degrees(G)))
    b = linalg._smallest_eigenpairs(L, 2, trivial=np.sqrt(linalg.degrees(G)))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert np.array_equal(linalg._graph_quadratic_form(X, checked), linalg.graph_quadratic_form(X, G))


def test_check_input_false_skips_the_validation_only():
    G = np.array([[0, 1.0, 0], [1.0, 0, 1.0], [0, 1.0, 0]])
    with pytest.raises(ValueError, match="symmetric"):
        linalg.laplacian(np.triu(G), check_input=True)
    checked = graphs.check(G)
    assert np.array_equal(linalg.laplacian(checked, check_input=False).toarray(), linalg.laplacian(G).toarray())
    values, _ = linalg.laplacian_eigenpairs(checked, 2, check_input=False)
    np.testing.assert_allclose(values, [1.0, 3.0], atol=1e-12)
    with pytest.raises(ValueError, match="kind"):
        linalg.laplacian_eigenpairs(checked, 2, kind="random_walk", check_input=False)


def test_no_linalg_module_exceeds_500_lines():
    import pathlib

    folder = pathlib.Path(linalg.__file__).parent
    sizes = {path.name: len(path.read_text().splitlines()) for path in folder.glob("*.py")}
    assert len(sizes) >= 10 and max(sizes.values()) <= 500, sizes


def test_degrees_passed_down_give_the_same_laplacian_and_pairs():
    # The solve path computes the degrees once and hands them down (check_input=False).
    G = graphs.knn(np.random.default_rng(3).standard_normal((30, 2)), 4)
    d = np.asarray(G.sum(axis=1)).ravel()
    for kind in ("combinatorial", "normalized", "random_walk"):
        assert (linalg.laplacian(G, kind, check_input=False, degrees=d) != linalg.laplacian(G, kind)).nnz == 0
    for solver in ("dense", "lobpcg"):
        values, vectors = linalg.laplacian_eigenpairs(G, 3, kind="normalized", solver=solver)
        given = linalg.laplacian_eigenpairs(G, 3, kind="normalized", solver=solver, check_input=False, degrees=d)
        np.testing.assert_allclose(given[0], values, rtol=1e-9, atol=1e-12)
        assert np.max(scipy.linalg.subspace_angles(given[1], vectors)) < 1e-6
    # degrees are read only with check_input=False: otherwise recomputed from the validated G
    np.testing.assert_allclose(linalg.laplacian(G, check_input=True, degrees=2 * d).toarray(),
                               linalg.laplacian(G).toarray())


def test_degree_weighted_eigh_equals_scipy_on_a_well_conditioned_problem():
    """A = -F^T G F, B = F^T D F: the canonical correlations of scipy.linalg.eigh(A, B), and Q
    B-orthonormal; an isolated sample (degree 0) changes neither."""
    import scipy.linalg
    import scipy.sparse as sp

    rng = np.random.default_rng(40)
    n = 30
    F = rng.standard_normal((n, 4))
    W = np.triu(rng.uniform(0.5, 2.0, (n, n)) * (rng.random((n, n)) < 0.3), 1)
    W = W + W.T
    W[0] = W[:, 0] = 0.0
    d = W.sum(axis=1)
    A, B = -F.T @ W @ F, F.T @ (d[:, None] * F)
    mu, Q = linalg.degree_weighted_eigh(F, sp.csr_matrix(W), d)
    np.testing.assert_allclose(mu, scipy.linalg.eigh(A, B, eigvals_only=True), rtol=0, atol=1e-12)
    np.testing.assert_allclose(Q.T @ B @ Q, np.eye(4), atol=1e-12)
    np.testing.assert_allclose(Q.T @ A @ Q, np.diag(mu), atol=1e-12)


@pytest.mark.parametrize("scale", [1e-170, 1.0, 1e160])
def test_unit_rows_keeps_directions_of_tiny_and_huge_rows(scale):
    # the plain norm of a row of 1e-170 underflows to 0 and of 1e160 overflows to inf
    Z = np.array([[3.0, 4.0], [0.0, -2.0], [1.0, 1.0]]) * scale
    Zn, top, norms = linalg.unit_rows(Z)
    np.testing.assert_allclose(Zn, [[0.6, 0.8], [0.0, -1.0], [2**-0.5, 2**-0.5]], rtol=1e-15)
    np.testing.assert_allclose(top * norms, np.array([5.0, 2.0, 2**0.5]) * scale, rtol=1e-15)
    # a zero row is the caller's to refuse: top is 0 and no warning is raised
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert linalg.unit_rows(np.zeros((1, 2)))[1].tolist() == [0.0]

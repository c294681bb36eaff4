"""Tests of spectral_ssl.spectral against scikit-learn / SciPy on the same inputs.

Subspaces are compared by their largest principal angle
(``scipy.linalg.subspace_angles``); where the output is not a subspace
(eigenvalues, correlations, distances) the numbers are compared directly.
"""

import numpy as np
import pytest
import scipy.linalg as sla
import scipy.sparse as sp
import sklearn.manifold
from scipy.spatial.distance import pdist
from sklearn.cross_decomposition import CCA
from sklearn.decomposition import PCA, KernelPCA
from sklearn.manifold import Isomap, SpectralEmbedding, spectral_embedding

from spectral_ssl import spectral
import graph_fixtures as shared
from graph_fixtures import max_angle

ANGLE_TOL = 1e-6


def weighted_graph(n=60, seed=0):
    return shared.weighted_graph(n, 8, seed)


def regular_graph(n=50, n_cycles=3, seed=0):
    return shared.regular_graph(n, n_cycles, seed)


def dense_laplacian(G):
    A = G.toarray()
    return np.diag(A.sum(1)) - A


# --------------------------------------------------------------------------- Laplacian Eigenmaps


@pytest.mark.parametrize("use_estimator", [False, True])
def test_normalized_laplacian_eigenmaps_matches_sklearn(use_estimator):
    G = weighted_graph()
    K = 4
    if use_estimator:
        ref = SpectralEmbedding(n_components=K, affinity="precomputed", eigen_solver="arpack",
                                random_state=0).fit_transform(G.toarray())
    else:
        ref = spectral_embedding(G, n_components=K, eigen_solver="arpack", drop_first=True,
                                 random_state=0)
    U, lam = spectral.laplacian_eigenmaps(G, K, normalized=True)
    assert max_angle(U, ref) < ANGLE_TOL
    # eigenvalues of the generalized problem L u = lambda D u (dense SciPy, trivial 0 dropped)
    d = np.asarray(G.sum(1)).ravel()
    expected = sla.eigh(dense_laplacian(G), np.diag(d), eigvals_only=True)[1: K + 1]
    np.testing.assert_allclose(lam, expected, rtol=1e-10, atol=1e-12)
    # D-orthonormal columns, D-orthogonal to the constant vector
    np.testing.assert_allclose(U.T @ (d[:, None] * U), np.eye(K), atol=1e-10)
    np.testing.assert_allclose(d @ U, 0.0, atol=1e-10)


@pytest.mark.parametrize("solver", ["dense", "arpack", "lobpcg"])
def test_unnormalized_laplacian_eigenmaps_matches_numpy_eigh(solver):
    G = weighted_graph(seed=1)
    K = 5
    values, vectors = np.linalg.eigh(dense_laplacian(G))
    U, lam = spectral.laplacian_eigenmaps(G, K, solver=solver)
    np.testing.assert_allclose(lam, values[1: K + 1], rtol=1e-9, atol=1e-12)
    assert max_angle(U, vectors[:, 1: K + 1]) < ANGLE_TOL
    np.testing.assert_allclose(U.T @ U, np.eye(K), atol=1e-10)
    np.testing.assert_allclose(U.sum(0), 0.0, atol=1e-10)
    # sign rule: largest-magnitude entry of each column positive
    assert np.all(U[np.argmax(np.abs(U), axis=0), np.arange(K)] > 0)


def test_lobpcg_laplacian_eigenmaps_matches_the_dense_solver():
    # a kNN graph large enough for the AMG hierarchy to have several levels
    G = shared.weighted_graph(1500, 10, seed=4)
    K = 6
    for normalized in (False, True):
        U_dense, lam_dense = spectral.laplacian_eigenmaps(G, K, normalized=normalized, solver="dense")
        U, lam = spectral.laplacian_eigenmaps(G, K, normalized=normalized, solver="lobpcg")
        np.testing.assert_allclose(lam, lam_dense, rtol=1e-8)
        assert max_angle(U, U_dense) < 1e-6
        # same sign rule: the columns agree, not only the subspaces
        assert np.max(np.abs(U - U_dense)) < 1e-6 * np.max(np.abs(U_dense))


def test_laplacian_eigenmaps_tol_bounds_the_residual():
    G = shared.weighted_graph(1500, 10, seed=5)
    K = 4
    _, lam_dense = spectral.laplacian_eigenmaps(G, K, solver="dense")
    L = dense_laplacian(G)
    scale = np.max(np.abs(L).sum(axis=1))
    for tol in (1e-4, 1e-8):
        U, lam = spectral.laplacian_eigenmaps(G, K, solver="lobpcg", tol=tol)
        residual = np.linalg.norm(L @ U - U * lam, axis=0)
        assert np.max(residual) <= tol * scale
        # Weyl: each eigenvalue within the residual of the true one
        assert np.max(np.abs(lam - lam_dense)) <= tol * scale
    with pytest.raises(ValueError, match="tol must be > 0"):
        spectral.laplacian_eigenmaps(G, K, solver="lobpcg", tol=0.0)
    with pytest.raises(TypeError, match="tol must be a real number"):
        spectral.laplacian_eigenmaps(G, K, tol="1e-3")


def test_degree_regular_graph_normalized_and_unnormalized_coincide():
    G = regular_graph(n=50, n_cycles=3)
    d = np.asarray(G.sum(1)).ravel()
    assert np.all(d == 6.0)
    K = 6
    U, lam = spectral.laplacian_eigenmaps(G, K)
    V, nu = spectral.laplacian_eigenmaps(G, K, normalized=True)
    assert max_angle(U, V) < ANGLE_TOL
    np.testing.assert_allclose(nu, lam / 6.0, rtol=1e-10)
    ref = SpectralEmbedding(n_components=K, affinity="precomputed", eigen_solver="arpack",
                            random_state=0).fit_transform(G.toarray())
    assert max_angle(U, ref) < ANGLE_TOL


def test_disconnected_graph_has_extra_zero_eigenvalues():
    # three components: two triangles and an edge; L has c - 1 = 2 zeros off the constant
    G = sp.block_diag([np.ones((3, 3)) - np.eye(3), np.ones((3, 3)) - np.eye(3),
                       np.array([[0, 1.0], [1.0, 0]])]).tocsr()
    U, lam = spectral.laplacian_eigenmaps(G, 3)
    np.testing.assert_allclose(lam, [0.0, 0.0, 2.0], atol=1e-12)
    U, lam = spectral.laplacian_eigenmaps(G, 3, normalized=True)
    np.testing.assert_allclose(lam, [0.0, 0.0, 1.5], atol=1e-12)  # triangle: L_sym eigenvalue 3/2


def test_laplacian_eigenmaps_bad_inputs():
    G = sp.csr_matrix(np.array([[0, 1.0, 0], [1.0, 0, 0], [0, 0, 0]]))
    with pytest.raises(ValueError, match=r"1 isolated sample\(s\) \(degree 0, first: 2\)"):
        spectral.laplacian_eigenmaps(G, 1, normalized=True)
    lam = spectral.laplacian_eigenmaps(G, 1)[1]  # unnormalised: the isolated node is a component
    np.testing.assert_allclose(lam, [0.0], atol=1e-12)
    G = weighted_graph(n=20)
    with pytest.raises(TypeError, match="normalized must be True or False"):
        spectral.laplacian_eigenmaps(G, 2, normalized="yes")
    with pytest.raises(ValueError, match="solver must be one of"):
        spectral.laplacian_eigenmaps(G, 2, solver="eigh")
    with pytest.raises(ValueError, match=r"n_components=20 is larger than .*\(19\)"):
        spectral.laplacian_eigenmaps(G, 20)
    with pytest.raises(ValueError, match="n_components must be >= 1"):
        spectral.laplacian_eigenmaps(G, 0)
    with pytest.raises(ValueError, match="G is not symmetric"):
        spectral.laplacian_eigenmaps(np.array([[0, 1.0], [0.5, 0]]), 1)


# --------------------------------------------------------------------------- LPP


def test_lpp_matches_scipy_generalized_eigh():
    rng = np.random.default_rng(2)
    N, D, K = 70, 6, 3
    X = rng.standard_normal((N, D)) @ rng.standard_normal((D, D))
    G = weighted_graph(n=N, seed=2)
    d = np.asarray(G.sum(1)).ravel()
    L = dense_laplacian(G)
    A_mat, B_mat = X.T @ L @ X, X.T @ (d[:, None] * X)
    values, vectors = sla.eigh(A_mat, B_mat)
    Y, lam, A = spectral.locality_preserving_projections(X, G, K)
    np.testing.assert_allclose(lam, values[:K], rtol=1e-9)
    assert max_angle(A, vectors[:, :K]) < ANGLE_TOL
    np.testing.assert_allclose(A.T @ B_mat @ A, np.eye(K), atol=1e-10)
    np.testing.assert_allclose(Y, X @ A, atol=1e-12)


def test_lpp_singular_constraint_is_solved_on_its_range():
    rng = np.random.default_rng(3)
    N = 50
    X0 = rng.standard_normal((N, 3))
    X = np.c_[X0, X0[:, 0] + X0[:, 1]]  # collinear: X^T D X has null vector (1, 1, 0, -1)
    G = weighted_graph(n=N, seed=3)
    d = np.asarray(G.sum(1)).ravel()
    L = dense_laplacian(G)
    values, vectors = sla.eigh(X0.T @ L @ X0, X0.T @ (d[:, None] * X0))  # the reduced, regular problem
    Y, lam, A = spectral.locality_preserving_projections(X, G, 3)
    np.testing.assert_allclose(lam, values, rtol=1e-8)
    assert max_angle(Y, X0 @ vectors) < ANGLE_TOL
    # A is the minimum-norm solution in the equilibrated coordinates (columns of D^1/2 X divided
    # by 2^e, their largest entry in [0.5, 1)): E^-1 A has no component along E^-1 (1, 1, 0, -1)
    E = np.ldexp(1.0, -np.frexp(np.abs(np.sqrt(d)[:, None] * X).max(0))[1])
    null = np.array([1.0, 1.0, 0.0, -1.0]) / E
    assert np.max(np.abs(null @ (A / E[:, None]))) < 1e-8 * np.linalg.norm(null) * np.max(np.abs(A / E[:, None]))
    with pytest.raises(ValueError, match=r"larger than the rank of X\^T D_G X \(3\)"):
        spectral.locality_preserving_projections(X, G, 4)


def test_lpp_bad_inputs():
    G = weighted_graph(n=20)
    with pytest.raises(ValueError, match="X has 19 rows but the graph G has 20 samples"):
        spectral.locality_preserving_projections(np.ones((19, 2)), G, 1)
    with pytest.raises(ValueError, match=r"X\^T D_G X is zero"):
        spectral.locality_preserving_projections(np.zeros((20, 2)), G, 1)
    with pytest.raises(TypeError, match="n_components must be an integer"):
        spectral.locality_preserving_projections(np.eye(20)[:, :3], G, 1.5)


# --------------------------------------------------------------------------- classical MDS


def _reference_mds(delta, K):
    """scikit-learn's ClassicalMDS when installed, else a direct eigendecomposition."""
    if hasattr(sklearn.manifold, "ClassicalMDS"):
        model = sklearn.manifold.ClassicalMDS(n_components=K, metric="precomputed").fit(delta)
        return model.embedding_, model.eigenvalues_
    N = delta.shape[0]
    H = np.eye(N) - 1.0 / N
    w, V = np.linalg.eigh(-0.5 * H @ (delta**2) @ H)
    return V[:, ::-1][:, :K] * np.sqrt(w[::-1][:K]), w[::-1][:K]


def test_classical_mds_matches_reference():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((40, 5)) * [3.0, 2.0, 1.5, 1.0, 0.5]
    delta = sla.norm(X[:, None, :] - X[None, :, :], axis=2)
    ref, ref_values = _reference_mds(delta, 3)
    for M, kind in [(delta, "distance"), (X, "features"), (X @ X.T, "gram")]:
        Y, nu = spectral.classical_mds(M, 3, kind=kind)
        assert max_angle(Y, ref) < ANGLE_TOL
        np.testing.assert_allclose(nu, ref_values, rtol=1e-10)
        np.testing.assert_allclose(np.abs(Y), np.abs(ref), atol=1e-9)


@pytest.mark.parametrize("K", [3, 5])
def test_classical_mds_reproduces_low_rank_euclidean_distances(K):
    rng = np.random.default_rng(5)
    X = rng.standard_normal((30, 3)) @ rng.standard_normal((3, 6))  # rank 3 in R^6
    delta = sla.norm(X[:, None, :] - X[None, :, :], axis=2)
    Y, nu = spectral.classical_mds(delta, K)
    np.testing.assert_allclose(pdist(Y), pdist(X), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(nu[3:], 0.0, atol=1e-9 * nu[0])


def test_classical_mds_non_euclidean_keeps_negative_eigenvalues():
    rng = np.random.default_rng(6)
    N = 12
    delta = rng.uniform(1.0, 3.0, (N, N))
    delta = (delta + delta.T) / 2
    np.fill_diagonal(delta, 0.0)
    H = np.eye(N) - 1.0 / N
    w = np.linalg.eigvalsh(-0.5 * H @ (delta**2) @ H)[::-1]
    assert w[-1] < -1e-3  # genuinely non-Euclidean
    Y, nu = spectral.classical_mds(delta, N - 1)
    # all eigenvalues but the constant vector's zero, descending
    zero = np.argmin(np.abs(w))
    np.testing.assert_allclose(nu, np.delete(w, zero), atol=1e-10)
    np.testing.assert_allclose(Y[:, nu < 0], 0.0, atol=0)


def test_classical_mds_bad_inputs():
    delta = np.array([[0, 1.0, 2.0], [1.0, 0, 1.0], [2.0, 1.0, 0]])
    with pytest.raises(ValueError, match="kind must be one of"):
        spectral.classical_mds(delta, 1, kind="precomputed")
    with pytest.raises(ValueError, match="negative dissimilarities"):
        spectral.classical_mds(-delta, 1)
    with pytest.raises(ValueError, match="nonzero diagonal"):
        spectral.classical_mds(delta + np.eye(3), 1)
    with pytest.raises(ValueError, match="M is not symmetric"):
        spectral.classical_mds(delta + np.triu(np.ones((3, 3)), 1), 1)
    with pytest.raises(ValueError, match=r"square \(N, N\) matrix, got shape \(3, 2\)"):
        spectral.classical_mds(delta[:, :2], 1)
    with pytest.raises(ValueError, match="contains NaN or inf"):
        spectral.classical_mds(np.where(np.eye(3) > 0, 0, np.inf), 1)
    with pytest.raises(ValueError, match=r"n_components=3 is larger than .*\(N - 1\) \(2\)"):
        spectral.classical_mds(delta, 3)
    with pytest.raises(ValueError, match="M must be 2-D"):
        spectral.classical_mds(np.ones(4), 1, kind="features")


# --------------------------------------------------------------------------- Isomap


@pytest.mark.parametrize("path_method", ["FW", "D"])
def test_isomap_matches_sklearn(path_method):
    rng = np.random.default_rng(7)
    t = rng.uniform(0, 3 * np.pi, 80)
    X = np.c_[t * np.cos(t), rng.uniform(0, 5, 80), t * np.sin(t)]  # a swiss roll
    model = Isomap(n_neighbors=8, n_components=2, path_method=path_method, eigen_solver="dense")
    ref = model.fit_transform(X)
    Y, nu = spectral.isomap(X, 2, n_neighbors=8, path_method=path_method)
    assert max_angle(Y, ref) < ANGLE_TOL
    np.testing.assert_allclose(nu, model.kernel_pca_.eigenvalues_, rtol=1e-10)


def test_isomap_unrolls_collinear_points_exactly():
    x = np.sort(np.random.default_rng(8).uniform(0, 10, 25))
    X = np.c_[x, 2 * x]  # on a line: geodesics along the chain equal Euclidean distances
    Y, _ = spectral.isomap(X, 1, n_neighbors=6)
    np.testing.assert_allclose(pdist(Y), pdist(X), rtol=1e-10, atol=1e-10)


def test_isomap_bad_inputs():
    rng = np.random.default_rng(9)
    X = np.r_[rng.standard_normal((10, 2)), 100 + rng.standard_normal((10, 2))]
    with pytest.raises(ValueError, match="has 2 connected components.*increase n_neighbors"):
        spectral.isomap(X, 2, n_neighbors=3)
    with pytest.raises(ValueError, match=r"n_neighbors must be between 1 and N - 1 = 19, got 20"):
        spectral.isomap(X, 2, n_neighbors=20)
    with pytest.raises(TypeError, match="n_neighbors must be an integer"):
        spectral.isomap(X, 2, n_neighbors=2.5)
    with pytest.raises(ValueError, match="path_method must be one of"):
        spectral.isomap(X, 2, n_neighbors=12, path_method="BF")
    with pytest.raises(ValueError, match=r"n_components=20 is larger than"):
        spectral.isomap(X, 20, n_neighbors=12)


# --------------------------------------------------------------------------- kernel PCA


def test_kernel_pca_matches_sklearn():
    rng = np.random.default_rng(10)
    X = rng.standard_normal((60, 4))
    bandwidth = 1.3
    cases = [
        (dict(kernel="rbf", bandwidth=bandwidth), dict(kernel="rbf", gamma=1 / (2 * bandwidth**2))),
        (dict(kernel="polynomial", degree=2, coef0=0.5), dict(kernel="poly", degree=2, gamma=1.0,
                                                               coef0=0.5)),
        (dict(kernel="linear"), dict(kernel="linear")),
    ]
    for ours, theirs in cases:
        model = KernelPCA(n_components=4, eigen_solver="dense", **theirs)
        ref = model.fit_transform(X)
        Y, nu = spectral.kernel_pca(X, 4, **ours)
        assert max_angle(Y, ref) < ANGLE_TOL, ours
        np.testing.assert_allclose(nu, model.eigenvalues_, rtol=1e-10)
        np.testing.assert_allclose(np.abs(Y), np.abs(ref), atol=1e-9)
    # a precomputed kernel matrix
    sq = np.sum((X[:, None] - X[None]) ** 2, axis=2)
    gram = np.exp(-sq / (2 * bandwidth**2))
    model = KernelPCA(n_components=4, kernel="precomputed", eigen_solver="dense")
    ref = model.fit_transform(gram)
    Y, nu = spectral.kernel_pca(gram, 4)
    assert max_angle(Y, ref) < ANGLE_TOL
    np.testing.assert_allclose(nu, model.eigenvalues_, rtol=1e-10)


def test_linear_kernel_pca_is_pca():
    rng = np.random.default_rng(11)
    X = rng.standard_normal((50, 5)) * [4.0, 3.0, 2.0, 1.0, 0.5]
    ref = PCA(n_components=3, svd_solver="full").fit_transform(X)
    Y, nu = spectral.kernel_pca(X, 3, kernel="linear")
    assert max_angle(Y, ref) < ANGLE_TOL
    np.testing.assert_allclose(nu, np.sum(ref**2, axis=0), rtol=1e-10)


def test_kernel_pca_bad_inputs():
    X = np.random.default_rng(12).standard_normal((10, 2))
    with pytest.raises(ValueError, match="kernel must be one of 'precomputed', 'linear', 'rbf'"):
        spectral.kernel_pca(X, 2, kernel="sigmoid")
    with pytest.raises(ValueError, match=r"M must be a square \(N, N\) matrix"):
        spectral.kernel_pca(X, 2)  # features given but kernel="precomputed"
    with pytest.raises(ValueError, match="bandwidth must be > 0"):
        spectral.kernel_pca(X, 2, kernel="rbf", bandwidth=0.0)
    with pytest.raises(ValueError, match=r"n_components=10 is larger than"):
        spectral.kernel_pca(X @ X.T, 10)
    with pytest.raises(ValueError, match=r"kernel\(X, X\) must return a finite \(N, N\) matrix"):
        spectral.kernel_pca(X, 2, kernel=lambda A, B: np.ones((3, 3)))


# --------------------------------------------------------------------------- CCA


def _two_views(seed, N=100, dx=4, dy=3, noise=0.5):
    rng = np.random.default_rng(seed)
    Xl = rng.standard_normal((N, dx)) @ rng.standard_normal((dx, dx))
    Xr = Xl[:, :dy] @ rng.standard_normal((dy, dy)) + noise * rng.standard_normal((N, dy))
    return Xl, Xr


def test_cca_matches_brute_force():
    Xl, Xr = _two_views(13)
    K = 3
    A, B, rho = spectral.cca(Xl, Xr, K)
    Xc, Yc = Xl - Xl.mean(0), Xr - Xr.mean(0)
    # Bjorck-Golub: canonical correlations = cosines of the principal angles between column spaces
    expected = np.sort(np.cos(sla.subspace_angles(Xc, Yc)))[::-1][:K]
    np.testing.assert_allclose(rho, expected, rtol=1e-10)
    N = Xl.shape[0]
    Cxx, Cyy, Cxy = Xc.T @ Xc / N, Yc.T @ Yc / N, Xc.T @ Yc / N
    values, vectors = sla.eigh(Cxy @ np.linalg.solve(Cyy, Cxy.T), Cxx)
    np.testing.assert_allclose(np.sqrt(values[::-1][:K]), rho, rtol=1e-9)
    for k in range(K):  # simple correlations: each direction is determined up to sign
        assert max_angle(A[:, [k]], vectors[:, [-1 - k]]) < ANGLE_TOL
    np.testing.assert_allclose(A.T @ Cxx @ A, np.eye(K), atol=1e-10)
    np.testing.assert_allclose(B.T @ Cyy @ B, np.eye(K), atol=1e-10)
    np.testing.assert_allclose(A.T @ Cxy @ B, np.diag(rho), atol=1e-10)


def test_cca_matches_sklearn_nipals():
    # scikit-learn's CCA is iterative (NIPALS with deflation). We compare what it
    # guarantees at convergence: the correlation of each pair of its projected
    # scores (the canonical correlations) and the span of its x-scores.
    Xl, Xr = _two_views(14)
    K = 3
    A, B, rho = spectral.cca(Xl, Xr, K)
    model = CCA(n_components=K, max_iter=100000, tol=1e-15).fit(Xl, Xr)
    xs, ys = model.transform(Xl, Xr)
    sk_rho = [np.corrcoef(xs[:, k], ys[:, k])[0, 1] for k in range(K)]
    np.testing.assert_allclose(rho, sk_rho, atol=1e-6)
    assert max_angle((Xl - Xl.mean(0)) @ A, xs) < ANGLE_TOL


def test_cca_singular_covariance_on_its_range():
    Xl, Xr = _two_views(15, N=60)
    ref_A, ref_B, ref_rho = spectral.cca(Xl, Xr, 3)
    padded = np.c_[Xl, Xl[:, 0] - Xl[:, 2], np.full(60, 7.0)]  # collinear and constant columns
    Xc, Yc = Xl - Xl.mean(0), Xr - Xr.mean(0)
    expected = np.sort(np.cos(sla.subspace_angles(Xc, Yc)))[::-1][:3]
    A, B, rho = spectral.cca(padded, Xr, 3)
    np.testing.assert_allclose(rho, expected, rtol=1e-9)
    # the directions have no component in null(C_xx) = span{(1,0,-1,0,-1,0), e_6}, in the
    # column-standardised coordinates where the (unit-free) rank is decided: n * A is orthogonal
    # to the standardised null vector n * v (n the column norms of the centred view); the constant
    # column's row is 0
    n = np.linalg.norm(padded - padded.mean(0), axis=0)[:5]
    null = np.array([1.0, 0, -1.0, 0, -1.0]) * n
    assert np.max(np.abs(null @ (n[:, None] * A[:5]))) < 1e-8 * np.linalg.norm(null) * np.max(np.abs(n[:, None] * A[:5]))
    assert np.all(A[5] == 0)
    assert max_angle((padded - padded.mean(0)) @ A, Xc @ ref_A) < ANGLE_TOL
    with pytest.raises(ValueError, match=r"larger than the smaller rank of the two views' covariances \(3\)"):
        spectral.cca(padded, Xr, 4)


def test_cca_regularization_is_canonical_ridge():
    Xl, Xr = _two_views(16, N=40)
    r = 0.3
    N = Xl.shape[0]
    Xc, Yc = Xl - Xl.mean(0), Xr - Xr.mean(0)
    Cxx, Cyy = Xc.T @ Xc / N + r * np.eye(4), Yc.T @ Yc / N + r * np.eye(3)
    Cxy = Xc.T @ Yc / N
    values = sla.eigh(Cxy @ np.linalg.solve(Cyy, Cxy.T), Cxx, eigvals_only=True)[::-1]
    A, B, rho = spectral.cca(Xl, Xr, 3, regularization=r)
    np.testing.assert_allclose(rho, np.sqrt(values[:3]), rtol=1e-9)
    plain = spectral.cca(Xl, Xr, 3)[2]
    assert np.all(rho < plain)  # the ridge shrinks every correlation


def test_cca_bad_inputs():
    Xl, Xr = _two_views(17, N=30)
    with pytest.raises(ValueError, match="X_left has 30 rows but X_right has 29"):
        spectral.cca(Xl, Xr[:29], 1)
    with pytest.raises(ValueError, match="regularization must be >= 0"):
        spectral.cca(Xl, Xr, 1, regularization=-1.0)
    with pytest.raises(ValueError, match="X_left has no variance"):
        spectral.cca(np.ones((30, 2)), Xr, 1)
    with pytest.raises(ValueError, match=r"n_components=4 is larger than"):
        spectral.cca(Xl, Xr, 4)
    with pytest.raises(TypeError, match="X_right is a sparse matrix"):
        spectral.cca(Xl, sp.csr_matrix(Xr), 1)


def test_knn_geodesics_add_up_edge_lengths_and_refuse_a_disconnected_graph():
    x = np.array([[0.0], [1.0], [3.0], [7.0]])
    # one neighbour each: 0-1, 1-0, 2-1, 3-2; geodesics are sums of consecutive gaps
    expected = np.abs(x - x.T)
    np.testing.assert_allclose(spectral.knn_geodesics(x, 1), expected, rtol=1e-15)
    np.testing.assert_allclose(spectral.knn_geodesics(x, 1, path_method="D"), expected, rtol=1e-15)
    far = np.array([[0.0], [1.0], [100.0], [101.0]])
    with pytest.raises(ValueError, match="2 connected components"):
        spectral.knn_geodesics(far, 1)
    with pytest.raises(ValueError, match="n_neighbors must be between 1 and N - 1 = 3"):
        spectral.knn_geodesics(x, 4)


def test_isomap_is_classical_mds_of_the_knn_geodesics():
    X = np.random.default_rng(4).standard_normal((30, 3))
    geodesic = spectral.knn_geodesics(X, 6)
    Y, nu = spectral.isomap(X, 2, n_neighbors=6)
    Y_mds, nu_mds = spectral.classical_mds(geodesic, 2)
    assert np.array_equal(Y, Y_mds) and np.array_equal(nu, nu_mds)


@pytest.mark.parametrize("scale", [1e-160, 1e160, 1e300])
def test_isomap_is_scale_equivariant_beyond_squared_overflow(scale):
    # Squared distances of entries near 1e160 overflow to inf (1e-160: underflow to 0); Isomap
    # satisfies Y(sX) = s Y(X), nu(sX) = s^2 nu(X), which the result must follow.
    rng = np.random.default_rng(3)
    X = rng.standard_normal((30, 3))
    Y, nu = spectral.isomap(X, 2, n_neighbors=6)
    Ys, nus = spectral.isomap(X * scale, 2, n_neighbors=6)
    assert np.all(np.isfinite(Ys))
    np.testing.assert_allclose(Ys / scale, Y, rtol=1e-9, atol=1e-9 * np.abs(Y).max())
    if np.finfo(float).tiny < scale * scale < np.inf:  # the eigenvalues themselves are representable
        np.testing.assert_allclose(nus / scale / scale, nu, rtol=1e-9)


@pytest.mark.parametrize("scale", [1e-170, 1e170])
def test_cca_is_scale_invariant_beyond_squared_overflow(scale):
    # Canonical correlations do not depend on the units of either view; the directions scale as 1/s.
    rng = np.random.default_rng(4)
    X = rng.standard_normal((40, 3))
    Y = X @ rng.standard_normal((3, 2)) + 0.3 * rng.standard_normal((40, 2))
    A, B, rho = spectral.cca(X, Y, 2)
    As, Bs, rhos = spectral.cca(X * scale, Y, 2)
    np.testing.assert_allclose(rhos, rho, rtol=1e-12)
    np.testing.assert_allclose(As * scale, A, rtol=1e-9)
    np.testing.assert_allclose(Bs, B, rtol=1e-9)

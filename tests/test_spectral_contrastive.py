"""Spectral contrastive closed forms: Eckart-Young value, spectral-embedding / kernel-PCA spans,
and optimality against random-restart L-BFGS on the exact loss."""

import numpy as np
import pytest
import scipy.linalg
import scipy.optimize
import scipy.sparse as sp
from threadpoolctl import threadpool_limits
from sklearn.decomposition import KernelPCA
from sklearn.manifold import SpectralEmbedding

from spectral_ssl import graphs, losses, solve
from spectral_ssl.exceptions import CollapseWarning
from spectral_ssl.methods import spectral_contrastive as sc


# --------------------------------------------------------------------------- helpers


def weighted_graph(n, seed=0, density=0.1):
    """Connected (a path is added) weighted graph with a generic, non-degenerate spectrum."""
    rng = np.random.default_rng(seed)
    W = rng.uniform(0.2, 2.0, (n, n)) * (rng.random((n, n)) < density)
    W = np.triu(W, 1)
    W[np.arange(n - 1), np.arange(1, n)] = rng.uniform(0.5, 1.5, n - 1)
    return W + W.T


def regular_graph(n, degree=3.0, seed=0, density=0.15):
    """Weighted degree-regular graph: symmetric Sinkhorn scaling of a random graph."""
    W = weighted_graph(n, seed=seed, density=density)
    x = np.ones(n)
    for _ in range(5000):
        x = np.sqrt(x / (W @ x))
    W = x[:, None] * W * x[None, :]
    W = (W + W.T) / 2
    assert np.max(np.abs(W.sum(axis=1) - 1.0)) < 1e-12
    return degree * W


def normalized_adjacency(W):
    d = W.sum(axis=1)
    inv = np.divide(1.0, np.sqrt(d), out=np.zeros_like(d), where=d > 0)  # isolated: zero row
    return inv[:, None] * W * inv[None, :]


def max_angle(U, V):
    return float(np.max(scipy.linalg.subspace_angles(U, V)))


def lbfgs_best(objective, shape, restarts, seed):
    rng = np.random.default_rng(seed)
    best = np.inf
    for _ in range(restarts):
        with threadpool_limits(limits=1, user_api="blas"):  # tiny BLAS calls: threads only cost
            res = scipy.optimize.minimize(objective, rng.normal(size=shape).ravel(), jac=True,
                                          method="L-BFGS-B",
                                          options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-10})
        best = min(best, float(res.fun))
    return best


# --------------------------------------------------------------------------- non-parametric


def test_loss_equals_eckart_young_minimum():
    W = weighted_graph(70, seed=1)
    nu = np.sort(np.linalg.eigvalsh(normalized_adjacency(W)))[::-1]
    assert nu[8] > 0.1  # every nu_k used is positive
    for K in (1, 4, 9):
        # the first column is the constant (nu_1 = 1), which carries no information:
        # rank K - 1 by linalg.representation_rank, and a CollapseWarning naming it
        with pytest.warns(CollapseWarning, match=r"keeps %d of the %d .*trivial eigenvector" % (K - 1, K)):
            rep = sc.optimal_representation(W, K)
        expected = -np.sum(np.maximum(nu[:K], 0.0) ** 2)
        assert rep.loss == pytest.approx(expected, rel=1e-10)
        np.testing.assert_allclose(rep.eigenvalues, nu[:K], atol=1e-10)
        assert rep.exact is True and rep.rank == K - 1


def test_rank_counts_positive_eigenvalues():
    """Ten disjoint pairs: D^-1/2 G D^-1/2 has eigenvalues +1 and -1, ten each.

    The ten nu = 1 columns are the pair indicators, whose span holds the constant: nine
    informative directions (linalg.representation_rank), and the warning names nu_k <= 0.
    """
    G = graphs.from_groups(np.repeat(np.arange(10), 2))
    with pytest.warns(CollapseWarning, match=r"keeps 9 of the 13 .*nu_k <= 0 for k > 10.* only 10 "
                                             r"positive eigenvalue"):
        rep = sc.optimal_representation(G, 13)
    assert rep.rank == 9
    assert np.linalg.matrix_rank(rep.Z - rep.Z.mean(axis=0)) == 9  # independent count
    assert rep.loss == pytest.approx(-10.0, rel=1e-12)
    assert np.max(np.abs(rep.Z[:, 10:])) == 0.0
    assert np.max(np.abs(rep.Z[:, :10])) > 0.5


def test_first_column_is_the_trivial_constant_on_a_connected_graph():
    rep = sc.optimal_representation(weighted_graph(50, seed=2), 3)
    np.testing.assert_allclose(rep.Z[:, 0], 1.0, atol=1e-10)  # z_i = sqrt(vol/d_i) sqrt(d_i/vol)


def test_span_equals_sklearn_spectral_embedding_plus_trivial_vector():
    W = weighted_graph(80, seed=3)
    K = 5
    rep = sc.optimal_representation(W, K)
    embedding = SpectralEmbedding(n_components=K - 1, affinity="precomputed", random_state=0,
                                  eigen_solver="arpack").fit_transform(W)
    reference_span = np.column_stack([np.ones(80), embedding])
    assert max_angle(rep.Z, reference_span) < 1e-6


def test_span_equals_top_eigenvectors_of_normalized_adjacency():
    W = weighted_graph(60, seed=4)
    d = W.sum(axis=1)
    values, vectors = np.linalg.eigh(normalized_adjacency(W))
    top = vectors[:, np.argsort(values)[::-1][:6]]
    rep = sc.optimal_representation(sp.csr_matrix(W), 6)
    assert max_angle(np.sqrt(d)[:, None] * rep.Z, top) < 1e-8


def test_span_equals_kernel_pca_of_normalized_adjacency_on_a_regular_graph():
    """KernelPCA centres the kernel: H Abar H removes the top pair (1, constant) only when G is regular."""
    W = regular_graph(70, seed=5)
    K = 5
    rep = sc.optimal_representation(W, K)
    kpca = KernelPCA(n_components=K - 1, kernel="precomputed", eigen_solver="dense")
    components = kpca.fit_transform(normalized_adjacency(W))
    assert max_angle(rep.Z, np.column_stack([np.ones(70), components])) < 1e-8
    # on a non-regular graph the centred kernel PCA is a different subspace
    W2 = weighted_graph(70, seed=5)
    rep2 = sc.optimal_representation(W2, K)
    components2 = kpca.fit_transform(normalized_adjacency(W2))
    assert max_angle(rep2.Z, np.column_stack([np.ones(70), components2])) > 1e-3


def test_closed_form_beats_random_restart_lbfgs_nonparametric():
    W = sp.csr_matrix(weighted_graph(90, seed=6))
    K = 4
    rep = sc.optimal_representation(W, K)

    def objective(flat):
        value, grad = sc.loss_and_gradient(flat.reshape(-1, K), W)
        return value, grad.ravel()

    best = lbfgs_best(objective, (90, K), restarts=5, seed=0)
    assert rep.loss <= best + 1e-8 * abs(best)
    assert best <= rep.loss + 1e-6 * abs(rep.loss)  # the optimiser reaches it: no spurious minima


def test_isolated_sample_is_refused():
    W = weighted_graph(10, seed=7)
    W[4, :] = W[:, 4] = 0.0
    with pytest.raises(ValueError, match="G has 1 isolated sample.*first: sample 4"):
        sc.optimal_representation(W, 2)


def test_n_components_out_of_range():
    with pytest.raises(ValueError, match="n_components=11 is larger than the number of samples N"):
        sc.optimal_representation(weighted_graph(10), 11)


# --------------------------------------------------------------------------- linear and kernel


def feature_problem(n=90, dim=5, seed=8):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, dim)) * np.array([3.0, 2.0, 1.0, 0.5, 0.3])[:dim] + 1.0
    return X, graphs.knn(X[:, :2], n_neighbors=6)


def restricted_minimum(features, G, K):
    """Eckart-Young on P^T Abar P, P an orthonormal basis of col(D^1/2 [F, 1]) (computed here)."""
    Wd = G.toarray()
    d = Wd.sum(axis=1)
    P = scipy.linalg.orth(np.sqrt(d)[:, None] * np.column_stack([features, np.ones(len(d))]))
    nu = np.sort(np.linalg.eigvalsh(P.T @ normalized_adjacency(Wd) @ P))[::-1]
    return -np.sum(np.maximum(nu[:K], 0.0) ** 2), nu[:K]


def test_linear_is_exact_and_beats_random_restarts():
    X, G = feature_problem()
    K = 3
    rep = sc.optimal_linear(X, G, K)
    expected, nu = restricted_minimum(X, G, K)
    assert rep.loss == pytest.approx(expected, rel=1e-10)
    np.testing.assert_allclose(rep.eigenvalues, nu, atol=1e-10)
    D = X.shape[1]

    def objective(flat):
        W, b = flat[: D * K].reshape(D, K), flat[D * K:]
        value, grad = sc.loss_and_gradient(X @ W + b, G)
        return value, np.concatenate([(X.T @ grad).ravel(), grad.sum(axis=0)])

    best = lbfgs_best(objective, (D * K + K,), restarts=6, seed=1)
    assert rep.loss <= best + 1e-8 * abs(best)
    assert best <= rep.loss + 1e-6 * abs(rep.loss)


def test_linear_bias_is_optimised():
    """Forcing b = -mean(X) W (VICReg's choice) is strictly worse: the bias is a free direction."""
    X, G = feature_problem(seed=9)
    rep = sc.optimal_linear(X, G, 2)
    np.testing.assert_allclose(rep.transform(X), rep.Z, atol=1e-10)
    centred_only = (X - X.mean(axis=0)) @ rep.W
    assert losses.spectral_contrastive(centred_only, G) > rep.loss + 0.1


def test_kernel_is_exact_and_beats_random_restarts():
    X, G = feature_problem(n=80, dim=3, seed=10)
    K = 4
    rep = sc.optimal_kernel(X, G, K, kernel="polynomial", degree=2, coef0=1.0)
    gram = (X @ X.T + 1.0) ** 2
    expected, _ = restricted_minimum(gram, G, K)
    assert rep.loss == pytest.approx(expected, rel=1e-8)
    np.testing.assert_allclose(rep.transform(X), rep.Z, atol=1e-8)
    # the degree-2 polynomial span has dimension 10 (plus the constant, already inside)
    assert rep.details["subspace_dimension"] == 10
    N = X.shape[0]

    def objective(flat):
        A, b = flat[: N * K].reshape(N, K), flat[N * K:]
        value, grad = sc.loss_and_gradient(gram @ A + b, G)
        return value, np.concatenate([(gram @ grad).ravel(), grad.sum(axis=0)])

    best = lbfgs_best(objective, (N * K + K,), restarts=5, seed=2)
    assert rep.loss <= best + 1e-8 * abs(best)


def test_full_rank_kernel_reaches_the_nonparametric_optimum():
    X, G = feature_problem(n=40, dim=2, seed=11)
    rep = sc.optimal_kernel(X, G, 4, kernel="rbf", bandwidth=0.3)
    nonparametric = sc.optimal_representation(G, 4)
    assert rep.loss == pytest.approx(nonparametric.loss, rel=1e-8)
    assert max_angle(rep.Z, nonparametric.Z) < 1e-6


def test_linear_allows_isolated_samples():
    X, G = feature_problem(n=40, dim=3, seed=12)
    W = G.toarray()
    W[5, :] = W[:, 5] = 0.0
    rep = sc.optimal_linear(X, W, 2)
    expected, _ = restricted_minimum(X, sp.csr_matrix(W), 2)
    assert rep.loss == pytest.approx(expected, rel=1e-10)
    np.testing.assert_allclose(rep.Z[5], X[5] @ rep.W + rep.bias, atol=1e-12)


def test_solve_dispatches_to_spectral_contrastive():
    W = weighted_graph(30, seed=13)
    nu = np.sort(np.linalg.eigvalsh(normalized_adjacency(W)))[::-1]
    rep = solve("spectral_contrastive", W, 3)
    assert rep.method == "spectral_contrastive"
    assert rep.loss == pytest.approx(-np.sum(nu[:3] ** 2), rel=1e-10)


def test_linear_n_components_out_of_range():
    X, G = feature_problem(n=30, dim=2, seed=14)
    with pytest.raises(ValueError, match=r"n_components=4 is larger than the dimension of span"):
        sc.optimal_linear(X, G, 4)

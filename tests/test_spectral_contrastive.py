"""Spectral contrastive closed forms: Eckart-Young value, spectral-embedding / kernel-PCA spans,
and optimality against random-restart L-BFGS on the exact loss."""

import warnings

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


@pytest.mark.slow  # 45-80 s: five L-BFGS runs over N x K = 320 kernel coefficients
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


@pytest.mark.parametrize("seed", [0, 1, 2, 32, 33, 34, 58, 103])
def test_linear_with_isolated_samples_and_features_spanning_the_linked_ones(seed):
    """Features of rank N - 1, the first samples isolated: the linked samples, centred by their
    degree-weighted mean, span fewer directions than the features, and those directions have
    exactly no weighted norm. Round-off once kept one of them (W up to 1e16 and a loss far above
    the optimum: seeds 32, 33, 34, 58, 103 and 5 more of the first 200 of this family)."""
    rng = np.random.default_rng([seed, 2])
    n = 8
    X = rng.normal(size=(n, n - 1))
    W = np.triu(rng.uniform(0.5, 2.0, (n, n)) * (rng.random((n, n)) < 0.5), 1)
    W = W + W.T
    W[:2] = W[:, :2] = 0.0
    rep = sc.optimal_linear(X, W, 2)
    expected, _ = restricted_minimum(X, sp.csr_matrix(W), 2)
    assert rep.loss == pytest.approx(expected, rel=1e-10, abs=1e-12)
    assert losses.spectral_contrastive(rep.Z, W) == pytest.approx(rep.loss, rel=1e-10, abs=1e-12)
    assert np.abs(rep.W).max() < 1e6


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


# --------------------------------------------------------------------------- units and rank (#13.2)


def breast_cancer(n=200):
    from sklearn.datasets import load_breast_cancer

    X = load_breast_cancer().data[:n]  # raw: column scales from 3e-3 to 5e2
    return X, graphs.knn(X, 10)


def standardised(X):
    Xc = X - X.mean(axis=0)
    return Xc / np.linalg.norm(Xc, axis=0)


@pytest.mark.filterwarnings("ignore::spectral_ssl.exceptions.CollapseWarning")
@pytest.mark.parametrize("units", ["raw", "rescaled"])
def test_linear_on_raw_breast_cancer_is_the_restricted_optimum(units):
    # Regression (#13.2): the rank rule was relative to the largest singular value of
    # the raw columns and dropped 7 of the 30 directions (rank 22-23, numpy finds 30):
    # exact=True, but certify's search found a lower loss (relative gap 1e-5..1e-2) and a
    # gradient of 3e-3..0.3 at the "optimum". Now the rank is unit-free, also with the
    # columns rescaled by 1e-6..1e6 (raw singular values over 1e-18).
    from spectral_ssl import certify

    X, G = breast_cancer()
    if units == "rescaled":
        X = X * np.logspace(-6, 6, X.shape[1])
    rep = sc.optimal_linear(X, G, 16)
    rank = np.linalg.matrix_rank(standardised(X))
    assert rank == 30 and rep.details["subspace_dimension"] == rank + 1
    assert rep.details["basis"] == "reductions"  # the one-pass D x D path
    # independent reference: Eckart-Young on an orthonormal basis of D^1/2 [X_s, 1] (scipy.orth)
    expected, nu = restricted_minimum(standardised(X), G, 16)
    assert rep.loss == pytest.approx(expected, rel=1e-10)
    np.testing.assert_allclose(rep.eigenvalues, nu, atol=1e-10)
    cert = certify.certify("spectral_contrastive", G, 16, X=X, restarts=1, max_iter=300)
    assert cert.passed
    assert cert.gradient_norm < 1e-9  # stationary along all 31 searched directions (was 3e-3)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::spectral_ssl.exceptions.CollapseWarning")
def test_linear_on_raw_breast_cancer_survives_a_converged_certificate():
    from spectral_ssl import certify

    X, G = breast_cancer()
    cert = certify.certify("spectral_contrastive", G, 16, X=X, restarts=2, max_iter=20000)
    assert cert.passed and abs(cert.relative_gap) <= 1e-8


@pytest.mark.filterwarnings("ignore::spectral_ssl.exceptions.CollapseWarning")
def test_linear_does_not_depend_on_the_units_of_the_columns():
    X, G = breast_cancer()
    units = np.logspace(-6, 6, X.shape[1])
    base, rep = sc.optimal_linear(X, G, 8), sc.optimal_linear(X * units, G, 8)
    assert rep.loss == pytest.approx(base.loss, rel=1e-12)
    np.testing.assert_allclose(rep.Z, base.Z, atol=1e-8 * np.max(np.abs(base.Z)))
    np.testing.assert_allclose(rep.W * units[:, None], base.W, atol=1e-7 * np.max(np.abs(base.W)))


@pytest.mark.filterwarnings("ignore::spectral_ssl.exceptions.CollapseWarning")
def test_linear_keeps_a_tiny_real_direction_and_drops_a_duplicate():
    # A column 1e-10 away from another (in standardised units) is a real direction of
    # float64 data (numpy.linalg.matrix_rank counts it); an exact linear combination is
    # not. The basis then comes from the features (N x D SVD), not from the reductions.
    from spectral_ssl import certify

    X, G = feature_problem(n=60, dim=3, seed=15)
    rng = np.random.default_rng(16)
    noise = 1e-10 * rng.standard_normal(60)
    X2 = np.column_stack([X, 2 * X[:, 0] - X[:, 1], X[:, 2] + noise])
    rank = np.linalg.matrix_rank(standardised(X2))
    assert rank == 4
    rep = sc.optimal_linear(X2, G, 4)
    assert rep.details["basis"] == "features" and rep.details["subspace_dimension"] == rank + 1
    # reference on the same span, well conditioned: [X, noise] (scipy.orth of X2 itself
    # resolves the tiny direction only to eps / 1e-10)
    expected, _ = restricted_minimum(np.column_stack([X, noise]), G, 4)
    assert rep.loss == pytest.approx(expected, rel=1e-8)
    assert rep.loss < sc.optimal_linear(X, G, 4).loss - 1e-3  # the extra direction helps
    np.testing.assert_allclose(X2 @ rep.W + rep.bias, rep.Z, atol=1e-6)
    cert = certify.certify("spectral_contrastive", G, 4, X=X2, restarts=1, max_iter=300)
    assert cert.passed and cert.gradient_norm < 1e-6


@pytest.mark.filterwarnings("ignore::spectral_ssl.exceptions.CollapseWarning")
def test_reductions_and_feature_basis_paths_agree(monkeypatch):
    X, G = breast_cancer(120)
    fast = sc.optimal_linear(X, G, 6)
    monkeypatch.setattr(sc, "GRAM_CONDITION_LIMIT", 1.0)  # forces the N x D path
    slow = sc.optimal_linear(X, G, 6)
    assert (fast.details["basis"], slow.details["basis"]) == ("reductions", "features")
    assert fast.loss == pytest.approx(slow.loss, rel=1e-11)
    np.testing.assert_allclose(fast.Z, slow.Z, atol=1e-8 * np.max(np.abs(slow.Z)))


@pytest.mark.filterwarnings("ignore::spectral_ssl.exceptions.CollapseWarning")
@pytest.mark.parametrize("weight", [1e-310, 1e-200, 1e200, 1e300])
def test_the_scale_of_g_does_not_matter(weight):
    # The loss and the optimum depend on G / vol only (was: ZeroDivisionError at 1e-310,
    # OverflowError at 1e160 inside the loss).
    X, G = feature_problem(n=50, dim=3, seed=17)
    for solve_ in (lambda H: sc.optimal_representation(H, 3), lambda H: sc.optimal_linear(X, H, 3)):
        base, rep = solve_(G), solve_(G * weight)
        assert np.isfinite(rep.loss) and rep.loss == pytest.approx(base.loss, rel=1e-10)
        np.testing.assert_allclose(rep.Z, base.Z, atol=1e-8)


@pytest.mark.parametrize("relation", ["views", "unequal_groups", "knn"])
def test_linear_one_pass_forms_match_dense_rayleigh_ritz(relation):
    # nu' = eigenvalues of P^T Abar P, P an orthonormal basis of col(D^1/2 [X, 1]), by dense
    # numpy; the fast path (forms of one pass, group sums for clique graphs) must agree,
    # whatever the offset of the features, and must not write into X.
    rng = np.random.default_rng(41)
    X = rng.standard_normal((80, 4)) @ rng.standard_normal((4, 4)) + 1e3
    if relation == "views":
        G = graphs.from_groups(np.tile(np.arange(40), 2))
    elif relation == "unequal_groups":
        G = graphs.from_groups(np.repeat(np.arange(20), rng.multinomial(40, np.ones(20) / 20) + 2)[:80])
    else:
        G = graphs.knn(X, 6)
    before = X.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = sc.optimal_linear(X, G, 4)
    assert np.array_equal(X, before)
    assert rep.details["basis"] == "reductions"
    Gd = G.toarray()
    d = Gd.sum(1)
    P, _ = np.linalg.qr(np.sqrt(d)[:, None] * np.column_stack([X - 1e3, np.ones(80)]))
    nu = np.sort(np.linalg.eigvalsh(P.T @ (Gd / np.sqrt(np.outer(d, d))) @ P))[::-1][:4]
    np.testing.assert_allclose(rep.eigenvalues, np.minimum(nu, 1.0), atol=1e-9)
    assert abs(rep.loss - (-np.sum(np.maximum(nu, 0) ** 2))) < 1e-9


@pytest.mark.filterwarnings("ignore::spectral_ssl.exceptions.CollapseWarning")
@pytest.mark.parametrize("solver", ["dense", "lobpcg"])
def test_round_off_eigenvalues_are_not_directions(solver):
    # K_{4,4}: nu = 1 (the constant), -1 and 0 six times; the round-off nu ~ 1e-16 gave columns
    # of 1e-8 counted as rank 1 (dense) or 3 (lobpcg); the rule gives 0 informative directions
    A = np.zeros((8, 8))
    A[:4, 4:] = 1.0
    rep = sc.optimal_representation(sp.csr_matrix(A + A.T), 4, solver=solver)
    assert rep.rank == 0 and rep.scales[0] == pytest.approx(1.0, abs=1e-14) and rep.scales[1:].tolist() == [0.0] * 3

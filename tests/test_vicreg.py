"""Tests of spectral_ssl.methods.vicreg: VICReg is Laplacian Eigenmaps / LPP / LDA.

Every expected value is computed here independently (numpy / SciPy eigensolvers,
scikit-learn estimators, scipy.optimize), never taken from the module under test.
Subspaces are compared by their largest principal angle.
"""

import warnings

import numpy as np
import pytest
import scipy.linalg as sla
import scipy.optimize
from scipy.spatial.distance import cdist
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.manifold import SpectralEmbedding

import spectral_ssl as ssl
from spectral_ssl import graphs, losses, spectral
from spectral_ssl.methods import KernelRepresentation, LinearRepresentation, Representation, vicreg
import graph_fixtures as shared
from graph_fixtures import max_angle

ANGLE_TOL = 1e-6


def weighted_graph(n=50, seed=0):
    return shared.weighted_graph(n, 7, seed)


def regular_graph(n=48, n_cycles=3, seed=0):
    return shared.regular_graph(n, n_cycles, seed)


def laplacian_spectrum(G):
    """Eigenpairs of L = D - G by dense numpy, the constant eigenvector removed (connected G)."""
    A = G.toarray()
    w, V = np.linalg.eigh(np.diag(A.sum(1)) - A)
    return w[1:], V[:, 1:]


def covariance(Z):
    Zc = Z - Z.mean(0)
    return Zc.T @ Zc / Z.shape[0]


def t_objective(t, lam, alpha, beta, gamma):
    """The reduced convex problem in t (THEORY 3.1), written out independently."""
    K = lam.size
    value = (beta * np.sum((t - 1) ** 2) + (alpha - beta) * K * (1 - t.mean()) ** 2
             + 2 * gamma * np.sum(t * lam))
    grad = 2 * beta * (t - 1) - 2 * (alpha - beta) * (1 - t.mean()) + 2 * gamma * lam
    return value, grad


# --------------------------------------------------------------------------- (a) Laplacian Eigenmaps


@pytest.mark.parametrize("weights", [(1.0, 1.0, 0.05), (25.0, 1.0, 0.5), (25.0, 25.0, 1.0)])
def test_small_invariance_spans_laplacian_eigenmaps(weights):
    alpha, beta, gamma = weights
    G = weighted_graph()
    K = 5
    rep = vicreg.optimal_representation(G, K, variance=alpha, covariance=beta, invariance=gamma)
    assert np.all(rep.scales > 0.05) and rep.rank == K  # all directions kept
    lam, V = laplacian_spectrum(G)
    assert max_angle(rep.Z, V[:, :K]) < ANGLE_TOL
    U, lam_le = spectral.laplacian_eigenmaps(G, K)
    assert max_angle(rep.Z, U) < ANGLE_TOL
    np.testing.assert_allclose(rep.eigenvalues, lam[:K], rtol=1e-9)
    np.testing.assert_allclose(rep.Z.mean(0), 0.0, atol=1e-10)


def test_degree_regular_vicreg_spans_sklearn_spectral_embedding():
    G = regular_graph()
    K = 6
    rep = vicreg.optimal_representation(G, K, variance=1.0, covariance=1.0, invariance=0.05)
    assert rep.rank == K
    ref = SpectralEmbedding(n_components=K, affinity="precomputed", eigen_solver="arpack",
                            random_state=0).fit_transform(G.toarray())
    assert max_angle(rep.Z, ref) < ANGLE_TOL
    normalized = spectral.laplacian_eigenmaps(G, K, normalized=True)[0]
    assert max_angle(rep.Z, normalized) < ANGLE_TOL


# --------------------------------------------------------------------------- (b) LPP


def test_linear_vicreg_spans_lpp_on_degree_regular_graph():
    G = regular_graph(n=60, n_cycles=2, seed=1)
    d = 4.0
    rng = np.random.default_rng(1)
    X = rng.standard_normal((60, 5)) @ rng.standard_normal((5, 5))
    X = X - X.mean(0)
    K = 3
    lin = vicreg.optimal_linear(X, G, K, variance=1.0, covariance=1.0, invariance=1e-3)
    assert lin.rank == K
    Y, lam_lpp, A = spectral.locality_preserving_projections(X, G, K)
    assert max_angle(lin.W, A) < ANGLE_TOL
    # independent: SciPy's generalized eigh of (X^T L X, X^T D X)
    L = np.diag(np.asarray(G.sum(1)).ravel()) - G.toarray()
    values, vectors = sla.eigh(X.T @ L @ X, d * X.T @ X)
    assert max_angle(lin.W, vectors[:, :K]) < ANGLE_TOL
    np.testing.assert_allclose(lin.eigenvalues, d * values[:K], rtol=1e-9)  # mu = d * lambda_LPP
    np.testing.assert_allclose(X.T @ (d * X), d * X.shape[0] * covariance(X), rtol=1e-12)


# --------------------------------------------------------------------------- (c) LDA


def test_linear_vicreg_on_balanced_label_graph_is_lda():
    rng = np.random.default_rng(2)
    C, n_c, D = 4, 15, 6
    N = C * n_c
    y = np.repeat(np.arange(C), n_c)
    X = 2 * rng.standard_normal((C, D))[y] + rng.standard_normal((N, D)) @ rng.standard_normal((D, D))
    G = graphs.from_labels(y)
    lda = LinearDiscriminantAnalysis(solver="eigen", store_covariance=True).fit(X, y)
    # X^T L X = n_c N S_W, S_W the (1/N) pooled within-class covariance
    L = np.diag(np.asarray(G.sum(1)).ravel()) - G.toarray()
    XLX = X.T @ L @ X
    np.testing.assert_allclose(XLX, n_c * N * lda.covariance_, rtol=1e-10, atol=1e-10 * np.abs(XLX).max())
    lin = vicreg.optimal_linear(X, G, C - 1, variance=1.0, covariance=1.0, invariance=0.5 / n_c)
    assert lin.rank == C - 1
    assert max_angle(lin.W, lda.scalings_[:, : C - 1]) < ANGLE_TOL


# --------------------------------------------------------------------------- (d) formulas


def test_scales_and_covariance_when_covariance_weight_dominates():
    G = weighted_graph(seed=3)
    lam, _ = laplacian_spectrum(G)
    K, alpha, beta, gamma = 8, 2.0, 3.0, 1.0
    rep = vicreg.optimal_representation(G, K, variance=alpha, covariance=beta, invariance=gamma)
    t = np.maximum(0.0, 1 - gamma / alpha * lam[:K])
    np.testing.assert_allclose(rep.scales, t, atol=1e-12)
    np.testing.assert_allclose(covariance(rep.Z), np.diag(t), atol=1e-10)
    assert abs(rep.loss - rep.details["minimal_loss"]) <= 1e-10 * abs(rep.loss)
    # the minimal loss written out: sum alpha (t - 1)^2 + 2 gamma lambda t
    expected = np.sum(alpha * (t - 1) ** 2 + 2 * gamma * lam[:K] * t)
    assert abs(rep.loss - expected) <= 1e-10 * expected


def test_covariance_below_variance_gives_constant_diagonal():
    G = weighted_graph(seed=4)
    lam, _ = laplacian_spectrum(G)
    K, alpha, beta, gamma = 6, 25.0, 1.0, 2.0
    rep = vicreg.optimal_representation(G, K, variance=alpha, covariance=beta, invariance=gamma)
    t = rep.scales
    assert np.sum(t > 0) not in (0, K)  # partially active water-filling
    cov = covariance(rep.Z)
    np.testing.assert_allclose(np.diag(cov), t.mean(), atol=1e-10)
    np.testing.assert_allclose(np.sort(np.linalg.eigvalsh(cov)), np.sort(t), atol=1e-10)
    R = rep.details["rotation"]
    np.testing.assert_allclose(np.abs(cov), np.abs(R.T @ np.diag(t) @ R), atol=1e-10)
    assert abs(rep.loss - rep.details["minimal_loss"]) <= 1e-10 * abs(rep.loss)
    value, _ = t_objective(t, lam[:K], alpha, beta, gamma)
    assert abs(rep.loss - value) <= 1e-10 * value


def test_rank_counts_eigenvalues_below_threshold():
    G = weighted_graph(seed=5)
    lam, _ = laplacian_spectrum(G)
    K = 10
    # threshold alpha / gamma halfway between lambda_4 and lambda_5
    alpha, gamma = 1.0, 2.0 / (lam[3] + lam[4])
    for beta in (1.0, 5.0):
        rep = vicreg.optimal_representation(G, K, variance=alpha, covariance=beta, invariance=gamma)
        assert rep.rank == np.sum(lam[:K] < alpha / gamma) == 4
        Zc = rep.Z - rep.Z.mean(0)
        assert np.linalg.matrix_rank(Zc) == 4
        s = np.linalg.svd(rep.Z, compute_uv=False)
        np.testing.assert_allclose(np.sort(s)[::-1][:4] ** 2 / G.shape[0],
                                   1 - gamma / alpha * lam[:4], rtol=1e-9)


@pytest.mark.parametrize("beta", [0.5, 1.0, 3.0])
def test_complete_collapse(beta):
    G = weighted_graph(seed=6)
    lam, _ = laplacian_spectrum(G)
    alpha, gamma, K = 1.0, 1.0 / lam[0], 4  # lambda_1 = alpha / gamma exactly
    rep = vicreg.optimal_representation(G, K, variance=alpha, covariance=beta, invariance=gamma * 1.01)
    assert rep.rank == 0
    assert np.max(np.abs(rep.Z)) < 1e-12
    assert abs(rep.loss - alpha * K) <= 1e-12 * alpha * K  # every variance at 0: alpha per direction


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("weights", [(25.0, 1.0, 25.0), (4.0, 1.0, 0.3), (10.0, 2.0, 3.0), (3.0, 0.0, 1.0)])
def test_waterfilling_matches_numerical_minimisation(seed, weights):
    alpha, beta, gamma = weights
    rng = np.random.default_rng(seed)
    K = 7
    lam = np.sort(rng.uniform(0.0, 3.0, K))
    t = vicreg.optimal_scales(lam, variance=alpha, covariance=beta, invariance=gamma)
    best = None
    for start in (np.ones(K), rng.uniform(0, 2, K), np.zeros(K)):
        res = scipy.optimize.minimize(t_objective, start, args=(lam, alpha, beta, gamma), jac=True,
                                      method="L-BFGS-B", bounds=[(0, None)] * K,
                                      options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 10000})
        best = res if best is None or res.fun < best.fun else best
    value = t_objective(t, lam, alpha, beta, gamma)[0]
    assert value <= best.fun + 1e-10 * max(1.0, abs(best.fun))
    assert best.fun <= value + 1e-8 * max(1.0, abs(value))
    assert np.all(t >= 0)
    if beta > 0:  # strictly convex: the minimiser is unique
        np.testing.assert_allclose(t, best.x, atol=1e-5)
    minimal = vicreg.minimal_loss(lam, variance=alpha, covariance=beta, invariance=gamma)
    assert abs(minimal - best.fun) <= 1e-8 * max(1.0, abs(best.fun))


def test_waterfilling_cases_are_partially_active():
    # the parametrised cases above do exercise both active sets
    lam = np.sort(np.random.default_rng(0).uniform(0.0, 3.0, 7))
    t = vicreg.optimal_scales(lam, variance=25.0, covariance=1.0, invariance=25.0)
    assert 0 < np.sum(t > 0) < 7
    t = vicreg.optimal_scales(lam, variance=3.0, covariance=0.0, invariance=1.0)
    assert np.sum(t > 0) == 1 and abs(t[0] - 7 * (1 - lam[0] / 3.0)) < 1e-12


def _kkt_violation(t, lam, alpha, beta, gamma):
    """Largest violation of the KKT conditions of the convex t-problem (0 at its minimiser)."""
    grad = t_objective(t, lam, alpha, beta, gamma)[1]
    active = t > 0
    return max(np.max(np.abs(grad[active]), initial=0.0), np.max(-grad[~active], initial=0.0),
               np.max(-t, initial=0.0))


def test_waterfilling_root_on_a_breakpoint():
    # Regression: when the water level c lands on a breakpoint gamma/beta * lambda_k
    # (up to round-off) the former per-interval test rejected every active set and
    # returned complete collapse (t = 0) although gamma * lambda_1 < alpha.
    rng = np.random.default_rng(3)
    for _ in range(30):
        K = int(rng.integers(2, 7))
        alpha = rng.uniform(1, 30)
        beta, gamma = rng.uniform(0.1, alpha), rng.uniform(0.1, 30)
        rho, kappa = (alpha - beta) / beta, gamma / beta
        lam = np.sort(rng.uniform(0, alpha / gamma, K))
        m = int(rng.integers(1, K))
        level = (1 + rho + rho * kappa * np.sum(lam[:m]) / K) / (1 + rho * m / K)
        lam[m:] = np.maximum(lam[m:], level / kappa)  # lambda_{m+1} sits on the water level
        lam[m] = level / kappa
        for ulps in range(-3, 4):
            shifted = lam.copy()
            shifted[m] *= 1 + ulps * np.finfo(float).eps
            shifted = np.sort(shifted)
            t = vicreg.optimal_scales(shifted, variance=alpha, covariance=beta, invariance=gamma)
            assert t[0] > 0
            assert _kkt_violation(t, shifted, alpha, beta, gamma) < 1e-9 * alpha


@pytest.mark.parametrize("seed", range(5))
def test_constant_diagonal_rotation(seed):
    rng = np.random.default_rng(seed)
    K = 3 + seed
    t = rng.uniform(0, 2, K) * (rng.uniform(size=K) > 0.3)
    R = vicreg.constant_diagonal_rotation(t)
    np.testing.assert_allclose(R.T @ R, np.eye(K), atol=1e-12)
    np.testing.assert_allclose(np.diag(R.T @ np.diag(t) @ R), t.mean(), atol=1e-12)


@pytest.mark.parametrize("weights", [(1.0, 2.0, 0.3), (25.0, 1.0, 2.0)])
def test_closed_form_beats_random_restart_optimisation(weights):
    alpha, beta, gamma = weights
    N, K = 20, 3
    G = weighted_graph(n=N, seed=7)
    rep = vicreg.optimal_representation(G, K, variance=alpha, covariance=beta, invariance=gamma)
    hyper = dict(variance=alpha, covariance=beta, invariance=gamma)

    def fun(flat):
        value, grad = losses.vicreg(flat.reshape(N, K), G, return_gradient=True, **hyper)
        return value, grad.ravel()

    rng = np.random.default_rng(7)
    best = min(scipy.optimize.minimize(fun, rng.standard_normal(N * K), jac=True, method="L-BFGS-B",
                                       options={"ftol": 1e-14, "gtol": 1e-9, "maxiter": 3000}).fun
               for _ in range(3))
    assert rep.loss <= best + 1e-9 * best
    assert best <= rep.loss + 1e-6 * rep.loss  # the optimiser does get there


# --------------------------------------------------------------------------- (e) linear regime


def test_linear_transform_and_singular_features():
    rng = np.random.default_rng(8)
    N, D = 30, 50  # D > N: B = X^T H X / N is singular
    X = rng.standard_normal((N, D))
    X[:, 7] = 3.0  # a constant feature
    G = weighted_graph(n=N, seed=8)
    hyper = dict(variance=1.0, covariance=1.0, invariance=0.05)
    lin = vicreg.optimal_linear(X, G, 4, **hyper)
    assert isinstance(lin, LinearRepresentation)
    np.testing.assert_allclose(lin.transform(X), lin.Z, atol=1e-10)
    Xc = X - X.mean(0)
    _, s, Vt = np.linalg.svd(Xc)
    null = Vt[np.sum(s > 1e-10 * s[0]):]
    assert null.shape[0] == D - (N - 1)
    assert np.max(np.abs(null @ lin.W)) < 1e-10 * np.max(np.abs(lin.W))
    assert np.max(np.abs(lin.W[7])) < 1e-10 * np.max(np.abs(lin.W))
    # X_c has rank N - 1: every centred Z is reachable, so the non-parametric optimum is
    rep = vicreg.optimal_representation(G, 4, **hyper)
    assert abs(lin.loss - rep.loss) <= 1e-8 * rep.loss
    with pytest.raises(ValueError, match=r"n_components=30 is larger than the rank of the centred "
                                         r"features X \(directions with variance\) \(29\)"):
        vicreg.optimal_linear(X, G, 30, **hyper)


def test_linear_n_components_above_feature_rank():
    rng = np.random.default_rng(9)
    X = rng.standard_normal((40, 3))
    X = np.c_[X, X[:, 0] - X[:, 1]]  # rank 3
    G = weighted_graph(n=40, seed=9)
    with pytest.raises(ValueError, match=r"n_components=4 is larger than the rank .* \(3\)"):
        vicreg.optimal_linear(X, G, 4)
    lin = vicreg.optimal_linear(X, G, 3)
    assert abs(np.array([1.0, -1.0, 0.0, -1.0]) @ lin.W).max() < 1e-10 * np.abs(lin.W).max()


# --------------------------------------------------------------------------- (f) kernel regime


def test_kernel_rbf_full_rank_reaches_nonparametric_optimum():
    rng = np.random.default_rng(10)
    X = rng.standard_normal((40, 3))
    G = weighted_graph(n=40, seed=10)
    bandwidth = 0.5
    gram = np.exp(-cdist(X, X, "sqeuclidean") / (2 * bandwidth**2))
    assert np.linalg.cond(gram) < 1e3  # full rank, well conditioned
    for hyper in (dict(variance=1.0, covariance=1.0, invariance=0.05),
                  dict(variance=25.0, covariance=1.0, invariance=25.0)):
        ker = vicreg.optimal_kernel(X, G, 5, kernel="rbf", bandwidth=bandwidth, **hyper)
        rep = vicreg.optimal_representation(G, 5, **hyper)
        assert isinstance(ker, KernelRepresentation)
        assert abs(ker.loss - rep.loss) <= 1e-8 * rep.loss
        np.testing.assert_allclose(ker.transform(X), ker.Z, atol=1e-9)
        np.testing.assert_allclose(gram @ ker.A + ker.bias, ker.Z, atol=1e-9)
        X_new = rng.standard_normal((7, 3))
        k_new = np.exp(-cdist(X_new, X, "sqeuclidean") / (2 * bandwidth**2))
        out = ker.transform(X_new)
        assert out.shape == (7, 5)
        np.testing.assert_allclose(out, k_new @ ker.A + ker.bias, atol=1e-10)


def test_linear_kernel_equals_linear_regime():
    rng = np.random.default_rng(11)
    X = rng.standard_normal((40, 4))
    G = weighted_graph(n=40, seed=11)
    for hyper in (dict(variance=1.0, covariance=1.0, invariance=0.05),
                  dict(variance=25.0, covariance=1.0, invariance=25.0)):
        ker = vicreg.optimal_kernel(X, G, 3, kernel="linear", **hyper)
        lin = vicreg.optimal_linear(X, G, 3, **hyper)
        assert abs(ker.loss - lin.loss) <= 1e-8 * lin.loss
        if lin.rank == 3:
            assert max_angle(ker.Z, lin.Z) < ANGLE_TOL
    assert lin.rank < 3  # the second setting collapses some directions: losses still agree


# --------------------------------------------------------------------------- (g) hinge variance


def test_hinge_improves_on_decorrelated_start():
    G = weighted_graph(n=40, seed=12)
    N, K = 40, 4
    lam, V = laplacian_spectrum(G)
    alpha, beta, gamma, eps = 1.0, 1.0, 0.5, 1e-4
    std = np.minimum(1.0, alpha / (4 * gamma * lam[:K]))
    Z0 = np.sqrt(N) * V[:, :K] * np.sqrt(np.maximum(std**2 - eps, 0.0))
    start_loss = losses.vicreg(Z0, G, variance=alpha, covariance=beta, invariance=gamma,
                               variance_kind="hinge", eps=eps)
    rep = vicreg.optimal_representation(G, K, variance=alpha, covariance=beta, invariance=gamma,
                                        variance_kind="hinge", eps=eps, restarts=3)
    assert rep.exact is False
    assert rep.loss < start_loss - 1e-3  # mixing directions strictly helps at finite beta
    assert abs(rep.loss - rep.details["optimizer_loss"]) <= 1e-9 * rep.loss


def test_hinge_large_covariance_weight_gives_decorrelated_stds():
    G = weighted_graph(n=40, seed=12)
    K = 4
    lam, _ = laplacian_spectrum(G)
    alpha, gamma = 1.0, 0.5
    expected = np.minimum(1.0, alpha / (4 * gamma * lam[:K]))
    assert np.any(expected == 1.0) and np.any(expected < 0.5)  # both regimes of the min
    stds = {}
    for beta in (1.0, 1e3):
        rep = vicreg.optimal_representation(G, K, variance=alpha, covariance=beta, invariance=gamma,
                                            variance_kind="hinge", eps=0.0, restarts=3)
        stds[beta] = np.sqrt(np.sort(np.linalg.eigvalsh(covariance(rep.Z)))[::-1])
    assert np.max(np.abs(stds[1e3] - expected)) < 1e-5
    assert np.max(np.abs(stds[1.0] - expected)) > 0.05  # finite beta is genuinely different


# --------------------------------------------------------------------------- (h) dispatch, determinism


def test_solve_dispatch():
    G = weighted_graph(n=40, seed=13)
    X = np.random.default_rng(13).standard_normal((40, 4))
    hyper = dict(variance=1.0, covariance=1.0, invariance=0.1)
    rep = ssl.solve("vicreg", G, 3, **hyper)
    assert type(rep) is Representation and rep.regime == "nonparametric"
    assert np.array_equal(rep.Z, vicreg.optimal_representation(G, 3, **hyper).Z)
    lin = ssl.solve("vicreg", G, 3, X=X, **hyper)
    assert type(lin) is LinearRepresentation and lin.regime == "linear"
    assert np.array_equal(lin.W, vicreg.optimal_linear(X, G, 3, **hyper).W)
    ker = ssl.solve("vicreg", G, 3, X=X, regime="kernel", kernel="rbf", bandwidth=1.0, **hyper)
    assert type(ker) is KernelRepresentation and ker.regime == "kernel"
    assert ker.equivalent == "kernel Locality Preserving Projections"
    with pytest.raises(ValueError, match=r"method must be one of .*'vicreg'.*; got 'vicreg2'"):
        ssl.solve("vicreg2", G, 3)
    with pytest.raises(ValueError, match="regime must be one of"):
        ssl.solve("vicreg", G, 3, X=X, regime="deep")
    with pytest.raises(ValueError, match="X is given but regime='nonparametric' ignores it"):
        ssl.solve("vicreg", G, 3, X=X, regime="nonparametric")
    with pytest.raises(ValueError, match="regime='kernel' needs the inputs X"):
        ssl.solve("vicreg", G, 3, regime="kernel")
    with pytest.raises(TypeError, match="unexpected keyword argument 'temperature'"):
        ssl.solve("vicreg", G, 3, temperature=0.5)


def test_determinism():
    G = weighted_graph(n=40, seed=14)
    X = np.random.default_rng(14).standard_normal((40, 4))
    for make in (lambda: vicreg.optimal_representation(G, 4, covariance=0.5, variance=2.0, invariance=0.2),
                 lambda: vicreg.optimal_linear(X, G, 3),
                 lambda: vicreg.optimal_representation(G, 3, variance_kind="hinge", restarts=2)):
        a, b = make(), make()
        assert np.array_equal(a.Z, b.Z) and a.loss == b.loss


@pytest.mark.parametrize("covariance_weight", [1.0, 0.2])
def test_permutation_equivariance(covariance_weight):
    G = weighted_graph(n=45, seed=15)
    X = np.random.default_rng(15).standard_normal((45, 4))
    perm = np.random.default_rng(16).permutation(45)
    Gp = G[perm][:, perm]
    hyper = dict(variance=1.0, covariance=covariance_weight, invariance=0.1)
    rep, rep_p = (vicreg.optimal_representation(g, 4, **hyper) for g in (G, Gp))
    np.testing.assert_allclose(rep_p.Z, rep.Z[perm], atol=1e-9)
    lin, lin_p = vicreg.optimal_linear(X, G, 3, **hyper), vicreg.optimal_linear(X[perm], Gp, 3, **hyper)
    np.testing.assert_allclose(lin_p.Z, lin.Z[perm], atol=1e-9)
    np.testing.assert_allclose(lin_p.W, lin.W, atol=1e-9)


# --------------------------------------------------------------------------- (i) bad inputs


def test_bad_inputs():
    G = weighted_graph(n=40, seed=17)
    X = np.random.default_rng(17).standard_normal((40, 3))
    for fn, args in ((vicreg.optimal_representation, (G, 2)), (vicreg.optimal_linear, (X, G, 2)),
                     (vicreg.optimal_kernel, (X, G, 2))):
        with pytest.raises(ValueError, match=r"variance must be > 0.0, got 0.0"):
            fn(*args, variance=0.0)
        with pytest.raises(ValueError, match=r"variance must be > 0.0, got -1.0"):
            fn(*args, variance=-1.0)
        with pytest.raises(ValueError, match=r"covariance must be >= 0.0"):
            fn(*args, covariance=-0.1)
        with pytest.raises(ValueError, match=r"variance_kind must be one of 'square', 'hinge'; got 'abs'"):
            fn(*args, variance_kind="abs")
        with pytest.raises(ValueError, match="restarts must be >= 1, got 0"):
            fn(*args, restarts=0)
        with pytest.raises(TypeError, match="invariance must be a real number"):
            fn(*args, invariance="high")
    with pytest.raises(ValueError,
                       match=r"kernel must be one of 'linear', 'rbf', 'polynomial'; got 'sigmoid'"):
        vicreg.optimal_kernel(X, G, 2, kernel="sigmoid")
    with pytest.raises(ValueError, match=r"n_components=40 is larger than .*\(N - 1\) \(39\)"):
        vicreg.optimal_representation(G, 40)
    with pytest.raises(ValueError, match="n_components must be >= 1, got 0"):
        vicreg.optimal_representation(G, 0)
    with pytest.raises(ValueError, match=r"n_components=4 is larger than the rank of the centred features"):
        vicreg.optimal_linear(X, G, 4)
    with pytest.raises(ValueError, match=r"n_components=40 is larger than the rank of the centred kernel"):
        vicreg.optimal_kernel(X, G, 40, kernel="rbf")
    with pytest.raises(ValueError, match="X has 39 rows but the graph G has 40 samples"):
        vicreg.optimal_linear(X[:39], G, 2)
    with pytest.raises(ValueError, match="X has 39 rows but the graph G has 40 samples"):
        vicreg.optimal_kernel(X[:39], G, 2)
    with pytest.raises(ValueError, match="G is not symmetric"):
        vicreg.optimal_representation(np.triu(G.toarray()), 2)
    with pytest.raises(ValueError, match="X has 2 features but the representation was fitted on 3"):
        vicreg.optimal_linear(X, G, 2).transform(X[:, :2])


# --------------------------------------------------------------------------- stable water-filling (#13.1)


def enumerated_scales(lam, alpha, beta, gamma):
    """Exact minimiser of beta sum (t-1)^2 + (alpha-beta) K (1-mean t)^2 + 2 gamma sum t lam, t >= 0,
    by trying every support S: on S the KKT equations are the linear system
    beta t_S + (alpha-beta)/K sum(t_S) = alpha - gamma lam_S; keep the feasible one of least value."""
    lam = np.asarray(lam, dtype=float)
    K = lam.size

    def value(t):
        return (beta * np.sum((t - 1) ** 2) + (alpha - beta) * K * (1 - t.mean()) ** 2
                + 2 * gamma * np.sum(t * lam))

    best = np.zeros(K)
    for mask in range(1, 2**K):
        S = np.array([(mask >> k) & 1 for k in range(K)], bool)
        M = beta * np.eye(S.sum()) + (alpha - beta) / K
        tS = sla.solve(M, alpha - gamma * lam[S])
        if np.all(tS >= 0):
            t = np.zeros(K)
            t[S] = tS
            if value(t) < value(best):
                best = t
    return best, value(best)


LAMBDAS = [np.array([0.05, 0.3, 0.31, 2.0]), np.array([0.0, 0.0, 1.0, 4.0]),
           np.array([1e3 + 0.1, 1e3 + 0.2, 1e3 + 0.5, 1e3 + 0.9])]


@pytest.mark.parametrize("lam", LAMBDAS)
@pytest.mark.parametrize("ratio", [1e-8, 1e-5, 1e-3, 0.1, 0.5, 0.9, 0.999])
def test_waterfilling_matches_enumeration(lam, ratio):
    gamma = 0.2 if lam[0] < 1 else 2e-4
    t_ref, loss_ref = enumerated_scales(lam, 1.0, ratio, gamma)
    t = vicreg.optimal_scales(lam, variance=1.0, covariance=ratio, invariance=gamma)
    loss = vicreg.minimal_loss(lam, variance=1.0, covariance=ratio, invariance=gamma)
    assert np.all(np.isfinite(t)) and np.all(t >= 0)
    assert abs(loss - loss_ref) <= 1e-9 * max(1.0, abs(loss_ref))
    if ratio >= 1e-3:  # the enumerated system is well conditioned enough to compare t itself
        np.testing.assert_allclose(t, t_ref, atol=1e-8 / ratio * 1e-3)


@pytest.mark.parametrize("lam", LAMBDAS)
@pytest.mark.parametrize("ratio", [0.0] + [10.0**-e for e in range(9, 330, 20)])
def test_waterfilling_tiny_covariance_is_sandwiched_by_the_limit(lam, ratio):
    # f_b = f_0 + beta sum (t - mean t)^2 with f_0 the beta = 0 objective, whose minimiser puts
    # all the variance on lambda_1: t0 = K (1 - gamma lambda_1 / alpha)_+ e_1. Hence
    # f_0(t0) <= min f_b <= f_b(t0), whatever beta.
    alpha, gamma, K = 1.0, 0.2 if lam[0] < 1 else 2e-4, lam.size
    t0 = np.zeros(K)
    t0[0] = K * max(0.0, 1 - gamma * lam[0] / alpha)
    low = alpha * K * (1 - t0.mean()) ** 2 + 2 * gamma * lam[0] * t0[0]
    high = low + ratio * alpha * np.sum((t0 - t0.mean()) ** 2)
    loss = vicreg.minimal_loss(lam, variance=alpha, covariance=ratio * alpha, invariance=gamma)
    assert low * (1 - 1e-12) <= loss <= high * (1 + 1e-12) + 1e-300
    t = vicreg.optimal_scales(lam, variance=alpha, covariance=ratio * alpha, invariance=gamma)
    assert np.all(np.isfinite(t)) and abs(t.sum() - t0.sum()) <= 1e-6 * K + 1e4 * ratio * K


@pytest.mark.parametrize("ratio", [10.0**e for e in range(-25, 26, 5)])
def test_diagonal_case_per_eigenvalue_brute_force(ratio):
    # covariance >= variance: sum_k alpha (t_k - 1)^2 + 2 gamma lambda_k t_k separates; each
    # scalar problem solved by minimize_scalar over t in [0, 1].
    lam = np.array([1e-3, 0.4, 3.0, 50.0])
    alpha, gamma = 1.0, ratio
    expected = 0.0
    for lk in lam:
        res = scipy.optimize.minimize_scalar(lambda t: alpha * (t - 1) ** 2 + 2 * gamma * lk * t,
                                             bounds=(0.0, 1.0), method="bounded",
                                             options={"xatol": 1e-12})
        expected += min(res.fun, alpha, alpha * (res.x - 1) ** 2 + 2 * gamma * lk * res.x)
    loss = vicreg.minimal_loss(lam, variance=alpha, covariance=2.0, invariance=gamma)
    assert abs(loss - expected) <= 1e-9 * max(1.0, expected)


ISSUE_13_GRAPH = graphs.knn(np.random.default_rng(0).standard_normal((12, 3)), 3)


@pytest.mark.parametrize("covariance_weight", [1e-15, 1e-20, 1e-25, 1e-100, 1e-300])
def test_issue_13_tiny_covariance_equals_the_zero_limit(covariance_weight):
    hyper = dict(variance=1.0, invariance=0.1)
    limit = vicreg.optimal_representation(ISSUE_13_GRAPH, 3, covariance=0.0, **hyper)
    rep = vicreg.optimal_representation(ISSUE_13_GRAPH, 3, covariance=covariance_weight, **hyper)
    assert rep.rank == 1 and rep.exact
    # the loss of the covariance = 0 limit, from the dense Laplacian spectrum: 3 (1 - t/3)^2 + 0.2 lam_1 t
    lam1 = laplacian_spectrum(ISSUE_13_GRAPH)[0][0]
    t = 3 * (1 - 0.1 * lam1)
    expected = 3 * (1 - t / 3) ** 2 + 0.2 * lam1 * t
    assert abs(limit.loss - expected) < 1e-12
    assert abs(rep.loss - expected) < 1e-9  # 0.193, never 3.0 (rank 0) nor 1.5e15
    assert 0.19 < rep.loss < 0.2


@pytest.mark.parametrize("regime", ["nonparametric", "linear", "kernel", "scale"])
def test_every_path_finite_over_extreme_ratios(regime):
    from spectral_ssl import scale

    X = np.random.default_rng(3).standard_normal((12, 3))
    G = ISSUE_13_GRAPH
    for cov in (1e-25, 1e-20, 1e-10, 1.0, 1e10, 1e25):
        for inv in (1e-25, 1e-10, 0.1, 1e10, 1e25):
            hyper = dict(variance=1.0, covariance=cov, invariance=inv)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # collapse warnings at the extreme weights
                if regime == "nonparametric":
                    rep = vicreg.optimal_representation(G, 3, **hyper)
                elif regime == "linear":
                    rep = vicreg.optimal_linear(X, G, 3, **hyper)
                elif regime == "kernel":
                    rep = vicreg.optimal_kernel(X, G, 3, **hyper)
                else:
                    rep = scale.vicreg_linear(X, G, 3, **hyper)
            assert np.isfinite(rep.loss) and np.all(np.isfinite(rep.scales))
            # never above the loss of Z = 0 (alpha K) nor below 0
            assert -1e-12 <= rep.loss <= 3.0 * (1 + 1e-12)
            lam = np.maximum(rep.eigenvalues, 0.0)
            if cov < 1.0:  # compare with the limit sandwich of the spectrum actually used
                K = lam.size
                t0 = np.zeros(K)
                t0[0] = K * max(0.0, 1 - inv * lam[0])
                low = K * (1 - t0.mean()) ** 2 + 2 * inv * lam[0] * t0[0]
                if cov <= 1e-10:
                    assert low - 1e-9 <= rep.loss <= low + cov * np.sum((t0 - t0.mean()) ** 2) + 1e-9



# --------------------------------------------------------------------------- unit-free linear regime


@pytest.mark.parametrize("factor", [1e-6, 1e6, 1e-9])
@pytest.mark.parametrize("relation", ["knn", "views"])
def test_linear_rescaling_a_feature_changes_nothing(factor, relation):
    rng = np.random.default_rng(21)
    X = rng.standard_normal((60, 5)) @ rng.standard_normal((5, 5))
    G = graphs.knn(X, 6) if relation == "knn" else graphs.from_groups(np.tile(np.arange(30), 2))
    hyper = dict(variance=1.0, covariance=1.0, invariance=0.05)
    ref = vicreg.optimal_linear(X, G, 4, **hyper)
    Xs = X.copy()
    Xs[:, 2] *= factor
    out = vicreg.optimal_linear(Xs, G, 4, **hyper)
    assert out.rank == ref.rank == 4
    np.testing.assert_allclose(out.Z, ref.Z, atol=1e-7 * np.max(np.abs(ref.Z)))
    assert abs(out.loss - ref.loss) <= 1e-8 * abs(ref.loss)
    np.testing.assert_allclose(out.W[2] * factor, ref.W[2], rtol=1e-6, atol=1e-9)
    # the generalized eigenvalues of (X^T L X, X^T H X), by scipy on the standardised features
    Xc = X - X.mean(0)
    A = Xc.T @ (np.diag(np.asarray(G.sum(1)).ravel()) - G.toarray()) @ Xc / 60
    mu = sla.eigh(A, Xc.T @ Xc / 60, eigvals_only=True)[:4]
    np.testing.assert_allclose(out.eigenvalues, np.maximum(mu, 0), rtol=1e-7, atol=1e-12)


def test_linear_small_units_kept_by_scale_too():
    from spectral_ssl import scale

    rng = np.random.default_rng(22)
    X = rng.standard_normal((80, 4))
    X[:, 0] *= 1e-7  # below 1e-10 of the largest variance: a raw relative threshold dropped it
    groups = np.tile(np.arange(40), 2)
    sol = scale.vicreg_linear(X, None, 4, groups=groups, variance=1.0, covariance=1.0, invariance=0.01)
    ref = vicreg.optimal_linear(X, graphs.from_groups(groups), 4, variance=1.0, covariance=1.0,
                                invariance=0.01)
    assert sol.rank == ref.rank == 4
    assert np.max(np.abs(sol.W[0])) > 1e5  # the small-unit feature is used
    np.testing.assert_allclose(sol.W, ref.W, rtol=1e-7, atol=1e-9 * np.max(np.abs(ref.W)))


# --------------------------------------------------------------------------- kernel symmetry


def _rbf(bandwidth):
    return lambda A, B: np.exp(-cdist(A, B, "sqeuclidean") / (2 * bandwidth**2))


def test_kernel_asymmetric_by_rounding_is_symmetrised():
    rng = np.random.default_rng(23)
    X = rng.standard_normal((40, 3))
    G = graphs.knn(X, 5)
    exact = _rbf(1.5)
    noise = 1e-8 * rng.uniform(-1, 1, (40, 40))

    def rounded(A, B):
        out = exact(A, B)
        return out + noise if out.shape == (40, 40) else out

    ref = vicreg.optimal_kernel(X, G, 3, kernel=exact, variance=1.0, covariance=1.0, invariance=0.05)
    out = vicreg.optimal_kernel(X, G, 3, kernel=rounded, variance=1.0, covariance=1.0, invariance=0.05)
    assert abs(out.loss - ref.loss) <= 1e-5 * abs(ref.loss)
    assert max_angle(out.Z - out.Z.mean(0), ref.Z - ref.Z.mean(0)) < 1e-3


def test_kernel_clearly_asymmetric_is_refused():
    X = np.random.default_rng(24).standard_normal((20, 2))
    G = graphs.knn(X, 4)

    def lopsided(A, B):
        return np.exp(-cdist(A, B)) + 1e-3 * np.arange(A.shape[0])[:, None]

    with pytest.raises(ValueError, match=r"kernel\(X, X\) is not symmetric.*KERNEL_SYMMETRY_RTOL"):
        vicreg.optimal_kernel(X, G, 2, kernel=lopsided)


# --------------------------------------------------------------------------- one-pass forms (#12.4)


def dense_linear_optimum(X, G, K, alpha, beta, gamma):
    """Loss of the linear optimum from dense scipy: eigh(Xc^T L Xc, Xc^T Xc), t by enumeration."""
    N = X.shape[0]
    Xc = X - X.mean(0)
    Gd = G.toarray()
    A = Xc.T @ (np.diag(Gd.sum(1)) - Gd) @ Xc / N
    mu = np.maximum(sla.eigh(A, Xc.T @ Xc / N, eigvals_only=True)[:K], 0)
    if beta >= alpha:
        t = np.maximum(0, 1 - gamma * mu / alpha)
        return mu, alpha * np.sum((t - 1) ** 2) + 2 * gamma * np.sum(t * mu)
    return mu, enumerated_scales(mu, alpha, beta, gamma)[1]


@pytest.mark.parametrize("relation", ["pairs", "views3", "weighted_groups", "labels_with_singletons",
                                      "knn"])
@pytest.mark.parametrize("hyper", [(25.0, 25.0, 1.0), (25.0, 1.0, 25.0), (1.0, 0.3, 0.05)])
def test_linear_fast_forms_match_dense(relation, hyper):
    rng = np.random.default_rng(25)
    X = rng.standard_normal((90, 5)) @ rng.standard_normal((5, 5)) + 3.0
    if relation == "pairs":
        G = graphs.from_groups(np.tile(np.arange(45), 2))
    elif relation == "views3":
        G = graphs.from_groups(rng.permutation(np.repeat(np.arange(30), 3)))
    elif relation == "weighted_groups":
        G = 0.37 * graphs.from_groups(np.tile(np.arange(45), 2))
    elif relation == "labels_with_singletons":
        labels = np.repeat(np.arange(9), 10)
        labels[:4] = 100 + np.arange(4)  # four samples alone in their class
        G = graphs.from_groups(labels)
    else:
        G = graphs.knn(X, 6)
    alpha, beta, gamma = hyper
    rep = vicreg.optimal_linear(X, G, 4, variance=alpha, covariance=beta, invariance=gamma)
    mu, expected = dense_linear_optimum(X, G, 4, alpha, beta, gamma)
    np.testing.assert_allclose(rep.eigenvalues, mu, rtol=1e-9, atol=1e-12)
    assert abs(rep.loss - expected) <= 1e-10 * max(1.0, abs(expected))
    assert rep.details["relation"] == ("graph" if relation == "knn" else "groups")


def test_linear_on_a_graph_symmetric_to_round_off_is_the_optimum_of_its_symmetrised_graph():
    """A weighted pairing graph whose two triangles differ by up to 9e-11 of a weight (accepted
    as symmetric) and near-identical views: a large invariance weight amplifies any disagreement
    between the triangle the forms read and the degrees of all rows (the returned loss was 3e-3
    above the optimum before G was symmetrised on validation)."""
    import scipy.sparse as sp

    rng = np.random.default_rng(27)
    half, dim = 500, 4
    base = rng.standard_normal((half, dim))
    X = np.vstack([base + 1e-5 * rng.standard_normal(base.shape),
                   base + 1e-5 * rng.standard_normal(base.shape)])
    rows = np.arange(half)
    weight = 1.0 + 1e-3 * rng.uniform(-1, 1, half)
    other = weight * (1.0 + 9e-11 * rng.uniform(-1, 1, half))
    G = sp.csr_matrix((np.r_[weight, other], (np.r_[rows, rows + half], np.r_[rows + half, rows])),
                      shape=(2 * half, 2 * half))
    hyper = {"variance": 1.0, "covariance": 1.0, "invariance": 1e8}
    rep = vicreg.optimal_linear(X, G, 2, **hyper)
    _, expected = dense_linear_optimum(X, (G + G.T) / 2, 2, 1.0, 1.0, 1e8)
    assert abs(rep.loss - expected) <= 1e-6 * expected
    assert losses.vicreg(rep.Z, G, **hyper) == pytest.approx(rep.loss, rel=1e-8)


@pytest.mark.parametrize("noise, invariance", [(1e-5, 1e8), (1e-6, 1e10), (1e-7, 1e12)])
def test_linear_large_invariance_on_a_weighted_pairing_graph_is_the_edge_difference_optimum(
        noise, invariance):
    """Views a `noise` apart on a pairing graph of unequal weights (the general graph path):
    X^T L X as X^T D X - X^T G X is known to eps times the degrees, far above mu ~ noise^2,
    which the invariance weight multiplies (2e-6 above the optimum at 1e10, 2e-3 at 1e12). The
    reference is built here from the edge differences, with no cancellation."""
    import scipy.sparse as sp

    rng = np.random.default_rng(29)
    half, dim, K = 500, 4, 2
    base = rng.standard_normal((half, dim))
    X = np.vstack([base + noise * rng.standard_normal(base.shape),
                   base + noise * rng.standard_normal(base.shape)])
    rows = np.arange(half)
    weight = 1.0 + 1e-3 * rng.uniform(-1, 1, half)
    G = sp.csr_matrix((np.r_[weight, weight], (np.r_[rows, rows + half], np.r_[rows + half, rows])),
                      shape=(2 * half, 2 * half))
    hyper = {"variance": 1.0, "covariance": 1.0, "invariance": invariance}
    rep = vicreg.optimal_linear(X, G, K, **hyper)
    n = 2 * half
    centred = X - X.mean(0)
    edges = centred[:half] - centred[half:]
    mu, Q = sla.eigh((edges.T * weight) @ edges / n, centred.T @ centred / n)
    t = np.maximum(0.0, 1.0 - invariance * mu[:K])
    expected = losses.vicreg(centred @ (Q[:, :K] * np.sqrt(t)), G, **hyper)
    assert rep.loss == pytest.approx(expected, rel=1e-9)
    assert losses.vicreg(rep.Z, G, **hyper) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("seed", [23, 37, 69, 120])
def test_linear_loss_is_never_negative(seed):
    """Tiny problems whose optimum has a zero loss: the forms' cancellation reported down to
    -2e-14 for these seeds (126 of 3000 such problems); the loss is a sum of non-negative terms."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 6))
    X = rng.normal(size=(n, 2))
    G = graphs.from_groups(rng.integers(0, 2, n))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ssl.exceptions.CollapseWarning)
        rep = vicreg.optimal_linear(X, G, 1)
    assert 0.0 <= rep.loss <= 1e-12
    assert losses.vicreg(rep.Z, G, **rep.hyperparameters) <= 1e-12


@pytest.mark.parametrize("invariance", [1e300, 1e308, 1.7e308])
def test_an_invariance_weight_near_the_largest_float_collapses_without_nan(invariance):
    """Every mu > 0 on a connected 4-NN graph: t = 0 in both directions and the loss is
    K * variance = 2. (2 * invariance overflowed: the loss was NaN, marked exact.)"""
    rng = np.random.default_rng(30)
    X = rng.standard_normal((40, 3))
    G = graphs.knn(X, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ssl.exceptions.CollapseWarning)
        rep = vicreg.optimal_linear(X, G, 2, variance=1.0, covariance=1.0, invariance=invariance)
        assert rep.loss == 2.0 and rep.exact
        np.testing.assert_array_equal(rep.scales, [0.0, 0.0])
        assert losses.vicreg(rep.Z, G, variance=1.0, covariance=1.0, invariance=invariance) == 2.0


@pytest.mark.parametrize("n", [200, 2000])
def test_linear_z_of_raw_features_with_a_large_mean_is_the_optimum(n):
    """Mean 1e6, spread 1e-3, near-identical views and invariance 1e6: Z = X W + b formed from
    the raw rows rounded each at 1e-7, which the invariance term magnified (the loss of Z 1e-5
    above the optimum, the reported loss 1.4e-5 away from the loss of Z). The same problem on
    X - 1e6 (an exact subtraction) is the reference."""
    rng = np.random.default_rng(28)
    base = rng.standard_normal((n // 2, 6))
    views = np.vstack([base + 3e-4 * rng.standard_normal(base.shape),
                       base + 3e-4 * rng.standard_normal(base.shape)])
    X = 1e6 + 1e-3 * views
    G = graphs.from_groups(np.tile(np.arange(n // 2), 2))
    hyper = {"variance": 1.0, "covariance": 1.0, "invariance": 1e6}
    rep = vicreg.optimal_linear(X, G, 5, **hyper)
    reference = vicreg.optimal_linear(X - 1e6, G, 5, **hyper)
    assert losses.vicreg(rep.Z, G, **hyper) == pytest.approx(reference.loss, rel=1e-9)
    assert rep.loss == pytest.approx(reference.loss, rel=1e-9)
    # transform(X) is Z up to one constant row: the round-off of a bias of about 1e9
    mapped = rep.transform(X)
    np.testing.assert_allclose(mapped - mapped.mean(0), rep.Z - rep.Z.mean(0), atol=1e-9)
    assert np.max(np.abs(mapped - rep.Z)) <= 8 * np.finfo(float).eps * np.max(np.abs(rep.bias))


@pytest.mark.parametrize("relation", ["pairs", "knn"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_linear_refuses_non_finite_features_without_a_copy(relation, bad):
    rng = np.random.default_rng(26)
    X = rng.standard_normal((40, 3))
    G = graphs.from_groups(np.tile(np.arange(20), 2)) if relation == "pairs" else graphs.knn(X, 4)
    X[7, 1] = bad
    with pytest.raises(ValueError, match="X contains NaN or inf"):
        vicreg.optimal_linear(X, G, 2)


def test_linear_leaves_the_features_untouched():
    rng = np.random.default_rng(27)
    X = rng.standard_normal((50, 4)) + 100.0
    before = X.copy()
    for G in (graphs.from_groups(np.tile(np.arange(25), 2)), graphs.knn(X, 5)):
        vicreg.optimal_linear(X, G, 3)
        assert np.array_equal(X, before)


def test_sign_rule_equals_sign_flip_with():
    # the in-place rule of the linear fast path against linalg.sign_flip_with, ties and zero
    # columns included
    from spectral_ssl import linalg
    from spectral_ssl.methods import _parametric

    rng = np.random.default_rng(28)
    Z = rng.standard_normal((500, 6))
    Z[:, 2] = 0.0
    Z[10, 3], Z[20, 3] = -5.0, 5.0 * (1 + 1e-9)  # a tie: the first row decides
    Z[:, 4] = -np.abs(Z[:, 4])
    W = rng.standard_normal((3, 6))
    expected_Z, expected_W = linalg.sign_flip_with(Z.copy(), W)
    got_Z, got_W = _parametric.sign_rule(Z.copy(), W)
    assert np.array_equal(got_Z, expected_Z) and np.array_equal(got_W, expected_W)
    assert got_Z[10, 3] == 5.0 and np.all(got_Z[:, 4] >= 0)


@pytest.mark.parametrize("layout", ["fortran", "float32", "matrix", "column_view"])
def test_linear_accepts_every_array_layout(layout):
    rng = np.random.default_rng(29)
    X = rng.standard_normal((40, 4))
    G = graphs.from_groups(np.tile(np.arange(20), 2))
    ref = vicreg.optimal_linear(X[:, :3], G, 2, variance=1.0, covariance=1.0, invariance=0.1)
    given = {"fortran": np.asfortranarray(X[:, :3]), "float32": X[:, :3].astype(np.float32),
             "matrix": np.asmatrix(X[:, :3]), "column_view": X[:, :3]}[layout]
    rep = vicreg.optimal_linear(given, G, 2, variance=1.0, covariance=1.0, invariance=0.1)
    tol = 1e-5 if layout == "float32" else 1e-12
    np.testing.assert_allclose(rep.Z, ref.Z, atol=tol * np.max(np.abs(ref.Z)))


def test_waterfilling_random_spectra_never_nan_and_optimal():
    # random spectra (ties, zeros, wide ranges) and weights over many decades: finite scales,
    # and the loss of the enumerated exact minimiser wherever its linear systems are well posed
    rng = np.random.default_rng(30)
    for _ in range(300):
        K = int(rng.integers(1, 6))
        lam = np.sort(np.round(10.0 ** rng.uniform(-3, 2, K), int(rng.integers(0, 3))))
        if rng.random() < 0.3:
            lam[: int(rng.integers(1, K + 1))] = 0.0
        alpha = 10.0 ** rng.uniform(-20, 20)
        beta = alpha * 10.0 ** rng.uniform(-30, 0.5)
        gamma = alpha * 10.0 ** rng.uniform(-25, 25)
        t = vicreg.optimal_scales(lam, variance=alpha, covariance=beta, invariance=gamma)
        loss = vicreg.minimal_loss(lam, variance=alpha, covariance=beta, invariance=gamma)
        assert np.all(np.isfinite(t)) and np.all(t >= 0) and np.isfinite(loss)
        assert loss <= alpha * K * (1 + 1e-12)  # never worse than Z = 0
        if beta < alpha and beta >= 1e-6 * alpha:
            ref = enumerated_scales(lam / 1.0, 1.0, beta / alpha, gamma / alpha)[1] * alpha
            assert abs(loss - ref) <= 1e-8 * max(alpha, abs(ref))


def test_every_regime_warns_of_a_collapse_with_its_condition():
    # The VICReg solvers returned rank-0 or rank-1 optima without a CollapseWarning (only the
    # estimators and the CLI added one). The condition names the next eigenvalue, computed here
    # from the dense Laplacian: direction k survives while invariance * lambda_k < variance.
    X = np.random.default_rng(0).standard_normal((30, 4))
    G = graphs.knn(X, 5)
    lam = np.sort(sla.eigvalsh(np.diag(np.asarray(G.sum(axis=1)).ravel()) - G.toarray()))[1:]
    hyper = dict(variance=1.0, covariance=1.0)
    invariance = 1.0 / np.mean(lam[1:3])  # between lambda_2 and lambda_3: keeps 2 of 3
    with pytest.warns(ssl.CollapseWarning) as caught:
        rep = vicreg.optimal_representation(G, 3, invariance=invariance, **hyper)
    assert rep.rank == 2 and len(caught) == 1
    message = str(caught[0].message)
    assert message.startswith("VICReg (nonparametric): the optimum keeps 2 of the 3 directions")
    assert f"lambda_3 = {lam[2]:.3g}" in message
    assert f"Lower invariance below variance / lambda_3 = {1.0 / lam[2]:.3g}" in message
    assert caught[0].filename == __file__  # pointed at the caller
    for regime, solver in (("linear", vicreg.optimal_linear), ("kernel", vicreg.optimal_kernel)):
        with pytest.warns(ssl.CollapseWarning, match=rf"^VICReg \({regime}\): the optimum keeps 0 of the 3"):
            assert solver(X, G, 3, invariance=1e3, **hyper).rank == 0
    with pytest.warns(ssl.CollapseWarning, match=r"the hinge variance gives direction \d no variance"):
        vicreg.optimal_representation(G, 3, invariance=25.0, variance_kind="hinge")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no collapse, no warning
        assert vicreg.optimal_representation(G, 2, invariance=invariance, **hyper).rank == 2


def test_a_boundary_scale_is_zero_not_round_off():
    # K_7 at variance = covariance = 7, invariance = 1: gamma lambda_k = alpha, t = 0 exactly; the
    # round-off t ~ 1e-16 gave columns of 1e-8 that counted as rank 2, without a CollapseWarning
    G = graphs.from_groups(np.zeros(7, dtype=int))
    with pytest.warns(ssl.CollapseWarning, match=r"keeps 0 of the 2 directions"):
        rep = vicreg.optimal_representation(G, 2, variance=7.0, covariance=7.0, invariance=1.0)
    assert rep.rank == 0 and np.all(rep.Z == 0) and rep.scales.tolist() == [0.0, 0.0]
    assert rep.loss == pytest.approx(2 * 7.0)  # alpha (t - 1)^2 per direction at t = 0

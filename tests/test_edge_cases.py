"""Numerical edge cases of the closed forms, each checked against the theory.

* K at and above the number of connected components c;
* repeated eigenvalues (cycle, complete graph): the solution spans the right
  eigenspace and the loss is the closed form;
* the linear regime with a singular or nearly singular feature covariance
  (duplicate, collinear, near-collinear and constant columns), with fewer samples
  than features, and with features far from the origin;
* a graph with a single edge; weights mixed over many decades;
* regressions for the defects fixed with these tests (listed at each test).

Reference values come from dense numpy eigensolvers or from formulas written out
here, never from the module under test. Subspaces are compared by principal angles.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from spectral_ssl import graphs, linalg
from spectral_ssl.methods import barlow_twins, simclr, spectral_contrastive, vicreg
from graph_fixtures import max_angle

ANGLE_TOL = 1e-8


@pytest.fixture(autouse=True, scope="module")
def _single_threaded_blas():
    with threadpool_limits(limits=1):
        yield


def dense_laplacian(W):
    W = W.toarray() if sp.issparse(W) else np.asarray(W, dtype=float)
    return np.diag(W.sum(axis=1)) - W


def laplacian_spectrum(W):
    """Eigenpairs of L on the complement of the constant (dense numpy; one 0 dropped)."""
    values, vectors = np.linalg.eigh(dense_laplacian(W))
    return values[1:], vectors


def normalized_adjacency(W):
    W = W.toarray() if sp.issparse(W) else np.asarray(W, dtype=float)
    s = 1.0 / np.sqrt(W.sum(axis=1))
    return s[:, None] * W * s[None, :]


def vicreg_diagonal_loss(lam, alpha, gamma):
    """THEORY 3.1, covariance >= variance: sum alpha (t - 1)^2 + 2 gamma lambda t."""
    lam = np.maximum(np.asarray(lam, dtype=float), 0.0)
    t = np.maximum(0.0, 1.0 - gamma * lam / alpha)
    return float(np.sum(alpha * (t - 1.0) ** 2 + 2.0 * gamma * lam * t)), t


def within_component_spread(Z, labels):
    """Largest range of any column of Z inside one component."""
    return max(float(np.ptp(Z[labels == c], axis=0).max()) for c in np.unique(labels))


def covariance(Z):
    Zc = Z - Z.mean(axis=0)
    return Zc.T @ Zc / Z.shape[0]


# --------------------------------------------------------------------------- components


def three_components():
    """Three weighted cliques of sizes 3, 4 and 5 (c = 3 components, unequal degrees)."""
    rng = np.random.default_rng(3)
    labels = np.repeat([0, 1, 2], [3, 4, 5])
    same = labels[:, None] == labels[None, :]
    W = np.triu(np.where(same, rng.uniform(0.5, 2.0, same.shape), 0.0), 1)
    return sp.csr_matrix(W + W.T), labels


@pytest.mark.parametrize("K", [1, 2, 3, 4, 6])
def test_vicreg_at_and_above_the_number_of_components(K):
    # c = 3: lambda_1 = lambda_2 = 0. K <= c - 1: every column is constant on the
    # components (L z = 0), t = 1 and the loss is 0. Beyond, the formula with the
    # positive eigenvalues.
    G, labels = three_components()
    lam, _ = laplacian_spectrum(G)
    alpha, gamma = 1.0, 0.05
    rep = vicreg.optimal_representation(G, K, variance=alpha, covariance=alpha, invariance=gamma)
    expected, t = vicreg_diagonal_loss(lam[:K], alpha, gamma)
    assert rep.exact
    assert rep.loss == pytest.approx(expected, rel=1e-10, abs=1e-12)
    assert rep.rank == int(np.sum(t > 0)) == K  # gamma / alpha is small: nothing collapses
    np.testing.assert_allclose(rep.eigenvalues[: min(K, 2)], 0.0, atol=1e-12)
    if K <= 2:
        assert rep.loss == pytest.approx(0.0, abs=1e-12)
        assert within_component_spread(rep.Z, labels) < 1e-10
    np.testing.assert_allclose(covariance(rep.Z), np.diag(t), atol=1e-10)


@pytest.mark.parametrize("centered", [False, True])
@pytest.mark.parametrize("K", [1, 2, 3, 4])
def test_barlow_twins_at_and_above_the_number_of_components(K, centered):
    # Loss 0 iff K <= c (c - 1 centred): columns constant on components, D_G-orthonormal.
    # One more column cannot be invariant: no closed form (exact=False), loss > 0.
    G, labels = three_components()
    c = 3 - centered
    rep = barlow_twins.optimal_representation(G, K, centered=centered, restarts=2)
    d = np.asarray(G.sum(axis=1)).ravel()
    if K <= c:
        # one rank rule (centred Z): uncentred indicators of all 3 components span the constant
        assert rep.exact and rep.rank == (K - 1 if not centered and K == 3 else K)
        assert abs(rep.loss) < 1e-12
        assert within_component_spread(rep.Z, labels) < 1e-10
        Zc = rep.Z - (d @ rep.Z) / d.sum() if centered else rep.Z
        gram = Zc.T @ (d[:, None] * Zc) / d.sum()
        np.testing.assert_allclose(gram, np.eye(K), atol=1e-12)  # D_G-orthonormal, unit scale
    else:
        assert rep.exact is False
        assert rep.loss > 1e-6
        assert np.isfinite(rep.loss) and np.all(np.isfinite(rep.Z))
        assert rep.details["components"] == 3


@pytest.mark.parametrize("K", [1, 3, 4, 5])
def test_spectral_contrastive_at_and_above_the_number_of_components(K):
    # D^-1/2 G D^-1/2 has eigenvalue 1 once per component: loss -K up to K = c,
    # then -c - sum of the next positive eigenvalues squared (Eckart-Young).
    G, labels = three_components()
    nu = np.sort(np.linalg.eigvalsh(normalized_adjacency(G)))[::-1]
    rep = spectral_contrastive.optimal_representation(G, K)
    expected = -float(np.sum(np.maximum(nu[:K], 0.0) ** 2))
    assert rep.exact
    assert rep.loss == pytest.approx(expected, rel=1e-10)
    # linalg.representation_rank: once the three component indicators are in (K >= 3) their
    # span holds the constant, which carries no information and does not count
    assert rep.rank == int(np.sum(nu[:K] > 1e-9)) - (K >= 3)
    if K <= 3:
        assert rep.loss == pytest.approx(-K, rel=1e-12)
        assert within_component_spread(rep.Z, labels) < 1e-10


@pytest.mark.parametrize("K", [1, 2, 3, 6])
def test_simclr_equal_cliques_at_and_above_c_minus_one(K):
    # 3 cliques of 4: K >= C - 1 = 2 is the closed form, rank 2 whatever K is, the
    # same loss for every such K. K = 1 < C - 1: no closed form (exact=False).
    labels = np.repeat([0, 1, 2], 4)
    G = graphs.from_groups(labels)
    tau = 0.5
    rep = simclr.optimal_representation(G, K, temperature=tau, restarts=2, max_iter=500)
    C, m, N = 3, 4, 12
    simplex = N * (m - 1) * (-1 / tau + np.log((m - 1) * np.exp(1 / tau)
                                                 + (N - m) * np.exp(-1 / ((C - 1) * tau))))
    if K >= C - 1:
        assert rep.exact and rep.rank == C - 1
        assert rep.loss == pytest.approx(simplex, rel=1e-12)
        cosines = rep.Z @ rep.Z.T
        between = cosines[labels[:, None] != labels[None, :]]
        np.testing.assert_allclose(between, -1 / (C - 1), atol=1e-12)
    else:
        assert rep.exact is False
        assert rep.loss > simplex  # on a line, three groups cannot be pairwise at -1/2
        assert np.isfinite(rep.loss)


# --------------------------------------------------------------------------- repeated eigenvalues


def cycle(n):
    W = np.zeros((n, n))
    i = np.arange(n)
    W[i, (i + 1) % n] = W[(i + 1) % n, i] = 1.0
    return sp.csr_matrix(W)


def fourier_pair(n, k):
    angle = 2 * np.pi * k * np.arange(n) / n
    return np.column_stack([np.cos(angle), np.sin(angle)])


@pytest.mark.parametrize("K", [2, 3, 4])
def test_vicreg_on_a_cycle_spans_the_fourier_eigenspaces(K):
    # L of the n-cycle: 2 - 2 cos(2 pi k / n), each twice (k = 1..n/2 - 1). K = 2 and
    # K = 4 take whole eigenspaces; K = 3 cuts the k = 2 pair: any unit vector of it
    # is optimal, and the loss does not depend on which.
    n = 12
    G = cycle(n)
    lam = np.sort(2 - 2 * np.cos(2 * np.pi * np.arange(1, n) / n))
    alpha, gamma = 1.0, 0.2
    rep = vicreg.optimal_representation(G, K, variance=alpha, covariance=alpha, invariance=gamma)
    expected, _ = vicreg_diagonal_loss(lam[:K], alpha, gamma)
    assert rep.loss == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(rep.eigenvalues, lam[:K], atol=1e-12)
    first = fourier_pair(n, 1)
    # the two directions of variance t_1 = t_2 span the k = 1 eigenspace
    assert max_angle(rep.Z[:, :2], first) < ANGLE_TOL
    if K >= 3:  # inside the k = 2 eigenspace (all of it for K = 4)
        assert max_angle(rep.Z[:, 2:], fourier_pair(n, 2)) < ANGLE_TOL
    # and twice the same input gives the same basis of the degenerate eigenspace
    again = vicreg.optimal_representation(cycle(n), K, variance=alpha, covariance=alpha,
                                          invariance=gamma)
    assert np.array_equal(again.Z, rep.Z)


def test_spectral_contrastive_on_a_cycle():
    # D^-1/2 G D^-1/2 = G / 2: eigenvalues cos(2 pi k / n), the constant (k = 0) first,
    # then the k = 1 pair; the loss is -(1 + 2 cos^2(2 pi / n)).
    n = 10
    rep = spectral_contrastive.optimal_representation(cycle(n), 3)
    c = np.cos(2 * np.pi / n)
    assert rep.loss == pytest.approx(-(1 + 2 * c**2), rel=1e-12)
    np.testing.assert_allclose(rep.eigenvalues, [1.0, c, c], atol=1e-12)
    assert max_angle(rep.Z, np.column_stack([np.ones(n), fourier_pair(n, 1)])) < ANGLE_TOL


@pytest.mark.parametrize("gamma", [0.05, 0.5])
def test_vicreg_on_a_complete_graph(gamma):
    # L of K_n = n I - 1 1^T: eigenvalue n, n - 1 times. Every K-dim subspace of the
    # complement of the constant is optimal; t = max(0, 1 - gamma n / alpha).
    n, K = 8, 3
    W = sp.csr_matrix(np.ones((n, n)) - np.eye(n))
    rep = vicreg.optimal_representation(W, K, variance=1.0, covariance=1.0, invariance=gamma)
    expected, t = vicreg_diagonal_loss(np.full(K, float(n)), 1.0, gamma)
    assert rep.loss == pytest.approx(expected, rel=1e-12, abs=1e-14)
    assert rep.rank == (K if gamma * n < 1 else 0)
    np.testing.assert_allclose(rep.Z.sum(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(covariance(rep.Z), np.diag(t), atol=1e-12)


# --------------------------------------------------------------------------- linear regime


def linear_problem(n=30, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * [1.0, 2.0, 0.5][:d]
    G = graphs.knn(X, n_neighbors=5)
    return X, G


LINEAR_SOLVERS = {
    "vicreg": lambda X, G, K: vicreg.optimal_linear(X, G, K, variance=1.0, covariance=1.0,
                                                    invariance=0.2),
    "spectral_contrastive": lambda X, G, K: spectral_contrastive.optimal_linear(X, G, K),
    "barlow_twins": lambda X, G, K: barlow_twins.optimal_linear(X, G, K, off_diagonal=1.0,
                                                                centered=False, constraint="whitened"),
    "barlow_twins-centered": lambda X, G, K: barlow_twins.optimal_linear(X, G, K, off_diagonal=1.0,
                                                                         centered=True,
                                                                         constraint="whitened"),
}


@pytest.mark.parametrize("method", sorted(LINEAR_SOLVERS))
@pytest.mark.parametrize("extra", ["duplicate", "collinear", "constant", "near_collinear"])
def test_linear_with_a_singular_feature_covariance(method, extra):
    # The extra column adds no direction (duplicate, exact linear combination, a
    # constant) or one with relative standard deviation 1e-10, i.e. variance 1e-20
    # of the largest: below the 1e-10 variance threshold, so treated as absent. In
    # every case Z is that of the original features, and the extra column's
    # coefficient is the minimum-norm one.
    if extra == "near_collinear":
        pytest.skip("the unit-free rank rule (linalg.feature_basis) of every linear regime keeps a "
                    "1e-10 direction: see test_spectral_contrastive.py::"
                    "test_linear_keeps_a_tiny_real_direction_and_drops_a_duplicate, "
                    "test_vicreg.py::test_linear_rescaling_a_feature_changes_nothing and "
                    "test_property_exact.py::test_reproducer_barlow_twins_linear_feature_units")
    X, G = linear_problem()
    rng = np.random.default_rng(1)
    column = {"duplicate": X[:, 0],
              "collinear": 2 * X[:, 0] - X[:, 1],
              "constant": np.full(X.shape[0], 5.0),
              "near_collinear": X[:, 0] + 1e-10 * rng.standard_normal(X.shape[0])}[extra]
    X2 = np.column_stack([X, column])
    K = 2
    base, rep = LINEAR_SOLVERS[method](X, G, K), LINEAR_SOLVERS[method](X2, G, K)
    assert rep.exact
    np.testing.assert_allclose(rep.Z, base.Z, atol=1e-8)
    assert rep.loss == pytest.approx(base.loss, rel=1e-9, abs=1e-12)
    np.testing.assert_allclose(X2 @ rep.W + rep.bias, rep.Z, atol=1e-8)
    if extra == "constant":
        np.testing.assert_allclose(rep.W[-1], 0.0, atol=1e-12)
    if extra == "duplicate":  # minimum norm: the weight is split equally
        np.testing.assert_allclose(rep.W[0], rep.W[-1], atol=1e-8)
        np.testing.assert_allclose(rep.W[0] + rep.W[-1], base.W[0], atol=1e-8)


@pytest.mark.parametrize("method", sorted(LINEAR_SOLVERS))
def test_linear_with_a_small_but_real_direction_keeps_it(method):
    # Relative standard deviation 1e-3 (variance 1e-6, above the threshold): a real
    # direction, kept. More directions can only lower the optimum.
    X, G = linear_problem()
    X2 = np.column_stack([X, X[:, 0] + 1e-3 * np.random.default_rng(2).standard_normal(X.shape[0])])
    base, rep = LINEAR_SOLVERS[method](X, G, 2), LINEAR_SOLVERS[method](X2, G, 2)
    assert rep.loss <= base.loss + 1e-12
    assert np.all(np.isfinite(rep.W))


@pytest.mark.parametrize("method", ["vicreg", "spectral_contrastive", "barlow_twins-centered"])
def test_fewer_samples_than_features(method):
    # N = 10 < D = 30: the centred features span the whole complement of the
    # constant, so the linear optimum is the non-parametric one (an exact
    # solution, not an error); K up to the rank N - 1 (N with the constant).
    rng = np.random.default_rng(4)
    N, D, K = 10, 30, 3
    X = rng.standard_normal((N, D))
    W = np.triu(rng.uniform(0.5, 1.5, (N, N)) * (rng.random((N, N)) < 0.4), 1)
    W[np.arange(N - 1), np.arange(1, N)] = 1.0  # a path keeps it connected
    G = sp.csr_matrix(W + W.T)
    rep = LINEAR_SOLVERS[method](X, G, K)
    assert rep.exact
    if method == "vicreg":
        lam, _ = laplacian_spectrum(G)
        expected, _ = vicreg_diagonal_loss(lam[:K], 1.0, 0.2)
        assert rep.loss == pytest.approx(expected, rel=1e-9)
        with pytest.raises(ValueError, match=r"n_components=10 is larger than the rank of the centred features X"):
            LINEAR_SOLVERS[method](X, G, N)
    elif method == "spectral_contrastive":
        nu = np.sort(np.linalg.eigvalsh(normalized_adjacency(G)))[::-1]
        assert rep.loss == pytest.approx(-np.sum(np.maximum(nu[:K], 0) ** 2), rel=1e-9)
        assert spectral_contrastive.optimal_linear(X, G, N).exact  # the constant included
    else:  # whitened CCA on the full span: the correlations are the eigenvalues of D^-1/2 G D^-1/2
        nu = np.sort(np.linalg.eigvalsh(normalized_adjacency(G)))[::-1]
        np.testing.assert_allclose(rep.eigenvalues, nu[1:K + 1], atol=1e-9)  # centred: no constant
        assert rep.loss == pytest.approx(np.sum((1 - nu[1:K + 1]) ** 2), rel=1e-9)


@pytest.mark.parametrize("value", [0.1, 7.7, 1.0])
@pytest.mark.parametrize("solver", [
    lambda X, G: vicreg.optimal_linear(X, G, 1),
    lambda X, G: vicreg.optimal_kernel(X, G, 1, kernel="linear"),
    lambda X, G: barlow_twins.optimal_linear(X, G, 1, centered=True),
    lambda X, G: barlow_twins.optimal_kernel(X, G, 1, centered=True, bandwidth=1.0),
    lambda X, G: simclr.optimal_linear(X, G, 1, restarts=1, max_iter=10),
], ids=["vicreg", "vicreg-kernel", "barlow_twins-centered", "barlow_twins-kernel-centered", "simclr"])
def test_constant_features_are_refused(solver, value):
    # Regression: a constant 0.1 or 7.7 centres to round-off noise (~1e-17), not to
    # 0; the relative rank threshold then whitened that noise into a "direction"
    # (VICReg returned exact=True with loss 25 and rank 1). Now refused, naming X.
    X = np.full((7, 2), value)
    G = graphs.from_groups([0, 0, 1, 1, 2, 2, 1])
    with pytest.raises(ValueError, match=r"X"):
        solver(X, G)


@pytest.mark.parametrize("value", [0.1, 7.7])
def test_constant_features_give_the_constant_where_it_is_optimal(value):
    # With the bias optimised, a constant Z is a valid (the only) representation:
    # spectral contrastive reaches -nu_1^2 = -1, uncentred Barlow Twins rho = 1.
    X = np.full((7, 2), value)
    G = graphs.from_groups([0, 0, 1, 1, 2, 2, 1])
    sc = spectral_contrastive.optimal_linear(X, G, 1)
    assert sc.loss == pytest.approx(-1.0, rel=1e-12) and sc.rank == 0  # constant: no information
    assert np.ptp(sc.Z) < 1e-12
    bt = barlow_twins.optimal_linear(X, G, 1, centered=False)
    assert bt.loss == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match=r"n_components=2 is larger than the dimension of span"):
        spectral_contrastive.optimal_linear(X, G, 2)


@pytest.mark.parametrize("method", sorted(LINEAR_SOLVERS))
def test_features_far_from_the_origin(method):
    # Regression: linear VICReg formed X^T L X from the uncentred X; with a mean 1e6
    # times the spread the two terms X^T D X and X^T G X cancelled to ~1e-4 relative
    # accuracy. Xc^T L Xc is the same matrix without the cancellation. The shifted
    # input itself is exact to ~1e-10 (ulp of 1e3 over a spread of 1e-3).
    X, G = linear_problem()
    base = LINEAR_SOLVERS[method](X, G, 2)
    shifted = LINEAR_SOLVERS[method](1e-3 * X + 1e3, G, 2)
    np.testing.assert_allclose(shifted.Z, base.Z, atol=1e-6)
    assert shifted.loss == pytest.approx(base.loss, rel=1e-7)


@pytest.mark.parametrize("units", [1e-8, 1e-6, 1e6, 1e8])
@pytest.mark.parametrize("method", sorted(LINEAR_SOLVERS))
def test_features_in_tiny_or_huge_units(method, units):
    # Regression: spectral contrastive and uncentred Barlow Twins put a column of ones
    # beside the features and thresholded their singular values relative to each other:
    # X * 1e-6 lost every feature direction (ValueError for K = 2) and X * 1e6 lost the
    # bias (a wrong "exact" optimum, loss -1.25 instead of -1.97).
    X, G = linear_problem()
    base, rep = LINEAR_SOLVERS[method](X, G, 2), LINEAR_SOLVERS[method](units * X, G, 2)
    np.testing.assert_allclose(rep.Z, base.Z, atol=1e-9)
    assert rep.loss == pytest.approx(base.loss, rel=1e-10)
    np.testing.assert_allclose(rep.W * units, base.W, rtol=1e-7, atol=1e-9)


# --------------------------------------------------------------------------- a single edge


def single_edge(n=6):
    W = np.zeros((n, n))
    W[1, 4] = W[4, 1] = 1.0
    return sp.csr_matrix(W)


@pytest.mark.parametrize("K", [1, 4, 5])
def test_vicreg_on_a_graph_with_one_edge(K):
    # One edge and 4 isolated samples: 5 components, lambda = 0, 0, 0, 0, 2.
    G = single_edge()
    rep = vicreg.optimal_representation(G, K, variance=1.0, covariance=1.0, invariance=0.1)
    lam = np.array([0.0, 0.0, 0.0, 0.0, 2.0])
    expected, t = vicreg_diagonal_loss(lam[:K], 1.0, 0.1)
    assert rep.loss == pytest.approx(expected, abs=1e-12)
    if K == 5:
        assert expected == pytest.approx(0.2**2 + 2 * 0.1 * 2 * 0.8)
    np.testing.assert_allclose(covariance(rep.Z), np.diag(t), atol=1e-12)


def test_one_edge_in_the_other_methods():
    G = single_edge()
    # non-parametric: the isolated samples are undetermined, so refused naming G
    for module in (spectral_contrastive, barlow_twins):
        with pytest.raises(ValueError, match=r"^G has 4 isolated sample\(s\)"):
            module.optimal_representation(G, 1)
    X = np.random.default_rng(5).standard_normal((6, 3))
    # linear: only the pair enters; Abar on it has eigenvalues 1, -1
    assert spectral_contrastive.optimal_linear(X, G, 2).loss == pytest.approx(-1.0, rel=1e-12)
    # whitened Barlow Twins: rho = 1 (constant) and -1 (antisymmetric on the pair);
    # off_diagonal lambda < 1: lambda sum (1 - rho)^2 + (1 - lambda) K (1 - mean rho)^2
    lam = 5e-3
    bt = barlow_twins.optimal_linear(X, G, 2, off_diagonal=lam, centered=False, constraint="whitened")
    np.testing.assert_allclose(bt.eigenvalues, [1.0, -1.0], atol=1e-12)
    assert bt.loss == pytest.approx(lam * 4 + (1 - lam) * 2 * 1.0, rel=1e-12)
    # SimCLR: the pair aligned and every other sample opposite is the infimum,
    # reached on a line: 2 log(1 + 4 exp(-2 / tau))
    tau = 0.5
    sim = simclr.optimal_representation(G, 2, temperature=tau, restarts=3, max_iter=2000)
    assert sim.exact is False
    assert sim.loss == pytest.approx(2 * np.log(1 + 4 * np.exp(-2 / tau)), rel=1e-6)


# --------------------------------------------------------------------------- hinge regression


def test_hinge_optimum_sits_at_the_kink_on_unbalanced_labels():
    # Regression (was xfail in test_certify): classes of 10, 30 and 80, lambda = 0, 0,
    # 10, 10; weights (25, 1, 1), K = 4. Every variance at the kink 1 - eps and the
    # variance spread over the two zero eigenvalues (t = 2(1 - eps) each, constant
    # diagonal): loss beta * (sum t^2 - sum c^2) = 4 (1 - eps)^2. The reduced solve
    # used to stop at 4.0104 from its decorrelated and random starts.
    G = graphs.from_labels(np.repeat([0, 1, 2], [10, 30, 80]))
    eps = 1e-4
    rep = vicreg.optimal_representation(G, 4, variance=25.0, covariance=1.0, invariance=1.0,
                                        variance_kind="hinge", eps=eps)
    assert rep.exact is False
    assert rep.loss == pytest.approx(4 * (1 - eps) ** 2, rel=1e-9)
    np.testing.assert_allclose(np.diag(covariance(rep.Z)), 1 - eps, atol=1e-9)


# --------------------------------------------------------------------------- kernel and clusters


def test_centred_range_basis_keeps_a_direction_near_the_constant():
    # Regression (was xfail in test_certify): the constant vector at an angle 1e-7
    # from span(V) leaves a centred direction of singular value ~1e-7 (variance
    # 1e-14): real and resolved (V is orthonormal to ~1e-16), so kept; the
    # constant itself in span(V) gives nothing.
    rng = np.random.default_rng(6)
    N = 40
    ones = np.ones(N) / np.sqrt(N)
    r = rng.standard_normal(N)
    r -= ones * (ones @ r)
    near = ones + 1e-7 * r / np.linalg.norm(r)
    V, _ = np.linalg.qr(np.column_stack([near, rng.standard_normal((N, 4))]))
    U, M = linalg.centred_range_basis(V)
    assert U.shape == (N, 5)
    np.testing.assert_allclose(U.T @ U, np.eye(5), atol=1e-8)
    np.testing.assert_allclose((V - V.mean(axis=0)) @ M, U, atol=1e-8)
    V_exact, _ = np.linalg.qr(np.column_stack([ones, rng.standard_normal((N, 4))]))
    assert linalg.centred_range_basis(V_exact)[0].shape == (N, 4)


def mixed_weight_graph():
    """12 samples, edges with weights from 4e-12 to 3e11 (the case that exposed the defect)."""
    N = 12
    structure = np.random.default_rng(0)
    W = np.triu(structure.random((N, N)) < 0.5, 1) * structure.uniform(0.5, 1.5, (N, N))
    W = W + W.T
    rng = np.random.default_rng(1)
    mask = W > 0
    W[mask] *= np.exp(rng.uniform(np.log(1e-12), np.log(1e12), mask.sum()))
    W = np.triu(W, 1)
    return sp.csr_matrix(W + W.T), rng.standard_normal((N, 3))


def test_generalized_eigh_keeps_distinct_eigenvalues_apart():
    # Regression: clusters were formed at 1e-8 of the largest |eigenvalue|, so with
    # eigenvalues 0.016, 146 and 3e11 the first two were one "degenerate" cluster
    # and their eigenvectors were mixed by the canonical basis.
    R, _ = np.linalg.qr(np.random.default_rng(7).standard_normal((3, 3)))
    A = R @ np.diag([0.016, 146.0, 3e11]) @ R.T
    mu, Q = linalg.generalized_eigh((A + A.T) / 2, np.eye(3))
    # eigenvalues are accurate to ~eps * 3e11 = 7e-5, eigenvectors to that over the gap
    np.testing.assert_allclose(mu, [0.016, 146.0, 3e11], atol=1e-3)
    # each eigenvector is its own axis of R (up to sign), not a mixture
    np.testing.assert_allclose(np.abs(R.T @ Q), np.eye(3), atol=1e-5)


def test_kernel_vicreg_with_weights_over_twenty_decades():
    # rbf kernel of full rank: the kernel optimum is the non-parametric one. With
    # the eigenvector mixing above the kernel solution had loss 4.50 against 1.003
    # (worse than Z = 0, whose loss is alpha K = 2).
    G, X = mixed_weight_graph()
    lam, _ = laplacian_spectrum(G)
    hyper = dict(variance=1.0, covariance=1.0, invariance=0.1)
    expected, _ = vicreg_diagonal_loss(lam[:2], 1.0, 0.1)
    rep = vicreg.optimal_kernel(X, G, 2, **hyper)
    d_max = np.asarray(G.sum(axis=1)).max()
    # the loss itself is accurate to ~eps * d_max (its invariance term is tr(Z^T L Z))
    assert abs(rep.loss - expected) <= 1e-9 + 100 * np.finfo(float).eps * 0.1 * d_max
    assert expected == pytest.approx(1.0032, abs=1e-4)


# Regression: the dense solver's degenerate clusters were formed at 1e-8 of the largest
# computed eigenvalue; with weights over 24 decades that merged lambda = 0 and 4193 next to
# 8.7e11 and mixed their eigenvectors (loss 0.0044556 instead of 0.0044479).
def test_mixed_weight_scales_keep_distinct_eigenvalues():
    W = np.zeros((8, 8))
    edges = {(1, 3): 1.55891712e06, (1, 4): 2.45689926e01, (1, 6): 4.35617139e11,
             (2, 5): 1.18583631e07, (2, 7): 2.41287003e03, (3, 4): 1.08733281e09,
             (3, 6): 3.25110200e05, (4, 6): 5.60008927e00, (5, 7): 3.82488169e02}
    for (i, j), w in edges.items():
        W[i, j] = W[j, i] = w
    lam, _ = laplacian_spectrum(W)
    gamma = 1.0 / float(np.median(lam))
    rep = vicreg.optimal_representation(sp.csr_matrix(W), 3, variance=1.0, covariance=1.0,
                                        invariance=gamma)
    expected, _ = vicreg_diagonal_loss(lam[:3], 1.0, gamma)
    assert rep.loss == pytest.approx(expected, rel=1e-7)

"""Barlow Twins: loss-zero characterisation, CCA (against an independent CCA and scikit-learn),
the VICReg relation rho = 1 - mu/d, the whitened optimum, and numerical certificates."""

import numpy as np
import pytest
import scipy.linalg
import scipy.optimize
import scipy.sparse as sp
from threadpoolctl import threadpool_limits
from sklearn.cross_decomposition import CCA

from spectral_ssl import graphs, losses, solve
from spectral_ssl.methods import barlow_twins as bt
from spectral_ssl.methods import vicreg


# --------------------------------------------------------------------------- helpers


def block_graph(sizes, seed=0, density=0.4):
    rng = np.random.default_rng(seed)
    blocks = []
    for size in sizes:
        W = rng.uniform(0.5, 1.5, (size, size)) * (rng.random((size, size)) < density)
        W = np.triu(W, 1)
        W[np.arange(size - 1), np.arange(1, size)] = 1.0
        blocks.append(W + W.T)
    return scipy.linalg.block_diag(*blocks)


def regular_graph(n, degree=3.0, seed=0, density=0.15):
    """Weighted degree-regular graph (symmetric Sinkhorn scaling of a random connected graph)."""
    W = block_graph([n], seed=seed, density=density)
    x = np.ones(n)
    for _ in range(5000):
        x = np.sqrt(x / (W @ x))
    W = x[:, None] * W * x[None, :]
    W = (W + W.T) / 2
    assert np.max(np.abs(W.sum(axis=1) - 1.0)) < 1e-12
    return degree * W


def max_angle(U, V):
    return float(np.max(scipy.linalg.subspace_angles(U, V)))


def feature_problem(n=120, seed=1):
    """Inputs whose first two coordinates define the kNN positives (strong canonical correlations)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)) * np.array([2.0, 1.5, 1.0, 1.0]) + np.array([1.0, -2.0, 0.5, 3.0])
    return X, graphs.knn(X[:, :2], n_neighbors=6)


def independent_cca(X, G):
    """Canonical correlations of (X_left, X_right): for every nonzero G_ij, row i left, row j right."""
    rows, cols = G.nonzero()
    left, right = X[rows], X[cols]
    left = left - left.mean(axis=0)
    right = right - right.mean(axis=0)
    m = len(rows)
    Cxx, Cyy, Cxy = left.T @ left / m, right.T @ right / m, left.T @ right / m
    Tx = scipy.linalg.inv(scipy.linalg.sqrtm(Cxx)).real
    Ty = scipy.linalg.inv(scipy.linalg.sqrtm(Cyy)).real
    U, s, _ = np.linalg.svd(Tx @ Cxy @ Ty)
    return s, Tx @ U


def whitened_formula(rho, lam):
    rho = np.asarray(rho)
    if lam >= 1:
        return np.sum((1 - rho) ** 2)
    return lam * np.sum((1 - rho) ** 2) + (1 - lam) * rho.size * (1 - rho.mean()) ** 2


def lbfgs_best(objective, shape, restarts, seed, jac=True):
    rng = np.random.default_rng(seed)
    best = np.inf
    for _ in range(restarts):
        with threadpool_limits(limits=1, user_api="blas"):  # tiny BLAS calls: threads only cost
            res = scipy.optimize.minimize(objective, rng.normal(size=shape).ravel(), jac=jac,
                                          method="L-BFGS-B",
                                          options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-10})
        best = min(best, float(res.fun))
    return best


# --------------------------------------------------------------------------- non-parametric: loss zero


SIZES = [10, 15, 12]


@pytest.mark.parametrize("centered, K", [(False, 1), (False, 2), (False, 3), (True, 1), (True, 2)])
def test_loss_zero_when_components_suffice(centered, K):
    W = block_graph(SIZES, seed=2)
    d = W.sum(axis=1)
    vol = d.sum()
    rep = bt.optimal_representation(W, K, centered=centered)
    assert rep.exact is True
    assert abs(rep.loss) < 1e-12
    assert rep.rank == K <= len(SIZES) - centered
    Z = rep.Z
    starts = np.cumsum([0] + SIZES)
    for a, b in zip(starts[:-1], starts[1:]):  # constant on every component
        assert np.max(np.ptp(Z[a:b], axis=0)) < 1e-12
    Zc = Z - d @ Z / vol if centered else Z
    np.testing.assert_allclose(Zc.T @ (d[:, None] * Zc) / vol, np.eye(K), atol=1e-12)
    if centered:
        assert np.max(np.abs(d @ Z)) < 1e-10


@pytest.mark.parametrize("centered", [False, True])
def test_more_dimensions_than_components_cannot_reach_zero(centered):
    W = block_graph(SIZES, seed=3)
    K = len(SIZES) - centered + 1
    rep = bt.optimal_representation(W, K, centered=centered, restarts=2)
    assert rep.exact is False
    assert rep.loss > 1e-4


def test_numerical_case_beats_whitened_optimum_and_random_restarts():
    """Connected graph (c = 1), K = 3: no closed form; compare with an independent certificate."""
    W = sp.csr_matrix(block_graph([60], seed=4, density=0.1))
    d = np.asarray(W.sum(axis=1)).ravel()
    K, lam = 3, 5e-3
    rep = bt.optimal_representation(W, K, off_diagonal=lam)
    Abar = W.toarray() / np.sqrt(np.outer(d, d))
    nu = np.sort(np.linalg.eigvalsh(Abar))[::-1][:K]
    whitened = whitened_formula(nu, lam)
    assert rep.exact is False
    np.testing.assert_allclose(rep.eigenvalues, nu, atol=1e-10)
    assert rep.details["whitened_loss"] == pytest.approx(whitened, rel=1e-10)
    assert rep.loss < 0.9 * whitened  # decorrelation is traded for invariance

    def objective(flat):
        return tuple(v if i == 0 else v.ravel() for i, v in
                     enumerate(losses.barlow_twins(flat.reshape(-1, K), W, off_diagonal=lam,
                                                   return_gradient=True)))

    best = lbfgs_best(objective, (60, K), restarts=5, seed=5)
    assert rep.loss <= best + 1e-8 * best


def test_isolated_sample_is_refused():
    W = block_graph([8], seed=6)
    W[3, :] = W[:, 3] = 0.0
    with pytest.raises(ValueError, match="G has 1 isolated sample.*first: sample 3"):
        bt.optimal_representation(W, 1)


# --------------------------------------------------------------------------- linear: CCA


def test_correlations_and_directions_match_an_independent_cca():
    X, G = feature_problem()
    K = 3
    rep = bt.optimal_linear(X, G, K, centered=True)
    s, directions = independent_cca(X, G)
    np.testing.assert_allclose(rep.eigenvalues, s[:K], atol=1e-10)
    assert max_angle(rep.W, directions[:, :K]) < 1e-8
    assert rep.exact is True


def test_first_direction_matches_sklearn_cca():
    X, G = feature_problem(seed=7)
    rows, cols = G.nonzero()
    cca = CCA(n_components=1, scale=False, max_iter=20000, tol=1e-15).fit(X[rows], X[cols])
    x_scores, y_scores = cca.transform(X[rows], X[cols])
    sklearn_rho = np.corrcoef(x_scores[:, 0], y_scores[:, 0])[0, 1]
    rep = bt.optimal_linear(X, G, 1, centered=True)
    assert rep.eigenvalues[0] == pytest.approx(sklearn_rho, abs=1e-8)
    assert max_angle(rep.W, cca.x_rotations_) < 1e-5


def test_uncentred_adds_the_constant_direction_with_correlation_one():
    X, G = feature_problem(seed=8)
    centred = bt.optimal_linear(X, G, 2, centered=True)
    uncentred = bt.optimal_linear(X, G, 3, centered=False)
    np.testing.assert_allclose(uncentred.eigenvalues, np.r_[1.0, centred.eigenvalues], atol=1e-10)


def test_correlations_are_one_minus_vicreg_eigenvalues_over_degree():
    """Degree-regular G (d = 3) and centred X: rho = 1 - mu/d, same directions as linear VICReg."""
    rng = np.random.default_rng(9)
    n = 80
    W = regular_graph(n, degree=3.0, seed=9)
    X = rng.normal(size=(n, 5)) @ rng.normal(size=(5, 5))
    X -= X.mean(axis=0)
    K = 3
    rep = bt.optimal_linear(X, W, K, centered=True)
    vic = vicreg.optimal_linear(X, W, K, variance=1.0, covariance=1.0, invariance=1e-3)
    np.testing.assert_allclose(rep.eigenvalues, 1.0 - vic.eigenvalues / 3.0, atol=1e-10)
    assert max_angle(rep.W, vic.W) < 1e-8


@pytest.mark.parametrize("lam", [5e-3, 0.3, 2.0])
def test_whitened_loss_formula(lam):
    X, G = feature_problem(seed=10)
    K = 3
    rho = independent_cca(X, G)[0][:K]
    rep = bt.optimal_linear(X, G, K, centered=True, off_diagonal=lam)
    assert rep.loss == pytest.approx(whitened_formula(rho, lam), rel=1e-10)
    d = np.asarray(G.sum(axis=1)).ravel()
    Zc = rep.Z - d @ rep.Z / d.sum()
    np.testing.assert_allclose(Zc.T @ (d[:, None] * Zc) / d.sum(), np.eye(K), atol=1e-10)  # whitened
    if lam < 1:
        assert rep.loss < np.sum((1 - rho) ** 2) - 1e-4  # the diagonal CCA solution is not optimal
    else:
        C = losses.barlow_twins_correlation(rep.Z, G, centered=True)
        np.testing.assert_allclose(C, np.diag(rho), atol=1e-10)


def test_whitened_solution_beats_random_whitened_restarts():
    """Optimise over whitened W = T orth(Y) (T = B^-1/2) from random starts: never below the closed form."""
    X, G = feature_problem(n=80, seed=11)
    K, lam = 2, 5e-3
    rep = bt.optimal_linear(X, G, K, centered=True, off_diagonal=lam)
    d = np.asarray(G.sum(axis=1)).ravel()
    Xc = X - d @ X / d.sum()
    T = scipy.linalg.inv(scipy.linalg.sqrtm(Xc.T @ (d[:, None] * Xc))).real

    def objective(flat):
        Q, _ = np.linalg.qr(flat.reshape(4, K))
        return losses.barlow_twins(Xc @ T @ Q, G, off_diagonal=lam, centered=True)

    best = lbfgs_best(objective, (4, K), restarts=6, seed=12, jac=None)
    assert rep.loss <= best + 1e-8 * best
    assert best <= rep.loss + 1e-6 * rep.loss


def test_unwhitened_is_never_worse_than_cca_and_beats_random_restarts():
    X, G = feature_problem(n=80, seed=13)
    K = 3
    rep = bt.optimal_linear(X, G, K, centered=True, whiten=False, restarts=4)
    cca = bt.optimal_linear(X, G, K, centered=True)
    assert rep.exact is False
    assert rep.loss <= cca.loss
    assert rep.details["cca_loss"] == pytest.approx(cca.loss, rel=1e-10)
    assert rep.details["gap_to_cca"] == pytest.approx(cca.loss - rep.loss, rel=1e-8)
    np.testing.assert_allclose(rep.transform(X), rep.Z, atol=1e-10)

    def objective(flat):
        W = flat.reshape(4, K)
        value, grad = losses.barlow_twins(X @ W, G, centered=True, return_gradient=True)
        return value, (X.T @ grad).ravel()

    best = lbfgs_best(objective, (4, K), restarts=5, seed=14)
    assert rep.loss <= best + 1e-8 * best


def test_transform_reproduces_training_representation():
    X, G = feature_problem(seed=15)
    for centered in (False, True):
        rep = bt.optimal_linear(X, G, 2, centered=centered)
        np.testing.assert_allclose(rep.transform(X), rep.Z, atol=1e-10)
        assert rep.loss == pytest.approx(losses.barlow_twins(X @ rep.W + rep.bias, G, centered=centered),
                                         rel=1e-12)


# --------------------------------------------------------------------------- kernel


def test_unregularised_full_rank_kernel_cca_is_the_nonparametric_problem():
    X, G = feature_problem(n=40, seed=16)
    d = np.asarray(G.sum(axis=1)).ravel()
    values, vectors = np.linalg.eigh(G.toarray() / np.sqrt(np.outer(d, d)))
    order = np.argsort(values)[::-1]
    rep = bt.optimal_kernel(X, G, 3, kernel="rbf", bandwidth=0.5, centered=False)
    np.testing.assert_allclose(rep.eigenvalues, values[order[:3]], atol=1e-8)
    assert rep.eigenvalues[0] == pytest.approx(1.0, abs=1e-10)  # degenerate: the constant
    centred = bt.optimal_kernel(X, G, 3, kernel="rbf", bandwidth=0.5, centered=True)
    np.testing.assert_allclose(centred.eigenvalues, values[order[1:4]], atol=1e-8)
    np.testing.assert_allclose(centred.transform(X), centred.Z, atol=1e-7)


def test_regularised_kernel_cca_is_not_exact_and_shrinks_correlations():
    X, G = feature_problem(n=40, seed=17)
    plain = bt.optimal_kernel(X, G, 2, kernel="rbf", bandwidth=0.5, centered=True)
    reg = bt.optimal_kernel(X, G, 2, kernel="rbf", bandwidth=0.5, centered=True, regularization=1.0)
    assert plain.exact is True and reg.exact is False
    assert np.all(reg.eigenvalues < plain.eigenvalues - 1e-3)


# --------------------------------------------------------------------------- bad inputs and registry


def test_bad_inputs():
    X, G = feature_problem(n=30, seed=18)
    with pytest.raises(ValueError, match="off_diagonal must be >= 0.0"):
        bt.optimal_representation(G, 1, off_diagonal=-0.1)
    with pytest.raises(TypeError, match="centered must be True or False"):
        bt.optimal_linear(X, G, 1, centered=1)
    with pytest.raises(TypeError, match="whiten must be True or False"):
        bt.optimal_linear(X, G, 1, whiten="no")
    with pytest.raises(ValueError, match="n_components=5 is larger than the rank of X\\^T D_G X"):
        bt.optimal_linear(X, G, 5, centered=True)
    with pytest.raises(ValueError, match="restarts must be an integer >= 0"):
        bt.optimal_representation(G, 2, restarts=-1)
    with pytest.raises(ValueError, match="X has 29 rows but the graph G has 30 samples"):
        bt.optimal_linear(X[:29], G, 1)


def test_solve_dispatches_to_barlow_twins():
    W = block_graph([5, 6, 7], seed=19)
    rep = solve("barlow_twins", W, 2, centered=True, off_diagonal=0.1)
    assert rep.method == "barlow_twins" and rep.exact is True
    assert abs(rep.loss) < 1e-12
    assert rep.hyperparameters == {"off_diagonal": 0.1, "centered": True}

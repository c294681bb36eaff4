"""Barlow Twins: loss-zero characterisation, the whitened problem (CCA, against an independent CCA
and scikit-learn), the VICReg relation rho = 1 - mu/d, the loss as written (numerical, collapsing),
the deprecated ``whiten``, and numerical certificates of both problems."""

import json
import re
import warnings

import numpy as np
import pytest
import scipy.linalg
import scipy.optimize
import scipy.sparse as sp
from threadpoolctl import threadpool_limits
from sklearn.cross_decomposition import CCA

from spectral_ssl import cli, graphs, losses, solve
from spectral_ssl.exceptions import CollapseWarning
from spectral_ssl.experiments import datasets
from spectral_ssl.methods import barlow_twins as bt
from spectral_ssl.methods import vicreg
from test_crosscheck import lightly_loss  # noqa: F401  (fixture: torch + lightly, or skip)


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
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CollapseWarning)
        rep = bt.optimal_representation(W, K, centered=centered)
    assert rep.exact is True and rep.details["constraint"] is None
    assert abs(rep.loss) < 1e-12
    assert K <= len(SIZES) - centered
    # one rank rule (centred Z): uncentred indicators of all 3 components span the constant
    assert rep.rank == (K - 1 if K == len(SIZES) else K)
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
    rep = bt.optimal_representation(W, K, off_diagonal=lam, centered=False)
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
    rep = bt.optimal_linear(X, G, K, centered=True, constraint="whitened")
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
    rep = bt.optimal_linear(X, G, 1, centered=True, constraint="whitened")
    assert rep.eigenvalues[0] == pytest.approx(sklearn_rho, abs=1e-8)
    assert max_angle(rep.W, cca.x_rotations_) < 1e-5


def test_uncentred_adds_the_constant_direction_with_correlation_one():
    X, G = feature_problem(seed=8)
    centred = bt.optimal_linear(X, G, 2, centered=True, constraint="whitened")
    uncentred = bt.optimal_linear(X, G, 3, centered=False, constraint="whitened")
    np.testing.assert_allclose(uncentred.eigenvalues, np.r_[1.0, centred.eigenvalues], atol=1e-10)


def test_correlations_are_one_minus_vicreg_eigenvalues_over_degree():
    """Degree-regular G (d = 3) and centred X: rho = 1 - mu/d, same directions as linear VICReg."""
    rng = np.random.default_rng(9)
    n = 80
    W = regular_graph(n, degree=3.0, seed=9)
    X = rng.normal(size=(n, 5)) @ rng.normal(size=(5, 5))
    X -= X.mean(axis=0)
    K = 3
    rep = bt.optimal_linear(X, W, K, centered=True, constraint="whitened")
    vic = vicreg.optimal_linear(X, W, K, variance=1.0, covariance=1.0, invariance=1e-3)
    np.testing.assert_allclose(rep.eigenvalues, 1.0 - vic.eigenvalues / 3.0, atol=1e-10)
    assert max_angle(rep.W, vic.W) < 1e-8


@pytest.mark.parametrize("lam", [5e-3, 0.3, 2.0])
def test_whitened_loss_formula(lam):
    X, G = feature_problem(seed=10)
    K = 3
    rho = independent_cca(X, G)[0][:K]
    rep = bt.optimal_linear(X, G, K, centered=True, off_diagonal=lam, constraint="whitened")
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
    rep = bt.optimal_linear(X, G, K, centered=True, off_diagonal=lam, constraint="whitened")
    d = np.asarray(G.sum(axis=1)).ravel()
    Xc = X - d @ X / d.sum()
    T = scipy.linalg.inv(scipy.linalg.sqrtm(Xc.T @ (d[:, None] * Xc))).real

    def objective(flat):
        Q, _ = np.linalg.qr(flat.reshape(4, K))
        return losses.barlow_twins(Xc @ T @ Q, G, off_diagonal=lam, centered=True)

    best = lbfgs_best(objective, (4, K), restarts=6, seed=12, jac=None)
    assert rep.loss <= best + 1e-8 * best
    assert best <= rep.loss + 1e-6 * rep.loss


def test_loss_as_written_is_never_worse_than_cca_and_beats_random_restarts():
    X, G = feature_problem(n=80, seed=13)
    K = 3
    rep = bt.optimal_linear(X, G, K, restarts=4)  # default: the loss as written, centred
    cca = bt.optimal_linear(X, G, K, centered=True, constraint="whitened")
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
    rep = bt.optimal_kernel(X, G, 3, kernel="rbf", bandwidth=0.5, centered=False,
                            constraint="whitened")
    np.testing.assert_allclose(rep.eigenvalues, values[order[:3]], atol=1e-8)
    assert rep.eigenvalues[0] == pytest.approx(1.0, abs=1e-10)  # degenerate: the constant
    centred = bt.optimal_kernel(X, G, 3, kernel="rbf", bandwidth=0.5, centered=True,
                                constraint="whitened")
    np.testing.assert_allclose(centred.eigenvalues, values[order[1:4]], atol=1e-8)
    np.testing.assert_allclose(centred.transform(X), centred.Z, atol=1e-7)


def test_regularised_kernel_cca_is_not_exact_and_shrinks_correlations():
    X, G = feature_problem(n=40, seed=17)
    plain = bt.optimal_kernel(X, G, 2, kernel="rbf", bandwidth=0.5, centered=True, constraint="whitened")
    reg = bt.optimal_kernel(X, G, 2, kernel="rbf", bandwidth=0.5, centered=True, regularization=1.0,
                            constraint="whitened")
    assert plain.exact is True and reg.exact is False
    assert reg.exactness.startswith("approximate: regularised kernel CCA")
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
    with pytest.raises(ValueError, match=r"^restarts must be >= 0, got -1\.$"):
        bt.optimal_representation(G, 2, restarts=-1)
    with pytest.raises(ValueError, match="X has 29 rows but the graph G has 30 samples"):
        bt.optimal_linear(X[:29], G, 1)


def test_solve_dispatches_to_barlow_twins():
    W = block_graph([5, 6, 7], seed=19)
    rep = solve("barlow_twins", W, 2, centered=True, off_diagonal=0.1)
    assert rep.method == "barlow_twins" and rep.exact is True
    assert abs(rep.loss) < 1e-12
    assert rep.hyperparameters == {"off_diagonal": 0.1, "centered": True}


# --------------------------------------------------------------------------- two problems (issue 13)


def digits_pairs(n_per_class, seed=0):
    """Two augmented views of a balanced digits subset, built like the claims (make_views)."""
    data = datasets.digits(n_per_class, random_state=seed)
    V, groups = graphs.make_views(data.X, 2, random_state=seed + 1, **data.view_options)
    return V, graphs.from_groups(groups)


def numpy_rank(Z, rtol=1e-6):
    s = np.linalg.svd(Z - Z.mean(axis=0), compute_uv=False)
    return int(np.sum(s > rtol * s[0]))


def test_loss_as_written_on_digit_pairs_is_far_below_cca_and_collapses():
    """Issue 13 item 3: the CCA solution is not the optimum of the loss the default names."""
    V, G = digits_pairs(25)  # 250 pairs of 8 x 8 images
    K = 8
    with pytest.warns(CollapseWarning, match=r"Barlow Twins \(linear\): the optimum keeps 7 of the 8"):
        rep = bt.optimal_linear(V, G, K, restarts=2)
    cca = bt.optimal_linear(V, G, K, constraint="whitened")
    # Both losses recomputed by the public loss (centred, lambda = 5e-3), not taken from the solver.
    as_written = losses.barlow_twins(V @ rep.W + rep.bias, G, centered=True)
    at_cca = losses.barlow_twins(V @ cca.W + cca.bias, G, centered=True)
    assert rep.loss == pytest.approx(as_written, rel=1e-12)
    assert (rep.exact, cca.exact) == (False, True)
    assert cca.details["constraint"] == "whitened" and rep.details["constraint"] is None
    assert as_written < 0.75 * at_cca  # measured: 0.0722 against 0.1006 (28 % lower)
    assert numpy_rank(rep.Z) == rep.rank == 7 and numpy_rank(cca.Z) == cca.rank == 8
    assert rep.details["converged"] is True
    assert rep.details["gap_to_cca"] == pytest.approx(at_cca - as_written, rel=1e-8)


@pytest.mark.slow
def test_loss_as_written_beats_independent_restarts_on_digit_pairs():
    """Independent certificate: L-BFGS on (W, b) of the raw features, random starts."""
    V, G = digits_pairs(15, seed=3)
    K = 4
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CollapseWarning)
        rep = bt.optimal_linear(V, G, K, restarts=1)
    D = V.shape[1]
    ones = np.ones((V.shape[0], 1))

    def objective(flat):
        Wb = flat.reshape(D + 1, K)
        value, grad = losses.barlow_twins(V @ Wb[:D] + Wb[D], G, centered=True, return_gradient=True)
        return value, np.vstack([V.T @ grad, ones.T @ grad]).ravel()

    best = lbfgs_best(objective, (D + 1, K), restarts=3, seed=31)
    assert rep.loss <= best + 1e-8 * best


def test_nonparametric_whitened_problem_is_exact_for_its_constraint():
    n, K, lam = 10, 2, 5e-3
    W = block_graph([n], seed=21, density=0.4)
    d = W.sum(axis=1)
    rep = bt.optimal_representation(W, K, constraint="whitened")  # centred
    values = np.sort(np.linalg.eigvalsh(W / np.sqrt(np.outer(d, d))))[::-1]
    nu = values[1:K + 1]  # the top one is the trivial D^1/2 1, removed by centring
    assert rep.exact is True and rep.details["constraint"] == "whitened"
    assert rep.problem.startswith("whitened") and rep.rank == K
    assert rep.loss == pytest.approx(whitened_formula(nu, lam), rel=1e-10)
    Zc = rep.Z - d @ rep.Z / d.sum()
    np.testing.assert_allclose(Zc.T @ (d[:, None] * Zc) / d.sum(), np.eye(K), atol=1e-10)

    root = np.sqrt(d) / np.linalg.norm(np.sqrt(d))

    def whitened_objective(flat):  # Z = D^-1/2 Y, Y orthonormal and orthogonal to D^1/2 1
        M = flat.reshape(n, K)
        Y, _ = np.linalg.qr(M - np.outer(root, root @ M))
        return losses.barlow_twins(Y / np.sqrt(d)[:, None], W, off_diagonal=lam, centered=True)

    best = lbfgs_best(whitened_objective, (n, K), restarts=2, seed=22, jac=None)
    assert rep.loss <= best + 1e-8 * best
    assert best <= rep.loss + 1e-6 * rep.loss
    # ... but the loss as written is lower without the constraint
    as_written = bt.optimal_representation(W, K, restarts=2)
    assert as_written.exact is False and as_written.loss < rep.loss - 1e-3


def test_whiten_is_deprecated_and_maps_to_constraint():
    X, G = feature_problem(n=60, seed=22)
    with pytest.warns(FutureWarning, match="whiten=True is deprecated.*use constraint='whitened'"):
        old = bt.optimal_linear(X, G, 2, whiten=True)
    new = bt.optimal_linear(X, G, 2, constraint="whitened")
    np.testing.assert_array_equal(old.Z, new.Z)
    assert old.exact is True and old.details["constraint"] == "whitened"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CollapseWarning)
        with pytest.warns(FutureWarning, match=r"whiten=False is deprecated.*use constraint=None"):
            old = bt.optimal_linear(X, G, 2, whiten=False, restarts=1)
        new = bt.optimal_linear(X, G, 2, restarts=1)
    np.testing.assert_array_equal(old.Z, new.Z)
    assert old.exact is False and old.details["constraint"] is None
    with pytest.raises(ValueError, match="whiten=False contradicts constraint='whitened'"):
        bt.optimal_linear(X, G, 2, whiten=False, constraint="whitened")
    with pytest.raises(ValueError, match=r"constraint must be None \(the loss as written\) or 'whitened'"):
        bt.optimal_representation(G, 2, constraint="cca")
    with pytest.raises(ValueError, match="regularization=1 applies to constraint='whitened'"):
        bt.optimal_kernel(X, G, 2, regularization=1.0)


def test_exact_never_goes_with_a_loss_beaten_for_the_problem_named():
    """exact=True: the loss-zero closed form (both problems) or the whitened problem, named."""
    X, G = feature_problem(n=60, seed=25)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CollapseWarning)
        default = bt.optimal_linear(X, G, 3, restarts=1)
        kernel = bt.optimal_kernel(X, G, 2, bandwidth=1.0, restarts=1)
    white = bt.optimal_linear(X, G, 3, constraint="whitened")
    assert default.exact is False and kernel.exact is False
    assert default.loss < white.loss  # the whitened optimum is beaten for the loss as written ...
    assert white.exact is True and white.problem == bt.WHITENED["linear"]  # ... and says so
    assert kernel.details["constraint"] is None and kernel.problem == bt.AS_WRITTEN
    cliques = graphs.from_groups(np.repeat(np.arange(4), 5))
    zero = bt.optimal_representation(cliques, 3)  # centred: K <= c - 1 = 3
    assert zero.exact is True and abs(zero.loss) < 1e-12 and zero.problem == bt.AS_WRITTEN


def test_result_exactness_text_repr_and_summary():
    X, G = feature_problem(n=60, seed=23)
    white = bt.optimal_linear(X, G, 2, constraint="whitened")
    assert white.exactness == ("exact: closed-form global optimum of whitened (CCA): the loss "
                               "subject to W^T X_c^T D_G X_c W = vol I")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CollapseWarning)
        default = bt.optimal_linear(X, G, 2, restarts=3)
    assert default.exactness == "numerical: best of 4 starts (1 informed + 3 random), not proven optimal"
    for rep in (white, default):
        summary = rep.summary()
        assert summary["exactness"] == rep.exactness and summary["problem"] == rep.problem
        assert f"exactness            : {rep.exactness}" in repr(rep)
        assert rep.exactness in rep._repr_html_()
    assert json.loads(json.dumps(default.summary()))["problem"] == "the loss as written (no whitening constraint)"


def test_cli_constraint_option_and_exactness_line(tmp_path, capsys):
    X, G = feature_problem(n=60, seed=24)
    np.save(tmp_path / "X.npy", X)
    sp.save_npz(tmp_path / "G.npz", G)
    base = ["solve", "--method", "barlow_twins", "--graph", str(tmp_path / "G.npz"), "--X",
            str(tmp_path / "X.npy"), "--n-components", "2", "--out", str(tmp_path / "Z.npy"), "--force"]
    assert cli.main(base + ["--constraint", "whitened"]) == 0
    printed = " ".join(capsys.readouterr().out.split())  # lines wrap at 100 columns
    white = bt.optimal_linear(X, G, 2, constraint="whitened")
    assert (f"loss {white.loss:.10g}, rank 2, exact: closed-form global optimum of "
            f"whitened (CCA): the loss subject to W^T X_c^T D_G X_c W = vol I") in printed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CollapseWarning)
        assert cli.main(base + ["--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["exact"] is False and result["problem"] == bt.AS_WRITTEN
    assert result["exactness"] == "numerical: best of 9 starts (1 informed + 8 random), not proven optimal"
    assert result["hyperparameters"] == {"off_diagonal": 5e-3, "centered": True}
    assert result["loss"] < white.loss


@pytest.mark.crosscheck
def test_default_linear_optimum_is_at_most_what_lightly_trains(lightly_loss):  # noqa: F811
    """A linear encoder trained with lightly's BarlowTwinsLoss (float64, full batch, L-BFGS) ends,
    measured by the graph-form loss (centred, pairing graph), no lower than optimal_linear's default."""
    torch, loss_module = lightly_loss
    V, G = digits_pairs(25)  # rows 0..249 view A, 250..499 view B of the same images
    n, D, K = V.shape[0] // 2, V.shape[1], 8
    A, B = torch.from_numpy(V[:n]), torch.from_numpy(V[n:])
    criterion = loss_module.BarlowTwinsLoss()  # lambda 5e-3, batch-norm per view
    trained = []
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a 64 x 8 encoder: extra threads only wait for a core
    try:
        for seed in range(2):
            torch.manual_seed(seed)
            encoder = torch.nn.Linear(D, K, dtype=torch.float64)
            optimiser = torch.optim.LBFGS(encoder.parameters(), max_iter=500, tolerance_grad=1e-10,
                                          tolerance_change=1e-14, history_size=30,
                                          line_search_fn="strong_wolfe")

            def closure():
                optimiser.zero_grad()
                value = criterion(encoder(A), encoder(B))
                value.backward()
                return value

            for _ in range(3):  # restarts of the curvature model; measured: converged by then
                optimiser.step(closure)
            with torch.no_grad():
                W = encoder.weight.numpy().T.copy()
                b = encoder.bias.numpy().copy()
            trained.append(losses.barlow_twins(V @ W + b, G, centered=True))
    finally:
        torch.set_num_threads(threads)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CollapseWarning)
        ours = bt.optimal_linear(V, G, K)
    cca = bt.optimal_linear(V, G, K, constraint="whitened")
    # measured: trained 0.0734 in graph form (lightly's per-view statistics differ slightly from the
    # graph form's shared ones), ours 0.0722, CCA 0.1006
    assert ours.loss <= min(trained) * (1 + 1e-3)
    assert min(trained) < 0.8 * cca.loss  # what lightly trains is not CCA


def test_one_component_is_proven_for_the_loss_as_written():
    """K = 1: (C_11 - 1)^2 with C_11 a Rayleigh quotient, so the top direction is optimal (exact)."""
    X, G = feature_problem(n=60, seed=26)
    rep = bt.optimal_linear(X, G, 1)
    rho = independent_cca(X, G)[0]
    assert rep.exact is True and rep.problem == bt.AS_WRITTEN
    assert rep.loss == pytest.approx((1 - rho[0]) ** 2, rel=1e-9)
    W = block_graph([20], seed=27, density=0.3)
    d = W.sum(axis=1)
    nu = np.sort(np.linalg.eigvalsh(W / np.sqrt(np.outer(d, d))))[::-1]
    rep = bt.optimal_representation(W, 1)  # connected, centred: no invariant column
    assert rep.exact is True and rep.loss == pytest.approx((1 - nu[1]) ** 2, rel=1e-9)


def _canonical_correlations_50_digits(X, W):
    """rho of A w = rho B w, A = Y^T G Y, B = Y^T D Y, Y centred by the degree-weighted mean, in
    mpmath at 50 digits (Cholesky of B, then the symmetric eigenproblem)."""
    import mpmath

    with mpmath.workdps(50):
        G = mpmath.matrix(W.tolist())
        n, dim = X.shape
        d = [mpmath.fsum(G[i, j] for j in range(n)) for i in range(n)]
        vol = mpmath.fsum(d)
        Xm = mpmath.matrix(X.tolist())
        mean = [mpmath.fsum(d[i] * Xm[i, k] for i in range(n)) / vol for k in range(dim)]
        Y = mpmath.matrix(n, dim)
        for i in range(n):
            for k in range(dim):
                Y[i, k] = Xm[i, k] - mean[k]
        D = mpmath.diag(d)
        A, B = Y.T * G * Y, Y.T * D * Y
        L = mpmath.cholesky(B)
        Li = L ** -1
        rho = mpmath.eigsy(Li * A * Li.T, eigvals_only=True)
        return np.sort(np.array([float(r) for r in rho]))[::-1]


def test_whitened_canonical_correlations_with_degrees_over_nine_decades():
    """Weights 3e-4 to 5e5 on 4 samples: B = Y^T D_G Y has a condition number near 1e9; from the
    forms, rho_1 = 1.5e-9 came out as 5.8e-4 (and 1.3e-5 with the rows permuted), the loss 2.7e-5
    above the whitened optimum. Against a 50-digit computation, for two orders of the rows."""
    X = np.array([[-0.9547286589251488, -0.33620482194987206, -0.6611468578697665],
                  [0.9563181814625804, 0.26521146504214776, 0.1670809517900948],
                  [-0.6926475512657342, -0.9272209176284684, -0.7298063058210632],
                  [-1.6034674119341645, 0.4631678766714686, -0.6822331578109774]])
    W = np.zeros((4, 4))
    for (i, j), w in {(0, 2): 1.4776142587380947e-03, (0, 3): 2.9731789500074231e-04,
                      (1, 2): 2.5525692543740872e+04, (1, 3): 6.0368080094707886e+02,
                      (2, 3): 5.4608523019573058e+05}.items():
        W[i, j] = W[j, i] = w
    expected = _canonical_correlations_50_digits(X, W)
    for order in ([0, 1, 2, 3], [3, 2, 0, 1]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CollapseWarning)
            rep = bt.optimal_linear(X[order], W[np.ix_(order, order)], 3, constraint="whitened")
        np.testing.assert_allclose(rep.eigenvalues, expected, rtol=0, atol=1e-11)
        assert rep.loss == pytest.approx(bt.whitened_minimal_loss(expected, off_diagonal=5e-3), rel=1e-10)


@pytest.mark.parametrize("constraint", [None, "whitened"])
def test_linear_refuses_features_too_large_or_too_small_for_their_products(constraint):
    # the loss as written (K > 1) said "the rank of X^T D_G X ... is 0: the features are
    # constant" for both; now the messages of the whitened path and the other linear solvers
    X = np.random.default_rng(9).normal(size=(12, 3))
    G = graphs.from_groups(np.repeat(np.arange(6), 2))
    largest = np.abs(X).max() * 1e160
    with pytest.raises(ValueError, match=re.escape(
            f"X is finite but too large: the products of its columns overflow float64 (largest |x| = "
            f"{largest:.3g}); rescale it, e.g. X / np.abs(X).max() (a linear optimum's Z does not "
            f"depend on the units of X).")):
        bt.optimal_linear(X * 1e160, G, 2, constraint=constraint)
    with pytest.raises(ValueError, match=re.escape(
            f"X has columns too small for float64 products (column 0: largest |x| = "
            f"{np.abs(X[:, 0]).max() * 1e-200:.3g}; squares below 1e-292 lose digits); rescale them, "
            f"e.g. X / np.abs(X).max(axis=0) (a linear optimum's Z does not depend on the units of "
            f"each column).")):
        bt.optimal_linear(X * 1e-200, G, 2, constraint=constraint)
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match=re.escape("X contains NaN or inf; remove or impute those entries first.")):
        bt.optimal_linear(bad, G, 2, constraint=constraint)

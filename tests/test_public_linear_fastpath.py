"""The public linear closed forms (VICReg, spectral contrastive, Barlow Twins whitened) solved from the
one-pass D x D forms agree with an independent dense solve written here (issue #12, item 4).

Each reference is computed from N x D arrays in this file (SVD whitening, dense eigenproblems),
never by the code under test. Compared: the spans of the representations (principal angles
< 1e-8 rad), and the returned loss against the public loss of ``losses`` evaluated on the
returned ``Z`` (relative 1e-10) and against the optimal value of the reference.
Relations: pairing, groups of 4, groups of unequal sizes, a weighted general sparse graph;
features: generic, rank-deficient, and raw columns in units from 1e-6 to 1e6.
"""

import warnings

import numpy as np
import pytest
import scipy.linalg
import scipy.sparse as sp

from spectral_ssl import graphs, losses
from spectral_ssl.methods import barlow_twins, spectral_contrastive, vicreg

N, D, K = 360, 6, 3
HYPER = {"variance": 25.0, "covariance": 25.0, "invariance": 1.0}


def _relation(kind, rng):
    if kind == "pairing":
        return graphs.from_groups(np.tile(np.arange(N // 2), 2))
    if kind == "groups of 4":
        return graphs.from_groups(np.tile(np.arange(N // 4), 4))
    if kind == "unequal groups":
        sizes = np.array([2, 3, 5, 7, 2, 4, 6, 3] * 12)  # 384 samples, cut to N
        labels = np.repeat(np.arange(sizes.size), sizes)[:N]
        labels[-1] = labels[-2]  # no group of one at the end
        return graphs.from_groups(rng.permutation(labels))
    # a weighted general sparse graph: a 6-NN graph with random symmetric weights
    X3 = rng.standard_normal((N, 3))
    G = sp.triu(graphs.knn(X3, 6), 1).tocoo()
    G = sp.coo_matrix((rng.uniform(0.2, 3.0, G.nnz), (G.row, G.col)), shape=(N, N))
    return (G + G.T).tocsr()


def _features(kind, G, rng):
    """Features correlated with the relation (so that the spectrum has gaps), optionally degraded."""
    smooth = rng.standard_normal((N, D))
    for _ in range(2):  # averaging over neighbours: directions of different invariance
        smooth = smooth + 0.5 * (G @ smooth) / np.maximum(np.asarray(G.sum(axis=1)), 1e-12)
    X = smooth * np.linspace(1.0, 3.0, D) + 0.3 * rng.standard_normal((N, D)) + 5.0
    if kind == "rank-deficient":
        X[:, -1] = X[:, 0] - 2.0 * X[:, 1]  # rank D - 1 (centred)
        X[:, -2] = 7.0  # a constant column
    elif kind == "raw units":
        X = X * np.logspace(-6, 6, D)
    return X


def _whitened_basis(F, weights=None, rtol=1e-9, raw=None):
    """Columns spanning the range of F, orthonormal in the weighted inner product.

    ``raw``: the uncentred columns; a centred column below 1e-10 of its raw norm is a constant
    column's round-off and is dropped (standardising it would make a direction of it).
    """
    w = np.ones(F.shape[0]) if weights is None else weights
    # column-standardise first (unit-free), then the SVD of the weighted rows
    scale = np.linalg.norm(F, axis=0)
    if raw is not None:
        F = np.where(scale > 1e-10 * np.linalg.norm(raw, axis=0), F, 0.0)
        scale = np.linalg.norm(F, axis=0)
    scale[scale == 0] = 1.0
    U, S, Vt = np.linalg.svd(np.sqrt(w)[:, None] * (F / scale), full_matrices=False)
    keep = S > rtol * S[0]
    return (F / scale) @ (Vt[keep].T / S[keep])


def _angles(A, B):
    return float(np.max(scipy.linalg.subspace_angles(A, B)))


def _centred(Z):
    return Z - Z.mean(axis=0)


CASES = [(relation, features) for relation in ("pairing", "groups of 4", "unequal groups", "weighted graph")
         for features in ("generic", "rank-deficient", "raw units")]


def _problem(relation, features, seed=0):
    rng = np.random.default_rng(seed)
    G = _relation(relation, rng)
    return _features(features, G, rng), G


@pytest.mark.parametrize("relation,features", CASES)
def test_vicreg_fast_path_matches_a_dense_generalized_eigensolve(relation, features):
    X, G = _problem(relation, features)
    rep = vicreg.optimal_linear(X, G, K, **HYPER)
    # reference: A q = mu B q with A = X^T L X / N, B = Cov(X), through the SVD of the centred X
    d = np.asarray(G.sum(axis=1)).ravel()
    Y = _whitened_basis(X - X.mean(axis=0), raw=X)  # Y^T Y = I
    M = Y.T @ (d[:, None] * Y) - Y.T @ (G @ Y)
    mu, Q = np.linalg.eigh((M + M.T) / 2)
    assert mu[K] - mu[K - 1] > 1e-3 * mu[-1]  # a gap: the optimal span is unique
    assert _angles(_centred(rep.Z), Y @ Q[:, :K]) < 1e-8
    np.testing.assert_allclose(rep.eigenvalues, mu[:K], rtol=1e-8, atol=1e-12 * mu[-1])
    assert rep.loss == pytest.approx(losses.vicreg(rep.Z, G, **HYPER), rel=1e-10)
    # every column's variance t_k = 1 - gamma mu_k / alpha > 0 here: loss = sum over k of the
    # invariance it pays, 2 gamma t_k mu_k (square penalty, diagonal covariance), plus alpha (1 - t_k)^2
    t = 1.0 - HYPER["invariance"] * 2.0 * mu[:K] / (2.0 * HYPER["variance"])
    assert np.all(t > 0)
    expected = float(np.sum(HYPER["variance"] * (1 - t) ** 2 + 2 * HYPER["invariance"] * t * mu[:K]))
    assert rep.loss == pytest.approx(expected, rel=1e-10)
    assert rep.rank == K
    if features != "rank-deficient":
        assert rep.details["basis"] == "reductions"  # the fast path was the one taken


@pytest.mark.parametrize("relation,features", CASES)
def test_spectral_contrastive_fast_path_matches_a_dense_rayleigh_ritz(relation, features):
    X, G = _problem(relation, features)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the constant column: CollapseWarning
        rep = spectral_contrastive.optimal_linear(X, G, K)
    d = np.asarray(G.sum(axis=1)).ravel()
    vol = d.sum()
    # reference: Rayleigh-Ritz of D^-1/2 G D^-1/2 on span(D^1/2 [X, 1])
    F = np.column_stack([X - (d @ X) / vol, np.ones(N)])
    P = np.sqrt(d)[:, None] * _whitened_basis(F, d, raw=np.column_stack([X, np.ones(N)]))
    Abar = sp.diags(1 / np.sqrt(d)) @ G @ sp.diags(1 / np.sqrt(d))
    M = P.T @ (Abar @ P)
    nu, V = np.linalg.eigh((M + M.T) / 2)
    nu, V = nu[::-1], V[:, ::-1]
    assert nu[K - 1] - nu[K] > 1e-3
    Z_ref = (P @ V[:, :K]) / np.sqrt(d)[:, None]
    assert _angles(rep.Z, Z_ref) < 1e-8
    np.testing.assert_allclose(rep.eigenvalues, nu[:K], rtol=1e-10, atol=1e-12)
    assert rep.loss == pytest.approx(losses.spectral_contrastive(rep.Z, G), rel=1e-10)
    assert rep.loss == pytest.approx(-np.sum(np.maximum(nu[:K], 0) ** 2), rel=1e-10)


@pytest.mark.parametrize("centered", [True, False])
@pytest.mark.parametrize("relation,features", CASES)
def test_barlow_twins_whitened_fast_path_matches_a_dense_cca(relation, features, centered):
    X, G = _problem(relation, features)
    lam = 0.3  # < 1: the constant-diagonal rotation is part of the optimum
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # uncentred: the constant column (CollapseWarning)
        rep = barlow_twins.optimal_linear(X, G, K, constraint="whitened", off_diagonal=lam,
                                          centered=centered)
    d = np.asarray(G.sum(axis=1)).ravel()
    vol = d.sum()
    # reference CCA: F the D_G-centred features (uncentred: and the constant), D_G-orthonormal
    # basis Y, canonical correlations the eigenvalues of Y^T G Y
    F, raw = X - (d @ X) / vol, X
    if not centered:
        F, raw = np.column_stack([F, np.ones(N)]), np.column_stack([X, np.ones(N)])
    Y = _whitened_basis(F, d, raw=raw)
    M = Y.T @ (G @ Y)
    rho, V = np.linalg.eigh((M + M.T) / 2)
    rho, V = rho[::-1], V[:, ::-1]
    assert rho[K - 1] - rho[K] > 1e-3
    Z_ref = Y @ V[:, :K]
    Zc = rep.Z - (d @ rep.Z) / vol if centered else rep.Z
    assert _angles(Zc, Z_ref) < 1e-8
    np.testing.assert_allclose(rep.eigenvalues, rho[:K], rtol=1e-10, atol=1e-12)
    assert rep.loss == pytest.approx(losses.barlow_twins(rep.Z, G, off_diagonal=lam, centered=centered),
                                     rel=1e-10)
    # the whitened optimum: lam sum (1 - rho)^2 + (1 - lam) K (1 - mean rho)^2 (Schur-Horn)
    r = rho[:K]
    expected = lam * np.sum((1 - r) ** 2) + (1 - lam) * K * (1 - r.mean()) ** 2
    assert rep.loss == pytest.approx(expected, rel=1e-10)
    # columns D_G-orthonormal up to round-off: every scale 1
    np.testing.assert_allclose(rep.scales, np.ones(K), rtol=1e-9)
    Zw = Zc * np.sqrt(d)[:, None]
    s = np.linalg.svd(_centred(rep.Z), compute_uv=False)
    assert rep.rank == int(np.sum(s > 1e-6 * s[0]))
    assert np.allclose(Zw.T @ Zw / vol, np.eye(K), atol=1e-9)
    if features != "rank-deficient":
        assert rep.details["basis"] == "reductions"


@pytest.mark.parametrize("relation", ["unequal groups", "weighted graph"])
def test_barlow_twins_forms_and_feature_paths_agree(relation, monkeypatch):
    """The forms path against the N x D path of the same solver (forced by a condition limit of 1)."""
    from spectral_ssl.methods import _parametric

    X, G = _problem(relation, "generic", seed=3)
    fast = barlow_twins.optimal_linear(X, G, K, constraint="whitened")
    monkeypatch.setattr(_parametric, "CONDITION_LIMIT", 1.0)  # every basis from the features' SVD
    slow = barlow_twins.optimal_linear(X, G, K, constraint="whitened")
    assert (fast.details["basis"], slow.details["basis"]) == ("reductions", "features")
    assert _angles(_centred(fast.Z), _centred(slow.Z)) < 1e-8
    assert fast.loss == pytest.approx(slow.loss, rel=1e-10)
    np.testing.assert_allclose(fast.eigenvalues, slow.eigenvalues, rtol=1e-12)


def test_full_rank_from_scatter_decides_only_far_from_the_threshold():
    from spectral_ssl.methods import _contrastive_forms

    rng = np.random.default_rng(1)
    X = rng.standard_normal((500, 5)) * np.logspace(-6, 6, 5)  # raw units: the rule is unit-free
    S = (X - X.mean(axis=0)).T @ (X - X.mean(axis=0))
    W = rng.standard_normal((5, 3)) / np.logspace(-6, 6, 5)[:, None]
    assert _contrastive_forms.full_rank_from_scatter(W, S, 1e6) == 3
    # two columns 1e-3 apart: squared singular value ratio ~1e-6 < 1e-4, left to the SVD of Z
    W[:, 2] = W[:, 1] * (1 + 1e-3 * rng.standard_normal(5))
    assert _contrastive_forms.full_rank_from_scatter(W, S, 1e6) is None
    assert _contrastive_forms.full_rank_from_scatter(np.zeros((5, 2)), S, 1e6) is None


def test_barlow_twins_forms_loss_declines_when_its_round_off_bound_is_too_large():
    from spectral_ssl.methods import _barlow_solvers

    P = np.array([[2.0, 0.1], [0.1, 1.0]])
    Lam = np.array([[0.2, 0.05], [0.05, 0.1]])
    # C = (P - Lam) / sqrt(diag P diag P^T): C_11 = 0.9, C_22 = 0.9, C_12 = 0.05 / sqrt(2)
    expected = 0.1**2 + 0.1**2 + 0.5 * 2 * (0.05 / np.sqrt(2.0)) ** 2
    tiny = np.full((2, 2), 1e-20)
    assert _barlow_solvers.forms_loss(P, Lam, tiny, 0.5) == pytest.approx(expected, rel=1e-14)
    assert _barlow_solvers.forms_loss(P, Lam, np.full((2, 2), 1e-9), 0.5) is None
    assert _barlow_solvers.forms_loss(np.diag([1.0, 0.0]), Lam, tiny, 0.5) is None  # a zero column

"""Units and scales: the classical methods of spectral_ssl.spectral against references computed
at another scale or in standardised coordinates (scipy / numpy eigh on explicitly formed
matrices, QR/SVD), never by the code under test.

LPP and CCA are unit-free (a column rescaled by any factor leaves the eigenvalues and the
embedding unchanged); classical MDS, Isomap and kernel PCA are scale-equivariant
(:math:`Y(sX) = sY(X)`, eigenvalues :math:`s^2\\nu`).
"""

import numpy as np
import pytest
import scipy.linalg as sla

from spectral_ssl import spectral

from graph_fixtures import max_angle


def _cycle(N):
    G = np.roll(np.eye(N), 1, 1)
    return G + G.T


def _lpp_reference(X, G, K):
    """scipy's generalized eigh of X^T L X a = lambda X^T D_G X a, on column-standardised X."""
    Xs = X / np.linalg.norm(X, axis=0)
    d = G.sum(1)
    L = np.diag(d) - G
    values, vectors = sla.eigh(Xs.T @ L @ Xs, Xs.T @ (d[:, None] * Xs))
    return values[:K], Xs @ vectors[:, :K]


# --------------------------------------------------------------------------- LPP (review F2)


@pytest.mark.parametrize("K", [2, 4])
def test_lpp_does_not_depend_on_the_units_of_the_features(K):
    # Before: columns in units [1e-6, 1, 1e3, 1e6] gave eigenvalues [0.8226, 1.1068] instead of
    # [0.6176, 0.9191], and K = 4 was refused as "rank 2" (a cut at 1e-10 of the largest
    # eigenvalue of X^T D_G X in raw units).
    rng = np.random.default_rng(1)
    N = 40
    G = _cycle(N)
    X = rng.standard_normal((N, 4))
    X -= X.mean(0)
    S = np.array([1e-6, 1.0, 1e3, 1e6])
    ref_values, ref_embedding = _lpp_reference(X, G, K)
    Y, lam, A = spectral.locality_preserving_projections(X, G, K)
    Ys, lams, As = spectral.locality_preserving_projections(X * S, G, K)
    np.testing.assert_allclose(lam, ref_values, rtol=1e-9)
    np.testing.assert_allclose(lams, ref_values, rtol=1e-9)
    assert np.max(sla.subspace_angles(Ys, ref_embedding)) < 1e-8
    assert np.max(sla.subspace_angles(Ys, Y)) < 1e-8
    # the directions scale with the units: A(XS) = S^-1 A(X)
    np.testing.assert_allclose(As * S[:, None], A, rtol=1e-7, atol=1e-9 * np.abs(A).max())
    if K == 2:
        np.testing.assert_allclose(lams, [0.61759808, 0.91910854], rtol=1e-8)


def test_lpp_of_breast_cancer_features_is_unit_free():
    # Raw breast-cancer features (std 3e-3 .. 5e2) on a 6-NN graph: before, [0.00074, 0.0762, 0.1937]
    # against [0.000394, 0.0699, 0.1815] in standardised units.
    from sklearn.datasets import load_breast_cancer
    from sklearn.neighbors import kneighbors_graph

    X = load_breast_cancer().data[:150]
    Xstd = (X - X.mean(0)) / X.std(0)
    G = kneighbors_graph(Xstd, 6).toarray()
    G = np.maximum(G, G.T)
    ref_values, ref_embedding = _lpp_reference(X, G, 3)
    Y, lam, A = spectral.locality_preserving_projections(X, G, 3)
    np.testing.assert_allclose(lam, ref_values, rtol=1e-8)
    assert np.max(sla.subspace_angles(Y, ref_embedding)) < 1e-6


def test_lpp_with_offset_features_is_solved_not_refused():
    # X + 1e6 (every column): before, K >= 2 was refused as "rank 1". The span of X' = X + 1e6 is
    # spanned exactly by X'_1 and the differences X'_j - X'_1 (computed without round-off), a
    # well-conditioned basis for scipy's reference.
    rng = np.random.default_rng(1)
    N = 40
    G = _cycle(N)
    Xo = rng.standard_normal((N, 4)) + 1e6
    basis = np.c_[Xo[:, :1], Xo[:, 1:] - Xo[:, :1]]
    ref_values, ref_embedding = _lpp_reference(basis, G, 4)
    Y, lam, A = spectral.locality_preserving_projections(Xo, G, 4)
    np.testing.assert_allclose(lam, ref_values, rtol=1e-7, atol=1e-12)
    assert np.max(sla.subspace_angles(Y, ref_embedding)) < 1e-7


# --------------------------------------------------------------------------- CCA (review F3)


def _qr_cca(X, Y):
    """Canonical correlations and left variates: QR of the centred, column-standardised views, SVD of Qx^T Qy."""
    def q(M):
        Mc = M - M.mean(0)
        return np.linalg.qr(Mc / np.linalg.norm(Mc, axis=0))[0]
    Qx, Qy = q(X), q(Y)
    P, rho, _ = np.linalg.svd(Qx.T @ Qy)
    return rho, Qx @ P


def test_cca_of_raw_breast_cancer_views_is_unit_free():
    # Raw features (std 3e-3 .. 5e2) split into two views: before, rho_1 = 0.94176407 against
    # 0.94221991 (a cut at 1e-10 of the largest covariance eigenvalue in raw units).
    from sklearn.datasets import load_breast_cancer

    X = load_breast_cancer().data[:200]
    Xa, Ya = X[:, :10], X[:, 10:20]
    ref_rho, ref_variates = _qr_cca(Xa, Ya)
    A, B, rho = spectral.cca(Xa, Ya, 3)
    np.testing.assert_allclose(rho, ref_rho[:3], rtol=1e-9)
    np.testing.assert_allclose(rho[0], 0.94221991, rtol=1e-8)
    for k in range(3):  # simple correlations: each variate is determined up to sign
        assert max_angle((Xa - Xa.mean(0)) @ A[:, [k]], ref_variates[:, [k]]) < 1e-7


@pytest.mark.parametrize("units", [[1e-6, 1.0, 1e6], [1.0, 1e-9, 1e9]])
def test_cca_does_not_depend_on_per_column_units(units):
    # Before: columns in units [1e-6, 1, 1e6] made K = 3 "larger than the smaller rank of the two
    # views' covariances (1)".
    rng = np.random.default_rng(4)
    X = rng.standard_normal((40, 3))
    Y = X @ rng.standard_normal((3, 3)) + 0.5 * rng.standard_normal((40, 3))
    S = np.array(units)
    ref_rho, ref_variates = _qr_cca(X, Y)
    A, B, rho = spectral.cca(X, Y, 3)
    As, Bs, rhos = spectral.cca(X * S, Y / S[::-1], 3)
    np.testing.assert_allclose(rhos, ref_rho, rtol=1e-9)
    np.testing.assert_allclose(rhos, rho, rtol=1e-9)
    np.testing.assert_allclose(As * S[:, None], A, rtol=1e-7, atol=1e-9 * np.abs(A).max())
    np.testing.assert_allclose(Bs / S[::-1][:, None], B, rtol=1e-7, atol=1e-9 * np.abs(B).max())
    for k in range(3):
        assert max_angle((X - X.mean(0)) @ A[:, [k]], ref_variates[:, [k]]) < 1e-8


# --------------------------------------------------------------------------- MDS scales (review F1, F5)


def _mds_reference(D, K):
    """numpy eigh of B = -1/2 H D^2 H, formed explicitly: top K eigenvalues and eigenvectors."""
    N = D.shape[0]
    H = np.eye(N) - 1.0 / N
    w, V = np.linalg.eigh(-0.5 * H @ D**2 @ H)
    return w[::-1][:K], V[:, ::-1][:, :K]


def _points(seed=2, N=30):
    X = np.random.default_rng(seed).standard_normal((N, 3))
    return X, np.sqrt(((X[:, None] - X[None]) ** 2).sum(-1))


@pytest.mark.parametrize("scale", [1e-8, 1e-12, 1e8])
def test_classical_mds_and_kernel_pca_are_scale_equivariant(scale):
    # Before, at scale 1e-8: eigenvalues / s^2 = [32.321, 25.830] against [32.598, 26.380] and
    # the first direction 0.55 in cosine off (an absolute +1.0 in the shift of the eigensolve).
    X, D = _points()
    ref_values, ref_vectors = _mds_reference(D, 2)
    for kind, M in [("distance", D * scale), ("features", X * scale),
                    ("gram", (X * scale) @ (X * scale).T)]:
        Y, nu = spectral.classical_mds(M, 2, kind=kind)
        np.testing.assert_allclose(nu / scale**2, ref_values, rtol=1e-9, err_msg=kind)
        for k in range(2):  # simple eigenvalues: each column is determined up to sign
            assert max_angle(Y[:, [k]], ref_vectors[:, [k]]) < 1e-8, kind
        np.testing.assert_allclose(np.sum(Y**2, axis=0) / scale**2, ref_values, rtol=1e-9)
    Y, nu = spectral.kernel_pca(X * scale, 2, kernel="linear")
    np.testing.assert_allclose(nu / scale**2, ref_values, rtol=1e-9)
    assert max_angle(Y, ref_vectors) < 1e-8


@pytest.mark.parametrize("scale", [1e-8, 1e-12, 1e8])
def test_isomap_is_scale_equivariant_at_moderate_scales(scale):
    # Before, at 1e-8: nu / s^2 = [45.46, 33.78] instead of [46.34, 33.86]. Reference: numpy eigh
    # of -1/2 H D^2 H of the unit-scale geodesics (scipy shortest_path on sklearn's kNN graph).
    from scipy.sparse.csgraph import shortest_path
    from sklearn.neighbors import kneighbors_graph

    X, _ = _points()
    geodesic = shortest_path(kneighbors_graph(X, 6, mode="distance"), directed=False)
    ref_values, ref_vectors = _mds_reference((geodesic + geodesic.T) / 2, 2)
    Y, nu = spectral.isomap(X * scale, 2, n_neighbors=6)
    np.testing.assert_allclose(nu / scale**2, ref_values, rtol=1e-9)
    for k in range(2):
        assert max_angle(Y[:, [k]], ref_vectors[:, [k]]) < 1e-8


@pytest.mark.parametrize("scale", [1e155, 1e-160])
def test_classical_mds_beyond_squared_overflow(scale):
    # Before, at 1e155: "M contains NaN or inf." (the squares overflowed) with RuntimeWarnings.
    x = np.array([0.0, 1.0, 3.0])
    D = np.abs(x[:, None] - x[None, :])
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for M, kind in [(D * scale, "distance"), (x[:, None] * scale, "features")]:
            Y, nu = spectral.classical_mds(M, 1, kind=kind)
            np.testing.assert_allclose(Y[:, 0] / scale, [-4 / 3, -1 / 3, 5 / 3], rtol=1e-12)
            # the eigenvalue 14/3 s^2 itself is not representable: inf (1e310) or subnormal (4.7e-320)
            if scale > 1:
                assert nu[0] == np.inf
            else:
                assert 0.0 <= nu[0] < np.finfo(float).tiny

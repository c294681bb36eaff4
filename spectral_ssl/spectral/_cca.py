r"""Canonical correlation analysis, the equivalent of linear Barlow Twins."""

import numpy as np
import scipy.linalg

from .. import linalg
from .._validation import check_features, check_n_components, check_scalar
from ._common import power_of_two_scale, range_whitener


def cca(X_left, X_right, n_components, *, regularization=0.0):
    r"""Canonical correlation analysis (Hotelling 1936).

    With centred inputs :math:`X_c, Y_c` and (biased, :math:`1/N`) covariances
    :math:`C_{xx} = X_c^\top X_c/N + rI`, :math:`C_{yy} = Y_c^\top Y_c/N + rI`,
    :math:`C_{xy} = X_c^\top Y_c/N` (:math:`r` = ``regularization``), find
    directions maximising :math:`a^\top C_{xy} b` subject to
    :math:`a^\top C_{xx} a = b^\top C_{yy} b = 1`, each pair uncorrelated with
    the previous ones. Solved by whitening and an SVD: with
    :math:`T_x^\top C_{xx} T_x = I` and :math:`T_y^\top C_{yy} T_y = I` on the
    ranges of the covariances,

    .. math:: T_x^\top C_{xy} T_y = P\,\operatorname{diag}(\rho)\,Q^\top,
              \qquad A = T_x P,\quad B = T_y Q .

    Equivalently :math:`C_{xy} C_{yy}^{-1} C_{yx} a = \rho^2 C_{xx} a`. A
    singular covariance (more features than samples, collinear or constant
    features) is handled on its range: the directions have no component in
    its null space. Linear Barlow Twins with within-view whitening solves this
    problem (Balestriero and LeCun 2022, section 3.4).

    With :math:`r = 0` the whitening and the rank are unit-free, as the correlations are:
    :math:`T_x = \sqrt N\,T R^{-1}` with :math:`T` from
    :func:`spectral_ssl.linalg.feature_basis` (singular values of the centred,
    column-standardised view above :math:`\max(N, D)\,\epsilon` of the largest, or of the
    centring round-off) and :math:`X_c T = Q_x R` a QR re-orthonormalisation, so
    :math:`T_x^\top C_{xy} T_y = Q_x^\top Q_y`; rescaling any column of either view leaves
    :math:`\rho` and the variates unchanged. With :math:`r > 0` the ridge fixes the units:
    :math:`T_x = V_r S_r^{-1/2}` from the eigenpairs of :math:`C_{xx}` above ``RANK_RTOL``
    (1e-10) of the largest (none is below unless :math:`r < 10^{-10}\lambda_{max}`).

    Parameters
    ----------
    X_left : array_like, shape (N, D_left)
    X_right : array_like, shape (N, D_right)
        The two views; row ``i`` of each describes the same sample.
    n_components : int, 1 <= K <= min(rank C_xx, rank C_yy)
    regularization : float >= 0
        :math:`r`, added to both covariances (canonical ridge). With
        :math:`r > 0` the covariances are invertible and ``correlations`` are
        the ridge criterion :math:`a^\top C_{xy} b`, no longer the plain
        correlation of the variates.

    Returns
    -------
    directions_left : ndarray, shape (D_left, K)
        :math:`A`; the canonical variates are :math:`X_c A` (unit variance with :math:`r=0`).
    directions_right : ndarray, shape (D_right, K)
        :math:`B`; variates :math:`Y_c B`.
    correlations : ndarray, shape (K,)
        :math:`\rho_1 \ge \dots \ge \rho_K \ge 0`. The sign rule applies to the
        left variates :math:`X_c A`; the right directions flip with them, so
        every :math:`\rho_k` stays non-negative.

    Examples
    --------
    A view and a noisy linear copy of its first feature:

    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0], [0.5, 0.5]])
    >>> A, B, rho = cca(X, 2 * X[:, :1], 1)
    >>> np.round(rho, 12).tolist()
    [1.0]
    """
    X = check_features(X_left, name="X_left")
    Y = check_features(X_right, name="X_right")
    if X.shape[0] != Y.shape[0]:
        raise ValueError(
            f"X_left has {X.shape[0]} rows but X_right has {Y.shape[0]}; both views must describe "
            f"the same samples in the same order."
        )
    r = check_scalar(regularization, name="regularization", low=0.0)
    N = X.shape[0]
    Xc, Yc = linalg.center(X), linalg.center(Y)
    # Covariances of entries beyond ~1e154 overflow: each view is divided by an exact power of two
    # s (with r / s^2), which leaves the correlations and the variates unchanged and divides the
    # directions by s (mapped back below).
    sx, sy = power_of_two_scale(Xc), power_of_two_scale(Yc)
    if r == 0.0:
        # unit-free (a raw cut at 1e-10 of the largest covariance eigenvalue dropped columns in
        # small units: rho_1 0.94176 instead of 0.94222 on raw breast-cancer views, review F3)
        Tx, Ux = orthonormal_variates(X / sx, name="X_left")
        Ty, Uy = orthonormal_variates(Y / sy, name="X_right")
        Tx, Ty = np.sqrt(N) * Tx, np.sqrt(N) * Ty
        M = Ux.T @ Uy
    else:
        Xc, Yc = Xc / sx, Yc / sy
        Cxx = Xc.T @ Xc / N + (r / sx / sx) * np.eye(X.shape[1])
        Cyy = Yc.T @ Yc / N + (r / sy / sy) * np.eye(Y.shape[1])
        Tx = range_whitener(Cxx, name="X_left")
        Ty = range_whitener(Cyy, name="X_right")
        M = Tx.T @ (Xc.T @ Yc / N) @ Ty
    K = check_n_components(
        n_components, min(Tx.shape[1], Ty.shape[1]),
        what="the smaller rank of the two views' covariances",
    )
    P, rho, Qt = np.linalg.svd(M, full_matrices=False)
    Q = Qt.T
    # Repeated correlations: a basis-independent choice inside each cluster,
    # rotating the right singular vectors with the left ones.
    # clusters cut at the accuracy of the SVD too: correlations it resolved are not mixed
    residuals = np.hypot(np.linalg.norm(M @ Q - P * rho, axis=0), np.linalg.norm(M.T @ P - Q * rho, axis=0))
    for cluster in linalg.eigenvalue_clusters(-rho, residuals=residuals, scale=rho[0] if rho.size else 1.0):
        if cluster.stop - cluster.start > 1:
            block = P[:, cluster]
            rotation = block.T @ linalg.canonical_basis(block)
            P[:, cluster] = block @ rotation
            Q[:, cluster] = Q[:, cluster] @ rotation
    A, B = Tx @ P[:, :K], Ty @ Q[:, :K]
    _, A, B = linalg.sign_flip_with(linalg.center(X / sx) @ A, A, B)
    return A / sx, B / sy, rho[:K]


def orthonormal_variates(X, *, name):
    r"""``(T, Q)``: :math:`X_c T = Q` with orthonormal columns, on the unit-free range of the centred ``X``.

    :math:`T_0` from :func:`spectral_ssl.linalg.feature_basis` (its rank rule), then one QR step
    :math:`X_c T_0 = Q R`, :math:`T = T_0 R^{-1}`, so that :math:`Q` is orthonormal to round-off.
    """
    T, _ = linalg.feature_basis(X)
    if T.shape[1] == 0:
        raise ValueError(f"{name} has no variance (every feature is constant); give varying features.")
    centred = linalg.zero_constant_columns(X - X.mean(axis=0), X)
    Q, R = np.linalg.qr(centred @ T)
    return scipy.linalg.solve_triangular(R, T.T, trans="T").T, Q

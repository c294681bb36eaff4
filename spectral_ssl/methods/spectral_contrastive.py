r"""Spectral contrastive learning is a normalised spectral embedding (kernel PCA of the graph; global).

**Theorem** (Balestriero and LeCun 2022, section 3.2; the loss is HaoChen et
al. 2021). With :math:`d = G\mathbf 1`, :math:`\operatorname{vol} = \sum_i d_i`
and :math:`u_i = \sqrt{d_i/\operatorname{vol}}\, z_i`, the spectral contrastive loss

.. math::

    \mathcal L(Z) = -\frac{2}{\operatorname{vol}}\operatorname{tr}(Z^\top G Z)
    + \frac{1}{\operatorname{vol}^2}\lVert Z^\top D_G Z\rVert_F^2
    = \lVert U U^\top - \bar A\rVert_F^2 - \lVert\bar A\rVert_F^2,
    \qquad \bar A = D_G^{-1/2} G D_G^{-1/2},

is a low-rank approximation problem. By Eckart-Young (for the symmetric
:math:`\bar A` and the positive semi-definite :math:`UU^\top`) the minimiser is

.. math::

    U^\star = V_K \operatorname{diag}\big(\sqrt{\max(0, \nu_k)}\big),
    \qquad z_i^\star = \sqrt{\operatorname{vol}/d_i}\; u_i^\star,

with :math:`\nu_1 \ge \dots \ge \nu_K` the largest eigenvalues of :math:`\bar A`
and :math:`V_K` their eigenvectors (any rotation :math:`U^\star R` is optimal
too), and the minimal loss is :math:`-\sum_{k\le K}\max(0, \nu_k)^2`. The
rank of :math:`Z^\star` is :math:`\#\{k \le K: \nu_k > 0\}`. Since
:math:`\bar A = I - L_{sym}`, :math:`D_G^{-1/2}V_K` are the eigenvectors of
:math:`L u = (1 - \nu) D_G u`: the **normalised spectral embedding** (what
scikit-learn's ``SpectralEmbedding`` returns, which drops the trivial vector
:math:`\nu_1 = 1`, :math:`z \propto \mathbf 1`, of a connected graph), i.e. the
**kernel PCA** of the (uncentred) kernel :math:`\bar A`. All pairs enter the loss
through :math:`\bar A`: a global method.

**Linear regime** :math:`Z = XW + \mathbf 1 b^\top`. Then
:math:`U = D_G^{1/2}[X, \mathbf 1]\,[W; b^\top]/\sqrt{\operatorname{vol}}` ranges over
all matrices whose columns lie in :math:`S = \operatorname{col}(D_G^{1/2}[X, \mathbf 1])`
(the constant column makes the bias part of the optimisation). With
:math:`P` an orthonormal basis of :math:`S` and :math:`U = PY`,
:math:`\lVert PYY^\top P^\top - \bar A\rVert^2 = \lVert YY^\top - P^\top\bar A P\rVert^2
+ \lVert\bar A\rVert^2 - \lVert P^\top \bar A P\rVert^2` (the cross term vanishes),
so Eckart-Young on :math:`P^\top\bar A P` is exact for the linear problem:
minimal loss :math:`-\sum_{k\le K}\max(0,\nu'_k)^2` with :math:`\nu'` the
eigenvalues of :math:`P^\top\bar A P` (Rayleigh-Ritz of :math:`\bar A` on :math:`S`).
**Kernel regime**: :math:`X \to K_X`; with a full-rank Gram matrix
:math:`S = \mathbb R^N` and the result is the non-parametric optimum.

Sign rule and degenerate eigenspaces: the eigenvectors follow
:mod:`spectral_ssl.linalg`'s canonical basis, and each column of ``Z`` gets
its largest-\|.\| entry positive (``W``, ``A`` and ``bias`` flip with it).
"""

import numpy as np

from .. import linalg, memory
from .._validation import (check_features, check_graph, check_n_components, check_no_isolated,
                           check_scalar)
from ..losses import _spectral_contrastive_value_and_gradient
from ._result import KernelRepresentation, LinearRepresentation, Representation

NAME = "spectral_contrastive"

#: Eigenvalues :math:`\nu_k` at or below this count as non-positive (a zero column).
RANK_TOL = 1e-9


def loss_and_gradient(Z, G):
    """The exact loss and its gradient for an already validated CSR ``G`` (used by certify)."""
    degrees = np.asarray(G.sum(axis=1)).ravel()
    return _spectral_contrastive_value_and_gradient(Z, G, degrees)


def minimal_loss(eigenvalues):
    r"""Eckart-Young minimal loss :math:`-\sum_k \max(0, \nu_k)^2` of the eigenvalues used.

    Examples
    --------
    >>> minimal_loss([1.0, 0.5, -0.2])
    -1.25
    """
    nu = np.asarray(eigenvalues, dtype=np.float64)
    if nu.ndim != 1 or not np.all(np.isfinite(nu)):
        raise ValueError("eigenvalues must be a 1-D array of finite numbers.")
    return float(-np.sum(np.maximum(nu, 0.0) ** 2))


def _rank(nu):
    return int(np.sum(nu > RANK_TOL))


def _canonical_descending(nu, vectors):
    """Canonical basis inside degenerate clusters (descending eigenvalues) and the sign rule."""
    vectors = vectors.copy()
    for cluster in linalg.eigenvalue_clusters(-nu):
        if cluster.stop - cluster.start > 1:
            vectors[:, cluster] = linalg.canonical_basis(vectors[:, cluster])
    return linalg.sign_flip(vectors)


def optimal_representation(G, n_components, *, solver="auto"):
    r"""Optimal non-parametric spectral contrastive representation (exact, Eckart-Young).

    :math:`z_i = \sqrt{\operatorname{vol}/d_i}\,u_i`,
    :math:`U = V_K\operatorname{diag}(\sqrt{\max(0,\nu_k)})`, with :math:`(\nu_k, V_K)`
    the :math:`K` largest eigenpairs of :math:`\bar A = D_G^{-1/2}GD_G^{-1/2}`
    (computed as the smallest of :math:`L_{sym} = I - \bar A`).

    Parameters
    ----------
    G : relation graph, shape (N, N)
        No isolated sample (``ValueError``: its representation would be undetermined).
    n_components : int, 1 <= K <= N
    solver : {"auto", "dense", "arpack", "lobpcg"}
        See :func:`spectral_ssl.linalg.smallest_eigenpairs`.

    Returns
    -------
    Representation
        ``eigenvalues`` :math:`\nu_1 \ge \dots \ge \nu_K`; ``scales``
        :math:`\sqrt{\max(0,\nu_k)}` (singular values of :math:`U`); ``rank``
        :math:`\#\{\nu_k > 0\}`; ``details["minimal_loss"]`` the Eckart-Young value.
        For a connected graph the first column is the constant 1 (:math:`\nu_1 = 1`).

    Examples
    --------
    Three disjoint pairs: :math:`\bar A` has eigenvalues 1 (three times) and -1.

    >>> import numpy as np
    >>> from spectral_ssl import graphs
    >>> rep = optimal_representation(graphs.from_groups([0, 0, 1, 1, 2, 2]), 4)
    >>> rep.rank, round(rep.loss, 12)
    (3, -3.0)
    """
    G = check_graph(G)
    N = G.shape[0]
    K = check_n_components(n_components, N, what="the number of samples N")
    d = np.asarray(G.sum(axis=1)).ravel()
    check_no_isolated(d, method="spectral contrastive",
                      why=" (z_i = sqrt(vol/d_i) u_i divides by 0)")
    vol = float(d.sum())
    lam, V = linalg._smallest_eigenpairs(linalg._laplacian(G, "normalized"), K, solver=solver)
    nu = np.minimum(1.0 - lam, 1.0)  # round-off above the bound nu <= 1
    scales = np.sqrt(np.maximum(nu, 0.0))
    (Z,) = linalg.sign_flip_with(np.sqrt(vol) * (V * scales) / np.sqrt(d)[:, None])
    return Representation(
        Z=Z, loss=loss_and_gradient(Z, G)[0], rank=_rank(nu), eigenvalues=nu, scales=scales,
        exact=True, method=NAME, equivalent="normalized spectral embedding (kernel PCA of D^-1/2 G D^-1/2)",
        regime="nonparametric", hyperparameters={},
        details={"minimal_loss": minimal_loss(nu), "volume": vol},
    )


def _linear_solution(features, G, K, rank_rtol, what):
    r"""Eckart-Young restricted to :math:`S = \operatorname{col}(D_G^{1/2}[X_c, \mathbf 1])`.

    Returns ``(W, bias, Z, nu, details)`` with :math:`Z = XW + \mathbf 1 b^\top`.
    """
    N, p = features.shape
    d = np.asarray(G.sum(axis=1)).ravel()
    vol = float(d.sum())
    mean = features.mean(axis=0)
    centred = linalg.zero_constant_columns(features - mean, features)
    # The constant column is scaled like the features' leading direction (root mean
    # square), so that the relative threshold below does not depend on the units of X:
    # with a plain column of ones, X * 1e-6 lost every feature direction and X * 1e6
    # lost the bias.
    top = np.linalg.norm(centred, ord=2) / np.sqrt(N) if np.any(centred) else 1.0
    design = np.hstack([centred, np.full((N, 1), top)])  # same span as [X, 1]
    sqrt_d = np.sqrt(d)
    Us, S, Vt = np.linalg.svd(sqrt_d[:, None] * design, full_matrices=False)
    keep = S**2 > rank_rtol * S[0] ** 2
    r = int(np.sum(keep))
    K = check_n_components(K, r, what=what)
    P = Us[:, :r]
    inv_sqrt_d = np.divide(1.0, sqrt_d, out=np.zeros_like(sqrt_d), where=d > 0)
    AP = inv_sqrt_d[:, None] * (G @ (inv_sqrt_d[:, None] * P))
    small = P.T @ AP
    nu, Q = np.linalg.eigh((small + small.T) / 2)
    nu, Q = nu[::-1], Q[:, ::-1]
    V = _canonical_descending(nu, P @ Q)[:, :K]  # orthonormal, in S
    nu = np.minimum(nu[:K], 1.0)
    scales = np.sqrt(np.maximum(nu, 0.0))
    Y = P.T @ (V * scales)  # U = P Y
    # Z = sqrt(vol) D^{-1/2} U = sqrt(vol) design Vr S_r^{-1} Y  (P = D^{1/2} design Vr S_r^{-1})
    coefficients = np.sqrt(vol) * (Vt[:r].T / S[:r]) @ Y
    W = coefficients[:p]
    bias = top * coefficients[p] - mean @ W
    Z, W, bias = linalg.sign_flip_with(features @ W + bias, W, bias)
    details = {"minimal_loss": minimal_loss(nu), "volume": vol, "subspace_dimension": r}
    return W, bias, Z, nu, scales, details


def optimal_linear(X, G, n_components, *, rank_rtol=1e-10):
    r"""Optimal linear spectral contrastive parameters :math:`Z = XW + \mathbf 1 b^\top` (exact).

    Rayleigh-Ritz of :math:`\bar A` on :math:`S = \operatorname{col}(D_G^{1/2}[X, \mathbf 1])`
    (orthonormal basis :math:`P`): :math:`U = P Y`, :math:`YY^\top` the best
    positive semi-definite rank-:math:`K` approximation of :math:`P^\top\bar A P`.
    ``W`` has no component in the null space of the centred features (the
    minimum-norm choice); the bias is optimised with ``W``. Isolated samples are
    allowed (they do not enter the loss and are mapped through ``X``).

    Parameters
    ----------
    X : array_like, shape (N, D)
    G : relation graph, shape (N, N)
    n_components : int, 1 <= K <= dim S (at most D + 1)
    rank_rtol : float
        Directions of :math:`D_G^{1/2}[X_c, c\mathbf 1]` whose squared singular value is
        below ``rank_rtol`` times the largest are treated as absent (:math:`c` = the
        root mean square of the leading direction of :math:`X_c`, so that the
        threshold does not depend on the units of ``X``).

    Returns
    -------
    LinearRepresentation
        ``eigenvalues`` :math:`\nu'_1 \ge \dots \ge \nu'_K` of :math:`P^\top \bar A P`.
    """
    G = check_graph(G)
    X = check_features(X, name="X", n_samples=G.shape[0])
    rank_rtol = check_scalar(rank_rtol, name="rank_rtol", low=0.0, low_inclusive=False, high=1.0)
    W, bias, Z, nu, scales, details = _linear_solution(
        X, G, n_components, rank_rtol,
        what="the dimension of span(D^1/2 [X, 1]) (features plus the constant)")
    return LinearRepresentation(
        Z=Z, W=W, bias=bias, loss=loss_and_gradient(Z, G)[0], rank=_rank(nu), eigenvalues=nu,
        scales=scales, exact=True, method=NAME,
        equivalent="linear spectral embedding (Rayleigh-Ritz of D^-1/2 G D^-1/2 on the feature span)",
        hyperparameters={}, details=details,
    )


def optimal_kernel(X, G, n_components, *, kernel="rbf", bandwidth=None, degree=3, coef0=1.0,
                   rank_rtol=1e-10):
    r"""Optimal kernel spectral contrastive :math:`Z = K_X A + \mathbf 1 b^\top` (exact).

    The linear regime with the features replaced by the Gram matrix :math:`K_X`:
    :math:`S = \operatorname{col}(D_G^{1/2}[K_X, \mathbf 1])`. When :math:`K_X` has full
    rank (rbf kernel, distinct samples) :math:`S = \mathbb R^N` and the training
    representation is the non-parametric optimum; the kernel then only
    defines the out-of-sample extension :math:`k(x, X)A + b`.

    Parameters
    ----------
    X : array_like, shape (N, D)
    G : relation graph, shape (N, N)
    n_components : int
    kernel : {"rbf", "linear", "polynomial"} or callable ``k(X, Y) -> ndarray``
    bandwidth, degree, coef0 :
        See :func:`spectral_ssl.linalg.make_kernel`.
    rank_rtol : float
        Eigenvalues of :math:`K_X` below ``rank_rtol`` times the largest are dropped
        (:func:`spectral_ssl.linalg.kernel_range_basis`); centred directions of their
        eigenvectors with singular value below it too
        (:func:`spectral_ssl.linalg.centred_range_basis`); then the threshold of
        :func:`optimal_linear`.

    Returns
    -------
    KernelRepresentation
    """
    memory.check_pairwise(X, call="spectral_contrastive.optimal_kernel", copies=4, alternative=memory.KERNEL_ALTERNATIVE)
    G = check_graph(G)
    X = check_features(X, name="X", n_samples=G.shape[0])
    rank_rtol = check_scalar(rank_rtol, name="rank_rtol", low=0.0, low_inclusive=False, high=1.0)
    k = linalg.make_kernel(X, kernel, bandwidth=bandwidth, degree=degree, coef0=coef0)
    gram = np.asarray(k(X, X), dtype=np.float64)
    if gram.shape != (X.shape[0], X.shape[0]) or not np.all(np.isfinite(gram)):
        raise ValueError("kernel(X, X) must return a finite (N, N) matrix.")
    # Work in the eigenbasis K_X = V diag(s) V^T (Z = K_X A = V C, A = V diag(1/s) C): the same
    # span, without the conditioning of K_X itself.
    s, V = linalg.kernel_range_basis(gram, rank_rtol=rank_rtol)
    # An orthonormal basis of the centred span, thresholded on singular values (see
    # linalg.centred_range_basis: the constant can lie almost in span(V)).
    U, M = linalg.centred_range_basis(V, rank_rtol=rank_rtol)
    C, bias, Z, nu, scales, details = _linear_solution(
        U, G, n_components, rank_rtol,
        what="the dimension of span(D^1/2 [K_X, 1]) (kernel matrix plus the constant)")
    C = M @ C  # Z = U C' + b' = V (M C') + (b' - mean(V) M C')
    bias = bias - V.mean(axis=0) @ C
    A = V @ (C / s[:, None])
    details["kernel"] = repr(k)
    return KernelRepresentation(
        Z=Z, A=A, bias=bias, X_fit=X, kernel=k, loss=loss_and_gradient(Z, G)[0],
        rank=_rank(nu), eigenvalues=nu, scales=scales, exact=True, method=NAME,
        equivalent="kernel spectral embedding (Rayleigh-Ritz of D^-1/2 G D^-1/2 on the kernel span)",
        hyperparameters={}, details=details,
    )

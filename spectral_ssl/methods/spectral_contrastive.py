r"""Spectral contrastive learning is a normalised spectral embedding (normalised Laplacian eigenmap).

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
**kernel PCA** of the (uncentred) kernel :math:`\bar A`. The repulsion over all pairs
is an orthogonality penalty; the optimum sees the samples only through :math:`G`: it is
local on a sparse :math:`G` (kNN, views, labels: a normalised Laplacian eigenmap, like
VICReg's Laplacian Eigenmaps) and global only for a dense :math:`G` such as a Gaussian
kernel on distances. ``rank`` is :func:`spectral_ssl.linalg.representation_rank`: the
constant column of :math:`\nu_1 = 1` does not count (a ``CollapseWarning`` says so).

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

from .. import linalg
from .._threads import single_threaded_blas
from .._validation import check_graph, check_n_components, check_no_isolated, check_scalar
from .._relations import LabelRelation, check_relation
from ..forms import feature_reductions
from ..losses import spectral_contrastive_value_and_gradient
from . import _contrastive_forms, _parametric
from ._collapse import warn_if_collapsed, without_roundoff
from ._names import DISPLAY_NAMES
from ._result import KernelRepresentation, LinearRepresentation, Representation

NAME = "spectral_contrastive"
SHOWN = DISPLAY_NAMES[NAME]  #: the method's name in messages

#: The linear regime solves from the :math:`D\times D` reductions of
#: :func:`spectral_ssl.forms.feature_reductions` when the Jacobi-scaled (correlation) forms of
#: the plain and of the :math:`D_G`-weighted scatter of the features both have a
#: condition number at most this: their eigenvalues are then known to about
#: ``eps * GRAM_CONDITION_LIMIT`` (2e-10) relative, and every direction is far above the
#: rank threshold of :func:`spectral_ssl.linalg.feature_basis`. Otherwise the basis is
#: computed from the features themselves (an :math:`N\times D` SVD), which resolves
#: directions down to that threshold.
GRAM_CONDITION_LIMIT = 1e6

#: How far (a factor) every direction must be above the rank threshold of
#: :func:`spectral_ssl.linalg.feature_basis` for the reductions to decide the rank.
RANK_MARGIN = 1e3


def loss_and_gradient(Z, G, *, degrees=None):
    """The exact loss and gradient for a validated CSR ``G`` (used by certify); ``degrees``: its row sums, if known."""
    degrees = linalg.degrees(G, check_input=False) if degrees is None else degrees
    return spectral_contrastive_value_and_gradient(Z, G, degrees)


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


def _normalised_graph(G, d=None):
    """``G / max(G)`` and its degrees (``d / max(G)`` from the degrees ``d`` of ``G`` when given, finite and
    at least 2**-970 = tiny / eps: as accurate), the optimum not depending on the scale of ``G``; weights
    at most 1 keep the degrees and the volume finite and nonzero for weights in 1e-310..1e308."""
    top = float(G.data.max()) if G.nnz else 0.0
    if top == 0.0:
        raise ValueError(f"G has no edge: the {SHOWN} loss divides by the volume "
                         f"sum(G) = 0. Give G at least one positive weight.")
    # the index arrays are shared with G (read only here): only the weights are new
    Gn = type(G)((G.data / top, G.indices, G.indptr), shape=G.shape)
    if d is not None and np.all(np.isfinite(d)) and np.min(d) >= 2.0**-970:
        return Gn, d / top
    return Gn, linalg.degrees(Gn, check_input=False)  # d overflowed, or sums of subnormal weights


def _warn_collapse(rank, nu, K, regime):
    """CollapseWarning naming why the optimum has fewer than K informative directions."""
    positive = int(np.sum(nu > 0))
    reasons = []
    if positive < K:
        reasons.append(
            f"nu_k <= 0 for k > {positive}: the normalised adjacency D^-1/2 G D^-1/2"
            + (" restricted to the feature span" if regime != "nonparametric" else "")
            + f" has only {positive} positive eigenvalue(s) among its {K} largest, and a "
            f"non-positive nu_k gives a zero column (the loss only rewards nu_k > 0)")
    if rank < positive:
        reasons.append(
            f"{positive - rank} direction(s) are constant over the samples: nu_1 = 1 is the "
            f"trivial eigenvector D^1/2 1, whose column z = 1 carries no information")
    fix = (f"Ask for n_components={K + 1} to get {K} informative directions."
           if positive >= K else
           f"At most {max(positive - 1, 1)} informative direction(s) exist for this G; a denser "
           f"relation (more positive pairs) has more positive eigenvalues.")
    warn_if_collapsed(rank, K, method=f"{SHOWN} ({regime})",
                      condition="; ".join(reasons), fix=fix)


def optimal_representation(G, n_components, *, solver="auto"):
    r"""Optimal non-parametric spectral contrastive representation (exact, Eckart-Young).

    :math:`z_i = \sqrt{\operatorname{vol}/d_i}\,u_i`,
    :math:`U = V_K\operatorname{diag}(\sqrt{\max(0,\nu_k)})`, with :math:`(\nu_k, V_K)`
    the :math:`K` largest eigenpairs of :math:`\bar A = D_G^{-1/2}GD_G^{-1/2}`
    (computed as the smallest of :math:`L_{sym} = I - \bar A`).

    Parameters
    ----------
    G : relation graph, shape (N, N), or graphs.LabelRelation
        No isolated sample (``ValueError``: its representation would be undetermined).
        The implicit label relation is solved from its closed-form spectrum
        (:func:`spectral_ssl.linalg.label_laplacian_eigenpairs`: :math:`\nu = 1` on the
        classes, :math:`-1/(n_c - 1)` beyond, whose columns are zero) in :math:`O(NK)`.
    n_components : int, 1 <= K <= N
    solver : {"auto", "dense", "arpack", "lobpcg"}
        See :func:`spectral_ssl.linalg.smallest_eigenpairs`.

    Returns
    -------
    Representation
        ``eigenvalues`` :math:`\nu_1 \ge \dots \ge \nu_K`; ``scales``
        :math:`\sqrt{\max(0,\nu_k)}` (singular values of :math:`U`); ``rank``
        :func:`spectral_ssl.linalg.representation_rank` of ``Z``: the columns with
        :math:`\nu_k > 0`, less one for the constant vector that the trivial
        eigenvector :math:`\nu_1 = 1` puts in their span. For a connected graph the
        first column is the constant 1, so ``rank <= K - 1`` and a
        :class:`~spectral_ssl.exceptions.CollapseWarning` says so (ask for
        ``K + 1`` components to get ``K`` informative ones); it also names
        :math:`\nu_k \le 0` (fewer positive eigenvalues than ``K``) when that
        zeroes columns. ``details["minimal_loss"]`` the Eckart-Young value.

    Examples
    --------
    Three disjoint pairs: :math:`\bar A` has eigenvalues 1 (three times) and -1;
    the three component indicators span the constant, so two directions inform.

    >>> import warnings
    >>> import numpy as np
    >>> from spectral_ssl import graphs
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     rep = optimal_representation(graphs.from_groups([0, 0, 1, 1, 2, 2]), 4)
    >>> rep.rank, round(rep.loss, 12), rep.eigenvalues.round(12).tolist()
    (2, -3.0, [1.0, 1.0, 1.0, -1.0])
    """
    G = check_relation(G)  # CSR, or graphs.LabelRelation (spectrum in closed form, O(N K))
    N = G.shape[0]
    K = check_n_components(n_components, N, what="the number of samples N")
    d = linalg.degrees(G, check_input=False)
    check_no_isolated(d, method=SHOWN,
                      why=" (z_i = sqrt(vol/d_i) u_i divides by 0)")
    if isinstance(G, LabelRelation):
        Gn, dn = G.scaled(1.0 / G.weight), d / G.weight
        lam, V = linalg.label_laplacian_eigenpairs(Gn, K, kind="normalized", deflate=False)
    else:
        Gn, dn = _normalised_graph(G, d)
        # deflate=False: the trivial eigenvector D^1/2 1 (nu = 1) is one of the K kept; a graph
        # with at least K components (pairs, groups) is solved in closed form, without an eigensolver
        lam, V = linalg.laplacian_eigenpairs(Gn, K, kind="normalized", deflate=False, solver=solver,
                                             check_input=False, degrees=dn)
    nu = np.minimum(1.0 - lam, 1.0)  # round-off above the bound nu <= 1
    scales = np.sqrt(without_roundoff(nu))
    vol = float(dn.sum())
    Z = np.sqrt(vol) * (V * scales) / np.sqrt(dn)[:, None]
    # the trivial eigenvector gives z = 1 up to round-off: make it exactly constant, so that
    # the rank does not count round-off as a direction
    mean = Z.mean(axis=0)
    (Z,) = linalg.sign_flip_with(linalg.zero_constant_columns(Z - mean, Z) + mean)
    rank = linalg.representation_rank(Z)
    _warn_collapse(rank, nu, K, "nonparametric")
    return Representation(
        Z=Z, loss=loss_and_gradient(Z, G, degrees=d)[0], rank=rank, eigenvalues=nu, scales=scales,
        exact=True, method=NAME, equivalent="normalized spectral embedding (kernel PCA of D^-1/2 G D^-1/2)",
        regime="nonparametric", hyperparameters={},
        details={"minimal_loss": minimal_loss(nu), "volume": float(d.sum())},
    )


# --------------------------------------------------------------------------- linear regime


def _jacobi_condition(M):
    """Eigenvalues (ascending) of the Jacobi-scaled ``M`` and the scale; None if a diagonal is 0."""
    diag = np.diag(M)
    if np.any(diag <= 0):
        return None, None
    scale_ = np.sqrt(diag)
    Ms = M / np.outer(scale_, scale_)
    values, vectors = np.linalg.eigh((Ms + Ms.T) / 2)
    return (values, vectors), scale_


def _basis_from_reductions(features, Gn, dn):
    r"""Whitening ``T``, Ritz matrix and weighted mean from :func:`spectral_ssl.forms.feature_reductions`, or None.

    With :math:`Y = X - \mathbf 1 m^\top` (:math:`m` the :math:`D_G`-weighted mean of
    ``features``, returned in their own coordinates), :math:`T^\top Y^\top D_G Y T = I` and
    :math:`M = T^\top Y^\top G Y T`, :math:`Y^\top G Y = Y^\top D_G Y - X^\top L X`.
    The forms come from one pass over the raw features (group sums and contrasts when
    ``G`` is a union of cliques), without a centred copy. None when the forms cannot
    decide the rank or resolve every direction (see ``GRAM_CONDITION_LIMIT``,
    ``RANK_MARGIN``); the caller then uses the features.
    """
    N, p = features.shape
    red = feature_reductions(features, Gn, graph_checked=True, degrees=dn)
    with single_threaded_blas():  # D x D (D up to N for kernels): 1 thread, benchmarks/results/blas_threads.md
        gram_diag = np.diag(red.gram)
        active = np.flatnonzero(np.diag(red.scatter) > (linalg.CONSTANT_RTOL**2) * gram_diag)
        if active.size == 0:
            return None
        sub = np.ix_(active, active)
        plain, norms = _jacobi_condition(red.scatter[sub])
        if plain is None:
            return None
        s2 = plain[0]
        if s2[0] < s2[-1] / GRAM_CONDITION_LIMIT:
            return None
        # feature_basis's threshold on the standardised singular values sqrt(s2), with its
        # centring term max_i |x_ij| / n_j bounded above by sqrt(gram_jj) / n_j
        magnitude = np.sqrt(gram_diag[active]) / norms
        tol = max(N, p) * linalg.FEATURE_RANK_EPS * max(np.sqrt(s2[-1]),
                                                        np.sqrt(N) * np.max(magnitude))
        if np.sqrt(s2[0]) <= RANK_MARGIN * tol:
            return None
        B = red.weighted_scatter[sub]  # Y^T D Y
        A = B - red.laplacian_form[sub]  # Y^T G Y (Y^T L Y = X^T L X)
        weighted, scale_ = _jacobi_condition((B + B.T) / 2)
        if weighted is None:
            return None
        e, V = weighted
        if e[0] < e[-1] / GRAM_CONDITION_LIMIT:
            return None
        T = np.zeros((p, active.size))
        T[active] = V / np.sqrt(e) / scale_[:, None]
        M = T[active].T @ A @ T[active]
    mean = red.degree_sums / red.volume
    forms = {"active": active, "plain": (s2, plain[1], norms), "scale": scale_,
             "B": B / np.outer(scale_, scale_), "A": A / np.outer(scale_, scale_),
             "volume": red.volume, "relation": red.details["relation"]}
    return T, (M + M.T) / 2, mean, "reductions", forms


def _basis_from_features(features, centred, Gn, dn):
    """The same from the features: :func:`spectral_ssl.linalg.feature_basis`, then the D_G-weighted SVD."""
    N = centred.shape[0]
    T0, _ = linalg.feature_basis(features)
    vol = float(dn.sum())
    mean = dn @ centred / vol
    Y = (centred - mean) @ T0
    # centred once more: sum_i d_i y_i = 0 makes sqrt(d) orthogonal to the columns of
    # sqrt(d) Y, a structural zero singular value whenever the linked samples span no more
    # than the features (isolated samples); the round-off of one centring, amplified by T0,
    # left it above the threshold below (2.5e-15 against 1.8e-15 of S_1 at N = 8, D = 7,
    # where W reached 1e16); the second leaves the residual at the round-off of Y itself
    Y -= (dn @ Y) / vol
    if T0.shape[1] == 0:
        return T0, np.zeros((0, 0)), mean, "features"
    _, S, Vt = np.linalg.svd(np.sqrt(dn)[:, None] * Y, full_matrices=False)
    # directions with no D_G-weighted norm (carried by isolated samples only) are not in S
    keep = S > max(N, T0.shape[1]) * linalg.FEATURE_RANK_EPS * S[0] if S.size and S[0] > 0 \
        else np.zeros(S.shape, bool)
    R = Vt[keep].T / S[keep]
    Y = Y @ R
    M = Y.T @ (Gn @ Y)
    return T0 @ R, (M + M.T) / 2, mean, "features"


def _linear_solution(features, G, K, what, degrees=None):
    r"""Eckart-Young restricted to :math:`S = \operatorname{col}(D_G^{1/2}[X, \mathbf 1])`.

    :math:`S` is spanned by :math:`D_G^{1/2}\mathbf 1` and :math:`D_G^{1/2} Y T` with
    :math:`Y = X - \mathbf 1 m^\top` centred by the :math:`D_G`-weighted mean, so
    that the two blocks are orthogonal and :math:`P^\top\bar A P = \operatorname{diag}(1, M)`.
    Returns ``(W, bias, Z, nu, scales, details)`` with :math:`Z = XW + \mathbf 1 b^\top`.
    ``degrees``: the row sums of ``G`` when the caller has them (the kernel regime's loss needs them).
    """
    N, p = features.shape
    Gn, dn = _normalised_graph(G, degrees)
    vol = float(dn.sum())
    basis = _basis_from_reductions(features, Gn, dn)
    centred = None
    forms = None
    if basis is None:
        mean = features.mean(axis=0)
        centred = linalg.zero_constant_columns(features - mean, features)
        T, M, weighted_mean, path = _basis_from_features(features, centred, Gn, dn)
        weighted_mean = weighted_mean + mean  # in the coordinates of the features
    else:
        T, M, weighted_mean, path, forms = basis
    r = T.shape[1]
    K = check_n_components(K, r + 1, what=what)
    with single_threaded_blas():  # D x D (D up to N for kernels): 1 thread, benchmarks/results/blas_threads.md
        values, Q = np.linalg.eigh(M) if r else (np.zeros(0), np.zeros((0, 0)))
        residuals = np.concatenate([[0.0], np.linalg.norm(M @ Q - Q * values, axis=0)])  # constant: exact
        C = np.zeros((p, r + 1))  # every direction on the features and the constant: zeta = X C + c
        c = np.zeros(r + 1)
        c[0] = 1.0  # the constant direction, nu = 1
        C[:, 1:] = np.sqrt(vol) * (T @ Q)
        c[1:] = -weighted_mean @ C[:, 1:]
        nu = np.concatenate([[1.0], values])
        order = np.argsort(-nu, kind="stable")
        nu, C, c, residuals = nu[order], C[:, order], c[order], residuals[order]
        C, c = _canonical_clusters(nu, C, c, features, dn, vol, K, residuals, linalg.matrix_scale(M) if r else 1)
        nu = np.minimum(nu[:K], 1.0)
        scales = np.sqrt(without_roundoff(nu))
        W = C[:, :K] * scales
        bias = c[:K] * scales
        Z = _parametric.affine_columns(features, W, bias)
        Z, W, bias = _parametric.sign_rule(Z, W, bias)
        details = {"minimal_loss": minimal_loss(nu), "volume": float(np.asarray(G.sum())),
                   "subspace_dimension": r + 1, "basis": path}
        if forms is not None:
            # rank and loss from the D x D forms (O(D^2 K)) instead of an N x K SVD and the
            # sparse products of the loss; both equal their values on Z (tested)
            details["rank_from_forms"] = _contrastive_forms.rank_from_forms(W, forms)
            details["loss_from_forms"] = _contrastive_forms.loss_from_forms(W, bias, weighted_mean, forms)
    return W, bias, Z, nu, scales, details


def _canonical_clusters(nu, C, c, features, dn, vol, K, residuals, scale):
    """Canonical basis of every degenerate cluster among the first K (cut by residuals: LAPACK's accuracy)."""
    for cluster in linalg.eigenvalue_clusters(-nu, residuals=residuals, scale=scale):
        if cluster.start >= K:
            break
        if cluster.stop - cluster.start > 1:
            # the orthonormal vectors u = D^1/2 zeta / sqrt(vol) of the cluster
            U = np.sqrt(dn / vol)[:, None] * (features @ C[:, cluster] + c[cluster])
            R = U.T @ linalg.canonical_basis(U)  # orthogonal: same span, orthonormal bases
            C[:, cluster], c[cluster] = C[:, cluster] @ R, c[cluster] @ R
    return C, c


def optimal_linear(X, G, n_components):
    r"""Optimal linear spectral contrastive parameters :math:`Z = XW + \mathbf 1 b^\top` (exact).

    Rayleigh-Ritz of :math:`\bar A` on :math:`S = \operatorname{col}(D_G^{1/2}[X, \mathbf 1])`
    (orthonormal basis :math:`P`): :math:`U = P Y`, :math:`YY^\top` the best
    positive semi-definite rank-:math:`K` approximation of :math:`P^\top\bar A P`.
    With :math:`Y = X_c - \mathbf 1 m^\top` centred by the :math:`D_G`-weighted mean,
    :math:`D_G^{1/2}\mathbf 1 \perp D_G^{1/2}Y`, so :math:`P^\top\bar A P` is
    :math:`1` (the constant, :math:`\nu = 1`) beside the pencil
    :math:`(Y^\top G Y, Y^\top D_G Y)`. ``W`` has no component in the null space of
    the centred features (the minimum-norm choice); the bias is optimised with
    ``W``. Isolated samples are allowed (they do not enter the loss and are
    mapped through ``X``).

    **Rank rule (unit-free).** The feature directions are those of
    :func:`spectral_ssl.linalg.feature_basis` (singular values of the centred,
    column-standardised features above ``max(N, D) * eps`` times the largest: the
    rank of ``numpy.linalg.matrix_rank``, whatever the units of each column), less
    any direction with no :math:`D_G`-weighted norm (carried by isolated samples
    only). :func:`spectral_ssl.certify.certify` searches the same span.

    **Cost.** When every direction is well resolved (``GRAM_CONDITION_LIMIT``), one
    pass of :func:`spectral_ssl.forms.feature_reductions` (:math:`X^\top D_G X`,
    :math:`X^\top G X`, :math:`X^\top d`, :math:`\operatorname{vol}`) and
    :math:`D\times D` algebra, the same cost as linear VICReg; otherwise an
    :math:`N\times D` SVD (``details["basis"]`` says which).

    Parameters
    ----------
    X : array_like, shape (N, D)
    G : relation graph, shape (N, N)
    n_components : int, 1 <= K <= dim S (at most rank(X_c) + 1)

    Returns
    -------
    LinearRepresentation
        ``eigenvalues`` :math:`\nu'_1 \ge \dots \ge \nu'_K` of :math:`P^\top \bar A P`
        (:math:`\nu'_1 = 1`, the constant); ``rank`` as in
        :func:`optimal_representation` (the constant column does not count, and a
        :class:`~spectral_ssl.exceptions.CollapseWarning` says so).

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from spectral_ssl import graphs
    >>> X = np.random.default_rng(0).normal(size=(40, 3))
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     rep = optimal_linear(X, graphs.knn(X, 5), 3)
    >>> rep.exact, rep.rank, rep.details["basis"]
    (True, 2, 'reductions')
    """
    G = check_graph(G)
    X = _parametric.float_features(X, G.shape[0])
    W, bias, Z, nu, scales, details = _linear_solution(
        X, G, n_components,
        what="the dimension of span(D^1/2 [X, 1]) (features plus the constant)")
    rank, loss = details.pop("rank_from_forms", None), details.pop("loss_from_forms", None)
    if rank is None:
        with single_threaded_blas():  # N x K work: BLAS threads only synchronise
            rank = linalg.representation_rank(Z)
            loss = loss_and_gradient(Z, G)[0]
    _warn_collapse(rank, nu, Z.shape[1], "linear")
    return LinearRepresentation(
        Z=Z, W=W, bias=bias, loss=loss, rank=rank, eigenvalues=nu,
        scales=scales, exact=True, method=NAME,
        equivalent="linear spectral embedding (Rayleigh-Ritz of D^-1/2 G D^-1/2 on the feature span)",
        hyperparameters={}, details=details,
    )


def optimal_kernel(X, G, n_components, *, kernel="rbf", bandwidth=None, degree=3, coef0=1.0,
                   rank_rtol=None):
    r"""Optimal kernel spectral contrastive :math:`Z = K_X A + \mathbf 1 b^\top` (exact).

    The linear regime with the features replaced by the Gram matrix :math:`K_X`:
    :math:`S = \operatorname{col}(D_G^{1/2}[K_X, \mathbf 1])`. When :math:`K_X` has full
    rank (rbf kernel, distinct samples) :math:`S = \mathbb R^N` and the training
    representation is the non-parametric optimum; the kernel then only
    defines the out-of-sample extension :math:`k(x, X)A + b`.
    :math:`K_X` is symmetrised or refused by :func:`spectral_ssl.methods.vicreg.optimal_kernel`'s symmetry rule.

    Parameters
    ----------
    X : array_like, shape (N, D)
    G : relation graph, shape (N, N)
    n_components : int
    kernel : {"rbf", "linear", "polynomial"} or callable ``k(X, Y) -> ndarray``
    bandwidth, degree, coef0 :
        See :func:`spectral_ssl.linalg.make_kernel`.
    rank_rtol : float, optional
        Eigenvalues of :math:`K_X` below ``rank_rtol`` times the largest are dropped
        (default :math:`N\epsilon`, the numerical rank: :func:`spectral_ssl.linalg.kernel_range_basis`);
        centred directions of their eigenvectors with singular value below it (default 1e-10) too
        (:func:`spectral_ssl.linalg.centred_range_basis`); then the unit-free rule of
        :func:`optimal_linear`.

    Returns
    -------
    KernelRepresentation
    """
    X, G = _parametric.kernel_inputs(X, G, call="spectral_contrastive.optimal_kernel")
    if rank_rtol is not None:
        rank_rtol = check_scalar(rank_rtol, name="rank_rtol", low=0.0, low_inclusive=False, high=1.0)
    k, gram = _parametric.kernel_gram(X, kernel, bandwidth, degree, coef0)
    # Z = K_X A = V C in the eigenbasis of K_X, solved in U, an orthonormal basis of its centred span
    s, V, U, M = _parametric.kernel_basis(gram, rank_rtol=rank_rtol)
    d = linalg.degrees(G, check_input=False)  # once: the solve's and the loss's
    C, bias, Z, nu, scales, details = _linear_solution(
        U, G, n_components,
        what="the dimension of span(D^1/2 [K_X, 1]) (kernel matrix plus the constant)", degrees=d)
    details.pop("rank_from_forms", None)  # rank and loss of the kernel Z are taken from Z below
    details.pop("loss_from_forms", None)
    A, bias = _parametric.kernel_coefficients(C, bias, V, s, M)
    details["kernel"] = repr(k)
    rank = linalg.representation_rank(Z)
    _warn_collapse(rank, nu, Z.shape[1], "kernel")
    return KernelRepresentation(
        Z=Z, A=A, bias=bias, X_fit=X, kernel=k, loss=loss_and_gradient(Z, G, degrees=d)[0],
        rank=rank, eigenvalues=nu, scales=scales, exact=True, method=NAME,
        equivalent="kernel spectral embedding (Rayleigh-Ritz of D^-1/2 G D^-1/2 on the kernel span)",
        hyperparameters={}, details=details,
    )

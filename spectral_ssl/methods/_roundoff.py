r"""Round-off repairs of a linear or kernel VICReg optimum, each proven not to raise the loss.

* :func:`decorrelate`: rotate ``Z`` to the eigenvectors of its covariance, so that a large
  covariance weight does not multiply the whitening basis' round-off;
* :func:`component_constant`: make columns of zero Dirichlet energy exactly constant on the
  connected components, so that a large invariance weight does not multiply ``eps^2``, only
  where the constant columns are still :math:`XW' + b'` (:func:`reachable_component_constant`).
"""

import numpy as np
import scipy.linalg
from scipy.sparse.csgraph import connected_components

from .._relations import LabelRelation
from ._parametric import affine_columns


def decorrelate(Z, *coefficients):
    r"""Rotate the columns of ``Z`` (and the coefficients) so that its centred covariance is diagonal.

    With :math:`Z_c = Z - \mathbf 1\bar z^\top` and :math:`Z_c^\top Z_c = V\Lambda V^\top`
    (eigenvalues descending), returns :math:`ZV` and every coefficient times :math:`V`:
    the same span, the same variances, and off-diagonal covariances at the round-off of
    the product :math:`ZV` (a few eps times the largest variance) instead of that of the
    whitening basis (1e-11 and more). Why: with covariance :math:`\beta \ge \alpha` the
    optimum's covariance is diagonal, and :math:`\beta` multiplies the squares of these
    off-diagonal entries; the rotation never raises the loss, since
    :math:`\alpha\sum_k(1-C_{kk})^2 + \beta\sum_{k\ne l}C_{kl}^2 =
    \alpha\sum_k(1-\lambda_k)^2 + (\beta-\alpha)\sum_{k\ne l}C_{kl}^2` and the invariance
    term is rotation-invariant. Column signs are arbitrary afterwards (apply the sign rule).
    """
    # Z^T Z - N m m^T without an N x K centred copy: the solvers' Z = XW + b is centred up
    # to round-off (b = -mean(X) W), so nothing cancels
    mean = Z.mean(axis=0)
    C = Z.T @ Z - Z.shape[0] * np.outer(mean, mean)
    _, V = np.linalg.eigh((C + C.T) / 2)
    V = V[:, ::-1]
    # (V^T Z^T)^T: the rotated Z in the column-major order of Z = XW + b (the sign rule and
    # the loss reduce over columns, about 10 times slower on a row-major N x K array)
    return ((V.T @ Z.T).T, *(c @ V for c in coefficients))


def decorrelating_rotation(W, covariance):
    r"""The rotation :math:`V` of :func:`decorrelate` from the covariance of the features, without ``Z``.

    For :math:`Z = XW + \mathbf 1 b^\top` the centred covariance of ``Z`` is
    :math:`W^\top\operatorname{Cov}(X)W` (the bias drops out), so :math:`V` (eigenvectors
    descending) comes from :math:`D\times D` forms already reduced and ``Z`` is formed once,
    as :math:`X(WV) + \mathbf 1 (V^\top b)^\top`. Why it is as good as from ``Z``: with ``Cov(X)``
    from the forms whose basis passed :func:`spectral_ssl.methods._parametric.whitening`
    (condition number of the correlation matrix at most 1e6), the product has the
    round-off of length-:math:`D` sums (unit-free in Jacobi scaling), of the order of the
    round-off of :math:`Z^\top Z` over :math:`N` rows; the same loss identity holds, so the
    rotation never raises the loss.
    """
    C = W.T @ covariance @ W
    _, V = np.linalg.eigh((C + C.T) / 2)
    return V[:, ::-1]


def affine_decorrelated(X, W, bias, rotate, covariance=None):
    r""":math:`Z = XW + \mathbf 1 b^\top` (``_parametric.affine_columns``), rotated as :func:`decorrelate` when ``rotate``.

    With ``covariance`` (:math:`\operatorname{Cov}(X)` from the forms) the rotation comes from
    :func:`decorrelating_rotation` and ``Z`` is formed once, already rotated; without it, from
    ``Z`` (:func:`decorrelate`). Returns ``(Z, W, bias)``.
    """
    if rotate and covariance is not None:  # no N x K pass for the rotation
        V = decorrelating_rotation(W, covariance)
        W, bias = W @ V, bias @ V
    Z = affine_columns(X, W, bias)
    if rotate and covariance is None:
        Z, W, bias = decorrelate(Z, W, bias)
    return Z, W, bias


def degree_bound(G):
    r""":math:`2\,\max_i \#\{j: G_{ij} \ne 0\}\,\max G_{ij} \ge 2\max_i d_i`, in :math:`O(N)` plus a maximum over the weights.

    An upper bound of the bound :math:`2\max_i d_i` of :math:`\lambda_{max}(L)` (equal for one
    weight): a test ``mu <= rtol * degree_bound(G)`` that fails needs no degrees (a sparse row sum).
    Not a sparse matrix (a ``graphs.LabelRelation``, whose degrees cost :math:`O(N)`): infinity,
    so that the caller takes the degrees.
    """
    if isinstance(G, LabelRelation):
        return float("inf")
    return 2.0 * float(np.max(np.diff(G.indptr))) * float(G.data.max()) if G.nnz else 0.0


#: A column of Z within this (relative, centred norms) of constant on every connected component
#: is a candidate for :func:`component_constant`.
COMPONENT_RTOL = 1e-9


def component_constant(Z, G):
    r"""``Z`` with its columns that are constant on every component up to ``COMPONENT_RTOL`` made exactly so.

    Such a column is the round-off of a direction of zero Dirichlet energy
    (:math:`Lz = 0`, the indicators of the connected components); its computed entries
    differ by a few eps within a component, and an invariance weight :math:`\gamma` pays
    :math:`\frac{\gamma}{N}\sum_{ij}G_{ij}(z_i - z_j)^2` for that. Replacing it by its
    component means :math:`Pz` (orthogonal projection, computed entry by entry, so every
    entry of a component is the same number) gives an energy of exactly 0 and moves the
    column by at most ``COMPONENT_RTOL`` of its norm. Returns ``(Z', changed)``; the caller
    keeps ``Z'`` only if its loss is not higher (the move also touches the covariances) and
    it is still :math:`XW' + b'` (:func:`reachable_component_constant`).
    """
    n_comp, labels = ((G.n_classes, G.codes) if isinstance(G, LabelRelation)
                      else connected_components(G, directed=False))
    if n_comp < 2 or Z.shape[1] == 0:
        return Z, False
    counts = np.bincount(labels, minlength=n_comp).astype(np.float64)
    means = np.column_stack([np.bincount(labels, weights=Z[:, k], minlength=n_comp)
                             for k in range(Z.shape[1])])
    projected = (means / counts[:, None])[labels]
    spread = np.linalg.norm(Z - Z.mean(axis=0), axis=0)
    residual = np.linalg.norm(Z - projected, axis=0)
    snap = (residual > 0) & (residual <= COMPONENT_RTOL * spread)
    if not np.any(snap):
        return Z, False
    out = Z.copy()
    out[:, snap] = projected[:, snap]
    return out, True


#: :func:`affine_refit` accepts a residual up to this times ``(D + 2) eps`` times the column
#: norm of :math:`|X - \bar x|\,|W'|` (the a priori round-off of forming :math:`XW' + b'`).
REACH_FACTOR = 4.0


def _reaches(X, centred, Z, W, bias):
    """Whether every centred column of ``affine_columns(X, W, bias) - Z`` is within the bound of :func:`affine_refit`."""
    error = affine_columns(X, W, bias) - Z
    residual = np.linalg.norm(error - error.mean(axis=0), axis=0)
    bound = REACH_FACTOR * (X.shape[1] + 2) * np.finfo(float).eps * np.linalg.norm(
        np.abs(centred) @ np.abs(W), axis=0)
    return bool(np.all(residual <= bound))


def affine_refit(X, Z, T, mean, W=None, bias=None):
    r"""``(W', b')`` with :math:`XW' + \mathbf 1 b'^\top = Z` to round-off, or None when no such pair exists.

    The given ``(W, bias)`` when they reach ``Z`` (then ``transform(X)`` is the computed ``Z``
    before the snap, bit for bit), else least squares on the whitened centred features
    :math:`U = (X - \mathbf 1\bar x^\top)T` (well conditioned: ``T`` of the solver's basis),
    :math:`W' = Tc`, :math:`b' = \bar z - \bar x^\top W'`. Reaching means: every centred column
    of :math:`XW' + b' - Z` is at most ``REACH_FACTOR (D + 2) eps`` times the norm of
    :math:`|X - \bar x|\,|w'_k|`, the a priori bound of the rounding of that product. The
    constant row left is the rounding of :math:`b'` (one ulp of :math:`\bar x^\top W'`, 4e-10 of
    Z for features at 1e6), which the centred loss does not see and no float64 ``b'`` removes.
    """
    centred = X - mean
    if W is not None and _reaches(X, centred, Z, W, bias):
        return W, bias
    c = scipy.linalg.lstsq(centred @ T, Z - Z.mean(axis=0), check_finite=False)[0]
    W = T @ c
    bias = Z.mean(axis=0) - mean @ W
    return (W, bias) if _reaches(X, centred, Z, W, bias) else None


def reachable_component_constant(X, Z, W, bias, G, T, mean, loss):
    r"""``(Z', W', b')`` from :func:`component_constant` when it changed ``Z``, is :math:`XW' + b'` and lowers ``loss``; else None.

    A column within ``COMPONENT_RTOL`` of the component indicators is round-off of a zero
    Dirichlet energy only when the indicators' combination is in :math:`\operatorname{span}[X, \mathbf 1]`;
    views that differ by a real 1e-9 (mu = 4e-18, accurate) give such a column too, and
    snapping it returned a Z that no (W, b) reaches, with a loss 22% below the optimum. So the
    snapped Z is kept only if :func:`affine_refit` reaches it (and ``loss(Z') <= loss(Z)``).
    """
    snapped, changed = component_constant(Z, G)
    if not changed or loss(snapped) > loss(Z):
        return None
    fitted = affine_refit(X, snapped, T, mean, W, bias)
    return None if fitted is None else (snapped, *fitted)

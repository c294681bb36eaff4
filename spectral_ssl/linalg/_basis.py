r"""The sign and degenerate-basis rules that make every returned eigenvector deterministic.

* **Sign rule** (:func:`sign_flip`): the entry of largest absolute value of each column is
  positive; entries within a relative ``SIGN_TIE_RTOL`` of it are tied and the first decides.
* **Degenerate eigenspaces** (:func:`canonical_basis`, :func:`canonicalise`): consecutive
  eigenvalues form one cluster when their gap is within a relative ``DEGENERACY_RTOL`` and,
  when the residuals of the pairs are given, within ``DEGENERACY_RESIDUALS`` times the sum
  of their accuracies (:func:`eigenvalue_clusters`); the cluster's basis is the
  Gram-Schmidt orthonormalisation of :math:`P e_{p_1}, P e_{p_2}, \dots` with greedily
  chosen pivots; it depends on the eigenspace only.
"""

import numpy as np

from . import _settings


def column_signs(vectors):
    r"""The sign of :func:`sign_flip` for each column of a 2-D float array (+1 or -1; no copy).

    With :math:`\tau_k = (1 - \text{rtol})\max_i |v_{ik}|`, an entry of each sign reaches
    :math:`\tau_k` exactly when :math:`\max_i v_{ik} \ge \tau_k` and
    :math:`-\min_i v_{ik} \ge \tau_k`: two reductions decide every column, and only a column
    with entries of both signs within the tie (an antisymmetric column) is searched for its first
    such row. A zero column keeps its sign (+1).

    Examples
    --------
    >>> import numpy as np
    >>> column_signs(np.array([[1.0, 0.5, -1.0], [-3.0, 0.2, 1.0 + 1e-12]])).tolist()
    [-1.0, 1.0, -1.0]
    """
    if vectors.shape[0] == 0:
        return np.ones(vectors.shape[1])
    high, low = vectors.max(axis=0), -vectors.min(axis=0)
    top = np.maximum(high, low)
    tie = (1 - _settings.SIGN_TIE_RTOL) * top
    signs = np.where(high >= low, 1.0, -1.0)
    for k in np.flatnonzero((top > 0) & (high >= tie) & (low >= tie)):
        first = np.flatnonzero(np.abs(vectors[:, k]) >= tie[k])[0]
        signs[k] = 1.0 if vectors[first, k] > 0 else -1.0
    return signs


def _two_dimensional(vectors):
    vectors = np.array(vectors, dtype=np.float64)
    if vectors.ndim != 2:
        raise ValueError(
            f"vectors must be 2-D (one vector per column), got shape {vectors.shape}; "
            f"use vectors.reshape(-1, 1) for a single vector."
        )
    return vectors


def sign_flip(vectors):
    """Flip each column so that its entry of largest absolute value is positive.

    Entries within a relative ``SIGN_TIE_RTOL`` of the largest absolute value
    are tied; the first of them (smallest row index) decides the sign
    (:func:`column_signs`).

    Examples
    --------
    >>> import numpy as np
    >>> sign_flip(np.array([[1.0, 0.5], [-3.0, 0.2]]))
    array([[-1. ,  0.5],
           [ 3. ,  0.2]])
    >>> sign_flip(np.array([[-1.0], [1.0 + 1e-12]]))  # a tie: the first entry decides
    array([[ 1.],
           [-1.]])
    """
    vectors = _two_dimensional(vectors)
    if vectors.size == 0:
        return vectors
    vectors *= column_signs(vectors)
    return vectors


def eigenvalue_clusters(values, rtol=_settings.DEGENERACY_RTOL, *, residuals=None, scale=None):
    r"""Split sorted eigenvalues into runs of consecutive values that count as equal.

    Without ``residuals``, :math:`\lambda_k` and :math:`\lambda_{k+1}` are in one cluster
    when :math:`\lambda_{k+1} - \lambda_k \le \text{rtol}\cdot s` with
    :math:`s` = ``scale`` (the scale of the matrix :math:`M`; default
    :math:`\max_j|\lambda_j|`). With the residuals
    :math:`r_k = \lVert M u_k - \lambda_k u_k\rVert` of the pairs (unit :math:`u_k`), the
    gap must also be at most ``DEGENERACY_RESIDUALS`` (4) times :math:`a_k + a_{k+1}`, where
    :math:`a_k = \max(r_k, \epsilon s)`.

    Why the residuals: :math:`\lambda_k` lies within :math:`r_k` of an eigenvalue of
    :math:`M`, so two computed values of one degenerate eigenvalue differ by at most
    :math:`r_k + r_{k+1}` (measured: at most half of it on complete graphs, cycles and grids,
    for all three solvers). A gap well above it is resolved by the solver, and mixing
    the two vectors would give vectors that are no longer eigenvectors of either
    value. The relative ``rtol`` alone merged eigenvalues of 1e-6 next to others of 300 (a
    path of weight 1e-6 beside a complete graph) although the solver resolved them to 1e-13.

    Parameters
    ----------
    values : array_like, shape (m,), ascending
    rtol : float, default ``DEGENERACY_RTOL``
    residuals : array_like, shape (m,), optional
        The residual norms of the pairs (:func:`spectral_ssl.linalg.eigen_residuals`).
    scale : float, optional
        The scale of the matrix (:func:`spectral_ssl.linalg.matrix_scale`): the floor
        :math:`\epsilon s` of the accuracy, as residuals are computed to round-off only.

    Returns
    -------
    list of slice, one per cluster.

    Examples
    --------
    >>> eigenvalue_clusters([0.0, 1e-9, 1.0])
    [slice(0, 2, None), slice(2, 3, None)]
    >>> eigenvalue_clusters([0.0, 1e-9, 1.0], residuals=[1e-16, 1e-16, 1e-16], scale=2.0)
    [slice(0, 1, None), slice(1, 2, None), slice(2, 3, None)]
    """
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return []
    # the matrix's scale when known: a block of eigenvalues all at round-off (a null space)
    # has a largest magnitude of 1e-32, which would split it
    scale = max(np.max(np.abs(values)), np.finfo(float).tiny) if scale is None else float(scale)
    limit = np.full(values.size - 1, rtol * scale)
    if residuals is not None:
        accuracy = pair_accuracies(residuals, scale)
        limit = np.minimum(limit, _settings.DEGENERACY_RESIDUALS * (accuracy[:-1] + accuracy[1:]))
    breaks = np.flatnonzero(np.diff(values) > limit) + 1
    edges = np.concatenate([[0], breaks, [values.size]])
    return [slice(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:])]


def pair_accuracies(residuals, scale):
    """How far each computed eigenvalue may be from its eigenvalue: the residual, at least eps * scale."""
    residuals = np.asarray(residuals, dtype=np.float64)
    return np.maximum(residuals, np.finfo(float).eps * float(scale))


def greedy_pivots(vectors, count):
    """Rows of ``vectors`` picked greedily by largest residual norm.

    Row ``i`` of ``vectors`` is sample ``i``'s coordinates in the eigenspace. At
    each step the row with the largest norm (after removing the directions of the
    rows already picked) is chosen; norms within a relative ``1e-6`` of the
    largest count as tied and the smallest index wins, so round-off cannot flip
    the choice between rows that are equal by symmetry.
    """
    residual = np.array(vectors, dtype=np.float64)
    pivots = []
    for _ in range(count):
        norms = np.linalg.norm(residual, axis=1)
        pick = int(np.flatnonzero(norms >= (1 - 1e-6) * norms.max())[0])
        pivots.append(pick)
        direction = residual[pick] / norms[pick]
        residual -= np.outer(residual @ direction, direction)
    return np.array(pivots)


def canonical_basis(vectors, count=None):
    """Basis-independent orthonormal basis of the span of orthonormal ``vectors``.

    Gram-Schmidt of :math:`P e_{p_1}, P e_{p_2}, \\dots` with :math:`P` the
    projector onto the span and :math:`p` chosen greedily (see the module
    docstring). Rotating ``vectors`` by any orthogonal matrix gives the same result.
    With ``count`` only the first ``count`` basis vectors are computed (they do
    not depend on the later pivots), at cost O(N m count) for m vectors of length N.
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    if vectors.ndim != 2:
        raise ValueError(f"vectors must be 2-D (one basis vector per column), got shape {vectors.shape}.")
    m = vectors.shape[1]
    if not np.all(np.isfinite(vectors)):
        raise ValueError("vectors contains NaN or inf.")
    if m and np.max(np.abs(vectors.T @ vectors - np.eye(m))) > 1e-8:
        raise ValueError(
            "vectors must have orthonormal columns (vectors.T @ vectors = I); "
            "orthonormalise them first, e.g. with np.linalg.qr."
        )
    count = m if count is None else int(count)
    if not 0 <= count <= m:
        raise ValueError(f"count must be between 0 and {m}, got {count}.")
    if m <= 1:
        return vectors[:, :count].copy()
    pivots = greedy_pivots(vectors, count)
    projected = vectors @ vectors[pivots, :].T  # columns P e_p
    Q, R = np.linalg.qr(projected)
    return Q * np.sign(np.diag(R))  # positive diagonal of R = plain Gram-Schmidt


def canonicalise(values, vectors, n_keep=None, rtol=_settings.DEGENERACY_RTOL, *, residuals=None,
                 scale=None, canonical_prefix=0):
    """The first ``n_keep`` sorted eigenvectors with cluster bases and the sign rule applied.

    Clusters are those of :func:`eigenvalue_clusters` (``rtol``, ``residuals``, ``scale``):
    pass the residuals of the pairs so that eigenvectors of eigenvalues the solver
    resolved as distinct are never rotated together. ``canonical_prefix``: the first columns
    already are the canonical basis of their eigenspace (a null space given in closed form);
    a first cluster of exactly that many columns is kept as it is.
    """
    n_keep = vectors.shape[1] if n_keep is None else n_keep
    out = vectors[:, :n_keep].copy()
    for cluster in eigenvalue_clusters(values, rtol, residuals=residuals, scale=scale):
        if cluster.start >= n_keep:
            break
        if cluster.start == 0 and cluster.stop == canonical_prefix:
            continue
        if cluster.stop - cluster.start > 1:
            count = min(cluster.stop, n_keep) - cluster.start
            out[:, cluster.start:cluster.start + count] = canonical_basis(vectors[:, cluster], count)
    return sign_flip(out)


def sign_flip_with(Z, *coefficients):
    """Apply :func:`sign_flip` to the columns of ``Z`` and the same flips to each coefficient array.

    Used by the methods so that ``W`` / ``A`` / ``bias`` columns follow the
    representation's signs (``Z = F W + b`` keeps holding after the flip).

    Examples
    --------
    >>> import numpy as np
    >>> Z, W = sign_flip_with(np.array([[-2.0], [1.0]]), np.array([[3.0]]))
    >>> Z.ravel().tolist(), W.ravel().tolist()
    ([2.0, -1.0], [-3.0])
    """
    Z = _two_dimensional(Z)
    # one decision for Z and its coefficients (reading the flips back from Z would underflow
    # for a column of entries below ~1e-162)
    signs = column_signs(Z)
    return (Z * signs, *(c * signs for c in coefficients))

r"""Graph matrices: centring, degrees, Laplacians, the quadratic form, matrix checks and scale.

Conventions (see :mod:`spectral_ssl.linalg`): degrees :math:`d = G\mathbf 1`, combinatorial
Laplacian :math:`L = D_G - G`, centring :math:`H = I - \mathbf 1\mathbf 1^\top/N` applied
as ``X - X.mean(0)``, never formed.
"""

import numpy as np
import scipy.sparse as sp

from .._relations import relation_degrees
from .._validation import check_features, check_graph, check_option
from . import _settings


def center(X):
    r"""Return :math:`HX = X - \mathbf 1 \bar x^\top`, the column-centred copy of ``X``.

    Examples
    --------
    >>> import numpy as np
    >>> center(np.array([[1.0, 2.0], [3.0, 6.0]]))
    array([[-1., -2.],
           [ 1.,  2.]])
    """
    X = check_features(X, min_samples=1)
    return X - X.mean(axis=0)


def zero_constant_columns(centred, original):
    """Set to exactly 0 the columns of ``centred`` that are constant up to round-off.

    A constant column whose value is not a binary fraction (0.1, 7.7) centres to
    noise of about ``eps * |value|`` instead of 0. When every column is constant
    that noise is all the "variance" there is, and the relative rank thresholds
    of the solvers would whiten it into a spurious direction. A column of
    ``centred`` is zeroed when its largest absolute entry is at most
    ``CONSTANT_RTOL`` times the largest absolute entry of the same column of
    ``original``. Returns a new array.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.1, 1.0], [0.1, 2.0], [0.1, 4.0]])
    >>> zero_constant_columns(X - X.mean(axis=0), X)[:, 0]
    array([0., 0., 0.])
    """
    centred = np.array(centred, dtype=np.float64)
    if centred.size:
        noise = np.max(np.abs(centred), axis=0) <= _settings.CONSTANT_RTOL * np.max(np.abs(original), axis=0)
        centred[:, noise] = 0.0
    return centred


def degrees(G, *, check_input=True):
    r"""Return the degree vector :math:`d = G\mathbf 1` of a validated graph.

    ``check_input=False`` skips the validation of ``G``, which must then be what
    :func:`spectral_ssl.graphs.check` returns (or a :class:`spectral_ssl.graphs.LabelRelation`):
    for callers that validated it already.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> degrees(sp.csr_matrix([[0, 2.0], [2.0, 0]]))
    array([2., 2.])
    """
    if check_input:
        G = check_graph(G)
    return relation_degrees(G)


def laplacian(G, kind="combinatorial", *, check_input=True, degrees=None):
    r"""Graph Laplacian of a relation graph, sparse CSR.

    Parameters
    ----------
    G : array_like or sparse matrix, shape (N, N)
        Symmetric, non-negative, zero diagonal. Self-loops are refused by the
        validation rather than interpreted: they cancel in :math:`D_G - G` but
        would change the degrees of the normalised forms.
    kind : {"combinatorial", "normalized", "random_walk"}
        * ``"combinatorial"``: :math:`L = D_G - G`.
        * ``"normalized"``: :math:`L_{sym} = I - D_G^{-1/2} G D_G^{-1/2}`.
        * ``"random_walk"``: :math:`L_{rw} = I - D_G^{-1} G` (not symmetric).

        For the normalised kinds an isolated sample (degree 0) gets an all-zero
        row and column (the convention of ``scipy.sparse.csgraph.laplacian``).
    check_input : bool, default True
        ``False`` skips the validation and copy of ``G``, which must then be what
        :func:`spectral_ssl.graphs.check` returns (CSR float64, symmetric, zero
        diagonal): for callers that validated ``G`` once already.
    degrees : ndarray, shape (N,), optional
        The row sums of ``G``, when the caller has computed them (read only with
        ``check_input=False``; otherwise computed here).

    Returns
    -------
    L : scipy.sparse.csr_matrix, shape (N, N)

    Examples
    --------
    >>> import numpy as np
    >>> G = np.array([[0, 1.0, 0], [1.0, 0, 1.0], [0, 1.0, 0]])
    >>> laplacian(G).toarray()
    array([[ 1., -1.,  0.],
           [-1.,  2., -1.],
           [ 0., -1.,  1.]])
    """
    check_option(kind, name="kind", options=("combinatorial", "normalized", "random_walk"))
    if check_input:
        G = check_graph(G)
        degrees = None
    d = relation_degrees(G) if degrees is None else degrees
    if kind == "combinatorial":
        return (sp.diags(d) - G).tocsr()
    connected = d > 0
    if kind == "normalized":
        scale = np.zeros_like(d)
        scale[connected] = 1.0 / np.sqrt(d[connected])
        S = sp.diags(scale)
        return (sp.diags(connected.astype(float)) - S @ G @ S).tocsr()
    inv = np.zeros_like(d)
    inv[connected] = 1.0 / d[connected]
    return (sp.diags(connected.astype(float)) - sp.diags(inv) @ G).tocsr()


def graph_quadratic_form(X, G, *, check_input=True, degrees=None):
    r"""Return :math:`X^\top L X = X^\top (d \odot X) - X^\top (G X)` without forming :math:`L`.

    Cost :math:`O(\mathrm{nnz}(G) D + N D^2)`. ``check_input=False`` skips the
    validation of ``X`` (then a float64 array) and ``G`` (then what
    :func:`spectral_ssl.graphs.check` returns); ``degrees`` (the row sums of ``G``, read only
    then) spares computing them again.

    Examples
    --------
    >>> import numpy as np
    >>> G = np.array([[0, 1.0], [1.0, 0]])
    >>> graph_quadratic_form(np.array([[0.0], [2.0]]), G)  # (0 - 2)^2 * 1
    array([[4.]])
    """
    if check_input:
        G = check_graph(G)
        X = check_features(X, n_samples=G.shape[0])
        degrees = None
    d = relation_degrees(G) if degrees is None else degrees
    form = X.T @ (d[:, None] * X) - X.T @ (G @ X)
    return (form + form.T) / 2


def check_symmetric_matrix(M, name, keep_sparse=False):
    """Validated copy of a real, finite, square, symmetric matrix (relative tolerance 1e-8); sparse kept if asked."""
    if sp.issparse(M) and keep_sparse:
        if np.iscomplexobj(M.data):
            raise TypeError(f"{name} has a complex dtype; a real symmetric matrix is needed.")
        M = sp.csr_matrix(M, dtype=np.float64)
        values = M.data
    else:
        if sp.issparse(M):
            raise TypeError(f"{name} is a sparse matrix; pass a dense array ({name}.toarray()).")
        M = np.asarray(M)
        if M.dtype == object or np.iscomplexobj(M) or not (
            np.issubdtype(M.dtype, np.number) or M.dtype == bool
        ):
            raise TypeError(f"{name} must be a real numeric matrix, got dtype {M.dtype}.")
        M = np.array(M, dtype=np.float64)
        values = M
    if M.ndim != 2 or M.shape[0] != M.shape[1] or M.shape[0] < 1:
        raise ValueError(f"{name} must be a square 2-D matrix, got shape {M.shape}.")
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{name} contains NaN or inf.")
    size = np.max(np.abs(values)) if values.size else 0.0
    asym = M - M.T
    asym = np.abs(asym.data if sp.issparse(asym) else asym)
    if asym.size and np.max(asym) > 1e-8 * size:
        raise ValueError(
            f"{name} is not symmetric (max |{name} - {name}.T| = {np.max(asym):.3g}); "
            f"symmetrise it, e.g. ({name} + {name}.T) / 2."
        )
    return M


def matrix_scale(M):
    """Largest absolute row sum of ``M`` (a bound on its 2-norm), at least the smallest normal float."""
    if sp.issparse(M):
        M = sp.csr_matrix(M)
        sums = np.zeros(M.shape[0])
        nonempty = np.flatnonzero(np.diff(M.indptr))
        if nonempty.size:
            sums[nonempty] = np.add.reduceat(np.abs(M.data), M.indptr[nonempty])
    else:
        sums = np.abs(M).sum(axis=1)
    return max(float(sums.max()) if sums.size else 0.0, np.finfo(float).tiny)


def eigen_residuals(M, values, vectors):
    r"""Residual norms :math:`\lVert M u_k - \lambda_k u_k\rVert / \lVert u_k\rVert` of eigenpairs.

    The accuracy certificate of an iterative solver: by the Bauer-Fike /
    Weyl bound each :math:`\lambda_k` lies within that distance of an
    eigenvalue of the symmetric ``M``, and the angle between :math:`u_k` and
    the true eigenspace is at most residual / gap.

    Parameters
    ----------
    M : sparse matrix or ndarray, shape (N, N)
    values : array_like, shape (K,)
    vectors : array_like, shape (N, K)

    Returns
    -------
    residuals : ndarray, shape (K,)

    Examples
    --------
    >>> import numpy as np
    >>> eigen_residuals(np.diag([1.0, 2.0]), [1.0, 2.5], np.eye(2))
    array([0. , 0.5])
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    vectors = np.asarray(vectors, dtype=np.float64)
    if vectors.ndim != 2 or vectors.shape[1] != values.size or vectors.shape[0] != M.shape[0]:
        raise ValueError(
            f"vectors must have shape ({M.shape[0]}, {values.size}) (one column per value), "
            f"got {vectors.shape}."
        )
    norms = np.linalg.norm(vectors, axis=0)
    if np.any(norms == 0):
        raise ValueError("vectors has a zero column; an eigenvector must be nonzero.")
    residual = np.asarray(M @ vectors) - vectors * values
    return np.linalg.norm(residual, axis=0) / norms

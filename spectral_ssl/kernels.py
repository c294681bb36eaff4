r"""Positive semi-definite kernels and the squared-distance expansion they share.

:class:`Kernel` (linear, rbf, polynomial), :func:`make_kernel` (a kernel from its name,
the rbf bandwidth defaulting to :func:`median_bandwidth`) and :func:`squared_distances`,
the one expansion :math:`\lVert x_i - y_j\rVert^2 = \lVert x_i\rVert^2 + \lVert y_j\rVert^2
- 2 x_i^\top y_j` of the package. ``spectral_ssl.linalg`` re-exports the first three
under their old names (``linalg.Kernel``, ``linalg.make_kernel``, ``linalg.median_bandwidth``).
"""

import numpy as np

from . import memory
from ._validation import check_features, check_integer, check_option, check_scalar


def squared_distances(X, Y=None):
    r"""Pairwise squared Euclidean distances :math:`\lVert x_i - y_j\rVert^2`, shape (N, M).

    Computed as :math:`\lVert x_i\rVert^2 + \lVert y_j\rVert^2 - 2 x_i^\top y_j` (one matrix
    product, the speed of ``X @ Y.T``) after subtracting the mean of ``X`` from both (distances do
    not change under a common translation, and the expansion's cancellation, about
    ``eps * |x|^2``, is then relative to the spread of the points instead of their offset: points
    at 1e6 + O(1) would otherwise lose every digit). Clipped at 0, since a zero distance can still
    come out slightly negative. No validation: ``X`` and ``Y`` are float arrays with the same
    number of columns.

    Parameters
    ----------
    X : ndarray, shape (N, D)
    Y : ndarray, shape (M, D), optional
        Default: ``X`` (the norms are then computed once).

    Returns
    -------
    ndarray, shape (N, M)

    Examples
    --------
    >>> import numpy as np
    >>> squared_distances(np.array([[0.0, 0.0], [3.0, 4.0]]))
    array([[ 0., 25.],
           [25.,  0.]])
    """
    centre = X.mean(axis=0) if X.shape[0] else 0.0
    same = Y is None
    X = X - centre
    Y = X if same else Y - centre
    sq_x = np.sum(X**2, 1)
    sq_y = sq_x if same else np.sum(Y**2, 1)
    return np.maximum(sq_x[:, None] + sq_y[None, :] - 2 * X @ Y.T, 0.0)


def binary_exponent(*arrays):
    """The exponent ``e`` with the largest ``|entry|`` of the arrays in ``[2^(e-1), 2^e)``.

    0 when every entry is zero or the largest is not finite. Dividing by ``2^e``
    (``np.ldexp(X, -e)``) is exact and brings the entries into [-1, 1].

    Examples
    --------
    >>> import numpy as np
    >>> binary_exponent(np.array([0.75, -3.0])), binary_exponent(np.zeros(2))
    (2, 0)
    """
    top = max((float(np.max(np.abs(A))) for A in arrays if A.size), default=0.0)
    return int(np.frexp(top)[1]) if 0 < top < np.inf else 0


#: Features and lengths within 2^+-this are used as they are (their squares stay normal floats).
MODERATE_EXPONENT = 200


def scaled_squared_distances(X, Y=None, *, length=1.0, pairs=None):
    r"""Pairwise :math:`\lVert x_i - y_j\rVert^2 / \ell^2` without underflow or overflow on the way.

    :func:`squared_distances` of the samples divided by a power of two :math:`2^e` (exact),
    then multiplied twice by :math:`2^e/\ell`: features of 1e-170 or 1e160 give the ratios
    of features of 1. A ratio beyond the float range is ``inf`` (its Gaussian weight is 0).
    Within :data:`MODERATE_EXPONENT` the plain quotient (the same bits as before scaling).
    ``pairs=(rows, cols)``: only :math:`\lVert x_r - x_c\rVert^2/\ell^2` of those pairs of rows
    of ``X``, from their differences (shape (n_pairs,)).

    Examples
    --------
    >>> import numpy as np
    >>> scaled_squared_distances(np.array([[0.0], [3e-170]]), length=1e-170)
    array([[0., 9.],
           [9., 0.]])
    """
    e = binary_exponent(X) if Y is None else binary_exponent(X, Y)
    moderate = abs(e) <= MODERATE_EXPONENT and 2.0**-MODERATE_EXPONENT <= length <= 2.0**MODERATE_EXPONENT
    if pairs is not None:
        rows, cols = pairs
        Xs = X if moderate else np.ldexp(X, -e)
        d2 = np.sum((Xs[rows] - Xs[cols]) ** 2, axis=1)
    elif moderate:
        d2 = squared_distances(X, Y)
    else:
        d2 = squared_distances(np.ldexp(X, -e), None if Y is None else np.ldexp(Y, -e))
    if moderate:
        return d2 / length**2  # nothing under- or overflows: the plain quotient
    with np.errstate(over="ignore"):
        ratio = np.ldexp(1.0 / length, e)
        return (d2 * ratio) * ratio


class Kernel:
    r"""A positive semi-definite kernel :math:`k(x, y)`, callable on two sample matrices.

    * ``"linear"``: :math:`x^\top y`
    * ``"rbf"``: :math:`\exp(-\lVert x - y\rVert^2 / (2\,\text{bandwidth}^2))`
    * ``"polynomial"``: :math:`(x^\top y + \text{coef0})^{\text{degree}}`

    Examples
    --------
    >>> import numpy as np
    >>> k = Kernel("rbf", bandwidth=1.0)
    >>> float(k(np.zeros((1, 1)), np.ones((1, 1)))[0, 0]) == float(np.exp(-0.5))
    True
    """

    NAMES = ("linear", "rbf", "polynomial")

    def __init__(self, name="rbf", *, bandwidth=1.0, degree=3, coef0=1.0):
        check_option(name, name="kernel", options=self.NAMES)
        self.name = name
        self.bandwidth = check_scalar(bandwidth, name="bandwidth", low=0.0, low_inclusive=False)
        self.degree = check_integer(degree, name="degree", low=1)
        self.coef0 = check_scalar(coef0, name="coef0", low=-np.inf)

    def __call__(self, X, Y):
        if self.name == "linear":
            return X @ Y.T
        if self.name == "polynomial":
            return (X @ Y.T + self.coef0) ** self.degree
        return np.exp(-0.5 * scaled_squared_distances(X, Y, length=self.bandwidth))

    def __repr__(self):
        if self.name == "rbf":
            return f"Kernel('rbf', bandwidth={self.bandwidth:.6g})"
        if self.name == "polynomial":
            return f"Kernel('polynomial', degree={self.degree}, coef0={self.coef0:.6g})"
        return "Kernel('linear')"


def unit_rows(Z):
    r"""Rows scaled to unit Euclidean norm, :math:`\hat z_i = z_i / \lVert z_i\rVert`, without
    overflow or underflow.

    Each row is first divided by its largest absolute entry :math:`t_i`, so that its norm
    :math:`n_i` lies in :math:`[1, \sqrt K]`; then :math:`\lVert z_i\rVert = t_i n_i`. Why: the
    plain norm of a row of 1e-170 underflows to 0 and of 1e160 overflows to inf, although its
    direction is well defined.

    Parameters
    ----------
    Z : ndarray, shape (N, K)
        Float rows; a zero or non-finite row gives NaN in ``Zn`` and is the caller's to refuse
        (``t_i`` is then 0 or not finite).

    Returns
    -------
    Zn : ndarray, shape (N, K)
    top : ndarray, shape (N,)
        :math:`t_i = \max_k |z_{ik}|`.
    norms : ndarray, shape (N,)
        :math:`n_i = \lVert z_i / t_i\rVert`.

    Examples
    --------
    >>> import numpy as np
    >>> Zn, top, norms = unit_rows(np.array([[3e-170, 4e-170], [0.0, 2e160]]))
    >>> Zn
    array([[0.6, 0.8],
           [0. , 1. ]])
    >>> top * norms
    array([5.e-170, 2.e+160])
    """
    Z = np.asarray(Z, dtype=np.float64)
    top = np.max(np.abs(Z), axis=1) if Z.shape[1] else np.zeros(Z.shape[0])
    with np.errstate(invalid="ignore", divide="ignore"):  # zero / non-finite rows: the caller refuses them
        scaled = Z / top[:, None]
        norms = np.linalg.norm(scaled, axis=1)
        return scaled / norms[:, None], top, norms


def median_bandwidth(X):
    """The median of the pairwise Euclidean distances between distinct samples.

    The default rbf bandwidth when none is given (the "median heuristic").
    """
    memory.check_pairwise(X, call="linalg.median_bandwidth", copies=3,
                          alternative="pass bandwidth= (e.g. the median distance of a subsample of X)")
    X = check_features(X)
    e = binary_exponent(X)  # distances of X / 2^e, then 2^e back: no under- or overflow of the squares
    dist = np.sqrt(squared_distances(np.ldexp(X, -e)))
    values = dist[np.triu_indices(X.shape[0], k=1)]
    positive = values[values > 0]
    if positive.size == 0:
        raise ValueError("all samples in X are identical; no bandwidth can be derived. Pass bandwidth=.")
    return float(np.ldexp(np.median(positive), e))


def make_kernel(X, kernel="rbf", *, bandwidth=None, degree=3, coef0=1.0):
    """Build a :class:`Kernel` from its name; ``bandwidth=None`` uses :func:`median_bandwidth` of ``X``.

    A callable ``kernel(X, Y) -> ndarray`` is returned unchanged.
    """
    if callable(kernel) and not isinstance(kernel, str):
        return kernel
    check_option(kernel, name="kernel", options=Kernel.NAMES)
    if kernel == "rbf" and bandwidth is None:
        bandwidth = median_bandwidth(X)
    return Kernel(kernel, bandwidth=1.0 if bandwidth is None else bandwidth, degree=degree, coef0=coef0)


__all__ = ["Kernel", "make_kernel", "median_bandwidth", "squared_distances"]

r"""Rank rules and range bases: of a representation, of features, of a kernel Gram matrix.

One rank rule per object: :func:`representation_rank` (``RANK_RTOL`` of the largest
singular value of the centred ``Z``), :func:`feature_basis` (unit-free, the rule of
``numpy.linalg.matrix_rank`` on standardised features), :func:`kernel_range_basis` and
:func:`centred_range_basis` (``rank_rtol`` of a Gram matrix, of singular values).
"""

import numpy as np

from .._validation import check_features
from . import _settings
from ._matrices import zero_constant_columns


def representation_rank(Z, *, rtol=_settings.RANK_RTOL):
    r"""Rank of a representation: singular values of :math:`HZ` above ``rtol`` times the largest.

    :math:`H = I - \mathbf 1\mathbf 1^\top/N` removes the constant offset, which carries no
    information about the samples: a constant ``Z`` has rank 0.

    Examples
    --------
    >>> import numpy as np
    >>> representation_rank(np.array([[1.0, 2.0], [3.0, 2.0], [5.0, 2.0]]))
    1
    """
    Z = np.asarray(Z, dtype=np.float64)
    if Z.size == 0:
        return 0
    centred = Z - Z.mean(axis=0)
    N, K = centred.shape
    if N > 8 * K:
        # Tall Z, the common case of every direction kept: the eigenvalues s_k^2 of the
        # K x K Gram matrix are within N eps s_1^2 of the true ones (the worst case of the
        # sums); when all of them are 100 times above both that and the threshold
        # (rtol s_1)^2, every singular value is above the threshold and the rank is K,
        # at about a tenth of the cost of the SVD, which decides every other case.
        e = np.linalg.eigvalsh(centred.T @ centred)
        floor = 100 * max(rtol ** 2, N * np.finfo(np.float64).eps) * e[-1]
        if e[-1] > 0 and e[0] > floor:
            return K
    s = np.linalg.svd(centred, compute_uv=False)
    return int(np.sum(s > rtol * s[0])) if s[0] > 0 else 0


def feature_basis(X):
    r"""An orthonormal basis of the centred features' numerical column space, by a unit-free rule.

    With :math:`X_c = X - \mathbf 1\bar x^\top` (columns constant up to round-off set
    to 0, :func:`zero_constant_columns`), column norms :math:`n_j = \lVert X_{c,j}\rVert`
    and the thin SVD :math:`X_c\operatorname{diag}(1/n) = U S V^\top` of the
    standardised features, the directions kept are those with

    .. math::

        S_k > \max(N, D)\,\epsilon\,\max\big(S_1,\ \sqrt N \max_j a_j / n_j\big),
        \qquad a_j = \max_i \lvert x_{ij}\rvert ,

    :math:`\epsilon` the float64 machine epsilon. The first term is the rule of
    ``numpy.linalg.matrix_rank``; the second bounds the round-off of the centring
    of a column whose mean is large against its spread (a column ``1e6 + x`` is
    only known to ``eps * 1e6`` after centring). Both are unit-free: rescaling a
    column of ``X`` changes neither the rank nor the span, whereas a threshold
    relative to the largest singular value of the raw columns drops every column
    measured in small units (breast-cancer features span 1e-3..1e3).

    Parameters
    ----------
    X : array_like, shape (N, D)

    Returns
    -------
    T : ndarray, shape (D, r)
        :math:`X_c T = U_r` has orthonormal columns (rows of ``T`` for constant
        columns are 0), so :math:`\{XW + \mathbf 1 b^\top\} = \{X T C + \mathbf 1 b^\top\}`
        on the numerical range.
    singular_values : ndarray, shape (r,)
        :math:`S_1 \ge \dots \ge S_r` of the standardised features.

    Examples
    --------
    A duplicated column adds no direction, whatever its units:

    >>> import numpy as np
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [3.0, 5.0]])
    >>> T, s = feature_basis(np.column_stack([X, 1e-9 * X[:, 0]]))
    >>> T.shape
    (3, 2)
    """
    X = check_features(X, min_samples=1)
    N, D = X.shape
    centred = zero_constant_columns(X - X.mean(axis=0), X)
    norms = np.linalg.norm(centred, axis=0)
    active = norms > 0
    if not np.any(active):
        return np.zeros((D, 0)), np.zeros(0)
    standardised = centred[:, active] / norms[active]
    U, S, Vt = np.linalg.svd(standardised, full_matrices=False)
    magnitude = np.max(np.abs(X[:, active]), axis=0) / norms[active]
    tol = max(N, D) * _settings.FEATURE_RANK_EPS * max(S[0], np.sqrt(N) * float(np.max(magnitude)))
    keep = S > tol
    T = np.zeros((D, int(np.sum(keep))))
    T[active] = Vt[keep].T / S[keep] / norms[active][:, None]
    return T, S[keep]


def feature_rank(X):
    """Rank of the centred features: the number of directions :func:`feature_basis` keeps.

    Unit-free: equal to ``numpy.linalg.matrix_rank`` of the centred, column-standardised
    features (up to the centring round-off term of :func:`feature_basis`).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 1.0], [1e-6, 0.0], [3e-6, 5.0], [2e-6, 1.0]])
    >>> feature_rank(X), feature_rank(np.column_stack([X, X[:, 0] * 1e9]))
    (2, 2)
    """
    return feature_basis(X)[0].shape[1]


#: A Gram matrix whose smallest eigenvalue is below -this times the largest is not PSD (round-off
#: of a PSD kernel gives about -N eps times the largest).
KERNEL_PSD_RTOL = 1e-8


def kernel_range_basis(gram, *, rank_rtol=None):
    r"""Eigen-decomposition of a PSD Gram matrix restricted to its numerical range.

    Returns ``(s, V)`` with :math:`K_X \approx V \operatorname{diag}(s) V^\top`,
    keeping eigenvalues :math:`s > \text{rank\_rtol} \cdot s_{max}`; by default
    ``rank_rtol`` :math:`= N\epsilon`, the numerical rank of ``numpy.linalg.matrix_rank``:
    every direction float64 resolves. (A cut at 1e-10 dropped real directions of an rbf Gram
    matrix, eigenvalues 1e-11 and 3e-13 of the largest, known to 3e-7 and 6e-5, and kernel
    VICReg's optimum came out 333 times above what an explicit :math:`A` reaches.) Kernel
    regimes use :math:`V` as features: every :math:`Z = K_X A` with :math:`A`
    in the range is :math:`V C` with :math:`A = V \operatorname{diag}(1/s) C`,
    and the covariance of :math:`V` is well conditioned, whereas that of
    :math:`K_X` has the condition number of :math:`K_X` squared.

    Examples
    --------
    >>> import numpy as np
    >>> s, V = kernel_range_basis(np.array([[2.0, 0.0], [0.0, 0.0]]))
    >>> s.tolist(), V.shape
    ([2.0], (2, 1))
    """
    gram = np.asarray(gram, dtype=np.float64)
    if gram.ndim != 2 or gram.shape[0] != gram.shape[1] or not np.all(np.isfinite(gram)):
        raise ValueError(f"gram must be a finite square matrix, got shape {gram.shape}.")
    asym = np.max(np.abs(gram - gram.T))
    if asym > 1e-8 * max(np.max(np.abs(gram)), np.finfo(float).tiny):
        raise ValueError(f"gram is not symmetric (max |K - K.T| = {asym:.3g}); a kernel Gram matrix must be.")
    s, V = np.linalg.eigh((gram + gram.T) / 2)
    if s[-1] <= 0:
        raise ValueError("gram has no positive eigenvalue; the kernel maps every sample to zero.")
    if s[0] < -KERNEL_PSD_RTOL * s[-1]:  # dropping these directions would solve another problem
        raise ValueError(
            f"the kernel matrix K_X = kernel(X, X) is not positive semi-definite: its smallest eigenvalue "
            f"is {s[0]:.3g} against the largest {s[-1]:.3g}. A kernel regime needs a Mercer kernel "
            f"(rbf, linear, polynomial, or a callable whose Gram matrices are PSD).")
    if rank_rtol is None:
        rank_rtol = gram.shape[0] * np.finfo(np.float64).eps
    keep = s > rank_rtol * s[-1]
    return s[keep][::-1], V[:, keep][:, ::-1]


def centred_range_basis(V, *, rank_rtol=1e-10):
    r"""Orthonormal basis of :math:`H\operatorname{span}(V)` for orthonormal columns ``V``.

    Returns ``(U, M)`` with :math:`U = (V - \mathbf 1\bar v^\top) M` orthonormal,
    so that :math:`\{VC + \mathbf 1 b^\top\} = \{UC' + \mathbf 1 b'^\top\}`
    (:math:`C = MC'`, :math:`b = b' - \bar v^\top MC'`). The thin SVD
    :math:`HV = U_0 S W^\top` keeps singular values :math:`S > \text{rank\_rtol}`.

    The threshold is on singular values (standard deviations), not on variances
    :math:`S^2`: since :math:`V` is orthonormal, :math:`S \le 1` is computed to an
    absolute accuracy of a few machine epsilons, and every singular value is 1
    except one, :math:`\sin\theta` with :math:`\theta` the angle between
    :math:`\mathbf 1` and :math:`\operatorname{span}(V)`. An rbf kernel on many
    samples puts :math:`\mathbf 1` almost in the range of :math:`K_X`
    (:math:`\sin\theta \approx 3\cdot10^{-6}` on a 300-sample kNN set): a variance
    threshold of 1e-10 would drop that real, well-resolved direction.

    Examples
    --------
    >>> import numpy as np
    >>> U, M = centred_range_basis(np.eye(3)[:, :2])
    >>> U.shape, bool(np.allclose(U.T @ U, np.eye(2))), bool(np.allclose(U.sum(axis=0), 0))
    ((3, 2), True, True)
    >>> centred_range_basis(np.ones((3, 1)) / np.sqrt(3))[0].shape  # only the constant
    (3, 0)
    """
    V = np.asarray(V, dtype=np.float64)
    U0, S, Wt = np.linalg.svd(V - V.mean(axis=0), full_matrices=False)
    keep = S > rank_rtol  # none when span(V) is the constant vector: U is then (N, 0)
    return U0[:, keep], Wt[keep].T / S[keep]

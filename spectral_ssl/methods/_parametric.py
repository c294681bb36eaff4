r"""The scaffolding the parametric regimes of the methods share: linear helpers and the kernel basis.

**Linear.** :func:`float_features` (a float64 ``X`` read once), :func:`affine_columns`
(:math:`Z = XW + \mathbf 1 b^\top` column by column), :func:`sign_rule` (the sign rule of
:func:`spectral_ssl.linalg.sign_flip_with`, in place) and the unit-free feature basis
:func:`unit_free_basis`: a threshold relative to the largest eigenvalue of the scatter
:math:`B = X^\top H X` would drop every column measured in small units (a feature times 1e-6
has variance 1e-12 of the others), so :func:`whitening` decides the directions on the
Jacobi-scaled scatter (the correlation matrix :math:`R = S^{-1/2} B S^{-1/2}`,
:math:`S = \operatorname{diag} B`), which does not change when a column is rescaled, with the
rank rule of :func:`spectral_ssl.linalg.feature_basis`, and returns :math:`T` with
:math:`T^\top X^\top H X T = I` (the centred :math:`XT` has orthonormal columns). It trusts the
forms only when every direction is resolved (condition number of :math:`R` at most
``CONDITION_LIMIT`` and every singular value ``RANK_MARGIN`` times above the rank threshold);
otherwise the caller computes the basis from the features (an :math:`N\times D` SVD).

**Kernel.** Every ``optimal_kernel`` replaces :math:`X` by the Gram matrix :math:`K_X`:
:func:`kernel_inputs` (memory, graph and feature checks), :func:`kernel_gram` (the kernel and
:math:`K_X`, one symmetry rule: :func:`symmetric_gram`), :func:`kernel_basis` (the eigenbasis
:math:`K_X = V\operatorname{diag}(s)V^\top` and, for the centred solvers, an orthonormal
:math:`U = (V - \mathbf 1\bar v^\top)M` of its centred span) and :func:`kernel_coefficients`
(back from :math:`Z = UC' + \mathbf 1 b'^\top` to :math:`Z = K_X A + \mathbf 1 b^\top`).
"""

import numpy as np

from .. import linalg, memory
from .._threads import default_blas_threads, single_threaded_blas
from .._validation import check_features, check_graph
from ..forms import SHIFT_ROWS, finish, plain_stats, refuse_non_finite_peaks, refuse_underflow

#: The forms decide the basis when the correlation matrix of the features has a condition
#: number at most this: its eigenvalues are then known to about ``eps * CONDITION_LIMIT``
#: (2e-10) relative, far above the rank threshold.
CONDITION_LIMIT = 1e6

#: ... and every standardised singular value is this factor above the rank threshold of
#: :func:`spectral_ssl.linalg.feature_basis` (evaluated with an upper bound of its
#: centring term, so that the decision agrees with ``feature_basis``).
RANK_MARGIN = 1e3

#: A column whose centred norm is at most this times its uncentred norm is constant up to
#: the round-off of the centring (:data:`spectral_ssl.linalg.CONSTANT_RTOL`).
CONSTANT_RTOL = linalg.CONSTANT_RTOL


def float_features(X, n_samples):
    """``X`` for the linear solvers: a float64 2-D array used as is (no copy), else ``check_features``.

    A float64 array is not copied and not scanned for NaN here: the one pass of
    :func:`spectral_ssl.forms.feature_reductions` refuses NaN or inf (through the diagonals of
    its products, with the message of ``check_features``), so the features are read once.
    """
    if (type(X) is np.ndarray and X.dtype == np.float64  # not a memmap, matrix or other subclass
            and X.ndim == 2 and X.shape[0] == n_samples and X.shape[0] >= 2 and X.shape[1] >= 1):
        return X
    return check_features(X, name="X", n_samples=n_samples)


def scaled_features(X, n_samples):
    """:func:`float_features`, checked here for what the forms' pass would refuse, for solvers without it.

    NaN or inf, entries whose products overflow float64 and columns whose squares underflow get
    the messages of :func:`spectral_ssl.forms.feature_reductions` (``refuse_non_finite_peaks``,
    ``refuse_underflow``): one pass over ``X`` for the sums of squares of its columns.
    """
    X = float_features(X, n_samples)
    with np.errstate(over="ignore", invalid="ignore"):
        squares = np.einsum("ij,ij->j", X, X)
    if not np.all(np.isfinite(squares)):
        refuse_non_finite_peaks(np.max(np.abs(X), axis=0))
    refuse_underflow(X, squares)
    return X


#: Rows of ``X`` shifted and multiplied at a time by :func:`affine_columns` (8 MB at D = 64).
AFFINE_BLOCK_BYTES = 8 << 20


def affine_columns(X, W, bias):
    r""":math:`Z = XW + \mathbf 1 b^\top` stored column by column (Fortran order).

    With :math:`c` and :math:`s` the mean and standard deviation of the first ``SHIFT_ROWS``
    rows: when some :math:`|c_j| > s_j` (features with an offset), formed as
    :math:`(X - \mathbf 1 c^\top) W + \mathbf 1 (b + W^\top c)^\top`. Why: :math:`XW` rounds each
    row at :math:`\epsilon\,|x_i|\,|W|` (mean 1e6, spread 1e-3: 1e-7, where the optimum's loss is
    decided, and a large invariance weight magnified it); the shifted rows are exact
    differences, and what is left of the round-off is one constant row, which the centred
    losses do not see. The shift and product run on row blocks of ``AFFINE_BLOCK_BYTES`` while in
    cache (about 0.1 of one ``X.T @ X`` more than the plain product at N = 3e5, D = 64, which
    centred features keep: their round-off is already that of their spread). Either way the
    product is :math:`W^\top X^\top` (per block when shifted), written as :math:`Z^\top`: the
    columns of a tall narrow ``Z`` are contiguous, so the column maxima and minima of
    :func:`sign_rule` run at memory speed (a C-ordered :math:`N\times 8` array reduces along its
    rows about ten times slower).
    """
    n, D = X.shape
    lead = X[:min(n, SHIFT_ROWS)]
    shift = lead.mean(axis=0)
    if np.all(np.abs(shift) <= lead.std(axis=0)):
        with default_blas_threads():  # a memory-bound product over all of X: threads help
            Z = (W.T @ X.T).T
        Z += bias
        return Z
    Zt = np.empty((W.shape[1], n))
    rows = max(1, min(n, AFFINE_BLOCK_BYTES // (8 * max(D, 1))))
    block = np.empty((rows, D))
    with default_blas_threads():
        for a in range(0, n, rows):
            b = min(n, a + rows)
            shifted = np.subtract(X[a:b], shift, out=block[:b - a])
            np.matmul(W.T, shifted.T, out=Zt[:, a:b])
    Z = Zt.T
    Z += bias + shift @ W
    return Z


def sign_rule(Z, *coefficients):
    r""":func:`spectral_ssl.linalg.sign_flip_with` for a tall ``Z``, in place.

    The same decision (:func:`spectral_ssl.linalg.column_signs`: two reductions over ``Z``),
    applied in place: ``sign_flip_with`` copies ``Z`` first, which at N = 3e5, K = 8 is most of
    its cost (0.11 s against 0.014 s before the two shared one rule).
    """
    signs = linalg.column_signs(Z)
    if np.all(signs > 0):
        return (Z, *coefficients)
    Z *= signs
    return (Z, *(c * signs for c in coefficients))


def correlation_eigh(scatter, gram):
    """Non-constant columns, their centred norms and the eigenpairs of their correlation matrix.

    A column is constant up to round-off when its centred norm is at most ``CONSTANT_RTOL``
    times its uncentred one; with none left, the norms and eigenpairs are empty.
    """
    norms2 = np.diag(scatter).copy()
    active = norms2 > (CONSTANT_RTOL**2) * np.diag(gram)
    if not np.any(active):
        return active, np.zeros(0), np.zeros(0), np.zeros((0, 0))
    norms = np.sqrt(norms2[active])
    R = scatter[np.ix_(active, active)] / np.outer(norms, norms)
    e, V = np.linalg.eigh((R + R.T) / 2)
    return active, norms, e, V


def whitening(scatter, gram, n_samples):
    r"""Unit-free basis :math:`T` (D, r) with :math:`T^\top\,\text{scatter}\,T = I`, or None.

    Parameters
    ----------
    scatter, gram : ndarray, shape (D, D)
        :math:`X^\top H X` and :math:`X^\top X`.
    n_samples : int

    Returns
    -------
    T : ndarray or None
        None when the scatter cannot decide every direction (see the module docstring).
        Columns constant up to round-off (centred norm at most ``CONSTANT_RTOL`` times
        the uncentred one) get zero rows.
    """
    D = scatter.shape[0]
    active, norms, e, V = correlation_eigh(scatter, gram)
    if not np.any(active):
        return np.zeros((D, 0))
    if e[0] <= e[-1] / CONDITION_LIMIT:
        return None
    # feature_basis's threshold on the standardised singular values sqrt(e); its
    # centring term max_i |x_ij| / n_j is bounded above by sqrt(gram_jj) / n_j.
    magnitude = np.sqrt(np.diag(gram)[active]) / norms
    tol = max(n_samples, D) * linalg.FEATURE_RANK_EPS * max(np.sqrt(e[-1]),
                                                            np.sqrt(n_samples) * np.max(magnitude))
    if np.sqrt(e[0]) <= RANK_MARGIN * tol:
        return None
    T = np.zeros((D, active.sum()))
    T[active] = V / np.sqrt(e) / norms[:, None]
    return T


def minimum_norm(T, dropped, norms):
    r"""``T`` less its component in the null space of the centred features (Euclidean).

    In standardised coordinates the dropped directions are ``dropped`` (orthonormal);
    in the original ones the null space is :math:`\operatorname{diag}(1/n)` times them.
    Removing that part does not change :math:`X_c T` and makes :math:`W = TC` the
    minimum-norm coefficients: a direction the features cannot see gets 0.
    """
    if dropped.shape[1] == 0:
        return T
    null, _ = np.linalg.qr(dropped / norms[:, None])
    return T - null @ (null.T @ T)


def forms_basis(red):
    r"""The unit-free basis ``T`` of :func:`whitening` from :class:`~spectral_ssl.forms.FeatureReductions`, or None.

    The one function through which every linear solver decides its directions on the forms
    (:func:`unit_free_basis`, :func:`feature_space`): :math:`D\times D` work on one BLAS thread.
    """
    with single_threaded_blas():  # D x D work: BLAS threads only synchronise
        return whitening(red.scatter, red.gram, red.n_samples)


def unit_free_basis(X, red=None):
    r"""``(T, source)``: the basis of :func:`spectral_ssl.linalg.feature_basis` (:math:`X_cT` orthonormal), cheaply.

    From the reductions ``red`` of ``X`` (or, without them, one pass over ``X``: :math:`X^\top X`
    and the sums about a shift, as :func:`spectral_ssl.forms.feature_reductions`) through
    :func:`forms_basis` when the correlation matrix decides every direction (the same unit-free
    rule, on a :math:`D\times D` matrix), ``source = "reductions"``; otherwise from the
    :math:`N\times D` SVD of :func:`spectral_ssl.linalg.feature_basis`, which resolves directions
    down to its threshold, ``source = "features"``. Why: that SVD costs about 25 times one
    :math:`X^\top X` at N = 3e5, D = 64.
    """
    if red is None:
        # the scatter about a shift (the mean of the first rows), so that large offsets do not cancel
        shift = X[:min(X.shape[0], SHIFT_ROWS)].mean(axis=0)
        red = finish(plain_stats(np.array(X, dtype=np.float64), shift), shift, {})
    T = forms_basis(red)
    if T is not None:
        return T, "reductions"
    return linalg.feature_basis(X)[0], "features"


#: A kernel Gram matrix asymmetric by at most this (relative to its largest entry) is
#: symmetrised as (K + K^T) / 2: the rounding of a kernel evaluated entry by entry, or in
#: float32, leaves about 1e-16 to 1e-7. Above it the callable is not a symmetric kernel.
KERNEL_SYMMETRY_RTOL = 1e-6


#: Largest entry of a Gram matrix: the solvers form products of two of them.
LARGEST_GRAM = 1e150


def symmetric_gram(gram, n_samples):
    r"""The Gram matrix ``k(X, X)`` checked finite and (N, N), symmetrised within ``KERNEL_SYMMETRY_RTOL``.

    The one symmetry rule of every ``optimal_kernel``: with :math:`\delta = \max_{ij}|K_{ij} - K_{ji}|`
    and :math:`m = \max_{ij}|K_{ij}|`, :math:`\delta \le` ``KERNEL_SYMMETRY_RTOL`` :math:`\cdot m`
    returns :math:`(K + K^\top)/2` (exactly symmetric); a larger :math:`\delta` raises
    ``ValueError`` naming the kernel and the fix.

    Examples
    --------
    >>> import numpy as np
    >>> symmetric_gram(np.array([[1.0, 0.5 + 1e-9], [0.5, 1.0]]), 2)[0, 1]
    np.float64(0.5000000005)
    """
    gram = np.asarray(gram, dtype=np.float64)
    if gram.shape != (n_samples, n_samples):
        raise ValueError(f"kernel(X, X) must return an (N, N) = ({n_samples}, {n_samples}) matrix, "
                         f"got shape {gram.shape}.")
    if not np.all(np.isfinite(gram)):
        raise ValueError("kernel(X, X) holds NaN or inf values (a polynomial kernel of high degree, or an "
                         "rbf bandwidth far below the distances, can overflow or underflow): use a "
                         "smaller degree, rescale X, or change the bandwidth.")
    size = float(np.max(np.abs(gram))) if gram.size else 0.0
    if size > LARGEST_GRAM:
        raise ValueError(f"kernel(X, X) has entries up to {size:.3g}, whose products (K_X^T M K_X) overflow "
                         f"float64: use a smaller polynomial degree, or rescale X.")
    asymmetry = float(np.max(np.abs(gram - gram.T))) if gram.size else 0.0
    if asymmetry > KERNEL_SYMMETRY_RTOL * size:
        raise ValueError(
            f"kernel(X, X) is not symmetric: max |K - K.T| = {asymmetry:.3g}, more than "
            f"KERNEL_SYMMETRY_RTOL = {KERNEL_SYMMETRY_RTOL:g} times its largest entry {size:.3g}; "
            f"pass a symmetric kernel k(x, y) = k(y, x), e.g. "
            f"kernel=lambda A, B: (k(A, B) + k(B, A).T) / 2.")
    return (gram + gram.T) / 2


def kernel_inputs(X, G, *, call, alternative=memory.KERNEL_ALTERNATIVE):
    """``(X, G)`` checked for a kernel regime: the N x N memory, then ``G``, then ``X`` (N rows).

    Parameters
    ----------
    X : array_like, shape (N, D)
    G : relation graph, shape (N, N)
    call : str
        The public function, named by :func:`spectral_ssl.memory.check_pairwise` when the
        :math:`N\\times N` matrices would not fit.
    alternative : str
        What the memory error suggests instead.

    Returns
    -------
    X : ndarray, shape (N, D), float64
    G : the checked graph
    """
    memory.check_pairwise(X, call=call, copies=4, alternative=alternative)
    G = check_graph(G)
    return check_features(X, name="X", n_samples=G.shape[0]), G


def kernel_gram(X, kernel, bandwidth, degree, coef0):
    """``(k, K_X)``: the kernel of :func:`spectral_ssl.linalg.make_kernel` and its Gram matrix.

    :math:`K_X = k(X, X)` goes through :func:`symmetric_gram` (finite, (N, N), symmetric
    within ``KERNEL_SYMMETRY_RTOL``; returned as :math:`(K_X + K_X^\\top)/2`, exactly symmetric).
    """
    k = linalg.make_kernel(X, kernel, bandwidth=bandwidth, degree=degree, coef0=coef0)
    return k, symmetric_gram(k(X, X), X.shape[0])


def kernel_basis(gram, *, rank_rtol=None, centred=True):
    r"""The eigenbasis of :math:`K_X`, and an orthonormal basis of its centred span: ``(s, V, U, M)``.

    :math:`K_X \approx V\operatorname{diag}(s)V^\top` keeps eigenvalues above ``rank_rtol``
    times the largest (default: :math:`N\epsilon`, its numerical rank;
    :func:`spectral_ssl.linalg.kernel_range_basis`): every
    :math:`Z = K_X A` is :math:`VC` with :math:`A = V\operatorname{diag}(1/s)C`, and the
    covariance of :math:`V` is well conditioned where that of :math:`K_X` has the condition
    number of :math:`K_X` squared. With ``centred``, :math:`U = (V - \mathbf 1\bar v^\top)M`
    orthonormal (singular values of :math:`HV` above ``rank_rtol``, default 1e-10,
    :func:`spectral_ssl.linalg.centred_range_basis`; the constant can lie almost in
    :math:`\operatorname{span}(V)`); without, ``U`` and ``M`` are None.
    """
    s, V = linalg.kernel_range_basis(gram, rank_rtol=rank_rtol)
    if not centred:
        return s, V, None, None
    U, M = linalg.centred_range_basis(V, rank_rtol=1e-10 if rank_rtol is None else rank_rtol)
    if U.shape[1] == 0:
        raise ValueError("the kernel matrix K_X has no centred direction: every sample has about the "
                         "same kernel values (e.g. an rbf bandwidth far above the distances between "
                         "samples, k(x, y) ~ 1). Lower the bandwidth, or use another kernel.")
    return s, V, U, M


def kernel_coefficients(C, bias, V, s, M=None):
    r"""``(A, bias)`` of :math:`Z = K_X A + \mathbf 1 b^\top` from a solution in the basis of :func:`kernel_basis`.

    With ``M`` (a solution :math:`Z = UC' + \mathbf 1 b'^\top` in the centred basis):
    :math:`C = MC'` and :math:`b = b' - \bar v^\top C`, since
    :math:`UC' = VMC' - \mathbf 1\bar v^\top MC'`. Then :math:`A = V\operatorname{diag}(1/s)C`
    (:math:`K_X A = V\operatorname{diag}(s)V^\top V\operatorname{diag}(1/s)C = VC`).

    Examples
    --------
    >>> import numpy as np
    >>> A, b = kernel_coefficients(np.array([[2.0]]), np.array([0.5]), np.eye(2)[:, :1], np.array([4.0]))
    >>> A.ravel().tolist(), b.tolist()
    ([0.5, 0.0], [0.5])
    """
    if M is not None:
        C = M @ C
        bias = bias - V.mean(axis=0) @ C
    return V @ (C / s[:, None]), bias

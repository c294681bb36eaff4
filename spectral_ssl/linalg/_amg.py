r"""The preconditioner of the LOBPCG solver: a block float32 AMG V-cycle.

It approximates :math:`(M + sI)^{-1}` and is applied to a whole block of columns at
once; :func:`lobpcg_preconditioner` wraps it as a ``LinearOperator``. The smoothed
aggregation hierarchy comes from pyamg when the ``amg`` extra is installed, else from
:mod:`spectral_ssl.linalg._aggregation` (SciPy alone).
"""

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from . import _settings
from ._aggregation import jacobi_weight, smoothed_aggregation
from ._ordering import symmetric_factor


#: The coarsest level is solved by a dense pseudo-inverse up to this many unknowns,
#: by a sparse LU factor above (when the coarsening stalled before AMG_MAX_COARSE).
COARSE_DENSE_MAX = 2000


def find_pyamg():
    """The pyamg module, or None when the optional ``amg`` extra is not installed."""
    try:
        import pyamg
    except ImportError:
        return None
    return pyamg


class AMGPreconditioner:
    r"""One V-cycle of a smoothed aggregation hierarchy for :math:`M + sI`, on a block at once.

    The hierarchy is built on :math:`(M + sI)/c`, :math:`c` its largest absolute
    row sum, so that its entries are at most 1, coarsening down to
    ``AMG_MAX_COARSE`` unknowns: by ``pyamg.smoothed_aggregation_solver`` when
    ``pyamg`` is given (its default aggregation, Jacobi prolongation smoothing
    with the weight of its default), else by
    :func:`spectral_ssl.linalg._aggregation.smoothed_aggregation`. The cycle then
    runs in float32 on every column of the block together: with :math:`A_\ell`
    the operator of level :math:`\ell`, :math:`P_\ell` its prolongation and
    :math:`S_\ell(x, b)` two steps of the Chebyshev iteration for
    :math:`A_\ell x = b` preconditioned by the diagonal :math:`D_\ell` (for the
    eigenvalues of :math:`D_\ell^{-1}A_\ell` in :math:`[\rho_\ell/8, \rho_\ell]`,
    :math:`\rho_\ell` their Gershgorin bound),

    .. math::

        x = S_\ell(0, b),\quad
        x \leftarrow x + P_\ell\,\mathrm{cycle}_{\ell+1}\big(P_\ell^\top(b - A_\ell x)\big),\quad
        x \leftarrow S_\ell(x, b),

    and the exact inverse on the coarsest level. The same polynomial smoother
    before and after the coarse correction makes the cycle a symmetric positive
    definite operator, which LOBPCG needs; on a 10-NN graph of :math:`10^6`
    points (pyamg's hierarchy) it cut the LOBPCG iterations from 38 (one damped
    Jacobi step) to 26.
    Sparse products on a block read each matrix once for all columns, and
    float32 halves the memory traffic (the preconditioner only has to be an
    approximate inverse; residuals, products with ``M`` and every
    orthogonalisation stay in float64). Each column is scaled to unit norm
    before the float32 cast and back afterwards.
    """

    def __init__(self, M, shift, pyamg=None, candidate=None):
        shifted = (M + shift * sp.eye(M.shape[0], format="csr")).tocsr()
        self.scale = float(abs(shifted).sum(axis=1).max())
        shifted.data /= self.scale
        if pyamg is None:
            self.kind = "aggregation"
            levels, coarsest = smoothed_aggregation(shifted, _settings.AMG_MAX_COARSE, candidate)
        else:
            self.kind = "amg"
            levels, coarsest = pyamg_levels(shifted, pyamg)
        del shifted
        self.levels = []
        for A, P in levels:
            A = sp.csr_matrix(A, dtype=np.float32)
            diagonal = A.diagonal().astype(np.float64)
            rows = np.asarray(abs(A).sum(axis=1), dtype=np.float64).ravel()
            upper = float(np.max(rows / diagonal))
            lower = upper / 8.0
            # Chebyshev constants of the two steps (centre, half-width of the interval)
            centre, half = (upper + lower) / 2.0, (upper - lower) / 2.0
            sigma = centre / half
            rho0 = 1.0 / sigma
            rho1 = 1.0 / (2.0 * sigma - rho0)
            first = (1.0 / (centre * diagonal)).astype(np.float32)[:, None]
            second = ((2.0 * rho1 / half) / diagonal).astype(np.float32)[:, None]
            P = sp.csr_matrix(P, dtype=np.float32)
            self.levels.append((A, P, P.T.tocsr(), first, np.float32(rho1 * rho0), second))
        self.coarse_size = coarsest.shape[0]
        if coarsest.shape[0] <= COARSE_DENSE_MAX:
            inverse = np.linalg.pinv(coarsest.toarray().astype(np.float64), hermitian=True)
            self.coarse = inverse.astype(np.float32).__matmul__
        else:
            # coarsening stalled (a graph of many small components): a sparse factor
            # (the coarsest operator is positive definite), never a dense inverse
            factor = symmetric_factor(sp.csc_matrix(coarsest, dtype=np.float64))
            self.coarse = lambda b: factor.solve(b.astype(np.float64)).astype(np.float32)

    @staticmethod
    def _smooth(A, first, factor, second, x, b):
        """Two Chebyshev steps for ``A x = b`` from ``x`` (None: zero); returns the new ``x``.

        Steps :math:`d_1 = D^{-1}r/c` and :math:`d_2 = f d_1 + g D^{-1}(r - A d_1)`,
        so :math:`x + d_1 + d_2 = x + (1 + f) d_1 + g D^{-1}(r - A d_1)`.
        """
        if x is None:
            r = b
        else:
            r = A @ x
            np.subtract(b, r, out=r)
        d = first * r
        r1 = A @ d
        np.subtract(r, r1, out=r1)  # the residual after the first step
        r1 *= second
        d *= 1 + factor
        if x is None:
            x = d
        else:
            x += d
        x += r1
        return x

    def _cycle(self, level, b):
        if level == len(self.levels):
            return self.coarse(b)
        A, P, R, first, factor, second = self.levels[level]
        x = self._smooth(A, first, factor, second, None, b)
        r = A @ x
        np.subtract(b, r, out=r)
        x += P @ self._cycle(level + 1, R @ r)
        return self._smooth(A, first, factor, second, x, b)

    def __call__(self, R, norms=None, out=None):
        """Apply to the columns of ``R`` (their norms may be given); ``out`` may be ``R`` itself."""
        if norms is None:
            norms = np.sqrt(np.einsum("ij,ij->j", R, R))
        norms = np.where(norms > 0, norms, 1.0)
        b = np.empty(R.shape, dtype=np.float32)
        np.divide(R, norms, out=b, casting="same_kind")
        return np.multiply(self._cycle(0, b), norms / self.scale, out=out)


def pyamg_levels(shifted, pyamg):
    """The levels ``[(A_l, P_l)]`` and the coarsest operator of pyamg's smoothed aggregation of ``shifted``."""
    # pyamg estimates spectral radii from np.random.rand: seed it for
    # deterministic hierarchies, and give the caller's global state back.
    state = np.random.get_state()
    np.random.seed(0)
    try:
        # Prolongation smoothing P = (I - w D^-1 A) T with D the absolute row
        # sums ("local" weighting) and w = 4 / (3 rho(D^-1 A)), rho from a
        # short Lanczos run: the weight pyamg's default picks, without its
        # Arnoldi estimate on every level (half of its setup time at N = 1e6).
        _, omega = jacobi_weight(shifted)
        hierarchy = pyamg.smoothed_aggregation_solver(
            shifted, max_coarse=_settings.AMG_MAX_COARSE,
            smooth=("jacobi", {"omega": omega, "weighting": "local"}))
    finally:
        np.random.set_state(state)
    return [(level.A, level.P) for level in hierarchy.levels[:-1]], hierarchy.levels[-1].A


def make_preconditioner(M, shift, candidate=None):
    """The V-cycle of :class:`AMGPreconditioner`, on pyamg's hierarchy when it is installed."""
    return AMGPreconditioner(M, shift, find_pyamg(), candidate)


def lobpcg_preconditioner(M, shift, candidate=None):
    r"""The preconditioner LOBPCG uses: an approximation of :math:`(M + \text{shift}\, I)^{-1}`.

    One V-cycle of a smoothed aggregation AMG hierarchy built on
    :math:`M + \text{shift}\, I` (memory :math:`O(\mathrm{nnz}(M))`), applied to
    all the columns of a block together, in float32, with a two-step Chebyshev
    smoother (see the ``AMGPreconditioner`` notes in this module's source). The
    hierarchy is pyamg's with the ``amg`` extra installed, else the package's own
    (:mod:`spectral_ssl.linalg._aggregation`, SciPy alone). The solver applies it
    to ``M`` in reverse Cuthill-McKee order; a matrix in a random order works
    but each product is several times slower.

    Parameters
    ----------
    M : sparse matrix, shape (N, N)
        Symmetric positive semi-definite.
    shift : float
        Positive: the hierarchy is built on :math:`M + \text{shift}\, I`.
    candidate : ndarray of shape (N,), optional
        The null vector of ``M`` when known (the constraint of the eigensolver:
        :math:`\mathbf 1` for :math:`L`, :math:`D^{1/2}\mathbf 1` for :math:`L_{sym}`);
        the package's own hierarchy interpolates it exactly. pyamg's builds on its
        default (the constant vector, improved by Gauss-Seidel sweeps).

    Returns
    -------
    operator : scipy.sparse.linalg.LinearOperator, shape (N, N)
    kind : {"amg", "aggregation"}
        Whose hierarchy: pyamg's or the package's own.
    """
    M = sp.csr_matrix(M, dtype=np.float64)
    N = M.shape[0]
    apply = make_preconditioner(M, shift, candidate)

    def matmat(R):
        R = np.asarray(R, dtype=np.float64)
        return apply(R.reshape(N, -1)).reshape(R.shape)

    return spla.LinearOperator((N, N), matvec=matmat, matmat=matmat, dtype=np.float64), apply.kind

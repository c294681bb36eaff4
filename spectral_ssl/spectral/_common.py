r"""Checks and eigen-helpers shared by the classical methods (dense square matrices, centring)."""

import numpy as np
import scipy.sparse as sp

from .. import linalg
from .._validation import SYMMETRY_RTOL, check_n_components


#: Inputs whose largest magnitude lies outside [1 / SAFE_MAGNITUDE, SAFE_MAGNITUDE] are rescaled by a
#: power of two (exact) before squared distances or covariances are formed: their squares would
#: overflow to inf (above ~1e154) or underflow to 0 (below ~1e-154).
SAFE_MAGNITUDE = 1e100


def power_of_two_scale(X):
    r"""A power of two :math:`s` with :math:`\max|X| / s` in [0.5, 1), or 1.0 when no rescaling is needed.

    Dividing by :math:`s` is exact (only the exponents change), so a scale-equivariant method run on
    :math:`X / s` and mapped back gives the result for :math:`X` without overflowing its squares.
    """
    largest = float(np.max(np.abs(X))) if X.size else 0.0
    if largest == 0.0 or 1.0 / SAFE_MAGNITUDE <= largest <= SAFE_MAGNITUDE:
        return 1.0
    return float(np.ldexp(1.0, np.frexp(largest)[1]))


#: Eigenvalues of a covariance (or of :math:`X^\top D_G X`) below this fraction
#: of the largest are treated as exact zeros: their directions are outside the range.
RANK_RTOL = 1e-10


def check_square(M, *, name, symmetric=True):
    """Validate a dense, finite, square (optionally symmetric) float64 matrix."""
    if sp.issparse(M):
        M = M.toarray()  # documented: these methods are dense (N x N) by nature
    if isinstance(M, (str, bytes)):
        raise TypeError(f"{name} must be a square numeric matrix, got a string.")
    arr = np.asarray(M)
    if arr.dtype == object or np.iscomplexobj(arr) or not (
        np.issubdtype(arr.dtype, np.number) or arr.dtype == bool
    ):
        raise TypeError(f"{name} must be a real numeric matrix, got dtype {arr.dtype}.")
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(f"{name} must be a square (N, N) matrix, got shape {arr.shape}.")
    if arr.shape[0] < 2:
        raise ValueError(f"{name} must relate at least 2 samples, got shape {arr.shape}.")
    arr = np.array(arr, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf; every entry must be finite.")
    if symmetric:
        scale = max(np.max(np.abs(arr)), np.finfo(float).tiny)
        gap = np.max(np.abs(arr - arr.T))
        if gap > SYMMETRY_RTOL * scale:
            raise ValueError(
                f"{name} is not symmetric (max |M - M.T| = {gap:.3g}); symmetrise it, e.g. (M + M.T) / 2."
            )
        arr = (arr + arr.T) / 2
    return arr


def double_center(M):
    r""":math:`HMH`: subtract row and column means, add back the grand mean."""
    return M - M.mean(axis=0)[None, :] - M.mean(axis=1)[:, None] + M.mean()


def top_centered_eigenpairs(B, n_components):
    r"""Top ``n_components`` eigenpairs of a double-centred symmetric ``B`` off the constant vector.

    :math:`B\mathbf 1 = 0`, so the constant vector is an eigenvector with
    eigenvalue 0; it carries no information (a translation) and is excluded
    by shifting its eigenvalue below the whole spectrum. ``B`` is first divided by
    the exact power of two :math:`c` with :math:`\max|B|/c` in [0.5, 1)
    (:func:`power_of_two_scale` with no safe range), then
    :math:`\tilde B = B/c - s\,\mathbf 1\mathbf 1^\top/N` with :math:`s = 2\max_i\sum_j|B_{ij}|/c`
    (above the spectral radius) is solved densely and its eigenvalues are multiplied by
    :math:`c`: the result scales exactly with ``B`` (an absolute shift of 1 made the
    solver's round-off :math:`\epsilon` swamp eigenvalues of size 1e-16, review F1).
    Eigenvalues may be negative (a non-Euclidean dissimilarity); they are returned as
    they are, in descending order.
    """
    N = B.shape[0]
    n_components = check_n_components(
        n_components, N - 1, what="the number of non-constant eigenvectors of the centred matrix (N - 1)"
    )
    largest = float(np.max(np.abs(B)))
    scale = float(np.ldexp(1.0, np.frexp(largest)[1])) if largest > 0 else 1.0
    B = B / scale
    shift = 2.0 * float(np.abs(B).sum(axis=1).max()) if largest > 0 else 1.0
    shifted = -B + (shift / N) * np.ones((N, N))
    values, vectors = linalg.smallest_eigenpairs(shifted, n_components, solver="dense")
    with np.errstate(over="ignore", under="ignore"):  # documented by the callers: inf / 0 when not representable
        return -values * scale, vectors


def range_whitener(C, *, name):
    r"""Whitening :math:`T = V_r S_r^{-1/2}` of a PSD matrix on its range (:math:`T^\top C T = I`)."""
    s, V = np.linalg.eigh((C + C.T) / 2)
    if s.max() <= 0:
        raise ValueError(f"{name} has no variance (every feature is constant); give varying features.")
    keep = s > RANK_RTOL * s.max()
    return V[:, keep] / np.sqrt(s[keep])

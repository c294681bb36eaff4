r"""The generalized symmetric eigenproblem :math:`A q = \mu B q` with a singular ``B``."""

import numpy as np

from .._validation import check_scalar
from . import _settings
from ._basis import canonicalise
from ._matrices import check_symmetric_matrix


def generalized_eigh(A, B, *, rank_rtol=1e-10):
    r"""Solve :math:`A q = \mu B q` with :math:`Q^\top B Q = I` on the range of :math:`B`.

    ``B`` is symmetric positive semi-definite and may be singular. With
    :math:`B = V S V^\top` and :math:`V_r, S_r` the eigenpairs with
    :math:`s > \text{rank\_rtol}\cdot s_{max}`, the whitening
    :math:`T = V_r S_r^{-1/2}` turns the problem into the ordinary symmetric
    :math:`T^\top A T p = \mu p`, and :math:`Q = T P`. Every column of ``Q``
    therefore lies in the range of ``B``: a direction ``B`` cannot see gets a
    zero coefficient, never an arbitrary one.

    The threshold is relative to the largest eigenvalue of ``B`` itself, so for a
    scatter matrix of raw features it depends on their units. It cannot be made
    unit-free from ``B`` alone (a column that is constant up to round-off has a tiny
    but nonzero variance that any per-variable scaling would promote to a direction):
    express ``A`` and ``B`` in the coordinates of :func:`feature_basis` first, which
    decides the rank from the features themselves.

    Returns
    -------
    mu : ndarray, shape (r,), ascending
    Q : ndarray, shape (D, r), B-orthonormal; the sign rule and cluster basis
        are applied in the whitened coordinates ``P`` (clusters: eigenvalues closer
        than ``DENSE_DEGENERACY_RTOL`` times the largest magnitude).
    """
    A = check_symmetric_matrix(A, "A")
    B = check_symmetric_matrix(B, "B")
    if A.shape != B.shape:
        raise ValueError(f"A and B must have the same shape, got {A.shape} and {B.shape}.")
    rank_rtol = check_scalar(rank_rtol, name="rank_rtol", low=0.0, low_inclusive=False, high=1.0)
    s, V = np.linalg.eigh((B + B.T) / 2)
    if s.min() < -1e-8 * max(abs(s.max()), np.finfo(float).tiny):
        raise ValueError(
            f"B must be positive semi-definite, but its smallest eigenvalue is {s.min():.3g}."
        )
    keep = s > rank_rtol * max(s.max(), 0.0) if s.max() > 0 else np.zeros_like(s, bool)
    if not np.any(keep):
        raise ValueError("B is zero (the features are constant): there is no direction with variance.")
    T = V[:, keep] / np.sqrt(s[keep])
    M = T.T @ A @ T
    mu, P = np.linalg.eigh((M + M.T) / 2)
    # Dense LAPACK on the whole spectrum: eigenvalues are accurate to a few eps * max|mu|,
    # so clusters are formed at DENSE_DEGENERACY_RTOL, not at the iterative solvers'
    # DEGENERACY_RTOL: with weights over many decades max|mu| is huge, and 1e-8 of it
    # merged distinct small eigenvalues (0.016 and 146 next to 3e11), whose canonical
    # basis then mixed their eigenvectors and raised the loss.
    P = canonicalise(mu, P, rtol=_settings.DENSE_DEGENERACY_RTOL)
    return mu, T @ P

r"""The generalized symmetric eigenproblem :math:`A q = \mu B q` with a singular ``B``."""

import numpy as np

from .._validation import check_scalar
from . import _settings
from ._basis import canonicalise
from ._matrices import check_symmetric_matrix, matrix_scale


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
        than ``DENSE_DEGENERACY_RTOL`` times the largest magnitude and than
        ``DEGENERACY_RESIDUALS`` times the residuals of the whitened pairs).
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
    M = (M + M.T) / 2
    mu, P = np.linalg.eigh(M)
    # Dense LAPACK on the whole spectrum: eigenvalues are accurate to a few eps * max|mu|,
    # so clusters are formed at DENSE_DEGENERACY_RTOL, not at the iterative solvers'
    # DEGENERACY_RTOL: with weights over many decades max|mu| is huge, and 1e-8 of it
    # merged distinct small eigenvalues (0.016 and 146 next to 3e11), whose canonical
    # basis then mixed their eigenvectors and raised the loss. The residuals cut tighter
    # still, at the accuracy LAPACK reached (see eigenvalue_clusters).
    P = whitened_canonical(M, mu, P)
    return mu, T @ P


def whitened_canonical(M, mu, P):
    """``canonicalise`` of the dense pairs ``(mu, P)`` of the symmetric ``M``, clusters cut by their residuals."""
    residuals = np.linalg.norm(M @ P - P * mu, axis=0)
    return canonicalise(mu, P, rtol=_settings.DENSE_DEGENERACY_RTOL, residuals=residuals,
                        scale=matrix_scale(M))


def degree_weighted_eigh(F, G, degrees, *, rank_rtol=1e-10):
    r""":func:`generalized_eigh` of :math:`A = -F^\top G F`, :math:`B = F^\top D_G F` from the factor
    :math:`D_G^{1/2} F`, without forming ``B``.

    With the thin SVD :math:`D_G^{1/2}F = U S V^\top` (columns with
    :math:`s^2 > \text{rank\_rtol}\cdot s_{max}^2`, the rule of :func:`generalized_eigh` on
    :math:`B`), the whitening :math:`T = V S^{-1}` and :math:`FT = D_G^{-1/2}U` (zero on rows of
    degree 0, which :math:`G` does not link), the problem is the ordinary symmetric one of
    :math:`-U^\top D_G^{-1/2} G D_G^{-1/2} U`, whose matrix has entries of at most 1 in
    magnitude. Why: with degrees over many decades :math:`B` is ill-conditioned, and its
    eigenvalues, like its whitening, are known only to :math:`\epsilon\,s_{max}^2`; the
    canonical correlations of Barlow Twins' CCA came out 6e-4 off at weights 3e-4 to 5e5
    (N = 4), where the singular values of the factor are known to :math:`\epsilon\,s_{max}`.

    Returns ``(mu, Q)`` as :func:`generalized_eigh`: ``mu`` ascending (the canonical
    correlations negated), :math:`Q^\top B Q = I`.
    """
    rank_rtol = check_scalar(rank_rtol, name="rank_rtol", low=0.0, low_inclusive=False, high=1.0)
    root = np.sqrt(degrees)
    U, S, Vt = np.linalg.svd(root[:, None] * F, full_matrices=False)
    keep = S**2 > rank_rtol * S[0] ** 2 if S.size and S[0] > 0 else np.zeros(S.shape, bool)
    if not np.any(keep):
        raise ValueError("B is zero (the features are constant): there is no direction with variance.")
    inverse_root = np.divide(1.0, root, out=np.zeros_like(root), where=root > 0)
    FT = inverse_root[:, None] * U[:, keep]  # F V S^-1, exactly 0 on isolated rows
    M = -(FT.T @ (G @ FT))
    M = (M + M.T) / 2
    mu, P = np.linalg.eigh(M)
    P = whitened_canonical(M, mu, P)
    return mu, (Vt[keep].T / S[keep]) @ P

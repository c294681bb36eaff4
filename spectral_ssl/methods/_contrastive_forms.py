r"""Rank and loss of the linear spectral contrastive optimum from the :math:`D\times D` forms.

:func:`full_rank_from_scatter` serves every linear solver whose basis came from the forms
(VICReg, Barlow Twins' whitened problem, spectral contrastive).
The rest is used by :func:`spectral_ssl.methods.spectral_contrastive.optimal_linear` when its basis came
from :func:`spectral_ssl.forms.feature_reductions`: ``forms`` is the dict its
``_basis_from_reductions`` returns (active features, the eigenpairs and column norms of the
Jacobi-scaled plain scatter, the Jacobi-scaled :math:`Y^\top D_G Y` and :math:`Y^\top G Y`,
the volume). Both replace passes over the :math:`N\times K` representation.
"""

import numpy as np

from .. import linalg


def rank_from_forms(W, forms):
    r"""``linalg.representation_rank`` of :math:`Z = XW + \mathbf 1 b^\top` from the scatter, without ``Z``.

    :math:`HZ = X_c W`, and with the Jacobi-scaled scatter of the active features
    :math:`\operatorname{diag}(n)\,V\operatorname{diag}(s^2)V^\top\operatorname{diag}(n)`
    (condition number at most ``spectral_contrastive.GRAM_CONDITION_LIMIT``), :math:`X_c = U\operatorname{diag}(s)V^\top
    \operatorname{diag}(n)` with orthonormal :math:`U`: the singular values of :math:`HZ` are those
    of the :math:`r\times K` matrix :math:`\operatorname{diag}(s)V^\top\operatorname{diag}(n)W`.
    The rule is ``representation_rank``'s (``linalg.RANK_RTOL`` of the largest).
    """
    s2, V, norms = forms["plain"]
    P = np.sqrt(np.maximum(s2, 0.0))[:, None] * (V.T @ (norms[:, None] * W[forms["active"]]))
    singular = np.linalg.svd(P, compute_uv=False)
    return int(np.sum(singular > linalg.RANK_RTOL * singular[0])) if singular.size and singular[0] > 0 \
        else 0


#: :func:`full_rank_from_scatter` decides "rank K" when the smallest eigenvalue of
#: :math:`W^\top X^\top HXW` is at least this times the largest: far above the rank threshold
#: (``linalg.RANK_RTOL`` squared, 1e-12) and above the round-off of the form (see there).
FULL_RANK_FLOOR = 1e-4


def full_rank_from_scatter(W, scatter, condition_limit):
    r"""``K`` when :math:`Z = XW + \mathbf 1 b^\top` certainly has ``linalg.representation_rank`` K, else None.

    :math:`HZ = X_cW`, so the squared singular values of :math:`HZ` are the eigenvalues of
    :math:`W^\top (X^\top HX) W`, from the scatter without ``Z``. Computed in floating point
    their error is at most about :math:`\epsilon D^2K\kappa` of the largest, :math:`\kappa` the
    condition number of the correlation matrix of the features (at most ``condition_limit``
    when the basis came from the forms; the Jacobi scaling makes the bound unit-free). When the
    smallest is at least ``max(FULL_RANK_FLOOR, 100 * that)`` times the largest, every singular
    value is far above ``RANK_RTOL`` times the largest and the rank is ``K``; otherwise None,
    and the caller takes ``representation_rank(Z)`` (which decides every other case by an SVD).
    """
    K = W.shape[1]
    if K == 0:
        return None
    C = W.T @ scatter @ W
    e = np.linalg.eigvalsh((C + C.T) / 2)
    error = float(np.finfo(np.float64).eps) * W.shape[0] ** 2 * K * condition_limit
    if e[-1] > 0 and e[0] >= max(FULL_RANK_FLOOR, 100.0 * error) * e[-1]:
        return K
    return None


def loss_from_forms(W, bias, mean, forms):
    r"""The spectral contrastive loss at :math:`Z = XW + \mathbf 1 b^\top` from the forms, without ``Z``.

    With :math:`Y = X - \mathbf 1 m^\top` (:math:`m` the :math:`D_G`-weighted mean, so
    :math:`Y^\top d = 0`), :math:`Z = YW + \mathbf 1\beta^\top`, :math:`\beta = b + W^\top m`:
    :math:`Z^\top D_G Z = W^\top Y^\top D_G Y W + \operatorname{vol}\,\beta\beta^\top` and
    :math:`Z^\top G Z = W^\top Y^\top G Y W + \operatorname{vol}\,\beta\beta^\top`, so
    :math:`\mathcal L = -\frac{2}{\operatorname{vol}}\operatorname{tr}(Z^\top G Z)
    + \frac{1}{\operatorname{vol}^2}\lVert Z^\top D_G Z\rVert_F^2`, the value of
    :func:`spectral_ssl.losses.spectral_contrastive` at :math:`Z` (tested), in :math:`O(D^2K)`.
    The forms are Jacobi-scaled (``W`` is scaled to match): no unit of a feature enters.
    """
    vol = forms["volume"]
    Ws = forms["scale"][:, None] * W[forms["active"]]
    beta = bias + mean @ W
    ones = vol * np.outer(beta, beta)
    weighted = Ws.T @ forms["B"] @ Ws + ones
    adjacency = Ws.T @ forms["A"] @ Ws + ones
    return float(-2.0 * np.trace(adjacency) / vol + np.sum(((weighted + weighted.T) / (2 * vol)) ** 2))

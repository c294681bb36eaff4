r"""Self-supervised losses in the reference libraries' paired-view conventions.

Two views ``A`` and ``B`` (N x D): row ``i`` of ``A`` and row ``i`` of ``B`` are
a positive pair. These are numpy re-implementations, in float64, of the
constants of the code people run (official repositories, lightly 1.6.0,
solo-learn, ...); the optional ``crosscheck`` tests compare them with the real
libraries. ``var_u`` divides by :math:`N-1`.

Relation to the graph form. With :math:`Z = [A; B]` (:math:`2N` rows) and the
two-view pairing graph :math:`G` (``graphs.from_groups(np.tile(np.arange(N), 2))``):

.. math::

    \text{official}(A, B) = \frac{25}{D}\,\text{inv}(Z, G)
    + \frac{12.5}{D}\big[v_h(sA) + v_h(sB)\big] + \frac1D\big[c(sA) + c(sB)\big],

with ``inv`` = :func:`spectral_ssl.losses.invariance_term`, :math:`v_h` =
:func:`spectral_ssl.losses.variance_term` (hinge, :math:`\epsilon = 10^{-4}`),
:math:`c` = :func:`spectral_ssl.losses.covariance_term`, and
:math:`s = \sqrt{N/(N-1)}` (turns the graph form's :math:`1/N` covariance into
the :math:`1/(N-1)` one). Variance and covariance are per view in the
reference code, over all stacked rows in the paper's graph form.
"""

import numpy as np

from ._validation import check_features, check_option, check_scalar


def _check_views(A, B):
    A = check_features(A, name="A")
    B = check_features(B, name="B")
    if A.shape != B.shape:
        raise ValueError(
            f"A and B must have the same shape (two views of the same samples), got {A.shape} and {B.shape}."
        )
    return A, B


def _vicreg_view_terms(V, eps):
    """(mean_k relu(1 - sqrt(var_u + eps)), sum offdiag(cov_u)^2 / D) for one view."""
    n, dim = V.shape
    Vc = V - V.mean(axis=0)
    cov = Vc.T @ Vc / (n - 1)
    std = np.sqrt(np.diag(cov) + eps)
    variance = np.mean(np.maximum(0.0, 1.0 - std))
    covariance = (np.sum(cov**2) - np.sum(np.diag(cov) ** 2)) / dim
    return variance, covariance


def vicreg(A, B, *, convention="official", invariance=25.0, variance=25.0, covariance=1.0, eps=1e-4):
    r"""VICReg loss of two views in a reference convention.

    .. math::

        \text{inv} = \operatorname{mean}_{i,k}(A_{ik}-B_{ik})^2,\quad
        v_V = \operatorname{mean}_k \operatorname{relu}(1-\sqrt{\operatorname{var}_u(V_{:k})+\epsilon}),\quad
        c_V = \textstyle\sum \operatorname{offdiag}(V_c^\top V_c/(N-1))^2 / D

    * ``"official"`` (facebookresearch/vicreg ``main_vicreg.py``; lightly 1.6.0
      ``VICRegLoss``): :math:`\lambda\,\text{inv} + \mu\,\tfrac12(v_A + v_B) + \nu(c_A + c_B)`.
    * ``"solo"`` (solo-learn): the variance term is not halved,
      :math:`\lambda\,\text{inv} + \mu(v_A + v_B) + \nu(c_A + c_B)`.

    Parameters
    ----------
    A, B : array_like, shape (N, D), N >= 2
    convention : {"official", "solo"}
    invariance, variance, covariance : float
        :math:`\lambda, \mu, \nu` (defaults 25, 25, 1).
    eps : float
        Inside the square root of the variance (1e-4 in the reference code).

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[1.0, 0.0], [-1.0, 0.0]])
    >>> round(vicreg(A, A, variance=0.0, covariance=0.0), 12)  # identical views: no invariance cost
    0.0
    """
    A, B = _check_views(A, B)
    check_option(convention, name="convention", options=("official", "solo"))
    lam = check_scalar(invariance, name="invariance", low=0.0)
    mu = check_scalar(variance, name="variance", low=0.0)
    nu = check_scalar(covariance, name="covariance", low=0.0)
    eps = check_scalar(eps, name="eps", low=0.0)
    inv = np.mean((A - B) ** 2)
    var_a, cov_a = _vicreg_view_terms(A, eps)
    var_b, cov_b = _vicreg_view_terms(B, eps)
    variance_weight = 0.5 if convention == "official" else 1.0
    return float(lam * inv + mu * variance_weight * (var_a + var_b) + nu * (cov_a + cov_b))

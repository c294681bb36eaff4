r"""Exact self-supervised losses in graph form (Balestriero and LeCun 2022, section 2).

Every loss takes the representation ``Z`` (N x K, one row per sample, all views
stacked) and the relation graph ``G`` (N x N). Covariances use the
:math:`1/N` normalisation of the derivations:

.. math:: \operatorname{Cov}(Z) = Z^\top H Z / N, \qquad H = I - \mathbf 1\mathbf 1^\top / N .

(The reference libraries divide by :math:`N - 1`; :mod:`spectral_ssl.reference`
implements those conventions and states the factor between the two.)

Each public loss validates its input and returns a float, or
``(value, gradient)`` with ``return_gradient=True``; the gradient is
analytic (tests compare it with finite differences). The private
``_..._value_and_gradient`` twins skip validation for optimisation loops.
"""

import numpy as np

from ._validation import check_features, check_graph, check_option, check_scalar

VARIANCE_KINDS = ("square", "hinge")


def _covariance(Z):
    Zc = Z - Z.mean(axis=0)
    return Zc, Zc.T @ Zc / Z.shape[0]


def _laplacian_times(Z, G, degrees):
    """:math:`L Z = d \\odot Z - G Z` without forming :math:`L`."""
    return degrees[:, None] * Z - G @ Z


def _check_pair(Z, G):
    G = check_graph(G)
    Z = check_features(Z, name="Z", n_samples=G.shape[0])
    return Z, G


# --------------------------------------------------------------------------- VICReg terms


def invariance_term(Z, G):
    r"""Unweighted VICReg invariance :math:`\frac1N \sum_{ij} G_{ij}\lVert z_i - z_j\rVert^2 = \frac2N \operatorname{tr}(Z^\top L Z)`.

    Examples
    --------
    Two samples linked by weight 1, one unit apart: :math:`(1 + 1)/2 = 1`.

    >>> import numpy as np
    >>> invariance_term(np.array([[0.0], [1.0]]), np.array([[0, 1.0], [1.0, 0]]))
    1.0
    """
    Z, G = _check_pair(Z, G)
    d = np.asarray(G.sum(axis=1)).ravel()
    return float(2.0 * np.sum(Z * _laplacian_times(Z, G, d)) / Z.shape[0])


def variance_term(Z, *, variance_kind="square", eps=1e-4):
    r"""Unweighted VICReg variance :math:`\sum_k v(\operatorname{Cov}(Z)_{kk})`.

    ``"square"``: :math:`v(c) = (1 - c)^2`; ``"hinge"``:
    :math:`v(c) = \max(0, 1 - \sqrt{c + \epsilon})` (``eps`` is used by the
    hinge only).

    Examples
    --------
    >>> import numpy as np
    >>> variance_term(np.array([[1.0], [-1.0]]))  # variance 1: no penalty
    0.0
    """
    Z = check_features(Z, name="Z")
    check_option(variance_kind, name="variance_kind", options=VARIANCE_KINDS)
    eps = check_scalar(eps, name="eps", low=0.0)
    diag = np.diag(_covariance(Z)[1])
    return float(np.sum(_variance_penalty(diag, variance_kind, eps)[0]))


def covariance_term(Z):
    r"""Unweighted VICReg covariance :math:`\sum_{k \ne l} \operatorname{Cov}(Z)_{kl}^2`.

    Examples
    --------
    >>> import numpy as np
    >>> covariance_term(np.array([[1.0, 1.0], [-1.0, -1.0]]))  # Cov = [[1, 1], [1, 1]]
    2.0
    """
    Z = check_features(Z, name="Z")
    C = _covariance(Z)[1]
    return float(np.sum(C**2) - np.sum(np.diag(C) ** 2))


def _variance_penalty(diag, kind, eps):
    """Penalty v(c) per entry and its derivative v'(c)."""
    if kind == "square":
        return (1.0 - diag) ** 2, -2.0 * (1.0 - diag)
    root = np.sqrt(np.maximum(diag + eps, 0.0))
    active = root < 1.0
    value = np.where(active, 1.0 - root, 0.0)
    with np.errstate(divide="ignore"):
        slope = np.where(active, -0.5 / np.maximum(root, 1e-300), 0.0)
    return value, slope


# --------------------------------------------------------------------------- VICReg


def vicreg(Z, G, *, variance=25.0, covariance=1.0, invariance=25.0,
           variance_kind="square", eps=1e-4, return_gradient=False):
    r"""VICReg loss in graph form.

    .. math::

        \mathcal L(Z) = \alpha \sum_k v(C_{kk}) + \beta \sum_{k \ne l} C_{kl}^2
        + \frac{\gamma}{N} \sum_{ij} G_{ij} \lVert z_i - z_j \rVert^2,
        \qquad C = Z^\top H Z / N,

    with :math:`v(c) = (1-c)^2` (``"square"``, the variant the closed forms
    solve) or :math:`v(c) = \max(0, 1 - \sqrt{c + \epsilon})` (``"hinge"``, the
    variant used in practice). The invariance term equals
    :math:`\frac{2\gamma}{N}\operatorname{tr}(Z^\top L Z)`.

    Parameters
    ----------
    Z : array_like, shape (N, K)
    G : relation graph, shape (N, N)
    variance : float >= 0
        :math:`\alpha` (the paper), :math:`\mu` in the VICReg paper.
    covariance : float >= 0
        :math:`\beta` (the paper), :math:`\nu` in the VICReg paper.
    invariance : float >= 0
        :math:`\gamma` (the paper), :math:`\lambda` in the VICReg paper.
        Defaults are the official weights (25, 1, 25); note that the graph form
        normalises the invariance term differently from the official code (see
        :func:`spectral_ssl.reference.vicreg`).
    variance_kind : {"square", "hinge"}
    eps : float >= 0
        :math:`\epsilon` inside the hinge's square root (ignored by "square").
    return_gradient : bool
        Also return :math:`\partial\mathcal L/\partial Z`:
        :math:`\frac2N H Z\,\Gamma + \frac{4\gamma}{N} L Z` with
        :math:`\Gamma = \alpha\operatorname{diag}(v'(C_{kk})) + 2\beta\,\operatorname{offdiag}(C)`.

    Returns
    -------
    loss : float, or (float, ndarray of shape (N, K))

    Examples
    --------
    Two linked samples at :math:`\pm 1`: variance 1 (no variance penalty), no
    covariance, invariance :math:`\frac{\gamma}{2} \cdot 2 \cdot 4 = 4\gamma`.

    >>> import numpy as np
    >>> vicreg(np.array([[1.0], [-1.0]]), np.array([[0, 1.0], [1.0, 0]]),
    ...        variance=1.0, covariance=1.0, invariance=0.5)
    2.0
    """
    Z, G = _check_pair(Z, G)
    weights = _check_vicreg_weights(variance, covariance, invariance, variance_kind, eps)
    d = np.asarray(G.sum(axis=1)).ravel()
    value, grad = _vicreg_value_and_gradient(Z, G, d, *weights)
    return (value, grad) if return_gradient else value


def _check_vicreg_weights(variance, covariance, invariance, variance_kind, eps):
    return (
        check_scalar(variance, name="variance", low=0.0),
        check_scalar(covariance, name="covariance", low=0.0),
        check_scalar(invariance, name="invariance", low=0.0),
        check_option(variance_kind, name="variance_kind", options=VARIANCE_KINDS),
        check_scalar(eps, name="eps", low=0.0),
    )


def _vicreg_value_and_gradient(Z, G, degrees, variance, covariance, invariance, variance_kind, eps):
    n = Z.shape[0]
    Zc, C = _covariance(Z)
    diag = np.diag(C)
    penalty, slope = _variance_penalty(diag, variance_kind, eps)
    off = C - np.diag(diag)
    LZ = _laplacian_times(Z, G, degrees)
    value = (variance * np.sum(penalty) + covariance * np.sum(off**2)
             + 2.0 * invariance * np.sum(Z * LZ) / n)
    Gamma = variance * np.diag(slope) + 2.0 * covariance * off
    grad = (2.0 / n) * Zc @ Gamma + (4.0 * invariance / n) * LZ
    return float(value), grad

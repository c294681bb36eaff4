r"""The VICReg loss in graph form and its three terms."""

import numpy as np

from .._relations import relation_degrees
from .._validation import check_features, check_option, check_scalar
from ._common import (centred, centred_covariance, check_pair, dirichlet_energy, exact_scale, laplacian_times,
                      normalised_weights)


VARIANCE_KINDS = ("square", "hinge")


def invariance_term(Z, G):
    r"""Unweighted VICReg invariance :math:`\frac1N \sum_{ij} G_{ij}\lVert z_i - z_j\rVert^2 = \frac2N \operatorname{tr}(Z^\top L Z)`.

    Computed as :math:`\frac2N\operatorname{tr}(Z_c^\top L Z_c)` with the column-centred
    :math:`Z_c` (equal, since :math:`L\mathbf 1 = 0`): translation-invariant without the
    cancellation of :math:`\operatorname{tr}(Z^\top LZ)` when the mean of ``Z`` is large.

    Examples
    --------
    Two samples linked by weight 1, one unit apart: :math:`(1 + 1)/2 = 1`.

    >>> import numpy as np
    >>> invariance_term(np.array([[0.0], [1.0]]), np.array([[0, 1.0], [1.0, 0]]))
    1.0
    """
    Z, G = check_pair(Z, G)
    d = relation_degrees(G)
    Gn, dn, top = normalised_weights(G, d)
    Zc = centred(Z)  # L 1 = 0: the mean does not enter, and would cancel
    return float(exact_scale(np.sum(Zc * laplacian_times(Zc, Gn, dn)), 2.0 / Z.shape[0], top))


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
    diag = np.diag(centred_covariance(Z)[1])
    return float(np.sum(variance_penalty(diag, variance_kind, eps)[0]))


def covariance_term(Z):
    r"""Unweighted VICReg covariance :math:`\sum_{k \ne l} \operatorname{Cov}(Z)_{kl}^2`.

    Examples
    --------
    >>> import numpy as np
    >>> covariance_term(np.array([[1.0, 1.0], [-1.0, -1.0]]))  # Cov = [[1, 1], [1, 1]]
    2.0
    """
    Z = check_features(Z, name="Z")
    C = centred_covariance(Z)[1]
    return float(np.sum(C**2) - np.sum(np.diag(C) ** 2))


def variance_penalty(diag, kind, eps):
    r"""The VICReg variance penalty ``v(c)`` per entry of ``diag`` and its derivative ``v'(c)``.

    ``kind`` is ``"square"`` (:math:`(1 - c)^2`) or ``"hinge"``
    (:math:`\max(0, 1 - \sqrt{c + \epsilon})`, ``eps`` = :math:`\epsilon`); not validated.
    Returns ``(value, slope)``, arrays shaped like ``diag``.
    """
    if kind == "square":
        return (1.0 - diag) ** 2, -2.0 * (1.0 - diag)
    root = np.sqrt(np.maximum(diag + eps, 0.0))
    active = root < 1.0
    value = np.where(active, 1.0 - root, 0.0)
    with np.errstate(divide="ignore"):
        slope = np.where(active, -0.5 / np.maximum(root, 1e-300), 0.0)
    return value, slope


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
        The defaults are the official weights (25, 1, 25) read as graph-form weights,
        which is *not* the official loss: the official code and lightly's ``VICRegLoss``
        with :math:`(\lambda, \mu, \nu)` are :math:`\frac1K` times this loss at
        :math:`sZ` (:math:`s = \sqrt{n/(n-1)}`, :math:`n` samples per view) with
        ``variance`` :math:`=\mu`, ``covariance`` :math:`=2\nu` (the library adds two
        views' covariance terms), ``invariance`` :math:`=\lambda/s^2` and the hinge, when
        both views have equal statistics (the library's variance and covariance are per
        view). :func:`spectral_ssl.practice.graph_form_hyperparameters` returns the
        mapping and :func:`spectral_ssl.practice.optimal_linear_for` solves the library's
        loss itself.
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
    Z, G = check_pair(Z, G)
    weights = check_vicreg_weights(variance, covariance, invariance, variance_kind, eps)
    d = relation_degrees(G)
    value, grad = vicreg_value_and_gradient(Z, G, d, *weights)
    return (value, grad) if return_gradient else value


def check_vicreg_weights(variance, covariance, invariance, variance_kind, eps):
    return (
        check_scalar(variance, name="variance", low=0.0),
        check_scalar(covariance, name="covariance", low=0.0),
        check_scalar(invariance, name="invariance", low=0.0),
        check_option(variance_kind, name="variance_kind", options=VARIANCE_KINDS),
        check_scalar(eps, name="eps", low=0.0),
    )


def weighted(weight, term):
    """``weight * term``, and 0 for a zero weight even when the term overflowed (no 0 * inf)."""
    return weight * term if weight else np.zeros_like(term)


def vicreg_value_and_gradient(Z, G, degrees, variance, covariance, invariance, variance_kind, eps):
    """Value and gradient of :func:`vicreg` without validation (optimisation loops).

    ``Z``: float64 (N, K); ``G``: what :func:`spectral_ssl.graphs.check` returns;
    ``degrees``: ``G.sum(axis=1)`` as a flat float64 array; the hyper-parameters already
    validated. Returns ``(value, gradient)``.

    Translation-invariant arithmetic: the invariance term uses the centred ``Z`` (``L 1 = 0``),
    so ``Z + 1e10`` gives the loss of ``Z`` to the precision the shifted input holds; the
    graph enters as ``w * (G / w)`` (:func:`exact_scale`), so any weight scale is safe.
    """
    n = Z.shape[0]
    Zc, C = centred_covariance(Z)
    diag = np.diag(C)
    penalty, slope = variance_penalty(diag, variance_kind, eps)
    off = C - np.diag(diag)
    Gn, dn, top = normalised_weights(G, degrees)
    LZ = laplacian_times(Zc, Gn, dn)  # L Z = L Zc
    # Edge sum, not sum(Zc * LZ): no cancellation, so a large invariance weight multiplies the
    # Dirichlet energy itself and not the round-off of d|z|^2 - z^T G z (>= 0: no inf - inf).
    dirichlet = dirichlet_energy(Zc, Gn)
    value = (float(weighted(variance, np.sum(penalty))) + float(weighted(covariance, np.sum(off**2)))
             + (float(exact_scale(dirichlet, invariance * (2.0 / n), top)) if invariance else 0.0))
    Gamma = weighted(variance, np.diag(slope)) + weighted(covariance, 2.0 * off)
    grad = (2.0 / n) * Zc @ Gamma
    if invariance:
        grad = grad + exact_scale(LZ, invariance * (4.0 / n), top)
    return float(value), grad

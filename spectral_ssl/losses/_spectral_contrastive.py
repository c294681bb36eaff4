r"""The spectral contrastive loss (HaoChen et al. 2021) in graph form."""

import numpy as np

from .._relations import relation_degrees
from .._threads import sparse_product
from ._common import check_pair, normalised_weights


def spectral_contrastive(Z, G, *, return_gradient=False):
    r"""Spectral contrastive loss (HaoChen et al. 2021) in graph form.

    With :math:`d = G\mathbf 1`, :math:`D_G = \operatorname{diag}(d)` and
    :math:`\operatorname{vol} = \sum_i d_i`:

    .. math::

        \mathcal L(Z) = -\frac{2}{\operatorname{vol}} \sum_{ij} G_{ij}\, z_i^\top z_j
        + \frac{1}{\operatorname{vol}^2} \sum_{ij} d_i d_j (z_i^\top z_j)^2
        = -\frac{2}{\operatorname{vol}} \operatorname{tr}(Z^\top G Z)
        + \frac{1}{\operatorname{vol}^2} \lVert Z^\top D_G Z\rVert_F^2 .

    The second form is what is computed (:math:`O(\mathrm{nnz}(G) K + N K^2)`,
    no :math:`N\times N` product), since
    :math:`\sum_{ij} d_i d_j (z_i^\top z_j)^2 = \operatorname{tr}(Z^\top D_G Z\, Z^\top D_G Z)`.
    With :math:`u_i = \sqrt{d_i/\operatorname{vol}}\, z_i` it equals
    :math:`\lVert U U^\top - \bar A\rVert_F^2 - \lVert \bar A\rVert_F^2`,
    :math:`\bar A = D_G^{-1/2} G D_G^{-1/2}` (Balestriero and LeCun 2022,
    section 2), whose minimum over rank-:math:`K` matrices is
    :math:`-\sum_{k\le K}\max(0,\nu_k)^2` (Eckart-Young; :math:`\nu` the
    eigenvalues of :math:`\bar A`). An isolated sample (:math:`d_i = 0`) does
    not enter the loss.

    With the two-view pairing graph and :math:`Z = [A; B]` the attraction
    term equals HaoChen's :math:`-\frac2N\sum_i a_i^\top b_i` exactly; the
    repulsion terms differ (see :func:`spectral_ssl.reference.spectral_contrastive`).

    Parameters
    ----------
    Z : array_like, shape (N, K)
    G : relation graph, shape (N, N)
    return_gradient : bool
        Also return
        :math:`\partial\mathcal L/\partial Z = -\frac{4}{\operatorname{vol}} G Z
        + \frac{4}{\operatorname{vol}^2} D_G Z\,(Z^\top D_G Z)`.

    Returns
    -------
    loss : float, or (float, ndarray of shape (N, K))

    Examples
    --------
    Two linked samples with equal representations reach the Eckart-Young
    minimum :math:`-\nu_1^2 = -1`.

    >>> import numpy as np
    >>> spectral_contrastive(np.array([[1.0], [1.0]]), np.array([[0, 1.0], [1.0, 0]]))
    -1.0
    """
    Z, G = check_pair(Z, G)
    d = relation_degrees(G)
    value, grad = spectral_contrastive_value_and_gradient(Z, G, d)
    return (value, grad) if return_gradient else value


def spectral_contrastive_value_and_gradient(Z, G, degrees):
    r"""Value and gradient of :func:`spectral_contrastive` without validation.

    ``Z``: float64 (N, K); ``G``: what :func:`spectral_ssl.graphs.check` returns;
    ``degrees``: ``G.sum(axis=1)`` as a flat float64 array; the hyper-parameters already
    validated. Returns ``(value, gradient)``.

    The loss depends on :math:`G/\operatorname{vol}` only, so it is evaluated on
    :math:`G/w` (:math:`w` the largest weight): the same value for weights 1e-310 or
    1e300. It is bounded below by :math:`-\lVert\bar A\rVert_F^2`, so an overflow can
    only mean :math:`+\infty` (returned as such, never ``inf - inf = nan``).
    """
    Gn, dn, top = normalised_weights(G, degrees)
    if top == 0.0:
        raise ValueError("G has no edge: the spectral contrastive loss divides by the volume "
                         "sum(G) = 0. Give G at least one positive weight.")
    vol = float(np.sum(dn))
    GZ = sparse_product(Gn, Z)
    DZ = dn[:, None] * Z
    M = Z.T @ DZ
    M = (M + M.T) / (2.0 * vol)
    with np.errstate(over="ignore", invalid="ignore"):
        value = -2.0 * np.sum(Z * GZ) / vol + np.sum(M**2)
        grad = (-4.0 / vol) * GZ + (4.0 / vol) * (DZ @ M)
    if not np.isfinite(value):
        value = float("inf")
    return float(value), grad

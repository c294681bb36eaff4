r"""The Barlow Twins cross-correlation and loss in graph form."""

import numpy as np
import scipy.sparse as sp

from .._relations import LabelRelation, relation_degrees
from .._threads import sparse_product
from .._validation import check_flag, check_scalar
from ._common import check_pair, normalised_weights


#: Largest weights within which the loss is evaluated on ``G`` itself (else on ``G`` over its largest weight).
MODERATE_WEIGHTS = (1e-100, 1e100)


def _largest_weight(G):
    """The largest weight of a sparse or dense ``G`` or a LabelRelation (1 for an empty graph)."""
    if isinstance(G, LabelRelation):
        return G.weight
    if sp.issparse(G):
        return float(G.data.max()) if G.nnz else 1.0
    return float(np.max(G)) if np.size(G) else 1.0


def barlow_twins_statistics(Z, degrees, centered):
    """Centred (or not) copy of Z, D_G Z, and s_k = z_k^T D_G z_k."""
    if centered:
        Z = Z - (degrees @ Z) / np.sum(degrees)
    DZ = degrees[:, None] * Z
    return Z, DZ, np.sum(Z * DZ, axis=0)


def unit_columns(Z):
    """``Z`` with each column divided by its largest absolute entry, and those entries.

    The loss is invariant to rescaling the columns; without this its sums of squares
    underflow for columns of 1e-200 and overflow for columns of 1e200. A zero column is
    left as it is (its scale is 1), for :func:`check_barlow_columns` to refuse.
    """
    top = np.max(np.abs(Z), axis=0) if Z.shape[0] else np.ones(Z.shape[1])
    top = np.where(top > 0, top, 1.0)
    return Z / top, top


def check_barlow_columns(Z, degrees, centered):
    """Raise if some column has zero D_G-weighted norm (its cosine is undefined).

    ``Z``: columns already scaled by :func:`unit_columns`.
    """
    _, _, s = barlow_twins_statistics(Z, degrees, centered)
    raw = np.sum(degrees[:, None] * Z**2, axis=0)
    bad = np.flatnonzero(~(s > 1e-24 * raw) | (s <= 0))
    if bad.size:
        what = ("D_G-weighted variance (a column constant on the linked samples, or varying by "
                "less than the round-off of its mean: subtract the mean first)") if centered\
            else "D_G-weighted norm (a column that is zero on every linked sample)"
        raise ValueError(
            f"Z has {bad.size} column(s) with zero {what}; first: column {int(bad[0])}. The "
            f"Barlow Twins correlation of such a column is undefined; drop it or perturb it."
        )


def barlow_twins_correlation(Z, G, *, centered=False):
    r"""The Barlow Twins cross-correlation matrix in graph form.

    .. math::

        C = \hat Z^\top G \hat Z, \qquad
        \hat Z = Z_c \operatorname{diag}(Z_c^\top D_G Z_c)^{-1/2},

    with :math:`Z_c = Z` (``centered=False``, the paper's form) or
    :math:`Z_c = Z - \mathbf 1\, d^\top Z/\operatorname{vol}` (``centered=True``:
    columns centred by their :math:`D_G`-weighted mean). :math:`C_{kl}` is the
    cosine between column :math:`k` of :math:`Z_{left}` and column :math:`l`
    of :math:`Z_{right}`, where every nonzero :math:`G_{ij}` sends row
    :math:`i` to the left view and row :math:`j` to the right view with
    weight :math:`G_{ij}` (both views then have the weighted column norms
    :math:`z_k^\top D_G z_k`, and the :math:`D_G`-weighted mean is the mean of
    either view: centring by it is batch normalisation of the edge list).

    Examples
    --------
    >>> import numpy as np
    >>> C = barlow_twins_correlation(np.array([[1.0], [1.0]]), np.array([[0, 1.0], [1.0, 0]]))
    >>> C.tolist()
    [[1.0]]
    """
    Z, G = check_pair(Z, G)
    centered = check_flag(centered, "centered")
    d = relation_degrees(G)
    Z, _ = unit_columns(Z)  # C does not depend on the columns' scales
    check_barlow_columns(Z, d, centered)
    Zc, _, s = barlow_twins_statistics(Z, d, centered)
    M = Zc.T @ (G @ Zc)
    return ((M + M.T) / 2) / np.sqrt(np.outer(s, s))


def barlow_twins(Z, G, *, off_diagonal=5e-3, centered=False, return_gradient=False):
    r"""Barlow Twins loss in graph form (the paper's weighted form).

    .. math::

        \mathcal L(Z) = \sum_k (C_{kk} - 1)^2 + \lambda \sum_{k \ne l} C_{kl}^2,
        \qquad C = \hat Z^\top G \hat Z,\quad
        \hat Z = Z_c\operatorname{diag}(Z_c^\top D_G Z_c)^{-1/2},

    (see :func:`barlow_twins_correlation`). With :math:`\hat z_k^\top D_G \hat z_k = 1`,
    :math:`C_{kk} = 1 - \hat z_k^\top L \hat z_k`: the diagonal term is an
    invariance (Dirichlet) penalty. The loss is invariant to rescaling the
    columns of :math:`Z`.

    ``centered`` chooses :math:`Z_c`:

    * ``False`` (the paper's form): :math:`Z_c = Z`, cosines of uncentred columns.
    * ``True``: :math:`Z_c = Z - \mathbf 1\, d^\top Z/\operatorname{vol}`, the
      :math:`D_G`-weighted mean. This is the mean of the left (and of the
      right) view of the edge list, so the graph form is the correlation of
      the batch-normalised edge list. On the two-view pairing graph
      (:math:`d = \mathbf 1`) it is the plain mean of the :math:`2N` stacked
      rows: the *shared* statistics of VISSL. The official code normalises each
      view with its own statistics; the two agree when both views have the
      same column means and variances (see :func:`spectral_ssl.reference.barlow_twins`
      for the exact relation, including the antisymmetric part of the
      reference :math:`C` that the symmetric graph form does not see).

    Parameters
    ----------
    Z : array_like, shape (N, K)
        Every column needs a nonzero :math:`D_G`-weighted norm (variance if
        centred), otherwise ``ValueError``.
    G : relation graph, shape (N, N)
    off_diagonal : float >= 0
        :math:`\lambda` (the Barlow Twins paper's :math:`\lambda`; 5e-3 in lightly,
        0.0051 in the official code).
    centered : bool
    return_gradient : bool
        Also return :math:`\partial\mathcal L/\partial Z`. With
        :math:`s_k = z_k^\top D_G z_k`, :math:`R = \operatorname{diag}(s)^{-1/2}`,
        :math:`\Gamma = \partial\mathcal L/\partial C` (:math:`2(C_{kk}-1)` on the
        diagonal, :math:`2\lambda C_{kl}` off it):
        :math:`\partial\mathcal L/\partial Z_c = 2\, G Z_c R\Gamma R
        - 2\, D_G Z_c \operatorname{diag}\big(s_k^{-1} (C\Gamma)_{kk}\big)`,
        and for ``centered=True`` the centring is applied to it transposed:
        :math:`g - d\,(\mathbf 1^\top g)/\operatorname{vol}`.

    Returns
    -------
    loss : float, or (float, ndarray of shape (N, K))

    Examples
    --------
    Columns constant on the connected components and :math:`D_G`-orthogonal
    give :math:`C = I` and zero loss:

    >>> import numpy as np
    >>> G = np.kron(np.eye(2), [[0, 1.0], [1.0, 0]])  # two disjoint pairs
    >>> Z = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    >>> barlow_twins(Z, G)
    0.0
    """
    Z, G = check_pair(Z, G)
    lam = check_scalar(off_diagonal, name="off_diagonal", low=0.0)
    centered = check_flag(centered, "centered")
    d = relation_degrees(G)
    Z, top = unit_columns(Z)  # the loss does not depend on the columns' scales; its gradient scales by 1/top
    check_barlow_columns(Z, d, centered)
    value, grad = barlow_twins_value_and_gradient(Z, G, d, lam, centered)
    return (value, grad / top) if return_gradient else value


def barlow_twins_value_and_gradient(Z, G, degrees, off_diagonal, centered):
    """Value and gradient of :func:`barlow_twins` without validation.

    ``Z``: float64 (N, K); ``G``: what :func:`spectral_ssl.graphs.check` returns;
    ``degrees``: ``G.sum(axis=1)`` as a flat float64 array; the hyper-parameters already
    validated. Returns ``(value, gradient)``.

    ``G`` only needs ``G @ Z`` (a sparse matrix or a dense array). A column with
    zero weighted norm gives ``(inf, zeros)`` so that a line search backs off.
    Value and gradient do not depend on the scale of ``G``; weights beyond 1e+-100 are
    divided by the largest first (:math:`s_k s_l` overflowed at 1e154, underflowed at 1e-200).
    """
    if not MODERATE_WEIGHTS[0] <= _largest_weight(G) <= MODERATE_WEIGHTS[1]:
        G, degrees, _ = normalised_weights(G, degrees)
    Zc, DZ, s = barlow_twins_statistics(Z, degrees, centered)
    if np.any(~(s > 0)):
        return float("inf"), np.zeros_like(Z)
    r = 1.0 / np.sqrt(s)
    GZ = sparse_product(G, Zc)
    M = Zc.T @ GZ
    M = (M + M.T) / 2
    C = M / np.sqrt(np.outer(s, s))
    diag = np.diag(C)
    off = C - np.diag(diag)
    value = np.sum((diag - 1.0) ** 2) + off_diagonal * np.sum(off**2)
    Gamma = 2.0 * off_diagonal * off + np.diag(2.0 * (diag - 1.0))
    grad = 2.0 * GZ @ (r[:, None] * Gamma * r[None, :]) - 2.0 * DZ * (r**2 * np.sum(C * Gamma, axis=0))
    if centered:
        grad = grad - np.outer(degrees, grad.sum(axis=0)) / np.sum(degrees)
    return float(value), grad

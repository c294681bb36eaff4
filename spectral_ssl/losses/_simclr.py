r"""The SimCLR (NT-Xent) loss in graph form."""

import numpy as np
import scipy.sparse as sp

from .. import memory
from .._validation import check_scalar
from .._relations import LabelRelation, implicit_refusal, relation_degrees
from ..kernels import unit_rows
from ._common import check_pair, exact_scale, normalised_weights


def row_norms_checked(Z, name="Z"):
    """Row norms of a float64 ``Z``, raising ``ValueError`` (naming ``name``) on a zero row.

    A zero row has no direction, so its cosines are undefined. The norms are computed
    on rows scaled by their largest entry: no underflow for entries near 1e-170.
    """
    top = np.max(np.abs(Z), axis=1) if Z.shape[1] else np.zeros(Z.shape[0])
    zero = np.flatnonzero(top == 0)
    if zero.size:
        raise ValueError(
            f"{name} has {zero.size} row(s) with zero norm (first: row {int(zero[0])}); the cosine "
            f"similarity of a zero vector is undefined. Remove those samples or give them a nonzero "
            f"representation."
        )
    return top * np.linalg.norm(Z / top[:, None], axis=1)  # no underflow for entries ~1e-170


def simclr(Z, G, *, temperature=0.5, return_gradient=False):
    r"""SimCLR (NT-Xent) loss in graph form.

    .. math::

        \hat G_{ij} = \frac{\exp(\cos(z_i, z_j)/\tau)}{\sum_{k \ne i} \exp(\cos(z_i, z_k)/\tau)}
        \quad (i \ne j), \qquad
        \mathcal L(Z) = -\sum_{ij} G_{ij} \log \hat G_{ij}
        = -\frac1\tau\sum_{ij} G_{ij}\cos(z_i, z_j)
        + \sum_i d_i \log\sum_{k\ne i} e^{\cos(z_i, z_k)/\tau},

    a cross-entropy between :math:`G` and the row-softmax of the cosine
    similarities (Balestriero and LeCun 2022, section 2). It is evaluated as
    :math:`\frac1\tau\sum_{ij}G_{ij}(m_i - \cos(z_i, z_j)) + \sum_i d_i\log\sum_{k\ne i}
    e^{(\cos(z_i, z_k) - m_i)/\tau}` with :math:`m_i = \max_{k\ne i}\cos(z_i, z_k)`: two
    non-negative terms, exponentials at most 1, and the factors :math:`1/\tau` and the
    weight scale applied exactly (binary exponents). Any temperature :math:`\tau > 0`
    and any weight scale give a finite value unless the true value exceeds the float64
    range (then ``inf``; never NaN), and rows with entries down to 1e-300 keep their
    direction. The loss depends on each row of ``Z`` only through its
    direction: :math:`\mathcal L(\operatorname{diag}(s) Z) = \mathcal L(Z)` for
    :math:`s > 0`.

    With the two-view pairing graph and :math:`Z = [A; B]` this is :math:`2N`
    times lightly's ``NTXentLoss`` (see :func:`spectral_ssl.reference.nt_xent`).

    Parameters
    ----------
    Z : array_like, shape (N, K)
        No row may be zero (its cosine is undefined: ``ValueError``).
    G : relation graph, shape (N, N)
    temperature : float > 0
        :math:`\tau` (0.5 as in lightly's default; SimCLR papers use 0.1 - 0.5).
    return_gradient : bool
        Also return :math:`\partial\mathcal L/\partial Z`. With
        :math:`\hat z_i = z_i/\lVert z_i\rVert`, :math:`P` the row-softmax
        (zero diagonal) and :math:`M = -G + D_G P`,
        :math:`\partial\mathcal L/\partial\hat Z = (M + M^\top)\hat Z/\tau`, and
        the row normalisation projects it:
        :math:`\partial\mathcal L/\partial z_i = (I - \hat z_i\hat z_i^\top)\,
        (\partial\mathcal L/\partial\hat z_i) / \lVert z_i\rVert`.

    Returns
    -------
    loss : float, or (float, ndarray of shape (N, K))

    Examples
    --------
    Two linked samples: each row's softmax has a single entry, so the loss is 0.

    >>> import numpy as np
    >>> simclr(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[0, 1.0], [1.0, 0]]))
    0.0
    """
    # The softmax over all pairs holds a few dense N x N arrays: refuse before allocating them.
    memory.check_pairwise(Z, call="losses.simclr", copies=4,
                          alternative="evaluate the loss on a subsample (or a mini-batch, as training does)")
    if isinstance(G, LabelRelation):  # the softmax runs over every pair: no implicit form
        raise TypeError(implicit_refusal())
    Z, G = check_pair(Z, G)
    tau = check_scalar(temperature, name="temperature", low=0.0, low_inclusive=False)
    row_norms_checked(Z)
    d = relation_degrees(G)
    value, grad = simclr_value_and_gradient(Z, G, d, tau)
    return (value, grad) if return_gradient else value


def edge_values(G, dense):
    """The entries of the dense ``(N, N)`` array at the nonzeros of ``G``, and ``G``'s weights."""
    if sp.issparse(G):
        G = G.tocsr()
        rows = np.repeat(np.arange(G.shape[0]), np.diff(G.indptr))
        return dense[rows, G.indices], G.data
    mask = G != 0
    return dense[mask], G[mask]


def simclr_value_and_gradient(Z, G, degrees, temperature):
    r"""Value and gradient of :func:`simclr` without validation (optimisation loops).

    ``Z``: float64 (N, K); ``G``: what :func:`spectral_ssl.graphs.check` returns;
    ``degrees``: ``G.sum(axis=1)`` as a flat float64 array; the hyper-parameters already
    validated. Returns ``(value, gradient)``.

    A zero row gives ``(inf, zeros)`` rather than an exception, so that a line
    search that lands on one backs off. The value is evaluated as

    .. math:: \mathcal L = \frac1\tau \sum_{ij} G_{ij}(m_i - c_{ij})
              + \sum_i d_i\log\sum_{k\ne i} e^{(c_{ik} - m_i)/\tau},
              \qquad m_i = \max_{k\ne i} c_{ik},

    two non-negative terms (no cancellation, no ``inf - inf``) whose exponentials are
    at most 1, with :math:`w/\tau` applied by :func:`exact_scale`: finite for any
    temperature and weight scale unless the true value exceeds the float range
    (then ``inf``), never NaN.
    """
    Zn, top, norms = unit_rows(Z)
    if not np.all((top > 0) & np.isfinite(top)):
        return float("inf"), np.zeros_like(Z)
    with np.errstate(over="ignore"):  # 1/tau overflows only where the true value does
        return simclr_parts(Zn, (top, norms), G, degrees, temperature)


def simclr_parts(Zn, norms, G, degrees, temperature):
    Gn, dn, top_weight = normalised_weights(G, degrees)
    cosines = Zn @ Zn.T
    np.fill_diagonal(cosines, -np.inf)
    top = cosines.max(axis=1)
    gaps, weights = edge_values(Gn, top[:, None] - cosines)  # m_i - c_ij >= 0 on the edges
    exponent = (cosines - top[:, None]) / temperature  # <= 0; the diagonal is -inf
    np.exp(exponent, out=exponent)  # the diagonal becomes exactly 0
    row_sums = exponent.sum(axis=1)  # in [1, N - 1]
    attraction = float(np.sum(weights * np.maximum(gaps, 0.0)))
    value = float(exact_scale(attraction, top_weight, divide=(temperature,)))
    value += float(exact_scale(dn @ np.log(row_sums), top_weight))
    P = exponent / row_sums[:, None]  # the row-softmax
    GZn = Gn @ Zn
    grad_n = -2.0 * GZn + dn[:, None] * (P @ Zn) + P.T @ (dn[:, None] * Zn)
    tangent = grad_n - np.sum(grad_n * Zn, axis=1)[:, None] * Zn  # the row normalisation
    # d/dz_i = tangent_i * w / (tau ||z_i||), ||z_i|| = top_i * norms_i
    row_top, row_norms = norms
    grad = exact_scale(tangent / row_norms[:, None], top_weight, divide=(temperature, row_top[:, None]))
    return float(value), grad

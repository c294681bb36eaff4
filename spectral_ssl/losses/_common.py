r"""Arithmetic shared by the losses: exact centring and scaling, weight normalisation, checks."""

import numpy as np
import scipy.sparse as sp

from .._relations import LabelRelation, check_relation
from .._threads import sparse_product
from .._validation import check_features


def centred(Z):
    """``Z - mean(Z)``, exact under translation: the first row is subtracted first.

    ``z_i - z_0`` is exact for entries within a factor 2 of each other (Sterbenz), so
    ``Z + c`` with a large ``c`` centres to exactly what the stored shifted matrix holds,
    instead of losing ``eps * |c|`` to the mean.
    """
    if Z.shape[0] == 0:
        return Z.copy()
    shifted = Z - Z[0]
    return shifted - shifted.mean(axis=0)


def centred_covariance(Z):
    Zc = centred(Z)
    return Zc, Zc.T @ Zc / Z.shape[0]


def laplacian_times(Z, G, degrees):
    """:math:`L Z = d \\odot Z - G Z` without forming :math:`L`."""
    return degrees[:, None] * Z - sparse_product(G, Z)


#: Entries of the edge-difference block of :func:`dirichlet_energy` (8 MB of float64).
EDGE_BLOCK = 2**20


def dirichlet_energy(Z, G):
    r""":math:`\operatorname{tr}(Z^\top L Z) = \tfrac12\sum_{ij} G_{ij}\lVert z_i - z_j\rVert^2`, summed over edges.

    The edge sum has only non-negative terms: it is accurate to a few ulps of itself, never
    negative, whereas :math:`\sum_i d_i\lVert z_i\rVert^2 - \operatorname{tr}(Z^\top G Z)` loses about
    ``eps * sum_i d_i |z_i|^2`` to cancellation, which a large invariance weight turns into a
    wrong (even negative) loss when ``Z`` is nearly constant on the graph's components.
    ``G``: symmetric, sparse or dense, zero diagonal (the graphs the losses receive), or a
    :class:`spectral_ssl.graphs.LabelRelation`: then
    :math:`w\sum_c n_c\sum_{i\in c}\lVert z_i - \bar z_c\rVert^2`, also a sum of
    non-negative terms, in :math:`O(NK)`.
    """
    if isinstance(G, LabelRelation):
        return G.dirichlet_energy(Z)
    if sp.issparse(G):
        C = G.tocsr()
        rows = np.repeat(np.arange(C.shape[0]), np.diff(C.indptr))
        cols, weights = C.indices, C.data
    else:
        rows, cols = np.nonzero(G)
        weights = G[rows, cols]
    total = 0.0
    # Blocks of edges keep the (edges x K) differences small on graphs with 10^7 edges.
    block = max(1, EDGE_BLOCK // max(1, Z.shape[1]))
    for start in range(0, rows.size, block):
        stop = start + block
        differences = Z[rows[start:stop]] - Z[cols[start:stop]]
        total += float(np.dot(weights[start:stop], np.einsum("ij,ij->i", differences, differences)))
    return 0.5 * total


def exact_scale(values, *factors, divide=()):
    r"""``values * prod(factors) / prod(divide)`` without a spurious overflow or underflow.

    Mantissas are multiplied and binary exponents added (``frexp`` / ``ldexp``), so
    the result overflows to inf or underflows to 0 only when the true result does,
    whatever the order of magnitude of each factor (a weight of 1e-310 times 1/tau for a
    temperature of 1e-320, ...). Zeros stay zeros (never ``0 * inf = nan``). Factors may
    be arrays that broadcast against ``values`` (one factor per row).
    """
    mantissa, exponent = np.frexp(np.asarray(values, dtype=np.float64))
    for factor in factors:
        m, e = np.frexp(np.asarray(factor, dtype=np.float64))
        mantissa, exponent = mantissa * m, exponent + e
    for factor in divide:
        m, e = np.frexp(np.asarray(factor, dtype=np.float64))
        mantissa, exponent = mantissa / m, exponent - e
    return np.ldexp(mantissa, exponent)


def normalised_weights(G, degrees):
    r"""``(G / w, d / w, w)`` with :math:`w` the largest weight of ``G`` (a sparse or dense matrix).

    Every loss is a simple function of :math:`w` times its value on :math:`G / w` (linear,
    or independent of it), and on :math:`G / w` the degrees and the volume are between
    the smallest relative weight and :math:`N^2`: no overflow at weights 1e300, no
    division by an underflowed volume at 1e-310.
    """
    if isinstance(G, LabelRelation):  # one weight w: G / w has weight 1
        top = G.weight
        return G.scaled(1.0 / top), np.asarray(degrees, dtype=np.float64) / top, top
    if sp.issparse(G):
        top = float(G.data.max()) if G.nnz else 0.0
        if top == 0.0:
            return G, np.asarray(degrees, dtype=np.float64), 0.0
        if G.format in ("csr", "csc"):  # new weights, index arrays shared with G (read only)
            Gn = type(G)((G.data / top, G.indices, G.indptr), shape=G.shape)
        else:
            Gn = G.copy()
            Gn.data = Gn.data / top
    else:
        G = np.asarray(G, dtype=np.float64)
        top = float(G.max()) if G.size else 0.0
        if top == 0.0:
            return G, np.asarray(degrees, dtype=np.float64), 0.0
        Gn = G / top
    return Gn, np.asarray(degrees, dtype=np.float64) / top, top


def check_pair(Z, G):
    G = check_relation(G)  # CSR, or the implicit label relation as it is
    Z = check_features(Z, name="Z", n_samples=G.shape[0])
    return Z, G

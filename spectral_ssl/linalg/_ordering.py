r"""Orderings and sparse factors: reverse Cuthill-McKee locality, permutations, fill prediction.

The ARPACK solver factors :math:`M + \epsilon I` (:func:`symmetric_factor`); the automatic
solver choice predicts that factor's fill from two small balls of the graph
(:func:`predicted_fill`); LOBPCG runs on ``M`` reordered for memory locality
(:func:`locality_order`, :func:`symmetric_permutation`, :func:`unpermute`).
"""

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.sparse.csgraph import connected_components, reverse_cuthill_mckee

from . import _settings


def symmetric_factor(A):
    r"""SuperLU factor of a sparse symmetric positive definite ``A`` (its ``solve(b)`` = :math:`A^{-1}b`).

    Symmetric mode: one fill-reducing ordering of :math:`A + A^\top` (minimum
    degree) for rows and columns alike and pivots taken on the diagonal, which
    is stable when ``A`` is positive definite (the factor is then
    :math:`LDL^\top` in LU form). SuperLU's default (COLAMD column order,
    partial pivoting), which SciPy's ``eigsh`` uses for shift-invert, ignores
    the symmetry: its factor of a kNN Laplacian has several times the entries
    and takes longer (``python -m benchmarks --only factor`` measures both).
    """
    return spla.splu(sp.csc_matrix(A), permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                     options={"SymmetricMode": True})


def breadth_first_ball(M, size, seed=0):
    """The first ``size`` vertices a breadth-first search of the pattern of ``M`` reaches from ``seed``.

    Level by level (each level in increasing index, so the ball is deterministic);
    fewer vertices when the component of ``seed`` is smaller. Cost proportional to
    the entries of the rows visited, not to ``N``.
    """
    M = sp.csr_matrix(M)
    seen = np.zeros(M.shape[0], dtype=bool)
    frontier = np.array([seed])
    seen[seed] = True
    found, count = [frontier], 1
    while count < size and frontier.size:
        reached = np.unique(M[frontier].indices)
        frontier = reached[~seen[reached]]
        seen[frontier] = True
        found.append(frontier)
        count += frontier.size
    return np.sort(np.concatenate(found)[:size])


def ball_fill(M, ball):
    """Entries of the symmetric-mode factor of the principal submatrix on ``ball``, per entry of it.

    The factor of a diagonally dominant matrix with the same pattern (an unweighted
    Laplacian plus the identity): with diagonal pivots the fill depends only on
    the pattern.
    """
    pattern = sp.csr_matrix(M[ball][:, ball], dtype=np.float64)
    pattern.setdiag(0.0)
    pattern.eliminate_zeros()
    pattern.data[:] = -1.0
    degree = -np.asarray(pattern.sum(axis=1)).ravel()
    A = (pattern + sp.diags(degree + 1.0)).tocsc()
    factor = symmetric_factor(A)
    return (factor.L.nnz + factor.U.nnz) / A.nnz


def predicted_fill(M, n_samples=None):
    r"""Predicted entries of ARPACK's factor of ``M`` (:func:`symmetric_factor`) per entry of ``M``.

    ``n_samples``: the size to predict at (default: that of ``M``).

    Computed on two breadth-first balls of ``FILL_BALLS`` = (2000, 4000) vertices
    around vertex 0 (in the largest connected component when vertex 0's is smaller):
    with fills :math:`f_1, f_2` at sizes :math:`n_1, n_2`, the prediction at
    :math:`N` is :math:`f_2 (N/n_2)^{\alpha}`, :math:`\alpha = \max(0,
    \log(f_2/f_1)/\log(n_2/n_1))`. The growth exponent tells surfaces from
    volumes: a nested-dissection factor has :math:`O(N\log N)` entries on a
    2-D mesh and :math:`O(N^{4/3})` on a 3-D one (on 10-NN graphs: about 0.15
    for a swiss roll, 0.5 to 0.6 for a 3-D Gaussian). Costs two small factors
    (about 0.1 s), whatever ``N``. Deterministic: it depends on the pattern only.
    """
    small, large = _settings.FILL_BALLS
    M = sp.csr_matrix(M)
    seed = 0
    ball = breadth_first_ball(M, large, seed)
    if ball.size < large:
        _, labels = connected_components(M, directed=False)
        seed = int(np.argmax(labels == np.argmax(np.bincount(labels))))
        ball = breadth_first_ball(M, large, seed)
    if ball.size < large:
        # every component has fewer vertices than the ball: the factor is block
        # diagonal with blocks no larger than this one
        return ball_fill(M, ball)
    inner = breadth_first_ball(M, small, seed)
    f_small, f_large = ball_fill(M, inner), ball_fill(M, ball)
    alpha = max(0.0, np.log(f_large / f_small) / np.log(large / small))
    n_samples = M.shape[0] if n_samples is None else n_samples
    return f_large * (n_samples / large) ** alpha


def unpermute(vectors, order):
    """Rows of ``vectors`` computed for ``M[order][:, order]``, put back in the order of ``M``."""
    out = np.empty_like(vectors)
    out[order] = vectors
    return out


def symmetric_permutation(M, order):
    """``M[order][:, order]`` of a CSR matrix, with sorted indices."""
    inverse = np.empty_like(order)
    inverse[order] = np.arange(order.size, dtype=order.dtype)
    rows = M[order]  # row gather in C
    out = sp.csr_matrix((rows.data, inverse[rows.indices], rows.indptr), shape=M.shape)
    out.has_sorted_indices = False
    out.sort_indices()
    return out


def locality_order(M):
    r"""A reverse Cuthill-McKee ordering of the rows of the symmetric ``M``.

    It numbers neighbours close together, so that the rows of a block of vectors
    that one row of ``M`` touches sit close in memory. Points given in random
    order (a kNN graph of a sampled manifold) otherwise make every sparse
    product miss the cache: at :math:`N = 10^6` the product of a 10-NN Laplacian
    with 12 vectors took 0.06 s in this order against 0.5 to 0.7 s in the
    original one (see ``benchmarks/``).
    """
    return reverse_cuthill_mckee(sp.csr_matrix(M), symmetric_mode=True)

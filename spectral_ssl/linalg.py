r"""Graph matrices and the eigen-solvers every closed form uses.

Conventions
-----------
* ``G`` is a symmetric, non-negative, zero-diagonal relation graph (see
  :func:`spectral_ssl.graphs.check`); it stays sparse.
* Degrees :math:`d = G\mathbf 1`, :math:`D_G = \operatorname{diag}(d)`, combinatorial
  Laplacian :math:`L = D_G - G`, centring :math:`H = I - \mathbf 1\mathbf 1^\top/N`
  (applied as ``X - X.mean(0)``, never formed).
* **Sign rule.** Every eigenvector a function here returns has its entry of
  largest absolute value positive, as scikit-learn's ``svd_flip`` does. Entries
  whose absolute value is within a relative ``SIGN_TIE_RTOL`` (1e-6) of the
  largest count as tied and the first of them decides: vectors that are
  antisymmetric under a graph symmetry (a path's Fiedler vector, a cycle's
  cosines) have exactly tied extremes, and round-off must not pick the sign.
* **Degenerate eigenspaces.** Eigenvalues closer than ``1e-8`` times the largest
  computed eigenvalue magnitude form one cluster. Inside a cluster with
  orthogonal projector :math:`P`, the returned basis is the Gram-Schmidt
  orthonormalisation of :math:`P e_{p_1}, P e_{p_2}, \dots`, where each
  :math:`p_j` is the sample whose coordinate vector in the eigenspace has the
  largest norm once the directions of :math:`p_1..p_{j-1}` are removed (ties
  within a relative 1e-6 go to the smallest index). The
  result depends only on the eigenspace, not on the basis LAPACK returned, so
  outputs are deterministic. When the requested count cuts a cluster, the
  solver first computes the whole cluster, then keeps its first members.
"""

import warnings

import numpy as np
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.sparse.csgraph import connected_components, reverse_cuthill_mckee

from . import memory
from ._validation import check_features, check_graph, check_n_components, check_option, check_scalar

#: Graphs with more samples than this are solved with the sparse iterative
#: solver when ``solver="auto"``; smaller ones with dense LAPACK ``eigh``.
DENSE_MAX_SAMPLES = 2000

#: With ``solver="auto"``, matrices with at most this many samples use ARPACK
#: shift-invert; above it, LOBPCG with pyamg's AMG preconditioner when the
#: ``amg`` extra is installed, else ARPACK unless its factor would fill in
#: (``ARPACK_MAX_FILL``). See ``docs/performance.md`` and ``python -m benchmarks``.
ARPACK_MAX_SAMPLES = 10000

#: Without pyamg, ``solver="auto"`` above ``ARPACK_MAX_SAMPLES`` keeps ARPACK while
#: the predicted entries of its sparse factor stay below this many times those of
#: ``M`` (:func:`_predicted_fill`), and uses Jacobi-preconditioned LOBPCG above.
#: Measured on one core of a shared machine: the factor of a 10-NN swiss roll (a
#: surface) has 4.2 (N = 1e4) and 6.4 (1e5) times the entries of L, and ARPACK
#: was 9 to 12 times faster than Jacobi-LOBPCG there; on a 3-D Gaussian blob (a
#: volume) 32 (1e4: ARPACK took 0.8 times LOBPCG's time) and 62 (3e4: 2.1 times).
#: Suite ``default`` of ``python -m benchmarks`` reports the prediction and the
#: choice against scikit-learn's default.
ARPACK_MAX_FILL = 30.0

#: Sizes of the two breadth-first balls whose factors :func:`_predicted_fill` measures.
FILL_BALLS = (2000, 4000)

#: The ARPACK solver checks its eigen-residuals against this times the scale of
#: ``M``: above it (a matrix that is not positive semi-definite, on which the
#: factor without pivoting is unstable) it solves again with SuperLU's pivoting
#: factor. Round-off gives about 1e-16.
ARPACK_CHECK_RTOL = 1e-10

#: Default ``tol`` of the LOBPCG solver: it stops when the residual
#: :math:`\lVert M u - \lambda u\rVert` of every pair it returns is below
#: ``tol`` times the scale of ``M`` (its largest absolute row sum, an upper bound
#: on :math:`\lVert M\rVert_2`). Read when a solve starts, so changing it changes
#: the default of later calls.
LOBPCG_RTOL = 1e-10

#: Largest number of iterations of one run of SciPy's LOBPCG (its own restarts included).
LOBPCG_MAXITER = 2000

#: SciPy's LOBPCG checks the residuals it updates along the iteration, at half the
#: tolerance asked for; when those recomputed from ``M`` are still above it, up to
#: this many further runs start from the block reached.
LOBPCG_RESTARTS = 2

#: The preconditioner approximates :math:`(M + s I)^{-1}` with
#: :math:`s` = this times the scale of ``M``: the shift makes the singular
#: Laplacian invertible and the smoothed aggregation hierarchy well defined.
PRECONDITIONER_SHIFT = 1e-5

#: The smoothed aggregation hierarchy stops coarsening at this many unknowns and
#: inverts the coarsest matrix exactly (a dense symmetric inverse).
AMG_MAX_COARSE = 500

SOLVERS = ("auto", "dense", "arpack", "lobpcg")

#: When ARPACK would need more than a quarter of the spectrum (a large degenerate
#: cluster), matrices up to this size switch to the dense solver instead.
DENSE_FALLBACK_MAX_SAMPLES = 20000

#: Relative gap under which eigenvalues are treated as one degenerate cluster.
DEGENERACY_RTOL = 1e-8

#: The same for :func:`generalized_eigh`, whose dense solve of the whole spectrum is
#: accurate to a few machine epsilons of the largest eigenvalue magnitude.
DENSE_DEGENERACY_RTOL = 1e-12

#: Relative tolerance under which entries count as tied for the sign rule.
SIGN_TIE_RTOL = 1e-6


def center(X):
    r"""Return :math:`HX = X - \mathbf 1 \bar x^\top`, the column-centred copy of ``X``.

    Examples
    --------
    >>> import numpy as np
    >>> center(np.array([[1.0, 2.0], [3.0, 6.0]]))
    array([[-1., -2.],
           [ 1.,  2.]])
    """
    X = check_features(X, min_samples=1)
    return X - X.mean(axis=0)


#: Centred columns whose entries are all below this times the column's largest
#: absolute value are constant up to the round-off of the centring (see
#: :func:`zero_constant_columns`).
CONSTANT_RTOL = 1e-12


def zero_constant_columns(centred, original):
    """Set to exactly 0 the columns of ``centred`` that are constant up to round-off.

    A constant column whose value is not a binary fraction (0.1, 7.7) centres to
    noise of about ``eps * |value|`` instead of 0. When every column is constant
    that noise is all the "variance" there is, and the relative rank thresholds
    of the solvers would whiten it into a spurious direction. A column of
    ``centred`` is zeroed when its largest absolute entry is at most
    ``CONSTANT_RTOL`` times the largest absolute entry of the same column of
    ``original``. Returns a new array.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.1, 1.0], [0.1, 2.0], [0.1, 4.0]])
    >>> zero_constant_columns(X - X.mean(axis=0), X)[:, 0]
    array([0., 0., 0.])
    """
    centred = np.array(centred, dtype=np.float64)
    if centred.size:
        noise = np.max(np.abs(centred), axis=0) <= CONSTANT_RTOL * np.max(np.abs(original), axis=0)
        centred[:, noise] = 0.0
    return centred


def degrees(G):
    r"""Return the degree vector :math:`d = G\mathbf 1` of a validated graph.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> degrees(sp.csr_matrix([[0, 2.0], [2.0, 0]]))
    array([2., 2.])
    """
    G = check_graph(G)
    return np.asarray(G.sum(axis=1)).ravel()


def laplacian(G, kind="combinatorial"):
    r"""Graph Laplacian of a relation graph, sparse CSR.

    Parameters
    ----------
    G : array_like or sparse matrix, shape (N, N)
        Symmetric, non-negative, zero diagonal. Self-loops are refused by the
        validation rather than interpreted: they cancel in :math:`D_G - G` but
        would change the degrees of the normalised forms.
    kind : {"combinatorial", "normalized", "random_walk"}
        * ``"combinatorial"``: :math:`L = D_G - G`.
        * ``"normalized"``: :math:`L_{sym} = I - D_G^{-1/2} G D_G^{-1/2}`.
        * ``"random_walk"``: :math:`L_{rw} = I - D_G^{-1} G` (not symmetric).

        For the normalised kinds an isolated sample (degree 0) gets an all-zero
        row and column (the convention of ``scipy.sparse.csgraph.laplacian``).

    Returns
    -------
    L : scipy.sparse.csr_matrix, shape (N, N)

    Examples
    --------
    >>> import numpy as np
    >>> G = np.array([[0, 1.0, 0], [1.0, 0, 1.0], [0, 1.0, 0]])
    >>> laplacian(G).toarray()
    array([[ 1., -1.,  0.],
           [-1.,  2., -1.],
           [ 0., -1.,  1.]])
    """
    check_option(kind, name="kind", options=("combinatorial", "normalized", "random_walk"))
    return _laplacian(check_graph(G), kind)


def _laplacian(G, kind):
    """:func:`laplacian` of a graph already returned by ``check_graph`` (validated once per call)."""
    d = np.asarray(G.sum(axis=1)).ravel()
    if kind == "combinatorial":
        return (sp.diags(d) - G).tocsr()
    connected = d > 0
    if kind == "normalized":
        scale = np.zeros_like(d)
        scale[connected] = 1.0 / np.sqrt(d[connected])
        S = sp.diags(scale)
        return (sp.diags(connected.astype(float)) - S @ G @ S).tocsr()
    inv = np.zeros_like(d)
    inv[connected] = 1.0 / d[connected]
    return (sp.diags(connected.astype(float)) - sp.diags(inv) @ G).tocsr()


def sign_flip(vectors):
    """Flip each column so that its entry of largest absolute value is positive.

    Entries within a relative ``SIGN_TIE_RTOL`` of the largest absolute value
    are tied; the first of them (smallest row index) decides the sign.

    Examples
    --------
    >>> import numpy as np
    >>> sign_flip(np.array([[1.0, 0.5], [-3.0, 0.2]]))
    array([[-1. ,  0.5],
           [ 3. ,  0.2]])
    >>> sign_flip(np.array([[-1.0], [1.0 + 1e-12]]))  # a tie: the first entry decides
    array([[ 1.],
           [-1.]])
    """
    vectors = np.array(vectors, dtype=np.float64)
    if vectors.ndim != 2:
        raise ValueError(
            f"vectors must be 2-D (one vector per column), got shape {vectors.shape}; "
            f"use vectors.reshape(-1, 1) for a single vector."
        )
    if vectors.size == 0:
        return vectors
    magnitude = np.abs(vectors)
    rows = np.argmax(magnitude >= (1 - SIGN_TIE_RTOL) * magnitude.max(axis=0), axis=0)
    signs = np.sign(vectors[rows, np.arange(vectors.shape[1])])
    signs[signs == 0] = 1.0
    return vectors * signs


def eigenvalue_clusters(values, rtol=DEGENERACY_RTOL):
    """Split sorted eigenvalues into runs whose consecutive gaps are below ``rtol * scale``.

    Returns a list of ``slice`` objects, one per cluster.
    """
    values = np.asarray(values)
    if values.size == 0:
        return []
    scale = max(np.max(np.abs(values)), np.finfo(float).tiny)
    breaks = np.flatnonzero(np.diff(values) > rtol * scale) + 1
    edges = np.concatenate([[0], breaks, [values.size]])
    return [slice(a, b) for a, b in zip(edges[:-1], edges[1:])]


def _greedy_pivots(vectors, count):
    """Rows of ``vectors`` picked greedily by largest residual norm.

    Row ``i`` of ``vectors`` is sample ``i``'s coordinates in the eigenspace. At
    each step the row with the largest norm (after removing the directions of the
    rows already picked) is chosen; norms within a relative ``1e-6`` of the
    largest count as tied and the smallest index wins, so round-off cannot flip
    the choice between rows that are equal by symmetry.
    """
    residual = np.array(vectors, dtype=np.float64)
    pivots = []
    for _ in range(count):
        norms = np.linalg.norm(residual, axis=1)
        pick = int(np.flatnonzero(norms >= (1 - 1e-6) * norms.max())[0])
        pivots.append(pick)
        direction = residual[pick] / norms[pick]
        residual -= np.outer(residual @ direction, direction)
    return np.array(pivots)


def canonical_basis(vectors, count=None):
    """Basis-independent orthonormal basis of the span of orthonormal ``vectors``.

    Gram-Schmidt of :math:`P e_{p_1}, P e_{p_2}, \\dots` with :math:`P` the
    projector onto the span and :math:`p` chosen greedily (see the module
    docstring). Rotating ``vectors`` by any orthogonal matrix gives the same result.
    With ``count`` only the first ``count`` basis vectors are computed (they do
    not depend on the later pivots), at cost O(N m count) for m vectors of length N.
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    if vectors.ndim != 2:
        raise ValueError(f"vectors must be 2-D (one basis vector per column), got shape {vectors.shape}.")
    m = vectors.shape[1]
    if not np.all(np.isfinite(vectors)):
        raise ValueError("vectors contains NaN or inf.")
    if m and np.max(np.abs(vectors.T @ vectors - np.eye(m))) > 1e-8:
        raise ValueError(
            "vectors must have orthonormal columns (vectors.T @ vectors = I); "
            "orthonormalise them first, e.g. with np.linalg.qr."
        )
    count = m if count is None else int(count)
    if not 0 <= count <= m:
        raise ValueError(f"count must be between 0 and {m}, got {count}.")
    if m <= 1:
        return vectors[:, :count].copy()
    pivots = _greedy_pivots(vectors, count)
    projected = vectors @ vectors[pivots, :].T  # columns P e_p
    Q, R = np.linalg.qr(projected)
    return Q * np.sign(np.diag(R))  # positive diagonal of R = plain Gram-Schmidt


def _canonicalise(values, vectors, n_keep=None, rtol=DEGENERACY_RTOL):
    """The first ``n_keep`` sorted eigenvectors with cluster bases and the sign rule applied."""
    n_keep = vectors.shape[1] if n_keep is None else n_keep
    out = vectors[:, :n_keep].copy()
    for cluster in eigenvalue_clusters(values, rtol):
        if cluster.start >= n_keep:
            break
        if cluster.stop - cluster.start > 1:
            count = min(cluster.stop, n_keep) - cluster.start
            out[:, cluster.start:cluster.start + count] = canonical_basis(vectors[:, cluster], count)
    return sign_flip(out)


def _deflate(values, vectors, trivial, operator):
    """Rayleigh-Ritz on span(vectors) minus the exact eigenvector ``trivial``."""
    trivial = trivial / np.linalg.norm(trivial)
    projected = vectors - np.outer(trivial, trivial @ vectors)
    # ``trivial`` lies in span(vectors), so exactly one singular value is ~0.
    U, s, _ = np.linalg.svd(projected, full_matrices=False)
    basis = U[:, : vectors.shape[1] - 1]
    small = basis.T @ (operator @ basis)
    small = (small + small.T) / 2
    ritz_values, ritz_vectors = np.linalg.eigh(small)
    return ritz_values, basis @ ritz_vectors


def _smallest_dense(M, count):
    return scipy.linalg.eigh(M, subset_by_index=[0, count - 1])


def _symmetric_factor(A):
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


def _arpack_start(N):
    """ARPACK's starting vector: a seeded standard normal vector.

    Without one, ``eigsh`` draws its own random start, which changes from call to
    call: the results then differ in the last bits (about 1e-14) between two
    calls on the same matrix. A fixed start makes them bitwise reproducible.
    """
    return np.random.default_rng(0).standard_normal(N)


def _smallest_sparse(M, count, scale):
    # Shift-invert around a point just below 0: M + shift*I is positive definite,
    # so ARPACK converges fast to the smallest end and the factor needs no pivoting.
    shift = 1e-6 * scale
    M = sp.csc_matrix(M)
    shifted = (M + shift * sp.identity(M.shape[0], format="csc")).tocsc()
    inverse = spla.LinearOperator(M.shape, matvec=_symmetric_factor(shifted).solve, dtype=np.float64)
    del shifted
    v0 = _arpack_start(M.shape[0])
    values, vectors = spla.eigsh(M, k=count, sigma=-shift, which="LM", OPinv=inverse, v0=v0)
    del inverse
    if np.max(eigen_residuals(M, values, vectors)) > ARPACK_CHECK_RTOL * scale:
        # Diagonal pivots are only stable on a positive definite matrix; a
        # matrix that is not PSD after all gets SuperLU's pivoting factor.
        values, vectors = spla.eigsh(M, k=count, sigma=-shift, which="LM", v0=v0)
    order = np.argsort(values)
    return values[order], vectors[:, order]


def _breadth_first_ball(M, size, seed=0):
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


def _ball_fill(M, ball):
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
    factor = _symmetric_factor(A)
    return (factor.L.nnz + factor.U.nnz) / A.nnz


def _predicted_fill(M, n_samples=None):
    r"""Predicted entries of ARPACK's factor of ``M`` (:func:`_symmetric_factor`) per entry of ``M``.

    ``n_samples``: the size to predict at (default: that of ``M``).

    Computed on two breadth-first balls of ``FILL_BALLS`` = (2000, 4000) vertices
    around vertex 0 (in the largest connected component when vertex 0's is smaller):
    with fills :math:`f_1, f_2` at sizes :math:`n_1, n_2`, the prediction at
    :math:`N` is :math:`f_2 (N/n_2)^{lpha}`, :math:`lpha = \max(0,
    \log(f_2/f_1)/\log(n_2/n_1))`. The growth exponent tells surfaces from
    volumes: a nested-dissection factor has :math:`O(N\log N)` entries on a
    2-D mesh and :math:`O(N^{4/3})` on a 3-D one (on 10-NN graphs: about 0.15
    for a swiss roll, 0.5 to 0.6 for a 3-D Gaussian). Costs two small factors
    (about 0.1 s), whatever ``N``. Deterministic: it depends on the pattern only.
    """
    small, large = FILL_BALLS
    M = sp.csr_matrix(M)
    seed = 0
    ball = _breadth_first_ball(M, large, seed)
    if ball.size < large:
        _, labels = connected_components(M, directed=False)
        seed = int(np.argmax(labels == np.argmax(np.bincount(labels))))
        ball = _breadth_first_ball(M, large, seed)
    if ball.size < large:
        # every component has fewer vertices than the ball: the factor is block
        # diagonal with blocks no larger than this one
        return _ball_fill(M, ball)
    inner = _breadth_first_ball(M, small, seed)
    f_small, f_large = _ball_fill(M, inner), _ball_fill(M, ball)
    alpha = max(0.0, np.log(f_large / f_small) / np.log(large / small))
    n_samples = M.shape[0] if n_samples is None else n_samples
    return f_large * (n_samples / large) ** alpha


def _resolve_solver(solver, n_samples, matrix=None):
    """The solver ``"auto"`` stands for (see :func:`smallest_eigenpairs`).

    ``matrix``: the matrix (or graph: only its pattern is read) to be solved; without
    it, the choice above ``ARPACK_MAX_SAMPLES`` assumes no fill guard (LOBPCG).
    """
    if solver != "auto":
        return solver
    if n_samples <= DENSE_MAX_SAMPLES:
        return "dense"
    if n_samples <= ARPACK_MAX_SAMPLES:
        return "arpack"
    if _pyamg() is not None or matrix is None:
        return "lobpcg"
    return "arpack" if _predicted_fill(matrix) <= ARPACK_MAX_FILL else "lobpcg"


def _pyamg():
    """The pyamg module, or None when the optional ``amg`` extra is not installed."""
    try:
        import pyamg
    except ImportError:
        return None
    return pyamg


def _unpermute(vectors, order):
    """Rows of ``vectors`` computed for ``M[order][:, order]``, put back in the order of ``M``."""
    out = np.empty_like(vectors)
    out[order] = vectors
    return out


def _symmetric_permutation(M, order):
    """``M[order][:, order]`` of a CSR matrix, with sorted indices."""
    inverse = np.empty_like(order)
    inverse[order] = np.arange(order.size, dtype=order.dtype)
    rows = M[order]  # row gather in C
    out = sp.csr_matrix((rows.data, inverse[rows.indices], rows.indptr), shape=M.shape)
    out.has_sorted_indices = False
    out.sort_indices()
    return out


def _locality_order(M):
    r"""A reverse Cuthill-McKee ordering of the rows of the symmetric ``M``.

    It numbers neighbours close together, so that the rows of a block of vectors
    that one row of ``M`` touches sit close in memory. Points given in random
    order (a kNN graph of a sampled manifold) otherwise make every sparse
    product miss the cache: at :math:`N = 10^6` the product of a 10-NN Laplacian
    with 12 vectors took 0.06 s in this order against 0.5 to 0.7 s in the
    original one (see ``benchmarks/``).
    """
    return reverse_cuthill_mckee(sp.csr_matrix(M), symmetric_mode=True)


class _JacobiPreconditioner:
    r""":math:`\operatorname{diag}(M + sI)^{-1}`, applied to a block of columns."""

    kind = "jacobi"

    def __init__(self, M, shift):
        diagonal = M.diagonal() + shift
        self.inverse = np.divide(1.0, diagonal, out=np.ones_like(diagonal), where=diagonal > 0)

    def __call__(self, R, norms=None, out=None):
        return np.multiply(self.inverse[:, None], R, out=out)


class _AMGPreconditioner:
    r"""One V-cycle of a smoothed aggregation hierarchy for :math:`M + sI`, on a block at once.

    The hierarchy (``pyamg.smoothed_aggregation_solver``: its default aggregation,
    Jacobi prolongation smoothing with the weight of its default, coarsening down
    to ``AMG_MAX_COARSE`` unknowns) is built on :math:`(M + sI)/c`, :math:`c` its largest absolute row sum, so that its
    entries are at most 1. The cycle then runs in float32 on every column of the
    block together: with :math:`A_\ell` the operator of level :math:`\ell`,
    :math:`P_\ell` its prolongation and :math:`S_\ell(x, b)` two steps of the
    Chebyshev iteration for :math:`A_\ell x = b` preconditioned by the diagonal
    :math:`D_\ell` (for the eigenvalues of :math:`D_\ell^{-1}A_\ell` in
    :math:`[\rho_\ell/8, \rho_\ell]`, :math:`\rho_\ell` their Gershgorin bound),

    .. math::

        x = S_\ell(0, b),\quad
        x \leftarrow x + P_\ell\,\mathrm{cycle}_{\ell+1}\big(P_\ell^\top(b - A_\ell x)\big),\quad
        x \leftarrow S_\ell(x, b),

    and the exact inverse on the coarsest level. The same polynomial smoother
    before and after the coarse correction makes the cycle a symmetric positive
    definite operator, which LOBPCG needs; on a 10-NN graph of :math:`10^6`
    points it cut the LOBPCG iterations from 38 (one damped Jacobi step) to 26.
    Sparse products on a block read each matrix once for all columns, and
    float32 halves the memory traffic (the preconditioner only has to be an
    approximate inverse; residuals, products with ``M`` and every
    orthogonalisation stay in float64). Each column is scaled to unit norm
    before the float32 cast and back afterwards.
    """

    kind = "amg"

    def __init__(self, M, shift, pyamg):
        shifted = (M + shift * sp.eye(M.shape[0], format="csr")).tocsr()
        self.scale = float(abs(shifted).sum(axis=1).max())
        shifted.data /= self.scale
        # pyamg estimates spectral radii from np.random.rand: seed it for
        # deterministic hierarchies, and give the caller's global state back.
        state = np.random.get_state()
        np.random.seed(0)
        try:
            # Prolongation smoothing P = (I - w D^-1 A) T with D the absolute row
            # sums ("local" weighting) and w = 4 / (3 rho(D^-1 A)), rho from a
            # short Lanczos run: the weight pyamg's default picks, without its
            # Arnoldi estimate on every level (half of its setup time at N = 1e6).
            rows = np.asarray(abs(shifted).sum(axis=1)).ravel()
            omega = 4.0 / (3.0 * _largest_eigenvalue(shifted, rows))
            hierarchy = pyamg.smoothed_aggregation_solver(
                shifted, max_coarse=AMG_MAX_COARSE,
                smooth=("jacobi", {"omega": omega, "weighting": "local"}))
        finally:
            np.random.set_state(state)
        del shifted
        self.levels = []
        for level in hierarchy.levels[:-1]:
            A = sp.csr_matrix(level.A, dtype=np.float32)
            diagonal = A.diagonal().astype(np.float64)
            rows = np.asarray(abs(A).sum(axis=1), dtype=np.float64).ravel()
            upper = float(np.max(rows / diagonal))
            lower = upper / 8.0
            # Chebyshev constants of the two steps (centre, half-width of the interval)
            centre, half = (upper + lower) / 2.0, (upper - lower) / 2.0
            sigma = centre / half
            rho0 = 1.0 / sigma
            rho1 = 1.0 / (2.0 * sigma - rho0)
            first = (1.0 / (centre * diagonal)).astype(np.float32)[:, None]
            second = ((2.0 * rho1 / half) / diagonal).astype(np.float32)[:, None]
            P = sp.csr_matrix(level.P, dtype=np.float32)
            self.levels.append((A, P, P.T.tocsr(), first, np.float32(rho1 * rho0), second))
        coarsest = np.asarray(hierarchy.levels[-1].A.toarray(), dtype=np.float64)
        self.coarse = np.linalg.pinv(coarsest, hermitian=True).astype(np.float32)

    @staticmethod
    def _smooth(A, first, factor, second, x, b):
        """Two Chebyshev steps for ``A x = b`` from ``x`` (None: zero); returns the new ``x``.

        Steps :math:`d_1 = D^{-1}r/c` and :math:`d_2 = f d_1 + g D^{-1}(r - A d_1)`,
        so :math:`x + d_1 + d_2 = x + (1 + f) d_1 + g D^{-1}(r - A d_1)`.
        """
        if x is None:
            r = b
        else:
            r = A @ x
            np.subtract(b, r, out=r)
        d = first * r
        r1 = A @ d
        np.subtract(r, r1, out=r1)  # the residual after the first step
        r1 *= second
        d *= 1 + factor
        if x is None:
            x = d
        else:
            x += d
        x += r1
        return x

    def _cycle(self, level, b):
        if level == len(self.levels):
            return self.coarse @ b
        A, P, R, first, factor, second = self.levels[level]
        x = self._smooth(A, first, factor, second, None, b)
        r = A @ x
        np.subtract(b, r, out=r)
        x += P @ self._cycle(level + 1, R @ r)
        return self._smooth(A, first, factor, second, x, b)

    def __call__(self, R, norms=None, out=None):
        """Apply to the columns of ``R`` (their norms may be given); ``out`` may be ``R`` itself."""
        if norms is None:
            norms = np.sqrt(np.einsum("ij,ij->j", R, R))
        norms = np.where(norms > 0, norms, 1.0)
        b = np.empty(R.shape, dtype=np.float32)
        np.divide(R, norms, out=b, casting="same_kind")
        return np.multiply(self._cycle(0, b), norms / self.scale, out=out)


def _largest_eigenvalue(A, rows, steps=12):
    r"""Estimate of the largest eigenvalue of :math:`\operatorname{diag}(\text{rows})^{-1}A` for symmetric ``A``.

    ``steps`` Lanczos steps (no reorthogonalisation) on the similar symmetric
    matrix :math:`R^{-1/2}AR^{-1/2}` from a seeded random start; the largest Ritz
    value, which approaches the eigenvalue from below (a few per cent low after
    12 steps on a kNN Laplacian).
    """
    scaling = 1.0 / np.sqrt(np.where(rows > 0, rows, 1.0))
    v = np.random.default_rng(0).standard_normal(A.shape[0])
    v /= np.linalg.norm(v)
    previous, beta = np.zeros_like(v), 0.0
    alphas, betas = [], []
    for _ in range(min(steps, A.shape[0])):
        w = scaling * (A @ (scaling * v)) - beta * previous
        alpha = float(v @ w)
        w -= alpha * v
        beta = float(np.linalg.norm(w))
        alphas.append(alpha)
        if beta <= 1e-12 * abs(alpha):
            break
        betas.append(beta)
        previous, v = v, w / beta
    k = len(alphas)
    T = np.diag(alphas) + np.diag(betas[:k - 1], 1) + np.diag(betas[:k - 1], -1)
    return float(np.linalg.eigvalsh(T)[-1])


def _make_preconditioner(M, shift):
    pyamg = _pyamg()
    if pyamg is None:
        return _JacobiPreconditioner(M, shift)
    return _AMGPreconditioner(M, shift, pyamg)


def lobpcg_preconditioner(M, shift):
    r"""The preconditioner LOBPCG uses: an approximation of :math:`(M + \text{shift}\, I)^{-1}`.

    With pyamg installed: one V-cycle of a smoothed aggregation AMG hierarchy
    built on :math:`M + \text{shift}\, I` (memory :math:`O(\mathrm{nnz}(M))`),
    applied to all the columns of a block together, in float32, with a
    two-step Chebyshev smoother (see the ``_AMGPreconditioner`` notes in this
    module's source). Without it: the Jacobi preconditioner
    :math:`\operatorname{diag}(M + \text{shift}\, I)^{-1}`. The solver applies it
    to ``M`` in reverse Cuthill-McKee order; a matrix in a random order works
    but each product is several times slower.

    Returns
    -------
    operator : scipy.sparse.linalg.LinearOperator, shape (N, N)
    kind : {"amg", "jacobi"}
    """
    M = sp.csr_matrix(M, dtype=np.float64)
    N = M.shape[0]
    apply = _make_preconditioner(M, shift)

    def matmat(R):
        R = np.asarray(R, dtype=np.float64)
        return apply(R.reshape(N, -1)).reshape(R.shape)

    return spla.LinearOperator((N, N), matvec=matmat, matmat=matmat, dtype=np.float64), apply.kind


def _smallest_lobpcg(M, count, scale, trivial, tol, reorder=True):
    """``count`` smallest eigenpairs of ``M`` on the complement of ``trivial``, residuals below ``tol * scale``.

    SciPy's ``scipy.sparse.linalg.lobpcg`` on ``M`` reordered for locality
    (:func:`_locality_order`), with the unit vector along ``trivial`` as the
    constraint ``Y``, the preconditioner of :func:`lobpcg_preconditioner` as
    ``M``, a seeded standard normal start block of ``count`` columns (so results
    are deterministic; the canonical basis then removes any dependence on the
    start inside degenerate eigenspaces) and at most ``LOBPCG_MAXITER``
    iterations. The residuals of the vectors returned are recomputed from ``M``
    and checked. An in-house LOBPCG loop was no faster at equal residual (suite
    ``lobpcg`` of ``python -m benchmarks``, see ``docs/performance.md``).
    """
    M = sp.csr_matrix(M, dtype=np.float64)
    N = M.shape[0]
    order = _locality_order(M) if reorder else None
    if order is not None:
        M = _symmetric_permutation(M, order)
        trivial = None if trivial is None else trivial[order]
    constraint = None if trivial is None else (trivial / np.linalg.norm(trivial))[:, None]
    precondition, _ = lobpcg_preconditioner(M, PRECONDITIONER_SHIFT * scale)
    block = np.random.default_rng(0).standard_normal((N, count))
    for _ in range(1 + LOBPCG_RESTARTS):
        with warnings.catch_warnings():
            # SciPy warns in its own words when it stops above tol (and of
            # ill-conditioned Gram matrices near round-off); the check below
            # recomputes the residuals from M and warns in this package's.
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
            _, block = spla.lobpcg(M, block, M=precondition, Y=constraint, tol=tol * scale / 2,
                                   maxiter=LOBPCG_MAXITER, largest=False)
        # The Ritz vectors, their Rayleigh quotients and residuals recomputed from
        # M: what is returned is what is certified.
        block = np.ascontiguousarray(block[:, :count])
        block /= np.linalg.norm(block, axis=0)
        image = M @ block
        values = np.einsum("ij,ij->j", block, image)
        image -= block * values
        worst = float(np.max(np.sqrt(np.einsum("ij,ij->j", image, image))))
        del image
        if worst <= tol * scale:
            break
    del precondition
    order_values = np.argsort(values, kind="stable")
    values, block = values[order_values], block[:, order_values]
    if worst > tol * scale:
        warnings.warn(
            f"LOBPCG stopped with a largest eigen-residual |M u - lambda u| = {worst:.3g}, above "
            f"the tolerance {tol * scale:.3g} (tol={tol:.3g} times the scale {scale:.3g} of M); "
            f"the eigenvectors are approximate. Install pyamg (the 'amg' extra) for a better "
            f"preconditioner, raise tol, or use solver='arpack' or 'dense'.",
            RuntimeWarning, stacklevel=4,
        )
    return values, block if order is None else _unpermute(block, order)


def eigen_residuals(M, values, vectors):
    r"""Residual norms :math:`\lVert M u_k - \lambda_k u_k\rVert / \lVert u_k\rVert` of eigenpairs.

    The accuracy certificate of an iterative solver: by the Bauer-Fike /
    Weyl bound each :math:`\lambda_k` lies within that distance of an
    eigenvalue of the symmetric ``M``, and the angle between :math:`u_k` and
    the true eigenspace is at most residual / gap.

    Parameters
    ----------
    M : sparse matrix or ndarray, shape (N, N)
    values : array_like, shape (K,)
    vectors : array_like, shape (N, K)

    Returns
    -------
    residuals : ndarray, shape (K,)

    Examples
    --------
    >>> import numpy as np
    >>> eigen_residuals(np.diag([1.0, 2.0]), [1.0, 2.5], np.eye(2))
    array([0. , 0.5])
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    vectors = np.asarray(vectors, dtype=np.float64)
    if vectors.ndim != 2 or vectors.shape[1] != values.size or vectors.shape[0] != M.shape[0]:
        raise ValueError(
            f"vectors must have shape ({M.shape[0]}, {values.size}) (one column per value), "
            f"got {vectors.shape}."
        )
    norms = np.linalg.norm(vectors, axis=0)
    if np.any(norms == 0):
        raise ValueError("vectors has a zero column; an eigenvector must be nonzero.")
    residual = np.asarray(M @ vectors) - vectors * values
    return np.linalg.norm(residual, axis=0) / norms


def _check_tol(tol):
    """``tol`` of the iterative solvers: None (``LOBPCG_RTOL``, read now) or a float in (0, 1]."""
    if tol is None:
        return float(LOBPCG_RTOL)
    return check_scalar(tol, name="tol", low=0.0, low_inclusive=False, high=1.0)


def smallest_eigenpairs(M, n_components, *, trivial=None, solver="auto", tol=None):
    r"""The ``n_components`` smallest eigenpairs of a symmetric PSD matrix.

    If ``trivial`` is given it must be an exact eigenvector of ``M`` with
    eigenvalue 0 (the constant vector for :math:`L`, :math:`D_G^{1/2}\mathbf 1`
    for :math:`L_{sym}`); the pairs returned are then those of ``M`` restricted
    to the orthogonal complement of ``trivial``. Degenerate clusters and signs
    follow the module's rules.

    Parameters
    ----------
    M : sparse matrix or ndarray, shape (N, N)
    n_components : int
    trivial : ndarray of shape (N,), optional
    solver : {"auto", "dense", "arpack", "lobpcg"}
        ``"dense"``: LAPACK ``eigh`` on a dense copy (memory :math:`8N^2` bytes).
        ``"arpack"``: ARPACK shift-invert on the sparse matrix (sparse LU of
        :math:`M + \epsilon I` in SuperLU's symmetric mode: minimum-degree
        ordering, diagonal pivots; the LU fills in, so memory and time grow
        faster than :math:`\mathrm{nnz}` on large graphs). Its residuals are
        checked: above ``ARPACK_CHECK_RTOL`` times the scale of ``M`` (a
        matrix that is not PSD), it solves again with a pivoting LU.
        ``"lobpcg"``: SciPy's block LOBPCG (Knyazev's locally optimal block
        preconditioned conjugate gradient) with ``trivial`` as the constraint
        ``Y`` (the iteration never leaves its orthogonal complement), on
        ``M`` reordered by reverse Cuthill-McKee for memory locality. The block
        holds the pairs wanted and one more (to see whether a degenerate cluster
        is cut). The
        preconditioner approximates :math:`(M + sI)^{-1}`, :math:`s` =
        ``PRECONDITIONER_SHIFT`` times the scale of ``M``: one block V-cycle of
        pyamg's smoothed aggregation AMG when pyamg is installed (the ``amg``
        extra), else the Jacobi (diagonal) preconditioner, which needs many more
        iterations on large graphs (see :func:`lobpcg_preconditioner`). Memory
        :math:`O(\mathrm{nnz}(M) + N K)`; it stops when every residual
        :math:`\lVert M u - \lambda u\rVert` of the pairs returned is below
        ``tol`` times the scale and warns (``RuntimeWarning``) if that is not
        reached; :func:`eigen_residuals` measures them.
        For the ARPACK and LOBPCG solvers, if a degenerate cluster would need
        more than :math:`N/4` (ARPACK) or :math:`N/5` (LOBPCG) eigenpairs, the
        dense solver takes over for ``N <= DENSE_FALLBACK_MAX_SAMPLES``
        (20000) and a ``ValueError`` is raised above.
        ``"auto"``: dense when ``N <= DENSE_MAX_SAMPLES`` (2000), ARPACK when
        ``N <= ARPACK_MAX_SAMPLES`` (10000); above, LOBPCG when pyamg is
        installed, else ARPACK unless its factor is predicted to have more than
        ``ARPACK_MAX_FILL`` (30) times the entries of ``M`` (then LOBPCG).
    tol : float, optional
        Accuracy of the LOBPCG solver: every pair returned has
        :math:`\lVert M u - \lambda u\rVert \le \text{tol}\cdot s_M`
        (:math:`\lVert u\rVert = 1`), :math:`s_M` the largest absolute row sum of
        ``M``. Then :math:`\lambda` is within :math:`\text{tol}\cdot s_M` of an
        eigenvalue and the angle between :math:`u` and its eigenspace is at most
        :math:`\text{tol}\cdot s_M` over the gap to the rest of the spectrum,
        so a loose ``tol`` (say 1e-3) is fast but only resolves well-separated
        eigenvectors. Default: ``LOBPCG_RTOL`` (1e-10). The dense and ARPACK
        solvers ignore it: they always solve to round-off (residuals near
        1e-16 times the scale).

    Returns
    -------
    values : ndarray, shape (n_components,), ascending
    vectors : ndarray, shape (N, n_components), orthonormal
    """
    check_option(solver, name="solver", options=SOLVERS)
    M = _check_symmetric_matrix(M, "M", keep_sparse=True)
    N = M.shape[0]
    if trivial is not None:
        trivial = np.asarray(trivial, dtype=np.float64)
        if trivial.shape != (N,) or not np.all(np.isfinite(trivial)) or not np.any(trivial):
            raise ValueError(
                f"trivial must be a finite nonzero vector of shape ({N},), got shape {trivial.shape}."
            )
    return _smallest_eigenpairs(M, n_components, trivial=trivial, solver=solver, tol=tol)


def _smallest_eigenpairs(M, n_components, *, trivial=None, solver="auto", tol=None):
    """:func:`smallest_eigenpairs` of a matrix built here (a Laplacian), not checked again.

    ``M``: symmetric, CSR or dense, float64; ``trivial``: None or a float64 vector of shape (N,).
    """
    check_option(solver, name="solver", options=SOLVERS)
    tol = _check_tol(tol)
    N = M.shape[0]
    available = N - (trivial is not None)
    n_components = check_n_components(
        n_components, available, what="the number of non-trivial eigenvectors (N - 1)"
    )
    solver = _resolve_solver(solver, N, M)
    if solver == "dense" and sp.issparse(M):
        M = M.toarray()  # documented: the dense solver needs the dense matrix
    scale = _matrix_scale(M)
    if trivial is not None:
        residual = np.linalg.norm(M @ trivial) / np.linalg.norm(trivial)
        if residual > 1e-8 * scale:
            raise ValueError(
                f"trivial is not a null vector of M (|M t| / |t| = {residual:.3g}); "
                f"pass the exact eigenvector of eigenvalue 0, or trivial=None."
            )
    values, vectors = _smallest_pairs(M, n_components, trivial, solver, tol, scale, reorder=True)
    return values[:n_components], _canonicalise(values, vectors, n_components,
                                                 rtol=_degeneracy_rtol(solver))


def _degeneracy_rtol(solver):
    """Relative gap under which computed eigenvalues form one degenerate cluster.

    LAPACK's full dense solve is accurate to a few machine epsilons of the largest
    eigenvalue magnitude, so its clusters are cut at ``DENSE_DEGENERACY_RTOL``: with
    weights over many decades, 1e-8 of the largest eigenvalue would merge distinct
    eigenvalues and mix their eigenvectors. The iterative solvers converge to a
    tolerance, hence the looser ``DEGENERACY_RTOL``.
    """
    return DENSE_DEGENERACY_RTOL if solver == "dense" else DEGENERACY_RTOL


def _matrix_scale(M):
    """Largest absolute row sum of ``M`` (a bound on its 2-norm), at least the smallest normal float."""
    if sp.issparse(M):
        M = sp.csr_matrix(M)
        sums = np.zeros(M.shape[0])
        nonempty = np.flatnonzero(np.diff(M.indptr))
        if nonempty.size:
            sums[nonempty] = np.add.reduceat(np.abs(M.data), M.indptr[nonempty])
    else:
        sums = np.abs(M).sum(axis=1)
    return max(float(sums.max()) if sums.size else 0.0, np.finfo(float).tiny)


def _smallest_pairs(M, n_components, trivial, solver, tol, scale, reorder):
    """The eigenpairs :func:`smallest_eigenpairs` computes, before the basis and sign rules.

    ``M`` validated (dense when ``solver`` is ``"dense"``), ``solver`` resolved,
    ``trivial`` an exact null vector or None. Returns at least ``n_components``
    ascending pairs, the last of them beyond any degenerate cluster cut at
    ``n_components``. ``reorder=False``: ``M`` is already in a local order.
    """
    N = M.shape[0]
    available = N - (trivial is not None)
    # Compute a few more pairs than needed so that a degenerate cluster cut at
    # n_components is seen whole; grow until the cut falls in a gap. The
    # iterative solvers compute one more pair only (each extra pair costs them
    # work; LOBPCG's guard vectors are never converged), the dense one four.
    count = min(N, n_components + (trivial is not None) + (4 if solver == "dense" else 1))
    while True:
        # LOBPCG runs on the complement of `trivial` directly: its block holds
        # non-trivial vectors only, and it wants at least 5 times its size left.
        limit = N // 4 if solver == "arpack" else (available - 1) // 5
        if solver in ("arpack", "lobpcg") and count > limit and N > DENSE_FALLBACK_MAX_SAMPLES:
            raise ValueError(
                f"the {n_components} smallest eigenpairs sit in a degenerate cluster of more than "
                f"{count} eigenvalues; {solver.upper()} cannot resolve it and N={N} is too large for "
                f"the dense solver. Use fewer n_components, or connect the graph (e.g. add a kNN "
                f"relation)."
            )
        deflate = trivial is not None
        if solver == "arpack" and count < min(N - 1, N // 4 + 1):
            values, vectors = _smallest_sparse(M, count, scale)
        elif solver == "lobpcg" and count <= limit:
            values, vectors = _smallest_lobpcg(M, count - (trivial is not None), scale, trivial, tol,
                                               reorder=reorder)
            deflate = False  # already on the complement of `trivial`
        else:
            values, vectors = _smallest_dense(M.toarray() if sp.issparse(M) else M, count)
        if deflate:
            values, vectors = _deflate(values, vectors, trivial, M)
        complete = values.size == available
        cut_in_gap = complete or values[-1] - values[n_components - 1] > _degeneracy_rtol(solver) * scale
        if cut_in_gap:
            break
        count = min(N, 2 * count)
    return values, vectors


def laplacian_eigenpairs(G, n_components, *, kind="combinatorial", solver="auto", tol=None):
    r"""The ``n_components`` smallest non-trivial eigenpairs of a graph Laplacian.

    For ``kind="combinatorial"`` these are the eigenpairs of :math:`L = D_G - G`
    on the complement of the constant vector:
    :math:`0 \le \lambda_1 \le \lambda_2 \le \dots` (a graph with :math:`c`
    connected components has :math:`c - 1` zeros among them). For
    ``kind="normalized"`` the deflated vector is :math:`D_G^{1/2}\mathbf 1`.
    ``solver`` and ``tol`` are those of :func:`smallest_eigenpairs`.

    Examples
    --------
    The path on three nodes has Laplacian eigenvalues 0, 1, 3:

    >>> import numpy as np
    >>> G = np.array([[0, 1.0, 0], [1.0, 0, 1.0], [0, 1.0, 0]])
    >>> values, vectors = laplacian_eigenpairs(G, 2)
    >>> np.round(values, 12)
    array([1., 3.])
    """
    return _laplacian_eigenpairs(check_graph(G), n_components, kind=kind, solver=solver, tol=tol)


def _laplacian_eigenpairs(G, n_components, *, kind="combinatorial", solver="auto", tol=None):
    """:func:`laplacian_eigenpairs` of a graph already returned by ``check_graph``."""
    check_option(kind, name="kind", options=("combinatorial", "normalized"))
    check_option(solver, name="solver", options=SOLVERS)
    tol = _check_tol(tol)
    N = G.shape[0]
    n_components = check_n_components(
        n_components, N - 1, what="the number of non-trivial eigenvectors (N - 1)"
    )
    if kind == "combinatorial":
        shortcut = _component_null_space(G, n_components)
        if shortcut is not None:
            return shortcut
    solver = _resolve_solver(solver, N, G)
    order = None
    if solver == "lobpcg":
        # Reorder G itself: the Laplacian is then built in the local order, and
        # neither G nor an unordered copy of L is held while LOBPCG runs.
        order = _locality_order(G)
        G = _symmetric_permutation(G, order)
    L = _laplacian(G, kind)
    trivial = np.ones(N) if kind == "combinatorial" else np.sqrt(np.asarray(G.sum(axis=1)).ravel())
    del G
    if solver == "dense":
        L = L.toarray()
    values, vectors = _smallest_pairs(L, n_components, trivial, solver, tol, _matrix_scale(L),
                                      reorder=False)
    del L
    if order is not None:
        vectors = _unpermute(vectors, order)
    # the basis and sign rules depend on the row order: applied in the caller's
    return values[:n_components], _canonicalise(values, vectors, n_components,
                                                 rtol=_degeneracy_rtol(solver))


def _component_null_space(G, n_components):
    r"""Exact eigenpairs when the null space of L (minus the constant) holds them all.

    The null space of :math:`L` is spanned by the indicators of the connected
    components, so a graph with :math:`c` components and :math:`c - 1 \ge K`
    needs no eigensolver: the answer is :math:`K` vectors of the canonical basis
    (:func:`canonical_basis`) of that space with the constant direction removed,
    all with eigenvalue 0. Returns ``None`` when the shortcut does not apply.

    The canonical basis is known in closed form, so no basis of the
    :math:`(c-1)`-dimensional space is formed. Its projector is
    :math:`P = \sum_C 1_C 1_C^\top/|C| - \mathbf 1\mathbf 1^\top/N`. After the
    pivots of components :math:`C_1..C_{k-1}` (total size :math:`\sigma`), the
    residual of :math:`P` on the other components is
    :math:`\operatorname{diag}(1/|C|) - \mathbf 1\mathbf 1^\top/(N - \sigma)`
    (Sherman-Morrison), so a sample's residual norm is
    :math:`\sqrt{1/|C| - 1/(N - \sigma)}`: the greedy pivot is the first sample of
    a smallest remaining component (norms within a relative 1e-6 are tied, the
    smallest sample index wins). Gram-Schmidt of :math:`P e_{p_1}, P e_{p_2}, ...`
    then gives :math:`q_k \propto 1_{C_k}/|C_k| - 1_{R_k}/|R_k|`, with
    :math:`R_k` the samples outside :math:`C_1..C_k`: orthogonal to
    :math:`\mathbf 1` and to :math:`1_{C_j}` for :math:`j < k`, in the span of the
    first :math:`k` pivot columns, with a positive inner product with the
    :math:`k`-th. Cost :math:`O(\mathrm{nnz} + c\log c + NK)` time and the
    :math:`N \times K` result in memory.
    """
    n_comp, labels = connected_components(G, directed=False)
    if n_comp - 1 < n_components:
        return None
    N = G.shape[0]
    sizes = np.bincount(labels, minlength=n_comp)
    first = np.full(n_comp, N, dtype=np.int64)
    np.minimum.at(first, labels, np.arange(N))
    pivots = _component_pivots(sizes, first, n_components)
    inside = sizes[pivots].astype(np.float64)
    outside = N - np.cumsum(inside)  # |R_k| >= 1: K <= c - 1 components are picked
    norms = np.sqrt(1.0 / inside + 1.0 / outside)
    # A sample outside every pivot component lies in R_k for all k: its row is -1/|R_k|.
    basis = np.tile(-1.0 / (outside * norms), (N, 1))
    members = np.argsort(labels, kind="stable")
    starts = np.concatenate(([0], np.cumsum(sizes)))
    for k, component in enumerate(pivots):
        rows = members[starts[component]:starts[component + 1]]
        basis[rows, k + 1:] = 0.0  # picked at step k: outside C_j and R_j for j > k
        basis[rows, k] = 1.0 / (inside[k] * norms[k])
    return np.zeros(n_components), sign_flip(basis)


def _component_pivots(sizes, first, count):
    r"""The greedy pivots of :func:`canonical_basis` on the component null space, as components.

    At each step the residual norm of a remaining component of size :math:`s` is
    :math:`\sqrt{1/s - 1/(N - \sigma)}`, decreasing in :math:`s`; the sizes tied
    with the smallest remaining one (norms within a relative 1e-6) are searched
    for the component whose first sample has the smallest index.
    """
    N = int(sizes.sum())
    order = np.lexsort((first, sizes))  # by size, then by first sample
    distinct, starts, counts = np.unique(sizes[order], return_index=True, return_counts=True)
    heads, ends = starts.copy(), starts + counts
    smallest, taken, pivots = 0, 0, []
    for _ in range(count):
        while heads[smallest] == ends[smallest]:
            smallest += 1
        shift = 1.0 / (N - taken)
        floor = (1 - 1e-6) ** 2 * (1.0 / distinct[smallest] - shift)
        best, group = None, None
        j = smallest
        while j < distinct.size and 1.0 / distinct[j] - shift >= floor:
            if heads[j] < ends[j]:
                candidate = order[heads[j]]
                if best is None or first[candidate] < first[best]:
                    best, group = candidate, j
            j += 1
        heads[group] += 1
        taken += int(sizes[best])
        pivots.append(int(best))
    return np.array(pivots, dtype=np.int64)


def graph_quadratic_form(X, G):
    r"""Return :math:`X^\top L X = X^\top (d \odot X) - X^\top (G X)` without forming :math:`L`.

    Cost :math:`O(\mathrm{nnz}(G) D + N D^2)`.

    Examples
    --------
    >>> import numpy as np
    >>> G = np.array([[0, 1.0], [1.0, 0]])
    >>> graph_quadratic_form(np.array([[0.0], [2.0]]), G)  # (0 - 2)^2 * 1
    array([[4.]])
    """
    G = check_graph(G)
    return _graph_quadratic_form(check_features(X, n_samples=G.shape[0]), G)


def _graph_quadratic_form(X, G):
    """:func:`graph_quadratic_form` of a float64 ``X`` and a graph returned by ``check_graph``."""
    d = np.asarray(G.sum(axis=1)).ravel()
    form = X.T @ (d[:, None] * X) - X.T @ (G @ X)
    return (form + form.T) / 2


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
        than ``DENSE_DEGENERACY_RTOL`` times the largest magnitude).
    """
    A = _check_symmetric_matrix(A, "A")
    B = _check_symmetric_matrix(B, "B")
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
    mu, P = np.linalg.eigh((M + M.T) / 2)
    # Dense LAPACK on the whole spectrum: eigenvalues are accurate to a few eps * max|mu|,
    # so clusters are formed at DENSE_DEGENERACY_RTOL, not at the iterative solvers'
    # DEGENERACY_RTOL: with weights over many decades max|mu| is huge, and 1e-8 of it
    # merged distinct small eigenvalues (0.016 and 146 next to 3e11), whose canonical
    # basis then mixed their eigenvectors and raised the loss.
    P = _canonicalise(mu, P, rtol=DENSE_DEGENERACY_RTOL)
    return mu, T @ P


def _check_symmetric_matrix(M, name, keep_sparse=False):
    """A real, finite, square, symmetric matrix (relative tolerance 1e-8); sparse kept if asked."""
    if sp.issparse(M) and keep_sparse:
        if np.iscomplexobj(M.data):
            raise TypeError(f"{name} has a complex dtype; a real symmetric matrix is needed.")
        M = sp.csr_matrix(M, dtype=np.float64)
        values = M.data
    else:
        if sp.issparse(M):
            raise TypeError(f"{name} is a sparse matrix; pass a dense array ({name}.toarray()).")
        M = np.asarray(M)
        if M.dtype == object or np.iscomplexobj(M) or not (
            np.issubdtype(M.dtype, np.number) or M.dtype == bool
        ):
            raise TypeError(f"{name} must be a real numeric matrix, got dtype {M.dtype}.")
        M = np.array(M, dtype=np.float64)
        values = M
    if M.ndim != 2 or M.shape[0] != M.shape[1] or M.shape[0] < 1:
        raise ValueError(f"{name} must be a square 2-D matrix, got shape {M.shape}.")
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{name} contains NaN or inf.")
    size = np.max(np.abs(values)) if values.size else 0.0
    asym = M - M.T
    asym = np.abs(asym.data if sp.issparse(asym) else asym)
    if asym.size and np.max(asym) > 1e-8 * size:
        raise ValueError(
            f"{name} is not symmetric (max |{name} - {name}.T| = {np.max(asym):.3g}); "
            f"symmetrise it, e.g. ({name} + {name}.T) / 2."
        )
    return M


#: The one rank rule of the package: a direction of a representation counts when its
#: singular value (of the column-centred ``Z``) exceeds this times the largest one. Closed
#: forms put collapsed directions at exactly 0; numerical optima leave them near
#: sqrt(FTOL) (1e-7.5) of the scale, since the losses are quadratic in them.
RANK_RTOL = 1e-6


def representation_rank(Z, *, rtol=RANK_RTOL):
    r"""Rank of a representation: singular values of :math:`HZ` above ``rtol`` times the largest.

    :math:`H = I - \mathbf 1\mathbf 1^\top/N` removes the constant offset, which carries no
    information about the samples: a constant ``Z`` has rank 0.

    Examples
    --------
    >>> import numpy as np
    >>> representation_rank(np.array([[1.0, 2.0], [3.0, 2.0], [5.0, 2.0]]))
    1
    """
    Z = np.asarray(Z, dtype=np.float64)
    if Z.size == 0:
        return 0
    s = np.linalg.svd(Z - Z.mean(axis=0), compute_uv=False)
    return int(np.sum(s > rtol * s[0])) if s[0] > 0 else 0


#: The feature rank rule of :func:`feature_basis`: singular values of the centred,
#: column-standardised features count above ``max(N, D) * FEATURE_RANK_EPS`` times the
#: larger of the largest singular value and the centring round-off (see there), the
#: rule of ``numpy.linalg.matrix_rank`` made unit-free.
FEATURE_RANK_EPS = float(np.finfo(np.float64).eps)


def feature_basis(X):
    r"""An orthonormal basis of the centred features' numerical column space, by a unit-free rule.

    With :math:`X_c = X - \mathbf 1\bar x^\top` (columns constant up to round-off set
    to 0, :func:`zero_constant_columns`), column norms :math:`n_j = \lVert X_{c,j}\rVert`
    and the thin SVD :math:`X_c\operatorname{diag}(1/n) = U S V^\top` of the
    standardised features, the directions kept are those with

    .. math::

        S_k > \max(N, D)\,\epsilon\,\max\big(S_1,\ \sqrt N \max_j a_j / n_j\big),
        \qquad a_j = \max_i \lvert x_{ij}\rvert ,

    :math:`\epsilon` the float64 machine epsilon. The first term is the rule of
    ``numpy.linalg.matrix_rank``; the second bounds the round-off of the centring
    of a column whose mean is large against its spread (a column ``1e6 + x`` is
    only known to ``eps * 1e6`` after centring). Both are unit-free: rescaling a
    column of ``X`` changes neither the rank nor the span, whereas a threshold
    relative to the largest singular value of the raw columns drops every column
    measured in small units (breast-cancer features span 1e-3..1e3).

    Parameters
    ----------
    X : array_like, shape (N, D)

    Returns
    -------
    T : ndarray, shape (D, r)
        :math:`X_c T = U_r` has orthonormal columns (rows of ``T`` for constant
        columns are 0), so :math:`\{XW + \mathbf 1 b^\top\} = \{X T C + \mathbf 1 b^\top\}`
        on the numerical range.
    singular_values : ndarray, shape (r,)
        :math:`S_1 \ge \dots \ge S_r` of the standardised features.

    Examples
    --------
    A duplicated column adds no direction, whatever its units:

    >>> import numpy as np
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [3.0, 5.0]])
    >>> T, s = feature_basis(np.column_stack([X, 1e-9 * X[:, 0]]))
    >>> T.shape
    (3, 2)
    """
    X = check_features(X, min_samples=1)
    N, D = X.shape
    centred = zero_constant_columns(X - X.mean(axis=0), X)
    norms = np.linalg.norm(centred, axis=0)
    active = norms > 0
    if not np.any(active):
        return np.zeros((D, 0)), np.zeros(0)
    standardised = centred[:, active] / norms[active]
    U, S, Vt = np.linalg.svd(standardised, full_matrices=False)
    magnitude = np.max(np.abs(X[:, active]), axis=0) / norms[active]
    tol = max(N, D) * FEATURE_RANK_EPS * max(S[0], np.sqrt(N) * float(np.max(magnitude)))
    keep = S > tol
    T = np.zeros((D, int(np.sum(keep))))
    T[active] = Vt[keep].T / S[keep] / norms[active][:, None]
    return T, S[keep]


def feature_rank(X):
    """Rank of the centred features: the number of directions :func:`feature_basis` keeps.

    Unit-free: equal to ``numpy.linalg.matrix_rank`` of the centred, column-standardised
    features (up to the centring round-off term of :func:`feature_basis`).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 1.0], [1e-6, 0.0], [3e-6, 5.0], [2e-6, 1.0]])
    >>> feature_rank(X), feature_rank(np.column_stack([X, X[:, 0] * 1e9]))
    (2, 2)
    """
    return feature_basis(X)[0].shape[1]


class Kernel:
    r"""A positive semi-definite kernel :math:`k(x, y)`, callable on two sample matrices.

    * ``"linear"``: :math:`x^\top y`
    * ``"rbf"``: :math:`\exp(-\lVert x - y\rVert^2 / (2\,\text{bandwidth}^2))`
    * ``"polynomial"``: :math:`(x^\top y + \text{coef0})^{\text{degree}}`

    Examples
    --------
    >>> import numpy as np
    >>> k = Kernel("rbf", bandwidth=1.0)
    >>> float(k(np.zeros((1, 1)), np.ones((1, 1)))[0, 0]) == float(np.exp(-0.5))
    True
    """

    NAMES = ("linear", "rbf", "polynomial")

    def __init__(self, name="rbf", *, bandwidth=1.0, degree=3, coef0=1.0):
        check_option(name, name="kernel", options=self.NAMES)
        self.name = name
        self.bandwidth = check_scalar(bandwidth, name="bandwidth", low=0.0, low_inclusive=False)
        if isinstance(degree, bool) or not isinstance(degree, (int, np.integer)) or degree < 1:
            raise ValueError(f"degree must be an integer >= 1, got {degree!r}.")
        self.degree = int(degree)
        self.coef0 = check_scalar(coef0, name="coef0", low=-np.inf)

    def __call__(self, X, Y):
        if self.name == "linear":
            return X @ Y.T
        if self.name == "polynomial":
            return (X @ Y.T + self.coef0) ** self.degree
        sq = np.sum(X**2, 1)[:, None] + np.sum(Y**2, 1)[None, :] - 2 * X @ Y.T
        return np.exp(-np.maximum(sq, 0.0) / (2 * self.bandwidth**2))

    def __repr__(self):
        if self.name == "rbf":
            return f"Kernel('rbf', bandwidth={self.bandwidth:.6g})"
        if self.name == "polynomial":
            return f"Kernel('polynomial', degree={self.degree}, coef0={self.coef0:.6g})"
        return "Kernel('linear')"


def median_bandwidth(X):
    """The median of the pairwise Euclidean distances between distinct samples.

    The default rbf bandwidth when none is given (the "median heuristic").
    """
    memory.check_pairwise(X, call="linalg.median_bandwidth", copies=3,
                          alternative="pass bandwidth= (e.g. the median distance of a subsample of X)")
    X = check_features(X)
    sq = np.sum(X**2, 1)
    dist = np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2 * X @ X.T, 0.0))
    values = dist[np.triu_indices(X.shape[0], k=1)]
    positive = values[values > 0]
    if positive.size == 0:
        raise ValueError("all samples in X are identical; no bandwidth can be derived. Pass bandwidth=.")
    return float(np.median(positive))


def make_kernel(X, kernel="rbf", *, bandwidth=None, degree=3, coef0=1.0):
    """Build a :class:`Kernel` from its name; ``bandwidth=None`` uses :func:`median_bandwidth` of ``X``.

    A callable ``kernel(X, Y) -> ndarray`` is returned unchanged.
    """
    if callable(kernel) and not isinstance(kernel, str):
        return kernel
    check_option(kernel, name="kernel", options=Kernel.NAMES)
    if kernel == "rbf" and bandwidth is None:
        bandwidth = median_bandwidth(X)
    return Kernel(kernel, bandwidth=1.0 if bandwidth is None else bandwidth, degree=degree, coef0=coef0)


def kernel_range_basis(gram, *, rank_rtol=1e-10):
    r"""Eigen-decomposition of a PSD Gram matrix restricted to its numerical range.

    Returns ``(s, V)`` with :math:`K_X \approx V \operatorname{diag}(s) V^\top`,
    keeping eigenvalues :math:`s > \text{rank\_rtol} \cdot s_{max}`. Kernel
    regimes use :math:`V` as features: every :math:`Z = K_X A` with :math:`A`
    in the range is :math:`V C` with :math:`A = V \operatorname{diag}(1/s) C`,
    and the covariance of :math:`V` is well conditioned, whereas that of
    :math:`K_X` has the condition number of :math:`K_X` squared.

    Examples
    --------
    >>> import numpy as np
    >>> s, V = kernel_range_basis(np.array([[2.0, 0.0], [0.0, 0.0]]))
    >>> s.tolist(), V.shape
    ([2.0], (2, 1))
    """
    gram = np.asarray(gram, dtype=np.float64)
    if gram.ndim != 2 or gram.shape[0] != gram.shape[1] or not np.all(np.isfinite(gram)):
        raise ValueError(f"gram must be a finite square matrix, got shape {gram.shape}.")
    asym = np.max(np.abs(gram - gram.T))
    if asym > 1e-8 * max(np.max(np.abs(gram)), np.finfo(float).tiny):
        raise ValueError(f"gram is not symmetric (max |K - K.T| = {asym:.3g}); a kernel Gram matrix must be.")
    s, V = np.linalg.eigh((gram + gram.T) / 2)
    if s[-1] <= 0:
        raise ValueError("gram has no positive eigenvalue; the kernel maps every sample to zero.")
    keep = s > rank_rtol * s[-1]
    return s[keep][::-1], V[:, keep][:, ::-1]


def centred_range_basis(V, *, rank_rtol=1e-10):
    r"""Orthonormal basis of :math:`H\operatorname{span}(V)` for orthonormal columns ``V``.

    Returns ``(U, M)`` with :math:`U = (V - \mathbf 1\bar v^\top) M` orthonormal,
    so that :math:`\{VC + \mathbf 1 b^\top\} = \{UC' + \mathbf 1 b'^\top\}`
    (:math:`C = MC'`, :math:`b = b' - \bar v^\top MC'`). The thin SVD
    :math:`HV = U_0 S W^\top` keeps singular values :math:`S > \text{rank\_rtol}`.

    The threshold is on singular values (standard deviations), not on variances
    :math:`S^2`: since :math:`V` is orthonormal, :math:`S \le 1` is computed to an
    absolute accuracy of a few machine epsilons, and every singular value is 1
    except one, :math:`\sin\theta` with :math:`\theta` the angle between
    :math:`\mathbf 1` and :math:`\operatorname{span}(V)`. An rbf kernel on many
    samples puts :math:`\mathbf 1` almost in the range of :math:`K_X`
    (:math:`\sin\theta \approx 3\cdot10^{-6}` on a 300-sample kNN set): a variance
    threshold of 1e-10 would drop that real, well-resolved direction.

    Examples
    --------
    >>> import numpy as np
    >>> U, M = centred_range_basis(np.eye(3)[:, :2])
    >>> U.shape, bool(np.allclose(U.T @ U, np.eye(2))), bool(np.allclose(U.sum(axis=0), 0))
    ((3, 2), True, True)
    >>> centred_range_basis(np.ones((3, 1)) / np.sqrt(3))[0].shape  # only the constant
    (3, 0)
    """
    V = np.asarray(V, dtype=np.float64)
    U0, S, Wt = np.linalg.svd(V - V.mean(axis=0), full_matrices=False)
    keep = S > rank_rtol  # none when span(V) is the constant vector: U is then (N, 0)
    return U0[:, keep], Wt[keep].T / S[keep]


def sign_flip_with(Z, *coefficients):
    """Apply :func:`sign_flip` to the columns of ``Z`` and the same flips to each coefficient array.

    Used by the methods so that ``W`` / ``A`` / ``bias`` columns follow the
    representation's signs (``Z = F W + b`` keeps holding after the flip).

    Examples
    --------
    >>> import numpy as np
    >>> Z, W = sign_flip_with(np.array([[-2.0], [1.0]]), np.array([[3.0]]))
    >>> Z.ravel().tolist(), W.ravel().tolist()
    ([2.0, -1.0], [-3.0])
    """
    flipped = sign_flip(Z)
    signs = np.where(np.sum(flipped * Z, axis=0) < 0, -1.0, 1.0)
    return (flipped, *(c * signs for c in coefficients))

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
from scipy.sparse.csgraph import connected_components

from ._validation import check_features, check_graph, check_n_components, check_option, check_scalar

#: Graphs with more samples than this are solved with the sparse iterative
#: solver when ``solver="auto"``; smaller ones with dense LAPACK ``eigh``.
DENSE_MAX_SAMPLES = 2000

#: With ``solver="auto"``, matrices with more samples than this use LOBPCG
#: instead of ARPACK shift-invert. The sparse LU factor ARPACK needs fills in on
#: graphs of volumes: on a 10-NN graph of a 3-D Gaussian, ARPACK took 7.8 s
#: against LOBPCG's 2.0 s at N = 2e4 and did not finish in 300 s against 9.4 s
#: at N = 1e5 (2 cores). On a surface (swiss roll) ARPACK stays faster (3.8 s
#: against 9.1 s at 1e5, 135 s against 228 s at 1e6) but needs 2.3 times the
#: memory (5.5 GB against 2.4 GB at 1e6). LOBPCG is the one that scales on both;
#: see ``benchmarks/``.
ARPACK_MAX_SAMPLES = 10000

#: LOBPCG stops when every residual :math:`\lVert M u - \lambda u\rVert` is below
#: this times the scale of ``M`` (its largest absolute row sum, an upper bound on
#: :math:`\lVert M\rVert_2`).
LOBPCG_RTOL = 1e-10

#: Iterations of one LOBPCG run; up to ``LOBPCG_RESTARTS`` further runs continue
#: from the block reached when the residuals are not yet below the tolerance.
LOBPCG_MAXITER = 500
LOBPCG_RESTARTS = 3

#: The preconditioner approximates :math:`(M + s I)^{-1}` with
#: :math:`s` = this times the scale of ``M``: the shift makes the singular
#: Laplacian invertible while staying far below the eigenvalues sought.
PRECONDITIONER_SHIFT = 1e-5

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
    G = check_graph(G)
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


def _smallest_sparse(M, count, scale):
    # Shift-invert around a point just below 0: M + shift*I is positive definite,
    # so its sparse LU is stable, and ARPACK converges fast to the smallest end.
    shift = 1e-6 * scale
    values, vectors = spla.eigsh(M.tocsc(), k=count, sigma=-shift, which="LM")
    order = np.argsort(values)
    return values[order], vectors[:, order]


def _resolve_solver(solver, n_samples):
    """The solver ``"auto"`` stands for at this size (see :func:`smallest_eigenpairs`)."""
    if solver != "auto":
        return solver
    if n_samples <= DENSE_MAX_SAMPLES:
        return "dense"
    return "arpack" if n_samples <= ARPACK_MAX_SAMPLES else "lobpcg"


def _pyamg():
    """The pyamg module, or None when the optional ``amg`` extra is not installed."""
    try:
        import pyamg
    except ImportError:
        return None
    return pyamg


def lobpcg_preconditioner(M, shift):
    r"""The preconditioner LOBPCG uses: an approximation of :math:`(M + \text{shift}\, I)^{-1}`.

    With pyamg installed: one V-cycle of a smoothed aggregation AMG hierarchy
    built on :math:`M + \text{shift}\, I` (memory :math:`O(\mathrm{nnz}(M))`),
    applied column by column. Without it: the Jacobi preconditioner
    :math:`\operatorname{diag}(M + \text{shift}\, I)^{-1}`.

    Returns
    -------
    operator : scipy.sparse.linalg.LinearOperator, shape (N, N)
    kind : {"amg", "jacobi"}
    """
    M = sp.csr_matrix(M, dtype=np.float64)
    N = M.shape[0]
    shifted = (M + shift * sp.eye(N, format="csr")).tocsr()
    pyamg = _pyamg()
    if pyamg is None:
        diagonal = shifted.diagonal()
        inverse = np.divide(1.0, diagonal, out=np.ones_like(diagonal), where=diagonal > 0)

        def jacobi(R):
            R = np.asarray(R)
            return inverse[:, None] * R.reshape(N, -1) if R.ndim == 2 else inverse * R

        return spla.LinearOperator((N, N), matvec=jacobi, matmat=jacobi, dtype=np.float64), "jacobi"
    hierarchy = pyamg.smoothed_aggregation_solver(shifted)

    def v_cycle(r):
        # tol=0: exactly one cycle, whatever the residual
        return hierarchy.solve(np.ascontiguousarray(r), maxiter=1, cycle="V", tol=0.0)

    def amg(R):
        R = np.asarray(R)
        if R.ndim == 1 or R.shape[1] == 1:
            return v_cycle(R.ravel()).reshape(R.shape)
        # contiguous columns: pyamg's cycle is much slower on strided vectors
        out = np.empty(R.shape)
        for j in range(R.shape[1]):
            out[:, j] = v_cycle(R[:, j])
        return out

    return spla.LinearOperator((N, N), matvec=amg, matmat=amg, dtype=np.float64), "amg"


def _rayleigh_ritz(M, vectors, trivial=None):
    """Exact eigenpairs of ``M`` restricted to span(vectors) (minus ``trivial``), ascending."""
    if trivial is not None:
        vectors = vectors - np.outer(trivial, trivial @ vectors)
    basis = np.linalg.qr(vectors)[0]
    small = basis.T @ (M @ basis)
    values, coefficients = np.linalg.eigh((small + small.T) / 2)
    return values, basis @ coefficients


def _smallest_lobpcg(M, count, scale, trivial):
    """``count`` smallest eigenpairs of ``M`` on the complement of ``trivial`` by preconditioned LOBPCG."""
    M = sp.csr_matrix(M, dtype=np.float64)
    N = M.shape[0]
    constraint = None
    if trivial is not None:
        trivial = trivial / np.linalg.norm(trivial)
        constraint = trivial[:, None]
    preconditioner, _ = lobpcg_preconditioner(M, PRECONDITIONER_SHIFT * scale)
    tol = LOBPCG_RTOL * scale
    # A fixed start: results are deterministic (the canonical basis then removes
    # any dependence on the start inside degenerate eigenspaces).
    block = np.random.default_rng(0).standard_normal((N, count))
    for _ in range(1 + LOBPCG_RESTARTS):
        with warnings.catch_warnings():
            # scipy warns when maxiter is reached; the residuals are checked below
            warnings.simplefilter("ignore", UserWarning)
            _, block = spla.lobpcg(M, block, M=preconditioner, Y=constraint, tol=tol,
                                   maxiter=LOBPCG_MAXITER, largest=False)
        values, block = _rayleigh_ritz(M, block, trivial)
        worst = float(np.max(eigen_residuals(M, values, block)))
        if worst <= tol:
            break
    else:
        warnings.warn(
            f"LOBPCG stopped with a largest eigen-residual |M u - lambda u| = {worst:.3g}, above "
            f"the tolerance {tol:.3g}; the eigenvectors are approximate. Install pyamg (the 'amg' "
            f"extra) for a better preconditioner, or use solver='arpack' or 'dense'.",
            RuntimeWarning, stacklevel=4,
        )
    return values, block


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


def smallest_eigenpairs(M, n_components, *, trivial=None, solver="auto"):
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
        :math:`M + \epsilon I`; the LU fills in, so memory and time grow
        faster than :math:`\mathrm{nnz}` on large graphs).
        ``"lobpcg"``: preconditioned LOBPCG (``scipy.sparse.linalg.lobpcg``)
        with ``trivial`` as a hard constraint (the iteration never leaves its
        orthogonal complement). The preconditioner approximates
        :math:`(M + sI)^{-1}`, :math:`s` = ``PRECONDITIONER_SHIFT`` times the
        scale of ``M``: one V-cycle of pyamg's smoothed aggregation AMG when
        pyamg is installed (the ``amg`` extra), else the Jacobi (diagonal)
        preconditioner, which needs many more iterations on large graphs.
        Memory :math:`O(\mathrm{nnz}(M) + N K)`; it stops when every
        residual :math:`\lVert M u - \lambda u\rVert` is below
        ``LOBPCG_RTOL`` (1e-10) times the scale and warns (``RuntimeWarning``)
        if that is not reached; :func:`eigen_residuals` measures them.
        For the ARPACK and LOBPCG solvers, if a degenerate cluster would need
        more than :math:`N/4` (ARPACK) or :math:`N/5` (LOBPCG) eigenpairs, the
        dense solver takes over for ``N <= DENSE_FALLBACK_MAX_SAMPLES``
        (20000) and a ``ValueError`` is raised above.
        ``"auto"``: dense when ``N <= DENSE_MAX_SAMPLES`` (2000), ARPACK when
        ``N <= ARPACK_MAX_SAMPLES`` (10000), LOBPCG above.

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
    available = N - (trivial is not None)
    n_components = check_n_components(
        n_components, available, what="the number of non-trivial eigenvectors (N - 1)"
    )
    solver = _resolve_solver(solver, N)
    if solver == "dense" and sp.issparse(M):
        M = M.toarray()  # documented: the dense solver needs the dense matrix
    scale = float(abs(M).sum(axis=1).max()) if sp.issparse(M) else float(np.abs(M).sum(axis=1).max())
    scale = max(scale, np.finfo(float).tiny)
    if trivial is not None:
        residual = np.linalg.norm(M @ trivial) / np.linalg.norm(trivial)
        if residual > 1e-8 * scale:
            raise ValueError(
                f"trivial is not a null vector of M (|M t| / |t| = {residual:.3g}); "
                f"pass the exact eigenvector of eigenvalue 0, or trivial=None."
            )

    # Compute a few more pairs than needed so that a degenerate cluster cut at
    # n_components is seen whole; grow until the cut falls in a gap.
    count = min(N, n_components + (trivial is not None) + 4)
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
            values, vectors = _smallest_lobpcg(M, count - (trivial is not None), scale, trivial)
            deflate = False  # already on the complement of `trivial`
        else:
            values, vectors = _smallest_dense(M.toarray() if sp.issparse(M) else M, count)
        if deflate:
            values, vectors = _deflate(values, vectors, trivial, M)
        complete = values.size == available
        cut_in_gap = complete or values[-1] - values[n_components - 1] > DEGENERACY_RTOL * scale
        if cut_in_gap:
            break
        count = min(N, 2 * count)
    return values[:n_components], _canonicalise(values, vectors, n_components)


def laplacian_eigenpairs(G, n_components, *, kind="combinatorial", solver="auto"):
    r"""The ``n_components`` smallest non-trivial eigenpairs of a graph Laplacian.

    For ``kind="combinatorial"`` these are the eigenpairs of :math:`L = D_G - G`
    on the complement of the constant vector:
    :math:`0 \le \lambda_1 \le \lambda_2 \le \dots` (a graph with :math:`c`
    connected components has :math:`c - 1` zeros among them). For
    ``kind="normalized"`` the deflated vector is :math:`D_G^{1/2}\mathbf 1`.

    Examples
    --------
    The path on three nodes has Laplacian eigenvalues 0, 1, 3:

    >>> import numpy as np
    >>> G = np.array([[0, 1.0, 0], [1.0, 0, 1.0], [0, 1.0, 0]])
    >>> values, vectors = laplacian_eigenpairs(G, 2)
    >>> np.round(values, 12)
    array([1., 3.])
    """
    check_option(kind, name="kind", options=("combinatorial", "normalized"))
    G = check_graph(G)
    L = laplacian(G, kind=kind)
    if kind == "combinatorial":
        trivial = np.ones(G.shape[0])
    else:
        trivial = np.sqrt(np.asarray(G.sum(axis=1)).ravel())
    check_option(solver, name="solver", options=SOLVERS)
    n_components = check_n_components(
        n_components, G.shape[0] - 1, what="the number of non-trivial eigenvectors (N - 1)"
    )
    if kind == "combinatorial":
        shortcut = _component_null_space(G, n_components)
        if shortcut is not None:
            return shortcut
    return smallest_eigenpairs(L, n_components, trivial=trivial, solver=solver)


def _component_null_space(G, n_components):
    """Exact eigenpairs when the null space of L (minus the constant) holds them all.

    The null space of :math:`L` is spanned by the indicators of the connected
    components, so a graph with :math:`c` components and :math:`c - 1 \\ge K`
    needs no eigensolver: the answer is :math:`K` vectors of the canonical basis
    of that space with the constant direction removed, all with eigenvalue 0.
    Returns ``None`` when the shortcut does not apply.
    """
    n_comp, labels = connected_components(G, directed=False)
    if n_comp - 1 < n_components:
        return None
    sizes = np.bincount(labels)
    indicators = np.zeros((G.shape[0], n_comp))
    indicators[np.arange(G.shape[0]), labels] = 1.0 / np.sqrt(sizes[labels])
    constant = np.sqrt(sizes / G.shape[0])  # the constant vector in indicator coordinates
    # Orthonormal complement of `constant` in R^c, mapped back to samples.
    complement = np.linalg.svd(np.eye(n_comp) - np.outer(constant, constant))[0][:, : n_comp - 1]
    basis = indicators @ complement
    return np.zeros(n_components), sign_flip(canonical_basis(basis, n_components))


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
    X = check_features(X, n_samples=G.shape[0])
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


def feature_rank(X, rank_rtol=1e-10):
    """Rank of the centred features: the number of directions with variance."""
    s = np.linalg.svd(center(X), compute_uv=False)
    return int(np.sum(s > np.sqrt(rank_rtol) * s[0])) if s.size and s[0] > 0 else 0


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

r"""The eigen dispatch: which solver runs, how many pairs it computes, which rules apply after.

:func:`smallest_eigenpairs` and :func:`laplacian_eigenpairs` validate, resolve
``solver="auto"`` (:func:`resolve_solver`), call the entry of
:data:`spectral_ssl.linalg._solvers.SOLVER_TABLE` until a degenerate cluster cut at
``n_components`` is seen whole (:func:`smallest_pairs`), then apply the basis and sign
rules of :mod:`spectral_ssl.linalg._basis`, with clusters cut by the measured residuals of
the pairs (so that eigenvectors the solver resolved are never mixed).
"""

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from .._relations import relation_degrees
from .._validation import check_flag, check_graph, check_n_components, check_option, check_scalar
from . import _amg, _settings, _solvers
from ._basis import canonicalise, eigenvalue_clusters
from ._components import indicator_null_space, normalized_indicator_null_space, null_space_basis
from ._matrices import check_symmetric_matrix, eigen_residuals, laplacian, matrix_scale
from ._ordering import locality_order, predicted_fill, symmetric_permutation, unpermute


def check_tol(tol):
    """``tol`` of the iterative solvers: None (``LOBPCG_RTOL``, read now) or a float in (0, 1]."""
    if tol is None:
        return float(_settings.LOBPCG_RTOL)
    return check_scalar(tol, name="tol", low=0.0, low_inclusive=False, high=1.0)


def resolve_solver(solver, n_samples, matrix=None):
    """The solver ``"auto"`` stands for (see :func:`smallest_eigenpairs`).

    ``matrix``: the matrix (or graph: only its pattern is read) to be solved; without
    it, the choice above ``ARPACK_MAX_SAMPLES`` assumes no fill guard (LOBPCG).
    """
    if solver != "auto":
        return solver
    if n_samples <= _settings.DENSE_MAX_SAMPLES:
        return "dense"
    if n_samples <= _settings.ARPACK_MAX_SAMPLES:
        return "arpack"
    if _amg.find_pyamg() is not None or matrix is None:
        return "lobpcg"
    return "arpack" if predicted_fill(matrix) <= _settings.ARPACK_MAX_FILL else "lobpcg"


def smallest_eigenpairs(M, n_components, *, trivial=None, solver="auto", tol=None, check_input=True):
    r"""The ``n_components`` smallest eigenpairs of a symmetric PSD matrix.

    If ``trivial`` is given it must be an exact eigenvector of ``M`` with
    eigenvalue 0 (the constant vector for :math:`L`, :math:`D_G^{1/2}\mathbf 1`
    for :math:`L_{sym}`); the pairs returned are then those of ``M`` restricted
    to the orthogonal complement of ``trivial``. Degenerate clusters and signs
    follow the rules of :mod:`spectral_ssl.linalg`.

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
        smoothed aggregation AMG, on pyamg's hierarchy when pyamg is installed
        (the ``amg`` extra), else on the package's own (SciPy alone; see
        :func:`lobpcg_preconditioner`). Memory
        :math:`O(\mathrm{nnz}(M) + N K)`; it stops when every residual
        :math:`\lVert M u - \lambda u\rVert` of the pairs returned is below
        ``tol`` times the scale and warns (``RuntimeWarning``) if that is not
        reached; :func:`eigen_residuals` measures them.
        A sparse ``M`` whose pattern has several connected components (block diagonal,
        such as the Laplacian of a disconnected graph) goes to the dense solver up to
        ``DENSE_FALLBACK_MAX_SAMPLES`` and raises a ``ValueError`` above: a single-vector
        Krylov solver misses eigenvalues repeated across blocks, and the null space of a
        generic block is not known (:func:`laplacian_eigenpairs`, given the graph, solves
        each component apart).
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
    check_input : bool, default True
        ``False`` skips the validation and copy of ``M`` (then symmetric, CSR or dense
        float64: a matrix built by the caller, such as a Laplacian) and of ``trivial``
        (then None or a float64 vector of shape (N,)).

    Returns
    -------
    values : ndarray, shape (n_components,), ascending
    vectors : ndarray, shape (N, n_components), orthonormal
    """
    check_option(solver, name="solver", options=_settings.SOLVERS)
    if check_input:
        M = check_symmetric_matrix(M, "M", keep_sparse=True)
        N = M.shape[0]
        if trivial is not None:
            trivial = np.asarray(trivial, dtype=np.float64)
            if trivial.shape != (N,) or not np.all(np.isfinite(trivial)) or not np.any(trivial):
                raise ValueError(
                    f"trivial must be a finite nonzero vector of shape ({N},), got shape {trivial.shape}."
                )
    tol = check_tol(tol)
    N = M.shape[0]
    available = N - (trivial is not None)
    n_components = check_n_components(
        n_components, available, what="the number of non-trivial eigenvectors (N - 1)"
    )
    solver = resolve_solver(solver, N, M)
    if solver != "dense" and sp.issparse(M) and connected_components(M, directed=False)[0] > 1:
        # A block-diagonal M: the iterative solvers find one vector of an eigenvalue repeated
        # across blocks (a disconnected graph's Laplacian: 0, c times), and its null space is
        # not known here (laplacian_eigenpairs, given the graph, solves such a graph exactly).
        if N > _settings.DENSE_FALLBACK_MAX_SAMPLES:
            raise ValueError(
                f"M is block diagonal (its pattern has several connected components) and N={N} is "
                f"too large for the dense solver; {solver.upper()} would miss eigenvalues repeated "
                f"across blocks. For a graph Laplacian use laplacian_eigenpairs(G, ...), which "
                f"solves each connected component apart; else solve each block apart.")
        solver = "dense"
    if solver == "dense" and sp.issparse(M):
        M = M.toarray()  # documented: the dense solver needs the dense matrix
    scale = matrix_scale(M)
    if trivial is not None:
        residual = np.linalg.norm(M @ trivial) / np.linalg.norm(trivial)
        if residual > 1e-8 * scale:
            raise ValueError(
                f"trivial is not a null vector of M (|M t| / |t| = {residual:.3g}); "
                f"pass the exact eigenvector of eigenvalue 0, or trivial=None."
            )
    values, vectors, residuals = smallest_pairs(M, n_components, trivial, solver, tol, scale, reorder=True)
    return values[:n_components], canonicalise(values, vectors, n_components, rtol=degeneracy_rtol(solver),
                                                 residuals=residuals, scale=scale)


def degeneracy_rtol(solver):
    """Relative gap under which computed eigenvalues form one degenerate cluster.

    LAPACK's full dense solve is accurate to a few machine epsilons of the largest
    eigenvalue magnitude, so its clusters are cut at ``DENSE_DEGENERACY_RTOL``: with
    weights over many decades, 1e-8 of the largest eigenvalue would merge distinct
    eigenvalues and mix their eigenvectors. The iterative solvers converge to a
    tolerance, hence the looser ``DEGENERACY_RTOL``. Either is only a cap: the clusters are
    also cut by the residuals of the pairs (:func:`eigenvalue_clusters`), which resolve
    far smaller gaps (1e-6 eigenvalues next to 600 at residuals of 1e-13).
    """
    return _settings.DENSE_DEGENERACY_RTOL if solver == "dense" else _settings.DEGENERACY_RTOL


def smallest_pairs(M, n_components, trivial, solver, tol, scale, reorder):
    """The eigenpairs :func:`smallest_eigenpairs` computes, before the basis and sign rules.

    ``M`` validated (dense when ``solver`` is ``"dense"``), ``solver`` resolved,
    ``trivial`` an exact null vector or None. Returns at least ``n_components``
    ascending pairs, the last of them beyond any degenerate cluster cut at
    ``n_components``, and their residuals (:func:`eigen_residuals`, from which the
    clusters are cut). ``reorder=False``: ``M`` is already in a local order.
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
        if solver in ("arpack", "lobpcg") and count > limit and N > _settings.DENSE_FALLBACK_MAX_SAMPLES:
            raise ValueError(
                f"the {n_components} smallest eigenpairs sit in a degenerate cluster of more than "
                f"{count} eigenvalues; {solver.upper()} cannot resolve it and N={N} is too large for "
                f"the dense solver. Use fewer n_components, or connect the graph (e.g. add a kNN "
                f"relation)."
            )
        # ARPACK wants count < N/4 + 1 and LOBPCG count <= limit; beyond, the dense solver
        # takes over (N is small enough here, the check above made sure).
        fits = {"arpack": count < min(N - 1, N // 4 + 1), "lobpcg": count <= limit}.get(solver, True)
        pairs = _solvers.SOLVER_TABLE[solver if fits else "dense"]
        values, vectors, on_complement = pairs(M, count, scale=scale, trivial=trivial, tol=tol,
                                               reorder=reorder)
        if trivial is not None and not on_complement:
            values, vectors = _solvers.deflate(values, vectors, trivial, M)
        residuals = eigen_residuals(M, values, vectors)
        complete = values.size == available
        # the cluster holding pair n_components must end before the last pair computed
        last = next(c for c in eigenvalue_clusters(values, degeneracy_rtol(solver), residuals=residuals,
                                                   scale=scale) if c.stop >= n_components)
        if complete or last.stop < values.size:
            break
        count = min(N, 2 * count)
    return values, vectors, residuals


def laplacian_eigenpairs(G, n_components, *, kind="combinatorial", solver="auto", tol=None,
                         deflate=True, check_input=True, degrees=None):
    r"""The ``n_components`` smallest non-trivial eigenpairs of a graph Laplacian.

    For ``kind="combinatorial"`` these are the eigenpairs of :math:`L = D_G - G`
    on the complement of the constant vector:
    :math:`0 \le \lambda_1 \le \lambda_2 \le \dots` (a graph with :math:`c`
    connected components has :math:`c - 1` zeros among them). For
    ``kind="normalized"`` the deflated vector is :math:`D_G^{1/2}\mathbf 1`;
    ``deflate=False`` (normalized only) keeps it: the pairs are then the smallest of
    :math:`L_{sym}` itself, :math:`D_G^{1/2}\mathbf 1` among them with eigenvalue 0.
    When the null space of the Laplacian holds every pair asked for (a graph with enough
    connected components, such as a pairing graph), the pairs are given in closed form
    (:func:`component_null_space`, :func:`normalized_component_null_space`) without an
    eigensolver. Otherwise a disconnected graph with an iterative ``solver`` (ARPACK, LOBPCG) is
    solved component by component (:func:`componentwise_pairs`): the null space in closed form,
    each component's other pairs by the solver chosen for the graph, so that
    an eigenvalue repeated across components is found in each. ``solver`` and ``tol`` are
    those of :func:`smallest_eigenpairs`. ``check_input=False``
    skips the validation and copy of ``G``, which must then be what
    :func:`spectral_ssl.graphs.check` returns, and of ``n_components``, which must then be an
    ``int`` in range (at most ``N - 1``, or ``N`` with ``deflate=False``): for callers that
    validated both already; ``degrees`` (the row sums of ``G``, read only then) spares
    computing them again.

    Examples
    --------
    The path on three nodes has Laplacian eigenvalues 0, 1, 3:

    >>> import numpy as np
    >>> G = np.array([[0, 1.0, 0], [1.0, 0, 1.0], [0, 1.0, 0]])
    >>> values, vectors = laplacian_eigenpairs(G, 2)
    >>> np.round(values, 12)
    array([1., 3.])
    """
    if check_input:
        G = check_graph(G)
        degrees = None
    check_option(kind, name="kind", options=("combinatorial", "normalized"))
    check_option(solver, name="solver", options=_settings.SOLVERS)
    check_flag(deflate, "deflate")
    if not deflate and kind != "normalized":
        raise ValueError("deflate=False is only defined for kind='normalized' (the combinatorial "
                         "Laplacian's trivial eigenvector, the constant, is always deflated).")
    tol = check_tol(tol)
    N = G.shape[0]
    if check_input:
        n_components = check_n_components(
            n_components, N - deflate,
            what="the number of non-trivial eigenvectors (N - 1)" if deflate else "the number of samples N",
        )
    n_comp, labels = connected_components(G, directed=False)
    if degrees is None:
        degrees = relation_degrees(G)
    if kind == "combinatorial" and n_comp - 1 >= n_components:
        return indicator_null_space(labels, n_comp, n_components)
    if kind == "normalized" and n_comp - bool(deflate) >= n_components and np.all(degrees > 0):
        return normalized_indicator_null_space(labels, n_comp, degrees, n_components, deflate=bool(deflate))
    solver = resolve_solver(solver, N, G)
    if solver != "dense" and n_comp > 1 and (kind == "combinatorial" or np.any(degrees > 0)):
        # The iterative solvers see one vector of an eigenvalue repeated across components
        # (0 at least, c times): the null space is given in closed form, the rest is solved
        # component by component.
        return componentwise_pairs(G, n_components, labels, n_comp, kind=kind, solver=solver, tol=tol,
                                   deflate=bool(deflate), degrees=degrees, rtol=degeneracy_rtol(solver))
    order = None
    if solver == "lobpcg":
        # Reorder G itself: the Laplacian is then built in the local order, and
        # neither G nor an unordered copy of L is held while LOBPCG runs.
        order = locality_order(G)
        G = symmetric_permutation(G, order)
        degrees = degrees[order]
    L = laplacian(G, kind, check_input=False, degrees=degrees)
    trivial = np.ones(N) if kind == "combinatorial" else np.sqrt(degrees)
    if not deflate:
        trivial = None
    del G
    if solver == "dense":
        L = L.toarray()
    scale = matrix_scale(L)
    values, vectors, residuals = smallest_pairs(L, n_components, trivial, solver, tol, scale, reorder=False)
    del L
    if order is not None:
        vectors = unpermute(vectors, order)
    # the basis and sign rules depend on the row order: applied in the caller's (the
    # residual norms do not)
    return values[:n_components], canonicalise(values, vectors, n_components, rtol=degeneracy_rtol(solver),
                                                 residuals=residuals, scale=scale)


def componentwise_pairs(G, n_components, labels, n_comp, *, kind, solver, tol, deflate, degrees, rtol):
    r""":func:`laplacian_eigenpairs` of a graph with ``n_comp > 1`` components, one component at a time.

    A Laplacian is block diagonal over the components, so its spectrum is the union of
    theirs. Shift-invert ARPACK (a single start vector) resolves one vector per
    distinct eigenvalue of its Krylov space: on the whole graph it returned one or two
    of the :math:`c` zeros and true but not the smallest eigenpairs after them (30
    pairs and a path of 2000 samples, 33 pairs asked: 0.00096 too high). Here the null
    space is the closed form of :func:`null_space_basis` (``canonical_prefix`` of
    :func:`canonicalise`), and each component with more than one sample gets its own
    :func:`smallest_pairs` on the complement of its null vector (by ``solver``, the
    graph's iterative one, which takes the dense one for components too small for it): an
    eigenvalue repeated across components is found once in each. The merged pairs are cut at
    ``n_components`` after the degenerate cluster of the cut (each component returns
    its pairs past its own cluster at the cut, so the merged cluster is whole).
    """
    N = labels.size
    null = null_space_basis(labels, n_comp, kind, degrees, deflate)
    n_null = null.shape[1]
    wanted = n_components - n_null
    if wanted <= 0:  # the normalized null space with isolated samples, no closed-form shortcut
        return np.zeros(n_components), canonicalise(np.zeros(n_null), null, n_components, rtol=rtol,
                                                    canonical_prefix=n_null)
    members = np.argsort(labels, kind="stable")
    starts = np.concatenate(([0], np.cumsum(np.bincount(labels, minlength=n_comp))))
    # one permutation, then every component is a contiguous diagonal block
    blocks = symmetric_permutation(G, members)
    found = []  # (values, vectors, rows in G, residuals) of each component
    scale = 0.0
    for c in range(n_comp):
        begin, end = starts[c], starts[c + 1]
        if end - begin < 2:
            continue  # a single sample: its only eigenvector is in the null space
        sub = blocks[begin:end, begin:end]
        d = degrees[members[begin:end]]
        L = laplacian(sub, kind, check_input=False, degrees=d)
        trivial = np.ones(end - begin) if kind == "combinatorial" else np.sqrt(d)
        # the graph's solver (smallest_pairs takes the dense one for a component too small
        # for it); "auto" resolved per component would solve one of 2000 samples dense,
        # many times slower than ARPACK on the whole graph
        block_scale = matrix_scale(L)
        scale = max(scale, block_scale)
        values, vectors, residuals = smallest_pairs(L, min(wanted, end - begin - 1), trivial, solver, tol,
                                                    block_scale, reorder=True)
        found.append((values, vectors, members[begin:end], residuals))
    values = np.concatenate([v for v, _, _, _ in found])
    order = np.argsort(values, kind="stable")
    merged = np.concatenate((np.zeros(n_null), values[order]))
    # the closed-form null vectors are exact: residual 0 (the floor eps * scale applies)
    residuals = np.concatenate((np.zeros(n_null), np.concatenate([r for _, _, _, r in found])[order]))
    cut = next(c for c in eigenvalue_clusters(merged, rtol, residuals=residuals, scale=scale)
               if c.stop >= n_components)
    keep = order[: cut.stop - n_null]
    vectors = np.zeros((N, cut.stop))
    vectors[:, :n_null] = null
    owner = np.repeat(np.arange(len(found)), [v.size for v, _, _, _ in found])
    local = np.concatenate([np.arange(v.size) for v, _, _, _ in found])
    for j, (_, block_vectors, rows, _) in enumerate(found):
        columns = np.flatnonzero(owner[keep] == j)
        if columns.size:
            vectors[np.ix_(rows, n_null + columns)] = block_vectors[:, local[keep[columns]]]
    merged, residuals = merged[: cut.stop], residuals[: cut.stop]
    return merged[:n_components], canonicalise(merged, vectors, n_components, rtol=rtol, residuals=residuals,
                                               scale=scale, canonical_prefix=n_null)

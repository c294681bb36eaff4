r"""Graph-based classical methods: Laplacian Eigenmaps and Locality Preserving Projections."""

import numpy as np

from .. import linalg
from .._validation import check_features, check_flag, check_graph, check_n_components, check_option


def laplacian_eigenmaps(G, n_components, *, normalized=False, solver="auto", tol=None):
    r"""Laplacian Eigenmaps of a relation graph (Belkin and Niyogi 2003).

    * ``normalized=False`` (ratio-cut form, the hard-constraint limit of
      VICReg): the eigenvectors of the combinatorial Laplacian
      :math:`L = D_G - G` for its ``n_components`` smallest eigenvalues on the
      complement of the constant vector,

      .. math:: L u_k = \lambda_k u_k,\quad u_k \perp \mathbf 1,\quad U^\top U = I .

    * ``normalized=True`` (Belkin and Niyogi's generalized problem, what
      scikit-learn's ``spectral_embedding`` returns): :math:`L u = \lambda D_G u`,
      solved through :math:`L_{sym} = D_G^{-1/2} L D_G^{-1/2}`,
      :math:`L_{sym} v = \lambda v`, :math:`u = D_G^{-1/2} v`; the trivial
      solution :math:`u = \mathbf 1` (:math:`v \propto D_G^{1/2}\mathbf 1`)
      is dropped. The columns are :math:`D_G`-orthonormal,
      :math:`U^\top D_G U = I`, and :math:`D_G`-orthogonal to :math:`\mathbf 1`.

    For a degree-regular graph (:math:`D_G = d I`, as augmentation graphs are)
    both forms have the same eigenvectors up to the factor :math:`\sqrt d`
    and eigenvalues :math:`\lambda^{norm} = \lambda / d`.

    Parameters
    ----------
    G : array_like or sparse matrix, shape (N, N)
        Relation graph (symmetric, non-negative, zero diagonal); kept sparse.
    n_components : int, 1 <= K <= N - 1
    normalized : bool
        Solve the generalized (normalised) problem instead of the
        unnormalised one. Needs every degree positive: an isolated sample
        (degree 0) makes :math:`D_G` singular and the generalized problem
        undefined there, so it is refused with a ``ValueError`` (the
        unnormalised form accepts it: the sample is its own component).
    solver : {"auto", "dense", "arpack", "lobpcg"}
        See :func:`spectral_ssl.linalg.smallest_eigenpairs`: ``"auto"`` is dense
        LAPACK up to 2000 samples, ARPACK up to 10000 and AMG-preconditioned
        LOBPCG above.
    tol : float, optional
        Residual tolerance of the LOBPCG solver, relative to the largest
        absolute row sum of :math:`L` (or :math:`L_{sym}`); default
        ``linalg.LOBPCG_RTOL`` (1e-10). A loose value such as 1e-3 is several
        times faster on large graphs but only resolves eigenvectors whose
        eigenvalue gap is much larger than ``tol`` times that scale. Ignored by
        the dense and ARPACK solvers, which solve to round-off.

    Returns
    -------
    embedding : ndarray, shape (N, K)
        :math:`U` (orthonormal) or :math:`D_G^{-1/2} V` (:math:`D_G`-orthonormal).
    eigenvalues : ndarray, shape (K,)
        :math:`\lambda_1 \le \dots \le \lambda_K`, of :math:`L` or of :math:`L_{sym}`.
        A graph with :math:`c` connected components has :math:`c - 1` zeros among them.

    Examples
    --------
    The path on three nodes: :math:`L` has eigenvalues 0, 1, 3 and
    :math:`L_{sym}` has 0, 1, 2.

    >>> import numpy as np
    >>> G = np.array([[0, 1.0, 0], [1.0, 0, 1.0], [0, 1.0, 0]])
    >>> U, lam = laplacian_eigenmaps(G, 2)
    >>> np.round(lam, 12).tolist(), (np.round(U[:, 0] * np.sqrt(2), 12) + 0.0).tolist()
    ([1.0, 3.0], [1.0, 0.0, -1.0])
    >>> U, lam = laplacian_eigenmaps(G, 2, normalized=True)
    >>> np.round(lam, 12).tolist()
    [1.0, 2.0]
    """
    G = check_graph(G)
    check_flag(normalized, "normalized")
    check_option(solver, name="solver", options=linalg.SOLVERS)
    n_components = check_n_components(n_components, G.shape[0] - 1,
                                      what="the number of non-trivial eigenvectors (N - 1)")
    if not normalized:
        values, vectors = linalg.laplacian_eigenpairs(G, n_components, solver=solver, tol=tol,
                                                     check_input=False)
        return vectors, values
    degree = linalg.degrees(G, check_input=False)
    isolated = np.flatnonzero(degree == 0)
    if isolated.size:
        raise ValueError(
            f"G has {isolated.size} isolated sample(s) (degree 0, first: {int(isolated[0])}); "
            f"normalized Laplacian Eigenmaps solves L u = lambda D_G u and needs every degree > 0. "
            f"Remove those samples, connect them, or use normalized=False."
        )
    values, vectors = linalg.laplacian_eigenpairs(G, n_components, kind="normalized", solver=solver,
                                                 tol=tol, check_input=False, degrees=degree)
    return linalg.sign_flip(vectors / np.sqrt(degree)[:, None]), values


def locality_preserving_projections(X, G, n_components):
    r"""Locality Preserving Projections (He and Niyogi 2003).

    The linear version of Laplacian Eigenmaps: directions :math:`a` solving

    .. math:: X^\top L X\, a = \lambda\, X^\top D_G X\, a, \qquad A^\top X^\top D_G X A = I,

    for the ``n_components`` smallest :math:`\lambda`. The problem is solved from the
    factor :math:`F = D_G^{1/2} X E` (:math:`X^\top D_G X = E^{-1} F^\top F E^{-1}`), whose
    columns are equilibrated by exact powers of two :math:`E = \operatorname{diag}(2^{-e_j})`
    (:math:`\max_i |F_{ij}|` in [0.5, 1)), with the thin SVD :math:`F = U S V^\top`:
    directions with :math:`S_k > \max(N, D)\,\epsilon\,S_1` are kept (the rule of
    ``numpy.linalg.matrix_rank``, :data:`spectral_ssl.linalg.FEATURE_RANK_EPS`), and
    :math:`\lambda = 1 + \mu` with :math:`\mu` the eigenvalues of
    :math:`-U^\top D_G^{-1/2} G D_G^{-1/2} U`
    (:func:`spectral_ssl.linalg.degree_weighted_eigh`; :math:`L = D_G - G`). The rule is
    unit-free, as the problem is: rescaling a column of ``X`` changes neither the eigenvalues
    nor the embedding (only :math:`A`, by the inverse factor). A singular
    :math:`X^\top D_G X` (more features than samples, collinear features) is handled on
    its range: :math:`A = E V_r S_r^{-1} P`, so :math:`E^{-1}A` has no component in the
    null space of :math:`F` (the minimum-norm directions in the equilibrated coordinates,
    which do not depend on the units; the embedding :math:`XA` is unique).
    The eigenvalues lie in [0, 2] and are accurate to a few :math:`\epsilon` absolute.

    :math:`X^\top L X` is shift invariant (:math:`L\mathbf 1 = 0`), but
    :math:`X^\top D_G X` is not: ``X`` is used as given (He and Niyogi do not
    centre). For a degree-regular graph (:math:`D_G = dI`) and centred ``X``,
    :math:`X^\top D_G X = d\,N\operatorname{Cov}(X)`, and the problem is the
    linear VICReg problem in its hard-constraint limit
    (:math:`\operatorname{Cov}(Z) = I`, Balestriero and LeCun 2022, section 3.1),
    with VICReg's :math:`\mu_k = d\,\lambda_k`.

    Parameters
    ----------
    X : array_like, shape (N, D)
    G : relation graph, shape (N, N)
    n_components : int, 1 <= K <= rank of :math:`X^\top D_G X`

    Returns
    -------
    embedding : ndarray, shape (N, K)
        :math:`XA`.
    eigenvalues : ndarray, shape (K,)
        :math:`\lambda_1 \le \dots \le \lambda_K`.
    projection : ndarray, shape (D, K)
        :math:`A`, with :math:`A^\top X^\top D_G X A = I`.

    Examples
    --------
    One feature :math:`x = (0, 1, 2, 3)` on the path of four samples (degrees
    1, 2, 2, 1): :math:`x^\top L x = 3` (three unit steps) and
    :math:`x^\top D_G x = 19`, so :math:`\lambda = 3/19` and :math:`a = 1/\sqrt{19}`.

    >>> import numpy as np
    >>> G = np.diag(np.ones(3), 1); G = G + G.T
    >>> Y, lam, A = locality_preserving_projections(np.arange(4.0)[:, None], G, 1)
    >>> bool(np.isclose(lam[0], 3 / 19)), bool(np.isclose(A[0, 0], 1 / np.sqrt(19)))
    (True, True)
    """
    G = check_graph(G)
    X = check_features(X, name="X", n_samples=G.shape[0])
    degree = linalg.degrees(G, check_input=False)
    factor = np.sqrt(degree)[:, None] * X
    if not np.any(factor):
        raise ValueError("X^T D_G X is zero (X vanishes on every linked sample); give X with variance.")
    # Unit-free: each column of D^{1/2} X divided by an exact power of two near its largest entry
    # (a threshold on the raw X^T D_G X dropped every column in small units, review F2).
    largest = np.max(np.abs(factor), axis=0)
    equilibrate = np.where(largest > 0, np.ldexp(1.0, -np.frexp(largest)[1]), 1.0)
    N, D = X.shape
    rank_rtol = (max(N, D) * linalg.FEATURE_RANK_EPS) ** 2  # on S^2: S_k > max(N, D) eps S_1
    mu, Q = linalg.degree_weighted_eigh(X * equilibrate, G, degree, rank_rtol=rank_rtol)
    K = check_n_components(n_components, mu.size, what="the rank of X^T D_G X")
    Q = equilibrate[:, None] * Q[:, :K]
    embedding, Q = linalg.sign_flip_with(X @ Q, Q)
    return embedding, 1.0 + mu[:K], Q

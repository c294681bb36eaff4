r"""Classical spectral embedding methods: the "equivalent" of each SSL method.

Balestriero and LeCun (NeurIPS 2022) show that the optimum of each
self-supervised loss is a classical spectral embedding: VICReg is Laplacian
Eigenmaps (linear regime: Locality Preserving Projections), spectral
contrastive learning is kernel PCA of the normalised adjacency, SimCLR is
(generalised) classical MDS / Isomap and linear Barlow Twins is canonical
correlation analysis. This module implements those classical methods directly,
one function each, so that the closed forms in :mod:`spectral_ssl.methods` can
be compared with them.

Return convention
-----------------
Every function returns a plain tuple of ndarrays:

* :func:`laplacian_eigenmaps`, :func:`classical_mds`, :func:`isomap`,
  :func:`kernel_pca`: ``(embedding, eigenvalues)``, ``embedding`` of shape
  ``(N, K)`` (one row per sample) and ``eigenvalues`` of shape ``(K,)`` in the
  order the method ranks them (ascending for Laplacians, descending for Gram
  matrices).
* :func:`locality_preserving_projections`: ``(embedding, eigenvalues,
  projection)``, with ``embedding = X @ projection``.
* :func:`cca`: ``(directions_left, directions_right, correlations)``; the
  canonical variates are the centred inputs times the directions.

Sign and basis rules are those of :mod:`spectral_ssl.linalg`: each column of a
returned embedding has its largest-magnitude entry positive
(:func:`spectral_ssl.linalg.sign_flip`); a linear map's columns flip with the
embedding they produce; degenerate eigenspaces get the basis of
:func:`spectral_ssl.linalg.canonical_basis`. Compare outputs by subspace
(principal angles), not entry by entry, when eigenvalues are repeated.

References
----------
* M. Belkin and P. Niyogi, "Laplacian eigenmaps for dimensionality reduction
  and data representation", Neural Computation 15(6), 2003.
* X. He and P. Niyogi, "Locality preserving projections", NIPS 2003.
* W. S. Torgerson, "Multidimensional scaling: I. Theory and method",
  Psychometrika 17, 1952.
* J. B. Tenenbaum, V. de Silva and J. C. Langford, "A global geometric
  framework for nonlinear dimensionality reduction", Science 290, 2000.
* B. Schölkopf, A. Smola and K.-R. Müller, "Nonlinear component analysis as a
  kernel eigenvalue problem", Neural Computation 10(5), 1998.
* H. Hotelling, "Relations between two sets of variates", Biometrika 28, 1936.
* R. Balestriero and Y. LeCun, "Contrastive and non-contrastive
  self-supervised learning recover global and local spectral embedding
  methods", NeurIPS 2022.
"""

import numbers

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, shortest_path

from . import linalg, memory
from ._validation import (
    SYMMETRY_RTOL,
    check_features,
    check_graph,
    check_n_components,
    check_option,
    check_scalar,
)

#: Eigenvalues of a covariance (or of :math:`X^\top D_G X`) below this fraction
#: of the largest are treated as exact zeros: their directions are outside the range.
RANK_RTOL = 1e-10

__all__ = [
    "laplacian_eigenmaps",
    "locality_preserving_projections",
    "classical_mds",
    "isomap",
    "knn_geodesics",
    "kernel_pca",
    "cca",
]


# --------------------------------------------------------------------------- helpers


def _check_square(M, *, name, symmetric=True):
    """Validate a dense, finite, square (optionally symmetric) float64 matrix."""
    if sp.issparse(M):
        M = M.toarray()  # documented: these methods are dense (N x N) by nature
    if isinstance(M, (str, bytes)):
        raise TypeError(f"{name} must be a square numeric matrix, got a string.")
    arr = np.asarray(M)
    if arr.dtype == object or np.iscomplexobj(arr) or not (
        np.issubdtype(arr.dtype, np.number) or arr.dtype == bool
    ):
        raise TypeError(f"{name} must be a real numeric matrix, got dtype {arr.dtype}.")
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(f"{name} must be a square (N, N) matrix, got shape {arr.shape}.")
    if arr.shape[0] < 2:
        raise ValueError(f"{name} must relate at least 2 samples, got shape {arr.shape}.")
    arr = np.array(arr, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf; every entry must be finite.")
    if symmetric:
        scale = max(np.max(np.abs(arr)), np.finfo(float).tiny)
        gap = np.max(np.abs(arr - arr.T))
        if gap > SYMMETRY_RTOL * scale:
            raise ValueError(
                f"{name} is not symmetric (max |M - M.T| = {gap:.3g}); symmetrise it, e.g. (M + M.T) / 2."
            )
        arr = (arr + arr.T) / 2
    return arr


def _double_center(M):
    r""":math:`HMH`: subtract row and column means, add back the grand mean."""
    return M - M.mean(axis=0)[None, :] - M.mean(axis=1)[:, None] + M.mean()


def _top_centered_eigenpairs(B, n_components):
    r"""Top ``n_components`` eigenpairs of a double-centred symmetric ``B`` off the constant vector.

    :math:`B\mathbf 1 = 0`, so the constant vector is an eigenvector with
    eigenvalue 0; it carries no information (a translation) and is excluded
    by shifting its eigenvalue below the whole spectrum:
    :math:`B - s\,\mathbf 1\mathbf 1^\top/N` with :math:`s` larger than the
    spectral radius. Eigenvalues may be negative (a non-Euclidean
    dissimilarity); they are returned as they are, in descending order.
    """
    N = B.shape[0]
    n_components = check_n_components(
        n_components, N - 1, what="the number of non-constant eigenvectors of the centred matrix (N - 1)"
    )
    shift = 2.0 * float(np.abs(B).sum(axis=1).max()) + 1.0
    shifted = -B + (shift / N) * np.ones((N, N))
    values, vectors = linalg.smallest_eigenpairs(shifted, n_components, solver="dense")
    return -values, vectors


def _range_whitener(C, *, name):
    r"""Whitening :math:`T = V_r S_r^{-1/2}` of a PSD matrix on its range (:math:`T^\top C T = I`)."""
    s, V = np.linalg.eigh((C + C.T) / 2)
    if s.max() <= 0:
        raise ValueError(f"{name} has no variance (every feature is constant); give varying features.")
    keep = s > RANK_RTOL * s.max()
    return V[:, keep] / np.sqrt(s[keep])


def _flip_columns(embedding, *maps):
    """Sign rule on the embedding's columns; the same flips on each linear map."""
    flipped = linalg.sign_flip(embedding)
    signs = np.where(np.sum(flipped * embedding, axis=0) < 0, -1.0, 1.0)
    return (flipped, *(m * signs for m in maps))


# --------------------------------------------------------------------------- Laplacian Eigenmaps


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
    if not isinstance(normalized, (bool, np.bool_)):
        raise TypeError(f"normalized must be True or False, got {normalized!r}.")
    check_option(solver, name="solver", options=linalg.SOLVERS)
    if not normalized:
        values, vectors = linalg.laplacian_eigenpairs(G, n_components, solver=solver, tol=tol,
                                                     check_input=False)
        return vectors, values
    degree = np.asarray(G.sum(axis=1)).ravel()
    isolated = np.flatnonzero(degree == 0)
    if isolated.size:
        raise ValueError(
            f"G has {isolated.size} isolated sample(s) (degree 0, first: {int(isolated[0])}); "
            f"normalized Laplacian Eigenmaps solves L u = lambda D_G u and needs every degree > 0. "
            f"Remove those samples, connect them, or use normalized=False."
        )
    values, vectors = linalg.laplacian_eigenpairs(G, n_components, kind="normalized", solver=solver,
                                                 tol=tol, check_input=False)
    return linalg.sign_flip(vectors / np.sqrt(degree)[:, None]), values


# --------------------------------------------------------------------------- LPP


def locality_preserving_projections(X, G, n_components):
    r"""Locality Preserving Projections (He and Niyogi 2003).

    The linear version of Laplacian Eigenmaps: directions :math:`a` solving

    .. math:: X^\top L X\, a = \lambda\, X^\top D_G X\, a, \qquad A^\top X^\top D_G X A = I,

    for the ``n_components`` smallest :math:`\lambda`. A singular
    :math:`X^\top D_G X` (more features than samples, collinear features) is
    handled on its range (:func:`spectral_ssl.linalg.generalized_eigh`): the
    directions have no component that :math:`X^\top D_G X` cannot see.

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
    degree = np.asarray(G.sum(axis=1)).ravel()
    A = linalg.graph_quadratic_form(X, G, check_input=False)
    B = X.T @ (degree[:, None] * X)
    if not np.any(B):
        raise ValueError("X^T D_G X is zero (X vanishes on every linked sample); give X with variance.")
    values, Q = linalg.generalized_eigh(A, B, rank_rtol=RANK_RTOL)
    K = check_n_components(n_components, values.size, what="the rank of X^T D_G X")
    Q = Q[:, :K]
    embedding, Q = _flip_columns(X @ Q, Q)
    return embedding, values[:K], Q


# --------------------------------------------------------------------------- classical MDS


def classical_mds(M, n_components, *, kind="distance"):
    r"""Classical (Torgerson) multidimensional scaling.

    With :math:`H = I - \mathbf 1\mathbf 1^\top/N`, the double-centred matrix

    .. math:: B = -\tfrac12 H (\Delta \circ \Delta) H

    (:math:`\Delta` the dissimilarities, :math:`\circ` the entrywise product)
    is the Gram matrix of centred points whose Euclidean distances are
    :math:`\Delta`, when such points exist (Torgerson 1952). With its top
    eigenpairs :math:`(\nu_k, v_k)` the embedding is
    :math:`V \operatorname{diag}(\sqrt{\max(0, \nu_k)})`. If :math:`\Delta` is
    Euclidean of dimension :math:`\le K` the embedding reproduces it exactly;
    otherwise it is the best rank-:math:`K` fit of :math:`B` (negative
    eigenvalues, i.e. a non-Euclidean :math:`\Delta`, are returned as they are
    and give zero columns). The constant vector (:math:`B\mathbf 1 = 0`) is
    never returned.

    Parameters
    ----------
    M : array_like, shape (N, N) or (N, D)
        What ``kind`` says.
    n_components : int, 1 <= K <= N - 1
    kind : {"distance", "gram", "features"}
        ``"distance"``: ``M`` is :math:`\Delta`, symmetric, non-negative, zero
        diagonal. ``"gram"``: ``M`` is a symmetric inner-product (kernel)
        matrix :math:`S`, and :math:`B = HSH` (:math:`\Delta_{ij}^2 = S_{ii} + S_{jj} - 2S_{ij}`
        gives the same :math:`B`). ``"features"``: ``M`` is a data matrix
        :math:`X` and :math:`B = HXX^\top H` (the Euclidean distances of
        :math:`X`; the embedding is then the PCA scores of :math:`X`).

    Returns
    -------
    embedding : ndarray, shape (N, K)
    eigenvalues : ndarray, shape (K,)
        :math:`\nu_1 \ge \dots \ge \nu_K`, the eigenvalues of :math:`B`
        (the squared norms of the embedding's columns where positive).

    Examples
    --------
    Three points on a line are recovered up to a translation and a sign:

    >>> import numpy as np
    >>> x = np.array([0.0, 1.0, 3.0])
    >>> Y, nu = classical_mds(np.abs(x[:, None] - x[None, :]), 1)
    >>> np.round(Y[:, 0], 12).tolist(), np.round(nu, 12).tolist()
    ([-1.333333333333, -0.333333333333, 1.666666666667], [4.666666666667])
    """
    check_option(kind, name="kind", options=("distance", "gram", "features"))
    if kind == "features":
        X = linalg.center(check_features(M, name="M"))
        B = X @ X.T
    elif kind == "gram":
        B = _double_center(_check_square(M, name="M"))
    else:
        delta = _check_square(M, name="M")
        if np.any(delta < 0):
            raise ValueError(
                f"M has negative dissimilarities (min {delta.min():.3g}); distances must be >= 0 "
                f"(pass kind='gram' for an inner-product matrix)."
            )
        if np.any(np.diag(delta) != 0):
            raise ValueError(
                "M has a nonzero diagonal; a dissimilarity matrix has zero self-distance "
                "(pass kind='gram' for an inner-product matrix)."
            )
        B = -0.5 * _double_center(delta**2)
    values, vectors = _top_centered_eigenpairs((B + B.T) / 2, n_components)
    return linalg.sign_flip(vectors * np.sqrt(np.maximum(values, 0.0))), values


# --------------------------------------------------------------------------- Isomap


def _check_geodesic_input(X, n_neighbors, path_method):
    X = check_features(X, name="X")
    N = X.shape[0]
    if isinstance(n_neighbors, bool) or not isinstance(n_neighbors, numbers.Integral):
        raise TypeError(f"n_neighbors must be an integer, got {n_neighbors!r}.")
    if not 1 <= n_neighbors <= N - 1:
        raise ValueError(f"n_neighbors must be between 1 and N - 1 = {N - 1}, got {n_neighbors}.")
    check_option(path_method, name="path_method", options=("auto", "FW", "D"))
    return X, int(n_neighbors)


def knn_geodesics(X, n_neighbors=5, *, path_method="auto", check_input=True):
    r"""Geodesic distances of the kNN graph of ``X``: Isomap's dissimilarities.

    Every sample is linked to its ``n_neighbors`` Euclidean nearest neighbours (edge
    length = distance) in an undirected graph (:math:`i \sim j` if either is among the
    other's neighbours); :math:`\Delta_{ij}` is the shortest-path length between
    :math:`i` and :math:`j` (``scipy.sparse.csgraph.shortest_path``), symmetrised as
    :math:`(\Delta + \Delta^\top)/2` against round-off.

    Parameters
    ----------
    X : array_like, shape (N, D)
    n_neighbors : int, 1 <= k <= N - 1
    path_method : {"auto", "FW", "D"}
        Floyd-Warshall or Dijkstra (``"auto"`` lets SciPy choose).
    check_input : bool, default True
        ``False`` skips the validation (``X`` then a float64 array, ``n_neighbors`` and
        ``path_method`` valid) and the memory check, for callers that made them.

    Returns
    -------
    ndarray, shape (N, N)

    Raises
    ------
    ValueError
        When the kNN graph is disconnected (some geodesics are infinite).

    Examples
    --------
    >>> import numpy as np
    >>> knn_geodesics(np.array([[0.0], [1.0], [3.0]]), 1)
    array([[0., 1., 3.],
           [1., 0., 2.],
           [3., 2., 0.]])
    """
    from sklearn.neighbors import NearestNeighbors

    if check_input:
        memory.check_pairwise(X, call="spectral.knn_geodesics", copies=3,
                              alternative="use a sparse kNN graph (graphs.knn) or a subsample")
        X, n_neighbors = _check_geodesic_input(X, n_neighbors, path_method)
    graph = NearestNeighbors(n_neighbors=int(n_neighbors)).fit(X).kneighbors_graph(mode="distance")
    geodesic = shortest_path(graph, method=path_method, directed=False)
    if not np.all(np.isfinite(geodesic)):
        n_comp = connected_components(graph, directed=False)[0]
        raise ValueError(
            f"the {n_neighbors}-nearest-neighbour graph of X has {n_comp} connected components, so "
            f"some geodesic distances are infinite; increase n_neighbors."
        )
    return (geodesic + geodesic.T) / 2


def isomap(X, n_components, *, n_neighbors=5, path_method="auto"):
    r"""Isomap (Tenenbaum, de Silva and Langford 2000): classical MDS of kNN-graph geodesics.

    1. Link every sample to its ``n_neighbors`` Euclidean nearest neighbours
       (edge length = distance), as an undirected graph: :math:`i \sim j` if
       either is among the other's neighbours.
    2. :math:`\Delta_{ij}` = the shortest-path length between :math:`i` and
       :math:`j` (``scipy.sparse.csgraph.shortest_path``).
       (:func:`knn_geodesics`).
    3. :func:`classical_mds` of :math:`\Delta`:
       :math:`B = -\tfrac12 H(\Delta\circ\Delta)H`, top eigenpairs,
       :math:`V\operatorname{diag}(\sqrt{\max(0,\nu)})`.

    A disconnected kNN graph has infinite geodesics: it is refused with a
    ``ValueError`` (scikit-learn's ``Isomap`` instead adds edges between the
    components, which changes the geodesics; increase ``n_neighbors`` here).

    Parameters
    ----------
    X : array_like, shape (N, D)
    n_components : int, 1 <= K <= N - 1
    n_neighbors : int, 1 <= k <= N - 1
    path_method : {"auto", "FW", "D"}
        Floyd-Warshall or Dijkstra (``"auto"`` lets SciPy choose); all give the same geodesics.

    Returns
    -------
    embedding : ndarray, shape (N, K)
    eigenvalues : ndarray, shape (K,)
        Top eigenvalues of :math:`B`, descending.

    Examples
    --------
    Points on a circular arc: with one neighbour each, the geodesics add up the
    chords (each :math:`2\sin(1/4)`), so a 1-D Isomap unrolls the arc onto a
    line with that spacing.

    >>> import numpy as np
    >>> angle = np.array([0.0, 0.5, 1.0, 1.5])
    >>> X = np.c_[np.cos(angle), np.sin(angle)]
    >>> Y, nu = isomap(X, 1, n_neighbors=1)
    >>> np.round(np.diff(Y[:, 0]), 6).tolist()
    [-0.494808, -0.494808, -0.494808]
    """
    memory.check_pairwise(X, call="spectral.isomap", copies=4, alternative="Isomap needs all N x N geodesic "
                          "distances: use laplacian_eigenmaps(graphs.knn(X, k), K), or a subsample")
    X, n_neighbors = _check_geodesic_input(X, n_neighbors, path_method)
    N = X.shape[0]
    check_n_components(n_components, N - 1, what="the number of samples minus one (N - 1)")
    geodesic = knn_geodesics(X, n_neighbors, path_method=path_method, check_input=False)
    return classical_mds(geodesic, n_components, kind="distance")


# --------------------------------------------------------------------------- kernel PCA


def kernel_pca(M, n_components, *, kernel="precomputed", bandwidth=None, degree=3, coef0=1.0):
    r"""Kernel PCA (Schölkopf, Smola and Müller 1998).

    With the kernel matrix :math:`K_{ij} = k(x_i, x_j)` and its centred
    version :math:`\tilde K = HKH` (the Gram matrix of the feature-space
    points minus their mean), the top eigenpairs :math:`(\nu_k, v_k)` of
    :math:`\tilde K` give the principal component scores

    .. math:: Y = V\operatorname{diag}(\sqrt{\max(0, \nu_k)}) .

    (The same computation as :func:`classical_mds` with ``kind="gram"``.)
    Spectral contrastive learning's optimum is this embedding of the normalised
    adjacency (Balestriero and LeCun 2022, section 3.2).

    Parameters
    ----------
    M : array_like
        The kernel matrix, shape (N, N), if ``kernel="precomputed"``;
        otherwise the samples ``X``, shape (N, D).
    n_components : int, 1 <= K <= N - 1
    kernel : {"precomputed", "rbf", "linear", "polynomial"} or callable
        A name builds :func:`spectral_ssl.linalg.make_kernel`:
        rbf :math:`\exp(-\lVert x-y\rVert^2/(2\,\text{bandwidth}^2))`
        (scikit-learn's ``gamma`` is :math:`1/(2\,\text{bandwidth}^2)`),
        linear :math:`x^\top y`, polynomial
        :math:`(x^\top y + \text{coef0})^{\text{degree}}`. A callable
        ``kernel(X, Y) -> ndarray`` is used as is.
    bandwidth : float, optional
        rbf length scale; ``None`` = the median pairwise distance of ``X``.
    degree, coef0 :
        Polynomial kernel parameters.

    Returns
    -------
    embedding : ndarray, shape (N, K)
    eigenvalues : ndarray, shape (K,)
        Top eigenvalues of :math:`HKH`, descending.

    Examples
    --------
    With the linear kernel, kernel PCA is PCA: the scores' squared norms are
    the eigenvalues.

    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 1.0], [2.0, 1.0]])
    >>> Y, nu = kernel_pca(X, 2, kernel="linear")
    >>> np.round(nu, 12).tolist(), np.round((Y**2).sum(0), 12).tolist()
    ([4.0, 1.0], [4.0, 1.0])
    """
    if not callable(kernel) or isinstance(kernel, str):
        check_option(kernel, name="kernel", options=("precomputed",) + linalg.Kernel.NAMES)
    if isinstance(kernel, str) and kernel == "precomputed":
        gram = _check_square(M, name="M")
    else:
        X = check_features(M, name="M")
        k = linalg.make_kernel(X, kernel, bandwidth=bandwidth, degree=degree, coef0=coef0)
        gram = np.asarray(k(X, X), dtype=np.float64)
        if gram.shape != (X.shape[0], X.shape[0]) or not np.all(np.isfinite(gram)):
            raise ValueError("kernel(X, X) must return a finite (N, N) matrix.")
        gram = _check_square(gram, name="kernel(X, X)")
    values, vectors = _top_centered_eigenpairs(_double_center(gram), n_components)
    return linalg.sign_flip(vectors * np.sqrt(np.maximum(values, 0.0))), values


# --------------------------------------------------------------------------- CCA


def cca(X_left, X_right, n_components, *, regularization=0.0):
    r"""Canonical correlation analysis (Hotelling 1936).

    With centred inputs :math:`X_c, Y_c` and (biased, :math:`1/N`) covariances
    :math:`C_{xx} = X_c^\top X_c/N + rI`, :math:`C_{yy} = Y_c^\top Y_c/N + rI`,
    :math:`C_{xy} = X_c^\top Y_c/N` (:math:`r` = ``regularization``), find
    directions maximising :math:`a^\top C_{xy} b` subject to
    :math:`a^\top C_{xx} a = b^\top C_{yy} b = 1`, each pair uncorrelated with
    the previous ones. Solved by whitening and an SVD: with
    :math:`T_x^\top C_{xx} T_x = I` and :math:`T_y^\top C_{yy} T_y = I` on the
    ranges of the covariances,

    .. math:: T_x^\top C_{xy} T_y = P\,\operatorname{diag}(\rho)\,Q^\top,
              \qquad A = T_x P,\quad B = T_y Q .

    Equivalently :math:`C_{xy} C_{yy}^{-1} C_{yx} a = \rho^2 C_{xx} a`. A
    singular covariance (more features than samples, collinear or constant
    features) is handled on its range: the directions have no component in
    its null space. Linear Barlow Twins with within-view whitening solves this
    problem (Balestriero and LeCun 2022, section 3.4).

    Parameters
    ----------
    X_left : array_like, shape (N, D_left)
    X_right : array_like, shape (N, D_right)
        The two views; row ``i`` of each describes the same sample.
    n_components : int, 1 <= K <= min(rank C_xx, rank C_yy)
    regularization : float >= 0
        :math:`r`, added to both covariances (canonical ridge). With
        :math:`r > 0` the covariances are invertible and ``correlations`` are
        the ridge criterion :math:`a^\top C_{xy} b`, no longer the plain
        correlation of the variates.

    Returns
    -------
    directions_left : ndarray, shape (D_left, K)
        :math:`A`; the canonical variates are :math:`X_c A` (unit variance with :math:`r=0`).
    directions_right : ndarray, shape (D_right, K)
        :math:`B`; variates :math:`Y_c B`.
    correlations : ndarray, shape (K,)
        :math:`\rho_1 \ge \dots \ge \rho_K \ge 0`. The sign rule applies to the
        left variates :math:`X_c A`; the right directions flip with them, so
        every :math:`\rho_k` stays non-negative.

    Examples
    --------
    A view and a noisy linear copy of its first feature:

    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0], [0.5, 0.5]])
    >>> A, B, rho = cca(X, 2 * X[:, :1], 1)
    >>> np.round(rho, 12).tolist()
    [1.0]
    """
    X = check_features(X_left, name="X_left")
    Y = check_features(X_right, name="X_right")
    if X.shape[0] != Y.shape[0]:
        raise ValueError(
            f"X_left has {X.shape[0]} rows but X_right has {Y.shape[0]}; both views must describe "
            f"the same samples in the same order."
        )
    r = check_scalar(regularization, name="regularization", low=0.0)
    N = X.shape[0]
    Xc, Yc = linalg.center(X), linalg.center(Y)
    Cxx = Xc.T @ Xc / N + r * np.eye(X.shape[1])
    Cyy = Yc.T @ Yc / N + r * np.eye(Y.shape[1])
    Tx = _range_whitener(Cxx, name="X_left")
    Ty = _range_whitener(Cyy, name="X_right")
    K = check_n_components(
        n_components, min(Tx.shape[1], Ty.shape[1]),
        what="the smaller rank of the two views' covariances",
    )
    M = Tx.T @ (Xc.T @ Yc / N) @ Ty
    P, rho, Qt = np.linalg.svd(M, full_matrices=False)
    Q = Qt.T
    # Repeated correlations: a basis-independent choice inside each cluster,
    # rotating the right singular vectors with the left ones.
    for cluster in linalg.eigenvalue_clusters(-rho):
        if cluster.stop - cluster.start > 1:
            block = P[:, cluster]
            rotation = block.T @ linalg.canonical_basis(block)
            P[:, cluster] = block @ rotation
            Q[:, cluster] = Q[:, cluster] @ rotation
    A, B = Tx @ P[:, :K], Ty @ Q[:, :K]
    _, A, B = _flip_columns(Xc @ A, A, B)
    return A, B, rho[:K]

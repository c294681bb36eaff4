r"""Distance- and kernel-based classical methods: classical MDS, Isomap and its geodesics, kernel PCA."""


import numpy as np
from scipy.sparse.csgraph import connected_components, shortest_path

from .. import linalg, memory
from .._validation import check_features, check_integer, check_n_components, check_option
from ._common import check_square, double_center, power_of_two_scale, top_centered_eigenpairs


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

    Notes
    -----
    Classical MDS is scale-equivariant (:math:`Y(s\Delta) = sY(\Delta)`, :math:`\nu \to s^2\nu`).
    Inputs whose largest entry is outside [1e-100, 1e100], whose squares would overflow or
    underflow, are solved at an exact power-of-two scale and mapped back; the embedding is
    then exact to round-off, and an eigenvalue :math:`s^2\nu` beyond the float64 range is
    returned as ``inf`` (below it, as 0 or subnormal).

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
        s = power_of_two_scale(X)
        B = (X / s) @ (X / s).T
    elif kind == "gram":
        S = check_square(M, name="M")
        s = power_of_two_scale(S)
        s = np.sqrt(s) if np.frexp(s)[1] % 2 else np.sqrt(2 * s)  # a power of two whose square rescales S
        B = double_center(S / s / s)
    else:
        delta = check_square(M, name="M")
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
        s = power_of_two_scale(delta)
        B = -0.5 * double_center((delta / s) ** 2)
    values, vectors = top_centered_eigenpairs((B + B.T) / 2, n_components)
    Y = linalg.sign_flip(vectors * np.sqrt(np.maximum(values, 0.0)))
    if s == 1.0:
        return Y, values
    with np.errstate(over="ignore", under="ignore"):  # documented: inf / 0 when s^2 nu is not representable
        return Y * s, values * s * s


def check_geodesic_input(X, n_neighbors, path_method):
    X = check_features(X, name="X")
    N = X.shape[0]
    n_neighbors = check_integer(n_neighbors, name="n_neighbors")
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
        X, n_neighbors = check_geodesic_input(X, n_neighbors, path_method)
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
    X, n_neighbors = check_geodesic_input(X, n_neighbors, path_method)
    N = X.shape[0]
    check_n_components(n_components, N - 1, what="the number of samples minus one (N - 1)")
    # Isomap is scale-equivariant (Y(sX) = s Y(X), eigenvalues s^2 nu): inputs whose squares would
    # overflow or underflow are solved at an exact power-of-two scale and mapped back.
    s = power_of_two_scale(X)
    geodesic = knn_geodesics(X / s, n_neighbors, path_method=path_method, check_input=False)
    Y, nu = classical_mds(geodesic, n_components, kind="distance")
    if s == 1.0:
        return Y, nu
    with np.errstate(over="ignore", under="ignore"):  # as classical_mds: inf / 0 when not representable
        return Y * s, nu * s * s


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
        gram = check_square(M, name="M")
    else:
        X = check_features(M, name="M")
        k = linalg.make_kernel(X, kernel, bandwidth=bandwidth, degree=degree, coef0=coef0)
        gram = np.asarray(k(X, X), dtype=np.float64)
        if gram.shape != (X.shape[0], X.shape[0]) or not np.all(np.isfinite(gram)):
            raise ValueError("kernel(X, X) must return a finite (N, N) matrix.")
        gram = check_square(gram, name="kernel(X, X)")
    values, vectors = top_centered_eigenpairs(double_center(gram), n_components)
    return linalg.sign_flip(vectors * np.sqrt(np.maximum(values, 0.0))), values

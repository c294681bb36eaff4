r"""Relation graphs :math:`G`: which samples are positives of which.

Every constructor returns a ``scipy.sparse.csr_matrix`` of float64 that is
symmetric, non-negative, with a zero diagonal and at least one edge: exactly
what :func:`check` accepts. :math:`G_{ij} > 0` means that samples ``i`` and
``j`` are positives (two views of one image, two samples of one class, two
nearest neighbours).
"""

import numpy as np
import scipy.sparse as sp

from . import memory
from ._augment import make_views
from ._relations import LabelRelation, check_labels, clique_graph, label_codes
from .kernels import binary_exponent, scaled_squared_distances, unit_rows
from ._validation import (
    check_features,
    check_flag,
    check_graph,
    check_integer,
    check_option,
    check_random_state,
    check_scalar,
)


def check(G):
    """Validate a relation graph; return it as CSR float64 (explicit zeros removed).

    Raises ``TypeError`` or ``ValueError`` naming the problem: not square,
    NaN or inf, negative weights, asymmetric, nonzero diagonal, no edge.

    Examples
    --------
    >>> import numpy as np
    >>> check(np.array([[0, 1], [1, 0]])).toarray()
    array([[0., 1.],
           [1., 0.]])
    >>> check(np.array([[0, 1], [0, 0]]))
    Traceback (most recent call last):
    ...
    ValueError: G is not symmetric (max |G - G.T| = 1; G[0, 1] = 1.0 but G[1, 0] = 0); symmetrise it, e.g. (G + G.T) / 2 or G.maximum(G.T).
    """
    return check_graph(G)


_check_1d_labels = check_labels  # shared with the implicit relation (spectral_ssl._relations)


def from_groups(groups):
    r"""Relation graph of an equivalence relation: :math:`G_{ij} = 1[g_i = g_j]`, :math:`i \ne j`.

    Use it for augmentation views (``groups[i]`` = index of the source image)
    or for any partition of the samples.

    Parameters
    ----------
    groups : array_like of shape (N,)
        One label per sample (integers, floats or strings; no NaN or None); samples with
        equal labels are positives.

    Returns
    -------
    G : csr_matrix, shape (N, N)
        A group of size :math:`m` contributes :math:`m(m-1)` nonzeros.

    Examples
    --------
    >>> from_groups([0, 0, 1, 1]).toarray()
    array([[0., 1., 0., 0.],
           [1., 0., 0., 0.],
           [0., 0., 0., 1.],
           [0., 0., 1., 0.]])
    """
    groups = _check_1d_labels(groups, "groups")
    return _clique_graph(groups, "groups", "graphs.from_groups(groups)")


def _clique_graph(values, name, call):
    """The graph linking samples with equal ``values``, built without a loop over the groups."""
    _, codes, sizes = label_codes(values, name)
    return clique_graph(codes, sizes, call, name)


def from_labels(y, *, implicit=False):
    r"""The label graph :math:`G_{ij} = 1[y_i = y_j]`, :math:`i \ne j` (supervised positives).

    Same construction as :func:`from_groups`; kept separate because its role in
    the theory differs: it is the relation *aligned* with a downstream task.

    Parameters
    ----------
    y : array_like of shape (N,)
        One class per sample (integers or strings; no NaN or None).
    implicit : bool, default False
        ``False``: the CSR graph, :math:`\sum_c n_c(n_c - 1)` stored pairs (refused by
        :mod:`spectral_ssl.memory` when they do not fit the budget). ``True``: a
        :class:`LabelRelation`, the same relation in :math:`O(N)` memory, whose action
        ``G @ Z``, degrees and Laplacian spectra are known in closed form; accepted by the
        losses, the non-parametric solvers of VICReg, spectral contrastive and Barlow
        Twins (its closed forms) and VICReg's linear solver (other functions refuse it
        with ``TypeError`` naming :meth:`LabelRelation.to_sparse`). The type returned depends on this
        flag only, never on ``N``.

    Examples
    --------
    >>> from_labels([1, 2, 1]).toarray()
    array([[0., 0., 1.],
           [0., 0., 0.],
           [1., 0., 0.]])
    >>> from_labels([1, 2, 1], implicit=True)
    LabelRelation(n_samples=3, n_classes=2)
    """
    check_flag(implicit, "implicit")
    if implicit:
        return LabelRelation(y)
    y = _check_1d_labels(y, "labels")
    return _clique_graph(y, "labels", "graphs.from_labels(labels)")


def knn(X, n_neighbors=10, *, symmetrize="union"):
    r"""Binary k-nearest-neighbour relation (Euclidean), symmetrised.

    Parameters
    ----------
    X : array_like, shape (N, D)
    n_neighbors : int
        Neighbours per sample, not counting the sample itself.
    symmetrize : {"union", "mutual"}
        ``"union"``: :math:`G = \max(A, A^\top)` (i is j's neighbour *or* j is i's);
        ``"mutual"``: :math:`G = \min(A, A^\top)` (both). :math:`A` is the directed kNN graph.

    Examples
    --------
    >>> import numpy as np
    >>> knn(np.array([[0.0], [1.0], [5.0]]), n_neighbors=1).toarray()
    array([[0., 1., 0.],
           [1., 0., 1.],
           [0., 1., 0.]])
    """
    from sklearn.neighbors import NearestNeighbors

    X = check_features(X)
    check_option(symmetrize, name="symmetrize", options=("union", "mutual"))
    n_neighbors = _check_neighbors(n_neighbors, X.shape[0])
    # neighbours do not depend on the scale: X / 2^e (exact) keeps squared distances of
    # features of 1e160 from overflowing and of 1e-170 from underflowing (ties broken by index)
    X = np.ldexp(X, -binary_exponent(X))
    A = NearestNeighbors(n_neighbors=n_neighbors).fit(X).kneighbors_graph(mode="connectivity")
    A = sp.csr_matrix(A, dtype=np.float64)
    G = A.maximum(A.T) if symmetrize == "union" else A.minimum(A.T)
    G = sp.csr_matrix(G)
    G.eliminate_zeros()
    if G.nnz == 0:
        raise ValueError("the mutual kNN graph is empty; increase n_neighbors or use symmetrize='union'.")
    G.sort_indices()
    return G


def _check_neighbors(n_neighbors, n_samples):
    n_neighbors = check_integer(n_neighbors, name="n_neighbors")
    if not 1 <= n_neighbors <= n_samples - 1:
        raise ValueError(
            f"n_neighbors must be between 1 and n_samples - 1 = {n_samples - 1}, got {n_neighbors}."
        )
    return int(n_neighbors)


def gaussian(X, bandwidth, n_neighbors=None):
    r"""Gaussian relation :math:`G_{ij} = \exp(-\lVert x_i - x_j\rVert^2 / (2\,\text{bandwidth}^2))`, :math:`i \ne j`.

    Parameters
    ----------
    X : array_like, shape (N, D)
    bandwidth : float > 0
        The length scale :math:`\sigma` of the kernel.
    n_neighbors : int, optional
        If given, only pairs in the (union-symmetrised) kNN graph keep their
        weight, so the graph has :math:`O(N k)` nonzeros. If ``None`` every
        pair is kept: :math:`N(N-1)` nonzeros, stored in CSR all the same.

    Examples
    --------
    >>> import numpy as np
    >>> G = gaussian(np.array([[0.0], [1.0]]), bandwidth=1.0)
    >>> float(G[0, 1]) == float(np.exp(-0.5))
    True
    """
    if n_neighbors is None:  # every pair: N x N dense before the sparse copy
        memory.check_pairwise(X, call="graphs.gaussian", copies=5,
                              alternative="pass n_neighbors= to keep only the k-NN pairs (O(N k) memory)")
    X = check_features(X)
    bandwidth = check_scalar(bandwidth, name="bandwidth", low=0.0, low_inclusive=False)
    if n_neighbors is None:
        W = np.exp(-0.5 * scaled_squared_distances(X, length=bandwidth))  # = exp(-d^2 / (2 bandwidth^2))
        np.fill_diagonal(W, 0.0)
        G = sp.csr_matrix(W)
    else:
        pattern = knn(X, n_neighbors).tocoo()
        # ((x_i - x_j) / bandwidth)^2 with X and the bandwidth over the same power of two: no
        # under- or overflow of the squares at features of 1e-170 or 1e160
        weights = np.exp(-0.5 * scaled_squared_distances(X, length=bandwidth,
                                                          pairs=(pattern.row, pattern.col)))
        G = sp.csr_matrix((weights, (pattern.row, pattern.col)), shape=pattern.shape)
    G.eliminate_zeros()
    if G.nnz == 0:
        raise ValueError(
            "every Gaussian weight underflowed to 0; the bandwidth is far smaller than the "
            "distances between samples. Increase bandwidth."
        )
    G.sort_indices()
    return G


def rewire(G, labels, fraction, random_state=None):
    r"""Misaligned relation: move a fraction of the positive pairs across classes.

    Exactly ``round(fraction * n_edges)`` undirected edges :math:`\{i, j\}`
    are picked, uniformly without replacement. A picked edge keeps its
    endpoint ``i`` (the smaller index) and its weight, and its other endpoint
    is replaced by a sample ``j'`` drawn uniformly among those of a
    *different* class than ``i`` that are not already linked to ``i`` (an
    edge whose ``i`` is already linked to every such sample stays in place).
    The number of edges and the total weight are preserved. ``fraction=0``
    returns ``G`` unchanged; ``fraction=1`` leaves no positive pair inside a
    class (a new partner is always of another class).

    Parameters
    ----------
    G : relation graph, shape (N, N)
    labels : array_like of shape (N,)
        The downstream classes; needs at least two classes.
    fraction : float in [0, 1]
    random_state : None, int or numpy Generator

    Returns
    -------
    G_rewired : csr_matrix, shape (N, N)
    """
    G = check_graph(G)
    labels = _check_1d_labels(labels, "labels")
    if labels.size != G.shape[0]:
        raise ValueError(
            f"labels has {labels.size} entries but G has {G.shape[0]} samples; give one label per sample."
        )
    if np.unique(labels).size < 2:
        raise ValueError("labels has a single class; rewiring across classes needs at least two.")
    fraction = check_scalar(fraction, name="fraction", low=0.0, high=1.0)
    rng = check_random_state(random_state)

    upper = sp.triu(G, k=1).tocoo()
    rows, cols, weights = upper.row.copy(), upper.col.copy(), upper.data.copy()
    n_move = int(round(fraction * rows.size))
    moved = rng.choice(rows.size, size=n_move, replace=False) if n_move else np.array([], int)
    n = G.shape[0]
    neighbours = [set() for _ in range(n)]
    for a, b in zip(rows.tolist(), cols.tolist()):
        neighbours[a].add(b)
        neighbours[b].add(a)
    for e in np.sort(moved):
        i, j = int(rows[e]), int(cols[e])
        candidates = np.flatnonzero(labels != labels[i])
        candidates = candidates[~np.isin(candidates, list(neighbours[i]))]
        if candidates.size == 0:  # i is already linked to every other-class sample
            continue
        new = int(rng.choice(candidates))
        neighbours[i].discard(j)
        neighbours[j].discard(i)
        neighbours[i].add(new)
        neighbours[new].add(i)
        rows[e], cols[e] = min(i, new), max(i, new)
    upper = sp.csr_matrix((weights, (rows, cols)), shape=(n, n))
    out = (upper + upper.T).tocsr()
    out.sort_indices()
    return out


# --------------------------------------------------------------------------- SimCLR
# ---- SimCLR family: relations read off an embedding (NNCLR, MeanShift)

# Rows of cosine similarities computed at once: bounds the memory to
# _COSINE_BLOCK * N floats instead of N * N.
_COSINE_BLOCK = 1024


def _unit_rows(embedding):
    E = check_features(embedding, name="embedding")
    En, top, _ = unit_rows(E)
    zero = np.flatnonzero(top == 0)
    if zero.size:
        raise ValueError(
            f"embedding has {zero.size} row(s) with zero norm (first: row {int(zero[0])}); the cosine "
            f"similarity of a zero vector is undefined. Remove those samples."
        )
    return En


def _cosine_neighbours(En, n_neighbors, codes=None):
    r"""Directed k-nearest-neighbour graph by cosine similarity (binary CSR).

    Row ``i`` holds the ``n_neighbors`` samples ``j != i`` of largest
    :math:`\cos(e_i, e_j)`, excluding the samples with ``codes[j] == codes[i]``
    when ``codes`` is given. Ties go to the smallest index (stable sort).
    """
    n = En.shape[0]
    cols = np.empty((n, n_neighbors), dtype=np.int64)
    for start in range(0, n, _COSINE_BLOCK):
        stop = min(n, start + _COSINE_BLOCK)
        cos = En[start:stop] @ En.T
        rows = np.arange(start, stop)
        cos[rows - start, rows] = -np.inf
        if codes is not None:
            cos[codes[start:stop, None] == codes[None, :]] = -np.inf
        cols[start:stop] = np.argsort(-cos, axis=1, kind="stable")[:, :n_neighbors]
    rows = np.repeat(np.arange(n), n_neighbors)
    A = sp.csr_matrix((np.ones(rows.size), (rows, cols.ravel())), shape=(n, n))
    A.sum_duplicates()
    return A


def _binary_symmetric(A, symmetrize):
    G = A.maximum(A.T) if symmetrize == "union" else A.minimum(A.T)
    G = sp.csr_matrix(G, dtype=np.float64)
    G.data[:] = 1.0
    G.eliminate_zeros()
    if G.nnz == 0:
        raise ValueError("the mutual neighbour graph is empty; increase n_neighbors or use symmetrize='union'.")
    G.sort_indices()
    return G


def meanshift(embedding, n_neighbors=5, *, symmetrize="union"):
    r"""MeanShift relation: the k nearest neighbours by cosine similarity in an embedding.

    :math:`A_{ij} = 1` if :math:`j \ne i` is among the ``n_neighbors`` samples
    of largest :math:`\cos(e_i, e_j)` (ties: smallest index), then
    :math:`G = \max(A, A^\top)` (``"union"``) or :math:`\min(A, A^\top)`
    (``"mutual"``). MeanShift (Koohpayegani et al. 2021) pulls each sample
    towards its cosine neighbours in a (target) embedding; as a relation graph
    it is SimCLR's :math:`G` read off that embedding.

    Parameters
    ----------
    embedding : array_like, shape (N, K)
        The embedding the neighbours are searched in; no zero row.
    n_neighbors : int, 1 <= k <= N - 1
    symmetrize : {"union", "mutual"}

    Returns
    -------
    G : csr_matrix, shape (N, N), binary, symmetric, zero diagonal

    Examples
    --------
    >>> import numpy as np
    >>> E = np.array([[1.0, 0.0], [1.0, 0.1], [0.0, 1.0], [0.1, 1.0]])
    >>> meanshift(E, 1).toarray()
    array([[0., 1., 0., 0.],
           [1., 0., 0., 0.],
           [0., 0., 0., 1.],
           [0., 0., 1., 0.]])
    """
    En = _unit_rows(embedding)
    check_option(symmetrize, name="symmetrize", options=("union", "mutual"))
    n_neighbors = _check_neighbors(n_neighbors, En.shape[0])
    return _binary_symmetric(_cosine_neighbours(En, n_neighbors), symmetrize)


def nnclr(embedding, groups=None, *, n_neighbors=1):
    r"""NNCLR relation: a sample's positive is the nearest neighbour (cosine) of its view.

    * ``groups=None``: :math:`A_{ij} = 1` if :math:`j` is the nearest neighbour
      of :math:`i` by cosine similarity among the other samples; this is
      :func:`meanshift` with ``n_neighbors=1``.
    * ``groups`` given (the views of each source sample, as in
      :func:`from_groups`): NNCLR replaces the view :math:`i` by its nearest
      neighbour :math:`j` and pairs it with the *other* views :math:`i'` of the
      same sample, so :math:`A_{i'j} = 1` for every sibling :math:`i' \ne i`
      (same group) of a sample :math:`i` whose neighbour is :math:`j`.
      Neighbours are searched among the samples of other groups only: NNCLR's
      support set is a queue of earlier batches, which does not hold the
      current sample's views.

    In both cases the graph is symmetrised by union, :math:`G = \max(A, A^\top)`
    (binary), because the NT-Xent loss is applied to both views of a pair.

    Parameters
    ----------
    embedding : array_like, shape (N, K)
        The embedding the neighbours are searched in; no zero row.
    groups : array_like of shape (N,), optional
        Source-sample label of every view.
    n_neighbors : int
        Neighbours per sample (1 in NNCLR; more gives the top-k variant).

    Returns
    -------
    G : csr_matrix, shape (N, N), binary, symmetric, zero diagonal

    Examples
    --------
    Two images with views (0, 1) and (2, 3). Outside their own image, views 0
    and 1 are both closest to view 2, views 2 and 3 both to view 0. So view 1
    (sibling of 0) and view 0 (sibling of 1) are paired with 2, views 3 and 2
    with 0:

    >>> import numpy as np
    >>> E = np.array([[1.0, 0.0], [0.0, 1.0], [0.9, 0.5], [0.0, -1.0]])
    >>> nnclr(E, groups=[0, 0, 1, 1]).toarray().astype(int)
    array([[0, 0, 1, 1],
           [0, 0, 1, 0],
           [1, 1, 0, 0],
           [1, 0, 0, 0]])
    """
    En = _unit_rows(embedding)
    n = En.shape[0]
    if groups is None:
        n_neighbors = _check_neighbors(n_neighbors, n)
        return _binary_symmetric(_cosine_neighbours(En, n_neighbors), "union")
    groups = _check_1d_labels(groups, "groups")
    if groups.size != n:
        raise ValueError(
            f"groups has {groups.size} entries but embedding has {n} rows; give one group per sample."
        )
    _, codes = np.unique(groups, return_inverse=True)
    sizes = np.bincount(codes)
    if sizes.max() < 2:
        raise ValueError(
            "groups has no two samples in the same group: with groups, NNCLR pairs a neighbour with "
            "the other views of a sample. Pass groups=None for the plain nearest-neighbour relation."
        )
    candidates = n - sizes.max()
    if candidates < 1:
        raise ValueError("groups has a single group; the neighbours are searched in the other groups.")
    n_neighbors = check_integer(n_neighbors, name="n_neighbors")
    if not 1 <= n_neighbors <= candidates:
        raise ValueError(
            f"n_neighbors must be between 1 and the number of samples outside the largest group "
            f"({candidates}), got {n_neighbors}."
        )
    A = _cosine_neighbours(En, int(n_neighbors), codes)
    directed = from_groups(codes) @ A  # row i': the neighbours of i's siblings
    directed = sp.csr_matrix(directed)
    directed.data[:] = 1.0
    return _binary_symmetric(directed, "union")


# make_views and LabelRelation live in private modules; they are documented (and pickled) here.
make_views.__module__ = __name__
LabelRelation.__module__ = __name__

r"""The relation graphs of the claims: aligned, misaligned and distance-encoding.

* Aligned with labels ``y``: the label graph (:func:`spectral_ssl.graphs.from_labels`)
  and :func:`within_class_graph`, a sparse relation with edges only inside classes.
* Misaligned: :func:`random_split` (a random partition of the samples into ``k``
  groups, then its label graph: components that carry no label information) and
  :func:`merged_pairs` (classes merged two by two: the relation cannot tell the
  two classes of a pair apart). Both are unions of cliques whose components do
  not span the labels.
* Distance-encoding: :func:`knn_geodesics` (shortest paths in the kNN graph,
  Isomap's distances) and :func:`geodesic_gaussian`, the dense relation
  :math:`G_{ij} = \exp(-\delta_{ij}^2 / 2\sigma^2)` of those distances, the same for
  every method, from which SimCLR's MDS target is :math:`\tau\delta^2/\sigma^2`.
"""

import numpy as np
import scipy.sparse as sp

from ... import graphs, spectral
from ..._validation import check_scalar
from .sampling import check_count

#: Relation kinds accepted by :func:`misaligned_relation` (``k`` groups for the random split).
MISALIGNED_KINDS = ("random_split:<k>", "merged_pairs", "sparse_random_split:<k>", "sparse_merged_pairs")


def random_split(n_samples, n_groups, rng):
    """Balanced random partition of ``n_samples`` samples into ``n_groups`` groups (labels 0..k-1)."""
    n_samples = check_count(n_samples, "n_samples", 2)
    n_groups = check_count(n_groups, "n_groups", 2)
    if n_groups > n_samples // 2:
        raise ValueError(f"n_groups={n_groups} leaves groups of fewer than 2 of the {n_samples} samples; "
                         f"use at most {n_samples // 2}.")
    return rng.permutation(np.arange(n_samples) % n_groups)


def merged_pairs(y, rng):
    """Classes merged two by two at random; with an odd number of classes the last stays alone.

    Examples
    --------
    >>> import numpy as np
    >>> merged = merged_pairs(np.array([0, 0, 1, 1, 2, 2, 3, 3]), np.random.default_rng(0))
    >>> int(np.unique(merged).size)
    2
    """
    y = np.asarray(y)
    classes = np.unique(y)
    if classes.size < 3:
        raise ValueError(f"merging classes in pairs needs at least 3 classes, got {classes.size}: "
                         f"with 2 the relation would link every sample.")
    order = rng.permutation(classes)
    group = {int(c): i // 2 for i, c in enumerate(order)}
    return np.array([group[int(c)] for c in y])


def _parse(kind):
    name, _, argument = str(kind).partition(":")
    sparse = name.startswith("sparse_")
    base = name[len("sparse_"):] if sparse else name
    if base == "random_split" and (argument == "" or argument.isdigit()):
        return base, int(argument or 4), sparse
    if base == "merged_pairs" and argument == "":
        return base, None, sparse
    raise ValueError(f"relation {kind!r} is not one of 'random_split:<groups>', 'merged_pairs', or "
                     f"either with the prefix 'sparse_'.")


def misaligned_relation(kind, y, rng, *, n_neighbors=10):
    """A misaligned relation on samples with labels ``y``.

    ``"random_split:<k>"``: the label graph of a random balanced split into ``k``
    groups; ``"merged_pairs"``: the label graph of the classes merged two by two
    (:func:`merged_pairs`). With the prefix ``"sparse_"`` the same groups are
    linked by :func:`within_class_graph` (``n_neighbors`` random partners per
    sample, each group connected) instead of complete cliques: the components,
    hence the misalignment, are the same, but the linear problems' spectra are
    not degenerate (a union of cliques gives every direction outside the
    between-group ones the same generalized eigenvalue).
    """
    return relation_on_groups(kind, misaligned_groups(kind, y, rng), rng, n_neighbors=n_neighbors)


def misaligned_groups(kind, y, rng):
    """The groups of a misaligned relation (labels 0..k-1): the first half of :func:`misaligned_relation`."""
    base, groups, _ = _parse(kind)
    return random_split(np.asarray(y).size, groups, rng) if base == "random_split" else merged_pairs(y, rng)


def relation_on_groups(kind, groups, rng, *, n_neighbors=10):
    """The relation of ``kind`` on given groups: the second half of :func:`misaligned_relation`.

    Called again with another ``rng`` it redraws the edges of a sparse relation on the
    same groups (the same components); a clique relation has nothing random to redraw.
    """
    sparse = _parse(kind)[2]
    return within_class_graph(groups, n_neighbors, rng) if sparse else graphs.from_labels(groups)


def describe(kind):
    """A human name of a misaligned relation kind."""
    base, groups, sparse = _parse(kind)
    text = f"random split into {groups} groups" if base == "random_split" else "classes merged in pairs"
    return text + (" (sparse)" if sparse else " (cliques)")


def needs_three_classes(kind):
    """True for the merged-pairs relations (they need at least 3 classes)."""
    return _parse(kind)[0] == "merged_pairs"


def within_class_graph(y, n_neighbors, rng):
    """Sparse aligned relation: every sample linked to ``n_neighbors`` random samples of its class.

    A random cycle through each class is added so that every class is one
    connected component: the relation is aligned with ``y`` (its components are
    exactly the classes), but its Laplacian is not the label graph's, so no
    closed form makes a linear optimum equal to LDA's by construction.
    """
    y = np.asarray(y)
    n_neighbors = check_count(n_neighbors, "n_neighbors", 1)
    rows, cols = [], []
    for c in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == c))
        m = members.size
        if m < 2:
            raise ValueError(f"class {c} has a single sample; an aligned relation needs pairs.")
        rows.append(members)
        cols.append(np.roll(members, 1))
        k = min(n_neighbors, m - 1)
        for i in members:
            others = members[members != i]
            rows.append(np.full(k, i))
            cols.append(rng.choice(others, size=k, replace=False))
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    keep = rows != cols
    A = sp.csr_matrix((np.ones(keep.sum()), (rows[keep], cols[keep])), shape=(y.size, y.size))
    G = A.maximum(A.T).tocsr()
    G.data[:] = 1.0
    G.sort_indices()
    return G


def knn_geodesics(X, n_neighbors):
    r"""Shortest-path lengths in the (union-symmetrised) kNN graph with Euclidean edge lengths.

    :func:`spectral_ssl.spectral.knn_geodesics` (the package's one kNN-geodesic helper).
    Raises ``ValueError`` if the kNN graph is disconnected (infinite geodesics).
    """
    return spectral.knn_geodesics(X, check_count(n_neighbors, "n_neighbors", 1))


def geodesic_gaussian(geodesic, bandwidth):
    r"""Dense relation :math:`G_{ij} = \exp(-\delta_{ij}^2/(2\,\text{bandwidth}^2))`, :math:`i \ne j`."""
    delta = np.asarray(geodesic, dtype=np.float64)
    bandwidth = check_scalar(bandwidth, name="bandwidth", low=0.0, low_inclusive=False)
    W = np.exp(-(delta**2) / (2.0 * bandwidth**2))
    np.fill_diagonal(W, 0.0)
    G = sp.csr_matrix(W)
    G.eliminate_zeros()
    return graphs.check(G)


__all__ = ["random_split", "merged_pairs", "misaligned_relation", "misaligned_groups", "relation_on_groups", "describe", "needs_three_classes",
           "within_class_graph",
           "knn_geodesics", "geodesic_gaussian", "MISALIGNED_KINDS"]

r"""Groups of samples (the relation of :func:`spectral_ssl.graphs.from_groups`): from labels or from ``G``.

A relation is a **union of cliques** when ``G_ij = w`` for every pair of distinct samples of
the same group and 0 otherwise. Two sources:

* labels (``groups=``): :func:`check_groups` (one sort, ``np.unique``), then
  :func:`group_members` with a stable sort of the codes;
* a validated CSR ``G``: :func:`clique_groups` decides exactly, in :math:`O(N + \mathrm{nnz})`
  and without a sort, whether ``G`` is a union of cliques of one weight, and returns the
  same :class:`GroupMembers`.

:func:`size_classes` splits the groups by size: for each size :math:`m`, an
:math:`m \times n_m` array of row indices whose row :math:`j` is the :math:`j`-th member
(in sample order) of every group of that size, which is what
:func:`spectral_ssl.forms.group_stats` reduces. :func:`group_plan` cuts whole groups into
chunks for the chunked passes of :mod:`spectral_ssl.moments`.
"""

from dataclasses import dataclass

import numpy as np

from .._relations import check_labels


@dataclass(frozen=True)
class GroupMembers:
    """The samples of every group, group after group.

    Attributes
    ----------
    order : ndarray of int, shape (N,)
        The samples, group by group, in increasing sample order inside each group.
    starts, sizes : ndarray of int, shape (n_groups,)
        Group ``g`` is ``order[starts[g]:starts[g] + sizes[g]]``.
    weight : float
        The common weight of the pairs (1 for labels).
    """

    order: np.ndarray
    starts: np.ndarray
    sizes: np.ndarray
    weight: float = 1.0


def check_groups(groups, n):
    """``(codes, sizes)`` of a label array with one entry per sample (``codes`` in ``0..n_groups-1``)."""
    groups = np.asarray(groups)
    if groups.ndim != 1 or groups.size != n:
        raise ValueError(
            f"groups must be 1-D with one entry per sample ({n}), got shape {groups.shape}."
        )
    groups = check_labels(groups, "groups")  # NaN, inf, None or mixed kinds: refused by name
    _, codes = np.unique(groups, return_inverse=True)
    codes = codes.ravel()
    sizes = np.bincount(codes)
    if sizes.max() < 2:
        raise ValueError(
            "groups has no two samples in the same group, so the relation is empty; "
            "each group needs at least 2 members."
        )
    return codes, sizes


def group_members(codes, sizes):
    """:class:`GroupMembers` of checked labels (``codes``, ``sizes`` from :func:`check_groups`)."""
    order = np.argsort(codes, kind="stable")
    return GroupMembers(order=order, starts=np.cumsum(sizes) - sizes, sizes=sizes)


def clique_groups(G):
    r""":class:`GroupMembers` when the validated CSR ``G`` is a union of cliques of one weight, else None.

    ``G`` as :func:`spectral_ssl._validation.check_graph` returns it (zero diagonal, sorted
    indices without duplicates). Sample :math:`i` is labelled by the smallest sample of its
    row and itself, :math:`\ell_i = \min(i, \min_j\{G_{ij} \ne 0\})`. ``G`` is a union of
    cliques exactly when every edge joins two samples of the same label and every sample
    has as many neighbours as its label has other members: its neighbours are then all the
    other members. Isolated samples are groups of one. The position of sample :math:`i`
    inside its group is the number of its neighbours with a smaller index, so the members
    are placed by a counting pass, :math:`O(N + \mathrm{nnz})`, without a sort.
    """
    n = G.shape[0]
    if G.nnz == 0:
        return None
    weight = G.data[0]
    if not np.all(G.data == weight):
        return None
    row_sizes = np.diff(G.indptr)
    # a quick refusal first (a kNN graph fails at once): in a union of cliques the neighbours
    # of a sample have as many neighbours as it; checked on the first rows only
    head = int(G.indptr[min(n, 256)])
    if not np.array_equal(row_sizes[G.indices[:head]], np.repeat(row_sizes[:min(n, 256)],
                                                                 row_sizes[:min(n, 256)])):
        return None
    # index arrays in G.indices' own integer type (int32 below 2**31 samples): half the memory
    # traffic of int64 in these O(nnz) passes
    index = G.indices.dtype
    samples = np.arange(n, dtype=index)
    rows = np.repeat(samples, row_sizes)
    first = G.indices[np.minimum(G.indptr[:-1], G.nnz - 1)]
    labels = np.where(row_sizes > 0, np.minimum(samples, first), samples)
    # labels[rows] is labels repeated by row: np.repeat, cheaper than a gather
    if not np.array_equal(np.repeat(labels, row_sizes), labels[G.indices]):
        return None
    label_sizes = np.bincount(labels, minlength=n)
    if not np.array_equal(label_sizes[labels], row_sizes + 1):
        return None
    # int32 counts when G's index pointers are (then nnz < 2**31)
    below = np.concatenate([np.zeros(1, G.indptr.dtype), np.cumsum(G.indices < rows, dtype=G.indptr.dtype)])
    del rows
    rank = below[G.indptr[1:]] - below[G.indptr[:-1]]  # neighbours with a smaller index
    present = label_sizes > 0
    code_of_label = np.cumsum(present) - 1
    sizes = label_sizes[present]
    starts = np.cumsum(sizes) - sizes
    order = np.empty(n, dtype=np.int64)
    order[starts[code_of_label[labels]] + rank] = np.arange(n)
    return GroupMembers(order=order, starts=starts, sizes=sizes, weight=float(weight))


def member_codes(members):
    """``(codes, sizes)`` of :class:`GroupMembers`, as :func:`check_groups` returns them for labels
    (sample ``i`` is in group ``codes[i]``; groups numbered in the order of ``members``)."""
    codes = np.empty(members.order.size, dtype=np.int64)
    codes[members.order] = np.repeat(np.arange(members.sizes.size), members.sizes)
    return codes, np.asarray(members.sizes)


def size_classes(members):
    """``[(m, rows)]`` for every group size ``m``: ``rows[j, g]`` is the ``j``-th member of the ``g``-th group of size ``m``."""
    classes = []
    for m in np.unique(members.sizes):
        starts = members.starts[members.sizes == m]
        classes.append((int(m), members.order[starts[None, :] + np.arange(m)[:, None]]))
    return classes


def common_size(sizes):
    """The size shared by every group (a float), or 0.0 when sizes differ."""
    return float(sizes[0]) if np.all(sizes == sizes[0]) else 0.0


def group_cuts(sizes, chunk):
    """Cut points (in group order) after whole groups, about ``chunk`` rows apart.

    A group larger than ``chunk`` gets a chunk of its own.
    """
    ends = np.cumsum(sizes)
    cuts = [0]
    while cuts[-1] < ends[-1]:
        k = int(np.searchsorted(ends, cuts[-1] + chunk, side="right"))
        if k == 0 or ends[k - 1] <= cuts[-1]:
            k = int(np.searchsorted(ends, cuts[-1], side="right")) + 1
        cuts.append(int(ends[k - 1]))
    return cuts


def group_plan(codes, sizes, chunk, layout="sorted"):
    """Chunks of whole groups: (rows, their chunk-local group codes, number of groups
    in the chunk, size of each of those groups).

    The groups of a chunk are a run of consecutive codes, so the local code is
    the code minus the run's first. ``layout``: ``"sorted"``, rows in increasing
    order (sequential reads; what dask's block lookup needs); ``"stats"``, the
    order :func:`spectral_ssl.forms.group_stats` works in, so that it needs no reordering copy:
    member by member when every group has the same size (the first member of
    every group, then the second, ...), else group by group.
    """
    order = np.argsort(codes, kind="stable")
    cuts = group_cuts(sizes, chunk)
    small = np.int32 if codes.size < 2**31 else np.int64  # halves what a dask graph carries
    common = int(common_size(sizes))
    for a, b in zip(cuts[:-1], cuts[1:]):
        if layout == "sorted":
            rows = np.sort(order[a:b])  # increasing: sequential reads of X
        elif common:
            rows = order[a:b].reshape(-1, common).T.ravel()
        else:
            rows = order[a:b]
        first, last = codes[order[a]], codes[order[b - 1]]
        yield (rows, (codes[rows] - first).astype(small), int(last - first + 1),
               sizes[first:last + 1].astype(np.float64))

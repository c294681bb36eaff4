r"""The one pass over an in-memory ``X``: :func:`feature_reductions`.

Groups (given as labels, or detected in ``G`` by :func:`clique_groups`) are reduced size
class by size class in blocks of whole groups (``BLOCK_ROWS`` rows: the contrasts and sums
of a block stay in cache, and no :math:`N\times D` temporary is allocated); a general
sparse ``G`` by :func:`whole_graph_stats` (a shifted copy of ``X`` and row blocks of ``G``).
Both run their blocks on threads of their own (:func:`spectral_ssl._threads.reduce_blocks`).
"""

import functools
import threading

import numpy as np

from .. import memory
from .._threads import BLOCK_THREADS, reduce_blocks
from .._validation import check_graph, refuse_masked
from ._groups import check_groups, clique_groups, group_members, size_classes
from ._stats import (NonFiniteFeatures, add_stats, finish, group_stats, refuse_overflow,
                     whole_graph_stats)

#: Rows per block of whole groups (8 MB of float64 at D = 64: a block and its contrasts stay
#: in a 32 MB last-level cache). At N = 3e5, D = 64 on 2 cores the pass over groups of 2, 4
#: and 2..8 members took 1.28 / 1.37 / 2.3 units of one :math:`X^\top X` with blocks of 8192
#: to 16384 rows, 1.38 / 1.41 / 2.4 with 32768 and 1.72 / 1.86 / 2.66 with 131072; the
#: public ``optimal_linear`` calls 0.1 to 0.25 units less with 16384 than with 32768.
BLOCK_ROWS = 16384

#: Entries of X from which the blocks are reduced on several threads (below, starting them
#: costs more than they save).
THREADS_MIN_ENTRIES = 1 << 20

#: Rows whose mean is the shift of every product (any point near the data's mean removes
#: the cancellation of a large mean; a few thousand rows give one to within a fraction of
#: the spread).
SHIFT_ROWS = 4096


def as_features(X, name="X"):
    """``X`` as a 2-D float64 array with at least 2 rows and 1 column (no copy when it is one)."""
    refuse_masked(X, name)
    X = np.asarray(X)
    if X.dtype == object or np.iscomplexobj(X) or not (np.issubdtype(X.dtype, np.number)
                                                       or X.dtype == bool):
        raise TypeError(f"{name} must be a real numeric array, got dtype {X.dtype}.")
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_samples, n_features), got shape {X.shape}.")
    if X.shape[0] < 2 or X.shape[1] < 1:
        raise ValueError(f"{name} needs at least 2 samples and 1 feature, got shape {X.shape}.")
    return X.astype(np.float64, copy=False)


#: A column whose sum of squares is below this (tiny / eps, about 1e-292) has products in or
#: near the subnormal range, where float64 keeps fewer than its 53 bits.
UNDERFLOW_GRAM = float(np.finfo(np.float64).tiny / np.finfo(np.float64).eps)


def refuse_underflow(X, squares, name="X"):
    r"""Refuse features so small that their products underflow (entries of about 1e-146 and below).

    ``squares``: the sums of squares :math:`\lVert x_j\rVert^2` of the columns (the diagonal of
    :math:`X^\top X`). A column below ``UNDERFLOW_GRAM`` that is not exactly zero is refused: its
    forms would have lost digits silently (at 1e-160 the VICReg optimum came out 7e-5 above the
    true one) or, at 1e-170, vanished (a column taken as constant).
    """
    squares = np.asarray(squares)
    largest = np.zeros(squares.size)
    small = np.flatnonzero(squares < UNDERFLOW_GRAM)
    if small.size:
        largest[small] = np.max(np.abs(X[:, small]), axis=0)
    refuse_tiny_columns(squares, largest, name)


def refuse_tiny_columns(squares, largest, name="X"):
    r""":func:`refuse_underflow` from each column's largest :math:`|x_j|` (``largest``), for the
    chunked passes, which see ``X`` a chunk at a time: the same check and message."""
    small = np.flatnonzero((np.asarray(squares) < UNDERFLOW_GRAM) & (np.asarray(largest) != 0))
    if small.size:
        j = int(small[0])
        raise ValueError(
            f"{name} has columns too small for float64 products (column {j}: largest |x| = "
            f"{float(largest[j]):.3g}; squares below 1e-292 lose digits); "
            f"rescale them, e.g. {name} / np.abs({name}).max(axis=0) (a linear optimum's Z "
            f"does not depend on the units of each column).")


def column_peaks(rows):
    """The largest :math:`|x_j|` of each column of ``rows`` (an array, or a tuple of member blocks)."""
    if isinstance(rows, tuple):
        return functools.reduce(np.maximum, (column_peaks(block) for block in rows))
    rows = np.asarray(rows)
    if rows.shape[0] == 0:
        return np.zeros(rows.shape[1])
    return np.max(np.abs(rows), axis=0)


#: D x D float64 matrices a pass holds at its peak: a chunk's statistics, their running sum and
#: the new sum (4 each with a relation: X^T X, X^T D_G X, X^T G X, X^T L X), the six forms of
#: ``finish`` and two temporaries; without a relation X^T X only, the scatter and temporaries.
FORMS_AT_PEAK = {True: 20, False: 6}


def check_forms_memory(n_features, chunk_rows, relation, *, call, name="X", threads=1, row_copies=3,
                       advice=""):
    r"""Refuse, before any allocation, a pass whose :math:`D\times D` forms exceed the memory budget.

    ``D`` comes from the features' shape (a ``.npy`` header: the file is not read). Counted:
    :data:`FORMS_AT_PEAK` matrices of :math:`D\times D` float64, three more per extra thread
    (``threads``), and ``row_copies`` blocks of ``chunk_rows`` x ``D`` float64 (a chunk, its
    shifted copy or contrasts, the rows it gathers). Raises
    :class:`spectral_ssl.memory.MemoryBudgetError` naming ``name``; ``advice`` ends its
    alternative (", or a smaller chunk_size") when the rows take more than the forms.
    """
    D = int(n_features)
    matrices = FORMS_AT_PEAK[bool(relation)] + 4 * (max(1, int(threads)) - 1)
    forms, rows = matrices * D * D, row_copies * int(chunk_rows) * D
    memory.check(
        8.0 * (forms + rows), call=call,
        need=f"the forms of {name}'s {D} columns: {matrices} matrices of {D} x {D} float64, and "
             f"{row_copies} blocks of {int(chunk_rows)} x {D}",
        alternative=f"reduce the number of columns of {name} (e.g. PCA or a random projection to a "
                    f"few hundred){advice if rows > forms else ''}")


def aligned_views(X, rows):
    """The ``m`` member blocks as views of ``X`` when they are evenly spaced rows, else None.

    ``rows[j, g]``, the ``j``-th member of group ``g``, must be ``rows[j, 0] + s g`` with one
    stride ``s >= 1``: views stacked one after the other (``s = 1``, the layout of
    :func:`spectral_ssl.views.from_views`) or each group's members side by side (``s = m``,
    labels ``np.repeat(ids, m)``). Strided views are read in place like contiguous ones; a
    gathered copy of the rows costs about 0.7 of one :math:`X^\top X` at D = 64.
    """
    n = rows.shape[1]
    stride = int(rows[0, 1] - rows[0, 0]) if n > 1 else 1
    if stride < 1 or not np.all(np.diff(rows, axis=1) == stride):
        return None
    return tuple(X[int(a):int(a) + stride * (n - 1) + 1:stride] for a in rows[:, 0])


def block_groups(m, n_features):
    """Groups of ``m`` members per block: :data:`BLOCK_ROWS` rows at D = 64, as many bytes up to
    D = 1024, and at least D rows beyond (a block's D x D statistics then take no more memory
    than its rows)."""
    rows = max(64, n_features, BLOCK_ROWS * 64 // max(n_features, 1))
    return max(1, min(BLOCK_ROWS, rows) // m)


def grouped_stats(X, members, shift, name="X"):
    r"""The statistics of ``X`` for the groups ``members`` (:class:`GroupMembers`), block by block.

    Each size class :math:`m` is reduced by :func:`group_stats` on blocks of whole groups:
    views of ``X`` when the :math:`j`-th members of the class are consecutive rows (views
    stacked one after the other, as :func:`spectral_ssl.views.from_views` lays them out), else
    gathered copies of a block's rows. The blocks are reduced on threads of their own
    (:func:`spectral_ssl._threads.reduce_blocks`) and summed in block order: the same numbers for
    any number of threads.
    """
    buffers = {}  # per thread: the blocks' contrast and sum arrays, reused (see group_stats)
    tasks = []
    for m, rows in size_classes(members):
        step = block_groups(m, X.shape[1])
        if m > 2 and rows.shape[1] < m:
            # fewer groups than members (classes, not views): m - 1 member-by-member products
            # of a few rows would loop m times; the deviations from the group means take two
            # products over the rows (group_stats without a common size)
            def few_groups(a, b, m=m, rows=rows):
                local = np.repeat(np.arange(b - a), m)
                return group_stats(X[rows[:, a:b].T.ravel()], local, b - a, np.full(b - a, m), 0.0,
                                   shift, name)
            tasks += [functools.partial(few_groups, a, min(rows.shape[1], a + step))
                      for a in range(0, rows.shape[1], step)]
            continue
        views = aligned_views(X, rows)

        def groups_block(a, b, m=m, rows=rows, views=views):
            work = buffers.setdefault(threading.get_ident(), {})
            if views is not None:
                block = tuple(view[a:b] for view in views)
                return group_stats(block, None, b - a, None, m, shift, name, work=work)
            # the block's own copy (m, groups, D), shifted once in place: the group pass then
            # needs no shifted copy per member (groups of 2..8 at N = 3e5, D = 64: 1.43 -> 1.24
            # units of X.T @ X on two threads; gathering whole groups as strided windows of X
            # moved fewer bytes but took 1.47, the contrasts of strided members being slower)
            gathered = X[rows[:, a:b]]
            gathered -= shift
            return group_stats(tuple(gathered), None, b - a, None, m, shift, name, work=work,
                               own_shifted=True)
        tasks += [functools.partial(groups_block, a, min(rows.shape[1], a + step))
                  for a in range(0, rows.shape[1], step)]
    threads = None if X.size >= THREADS_MIN_ENTRIES else 1
    return reduce_blocks(lambda task: task(), tasks, threads, add_stats)


def feature_reductions(X, G=None, *, groups=None, detect_groups=True, graph_checked=False,
                       name="X", degrees=None):
    r"""The :math:`D\times D` reductions of an in-memory ``X`` and its relation, in one pass.

    Parameters
    ----------
    X : array_like, shape (N, D)
        Real numbers; a float64 array is read in place (not copied). NaN or inf is refused
        through the diagonals of the products (no separate scan).
    G : relation graph, shape (N, N), optional
        Validated here unless ``graph_checked`` (a solver passes the CSR graph it checked).
    groups : array_like of shape (N,), optional
        Instead of ``G``: labels of the relation of :func:`spectral_ssl.graphs.from_groups`.
    detect_groups : bool
        Reduce ``G`` through its groups when it is a union of cliques of one weight
        (:func:`clique_groups`, exact): the forms then cost about one :math:`X^\top X`,
        and :math:`X^\top L X` has no cancellation. Otherwise :math:`X^\top (U X)` with
        :math:`U` the upper triangle of ``G`` (half the sparse product :math:`GX`), the
        :math:`D_G`-weighted and the plain ``syrk``.
    graph_checked : bool
    name : str
        The name of ``X`` in error messages.
    degrees : ndarray of shape (N,), optional
        The row sums of ``G`` when the caller has them (read only; used when ``G`` is not
        reduced through its groups), else computed here.

    Returns
    -------
    FeatureReductions
        ``details["relation"]``: ``"groups"`` (with ``details["weight"]``, the clique
        weight the group forms were multiplied by), ``"graph"`` or None.

    Examples
    --------
    >>> import numpy as np
    >>> red = feature_reductions(np.array([[0.0], [2.0], [5.0], [9.0]]), groups=[0, 0, 1, 1])
    >>> red.laplacian_form  # (0 - 2)^2 + (5 - 9)^2
    array([[20.]])
    """
    if G is not None and groups is not None:
        raise ValueError("give either G or groups (the relation), not both.")
    X = as_features(X, name)
    n = X.shape[0]
    # a general graph's pass holds a shifted copy of X; groups, blocks of whole groups per thread
    check_forms_memory(X.shape[1], n if groups is None else min(n, BLOCK_ROWS) * BLOCK_THREADS, True,
                       call=f"the feature reductions of {name}", name=name, threads=BLOCK_THREADS,
                       row_copies=1 if groups is None else 3)
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf: refused by the pass, not warned about
        shift = X[:min(n, SHIFT_ROWS)].mean(axis=0)
    details = {"source": "array", "chunk_size": None, "relation": None, "n_chunks": 1}
    members = None
    if groups is not None:
        members = group_members(*check_groups(groups, n))
    elif G is not None:
        if not graph_checked:
            G = check_graph(G)
        if G.shape[0] != n:
            raise ValueError(
                f"{name} has {n} rows but the graph G has {G.shape[0]} samples; they must "
                f"describe the same samples in the same order.")
        members = clique_groups(G) if detect_groups else None
    if members is None and G is None:
        raise ValueError("give the relation: a graph G or groups=...; moments.reductions(X) "
                         "reduces X alone.")
    try:
        stats = grouped_stats(X, members, shift, name) if members is not None else \
            whole_graph_stats(X, G, shift, name, degrees=degrees)
    except NonFiniteFeatures:
        refuse_overflow(X, name)  # finite entries whose products overflow: say so
        raise
    if members is None:
        details["relation"] = "graph"
    else:
        details.update(relation="groups", weight=members.weight)
    out = finish(stats, shift, details)
    refuse_underflow(X, np.diag(out.gram), name)
    return out if members is None else out.scale_relation(members.weight)

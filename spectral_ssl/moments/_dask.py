"""The chunked passes on a dask array: one task per chunk, summed as a tree.

The same per-chunk statistics as the in-memory passes (:mod:`spectral_ssl.forms`), on the
row blocks of a dask array (blockwise, on whatever dask scheduler is active), and
:func:`dask_from_npy`, a dask array over a ``.npy`` file read block by block in the
tasks. dask is imported inside the functions that need it (an optional extra).
"""

import os

import numpy as np

from ..forms import (
    add_stats,
    check_forms_memory,
    column_peaks,
    common_size,
    finish,
    graph_stats,
    group_plan,
    group_stats,
    NonFiniteFeatures,
    plain_stats,
    refuse_non_finite_peaks,
    refuse_tiny_columns,
)
from .._validation import refuse_masked
from ._chunks import Source, default_chunk, graph_plan, relation_plan, row_bounds


def checked_block(block):
    # a copy: the statistics work in place, and dask may hand the same block to several tasks
    block = np.array(block, dtype=np.float64)
    if not np.all(np.isfinite(block)):
        raise ValueError("X contains NaN or inf; remove or impute those entries first.")
    return block


def take(pieces, *blocks):
    """Rows ``pieces[j]`` of ``blocks[j]``, stacked (a copy, checked finite)."""
    taken = [np.asarray(block)[index] for index, block in zip(pieces, blocks)]
    return checked_block(np.concatenate(taken) if len(taken) > 1 else taken[0])


def block_stats(function, pieces, args, *blocks):
    """``function(rows, *args)`` on the rows ``pieces`` of ``blocks`` (one task: no block is copied twice)."""
    with np.errstate(over="ignore", invalid="ignore"):  # products not finite: refused by the caller
        return function(take(pieces, *blocks), *args)


def graph_block_stats(a, b, local, cols_pieces, shift, *blocks):
    """``graph_stats`` for rows a:b; ``blocks`` = the block holding a:b first, then those holding the columns."""
    own, others = blocks[0], blocks[1:]
    rows = checked_block(np.asarray(own)[a:b])
    # rows of G without a nonzero gather no columns
    cols = take(cols_pieces, *others) if cols_pieces else np.zeros((0, rows.shape[1]))
    with np.errstate(over="ignore", invalid="ignore"):  # products not finite: refused by the caller
        return graph_stats(rows, cols, local, shift)


def tree_sum(parts, add):
    while len(parts) > 1:
        parts = [add(parts[i], parts[i + 1]) if i + 1 < len(parts) else parts[i]
                 for i in range(0, len(parts), 2)]
    return parts[0]


def check_dask_features(X):
    # a dask array of masked blocks: its blocks would be read without their masks
    refuse_masked(getattr(X, "_meta", None), "X")
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got shape {X.shape}.")
    if any(np.isnan(v) for v in X.shape):
        raise ValueError("X has unknown chunk sizes; call X.compute_chunk_sizes() first.")
    if X.shape[0] < 2 or X.shape[1] < 1:
        raise ValueError(f"X needs at least 2 samples and 1 feature, got shape {X.shape}.")
    if np.iscomplexobj(np.empty(0, X.dtype)) or not (
        np.issubdtype(X.dtype, np.number) or X.dtype == bool
    ):
        raise TypeError(f"X must be a real numeric array, got dtype {X.dtype}.")
    return X.rechunk({1: -1})  # whole rows in every block


class Blocks:
    """The row blocks of a dask array as delayed objects, and where each row lives."""

    def __init__(self, X):
        X = check_dask_features(X)
        self.shape = X.shape
        sizes = [int(c) for c in X.chunks[0]]
        everything = X.to_delayed(optimize_graph=True)[:, 0].tolist()
        self.delayed = [block for block, size in zip(everything, sizes) if size > 0]
        self.edges = np.cumsum([0] + [size for size in sizes if size > 0])

    def bounds(self):
        return [(int(a), int(b)) for a, b in zip(self.edges[:-1], self.edges[1:])]

    def locate(self, rows, small=np.int64):
        """For increasing ``rows``: the blocks holding them and the in-block indices, block by block.

        No rows (a row block of ``G`` without a nonzero): no blocks.
        """
        if len(rows) == 0:
            return [], []
        which = np.searchsorted(self.edges, rows, side="right") - 1
        cuts = np.flatnonzero(np.diff(which)) + 1
        starts = np.r_[0, cuts]
        blocks = which[starts].tolist()
        pieces = [(rows[i:j] - self.edges[k]).astype(small)
                  for i, j, k in zip(starts, np.r_[cuts, rows.size], blocks)]
        return [self.delayed[k] for k in blocks], pieces


def dask_reductions(X, G, groups, chunk_size):
    """The same statistics as :func:`reductions`, one dask task per chunk, summed as a tree.

    Each task depends only on the row blocks of ``X`` it reads (no dask
    fancy indexing, which would copy blocks through intermediate tasks), so
    a block is released as soon as the chunks that need it are done.
    """
    import dask

    blocks = Blocks(X)
    n, D = blocks.shape
    bounds = blocks.bounds()
    rows = max(max(b - a for a, b in bounds), default_chunk(D, chunk_size) if groups is not None else 0)
    # per worker thread: a block, its statistics; here: their sum and the forms
    check_forms_memory(D, min(n, rows), G is not None or groups is not None, call="moments.reductions(X)",
                       advice=", or smaller row blocks")
    first = dask.delayed(take)([np.arange(bounds[0][1])], blocks.delayed[0])
    shift = np.asarray(dask.compute(dask.delayed(np.mean)(first, axis=0))[0], dtype=np.float64)
    details = {"source": "dask", "relation": None}
    task = dask.delayed(block_stats)
    G, codes, sizes, weight = relation_plan(G, groups, n)
    if G is not None:
        details["relation"] = "graph"
        parts = []
        for k, (a, b, cols, local) in enumerate(graph_plan(G, bounds)):
            held, pieces = blocks.locate(cols)
            start = int(blocks.edges[k])
            parts.append(dask.delayed(graph_block_stats)(a - start, b - start, local, pieces, shift,
                                                          blocks.delayed[k], *held))
    elif codes is not None:
        details.update(relation="groups", weight=weight)
        chunk = default_chunk(D, chunk_size if chunk_size is not None else max(b - a for a, b in bounds))
        details["chunk_size"] = chunk
        common = common_size(sizes)
        parts = []
        for rows, local, n_local, group_sizes in group_plan(codes, sizes, chunk):
            held, pieces = blocks.locate(rows, small=local.dtype)
            parts.append(task(group_stats, pieces, (local, n_local, group_sizes, common, shift), *held))
    else:
        parts = [task(plain_stats, [slice(None)], (shift,), blocks.delayed[k])
                 for k in range(len(bounds))]
    details["n_chunks"] = len(parts)
    # each column's largest |x|, block by block (the same tasks read the blocks once)
    peaks = [dask.delayed(column_peaks)(block) for block in blocks.delayed]
    peak = tree_sum(peaks, dask.delayed(np.maximum))
    try:
        total, peak = dask.compute(tree_sum(parts, dask.delayed(add_stats)), peak)
    except NonFiniteFeatures:  # products not finite: entries of 1e200 (say so) or a NaN / inf
        refuse_non_finite_peaks(dask.compute(peak)[0], "X")
    if not np.all(np.isfinite(np.diag(total[2]))):
        refuse_non_finite_peaks(peak, "X")
    out = finish(total, shift, details)
    refuse_tiny_columns(np.diag(out.gram), peak, "X")
    return out if codes is None else out.scale_relation(weight)


def load_rows(path, a, b):
    mapped = np.load(path, mmap_mode="r")
    out = np.array(mapped[a:b], dtype=np.float64)
    del mapped
    return out


def dask_from_npy(path, chunk_size=None):
    """A dask array over a ``.npy`` file, each row block read in the task that needs it.

    Unlike ``dask.array.from_array(np.load(path, mmap_mode="r"))``, no memory map
    is shipped to the workers (a pickled memmap carries its data): each task
    opens the file, copies its rows and closes it.

    Parameters
    ----------
    path : str or PathLike
    chunk_size : int, optional
        Rows per block (default as in :func:`reductions`).
    """
    import dask
    import dask.array as da

    # the checks of reductions' own .npy reading: the file exists, is a .npy of a 2-D array of
    # real numbers (a complex file would lose its imaginary part in float64 blocks)
    n, D = Source(os.fspath(path), name="path").shape
    path = os.fspath(path)
    chunk = default_chunk(D, chunk_size)
    blocks = [da.from_delayed(dask.delayed(load_rows)(path, a, b), shape=(b - a, D), dtype=np.float64)
              for a, b in row_bounds(n, chunk)]
    return da.concatenate(blocks, axis=0)

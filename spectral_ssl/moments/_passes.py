"""The passes over ``X``: :func:`reductions` (every form in one pass) and :func:`column_signs`.

Each reads ``X`` chunk by chunk (an in-memory array, a memory map, a ``.npy`` path) or
block by block (a dask array, through :mod:`._dask`), and never holds more than a chunk
of rows besides ``G``.
"""

import functools

import numpy as np

from .. import forms, linalg, losses
from .._relations import LabelRelation
from ._chunks import Source, default_chunk, graph_plan, group_rows, is_dask, relation_plan, row_bounds
from ._dask import Blocks, check_dask_features, checked_block, dask_reductions, tree_sum

#: Entries within this relative distance of a column's largest ``|z|`` count as tied
#: for the sign rule (the same rule as :func:`spectral_ssl.linalg.sign_flip`).
SIGN_TIE_RTOL = linalg.SIGN_TIE_RTOL


def reductions(X, G=None, *, groups=None, chunk_size=None, graph_checked=False):
    r"""The linear-regime reductions of ``X`` (and of the relation ``G`` or ``groups``), in chunks.

    Parameters
    ----------
    X : ndarray, numpy.memmap, str / PathLike of a ``.npy`` file, or dask array; shape (N, D)
        A path is read through ``np.load(path, mmap_mode="r")`` one chunk at a
        time (a fresh map per chunk, so the pages read are released), and
        ``X`` never has to fit in memory. A dask array is reduced blockwise on
        the active dask scheduler (e.g. a ``dask.distributed`` client); see
        :func:`dask_from_npy` to read a ``.npy`` file lazily.
    G : relation graph, shape (N, N), optional
        Symmetric, non-negative, zero diagonal (validated as everywhere in the
        toolkit; kept sparse). Read in row blocks; for each block only the rows
        of ``X`` its nonzeros point to are gathered. An in-memory ``X`` without
        ``chunk_size`` is reduced in one block (:math:`GX` and a shifted copy of
        ``X``, about three times the memory of ``X``): the gathers of a graph in
        random order would copy nearly all of ``X`` per chunk.
    groups : array_like of shape (N,), optional
        Instead of ``G``: the relation of :func:`spectral_ssl.graphs.from_groups`
        (positives = same group), never formed. At most one of ``G`` and ``groups``.
    chunk_size : int, optional
        Rows per chunk (default: about ``CHUNK_BYTES`` = 64 MiB of float64).
        With ``groups``, chunks hold whole groups. For a dask array with ``G``
        or no relation, the chunks are the array's own row blocks and
        ``chunk_size`` is ignored.
    graph_checked : bool
        ``G`` was already validated by the package (a solver passes the CSR graph it
        checked): skip the second validation, which costs about two ``X.T @ X`` on a
        10-NN graph. Its number of samples is still checked.

    Returns
    -------
    FeatureReductions
        Cost :math:`O(\mathrm{nnz}(G)D + ND^2)` (groups: :math:`O(ND^2 + N\log N)`
        for the sort). An in-memory ``X`` with a relation and no ``chunk_size`` is reduced
        by :func:`spectral_ssl.forms.feature_reductions` (what the solvers call).
        Memory :math:`O(\text{chunk}\cdot D + D^2)` besides ``G``
        (with ``G``, a chunk also gathers up to :math:`\mathrm{nnz}(G_{a:b})` rows;
        with ``groups``, :math:`O(N)` integers for the sort).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [2.0], [5.0], [9.0]])
    >>> red = reductions(X, groups=[0, 0, 1, 1])
    >>> red.laplacian_form  # (0 - 2)^2 + (5 - 9)^2
    array([[20.]])
    >>> red.scatter  # sum (x - 4)^2
    array([[46.]])
    """
    if G is not None and groups is not None:
        raise ValueError("give either G or groups (the relation), not both.")
    if isinstance(G, LabelRelation):  # a union of cliques kept implicit: reduced through its groups
        return reductions(X, groups=G.codes, chunk_size=chunk_size).scale_relation(G.weight)
    if is_dask(X):
        return dask_reductions(X, G, groups, chunk_size)
    source = Source(X)
    if source.kind == "array" and chunk_size is None and (G is not None or groups is not None):
        # X is in memory already: the one pass of forms.feature_reductions (blocks of whole
        # groups, or one block for a graph: a chunk of a kNN graph in random order would
        # gather nearly every row of X); an explicit chunk_size still bounds the memory
        return forms.feature_reductions(source.read(slice(None)), G, groups=groups,
                                        graph_checked=graph_checked, name=source.name)
    n, D = source.shape
    chunk = default_chunk(D, chunk_size)
    forms.check_forms_memory(D, min(n, chunk), G is not None or groups is not None, call="moments.reductions(X)",
                             name=source.name, advice=", or a smaller chunk_size")
    shift = np.asarray(source.read(slice(0, min(n, chunk))).mean(axis=0), dtype=np.float64)
    details = {"source": source.kind, "chunk_size": chunk, "relation": None, "n_chunks": 0}
    total = None
    G, codes, sizes, weight = relation_plan(G, groups, n, graph_checked)
    peaks = np.zeros(D)  # each column's largest |x|: the underflow and overflow checks
    if G is not None:
        details["relation"] = "graph"
        steps = ((functools.partial(source.rows, slice(a, b)),
                  functools.partial(graph_rows_stats, source, cols, local, shift))
                 for a, b, cols, local in graph_plan(G, row_bounds(n, chunk)))
    elif codes is not None:
        details.update(relation="groups", weight=weight)
        common = forms.common_size(sizes)
        # rows read group by group and checked finite through the products
        steps = ((functools.partial(group_rows, source, rows, common),
                  functools.partial(group_rows_stats, local, n_local, group_sizes, common, shift, source.name))
                 for rows, local, n_local, group_sizes in forms.group_plan(codes, sizes, chunk,
                                                                            layout="stats"))
    else:
        steps = ((functools.partial(source.rows, slice(a, b)), functools.partial(forms.plain_stats, shift=shift))
                 for a, b in row_bounds(n, chunk))
    overflowed = False
    for read, stats in steps:
        rows = read()
        np.maximum(peaks, forms.column_peaks(rows), out=peaks)
        if overflowed:
            # the rows read so far are finite but their products were not: read on for the
            # largest |x| of the message, or a NaN / inf further on
            if not np.all(np.isfinite(peaks)):
                forms.refuse_non_finite(source.name)
            continue
        try:
            with np.errstate(over="ignore", invalid="ignore"):  # refused below, not warned about
                part = stats(rows)
        except forms.NonFiniteFeatures:
            if not np.all(np.isfinite(peaks)):
                raise
            overflowed = True
            continue
        total = part if total is None else forms.add_stats(total, part)
        details["n_chunks"] += 1
    if overflowed or not np.all(np.isfinite(np.diag(total[2]))):
        forms.refuse_non_finite_peaks(peaks, source.name)  # entries of 1e200: "too large, rescale"
    out = forms.finish(total, shift, details)
    forms.refuse_tiny_columns(np.diag(out.gram), peaks, source.name)
    return out if codes is None else out.scale_relation(weight)


def graph_rows_stats(source, cols, local, shift, rows):
    """``graph_stats`` of the chunk's own ``rows`` with the rows ``cols`` of ``X`` gathered."""
    return forms.graph_stats(rows, source.rows(cols), local, shift)


def group_rows_stats(local, n_local, group_sizes, common, shift, name, rows):
    """``group_stats`` of a chunk of whole groups (its ``rows``, as :func:`group_rows` reads them)."""
    return forms.group_stats(rows, local, n_local, group_sizes, common, shift, name)


# --------------------------------------------------------------------------- the loss on Z over chunks


def edge_energy_stats(Zb, Zcols, local):
    """Rows a:b of Z (shifted) with G's row block: their count, sum, ``Z^T Z`` and ``sum_ij G_ij |z_i - z_j|^2``."""
    coo = local.tocoo()
    differences = Zb[coo.row] - Zcols[coo.col]
    return (Zb.shape[0], Zb.sum(axis=0), forms.syrk(Zb),
            float(np.sum(coo.data * np.einsum("ij,ij->i", differences, differences))))


def loss_on_z(X, W, hyper, G=None, *, groups=None, chunk_size=None):
    r"""The VICReg loss at :math:`Z = XW + \mathbf 1 b^\top`, from ``Z`` in one chunked pass.

    For ``vicreg_linear`` when the forms cannot give it to round-off (``optimal_linear`` then
    evaluates it on ``Z`` too). The invariance :math:`\frac1N\sum_{ij}G_{ij}\lVert z_i -
    z_j\rVert^2`: on a general graph from the edge differences of ``Z`` (row blocks of ``G``,
    gathering the rows their nonzeros point to, as :func:`reductions`); on groups (given, or
    detected in ``G``) as :math:`2\operatorname{tr}(Z^\top L Z)` from the within-group
    contrasts of ``Z`` (:func:`spectral_ssl.forms.group_stats`). :math:`C` from the sums and
    ``syrk`` of :math:`(X - \mathbf 1 c^\top)W`, :math:`c` the mean of the first chunk (the
    bias cancels in both). ``X`` an array, memmap or ``.npy`` path; ``hyper`` validated.
    """
    source = Source(X)
    n, D = source.shape
    chunk = default_chunk(D, chunk_size)
    shift = source.read(slice(0, min(n, chunk))).mean(axis=0)
    G, codes, sizes, weight = relation_plan(G, groups, n)
    origin = np.zeros(W.shape[1])
    total = None
    if G is not None:
        parts = (edge_energy_stats((source.rows(slice(a, b)) - shift) @ W, (source.rows(cols) - shift) @ W,
                                   local)
                 for a, b, cols, local in graph_plan(G, row_bounds(n, chunk)))
    else:
        common = forms.common_size(sizes)
        parts = (forms.group_stats((source.rows(rows) - shift) @ W, local, n_local, group_sizes, common,
                                   origin)
                 for rows, local, n_local, group_sizes in forms.group_plan(codes, sizes, chunk, layout="stats"))
        parts = ((p[0], p[1], p[2], 2.0 * weight * float(np.trace(p[7]))) for p in parts)
    for part in parts:
        total = part if total is None else tuple(x + y for x, y in zip(total, part))
    count, sums, gram, energy = total
    C = (gram - np.outer(sums, sums) / count) / count
    diag = np.diag(C)
    off = C - np.diag(diag)
    penalty = losses.variance_penalty(diag, hyper["variance_kind"], hyper["eps"])[0]
    invariance = hyper["invariance"] * (energy / count) if hyper["invariance"] else 0.0
    return float(hyper["variance"] * np.sum(penalty) + hyper["covariance"] * np.sum(off**2) + invariance)


# --------------------------------------------------------------------------- sign rule over chunks


def sign_candidates(Xb, offset, W, bias):
    """Per column of Z = Xb W + b: the block's max |z| and every entry within the tie tolerance of it."""
    Z = Xb @ W + bias
    magnitude = np.abs(Z)
    top = magnitude.max(axis=0)
    found = []
    for k in range(Z.shape[1]):
        rows = np.flatnonzero(magnitude[:, k] >= (1 - SIGN_TIE_RTOL) * top[k])
        found.append((rows + offset, magnitude[rows, k], np.sign(Z[rows, k])))
    return top, found


def merge_candidates(a, b):
    top = np.maximum(a[0], b[0])
    found = [tuple(np.concatenate([x, y]) for x, y in zip(fa, fb)) for fa, fb in zip(a[1], b[1])]
    return top, found


def resolve_signs(candidates):
    r"""The sign of each column's first entry within ``SIGN_TIE_RTOL`` of its largest |z|.

    Every entry that qualifies globally also qualifies in its own chunk (its
    chunk's max is at most the global one), so the candidates contain it.
    """
    top, found = candidates
    signs = np.ones(top.size)
    for k, (rows, magnitude, sign) in enumerate(found):
        ok = magnitude >= (1 - SIGN_TIE_RTOL) * top[k]
        first = np.argmin(np.where(ok, rows, np.iinfo(np.int64).max))
        signs[k] = sign[first] if sign[first] != 0 else 1.0
    return signs


def checked_rows(rows, name):
    """``rows`` (a view), refused when they hold NaN or inf."""
    if not np.all(np.isfinite(rows)):
        forms.refuse_non_finite(name)
    return rows


def column_signs(X, W, bias, *, chunk_size=None):
    r"""Signs that make each column of :math:`Z = XW + \mathbf 1 b^\top` follow the sign rule.

    The rule of :func:`spectral_ssl.linalg.sign_flip` (largest-\|.\| entry
    positive, ties within a relative ``SIGN_TIE_RTOL`` going to the first row),
    evaluated in one chunked pass over ``X`` (:math:`O(NDK)`) without storing ``Z``.

    Returns
    -------
    signs : ndarray of +-1, shape (K,)
    """
    W = np.asarray(W, dtype=np.float64)
    bias = np.asarray(bias, dtype=np.float64)
    n_features = check_dask_features(X).shape[1] if is_dask(X) else Source(X).shape[1]
    if W.ndim != 2 or W.shape[0] != n_features:
        raise ValueError(f"W must have shape (n_features, K) = ({n_features}, K) for X's {n_features} "
                         f"columns, got shape {W.shape}.")
    if bias.shape != (W.shape[1],):
        raise ValueError(f"bias must have shape (K,) = ({W.shape[1]},) for W's {W.shape[1]} columns, "
                         f"got shape {bias.shape}.")
    if not (np.all(np.isfinite(W)) and np.all(np.isfinite(bias))):
        raise ValueError("W and bias must be finite (they contain NaN or inf).")
    if is_dask(X):
        import dask

        blocks = Blocks(X)
        parts = [dask.delayed(sign_candidates)(dask.delayed(checked_block)(blocks.delayed[k]), a, W, bias)
                 for k, (a, _) in enumerate(blocks.bounds())]
        (merged,) = dask.compute(tree_sum(parts, dask.delayed(merge_candidates)))
        return resolve_signs(merged)
    source = Source(X)
    chunk = default_chunk(source.shape[1], chunk_size)
    merged = None
    for a, b in row_bounds(source.shape[0], chunk):
        part = sign_candidates(source.rows(slice(a, b)) if not source.reads_in_place else
                               checked_rows(source.read(slice(a, b)), source.name), a, W, bias)
        merged = part if merged is None else merge_candidates(merged, part)
    return resolve_signs(merged)

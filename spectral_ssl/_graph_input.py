"""Turning whatever the user passed as a relation graph into a CSR matrix, safely.

scipy's compiled routines trust the index arrays of a sparse matrix: an index
out of range or a decreasing ``indptr`` makes them read or write outside the
arrays (a segmentation fault, "double free or corruption"). So every index
array is checked here with numpy alone, for every sparse format (CSR, CSC,
COO, BSR, DIA, LIL, DOK; scipy's matrix and array classes), before scipy
converts anything; duplicates are summed, as scipy defines them. The memory a
conversion needs is compared with :mod:`spectral_ssl.memory`'s budget first.
"""

from types import SimpleNamespace

import numpy as np
import scipy.sparse as sp

from . import memory
from ._validation import refuse_masked

#: Element kinds accepted as weights: booleans, integers, floats.
REAL_KINDS = "biuf"


def _structure_error(name, fmt, problem):
    return ValueError(
        f"{name} is a {fmt.upper()} matrix with an invalid structure: {problem}. Its index arrays "
        f"are corrupt (written by hand or read from a damaged file); rebuild it, e.g. "
        f"scipy.sparse.csr_matrix((data, (row, col)), shape=(N, N)), and save it with "
        f"scipy.sparse.save_npz."
    )


def _indices(values, name, fmt, what):
    array = np.asarray(values)
    if array.ndim != 1 or array.dtype.kind not in "iu":
        raise _structure_error(name, fmt, f"{what} must be a 1-D integer array, got "
                                          f"dtype {array.dtype} and shape {array.shape}")
    return array.astype(np.int64, copy=False)


def _in_range(array, size, name, fmt, what):
    if array.size and (array.min() < 0 or array.max() >= size):
        bad = array[(array < 0) | (array >= size)][0]
        raise _structure_error(name, fmt, f"{what} {int(bad)} is out of range [0, {size})")


def _weights(values, name, fmt, count):
    data = np.asarray(values)
    if data.dtype.kind not in REAL_KINDS:
        raise TypeError(f"{name} has weights of dtype {data.dtype}; a relation graph must hold "
                        f"real numbers (booleans, integers or floats).")
    if data.ndim != 1:  # scipy's own "data, indices, and indptr should be 1-D" named no file or fix
        raise _structure_error(name, fmt, f"its data (the weights) has shape {data.shape}; it must be 1-D")
    if data.size < count:
        raise _structure_error(name, fmt, f"it declares {count} entries but holds {data.size} values")
    return data[:count]


def _compressed(G, name):
    """A new CSR or CSC matrix with the arrays of ``G``, checked first."""
    fmt = G.format
    n_major, n_minor = G.shape if fmt == "csr" else G.shape[::-1]
    indptr = _indices(G.indptr, name, fmt, "indptr")
    if indptr.size != n_major + 1:
        raise _structure_error(name, fmt, f"indptr has {indptr.size} entries for {n_major} "
                                          f"{'rows' if fmt == 'csr' else 'columns'} (needs {n_major + 1})")
    if indptr[0] != 0 or np.any(np.diff(indptr) < 0):
        raise _structure_error(name, fmt, "indptr must start at 0 and never decrease")
    count = int(indptr[-1])
    indices = _indices(G.indices, name, fmt, "indices")
    if indices.size < count:
        raise _structure_error(name, fmt, f"indptr ends at {count} but there are {indices.size} indices")
    indices = indices[:count]
    _in_range(indices, n_minor, name, fmt, "column index" if fmt == "csr" else "row index")
    data = np.array(_weights(G.data, name, fmt, count), dtype=np.float64)
    build = sp.csr_matrix if fmt == "csr" else sp.csc_matrix
    return build((data, indices.copy(), indptr.copy()), shape=G.shape)


def _coordinates(G, name):
    """(row, col, data) of a COO matrix whose arrays are checked first."""
    row = _indices(G.row, name, "coo", "row")
    col = _indices(G.col, name, "coo", "col")
    if row.size != col.size:
        raise _structure_error(name, "coo", f"row has {row.size} entries but col {col.size}")
    _in_range(row, G.shape[0], name, "coo", "row index")
    _in_range(col, G.shape[1], name, "coo", "column index")
    return row, col, _weights(G.data, name, "coo", row.size)


def _blocks(G, name):
    """(row, col, data) of a BSR matrix whose arrays are checked first."""
    data = np.asarray(G.data)
    if data.ndim != 3:
        raise _structure_error(name, "bsr", f"data must be 3-D (blocks, R, C), got shape {data.shape}")
    R, C = data.shape[1:]
    if R < 1 or C < 1 or G.shape[0] % R or G.shape[1] % C:
        raise _structure_error(name, "bsr", f"blocks of {R} x {C} do not tile the shape {G.shape}")
    n_block_rows = G.shape[0] // R
    indptr = _indices(G.indptr, name, "bsr", "indptr")
    if indptr.size != n_block_rows + 1 or indptr[0] != 0 or np.any(np.diff(indptr) < 0):
        raise _structure_error(name, "bsr", f"indptr must have {n_block_rows + 1} non-decreasing "
                                            f"entries starting at 0")
    count = int(indptr[-1])
    indices = _indices(G.indices, name, "bsr", "indices")
    if indices.size < count or data.shape[0] < count:
        raise _structure_error(name, "bsr", f"indptr ends at {count} but there are {indices.size} "
                                            f"block indices and {data.shape[0]} blocks")
    indices = indices[:count]
    _in_range(indices, G.shape[1] // C, name, "bsr", "block column index")
    block_row = np.repeat(np.arange(n_block_rows, dtype=np.int64), np.diff(indptr))
    inner_r, inner_c = np.meshgrid(np.arange(R), np.arange(C), indexing="ij")
    row = (block_row[:, None] * R + inner_r.ravel()).ravel()
    col = (indices[:, None] * C + inner_c.ravel()).ravel()
    return row, col, _weights(data[:count].reshape(-1), name, "bsr", row.size)


def _diagonals(G, name):
    """(row, col, data) of a DIA matrix whose arrays are checked first."""
    offsets = _indices(G.offsets, name, "dia", "offsets")
    data = np.asarray(G.data)
    if data.ndim != 2 or data.shape[0] != offsets.size:
        raise _structure_error(name, "dia", f"data must have one row per offset ({offsets.size}), "
                                            f"got shape {data.shape}")
    _weights(data[:0].ravel(), name, "dia", 0)  # dtype check
    n_rows, n_cols = G.shape
    col = np.arange(min(data.shape[1], n_cols), dtype=np.int64)
    rows, cols, values = [], [], []
    for k, offset in enumerate(offsets):
        row = col - offset
        keep = (row >= 0) & (row < n_rows)
        rows.append(row[keep])
        cols.append(col[keep])
        values.append(data[k, : col.size][keep])
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(values)


def _lists(G, name):
    """(row, col, data) of a LIL matrix whose lists are checked first."""
    if len(G.rows) != G.shape[0] or len(G.data) != G.shape[0]:
        raise _structure_error(name, "lil", f"rows and data must have {G.shape[0]} lists")
    lengths = [len(r) for r in G.rows]
    if lengths != [len(d) for d in G.data]:
        raise _structure_error(name, "lil", "each row must have as many values as column indices")
    cols = [c for r in G.rows for c in r]
    try:
        col = np.array(cols) if cols else np.zeros(0, np.int64)
    except (TypeError, ValueError, OverflowError):
        col = np.zeros(0, dtype=object)
    col = _indices(col, name, "lil", "column indices")
    _in_range(col, G.shape[1], name, "lil", "column index")
    row = np.repeat(np.arange(G.shape[0], dtype=np.int64), lengths)
    data = np.array([v for d in G.data for v in d], dtype=G.dtype)
    return row, col, _weights(data, name, "lil", row.size)


def _keys(G, name):
    """(row, col, data) of a DOK matrix whose keys are checked first."""
    items = list(G.items())
    try:
        keys = np.array([key for key, _ in items], dtype=np.int64).reshape(-1, 2)
    except (TypeError, ValueError, OverflowError):
        raise _structure_error(name, "dok", "every key must be a pair of integers (i, j)") from None
    _in_range(keys[:, 0], G.shape[0], name, "dok", "row index")
    _in_range(keys[:, 1], G.shape[1], name, "dok", "column index")
    data = np.array([value for _, value in items], dtype=G.dtype)
    return keys[:, 0], keys[:, 1], _weights(data, name, "dok", len(items))


_READERS = {"csr": _compressed, "csc": _compressed, "coo": _coordinates, "bsr": _blocks,
            "dia": _diagonals, "lil": _lists, "dok": _keys}


def _stored_entries(G):
    try:
        return int(G.nnz)
    except Exception:  # noqa: BLE001 - corrupt arrays: the reader says what is wrong
        return 0


def check_graph_size(n_samples, n_entries, name):
    """Refuse, before any allocation, a graph whose arrays would exceed the memory budget.

    Counts what a graph of ``n_samples`` nodes and ``n_entries`` stored weights
    costs while it is converted and checked: index pointers and degrees (4
    arrays of ``N + 1`` words) and five copies of its entries (weight and index).
    """
    memory.check(8.0 * 4 * (n_samples + 1) + 40.0 * n_entries, call=f"reading the graph {name}",
                 need=f"the arrays of a graph of {n_samples} samples with {n_entries} stored entries",
                 alternative="check the shape and entries the graph declares (a file's header may "
                             "claim far more samples than it holds)")


def arrays_to_csr(fmt, shape, arrays, name):
    """A CSR float64 matrix from the arrays of a sparse format read from a file, checked first.

    ``arrays`` maps the names scipy stores (``data``, ``indices``, ``indptr``,
    ``row``, ``col``, ``offsets``) to numpy arrays; nothing of scipy sees them
    before they are checked.
    """
    fmt = str(fmt)
    if fmt not in ("csr", "csc", "coo", "bsr", "dia"):
        raise ValueError(f"{name} is stored in the sparse format {fmt!r}, which cannot be read; "
                         f"save it with scipy.sparse.save_npz(path, G.tocsr()).")
    shape = np.asarray(shape)
    if shape.shape != (2,) or shape.dtype.kind not in "iu" or np.any(shape < 0):
        raise _structure_error(name, fmt, f"its shape must be two non-negative integers, got {shape.tolist()}")
    data = np.asarray(arrays.get("data", np.zeros(0)))
    stand_in = SimpleNamespace(format=fmt, shape=tuple(int(v) for v in shape), dtype=data.dtype,
                               nnz=data.shape[0] if data.ndim else 0, **arrays)
    return sparse_to_csr(stand_in, name)


def sparse_to_csr(G, name):
    """A new CSR float64 matrix equal to the sparse ``G``, after checking its index arrays."""
    shape = tuple(G.shape)
    if len(shape) != 2:
        raise ValueError(f"{name} must be 2-D (n_samples, n_samples), got a sparse array of shape {shape}.")
    if np.dtype(G.dtype).kind == "c":
        raise TypeError(f"{name} has a complex dtype; a relation graph must be real and non-negative.")
    if np.dtype(G.dtype).kind not in REAL_KINDS:
        raise TypeError(f"{name} has weights of dtype {G.dtype}; a relation graph must hold real "
                        f"numbers (booleans, integers or floats).")
    if shape[0] != shape[1]:
        raise ValueError(f"{name} must be square (n_samples, n_samples), got shape {shape}.")
    check_graph_size(shape[0], _stored_entries(G), name)
    reader = _READERS.get(G.format)
    if reader is None:
        raise TypeError(f"{name} is a scipy.sparse matrix of the unknown format {G.format!r}; "
                        f"convert it with {name}.tocsr().")
    parts = reader(G, name)
    if sp.issparse(parts):  # CSR or CSC, built from the checked arrays
        out = parts.tocsr()
    else:
        row, col, data = parts
        out = sp.coo_matrix((np.asarray(data, dtype=np.float64), (row, col)), shape=shape).tocsr()
    out.sum_duplicates()
    return out


def dense_to_csr(G, name):
    """A CSR float64 matrix from a dense array-like, refusing non-numeric input."""
    if isinstance(G, (str, bytes)) or not hasattr(G, "__len__") and not hasattr(G, "__array__"):
        raise TypeError(f"{name} must be a square array or scipy.sparse matrix, got {type(G).__name__}.")
    refuse_masked(G, name, hidden="weights", fix="first")
    try:
        arr = np.asarray(G)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{name} must be a square array of numbers; numpy cannot read it as one "
                         f"({error}).") from None
    if arr.dtype.kind not in REAL_KINDS:
        raise TypeError(f"{name} must be a real numeric matrix, got dtype {arr.dtype}.")
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_samples, n_samples), got {arr.ndim}-D of shape {arr.shape}.")
    nonzero = int(np.count_nonzero(arr))
    copy = 0 if arr.dtype == np.float64 else 8.0 * arr.size
    memory.check(copy + 24.0 * nonzero, call=f"check_graph({name})",
                 need=f"a float64 copy and the sparse form of a {arr.shape[0]} x {arr.shape[1]} array",
                 alternative="build the graph sparse (e.g. graphs.knn, or "
                             "scipy.sparse.csr_matrix((data, (row, col)), shape=(N, N)))")
    return sp.csr_matrix(arr.astype(np.float64, copy=False))


def check_symmetric(G, name, rtol):
    r"""A CSR graph (sorted indices, no explicit zeros) made exactly symmetric, or refused.

    Every stored pair is compared with its own weight:
    :math:`|G_{ij} - G_{ji}| \le \text{rtol}\cdot\max(G_{ij}, G_{ji})`, so a one-way
    edge is refused whatever the other weights. Cost :math:`O(\mathrm{nnz})`.

    Returns ``G`` itself when it is exactly symmetric, else (every pair within ``rtol``) the
    new graph :math:`(G + G^\top)/2`, exactly symmetric (IEEE addition commutes), which the
    losses and the solvers then share (the losses validate ``G`` the same way). Terms
    :math:`\sum_{ij} G_{ij} f(z_i, z_j)` with a symmetric :math:`f` are unchanged by it.
    Why: the solvers read one triangle and the degrees of all rows; on a graph symmetric only
    to 1e-10 the two disagreed, and a large invariance weight amplified that into a VICReg
    optimum 3e-3 above the true one.
    """
    T = G.T.tocsr()
    T.sort_indices()
    same_pattern = np.array_equal(G.indptr, T.indptr) and np.array_equal(G.indices, T.indices)
    if same_pattern and np.array_equal(G.data, T.data):
        return G  # exactly symmetric (the usual case): one comparison instead of the tolerance's five passes
    if same_pattern:
        gap = np.abs(G.data - T.data)
        bad = gap > rtol * np.maximum(G.data, T.data)
        if not np.any(bad):
            return sp.csr_matrix(((G.data + T.data) / 2.0, G.indices.copy(), G.indptr.copy()),
                                 shape=G.shape)
        k = int(np.argmax(bad))
        i = int(np.searchsorted(G.indptr, k, side="right") - 1)
        j = int(G.indices[k])
        example = f"G[{i}, {j}] = {float(G.data[k])!r} but G[{j}, {i}] = {float(T.data[k])!r}"
        largest = float(gap.max())
    else:
        pattern = (G != 0).astype(np.int8) - (T != 0).astype(np.int8)
        pattern = pattern.tocoo()
        pattern.eliminate_zeros()
        order = np.lexsort((pattern.col, pattern.row))
        first = order[0]
        i, j = int(pattern.row[first]), int(pattern.col[first])
        if pattern.data[first] < 0:  # stored at (j, i) only
            i, j = j, i
        example = f"G[{i}, {j}] = {float(G[i, j])!r} but G[{j}, {i}] = 0"
        largest = float(np.max(np.abs((G - T).data)))
    raise ValueError(
        f"{name} is not symmetric (max |G - G.T| = {largest:.3g}; {example}); symmetrise it, "
        f"e.g. (G + G.T) / 2 or G.maximum(G.T)."
    )

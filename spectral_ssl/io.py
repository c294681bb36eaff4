"""Reading features, labels and relation graphs from files.

The command line (``spectral-ssl solve`` and ``spectral-ssl report --data``)
reads the user's data through these functions. Each one reads exactly one
format per file extension and raises an error that names the file, the
argument it was given for, what is wrong, and how to fix it:

- ``FileNotFoundError`` for a missing file;
- ``ValueError`` for an unknown extension, unreadable or malformed contents,
  or files that disagree on the number of samples;
- :class:`spectral_ssl.memory.MemoryBudgetError` (a ``MemoryError``) for a
  file whose declared size (a ``.npy`` or ``.mtx`` header, the uncompressed
  size of an ``.npz`` member, the largest node index of an edge list, the
  length of a CSV) would take more memory than the budget allows, before
  anything large is read.

Only regular files are read (a FIFO, a device such as ``/dev/zero`` or a
folder is refused); nothing is ever unpickled; the index arrays of a sparse
graph are checked before scipy uses them.

Formats
-------
features (``X``)
    ``.npy``: a 2-D numeric array (``numpy.save``). ``.csv``: comma-separated
    numbers, one row per sample; an optional first line of column names (a
    line with no number in it; a first line mixing numbers and text is
    refused). Cells are parsed by the :mod:`csv` module (quoted cells are
    unquoted). With pandas, write ``df.to_csv(path, index=False)``.
labels (``y``)
    ``.npy``: a 1-D array. ``.csv``/``.txt``: one label per line (numbers or
    names); an optional header line ``label`` (or ``labels``, ``target``, ``y``,
    ``class``).
features with labels (``spectral-ssl report --data``)
    A ``.csv`` whose header names exactly one label column: ``label``,
    ``labels``, ``target``, ``y`` or ``class``, any case (scikit-learn's data
    frames call it ``target``); the other columns are the features. With the
    labels in a separate file, such a column left among the features is refused,
    naming it (:func:`load_labelled_data`).
relation graph (``G``)
    ``.npz``: a scipy.sparse matrix saved with ``scipy.sparse.save_npz``.
    ``.mtx``: Matrix Market (``scipy.io.mmwrite``). ``.npy``: a dense square
    array. ``.csv``: an edge list ``i,j`` or ``i,j,weight`` with 0-based
    sample indices and weights >= 0 (default 1), an optional header line such
    as ``i,j,weight``; either every edge is listed once (the graph is then
    ``A + A.T``) or both directions are listed with equal weights (the graph
    is then ``A``). A list that mixes the two, lists an edge twice, or holds a
    self-loop ``i,i`` is refused. The graph has ``n_samples`` nodes when that
    is given (samples without an edge stay isolated), else the largest index
    plus one.
"""

import os

import numpy as np
import scipy.sparse as sp

from ._csv_tables import csv_rows, is_number, numbers_of, numeric_table, refuse_pandas_defaults
from ._graph_input import arrays_to_csr, check_graph_size
from ._readers import read_mtx, read_npy, read_sparse_npz
from ._validation import check_features, check_graph

FEATURE_SUFFIXES = (".npy", ".csv")
LABEL_SUFFIXES = (".npy", ".csv", ".txt")
GRAPH_SUFFIXES = (".npz", ".mtx", ".npy", ".csv")

#: Column names (any case) that hold labels: the label column of a labelled CSV, and names
#: refused among the features when the labels come from a separate file.
LABEL_COLUMNS = ("label", "labels", "target", "y", "class")


def _suffix(path, allowed, argument):
    """Return the lower-case extension of ``path``, or refuse one not in ``allowed``."""
    path = os.fspath(path)
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in allowed:
        raise ValueError(
            f"{argument}: {path!r} has extension {suffix or '(none)'!r}; expected one of "
            f"{', '.join(allowed)}. Save the array with the matching writer (numpy.save for .npy, "
            f"scipy.sparse.save_npz for .npz)."
        )
    return suffix


def _load_npy(path, argument, kinds="biuf"):
    """A numeric array from a ``.npy`` file; its header is checked before the data is read."""
    return read_npy(path, argument, kinds=kinds)


def load_features(path, *, argument="X"):
    """Read a feature matrix ``X`` (n_samples, n_features) from ``.npy`` or ``.csv``.

    Parameters
    ----------
    path : str or os.PathLike
    argument : str
        The name of the option or argument the path was given for, used in
        error messages (for example ``"--X"``).

    Returns
    -------
    X : ndarray of float64, shape (n_samples, n_features)
        Checked: 2-D, finite, at least 2 samples.
    """
    suffix = _suffix(path, FEATURE_SUFFIXES, argument)
    values = _load_npy(path, argument) if suffix == ".npy" else numeric_table(path, argument)
    return check_features(values, name=f"{argument} ({os.fspath(path)})")


#: Whole numbers up to this magnitude are exact in float64; larger ones (identifiers such as
#: 12345678901234567) would merge with their neighbours, and are kept as text.
EXACT_INTEGER = 2**53


def _label_array(cells, path, argument):
    """Text cells as labels: integers when all are whole numbers, floats, else strings.

    Integers written as such are read exactly (``int``), as int64 when they fit and as
    text beyond; numbers read as floats are kept as text when one exceeds
    :data:`EXACT_INTEGER`, where float64 would merge distinct labels.
    """
    if not all(is_number(cell) for cell in cells):
        return np.array(cells)
    try:
        whole = [int(cell) for cell in cells]
    except ValueError:  # "1.5", "2e3": read as floats below
        whole = None
    if whole is not None:
        fits = all(-2**63 <= value < 2**63 for value in whole)
        return np.array(whole, dtype=np.int64) if fits else np.array([c.strip() for c in cells])
    labels = np.array(cells, dtype=np.float64)
    if not np.all(np.isfinite(labels)):  # before the integer cast, which would hide them
        raise ValueError(
            f"{argument}: {os.fspath(path)!r} contains NaN or inf labels; give every sample a label."
        )
    if np.any(np.abs(labels) >= EXACT_INTEGER):
        return np.array([c.strip() for c in cells])
    if np.all(labels == np.round(labels)):
        labels = labels.astype(np.int64)
    return labels


def load_labels(path, *, argument="labels", n_samples=None):
    """Read one label per sample from ``.npy`` (1-D) or ``.csv``/``.txt`` (one per line).

    Numeric labels are returned as numbers; any other text as strings.
    ``n_samples``, when given, is the number of labels required.
    """
    suffix = _suffix(path, LABEL_SUFFIXES, argument)
    if suffix == ".npy":
        labels = _load_npy(path, argument, kinds="biufUS")
        if labels.ndim != 1:
            raise ValueError(
                f"{argument}: {os.fspath(path)!r} holds an array of shape {labels.shape}; labels "
                f"must be 1-D, one per sample."
            )
    else:
        rows = csv_rows(path, argument)
        if any(len(row) != 1 for row in rows):
            raise ValueError(
                f"{argument}: {os.fspath(path)!r} must hold one label per line with no commas."
            )
        cells = [row[0] for row in rows]
        if cells[0].lower() in LABEL_COLUMNS:  # a header line such as 'label' or 'target'
            cells = cells[1:]
        if not cells:
            raise ValueError(f"{argument}: {os.fspath(path)!r} has a header but no labels.")
        labels = _label_array(cells, path, argument)
    if labels.dtype.kind == "f" and not np.all(np.isfinite(labels)):
        raise ValueError(
            f"{argument}: {os.fspath(path)!r} contains NaN or inf labels; give every sample a label."
        )
    if n_samples is not None and labels.shape[0] != n_samples:
        raise ValueError(
            f"{argument}: {os.fspath(path)!r} has {labels.shape[0]} labels but the features have "
            f"{n_samples} samples; give one label per sample, in the same order."
        )
    return labels


def _label_columns(header):
    """Indices of the columns of ``header`` whose name (any case) is one of :data:`LABEL_COLUMNS`."""
    return [k for k, name in enumerate(header) if name.strip().lower() in LABEL_COLUMNS]


def _names(header, columns):
    return " and ".join(repr(header[k]) for k in columns)


_ACCEPTED = ", ".join(repr(name) for name in LABEL_COLUMNS)


def load_labelled_data(path, labels=None, *, argument="--data", labels_argument="--labels"):
    """Read features and their labels for the report.

    Either ``path`` holds the features and ``labels`` a separate label file,
    or ``labels`` is ``None`` and ``path`` is a ``.csv`` with a header whose
    one column named ``label``, ``labels``, ``target``, ``y`` or ``class`` (any case;
    :data:`LABEL_COLUMNS`) holds the labels, the other columns being the features.

    With a separate label file, a ``.csv`` of features whose header names one of its
    columns like a label column is refused (``ValueError`` naming the column): a label
    left among the features makes every downstream probe trivially accurate. Remove
    the column, drop ``labels`` to use the column as the labels, or rename the column
    if it really is a feature. (A ``.npy`` has no column names, so nothing is checked.)

    Returns
    -------
    X : ndarray of float64, shape (n_samples, n_features)
    y : ndarray, shape (n_samples,)

    Raises
    ------
    ValueError
        No label column, more than one, a label column among the features while
        ``labels`` is given, and every problem of :func:`load_features` /
        :func:`load_labels`.
    """
    if labels is not None:
        suffix = _suffix(path, FEATURE_SUFFIXES, argument)
        if suffix == ".csv":
            table, header = numeric_table(path, argument, with_header=True)
            found = [] if header is None else _label_columns(header)
            if found:
                raise ValueError(
                    f"{argument}: {os.fspath(path)!r} has a column named {_names(header, found)} among "
                    f"the features while the labels come from {labels_argument}; a label used as a "
                    f"feature makes the probe trivially accurate. Remove that column from "
                    f"{os.fspath(path)!r}, or omit {labels_argument} to use it as the labels, or "
                    f"rename it if it really is a feature."
                )
            X = check_features(table, name=f"{argument} ({os.fspath(path)})")
        else:
            X = load_features(path, argument=argument)
        return X, load_labels(labels, argument=labels_argument, n_samples=X.shape[0])
    suffix = _suffix(path, FEATURE_SUFFIXES, argument)
    if suffix != ".csv":
        raise ValueError(
            f"{argument}: {os.fspath(path)!r} holds no labels; give them with {labels_argument} "
            f"FILE, or use a .csv with a header and a column named 'label' (or 'target')."
        )
    rows = csv_rows(path, argument)
    header = rows[0]
    refuse_pandas_defaults(header, path, argument)
    found = _label_columns(header)
    if len(found) != 1:
        which = (f"found {rows[0][:6]}" if not found
                 else f"found {len(found)}: {_names(header, found)}; keep one, or rename the others")
        raise ValueError(
            f"{argument}: {os.fspath(path)!r} needs a header line with exactly one column named "
            f"'label' (or one of {_ACCEPTED}, any case) ({which}); or give the labels separately "
            f"with {labels_argument}."
        )
    column = found[0]
    name = header[column]
    body = rows[1:]
    if not body:
        raise ValueError(f"{argument}: {os.fspath(path)!r} has a header but no data rows.")
    if len(header) < 2:
        raise ValueError(
            f"{argument}: {os.fspath(path)!r} has only the {name!r} column; add the feature columns."
        )
    if any(len(row) != len(header) for row in body):
        raise ValueError(
            f"{argument}: some rows of {os.fspath(path)!r} do not have {len(header)} values like "
            f"the header."
        )
    y = _label_array([row[column] for row in body], path, argument)
    features = numbers_of([[cell for k, cell in enumerate(row) if k != column] for row in body],
                        path, argument, f"every column other than {name!r} must be numbers")
    X = check_features(features, name=f"{argument} ({os.fspath(path)})")
    return X, y


def _edge_list(path, argument, n_samples):
    table = numeric_table(path, argument, pandas_defaults=True,
                          rule="an edge list holds numbers: sample indices i,j and an optional weight")
    name = os.fspath(path)
    if table.shape[1] not in (2, 3):
        raise ValueError(
            f"{argument}: {name!r} has {table.shape[1]} columns; a CSV graph is an edge "
            f"list with columns i,j or i,j,weight (0-based sample indices)."
        )
    rows, cols = table[:, 0], table[:, 1]
    if (not np.all(np.isfinite(table[:, :2])) or np.any(rows != np.round(rows))
            or np.any(cols != np.round(cols)) or min(rows.min(), cols.min()) < 0):
        raise ValueError(
            f"{argument}: the first two columns of {name!r} must be non-negative integer "
            f"sample indices (0-based)."
        )
    largest = int(max(rows.max(), cols.max()))  # exact: a Python int, whatever its size
    if n_samples is not None and largest >= n_samples:
        raise ValueError(
            f"{argument}: {name!r} names sample {largest} but there are only {n_samples} "
            f"samples (indices 0..{n_samples - 1}); indices are 0-based rows of the features."
        )
    if largest >= 2**53:  # beyond the integers a float64 (and so a CSV number) holds exactly
        raise ValueError(
            f"{argument}: {name!r} names sample {largest}, beyond any graph that fits in memory; "
            f"sample indices are 0-based rows of the features."
        )
    check_graph_size(largest + 1 if n_samples is None else n_samples, 2 * rows.size,
                     f"{argument} ({name})")
    rows, cols = rows.astype(np.int64), cols.astype(np.int64)
    weights = table[:, 2] if table.shape[1] == 3 else np.ones(rows.size)
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        line = int(np.flatnonzero(~np.isfinite(weights) | (weights < 0))[0])
        raise ValueError(
            f"{argument}: edge {rows[line]},{cols[line]} of {name!r} has weight {weights[line]:g}; "
            f"weights must be finite and >= 0."
        )
    loops = np.flatnonzero(rows == cols)
    if loops.size:
        i = int(rows[loops[0]])
        raise ValueError(
            f"{argument}: {name!r} lists the self-loop {i},{i}; a relation graph has a zero "
            f"diagonal, so drop the lines with i == j."
        )
    pairs, counts = np.unique(np.stack([rows, cols], axis=1), axis=0, return_counts=True)
    if np.any(counts > 1):
        (i, j), count = pairs[np.argmax(counts > 1)], int(counts[np.argmax(counts > 1)])
        raise ValueError(
            f"{argument}: {name!r} lists the edge {i},{j} {count} times; list each edge once "
            f"(or once per direction), with its total weight."
        )
    if n_samples is None:
        n_samples = largest + 1
    A = sp.csr_matrix((weights, (rows, cols)), shape=(n_samples, n_samples))
    # Which directions are listed is read from the listed pairs (ones), not from the weights:
    # "0,1,0" with "1,0,5" lists both directions with different weights, not one edge of 5.
    listed = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n_samples, n_samples))
    if (listed != listed.T).nnz == 0 and (A != A.T).nnz == 0:
        A.eliminate_zeros()
        return A  # both directions listed with equal weights
    if listed.multiply(listed.T).nnz == 0:
        A.eliminate_zeros()
        return A + A.T  # each undirected edge listed once
    one_way = sp.coo_matrix(listed - listed.multiply(listed.T))
    if one_way.nnz:
        example = f"{one_way.row[0]},{one_way.col[0]} is listed without {one_way.col[0]},{one_way.row[0]}"
    else:
        diff = sp.coo_matrix(A - A.T)
        diff.eliminate_zeros()
        i, j = int(diff.row[0]), int(diff.col[0])
        example = f"{i},{j} has weight {A[i, j]:g} and {j},{i} weight {A[j, i]:g}"
    raise ValueError(
        f"{argument}: {name!r} lists some edges in both directions and others in one, or both "
        f"directions with different weights ({example}); list every edge once, or every edge "
        f"both ways with equal weights."
    )


def load_graph(path, *, argument="G", n_samples=None):
    """Read a relation graph from ``.npz``, ``.mtx``, ``.npy`` or an edge-list ``.csv``.

    Parameters
    ----------
    path : str or os.PathLike
    argument : str
        Name used in error messages (for example ``"--graph"``).
    n_samples : int, optional
        Number of samples the graph must have (the rows of ``X``).

    Returns
    -------
    G : scipy.sparse.csr_matrix of float64
        Checked with :func:`spectral_ssl.graphs.check`: square, symmetric,
        non-negative, finite, zero diagonal, at least one edge. Sparse files
        stay sparse.
    """
    suffix = _suffix(path, GRAPH_SUFFIXES, argument)
    name = f"{argument} ({os.fspath(path)})"
    if suffix == ".npz":
        fmt, shape, arrays = read_sparse_npz(path, argument)
        G = arrays_to_csr(fmt, shape, arrays, name)
    elif suffix == ".mtx":
        G = read_mtx(path, argument)
    elif suffix == ".npy":
        G = _load_npy(path, argument)
    else:
        G = _edge_list(path, argument, n_samples)
    G = check_graph(G, name=name)
    if n_samples is not None and G.shape[0] != n_samples:
        raise ValueError(
            f"{argument}: {os.fspath(path)!r} relates {G.shape[0]} samples but the features have "
            f"{n_samples} rows; the graph and the features must describe the same samples."
        )
    return G

"""Reading features, labels and relation graphs from files.

The command line (``spectral-ssl solve`` and ``spectral-ssl report --data``)
reads the user's data through these functions. Each one reads exactly one
format per file extension and raises an error that names the file, the
argument it was given for, what is wrong, and how to fix it:

- ``FileNotFoundError`` for a missing file;
- ``ValueError`` for an unknown extension, unreadable or malformed contents,
  or files that disagree on the number of samples.

Formats
-------
features (``X``)
    ``.npy``: a 2-D numeric array (``numpy.save``). ``.csv``: comma-separated
    numbers, one row per sample; an optional first line of column names.
labels (``y``)
    ``.npy``: a 1-D array. ``.csv``/``.txt``: one label per line (numbers or
    names); an optional header line ``label``.
relation graph (``G``)
    ``.npz``: a scipy.sparse matrix saved with ``scipy.sparse.save_npz``.
    ``.mtx``: Matrix Market (``scipy.io.mmwrite``). ``.npy``: a dense square
    array. ``.csv``: an edge list ``i,j`` or ``i,j,weight`` with 0-based
    sample indices; either every edge is listed once (the graph is then
    ``A + A.T``) or both directions are listed with equal weights (the graph
    is then ``A``). A list that mixes the two is refused.
"""

import os

import numpy as np
import scipy.io
import scipy.sparse as sp

from ._validation import check_features, check_graph

FEATURE_SUFFIXES = (".npy", ".csv")
LABEL_SUFFIXES = (".npy", ".csv", ".txt")
GRAPH_SUFFIXES = (".npz", ".mtx", ".npy", ".csv")


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
    if not os.path.exists(path):
        raise FileNotFoundError(f"{argument}: file {path!r} does not exist.")
    if os.path.isdir(path):
        raise ValueError(f"{argument}: {path!r} is a folder; give the path of a file.")
    return suffix


def _load_npy(path, argument):
    try:
        return np.load(path, allow_pickle=False)
    except ValueError as error:  # pickled object arrays, or a corrupt header
        raise ValueError(
            f"{argument}: cannot read {os.fspath(path)!r} as a numeric .npy array ({error}); "
            f"save a numeric array with numpy.save."
        ) from None
    except OSError as error:
        raise ValueError(f"{argument}: cannot read {os.fspath(path)!r} as .npy ({error}).") from None


def _csv_rows(path, argument):
    """Non-empty lines of a CSV file, each split at commas and stripped."""
    try:
        with open(path, encoding="utf-8") as handle:
            lines = [line.strip() for line in handle]
    except UnicodeDecodeError:
        raise ValueError(f"{argument}: {os.fspath(path)!r} is not a text CSV file.") from None
    rows = [[cell.strip() for cell in line.split(",")] for line in lines if line]
    if not rows:
        raise ValueError(f"{argument}: {os.fspath(path)!r} is empty.")
    return rows


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _numeric_table(path, argument):
    """A CSV of numbers as a 2-D float array; a first line with a non-number is a header."""
    rows = _csv_rows(path, argument)
    if not all(_is_number(cell) for cell in rows[0]):
        rows = rows[1:]
    if not rows:
        raise ValueError(f"{argument}: {os.fspath(path)!r} has a header but no data rows.")
    widths = {len(row) for row in rows}
    if len(widths) > 1:
        raise ValueError(
            f"{argument}: rows of {os.fspath(path)!r} have different numbers of columns "
            f"({sorted(widths)}); every row needs the same number of comma-separated values."
        )
    for number, row in enumerate(rows, start=1):
        for cell in row:
            if not _is_number(cell):
                raise ValueError(
                    f"{argument}: {os.fspath(path)!r} data row {number} has the non-numeric value "
                    f"{cell!r}; features must be numbers."
                )
    return np.array(rows, dtype=np.float64)


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
    values = _load_npy(path, argument) if suffix == ".npy" else _numeric_table(path, argument)
    return check_features(values, name=f"{argument} ({os.fspath(path)})")


def load_labels(path, *, argument="labels", n_samples=None):
    """Read one label per sample from ``.npy`` (1-D) or ``.csv``/``.txt`` (one per line).

    Numeric labels are returned as numbers; any other text as strings.
    ``n_samples``, when given, is the number of labels required.
    """
    suffix = _suffix(path, LABEL_SUFFIXES, argument)
    if suffix == ".npy":
        labels = _load_npy(path, argument)
        if labels.ndim != 1:
            raise ValueError(
                f"{argument}: {os.fspath(path)!r} holds an array of shape {labels.shape}; labels "
                f"must be 1-D, one per sample."
            )
    else:
        rows = _csv_rows(path, argument)
        if any(len(row) != 1 for row in rows):
            raise ValueError(
                f"{argument}: {os.fspath(path)!r} must hold one label per line with no commas."
            )
        cells = [row[0] for row in rows]
        if cells[0].lower() == "label":
            cells = cells[1:]
        labels = (np.array(cells, dtype=np.float64) if all(_is_number(c) for c in cells)
                  else np.array(cells))
        if labels.dtype.kind == "f" and np.all(labels == np.round(labels)):
            labels = labels.astype(np.int64)
    if labels.dtype.kind == "f" and not np.all(np.isfinite(labels)):
        raise ValueError(f"{argument}: {os.fspath(path)!r} contains NaN or inf labels.")
    if n_samples is not None and labels.shape[0] != n_samples:
        raise ValueError(
            f"{argument}: {os.fspath(path)!r} has {labels.shape[0]} labels but the features have "
            f"{n_samples} samples; give one label per sample, in the same order."
        )
    return labels


def load_labelled_data(path, labels=None, *, argument="--data", labels_argument="--labels"):
    """Read features and their labels for the report.

    Either ``path`` holds the features and ``labels`` a separate label file,
    or ``labels`` is ``None`` and ``path`` is a ``.csv`` with a header whose
    column named ``label`` holds the labels (the other columns are the features).

    Returns
    -------
    X : ndarray of float64, shape (n_samples, n_features)
    y : ndarray, shape (n_samples,)
    """
    if labels is not None:
        X = load_features(path, argument=argument)
        return X, load_labels(labels, argument=labels_argument, n_samples=X.shape[0])
    suffix = _suffix(path, FEATURE_SUFFIXES, argument)
    if suffix != ".csv":
        raise ValueError(
            f"{argument}: {os.fspath(path)!r} holds no labels; give them with {labels_argument} "
            f"FILE, or use a .csv with a header and a column named 'label'."
        )
    rows = _csv_rows(path, argument)
    header = [cell.lower() for cell in rows[0]]
    if header.count("label") != 1:
        raise ValueError(
            f"{argument}: {os.fspath(path)!r} needs a header line with exactly one column named "
            f"'label' (found {rows[0][:6]}); or give the labels separately with {labels_argument}."
        )
    column = header.index("label")
    body = rows[1:]
    if any(len(row) != len(header) for row in body):
        raise ValueError(
            f"{argument}: some rows of {os.fspath(path)!r} do not have {len(header)} values like "
            f"the header."
        )
    y = np.array([row[column] for row in body])
    if all(_is_number(value) for value in y):
        y = y.astype(np.float64)
        if np.all(y == np.round(y)):
            y = y.astype(np.int64)
    features = [[cell for k, cell in enumerate(row) if k != column] for row in body]
    for number, row in enumerate(features, start=1):
        for cell in row:
            if not _is_number(cell):
                raise ValueError(
                    f"{argument}: {os.fspath(path)!r} data row {number} has the non-numeric "
                    f"feature {cell!r}; every column other than 'label' must be numbers."
                )
    X = check_features(np.array(features, dtype=np.float64), name=f"{argument} ({os.fspath(path)})")
    return X, y


def _edge_list(path, argument, n_samples):
    table = _numeric_table(path, argument)
    if table.shape[1] not in (2, 3):
        raise ValueError(
            f"{argument}: {os.fspath(path)!r} has {table.shape[1]} columns; a CSV graph is an edge "
            f"list with columns i,j or i,j,weight (0-based sample indices)."
        )
    rows, cols = table[:, 0], table[:, 1]
    if np.any(rows != np.round(rows)) or np.any(cols != np.round(cols)) or min(rows.min(), cols.min()) < 0:
        raise ValueError(
            f"{argument}: the first two columns of {os.fspath(path)!r} must be non-negative integer "
            f"sample indices (0-based)."
        )
    rows, cols = rows.astype(np.int64), cols.astype(np.int64)
    weights = table[:, 2] if table.shape[1] == 3 else np.ones(rows.size)
    largest = int(max(rows.max(), cols.max()))
    if n_samples is None:
        n_samples = largest + 1
    elif largest >= n_samples:
        raise ValueError(
            f"{argument}: {os.fspath(path)!r} names sample {largest} but there are only {n_samples} "
            f"samples (indices 0..{n_samples - 1})."
        )
    A = sp.coo_matrix((weights, (rows, cols)), shape=(n_samples, n_samples)).tocsr()
    A.sum_duplicates()
    if (A != A.T).nnz == 0:
        return A  # both directions listed with equal weights
    if A.multiply(A.T).nnz == 0:
        return A + A.T  # each undirected edge listed once
    raise ValueError(
        f"{argument}: {os.fspath(path)!r} lists some edges in both directions and others in one, "
        f"or both directions with different weights; list every edge once, or every edge both "
        f"ways with equal weights."
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
        try:
            G = sp.load_npz(path)
        except (ValueError, OSError, KeyError) as error:
            raise ValueError(
                f"{argument}: cannot read {os.fspath(path)!r} as a scipy.sparse .npz ({error}); "
                f"write it with scipy.sparse.save_npz."
            ) from None
    elif suffix == ".mtx":
        try:
            G = scipy.io.mmread(path)
        except (ValueError, OSError, IndexError) as error:
            raise ValueError(
                f"{argument}: cannot read {os.fspath(path)!r} as Matrix Market ({error}); "
                f"write it with scipy.io.mmwrite."
            ) from None
    elif suffix == ".npy":
        G = _load_npy(path, argument)
    else:
        G = _edge_list(path, argument, n_samples)
    G = check_graph(G, name=name)
    if n_samples is not None and G.shape[0] != n_samples:
        raise ValueError(
            f"{argument}: {os.fspath(path)!r} relates {G.shape[0]} samples but X has {n_samples} "
            f"rows; the graph and the features must describe the same samples."
        )
    return G

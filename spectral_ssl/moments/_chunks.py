"""Row access to ``X`` and the plans of the chunked passes (which rows each chunk reads).

``X`` is an in-memory array, a ``numpy.memmap`` or the path of a ``.npy`` file
(:class:`Source`); a chunk is a run of rows (:func:`row_bounds`), a row block of ``G``
with the rows of ``X`` its nonzeros point to (:func:`graph_plan`), or a run of whole
groups (:func:`spectral_ssl.forms.group_plan`). The bottom of :mod:`spectral_ssl.moments`:
it imports no other module of the package.
"""

import os

import numpy as np
import scipy.sparse as sp

from .._readers import starts_as_npy
from .._relations import LabelRelation
from .._validation import check_graph, check_integer, refuse_masked
from ..forms import check_groups, clique_groups, member_codes, refuse_non_finite

#: Target size of one chunk of rows, in bytes of float64 data (the chunk is
#: ``max(1024, CHUNK_BYTES // (8 D))`` rows when ``chunk_size`` is not given).
CHUNK_BYTES = 64 * 2**20


# --------------------------------------------------------------------------- input sources


def is_dask(X):
    """Whether ``X`` is a dask collection (without importing dask)."""
    return type(X).__module__.split(".")[0] == "dask"


class Source:
    """Row access to X: an ndarray, a memmap, or a .npy path opened per read."""

    def __init__(self, X, name="X"):
        self.path = None
        if isinstance(X, (str, os.PathLike)):
            self.path = os.fspath(X)
            if not os.path.exists(self.path):
                raise ValueError(f"{name}: no such file {self.path!r}; pass an array or the path of a .npy file.")
            try:
                array = np.load(self.path, mmap_mode="r", allow_pickle=False)
            except (ValueError, OSError) as error:  # a text file, a pickle, a folder, a bad header
                reason = error if starts_as_npy(self.path) else "it does not start as a .npy file does"
                raise ValueError(f"{name}: {self.path!r} is not a readable .npy file ({reason}); pass an "
                                 f"array or the path of a .npy file (np.save).") from None
            if not isinstance(array, np.ndarray):  # an .npz archive
                raise ValueError(f"{name}: {self.path!r} is not a .npy file; pass an array or the path "
                                 f"of a .npy file (np.save).")
            self.kind = "npy"
        elif isinstance(X, np.memmap):
            array = X
            self.kind = "memmap"
        elif sp.issparse(X):
            raise TypeError(f"{name} is a sparse matrix; pass a dense array, a .npy path or a dask array.")
        else:
            refuse_masked(X, name)  # np.asarray would drop the mask and use the hidden values
            array = np.asarray(X)
            self.kind = "array"
        if array.dtype == object or np.iscomplexobj(array) or not (
            np.issubdtype(array.dtype, np.number) or array.dtype == bool
        ):
            raise TypeError(f"{name} must be a real numeric array, got dtype {array.dtype}.")
        if array.ndim != 2:
            raise ValueError(f"{name} must be 2-D (n_samples, n_features), got shape {array.shape}.")
        if array.shape[0] < 2 or array.shape[1] < 1:
            raise ValueError(f"{name} needs at least 2 samples and 1 feature, got shape {array.shape}.")
        self.shape = array.shape
        self.name = name
        self._array = None if self.path else array
        del array

    def rows(self, index, check=True):
        """Rows ``index`` (a slice or integer array) as a new float64 array, checked finite unless ``check=False``.

        With ``check=False`` the caller checks finiteness on what it computes
        from the rows (a NaN or inf propagates into every product).
        """
        if self.path is None:
            out = self._array[index]
            # a slice is a view (copy it: the caller owns the result); fancy indexing already copied
            out = np.array(out, dtype=np.float64) if isinstance(index, slice) else out.astype(np.float64, copy=False)
        else:
            # A fresh map per read: the pages it touched are released with it.
            mapped = np.load(self.path, mmap_mode="r")
            out = np.array(mapped[index], dtype=np.float64)
            del mapped
        if check and not np.all(np.isfinite(out)):
            refuse_non_finite(self.name)
        return out

    @property
    def reads_in_place(self):
        """Whether :meth:`read` returns views (an in-memory float64 array) rather than copies."""
        return self.path is None and self._array.dtype == np.float64

    def read(self, index):
        """Rows ``index`` (a slice) for reading only: a view of an in-memory float64 array, else a copy."""
        if self.reads_in_place:
            return self._array[index]
        return self.rows(index, check=False)


def default_chunk(n_features, chunk_size):
    if chunk_size is None:
        return max(1024, CHUNK_BYTES // (8 * n_features))
    return check_integer(chunk_size, name="chunk_size", low=1, what="rows per chunk")


def group_rows(source, rows, common):
    """The rows of a group chunk: ``m`` views when, for groups of one common size ``m``, they
    are ``m`` runs of consecutive rows of an in-memory float64 array (view-major order, the
    usual layout of augmentation views); else a copy."""
    m = int(common)
    if m >= 2 and source.reads_in_place and rows.size % m == 0:
        runs = rows.reshape(m, -1)
        length = runs.shape[1]
        if length and np.all(runs[:, -1] - runs[:, 0] == length - 1) and np.all(np.diff(runs, axis=1) == 1):
            return tuple(source.read(slice(int(a), int(a) + length)) for a in runs[:, 0])
    return source.rows(rows, check=False)


# --------------------------------------------------------------------------- chunk plans


def row_bounds(n, chunk):
    return [(a, min(n, a + chunk)) for a in range(0, n, chunk)]


def graph_plan(G, bounds):
    """Row blocks of G: (a, b, gathered columns, local CSR with columns remapped to them)."""
    for a, b in bounds:
        block = G[a:b]
        cols = np.unique(block.indices)
        local = sp.csr_matrix((block.data, np.searchsorted(cols, block.indices), block.indptr),
                              shape=(b - a, cols.size))
        yield a, b, cols, local


def check_relation_graph(G, n, checked=False):
    if not checked:
        G = check_graph(G)
    if G.shape[0] != n:
        raise ValueError(
            f"X has {n} rows but the graph G has {G.shape[0]} samples; they must describe "
            f"the same samples in the same order."
        )
    return G




def relation_plan(G, groups, n, checked=False):
    r"""``(G, codes, sizes, weight)``: the relation as a graph to gather, or as groups.

    A ``G`` that is a union of cliques of one weight (:func:`spectral_ssl.forms.clique_groups`,
    exact, :math:`O(N + \mathrm{nnz})`) is reduced through its groups, as
    :func:`spectral_ssl.forms.feature_reductions` does: :math:`X^\top L X` then comes from
    within-group contrasts, whereas :math:`X^\top D_G X - X^\top G X` cancels when the
    edges are short (views 1e-8 apart at invariance 1e14: a loss of 0.130 reported for
    0.045 at its ``W``, against the optimum 0.0404). The group forms are for weight 1:
    multiply them by ``weight`` (``FeatureReductions.scale_relation``).
    """
    if isinstance(G, LabelRelation):
        if G.shape[0] != n:
            raise ValueError(f"G must be (n_samples, n_samples) = ({n}, {n}), got {G.shape}.")
        return None, G.codes, G.sizes, G.weight
    if G is not None:
        G = check_relation_graph(G, n, checked)
        members = clique_groups(G)
        if members is None:
            return G, None, None, 1.0
        return (None, *member_codes(members), members.weight)
    if groups is not None:
        return (None, *check_groups(groups, n), 1.0)
    return None, None, None, 1.0

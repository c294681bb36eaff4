r"""Feature-space reductions for the linear regime at very large :math:`N`.

In the linear regime :math:`Z = XW + \mathbf 1 b^\top` every closed form of the
toolkit sees the :math:`N` samples only through a few :math:`D\times D`
matrices (THEORY.md, section 3):

* :math:`X^\top\mathbf 1` (column sums) and :math:`X^\top X`;
* :math:`X^\top H X = X^\top X - (X^\top\mathbf 1)(X^\top\mathbf 1)^\top/N`
  (the scatter; :math:`\operatorname{Cov} = X^\top H X/N`);
* :math:`X^\top D_G X = \sum_i d_i x_i x_i^\top`, :math:`X^\top G X`, and
  :math:`X^\top L X = X^\top D_G X - X^\top G X`;
* :math:`X^\top d` and :math:`\operatorname{vol} = \mathbf 1^\top d`.

:func:`reductions` computes them in one pass over row chunks, in
:math:`O(\mathrm{nnz}(G)D + ND^2)` time and :math:`O(\text{chunk}\cdot D + D^2)`
memory besides ``G``, from an in-memory array, a ``numpy.memmap``, the path of
a ``.npy`` file (read chunk by chunk through ``np.load(mmap_mode="r")``), or a
dask array (blockwise, on whatever dask scheduler is active).

**Row chunks of G.** For rows :math:`a{:}b`, :math:`(GX)_{a:b} = G_{a:b,\,J}X_J`
where :math:`J` is the set of columns holding a nonzero of :math:`G_{a:b}`
(at most :math:`\mathrm{nnz}(G_{a:b})` rows of :math:`X` are gathered), so
:math:`X^\top G X = \sum_{\text{chunks}} X_{a:b}^\top (GX)_{a:b}`.

**Groups without G.** For augmentation views (``G_ij = 1[g_i = g_j], i != j``,
as :func:`spectral_ssl.graphs.from_groups`) with groups :math:`g` of sizes
:math:`m_g`, sums :math:`s_g = \sum_{i\in g}x_i` and second moments
:math:`S_g = \sum_{i\in g}x_i x_i^\top`: every member of :math:`g` has degree
:math:`m_g - 1`, and the pairs :math:`i\ne j` inside :math:`g` give
:math:`\sum_{i\ne j\in g}x_i x_j^\top = s_g s_g^\top - S_g`. Hence

.. math::

    X^\top D_G X = \sum_g (m_g - 1) S_g, \qquad
    X^\top G X = \sum_g (s_g s_g^\top - S_g), \qquad
    X^\top L X = \sum_g \big(m_g S_g - s_g s_g^\top\big),

and :math:`m_g S_g - s_g s_g^\top = m_g\sum_{i\in g}(x_i-\bar x_g)(x_i-\bar x_g)^\top`:
the within-group scatter weighted by the group size (zero for a singleton).
A chunk holds whole groups (consecutive labels after a stable sort), and
:math:`G` (:math:`\sum_g m_g(m_g-1)` nonzeros) is never formed. When every
group has the same size :math:`m` (augmentation views), each group is split
into its sum and :math:`m - 1` orthonormal contrasts, whose two BLAS ``syrk``
products together cost one :math:`X^\top X` (two views: :math:`x_1 + x_2` and
:math:`x_1 - x_2`); see :func:`_group_stats`.

**Round-off.** Every chunk is shifted by :math:`c`, the mean of the first chunk,
before its products are accumulated, and the results are shifted back
exactly (:math:`X = X_s + \mathbf 1 c^\top`; for :math:`M \in \{D_G, G\}`,
:math:`M\mathbf 1 = d`, so
:math:`X^\top M X = X_s^\top M X_s + u c^\top + c u^\top + \operatorname{vol}\,cc^\top`
with :math:`u = X_s^\top d`). :math:`X^\top L X` and :math:`X^\top H X` do not
depend on the shift, and computing them from shifted data avoids the
cancellation of :math:`X^\top X - N\bar x\bar x^\top` when the mean is large.

:func:`vicreg_linear` solves the linear VICReg closed form from these
reductions (the same generalized eigenproblem and reduced solver as
:func:`spectral_ssl.methods.vicreg.optimal_linear`, with the same sign rule),
so it scales to :math:`N = 10^7` samples read from disk.
"""

import numbers
import os
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from . import linalg
from ._threads import single_threaded_blas
from ._validation import check_graph

#: Target size of one chunk of rows, in bytes of float64 data (the chunk is
#: ``max(1024, CHUNK_BYTES // (8 D))`` rows when ``chunk_size`` is not given).
CHUNK_BYTES = 64 * 2**20

#: Entries within this relative distance of a column's largest ``|z|`` count as tied
#: for the sign rule (the same rule as :func:`spectral_ssl.linalg.sign_flip`).
SIGN_TIE_RTOL = linalg.SIGN_TIE_RTOL


# --------------------------------------------------------------------------- results


@dataclass(kw_only=True, repr=False)
class FeatureReductions:
    r"""The :math:`D\times D` summaries of :math:`(X, G)` the linear regime needs.

    Attributes
    ----------
    n_samples : int
        :math:`N`.
    sums : ndarray, shape (D,)
        :math:`X^\top\mathbf 1`.
    gram : ndarray, shape (D, D)
        :math:`X^\top X`.
    scatter : ndarray, shape (D, D)
        :math:`X^\top H X` (``scatter / N`` is the 1/N covariance).
    laplacian_form, degree_form, adjacency_form : ndarray, shape (D, D), or None
        :math:`X^\top L X`, :math:`X^\top D_G X`, :math:`X^\top G X`
        (``None`` when no relation was given).
    degree_sums : ndarray, shape (D,), or None
        :math:`X^\top d`.
    weighted_scatter : ndarray, shape (D, D), or None
        :math:`(X - \mathbf 1 m^\top)^\top D_G (X - \mathbf 1 m^\top)
        = X^\top D_G X - \operatorname{vol}\, m m^\top` with
        :math:`m = X^\top d/\operatorname{vol}` (the :math:`D_G`-weighted mean), formed
        from the shifted statistics (no cancellation of a large mean).
    volume : float or None
        :math:`\operatorname{vol} = \sum_i d_i`.
    details : dict
        How they were computed (``source``, ``relation``, ``chunk_size``, ``n_chunks``).
    """

    n_samples: int
    sums: np.ndarray
    gram: np.ndarray
    scatter: np.ndarray
    laplacian_form: np.ndarray = None
    degree_form: np.ndarray = None
    adjacency_form: np.ndarray = None
    degree_sums: np.ndarray = None
    volume: float = None
    weighted_scatter: np.ndarray = None
    details: dict = field(default_factory=dict)

    @property
    def n_features(self):
        return self.sums.size

    @property
    def mean(self):
        r""":math:`\bar x = X^\top\mathbf 1/N`."""
        return self.sums / self.n_samples

    @property
    def covariance(self):
        r""":math:`\operatorname{Cov}(X) = X^\top H X/N` (the 1/N convention of the theory)."""
        return self.scatter / self.n_samples

    def __repr__(self):
        relation = self.details.get("relation")
        return (f"FeatureReductions(n_samples={self.n_samples}, n_features={self.n_features}, "
                f"relation={relation!r})")


@dataclass(kw_only=True, repr=False)
class LinearSolution:
    r"""A linear optimum :math:`Z = XW + \mathbf 1 b^\top` computed from reductions (``Z`` is not stored).

    Attributes
    ----------
    W : ndarray, shape (D, K)
    bias : ndarray, shape (K,)
    loss : float
        The exact graph-form loss at :math:`W, b`, evaluated from the reductions
        (the same value :func:`spectral_ssl.losses.vicreg` gives on
        :math:`Z = XW + \mathbf 1 b^\top`, up to round-off).
    rank, eigenvalues, scales, exact, method, equivalent, hyperparameters, details :
        As in :class:`spectral_ssl.methods._result.LinearRepresentation`.
    n_samples : int
    """

    W: np.ndarray
    bias: np.ndarray
    loss: float
    rank: int
    eigenvalues: np.ndarray
    scales: np.ndarray
    exact: bool
    method: str
    equivalent: str
    n_samples: int
    regime: str = "linear"
    hyperparameters: dict = field(default_factory=dict)
    details: dict = field(default_factory=dict)

    @property
    def n_components(self):
        return self.W.shape[1]

    def transform(self, X):
        r"""Map samples: :math:`X W + b` (an in-memory array)."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.W.shape[0]:
            raise ValueError(
                f"X must have shape (n_samples, {self.W.shape[0]}), got {X.shape}; pass samples "
                f"with the features the solution was fitted on."
            )
        return X @ self.W + self.bias

    def __repr__(self):
        return (f"LinearSolution(method={self.method!r}, n_samples={self.n_samples}, "
                f"n_components={self.n_components}, loss={self.loss:.6g}, rank={self.rank}, "
                f"exact={self.exact})")


# --------------------------------------------------------------------------- input sources


def _is_dask(X):
    return type(X).__module__.split(".")[0] == "dask"


class _Source:
    """Row access to X: an ndarray, a memmap, or a .npy path opened per read."""

    def __init__(self, X, name="X"):
        self.path = None
        if isinstance(X, (str, os.PathLike)):
            self.path = os.fspath(X)
            if not os.path.exists(self.path):
                raise ValueError(f"{name}: no such file {self.path!r}; pass an array or the path of a .npy file.")
            array = np.load(self.path, mmap_mode="r")
            self.kind = "npy"
        elif isinstance(X, np.memmap):
            array = X
            self.kind = "memmap"
        elif sp.issparse(X):
            raise TypeError(f"{name} is a sparse matrix; pass a dense array, a .npy path or a dask array.")
        else:
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
            _refuse_non_finite(self.name)
        return out

    def read(self, index):
        """Rows ``index`` (a slice) for reading only: a view of an in-memory float64 array, else a copy."""
        if self.path is None and self._array.dtype == np.float64:
            return self._array[index]
        return self.rows(index, check=False)


def _refuse_non_finite(name="X"):
    raise ValueError(f"{name} contains NaN or inf; remove or impute those entries first.")


def _default_chunk(n_features, chunk_size):
    if chunk_size is None:
        return max(1024, CHUNK_BYTES // (8 * n_features))
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, numbers.Integral) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer (rows per chunk), got {chunk_size!r}.")
    return int(chunk_size)


# --------------------------------------------------------------------------- per-chunk statistics
# A chunk's statistics are a tuple of arrays in shifted coordinates (X_s = X - c):
# (n, X_s^T 1, X_s^T X_s, X_s^T d, vol, X_s^T D_G X_s, X_s^T G X_s, X_s^T L X_s);
# the graph entries are None when no relation is given, and the last one is None
# when it is to be taken as X^T D_G X - X^T G X. Tuples add entry by entry.


def _syrk(A):
    r""":math:`A^\top A` for a C-contiguous float64 ``A`` by BLAS ``dsyrk`` (one triangle: half the flops of a product)."""
    if A.shape[0] == 0:
        return np.zeros((A.shape[1], A.shape[1]))
    # A^T is Fortran-ordered (no copy): syrk(trans=0) gives A^T (A^T)^T = A^T A
    upper = scipy.linalg.blas.dsyrk(1.0, np.ascontiguousarray(A).T, trans=0, lower=0)
    return upper + np.triu(upper, 1).T


def _plain_stats(Xb, shift):
    Xb -= shift  # the chunk is this function's own copy
    return (Xb.shape[0], Xb.sum(axis=0), _syrk(Xb), None, None, None, None, None)


def _graph_stats(Xb, Xcols, local, shift):
    """Rows a:b of X with G's row block ``local`` (columns remapped to the gathered ``Xcols``)."""
    Xb -= shift
    Xcols -= shift
    d = np.asarray(local.sum(axis=1)).ravel()
    GXs = local @ Xcols
    with single_threaded_blas():  # (D x n)(n x D) gemms: see _whole_graph_stats
        weighted_sums = Xb.T @ d
        adjacency = Xb.T @ GXs
    return (Xb.shape[0], Xb.sum(axis=0), _syrk(Xb), weighted_sums, float(d.sum()),
            _syrk(np.sqrt(d)[:, None] * Xb), adjacency, None)


def _whole_graph_stats(Xs, G, shift):
    r"""``_graph_stats`` of all rows at once (``Xs`` is this function's own copy of ``X``).

    :math:`X_s^\top D_G X_s` is the ``syrk`` of :math:`\sqrt d \odot X_s` (half the
    flops of the product with :math:`d \odot X_s`).
    """
    Xs -= shift
    d = np.asarray(G.sum(axis=1)).ravel()
    # G = U + U^T with U its strict upper triangle (zero diagonal): X^T G X = P + P^T,
    # P = X^T (U X), half the sparse work of G X
    UX = sp.triu(G, k=1, format="csr") @ Xs
    with single_threaded_blas():
        # a (D x N)(N x D) gemm: OpenBLAS's threaded gemm of this shape took 0.34 to 3.9 s
        # on a loaded 2-core machine, one thread 0.06 s (syrk is not affected)
        P = Xs.T @ UX
        weighted_sums = Xs.T @ d
    del UX
    adjacency = P + P.T
    degree = _syrk(np.sqrt(d)[:, None] * Xs)
    return (Xs.shape[0], Xs.sum(axis=0), _syrk(Xs), weighted_sums, float(d.sum()), degree,
            adjacency, None)


def _group_rows(source, rows, common):
    """The rows of a group chunk: ``m`` views when, for groups of one common size ``m``, they
    are ``m`` runs of consecutive rows of an in-memory float64 array (view-major order, the
    usual layout of augmentation views); else a copy."""
    m = int(common)
    if m >= 2 and source.path is None and source._array.dtype == np.float64 and rows.size % m == 0:
        runs = rows.reshape(m, -1)
        length = runs.shape[1]
        if length and np.all(runs[:, -1] - runs[:, 0] == length - 1) and np.all(np.diff(runs, axis=1) == 1):
            return tuple(source.read(slice(int(a), int(a) + length)) for a in runs[:, 0])
    return source.rows(rows, check=False)


@np.errstate(invalid="ignore", over="ignore")  # a NaN or inf row is refused below, not warned about
def _group_stats(Xb, local_codes, n_groups, group_sizes, common_size, shift, name="X"):
    r"""Whole groups: row ``i`` of ``Xb`` is in the chunk's group ``local_codes[i]``, of size ``group_sizes[local_codes[i]]``.

    Each group :math:`g` (size :math:`m`, sum :math:`s_g`, shifted rows) splits
    into its mean direction and :math:`m - 1` orthonormal (Helmert) contrasts
    :math:`c_k = (x_1 + \dots + x_k - k\,x_{k+1})/\sqrt{k(k+1)}`, with
    :math:`\sum_k c_k c_k^\top = \sum_{i\in g}(x_i - \bar x_g)(x_i - \bar x_g)^\top = W_g`
    (the within-group scatter). Then :math:`S_g = W_g + s_g s_g^\top/m`, and

    .. math::

        X^\top L X = \sum_g m W_g,\quad X^\top X = \sum_g S_g,\quad
        X^\top D_G X = \sum_g (m - 1) S_g,\quad X^\top G X = \sum_g (s_g s_g^\top - S_g).

    With one ``common_size`` :math:`m` the contrasts and sums of all groups
    are two blocks of :math:`N(m-1)/m` and :math:`N/m` rows, and their two
    ``syrk`` products cost as much as the single :math:`X^\top X`: two views
    (:math:`m = 2`) need :math:`d_g = x_1 - x_2` and :math:`s_g = x_1 + x_2`
    only. Otherwise the deviations from the group means are weighted row by
    row (two products over the :math:`N` rows). :math:`X^\top L X` is returned
    directly (no cancellation of :math:`X^\top D_G X - X^\top G X`). The rows
    are checked finite through the diagonals of the products (a NaN or inf in
    a row reaches them).
    """
    if isinstance(Xb, tuple):
        # m member blocks (read-only views of the caller's array): the j-th member of
        # every group, already in member-major order
        Y = Xb
        rows, D = len(Y) * Y[0].shape[0], Y[0].shape[1]
        common_size = float(len(Y))
    else:
        rows, D = Xb.shape
    if common_size:
        m = int(common_size)
        if not isinstance(Xb, tuple):
            member_major = np.tile(np.arange(n_groups, dtype=local_codes.dtype), m)
            if not np.array_equal(local_codes, member_major):
                order = np.argsort(local_codes, kind="stable").reshape(n_groups, m).T.ravel()
                Xb = Xb[order]
            Y = Xb.reshape(m, n_groups, D)  # Y[j]: the j-th member of every group
        if m == 2:
            contrasts = Y[0] - Y[1]  # the shift cancels
            within = _syrk(contrasts) / 2.0
            sums = Y[0] + Y[1]  # a new array: Y may be views of the caller's X
            sums -= 2.0 * shift
        else:
            # Helmert contrasts member by member, from views or the chunk's own copy alike
            # (Y is never written to): c_k = (p_k - k y_{k+1}) / sqrt(k (k + 1)) with the
            # shifted partial sums p_k = y_1 + ... + y_k
            contrasts = np.empty((m - 1, n_groups, D))
            sums = Y[0] - shift
            for k in range(1, m):
                member = Y[k] - shift
                np.multiply(member, -float(k), out=contrasts[k - 1])
                contrasts[k - 1] += sums
                contrasts[k - 1] /= np.sqrt(k * (k + 1.0))
                sums += member
            within = _syrk(contrasts.reshape(-1, D))
        del contrasts
        between = _syrk(sums)          # sum_g s_g s_g^T
        laplacian = m * within
        gram = within + between / m
        total = sums.sum(axis=0)
        degree_sums = (m - 1.0) * total
        degree = (m - 1.0) * gram
        volume = float(rows * (m - 1.0))
    else:
        Xb -= shift
        if np.any(np.diff(local_codes) < 0):
            order = np.argsort(local_codes, kind="stable")
            Xb, local_codes = Xb[order], local_codes[order]
        # group sums as a product with the sparse (groups x rows) indicator: several times
        # faster than np.add.reduceat over many short runs of rows
        indicator = sp.csr_matrix((np.ones(rows), (local_codes, np.arange(rows))),
                                  shape=(n_groups, rows))
        sums = indicator @ Xb
        sizes = group_sizes.astype(np.float64)
        Xb -= (sums / sizes[:, None])[local_codes]  # deviations from the group means
        row_sizes = np.sqrt(sizes[local_codes])[:, None]
        within = _syrk(Xb)
        laplacian = _syrk(Xb * row_sizes)  # sum_g m_g W_g
        between = _syrk(sums)
        between_mean = _syrk(sums / np.sqrt(sizes)[:, None])  # sum_g s_g s_g^T / m_g
        gram = within + between_mean
        degree_sums = (sizes - 1.0) @ sums
        degree = laplacian - within + between - between_mean
        volume = float(np.sum(sizes * (sizes - 1.0)))
        total = sums.sum(axis=0)
    if not (np.all(np.isfinite(np.diag(within))) and np.all(np.isfinite(np.diag(between)))):
        _refuse_non_finite(name)
    adjacency = between - gram
    return (rows, total, gram, degree_sums, volume, degree, adjacency, laplacian)


def _add(a, b):
    return tuple(None if x is None else x + y for x, y in zip(a, b))


def _finish(stats, shift, details):
    """Undo the shift: the reductions of X from the accumulated shifted statistics."""
    n, s, gram_s, u, vol, deg_s, adj_s, lap_s = stats
    c = shift
    sym = lambda M: (M + M.T) / 2  # noqa: E731
    out = FeatureReductions(
        n_samples=int(n),
        sums=s + n * c,
        gram=sym(gram_s + np.outer(s, c) + np.outer(c, s) + n * np.outer(c, c)),
        scatter=sym(gram_s - np.outer(s, s) / n),
        details=details,
    )
    if u is not None:
        back = np.outer(u, c) + np.outer(c, u) + vol * np.outer(c, c)
        out.laplacian_form = sym(deg_s - adj_s if lap_s is None else lap_s)
        out.degree_form = sym(deg_s + back)
        out.adjacency_form = sym(adj_s + back)
        out.degree_sums = u + vol * c
        out.volume = float(vol)
        out.weighted_scatter = sym(deg_s - np.outer(u, u) / vol) if vol > 0 else sym(deg_s)
    return out


# --------------------------------------------------------------------------- chunk plans


def _check_groups(groups, n):
    groups = np.asarray(groups)
    if groups.ndim != 1 or groups.size != n:
        raise ValueError(
            f"groups must be 1-D with one entry per sample ({n}), got shape {groups.shape}."
        )
    if groups.dtype.kind == "f" and not np.all(np.isfinite(groups)):
        raise ValueError("groups contains NaN or inf; every sample needs a valid group.")
    _, codes = np.unique(groups, return_inverse=True)
    codes = codes.ravel()
    sizes = np.bincount(codes)
    if sizes.max() < 2:
        raise ValueError(
            "groups has no two samples in the same group, so the relation is empty; "
            "each group needs at least 2 members."
        )
    return codes, sizes


def _common_size(sizes):
    """The size shared by every group (a float), or 0.0 when sizes differ."""
    return float(sizes[0]) if np.all(sizes == sizes[0]) else 0.0


def _group_cuts(sizes, chunk):
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


def _group_plan(codes, sizes, chunk, layout="sorted"):
    """Chunks of whole groups: (rows, their chunk-local group codes, number of groups
    in the chunk, size of each of those groups).

    The groups of a chunk are a run of consecutive codes, so the local code is
    the code minus the run's first. ``layout``: ``"sorted"``, rows in increasing
    order (sequential reads; what dask's block lookup needs); ``"stats"``, the
    order :func:`_group_stats` works in, so that it needs no reordering copy:
    member by member when every group has the same size (the first member of
    every group, then the second, ...), else group by group.
    """
    order = np.argsort(codes, kind="stable")
    cuts = _group_cuts(sizes, chunk)
    small = np.int32 if codes.size < 2**31 else np.int64  # halves what a dask graph carries
    common = int(_common_size(sizes))
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


def _row_bounds(n, chunk):
    return [(a, min(n, a + chunk)) for a in range(0, n, chunk)]


def _graph_plan(G, bounds):
    """Row blocks of G: (a, b, gathered columns, local CSR with columns remapped to them)."""
    for a, b in bounds:
        block = G[a:b]
        cols = np.unique(block.indices)
        local = sp.csr_matrix((block.data, np.searchsorted(cols, block.indices), block.indptr),
                              shape=(b - a, cols.size))
        yield a, b, cols, local


def _check_relation_graph(G, n, checked=False):
    if not checked:
        G = check_graph(G)
    if G.shape[0] != n:
        raise ValueError(
            f"X has {n} rows but the graph G has {G.shape[0]} samples; they must describe "
            f"the same samples in the same order."
        )
    return G


# --------------------------------------------------------------------------- public API


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
        for the sort), memory :math:`O(\text{chunk}\cdot D + D^2)` besides ``G``
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
    if _is_dask(X):
        return _dask_reductions(X, G, groups, chunk_size)
    source = _Source(X)
    n, D = source.shape
    chunk = _default_chunk(D, chunk_size)
    shift = np.asarray(source.read(slice(0, min(n, chunk))).mean(axis=0), dtype=np.float64)
    details = {"source": source.kind, "chunk_size": chunk, "relation": None, "n_chunks": 0}
    total = None
    if G is not None:
        G = _check_relation_graph(G, n, graph_checked)
        details["relation"] = "graph"
        if source.kind == "array" and chunk_size is None:
            # X is in memory already: one pass over all rows, no gathered copies (a chunk
            # of a kNN graph in random order points to nearly every row of X); an explicit
            # chunk_size still bounds the memory
            details["n_chunks"] = 1
            return _finish(_whole_graph_stats(source.rows(slice(None)), G, shift), shift, details)
        parts = (_graph_stats(source.rows(slice(a, b)), source.rows(cols), local, shift)
                 for a, b, cols, local in _graph_plan(G, _row_bounds(n, chunk)))
    elif groups is not None:
        codes, sizes = _check_groups(groups, n)
        details["relation"] = "groups"
        common = _common_size(sizes)
        # rows read group by group and checked finite through the products
        parts = (_group_stats(_group_rows(source, rows, common), local, n_local, group_sizes,
                              common, shift, source.name)
                 for rows, local, n_local, group_sizes in _group_plan(codes, sizes, chunk,
                                                                      layout="stats"))
    else:
        parts = (_plain_stats(source.rows(slice(a, b)), shift) for a, b in _row_bounds(n, chunk))
    for part in parts:
        total = part if total is None else _add(total, part)
        details["n_chunks"] += 1
    return _finish(total, shift, details)


# --------------------------------------------------------------------------- dask


def _checked(block):
    # a copy: the statistics work in place, and dask may hand the same block to several tasks
    block = np.array(block, dtype=np.float64)
    if not np.all(np.isfinite(block)):
        raise ValueError("X contains NaN or inf; remove or impute those entries first.")
    return block


def _take(pieces, *blocks):
    """Rows ``pieces[j]`` of ``blocks[j]``, stacked (a copy, checked finite)."""
    taken = [np.asarray(block)[index] for index, block in zip(pieces, blocks)]
    return _checked(np.concatenate(taken) if len(taken) > 1 else taken[0])


def _block_stats(function, pieces, args, *blocks):
    """``function(rows, *args)`` on the rows ``pieces`` of ``blocks`` (one task: no block is copied twice)."""
    return function(_take(pieces, *blocks), *args)


def _graph_block_stats(a, b, local, cols_pieces, shift, *blocks):
    """``_graph_stats`` for rows a:b; ``blocks`` = the block holding a:b first, then those holding the columns."""
    own, others = blocks[0], blocks[1:]
    return _graph_stats(_checked(np.asarray(own)[a:b]), _take(cols_pieces, *others), local, shift)


def _tree_sum(parts, add):
    while len(parts) > 1:
        parts = [add(parts[i], parts[i + 1]) if i + 1 < len(parts) else parts[i]
                 for i in range(0, len(parts), 2)]
    return parts[0]


def _check_dask_features(X):
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


class _Blocks:
    """The row blocks of a dask array as delayed objects, and where each row lives."""

    def __init__(self, X):
        X = _check_dask_features(X)
        self.shape = X.shape
        sizes = [int(c) for c in X.chunks[0]]
        everything = X.to_delayed(optimize_graph=True)[:, 0].tolist()
        self.delayed = [block for block, size in zip(everything, sizes) if size > 0]
        self.edges = np.cumsum([0] + [size for size in sizes if size > 0])

    def bounds(self):
        return [(int(a), int(b)) for a, b in zip(self.edges[:-1], self.edges[1:])]

    def locate(self, rows, small=np.int64):
        """For increasing ``rows``: the blocks holding them and the in-block indices, block by block."""
        which = np.searchsorted(self.edges, rows, side="right") - 1
        cuts = np.flatnonzero(np.diff(which)) + 1
        starts = np.r_[0, cuts]
        blocks = which[starts].tolist()
        pieces = [(rows[i:j] - self.edges[k]).astype(small)
                  for i, j, k in zip(starts, np.r_[cuts, rows.size], blocks)]
        return [self.delayed[k] for k in blocks], pieces


def _dask_reductions(X, G, groups, chunk_size):
    """The same statistics as :func:`reductions`, one dask task per chunk, summed as a tree.

    Each task depends only on the row blocks of ``X`` it reads (no dask
    fancy indexing, which would copy blocks through intermediate tasks), so
    a block is released as soon as the chunks that need it are done.
    """
    import dask

    blocks = _Blocks(X)
    n, D = blocks.shape
    bounds = blocks.bounds()
    first = dask.delayed(_take)([np.arange(bounds[0][1])], blocks.delayed[0])
    shift = np.asarray(dask.compute(dask.delayed(np.mean)(first, axis=0))[0], dtype=np.float64)
    details = {"source": "dask", "relation": None}
    task = dask.delayed(_block_stats)
    if G is not None:
        G = _check_relation_graph(G, n)
        details["relation"] = "graph"
        parts = []
        for k, (a, b, cols, local) in enumerate(_graph_plan(G, bounds)):
            held, pieces = blocks.locate(cols)
            start = int(blocks.edges[k])
            parts.append(dask.delayed(_graph_block_stats)(a - start, b - start, local, pieces, shift,
                                                          blocks.delayed[k], *held))
    elif groups is not None:
        codes, sizes = _check_groups(np.asarray(groups), n)
        details["relation"] = "groups"
        chunk = _default_chunk(D, chunk_size if chunk_size is not None else max(b - a for a, b in bounds))
        details["chunk_size"] = chunk
        common = _common_size(sizes)
        parts = []
        for rows, local, n_local, group_sizes in _group_plan(codes, sizes, chunk):
            held, pieces = blocks.locate(rows, small=local.dtype)
            parts.append(task(_group_stats, pieces, (local, n_local, group_sizes, common, shift), *held))
    else:
        parts = [task(_plain_stats, [slice(None)], (shift,), blocks.delayed[k])
                 for k in range(len(bounds))]
    details["n_chunks"] = len(parts)
    (total,) = dask.compute(_tree_sum(parts, dask.delayed(_add)))
    return _finish(total, shift, details)


def _load_rows(path, a, b):
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

    path = os.fspath(path)
    header = np.load(path, mmap_mode="r")
    n, D = header.shape
    dtype = header.dtype
    del header
    chunk = _default_chunk(D, chunk_size)
    blocks = [da.from_delayed(dask.delayed(_load_rows)(path, a, b), shape=(b - a, D), dtype=np.float64)
              for a, b in _row_bounds(n, chunk)]
    del dtype
    return da.concatenate(blocks, axis=0)


# --------------------------------------------------------------------------- sign rule over chunks


def _sign_candidates(Xb, offset, W, bias):
    """Per column of Z = Xb W + b: the block's max |z| and every entry within the tie tolerance of it."""
    Z = Xb @ W + bias
    magnitude = np.abs(Z)
    top = magnitude.max(axis=0)
    found = []
    for k in range(Z.shape[1]):
        rows = np.flatnonzero(magnitude[:, k] >= (1 - SIGN_TIE_RTOL) * top[k])
        found.append((rows + offset, magnitude[rows, k], np.sign(Z[rows, k])))
    return top, found


def _merge_candidates(a, b):
    top = np.maximum(a[0], b[0])
    found = [tuple(np.concatenate([x, y]) for x, y in zip(fa, fb)) for fa, fb in zip(a[1], b[1])]
    return top, found


def _resolve_signs(candidates):
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
    if _is_dask(X):
        import dask

        blocks = _Blocks(X)
        parts = [dask.delayed(_sign_candidates)(dask.delayed(_checked)(blocks.delayed[k]), a, W, bias)
                 for k, (a, _) in enumerate(blocks.bounds())]
        (merged,) = dask.compute(_tree_sum(parts, dask.delayed(_merge_candidates)))
        return _resolve_signs(merged)
    source = _Source(X)
    chunk = _default_chunk(source.shape[1], chunk_size)
    merged = None
    for a, b in _row_bounds(source.shape[0], chunk):
        part = _sign_candidates(source.read(slice(a, b)), a, W, bias)
        merged = part if merged is None else _merge_candidates(merged, part)
    return _resolve_signs(merged)


# --------------------------------------------------------------------------- VICReg


def vicreg_linear_from_reductions(red, n_components, *, variance=25.0, covariance=1.0,
                                  invariance=25.0, variance_kind="square", eps=1e-4, restarts=8,
                                  random_state=0):
    r"""Linear VICReg optimum from :class:`FeatureReductions` (no pass over the data).

    Exactly the computation of :func:`spectral_ssl.methods.vicreg.optimal_linear`:
    :math:`A = X^\top L X/N`, :math:`B = X^\top H X/N`,
    :math:`(\mu, Q)` = :func:`spectral_ssl.linalg.generalized_eigh` (A, B),
    the reduced solve of ``vicreg`` on :math:`\mu_1..\mu_K`,
    :math:`W = Q_K Y_0`, :math:`b = -\bar x^\top W`. The column signs follow the
    sign rule in the whitened coordinates only; :func:`vicreg_linear` also
    applies the sign rule to :math:`Z` (one more pass over ``X``).

    Parameters
    ----------
    red : FeatureReductions
        With a relation (computed with ``G`` or ``groups``).
    n_components, variance, covariance, invariance, variance_kind, eps, restarts, random_state :
        As in :func:`spectral_ssl.methods.vicreg.optimal_linear`.

    Returns
    -------
    LinearSolution
        ``loss`` evaluated from the reductions (:math:`C = W^\top B W`, invariance
        :math:`2\gamma\operatorname{tr}(W^\top A W)`).
    """
    from .methods import _vicreg_linear, vicreg

    if not isinstance(red, FeatureReductions):
        raise TypeError(f"red must be FeatureReductions (from scale.reductions), got {type(red).__name__}.")
    if red.laplacian_form is None:
        raise ValueError("red has no relation; compute it with reductions(X, G) or reductions(X, groups=...).")
    hyper = vicreg.check_hyperparameters(variance, covariance, invariance, variance_kind, eps, restarts)
    N = red.n_samples
    # The unit-free basis of the public solver (so both give the same W); when the forms
    # cannot resolve every direction, the Jacobi-scaled relative rule (no features here).
    T = _vicreg_linear.whitening(red.scatter, red.gram, N)
    basis = "reductions"
    if T is None:
        T = _vicreg_linear.scaled_whitening(red.scatter, red.gram)
        basis = "reductions (Jacobi-scaled, relative rank 1e-10)"
    A_T = T.T @ red.laplacian_form @ T / N
    B_T = T.T @ red.scatter @ T / N
    mu, Q = _vicreg_linear.solve((A_T + A_T.T) / 2, (B_T + B_T.T) / 2, T, n_components,
                                 what="the rank of the centred features X (directions with variance)")
    Y0, t, exact, details = vicreg.reduced_solution(mu, variance=hyper["variance"],
                                                    covariance=hyper["covariance"],
                                                    invariance=hyper["invariance"],
                                                    variance_kind=variance_kind, eps=hyper["eps"],
                                                    restarts=restarts, random_state=random_state)
    details["basis"] = basis
    W = Q @ Y0
    bias = -red.mean @ W
    A = red.laplacian_form / N
    B = red.scatter / N
    return LinearSolution(
        W=W, bias=bias, loss=_vicreg_linear.loss_from_forms(W, A, B, hyper), rank=vicreg.scale_rank(t),
        eigenvalues=mu, scales=t, exact=exact, method=vicreg.NAME,
        equivalent="Locality Preserving Projections", n_samples=N, hyperparameters=hyper,
        details=details,
    )


def vicreg_linear(X, G, n_components, *, groups=None, chunk_size=None, variance=25.0,
                  covariance=1.0, invariance=25.0, variance_kind="square", eps=1e-4, restarts=8,
                  random_state=0):
    r"""Linear VICReg optimum :math:`Z = XW + \mathbf 1 b^\top` for very large :math:`N`.

    :func:`reductions` (one chunked pass), :func:`vicreg_linear_from_reductions`
    (independent of :math:`N`), then :func:`column_signs` (one more chunked pass)
    so that :math:`W` and :math:`b` equal those of
    :func:`spectral_ssl.methods.vicreg.optimal_linear`, sign rule included.

    Parameters
    ----------
    X : ndarray, numpy.memmap, path of a ``.npy`` file, or dask array; shape (N, D)
    G : relation graph or None
        ``None`` with ``groups`` given.
    n_components : int
    groups : array_like of shape (N,), optional
        The augmentation-view relation, instead of ``G``.
    chunk_size : int, optional
        Rows per chunk, see :func:`reductions`.
    Other parameters as in :func:`spectral_ssl.methods.vicreg.optimal_linear`.

    Returns
    -------
    LinearSolution
        ``details["reductions"]`` holds the :class:`FeatureReductions`.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 3))
    >>> sol = vicreg_linear(X, None, 2, groups=np.tile(np.arange(20), 2), chunk_size=7)
    >>> sol.W.shape, sol.exact
    ((3, 2), True)
    """
    if G is None and groups is None:
        raise ValueError("give the relation: a graph G, or groups=... for augmentation views.")
    red = reductions(X, G, groups=groups, chunk_size=chunk_size)
    solution = vicreg_linear_from_reductions(
        red, n_components, variance=variance, covariance=covariance, invariance=invariance,
        variance_kind=variance_kind, eps=eps, restarts=restarts, random_state=random_state)
    signs = column_signs(X, solution.W, solution.bias, chunk_size=chunk_size)
    solution.W = solution.W * signs
    solution.bias = solution.bias * signs
    solution.details["reductions"] = red
    return solution

r"""One chunk's statistics and their sum: the :math:`D\times D` reductions of :math:`(X, G)`.

The building blocks of every pass over ``X`` (:func:`spectral_ssl.forms.feature_reductions`
in memory, :func:`spectral_ssl.moments.reductions` over chunks, memory maps and dask blocks).
A chunk's statistics are a tuple of arrays in shifted coordinates (:math:`X_s = X - c`):
``(n, X_s^T 1, X_s^T X_s, X_s^T d, vol, X_s^T D_G X_s, X_s^T G X_s, X_s^T L X_s)``;
the graph entries are None when no relation is given, and the last one is None
when it is to be taken as :math:`X^\top D_G X - X^\top G X`. Tuples add entry by entry
(:func:`add_stats`), and :func:`finish` undoes the shift into a
:class:`FeatureReductions`. The formulas are in :mod:`spectral_ssl.forms`.
"""

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from .._threads import (BLOCK_THREADS, SPARSE_PRODUCT_MIN_NNZ, csr_row_blocks, map_blocks, reduce_blocks,
                        single_threaded_blas)


class NonFiniteFeatures(ValueError):
    """NaN or inf found in the products of the features (a ``ValueError``): see :func:`refuse_non_finite`."""


def refuse_non_finite(name="X"):
    """The error of a NaN or inf in the features (found through the diagonals of their products)."""
    raise NonFiniteFeatures(f"{name} contains NaN or inf; remove or impute those entries first.")


def refuse_overflow(X, name="X"):
    """Raise the error of features too large for their products, if every entry of ``X`` is finite.

    Called when the products were not finite (:class:`NonFiniteFeatures`): entries of about
    1e154 and above overflow them although they are finite, and "NaN or inf" would be wrong.
    """
    if np.all(np.isfinite(X)):
        refuse_large(float(np.max(np.abs(X))), name)


def refuse_large(largest, name="X"):
    """The error of :func:`refuse_overflow`, from the largest ``|x|`` of the features (finite)."""
    raise ValueError(
        f"{name} is finite but too large: the products of its columns overflow float64 "
        f"(largest |x| = {float(largest):.3g}); rescale it, e.g. "
        f"{name} / np.abs({name}).max() (a linear optimum's Z does not depend on the units "
        f"of {name}).")


def refuse_non_finite_peaks(peaks, name="X"):
    """When the products of the features were not finite, from each column's largest ``|x|``
    (``peaks``, over every row): "too large, rescale" if they are finite, else "NaN or inf"."""
    if np.all(np.isfinite(peaks)):
        refuse_large(np.max(peaks), name)
    refuse_non_finite(name)


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

    def scale_relation(self, weight):
        """Multiply the forms of the relation by ``weight`` (a union of cliques of weight ``w``:
        its group forms were computed for weight 1), in place; returns ``self``."""
        if weight != 1.0:
            for key in ("laplacian_form", "degree_form", "adjacency_form", "degree_sums",
                        "weighted_scatter"):
                setattr(self, key, getattr(self, key) * weight)
            self.volume *= weight
        return self

    def __repr__(self):
        relation = self.details.get("relation")
        return (f"FeatureReductions(n_samples={self.n_samples}, n_features={self.n_features}, "
                f"relation={relation!r})")


def syrk(A):
    r""":math:`A^\top A` of a float64 ``A``: numpy's product of :math:`A^\top` with :math:`A`.

    numpy hands the product of an array's transpose with itself to BLAS ``syrk`` (one
    triangle: half the flops of a product, then mirrored: exactly symmetric) and releases
    the GIL meanwhile, so that row blocks reduced on threads of their own run at once
    (:func:`spectral_ssl._threads.reduce_blocks`; scipy's ``dsyrk`` wrapper keeps the GIL).
    """
    A = np.ascontiguousarray(A, dtype=np.float64)
    if A.shape[0] == 0:
        return np.zeros((A.shape[1], A.shape[1]))
    return A.T @ A


def plain_stats(Xb, shift):
    Xb -= shift  # the chunk is this function's own copy
    return (Xb.shape[0], Xb.sum(axis=0), syrk(Xb), None, None, None, None, None)


def graph_stats(Xb, Xcols, local, shift):
    """Rows a:b of X with G's row block ``local`` (columns remapped to the gathered ``Xcols``)."""
    Xb -= shift
    Xcols -= shift
    d = np.asarray(local.sum(axis=1)).ravel()
    GXs = local @ Xcols
    with single_threaded_blas():  # (D x n)(n x D) gemms: see whole_graph_stats
        weighted_sums = Xb.T @ d
        adjacency = Xb.T @ GXs
    return (Xb.shape[0], Xb.sum(axis=0), syrk(Xb), weighted_sums, float(d.sum()),
            syrk(np.sqrt(d)[:, None] * Xb), adjacency, None)


def strict_upper(G):
    r"""The strict upper triangle of a CSR ``G`` with sorted indices, as CSR, in :math:`O(N + \mathrm{nnz})`.

    The entries right of the diagonal of each row are a suffix of it (sorted indices), so
    only ``indptr`` and a mask are computed; ``scipy.sparse.triu`` goes through COO
    (about ten times the time on a 10-NN graph of 3e5 nodes).
    """
    n = G.shape[0]
    rows = np.repeat(np.arange(n, dtype=G.indices.dtype), np.diff(G.indptr))
    keep = G.indices > rows
    del rows
    # counts in the type of G's index pointers (int32 below 2**31 entries): half the traffic
    counts = np.concatenate([np.zeros(1, G.indptr.dtype), np.cumsum(keep, dtype=G.indptr.dtype)])
    indptr = counts[G.indptr].astype(G.indptr.dtype, copy=False)
    return sp.csr_matrix((G.data[keep], G.indices[keep], indptr), shape=G.shape)


#: Row blocks of a general graph's pass (sparse product, shifted copy, products), and the
#: number of nonzeros from which more than one is used (below it, starting threads costs
#: more than they save).
SPARSE_THREADS = BLOCK_THREADS
SPARSE_THREADS_MIN_NNZ = SPARSE_PRODUCT_MIN_NNZ

#: Bytes of the runs of rows whose shifted copy is reduced twice while in cache (16384 rows at
#: D = 64).
RUN_BYTES = 8 << 20


def row_pieces(a, b, pieces):
    """``pieces`` runs of rows of about equal length covering ``a:b``, as ``[(start, stop)]``."""
    cuts = np.unique(np.linspace(a, b, max(1, pieces) + 1).astype(np.int64))
    return list(zip(cuts[:-1].tolist(), cuts[1:].tolist()))


@np.errstate(invalid="ignore", over="ignore")  # a NaN or inf row is refused below, not warned about
def whole_graph_stats(X, G, shift, name="X", shifted=False, degrees=None):
    r"""``graph_stats`` of all rows at once, from ``X`` (read only) and its shifted copy.

    ``shifted``: ``X`` already holds :math:`X - \mathbf 1 c^\top` (its copy then subtracts
    nothing).

    Row blocks on threads of their own (:func:`spectral_ssl._threads.reduce_blocks`): (1) in
    cache-sized runs of rows, the shifted copy :math:`X_s = X - \mathbf 1 c^\top`, its
    ``syrk`` (the rows are checked finite through its diagonal) and the ``syrk`` of
    :math:`\sqrt d \odot X_s`, :math:`X_s^\top D_G X_s`, while the run is in cache; (2)
    :math:`Y = U X_s` with :math:`U` the strict upper triangle of ``G``, in blocks of equal
    nonzeros (half the sparse work of :math:`GX`; scipy's CSR times dense matrix is
    single-threaded and releases the GIL), then :math:`P = X_s^\top Y` in pieces of equal
    rows, so that :math:`X_s^\top G X_s = P + P^\top`. ``G`` is a validated CSR graph (sorted
    indices). ``degrees``: the row sums of ``G`` when the caller has them (read only), else
    computed here.
    """
    n, D = X.shape
    d = np.asarray(G.sum(axis=1)).ravel() if degrees is None else degrees
    root_d = np.sqrt(d)
    threads = SPARSE_THREADS if G.nnz >= SPARSE_THREADS_MIN_NNZ else 1
    # at least D rows per thread: each thread keeps D x D sums of its own, which must not
    # outweigh its rows (wide features, such as a kernel's N x N Gram matrix)
    threads = max(1, min(threads, n // max(D, 1)))
    blocks = csr_row_blocks(strict_upper(G), threads)
    run = max(64, RUN_BYTES // (8 * max(D, 1)))
    Xs = np.empty(X.shape)  # C order whatever X's: scipy would copy a Fortran-ordered Xs per block
    if shifted:
        shift = np.zeros(D)  # the returned statistics are those of the shifted X given

    def shifted_forms(piece):
        a, b = piece
        gram, degree, total, weighted_sums = np.zeros((D, D)), np.zeros((D, D)), np.zeros(D), np.zeros(D)
        scaled = np.empty((min(run, b - a), D))
        for lo in range(a, b, run):
            hi = min(b, lo + run)
            rows = np.subtract(X[lo:hi], shift, out=Xs[lo:hi])
            gram += syrk(rows)
            total += rows.sum(axis=0)
            weighted_sums += rows.T @ d[lo:hi]
            degree += syrk(np.multiply(rows, root_d[lo:hi, None], out=scaled[:hi - lo]))
        return gram, degree, total, weighted_sums

    def half_product(piece):
        a, b, Y = piece
        return Xs[a:b].T @ Y

    # on several threads, every product on one BLAS thread per block (map_blocks): OpenBLAS's
    # threaded gemm of the (D x n)(n x D) shape took 0.34 to 3.9 s on a loaded 2-core machine,
    # one thread 0.06 s
    gram, degree, total, weighted_sums = reduce_blocks(shifted_forms, row_pieces(0, n, threads), threads,
                                                       add_stats)
    if not np.all(np.isfinite(np.diag(gram))):
        refuse_non_finite(name)
    # _threads.sparse_product without its concatenation: the row blocks of U X_s are read in place
    products = map_blocks(lambda block: block[2] @ Xs, blocks, threads)
    # the blocks of U have equal nonzeros but not equal rows: X_s^T Y in pieces of about
    # N / (2 threads) rows, which the threads share out as they finish
    pieces = [(a + lo, a + hi, Y[lo:hi]) for (a, b, _), Y in zip(blocks, products)
              for lo, hi in row_pieces(0, b - a, -(-2 * threads * (b - a) // n))]
    P = reduce_blocks(half_product, pieces, threads)
    return (n, total, gram, weighted_sums, float(d.sum()), degree, P + P.T, None)


def _buffers(work, count, shape):
    """``count`` float64 arrays of ``shape``: reused from ``work`` (a dict kept by the caller
    across blocks) or new. Why: a fresh block-sized array is new memory pages on every block
    (page faults and zeroing by the kernel), about as costly as the arithmetic on it."""
    if work is None:
        return [np.empty(shape) for _ in range(count)]
    key = (count, shape)
    if key not in work:
        work[key] = [np.empty(shape) for _ in range(count)]
    return work[key]


@np.errstate(invalid="ignore", over="ignore")  # a NaN or inf row is refused below, not warned about
def group_stats(Xb, local_codes, n_groups, group_sizes, common_size, shift, name="X", work=None,
                own_shifted=False):
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
    a row reaches them). ``work``: a dict the caller keeps across blocks, whose
    arrays are reused as the block's contrasts and sums (one common size). ``own_shifted``:
    the member blocks of the tuple ``Xb`` are the caller's own copies, already shifted, which
    this function may overwrite (one pass over the rows fewer per member).
    """
    if isinstance(Xb, tuple):
        # m member blocks (views of the caller's array, read only, or with own_shifted the
        # caller's shifted copies): the j-th member of every group, in member-major order
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
            if own_shifted:  # the first member, the caller's shifted copy, becomes the sums
                contrasts, sums = _buffers(work, 1, Y[0].shape)[0], Y[0]
            else:
                contrasts, sums = _buffers(work, 2, Y[0].shape)
            np.subtract(Y[0], Y[1], out=contrasts)  # the shift cancels
            within = syrk(contrasts) / 2.0
            if own_shifted:
                sums += Y[1]
            else:
                # Y may be views of the caller's X (not written to). 2 (y_1 - c) - (y_1 - y_2):
                # every term is small where X's mean is large against its spread (y_1 + y_2 - 2c
                # lost those digits to the sum y_1 + y_2: 2.8e-7 of the scatter at mean 1e8,
                # spread 1e-3, against 1e-17 through the other paths)
                np.subtract(Y[0], shift, out=sums)
                sums *= 2.0
                sums -= contrasts
        elif own_shifted:
            # the Helmert contrasts below, on the caller's shifted copies: the partial sums
            # accumulate in place in the first member
            sums, contrasts = Y[0], _buffers(work, 1, Y[0].shape)[0]
            within = np.zeros((D, D))
            for k in range(1, m):
                np.multiply(Y[k], float(k), out=contrasts)
                np.subtract(sums, contrasts, out=contrasts)
                within += syrk(contrasts) / (k * (k + 1.0))
                sums += Y[k]
        else:
            # Helmert contrasts member by member, from views or the chunk's own copy alike
            # (Y is never written to): c_k = (p_k - k y_{k+1}) / sqrt(k (k + 1)) with the
            # shifted partial sums p_k = y_1 + ... + y_k; the factor 1 / (k (k + 1)) is applied
            # to each contrast's syrk (one pass over the rows fewer per member)
            sums, member, contrasts = _buffers(work, 3, Y[0].shape)
            np.subtract(Y[0], shift, out=sums)
            within = np.zeros((D, D))
            for k in range(1, m):
                np.subtract(Y[k], shift, out=member)
                np.multiply(member, float(k), out=contrasts)
                np.subtract(sums, contrasts, out=contrasts)
                within += syrk(contrasts) / (k * (k + 1.0))
                sums += member
        del contrasts
        between = syrk(sums)          # sum_g s_g s_g^T
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
        within = syrk(Xb)
        laplacian = syrk(Xb * row_sizes)  # sum_g m_g W_g
        between = syrk(sums)
        between_mean = syrk(sums / np.sqrt(sizes)[:, None])  # sum_g s_g s_g^T / m_g
        gram = within + between_mean
        degree_sums = (sizes - 1.0) @ sums
        degree = laplacian - within + between - between_mean
        volume = float(np.sum(sizes * (sizes - 1.0)))
        total = sums.sum(axis=0)
    if not (np.all(np.isfinite(np.diag(within))) and np.all(np.isfinite(np.diag(between)))):
        refuse_non_finite(name)
    adjacency = between - gram
    return (rows, total, gram, degree_sums, volume, degree, adjacency, laplacian)


def add_stats(a, b):
    return tuple(None if x is None else x + y for x, y in zip(a, b))


def finish(stats, shift, details):
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



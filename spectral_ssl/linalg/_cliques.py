r"""Laplacian eigenpairs of the label relation (a union of cliques) in closed form.

For :math:`G = w\sum_c(\mathbf 1_c\mathbf 1_c^\top - I_c)` (classes of sizes :math:`n_c`,
:func:`spectral_ssl.graphs.from_labels`), every sample of class :math:`c` has degree
:math:`w(n_c - 1)` and on the coordinates of class :math:`c`

.. math::

    L = D_G - G = w\,(n_c I - \mathbf 1\mathbf 1^\top), \qquad
    L_{sym} = I - D_G^{-1/2} G D_G^{-1/2} = \frac{n_c}{n_c - 1} I - \frac{\mathbf 1\mathbf 1^\top}{n_c - 1}.

So the spectrum is known without an eigensolver: eigenvalue 0 on the class indicators
(the null space: :func:`indicator_null_space`, :func:`normalized_indicator_null_space`),
and on the :math:`n_c - 1` vectors of class :math:`c` that sum to zero, eigenvalue
:math:`w\,n_c` (:math:`L`) or :math:`n_c/(n_c - 1)` (:math:`L_{sym}`). A singleton class is
an isolated sample: eigenvalue 0 of :math:`L` (its indicator), :math:`L_{sym}` undefined.
"""

import numpy as np

from .._validation import check_flag, check_n_components, check_option
from ._basis import sign_flip
from ._components import indicator_null_space, normalized_indicator_null_space


def helmert_contrasts(members, count):
    r"""The first ``count`` Helmert contrasts of the samples ``members`` (columns, length N later).

    Column :math:`j = 1..m-1`: :math:`1/\sqrt{j(j+1)}` on the first :math:`j` members and
    :math:`-j/\sqrt{j(j+1)}` on member :math:`j + 1`: orthonormal, each summing to zero.
    Returned as ``(rows, columns, values)`` of the nonzero entries.
    """
    rows, cols, vals = [], [], []
    for j in range(1, count + 1):
        scale = 1.0 / np.sqrt(j * (j + 1.0))
        rows.append(members[:j + 1])
        cols.append(np.full(j + 1, j - 1))
        vals.append(np.concatenate((np.full(j, scale), [-j * scale])))
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)


def label_laplacian_eigenpairs(relation, n_components, *, kind="combinatorial", deflate=True):
    r"""The ``n_components`` smallest non-trivial Laplacian eigenpairs of a label relation, closed form.

    The pairs :func:`spectral_ssl.linalg.laplacian_eigenpairs` computes for
    ``relation.to_sparse()``, in :math:`O(NK)` time and memory, for a
    :class:`spectral_ssl.graphs.LabelRelation`:

    * ``kind="combinatorial"`` (constant deflated): :math:`c - 1` zeros (the canonical
      basis of the class indicators minus the constant, as
      :func:`spectral_ssl.linalg.laplacian_eigenpairs` returns them), then :math:`w\,n_c`
      for the classes of two samples or more by increasing size;
    * ``kind="normalized"``: :math:`c` zeros (:math:`c - 1` with ``deflate``, which removes
      :math:`D_G^{1/2}\mathbf 1`), then :math:`n_c/(n_c - 1)`, classes by decreasing size.

    Each non-zero eigenvalue has multiplicity :math:`n_c - 1` (classes of one size share
    it): any orthonormal basis of that eigenspace is equally valid, and the one returned
    is the Helmert contrasts of the class members (by increasing index; classes of equal
    eigenvalue in the order of their first sample), sign rule applied. When
    ``n_components`` cuts such a cluster, the span depends on that choice but no
    quantity of the methods does (their optima depend on the eigenvalues only).

    Parameters
    ----------
    relation : LabelRelation
    n_components : int, 1 <= K <= N - 1 (N without deflation)
    kind : {"combinatorial", "normalized"}
    deflate : bool
        ``False`` for ``kind="normalized"`` only, as in :func:`laplacian_eigenpairs`.

    Returns
    -------
    values : ndarray, shape (K,), ascending
    vectors : ndarray, shape (N, K), orthonormal

    Examples
    --------
    >>> from spectral_ssl import graphs
    >>> values, _ = label_laplacian_eigenpairs(graphs.from_labels([0, 0, 1, 1, 1], implicit=True), 3)
    >>> values.tolist()
    [0.0, 2.0, 3.0]
    """
    check_option(kind, name="kind", options=("combinatorial", "normalized"))
    check_flag(deflate, "deflate")
    if not deflate and kind != "normalized":
        raise ValueError("deflate=False is only defined for kind='normalized' (the combinatorial "
                         "Laplacian's trivial eigenvector, the constant, is always deflated).")
    codes, sizes, w = relation.codes, relation.sizes, relation.weight
    N, C = codes.size, sizes.size
    K = check_n_components(
        n_components, N - bool(deflate),
        what="the number of non-trivial eigenvectors (N - 1)" if deflate else "the number of samples N")
    if kind == "normalized" and np.any(sizes < 2):
        raise ValueError(
            f"the normalized Laplacian needs every degree > 0, but labels has {int(np.sum(sizes < 2))} "
            f"class(es) of a single sample (isolated samples); drop those samples or merge their classes.")
    null = C - bool(deflate)
    n_zero = min(K, null)
    vectors = np.zeros((N, K))
    if n_zero:
        if kind == "combinatorial":
            vectors[:, :n_zero] = indicator_null_space(codes, C, n_zero)[1]
        else:
            d = w * (sizes[codes] - 1).astype(np.float64)
            vectors[:, :n_zero] = normalized_indicator_null_space(codes, C, d, n_zero,
                                                                  deflate=bool(deflate))[1]
    values = np.zeros(K)
    rest = K - n_zero
    if rest:
        first = np.full(C, N, dtype=np.int64)
        np.minimum.at(first, codes, np.arange(N))
        eligible = np.flatnonzero(sizes >= 2)
        m = sizes[eligible].astype(np.float64)
        eig = w * m if kind == "combinatorial" else m / (m - 1.0)
        order = eligible[np.lexsort((first[eligible], eig))]
        members = np.argsort(codes, kind="stable")
        starts = np.concatenate(([0], np.cumsum(sizes)))
        column = n_zero
        for c in order:
            if column == K:
                break
            take = min(int(sizes[c]) - 1, K - column)
            rows, cols, vals = helmert_contrasts(members[starts[c]:starts[c + 1]], take)
            vectors[rows, column + cols] = vals
            mc = float(sizes[c])
            values[column:column + take] = w * mc if kind == "combinatorial" else mc / (mc - 1.0)
            column += take
        vectors[:, n_zero:] = sign_flip(vectors[:, n_zero:])
    return values, vectors

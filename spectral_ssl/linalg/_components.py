r"""The null space of a disconnected graph's Laplacian, in closed form.

A graph with :math:`c` connected components and :math:`K \le c - 1` components asked for
needs no eigensolver: :func:`component_null_space` returns the canonical basis of the
component indicators minus the constant, with eigenvalue 0.
"""

import numpy as np
from scipy.sparse.csgraph import connected_components

from .._relations import relation_degrees
from ._basis import canonical_basis, sign_flip


def component_null_space(G, n_components):
    r"""Exact eigenpairs when the null space of L (minus the constant) holds them all.

    The null space of :math:`L` is spanned by the indicators of the connected
    components, so a graph with :math:`c` components and :math:`c - 1 \ge K`
    needs no eigensolver: the answer is :math:`K` vectors of the canonical basis
    (:func:`canonical_basis`) of that space with the constant direction removed,
    all with eigenvalue 0. Returns ``None`` when the shortcut does not apply.

    The canonical basis is known in closed form, so no basis of the
    :math:`(c-1)`-dimensional space is formed. Its projector is
    :math:`P = \sum_C 1_C 1_C^\top/|C| - \mathbf 1\mathbf 1^\top/N`. After the
    pivots of components :math:`C_1..C_{k-1}` (total size :math:`\sigma`), the
    residual of :math:`P` on the other components is
    :math:`\operatorname{diag}(1/|C|) - \mathbf 1\mathbf 1^\top/(N - \sigma)`
    (Sherman-Morrison), so a sample's residual norm is
    :math:`\sqrt{1/|C| - 1/(N - \sigma)}`: the greedy pivot is the first sample of
    a smallest remaining component (norms within a relative 1e-6 are tied, the
    smallest sample index wins). Gram-Schmidt of :math:`P e_{p_1}, P e_{p_2}, ...`
    then gives :math:`q_k \propto 1_{C_k}/|C_k| - 1_{R_k}/|R_k|`, with
    :math:`R_k` the samples outside :math:`C_1..C_k`: orthogonal to
    :math:`\mathbf 1` and to :math:`1_{C_j}` for :math:`j < k`, in the span of the
    first :math:`k` pivot columns, with a positive inner product with the
    :math:`k`-th. Cost :math:`O(\mathrm{nnz} + c\log c + NK)` time and the
    :math:`N \times K` result in memory.
    """
    n_comp, labels = connected_components(G, directed=False)
    if n_comp - 1 < n_components:
        return None
    return indicator_null_space(labels, n_comp, n_components)


def indicator_null_space(labels, n_comp, n_components):
    """:func:`component_null_space` from the component of each sample (``n_components <= n_comp - 1``)."""
    N = labels.size
    sizes = np.bincount(labels, minlength=n_comp)
    first = np.full(n_comp, N, dtype=np.int64)
    np.minimum.at(first, labels, np.arange(N))
    pivots = component_pivots(sizes, first, n_components)
    inside = sizes[pivots].astype(np.float64)
    outside = N - np.cumsum(inside)  # |R_k| >= 1: K <= c - 1 components are picked
    norms = np.sqrt(1.0 / inside + 1.0 / outside)
    # A sample outside every pivot component lies in R_k for all k: its row is -1/|R_k|.
    basis = np.tile(-1.0 / (outside * norms), (N, 1))
    members = np.argsort(labels, kind="stable")
    starts = np.concatenate(([0], np.cumsum(sizes)))
    for k, component in enumerate(pivots):
        rows = members[starts[component]:starts[component + 1]]
        basis[rows, k + 1:] = 0.0  # picked at step k: outside C_j and R_j for j > k
        basis[rows, k] = 1.0 / (inside[k] * norms[k])
    return np.zeros(n_components), sign_flip(basis)


def component_pivots(sizes, first, count):
    r"""The greedy pivots of :func:`canonical_basis` on the component null space, as components.

    At each step the residual norm of a remaining component of size :math:`s` is
    :math:`\sqrt{1/s - 1/(N - \sigma)}`, decreasing in :math:`s`; the sizes tied
    with the smallest remaining one (norms within a relative 1e-6) are searched
    for the component whose first sample has the smallest index.
    """
    N = int(sizes.sum())
    order = np.lexsort((first, sizes))  # by size, then by first sample
    distinct, starts, counts = np.unique(sizes[order], return_index=True, return_counts=True)
    heads, ends = starts.copy(), starts + counts
    smallest, taken, pivots = 0, 0, []
    for _ in range(count):
        while heads[smallest] == ends[smallest]:
            smallest += 1
        shift = 1.0 / (N - taken)
        floor = (1 - 1e-6) ** 2 * (1.0 / distinct[smallest] - shift)
        best, group = None, None
        j = smallest
        while j < distinct.size and 1.0 / distinct[j] - shift >= floor:
            if heads[j] < ends[j]:
                candidate = order[heads[j]]
                if best is None or first[candidate] < first[best]:
                    best, group = candidate, j
            j += 1
        heads[group] += 1
        taken += int(sizes[best])
        pivots.append(int(best))
    return np.array(pivots, dtype=np.int64)


def normalized_component_null_space(G, n_components, *, deflate=True, degrees=None):
    r"""Exact eigenpairs of :math:`L_{sym}` when its null space holds all those asked for.

    The null space of :math:`L_{sym} = I - D_G^{-1/2} G D_G^{-1/2}` (no isolated sample)
    is spanned by :math:`u_C = D_G^{1/2}\mathbf 1_C / \sqrt{\operatorname{vol} C}`, one
    per connected component :math:`C`. When it holds the :math:`K` pairs asked for
    (:math:`c \ge K`, or :math:`c - 1 \ge K` with ``deflate``, which removes
    :math:`D_G^{1/2}\mathbf 1`), the answer is the first :math:`K` vectors of the
    canonical basis (:func:`spectral_ssl.linalg.canonical_basis`) of that space, all
    with eigenvalue 0, in closed form:

    * without deflation, sample :math:`i` of component :math:`C` has residual norm
      :math:`\sqrt{d_i / \operatorname{vol} C}` and picking it removes all of
      :math:`C`: the basis is :math:`u_{C_1}, u_{C_2}, \dots`, components in
      decreasing :math:`\max_{i \in C} d_i / \operatorname{vol} C`;
    * with deflation, after components of total volume :math:`\sigma` are picked
      the residual norm is :math:`\sqrt{d_i\,(1/\operatorname{vol} C - 1/(\operatorname{vol} - \sigma))}`
      and Gram-Schmidt gives
      :math:`q_k \propto D_G^{1/2}(\mathbf 1_{C_k}/\operatorname{vol} C_k - \mathbf 1_{R_k}/\operatorname{vol} R_k)`,
      :math:`R_k` the samples outside :math:`C_1..C_k`.

    Norms within a relative 1e-6 of the largest are tied and the smallest sample index
    wins, as in :func:`spectral_ssl.linalg.canonical_basis`. Returns ``None`` when the
    shortcut does not apply (too few components, or an isolated sample). Cost
    :math:`O(\mathrm{nnz} + NK)`, and the :math:`N \times K` result in memory: no
    eigensolver meets a null space of dimension :math:`c` (a pairing graph has
    :math:`N/2`), which costs the iterative solvers their convergence. ``degrees``: the row
    sums of ``G`` when the caller has them (read only), else computed here.
    """
    n_comp, labels = connected_components(G, directed=False)
    if n_comp - bool(deflate) < n_components:
        return None
    d = relation_degrees(G) if degrees is None else degrees
    if not np.all(d > 0):
        return None
    return normalized_indicator_null_space(labels, n_comp, d, n_components, deflate=deflate)


def normalized_indicator_null_space(labels, n_comp, d, n_components, *, deflate=True):
    """:func:`normalized_component_null_space` from the components and the (positive) degrees."""
    N = labels.size
    component_volume = np.bincount(labels, weights=d, minlength=n_comp)
    remaining_volume = float(component_volume.sum())
    picked = np.zeros(n_comp, dtype=bool)
    sqrt_d = np.sqrt(d)
    basis = np.zeros((N, n_components))
    for k in range(n_components):
        open_samples = ~picked[labels]
        share = 1.0 / component_volume[labels]
        if deflate:
            share = share - 1.0 / remaining_volume
        norms = np.where(open_samples, np.sqrt(np.maximum(d * share, 0.0)), -1.0)
        pick = int(np.flatnonzero(norms >= (1 - 1e-6) * norms.max())[0])
        component = labels[pick]
        inside = labels == component
        volume = component_volume[component]
        if deflate:
            rest = open_samples & ~inside
            rest_volume = remaining_volume - volume
            norm = np.sqrt(1.0 / volume + 1.0 / rest_volume)
            basis[inside, k] = sqrt_d[inside] / (volume * norm)
            basis[rest, k] = -sqrt_d[rest] / (rest_volume * norm)
        else:
            basis[inside, k] = sqrt_d[inside] / np.sqrt(volume)
        picked[component] = True
        remaining_volume -= volume
    return np.zeros(n_components), sign_flip(basis)


def null_space_basis(labels, n_comp, kind, degrees, deflate=True):
    r"""The canonical basis of the whole null space of a Laplacian, from its components.

    The :math:`c` component indicators span the null space of :math:`L`
    (``kind="combinatorial"``, the constant always removed: :math:`c - 1` columns, by
    :func:`indicator_null_space`); :math:`D_G^{1/2}\mathbf 1_C` (or :math:`e_i` for an
    isolated sample, whose row of :math:`L_{sym}` is zero) span that of :math:`L_{sym}`
    (``kind="normalized"``, :math:`c - 1` columns with ``deflate``, which removes
    :math:`D_G^{1/2}\mathbf 1`, else :math:`c`). The columns are those
    :func:`spectral_ssl.linalg.canonical_basis` gives, in closed form when no sample is
    isolated; with isolated samples (normalized) by ``canonical_basis`` of the
    explicit basis, :math:`O(N c^2)`. The solvers of :mod:`spectral_ssl.linalg._eigen`
    use it to solve a disconnected graph component by component: a single-vector
    Krylov solver (ARPACK) resolves one vector of an eigenvalue repeated across
    components, not all of them.
    """
    N = labels.size
    if kind == "combinatorial":
        return indicator_null_space(labels, n_comp, n_comp - 1)[1]
    if np.all(degrees > 0):
        return normalized_indicator_null_space(labels, n_comp, degrees, n_comp - bool(deflate),
                                               deflate=deflate)[1]
    sqrt_d = np.sqrt(degrees)
    volume = np.bincount(labels, weights=degrees, minlength=n_comp)[labels]
    explicit = np.zeros((N, n_comp))
    # an isolated sample is a component of volume 0: its null vector is e_i
    explicit[np.arange(N), labels] = np.where(volume > 0, sqrt_d / np.sqrt(np.where(volume > 0, volume, 1.0)), 1.0)
    if deflate:
        trivial = sqrt_d / np.linalg.norm(sqrt_d)
        explicit -= np.outer(trivial, trivial @ explicit)
        U, _, _ = np.linalg.svd(explicit, full_matrices=False)
        explicit = U[:, : n_comp - 1]  # trivial lies in the span: one singular value is ~0
    return sign_flip(canonical_basis(explicit))

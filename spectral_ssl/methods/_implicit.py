r"""What the non-parametric Barlow Twins solver needs of ``G``, for a CSR graph or the implicit label relation.

Kept apart so that ``barlow_twins.py`` stays within the 500-line limit. For a
:class:`spectral_ssl.graphs.LabelRelation` the connected components are the classes and
the eigenpairs of :math:`L_{sym}` are known in closed form
(:func:`spectral_ssl.linalg.label_laplacian_eigenpairs`); the numerical search of the
loss as written (no closed form known) needs the explicit graph and is refused.
"""

import numpy as np
from scipy.sparse.csgraph import connected_components

from .. import linalg
from .._relations import LabelRelation
from ._names import DISPLAY_NAMES


def components(G):
    """``(count, component of each sample)``: the classes of a label relation, else the graph's.

    Classes are numbered by their first sample, as ``connected_components`` numbers components.
    """
    if isinstance(G, LabelRelation):
        first = np.full(G.n_classes, G.shape[0], dtype=np.int64)
        np.minimum.at(first, G.codes, np.arange(G.shape[0]))
        rank = np.empty(G.n_classes, dtype=np.int64)
        rank[np.argsort(first)] = np.arange(G.n_classes)
        return G.n_classes, rank[G.codes]
    return connected_components(G, directed=False)


def normalized_pairs(G, n_components, trivial, solver, degrees):
    r"""The smallest eigenpairs of :math:`L_{sym}` on the complement of ``trivial`` (:math:`D_G^{1/2}\mathbf 1` or None).

    ``G``: what :func:`spectral_ssl.graphs.check` returns, or a label relation; ``degrees``: its row sums.
    """
    if isinstance(G, LabelRelation):
        return linalg.label_laplacian_eigenpairs(G, n_components, kind="normalized",
                                                 deflate=trivial is not None)
    # laplacian_eigenpairs, not smallest_eigenpairs of L_sym: it knows the graph, so it solves a
    # disconnected one component by component (ARPACK on the whole L_sym misses eigenvalues
    # repeated across components)
    return linalg.laplacian_eigenpairs(G, n_components, kind="normalized", deflate=trivial is not None,
                                       solver=solver, check_input=False, degrees=degrees)


def refuse_numerical(G, n_components, centered):
    """``ValueError`` for the implicit relation where only a numerical search (over the explicit graph) is left."""
    if isinstance(G, LabelRelation):
        limit = G.n_classes - bool(centered)
        fewer = f", n_components <= {limit} (columns constant on classes, loss 0)" if limit >= 1 else ""
        raise ValueError(
            f"{DISPLAY_NAMES['barlow_twins']}' loss as written with n_components={n_components} above the number of "
            f"classes{' less one (centered)' if centered else ''} ({limit}) has no closed form, and "
            f"its numerical search needs the explicit graph. Use constraint='whitened' (closed form, "
            f"CCA){fewer}, or G.to_sparse() at small N.")

r"""The :math:`D\times D` forms of features and a relation, in one pass (layer 1).

In the linear regime :math:`Z = XW + \mathbf 1 b^\top` every closed form of the
toolkit sees the :math:`N` samples only through a few :math:`D\times D`
matrices (THEORY.md, section 3):

* :math:`X^\top\mathbf 1` (column sums) and :math:`X^\top X`;
* :math:`X^\top H X = X^\top X - (X^\top\mathbf 1)(X^\top\mathbf 1)^\top/N`
  (the scatter; :math:`\operatorname{Cov} = X^\top H X/N`);
* :math:`X^\top D_G X = \sum_i d_i x_i x_i^\top`, :math:`X^\top G X`, and
  :math:`X^\top L X = X^\top D_G X - X^\top G X`;
* :math:`X^\top d` and :math:`\operatorname{vol} = \mathbf 1^\top d`.

:func:`feature_reductions` computes them from an in-memory ``X`` in one pass, in
:math:`O(\mathrm{nnz}(G)D + ND^2)` time; the solvers of :mod:`spectral_ssl.methods` call it.
:mod:`spectral_ssl.moments` runs the same statistics over chunks of memory maps,
``.npy`` files and dask arrays (:func:`spectral_ssl.moments.reductions`).

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
the within-group scatter weighted by the group size (zero for a singleton). Groups
of one size :math:`m` are split into their sums and :math:`m - 1` orthonormal
(Helmert) contrasts, whose two BLAS ``syrk`` products together cost one
:math:`X^\top X` (two views: :math:`x_1 + x_2` and :math:`x_1 - x_2`); groups of
several sizes are reduced size by size, so the cost stays one :math:`X^\top X`, and
:math:`X^\top L X` comes from the contrasts without cancellation. :math:`G` is never
formed; when it is given, :func:`clique_groups` recognises a union of cliques exactly
in :math:`O(N + \mathrm{nnz})`.

**Round-off.** Every product is taken on :math:`X_s = X - \mathbf 1 c^\top`, :math:`c`
the mean of the first rows, and the results are shifted back exactly (for
:math:`M \in \{D_G, G\}`, :math:`M\mathbf 1 = d`, so
:math:`X^\top M X = X_s^\top M X_s + u c^\top + c u^\top + \operatorname{vol}\,cc^\top`
with :math:`u = X_s^\top d`). :math:`X^\top L X` and :math:`X^\top H X` do not
depend on the shift, and computing them from shifted data avoids the
cancellation of :math:`X^\top X - N\bar x\bar x^\top` when the mean is large.

Layout
------
A package of private modules, each re-exported here (import from
``spectral_ssl.forms``, never from a private module):

=================  ==========================================================
``_stats``         ``FeatureReductions``; one block's statistics, their sum
``_groups``        groups from labels or from ``G`` (``clique_groups``), chunk plans
``_onepass``       ``feature_reductions``: the in-memory pass
=================  ==========================================================

Why a layer-1 package: the solvers of :mod:`spectral_ssl.methods` (layer 2) need these
forms, and :mod:`spectral_ssl.moments` (layer 3) solves from them through the methods'
public API; with the forms in ``moments`` the two imported each other.
"""

from ._groups import (
    GroupMembers,
    check_groups,
    clique_groups,
    common_size,
    group_cuts,
    group_members,
    group_plan,
    member_codes,
    size_classes,
)
from ._onepass import (BLOCK_ROWS, FORMS_AT_PEAK, SHIFT_ROWS, UNDERFLOW_GRAM, as_features, check_forms_memory,
                       column_peaks, feature_reductions, refuse_tiny_columns, refuse_underflow)
from ._stats import (
    FeatureReductions,
    NonFiniteFeatures,
    add_stats,
    finish,
    graph_stats,
    group_stats,
    plain_stats,
    refuse_large,
    refuse_non_finite,
    refuse_non_finite_peaks,
    refuse_overflow,
    strict_upper,
    syrk,
    whole_graph_stats,
)

__all__ = [
    "FeatureReductions", "feature_reductions", "as_features", "clique_groups", "GroupMembers",
    "check_groups", "group_members", "member_codes", "size_classes", "common_size", "group_cuts", "group_plan",
    "syrk", "strict_upper", "plain_stats", "graph_stats", "whole_graph_stats", "group_stats",
    "add_stats", "finish", "refuse_non_finite", "BLOCK_ROWS", "SHIFT_ROWS", "UNDERFLOW_GRAM",
    "refuse_underflow", "refuse_tiny_columns", "column_peaks", "NonFiniteFeatures", "refuse_overflow",
    "refuse_large", "refuse_non_finite_peaks", "check_forms_memory", "FORMS_AT_PEAK",
]

# Functions and classes defined in the private modules carry this package's name as their
# ``__module__``: where the API reference documents them, and how reprs and pickles name them.
for _name in __all__:
    _value = globals()[_name]
    if getattr(_value, "__module__", "").startswith(__name__ + "._"):
        _value.__module__ = __name__
del _name, _value

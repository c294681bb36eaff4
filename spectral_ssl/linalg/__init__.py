r"""Graph matrices and the eigen-solvers every closed form uses.

Conventions
-----------
* ``G`` is a symmetric, non-negative, zero-diagonal relation graph (see
  :func:`spectral_ssl.graphs.check`); it stays sparse.
* Degrees :math:`d = G\mathbf 1`, :math:`D_G = \operatorname{diag}(d)`, combinatorial
  Laplacian :math:`L = D_G - G`, centring :math:`H = I - \mathbf 1\mathbf 1^\top/N`
  (applied as ``X - X.mean(0)``, never formed).
* **Sign rule.** Every eigenvector a function here returns has its entry of
  largest absolute value positive, as scikit-learn's ``svd_flip`` does. Entries
  whose absolute value is within a relative ``SIGN_TIE_RTOL`` (1e-6) of the
  largest count as tied and the first of them decides: vectors that are
  antisymmetric under a graph symmetry (a path's Fiedler vector, a cycle's
  cosines) have exactly tied extremes, and round-off must not pick the sign.
* **Degenerate eigenspaces.** Consecutive computed eigenvalues form one cluster when
  their gap is at most ``DEGENERACY_RESIDUALS`` (4) times the sum of their accuracies
  (each pair's residual :math:`\lVert M u - \lambda u\rVert`, at least machine epsilon
  times the scale of :math:`M`) and at most ``DEGENERACY_RTOL`` (1e-8; dense:
  ``DENSE_DEGENERACY_RTOL``, 1e-12) times that scale (:func:`eigenvalue_clusters`): the
  eigenvectors of eigenvalues the solver resolved are never mixed. Inside a cluster with
  orthogonal projector :math:`P`, the returned basis is the Gram-Schmidt
  orthonormalisation of :math:`P e_{p_1}, P e_{p_2}, \dots`, where each
  :math:`p_j` is the sample whose coordinate vector in the eigenspace has the
  largest norm once the directions of :math:`p_1..p_{j-1}` are removed (ties
  within a relative 1e-6 go to the smallest index). The
  result depends only on the eigenspace, not on the basis LAPACK returned, so
  outputs are deterministic. When the requested count cuts a cluster, the
  solver first computes the whole cluster, then keeps its first members.

Layout
------
A package of private modules, each re-exported here (import from
``spectral_ssl.linalg``, never from a private module):

=================  ==========================================================
``_settings``      solver thresholds and tolerances (assign them on this package)
``_matrices``      centring, degrees, Laplacians, quadratic form, matrix checks
``_basis``         the sign and degenerate-basis rules
``_ordering``      RCM locality order, permutations, sparse factor, fill prediction
``_aggregation``   smoothed aggregation AMG hierarchy with SciPy alone (no pyamg)
``_amg``           LOBPCG's preconditioner (block float32 AMG V-cycle)
``_solvers``       one small function per eigen-solver and their table
``_eigen``         the dispatch: ``smallest_eigenpairs``, ``laplacian_eigenpairs``
``_components``    closed-form null space of a disconnected graph's Laplacian
``_cliques``       closed-form Laplacian eigenpairs of the implicit label relation
``_generalized``   ``generalized_eigh``, ``degree_weighted_eigh``
``_rank``          rank rules and range bases (representation, features, kernel)
=================  ==========================================================

Within the package, arrows point down this table's dependency order
(``_settings`` <- ``_matrices``, ``_basis`` <- ``_ordering``, ``_aggregation`` <- ``_amg`` <- ``_solvers``
<- ``_eigen``); no private module imports this ``__init__``. The kernels live in
:mod:`spectral_ssl.kernels`; ``Kernel``, ``make_kernel``, ``median_bandwidth`` and ``unit_rows`` are
re-exported here under their old names.
"""

import sys
import types

from ..kernels import Kernel, make_kernel, median_bandwidth, unit_rows
from . import _amg, _ordering, _settings
from ._amg import lobpcg_preconditioner
from ._basis import canonical_basis, column_signs, eigenvalue_clusters, sign_flip, sign_flip_with
from ._cliques import label_laplacian_eigenpairs
from ._eigen import laplacian_eigenpairs, resolve_solver, smallest_eigenpairs
from ._generalized import degree_weighted_eigh, generalized_eigh
from ._matrices import (
    center,
    degrees,
    eigen_residuals,
    graph_quadratic_form,
    laplacian,
    matrix_scale,
    zero_constant_columns,
)
from ._rank import centred_range_basis, feature_basis, feature_rank, kernel_range_basis, representation_rank
from ._settings import (
    AMG_MAX_COARSE,
    ARPACK_CHECK_RTOL,
    ARPACK_MAX_FILL,
    ARPACK_MAX_SAMPLES,
    CONSTANT_RTOL,
    DEGENERACY_RESIDUALS,
    DEGENERACY_RTOL,
    DENSE_DEGENERACY_RTOL,
    DENSE_FALLBACK_MAX_SAMPLES,
    DENSE_MAX_SAMPLES,
    FEATURE_RANK_EPS,
    FILL_BALLS,
    LOBPCG_MAXITER,
    LOBPCG_RESTARTS,
    LOBPCG_RTOL,
    PRECONDITIONER_SHIFT,
    RANK_RTOL,
    SIGN_TIE_RTOL,
    SOLVERS,
)

__all__ = [
    # graph matrices
    "center", "zero_constant_columns", "degrees", "laplacian", "graph_quadratic_form", "matrix_scale",
    # eigenproblems
    "smallest_eigenpairs", "laplacian_eigenpairs", "label_laplacian_eigenpairs", "resolve_solver", "eigen_residuals",
    "lobpcg_preconditioner", "generalized_eigh", "degree_weighted_eigh",
    # sign and basis rules
    "sign_flip", "sign_flip_with", "column_signs", "eigenvalue_clusters", "canonical_basis",
    # ranks and range bases
    "representation_rank", "feature_basis", "feature_rank", "kernel_range_basis", "centred_range_basis",
    # kernels (defined in spectral_ssl.kernels)
    "Kernel", "make_kernel", "median_bandwidth", "unit_rows",
    # settings
    *_settings.TUNABLES,
]


# Functions and classes defined in the private modules carry this package's name as their
# ``__module__``: where the API reference documents them, and how reprs and pickles name them.
for _name in __all__:
    _value = globals()[_name]
    if getattr(_value, "__module__", "").startswith(__name__ + "._"):
        _value.__module__ = __name__
del _name, _value


# --------------------------------------------------------------------------- old private names
# Modules outside this package used these underscore names of the former linalg.py. They
# keep working until their callers switch to the public spelling given in each docstring.


def _laplacian(G, kind):
    """Old name of ``laplacian(G, kind, check_input=False)``."""
    return laplacian(G, kind, check_input=False)


def _laplacian_eigenpairs(G, n_components, **options):
    """Old name of ``laplacian_eigenpairs(G, n_components, check_input=False, **options)``."""
    return laplacian_eigenpairs(G, n_components, check_input=False, **options)


def _smallest_eigenpairs(M, n_components, **options):
    """Old name of ``smallest_eigenpairs(M, n_components, check_input=False, **options)``."""
    return smallest_eigenpairs(M, n_components, check_input=False, **options)


def _graph_quadratic_form(X, G):
    """Old name of ``graph_quadratic_form(X, G, check_input=False)``."""
    return graph_quadratic_form(X, G, check_input=False)


# benchmarks/ reads these solver internals
_resolve_solver = resolve_solver
_matrix_scale = matrix_scale
_pyamg = _amg.find_pyamg
_AMGPreconditioner = _amg.AMGPreconditioner
_symmetric_factor = _ordering.symmetric_factor
_symmetric_permutation = _ordering.symmetric_permutation
_locality_order = _ordering.locality_order
_predicted_fill = _ordering.predicted_fill


# --------------------------------------------------------------------------- settings forwarding


class _LinalgModule(types.ModuleType):
    """This package's module type: assigning a setting also assigns it in ``_settings``.

    The solvers read ``_settings.NAME`` at call time, so ``linalg.LOBPCG_RTOL = 1e-6`` (and
    ``monkeypatch.setattr(linalg, "DENSE_MAX_SAMPLES", 50)``) keeps changing later calls,
    as it did when every function lived in one module.
    """

    def __setattr__(self, name, value):
        if name in _settings.TUNABLES:
            setattr(_settings, name, value)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _LinalgModule

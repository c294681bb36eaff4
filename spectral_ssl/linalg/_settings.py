r"""The solver thresholds and tolerances of :mod:`spectral_ssl.linalg`, in one place.

Every function of the package reads these as ``_settings.NAME`` when it runs, so a
change takes effect on the next call. Assign through the package
(``spectral_ssl.linalg.LOBPCG_RTOL = 1e-6``, or ``monkeypatch.setattr(linalg, ...)`` in a
test): ``linalg/__init__.py`` forwards an assignment of any name in ``TUNABLES`` here.
Default arguments (``rtol=DEGENERACY_RTOL``, ``rtol=RANK_RTOL``) are read once, at import.
"""

import numpy as np


#: Graphs with more samples than this are solved with the sparse iterative
#: solver when ``solver="auto"``; smaller ones with dense LAPACK ``eigh``.
DENSE_MAX_SAMPLES = 2000


#: With ``solver="auto"``, matrices with at most this many samples use ARPACK
#: shift-invert; above it, LOBPCG (AMG-preconditioned) when the ``amg`` extra
#: (pyamg) is installed, else ARPACK unless its factor would fill in
#: (``ARPACK_MAX_FILL``). See ``docs/performance.md`` and ``python -m benchmarks``.
ARPACK_MAX_SAMPLES = 10000


#: Without pyamg, ``solver="auto"`` above ``ARPACK_MAX_SAMPLES`` keeps ARPACK while
#: the predicted entries of its sparse factor stay below this many times those of
#: ``M`` (``_ordering.predicted_fill``), and uses LOBPCG above (its V-cycle then runs
#: on the package's own hierarchy, ``_aggregation``). ARPACK gives round-off residuals,
#: as scikit-learn's default does. Measured on one core of a shared machine: the factor
#: of a 10-NN swiss roll (a surface) has 4.2 (N = 1e4) and 6.4 (1e5) times the entries
#: of L; on a 3-D Gaussian blob (a volume) 32 (1e4) and 62 (3e4). The threshold was set
#: against Jacobi-preconditioned LOBPCG (ARPACK took 0.8 times its time at a fill of 32
#: and 2.1 times at 62); the AMG hierarchy made LOBPCG faster since, so it errs on the
#: side of ARPACK. Suite ``default`` of ``python -m benchmarks`` reports the prediction
#: and the choice against scikit-learn's default.
ARPACK_MAX_FILL = 30.0


#: Sizes of the two breadth-first balls whose factors ``_ordering.predicted_fill`` measures.
FILL_BALLS = (2000, 4000)


#: The ARPACK solver checks its eigen-residuals against this times the scale of
#: ``M``: above it (a matrix that is not positive semi-definite, on which the
#: factor without pivoting is unstable) it solves again with SuperLU's pivoting
#: factor. Round-off gives about 1e-16.
ARPACK_CHECK_RTOL = 1e-10


#: Default ``tol`` of the LOBPCG solver: it stops when the residual
#: :math:`\lVert M u - \lambda u\rVert` of every pair it returns is below
#: ``tol`` times the scale of ``M`` (its largest absolute row sum, an upper bound
#: on :math:`\lVert M\rVert_2`). Read when a solve starts, so changing it changes
#: the default of later calls.
LOBPCG_RTOL = 1e-10


#: Largest number of iterations of one run of SciPy's LOBPCG (its own restarts included).
LOBPCG_MAXITER = 2000


#: SciPy's LOBPCG checks the residuals it updates along the iteration, at half the
#: tolerance asked for; when those recomputed from ``M`` are still above it, up to
#: this many further runs start from the block reached.
LOBPCG_RESTARTS = 2


#: The preconditioner approximates :math:`(M + s I)^{-1}` with
#: :math:`s` = this times the scale of ``M``: the shift makes the singular
#: Laplacian invertible and the smoothed aggregation hierarchy well defined.
PRECONDITIONER_SHIFT = 1e-5


#: The smoothed aggregation hierarchy stops coarsening at this many unknowns and
#: inverts the coarsest matrix exactly (a dense symmetric inverse; a sparse LU factor
#: when the coarsening stalled above ``_amg.COARSE_DENSE_MAX`` unknowns).
AMG_MAX_COARSE = 500


SOLVERS = ("auto", "dense", "arpack", "lobpcg")


#: When ARPACK would need more than a quarter of the spectrum (a large degenerate
#: cluster), matrices up to this size switch to the dense solver instead.
DENSE_FALLBACK_MAX_SAMPLES = 20000


#: Relative gap under which eigenvalues are treated as one degenerate cluster.
DEGENERACY_RTOL = 1e-8


#: Eigenvalues whose residuals are known form one cluster only if, besides, their gap is at
#: most this times the sum of their accuracies (residual, at least eps times the scale):
#: the solver resolved a wider gap (see :func:`spectral_ssl.linalg.eigenvalue_clusters`).
DEGENERACY_RESIDUALS = 4.0


#: The same for :func:`generalized_eigh`, whose dense solve of the whole spectrum is
#: accurate to a few machine epsilons of the largest eigenvalue magnitude.
DENSE_DEGENERACY_RTOL = 1e-12


#: Relative tolerance under which entries count as tied for the sign rule.
SIGN_TIE_RTOL = 1e-6


#: Centred columns whose entries are all below this times the column's largest
#: absolute value are constant up to the round-off of the centring (see
#: :func:`zero_constant_columns`).
CONSTANT_RTOL = 1e-12


#: The one rank rule of the package: a direction of a representation counts when its
#: singular value (of the column-centred ``Z``) exceeds this times the largest one. Closed
#: forms put collapsed directions at exactly 0; numerical optima leave them near
#: sqrt(FTOL) (1e-7.5) of the scale, since the losses are quadratic in them.
RANK_RTOL = 1e-6


#: The feature rank rule of :func:`feature_basis`: singular values of the centred,
#: column-standardised features count above ``max(N, D) * FEATURE_RANK_EPS`` times the
#: larger of the largest singular value and the centring round-off (see there), the
#: rule of ``numpy.linalg.matrix_rank`` made unit-free.
FEATURE_RANK_EPS = float(np.finfo(np.float64).eps)


#: The names above, which an assignment on the package forwards here.
TUNABLES = ("DENSE_MAX_SAMPLES", "ARPACK_MAX_SAMPLES", "ARPACK_MAX_FILL", "FILL_BALLS", "ARPACK_CHECK_RTOL",
            "LOBPCG_RTOL", "LOBPCG_MAXITER", "LOBPCG_RESTARTS", "PRECONDITIONER_SHIFT", "AMG_MAX_COARSE",
            "SOLVERS", "DENSE_FALLBACK_MAX_SAMPLES", "DEGENERACY_RTOL", "DEGENERACY_RESIDUALS",
            "DENSE_DEGENERACY_RTOL",
            "SIGN_TIE_RTOL", "CONSTANT_RTOL", "RANK_RTOL", "FEATURE_RANK_EPS")

"""The constants the command line's ``--help`` shows, in a module that imports nothing.

Why: ``solve --help`` and ``report --help`` read their defaults here instead of importing the
methods (inspect.signature, 0.9 s) and the report (scikit-learn, scipy.stats: 1.9 s). The
report's constants are defined here and imported by :mod:`spectral_ssl.experiments`; the
methods' defaults are copies of their signatures', which ``tests/test_cli.py`` keeps equal.
"""

#: Invariance/variance ratios of the default report (variance = covariance = 1).
DEFAULT_INVARIANCE = (0.01, 0.1, 0.3, 1.0, 3.0)

#: Ratios of the quick report.
QUICK_INVARIANCE = (0.01, 1.0)

#: The relations of the report's method table.
RELATIONS = ("views", "views+knn")

#: The methods of the report, in table order (names of :data:`spectral_ssl.methods.REGISTRY`).
REPORT_METHODS = ("vicreg", "spectral_contrastive", "barlow_twins", "simclr")

#: Samples of the method table on a user's data (``data=``) when ``n_images`` is None: a
#: class-stratified subsample beyond it, because the kernel regime and the certificates grow
#: with the cube of the number of views.
USER_DATA_MAX_SAMPLES = 2000

#: Fewest samples per class of a user's data: a stratified train/test split needs two of a
#: class on each side.
MIN_SAMPLES_PER_CLASS = 4

#: ``solve``: the registered methods (sorted), the regimes, the kernels, and the defaults of
#: the hyper-parameters it shows (copies of the solvers' signatures).
SOLVE_METHODS = ("barlow_twins", "simclr", "spectral_contrastive", "vicreg")
SOLVE_REGIMES = ("nonparametric", "linear", "kernel")
SOLVE_KERNELS = ("linear", "rbf", "polynomial")
SOLVE_DEFAULTS = {("vicreg", "variance"): 25.0, ("vicreg", "covariance"): 1.0,
                  ("vicreg", "invariance"): 25.0, ("simclr", "temperature"): 0.5,
                  ("barlow_twins", "off_diagonal"): 5e-3}

r"""Closed forms solved from the reductions: linear VICReg for very large :math:`N`.

:func:`vicreg_linear_from_reductions` runs the computation of
:func:`spectral_ssl.methods.vicreg.optimal_linear` on the :math:`D\times D` forms of a
:class:`~spectral_ssl.forms.FeatureReductions` (no pass over the data), through the public
API of :mod:`spectral_ssl.methods.vicreg` (``check_hyperparameters``,
``linear_from_reductions``, ``scale_rank``); :func:`vicreg_linear` adds the two chunked
passes (the reductions, then the column signs).
"""

import warnings
from dataclasses import dataclass

import numpy as np

from ..forms import FeatureReductions
from ..methods import LinearRepresentation, vicreg
from ._chunks import is_dask
from ._passes import column_signs, loss_on_z, reductions


@dataclass(kw_only=True, repr=False)
class LinearSolution(LinearRepresentation):
    r"""A :class:`spectral_ssl.methods.LinearRepresentation` computed from reductions, without ``Z``.

    Every attribute and method of ``LinearRepresentation`` (``W``, ``bias``, ``loss``,
    ``rank``, ``eigenvalues``, ``scales``, ``exact``, ``method``, ``equivalent``,
    ``hyperparameters``, ``details``, ``transform``, ``summary``), plus ``n_samples``. ``Z``
    is an empty :math:`N\times 0` array: a pass over :math:`N = 10^7` rows from disk or a
    dask cluster does not keep the :math:`N\times K` representation (``transform(X)``
    computes it). ``loss`` is the exact graph-form loss at :math:`Z = XW + \mathbf 1 b^\top`
    evaluated from the reductions (the value :func:`spectral_ssl.losses.vicreg` gives on that
    ``Z``, up to round-off).
    """

    Z: np.ndarray = None
    n_samples: int

    def __post_init__(self):
        if self.Z is None:
            self.Z = np.empty((self.n_samples, 0))  # not stored; its shape gives N

    @property
    def n_components(self):
        return self.W.shape[1]


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

    Warns
    -----
    CollapseWarning
        When the optimum keeps fewer than ``n_components`` directions (as ``optimal_linear``).
    UserWarning
        When the forms cannot decide the optimum or its loss (``exact=False``, and
        ``details["optimum_untrusted"]`` or ``details["loss_untrusted"]`` says why): a general
        graph whose :math:`X^\top L X = X^\top D_G X - X^\top G X` cancels, or an invariance
        weight beyond the accuracy of the form's eigenvalues.

    Returns
    -------
    LinearSolution
        ``loss`` evaluated from the reductions (:math:`C = W^\top B W`, invariance
        :math:`2\gamma\operatorname{tr}(W^\top A W)`).
    """
    hyper = vicreg.check_hyperparameters(variance, covariance, invariance, variance_kind, eps, restarts)
    solution = solve_reductions(red, n_components, hyper, restarts, random_state)
    warn_solution(solution, 2)
    return solution


def solve_reductions(red, n_components, hyper, restarts, random_state):
    """:func:`vicreg_linear_from_reductions` with validated ``hyper``, without its warnings."""
    if not isinstance(red, FeatureReductions):
        raise TypeError(f"red must be FeatureReductions (from moments.reductions), got {type(red).__name__}.")
    if red.laplacian_form is None:
        raise ValueError("red has no relation; compute it with reductions(X, G) or reductions(X, groups=...).")
    W, bias, mu, t, exact, details, loss = vicreg.linear_from_reductions(
        red, n_components, hyper, restarts=restarts, random_state=random_state)
    return LinearSolution(
        W=W, bias=bias, loss=loss, rank=vicreg.scale_rank(t), eigenvalues=mu, scales=t, exact=exact,
        method=vicreg.NAME, equivalent="Locality Preserving Projections", n_samples=red.n_samples,
        hyperparameters=hyper, details=details,
    )


def warn_solution(solution, stacklevel):
    """The warnings of a solution from reductions: forms that cannot decide it, and collapse.

    ``stacklevel`` as in ``warnings.warn`` from the caller (2: the caller's caller).
    """
    details = solution.details
    reasons = [details[key] for key in ("optimum_untrusted", "loss_untrusted") if key in details]
    if reasons:
        loss = ("the loss is the forms' value" if "loss_untrusted" in details
                else "the loss is that of the returned W")
        warnings.warn(
            f"moments.vicreg_linear: {'; '.join(reasons)}. Returned with exact=False (W may not be "
            f"optimal; {loss}). Solve in memory with vicreg.optimal_linear(X, G, ...), pass "
            f"groups=... if the relation is augmentation views, or lower invariance.",
            UserWarning, stacklevel=stacklevel + 1)
    # frames: warn_if_collapsed, warn_vicreg, this function, then the caller
    vicreg.warn_collapse(solution.rank, solution.W.shape[1], solution.eigenvalues,
                         solution.hyperparameters, "linear", stacklevel=stacklevel + 2)


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
    hyper = vicreg.check_hyperparameters(variance, covariance, invariance, variance_kind, eps, restarts)
    red = reductions(X, G, groups=groups, chunk_size=chunk_size)
    solution = solve_reductions(red, n_components, hyper, restarts, random_state)
    if "loss_untrusted" in solution.details and not is_dask(X):
        # the forms may have lost the loss's digits: the loss from Z, one more pass
        solution.loss = loss_on_z(X, solution.W, hyper, G, groups=groups, chunk_size=chunk_size)
        del solution.details["loss_untrusted"]
        solution.details["loss_from"] = "Z (one more chunked pass)"
        # the closed form is as exact as the solver said when the forms decided W
        solution.exact = (solution.details.pop("exact_if_trusted")
                          and "optimum_untrusted" not in solution.details)
    warn_solution(solution, 2)
    signs = column_signs(X, solution.W, solution.bias, chunk_size=chunk_size)
    solution.W = solution.W * signs
    solution.bias = solution.bias * signs
    solution.details["reductions"] = red
    return solution

r"""Closed forms solved from the reductions: linear VICReg for very large :math:`N`.

:func:`vicreg_linear_from_reductions` runs the computation of
:func:`spectral_ssl.methods.vicreg.optimal_linear` on the :math:`D\times D` forms of a
:class:`~spectral_ssl.moments.FeatureReductions` (no pass over the data);
:func:`vicreg_linear` adds the two chunked passes (the reductions, then the column signs).

The methods are imported inside the functions: ``methods.spectral_contrastive`` and
``methods._vicreg_linear`` call :func:`spectral_ssl.moments.reductions`, so a
module-level import here would be circular. The validation and the reduced solve come
from the public API of :mod:`spectral_ssl.methods.vicreg` (``check_hyperparameters``,
``reduced_solution``, ``scale_rank``); the whitening bases, the generalized
eigenproblem and the loss from the forms are shared with ``optimal_linear`` through
the private module ``methods._vicreg_linear``, which has no public spelling yet.
"""

from dataclasses import dataclass, field

import numpy as np

from ._passes import column_signs, reductions
from ..forms import FeatureReductions


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
        As in :class:`spectral_ssl.methods.LinearRepresentation`.
    n_samples : int

    Notes
    -----
    Not a :class:`spectral_ssl.methods.LinearRepresentation`: that class holds the
    :math:`N\times K` training representation ``Z`` (its ``n_components``, ``summary``
    and display read ``Z.shape``; :mod:`spectral_ssl.certify` and the plots read ``Z``), which a
    pass over :math:`N = 10^7` rows from disk or a dask cluster does not keep.
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
    from ..methods import _vicreg_linear, vicreg

    if not isinstance(red, FeatureReductions):
        raise TypeError(f"red must be FeatureReductions (from moments.reductions), got {type(red).__name__}.")
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

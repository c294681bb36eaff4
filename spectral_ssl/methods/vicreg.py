r"""VICReg is Laplacian Eigenmaps (a local spectral embedding).

**Theorem** (Balestriero and LeCun 2022, section 3.1). Let
:math:`0 \le \lambda_1 \le \dots \le \lambda_K` be the smallest eigenvalues of
the graph Laplacian :math:`L = D_G - G` on the complement of the constant
vector, with orthonormal eigenvectors :math:`U_K`. The VICReg loss with square
variance penalty

.. math::

    \mathcal L(Z) = \alpha \sum_k (1 - C_{kk})^2 + \beta \sum_{k\ne l} C_{kl}^2
    + \frac{2\gamma}{N} \operatorname{tr}(Z^\top L Z), \qquad C = Z^\top H Z/N,

is minimised by

.. math:: Z^\star = \sqrt N\, U_K \operatorname{diag}(\sqrt{t})\, R + \mathbf 1 b^\top,

where :math:`b` is arbitrary (returned as 0) and

* if :math:`\beta \ge \alpha`: :math:`t_k = \max(0, 1 - \tfrac{\gamma}{\alpha}\lambda_k)`
  and :math:`R = I` (any rotation);
* if :math:`\beta < \alpha`: :math:`t` minimises the convex
  :math:`\beta\sum(t_k-1)^2 + (\alpha-\beta)K(1-\bar t)^2 + 2\gamma\sum t_k\lambda_k`
  over :math:`t \ge 0`, solved exactly by water-filling
  (:math:`t_k = \max(0, c - \tfrac{\gamma}{\beta}\lambda_k)` for one scalar
  :math:`c`), and :math:`R` is a rotation that makes the diagonal of
  :math:`C = R^\top \operatorname{diag}(t) R` constant (built from Givens
  rotations; it exists by the Schur-Horn theorem).

Minimal loss: :math:`\sum_k \alpha(t_k-1)^2 + 2\gamma\lambda_k t_k` in the first
case, the water-filling objective at :math:`t` in the second. The rank is
:func:`spectral_ssl.linalg.representation_rank` of :math:`Z` (singular values
:math:`\sqrt{N t_k}` above 1e-6 of the largest): with :math:`\beta \ge \alpha`,
:math:`\#\{k : \lambda_k < \alpha/\gamma\}` up to :math:`t_k` below 1e-12 of the largest.

In the hard-constraint limit :math:`C = I` the problem is
:math:`\min \operatorname{tr}(Z^\top L Z)`: **Laplacian Eigenmaps** on
:math:`G` (ratio-cut form; Belkin-Niyogi's normalised form when :math:`G` is
degree-regular, as augmentation graphs are).

**Linear regime** :math:`Z = XW + \mathbf 1 b^\top`: the same with the
generalized eigenproblem :math:`A q = \mu B q`,
:math:`A = X^\top L X/N`, :math:`B = X^\top H X/N`, :math:`Q^\top B Q = I`:
:math:`W^\star = Q_K \operatorname{diag}(\sqrt t) R`, :math:`b = -\bar x^\top W^\star`.
Its hard-constraint limit is **Locality Preserving Projections**, and with a
balanced label graph **Fisher LDA**. **Kernel regime**: :math:`X \to K_X`.

**Hinge variance** :math:`v(c) = \max(0, 1-\sqrt{c+\epsilon})`: no closed form
is known. The optimum still lies in :math:`\operatorname{span}(U_K)`, so the
problem reduces to a :math:`K\times K` matrix :math:`Y_0`
(:math:`Z = \sqrt N U_K Y_0`) whose cost does not grow with :math:`N`; it is solved numerically from
several starts and returned with ``exact=False``.
"""

import numpy as np

from .. import linalg
from .._threads import single_threaded_blas
from .._validation import (check_integer, check_n_components, check_option, check_random_state,
                           check_scalar)
from .._relations import LabelRelation, check_relation
from ..losses import VARIANCE_KINDS, vicreg_value_and_gradient
from . import _collapse, _contrastive_forms, _parametric, _roundoff, _vicreg_hinge, _vicreg_linear
from ._vicreg_scales import waterfilling_scales
from ._result import KernelRepresentation, LinearRepresentation, Representation

NAME = "vicreg"

#: Relative asymmetry of a kernel Gram matrix symmetrised rather than refused.
KERNEL_SYMMETRY_RTOL = _parametric.KERNEL_SYMMETRY_RTOL

linear_from_reductions = _vicreg_linear.linear_from_reductions  #: VICReg from FeatureReductions alone
warn_collapse = _collapse.warn_vicreg  #: the CollapseWarning of every regime (and of ``moments``)

#: A column moved by at most ``_roundoff.COMPONENT_RTOL`` (1e-9) onto the component
#: indicators has mu <= lambda_max(L) * 1e-18; with round-off, mu up to this times
#: 2 max degree is checked for such columns (none can exist above it).
SNAP_MU_RTOL = 1e-10

#: The linear and kernel regimes take mu from the edge factor (``_vicreg_linear.edge_factor_solve``)
#: when invariance * mu_max exceeds this times variance: then eps * mu_max, the accuracy of
#: mu from the form X^T L X, costs more than ~1e-14 of the loss's scale.
EDGE_FACTOR_RATIO = 100.0

#: ... or invariance * delta this times variance (``_vicreg_linear.degree_scale``: a general graph).
EDGE_FACTOR_DEGREE_RATIO = 1e4


def loss_and_gradient(Z, G, *, variance, covariance, invariance, variance_kind, eps, degrees=None):
    """The exact loss and gradient for a validated CSR ``G`` (used by certify); ``degrees``: its row sums, if known."""
    degrees = linalg.degrees(G, check_input=False) if degrees is None else degrees
    return vicreg_value_and_gradient(Z, G, degrees, variance, covariance, invariance,
                                      variance_kind, eps)


# --------------------------------------------------------------------------- the reduced problem


def optimal_scales(eigenvalues, *, variance=25.0, covariance=1.0, invariance=25.0):
    r"""Per-direction variances :math:`t_k` of the optimum (square variance penalty).

    Parameters
    ----------
    eigenvalues : array_like, shape (K,)
        :math:`\lambda_1 \le \dots \le \lambda_K` (non-negative, ascending).
    variance, covariance, invariance : float
        :math:`\alpha > 0`, :math:`\beta \ge 0`, :math:`\gamma \ge 0`.

    Returns
    -------
    t : ndarray, shape (K,)
        :math:`\beta \ge \alpha`: :math:`\max(0, 1 - \gamma\lambda_k/\alpha)`.
        :math:`\beta < \alpha`: the water-filling solution (see the module docstring).

    Examples
    --------
    >>> optimal_scales([0.0, 0.5, 2.0], variance=1.0, covariance=1.0, invariance=1.0)
    array([1. , 0.5, 0. ])
    """
    lam = _check_eigenvalues(eigenvalues)
    alpha = check_scalar(variance, name="variance", low=0.0, low_inclusive=False)
    beta = check_scalar(covariance, name="covariance", low=0.0)
    gamma = check_scalar(invariance, name="invariance", low=0.0)
    if beta >= alpha:
        with np.errstate(over="ignore"):  # gamma / alpha beyond 1e308: -inf, then t = 0 as it should
            t = np.maximum(0.0, 1.0 - (gamma / alpha) * lam)
    else:
        t = waterfilling_scales(lam, alpha, beta, gamma)
    return _collapse.without_roundoff(t)  # t = 1e-16 where gamma lambda_k = alpha (K_7 at 7/7/1)


def _check_eigenvalues(eigenvalues):
    lam = np.asarray(eigenvalues, dtype=np.float64)
    if lam.ndim != 1 or lam.size == 0 or not np.all(np.isfinite(lam)):
        raise ValueError("eigenvalues must be a non-empty 1-D array of finite numbers.")
    if np.any(np.diff(lam) < 0):
        raise ValueError("eigenvalues must be sorted in ascending order.")
    return lam


def minimal_loss(eigenvalues, *, variance=25.0, covariance=1.0, invariance=25.0):
    r"""The optimal VICReg loss (square variance) predicted from the spectrum.

    :math:`\beta \ge \alpha`: :math:`\sum_k \alpha(t_k-1)^2 + 2\gamma\lambda_k t_k`;
    :math:`\beta < \alpha`: :math:`\beta\sum(t_k-1)^2 + (\alpha-\beta)K(1-\bar t)^2 + 2\gamma\sum t_k\lambda_k`.

    Examples
    --------
    >>> float(minimal_loss([0.0, 2.0], variance=1.0, covariance=1.0, invariance=1.0))
    1.0
    """
    lam = _check_eigenvalues(eigenvalues)
    t = optimal_scales(lam, variance=variance, covariance=covariance, invariance=invariance)
    alpha, beta, gamma = float(variance), float(covariance), float(invariance)
    invariance_part = gamma * (2.0 * np.sum(t * lam))  # not (2 gamma) * 0: inf * 0 at gamma near 1e308
    if beta >= alpha:
        return float(alpha * np.sum((t - 1.0) ** 2) + invariance_part)
    return float(beta * np.sum((t - 1.0) ** 2)
                 + (alpha - beta) * lam.size * (1.0 - t.mean()) ** 2 + invariance_part)


def constant_diagonal_rotation(scales, *, atol=1e-13):
    r"""An orthogonal :math:`R` with :math:`R^\top\operatorname{diag}(t)R` of constant diagonal :math:`\bar t`.

    Givens rotations: while some diagonal entry :math:`a` exceeds the mean
    :math:`m` and another :math:`d` falls below it, rotate their plane by the
    angle that sets the first to :math:`m` exactly (a root of
    :math:`(d-m)x^2 + 2bx + (a-m) = 0`, :math:`x = -\tan\theta`, always real
    since :math:`(a-m)(d-m) < 0`). Each rotation fixes one more entry, so at
    most :math:`K-1` are needed. Such an :math:`R` exists by Schur-Horn.

    Examples
    --------
    >>> import numpy as np
    >>> R = constant_diagonal_rotation([3.0, 1.0, 0.0, 0.0])
    >>> np.allclose(np.diag(R.T @ np.diag([3.0, 1.0, 0.0, 0.0]) @ R), 1.0)
    True
    """
    t = np.asarray(scales, dtype=np.float64)
    K = t.size
    C = np.diag(t)
    R = np.eye(K)
    target = t.mean()
    tol = atol * max(1.0, np.abs(t).max())
    for _ in range(K):
        excess = np.diag(C) - target
        i, j = int(np.argmax(excess)), int(np.argmin(excess))
        if excess[i] <= tol:
            break
        a, b, d = C[i, i], C[i, j], C[j, j]
        x = (-b + np.sqrt(b * b - (d - target) * (a - target))) / (d - target)
        cos = 1.0 / np.sqrt(1.0 + x * x)
        sin = -x * cos
        rotation = np.eye(K)
        rotation[i, i] = rotation[j, j] = cos
        rotation[i, j], rotation[j, i] = sin, -sin
        C = rotation.T @ C @ rotation
        R = R @ rotation
    return R


def _solve_reduced(lam, alpha, beta, gamma, variance_kind, eps, restarts, random_state):
    """Return (Y0, t, exact, details) with the optimum ``Y = U_K @ Y0`` (Y0 is K x K)."""
    if variance_kind == "square":
        t = optimal_scales(lam, variance=alpha, covariance=beta, invariance=gamma)
        if beta >= alpha:
            R = np.eye(lam.size)
            case = "diagonal (covariance >= variance)"
        else:
            R = constant_diagonal_rotation(t)
            case = "water-filling + constant-diagonal rotation (covariance < variance)"
        details = {"case": case, "rotation": R,
                   "minimal_loss": minimal_loss(lam, variance=alpha, covariance=beta, invariance=gamma)}
        return np.sqrt(t)[:, None] * R, t, True, details
    rng = check_random_state(random_state)
    Y0, details = _vicreg_hinge.solve_hinge(lam, alpha, beta, gamma, eps, restarts, rng)
    t = np.sort(np.linalg.eigvalsh(Y0.T @ Y0))[::-1]
    details["case"] = "hinge variance, reduced K x K problem solved numerically"
    return Y0, np.maximum(t, 0.0), False, details


# --------------------------------------------------------------------------- public solvers


def check_hyperparameters(variance, covariance, invariance, variance_kind, eps, restarts):
    """The validated hyper-parameters as the dict the loss takes (shared with :mod:`spectral_ssl.scale`)."""
    alpha = check_scalar(variance, name="variance", low=0.0, low_inclusive=False)
    beta = check_scalar(covariance, name="covariance", low=0.0)
    gamma = check_scalar(invariance, name="invariance", low=0.0)
    check_option(variance_kind, name="variance_kind", options=VARIANCE_KINDS)
    eps = check_scalar(eps, name="eps", low=0.0)
    check_integer(restarts, name="restarts", low=1)
    return {"variance": alpha, "covariance": beta, "invariance": gamma,
            "variance_kind": variance_kind, "eps": eps}


def scale_rank(t):
    r"""The rule of :func:`spectral_ssl.linalg.representation_rank` from the variances, without ``Z``.

    The centred optimum has singular values :math:`\sqrt{N t_k}`, so the rule counts
    :math:`\sqrt{t_k} > \text{RANK\_RTOL}\sqrt{\max t}` (for ``moments``, where ``Z`` is not formed).

    Examples
    --------
    >>> scale_rank(np.array([1.0, 1e-11, 1e-13, 0.0]))
    2
    """
    t = np.maximum(np.asarray(t, dtype=np.float64), 0.0)
    if t.size == 0 or not np.max(t) > 0:
        return 0
    roots = np.sqrt(t)
    return int(np.sum(roots > linalg.RANK_RTOL * np.max(roots)))


def reduced_solution(eigenvalues, *, variance, covariance, invariance, variance_kind="square",
                     eps=1e-4, restarts=8, random_state=0):
    r"""The :math:`K\times K` problem on the spectrum: ``(Y0, t, exact, details)``, optimum :math:`Y = U_K Y_0`.

    Square variance: :math:`Y_0 = \operatorname{diag}(\sqrt t)R` in closed form
    (``exact=True``); hinge: solved numerically (``exact=False``).
    """
    lam = _check_eigenvalues(eigenvalues)
    return _solve_reduced(lam, variance, covariance, invariance, variance_kind, eps, restarts,
                          random_state)


def optimal_representation(G, n_components, *, variance=25.0, covariance=1.0, invariance=25.0,
                           variance_kind="square", eps=1e-4, solver="auto", restarts=8,
                           random_state=0):
    r"""Optimal non-parametric VICReg representation :math:`Z^\star` (any :math:`Z \in \mathbb R^{N\times K}`).

    Parameters
    ----------
    G : relation graph, shape (N, N), or graphs.LabelRelation
        The implicit label relation (``graphs.from_labels(y, implicit=True)``) is solved
        from its closed-form spectrum (:func:`spectral_ssl.linalg.label_laplacian_eigenpairs`)
        in :math:`O(NK)`; ``solver`` is then unused.
    n_components : int, 1 <= K <= N - 1
    variance, covariance, invariance : float
        :math:`\alpha > 0, \beta \ge 0, \gamma \ge 0` (the VICReg paper's
        :math:`\mu, \nu, \lambda`). See :func:`spectral_ssl.losses.vicreg`.
    variance_kind : {"square", "hinge"}
        ``"square"``: closed form (``exact=True``). ``"hinge"``: reduced
        :math:`K\times K` problem solved numerically (``exact=False``).
    eps : float
        :math:`\epsilon` of the hinge.
    solver : {"auto", "dense", "arpack", "lobpcg"}
        Laplacian eigensolver, see :func:`spectral_ssl.linalg.smallest_eigenpairs`.
    restarts, random_state :
        Starts of the numerical hinge solve (unused for "square").

    Returns
    -------
    Representation
        ``Z`` has zero column means (:math:`b = 0`), ``eigenvalues`` are
        :math:`\lambda_1..\lambda_K`, ``scales`` the variances :math:`t_k`,
        ``details["minimal_loss"]`` the formula's value (square variance).

    Examples
    --------
    Five pairs of views: every eigenvalue used is 0, so every direction keeps
    variance 1 and the loss is 0.

    >>> import numpy as np
    >>> from spectral_ssl import graphs
    >>> G = graphs.from_groups(np.repeat(np.arange(5), 2))
    >>> rep = optimal_representation(G, 2, variance=1.0, covariance=1.0, invariance=1.0)
    >>> rep.rank, round(rep.loss, 12), rep.scales.tolist()
    (2, 0.0, [1.0, 1.0])
    """
    G = check_relation(G)  # CSR, or graphs.LabelRelation (spectrum in closed form, O(N K))
    hyper = check_hyperparameters(variance, covariance, invariance, variance_kind, eps, restarts)
    N = G.shape[0]
    K = check_n_components(n_components, N - 1,
                           what="the number of non-constant Laplacian eigenvectors (N - 1)")
    d = linalg.degrees(G, check_input=False)  # once: the eigensolver's and the loss's
    if isinstance(G, LabelRelation):
        lam, U = linalg.label_laplacian_eigenpairs(G, K)
    else:
        lam, U = linalg.laplacian_eigenpairs(G, K, solver=solver, check_input=False, degrees=d)
    lam = np.maximum(lam, 0.0)  # round-off below 0 on a PSD matrix
    Y0, t, exact, details = _solve_reduced(lam, hyper["variance"], hyper["covariance"],
                                           hyper["invariance"], variance_kind, hyper["eps"],
                                           restarts, random_state)
    (Z,) = linalg.sign_flip_with(np.sqrt(N) * U @ Y0)
    _collapse.warn_vicreg(rank := linalg.representation_rank(Z), K, lam, hyper, "nonparametric")
    return Representation(
        Z=Z, loss=loss_and_gradient(Z, G, degrees=d, **hyper)[0], rank=rank, eigenvalues=lam, scales=t,
        exact=exact, method=NAME, equivalent="Laplacian Eigenmaps", regime="nonparametric",
        hyperparameters=hyper, details=details,
    )


def _laplacian_bound(degrees):
    """An upper bound of the largest eigenvalue of L: twice the largest degree."""
    return 2.0 * float(np.max(degrees)) if degrees.size else 0.0


def _diagonal_covariance(hyper):
    """Whether the optimum's covariance is diagonal (square variance, covariance >= variance)."""
    return hyper["variance_kind"] == "square" and hyper["covariance"] >= hyper["variance"]


def _linear_solution(features, G, K, hyper, restarts, random_state, what, degrees=None):
    """Solve VICReg for Z = features @ W + b; return (W, bias, Z, mu, t, exact, details).

    ``degrees``: the row sums of ``G`` when the caller has them (the kernel regime, whose loss
    needs them anyway), else computed only where a branch needs them.

    The forms X^T L X and X^T H X come from one pass of :func:`spectral_ssl.forms.feature_reductions`
    (group sums and contrasts when G is a union of cliques) and the generalized eigenproblem
    is solved in the unit-free basis of :mod:`._vicreg_linear` (rescaling a feature does not
    change Z); see there.
    """
    T, A, B, mean, basis = _vicreg_linear.feature_space(features, G, degrees)
    forms = basis.pop("forms", None)
    # D x D and N x K work on one BLAS thread: threaded LAPACK on a 64 x 64 matrix took
    # 0.17 s instead of 0.3 ms on a loaded 2-core machine.
    with single_threaded_blas():
        mu, Q = _vicreg_linear.solve(A, B, T, K, what)
        # a large invariance weight pays the round-off of the form's small mu_k: the edge factor
        if _vicreg_linear.needs_edge_factor(A, T, forms, basis["relation"], G, features.shape[0], hyper,
                                            (EDGE_FACTOR_RATIO, EDGE_FACTOR_DEGREE_RATIO)):
            mu, Q = _vicreg_linear.edge_factor_solve(features, T, G, K, what)
        Y0, t, exact, details = _solve_reduced(mu, hyper["variance"], hyper["covariance"],
                                               hyper["invariance"], hyper["variance_kind"],
                                               hyper["eps"], restarts, random_state)
        details.update(basis)
        W = Q @ Y0
        bias = -mean @ W
        Z, W, bias = _roundoff.affine_decorrelated(features, W, bias, _diagonal_covariance(hyper),
                                                   None if forms is None else forms[1])
        Z, W, bias = _parametric.sign_rule(Z, W, bias)
        if (hyper["invariance"] and mu.size and mu[0] <= SNAP_MU_RTOL * _roundoff.degree_bound(G)
                and mu[0] <= SNAP_MU_RTOL * _laplacian_bound(
                    d := linalg.degrees(G, check_input=False) if degrees is None else degrees)):
            # columns of zero energy exactly constant on components (round-off costs invariance
            # * eps^2), if the loss does not rise and features @ W' + b' (refitted) reaches them
            snap = _roundoff.reachable_component_constant(
                features, Z, W, bias, G, T, mean, lambda Z_: loss_and_gradient(Z_, G, degrees=d, **hyper)[0])
            if snap is not None:
                Z, W, bias = snap
                forms = None  # the loss from Z, not from W
        if forms is not None:
            # the loss at Z = XW + b from the forms equals losses.vicreg(Z, G) to round-off
            # (tested), at O(D^2 K) instead of passes over Z and G; None when the forms may
            # have lost too many digits (see forms_loss), and the loss then comes from Z
            details["loss_from_forms"] = _vicreg_linear.forms_loss(W, forms, basis["relation"],
                                                                   hyper, features.shape[0])
            details["rank_from_forms"] = _contrastive_forms.full_rank_from_scatter(
                W, forms[1], _parametric.CONDITION_LIMIT)
    return W, bias, Z, mu, t, exact, details


def optimal_linear(X, G, n_components, *, variance=25.0, covariance=1.0, invariance=25.0,
                   variance_kind="square", eps=1e-4, restarts=8, random_state=0):
    r"""Optimal linear VICReg parameters :math:`Z = XW + \mathbf 1 b^\top`.

    Solves :math:`A q = \mu B q` with :math:`A = X^\top L X/N`,
    :math:`B = X^\top H X/N` on the range of :math:`B` (a singular :math:`B`,
    e.g. :math:`D > N` or constant features, is handled there: the part of
    :math:`W` in its null space is zero), then
    :math:`W^\star = Q_K\operatorname{diag}(\sqrt t)R`, :math:`b = -\bar x^\top W^\star`.

    **Unit-free and one pass.** Directions are decided on the correlation matrix of the
    features with the rule of :func:`spectral_ssl.linalg.feature_basis` (rescaling a
    feature changes neither ``Z`` nor the loss); the forms come from one pass of
    :func:`spectral_ssl.forms.feature_reductions`, from group sums and contrasts when ``G`` is a
    union of cliques of one weight (about one :math:`X^\top X`). ``details["basis"]``
    and ``details["relation"]`` say which; see ``_vicreg_linear``.

    Parameters
    ----------
    X : array_like, shape (N, D)
    G : relation graph, shape (N, N)
    n_components : int, 1 <= K <= rank of the centred features
    Other parameters as in :func:`optimal_representation`.

    Returns
    -------
    LinearRepresentation
        ``eigenvalues`` are :math:`\mu_1..\mu_K`; ``transform(X_new)`` maps new samples.
    """
    G = check_relation(G)  # CSR, or graphs.LabelRelation (forms from class sums and contrasts)
    X = _parametric.float_features(X, G.shape[0])
    hyper = check_hyperparameters(variance, covariance, invariance, variance_kind, eps, restarts)
    W, bias, Z, mu, t, exact, details = _linear_solution(
        X, G, n_components, hyper, restarts, random_state,
        what="the rank of the centred features X (directions with variance)")
    loss, rank = details.pop("loss_from_forms", None), details.pop("rank_from_forms", None)
    if loss is None:
        with single_threaded_blas():  # N x K work: threads only synchronise
            loss = loss_and_gradient(Z, G, **hyper)[0]
    loss = max(loss, 0.0)  # a sum of non-negative terms: the forms' cancellation gave -5e-14 at N <= 4
    rank = linalg.representation_rank(Z) if rank is None else rank
    _collapse.warn_vicreg(rank, Z.shape[1], mu, hyper, "linear")
    return LinearRepresentation(
        Z=Z, W=W, bias=bias, loss=loss, rank=rank, eigenvalues=mu, scales=t, exact=exact, method=NAME, equivalent="Locality Preserving Projections",
        hyperparameters=hyper, details=details,
    )


def optimal_kernel(X, G, n_components, *, kernel="rbf", bandwidth=None, degree=3, coef0=1.0,
                   variance=25.0, covariance=1.0, invariance=25.0, variance_kind="square",
                   eps=1e-4, restarts=8, random_state=0):
    r"""Optimal kernel VICReg :math:`Z = K_X A + \mathbf 1 b^\top` (kernel LPP).

    The linear regime with the features :math:`X` replaced by the Gram matrix
    :math:`K_X`: :math:`K_X L K_X a = \mu K_X H K_X a`. It is solved in the
    eigenbasis :math:`K_X = V\operatorname{diag}(s)V^\top` (eigenvalues above
    :math:`N\epsilon` of the largest, its numerical rank; see :func:`spectral_ssl.linalg.kernel_range_basis`),
    whitened by an orthonormal basis of :math:`H\operatorname{span}(V)` (singular
    values above ``1e-10``; :func:`spectral_ssl.linalg.centred_range_basis`),
    which spans the same representations with a well-conditioned covariance.
    New samples map by :math:`k(x, X) A + b`. A Gram matrix asymmetric by rounding
    (at most ``KERNEL_SYMMETRY_RTOL`` = 1e-6 of its largest entry) is symmetrised,
    :math:`(K_X + K_X^\top)/2`; a larger asymmetry raises ``ValueError``.

    Parameters
    ----------
    X : array_like, shape (N, D)
    G : relation graph, shape (N, N)
    n_components : int
    kernel : {"rbf", "linear", "polynomial"} or callable ``k(X, Y) -> ndarray``
    bandwidth : float, optional
        rbf length scale; ``None`` = median pairwise distance of ``X``.
    degree, coef0 :
        Polynomial kernel :math:`(x^\top y + \text{coef0})^{\text{degree}}`.
    Other parameters as in :func:`optimal_representation`.

    Returns
    -------
    KernelRepresentation
    """
    X, G = _parametric.kernel_inputs(X, G, call="vicreg.optimal_kernel")
    hyper = check_hyperparameters(variance, covariance, invariance, variance_kind, eps, restarts)
    k, gram = _parametric.kernel_gram(X, kernel, bandwidth, degree, coef0)
    # Work in the orthonormal eigenbasis V of K_X (Z = K_X A = V C): same optimum, but
    # B = V^T H V / N is well conditioned where K_X H K_X / N is not; the centred span is
    # whitened by the SVD of H V, thresholding singular values rather than variances (an rbf
    # kernel on many samples leaves a real centred direction of variance ~1e-11). gram is
    # exactly symmetric (symmetric_gram): kernel_range_basis's stricter check never refuses it.
    s, V, U, M = _parametric.kernel_basis(gram)
    d = linalg.degrees(G, check_input=False)  # once: the solve's and the loss's
    C, bias, Z, mu, t, exact, details = _linear_solution(
        U, G, n_components, hyper, restarts, random_state,
        what="the rank of the centred kernel matrix of X", degrees=d)
    details.pop("loss_from_forms", None), details.pop("rank_from_forms", None)  # from Z, below
    A, bias = _parametric.kernel_coefficients(C, bias, V, s, M)  # Z = U C' + b' = V (M C') + (b' - mean(V) M C')
    # Z stays U C' + b' (U orthonormal): transform(X) = gram @ A + bias is the same in exact
    # arithmetic, but its round-off grows like eps * s_max / s_min (up to 1e-6 of Z), which a
    # large invariance weight turned into a loss far above the optimum.
    details["kernel"] = repr(k)
    _collapse.warn_vicreg(rank := linalg.representation_rank(Z), Z.shape[1], mu, hyper, "kernel")
    return KernelRepresentation(
        Z=Z, A=A, bias=bias, X_fit=X, kernel=k, loss=loss_and_gradient(Z, G, degrees=d, **hyper)[0],
        rank=rank, eigenvalues=mu, scales=t, exact=exact, method=NAME,
        equivalent="kernel Locality Preserving Projections", hyperparameters=hyper, details=details,
    )

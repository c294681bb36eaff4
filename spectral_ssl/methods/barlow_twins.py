r"""Barlow Twins is Canonical Correlation Analysis.

The loss (graph form, :func:`spectral_ssl.losses.barlow_twins`):

.. math::

    \mathcal L(Z) = \sum_k (C_{kk}-1)^2 + \lambda\sum_{k\ne l} C_{kl}^2,\qquad
    C = \hat Z^\top G\hat Z,\quad \hat Z = Z_c\operatorname{diag}(Z_c^\top D_G Z_c)^{-1/2},

with :math:`Z_c = Z` (the paper's form) or :math:`Z_c` centred by the
:math:`D_G`-weighted mean (``centered=True``, batch-normalised views). Since
:math:`\hat z_k^\top D_G\hat z_k = 1`, :math:`C_{kk} = 1 - \hat z_k^\top L\hat z_k`
(Balestriero and LeCun 2022, section 3.4).

**Non-parametric regime.** :math:`\mathcal L = 0` iff :math:`C = I`: every
column is constant on each connected component (:math:`L\hat z_k = 0`) and the
columns are :math:`D_G`-orthogonal. Such columns exist iff
:math:`K \le c` (:math:`c` components), :math:`K \le c - 1` when centred (the
constant direction is removed); they are built from the component indicators
(``exact=True``, rank :math:`K \le c`). For larger :math:`K` not every column
can be invariant and **no closed form is known** (open problem): writing
:math:`\hat Z = D_G^{-1/2}Y` with unit columns, :math:`C = Y^\top\bar A Y`,
:math:`\bar A = D_G^{-1/2}GD_G^{-1/2}`, and the problem is solved numerically
(``exact=False``): a reduced :math:`K\times K` problem on the top-:math:`K`
eigenvectors of :math:`\bar A`, then L-BFGS on the full :math:`Z` from that
point and from random starts. The result is compared with the whitened
optimum (below, with :math:`X = I`); with the usual small :math:`\lambda` the
unconstrained optimum is nearly collapsed (columns close to the invariant
ones, decorrelation traded for invariance).

**Linear regime with within-view whitening** (:math:`W^\top X_c^\top D_G X_c W = I`).
Then :math:`C = W^\top X_c^\top G X_c W` and the loss only depends on
:math:`Q = B^{1/2}W` (orthonormal), :math:`B = X_c^\top D_G X_c`,
:math:`A = X_c^\top G X_c`. Let :math:`\rho_1 \ge \rho_2 \ge \dots` solve
:math:`A w = \rho B w` (:math:`|\rho| \le 1`): the **canonical correlations** of
the edge list (:math:`X_{left}, X_{right}`), i.e. **CCA**. For
:math:`\lambda \ge 1`, :math:`\mathcal L \ge \lVert C - I\rVert_F^2 \ge \sum_k (1-\rho_k)^2`
(Cauchy interlacing), attained by the top-:math:`K` canonical directions. For
:math:`\lambda < 1` (every library default) the diagonal solution is **not**
optimal: :math:`\mathcal L = \lambda\lVert C - I\rVert_F^2 + (1-\lambda)\sum_k (C_{kk}-1)^2
\ge \lambda\sum_k(1-\rho_k)^2 + (1-\lambda)K(1-\bar\rho)^2`
(interlacing, then Jensen with :math:`\operatorname{tr}C \le \sum_{k\le K}\rho_k`),
attained by :math:`W = Q_K R` with :math:`R` a rotation that makes the diagonal
of :math:`R^\top\operatorname{diag}(\rho)R` constant (Schur-Horn; the same
construction as VICReg with variance > covariance). The span is still the CCA
span. ``exact=True`` refers to this whitened (constrained) problem. Without
whitening, Barlow Twins can do better than CCA at finite :math:`N`:
``whiten=False`` optimises numerically from the CCA solution and random starts
(``exact=False``) and reports the gap. For degree-regular :math:`G` and centred
:math:`X`, :math:`\rho = 1 - \mu/d` with :math:`\mu` linear VICReg's generalized
eigenvalues: the same directions as Locality Preserving Projections.

Uncentred, the constant feature is part of the design (:math:`Z = [X,\mathbf 1][W; b^\top]`)
and always has :math:`\rho = 1`. **Kernel regime**: :math:`X \to K_X`; see
:func:`optimal_kernel` for why it needs regularisation.
"""


import numpy as np
import scipy.optimize
from scipy.sparse.csgraph import connected_components

from .. import linalg, memory
from .._threads import single_threaded_blas
from .._validation import (
    check_features,
    check_graph,
    check_n_components,
    check_no_isolated,
    check_random_state,
    check_scalar,
)
from ..losses import _barlow_twins_value_and_gradient, _check_flag
from ._result import KernelRepresentation, LinearRepresentation, Representation
from .vicreg import constant_diagonal_rotation

NAME = "barlow_twins"

#: Singular values (relative to the largest) below this count as collapsed directions. Looser
#: than for the closed forms: a numerically optimised Z that collapses a direction only gets
#: its singular value down to ~1e-9 (L-BFGS stops on the loss, which is quadratic in it).
RANK_TOL = 1e-6

_LBFGS_OPTIONS = {"maxiter": 3000, "maxcor": 30, "ftol": 1e-15, "gtol": 1e-11}


def loss_and_gradient(Z, G, *, off_diagonal, centered):
    """The exact loss and its gradient for an already validated CSR ``G`` (used by certify)."""
    degrees = np.asarray(G.sum(axis=1)).ravel()
    return _barlow_twins_value_and_gradient(Z, G, degrees, off_diagonal, centered)


def whitened_minimal_loss(correlations, *, off_diagonal=5e-3):
    r"""Minimal loss under within-view whitening, from the :math:`K` correlations used.

    :math:`\lambda \ge 1`: :math:`\sum_k (1-\rho_k)^2`;
    :math:`\lambda < 1`: :math:`\lambda\sum_k(1-\rho_k)^2 + (1-\lambda)K(1-\bar\rho)^2`.

    Examples
    --------
    >>> whitened_minimal_loss([1.0, 0.0], off_diagonal=1.0)
    1.0
    >>> whitened_minimal_loss([1.0, 0.0], off_diagonal=0.0)  # rotate 45 degrees: C_kk = 1/2
    0.5
    """
    rho = np.asarray(correlations, dtype=np.float64)
    if rho.ndim != 1 or rho.size == 0 or not np.all(np.isfinite(rho)):
        raise ValueError("correlations must be a non-empty 1-D array of finite numbers.")
    lam = check_scalar(off_diagonal, name="off_diagonal", low=0.0)
    diagonal = float(np.sum((1.0 - rho) ** 2))
    if lam >= 1.0:
        return diagonal
    return float(lam * diagonal + (1.0 - lam) * rho.size * (1.0 - rho.mean()) ** 2)


def _whitened_rotation(rho, lam):
    return np.eye(rho.size) if lam >= 1.0 else constant_diagonal_rotation(rho)


def _check_hyper(off_diagonal, centered, restarts):
    lam = check_scalar(off_diagonal, name="off_diagonal", low=0.0)
    centered = _check_flag(centered, "centered")
    if isinstance(restarts, bool) or not isinstance(restarts, (int, np.integer)) or restarts < 0:
        raise ValueError(f"restarts must be an integer >= 0, got {restarts!r}.")
    return {"off_diagonal": lam, "centered": centered}


def _centred(Z, d, centered):
    return Z - (d @ Z) / d.sum() if centered else Z


def _column_scales(Z, d, centered):
    r"""Singular values of :math:`D_G^{1/2}Z_c/\sqrt{\operatorname{vol}}` (all 1 when whitened)."""
    Zc = _centred(Z, d, centered)
    return np.linalg.svd(np.sqrt(d)[:, None] * Zc / np.sqrt(d.sum()), compute_uv=False)


def _rank(scales):
    return int(np.sum(scales > RANK_TOL * max(float(scales.max()), np.finfo(float).tiny)))


def _unit_columns(Z, d, centered):
    """Rescale the columns to unit D_G-weighted second moment (the loss is scale-free)."""
    Zc = _centred(Z, d, centered)
    s = np.sum(d[:, None] * Zc**2, axis=0) / d.sum()
    return Z / np.sqrt(s)


def _lbfgs(objective, x0):
    with single_threaded_blas():
        res = scipy.optimize.minimize(objective, x0.ravel(), jac=True, method="L-BFGS-B",
                                      options=_LBFGS_OPTIONS)
    return res.x.reshape(x0.shape), float(res.fun), bool(res.success)


def _best_of(objective, starts):
    """Run L-BFGS from every start; return (x, value, converged, values)."""
    best = None
    values = []
    for start in starts:
        x, value, ok = _lbfgs(objective, start)
        values.append(value)
        if best is None or value < best[1]:
            best = (x, value, ok)
    return best[0], best[1], best[2], values


# --------------------------------------------------------------------------- non-parametric


def _indicator_solution(labels, n_comp, d, K, centered):
    r"""Columns constant on components, :math:`Z^\top D_G Z = \operatorname{vol} I` (zero mean if centred)."""
    N = labels.size
    vol = d.sum()
    E = np.zeros((N, n_comp))
    E[np.arange(N), labels] = 1.0
    E /= np.sqrt(np.bincount(labels, weights=d, minlength=n_comp))  # D_G-orthonormal indicators
    if centered:
        # Coordinates of the constant vector are sqrt(vol_j); keep its orthogonal complement.
        w = np.sqrt(np.bincount(labels, weights=d, minlength=n_comp))
        Q, _ = np.linalg.qr(np.column_stack([w, np.eye(n_comp)]))
        coords = Q[:, 1:n_comp]
    else:
        coords = np.eye(n_comp)
    return np.sqrt(vol) * E @ coords[:, :K]


def optimal_representation(G, n_components, *, off_diagonal=5e-3, centered=False, solver="auto",
                           restarts=8, random_state=0):
    r"""Optimal non-parametric Barlow Twins representation.

    * :math:`K \le c` (:math:`c - 1` if centred), :math:`c` the number of connected
      components: the loss-zero closed form, columns constant on components and
      :math:`D_G`-orthonormal (``exact=True``, loss 0, rank :math:`K`). Components
      are taken in the order of their smallest sample index; for centred
      columns, an orthonormal basis of the contrasts between components.
    * otherwise: **open problem**, solved numerically (``exact=False``): the
      reduced problem :math:`\min_T \mathcal L(D_G^{-1/2}V_K T)` over
      :math:`T\in\mathbb R^{K\times K}` (:math:`V_K` the top eigenvectors of
      :math:`\bar A`, deflated by :math:`D_G^{1/2}\mathbf 1` if centred), then
      L-BFGS on the full :math:`Z` from its optimum, from the whitened optimum
      and from ``restarts`` random starts; the best is returned.

    Parameters
    ----------
    G : relation graph, shape (N, N)
        No isolated sample (``ValueError``).
    n_components : int, 1 <= K <= N (N - 1 if centred)
    off_diagonal : float >= 0
        :math:`\lambda`.
    centered : bool
        Centre the columns by their :math:`D_G`-weighted mean inside the loss.
    solver : {"auto", "dense", "arpack"}
        Eigen-solver for :math:`L_{sym}` (numerical case only).
    restarts : int >= 0
        Random starts of the numerical case (on top of the two deterministic ones).
    random_state : None, int or numpy Generator

    Returns
    -------
    Representation
        Columns scaled to unit :math:`D_G`-weighted second moment (variance if
        centred). ``eigenvalues``: the :math:`\nu_k` of :math:`\bar A` used (1 in
        the loss-zero case); ``scales``: singular values of
        :math:`D_G^{1/2}Z_c/\sqrt{\operatorname{vol}}` (all 1 for decorrelated columns);
        ``details``: ``"case"``, ``"components"``, and in the numerical case
        ``"whitened_loss"`` (the :math:`D_G`-whitened optimum), ``"reduced_loss"``,
        ``"optimizer_loss"``, ``"start_losses"``.

    Examples
    --------
    >>> import numpy as np
    >>> from spectral_ssl import graphs
    >>> G = graphs.from_groups([0, 0, 0, 1, 1, 2, 2, 2])  # three components
    >>> rep = optimal_representation(G, 2, centered=True)
    >>> rep.exact, rep.rank, round(rep.loss, 12)
    (True, 2, 0.0)
    """
    G = check_graph(G)
    hyper = _check_hyper(off_diagonal, centered, restarts)
    lam, centered = hyper["off_diagonal"], hyper["centered"]
    N = G.shape[0]
    K = check_n_components(n_components, N - centered,
                           what="the number of samples" + (" minus one (centred)" if centered else ""))
    d = np.asarray(G.sum(axis=1)).ravel()
    check_no_isolated(d, method="Barlow Twins")
    vol = float(d.sum())
    n_comp, labels = connected_components(G, directed=False)
    invariant = n_comp - centered
    details = {"components": int(n_comp)}
    if K <= invariant:
        Z = _indicator_solution(labels, n_comp, d, K, centered)
        nu = np.ones(K)
        exact = True
        details["case"] = "loss zero: columns constant on components, D_G-orthonormal"
    else:
        Z, nu, extra = _numerical_representation(G, d, vol, K, lam, centered, solver, restarts,
                                                 random_state)
        details.update(extra)
        exact = False
    (Z,) = linalg.sign_flip_with(_unit_columns(Z, d, centered))
    scales = _column_scales(Z, d, centered)
    return Representation(
        Z=Z, loss=loss_and_gradient(Z, G, **hyper)[0], rank=_rank(scales), eigenvalues=nu, scales=scales,
        exact=exact, method=NAME, equivalent="CCA (graph components)", regime="nonparametric",
        hyperparameters=hyper, details=details,
    )


def _numerical_representation(G, d, vol, K, lam, centered, solver, restarts, random_state):
    rng = check_random_state(random_state)
    trivial = np.sqrt(d) if centered else None
    lam_sym, V = linalg._smallest_eigenpairs(linalg._laplacian(G, "normalized"), K,
                                             trivial=trivial, solver=solver)
    nu = np.minimum(1.0 - lam_sym, 1.0)
    R = _whitened_rotation(nu, lam)
    to_Z = np.sqrt(vol) * V / np.sqrt(d)[:, None]  # Z = to_Z @ T
    Z_white = to_Z @ R

    # Reduced problem: with Z = to_Z T, s = vol diag(T^T T) and M = vol T^T diag(nu) T,
    # i.e. the graph-form loss with G -> diag(nu), D_G -> I, uncentred.
    Lam, ones = np.diag(nu), np.ones(K)

    def reduced(flat):
        value, grad = _barlow_twins_value_and_gradient(flat.reshape(K, K), Lam, ones, lam, False)
        return value, grad.ravel()

    reduced_starts = [R] + [rng.standard_normal((K, K)) for _ in range(restarts)]
    T, reduced_loss, _, _ = _best_of(reduced, reduced_starts)

    def full(flat):
        value, grad = _barlow_twins_value_and_gradient(flat.reshape(-1, K), G, d, lam, centered)
        return value, grad.ravel()

    full_starts = [to_Z @ T, Z_white] + [rng.standard_normal((G.shape[0], K)) for _ in range(restarts)]
    Z, value, converged, start_losses = _best_of(full, full_starts)
    details = {
        "case": "K exceeds the invariant dimensions: no closed form known (open); reduced K x K "
                "problem on the top eigenvectors of D^-1/2 G D^-1/2, then L-BFGS on Z",
        "whitened_loss": whitened_minimal_loss(nu, off_diagonal=lam),
        "reduced_loss": float(reduced_loss),
        "optimizer_loss": float(value),
        "start_losses": [float(v) for v in start_losses],
        "converged": converged,
        "restarts": int(restarts),
    }
    return Z, nu, details


# --------------------------------------------------------------------------- linear and kernel


def _design(features, d, centered):
    """The design F with Z = F @ Wf, and the scale c of its constant column.

    Centred: the D_G-centred features (c = 0). Uncentred: [D_G-centred features, c 1],
    the span of [features, 1], with c the D_G-weighted root mean square of the
    features' leading direction: B = F^T D_G F is then block diagonal, and its relative
    rank threshold does not depend on the units of X (with a plain column of ones,
    X * 1e-6 lost every feature direction and X * 1e6 lost the bias).
    """
    vol = d.sum()
    centred = linalg.zero_constant_columns(features - (d @ features) / vol, features)
    if centered:
        return centred, 0.0
    weighted = np.sqrt(d)[:, None] * centred
    c = np.linalg.norm(weighted, ord=2) / np.sqrt(vol) if np.any(weighted) else 1.0
    return np.hstack([centred, np.full((features.shape[0], 1), c)]), c


def _cca_solution(features, G, K, hyper, whiten, restarts, random_state, rank_rtol, what,
                  penalty=None, regularization=0.0):
    """Generalized eigenproblem A w = rho (B + reg * penalty) w, then the whitened optimum."""
    lam, centered = hyper["off_diagonal"], hyper["centered"]
    d = np.asarray(G.sum(axis=1)).ravel()
    vol = float(d.sum())
    F, c = _design(features, d, centered)
    A = F.T @ (G @ F)
    B = F.T @ (d[:, None] * F)
    A, B = (A + A.T) / 2, (B + B.T) / 2
    if not np.any(B):
        raise ValueError(
            f"{what} is 0: the features are constant on the linked samples, so no direction "
            f"has a D_G-weighted variance; check X (constant columns, identical rows, the kernel).")
    if regularization > 0:
        B = B + regularization * penalty
    neg_rho, Q = linalg.generalized_eigh(-A, B, rank_rtol=rank_rtol)
    rho = -neg_rho
    K = check_n_components(K, rho.size, what=what)
    rho = np.clip(rho[:K], -1.0, 1.0)
    R = _whitened_rotation(rho, lam)
    coefficients = np.sqrt(vol) * Q[:, :K] @ R
    cca_loss = _barlow_twins_value_and_gradient(F @ coefficients, G, d, lam, centered)[0]
    details = {"problem": "whitened: W^T X_c^T D_G X_c W = I",
               "whitened_loss": whitened_minimal_loss(rho, off_diagonal=lam),
               "diagonal_cca_loss": float(np.sum((1.0 - rho) ** 2)),
               "rotation": R, "cca_loss": float(cca_loss)}
    exact = regularization == 0
    if not whiten:
        rng = check_random_state(random_state)

        def objective(flat):
            W = flat.reshape(-1, K)
            value, grad = _barlow_twins_value_and_gradient(F @ W, G, d, lam, centered)
            return value, (F.T @ grad).ravel()

        starts = [coefficients] + [rng.standard_normal(coefficients.shape) for _ in range(restarts)]
        optimum, value, converged, start_losses = _best_of(objective, starts)
        if value < cca_loss:
            coefficients = optimum
        details.update({"problem": "unconstrained (no whitening): numerical",
                        "optimizer_loss": float(value), "start_losses": [float(v) for v in start_losses],
                        "converged": converged, "restarts": int(restarts),
                        "gap_to_cca": float(cca_loss - min(value, cca_loss))})
        exact = False
    p = features.shape[1]
    W = coefficients[:p]
    bias = -((d @ features) / vol) @ W
    if not centered:
        bias = bias + c * coefficients[p]
    Z, W, bias = linalg.sign_flip_with(features @ W + bias, W, bias)
    scales = _column_scales(Z, d, centered)
    return W, bias, Z, rho, scales, exact, details


def optimal_linear(X, G, n_components, *, off_diagonal=5e-3, centered=False, whiten=True,
                   restarts=8, random_state=0, rank_rtol=1e-10):
    r"""Optimal linear Barlow Twins :math:`Z = XW + \mathbf 1 b^\top`: CCA.

    Solves :math:`X_c^\top G X_c\, w = \rho\, X_c^\top D_G X_c\, w` on the range of
    :math:`B = X_c^\top D_G X_c` (:math:`X_c` the :math:`D_G`-centred features if
    ``centered``, :math:`[X, \mathbf 1]` otherwise, so that the bias is optimised),
    keeps the :math:`K` largest :math:`\rho` and returns
    :math:`W = \sqrt{\operatorname{vol}}\,Q_K R` (columns of unit
    :math:`D_G`-weighted variance, mutually :math:`D_G`-uncorrelated; :math:`R = I`
    for :math:`\lambda \ge 1`, the constant-diagonal rotation otherwise; see the
    module docstring for why).

    Parameters
    ----------
    X : array_like, shape (N, D)
    G : relation graph, shape (N, N)
    n_components : int, 1 <= K <= rank of B
    off_diagonal : float >= 0
        :math:`\lambda`.
    centered : bool
    whiten : bool
        ``True``: the whitened problem, solved exactly (``exact=True``; its
        value is ``details["whitened_loss"]``). ``False``: the unconstrained
        linear problem, L-BFGS over :math:`W` from the whitened solution and
        ``restarts`` random starts (``exact=False``), never worse than the
        whitened solution; ``details["gap_to_cca"]`` is how much lower it got.
    restarts, random_state :
        Random starts (``whiten=False`` only).
    rank_rtol : float
        Relative eigenvalue threshold of :math:`B` (see
        :func:`spectral_ssl.linalg.generalized_eigh`).

    Returns
    -------
    LinearRepresentation
        ``eigenvalues``: the canonical correlations :math:`\rho_1 \ge\dots\ge \rho_K`;
        ``scales``: singular values of :math:`D_G^{1/2}Z_c/\sqrt{\operatorname{vol}}`.
    """
    G = check_graph(G)
    X = check_features(X, name="X", n_samples=G.shape[0])
    hyper = _check_hyper(off_diagonal, centered, restarts)
    whiten = _check_flag(whiten, "whiten")
    rank_rtol = check_scalar(rank_rtol, name="rank_rtol", low=0.0, low_inclusive=False, high=1.0)
    W, bias, Z, rho, scales, exact, details = _cca_solution(
        X, G, n_components, hyper, whiten, restarts, random_state, rank_rtol,
        what="the rank of X^T D_G X (centred features, or features plus the constant)")
    return LinearRepresentation(
        Z=Z, W=W, bias=bias, loss=loss_and_gradient(Z, G, **hyper)[0], rank=_rank(scales),
        eigenvalues=rho, scales=scales, exact=exact, method=NAME,
        equivalent="Canonical Correlation Analysis", hyperparameters=hyper, details=details,
    )


def optimal_kernel(X, G, n_components, *, kernel="rbf", bandwidth=None, degree=3, coef0=1.0,
                   off_diagonal=5e-3, centered=False, whiten=True, regularization=0.0, restarts=8,
                   random_state=0, rank_rtol=1e-10):
    r"""Optimal kernel Barlow Twins :math:`Z = K_X A + \mathbf 1 b^\top`: kernel CCA.

    The linear regime with :math:`X \to K_X`. **Degeneracy**: when :math:`K_X`
    has full rank every function on the training samples is reachable, so
    unregularised kernel CCA reproduces the non-parametric whitened problem:
    the correlations are the eigenvalues of :math:`\bar A = D_G^{-1/2}GD_G^{-1/2}`
    (1 on every connected component) and nothing is learned from the inputs
    beyond interpolation. ``regularization`` :math:`\kappa > 0` gives the usual
    regularised kernel CCA, :math:`K G K a = \rho\,(K D_G K + \kappa K)\,a` (the
    penalty :math:`\kappa\, a^\top K a` is the RKHS norm; the bias is not
    penalised): a different objective, so ``exact=False`` and
    ``eigenvalues`` are the regularised correlations.

    Parameters
    ----------
    X : array_like, shape (N, D)
    G : relation graph, shape (N, N)
    n_components : int
    kernel, bandwidth, degree, coef0 :
        See :func:`spectral_ssl.linalg.make_kernel`.
    off_diagonal, centered, whiten, restarts, random_state, rank_rtol :
        As in :func:`optimal_linear`.
    regularization : float >= 0
        :math:`\kappa`, in the units of :math:`K D_G K` versus :math:`K`.

    Notes
    -----
    Solved in the eigenbasis :math:`K_X = V\operatorname{diag}(s)V^\top` (eigenvalues above
    ``rank_rtol`` times the largest, :func:`spectral_ssl.linalg.kernel_range_basis`):
    :math:`Z = VC + \mathbf 1 b^\top`, :math:`A = V\operatorname{diag}(1/s)C`, penalty
    :math:`C^\top\operatorname{diag}(1/s)C`.

    Returns
    -------
    KernelRepresentation
    """
    memory.check_pairwise(X, call="barlow_twins.optimal_kernel", copies=4, alternative=memory.KERNEL_ALTERNATIVE)
    G = check_graph(G)
    X = check_features(X, name="X", n_samples=G.shape[0])
    hyper = _check_hyper(off_diagonal, centered, restarts)
    whiten = _check_flag(whiten, "whiten")
    regularization = check_scalar(regularization, name="regularization", low=0.0)
    rank_rtol = check_scalar(rank_rtol, name="rank_rtol", low=0.0, low_inclusive=False, high=1.0)
    k = linalg.make_kernel(X, kernel, bandwidth=bandwidth, degree=degree, coef0=coef0)
    gram = np.asarray(k(X, X), dtype=np.float64)
    if gram.shape != (X.shape[0], X.shape[0]) or not np.all(np.isfinite(gram)):
        raise ValueError("kernel(X, X) must return a finite (N, N) matrix.")
    # Eigenbasis K_X = V diag(s) V^T: Z = K_X A = V C with A = V diag(1/s) C, and the RKHS
    # penalty a^T K_X a = C^T diag(1/s) C. Same problem; B = V^T D V is not squared-ill-conditioned.
    s, V = linalg.kernel_range_basis((gram + gram.T) / 2, rank_rtol=rank_rtol)
    r = s.size
    penalty = np.diag(1.0 / s)
    if not hyper["centered"]:
        penalty = np.block([[penalty, np.zeros((r, 1))], [np.zeros((1, r)), np.zeros((1, 1))]])
    C, bias, Z, rho, scales, exact, details = _cca_solution(
        V, G, n_components, hyper, whiten, restarts, random_state, rank_rtol,
        what="the rank of K_X D_G K_X (centred kernel, or kernel plus the constant)",
        penalty=penalty, regularization=regularization)
    A = V @ (C / s[:, None])
    details["kernel"] = repr(k)
    details["regularization"] = regularization
    return KernelRepresentation(
        Z=Z, A=A, bias=bias, X_fit=X, kernel=k, loss=loss_and_gradient(Z, G, **hyper)[0],
        rank=_rank(scales), eigenvalues=rho, scales=scales, exact=exact, method=NAME,
        equivalent="kernel Canonical Correlation Analysis", hyperparameters=hyper, details=details,
    )

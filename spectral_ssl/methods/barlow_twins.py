r"""Barlow Twins: the loss as written (numerical) and the whitened problem (CCA, exact).

The loss (graph form, :func:`spectral_ssl.losses.barlow_twins`):

.. math::

    \mathcal L(Z) = \sum_k (C_{kk}-1)^2 + \lambda\sum_{k\ne l} C_{kl}^2,\qquad
    C = \hat Z^\top G\hat Z,\quad \hat Z = Z_c\operatorname{diag}(Z_c^\top D_G Z_c)^{-1/2},

with :math:`Z_c` centred by the :math:`D_G`-weighted mean (``centered=True``, the
default: batch normalisation with all views' statistics, the libraries' per-view one when the
views have equal column means and variances) or
:math:`Z_c = Z` (``centered=False``, the paper's form). Since
:math:`\hat z_k^\top D_G\hat z_k = 1`, :math:`C_{kk} = 1 - \hat z_k^\top L\hat z_k`
(Balestriero and LeCun 2022, section 3.4).

**Two problems.** Every solver takes ``constraint``:

* ``constraint=None`` (default): **the loss as written**, over every
  :math:`Z` of the regime. No closed form is known. It is minimised numerically
  (:func:`spectral_ssl._optimize.multistart`, started from the whitened optimum,
  from a reduced problem and from ``restarts`` random starts) and returned with
  ``exact=False``, except where a proof exists: the loss is a sum of squares, so
  the non-parametric loss-zero solution (:math:`K \le c`, :math:`c - 1` centred,
  :math:`c` connected components) is ``exact=True``; and for :math:`K = 1` the loss
  is :math:`(C_{11} - 1)^2` with :math:`C_{11} \le 1` a Rayleigh quotient, minimised by
  the top canonical direction (top eigenvector of :math:`\bar A` non-parametrically),
  ``exact=True``. With the usual small
  :math:`\lambda` this optimum **collapses**: decorrelation costs only
  :math:`\lambda C_{kl}^2`, so several columns repeat the most invariant
  directions and the rank falls below :math:`K` (``CollapseWarning``).
* ``constraint="whitened"``: the loss subject to within-view whitening,
  :math:`Z_c^\top D_G Z_c = \operatorname{vol} I`. Its optimum is **CCA** in closed form
  (below); ``exact=True`` refers to this constrained problem, which
  ``details["constraint"]`` and ``details["problem"]`` name. The loss as written is
  lower elsewhere (``docs/theory/barlow_twins.md`` measures the gap).

**Whitened problem, linear regime.** With :math:`W^\top X_c^\top D_G X_c W = \operatorname{vol} I`,
:math:`C = W^\top X_c^\top G X_c W/\operatorname{vol}` and the loss only depends on
:math:`Q = B^{1/2}W/\sqrt{\operatorname{vol}}` (orthonormal), :math:`B = X_c^\top D_G X_c`,
:math:`A = X_c^\top G X_c`. Let :math:`\rho_1 \ge \rho_2 \ge \dots` solve
:math:`A w = \rho B w` (:math:`|\rho| \le 1`): the **canonical correlations** of
the edge list (:math:`X_{left}, X_{right}`). For :math:`\lambda \ge 1`,
:math:`\mathcal L \ge \lVert C - I\rVert_F^2 \ge \sum_k (1-\rho_k)^2` (Cauchy
interlacing), attained by the top-:math:`K` canonical directions. For
:math:`\lambda < 1`, :math:`\mathcal L = \lambda\lVert C - I\rVert_F^2 + (1-\lambda)\sum_k (C_{kk}-1)^2
\ge \lambda\sum_k(1-\rho_k)^2 + (1-\lambda)K(1-\bar\rho)^2` (interlacing, then
Jensen with :math:`\operatorname{tr}C \le \sum_{k\le K}\rho_k`), attained by
:math:`W = Q_K R` with :math:`R` a rotation that makes the diagonal of
:math:`R^\top\operatorname{diag}(\rho)R` constant (Schur-Horn; the construction of
VICReg with variance > covariance). For degree-regular :math:`G` and centred
:math:`X`, :math:`\rho = 1 - \mu/d` with :math:`\mu` linear VICReg's generalized
eigenvalues: the directions of Locality Preserving Projections. Uncentred, the
constant feature is part of the design (:math:`Z = [X,\mathbf 1][W; b^\top]`) and has
:math:`\rho = 1`. **Non-parametric**: the same with :math:`X = I`, i.e. the top
eigenvectors of :math:`\bar A = D_G^{-1/2}GD_G^{-1/2}`. **Kernel**: :math:`X \to K_X`;
see :func:`optimal_kernel` for why it needs regularisation.

**Loss as written, linear regime.** Every :math:`Z = FQT` (:math:`Q` all canonical
directions), and the loss of :math:`Z` is the graph-form loss of :math:`T` for
:math:`G \to \operatorname{diag}(\rho)`, :math:`D_G \to I`: the search runs on that
:math:`r\times K` problem (:mod:`spectral_ssl.methods._barlow_solvers`).
"""

import numpy as np

from .. import linalg
from .._validation import (check_graph, check_n_components, check_no_isolated,
                           check_random_state, check_scalar)
from .._relations import check_relation
from ..forms import feature_reductions
from ..losses import barlow_twins_value_and_gradient
from . import _barlow_solvers, _implicit, _parametric
from ._result import KernelRepresentation, LinearRepresentation, Representation
from .vicreg import constant_diagonal_rotation

NAME = "barlow_twins"

#: The values of ``constraint``: ``None`` (the loss as written) or ``"whitened"`` (CCA).
CONSTRAINTS = _barlow_solvers.CONSTRAINTS

#: ``details["problem"]`` of each problem (``"whitened"`` results start with "whitened").
AS_WRITTEN = "the loss as written (no whitening constraint)"
WHITENED = {
    "nonparametric": "whitened (D_G-orthonormal columns, Z_c^T D_G Z_c = vol I): the top "
                     "eigenvectors of D^-1/2 G D^-1/2",
    "linear": "whitened (CCA): the loss subject to W^T X_c^T D_G X_c W = vol I",
    "kernel": "whitened (kernel CCA): the loss subject to A^T K_c D_G K_c A = vol I",
}


def loss_and_gradient(Z, G, *, off_diagonal, centered, degrees=None):
    """The exact loss and gradient for a validated CSR ``G`` (used by certify); ``degrees``: its row sums, if known."""
    degrees = linalg.degrees(G, check_input=False) if degrees is None else degrees
    return barlow_twins_value_and_gradient(Z, G, degrees, off_diagonal, centered)


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


def _equivalent(cca, constraint, exact):
    """CCA is the whitened problem's optimum (and the loss-zero one's); the loss as written has none known."""
    return cca if constraint == "whitened" or exact else f"none known ({cca} solves the whitened problem)"


# --------------------------------------------------------------------------- non-parametric


def optimal_representation(G, n_components, *, off_diagonal=5e-3, centered=True, constraint=None,
                           solver="auto", restarts=8, random_state=0, whiten=None):
    r"""Optimal non-parametric Barlow Twins representation.

    * :math:`K \le c` (:math:`c - 1` if centred), :math:`c` the number of connected
      components: the loss-zero closed form, columns constant on components and
      :math:`D_G`-orthonormal (``exact=True``, loss 0, rank :math:`K`, for both
      problems: it is whitened). Components are taken in the order of their
      smallest sample index; for centred columns, an orthonormal basis of the
      contrasts between components.
    * otherwise, ``constraint="whitened"``: :math:`Z = \sqrt{\operatorname{vol}}\,D_G^{-1/2}V_K R`,
      :math:`V_K` the top eigenvectors of :math:`\bar A = D_G^{-1/2}GD_G^{-1/2}` (deflated by
      :math:`D_G^{1/2}\mathbf 1` if centred), :math:`R` the constant-diagonal rotation
      (:math:`\lambda < 1`): ``exact=True`` for the whitened problem, loss
      :func:`whitened_minimal_loss` of the :math:`\nu_k`.
    * otherwise, the loss as written with :math:`K = 1`: the top (non-trivial if centred)
      eigenvector of :math:`\bar A` maximises :math:`C_{11}` (``exact=True``);
    * otherwise, the loss as written: **no closed form known**, ``exact=False``: the
      reduced problem :math:`\min_T \mathcal L(D_G^{-1/2}V_K T)`, :math:`T\in\mathbb R^{K\times K}`,
      then the full :math:`Z` by :func:`spectral_ssl._optimize.multistart` from its
      optimum, from the whitened optimum and from ``restarts`` random starts.

    Parameters
    ----------
    G : relation graph, shape (N, N), or graphs.LabelRelation (closed forms only)
        No isolated sample (``ValueError``).
    n_components : int, 1 <= K <= N (N - 1 if centred)
    off_diagonal : float >= 0
        :math:`\lambda`.
    centered : bool, default True
        Centre the columns by their :math:`D_G`-weighted mean inside the loss
        (batch-normalised views); ``False`` is the paper's uncentred form.
    constraint : {None, "whitened"}
        ``None``: the loss as written; ``"whitened"``: the whitened problem.
    solver : {"auto", "dense", "arpack", "lobpcg"}
        Eigen-solver for :math:`L_{sym}`.
    restarts : int >= 0
        Random starts added to the informed ones (the loss as written only).
    random_state : None, int or numpy Generator
    whiten : bool, optional
        Deprecated spelling of ``constraint``, as in :func:`optimal_linear`.

    Returns
    -------
    Representation
        Columns scaled to unit :math:`D_G`-weighted second moment (variance if
        centred). ``eigenvalues``: the :math:`\nu_k` of :math:`\bar A` used (1 in
        the loss-zero case); ``scales``: singular values of
        :math:`D_G^{1/2}Z_c/\sqrt{\operatorname{vol}}` (all 1 for decorrelated columns);
        ``rank``: :func:`spectral_ssl.linalg.representation_rank` of ``Z``;
        ``details``: ``"constraint"``, ``"problem"``, ``"case"``, ``"components"``,
        ``"whitened_loss"``, and for the numerical case ``"reduced_loss"`` and the
        multi-start fields (``"converged"``, ``"restart_losses"``, ...).

    Warns
    -----
    CollapseWarning
        When the rank is below :math:`K`.

    Examples
    --------
    >>> import numpy as np
    >>> from spectral_ssl import graphs
    >>> G = graphs.from_groups([0, 0, 0, 1, 1, 2, 2, 2])  # three components
    >>> rep = optimal_representation(G, 2)
    >>> rep.exact, rep.rank, round(rep.loss, 12)
    (True, 2, 0.0)
    """
    G = check_relation(G)  # CSR, or graphs.LabelRelation: components = classes, L_sym closed form
    hyper = _barlow_solvers.check_hyperparameters(off_diagonal, centered, restarts)
    constraint = _barlow_solvers.check_constraint(constraint, whiten)
    lam, centered = hyper["off_diagonal"], hyper["centered"]
    N = G.shape[0]
    K = check_n_components(n_components, N - centered,
                           what="the number of samples" + (" minus one (centred)" if centered else ""))
    d = linalg.degrees(G, check_input=False)
    check_no_isolated(d, method=_barlow_solvers.SHOWN)
    n_comp, labels = _implicit.components(G)
    details = {"constraint": constraint, "components": int(n_comp),
               "problem": AS_WRITTEN if constraint is None else WHITENED["nonparametric"]}
    if K <= n_comp - centered:
        Z = _barlow_solvers.indicator_solution(labels, n_comp, d, K, centered)
        nu = np.ones(K)
        exact = True
        details.update(case="loss zero: columns constant on components, D_G-orthonormal",
                       whitened_loss=0.0)
    else:
        Z, nu, extra = _spectral_representation(G, d, K, lam, centered, constraint, solver, restarts,
                                                random_state)
        details.update(extra)
        exact = constraint == "whitened" or K == 1
    (Z,) = linalg.sign_flip_with(_barlow_solvers.unit_columns(Z, d, centered))
    rank = _barlow_solvers.rank_and_warn(Z, K, "nonparametric", constraint, hyper)
    return Representation(
        Z=Z, loss=loss_and_gradient(Z, G, degrees=d, **hyper)[0], rank=rank, eigenvalues=nu,
        scales=_barlow_solvers.column_scales(Z, d, centered), exact=exact, method=NAME,
        equivalent=_equivalent("CCA (graph components)", constraint, exact),
        regime="nonparametric", hyperparameters=hyper,
        details=details,
    )


def _spectral_representation(G, d, K, lam, centered, constraint, solver, restarts, random_state):
    """The whitened optimum on the top eigenvectors of D^-1/2 G D^-1/2, or the numerical as-written one."""
    vol = float(d.sum())
    trivial = np.sqrt(d) if centered else None
    lam_sym, V = _implicit.normalized_pairs(G, K, trivial, solver, d)
    nu = np.minimum(1.0 - lam_sym, 1.0)
    R = _whitened_rotation(nu, lam)
    to_Z = np.sqrt(vol) * V / np.sqrt(d)[:, None]  # Z = to_Z @ T
    details = {"whitened_loss": whitened_minimal_loss(nu, off_diagonal=lam)}
    if constraint == "whitened":
        details["case"] = "whitened: top eigenvectors of D^-1/2 G D^-1/2, constant-diagonal rotation"
        return to_Z @ R, nu, details
    if K == 1:  # (C_11 - 1)^2 with C_11 a Rayleigh quotient of A-bar: its top eigenvector
        details["case"] = "K = 1: the top eigenvector of D^-1/2 G D^-1/2 maximises C_11 (proven)"
        return to_Z, nu, details
    _implicit.refuse_numerical(G, K, centered)
    rng = check_random_state(random_state)
    # Reduced problem: with Z = to_Z T, Z^T D_G Z = vol T^T T and Z^T G Z = vol T^T diag(nu) T,
    # i.e. the graph-form loss with G -> diag(nu), D_G -> I, uncentred.
    reduced = _barlow_solvers.solve_canonical(nu, K, lam, [R], restarts, rng)
    full = _barlow_solvers.solve_graph(G, d, K, lam, centered, [to_Z @ reduced.x, to_Z @ R],
                                       restarts, rng)
    details.update(full.details())
    full.x = _barlow_solvers.by_invariance(full.x, G, d, centered)
    details.update(case="K exceeds the invariant dimensions: no closed form known (open); reduced "
                        "K x K problem on the top eigenvectors of D^-1/2 G D^-1/2, then multi-start "
                        "L-BFGS on Z", reduced_loss=float(reduced.fun))
    return full.x, nu, details


# --------------------------------------------------------------------------- linear and kernel


def _solve_parametric(features, G, K, hyper, constraint, restarts, random_state, rank_rtol, what,
                      regime, degrees, penalty=None, regularization=0.0, basis=None, red=None):
    """CCA (A w = rho (B + reg * penalty) w), then the search for the loss as written. ``basis``: ``T``
    (X_c T orthonormal, W = T W_T) or None; ``red``: the forms of (X, G) that gave ``basis`` (D x D algebra;
    a closed form's loss, rank and scales from them) or None; ``degrees``: row sums of G (None with red)."""
    lam, centered = hyper["off_diagonal"], hyper["centered"]
    A, B, c, mean, vol, F = _barlow_solvers.parametric_design(features, G, degrees, centered, basis, red, what)
    if F is not None and not regularization > 0:  # from the factor D^1/2 F: degrees over decades
        neg_rho, Q = linalg.degree_weighted_eigh(F, G, degrees, rank_rtol=rank_rtol)
    else:
        B = B + regularization * penalty if regularization > 0 else B
        neg_rho, Q = linalg.generalized_eigh(-A, B, rank_rtol=rank_rtol)
    rho_all = -neg_rho
    K = check_n_components(K, rho_all.size, what=what)
    rho = np.clip(rho_all[:K], -1.0, 1.0)
    R = _whitened_rotation(rho, lam)
    p = B.shape[0] - (not centered)

    def parameters(coefficients):  # W and b of Z = F @ coefficients
        W = coefficients[:p] if basis is None else basis @ coefficients[:p]
        return W, -mean @ W + (0.0 if centered else c * coefficients[p])

    coefficients = np.sqrt(vol) * Q[:, :K] @ R
    closed = red is not None and (constraint == "whitened" or K == 1)  # then the loss of the Z returned
    cca_loss = None if closed else _barlow_solvers.design_loss(
        features, G, degrees, F, coefficients, *parameters(coefficients), mean, red, hyper)
    details = {"constraint": constraint,
               "whitened_loss": whitened_minimal_loss(rho, off_diagonal=lam),
               "diagonal_cca_loss": float(np.sum((1.0 - rho) ** 2)),
               "rotation": R, "cca_loss": cca_loss}
    if constraint == "whitened":
        details["problem"] = WHITENED[regime]
        exact = regularization == 0
        if not exact:
            details["exactness"] = ("approximate: regularised kernel CCA (regularization > 0), not "
                                    "proven optimal for the whitened problem or the loss")
    elif K == 1:
        # (C_11 - 1)^2 with C_11 = w^T A w / w^T B w <= rho_1 <= 1: the top canonical direction.
        details.update(problem=AS_WRITTEN, gap_to_cca=0.0,
                       case="K = 1: the top canonical direction maximises C_11 (proven)")
        exact = True
    else:
        # In the canonical coordinates Z = F Q T the loss is that of T for G -> diag(rho_all),
        # D_G -> I (module docstring): the search runs on an r x K matrix, not N x K.
        T0 = np.zeros((rho_all.size, K))
        T0[:K] = R
        rng = check_random_state(random_state)
        result = _barlow_solvers.solve_canonical(np.clip(rho_all, -1.0, 1.0), K, lam, [T0], restarts,
                                                 rng)
        T = result.x / np.linalg.norm(result.x, axis=0)  # unit D_G-weighted second moment
        T = T[:, np.argsort(-np.einsum("ik,i,ik->k", T, rho_all, T), kind="stable")]
        coefficients = np.sqrt(vol) * Q @ T
        details.update(result.details())
        details.update(problem=AS_WRITTEN, gap_to_cca=float(cca_loss - result.fun))
        exact = False
    W, bias = parameters(coefficients)
    if red is not None:  # Z = X W + b, one product; loss, rank and scales of a closed form from the forms
        Z, W, bias, forms = _barlow_solvers.forms_outputs(features, G, degrees, W, bias, mean, red, hyper, closed)
        details.update(forms=forms, cca_loss=forms[0] if closed else cca_loss)
        return W, bias, Z, rho, forms[2], exact, details
    # Z from the design: X W + b in exact arithmetic, without the round-off of an offset
    Z = F @ coefficients if basis is not None else features @ W + bias
    Z, W, bias = linalg.sign_flip_with(Z, W, bias)
    scales = _barlow_solvers.column_scales(Z, degrees, centered)
    return W, bias, Z, rho, scales, exact, details


def optimal_linear(X, G, n_components, *, off_diagonal=5e-3, centered=True, constraint=None,
                   whiten=None, restarts=8, random_state=0, rank_rtol=1e-10):
    r"""Optimal linear Barlow Twins :math:`Z = XW + \mathbf 1 b^\top`: the loss as written, or CCA.

    Both problems start from CCA: :math:`X_c^\top G X_c\, w = \rho\, X_c^\top D_G X_c\, w`
    on the range of :math:`B = X_c^\top D_G X_c` (:math:`X_c` the :math:`D_G`-centred
    features if ``centered``, :math:`[X, \mathbf 1]` otherwise, so that the bias is
    optimised), the :math:`K` largest :math:`\rho` and
    :math:`W = \sqrt{\operatorname{vol}}\,Q_K R` (unit :math:`D_G`-weighted variance,
    mutually :math:`D_G`-uncorrelated; :math:`R = I` for :math:`\lambda \ge 1`, the
    constant-diagonal rotation otherwise; see the module docstring).

    * ``constraint="whitened"``: that is the optimum of the whitened problem
      (``exact=True`` for it; its loss is ``details["whitened_loss"]``).
    * ``constraint=None`` (default): the loss as written, minimised numerically
      over all :math:`W, b` (in canonical coordinates, see the module docstring)
      by :func:`spectral_ssl._optimize.multistart` from the CCA solution and
      ``restarts`` random starts (``exact=False``), never worse than CCA;
      ``details["gap_to_cca"]`` is how much lower it got. :math:`K = 1`: the top
      canonical direction, proven optimal (``exact=True``).

    **Cost** (closed forms): one pass of :func:`spectral_ssl.forms.feature_reductions`, :math:`D\times D`
    algebra, :math:`Z = XW + b`; loss, rank and scales from the forms when round-off bounds allow, else ``Z``.

    Parameters
    ----------
    X : array_like, shape (N, D)
    G : relation graph, shape (N, N)
    n_components : int, 1 <= K <= rank of B
    off_diagonal : float >= 0
        :math:`\lambda`.
    centered : bool, default True
        Centre the columns inside the loss (batch-normalised views, as the
        reference libraries train); ``False``: the paper's uncentred form.
    constraint : {None, "whitened"}
        The problem solved (see above).
    whiten : bool, optional
        Deprecated (``FutureWarning``): ``True`` means ``constraint="whitened"``,
        ``False`` means ``constraint=None``.
    restarts : int >= 0
        Random starts added to the CCA start (the loss as written only).
    random_state : None, int or numpy Generator
    rank_rtol : float
        Relative eigenvalue threshold of :math:`B` (:func:`spectral_ssl.linalg.generalized_eigh`),
        in the unit-free basis of :func:`spectral_ssl.linalg.feature_basis` (so units do not matter).

    Returns
    -------
    LinearRepresentation
        ``eigenvalues``: the canonical correlations :math:`\rho_1 \ge\dots\ge \rho_K`;
        ``scales``: singular values of :math:`D_G^{1/2}Z_c/\sqrt{\operatorname{vol}}`;
        ``rank``: :func:`spectral_ssl.linalg.representation_rank` of ``Z``;
        ``details``: ``"constraint"``, ``"problem"``, ``"cca_loss"``, ``"whitened_loss"``,
        and for the loss as written the multi-start fields and ``"gap_to_cca"``.

    Warns
    -----
    CollapseWarning
        When the rank is below :math:`K` (typical of the loss as written with a small
        ``off_diagonal``).
    FutureWarning
        When ``whiten`` is given.
    """
    constraint = _barlow_solvers.check_constraint(constraint, whiten)
    G = check_graph(G)
    closed = constraint == "whitened" or n_components == 1  # else a numerical search, on X as before
    X = (_parametric.float_features if closed else _parametric.scaled_features)(X, n_samples=G.shape[0])
    hyper = _barlow_solvers.check_hyperparameters(off_diagonal, centered, restarts)
    rank_rtol = check_scalar(rank_rtol, name="rank_rtol", low=0.0, low_inclusive=False, high=1.0)
    red = feature_reductions(X, G, graph_checked=True) if closed else None  # D x D forms, one pass
    T, source = _parametric.unit_free_basis(X, red)  # unit-free: X, X * [1, 1e-6] same optimum
    red = red if closed and source == "reductions" and red.volume > 0 else None
    if red is not None and not _barlow_solvers.weighted_scatter_resolved(red, T):
        red = None  # degrees over many decades: the factor D^1/2 X decides (linalg.degree_weighted_eigh)
    d = None if red is not None else linalg.degrees(G, check_input=False)  # the forms need none
    with _barlow_solvers.forms_threads(red):  # D x D algebra on one BLAS thread (see there)
        W, bias, Z, rho, scales, exact, details = _solve_parametric(
            X, G, n_components, hyper, constraint, restarts, random_state, rank_rtol,
            what="the rank of X^T D_G X (centred features, or features plus the constant)",
            regime="linear", degrees=d, basis=T, red=red)
    loss, rank, _ = details.pop("forms", (None,) * 3)
    details["basis"] = source  # "reductions": the D x D forms decided every direction; "features"
    rank = _barlow_solvers.rank_and_warn(Z, Z.shape[1], "linear", constraint, hyper, rank=rank)
    return LinearRepresentation(
        Z=Z, W=W, bias=bias, loss=loss_and_gradient(Z, G, degrees=d, **hyper)[0] if loss is None else loss,
        rank=rank, eigenvalues=rho, scales=scales, exact=exact, method=NAME,
        equivalent=_equivalent("Canonical Correlation Analysis", constraint, exact),
        hyperparameters=hyper, details=details,
    )


def optimal_kernel(X, G, n_components, *, kernel="rbf", bandwidth=None, degree=3, coef0=1.0,
                   off_diagonal=5e-3, centered=True, constraint=None, whiten=None, regularization=0.0,
                   restarts=8, random_state=0, rank_rtol=None):
    r"""Optimal kernel Barlow Twins :math:`Z = K_X A + \mathbf 1 b^\top`: the loss as written, or kernel CCA.

    The linear regime with :math:`X \to K_X` (same two problems, same ``constraint``).
    **Degeneracy**: when :math:`K_X` has full rank every function on the training
    samples is reachable, so the unregularised problems reproduce the
    non-parametric ones: the whitened correlations are the eigenvalues of
    :math:`\bar A = D_G^{-1/2}GD_G^{-1/2}` (1 on every connected component) and
    nothing is learned from the inputs beyond interpolation. With
    ``constraint="whitened"``, ``regularization`` :math:`\kappa > 0` gives the usual
    regularised kernel CCA, :math:`K G K a = \rho\,(K D_G K + \kappa K)\,a` (the
    penalty :math:`\kappa\, a^\top K a` is the RKHS norm; the bias is not
    penalised): a different objective, so ``exact=False`` and ``eigenvalues``
    are the regularised correlations. The loss as written has no penalty:
    ``regularization > 0`` with ``constraint=None`` is refused.
    :math:`K_X` is symmetrised or refused by :func:`spectral_ssl.methods.vicreg.optimal_kernel`'s symmetry rule.

    Parameters
    ----------
    X : array_like, shape (N, D)
    G : relation graph, shape (N, N)
    n_components : int
    kernel, bandwidth, degree, coef0 :
        See :func:`spectral_ssl.linalg.make_kernel`.
    off_diagonal, centered, constraint, whiten, restarts, random_state, rank_rtol :
        As in :func:`optimal_linear`.
    regularization : float >= 0
        :math:`\kappa`, in the units of :math:`K D_G K` versus :math:`K`
        (``constraint="whitened"`` only).

    Notes
    -----
    Solved in the eigenbasis :math:`K_X = V\operatorname{diag}(s)V^\top` (eigenvalues above
    ``rank_rtol`` times the largest, by default :math:`N\epsilon`, the numerical rank of
    :func:`spectral_ssl.linalg.kernel_range_basis`, the CCA's rule then 1e-10):
    :math:`Z = VC + \mathbf 1 b^\top`, :math:`A = V\operatorname{diag}(1/s)C`, penalty
    :math:`C^\top\operatorname{diag}(1/s)C`.

    Returns
    -------
    KernelRepresentation
    """
    constraint = _barlow_solvers.check_constraint(constraint, whiten)
    X, G = _parametric.kernel_inputs(X, G, call="barlow_twins.optimal_kernel")
    hyper = _barlow_solvers.check_hyperparameters(off_diagonal, centered, restarts)
    regularization = check_scalar(regularization, name="regularization", low=0.0)
    if regularization > 0 and constraint is None:
        raise ValueError(f"regularization={regularization:g} applies to constraint='whitened' "
                         f"(regularised kernel CCA); the loss as written has no penalty. Pass "
                         f"constraint='whitened', or regularization=0.")
    cca_rtol = check_scalar(1e-10 if rank_rtol is None else rank_rtol, name="rank_rtol", low=0.0,
                            low_inclusive=False, high=1.0)  # None: K_X's numerical rank, the CCA's 1e-10
    k, gram = _parametric.kernel_gram(X, kernel, bandwidth, degree, coef0)
    # Z = K_X A = V C, A = V diag(1/s) C, penalty C^T diag(1/s) C; B = V^T D V is well conditioned
    s, V, _, _ = _parametric.kernel_basis(gram, rank_rtol=rank_rtol and cca_rtol, centred=False)  # None: N eps
    r = s.size
    penalty = np.diag(1.0 / s)
    if not hyper["centered"]:
        penalty = np.block([[penalty, np.zeros((r, 1))], [np.zeros((1, r)), np.zeros((1, 1))]])
    d = linalg.degrees(G, check_input=False)  # once: the solve's and the loss's
    C, bias, Z, rho, scales, exact, details = _solve_parametric(
        V, G, n_components, hyper, constraint, restarts, random_state, cca_rtol,
        what="the rank of K_X D_G K_X (centred kernel, or kernel plus the constant)", regime="kernel",
        degrees=d, penalty=penalty, regularization=regularization)
    A, _ = _parametric.kernel_coefficients(C, bias, V, s)
    details.update(kernel=repr(k), regularization=regularization)
    rank = _barlow_solvers.rank_and_warn(Z, Z.shape[1], "kernel", constraint, hyper)
    return KernelRepresentation(
        Z=Z, A=A, bias=bias, X_fit=X, kernel=k, loss=loss_and_gradient(Z, G, degrees=d, **hyper)[0],
        rank=rank, eigenvalues=rho, scales=scales, exact=exact, method=NAME,
        equivalent=_equivalent("kernel Canonical Correlation Analysis", constraint, exact),
        hyperparameters=hyper, details=details,
    )

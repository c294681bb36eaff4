r"""Numerical solvers of Barlow Twins' loss as written (no closed form is known).

Both regimes are reduced to a small problem before L-BFGS:

* **Linear and kernel.** With :math:`Q` the :math:`B`-orthonormal canonical directions
  of the design :math:`F` (:math:`Q^\top B Q = I`, :math:`Q^\top A Q = \operatorname{diag}(\rho)`,
  :math:`A = F^\top G F`, :math:`B = F^\top D_G F`) every reachable representation is
  :math:`Z = FQT`, :math:`T \in \mathbb R^{r\times K}`, and
  :math:`Z^\top G Z = T^\top\operatorname{diag}(\rho)T`, :math:`Z^\top D_G Z = T^\top T`.
  The loss only depends on these two matrices (its columns are centred already:
  :math:`d^\top F = 0` when centred, and uncentred it does not centre), so it is
  **exactly** the graph-form loss of :math:`T` for the "graph" :math:`\operatorname{diag}(\rho)`
  with unit degrees, uncentred: an :math:`r\times K` problem instead of :math:`N\times K`.
* **Non-parametric.** :math:`Z` itself is optimised (:math:`N\times K`), from the optimum
  of the same reduction on the top-:math:`K` eigenvectors of :math:`D_G^{-1/2}GD_G^{-1/2}`
  and from the whitened optimum.

Every search is :func:`spectral_ssl._optimize.multistart` (informed starts, ``restarts``
random ones, a polish from perturbed starts, convergence by the stationarity rule), through
:func:`~spectral_ssl._optimize.multistart_shown` for its progress display (a step per start,
the evaluations and loss within it; ``verbose=None``: the package's policy, set for a call by
:func:`spectral_ssl._progress.verbosity`).
"""

import warnings

import numpy as np
import scipy.sparse as sp

from .. import linalg
from .._optimize import multistart_shown
from ..exceptions import ConvergenceWarning
from ..forms import feature_reductions
from ..losses import barlow_twins_value_and_gradient, check_flag
from ._collapse import warn_if_collapsed

#: The values of ``constraint``: ``None`` (the loss as written) or ``"whitened"`` (CCA).
CONSTRAINTS = (None, "whitened")


def diagonal_objective(rho, off_diagonal):
    r"""``objective(flat) -> (loss, gradient)`` of :math:`T` (``len(rho)`` rows) for ``G = diag(rho)``, ``d = 1``."""
    Lam = sp.diags(np.asarray(rho, dtype=np.float64), format="csr")
    ones = np.ones(len(rho))

    def objective(flat):
        T = flat.reshape(len(rho), -1)
        value, grad = barlow_twins_value_and_gradient(T, Lam, ones, off_diagonal, False)
        return value, grad.ravel()

    return objective


def graph_objective(G, d, K, off_diagonal, centered):
    """``objective(flat) -> (loss, gradient)`` of the full ``Z`` (N x K)."""

    def objective(flat):
        value, grad = barlow_twins_value_and_gradient(flat.reshape(-1, K), G, d, off_diagonal, centered)
        return value, grad.ravel()

    return objective


def _warn_not_converged(result, where):
    if not result.converged:
        warnings.warn(
            f"Barlow Twins ({where}, loss as written): the best point of the multi-start search is not "
            f"stationary (gradient norm {result.gradient_norm:.3g} after {result.n_iterations} "
            f"L-BFGS-B iterations); the loss returned is an upper bound of the optimum. More restarts "
            f"may lower it.", ConvergenceWarning, stacklevel=4)


def solve_canonical(rho, K, off_diagonal, informed, restarts, rng):
    """Minimise the loss over ``T`` (``len(rho)`` x K) from ``informed`` and ``restarts`` random starts.

    Returns the :class:`~spectral_ssl._optimize.MultistartResult`; ``x`` is ``T``.
    """
    r = len(rho)
    result = multistart_shown(diagonal_objective(rho, off_diagonal), informed, restarts=restarts,
                              random_start=lambda g: g.standard_normal((r, K)), rng=rng,
                              progress=f"Barlow Twins (canonical problem, {r} x {K})")
    _warn_not_converged(result, "linear or kernel")
    return result


def by_invariance(Z, G, d, centered):
    r"""The columns of ``Z`` ordered by decreasing :math:`C_{kk}` (most invariant first).

    Numerical optima come in any column order; this makes the order reproducible
    (e.g. across units of the inputs), like the eigenvalue order of the closed forms.
    """
    Zc = centred(Z, d, centered)
    invariance = np.sum(Zc * (G @ Zc), axis=0) / np.sum(d[:, None] * Zc**2, axis=0)
    return Z[:, np.argsort(-invariance, kind="stable")]


def solve_graph(G, d, K, off_diagonal, centered, informed, restarts, rng):
    """Minimise the loss over the full ``Z`` (N x K) from ``informed`` and ``restarts`` random starts."""
    N = G.shape[0]
    result = multistart_shown(graph_objective(G, d, K, off_diagonal, centered), informed, restarts=restarts,
                              random_start=lambda g: g.standard_normal((N, K)), rng=rng,
                              progress=f"Barlow Twins (non-parametric, {N} samples)")
    _warn_not_converged(result, "non-parametric")
    return result


# --------------------------------------------------------------------------- shared helpers


def rank_and_warn(Z, K, regime, constraint, hyper, stacklevel=3):
    """The one rank rule (:func:`spectral_ssl.linalg.representation_rank`) and its CollapseWarning."""
    rank = linalg.representation_rank(Z)
    if rank < K:
        if constraint == "whitened":
            condition = ("uncentred, a column is spent on the constant direction (canonical "
                         "correlation 1)" if not hyper["centered"] else
                         "the whitened optimum has fewer informative directions than asked for")
            fix = "Use centered=True, or fewer components."
        elif not hyper["centered"]:
            condition = ("uncentred, the constant column has C_kk = 1 at no cost, so the loss as "
                         "written puts columns on it")
            fix = "Use centered=True (batch-normalised columns, the reference libraries' loss)."
        else:
            condition = (f"with off_diagonal = {hyper['off_diagonal']:g} decorrelation costs only "
                         f"off_diagonal * C_kl^2, so the loss as written repeats the most invariant "
                         f"directions")
            fix = ("Use constraint='whitened' (CCA: K decorrelated directions) or a larger "
                   "off_diagonal if distinct directions are wanted.")
        warn_if_collapsed(rank, K, method=f"Barlow Twins ({regime})", condition=condition, fix=fix,
                          stacklevel=stacklevel)
    return rank


def centred(Z, d, centered):
    return Z - (d @ Z) / d.sum() if centered else Z


def column_scales(Z, d, centered):
    r"""Singular values of :math:`D_G^{1/2}Z_c/\sqrt{\operatorname{vol}}` (all 1 when whitened)."""
    Zc = centred(Z, d, centered)
    return np.linalg.svd(np.sqrt(d)[:, None] * Zc / np.sqrt(d.sum()), compute_uv=False)


def unit_columns(Z, d, centered):
    """Rescale the columns to unit D_G-weighted second moment (the loss is scale-free)."""
    Zc = centred(Z, d, centered)
    s = np.sum(d[:, None] * Zc**2, axis=0) / d.sum()
    return Z / np.sqrt(s)


def indicator_solution(labels, n_comp, d, K, centered):
    r"""Columns constant on components, :math:`Z^\top D_G Z = \operatorname{vol} I` (zero mean if centred).

    Gram-Schmidt, in the :math:`D_G`-inner product, of the indicators of components
    :math:`0, 1, \dots, K-1` (in label order), after the constant when centred. In closed
    form, with :math:`v_k` the volume of component :math:`k` and :math:`R_k` the samples of
    components :math:`k, k+1, \dots` (volume :math:`r_k`):

    * uncentred: :math:`z_k = \sqrt{\operatorname{vol}}\,\mathbf 1_{C_k}/\sqrt{v_k}`;
    * centred: :math:`z_k = \sqrt{\operatorname{vol}}\,(\mathbf 1_{C_k}/\sqrt{v_k}
      - \sqrt{v_k}\,\mathbf 1_{R_k}/r_k) / \sqrt{1 - v_k/r_k}`.

    Memory :math:`N \times K` (a pairing graph has :math:`N/2` components: a basis of all
    of them would not fit).
    """
    vol = d.sum()
    volumes = np.bincount(labels, weights=d, minlength=n_comp)
    # r_k: the volume of components k, k+1, ... (a suffix sum)
    remaining = np.cumsum(volumes[::-1])[::-1]
    Z = np.zeros((labels.size, K))
    for k in range(K):
        inside = labels == k
        if centered:
            norm = np.sqrt(1.0 - volumes[k] / remaining[k])
            Z[labels > k, k] = -np.sqrt(vol * volumes[k]) / (remaining[k] * norm)
            Z[inside, k] = np.sqrt(vol) * (1.0 / np.sqrt(volumes[k]) - np.sqrt(volumes[k]) / remaining[k]) / norm
        else:
            Z[inside, k] = np.sqrt(vol / volumes[k])
    return Z


def design(features, d, centered):
    """The design F with Z = F @ Wf, and the scale c of its constant column.

    Centred: the D_G-centred features (c = 0). Uncentred: [D_G-centred features, c 1],
    the span of [features, 1], with c the D_G-weighted root mean square of the
    features' leading direction: B = F^T D_G F is then block diagonal, and its relative
    rank threshold does not depend on the units of X (with a plain column of ones,
    X * 1e-6 lost every feature direction and X * 1e6 lost the bias).
    """
    vol = d.sum()
    Xc = linalg.zero_constant_columns(features - (d @ features) / vol, features)
    if centered:
        return Xc, 0.0
    weighted = np.sqrt(d)[:, None] * Xc
    c = np.linalg.norm(weighted, ord=2) / np.sqrt(vol) if np.any(weighted) else 1.0
    return np.hstack([Xc, np.full((features.shape[0], 1), c)]), c


def check_constraint(constraint, whiten, stacklevel=3):
    """``constraint`` checked; the deprecated ``whiten`` mapped onto it with a FutureWarning."""
    if constraint not in CONSTRAINTS:
        raise ValueError(f"constraint must be None (the loss as written) or 'whitened' (CCA); "
                         f"got {constraint!r}.")
    if whiten is None:
        return constraint
    mapped = "whitened" if check_flag(whiten, "whiten") else None
    new = "constraint='whitened'" if mapped else "constraint=None (the default)"
    if constraint is not None and constraint != mapped:
        raise ValueError(f"whiten={whiten} contradicts constraint={constraint!r}; drop whiten "
                         f"(deprecated) and keep constraint.")
    warnings.warn(f"whiten={whiten} is deprecated and will be removed; use {new}. (The default is "
                  f"now the loss as written, solved numerically; the whitened problem is CCA.)",
                  FutureWarning, stacklevel=stacklevel)
    return mapped

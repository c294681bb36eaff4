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
from contextlib import nullcontext

import numpy as np
import scipy.sparse as sp

from .. import linalg
from .._optimize import multistart_shown
from .._threads import single_threaded_blas
from .._validation import check_integer, check_scalar
from ..exceptions import ConvergenceWarning
from ..losses import barlow_twins_value_and_gradient, check_flag
from ._collapse import warn_if_collapsed
from ._contrastive_forms import full_rank_from_scatter
from ._names import DISPLAY_NAMES
from ._parametric import CONDITION_LIMIT, affine_columns, sign_rule

#: The values of ``constraint``: ``None`` (the loss as written) or ``"whitened"`` (CCA).
CONSTRAINTS = (None, "whitened")

#: The method's name in messages and progress lines.
SHOWN = DISPLAY_NAMES["barlow_twins"]


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
            f"{SHOWN} ({where}, loss as written): the best point of the multi-start search is not "
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
                              progress=f"{SHOWN} (canonical problem, {r} x {K})")
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
                              progress=f"{SHOWN} (non-parametric, {N} samples)")
    _warn_not_converged(result, "non-parametric")
    return result


# --------------------------------------------------------------------------- shared helpers


def rank_and_warn(Z, K, regime, constraint, hyper, stacklevel=3, rank=None):
    """The one rank rule (:func:`spectral_ssl.linalg.representation_rank`) and its CollapseWarning.

    ``rank``: already decided from the forms (``_contrastive_forms.full_rank_from_scatter``), or None.
    """
    if rank is None:
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
            fix = "Use centered=True (batch-normalised columns)."
        else:
            condition = (f"with off_diagonal = {hyper['off_diagonal']:g} decorrelation costs only "
                         f"off_diagonal * C_kl^2, so the loss as written repeats the most invariant "
                         f"directions")
            fix = ("Use constraint='whitened' (CCA: K decorrelated directions) or a larger "
                   "off_diagonal if distinct directions are wanted.")
        warn_if_collapsed(rank, K, method=f"{SHOWN} ({regime})", condition=condition, fix=fix,
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


def check_hyperparameters(off_diagonal, centered, restarts):
    """``{"off_diagonal", "centered"}`` checked (the keyword arguments of the loss); ``restarts`` checked."""
    lam = check_scalar(off_diagonal, name="off_diagonal", low=0.0)
    centered = check_flag(centered, "centered")
    check_integer(restarts, name="restarts", low=0)
    return {"off_diagonal": lam, "centered": centered}


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


# --------------------------------------------------------------------------- linear regime from the forms


#: The loss of the whitened linear optimum is taken from the forms when a first-order bound
#: of their round-off is at most this fraction of it (otherwise it is evaluated on ``Z``).
FORMS_LOSS_RTOL = 1e-9


def weighted_scatter_resolved(red, T):
    r"""Whether :math:`T^\top Y^\top D_G Y T` (:math:`X_cT` orthonormal) has a condition number of at
    most ``CONDITION_LIMIT``: its whitening, from the forms, is then known to about
    :math:`\epsilon\,` ``CONDITION_LIMIT``. Degrees over many decades make it worse (weights 3e-4
    to 5e5: the canonical correlations 6e-4 off), and the caller solves from the features."""
    if T.shape[1] == 0:
        return True
    B = T.T @ red.weighted_scatter @ T
    e = np.linalg.eigvalsh((B + B.T) / 2)
    return bool(e[-1] > 0 and e[0] >= e[-1] / CONDITION_LIMIT)


def forms_threads(red):
    """One BLAS thread for a solve from the forms ``red`` (D x D algebra), else no change.

    A threaded 64 x 64 ``eigh`` took 0.2 s instead of a millisecond on a loaded 2-core machine;
    the one large product, :math:`Z = XW + b`, takes the threads back (``affine_columns``).
    """
    return single_threaded_blas() if red is not None else nullcontext()


def parametric_design(features, G, d, centered, basis, red, what):
    """``(A, B, c, mean, vol, F)`` of the design: from the forms ``red`` (``F`` None) or from ``F`` itself.

    ``d``: the row sums of ``G`` (read only without ``red``).

    Raises the error of a zero :math:`B`, naming ``what`` it is.
    """
    if red is not None:
        A, B, c, mean = forms_design(red, basis, centered)
        vol, F = red.volume, None
    else:
        vol = float(d.sum())
        centred = features if basis is None else \
            linalg.zero_constant_columns(features - features.mean(axis=0), features) @ basis
        F, c = design(centred, d, centered)
        A, B = F.T @ (G @ F), F.T @ (d[:, None] * F)
        A, B, mean = (A + A.T) / 2, (B + B.T) / 2, (d @ features) / vol
    if not np.any(B):
        raise ValueError(f"{what} is 0: the features are constant on the linked samples, so no direction has a "
                         f"D_G-weighted variance; check X (constant columns, identical rows, the kernel).")
    return A, B, c, mean, vol, F


def design_loss(features, G, d, F, coefficients, W, bias, mean, red, hyper):
    r"""The loss at :math:`Z = F\,\text{coefficients} = XW + \mathbf 1 b^\top`: from the forms when
    their round-off allows (:func:`forms_loss`), else from ``Z`` (``d``: the row sums of ``G``, or None)."""
    centered, lam = hyper["centered"], hyper["off_diagonal"]
    if red is not None:
        loss = forms_loss(*forms_moments(W, bias, mean, red, centered), lam)
        if loss is not None:
            return loss
    Z = F @ coefficients if red is None else affine_columns(features, W, bias)
    d = linalg.degrees(G, check_input=False) if d is None else d
    return barlow_twins_value_and_gradient(Z, G, d, lam, centered)[0]


def forms_outputs(features, G, d, W, bias, mean, red, hyper, closed):
    r"""``(Z, W, b, (loss, rank, scales))`` of the linear optimum, the last three from the forms.

    :math:`Z = XW + \mathbf 1 b^\top` (one product) and the sign rule. For a closed form
    (``closed``) the loss comes from the forms (:func:`forms_loss`) when their round-off bound
    allows, else from ``Z`` here (:func:`spectral_ssl.losses.barlow_twins_value_and_gradient`:
    a general graph's :math:`X^\top L X` is a difference of sums of :math:`N` terms, whose bound
    usually declines); the rank from
    :func:`spectral_ssl.methods._contrastive_forms.full_rank_from_scatter` (None when it cannot
    decide: the caller takes ``representation_rank(Z)``), the scales from :func:`forms_scales`
    (else from ``Z``). Not closed: loss and rank None (the caller evaluates them on ``Z``).
    ``d``: the row sums of ``G``, or None (then computed only when the forms fall short).
    """
    centered = hyper["centered"]
    Z = affine_columns(features, W, bias)
    Z, W, bias = sign_rule(Z, W, bias)
    loss = rank = scales = None
    if closed:
        P, Lam, bound = forms_moments(W, bias, mean, red, centered)
        loss, scales = forms_loss(P, Lam, bound, hyper["off_diagonal"]), forms_scales(P, red.volume)
        rank = full_rank_from_scatter(W, red.scatter, CONDITION_LIMIT)
    if d is None and ((closed and loss is None) or scales is None):
        d = linalg.degrees(G, check_input=False)
    if closed and loss is None:
        loss = barlow_twins_value_and_gradient(Z, G, d, hyper["off_diagonal"], centered)[0]
    if scales is None:
        scales = column_scales(Z, d, centered)
    return Z, W, bias, (loss, rank, scales)


def forms_design(red, T, centered):
    r"""``(A, B, c, mean)`` of the design :math:`F` from the :class:`~spectral_ssl.forms.FeatureReductions` of ``(X, G)``.

    The same matrices as :func:`design` on the basis ``T`` (:math:`X_cT` orthonormal), without
    an :math:`N\times D` array: with :math:`Y = X - \mathbf 1 m^\top`, :math:`m = X^\top d/\operatorname{vol}`
    (the :math:`D_G`-weighted mean, ``mean``), :math:`F = YT` and

    .. math::

        B = T^\top (Y^\top D_G Y) T, \qquad A = F^\top G F = B - T^\top (X^\top L X) T

    (:math:`Y^\top L Y = X^\top L X` since :math:`L\mathbf 1 = 0`; for groups :math:`X^\top L X` comes
    from within-group contrasts, without cancellation). Uncentred, :math:`F = [YT, c\mathbf 1]`
    with :math:`c = \lVert D_G^{1/2}YT\rVert_2/\sqrt{\operatorname{vol}} = \sqrt{\lambda_{max}(B)/\operatorname{vol}}`;
    :math:`Y^\top d = 0` makes both matrices block diagonal with the constant's block
    :math:`c^2\operatorname{vol}` (:math:`\rho = 1`).
    """
    vol = red.volume
    B = T.T @ red.weighted_scatter @ T
    L = T.T @ red.laplacian_form @ T
    B, L = (B + B.T) / 2, (L + L.T) / 2
    A = B - L
    mean = red.degree_sums / vol
    if centered:
        return A, B, 0.0, mean
    top = float(np.linalg.eigvalsh(B)[-1]) if B.size else 0.0
    c = np.sqrt(top / vol) if top > 0 else 1.0
    pad = lambda M: np.block([[M, np.zeros((M.shape[0], 1))],  # noqa: E731
                              [np.zeros((1, M.shape[0])), np.full((1, 1), c * c * vol)]])
    return pad(A), pad(B), c, mean


def forms_moments(W, bias, mean, red, centered):
    r"""``(P, Lam, bound)`` of :math:`Z = XW + \mathbf 1 b^\top` from the forms, without ``Z``.

    :math:`P = Z_c^\top D_G Z_c` and :math:`\Lambda = Z^\top L Z` (:math:`C = (P - \Lambda)` scaled by
    :math:`\operatorname{diag}(P)^{-1/2}` on both sides is the loss's correlation matrix). With
    :math:`Z = YW + \mathbf 1\beta^\top`, :math:`\beta = b + W^\top m`: centred,
    :math:`Z_c = YW` and :math:`P = W^\top Y^\top D_G Y W`; uncentred, :math:`P = W^\top Y^\top D_G Y W +
    \operatorname{vol}\,\beta\beta^\top`; always :math:`\Lambda = W^\top X^\top L X W`.
    ``bound``: entrywise first-order round-off bound of :math:`\Lambda` and :math:`P`, :math:`u\,|W|^\top|Y^\top D_G Y||W|`
    with :math:`u = 2D\epsilon` for groups (products of length :math:`D`) and :math:`2N\epsilon` for a
    general graph (:math:`X^\top L X = X^\top D_G X - X^\top G X` is a difference of sums of :math:`N` terms).
    """
    Yw = red.weighted_scatter
    P = W.T @ Yw @ W
    if not centered:
        beta = bias + mean @ W
        P = P + red.volume * np.outer(beta, beta)
    Lam = W.T @ red.laplacian_form @ W
    groups = red.details.get("relation") == "groups"
    u = 2.0 * (W.shape[0] if groups else max(red.n_samples, W.shape[0])) * float(np.finfo(np.float64).eps)
    bound = u * (np.abs(W).T @ np.abs(Yw) @ np.abs(W))
    return (P + P.T) / 2, (Lam + Lam.T) / 2, bound


def forms_loss(P, Lam, bound, off_diagonal):
    r"""The Barlow Twins loss from :func:`forms_moments`, or None when its round-off may exceed ``FORMS_LOSS_RTOL``.

    :math:`C_{kk} - 1 = -\Lambda_{kk}/P_{kk}` (no cancellation) and
    :math:`C_{kl} = (P_{kl} - \Lambda_{kl})/\sqrt{P_{kk}P_{ll}}`: the value of
    :func:`spectral_ssl.losses.barlow_twins` at :math:`Z`. The bound propagates ``bound``
    (of both :math:`P` and :math:`\Lambda`) to first order and second order in each term.
    """
    s = np.diag(P)
    if not np.all(s > 0):
        return None
    scale = np.sqrt(np.outer(s, s))
    off = ~np.eye(s.size, dtype=bool)
    C = (P - Lam) / scale
    gap = np.diag(Lam) / s  # 1 - C_kk
    loss = float(np.sum(gap**2) + off_diagonal * np.sum(C[off] ** 2))
    # relative errors of P_kk and of Lam_kk, and of the off-diagonal numerators
    d_gap = (np.diag(bound) + np.abs(gap) * np.diag(bound)) / s
    rel = np.diag(bound) / s
    d_off = 2.0 * bound / scale + np.abs(C) * (rel[:, None] + rel[None, :]) / 2.0
    error = float(np.sum(2.0 * np.abs(gap) * d_gap + d_gap**2)
                  + off_diagonal * np.sum(2.0 * np.abs(C[off]) * d_off[off] + d_off[off] ** 2))
    return loss if error <= FORMS_LOSS_RTOL * abs(loss) else None


def forms_scales(P, vol):
    r"""``column_scales`` from :math:`P = Z_c^\top D_G Z_c`: :math:`\sqrt{\operatorname{eig}(P/\operatorname{vol})}`, descending, or None.

    Eigenvalues of the Gram matrix carry an absolute round-off of about :math:`\epsilon\,\lambda_{max}`
    (a singular value :math:`\sigma` to :math:`\epsilon\sigma_{max}^2/\sigma`): None when the smallest is
    below ``1e-4`` of the largest, and the caller takes the SVD of :math:`D_G^{1/2}Z_c`.
    """
    e = np.linalg.eigvalsh(P / vol)[::-1]
    if e.size == 0 or not e[-1] > 1e-4 * e[0]:
        return None
    return np.sqrt(e)

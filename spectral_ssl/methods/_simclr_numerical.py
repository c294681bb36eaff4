r"""The numerical SimCLR optima: multi-start L-BFGS-B on the exact loss with its analytic gradient.

Private; the public entry points are :func:`spectral_ssl.methods.simclr.optimal_representation`,
:func:`~spectral_ssl.methods.simclr.optimal_linear` and
:func:`~spectral_ssl.methods.simclr.optimal_kernel`, which call :func:`numerical_representation`
and :func:`parametric_solution` when no closed form applies. Both minimise with
:func:`solve`: :func:`spectral_ssl._optimize.multistart` (informed start, random starts,
perturb-and-re-optimise polish), then :func:`escalate` (larger perturbations) when that
point is not stationary, with a progress line and a
:class:`~spectral_ssl.exceptions.ConvergenceWarning` when the returned point is not
stationary.
"""

import dataclasses
import warnings

import numpy as np

from .. import linalg
from .._optimize import is_stationary, lbfgs, multistart_shown
from ..exceptions import ConvergenceWarning
from ..losses import simclr_value_and_gradient
from ._collapse import warn_if_collapsed
from ._simclr_common import check_search_temperature
from ._names import DISPLAY_NAMES
from ._vicreg_linear import feature_space

#: The method's name in messages and progress lines.
SHOWN = DISPLAY_NAMES["simclr"]

#: Default number of random starts added to the informed one (the Laplacian Eigenmaps /
#: LPP directions) by the numerical solvers; see :func:`spectral_ssl._optimize.multistart`.
RESTARTS = 4

#: Perturb-and-re-optimise rounds after the multi-start search. SimCLR's loss has long flat
#: valleys where L-BFGS-B stops early (its line search fails); each round restarts from a
#: perturbation of the best point and keeps any decrease.
POLISH_ROUNDS = 6

#: Relative sizes of the perturbations of the escalating polish that follows when the
#: multi-start point is not stationary, each tried ``ESCALATION_TRIES`` times from the best
#: point so far (every try runs, improving or not). Where a row of Z goes to the origin the
#: loss has a kink, L-BFGS-B stops there, and the polish of ``multistart`` (which stops at
#: its first failed round) leaves losses that larger perturbations still lower (150 digits
#: two-view pairs, linear, K = 4: 1263.03 -> 1262.79).
ESCALATION = (1e-3, 1e-2, 1e-1)
ESCALATION_TRIES = 2

def principal_axes(Zn):
    """Rotation ``R`` (K x K) putting the rows' second-moment axes on the coordinates.

    The eigenvectors of :math:`\\hat Z^\\top\\hat Z`, largest eigenvalue first:
    the columns of :math:`\\hat Z R` are ordered by singular value and collapsed
    directions become (near) zero columns. Cosines are unchanged.
    """
    values, vectors = np.linalg.eigh(Zn.T @ Zn)
    return vectors[:, ::-1]


def solve(objective, informed, restarts, random_start, rng, max_iter, verbose=None, what=""):
    """:func:`spectral_ssl._optimize.multistart` with SimCLR's polish; warn if not converged.

    ``verbose``: one progress step per start, the running start's loss within it
    (:func:`spectral_ssl._optimize.multistart_shown`); ``what`` names the problem in the
    progress line.
    """
    result = multistart_shown(objective, informed, progress=f"{SHOWN}{what}", verbose=verbose,
                              restarts=restarts, random_start=random_start, rng=rng,
                              max_iter=max_iter, polish_rounds=POLISH_ROUNDS)
    value, gradient = objective(np.ravel(result.x))
    if not is_stationary(value, gradient, result.x):
        # L-BFGS-B stopped on a kink (a row of Z at the origin) or a flat stretch: go on. Its
        # own success flag is no evidence here (it is set when the line search stalls on a
        # kink), so SimCLR calls a point converged only when it is stationary.
        result = escalate(objective, result, rng, max_iter)
    if not result.converged:
        warnings.warn(
            f"{SHOWN}: the numerical optimum is not stationary (gradient norm "
            f"{result.gradient_norm:.3g} after {result.n_iterations} L-BFGS-B iterations). If a row "
            f"of Z is near the origin (details['smallest_row_norm_ratio'] << 1), the loss, which sees "
            f"only row directions, is approached with that row at 0, where it is not smooth: the "
            f"value is then an upper bound of an infimum. Otherwise raise max_iter (now {max_iter}) "
            f"or restarts.", ConvergenceWarning, stacklevel=4)
    return result


def escalate(objective, result, rng, max_iter):
    """Perturb the best point of ``result`` by each size of ``ESCALATION`` and re-optimise.

    Every try starts from the best point so far, perturbed by a standard normal draw of
    relative size ``size`` (times the root mean square of the parameters); a lower loss
    replaces the best point. Returns ``result`` updated (``fun``, ``x``, ``converged``,
    ``gradient_norm``, ``polish_gain``, ``n_iterations``) or unchanged when nothing is lower.
    """
    best = None
    fun = result.fun
    for size in ESCALATION:
        for _ in range(ESCALATION_TRIES):
            x = result.x if best is None else best.x
            scale = size * max(float(np.sqrt(np.mean(x**2))), 1e-12)
            run = lbfgs(objective, x + scale * rng.standard_normal(x.shape), max_iter=max_iter)
            if run.fun < fun:
                best, fun = run, float(run.fun)
    if best is None:
        return dataclasses.replace(result, converged=False)
    value, gradient = objective(best.x.ravel())
    gradient = np.asarray(gradient, dtype=np.float64)
    return dataclasses.replace(
        result, x=best.x, fun=float(value), gradient_norm=float(np.linalg.norm(gradient)),
        converged=bool(is_stationary(value, gradient, best.x)),
        polish_gain=result.polish_gain + max(result.fun - float(value), 0.0), n_iterations=int(best.nit))


def smallest_row_ratio(Z):
    """Smallest row norm of ``Z`` over the median one (near 0: a row at the origin)."""
    norms = np.linalg.norm(Z, axis=1)
    return float(norms.min() / np.median(norms)) if np.median(norms) > 0 else 0.0



def spectral_start(G, K, rng, degrees):
    """Laplacian Eigenmaps coordinates (K smallest non-trivial eigenvectors), slightly jittered.

    ``G``: what :func:`spectral_ssl.graphs.check` returns; ``degrees``: its row sums.

    Rows that are zero in every eigenvector (possible on disconnected graphs)
    would have no direction; the jitter gives them one.
    """
    N = G.shape[0]
    k = min(K, N - 1)
    _, U = linalg.laplacian_eigenpairs(G, k, check_input=False, degrees=degrees)
    start = np.zeros((N, K))
    start[:, :k] = U * np.sqrt(N)
    return start + 1e-3 * rng.standard_normal((N, K))


def numerical_representation(G, K, tau, restarts, rng, max_iter, verbose=None, *, degrees):
    """The numerical non-parametric optimum ``(unit rows, details)``; ``degrees``: the row sums of ``G``."""
    check_search_temperature(tau)
    N = G.shape[0]

    def objective(flat):
        value, grad = simclr_value_and_gradient(flat.reshape(N, K), G, degrees, tau)
        return value, grad.ravel()

    result = solve(objective, [spectral_start(G, K, rng, degrees)], restarts,
                    lambda r: r.standard_normal((N, K)), rng, max_iter, verbose,
                    f" (nonparametric, {N} samples)")
    Zn = linalg.unit_rows(result.x)[0]
    details = {"case": "numerical: multi-start L-BFGS-B on Z with the analytic gradient",
               **result.details(), "smallest_row_norm_ratio": smallest_row_ratio(result.x),
               "starts": "Laplacian Eigenmaps (jittered), then standard normal"}
    return Zn, details




def parametric_solution(features, G, K, tau, restarts, rng, max_iter, verbose=None, regime="linear", *,
                        degrees):
    r"""Minimise the SimCLR loss over :math:`Z = FW + \mathbf 1b^\top`; return (W, bias, Z, details).

    Works in whitened coordinates: with :math:`A = F^\top LF/N`,
    :math:`B = F^\top HF/N` and :math:`AQ = BQ\operatorname{diag}(\mu)`,
    :math:`Q^\top BQ = I` (on the range of :math:`B`, decided unit-free in the basis of
    :func:`spectral_ssl.methods._vicreg_linear.feature_space`, as the other linear solvers: rescaling
    a column of :math:`F` changes neither the directions nor, for a given ``rng``, the result;
    the columns of :math:`\Phi` follow the sign rule), :math:`\Phi = HFQ` has
    identity covariance and :math:`Z = \Phi Y + \mathbf 1c^\top`. Directions
    outside the range of :math:`B` are constant over the samples, i.e. a bias,
    so nothing is lost. Starts: :math:`Y` = the first :math:`K` columns of the
    identity (the LPP / linear-VICReg directions, smallest :math:`\mu`),
    :math:`c = 0`; then standard normal :math:`Y` and :math:`c`. ``degrees``: the row sums of ``G``.
    """
    check_search_temperature(tau)
    N = features.shape[0]
    # A = F^T L F / N and B = F^T H F / N in the unit-free basis T of the linear solvers (one pass of
    # forms.feature_reductions, which also refuses features too large or too small for their
    # products): the rank is decided on the correlation matrix, not relative to the largest
    # variance, which dropped every column in small units (X * [1e-6, 1, 1e6], N = 16: one of
    # three directions kept, loss 42.79 against 30.74 on X).
    T, A, B, mean, basis = feature_space(features, G, degrees)
    if T.shape[1] == 0:
        raise ValueError(
            "X has no direction with variance (every sample has the same features, or the same "
            "kernel row): Z = X W + b could only be constant; check X, the kernel or its bandwidth.")
    mu, P = linalg.generalized_eigh(A, B)  # B = I / N up to round-off: nothing left to drop
    Fc = linalg.zero_constant_columns(features - mean, features)
    # the sign rule on the coordinates themselves: the signs of Q follow those of T, which LAPACK
    # picks, and the random starts Y must meet the same Phi whatever the units of the features
    Phi, Q = linalg.sign_flip_with(Fc @ (T @ P), T @ P)
    r = Phi.shape[1]

    def unpack(flat):
        return flat[: r * K].reshape(r, K), flat[r * K:]

    def objective(flat):
        Y, c = unpack(flat)
        value, grad = simclr_value_and_gradient(Phi @ Y + c, G, degrees, tau)
        return value, np.concatenate([(Phi.T @ grad).ravel(), grad.sum(axis=0)])

    first = np.zeros((r, K))
    k = min(r, K)
    first[:k, :k] = np.eye(k)
    if K > r:  # more components than directions with variance: the rest start random
        first[:, r:] = rng.standard_normal((r, K - r))
    informed = [np.concatenate([first.ravel(), np.zeros(K)])]
    result = solve(objective, informed, restarts, lambda g: g.standard_normal(r * K + K), rng,
                    max_iter, verbose, f" ({regime}, {N} samples)")
    Y, c = unpack(result.x)
    W = Q @ Y
    bias = c - mean @ W
    Z = features @ W + bias
    if np.any(np.linalg.norm(Z, axis=1) == 0):
        raise RuntimeError("the optimised representation has a zero row; try another random_state.")
    R = principal_axes(linalg.unit_rows(Z)[0])
    Z, W, bias = linalg.sign_flip_with(Z @ R, W @ R, bias @ R)
    details = {"case": "numerical: multi-start L-BFGS-B on (W, b) in whitened coordinates",
               **result.details(), "lpp_eigenvalues": mu, "basis": basis["basis"],
               "smallest_row_norm_ratio": smallest_row_ratio(Z),
               "starts": f"LPP directions (linear {DISPLAY_NAMES['vicreg']}), then standard normal"}
    return W, bias, Z, details


def warn_collapse(rank, K, regime, cliques=None):
    """A CollapseWarning when ``rank < K``, saying why (the simplex of Theorem 3, or the optimum found)."""
    if cliques is not None and rank == cliques["n_cliques"] - 1:
        C = cliques["n_cliques"]
        condition = (f"G is {C} equal cliques: the optimum is a regular simplex of {C} unit vectors, "
                     f"of rank C - 1 = {C - 1} whatever K is")
        fix = "More components cannot be used by this G."
    else:
        condition = (f"the optimum found uses fewer directions: more would not lower the {SHOWN} loss "
                     f"on this G at this temperature")
        fix = "Fewer components, or another temperature, G or regime."
    warn_if_collapsed(rank, K, method=f"{SHOWN} ({regime})", condition=condition, fix=fix,
                      stacklevel=4)


def parametric_result(cls, Z, G, tau, details, regime, *, degrees, **fields):
    """The linear or kernel result ``cls(**fields)`` of a numerical optimum ``Z`` (``exact=False``).

    ``scales``: singular values of the row-normalised ``Z``; ``loss`` recomputed from ``Z`` by
    :func:`spectral_ssl.losses.simclr_value_and_gradient` with the ``degrees`` of ``G`` the solve
    had (the value of :func:`spectral_ssl.losses.simclr`); a CollapseWarning when the rank is below ``K``.
    """
    scales = np.zeros(Z.shape[1])
    s = np.linalg.svd(linalg.unit_rows(Z)[0], compute_uv=False)
    scales[: s.size] = s
    rank = linalg.representation_rank(Z)
    warn_collapse(rank, Z.shape[1], regime)
    return cls(Z=Z, loss=simclr_value_and_gradient(Z, G, degrees, tau)[0],
               rank=rank, eigenvalues=scales**2, scales=scales,
               exact=False, hyperparameters={"temperature": tau}, details=details,
               **fields)

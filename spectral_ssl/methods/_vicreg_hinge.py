r"""The hinge-variance VICReg problem reduced to :math:`K\times K` (no closed form; solved numerically).

Used by :mod:`spectral_ssl.methods.vicreg` (``variance_kind="hinge"``), whose module
docstring states the reduction :math:`Z = \sqrt N U_K Y_0`.
"""

import numpy as np
import scipy.optimize

from .._optimize import multistart


def mean_constrained_scales(lam, mean, kappa):
    r"""argmin of :math:`\sum_k (t_k - m)^2 + 2\kappa\sum_k t_k\lambda_k` over :math:`t \ge 0`, :math:`\bar t = m`.

    KKT: :math:`t_k = \max(0, \nu - \kappa\lambda_k)`, :math:`\nu` set by the mean
    (water-filling, as in :func:`spectral_ssl.methods.vicreg.optimal_scales`). ``kappa = inf``
    (no covariance weight): all the variance on the smallest eigenvalue.
    """
    K = lam.size
    total = K * mean
    t = np.zeros(K)
    if total <= 0.0:
        return t
    if not np.isfinite(kappa):
        t[0] = total
        return t
    # Gaps from lambda_1 (no cancellation of a common offset): sum_k max(0, nu - kappa lam_k)
    # at nu = kappa lam_j is kappa (j delta_j - Delta_j); n = breakpoints below the root, and
    # t_k = (total - kappa (n delta_k - Delta_n)) / n never subtracts two terms of size kappa.
    delta = lam - lam[0]
    gap_sums = np.cumsum(delta)
    spread_at_breaks = np.arange(1, K + 1) * delta - gap_sums
    with np.errstate(over="ignore", invalid="ignore"):
        at_breaks = np.where(spread_at_breaks == 0.0, 0.0, kappa * spread_at_breaks)
        n = max(int(np.sum(at_breaks < total)), 1)
        spread = n * delta - gap_sums[n - 1]
        t = (total - np.where(spread == 0.0, 0.0, kappa * spread)) / n
    t[n:] = 0.0
    return np.maximum(0.0, t)


def constant_diagonal_scales(lam, alpha, beta, gamma, eps):
    r"""Best variances :math:`t` among the optima whose covariance has a constant diagonal.

    With :math:`C = R^\top\operatorname{diag}(t)R` of constant diagonal :math:`m = \bar t`
    (the rotation of :func:`spectral_ssl.methods.vicreg.constant_diagonal_rotation`), the hinge loss is
    :math:`\alpha K h(m) + \beta\sum_k (t_k - m)^2 + 2\gamma\sum_k t_k\lambda_k`
    (:math:`\sum_{k\ne l}C_{kl}^2 = \lVert C\rVert_F^2 - \sum_k C_{kk}^2`), a convex
    problem: :func:`mean_constrained_scales` for each :math:`m`, then a bounded
    scalar search over :math:`m \in [0, 1]`, with the kink :math:`m = 1 - \epsilon`
    of the hinge tried explicitly. A start for the numerical solve, not a proof:
    for fixed :math:`t` a constant diagonal is optimal when
    :math:`\alpha h(c) - \beta c^2` is convex over the diagonal (Jensen; true for
    :math:`c \le 1 - \epsilon` and :math:`\beta \le \alpha/8`). On the unbalanced
    label graph the optimum sits exactly at the kink, where L-BFGS-B from generic
    starts stalls.
    """
    kappa = gamma / beta if beta > 0 else np.inf

    def scales(m):
        return mean_constrained_scales(lam, m, kappa)

    def value(m):
        t = scales(m)
        hinge = max(0.0, 1.0 - np.sqrt(m + eps))
        return alpha * lam.size * hinge + beta * np.sum((t - m) ** 2) + gamma * (2.0 * np.sum(t * lam))

    res = scipy.optimize.minimize_scalar(value, bounds=(0.0, 1.0), method="bounded",
                                         options={"xatol": 1e-13})
    candidates = [float(res.x), max(0.0, 1.0 - eps), 0.0]
    m = min(candidates, key=value)
    return scales(m)


def solve_hinge(lam, alpha, beta, gamma, eps, restarts, rng):
    r"""Minimise the hinge-variance VICReg loss over :math:`Y_0 \in \mathbb R^{K\times K}`.

    :math:`f(Y_0) = \alpha\sum_k h(C_{kk}) + \beta\sum_{k\ne l}C_{kl}^2 + 2\gamma\operatorname{tr}(Y_0^\top\Lambda Y_0)`,
    :math:`C = Y_0^\top Y_0`; equal to the full loss at :math:`Z = \sqrt N U_K Y_0`.
    The first start is the decorrelated solution of the :math:`\beta\to\infty`
    limit, std :math:`\min(1, \alpha/(4\gamma\lambda_k))`; the second the best
    constant-diagonal configuration (:func:`constant_diagonal_scales`);
    the others are random. L-BFGS-B refines each and the lowest loss wins.
    """
    from .vicreg import constant_diagonal_rotation  # vicreg imports this module

    K = lam.size

    def objective(flat):
        Y = flat.reshape(K, K)
        C = Y.T @ Y
        diag = np.diag(C)
        root = np.sqrt(np.maximum(diag + eps, 0.0))
        active = root < 1.0
        off = C - np.diag(diag)
        value = (alpha * np.sum(np.where(active, 1.0 - root, 0.0)) + beta * np.sum(off**2)
                 + gamma * (2.0 * np.sum(lam[:, None] * Y**2)))
        slope = np.where(active, -0.5 / np.maximum(root, 1e-300), 0.0)
        grad = 2.0 * Y @ (alpha * np.diag(slope) + 2.0 * beta * off) + 4.0 * gamma * lam[:, None] * Y
        return value, grad.ravel()

    with np.errstate(divide="ignore"):
        std = np.where(lam > 0, alpha / (4.0 * gamma * np.maximum(lam, 1e-300)), np.inf) if gamma > 0 \
            else np.full(K, np.inf)
    t0 = np.clip(np.minimum(std, 1.0) ** 2 - eps, 0.0, None)
    starts = [np.diag(np.sqrt(t0))]
    t_flat = constant_diagonal_scales(lam, alpha, beta, gamma, eps)
    starts.append(np.sqrt(t_flat)[:, None] * constant_diagonal_rotation(t_flat))
    # No polish, scipy's default history (maxcor=10, not multistart's 30) and evaluation cap
    # (15000): the settings this solver's optima were established with before it moved to
    # multistart (e382b57); the pinned hinge results depend on them.
    result = multistart(objective, starts, restarts=max(restarts - 1, 0), rng=rng, polish_rounds=0,
                        random_start=lambda generator: generator.standard_normal((K, K)) / np.sqrt(K),
                        max_iter=5000, max_fun=15000, maxcor=10)
    return result.x, {"optimizer_loss": float(result.fun), "restarts": restarts, "starts": len(starts) + result.n_random,
                      "converged": bool(result.converged)}

r"""VICReg's water-filling: the optimal variances :math:`t_k` when covariance < variance.

Used by :func:`spectral_ssl.methods.vicreg.optimal_scales` (its public face); kept apart so
that ``vicreg.py`` stays within the 500-line limit.
"""

import numpy as np


def waterfilling_scales(lam, alpha, beta, gamma):
    r"""Exact minimiser of :math:`\beta\sum(t-1)^2 + (\alpha-\beta)K(1-\bar t)^2 + 2\gamma\sum t\lambda`, :math:`t\ge0`.

    In the unit-free weights :math:`b = \beta/\alpha \in (0, 1)` and
    :math:`g = \gamma/\alpha`, the KKT conditions give
    :math:`b\,t_k = \max(0, \nu - g\lambda_k)` with :math:`\nu = 1 - (1-b)\bar t`.
    With the :math:`n` smallest eigenvalues active and the gaps
    :math:`\delta_k = \lambda_k - \lambda_1 \ge 0`,
    :math:`\Delta_n = \sum_{j\le n}\delta_j`,

    .. math::

        t_k = \frac{K(1 - g\lambda_k) - \frac{1-b}{b}\,g\,(n\delta_k - \Delta_n)}
                   {bK + (1-b)n}, \qquad k \le n,

    and :math:`n` is the number of :math:`k` with
    :math:`bK(g\lambda_k - 1) + (1-b)\,g\,(k\delta_k - \Delta_k) < 0` (the KKT
    residual, increasing in :math:`\nu`, evaluated at the breakpoints
    :math:`\nu = g\lambda_k` and multiplied by :math:`bK`). This form has no
    catastrophic cancellation: the former parametrisation
    (:math:`c = (1 + \rho + \rho\kappa S_n/K)/(1 + \rho n/K)`, :math:`t = c - \kappa\lambda`,
    :math:`\rho = (\alpha-\beta)/\beta`, :math:`\kappa = \gamma/\beta`) subtracted two
    numbers of size :math:`1/b` to get one of size 1, and lost every digit once
    :math:`\beta/\alpha < 10^{-16}`. Here the term with :math:`1/b` multiplies the
    gap :math:`n\delta_k - \Delta_n`, which is exactly 0 for the single active
    direction that remains as :math:`b \to 0` (and for tied eigenvalues), so
    :math:`t \to K(1 - g\lambda_1)_+ e_1`, the :math:`\beta = 0` solution. The
    gaps are taken from :math:`\lambda_1` so that a large common offset does not
    cancel either.
    """
    K = lam.size
    b = beta / alpha
    g = gamma / alpha
    if b == 0.0:
        # No decorrelation cost (or beta/alpha below the smallest float): only the mean
        # variance matters, so all of it goes to the smallest eigenvalue,
        # t_1 = K (1 - gamma lambda_1 / alpha)_+ (the limit of the formula below).
        t = np.zeros(K)
        t[0] = K * max(0.0, 1.0 - g * lam[0])
        return t
    delta = lam - lam[0]
    gap_sums = np.cumsum(delta)
    index = np.arange(1, K + 1)
    with np.errstate(over="ignore"):
        residual_at_breaks = b * K * (g * lam - 1.0) + (1.0 - b) * g * (index * delta - gap_sums)
    n = int(np.sum(residual_at_breaks < 0))
    if n == 0:
        return np.zeros(K)  # gamma * lambda_1 >= alpha: complete collapse
    spread = n * delta - gap_sums[n - 1]  # sum_{j <= n} (lambda_k - lambda_j)
    with np.errstate(over="ignore", invalid="ignore"):
        # (1 - b) / b * g can overflow for b near the underflow threshold; it only
        # matters where spread != 0 (directions beyond the active ones, whose t is 0).
        penalty = np.where(spread == 0.0, 0.0, ((1.0 - b) / b * g) * spread)
        t = (K * (1.0 - g * lam) - penalty) / (b * K + (1.0 - b) * n)
    t[n:] = 0.0
    return np.maximum(0.0, t)

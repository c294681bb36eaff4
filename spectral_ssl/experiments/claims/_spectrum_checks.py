"""The two design checks on VICReg's spectrum in a regime (re-exported by :mod:`.design`): is the optimum
with :math:`K` directions unique, and are those :math:`K` directions set by the relation rather than by the
random draw of its edges."""

import numpy as np

from .result import DesignCheck

#: Largest sine of the angle by which a redraw of the relation's random edges may turn the
#: K-dimensional span VICReg keeps (Davis-Kahan bound): 0.5, i.e. 30 degrees. Beyond it the
#: span, and every accuracy measured on it, is decided by the draw, not by the relation.
SPAN_MAX_SINE = 0.5


def check_unique_optimum(mu, n_components, *, regime="", rtol=1e-6):
    r"""Passes when VICReg's optimum with :math:`K` directions is unique: :math:`\mu_K < \mu_{K+1}`.

    ``mu`` ascending. With :math:`\mu_K = \mu_{K+1}` any :math:`K`-dimensional
    subspace of a degenerate eigenspace is optimal, so the representation (and
    its probe accuracy) is an arbitrary choice of the eigensolver. ``rtol`` (1e-6)
    sits far above the eigensolver's round-off and below the gaps that sampling
    creates (a union of cliques of unequal sizes: ~1e-4).
    """
    mu = np.asarray(mu, dtype=np.float64)
    K = int(n_components)
    if K >= mu.size:
        return DesignCheck(name="VICReg optimum unique", passed=True, value=None, threshold=None,
                           message=f"K = {K} keeps every direction of the features", regime=regime)
    gap = float(mu[K] - mu[K - 1]) / max(float(mu[K]), np.finfo(float).tiny)
    passed = gap > rtol
    message = f"relative gap (mu_{K + 1} - mu_{K}) / mu_{K + 1} = {gap:.2g}"
    if not passed:
        message += (": the K-th and (K+1)-th eigenvalues coincide (a union of cliques gives every "
                    "direction outside the between-group ones the same eigenvalue), so VICReg keeps an "
                    "arbitrary K-dimensional part of a degenerate eigenspace and nothing can be concluded")
    return DesignCheck(name="VICReg optimum unique", passed=bool(passed), value=gap, threshold=rtol,
                       message=message, regime=regime)


def check_span_determined(mu, n_components, perturbation, *, regime="", max_sine=SPAN_MAX_SINE):
    r"""Passes when the :math:`K`-dimensional span VICReg keeps is fixed by the relation, not by its draw.

    A relation drawn at random (the sparse misaligned relations: random edges inside
    random groups) has a spectrum :math:`\mu` of the linear problem
    (:func:`~spectral_ssl.experiments.claims.solvers.linear_spectrum`) that moves when the
    edges are drawn again. With :math:`E` the change of the whitened matrix
    :math:`B^{-1/2}AB^{-1/2}` between two draws, ``perturbation`` :math:`= \lVert E\rVert_2`,
    every eigenvalue moves by at most :math:`\lVert E\rVert_2` (Weyl), and the span of the
    :math:`K` smallest directions turns by an angle :math:`\theta` with

    .. math:: \sin\theta \le \frac{\lVert E\rVert_2}{\mu_{K+1} - \mu_K - \lVert E\rVert_2}

    (Davis-Kahan, the redraw's spectrum separated from the kept eigenvalues by at least
    the gap minus :math:`\lVert E\rVert_2`). The check passes when that bound is at most
    ``max_sine`` (0.5: 30 degrees), i.e. :math:`\mu_{K+1}-\mu_K \ge (1 + 1/\text{max\_sine})
    \lVert E\rVert_2`, and always when :math:`K` keeps every direction. Otherwise the
    :math:`K`-th and :math:`(K+1)`-th eigenvalues tie within the relation's own sampling
    noise: which :math:`K` directions VICReg keeps (and so the probe accuracy of every
    method that keeps :math:`K` of them) is decided by the draw, and the theory, which only
    says "the :math:`K` smoothest directions", predicts no difference between methods there.

    Parameters
    ----------
    mu : array_like
        Ascending generalized eigenvalues of the linear problem.
    n_components : int
        :math:`K`.
    perturbation : float >= 0
        :math:`\lVert E\rVert_2` (:func:`~spectral_ssl.experiments.claims.solvers.linear_perturbation`
        of two draws of the relation on the same samples and groups).
    regime : str
    max_sine : float in (0, 1]

    Examples
    --------
    >>> check_span_determined([1.0, 2.0, 3.0, 3.01, 4.0], 3, 0.1).passed  # tied within the noise
    False
    >>> check_span_determined([1.0, 2.0, 3.0, 9.0, 10.0], 3, 0.1).passed  # a gap of 6 against 0.1
    True
    """
    mu = np.asarray(mu, dtype=np.float64)
    K = int(n_components)
    perturbation = float(perturbation)
    if not (np.isfinite(perturbation) and perturbation >= 0.0):
        raise ValueError(f"perturbation must be a finite number >= 0, got {perturbation!r}.")
    if not 0.0 < max_sine <= 1.0:
        raise ValueError(f"max_sine must be in (0, 1], got {max_sine!r}.")
    name = "K directions set by the relation"
    if K >= mu.size:
        return DesignCheck(name=name, passed=True, value=None, threshold=None,
                           message=f"K = {K} keeps every direction of the features", regime=regime)
    gap = float(mu[K] - mu[K - 1])
    needed = (1.0 + 1.0 / max_sine) * perturbation
    bound = perturbation / (gap - perturbation) if gap > perturbation else np.inf
    passed = gap >= needed
    message = (f"gap mu_{K + 1} - mu_{K} = {gap:.3g} against the relation's redraw perturbation "
               f"||E|| = {perturbation:.3g} (needs >= {needed:.3g}; Davis-Kahan sin(angle) <= "
               f"{'inf' if not np.isfinite(bound) else f'{bound:.2g}'})")
    if not passed:
        message += (": the K-th and (K+1)-th eigenvalues tie within the relation's sampling noise, so "
                    "which K directions are kept is decided by the draw of its edges and the theory "
                    "predicts no difference between methods that keep K of them")
    return DesignCheck(name=name, passed=bool(passed), value=gap, threshold=needed, message=message,
                       regime=regime)


__all__ = ["check_unique_optimum", "check_span_determined", "SPAN_MAX_SINE"]

"""The collapse warning every solver raises when its optimum keeps fewer directions than asked."""

import warnings

import numpy as np

from ..exceptions import CollapseWarning
from ..linalg import RANK_RTOL
from ._names import DISPLAY_NAMES


#: Scales of at most about 1 (VICReg's t_k, spectral contrastive's nu_k) below this are the
#: round-off of a boundary case (gamma lambda_k = alpha, nu_k = 0), not a direction.
ROUNDOFF_SCALE = 1e-12


def without_roundoff(scales):
    """``scales`` with the round-off of a zero set to 0: its square root, about 1e-8, made columns
    of noise that the relative rank rule counted as directions (VICReg on K_7 at 7/7/1 reported
    rank 2 and no collapse; spectral contrastive on K_{4,4} rank 1 or 3 by solver, for 0)."""
    scales = np.asarray(scales, dtype=np.float64)
    return np.where(scales > ROUNDOFF_SCALE, scales, 0.0)


def warn_if_collapsed(rank, n_components, *, method, condition, fix, stacklevel=3):
    """Warn with :class:`~spectral_ssl.exceptions.CollapseWarning` when ``rank < n_components``.

    Parameters
    ----------
    rank, n_components : int
        The rank of the optimum (:func:`spectral_ssl.linalg.representation_rank`) and the
        number of directions asked for.
    method : str
        Who collapsed, e.g. ``"VICReg (non-parametric)"``.
    condition : str
        Why, in the terms of the loss: e.g. ``"invariance * lambda_k >= variance for k > 3"``.
    fix : str
        What keeps the directions, e.g. ``"lower invariance below variance / lambda_8 = 0.31"``.

    Returns
    -------
    bool
        Whether it warned.
    """
    if rank >= n_components:
        return False
    warnings.warn(
        f"{method}: the optimum keeps {rank} of the {n_components} directions asked for "
        f"(singular values of the centred Z above {RANK_RTOL:g} of the largest); {condition}. "
        f"{fix} The result is still the optimum of its loss.",
        CollapseWarning, stacklevel=stacklevel + 1,
    )
    return True


def warn_vicreg(rank, n_components, eigenvalues, hyper, regime, stacklevel=3):
    r"""VICReg's :class:`~spectral_ssl.exceptions.CollapseWarning`, with the condition of its loss.

    A direction :math:`k` costs :math:`2\gamma\lambda_k t_k` of invariance (:math:`\lambda_k`
    the Laplacian eigenvalue, :math:`\mu_k` the generalized one in the linear and kernel
    regimes) and gains variance; with the square variance and :math:`\beta \ge \alpha` it
    survives exactly while :math:`\gamma\lambda_k < \alpha`, otherwise the water-filling of
    :math:`t` (:math:`\beta < \alpha`) or the hinge decides. Returns whether it warned.
    """
    if rank >= n_components:
        return False
    name = "lambda" if regime == "nonparametric" else "mu"
    alpha, beta, gamma = hyper["variance"], hyper["covariance"], hyper["invariance"]
    nxt = float(eigenvalues[rank]) if rank < len(eigenvalues) else float("nan")
    fewer = f", or ask for n_components <= {rank}." if rank else "."
    if hyper["variance_kind"] == "square" and beta >= alpha:
        condition = (f"direction k survives only while invariance * {name}_k < variance (invariance = "
                     f"{gamma:g}, variance = {alpha:g}, {name}_{rank + 1} = {nxt:.3g})")
        fix = (f"Lower invariance below variance / {name}_{rank + 1} = {alpha / nxt:.3g} to keep "
               f"direction {rank + 1}{fewer}" if nxt > 0 else f"Ask for n_components <= {rank}.")
    else:
        kind = "hinge variance" if hyper["variance_kind"] == "hinge" else "water-filling of the variances"
        condition = (f"the {kind} gives direction {rank + 1} no variance: its invariance cost "
                     f"invariance * {name}_{rank + 1} = {gamma * nxt:.3g} outweighs what it would add "
                     f"(variance = {alpha:g}, covariance = {beta:g})")
        fix = f"Lower invariance (or raise variance) to keep more directions{fewer}"
    return warn_if_collapsed(rank, n_components, method=f"{DISPLAY_NAMES['vicreg']} ({regime})", condition=condition,
                             fix=fix, stacklevel=stacklevel)

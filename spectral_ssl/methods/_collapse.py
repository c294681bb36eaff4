"""The collapse warning every solver raises when its optimum keeps fewer directions than asked."""

import warnings

from ..exceptions import CollapseWarning
from ..linalg import RANK_RTOL


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

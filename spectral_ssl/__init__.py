"""spectral_ssl: closed-form optima of self-supervised learning losses.

Self-supervised methods (VICReg, SimCLR, Barlow Twins, spectral contrastive)
are spectral embedding methods in disguise (Balestriero and LeCun, NeurIPS
2022). Given inputs ``X`` and a relation graph ``G`` this package builds the
graph matrices, evaluates each method's exact loss, returns its closed-form
optimum and certifies it against direct numerical minimisation.
"""

from . import graphs, linalg, losses, reference
from .methods import solve

__version__ = "0.1.0"

# The scikit-learn estimators are imported on first use: importing spectral_ssl does not
# import scikit-learn.
_ESTIMATORS = ("VICReg", "SimCLR", "BarlowTwins", "SpectralContrastive")


def __getattr__(name):
    if name in _ESTIMATORS:
        from . import estimators

        return getattr(estimators, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_ESTIMATORS])


__all__ = ["graphs", "linalg", "losses", "reference", "solve", "__version__", *_ESTIMATORS]

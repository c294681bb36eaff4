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

__all__ = ["graphs", "linalg", "losses", "reference", "solve", "__version__"]

"""spectral_ssl: closed-form optima of self-supervised learning losses.

Self-supervised methods (VICReg, SimCLR, Barlow Twins, spectral contrastive)
are spectral embedding methods in disguise (Balestriero and LeCun, NeurIPS
2022). Given inputs ``X`` and a relation graph ``G`` this package builds the
graph matrices, evaluates each method's exact loss, returns its closed-form
optimum and certifies it against direct numerical minimisation.
"""

import importlib

from .exceptions import CertificateWarning, CollapseWarning, ConvergenceWarning

__version__ = "0.1.0"

# Submodules and the estimators load on first use (PEP 562), so that `import spectral_ssl`
# and `spectral-ssl --version` do not pay for SciPy's optimisers or scikit-learn.
_SUBMODULES = ("graphs", "linalg", "losses", "reference", "methods", "certify", "spectral", "memory",
               "experiments", "plotting", "estimators", "io", "views")
_LAZY = {"solve": ("methods", "solve"), "from_views": ("views", "from_views"),
         **{name: ("estimators", name) for name in ("VICReg", "SimCLR", "BarlowTwins",
                                                    "SpectralContrastive")}}


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY:
        module, attribute = _LAZY[name]
        return getattr(importlib.import_module(f".{module}", __name__), attribute)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *_SUBMODULES, *_LAZY})


__all__ = ["graphs", "linalg", "losses", "reference", "solve", "from_views", "__version__", "CollapseWarning",
           "ConvergenceWarning", "CertificateWarning", "VICReg", "SimCLR", "BarlowTwins",
           "SpectralContrastive"]

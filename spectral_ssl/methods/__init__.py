"""One module per SSL method: its loss, its closed-form optima, its spectral equivalent.

``solve(name, G, n_components, X=None, regime=None, **hyper)`` dispatches by name.
"""

import inspect

from . import barlow_twins, simclr, spectral_contrastive, vicreg
from ._result import KernelRepresentation, LinearRepresentation, Representation

#: Method name -> module with optimal_representation / optimal_linear / optimal_kernel.
REGISTRY = {"vicreg": vicreg, "simclr": simclr, "spectral_contrastive": spectral_contrastive,
            "barlow_twins": barlow_twins}

REGIMES = ("nonparametric", "linear", "kernel")


def solve(method, G, n_components, X=None, *, regime=None, **hyper):
    """Optimal representation of ``method`` for the relation ``G``.

    Parameters
    ----------
    method : str
        A key of ``REGISTRY`` (e.g. ``"vicreg"``).
    G : relation graph, shape (N, N)
    n_components : int
    X : array_like, shape (N, D), optional
        Inputs; needed for the linear and kernel regimes.
    regime : {"nonparametric", "linear", "kernel"}, optional
        Default: ``"nonparametric"`` without ``X``, ``"linear"`` with it.
    **hyper
        The method's keyword hyper-parameters.

    Returns
    -------
    Representation, LinearRepresentation or KernelRepresentation

    Examples
    --------
    >>> import numpy as np
    >>> from spectral_ssl import graphs, solve
    >>> G = graphs.from_groups(np.repeat(np.arange(4), 2))
    >>> solve("vicreg", G, 2, variance=1.0, covariance=1.0, invariance=1.0).rank
    2
    """
    if method not in REGISTRY:
        raise ValueError(f"method must be one of {sorted(REGISTRY)}; got {method!r}.")
    if regime is None:
        regime = "nonparametric" if X is None else "linear"
    if regime not in REGIMES:
        raise ValueError(f"regime must be one of {', '.join(map(repr, REGIMES))}; got {regime!r}.")
    module = REGISTRY[method]
    function = {"nonparametric": module.optimal_representation, "linear": module.optimal_linear,
                "kernel": module.optimal_kernel}[regime]
    _check_keywords(function, hyper, method, regime)
    if regime == "nonparametric":
        if X is not None:
            raise ValueError("X is given but regime='nonparametric' ignores it; drop X or use regime='linear'.")
        return function(G, n_components, **hyper)
    if X is None:
        raise ValueError(f"regime={regime!r} needs the inputs X; pass X, an (N, D) array of "
                         f"features, or use regime='nonparametric'.")
    return function(X, G, n_components, **hyper)


def _check_keywords(function, hyper, method, regime):
    """Refuse a keyword the solver does not take, listing those it does (instead of Python's bare TypeError)."""
    parameters = inspect.signature(function).parameters.values()
    if any(parameter.kind is inspect.Parameter.VAR_KEYWORD for parameter in parameters):
        return  # takes any keyword: nothing to check here
    accepted = [parameter.name for parameter in parameters
                if parameter.kind is inspect.Parameter.KEYWORD_ONLY]
    unknown = sorted(set(hyper) - set(accepted))
    if unknown:
        raise TypeError(
            f"solve() got an unexpected keyword argument{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(map(repr, unknown))}: not an option of {method} in the {regime} regime "
            f"({_qualified_name(function)}), which takes {', '.join(accepted) or 'no options'}."
        )


def _qualified_name(function):
    return f"{function.__module__.rsplit('.', 1)[-1]}.{function.__name__}"


__all__ = ["solve", "REGISTRY", "Representation", "LinearRepresentation", "KernelRepresentation",
           "vicreg", "simclr", "spectral_contrastive", "barlow_twins"]

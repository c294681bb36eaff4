"""One module per SSL method: its loss, its closed-form optima, its spectral equivalent.

``solve(name, G, n_components, X=None, regime=None, **hyper)`` dispatches by name.
"""

import inspect

from .._progress import check_verbose, status, verbosity
from .._validation import check_integer, check_option, did_you_mean
from . import barlow_twins, simclr, spectral_contrastive, vicreg
from ._names import DISPLAY_NAMES, SHORT_DISPLAY_NAMES
from ._result import KernelRepresentation, LinearRepresentation, Representation

#: Method name -> module with optimal_representation / optimal_linear / optimal_kernel.
REGISTRY = {"vicreg": vicreg, "simclr": simclr, "spectral_contrastive": spectral_contrastive,
            "barlow_twins": barlow_twins}

REGIMES = ("nonparametric", "linear", "kernel")

#: Count hyper-parameters: integral floats (``restarts=8.0``) are accepted as the integer they equal.
_COUNT_OPTIONS = ("restarts", "max_iter", "degree")


def solve(method, G, n_components, X=None, *, regime=None, verbose=None, **hyper):
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
    verbose : bool, int or None
        Progress on standard error: ``True`` or an integer >= 1 always (as in scikit-learn;
        ``2`` or more adds, on the plain-line display, a line per block of loss evaluations
        with the current loss), ``False`` or ``0`` never, ``None`` (default) only when standard
        error is a terminal or a notebook and ``SPECTRAL_SSL_PROGRESS`` is not ``0`` (see
        :mod:`spectral_ssl._progress`). Solvers that iterate (SimCLR's and Barlow Twins'
        multi-start L-BFGS-B) show one step per start with the best loss so far; the closed
        forms, which take well under a second, say only when they start and end, and only when
        ``verbose`` asks for it.
    **hyper
        The method's keyword hyper-parameters.

    Returns
    -------
    Representation, LinearRepresentation or KernelRepresentation

    Raises
    ------
    ValueError
        An unknown ``method`` or ``regime`` (the message lists the valid names and
        suggests the closest: ``solve("VICReg", ...)`` asks "Did you mean 'vicreg'?"),
        ``X`` missing or superfluous for the regime, and whatever the solver refuses.
    TypeError
        A keyword the solver does not take, or a count (``n_components``, ``restarts``,
        ``max_iter``) that is not a whole number (``5.0`` is accepted as 5).

    Examples
    --------
    >>> import numpy as np
    >>> from spectral_ssl import graphs, solve
    >>> G = graphs.from_groups(np.repeat(np.arange(4), 2))
    >>> solve("vicreg", G, 2, variance=1.0, covariance=1.0, invariance=1.0).rank
    2
    """
    check_option(method, name="method", options=tuple(sorted(REGISTRY)))
    if regime is None:
        regime = "nonparametric" if X is None else "linear"
    check_option(regime, name="regime", options=REGIMES)
    verbose = check_verbose(verbose)
    n_components = check_integer(n_components, name="n_components", low=1)
    for name in _COUNT_OPTIONS:
        if name in hyper:  # the solver checks its own bounds; here only 8.0 -> 8
            hyper[name] = check_integer(hyper[name], name=name)
    module = REGISTRY[method]
    function = {"nonparametric": module.optimal_representation, "linear": module.optimal_linear,
                "kernel": module.optimal_kernel}[regime]
    _check_keywords(function, hyper, method, regime)
    if regime == "nonparametric":
        if X is not None:
            raise ValueError("X is given but regime='nonparametric' ignores it; drop X or use regime='linear'.")
        arguments = (G, n_components)
    elif X is None:
        raise ValueError(f"regime={regime!r} needs the inputs X; pass X, an (N, D) array of "
                         f"features, or use regime='nonparametric'.")
    else:
        arguments = (X, G, n_components)
    with verbosity(verbose):  # also for solvers without a verbose of their own (Barlow Twins')
        if "verbose" in inspect.signature(function).parameters:  # iterative: per-step progress
            return function(*arguments, verbose=verbose, **hyper)
        # A closed form: quick, so it is announced only when asked for explicitly.
        with status(f"{method} ({regime} regime)", verbose=bool(verbose)):
            return function(*arguments, **hyper)


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
            # solve(..., invarance=1) -> 'invariance', for every unknown keyword that has a near miss
            + "".join(did_you_mean(name, accepted).replace(" Did you mean", f" For {name!r}, did you mean")
                      if len(unknown) > 1 else did_you_mean(name, accepted) for name in unknown)
        )


def _qualified_name(function):
    return f"{function.__module__.rsplit('.', 1)[-1]}.{function.__name__}"


__all__ = ["solve", "REGISTRY", "DISPLAY_NAMES", "SHORT_DISPLAY_NAMES", "Representation", "LinearRepresentation", "KernelRepresentation",
           "vicreg", "simclr", "spectral_contrastive", "barlow_twins"]

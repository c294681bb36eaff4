"""Small shared pieces of the SimCLR modules: the hyper-parameter checks.

Private; :mod:`spectral_ssl.methods.simclr` is the public module.
"""

from .._validation import argument_error, check_integer, check_scalar
from ._names import DISPLAY_NAMES


def check_temperature(temperature):
    """:math:`\\tau > 0`, as a float (``ValueError`` naming ``temperature`` otherwise)."""
    return check_scalar(temperature, name="temperature", low=0.0, low_inclusive=False)


#: Smallest temperature of the numerical searches: the loss's scale, 1/temperature, outgrows what
#: L-BFGS-B resolves below it (30-sample kNN graph, linear: 468.78 from 1e-6 to 1e-8, 472.66 at
#: 1e-10 and 1e-12, 8e5 at 1e-20, NaN rows and "SVD did not converge" at 1e-300).
MIN_SEARCH_TEMPERATURE = 1e-8


def check_search_temperature(tau):
    """Refuse a temperature the numerical search cannot handle, naming ``temperature``."""
    if tau < MIN_SEARCH_TEMPERATURE:
        raise argument_error(
            f"temperature={tau:g} is below {MIN_SEARCH_TEMPERATURE:g}, where "
            f"{DISPLAY_NAMES['simclr']}'s numerical search breaks down (the loss grows like "
            f"1/temperature: L-BFGS-B stops short of the optimum, or overflows); use temperature >= "
            f"{MIN_SEARCH_TEMPERATURE:g}.", argument="temperature")


def check_restarts(restarts, max_iter):
    """``restarts >= 0`` and ``max_iter >= 1``, as ints."""
    return (check_integer(restarts, name="restarts", low=0),
            check_integer(max_iter, name="max_iter", low=1))

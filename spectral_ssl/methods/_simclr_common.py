"""Small shared pieces of the SimCLR modules: the hyper-parameter checks.

Private; :mod:`spectral_ssl.methods.simclr` is the public module.
"""

from .._validation import check_integer, check_scalar


def check_temperature(temperature):
    """:math:`\\tau > 0`, as a float (``ValueError`` naming ``temperature`` otherwise)."""
    return check_scalar(temperature, name="temperature", low=0.0, low_inclusive=False)


def check_restarts(restarts, max_iter):
    """``restarts >= 0`` and ``max_iter >= 1``, as ints."""
    return (check_integer(restarts, name="restarts", low=0),
            check_integer(max_iter, name="max_iter", low=1))

"""The warnings spectral_ssl raises.

Each is a ``UserWarning``, so the standard filters apply, e.g.
``warnings.simplefilter("error", spectral_ssl.CollapseWarning)`` turns a collapse into an
error and ``warnings.simplefilter("ignore", ...)`` silences it.
"""


class CollapseWarning(UserWarning):
    """The optimum keeps fewer directions than ``n_components`` asked for.

    Raised by the solvers when the rank of the returned representation (the number of
    singular values of the centred ``Z`` above :data:`spectral_ssl.linalg.RANK_RTOL` times
    the largest) is below ``n_components``. The message names the condition that made
    the directions collapse (for VICReg: invariance >= variance / lambda_k) and how to
    keep them. A collapse is a property of the loss, not an error: the result is still
    the optimum of the loss it names.
    """


class ConvergenceWarning(UserWarning):
    """A numerical solve stopped before its convergence test was met.

    The result is the best point found; ``details["converged"]`` is False and
    ``details["gradient_norm"]`` says how far from stationary it is.
    """


class CertificateWarning(UserWarning):
    """A certificate failed: a numerical search found a lower loss than the solution claimed optimal."""


__all__ = ["CollapseWarning", "ConvergenceWarning", "CertificateWarning"]

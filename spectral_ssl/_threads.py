"""One BLAS thread around the package's L-BFGS loops.

L-BFGS-B calls BLAS on vectors of length N K and on small matrices: there,
extra threads only add synchronisation, and on a loaded machine a threaded BLAS
runs such loops up to 100 times slower. ``threadpoolctl`` ships with
scikit-learn, a core dependency.
"""

import contextlib


def single_threaded_blas():
    """A context manager that limits BLAS to one thread (a no-op without threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - scikit-learn depends on threadpoolctl
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")

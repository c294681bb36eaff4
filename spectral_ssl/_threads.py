"""One BLAS thread around the package's L-BFGS loops.

L-BFGS-B calls BLAS on vectors of length N K and on small matrices: there,
extra threads only add synchronisation, and on a loaded machine a threaded BLAS
runs such loops up to 100 times slower. ``threadpoolctl`` ships with
scikit-learn, a core dependency.
"""

import contextlib

#: threadpoolctl's controller, made once: ``threadpool_limits`` looks the loaded libraries
#: up again on every call (reading the process's memory map), 5 to 15 ms each time, several
#: times per linear closed form. BLAS is loaded with numpy, before the first call.
_CONTROLLER = []


def single_threaded_blas():
    """A context manager that limits BLAS to one thread (a no-op without threadpoolctl)."""
    if not _CONTROLLER:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - scikit-learn depends on threadpoolctl
            return contextlib.nullcontext()
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0].limit(limits=1, user_api="blas")

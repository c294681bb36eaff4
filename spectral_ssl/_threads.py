"""One BLAS thread around the package's L-BFGS loops.

L-BFGS-B calls BLAS on vectors of length N K and on small matrices: there,
extra threads only add synchronisation, and on a loaded machine a threaded BLAS
runs such loops up to 100 times slower. ``threadpoolctl`` (>= 3.0, for
``ThreadpoolController``) is a declared dependency, also required by scikit-learn.
"""

import contextlib

from threadpoolctl import ThreadpoolController

#: threadpoolctl's controller and the BLAS threads the process had when it was made (made
#: once: ``threadpool_limits`` looks the loaded libraries up again on every call, reading the
#: process's memory map, 5 to 15 ms each time, several times per linear closed form; BLAS is
#: loaded with numpy, before the first call).
_CONTROLLER = []


def _controller():
    if not _CONTROLLER:
        controller = ThreadpoolController()
        threads = [lib.num_threads for lib in controller.lib_controllers if lib.user_api == "blas"]
        _CONTROLLER.append((controller, max(threads) if threads else None))
    return _CONTROLLER[0]


def single_threaded_blas():
    """A context manager that limits BLAS to one thread."""
    controller, _ = _controller()
    return controller.limit(limits=1, user_api="blas")


def default_blas_threads():
    """A context manager that gives BLAS back the threads the process started with (inside
    :func:`single_threaded_blas`, for one large product that scales with them)."""
    controller, threads = _controller()
    if threads is None:  # no BLAS seen by threadpoolctl: nothing to give back
        return contextlib.nullcontext()
    return controller.limit(limits=threads, user_api="blas")

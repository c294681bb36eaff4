"""The BLAS-thread policy: one thread where more were measured to cost more than they give.

:func:`single_threaded_blas` is used around (1) the L-BFGS-B loops of ``_optimize``: BLAS on
vectors of length N K and small matrices, where threads only synchronise (up to 100 times
slower on a loaded machine); (2) the D x D algebra of the linear closed forms; (3) the N x N
sections of the kernel closed forms of VICReg and spectral contrastive, kept after
``benchmarks/blas_threads.py`` (``benchmarks/results/blas_threads.md``: the limit 2 to 9 times
faster under load, threads 13-15 % faster in wall at 40 % more CPU on a quiet machine, no size
threshold); (4) the row blocks of the one-pass forms and of the losses' sparse products, which
run on threads of their own; (5) each worker process of the report's claims. A product over
all of X inside such a section (``Z = X W + b``) gets the threads back with
:func:`default_blas_threads`. Sections opened from several threads at once agree on one
limit (:class:`_Sections`). :func:`map_blocks` and :func:`reduce_blocks` run independent row
blocks on Python threads of their own, one BLAS thread each: numpy's products and ufuncs
release the GIL, and a threaded BLAS does not split the :math:`D\times D` product of a tall
:math:`N\times D` block (one ``X.T @ X`` at N = 3e5, D = 64 took 0.95 of its two-thread time
on one thread, its two halves on two Python threads 0.46).
``threadpoolctl`` (>= 3.0, for ``ThreadpoolController``) is a declared dependency, also
required by scikit-learn.
"""

import contextlib
import functools
import operator
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp
from threadpoolctl import ThreadpoolController

#: threadpoolctl's controller and the BLAS threads the process had when it was made (made
#: once: ``threadpool_limits`` looks the loaded libraries up again on every call, reading the
#: process's memory map, 5 to 15 ms each time, several times per linear closed form; BLAS is
#: loaded with numpy, before the first call).
_CONTROLLER = []


def _controller():
    if not _CONTROLLER:
        # scipy's BLAS is a library of its own, loaded with scipy.linalg: load it first, so
        # that the controller (made once) limits it too
        import scipy.linalg  # noqa: F401

        controller = ThreadpoolController()
        threads = [lib.num_threads for lib in controller.lib_controllers if lib.user_api == "blas"]
        _CONTROLLER.append((controller, max(threads) if threads else None))
    return _CONTROLLER[0]


class _Sections:
    """The open BLAS sections of the process, and the limit they call for.

    BLAS's thread count is one setting for the whole process, so sections opened by
    concurrent Python threads must agree on it: while any :func:`single_threaded_blas`
    section is open BLAS runs on one thread, unless a :func:`default_blas_threads` section
    is open too (it asks for the startup count); when the last section closes, every
    library gets back the count it had when the first one opened. (Each section saving and
    restoring the limit by itself left BLAS at one thread for good when two calls overlapped.)
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.single = self.default = 0
        self.original = None  # the limiter of the first open section: it restores the counts
        self.applied = None

    def wanted(self, threads):
        return threads if self.default else 1

    def change(self, kind, step):
        controller, threads = _controller()
        with self.lock:
            opened = self.single + self.default
            setattr(self, kind, getattr(self, kind) + step)
            if self.single + self.default == 0:
                self.original.restore_original_limits()
                self.original = self.applied = None
                return
            wanted = self.wanted(threads)
            if opened == 0:
                self.original = controller.limit(limits=wanted, user_api="blas")
            elif wanted != self.applied:
                controller.limit(limits=wanted, user_api="blas")
            self.applied = wanted

    @contextlib.contextmanager
    def section(self, kind):
        self.change(kind, 1)
        try:
            yield
        finally:
            self.change(kind, -1)


_SECTIONS = _Sections()


def single_threaded_blas():
    """A context manager that limits BLAS to one thread (safe to open from several threads at once)."""
    return _SECTIONS.section("single")


def default_blas_threads():
    """A context manager that gives BLAS back the threads the process started with (inside
    :func:`single_threaded_blas`, for one large product that scales with them)."""
    _, threads = _controller()
    if threads is None:  # no BLAS seen by threadpoolctl: nothing to give back
        return contextlib.nullcontext()
    return _SECTIONS.section("default")


def available_cores():
    """The cores this process may run on (its CPU affinity where the system reports it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS and Windows have no affinity call
        return os.cpu_count() or 1


#: Python threads for the row blocks of the one-pass forms (at most 4: each keeps block-sized
#: buffers of its own).
BLOCK_THREADS = min(4, available_cores())


def _pool_map(function, items, threads):
    """Results of ``function`` over ``items`` in their order: an iterator, on threads when more than one is wanted."""
    items = list(items)
    threads = BLOCK_THREADS if threads is None else threads
    if threads <= 1 or len(items) <= 1:
        yield from map(function, items)
        return
    errors = np.geterr()  # numpy's error state is per thread: the workers take the caller's

    def call(item):
        with np.errstate(**errors):
            return function(item)

    with single_threaded_blas(), ThreadPoolExecutor(min(threads, len(items))) as pool:
        yield from pool.map(call, items)


def map_blocks(function, items, threads=None):
    """``[function(item) for item in items]``, on ``threads`` Python threads (default
    :data:`BLOCK_THREADS`) with one BLAS thread each; with one thread or one item, in the
    caller's thread with BLAS as it is.

    The results come back in the order of ``items``. The workers run under the caller's
    ``np.errstate``; an exception in one is raised here, with its message.
    """
    return list(_pool_map(function, items, threads))


def reduce_blocks(function, items, threads=None, combine=operator.add):
    """``combine``-d results of ``function(item)``, in the order of ``items``, computed as
    :func:`map_blocks` does (None for no items).

    Each result is combined as soon as those before it are: the threads hold a few results at
    a time, not one per item. The order makes the result bitwise the same for any number of
    threads.
    """
    results = _pool_map(function, items, threads)
    first = next(results, None)
    return functools.reduce(combine, results, first)


#: Nonzeros from which :func:`sparse_product` cuts a CSR matrix into row blocks on threads
#: (below it, starting threads costs more than they save).
SPARSE_PRODUCT_MIN_NNZ = 200_000


def csr_row_blocks(U, count):
    """``[(a, b, U[a:b])]``: ``count`` row blocks of a CSR ``U`` with about equal nonzeros (views, no copy)."""
    cuts = [0] + [int(np.searchsorted(U.indptr, U.nnz * k / count)) for k in range(1, count)] + [U.shape[0]]
    cuts = sorted(set(min(max(c, 0), U.shape[0]) for c in cuts))
    out = []
    for a, b in zip(cuts[:-1], cuts[1:]):
        lo, hi = U.indptr[a], U.indptr[b]
        out.append((a, b, sp.csr_matrix((U.data[lo:hi], U.indices[lo:hi], U.indptr[a:b + 1] - lo),
                                        shape=(b - a, U.shape[1]))))
    return out


def sparse_product(G, Y):
    """``G @ Y``; a CSR ``G`` with many nonzeros is cut into row blocks of equal nonzeros, each
    multiplied on a thread of its own (:func:`map_blocks`).

    scipy's CSR times dense product is single-threaded and releases the GIL. Each row of the
    result is the same sum as in one product: the result is bitwise that of ``G @ Y``. Any other
    ``G`` (another sparse format, a dense array, a :class:`~spectral_ssl.graphs.LabelRelation`)
    is multiplied as it is.
    """
    if (not sp.issparse(G) or G.format != "csr" or G.nnz < SPARSE_PRODUCT_MIN_NNZ
            or BLOCK_THREADS <= 1):
        return G @ Y
    Y = np.ascontiguousarray(Y)  # scipy would copy a Fortran-ordered Y for every block
    return np.concatenate(map_blocks(lambda block: block[2] @ Y, csr_row_blocks(G, BLOCK_THREADS)))

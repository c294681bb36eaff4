r"""The eigen-solvers, one small function each, and the table the dispatch picks from.

:data:`SOLVER_TABLE` maps a solver name to a function
``pairs(M, count, *, scale, trivial, tol, reorder) -> (values, vectors, on_complement)``:
at least the ``count`` smallest eigenpairs of the symmetric ``M`` (``on_complement``:
already restricted to the orthogonal complement of ``trivial``, so the caller must not
deflate them). :func:`spectral_ssl.linalg.smallest_eigenpairs` chooses the entry and
applies the basis and sign rules.

``"lobpcg"`` is SciPy's ``scipy.sparse.linalg.lobpcg``, not an in-house loop. The decision
was measured (suite ``lobpcg`` of ``python -m benchmarks``, ``docs/performance.md``): on
the same reverse Cuthill-McKee ordered Laplacian of a 10-NN swiss roll, with the same
block float32 AMG preconditioner, seeded start and constraint, to a residual of 1e-10 of
the scale, the former in-house loop took 50.4 s / 202 MiB at N = 10^5 against SciPy's
57.9 s / 228 MiB (1.15 times faster), and 441 s / 1400 MiB at N = 10^6 against 272 s /
1610 MiB (1.6 times slower). The loop had to be at least 1.5 times faster at equal
residual to be kept, so it was deleted (kept in ``benchmarks/lobpcg_loop.py``);
eigenvalues agree with the loop's to 2e-13 relative.
"""

import warnings

import numpy as np
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from . import _settings
from ._amg import lobpcg_preconditioner
from ._matrices import eigen_residuals
from ._ordering import locality_order, symmetric_factor, symmetric_permutation, unpermute


def deflate(values, vectors, trivial, operator):
    """Rayleigh-Ritz on span(vectors) minus the exact eigenvector ``trivial``."""
    trivial = trivial / np.linalg.norm(trivial)
    projected = vectors - np.outer(trivial, trivial @ vectors)
    # ``trivial`` lies in span(vectors), so exactly one singular value is ~0.
    U, s, _ = np.linalg.svd(projected, full_matrices=False)
    basis = U[:, : vectors.shape[1] - 1]
    small = basis.T @ (operator @ basis)
    small = (small + small.T) / 2
    ritz_values, ritz_vectors = np.linalg.eigh(small)
    return ritz_values, basis @ ritz_vectors


def smallest_dense(M, count):
    """The ``count`` smallest eigenpairs of a dense symmetric ``M`` by LAPACK ``eigh``."""
    return scipy.linalg.eigh(M, subset_by_index=[0, count - 1])


def arpack_start(N):
    """ARPACK's starting vector: a seeded standard normal vector.

    Without one, ``eigsh`` draws its own random start, which changes from call to
    call: the results then differ in the last bits (about 1e-14) between two
    calls on the same matrix. A fixed start makes them bitwise reproducible.
    """
    return np.random.default_rng(0).standard_normal(N)


def smallest_sparse(M, count, scale):
    r"""The ``count`` smallest eigenpairs of a sparse symmetric ``M`` by ARPACK shift-invert.

    A matrix whose scale is beyond :math:`2^{\pm 500}` is solved scaled by a power of two
    (exact) and its eigenvalues scaled back: at a scale of 1e-320 the shift underflowed to
    0 and SuperLU raised "Factor is exactly singular".
    """
    exponent = int(np.frexp(scale)[1])
    if abs(exponent) > 500:
        M = sp.csr_matrix(M, dtype=np.float64, copy=True)
        M.data = np.ldexp(M.data, -exponent)
        values, vectors = smallest_sparse(M, count, float(np.ldexp(scale, -exponent)))
        return np.ldexp(values, exponent), vectors
    # Shift-invert around a point just below 0: M + shift*I is positive definite,
    # so ARPACK converges fast to the smallest end and the factor needs no pivoting.
    shift = 1e-6 * scale
    M = sp.csc_matrix(M)
    shifted = (M + shift * sp.identity(M.shape[0], format="csc")).tocsc()
    inverse = spla.LinearOperator(M.shape, matvec=symmetric_factor(shifted).solve, dtype=np.float64)
    del shifted
    v0 = arpack_start(M.shape[0])
    values, vectors = spla.eigsh(M, k=count, sigma=-shift, which="LM", OPinv=inverse, v0=v0)
    del inverse
    if np.max(eigen_residuals(M, values, vectors)) > _settings.ARPACK_CHECK_RTOL * scale:
        # Diagonal pivots are only stable on a positive definite matrix; a
        # matrix that is not PSD after all gets SuperLU's pivoting factor.
        values, vectors = spla.eigsh(M, k=count, sigma=-shift, which="LM", v0=v0)
    order = np.argsort(values)
    return values[order], vectors[:, order]


def smallest_lobpcg(M, count, scale, trivial, tol, reorder=True):
    """``count`` smallest eigenpairs of ``M`` on the complement of ``trivial``, residuals below ``tol * scale``.

    SciPy's ``scipy.sparse.linalg.lobpcg`` on ``M`` reordered for locality
    (:func:`locality_order`), with the unit vector along ``trivial`` as the
    constraint ``Y``, the preconditioner of :func:`lobpcg_preconditioner` (built with
    ``trivial`` as its near-null candidate) as
    ``M``, a seeded standard normal start block of ``count`` columns (so results
    are deterministic; the canonical basis then removes any dependence on the
    start inside degenerate eigenspaces) and at most ``LOBPCG_MAXITER``
    iterations. The residuals of the vectors returned are recomputed from ``M``
    and checked. An in-house LOBPCG loop was no faster at equal residual (suite
    ``lobpcg`` of ``python -m benchmarks``, see ``docs/performance.md``).
    """
    M = sp.csr_matrix(M, dtype=np.float64)
    N = M.shape[0]
    order = locality_order(M) if reorder else None
    if order is not None:
        M = symmetric_permutation(M, order)
        trivial = None if trivial is None else trivial[order]
    constraint = None if trivial is None else (trivial / np.linalg.norm(trivial))[:, None]
    precondition, _ = lobpcg_preconditioner(M, _settings.PRECONDITIONER_SHIFT * scale, trivial)
    block = np.random.default_rng(0).standard_normal((N, count))
    for _ in range(1 + _settings.LOBPCG_RESTARTS):
        with warnings.catch_warnings():
            # SciPy warns in its own words when it stops above tol (and of
            # ill-conditioned Gram matrices near round-off); the check below
            # recomputes the residuals from M and warns in this package's.
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
            _, block = spla.lobpcg(M, block, M=precondition, Y=constraint, tol=tol * scale / 2,
                                   maxiter=_settings.LOBPCG_MAXITER, largest=False)
        # The Ritz vectors, their Rayleigh quotients and residuals recomputed from
        # M: what is returned is what is certified.
        block = np.ascontiguousarray(block[:, :count])
        block /= np.linalg.norm(block, axis=0)
        image = M @ block
        values = np.einsum("ij,ij->j", block, image)
        image -= block * values
        worst = float(np.max(np.sqrt(np.einsum("ij,ij->j", image, image))))
        del image
        if worst <= tol * scale:
            break
    del precondition
    order_values = np.argsort(values, kind="stable")
    values, block = values[order_values], block[:, order_values]
    if worst > tol * scale:
        warnings.warn(
            f"LOBPCG stopped with a largest eigen-residual |M u - lambda u| = {worst:.3g}, above "
            f"the tolerance {tol * scale:.3g} (tol={tol:.3g} times the scale {scale:.3g} of M); "
            f"the eigenvectors are approximate. Raise tol, or use solver='arpack' or 'dense'.",
            RuntimeWarning, stacklevel=4,
        )
    return values, block if order is None else unpermute(block, order)


def dense_pairs(M, count, *, scale, trivial, tol, reorder):
    """Table entry ``"dense"``: :func:`smallest_dense` on a dense copy of ``M``."""
    return (*smallest_dense(M.toarray() if sp.issparse(M) else M, count), False)


def arpack_pairs(M, count, *, scale, trivial, tol, reorder):
    """Table entry ``"arpack"``: :func:`smallest_sparse` (the caller deflates ``trivial``)."""
    return (*smallest_sparse(M, count, scale), False)


def lobpcg_pairs(M, count, *, scale, trivial, tol, reorder):
    """Table entry ``"lobpcg"``: :func:`smallest_lobpcg` on the complement of ``trivial``.

    ``count`` includes the trivial pair when ``trivial`` is given; LOBPCG's block holds
    the non-trivial vectors only.
    """
    values, vectors = smallest_lobpcg(M, count - (trivial is not None), scale, trivial, tol,
                                      reorder=reorder)
    return values, vectors, True


#: Solver name -> the function computing its pairs (see the module docstring).
SOLVER_TABLE = {"dense": dense_pairs, "arpack": arpack_pairs, "lobpcg": lobpcg_pairs}

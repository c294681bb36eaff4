"""Suite (a): non-parametric spectral solvers on a kNN graph, against scikit-learn.

The graph (10 nearest neighbours, union-symmetrised, of a swiss roll or of a
3-D Gaussian blob, see :func:`make_points`) is built once per size and saved; each solver then runs in its own subprocess on the
same graph. Residuals are measured on the problem each solver solves:

* VICReg (non-parametric, square variance, ``variance = covariance = 1``,
  small ``invariance`` so that no direction collapses): the columns of ``Z`` are
  eigenvectors of the combinatorial :math:`L`; residual
  :math:`\\max_k \\lVert L u_k - \\lambda_k u_k\\rVert` with :math:`\\lVert u_k\\rVert = 1`.
* Spectral contrastive and scikit-learn's ``SpectralEmbedding`` (both the
  normalised embedding): :math:`v_k = D^{1/2} y_k / \\lVert D^{1/2} y_k\\rVert`
  are eigenvectors of :math:`L_{sym}`; residual :math:`\\max_k\\lVert L_{sym} v_k - \\lambda_k v_k\\rVert`.

``residual_rel`` divides by the largest absolute row sum of the operator (a bound
on its norm), so the two kinds are comparable. A residual says little on its
own when the eigenvalues sought are tiny (about 1e-5 of that scale on a 10^6-point
roll): every case also returns its eigenvalues, and the suite reports their
largest relative error against the tight solve of the same operator.

Tolerance-matched cases call :func:`spectral_ssl.spectral.laplacian_eigenmaps`
with ``solver="lobpcg"`` and ``tol`` = the residual scikit-learn's AMG solver
reached on the same graph (measured first), on ``L`` (VICReg's eigenproblem) and
on ``L_sym`` (scikit-learn's own problem).
"""

import time

import numpy as np
import scipy.sparse as sp

from ._util import peak_rss_mib

N_NEIGHBORS = 10
HYPER = {"variance": 1.0, "covariance": 1.0, "invariance": 1e-3}


def make_points(dataset, n, seed=0):
    """``"swiss_roll"``: a 2-D surface in 3-D (noise 0.05); ``"blob"``: a 3-D standard Gaussian (a volume).

    The sparse LU factor ARPACK's shift-invert needs stays small on surfaces
    and fills in on volumes, which is why both kinds are benchmarked.
    """
    if dataset == "swiss_roll":
        from sklearn.datasets import make_swiss_roll

        return make_swiss_roll(n, noise=0.05, random_state=seed)[0]
    if dataset == "blob":
        return np.random.default_rng(seed).standard_normal((n, 3))
    raise ValueError(f"unknown dataset {dataset!r}")


def build_graph(n, path, dataset="swiss_roll", seed=0):
    from scipy.sparse.csgraph import connected_components

    from spectral_ssl import graphs

    X = make_points(dataset, n, seed)
    start = time.perf_counter()
    G = graphs.knn(X, N_NEIGHBORS)
    elapsed = time.perf_counter() - start
    sp.save_npz(path, G)
    return {"n": n, "nnz": int(G.nnz), "graph_s": elapsed,
            "components": int(connected_components(G, directed=False)[0]),
            "peak_rss_mib": peak_rss_mib()}


def _solver_description(solver, G):
    from spectral_ssl import linalg

    used = linalg._resolve_solver(solver, G.shape[0], G)
    precond = None
    if used == "lobpcg":
        precond = "amg" if linalg._pyamg() is not None else "aggregation"
    return used, precond


def _normalized_residual(G, Y):
    """Largest residual of the columns of Y read as D^{-1/2}-scaled eigenvectors of L_sym."""
    from spectral_ssl import linalg

    d = np.asarray(G.sum(axis=1)).ravel()
    L = linalg.laplacian(G, kind="normalized")
    V = np.sqrt(d)[:, None] * Y
    V = V / np.linalg.norm(V, axis=0)
    values = np.sum(V * (L @ V), axis=0)
    return float(np.max(linalg.eigen_residuals(L, values, V))), float(abs(L).sum(axis=1).max()), values


def _load(path):
    G = sp.load_npz(path).tocsr()
    return G


def superlu_factor(path, symmetric):
    """The sparse LU of L + eps I that ARPACK shift-invert needs, on a saved graph.

    ``symmetric=True``: spectral_ssl's factor (``linalg._symmetric_factor``);
    ``False``: SciPy's ``splu`` with its defaults, as ``eigsh(..., sigma=...)``
    builds it (and so scikit-learn's ARPACK path). Same shift as spectral_ssl's
    ARPACK solver (1e-6 times the scale of L).
    """
    import scipy.sparse.linalg as spla

    from spectral_ssl import linalg

    L = linalg.laplacian(_load(path))
    shifted = (L + 1e-6 * linalg._matrix_scale(L) * sp.identity(L.shape[0], format="csc")).tocsc()
    start = time.perf_counter()
    factor = linalg._symmetric_factor(shifted) if symmetric else spla.splu(shifted)
    elapsed = time.perf_counter() - start
    return {"time_s": elapsed, "factor_nnz": int(factor.L.nnz + factor.U.nnz),
            "peak_rss_mib": peak_rss_mib()}


def ssl_vicreg(path, n_components, solver):
    from spectral_ssl import linalg
    from spectral_ssl.methods import vicreg

    G = _load(path)
    used, precond = _solver_description(solver, G)
    base = peak_rss_mib()
    start = time.perf_counter()
    rep = vicreg.optimal_representation(G, n_components, solver=solver, **HYPER)
    elapsed = time.perf_counter() - start
    peak = peak_rss_mib()
    L = linalg.laplacian(G)
    U = rep.Z / np.linalg.norm(rep.Z, axis=0)
    values = np.sum(U * (L @ U), axis=0)
    residual = float(np.max(linalg.eigen_residuals(L, values, U)))
    scale = float(abs(L).sum(axis=1).max())
    return {"time_s": elapsed, "peak_rss_mib": peak, "base_rss_mib": base, "residual": residual,
            "residual_rel": residual / scale, "solver_used": used, "preconditioner": precond,
            "tol": linalg.LOBPCG_RTOL if used == "lobpcg" else None,
            "eigenvalues": [float(v) for v in rep.eigenvalues]}


def ssl_spectral_contrastive(path, n_components, solver):
    from spectral_ssl import linalg
    from spectral_ssl.methods import spectral_contrastive

    G = _load(path)
    used, precond = _solver_description(solver, G)
    base = peak_rss_mib()
    start = time.perf_counter()
    # K + 1: the first direction is the trivial constant one (nu = 1), as sklearn drops it
    rep = spectral_contrastive.optimal_representation(G, n_components + 1, solver=solver)
    elapsed = time.perf_counter() - start
    peak = peak_rss_mib()
    residual, scale, values = _normalized_residual(G, rep.Z[:, 1:])
    return {"time_s": elapsed, "peak_rss_mib": peak, "base_rss_mib": base, "residual": residual,
            "residual_rel": residual / scale, "solver_used": used, "preconditioner": precond,
            "tol": linalg.LOBPCG_RTOL if used == "lobpcg" else None,
            "eigenvalues": [float(v) for v in values]}


def ssl_eigenmaps(path, n_components, solver, tol=None, normalized=False):
    """``spectral.laplacian_eigenmaps``: eigenvectors of L (VICReg's problem) or of L_sym (scikit-learn's)."""
    from spectral_ssl import linalg, spectral

    G = _load(path)
    used, precond = _solver_description(solver, G)
    base = peak_rss_mib()
    start = time.perf_counter()
    U, values = spectral.laplacian_eigenmaps(G, n_components, normalized=normalized, solver=solver,
                                             tol=tol)
    elapsed = time.perf_counter() - start
    peak = peak_rss_mib()
    if normalized:
        residual, scale, values = _normalized_residual(G, U)
    else:
        L = linalg.laplacian(G)
        residual = float(np.max(linalg.eigen_residuals(L, values, U)))
        scale = float(abs(L).sum(axis=1).max())
    return {"time_s": elapsed, "peak_rss_mib": peak, "base_rss_mib": base, "residual": residual,
            "residual_rel": residual / scale, "solver_used": used, "preconditioner": precond,
            "tol": tol, "eigenvalues": [float(v) for v in values]}


def sklearn_embedding(path, n_components, eigen_solver, eigen_tol="auto"):
    from sklearn.manifold import SpectralEmbedding

    G = _load(path)
    base = peak_rss_mib()
    start = time.perf_counter()
    Y = SpectralEmbedding(n_components=n_components, affinity="precomputed",
                          eigen_solver=eigen_solver, eigen_tol=eigen_tol,
                          random_state=0).fit_transform(G)
    elapsed = time.perf_counter() - start
    peak = peak_rss_mib()
    residual, scale, values = _normalized_residual(G, Y)
    return {"time_s": elapsed, "peak_rss_mib": peak, "base_rss_mib": base, "residual": residual,
            "residual_rel": residual / scale, "solver_used": eigen_solver, "eigen_tol": eigen_tol,
            "eigenvalues": [float(v) for v in values]}

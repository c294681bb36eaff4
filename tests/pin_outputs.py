"""Pinned outputs of the public API on a fixed set of small inputs.

``compute_pins()`` returns a dict of named arrays: the results of ``graphs.*``,
``linalg.*``, ``kernels.*``, ``losses.*``, ``spectral.*``, the non-parametric
VICReg (ordinary hyper-parameter ratios), spectral contrastive and SimCLR optima, and
the linear and kernel optima of VICReg, spectral contrastive and Barlow Twins (the loss
as written and the whitened problem).
``tests/test_pinned_outputs.py`` compares them with ``tests/data/pinned_outputs.json``
at a relative 1e-8, so that a restructure cannot change a number unnoticed.

SimCLR's kernel optimum, VICReg's hinge variance, Barlow Twins uncentred and the implicit
label relation are pinned by ``tests/pin_optima.py``, at tolerances fit for numerical optima.

When a change of output is intended, regenerate the file from the repository root::

    PYTHONPATH=$PWD python -m tests.pin_outputs

and say in the commit message which numbers moved and why.

Method representations are pinned by basis- and sign-invariant summaries: the
singular values of ``Z`` and entries of the projector :math:`Z (Z^\\top Z)^+ Z^\\top`
divided by its trace at a few fixed indices. Functions whose contract includes the
sign and degenerate-basis rules (``linalg``, ``spectral``) are pinned entry by entry.
"""

import json
import pathlib
import sys

import numpy as np
import scipy.sparse as sp

PIN_FILE = pathlib.Path(__file__).resolve().parent / "data" / "pinned_outputs.json"


def features(n=24, d=3, seed=0):
    """The fixed sample matrix every case is built from."""
    return np.random.default_rng(seed).standard_normal((n, d))


def pin_graphs():
    """The fixed relation graphs: kNN, groups, pairing, weighted, disconnected."""
    from spectral_ssl import graphs

    X = features()
    return {
        "knn": graphs.knn(X, 4),
        "groups": graphs.from_groups(np.repeat(np.arange(8), 3)),
        "pairing": graphs.from_groups(np.repeat(np.arange(12), 2)),
        "weighted": graphs.gaussian(X, bandwidth=1.0, n_neighbors=5),
        "disconnected": sp.block_diag([graphs.knn(X[:12], 3), graphs.knn(X[12:], 3)]).tocsr(),
    }


def _dense(G):
    return np.asarray(G.toarray() if sp.issparse(G) else G, dtype=np.float64)


def projector_summary(Z):
    """Singular values of ``Z`` and trace-normalised entries of its column-space projector."""
    Z = np.asarray(Z, dtype=np.float64)
    U, s, _ = np.linalg.svd(Z, full_matrices=False)
    rank = int(np.sum(s > 1e-9 * s[0])) if s.size and s[0] > 0 else 0
    P = U[:, :rank] @ U[:, :rank].T
    P = P / max(np.trace(P), 1.0)
    N = Z.shape[0]
    index = [(0, 0), (0, 1), (1, 2), (3, 5), (N - 1, N - 1), (2, N - 2), (N // 2, N // 3)]
    return {"singular_values": s, "projector": np.array([P[i, j] for i, j in index]),
            "projector_rank": np.array([rank])}


def _method_pins(out):
    from spectral_ssl import solve

    G = pin_graphs()
    cases = {
        "vicreg": {"variance": 25.0, "covariance": 1.0, "invariance": 25.0},
        "vicreg_unit": {"variance": 1.0, "covariance": 1.0, "invariance": 1.0},
        "spectral_contrastive": {},
    }
    for name, hyper in cases.items():
        method = "vicreg" if name.startswith("vicreg") else name
        for graph, matrix in G.items():
            rep = solve(method, matrix, 3, **hyper)
            key = f"methods.{name}.{graph}"
            out[f"{key}.loss"] = np.array([rep.loss])
            out[f"{key}.rank"] = np.array([rep.rank])
            for field, value in projector_summary(rep.Z).items():
                out[f"{key}.{field}"] = value
    # Barlow Twins: the loss as written (numerical, deterministic starts) and the whitened problem (CCA)
    for name, hyper in (("barlow_twins", {"off_diagonal": 5e-3}),
                        ("barlow_twins_whitened", {"off_diagonal": 5e-3, "constraint": "whitened"})):
        for graph, matrix in G.items():
            rep = solve("barlow_twins", matrix, 3, **hyper)
            key = f"methods.{name}.{graph}"
            out[f"{key}.loss"] = np.array([rep.loss])
            out[f"{key}.rank"] = np.array([rep.rank])
            for field, value in projector_summary(rep.Z).items():
                out[f"{key}.{field}"] = value
    # SimCLR: Theorem 3's closed form on equal cliques, the numerical optimum elsewhere
    for graph, K in (("groups", 7), ("pairing", 3), ("knn", 2)):
        rep = solve("simclr", G[graph], K, temperature=0.5)
        key = f"methods.simclr.{graph}"
        out[f"{key}.loss"] = np.array([rep.loss])
        out[f"{key}.rank"] = np.array([rep.rank])
        for field, value in projector_summary(rep.Z).items():
            out[f"{key}.{field}"] = value


def _parametric_pins(out):
    """Linear and kernel optima: loss, rank, summary of ``Z`` and of ``transform`` on new inputs."""
    from spectral_ssl import solve

    X = features()
    X_new = features(6, seed=4)
    G = pin_graphs()
    cases = {
        "vicreg": ("vicreg", {"variance": 25.0, "covariance": 1.0, "invariance": 25.0}),
        "spectral_contrastive": ("spectral_contrastive", {}),
        "barlow_twins": ("barlow_twins", {"off_diagonal": 5e-3}),
        "barlow_twins_whitened": ("barlow_twins", {"off_diagonal": 5e-3, "constraint": "whitened"}),
    }
    regimes = (("linear", 2, {}), ("kernel", 3, {"kernel": "rbf", "bandwidth": 1.3}))
    for name, (method, hyper) in cases.items():
        for regime, K, options in regimes:
            for graph in ("knn", "groups"):
                rep = solve(method, G[graph], K, X, regime=regime, **options, **hyper)
                key = f"methods.{name}.{regime}.{graph}"
                out[f"{key}.loss"] = np.array([rep.loss])
                out[f"{key}.rank"] = np.array([rep.rank])
                for field, value in projector_summary(rep.Z).items():
                    out[f"{key}.{field}"] = value
                out[f"{key}.transform.singular_values"] = np.linalg.svd(
                    rep.transform(X_new), compute_uv=False)
    # SimCLR's linear optimum (multi-start L-BFGS-B, fixed seeds: the same result run after run);
    # the kNN graph only (a second graph costs seconds); the kernel regime is in tests/pin_optima.py
    rep = solve("simclr", G["knn"], 2, X, regime="linear", temperature=0.5)
    key = "methods.simclr.linear.knn"
    out[f"{key}.loss"] = np.array([rep.loss])
    out[f"{key}.rank"] = np.array([rep.rank])
    for field, value in projector_summary(rep.Z).items():
        out[f"{key}.{field}"] = value
    out[f"{key}.transform.singular_values"] = np.linalg.svd(rep.transform(X_new), compute_uv=False)


def _graph_pins(out):
    from spectral_ssl import graphs

    X = features()
    labels = np.repeat(np.arange(4), 6)
    out["graphs.knn"] = _dense(graphs.knn(X, 4))
    out["graphs.knn_mutual"] = _dense(graphs.knn(X, 4, symmetrize="mutual"))
    out["graphs.gaussian"] = _dense(graphs.gaussian(X, bandwidth=0.8))
    out["graphs.gaussian_knn"] = _dense(graphs.gaussian(X, bandwidth=1.0, n_neighbors=5))
    out["graphs.from_groups"] = _dense(graphs.from_groups(np.repeat(np.arange(6), 3)))
    out["graphs.from_labels"] = _dense(graphs.from_labels(labels))
    out["graphs.rewire"] = _dense(graphs.rewire(graphs.knn(X, 4), labels, 0.3, random_state=0))
    views, groups = graphs.make_views(X[:6], 2, augment=("noise",), random_state=0)
    out["graphs.make_views.views"] = views
    out["graphs.make_views.groups"] = groups.astype(np.float64)
    out["graphs.meanshift"] = _dense(graphs.meanshift(X, 3))
    out["graphs.nnclr"] = _dense(graphs.nnclr(X))
    out["graphs.nnclr_groups"] = _dense(graphs.nnclr(X, labels))


def _linalg_pins(out):
    from spectral_ssl import linalg

    X = features()
    G = pin_graphs()
    out["linalg.center"] = linalg.center(X)
    out["linalg.zero_constant_columns"] = linalg.zero_constant_columns(
        np.column_stack([X[:, 0], np.full(24, 0.1)]) - np.column_stack([X[:, 0], np.full(24, 0.1)]).mean(0),
        np.column_stack([X[:, 0], np.full(24, 0.1)]))
    for graph, matrix in G.items():
        out[f"linalg.degrees.{graph}"] = linalg.degrees(matrix)
        for kind in ("combinatorial", "normalized", "random_walk"):
            out[f"linalg.laplacian.{kind}.{graph}"] = _dense(linalg.laplacian(matrix, kind))
        for kind in ("combinatorial", "normalized"):
            values, vectors = linalg.laplacian_eigenpairs(matrix, 4, kind=kind, solver="dense")
            out[f"linalg.laplacian_eigenpairs.{kind}.{graph}.values"] = values
            out[f"linalg.laplacian_eigenpairs.{kind}.{graph}.vectors"] = vectors
        out[f"linalg.graph_quadratic_form.{graph}"] = linalg.graph_quadratic_form(X, matrix)
    L = linalg.laplacian(G["weighted"])
    for solver in ("dense", "arpack"):
        values, vectors = linalg.smallest_eigenpairs(L, 3, trivial=np.ones(24), solver=solver)
        out[f"linalg.smallest_eigenpairs.{solver}.values"] = values
        out[f"linalg.smallest_eigenpairs.{solver}.vectors"] = vectors
        out[f"linalg.eigen_residuals.{solver}"] = np.array(
            [float(np.max(linalg.eigen_residuals(L, values, vectors)) < 1e-12)])
    values, vectors = linalg.smallest_eigenpairs(L, 3)
    out["linalg.smallest_eigenpairs.untrivial.values"] = values
    # LOBPCG: the values only (its vectors are converged to tol, not to round-off)
    values, _ = linalg.laplacian_eigenpairs(G["weighted"], 2, solver="lobpcg")
    out["linalg.laplacian_eigenpairs.lobpcg.values"] = values
    A = X.T @ X + np.diag([1.0, 2.0, 3.0])
    B = np.cov(X.T)
    mu, Q = linalg.generalized_eigh(A, B)
    out["linalg.generalized_eigh.mu"], out["linalg.generalized_eigh.Q"] = mu, Q
    out["linalg.sign_flip"] = linalg.sign_flip(X[:5])
    Q3 = np.linalg.qr(X)[0]
    out["linalg.canonical_basis"] = linalg.canonical_basis(Q3)
    out["linalg.canonical_basis.count"] = linalg.canonical_basis(Q3, 2)
    out["linalg.eigenvalue_clusters"] = np.array(
        [[c.start, c.stop] for c in linalg.eigenvalue_clusters([0.0, 1.0, 1.0 + 1e-12, 2.0])], dtype=float)
    out["linalg.representation_rank"] = np.array(
        [linalg.representation_rank(X), linalg.representation_rank(np.column_stack([X, X[:, 0]]))])
    T, s = linalg.feature_basis(np.column_stack([X, 1e-9 * X[:, 0], np.full(24, 7.7)]))
    out["linalg.feature_basis.T"], out["linalg.feature_basis.s"] = T, s
    out["linalg.feature_rank"] = np.array([linalg.feature_rank(np.column_stack([X, X[:, 1] * 1e6]))])
    gram = linalg.Kernel("rbf", bandwidth=1.3)(X, X)
    s, V = linalg.kernel_range_basis(gram)
    out["linalg.kernel_range_basis.s"] = s
    out["linalg.kernel_range_basis.projector"] = projector_summary(V)["projector"]
    U, M = linalg.centred_range_basis(np.linalg.qr(X)[0])
    out["linalg.centred_range_basis.projector"] = projector_summary(U)["projector"]
    Z, W = linalg.sign_flip_with(-X[:, :2], np.array([[1.0, 2.0]]))
    out["linalg.sign_flip_with.Z"], out["linalg.sign_flip_with.W"] = Z, W


def _kernel_pins(out):
    from spectral_ssl import linalg

    X = features()
    Y = features(5, seed=1)
    for name, options in (("linear", {}), ("rbf", {"bandwidth": 1.3}),
                          ("polynomial", {"degree": 2, "coef0": 0.5})):
        out[f"kernels.{name}"] = linalg.Kernel(name, **options)(X, Y)
    out["kernels.median_bandwidth"] = np.array([linalg.median_bandwidth(X)])
    out["kernels.make_kernel.rbf"] = linalg.make_kernel(X)(X[:4], Y)


def _loss_pins(out):
    from spectral_ssl import losses

    G = pin_graphs()
    Z = features(24, 3, seed=2)
    for graph in ("knn", "weighted", "groups"):
        matrix = G[graph]
        calls = {
            "vicreg": lambda: losses.vicreg(Z, matrix, return_gradient=True),
            "vicreg_hinge": lambda: losses.vicreg(Z, matrix, variance_kind="hinge", eps=1e-3,
                                                  return_gradient=True),
            "simclr": lambda: losses.simclr(Z, matrix, temperature=0.3, return_gradient=True),
            "spectral_contrastive": lambda: losses.spectral_contrastive(Z, matrix, return_gradient=True),
            "barlow_twins": lambda: losses.barlow_twins(Z, matrix, off_diagonal=5e-3, centered=False,
                                                        return_gradient=True),
            "barlow_twins_centered": lambda: losses.barlow_twins(Z, matrix, off_diagonal=0.1,
                                                                 centered=True, return_gradient=True),
        }
        for name, call in calls.items():
            value, gradient = call()
            out[f"losses.{name}.{graph}.value"] = np.array([value])
            out[f"losses.{name}.{graph}.gradient"] = gradient
        out[f"losses.invariance_term.{graph}"] = np.array([losses.invariance_term(Z, matrix)])
        out[f"losses.barlow_twins_correlation.{graph}"] = losses.barlow_twins_correlation(Z, matrix)
    out["losses.variance_term"] = np.array([losses.variance_term(Z), losses.variance_term(
        Z, variance_kind="hinge", eps=1e-3)])
    out["losses.covariance_term"] = np.array([losses.covariance_term(Z)])


def _spectral_pins(out):
    from spectral_ssl import spectral

    X = features()
    G = pin_graphs()
    for graph in ("knn", "weighted", "disconnected"):
        for normalized in (False, True):
            embedding, values = spectral.laplacian_eigenmaps(G[graph], 3, normalized=normalized)
            key = f"spectral.laplacian_eigenmaps.{'normalized' if normalized else 'plain'}.{graph}"
            out[f"{key}.embedding"], out[f"{key}.values"] = embedding, values
    embedding, values, projection = spectral.locality_preserving_projections(X, G["knn"], 2)
    out["spectral.lpp.embedding"], out["spectral.lpp.values"] = embedding, values
    out["spectral.lpp.projection"] = projection
    distances = np.sqrt(np.maximum(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1), 0.0))
    for kind, M in (("distance", distances), ("gram", X @ X.T), ("features", X)):
        embedding, values = spectral.classical_mds(M, 2, kind=kind)
        out[f"spectral.classical_mds.{kind}.embedding"] = embedding
        out[f"spectral.classical_mds.{kind}.values"] = values
    for method in ("auto", "D"):
        embedding, values = spectral.isomap(X, 2, n_neighbors=5, path_method=method)
        out[f"spectral.isomap.{method}.embedding"], out[f"spectral.isomap.{method}.values"] = embedding, values
    for kernel, options in (("rbf", {"bandwidth": 1.3}), ("polynomial", {"degree": 2}), ("rbf", {})):
        embedding, values = spectral.kernel_pca(X, 2, kernel=kernel, **options)
        key = f"spectral.kernel_pca.{kernel}{'_median' if not options and kernel == 'rbf' else ''}"
        out[f"{key}.embedding"], out[f"{key}.values"] = embedding, values
    embedding, values = spectral.kernel_pca(X @ X.T, 2)
    out["spectral.kernel_pca.precomputed.embedding"] = embedding
    X_right = features(24, 4, seed=3) + 0.5 * np.column_stack([X, X[:, 0]])
    A, B, rho = spectral.cca(X, X_right, 2, regularization=0.1)
    out["spectral.cca.left"], out["spectral.cca.right"], out["spectral.cca.rho"] = A, B, rho


def compute_pins():
    """Every pinned output, as a dict of name -> float64 ndarray."""
    out = {}
    for part in (_graph_pins, _linalg_pins, _kernel_pins, _loss_pins, _spectral_pins, _method_pins,
                 _parametric_pins):
        part(out)
    return {key: np.asarray(value, dtype=np.float64) for key, value in out.items()}


def write_pins(path=PIN_FILE):
    """Compute the pins and write them as JSON (exact float64 round trip)."""
    pins = compute_pins()
    payload = {key: {"shape": list(value.shape), "values": value.ravel().tolist()}
               for key, value in sorted(pins.items())}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=0) + "\n")
    return pins


def read_pins(path=PIN_FILE):
    """The stored pins, as a dict of name -> float64 ndarray."""
    payload = json.loads(path.read_text())
    return {key: np.array(entry["values"], dtype=np.float64).reshape(entry["shape"])
            for key, entry in payload.items()}


if __name__ == "__main__":
    pins = write_pins()
    print(f"wrote {len(pins)} pinned outputs to {PIN_FILE}", file=sys.stderr)

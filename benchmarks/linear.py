"""Suite (b): the linear regime at large N, timed in units of one ``X.T @ X``.

Two augmentation views of ``N/2`` sources (``X = sources + noise``, view-major:
``groups = [0..N/2-1, 0..N/2-1]``). Compared, in one process:

* ``X.T @ X`` alone (the unit; best of 5; the others best of 3),
* ``scale.vicreg_linear(X, None, K, groups=...)``: chunked reductions + solve +
  sign pass, never forming G,
* ``methods.vicreg.optimal_linear(X, G, K)`` with ``G = graphs.from_groups``
  (graph construction timed separately).

A second case reads the same data from a ``.npy`` file through
``scale.vicreg_linear(path, ...)`` in a fresh process: its peak memory shows
that only chunks are held.
"""

import time

import numpy as np

from ._util import best_of, peak_rss_mib

HYPER = {"variance": 25.0, "covariance": 25.0, "invariance": 1.0}


def make_views(n, d, seed=0):
    rng = np.random.default_rng(seed)
    half = n // 2
    mixing = rng.standard_normal((d, d)) / np.sqrt(d)
    sources = rng.standard_normal((half, d)) @ mixing
    X = np.empty((2 * half, d))
    for v in range(2):
        X[v * half:(v + 1) * half] = sources + 0.3 * rng.standard_normal((half, d))
    groups = np.tile(np.arange(half), 2)
    return X, groups


def in_memory(n, d, n_components, path=None):
    from spectral_ssl import graphs, scale
    from spectral_ssl.methods import vicreg

    X, groups = make_views(n, d)
    if path:
        np.save(path, X)
    t_gram, _ = best_of(lambda: X.T @ X, 5)
    t_scale, sol = best_of(lambda: scale.vicreg_linear(X, None, n_components, groups=groups, **HYPER))
    peak_after_scale = peak_rss_mib()
    t_graph, G = best_of(lambda: graphs.from_groups(groups), 1)
    t_ref, ref = best_of(lambda: vicreg.optimal_linear(X, G, n_components, **HYPER))
    agree = float(np.max(np.abs(sol.W - ref.W)) / np.max(np.abs(ref.W)))
    return {"n": X.shape[0], "d": d, "gram_s": t_gram, "scale_s": t_scale,
            "scale_x_gram": t_scale / t_gram, "from_groups_s": t_graph, "optimal_linear_s": t_ref,
            "optimal_linear_x_gram": t_ref / t_gram, "W_rel_diff": agree,
            "peak_rss_after_scale_mib": peak_after_scale, "peak_rss_mib": peak_rss_mib(),
            "data_mib": X.nbytes / 2**20, "loss": sol.loss, "rank": sol.rank}


def from_file(path, n, d, n_components, gram_s=None):
    from spectral_ssl import scale

    half = n // 2
    groups = np.tile(np.arange(half), 2)
    base = peak_rss_mib()
    start = time.perf_counter()
    sol = scale.vicreg_linear(path, None, n_components, groups=groups, **HYPER)
    elapsed = time.perf_counter() - start
    out = {"n": n, "d": d, "time_s": elapsed, "peak_rss_mib": peak_rss_mib(), "base_rss_mib": base,
           "data_mib": n * d * 8 / 2**20, "chunk_size": sol.details["reductions"].details["chunk_size"],
           "loss": sol.loss}
    if gram_s:
        out["x_gram_in_memory"] = elapsed / gram_s
    return out

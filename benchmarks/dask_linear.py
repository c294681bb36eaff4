"""Suite (d): linear VICReg on a 2-worker dask.distributed LocalCluster, data from a .npy file.

The data (two augmentation views, view-major, as in :mod:`benchmarks.linear`)
is written to a ``.npy`` file chunk by chunk (never held whole). The workers
read it through :func:`spectral_ssl.scale.dask_from_npy`; the cluster has two
worker processes with one thread each, bound to 127.0.0.1, no dashboard. Peak
memory per worker is each worker process's ``ru_maxrss``. The same file is
also reduced in the client process alone (``scale.vicreg_linear(path, ...)``)
for comparison.
"""

import os
import time

import numpy as np

from ._util import peak_rss_mib

HYPER = {"variance": 25.0, "covariance": 25.0, "invariance": 1.0}


def write_views(path, n, d, seed=0, block=1 << 18):
    """Write X = sources + noise (two views, view-major) to the ``.npy`` file ``path``, block by block.

    Plain file writes after the ``.npy`` header (no memory map), so neither X
    nor its pages are ever resident at once.
    """
    half = n // 2
    mixing = np.random.default_rng(seed + 1).standard_normal((d, d)) / np.sqrt(d)
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float64)), "fortran_order": False,
              "shape": (2 * half, d)}
    start = time.perf_counter()

    def view(v, a, b):
        sources = np.random.default_rng([seed, a]).standard_normal((b - a, d)) @ mixing
        noise = np.random.default_rng([seed, a, v + 1]).standard_normal((b - a, d))
        return sources + 0.3 * noise

    with open(path, "wb") as f:
        np.lib.format.write_array_header_1_0(f, header)
        for v in range(2):
            for a in range(0, half, block):
                f.write(np.ascontiguousarray(view(v, a, min(half, a + block))).tobytes())
    return {"n": 2 * half, "d": d, "write_s": time.perf_counter() - start,
            "file_mib": os.path.getsize(path) / 2**20, "peak_rss_mib": peak_rss_mib()}


def on_cluster(path, n, d, n_components, n_workers=2, chunk_size=None):
    from dask.distributed import Client, LocalCluster

    from spectral_ssl import scale

    groups = np.tile(np.arange(n // 2), 2)
    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None, memory_limit=0)
    client = Client(cluster)
    try:
        start = time.perf_counter()
        X = scale.dask_from_npy(path, chunk_size)
        sol = scale.vicreg_linear(X, None, n_components, groups=groups, chunk_size=chunk_size,
                                  **HYPER)
        elapsed = time.perf_counter() - start
        workers = client.run(peak_rss_mib)
    finally:
        client.close()
        cluster.close()
    return {"n": n, "d": d, "workers": n_workers, "time_s": elapsed,
            "worker_peak_rss_mib": sorted(float(v) for v in workers.values()),
            "client_peak_rss_mib": peak_rss_mib(), "loss": sol.loss,
            "W": sol.W.tolist(), "n_chunks": sol.details["reductions"].details["n_chunks"]}


def single_process(path, n, d, n_components, chunk_size=None):
    from spectral_ssl import scale

    groups = np.tile(np.arange(n // 2), 2)
    start = time.perf_counter()
    sol = scale.vicreg_linear(path, None, n_components, groups=groups, chunk_size=chunk_size,
                              **HYPER)
    return {"n": n, "d": d, "time_s": time.perf_counter() - start, "peak_rss_mib": peak_rss_mib(),
            "loss": sol.loss, "W": sol.W.tolist()}

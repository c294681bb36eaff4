"""Suite ``public_linear``: the PUBLIC linear closed forms, timed in units of one ``X.T @ X``.

What a user calls, ``vicreg.optimal_linear(X, G, K)``,
``spectral_contrastive.optimal_linear(X, G, K)`` and
``barlow_twins.optimal_linear(X, G, K, constraint="whitened")`` (CCA; validation, the one-pass
forms of :func:`spectral_ssl.forms.feature_reductions`, the solve, ``Z = X W + b``, the sign
rule, rank and loss included), against one ``X.T @ X`` on the same float64 array, in the same
process and with the same BLAS threads (whatever the environment gives: this suite does not
set them). SimCLR's linear optimum is numerical (multi-start L-BFGS-B, no closed form) and is
not timed here. Relations:

* the pairing graph of two views (``graphs.from_groups``),
* groups of 4 views, and groups of unequal sizes 2..8 (labels-like),
* a 10-NN graph (built on the first 3 features, random order, ``graphs.knn``), the
  general sparse ``G``.

Graph construction is not timed. ``G @ X`` is scipy's sparse product alone (one call,
single-threaded in scipy). On the general sparse ``G`` two floors of the forms are timed alone
(:func:`_floors`): the half sparse product the solvers take (the strict upper triangle, in row
blocks on threads of their own) and the three dense products of the forms on the same threads;
together they show what any implementation of these forms with the core libraries pays. The public calls reduce ``X`` in row blocks on as many Python threads
as ``spectral_ssl._threads.BLOCK_THREADS`` (the cores, at most 4), one BLAS thread each;
the unit is numpy's ``X.T @ X`` as the environment runs it (OpenBLAS does not split this
tall product between its threads). ``loss_rel_diff``, ``sc_loss_rel_diff`` and ``bt_loss_rel_diff`` compare the
returned VICReg, spectral contrastive and Barlow Twins (whitened) losses (from the forms where their round-off
bounds allow) with ``losses.vicreg(Z, G)``, ``losses.spectral_contrastive(Z, G)`` and
``losses.barlow_twins(Z, G)`` (a check that the fast path is the same optimum); ``bt_basis``
says whether the forms decided the basis (``"reductions"``) or an N x D SVD did.

``python -m benchmarks.public_linear [--n N] [--d D] [--k K] [--out DIR]`` writes
``DIR/public_linear.md`` and ``DIR/public_linear.json``; ``python -m benchmarks --only
public_linear`` runs the same measurement as a suite of the main report.
"""

import argparse
import json
import os
import sys
import time
import warnings

import numpy as np

from ._util import fmt, machine, peak_rss_mib, table

HYPER = {"variance": 25.0, "covariance": 25.0, "invariance": 1.0}


def _views(n, d, seed=0):
    from .linear import make_views

    return make_views(n, d, seed)[0]


def _relations(X, seed=0):
    """(label, G) of every relation, in order; construction times returned alongside."""
    from spectral_ssl import graphs

    n = X.shape[0]
    rng = np.random.default_rng(seed)
    sizes = []
    while sum(sizes) < n:
        sizes.append(int(rng.integers(2, 9)))
    sizes[-1] -= sum(sizes) - n
    if sizes[-1] < 2:
        sizes[-2] += sizes.pop()
    unequal = np.repeat(np.arange(len(sizes)), sizes)
    yield "pairing graph (2 views)", lambda: graphs.from_groups(np.tile(np.arange(n // 2), 2))
    yield "groups of 4 views", lambda: graphs.from_groups(np.tile(np.arange(n // 4), 4))
    yield "groups of sizes 2..8", lambda: graphs.from_groups(unequal)
    yield "10-NN graph (general sparse G)", lambda: graphs.knn(X[:, :3], 10)


def _best(fn, repeats):
    """Smallest wall time and smallest process CPU time (all threads) of ``repeats`` calls, last result."""
    walls, cpus, out = [], [], None
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus), out


def _threads():
    try:
        from threadpoolctl import threadpool_info

        return [{k: lib.get(k) for k in ("internal_api", "num_threads", "version")}
                for lib in threadpool_info() if lib.get("user_api") == "blas"]
    except ImportError:  # pragma: no cover - scikit-learn depends on threadpoolctl
        return None


def _block_threads():
    from spectral_ssl import _threads

    return _threads.BLOCK_THREADS


def _floors(X, G, repeats):
    """Wall times of the two parts of a general graph's forms no implementation of them avoids.

    ``half``: :math:`Y = U X` with :math:`U` the strict upper triangle of ``G`` (half the
    sparse work of :math:`GX`), on the forms' threads (``_threads.sparse_product``).
    ``dense``: the three BLAS products of the forms, :math:`X^\top X`, :math:`X^\top D_G X`
    (each a ``syrk``, one unit of single-core work) and :math:`X^\top Y` (a ``gemm`` of the
    full :math:`D\times D`, two units), on the same row blocks and threads, one BLAS thread
    each: four units of single-core multiply-adds, two on two cores at best.
    """
    from spectral_ssl import _threads
    from spectral_ssl.forms import strict_upper, syrk

    U = strict_upper(G)
    half_s, _, Y = _best(lambda: _threads.sparse_product(U, X), repeats)
    root_d = np.sqrt(np.asarray(G.sum(axis=1)).ravel())
    threads = _threads.BLOCK_THREADS
    cuts = np.linspace(0, X.shape[0], threads + 1).astype(int)
    pieces = list(zip(cuts[:-1], cuts[1:]))

    def products(piece):
        a, b = piece
        with _threads.single_threaded_blas():
            return syrk(X[a:b]), syrk(root_d[a:b, None] * X[a:b]), X[a:b].T @ Y[a:b]

    def add(left, right):
        return tuple(x + y for x, y in zip(left, right))

    dense_s, _, _ = _best(lambda: _threads.reduce_blocks(products, pieces, threads, add), repeats)
    return half_s, dense_s


def measure(n, d, n_components, repeats=5):
    """Rows of the suite (one per relation and method), and the unit."""
    from spectral_ssl import losses
    from spectral_ssl.methods import barlow_twins, spectral_contrastive, vicreg

    X = _views(n, d)
    X = X[: (X.shape[0] // 4) * 4]  # divisible into 2 and 4 views
    gram_s, gram_cpu, _ = _best(lambda: X.T @ X, 5)
    rows = []
    for label, build in _relations(X):
        start = time.perf_counter()
        G = build()
        graph_s = time.perf_counter() - start
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # collapse warnings are not what is timed
            t_vic, c_vic, rep = _best(lambda: vicreg.optimal_linear(X, G, n_components, **HYPER),
                                      repeats)
            from_z = losses.vicreg(rep.Z, G, **HYPER)
            t_sc, c_sc, sc = _best(lambda: spectral_contrastive.optimal_linear(X, G, n_components),
                                   repeats)
            sc_from_z = losses.spectral_contrastive(sc.Z, G)
            t_bt, c_bt, bt = _best(lambda: barlow_twins.optimal_linear(X, G, n_components,
                                                                      constraint="whitened"), repeats)
            bt_from_z = losses.barlow_twins(bt.Z, G, **bt.hyperparameters)
        t_gx, c_gx, _ = _best(lambda: G @ X, repeats)
        general = rep.details.get("relation") == "graph"
        half_s, dense_s = _floors(X, G, repeats) if general else (None, None)
        rows.append({"relation": label, "n": X.shape[0], "d": d, "k": n_components,
                     "nnz": int(G.nnz), "graph_s": graph_s, "gram_s": gram_s,
                     "gram_cpu_s": gram_cpu, "vicreg_s": t_vic, "vicreg_x_gram": t_vic / gram_s,
                     "vicreg_cpu_x_gram": c_vic / gram_cpu,
                     "spectral_contrastive_cpu_x_gram": c_sc / gram_cpu,
                     "vicreg_path": f"{rep.details.get('relation')}, basis {rep.details.get('basis')}",
                     "loss_rel_diff": abs(rep.loss - from_z) / max(abs(from_z), 1e-300),
                     "spectral_contrastive_s": t_sc, "spectral_contrastive_x_gram": t_sc / gram_s,
                     "spectral_contrastive_basis": sc.details.get("basis"),
                     "sc_loss_rel_diff": abs(sc.loss - sc_from_z) / max(abs(sc_from_z), 1e-300),
                     "barlow_whitened_s": t_bt, "barlow_whitened_x_gram": t_bt / gram_s,
                     "barlow_whitened_cpu_x_gram": c_bt / gram_cpu,
                     "bt_basis": bt.details.get("basis"),
                     "bt_loss_rel_diff": abs(bt.loss - bt_from_z) / max(abs(bt_from_z), 1e-300),
                     "sparse_gx_s": t_gx, "sparse_gx_x_gram": t_gx / gram_s,
                     "half_product_x_gram": None if half_s is None else half_s / gram_s,
                     "dense_products_x_gram": None if dense_s is None else dense_s / gram_s})
        del G
    return {"rows": rows, "gram_s": gram_s, "gram_cpu_s": gram_cpu, "repeats": repeats,
            "block_threads": _block_threads(), "peak_rss_mib": peak_rss_mib()}


COLUMNS = [("relation", "relation"), ("n", "N"), ("d", "D"), ("k", "K"), ("nnz", "nnz(G)"),
           ("vicreg_s", "vicreg.optimal_linear (s)"), ("vicreg_x_gram", "VICReg x X.T@X"),
           ("spectral_contrastive_s", "spectral_contrastive.optimal_linear (s)"),
           ("spectral_contrastive_x_gram", "SC x X.T@X"),
           ("barlow_whitened_s", "barlow_twins (whitened) (s)"), ("barlow_whitened_x_gram", "BT x X.T@X"),
           ("sparse_gx_s", "G @ X alone (s)"), ("sparse_gx_x_gram", "G@X x X.T@X"),
           ("half_product_x_gram", "U X on the forms' threads x X.T@X"),
           ("dense_products_x_gram", "the 3 dense products on the forms' threads x X.T@X"),
           ("vicreg_cpu_x_gram", "VICReg CPU x"), ("spectral_contrastive_cpu_x_gram", "SC CPU x"),
           ("barlow_whitened_cpu_x_gram", "BT CPU x"),
           ("vicreg_path", "VICReg forms"),
           ("loss_rel_diff", "loss vs losses.vicreg(Z)"),
           ("sc_loss_rel_diff", "SC loss vs losses(Z)"),
           ("bt_basis", "BT basis"), ("bt_loss_rel_diff", "BT loss vs losses(Z)")]


def install():
    """Which Python environment ran the suite, and its BLAS threads."""
    return {"prefix": sys.prefix, "executable": sys.executable, "blas": _threads(),
            "note": "BLAS threads as the environment sets them (not forced to 1)"}


def markdown(result, info, inst):
    head = (f"Unit: one `X.T @ X` = {fmt(result['gram_s'])} s on the same float64 array, same "
            f"process, same BLAS threads (best of 5; the public calls best of {result.get('repeats', 5)}; graph "
            f"construction not timed). `x X.T@X`: wall-time ratios; `CPU x`: ratios of process "
            f"CPU time (all threads), less sensitive to other jobs on a shared machine; the "
            f"public calls reduce X on {result.get('block_threads', '?')} threads of their own. "
            f"SC = spectral_contrastive.optimal_linear, BT = barlow_twins.optimal_linear(..., "
            f"constraint='whitened') (CCA); SimCLR's linear optimum is numerical and not timed. "
            f"`G @ X alone`: scipy's sparse product, one call. On a general sparse G (the "
            f"forms' `graph` path) two floors of the forms, timed alone in the same run: `U X`, "
            f"the half sparse product the forms take (U the strict upper triangle of G) on the "
            f"forms' threads, and the 3 dense products X^T X, X^T D X (syrk) and X^T (U X) "
            f"(gemm) on the same threads, 4 units of single-core work. "
            f"Machine: {info.get('cpus')} CPUs, load average at start "
            f"{info.get('load_average')}, Python {info.get('python')}, numpy {info.get('numpy')}, "
            f"scipy {info.get('scipy')}, {info.get('date')}. Environment: `{inst['prefix']}`, BLAS "
            f"{inst['blas']}. Peak RSS {fmt(result['peak_rss_mib'])} MiB."
            + (f" Load average at the end {[round(v, 2) for v in result['load_average_end']]}."
               if result.get("load_average_end") else ""))
    return head + "\n\n" + table(result["rows"], COLUMNS) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.public_linear",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300_000)
    parser.add_argument("--d", type=int, default=64)
    parser.add_argument("--k", type=int, default=8)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results"))
    args = parser.parse_args(argv)
    info, inst = machine(), install()
    result = measure(args.n, args.d, args.k)
    result["load_average_end"] = list(os.getloadavg())
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "public_linear.json"), "w") as f:
        json.dump({"machine": info, "install": inst, **result}, f, indent=1)
    with open(os.path.join(args.out, "public_linear.md"), "w") as f:
        f.write("# Public linear closed forms against one X.T @ X\n\n" + markdown(result, info, inst))
    print(os.path.join(args.out, "public_linear.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

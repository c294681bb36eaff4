"""``python -m benchmarks [--sizes tiny|small|large] [--out DIR] [--only SUITES]``.

See :mod:`benchmarks` for what each suite measures. ``tiny`` is a smoke run
(seconds; used by the tests), ``small`` takes a few minutes, ``large`` runs the
sizes of the report (kNN graphs up to N = 10^6, the linear regime at
N = 10^6 x 128 and, on dask, N = 10^7 x 64) and takes about an hour on 2 cores.
"""

import argparse
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import time

from ._util import machine, run_case, table

SUITES = ("spectral", "linear", "lbfgs", "dask")

SIZES = {
    "tiny": {
        "spectral": [("swiss_roll", 300), ("blob", 300)], "spectral_k": 4, "linear": (2000, 16), "linear_k": 4,
        "lbfgs": [(150, "nonparametric"), (150, "linear")], "lbfgs_k": 3, "lbfgs_cap": 20.0,
        "dask": (4000, 8), "dask_k": 3, "dask_chunk": 1000, "timeout": 180,
    },
    "small": {
        "spectral": [("swiss_roll", 10_000), ("blob", 20_000)], "spectral_k": 8, "linear": (100_000, 128), "linear_k": 8,
        "lbfgs": [(500, "nonparametric"), (2000, "nonparametric"), (500, "linear"), (2000, "linear")],
        "lbfgs_k": 8, "lbfgs_cap": 120.0,
        "dask": (1_000_000, 64), "dask_k": 8, "dask_chunk": None, "timeout": 600,
    },
    "large": {
        "spectral": [("swiss_roll", 10_000), ("swiss_roll", 100_000), ("swiss_roll", 1_000_000),
                     ("blob", 20_000), ("blob", 100_000)],
        "spectral_k": 8, "linear": (1_000_000, 128),
        "linear_k": 8,
        "lbfgs": [(500, "nonparametric"), (2000, "nonparametric"), (500, "linear"), (2000, "linear")],
        "lbfgs_k": 8, "lbfgs_cap": 300.0,
        "dask": (10_000_000, 64), "dask_k": 8, "dask_chunk": None, "timeout": 600,
        "arpack_timeout": 300,
    },
}


def _have(module):
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _available_gib():
    try:
        with open("/proc/meminfo") as f:
            line = next(line for line in f if line.startswith("MemAvailable"))
        return int(line.split()[1]) / 2**20
    except (OSError, StopIteration):
        return None


def _log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- suites


def _spectral_cases(n):
    """(label, target, params) of the solvers run on one graph."""
    cases = [("spectral_ssl VICReg = LE (solver=auto)", "spectral:ssl_vicreg", {"solver": "auto"})]
    if n <= 10_000:
        cases.append(("spectral_ssl VICReg = LE (solver=lobpcg)", "spectral:ssl_vicreg",
                      {"solver": "lobpcg"}))
    else:
        cases.append(("spectral_ssl VICReg = LE (solver=lobpcg, LOBPCG_RTOL=1e-6)",
                      "spectral:ssl_vicreg", {"solver": "lobpcg", "rtol": 1e-6}))
        cases.append(("spectral_ssl VICReg = LE (solver=arpack)", "spectral:ssl_vicreg",
                      {"solver": "arpack"}))
    cases.append(("spectral_ssl spectral contrastive (solver=auto)",
                  "spectral:ssl_spectral_contrastive", {"solver": "auto"}))
    cases.append(("sklearn SpectralEmbedding (arpack)", "spectral:sklearn_embedding",
                  {"eigen_solver": "arpack"}))
    if _have("pyamg"):
        cases.append(("sklearn SpectralEmbedding (amg)", "spectral:sklearn_embedding",
                      {"eigen_solver": "amg"}))
    return cases


def suite_spectral(cfg, tmp):
    rows = []
    K = cfg["spectral_k"]
    timed_out = set()
    for dataset, n in cfg["spectral"]:
        path = os.path.join(tmp, f"knn_{dataset}_{n}.npz")
        _log(f"spectral: building the kNN graph, {dataset}, N={n}")
        graph = run_case("spectral:build_graph", {"n": n, "path": path, "dataset": dataset},
                         cfg["timeout"])
        if graph.get("status") != "ok":
            rows.append({"graph": dataset, "n": n, "method": "kNN graph", **graph})
            continue
        rows.append({"graph": dataset, "n": n, "method": "kNN graph (10-NN)",
                     "time_s": graph["graph_s"], "peak_rss_mib": graph["peak_rss_mib"],
                     "nnz": graph["nnz"], "components": graph["components"], "status": "ok"})
        for label, target, params in _spectral_cases(n):
            if (dataset, label) in timed_out:
                rows.append({"graph": dataset, "n": n, "method": label,
                             "status": "skipped (timed out at a smaller N)"})
                continue
            _log(f"spectral: {label}, {dataset}, N={n}")
            limit = cfg["timeout"]
            if "arpack" in label:  # shift-invert can take very long on volumes: a shorter limit
                limit = min(limit, cfg.get("arpack_timeout", limit))
            result = run_case(target, {"path": path, "n_components": K, **params}, limit)
            if result.get("status") == "timeout":
                timed_out.add((dataset, label))
            result.pop("eigenvalues", None)
            rows.append({"graph": dataset, "n": n, "method": label, **result})
        os.remove(path)
    return rows


def suite_linear(cfg, tmp):
    n, d = cfg["linear"]
    K = cfg["linear_k"]
    path = os.path.join(tmp, "linear.npy")
    _log(f"linear: in memory, N={n}, D={d}")
    mem = run_case("linear:in_memory", {"n": n, "d": d, "n_components": K, "path": path},
                   cfg["timeout"])
    rows = [{"case": "in memory", **mem}]
    if mem.get("status") == "ok":
        _log(f"linear: from .npy, N={n}, D={d}")
        rows.append({"case": "from .npy (chunked)",
                     **run_case("linear:from_file", {"path": path, "n": mem["n"], "d": d,
                                                     "n_components": K, "gram_s": mem["gram_s"]},
                                cfg["timeout"])})
    if os.path.exists(path):
        os.remove(path)
    return rows


def suite_lbfgs(cfg, tmp):
    rows = []
    for n, regime in cfg["lbfgs"]:
        _log(f"lbfgs: {regime}, N={n}")
        rows.append(run_case("lbfgs:compare", {"n": n, "n_components": cfg["lbfgs_k"],
                                                "regime": regime, "time_cap": cfg["lbfgs_cap"]},
                             cfg["timeout"]))
    return rows


def suite_dask(cfg, tmp):
    if not (_have("dask") and _have("distributed")):
        return [{"case": "dask", "status": "skipped (dask[array,distributed] not installed)"}]
    n, d = cfg["dask"]
    need = 3 * n * d * 8 / 2**30 / 10 + 2.0  # chunks + page cache headroom; the file is on disk
    free = _available_gib()
    if free is not None and free < need:
        return [{"case": "dask", "status": f"skipped (needs ~{need:.0f} GiB free, {free:.0f} available)"}]
    path = os.path.join(tmp, "dask.npy")
    _log(f"dask: writing N={n}, D={d}")
    written = run_case("dask_linear:write_views", {"path": path, "n": n, "d": d}, cfg["timeout"])
    rows = [{"case": "write .npy", "time_s": written.get("write_s"), **written}]
    if written.get("status") == "ok":
        params = {"path": path, "n": written["n"], "d": d, "n_components": cfg["dask_k"],
                  "chunk_size": cfg["dask_chunk"]}
        _log("dask: 2-worker LocalCluster")
        cluster = run_case("dask_linear:on_cluster", params, cfg["timeout"])
        _log("dask: single process, same file")
        single = run_case("dask_linear:single_process", params, cfg["timeout"])
        if cluster.get("status") == "ok" and single.get("status") == "ok":
            import numpy as np

            a, b = np.array(cluster.pop("W")), np.array(single.pop("W"))
            cluster["W_rel_diff_vs_single"] = float(np.max(np.abs(a - b)) / np.max(np.abs(b)))
        cluster.pop("W", None)
        single.pop("W", None)
        rows += [{"case": "dask LocalCluster, 2 workers x 1 thread", **cluster},
                 {"case": "single process (numpy, chunked)", **single}]
    if os.path.exists(path):
        os.remove(path)
    return rows


# --------------------------------------------------------------------------- report


def markdown(results):
    out = ["# spectral_ssl benchmarks", ""]
    m = results["machine"]
    out.append(f"Sizes: `{results['sizes']}`; {m.get('cpus')} CPUs, {m.get('memory_gib')} GiB, "
               f"Python {m.get('python')}, numpy {m.get('numpy')}, scipy {m.get('scipy')}, "
               f"scikit-learn {m.get('scikit-learn')}, pyamg {m.get('pyamg') or 'absent'}, "
               f"dask {m.get('dask') or 'absent'}; load average at start {m.get('load_average')}; "
               f"{m.get('date')}. Peak memory = peak RSS of the case's own process (includes the "
               f"interpreter and the loaded graph/data); `residual_rel` = max ||M u - lambda u|| / "
               f"max abs row sum of M.")
    s = results["suites"]
    if "spectral" in s:
        out += ["", "## (a) Non-parametric spectral embedding on a kNN graph", "",
                table(s["spectral"], [("graph", "graph"), ("n", "N"), ("method", "method"),
                                      ("status", "status"),
                                      ("solver_used", "solver"), ("preconditioner", "precond."),
                                      ("time_s", "time (s)"), ("peak_rss_mib", "peak RSS (MiB)"),
                                      ("residual_rel", "residual_rel"), ("nnz", "nnz(G)")])]
    if "linear" in s:
        out += ["", "## (b) Linear regime (two views, groups relation)", "",
                table(s["linear"], [("case", "case"), ("status", "status"), ("n", "N"), ("d", "D"),
                                    ("gram_s", "X.T@X (s)"), ("scale_s", "scale.vicreg_linear (s)"),
                                    ("scale_x_gram", "x X.T@X"),
                                    ("optimal_linear_s", "optimal_linear (s)"),
                                    ("optimal_linear_x_gram", "x X.T@X "),
                                    ("from_groups_s", "from_groups (s)"),
                                    ("time_s", "time (s)"), ("x_gram_in_memory", "x X.T@X (in-memory unit)"),
                                    ("peak_rss_mib", "peak RSS (MiB)"), ("data_mib", "data (MiB)"),
                                    ("W_rel_diff", "W rel. diff")])]
    if "lbfgs" in s:
        out += ["", "## (c) Closed form vs L-BFGS on the exact loss (stop at 1e-6 relative)", "",
                table(s["lbfgs"], [("regime", "regime"), ("n", "N"), ("k", "K"), ("status", "status"),
                                   ("closed_form_s", "closed form (s)"), ("lbfgs_s", "L-BFGS (s)"),
                                   ("ratio", "ratio"), ("reached", "reached 1e-6"),
                                   ("evaluations", "loss evals"), ("final_rel_gap", "final gap")])]
    if "dask" in s:
        out += ["", "## (d) Linear regime on a dask LocalCluster, data from a .npy file", "",
                table(s["dask"], [("case", "case"), ("status", "status"), ("n", "N"), ("d", "D"),
                                  ("time_s", "time (s)"), ("worker_peak_rss_mib", "peak RSS per worker (MiB)"),
                                  ("client_peak_rss_mib", "client peak RSS (MiB)"),
                                  ("peak_rss_mib", "peak RSS (MiB)"), ("file_mib", "file (MiB)"),
                                  ("n_chunks", "chunks"), ("W_rel_diff_vs_single", "W rel. diff")])]
    return "\n".join(out) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", choices=tuple(SIZES), default="small")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results"))
    parser.add_argument("--only", default=",".join(SUITES),
                        help=f"comma-separated subset of {', '.join(SUITES)}")
    args = parser.parse_args(argv)
    suites = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(suites) - set(SUITES))
    if unknown:
        parser.error(f"unknown suite(s) {unknown}; choose from {', '.join(SUITES)}")
    cfg = SIZES[args.sizes]
    os.makedirs(args.out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="spectral_ssl_bench_")
    results = {"sizes": args.sizes, "machine": machine(), "suites": {}}
    try:
        for name in suites:
            start = time.perf_counter()
            results["suites"][name] = globals()[f"suite_{name}"](cfg, tmp)
            _log(f"{name}: done in {time.perf_counter() - start:.1f} s")
            # write as we go: a long run that is stopped keeps what it measured
            with open(os.path.join(args.out, "results.json"), "w") as f:
                json.dump(results, f, indent=1)
            with open(os.path.join(args.out, "results.md"), "w") as f:
                f.write(markdown(results))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(os.path.join(args.out, "results.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

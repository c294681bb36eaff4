"""``python -m benchmarks [--sizes tiny|small|large] [--out DIR] [--only SUITES]``.

See :mod:`benchmarks` for what each suite measures. ``tiny`` is a smoke run
(seconds; used by the tests), ``small`` takes a few minutes, ``large`` runs the
sizes of the report (kNN graphs up to N = 10^6, the linear regime at
N = 10^6 x 128 and, on dask, N = 10^7 x 64) and takes about an hour and a half on 2 cores.
"""

import argparse
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import time

import numpy as np

from ._util import fmt, machine, parse_graph_case, run_case, table

SUITES = ("spectral", "linear", "lbfgs", "dask", "factor", "default", "lobpcg", "public_linear")

#: Suites run only when named in ``--only``; each writes its own files in ``--out``:
#: ``claims`` -> claims_verdicts.{json,md} (:mod:`benchmarks.claims_verdicts`; ``--sizes tiny``: its smoke
#: run, claims_verdicts_tiny.{json,md}).
SEPARATE_SUITES = ("claims",)

SIZES = {
    "tiny": {
        "spectral": [("swiss_roll", 300), ("blob", 300)], "spectral_k": 4, "linear": (2000, 16), "linear_k": 4,
        "lbfgs": [(150, "nonparametric"), (150, "linear")], "lbfgs_k": 3, "lbfgs_cap": 20.0,
        "adam_cap": 2.0,
        "dask": (4000, 8), "dask_k": 3, "dask_chunk": 1000, "timeout": 180,
        "factor": [("swiss_roll", 300), ("blob", 300)],
        "default": [("swiss_roll", 2500), ("blob", 2500)], "default_repeats": {2500: 1},
        "default_timeout": 180, "lobpcg": [("swiss_roll", 3000)],
        "public_linear": (4000, 16, 4),
    },
    "small": {
        "spectral": [("swiss_roll", 10_000), ("blob", 20_000)], "spectral_k": 8, "linear": (100_000, 128), "linear_k": 8,
        "lbfgs": [(2000, "nonparametric"), (5000, "nonparametric"), (2000, "linear"),
                  (5000, "linear")],
        "lbfgs_k": 8, "lbfgs_cap": 120.0, "adam_cap": 20.0,
        "dask": (1_000_000, 64), "dask_k": 8, "dask_chunk": None, "timeout": 600,
        "factor": [("swiss_roll", 10_000), ("blob", 20_000)],
        "default": [("swiss_roll", 10_000), ("blob", 10_000), ("swiss_roll", 30_000),
                    ("blob", 30_000)],
        "default_repeats": {10_000: 3, 30_000: 2}, "default_timeout": 300,
        "lobpcg": [("swiss_roll", 30_000)],
        "public_linear": (100_000, 64, 8),
    },
    "large": {
        "spectral": [("swiss_roll", 10_000), ("swiss_roll", 100_000), ("swiss_roll", 1_000_000),
                     ("blob", 20_000), ("blob", 100_000)],
        "spectral_k": 8, "linear": (1_000_000, 128),
        "linear_k": 8,
        "lbfgs": [(5000, "nonparametric"), (10_000, "nonparametric"), (20_000, "nonparametric"),
                  (50_000, "nonparametric"), (100_000, "nonparametric"),
                  (5000, "linear"), (20_000, "linear"), (100_000, "linear")],
        "lbfgs_k": 8, "lbfgs_cap": 300.0, "adam_cap": 60.0, "lbfgs_timeout": 900,
        "dask": (10_000_000, 64), "dask_k": 8, "dask_chunk": None, "timeout": 600,
        "factor": [("swiss_roll", 10_000), ("swiss_roll", 100_000), ("blob", 20_000)],
        "arpack_timeout": 150,
        "default": [("swiss_roll", 10_000), ("blob", 10_000), ("swiss_roll", 100_000),
                    ("blob", 100_000), ("swiss_roll", 1_000_000), ("blob", 1_000_000)],
        "default_repeats": {10_000: 3, 100_000: 2, 1_000_000: 1},
        "default_timeout": 300, "default_timeout_1e6": 600,
        "lobpcg": [("swiss_roll", 100_000), ("swiss_roll", 1_000_000)],
        "public_linear": (300_000, 64, 8),
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


#: Called by a suite with its rows so far, after each graph: ``main`` sets it to write
#: the results files, so that a long run that is stopped keeps what it measured.
_CHECKPOINT = None


def _checkpoint(suite, rows):
    if _CHECKPOINT is not None:
        _CHECKPOINT(suite, rows)


def _log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- suites


#: Tolerance of the matched cases when scikit-learn's AMG solver is not available.
FALLBACK_TOL = 1e-3


def _spectral_cases(n, amg_residual):
    """(label, operator, target, params) of the solvers run on one graph, in order.

    ``amg_residual``: the relative residual scikit-learn's AMG solver reached on
    this graph (None before it has run, or without pyamg); the tolerance-matched
    cases use it as their ``tol``.
    """
    cases = []
    if _have("pyamg"):
        cases.append(("sklearn SpectralEmbedding (amg, eigen_tol=1e-10)", "L_sym",
                      "spectral:sklearn_embedding", {"eigen_solver": "amg", "eigen_tol": 1e-10}))
    cases.append(("sklearn SpectralEmbedding (arpack)", "L_sym", "spectral:sklearn_embedding",
                  {"eigen_solver": "arpack"}))
    cases.append(("spectral_ssl VICReg = LE (solver=auto)", "L", "spectral:ssl_vicreg",
                  {"solver": "auto"}))
    tol = float(f"{amg_residual:.1e}") if amg_residual else FALLBACK_TOL
    if amg_residual and tol > amg_residual:  # round down: at most the AMG residual
        tol = float(f"{amg_residual * 0.95:.1e}")
    source = "sklearn amg's residual" if amg_residual else "fixed"
    cases.append((f"spectral_ssl laplacian_eigenmaps (lobpcg, tol={tol:.1e} = {source})", "L",
                  "spectral:ssl_eigenmaps", {"solver": "lobpcg", "tol": tol}))
    cases.append((f"spectral_ssl laplacian_eigenmaps normalized (lobpcg, tol={tol:.1e} = {source})",
                  "L_sym", "spectral:ssl_eigenmaps",
                  {"solver": "lobpcg", "tol": tol, "normalized": True}))
    if n <= 10_000:
        cases.append(("spectral_ssl VICReg = LE (solver=lobpcg)", "L", "spectral:ssl_vicreg",
                      {"solver": "lobpcg"}))
    else:
        cases.append(("spectral_ssl VICReg = LE (solver=arpack)", "L", "spectral:ssl_vicreg",
                      {"solver": "arpack"}))
    cases.append(("spectral_ssl spectral contrastive (solver=auto)", "L_sym",
                  "spectral:ssl_spectral_contrastive", {"solver": "auto"}))
    return cases


def _eigenvalue_errors(rows):
    """Largest relative eigenvalue error of each row against the tight solve of its operator."""
    reference = {}
    for row in rows:
        if row.get("status") == "ok" and row["method"] in (
                "spectral_ssl VICReg = LE (solver=auto)", "spectral_ssl spectral contrastive (solver=auto)"):
            reference[row["operator"]] = row["eigenvalues"]
    for row in rows:
        ref = reference.get(row.get("operator"))
        if row.get("status") == "ok" and ref is not None and "eigenvalues" in row:
            values, ref = np.asarray(row["eigenvalues"]), np.asarray(ref)
            row["eigenvalue_rel_err"] = float(np.max(np.abs(values - ref) / np.abs(ref)))


def _run_spectral_case(cfg, graph_case, timed_out, label, operator, target, params):
    """One solver on one saved graph, in its own process; skipped if it timed out at a smaller N."""
    dataset, n = graph_case["graph"], graph_case["n"]
    row = {"graph": dataset, "n": n, "method": label, "operator": operator}
    if (dataset, label) in timed_out:
        return {**row, "status": "skipped (timed out at a smaller N)"}
    _log(f"spectral: {label}, {dataset}, N={n}")
    limit = cfg["timeout"]
    if "arpack" in label:  # shift-invert can take very long on volumes: a shorter limit
        limit = min(limit, cfg.get("arpack_timeout", limit))
    result = run_case(target, {"path": graph_case["path"], "n_components": graph_case["n_components"],
                               **params}, limit)
    if result.get("status") == "timeout":
        timed_out.add((dataset, label))
    return {**row, **result}


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
        graph_case = {"graph": dataset, "n": n, "path": path, "n_components": K}
        here = []
        amg_residual = None
        if _have("pyamg"):  # first: its residual sets the tolerance of the matched cases
            amg = _run_spectral_case(cfg, graph_case, timed_out, "sklearn SpectralEmbedding (amg)",
                                     "L_sym", "spectral:sklearn_embedding", {"eigen_solver": "amg"})
            here.append(amg)
            amg_residual = amg.get("residual_rel") if amg.get("status") == "ok" else None
        for case in _spectral_cases(n, amg_residual):
            here.append(_run_spectral_case(cfg, graph_case, timed_out, *case))
        _eigenvalue_errors(here)
        amg_time = next((r["time_s"] for r in here if r["method"] == "sklearn SpectralEmbedding (amg)"
                         and r.get("status") == "ok"), None)
        for row in here:
            row.pop("eigenvalues", None)
            if amg_time and row.get("status") == "ok":
                row["vs_amg"] = row["time_s"] / amg_time
        rows += here
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


def suite_public_linear(cfg, tmp):
    """The public linear closed forms against one X.T @ X, in THIS process with the BLAS
    threads of the environment (not a subprocess with one thread): what a user's call costs."""
    from . import public_linear

    n, d, k = cfg["public_linear"]
    _log(f"public_linear: N={n}, D={d}, K={k} (in process, BLAS threads as set)")
    result = public_linear.measure(n, d, k)
    install = public_linear.install()
    return [{**row, "blas": str(install["blas"]), "status": "ok"} for row in result["rows"]]


def suite_lbfgs(cfg, tmp):
    rows = []
    for n, regime in cfg["lbfgs"]:
        _log(f"lbfgs: {regime}, N={n}")
        rows.append(run_case("lbfgs:compare", {"n": n, "n_components": cfg["lbfgs_k"],
                                                "regime": regime, "time_cap": cfg["lbfgs_cap"],
                                                "adam_cap": cfg["adam_cap"]},
                             cfg.get("lbfgs_timeout", cfg["timeout"])))
    return rows


#: The two factors of suite ``factor``: (label, ``symmetric`` argument of ``spectral.superlu_factor``).
FACTORS = (("SciPy splu defaults (COLAMD, partial pivoting; what eigsh uses)", False),
           ("spectral_ssl symmetric mode (minimum degree on A+A^T, diagonal pivots)", True))


def suite_factor(cfg, tmp):
    """The sparse LU of L + eps I for ARPACK shift-invert: SciPy's default against spectral_ssl's."""
    rows = []
    for dataset, n in cfg["factor"]:
        path = os.path.join(tmp, f"factor_{dataset}_{n}.npz")
        _log(f"factor: building the kNN graph, {dataset}, N={n}")
        graph = run_case("spectral:build_graph", {"n": n, "path": path, "dataset": dataset},
                         cfg["timeout"])
        if graph.get("status") != "ok":
            rows.append({"graph": dataset, "n": n, "factor": "kNN graph", **graph})
            continue
        here = []
        for label, symmetric in FACTORS:
            _log(f"factor: {label}, {dataset}, N={n}")
            result = run_case("spectral:superlu_factor", {"path": path, "symmetric": symmetric},
                              cfg.get("arpack_timeout", cfg["timeout"]))
            here.append({"graph": dataset, "n": n, "nnz": graph["nnz"], "factor": label, **result})
        if all(r["status"] == "ok" for r in here):
            default, symmetric = here
            default["nnz_vs_symmetric"] = default["factor_nnz"] / symmetric["factor_nnz"]
            default["time_vs_symmetric"] = default["time_s"] / symmetric["time_s"]
        rows += here
        os.remove(path)
    return rows


#: Solvers of suite ``default``: (label, target), run alternately on each graph.
DEFAULT_CASES = (("spectral_ssl VICReg (auto)", "eigen:readme_vicreg"),
                 ("sklearn SpectralEmbedding (defaults)", "eigen:sklearn_default"))


def _graph_for(cfg, tmp, suite, dataset, n):
    path = os.path.join(tmp, f"{suite}_{dataset}_{n}.npz")
    _log(f"{suite}: building the kNN graph, {dataset}, N={n}")
    graph = run_case("spectral:build_graph", {"n": n, "path": path, "dataset": dataset},
                     cfg["timeout"])
    return path, graph


def suite_default(cfg, tmp):
    """spectral_ssl's ``auto`` against scikit-learn's defaults, alternating, best of the repeats.

    Each repeat runs both solvers in turn (so that a change of machine load hits
    both); a solver that timed out is not repeated on that graph, nor run on a
    larger graph of the same kind.
    """
    rows = []
    # (graph, solver) -> the smallest N it timed out at, in this run or an earlier one kept by --merge
    timed_out = {}
    for row in cfg.get("earlier_rows", ()):
        if row.get("status") == "timeout":
            key = (row["graph"], row["method"])
            timed_out[key] = min(row["n"], timed_out.get(key, row["n"]))
    K = cfg.get("spectral_k", 8)
    for dataset, n in cfg.get("cases") or cfg["default"]:
        path, graph = _graph_for(cfg, tmp, "default", dataset, n)
        if graph.get("status") != "ok":
            rows.append({"graph": dataset, "n": n, "method": "kNN graph", **graph})
            continue
        runs = {label: [] for label, _ in DEFAULT_CASES}
        for repeat in range(cfg["default_repeats"][n]):
            for label, target in DEFAULT_CASES:
                if n >= timed_out.get((dataset, label), np.inf):
                    continue
                _log(f"default: {label}, {dataset}, N={n}, repeat {repeat + 1}")
                limit = cfg["default_timeout_1e6"] if n >= 1_000_000 else cfg["default_timeout"]
                conditions = {"date": time.strftime("%Y-%m-%d %H:%M:%S"),
                              "load_average": [round(v, 2) for v in os.getloadavg()]}
                result = run_case(target, {"path": path, "n_components": K}, limit)
                runs[label].append({**result, "started": conditions})
                if result.get("status") != "ok":
                    timed_out[(dataset, label)] = n
        here = []
        for label, _ in DEFAULT_CASES:
            done = [r for r in runs[label] if r.get("status") == "ok"]
            if done:
                best = min(done, key=lambda r: r["time_s"])
                row = {**best, "times_s": [r["time_s"] for r in done],
                       "peak_rss_mib": max(r["peak_rss_mib"] for r in done)}
            elif runs[label]:
                row = dict(runs[label][-1])
            else:
                row = {"status": "skipped (timed out at a smaller N)"}
            here.append({"graph": dataset, "n": n, "nnz": graph["nnz"], "method": label, **row})
        ours, theirs = here
        if ours.get("status") == "ok" and theirs.get("status") == "ok":
            ours["vs_sklearn"] = ours["time_s"] / theirs["time_s"]
        elif ours.get("status") == "ok":
            ours["vs_sklearn"] = f"sklearn: {theirs.get('status')}"
        rows += here
        os.remove(path)
        _checkpoint("default", rows)
    return rows


#: Cases of suite ``lobpcg``: (label, target, params).
LOBPCG_CASES = (
    ("former spectral_ssl loop, block AMG (float32), RCM order", "eigen:lobpcg_inhouse", {}),
    ("scipy lobpcg, block AMG (float32), RCM order, block 9 (spectral_ssl now)", "eigen:lobpcg_scipy",
     {"block": 9}),
    ("scipy lobpcg, block AMG (float32), RCM order, block 12", "eigen:lobpcg_scipy", {"block": 12}),
    ("scipy lobpcg, pyamg aspreconditioner, RCM order, block 9", "eigen:lobpcg_scipy",
     {"block": 9, "preconditioner": "pyamg"}),
    ("scipy lobpcg, block AMG (float32), original order, block 9", "eigen:lobpcg_scipy",
     {"block": 9, "reorder": False}),
)


def suite_lobpcg(cfg, tmp):
    """spectral_ssl's LOBPCG loop against SciPy's lobpcg with the same preconditioner and order."""
    if not _have("pyamg"):
        return [{"graph": "-", "method": "lobpcg", "status": "skipped (pyamg, the amg extra, is not installed)"}]
    rows = []
    for dataset, n in cfg["lobpcg"]:
        path, graph = _graph_for(cfg, tmp, "lobpcg", dataset, n)
        if graph.get("status") != "ok":
            rows.append({"graph": dataset, "n": n, "method": "kNN graph", **graph})
            continue
        here = []
        for label, target, params in LOBPCG_CASES:
            _log(f"lobpcg: {label}, {dataset}, N={n}")
            here.append({"graph": dataset, "n": n, "method": label,
                         **run_case(target, {"path": path, **params}, cfg["timeout"])})
        reference = here[0]
        ref_values = np.array(reference.get("eigenvalues", np.nan))
        for row in here:
            values = np.array(row.pop("eigenvalues", np.nan))
            if row.get("status") == "ok" and reference.get("status") == "ok":
                row["vs_inhouse"] = row["time_s"] / reference["time_s"]
                row["eig_rel_diff"] = float(np.max(np.abs(values - ref_values) / np.abs(ref_values)))
        rows += here
        os.remove(path)
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


def _lbfgs_row(row):
    """A row of table (c), the ratios of peers that missed the target marked as lower bounds."""
    row = dict(row)
    if "ratio" in row:
        row["lbfgs_ratio"] = ("" if row.get("reached") else ">") + fmt(row["ratio"])
    if "adam_ratio" in row:
        row["adam_ratio_text"] = ("" if row.get("adam_reached") else ">") + fmt(row["adam_ratio"])
    return row


def markdown(results):
    out = ["# spectral_ssl benchmarks", ""]
    m = results["machine"]
    out.append(f"Sizes: `{results['sizes']}`; {m.get('cpus')} CPUs, {m.get('memory_gib')} GiB, "
               f"Python {m.get('python')}, numpy {m.get('numpy')}, scipy {m.get('scipy')}, "
               f"scikit-learn {m.get('scikit-learn')}, pyamg {m.get('pyamg') or 'absent'}, "
               f"dask {m.get('dask') or 'absent'}; load average at start {m.get('load_average')}; "
               f"{m.get('date')}; BLAS threads per case: {m.get('blas_threads')}. Peak memory = "
               f"peak RSS of the case's own process (includes the interpreter and the loaded "
               f"graph/data); `residual_rel` = max ||M u - lambda u|| / max abs row sum of M; "
               f"`eig. rel. err` = max_k |lambda_k - lambda_k(tight)| / lambda_k(tight), against the "
               f"default-tolerance spectral_ssl solve of the same operator; `vs amg` = time / "
               f"scikit-learn AMG's time on the same graph.")
    s = results["suites"]
    runs = results.get("suite_machine", {})
    if results.get("merged"):
        out.append("")
        out.append("Suites run separately (merged): " + "; ".join(
            _run_text(name, runs[name]) for name in s if name in runs) + ".")
    if "spectral" in s:
        out += ["", "## (a) Non-parametric spectral embedding on a kNN graph", "",
                table(s["spectral"], [("graph", "graph"), ("n", "N"), ("method", "method"),
                                      ("operator", "operator"), ("status", "status"),
                                      ("solver_used", "solver"), ("preconditioner", "precond."),
                                      ("time_s", "time (s)"), ("vs_amg", "vs amg"),
                                      ("peak_rss_mib", "peak RSS (MiB)"),
                                      ("residual_rel", "residual_rel"),
                                      ("eigenvalue_rel_err", "eig. rel. err"), ("nnz", "nnz(G)")])]
    if "linear" in s:
        out += ["", "## (b) Linear regime (two views, groups relation)", "",
                ("Unit: one `X.T @ X` (numpy, BLAS syrk) on the same N x D float64 array, in the "
                 "same process (best of 5; the others best of 3)."), "",
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
        out += ["", "## (c) Closed form vs direct minimisation of the exact loss (stop at 1e-6 relative)",
                "", ("L-BFGS (SciPy L-BFGS-B, 20 pairs) and Adam (torch, best of initial learning "
                     "rates 0.1, 0.01, 0.001 with the rate halved on 25-step plateaus), both with "
                     "the analytic gradient; a ratio with `>` is a lower bound (the peer did not "
                     "reach the target within its cap)."), "",
                table([_lbfgs_row(r) for r in s["lbfgs"]],
                      [("regime", "regime"), ("n", "N"), ("k", "K"), ("status", "status"),
                       ("closed_form_s", "closed form (s)"), ("lbfgs_s", "L-BFGS (s)"),
                       ("lbfgs_ratio", "L-BFGS / closed"), ("evaluations", "L-BFGS evals"),
                       ("final_rel_gap", "L-BFGS gap"), ("adam_s", "Adam (s)"),
                       ("adam_ratio_text", "Adam / closed"), ("adam_lr", "Adam lr"),
                       ("adam_final_rel_gap", "Adam gap")])]
    if "dask" in s:
        out += ["", "## (d) Linear regime on a dask LocalCluster, data from a .npy file", "",
                table(s["dask"], [("case", "case"), ("status", "status"), ("n", "N"), ("d", "D"),
                                  ("time_s", "time (s)"), ("worker_peak_rss_mib", "peak RSS per worker (MiB)"),
                                  ("client_peak_rss_mib", "client peak RSS (MiB)"),
                                  ("peak_rss_mib", "peak RSS (MiB)"), ("file_mib", "file (MiB)"),
                                  ("n_chunks", "chunks"), ("W_rel_diff_vs_single", "W rel. diff")])]
    if "factor" in s:
        out += ["", "## (e) The sparse factor of ARPACK shift-invert: L + eps I, eps = 1e-6 x scale", "",
                table(s["factor"], [("graph", "graph"), ("n", "N"), ("nnz", "nnz(G)"),
                                    ("factor", "factor"), ("status", "status"),
                                    ("time_s", "time (s)"), ("factor_nnz", "nnz(L) + nnz(U)"),
                                    ("peak_rss_mib", "peak RSS (MiB)"),
                                    ("nnz_vs_symmetric", "entries / symmetric"),
                                    ("time_vs_symmetric", "time / symmetric")])]
    if "default" in s:
        out += ["", "## (f) The README install's default against scikit-learn's default", "",
                ("`vicreg.optimal_representation(G, 8, invariance=1e-6)` (`solver=\"auto\"`) against "
                 "`SpectralEmbedding(n_components=8, affinity=\"precomputed\")` (default eigen_solver: "
                 "ARPACK), run alternately in separate processes; time = best of the repeats (`times`), "
                 "`vs sklearn` = our best / scikit-learn's best; peak RSS = the largest of the repeats; "
                 "`fill` = the predicted entries of ARPACK's factor per entry of L (computed without "
                 "pyamg above N = 10^4, included in the time). Each row's start time and load average "
                 "are in results.json (`started`)."), "",
                table(s["default"], [("graph", "graph"), ("n", "N"), ("method", "method"),
                                     ("status", "status"), ("solver_used", "solver"),
                                     ("preconditioner", "precond."), ("time_s", "time (s)"),
                                     ("times_s", "times (s)"), ("vs_sklearn", "vs sklearn"),
                                     ("peak_rss_mib", "peak RSS (MiB)"),
                                     ("residual_rel", "residual_rel"),
                                     ("predicted_fill", "fill"), ("nnz", "nnz(G)")])]
    if "lobpcg" in s:
        out += ["", "## (g) LOBPCG: spectral_ssl's former loop against SciPy's, same order and preconditioner", "",
                ("Combinatorial L of the 10-NN graph, 9 pairs wanted (K = 8 plus one) on the complement "
                 "of the constant vector, tol = 1e-10 x the largest row sum, seeded start; time includes "
                 "the preconditioner's setup (`setup`); `vs loop` = time / the former loop's; "
                 "`eig. rel. diff` against the loop's eigenvalues."), "",
                table(s["lobpcg"], [("graph", "graph"), ("n", "N"), ("method", "method"),
                                    ("status", "status"), ("block", "block"),
                                    ("iterations", "iterations"), ("setup_s", "setup (s)"),
                                    ("time_s", "time (s)"), ("vs_inhouse", "vs loop"),
                                    ("peak_rss_mib", "peak RSS (MiB)"),
                                    ("residual_rel", "residual_rel"),
                                    ("eig_rel_diff", "eig. rel. diff")])]
    if "public_linear" in s:
        from .public_linear import COLUMNS

        out += ["", "## (h) Public linear closed forms against one X.T @ X", "",
                ("`vicreg.optimal_linear` and `spectral_contrastive.optimal_linear` as a user calls "
                 "them, in the main process with the environment's BLAS threads (not one per case), "
                 "in units of one `X.T @ X` on the same array; graph construction not timed."), "",
                table(s["public_linear"], COLUMNS)]
    return "\n".join(out) + "\n"


def _run_text(name, record):
    """``name on DATE (load ..., pyamg ...)``, then the earlier runs whose rows a --cases run kept."""
    text = (f"{name} on {record.get('date')} (load {record.get('load_average')}, "
            f"pyamg {record.get('pyamg') or 'absent'})")
    if record.get("cases"):
        text += f" for {', '.join(record['cases'])}, its other rows " + _run_text(name, record["earlier"])
    return text


def _parse_cases(text, known):
    """``"blob:100000,swiss_roll:1000000"`` -> [(graph, n)] in the order of ``known``; None if one is unknown."""
    wanted = {parse_graph_case(item) for item in text.split(",")}
    if not wanted <= set(known):
        return None
    return [case for case in known if case in wanted]


def _merge_case_rows(earlier, new, order):
    """The rows of both runs, graph by graph in the suite's order (a new row replaces its graph's old ones)."""
    position = {case: i for i, case in enumerate(order)}
    rows = earlier + new
    return sorted(rows, key=lambda row: position.get((row.get("graph"), row.get("n")), len(order)))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", choices=tuple(SIZES), default="small")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results"))
    parser.add_argument("--only", default=",".join(SUITES),
                        help=f"comma-separated subset of {', '.join(SUITES)}")
    parser.add_argument("--merge", action="store_true",
                        help="keep the other suites of an existing DIR/results.json of the same "
                             "sizes (each suite records the machine state it ran in)")
    parser.add_argument("--cases", default=None, metavar="GRAPH:N,...",
                        help="suite default only: run these of its graphs (say blob:100000); with "
                             "--merge, its rows of the other graphs are kept")
    args = parser.parse_args(argv)
    suites = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(suites) - set(SUITES) - set(SEPARATE_SUITES))
    if unknown:
        parser.error(f"unknown suite(s) {unknown}; choose from {', '.join(SUITES + SEPARATE_SUITES)}")
    if "claims" in suites:
        from . import claims_verdicts

        claims_verdicts.main(["--out", args.out] + (["--tiny"] if args.sizes == "tiny" else []))
        suites.remove("claims")
        if not suites:
            return 0
    cfg = dict(SIZES[args.sizes])
    if args.cases is not None:
        cases = _parse_cases(args.cases, cfg["default"])
        if cases is None or suites != ["default"]:
            parser.error(f"--cases takes GRAPH:N pairs of suite default ({', '.join(f'{d}:{n}' for d, n in cfg['default'])}) "
                         f"and needs --only default; got --cases {args.cases} --only {args.only}")
        cfg["cases"] = cases
    os.makedirs(args.out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="spectral_ssl_bench_")
    results = {"sizes": args.sizes, "machine": machine(), "suites": {}}
    existing = os.path.join(args.out, "results.json")
    if args.merge and os.path.exists(existing):
        with open(existing) as f:
            previous = json.load(f)
        if previous.get("sizes") == args.sizes:
            results["merged"] = True
            results["suites"] = previous.get("suites", {})
            results["suite_machine"] = previous.get("suite_machine", {
                name: previous.get("machine") for name in results["suites"]})
    results.setdefault("suite_machine", {})
    def write(name=None, rows=None):
        if name is not None:
            results["suites"][name] = rows
        with open(os.path.join(args.out, "results.json"), "w") as f:
            json.dump(results, f, indent=1)
        with open(os.path.join(args.out, "results.md"), "w") as f:
            f.write(markdown(results))

    global _CHECKPOINT
    _CHECKPOINT = write
    try:
        for name in suites:
            start = time.perf_counter()
            previous_machine = results["suite_machine"].get(name)
            results["suite_machine"][name] = machine()
            if cfg.get("cases") and previous_machine:
                # the rows kept from earlier runs keep the record of the machine they ran on
                results["suite_machine"][name].update(cases=[f"{g}:{n}" for g, n in cfg["cases"]],
                                                      earlier=previous_machine)
            earlier = results["suites"].get(name) or []
            if cfg.get("cases"):
                cfg["earlier_rows"] = [row for row in earlier
                                       if (row.get("graph"), row.get("n")) not in cfg["cases"]]
            rows = globals()[f"suite_{name}"](cfg, tmp)
            if cfg.get("cases"):
                rows = _merge_case_rows(cfg["earlier_rows"], rows, cfg["default"])
            results["suites"][name] = rows
            _log(f"{name}: done in {time.perf_counter() - start:.1f} s")
            # write as we go: a long run that is stopped keeps what it measured
            write()
    finally:
        _CHECKPOINT = None
        shutil.rmtree(tmp, ignore_errors=True)
    print(os.path.join(args.out, "results.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark ``amg_hierarchy``: LOBPCG's AMG preconditioner on pyamg's hierarchy and on the package's own.

Without pyamg (the README install), ``spectral_ssl.linalg`` builds the smoothed
aggregation hierarchy itself (``linalg._aggregation``, SciPy alone); with the ``amg``
extra it takes pyamg's. Everything else is the same: the block float32 V-cycle with its
Chebyshev smoother, SciPy's ``lobpcg``, the reverse Cuthill-McKee order. This suite runs
the public call ``linalg.laplacian_eigenpairs(G, 8, solver="lobpcg")`` (combinatorial
``L`` of a 10-NN graph, tol 1e-10) both ways, alternating, each in its own process with
one BLAS thread; "own" hides pyamg from its process (``sys.modules["pyamg"] = None``, as
on a machine without it). ``setup`` is :func:`spectral_ssl.linalg.lobpcg_preconditioner`
on ``L + 1e-5 s I`` alone, with the constant vector as its candidate as the solver passes it
(the hierarchy and its float32 copies), timed in the same process. Level sizes include the
coarsest level.

``python -m benchmarks.amg_hierarchy [--cases blob:100000 swiss_roll:1000000] [--repeats 2]
[--out DIR]`` (needs pyamg for the "pyamg" rows) writes ``DIR/amg_hierarchy.md`` and ``.json``.
"""

import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np

from ._util import machine, parse_graph_case, peak_rss_mib, run_case, table

K = 8
HIERARCHIES = ("pyamg", "own")
COLUMNS = [("graph", "graph"), ("n", "N"), ("hierarchy", "hierarchy"), ("kind", "kind"), ("status", "status"),
           ("levels", "level sizes"), ("setup_s", "setup (s)"), ("time_s", "solve (s)"),
           ("times_s", "solve times (s)"), ("vs_pyamg", "solve / pyamg's"),
           ("peak_rss_mib", "peak RSS (MiB)"), ("residual_rel", "residual_rel"),
           ("eig_rel_diff", "eig. rel. diff")]


def solve(path, hierarchy):
    """One process: the preconditioner's setup, then the public LOBPCG solve, on a saved graph."""
    if hierarchy == "own":
        sys.modules["pyamg"] = None  # import pyamg now raises ImportError, as without the extra
    import scipy.sparse as sp

    from spectral_ssl import linalg

    G = sp.load_npz(path).tocsr()
    L = linalg.laplacian(G)
    scale = float(abs(L).sum(axis=1).max())
    base = peak_rss_mib()
    start = time.perf_counter()
    operator, kind = linalg.lobpcg_preconditioner(L, linalg.PRECONDITIONER_SHIFT * scale,
                                                  np.ones(L.shape[0]))
    setup = time.perf_counter() - start
    del operator
    start = time.perf_counter()
    values, vectors = linalg.laplacian_eigenpairs(G, K, solver="lobpcg")
    elapsed = time.perf_counter() - start
    residual = float(np.max(linalg.eigen_residuals(L, values, vectors))) / scale
    return {"kind": kind, "setup_s": setup, "time_s": elapsed, "peak_rss_mib": peak_rss_mib(),
            "base_rss_mib": base, "residual_rel": residual, "values": values.tolist()}


def levels(path, hierarchy):
    """The sizes of the levels of the hierarchy, the coarsest included (a separate process: not timed)."""
    if hierarchy == "own":
        sys.modules["pyamg"] = None
    import scipy.sparse as sp

    from spectral_ssl import linalg

    L = linalg.laplacian(sp.load_npz(path).tocsr())
    scale = float(abs(L).sum(axis=1).max())
    null = np.ones(L.shape[0])  # the candidate the solver passes for L (its constraint)
    cycle = linalg._AMGPreconditioner(L, linalg.PRECONDITIONER_SHIFT * scale, linalg._pyamg(), null)
    return {"levels": [A.shape[0] for A, *_ in cycle.levels] + [cycle.coarse_size]}


def run(cases, repeats, timeout):
    rows = []
    tmp = tempfile.mkdtemp(prefix="spectral_ssl_amg_")
    for dataset, n in cases:
        path = os.path.join(tmp, f"{dataset}_{n}.npz")
        graph = run_case("spectral:build_graph", {"n": n, "path": path, "dataset": dataset}, timeout)
        runs = {name: [] for name in HIERARCHIES}
        for _ in range(repeats):
            for name in HIERARCHIES:
                print(f"[{time.strftime('%H:%M:%S')}] {dataset} N={n} {name}", flush=True)
                runs[name].append(run_case("amg_hierarchy:solve", {"path": path, "hierarchy": name}, timeout))
        here = {}
        for name in HIERARCHIES:
            done = [r for r in runs[name] if r.get("status") == "ok"]
            row = {"graph": dataset, "n": n, "hierarchy": name, "nnz": graph.get("nnz")}
            if done:
                best = min(done, key=lambda r: r["time_s"])
                row.update(best, times_s=[r["time_s"] for r in done],
                           peak_rss_mib=max(r["peak_rss_mib"] for r in done))
                row.update(run_case("amg_hierarchy:levels", {"path": path, "hierarchy": name}, timeout))
            else:
                row.update(runs[name][-1])
            here[name] = row
        if here["pyamg"].get("status") == "ok" and here["own"].get("status") == "ok":
            reference = np.asarray(here["pyamg"]["values"])
            for name in HIERARCHIES:
                here[name]["vs_pyamg"] = here[name]["time_s"] / here["pyamg"]["time_s"]
                here[name]["eig_rel_diff"] = float(np.max(np.abs(np.asarray(here[name]["values"]) - reference)
                                                          / np.maximum(np.abs(reference), 1e-300)))
        for name in HIERARCHIES:
            here[name].pop("values", None)
            rows.append(here[name])
        os.remove(path)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.amg_hierarchy", description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=["swiss_roll:100000", "blob:100000",
                                                       "swiss_roll:1000000", "blob:1000000"])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results"))
    args = parser.parse_args(argv)
    cases = [parse_graph_case(item) for item in args.cases]
    if any(case is None or case[0] not in ("swiss_roll", "blob") for case in cases):
        parser.error(f"--cases takes GRAPH:N with GRAPH swiss_roll or blob, got {args.cases}")
    info = machine()
    if info.get("pyamg") is None:
        parser.error("the 'pyamg' rows need pyamg: pip install '.[amg]'")
    rows = run(cases, args.repeats, args.timeout)
    info["load_average_after"] = machine().get("load_average")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "amg_hierarchy.json"), "w") as f:
        json.dump({"machine": info, "rows": rows}, f, indent=1)
    text = ["# LOBPCG's AMG preconditioner: pyamg's hierarchy against the package's own", "",
            __doc__.split("\n\n")[1].replace("\n", " "), "",
            f"Machine: {json.dumps(info)}", "", table(rows, COLUMNS)]
    with open(os.path.join(args.out, "amg_hierarchy.md"), "w") as f:
        f.write("\n".join(text) + "\n")
    print(os.path.join(args.out, "amg_hierarchy.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

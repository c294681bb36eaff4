"""Benchmark ``blas_threads``: the one-BLAS-thread sections of the methods, on and off (#18).

The linear and kernel closed forms of VICReg and spectral contrastive run their linear
algebra inside ``_threads.single_threaded_blas()`` (comments "D x D work"). In the kernel
regime those sections are N x N (``eigh`` of an r x r matrix, r up to N; VICReg's
generalized eigenproblem and edge-factor solve). This script times the PUBLIC calls
``vicreg.optimal_kernel``, ``vicreg.optimal_linear``, ``spectral_contrastive.optimal_kernel``
and ``spectral_contrastive.optimal_linear`` with the limit as shipped ("limited") and with
the methods' sections left to the process's BLAS threads ("threaded": the name
``single_threaded_blas`` of ``methods.vicreg``, ``methods._vicreg_linear`` and
``methods.spectral_contrastive`` replaced by a null context for the call; the L-BFGS loops of
``_optimize`` and the forms of ``forms._stats`` keep their limit in both settings).

Data: ``N/2`` base points in ``D`` dimensions and two noisy views of each (the pairing
graph ``graphs.from_groups``), ``K = 8``. The two settings alternate inside each repeat
(so that a change of load hits both); wall time (``perf_counter``) and process CPU time
(``process_time``, every thread) of the best-of-``repeats`` wall run are reported, with
the load averages before and after each case: on a shared, loaded machine these numbers are noisy.

``python -m benchmarks.blas_threads [--n 400 1600] [--d 64 512] [--repeats 3] [--out DIR]``
writes ``DIR/blas_threads.md`` and ``DIR/blas_threads.json``; ``--rows-from LOG`` writes them
from the JSON lines a run printed (a run stopped early: its finished cases, said in the notes).
"""

import argparse
import contextlib
import json
import os
import sys
import time
import warnings

import numpy as np

from ._util import fmt, machine, table

K = 8


def _data(n, d, seed=0):
    from spectral_ssl import graphs

    rng = np.random.default_rng(seed)
    base = rng.normal(size=(n // 2, d))
    X = np.repeat(base, 2, axis=0) + 0.1 * rng.normal(size=(2 * (n // 2), d))
    return X, graphs.from_groups(np.repeat(np.arange(n // 2), 2))


def _calls():
    from spectral_ssl.methods import spectral_contrastive, vicreg

    return {
        "vicreg.optimal_kernel": lambda X, G: vicreg.optimal_kernel(X, G, K, random_state=0),
        "vicreg.optimal_linear": lambda X, G: vicreg.optimal_linear(X, G, K, random_state=0),
        "spectral_contrastive.optimal_kernel": lambda X, G: spectral_contrastive.optimal_kernel(X, G, K),
        "spectral_contrastive.optimal_linear": lambda X, G: spectral_contrastive.optimal_linear(X, G, K),
    }


@contextlib.contextmanager
def _threaded():
    """The methods' single-thread sections without their limit (restored on exit)."""
    from spectral_ssl.methods import _vicreg_linear, spectral_contrastive, vicreg

    modules = (vicreg, _vicreg_linear, spectral_contrastive)
    saved = [m.single_threaded_blas for m in modules]
    try:
        for m in modules:
            m.single_threaded_blas = contextlib.nullcontext
        yield
    finally:
        for m, s in zip(modules, saved):
            m.single_threaded_blas = s


def _timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def run(sizes, dims, repeats):
    rows = []
    for n in sizes:
        for d in dims:
            X, G = _data(n, d)
            for name, call in _calls().items():
                load_before = os.getloadavg()
                runs = {"limited": [], "threaded": []}
                losses = {}
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    for _ in range(repeats):
                        for setting in ("limited", "threaded"):
                            with _threaded() if setting == "threaded" else contextlib.nullcontext():
                                wall, cpu, rep = _timed(lambda: call(X, G))
                            runs[setting].append((wall, cpu))
                            losses[setting] = float(rep.loss)
                row = {"call": name, "N": n, "D": d, "repeats": repeats,
                       "load_before": [round(v, 2) for v in load_before],
                       "load_after": [round(v, 2) for v in os.getloadavg()]}
                for setting, times in runs.items():
                    wall, cpu = min(times)
                    row[setting + "_wall_s"] = wall
                    row[setting + "_cpu_s"] = cpu
                    row[setting + "_walls"] = [t[0] for t in times]
                row["threaded_over_limited"] = row["threaded_wall_s"] / row["limited_wall_s"]
                row["loss_limited"], row["loss_threaded"] = losses["limited"], losses["threaded"]
                rows.append(row)
                print(json.dumps(row), flush=True)
    return rows


COLUMNS = [("call", "call"), ("N", "N"), ("D", "D"),
           ("limited_wall_s", "limited wall s"), ("limited_cpu_s", "limited CPU s"),
           ("threaded_wall_s", "threaded wall s"), ("threaded_cpu_s", "threaded CPU s"),
           ("threaded_over_limited", "threaded / limited (wall)"),
           ("load_before", "load before"), ("load_after", "load after")]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[400, 1600])
    parser.add_argument("--d", type=int, nargs="+", default=[64, 512])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results"))
    parser.add_argument("--rows-from", default=None)
    parser.add_argument("--note", action="append", default=[])
    args = parser.parse_args(argv)
    from threadpoolctl import threadpool_info

    info = machine()
    info["blas_threads"] = [lib.get("num_threads") for lib in threadpool_info()
                            if lib.get("user_api") == "blas"]
    info["blas"] = [(lib.get("internal_api"), lib.get("version")) for lib in threadpool_info()
                    if lib.get("user_api") == "blas"]
    info["python_executable"] = sys.executable
    if args.rows_from:
        with open(args.rows_from) as f:
            rows = [json.loads(line) for line in f if line.startswith("{")]
    else:
        rows = run(args.n, args.d, args.repeats)
    info["load_average_end"] = [round(v, 2) for v in os.getloadavg()]
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "blas_threads.json"), "w") as f:
        json.dump({"machine": info, "notes": args.note, "rows": rows}, f, indent=1)
    lines = ["# blas_threads", "", " ".join(__doc__.split("\n\n")[1:3]).replace("\n", " "), "",
             *[f"- {note}" for note in args.note], "",
             "Machine: " + json.dumps(info), "",
             table([{k: (fmt(v) if isinstance(v, float) else v) for k, v in r.items()} for r in rows],
                   COLUMNS), ""]
    with open(os.path.join(args.out, "blas_threads.md"), "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()

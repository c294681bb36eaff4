"""``python -m benchmarks.label_relation [--n N] [--classes C] [--out DIR]``: the implicit label relation at scale.

Issue #16: ``graphs.from_labels(y)`` stores every pair of a class, the sum of the squared
class sizes (N = 2x10^5 in 10 classes: 4x10^9 entries, about 160 GB as CSR), so it is
refused by the memory budget. ``graphs.from_labels(y, implicit=True)`` keeps the N class
codes and every solver below uses the closed-form spectrum or the class sums.

Each case runs in its own process (``benchmarks._case``, one BLAS thread, 12 GiB address
cap): the wall time of the call (best of ``--repeats``), the peak resident memory of the
process (``VmHWM``) and the same peak right before the call (imports and inputs), the loss
and the closed-form bound it must equal (``exact=True`` results). Writes
``label_relation.md`` and ``label_relation.json`` into ``--out`` (default
``benchmarks/results``).
"""

import argparse
import json
import os
import time

import numpy as np

from ._util import best_of, fmt, machine, peak_rss_mib, run_case

#: (case, method, regime, n_components, options): K below, at and above the class count
CASES = (
    ("build", "graphs.from_labels(y, implicit=True)", "-", 0, {}),
    ("vicreg-np", "vicreg", "nonparametric", 16, {"invariance": 1e-6}),
    ("vicreg-np-wf", "vicreg", "nonparametric", 16, {"invariance": 1e-6, "covariance": 0.5}),
    ("spectral-np", "spectral_contrastive", "nonparametric", 12, {}),
    ("barlow-np-indicators", "barlow_twins", "nonparametric", 9, {}),
    ("barlow-np-whitened", "barlow_twins", "nonparametric", 16, {"constraint": "whitened"}),
    ("vicreg-linear", "vicreg", "linear", 8, {"invariance": 1e-5}),
    ("estimator-vicreg-np", "VICReg(relation='labels', regime='nonparametric')", "nonparametric", 16,
     {"invariance": 1e-6}),
)


def _labels(n, classes, seed=0):
    rng = np.random.default_rng(seed)
    return rng.permutation(np.arange(n) % classes)


def case(name, n, classes, repeats, dims=32):
    """One case in this (fresh) process: time, peak memory, loss and its bound."""
    import warnings

    from spectral_ssl import graphs, methods
    from spectral_ssl.estimators import VICReg
    from spectral_ssl.exceptions import CollapseWarning

    warnings.simplefilter("ignore", CollapseWarning)
    _, method, regime, K, options = next(c for c in CASES if c[0] == name)
    y = _labels(n, classes)
    if name == "build":
        before = peak_rss_mib()
        seconds, _ = best_of(lambda: graphs.from_labels(y, implicit=True), repeats)
        return {"seconds": seconds, "peak_mib": peak_rss_mib(), "before_mib": before}
    R = graphs.from_labels(y, implicit=True)
    X = None
    if regime == "linear":
        rng = np.random.default_rng(1)
        X = rng.normal(size=(classes, dims))[y] + rng.normal(size=(n, dims))
    before = peak_rss_mib()
    if name.startswith("estimator"):
        def call():
            return VICReg(K, relation="labels", regime=regime, **options).fit(np.zeros((n, 1)), y)
        seconds, est = best_of(call, repeats)
        rep = est.representation_
    else:
        module = methods.REGISTRY[method]
        if regime == "linear":
            seconds, rep = best_of(lambda: module.optimal_linear(X, R, K, **options), repeats)
        else:
            seconds, rep = best_of(lambda: module.optimal_representation(R, K, **options), repeats)
    peak = peak_rss_mib()
    bound = _bound(method, rep, classes, options)
    return {"seconds": seconds, "peak_mib": peak, "before_mib": before, "loss": float(rep.loss),
            "bound": bound, "exact": bool(rep.exact), "rank": int(rep.rank)}


def _bound(method, rep, classes, options):
    """The closed-form optimal loss the result must equal (None where not known in closed form)."""
    from spectral_ssl.methods import barlow_twins, vicreg

    if "vicreg" in method.lower():  # both regimes: the water-filling / diagonal optimum of the spectrum
        return vicreg.minimal_loss(rep.eigenvalues, **options)
    if method == "spectral_contrastive":
        return -float(min(rep.Z.shape[1], classes))
    if method == "barlow_twins":
        return barlow_twins.whitened_minimal_loss(rep.eigenvalues, off_diagonal=rep.hyperparameters["off_diagonal"])
    return None


def _markdown(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results"))
    args = parser.parse_args(argv)
    rows, results = [], {}
    sizes = np.bincount(_labels(args.n, args.classes))
    explicit_gb = 40.0 * float(np.sum(sizes.astype(float) ** 2)) / 1e9
    for name, method, regime, K, options in CASES:
        start = time.perf_counter()
        out = run_case("label_relation:case", {"name": name, "n": args.n, "classes": args.classes,
                                               "repeats": args.repeats}, timeout=600)
        out["wall_s"] = time.perf_counter() - start
        results[name] = out
        gap = None if out.get("bound") is None else abs(out["loss"] - out["bound"]) / max(1.0, abs(out["bound"]))
        rows.append([name, method, regime, K or "-", json.dumps(options) if options else "-", out["status"],
                     fmt(out.get("seconds")), fmt(out.get("peak_mib")), fmt(out.get("before_mib")),
                     fmt(out.get("loss"), 6), fmt(gap), out.get("exact", "-")])
        print(" | ".join(str(c) for c in rows[-1]), flush=True)
    header = ["case", "call", "regime", "K", "options", "status", "seconds", "peak MiB", "MiB before call",
              "loss", "gap to bound", "exact"]
    text = (f"# The implicit label relation at N = {args.n}, {args.classes} classes (issue #16)\n\n"
            f"`python -m benchmarks.label_relation --n {args.n} --classes {args.classes}`. The explicit "
            f"graph (`graphs.from_labels(y)`) would store {int(np.sum(sizes.astype(float) ** 2)) - args.n} "
            f"pairs, about {explicit_gb:.3g} GB during its construction; it is refused by the memory "
            f"budget. Each case is one process: seconds = best of {args.repeats} calls; peak MiB = the "
            f"process's peak resident memory (`VmHWM`), MiB before call = that peak after the imports "
            f"and inputs; gap to bound = |loss - bound| / max(1, |bound|), the bound being the closed-form "
            f"optimum of the eigenvalues used.\n\n" + _markdown(header, rows) + "\n\nMachine: "
            + json.dumps(machine()) + "\n")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "label_relation.md"), "w") as f:
        f.write(text)
    with open(os.path.join(args.out, "label_relation.json"), "w") as f:
        json.dump({"n": args.n, "classes": args.classes, "machine": machine(), "cases": results}, f, indent=1)
    print(text)
    return 0 if all(r["status"] == "ok" for r in results.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())

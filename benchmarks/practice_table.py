r"""practice.optimal_linear_for against a multi-start of the library loss; diagnose on trained encoders.

``python -m benchmarks.practice_table [--per-class 50] [--starts 4] [--seeds 5] [--out benchmarks/results]``

Two view constructions of scikit-learn's digits (``tests/lightly_torch.py:digits_views``), :math:`K = 8`:

* **relative** (the toolkit's ``datasets.digits`` views): ``--per-class`` images of each digit, a
  one-pixel shift, then Gaussian noise of 0.1 times *each pixel's* std;
* **absolute**: all 1797 images in [0, 1], a one-pixel shift, then Gaussian noise of std 0.1 on every
  pixel (1.6 on the raw 0..16 scale). The pixel scale itself (0..16, [0, 1], standardised) cannot
  matter: a linear encoder with bias absorbs any invertible affine map of the features.

Tables (``practice_table.md`` and ``.json`` in ``--out``):

1. every method and library, relative views: the library loss of
   :func:`spectral_ssl.practice.optimal_linear_for` against the best of ``--starts`` independent
   runs of scipy's L-BFGS-B over :math:`(W, b)` from random starts (analytic gradient of
   :func:`spectral_ssl.practice.library_loss_and_gradient`; for VICReg also the best of the same
   starts followed through the smoothed-hinge continuation :math:`\delta = 10^{-2}, 10^{-3}, 10^{-4}`, 0);
2. lightly's three losses trained in torch (``tests/lightly_torch.py:train_linear``: float64, full
   batch, Adam then strong-Wolfe L-BFGS), relative views, scored by
   :func:`spectral_ssl.practice.diagnose` with the inputs given; with the final gradient norm;
3. lightly's VICReg, absolute views, :math:`K = 8` and 16, ``--seeds`` seeds: trained rank against
   the ranks of the optimum and of the pooled hinge solver (the graph-form mapping).

Tables 2 and 3 need torch 2.13.0 and lightly 1.6.0 and are skipped, with the reason, otherwise.
Run it with one torch thread (it sets ``torch.set_num_threads(1)``).
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import scipy.linalg
import scipy.optimize

from spectral_ssl import practice

K = 8
#: A direction counts as kept when its std (over both views) exceeds this (the optimum's collapsed
#: ones are below 2e-3, its kept ones above 0.2 in every case measured).
KEPT_STD = 1e-2
CONTINUATION = (1e-2, 1e-3, 1e-4, 0.0)
TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests")


def _helpers():
    if TESTS not in sys.path:
        sys.path.insert(0, TESTS)
    import lightly_torch

    return lightly_torch


def stds(Z):
    """Std of the stacked views along their principal directions (descending)."""
    return np.linalg.svd(Z - Z.mean(0), compute_uv=False) / np.sqrt(Z.shape[0])


def span(Z, r):
    return np.linalg.svd(Z - Z.mean(0), full_matrices=False)[0][:, :r]


def multistart_library_loss(method, library, X_a, X_b, starts, seed=0):
    """Best library loss over ``starts`` L-BFGS-B runs on ``(W, b)`` from random starts.

    Returns ``{"plain": best, "continued": best or None}``; ``continued`` (VICReg) follows every
    start through :data:`CONTINUATION` (hinge smoothing) before the loss itself.
    """
    D = X_a.shape[1]
    rng = np.random.default_rng(seed)

    def objective(flat, smoothing):
        W, b = flat[:D * K].reshape(D, K), flat[D * K:]
        value, dA, dB = practice.library_loss_and_gradient(method, X_a @ W + b, X_b @ W + b, library=library,
                                                           hinge_smoothing=smoothing)
        return value, np.concatenate([(X_a.T @ dA + X_b.T @ dB).ravel(), (dA + dB).sum(0)])

    def run(x, smoothing):
        return scipy.optimize.minimize(objective, x, args=(smoothing,), jac=True, method="L-BFGS-B",
                                       options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-10})

    plain, continued = np.inf, np.inf
    for _ in range(starts):
        x0 = np.concatenate([rng.standard_normal(D * K) / np.sqrt(D), np.zeros(K)])
        plain = min(plain, float(run(x0, 0.0).fun))
        if method == "vicreg":
            x = x0
            for smoothing in CONTINUATION:
                result = run(x, smoothing)
                x = result.x
            continued = min(continued, float(result.fun))
    return {"plain": plain, "continued": continued if method == "vicreg" else None}


def _torch():
    """``(torch, lightly.loss, None)`` or ``(None, None, reason)``."""
    try:
        import torch

        losses = _helpers().import_lightly_loss()
    except Exception as error:  # any missing piece means: skip the trained tables
        return None, None, f"torch/lightly not available ({type(error).__name__}: {error})"
    torch.set_num_threads(1)
    return torch, losses, None


def table_optima(views_of, starts_of, methods, rows=(), on_row=lambda rows: None):
    """Table 1; ``views_of(method)`` and ``starts_of(method)`` give each method's views and starts.

    Rows already in ``rows`` (from an earlier run) are kept for methods not in ``methods``.
    """
    rows = [r for r in rows if r["method"] not in methods]
    for method in methods:
        X_a, X_b = views_of(method)
        starts = starts_of(method)
        for library in practice.LIBRARIES:
            t = time.time()
            rep = practice.optimal_linear_for(method, X_a, X_b, K, library=library)
            best = multistart_library_loss(method, library, X_a, X_b, starts)
            own = best["continued"] if best["continued"] is not None else best["plain"]
            rows.append({"method": method, "library": library, "optimal_linear_for": rep.library_loss,
                         "multistart_plain": best["plain"], "multistart_continued": best["continued"],
                         "relative_difference": (rep.library_loss - own) / abs(own), "seconds": time.time() - t,
                         "images": X_a.shape[0], "starts": starts})
            print(rows[-1], flush=True)
            on_row(list(rows))
    order = {m: i for i, m in enumerate(practice.METHODS)}
    return sorted(rows, key=lambda r: (order[r["method"]], practice.LIBRARIES.index(r["library"])))


def table_trained(torch, losses, views, steps):
    X_a, X_b = views
    train = _helpers().train_linear
    rows = []
    for method, loss in (("nt_xent", losses.NTXentLoss()), ("barlow_twins", losses.BarlowTwinsLoss()),
                         ("vicreg", losses.VICRegLoss())):
        t = time.time()
        out = train(torch, loss, X_a, X_b, K, adam_steps=steps[0], lbfgs_steps=steps[1])
        d = practice.diagnose(out["Z_a"], out["Z_b"], method=method, X_a=X_a, X_b=X_b)
        row = {"method": method, "gradient_norm": out["gradient_norm"], "torch_loss": out["loss"],
               "seconds": time.time() - t, **d.to_dict()}
        if method == "vicreg":  # the stall at the kink: continue from the trained W with the smoothed hinge
            row["continued_loss"] = continue_vicreg(X_a, X_b, out["W"], out["b"])
        rows.append(row)
        print(method, out["loss"], d.optimal_loss, out["gradient_norm"], flush=True)
    return rows


def continue_vicreg(X_a, X_b, W, b):
    """lightly's VICReg after the smoothed-hinge continuation from a trained ``(W, b)``."""
    D = X_a.shape[1]
    x = np.concatenate([W.ravel(), b])

    def objective(flat, smoothing):
        W, b = flat[:D * K].reshape(D, K), flat[D * K:]
        value, dA, dB = practice.library_loss_and_gradient("vicreg", X_a @ W + b, X_b @ W + b,
                                                           hinge_smoothing=smoothing)
        return value, np.concatenate([(X_a.T @ dA + X_b.T @ dB).ravel(), (dA + dB).sum(0)])

    for smoothing in CONTINUATION:
        result = scipy.optimize.minimize(objective, x, args=(smoothing,), jac=True, method="L-BFGS-B",
                                         options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-10})
        x = result.x
    return float(result.fun)


def table_collapse(torch, losses, views, seeds, components=(8, 16)):
    X_a, X_b = views
    train = _helpers().train_linear
    rows = []
    for n_components in components:
        rep = practice.optimal_linear_for("vicreg", X_a, X_b, n_components)
        W0, b0 = rep.details["start_W"], rep.details["start_bias"]
        pooled = stds(np.vstack([X_a @ W0 + b0, X_b @ W0 + b0]))
        optimum = stds(rep.Z)
        kept = int(np.sum(optimum > KEPT_STD))
        for seed in range(seeds):
            out = train(torch, losses.VICRegLoss(), X_a, X_b, n_components, seed=seed, adam_steps=1500,
                        lbfgs_steps=1500)
            Z = np.vstack([out["Z_a"], out["Z_b"]])
            trained = stds(Z)
            angle = np.degrees(np.max(scipy.linalg.subspace_angles(span(Z, kept), span(rep.Z, kept))))
            rows.append({"n_components": n_components, "seed": seed, "trained_loss": out["loss"],
                         "optimal_loss": rep.library_loss, "pooled_loss": rep.details["pooled_library_loss"],
                         "gradient_norm": out["gradient_norm"], "trained_kept": int(np.sum(trained > KEPT_STD)),
                         "optimum_kept": kept, "pooled_kept": int(np.sum(pooled > KEPT_STD)),
                         "angle_degrees": float(angle), "trained_std": trained.tolist(),
                         "optimum_std": optimum.tolist()})
            print({k: v for k, v in rows[-1].items() if not k.endswith("_std")}, flush=True)
        if n_components == K:
            d = practice.diagnose(out["Z_a"], out["Z_b"], method="vicreg", X_a=X_a, X_b=X_b)
            rows[-1]["diagnose"] = d.to_dict()
    return rows


def _markdown(args, optima, trained, collapse, skipped, n_relative):
    lines = [f"# practice_table: digits, K = {K}", "",
             f"Relative views: {n_relative} images, one-pixel shift + noise 0.1 x each pixel's std "
             "(`datasets.digits` view options). Absolute views: all 1797 images in [0, 1], one-pixel shift + "
             "noise of std 0.1 on every pixel (1.6 on the raw 0..16 scale).", "",
             "## 1. optimal_linear_for against the best of random-start L-BFGS-B runs (relative views)",
             "", "Own multi-start: plain L-BFGS-B on the library loss over (W, b); for VICReg also the same starts "
             "through the smoothed-hinge continuation (delta = 1e-2, 1e-3, 1e-4, then the hinge). Relative "
             "difference: (optimal_linear_for - best own) / |best own| (continued for VICReg).", "",
             "| method | library | images | starts | optimal_linear_for | own multi-start, plain | own, continued "
             "| relative difference |", "|---|---|---|---|---|---|---|---|"]
    for r in optima:
        cont = "" if r["multistart_continued"] is None else f"{r['multistart_continued']:.8g}"
        lines.append(f"| {r['method']} | {r['library']} | {r.get('images', '')} | {r.get('starts', '')} | "
                     f"{r['optimal_linear_for']:.8g} | {r['multistart_plain']:.8g} | {cont} | "
                     f"{r['relative_difference']:.3g} |")
    lines += ["", f"## 2. diagnose on torch-trained encoders (lightly defaults, relative views, {n_relative} images)", ""]
    if skipped:
        lines.append(f"skipped: {skipped}")
    else:
        lines += [f"Adam {args.adam_steps} steps (lr 1e-2) then strong-Wolfe L-BFGS (at most {args.lbfgs_steps} "
                  "iterations), float64, full batch, seed 0. Angle: largest principal angle between the leading "
                  "min(rank, predicted rank) directions.", "",
                  "| method | trained | optimum | gap (relative) | angle (deg) | rank / predicted | "
                  "RankMe garrido / stable_pretraining / reptrix (trained) | (optimum) | final gradient norm |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for t in trained:
            r, p = t["rankme"], t["predicted_rankme"]
            lines.append(f"| {t['method']} | {t['library_loss']:.8g} | {t['optimal_loss']:.8g} | "
                         f"{t['gap']:.3g} ({t['relative_gap']:.3%}) | {t['largest_angle_degrees']:.3g} | "
                         f"{t['rank']} / {t['predicted_rank']} | {r['garrido2023']:.4g} / "
                         f"{r['stable_pretraining']:.4g} / {r['reptrix']:.4g} | {p['garrido2023']:.4g} / "
                         f"{p['stable_pretraining']:.4g} / {p['reptrix']:.4g} | {t['gradient_norm']:.3g} |")
        for t in trained:
            if "continued_loss" in t:
                lines += ["", f"VICReg: the trained encoder stops at {t['library_loss']:.8g} (gradient norm "
                          f"{t['gradient_norm']:.3g}: a stall at the hinge's kink, not a stationary point); "
                          f"L-BFGS on the smoothed hinge from that W reaches {t['continued_loss']:.8g} "
                          f"(optimum {t['optimal_loss']:.8g})."]
    lines += ["", "## 3. lightly's VICReg collapses where the views say so (absolute views, 1797 images)", ""]
    if skipped:
        lines.append(f"skipped: {skipped}")
    else:
        lines += [f"Kept: directions with std > {KEPT_STD} over both views. Pooled: the hinge solver on the "
                  "graph-form mapping (variance mu, covariance 2 nu, invariance lambda/s^2, then W/s). "
                  "Angle: largest principal angle between the kept spans of trained and optimum.", "",
                  "| K | seed | trained loss | optimum | pooled | gradient norm | kept: trained / optimum / pooled "
                  "| angle (deg) | trained std (leading) |", "|---|---|---|---|---|---|---|---|---|"]
        for r in collapse:
            lead = ", ".join(f"{v:.4f}" for v in r["trained_std"][:r["optimum_kept"] + 1])
            lines.append(f"| {r['n_components']} | {r['seed']} | {r['trained_loss']:.8g} | {r['optimal_loss']:.8g} | "
                         f"{r['pooled_loss']:.8g} | {r['gradient_norm']:.2g} | {r['trained_kept']} / "
                         f"{r['optimum_kept']} / {r['pooled_kept']} | {r['angle_degrees']:.3g} | {lead} |")
        d = next((r["diagnose"] for r in collapse if "diagnose" in r), None)
        if d is not None:
            lines += ["", f"diagnose (K = {K}, last seed): gap {d['gap']:.3g} ({d['relative_gap']:.2e} relative), "
                      f"angle {d['largest_angle_degrees']:.3g} deg, rank {d['rank']} / predicted "
                      f"{d['predicted_rank']}, RankMe garrido {d['rankme']['garrido2023']:.4g} / stable_pretraining "
                      f"{d['rankme']['stable_pretraining']:.4g} / reptrix {d['rankme']['reptrix']:.4g}."]
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=50)
    parser.add_argument("--starts", type=int, default=4)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--adam-steps", type=int, default=2000)
    parser.add_argument("--lbfgs-steps", type=int, default=5000)
    parser.add_argument("--tables", default="1,2,3")
    parser.add_argument("--methods", default=",".join(practice.METHODS), help="methods of table 1")
    parser.add_argument("--nt-xent-per-class", type=int, default=50,
                        help="images per digit of NT-Xent's rows in table 1 (its loss costs O(N^2) per evaluation)")
    parser.add_argument("--nt-xent-starts", type=int, default=None)
    parser.add_argument("--keep", action="store_true",
                        help="keep the tables and table-1 rows not rerun from the JSON already in --out")
    parser.add_argument("--out", default=os.path.join("benchmarks", "results"))
    args = parser.parse_args(argv)
    if args.nt_xent_starts is None:
        args.nt_xent_starts = args.starts
    tables = set(args.tables.split(","))
    helpers = _helpers()
    relative = helpers.digits_views("relative", args.per_class)
    torch, losses, skipped = _torch()
    previous = {}
    if args.keep:  # tables not rerun are kept from the earlier run's JSON (its settings recorded too)
        with open(os.path.join(args.out, "practice_table.json")) as f:
            previous = json.load(f)
    results = {"settings": vars(args), "previous_settings": previous.get("settings"),
               "optimal_vs_multistart": [], "trained": previous.get("trained", []) if "2" not in tables else [],
               "collapse": previous.get("collapse", []) if "3" not in tables else [], "skipped": skipped}

    def write():  # after every table: a long run interrupted keeps what it measured
        lines = _markdown(args, results["optimal_vs_multistart"], results["trained"], results["collapse"], skipped,
                          relative[0].shape[0])
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "practice_table.md"), "w") as f:
            f.write("\n".join(lines) + "\n")
        with open(os.path.join(args.out, "practice_table.json"), "w") as f:
            json.dump(results, f, indent=1)

    if torch is not None and "3" in tables:
        results["collapse"] = table_collapse(torch, losses, helpers.digits_views("absolute"), args.seeds)
        write()
    if torch is not None and "2" in tables:
        results["trained"] = table_trained(torch, losses, relative, (args.adam_steps, args.lbfgs_steps))
        write()
    if "1" in tables:
        small = helpers.digits_views("relative", args.nt_xent_per_class)

        def views_of(method):
            return small if method == "nt_xent" else relative

        def starts_of(method):
            return args.nt_xent_starts if method == "nt_xent" else args.starts

        def on_row(rows):
            results["optimal_vs_multistart"] = rows
            write()

        results["optimal_vs_multistart"] = table_optima(
            views_of, starts_of, args.methods.split(","), rows=previous.get("optimal_vs_multistart", []), on_row=on_row)
    write()


if __name__ == "__main__":
    main()

r"""practice.optimal_linear_for against a multi-start of the library loss; diagnose on trained encoders.

``python -m benchmarks.practice_table [--per-class 6] [--starts 4] [--out benchmarks/results]``

Digits views (one-pixel shift, pixel noise; ``graphs.make_views``), :math:`K = 8`.

* Table 1, every method and library: the library loss of
  :func:`spectral_ssl.practice.optimal_linear_for` against the best of ``--starts`` plain L-BFGS
  runs (scipy, analytic gradient of :func:`spectral_ssl.practice.library_loss_and_gradient`)
  over :math:`(W, b)` from random starts, no informed start, no continuation.
* Table 2, lightly's three losses (only when torch 2.13.0 and lightly 1.6.0 import; skipped with a
  note otherwise): a ``torch.nn.Linear`` encoder trained in float64, full batch (Adam then
  strong-Wolfe L-BFGS), scored by :func:`spectral_ssl.practice.diagnose` with the inputs given.

Writes ``practice_table.md`` and ``practice_table.json`` to ``--out``.
"""

import argparse
import json
import os
import sys

import numpy as np
import scipy.optimize

from spectral_ssl import graphs, practice
from spectral_ssl.experiments import datasets

K = 8


def _views(per_class):
    data = datasets.digits(per_class, random_state=0)
    views, _ = graphs.make_views(data.X, random_state=0, **data.view_options)
    n = data.X.shape[0]
    return views[:n], views[n:]


def multistart_library_loss(method, library, X_a, X_b, starts, seed=0):
    """Best library loss over ``starts`` plain L-BFGS runs on ``(W, b)`` from random starts."""
    D = X_a.shape[1]
    rng = np.random.default_rng(seed)

    def objective(flat):
        W, b = flat[:D * K].reshape(D, K), flat[D * K:]
        value, dA, dB = practice.library_loss_and_gradient(method, X_a @ W + b, X_b @ W + b, library=library)
        return value, np.concatenate([(X_a.T @ dA + X_b.T @ dB).ravel(), (dA + dB).sum(0)])

    best = np.inf
    for _ in range(starts):
        x0 = np.concatenate([rng.standard_normal(D * K) / np.sqrt(D), np.zeros(K)])
        result = scipy.optimize.minimize(objective, x0, jac=True, method="L-BFGS-B", options={"maxiter": 1000})
        best = min(best, float(result.fun))
    return best


def _torch_losses():
    """lightly's loss module with the tests' torchvision stand-in, or None (with the reason)."""
    try:
        sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
        import test_crosscheck as tc
        import torch
        finder = tc._TorchvisionStandIn()
        sys.meta_path.insert(0, finder)
        try:
            import lightly.loss as losses
        finally:
            sys.meta_path.remove(finder)
        return torch, losses, None
    except Exception as error:  # any missing piece means: skip the trained table
        return None, None, f"torch/lightly not available ({type(error).__name__}: {error})"


def train(torch, loss, X_a, X_b, seed=0, adam_steps=1000, lbfgs_steps=1000):
    torch.manual_seed(seed)
    encoder = torch.nn.Linear(X_a.shape[1], K).double()
    A, B = torch.from_numpy(X_a), torch.from_numpy(X_b)
    adam = torch.optim.Adam(encoder.parameters(), lr=1e-2)
    for _ in range(adam_steps):
        adam.zero_grad()
        loss(encoder(A), encoder(B)).backward()
        adam.step()
    lbfgs = torch.optim.LBFGS(encoder.parameters(), lr=1, max_iter=lbfgs_steps, history_size=50,
                              tolerance_grad=1e-12, tolerance_change=1e-15, line_search_fn="strong_wolfe")

    def closure():
        lbfgs.zero_grad()
        value = loss(encoder(A), encoder(B))
        value.backward()
        return value

    lbfgs.step(closure)
    closure()
    grad_norm = float(torch.sqrt(sum((p.grad**2).sum() for p in encoder.parameters())))
    with torch.no_grad():
        return encoder(A).numpy(), encoder(B).numpy(), grad_norm


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=6)
    parser.add_argument("--trained-per-class", type=int, default=10)
    parser.add_argument("--starts", type=int, default=4)
    parser.add_argument("--out", default=os.path.join("benchmarks", "results"))
    args = parser.parse_args(argv)
    X_a, X_b = _views(args.per_class)
    rows = []
    for method in practice.METHODS:
        for library in practice.LIBRARIES:
            rep = practice.optimal_linear_for(method, X_a, X_b, K, library=library)
            best = multistart_library_loss(method, library, X_a, X_b, args.starts)
            rows.append({"method": method, "library": library, "optimal_linear_for": rep.library_loss,
                         "multistart_best": best, "relative_difference": (rep.library_loss - best) / abs(best)})
            print(rows[-1], flush=True)
    torch, losses, skipped = _torch_losses()
    trained = []
    if torch is not None:
        torch.set_num_threads(1)
        T_a, T_b = _views(args.trained_per_class)
        for method, loss in (("nt_xent", losses.NTXentLoss()), ("barlow_twins", losses.BarlowTwinsLoss()),
                             ("vicreg", losses.VICRegLoss())):
            Z_a, Z_b, grad_norm = train(torch, loss, T_a, T_b)
            d = practice.diagnose(Z_a, Z_b, method=method, X_a=T_a, X_b=T_b)
            trained.append({"method": method, "gradient_norm": grad_norm, **d.to_dict()})
            print(method, d.library_loss, d.optimal_loss, flush=True)
    lines = [f"# practice_table: digits, K = {K}", "",
             f"## optimal_linear_for against the best of {args.starts} plain L-BFGS runs "
             f"({2 * args.per_class * 10 // 2} images)", "",
             "| method | library | optimal_linear_for | multi-start best | relative difference |", "|---|---|---|---|---|"]
    lines += [f"| {r['method']} | {r['library']} | {r['optimal_linear_for']:.8g} | {r['multistart_best']:.8g} | "
              f"{r['relative_difference']:.3g} |" for r in rows]
    lines += ["", f"## diagnose on torch-trained encoders (lightly, {args.trained_per_class * 10} images)", ""]
    if skipped:
        lines.append(f"skipped: {skipped}")
    else:
        lines += ["| method | trained | optimum | gap (relative) | angle (deg) | rank / predicted | "
                  "RankMe garrido / stable_pretraining / reptrix | gradient norm |", "|---|---|---|---|---|---|---|---|"]
        for t in trained:
            r = t["rankme"]
            lines.append(f"| {t['method']} | {t['library_loss']:.8g} | {t['optimal_loss']:.8g} | "
                         f"{t['gap']:.3g} ({t['relative_gap']:.2%}) | {t['largest_angle_degrees']:.3g} | "
                         f"{t['rank']} / {t['predicted_rank']} | {r['garrido2023']:.4g} / "
                         f"{r['stable_pretraining']:.4g} / {r['reptrix']:.4g} | {t['gradient_norm']:.3g} |")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "practice_table.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(args.out, "practice_table.json"), "w") as f:
        json.dump({"optimal_vs_multistart": rows, "trained": trained, "skipped": skipped}, f, indent=1)


if __name__ == "__main__":
    main()

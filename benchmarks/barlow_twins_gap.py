r"""Barlow Twins: the loss as written against the whitened (CCA) solution on digit pairs.

``python -m benchmarks.barlow_twins_gap [--seeds 3] [--restarts 8] [--out benchmarks/results]``

For :math:`N \in \{250, 500, 1000, 1500\}` pairs of views of scikit-learn digits (the
views of :func:`spectral_ssl.experiments.datasets.digits`: a one-pixel shift, then pixel
noise, through :func:`spectral_ssl.graphs.make_views`; the pairing graph
``graphs.from_groups``) and :math:`K = 8`, with the default loss (centred, off-diagonal
weight :math:`\lambda = 5\cdot10^{-3}`):

* the loss as written at the whitened optimum (``constraint="whitened"``: CCA) and at the
  numerical optimum of the loss as written (the default, multi-start L-BFGS), both
  recomputed by :func:`spectral_ssl.losses.barlow_twins`;
* the relative gap :math:`(\mathcal L_{CCA} - \mathcal L_{opt}) / \mathcal L_{CCA}`;
* the rank of both (:func:`spectral_ssl.linalg.representation_rank`);
* the held-out accuracy of a linear probe (:func:`spectral_ssl.experiments.probe.probe_out_of_sample`:
  logistic regression on the whitened span of the clean training images, tested on 20
  held-out images of each digit).

Writes ``barlow_twins_gap.md`` and ``barlow_twins_gap.json`` to ``--out``.
"""

import argparse
import json
import os
import platform
import time
import warnings

import numpy as np

from spectral_ssl import graphs, losses
from spectral_ssl.exceptions import CollapseWarning
from spectral_ssl.experiments import datasets
from spectral_ssl.experiments.probe import probe_out_of_sample
from spectral_ssl.methods import barlow_twins

PAIRS = (250, 500, 1000, 1500)
K = 8
N_TEST_PER_CLASS = 20


def one_case(n_pairs, seed, restarts):
    """Every number of one (N, seed) case."""
    per_class = n_pairs // 10
    data = datasets.digits(per_class + N_TEST_PER_CLASS, random_state=seed)
    train, test = datasets.balanced_split(data.y, per_class, N_TEST_PER_CLASS, random_state=seed)
    X, y = data.X[train], data.y[train]
    views, groups = graphs.make_views(X, 2, random_state=seed + 1000, **data.view_options)
    G = graphs.from_groups(groups)
    started = time.perf_counter()
    cca = barlow_twins.optimal_linear(views, G, K, constraint="whitened")
    cca_seconds = time.perf_counter() - started
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CollapseWarning)  # the rank is reported
        opt = barlow_twins.optimal_linear(views, G, K, restarts=restarts, random_state=seed)
    opt_seconds = time.perf_counter() - started
    at_cca = losses.barlow_twins(cca.Z, G, centered=True)
    at_opt = losses.barlow_twins(opt.Z, G, centered=True)
    probe = {name: probe_out_of_sample(rep, X, y, data.X[test], data.y[test])
             for name, rep in (("cca", cca), ("opt", opt))}
    return {"pairs": n_pairs, "seed": seed, "loss_cca": at_cca, "loss_opt": at_opt,
            "relative_gap": (at_cca - at_opt) / at_cca, "rank_cca": cca.rank, "rank_opt": opt.rank,
            "probe_cca": probe["cca"], "probe_opt": probe["opt"], "converged": opt.details["converged"],
            "restart_losses": opt.details["restart_losses"], "seconds_cca": cca_seconds,
            "seconds_opt": opt_seconds}


def _summary(rows, key, fmt):
    values = np.array([row[key] for row in rows], dtype=float)
    if values.size == 1:
        return fmt.format(values[0])
    return f"{fmt.format(values.mean())} ({fmt.format(values.min())}-{fmt.format(values.max())})"


def markdown(rows, seeds, restarts):
    lines = [
        "# Barlow Twins: loss as written vs the whitened (CCA) solution",
        "",
        f"scikit-learn digits, two views per image (one-pixel shift + pixel noise), pairing graph; "
        f"K = {K}, centred loss, off_diagonal = 5e-3; {seeds} seed(s) per size (mean, with min-max "
        f"in brackets); the loss as written solved by multi-start L-BFGS from the CCA solution and "
        f"{restarts} random starts. Probe: logistic regression on the whitened span of the clean "
        f"training images, accuracy on {N_TEST_PER_CLASS} held-out images per digit. "
        f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M:%S')}.",
        "",
        "| pairs | loss at CCA | loss at optimum | relative gap | rank CCA | rank optimum "
        "| probe CCA | probe optimum | all converged | time optimum (s) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n_pairs in sorted({row["pairs"] for row in rows}):
        group = [row for row in rows if row["pairs"] == n_pairs]
        lines.append(
            f"| {n_pairs} | {_summary(group, 'loss_cca', '{:.4f}')} | {_summary(group, 'loss_opt', '{:.4f}')} "
            f"| {_summary(group, 'relative_gap', '{:.1%}')} | {_summary(group, 'rank_cca', '{:.1f}')} "
            f"| {_summary(group, 'rank_opt', '{:.1f}')} | {_summary(group, 'probe_cca', '{:.3f}')} "
            f"| {_summary(group, 'probe_opt', '{:.3f}')} | {all(row['converged'] for row in group)} "
            f"| {_summary(group, 'seconds_opt', '{:.2f}')} |")
    lines.append("")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.barlow_twins_gap", description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--restarts", type=int, default=8)
    parser.add_argument("--pairs", type=int, nargs="+", default=list(PAIRS))
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results"))
    args = parser.parse_args(argv)
    rows = []
    for n_pairs in args.pairs:
        for seed in range(args.seeds):
            rows.append(one_case(n_pairs, seed, args.restarts))
            row = rows[-1]
            print(f"pairs {n_pairs} seed {seed}: loss CCA {row['loss_cca']:.4f}, optimum {row['loss_opt']:.4f} "
                  f"(gap {row['relative_gap']:.1%}), rank {row['rank_cca']} vs {row['rank_opt']}, probe "
                  f"{row['probe_cca']:.3f} vs {row['probe_opt']:.3f}", flush=True)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "barlow_twins_gap.md"), "w", encoding="utf-8") as handle:
        handle.write(markdown(rows, args.seeds, args.restarts))
    with open(os.path.join(args.out, "barlow_twins_gap.json"), "w", encoding="utf-8") as handle:
        json.dump({"K": K, "off_diagonal": 5e-3, "centered": True, "restarts": args.restarts,
                   "rows": rows}, handle, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

r"""Claim: the rank of each optimum is set by the relation's spectrum and the hyper-parameters.

Exact statements, each checked on the **numerical minimum of the exact loss**
(L-BFGS from a random start, polished; no closed form involved) on every seed:

* **VICReg** on the kNN graph of ``n_samples`` rows (a new subsample each seed),
  Laplacian eigenvalues :math:`\lambda_1 \le \dots \le \lambda_K`: the invariance
  ratio (variance = covariance = 1) is placed half-way between consecutive
  eigenvalues so that the predicted rank :math:`\#\{k: \lambda_k < \alpha/\gamma\}`
  takes each value of ``target_ranks``; the singular values of the centred
  minimum must equal :math:`\sqrt{N t_k}`, :math:`t_k = \max(0, 1 -
  (\gamma/\alpha)\lambda_k)`, and no minimum may lie below the closed form's loss.
  One more setting has variance > covariance (the water-filling case).
* **SimCLR** on :math:`C` equal cliques: rank :math:`C - 1` (the simplex), at each temperature.
* **spectral contrastive** on the same cliques: rank :math:`C` (the positive
  eigenvalues of :math:`D^{-1/2}GD^{-1/2}`).
* **Barlow Twins** (the loss as written, centred columns, off-diagonal weight 1):
  on the cliques, the minimum is :math:`K - (C - 1)` with rank :math:`C - 1` (the
  invariant directions, one per component but the constant), a measured statement
  about an optimum with no closed form. On a kNN graph (connected: no invariant
  direction but the constant) the rank of the minimum is reported, not judged: it
  is far above the components (most of :math:`K` at off-diagonal weight 1, a few
  directions at the usual 5e-3), and no formula predicts it.

**Rule.** An exact statement holds on a seed or not: each comparison is the worst
seed's margin (0.5 minus the rank error; the tolerance minus the singular-value
error or the loss gap), supported when positive on every seed, not supported
when some seed fails.
"""

import math
import time
import warnings

import numpy as np

from ... import graphs, linalg
from ..._threads import single_threaded_blas
from ..._validation import check_features, check_scalar
from ...exceptions import CollapseWarning
from ...methods import DISPLAY_NAMES, vicreg
from . import design, solvers, statements
from ._rank_statements import clique_statements, knn_barlow_twins, minimum
from .result import ClaimResult, Comparison, Reading, Table
from .sampling import check_count, check_labelled, check_values
from .stats import seed_generators, worst_case

STATEMENT = ("The rank of each optimum follows the relation's spectrum and the hyper-parameters: VICReg "
             "keeps the directions with lambda_k < alpha/gamma with singular values sqrt(N t_k); SimCLR "
             "collapses C equal cliques to rank C - 1, spectral contrastive keeps rank C; Barlow Twins is "
             "invariant on the components only (cliques: loss K - (C - 1), rank C - 1).")


def theorem_scales(eigenvalues, variance, covariance, invariance):
    r"""VICReg's predicted per-direction variances :math:`t_k` (the paper's theorem).

    :math:`\beta \ge \alpha`: :math:`t_k = \max(0, 1 - \tfrac{\gamma}{\alpha}\lambda_k)`;
    :math:`\beta < \alpha`: water-filling. Both are
    :func:`spectral_ssl.methods.vicreg.optimal_scales`, called with these arguments.
    """
    return vicreg.optimal_scales(eigenvalues, variance=variance, covariance=covariance, invariance=invariance)


def _singular(Z):
    return np.linalg.svd(Z - Z.mean(axis=0), compute_uv=False)


def _vicreg_settings(lam, K, target_ranks, covariance_below):
    settings = []
    for r in target_ranks:
        try:
            ratio = solvers.ratio_for_rank(lam, r) if r < K else 0.5 / lam[K - 1]
        except ValueError:
            continue  # degenerate pair (or a zero eigenvalue): no ratio gives exactly r
        settings.append(({"variance": 1.0, "covariance": 1.0, "invariance": ratio}, f"rank {r} target"))
    middle = solvers.ratio_for_rank(lam, K // 2) if K >= 2 else 1.0
    settings.append(({"variance": covariance_below, "covariance": 1.0, "invariance": covariance_below * middle},
                     f"var = {covariance_below:g} > cov = 1"))
    return settings


def rank_collapse(X, y=None, *, n_samples=256, n_neighbors=10, n_components=32, target_ranks=None,
                  covariance_below=25.0, temperatures=(0.2, 1.0), clique_samples_per_class=8, bt_samples=96,
                  predict_scales=None, rank_rtol=1e-3, scale_atol=1e-4, max_iter=20000, n_seeds=5,
                  random_state=0, quick=False):
    r"""Claim 5: rank and singular values of numerical minima against the predictions.

    Parameters
    ----------
    X : array_like, shape (N, D)
    y : array_like, shape (N,), optional
        Labels for the clique statements (SimCLR, spectral contrastive, Barlow
        Twins; skipped without them). At least two classes (the statements are
        about :math:`C \ge 2` cliques).
    n_samples : int
        Rows subsampled per seed for VICReg's kNN graph (all rows if fewer).
    n_neighbors : int
    n_components : int
        :math:`K` (capped at :math:`N - 1`).
    target_ranks : sequence of int, optional
        Default :math:`K, 3K/4, K/2, K/4, 1, 0`.
    covariance_below : float > 1
        Variance weight of the water-filling setting.
    temperatures : sequence of float > 0
    clique_samples_per_class : int >= 2
    bt_samples : int
        Rows of the kNN graph of the Barlow Twins statement (its numerical solve is the slow part).
    predict_scales : callable, optional
        ``predict_scales(eigenvalues, variance, covariance, invariance) -> t``;
        replace it to test another prediction (a wrong one must fail).
    rank_rtol, scale_atol : float
        Measured rank: singular values above ``rank_rtol`` times :math:`\sqrt N`
        (VICReg, spectral contrastive, Barlow Twins) or times the largest (SimCLR's
        unit rows); singular values must be within ``scale_atol`` :math:`\sqrt N`.
        Default 1e-4, measured: the minimiser reaches at most 1.5e-5 (the water-filling
        setting on the Gaussian mixture, N = 256, K = 32; 1e-6 elsewhere, on digits too),
        while a prediction of :math:`t_k` wrong by 0.1 % is off by 3.5e-4 to 5e-4 (with
        the former 1e-3 one wrong by 0.08 % was "supported").
    max_iter : int
    n_seeds : int >= 1
    random_state : None, int or numpy Generator
    quick : bool

    Returns
    -------
    ClaimResult
        ``tables["ranks"]``: one row per statement and setting, predicted and
        measured ranks over the seeds, the largest singular-value error and loss gap.
    """
    started = time.perf_counter()
    # with labels, the same input check as every claim (two classes at least: the clique statements
    # predict ranks C - 1 and C, whose premise is C >= 2 cliques)
    X = check_features(X, name="X") if y is None else check_labelled(X, y)[0]
    predict = theorem_scales if predict_scales is None else predict_scales
    if not callable(predict):
        raise TypeError(f"predict_scales must be callable (eigenvalues, variance, covariance, invariance) -> t, "
                        f"got {predict_scales!r}.")
    n_seeds = check_count(n_seeds, "n_seeds", 1)
    n_neighbors = check_count(n_neighbors, "n_neighbors", 1)
    covariance_below = check_scalar(covariance_below, name="covariance_below", low=1.0, low_inclusive=False)
    temperatures = check_values(temperatures, "temperatures", low=1e-12)
    rank_rtol = check_scalar(rank_rtol, name="rank_rtol", low=0.0, low_inclusive=False)
    scale_atol = check_scalar(scale_atol, name="scale_atol", low=0.0, low_inclusive=False)
    max_iter = check_count(max_iter, "max_iter", 1)
    n_rows = min(check_count(n_samples, "n_samples", 3), X.shape[0])
    K = min(check_count(n_components, "n_components", 1), n_rows - 1)
    if target_ranks is None:
        target_ranks = sorted({K, (3 * K) // 4, K // 2, K // 4, 1, 0}, reverse=True)
    target_ranks = sorted(check_values(target_ranks, "target_ranks", low=0, high=K, integer=True), reverse=True)
    codes = None
    if y is not None:
        codes = check_labelled(X, y)[1]
        m = check_count(clique_samples_per_class, "clique_samples_per_class", 2)

    rows = {}  # (statement, setting) -> list of per-seed dicts
    series, refused = [], []
    with single_threaded_blas(), warnings.catch_warnings():
        warnings.simplefilter("ignore", CollapseWarning)
        for seed, g in enumerate(seed_generators(random_state, n_seeds)):
            sub = np.sort(g.choice(X.shape[0], size=n_rows, replace=False))
            G = graphs.knn(X[sub], n_neighbors)
            lam = np.maximum(linalg.laplacian_eigenpairs(G, K)[0], 0.0)
            for hyper, label in _vicreg_settings(lam, K, target_ranks, covariance_below):
                t = np.clip(np.asarray(predict(lam, hyper["variance"], hyper["covariance"],
                                               hyper["invariance"]), dtype=np.float64), 0.0, None)
                predicted = np.sort(np.sqrt(n_rows * t))[::-1]
                closed = vicreg.optimal_representation(G, K, **hyper)
                Z, value, conv = minimum(vicreg, G, K, dict(hyper, variance_kind="square", eps=1e-4), g,
                                          max_iter)
                s = _singular(Z)
                rows.setdefault((DISPLAY_NAMES["vicreg"], label), []).append({
                    "predicted": int(np.sum(t > 0)), "measured": int(np.sum(s > rank_rtol * math.sqrt(n_rows))),
                    "scale_error": float(np.max(np.abs(s - predicted)) / math.sqrt(n_rows)),
                    "loss_gap": float(closed.loss - value), "loss_scale": max(1.0, abs(value)),
                    "converged": conv, "ratio": hyper["invariance"] / hyper["variance"]})
                if seed == 0:
                    series.append({"label": label, "measured": s.tolist(), "predicted": predicted.tolist(),
                                   "ratio": hyper["invariance"] / hyper["variance"],
                                   "equal_weights": hyper["variance"] == hyper["covariance"]})
            if seed == 0:
                lam_first = lam.tolist()
            if codes is not None:
                refused += clique_statements(rows, codes, m, K, temperatures, rank_rtol, max_iter, g)
                knn_barlow_twins(rows, X, min(bt_samples, X.shape[0]), n_neighbors, K, rank_rtol, max_iter, g)

    comparisons, table_rows = _judge(rows, scale_atol)
    readings = [Reading(name=statements.THEOREMS,
                        wording=statements.wording("rank_collapse", statements.THEOREMS),
                        tests="every predicted rank, singular value and loss bound holds on every seed",
                        comparisons=comparisons)]
    table = Table(columns=[("method", "method"), ("setting", "setting"),
                           ("predicted", "predicted rank (per seed)"),
                           ("measured", f"measured rank ({n_seeds} seeds)"),
                           ("scale_error", "largest singular-value error (units of sqrt(N))"),
                           ("loss", "loss of the minimum (mean)"),
                           ("loss_gap", "closed form - minimum (largest)"),
                           ("converged", "seeds converged")],
                  rows=table_rows, caption="Numerical minima of the exact losses against the predicted ranks")
    failing = [c for c in comparisons if c.verdict != "supported"]
    summary = (f"{len(comparisons) - len(failing)} of {len(comparisons)} exact statements hold on all "
               f"{n_seeds} seeds"
               + (": " + "; ".join(f"{c.regime}: {c.label}" for c in failing) if failing else "")
               + f". VICReg: N = {n_rows} kNN rows, K = {K}.")
    rule = (f"each statement on every seed: measured rank (singular values > {rank_rtol:g} sqrt(N), or > "
            f"{rank_rtol:g} x the largest for SimCLR's unit rows) equals the prediction; VICReg singular "
            f"values within {scale_atol:g} sqrt(N) of sqrt(N t_k); no VICReg minimum below the closed form "
            f"by more than 1e-8 max(1, |loss|); Barlow Twins on cliques: minimum within 1e-6 of K - (C - 1); "
            f"the worst seed decides")
    return ClaimResult(name="rank_collapse", statement=STATEMENT, rule=rule, readings=readings,
                       design=[design.merge_seeds(refused)] if refused else [],
                       tables={"ranks": table}, summary=summary,
                       data={"series": series, "eigenvalues": lam_first, "n_samples": n_rows, "K": K},
                       settings={"n_seeds": n_seeds, "n_samples": n_rows, "n_components": K,
                                 "n_neighbors": n_neighbors, "temperatures": temperatures},
                       quick=bool(quick), elapsed=time.perf_counter() - started)


def _span_text(values):
    return f"{min(values)}-{max(values)}" if min(values) != max(values) else str(values[0])


def _judge(rows, scale_atol):
    comparisons, table_rows = [], []
    for (method, setting), seeds in rows.items():
        measured = [r["measured"] for r in seeds]
        predicted = seeds[0]["predicted"]
        row = {"method": method, "setting": setting,
               "predicted": "-" if predicted is None else _span_text([r["predicted"] for r in seeds]),
               "measured": _span_text(measured),
               "converged": f"{sum(r['converged'] for r in seeds)}/{len(seeds)}"}
        if predicted is not None:
            comparisons.append(Comparison(label="0.5 - |measured rank - predicted rank|",
                                          regime=f"{method}, {setting}",
                                          estimate=worst_case([0.5 - abs(r["measured"] - r["predicted"])
                                                               for r in seeds]), threshold=0.0))
        if "scale_error" in seeds[0]:
            row["scale_error"] = max(r["scale_error"] for r in seeds)
            row["loss_gap"] = max(r["loss_gap"] for r in seeds)
            comparisons.append(Comparison(label=f"{scale_atol:g} - singular-value error / sqrt(N)",
                                          regime=f"{method}, {setting}", threshold=0.0,
                                          estimate=worst_case([scale_atol - r["scale_error"] for r in seeds])))
            comparisons.append(Comparison(label="1e-8 max(1, |loss|) - (closed form - minimum)",
                                          regime=f"{method}, {setting}", threshold=0.0,
                                          estimate=worst_case([1e-8 * r["loss_scale"] - r["loss_gap"]
                                                               for r in seeds])))
        if "loss" in seeds[0]:
            row["loss"] = float(np.mean([r["loss"] for r in seeds]))
        if "loss_target" in seeds[0]:
            row["loss_gap"] = max(abs(r["loss"] - r["loss_target"]) for r in seeds)
            comparisons.append(Comparison(label="1e-6 - |minimum - (K - (C - 1))|", regime=f"{method}, {setting}",
                                          threshold=0.0, estimate=worst_case(
                                              [1e-6 - abs(r["loss"] - r["loss_target"]) for r in seeds])))
        table_rows.append(row)
    return comparisons, table_rows


__all__ = ["rank_collapse", "theorem_scales", "STATEMENT"]

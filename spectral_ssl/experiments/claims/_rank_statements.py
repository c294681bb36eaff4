"""The minimiser and the clique and kNN statements of
:func:`~spectral_ssl.experiments.claims.rank.rank_collapse` on one seed (rows filled in place)."""

import math

import numpy as np

from ... import graphs, linalg
from ..._optimize import multistart
from ...methods import DISPLAY_NAMES, barlow_twins, simclr, spectral_contrastive
from . import solvers
from .result import DesignCheck
from .sampling import per_class


def minimum(module, G, K, hyper, rng, max_iter):
    """Polished L-BFGS minimum of ``module``'s exact loss over Z (N x K) from a standard normal start."""
    G = graphs.check(G)
    N = G.shape[0]

    def objective(flat):
        value, grad = module.loss_and_gradient(flat.reshape(N, K), G, **hyper)
        return value, np.asarray(grad).ravel()

    result = multistart(objective, [], restarts=1, random_start=lambda r: r.standard_normal((N, K)),
                        rng=rng, max_iter=max_iter)
    return np.asarray(result.x).reshape(N, K), float(result.fun), bool(result.converged)


def clique_statements(rows, codes, m, K, temperatures, rank_rtol, max_iter, g):
    """The clique statements on one seed; returns the failed design check when SimCLR's and Barlow Twins'
    do not apply (K < C - 1: the simplex does not fit, the theorems are silent)."""
    members = per_class(codes, np.arange(codes.size), m, g, name="clique_samples_per_class")
    C = int(np.unique(codes).size)
    Gc = graphs.from_labels(codes[members])
    Nc = Gc.shape[0]
    Kc = min(K, Nc - 1)
    Z, value, conv = minimum(spectral_contrastive, Gc, Kc, {}, g, max_iter)
    rows.setdefault((DISPLAY_NAMES["spectral_contrastive"], f"{C} cliques of {m}"), []).append(
        {"predicted": min(C, Kc), "measured": int(np.sum(np.linalg.svd(Z, compute_uv=False)
                                                         > rank_rtol * math.sqrt(Nc))),
         "loss": value, "converged": conv})
    if Kc < C - 1:
        return [DesignCheck(name="K holds the cliques' simplex", passed=False, value=float(Kc),
                            threshold=float(C - 1), regime=f"{C} cliques of {m}",
                            message=(f"K = {Kc} < C - 1 = {C - 1}: the clique statements of SimCLR (rank C - 1) "
                                     f"and Barlow Twins (loss K - (C - 1)) assume K >= C - 1; not tested"))]
    for tau in temperatures:
        rep = simclr.optimal_representation(Gc, Kc, temperature=tau, solver="numerical", restarts=2,
                                            random_state=g, max_iter=3000)
        s = np.linalg.svd(rep.Z, compute_uv=False)
        rows.setdefault((DISPLAY_NAMES["simclr"], f"{C} cliques of {m}, tau = {tau:g}"), []).append(
            {"predicted": C - 1, "measured": int(np.sum(s > rank_rtol * s.max())), "loss": float(rep.loss),
             "converged": solvers.converged(rep)})
    Kb = min(Kc, 2 * C)
    Z, value, conv = minimum(barlow_twins, Gc, Kb, {"off_diagonal": 1.0, "centered": True}, g, max_iter)
    rows.setdefault((DISPLAY_NAMES["barlow_twins"], f"{C} cliques of {m}, K = {Kb}, off-diagonal 1"), []).append(
        {"predicted": C - 1, "measured": bt_rank(Z, Gc, rank_rtol), "loss": value,
         "loss_target": float(Kb - (C - 1)), "converged": conv})
    return []


def bt_rank(Z, G, rank_rtol):
    """Rank of the D_G-centred, unit-scaled columns: the directions Barlow Twins' loss sees."""
    d = linalg.degrees(G, check_input=False)
    Zc = Z - (d @ Z) / d.sum()
    s = np.linalg.svd(np.sqrt(d)[:, None] * Zc, compute_uv=False)
    return int(np.sum(s > rank_rtol * s.max())) if s.max() > 0 else 0


def knn_barlow_twins(rows, X, n_rows, n_neighbors, K, rank_rtol, max_iter, g):
    sub = np.sort(g.choice(X.shape[0], size=n_rows, replace=False))
    G = graphs.knn(X[sub], min(n_neighbors, n_rows - 1))
    Kb = min(K, 16, n_rows - 2)
    for weight in (1.0, 5e-3):  # no closed form: reported, not judged
        predicted = None
        Z, value, conv = minimum(barlow_twins, G, Kb, {"off_diagonal": weight, "centered": True}, g, max_iter)
        setting = f"{n_rows}-row kNN graph, K = {Kb}, off-diagonal {weight:g}"
        rows.setdefault((DISPLAY_NAMES["barlow_twins"], setting), []).append(
            {"predicted": predicted, "measured": bt_rank(Z, G, rank_rtol), "loss": value, "converged": conv})


__all__ = ["minimum", "clique_statements", "bt_rank", "knn_barlow_twins"]

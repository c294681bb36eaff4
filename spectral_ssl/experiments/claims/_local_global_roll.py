"""One roll of :func:`~spectral_ssl.experiments.claims.local_global.local_vs_global`: the draw that passes the
geodesic check, the embeddings of every method on a relation, and their distance scores."""

import warnings

import numpy as np
from scipy.spatial.distance import pdist
from scipy.stats import spearmanr

from ... import spectral
from ...exceptions import CollapseWarning
from ...methods import barlow_twins, simclr, spectral_contrastive, vicreg
from ..datasets import intrinsic_distances, swiss_roll
from . import design, solvers
from . import relations as rel
from .sampling import check_count


def roll_scores(Z, true_d, far, coords, N):
    """Distance measures of an embedding ``Z`` against the true pairwise distances ``true_d`` (condensed):
    Spearman over all pairs and over the ``far`` ones, stress after the best scale, trustworthiness at
    k = 10 and k = N/5."""
    from sklearn.manifold import trustworthiness

    d = pdist(Z)
    s = float(d @ true_d / (d @ d)) if np.any(d) else 0.0
    return {"spearman": float(spearmanr(d, true_d)[0]), "spearman_far": float(spearmanr(d[far], true_d[far])[0]),
            "stress": float(np.sqrt(np.sum((s * d - true_d) ** 2) / np.sum(true_d**2))),
            "trust_10": float(trustworthiness(coords, Z, n_neighbors=10)),
            "trust_n5": float(trustworthiness(coords, Z, n_neighbors=max(1, min(N // 5, N // 2 - 1))))}


def fit_methods(G, K, temperature, random_starts, rng):
    """The four methods' optima on the relation ``G`` with ``K`` directions (VICReg keeping all ``K``)."""
    _, lam = spectral.laplacian_eigenmaps(G, K)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CollapseWarning)
        reps = {
            "simclr": simclr.optimal_representation(G, K, temperature=temperature,
                                                    restarts=1 + random_starts, random_state=rng),
            "vicreg": vicreg.optimal_representation(G, K, variance=1.0, covariance=1.0,
                                                    invariance=solvers.ratio_for_rank(lam, K)),
            "barlow_twins": barlow_twins.optimal_representation(G, K, restarts=random_starts, random_state=rng),
            "spectral_contrastive": spectral_contrastive.optimal_representation(G, K + 1),
        }
    return reps


def faithful_roll(X, intrinsic, n_samples, n_neighbors, max_draws, rng):
    """A roll whose kNN geodesics pass the fidelity check, and the check.

    With the user's points ``X`` (and their ``intrinsic`` coordinates), a new random
    subsample of ``n_samples`` of their rows (without replacement), checked once (a
    subsample is not redrawn: that would select subsamples).
    """
    draws = 1 if X is not None else check_count(max_draws, "max_draws", 1)
    for attempt in range(draws):
        if X is not None:
            rows = np.sort(rng.choice(X.shape[0], size=n_samples, replace=False))
            points, coords = X[rows], intrinsic[rows]
        else:
            points, coords = swiss_roll(n_samples, random_state=rng)
        true = intrinsic_distances(coords)
        try:
            geodesic = rel.knn_geodesics(points, n_neighbors)
        except ValueError as error:  # a disconnected kNN graph has no finite geodesics: refused too
            geodesic = None
            check = design.DesignCheck(name="kNN geodesics follow the manifold", passed=False, value=None,
                                       threshold=design.GEODESIC_MIN_SPEARMAN, message=str(error).rstrip("."))
        else:
            check = design.check_geodesic_fidelity(geodesic, true)
        if check.passed:
            return points, coords, true, geodesic, check, attempt
    return points, coords, true, geodesic, check, draws


__all__ = ["roll_scores", "fit_methods", "faithful_roll"]

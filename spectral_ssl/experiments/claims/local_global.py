r"""Claim: contrastive methods are global (MDS / Isomap), non-contrastive methods local (Laplacian Eigenmaps).

**One relation for every method, one that encodes distances.** A binary kNN
graph gives SimCLR nothing global to fit (every non-neighbour's target is
:math:`-2\tau\log 0`). Here every method gets the same dense relation
:math:`G_{ij} = \exp(-\delta_{ij}^2/2\sigma^2)` of the kNN-graph geodesic
distances :math:`\delta` of a swiss roll (:math:`\sigma` = ``bandwidth_fraction``
times the largest geodesic), whose exact intrinsic distances are known. Design
checks: the kNN geodesics must follow the intrinsic distances (no short circuit
between layers, :func:`~spectral_ssl.experiments.claims.design.check_geodesic_fidelity`),
and the classical global and local references must differ on the relation
(:func:`~spectral_ssl.experiments.claims.design.check_references_separate`).

**Measures** (against the intrinsic distances, every pair): Spearman correlation
over all pairs and over far pairs (intrinsic distance above the median), stress
(:math:`\sqrt{\sum(s d_{ij} - \delta^*_{ij})^2/\sum\delta^{*2}_{ij}}` after the best
scale :math:`s`), and trustworthiness (:func:`sklearn.manifold.trustworthiness`)
at :math:`k = 10` and :math:`k = N/5`. Each method is set against its classical
counterpart: SimCLR against Isomap (classical MDS of the geodesics, what its
MDS target is), VICReg against Laplacian Eigenmaps of :math:`G` (its closed form),
spectral contrastive against the normalised Laplacian eigenmap (its closed form).

**Per-method verdicts, never family averages.** A method's *globality* on a seed
is its far-pair Spearman minus the midpoint of Isomap's and Laplacian Eigenmaps'
far-pair Spearman on that seed: positive means closer to the global reference.
"Global" is supported when the 95 % interval of the globality lies above 0,
"local" when the interval of its negative does. Primary readings: SimCLR global
(contrastive), VICReg local and Barlow Twins local (non-contrastive; Barlow Twins
is the loss as written, the only non-parametric problem). Spectral contrastive is
the normalised Laplacian eigenmap of :math:`G`; it is reported as a secondary
reading on the dense relation and measured again on a sparse relation (the same
weights kept on the kNN edges only), where its closed form is a local method.

**The user's points.** With ``X`` (and its ``intrinsic`` coordinates) each seed
measures a new random subsample of ``n_samples`` of its rows (default half of
them). Re-scoring the same points on every seed would replicate one measurement
(VICReg, Isomap and Laplacian Eigenmaps are deterministic): a zero-width interval
from a sample of one. The intervals are then about subsamples *of these points*:
they hold the variability of which points are drawn, conditional on the data set,
not that of another sample of the manifold.
"""

import time

import numpy as np
from scipy.linalg import subspace_angles
from scipy.spatial.distance import pdist
from scipy.stats import spearmanr

from ... import graphs, spectral
from ..._threads import single_threaded_blas
from ..._validation import check_features, check_scalar
from ...methods import spectral_contrastive
from . import design, solvers, statements
from . import relations as rel
from ._local_global_roll import faithful_roll, fit_methods, roll_scores
from .result import ClaimResult, Comparison, Reading, Table
from .sampling import check_count
from .stats import Samples, seed_generators

METHODS = ("simclr", "vicreg", "barlow_twins", "spectral_contrastive")
REFERENCES = ("isomap", "laplacian_eigenmaps")
FAMILY = {"simclr": "contrastive", "spectral_contrastive": "contrastive", "vicreg": "non-contrastive",
          "barlow_twins": "non-contrastive"}
COUNTERPART = {"simclr": "isomap", "vicreg": "laplacian_eigenmaps"}
MEASURES = {"spearman": "Spearman, all pairs", "spearman_far": "Spearman, far pairs", "stress": "stress",
            "trust_10": "trustworthiness k=10", "trust_n5": "trustworthiness k=N/5"}

STATEMENT = ("Contrastive methods (SimCLR) recover a global spectral embedding (MDS / Isomap) and "
             "non-contrastive methods (VICReg, Barlow Twins) a local one (Laplacian Eigenmaps), given "
             "the same relation that encodes the manifold's distances.")


def local_vs_global(X=None, intrinsic=None, *, n_samples=None, n_neighbors=5, bandwidth_fraction=0.5,
                    n_components=3, temperature=0.5, random_starts=1, n_seeds=5, max_draws=20, random_state=0,
                    quick=False):
    r"""Claim 4: contrastive optima are global, non-contrastive optima local, method by method.

    Parameters
    ----------
    X : array_like, shape (N, D), optional
        Points on a manifold; default: a new swiss roll of ``n_samples`` points per seed.
    intrinsic : array_like, shape (N, d), optional
        Isometric coordinates of ``X`` (required with ``X``): the true distances.
    n_samples : int, optional
        Swiss roll size (default 500). A roll whose kNN geodesics short-circuit (design check) is
        refused and another drawn, up to ``max_draws`` times per seed; with 500
        points and 5 neighbours about one roll in three is refused, with 300 points
        nearly all are (the claim is then void). With ``X``: the rows of the new
        random subsample each seed measures, at least 20 and fewer than ``X`` has
        (default half of them).
    n_neighbors : int
        kNN graph of the geodesics.
    bandwidth_fraction : float in (0, 1]
        :math:`\sigma` as a fraction of the largest geodesic distance.
    n_components : int >= 2
        :math:`K` (SimCLR's rows live on :math:`S^{K-1}`).
    temperature, random_starts :
        SimCLR's :math:`\tau` and random starts (Barlow Twins gets the same random starts).
    n_seeds : int >= 2
    max_draws : int >= 1
        Rolls drawn per seed before the seed is void (a subsample of a user's ``X`` is checked once).
    random_state : None, int or numpy Generator
    quick : bool

    Returns
    -------
    ClaimResult
        ``tables["scores"]``: per relation and method, every measure (mean ± s.e.).
    """
    started = time.perf_counter()
    n_seeds = check_count(n_seeds, "n_seeds", 2)
    K = check_count(n_components, "n_components", 2)
    n_neighbors = check_count(n_neighbors, "n_neighbors", 1)
    fraction = check_scalar(bandwidth_fraction, name="bandwidth_fraction", low=0.0, low_inclusive=False, high=1.0)
    if X is not None:
        X = check_features(X, name="X")
        if intrinsic is None:
            raise ValueError("intrinsic (isometric coordinates of X) is required with X: the claim is "
                             "measured against true intrinsic distances.")
        intrinsic = check_features(intrinsic, name="intrinsic", n_samples=X.shape[0])
        if n_samples is None:
            n_samples = X.shape[0] // 2
        n_samples = check_count(n_samples, "n_samples", 20)
        if n_samples >= X.shape[0]:
            raise ValueError(f"n_samples must be smaller than the number of rows of X ({X.shape[0]}), got "
                             f"{n_samples}: each seed measures a new random subsample of X (the same points on "
                             f"every seed would give a zero-width interval from one measurement).")
    n_samples = check_count(500 if n_samples is None else n_samples, "n_samples", 20)

    samples, checks, shown, redraws = Samples(), {}, None, []
    with single_threaded_blas():
        for g in seed_generators(random_state, n_seeds):
            points, coords, true, geodesic, fidelity, rejected = faithful_roll(
                X, intrinsic, n_samples, n_neighbors, max_draws, g)
            checks.setdefault("fidelity", []).append(fidelity)
            redraws.append(rejected)
            if not fidelity.passed:
                continue
            N = points.shape[0]
            sigma = fraction * float(geodesic.max())
            dense = rel.geodesic_gaussian(geodesic, sigma)
            sparse = graphs.check(dense.multiply(graphs.knn(points, n_neighbors)).tocsr())
            iu = np.triu_indices(N, 1)
            true_d = true[iu]
            far = true_d > np.median(true_d)
            iso, _ = spectral.classical_mds(geodesic, K)
            reps = fit_methods(dense, K, temperature, random_starts, g)
            embeddings = {"isomap": iso, "laplacian_eigenmaps": spectral.laplacian_eigenmaps(dense, K)[0]}
            embeddings.update({m: rep.Z for m, rep in reps.items()})
            scores = {m: roll_scores(Z, true_d, far, coords, N) for m, Z in embeddings.items()}
            checks.setdefault("references", []).append(design.check_references_separate(
                scores["isomap"]["spearman_far"], scores["laplacian_eigenmaps"]["spearman_far"]))
            mid = (scores["isomap"]["spearman_far"] + scores["laplacian_eigenmaps"]["spearman_far"]) / 2
            for m, values in scores.items():
                for measure, value in values.items():
                    samples.add(("dense", m, measure), value)
                samples.add(("dense", m, "globality"), values["spearman_far"] - mid)
            for m, ref in COUNTERPART.items():
                agreement = spearmanr(pdist(embeddings[m]), pdist(embeddings[ref]))[0]
                samples.add(("dense", m, "counterpart"), agreement)
            normalized = spectral.laplacian_eigenmaps(dense, K, normalized=True)[0]
            samples.add(("dense", "spectral_contrastive", "counterpart_angle"), np.degrees(np.max(
                subspace_angles(reps["spectral_contrastive"].Z[:, 1:], normalized))))
            samples.add(("dense", "simclr", "converged"), solvers.converged(reps["simclr"]))
            samples.add(("dense", "barlow_twins", "converged"), solvers.converged(reps["barlow_twins"]))
            # the closed forms again on the sparse relation (kNN edges only)
            sparse_emb = {"isomap": iso, "laplacian_eigenmaps": spectral.laplacian_eigenmaps(sparse, K)[0],
                          "spectral_contrastive": spectral_contrastive.optimal_representation(sparse, K + 1).Z}
            sparse_scores = {m: roll_scores(Z, true_d, far, coords, N) for m, Z in sparse_emb.items()}
            mid_sparse = (sparse_scores["isomap"]["spearman_far"]
                          + sparse_scores["laplacian_eigenmaps"]["spearman_far"]) / 2
            for m, values in sparse_scores.items():
                for measure, value in values.items():
                    samples.add(("sparse", m, measure), value)
                samples.add(("sparse", m, "globality"), values["spearman_far"] - mid_sparse)
            if shown is None:
                shown = {"color": coords[:, 0].tolist(),
                         "embeddings": {solvers.METHOD_LABELS[m]: np.asarray(Z).tolist()
                                        for m, Z in embeddings.items()}}

    design_checks = [design.merge_seeds(found) for found in checks.values()]
    if X is None:
        design_checks[0].message += f"; rolls refused and redrawn per seed: {redraws}"
    void = not all(c.passed for found in checks.values() for c in found)
    if void:
        return _void_result(design_checks, n_seeds, started, quick, X is not None)
    readings = _readings(samples, void)
    tables = {"scores": _scores_table(samples, n_seeds),
              "wordings": statements.versions_table("local_vs_global")}
    holds = [r.name.split(" on ")[0] for r in readings if r.primary and r.verdict == "supported"]
    fails = [r.name.split(" on ")[0] for r in readings if r.primary and r.verdict == "not supported"]
    units = "rolls" if X is None else f"random subsamples of {n_samples} of the {X.shape[0]} points"
    summary = (f"Far-pair Spearman (mean ± s.e., {n_seeds} {units}): "
               + ", ".join(f"{solvers.METHOD_LABELS[m]} {samples.estimate(('dense', m, 'spearman_far')).format()}"
                           for m in REFERENCES + METHODS)
               + f". Stress: SimCLR {samples.estimate(('dense', 'simclr', 'stress')).format()}, VICReg "
               f"{samples.estimate(('dense', 'vicreg', 'stress')).format()}, Barlow Twins "
               f"{samples.estimate(('dense', 'barlow_twins', 'stress')).format()}. Holds: "
               f"{'; '.join(holds) or 'none'}. Fails: {'; '.join(fails) or 'none'}.")
    rule = ("per seed, globality = far-pair Spearman (embedding distances vs true intrinsic distances) "
            "minus the midpoint of Isomap's and Laplacian Eigenmaps' on the same relation; 'global' "
            "supported when its 95% Student-t interval lies above 0, 'local' when that of its negative "
            "does; not supported when the interval lies on the other side, else inconclusive. Primary: "
            "SimCLR global, VICReg local, Barlow Twins local; the claim needs all three")
    settings = {"n_seeds": n_seeds, "n_samples": n_samples, "subsampled_from": None if X is None else X.shape[0],
                "redraws": redraws,
                "n_neighbors": n_neighbors, "bandwidth_fraction": fraction, "n_components": K,
                "temperature": float(temperature), "random_starts": random_starts}
    data = {"example": shown,
            "globality": {solvers.METHOD_LABELS[m]: samples.estimate(("dense", m, "globality")).to_dict()
                          for m in REFERENCES + METHODS}}
    return ClaimResult(name="local_vs_global", statement=STATEMENT, rule=rule, readings=readings,
                       design=design_checks, tables=tables, summary=summary, data=data, settings=settings,
                       dataset="data" if X is not None else "swiss roll", quick=bool(quick),
                       elapsed=time.perf_counter() - started)


def _void_result(design_checks, n_seeds, started, quick, user_data):
    wording = statements.wording("local_vs_global", statements.ARXIV)
    readings = [Reading(name=f"{solvers.METHOD_LABELS[m]} is {kind}", wording=wording, primary=True,
                        tests="void: the design checks failed", comparisons=[])
                for m, kind in (("simclr", "global"), ("vicreg", "local"), ("barlow_twins", "local"))]
    failed = [c.message for c in design_checks if not c.passed]
    return ClaimResult(name="local_vs_global", statement=STATEMENT, rule="void: " + "; ".join(failed),
                       readings=readings, design=design_checks, summary="Void: " + "; ".join(failed) + ".",
                       settings={"n_seeds": n_seeds}, dataset="data" if user_data else "swiss roll",
                       quick=bool(quick), elapsed=time.perf_counter() - started)


def _readings(samples, void):
    wording = statements.wording("local_vs_global", statements.ARXIV)
    readings = []
    for method, kind, relation, primary in (("simclr", "global", "dense", True),
                                            ("vicreg", "local", "dense", True),
                                            ("barlow_twins", "local", "dense", True),
                                            ("spectral_contrastive", "global", "dense", False),
                                            ("spectral_contrastive", "local", "sparse", False)):
        g = samples.estimate((relation, method, "globality"))
        value = g if kind == "global" else _negated(g)
        where = "the dense geodesic relation" if relation == "dense" else "the sparse (kNN-edge) relation"
        readings.append(Reading(
            name=f"{solvers.METHOD_LABELS[method]} is {kind} ({FAMILY[method]}) on {where}", primary=primary,
            wording=wording,
            tests=(f"{solvers.METHOD_LABELS[method]}'s far-pair Spearman is "
                   f"{'above' if kind == 'global' else 'below'} the midpoint of Isomap's and Laplacian "
                   f"Eigenmaps'"),
            comparisons=[Comparison(label=f"{'' if kind == 'global' else '-'}globality of "
                                          f"{solvers.METHOD_LABELS[method]}", estimate=value, threshold=0.0,
                                    regime=where, void=void)],
            note=("the paper counts it as contrastive; its optimum is the normalised Laplacian eigenmap of G"
                  if method == "spectral_contrastive" else "")))
    return readings


def _negated(e):
    from .stats import Estimate

    return Estimate(-e.mean, e.se, -e.high, -e.low, e.n, e.level, tuple(-v for v in e.values))


def _scores_table(samples, n_seeds):
    rows = []
    for relation, methods in (("dense", REFERENCES + METHODS),
                              ("sparse", ("isomap", "laplacian_eigenmaps", "spectral_contrastive"))):
        for m in methods:
            row = {"relation": "dense geodesic Gaussian" if relation == "dense" else "kNN edges only",
                   "method": solvers.METHOD_LABELS[m], "family": FAMILY.get(m, "classical reference")}
            for measure in (*MEASURES, "globality"):
                row[measure] = samples.estimate((relation, m, measure))
            if (relation, m, "counterpart") in samples:
                row["counterpart"] = samples.estimate((relation, m, "counterpart"))
            if (relation, m, "counterpart_angle") in samples:
                row["counterpart"] = f"angle {max(samples.get((relation, m, 'counterpart_angle'))):.1e} deg"
            if (relation, m, "converged") in samples:
                conv = samples.get((relation, m, "converged"))
                row["converged"] = f"{int(sum(conv))}/{len(conv)}"
            rows.append(row)
    columns = [("relation", "relation"), ("method", "method"), ("family", "family")]
    columns += [(k, f"{label} (mean ± s.e., {n_seeds} seeds)" if k == "spearman" else label)
                for k, label in MEASURES.items()]
    columns += [("globality", "globality (far Spearman - reference midpoint)"),
                ("counterpart", "agreement with classical counterpart (Spearman of distances)"),
                ("converged", "seeds converged")]
    return Table(columns=columns, rows=rows,
                 caption="Distance preservation against the true intrinsic distances")


__all__ = ["local_vs_global", "METHODS", "STATEMENT"]

r"""Claim: with a relation aligned with the labels, every method recovers the supervised solution.

**Relations** (design check :func:`~spectral_ssl.experiments.claims.design.check_aligned`:
every class contrast invariant on the relation), on the training samples:

* the **label graph** :math:`G_{ij} = 1[y_i = y_j]`. Here the claim is partly an
  identity: the linear optima of VICReg, spectral contrastive and whitened Barlow
  Twins solve Fisher's criterion, so their span *is* LDA's (the table reports the
  angle, ~0, as a check of the identity, not as evidence); only SimCLR and Barlow
  Twins as written are measured;
* a **sparse within-class relation** (every sample linked to a few random samples
  of its class, :func:`~spectral_ssl.experiments.claims.relations.within_class_graph`):
  aligned (its components are the classes), but no closed form makes any linear
  optimum equal to LDA, so every method is measured.

Each method gets :math:`K = C - 1` dimensions, the supervised dimension
(spectral contrastive :math:`C`: its optimum holds the constant direction, which the
probe removes). The supervised method is Fisher's LDA fitted on the same training
samples with their labels.

**Rule.** For every method and relation, the paired per-seed difference of
held-out linear-probe accuracy, method minus LDA, must exceed ``-accuracy_margin``
(its 95 % interval entirely above it: supported; entirely at or below: not
supported; else inconclusive). **Seeds until the interval decides**: a method
whose interval still contains the threshold after ``n_seeds`` seeds gets further
seeds (the same seed sequence, LDA refitted on each) until it decides or
``max_seeds`` is reached; only then is it inconclusive. A method that sits near
the margin (Barlow Twins as written on digits: about -0.06 against -0.05) is thus
decided by its interval rather than by which five splits were drawn. Looking
at the interval after each added seed is a sequential test, so every interval
has the level of :func:`~spectral_ssl.experiments.claims.pairs.sequential_level`
(95 % split over the up to ``max_seeds - n_seeds + 1`` looks, Bonferroni: 99.69 %
with 5 to 20 seeds), which keeps the chance of a wrong "supported" at most 2.5 %
over all the looks.
**LDA must be clearly above chance** (design check
:func:`~spectral_ssl.experiments.claims.design.check_reference_above_chance`): the
interval of LDA's accuracy minus the majority-class rate of the test labels must lie
above ``accuracy_margin``, else a representation at chance would pass the rule
(features that carry no label information give "supported"); otherwise every
comparison is void and so is the claim.
A method whose span *is* LDA's on every seed (the identity methods on the label
graph) is a tie by construction: ``not applicable`` (:mod:`.pairs`). The arXiv and proceedings abstracts word this part
identically ("any SSL method ... will recover the supervised method"); the poster
page says "all SSL methods produce optimal representations for that downstream
task", tested the same way (as good as the supervised method within the margin).
"""

import time

import numpy as np
from scipy.linalg import subspace_angles

from ... import graphs
from ..._threads import single_threaded_blas
from ..._validation import check_scalar
from ..probe import linear_probe
from . import design, solvers, statements
from . import pairs as paired
from . import relations as rel
from .result import ClaimResult, Reading, Table
from .sampling import check_count, check_labelled, smallest_class, split
from .stats import INCONCLUSIVE, Samples, seed_generators

METHODS = ("vicreg", "spectral_contrastive", "barlow_twins_cca", "barlow_twins_as_written", "simclr")

#: Methods whose linear optimum with a balanced label graph is Fisher's criterion (an identity).
IDENTITY_METHODS = ("vicreg", "spectral_contrastive", "barlow_twins_cca")

RELATIONS = {"label": "label graph", "within_class": "sparse within-class relation"}

STATEMENT = ("With a relation aligned with the labels, every SSL method recovers the supervised solution: "
             "a linear probe on its linear optimum is as accurate as on Fisher LDA's projection.")


def _fit(method, Xtr, G, K, temperature, random_starts, rng):
    if method == "vicreg":
        return solvers.solve_vicreg(Xtr, G, K, solvers.ratio_for_rank(solvers.linear_spectrum(Xtr, G), K))
    if method == "spectral_contrastive":
        return solvers.solve_spectral_contrastive(Xtr, G, K + 1)
    if method.startswith("barlow_twins"):
        return solvers.solve_barlow_twins(Xtr, G, K, problem=method[len("barlow_twins_"):],
                                          random_state=rng)
    return solvers.solve_simclr(Xtr, G, K, temperature=temperature, random_starts=random_starts,
                                random_state=rng)


def _span(Z, dim):
    Zc = Z - Z.mean(axis=0)
    U, _, _ = np.linalg.svd(Zc, full_matrices=False)
    return U[:, :dim]


def aligned_graph(X, y, *, relations=("label", "within_class"), relation_labels=None, n_neighbors=5,
                  n_train=256, n_test_per_class=None, n_seeds=5, max_seeds=20, temperature=0.5, random_starts=1,
                  accuracy_margin=0.05, random_state=0, quick=False):
    r"""Claim 1: an aligned relation recovers the supervised solution.

    Parameters
    ----------
    X : array_like, shape (N, D)
    y : array_like, shape (N,)
    relations : {"label", "within_class"} or a sequence of them
    relation_labels : array_like, shape (N,), optional
        Labels the relations are built from (default ``y``). Labels unrelated to
        ``y`` give relations that are not aligned: the design check then makes
        the claim void.
    n_neighbors : int
        Random same-class partners per sample of the within-class relation.
    n_train : int
        Training samples, balanced (the paper's :math:`N = 256`; at most half of the smallest class).
    n_test_per_class : int, optional
        Default: every remaining sample of the smallest class, at most 200.
    n_seeds : int >= 2
        Seeds every method gets.
    max_seeds : int >= n_seeds
        Seeds a method whose interval still contains ``-accuracy_margin`` may get.
    temperature, random_starts :
        SimCLR's :math:`\tau` and random starts.
    accuracy_margin : float >= 0
        How much below LDA's accuracy still counts as recovering it.
    random_state : None, int or numpy Generator
    quick : bool

    Returns
    -------
    ClaimResult
        ``tables["accuracy"]``: per relation and method, the probe accuracy, the
        difference to LDA, the rank and (label graph) the largest principal angle
        to LDA's span.
    """

    started = time.perf_counter()
    X, y, C = check_labelled(X, y)
    if relation_labels is None:
        relation_labels = y
    else:
        relation_labels = np.asarray(relation_labels)
        if relation_labels.shape != y.shape:
            raise ValueError(f"relation_labels must have one entry per sample ({y.size}), got shape "
                             f"{relation_labels.shape}.")
    n_seeds = check_count(n_seeds, "n_seeds", 2)
    max_seeds = check_count(max_seeds, "max_seeds", n_seeds)
    margin = check_scalar(accuracy_margin, name="accuracy_margin", low=0.0)
    level = paired.sequential_level(n_seeds, max_seeds)
    relations = (relations,) if isinstance(relations, str) else tuple(relations)
    for name in relations:
        if name not in RELATIONS:
            raise ValueError(f"relations must hold some of {list(RELATIONS)}, got {name!r}.")
    smallest = smallest_class(y)
    n_train_per_class = max(2, min(check_count(n_train, "n_train", 2) // C, smallest // 2))
    if n_test_per_class is None:
        n_test_per_class = min(200, smallest - n_train_per_class)
    n_test_per_class = check_count(n_test_per_class, "n_test_per_class", 1)
    random_starts = check_count(random_starts, "random_starts", 0)
    K = C - 1

    samples, checks = Samples(), {}

    def measure(g, pending):
        _measure_seed(samples, checks, X, y, relation_labels, pending, n_train_per_class, n_test_per_class, K,
                      n_neighbors, temperature, random_starts, g)

    def undecided(pending):
        if not _reference_check(samples, margin).passed:
            return set()  # every comparison is void: more seeds cannot change that verdict
        return _undecided(samples, pending, void_relations(checks), margin, level)

    with single_threaded_blas():
        seeds_used = paired.measure_until_decided(
            seed_generators(random_state, max_seeds), n_seeds, [(r, m) for r in relations for m in METHODS],
            measure, undecided)

    reference = _reference_check(samples, margin)
    design_checks = [reference] + [design.merge_seeds(found) for found in checks.values()]
    void = void_relations(checks)
    rows = [{"relation": "-", "method": solvers.METHOD_LABELS["lda"],
             "accuracy": samples.estimate(("lda", "accuracy")), "gap": None, "rank": float(K),
             "angle": 0.0, "converged": ""}]
    comparisons = []
    for relation in relations:
        if relation in void:
            continue
        for method in METHODS:
            key = (relation, method)
            comparison, check = _comparison(samples, relation, method, margin, level, void=not reference.passed)
            comparisons.append(comparison)
            design_checks += [check] if check is not None else []
            conv = samples.get(key + ("converged",))
            rows.append({"relation": RELATIONS[relation], "method": solvers.METHOD_LABELS[method],
                         "accuracy": samples.estimate(key + ("accuracy",)), "gap": comparison.estimate,
                         "seeds": len(conv),
                         "rank": float(np.mean(samples.get(key + ("rank",)))),
                         "angle": float(np.max(samples.get(key + ("angle",)))),
                         "converged": f"{int(sum(conv))}/{len(conv)}",
                         "identity": relation == "label" and method in IDENTITY_METHODS})
    tests = (f"every method's held-out probe accuracy is within {margin:g} of LDA's on every aligned "
             f"relation (paired difference > -{margin:g})")
    readings = [
        Reading(name=f"{statements.ARXIV} and {statements.PROCEEDINGS}",
                wording=statements.wording("aligned_graph", statements.ARXIV), tests=tests,
                comparisons=comparisons),
        Reading(name=statements.POSTER, wording=statements.wording("aligned_graph", statements.POSTER),
                tests=tests + " (optimal for the task = as good as the supervised method)",
                comparisons=comparisons),
    ]
    tables = {
        "accuracy": Table(
            columns=[("relation", "relation"), ("method", "method"),
                     ("accuracy", f"probe accuracy (mean ± s.e., {n_seeds} seeds)"),
                     ("gap", "minus LDA (mean ± s.e.)"), ("seeds", "seeds"), ("rank", "rank (mean)"),
                     ("angle", "max angle to LDA span (deg, worst seed)"), ("converged", "seeds converged"),
                     ("identity", "identity (LDA by construction)")],
            rows=rows, caption="Held-out linear-probe accuracy against LDA"),
        "wordings": statements.versions_table("aligned_graph"),
    }
    worst = min((c for c in comparisons if not c.void and c.applicable), key=lambda c: c.estimate.mean, default=None)
    summary = (f"LDA probe accuracy {samples.estimate(('lda', 'accuracy')).format()} "
               f"({n_test_per_class * C} test samples, {n_seeds} seeds). "
               + ("" if reference.passed else f"Void: {reference.message}. ")
               + (f"Largest shortfall: {worst.label.split(' - ')[0]} on the {worst.regime}, "
                  f"{worst.estimate.format()} (interval [{worst.estimate.low:.3f}, {worst.estimate.high:.3f}], "
                  f"margin -{margin:g}). " if worst else "")
               + f"Verdict: {readings[0].verdict}.")
    rule = (f"paired per-seed difference of held-out linear-probe accuracy, method minus LDA, for every "
            f"method on every aligned relation; {paired.level_text(n_seeds, max_seeds)} above -{margin:g}: supported, at or "
            f"below: not supported; an interval containing -{margin:g} after {n_seeds} seeds gets more "
            f"seeds, up to {max_seeds}, and is inconclusive only then; a method whose span is LDA's on "
            f"every seed is not applicable (a tie by construction); the claim needs every comparison")
    data = {"relations": [RELATIONS[r] for r in relations if r not in void],
            "methods": [solvers.METHOD_LABELS[m] for m in METHODS],
            "lda": samples.estimate(("lda", "accuracy")).to_dict(), "margin": margin,
            "accuracy": {RELATIONS[r]: {solvers.METHOD_LABELS[m]: samples.estimate((r, m, "accuracy")).to_dict()
                                        for m in METHODS} for r in relations if r not in void}}
    settings = {"n_seeds": n_seeds, "max_seeds": max_seeds, "seeds_used": seeds_used, "relations": list(relations),
                "n_components": K,
                "n_train_per_class": n_train_per_class, "n_test_per_class": n_test_per_class,
                "accuracy_margin": margin, "temperature": float(temperature),
                "simclr_random_starts": random_starts}
    return ClaimResult(name="aligned_graph", statement=STATEMENT, rule=rule, readings=readings,
                       design=design_checks, tables=tables, summary=summary, data=data, settings=settings,
                       quick=bool(quick), elapsed=time.perf_counter() - started)


def void_relations(checks):
    """Relations that failed the aligned design check on some seed."""
    return {relation for relation, found in checks.items() if not all(c.passed for c in found)}


def _measure_seed(samples, checks, X, y, relation_labels, pending, n_train_per_class, n_test_per_class, K,
                  n_neighbors, temperature, random_starts, g):
    """One seed: LDA and every pending (relation, method), each stored with LDA's accuracy on that seed."""
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    train, test = split(y, n_train_per_class, n_test_per_class, g)
    Xtr, ytr, Xte, yte = X[train], y[train], X[test], y[test]
    lda = LinearDiscriminantAnalysis(n_components=K).fit(Xtr, ytr)
    lda_train, lda_test = lda.transform(Xtr), lda.transform(Xte)
    lda_accuracy = linear_probe(lda_train, ytr, lda_test, yte)
    samples.add(("lda", "accuracy"), lda_accuracy)
    samples.add(("lda", "above_chance"), lda_accuracy - np.bincount(yte).max() / yte.size)
    for relation in dict.fromkeys(r for r, _ in sorted(pending)):
        rtr = relation_labels[train]
        G = (graphs.from_labels(rtr) if relation == "label"
             else rel.within_class_graph(rtr, n_neighbors, g))
        checks.setdefault(relation, []).append(design.check_aligned(G, ytr, regime=RELATIONS[relation]))
        if not checks[relation][-1].passed:
            continue  # not aligned: nothing this claim could conclude from it
        for method in (m for m in METHODS if (relation, m) in pending):
            rep = _fit(method, Xtr, G, K, temperature, random_starts, g)
            Ztr, Zte = rep.transform(Xtr), rep.transform(Xte)
            key = (relation, method)
            samples.add(key + ("accuracy",), linear_probe(Ztr, ytr, Zte, yte))
            samples.add(key + ("lda",), lda_accuracy)
            samples.add(key + ("rank",), solvers.rank(Ztr))
            samples.add(key + ("angle",), np.degrees(np.max(subspace_angles(_span(Ztr, K), _span(lda_train, K)))))
            samples.add(key + ("converged",), solvers.converged(rep))
            paired.record_spans(samples, (relation,), {method: np.vstack([Ztr, Zte]),
                                                      "lda": np.vstack([lda_train, lda_test])}, [(method, "lda")])


def _comparison(samples, relation, method, margin, level, void=False):
    key = (relation, method)
    return paired.compare(samples, key + ("accuracy",), key + ("lda",), threshold=-margin,
                          regime=RELATIONS[relation], label=f"{solvers.METHOD_LABELS[method]} - LDA (probe accuracy)",
                          span_key=key + ("lda", paired.SAME_SPAN), void=void, level=level)


def _reference_check(samples, margin):
    """LDA's accuracy minus the majority-class rate, over the seeds so far, above the margin."""
    return design.check_reference_above_chance(samples.get(("lda", "above_chance")), margin)


def _undecided(samples, pending, void, margin, level):
    """The pending (relation, method) pairs whose comparison is still inconclusive."""
    return {(r, m) for r, m in pending if r not in void and (r, m, "accuracy") in samples
            and _comparison(samples, r, m, margin, level)[0].verdict == INCONCLUSIVE}


__all__ = ["aligned_graph", "METHODS", "STATEMENT"]

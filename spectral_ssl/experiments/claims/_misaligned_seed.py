"""One seed of :func:`~spectral_ssl.experiments.claims.misaligned.misaligned_graph`: the regimes, their design
checks and the fits, for every comparison or for the undecided ones only; the comparisons and the summary
line built from them."""

import dataclasses

import numpy as np

from ... import linalg
from ..probe import linear_probe
from . import design, solvers
from . import pairs as paired
from . import relations as rel
from .sampling import check_count, split
from .stats import LEVEL

#: Methods of the comparison, in table order.
METHODS = ("vicreg_small", "vicreg_large", "barlow_twins_as_written", "barlow_twins_cca", "simclr",
           "spectral_contrastive")


def regime_name(kind, label):
    return f"{rel.describe(kind)}, K = {label}"


def components(n_components, D):
    """``[(K, label)]``: ints absolute (capped at D), floats in (0, 1] fractions of D, None D; labels name
    the regime across seeds whose feature rank D differs ("0.5 D", "D", or K)."""
    if n_components is None or isinstance(n_components, (int, float, np.integer, np.floating)):
        n_components = (n_components,)  # one K, not a sequence of them
    pairs = {}
    for k in n_components:
        if k is None or (isinstance(k, float) and k == 1.0):
            K, label = D, "D"
        elif isinstance(k, float):
            if not 0.0 < k < 1.0:
                raise ValueError(f"a fractional n_components must be in (0, 1], got {k!r}.")
            K, label = max(1, int(round(k * D))), f"{k:g} D"
        else:
            K = check_count(k, "n_components", 1)
            K, label = (D, "D") if K >= D else (K, str(K))
        pairs[label] = K
    return sorted(((K, label) for label, K in pairs.items()), key=lambda pair: pair[0])


def fit(method, Xtr, G, K, mu, invariant, temperature, random_starts, rng):
    if method == "vicreg_small":
        return solvers.solve_vicreg(Xtr, G, K, solvers.ratio_for_rank(mu, K))
    if method == "vicreg_large":
        return solvers.solve_vicreg(Xtr, G, K, solvers.ratio_for_rank(mu, invariant))
    if method.startswith("barlow_twins"):
        return solvers.solve_barlow_twins(Xtr, G, K, problem=method[len("barlow_twins_"):],
                                          random_state=rng)
    if method == "simclr":
        return solvers.solve_simclr(Xtr, G, K, temperature=temperature, random_starts=random_starts,
                                    random_state=rng)
    return solvers.solve_spectral_contrastive(Xtr, G, K)


#: Last elements of the pair keys (:func:`~spectral_ssl.experiments.claims.pairs.pair_key`) under which
#: :func:`record_optima` stores whether both optima set their spans, their still-collapsing directions, and
#: the lowest and highest paired difference the optimisers' stopping points leave open.
OPTIMUM, COLLAPSING, LOW, HIGH = "optimum", "collapsing", "low", "high"


def record_optima(samples, regime, optimum, pairs, fitted, collapsed):
    """Per pair on this seed: whether both optima set their spans
    (:func:`~spectral_ssl.experiments.claims.solvers.span_set_by_optimum`), their collapsing directions, and
    the range of ``better - worse`` over each method's accuracy as fitted (``fitted``) and with its
    still-collapsing directions at zero (``collapsed``; the same value for a method whose optimum set its span)."""
    for a, b in pairs:
        if a in optimum and b in optimum:
            samples.add(paired.pair_key(regime, a, b, OPTIMUM), optimum[a][0] and optimum[b][0])
            samples.add(paired.pair_key(regime, a, b, COLLAPSING), optimum[a][1] + optimum[b][1])
            ends_a, ends_b = (fitted[a], collapsed[a]), (fitted[b], collapsed[b])
            samples.add(paired.pair_key(regime, a, b, LOW), min(ends_a) - max(ends_b))
            samples.add(paired.pair_key(regime, a, b, HIGH), max(ends_a) - min(ends_b))


def measure_seed(samples, checks, regimes, setup, g, pending, pairs):
    """One seed: design checks and fits; ``pending=None`` measures everything (every pair of ``pairs``, and the
    per-method values of the accuracy table), else only the methods of the pending ``(regime, better, worse)``
    comparisons. Returns the feature rank D of this seed's training samples.

    ``setup``: ``(X, y, kinds, n_components, n_train_per_class, n_test_per_class, temperature,
    random_starts)``; ``checks`` and ``regimes`` as in :func:`misaligned_graph`, filled in place.
    """
    X, y, kinds, n_components, n_train_per_class, n_test_per_class, temperature, random_starts = setup
    train, test = split(y, n_train_per_class, n_test_per_class, g)
    Xtr, ytr, Xte, yte = X[train], y[train], X[test], y[test]
    D = linalg.feature_rank(Xtr - Xtr.mean(axis=0))
    for kind in kinds:
        groups = rel.misaligned_groups(kind, ytr, g)
        G = rel.relation_on_groups(kind, groups, g)
        mu = solvers.linear_spectrum(Xtr, G)
        # a second draw of the edges on the same groups, from a child stream so that g (and every fit
        # after it) is untouched: how far the relation's own randomness moves the spectrum
        perturbation = solvers.linear_perturbation(Xtr, G, rel.relation_on_groups(kind, groups, g.spawn(1)[0]))
        invariant = design.invariant_directions(G)
        for K, label in components(n_components, D):
            regime = (kind, label)
            wanted = (set(pairs) if pending is None
                      else {(a, b) for r, a, b in pending if r == regime})
            if not wanted:
                continue
            regimes[regime] = regime_name(kind, label)
            found = [design.check_misaligned(G, ytr, K, regime=regimes[regime]),
                     design.check_unique_optimum(mu, K, regime=regimes[regime]),
                     design.check_span_determined(mu, K, perturbation, regime=regimes[regime])]
            if found[1].passed:  # ratio_for_rank needs mu_K < mu_{K+1}
                small, large = solvers.ratio_for_rank(mu, K), solvers.ratio_for_rank(mu, invariant)
                found.append(design.check_invariance_drops(mu, small, large, K, regime=regimes[regime]))
            for check in found:
                checks.setdefault((regime, check.name), []).append(check)
            if not all(c.passed for c in found):
                continue
            values, seen, optimum, collapsed = {}, {}, {}, {}  # seen: training and test rows, what the probe sees, for the span check
            for method in (m for m in METHODS if pending is None or any(m in pair for pair in wanted)):
                rep = fit(method, Xtr, G, K, mu, invariant, temperature, random_starts, g)
                Ztr, Zte = rep.transform(Xtr), rep.transform(Xte)
                values[method] = linear_probe(Ztr, ytr, Zte, yte)
                seen[method] = np.vstack([Ztr, Zte])
                optimum[method] = solvers.span_set_by_optimum(rep, Ztr)
                collapsed[method] = values[method]
                if not optimum[method][0]:  # the other end: every still-collapsing direction at zero
                    Ctr, Cte = solvers.drop_collapsing(Ztr, Zte)
                    collapsed[method] = linear_probe(Ctr, ytr, Cte, yte)
                if pending is None:
                    samples.add((regime, method, "accuracy"), values[method])
                    samples.add((regime, method, "rank"), solvers.rank(Ztr))
                    samples.add((regime, method, "converged"), solvers.converged(rep))
                    samples.add((regime, method, "collapsing"), optimum[method][1])
                    if not optimum[method][0]:
                        samples.add((regime, method, "accuracy_collapsed"), collapsed[method])
            paired.record_pairs(samples, regime, values, wanted, seen)
            record_optima(samples, regime, optimum, wanted, values, collapsed)
    return D


def compare_methods(samples, regimes, regime, better, worse, margin, level=LEVEL):
    """:class:`Comparison` of ``better - worse`` in ``regime`` and its failed design checks. ``void`` when on
    some seed an optimum did not set its span and the verdict differs between the ends of the range that
    leaves open (:func:`~spectral_ssl.experiments.claims.design.check_optimum_reached`; equal spans are then
    not a tie by construction either), else ``not applicable`` for a tie by construction. ``(None, [])`` if
    not measured. ``level``: of every interval (:func:`~spectral_ssl.experiments.claims.pairs.sequential_level`)."""
    if paired.pair_key(regime, better, worse, "better") not in samples:
        return None, []
    label = f"{solvers.METHOD_LABELS[better]} - {solvers.METHOD_LABELS[worse]} (probe accuracy)"
    comparison, tie = paired.compare_pair(samples, regime, better, worse, threshold=margin,
                                          regime=regimes[regime], label=label, level=level)
    key = lambda side: paired.pair_key(regime, better, worse, side)  # noqa: E731
    if key(OPTIMUM) not in samples or all(samples.get(key(OPTIMUM))):
        return comparison, [] if tie is None else [tie]
    check = design.check_optimum_reached(
        samples.get(key(OPTIMUM)), label, collapsing=samples.get(key(COLLAPSING)),
        ends=(comparison.estimate, samples.estimate(key(LOW), level=level), samples.estimate(key(HIGH), level=level)),
        threshold=margin,
        regime=regimes[regime])
    if check.passed:  # the same verdict wherever the optimisers stopped: judged, and never a tie by construction
        return dataclasses.replace(comparison, applicable=True, note="", label=(
            f"{comparison.label} [optimum not reached on {int(check.threshold - check.value)} of "
            f"{int(check.threshold)} seeds; same verdict at both ends]")), []
    return dataclasses.replace(comparison, void=True, note="span set by where an optimiser stopped"), [check]


def summary(readings, samples, ordered, regimes, void):
    """The claim's summary line: accuracies and ranks per regime, SimCLR's bound, the primary readings."""
    parts = []
    for regime in ordered:
        if regime in void:
            parts.append(f"{regimes[regime]}: void")
            continue
        accs = ", ".join(f"{solvers.METHOD_LABELS[m]} {samples.estimate((regime, m, 'accuracy')).format(2)}"
                         f" (rank {np.mean(samples.get((regime, m, 'rank'))):.0f})"
                         for m in ("vicreg_small", "simclr", "barlow_twins_as_written", "barlow_twins_cca",
                                   "vicreg_large"))
        if (regime, "simclr", "accuracy_collapsed") in samples:
            n = samples.get((regime, "simclr", "collapsing"))
            accs += (f"; SimCLR short of its optimum on {len(samples.get((regime, 'simclr', 'accuracy_collapsed')))}"
                     f" of {len(n)} seeds ({min(n):.0f}-{max(n):.0f} directions still collapsing), "
                     f"{samples.estimate((regime, 'simclr', 'accuracy_collapsed')).format(2)} with them at zero")
        parts.append(f"{regimes[regime]}: {accs}")
    verdicts = "; ".join(f"{r.name}: {r.verdict}" for r in readings if r.primary)
    return "Probe accuracy (mean ± s.e.) and rank. " + ". ".join(parts) + f". Readings: {verdicts}."


__all__ = ["compare_methods", "summary", "measure_seed", "record_optima", "OPTIMUM", "COLLAPSING", "LOW", "HIGH", "components", "regime_name", "fit", "METHODS"]

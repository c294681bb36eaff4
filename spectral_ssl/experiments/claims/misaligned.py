r"""Claim: with a relation misaligned with the labels, prefer VICReg with a small invariance weight.

The mechanism the paper gives: SimCLR and Barlow Twins confine the
representation to the relation's component structure, whose rank is bounded by
the relation, while VICReg with a small invariance weight keeps all :math:`K`
directions of the data it is given, so label information a linear probe can read
survives. The experiment is built so that this mechanism can show:

* **relations whose components do not span the labels** (design check
  :func:`~spectral_ssl.experiments.claims.design.check_misaligned`): the label
  graph of a random split of the training samples into ``k`` groups (no label
  information in the components) or of the classes merged in pairs (the
  relation cannot tell the two classes of a pair apart), with fewer invariant
  directions (components - 1) than :math:`K`;
* **invariance weights relative to the relation's spectrum**: "small" keeps all
  :math:`K` directions (:math:`\gamma/\alpha = 0.1/\mu_K`), "large" keeps only the
  relation's invariant directions (:math:`\gamma/\alpha` half-way between
  :math:`\mu_{c-1}` and :math:`\mu_c`; design check
  :func:`~spectral_ssl.experiments.claims.design.check_invariance_drops`);
* :math:`K` **swept up to** :math:`D` (the rank of the centred training features),
  every :math:`(relation, K)` a separate regime with its own verdict (never averaged);
* **only** :math:`K` **the relation determines** (design check
  :func:`~spectral_ssl.experiments.claims.design.check_span_determined`): on a sparse
  random relation the spectrum beyond the invariant directions is a bulk whose
  spacings (~1 % of :math:`\mu`) are far below how much a redraw of the edges moves it,
  so which :math:`K < D` directions are "the smoothest" is decided by the draw; every
  method keeping :math:`K` of them then reads a random part of the data, the theory
  predicts no order, and such a regime (the default :math:`K = D/2`) is void;
* **Barlow Twins both as written and whitened (CCA)**; ranks next to accuracies.

Accuracies: the basis-invariant linear probe
(:func:`~spectral_ssl.experiments.probe.linear_probe`) trained on the training
samples' representation and tested on held-out samples (``transform``). At
:math:`K = D` every full-rank method keeps the whole span of the data, so two of
them tie by construction: such comparisons are ``not applicable`` (:mod:`.pairs`).

**The verdict must not depend on where an optimiser stopped**
(:func:`~spectral_ssl.experiments.claims.design.check_optimum_reached`). The probe sees
only the span, so an optimum left short of stationarity with directions still
shrinking is scored by which of them passed the probe's cutoff. Linear SimCLR at
:math:`K = D` on these relations is such a case on every seed
(:data:`~spectral_ssl.experiments.claims.solvers.SPAN_RESOLUTION` has the pilot's
numbers): its difference from VICReg-small was 0 when no direction crossed the
cutoff and 0.01-0.08 when one did, which made the verdicts flip at the one-point
margin. A comparison with such a seed is judged at both ends of the range the
stopping points leave open (each such method as fitted, and with its still-collapsing
directions at zero, :func:`~spectral_ssl.experiments.claims.solvers.drop_collapsing`):
it keeps its verdict if that verdict is decisive and the same as fitted and at both
ends, else it is void (and gets no further seeds). Rejected alternatives, measured: more random starts reach no stationary
point; more seeds estimate how often the optimiser stops past the cutoff; a sign test
(threshold 0) would call that frequency "supported".

**Readings.** In every regime that passes the design checks, over ``n_seeds``
seeds (new split, relation and SimCLR starts each), the paired accuracy
differences with their Student-t intervals (95 % in a quick run, 95 % split over the
looks of the added seeds otherwise: :func:`~spectral_ssl.experiments.claims.pairs.sequential_level`),
"preferred" meaning better by
more than ``preference_margin`` (one point of accuracy):

* arXiv v1-v3, with Barlow Twins as written: VICReg-small - SimCLR and
  VICReg-small - Barlow Twins above the margin;
* NeurIPS proceedings, with Barlow Twins whitened (CCA): each of VICReg-small
  and Barlow Twins minus each of SimCLR and VICReg-large above the margin.

These pairings follow the two versions (arXiv ranks Barlow Twins with SimCLR, as
its collapsed loss-as-written optimum behaves; the camera-ready text with
VICReg-small, as CCA behaves); the other two pairings are secondary readings. A
reading's verdict is the conjunction over its comparisons and regimes.
"""

import time

import numpy as np

from ..._threads import single_threaded_blas
from ..._validation import check_scalar
from . import design, solvers, statements
from . import pairs as paired
from . import relations as rel
from ._misaligned_seed import METHODS, compare_methods, measure_seed, record_optima
from ._misaligned_seed import summary as summary_line
from .result import ClaimResult, Reading, Table
from .sampling import check_count, check_labelled, smallest_class
from .stats import PREFERENCE_MARGIN, Samples, seed_generators

STATEMENT = ("With a relation whose components do not span the labels, VICReg with a small invariance "
             "weight keeps K directions of the data and so beats the methods that collapse onto the "
             "relation (arXiv: over SimCLR and Barlow Twins; camera-ready: Barlow Twins or VICReg with a "
             "small invariance weight should be preferred).")


def misaligned_graph(X, y, *, relations=("sparse_random_split:4", "merged_pairs"),
                     n_components=(0.5, None),
                     n_train=256, n_test_per_class=None, n_seeds=5, max_seeds=None, temperature=0.5, random_starts=1,
                     preference_margin=PREFERENCE_MARGIN, random_state=0, quick=False):
    r"""Claim 3: which method keeps label information when the relation ignores the labels.

    Parameters
    ----------
    X : array_like, shape (N, D)
    y : array_like, shape (N,)
    relations : sequence of str
        ``"random_split:<k>"`` (the label graph of a random balanced split of the
        training samples into ``k`` groups), ``"merged_pairs"`` (classes merged two
        by two; needs at least 3 classes, left out otherwise), and either with the
        prefix ``"sparse_"`` (the same groups as sparse random graphs,
        :func:`~spectral_ssl.experiments.claims.relations.misaligned_relation`).
        Cliques make VICReg's optimum for :math:`c - 1 < K < D` non-unique (void regimes).
    n_components : int, float, None or a sequence of them
        The :math:`K` values: an int is :math:`K` itself (capped at :math:`D`), a
        float in :math:`(0, 1]` a fraction of :math:`D`, ``None`` :math:`D`, the rank
        of the centred training features. Default :math:`D/2` and :math:`D` (where
        two full-rank methods tie by construction: not applicable).
    n_train : int
        Training samples (balanced over the classes; the paper's :math:`N = 256`),
        at most half of the smallest class.
    n_test_per_class : int, optional
        Default: every remaining sample of the smallest class, at most 200.
    n_seeds : int >= 2
        Seeds every comparison gets.
    max_seeds : int >= n_seeds, optional
        A comparison whose interval still contains the margin after ``n_seeds``
        seeds gets further seeds (new split and relation; only its two methods
        refitted) until it decides or ``max_seeds`` is reached; only then is it
        inconclusive (:func:`~spectral_ssl.experiments.claims.pairs.measure_until_decided`).
        Default 20, and ``n_seeds`` in a quick run.
    temperature : float
        SimCLR's :math:`\tau`.
    random_starts : int >= 0
        SimCLR's random starts added to its informed start.
    preference_margin : float >= 0
        "A preferred over B": A's accuracy exceeds B's by more than this (one point).
    random_state : None, int or numpy Generator
    quick : bool
        Marks the result "quick, indicative".

    Returns
    -------
    ClaimResult
        ``tables["accuracy"]``: one row per (relation, K, method) with the probe
        accuracy (mean ± s.e.), the rank of the training representation and, for
        the numerical optima, the fraction of seeds that converged.
    """
    started = time.perf_counter()
    X, y, C = check_labelled(X, y)
    n_seeds = check_count(n_seeds, "n_seeds", 2)
    max_seeds = paired.resolve_max_seeds(max_seeds, n_seeds, quick)
    level = paired.sequential_level(n_seeds, max_seeds)
    random_starts = check_count(random_starts, "random_starts", 0)
    margin = check_scalar(preference_margin, name="preference_margin", low=0.0)
    kinds = [k for k in relations if not (rel.needs_three_classes(k) and C < 3)]
    if not kinds:
        raise ValueError(f"no relation left: merged_pairs needs at least 3 classes (got {C}); add "
                         f"'random_split:<k>'.")
    smallest = smallest_class(y)
    # the paper's N training samples when the data hold them with a test set, else half of each class
    n_train_per_class = min(check_count(n_train, "n_train", 2 * C) // C, max(2, smallest // 2))
    if n_test_per_class is None:
        n_test_per_class = min(200, smallest - n_train_per_class)
    n_test_per_class = check_count(n_test_per_class, "n_test_per_class", 1)
    if n_train_per_class + n_test_per_class > smallest:
        raise ValueError(f"the smallest class has {smallest} samples: not enough for {n_train_per_class} "
                         f"training and {n_test_per_class} test samples per class; lower n_test_per_class.")
    seeds = seed_generators(random_state, max_seeds)

    samples, checks, regimes, D_seen = Samples(), {}, {}, []
    setup = (X, y, kinds, n_components, n_train_per_class, n_test_per_class, temperature, random_starts)
    with single_threaded_blas():
        for g in seeds[:n_seeds]:
            D_seen.append(measure_seed(samples, checks, regimes, setup, g, None, ALL_PAIRS))
        # comparisons still straddling the margin get further seeds (only their two methods refitted)
        items = {(regime, a, b) for regime in regimes for _, _, pairs, _ in _READINGS for a, b in pairs
                 if paired.pair_key(regime, a, b, "better") in samples}
        undecided = lambda pending: paired.still_inconclusive(  # noqa: E731
            pending, lambda item: compare_methods(samples, regimes, *item, margin, level)[0])
        extra = paired.measure_until_decided(
            seeds[n_seeds:], 0, items, lambda g, pending: measure_seed(samples, checks, regimes, setup, g, pending, ALL_PAIRS),
            undecided)
    seeds_used = n_seeds + extra

    design_checks = [design.merge_seeds(found) for found in checks.values()]
    void = {regime for (regime, _), found in checks.items() if not all(c.passed for c in found)}
    ordered = list(regimes)  # first seen: relation by relation, K ascending
    table_rows, data = [], {"regimes": [], "methods": [solvers.METHOD_LABELS[m] for m in METHODS]}
    for regime in ordered:
        entry = {"name": regimes[regime], "void": regime in void, "accuracy": {}, "rank": {}}
        for method in METHODS:
            key = (regime, method, "accuracy")
            if key not in samples:
                continue
            acc = samples.estimate(key)
            ranks = samples.get((regime, method, "rank"))
            conv = samples.get((regime, method, "converged"))
            table_rows.append({"regime": regimes[regime], "method": solvers.METHOD_LABELS[method],
                               "accuracy": acc, "rank": float(np.mean(ranks)),
                               "rank_range": f"{int(min(ranks))}-{int(max(ranks))}",
                               "converged": f"{int(sum(conv))}/{len(conv)}"})
            entry["accuracy"][solvers.METHOD_LABELS[method]] = acc.to_dict()
            entry["rank"][solvers.METHOD_LABELS[method]] = float(np.mean(ranks))
            if (regime, method, "accuracy_collapsed") in samples:  # only seeds whose optimum was not reached
                entry.setdefault("collapsed_bound", {})[solvers.METHOD_LABELS[method]] = {
                    "accuracy": samples.estimate((regime, method, "accuracy_collapsed")).to_dict(),
                    "collapsing": samples.get((regime, method, "collapsing"))}
        data["regimes"].append(entry)

    readings, not_applicable = _readings(samples, ordered, regimes, void, margin, level)
    design_checks += not_applicable
    D = int(np.min(D_seen))
    tables = {
        "accuracy": Table(
            columns=[("regime", "relation, K"), ("method", "method"),
                     ("accuracy", f"probe accuracy (mean ± s.e., {n_seeds} seeds)"),
                     ("rank", "rank of the representation (mean)"), ("rank_range", "rank (min-max)"),
                     ("converged", "seeds converged")],
            rows=table_rows, caption="Held-out linear-probe accuracy and rank of each optimum"),
        "seeds": Table(columns=[("regime", "relation, K"), ("compared", "compared"), ("seeds", "seeds used")],
                       rows=list({(c.regime, c.label): {"regime": c.regime, "compared": c.label, "seeds": c.estimate.n}
                                  for r in readings for c in r.comparisons}.values()),
                       caption=f"Seeds of each comparison ({n_seeds}, more up to {max_seeds} while undecided)"),
        "wordings": statements.versions_table("misaligned_graph"),
    }
    summary = summary_line(readings, samples, ordered, regimes, void)
    rule = ("In each (relation, K) regime that passes the design checks, paired per-seed differences of "
            f"held-out linear-probe accuracy, {paired.level_text(n_seeds, max_seeds)}: 'A preferred over B' is supported "
            f"when the interval lies above {margin:g} (the preference margin), not supported when it lies at "
            f"or below it, inconclusive otherwise; a comparison still inconclusive after {n_seeds} seeds gets "
            f"further seeds, up to {max_seeds}, and is inconclusive only then. "
            "arXiv reading (Barlow Twins as written): VICReg-small beats SimCLR and Barlow Twins. "
            "Camera-ready reading (Barlow Twins as CCA): VICReg-small and Barlow Twins each beat SimCLR "
            "and VICReg-large. Where, on some seed, an optimum stopped short of stationarity with directions "
            f"still collapsing (between {solvers.SPAN_ROUNDOFF:g} and {solvers.SPAN_RESOLUTION:g} of its "
            "largest singular value), the comparison is also judged with those directions at zero, and is "
            "void unless the verdict is supported or not supported, the same as fitted and at both ends. A reading holds when every "
            "comparison that is not void or a tie by construction holds in every regime; the claim's "
            "verdict combines the two readings")
    settings = {"n_seeds": n_seeds, "max_seeds": max_seeds, "seeds_used": seeds_used,
                "seeds_per_comparison": {f"{c.regime}: {c.label}": c.estimate.n for r in readings
                                         for c in r.comparisons},
                "relations": list(kinds),
                "n_components": list(dict.fromkeys(r[1] for r in ordered)),
                "n_train_per_class": n_train_per_class, "n_test_per_class": n_test_per_class,
                "feature_rank": D, "temperature": float(temperature), "simclr_random_starts": random_starts,
                "preference_margin": margin}
    return ClaimResult(name="misaligned_graph", statement=STATEMENT, rule=rule, readings=readings,
                       design=design_checks, tables=tables, summary=summary, data=data, settings=settings,
                       quick=bool(quick), elapsed=time.perf_counter() - started)


#: (reading name, wording version, Barlow Twins problem, [(better, worse), ...], primary)
_READINGS = (
    (statements.ARXIV, "barlow_twins_as_written",
     [("vicreg_small", "simclr"), ("vicreg_small", "barlow_twins_as_written")], True),
    (statements.PROCEEDINGS, "barlow_twins_cca",
     [("vicreg_small", "simclr"), ("vicreg_small", "vicreg_large"), ("barlow_twins_cca", "simclr"),
      ("barlow_twins_cca", "vicreg_large")], True),
    (statements.ARXIV, "barlow_twins_cca",
     [("vicreg_small", "simclr"), ("vicreg_small", "barlow_twins_cca")], False),
    (statements.PROCEEDINGS, "barlow_twins_as_written",
     [("vicreg_small", "simclr"), ("vicreg_small", "vicreg_large"), ("barlow_twins_as_written", "simclr"),
      ("barlow_twins_as_written", "vicreg_large")], False),
)


#: Every compared pair, (better, worse).
ALL_PAIRS = tuple(dict.fromkeys(p for r in _READINGS for p in r[2]))


def _readings(samples, ordered, regimes, void, margin, level):
    """The readings, and the failed design checks of their comparisons (void or ties by construction)."""
    readings, not_applicable = [], {}
    for version, bt, pairs, primary in _READINGS:
        comparisons = []
        for regime in ordered:
            for better, worse in pairs:
                comparison, failed = (None, []) if regime in void else compare_methods(
                    samples, regimes, regime, better, worse, margin, level)
                if comparison is None:
                    continue
                comparisons.append(comparison)
                for check in failed:
                    not_applicable[(check.regime, check.message)] = check
        names = " and ".join(sorted({f"{solvers.METHOD_LABELS[p]}" for p, _ in pairs}))
        readings.append(Reading(
            name=f"{version}, with {solvers.METHOD_LABELS[bt]}", primary=primary,
            wording=statements.wording("misaligned_graph", version),
            tests=(f"{names} beat{'s' if len({p for p, _ in pairs}) == 1 else ''} "
                   + ", ".join(sorted({solvers.METHOD_LABELS[w] for _, w in pairs}))
                   + f" in every misaligned regime (paired accuracy difference > {margin:g})"
                   + _left_out(comparisons)),
            comparisons=comparisons))
    return readings, list(not_applicable.values())


def _left_out(comparisons):
    void = sorted({c.label.split(" (probe accuracy)")[0] for c in comparisons if c.void})
    return (f"; left out as void (the verdict depends on where an optimiser stopped): {', '.join(void)}"
            if void else "")


__all__ = ["misaligned_graph", "METHODS", "STATEMENT", "compare_methods", "record_optima"]

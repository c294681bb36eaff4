r"""Claim: with few samples per class, prefer a high invariance weight (camera-ready: or SimCLR).

With the label graph of :math:`n_c` samples per class, linear VICReg keeps the
:math:`C-1` class directions (generalized eigenvalue :math:`\mu \approx 0`) and,
unless :math:`\gamma/\alpha \ge 1/\mu`, within-class directions of variance
:math:`1 - (\gamma/\alpha)\mu` that carry nothing about the labels of the
training samples. "High" and "low" invariance are placed relative to the
spectrum :math:`\mu` of each training graph
(:func:`~spectral_ssl.experiments.claims.solvers.ratio_for_rank`): high keeps only
the :math:`C-1` class directions, low keeps all :math:`K` (by default :math:`K = D`,
every direction of the data: the label graph gives all within-class directions
the same :math:`\mu`, so a smaller :math:`K` would keep an arbitrary part of them).

**What a linear probe can see** (design check
:func:`~spectral_ssl.experiments.claims.design.check_probe_can_see`). When the
training samples do not outnumber the features, the class contrasts are exact
linear functions of the inputs: every training sample of a class has the same
class coordinates, and a linear probe trained on them provably gives zero weight
to every other direction. High and low invariance then give identical
predictions; such :math:`n_c` are void for the linear probe (reported, not
judged). The claim is judged at the **smallest** :math:`n_c` where the probe can
see the difference: the low-data regime that can show the effect.

**Readings** (held-out standard linear probe, basis-invariant; paired per-seed
differences with Student-t intervals, 95 % in a quick run and 95 % split over the
looks of the added seeds otherwise (:func:`~spectral_ssl.experiments.claims.pairs.sequential_level`);
"preferred" means better by more than
``preference_margin``, one point of accuracy):

* arXiv v1-v3: VICReg-high - VICReg-low above the margin;
* NeurIPS proceedings: VICReg-high - VICReg-low and SimCLR - VICReg-low above
  the margin ("SimCLR or VICReg with high invariance should be preferred");
* secondary, the same two with the 1-nearest-neighbour probe on the raw
  representation, which sees the variances :math:`t_k` a linear probe cannot.

Barlow Twins (CCA) and spectral contrastive are reported alongside.
"""

import time

import numpy as np

from ..._threads import single_threaded_blas
from ..._validation import check_scalar
from ..probe import linear_probe
from . import design, solvers, statements
from . import pairs as paired
from ._low_data_seed import draw_seed
from ._nearest import nearest_neighbour_probe
from .result import ClaimResult, Reading, Table
from .sampling import check_count, check_labelled, check_values, smallest_class
from .stats import PREFERENCE_MARGIN, Samples, seed_generators

METHODS = ("vicreg_high", "vicreg_low", "simclr", "barlow_twins_cca", "spectral_contrastive")

STATEMENT = ("With the label graph of few samples per class, VICReg keeps within-class directions "
             "unless its invariance weight is high; the paper's guideline: use a high invariance weight "
             "(camera-ready: SimCLR or VICReg with a high one) in the low-data regime.")

PROBES = {"linear": "linear probe", "nearest": "1-NN probe"}

#: The compared pairs, (better, worse).
PAIRS = (("vicreg_high", "vicreg_low"), ("simclr", "vicreg_low"))

#: Fewest test samples per class when ``samples_per_class`` is trimmed to fit small data.
MIN_TEST_PER_CLASS = 10


def _fit(method, Xtr, G, K, mu, C, temperature, random_starts, rng):
    if method == "vicreg_high":
        return solvers.solve_vicreg(Xtr, G, K, solvers.ratio_for_rank(mu, C - 1))
    if method == "vicreg_low":
        return solvers.solve_vicreg(Xtr, G, K, solvers.ratio_for_rank(mu, K))
    if method == "simclr":
        return solvers.solve_simclr(Xtr, G, K, temperature=temperature, random_starts=random_starts,
                                    random_state=rng)
    if method == "barlow_twins_cca":
        return solvers.solve_barlow_twins(Xtr, G, K, problem="cca")
    return solvers.solve_spectral_contrastive(Xtr, G, K)


def low_data_regime(X, y, *, samples_per_class=(2, 4, 8, 16, 32), n_components=None, n_test_per_class=None,
                    n_seeds=5, max_seeds=None, temperature=0.5, random_starts=1, preference_margin=PREFERENCE_MARGIN,
                    random_state=0, quick=False):
    r"""Claim 2: with few samples per class, a high invariance weight (or SimCLR) is better.

    Parameters
    ----------
    X : array_like, shape (N, D)
    y : array_like, shape (N,)
    samples_per_class : sequence of int >= 2
        The :math:`n_c` values (label-graph training samples per class). Without
        ``n_test_per_class``, values that leave fewer than 10 test samples in the
        smallest class are dropped.
    n_components : int, optional
        :math:`K`; default (``None``) the rank :math:`D` of the centred training
        features. The label graph is a union of cliques: every within-class
        direction has the same generalized eigenvalue, so for :math:`C - 1 < K < D`
        "low invariance" would keep an arbitrary part of a degenerate eigenspace
        (such :math:`n_c` are void, design check
        :func:`~spectral_ssl.experiments.claims.design.check_unique_optimum`). With
        :math:`K = D`, low invariance keeps every direction of the data and high
        invariance the :math:`C - 1` class directions (Fisher's LDA span).
    n_test_per_class : int, optional
        One held-out test set per seed; default: what the largest :math:`n_c`
        leaves of the smallest class, at most 200.
    n_seeds : int >= 2
        Seeds every comparison gets.
    max_seeds : int >= n_seeds, optional
        A comparison whose interval still contains the margin after ``n_seeds``
        seeds gets further seeds (new test and training sets; only its two
        methods refitted) until it decides or ``max_seeds`` is reached; only then is
        it inconclusive (:func:`~spectral_ssl.experiments.claims.pairs.measure_until_decided`).
        Default 20, and ``n_seeds`` in a quick run.
    temperature, random_starts :
        SimCLR's :math:`\tau` and random starts.
    preference_margin : float >= 0
        "Should be preferred" means better by more than this (one point of accuracy).
    random_state : None, int or numpy Generator
    quick : bool

    Returns
    -------
    ClaimResult
        ``tables["accuracy"]``: per :math:`n_c` and method, both probes'
        accuracies and the rank; SimCLR, Barlow Twins and spectral contrastive
        only at the judged :math:`n_c`.
    """
    started = time.perf_counter()
    X, y, C = check_labelled(X, y)
    n_seeds = check_count(n_seeds, "n_seeds", 2)
    max_seeds = paired.resolve_max_seeds(max_seeds, n_seeds, quick)
    level = paired.sequential_level(n_seeds, max_seeds)
    margin = check_scalar(preference_margin, name="preference_margin", low=0.0)
    n_cs = check_values(samples_per_class, "samples_per_class", low=2, integer=True)
    smallest = smallest_class(y)
    fitting = [n for n in n_cs if n + MIN_TEST_PER_CLASS <= smallest]
    if not fitting:
        raise ValueError(
            f"needs at least {min(n_cs) + MIN_TEST_PER_CLASS} samples in every class ({min(n_cs)} training "
            f"samples plus {MIN_TEST_PER_CLASS} test samples), but the smallest class has {smallest}")
    if n_test_per_class is None:
        n_cs = fitting  # the n_c values the data can hold with a test set
        n_test_per_class = min(200, smallest - max(n_cs))
    else:
        n_test_per_class = check_count(n_test_per_class, "n_test_per_class", 1)
    if n_test_per_class < 1 or n_test_per_class + max(n_cs) > smallest:
        raise ValueError(
            f"the smallest class has {smallest} samples: not enough for {max(n_cs)} training and "
            f"{max(n_test_per_class, 1)} test sample(s) per class; lower samples_per_class or "
            f"n_test_per_class, or give more samples per class.")
    if n_components is not None:
        n_components = check_count(n_components, "n_components", 1)

    # First pass (cheap): draw every training set and check what the linear probe can see.
    seeds = seed_generators(random_state, max_seeds)
    checks = {}
    plans = [draw_seed(X, y, g, n_cs, n_test_per_class, n_components, C, checks) for g in seeds[:n_seeds]]
    void = {n_c for (n_c, _), found in checks.items() if not all(c.passed for c in found)}
    judged = min((n for n in n_cs if n not in void), default=None)
    items = [(probe, a, b) for probe in PROBES for a, b in PAIRS] if judged is not None else []
    samples, done = Samples(), []

    def measure(g, pending):
        """The first n_seeds seeds: every n_c; further seeds: the judged n_c's undecided pairs only."""
        first = len(done) < n_seeds
        plan = plans[len(done)] if first else draw_seed(X, y, g, n_cs, n_test_per_class, n_components, C, {})
        done.append(g)
        for g_, n_c, train, test, G, mu, K, passed in plan:
            if not first and (n_c != judged or not passed):
                continue
            wanted = {item[1:] for item in pending}
            methods = (list(PAIRS[0]) if n_c != judged else list(METHODS) if first
                       else [m for m in METHODS if any(m in pair for pair in wanted)])
            _measure(samples, g_, n_c, X[train], y[train], X[test], y[test], G, mu, K, C, methods, pending,
                     temperature, random_starts, record_methods=first)

    def undecided(pending):
        return paired.still_inconclusive(pending, lambda item: _comparison(samples, judged, *item, margin, level)[0])

    with single_threaded_blas():
        seeds_used = paired.measure_until_decided(seeds, n_seeds, items, measure, undecided)

    readings, not_applicable = _readings(samples, judged, margin, level)
    rows = []
    for n_c in n_cs:
        for method in METHODS:
            if (n_c, method, "linear") not in samples:
                continue
            rows.append({"n_c": n_c, "void": n_c in void, "method": solvers.METHOD_LABELS[method],
                         "linear": samples.estimate((n_c, method, "linear")),
                         "nearest": samples.estimate((n_c, method, "nearest")),
                         "rank": float(np.mean(samples.get((n_c, method, "rank"))))})
    tables = {
        "accuracy": Table(
            columns=[("n_c", "samples per class"), ("void", "void for the linear probe"),
                     ("method", "method"), ("linear", f"linear probe (mean ± s.e., {n_seeds} seeds)"),
                     ("nearest", "1-NN probe (mean ± s.e.)"), ("rank", "rank (mean)")],
            rows=rows, caption="Held-out accuracy against the number of training samples per class"),
        "seeds": Table(columns=[("compared", "compared"), ("seeds", "seeds used")],
                       rows=[{"compared": c.label, "seeds": c.estimate.n} for r in readings for c in r.comparisons],
                       caption=f"Seeds of each comparison ({n_seeds}, more up to {max_seeds} while undecided)"),
        "wordings": statements.versions_table("low_data_regime"),
    }
    data = {"n_c": n_cs, "void": sorted(void), "judged": judged, "chance": 1.0 / C,
            "curves": {probe: {solvers.METHOD_LABELS[m]: {n_c: samples.estimate((n_c, m, probe)).to_dict()
                                                         for n_c in n_cs if (n_c, m, probe) in samples}
                               for m in METHODS} for probe in PROBES}}
    design_checks = [design.merge_seeds(found) for found in checks.values()] + not_applicable
    summary = _summary(samples, n_cs, void, judged, readings)
    rule = ("at the smallest n_c whose training samples outnumber what a linear probe is blind to (design "
            f"check), paired per-seed differences of held-out accuracy, {paired.level_text(n_seeds, max_seeds)}; "
            f"'A preferred over B' supported above {margin:g} (the preference margin), not supported at or "
            f"below it, else inconclusive; a comparison still inconclusive after {n_seeds} seeds gets further "
            f"seeds, up to {max_seeds}, and is inconclusive only then. arXiv: VICReg-high beats "
            "VICReg-low; camera-ready: VICReg-high and SimCLR each beat VICReg-low. Primary readings use "
            "the standard linear probe; the 1-NN probe readings are secondary")
    settings = {"n_seeds": n_seeds, "max_seeds": max_seeds, "seeds_used": seeds_used,
                "seeds_per_comparison": {c.label: c.estimate.n for r in readings for c in r.comparisons},
                "samples_per_class": n_cs, "judged_n_c": judged,
                "n_components": "D (feature rank)" if n_components is None else n_components,
                "n_test_per_class": n_test_per_class,
                "temperature": float(temperature), "simclr_random_starts": random_starts,
                "preference_margin": margin}
    return ClaimResult(name="low_data_regime", statement=STATEMENT, rule=rule, readings=readings,
                       design=design_checks, tables=tables, summary=summary, data=data, settings=settings,
                       quick=bool(quick), elapsed=time.perf_counter() - started)


def _measure(samples, g, n_c, Xtr, ytr, Xte, yte, G, mu, K, C, methods, pending, temperature, random_starts,
             record_methods):
    """Fit ``methods`` on one seed; per-method values (first ``n_seeds`` seeds only, the accuracy table) and the
    paired values of the pending ``(probe, better, worse)`` comparisons."""
    values, seen = {probe: {} for probe in PROBES}, {}  # seen: training and test rows, for the span check
    for method in methods:
        rep = _fit(method, Xtr, G, K, mu, C, temperature, random_starts, g)
        Ztr, Zte = rep.transform(Xtr), rep.transform(Xte)
        values["linear"][method] = linear_probe(Ztr, ytr, Zte, yte)
        values["nearest"][method] = nearest_neighbour_probe(Ztr, ytr, Zte, yte)
        seen[method] = np.vstack([Ztr, Zte])
        if record_methods:
            for probe in PROBES:
                samples.add((n_c, method, probe), values[probe][method])
            samples.add((n_c, method, "rank"), solvers.rank(Ztr))
    for probe in PROBES:
        pairs = [(a, b) for p, a, b in pending if p == probe]
        paired.record_pairs(samples, (n_c, probe), values[probe], pairs, seen if probe == "linear" else None)


def _comparison(samples, judged, probe, a, b, margin, level):
    """Only the linear probe is span-only: for it, two methods with the same span (SimCLR and VICReg-low, both
    full rank at K = D) tie by construction; the 1-NN probe sees the scales."""
    if paired.pair_key((judged, probe), a, b, "better") not in samples:
        return None, None
    return paired.compare_pair(samples, (judged, probe), a, b, threshold=margin, regime=f"n_c = {judged}", level=level,
                               label=f"{solvers.METHOD_LABELS[a]} - {solvers.METHOD_LABELS[b]} ({PROBES[probe]})")


def _readings(samples, judged, margin, level):
    """The readings, and the design checks of the comparisons that are ties by construction."""
    readings, not_applicable = [], {}
    for probe, primary in (("linear", True), ("nearest", False)):
        for version, pairs in ((statements.ARXIV, [("vicreg_high", "vicreg_low")]),
                               (statements.PROCEEDINGS, [("vicreg_high", "vicreg_low"),
                                                         ("simclr", "vicreg_low")])):
            comparisons = []
            for a, b in pairs if judged is not None else ():
                comparison, check = _comparison(samples, judged, probe, a, b, margin, level)
                comparisons.append(comparison)
                if check is not None:
                    not_applicable[check.message] = check
            readings.append(Reading(
                name=f"{version}, {PROBES[probe]}", primary=primary,
                wording=statements.wording("low_data_regime", version),
                tests=(" and ".join(solvers.METHOD_LABELS[a] for a, _ in pairs)
                       + f" beat{'s' if len(pairs) == 1 else ''} VICReg with low invariance at the "
                       f"smallest n_c the {PROBES['linear']} can see ({PROBES[probe]})"),
                comparisons=comparisons,
                note="" if judged is not None else "every n_c is void: no verdict"))
    return readings, list(not_applicable.values())


def _summary(samples, n_cs, void, judged, readings):
    if judged is None:
        return (f"Every n_c in {n_cs} is void: the training samples never outnumber what a linear probe "
                f"is blind to.")
    parts = [f"n_c = {judged} (judged; void: {sorted(void) or 'none'})"]
    for probe in PROBES:
        accs = ", ".join(f"{solvers.METHOD_LABELS[m]} {samples.estimate((judged, m, probe)).format(2)}"
                         for m in ("vicreg_high", "vicreg_low", "simclr"))
        parts.append(f"{PROBES[probe]}: {accs}")
    verdicts = "; ".join(f"{r.name}: {r.verdict}" for r in readings)
    return ". ".join(parts) + f". Readings: {verdicts}."


__all__ = ["low_data_regime", "nearest_neighbour_probe", "METHODS", "STATEMENT"]

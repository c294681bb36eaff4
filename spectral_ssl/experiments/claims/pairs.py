r"""Paired comparisons of two methods, and the rule that voids a tie by construction.

Two methods compared by a span-only probe
(:func:`~spectral_ssl.experiments.probe.linear_probe`) have equal accuracies
whenever their representations span the same space on the training and test
samples: both full rank at :math:`K = D` (each keeps the whole span of the data),
or a closed form that *is* its comparator (VICReg on the label graph and LDA).
Their paired difference is then :math:`0.000 \pm 0.000` on every seed, which the
three-outcome rule would call "not supported" against a positive margin (or
"supported" against a negative one) although nothing was measured. Each claim
records, seed by seed, whether the two spans coincide (:func:`record_spans`), and
:func:`compare` marks a comparison whose spans coincide on *every* seed ``not
applicable``: reported with its design check, left out of the verdict. A
comparison whose spans coincide on some seeds only is kept (those seeds' zeros
are outcomes of the setting, not of the design) and its label says on how many.

:func:`measure_until_decided` gives further seeds to the comparisons whose
interval still contains the threshold. Looking at the interval after each seed and
stopping when it decides is a sequential test: at a fixed 95 % level its error
compounds over the looks (a true mean exactly at the threshold was called
"supported" about 10 % of the time with 5 to 20 seeds, against 2.5 % for one look).
Every interval of such a comparison therefore uses the level of
:func:`sequential_level`: the 5 % error split evenly over the largest number of looks
(Bonferroni), so that the chance of a wrong decisive verdict over all the looks is
at most 2.5 % on each side.
"""

import numpy as np

from .result import Comparison, DesignCheck
from .stats import INCONCLUSIVE, LEVEL

#: The last element of the sample key under which :func:`record_spans` stores a pair's flags.
SAME_SPAN = "same_span"


#: Relative singular value under which a direction of a representation counts as collapsed
#: (the rank rule of :func:`spectral_ssl.linalg.representation_rank`).
SPAN_RTOL = 1e-6

#: Largest principal angle (radians) under which two spans count as the same: far above the
#: round-off of an orthonormal basis (~1e-12 for well-conditioned spans), far below any angle
#: an optimiser leaves between genuinely different spans.
SPAN_ANGLE_TOL = 1e-6


def _span_basis(Z, rtol):
    Zc = np.asarray(Z, dtype=np.float64)
    Zc = Zc - Zc.mean(axis=0)  # the probe's intercept absorbs the constant direction
    U, s, _ = np.linalg.svd(Zc, full_matrices=False)
    keep = s > rtol * s[0] if s.size and s[0] > 0 else np.zeros(s.size, dtype=bool)
    return U[:, keep]


def spans_coincide(Z1, Z2, *, rtol=SPAN_RTOL, angle_tol=SPAN_ANGLE_TOL):
    r"""Whether two representations of the same samples span the same space (with the constant).

    A span-only probe (:func:`~spectral_ssl.experiments.probe.linear_probe`:
    whitened on the span, rotation-invariant classifier, intercept) trained on
    the first rows and scored on the rest predicts identically from ``Z1`` and
    ``Z2`` when :math:`\operatorname{span}[\mathbf 1, Z_1] = \operatorname{span}[\mathbf 1, Z_2]`
    over *all* those rows: each is then an affine reparametrisation of the other.

    Parameters
    ----------
    Z1, Z2 : array_like, shape (n, K1) and (n, K2)
        The representations of the same ``n`` samples (training rows and test rows stacked).
    rtol : float
        Directions with singular value at most ``rtol`` times the largest (after centring) are
        collapsed and not part of the span.
    angle_tol : float
        Radians.

    Returns
    -------
    same : bool
        Same dimension and largest principal angle at most ``angle_tol``.
    angle : float
        Largest principal angle in radians (``pi / 2`` when the dimensions differ).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(30, 3))
    >>> spans_coincide(X, X @ rng.normal(size=(3, 3)) + 5.0)[0]  # invertible map and a shift
    True
    >>> spans_coincide(X, X[:, :2])[0]  # one direction dropped
    False
    """
    from scipy.linalg import subspace_angles

    Z1, Z2 = np.asarray(Z1, dtype=np.float64), np.asarray(Z2, dtype=np.float64)
    if Z1.ndim != 2 or Z2.ndim != 2 or Z1.shape[0] != Z2.shape[0]:
        raise ValueError(f"Z1 and Z2 must be 2-D with the same number of rows, got shapes {Z1.shape} and "
                         f"{Z2.shape}.")
    B1, B2 = _span_basis(Z1, rtol), _span_basis(Z2, rtol)
    if B1.shape[1] != B2.shape[1] or B1.shape[1] == 0:
        return False, float(np.pi / 2)
    angle = float(np.max(subspace_angles(B1, B2)))
    return bool(angle <= angle_tol), angle


def check_comparable(same_by_seed, label, *, regime=""):
    """Passes unless the two compared methods span the same space on every seed.

    Parameters
    ----------
    same_by_seed : sequence of bool
        :func:`spans_coincide` of the two representations, one entry per seed.
    label : str
        The comparison, e.g. ``"VICReg, small invariance - SimCLR (probe accuracy)"``.
    regime : str

    Returns
    -------
    DesignCheck
        ``passed=False`` makes the comparison ``not applicable``: a span-only probe
        gives both methods the same accuracy on every seed, so the 0.000 ± 0.000
        difference is a tie by construction, not a measurement.
    """
    same = [bool(v) for v in same_by_seed]
    if not same:
        raise ValueError("check_comparable needs at least one seed.")
    n_same = sum(same)
    passed = n_same < len(same)
    message = f"{label}: identical spans on {n_same} of {len(same)} seeds"
    if not passed:
        message += (" (for example both full rank at K = D, or a closed form that is its comparator): a "
                    "span-only probe predicts identically from both, so the comparison is not applicable "
                    "and is left out of the verdict")
    return DesignCheck(name="compared methods can differ", passed=bool(passed), value=float(n_same),
                       threshold=float(len(same)), message=message, regime=regime)


def measure_until_decided(seeds, n_seeds, items, measure, undecided):
    """Measure every item on the first ``n_seeds`` seeds, then only the undecided ones on further seeds.

    A comparison whose interval still contains its threshold is not decided by its
    rule but by which seeds were drawn; more seeds narrow the interval until it
    decides (or the seeds run out, and it is inconclusive). Items already decided
    are not measured again, so they keep their first ``n_seeds`` values.

    Parameters
    ----------
    seeds : sequence of numpy Generator
        All the seeds that may be used, in order (:func:`seed_generators` with the largest count).
    n_seeds : int
        Seeds every item gets.
    items : iterable
        What is measured (e.g. ``(relation, method)`` pairs).
    measure : callable ``(generator, pending set) -> None``
        Measures the pending items on one seed (and stores the values itself).
    undecided : callable ``(pending set) -> iterable``
        The pending items whose comparison is still inconclusive.

    Returns
    -------
    int
        Seeds used.
    """
    pending = set(items)
    for index, g in enumerate(seeds):
        if index >= n_seeds:
            pending = set(undecided(pending))
            if not pending:
                return index
        measure(g, pending)
    return len(seeds)


def sequential_level(n_seeds, max_seeds, *, level=LEVEL):
    r"""Confidence level of every interval of a comparison that may get seeds up to ``max_seeds``.

    :func:`measure_until_decided` looks at the interval after ``n_seeds`` seeds and after
    each further one: :math:`L = \text{max\_seeds} - \text{n\_seeds} + 1` looks. With
    the error :math:`1 - \text{level}` split evenly over them (Bonferroni), each look's
    two-sided interval has level :math:`1 - (1 - \text{level})/L`, and the chance that
    *some* look excludes the true value on a given side is at most
    :math:`(1 - \text{level})/2`, however the looks depend on each other. One look (a
    quick run, ``max_seeds == n_seeds``) keeps ``level``.

    Examples
    --------
    >>> sequential_level(5, 5)
    0.95
    >>> round(sequential_level(5, 20), 6)  # 16 looks
    0.996875
    """
    from .sampling import check_count

    n_seeds = check_count(n_seeds, "n_seeds", 1)
    looks = check_count(max_seeds, "max_seeds", n_seeds) - n_seeds + 1
    return 1.0 - (1.0 - level) / looks


def level_text(n_seeds, max_seeds):
    """The interval level as a rule states it, e.g. ``"99.69% Student-t interval (95% over 16 looks, Bonferroni)"``."""
    looks = max_seeds - n_seeds + 1
    if looks == 1:
        return f"{100 * LEVEL:g}% Student-t interval"
    return (f"{100 * sequential_level(n_seeds, max_seeds):.4g}% Student-t interval ({100 * LEVEL:g}% split "
            f"over the {looks} looks at {n_seeds} to {max_seeds} seeds, Bonferroni)")


#: Default ``max_seeds`` of a full run (a quick run adds no seeds).
MAX_SEEDS = 20


def resolve_max_seeds(max_seeds, n_seeds, quick):
    """``max_seeds``, defaulting (``None``) to :data:`MAX_SEEDS` in a full run and ``n_seeds`` in a quick one."""
    from .sampling import check_count

    if max_seeds is None:
        return n_seeds if quick else max(n_seeds, MAX_SEEDS)
    return check_count(max_seeds, "max_seeds", n_seeds)


def record_spans(samples, prefix, representations, pairs):
    """Store, for each pair, whether the two representations span the same space on this seed.

    Parameters
    ----------
    samples : stats.Samples
    prefix : tuple
        Key prefix (e.g. the regime); each flag goes under ``prefix + (a, b, "same_span")``.
    representations : dict
        ``{method: array (n_train + n_test, K)}``: training and test rows stacked, the rows
        the probe sees.
    pairs : iterable of (str, str)
        Pairs whose two methods are both in ``representations`` (others are skipped).
    """
    for a, b in pairs:
        if a in representations and b in representations:
            same, _ = spans_coincide(representations[a], representations[b])
            samples.add(tuple(prefix) + (a, b, SAME_SPAN), same)


def compare(samples, key_a, key_b, *, label, threshold, regime="", span_key=None, void=False, level=LEVEL):
    """The paired per-seed difference ``key_a - key_b`` as a :class:`Comparison`, and its span check.

    Parameters
    ----------
    samples : stats.Samples
    key_a, key_b : tuple
        Sample keys of the two methods' per-seed values (same seeds, same order).
    label, threshold, regime :
        As in :class:`Comparison`.
    span_key : tuple, optional
        Key of the per-seed flags of :func:`record_spans`; ``None`` (a probe that sees
        more than the span, or no flags recorded) keeps the comparison applicable.
    void : bool
    level : float
        Of the interval (:func:`sequential_level` for a comparison that may get further seeds).

    Returns
    -------
    comparison : Comparison
    check : DesignCheck or None
        The failed :func:`check_comparable` when
        the comparison is not applicable, else ``None``.
    """
    estimate = samples.difference(key_a, key_b, level=level)
    flags = samples.get(span_key) if span_key is not None and span_key in samples else []
    check = check_comparable(flags, label, regime=regime) if flags else None
    applicable = check is None or check.passed
    n_same = int(sum(flags))
    if applicable and n_same:
        label = f"{label} [identical spans on {n_same} of {len(flags)} seeds]"
    note = "" if applicable else "identical spans on every seed: a tie by construction"
    comparison = Comparison(label=label, estimate=estimate, threshold=threshold, regime=regime, void=void,
                            applicable=applicable, note=note)
    return comparison, (None if applicable else check)


def pair_key(prefix, better, worse, side):
    """Sample key of one side (``"better"``, ``"worse"`` or :data:`SAME_SPAN`) of a compared pair.

    A comparison that gets more seeds than the others
    (:func:`measure_until_decided`) keeps its own paired values under these keys, so
    that its two methods have the same seeds even when one of them is also in a
    comparison that was decided earlier.
    """
    return tuple(prefix) + ("pair", better, worse, side)


def record_pairs(samples, prefix, values, pairs, representations=None):
    """Store this seed's value of both methods of each pair (and, given ``representations``, the span flag).

    Parameters
    ----------
    samples : stats.Samples
    prefix : tuple
    values : dict
        ``{method: value on this seed}``; pairs with a method missing are skipped.
    pairs : iterable of (str, str)
        ``(better, worse)``.
    representations : dict, optional
        ``{method: training and test rows stacked}``, as in :func:`record_spans`.
    """
    for a, b in pairs:
        if a in values and b in values:
            samples.add(pair_key(prefix, a, b, "better"), values[a])
            samples.add(pair_key(prefix, a, b, "worse"), values[b])
            if representations is not None and a in representations and b in representations:
                same, _ = spans_coincide(representations[a], representations[b])
                samples.add(pair_key(prefix, a, b, SAME_SPAN), same)


def compare_pair(samples, prefix, better, worse, **kwargs):
    """:func:`compare` of a pair stored by :func:`record_pairs` (keyword arguments as in :func:`compare`)."""
    span = pair_key(prefix, better, worse, SAME_SPAN)
    return compare(samples, pair_key(prefix, better, worse, "better"), pair_key(prefix, better, worse, "worse"),
                   span_key=span if span in samples else None, **kwargs)


def still_inconclusive(pending, comparison_of):
    """The pending items whose comparison is inconclusive (``comparison_of(item)`` returns a
    :class:`Comparison`, or ``None`` for an item not measured or not judged)."""
    undecided = set()
    for item in pending:
        comparison = comparison_of(item)
        if comparison is not None and comparison.verdict == INCONCLUSIVE:
            undecided.add(item)
    return undecided


__all__ = ["spans_coincide", "check_comparable", "record_spans", "compare", "measure_until_decided", "SAME_SPAN",
           "pair_key", "record_pairs", "resolve_max_seeds", "MAX_SEEDS", "compare_pair", "still_inconclusive",
           "sequential_level", "level_text",
           "SPAN_RTOL", "SPAN_ANGLE_TOL"]

r"""Design checks: can a setting show the effect a claim predicts?

Each check runs before (or beside) the measurement and returns a
:class:`~spectral_ssl.experiments.claims.result.DesignCheck`. A claim marks the
regimes that fail a check ``void`` (reported, not judged), and its verdict is
``void`` when no regime is left.

* :func:`class_contrast_roughness` -- how smooth the downstream class contrasts
  are on the relation: the Laplacian Rayleigh quotients of an orthonormal basis
  of the centred class indicators, relative to the expected quotient
  :math:`\operatorname{tr}L/(N-1)` of a random centred unit vector. 0 on an
  aligned relation (the classes are unions of components); about 1 where the
  relation ignores the labels; above 1 where it contradicts them.
* :func:`check_misaligned` -- some class contrast is about as rough as a random
  vector (the relation's smooth structure does not span the labels), and the
  relation has fewer invariant directions than the representation keeps.
* :func:`check_aligned` -- every class contrast is smooth.
* :func:`check_unique_optimum` -- VICReg's optimum with :math:`K` directions is
  unique (no degenerate eigenvalue straddles the :math:`K`-th).
* :func:`check_span_determined` -- the :math:`K` directions VICReg keeps are set by
  the relation, not by which of its random edges were drawn: the gap
  :math:`\mu_{K+1}-\mu_K` is wide against how far a redraw of the edges moves the
  spectrum (Davis-Kahan).
* :func:`check_reference_above_chance` -- the supervised reference beats the
  majority-class rate by more than the rule's margin (else a method at chance would
  pass "as accurate as the supervised method within the margin").
* :func:`check_invariance_drops` -- a "large" VICReg invariance weight removes
  directions, and a "small" one keeps all :math:`K` (ranks from the spectrum).
* :func:`check_probe_can_see` -- a linear probe trained on the samples the
  relation was built on can see the directions VICReg's invariance weight decides
  about (it cannot when those samples collapse onto the class directions).
* :func:`check_geodesic_fidelity` -- the kNN graph's geodesics follow the true
  intrinsic distances (no short circuit between the layers of a roll).
* :func:`check_references_separate` -- the global and local classical references
  differ enough on the relation for "global" and "local" to mean something.
* :func:`~spectral_ssl.experiments.claims.pairs.check_comparable` (in :mod:`.pairs`)
  -- two methods compared by a span-only probe can differ at all.
"""

import numpy as np
from scipy.sparse.csgraph import connected_components

from ... import linalg
from ._spectrum_checks import SPAN_MAX_SINE, check_span_determined, check_unique_optimum
from .result import DesignCheck
from .solvers import SPAN_RESOLUTION, SPAN_ROUNDOFF
from .stats import INCONCLUSIVE, decide, estimate

#: A relation is misaligned when its roughest class contrast has at least this Laplacian
#: quotient relative to a random vector (rewiring half of a label graph's edges gives ~0.6:
#: still aligned).
MISALIGNED_MIN_ROUGHNESS = 0.9

#: A relation is aligned when every class contrast has at most this relative quotient.
ALIGNED_MAX_ROUGHNESS = 0.05

#: Smallest Spearman correlation between kNN-graph geodesics and true intrinsic distances.
GEODESIC_MIN_SPEARMAN = 0.98

#: Smallest gap between the global (Isomap) and local (Laplacian Eigenmaps) references'
#: far-pair Spearman correlations.
REFERENCE_MIN_GAP = 0.1

#: Relative size under which a generalized eigenvalue counts as zero.
ZERO_RTOL = 1e-8


def class_contrast_roughness(G, labels):
    r"""Laplacian quotients of the class contrasts, relative to a random vector's.

    With :math:`U` an orthonormal basis of the centred class indicators
    (:math:`C-1` columns) and :math:`L = D_G - G`, returns the eigenvalues of
    :math:`U^\top L U` (the quotients of the smoothest to the roughest class
    contrast) divided by :math:`\operatorname{tr}(L)/(N-1)`, the expected quotient of a
    random unit vector orthogonal to :math:`\mathbf 1`.

    Returns
    -------
    ratios : ndarray, shape (C - 1,)
        Ascending.
    random_quotient : float
        :math:`\operatorname{tr}(L)/(N-1)`.

    Examples
    --------
    >>> import numpy as np
    >>> from spectral_ssl import graphs
    >>> y = np.repeat([0, 1, 2], 4)
    >>> ratios, _ = class_contrast_roughness(graphs.from_labels(y), y)
    >>> np.round(ratios, 12).tolist()  # the label graph makes every class contrast invariant
    [0.0, 0.0]
    """
    labels = np.unique(np.asarray(labels), return_inverse=True)[1]
    N = labels.size
    if G.shape[0] != N:
        raise ValueError(f"labels has {N} entries but G has {G.shape[0]} samples.")
    E = np.eye(labels.max() + 1)[labels]
    E = E - E.mean(axis=0)
    U, s, _ = np.linalg.svd(E, full_matrices=False)
    U = U[:, s > 1e-10 * s[0]]
    L = linalg.laplacian(G)
    quotients = np.linalg.eigvalsh(U.T @ (L @ U))
    random_quotient = float(L.diagonal().sum()) / (N - 1)
    return np.maximum(quotients, 0.0) / random_quotient, random_quotient


def invariant_directions(G):
    """Number of relation components minus one: the directions every collapsing method keeps."""
    return int(connected_components(G, directed=False)[0]) - 1


def check_misaligned(G, labels, n_components, *, regime="", min_roughness=MISALIGNED_MIN_ROUGHNESS):
    """Passes when the relation leaves a class contrast rough and has fewer than K invariant directions."""
    ratios, _ = class_contrast_roughness(G, labels)
    invariant = invariant_directions(G)
    rough = float(ratios.max())
    passed = rough >= min_roughness and invariant < n_components
    message = (f"class contrasts' Laplacian quotient / a random vector's: {ratios.min():.2f} (smoothest) "
               f"to {rough:.2f} (roughest; misaligned needs >= {min_roughness:g}); the relation has "
               f"{invariant} invariant direction(s) (components - 1) against K = {n_components}")
    if not passed:
        message += (": the relation still spans the labels" if rough < min_roughness else
                    ": K does not exceed the relation's invariant directions, so nothing separates "
                    "the methods that collapse onto them from those that keep K directions")
    return DesignCheck(name="relation misaligned", passed=bool(passed), value=rough,
                       threshold=min_roughness, message=message, regime=regime)


def check_aligned(G, labels, *, regime="", max_roughness=ALIGNED_MAX_ROUGHNESS):
    """Passes when every class contrast is smooth on the relation (relative quotient <= max_roughness)."""
    ratios, _ = class_contrast_roughness(G, labels)
    rough = float(ratios.max())
    passed = rough <= max_roughness
    message = (f"roughest class contrast: Laplacian quotient {rough:.3g} x a random vector's (aligned "
               f"needs <= {max_roughness:g})")
    if not passed:
        message += ": the relation does not make every class contrast invariant, it is not aligned"
    return DesignCheck(name="relation aligned", passed=bool(passed), value=rough, threshold=max_roughness,
                       message=message, regime=regime)


def check_reference_above_chance(excess_by_seed, margin, *, label="LDA", regime=""):
    r"""Passes when the supervised reference beats chance by more than the rule's margin.

    A non-inferiority rule "method accuracy > reference accuracy - ``margin``" can
    only fail for a method that learned nothing if the reference itself is above
    chance by more than ``margin``: otherwise a representation at chance passes it.
    The check uses the per-seed excess of the reference's held-out accuracy over
    the majority-class rate of the test labels, and needs the lower end of its
    Student-t interval (:func:`~spectral_ssl.experiments.claims.stats.estimate`)
    above ``margin``.

    Parameters
    ----------
    excess_by_seed : sequence of float
        Reference accuracy minus the majority-class rate of the test labels, one per seed.
    margin : float
        The rule's margin (``accuracy_margin``).
    label : str
        The reference, for the message.
    regime : str

    Returns
    -------
    DesignCheck
        ``passed=False`` makes every comparison against the reference void.

    Examples
    --------
    >>> check_reference_above_chance([0.60, 0.62, 0.61], 0.05).passed
    True
    >>> check_reference_above_chance([0.01, -0.02, 0.03], 0.05).passed
    False
    """
    excess = estimate(excess_by_seed)
    passed = excess.low > margin
    message = (f"{label} accuracy minus the majority-class rate: {excess.format()} (interval "
               f"[{excess.low:.3f}, {excess.high:.3f}], {excess.n} seeds; needs its lower end above the "
               f"margin {margin:g})")
    if not passed:
        message += (f": {label} is not clearly above chance on these data, so a method at chance would be "
                    f"'as accurate as {label} within the margin'; every comparison against it is void")
    return DesignCheck(name="supervised reference above chance", passed=bool(passed), value=excess.low,
                       threshold=float(margin), message=message, regime=regime)


def predicted_rank(mu, ratio, n_components):
    r"""VICReg's rank :math:`\#\{k \le K: \mu_k < 1/\text{ratio}\}` (variance = covariance)."""
    mu = np.asarray(mu, dtype=np.float64)[:n_components]
    return int(np.sum(1.0 - ratio * mu > 0.0))


def check_invariance_drops(mu, small, large, n_components, *, regime=""):
    """Passes when ``large`` provably drops directions and ``small`` keeps all ``K``."""
    rank_small = predicted_rank(mu, small, n_components)
    rank_large = predicted_rank(mu, large, n_components)
    passed = rank_large < n_components == rank_small
    message = (f"predicted VICReg ranks from the spectrum: small invariance {rank_small}, large "
               f"{rank_large}, of K = {n_components}")
    if not passed:
        message += (": the large weight drops nothing, so the two settings are the same representation"
                    if rank_large >= n_components else ": the small weight already drops directions")
    return DesignCheck(name="invariance weights separate", passed=bool(passed), value=float(rank_large),
                       threshold=float(n_components), message=message, regime=regime)


def check_probe_can_see(mu, n_classes, *, regime=""):
    r"""Passes unless the training samples collapse onto their class directions.

    ``mu`` are the ascending generalized eigenvalues of the linear problem on the
    label graph. When the first :math:`C-1` are zero the class contrasts are exact
    linear functions of the inputs: every training sample of a class has the same
    coordinates on them. A linear probe trained on those samples then gives zero
    weight to every other direction (its gradient there is a sum of class-mean
    differences, all zero), so its predictions cannot depend on which other
    directions the representation keeps.
    """
    mu = np.asarray(mu, dtype=np.float64)
    c = n_classes - 1
    scale = float(mu[c]) if mu.size > c else float(mu.max())
    value = float(mu[c - 1]) / scale if scale > 0 else 0.0
    passed = value > ZERO_RTOL
    message = (f"largest class-direction eigenvalue mu_{c} / mu_{c + 1} = {value:.2g}")
    if not passed:
        message += (": the training samples collapse onto their class directions (more features than "
                    "samples), so a linear probe trained on them provably ignores the other directions")
    return DesignCheck(name="linear probe can see the within-class directions", passed=bool(passed),
                       value=value, threshold=ZERO_RTOL, message=message, regime=regime)


def check_geodesic_fidelity(geodesic, intrinsic, *, regime="", min_spearman=GEODESIC_MIN_SPEARMAN):
    """Passes when the kNN geodesics rank the pairs like the true intrinsic distances."""
    from scipy.stats import spearmanr

    iu = np.triu_indices(np.asarray(geodesic).shape[0], 1)
    rho = float(spearmanr(np.asarray(geodesic)[iu], np.asarray(intrinsic)[iu])[0])
    passed = rho >= min_spearman
    message = f"Spearman(kNN geodesics, true intrinsic distances) = {rho:.4f} (needs >= {min_spearman:g})"
    if not passed:
        message += (": the kNN graph short-circuits between layers, so the relation does not encode the "
                    "manifold's distances and 'global' cannot be measured against them")
    return DesignCheck(name="kNN geodesics follow the manifold", passed=bool(passed), value=rho,
                       threshold=min_spearman, message=message, regime=regime)


def check_references_separate(global_score, local_score, *, regime="", min_gap=REFERENCE_MIN_GAP):
    """Passes when the global reference beats the local one by ``min_gap`` on far pairs."""
    gap = float(global_score - local_score)
    passed = gap >= min_gap
    message = (f"far-pair Spearman: Isomap {global_score:.3f}, Laplacian Eigenmaps {local_score:.3f} "
               f"(gap {gap:.3f}, needs >= {min_gap:g})")
    if not passed:
        message += ": on this relation the classical local and global methods agree, so nothing is measured"
    return DesignCheck(name="global and local references differ", passed=bool(passed), value=gap,
                       threshold=min_gap, message=message, regime=regime)



# The spectrum checks live in _spectrum_checks (this module's size); they are documented, pickled and
# named here, where callers find them.
for _check in (check_unique_optimum, check_span_determined):
    _check.__module__ = __name__


def check_optimum_reached(set_by_seed, label, *, collapsing=(), ends=None, threshold=None, regime=""):
    """Passes when the compared optima set their spans on every seed, or the verdict does not depend on it.

    Parameters
    ----------
    set_by_seed : sequence of bool
        :func:`~spectral_ssl.experiments.claims.solvers.span_set_by_optimum` of both compared
        methods, one entry per seed.
    label : str
        The comparison.
    collapsing : sequence of int, optional
        Still-collapsing directions per seed, for the message.
    ends : (Estimate, Estimate, Estimate), optional
        The paired difference as fitted, at the lowest and at the highest end of the range the
        stopping points leave open (per seed, each method's accuracy as fitted or with its
        still-collapsing directions at zero, whichever is lower or higher).
    threshold : float, optional
        The rule's threshold (needed with ``ends``).
    regime : str

    Returns
    -------
    DesignCheck
        ``passed=False`` makes the comparison void: on some seed a method stopped short
        of its optimum with directions still collapsing, so whether the probe sees them
        is set by where the optimiser stopped, and the verdict
        (:func:`~spectral_ssl.experiments.claims.stats.decide`) is not the same as fitted
        and at both ends of that range, or is ``inconclusive`` there (further seeds would
        only narrow the intervals of a range the optimiser sets; they are not added). Seeds are never dropped: keeping only the seeds
        whose optimum was reached would select them by the optimiser's outcome.
    """
    flags = [bool(v) for v in set_by_seed]
    if not flags:
        raise ValueError("check_optimum_reached needs at least one seed.")
    if ends is not None and threshold is None:
        raise ValueError("check_optimum_reached needs the threshold to judge the ends.")
    n_set = sum(flags)
    collapsing = [int(c) for c in collapsing]
    message = f"{label}: spans set by the optima on {n_set} of {len(flags)} seeds"
    if collapsing:
        message += f" (still-collapsing directions per seed: {min(collapsing)}-{max(collapsing)})"
    passed = n_set == len(flags)
    if not passed and ends is not None:
        verdicts = [decide(e, threshold) for e in ends]
        passed = len(set(verdicts)) == 1 and verdicts[0] != INCONCLUSIVE
        message += ("; as fitted, lowest and highest end: " + ", ".join(
            f"{e.mean:+.3f} [{e.low:.3f}, {e.high:.3f}] {v}" for e, v in zip(ends, verdicts)))
    if not passed:
        message += (f": a numerical optimum stopped short of stationarity with directions between "
                    f"{SPAN_ROUNDOFF:g} and {SPAN_RESOLUTION:g} of its largest singular value, so which of them "
                    "the probe keeps (cutoff 1e-6), and the verdict, is decided by where the optimiser "
                    "stopped, not by the optimum; the comparison is void")
    return DesignCheck(name="optimum sets the span", passed=bool(passed), value=float(n_set),
                       threshold=float(len(flags)), message=message, regime=regime)


def merge_seeds(checks):
    """One check from the same check on several seeds: passes iff every seed passes.

    The message is that of the first failing seed (or of the first seed), with the
    count of failing seeds appended.
    """
    checks = list(checks)
    if not checks:
        raise ValueError("merge_seeds needs at least one check.")
    failed = [c for c in checks if not c.passed]
    shown = failed[0] if failed else checks[0]
    count = (f"{len(failed)} of {len(checks)} seeds fail" if failed else
             f"all {len(checks)} seeds pass; first seed shown")
    return DesignCheck(name=shown.name, passed=not failed, value=shown.value, threshold=shown.threshold,
                       message=f"{shown.message} ({count})", regime=shown.regime)


__all__ = ["class_contrast_roughness", "invariant_directions", "check_misaligned", "check_aligned",
           "predicted_rank", "check_invariance_drops", "check_probe_can_see", "check_geodesic_fidelity",
           "check_references_separate", "check_reference_above_chance", "check_unique_optimum", "check_span_determined",
           "check_optimum_reached",
           "merge_seeds",
           "SPAN_MAX_SINE", "MISALIGNED_MIN_ROUGHNESS",
           "ALIGNED_MAX_ROUGHNESS",
           "GEODESIC_MIN_SPEARMAN", "REFERENCE_MIN_GAP"]

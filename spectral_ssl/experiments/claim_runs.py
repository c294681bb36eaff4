"""The paper's claims as the report runs them: one call per claim and data set, in claim order.

:func:`claim_plan` lists the calls (the settings of
:func:`spectral_ssl.experiments.claims.run_all`, through
:func:`~spectral_ssl.experiments.claims.claim_calls`); :func:`run_claims` measures them one by one
so that each gets a progress line, the manifold claim runs once, and a user's data too small for one
claim does not stop the others. Computation only: figures are drawn by
:mod:`spectral_ssl.plotting_claims`, pages by :mod:`spectral_ssl.report`.
"""

from . import claims

#: The paper's claims in the order of :mod:`spectral_ssl.experiments.claims`:
#: (function name, one-line title). The number of a claim is its position plus one.
CLAIMS = (
    ("aligned_graph", "an aligned relation recovers the supervised solution"),
    ("low_data_regime", "with few samples per class, VICReg needs a high invariance weight"),
    ("misaligned_graph", "with a misaligned relation, prefer VICReg with a small invariance weight"),
    ("local_vs_global", "contrastive methods are global, non-contrastive methods local"),
    ("rank_collapse", "the rank of each optimum follows the relation's spectrum and the "
                      "hyper-parameters"),
)

#: The claim measured on its own manifold (a swiss roll whose intrinsic distances are known),
#: once, whatever the data: the other claims need only labelled features (X, y).
MANIFOLD_CLAIM = "local_vs_global"


def claim_number(name):
    """1-based position of a claim in :data:`CLAIMS`."""
    return [claim for claim, _ in CLAIMS].index(name) + 1


def claim_settings(quick):
    """The claims' settings table of :func:`spectral_ssl.experiments.claims.run_all` (``quick`` or not)."""
    return claims.settings(bool(quick))


def claim_calls(dataset, fast, seed):
    """``{claim name: callable}`` of the claims that need only (X, y), for one data set.

    :func:`spectral_ssl.experiments.claims.claim_calls`, the settings
    :func:`~spectral_ssl.experiments.claims.run_all` uses (``quick`` for the quick
    report); the report calls the claims one by one so that each gets a progress
    line, the manifold claim runs once, and a user's data too small for one claim
    does not stop the others.
    """
    return claims.claim_calls(dataset.X, dataset.y, quick=bool(fast), random_state=seed)


def claim_plan(claim_sets, fast, seed, user_data):
    """``[(claim, data name, callable, on the user's data)]`` in :data:`CLAIMS` order."""
    calls = [(dataset.name, claim_calls(dataset, fast, seed)) for dataset in claim_sets]
    plan = []
    for name, _ in CLAIMS:
        if name == MANIFOLD_CLAIM:
            plan.append((name, "swiss roll", claims.manifold_call(quick=bool(fast), random_state=seed),
                         False))
            continue
        for dataset, functions in calls:
            plan.append((name, dataset, functions[name], user_data))
    return plan


def run_claims(plan, progress=None):
    """Measure each planned claim (see :func:`claim_plan`).

    A ``ValueError`` of a claim on a user's data (too few samples of a class,
    say) is recorded as *not run* with its message; on the built-in data it is
    a bug and propagates.

    Returns
    -------
    results : list of ClaimResult
        ``dataset`` set to the data's name.
    not_run : list of dict
        ``{"name", "dataset", "reason"}``.
    """
    results, not_run = [], []
    for name, dataset, call, on_user_data in plan:
        if progress is not None:
            progress.start(f"claim {claim_number(name)}, {name}, on {dataset}")
        try:
            result = call()
        except ValueError as error:
            if not on_user_data:
                raise
            not_run.append({"name": name, "dataset": dataset, "reason": str(error).rstrip(".")})
            if progress is not None:
                progress.finish("not run")
            continue
        result.dataset = dataset
        results.append(result)
        if progress is not None:
            progress.finish(result.verdict)
    return results, not_run




def deciding_comparisons(result):
    """The comparisons of a claim's primary readings that decide its verdict, most decisive first.

    A verdict is the conjunction of its comparisons, so the ones that are not
    ``supported`` decide it when there are any; otherwise every comparison
    supports it and the closest to its threshold (smallest margin in standard
    errors) is the weakest link. ``void`` and ``not applicable`` comparisons are
    left out of the verdict, so they decide nothing and are not returned. Returns
    ``[]`` for a claim without judged comparisons.

    Returns
    -------
    list of spectral_ssl.experiments.claims.result.Comparison
    """
    comparisons = [c for r in result.readings if r.primary for c in r.comparisons
                   if c.verdict not in (claims.stats.VOID, claims.stats.NOT_APPLICABLE)]

    def margin(c):
        se = c.estimate.se if c.estimate.se and c.estimate.se > 0 else 1.0
        return (c.estimate.mean - c.threshold) / se

    failing = [c for c in comparisons if c.verdict != "supported"]
    if failing:
        return sorted(failing, key=lambda c: ({"not supported": 0, "inconclusive": 1}.get(c.verdict, 2),
                                              margin(c)))
    return sorted(comparisons, key=margin)


__all__ = ["CLAIMS", "MANIFOLD_CLAIM", "claim_number", "claim_settings", "claim_calls", "claim_plan",
           "run_claims", "deciding_comparisons"]

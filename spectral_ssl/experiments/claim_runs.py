"""The paper's claims as the report runs them: one call per claim and data set, in claim order.

:func:`claim_plan` lists the calls (the settings of
:func:`spectral_ssl.experiments.claims.run_all`, through
:func:`~spectral_ssl.experiments.claims.claim_calls`); :func:`run_claims` measures them one by one
so that each gets a progress line, the manifold claim runs once, and a user's data too small for one
claim does not stop the others; with ``n_jobs > 1`` the calls run in that many worker
processes (scikit-learn's joblib ``Parallel``), their results and warnings handed back in
claim order. Computation only: figures are drawn by :mod:`spectral_ssl.plotting_claims`,
pages by :mod:`spectral_ssl.report`.
"""

import os
import time
import warnings

from sklearn.utils.parallel import Parallel, delayed

from .._threads import single_threaded_blas
from .._validation import check_integer
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


def available_cores():
    """The number of CPU cores this process may run on (its affinity mask where the system has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def check_jobs(n_jobs, n_calls):
    """Worker processes for ``n_calls`` claims: ``None`` or ``-1`` means every available core."""
    if n_jobs is None or (not isinstance(n_jobs, bool) and n_jobs == -1):
        n_jobs = available_cores()
    n_jobs = check_integer(n_jobs, name="n_jobs", low=1, what="-1 or None for every core")
    return max(1, min(n_jobs, n_calls))


def _timed(call, on_user_data):
    """``(result, error, seconds)`` of one planned call; a ``ValueError`` on a user's data is returned."""
    started = time.perf_counter()
    try:
        result, error = call(), None
    except ValueError as problem:
        if not on_user_data:
            raise
        result, error = None, problem
    return result, error, time.perf_counter() - started


def measure_claim(call, on_user_data):
    """Run one planned claim in a worker process: ``(result, error, warnings, seconds)``.

    The warnings the claim raises are caught (under the worker's filters) and returned as
    ``(message, category, filename, lineno)``, to be shown by the caller in claim order; a
    ``ValueError`` on a user's data is returned, not raised, so that the other claims go on;
    ``seconds``: the claim's own time in the worker (the caller's wait for it includes the
    claims before it). One BLAS thread: the workers share the cores.
    """
    os.environ["SPECTRAL_SSL_PROGRESS"] = "0"  # the caller's display is the only one
    with single_threaded_blas(), warnings.catch_warnings(record=True) as caught:
        result, error, seconds = _timed(call, on_user_data)
    return result, error, [(w.message, w.category, w.filename, w.lineno) for w in caught], seconds


def _outcomes(plan, n_jobs):
    """``(result, error, warnings, seconds)`` of each planned call, in plan order (a generator)."""
    if n_jobs == 1:
        for _, _, call, on_user_data in plan:
            # in this process: warnings are shown as they come, not collected
            result, error, seconds = _timed(call, on_user_data)
            yield result, error, [], seconds
        return
    tasks = (delayed(measure_claim)(call, on_user_data) for _, _, call, on_user_data in plan)
    yield from Parallel(n_jobs=n_jobs, return_as="generator")(tasks)


def run_claims(plan, progress=None, *, n_jobs=1):
    """Measure each planned claim (see :func:`claim_plan`).

    A ``ValueError`` of a claim on a user's data (too few samples of a class,
    say) is recorded as *not run* with its message; on the built-in data it is
    a bug and propagates.

    Parameters
    ----------
    plan : list
        :func:`claim_plan`.
    progress : display of :func:`spectral_ssl._progress.steps`, optional
        One step per claim, in plan order; a step's time is the claim's own (in its worker
        when there are workers, not the wait for its result).
    n_jobs : int or None
        Worker processes (``None`` or ``-1``: every available core; ``1``: this process).
        Each claim is computed alike either way (its seeds are its own); workers use one BLAS
        thread each, so numbers may differ from a one-process run at round-off.

    Returns
    -------
    results : list of ClaimResult
        ``dataset`` set to the data's name.
    not_run : list of dict
        ``{"name", "dataset", "reason"}``.
    """
    n_jobs = check_jobs(n_jobs, len(plan))
    results, not_run, registry = [], [], {}
    outcomes = _outcomes(plan, n_jobs)
    for name, dataset, _, _ in plan:
        if progress is not None:
            progress.start(f"claim {claim_number(name)}, {name}, on {dataset}")
        result, error, caught, seconds = next(outcomes)
        for message, category, filename, lineno in caught:
            # shown as if raised here, at the line that raised it; one registry for the run,
            # so that a warning repeated by several claims is shown once, as in one process
            warnings.warn_explicit(message, category, filename, lineno, registry=registry)
        if error is not None:
            not_run.append({"name": name, "dataset": dataset, "reason": str(error).rstrip(".")})
            if progress is not None:
                progress.finish("not run", seconds)
            continue
        result.dataset = dataset
        results.append(result)
        if progress is not None:
            progress.finish(result.verdict, seconds)
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
           "run_claims", "deciding_comparisons", "available_cores", "check_jobs", "measure_claim"]

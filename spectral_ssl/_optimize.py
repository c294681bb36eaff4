r"""The one multi-start L-BFGS helper of the package.

Every numerical optimum (the methods without a closed form, the certificates, the
experiments) is found the same way:

1. **Starts.** The caller's informed starts (a spectral initialisation, the closed form of
   a nearby problem), then ``restarts`` random starts. ``restarts`` means the same thing
   everywhere: *the number of random starts added to the informed ones* (0 = informed
   starts only).
2. **L-BFGS-B** from every start with the analytic gradient, under the stopping rules
   below, with BLAS limited to one thread (L-BFGS works on vectors and small matrices,
   where extra threads only add synchronisation).
3. **Polish.** The best point is perturbed (relative size ``POLISH_PERTURBATION``) and
   re-optimised, up to ``POLISH_ROUNDS`` times, keeping any improvement: L-BFGS-B often
   stops on a flat stretch or at a kink (its line search fails) before the optimum, and a
   restart from a nearby point, with a fresh curvature model, goes on from there.
4. **Convergence, reported truthfully.** L-BFGS-B's own ``success`` flag is False whenever
   its line search could not decrease a loss that is already at round-off, which is
   typical *at* an optimum. The result is called converged when the largest absolute
   gradient entry is at most ``GRADIENT_RTOL`` times the loss scale
   :math:`\max(1, |f|)` divided by the parameter scale :math:`\max(1, \lVert x\rVert_\infty)`
   (the gradient of :math:`f` with respect to a relative change of :math:`x`), or when
   L-BFGS-B reported success and the polish found nothing lower.
"""

from dataclasses import dataclass, field

import numpy as np
import scipy.optimize

from ._progress import counter, is_enabled
from ._threads import single_threaded_blas

#: L-BFGS-B relative decrease tolerance: stop when
#: :math:`(f_k - f_{k+1}) / \max(|f_k|, |f_{k+1}|, 1) \le` ``FTOL``.
FTOL = 1e-15

#: L-BFGS-B projected-gradient tolerance (largest absolute gradient entry).
GTOL = 1e-10

#: Correction pairs kept by L-BFGS-B (scipy's default is 10; more helps on the
#: ill-conditioned kernel problems at negligible cost).
MAXCOR = 30

#: Default iteration cap of one L-BFGS-B run (function evaluations: twice that).
MAX_ITER = 5000

#: Polishing rounds after the multi-start search, and the relative size of the
#: perturbation of the best point that starts each.
POLISH_ROUNDS = 2
POLISH_PERTURBATION = 1e-3

#: A point is stationary when its largest gradient entry is below this, relative to
#: the loss and parameter scales (see the module docstring).
GRADIENT_RTOL = 1e-6


@dataclass
class MultistartResult:
    """The outcome of :func:`multistart`.

    Attributes
    ----------
    x : ndarray
        The best point, in the shape of the starts.
    fun : float
        The loss at ``x``.
    gradient_norm : float
        Euclidean norm of the gradient at ``x``.
    converged : bool
        Whether ``x`` is stationary by the rule of the module docstring.
    start_losses : list of float
        Final loss of the run from each start, informed starts first.
    n_informed, n_random : int
        How many starts of each kind were run.
    polish_gain : float
        How much the polish lowered the best loss (>= 0).
    n_iterations : int
        L-BFGS-B iterations of the run that produced ``x``.
    start_success, start_iterations : list
        L-BFGS-B's own ``success`` flag and iteration count of the run from each start
        (the polish runs are not included).
    """

    x: np.ndarray
    fun: float
    gradient_norm: float
    converged: bool
    start_losses: list = field(default_factory=list)
    n_informed: int = 0
    n_random: int = 0
    polish_gain: float = 0.0
    n_iterations: int = 0
    start_success: list = field(default_factory=list)
    start_iterations: list = field(default_factory=list)

    def details(self):
        """The fields a representation's ``details`` carries about its numerical solve."""
        return {"optimizer_loss": float(self.fun), "converged": bool(self.converged),
                "gradient_norm": float(self.gradient_norm), "restart_losses": list(self.start_losses),
                "informed_starts": int(self.n_informed), "restarts": int(self.n_random),
                "polish_gain": float(self.polish_gain), "n_iterations": int(self.n_iterations)}


def lbfgs(objective, x0, *, max_iter=MAX_ITER, bounds=None, max_fun=None, maxcor=MAXCOR):
    """One L-BFGS-B run of ``objective(flat) -> (value, gradient)`` from ``x0`` (any shape).

    ``max_fun`` caps the function evaluations (default ``2 * max_iter``); ``maxcor`` is the
    number of correction pairs (default ``MAXCOR``). Returns scipy's ``OptimizeResult``
    with ``x`` reshaped like ``x0``, ``x`` the lowest point evaluated and ``fun``, ``jac``
    the objective there: when its line search fails, scipy's L-BFGS-B (1.17) may return a
    ``fun`` from a trial point with an ``x`` that is not that point (on a VICReg hinge 0.0523
    claimed, 0.0541 at ``x``), which misled the choice among starts.
    """
    x0 = np.asarray(x0, dtype=np.float64)
    lowest = [np.inf, None, None]

    def recorded(flat):
        value, gradient = objective(flat)
        if np.isfinite(value) and value < lowest[0]:
            lowest[:] = [float(value), np.array(flat, dtype=np.float64), np.array(gradient, dtype=np.float64)]
        return value, gradient

    with single_threaded_blas():
        result = scipy.optimize.minimize(
            recorded, x0.ravel(), jac=True, method="L-BFGS-B", bounds=bounds,
            options={"maxiter": max_iter, "maxfun": 2 * max_iter if max_fun is None else max_fun,
                     "ftol": FTOL, "gtol": GTOL, "maxcor": maxcor},
        )
    if lowest[1] is not None:
        result.fun, result.x, result.jac = lowest
    result.x = result.x.reshape(x0.shape)
    return result


def is_stationary(value, gradient, x):
    """The convergence rule of the module docstring."""
    gradient = np.asarray(gradient, dtype=np.float64)
    if not np.all(np.isfinite(gradient)) or not np.isfinite(value):
        return False
    largest = float(np.max(np.abs(gradient))) if gradient.size else 0.0
    x_scale = max(1.0, float(np.max(np.abs(x))) if np.size(x) else 1.0)
    return largest * x_scale <= GRADIENT_RTOL * max(1.0, abs(float(value)))


def multistart(objective, informed_starts, *, restarts=0, random_start=None, rng=None,
               max_iter=MAX_ITER, polish_rounds=POLISH_ROUNDS, bounds=None, max_fun=None, maxcor=MAXCOR):
    """Minimise ``objective`` from informed and random starts, then polish the best point.

    Parameters
    ----------
    objective : callable
        ``objective(flat) -> (value, gradient)`` on the flattened parameters.
    informed_starts : sequence of ndarray
        Starts chosen by the caller (all of one shape), tried first.
    restarts : int >= 0
        Random starts added to the informed ones.
    random_start : callable, optional
        ``random_start(rng) -> ndarray`` (the shape of the informed starts); needed when
        ``restarts > 0``.
    rng : numpy.random.Generator, optional
        Source of the random starts and of the polish perturbations (default: seed 0).
    max_iter : int
        Iterations of each L-BFGS-B run.
    polish_rounds : int >= 0
        Perturb-and-re-optimise rounds from the best point.
    bounds : sequence, optional
        L-BFGS-B bounds on the flattened parameters.
    max_fun : int, optional
        Function evaluations of each run (default ``2 * max_iter``).
    maxcor : int
        Correction pairs kept by L-BFGS-B (default ``MAXCOR``; a solver whose optima were
        tuned with scipy's default passes 10).

    Returns
    -------
    MultistartResult
    """
    rng = np.random.default_rng(0) if rng is None else rng
    starts = [np.asarray(start, dtype=np.float64) for start in informed_starts]
    if restarts and random_start is None:
        raise ValueError("multistart needs random_start to draw the random starts.")
    starts += [np.asarray(random_start(rng), dtype=np.float64) for _ in range(restarts)]
    if not starts:
        raise ValueError("multistart needs at least one start.")
    runs = [lbfgs(objective, start, max_iter=max_iter, bounds=bounds, max_fun=max_fun, maxcor=maxcor)
            for start in starts]
    start_losses = [float(run.fun) for run in runs]
    best = min(runs, key=lambda run: run.fun)
    first_best = float(best.fun)
    for _ in range(polish_rounds):
        size = POLISH_PERTURBATION * max(float(np.sqrt(np.mean(best.x**2))), 1e-12)
        start = best.x + size * rng.standard_normal(best.x.shape)
        if bounds is not None:
            low = np.array([b[0] if b[0] is not None else -np.inf for b in bounds])
            high = np.array([b[1] if b[1] is not None else np.inf for b in bounds])
            start = np.clip(start.ravel(), low, high).reshape(best.x.shape)
        run = lbfgs(objective, start, max_iter=max_iter, bounds=bounds, max_fun=max_fun, maxcor=maxcor)
        if run.fun < best.fun:
            improved = best.fun - run.fun
            best = run
            if improved <= 1e-14 * max(1.0, abs(float(run.fun))):
                break
        else:
            break
    value, gradient = objective(best.x.ravel())
    gradient = np.asarray(gradient, dtype=np.float64)
    polish_gain = first_best - float(value)
    converged = is_stationary(value, gradient, best.x) or (bool(best.success) and polish_gain <= 0.0)
    return MultistartResult(
        x=best.x, fun=float(value), gradient_norm=float(np.linalg.norm(gradient)),
        converged=bool(converged), start_losses=start_losses, n_informed=len(informed_starts),
        n_random=int(restarts), polish_gain=max(polish_gain, 0.0), n_iterations=int(best.nit),
        start_success=[bool(run.success) for run in runs], start_iterations=[int(run.nit) for run in runs],
    )


#: With a progress display (:func:`multistart_shown`), the running start's evaluation count and
#: loss are shown every this many evaluations of the objective (about one per L-BFGS-B iteration).
EVALUATION_BLOCK = 50


class _StartWatch:
    """Observe one :func:`multistart` for its progress display, changing nothing it computes.

    ``multistart`` draws every random start before it runs L-BFGS-B from each start in turn, and
    L-BFGS-B evaluates its start point first: an evaluation at the next start means the previous
    start has finished (one array comparison per evaluation, negligible beside the loss). The
    wrapped functions return exactly what the originals return.
    """

    def __init__(self, objective, informed_starts, random_start, shown):
        self.wrapped, self.drawn, self.shown = objective, random_start, shown
        self.starts = [np.ravel(np.asarray(start, dtype=np.float64)) for start in informed_starts]
        self.begun, self.evaluations, self.best = 0, 0, np.inf

    def random_start(self, rng):
        start = self.drawn(rng)
        self.starts.append(np.ravel(np.asarray(start, dtype=np.float64)))
        return start

    def objective(self, flat):
        if self.begun < len(self.starts) and np.array_equal(np.ravel(flat), self.starts[self.begun]):
            if self.begun:
                self.finished("last start")
            self.begun, self.evaluations = self.begun + 1, 0
        value, gradient = self.wrapped(flat)
        self.evaluations += 1
        if np.isfinite(value):
            self.best = min(self.best, float(value))
        if self.evaluations % EVALUATION_BLOCK == 0:
            self.shown.set_postfix_str(f"start {self.begun}: {self.evaluations} evaluations, "
                                       f"loss {float(value):.6g}")
        return value, gradient

    def finished(self, what):
        self.shown.set_postfix_str(f"best loss {self.best:.6g} ({what}: {self.evaluations} "
                                   f"evaluations)", refresh=False)
        self.shown.update()


def multistart_shown(objective, informed_starts, *, progress, verbose=None, restarts=0,
                     random_start=None, **options):
    """:func:`multistart` with a progress display: a step per start, the loss within each.

    The search is :func:`multistart`'s, unchanged (same starts, same runs, same result): the
    objective and the random starts are only observed.

    Parameters
    ----------
    objective, informed_starts, restarts, random_start, **options
        As for :func:`multistart`.
    progress : str
        The search's name in the display ("Barlow Twins (non-parametric, 569 samples)").
    verbose : bool, int or None
        Whether the display is shown (:func:`spectral_ssl._progress.is_enabled`; None: the
        package's policy, or the enclosing :func:`spectral_ssl._progress.verbosity`). Each
        finished start is one step with the best loss so far; every ``EVALUATION_BLOCK``
        evaluations the running start's count and loss are shown (on tqdm's bar, or as a plain
        line with ``verbose >= 2``).

    Returns
    -------
    MultistartResult
    """
    if not is_enabled(verbose):
        return multistart(objective, informed_starts, restarts=restarts, random_start=random_start,
                          **options)
    shown = counter(desc=f"{progress}: L-BFGS-B starts", total=len(informed_starts) + restarts,
                    verbose=verbose)
    watch = _StartWatch(objective, informed_starts, random_start, shown)
    try:
        result = multistart(watch.objective, informed_starts, restarts=restarts,
                            random_start=None if random_start is None else watch.random_start,
                            **options)
        if watch.begun:
            watch.finished("last start and polish")
    finally:
        shown.close()
    return result

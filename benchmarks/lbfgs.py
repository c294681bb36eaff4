"""Suite (c): closed form against direct minimisation of the same exact loss (L-BFGS and Adam).

VICReg (square variance, ``variance = covariance = 25``, ``invariance = 1``) on a
10-NN graph of a swiss roll. Each peer starts from a random point and stops as
soon as the loss is within ``REL_GAP`` = 1e-6 (relative) of the closed form's
loss, or when its time cap has passed. Both use the analytic gradient of
``methods.vicreg.loss_and_gradient`` (the loss ``losses.vicreg`` computes, with
no validation on each call):

* L-BFGS: ``scipy.optimize.minimize``, method L-BFGS-B, 20 stored pairs (SciPy's
  default is 10), no other stopping rule.
* Adam: ``torch.optim.Adam`` (when torch is installed) on the same float64
  parameters, the gradient copied in at each step (full batch), the learning
  rate halved when the loss has not improved for 25 steps
  (``ReduceLROnPlateau``); initial learning rates ``ADAM_LRS``, each run on its
  own, and the fastest one that reaches the target is reported (the others'
  times are in ``results.json``).

The closed form is what a user calls (validation, eigensolver, loss
recomputation): ``vicreg.optimal_representation`` / ``optimal_linear`` with
their defaults (eigen-residuals below 1e-10 of the Laplacian's scale; best of 3).
A peer that does not reach the target within its cap gives a lower bound on
the ratio.

Non-parametric regime: variables ``Z`` (N x K). Linear regime: ``W`` (D x K) and
``b`` (K), features = the roll's 3 coordinates plus 7 noise features. Everything
in this process runs with one BLAS thread (``threadpoolctl``), peers and closed
form alike.
"""

import time

import numpy as np
import scipy.optimize

from ._util import best_of

HYPER = {"variance": 25.0, "covariance": 25.0, "invariance": 1.0}
REL_GAP = 1e-6
ADAM_LRS = (1e-1, 1e-2, 1e-3)


class _Stop(Exception):
    pass


def _problem(n, seed):
    from sklearn.datasets import make_swiss_roll

    from spectral_ssl import graphs

    roll, _ = make_swiss_roll(n, noise=0.05, random_state=seed)
    rng = np.random.default_rng(seed)
    X = np.hstack([roll, rng.standard_normal((n, 7))])
    return X, graphs.knn(roll, 10)


class _Tracker:
    """Counts evaluations, keeps the best loss, stops at the target or the time cap."""

    def __init__(self, objective, target, time_cap):
        self.objective, self.target, self.time_cap = objective, target, time_cap
        self.evals, self.best = 0, np.inf
        self.start = time.perf_counter()

    def __call__(self, x):
        value, grad = self.objective(x)
        self.evals += 1
        self.best = min(self.best, value)
        if value <= self.target or time.perf_counter() - self.start > self.time_cap:
            raise _Stop
        return value, grad

    def elapsed(self):
        return time.perf_counter() - self.start


def _lbfgs(objective, x0, target, time_cap):
    tracker = _Tracker(objective, target, time_cap)
    try:
        scipy.optimize.minimize(tracker, x0, jac=True, method="L-BFGS-B",
                                options={"maxiter": 10**7, "maxfun": 10**7, "ftol": 0.0,
                                         "gtol": 0.0, "maxcor": 20})
    except _Stop:
        pass
    return tracker.elapsed(), tracker


def _adam(objective, x0, target, time_cap, lr):
    import torch

    torch.set_num_threads(1)
    param = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([param], lr=lr)
    schedule = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=25)
    tracker = _Tracker(objective, target, time_cap)
    try:
        while True:
            value, grad = tracker(param.detach().numpy())
            param.grad = torch.from_numpy(grad)
            optimizer.step()
            schedule.step(value)
    except _Stop:
        pass
    return tracker.elapsed(), tracker


def _have_torch():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def compare(n, n_components, regime, time_cap=120.0, adam_cap=None, seed=0):
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        return _compare(n, n_components, regime, time_cap, time_cap if adam_cap is None else adam_cap,
                        seed)


def _compare(n, n_components, regime, time_cap, adam_cap, seed):
    from spectral_ssl.methods import vicreg

    X, G = _problem(n, seed)
    K = n_components
    rng = np.random.default_rng(seed + 1)
    out = {"n": n, "k": K, "regime": regime, "time_cap_s": time_cap, "adam_cap_s": adam_cap}
    if regime == "nonparametric":
        t_closed, rep = best_of(lambda: vicreg.optimal_representation(G, K, **HYPER))
        hyper = rep.hyperparameters

        def objective(z):
            value, grad = vicreg.loss_and_gradient(z.reshape(n, K), G, **hyper)
            return value, grad.ravel()

        x0 = rng.standard_normal(n * K)
    else:
        t_closed, rep = best_of(lambda: vicreg.optimal_linear(X, G, K, **HYPER))
        hyper = rep.hyperparameters
        D = X.shape[1]

        def objective(p):
            W, b = p[: D * K].reshape(D, K), p[D * K:]
            value, grad = vicreg.loss_and_gradient(X @ W + b, G, **hyper)
            return value, np.concatenate([(X.T @ grad).ravel(), grad.sum(axis=0)])

        x0 = rng.standard_normal(D * K + K) / np.sqrt(D)
    target = rep.loss + REL_GAP * abs(rep.loss)
    t_lbfgs, state = _lbfgs(objective, x0, target, time_cap)
    out.update({
        "closed_form_s": t_closed, "lbfgs_s": t_lbfgs, "ratio": t_lbfgs / t_closed,
        "reached": bool(state.best <= target), "evaluations": state.evals,
        "closed_form_loss": rep.loss, "lbfgs_best_loss": float(state.best),
        "final_rel_gap": float((state.best - rep.loss) / abs(rep.loss)),
    })
    if _have_torch():
        runs = []
        for lr in ADAM_LRS:
            t_adam, adam = _adam(objective, x0, target, adam_cap, lr)
            runs.append({"lr": lr, "time_s": t_adam, "reached": bool(adam.best <= target),
                         "steps": adam.evals,
                         "final_rel_gap": float((adam.best - rep.loss) / abs(rep.loss))})
        out["adam_runs"] = runs
        reached = [r for r in runs if r["reached"]]
        best = min(reached, key=lambda r: r["time_s"]) if reached else min(
            runs, key=lambda r: r["final_rel_gap"])
        out.update({"adam_s": best["time_s"], "adam_lr": best["lr"], "adam_reached": best["reached"],
                    "adam_steps": best["steps"], "adam_final_rel_gap": best["final_rel_gap"],
                    "adam_ratio": best["time_s"] / t_closed})
    return out

"""Suite (c): closed form against direct L-BFGS minimisation of the same exact loss.

VICReg (square variance, ``variance = covariance = 25``, ``invariance = 1``) on a
10-NN graph of a swiss roll. L-BFGS (``scipy.optimize.minimize``, method
L-BFGS-B, analytic gradient from ``methods.vicreg.loss_and_gradient``) starts
from a random point and stops as soon as the loss is within ``REL_GAP`` = 1e-6
(relative) of the closed form's loss, or when ``time_cap`` seconds have passed.

Non-parametric regime: variables ``Z`` (N x K). Linear regime: ``W`` (D x K) and
``b`` (K), features = the roll's 3 coordinates plus 7 noise features.
"""

import time

import numpy as np
import scipy.optimize

HYPER = {"variance": 25.0, "covariance": 25.0, "invariance": 1.0}
REL_GAP = 1e-6


class _Stop(Exception):
    pass


def _problem(n, seed):
    from sklearn.datasets import make_swiss_roll

    from spectral_ssl import graphs

    roll, _ = make_swiss_roll(n, noise=0.05, random_state=seed)
    rng = np.random.default_rng(seed)
    X = np.hstack([roll, rng.standard_normal((n, 7))])
    return X, graphs.knn(roll, 10)


def _best_of(fn, repeats=3):
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def _minimise(objective, x0, target, time_cap):
    state = {"evals": 0, "best": np.inf}
    start = time.perf_counter()

    def fun(x):
        value, grad = objective(x)
        state["evals"] += 1
        state["best"] = min(state["best"], value)
        if value <= target:
            raise _Stop
        if time.perf_counter() - start > time_cap:
            raise _Stop
        return value, grad

    try:
        scipy.optimize.minimize(fun, x0, jac=True, method="L-BFGS-B",
                                options={"maxiter": 10**7, "maxfun": 10**7, "ftol": 0.0,
                                         "gtol": 0.0, "maxcor": 20})
    except _Stop:
        pass
    return time.perf_counter() - start, state


def compare(n, n_components, regime, time_cap=120.0, seed=0):
    from spectral_ssl.methods import vicreg

    X, G = _problem(n, seed)
    K = n_components
    rng = np.random.default_rng(seed + 1)
    if regime == "nonparametric":
        t_closed, rep = _best_of(lambda: vicreg.optimal_representation(G, K, **HYPER))
        hyper = rep.hyperparameters

        def objective(z):
            value, grad = vicreg.loss_and_gradient(z.reshape(n, K), G, **hyper)
            return value, grad.ravel()

        x0 = rng.standard_normal(n * K)
    else:
        t_closed, rep = _best_of(lambda: vicreg.optimal_linear(X, G, K, **HYPER))
        hyper = rep.hyperparameters
        D = X.shape[1]

        def objective(p):
            W, b = p[: D * K].reshape(D, K), p[D * K:]
            value, grad = vicreg.loss_and_gradient(X @ W + b, G, **hyper)
            return value, np.concatenate([(X.T @ grad).ravel(), grad.sum(axis=0)])

        x0 = rng.standard_normal(D * K + K) / np.sqrt(D)
    target = rep.loss + REL_GAP * abs(rep.loss)
    t_opt, state = _minimise(objective, x0, target, time_cap)
    reached = state["best"] <= target
    return {"n": n, "k": K, "regime": regime, "closed_form_s": t_closed, "lbfgs_s": t_opt,
            "ratio": t_opt / t_closed, "reached": bool(reached), "evaluations": state["evals"],
            "closed_form_loss": rep.loss, "lbfgs_best_loss": float(state["best"]),
            "final_rel_gap": float((state["best"] - rep.loss) / abs(rep.loss)),
            "time_cap_s": time_cap}

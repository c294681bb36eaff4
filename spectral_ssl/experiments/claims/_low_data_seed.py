"""One seed's draw of :func:`~spectral_ssl.experiments.claims.low_data.low_data_regime`: the test set, a
training set per :math:`n_c`, and the design checks of each."""

import numpy as np

from ... import graphs
from . import design, solvers
from .sampling import per_class


def draw_seed(X, y, g, n_cs, n_test_per_class, n_components, C, checks):
    """One seed's test set and training sets, ``[(g, n_c, train, test, G, mu, K, passed)]``; adds the design
    checks to ``checks`` (``passed``: every check of that n_c passed on this seed)."""
    test = per_class(y, np.arange(y.size), n_test_per_class, g, name="n_test_per_class")
    pool = np.setdiff1d(np.arange(y.size), test)
    plan = []
    for n_c in n_cs:
        train = per_class(y, pool, n_c, g, name="samples_per_class")
        G = graphs.from_labels(y[train])
        mu = solvers.linear_spectrum(X[train], G)
        K = mu.size if n_components is None else min(n_components, mu.size)
        regime = f"n_c = {n_c}"
        found = [design.check_probe_can_see(mu, C, regime=regime), design.check_unique_optimum(mu, K, regime=regime)]
        if found[-1].passed and K > C - 1:
            found.append(design.check_invariance_drops(mu, solvers.ratio_for_rank(mu, K),
                                                       solvers.ratio_for_rank(mu, C - 1), K, regime=regime))
        elif found[-1].passed:
            found.append(design.DesignCheck(
                name="invariance weights separate", passed=False, regime=regime,
                message=f"K = {K} <= C - 1 = {C - 1}: there are no within-class directions to drop"))
        for check in found:
            checks.setdefault((n_c, check.name), []).append(check)
        plan.append((g, n_c, train, test, G, mu, K, all(c.passed for c in found)))
    return plan


__all__ = ["draw_seed"]

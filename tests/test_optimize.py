"""The multi-start L-BFGS helper and the rank rule shared by every method."""

import numpy as np
import pytest

from spectral_ssl import _optimize, linalg


def _double_well(flat):
    # f(x) = (x^2 - 1)^2 + 0.3 x: a local minimum near x = +0.96, the global one near -1.04
    x = flat[0]
    return float((x * x - 1) ** 2 + 0.3 * x), np.array([4 * x * (x * x - 1) + 0.3])


def test_random_starts_find_the_global_minimum_the_informed_start_misses():
    informed = [np.array([1.0])]
    alone = _optimize.multistart(_double_well, informed, restarts=0)
    assert alone.x[0] > 0 and alone.n_random == 0 and len(alone.start_losses) == 1
    many = _optimize.multistart(_double_well, informed, restarts=6,
                                random_start=lambda rng: 2 * rng.standard_normal(1),
                                rng=np.random.default_rng(3))
    assert many.x[0] < 0 and len(many.start_losses) == 7
    # the global minimiser solves 4x(x^2 - 1) + 0.3 = 0 on the negative branch
    root = min(np.roots([4.0, 0.0, -4.0, 0.3]).real)
    assert abs(many.x[0] - root) < 1e-7 and many.converged
    assert many.fun == pytest.approx((root**2 - 1) ** 2 + 0.3 * root, abs=1e-12)


def test_convergence_is_reported_from_the_gradient_not_the_line_search_flag():
    def quadratic(flat):
        return float(0.5 * flat @ flat), flat.copy()

    res = _optimize.multistart(quadratic, [np.full(4, 3.0)])
    assert res.converged and res.gradient_norm < 1e-8 and abs(res.fun) < 1e-16

    def stopped(flat):  # a ramp: no minimum, the gradient never vanishes
        return float(flat.sum()), np.ones_like(flat)

    res = _optimize.multistart(stopped, [np.zeros(2)], max_iter=3, polish_rounds=0,
                               bounds=[(-1.0, None), (-1.0, None)])
    assert res.fun == pytest.approx(-2.0)
    assert _optimize.is_stationary(1.0, np.array([1e-9]), np.array([1.0]))
    assert not _optimize.is_stationary(1.0, np.array([1e-3]), np.array([1.0]))


def test_polish_moves_off_a_point_where_lbfgs_stopped_early():
    # a narrow curved valley: one short run stops far from the optimum (1, 1)
    def rosenbrock(flat):
        x, y = flat
        value = (1 - x) ** 2 + 100 * (y - x * x) ** 2
        grad = np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])
        return float(value), grad

    short = _optimize.multistart(rosenbrock, [np.array([-1.2, 1.0])], max_iter=20, polish_rounds=0)
    polished = _optimize.multistart(rosenbrock, [np.array([-1.2, 1.0])], max_iter=20, polish_rounds=2)
    assert polished.fun < short.fun and polished.polish_gain > 0
    assert polished.start_losses == short.start_losses


def test_multistart_refuses_missing_starts():
    with pytest.raises(ValueError, match="needs random_start"):
        _optimize.multistart(_double_well, [np.zeros(1)], restarts=2)
    with pytest.raises(ValueError, match="at least one start"):
        _optimize.multistart(_double_well, [], restarts=0)


def test_representation_rank_counts_centred_singular_values_relative_to_the_largest():
    rng = np.random.default_rng(0)
    U = np.linalg.qr(rng.standard_normal((50, 3)))[0]
    U -= U.mean(axis=0)
    Z = U * np.array([10.0, 1e-4, 1e-8]) + 7.0  # the offset is no direction
    assert linalg.representation_rank(Z) == 2
    assert linalg.representation_rank(Z, rtol=1e-3) == 1
    assert linalg.representation_rank(np.full((5, 2), 3.0)) == 0
    assert linalg.RANK_RTOL == 1e-6


def test_multistart_reports_every_run_success_and_iterations():
    result = _optimize.multistart(_double_well, [np.array([1.0]), np.array([-2.0])], restarts=2,
                                  random_start=lambda rng: rng.standard_normal(1), polish_rounds=0)
    assert len(result.start_success) == len(result.start_iterations) == len(result.start_losses) == 4
    assert all(isinstance(flag, bool) for flag in result.start_success)
    assert all(count >= 1 for count in result.start_iterations)
    assert result.fun == min(result.start_losses)


def _review_vicreg_case():
    """Review practice/finding 2: N = 15 pairs, D = 4, offset 1e4, scale 1e-2 (the 6th draw of seed 0)."""
    rng = np.random.default_rng(0)
    shapes = [(20, 5, 0.0, 1.0), (15, 4, 1e4, 1e-2), (4, 10, 0.0, 1.0), (30, 3, 0.0, 100.0)]
    for i in range(6):
        n, dim, offset, scale = shapes[i % 4]
        X_a = offset + scale * rng.standard_normal((n, dim))
        X_b = X_a + 0.3 * scale * rng.standard_normal((n, dim))
    return X_a, X_b


def test_lbfgs_returns_the_loss_at_the_point_it_returns():
    # scipy 1.17's L-BFGS-B, its line search failing at VICReg's hinge, returned fun 0.0548550 with
    # an x where the loss is 0.0548652: multistart then ranked starts by losses they did not reach
    from spectral_ssl import practice

    X_a, X_b = _review_vicreg_case()
    X = np.vstack([X_a, X_b])
    F_a, F_b = (X_a - X.mean(0)) / X.std(0), (X_b - X.mean(0)) / X.std(0)
    weights = {"lambda_param": 1.0, "mu_param": 10.0, "nu_param": 5.0}

    def objective(flat):
        W = flat.reshape(4, 2)
        value, g_a, g_b = practice.library_loss_and_gradient("vicreg", F_a @ W, F_b @ W, **weights)
        return value, (F_a.T @ g_a + F_b.T @ g_b).ravel()

    for seed in (1, 7):
        res = _optimize.lbfgs(objective, np.random.default_rng(seed).standard_normal(8) / 2, max_iter=1000)
        assert res.fun == objective(res.x.ravel())[0]
        assert np.array_equal(res.jac, objective(res.x.ravel())[1])

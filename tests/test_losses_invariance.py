"""The losses tell the truth on any input (#13.4): translation, weight scale, entry scale, temperature.

References are computed here from the pairwise definitions with dense numpy (never by the
code under test); the properties are exact relations of the losses:

* VICReg: translation-invariant; the invariance term is linear in G.
* spectral contrastive: depends on G / vol only; rotation-invariant; a polynomial
  t^2 a + t^4 b in a scale t of Z.
* SimCLR: linear in G; invariant to a positive scale of each row; tau * L -> attraction gap.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spectral_ssl import losses

SETTINGS = dict(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def problem(seed, n=14, k=3, density=0.35):
    rng = np.random.default_rng(seed)
    W = np.triu(rng.uniform(0.1, 3.0, (n, n)) * (rng.random((n, n)) < density), 1)
    W[np.arange(n - 1), np.arange(1, n)] = 1.0  # connected
    return rng.normal(size=(n, k)), W + W.T


# --------------------------------------------------------------------------- dense references


def vicreg_reference(Z, W, variance, covariance, invariance):
    n = Z.shape[0]
    Zc = Z - Z.mean(axis=0)
    C = Zc.T @ Zc / n
    pairs = sum(W[i, j] * np.sum((Z[i] - Z[j]) ** 2) for i in range(n) for j in range(n))
    terms = [(variance, lambda: np.sum((1 - np.diag(C)) ** 2)),
             (covariance, lambda: np.sum(C**2) - np.sum(np.diag(C) ** 2)), (invariance, lambda: pairs / n)]
    return sum(weight * term() for weight, term in terms if weight)


def spectral_contrastive_parts(Z, W):
    """(a, b) with L(tZ) = t^2 a + t^4 b: the pairwise sums of the definition."""
    d = W.sum(axis=1)
    vol = d.sum()
    S = Z @ Z.T
    return -2.0 * np.sum(W * S) / vol, np.sum(np.outer(d, d) * S**2) / vol**2


def simclr_reference(Z, W, tau):
    Zn = Z / np.linalg.norm(Z, axis=1)[:, None]
    S = Zn @ Zn.T / tau
    total = 0.0
    for i in range(Z.shape[0]):
        others = np.delete(np.arange(Z.shape[0]), i)
        top = np.max(S[i, others])
        lse = top + np.log(np.sum(np.exp(S[i, others] - top)))
        total += sum(W[i, j] * (lse - S[i, j]) for j in others)
    return total


def simclr_attraction(Z, W):
    """lim tau * L = sum_ij G_ij (max_{k != i} cos_ik - cos_ij), from the definition."""
    Zn = Z / np.linalg.norm(Z, axis=1)[:, None]
    S = Zn @ Zn.T
    np.fill_diagonal(S, -np.inf)
    return float(np.sum(W * (S.max(axis=1)[:, None] - np.where(np.isinf(S), 0.0, S))))


# --------------------------------------------------------------------------- VICReg


def test_vicreg_of_a_shifted_z_is_the_loss_of_z():
    # Regression: vicreg(Z + 1e10, G, 1, 1, 1) returned -14494 (tr(Z^T L Z) of the
    # uncentred Z cancelled). The stored shift Z + c minus c is exact (Sterbenz), so the
    # loss of the stored matrix is that of Zs - c, to round-off.
    Z, W = problem(0)
    for c in (1e3, 1e10, -1e15):
        Zs = Z + c
        expected = vicreg_reference(Zs - c, W, 1.0, 1.0, 1.0)
        value, grad = losses.vicreg(Zs, W, variance=1.0, covariance=1.0, invariance=1.0,
                                    return_gradient=True)
        assert value == pytest.approx(expected, rel=1e-9)
        _, grad0 = losses.vicreg(Zs - c, W, variance=1.0, covariance=1.0, invariance=1.0,
                                 return_gradient=True)
        np.testing.assert_allclose(grad, grad0, rtol=1e-9, atol=1e-9 * np.max(np.abs(grad0)))
        assert losses.invariance_term(Zs, W) == pytest.approx(
            vicreg_reference(Zs - c, W, 0.0, 0.0, 1.0), rel=1e-9)


@settings(**SETTINGS)
@given(seed=st.integers(0, 10**6), shift=st.floats(-1e12, 1e12), kind=st.sampled_from(["square", "hinge"]),
       weights=st.tuples(*[st.floats(1e-3, 1e3)] * 3))
def test_vicreg_is_translation_invariant(seed, shift, kind, weights):
    Z, W = problem(seed)
    Zs = Z + shift
    Z0 = Zs - shift  # exact: the matrix the shifted one stores
    hyper = dict(variance=weights[0], covariance=weights[1], invariance=weights[2], variance_kind=kind)
    assert losses.vicreg(Zs, W, **hyper) == pytest.approx(losses.vicreg(Z0, W, **hyper), rel=1e-9)


@settings(**SETTINGS)
@given(seed=st.integers(0, 10**6), exponent=st.floats(-300, 300))
def test_vicreg_invariance_is_linear_in_g(seed, exponent):
    Z, W = problem(seed)
    s = 10.0**exponent
    hyper = dict(variance=1.0, covariance=1.0, variance_kind="square")
    scaled = losses.vicreg(Z, W * s, invariance=1.0, **hyper)
    base_inv = vicreg_reference(Z, W, 0.0, 0.0, 1.0)
    base = vicreg_reference(Z, W, 1.0, 1.0, 0.0)
    assert np.isfinite(scaled)
    assert scaled == pytest.approx(base + s * base_inv, rel=1e-10)


@pytest.mark.parametrize("entry, weight", [(e, w) for e in (1e-150, 1e-50, 1e50, 1e75) for w in (1e-300, 1.0)]
                         + [(e, 1e300) for e in (1e-150, 1e-50, 1.0)])
def test_vicreg_finite_where_the_true_value_is(entry, weight):
    Z, W = problem(3)
    value, grad = losses.vicreg(Z * entry, W * weight, variance=1.0, covariance=1.0, invariance=1.0,
                                return_gradient=True)
    expected = (vicreg_reference(Z * entry, W, 1.0, 1.0, 0.0)
                + weight * vicreg_reference(Z * entry, W, 0.0, 0.0, 1.0))  # finite at these scales
    assert np.isfinite(expected) and value == pytest.approx(expected, rel=1e-10)
    assert np.all(np.isfinite(grad))


def test_vicreg_huge_entries_overflow_to_inf_not_nan():
    Z, W = problem(4)
    value, grad = losses.vicreg(Z * 1e150, W, variance=1.0, covariance=1.0, invariance=1.0,
                                return_gradient=True)  # the true value is ~1e600
    assert value == np.inf and not np.any(np.isnan(grad))
    assert losses.vicreg(Z * 1e150, W, variance=0.0, covariance=0.0, invariance=1.0) == pytest.approx(
        vicreg_reference(Z * 1e150, W, 0.0, 0.0, 1.0), rel=1e-10)  # 0 * inf is not NaN


# --------------------------------------------------------------------------- spectral contrastive


@settings(**SETTINGS)
@given(seed=st.integers(0, 10**6), exponent=st.floats(-310, 300))
def test_spectral_contrastive_does_not_depend_on_the_scale_of_g(seed, exponent):
    # Regression: OverflowError at G * 1e160, ZeroDivisionError at G * 1e-310.
    Z, W = problem(seed)
    a, b = spectral_contrastive_parts(Z, W)
    value, grad = losses.spectral_contrastive(Z, sp.csr_matrix(W * 10.0**exponent), return_gradient=True)
    assert value == pytest.approx(a + b, rel=1e-10)
    _, grad1 = losses.spectral_contrastive(Z, W, return_gradient=True)
    np.testing.assert_allclose(grad, grad1, rtol=1e-10, atol=1e-12)


@settings(**SETTINGS)
@given(seed=st.integers(0, 10**6), exponent=st.floats(-150, 150))
def test_spectral_contrastive_scale_of_z(seed, exponent):
    Z, W = problem(seed)
    t = 10.0**exponent
    a, b = spectral_contrastive_parts(Z, W)
    value = losses.spectral_contrastive(Z * t, W)
    expected = t**2 * a + t**4 * b if t < 1e70 else np.inf  # t^4 b overflows float64 beyond ~1e76
    assert not np.isnan(value)
    if np.isfinite(expected):
        assert value == pytest.approx(expected, rel=1e-9, abs=1e-300)
    elif t > 1e78:
        assert value == np.inf


def test_spectral_contrastive_is_rotation_invariant_not_translation_invariant():
    Z, W = problem(5)
    R = np.linalg.qr(np.random.default_rng(6).normal(size=(3, 3)))[0]
    assert losses.spectral_contrastive(Z @ R, W) == pytest.approx(losses.spectral_contrastive(Z, W), rel=1e-12)
    a, b = spectral_contrastive_parts(Z + 1.0, W)
    assert losses.spectral_contrastive(Z + 1.0, W) == pytest.approx(a + b, rel=1e-12)
    assert abs(a + b - sum(spectral_contrastive_parts(Z, W))) > 1e-3  # not invariant: z_i^T z_j changes


def test_spectral_contrastive_without_edges_is_refused():
    with pytest.raises(ValueError, match="G is empty"):
        losses.spectral_contrastive(np.ones((3, 1)), np.zeros((3, 3)))


# --------------------------------------------------------------------------- SimCLR


@settings(**SETTINGS)
@given(seed=st.integers(0, 10**6), exponent=st.floats(-300, 300))
def test_simclr_is_linear_in_g(seed, exponent):
    Z, W = problem(seed)
    s = 10.0**exponent
    expected = s * simclr_reference(Z, W, 0.5)
    value, grad = losses.simclr(Z, W * s, temperature=0.5, return_gradient=True)
    assert value == pytest.approx(expected, rel=1e-10)
    _, grad1 = losses.simclr(Z, W, temperature=0.5, return_gradient=True)
    np.testing.assert_allclose(grad, s * grad1, rtol=1e-9, atol=1e-12 * s * np.max(np.abs(grad1)))


@settings(**SETTINGS)
@given(seed=st.integers(0, 10**6), exponents=st.lists(st.floats(-150, 150), min_size=14, max_size=14))
def test_simclr_row_scales_do_not_matter(seed, exponents):
    Z, W = problem(seed)
    scaled = Z * (10.0 ** np.array(exponents))[:, None]
    assert losses.simclr(scaled, W, temperature=0.3) == pytest.approx(simclr_reference(Z, W, 0.3), rel=1e-10)


@pytest.mark.parametrize("tau", [1e-320, 1e-310, 1e-300, 1e-100, 1e-3, 1.0, 1e100, 1e300])
def test_simclr_any_temperature_gives_no_nan(tau):
    # Regression: temperature 1e-320 gave NaN (cos / tau overflowed to inf - inf).
    Z, W = problem(7)
    value, grad = losses.simclr(Z, W, temperature=tau, return_gradient=True)
    assert not np.isnan(value) and not np.any(np.isnan(grad))
    attraction = simclr_attraction(Z, W)
    assert attraction > 0
    if tau >= 1e-3:
        assert value == pytest.approx(simclr_reference(Z, W, tau), rel=1e-10)
        assert np.all(np.isfinite(grad))
    elif tau >= 1e-300:  # L = A / tau + sum_i d_i log(#ties) with A the attraction gap
        assert np.isfinite(value) and value * tau == pytest.approx(attraction, rel=1e-9)
    else:
        assert value == np.inf  # A / tau > 1.8e308: the true value overflows


def test_simclr_tiny_rows_keep_their_direction():
    Z, W = problem(8)
    assert losses.simclr(Z * 1e-200, W) == pytest.approx(simclr_reference(Z, W, 0.5), rel=1e-10)
    with pytest.raises(ValueError, match="zero norm"):
        losses.simclr(np.vstack([Z[:-1], np.zeros((1, 3))]), W)


# --------------------------------------------------------------------------- gradients at extreme inputs


def finite_difference(f, Z, h):
    g = np.zeros_like(Z)
    for idx in np.ndindex(Z.shape):
        E = np.zeros_like(Z)
        E[idx] = h
        g[idx] = (f(Z + E) - f(Z - E)) / (2 * h)
    return g


@pytest.mark.parametrize("weight", [1e-300, 1e300])
def test_gradients_match_finite_differences_at_extreme_weights(weight):
    Z, W = problem(9, n=8)
    G = sp.csr_matrix(W * weight)
    cases = {
        "vicreg": lambda M: losses.vicreg(M, G, variance=1.0, covariance=1.0, invariance=1.0 / weight),
        "spectral_contrastive": lambda M: losses.spectral_contrastive(M, G),
        "simclr": lambda M: losses.simclr(M, G, temperature=0.5) / weight,
    }
    grads = {
        "vicreg": losses.vicreg(Z, G, variance=1.0, covariance=1.0, invariance=1.0 / weight,
                                return_gradient=True)[1],
        "spectral_contrastive": losses.spectral_contrastive(Z, G, return_gradient=True)[1],
        "simclr": losses.simclr(Z, G, temperature=0.5, return_gradient=True)[1] / weight,
    }
    for name, f in cases.items():
        np.testing.assert_allclose(grads[name], finite_difference(f, Z, 1e-6), rtol=1e-6, atol=1e-6,
                                   err_msg=name)


def test_vicreg_invariance_term_has_no_cancellation_at_huge_weights():
    # Z nearly constant on each clique: tr(Z^T L Z) is tiny next to sum_i d_i |z_i|^2, and an
    # invariance weight of 1e20 multiplies it. The reference sums w_ij |z_i - z_j|^2 over pairs.
    import numpy as np
    from spectral_ssl import graphs, losses

    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(4), 5)
    G = graphs.from_groups(groups)
    Z = rng.standard_normal((4, 2))[groups] * 1e3 + 1e-7 * rng.standard_normal((20, 2))
    A = G.toarray()
    Zc = Z - Z.mean(axis=0)
    pairs = 0.5 * sum(A[i, j] * np.sum((Z[i] - Z[j]) ** 2) for i in range(20) for j in range(20))
    invariance = 1e20
    cov = Zc.T @ Zc / 20
    variance_part = np.sum((1.0 - np.diag(cov)) ** 2)  # square variance penalty, variance weight 1
    off = cov - np.diag(np.diag(cov))
    expected = variance_part + np.sum(off**2) + 2 * invariance / 20 * pairs
    value = losses.vicreg(Z, G, variance=1.0, covariance=1.0, invariance=invariance, variance_kind="square")
    assert value > 0
    assert abs(value - expected) <= 1e-9 * expected

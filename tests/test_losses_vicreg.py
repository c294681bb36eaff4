"""Tests of the VICReg part of spectral_ssl.losses against a naive implementation written here."""

import numpy as np
import pytest
import scipy.sparse as sp

from spectral_ssl import losses


# --------------------------------------------------------------------------- naive reference


def naive_covariance(Z):
    N, K = Z.shape
    mean = Z.sum(0) / N
    C = np.zeros((K, K))
    for i in range(N):
        C += np.outer(Z[i] - mean, Z[i] - mean)
    return C / N


def naive_invariance(Z, W):
    N = Z.shape[0]
    total = 0.0
    for i in range(N):
        for j in range(N):
            total += W[i, j] * np.sum((Z[i] - Z[j]) ** 2)
    return total / N


def naive_variance(Z, kind, eps=1e-4):
    C = naive_covariance(Z)
    out = 0.0
    for k in range(Z.shape[1]):
        c = C[k, k]
        out += (1 - c) ** 2 if kind == "square" else max(0.0, 1 - np.sqrt(c + eps))
    return out


def naive_covariance_penalty(Z):
    C = naive_covariance(Z)
    K = Z.shape[1]
    return sum(C[k, l] ** 2 for k in range(K) for l in range(K) if k != l)


def naive_vicreg(Z, W, variance, covariance, invariance, kind, eps=1e-4):
    return (variance * naive_variance(Z, kind, eps) + covariance * naive_covariance_penalty(Z)
            + invariance * naive_invariance(Z, W))


def weighted_graph(n, seed):
    rng = np.random.default_rng(seed)
    W = rng.uniform(0.2, 1.5, (n, n)) * (rng.random((n, n)) < 0.4)
    W = np.triu(W, 1)
    return W + W.T


def representation(n, seed, scales=(0.4, 1.7, 0.8, 2.5)):
    """Columns with variances clearly below and above 1 (hinge away from its kink)."""
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(n, len(scales))) * np.array(scales) + rng.normal(size=len(scales))
    return Z + 0.3 * Z[:, [0]]  # correlated columns: a nonzero covariance term


def central_differences(f, Z, h=1e-6):
    grad = np.zeros_like(Z)
    for idx in np.ndindex(Z.shape):
        E = np.zeros_like(Z)
        E[idx] = h
        grad[idx] = (f(Z + E) - f(Z - E)) / (2 * h)
    return grad


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize("kind", ["square", "hinge"])
@pytest.mark.parametrize("sparse", [False, True])
def test_vicreg_value_matches_naive(kind, sparse):
    N = 18
    W = weighted_graph(N, 1)
    Z = representation(N, 2)
    G = sp.csr_matrix(W) if sparse else W
    value = losses.vicreg(Z, G, variance=3.0, covariance=2.0, invariance=0.7, variance_kind=kind)
    assert isinstance(value, float)
    assert value == pytest.approx(naive_vicreg(Z, W, 3.0, 2.0, 0.7, kind), rel=1e-12)


def test_vicreg_default_weights_are_25_1_25():
    N = 12
    W = weighted_graph(N, 3)
    Z = representation(N, 4)
    assert losses.vicreg(Z, W) == pytest.approx(naive_vicreg(Z, W, 25.0, 1.0, 25.0, "square"), rel=1e-12)


def test_vicreg_hinge_eps_enters_the_square_root():
    N = 10
    W = weighted_graph(N, 5)
    Z = representation(N, 6)
    value = losses.vicreg(Z, W, variance=1.0, covariance=0.0, invariance=0.0, variance_kind="hinge", eps=0.05)
    assert value == pytest.approx(naive_variance(Z, "hinge", eps=0.05), rel=1e-12)


def test_terms_match_naive():
    N = 16
    W = weighted_graph(N, 7)
    Z = representation(N, 8)
    assert losses.invariance_term(Z, W) == pytest.approx(naive_invariance(Z, W), rel=1e-12)
    assert losses.variance_term(Z) == pytest.approx(naive_variance(Z, "square"), rel=1e-12)
    assert losses.variance_term(Z, variance_kind="hinge") == pytest.approx(naive_variance(Z, "hinge"), rel=1e-12)
    assert losses.variance_term(Z, variance_kind="hinge", eps=0.2) == pytest.approx(
        naive_variance(Z, "hinge", 0.2), rel=1e-12)
    assert losses.covariance_term(Z) == pytest.approx(naive_covariance_penalty(Z), rel=1e-12)
    # the terms weighted by hand give the full loss
    total = 3.0 * losses.variance_term(Z) + 2.0 * losses.covariance_term(Z) + 0.5 * losses.invariance_term(Z, W)
    assert losses.vicreg(Z, W, variance=3.0, covariance=2.0, invariance=0.5) == pytest.approx(total, rel=1e-12)


def test_hand_values():
    # Z = [[0], [3]], one edge of weight 2: invariance (2*9 + 2*9)/2 = 18
    Z = np.array([[0.0], [3.0]])
    W = np.array([[0, 2.0], [2.0, 0]])
    assert losses.invariance_term(Z, W) == pytest.approx(18.0, rel=1e-14)
    # variance of [0, 3] with 1/N is 2.25: square (1 - 2.25)^2, hinge 0
    assert losses.variance_term(Z) == pytest.approx(1.5625, rel=1e-14)
    assert losses.variance_term(Z, variance_kind="hinge") == 0.0
    assert losses.variance_term(np.array([[0.0], [0.0]]), variance_kind="hinge", eps=0.25) == pytest.approx(0.5)


def test_shift_invariance():
    N = 14
    W = weighted_graph(N, 9)
    Z = representation(N, 10)
    shift = np.array([5.0, -3.0, 100.0, 0.25])
    for kind in ("square", "hinge"):
        a, ga = losses.vicreg(Z, W, variance=2.0, covariance=1.5, invariance=0.8, variance_kind=kind,
                              return_gradient=True)
        b, gb = losses.vicreg(Z + shift, W, variance=2.0, covariance=1.5, invariance=0.8, variance_kind=kind,
                              return_gradient=True)
        assert b == pytest.approx(a, rel=1e-10)
        np.testing.assert_allclose(gb, ga, atol=1e-9)
        # a shift-invariant function has a gradient whose rows sum to zero
        np.testing.assert_allclose(ga.sum(0), 0.0, atol=1e-10)


# --------------------------------------------------------------------------- gradient


@pytest.mark.parametrize("kind", ["square", "hinge"])
def test_gradient_matches_finite_differences(kind):
    N = 12
    W = weighted_graph(N, 11)
    Z = representation(N, 12)
    C = naive_covariance(Z)
    assert np.min(np.abs(np.sqrt(np.diag(C) + 1e-4) - 1)) > 0.1  # far from the hinge's kink
    weights = dict(variance=2.5, covariance=1.3, invariance=0.6, variance_kind=kind)
    value, grad = losses.vicreg(Z, sp.csr_matrix(W), return_gradient=True, **weights)
    assert grad.shape == Z.shape
    assert value == pytest.approx(losses.vicreg(Z, W, **weights), rel=1e-14)
    numeric = central_differences(lambda M: naive_vicreg(M, W, 2.5, 1.3, 0.6, kind), Z)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-7 * np.max(np.abs(numeric)))


def test_gradient_with_inactive_hinge_has_no_variance_part():
    # all variances above 1: the hinge is flat, only covariance and invariance remain
    N = 10
    W = weighted_graph(N, 13)
    Z = representation(N, 14, scales=(3.0, 2.5))
    assert np.all(np.diag(naive_covariance(Z)) > 1.5)
    _, g_hinge = losses.vicreg(Z, W, variance=5.0, covariance=1.0, invariance=0.3, variance_kind="hinge",
                               return_gradient=True)
    _, g_none = losses.vicreg(Z, W, variance=0.0, covariance=1.0, invariance=0.3, return_gradient=True)
    np.testing.assert_allclose(g_hinge, g_none, atol=1e-12)


# --------------------------------------------------------------------------- bad input

G_OK = weighted_graph(6, 0)
Z_OK = representation(6, 0)

BAD_GRAPHS = [
    (np.array([[0, 1.0, 0], [0.5, 0, 1.0], [0, 1.0, 0]]), ValueError, "G is not symmetric"),
    (np.array([[0, -1.0], [-1.0, 0]]), ValueError, "G has negative weights"),
    (np.array([[0, np.nan], [np.nan, 0]]), ValueError, "G contains NaN or inf"),
    (np.array([[0, np.inf], [np.inf, 0]]), ValueError, "G contains NaN or inf"),
    (np.ones((2, 3)), ValueError, "G must be square"),
    (np.array([[0, 1j], [1j, 0]]), TypeError, "G must be a real numeric matrix"),
    (np.zeros((2, 2)), ValueError, "G is empty"),
    (np.array([[1.0, 1.0], [1.0, 0]]), ValueError, "G has a nonzero diagonal"),
]


@pytest.mark.parametrize("G, error, message", BAD_GRAPHS)
@pytest.mark.parametrize("func", [losses.vicreg, losses.invariance_term])
def test_bad_graphs_are_refused(func, G, error, message):
    with pytest.raises(error, match=message):
        func(np.ones((np.shape(G)[0], 2)), G)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: losses.vicreg(Z_OK[:5], G_OK), ValueError, "Z has 5 rows but the graph G has 6 samples"),
        (lambda: losses.invariance_term(Z_OK[:5], G_OK), ValueError, "Z has 5 rows but the graph G has 6"),
        (lambda: losses.vicreg(Z_OK[:, 0], G_OK), ValueError, "Z must be 2-D"),
        (lambda: losses.vicreg(sp.csr_matrix(Z_OK), G_OK), TypeError, "Z is a sparse matrix"),
        (lambda: losses.vicreg(np.where(Z_OK > 1, np.nan, Z_OK), G_OK), ValueError, "Z contains NaN or inf"),
        (lambda: losses.vicreg(Z_OK + 1j, G_OK), TypeError, "Z must be a real numeric array"),
        (lambda: losses.vicreg(Z_OK, G_OK, variance=-1.0), ValueError, "variance must be >= 0"),
        (lambda: losses.vicreg(Z_OK, G_OK, covariance=-1.0), ValueError, "covariance must be >= 0"),
        (lambda: losses.vicreg(Z_OK, G_OK, invariance=-0.1), ValueError, "invariance must be >= 0"),
        (lambda: losses.vicreg(Z_OK, G_OK, eps=-1e-4), ValueError, "eps must be >= 0"),
        (lambda: losses.vicreg(Z_OK, G_OK, variance=np.inf), ValueError, "variance must be finite"),
        (lambda: losses.vicreg(Z_OK, G_OK, invariance="high"), TypeError, "invariance must be a real number"),
        (lambda: losses.vicreg(Z_OK, G_OK, variance_kind="abs"), ValueError, "variance_kind must be one of"),
        (lambda: losses.variance_term(Z_OK, variance_kind="relu"), ValueError, "variance_kind must be one of"),
        (lambda: losses.variance_term(Z_OK, eps=-1.0), ValueError, "eps must be >= 0"),
        (lambda: losses.variance_term(Z_OK[:, 0]), ValueError, "Z must be 2-D"),
        (lambda: losses.variance_term(Z_OK[:1]), ValueError, "Z needs at least 2 samples"),
        (lambda: losses.covariance_term(Z_OK[:, 0]), ValueError, "Z must be 2-D"),
        (lambda: losses.covariance_term(sp.csr_matrix(Z_OK)), TypeError, "Z is a sparse matrix"),
    ],
)
def test_bad_arguments_are_refused(call, error, message):
    with pytest.raises(error, match=message):
        call()

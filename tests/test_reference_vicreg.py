"""Tests of spectral_ssl.reference.vicreg against the constants of REFERENCE_LOSSES.md.

The brute-force versions below are written from the paired-view description
(official code: inv = mean (A - B)^2, std = 0.5 * mean relu(1 - sqrt(var_u + 1e-4))
per view, cov = sum offdiag(cov_u)^2 / D per view, loss = 25 inv + 25 std + 1 cov),
using numpy's own ``np.var(ddof=1)`` and ``np.cov`` for the N - 1 statistics.
"""

import numpy as np
import pytest
import scipy.sparse as sp

from spectral_ssl import graphs, losses, reference


def views(N=32, D=5, seed=0):
    rng = np.random.default_rng(seed)
    scales = np.linspace(0.3, 1.8, D)  # some columns below unit std: the hinge is active
    A = rng.normal(size=(N, D)) * scales
    A = A + 0.4 * A[:, [0]]  # correlated columns: nonzero covariance term
    B = A + 0.2 * rng.normal(size=(N, D))
    return A, B


def brute_std_term(V, eps=1e-4):
    D = V.shape[1]
    total = 0.0
    for k in range(D):
        total += max(0.0, 1.0 - np.sqrt(np.var(V[:, k], ddof=1) + eps))
    return total / D


def brute_cov_term(V):
    C = np.cov(V, rowvar=False)  # divides by N - 1
    D = V.shape[1]
    return sum(C[k, l] ** 2 for k in range(D) for l in range(D) if k != l) / D


def brute_official(A, B, lam=25.0, mu=25.0, nu=1.0, eps=1e-4):
    inv = np.mean((A - B) ** 2)
    std = 0.5 * brute_std_term(A, eps) + 0.5 * brute_std_term(B, eps)
    cov = brute_cov_term(A) + brute_cov_term(B)
    return lam * inv + mu * std + nu * cov


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_official_matches_brute_force(seed):
    A, B = views(seed=seed)
    assert brute_std_term(A) > 0.05  # the variance term really is active
    value = reference.vicreg(A, B)
    assert isinstance(value, float)
    assert value == pytest.approx(brute_official(A, B), rel=1e-12)
    assert reference.vicreg(A, B, convention="official") == pytest.approx(value, rel=1e-15)


def test_custom_weights_and_eps_match_brute_force():
    A, B = views(N=20, D=4, seed=3)
    value = reference.vicreg(A, B, invariance=3.0, variance=7.0, covariance=0.5, eps=0.01)
    assert value == pytest.approx(brute_official(A, B, 3.0, 7.0, 0.5, 0.01), rel=1e-12)


def test_solo_minus_official_is_the_unhalved_variance():
    A, B = views(seed=4)
    v_a, v_b = brute_std_term(A), brute_std_term(B)
    solo = reference.vicreg(A, B, convention="solo")
    official = reference.vicreg(A, B, convention="official")
    assert solo - official == pytest.approx(25 * 0.5 * (v_a + v_b), rel=1e-11)
    lam, mu, nu = 25.0, 25.0, 1.0
    inv = np.mean((A - B) ** 2)
    expected = lam * inv + mu * (v_a + v_b) + nu * (brute_cov_term(A) + brute_cov_term(B))
    assert solo == pytest.approx(expected, rel=1e-12)


def test_identical_views_cost_no_invariance():
    A, _ = views(seed=5)
    value = reference.vicreg(A, A)
    expected = 25 * brute_std_term(A) + 2 * brute_cov_term(A)
    assert value == pytest.approx(expected, rel=1e-12)
    assert reference.vicreg(A, A, variance=0.0, covariance=0.0) == 0.0


def test_hand_value():
    # unit-variance (ddof=1) uncorrelated columns, views 0.5 apart everywhere
    A = np.array([[1.0, 1.0], [-1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]]) * np.sqrt(3) / 2
    B = A + 0.5
    # var_u = 1 for every column, so relu(1 - sqrt(1 + 1e-4)) = 0; no covariance; inv = 0.25
    assert reference.vicreg(A, B) == pytest.approx(25 * 0.25, rel=1e-14)


@pytest.mark.parametrize("seed, N, D", [(0, 32, 5), (6, 9, 3), (7, 50, 8)])
def test_graph_form_relation_stated_in_module_docstring(seed, N, D):
    A, B = views(N=N, D=D, seed=seed)
    Z = np.vstack([A, B])
    G = graphs.from_groups(np.tile(np.arange(N), 2))
    s = np.sqrt(N / (N - 1))
    graph_form = (
        25.0 / D * losses.invariance_term(Z, G)
        + 12.5 / D * (losses.variance_term(s * A, variance_kind="hinge", eps=1e-4)
                      + losses.variance_term(s * B, variance_kind="hinge", eps=1e-4))
        + 1.0 / D * (losses.covariance_term(s * A) + losses.covariance_term(s * B))
    )
    official = reference.vicreg(A, B)
    assert official == pytest.approx(graph_form, rel=1e-12)
    # the invariance part alone: inv = tr(Z^T L Z) / (N D) and (25/D) inv_graph = 25 * inv
    assert losses.invariance_term(Z, G) / D == pytest.approx(np.mean((A - B) ** 2), rel=1e-12)


def test_graph_form_relation_general_weights():
    N, D = 15, 4
    A, B = views(N=N, D=D, seed=8)
    lam, mu, nu, eps = 2.0, 9.0, 0.7, 1e-3
    Z = np.vstack([A, B])
    G = graphs.from_groups(np.tile(np.arange(N), 2))
    s = np.sqrt(N / (N - 1))
    graph_form = (
        lam / D * losses.invariance_term(Z, G)
        + mu / (2 * D) * (losses.variance_term(s * A, variance_kind="hinge", eps=eps)
                          + losses.variance_term(s * B, variance_kind="hinge", eps=eps))
        + nu / D * (losses.covariance_term(s * A) + losses.covariance_term(s * B))
    )
    value = reference.vicreg(A, B, invariance=lam, variance=mu, covariance=nu, eps=eps)
    assert value == pytest.approx(graph_form, rel=1e-12)


# --------------------------------------------------------------------------- bad input

A_OK, B_OK = views(N=6, D=3)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: reference.vicreg(A_OK, B_OK[:5]), ValueError, "A and B must have the same shape"),
        (lambda: reference.vicreg(A_OK, B_OK[:, :2]), ValueError, "A and B must have the same shape"),
        (lambda: reference.vicreg(A_OK[:, 0], B_OK[:, 0]), ValueError, "A must be 2-D"),
        (lambda: reference.vicreg(A_OK, B_OK[:, 0]), ValueError, "B must be 2-D"),
        (lambda: reference.vicreg(A_OK[:1], B_OK[:1]), ValueError, "A needs at least 2 samples"),
        (lambda: reference.vicreg(A_OK, np.where(B_OK > 0.5, np.nan, B_OK)), ValueError, "B contains NaN or inf"),
        (lambda: reference.vicreg(A_OK * np.inf, B_OK), ValueError, "A contains NaN or inf"),
        (lambda: reference.vicreg(sp.csr_matrix(A_OK), B_OK), TypeError, "A is a sparse matrix"),
        (lambda: reference.vicreg(A_OK, B_OK + 1j), TypeError, "B must be a real numeric array"),
        (lambda: reference.vicreg(A_OK, B_OK, convention="lightly"), ValueError, "convention must be one of"),
        (lambda: reference.vicreg(A_OK, B_OK, invariance=-1.0), ValueError, "invariance must be >= 0"),
        (lambda: reference.vicreg(A_OK, B_OK, variance=-1.0), ValueError, "variance must be >= 0"),
        (lambda: reference.vicreg(A_OK, B_OK, covariance=-1.0), ValueError, "covariance must be >= 0"),
        (lambda: reference.vicreg(A_OK, B_OK, eps=-1e-4), ValueError, "eps must be >= 0"),
        (lambda: reference.vicreg(A_OK, B_OK, variance=np.nan), ValueError, "variance must be finite"),
        (lambda: reference.vicreg(A_OK, B_OK, covariance="1"), TypeError, "covariance must be a real number"),
    ],
)
def test_bad_arguments_are_refused(call, error, message):
    with pytest.raises(error, match=message):
        call()

"""Graph-form spectral contrastive and Barlow Twins losses, and their reference (paired-view) forms.

Every expected value is computed here by brute force (explicit loops over pairs or
edges) from the stated definitions and constants, never by the code under test.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from spectral_ssl import graphs, losses, reference


# --------------------------------------------------------------------------- helpers


def weighted_graph(n, seed=0, density=0.4, isolated=()):
    rng = np.random.default_rng(seed)
    W = rng.uniform(0.2, 2.0, (n, n)) * (rng.random((n, n)) < density)
    W = np.triu(W, 1)
    W[np.arange(n - 1), np.arange(1, n)] = 1.0  # a path: connected
    W = W + W.T
    for i in isolated:
        W[i, :] = W[:, i] = 0.0
    return W


def pairing_graph(n):
    return graphs.from_groups(np.tile(np.arange(n), 2))


def finite_difference(f, Z, h=1e-6):
    out = np.zeros_like(Z)
    for idx in np.ndindex(*Z.shape):
        E = np.zeros_like(Z)
        E[idx] = h
        out[idx] = (f(Z + E) - f(Z - E)) / (2 * h)
    return out


def brute_spectral_contrastive(Z, W):
    n = Z.shape[0]
    d = W.sum(axis=1)
    vol = d.sum()
    value = 0.0
    for i in range(n):
        for j in range(n):
            dot = float(Z[i] @ Z[j])
            value += -2.0 / vol * W[i, j] * dot + d[i] * d[j] * dot**2 / vol**2
    return value


def brute_barlow(Z, W, lam, centered):
    """Weighted cosines between the left and right views of the edge list (explicit loops)."""
    n, K = Z.shape
    edges = [(i, j, W[i, j]) for i in range(n) for j in range(n) if W[i, j] != 0]
    total = sum(w for _, _, w in edges)
    left_mean = sum(w * Z[i] for i, _, w in edges) / total
    right_mean = sum(w * Z[j] for _, j, w in edges) / total
    if not centered:
        left_mean = right_mean = np.zeros(K)
    C = np.zeros((K, K))
    for k in range(K):
        for l in range(K):
            num = sum(w * (Z[i, k] - left_mean[k]) * (Z[j, l] - right_mean[l]) for i, j, w in edges)
            nl = sum(w * (Z[i, k] - left_mean[k]) ** 2 for i, _, w in edges)
            nr = sum(w * (Z[j, l] - right_mean[l]) ** 2 for _, j, w in edges)
            C[k, l] = num / np.sqrt(nl * nr)
    loss = sum((C[k, k] - 1) ** 2 for k in range(K))
    loss += lam * sum(C[k, l] ** 2 for k in range(K) for l in range(K) if k != l)
    return loss, C


# ----------------------------------------------------------------- spectral contrastive (graph form)


def test_spectral_contrastive_matches_pairwise_definition():
    W = weighted_graph(11, seed=1)
    Z = np.random.default_rng(2).normal(size=(11, 3))
    expected = brute_spectral_contrastive(Z, W)
    assert losses.spectral_contrastive(Z, W) == pytest.approx(expected, rel=1e-12)
    assert losses.spectral_contrastive(Z, sp.csr_matrix(W)) == pytest.approx(expected, rel=1e-12)


def test_spectral_contrastive_equals_low_rank_approximation_form():
    W = weighted_graph(10, seed=3)
    d = W.sum(axis=1)
    vol = d.sum()
    Z = np.random.default_rng(4).normal(size=(10, 4))
    U = np.sqrt(d / vol)[:, None] * Z
    Abar = W / np.sqrt(np.outer(d, d))
    expected = np.sum((U @ U.T - Abar) ** 2) - np.sum(Abar**2)
    assert losses.spectral_contrastive(Z, W) == pytest.approx(expected, rel=1e-11)


def test_spectral_contrastive_gradient_matches_finite_differences():
    W = weighted_graph(9, seed=5)
    Z = np.random.default_rng(6).normal(size=(9, 3))
    value, grad = losses.spectral_contrastive(Z, W, return_gradient=True)
    numeric = finite_difference(lambda M: losses.spectral_contrastive(M, W), Z)
    assert value == pytest.approx(brute_spectral_contrastive(Z, W), rel=1e-12)
    assert np.max(np.abs(grad - numeric)) < 1e-7 * np.max(np.abs(grad))


def test_spectral_contrastive_ignores_isolated_samples():
    W = weighted_graph(8, seed=7, isolated=(3,))
    Z = np.random.default_rng(8).normal(size=(8, 2))
    moved = Z.copy()
    moved[3] += 100.0
    expected = losses.spectral_contrastive(Z, W)
    assert losses.spectral_contrastive(moved, W) == pytest.approx(expected, rel=1e-13)


def test_spectral_contrastive_rejects_shape_mismatch():
    with pytest.raises(ValueError, match="Z has 3 rows but the graph G has 4 samples"):
        losses.spectral_contrastive(np.ones((3, 2)), weighted_graph(4))


# --------------------------------------------------------------------------- Barlow Twins (graph form)


@pytest.mark.parametrize("centered", [False, True])
def test_barlow_twins_matches_edge_list_cosines(centered):
    W = weighted_graph(9, seed=9)
    Z = np.random.default_rng(10).normal(size=(9, 3)) + 0.5
    expected, C = brute_barlow(Z, W, 0.3, centered)
    value = losses.barlow_twins(Z, W, off_diagonal=0.3, centered=centered)
    assert value == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(losses.barlow_twins_correlation(Z, W, centered=centered), C, atol=1e-13)


def test_barlow_twins_diagonal_is_one_minus_dirichlet_energy():
    W = weighted_graph(10, seed=11)
    d = W.sum(axis=1)
    L = np.diag(d) - W
    Z = np.random.default_rng(12).normal(size=(10, 3))
    Zh = Z / np.sqrt(np.sum(d[:, None] * Z**2, axis=0))
    expected = 1.0 - np.einsum("ik,ij,jk->k", Zh, L, Zh)
    np.testing.assert_allclose(np.diag(losses.barlow_twins_correlation(Z, W)), expected, atol=1e-13)


@pytest.mark.parametrize("centered", [False, True])
def test_barlow_twins_gradient_matches_finite_differences(centered):
    W = weighted_graph(9, seed=13)
    Z = np.random.default_rng(14).normal(size=(9, 3))
    value, grad = losses.barlow_twins(Z, W, off_diagonal=0.2, centered=centered, return_gradient=True)
    numeric = finite_difference(lambda M: losses.barlow_twins(M, W, off_diagonal=0.2, centered=centered), Z)
    assert value == pytest.approx(brute_barlow(Z, W, 0.2, centered)[0], rel=1e-12)
    assert np.max(np.abs(grad - numeric)) < 1e-6 * np.max(np.abs(grad))


def test_barlow_twins_is_invariant_to_column_scaling():
    W = weighted_graph(10, seed=15)
    Z = np.random.default_rng(16).normal(size=(10, 3))
    scaled = Z * np.array([0.01, 3.0, 70.0])
    assert losses.barlow_twins(scaled, W) == pytest.approx(losses.barlow_twins(Z, W), rel=1e-12)


@pytest.mark.parametrize("centered", [False, True])
@pytest.mark.parametrize("scale", [1e-200, 1e200])
def test_barlow_twins_at_extreme_column_scales(scale, centered):
    # the weighted sums of squares underflowed (1e-200) or overflowed (1e200): a nonzero
    # column was refused as "zero"; the loss is scale-free and the gradient scales by 1/scale
    W = weighted_graph(10, seed=15)
    Z = np.random.default_rng(16).normal(size=(10, 3))
    value, grad = losses.barlow_twins(Z, W, centered=centered, return_gradient=True)
    value_s, grad_s = losses.barlow_twins(Z * scale, W, centered=centered, return_gradient=True)
    assert value_s == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(grad_s * scale, grad, rtol=1e-10, atol=1e-12 * np.abs(grad).max())
    C = losses.barlow_twins_correlation(Z * scale, W, centered=centered)
    np.testing.assert_allclose(C, losses.barlow_twins_correlation(Z, W, centered=centered), atol=1e-14)


def test_barlow_twins_uncentred_pairing_graph_is_pooled_cosine():
    """On the pairing graph, C_kl = (A^T B + B^T A)_kl / sqrt(pooled squared norms)."""
    rng = np.random.default_rng(17)
    A, B = rng.normal(size=(7, 3)), rng.normal(size=(7, 3))
    Z = np.vstack([A, B])
    norms = np.sum(A**2, axis=0) + np.sum(B**2, axis=0)
    expected = (A.T @ B + B.T @ A) / np.sqrt(np.outer(norms, norms))
    np.testing.assert_allclose(losses.barlow_twins_correlation(Z, pairing_graph(7)), expected, atol=1e-14)


def test_barlow_twins_bad_inputs():
    W = weighted_graph(6, seed=18)
    Z = np.random.default_rng(19).normal(size=(6, 2))
    with pytest.raises(ValueError, match="off_diagonal must be >= 0.0"):
        losses.barlow_twins(Z, W, off_diagonal=-1.0)
    with pytest.raises(TypeError, match="centered must be True or False"):
        losses.barlow_twins(Z, W, centered="yes")
    constant = np.column_stack([Z[:, 0], np.full(6, 2.0)])
    with pytest.raises(ValueError, match="zero D_G-weighted variance.*column 1"):
        losses.barlow_twins(constant, W, centered=True)
    with pytest.raises(ValueError, match="zero D_G-weighted norm.*column 0"):
        losses.barlow_twins(np.column_stack([np.zeros(6), Z[:, 1]]), W)


# --------------------------------------------------------------------------- reference Barlow Twins


def brute_reference_barlow(A, B, *, norm, lam, scale, eps):
    """The conventions written out from REFERENCE_LOSSES.md with explicit loops over columns."""
    n, D = A.shape

    def per_view(V, kind):
        out = np.empty_like(V)
        for k in range(D):
            col = V[:, k]
            m = sum(col) / n
            if kind == "batchnorm":
                var_b = sum((x - m) ** 2 for x in col) / n
                out[:, k] = (col - m) / np.sqrt(var_b + eps)
            else:
                std_u = np.sqrt(sum((x - m) ** 2 for x in col) / (n - 1))
                out[:, k] = (col - m) / (std_u + eps)
        return out

    if norm == "shared":
        S = np.vstack([A, B])
        An, Bn = np.empty_like(A), np.empty_like(B)
        for k in range(D):
            m = sum(S[:, k]) / (2 * n)
            var = sum((x - m) ** 2 for x in S[:, k]) / (2 * n)
            An[:, k] = (A[:, k] - m) / np.sqrt(var + eps)
            Bn[:, k] = (B[:, k] - m) / np.sqrt(var + eps)
    else:
        An, Bn = per_view(A, norm), per_view(B, norm)
    C = np.array([[sum(An[i, k] * Bn[i, l] for i in range(n)) / n for l in range(D)] for k in range(D)])
    on = sum((C[k, k] - 1) ** 2 for k in range(D))
    off = sum(C[k, l] ** 2 for k in range(D) for l in range(D) if k != l)
    return scale * (on + lam * off)


CONVENTIONS = {
    "official": dict(norm="batchnorm", lam=0.0051, scale=1.0),
    "lightly": dict(norm="batchnorm", lam=5e-3, scale=1.0),
    "stable_pretraining": dict(norm="std", lam=5e-3, scale=1.0),
    "solo": dict(norm="batchnorm", lam=5e-3, scale=0.025),
    "vissl": dict(norm="shared", lam=0.0051, scale=0.024),
}


@pytest.mark.parametrize("convention", sorted(CONVENTIONS))
def test_reference_barlow_twins_default_constants(convention):
    rng = np.random.default_rng(20)
    A = rng.normal(size=(9, 4)) * 0.3 + 1.0
    B = A + 0.2 * rng.normal(size=(9, 4))
    expected = brute_reference_barlow(A, B, eps=1e-5, **CONVENTIONS[convention])
    assert reference.barlow_twins(A, B, convention=convention) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("convention", ["solo", "vissl"])
def test_reference_barlow_twins_explicit_weights(convention):
    rng = np.random.default_rng(21)
    A, B = rng.normal(size=(8, 3)), rng.normal(size=(8, 3))
    const = dict(CONVENTIONS[convention], lam=0.0051, scale=0.024)
    expected = brute_reference_barlow(A, B, eps=1e-5, **const)
    got = reference.barlow_twins(A, B, convention=convention, off_diagonal=0.0051, scale_loss=0.024)
    assert got == pytest.approx(expected, rel=1e-12)


def test_reference_barlow_twins_eps_placement_matters():
    """stable-pretraining puts eps outside the square root: a measurable difference at small variance."""
    rng = np.random.default_rng(22)
    A = 1e-3 * rng.normal(size=(10, 3))
    B = A + 1e-4 * rng.normal(size=(10, 3))
    official = reference.barlow_twins(A, B, convention="lightly")
    stable = reference.barlow_twins(A, B, convention="stable_pretraining")
    expected = brute_reference_barlow(A, B, eps=1e-5, **CONVENTIONS["lightly"])
    assert official == pytest.approx(expected, rel=1e-12)
    assert stable == pytest.approx(
        brute_reference_barlow(A, B, eps=1e-5, **CONVENTIONS["stable_pretraining"]), rel=1e-12)
    assert abs(official - stable) > 0.1


def test_reference_barlow_twins_bad_inputs():
    A = np.random.default_rng(23).normal(size=(5, 2))
    with pytest.raises(ValueError, match="scale_loss is only used by the 'solo' and 'vissl'"):
        reference.barlow_twins(A, A, convention="official", scale_loss=0.024)
    with pytest.raises(ValueError, match="convention must be one of"):
        reference.barlow_twins(A, A, convention="official_v2")
    with pytest.raises(ValueError, match="A and B must have the same shape"):
        reference.barlow_twins(A, A[:4])
    with pytest.raises(ValueError, match="A has a constant column and eps=0"):
        reference.barlow_twins(np.column_stack([A[:, 0], np.ones(5)]), A, eps=0.0)
    # no constant column: the variance cancels (VISSL's E[x^2] - E[x]^2 at a mean of 1e10) or
    # underflows (entries of 1e-200, eps = 0); the message says so instead of "constant"
    A0 = np.random.default_rng(0).normal(size=(5, 2))  # E[x^2] - E[x]^2 of column 0 comes out negative
    with pytest.warns(UserWarning, match=r"column 0: \S+ against 0.58"), \
            pytest.raises(ValueError, match=r"variance was lost in float64 \(no column is constant at "
                                            r"eps=1e-05\).*VISSL's E\[x\^2\] - E\[x\]\^2\). Centre and rescale"):
        reference.barlow_twins(A0 + 1e10, A0 + 0.1 * A0[::-1] + 1e10, convention="vissl")
    with pytest.raises(ValueError, match=r"variance was lost in float64 \(no column is constant at eps=0\)"):
        reference.barlow_twins(A * 1e-200, A[::-1] * 1e-200, eps=0.0)


def test_reference_vissl_warns_when_its_variance_formula_cancels():
    # at a mean 1e10 times the spread, E[x^2] - E[x]^2 is a multiple of 16384 for a variance of 0.70: the
    # value is VISSL's round-off, finite, and the user is told; at 1e3 it keeps 11 digits
    A = np.random.default_rng(2).normal(size=(5, 2))
    B = A + 0.1 * A[::-1]
    exact = reference.barlow_twins(A, B, convention="vissl")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert reference.barlow_twins(A + 1e3, B + 1e3, convention="vissl") == pytest.approx(exact, rel=1e-8)
    with pytest.warns(UserWarning, match=r"lost its digits to cancellation in 2 column\(s\) \(column 0: "
                                         r"\S+ against 0.698536"):
        garbage = reference.barlow_twins(A + 1e10, B + 1e10, convention="vissl")
    assert np.isfinite(garbage) and abs(garbage - exact) > 1e-3 * exact


def test_graph_form_centred_equals_vissl_shared_statistics_up_to_antisymmetric_part():
    """vissl(eps=0)/scale_loss = graph_centred + lambda ||(C_v - C_v^T)/2||^2, exactly."""
    rng = np.random.default_rng(24)
    n = 12
    A = rng.normal(size=(n, 4)) + 2.0
    B = 0.7 * A + rng.normal(size=(n, 4))
    lam = 0.3
    S = np.vstack([A, B])
    Sn = (S - S.mean(axis=0)) / S.std(axis=0)
    Cv = Sn[:n].T @ Sn[n:] / n
    skew = np.sum(((Cv - Cv.T) / 2) ** 2)
    graph = losses.barlow_twins(S, pairing_graph(n), off_diagonal=lam, centered=True)
    vissl = reference.barlow_twins(A, B, convention="vissl", off_diagonal=lam, scale_loss=1.0, eps=0.0)
    assert skew > 1e-3  # the antisymmetric part is not negligible here
    assert vissl == pytest.approx(graph + lam * skew, rel=1e-12)
    np.testing.assert_allclose(losses.barlow_twins_correlation(S, pairing_graph(n), centered=True),
                               (Cv + Cv.T) / 2, atol=1e-14)


def test_graph_form_centred_equals_official_when_views_share_statistics():
    """B = a row permutation of A: per-view and pooled statistics coincide."""
    rng = np.random.default_rng(25)
    n = 10
    A = rng.normal(size=(n, 3)) * np.array([1.0, 2.0, 0.5]) + 1.0
    B = A[rng.permutation(n)]
    S = np.vstack([A, B])
    An = (A - A.mean(axis=0)) / A.std(axis=0)
    Bn = (B - B.mean(axis=0)) / B.std(axis=0)
    C = An.T @ Bn / n
    skew = np.sum(((C - C.T) / 2) ** 2)
    graph = losses.barlow_twins(S, pairing_graph(n), off_diagonal=0.0051, centered=True)
    official = reference.barlow_twins(A, B, convention="official", eps=0.0)
    assert official == pytest.approx(graph + 0.0051 * skew, rel=1e-12)
    # with the libraries' eps = 1e-5 and variances >= 0.25 the difference stays O(eps / var)
    with_eps = reference.barlow_twins(A, B, convention="official")
    assert abs(with_eps - official) < 1e-4 * max(official, 1.0)


# --------------------------------------------------------------------------- reference spectral contrastive


def brute_haochen(A, B, mu):
    n = A.shape[0]

    def clip(v):
        norm = np.sqrt(sum(x * x for x in v))
        return v if norm < np.sqrt(mu) else np.sqrt(mu) * v / norm

    A = np.array([clip(a) for a in A])
    B = np.array([clip(b) for b in B])
    part1 = -2.0 / n * sum(A[i] @ B[i] for i in range(n))
    part2 = sum((A[i] @ B[j]) ** 2 for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    return (part1 + part2) / mu


@pytest.mark.parametrize("mu", [1.0, 10.0])
def test_reference_spectral_contrastive_matches_haochen_definition(mu):
    rng = np.random.default_rng(26)
    rows = np.sqrt(mu) * rng.uniform(0.1, 1.2, size=(9, 1))
    A, B = rows * rng.normal(size=(9, 4)), rows * rng.normal(size=(9, 4))  # some rows get clipped
    assert np.any(np.linalg.norm(A, axis=1) >= np.sqrt(mu))
    assert np.any(np.linalg.norm(A, axis=1) < np.sqrt(mu))
    assert reference.spectral_contrastive(A, B, mu=mu) == pytest.approx(brute_haochen(A, B, mu), rel=1e-12)


def test_reference_spectral_contrastive_mu_is_a_pure_factor_without_clipping():
    rng = np.random.default_rng(27)
    A = 0.1 * rng.normal(size=(8, 3))
    B = A + 0.05 * rng.normal(size=(8, 3))
    assert reference.spectral_contrastive(A, B, mu=10.0) == pytest.approx(
        reference.spectral_contrastive(A, B, mu=1.0) / 10.0, rel=1e-13)


def test_graph_form_spectral_contrastive_differs_from_haochen_only_in_the_repulsion():
    """graph(Z) - haochen(A, B) = ||Z^T Z||^2 / (4N^2) - sum_{i!=j} (a_i.b_j)^2 / (N(N-1))."""
    rng = np.random.default_rng(28)
    n = 11
    A = 0.2 * rng.normal(size=(n, 3))
    B = A + 0.1 * rng.normal(size=(n, 3))
    assert np.all(np.linalg.norm(np.vstack([A, B]), axis=1) < 1.0)  # no clipping
    Z = np.vstack([A, B])
    v_statistic = sum((Z[i] @ Z[j]) ** 2 for i in range(2 * n) for j in range(2 * n)) / (4 * n * n)
    u_statistic = sum((A[i] @ B[j]) ** 2 for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    attraction = -2.0 / n * sum(A[i] @ B[i] for i in range(n))
    graph = losses.spectral_contrastive(Z, pairing_graph(n))
    haochen = reference.spectral_contrastive(A, B, mu=1.0)
    assert graph == pytest.approx(attraction + v_statistic, rel=1e-12)
    assert haochen == pytest.approx(attraction + u_statistic, rel=1e-12)
    assert graph - haochen == pytest.approx(v_statistic - u_statistic, rel=1e-9)
    assert abs(v_statistic - u_statistic) > 1e-4  # the two normalisations really differ


def test_reference_spectral_contrastive_bad_inputs():
    A = np.ones((4, 2))
    with pytest.raises(ValueError, match="mu must be > 0.0"):
        reference.spectral_contrastive(A, A, mu=0.0)
    with pytest.raises(ValueError, match="A needs at least 2 samples"):
        reference.spectral_contrastive(A[:1], A[:1])


@pytest.mark.parametrize("weight", [1e-300, 1e-200, 1e154, 1e300])
def test_barlow_twins_does_not_depend_on_the_scale_of_g(weight):
    # s_k s_l of the raw weights overflowed at 1e154 (loss 4.0) and underflowed at 1e-200 (NaN),
    # both marked exact by the whitened solver; C = Zhat^T G Zhat is free of the scale of G
    W = weighted_graph(12, seed=5)
    Z = np.random.default_rng(6).normal(size=(12, 3))
    for centered in (False, True):
        value, grad = losses.barlow_twins(Z, W, centered=centered, return_gradient=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            value_w, grad_w = losses.barlow_twins(Z, W * weight, centered=centered, return_gradient=True)
        assert value_w == pytest.approx(value, rel=1e-13)
        np.testing.assert_allclose(grad_w, grad, rtol=1e-12, atol=1e-14 * np.abs(grad).max())

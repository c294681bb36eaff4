"""Graph-form SimCLR loss (losses.simclr) and the NT-Xent reference conventions (reference.nt_xent).

Every expected value is computed here by explicit loops over samples, written
from the formulas of THEORY.md section 2 and REFERENCE_LOSSES.md, never by the
code under test.
"""

import math

import numpy as np
import pytest
import scipy.sparse as sp

from spectral_ssl import graphs, losses, reference


def _cos(a, b):
    return float(np.dot(a, b) / (math.sqrt(np.dot(a, a)) * math.sqrt(np.dot(b, b))))


def _logsumexp(values):
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values))


def brute_simclr(Z, G, tau):
    """-sum_ij G_ij log( exp(cos_ij/tau) / sum_{k != i} exp(cos_ik/tau) ), one pair at a time."""
    n = Z.shape[0]
    total = 0.0
    for i in range(n):
        logits = {k: _cos(Z[i], Z[k]) / tau for k in range(n) if k != i}
        lse = _logsumexp(list(logits.values()))
        for j in range(n):
            if j != i and G[i, j] != 0:
                total -= G[i, j] * (logits[j] - lse)
    return total


def random_weighted_graph(n, rng, density=0.4):
    W = rng.uniform(0.1, 2.0, size=(n, n)) * (rng.uniform(size=(n, n)) < density)
    W = np.triu(W, 1)
    W = W + W.T
    W[0, 1] = W[1, 0] = 1.3  # at least one edge
    return W


def brute_nt_xent_terms(A, B, tau):
    """l_i = -S_{i,p(i)} + log sum_{j != i} exp(S_ij) over the 2N stacked rows."""
    Z = np.vstack([A, B])
    n2 = Z.shape[0]
    n = n2 // 2
    terms = []
    for i in range(n2):
        partner = i + n if i < n else i - n
        others = [_cos(Z[i], Z[j]) / tau for j in range(n2) if j != i]
        terms.append(-_cos(Z[i], Z[partner]) / tau + _logsumexp(others))
    return terms


def brute_solo(A, B, tau):
    """solo-learn: -mean_i log(sum_pos e^S / (sum_pos e^S + sum_neg e^S)), positives by index."""
    Z = np.vstack([A, B])
    n2 = Z.shape[0]
    index = [i % (n2 // 2) for i in range(n2)]
    total = 0.0
    for i in range(n2):
        pos = sum(math.exp(_cos(Z[i], Z[j]) / tau) for j in range(n2) if j != i and index[j] == index[i])
        neg = sum(math.exp(_cos(Z[i], Z[j]) / tau) for j in range(n2) if index[j] != index[i])
        total -= math.log(pos / (pos + neg))
    return total / n2


# --------------------------------------------------------------------------- losses.simclr


@pytest.mark.parametrize("tau", [0.05, 0.5, 2.0])
def test_simclr_matches_double_loop(tau):
    rng = np.random.default_rng(0)
    n, k = 12, 4
    Z = rng.standard_normal((n, k))
    W = random_weighted_graph(n, rng)
    expected = brute_simclr(Z, W, tau)
    assert losses.simclr(Z, W, temperature=tau) == pytest.approx(expected, rel=1e-12)
    assert losses.simclr(Z, sp.csr_matrix(W), temperature=tau) == pytest.approx(expected, rel=1e-12)


def test_simclr_small_temperature_is_stable():
    # tau = 1e-3: exp(cos / tau) reaches e^1000, which overflows float64; the
    # loop's own max-subtracted log-sum-exp is the reference.
    rng = np.random.default_rng(1)
    Z = rng.standard_normal((8, 3))
    W = random_weighted_graph(8, rng)
    value = losses.simclr(Z, W, temperature=1e-3)
    assert np.isfinite(value)
    assert value == pytest.approx(brute_simclr(Z, W, 1e-3), rel=1e-10)


def test_simclr_two_linked_samples_is_zero():
    # Each row's softmax has a single entry (the other sample): log 1 = 0.
    Z = np.array([[1.0, 2.0], [-3.0, 0.5]])
    assert losses.simclr(Z, [[0, 1.0], [1.0, 0]], temperature=0.3) == pytest.approx(0.0, abs=1e-14)


def test_simclr_gradient_matches_finite_differences():
    rng = np.random.default_rng(2)
    n, k, tau = 10, 3, 0.4
    Z = rng.standard_normal((n, k))
    W = random_weighted_graph(n, rng)
    W[:, 9] = W[9, :] = 0.0  # an isolated sample: only a negative for the others
    value, grad = losses.simclr(Z, W, temperature=tau, return_gradient=True)
    assert value == pytest.approx(brute_simclr(Z, W, tau), rel=1e-12)
    h = 1e-6
    numeric = np.zeros_like(Z)
    for i in range(n):
        for j in range(k):
            plus, minus = Z.copy(), Z.copy()
            plus[i, j] += h
            minus[i, j] -= h
            numeric[i, j] = (losses.simclr(plus, W, temperature=tau)
                             - losses.simclr(minus, W, temperature=tau)) / (2 * h)
    assert np.max(np.abs(grad - numeric)) < 1e-6 * max(1.0, np.max(np.abs(numeric)))
    # scale invariance of each row => the gradient is orthogonal to it
    assert np.max(np.abs(np.sum(grad * Z, axis=1))) < 1e-10 * np.max(np.abs(grad))


def test_simclr_is_scale_invariant():
    rng = np.random.default_rng(3)
    Z = rng.standard_normal((9, 3))
    W = random_weighted_graph(9, rng)
    base = losses.simclr(Z, W, temperature=0.5)
    assert losses.simclr(3.0 * Z, W, temperature=0.5) == pytest.approx(base, rel=1e-13)
    scales = rng.uniform(0.1, 10.0, size=(9, 1))  # any positive scale per row
    assert losses.simclr(scales * Z, W, temperature=0.5) == pytest.approx(base, rel=1e-12)
    # the loss is linear in G
    assert losses.simclr(Z, 2.5 * W, temperature=0.5) == pytest.approx(2.5 * base, rel=1e-13)


def test_simclr_rejects_bad_input():
    G = graphs.from_groups([0, 0, 1, 1])
    Z = np.ones((4, 2))
    with pytest.raises(ValueError, match="temperature must be > 0"):
        losses.simclr(Z, G, temperature=0.0)
    with pytest.raises(ValueError, match="temperature must be > 0"):
        losses.simclr(Z, G, temperature=-1.0)
    Z0 = Z.copy()
    Z0[2] = 0.0
    with pytest.raises(ValueError, match=r"1 row\(s\) with zero norm \(first: row 2\)"):
        losses.simclr(Z0, G)
    with pytest.raises(ValueError, match="Z has 3 rows but the graph G has 4 samples"):
        losses.simclr(np.ones((3, 2)), G)
    with pytest.raises(ValueError, match="G is not symmetric"):
        losses.simclr(Z, np.triu(np.ones((4, 4)), 1))


# --------------------------------------------------------------------------- reference.nt_xent


def _views(n=6, d=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.standard_normal((n, d))


@pytest.mark.parametrize("tau", [0.1, 0.5])
def test_nt_xent_lightly_matches_loop(tau):
    A, B = _views()
    expected = sum(brute_nt_xent_terms(A, B, tau)) / (2 * A.shape[0])
    assert reference.nt_xent(A, B, temperature=tau, convention="lightly") == pytest.approx(expected, rel=1e-12)


def test_nt_xent_google_matches_loop_and_is_twice_lightly():
    A, B = _views(seed=1)
    n, tau = A.shape[0], 0.2
    terms = brute_nt_xent_terms(A, B, tau)
    # tf2 objective.py: CE over the N rows of view a plus CE over the N rows of view b, each a mean
    expected = sum(terms[:n]) / n + sum(terms[n:]) / n
    google = reference.nt_xent(A, B, temperature=tau, convention="google")
    assert google == pytest.approx(expected, rel=1e-12)
    assert google == pytest.approx(2.0 * reference.nt_xent(A, B, temperature=tau), rel=1e-14)


def test_nt_xent_solo_matches_loop_and_equals_lightly():
    A, B = _views(seed=2)
    solo = reference.nt_xent(A, B, temperature=0.3, convention="solo")
    assert solo == pytest.approx(brute_solo(A, B, 0.3), rel=1e-12)
    assert solo == pytest.approx(reference.nt_xent(A, B, temperature=0.3), rel=1e-12)


@pytest.mark.parametrize("tau", [0.1, 0.5, 1.0])
def test_graph_form_is_2n_times_lightly(tau):
    A, B = _views(n=7, d=3, seed=3)
    n = A.shape[0]
    G = graphs.from_groups(np.tile(np.arange(n), 2))
    graph_form = losses.simclr(np.vstack([A, B]), G, temperature=tau)
    assert graph_form == pytest.approx(2 * n * reference.nt_xent(A, B, temperature=tau), rel=1e-12)
    # and N times Google's
    assert graph_form == pytest.approx(n * reference.nt_xent(A, B, temperature=tau, convention="google"),
                                       rel=1e-12)


def test_nt_xent_rejects_bad_input():
    A, B = _views()
    with pytest.raises(ValueError, match="A and B must have the same shape"):
        reference.nt_xent(A, B[:4])
    with pytest.raises(ValueError, match="convention must be one of 'lightly', 'google', 'solo'"):
        reference.nt_xent(A, B, convention="official")
    with pytest.raises(ValueError, match="temperature must be > 0"):
        reference.nt_xent(A, B, temperature=0.0)
    B0 = B.copy()
    B0[1] = 0.0
    with pytest.raises(ValueError, match=r"B has 1 row\(s\) with zero norm"):
        reference.nt_xent(A, B0)

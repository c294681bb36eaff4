"""from_views: two views in, the stacked matrix and the pairing graph out."""

import numpy as np
import pytest
import scipy.sparse as sp

import spectral_ssl
from spectral_ssl import losses
from spectral_ssl.views import Views, from_views

RNG = np.random.default_rng(7)
A = RNG.standard_normal((5, 3))
B = A + 0.2 * RNG.standard_normal((5, 3))


def test_stacks_the_views_and_pairs_row_i_with_row_i():
    Z, G = from_views(A, B)
    assert isinstance(from_views(A, B), Views)
    assert Z.dtype == np.float64 and Z.shape == (10, 3)
    assert np.array_equal(Z[:5], A) and np.array_equal(Z[5:], B)
    assert sp.isspmatrix_csr(G) or isinstance(G, sp.csr_array)
    expected = np.zeros((10, 10))
    for i in range(5):
        expected[i, 5 + i] = expected[5 + i, i] = 1.0
    assert np.array_equal(G.toarray(), expected)


def test_three_views_link_every_pair_of_views_of_a_sample():
    C = A - 1.0
    Z, G = from_views(A, B, C)
    assert Z.shape == (15, 3)
    dense = G.toarray()
    assert dense.sum() == 5 * 6  # per sample: 3 views, 3 * 2 ordered pairs
    assert dense[0, 5] == dense[0, 10] == dense[5, 10] == 1.0 and dense[0, 1] == 0.0


def test_is_reexported_at_the_top_level():
    assert spectral_ssl.from_views is from_views
    assert "from_views" in spectral_ssl.__all__


def test_simclr_graph_loss_is_the_sum_of_the_per_view_nt_xent_terms():
    # NT-Xent by hand: l_i = -s_{i,p(i)} + log sum_{j != i} exp(s_ij), s = cos / tau.
    Z, G = from_views(A, B)
    tau = 0.5
    unit = Z / np.linalg.norm(Z, axis=1, keepdims=True)
    S = unit @ unit.T / tau
    N = 5
    partner = np.r_[np.arange(N, 2 * N), np.arange(N)]
    total = 0.0
    for i in range(2 * N):
        others = np.delete(S[i], i)
        total += -S[i, partner[i]] + np.log(np.exp(others).sum())
    assert losses.simclr(Z, G, temperature=tau) == pytest.approx(total, rel=1e-12)


def test_vicreg_invariance_term_is_the_mean_squared_distance_between_views():
    # gamma/N' sum_ij G_ij |z_i - z_j|^2 over N' = 2N rows, each pair counted twice.
    Z, G = from_views(A, B)
    by_hand = 2 * np.sum((A - B) ** 2) / 10
    assert losses.invariance_term(Z, G) == pytest.approx(by_hand, rel=1e-12)


def test_features_give_the_optimal_encoder_of_the_two_views():
    from spectral_ssl import solve

    X, G = from_views(A, B)
    rep = solve("vicreg", G, 2, X=X, variance=1.0, covariance=1.0, invariance=0.01)
    assert rep.Z.shape == (10, 2)
    assert np.allclose(rep.transform(A), rep.Z[:5]) and np.allclose(rep.transform(B), rep.Z[5:])


@pytest.mark.parametrize("views, kind, message", [
    ((A,), TypeError, r"^from_views needs at least two views, got 1; call from_views\(Z_a, Z_b\)"),
    ((A, B[:4]), ValueError, r"^Z_b has shape \(4, 3\) but Z_a has shape \(5, 3\); the views must pair "
                             r"row for row"),
    ((A, B[:, :2]), ValueError, r"^Z_b has shape \(5, 2\) but Z_a has shape \(5, 3\)"),
    ((A[:1], B[:1]), ValueError, r"^Z_a needs at least 2 samples, got 1"),
    ((A, np.where(np.eye(5, 3) > 0, np.nan, B)), ValueError, r"^Z_b contains NaN or inf"),
    ((A.ravel(), B.ravel()), ValueError, r"^Z_a must be 2-D \(n_samples, n_features\), got 1-D"),
    ((sp.csr_matrix(A), B), TypeError, r"^Z_a is a sparse matrix"),
    ((A, B, A[:, :1]), ValueError, r"^views\[2\] has shape \(5, 1\) but Z_a has shape \(5, 3\)"),
    ((A, B.astype(str)), TypeError, r"^Z_b must be a real numeric array"),
])
def test_bad_views_are_refused_with_the_argument_and_the_fix(views, kind, message):
    with pytest.raises(kind, match=message):
        from_views(*views)


def test_the_docstring_recipe_runs():
    # The two-view recipe of the module's docstring is documentation users copy: it must stay true.
    import doctest
    import warnings

    import spectral_ssl.views as views

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the example is chosen not to collapse
        result = doctest.testmod(views, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 10 and result.failed == 0

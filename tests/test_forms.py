"""spectral_ssl.forms: the one-pass D x D forms, groups detected in G, and the solvers built on them.

Every expected value is computed here from dense matrices (L = D_G - G formed explicitly,
centred features, scipy's generalized eigensolver) or by the losses module on Z, never by
the forms themselves.
"""

import warnings

import numpy as np
import pytest
import scipy.linalg
import scipy.sparse as sp

from spectral_ssl import forms, graphs, linalg, losses, moments
from spectral_ssl.methods import LinearRepresentation, barlow_twins, spectral_contrastive, vicreg
from spectral_ssl.methods import _vicreg_linear


def two_views(n_pairs=150, d=5, seed=0):
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((n_pairs, d)) @ rng.standard_normal((d, d))
    return np.vstack([base + 0.3 * rng.standard_normal(base.shape),
                      base + 0.3 * rng.standard_normal(base.shape)])


def unequal_labels(n, seed=1, largest=5):
    """Labels of groups of sizes 1..largest (singletons included), in random sample order."""
    rng = np.random.default_rng(seed)
    sizes = []
    while sum(sizes) < n:
        sizes.append(int(rng.integers(1, largest + 1)))
    sizes[-1] -= sum(sizes) - n
    return rng.permutation(np.repeat(np.arange(len(sizes)), sizes))


def relations(X):
    n = X.shape[0]
    labels = unequal_labels(n)
    return {
        "pairing": graphs.from_groups(np.tile(np.arange(n // 2), 2)),
        # each group's 3 members side by side (read as strided views of X)
        "adjacent triples": graphs.from_groups(np.repeat(np.arange(n // 3), 3)),
        "groups": graphs.from_groups(labels),
        "weighted groups": 3.5 * graphs.from_groups(labels),
        "knn": graphs.knn(X, 6),
    }


def dense_forms(X, G):
    """The reductions from dense matrices, on the centred features where the form allows it."""
    G = G.toarray()
    d = G.sum(axis=1)
    L = np.diag(d) - G
    Xc = X - X.mean(axis=0)
    Y = X - (d @ X) / d.sum()  # centred by the D_G-weighted mean
    return {"laplacian_form": Xc.T @ L @ Xc, "scatter": Xc.T @ Xc, "gram": X.T @ X,
            "degree_form": X.T @ (d[:, None] * X), "adjacency_form": X.T @ G @ X,
            "weighted_scatter": Y.T @ (d[:, None] * Y), "degree_sums": X.T @ d,
            "sums": X.sum(axis=0), "volume": d.sum()}


UNSCALED = 1e3 + np.logspace(-3, 3, 5)  # offsets and column units of the "unscaled" features


# --------------------------------------------------------------------------- groups in G


def test_clique_groups_finds_the_groups_of_permuted_labels_with_singletons():
    labels = unequal_labels(200, seed=3)
    members = forms.clique_groups(graphs.from_groups(labels))
    assert members is not None and members.weight == 1.0
    expected = {}
    for i, label in enumerate(labels):
        expected.setdefault(label, []).append(i)
    found = [list(members.order[a:a + m]) for a, m in zip(members.starts, members.sizes)]
    assert sorted(found) == sorted(expected.values())  # ascending inside each group
    assert sorted(members.order) == list(range(200))


def test_clique_groups_reads_the_common_weight():
    members = forms.clique_groups(2.5 * graphs.from_groups([0, 1, 0, 1, 2, 2]))
    assert members.weight == 2.5 and sorted(members.sizes) == [2, 2, 2]


@pytest.mark.parametrize("case", ["path", "clique minus an edge", "cliques joined", "two weights", "knn"])
def test_clique_groups_refuses_every_graph_that_is_not_a_union_of_cliques(case):
    if case == "path":
        G = sp.csr_matrix(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], float))
    elif case == "clique minus an edge":
        A = np.ones((4, 4)) - np.eye(4)
        A[0, 3] = A[3, 0] = 0
        G = sp.csr_matrix(A)
    elif case == "cliques joined":
        A = graphs.from_groups([0, 0, 0, 1, 1, 1]).toarray()
        A[2, 3] = A[3, 2] = 1
        G = sp.csr_matrix(A)
    elif case == "two weights":
        A = graphs.from_groups([0, 0, 1, 1]).toarray()
        A[2, 3] = A[3, 2] = 2.0
        G = sp.csr_matrix(A)
    else:
        G = graphs.knn(np.random.default_rng(4).standard_normal((60, 3)), 5)
    assert forms.clique_groups(G) is None


# --------------------------------------------------------------------------- the forms


@pytest.mark.parametrize("features", ["plain", "unscaled"])
@pytest.mark.parametrize("relation", ["pairing", "adjacent triples", "groups", "weighted groups", "knn"])
def test_feature_reductions_equal_the_dense_forms(relation, features):
    X = two_views()
    if features == "unscaled":
        X = UNSCALED[0] * 1e3 + X * UNSCALED  # offsets 1e6, units 1e-3..1e3
    G = relations(X)[relation]
    red = forms.feature_reductions(X, G)
    assert red.details["relation"] == ("graph" if relation == "knn" else "groups")
    expected = dense_forms(X, G)
    for name, value in expected.items():
        got = getattr(red, name)
        if np.ndim(value) == 2:
            # entry by entry against sqrt(M_ii M_jj) of the form (its natural scale per pair)
            scale = np.sqrt(np.outer(np.abs(np.diag(value)), np.abs(np.diag(value))))
            tol = 1e-9 if name in ("laplacian_form", "scatter", "weighted_scatter") else 1e-12
            assert np.all(np.abs(got - value) <= tol * scale + 1e-300), name
        else:
            assert np.allclose(got, value, rtol=1e-12, atol=0), name


@pytest.mark.parametrize("layout", ["views stacked", "pairs side by side", "shuffled"])
def test_pairs_keep_the_digits_of_features_with_a_large_mean(layout):
    """Mean 1e8, spread 1e-3: X - X[0] is exact (Sterbenz), so the forms of the shifted copy are
    the reference. The two views read in place once summed y_1 + y_2 before the shift (2.8e-7 of
    the scatter lost); every path now keeps it to round-off."""
    rng = np.random.default_rng(31)
    n = 1000
    X = 1e8 + 1e-3 * rng.standard_normal((n, 3))
    labels = {"views stacked": np.tile(np.arange(n // 2), 2),
              "pairs side by side": np.arange(n) // 2,
              "shuffled": rng.permutation(np.tile(np.arange(n // 2), 2))}[layout]
    G = graphs.from_groups(labels)
    red = forms.feature_reductions(X, G)
    exact = X - X[0]
    scatter = exact.T @ exact - np.outer(exact.sum(0), exact.sum(0)) / n
    assert np.max(np.abs(red.scatter - scatter)) <= 1e-12 * np.max(np.abs(scatter))
    Ld = np.diag(G.toarray().sum(1)) - G.toarray()
    laplacian = exact.T @ Ld @ exact
    assert np.max(np.abs(red.laplacian_form - laplacian)) <= 1e-12 * np.max(np.abs(laplacian))


def test_evenly_spaced_members_are_read_as_views_of_X():
    from spectral_ssl.forms._onepass import aligned_views

    X = np.arange(24.0).reshape(12, 2)
    stacked = np.array([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]])  # views one after the other
    adjacent = np.array([[0, 3, 6, 9], [1, 4, 7, 10], [2, 5, 8, 11]])  # each group's members side by side
    for rows in (stacked, adjacent):
        views = aligned_views(X, rows)
        assert all(np.shares_memory(view, X) for view in views)
        for j, view in enumerate(views):
            np.testing.assert_array_equal(view, X[rows[j]])
    assert aligned_views(X, np.array([[0, 1, 3], [4, 5, 6]])) is None  # uneven in member 0
    assert aligned_views(X, np.array([[3, 2], [5, 4]])) is None  # descending
    single = aligned_views(X, np.array([[7], [2]]))
    np.testing.assert_array_equal(np.vstack(single), X[[7, 2]])


def test_groups_from_labels_equal_groups_from_G_and_the_chunked_pass():
    X = two_views(seed=5)
    labels = unequal_labels(X.shape[0], seed=6)
    from_labels = forms.feature_reductions(X, groups=labels)
    from_G = forms.feature_reductions(X, graphs.from_groups(labels))
    chunked = moments.reductions(X, groups=labels, chunk_size=37)
    for other in (from_G, chunked):
        for name in ("laplacian_form", "scatter", "gram", "degree_form", "adjacency_form"):
            value = getattr(from_labels, name)
            assert np.max(np.abs(getattr(other, name) - value)) <= 1e-11 * np.max(np.abs(value)), name


def test_feature_reductions_refuse_bad_input_naming_it():
    X = two_views(n_pairs=10)
    G = graphs.from_groups(np.tile(np.arange(10), 2))
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="X contains NaN or inf"):
        forms.feature_reductions(bad, G)
    with pytest.raises(ValueError, match="X contains NaN or inf"):
        forms.feature_reductions(bad, graphs.knn(X, 3))
    with pytest.raises(ValueError, match="either G or groups"):
        forms.feature_reductions(X, G, groups=np.arange(20) % 10)
    with pytest.raises(ValueError, match="has 20 rows but the graph G has 4 samples"):
        forms.feature_reductions(X, graphs.from_groups([0, 0, 1, 1]))
    with pytest.raises(ValueError, match="must be 2-D"):
        forms.feature_reductions(X[:, 0], G)
    with pytest.raises(ValueError, match="give the relation"):
        forms.feature_reductions(X)


def test_strict_upper_equals_scipy_triu():
    G = graphs.knn(np.random.default_rng(7).standard_normal((80, 3)), 5)
    got, expected = forms.strict_upper(G), sp.triu(G, k=1, format="csr")
    assert (got != expected).nnz == 0 and got.nnz == expected.nnz


# --------------------------------------------------------------------------- solvers on the forms


def features_of(kind, seed=8):
    X = two_views(seed=seed)
    return X if kind == "plain" else 1e3 * UNSCALED[0] + X * UNSCALED


HYPER = {"variance": 25.0, "covariance": 25.0, "invariance": 1.0}


def general_graph_path(monkeypatch):
    """Force the general sparse-G reductions (no group detection)."""
    from spectral_ssl.forms import _onepass

    monkeypatch.setattr(_onepass, "clique_groups", lambda G: None)


@pytest.mark.parametrize("features", ["plain", "unscaled"])
@pytest.mark.parametrize("relation", ["pairing", "groups", "weighted groups", "knn"])
def test_vicreg_linear_fast_path_loss_and_W(relation, features, monkeypatch):
    X = features_of(features)
    G = relations(X)[relation]
    rep = vicreg.optimal_linear(X, G, 3, **HYPER)
    # the loss from the forms is the loss of losses.vicreg on the returned Z
    from_Z = losses.vicreg(rep.Z, G, **HYPER)
    assert abs(rep.loss - from_Z) <= 1e-9 * abs(from_Z)
    assert np.allclose(rep.Z, X @ rep.W + rep.bias, rtol=0, atol=1e-9 * np.max(np.abs(rep.Z)))
    general_graph_path(monkeypatch)
    other = vicreg.optimal_linear(X, G, 3, **HYPER)
    assert other.details["relation"] == "graph"
    assert np.max(np.abs(rep.W - other.W)) <= 1e-6 * np.max(np.abs(other.W))
    assert abs(rep.loss - other.loss) <= 1e-9 * abs(other.loss)


def test_vicreg_forms_loss_declines_when_the_graph_form_may_have_cancelled():
    W = np.eye(2)
    laplacian, scatter, weighted = np.eye(2) * 1e-3, np.eye(2), np.eye(2) * 1e6
    hyper = {**HYPER, "variance_kind": "square", "eps": 1e-4, "invariance": 1e8}
    assert _vicreg_linear.forms_loss(W, (laplacian, scatter, weighted), "graph", hyper, 10**6) is None
    value = _vicreg_linear.forms_loss(W, (laplacian, scatter, weighted), "groups", hyper, 10**6)
    assert value == pytest.approx(2 * 1e8 * 2e-3, rel=1e-12)  # variance 1: only the invariance


@pytest.mark.parametrize("features", ["plain", "unscaled"])
@pytest.mark.parametrize("relation", ["pairing", "groups", "knn"])
@pytest.mark.parametrize("n_components", [3, 12])
def test_spectral_contrastive_rank_and_loss_from_forms_equal_their_values_on_Z(relation, features,
                                                                                 n_components):
    X = features_of(features, seed=9)
    G = relations(X)[relation]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = spectral_contrastive.optimal_linear(X, G, min(n_components, X.shape[1] + 1))
    assert rep.details["basis"] == "reductions"
    assert rep.rank == linalg.representation_rank(rep.Z)
    from_Z = losses.spectral_contrastive(rep.Z, G)
    assert abs(rep.loss - from_Z) <= 1e-9 * abs(from_Z)


def test_spectral_contrastive_collapsed_rank_from_forms():
    # K = 6 = dim span(D^1/2 [X, 1]) for D = 5: every direction is used, and the constant
    # column (nu = 1) has no variance, so the rank is 5, from the forms as from Z
    X = two_views(seed=10)
    G = relations(X)["pairing"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = spectral_contrastive.optimal_linear(X, G, 6)
    assert rep.rank == linalg.representation_rank(rep.Z) == 5


@pytest.mark.parametrize("centered", [True, False])
@pytest.mark.parametrize("relation", ["pairing", "groups", "knn"])
def test_barlow_twins_whitened_linear_is_the_dense_cca(relation, centered):
    X = two_views(seed=11)
    G = relations(X)[relation]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = barlow_twins.optimal_linear(X, G, 3, constraint="whitened", centered=centered)
    Gd = G.toarray()
    d = Gd.sum(axis=1)
    F = X - d @ X / d.sum()
    if not centered:
        F = np.hstack([F, np.ones((X.shape[0], 1))])
    rho = scipy.linalg.eigvalsh(F.T @ Gd @ F, F.T @ (d[:, None] * F))[::-1][:3]
    assert np.max(np.abs(rep.eigenvalues - rho)) <= 1e-10
    from_Z = losses.barlow_twins(rep.Z, G, off_diagonal=5e-3, centered=centered)
    assert abs(rep.loss - from_Z) <= 1e-12 * max(1.0, abs(from_Z))
    assert rep.details["whitened_loss"] == pytest.approx(from_Z, rel=1e-8, abs=1e-12)


def test_moments_linear_solution_is_a_linear_representation_without_Z():
    X = two_views(seed=12)
    groups = np.tile(np.arange(X.shape[0] // 2), 2)
    sol = moments.vicreg_linear(X, None, 3, groups=groups, chunk_size=50, **HYPER)
    assert isinstance(sol, LinearRepresentation) and isinstance(sol, moments.LinearSolution)
    assert sol.Z.shape == (X.shape[0], 0) and sol.n_components == 3 and sol.n_samples == X.shape[0]
    assert sol.summary()["n_samples"] == X.shape[0]
    ref = vicreg.optimal_linear(X, graphs.from_groups(groups), 3, **HYPER)
    assert np.max(np.abs(sol.transform(X) - ref.Z)) <= 1e-8 * np.max(np.abs(ref.Z))


def test_the_threaded_sparse_product_equals_one_block(monkeypatch):
    from spectral_ssl import _threads
    from spectral_ssl.forms import _stats

    X = two_views(seed=13)
    G = graphs.knn(X, 6)
    one = forms.feature_reductions(X, G)
    monkeypatch.setattr(_stats, "SPARSE_THREADS", 2)
    monkeypatch.setattr(_stats, "SPARSE_THREADS_MIN_NNZ", 0)
    assert len(_threads.csr_row_blocks(forms.strict_upper(G), 2)) == 2
    two = forms.feature_reductions(X, G)
    for name in ("adjacency_form", "laplacian_form", "degree_form"):
        value = getattr(one, name)
        assert np.max(np.abs(getattr(two, name) - value)) <= 1e-12 * np.max(np.abs(value)), name


@pytest.mark.parametrize("relation", ["knn", "pairs", "groups of 4 shuffled", "unequal groups"])
@pytest.mark.parametrize("case", ["huge column", "two huge entries", "nan", "inf and -inf"])
def test_non_finite_products_name_their_cause_without_runtime_warnings(relation, case):
    """Finite entries of 1e155 and above overflow the products: the error says so (it said "NaN
    or inf"); a NaN or an inf is refused as such, without a RuntimeWarning first."""
    rng = np.random.default_rng(32)
    n = 4000
    X = rng.standard_normal((n, 3))
    G = {"knn": lambda: graphs.knn(X, 4),
         "pairs": lambda: graphs.from_groups(np.tile(np.arange(n // 2), 2)),
         "groups of 4 shuffled": lambda: graphs.from_groups(rng.permutation(np.tile(np.arange(n // 4), 4))),
         "unequal groups": lambda: graphs.from_groups(np.repeat(np.arange(800), [3, 7] * 400))}[relation]()
    if case == "huge column":
        X[:, 0] *= 1e155
    elif case == "two huge entries":
        X[5, 1] = X[6, 1] = 1e308
    elif case == "nan":
        X[5, 1] = np.nan
    else:
        X[5, 1], X[6, 1] = np.inf, -np.inf
    message = (r"X is finite but too large: the products of its columns overflow float64 \(largest "
               r"\|x\| = .*\); rescale it, e\.g\. X / np\.abs\(X\)\.max\(\)" if case.startswith(("huge", "two"))
               else r"X contains NaN or inf; remove or impute those entries first\.")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match=message):
            forms.feature_reductions(X, G)
        with pytest.raises(ValueError, match=message):
            vicreg.optimal_linear(X, G, 2)


@pytest.mark.parametrize("scale, columns", [(1e-160, "all"), (1e-170, "first")])
def test_features_whose_squares_underflow_are_refused(scale, columns):
    """At 1e-160 the optimum came out 7e-5 above the true one (exact=True); a column at 1e-170
    was taken as constant and dropped. Both are refused, with the fix."""
    rng = np.random.default_rng(33)
    X = rng.standard_normal((40, 3))
    G = graphs.knn(X, 4)
    if columns == "all":
        X = X * scale
    else:
        X[:, 0] *= scale
    with pytest.raises(ValueError, match=r"X has columns too small for float64 products \(column 0: "
                                         r"largest \|x\| = .*; squares below 1e-292 lose digits\); "
                                         r"rescale them, e\.g\. X / np\.abs\(X\)\.max\(axis=0\)"):
        vicreg.optimal_linear(X, G, 2)


def test_small_but_representable_features_give_the_optimum_of_their_rescaled_copy():
    rng = np.random.default_rng(33)
    X = rng.standard_normal((40, 3))
    G = graphs.knn(X, 4)
    reference = vicreg.optimal_linear(X, G, 2).loss
    assert vicreg.optimal_linear(X * 1e-140, G, 2).loss == pytest.approx(reference, rel=1e-12)
    zero = X.copy()
    zero[:, 2] = 0.0  # exactly zero: a constant column, not an underflow
    assert np.isfinite(vicreg.optimal_linear(zero, G, 2).loss)

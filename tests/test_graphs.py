"""Tests of spectral_ssl.graphs against brute-force constructions written here."""

from collections import Counter

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.spatial.distance import cdist

from spectral_ssl import graphs, kernels


# --------------------------------------------------------------------------- helpers


def edge_set(G):
    upper = sp.triu(G, k=1).tocoo()
    return set(zip(upper.row.tolist(), upper.col.tolist()))


def assert_valid_graph(G, n):
    assert sp.issparse(G) and G.format == "csr"
    assert G.dtype == np.float64
    assert G.shape == (n, n)
    dense = G.toarray()
    np.testing.assert_array_equal(dense, dense.T)
    np.testing.assert_array_equal(np.diag(dense), 0.0)
    assert np.all(dense >= 0)


def brute_knn(X, k):
    """Directed kNN adjacency from a full distance matrix (self excluded)."""
    dist = cdist(X, X)
    np.fill_diagonal(dist, np.inf)
    A = np.zeros_like(dist)
    for i in range(X.shape[0]):
        A[i, np.argsort(dist[i])[:k]] = 1.0
    return A


# --------------------------------------------------------------------------- from_groups, from_labels


def test_from_groups_structure():
    rng = np.random.default_rng(0)
    groups = rng.integers(0, 6, size=40)
    G = graphs.from_groups(groups)
    assert_valid_graph(G, 40)
    expected = (groups[:, None] == groups[None, :]).astype(float) - np.eye(40)
    np.testing.assert_array_equal(G.toarray(), expected)
    sizes = np.bincount(groups)
    assert G.nnz == int(np.sum(sizes * (sizes - 1)))


def test_from_groups_any_hashable_labels_and_singletons():
    G = graphs.from_groups(["a", "b", "a", "c", "b", "a"])
    expected = np.zeros((6, 6))
    for i, j in [(0, 2), (0, 5), (2, 5), (1, 4)]:
        expected[i, j] = expected[j, i] = 1.0
    np.testing.assert_array_equal(G.toarray(), expected)
    assert G.nnz == 3 * 2 + 2 * 1  # sizes 3, 2, 1
    assert G[3].nnz == 0  # the singleton "c" has no positive


def test_two_view_pairing_graph():
    N = 5
    G = graphs.from_groups(np.tile(np.arange(N), 2))
    expected = np.zeros((2 * N, 2 * N))
    for i in range(N):
        expected[i, N + i] = expected[N + i, i] = 1.0
    np.testing.assert_array_equal(G.toarray(), expected)


def test_from_labels_equals_label_equality():
    y = np.array([2, 0, 2, 1, 0, 2, 1])
    G = graphs.from_labels(y)
    assert_valid_graph(G, 7)
    np.testing.assert_array_equal(G.toarray(), (y[:, None] == y[None, :]) - np.eye(7))
    assert G.nnz == 3 * 2 + 2 * 1 + 2 * 1


# --------------------------------------------------------------------------- knn, gaussian


@pytest.mark.parametrize("k", [1, 3, 7])
def test_knn_union_and_mutual_against_brute_force(k):
    rng = np.random.default_rng(k)
    X = rng.normal(size=(35, 3))
    A = brute_knn(X, k)
    union = graphs.knn(X, n_neighbors=k)
    mutual = graphs.knn(X, n_neighbors=k, symmetrize="mutual")
    assert_valid_graph(union, 35)
    assert_valid_graph(mutual, 35)
    np.testing.assert_array_equal(union.toarray(), np.maximum(A, A.T))
    np.testing.assert_array_equal(mutual.toarray(), np.minimum(A, A.T))
    assert np.all(np.diff(union.indptr) >= k)
    assert np.all(np.diff(mutual.indptr) <= k)


def test_gaussian_dense_matches_formula():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(20, 4))
    bw = 1.3
    G = graphs.gaussian(X, bandwidth=bw)
    assert_valid_graph(G, 20)
    expected = np.zeros((20, 20))
    for i in range(20):
        for j in range(20):
            if i != j:
                expected[i, j] = np.exp(-np.sum((X[i] - X[j]) ** 2) / (2 * bw**2))
    np.testing.assert_allclose(G.toarray(), expected, rtol=1e-12, atol=0)
    assert G.nnz == 20 * 19


def test_gaussian_with_neighbours_keeps_only_the_knn_pattern():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(30, 2))
    bw, k = 0.7, 4
    G = graphs.gaussian(X, bandwidth=bw, n_neighbors=k)
    assert_valid_graph(G, 30)
    A = brute_knn(X, k)
    pattern = np.maximum(A, A.T)
    expected = pattern * np.exp(-cdist(X, X, "sqeuclidean") / (2 * bw**2))
    np.testing.assert_allclose(G.toarray(), expected, rtol=1e-12, atol=0)
    assert G.nnz == int(pattern.sum())


# --------------------------------------------------------------------------- rewire


def weighted_label_graph(seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(4), 10)
    W = rng.uniform(0.5, 2.0, (40, 40))
    W = np.triu(W, 1)
    W = W + W.T
    return sp.csr_matrix(graphs.from_labels(y).multiply(W)), y


@pytest.mark.parametrize("fraction, n_moved", [(0.3, 54), (0.25, 45), (0.5, 90)])
def test_rewire_moves_exactly_round_fraction_edges_across_classes(fraction, n_moved):
    G, y = weighted_label_graph()
    n_edges = G.nnz // 2
    assert n_edges == 4 * 10 * 9 // 2  # 180
    R = graphs.rewire(G, y, fraction, random_state=1)
    assert_valid_graph(R, 40)
    before, after = edge_set(G), edge_set(R)
    removed, added = before - after, after - before
    assert len(removed) == n_moved and len(added) == n_moved
    assert R.nnz // 2 == n_edges
    assert all(y[i] != y[j] for i, j in added)  # every moved edge is cross-class
    # each moved edge keeps its smaller endpoint: those are endpoints of the new edges
    kept = Counter(i for i, _ in removed)
    ends = Counter(v for edge in added for v in edge)
    assert all(ends[v] >= c for v, c in kept.items())
    # total weight, and the multiset of weights, preserved
    assert R.sum() == pytest.approx(G.sum(), rel=1e-14)
    np.testing.assert_allclose(np.sort(sp.triu(R, 1).data), np.sort(sp.triu(G, 1).data), rtol=0, atol=0)


def test_rewire_fraction_zero_is_identity_and_one_leaves_no_within_class_edge():
    G, y = weighted_label_graph(2)
    R0 = graphs.rewire(G, y, 0.0, random_state=0)
    np.testing.assert_array_equal(R0.toarray(), G.toarray())
    R1 = graphs.rewire(G, y, 1.0, random_state=0)
    within = R1.toarray() * (y[:, None] == y[None, :])
    assert np.count_nonzero(within) == 0
    assert R1.nnz == G.nnz
    assert R1.sum() == pytest.approx(G.sum(), rel=1e-14)


def test_rewire_is_deterministic_with_random_state():
    G, y = weighted_label_graph(3)
    a = graphs.rewire(G, y, 0.4, random_state=7)
    b = graphs.rewire(G, y, 0.4, random_state=7)
    c = graphs.rewire(G, y, 0.4, random_state=8)
    d = graphs.rewire(G, y, 0.4, random_state=np.random.default_rng(7))
    assert (a != b).nnz == 0
    assert (a != d).nnz == 0
    assert (a != c).nnz > 0


# --------------------------------------------------------------------------- make_views


def shift_with_zero_fill(img, dy, dx):
    out = np.roll(img, (dy, dx), axis=(0, 1))
    if dy == 1:
        out[0, :] = 0
    elif dy == -1:
        out[-1, :] = 0
    if dx == 1:
        out[:, 0] = 0
    elif dx == -1:
        out[:, -1] = 0
    return out


def test_make_views_shift_is_a_one_pixel_zero_filled_shift():
    N = 30
    X = np.stack([np.arange(64.0) + 1.0 + 100 * i for i in range(N)])  # 8x8 images, no zero pixel
    views, groups = graphs.make_views(X, n_views=3, augment=("shift",), random_state=0)
    assert views.shape == (3 * N, 64)
    np.testing.assert_array_equal(groups, np.tile(np.arange(N), 3))
    seen = Counter()
    for row in range(3 * N):
        img = X[row % N].reshape(8, 8)
        view = views[row].reshape(8, 8)
        matches = [s for s in [(-1, 0), (1, 0), (0, -1), (0, 1)]
                   if np.array_equal(view, shift_with_zero_fill(img, *s))]
        assert len(matches) == 1
        seen[matches[0]] += 1
        assert np.count_nonzero(view == 0) == 8  # one zero-filled border line
    assert len(seen) == 4  # every direction occurs


def test_make_views_shift_non_square_images():
    X = np.arange(1.0, 25.0).reshape(2, 12)
    views, _ = graphs.make_views(X, n_views=2, augment="shift", random_state=1, image_shape=(3, 4))
    for row in range(4):
        img = X[row % 2].reshape(3, 4)
        options = [shift_with_zero_fill(img, *s) for s in [(-1, 0), (1, 0), (0, -1), (0, 1)]]
        assert sum(np.array_equal(views[row].reshape(3, 4), o) for o in options) == 1


def test_make_views_noise_scale():
    rng = np.random.default_rng(5)
    N = 4000
    X = rng.normal(size=(N, 3)) * np.array([1.0, 5.0, 0.2])
    views, groups = graphs.make_views(X, n_views=2, augment=("noise",), random_state=2, noise_scale=0.1)
    assert views.shape == (2 * N, 3)
    for v in range(2):
        noise = views[v * N:(v + 1) * N] - X
        # std of the noise is 0.1 * feature std (sampling error ~1.1% here)
        np.testing.assert_allclose(noise.std(0), 0.1 * X.std(0), rtol=0.05)
        assert np.all(np.abs(noise.mean(0)) < 5 * 0.1 * X.std(0) / np.sqrt(N))
    still, _ = graphs.make_views(X[:10], n_views=2, augment=("noise",), random_state=2, noise_scale=0.0)
    np.testing.assert_array_equal(still, np.vstack([X[:10], X[:10]]))


def test_make_views_deterministic():
    X = np.random.default_rng(0).normal(size=(6, 16))
    a, _ = graphs.make_views(X, random_state=3)
    b, _ = graphs.make_views(X, random_state=3)
    c, _ = graphs.make_views(X, random_state=4)
    np.testing.assert_array_equal(a, b)
    assert np.max(np.abs(a - c)) > 0


# --------------------------------------------------------------------------- check


def test_check_accepts_valid_graphs():
    W = np.array([[0, 2.0, 0], [2.0, 0, 0.5], [0, 0.5, 0]])
    G = graphs.check(W)
    assert G.format == "csr" and G.dtype == np.float64
    np.testing.assert_array_equal(G.toarray(), W)
    assert G.nnz == 4
    S = sp.coo_matrix(W)
    S.data = np.append(S.data, 0.0)  # an explicit zero is removed
    S.row = np.append(S.row, 0)
    S.col = np.append(S.col, 2)
    out = graphs.check(S)
    assert out.nnz == 4
    np.testing.assert_array_equal(out.toarray(), W)
    # symmetric up to round-off is accepted
    noisy = W + 1e-14 * np.array([[0, 1, 0], [0, 0, 0], [0, 0, 0]])
    assert graphs.check(noisy).nnz == 4


# --------------------------------------------------------------------------- bad input

BAD_GRAPHS = [
    (np.array([[0, 1.0, 0], [0.5, 0, 1.0], [0, 1.0, 0]]), ValueError, "G is not symmetric"),
    (np.array([[0, -1.0], [-1.0, 0]]), ValueError, "G has negative weights"),
    (np.array([[0, np.nan], [np.nan, 0]]), ValueError, "G contains NaN or inf"),
    (np.array([[0, np.inf], [np.inf, 0]]), ValueError, "G contains NaN or inf"),
    (np.ones((2, 3)), ValueError, "G must be square"),
    (np.array([[0, 1j], [1j, 0]]), TypeError, "G must be a real numeric matrix"),
    (sp.csr_matrix(np.array([[0, 1j], [1j, 0]])), TypeError, "G has a complex dtype"),
    (np.zeros((2, 2)), ValueError, "G is empty"),
    (np.array([[1.0, 1.0], [1.0, 0]]), ValueError, "G has a nonzero diagonal"),
    (np.array([1.0, 2.0]), ValueError, "G must be 2-D"),
    (7, TypeError, "G must be a square array"),
]


@pytest.mark.parametrize("G, error, message", BAD_GRAPHS)
def test_check_and_rewire_refuse_bad_graphs(G, error, message):
    with pytest.raises(error, match=message):
        graphs.check(G)
    with pytest.raises(error, match=message):
        graphs.rewire(G, [0, 1], 0.5)


X_OK = np.random.default_rng(0).normal(size=(10, 4))
G_OK, Y_OK = weighted_label_graph()


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: graphs.from_groups(np.zeros((2, 2))), ValueError, "groups must be 1-D"),
        (lambda: graphs.from_groups([0]), ValueError, "groups must have at least 2 entries"),
        (lambda: graphs.from_groups([0.0, np.nan, 0.0]), ValueError, "groups contains NaN or inf"),
        (lambda: graphs.from_groups([0, 1, 2]), ValueError, "groups has no two samples in the same group"),
        (lambda: graphs.from_labels(np.zeros((3, 1))), ValueError, "labels must be 1-D"),
        (lambda: graphs.from_labels([1.0, np.inf]), ValueError, "labels contains NaN or inf"),
        (lambda: graphs.knn(X_OK, 3, symmetrize="both"), ValueError, "symmetrize must be one of"),
        (lambda: graphs.knn(X_OK, 0), ValueError, "n_neighbors must be between 1 and"),
        (lambda: graphs.knn(X_OK, 10), ValueError, "n_neighbors must be between 1 and n_samples - 1 = 9"),
        (lambda: graphs.knn(X_OK, 2.5), TypeError, "n_neighbors must be an integer"),
        (lambda: graphs.knn(X_OK, True), TypeError, "n_neighbors must be an integer"),
        (lambda: graphs.knn(sp.csr_matrix(X_OK), 2), TypeError, "X is a sparse matrix"),
        (lambda: graphs.knn(X_OK[:, 0], 2), ValueError, "X must be 2-D"),
        (lambda: graphs.knn(np.where(X_OK > 1, np.nan, X_OK), 2), ValueError, "X contains NaN or inf"),
        (lambda: graphs.knn(X_OK.astype(complex), 2), TypeError, "X must be a real numeric array"),
        (lambda: graphs.gaussian(X_OK, bandwidth=0.0), ValueError, "bandwidth must be > 0"),
        (lambda: graphs.gaussian(X_OK, bandwidth=-1.0), ValueError, "bandwidth must be > 0"),
        (lambda: graphs.gaussian(X_OK, bandwidth=np.inf), ValueError, "bandwidth must be finite"),
        (lambda: graphs.gaussian(X_OK, bandwidth="auto"), TypeError, "bandwidth must be a real number"),
        (lambda: graphs.gaussian(X_OK, bandwidth=1e-3), ValueError, "every Gaussian weight underflowed"),
        (lambda: graphs.gaussian(X_OK, bandwidth=1.0, n_neighbors=20), ValueError, "n_neighbors must be between"),
        (lambda: graphs.gaussian(sp.csr_matrix(X_OK), bandwidth=1.0), TypeError, "X is a sparse matrix"),
        (lambda: graphs.rewire(G_OK, Y_OK, -0.1), ValueError, "fraction must be >= 0"),
        (lambda: graphs.rewire(G_OK, Y_OK, 1.5), ValueError, "fraction must be >= 0.0 and <= 1.0"),
        (lambda: graphs.rewire(G_OK, Y_OK, np.nan), ValueError, "fraction must be finite"),
        (lambda: graphs.rewire(G_OK, Y_OK[:-1], 0.5), ValueError, "labels has 39 entries but G has 40"),
        (lambda: graphs.rewire(G_OK, np.zeros(40), 0.5), ValueError, "labels has a single class"),
        (lambda: graphs.rewire(G_OK, Y_OK, 0.5, random_state="seed"), TypeError, "random_state must be None"),
        (lambda: graphs.make_views(X_OK, n_views=1), ValueError, "n_views must be >= 2, got 1"),
        (lambda: graphs.make_views(X_OK, n_views=2.5), TypeError, "n_views must be an integer, got 2.5"),
        (lambda: graphs.make_views(X_OK, augment=("blur",)), ValueError, "augment must be one of"),
        (lambda: graphs.make_views(X_OK, augment="noise", noise_scale=-0.1), ValueError, "noise_scale must be >= 0"),
        (lambda: graphs.make_views(np.ones((3, 12)), augment="shift"), ValueError, "augment='shift' needs image_shape"),
        (lambda: graphs.make_views(np.ones((3, 12)), augment="shift", image_shape=(3, 5)),
         ValueError, "image_shape=.3, 5. does not hold 12 features"),
        (lambda: graphs.make_views(sp.csr_matrix(X_OK)), TypeError, "X is a sparse matrix"),
        (lambda: graphs.make_views(X_OK, random_state=1.5), TypeError, "random_state must be None"),
    ],
)
def test_bad_arguments_are_refused(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("scale", [1e-170, 1e-160, 1e160, 1e300])
def test_graphs_do_not_depend_on_the_scale_of_the_features(scale):
    # squared distances under- or overflowed: knn of X * 1e-170 changed 125 edges (ties broken by
    # index), gaussian weights came out NaN at 1e-170 and 2e-4 off at 1e-160, gaussian(X, 1e160)
    # raised OverflowError, meanshift / nnclr saw zero or infinite row norms
    X = np.random.default_rng(0).standard_normal((30, 3))
    assert (graphs.knn(X * scale, 3) != graphs.knn(X, 3)).nnz == 0
    for k in (None, 3):
        scaled, plain = graphs.gaussian(X * scale, 1.3 * scale, n_neighbors=k), graphs.gaussian(X, 1.3, n_neighbors=k)
        assert (scaled != 0).nnz == plain.nnz and abs(scaled - plain).max() <= 1e-15
    assert (graphs.meanshift(X * scale, 3) != graphs.meanshift(X, 3)).nnz == 0
    assert kernels.median_bandwidth(X * scale) == pytest.approx(scale * kernels.median_bandwidth(X), rel=1e-15)
    assert kernels.Kernel("rbf", bandwidth=scale)(X * scale, X[:4] * scale) == pytest.approx(
        np.exp(-cdist(X, X[:4], "sqeuclidean") / 2), abs=1e-15)


def test_a_huge_bandwidth_gives_weights_of_one():
    X = np.random.default_rng(0).standard_normal((6, 2))
    G = graphs.gaussian(X, 1e160)
    assert G.nnz == 30 and np.all(G.data == 1.0)

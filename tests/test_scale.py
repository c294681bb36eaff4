"""Tests of spectral_ssl.moments (formerly spectral_ssl.scale): chunked reductions and the large-N linear VICReg solve.

References are independent dense computations (explicit L, D_G, H) or the in-memory
solver ``methods.vicreg.optimal_linear``; the dask tests compare the blockwise result
with the in-memory one on a LocalCluster bound to 127.0.0.1.
"""

import numpy as np
import pytest
import scipy.sparse as sp

from spectral_ssl import forms, graphs, linalg, losses, moments, scale
from spectral_ssl.exceptions import CollapseWarning
from spectral_ssl.methods import vicreg

FORMS = ("sums", "gram", "scatter", "laplacian_form", "degree_form", "adjacency_form", "degree_sums")


def data(n=120, d=5, seed=0, offset=3.0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) + offset


def view_groups(n_sources, n_views, seed=0):
    groups = np.tile(np.arange(n_sources), n_views)
    np.random.default_rng(seed).shuffle(groups)
    return groups


def dense_reference(X, G):
    """Every reduction from dense N x N matrices (independent of the chunked code)."""
    W = G.toarray()
    N = X.shape[0]
    d = W.sum(axis=1)
    H = np.eye(N) - np.ones((N, N)) / N
    return {
        "sums": X.sum(axis=0), "gram": X.T @ X, "scatter": X.T @ H @ X,
        "laplacian_form": X.T @ (np.diag(d) - W) @ X, "degree_form": X.T @ np.diag(d) @ X,
        "adjacency_form": X.T @ W @ X, "degree_sums": X.T @ d, "volume": d.sum(),
    }


def rel_err(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def assert_same_reductions(red, ref, rtol):
    for name in FORMS:
        assert rel_err(getattr(red, name), ref[name] if isinstance(ref, dict) else getattr(ref, name)) < rtol, name
    volume = ref["volume"] if isinstance(ref, dict) else ref.volume
    assert abs(red.volume - volume) <= rtol * volume


# --------------------------------------------------------------------------- reductions


def test_graph_reductions_match_dense_formulas():
    X = data()
    G = graphs.knn(X, 6)
    red = scale.reductions(X, G)
    assert_same_reductions(red, dense_reference(X, G), 1e-12)
    assert red.n_samples == 120 and red.details["relation"] == "graph"
    assert rel_err(red.mean, X.mean(axis=0)) < 1e-14
    assert rel_err(red.covariance, np.cov(X.T, bias=True)) < 1e-12


def test_group_reductions_match_the_formed_graph():
    X = data(n=150)
    groups = view_groups(50, 3)
    red = scale.reductions(X, groups=groups)
    assert_same_reductions(red, dense_reference(X, graphs.from_groups(groups)), 1e-12)
    assert red.volume == 150 * 2  # every sample has 2 sibling views


@pytest.mark.parametrize("kind", ["two views", "four views", "unequal"])
@pytest.mark.parametrize("chunk_size", [None, 16])
def test_group_reductions_of_each_layout_match_the_formed_graph(kind, chunk_size):
    # two views: sums and differences of pairs; four: Helmert contrasts; unequal: weighted deviations
    if kind == "two views":
        groups = view_groups(60, 2, seed=6)
    elif kind == "four views":
        groups = view_groups(30, 4, seed=7)
    else:
        groups = np.random.default_rng(8).integers(0, 25, size=120)
    X = data(n=120, d=4, seed=9, offset=50.0)
    red = scale.reductions(X, groups=groups, chunk_size=chunk_size)
    assert_same_reductions(red, dense_reference(X, graphs.from_groups(groups)), 1e-11)


@pytest.mark.parametrize("groups", [np.tile(np.arange(10), 2), np.tile(np.arange(5), 4),
                                    np.r_[np.zeros(3, int), np.arange(1, 9).repeat(2), [9]]])
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_group_reductions_refuse_non_finite_rows(groups, value):
    for row in (0, 13, 19):  # a first member, a later member, the last row
        X = data(n=20, d=3)
        X[row, 1] = value
        with pytest.raises(ValueError, match="X contains NaN or inf"):
            scale.reductions(X, groups=groups, chunk_size=6)


def test_group_laplacian_form_is_size_weighted_within_group_scatter():
    # X^T L X = sum_g m_g sum_{i in g} (x_i - mean_g)(x_i - mean_g)^T, unequal groups and singletons
    X = data(n=30, d=3, seed=4)
    groups = np.array([0] * 5 + [1] * 2 + [2] * 9 + [3] + [4] * 13)
    expected = np.zeros((3, 3))
    for g in np.unique(groups):
        Xg = X[groups == g]
        dev = Xg - Xg.mean(axis=0)
        expected += len(Xg) * dev.T @ dev
    red = scale.reductions(X, groups=groups, chunk_size=4)
    assert rel_err(red.laplacian_form, expected) < 1e-12
    assert red.volume == 5 * 4 + 2 * 1 + 9 * 8 + 0 + 13 * 12


def test_reductions_without_relation():
    X = data(n=40)
    red = scale.reductions(X, chunk_size=9)
    assert red.laplacian_form is None and red.volume is None
    assert rel_err(red.scatter, linalg.center(X).T @ linalg.center(X)) < 1e-12
    assert red.details["n_chunks"] == 5


@pytest.mark.parametrize("chunk_size", [1, 7, 64])
@pytest.mark.parametrize("relation", ["graph", "groups"])
def test_tiny_chunks_equal_one_chunk(relation, chunk_size):
    X = data(n=97, d=4, seed=2)
    if relation == "graph":
        G, kwargs = graphs.knn(X, 5), {}
    else:
        G, kwargs = None, {"groups": np.r_[view_groups(48, 2), [48]]}  # one singleton
    whole = scale.reductions(X, G, **kwargs)
    chunked = scale.reductions(X, G, chunk_size=chunk_size, **kwargs)
    assert whole.details["n_chunks"] == 1
    assert chunked.details["n_chunks"] > 1
    assert_same_reductions(chunked, whole, 1e-12)


def test_memmap_path_and_memmap_object_equal_in_memory(tmp_path):
    X = data(n=211, d=6, seed=3)
    G = graphs.knn(X, 4)
    path = tmp_path / "X.npy"
    np.save(path, X)
    whole_g = scale.reductions(X, G)
    whole_v = scale.reductions(X, groups=np.arange(211) % 70)
    for source in (str(path), path, np.load(path, mmap_mode="r")):
        red = scale.reductions(source, G, chunk_size=16)
        assert red.details["source"] in ("npy", "memmap")
        assert_same_reductions(red, whole_g, 1e-12)
        assert_same_reductions(scale.reductions(source, groups=np.arange(211) % 70, chunk_size=10),
                               whole_v, 1e-12)


def test_float32_memmap_is_promoted(tmp_path):
    X = data(n=50, d=3).astype(np.float32)
    path = tmp_path / "X32.npy"
    np.save(path, X)
    red = scale.reductions(path, groups=np.arange(50) % 25, chunk_size=8)
    ref = dense_reference(X.astype(np.float64), graphs.from_groups(np.arange(50) % 25))
    assert_same_reductions(red, ref, 1e-12)


def test_large_mean_does_not_cancel():
    # mean 1e6, spread 1: X^T X - N m m^T would lose ~12 digits; the shifted pass keeps them.
    rng = np.random.default_rng(5)
    X = rng.normal(size=(500, 3)) + 1e6
    Xc = X - X.mean(axis=0)
    red = scale.reductions(X, groups=np.arange(500) % 250, chunk_size=33)
    assert rel_err(red.scatter, Xc.T @ Xc) < 1e-9
    G = graphs.from_groups(np.arange(500) % 250)
    assert rel_err(red.laplacian_form, linalg.graph_quadratic_form(Xc, G)) < 1e-9


# --------------------------------------------------------------------------- VICReg from reductions


HYPER = [
    {"variance": 1.0, "covariance": 1.0, "invariance": 0.05},    # beta >= alpha: diagonal case
    {"variance": 25.0, "covariance": 1.0, "invariance": 1.0},    # beta < alpha: water-filling + rotation
    {"variance": 2.0, "covariance": 3.0, "invariance": 0.5},
]


@pytest.mark.parametrize("hyper", HYPER)
@pytest.mark.parametrize("relation", ["knn", "groups"])
def test_vicreg_linear_equals_optimal_linear(relation, hyper):
    X = data(n=180, d=6, seed=6)
    if relation == "knn":
        G, groups = graphs.knn(X, 7), None
        call_G = G
    else:
        groups = view_groups(60, 3, seed=1)
        G, call_G = graphs.from_groups(groups), None
    ref = vicreg.optimal_linear(X, G, 4, **hyper)
    sol = scale.vicreg_linear(X, call_G, 4, groups=groups, chunk_size=11, **hyper)
    assert rel_err(sol.W, ref.W) < 1e-10
    assert rel_err(sol.bias, ref.bias) < 1e-10
    assert rel_err(sol.eigenvalues, ref.eigenvalues) < 1e-10
    assert rel_err(sol.scales, ref.scales) < 1e-10
    assert abs(sol.loss - ref.loss) <= 1e-10 * abs(ref.loss)
    assert sol.rank == ref.rank and sol.exact and sol.n_samples == 180
    assert rel_err(sol.transform(X[:5]), ref.Z[:5]) < 1e-10


def test_loss_from_reductions_equals_the_graph_form_loss():
    X = data(n=90, d=4, seed=8)
    G = graphs.knn(X, 5)
    red = scale.reductions(X, G)
    sol = scale.vicreg_linear_from_reductions(red, 3, variance=3.0, covariance=1.0, invariance=0.2)
    Z = X @ sol.W + sol.bias
    value = losses.vicreg(Z, G, variance=3.0, covariance=1.0, invariance=0.2)
    assert abs(sol.loss - value) <= 1e-10 * abs(value)
    # the minimal-loss formula of the reduced problem agrees as well
    assert abs(sol.details["minimal_loss"] - value) <= 1e-10 * abs(value)


def test_vicreg_linear_from_memmap_equals_in_memory(tmp_path):
    X = data(n=160, d=5, seed=9)
    groups = view_groups(80, 2, seed=3)
    path = tmp_path / "X.npy"
    np.save(path, X)
    ref = vicreg.optimal_linear(X, graphs.from_groups(groups), 3, variance=1.0, covariance=1.0,
                                invariance=0.1)
    sol = scale.vicreg_linear(path, None, 3, groups=groups, chunk_size=6, variance=1.0,
                              covariance=1.0, invariance=0.1)
    assert rel_err(sol.W, ref.W) < 1e-10
    assert rel_err(sol.bias, ref.bias) < 1e-10


def test_column_signs_follow_sign_flip_with_ties_across_chunks():
    # column 0: exact tie between rows 2 and 7 (different chunks), first decides (negative);
    # column 1: a single largest entry, positive.
    X = np.zeros((10, 2))
    X[:, 0] = [0.1, 0.2, -3.0, 0.5, 0.0, 1.0, 2.0, 3.0, -1.0, 0.3]
    X[:, 1] = np.linspace(-1.0, 2.0, 10)
    W = np.eye(2)
    signs = scale.column_signs(X, W, np.zeros(2), chunk_size=3)
    expected = np.sign(np.sum(linalg.sign_flip(X) * X, axis=0))
    assert np.array_equal(signs, expected)
    assert np.array_equal(signs, [-1.0, 1.0])


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: scale.reductions(np.ones((4, 2)), graphs.from_groups([0, 0, 1, 1]), groups=[0, 0, 1, 1]),
         ValueError, "either G or groups"),
        (lambda: scale.reductions(np.ones((4, 2)), groups=[0, 1, 2, 3]), ValueError, "no two samples"),
        (lambda: scale.reductions(np.ones((4, 2)), groups=[0, 0, 1]), ValueError, "one entry per sample"),
        (lambda: scale.reductions(np.ones((5, 2)), graphs.from_groups([0, 0, 1, 1])), ValueError,
         "X has 5 rows but the graph G has 4"),
        (lambda: scale.reductions(np.array([[1.0, np.nan], [0.0, 1.0]])), ValueError, "NaN or inf"),
        (lambda: scale.reductions(np.ones(4)), ValueError, "must be 2-D"),
        (lambda: scale.reductions(sp.eye(3, format="csr")), TypeError, "sparse matrix"),
        (lambda: scale.reductions(np.ones((4, 2)), chunk_size=0), ValueError, r"chunk_size must be >= 1 \(rows per chunk\), got 0"),
        (lambda: scale.reductions("/nonexistent/X.npy"), ValueError, "no such file"),
        (lambda: scale.vicreg_linear_from_reductions(scale.reductions(np.eye(3)), 1), ValueError,
         "has no relation"),
        (lambda: scale.vicreg_linear_from_reductions(np.eye(3), 1), TypeError, "FeatureReductions"),
        (lambda: scale.vicreg_linear(np.eye(3), None, 1), ValueError, "give the relation"),
        (lambda: scale.vicreg_linear(data(n=20, d=2), None, 3, groups=np.arange(20) % 10), ValueError,
         "n_components=3 is larger than"),
    ],
)
def test_bad_input_is_refused(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --------------------------------------------------------------------------- dask


@pytest.fixture(scope="module")
def dask_client():
    pytest.importorskip("dask.array")
    distributed = pytest.importorskip("dask.distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       host="127.0.0.1", protocol="tcp", dashboard_address=None)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.mark.extra
@pytest.mark.parametrize("relation", ["none", "graph", "groups"])
def test_dask_reductions_equal_in_memory(dask_client, relation):
    import dask.array as da

    X = data(n=230, d=5, seed=10)
    G = graphs.knn(X, 5) if relation == "graph" else None
    kwargs = {"groups": view_groups(115, 2, seed=4)} if relation == "groups" else {}
    expected = scale.reductions(X, G, **kwargs)
    red = scale.reductions(da.from_array(X, chunks=(50, 2)), G, chunk_size=40, **kwargs)
    assert red.details["source"] == "dask" and red.details["n_chunks"] > 1
    for name in FORMS[:3] if relation == "none" else FORMS:
        assert rel_err(getattr(red, name), getattr(expected, name)) < 1e-10, name


@pytest.mark.extra
def test_dask_vicreg_linear_from_npy_equals_optimal_linear(dask_client, tmp_path):
    X = data(n=200, d=5, seed=11)
    groups = view_groups(100, 2, seed=5)
    path = tmp_path / "X.npy"
    np.save(path, X)
    Xd = scale.dask_from_npy(path, chunk_size=45)
    assert Xd.shape == (200, 5) and Xd.numblocks[0] == 5
    ref = vicreg.optimal_linear(X, graphs.from_groups(groups), 3, variance=1.0, covariance=1.0,
                                invariance=0.1)
    sol = scale.vicreg_linear(Xd, None, 3, groups=groups, variance=1.0, covariance=1.0,
                              invariance=0.1)
    assert rel_err(sol.W, ref.W) < 1e-10
    assert rel_err(sol.bias, ref.bias) < 1e-10
    assert abs(sol.loss - ref.loss) <= 1e-10 * abs(ref.loss)


@pytest.mark.extra
def test_dask_nan_is_refused(dask_client):
    import dask.array as da

    X = data(n=20, d=2)
    X[13, 1] = np.inf
    with pytest.raises(ValueError, match="NaN or inf"):
        scale.reductions(da.from_array(X, chunks=(5, 2)), groups=np.arange(20) % 10)


@pytest.mark.parametrize("views", [2, 3, 4])
def test_view_major_groups_read_as_views_equal_a_shuffled_layout(views):
    # view-major groups of equal size are read as views of X (no copy); any other order is
    # gathered: both give the same reductions, and X is not written to
    X = data(n=120, d=5, seed=31) + 1e3
    before = X.copy()
    n = 120 // views
    groups = np.tile(np.arange(n), views)
    fast = scale.reductions(X, groups=groups, chunk_size=50)  # several chunks of whole groups
    assert np.array_equal(X, before)
    perm = np.random.default_rng(31).permutation(120)
    slow = scale.reductions(X[perm], groups=groups[perm])
    assert_same_reductions(fast, slow, 1e-12)
    # against the definition, by numpy: X^T L X = sum over groups of m * within-group scatter
    members = (X - 1e3).reshape(views, n, 5)
    dev = members - members.mean(axis=0)
    expected = views * np.einsum("gnd,gne->de", dev, dev)
    np.testing.assert_allclose(fast.laplacian_form, expected, rtol=1e-9)
    Xc = X - X.mean(0)
    np.testing.assert_allclose(fast.scatter, Xc.T @ Xc, rtol=1e-9)


@pytest.mark.parametrize("relation", ["graph", "groups"])
def test_weighted_scatter_matches_its_definition(relation):
    X = data(n=90, d=4, seed=32) + 1e4  # a large mean: no cancellation allowed
    if relation == "graph":
        G = graphs.knn(X - 1e4, 5)
        red = scale.reductions(X, G)
    else:
        groups = np.tile(np.arange(30), 3)
        G = graphs.from_groups(groups)
        red = scale.reductions(X, groups=groups)
    d = np.asarray(G.sum(axis=1)).ravel()
    m = (X - 1e4).T @ d / d.sum()  # the weighted mean, computed on the unshifted values
    Y = (X - 1e4) - m
    np.testing.assert_allclose(red.weighted_scatter, Y.T @ (d[:, None] * Y), rtol=1e-9)


# --------------------------------------------------------------------------- the former name


def test_scale_re_exports_every_public_name_of_moments():
    assert sorted(scale.__all__) == sorted(moments.__all__)
    for name in moments.__all__:
        assert getattr(scale, name) is getattr(moments, name), name
    # defined in the private modules, documented (and pickled) under the package
    assert moments.reductions.__module__ == "spectral_ssl.moments"
    # the forms moved one layer down (spectral_ssl.forms); moments re-exports the same class
    assert moments.FeatureReductions is forms.FeatureReductions
    assert moments.FeatureReductions.__module__ == "spectral_ssl.forms"


@pytest.mark.parametrize("module", [moments, scale])
def test_chunk_bytes_assigned_on_the_package_reaches_the_passes(module, monkeypatch):
    X = data(n=2100, d=1, seed=33)
    assert scale.reductions(X).details["n_chunks"] == 1  # 64 MiB: one chunk
    monkeypatch.setattr(module, "CHUNK_BYTES", 8)  # the floor of 1024 rows per chunk
    assert moments.CHUNK_BYTES == 8
    assert scale.reductions(X).details["n_chunks"] == 3


# --------------------------------------------------------------------------- round-off of the solve


def short_edge_views(seed=1, n=150, d=4, spread=1e-8):
    """Two views ``spread`` apart: X^T D_G X - X^T G X cancels to about 1e-16 / spread**2 relative."""
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(n, d))
    return np.vstack([base + spread * rng.normal(size=base.shape),
                      base + spread * rng.normal(size=base.shape)])


def loss_at(X, W, G, **hyper):
    """losses.vicreg at Z = X W + b (translation invariant: centred in longdouble first)."""
    Xl = X.astype(np.longdouble)
    return losses.vicreg(((Xl - Xl.mean(axis=0)) @ W).astype(np.float64), G, **hyper)


@pytest.mark.parametrize("chunk_size", [None, 64])
def test_vicreg_linear_reduces_a_clique_graph_through_its_groups(chunk_size):
    # views 1e-8 apart at invariance 1e14: the graph forms reported a loss of 0.12966 (exact=True)
    # for a W whose loss is 0.045157; the optimum (optimal_linear, or groups=) is 0.0404122606
    X = short_edge_views()
    G = graphs.from_groups(np.tile(np.arange(150), 2))
    sol = moments.vicreg_linear(X, G, 2, chunk_size=chunk_size, invariance=1e14)
    assert sol.details["reductions"].details["relation"] == "groups"
    assert sol.exact
    assert sol.loss == pytest.approx(0.0404122606, rel=1e-8)
    assert loss_at(X, sol.W, G, invariance=1e14) == pytest.approx(0.0404122606, rel=1e-8)


def test_reductions_of_a_weighted_clique_graph_carry_its_weight():
    X = data(n=60, d=3, seed=41)
    G = 2.5 * graphs.from_groups(np.repeat(np.arange(20), 3))
    ref = dense_reference(X, G)
    for chunk_size in (None, 7):
        red = moments.reductions(X, G, chunk_size=chunk_size)
        assert red.details["relation"] == "groups" and red.details["weight"] == 2.5
        for key in ("laplacian_form", "degree_form", "adjacency_form", "degree_sums"):
            np.testing.assert_allclose(getattr(red, key), ref[key], rtol=1e-10, atol=1e-9, err_msg=key)
        assert red.volume == pytest.approx(ref["volume"], rel=1e-15)


@pytest.mark.parametrize("chunk_size", [None, 64])
def test_vicreg_linear_on_a_cancelling_general_graph_is_not_exact_and_takes_the_loss_from_z(chunk_size):
    # a weighted pairing graph (not a union of cliques of one weight), views 1e-8 apart: the
    # forms reported -0.043 with exact=True, for a W whose loss is 0.0591 (optimum 0.0484)
    rng = np.random.default_rng(1)
    base = rng.normal(size=(150, 4))
    w = rng.uniform(0.5, 2.0, 150)
    i = np.arange(150)
    G = sp.coo_matrix((np.r_[w, w], (np.r_[i, i + 150], np.r_[i + 150, i])), shape=(300, 300)).tocsr()
    X = np.vstack([base + 1e-8 * rng.normal(size=base.shape), base + 1e-8 * rng.normal(size=base.shape)])
    with pytest.warns(UserWarning, match=r"moments.vicreg_linear: at invariance = 1e\+14 the generalized "
                                         r"eigenvalues mu_k .* Returned with exact=False"):
        sol = moments.vicreg_linear(X, G, 2, chunk_size=chunk_size, invariance=1e14)
    assert not sol.exact
    assert sol.details["loss_from"] == "Z (one more chunked pass)"
    assert sol.loss == pytest.approx(loss_at(X, sol.W, G, invariance=1e14), rel=1e-7)
    assert sol.loss > 0.0484  # above the optimum of optimal_linear: not claimed optimal


def test_vicreg_linear_warns_on_collapse():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(203, 5)) @ rng.normal(size=(5, 5))
    groups = np.tile(np.arange(102), 2)[:203]
    with pytest.warns(CollapseWarning, match=r"VICReg \(linear\): the optimum keeps 1 of the 3 directions"):
        sol = moments.vicreg_linear(X, None, 3, groups=groups, chunk_size=7)
    assert sol.rank == 1


def test_vicreg_linear_loss_is_not_negative():
    # N = 3, a group of two and a singleton: the optimum's loss is 0 (Z constant on the pair);
    # the forms gave -9.9e-14 (exact=True); their round-off bound exceeds the loss, so the loss
    # comes from Z, as in optimal_linear
    X = np.random.default_rng(2).normal(size=(3, 3))
    for chunk_size in (None, 2):
        sol = moments.vicreg_linear(X, None, 1, groups=[0, 0, 1], chunk_size=chunk_size)
        assert sol.details["loss_from"] == "Z (one more chunked pass)"
        assert 0.0 <= sol.loss <= 1e-25
    red = moments.reductions(X, groups=[0, 0, 1])
    with pytest.warns(UserWarning, match="the loss from the forms may carry more than 1e-09 of round-off"):
        sol = moments.vicreg_linear_from_reductions(red, 1)  # (3 samples, 3 features: collinear too)
    assert not sol.exact and 0.0 <= sol.loss <= 1e-12


@pytest.mark.parametrize("chunk_size", [None, 64])
def test_vicreg_linear_keeps_a_nearly_collinear_direction(chunk_size):
    # x4 = x1 + x2 + 1e-6 noise: the correlation eigenvalue 1e-12 was cut at 1e-10 of the largest,
    # giving 74.2393 (exact=True) against the optimum 73.9945960 (optimal_linear on the SVD of X)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    X = np.c_[X, X[:, 0] + X[:, 1] + 1e-6 * rng.normal(size=400)]
    groups = np.tile(np.arange(200), 2)
    with pytest.warns(UserWarning, match=r"the features are nearly collinear .* condition number above 1e\+06"):
        sol = moments.vicreg_linear(X, None, 3, groups=groups, chunk_size=chunk_size)
    assert not sol.exact  # the forms decide that direction only roughly: 7.6e-8 / 2.2e-7 above
    assert sol.loss == pytest.approx(73.9945960, rel=5e-7)
    assert loss_at(X, sol.W, graphs.from_groups(groups)) == pytest.approx(sol.loss, rel=1e-9)

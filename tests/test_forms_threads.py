"""The one-pass forms on threads: the same numbers for any number of threads.

The group pass sums its blocks in block order, so one thread and several give bitwise equal
forms; the general-graph pass cuts its rows by the number of threads, so its sums agree to
round-off. Expected values are dense products computed here (``X.T @ L @ X`` with
:math:`L` formed explicitly), never the forms themselves.
"""

import numpy as np
import pytest
import scipy.sparse as sp

from spectral_ssl import _threads, forms, graphs
from spectral_ssl.forms import _onepass, _stats

FIELDS = ("gram", "scatter", "laplacian_form", "degree_form", "adjacency_form", "degree_sums",
          "weighted_scatter")


def features(n=600, d=7, seed=0, mean=50.0):
    rng = np.random.default_rng(seed)
    return mean + rng.standard_normal((n, d)) @ rng.standard_normal((d, d))


def labels_of_sizes(n, seed=1):
    """Groups of 2..6 members, each group's members side by side (labels np.repeat(ids, sizes))."""
    rng = np.random.default_rng(seed)
    sizes = []
    while sum(sizes) < n:
        sizes.append(int(rng.integers(2, 7)))
    sizes[-1] += n - sum(sizes)
    if sizes[-1] < 2:
        sizes[-2] += sizes.pop()
    return np.repeat(np.arange(len(sizes)), sizes)


def dense_forms(X, G):
    G = G.toarray()
    d = G.sum(axis=1)
    L = np.diag(d) - G
    return {"laplacian_form": X.T @ L @ X, "degree_form": X.T @ (d[:, None] * X),
            "adjacency_form": X.T @ G @ X, "gram": X.T @ X}


def run(X, G, threads, monkeypatch):
    """feature_reductions with ``threads`` threads and blocks small enough to make several."""
    monkeypatch.setattr(_threads, "BLOCK_THREADS", threads)
    monkeypatch.setattr(_stats, "SPARSE_THREADS", threads)
    monkeypatch.setattr(_stats, "SPARSE_THREADS_MIN_NNZ", 0)
    monkeypatch.setattr(_onepass, "THREADS_MIN_ENTRIES", 0)
    monkeypatch.setattr(_onepass, "BLOCK_ROWS", 48)
    return forms.feature_reductions(X, G)


@pytest.mark.parametrize("relation", ["stacked views", "unequal groups", "shuffled groups"])
def test_group_forms_are_bitwise_equal_on_one_and_three_threads(relation, monkeypatch):
    X = features()
    n = X.shape[0]
    labels = {"stacked views": np.tile(np.arange(n // 4), 4),
              "unequal groups": labels_of_sizes(n),
              "shuffled groups": np.random.default_rng(3).permutation(labels_of_sizes(n))}[relation]
    G = graphs.from_groups(labels)
    one = run(X, G, 1, monkeypatch)
    three = run(X, G, 3, monkeypatch)
    assert one.details["relation"] == three.details["relation"] == "groups"
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(three, name), getattr(one, name), err_msg=name)
    dense = dense_forms(X, G)
    for name, value in dense.items():
        scale = np.max(np.abs(value))
        assert np.max(np.abs(getattr(three, name) - value)) <= 1e-10 * scale, name


def test_graph_forms_agree_on_one_and_three_threads(monkeypatch):
    X = features(seed=4)
    G = graphs.knn(X[:, :3], 6)
    one = run(X, G, 1, monkeypatch)
    three = run(X, G, 3, monkeypatch)
    assert one.details["relation"] == three.details["relation"] == "graph"
    dense = dense_forms(X, G)
    for name, value in dense.items():
        scale = np.max(np.abs(value))
        assert np.max(np.abs(getattr(one, name) - value)) <= 1e-10 * scale, name
        assert np.max(np.abs(getattr(three, name) - getattr(one, name))) <= 1e-12 * scale, name


def test_graph_forms_refuse_a_non_finite_row_on_threads(monkeypatch):
    X = features(seed=5)
    X[431, 2] = np.nan  # in the last of three row blocks
    G = graphs.knn(features(seed=6)[:, :3], 5)
    with pytest.raises(ValueError, match=r"X contains NaN or inf; remove or impute those entries first"):
        run(X, G, 3, monkeypatch)


def test_syrk_is_the_exactly_symmetric_gram_of_any_layout():
    rng = np.random.default_rng(7)
    A = rng.standard_normal((301, 9))
    expected = np.einsum("ni,nj->ij", A, A)  # no BLAS: an independent sum
    for layout in (A, np.asfortranarray(A), A[::2], np.zeros((0, 9))):
        value = forms.syrk(layout)
        np.testing.assert_array_equal(value, value.T)
        reference = np.einsum("ni,nj->ij", layout, layout) if layout.shape[0] else np.zeros((9, 9))
        np.testing.assert_allclose(value, reference, rtol=1e-12, atol=1e-12 * np.abs(expected).max())


def test_map_blocks_keeps_the_order_of_its_items():
    items = list(range(40))
    assert _threads.map_blocks(lambda k: k * k, items, threads=3) == [k * k for k in items]
    assert _threads.map_blocks(lambda k: -k, [], threads=3) == []


def test_row_pieces_cover_the_rows_once():
    assert _stats.row_pieces(10, 20, 3) == [(10, 13), (13, 16), (16, 20)]
    assert _stats.row_pieces(0, 2, 5) == [(0, 1), (1, 2)]
    U = sp.random(50, 50, density=0.2, random_state=0, format="csr")
    blocks = _threads.csr_row_blocks(U, 3)
    assert [(a, b) for a, b, _ in blocks][0][0] == 0 and blocks[-1][1] == 50
    assert sum(block.nnz for _, _, block in blocks) == U.nnz


@pytest.mark.parametrize("layout", ["C", "F", "vector"])
def test_sparse_product_on_threads_is_bitwise_the_one_product(layout, monkeypatch):
    monkeypatch.setattr(_threads, "BLOCK_THREADS", 3)
    monkeypatch.setattr(_threads, "SPARSE_PRODUCT_MIN_NNZ", 0)
    G = graphs.knn(features(seed=8)[:, :3], 7)
    rng = np.random.default_rng(9)
    Y = {"C": rng.standard_normal((G.shape[0], 5)),
         "F": np.asfortranarray(rng.standard_normal((G.shape[0], 5))),
         "vector": rng.standard_normal(G.shape[0])}[layout]
    value = _threads.sparse_product(G, Y)
    assert value.shape == Y.shape
    np.testing.assert_array_equal(value, G @ Y)
    dense = G.toarray() @ Y
    assert np.max(np.abs(value - dense)) <= 1e-12 * np.max(np.abs(dense))


def test_losses_on_threads_equal_their_values_on_one_thread(monkeypatch):
    from spectral_ssl import losses

    X = features(seed=10)
    G = graphs.knn(X[:, :3], 6)
    Z = np.random.default_rng(11).standard_normal((X.shape[0], 4))
    one = {name: getattr(losses, name)(Z, G) for name in ("vicreg", "spectral_contrastive", "barlow_twins")}
    monkeypatch.setattr(_threads, "BLOCK_THREADS", 3)
    monkeypatch.setattr(_threads, "SPARSE_PRODUCT_MIN_NNZ", 0)
    for name, value in one.items():
        assert getattr(losses, name)(Z, G) == value, name


def blas_threads():
    from threadpoolctl import threadpool_info

    return sorted(lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas")


def test_blas_sections_opened_by_concurrent_threads_restore_the_count():
    # each section used to save and restore the process-wide count by itself: two overlapping
    # calls left BLAS on one thread for good
    import threading
    import time

    before = blas_threads()
    errors = []

    def worker(seed):
        rng = np.random.default_rng(seed)
        try:
            for _ in range(30):
                with _threads.single_threaded_blas():
                    if rng.random() < 0.5:
                        with _threads.default_blas_threads():
                            time.sleep(rng.random() * 1e-3)
                    time.sleep(rng.random() * 1e-3)
                    with _threads.single_threaded_blas():
                        pass
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    workers = [threading.Thread(target=worker, args=(seed,)) for seed in range(4)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    assert not errors
    assert blas_threads() == before


def test_blas_sections_nest():
    before = blas_threads()
    with _threads.single_threaded_blas():
        assert set(blas_threads()) == {1}
        with _threads.default_blas_threads():
            assert max(blas_threads()) == _threads._controller()[1]
        assert set(blas_threads()) == {1}
        with _threads.single_threaded_blas():
            assert set(blas_threads()) == {1}
        assert set(blas_threads()) == {1}
    assert blas_threads() == before


def test_workers_run_under_the_callers_numpy_error_state():
    with np.errstate(over="raise", invalid="ignore"):
        states = _threads.map_blocks(lambda _: np.geterr(), range(6), threads=3)
        with pytest.raises(FloatingPointError, match="overflow"):
            _threads.map_blocks(lambda k: np.float64(1e308) * (k + 2), range(4), threads=2)
    assert {(state["over"], state["invalid"]) for state in states} == {("raise", "ignore")}


def test_reduce_blocks_sums_in_order_and_keeps_none_entries():
    items = [(1.0, None, np.array([k, 1.0])) for k in range(7)]
    total = _threads.reduce_blocks(lambda item: item, items, threads=3, combine=forms.add_stats)
    assert total[0] == 7.0 and total[1] is None
    np.testing.assert_array_equal(total[2], [21.0, 7.0])
    # in order: a sum whose value depends on the order (1e16 + 1 - 1e16 ...) is the serial one
    values = [1e16, 1.0, -1e16, 1.0, 3.0]
    assert _threads.reduce_blocks(lambda v: v, values, threads=4) == ((((1e16 + 1.0) - 1e16) + 1.0) + 3.0)
    assert _threads.reduce_blocks(lambda v: v, [], threads=2) is None


def test_syrk_of_other_dtypes_is_the_float64_gram():
    A = np.arange(12 * 3, dtype=np.int32).reshape(12, 3) * 40_000  # int32 products overflow
    expected = A.astype(np.float64).T @ A.astype(np.float64)
    for layout in (A, A.astype(np.float32)):
        value = forms.syrk(layout)
        assert value.dtype == np.float64
        np.testing.assert_allclose(value, expected, rtol=1e-6 if layout.dtype == np.float32 else 0)


def test_whole_graph_stats_of_a_shifted_copy():
    X = features(seed=12)
    G = graphs.knn(X[:, :3], 5)
    c = X[:50].mean(axis=0)
    plain = _stats.whole_graph_stats(X, G, c)
    given = _stats.whole_graph_stats(X - c, G, c, shifted=True)
    for a, b in zip(plain, given):
        if isinstance(a, np.ndarray):
            np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12 * np.max(np.abs(a)))
        else:
            assert (a is None and b is None) or b == pytest.approx(a, rel=1e-12)


def test_blocks_of_wide_features_hold_at_least_d_rows():
    assert _onepass.block_groups(2, 64) == _onepass.BLOCK_ROWS // 2
    assert _onepass.block_groups(4, 512) * 4 == 2048  # 8 MB of rows
    assert _onepass.block_groups(2, 3000) * 2 == 3000  # D rows: its D x D statistics no larger

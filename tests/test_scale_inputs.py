"""Bad inputs on the out-of-core paths of spectral_ssl.moments (chunked arrays, ``.npy`` files, dask).

Each test gives the chunked and the dask passes an input that the in-memory path
(``methods.vicreg.optimal_linear`` / ``forms.feature_reductions``) refuses, and checks
that they refuse it with the same message (findings of the out-of-core review).
"""

import numpy as np
import pytest
import scipy.sparse as sp

from spectral_ssl import graphs, moments
from spectral_ssl.methods import vicreg


def two_views(n=100, d=3, seed=3):
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(n, d))
    X = np.vstack([base + 0.3 * rng.normal(size=base.shape), base + 0.3 * rng.normal(size=base.shape)])
    return X, np.tile(np.arange(n), 2)


def dask_array(X, rows=40):
    da = pytest.importorskip("dask.array")
    return da.from_array(X, chunks=(rows, X.shape[1]))


UNDERFLOW = (r"X has columns too small for float64 products \(column 2: largest \|x\| = {:.3g}; "
             r"squares below 1e-292 lose digits\); rescale them, e\.g\. X / np\.abs\(X\)\.max\(axis=0\)")


@pytest.mark.parametrize("factor", [1e-160, 1e-170])
@pytest.mark.parametrize("relation", ["none", "groups", "graph"])
def test_tiny_column_is_refused_on_the_chunked_path(factor, relation):
    # before: 1e-160 gave a loss 2e-4 relative off with exact=True; 1e-170 said
    # "n_components=3 is larger than the rank ... (2)" (the column taken as constant)
    X, groups = two_views()
    X[:, 2] *= factor
    message = UNDERFLOW.format(np.max(np.abs(X[:, 2])))
    G = graphs.knn(X / np.abs(X).max(axis=0), 4) if relation == "graph" else None
    kwargs = {"groups": groups} if relation == "groups" else {}
    with pytest.raises(ValueError, match=message):  # the in-memory path's message
        vicreg.optimal_linear(X, graphs.from_groups(groups), 3)
    with pytest.raises(ValueError, match=message):
        moments.reductions(X, G, chunk_size=7, **kwargs)
    if relation != "none":
        with pytest.raises(ValueError, match=message):
            moments.vicreg_linear(X, G, 3, chunk_size=7, **kwargs)


@pytest.mark.extra
@pytest.mark.parametrize("relation", ["none", "groups", "graph"])
def test_tiny_column_is_refused_on_the_dask_path(relation):
    X, groups = two_views()
    X[:, 2] *= 1e-170
    G = graphs.knn(X / np.abs(X).max(axis=0), 4) if relation == "graph" else None
    kwargs = {"groups": groups} if relation == "groups" else {}
    with pytest.raises(ValueError, match=UNDERFLOW.format(np.max(np.abs(X[:, 2])))):
        moments.reductions(dask_array(X), G, **kwargs)


def test_a_zero_column_is_not_refused():
    X, groups = two_views()
    X[:, 2] = 0.0
    red = moments.reductions(X, groups=groups, chunk_size=7)
    assert np.all(red.gram[2] == 0.0)


OVERFLOW = (r"X is finite but too large: the products of its columns overflow float64 \(largest \|x\| = 1e\+200\); "
            r"rescale it, e\.g\. X / np\.abs\(X\)\.max\(\)")


@pytest.mark.parametrize("relation", ["none", "groups", "graph"])
def test_finite_but_huge_entries_get_the_in_memory_message_on_the_chunked_path(relation):
    # before: reductions(X, G / None, chunk_size=7) returned forms holding inf and NaN (then
    # vicreg_linear said "A contains NaN or inf."); with groups: "X contains NaN or inf"
    X, groups = two_views()
    G = graphs.knn(X, 4) if relation == "graph" else None
    X[190, 1] = 1e200
    kwargs = {"groups": groups} if relation == "groups" else {}
    with pytest.raises(ValueError, match=OVERFLOW):  # the in-memory path's message
        vicreg.optimal_linear(X, graphs.from_groups(groups), 2)
    with pytest.raises(ValueError, match=OVERFLOW):
        moments.reductions(X, G, chunk_size=7, **kwargs)
    if relation != "none":
        with pytest.raises(ValueError, match=OVERFLOW):
            moments.vicreg_linear(X, G, 2, chunk_size=7, **kwargs)


@pytest.mark.extra
@pytest.mark.parametrize("relation", ["none", "groups", "graph"])
def test_finite_but_huge_entries_get_the_in_memory_message_on_the_dask_path(relation):
    X, groups = two_views()
    G = graphs.knn(X, 4) if relation == "graph" else None
    X[190, 1] = 1e200
    kwargs = {"groups": groups} if relation == "groups" else {}
    with pytest.raises(ValueError, match=OVERFLOW):
        moments.reductions(dask_array(X), G, **kwargs)


def test_huge_entries_then_a_nan_is_refused_as_nan():
    # the products overflow in an early chunk; a NaN further on makes it "NaN or inf", as in memory
    X, groups = two_views()
    X[3, 1] = 1e200
    X[150, 0] = np.nan
    with pytest.raises(ValueError, match="X contains NaN or inf"):
        vicreg.optimal_linear(X, graphs.from_groups(groups), 2)
    for relation in ({"groups": groups}, {}):
        with pytest.raises(ValueError, match="X contains NaN or inf"):
            moments.reductions(X, chunk_size=7, **relation)


@pytest.mark.extra
def test_dask_graph_with_a_block_of_isolated_samples_equals_the_chunked_pass():
    # before: IndexError: index 0 is out of bounds for axis 0 with size 0 (Blocks.locate of no rows)
    # a path 2-3-4-5-6-7 (not cliques: reduced as a graph); samples 0 and 1 (the first block) have no edge
    edges = [(i, i + 1) for i in range(2, 7)]
    rows, cols = zip(*(edges + [(j, i) for i, j in edges]))
    G = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(8, 8))
    X = np.random.default_rng(0).normal(size=(8, 2))
    red = moments.reductions(dask_array(X, rows=2), G)
    assert red.details["relation"] == "graph"
    # independent: X^T L X from the five edges, and X^T X
    laplacian = sum(np.outer(X[i] - X[j], X[i] - X[j]) for i, j in edges)
    assert np.allclose(red.laplacian_form, laplacian, rtol=1e-13, atol=1e-14)
    assert np.allclose(red.gram, X.T @ X, rtol=1e-13, atol=1e-14)
    assert red.volume == 10.0


MASKED = (r"X is a masked array, whose mask would be ignored \(the hidden values used\); fill the masked "
          r"entries \(X\.filled\(value\)\)")


def masked_features():
    X, groups = two_views()
    Xm = np.ma.array(X, mask=np.zeros_like(X, bool))
    Xm.mask[5, 1] = True
    Xm.data[5, 1] = 1e6  # the hidden value
    return Xm, groups


@pytest.mark.parametrize("chunk_size", [None, 7])
def test_masked_array_is_refused(chunk_size):
    # before: the hidden 1e6 was used (reductions(Xm, groups=g, chunk_size=7).sums[1] = 1000021.08)
    Xm, groups = masked_features()
    with pytest.raises(TypeError, match=MASKED):  # the in-memory solver's message
        vicreg.optimal_linear(Xm, graphs.from_groups(groups), 1)
    with pytest.raises(TypeError, match=MASKED):
        moments.reductions(Xm, groups=groups, chunk_size=chunk_size)
    with pytest.raises(TypeError, match=MASKED):
        moments.reductions(Xm, chunk_size=chunk_size)
    with pytest.raises(TypeError, match=MASKED):
        moments.vicreg_linear(Xm, None, 1, groups=groups, chunk_size=chunk_size)
    with pytest.raises(TypeError, match=MASKED):
        moments.column_signs(Xm, np.ones((3, 1)), np.zeros(1), chunk_size=chunk_size)


@pytest.mark.extra
def test_dask_array_of_masked_blocks_is_refused():
    da = pytest.importorskip("dask.array")
    Xm, groups = masked_features()
    with pytest.raises(TypeError, match=MASKED):
        moments.reductions(da.from_array(Xm, chunks=(40, 3), asarray=False), groups=groups)


BUDGET = (r"moments\.reductions\(X\) would need 5\.8 TiB \(the forms of X's 200000 columns: 20 matrices of "
          r"200000 x 200000 float64, and 3 blocks of 2 x 200000\), more than the memory budget of 20 MiB; "
          r"reduce the number of columns of X \(e\.g\. PCA or a random projection to a few hundred\), or raise")


def test_forms_beyond_the_memory_budget_are_refused_before_allocating(tmp_path):
    # before: numpy's "MemoryError: Unable to allocate 298. GiB" for a 4 x 200000 .npy; and a
    # 6 x 3000 file ran under a 20 MiB budget (several 69 MiB D x D forms, 1.6 GB peak RSS)
    from spectral_ssl import memory

    path = tmp_path / "wide.npy"
    np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(4, 200000)).flush()
    with memory.budget_limit("20MiB"):
        with pytest.raises(memory.MemoryBudgetError, match=BUDGET):  # 8 (20 D^2 + 3 x 2 x D) bytes
            moments.reductions(path, groups=[0, 0, 1, 1], chunk_size=2)
        small = tmp_path / "small.npy"
        np.save(small, np.zeros((6, 3000), np.float32))
        with pytest.raises(memory.MemoryBudgetError, match=r"would need 1\.3 GiB .* 3000 x 3000"):
            moments.reductions(small, groups=[0, 0, 1, 1, 2, 2], chunk_size=2)
        with pytest.raises(memory.MemoryBudgetError, match=r"the feature reductions of X would need .* 3000 x 3000"):
            vicreg.optimal_linear(np.zeros((6, 3000)), graphs.from_groups([0, 0, 1, 1, 2, 2]), 1)


@pytest.mark.extra
def test_dask_forms_beyond_the_memory_budget_are_refused():
    from spectral_ssl import memory

    da = pytest.importorskip("dask.array")
    X = da.zeros((4, 200000), chunks=(2, 200000))
    with memory.budget_limit("20MiB"):
        with pytest.raises(memory.MemoryBudgetError, match=r"moments\.reductions\(X\) would need 5\.8 TiB"):
            moments.reductions(X, groups=[0, 0, 1, 1])


def test_file_mistakes_are_named(tmp_path):
    # before: numpy's "This file contains pickled (object) data ... allow_pickle" for a text file;
    # dask_from_npy (next test): a raw FileNotFoundError, "not enough values to unpack (expected 2,
    # got 1)", and a complex file silently lost its imaginary part (a ComplexWarning only)
    text = tmp_path / "X.txt"
    text.write_text("1 2\n3 4\n")
    with pytest.raises(ValueError, match=r"X: '.*X\.txt' is not a readable \.npy file \(it does not start as a "
                                         r"\.npy file does\); pass an array or the path of a \.npy file"):
        moments.reductions(text)


@pytest.mark.extra
def test_dask_file_mistakes_are_named(tmp_path):
    pytest.importorskip("dask.array")
    with pytest.raises(ValueError, match=r"path: no such file '.*nope\.npy'; pass an array or the path"):
        moments.dask_from_npy(tmp_path / "nope.npy")
    np.save(tmp_path / "one.npy", np.zeros(5))
    with pytest.raises(ValueError, match=r"path must be 2-D \(n_samples, n_features\), got shape \(5,\)"):
        moments.dask_from_npy(tmp_path / "one.npy")
    np.save(tmp_path / "complex.npy", np.ones((5, 2)) + 1j)
    with pytest.raises(TypeError, match="path must be a real numeric array, got dtype complex128"):
        moments.dask_from_npy(tmp_path / "complex.npy")


def test_column_signs_checks_its_arguments():
    # before: "attempt to get argmin of an empty sequence" (NaN in X) and a raw matmul error (W)
    X, _ = two_views()
    with pytest.raises(ValueError, match="X contains NaN or inf"):
        moments.column_signs(np.r_[X, [[np.nan] * 3]], np.ones((3, 2)), np.zeros(2), chunk_size=7)
    with pytest.raises(ValueError, match=r"W must have shape \(n_features, K\) = \(3, K\) for X's 3 columns, "
                                         r"got shape \(4, 2\)"):
        moments.column_signs(X, np.ones((4, 2)), np.zeros(2))
    with pytest.raises(ValueError, match=r"bias must have shape \(K,\) = \(2,\)"):
        moments.column_signs(X, np.ones((3, 2)), np.zeros(3))


@pytest.mark.parametrize("chunk_size", [None, 7])
def test_a_label_relation_is_reduced_through_its_classes(chunk_size):
    # graphs.from_labels(y, implicit=True) was refused with advice to build G.to_sparse();
    # it is a union of cliques: the same optimum as the explicit graph, through its groups
    from scipy.linalg import subspace_angles

    from spectral_ssl import graphs, moments
    from spectral_ssl.methods import vicreg

    rng = np.random.default_rng(3)
    y = np.repeat(np.arange(20), 3)
    X = rng.standard_normal((60, 5)) + 0.8 * rng.standard_normal((20, 5))[y]
    hyper = dict(variance=25.0, covariance=1.0, invariance=0.5)
    implicit = moments.vicreg_linear(X, graphs.from_labels(y, implicit=True), 3, chunk_size=chunk_size, **hyper)
    explicit = vicreg.optimal_linear(X, graphs.from_labels(y), 3, **hyper)
    assert implicit.rank == explicit.rank == 3 and implicit.exact
    assert implicit.loss == pytest.approx(explicit.loss, rel=1e-9)
    assert np.max(subspace_angles(implicit.W, explicit.W)) < 1e-6


def test_groups_with_none_are_refused_by_name():
    from spectral_ssl import moments

    with pytest.raises(ValueError, match=r"^groups contains NaN, inf or None \(first: entry 1\); every sample "
                                         r"needs a valid group\.$"):
        moments.reductions(np.ones((4, 2)), groups=[0, None, 1, 1])

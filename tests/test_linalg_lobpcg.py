"""Tests of the LOBPCG solver of spectral_ssl.linalg against dense LAPACK ``eigh``.

With the AMG preconditioner on pyamg's hierarchy when pyamg is installed (skipped
otherwise) and on the package's own hierarchy (forced by hiding pyamg), on sizes where
the dense solver runs.
"""

import numpy as np
import pytest
import scipy.linalg
import scipy.sparse as sp

from spectral_ssl import graphs, linalg
from spectral_ssl.linalg import _amg, _ordering, _solvers
from spectral_ssl.methods import spectral_contrastive, vicreg


def knn_graph(n=500, seed=0, k=8):
    X = np.random.default_rng(seed).normal(size=(n, 3))
    return graphs.knn(X, k)


def ring(n):
    i = np.arange(n)
    return sp.csr_matrix((np.ones(2 * n), (np.r_[i, (i + 1) % n], np.r_[(i + 1) % n, i])), shape=(n, n))


def blocks(sizes, seed=0):
    rng = np.random.default_rng(seed)
    parts = []
    for size in sizes:
        W = np.triu(rng.uniform(0.5, 1.5, (size, size)) * (rng.random((size, size)) < 0.3), 1)
        W[np.arange(size - 1), np.arange(1, size)] = 1.0  # connected
        parts.append(W + W.T)
    return sp.csr_matrix(scipy.linalg.block_diag(*parts))


@pytest.fixture(params=[pytest.param("amg", marks=pytest.mark.extra), "aggregation"])
def preconditioner(request, monkeypatch):
    if request.param == "amg":
        pytest.importorskip("pyamg")
    else:
        monkeypatch.setattr(_amg, "find_pyamg", lambda: None)
    return request.param


def max_angle(U, V):
    return float(np.max(scipy.linalg.subspace_angles(U, V)))


@pytest.mark.parametrize("kind", ["combinatorial", "normalized"])
def test_lobpcg_agrees_with_dense_on_a_knn_graph(preconditioner, kind):
    G = knn_graph()
    vd, Ud = linalg.laplacian_eigenpairs(G, 6, kind=kind, solver="dense")
    vl, Ul = linalg.laplacian_eigenpairs(G, 6, kind=kind, solver="lobpcg")
    assert max_angle(Ud, Ul) < 1e-6
    np.testing.assert_allclose(vl, vd, rtol=1e-8, atol=0)
    # same canonical basis and sign rule: the vectors themselves agree
    assert np.max(np.abs(Ul - Ud)) < 1e-6
    L = linalg.laplacian(G, kind=kind)
    scale = abs(L).sum(axis=1).max()
    assert np.max(linalg.eigen_residuals(L, vl, Ul)) <= linalg.LOBPCG_RTOL * scale


def test_lobpcg_on_degenerate_spectra(preconditioner):
    # ring: every non-trivial eigenvalue is double; 7 cuts a pair, so the cluster is computed whole
    G = ring(240)
    vd, Ud = linalg.laplacian_eigenpairs(G, 7, solver="dense")
    vl, Ul = linalg.laplacian_eigenpairs(G, 7, solver="lobpcg")
    np.testing.assert_allclose(vl, vd, rtol=1e-8, atol=1e-14)
    assert max_angle(Ud[:, :6], Ul[:, :6]) < 1e-6
    assert np.max(np.abs(Ul - Ud)) < 1e-6


def test_lobpcg_with_more_components_than_the_null_space(preconditioner):
    # 4 components: 3 non-trivial zeros, then the Fiedler values of the blocks
    G = blocks([60, 80, 70, 90])
    vd, Ud = linalg.laplacian_eigenpairs(G, 6, solver="dense")
    vl, Ul = linalg.laplacian_eigenpairs(G, 6, solver="lobpcg")
    assert np.max(np.abs(vl[:3])) < 1e-10
    np.testing.assert_allclose(vl[3:], vd[3:], rtol=1e-8)
    assert max_angle(Ud, Ul) < 1e-6
    assert np.max(np.abs(Ul.sum(axis=0))) < 1e-8  # orthogonal to the constant


def test_lobpcg_huge_degenerate_cluster_falls_back_to_dense():
    G = graphs.from_groups(np.tile(np.arange(300), 2))
    values, _ = linalg.laplacian_eigenpairs(G, 302, solver="lobpcg")
    assert np.max(np.abs(values[:299])) < 1e-10
    np.testing.assert_allclose(values[299:], 2.0, rtol=1e-12)


def test_methods_accept_the_lobpcg_solver():
    G = knn_graph(n=500, seed=3)
    hyper = {"variance": 1.0, "covariance": 1.0, "invariance": 0.5}
    dense = vicreg.optimal_representation(G, 4, solver="dense", **hyper)
    lob = vicreg.optimal_representation(G, 4, solver="lobpcg", **hyper)
    assert abs(lob.loss - dense.loss) <= 1e-8 * abs(dense.loss)
    assert np.max(np.abs(lob.Z - dense.Z)) < 1e-5 * np.max(np.abs(dense.Z))
    sc_dense = spectral_contrastive.optimal_representation(G, 4, solver="dense")
    sc_lob = spectral_contrastive.optimal_representation(G, 4, solver="lobpcg")
    assert abs(sc_lob.loss - sc_dense.loss) <= 1e-8 * abs(sc_dense.loss)


def _spy_solvers(monkeypatch):
    calls = []
    for name in ("smallest_lobpcg", "smallest_sparse"):
        original = getattr(_solvers, name)

        def spy(*args, _name=name, _original=original, **kwargs):
            calls.append((_name, args[1]))
            return _original(*args, **kwargs)

        monkeypatch.setattr(_solvers, name, spy)
    return calls


def test_auto_uses_amg_lobpcg_above_the_arpack_threshold_with_pyamg(monkeypatch):
    calls = _spy_solvers(monkeypatch)
    monkeypatch.setattr(linalg, "DENSE_MAX_SAMPLES", 100)
    monkeypatch.setattr(linalg, "ARPACK_MAX_SAMPLES", 300)
    monkeypatch.setattr(_amg, "find_pyamg", lambda: None)
    linalg.laplacian_eigenpairs(knn_graph(n=250), 3)
    # arpack: the 3 pairs, the trivial one and one more (to see a cut cluster)
    assert calls == [("smallest_sparse", 5)]
    calls.clear()
    # with pyamg (a stand-in: only its presence is read here), lobpcg above the
    # threshold: the 3 pairs plus one more (to see a cut cluster)
    monkeypatch.setattr(_amg, "find_pyamg", lambda: object())
    monkeypatch.setattr(_amg, "make_preconditioner",
                        lambda M, shift, candidate: _amg.AMGPreconditioner(M, shift, None, candidate))
    linalg.laplacian_eigenpairs(knn_graph(n=400), 3)
    assert calls == [("smallest_lobpcg", 4)]
    assert linalg.resolve_solver("auto", 50) == "dense"
    assert linalg.resolve_solver("auto", 301) == "lobpcg"


@pytest.mark.parametrize("max_fill, expected", [(0.0, "smallest_lobpcg"), (np.inf, "smallest_sparse")])
def test_auto_without_pyamg_keeps_arpack_unless_its_factor_fills_in(monkeypatch, max_fill, expected):
    calls = _spy_solvers(monkeypatch)
    monkeypatch.setattr(linalg, "DENSE_MAX_SAMPLES", 100)
    monkeypatch.setattr(linalg, "ARPACK_MAX_SAMPLES", 300)
    monkeypatch.setattr(_amg, "find_pyamg", lambda: None)
    monkeypatch.setattr(linalg, "ARPACK_MAX_FILL", max_fill)
    G = knn_graph(n=400)
    vd, Ud = linalg.laplacian_eigenpairs(G, 3, solver="dense")
    v, U = linalg.laplacian_eigenpairs(G, 3)
    assert [name for name, _ in calls] == [expected]
    np.testing.assert_allclose(v, vd, rtol=1e-8)
    assert max_angle(U, Ud) < 1e-6
    calls.clear()
    linalg.smallest_eigenpairs(linalg.laplacian(G), 3, trivial=np.ones(400))
    assert [name for name, _ in calls] == [expected]


def test_predicted_fill_tells_a_surface_from_a_volume():
    # 10-NN graphs of 6000 points: a swiss roll (a 2-D surface) and a 3-D Gaussian
    # (a volume). Their factors' entries grow like N log N and N^(4/3): at N = 1e5
    # the swiss roll's stays under ARPACK_MAX_FILL (6.4 times nnz(L) measured),
    # the blob's far above it (more than 62, the value measured at 3e4).
    from sklearn.datasets import make_swiss_roll

    roll = graphs.knn(make_swiss_roll(6000, noise=0.05, random_state=0)[0], 10)
    blob = graphs.knn(np.random.default_rng(0).standard_normal((6000, 3)), 10)
    surface = _ordering.predicted_fill(roll, 100_000)
    volume = _ordering.predicted_fill(blob, 100_000)
    assert 3.0 < surface < 10.0 < linalg.ARPACK_MAX_FILL < 60.0 < volume
    # deterministic: the pattern alone decides
    assert _ordering.predicted_fill(blob, 100_000) == volume
    # a graph whose components are all smaller than the balls: the fill of one whole component
    assert 1.0 <= _ordering.predicted_fill(blocks([40, 50, 60])) < 3.0


def test_lobpcg_warns_when_it_does_not_converge(monkeypatch):
    monkeypatch.setattr(_amg, "find_pyamg", lambda: None)
    monkeypatch.setattr(linalg, "LOBPCG_MAXITER", 2)
    with pytest.warns(RuntimeWarning, match="LOBPCG stopped with a largest eigen-residual"):
        linalg.laplacian_eigenpairs(knn_graph(n=600), 5, solver="lobpcg")


def test_preconditioner_kinds(preconditioner):
    L = linalg.laplacian(knn_graph(n=200))
    R = np.random.default_rng(0).standard_normal((200, 3))
    op, kind = linalg.lobpcg_preconditioner(L, 0.5)
    assert kind == preconditioner
    # one V-cycle on the well-conditioned L + 0.5 I already reduces the error a lot
    shifted = (L + 0.5 * sp.eye(200)).toarray()
    exact = np.linalg.solve(shifted, R)
    assert np.max(np.abs(op @ R - exact)) < 0.5 * np.max(np.abs(exact))


def test_eigen_residuals():
    M = np.diag([1.0, 2.0, 4.0])
    np.testing.assert_allclose(linalg.eigen_residuals(M, [1.0, 2.5], 2 * np.eye(3)[:, :2]), [0.0, 0.5])
    with pytest.raises(ValueError, match="one column per value"):
        linalg.eigen_residuals(M, [1.0], np.eye(3))
    with pytest.raises(ValueError, match="zero column"):
        linalg.eigen_residuals(M, [1.0], np.zeros((3, 1)))


def test_lobpcg_tol_bounds_the_residual_and_is_validated():
    G = knn_graph(n=1200, seed=6, k=10)
    L = linalg.laplacian(G)
    scale = abs(L).sum(axis=1).max()
    vd, Ud = linalg.laplacian_eigenpairs(G, 5, solver="dense")
    for tol in (1e-3, 1e-6, 1e-12):
        vl, Ul = linalg.smallest_eigenpairs(L, 5, trivial=np.ones(1200), solver="lobpcg", tol=tol)
        assert np.max(linalg.eigen_residuals(L, vl, Ul)) <= tol * scale
        assert np.max(np.abs(vl - vd)) <= tol * scale  # Weyl
    # the tight one is the dense answer, vectors included
    assert max_angle(Ul, Ud) < 1e-9
    with pytest.raises(ValueError, match="tol must be > 0"):
        linalg.smallest_eigenpairs(L, 5, solver="lobpcg", tol=-1e-3)
    with pytest.raises(ValueError, match=r"tol must be > 0.0 and <= 1.0, got 2.0"):
        linalg.laplacian_eigenpairs(G, 5, solver="lobpcg", tol=2.0)


def test_lobpcg_tol_default_follows_the_module_constant(monkeypatch):
    G = knn_graph(n=800, seed=7)
    L = linalg.laplacian(G)
    scale = abs(L).sum(axis=1).max()
    monkeypatch.setattr(linalg, "LOBPCG_RTOL", 1e-4)
    loose_v, loose_U = linalg.laplacian_eigenpairs(G, 4, solver="lobpcg")
    tight_v, tight_U = linalg.laplacian_eigenpairs(G, 4, solver="lobpcg", tol=1e-12)
    loose = np.max(linalg.eigen_residuals(L, loose_v, loose_U))
    tight = np.max(linalg.eigen_residuals(L, tight_v, tight_U))
    assert tight <= 1e-12 * scale < 1e-6 * scale < loose <= 1e-4 * scale


def test_lobpcg_on_a_deep_amg_hierarchy_and_a_shuffled_graph(preconditioner, monkeypatch):
    # a low coarsening limit gives a 3+ level hierarchy (the V-cycle recursion);
    # smallest_eigenpairs reorders the shuffled graph itself (reverse Cuthill-McKee)
    monkeypatch.setattr(linalg, "AMG_MAX_COARSE", 20)
    G = knn_graph(n=1500, seed=8, k=10)
    shuffle = np.random.default_rng(1).permutation(1500)
    G = G[shuffle][:, shuffle].tocsr()
    L = linalg.laplacian(G, kind="normalized")
    trivial = np.sqrt(np.asarray(G.sum(axis=1)).ravel())
    preconditioner = _amg.make_preconditioner(L, 1e-5)
    assert len(preconditioner.levels) >= 2
    vd, Ud = linalg.smallest_eigenpairs(L, 7, trivial=trivial, solver="dense")
    vl, Ul = linalg.smallest_eigenpairs(L, 7, trivial=trivial, solver="lobpcg")
    np.testing.assert_allclose(vl, vd, rtol=1e-8)
    assert max_angle(Ud, Ul) < 1e-6
    assert np.max(np.abs(Ul - Ud)) < 1e-6


def test_amg_preconditioner_is_symmetric_positive_definite(preconditioner, monkeypatch):
    # LOBPCG needs a symmetric positive definite preconditioner: the V-cycle with
    # the same smoother before and after the coarse correction is one
    monkeypatch.setattr(linalg, "AMG_MAX_COARSE", 20)
    L = linalg.laplacian(knn_graph(n=400, seed=9))
    op, kind = linalg.lobpcg_preconditioner(L, 1e-3)
    assert kind == preconditioner
    T = op @ np.eye(400)
    asymmetry = np.max(np.abs(T - T.T)) / np.max(np.abs(T))
    assert asymmetry < 1e-5  # float32 cycle
    eigenvalues = np.linalg.eigvalsh((T + T.T) / 2)
    assert eigenvalues[0] > 0
    # and it approximates the inverse of L + shift I: (L + sI) T is near I on average
    product = (L.toarray() + 1e-3 * np.eye(400)) @ T
    assert np.linalg.norm(product - np.eye(400)) / np.sqrt(400) < 0.5


def test_lobpcg_is_deterministic_and_leaves_the_global_random_state_alone():
    G = knn_graph(n=900, seed=10)
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    v1, U1 = linalg.laplacian_eigenpairs(G, 5, solver="lobpcg")
    after = np.random.get_state()[1]
    v2, U2 = linalg.laplacian_eigenpairs(G, 5, solver="lobpcg")
    np.testing.assert_array_equal(before, after)
    np.testing.assert_array_equal(U1, U2)
    np.testing.assert_array_equal(v1, v2)


def test_lobpcg_warns_when_the_tolerance_is_below_round_off():
    G = knn_graph(n=600, seed=11)
    with pytest.warns(RuntimeWarning, match="LOBPCG stopped with a largest eigen-residual"):
        linalg.laplacian_eigenpairs(G, 4, solver="lobpcg", tol=1e-18)


def test_lobpcg_is_bitwise_reproducible_between_two_calls(preconditioner):
    # seeded start block (and seeded AMG hierarchy): two calls give the same bits
    G = knn_graph(n=600, seed=4)
    first = linalg.laplacian_eigenpairs(G, 5, solver="lobpcg")
    second = linalg.laplacian_eigenpairs(G, 5, solver="lobpcg")
    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])

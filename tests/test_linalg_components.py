"""Graphs with several connected components through the iterative eigen-solvers.

Shift-invert ARPACK on the whole Laplacian of a disconnected graph found one or two of
the c zero eigenvalues and true, but not the smallest, eigenpairs after them (30 pairs and
a path of 2000 samples: VICReg's loss 1.372 against 0.0069). Every reference here is
computed in the test from ``scipy.linalg.eigh`` of the dense matrix.
"""

import warnings

import numpy as np
import pytest
import scipy.linalg
import scipy.sparse as sp

from spectral_ssl import linalg, losses, methods


def pairs_and_path(n_pairs, n_path, isolated=False):
    """``n_pairs`` disjoint pairs (or isolated samples) then a path of ``n_path`` samples."""
    first = n_pairs if isolated else 2 * n_pairs
    rows = ([] if isolated else list(range(0, 2 * n_pairs, 2))) + [first + i for i in range(n_path - 1)]
    N = first + n_path
    G = sp.csr_matrix((np.ones(len(rows)), (rows, [r + 1 for r in rows])), shape=(N, N))
    return (G + G.T).tocsr()


def dense_laplacian_pairs(G, count, kind="combinatorial", deflate=True):
    """The ``count`` smallest eigenpairs of the dense L (or L_sym) off its trivial vector, by eigh."""
    A = G.toarray()
    d = A.sum(axis=1)
    if kind == "combinatorial":
        L, trivial = np.diag(d) - A, np.ones(d.size)
    else:
        s = np.where(d > 0, 1 / np.sqrt(np.where(d > 0, d, 1)), 0.0)
        L, trivial = np.diag((d > 0).astype(float)) - s[:, None] * A * s, np.sqrt(d)
    if deflate:  # the trivial vector pushed above the spectrum (the largest eigenvalue is < 1e3)
        trivial = trivial / np.linalg.norm(trivial)
        L = L + 1e3 * np.outer(trivial, trivial)
    return scipy.linalg.eigh(L, subset_by_index=[0, count - 1])


def tridiagonal_laplacian_pairs(G, count):
    """:func:`dense_laplacian_pairs` of a graph whose edges all join i and i + 1, by LAPACK's
    tridiagonal eigensolver (stebz / stein: O(N count), not the O(N^3) of the dense eigh)."""
    assert sp.triu(G, 2).nnz == 0
    d = np.asarray(G.sum(axis=1)).ravel()
    w, U = scipy.linalg.eigh_tridiagonal(d, -G.diagonal(1), select="i", select_range=(0, count))
    zero = np.abs(w) < 1e-10
    # the zero eigenspace holds the constant: keep its orthogonal complement there
    one = np.ones(d.size) / np.sqrt(d.size)
    block = U[:, zero] - np.outer(one, one @ U[:, zero])
    Q = np.linalg.svd(block, full_matrices=False)[0][:, : zero.sum() - 1]
    return np.concatenate((np.zeros(zero.sum() - 1), w[~zero])), np.hstack((Q, U[:, ~zero]))


def vicreg_dense_loss(G, K, **hyper):
    """VICReg's theorem applied to LAPACK's eigenpairs (dense eigh, or the tridiagonal solver
    for a graph of consecutive edges), scored by losses.vicreg."""
    if sp.triu(G, 2).nnz == 0:
        lam, U = tridiagonal_laplacian_pairs(G, K)
    else:
        lam, U = dense_laplacian_pairs(G, K)
    lam = np.maximum(lam, 0.0)
    Y0 = methods.vicreg.reduced_solution(lam, **hyper)[0]
    return losses.vicreg(np.sqrt(G.shape[0]) * U @ Y0, G, **hyper), lam


HYPER = {"variance": 1.0, "covariance": 1.0, "invariance": 100.0}


@pytest.mark.parametrize("n_pairs, n_path, isolated, solver", [
    (30, 2000, False, "auto"),   # N = 2060 > DENSE_MAX_SAMPLES: ARPACK
    (30, 2000, True, "auto"),
    (30, 470, False, "arpack"),  # N = 530
])
def test_vicreg_on_pairs_and_a_path_reaches_the_dense_optimum(n_pairs, n_path, isolated, solver):
    G = pairs_and_path(n_pairs, n_path, isolated)
    rep = methods.vicreg.optimal_representation(G, 33, solver=solver, **HYPER)
    reference, lam = vicreg_dense_loss(G, 33, **HYPER)
    np.testing.assert_allclose(rep.eigenvalues, lam, rtol=0, atol=1e-8)
    assert rep.exact
    assert rep.loss == pytest.approx(reference, rel=1e-6)


@pytest.mark.filterwarnings("ignore::spectral_ssl.exceptions.CollapseWarning")
def test_spectral_contrastive_on_pairs_and_a_path_reaches_eckart_young():
    G = pairs_and_path(30, 470)
    rep = methods.spectral_contrastive.optimal_representation(G, 33, solver="arpack")
    d = np.asarray(G.sum(axis=1)).ravel()
    nu, V = scipy.linalg.eigh(G.toarray() / np.sqrt(np.outer(d, d)), subset_by_index=[d.size - 33, d.size - 1])
    Z = np.sqrt(d.sum()) * V * np.sqrt(np.maximum(nu, 0.0)) / np.sqrt(d)[:, None]
    np.testing.assert_allclose(np.sort(rep.eigenvalues), nu, rtol=0, atol=1e-8)
    assert rep.loss == pytest.approx(losses.spectral_contrastive(Z, G), rel=1e-9)


@pytest.mark.filterwarnings("ignore::spectral_ssl.exceptions.CollapseWarning")
@pytest.mark.parametrize("centered", [True, False])
def test_barlow_twins_whitened_on_pairs_and_a_path_uses_the_top_correlations(centered):
    G = pairs_and_path(30, 470)
    rep = methods.barlow_twins.optimal_representation(G, 33, constraint="whitened", centered=centered,
                                                      solver="arpack")
    d = np.asarray(G.sum(axis=1)).ravel()
    nu = scipy.linalg.eigh(G.toarray() / np.sqrt(np.outer(d, d)), eigvals_only=True,
                           subset_by_index=[d.size - 34, d.size - 1])[::-1]
    nu = nu[1:] if centered else nu[:33]  # centred: one 1 (the constant) is deflated
    np.testing.assert_allclose(rep.eigenvalues, nu, rtol=0, atol=1e-8)
    minimal = methods.barlow_twins.whitened_minimal_loss(nu, off_diagonal=rep.hyperparameters["off_diagonal"])
    assert rep.loss == pytest.approx(minimal, rel=1e-3, abs=1e-14)


@pytest.mark.parametrize("kind, deflate", [("combinatorial", True), ("normalized", True), ("normalized", False)])
def test_laplacian_eigenpairs_of_pairs_and_a_path_arpack(kind, deflate):
    G = pairs_and_path(30, 470)
    values, vectors = linalg.laplacian_eigenpairs(G, 33, kind=kind, deflate=deflate, solver="arpack")
    reference, basis = dense_laplacian_pairs(G, 34, kind, deflate)
    np.testing.assert_allclose(values, reference[:33], rtol=0, atol=1e-8)
    # 30 (31 undeflated) zeros, then simple path eigenvalues: the cut at 33 is in a gap
    assert np.max(scipy.linalg.subspace_angles(vectors, basis[:, :33])) < 1e-6
    np.testing.assert_allclose(vectors.T @ vectors, np.eye(33), atol=1e-10)


def test_normalized_laplacian_with_isolated_samples_arpack():
    G = pairs_and_path(30, 500, isolated=True)
    values, vectors = linalg.laplacian_eigenpairs(G, 33, kind="normalized", solver="arpack")
    reference, basis = dense_laplacian_pairs(G, 34, "normalized")
    np.testing.assert_allclose(values, reference[:33], rtol=0, atol=1e-8)
    assert np.max(scipy.linalg.subspace_angles(vectors, basis[:, :33])) < 1e-6


def test_smallest_eigenpairs_of_a_block_diagonal_matrix_goes_dense():
    G = pairs_and_path(30, 470)
    L = linalg.laplacian(G)
    values, _ = linalg.smallest_eigenpairs(L, 33, trivial=np.ones(G.shape[0]), solver="arpack")
    np.testing.assert_allclose(values, dense_laplacian_pairs(G, 33)[0], rtol=0, atol=1e-8)


def test_smallest_eigenpairs_of_a_large_block_diagonal_matrix_is_refused(monkeypatch):
    monkeypatch.setattr(linalg, "DENSE_FALLBACK_MAX_SAMPLES", 100)
    L = linalg.laplacian(pairs_and_path(30, 470))
    with pytest.raises(ValueError, match="M is block diagonal"):
        linalg.smallest_eigenpairs(L, 33, trivial=np.ones(L.shape[0]), solver="arpack")


def test_arpack_on_subnormal_weights():
    G = pairs_and_path(0, 600)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values, vectors = linalg.laplacian_eigenpairs(G * 2.0 ** -1030, 3, solver="arpack")
    reference, basis = dense_laplacian_pairs(G, 3)
    np.testing.assert_allclose(np.ldexp(values, 1030), reference, rtol=1e-6)
    assert np.max(scipy.linalg.subspace_angles(vectors, basis)) < 1e-6

"""The implicit label relation (graphs.LabelRelation, issue #16) against the explicit from_labels graph.

Every expected value comes from the explicit sparse graph solved by the existing (dense,
LAPACK) path, or from a dense Laplacian built here with numpy and solved by numpy.linalg.eigh.
"""

import warnings

import numpy as np
import pytest
import scipy.linalg
import scipy.sparse as sp

from spectral_ssl import graphs, linalg, losses, memory
from spectral_ssl.exceptions import CollapseWarning
from spectral_ssl.estimators import BarlowTwins, SpectralContrastive, VICReg
from spectral_ssl.methods import barlow_twins, spectral_contrastive, vicreg

RTOL = 1e-10


def _labels(sizes, seed, names=None):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(sizes)), sizes)
    y = y[rng.permutation(y.size)]
    return y if names is None else np.asarray(names)[y]


#: unequal classes with a singleton (string labels), and without one
WITH_SINGLETON = _labels([7, 1, 12, 4, 12, 9], 0, names=["cat", "dog", "eel", "fox", "gnu", "hen"])
NO_SINGLETON = _labels([5, 13, 8, 20, 2, 13], 1)


def _dense_laplacians(y):
    """L = D - G and L_sym of the label graph, built with numpy only."""
    A = (y[:, None] == y[None, :]).astype(float) - np.eye(y.size)
    d = A.sum(axis=1)
    L = np.diag(d) - A
    with np.errstate(divide="ignore"):
        s = np.where(d > 0, 1 / np.sqrt(d), 0.0)
    return L, np.eye(y.size) - s[:, None] * A * s[None, :], d


def _close(a, b, rtol=RTOL, atol=1e-12):
    return abs(a - b) <= rtol * max(abs(a), abs(b)) + atol


# --------------------------------------------------------------------------- the object


@pytest.mark.parametrize("y", [WITH_SINGLETON, NO_SINGLETON])
def test_relation_is_the_explicit_graph(y):
    G, R = graphs.from_labels(y), graphs.from_labels(y, implicit=True)
    assert isinstance(R, graphs.LabelRelation) and sp.issparse(G)
    assert (R.to_sparse() != G).nnz == 0 and R.to_sparse().has_sorted_indices
    np.testing.assert_array_equal(R.toarray(), G.toarray())
    assert R.nnz == G.nnz and R.shape == G.shape and R.sum() == G.sum()
    np.testing.assert_array_equal(R.sum(axis=1), np.asarray(G.sum(axis=1)))
    Z = np.random.default_rng(2).normal(size=(y.size, 3))
    np.testing.assert_allclose(R @ Z, G @ Z, rtol=0, atol=1e-13)
    np.testing.assert_allclose(Z.T @ R, Z.T @ G.toarray(), rtol=0, atol=1e-13)
    np.testing.assert_allclose(R @ Z[:, 0], G @ Z[:, 0], rtol=0, atol=1e-13)


def test_from_labels_type_depends_on_the_flag_only():
    assert sp.issparse(graphs.from_labels([0, 0, 1]))
    assert repr(graphs.from_labels([0, 0, 1], implicit=True)) == "LabelRelation(n_samples=3, n_classes=2)"
    with pytest.raises(TypeError, match=r"implicit must be True or False, got 'yes'"):
        graphs.from_labels([0, 0, 1], implicit="yes")


def test_implicit_relation_needs_no_budget_and_to_sparse_is_checked():
    y = np.arange(20_000) % 10  # sum of squared class sizes 4e7: 1.6 GB as CSR
    with memory.budget_limit("16MiB"):
        with pytest.raises(memory.MemoryBudgetError, match=r"graphs\.from_labels\(labels\) would need"
                                                            r".*graphs\.from_labels\(y, implicit=True\)"):
            graphs.from_labels(y)
        R = graphs.from_labels(y, implicit=True)
        rep = vicreg.optimal_representation(R, 12, invariance=1e-3)
        with pytest.raises(memory.MemoryBudgetError, match=r"LabelRelation\.to_sparse\(\) would need"):
            R.to_sparse()
    # 9 class contrasts of eigenvalue 0, then 3 within-class directions of eigenvalue n_c = 2000
    np.testing.assert_array_equal(rep.eigenvalues, [0.0] * 9 + [2000.0] * 3)
    assert _close(rep.loss, vicreg.minimal_loss(rep.eigenvalues, invariance=1e-3))


def test_functions_that_need_the_explicit_graph_refuse_it_by_name():
    y = NO_SINGLETON
    R = graphs.from_labels(y, implicit=True)
    X = np.random.default_rng(3).normal(size=(y.size, 3))
    message = r"G is an implicit label relation \(graphs\.LabelRelation\).*G\.to_sparse\(\)"
    with pytest.raises(TypeError, match=message):
        losses.simclr(X, R)
    with pytest.raises(TypeError, match=message):
        spectral_contrastive.optimal_linear(X, R, 2)
    with pytest.raises(TypeError, match=message):
        graphs.check(R)
    with pytest.raises(TypeError, match=r"graph is an implicit label relation"):
        VICReg(relation="precomputed", regime="kernel").fit(X, graph=R)


# --------------------------------------------------------------------------- losses


@pytest.mark.parametrize("name, kwargs", [
    ("vicreg", {}), ("vicreg", {"variance_kind": "hinge", "covariance": 0.3}),
    ("spectral_contrastive", {}), ("barlow_twins", {}), ("barlow_twins", {"centered": True}),
])
def test_losses_and_gradients_equal_the_explicit_graph(name, kwargs):
    y = NO_SINGLETON
    Z = np.random.default_rng(4).normal(size=(y.size, 4))
    loss = getattr(losses, name)
    a, ga = loss(Z, graphs.from_labels(y, implicit=True), return_gradient=True, **kwargs)
    b, gb = loss(Z, graphs.from_labels(y), return_gradient=True, **kwargs)
    assert _close(a, b)
    np.testing.assert_allclose(ga, gb, rtol=0, atol=1e-12 * np.abs(gb).max())


def test_dirichlet_energy_has_no_cancellation():
    # Z nearly constant on each class, far from 0: the class-sum identity
    # n_c sum |z|^2 - |sum z|^2 would cancel every digit; the within-class deviations do not.
    y = WITH_SINGLETON
    rng = np.random.default_rng(5)
    Z = 1e8 + 1e3 * np.unique(y, return_inverse=True)[1][:, None] + 1e-6 * rng.normal(size=(y.size, 2))
    a = losses.invariance_term(Z, graphs.from_labels(y, implicit=True))
    b = losses.invariance_term(Z, graphs.from_labels(y))
    assert b > 0 and _close(a, b, rtol=1e-6)


# --------------------------------------------------------------------------- spectra


@pytest.mark.parametrize("kind, deflate", [("combinatorial", True), ("normalized", True),
                                           ("normalized", False)])
@pytest.mark.parametrize("K", [1, 4, 5, 6, 9, 20, 47])
def test_eigenpairs_against_numpy(kind, deflate, K):
    y = NO_SINGLETON  # 61 samples, 6 classes
    L, Lsym, d = _dense_laplacians(y)
    M = L if kind == "combinatorial" else Lsym
    trivial = np.ones(y.size) if kind == "combinatorial" else np.sqrt(d)
    values, vectors = linalg.label_laplacian_eigenpairs(graphs.from_labels(y, implicit=True), K,
                                                        kind=kind, deflate=deflate)
    w, V = np.linalg.eigh(M)
    if deflate:  # drop the trivial direction from the null space
        null = V[:, w < 1e-9]
        rest = scipy.linalg.null_space((trivial / np.linalg.norm(trivial))[None, :] @ null)
        V = np.hstack([null @ rest, V[:, w >= 1e-9]])
        w = np.concatenate([np.zeros(rest.shape[1]), w[w >= 1e-9]])
    np.testing.assert_allclose(values, w[:K], rtol=0, atol=1e-12 * w.max())
    np.testing.assert_allclose(vectors.T @ vectors, np.eye(K), rtol=0, atol=1e-13)
    np.testing.assert_allclose(M @ vectors, vectors * values, rtol=0, atol=1e-12 * w.max())
    if deflate:
        assert np.abs(trivial @ vectors).max() < 1e-12 * np.linalg.norm(trivial)
    if K == w.size or w[K] - w[K - 1] > 1e-8:  # the span is determined: compare it
        assert np.max(scipy.linalg.subspace_angles(vectors, V[:, :K])) < 1e-10


def test_normalized_spectrum_refuses_a_singleton_class():
    with pytest.raises(ValueError, match=r"labels has 1 class\(es\) of a single sample"):
        linalg.label_laplacian_eigenpairs(graphs.from_labels(WITH_SINGLETON, implicit=True), 2,
                                          kind="normalized")


# --------------------------------------------------------------------------- methods


def _compare(a, b, lower_bound=None):
    """Same loss (and no optimiser beats the dense solver's); same span where both are determined."""
    assert _close(a.loss, b.loss), (a.loss, b.loss)
    assert a.exact == b.exact and a.rank == b.rank
    np.testing.assert_allclose(a.eigenvalues, b.eigenvalues, rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.linalg.svd(a.Z, compute_uv=False), np.linalg.svd(b.Z, compute_uv=False),
                               rtol=1e-9, atol=1e-9)
    if lower_bound is not None:
        assert _close(a.loss, lower_bound)


def _quiet(function, *args, **kwargs):
    """The result without the CollapseWarning (zero columns beyond the classes are expected)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CollapseWarning)
        return function(*args, **kwargs)


def _determined(values_all, K):
    return K == values_all.size or values_all[K] - values_all[K - 1] > 1e-8


@pytest.mark.parametrize("y", [WITH_SINGLETON, NO_SINGLETON], ids=["singleton", "no-singleton"])
@pytest.mark.parametrize("K", [2, 5, 6, 8, 12])
@pytest.mark.parametrize("hyper", [{}, {"covariance": 0.4}, {"invariance": 0.004}])
def test_vicreg_nonparametric(y, K, hyper):
    a = vicreg.optimal_representation(graphs.from_labels(y, implicit=True), K, **hyper)
    b = vicreg.optimal_representation(graphs.from_labels(y), K, solver="dense", **hyper)
    lam = np.linalg.eigvalsh(_dense_laplacians(y)[0])[1:]  # the constant deflated
    _compare(a, b, vicreg.minimal_loss(lam[:K], **hyper))
    if _determined(lam, K) and a.rank == K:
        assert np.max(scipy.linalg.subspace_angles(a.Z, b.Z)) < 1e-9


@pytest.mark.parametrize("K", [2, 6, 7, 10])
def test_spectral_contrastive_nonparametric(K):
    y = NO_SINGLETON  # 6 classes: nu = 1 six times, then -1/(n_c - 1) (zero columns)
    a = _quiet(spectral_contrastive.optimal_representation, graphs.from_labels(y, implicit=True), K)
    b = _quiet(spectral_contrastive.optimal_representation, graphs.from_labels(y), K, solver="dense")
    _compare(a, b, -float(min(K, 6)))
    if K <= 6:
        assert np.max(scipy.linalg.subspace_angles(a.Z, b.Z)) < 1e-10


def test_spectral_contrastive_refuses_the_singleton_as_the_explicit_graph_does():
    for G in (graphs.from_labels(WITH_SINGLETON, implicit=True), graphs.from_labels(WITH_SINGLETON)):
        with pytest.raises(ValueError, match=r"G has 1 isolated sample\(s\)"):
            spectral_contrastive.optimal_representation(G, 2)


@pytest.mark.parametrize("K", [1, 3, 5, 6, 8, 11])
@pytest.mark.parametrize("hyper", [{"constraint": "whitened"}, {"constraint": "whitened", "centered": False},
                                   {"constraint": "whitened", "off_diagonal": 2.0}, {}])
def test_barlow_twins_nonparametric(K, hyper):
    y = NO_SINGLETON
    centered = hyper.get("centered", True)
    R = graphs.from_labels(y, implicit=True)
    if hyper.get("constraint") is None and K > 6 - centered:
        with pytest.raises(ValueError, match=rf"loss as written with n_components={K} above the number "
                                             rf"of classes less one \(centered\) \(5\) has no closed form"):
            barlow_twins.optimal_representation(R, K, **hyper)
        return
    a = _quiet(barlow_twins.optimal_representation, R, K, **hyper)
    b = _quiet(barlow_twins.optimal_representation, graphs.from_labels(y), K, solver="dense", **hyper)
    # the bound: whitened_minimal_loss of the top eigenvalues of D^-1/2 G D^-1/2 (numpy), deflated if centred
    nu = np.sort(1 - np.linalg.eigvalsh(_dense_laplacians(y)[1]))[::-1][int(centered):]
    _compare(a, b, barlow_twins.whitened_minimal_loss(np.minimum(nu[:K], 1.0),
                                                      off_diagonal=hyper.get("off_diagonal", 5e-3)))


@pytest.mark.parametrize("y", [WITH_SINGLETON, NO_SINGLETON], ids=["singleton", "no-singleton"])
@pytest.mark.parametrize("K", [1, 3, 5])
@pytest.mark.parametrize("edge_factor", [False, True])
def test_vicreg_linear(y, K, edge_factor, monkeypatch):
    if edge_factor:  # every solve takes mu from the edge factor (within-class deviations here)
        monkeypatch.setattr(vicreg, "EDGE_FACTOR_RATIO", 0.0)
    rng = np.random.default_rng(6)
    codes = np.unique(y, return_inverse=True)[1]
    X = rng.normal(size=(codes.max() + 1, 5))[codes] + 0.3 * rng.normal(size=(y.size, 5))
    a = vicreg.optimal_linear(X, graphs.from_labels(y, implicit=True), K, invariance=0.05)
    b = vicreg.optimal_linear(X, graphs.from_labels(y), K, invariance=0.05)
    assert _close(a.loss, b.loss) and a.exact and b.exact
    np.testing.assert_allclose(a.eigenvalues, b.eigenvalues, rtol=1e-9, atol=1e-12)
    assert np.max(scipy.linalg.subspace_angles(a.W, b.W)) < 1e-8
    assert _close(losses.vicreg(a.Z, graphs.from_labels(y), **a.hyperparameters), a.loss)


# --------------------------------------------------------------------------- estimators


def test_estimators_keep_the_label_relation_implicit_where_the_solver_takes_it():
    y = NO_SINGLETON
    X = np.random.default_rng(7).normal(size=(y.size, 4))
    implicit = VICReg(3, relation="labels", regime="nonparametric", invariance=0.01).fit(X, y)
    explicit = VICReg(3, relation="precomputed", regime="nonparametric", invariance=0.01).fit(
        X, graph=graphs.from_labels(y))
    assert isinstance(implicit.graph_, graphs.LabelRelation)
    assert _close(implicit.loss_, explicit.loss_)
    assert isinstance(VICReg(2, relation="labels").fit(X, y).graph_, graphs.LabelRelation)  # linear
    assert isinstance(_quiet(SpectralContrastive(7, relation="labels", regime="nonparametric").fit, X, y)
                      .graph_, graphs.LabelRelation)
    assert sp.issparse(SpectralContrastive(2, relation="labels").fit(X, y).graph_)  # linear: explicit
    assert isinstance(BarlowTwins(3, relation="labels", regime="nonparametric", constraint="whitened")
                      .fit(X, y).graph_, graphs.LabelRelation)
    assert sp.issparse(BarlowTwins(2, relation="labels", regime="nonparametric").fit(X, y).graph_)
    certified = VICReg(2, relation="labels", regime="nonparametric", certify=2).fit(X, y)
    assert certified.certificate_.passed and isinstance(certified.graph_, graphs.LabelRelation)

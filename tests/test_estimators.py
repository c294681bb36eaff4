"""Tests of spectral_ssl.estimators: the scikit-learn estimators over the functional core.

The estimators must reproduce the functional API (``spectral_ssl.methods``, tested in its
own files) exactly, build the documented relation graph (recomputed here with numpy /
SciPy), follow scikit-learn's estimator contract (``parametrize_with_checks``) and work
inside ``Pipeline`` / ``GridSearchCV``.
"""

import re

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.spatial.distance import cdist, pdist
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.utils import get_tags
from sklearn.utils.estimator_checks import parametrize_with_checks

import spectral_ssl as ssl
from spectral_ssl import estimators
from spectral_ssl.estimators import BarlowTwins, SimCLR, SpectralContrastive, VICReg
from spectral_ssl.methods import barlow_twins, simclr, spectral_contrastive, vicreg

TOL = 1e-12

# estimator class, functional module, hyper-parameters shared by both (cheap numerical settings)
METHODS = {
    "vicreg": (VICReg, vicreg, {"variance": 1.0, "covariance": 1.0, "invariance": 0.1}),
    "simclr": (SimCLR, simclr, {"temperature": 0.5, "restarts": 2, "max_iter": 30,
                                "random_state": 3}),
    "barlow_twins": (BarlowTwins, barlow_twins, {"off_diagonal": 0.5, "centered": False,
                                                 "restarts": 1, "random_state": 0}),
    "spectral_contrastive": (SpectralContrastive, spectral_contrastive, {}),
}
KERNEL = {"kernel": "rbf", "bandwidth": 1.5, "degree": 3, "coef0": 1.0}


def two_view_data(n_images=12, n_features=3, seed=0):
    """Two noisy views of each of ``n_images`` points: X (2 n_images, D) and the view groups."""
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((n_images, n_features))
    X = np.vstack([base + 0.1 * rng.standard_normal(base.shape) for _ in range(2)])
    groups = np.tile(np.arange(n_images), 2)
    return X, groups


def knn_union_graph(X, k):
    """Binary kNN relation, union-symmetrised, computed directly from the distance matrix."""
    D = cdist(X, X)
    np.fill_diagonal(D, np.inf)
    A = np.zeros_like(D)
    rows = np.repeat(np.arange(X.shape[0]), k)
    A[rows, np.argsort(D, axis=1)[:, :k].ravel()] = 1.0
    return np.maximum(A, A.T)


# --------------------------------------------------------------------------- functional API


@pytest.mark.parametrize("regime", ["linear", "kernel", "nonparametric"])
@pytest.mark.parametrize("name", sorted(METHODS))
def test_attributes_match_the_functional_api(name, regime):
    cls, module, hyper = METHODS[name]
    X, groups = two_view_data()
    G = ssl.graphs.from_groups(groups)
    if regime == "linear":
        extra = {"constraint": "whitened"} if name == "barlow_twins" else {}
        rep = module.optimal_linear(X, G, 2, **hyper, **extra)
    elif regime == "kernel":
        extra = {"constraint": "whitened", "regularization": 0.0} if name == "barlow_twins" else {}
        rep = module.optimal_kernel(X, G, 2, **KERNEL, **hyper, **extra)
    else:
        rep = module.optimal_representation(G, 2, **hyper)

    # Barlow Twins: the whitened problem, whose closed form the functional call above returns
    constraint = {"constraint": "whitened"} if name == "barlow_twins" else {}
    est = cls(2, regime=regime, relation="groups", **KERNEL, **hyper, **constraint)
    assert est.fit(X, groups=groups) is est

    np.testing.assert_allclose(est.embedding_, rep.Z, rtol=0, atol=TOL)
    assert abs(est.loss_ - rep.loss) <= TOL * max(1.0, abs(rep.loss))
    assert est.rank_ == rep.rank and est.exact_ == rep.exact
    np.testing.assert_allclose(est.eigenvalues_, rep.eigenvalues, rtol=0, atol=TOL)
    np.testing.assert_allclose(est.scales_, rep.scales, rtol=0, atol=TOL)
    assert est.representation_.method == name and est.representation_.regime == regime
    np.testing.assert_array_equal(est.graph_.toarray(), G.toarray())
    assert est.n_features_in_ == 3 and est._n_features_out == 2
    if regime == "linear":
        assert est.components_.shape == (2, 3)  # (n_components, n_features): W transposed
        np.testing.assert_allclose(est.components_, rep.W.T, rtol=0, atol=TOL)
        np.testing.assert_allclose(est.intercept_, rep.bias, rtol=0, atol=TOL)
    elif regime == "kernel":
        np.testing.assert_allclose(est.dual_coef_, rep.A, rtol=0, atol=TOL)
        np.testing.assert_allclose(est.intercept_, rep.bias, rtol=0, atol=TOL)
        np.testing.assert_array_equal(est.X_fit_, X)
    else:
        for attribute in ("components_", "intercept_", "dual_coef_"):
            assert not hasattr(est, attribute)


@pytest.mark.parametrize("name", sorted(METHODS))
def test_fit_transform_returns_the_training_representation(name):
    cls, module, hyper = METHODS[name]
    X, groups = two_view_data(seed=1)
    rep = module.optimal_representation(ssl.graphs.from_groups(groups), 3, **hyper)
    Z = cls(3, regime="nonparametric", relation="groups", **hyper).fit_transform(X, groups=groups)
    np.testing.assert_allclose(Z, rep.Z, rtol=0, atol=TOL)


def test_simclr_reports_its_iterations():
    X, groups = two_view_data()
    est = SimCLR(2, relation="groups", restarts=1, max_iter=30).fit(X, groups=groups)
    assert est.n_iter_ >= 1 and est.n_iter_ == est.representation_.details["n_iterations"]
    # 12 equal cliques and K >= 11: the regular-simplex closed form, no iteration.
    closed = SimCLR(11, regime="nonparametric", relation="groups").fit(X, groups=groups)
    assert closed.exact_ and closed.n_iter_ == 0 and closed.rank_ == 11


# --------------------------------------------------------------------------- relations


def test_knn_relation_is_the_union_knn_graph():
    X = np.random.default_rng(2).standard_normal((30, 4))
    est = VICReg(relation="knn", n_neighbors=4, invariance=0.1).fit(X)
    np.testing.assert_array_equal(est.graph_.toarray(), knn_union_graph(X, 4))


def test_gaussian_relation_defaults_to_the_median_distance():
    X = np.random.default_rng(3).standard_normal((25, 2))
    sigma = np.median(pdist(X))
    pattern = knn_union_graph(X, 6)
    expected = pattern * np.exp(-cdist(X, X) ** 2 / (2 * sigma**2))
    est = SpectralContrastive(relation="gaussian", n_neighbors=6).fit(X)
    np.testing.assert_allclose(est.graph_.toarray(), expected, rtol=1e-12, atol=0)
    # n_neighbors=None keeps every pair; an explicit bandwidth replaces the median.
    dense = SpectralContrastive(relation="gaussian", n_neighbors=None, relation_bandwidth=0.7).fit(X)
    full = np.exp(-cdist(X, X) ** 2 / (2 * 0.7**2))
    np.fill_diagonal(full, 0.0)
    np.testing.assert_allclose(dense.graph_.toarray(), full, rtol=1e-12, atol=0)


def test_labels_and_groups_relations_link_equal_labels():
    X, groups = two_view_data(n_images=5)
    y = np.array([0, 1, 1, 2, 0, 2, 2, 0, 1, 1])
    expected = (y[:, None] == y[None, :]).astype(float) - np.eye(10)
    est = VICReg(relation="labels", invariance=0.1).fit(X, y)
    np.testing.assert_array_equal(est.graph_.toarray(), expected)
    est = VICReg(relation="groups", invariance=0.1).fit(X, y=np.zeros(10), groups=y)
    np.testing.assert_array_equal(est.graph_.toarray(), expected)


def test_precomputed_relation_uses_the_given_graph():
    X, groups = two_view_data()
    G = sp.random(24, 24, density=0.3, random_state=0)
    G = (G + G.T).tolil()
    G.setdiag(0)
    G = G.tocsr()
    est = SpectralContrastive(regime="nonparametric", relation="precomputed").fit(X, graph=G)
    np.testing.assert_array_equal(est.graph_.toarray(), G.toarray())
    np.testing.assert_allclose(
        est.embedding_, spectral_contrastive.optimal_representation(G, 2).Z, rtol=0, atol=TOL)


def test_groups_reach_the_estimator_through_a_pipeline():
    X, groups = two_view_data()
    y = np.arange(24) % 2
    pipe = Pipeline([("ssl", VICReg(relation="groups", invariance=0.1)),
                     ("clf", LogisticRegression())])
    pipe.fit(X, y, ssl__groups=groups)
    direct = VICReg(relation="groups", invariance=0.1).fit(X, groups=groups)
    np.testing.assert_allclose(pipe.named_steps["ssl"].embedding_, direct.embedding_, rtol=0, atol=TOL)


# --------------------------------------------------------------------------- transform


def test_linear_transform_maps_new_samples_with_w_and_b():
    X, groups = two_view_data()
    X_new = np.random.default_rng(5).standard_normal((7, 3))
    hyper = METHODS["vicreg"][2]
    lin = vicreg.optimal_linear(X, ssl.graphs.from_groups(groups), 2, **hyper)
    est = VICReg(2, relation="groups", **hyper).fit(X, groups=groups)
    np.testing.assert_allclose(est.transform(X_new), X_new @ lin.W + lin.bias, rtol=0, atol=1e-12)
    np.testing.assert_allclose(est.transform(X), est.embedding_, rtol=0, atol=1e-10)
    assert est.transform(X_new).dtype == np.float64


def test_kernel_transform_is_the_rbf_expansion():
    X, groups = two_view_data()
    X_new = np.random.default_rng(6).standard_normal((5, 3))
    est = SpectralContrastive(3, regime="kernel", relation="groups").fit(X, groups=groups)
    sigma = np.median(pdist(X))  # bandwidth=None: the median pairwise distance
    K_new = np.exp(-cdist(X_new, X) ** 2 / (2 * sigma**2))
    np.testing.assert_allclose(est.transform(X_new), K_new @ est.dual_coef_ + est.intercept_,
                               rtol=0, atol=1e-10)
    np.testing.assert_allclose(est.transform(X), est.embedding_, rtol=0, atol=1e-8)


def test_nonparametric_regime_has_no_transform():
    X, groups = two_view_data()
    est = VICReg(regime="nonparametric", relation="groups", invariance=0.1)
    assert not hasattr(est, "transform")
    Z = est.fit_transform(X, groups=groups)
    assert Z.shape == (24, 2) and not hasattr(est, "transform")
    with pytest.raises(AttributeError, match="has no attribute 'transform'") as info:
        est.transform(X)
    assert "fit_transform" in str(info.value.__cause__)
    # Switching the parameter after fitting does not invent a map the fit never produced.
    est.set_params(regime="linear")
    with pytest.raises(AttributeError, match="defined on the training samples only"):
        est.transform(X)


def test_refit_in_another_regime_drops_the_previous_parameters():
    X, groups = two_view_data()
    est = VICReg(relation="groups", invariance=0.1).fit(X, groups=groups)
    assert hasattr(est, "components_")
    est.set_params(regime="kernel").fit(X, groups=groups)
    assert not hasattr(est, "components_") and est.dual_coef_.shape == (24, 2)
    est.set_params(regime="nonparametric").fit(X, groups=groups)
    assert not hasattr(est, "dual_coef_") and not hasattr(est, "intercept_")


def test_default_vicreg_collapses_when_every_eigenvalue_exceeds_variance_over_invariance():
    X = np.random.default_rng(0).uniform(size=(20, 3))
    with pytest.warns(ssl.CollapseWarning, match=r"^VICReg: .*keeps 0 of the 2 directions asked for"):
        est = VICReg().fit(X)  # 5-NN graph: smallest generalized eigenvalue > 1 = 25 / 25
    assert est.invariance * est.eigenvalues_[0] >= est.variance
    assert est.rank_ == 0 and np.all(est.embedding_ == 0) and est.collapsed_
    assert VICReg(invariance=1.0).fit(X).rank_ == 2


# --------------------------------------------------------------------------- errors


def test_error_messages():
    X, groups = two_view_data(n_images=3)  # 6 samples
    with pytest.raises(ValueError, match=r"relation='groups'.*fit\(X, groups=groups\)"):
        VICReg(relation="groups").fit(X)
    with pytest.raises(ValueError, match="groups has 5 entries but X has 6 samples"):
        VICReg(relation="groups").fit(X, groups=groups[:5])
    with pytest.raises(ValueError, match=r"relation='labels'.*fit\(X, y\)"):
        VICReg(relation="labels").fit(X)
    with pytest.raises(ValueError, match="y has 4 entries but X has 6 samples"):
        VICReg(relation="labels").fit(X, np.array([0, 0, 1, 1]))
    with pytest.raises(ValueError, match=r"fit\(X, graph=G\)"):
        VICReg(relation="precomputed").fit(X)
    with pytest.raises(ValueError, match="graph relates 4 samples but X has 6 samples"):
        VICReg(relation="precomputed").fit(X, graph=ssl.graphs.from_groups([0, 0, 1, 1]))
    with pytest.raises(ValueError, match="graph is not symmetric"):
        VICReg(relation="precomputed").fit(X, graph=np.triu(np.ones((6, 6)), 1))
    with pytest.raises(ValueError, match="relation must be one of .*; got 'views'"):
        VICReg(relation="views").fit(X)
    with pytest.raises(ValueError, match="regime must be one of .*; got 'deep'"):
        SimCLR(regime="deep").fit(X)
    with pytest.raises(ValueError, match="groups is given but relation='knn' ignores it"):
        VICReg(relation="knn").fit(X, groups=groups)
    with pytest.raises(ValueError, match="graph is given but relation='labels' ignores it"):
        VICReg(relation="labels").fit(X, groups % 2, graph=ssl.graphs.from_groups(groups))
    with pytest.raises(ValueError, match="n_neighbors must be between 1 and n_samples - 1 = 5"):
        VICReg(relation="knn", n_neighbors=6).fit(X)
    with pytest.raises(ValueError, match="relation='knn' needs n_neighbors"):
        VICReg(relation="knn", n_neighbors=None).fit(X)
    with pytest.raises(ValueError, match="n_components=2 is larger than"):
        VICReg(2, relation="groups").fit(X[:, :1], groups=groups)
    with pytest.raises(TypeError, match="dense data is required"):
        VICReg(relation="groups").fit(sp.csr_matrix(X), groups=groups)


def test_transform_errors():
    X, groups = two_view_data()
    with pytest.raises(NotFittedError):
        VICReg().transform(X)
    est = VICReg(relation="groups", invariance=0.1).fit(X, groups=groups)
    with pytest.raises(ValueError, match="X has 2 features, but VICReg is expecting 3 features"):
        est.transform(X[:, :2])


# --------------------------------------------------------------------------- sklearn API


@pytest.mark.parametrize("cls, prefix", [(VICReg, "vicreg"), (SimCLR, "simclr"),
                                         (BarlowTwins, "barlowtwins"),
                                         (SpectralContrastive, "spectralcontrastive")])
def test_get_feature_names_out(cls, prefix):
    X, groups = two_view_data()
    kwargs = {"restarts": 1, "max_iter": 100} if cls is SimCLR else {}
    est = cls(3, relation="groups", **kwargs).fit(X, groups=groups)
    assert est.get_feature_names_out().tolist() == [f"{prefix}0", f"{prefix}1", f"{prefix}2"]
    # Named input features are only checked against those seen in fit (none here: 3 generic).
    assert est.get_feature_names_out(["a", "b", "c"]).tolist() == [f"{prefix}{k}" for k in range(3)]
    with pytest.raises(ValueError, match="input_features should have length equal to"):
        est.get_feature_names_out(["a", "b"])


@pytest.mark.extra
def test_feature_names_in_from_a_data_frame():
    pd = pytest.importorskip("pandas")
    X, groups = two_view_data()
    frame = pd.DataFrame(X, columns=["u", "v", "w"])
    est = VICReg(relation="groups", invariance=0.1).fit(frame, groups=groups)
    assert est.feature_names_in_.tolist() == ["u", "v", "w"]
    np.testing.assert_allclose(est.transform(frame), est.embedding_, rtol=0, atol=1e-10)
    with pytest.raises(ValueError, match="input_features is not equal to feature_names_in_"):
        est.get_feature_names_out(["a", "b", "c"])


@pytest.mark.parametrize("cls", [VICReg, SimCLR, BarlowTwins, SpectralContrastive])
def test_get_params_clone_round_trip(cls):
    X, groups = two_view_data()
    changed = {"n_components": 3, "relation": "groups", "regime": "kernel", "bandwidth": 2.0}
    if cls is SimCLR:
        changed.update(temperature=0.2, restarts=1, max_iter=50)
    est = cls(**changed)
    params = est.get_params()
    defaults = cls().get_params()
    assert set(params) == set(defaults)
    assert {k: v for k, v in params.items() if defaults[k] != v} == changed
    est.fit(X, groups=groups)
    twin = clone(est)
    assert twin.get_params() == params and not hasattr(twin, "embedding_")
    np.testing.assert_array_equal(twin.fit(X, groups=groups).embedding_, est.embedding_)
    assert est.set_params(n_components=2) is est and est.get_params()["n_components"] == 2


def test_estimator_specific_parameters():
    assert {"variance", "covariance", "invariance", "variance_kind"} <= set(VICReg().get_params())
    assert "temperature" in SimCLR().get_params()
    assert {"off_diagonal", "centered", "constraint", "whiten"} <= set(BarlowTwins().get_params())
    assert not {"variance", "temperature", "off_diagonal"} & set(SpectralContrastive().get_params())


def test_tags_require_y_only_for_the_label_relation():
    assert get_tags(VICReg(relation="labels")).target_tags.required
    assert not get_tags(VICReg()).target_tags.required


def test_top_level_exports():
    assert ssl.VICReg is VICReg and ssl.SimCLR is SimCLR
    assert ssl.BarlowTwins is BarlowTwins and ssl.SpectralContrastive is SpectralContrastive
    assert set(estimators.__all__) >= {"VICReg", "SimCLR", "BarlowTwins", "SpectralContrastive"}
    with pytest.raises(AttributeError, match="no attribute 'MoCo'"):
        ssl.MoCo  # noqa: B018


# --------------------------------------------------------------------------- pipelines


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:300], y[:300]


def test_grid_search_over_invariance_with_the_label_relation(digits):
    X, y = digits
    pipe = Pipeline([("ssl", VICReg(n_components=9, relation="labels")),
                     ("clf", LogisticRegression(max_iter=500))])
    grid = GridSearchCV(pipe, {"ssl__invariance": [0.01, 0.1, 25.0]}, cv=3).fit(X, y)
    scores = grid.cv_results_["mean_test_score"]
    assert [p["ssl__invariance"] for p in grid.cv_results_["params"]] == [0.01, 0.1, 25.0]
    assert scores.shape == (3,) and grid.best_params_["ssl__invariance"] in (0.01, 0.1)
    assert grid.best_score_ > 0.8  # chance is 0.1
    assert grid.best_estimator_.named_steps["ssl"].rank_ >= 8
    # invariance = variance (the paper's weights): on this label graph every direction has
    # invariance * eigenvalue >= variance, so the representation collapses and the probe
    # loses most of its accuracy (on the smaller CV folds a direction or two may survive).
    assert scores[2] < grid.best_score_ - 0.3
    collapsed = clone(pipe).set_params(ssl__invariance=25.0).fit(X, y).named_steps["ssl"]
    assert collapsed.rank_ == 0 and np.all(collapsed.embedding_ == 0)


def test_unsupervised_knn_relation_in_a_pipeline(digits):
    X, y = digits
    pipe = Pipeline([("ssl", VICReg(n_components=9, relation="knn", n_neighbors=10,
                                    invariance=0.1)),
                     ("clf", LogisticRegression(max_iter=500))])
    scores = cross_val_score(pipe, X, y, cv=3)  # y reaches the probe only, never the relation
    assert scores.shape == (3,) and scores.mean() > 0.7


# --------------------------------------------------------------------------- sklearn checks

# Numerical settings are cheap (SimCLR: one start); VICReg also with invariance=1 because the
# default weights collapse a 5-NN graph's directions on some check data (rank 0, Z = 0), which
# would make the output comparisons of the checks trivial. No check is expected to fail: the
# non-parametric regime passes too because transform is unavailable there (hasattr is False).
CHECKED = [
    VICReg(), VICReg(invariance=1.0), VICReg(regime="kernel", invariance=1.0),
    SimCLR(restarts=1, max_iter=200), BarlowTwins(), SpectralContrastive(),
    SpectralContrastive(regime="nonparametric"),
]


@parametrize_with_checks(CHECKED)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# --------------------------------------------------------------------------- #13, #17: collapse, certificate, progress, counts


def _blobs():
    # 3 well-separated groups of 10 points in 4-D: a 5-NN graph stays within each group.
    rng = np.random.default_rng(1)
    centres = np.array([[0.0, 0, 0, 0], [10, 0, 0, 0], [0, 10, 0, 0]])
    return np.repeat(centres, 10, axis=0) + 0.3 * rng.standard_normal((30, 4))


def test_collapse_is_kept_in_collapsed_and_the_warning_names_the_estimator():
    # The case: the default weights (25, 1, 25) on a kNN graph. Its 3 components give
    # two zero eigenvalues (kept); the third is that of a 5-NN graph of 10 points, above
    # variance / invariance = 1, so that direction collapses: rank 2 of 3.
    X = _blobs()
    with pytest.warns(ssl.CollapseWarning) as record:
        est = VICReg(n_components=3, regime="nonparametric").fit(X)
    assert est.eigenvalues_[2] > 1.0
    assert est.rank_ == 2 and est.collapsed_ is True
    messages = [str(w.message) for w in record if issubclass(w.category, ssl.CollapseWarning)]
    # once, prefixed with the estimator's name (whether the solver warned itself or not)
    assert len(messages) == 1 and messages[0].startswith("VICReg: ")
    assert "keeps 2 of the 3 directions asked for" in messages[0]
    # the warning points at the line that called fit, not into the package
    assert record[0].filename == __file__


def test_no_collapse_means_collapsed_false_and_no_warning():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = VICReg(n_components=2, invariance=0.01).fit(_blobs())
    assert est.rank_ == 2 and est.collapsed_ is False


def test_certify_keeps_a_passing_certificate():
    X = _blobs()
    est = VICReg(n_components=2, invariance=0.01, certify=2).fit(X)
    cert = est.certificate_
    assert cert.passed and cert.restarts == 2 and cert.regime == "linear"
    # the loss the estimator states, and the loss the certificate evaluates at its solution
    assert cert.reported_loss == est.loss_ and cert.closed_form_loss == pytest.approx(est.loss_, rel=1e-12)
    # the closed form is at or below the best random restart, within the certificate's tolerance
    assert cert.gap <= 1e-8 * max(1.0, abs(cert.best_numerical_loss))
    refit = est.set_params(certify=False).fit(X)
    assert not hasattr(refit, "certificate_")  # a refit without certify leaves no stale certificate


def test_failed_certificate_is_a_loud_warning(monkeypatch):
    import spectral_ssl.certify as certify_module

    real = certify_module.certify

    def beaten(*args, **kwargs):
        cert = real(*args, **kwargs)
        cert.best_numerical_loss = cert.closed_form_loss - 1.0
        cert.gap, cert.relative_gap, cert.passed = 1.0, 1.0, False
        return cert

    monkeypatch.setattr(certify_module, "certify", beaten)
    with pytest.warns(ssl.CertificateWarning, match=r"^CERTIFICATE FAILED: SpectralContrastive: a random "
                                                    r"start reached the loss .* by 1 \(relative 1,"):
        est = SpectralContrastive(n_components=3, certify=True).fit(_blobs())
    assert est.certificate_.passed is False and est.certificate_.restarts == 4


def test_verbose_prints_progress_and_false_prints_nothing(capsys, monkeypatch):
    from spectral_ssl import _progress

    monkeypatch.setattr(_progress, "_tqdm", lambda: None)
    X = _blobs()
    SimCLR(n_components=2, restarts=1, max_iter=20, verbose=True).fit(X)
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "SimCLR (linear): fitting 30 samples ..."
    starts = [line for line in err if "L-BFGS-B starts" in line]
    assert [re.search(r"L-BFGS-B starts: (\d+/\d+) ", line).group(1) for line in starts] == ["1/2", "2/2"]
    assert err[-1].startswith("SimCLR (linear): fitting 30 samples: done in ")
    SimCLR(n_components=2, restarts=1, max_iter=20, verbose=False).fit(X)
    assert capsys.readouterr().err == ""


def test_integral_float_counts_are_accepted():
    X = _blobs()
    a = VICReg(n_components=2.0, n_neighbors=5.0, invariance=0.01).fit(X)
    b = VICReg(n_components=2, n_neighbors=5, invariance=0.01).fit(X)
    assert np.array_equal(a.embedding_, b.embedding_) and a.embedding_.shape == (30, 2)


@pytest.mark.parametrize("params, kind, message", [
    ({"n_components": 2.5}, TypeError, r"^n_components must be an integer, got 2\.5"),
    ({"n_neighbors": 4.5}, TypeError, r"^n_neighbors must be an integer, got 4\.5"),
    ({"n_neighbors": True}, TypeError, r"^n_neighbors must be an integer, got True"),
    ({"restarts": 2.5, "variance_kind": "hinge"}, TypeError, r"^restarts must be an integer, got 2\.5"),
    ({"certify": 0}, ValueError, r"^certify must be >= 1, got 0"),
    ({"verbose": "yes"}, TypeError,
     r"^verbose must be True, False, None or an integer level \(0: off, 1: on, 2: also a line per "
     r"block of evaluations\), got 'yes'"),
    ({"relation": "KNN"}, ValueError, r"relation must be one of .*; got 'KNN'\. Did you mean 'knn'\?$"),
    ({"regime": "Kernel"}, ValueError, r"regime must be one of .*; got 'Kernel'\. Did you mean 'kernel'\?$"),
])
def test_bad_parameters_name_the_parameter(params, kind, message):
    with pytest.raises(kind, match=message):
        VICReg(**params).fit(_blobs())


def test_barlow_twins_estimator_names_its_problem():
    # The default is the loss as written (numerical); constraint="whitened" is CCA, exact for that problem.
    from sklearn.datasets import load_iris
    from spectral_ssl.estimators import BarlowTwins

    X, y = load_iris(return_X_y=True)
    written = BarlowTwins(n_components=2, relation="labels", restarts=2).fit(X, y)
    cca = BarlowTwins(n_components=2, relation="labels", constraint="whitened").fit(X, y)
    assert (cca.exact_, written.exact_) == (True, False)
    assert cca.exactness_.startswith("exact") and "whitened" in cca.exactness_
    assert written.exactness_.startswith("numerical")
    assert cca.representation_.details["constraint"] == "whitened"
    # The unconstrained search starts from the CCA map, so the loss as written ends well below it (iris,
    # label relation: 0.011 against 0.341).
    assert written.loss_ < 0.1 * cca.loss_


@pytest.mark.parametrize("relation", ["labels", "knn"])
def test_barlow_twins_nonparametric_estimator_passes_the_constraint(relation):
    # The non-parametric regime dropped constraint: with labels the implicit relation made the
    # solver refuse ("Use constraint='whitened'", which the user had passed); with a kNN graph
    # the loss as written was solved silently (exact_=False, 0.137 against the whitened 0.309).
    X = np.random.default_rng(0).standard_normal((30, 4))
    y = np.repeat([0, 1, 2], 10)
    est = BarlowTwins(2, relation=relation, regime="nonparametric", constraint="whitened").fit(X, y)
    G = (ssl.graphs.from_labels(y, implicit=True) if relation == "labels" else ssl.graphs.knn(X, 5))
    expected = barlow_twins.optimal_representation(G, 2, constraint="whitened")
    assert est.exact_ and est.representation_.details["constraint"] == "whitened"
    assert est.loss_ == pytest.approx(expected.loss, rel=1e-12, abs=1e-15)
    # its certificate searches the constrained problem, and passes
    certified = BarlowTwins(2, relation=relation, regime="nonparametric", constraint="whitened",
                            certify=3).fit(X, y)
    assert certified.certificate_.passed


def test_the_docstring_examples_hold_and_do_not_collapse():
    # the VICReg examples fitted all-zero maps (rank 0) with the default invariance
    import doctest
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", ssl.CollapseWarning)
        result = doctest.testmod(estimators, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted >= 20


@pytest.mark.parametrize("Estimator", [VICReg, SpectralContrastive, BarlowTwins])
def test_label_relation_without_y_uses_scikit_learns_wording(Estimator):
    # check_requires_y_none failed: scikit-learn matches "requires y to be passed, but the target y is None"
    from sklearn.utils.estimator_checks import check_requires_y_none

    check_requires_y_none(Estimator.__name__, Estimator(relation="labels"))
    with pytest.raises(ValueError, match=rf"^{Estimator.__name__} requires y to be passed, but the target y "
                                         r"is None: relation='labels' builds the graph from the class labels y"):
        Estimator(relation="labels").fit(np.ones((6, 2)) + np.arange(6)[:, None])


def test_n_neighbors_is_validated_only_by_the_relations_that_read_it():
    # relation='labels' refused n_neighbors=0 although it ignores it (as documented)
    X = np.random.default_rng(0).standard_normal((12, 2))
    y = np.repeat([0, 1, 2], 4)
    est = VICReg(relation="labels", n_neighbors=0, invariance=0.01).fit(X, y)
    assert est.rank_ == 2
    with pytest.raises(ValueError, match=r"n_neighbors must be >= 1"):
        VICReg(relation="knn", n_neighbors=0).fit(X)

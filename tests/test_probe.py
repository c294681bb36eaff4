"""Tests of spectral_ssl.experiments.probe (linear probes)."""

import numpy as np
import pytest

from spectral_ssl import graphs
from spectral_ssl.experiments.probe import (
    linear_probe,
    linear_probe_predictions,
    pool_groups,
    probe_out_of_sample,
    probe_transductive,
    whiten_span,
)
from spectral_ssl.methods import vicreg


def _blobs(n_per_class, centres, seed, scale=0.3):
    rng = np.random.default_rng(seed)
    X = np.vstack([c + scale * rng.standard_normal((n_per_class, len(c))) for c in centres])
    y = np.repeat(np.arange(len(centres)), n_per_class)
    return X, y


CENTRES = [(0.0, 0.0), (4.0, 0.0), (0.0, 4.0)]


@pytest.mark.parametrize("model", ["logistic", "ridge"])
def test_separated_blobs_are_classified_perfectly(model):
    # Three blobs 4 apart with std 0.3: no point is within 6 std of another class's centre.
    X_train, y_train = _blobs(30, CENTRES, seed=0)
    X_test, y_test = _blobs(20, CENTRES, seed=1)
    assert linear_probe(X_train, y_train, X_test, y_test, model=model) == 1.0


def test_accuracy_is_the_fraction_of_correct_test_labels():
    # One informative column: class 0 at -1, class 1 at +1. The test rows at -5 and +5 are
    # classified 0 and 1; labelling them [0, 0] makes exactly one of the two correct.
    Z = np.array([[-1.0], [-1.1], [1.0], [1.1]])
    y = np.array([0, 0, 1, 1])
    assert linear_probe(Z, y, np.array([[-5.0], [5.0]]), np.array([0, 0])) == 0.5


def test_constant_representation_predicts_the_majority_class():
    Z = np.zeros((5, 3))
    y_train = np.array([2, 2, 2, 7, 7])  # majority class 2
    y_test = np.array([2, 7, 7, 7])
    assert linear_probe(Z, y_train, np.zeros((4, 3)), y_test) == 0.25


def test_round_off_columns_are_dropped_not_standardised():
    # Column 0 is uninformative noise of std 1; column 1 is a perfect label indicator at scale s.
    # At s = 1e-3 it is a real direction and the probe reads it (accuracy 1). At s = 1e-13 it is
    # below 1e-10 x the largest std: a collapsed direction, dropped, so only noise is left.
    rng = np.random.default_rng(0)
    y_train, y_test = np.tile([0, 1], 50), np.tile([0, 1], 50)
    noise_train, noise_test = rng.standard_normal(100), rng.standard_normal(100)
    sign_train, sign_test = 2.0 * y_train - 1, 2.0 * y_test - 1
    for scale, expected_perfect in ((1e-3, True), (1e-13, False)):
        train = np.column_stack([noise_train, scale * sign_train])
        test = np.column_stack([noise_test, scale * sign_test])
        accuracy = linear_probe(train, y_train, test, y_test)
        if expected_perfect:
            assert accuracy == 1.0
        else:
            assert accuracy < 0.7  # noise alone: chance is 0.5


def test_linear_probe_validation():
    Z, y = np.ones((4, 2)), np.array([0, 1, 0, 1])
    Z[:, 0] = [0, 1, 2, 3]
    with pytest.raises(ValueError, match="test_repr has 3 columns but train_repr has 2"):
        linear_probe(Z, y, np.ones((2, 3)), [0, 1])
    with pytest.raises(ValueError, match="y_train has 3 labels but train_repr has 4 rows"):
        linear_probe(Z, y[:3], Z, y)
    with pytest.raises(ValueError, match="y_train has a single class"):
        linear_probe(Z, np.zeros(4), Z, y)
    with pytest.raises(ValueError, match="model must be one of 'logistic', 'ridge'"):
        linear_probe(Z, y, Z, y, model="svm")
    with pytest.raises(ValueError, match="regularization must be > 0.0"):
        linear_probe(Z, y, Z, y, regularization=0.0)
    with pytest.raises(ValueError, match="train_repr contains NaN or inf"):
        linear_probe(np.full((4, 2), np.nan), y, Z, y)
    with pytest.raises(ValueError, match="max_iter must be >= 1, got 0"):
        linear_probe(Z, y, Z, y, max_iter=0)


def test_pool_groups_averages_rows():
    pooled, labels = pool_groups(np.array([[1.0, 0.0], [3.0, 2.0], [10.0, 4.0]]), ["b", "b", "a"])
    assert labels.tolist() == ["a", "b"]
    assert pooled.tolist() == [[10.0, 4.0], [2.0, 1.0]]
    with pytest.raises(ValueError, match="one entry per row of Z"):
        pool_groups(np.ones((3, 1)), [0, 1])


def test_transductive_probe_on_pooled_views():
    # Two views per sample (rows i and i + 60); each class sits around its own centre.
    X, y = _blobs(20, CENTRES, seed=2)
    views = np.vstack([X + 0.05, X - 0.05])
    groups = np.tile(np.arange(60), 2)
    train = np.arange(60) % 3 != 0
    assert probe_transductive(views, y, train, ~train, groups=groups) == 1.0
    # Without pooling, labels are per row.
    rows_y = np.tile(y, 2)
    assert probe_transductive(views, rows_y, np.arange(0, 120, 2), np.arange(1, 120, 2)) == 1.0


def test_transductive_probe_validation():
    Z, y = np.arange(8.0).reshape(4, 2), np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match="train and test share samples"):
        probe_transductive(Z, y, [0, 1, 2], [2, 3])
    with pytest.raises(ValueError, match="test is empty"):
        probe_transductive(Z, y, [0, 1], [])
    with pytest.raises(ValueError, match=r"train has indices outside \[0, 3\]"):
        probe_transductive(Z, y, [0, 4], [1])
    with pytest.raises(ValueError, match=r"train is a boolean mask of shape \(3,\)"):
        probe_transductive(Z, y, np.array([True, False, True]), [1])
    with pytest.raises(TypeError, match="train must be a 1-D integer index array"):
        probe_transductive(Z, y, np.array([0.0, 1.0]), [2])


def test_out_of_sample_probe_of_a_linear_optimum():
    # Linear VICReg on two views of three well separated blobs in 2-D, K = 2 (full rank): the map
    # is invertible on the plane, so a probe on transformed held-out points is perfect.
    X_train, y_train = _blobs(20, CENTRES, seed=3)
    X_test, y_test = _blobs(10, CENTRES, seed=4)
    views, groups = graphs.make_views(X_train, augment=("noise",), random_state=0)
    rep = vicreg.optimal_linear(views, graphs.from_groups(groups), 2, variance=1.0, covariance=1.0,
                                invariance=0.01)
    assert rep.rank == 2
    assert probe_out_of_sample(rep, X_train, y_train, X_test, y_test) == 1.0


def test_out_of_sample_probe_needs_transform():
    G = graphs.from_groups(np.repeat(np.arange(3), 2))
    rep = vicreg.optimal_representation(G, 2, variance=1.0, covariance=1.0, invariance=0.1)
    with pytest.raises(TypeError, match="use probe_transductive for a non-parametric Representation"):
        probe_out_of_sample(rep, np.ones((2, 2)), [0, 1], np.ones((2, 2)), [0, 1])


# --------------------------------------------------------------------------- basis invariance


def _anisotropic_problem(seed=0):
    # 4 overlapping classes in 6 dimensions (so the probe makes mistakes near the boundaries), and
    # representations of it given in badly scaled, mixed bases.
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((4, 6))
    y_train, y_test = np.repeat(np.arange(4), 40), np.repeat(np.arange(4), 60)
    Z_train = centres[y_train] + rng.standard_normal((160, 6))
    Z_test = centres[y_test] + rng.standard_normal((240, 6))
    return Z_train, y_train, Z_test, y_test, rng


@pytest.mark.parametrize("model", ["logistic", "ridge"])
def test_probe_depends_only_on_the_span(model):
    Z_train, y_train, Z_test, y_test, rng = _anisotropic_problem()
    base = linear_probe_predictions(Z_train, y_train, Z_test, model=model)
    # Any invertible change of basis plus a shift: A = rotation x scales over 1e-2 .. 1e2 (a
    # condition number well inside the rank rule, 1e-6 relative singular value).
    Q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    A = Q @ np.diag(np.geomspace(1e-2, 1e2, 6)) @ np.linalg.qr(rng.standard_normal((6, 6)))[0]
    b = rng.standard_normal(6) * 100
    moved = linear_probe_predictions(Z_train @ A + b, y_train, Z_test @ A + b, model=model)
    assert np.array_equal(moved, base)
    accuracy = linear_probe(Z_train, y_train, Z_test, y_test, model=model)
    assert 0.5 < accuracy < 0.95  # the classes overlap: the invariance is tested on real mistakes
    # Redundant copies of a column do not add directions either.
    padded = linear_probe_predictions(np.c_[Z_train, 2 * Z_train[:, :1]], y_train,
                                      np.c_[Z_test, 2 * Z_test[:, :1]], model=model)
    assert np.array_equal(padded, base)


def test_a_standardising_probe_is_not_basis_invariant():
    # What the probe replaces: per-column standardisation then the same L2-penalised logistic
    # regression. Two bases of one span (the span of all 6 columns) get different predictions, so
    # the invariance test above can fail.
    from sklearn.linear_model import LogisticRegression

    Z_train, y_train, Z_test, _, rng = _anisotropic_problem()
    A = np.linalg.qr(rng.standard_normal((6, 6)))[0] @ np.diag(np.geomspace(1e-2, 1e2, 6))

    def standardised(train, test):
        mean, std = train.mean(axis=0), train.std(axis=0)
        clf = LogisticRegression(C=0.01, max_iter=5000).fit((train - mean) / std, y_train)
        return clf.predict((test - mean) / std)

    assert not np.array_equal(standardised(Z_train, Z_test), standardised(Z_train @ A, Z_test @ A))
    # ours, with the same penalty:
    assert np.array_equal(linear_probe_predictions(Z_train, y_train, Z_test, regularization=100.0),
                          linear_probe_predictions(Z_train @ A, y_train, Z_test @ A, regularization=100.0))


def test_whiten_span_has_identity_covariance_and_drops_collapsed_directions():
    rng = np.random.default_rng(1)
    Z = rng.standard_normal((50, 3)) @ rng.standard_normal((3, 5))  # rank 3 in 5 columns
    Z[:, 4] += 1e-9 * rng.standard_normal(50)  # round-off sized extra direction: dropped
    W, T = whiten_span(Z, Z[:7])
    assert W.shape == (50, 3)
    assert np.allclose(W.T @ W / 50, np.eye(3), atol=1e-10)
    assert np.allclose(W.mean(axis=0), 0, atol=1e-12)
    assert np.allclose(T, W[:7], atol=1e-8)  # the test map is the training map
    assert whiten_span(np.ones((4, 2))).shape == (4, 0)


def test_probe_accuracy_is_the_same_for_a_random_ill_conditioned_basis():
    # Z and Z @ R for a random R with condition number 1e5 (Gaussian factors around a geometric
    # spectrum 1 .. 1e-5, inside the documented kept-span threshold COLLAPSED_RTOL = 1e-6): the
    # whitened span is the same, so the accuracy and every prediction must be the same.
    from spectral_ssl.experiments.probe import COLLAPSED_RTOL

    Z_train, y_train, Z_test, y_test, rng = _anisotropic_problem(seed=3)
    U = np.linalg.qr(rng.standard_normal((6, 6)))[0]
    V = np.linalg.qr(rng.standard_normal((6, 6)))[0]
    R = U @ np.diag(np.geomspace(1.0, 1e-5, 6)) @ V.T
    assert 1e-5 / 1.0 > COLLAPSED_RTOL and np.linalg.cond(R) == pytest.approx(1e5, rel=1e-6)
    base = linear_probe(Z_train, y_train, Z_test, y_test)
    assert 0.5 < base < 0.95
    assert linear_probe(Z_train @ R, y_train, Z_test @ R, y_test) == base
    assert np.array_equal(linear_probe_predictions(Z_train @ R, y_train, Z_test @ R),
                          linear_probe_predictions(Z_train, y_train, Z_test))

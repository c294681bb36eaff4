"""The kernels module: the squared-distance expansion and the old linalg import paths."""

import numpy as np
import pytest

from spectral_ssl import kernels, linalg


def test_squared_distances_match_the_explicit_differences():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((7, 3)), rng.standard_normal((5, 3))
    explicit = ((X[:, None, :] - Y[None, :, :]) ** 2).sum(-1)
    np.testing.assert_allclose(kernels.squared_distances(X, Y), explicit, rtol=1e-12, atol=1e-14)
    own = kernels.squared_distances(X)
    assert own.shape == (7, 7) and np.all(own >= 0.0)
    np.testing.assert_allclose(own, ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1), rtol=1e-12, atol=1e-14)


def test_squared_distances_clip_the_cancellation_below_zero():
    # 1e8 + tiny offsets: the expansion cancels to about eps * 1e16 and can go negative
    X = 1e8 + np.array([[0.0], [1e-9], [2e-9]])
    assert np.min(kernels.squared_distances(X)) == 0.0


def test_linalg_keeps_the_kernel_names():
    assert linalg.Kernel is kernels.Kernel
    assert linalg.make_kernel is kernels.make_kernel
    assert linalg.median_bandwidth is kernels.median_bandwidth
    k = linalg.make_kernel(np.eye(3), "rbf", bandwidth=2.0)
    assert float(k(np.zeros((1, 1)), np.ones((1, 1)))[0, 0]) == pytest.approx(np.exp(-1 / 8), rel=1e-15)

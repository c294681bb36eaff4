"""``transform`` of the linear and kernel results: the map of new samples and its one input check."""

import numpy as np
import pytest

from spectral_ssl.kernels import Kernel
from spectral_ssl.methods import KernelRepresentation, LinearRepresentation


def _linear():
    W = np.array([[1.0, 0.0], [2.0, -1.0], [0.0, 3.0]])
    return LinearRepresentation(Z=np.zeros((4, 2)), loss=0.0, rank=2, eigenvalues=np.zeros(2),
                                scales=np.ones(2), exact=True, method="vicreg", equivalent="LPP",
                                W=W, bias=np.array([0.5, -0.5]))


def _kernel():
    X_fit = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    return KernelRepresentation(Z=np.zeros((2, 1)), loss=0.0, rank=1, eigenvalues=np.zeros(1),
                                scales=np.ones(1), exact=True, method="vicreg", equivalent="kernel LPP",
                                A=np.array([[1.0], [-1.0]]), bias=np.array([2.0]), X_fit=X_fit,
                                kernel=Kernel("rbf", bandwidth=1.0))


def test_linear_transform_is_x_w_plus_b():
    # row (1, 1, 1): (1 + 2, -1 + 3) + (0.5, -0.5)
    np.testing.assert_allclose(_linear().transform([[1.0, 1.0, 1.0]]), [[3.5, 1.5]], rtol=1e-15)


def test_kernel_transform_is_k_a_plus_b():
    # x = (1, 0, 0): k(x, 0) = exp(-1/2), k(x, e1) = 1, so exp(-1/2) - 1 + 2
    np.testing.assert_allclose(_kernel().transform([[1.0, 0.0, 0.0]]), [[np.exp(-0.5) + 1.0]], rtol=1e-15)


@pytest.mark.parametrize("make, fitted", [(_linear, 3), (_kernel, 3)])
def test_a_wrong_number_of_features_names_both_counts(make, fitted):
    with pytest.raises(ValueError, match=f"X has 2 features but the representation was fitted on {fitted}; "
                                         "pass samples with the same features"):
        make().transform(np.ones((5, 2)))


@pytest.mark.parametrize("make", [_linear, _kernel])
def test_new_samples_are_checked_as_features(make):
    with pytest.raises(ValueError, match="X"):
        make().transform(np.ones(3))  # one-dimensional
    with pytest.raises(ValueError, match="X"):
        make().transform([[np.nan, 0.0, 0.0]])

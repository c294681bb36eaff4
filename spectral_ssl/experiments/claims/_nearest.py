"""The 1-nearest-neighbour probe: a probe that sees the scales of a representation, not only its span."""

import numpy as np

from ..._validation import check_features
from ...kernels import squared_distances


def nearest_neighbour_probe(train_repr, y_train, test_repr, y_test):
    r"""Accuracy of the 1-nearest-neighbour classifier on the raw representation.

    Unlike :func:`~spectral_ssl.experiments.probe.linear_probe`, nothing is
    whitened: a direction with a small scale (VICReg's :math:`t_k` close to 0)
    contributes little to the Euclidean distances, so this probe sees the scales
    of a representation, not only its span. Ties go to the first training row.

    Examples
    --------
    >>> import numpy as np
    >>> nearest_neighbour_probe(np.array([[0.0], [10.0]]), [0, 1], np.array([[1.0], [8.0]]), [0, 1])
    1.0
    """
    A = check_features(train_repr, name="train_repr", min_samples=1)
    B = check_features(test_repr, name="test_repr", min_samples=1)
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"test_repr has {B.shape[1]} columns but train_repr has {A.shape[1]}; "
                         f"both must come from the same representation.")
    y_train, y_test = np.asarray(y_train), np.asarray(y_test)
    if y_train.shape != (A.shape[0],) or y_test.shape != (B.shape[0],):
        raise ValueError("y_train and y_test need one label per row of train_repr and test_repr.")
    d2 = squared_distances(B, A)
    return float(np.mean(y_train[np.argmin(d2, axis=1)] == y_test))


__all__ = ["nearest_neighbour_probe"]

"""reference.nt_xent: conventions by an independent loop, and the zero-row error."""

import numpy as np
import pytest

from spectral_ssl import reference


def _loop(A, B, tau):
    # per-row cross-entropy written out with plain loops (2N rows, partner i +- N)
    Z = np.vstack([A, B])
    Z = Z / np.linalg.norm(Z, axis=1, keepdims=True)
    m = Z.shape[0]
    total = 0.0
    for i in range(m):
        partner = (i + m // 2) % m
        others = [np.exp(Z[i] @ Z[j] / tau) for j in range(m) if j != i]
        total += -Z[i] @ Z[partner] / tau + np.log(sum(others))
    return total / m


def test_conventions_against_a_loop():
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((7, 3)), rng.standard_normal((7, 3))
    expected = _loop(A, B, 0.3)
    assert reference.nt_xent(A, B, temperature=0.3) == pytest.approx(expected, rel=1e-13)
    assert reference.nt_xent(A, B, temperature=0.3, convention="google") == pytest.approx(2 * expected, rel=1e-13)
    assert reference.nt_xent(A, B, temperature=0.3, convention="solo") == pytest.approx(expected, rel=1e-12)


def test_zero_row_is_refused_with_the_fix():
    with pytest.raises(ValueError, match=r"B has 1 row\(s\) with zero norm \(first: row 1\).*nonzero representation"):
        reference.nt_xent(np.ones((2, 2)), np.array([[1.0, 0.0], [0.0, 0.0]]))

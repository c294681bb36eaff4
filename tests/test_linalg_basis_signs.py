"""The one sign rule: linalg.column_signs, sign_flip, sign_flip_with (and the methods' in-place use)."""

import numpy as np
import pytest

from spectral_ssl import linalg


def test_coefficients_follow_the_flip_of_a_column_of_tiny_entries():
    # entries near 1e-170: the product z_flipped * z underflows to 0, so a rule reading the flips
    # back from it would flip the column and not its coefficients; Z = F W must keep holding
    Z = np.array([[-3e-170, 1.0], [1e-170, -2.0]])
    W = np.array([[2.0, 5.0]])
    flipped, W_flipped = linalg.sign_flip_with(Z, W)
    np.testing.assert_array_equal(flipped, [[3e-170, -1.0], [-1e-170, 2.0]])
    np.testing.assert_array_equal(W_flipped, [[-2.0, -5.0]])


@pytest.mark.parametrize("seed", range(5))
def test_column_signs_match_the_largest_entry_rule_written_out(seed):
    rng = np.random.default_rng(seed)
    V = rng.standard_normal((30, 6))
    V[:, 2] = 0.0                                 # zero column keeps its sign
    V[:, 3] = np.r_[-1.0, 1.0 + 1e-13, np.zeros(28)]  # a tie: the first row decides
    expected = []
    for column in V.T:
        magnitude = np.abs(column)
        tied = np.flatnonzero(magnitude >= (1 - linalg.SIGN_TIE_RTOL) * magnitude.max())
        expected.append(-1.0 if column[tied[0]] < 0 else 1.0)
    assert linalg.column_signs(V).tolist() == expected
    assert expected[2] == 1.0 and expected[3] == -1.0
    np.testing.assert_array_equal(linalg.sign_flip(V), V * np.array(expected))

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


def _log_domain(A, B, tau):
    # the lightly convention in the log domain, written independently: logaddexp over the others
    Z = np.vstack([A, B]).astype(float)
    Z = Z / np.max(np.abs(Z), axis=1, keepdims=True)
    Z = Z / np.linalg.norm(Z, axis=1, keepdims=True)
    m = Z.shape[0]
    total = 0.0
    for i in range(m):
        logits = [Z[i] @ Z[j] / tau for j in range(m) if j != i]
        total += -Z[i] @ Z[(i + m // 2) % m] / tau + np.logaddexp.reduce(logits)
    return total / m


@pytest.mark.parametrize("tau", [1e-3, 2e-3, 1e3])
def test_solo_convention_is_finite_and_equals_lightly_at_extreme_temperatures(tau):
    # the quotient of sums underflowed to 0 / x at tau = 2e-3 (an infinite loss)
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((8, 4)), rng.standard_normal((8, 4))
    expected = _log_domain(A, B, tau)
    for convention in ("lightly", "solo"):
        assert reference.nt_xent(A, B, temperature=tau, convention=convention) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("scale", [1e-170, 1e160])
def test_rows_far_from_unit_scale_keep_their_direction(scale):
    # the plain row norm underflowed (NaN at 1e-170) or overflowed (a wrong 2.708 at 1e160)
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((8, 4)), rng.standard_normal((8, 4))
    assert reference.nt_xent(A * scale, B * scale) == pytest.approx(_log_domain(A, B, 0.5), rel=1e-13)


def test_the_logits_are_checked_against_the_memory_budget_before_allocation():
    from spectral_ssl import memory

    A = np.ones((400, 3)) + np.arange(3)
    with memory.budget_limit("1MiB"):
        with pytest.raises(memory.MemoryBudgetError, match=r"reference.nt_xent would need 19.5 MiB "
                                                           r"\(4 matrices of 800 x 800 float64\)"):
            reference.nt_xent(A, A)

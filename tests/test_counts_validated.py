"""Counts and ranges given by users go through the one rule of ``_validation`` (#18).

Before, these took ``int(value)`` (3.7 became 3, True became 1) or a hand-written comparison
with its own wording; now ``check_integer`` / ``check_scalar`` refuse them with the message
every other argument gets.
"""

import numpy as np
import pytest

from spectral_ssl.experiments.claims import low_data_regime, stats
from spectral_ssl.experiments.claims.sampling import check_values
from spectral_ssl.experiments.datasets import gaussian_mixture
from spectral_ssl.methods import simclr
from spectral_ssl.report import run_report


@pytest.mark.parametrize("call, error, message", [
    (lambda: simclr.simplex_vertices(3.7), TypeError, r"n_vertices must be an integer, got 3\.7\."),
    (lambda: simclr.simplex_vertices(True), TypeError, r"n_vertices must be an integer, got True\."),
    (lambda: simclr.simplex_vertices(0), ValueError, r"n_vertices must be >= 1"),
    (lambda: simclr.simplex_loss(2.9, 2), TypeError, r"n_cliques must be an integer, got 2\.9\."),
    (lambda: simclr.simplex_loss(2, 2.5), TypeError, r"clique_size must be an integer, got 2\.5\."),
    (lambda: simclr.simplex_loss(2, 1), ValueError, r"clique_size must be >= 2"),
    (lambda: stats.estimate([0.5, 0.6], level=1.0), ValueError, r"level must be < 1"),
    (lambda: stats.estimate([0.5, 0.6], level=0.0), ValueError, r"level must be > 0"),
    (lambda: stats.estimate([0.5, 0.6], level="0.9"), TypeError, r"level must be a real number"),
    (lambda: check_values([2, 4.5], "samples_per_class", low=2, integer=True), TypeError,
     r"every entry of samples_per_class must be an integer, got 4\.5\."),
    (lambda: check_values([2, 1], "samples_per_class", low=2, integer=True), ValueError,
     r"samples_per_class must be >= 2, got 1\."),
])
def test_a_bad_count_or_level_is_refused_with_the_common_message(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_integral_counts_are_still_accepted():
    assert simclr.simplex_vertices(3.0).shape == (3, 2)
    np.testing.assert_allclose(simclr.simplex_loss(np.int64(2), 2.0), simclr.simplex_loss(2, 2))
    assert check_values(np.array([8, 2.0, 4]), "samples_per_class", low=2, integer=True) == [2, 4, 8]


def test_a_fractional_test_count_of_the_low_data_claim_is_refused_before_any_fit():
    X, y = gaussian_mixture(96, n_features=12, n_classes=2)[:2]
    with pytest.raises(TypeError, match=r"n_test_per_class must be an integer, got 2\.5\."):
        low_data_regime(X, y, samples_per_class=(2,), n_test_per_class=2.5, quick=True)


@pytest.mark.parametrize("ratio, error, message", [
    (True, TypeError, r"every invariance/variance ratio must be a real number, got True\."),
    (0.0, ValueError, r"every invariance/variance ratio must be > 0"),
    (float("inf"), ValueError, r"every invariance/variance ratio must be finite"),
])
def test_the_reports_invariance_ratios_are_checked_by_the_common_rule(tmp_path, ratio, error, message):
    with pytest.raises(error, match=message):
        run_report(tmp_path / "r", invariance=(1.0, ratio), write=False)
    assert not (tmp_path / "r").exists()

"""Tests of the computations the report renders (spectral_ssl.experiments.labelled, method_table,
optima, simclr_mds, claim_runs) on small hand-made inputs."""

import math

import numpy as np
import pytest
import scipy.sparse as sp

from spectral_ssl.experiments.claim_runs import deciding_comparisons
from spectral_ssl.experiments.claims.result import ClaimResult, Comparison, Reading
from spectral_ssl.experiments.claims.stats import Estimate
from spectral_ssl.experiments.labelled import MethodData
from spectral_ssl.experiments.method_table import certificate_summary, pairs_sizes
from spectral_ssl.experiments.optima import certificate_verdict, solution_kind
from spectral_ssl.experiments.simclr_mds import matching_bound


class _Rep:
    def __init__(self, method, exact, details):
        self.method, self.exact, self.details = method, exact, details


def test_solution_kind_reads_the_constraint_never_the_problem_text():
    assert solution_kind(_Rep("simclr", False, {})) == "numerical"
    # the kind comes from the structured key only: a problem's wording is for people (#18)
    assert solution_kind(_Rep("barlow_twins", True, {"problem": "whitened (CCA)"})) == "exact"
    assert solution_kind(_Rep("barlow_twins", True, {"constraint": "whitened"})) == "whitened"
    assert solution_kind(_Rep("barlow_twins", True, {"constraint": "none", "problem": "whitened"})) \
        == "exact"
    assert solution_kind(_Rep("vicreg", True, {})) == "exact"
    assert [certificate_verdict(kind, False) for kind in ("exact", "numerical", "whitened")] == [
        "FAILED", "beaten", "lower"]
    assert certificate_verdict("exact", True) == "yes" and certificate_verdict("exact", None) is None


def test_certificate_summary_ok_without_exact_failures():
    rows = [{"solution": "exact", "cert_passed": True, "cert_relative_gap": -1e-16},
            {"solution": "whitened", "cert_passed": False, "cert_relative_gap": 0.25},
            {"solution": "whitened", "cert_passed": False, "cert_relative_gap": 0.5},
            {"solution": None, "cert_passed": None}]  # a skipped row has no certificate
    summary = certificate_summary(rows)
    assert summary["ok"] is True and set(summary) == {"exact", "whitened", "ok"}
    assert summary["whitened"] == {"count": 2, "passed": 0, "failed": rows[1:3],
                                   "largest_relative_gap": 0.5}


def test_matching_bound_by_hand():
    # G_12 = 2, G_13 = 1: degrees 3, 2, 1; -sum G log(G / d) = -(2 log(2/3) + log(1/3)) from row 1,
    # rows 2 and 3 have a single neighbour (log 1 = 0).
    G = sp.csr_matrix(np.array([[0.0, 2.0, 1.0], [2.0, 0.0, 0.0], [1.0, 0.0, 0.0]]))
    assert matching_bound(G) == pytest.approx(2 * math.log(1.5) + math.log(3.0), rel=1e-14)


def test_chance_is_the_majority_share_of_the_test_samples():
    y = np.array([0, 0, 0, 1, 1, 2, 2, 2])
    data = MethodData("d", "", np.zeros((8, 2)), y, np.arange(3), np.array([3, 4, 5, 6, 7]), (), "")
    assert data.chance == pytest.approx(3 / 5)  # test labels 1, 1, 2, 2, 2


def test_pairs_sizes_around_k():
    assert pairs_sizes(16, 300) == (12, 48)
    assert pairs_sizes(16, 20) == (12, 20)  # capped at the images available
    assert pairs_sizes(2, 300) == (2, 6)


def _comparison(mean, se, low, high, threshold=0.0):
    return Comparison(f"m={mean}", Estimate(mean=mean, se=se, low=low, high=high, n=5), threshold)


def test_deciding_comparison_is_the_failing_one_or_the_weakest_link():
    strong, weak = _comparison(0.5, 0.1, 0.3, 0.7), _comparison(0.1, 0.05, 0.02, 0.18)
    failing = _comparison(-0.1, 0.05, -0.2, -0.01)
    unsure = _comparison(0.02, 0.05, -0.08, 0.12)
    result = ClaimResult(name="x", statement="", rule="",
                         readings=[Reading("a", "", "", [strong, weak])])
    assert deciding_comparisons(result) == [weak, strong]  # margins 2 and 5 standard errors
    result.readings.append(Reading("b", "", "", [unsure, failing]))
    assert deciding_comparisons(result) == [failing, unsure]
    result.readings.append(Reading("c", "", "", [_comparison(-5.0, 0.1, -5.2, -4.8)], primary=False))
    assert deciding_comparisons(result) == [failing, unsure]  # secondary readings do not decide

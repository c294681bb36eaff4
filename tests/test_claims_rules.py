"""Tests of the machinery behind the claims' verdicts: statistics, results, design checks, relations.

Every rule is tested on inputs whose verdict is known by construction, and every design check on a
setting it must refuse and one it must accept.
"""

import math

import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components
from scipy.stats import t as student_t

from spectral_ssl import graphs
from spectral_ssl.experiments.claims import design, pairs, relations, solvers, stats
from spectral_ssl.experiments.claims.result import ClaimResult, Comparison, DesignCheck, Reading, Table


# --------------------------------------------------------------------------- statistics


def test_estimate_is_mean_standard_error_and_student_interval():
    values = [0.81, 0.84, 0.79, 0.86, 0.80]
    e = stats.estimate(values)
    sd = np.std(values, ddof=1)
    assert e.mean == pytest.approx(0.82)
    assert e.se == pytest.approx(sd / math.sqrt(5))
    half = student_t.ppf(0.975, 4) * sd / math.sqrt(5)  # 2.776 standard errors with 5 seeds
    assert (e.low, e.high) == pytest.approx((0.82 - half, 0.82 + half))
    assert e.format() == "0.820 ± 0.013"
    one = stats.estimate([0.5])
    assert math.isnan(one.se) and one.low == -math.inf and one.high == math.inf
    with pytest.raises(ValueError, match="finite numbers"):
        stats.estimate([0.1, float("nan")])


@pytest.mark.parametrize("values, threshold, verdict", [
    ([0.03, 0.04, 0.05, 0.04, 0.04], 0.0, "supported"),       # interval well above 0
    ([-0.03, -0.04, -0.05, -0.04, -0.04], 0.0, "not supported"),
    ([-0.02, 0.03, 0.01, -0.01, 0.02], 0.0, "inconclusive"),  # straddles 0
    ([0.0, 0.0, 0.0], 0.0, "not supported"),                  # identical by construction: nothing exceeds
    ([-0.02, -0.01, -0.03], -0.05, "supported"),              # within a margin below
])
def test_decide_three_outcomes(values, threshold, verdict):
    assert stats.decide(stats.estimate(values), threshold) == verdict


def test_paired_difference_is_sharper_than_separate_means():
    # Two methods on 5 seeds whose accuracies move together (same split): the paired difference is
    # 0.02 every time, so it is supported although the two intervals overlap.
    a = np.array([0.70, 0.80, 0.75, 0.90, 0.65])
    b = a - 0.02
    ea, eb = stats.estimate(a), stats.estimate(b)
    assert ea.low < eb.high  # separate intervals overlap
    d = stats.difference(a, b)
    assert d.se == pytest.approx(0.0, abs=1e-12) and stats.decide(d, 0.0) == "supported"
    with pytest.raises(ValueError, match="same shape"):
        stats.difference([1.0, 2.0], [1.0])


def test_worst_case_decides_exact_statements():
    assert stats.decide(stats.worst_case([0.5, 0.5, 0.5]), 0.0) == "supported"
    assert stats.decide(stats.worst_case([0.5, -0.5, 0.5]), 0.0) == "not supported"


def test_combine_is_a_conjunction_ignoring_void():
    assert stats.combine(["supported", "supported"]) == "supported"
    assert stats.combine(["supported", "inconclusive"]) == "inconclusive"
    assert stats.combine(["inconclusive", "not supported", "supported"]) == "not supported"
    assert stats.combine(["void", "supported"]) == "supported"
    assert stats.combine(["void", "void"]) == "void" and stats.combine([]) == "void"
    with pytest.raises(ValueError, match="unknown verdicts"):
        stats.combine(["maybe"])


def test_seed_generators_are_reproducible_and_nested():
    first = [g.integers(10**9) for g in stats.seed_generators(7, 5)]
    again = [g.integers(10**9) for g in stats.seed_generators(7, 5)]
    quick = [g.integers(10**9) for g in stats.seed_generators(7, 3)]
    assert first == again and quick == first[:3] and len(set(first)) == 5
    assert first != [g.integers(10**9) for g in stats.seed_generators(8, 5)]
    with pytest.raises(ValueError, match="n_seeds must be >= 1, got 0"):
        stats.seed_generators(0, 0)


def test_seed_generators_refuse_a_bool_a_float_and_a_negative_random_state():
    import numpy as np

    for bad in (True, np.bool_(False), 1.5, "7"):
        with pytest.raises(TypeError, match=r"^random_state must be None, an int or a numpy Generator"):
            stats.seed_generators(bad, 2)
    with pytest.raises(ValueError, match=r"^random_state must be >= 0, got -1\.$"):
        stats.seed_generators(-1, 2)
    assert [g.integers(10**9) for g in stats.seed_generators(np.int64(7), 2)] == \
        [g.integers(10**9) for g in stats.seed_generators(7, 2)]


# --------------------------------------------------------------------------- results


def _result(primary_values, secondary_values=None, design_checks=()):
    def reading(name, values, primary):
        return Reading(name=name, wording="w", tests="t", primary=primary,
                       comparisons=[Comparison(label="a - b", estimate=stats.estimate(v), threshold=0.0,
                                               regime=f"r{i}") for i, v in enumerate(values)])

    readings = [reading("A", primary_values, True)]
    if secondary_values is not None:
        readings.append(reading("B", secondary_values, False))
    return ClaimResult(name="demo", statement="s", rule="r", readings=readings, design=list(design_checks),
                       tables={"main": Table(columns=[("x", "x (unit)")], rows=[{"x": 1.5}])})


def test_claim_verdict_uses_primary_readings_only():
    good, bad = [0.05, 0.06, 0.04], [-0.05, -0.06, -0.04]
    result = _result([good, good], secondary_values=[bad])
    assert result.verdict == "supported" and result.supported
    assert result.verdicts() == {"A": "supported", "B": "not supported"}
    assert result.supported_for() == ["A"]
    assert _result([good, bad]).verdict == "not supported"
    assert _result([good, [0.05, -0.05, 0.01]]).verdict == "inconclusive"


def test_void_comparisons_leave_the_reading_void():
    result = _result([[0.05, 0.06, 0.04]])
    result.readings[0].comparisons[0].void = True
    assert result.verdict == "void"


def test_claim_result_exports(tmp_path):
    import json

    result = _result([[0.05, 0.06, 0.04]], design_checks=[DesignCheck(name="check", passed=False, value=0.5,
                                                                      threshold=0.9, message="too smooth")])
    result.quick = True
    data = json.loads(json.dumps(result.to_dict()))  # JSON-ready
    assert data["verdict"] == "supported" and data["label"] == "quick, indicative"
    assert data["readings"][0]["comparisons"][0]["estimate"]["se"] == pytest.approx(0.01 / math.sqrt(3))
    assert data["design"][0] == {"name": "check", "passed": False, "value": 0.5, "threshold": 0.9,
                                 "message": "too smooth", "regime": ""}
    text = result.to_markdown()
    assert text.startswith("### demo: **SUPPORTED** [quick, indicative]")
    assert "| x (unit) |" in text and "- FAILED: check: too smooth" in text
    table = result.readings_table()
    assert table.rows[0]["verdict"] == "supported" and table.labels()[4] == "95% interval"
    assert result.table == [{"x": 1.5}] and result.columns() == ["x"]
    assert "verdict='supported', quick" in repr(result)


# --------------------------------------------------------------------------- design checks


def test_class_contrast_roughness_by_construction():
    y = np.repeat(np.arange(4), 16)
    aligned, _ = design.class_contrast_roughness(graphs.from_labels(y), y)
    assert np.allclose(aligned, 0.0, atol=1e-12)
    # Merged pairs: the contrasts between pairs stay invariant (0); inside a pair a contrast has the
    # within-clique eigenvalue m = 32 against tr(L)/(N-1) = 64 * 31 / 63 for a random vector.
    merged = (y // 2)
    ratios, random_q = design.class_contrast_roughness(graphs.from_labels(merged), y)
    assert random_q == pytest.approx(64 * 31 / 63)
    assert np.allclose(ratios, [0.0, 32 / random_q, 32 / random_q], atol=1e-12)


def test_check_misaligned_refuses_relations_that_still_span_the_labels():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(4), 20)
    label_graph = graphs.from_labels(y)
    assert not design.check_misaligned(label_graph, y, 16).passed
    # Half of the edges moved across classes: connected, but the class contrasts are still much
    # smoother than random vectors (about 0.6 of their quotient): still aligned, refused.
    half = graphs.rewire(label_graph, y, 0.5, random_state=0)
    check = design.check_misaligned(half, y, 16)
    assert not check.passed and check.value < 0.9 and "still spans the labels" in check.message
    split = graphs.from_labels(relations.random_split(y.size, 4, rng))
    assert design.check_misaligned(split, y, 16).passed
    # ... but not when K does not exceed the relation's invariant directions (3 for 4 groups)
    refused = design.check_misaligned(split, y, 3)
    assert not refused.passed and "K does not exceed" in refused.message


def test_check_aligned():
    y = np.repeat(np.arange(3), 10)
    assert design.check_aligned(graphs.from_labels(y), y).passed
    permuted = np.random.default_rng(1).permutation(y)
    assert not design.check_aligned(graphs.from_labels(permuted), y).passed


def test_check_unique_optimum_refuses_a_degenerate_eigenvalue():
    # Linear spectrum of a union of equal cliques: everything outside the between-group directions
    # has the same generalized eigenvalue (the clique size), so K inside that block is arbitrary.
    rng = np.random.default_rng(2)
    X = rng.standard_normal((120, 10))
    mu = solvers.linear_spectrum(X, graphs.from_labels(np.repeat(np.arange(4), 30)))
    assert np.allclose(mu[3:], 30.0, rtol=1e-9)
    assert not design.check_unique_optimum(mu, 6).passed
    assert design.check_unique_optimum(mu, 3).passed and design.check_unique_optimum(mu, 10).passed


def test_check_span_determined_refuses_a_tie_within_the_relation_noise():
    # Crafted spectra, the numbers worked by hand: a tie (gap 0.01) against a redraw that moves the
    # matrix by 0.1 is refused; a gap of 6 needs only (1 + 1/0.5) * 0.1 = 0.3 and passes.
    tied = design.check_span_determined([1.0, 2.0, 3.0, 3.01, 4.0], 3, 0.1)
    assert not tied.passed and tied.value == pytest.approx(0.01) and tied.threshold == pytest.approx(0.3)
    assert "tie within the relation's sampling noise" in tied.message
    gapped = design.check_span_determined([1.0, 2.0, 3.0, 9.0, 10.0], 3, 0.1)
    assert gapped.passed and "sin(angle) <= 0.017" in gapped.message  # 0.1 / (6 - 0.1)
    # Either side of the border 3 ||E|| = 0.3; a tighter max_sine (0.25: 5 ||E||) asks more.
    assert design.check_span_determined([0.0, 0.301], 1, 0.1).passed
    assert not design.check_span_determined([0.0, 0.299], 1, 0.1).passed
    assert not design.check_span_determined([0.0, 0.45], 1, 0.1, max_sine=0.25).passed
    assert design.check_span_determined([0.0, 0.501], 1, 0.1, max_sine=0.25).passed
    # K = D keeps every direction: nothing to choose, whatever the noise.
    assert design.check_span_determined([1.0, 1.0, 1.0], 3, 5.0).passed
    with pytest.raises(ValueError, match="perturbation"):
        design.check_span_determined([1.0, 2.0], 1, -1.0)


def test_linear_perturbation_is_the_whitened_change_of_the_relation():
    # Orthonormal-column features (X^T X / N = I after centring) make the whitening the identity, so
    # ||E|| is the spectral norm of X^T (L1 - L2) X / N, computed here by hand with numpy.
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 5))
    X = np.linalg.qr(X - X.mean(axis=0))[0] * np.sqrt(40)  # centred columns: the QR keeps them centred
    G1 = relations.within_class_graph(np.repeat([0, 1], 20), 3, rng)
    G2 = relations.within_class_graph(np.repeat([0, 1], 20), 3, rng)
    L = lambda G: np.diag(np.asarray(G.sum(axis=1)).ravel()) - G.toarray()  # noqa: E731
    expected = np.linalg.norm(X.T @ (L(G1) - L(G2)) @ X / 40, 2)
    assert solvers.linear_perturbation(X, G1, G2) == pytest.approx(expected, rel=1e-10)
    assert expected > 0.1
    assert solvers.linear_perturbation(X, G1, G1) == pytest.approx(0.0, abs=1e-12)


def test_relation_redrawn_on_the_same_groups_keeps_its_components():
    y = np.repeat(np.arange(4), 30)  # groups of 30 with 10 partners each: far from cliques
    rng = np.random.default_rng(5)
    groups = relations.misaligned_groups("sparse_random_split:4", y, rng)
    G1 = relations.relation_on_groups("sparse_random_split:4", groups, rng)
    G2 = relations.relation_on_groups("sparse_random_split:4", groups, np.random.default_rng(6))
    assert (G1 != G2).nnz > 0  # other edges
    for G in (G1, G2):  # same components: the groups
        n, comp = connected_components(G, directed=False)
        assert n == 4 and np.all([np.unique(comp[groups == k]).size == 1 for k in range(4)])
    # misaligned_relation is the two halves in a row (same draws from the same stream).
    again = relations.misaligned_relation("sparse_random_split:4", y, np.random.default_rng(5))
    assert (again != G1).nnz == 0


def test_check_invariance_drops():
    mu = np.array([0.0, 0.0, 1.0, 2.0, 4.0])
    assert design.predicted_rank(mu, 0.4, 5) == 4  # 1 - 0.4 mu > 0 for mu < 2.5
    assert design.check_invariance_drops(mu, 0.1, 0.6, 5).passed  # ranks 5 and 2
    refused = design.check_invariance_drops(mu, 0.1, 0.2, 5)  # "large" still keeps all 5
    assert not refused.passed and "drops nothing" in refused.message


def test_check_probe_can_see_refuses_collapsed_training_samples():
    rng = np.random.default_rng(3)
    y = np.repeat(np.arange(3), 4)
    G = graphs.from_labels(y)
    wide = solvers.linear_spectrum(rng.standard_normal((12, 20)), G)  # D > N: classes exactly linear
    tall = solvers.linear_spectrum(rng.standard_normal((12, 4)), G)
    assert not design.check_probe_can_see(wide, 3).passed
    assert design.check_probe_can_see(tall, 3).passed


def test_check_geodesic_fidelity_refuses_a_short_circuit():
    from spectral_ssl.experiments.datasets import intrinsic_distances, swiss_roll

    X, coords = swiss_roll(300, random_state=0)
    true = intrinsic_distances(coords)
    shortcut = design.check_geodesic_fidelity(relations.knn_geodesics(X, 10), true)
    assert not shortcut.passed and shortcut.value < 0.9 and "short-circuits" in shortcut.message
    X, coords = swiss_roll(800, random_state=0)
    assert design.check_geodesic_fidelity(relations.knn_geodesics(X, 7), intrinsic_distances(coords)).passed


def test_check_references_separate():
    assert design.check_references_separate(0.99, 0.80).passed
    assert not design.check_references_separate(0.30, 0.28).passed


def test_merge_seeds_fails_when_one_seed_fails():
    ok = DesignCheck(name="c", passed=True, value=1.0, threshold=0.5, message="fine")
    bad = DesignCheck(name="c", passed=False, value=0.1, threshold=0.5, message="broken")
    merged = design.merge_seeds([ok, bad, ok])
    assert not merged.passed and merged.message == "broken (1 of 3 seeds fail)"
    assert design.merge_seeds([ok, ok]).message == "fine (all 2 seeds pass; first seed shown)"


# --------------------------------------------------------------------------- relations and solvers


def test_relations():
    rng = np.random.default_rng(4)
    split = relations.random_split(10, 3, rng)
    assert sorted(np.bincount(split).tolist()) == [3, 3, 4]
    y = np.repeat(np.arange(5), 4)
    merged = relations.merged_pairs(y, rng)
    assert sorted(np.bincount(merged).tolist()) == [4, 8, 8]  # odd C: one class stays alone
    with pytest.raises(ValueError, match="at least 3 classes"):
        relations.merged_pairs(np.repeat([0, 1], 3), rng)
    G = relations.within_class_graph(y, 2, rng)
    from scipy.sparse.csgraph import connected_components

    n, labels = connected_components(G, directed=False)
    assert n == 5 and all(np.unique(labels[y == c]).size == 1 for c in range(5))
    sparse = relations.misaligned_relation("sparse_random_split:4", y, rng)
    assert connected_components(sparse, directed=False)[0] == 4 and sparse.nnz < 20 * 19
    assert relations.describe("sparse_merged_pairs") == "classes merged in pairs (sparse)"
    with pytest.raises(ValueError, match="is not one of"):
        relations.misaligned_relation("rewired", y, rng)
    with pytest.raises(ValueError, match="connected components"):
        relations.knn_geodesics(np.r_[np.zeros((3, 1)), np.ones((3, 1)) * 100], 1)


def test_ratio_for_rank_places_the_ratio_between_eigenvalues():
    mu = np.array([0.5, 1.0, 3.0, 3.0, 5.0])
    assert design.predicted_rank(mu, solvers.ratio_for_rank(mu, 2), 5) == 2
    assert design.predicted_rank(mu, solvers.ratio_for_rank(mu, 5), 5) == 5
    assert design.predicted_rank(mu, solvers.ratio_for_rank(mu, 0), 5) == 0
    with pytest.raises(ValueError, match="coincide"):
        solvers.ratio_for_rank(mu, 3)


def test_simclr_adapter_records_non_stationarity_without_a_warning():
    import warnings

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 5)), np.repeat(np.arange(4), 10)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rep = solvers.solve_simclr(X, graphs.from_labels(y), 3, random_starts=0, max_iter=2)
    assert not solvers.converged(rep)  # two iterations: not stationary, and recorded as such
    assert [str(w.message)[:60] for w in caught] == []  # a ConvergenceWarning was printed


def test_misaligned_components_accept_one_k():
    from spectral_ssl.experiments.claims._misaligned_seed import components

    assert components(None, 8) == [(8, "D")]  # was TypeError: 'NoneType' object is not iterable
    assert components(0.5, 8) == [(4, "0.5 D")]
    assert components(3, 8) == [(3, "3")]
    assert components((0.5, None), 8) == [(4, "0.5 D"), (8, "D")]


def test_barlow_twins_adapter_names_the_problem():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((40, 5))
    G = graphs.from_labels(np.repeat(np.arange(4), 10))
    cca = solvers.solve_barlow_twins(X, G, 3, problem="cca")
    written = solvers.solve_barlow_twins(X, G, 3, problem="as_written")
    assert cca.exact and not written.exact
    assert written.loss <= cca.loss + 1e-12  # the loss as written is minimised, CCA is a start
    with pytest.raises(ValueError, match="problem must be one of"):
        solvers.solve_barlow_twins(X, G, 3, problem="whitened")


# --------------------------------------------------------------------------- ties by construction


def test_spans_coincide_on_crafted_representations():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((40, 4))
    # Two different full-rank linear maps of the same 4-D data (K = D): the same span.
    same, angle = pairs.spans_coincide(X @ rng.standard_normal((4, 4)), X @ rng.standard_normal((4, 4)) - 3.0)
    assert same and angle < 1e-9
    # One direction dropped, or one direction replaced: different spans.
    assert pairs.spans_coincide(X, X[:, :3]) == (False, pytest.approx(np.pi / 2))
    other = np.column_stack([X[:, :3], rng.standard_normal(40)])
    same, angle = pairs.spans_coincide(X, other)
    assert not same and angle > 0.1
    # A collapsed column (1e-9 of the others) is not part of the span: [X3, ~0] spans what X3 spans.
    collapsed = np.column_stack([X[:, :3], 1e-9 * rng.standard_normal(40)])
    assert pairs.spans_coincide(X[:, :3] @ rng.standard_normal((3, 3)), collapsed)[0]
    with pytest.raises(ValueError, match="same number of rows"):
        pairs.spans_coincide(X, X[:-1])


def _tied_samples(n_seeds=3):
    # "a" and "b" tie on every seed (their spans coincide: flags all True); "a" beats "c" by 0.05.
    s = stats.Samples()
    for i in range(n_seeds):
        s.add(("a",), 0.80 + 0.01 * i)
        s.add(("b",), 0.80 + 0.01 * i)
        s.add(("c",), 0.75 + 0.01 * i + 0.001 * (-1) ** i)
        s.add(("a", "b", pairs.SAME_SPAN), True)
        s.add(("a", "c", pairs.SAME_SPAN), False)
    return s


def test_a_tie_by_construction_is_not_applicable_and_does_not_move_the_verdict():
    s = _tied_samples()
    tie, check = pairs.compare(s, ("a",), ("b",), label="a - b", threshold=0.01, regime="K = D",
                               span_key=("a", "b", pairs.SAME_SPAN))
    # Judged as a number, 0.000 ± 0.000 against a margin of 0.01 would be "not supported".
    assert stats.decide(tie.estimate, 0.01) == "not supported"
    assert tie.verdict == "not applicable" and not tie.applicable and tie.note
    assert not check.passed and check.name == "compared methods can differ" and check.regime == "K = D"
    assert "identical spans on 3 of 3 seeds" in check.message and "not applicable" in check.message
    real, none = pairs.compare(s, ("a",), ("c",), label="a - c", threshold=0.01, regime="K = D",
                               span_key=("a", "c", pairs.SAME_SPAN))
    assert none is None and real.applicable and real.verdict == "supported"  # 0.05 ± 0.001 > 0.01
    reading = Reading(name="R", wording="w", tests="t", comparisons=[tie, real])
    assert reading.verdict == "supported"  # as without the tie
    assert Reading(name="R", wording="w", tests="t", comparisons=[tie]).verdict == "void"
    assert tie.to_dict()["verdict"] == "not applicable" and tie.to_dict()["applicable"] is False
    assert stats.combine(["not applicable", "not supported"]) == "not supported"


def test_spans_that_coincide_on_some_seeds_only_are_still_judged():
    s = stats.Samples()
    for same, (a, b) in zip((True, False, False), ((0.8, 0.8), (0.82, 0.78), (0.81, 0.79))):
        s.add(("a",), a), s.add(("b",), b), s.add(("a", "b", pairs.SAME_SPAN), same)
    comparison, check = pairs.compare(s, ("a",), ("b",), label="a - b", threshold=0.0,
                                      span_key=("a", "b", pairs.SAME_SPAN))
    assert check is None and comparison.applicable
    assert comparison.label == "a - b [identical spans on 1 of 3 seeds]"
    assert comparison.verdict == "inconclusive"  # mean 0.02, t(2) half-width 0.043
    # No flags recorded (a probe that sees more than the span): always applicable.
    assert pairs.compare(s, ("a",), ("b",), label="x", threshold=0.0)[0].applicable


def test_measure_until_decided_gives_seeds_only_to_undecided_items():
    # Crafted per-seed values: "clear" is decided after 3 seeds, "late" after a few more, "never"
    # alternates around the threshold and stays undecided until the seeds run out.
    script = {"clear": [0.1, 0.11, 0.09] + [0.1] * 10, "late": [0.03, -0.04, 0.02] + [0.03] * 10,
              "never": [0.05, -0.05] * 7}
    s, calls = stats.Samples(), []

    def measure(g, pending):
        calls.append(sorted(pending))
        for item in pending:
            s.add(item, script[item][len(s.get(item)) if item in s else 0])

    def undecided(pending):
        return [i for i in pending if stats.decide(s.estimate(i), 0.0) == "inconclusive"]

    used = pairs.measure_until_decided(stats.seed_generators(0, 10), 3, script, measure, undecided)
    assert used == 10 and calls[:3] == [["clear", "late", "never"]] * 3
    assert len(s.get("clear")) == 3
    # "late": by hand, the first n whose Student-t interval excludes 0.
    for n in range(3, 11):
        v = np.array(script["late"][:n])
        half = student_t.ppf(0.975, n - 1) * v.std(ddof=1) / math.sqrt(n)
        if v.mean() - half > 0:
            break
    assert len(s.get("late")) == n and n > 3
    assert len(s.get("never")) == 10 and stats.decide(s.estimate("never"), 0.0) == "inconclusive"
    # Nothing undecided after the first seeds: no further seed is drawn.
    assert pairs.measure_until_decided(stats.seed_generators(0, 10), 3, ["x"], lambda g, p: None,
                                       lambda p: []) == 3


def _false_supported_rate(level, n_seeds, max_seeds, replications, seed):
    """How often measure_until_decided + estimate + decide call 'supported' when the true mean is the threshold."""
    rng, supported = np.random.default_rng(seed), 0
    for _ in range(replications):
        values = []
        pairs.measure_until_decided(
            [None] * max_seeds, n_seeds, {"x"}, lambda g, pending: values.append(rng.normal()),
            lambda pending: pending if stats.decide(stats.estimate(values, level=level), 0.0) == "inconclusive"
            else set())
        supported += stats.decide(stats.estimate(values, level=level), 0.0) == "supported"
    return supported / replications


def test_sequential_level_is_the_bonferroni_split_over_the_looks():
    assert pairs.sequential_level(5, 5) == 0.95  # one look: the plain 95 %
    assert pairs.sequential_level(5, 20) == pytest.approx(1 - 0.05 / 16)  # looks at 5, 6, ..., 20 seeds
    assert pairs.sequential_level(3, 10) == pytest.approx(1 - 0.05 / 8)
    assert pairs.level_text(5, 20) == ("99.69% Student-t interval (95% split over the 16 looks at 5 to 20 seeds, "
                                       "Bonferroni)")
    with pytest.raises(ValueError, match="max_seeds"):
        pairs.sequential_level(5, 4)


def test_adding_seeds_until_decided_keeps_the_false_supported_rate_at_its_level():
    # The full run's procedure (5 seeds, then up to 20 while the interval contains the threshold) with the
    # true mean exactly at the threshold: a one-sided error of at most 2.5 % is what the 95 % intervals
    # promise. 2000 replications: binomial s.e. at 2.5 % is 0.0035; the bound allows 3 of them (0.0355).
    replications, bound = 2000, 0.025 + 3 * math.sqrt(0.025 * 0.975 / 2000)
    # The simulation can show the effect: at a fixed 95 % per look the error compounds over the 16 looks
    # (the review measured 0.100 with 4000 replications).
    assert _false_supported_rate(0.95, 5, 20, replications, seed=0) > 0.06
    assert _false_supported_rate(pairs.sequential_level(5, 20), 5, 20, replications, seed=1) <= bound


# --------------------------------------------------------------------------- optimum sets the span


def _representation(singular_values, n=40, seed=0):
    """A centred representation whose relative singular values are exactly ``singular_values``."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, len(singular_values)))
    U, _ = np.linalg.qr(A - A.mean(axis=0))  # orthonormal columns, orthogonal to the constant
    V, _ = np.linalg.qr(rng.normal(size=(len(singular_values),) * 2))
    return U @ np.diag(singular_values) @ V.T + 3.0


class _Fit:
    def __init__(self, exact=False, converged=False):
        self.exact, self.details = exact, {"converged": converged}


def test_span_set_by_optimum_only_for_stationary_or_clearly_ranked_optima():
    shrinking = _representation([1.0, 0.5, 2e-4, 3e-5])  # two directions still collapsing, both kept by the probe
    assert solvers.relative_spectrum(shrinking) == pytest.approx([1.0, 0.5, 2e-4, 3e-5], rel=1e-6)
    assert solvers.span_set_by_optimum(_Fit(), shrinking) == (False, 2)
    assert solvers.span_set_by_optimum(_Fit(converged=True), shrinking) == (True, 0)  # stationary: the optimum
    assert solvers.span_set_by_optimum(_Fit(exact=True), shrinking) == (True, 0)  # a closed form
    # Unconverged, but every direction clearly kept (>= 1e-3) or round-off (<= 1e-10): the span is set.
    assert solvers.span_set_by_optimum(_Fit(), _representation([1.0, 0.5, 2e-3])) == (True, 0)
    assert solvers.span_set_by_optimum(_Fit(), _representation([1.0, 0.5, 0.0])) == (True, 0)
    # The bound: the still-collapsing directions at zero leaves the 2 directions above 1e-3.
    Ctr, Cte = solvers.drop_collapsing(shrinking[:30], shrinking[30:])
    assert Ctr.shape == (30, 2) and Cte.shape == (10, 2)


def test_check_optimum_reached_voids_a_comparison_whose_verdict_depends_on_the_stopping_point():
    ok = design.check_optimum_reached([True, True, True], "a - b", collapsing=[0, 0, 0], regime="K = D")
    assert ok.passed and ok.name == "optimum sets the span" and ok.value == 3.0
    bad = design.check_optimum_reached([True, False, True], "a - b", collapsing=[0, 4, 0], regime="K = D")
    assert not bad.passed and bad.value == 2.0 and bad.threshold == 3.0
    assert "2 of 3 seeds" in bad.message and "0-4" in bad.message and "void" in bad.message
    # With the ends of the range: the same verdict everywhere passes, a verdict that moves fails.
    tie, low_gain, high_gain = (stats.estimate(v) for v in ([0.0, 0.0, 0.0], [0.0, 0.02, 0.0], [0.2, 0.21, 0.19]))
    moved = design.check_optimum_reached([False] * 3, "a - b", ends=(tie, low_gain, high_gain), threshold=0.01)
    assert not moved.passed and "not supported" in moved.message and "supported" in moved.message
    big = [stats.estimate(v) for v in ([0.3, 0.31, 0.32], [0.3, 0.31, 0.32], [0.5, 0.52, 0.51])]
    assert design.check_optimum_reached([False] * 3, "a - b", ends=big, threshold=0.01).passed
    # Inconclusive everywhere is not a verdict the stopping point leaves alone: void, no further seeds.
    vague = [stats.estimate(v) for v in ([0.0, 0.05, -0.01], [0.0, 0.05, -0.01], [0.0, 0.06, -0.01])]
    assert [stats.decide(e, 0.01) for e in vague] == ["inconclusive"] * 3
    assert not design.check_optimum_reached([False] * 3, "a - b", ends=vague, threshold=0.01).passed
    with pytest.raises(ValueError, match="at least one seed"):
        design.check_optimum_reached([], "a - b")
    with pytest.raises(ValueError, match="threshold"):
        design.check_optimum_reached([False], "a - b", ends=big)


def _misaligned_samples(better, worse, set_by_optimum, same_span=None, worse_collapsed=None):
    from spectral_ssl.experiments.claims import misaligned

    s, regime = stats.Samples(), ("relation", "D")
    worse_collapsed = worse if worse_collapsed is None else worse_collapsed
    for i, (a, b) in enumerate(zip(better, worse)):
        pairs.record_pairs(s, regime, {"vicreg_small": a, "simclr": b}, [("vicreg_small", "simclr")])
        if same_span is not None:
            s.add(pairs.pair_key(regime, "vicreg_small", "simclr", pairs.SAME_SPAN), same_span[i])
        misaligned.record_optima(s, regime, {"vicreg_small": (True, 0), "simclr": (set_by_optimum[i], 3)},
                                 [("vicreg_small", "simclr")], {"vicreg_small": a, "simclr": b},
                                 {"vicreg_small": a, "simclr": worse_collapsed[i]})
    return misaligned.compare_methods(s, {regime: "relation, K = D"}, regime, "vicreg_small", "simclr", 0.01)


def test_misaligned_rule_can_support_reject_and_void():
    up, flat = [0.80, 0.82, 0.81, 0.83], [0.70, 0.71, 0.69, 0.72]
    supported, failed = _misaligned_samples(up, flat, [True] * 4)
    assert supported.verdict == "supported" and failed == []  # +0.11, interval far above the margin
    rejected, _ = _misaligned_samples(flat, up, [True] * 4)
    assert rejected.verdict == "not supported"  # -0.11: the other direction
    # The optimum not reached on one seed, but the verdict the same at both ends: still judged.
    robust, failed = _misaligned_samples(up, flat, [True, True, False, True], worse_collapsed=[0.7, 0.71, 0.65, 0.72])
    assert robust.verdict == "supported" and failed == [] and "optimum not reached on 1 of 4 seeds" in robust.label
    # As fitted a tie (0.000), with the collapsing directions at zero a large gain: the stopping point decides.
    void, failed = _misaligned_samples([0.8] * 4, [0.8] * 4, [False] * 4, same_span=[True] * 4,
                                       worse_collapsed=[0.6, 0.62, 0.61, 0.6])
    assert void.verdict == "void" and [c.name for c in failed] == ["optimum sets the span"]
    assert void.estimate.mean == 0.0  # still reported, as fitted
    assert "+0.193 [" in failed[0].message  # (0.2 + 0.18 + 0.19 + 0.2) / 4 at the highest end
    # Equal spans on every seed with the optimum reached: a tie by construction.
    tied, failed = _misaligned_samples([0.8] * 4, [0.8] * 4, [True] * 4, same_span=[True] * 4)
    assert tied.verdict == "not applicable" and [c.name for c in failed] == ["compared methods can differ"]
    # A reading keeps its other comparisons' verdict when one is void, and is void when all are.
    assert Reading(name="R", wording="w", tests="t", comparisons=[void, supported]).verdict == "supported"
    assert Reading(name="R", wording="w", tests="t", comparisons=[void, rejected]).verdict == "not supported"
    assert Reading(name="R", wording="w", tests="t", comparisons=[void]).verdict == "void"


def test_void_and_tied_comparisons_decide_nothing_in_the_report():
    from spectral_ssl.experiments.claim_runs import deciding_comparisons

    def comparison(values, **flags):
        return Comparison("c", stats.estimate(values), 0.01, **flags)

    judged = comparison([0.30, 0.32, 0.31])
    void = comparison([0.0, 0.0, 0.0], void=True)  # "not supported" as a number, but void
    tie = comparison([0.0, 0.0, 0.0], applicable=False)
    result = ClaimResult(name="x", statement="", rule="", readings=[Reading("a", "", "", [void, tie, judged])])
    assert result.verdict == "supported"
    assert deciding_comparisons(result) == [judged]
    only_void = ClaimResult(name="x", statement="", rule="", readings=[Reading("a", "", "", [void])])
    assert only_void.verdict == "void" and deciding_comparisons(only_void) == []

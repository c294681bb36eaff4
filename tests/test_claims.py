"""Tests of spectral_ssl.experiments.claims and spectral_ssl.experiments.datasets.

Each claim is run on small data twice: once on data built so that the claim should hold, once on
data (or a relation) built to contradict it; the verdict must differ, and the numbers behind it are
checked against values the theory fixes independently of the code (LDA's span, the eigenvalue n_c of
the label graph, SimCLR reproducing a realisable MDS target, ...).
"""

import math

import numpy as np
import pytest
import scipy.integrate
from matplotlib.figure import Figure

from spectral_ssl.experiments import claims, datasets


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def mixture():
    # 4 well-separated classes of 80 samples in 16 dimensions.
    return datasets.gaussian_mixture(320, n_features=16, n_classes=4, separation=3.0, n_nuisance=4,
                                     random_state=0)


@pytest.fixture(scope="module")
def mixture_large():
    # 160 samples per class: enough for n_c up to 32 plus 100 test samples per class.
    return datasets.gaussian_mixture(640, n_features=32, n_classes=4, separation=3.0, n_nuisance=4,
                                     random_state=1)


@pytest.fixture(scope="module")
def arc():
    # 150 points on an arc of the unit circle (288 degrees).
    theta = np.sort(np.random.default_rng(0).uniform(0, 1.6 * np.pi, 150))
    return np.column_stack([np.cos(theta), np.sin(theta)])


# --------------------------------------------------------------------------- datasets


def test_gaussian_mixture_balanced_with_simplex_means():
    C, sep = 4, 2.0
    X, y = datasets.gaussian_mixture(4000, n_features=6, n_classes=C, separation=sep, n_nuisance=0,
                                     random_state=3)
    assert X.shape == (4000, 6)
    assert np.bincount(y).tolist() == [1000] * C
    means = np.array([X[y == c].mean(axis=0) for c in range(C)])
    distances = np.linalg.norm(means[:, None] - means[None], axis=-1)[np.triu_indices(C, 1)]
    # Regular simplex of radius `sep`: every pair of means sep * sqrt(2C/(C-1)) apart.
    # Within-class std <= 1 per direction, so each empirical mean is off by ~ sqrt(6/1000) = 0.08.
    assert np.allclose(distances, sep * math.sqrt(2 * C / (C - 1)), atol=0.3)


def test_gaussian_mixture_rejects_unbalanced_size():
    with pytest.raises(ValueError, match="not a multiple of n_classes"):
        datasets.gaussian_mixture(10, n_classes=4)


def test_swiss_roll_arc_length_is_the_spiral_length():
    X, coords = datasets.swiss_roll(50, random_state=0)
    t = np.hypot(X[:, 0], X[:, 2])  # the spiral has radius t
    order = np.argsort(t)
    t0, t1 = t[order[0]], t[order[-1]]
    # Speed of (t cos t, t sin t) is sqrt(1 + t^2); integrate independently of the closed form.
    length, _ = scipy.integrate.quad(lambda s: math.sqrt(1 + s * s), t0, t1)
    assert coords[order[-1], 0] - coords[order[0], 0] == pytest.approx(length, rel=1e-10)
    assert np.allclose(coords[:, 1], X[:, 1])


def test_intrinsic_distances_and_balanced_split():
    D = datasets.intrinsic_distances([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0]])
    assert D[0, 1] == 5.0 and D[0, 2] == 10.0
    y = np.repeat([0, 1, 2], 10)
    train, test = datasets.balanced_split(y, 4, 5, random_state=0)
    assert np.intersect1d(train, test).size == 0
    assert np.bincount(y[train]).tolist() == [4, 4, 4]
    assert np.bincount(y[test]).tolist() == [5, 5, 5]
    with pytest.raises(ValueError, match="leaves no test sample"):
        datasets.balanced_split(y, 10)


def test_digits_subset():
    data = datasets.digits(12, n_classes=5, random_state=0)
    assert data.X.shape == (60, 64)
    assert data.X.min() >= 0.0 and data.X.max() == pytest.approx(1.0)
    assert np.bincount(data.y).tolist() == [12] * 5
    assert data.view_options["image_shape"] == (8, 8)
    with pytest.raises(ValueError, match="exceeds"):
        datasets.digits(500)


# --------------------------------------------------------------------------- helpers


def test_nearest_neighbour_probe_by_hand():
    train = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    test = np.array([[1.0, 1.0], [9.0, -1.0], [6.0, 5.0], [-1.0, 9.0]])
    # nearest training rows: 0, 1, 1 (distance^2 41 vs 61), 2 -> labels a, b, b, c
    acc = claims.nearest_neighbour_probe(train, ["a", "b", "c"], test, ["a", "b", "c", "c"])
    assert acc == 0.75
    with pytest.raises(ValueError, match="same representation"):
        claims.nearest_neighbour_probe(train, [0, 1, 2], test[:, :1], [0, 1, 2, 2])


def test_claim_result_markdown_and_figures(tmp_path):
    fig = Figure()
    fig.subplots().plot([0, 1], [0, 1])
    result = claims.ClaimResult(
        name="demo", statement="A claim.", rule="x > 1", supported=False,
        table=[{"method": "A", "x": 0.123456, "ok": True}, {"method": "B", "x": 2.0, "ok": False}],
        figures={"line plot": fig}, summary="x = 0.123", dataset="toy set")
    text = result.to_markdown()
    assert text.startswith("### demo (toy set): **NOT SUPPORTED**")
    assert "| method | x | ok |" in text
    assert "| A | 0.123 | yes |" in text and "| B | 2 | no |" in text
    paths = result.save_figures(tmp_path)
    path = paths["line plot"]
    assert path == str(tmp_path / "demo_toy_set_line_plot.png")  # no spaces in file names
    assert (tmp_path / "demo_toy_set_line_plot.png").stat().st_size > 1000
    assert f"![demo: line plot]({path})" in result.to_markdown(figure_paths=paths)


# --------------------------------------------------------------------------- claim 1: aligned


def test_aligned_graph_recovers_lda(mixture):
    X, y = mixture
    result = claims.aligned_graph(X, y, random_state=0)
    assert result.supported
    assert result.columns() == ["regime", "method", "max_angle_deg", "lda_energy", "probe_accuracy",
                                "rank"]
    assert len(result.table) == 1 + 4 + 4
    assert isinstance(result.figures["accuracy_alignment"], Figure)
    rows = {(r["regime"], r["method"]): r for r in result.table}
    lda = rows[("linear", "LDA (supervised)")]["probe_accuracy"]
    assert lda >= 0.95  # separation 3: the classes are nearly separable
    # Theory: with a balanced label graph the generalized eigenproblems of linear VICReg, spectral
    # contrastive and Barlow Twins are Fisher's criterion, so their spans equal LDA's exactly.
    for method in ("VICReg", "spectral contrastive", "Barlow Twins"):
        assert rows[("linear", method)]["max_angle_deg"] < 1e-6
        assert rows[("linear", method)]["lda_energy"] == pytest.approx(1.0, abs=1e-10)
        assert rows[("linear", method)]["probe_accuracy"] == pytest.approx(lda, abs=0.02)
    # Non-parametric optima span the C - 1 centred class indicators.
    for method in ("VICReg", "spectral contrastive", "Barlow Twins", "SimCLR"):
        assert rows[("nonparametric", method)]["max_angle_deg"] < 1e-6


def test_aligned_graph_fails_with_random_relation(mixture):
    X, y = mixture
    relation = np.random.default_rng(0).permutation(y)  # same class sizes, unrelated to y
    result = claims.aligned_graph(X, y, relation_labels=relation, random_state=0)
    assert not result.supported
    rows = {(r["regime"], r["method"]): r for r in result.table}
    lda = rows[("linear", "LDA (supervised)")]["probe_accuracy"]
    assert rows[("linear", "VICReg")]["max_angle_deg"] > 45
    assert rows[("linear", "VICReg")]["probe_accuracy"] < lda - 0.2
    assert rows[("nonparametric", "VICReg")]["max_angle_deg"] > 45


# --------------------------------------------------------------------------- claim 2: low data


def test_low_data_regime_best_ratio_tracks_one_over_nc(mixture_large):
    X, y = mixture_large
    sizes = (2, 4, 8, 16, 32)
    result = claims.low_data_regime(X, y, samples_per_class=sizes, n_components=16, repeats=2,
                                    random_state=0)
    assert result.supported
    assert [row["n_c"] for row in result.table] == list(sizes)
    assert isinstance(result.figures["accuracy_vs_ratio"], Figure)
    for row in result.table:
        n_c = row["n_c"]
        # Label graph: eigenvalue n_c on the within-class contrasts -> the threshold is exactly 1/n_c.
        assert row["relation_class_size"] == n_c
        assert row["predicted_threshold"] == pytest.approx(1 / n_c)
        assert row["exact_rank_below"] == min(16, 4 * n_c - 1)  # K, capped at N - 1
        assert row["exact_rank_at"] == 3  # C - 1
        assert 1 / 4 <= row["best_ratio_1nn"] * n_c <= 4
        # Removing within-class directions helps the scale-sensitive probe.
        assert row["best_accuracy_1nn"] >= row["accuracy_1nn_smallest_ratio"]
    assert -1.5 <= result.details["slope_1nn"] <= -0.5


def test_low_data_regime_fails_with_random_relation(mixture_large):
    X, y = mixture_large
    relation = np.random.default_rng(0).permutation(y)
    result = claims.low_data_regime(X, y, samples_per_class=(2, 4, 8, 16, 32), n_components=16,
                                    repeats=2, relation_labels=relation, random_state=0)
    assert not result.supported
    # The relation's within-class directions now hold the labels: keeping them is best everywhere.
    assert result.details["slope_1nn"] > -0.5
    assert result.details["max_factor_from_1_over_nc"] > 4
    assert result.details["exact_threshold_confirmed"]  # the graph fact itself still holds


# --------------------------------------------------------------------------- claim 3: misaligned


def test_misaligned_graph_table_and_verdict(mixture):
    X, y = mixture
    fractions = (0.0, 0.5, 1.0)
    result = claims.misaligned_graph(X, y, fractions=fractions, n_train_per_class=16, n_components=12,
                                     repeats=2, random_state=0)
    assert len(result.table) == len(fractions) * 5
    assert result.columns() == ["fraction", "within_class_edges", "method", "probe_accuracy",
                                "accuracy_1nn", "rank"]
    assert isinstance(result.figures["accuracy_rank_vs_fraction"], Figure)
    by = {(r["fraction"], r["method"].split(" (")[0].replace(" small inv", "-small")
           .replace(" large inv", "-large")): r for r in result.table}
    # rewire: fraction 0 keeps every edge inside a class, fraction 1 none.
    assert by[(0.0, "VICReg-small")]["within_class_edges"] == 1.0
    assert by[(1.0, "VICReg-small")]["within_class_edges"] == 0.0
    # Small invariance keeps all K directions; large invariance (1 / mean degree) on the aligned label
    # graph removes the within-class directions (t = 1 - mu / d_bar <= 0), leaving C - 1.
    for f in fractions:
        assert by[(f, "VICReg-small")]["rank"] == 12
    assert by[(0.0, "VICReg-large")]["rank"] == 3
    assert by[(0.0, "VICReg-small")]["probe_accuracy"] >= 0.95
    # The verdict is the stated rule applied to the table.
    sel = [f for f in fractions if f >= 0.5]
    mean = {k: np.mean([by[(f, k)]["probe_accuracy"] for f in sel])
            for k in ("VICReg-small", "VICReg-large", "Barlow Twins", "SimCLR")}
    arxiv = mean["VICReg-small"] >= max(mean["SimCLR"], mean["Barlow Twins"], mean["VICReg-large"]) + 0.02
    camera = (min(mean["VICReg-small"], mean["Barlow Twins"])
              >= max(mean["SimCLR"], mean["VICReg-large"]) + 0.02)
    assert result.supported == (arxiv or camera)
    assert result.details["reading"] == ("arXiv" if arxiv else "camera-ready" if camera else "neither")


def test_misaligned_graph_needs_a_misaligned_fraction(mixture):
    X, y = mixture
    with pytest.raises(ValueError, match="no fraction is >= misaligned_from"):
        claims.misaligned_graph(X, y, fractions=(0.0, 0.25))


# --------------------------------------------------------------------------- claim 4: local / global


def test_local_vs_global_knn_swiss_roll_not_supported():
    result = claims.local_vs_global(n_samples=300, n_neighbors=5, random_state=0)
    assert result.dataset == "swiss roll"
    assert not result.supported
    rows = {r["method"]: r for r in result.table}
    assert set(rows) == {"VICReg", "Barlow Twins", "spectral contrastive", "SimCLR"}
    assert rows["VICReg"]["exact"] and rows["VICReg"]["rank"] == 3
    # With a kNN relation SimCLR is the most local method (t-SNE-like), not the most global one.
    assert rows["SimCLR"]["trustworthiness"] > rows["VICReg"]["trustworthiness"]
    assert rows["SimCLR"]["global_spearman"] < rows["VICReg"]["global_spearman"]
    assert result.details["global_difference"] < 0
    assert set(result.figures) == {"embeddings", "scores"}


def test_local_vs_global_supported_in_the_mds_regime(arc):
    # Gaussian relation with bandwidth sqrt(tau) on the unit circle: SimCLR's MDS target is exactly
    # realisable on the sphere, so its optimum reproduces every pairwise distance (Spearman 1).
    gaussian = claims.local_vs_global(arc, relation="gaussian", bandwidth=math.sqrt(0.5),
                                      n_components=2, temperature=0.5, random_state=0)
    assert gaussian.supported
    rows = {r["method"]: r for r in gaussian.table}
    assert rows["SimCLR"]["global_spearman"] > 0.99
    assert rows["VICReg"]["global_spearman"] < 0.95
    # Same points, kNN relation: the difference vanishes and the verdict flips.
    knn = claims.local_vs_global(arc, relation="knn", n_neighbors=10, n_components=2, random_state=0)
    assert not knn.supported
    assert abs(knn.details["global_difference"]) < 0.05


def test_local_vs_global_rejects_unknown_relation(arc):
    with pytest.raises(ValueError, match="relation must be 'knn' or 'gaussian'"):
        claims.local_vs_global(arc, relation="geodesic")


# --------------------------------------------------------------------------- claim 5: rank collapse


def test_rank_collapse_numerical_optimum_matches_theorem(mixture):
    X, y = mixture
    X, y = X[:96], y[:96]
    result = claims.rank_collapse(X, y, n_components=12, n_neighbors=8, clique_samples_per_class=6,
                                  random_state=0)
    assert result.supported
    vic = [r for r in result.table if r["method"] == "VICReg"]
    assert [r["predicted_rank"] for r in vic[:-1]] == [12, 9, 6, 3, 1, 0]
    for row in vic:
        assert row["measured_rank"] == row["predicted_rank"] == row["closed_form_rank"]
        assert row["max_scale_error"] < 1e-3
        assert row["loss_gap"] <= 1e-8
    simclr_rows = [r for r in result.table if r["method"] == "SimCLR"]
    assert [r["measured_rank"] for r in simclr_rows] == [3, 3]  # C - 1 for 4 equal cliques
    (sc,) = [r for r in result.table if r["method"] == "spectral contrastive"]
    assert sc["measured_rank"] == 4  # the C unit eigenvalues of D^-1/2 G D^-1/2
    assert set(result.figures) == {"singular_values", "rank_vs_invariance"}


def test_rank_collapse_rejects_a_wrong_prediction(mixture):
    X, y = mixture
    X = X[:96]

    def half_invariance(eigenvalues, variance, covariance, invariance):
        # A plausible derivation slip: the factor 2 of the Dirichlet identity lost.
        return np.maximum(0.0, 1.0 - invariance * np.asarray(eigenvalues) / (2.0 * variance))

    right = claims.rank_collapse(X, n_components=12, n_neighbors=8, random_state=0)
    wrong = claims.rank_collapse(X, n_components=12, n_neighbors=8, predict_scales=half_invariance,
                                 random_state=0)
    assert right.supported and not wrong.supported
    # The measurement does not depend on the prediction; only the comparison does.
    assert ([r["measured_rank"] for r in wrong.table] == [r["measured_rank"] for r in right.table])
    assert sum(not r["agrees"] for r in wrong.table) >= 5
    with pytest.raises(TypeError, match="predict_scales must be callable"):
        claims.rank_collapse(X, predict_scales=3)


# --------------------------------------------------------------------------- run_all


def test_run_all_fast(mixture):
    X, y = mixture
    results = claims.run_all(X, y, dataset="mixture", fast=True, random_state=0)
    assert [r.name for r in results] == ["aligned_graph", "low_data_regime", "misaligned_graph",
                                         "local_vs_global", "rank_collapse"]
    assert [r.dataset for r in results] == ["mixture"] * 3 + ["swiss roll", "mixture"]
    assert results[0].supported and results[4].supported
    for r in results:
        assert r.to_markdown().startswith(f"### {r.name}")
        assert r.figures and all(isinstance(f, Figure) for f in r.figures.values())


def test_claims_validate_inputs(mixture):
    X, y = mixture
    with pytest.raises(ValueError, match="one label per row of X"):
        claims.aligned_graph(X, y[:-1])
    with pytest.raises(ValueError, match="at least two different values"):
        claims.low_data_regime(X, y, samples_per_class=(4,))
    with pytest.raises(ValueError, match="single class"):
        claims.aligned_graph(X, np.zeros(len(y)))

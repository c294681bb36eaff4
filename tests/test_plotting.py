"""Tests of spectral_ssl.plotting (spectrum figures)."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from spectral_ssl import plotting
from spectral_ssl.methods import vicreg


@pytest.fixture(scope="module")
def path_graph():
    # A path on 12 nodes: Laplacian eigenvalues 2 - 2 cos(pi k / 12), k = 1..11 (distinct).
    n = 12
    G = np.zeros((n, n))
    i = np.arange(n - 1)
    G[i, i + 1] = G[i + 1, i] = 1.0
    return G


def test_singular_values_match_sqrt_n_t(path_graph):
    # Theory: Z^T H Z / N has eigenvalues t_k, so the singular values of HZ are sqrt(N t_k).
    # invariance / variance = 0.8 keeps the directions with lambda_k < 1.25: k = 1..4 (lambda_5 = 1.48).
    rep = vicreg.optimal_representation(path_graph, 5, variance=1.0, covariance=1.0, invariance=0.8)
    lam = 2 - 2 * np.cos(np.pi * np.arange(1, 6) / 12)
    expected = np.sqrt(12 * np.maximum(0.0, 1 - 0.8 * lam))
    assert expected[4] == 0.0 and rep.rank == 4
    assert np.allclose(plotting.predicted_singular_values(rep), expected, atol=1e-12)
    assert np.allclose(plotting.singular_values(rep), expected, atol=1e-10)


def test_singular_values_with_rotation_water_filling(path_graph):
    # covariance < variance: Z mixes directions with a rotation, the singular values do not change.
    rep = vicreg.optimal_representation(path_graph, 4, variance=25.0, covariance=1.0, invariance=2.0)
    assert np.allclose(plotting.singular_values(rep), plotting.predicted_singular_values(rep),
                       atol=1e-9)


def test_spectrum_figure_labels_and_file(path_graph, tmp_path):
    rep = vicreg.optimal_representation(path_graph, 5, variance=1.0, covariance=1.0, invariance=0.5)
    fig = plotting.spectrum_figure(rep)
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert ax.get_xlabel() == "component $k$ (sorted)"
    assert ax.get_ylabel() == "singular value"
    assert ax.get_title().startswith("vicreg (nonparametric): var=1, cov=1, inv=0.5, square")
    assert "rank=5" in ax.get_title()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "predicted $\\sqrt{N t_k}$", "singular values of $HZ$"]
    path = tmp_path / "spectrum.png"
    fig.savefig(path)
    import matplotlib.image

    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[0] > 200 and image.shape[1] > 300


def test_spectra_figure_panels_and_legends(path_graph):
    reps = [vicreg.optimal_representation(path_graph, 4, variance=1.0, covariance=1.0, invariance=r)
            for r in (0.1, 1.0, 10.0)]
    fig = plotting.spectra_figure({"first": reps, "second": [("custom", reps[0])]}, suptitle="S")
    assert len(fig.axes) == 2
    first, second = fig.axes
    # lambda_k = 2 - 2 cos(pi k / 12) = 0.068, 0.268, 0.586, 1, ...: invariance 1 keeps the three
    # below 1 (lambda_4 = 1 gives t_4 = 0), invariance 10 only lambda_1 < 0.1.
    assert [t.get_text() for t in first.get_legend().get_texts()] == [
        "inv=0.1 (rank 4)", "inv=1 (rank 3)", "inv=10 (rank 1)"]
    assert [t.get_text() for t in second.get_legend().get_texts()] == ["custom (rank 4)"]
    assert first.get_title() == "first  (N=12)"
    assert fig._suptitle.get_text() == "S"


def test_spectra_figure_names_differing_weights(path_graph):
    a = vicreg.optimal_representation(path_graph, 2, variance=1.0, covariance=1.0, invariance=1.0)
    b = vicreg.optimal_representation(path_graph, 2, variance=25.0, covariance=1.0, invariance=25.0)
    fig = plotting.spectra_figure([a, b])
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels[1].startswith("inv=25, var=25")


def test_plotting_validation():
    with pytest.raises(ValueError, match="panels is empty"):
        plotting.spectra_figure([])
    with pytest.raises(ValueError, match="every panel needs at least one representation"):
        plotting.spectra_figure({"a": []})
    with pytest.raises(TypeError, match="rep must be a Representation"):
        plotting.spectrum_figure(np.ones((3, 2)))


def test_format_hyperparameters():
    assert plotting.format_hyperparameters(
        {"variance": 25.0, "covariance": 1.0, "invariance": 0.5, "variance_kind": "hinge", "eps": 1e-4}
    ) == "var=25, cov=1, inv=0.5, hinge"


# ---- display in notebooks and drawing into the caller's axes


def _png_size(data):
    """(width, height) from a PNG's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_figures_have_a_png_repr_for_jupyter(path_graph):
    # IPython shows the last expression of a cell through _repr_png_ when no pyplot backend
    # registered a formatter; a plain matplotlib Figure has none and prints as text.
    rep = vicreg.optimal_representation(path_graph, 3, variance=1.0, covariance=1.0, invariance=0.5)
    fig = plotting.spectrum_figure(rep)
    assert not hasattr(Figure(), "_repr_png_")
    width, height = _png_size(fig._repr_png_())
    # 4.2 x 3.2 inches at 100 dpi, cropped to the drawn area by bbox_inches="tight"
    assert 300 < width <= 440 and 220 < height <= 340


def test_plotting_never_imports_pyplot():
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys, numpy as np\n"
            "from spectral_ssl import plotting\n"
            "from spectral_ssl.methods import vicreg\n"
            "G = np.ones((6, 6)) - np.eye(6)\n"
            "G[:3, 3:] = G[3:, :3] = 0\n"
            "rep = vicreg.optimal_representation(G, 2, variance=1.0, covariance=1.0, invariance=0.1)\n"
            "plotting.spectrum_figure(rep)._repr_png_()\n"
            "print('pyplot' if 'matplotlib.pyplot' in sys.modules else 'no pyplot')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1], env=dict(os.environ, MPLBACKEND="agg"))
    assert out.stdout.strip() == "no pyplot"


def test_spectrum_figure_draws_into_the_callers_axes(path_graph):
    rep = vicreg.optimal_representation(path_graph, 5, variance=1.0, covariance=1.0, invariance=0.8)
    mine = Figure()
    left, right = mine.subplots(1, 2)
    returned = plotting.spectrum_figure(rep, ax=right, title="mine")
    assert returned is mine and len(mine.axes) == 2
    assert len(left.lines) == 0 and right.get_title() == "mine"
    predicted, measured = right.lines
    lam = 2 - 2 * np.cos(np.pi * np.arange(1, 6) / 12)
    assert np.allclose(predicted.get_ydata(), np.sqrt(12 * np.maximum(0.0, 1 - 0.8 * lam)), atol=1e-12)
    assert np.allclose(measured.get_ydata(), predicted.get_ydata(), atol=1e-10)


def test_multi_panel_figures_take_one_axes_per_panel(path_graph):
    reps = [vicreg.optimal_representation(path_graph, 4, variance=1.0, covariance=1.0, invariance=r)
            for r in (0.1, 10.0)]
    mine = Figure()
    axes = mine.subplots(2, 2)
    returned = plotting.spectra_figure({"a": reps[:1], "b": reps[1:]}, ax=axes[1])
    assert returned is mine
    assert [ax.get_title() for ax in axes.ravel()] == ["", "", "a  (N=12)", "b  (N=12)"]
    bars = [{"label": "x", "rank": 2, "components": 3, "method": "vicreg", "exact": True}]
    plotting.rank_components_figure([{"title": "r", "bars": bars}], n_components=4, ax=axes[0, 0])
    assert [p.get_height() for p in axes[0, 0].patches] == [2]


def test_ax_is_checked(path_graph):
    rep = vicreg.optimal_representation(path_graph, 2, variance=1.0, covariance=1.0, invariance=1.0)
    axes = Figure().subplots(1, 2)
    with pytest.raises(ValueError, match="spectrum_figure draws one Axes but ax holds 2"):
        plotting.spectrum_figure(rep, ax=axes)
    with pytest.raises(ValueError, match=r"draws 2 Axes \(1 x 2 panels\) but ax holds 1"):
        plotting.spectra_figure({"a": [rep], "b": [rep]}, ax=axes[0])
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes .* got Figure"):
        plotting.spectrum_figure(rep, ax=Figure())


def test_sweep_figure_draws_into_the_callers_axes():
    mine = Figure(layout="constrained")
    left, right = mine.subplots(1, 2)
    panel = {"title": "p", "ylabel": "accuracy", "hline": (0.1, "chance"),
             "curves": [{"label": "a", "x": [1, 2, 4], "y": [0.2, 0.5, 0.9], "yerr": [0.01, 0.02, 0.03]}]}
    returned = plotting.sweep_figure([panel], xlabel="n", log_x=True, ax=right)
    assert returned is mine and len(mine.axes) == 2 and not left.lines
    curve = right.lines[0]
    assert list(curve.get_xdata()) == [1, 2, 4] and list(curve.get_ydata()) == [0.2, 0.5, 0.9]
    assert right.get_xscale() == "log" and right.get_ylabel() == "accuracy"
    assert [t.get_text() for t in right.get_legend().get_texts()] == ["a", "chance"]
    assert right.get_legend().get_texts()[0].get_fontsize() >= 8


def test_bars_figure_draws_one_bar_per_method_into_the_callers_axes():
    mine = Figure(layout="constrained")
    axes = mine.subplots(1, 3)
    panels = [{"title": f"q{i}", "ylabel": "y", "labels": ["A", "B"], "values": [0.25, 0.75 + i],
               "threshold": (0.5, "cut")} for i in range(2)]
    returned = plotting.bars_figure(panels, ax=axes[1:])
    assert returned is mine and not axes[0].patches
    assert [p.get_height() for p in axes[1].patches] == [0.25, 0.75]
    assert [p.get_height() for p in axes[2].patches] == [0.25, 1.75]
    assert [t.get_text() for t in axes[2].get_xticklabels()] == ["A", "B"]
    with pytest.raises(ValueError, match=r"bars_figure draws 2 Axes \(1 x 2 panels\) but ax holds 1"):
        plotting.bars_figure(panels, ax=axes[0])


def test_singular_value_overlay_and_embeddings_draw_into_the_callers_axes():
    mine = Figure(layout="constrained")
    a, b, c = mine.subplots(1, 3)
    returned = plotting.singular_value_overlay_figure(
        [{"label": "r=0.1", "measured": [3.0, 2.0, 0.0], "predicted": [3.0, 2.0, 0.0]}], n_samples=9, ax=a)
    assert returned is mine
    predicted, measured = a.lines
    assert list(predicted.get_ydata()) == [3.0, 2.0, 0.0] and list(measured.get_xdata()) == [1, 2, 3]
    assert a.get_legend().get_texts()[0].get_fontsize() >= 8
    # two 2-D embeddings of 4 points; each drawn on its own principal axes into b and c
    Z = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0], [1.0, 2.0]])
    returned = plotting.embeddings_figure({"one": Z, "two": 2 * Z}, [0, 0, 1, 1], ax=[b, c])
    assert returned is mine and [b.get_title(), c.get_title()] == ["one", "two"]
    assert sum(len(collection.get_offsets()) for collection in b.collections) == 4


def test_claim_figures_draw_into_the_callers_axes():
    from spectral_ssl.experiments.claims.result import ClaimResult
    from spectral_ssl.plotting_claims import claim_figures

    data = {"lda": {"mean": 0.9, "se": 0.01}, "margin": 0.05, "relations": ["labels"],
            "methods": ["VICReg", "SimCLR"],
            "accuracy": {"labels": {"VICReg": {"mean": 0.88, "se": 0.01},
                                    "SimCLR": {"mean": 0.7, "se": 0.02}}}}
    result = ClaimResult(name="aligned_graph", statement="s", rule="r", readings=[], data=data,
                         dataset="mixture", quick=True)
    mine = Figure(layout="constrained")
    ax = mine.subplots()
    figures = claim_figures(result, ax={"accuracy": ax})
    assert figures["accuracy"] is mine and result.figures is figures
    assert [p.get_height() for p in ax.patches] == [0.88, 0.7]
    assert mine._suptitle.get_text().endswith("(mixture) [quick, indicative]")


def test_simclr_mds_figure_draws_into_the_callers_axes():
    rng = np.random.default_rng(0)
    target = np.abs(rng.standard_normal((5, 5)))
    target = target + target.T
    np.fill_diagonal(target, 0.0)
    Z = rng.standard_normal((5, 3))
    panel = {"title": "euclidean", "target": target, "Z": Z, "mds": rng.standard_normal((5, 2)),
             "color": np.arange(5.0), "agreement": 0.9}
    mine = Figure(layout="constrained")
    axes = mine.subplots(1, 3)
    returned = plotting.simclr_mds_figure([panel], ax=axes)
    assert returned is mine and all(ax.has_data() for ax in axes)


def test_embeddings_are_drawn_on_their_principal_axes_whatever_the_rotation_shift_and_sign():
    # Centred coordinates with orthogonal columns (sum of x is 0) and variances 14 > 4.8, so
    # they are the principal coordinates; the largest |.| of each column (3, 1.8) is positive.
    x = np.array([3.0, -1.0, -2.0, 0.0, 0.0])
    y = np.array([0.0, 0.0, 0.0, 2.0, -1.0])
    expected = np.column_stack([x, y - 0.2])
    angle = 0.5
    R = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    Z = np.column_stack([x, y]) @ R.T + np.array([5.0, -3.0])
    fig = plotting.embeddings_figure({"Z": Z, "-Z": -Z}, np.arange(5.0), categorical=False)
    for ax in fig.axes[:2]:
        np.testing.assert_allclose(ax.collections[0].get_offsets(), expected, atol=1e-12)


def test_principal_coordinates_pad_a_one_dimensional_representation_with_a_zero_axis():
    from spectral_ssl._panels import principal_coordinates

    # centred [-2, -1, 3]: the largest |.| (3) positive, the missing second axis zero
    coords = principal_coordinates(-np.array([[0.0], [1.0], [5.0]]))
    np.testing.assert_allclose(coords, [[-2.0, 0.0], [-1.0, 0.0], [3.0, 0.0]], atol=1e-12)
    assert coords.shape == (3, 2)


def test_principal_coordinates_break_round_off_ties_by_the_first_row():
    from spectral_ssl._panels import principal_coordinates

    # Symmetric points: each axis has two entries of opposite sign and equal |.| (up to
    # round-off); linalg.sign_flip's rule makes the first of them positive, in either row order.
    S = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0], [0.0, -2.0]])
    np.testing.assert_allclose(principal_coordinates(S), [[0, 1], [0, -1], [2, 0], [-2, 0]], atol=1e-12)
    np.testing.assert_allclose(principal_coordinates(S[::-1]), [[2, 0], [-2, 0], [0, 1], [0, -1]],
                               atol=1e-12)

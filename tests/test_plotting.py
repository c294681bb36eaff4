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

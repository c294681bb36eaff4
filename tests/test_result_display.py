"""What a result shows in a terminal (repr) and in Jupyter (_repr_html_)."""

from html.parser import HTMLParser

import numpy as np

import spectral_ssl as ssl


class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.text, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def _groups_solution(invariance):
    G = ssl.graphs.from_groups(np.repeat(np.arange(4), 5))
    return ssl.solve("vicreg", G, 5, variance=1.0, covariance=1.0, invariance=invariance)


def test_repr_shows_spectrum_scales_rank_and_exactness():
    text = repr(_groups_solution(0.1))
    # 4 groups of 5: Laplacian eigenvalues 0 (x3) and 5; t_k = 1 - 0.1 lambda_k
    lines = {key.strip(): value for key, value in (line.split(" : ", 1) for line in text.splitlines()[1:-1])}
    eigenvalues = [float(v) for v in lines["eigenvalues"].strip("[]").split(", ")]
    assert np.allclose(eigenvalues, [0, 0, 0, 5, 5], atol=1e-12)
    assert lines["scales"] == "[1, 1, 1, 0.5, 0.5]"
    assert "rank                 : 5 of 5" in text
    assert "loss                 : 1.5" in text
    assert lines["exactness"] == "exact: closed-form global optimum of the loss as written"
    assert "Laplacian Eigenmaps" in text


def test_html_repr_is_a_table_with_a_collapse_warning():
    rep = _groups_solution(0.2)  # invariance >= 1/5 kills the within-group directions: rank 3
    parser = _Cells()
    parser.feed(rep._repr_html_())
    text = " ".join(parser.text)
    assert parser.tags.count("tr") == 10 and "table" in parser.tags
    assert "3 of 5" in text and "collapsed: 2 of the 5 directions have no variance" in text
    assert "<" not in "".join(parser.text)  # every value escaped


def test_long_arrays_are_abbreviated_with_their_length():
    from spectral_ssl._display import format_array

    assert format_array(np.arange(12.0)) == "[0, 1, 2, 3, 4, 5, 6, 7, ...] (12 values)"
    assert format_array([0.123456789]) == "[0.1235]"


def _numerical(details):
    return ssl.methods.Representation(Z=np.eye(3), loss=1.0, rank=3, eigenvalues=np.ones(3),
                                      scales=np.ones(3), exact=False, method="m", equivalent="e",
                                      details=details)


def test_exactness_of_numerical_results_counts_starts_and_convergence():
    rep = _numerical({"informed_starts": 2, "restarts": 8, "converged": False})
    assert rep.exactness == ("numerical: best of 10 starts (2 informed + 8 random), not proven "
                             "optimal; not converged")
    assert _numerical({}).exactness == "numerical: not proven optimal"
    assert _numerical({"exactness": "approximate: x"}).exactness == "approximate: x"
    summary = rep.summary()
    assert summary["exactness"] == rep.exactness and summary["problem"] == "the loss as written"


def test_exactness_names_the_constrained_problem_everywhere():
    G = ssl.graphs.knn(np.random.default_rng(0).standard_normal((30, 2)), 5)
    rep = ssl.solve("barlow_twins", G, 2, constraint="whitened")
    expected = ("exact: closed-form global optimum of whitened (D_G-orthonormal columns, "
                "Z_c^T D_G Z_c = vol I): the top eigenvectors of D^-1/2 G D^-1/2")
    assert rep.exactness == expected and rep.summary()["exactness"] == expected
    assert f"exactness            : {expected}" in repr(rep)
    parser = _Cells()
    parser.feed(rep._repr_html_())
    assert expected in parser.text

"""Front-end input checks of #17: the closest valid name for a mistyped option, integral floats for
neighbour counts, the report object's text display."""

import re
import warnings

import numpy as np
import pytest

from spectral_ssl import graphs, solve
from spectral_ssl.certify import certify
from spectral_ssl.report import run_report

X = np.random.default_rng(0).standard_normal((16, 3))
G = graphs.knn(X, 3)


@pytest.mark.parametrize("call, message", [
    (lambda: solve("vicreg", G, 2, invarance=1.0),
     r"^solve\(\) got an unexpected keyword argument 'invarance': .* Did you mean 'invariance'\?$"),
    (lambda: certify("vicrg", G, 2),
     r"^method must be the name of a registered method, one of \['barlow_twins', 'simclr', "
     r"'spectral_contrastive', 'vicreg'\]; got 'vicrg'\. Did you mean 'vicreg'\?$"),
    (lambda: run_report("unused", methods=("vicreg", "barlow-twins"), write=False),
     r"; got \('vicreg', 'barlow-twins'\)\. Did you mean 'barlow_twins'\?$"),
    (lambda: run_report("unused", probe="logistc", write=False),
     r"^probe must be one of \('logistic', 'ridge'\); got 'logistc'\. Did you mean 'logistic'\?$"),
    (lambda: run_report("unused", relation="view", write=False),
     r"^relation must be one of \('views', 'views\+knn'\); got 'view'\. Did you mean 'views'\?$"),
])
def test_a_mistyped_option_is_answered_with_the_closest_name(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call()


def test_no_suggestion_when_nothing_is_close():
    with pytest.raises(ValueError, match=r"; got 'byol'\.$"):
        certify("byol", G, 2)
    with pytest.raises(ValueError, match=r"; got \('byol',\)\.$"):
        run_report("unused", methods=["byol"], write=False)


def test_graph_neighbour_counts_take_integral_floats():
    assert (graphs.knn(X, 3.0) != G).nnz == 0
    assert (graphs.knn(X, np.float32(3)) != G).nnz == 0
    with pytest.raises(TypeError, match=r"^n_neighbors must be an integer, got 2\.5\.$"):
        graphs.knn(X, 2.5)


def test_run_report_takes_a_progress_level_and_prints_whole(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = run_report(tmp_path / "r", quick=True, methods=("vicreg",), claims=False,
                            n_components=4, n_images=60, restarts=1, progress=0, write=False)
    assert not (tmp_path / "r").exists()
    text = str(report)  # print(report) shows the whole report, the first screen first
    assert text == report.text()
    assert text.splitlines()[3] == "Verdicts and certificates"
    assert repr(report).startswith("Report(data='digits', methods=['vicreg'], K=4, quick, indicative, ")
    assert repr(report).endswith("; print(report) shows it whole, report.html with its figures)")

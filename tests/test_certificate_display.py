"""What a certificate shows in a terminal (repr) and in Jupyter (_repr_html_)."""

from html.parser import HTMLParser

import numpy as np
import pytest

from spectral_ssl import graphs
from spectral_ssl.certify import certify


@pytest.fixture(scope="module")
def certificate():
    # Two cliques of 4: VICReg's closed form; invariance 0.1 < 1/4 keeps both within-clique
    # directions, the optimum is found by every restart.
    G = graphs.from_groups(np.repeat([0, 1], 4))
    return certify("vicreg", G, 2, restarts=3, random_state=0,
                   variance=1.0, covariance=1.0, invariance=0.1)


def _rows(text):
    lines = text.splitlines()
    assert lines[0] == "Certificate(" and lines[-1] == ")"
    return [tuple(part.strip() for part in line.split(" : ", 1)) for line in lines[1:-1]]


def test_repr_leads_with_the_verdict_and_lists_the_numbers(certificate):
    rows = _rows(repr(certificate))
    labels = [label for label, _ in rows]
    assert labels[:2] == ["verdict", "method"]
    values = dict(rows)
    assert values["verdict"].startswith("PASSED: no random start")
    assert values["restarts"] == "3, 3 converged"
    gap = float(values["gap"].split()[0])
    relative = float(values["relative gap"].split()[0])
    gradient = float(values["gradient norm"].split()[0])
    assert gap == pytest.approx(certificate.gap, rel=1e-3, abs=1e-300)
    assert relative == pytest.approx(certificate.relative_gap, rel=1e-3, abs=1e-300)
    assert abs(gap) < 1e-9 and gradient < 1e-8
    assert values["method"] == "vicreg (nonparametric, searched over Z)"
    assert values["rank"] == "2 of 2"


def test_a_failed_certificate_says_so_first(certificate):
    from dataclasses import replace

    # 0.5 below the closed form, far beyond rtol: the verdict names the gap.
    failed = replace(certificate, passed=False, gap=0.5, best_numerical_loss=certificate.closed_form_loss - 0.5)
    assert _rows(repr(failed))[0][1].startswith("FAILED: a random start found a loss 0.5 below")

    class Cells(HTMLParser):
        text = []

        def handle_data(self, data):
            self.text.append(data)

    parser = Cells()
    parser.feed(failed._repr_html_())
    assert parser.text[0] == "Certificate: FAILED (vicreg, nonparametric)"
    assert "FAILED: the closed form is not the best loss found" in parser.text
    assert sum(1 for t in parser.text if t == "verdict") == 1

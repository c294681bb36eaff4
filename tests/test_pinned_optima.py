"""Behaviour pinned across restructures: the optima of ``tests/pin_optima.py``.

SimCLR's kernel optimum (functional and estimator), VICReg's hinge variance, Barlow Twins
uncentred and regularised, the implicit label relation: each compared with
``tests/data/pinned_optima.json`` at the tolerance of its kind (``pin_optima.TOLERANCES``,
justified in that module). A failure means a change moved an optimum; if intended,
regenerate the file (``PYTHONPATH=$PWD python -m tests.pin_optima``) and say why in the
commit message.
"""

import json
import re

import numpy as np
import pytest

import pin_optima

STORED = pin_optima.read_pins()


@pytest.fixture(scope="module")
def computed():
    return pin_optima.compute_pins()


def test_the_same_optima_are_pinned(computed):
    assert sorted(computed) == sorted(STORED)
    assert len(STORED) == 183


def test_the_pins_name_the_commit_that_produced_them():
    payload = json.loads(pin_optima.PIN_FILE.read_text())
    assert re.fullmatch("[0-9a-f]{40}", payload["commit"])
    assert payload["command"] == "PYTHONPATH=$PWD python -m tests.pin_optima"


def test_simclr_kernel_is_pinned_on_both_paths():
    for path in ("simclr.kernel.knn", "estimators.SimCLR.kernel.knn"):
        kinds = {name[len(path) + 1:]: kind for name, (kind, _) in STORED.items() if name.startswith(path + ".")}
        assert kinds == {"loss": "loss", "rank": "count", "span": "span", "unit_rows.singular_values": "invariant",
                         "cosines": "invariant", "transform.cosines": "invariant"}


@pytest.mark.parametrize("name", sorted(STORED))
def test_optimum_unchanged(computed, name):
    kind, expected = STORED[name]
    assert computed[name][0] == kind, name
    pin_optima.compare(name, kind, computed[name][1], expected)


def test_each_kind_detects_a_change_above_its_tolerance():
    loss = STORED["simclr.kernel.knn.loss"][1]
    pin_optima.compare("loss", "loss", loss * (1 + 5e-8), loss)
    with pytest.raises(AssertionError, match="moved loss"):
        pin_optima.compare("moved loss", "loss", loss * (1 + 2e-7), loss)
    cosines = STORED["simclr.kernel.knn.cosines"][1]
    pin_optima.compare("cosines", "invariant", cosines + 5e-5, cosines)
    with pytest.raises(AssertionError, match="moved cosines"):
        pin_optima.compare("moved cosines", "invariant", cosines + 2e-4, cosines)
    rank = STORED["simclr.kernel.knn.rank"][1]
    with pytest.raises(AssertionError, match="moved rank"):
        pin_optima.compare("moved rank", "count", rank - 1, rank)
    closed = STORED["implicit_labels.vicreg.linear.loss"][1]
    with pytest.raises(AssertionError, match="moved closed"):
        pin_optima.compare("moved closed", "closed", closed * (1 + 1e-7), closed)


def test_a_span_is_compared_by_its_largest_principal_angle():
    basis = STORED["simclr.kernel.knn.span"][1]
    # a rotation inside the span and a sign flip: the same span
    Q = np.linalg.qr(np.random.default_rng(0).standard_normal((3, 3)))[0]
    pin_optima.compare("rotated", "span", -basis @ Q, basis)
    # turning the first direction by 5e-5 rad passes, by 2e-4 rad fails
    outside = np.linalg.qr(np.column_stack([basis, np.arange(24.0)]))[0][:, -1]
    for angle, passes in ((5e-5, True), (2e-4, False)):
        turned = basis.copy()
        turned[:, 0] = np.cos(angle) * basis[:, 0] + np.sin(angle) * outside
        if passes:
            pin_optima.compare("turned", "span", turned, basis)
        else:
            with pytest.raises(AssertionError, match=r"span turned by 0\.0002 rad"):
                pin_optima.compare("turned", "span", turned, basis)

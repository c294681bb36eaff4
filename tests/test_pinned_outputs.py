"""Behaviour pinned across restructures: the public outputs of ``tests/pin_outputs.py``.

The stored values were computed from main before the ``linalg`` package split. A failure
means a restructure changed a number; if the change is intended, regenerate the file
(``PYTHONPATH=$PWD python -m tests.pin_outputs``) and say why in the commit message.
"""

import json
import warnings

import numpy as np
import pytest

import pin_outputs

#: Relative tolerance of the comparison. Entries that are round-off next to the array's
#: largest (a singular value of 1e-16 beside 5, a loss of 1e-29) are compared at
#: ``RTOL`` times that largest entry, with ``ATOL_FLOOR`` for all-zero arrays.
RTOL = 1e-8
ATOL_FLOOR = 1e-12

STORED = pin_outputs.read_pins()


def assert_pinned(actual, expected, name):
    """Fail unless ``actual`` matches ``expected`` at ``RTOL`` (see the module constants)."""
    actual = np.asarray(actual, dtype=np.float64)
    assert actual.shape == expected.shape, f"{name}: shape {actual.shape} != pinned {expected.shape}"
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=max(RTOL * scale, ATOL_FLOOR),
                               err_msg=name)


@pytest.fixture(scope="module")
def computed():
    with warnings.catch_warnings():
        # collapse warnings of the pinned cases are expected; the numbers are what is pinned
        warnings.simplefilter("ignore")
        return pin_outputs.compute_pins()


def test_the_same_outputs_are_pinned(computed):
    assert sorted(computed) == sorted(STORED)
    assert len(STORED) > 200


@pytest.mark.parametrize("name", sorted(STORED))
def test_output_unchanged(computed, name):
    assert_pinned(computed[name], STORED[name], name)


def test_the_comparison_detects_a_change_above_the_tolerance():
    expected = STORED["methods.vicreg.knn.loss"]
    assert_pinned(expected * (1 + 1e-9), expected, "within tolerance")
    with pytest.raises(AssertionError, match="moved"):
        assert_pinned(expected * (1 + 1e-7), expected, "moved")
    with pytest.raises(AssertionError, match="shape"):
        assert_pinned(np.zeros(2), expected, "shape")


def test_the_json_round_trip_is_exact(tmp_path):
    values = {"a": np.array([0.1, 1 / 3, np.pi * 1e-300]), "b": np.arange(6.0).reshape(2, 3)}
    path = tmp_path / "pins.json"
    path.write_text(json.dumps({k: {"shape": list(v.shape), "values": v.ravel().tolist()}
                                for k, v in values.items()}))
    back = pin_outputs.read_pins(path)
    assert all(np.array_equal(back[k], v) for k, v in values.items())

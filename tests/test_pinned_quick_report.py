"""The quick report's closed-form numbers are pinned (see ``tests/pin_quick_report.py``)."""

import json

import pytest

import pin_quick_report

pytestmark = pytest.mark.slow  # one quick method table: about 30-50 s


@pytest.fixture(scope="module")
def computed():
    return pin_quick_report.compute_pins()


def test_the_quick_report_pins_the_same_rows(computed):
    expected = json.loads(pin_quick_report.PIN_FILE.read_text())
    assert sorted(computed) == sorted(expected)
    assert len(expected) >= 20  # every exact row of the four methods' table and pairs section


def test_the_quick_reports_closed_form_numbers_are_unchanged(computed):
    expected = json.loads(pin_quick_report.PIN_FILE.read_text())
    for case, pinned in expected.items():
        now = computed[case]
        assert now["rank"] == pinned["rank"], case
        assert now["probe_accuracy"] == pinned["probe_accuracy"], case
        assert now["loss"] == pytest.approx(pinned["loss"], rel=1e-8, abs=1e-12), case

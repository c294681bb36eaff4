"""The one cell formatter and table renderer (spectral_ssl._tables)."""

import doctest

import numpy as np
import pytest

from spectral_ssl import _tables
from spectral_ssl._tables import format_cell, render_table


@pytest.mark.parametrize("value, options, expected", [
    (None, {}, ""),
    (None, {"none": "-"}, "-"),
    (True, {}, "yes"),
    (np.bool_(False), {"false": "NO"}, "NO"),
    (np.int64(7), {}, "7"),
    (7, {"float_format": ".1f", "format_integers": True}, "7.0"),
    (0.123456789, {}, "0.123457"),
    (np.float32(0.5), {"float_format": ".3f"}, "0.500"),
    ([1, 0.5, None], {"join_sequences": True, "none": "-"}, "1, 0.5, -"),
    ([1, 0.5], {}, "[1, 0.5]"),
    ("text", {}, "text"),
])
def test_format_cell(value, options, expected):
    assert format_cell(value, **options) == expected


def test_render_table_plain_and_markdown():
    headers, cells, numeric = ["name", "value"], [["a", "1.5"], ["long name", "-2"]], [False, True]
    assert render_table(headers, cells, numeric) == "name       value\na            1.5\nlong name     -2"
    assert render_table(headers, cells, numeric, align_numbers=False) == (
        "name       value\na          1.5\nlong name  -2")
    assert render_table(headers, cells, numeric, markdown=True) == (
        "| name      | value |\n|-----------|------:|\n| a         |   1.5 |\n| long name |    -2 |")
    assert render_table(["a"], [["x"]], [False], widths=[3]) == "a\nx"


def test_docstring_examples_run():
    result = doctest.testmod(_tables)
    assert result.attempted >= 4 and result.failed == 0


def test_claim_tables_render_through_the_one_renderer():
    # A claim's measured table is a padded pipe table with its numeric column right-aligned;
    # an empty cell stays empty and booleans are text, not numbers.
    from spectral_ssl.experiments.claims.tables import Table

    table = Table([("m", "method"), ("a", "accuracy"), ("ok", "kept")],
                  [{"m": "vicreg", "a": 0.5, "ok": True}, {"m": "bt", "a": None, "ok": False}])
    assert table.numeric_columns() == [False, True, False]
    assert table.to_markdown() == ("| method | accuracy | kept |\n"
                                   "|--------|---------:|------|\n"
                                   "| vicreg |      0.5 | yes  |\n"
                                   "| bt     |          | no   |")

"""Comma-separated files of numbers: rows, cells, headers and the errors that name them.

What it is for: :mod:`spectral_ssl.io` reads features, labels and edge lists from CSV
files through these helpers. Each reads the whole file once (its size checked against the
memory budget first), with the :mod:`csv` module, and refuses what would be read wrongly
rather than guess: a header mixed with numbers, pandas' default header and index, values
separated by something other than commas.
"""

import csv
import io
import os
import re

import numpy as np

from . import memory
from ._files import open_input

#: Bytes of memory a CSV takes while parsed, per byte of file (lists of Python strings).
CSV_MEMORY_PER_BYTE = 20


def csv_rows(path, argument):
    """Non-blank rows of a CSV file, parsed by the :mod:`csv` module, each cell stripped.

    The :mod:`csv` module reads quoted cells (``"1,5"`` is one cell, ``"2.0"`` a number) and
    every line ending; a row holding nothing but blanks is skipped.
    """
    handle, size = open_input(path, argument)
    with handle:
        memory.check(CSV_MEMORY_PER_BYTE * size, call=f"reading {argument} {os.fspath(path)!r}",
                     need=f"the cells of a {size}-byte text file",
                     alternative="save large arrays with numpy.save (.npy), or a large graph with "
                                 "scipy.sparse.save_npz (.npz)")
        content = handle.read(size + 1)
    try:
        # utf-8-sig drops the byte-order mark spreadsheet programs write, which would
        # otherwise turn the first number into text and the first data line into a header.
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(
            f"{argument}: {os.fspath(path)!r} is not a UTF-8 text file; save it as plain-text CSV."
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True)
    try:
        rows = [[cell.strip() for cell in row] for row in reader]
    except csv.Error as error:
        raise ValueError(
            f"{argument}: line {reader.line_num} of {os.fspath(path)!r} is not valid CSV ({error}); "
            f"save it as comma-separated values with one row per line."
        ) from None
    rows = [row for row in rows if row and row != [""]]  # blank lines; ",," stays and is refused
    if not rows:
        raise ValueError(f"{argument}: {os.fspath(path)!r} is empty.")
    return rows


# A decimal number as a CSV writer prints it: ASCII digits only, so that Python's more
# lenient float() does not accept "1_000", "١٢" (Arabic-Indic digits) or "0x10"-like text.
NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?(?:nan|inf|infinity)",
                     re.IGNORECASE | re.ASCII)


def is_number(text):
    return NUMBER.fullmatch(text) is not None


#: Separators people put between numbers in a "CSV" that is not comma-separated.
_OTHER_SEPARATORS = {"\t": "tabs", ";": "semicolons", "|": "vertical bars", " ": "spaces"}


def other_separator(cell):
    """The name of the separator between the numbers of ``cell`` (``"spaces"`` for ``"1 2"``), or None.

    Examples
    --------
    >>> other_separator("0 1"), other_separator("0.5;2"), other_separator("1e3"), other_separator("a b")
    ('spaces', 'semicolons', None, None)
    """
    for separator, name in _OTHER_SEPARATORS.items():
        parts = [part for part in cell.split(separator) if part.strip()]
        if len(parts) > 1 and all(is_number(part.strip()) for part in parts):
            return name
    return None


def _refuse_other_separator(cell, where, path, argument):
    name = other_separator(cell)
    if name is not None:
        raise ValueError(
            f"{argument}: {where} of {os.fspath(path)!r} holds {cell!r}, numbers separated by {name}; "
            f"a CSV file separates its values by commas (numpy: np.savetxt(path, A, delimiter=','); "
            f"pandas: to_csv(path, index=False)).")


def numeric_table(path, argument, *, with_header=False, pandas_defaults=False, rule="features must be numbers"):
    """A CSV of numbers as a 2-D float array; a first line with no number in it is a header.

    A first line that mixes numbers and text is refused rather than dropped: it is
    more likely a data line with a typo than a header. ``with_header=True`` returns
    ``(table, header)``, ``header`` the list of column names or None. ``pandas_defaults``:
    accept a first line ``0,1,...`` as data (an edge list's first edge ``0,1``); an unnamed
    first column (pandas' row index) is refused either way. ``rule``: what the values must be,
    said after a value that is not a number.
    """
    rows = csv_rows(path, argument)
    for cell in rows[0]:  # "0 1" is no column name: say what is wrong before it is taken for a header
        _refuse_other_separator(cell, "line 1", path, argument)
    refuse_pandas_defaults(rows[0], path, argument, numeric_names=not pandas_defaults)
    numeric = [is_number(cell) for cell in rows[0]]
    header = None
    if not any(numeric):
        header, rows = rows[0], rows[1:]
    elif not all(numeric):
        cell = rows[0][numeric.index(False)]
        raise ValueError(
            f"{argument}: line 1 of {os.fspath(path)!r} mixes numbers and text ({cell!r}); a header "
            f"line holds only column names and a data line only numbers."
        )
    if not rows:
        raise ValueError(f"{argument}: {os.fspath(path)!r} has a header but no data rows.")
    widths = {len(row) for row in rows}
    if len(widths) > 1:
        raise ValueError(
            f"{argument}: rows of {os.fspath(path)!r} have different numbers of columns "
            f"({sorted(widths)}); every row needs the same number of comma-separated values."
        )
    table = numbers_of(rows, path, argument, rule)
    return (table, header) if with_header else table


def refuse_pandas_defaults(first, path, argument, numeric_names=True):
    """Refuse the two lines ``DataFrame.to_csv`` writes by default that would be read as data.

    A first line ``0,1,...,D-1`` (the column names of a DataFrame built from an array) is
    numeric and was read as a data row; a header whose first cell is empty or
    ``Unnamed: 0`` names pandas' row index, which was read as a feature.
    """
    name = os.fspath(path)
    if numeric_names and len(first) > 1 and [c.strip() for c in first] == [str(k) for k in range(len(first))]:
        raise ValueError(
            f"{argument}: line 1 of {name!r} is {','.join(first)!r}, the column names pandas writes for "
            f"a DataFrame built from an array; it would be read as a data row. Write the file with "
            f"to_csv(path, index=False, header=False), or name the columns.")
    if first and first[0].strip() in ("", "Unnamed: 0"):
        raise ValueError(
            f"{argument}: the first column of {name!r} has no name ({first[0]!r}): pandas' row index, "
            f"which would be read as a feature. Write the file with to_csv(path, index=False).")


def numbers_of(rows, path, argument, rule):
    """The rows of a CSV as a float array, or an error naming the first non-number."""
    for number, row in enumerate(rows, start=1):
        for cell in row:
            if not is_number(cell):
                _refuse_other_separator(cell, f"data row {number}", path, argument)
                raise ValueError(
                    f"{argument}: {os.fspath(path)!r} data row {number} has the non-numeric value "
                    f"{cell!r}; {rule}."
                )
    return np.array(rows, dtype=np.float64)

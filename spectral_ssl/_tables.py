"""The one cell formatter and the one table renderer of the package.

Every table the package prints (certificates, the report's method table, the claims'
measurements, the command line's summaries) turns values into text with
:func:`format_cell` and lays the text out with :func:`render_table`; the callers differ
only in the options they pass (what an empty cell shows, how a float is written, whether
numbers are right-aligned in plain text).
"""

import math
import numbers

import numpy as np


def format_cell(value, float_format=".6g", *, none="", true="yes", false="no", format_integers=False,
                join_sequences=False):
    """One table cell as text.

    Parameters
    ----------
    value : object
        ``None``, a boolean, a number, a sequence or anything with ``str``.
    float_format : str
        ``format`` spec of real numbers (e.g. ``".6g"``, ``".1e"``).
    none : str
        The text of ``None``.
    true, false : str
        The text of booleans (numpy's too).
    format_integers : bool
        Write integers with ``float_format`` too (a column of one quantity, e.g. seconds as
        ``"3.0"``); by default they are written as integers.
    join_sequences : bool
        Write a list, tuple or array as its cells joined by ``", "`` (each formatted with
        these options); by default as ``str(value)``.

    Returns
    -------
    str

    Examples
    --------
    >>> format_cell(0.5), format_cell(3), format_cell(True), format_cell(None, none="-")
    ('0.5', '3', 'yes', '-')
    >>> format_cell([1, 0.25], ".2f", join_sequences=True)
    '1, 0.25'
    """
    if value is None:
        return none
    if isinstance(value, (bool, np.bool_)):
        return true if value else false
    if join_sequences and isinstance(value, (list, tuple, np.ndarray)):
        return ", ".join(format_cell(v, float_format, none=none, true=true, false=false,
                                     format_integers=format_integers, join_sequences=True) for v in value)
    if isinstance(value, numbers.Integral):
        return format(value, float_format) if format_integers else str(int(value))
    if isinstance(value, numbers.Real):
        return format(float(value), float_format)
    return str(value)


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def numeric_columns(rows, keys, *, skip_none=True):
    """Which columns hold only real numbers (booleans excluded): the ones to right-align.

    Parameters
    ----------
    rows : sequence of dict
        The table's rows, cells keyed by column.
    keys : sequence
        The columns, in order.
    skip_none : bool
        True: empty cells (``None``, or a missing key) are ignored, so a column with no
        filled cell counts as numeric; False: an empty cell makes its column text, and so
        does a table without rows.

    Returns
    -------
    list of bool

    Examples
    --------
    >>> numeric_columns([{"a": 1.5, "b": "x"}, {"a": None, "b": True}], ["a", "b"])
    [True, False]
    >>> numeric_columns([{"a": 1.5}, {"a": None}], ["a"], skip_none=False)
    [False]
    """
    rows = list(rows)
    if skip_none:
        return [all(_is_number(row.get(k)) for row in rows if row.get(k) is not None) for k in keys]
    return [bool(rows) and all(_is_number(row.get(k)) for row in rows) for k in keys]


def jsonable(value, *, non_finite=str, default=None):
    """A value in JSON's types: dicts (keys as ``str``), lists, ``bool``, ``int``, ``float``.

    Containers (dicts, lists, tuples, arrays) are converted element by element; numpy
    booleans, integers and floats become Python's.

    Parameters
    ----------
    value : object
    non_finite : callable
        What a non-finite float becomes: ``str`` (``"nan"``, ``"inf"``) by default; a
        function returning ``None`` writes JSON's ``null``.
    default : callable, optional
        Applied to any other object (e.g. a result type with ``to_dict``); its result is
        returned as it is. Without it, such objects (strings, ``None``) are returned unchanged.

    Returns
    -------
    object

    Examples
    --------
    >>> jsonable({"n": np.int64(3), "x": [np.float64(0.5), float("nan")], "ok": np.bool_(True)})
    {'n': 3, 'x': [0.5, 'nan'], 'ok': True}
    >>> jsonable(float("inf"), non_finite=lambda value: None) is None
    True
    """
    def convert(item):
        return jsonable(item, non_finite=non_finite, default=default)

    if isinstance(value, dict):
        return {str(k): convert(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [convert(v) for v in value]
    if isinstance(value, np.ndarray):
        return [convert(v) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        return value if math.isfinite(value) else non_finite(value)
    return value if default is None else default(value)


def column_widths(headers, cells):
    """The width of each column: its longest entry, header included."""
    return [max([len(header)] + [len(row[j]) for row in cells]) for j, header in enumerate(headers)]


def render_table(headers, cells, numeric, *, markdown=False, align_numbers=True, widths=None):
    """Lay out a table of text cells as aligned plain text or a Markdown pipe table.

    Parameters
    ----------
    headers : sequence of str
    cells : sequence of sequence of str
        One list of texts per row (see :func:`format_cell`).
    numeric : sequence of bool
        Which columns hold numbers: right-aligned (and ``---:`` in Markdown).
    markdown : bool
        Pipe-table syntax instead of columns separated by two spaces.
    align_numbers : bool
        In plain text, right-align the numeric columns (``False``: every column left-aligned).
    widths : sequence of int, optional
        Column widths (default :func:`column_widths`), e.g. shared with other tables.

    Returns
    -------
    str
        The lines joined by newlines; plain-text lines carry no trailing spaces.

    Examples
    --------
    >>> print(render_table(["case", "gap"], [["a", "0.5"], ["bb", "-1"]], [False, True]))
    case  gap
    a     0.5
    bb     -1
    >>> print(render_table(["case", "gap"], [["a", "0.5"]], [False, True], markdown=True))
    | case | gap |
    |------|----:|
    | a    | 0.5 |
    """
    widths = column_widths(headers, cells) if widths is None else list(widths)
    right = [bool(num) and (markdown or align_numbers) for num in numeric]

    def line(values, sep):
        return sep.join(v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, widths, right))

    if markdown:
        rule = "|" + "|".join(("-" * (w + 1) + ":") if num else ("-" * (w + 2))
                              for w, num in zip(widths, numeric)) + "|"
        return "\n".join(["| " + line(headers, " | ") + " |", rule]
                         + ["| " + line(row, " | ") + " |" for row in cells])
    return "\n".join(line(row, "  ").rstrip() for row in [list(headers), *cells])


__all__ = ["format_cell", "render_table", "column_widths", "numeric_columns", "jsonable"]

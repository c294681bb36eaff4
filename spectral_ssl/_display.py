"""Text and HTML summaries of the result objects (their ``__repr__`` and ``_repr_html_``).

Jupyter shows an object's ``_repr_html_`` when it has one; these helpers build a compact
two-column table from ``(label, value)`` pairs, with every value escaped, and the matching
plain-text block for terminals and logs.
"""

import html
import textwrap

import numpy as np

from ._tables import format_cell

#: Entries of an array shown before it is abbreviated with its length.
ARRAY_PREVIEW = 8

#: Widest line the command prints (the report's tables and summaries): an 80-100 column terminal.
TERMINAL_WIDTH = 100


def print_wrapped(text, *, width=TERMINAL_WIDTH):
    """Print ``text`` wrapped to ``width`` columns, continuation lines indented by two spaces.

    Words are never broken, so a path or a long name stays whole (and may exceed ``width``).
    """
    print(textwrap.fill(text, width, subsequent_indent="  ", break_long_words=False,
                        break_on_hyphens=False))


def format_number(value, digits=6):
    """A float with ``digits`` significant digits; integers and other values unchanged."""
    return format_cell(value, f".{digits}g", none="None", true="True", false="False")


def format_array(values, digits=4, limit=ARRAY_PREVIEW):
    """``[a, b, c, ...] (n values)``: the first ``limit`` entries of a 1-D array."""
    values = np.ravel(np.asarray(values, dtype=float))
    shown = ", ".join(format_number(v, digits) for v in values[:limit])
    if values.size > limit:
        return f"[{shown}, ...] ({values.size} values)"
    return f"[{shown}]"


def format_mapping(mapping):
    """``key=value`` pairs, numbers with 6 significant digits."""
    return ", ".join(f"{key}={format_number(value)}" for key, value in mapping.items())


def text_block(title, rows):
    """``Title(`` then one ``label: value`` line per row, aligned, then ``)``."""
    width = max((len(label) for label, _ in rows), default=0)
    lines = [f"  {label.ljust(width)} : {value}" for label, value in rows]
    return "\n".join([f"{title}(", *lines, ")"])


def html_table(title, rows, *, warning=None):
    """A small HTML table: a caption, an optional warning line, one row per ``(label, value)``."""
    cells = "".join(
        f"<tr><th style='text-align:left;padding:1px 8px'>{html.escape(label)}</th>"
        f"<td style='text-align:left;padding:1px 8px;font-family:monospace'>{html.escape(str(value))}</td></tr>"
        for label, value in rows
    )
    note = ("" if warning is None else
            f"<div style='color:#a40000;font-weight:bold'>{html.escape(warning)}</div>")
    return (f"<div><strong>{html.escape(title)}</strong>{note}"
            f"<table style='border-collapse:collapse'>{cells}</table></div>")

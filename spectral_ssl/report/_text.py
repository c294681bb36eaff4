"""The report as terminal text: tables that fit an 80-100 column terminal.

A table wider than the page is split into parts, each repeating the table's
identifying columns (method, regime, ...); headers wrap over several lines at
word boundaries so that a column is as wide as its widest cell or word, not its
full header; long cells (the deciding interval of a claim) wrap inside their
column.
"""

import textwrap

from .._display import TERMINAL_WIDTH
from ._document import ClaimBlock, FigureRef, Items, Paragraph, Table

#: Width of the printed report (columns of a terminal): the command's one width.
WIDTH = TERMINAL_WIDTH

#: Widest a text column may get before its cells wrap.
MAX_CELL = 44

_SEP = "  "

#: Written after the first line of a row whose certificate of a closed form failed.
_FLAG = "  <-- FAILED"


def _column_width(header, cells):
    words = max((len(word) for word in header.split()), default=0)
    return max([words] + [min(len(cell), MAX_CELL) for cell in cells])


def _wrap(text, width):
    return textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]


def _part(table, columns, widths):
    """Lines of one part of a table: the columns ``columns`` with their ``widths``."""
    header_lines = [_wrap(table.headers[j], widths[j]) for j in columns]
    height = max(len(lines) for lines in header_lines)
    out = []
    for level in range(height):
        cells = []
        for lines, j in zip(header_lines, columns):
            # headers sit on the last lines, so the bottom header line is next to the rule
            text = lines[level - (height - len(lines))] if level >= height - len(lines) else ""
            cells.append(text.rjust(widths[j]) if table.numeric[j] else text.ljust(widths[j]))
        out.append(_SEP.join(cells).rstrip())
    out.append(_SEP.join("-" * widths[j] for j in columns))
    for i, row in enumerate(table.cells):
        wrapped = [_wrap(row[j], widths[j]) if not table.numeric[j] else [row[j]] for j in columns]
        for level in range(max(len(w) for w in wrapped)):
            cells = [(w[level] if level < len(w) else "") for w in wrapped]
            cells = [c.rjust(widths[j]) if table.numeric[j] else c.ljust(widths[j])
                     for c, j in zip(cells, columns)]
            line = _SEP.join(cells).rstrip()
            if level == 0 and table.flags and table.flags[i] == "alert":
                line += _FLAG
            out.append(line)
    return out


def column_parts(costs, id_columns, width, *, base=0):
    """Split a table's columns into parts that fit ``width``, each repeating the leading columns.

    The greedy rule: columns go into the current part, in order, until the next one would make it
    wider than ``width``. A column too wide for any part gets a part of its own.

    Parameters
    ----------
    costs : list of int
        Characters each column takes in a line, separators included.
    id_columns : int
        The leading columns repeated in every part (method, regime, ...).
    width : int
        The widest line allowed.
    base : int
        Characters a line takes besides its columns (Markdown's closing ``|``).

    Returns
    -------
    list of list of int
        The column indices of each part, the repeated ones first.
    """
    ids = list(range(min(id_columns, len(costs))))
    used_by_ids = base + sum(costs[j] for j in ids)
    parts, current, used = [], [], used_by_ids
    for j in range(len(ids), len(costs)):
        if current and used + costs[j] > width:
            parts.append(current)
            current, used = [], used_by_ids
        current.append(j)
        used += costs[j]
    if current or not parts:
        parts.append(current)
    return [ids + part for part in parts]


def text_table(table, *, width=WIDTH):
    """``table`` (a document :class:`~spectral_ssl.report._document.Table`) as lines of at most
    ``width`` characters (a single cell wider than that is the only exception)."""
    n = len(table.headers)
    if any(flag == "alert" for flag in table.flags):
        width -= len(_FLAG)  # the flag of a failed row is written after its last cell
    widths = [_column_width(table.headers[j], [row[j] for row in table.cells]) for j in range(n)]
    # the last column of a line needs no separator after it, so one separator is given back
    parts = column_parts([w + len(_SEP) for w in widths], table.id_columns, width + len(_SEP))
    title = table.caption + (f" [{table.label}]" if table.label else "")
    lines = textwrap.wrap(title, width) if title else []
    for number, columns in enumerate(parts, start=1):
        if len(parts) > 1:
            lines.append(f"(part {number} of {len(parts)})")
        lines += _part(table, columns, widths)
        lines.append("")
    return lines[:-1]


def render_text(document, *, width=WIDTH):
    """The document as terminal text: the first screen (verdicts and certificates), then the
    tables; claims as one line each (their rules, tables and figures are in the HTML page)."""
    title = textwrap.wrap(document.title, width)
    lines = title + ["=" * max(len(line) for line in title), ""]
    for section in document.sections:
        if section.id == "notes":
            continue
        lines += [section.title, "-" * min(len(section.title), width)]
        for block in section.blocks:
            if isinstance(block, Paragraph):
                lines += textwrap.wrap(("!! " if block.tone == "alert" else "") + block.text, width)
            elif isinstance(block, Items):
                for item in block.items:
                    lines += textwrap.wrap(item, width, initial_indent="- ", subsequent_indent="  ")
            elif isinstance(block, Table):
                lines += text_table(block, width=width)
            elif isinstance(block, FigureRef):
                lines.append(f"figure: {block.entry['file']}")
                continue
            elif isinstance(block, ClaimBlock):
                if block.result is not None:
                    r = block.result
                    text = f"claim {block.number}, {r.name} on {r.dataset}: {r.verdict}. {r.summary}"
                else:
                    item = block.not_run
                    text = (f"claim {block.number}, {item['name']} on {item['dataset']}: not run "
                            f"({item['reason']}).")
                lines += textwrap.wrap(text, width, subsequent_indent="  ")
                continue
            lines.append("")
        if lines[-1] != "":
            lines.append("")
    lines.append(document.footer)
    return "\n".join(lines)


__all__ = ["WIDTH", "column_parts", "text_table", "render_text"]

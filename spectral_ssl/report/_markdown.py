"""``report.md``: the report's document (:mod:`._document`) as Markdown, figures as PNG links.

Tables fit :data:`~spectral_ssl.report._text.WIDTH` (100) columns in the Markdown source too, so
that the file reads in a terminal or an editor: a wider table is split into several tables, each
repeating the identifying columns; a text column too long for any table (a claim's deciding
interval) is listed under the table instead; a table whose identifying columns alone are too wide
for parts (a claim's readings) is written as one list item per row; a table of more than
:data:`~spectral_ssl.report._document.COLLAPSE_ROWS` rows is folded in ``<details>``.
"""

import textwrap

from .._tables import render_table
from ._document import (COLLAPSE_ROWS, ClaimBlock, FigureRef, Items, Paragraph, Table, build_document,
                        claim_table)
from ._text import WIDTH, column_parts


def claims_intro(report):
    """The paragraph that opens the claims section (how verdicts are reached)."""
    quick = " Quick run: fewer seeds and regimes, verdicts indicative only." if report.config.get(
        "quick") else ""
    return ("Each claim of the paper is measured by a function of spectral_ssl.experiments.claims "
            "on several seeds and judged under each wording of the paper by the rule printed with it "
            "(thresholds fixed before the run, 95% intervals, split over the looks where a comparison gets "
            "further seeds): SUPPORTED, NOT SUPPORTED or "
            "INCONCLUSIVE (the interval straddles the threshold) for these data and settings; VOID "
            "when the design checks find that the setting cannot show the effect." + quick
            + " local_vs_global runs on a swiss roll, "
            "whose intrinsic (unrolled) distances are known, "
            + ("not on your data." if (report.config.get("claims") or {}).get("user_data") else
               "not on the labelled data sets."))


def _pipe_rows(table, columns, widths):
    """The Markdown lines (header, rule, rows) of the columns ``columns`` of ``table``."""
    return render_table([table.headers[j] for j in columns], [[row[j] for j in columns] for row in table.cells],
                        [table.numeric[j] for j in columns], markdown=True,
                        widths=[widths[j] for j in columns]).split("\n")


def _item(name, text, width):
    """A list item ``- **name:** text`` wrapped to ``width``, its name in bold (so that a name
    like ``1. claim`` does not start a numbered list inside the item)."""
    return textwrap.wrap(f"**{name}:** {text}", width, initial_indent="- ", subsequent_indent="  ",
                         break_long_words=False, break_on_hyphens=False)


def _table_lines(table, widths, width):
    """Lines of a table wider than ``width`` as parts, its too-long text columns as lists."""
    n, ids = len(table.headers), min(table.id_columns, len(table.headers))
    room = width - 1 - sum(widths[j] + 3 for j in range(ids))
    listed = [j for j in range(ids, n) if widths[j] + 3 > room]
    kept = [j for j in range(n) if j not in listed]
    parts = column_parts([widths[j] + 3 for j in kept], ids, width, base=1)
    out = []
    for number, part in enumerate(parts, start=1):
        if len(parts) > 1:
            out += [f"(part {number} of {len(parts)})", ""]
        out += _pipe_rows(table, [kept[i] for i in part], widths) + [""]
    for j in listed:
        out += [f"*{table.headers[j]}:*", ""]
        for row in table.cells:
            out += _item(", ".join(row[:ids]), row[j], width)
        out.append("")
    return out[:-1]


def _record_lines(table, width):
    """Lines of a table as one list item per row: its identifying cells, then ``header: cell``."""
    ids = min(table.id_columns, len(table.headers))
    out = []
    for row in table.cells:
        fields = "; ".join(f"{h}: {c}" for h, c in zip(table.headers[ids:], row[ids:]) if c != "")
        out += _item(", ".join(row[:ids]), fields, width)
    return out


def markdown_table(table, *, width=WIDTH):
    """A Markdown table with its caption (and the quick label) above it, every line of the table
    at most ``width`` characters.

    A row of columns :math:`w_j` wide takes :math:`1 + \\sum_j (w_j + 3)` characters
    (``| `` before each cell, `` `` after it, the closing ``|``). A table wider than ``width``
    becomes parts (``part 1 of 3``), each repeating the table's ``id_columns``; a column that
    would not fit even alone beside them is written as a list under the table, one item per row
    named by its identifying cells. When the identifying columns alone take more than half of
    ``width``, parts would leave too little room beside them: the rows are written as a list
    instead, ``- **ids:** header: cell; ...``. More than :data:`COLLAPSE_ROWS` rows: folded in
    ``<details>``.
    """
    n = len(table.headers)
    widths = [max([len(table.headers[j])] + [len(row[j]) for row in table.cells]) for j in range(n)]
    if 1 + sum(w + 3 for w in widths) <= width:
        lines = _pipe_rows(table, range(n), widths)
    elif 1 + sum(widths[j] + 3 for j in range(min(table.id_columns, n))) > width // 2:
        lines = _record_lines(table, width)
    else:
        lines = _table_lines(table, widths, width)
    caption = (f"*{table.caption}.*" + (f" [{table.label}]" if table.label else "")) if table.caption \
        else ""
    body = "\n".join(lines)
    if table.collapsed:
        summary = f"{table.caption or 'Table'}: {len(table.cells)} rows"
        return (caption + "\n\n" if caption else "") + (
            f"<details><summary>{summary} (click to show)</summary>\n\n{body}\n\n</details>")
    return (caption + "\n\n" if caption else "") + body


def _claim_markdown(block):
    if block.result is not None:
        r = block.result
        paths = {entry["name"]: entry["file"] for entry in block.figures}
        text = r.to_markdown(figure_paths=paths, heading_level=4)
        # the claim writes its tables unpadded and unsplit: lay each out like the report's own
        for table in [r.readings_table(), *r.tables.values()]:
            if table.rows:
                old = (f"*{table.caption}.*\n\n" if table.caption else "") + table.to_markdown(".3g")
                text = text.replace(old, markdown_table(claim_table(table)), 1)
        return text
    item = block.not_run
    return (f"#### {item['name']} ({item['dataset']}): **NOT RUN**\n\n"
            f"*Reason.* {item['reason']}.")


def render_document_markdown(document):
    """The Markdown text of a document."""
    lines = [f"# {document.title}", ""]
    for section in document.sections:
        lines += [f"## {section.title}", ""]
        claim = None
        for block in section.blocks:
            if isinstance(block, Paragraph):
                lines += [("**" + block.text + "**") if block.tone == "alert" else block.text, ""]
            elif isinstance(block, Items):
                lines += [f"- {item}" for item in block.items] + [""]
            elif isinstance(block, Table):
                lines += [markdown_table(block), ""]
            elif isinstance(block, FigureRef):
                entry = block.entry
                alt = entry.get("name") or entry["file"].rsplit(".", 1)[0]
                lines += [entry["caption"], "", f"![{alt}]({entry['file']})", ""]
            elif isinstance(block, ClaimBlock):
                if block.number != claim:
                    claim = block.number
                    lines += [f"### Claim {block.number}: {block.title}", ""]
                lines += [_claim_markdown(block), ""]
    lines += [document.footer, ""]
    return "\n".join(lines)


def render_markdown(report):
    """``report.md``: the first screen (verdicts, certificates), the tables, the claims with
    their verdicts, figures as PNG links, and how the numbers were obtained."""
    return render_document_markdown(build_document(report))


__all__ = ["claims_intro", "markdown_table", "render_document_markdown", "render_markdown"]

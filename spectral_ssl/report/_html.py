"""``report.html``: the report's document (:mod:`._document`) as one self-contained HTML5 page,
and the same document as an HTML fragment for Jupyter (``Report._repr_html_``)."""

import base64
import html
import json

from .._tables import format_cell
from ._document import (COLLAPSE_ROWS, ClaimBlock, FigureRef, Items, Paragraph, Table, build_document,
                        claim_table)
from ._table import jsonable
from ._write import file_stem, report_title

_CSS = """
:root { --ok: #0a6b2d; --ok-bg: #e4f4e9; --no: #a1161b; --no-bg: #fbe6e7; --na: #555; --na-bg: #eee; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1b1b;
       max-width: 1180px; margin: 0 auto; padding: 0 1.2em 3em; }
h1 { font-size: 1.6em; margin: 1em 0 0.3em; }
h2 { font-size: 1.3em; border-bottom: 2px solid #ddd; padding-bottom: 0.2em; margin-top: 2em; }
h3 { font-size: 1.12em; margin-top: 1.8em; }
h4 { font-size: 1em; margin: 1.4em 0 0.4em; }
nav ol { columns: 2; }
.table-wrap { overflow-x: auto; margin: 0.6em 0 1em; }
table { border-collapse: collapse; font-size: 12.5px; }
th, td { border: 1px solid #d4d4d4; padding: 2px 7px; white-space: nowrap; }
th { background: #f2f2f2; text-align: left; white-space: normal; vertical-align: bottom;
     max-width: 9em; }
td.long { white-space: normal; min-width: 16em; }
tr.alert td { background: var(--no-bg); color: var(--no); font-weight: 600; }
p.alert { border: 2px solid var(--no); background: var(--no-bg); color: var(--no); font-weight: 700;
          padding: 0.5em 0.8em; }
.label { display: inline-block; padding: 0 0.5em; border-radius: 4px; background: #fff3cd;
         color: #6b4e00; border: 1px solid #e0c36b; font-size: 0.85em; font-weight: 600; }
details > summary { cursor: pointer; color: #333; }
caption { caption-side: top; text-align: left; font-style: italic; padding: 0.2em 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) { background: #fafafa; }
.verdict { display: inline-block; padding: 0 0.55em; border-radius: 4px; font-weight: 600;
           font-size: 0.92em; border: 1px solid; white-space: nowrap; }
.verdict.supported { color: var(--ok); background: var(--ok-bg); }
.verdict.not-supported { color: var(--no); background: var(--no-bg); }
.verdict.not-run, .verdict.void, .verdict.inconclusive { color: var(--na); background: var(--na-bg); }
article.claim-result { border-left: 4px solid #ccc; padding: 0.1em 0 0.2em 1em; margin: 1em 0 2em; }
article.claim-result.supported { border-left-color: var(--ok); }
article.claim-result.not-supported { border-left-color: var(--no); }
.statement { font-style: italic; }
figure { margin: 1em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.9em; color: #444; }
.notes li { margin-bottom: 0.4em; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; font-size: 12px; }
footer { margin-top: 3em; color: #666; font-size: 0.9em; }
"""

_VERDICT_MARKS = {"supported": "\u2714 supported", "not supported": "\u2718 not supported",
                  "inconclusive": "? inconclusive", "void": "\u2205 void", "not run": "\u2013 not run"}


def _e(text):
    return html.escape(str(text), quote=True)


def _verdict_html(verdict):
    return (f'<span class="verdict {verdict.replace(" ", "-")}">'
            f"{_e(_VERDICT_MARKS[verdict])}</span>")


def _html_table(headers, rows, numeric):
    """A ``<table>`` of already formatted cells; numeric columns right-aligned."""
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "\n".join(
        "<tr>" + "".join(f'<td class="num">{_e(c)}</td>' if num else f"<td>{_e(c)}</td>"
                         for c, num in zip(row, numeric)) + "</tr>"
        for row in rows)
    return (f'<div class="table-wrap"><table>\n<thead><tr>{head}</tr></thead>\n'
            f"<tbody>\n{body}\n</tbody>\n</table></div>")


def _cell_html(key, text, numeric, row):
    """One cell of a document table: claims link to their article, verdicts are badges."""
    if key == "claim":
        number, name = text.split(". ", 1)
        anchor = _anchor("claim", name, row[1])
        return f'<td><a href="#{anchor}">Claim {_e(number)}: {_e(name)}</a></td>'
    if key == "verdict":
        return f"<td>{_verdict_html(text)}</td>"
    if numeric:
        return f'<td class="num">{_e(text)}</td>'
    if key == "interval":
        return f'<td class="long">{_e(text)}</td>'
    return f"<td>{_e(text)}</td>"


def table_html(table):
    """A document :class:`~spectral_ssl.report._document.Table` as HTML: headers wrap, rows of a
    failed certificate are flagged, the quick label is on the caption, a long table is folded."""
    head = "".join(f'<th data-key="{_e(key)}">{_e(h)}</th>' for key, h in zip(table.keys, table.headers))
    body = "\n".join(
        ('<tr class="alert">' if table.flags and table.flags[i] == "alert" else "<tr>")
        + "".join(_cell_html(key, text, num, row)
                  for key, text, num in zip(table.keys, row, table.numeric)) + "</tr>"
        for i, row in enumerate(table.cells))
    label = f' <span class="label">{_e(table.label)}</span>' if table.label else ""
    caption = f"<caption>{_e(table.caption)}{label}</caption>" if table.caption else ""
    out = (f'<div class="table-wrap"><table>{caption}\n<thead><tr>{head}</tr></thead>\n'
           f"<tbody>\n{body}\n</tbody>\n</table></div>")
    if table.collapsed:
        out = (f"<details><summary>{_e(table.caption or 'table')}: {len(table.cells)} rows "
               f"(click to show){label}</summary>{out}</details>")
    return out


def _claim_cell(value):
    return format_cell(value, ".4g", none="\u2013", join_sequences=True)


def _claim_table_html(result):
    if not result.columns():
        return ""
    table = claim_table(next(iter(result.tables.values())), cell=_claim_cell)
    out = _html_table(table.headers, table.cells, table.numeric)
    if len(result.table) > COLLAPSE_ROWS:
        out = (f"<details><summary>Measured table: {len(result.table)} rows (click to show)"
               f"</summary>{out}</details>")
    return out


def _figure_html(entry, pngs):
    data = base64.b64encode(pngs[entry["key"]]).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{_e(entry["caption"])}">'
            f"<figcaption>{_e(entry['caption'])} ({_e(entry['file'])})</figcaption></figure>")


def _anchor(*parts):
    return "-".join(file_stem(part).replace("_", "-").lower() for part in parts)




def _claim_html(block, pngs):
    name = block.result.name if block.result is not None else block.not_run["name"]
    if block.result is None:
        item = block.not_run
        return (f'<article class="claim-result not-run" '
                f'id="{_anchor("claim", name, item["dataset"])}" data-claim="{_e(name)}" '
                f'data-dataset="{_e(item["dataset"])}" data-verdict="not run">'
                f"<h4>{_e(name)} on {_e(item['dataset'])}: {_verdict_html('not run')}</h4>"
                f"<p><strong>Reason.</strong> {_e(item['reason'])}.</p></article>")
    r = block.result
    css = r.verdict.replace(" ", "-")
    label = f' <span class="label">{_e(r.label)}</span>' if r.label else ""
    figures = "".join(_figure_html(entry, pngs) for entry in block.figures) if pngs else ""
    return (f'<article class="claim-result {css}" id="{_anchor("claim", name, r.dataset)}" '
            f'data-claim="{_e(name)}" data-dataset="{_e(r.dataset)}" data-verdict="{_e(r.verdict)}">'
            f"<h4>{_e(name)} on {_e(r.dataset)}: {_verdict_html(r.verdict)}{label}</h4>"
            + (f"<p>Data: {_e(block.description)}.</p>" if block.description else "")
            + f"<p><strong>Rule.</strong> {_e(r.rule)}.</p>"
            f"<p><strong>Key numbers.</strong> {_e(r.summary)}</p>"
            f"<p>Measured in {r.elapsed:.1f} s.</p>"
            + _claim_table_html(r) + figures + "</article>")


def _section_html(section, pngs, heading):
    parts = [f'<section id="{section.id}"><h{heading}>{_e(section.title)}</h{heading}>']
    claim = None
    for block in section.blocks:
        if isinstance(block, Paragraph):
            parts.append(f'<p class="{block.tone}">{_e(block.text)}</p>' if block.tone
                         else f"<p>{_e(block.text)}</p>")
        elif isinstance(block, Items):
            css = ' class="notes"' if section.id == "notes" else ""
            parts.append(f"<ul{css}>" + "".join(f"<li>{_e(item)}</li>" for item in block.items)
                         + "</ul>")
        elif isinstance(block, Table):
            parts.append(table_html(block))
        elif isinstance(block, FigureRef):
            if pngs:
                parts.append(_figure_html(block.entry, pngs))
        elif isinstance(block, ClaimBlock):
            if block.number != claim:
                claim = block.number
                name = block.result.name if block.result is not None else block.not_run["name"]
                parts.append(f'<h{heading + 1} id="{_anchor("claim", name)}">Claim {block.number}: '
                             f"{_e(block.title)} (<code>{_e(name)}</code>)</h{heading + 1}>")
                if block.result is not None:
                    parts.append(f'<p class="statement">{_e(block.result.statement)}</p>')
            parts.append(_claim_html(block, pngs))
    return "\n".join(parts) + "</section>"


def render_document_html(document, pngs=None, *, heading=2):
    """The document's sections as HTML (no page around them); ``pngs`` ``{figure key: PNG
    bytes}`` embeds the figures (None: no figures)."""
    return "\n".join(_section_html(section, pngs, heading) for section in document.sections)


def render_html(report, pngs):
    """``report.html``: one self-contained HTML5 page.

    Inline CSS, every figure embedded as a ``data:image/png;base64`` URI, no
    script and no external resource. The first section (``verdicts``) is the
    first screen: the certificate summary (a failed certificate of a closed form
    as an alert) and the claims' verdicts with the interval that decides each.
    Each measured claim is an ``<article class="claim-result">`` with
    ``data-claim``, ``data-dataset`` and ``data-verdict`` attributes, its
    verdict badge, the rule, the key numbers, the table and its figures. Tables
    longer than :data:`~spectral_ssl.report._document.COLLAPSE_ROWS` rows are folded
    in ``<details>``; a quick run carries the label "quick, indicative" in its
    title and on every table.

    Parameters
    ----------
    report : Report
        With ``report.figures`` filled by :func:`write_report`.
    pngs : dict
        ``{figure key: PNG bytes}``.

    Returns
    -------
    str
    """
    from .. import __version__

    document = build_document(report)
    settings = ('<details><summary>Settings (report.json <code>config</code>)</summary><pre>'
                + _e(json.dumps(jsonable(report.config), indent=2)) + "</pre></details>")
    body = render_document_html(document, pngs).replace(
        '<ul class="notes">', settings + '<ul class="notes">', 1)
    nav = ("<nav><h2>Contents</h2><ol>"
           + "".join(f'<li><a href="#{s.id}">{_e(s.title)}</a></li>' for s in document.sections)
           + "</ol></nav>")
    label = f' <span class="label">{_e(document.label)}</span>' if document.label else ""
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(document.title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<header><h1>{_e(report_title(report))}{label}</h1>"
        f"<p>spectral_ssl {_e(__version__)}; computed in {report.elapsed:.1f} s"
        + (" (quick settings: numbers and verdicts indicative only)" if document.label else "")
        + ".</p></header>",
        nav,
        "<main>",
        body,
        "</main>",
        f"<footer>Files beside this page: report.md, report.csv, report.json and "
        f"{len(report.figures)} PNG figures (the same images as embedded here).</footer>",
        "</body>",
        "</html>",
        "",
    ])


def _scoped(line, scope=".spectral-ssl-report"):
    """A CSS rule's line with each selector under ``scope`` (``body`` becomes the scope itself),
    so the page's styles do not leak into the rest of a notebook."""
    if "{" not in line or line.startswith((" ", ":root")):
        return line
    selectors, rule = line.split("{", 1)
    scoped = [scope if sel.strip() == "body" else f"{scope} {sel.strip()}"
              for sel in selectors.split(",")]
    return ", ".join(scoped) + " {" + rule


def repr_html(report):
    """An HTML fragment of the report for Jupyter: styles scoped by a wrapper, no figures."""
    document = build_document(report)
    label = f' <span class="label">{_e(document.label)}</span>' if document.label else ""
    css = "\n".join(_scoped(line) for line in _CSS.strip().splitlines())
    return (f'<div class="spectral-ssl-report"><style>{css}</style>'
            f"<h3>{_e(report_title(report))}{label}</h3>"
            + render_document_html(document, None, heading=4) + "</div>")


__all__ = ["table_html", "render_document_html", "render_html", "repr_html"]

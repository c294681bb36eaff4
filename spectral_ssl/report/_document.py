"""One document model of the report, rendered to terminal text, Markdown and HTML.

:func:`build_document` turns a :class:`~spectral_ssl.report.Report` into a
:class:`Document`: sections of blocks (paragraphs, tables, figures, claims, notes)
whose cells are already formatted text. The three renderers (``_text``,
``_markdown``, ``_html``) only lay the blocks out, so the three formats cannot
disagree. The first section, ``summary``, is the first screen: the certificate
summary (a failing certificate of a closed form first, as an alert) and the
claims' verdicts with the interval of the number that decides each.
"""

from dataclasses import dataclass, field


from ..experiments.claim_runs import CLAIMS, claim_number, deciding_comparisons
from ..experiments.claims.tables import format_cell
from ..experiments.method_table import certificate_summary
from ._table import (CLAIM_COLUMNS, MDS_COLUMNS, PAIRS_COLUMNS, TABLE_COLUMNS, TEXT_KEYS,
                     format_value)

#: The label of every page and table of a quick run.
QUICK_LABEL = "quick, indicative"

#: Tables longer than this are collapsed in HTML (``<details>``), with their caption as summary:
#: the method table (18 rows by default) stays open, a claim's 25-row sweep is folded.
COLLAPSE_ROWS = 20


@dataclass
class Table:
    """A table of formatted cells.

    Attributes
    ----------
    headers : list of str
        Human column names, units included.
    cells : list of list of str
    numeric : list of bool
        Right-aligned columns.
    caption : str
    keys : list of str
        The row keys the columns show (for machine readers: HTML ``data-key``).
    id_columns : int
        Leading columns repeated in every part of a table split to fit a terminal.
    flags : list of str
        One per row: ``""`` or ``"alert"`` (a failed certificate of a closed form).
    label : str
        ``"quick, indicative"`` for a quick run.
    """

    headers: list
    cells: list
    numeric: list
    caption: str = ""
    keys: list = field(default_factory=list)
    id_columns: int = 1
    flags: list = field(default_factory=list)
    label: str = ""

    @property
    def collapsed(self):
        """Whether HTML shows it folded (more than :data:`COLLAPSE_ROWS` rows)."""
        return len(self.cells) > COLLAPSE_ROWS


@dataclass
class Paragraph:
    """Text; ``tone`` ``"alert"`` (shown first and loud), ``"ok"`` or ``""``."""

    text: str
    tone: str = ""


@dataclass
class Items:
    """A bulleted list."""

    items: list


@dataclass
class FigureRef:
    """A figure written with the report: ``{"key", "file", "caption", ...}`` of ``Report.figures``."""

    entry: dict


@dataclass
class ClaimBlock:
    """One claim on one data set: a ``ClaimResult`` or a not-run record, and its figures."""

    number: int
    title: str
    result: object = None
    not_run: dict = None
    description: str = ""
    figures: list = field(default_factory=list)


@dataclass
class Section:
    """A titled part of the report (``id`` is its HTML anchor)."""

    id: str
    title: str
    blocks: list = field(default_factory=list)


@dataclass
class Document:
    """The report as sections of blocks."""

    title: str
    label: str
    sections: list
    footer: str = ""

    def section(self, id):
        """The section with this id, or None."""
        return next((s for s in self.sections if s.id == id), None)


def rows_table(rows, columns, *, caption="", label="", id_columns=2):
    """A :class:`Table` of report rows (dicts) with ``columns`` = ``[(key, header), ...]``."""
    return Table(headers=[header for _, header in columns],
                 cells=[[format_value(key, row.get(key)) for key, _ in columns] for row in rows],
                 numeric=[key not in TEXT_KEYS for key, _ in columns], caption=caption,
                 keys=[key for key, _ in columns], id_columns=id_columns,
                 flags=["alert" if row.get("cert_verdict") == "FAILED" else "" for row in rows],
                 label=label)


def claim_table(table, *, float_format=".3g", cell=None):
    """A claim's measured table (:class:`spectral_ssl.experiments.claims.tables.Table`) as a
    document :class:`Table`: its human labels (a fractional rank is a mean over seeds: said so),
    numbers right-aligned, keyed by its leading text columns.

    ``cell``: value -> text (default the claims' own ``format_cell`` with ``float_format``).
    """
    cell = cell or (lambda value: format_cell(value, float_format))
    keys = table.keys()
    numeric = table.numeric_columns()
    return Table(headers=[label.replace("(mean)", "(mean over seeds)") for label in table.labels()],
                 cells=[[cell(row.get(k)) for k in keys] for row in table.rows],
                 numeric=numeric, caption=table.caption, keys=list(keys),
                 id_columns=_leading_text_columns(numeric))


def _leading_text_columns(numeric, most=2):
    """How many leading columns name a row: the text columns before the first number, 1 to ``most``
    (a claim's table is keyed by, e.g., relation and method)."""
    count = next((j for j, num in enumerate(numeric) if num), len(numeric))
    return max(1, min(count, most))


def _interval(comparison):
    e = comparison.estimate
    level = f"{100 * e.level:.4g}"  # 95, or 99.69 split over the looks (rounded, it read "100%")
    return (f"{comparison.label}: {e.mean:.3g} ({level}% interval [{e.low:.3g}, {e.high:.3g}], "
            f"{e.n} seeds) vs threshold {comparison.threshold:.3g}")


def verdict_rows(report):
    """One dict per claim run or not run, in claim order: the verdict and its deciding interval."""
    rows = []
    for r in report.claims:
        deciding = deciding_comparisons(r)
        rows.append({"claim": f"{claim_number(r.name)}. {r.name}", "data": r.dataset,
                     "verdict": r.verdict, "interval": _interval(deciding[0]) if deciding else "-",
                     "seconds": r.elapsed})
    rows += [{"claim": f"{claim_number(r['name'])}. {r['name']}", "data": r["dataset"],
              "verdict": "not run", "interval": r["reason"], "seconds": None}
             for r in report.claims_not_run]
    return sorted(rows, key=lambda row: row["claim"])


def _certificate_blocks(report):
    """The certificate summary: a failed exact certificate first and loud, then the counts."""
    summary = certificate_summary(report.rows)
    blocks = []
    exact = summary.get("exact")
    if exact and exact["failed"]:
        cases = "; ".join(f"{row['method']} {row['regime']} ({row['hyperparameters']})"
                          for row in exact["failed"])
        blocks.append(Paragraph(
            f"CERTIFICATE FAILED: {len(exact['failed'])} of {exact['count']} exact closed forms lost "
            f"to a random restart (a restart found a lower loss than the closed form): {cases}.",
            "alert"))
    items = []
    if exact:
        items.append(f"exact closed forms: {exact['passed']} of {exact['count']} certified "
                     "(no random restart found a lower loss)")
    numerical = summary.get("numerical")
    if numerical:
        items.append(f"numerical optima (exact=False): {numerical['passed']} of {numerical['count']} "
                     "not beaten by the certificate's restarts")
    whitened = summary.get("whitened")
    if whitened:
        items.append(f"Barlow Twins CCA (exact under within-view whitening): the unconstrained loss "
                     f"is lower by up to {whitened['largest_relative_gap']:.2g} (relative) in "
                     f"{whitened['count'] - whitened['passed']} of {whitened['count']} rows "
                     "(expected: whitening is a constraint)")
    if items:
        blocks.append(Paragraph("Certificates (random-restart minimisation of the same loss):",
                                "" if summary["ok"] else "alert"))
        blocks.append(Items(items))
    return blocks


def _summary_section(report, label):
    blocks = []
    if label:
        blocks.append(Paragraph(f"Quick run ({label}): fewer images, seeds and restarts than the "
                                "default report; its numbers and verdicts are indicative only."))
    blocks += _certificate_blocks(report)
    rows = verdict_rows(report)
    if rows:
        blocks.append(rows_table(
            rows, CLAIM_COLUMNS, id_columns=2, label=label,
            caption="Verdicts of the paper's claims, with the number that decides each (mean over "
                    "seeds and its interval against the rule's threshold)"))
    return Section("verdicts", "Verdicts and certificates", blocks)


def build_document(report, *, figures=None):
    """The :class:`Document` of ``report``.

    Parameters
    ----------
    report : Report
    figures : list of dict, optional
        Figure entries to place (default ``report.figures``: the ones written).
    """
    from ._markdown import claims_intro
    from ._write import report_title

    config = report.config
    label = QUICK_LABEL if config.get("quick") else ""
    figures = report.figures if figures is None else figures
    K = config["n_components"]

    def placed(section):
        return [FigureRef(entry) for entry in figures if entry["section"] == section]

    sections = [_summary_section(report, label)]
    blocks = [Paragraph(
        f"Data {config['data_name']} ({config['data']}), relation {config['relation']}, K = {K}. "
        "Solution: exact = closed form, global optimum of the loss; whitened = Barlow Twins' CCA, "
        "exact under within-view whitening; numerical = no closed form, numerical optimum "
        "(exact=False). Certified: the certificate's verdict (random-restart minimisation of the "
        "same loss).")]
    blocks.append(rows_table(report.section("main"), TABLE_COLUMNS, label=label,
                             caption=f"Optima of the methods on {config['data_name']}"))
    skipped = [row for row in report.rows if row.get("skipped")]
    if skipped:
        blocks.append(Items([f"{row['method']}, {row['regime']}, {row['hyperparameters']}: skipped, "
                             f"{row['skipped']}." for row in skipped]))
    blocks += placed("methods")
    sections.append(Section("methods", "Optima of the methods", blocks))

    if report.section("pairs") or placed("pairs"):
        blocks = []
        if report.section("pairs"):
            blocks += [Paragraph("The augmentation-pairs relation alone: every image is one "
                                 f"connected component, so components of G = number of images "
                                 f"(K = {K}, non-parametric optima)."),
                       rows_table(report.section("pairs"), PAIRS_COLUMNS, label=label,
                                  caption="Rank against the components of G")]
        sections.append(Section("pairs", "Rank against the components of G",
                                blocks + placed("pairs")))
    if report.mds:
        sections.append(Section("mds", "SimCLR as MDS / ISOMAP", [
            Paragraph("SimCLR optimised on a Gaussian relation of a swiss roll built from Euclidean "
                      "distances (its MDS target is classical MDS) and from kNN-graph geodesic "
                      "distances (ISOMAP); agreement of its chord distances with each target."),
            rows_table(report.mds, MDS_COLUMNS, label=label, id_columns=1,
                       caption="SimCLR against the MDS target of each relation"),
            *placed("mds")]))
    if report.claims or report.claims_not_run:
        descriptions = {d["name"]: d["description"]
                        for d in (config.get("claims") or {}).get("datasets", [])}
        blocks = [Paragraph(claims_intro(report))]
        for name, title in CLAIMS:
            for r in report.claims:
                if r.name == name:
                    blocks.append(ClaimBlock(
                        claim_number(name), title, result=r,
                        description=descriptions.get(r.dataset, ""),
                        figures=[e for e in figures if e["section"] == "claims"
                                 and e["claim"] == name and e["dataset"] == r.dataset]))
            blocks += [ClaimBlock(claim_number(name), title, not_run=item)
                       for item in report.claims_not_run if item["name"] == name]
        sections.append(Section("claims", "The paper's claims", blocks))
    sections.append(Section("notes", "How the numbers were obtained", [Items(list(report.notes))]))
    quick = f" ({label})" if label else ""
    return Document(title=report_title(report) + quick, label=label, sections=sections,
                    footer=f"Computed in {report.elapsed:.1f} s.")


__all__ = ["QUICK_LABEL", "COLLAPSE_ROWS", "Table", "Paragraph", "Items", "FigureRef", "ClaimBlock",
           "Section", "Document", "rows_table", "claim_table", "verdict_rows", "build_document"]

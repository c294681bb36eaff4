"""The :class:`Report` object that :func:`spectral_ssl.report.run_report` returns."""

from dataclasses import dataclass, field

from ._table import CLAIM_COLUMNS, MDS_COLUMNS, PAIRS_COLUMNS, TABLE_COLUMNS


@dataclass
class Report:
    """What :func:`run_report` computed, and how it shows itself.

    ``report.text()`` is what ``spectral-ssl report`` prints (tables fitting a
    100-column terminal), ``repr(report)`` a one-line summary, and in Jupyter the
    report renders inline as HTML (``_repr_html_``: the first screen, every table,
    the claims; the figures are in ``report.html``). All three render one
    document (:meth:`document`), as ``report.md`` and ``report.html`` do.

    Attributes
    ----------
    rows : list of dict
        One row per optimum; keys of :data:`CSV_COLUMNS` plus the spectrum
        (``eigenvalues``, ``scales``) and the certificate's restarts. ``section``
        is ``"main"`` (digits, the report's relation) or ``"pairs"`` (the
        augmentation-pairs relation of a few images).
    config : dict
        The settings the report ran with.
    notes : list of str
        How each number was obtained (printed in ``report.md``).
    mds : list of dict
        One row per relation of the SimCLR-MDS section (empty without SimCLR).
    representations : dict
        ``{regime: [(label, rep), ...]}`` of the VICReg rows, for the spectrum figure.
    mds_panels : list of dict
        The arrays of the SimCLR-MDS figure.
    claims : list of spectral_ssl.experiments.claims.ClaimResult
        The claims measured, in :data:`CLAIMS` order, data set by data set
        (empty with ``claims=False``).
    claims_not_run : list of dict
        ``{"name", "dataset", "reason"}`` of each claim the user's data could
        not support (a ``ValueError`` of the claim's own checks).
    figures : list of dict
        The figures written, in page order: ``{"key", "section", "file",
        "caption"}``, plus ``"claim"``, ``"dataset"``, ``"name"`` for a claim's
        figure (empty if nothing was written).
    files : dict
        ``{kind: path}`` of the files written (empty if nothing was written).
    elapsed : float
        Seconds for the whole report.
    """

    rows: list
    config: dict
    notes: list
    mds: list = field(default_factory=list)
    representations: dict = field(default_factory=dict)
    mds_panels: list = field(default_factory=list)
    claims: list = field(default_factory=list)
    claims_not_run: list = field(default_factory=list)
    figures: list = field(default_factory=list)
    files: dict = field(default_factory=dict)
    elapsed: float = 0.0

    def section(self, name):
        """The rows of one section (``"main"`` or ``"pairs"``)."""
        return [row for row in self.rows if row["section"] == name]

    def document(self):
        """The report's :class:`~spectral_ssl.report._document.Document` (what every format renders)."""
        from ._document import build_document

        return build_document(self)

    def table(self, *, markdown=False, section="main", width=None):
        """One section's table: terminal text fitting ``width`` columns (default 100), or Markdown."""
        from ._document import rows_table

        columns = PAIRS_COLUMNS if section == "pairs" else TABLE_COLUMNS
        return self._render(rows_table(self.section(section), columns), markdown, width)

    def mds_table(self, *, markdown=False, width=None):
        """The SimCLR-MDS table ("" without SimCLR)."""
        from ._document import rows_table

        if not self.mds:
            return ""
        return self._render(rows_table(self.mds, MDS_COLUMNS, id_columns=1), markdown, width)

    @staticmethod
    def _render(table, markdown, width):
        from ._markdown import markdown_table
        from ._text import WIDTH, text_table

        if markdown:
            return markdown_table(table)
        return "\n".join(text_table(table, width=width or WIDTH))

    def text(self, *, width=None):
        """The report as terminal text, what ``spectral-ssl report`` prints: the first screen
        (certificates and the claims' verdicts with their intervals), then every table, split to
        fit ``width`` columns (default 100)."""
        from ._text import WIDTH, render_text

        return render_text(self.document(), width=width or WIDTH)

    def markdown(self):
        """The report as Markdown (``report.md``)."""
        from ._markdown import render_markdown

        return render_markdown(self)

    def __str__(self):
        """The whole report as terminal text (:meth:`text`), so ``print(report)`` shows it."""
        return self.text()

    def _repr_html_(self):
        """Jupyter's rich display: the document as HTML (figures are in ``report.html``)."""
        from ._html import repr_html

        return repr_html(self)

    def __repr__(self):
        main = [row for row in self.rows if row["section"] == "main"]
        quick = ", quick, indicative" if self.config.get("quick") else ""
        verdicts = {}
        for result in self.claims:
            verdicts[result.verdict] = verdicts.get(result.verdict, 0) + 1
        if self.claims_not_run:
            verdicts["not run"] = len(self.claims_not_run)
        claims = ", ".join(f"{count} {verdict}" for verdict, count in sorted(verdicts.items()))
        failed = sum(row.get("cert_verdict") == "FAILED" for row in self.rows)
        return (f"Report(data={self.config.get('data_name')!r}, methods={self.config.get('methods')}, "
                f"K={self.config.get('n_components')}{quick}, {len(main)} optima, "
                f"{len(self.section('pairs'))} pairs rows, failed exact certificates={failed}, "
                f"claims: {claims or 'none'}, {self.elapsed:.1f} s; print(report) shows it whole, "
                f"report.html with its figures)")

    def claim_rows(self):
        """One dict per claim run or not run: ``claim``, ``data``, ``verdict``, ``interval`` (the
        number deciding the verdict, with its interval), ``seconds``."""
        from ._document import verdict_rows

        return verdict_rows(self)

    def claims_table(self, *, markdown=False, width=None):
        """The verdict of every claim on every data set ("" without claims)."""
        from ._document import rows_table

        rows = self.claim_rows()
        if not rows:
            return ""
        return self._render(rows_table(rows, CLAIM_COLUMNS), markdown, width)

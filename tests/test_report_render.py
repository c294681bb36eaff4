"""Tests of the report's document model and its three renderers (terminal text, Markdown, HTML) on
a small hand-made Report: no optimisation runs, so these are fast."""

import re

import pytest

from spectral_ssl.experiments.claims.result import ClaimResult, Comparison, Reading
from spectral_ssl.experiments.claims.stats import Estimate
from spectral_ssl.experiments.claims.tables import Table
from spectral_ssl.experiments.method_table import certificate_summary
from spectral_ssl.report import TABLE_COLUMNS, Report, render_html, render_markdown

from markdown_tables import pipe_tables


def _row(method, regime, *, solution="exact", passed=True, gap=0.0, verdict=None, section="main"):
    row = {key: None for key, _ in TABLE_COLUMNS}
    row.update(section=section, method=method, regime=regime, hyperparameters="var=1 cov=1 inv=0.01",
               n_samples=600, components=1, loss=-12.5, rank=15, solution=solution,
               gradient_norm=1e-15, cert_n_samples=120, cert_relative_gap=gap,
               cert_converged="2/2", cert_passed=passed,
               cert_verdict=verdict or ("yes" if passed else {"exact": "FAILED", "numerical": "beaten",
                                                                "whitened": "lower"}[solution]),
               probe_accuracy=0.8125, n_images=300)
    return row


def _claim(name, dataset, mean, low, high, *, rows=3):
    comparison = Comparison("VICReg small - SimCLR (probe accuracy)",
                            Estimate(mean=mean, se=0.01, low=low, high=high, n=5), 0.0, regime="K = 32")
    reading = Reading("NeurIPS proceedings", "the wording", "what is tested", [comparison])
    table = Table(columns=[("method", "method"), ("rank", "rank (mean)")],
                  rows=[{"method": f"m{i}", "rank": 26.4} for i in range(rows)], caption="ranks")
    return ClaimResult(name=name, statement="a statement", rule="the rule", readings=[reading],
                       tables={"main": table}, summary="key numbers", dataset=dataset, quick=True,
                       elapsed=1.5)


@pytest.fixture
def report():
    rows = [_row("vicreg", "nonparametric"), _row("spectral_contrastive", "linear"),
            _row("simclr", "kernel", solution="numerical", passed=False, gap=0.02),
            _row("barlow_twins", "linear", solution="whitened", passed=False, gap=0.125),
            _row("spectral_contrastive", "kernel", passed=False, gap=0.5)]
    config = {"quick": True, "n_components": 16, "data_name": "digits", "data": "digits (test)",
              "relation": "views+knn", "methods": ["vicreg", "spectral_contrastive", "barlow_twins",
                                                   "simclr"], "claims": {"datasets": []}}
    claims = [_claim("aligned_graph", "mixture", 0.05, 0.03, 0.07),
              _claim("misaligned_graph", "digits", 0.01, -0.02, 0.04, rows=25)]
    return Report(rows=rows, config=config, notes=["a note"], claims=claims,
                  claims_not_run=[{"name": "low_data_regime", "dataset": "digits",
                                   "reason": "needs at least 12 samples in every class"}],
                  elapsed=3.0)


def test_certificate_summary_counts_by_kind(report):
    summary = certificate_summary(report.rows)
    assert summary["ok"] is False
    assert (summary["exact"]["count"], summary["exact"]["passed"]) == (3, 2)
    assert [row["regime"] for row in summary["exact"]["failed"]] == ["kernel"]
    assert summary["whitened"]["largest_relative_gap"] == 0.125
    assert (summary["numerical"]["count"], summary["numerical"]["passed"]) == (1, 0)


def test_text_first_screen_fits_100_columns_and_fails_loudly(report):
    text = report.text()
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 100
    # the title, wrapped to the width, then the first screen: the failed certificate first and
    # loud (after the quick label), before any table
    assert " ".join(lines[:2]) == ("spectral_ssl report: optima of VICReg, spectral contrastive, "
                                   "Barlow Twins, SimCLR on digits and the paper's claims (quick, "
                                   "indicative)")
    assert set(lines[2]) == {"="} and lines[4] == "Verdicts and certificates"
    assert lines[6].startswith("Quick run (quick, indicative)")
    assert lines[9].startswith("!! CERTIFICATE FAILED: 1 of 3 exact closed forms lost to a random")
    assert "spectral_contrastive kernel (var=1 cov=1 inv=0.01)" in text.split("Optima of")[0]
    assert "- exact closed forms: 2 of 3 certified" in text
    assert "lower by up to 0.12 (relative) in 1 of 1 rows" in re.sub(r"\s+", " ", text)
    # the verdicts with the interval that decides each (hand-made: mean 0.05, interval [0.03, 0.07])
    assert report.claim_rows()[0]["interval"] == (
        "VICReg small - SimCLR (probe accuracy): 0.05 (95% interval [0.03, 0.07], 5 seeds) vs "
        "threshold 0")
    assert re.search(r"^1\. aligned_graph +mixture +supported +VICReg small - SimCLR \(probe "
                     r"accuracy\): 0\.05 +1\.5$", text, re.M)
    assert re.search(r"^ +\(95% interval \[0\.03, 0\.07\], 5 seeds\) vs$", text, re.M)
    verdicts = re.findall(r"^(\d\. \w+) +(\w+) +(supported|inconclusive|not run)\b", text, re.M)
    assert verdicts == [("1. aligned_graph", "mixture", "supported"),
                        ("2. low_data_regime", "digits", "not run"),
                        ("3. misaligned_graph", "digits", "inconclusive")]
    # the failed row is flagged in every part of the method table
    assert text.count("<-- FAILED") >= 2
    assert "Optima of the methods on digits [quick, indicative]" in text


def test_text_table_splits_and_wraps_to_the_width(report):
    table = report.document().section("methods").blocks[1]
    assert table.headers[8] == "gradient norm at the optimum" and table.keys[8] == "gradient_norm"
    for width in (80, 100):
        lines = report.table(width=width).splitlines()
        assert max(len(line) for line in lines) <= width
        parts = [line for line in lines if line.startswith("(part ")]
        assert len(parts) >= 2 and parts[0] == f"(part 1 of {len(parts)})"
        # every part repeats the identifying columns
        rules = [i for i, line in enumerate(lines) if line.startswith("---")]
        assert len(rules) == len(parts)
        for i in rules:
            assert [line.split()[:2] for line in lines[i + 1:i + 6]][0] == ["vicreg", "nonparametric"]


def test_markdown_labels_every_table_quick(report):
    text = render_markdown(report)
    assert text.startswith("# spectral_ssl report: optima of VICReg")
    # the report's own tables carry the label (a claim's tables sit under its labelled heading)
    captions = dict(re.findall(r"^\*([^*]+)\.\*( \[quick, indicative\])?$", text, re.M))
    assert captions["Optima of the methods on digits"] == " [quick, indicative]"
    assert captions["Verdicts of the paper's claims, with the number that decides each (mean over "
                    "seeds and its interval against the rule's threshold)"] == " [quick, indicative]"
    assert "**CERTIFICATE FAILED: 1 of 3" in text
    assert text.index("## Verdicts and certificates") < text.index("## Optima of the methods")
    assert "| 1. aligned_graph    | mixture | supported    |" in text
    assert "#### low_data_regime (digits): **NOT RUN**" in text


def test_html_first_screen_collapsed_tables_and_labels(report):
    page = render_html(report, {})
    verdicts = page[page.index('<section id="verdicts">'):page.index('<section id="methods">')]
    assert '<p class="alert">CERTIFICATE FAILED: 1 of 3' in verdicts
    assert verdicts.count('<span class="verdict ') == 3
    assert 'href="#claim-aligned-graph-mixture"' in verdicts
    assert 'id="claim-aligned-graph-mixture"' in page
    # human headers with units, the failed row flagged
    assert '<th data-key="probe_accuracy">probe accuracy (fraction)</th>' in page
    assert page.count('<tr class="alert">') == 1
    # the 25-row claim table is folded, the 3-row one is not; fractional ranks are labelled means
    assert page.count("<details><summary>Measured table: 25 rows") == 1
    assert "rank (mean over seeds)" in page
    assert page.count('<span class="label">quick, indicative</span>') >= 4


def test_report_repr_and_repr_html(report):
    text = repr(report)
    assert text.startswith("Report(data='digits', methods=['vicreg', 'spectral_contrastive', "
                           "'barlow_twins', 'simclr'], K=16, quick, indicative, 5 optima")
    assert "failed exact certificates=1" in text
    assert "claims: 1 inconclusive, 1 not run, 1 supported" in text
    fragment = report._repr_html_()
    assert fragment.startswith('<div class="spectral-ssl-report"><style>')
    assert "<html" not in fragment and "<body" not in fragment
    # the page's styles are scoped to the fragment
    assert ".spectral-ssl-report th, .spectral-ssl-report td {" in fragment
    assert '<section id="verdicts"><h4>Verdicts and certificates</h4>' in fragment


# --------------------------------------------------------------------------- widths and headers

def _wide_table(rows=3):
    """A hand-made document table: 2 identifying columns, 6 numbers with long headers and units,
    one long text column (the deciding interval's kind of cell)."""
    from spectral_ssl.report._document import Table as DocumentTable

    headers = ["method", "regime"] + [f"measured quantity {i} (seconds)" for i in range(6)] + ["why"]
    cells = [[f"method{i}", "linear"] + [f"{i}.{j}" for j in range(6)] + ["a long reason " * 8]
             for i in range(rows)]
    return DocumentTable(headers=headers, cells=cells, numeric=[False, False] + [True] * 6 + [False],
                         caption="A wide table", keys=[f"k{j}" for j in range(9)], id_columns=2)


@pytest.mark.parametrize("width", [80, 100])
def test_markdown_table_is_split_to_the_width_and_keeps_every_cell(width):
    from spectral_ssl.report._markdown import markdown_table

    table = _wide_table()
    text = markdown_table(table, width=width)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width  # table rows and the listed long column
    tables = pipe_tables(text)
    # each column "measured quantity i (seconds)" is 29 wide: | method  | linear | + 32 per column
    per_part = (width - 1 - (7 + 3) - (6 + 3)) // (29 + 3)
    assert len(tables) == -(-6 // per_part)
    assert [line for line in lines if line.startswith("(part ")][0] == f"(part 1 of {len(tables)})"
    seen = {}
    for rows in tables:
        assert rows[0][:2] == ["method", "regime"]  # the identifying columns are repeated
        assert set(rows[1][0]) <= {"-"} and rows[1][2].endswith(":")  # numbers right-aligned
        for header, *values in zip(*[rows[0]] + rows[2:]):
            seen[header] = values
    for j, header in enumerate(table.headers[:8]):
        assert seen[header] == [row[j] for row in table.cells]
    # the reason (112 characters) fits no table: listed under them, one item per row
    assert "why" not in seen and "*why:*" in lines
    assert sum(line.startswith("- **method") for line in lines) == 3
    assert "- **method0, linear:** a long reason a long reason" in text
    assert "<details>" not in text


def test_markdown_table_of_many_rows_is_folded_with_its_caption():
    from spectral_ssl.report._document import COLLAPSE_ROWS
    from spectral_ssl.report._markdown import markdown_table

    text = markdown_table(_wide_table(rows=COLLAPSE_ROWS + 1))
    assert text.startswith(f"*A wide table.*\n\n<details><summary>A wide table: {COLLAPSE_ROWS + 1} "
                           "rows (click to show)</summary>\n\n")
    assert text.endswith("\n\n</details>")
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "<details>" not in markdown_table(_wide_table(rows=COLLAPSE_ROWS))


def test_narrow_markdown_table_is_written_as_before():
    from spectral_ssl.report._document import Table as DocumentTable
    from spectral_ssl.report._markdown import markdown_table

    table = DocumentTable(headers=["method", "loss (nats)"], cells=[["vicreg", "-1.5"], ["simclr", "2"]],
                          numeric=[False, True], caption="Two rows", label="quick, indicative")
    assert markdown_table(table) == ("*Two rows.* [quick, indicative]\n\n"
                                     "| method | loss (nats) |\n"
                                     "|--------|------------:|\n"
                                     "| vicreg |        -1.5 |\n"
                                     "| simclr |           2 |")


def test_text_table_of_the_wide_table_fits_and_wraps(report):
    from spectral_ssl.report._text import text_table

    for width in (80, 100):
        lines = text_table(_wide_table(), width=width)
        assert max(len(line) for line in lines) <= width
        assert sum(line.startswith("(part ") for line in lines) >= 2


def test_markdown_report_rows_fit_100_columns_and_claim_tables_fold(report):
    text = render_markdown(report)
    rows = [line for line in text.splitlines() if line.startswith("|")]
    assert rows and max(len(line) for line in rows) <= 100
    # the method table (14 columns, 263 characters in one table) is split; every part keeps the
    # method and regime of each row
    methods = [t for t in pipe_tables(text) if t[0][:2] == ["method", "regime"]]
    headers = [h for t in methods for h in t[0][2:]]
    assert sorted(headers) == sorted(h for _, h in TABLE_COLUMNS[2:])
    assert all([r[:2] for r in t[2:]] == [r[:2] for r in methods[0][2:]] for t in methods)
    # the deciding intervals are listed under the verdict table, wrapped within 100 columns
    assert "- **1. aligned_graph, mixture:** VICReg small - SimCLR (probe accuracy): 0.05 (95%" in text
    # a claim's 25-row table is folded under its caption, the 3-row one is not
    assert text.count("<details><summary>ranks: 25 rows (click to show)</summary>") == 1
    assert text.count("<details>") == 1
    assert "| m0     |                   26.4 |" in text  # padded and right-aligned like the others


def test_table_headers_are_words_with_units_not_code_names(report):
    from spectral_ssl.report import CLAIM_COLUMNS, MDS_COLUMNS, PAIRS_COLUMNS
    from spectral_ssl.report._document import Table as DocumentTable
    from spectral_ssl.report._document import claim_table

    for columns in (TABLE_COLUMNS, PAIRS_COLUMNS, MDS_COLUMNS, CLAIM_COLUMNS):
        assert all("_" not in header for _, header in columns)
    document = report.document()
    tables = [b for s in document.sections for b in s.blocks if isinstance(b, DocumentTable)]
    assert len(tables) == 2 and all("_" not in h for t in tables for h in t.headers)
    for result in report.claims:
        for table in [result.readings_table(), *result.tables.values()]:
            assert all("_" not in h for h in claim_table(table).headers)
    # every header line of the Markdown file too
    for rows in pipe_tables(render_markdown(report)):
        assert all("_" not in header for header in rows[0])


def test_markdown_table_with_wide_names_is_written_as_one_item_per_row():
    from spectral_ssl.report._document import Table as DocumentTable
    from spectral_ssl.report._markdown import markdown_table

    # the names alone (54 + 3 + 28 + 3 + 1 = 89 characters) leave no room for parts
    reading = "arXiv v1-v3 and NeurIPS 2022 proceedings (camera-ready)"
    table = DocumentTable(
        headers=["reading", "regime", "quantity", "mean ± s.e.", "threshold", "verdict"],
        cells=[[reading, "sparse within-class relation", "VICReg - LDA (probe accuracy)",
                "-0.003 ± 0.002", "-0.05", "supported"],
               ["poster page", "sparse within-class relation", "SimCLR - LDA (probe accuracy)",
                "-0.031 ± 0.004", "", "not supported"]],
        numeric=[False, False, False, False, True, False], caption="Every number", id_columns=2)
    assert markdown_table(table).split("\n") == [
        "*Every number.*",
        "",
        "- **arXiv v1-v3 and NeurIPS 2022 proceedings (camera-ready), sparse within-class relation:**",
        "  quantity: VICReg - LDA (probe accuracy); mean ± s.e.: -0.003 ± 0.002; threshold: -0.05; verdict:",
        "  supported",
        "- **poster page, sparse within-class relation:** quantity: SimCLR - LDA (probe accuracy); mean ±",
        "  s.e.: -0.031 ± 0.004; verdict: not supported",  # the empty threshold is left out
    ]


def test_claim_tables_are_keyed_by_their_leading_text_columns():
    from spectral_ssl.report._document import claim_table

    table = Table(columns=[("relation", "relation"), ("method", "method"), ("rank", "rank (mean)"),
                           ("note", "note")],
                  rows=[{"relation": "kNN", "method": "VICReg", "rank": 7.0, "note": "x"}])
    converted = claim_table(table)
    assert converted.id_columns == 2 and converted.numeric == [False, False, True, False]
    assert converted.headers == ["relation", "method", "rank (mean over seeds)", "note"]
    assert converted.cells == [["kNN", "VICReg", "7", "x"]]


def test_an_interval_split_over_the_looks_shows_its_level():
    # sequential comparisons have intervals at 1 - 0.05/16 = 0.996875: rounded to an integer the
    # report read "100% interval", which no finite interval is
    from spectral_ssl.report._document import _interval  # the formatter every claim row uses

    comparison = Comparison("VICReg small - SimCLR (probe accuracy)",
                            Estimate(mean=0.05, se=0.01, low=0.01, high=0.09, n=6, level=0.996875), 0.0)
    assert _interval(comparison) == ("VICReg small - SimCLR (probe accuracy): 0.05 (99.69% interval "
                                     "[0.01, 0.09], 6 seeds) vs threshold 0")

"""Tests of the report's document model and its three renderers (terminal text, Markdown, HTML) on
a small hand-made Report: no optimisation runs, so these are fast."""

import re

import pytest

from spectral_ssl.experiments.claims.result import ClaimResult, Comparison, Reading
from spectral_ssl.experiments.claims.stats import Estimate
from spectral_ssl.experiments.claims.tables import Table
from spectral_ssl.experiments.method_table import certificate_summary
from spectral_ssl.report import TABLE_COLUMNS, Report, render_html, render_markdown


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

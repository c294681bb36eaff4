"""Tests of spectral_ssl.report: the quick report (four methods, pairs section, SimCLR-MDS, the
paper's claims, the HTML page), end to end through the CLI, and the report on a user's data."""

import base64
import contextlib
import csv
import html.parser
import io
import json
import math
import re

import numpy as np
import pytest

import spectral_ssl.report as report_module
from spectral_ssl import cli, linalg
from spectral_ssl.report import (CLAIMS, CSV_COLUMNS, MDS_COLUMNS, METHODS, PAIRS_COLUMNS, REGIMES,
                                 TABLE_COLUMNS, check_labelled_data, pairs_sizes, run_report,
                                 swiss_roll_distances)

from markdown_tables import pipe_tables

K = 16  # the CLI's default n_components
TAU = 0.5  # SimCLR's temperature in the report
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# One worker runs every test of this module (pytest-xdist, --dist loadgroup in pyproject's addopts),
# so the quick report of the fixture below is computed once, not once per worker.
pytestmark = pytest.mark.xdist_group("quick_report")


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """``spectral-ssl report --quick``: 300 digits, VICReg ratios 0.01 and 1 plus the reference row,
    the three other methods, the pairs section and the SimCLR-MDS section."""
    out = tmp_path_factory.mktemp("report")
    stdout, stderr = io.StringIO(), io.StringIO()
    reports = []

    def keep(*args, **kwargs):  # the command's Report object, for the claims' own verdicts
        reports.append(real(*args, **kwargs))
        return reports[-1]

    real = report_module.run_report
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(report_module, "run_report", keep)
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = cli.main(["report", "--quick", "--verbose", "--out", str(out), "--seed", "0"])
    with open(out / "report.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return {"code": code, "stdout": stdout.getvalue(), "stderr": stderr.getvalue(), "out": out,
            "rows": rows, "json": data, "report": reports[0],
            "html": (out / "report.html").read_text(encoding="utf-8"),
            "markdown": (out / "report.md").read_text(encoding="utf-8"),
            "main": [r for r in data["rows"] if r["section"] == "main"],
            "pairs": [r for r in data["rows"] if r["section"] == "pairs"]}


def _one(rows, **match):
    (row,) = [r for r in rows if all(r[k] == v for k, v in match.items())]
    return row


# --------------------------------------------------------------------------- files and layout


@pytest.mark.slow
def test_exit_code_and_summary(quick):
    assert quick["code"] == 0
    n_exact = sum(r["solution"] == "exact" for r in quick["rows"])
    # 9 VICReg + 3 spectral contrastive rows on digits; in the pairs section 2 x (2 VICReg +
    # spectral contrastive) + Barlow Twins on 48 images (K <= 48 components) + SimCLR on 12 (12 - 1 <= K).
    assert n_exact == 20
    assert quick["stdout"].rstrip().endswith(
        f"certificates: {n_exact} of {n_exact} exact closed forms passed")


@pytest.mark.slow
def test_files_exist_and_are_valid_pngs(quick):
    out = quick["out"]
    # One PNG per claim figure: aligned_graph, low_data_regime and misaligned_graph have one figure
    # and rank_collapse two, on each of the mixture and digits; local_vs_global two, on the swiss roll.
    claim_files = [f"claim_{name}_{data}_{figure}.png" for name, figure in (
        ("aligned_graph", "accuracy"), ("low_data_regime", "accuracy_vs_samples"),
        ("misaligned_graph", "accuracy_by_regime"), ("rank_collapse", "singular_values"),
        ("rank_collapse", "rank_vs_invariance")) for data in ("mixture", "digits")]
    claim_files += ["claim_local_vs_global_swiss_roll_embeddings.png",
                    "claim_local_vs_global_swiss_roll_globality.png"]
    written = sorted(claim_files + ["ranks.png", "report.csv", "report.html", "report.json", "report.md",
                                    "simclr_mds.png", "spectra.png"])
    # and the list of them that makes the folder replaceable by the next report (never another)
    assert sorted(p.name for p in out.iterdir()) == sorted(written + [".spectral-ssl-files"])
    assert (out / ".spectral-ssl-files").read_text(encoding="utf-8").splitlines() == written
    assert sorted(f["file"] for f in quick["json"]["figures"]) == sorted(
        claim_files + ["ranks.png", "simclr_mds.png", "spectra.png"])
    for name in claim_files:
        assert (out / name).read_bytes()[:8] == PNG_SIGNATURE
    import matplotlib.image

    shapes = {}
    for name in ("spectra.png", "ranks.png", "simclr_mds.png"):
        assert (out / name).read_bytes()[:8] == PNG_SIGNATURE
        image = matplotlib.image.imread(out / name)
        assert image.ndim == 3 and image.shape[2] in (3, 4) and min(image.shape[:2]) > 300
        assert image[..., :3].std() > 0.05  # not a blank canvas
        shapes[name] = image.shape
    # spectra: three regime panels side by side; ranks: five panels side by side (3 regimes + 2
    # pairs problems); simclr_mds: two rows (relations) of three panels.
    assert shapes["spectra.png"][1] > 2 * shapes["spectra.png"][0]
    assert shapes["ranks.png"][1] > 3 * shapes["ranks.png"][0]
    assert shapes["simclr_mds.png"][0] < shapes["simclr_mds.png"][1] < 2 * shapes["simclr_mds.png"][0]
    with open(out / "report.csv", newline="", encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == list(CSV_COLUMNS)


@pytest.mark.slow
def test_rows_for_all_four_methods_and_regimes(quick):
    main = [(r["method"], r["regime"]) for r in quick["main"]]
    expected = [("vicreg", regime) for regime in REGIMES for _ in range(3)]
    expected += [(method, regime) for method in METHODS[1:] for regime in REGIMES]
    assert main == expected
    vicreg = [(r["invariance_ratio"], r["variance"]) for r in quick["main"] if r["method"] == "vicreg"]
    assert vicreg == [(0.01, 1.0), (1.0, 1.0), (1.0, 25.0)] * 3
    # Pairs section: two sizes, around K = 16 (12 < K < 48), VICReg at the two ends of the sweep.
    assert pairs_sizes(K, 300) == (12, 48)
    pairs = [(r["n_images"], r["method"], r["invariance_ratio"]) for r in quick["pairs"]]
    assert pairs == [(c, m, ratio) for c in (12, 48)
                     for m, ratio in (("vicreg", 0.01), ("vicreg", 1.0), ("spectral_contrastive", None),
                                      ("barlow_twins", None), ("simclr", None))]


@pytest.mark.slow
def test_ranks_are_integers_at_most_k(quick):
    for row in quick["rows"]:
        assert re.fullmatch(r"\d+", row["rank"])
        assert 0 <= int(row["rank"]) <= K
        assert int(row["n_components"]) == K
        assert re.fullmatch(r"[1-9]\d*", row["components"])


@pytest.mark.slow
def test_exact_certificates_within_1e_8(quick):
    exact = [r for r in quick["json"]["rows"] if r["solution"] == "exact"]
    assert len(exact) == 20
    for row in exact:
        assert row["exact"] is True
        assert row["cert_relative_gap"] <= 1e-8
        assert row["cert_passed"] is True and row["cert_verdict"] == "yes"
    # quick mode certifies the closed forms of the digits rows on a subsample of 60 images: 120 view
    # rows, 2 restarts; the pairs problems (24 or 96 views) are certified on themselves.
    for row in exact:
        expected = 120 if row["section"] == "main" else row["n_samples"]
        assert row["cert_n_samples"] == expected and row["cert_restarts"] == 2


@pytest.mark.slow
def test_solution_kinds(quick):
    kinds = {(r["method"], r["regime"]): r["solution"] for r in quick["main"] if r["method"] != "vicreg"}
    # Barlow Twins non-parametric: G (pairs + 10-NN) is connected, K = 16 > 1 component: no closed form.
    assert kinds == {
        ("spectral_contrastive", "nonparametric"): "exact", ("spectral_contrastive", "linear"): "exact",
        ("spectral_contrastive", "kernel"): "exact", ("barlow_twins", "nonparametric"): "numerical",
        ("barlow_twins", "linear"): "whitened", ("barlow_twins", "kernel"): "whitened",
        ("simclr", "nonparametric"): "numerical", ("simclr", "linear"): "numerical",
        ("simclr", "kernel"): "numerical"}
    for row in quick["json"]["rows"]:
        assert row["exact"] is (row["solution"] != "numerical")
        verdict = {"exact": "FAILED", "numerical": "beaten", "whitened": "lower"}[row["solution"]]
        assert row["cert_verdict"] == ("yes" if row["cert_passed"] else verdict)


@pytest.mark.slow
def test_numerical_rows_run_on_the_subsample_and_certify_themselves(quick):
    # quick: numerical_images = 60 images, 2 views each.
    for row in quick["main"]:
        if row["solution"] == "numerical":
            assert row["n_images"] == 60 and row["n_samples"] == 120
            assert row["cert_n_samples"] == row["n_samples"]


@pytest.mark.slow
def test_whitened_rows_reach_the_whitened_minimum(quick):
    # Barlow Twins' CCA: the loss recomputed from Z equals the formula
    # lam sum (1 - rho_k)^2 + (1 - lam) K (1 - mean rho)^2 (off_diagonal lam = 0.005 < 1), from the
    # canonical correlations in report.json.
    lam = 0.005
    for row in quick["main"]:
        if row["solution"] == "whitened":
            rho = np.array(row["eigenvalues"])
            assert rho.size == K and np.all(np.abs(rho) <= 1 + 1e-12)
            formula = lam * np.sum((1 - rho) ** 2) + (1 - lam) * K * (1 - rho.mean()) ** 2
            assert row["loss"] == pytest.approx(formula, rel=1e-9, abs=1e-12)


@pytest.mark.slow
def test_closed_forms_are_stationary_on_the_full_problem(quick):
    # A global optimum of the smooth loss has zero gradient; round-off level here.
    for row in quick["json"]["rows"]:
        if row["solution"] == "exact" and row["section"] == "main":
            assert row["gradient_norm"] < 1e-6


@pytest.mark.slow
def test_vicreg_rank_and_loss_follow_the_spectrum(quick):
    # variance = covariance = 1, invariance = r: t_k = max(0, 1 - r lambda_k), rank = #{t_k > 0},
    # loss = sum_k (1 - t_k)^2 + 2 r lambda_k t_k (docs/theory.md section 2), from the eigenvalues.
    for row in quick["main"]:
        if row["method"] != "vicreg":
            continue
        lam = np.array(row["eigenvalues"])
        assert lam.size == K
        if row["variance"] == 25.0:
            # water-filling row: the loss recomputed from Z equals the formula's minimal loss
            assert row["loss"] == pytest.approx(row["minimal_loss_formula"], rel=1e-9, abs=1e-12)
            continue
        r = row["invariance_ratio"]
        t = np.maximum(0.0, 1.0 - r * lam)
        assert row["rank"] == int(np.sum(t > 1e-9))
        assert row["loss"] == pytest.approx(np.sum((1 - t) ** 2 + 2 * r * lam * t), rel=1e-9, abs=1e-12)


@pytest.mark.slow
def test_spectral_contrastive_loss_follows_the_spectrum(quick):
    # Eckart-Young: loss = -sum_k max(0, nu_k)^2, nu <= 1 (eigenvalues of D^-1/2 G D^-1/2, or
    # their Rayleigh-Ritz values on the features' span). nu = 1 has one eigenvector per component
    # of G, the trivial D^1/2 1 among them, whose column of Z is constant. When that eigenspace is
    # kept whole (fewer nu_k = 1 than K), the constant is one of the columns and the rank (of the
    # centred Z) is #{nu_k > 0} - 1; when nu = 1 fills all K columns (c >= K components), the K
    # directions chosen in it may or may not contain the constant: rank K - 1 or K.
    for row in quick["json"]["rows"]:
        if row["method"] == "spectral_contrastive":
            nu = np.array(row["eigenvalues"])
            assert nu.size == K and nu.max() <= 1 + 1e-12
            assert nu[0] == pytest.approx(1.0, abs=1e-9)
            assert row["loss"] == pytest.approx(-np.sum(np.maximum(nu, 0) ** 2), rel=1e-9, abs=1e-12)
            if np.sum(nu > 1 - 1e-9) < K:
                assert row["rank"] == int(np.sum(nu > 1e-9)) - 1
            else:
                assert row["rank"] in (K - 1, K)


@pytest.mark.slow
def test_rank_does_not_grow_with_the_invariance_weight(quick):
    for regime in REGIMES:
        ranks = [r["rank"] for r in quick["main"]
                 if r["method"] == "vicreg" and r["regime"] == regime and r["variance"] == 1.0]
        assert ranks == sorted(ranks, reverse=True)


@pytest.mark.slow
def test_linear_probe_beats_chance(quick):
    # Ten balanced digit classes: chance is 0.1. The full-rank linear optima (VICReg with
    # invariance/variance = 0.01: LPP; spectral contrastive) keep K = 16 directions of the 64 pixels
    # (spectral contrastive K - 1 informative ones: its first column is the constant), which keeps
    # most of the class information; 0.5 (five times chance) leaves a wide margin.
    for row, rank in ((_one(quick["main"], method="vicreg", regime="linear", invariance_ratio=0.01), K),
                      (_one(quick["main"], method="spectral_contrastive", regime="linear"), K - 1)):
        assert row["rank"] == rank and row["probe_accuracy"] > 0.5
    # A representation collapsed to rank 0 is constant: the probe can only predict the majority
    # class, whose share of the (stratified) test images is at most 0.15.
    for row in quick["main"]:
        if row["rank"] == 0:
            assert row["probe_accuracy"] <= 0.15
    assert all(r["probe_accuracy"] is None for r in quick["pairs"])


# --------------------------------------------------------------------------- rank against components


@pytest.mark.slow
def test_components_of_the_pairs_relation_are_the_images(quick):
    for row in quick["pairs"]:
        assert row["components"] == row["n_images"] == row["n_samples"] // 2


@pytest.mark.slow
def test_barlow_twins_rank_bounded_by_components_where_its_closed_form_applies(quick):
    closed = [r for r in quick["json"]["rows"]
              if r["method"] == "barlow_twins" and r["regime"] == "nonparametric" and r["exact"]]
    assert [r["n_images"] for r in closed] == [48]  # K = 16 <= 48 components; 12 < K is numerical
    for row in closed:
        assert row["rank"] <= row["components"]
        assert row["rank"] == K and abs(row["loss"]) < 1e-10  # loss-zero: invariant, decorrelated


@pytest.mark.slow
def test_pairs_ranks_follow_the_theory(quick):
    # Pairs relation of c images, N = 2c views. Laplacian: eigenvalue 0 on the c - 1 non-constant
    # pair indicators, 2 on the c within-pair contrasts. D^-1/2 G D^-1/2: +1 on the c indicators,
    # -1 on the contrasts.
    for c in (12, 48):
        rows = [r for r in quick["pairs"] if r["n_images"] == c]
        small = _one(rows, method="vicreg", invariance_ratio=0.01)
        large = _one(rows, method="vicreg", invariance_ratio=1.0)
        contrastive = _one(rows, method="spectral_contrastive")
        simclr = _one(rows, method="simclr")
        # VICReg, t = 1 - r lambda: r = 0.01 keeps the contrasts (t = 0.98), so rank K even when
        # c < K; r = 1 drops them (t = -1), leaving at most the c - 1 indicators.
        assert small["rank"] == K
        assert large["rank"] == min(K, c - 1)
        # Spectral contrastive: only the c eigenvalues +1 are positive. With c <= K all c indicator
        # directions are kept, the constant (the trivial eigenvector D^1/2 1) among them, which the
        # rank does not count; with c > K, K directions of the c-dimensional eigenspace are kept,
        # which need not contain the constant.
        if c <= K:
            assert contrastive["rank"] == c - 1
        else:
            assert contrastive["rank"] in (K - 1, K)
        assert contrastive["loss"] == pytest.approx(-min(K, c), rel=1e-12)
        if c - 1 <= K:
            # SimCLR on C = c equal cliques of size m = 2: regular simplex, rank C - 1, loss
            # N (m - 1) log(m - 1 + (N - m) exp(-C / ((C - 1) tau))).
            N = 2 * c
            assert simclr["exact"] is True and simclr["rank"] == c - 1
            assert simclr["loss"] == pytest.approx(
                N * math.log(1 + (N - 2) * math.exp(-c / ((c - 1) * TAU))), rel=1e-12)
        else:
            assert simclr["exact"] is False
    # The contrast the section exists for: with c < K components, the contrastive optima are
    # confined to the component structure, VICReg with a small invariance weight is not.
    c = 12
    ranks = {(r["method"], r["invariance_ratio"]): r["rank"] for r in quick["pairs"] if r["n_images"] == c}
    assert ranks[("vicreg", 0.01)] > c
    assert max(ranks[("spectral_contrastive", None)], ranks[("simclr", None)]) <= c


# --------------------------------------------------------------------------- SimCLR and MDS


@pytest.mark.slow
def test_simclr_mds_agreement(quick):
    rows = {r["relation"]: r for r in quick["json"]["simclr_mds"]}
    assert sorted(rows) == ["euclidean", "geodesic"]
    for name, row in rows.items():
        assert row["n_samples"] == 150 and row["n_components"] == 8 and row["exact"] is False
        # Theorem 2 (docs/theory.md section 4): the loss is bounded below by
        # -sum G log(G / d), attained iff the chord distances match the MDS target.
        assert row["loss"] >= row["bound"] - 1e-9 * abs(row["bound"])
        # The swiss roll's Euclidean distance short-circuits its turns, so the two targets agree
        # only weakly (measured 0.38 at this size): a representation that reproduced its own target
        # exactly would score 1 with it and only about that much with the other one. 0.99 and
        # 0.6 separate the two cases by a wide margin on both sides (measured: 0.9995 and ~0.39).
        assert row["targets_spearman"] < 0.6
        assert row["spearman"] > 0.99 and row["pearson"] > 0.98
        assert row["spearman_other_target"] < 0.6
    # The Euclidean target is nearly realisable on the sphere (bound almost attained); the
    # geodesic one is longer than the sphere's diameter allows (chord^2 <= 4), so its calibrated
    # residual is larger, yet its ordering is kept.
    assert rows["euclidean"]["stress"] < 0.1 < rows["geodesic"]["stress"]


def test_swiss_roll_geodesics_follow_the_roll():
    # The geodesic distance along the roll is at least the Euclidean one, and the grid sampling
    # keeps the kNN graph on the surface: between the two ends of the roll (1.5 turns of a spiral
    # r = t, t from 1.5 pi to 4.5 pi, arc length about 88) the geodesic is far longer than the
    # straight line.
    X, t, distances = swiss_roll_distances(150, n_neighbors=8, seed=0)
    euclidean, geodesic = distances["euclidean"], distances["geodesic"]
    assert np.all(geodesic >= euclidean - 1e-9)
    first, last = np.argmin(t), np.argmax(t)
    assert geodesic[first, last] > 80 and euclidean[first, last] < 25


# --------------------------------------------------------------------------- printed output


@pytest.mark.slow
def test_printed_report_fits_a_100_column_terminal(quick):
    # every printed line, the closing ones too (they name the --out folder, a pytest path here,
    # whose length is the user's: wrapped, never cut)
    assert max(len(line) for line in quick["stdout"].splitlines()) <= 100
    stdout = quick["stdout"].split("\nwritten to")[0]
    lines = stdout.splitlines()
    # the first screen: the title with the quick label, then the verdicts and the certificates
    assert " ".join(lines[:2]) == ("spectral_ssl report: optima of VICReg, spectral contrastive, "
                                   "Barlow Twins, SimCLR on digits and the paper's claims (quick, "
                                   "indicative)")
    assert lines[4] == "Verdicts and certificates"
    assert "- exact closed forms: 20 of 20 certified" in stdout
    assert stdout.index("Verdicts and certificates") < stdout.index("Optima of the methods")
    # human headers, no code names
    for code in ("grad. norm", "cert. rel. gap", "probe acc.", "cert_verdict"):
        assert code not in stdout
    # the method table is split into parts; every part repeats method and regime, in table order
    start = lines.index("Optima of the methods on digits [quick, indicative]")
    expected = ([["vicreg", regime] for regime in REGIMES for _ in range(3)]
                + [[method, regime] for method in METHODS[1:] for regime in REGIMES])
    parts = 0
    for i in range(start, len(lines)):
        if lines[i].startswith("----") and i > start:
            body = lines[i + 1:i + 19]
            assert [line.split()[:2] for line in body] == expected
            parts += 1
        if lines[i] == "" and parts and not lines[i + 1].startswith("(part"):
            break
    assert parts >= 2
    # numbers right-aligned under their header: every probe accuracy ends where its rule ends
    probe = next(i for i in range(start, len(lines)) if lines[i].rstrip().endswith("(fraction)"))
    rule = lines[probe + 1]
    accuracies = [line for line in lines[probe + 2:probe + 20]]
    assert all(len(line) == len(rule) and re.fullmatch(r"\d\.\d{3}", line.split()[-1])
               for line in accuracies)


@pytest.mark.slow
def test_progress_lines(quick):
    # 18 digits rows + 10 pairs rows + 2 SimCLR-MDS runs + 9 claims (4 on each of the two data
    # sets, local_vs_global once); a claim's line ends with its verdict.
    steps = [int(m.group(1)) for m in re.finditer(
        r"\[(\d+)/39\] .+ \.\.\. (done|supported|not supported|inconclusive|void) in \d+\.\d s",
        quick["stderr"])]
    assert steps == list(range(1, 40))
    assert "[1/39] vicreg, nonparametric, invariance/variance=0.01 ... done" in quick["stderr"]
    assert "[23/39] simclr, pairs of 12 images, nonparametric, tau=0.5 ... done" in quick["stderr"]
    assert "[30/39] simclr-mds, geodesic relation ... done" in quick["stderr"]
    claims = quick["report"].claims
    assert f"[31/39] claim 1, aligned_graph, on mixture ... {claims[0].verdict} in" in quick["stderr"]
    assert f"[37/39] claim 4, local_vs_global, on swiss roll ... {claims[6].verdict} in" in quick["stderr"]


@pytest.mark.slow
def test_markdown_report(quick):
    text = (quick["out"] / "report.md").read_text(encoding="utf-8")
    # tables wider than 100 columns are split into parts repeating the identifying columns: every
    # part of the method table has the 18 rows, every part of the pairs table the 10, of MDS the 2
    tables = pipe_tables(text)
    main = [t for t in tables if t[0][:2] == ["method", "regime"]]
    pairs = [t for t in tables if t[0][:2] == ["method", "hyper-parameters"]]
    mds = [t for t in tables if t[0][0] == "relation" and t[2][0] == "euclidean"]
    assert main and {len(t) - 2 for t in main} == {18}
    assert pairs and {len(t) - 2 for t in pairs} == {10}
    assert len(mds) >= 2
    assert [[row[0] for row in t[2:]] for t in mds] == [["euclidean", "geodesic"]] * len(mds)
    # every column once, under its human header
    assert sorted(h for t in main for h in t[0][2:]) == sorted(h for _, h in TABLE_COLUMNS[2:])
    assert sorted(h for t in mds for h in t[0][1:]) == sorted(h for _, h in MDS_COLUMNS[1:])
    rows = [line for line in text.splitlines() if line.startswith("|")]
    assert max(len(line) for line in rows) <= 100
    assert all("_" not in header for t in tables for header in t[0])
    for image in ("![spectra](spectra.png)", "![ranks](ranks.png)", "![simclr_mds](simclr_mds.png)"):
        assert image in text
    assert "## Rank against the components of G" in text and "## SimCLR as MDS / ISOMAP" in text
    assert "stratified subsample of 60 of each regime's images" in text
    assert "on a stratified subsample of 60 images (120 views" in text  # SimCLR rows say so
    assert "Chance (majority class of the test images)" in text


@pytest.mark.slow
def test_json_config(quick):
    config = quick["json"]["config"]
    assert config["quick"] is True and config["restarts"] == 2 and config["n_components"] == K
    assert config["invariance_ratios"] == [0.01, 1.0]
    assert config["relation"] == "views+knn"
    assert config["methods"] == list(METHODS)
    assert config["numerical_images"] == 60 and config["pairs_images"] == [12, 48]
    assert config["mds"]["n_samples"] == 150 and config["blas_threads"] == 1


# --------------------------------------------------------------------------- options and errors


@pytest.mark.slow
def test_pairs_only_relation_skips_the_large_degenerate_problem(tmp_path, monkeypatch):
    # With the pairs-only relation the non-parametric optimum of VICReg and spectral contrastive is
    # degenerate; above the dense solver's size it is skipped (lowered here so that a small run
    # exercises the rule). Barlow Twins' closed form (K <= components = images) is computed.
    monkeypatch.setattr(linalg, "DENSE_MAX_SAMPLES", 50)
    report = run_report(tmp_path, quick=True, relation="views", invariance=[1.0], n_images=100,
                        certify_images=30, methods=["vicreg", "spectral_contrastive", "barlow_twins"],
                        claims=False, progress=False)
    main = report.section("main")
    skipped = [row for row in main if row["skipped"]]
    assert [(row["method"], row["regime"]) for row in skipped] == [
        ("vicreg", "nonparametric"), ("vicreg", "nonparametric"), ("spectral_contrastive", "nonparametric")]
    assert all(row["loss"] is None and row["probe_accuracy"] is None for row in skipped)
    assert len(main) == 6 + 3 + 3
    # the skipped rows show "-" in every result column: loss and rank, in the table's first part
    lines = report.table().splitlines()
    rule = next(i for i, line in enumerate(lines) if line.startswith("---"))
    assert lines[rule + 1].split()[:2] == ["vicreg", "nonparametric"]
    assert lines[rule + 1].split()[-2:] == ["-", "-"]
    barlow = [row for row in main if row["method"] == "barlow_twins" and row["regime"] == "nonparametric"]
    assert barlow[0]["exact"] and barlow[0]["components"] == 100 and barlow[0]["rank"] == K
    assert report.mds == []  # no SimCLR, no MDS section
    assert "skipped, degenerate" in (tmp_path / "report.md").read_text(encoding="utf-8")
    assert not (tmp_path / "simclr_mds.png").exists()
    # claims=False: no claim section, no claim figure; the page embeds the two figures made.
    assert report.claims == [] and report.config["claims"] is None
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<section id="claims">' not in page and "<article" not in page
    assert [f["file"] for f in report.figures] == ["spectra.png", "ranks.png"]
    assert page.count("<img ") == 2


@pytest.mark.parametrize("kwargs, message", [
    ({"n_components": 0}, "n_components must be >= 1, got 0"),
    ({"invariance": [-1.0]}, r"every invariance/variance ratio must be > 0\.0, got -1\.0\."),
    ({"invariance": []}, "invariance needs at least one"),
    ({"relation": "labels"}, r"relation must be one of \('views', 'views\+knn'\)"),
    ({"restarts": 0}, "restarts must be >= 1, got 0"),
    ({"probe": "svm"}, r"probe must be one of \('logistic', 'ridge'\)"),
    ({"n_images": 10}, "n_images must be between 40 and 1797, got 10"),
    ({"methods": ["byol"]}, r"methods must be a non-empty list of distinct names from \('vicreg', "),
    ({"methods": []}, "methods must be a non-empty list"),
    ({"methods": ["simclr", "simclr"]}, "methods must be a non-empty list of distinct names"),
    ({"mds_samples": 50}, r"mds_samples must be >= 100 \(points of the swiss roll\), got 50"),
])
def test_run_report_validation(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        run_report(tmp_path, quick=True, progress=False, write=False, **kwargs)


def test_too_many_components_is_refused_before_computing(tmp_path):
    with pytest.raises(ValueError, match=r"n_components=100 is larger than the rank of the centred "
                                         r"training views \(64\); use n_components <= 64"):
        run_report(tmp_path, quick=True, n_components=100, progress=False)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["kernel_images", "certify_images", "numerical_images"])
def test_subsample_sizes_need_two_images_per_class(tmp_path, name):
    with pytest.raises(ValueError, match=f"{name} must be >= 20 \\(two per class; or 0 / None for all images\\), got 5"):
        run_report(tmp_path, quick=True, progress=False, write=False, **{name: 5})


# --------------------------------------------------------------------------- the HTML page


class _Page(html.parser.HTMLParser):
    """Tags, attributes, ids, nesting errors and the claim articles of an HTML page."""

    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                      "source", "track", "wbr"})

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.starts, self.ids, self.errors, self.stack = [], [], [], []
        self.doctype = None
        self.articles = {}  # (claim, dataset) -> {"attrs": ..., "text": ...}
        self._article = None
        self.feed(text)
        self.close()

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.starts.append((tag, attrs))
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag not in self.VOID:
            self.stack.append(tag)
        if tag == "article":
            self._article = {"attrs": attrs, "text": ""}
            self.articles[attrs["data-claim"], attrs["data-dataset"]] = self._article

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append((tag, list(self.stack[-3:]), self.getpos()))
            return
        self.stack.pop()
        if tag == "article":
            self._article = None

    def handle_data(self, data):
        if self._article is not None:
            self._article["text"] += data


@pytest.mark.slow
def test_html_is_self_contained_and_embeds_every_figure(quick):
    page = _Page(quick["html"])
    # No external resource: no script, stylesheet link, frame or object; no URL in src/href other
    # than a data: URI (images) or a fragment of this page (the contents).
    assert not [tag for tag, _ in page.starts if tag in ("script", "link", "iframe", "object", "embed")]
    for tag, attrs in page.starts:
        for key in ("src", "href"):
            if key in attrs:
                assert attrs[key].startswith("data:image/png;base64," if key == "src" else "#"), (tag, attrs)
    assert not re.search(r"https?://", quick["html"])
    images = [attrs for tag, attrs in page.starts if tag == "img"]
    figures = quick["json"]["figures"]
    assert len(images) == len(figures) == len(quick["report"].figures) == 15
    # Each <img> is the PNG file of the same figure, byte for byte, in the order of report.figures.
    for attrs, figure in zip(images, figures):
        png = base64.b64decode(attrs["src"].split(",", 1)[1], validate=True)
        assert png == (quick["out"] / figure["file"]).read_bytes()
        assert attrs["alt"] == figure["caption"]


@pytest.mark.slow
def test_html_is_well_formed_html5(quick):
    text = quick["html"]
    page = _Page(text)
    assert text.startswith("<!DOCTYPE html>\n") and page.doctype == "DOCTYPE html"
    assert page.errors == [] and page.stack == []  # every element closed, properly nested
    tags = [tag for tag, _ in page.starts]
    assert tags[:3] == ["html", "head", "meta"] and page.starts[0][1] == {"lang": "en"}
    assert page.starts[2][1] == {"charset": "utf-8"}
    assert tags.count("title") == 1 and tags.count("style") == 1 and tags.count("h1") == 1
    assert len(page.ids) == len(set(page.ids))  # ids are unique
    anchors = [attrs["href"][1:] for tag, attrs in page.starts if tag == "a"]
    assert anchors and set(anchors) <= set(page.ids)  # every link of the page lands
    # one section per part of the report, each with its heading
    for section in ("verdicts", "methods", "pairs", "mds", "claims", "notes"):
        assert f'<section id="{section}"><h2>' in text


@pytest.mark.slow
def test_every_claim_has_its_section_and_verdict(quick):
    report = quick["report"]
    page = _Page(quick["html"])
    # aligned_graph, low_data_regime, misaligned_graph and rank_collapse on the two default data
    # sets, local_vs_global once on its swiss roll.
    expected = [(name, data) for name, _ in CLAIMS
                for data in (("swiss roll",) if name == "local_vs_global" else ("mixture", "digits"))]
    assert [(r.name, r.dataset) for r in report.claims] == expected
    assert sorted(page.articles) == sorted(expected) and report.claims_not_run == []
    marks = {"supported": "\u2714 supported", "not supported": "\u2718 not supported",
             "inconclusive": "? inconclusive", "void": "\u2205 void"}
    for result in report.claims:
        article = page.articles[result.name, result.dataset]
        verdict = result.verdict
        assert result.quick and result.label == "quick, indicative"
        assert article["attrs"]["data-verdict"] == verdict
        assert article["attrs"]["class"] == f"claim-result {verdict.replace(' ', '-')}"
        assert f"{result.name} on {result.dataset}: {marks[verdict]}" in article["text"]
        # the rule and the key numbers, and the measured table (one row per ClaimResult.table row)
        assert f"Rule. {result.rule}." in article["text"]
        assert f"Key numbers. {result.summary}" in article["text"]
        block = re.search(rf'id="{article["attrs"]["id"]}".*?</article>', quick["html"], re.DOTALL).group(0)
        assert block.count("<tr>") == len(result.table) + 1
        assert block.count("<img ") == len(result.figures)


@pytest.mark.slow
def test_markdown_json_and_html_agree_on_the_verdicts(quick):
    report, markdown, page = quick["report"], quick["markdown"], _Page(quick["html"])
    headings = dict(re.findall(r"^#### (\w+ \([\w ]+\)): \*\*(SUPPORTED|NOT SUPPORTED|INCONCLUSIVE|VOID)\*\* "
                               r"\[quick, indicative\]$", markdown, re.MULTILINE))
    assert len(headings) == len(report.claims) == 9
    stated = {(c["name"], c["dataset"]): c["verdict"] for c in quick["json"]["claims"]}
    for result in report.claims:
        in_markdown = headings[f"{result.name} ({result.dataset})"].lower()
        in_html = page.articles[result.name, result.dataset]["attrs"]["data-verdict"]
        assert in_markdown == in_html == stated[result.name, result.dataset] == result.verdict
    # the verdict table of the page and of report.md: the same verdicts, row by row
    html_rows = re.findall(r'<tr><td><a href="#claim-[\w-]+">Claim (\d): (\w+)</a></td>'
                           r'<td>([\w ]+)</td><td><span class="verdict [\w-]+">\W ([\w ]+)</span>',
                           quick["html"])
    md_rows = re.findall(r"^\| (\d)\. (\w+) +\| ([\w ]+?) +\| (supported|not supported|inconclusive|void) +\|",
                         markdown, re.MULTILINE)
    assert len(html_rows) == 9 and html_rows == md_rows
    # every claim figure of the Markdown is a PNG file beside it
    links = re.findall(r"!\[[^]]*\]\((claim_[^)]+\.png)\)", markdown)
    assert len(links) == 12 and all((quick["out"] / link).exists() for link in links)


@pytest.mark.slow
def test_claims_use_run_alls_settings_on_the_papers_mixture(quick):
    # The report calls the claims one by one through claims.claim_calls, the function run_all uses;
    # with the same seed, the mixture's results equal claims.run_all(quick=True) on the report's
    # mixture (2048 samples: the claims train on the paper's N = 256 and test on held-out samples).
    from spectral_ssl.experiments import claims
    from spectral_ssl.report import claim_datasets

    data = claim_datasets(0)[0]
    assert data.X.shape == (2048, 64)
    expected = claims.run_all(data.X, data.y, dataset="mixture", quick=True, random_state=0)
    measured = {(r.name, r.dataset): r for r in quick["report"].claims}
    for result in expected:
        dataset = "swiss roll" if result.name == "local_vs_global" else "mixture"
        mine = measured[result.name, dataset]
        assert mine.verdicts() == result.verdicts() and mine.settings == result.settings
        assert mine.columns() == result.columns() and len(mine.table) == len(result.table)
        for a, b in zip(mine.readings, result.readings):
            for ca, cb in zip(a.comparisons, b.comparisons):
                # abs: residuals of L-BFGS runs differ in their last digits between two runs
                assert ca.estimate.mean == pytest.approx(cb.estimate.mean, rel=1e-6, abs=1e-4), (result.name,)
    described = {d["name"]: d["description"] for d in quick["json"]["config"]["claims"]["datasets"]}
    assert "N=2048" in described["mixture"] and "174 images of each digit" in described["digits"]
    assert quick["json"]["config"]["claims"]["label"] == "quick, indicative"


@pytest.mark.slow
def test_printed_claim_verdicts(quick):
    report = quick["report"]
    lines = quick["stdout"].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Verdicts of the paper's claims"))
    assert (lines[start] + " " + lines[start + 1]).endswith("threshold) [quick, indicative]")
    rule = next(i for i in range(start, len(lines)) if lines[i].startswith("---"))
    printed = [re.split(r"\s{2,}", line.strip())[:3] for line in lines[rule + 1:]
               if re.match(r"\d\. \w+ ", line)][:9]
    assert printed == [[f"{CLAIMS.index(next(c for c in CLAIMS if c[0] == r.name)) + 1}. {r.name}",
                        r.dataset, r.verdict] for r in report.claims]
    # each verdict comes with the number that decides it and its interval against the threshold
    block = "\n".join(lines[rule + 1:rule + 60])
    assert block.count("interval [") >= 9 and block.count("threshold") >= 9
    supported = sum(r.supported for r in report.claims)
    printed = " ".join(quick["stdout"].split())  # the closing lines wrap at 100 columns
    assert f"claims: {supported} of 9 supported (rules and numbers in report.html)" in printed
    assert "report.html, report.md, report.csv, report.json and 15 figures (PNG)" in printed


# --------------------------------------------------------------------------- the report on --data


def _labelled(n_per_class, n_features=8, n_classes=3, seed=0):
    """Separable classes: class c is shifted by 3 along feature c."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(n_classes), n_per_class)
    return rng.standard_normal((y.size, n_features)) + 3.0 * np.eye(n_features)[y], y


def _cli(*args):
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = cli.main(["report", *args])
    return code, stdout.getvalue(), stderr.getvalue()


QUICK_DATA = ("--quick", "--quiet", "--methods", "vicreg", "--invariance", "0.01", "--n-components", "4")


@pytest.mark.slow
def test_data_npy_with_labels_end_to_end(tmp_path):
    X, y = _labelled(30)
    np.save(tmp_path / "features.npy", X)
    np.save(tmp_path / "classes.npy", y)
    out = tmp_path / "out"
    code, stdout, stderr = _cli(*QUICK_DATA, "--data", str(tmp_path / "features.npy"),
                                "--labels", str(tmp_path / "classes.npy"), "--out", str(out))
    # the package's warnings (collapses counted, others once each) as one line each, nothing else
    assert code == 0 and all(line.startswith("spectral-ssl report: warning: ") for line in stderr.splitlines())
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["config"]["data_name"] == "features"
    assert data["config"]["views"]["augment"] == ["noise"]  # no pixel shift on non-images
    # method table on the 90 samples: 180 views for the non-parametric regime, 2 x 63 training
    # samples (stratified 70 %) for the linear one; the classes are separable (chance 1/3).
    main = [r for r in data["rows"] if r["section"] == "main"]
    assert [(r["regime"], r["n_samples"]) for r in main] == [
        ("nonparametric", 180), ("nonparametric", 180), ("linear", 126), ("linear", 126),
        ("kernel", 126), ("kernel", 126)]
    linear = next(r for r in main if r["regime"] == "linear" and r["variance"] == 1.0)
    assert linear["rank"] == 4 and linear["probe_accuracy"] > 0.9
    # all five claims ran: four on the file's data (named after it), local_vs_global on the roll
    assert [(c["name"], c["dataset"]) for c in data["claims"]] == [
        (name, "swiss roll" if name == "local_vs_global" else "features") for name, _ in CLAIMS]
    page = _Page((out / "report.html").read_text(encoding="utf-8"))
    for claim in data["claims"]:
        assert page.articles[claim["name"], claim["dataset"]]["attrs"]["data-verdict"] == claim["verdict"]
    supported = sum(claim["supported"] for claim in data["claims"])
    assert f"claims: {supported} of 5 supported (rules and numbers in report.html)" in stdout
    assert "local_vs_global runs on a swiss roll, whose intrinsic (unrolled) distances are known, " \
           "not on your data." in (out / "report.md").read_text(encoding="utf-8")
    # spectra and ranks (no SimCLR: no MDS figure) + 7 claim figures (1 + 1 + 1 + 2 + 2)
    assert len([tag for tag, _ in page.starts if tag == "img"]) == len(data["figures"]) == 9


@pytest.mark.slow
def test_data_labelled_csv_end_to_end_with_a_claim_not_run(tmp_path):
    # 11 samples per class with text labels: low_data_regime needs 12 per class (2 training
    # samples plus 10 test samples), so it is listed as not run with the reason; the other
    # claims run.
    X, y = _labelled(11)
    names = np.array(["ant", "bee", "cow"])[y]
    path = tmp_path / "animals.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([f"x{i}" for i in range(X.shape[1])] + ["label"])
        writer.writerows([list(map(float, row)) + [name] for row, name in zip(X, names)])
    out = tmp_path / "out"
    code, stdout, _ = _cli(*QUICK_DATA, "--data", str(path), "--out", str(out))
    assert code == 0
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    verdicts = {(c["name"], c["dataset"]): c["verdict"] for c in data["claims"]}
    assert verdicts[("low_data_regime", "animals")] == "not run"
    assert sum(v == "not run" for v in verdicts.values()) == 1 and len(verdicts) == 5
    printed = " ".join(stdout.split())  # lines wrap at 100 columns
    assert "low_data_regime not run on animals: needs at least 12 samples in every class" in printed
    page = _Page((out / "report.html").read_text(encoding="utf-8"))
    article = page.articles["low_data_regime", "animals"]
    assert article["attrs"]["data-verdict"] == "not run"
    assert "Reason. needs at least 12 samples in every class" in article["text"]
    assert "#### low_data_regime (animals): **NOT RUN**" in (out / "report.md").read_text(encoding="utf-8")
    assert {r["n_images"] for r in data["rows"] if r["section"] == "main"} <= {33, 23}  # all, 70 % train


@pytest.mark.parametrize("files, message", [
    ({"data": "missing.npy", "labels": "y.npy"}, r"--data: file '.*missing\.npy' does not exist"),
    ({"data": "X.npy"}, r"--data: '.*X\.npy' holds no labels; give them with --labels FILE"),
    ({"data": "nolabel.csv"}, r"--data: '.*nolabel\.csv' needs a header line with exactly one column "
                              r"named 'label'"),
    ({"data": "X.txt", "labels": "y.npy"}, r"--data: .*X\.txt"),
    ({"data": "one_class.npy", "labels": "one_class_y.npy"},
     r"--data: the labels hold a single class \(0\); the report needs at least two classes"),
    ({"data": "X.npy", "labels": "small_y.npy"},
     r"--data: class 2 has only 2 sample\(s\); every class needs at least 4"),
    ({"data": "nan.npy", "labels": "y.npy"}, r"--data \(.*nan\.npy\) contains NaN or inf"),
])
def test_bad_data_exits_1_with_a_message_naming_data(tmp_path, files, message):
    X, y = _labelled(10)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "one_class.npy", X[:10])
    np.save(tmp_path / "one_class_y.npy", y[:10])
    np.save(tmp_path / "small_y.npy", np.r_[np.zeros(14, int), np.ones(14, int), [2, 2]])
    np.save(tmp_path / "nan.npy", np.where(np.arange(X.size).reshape(X.shape) == 5, np.nan, X))
    (tmp_path / "nolabel.csv").write_text("a,b\n1,2\n3,4\n", encoding="utf-8")
    (tmp_path / "X.txt").write_text("1 2\n3 4\n", encoding="utf-8")
    args = ["--data", str(tmp_path / files["data"])]
    if "labels" in files:
        args += ["--labels", str(tmp_path / files["labels"])]
    code, stdout, stderr = _cli("--quick", "--quiet", "--out", str(tmp_path / "out"), *args)
    assert code == 1 and stdout == ""
    (line,) = stderr.splitlines()  # one clean line, no traceback
    assert re.fullmatch(r"spectral-ssl report: error: " + message + r".*", line)
    assert not (tmp_path / "out").exists()  # refused before anything was computed or written


def test_labels_without_data_is_a_usage_error(tmp_path):
    with pytest.raises(SystemExit) as exit_info, contextlib.redirect_stderr(io.StringIO()) as err:
        cli.main(["report", "--labels", str(tmp_path / "y.npy"), "--out", str(tmp_path)])
    assert exit_info.value.code == 2
    assert err.getvalue().splitlines()[-1] == (
        "spectral-ssl report: error: argument --labels: needs --data FILE, the features the labels "
        "belong to")


@pytest.mark.parametrize("X, y, message", [
    (np.zeros((8, 3, 1)), np.zeros(8), r"data: the features must be a 2-D array .* shape \(8, 3, 1\)"),
    (np.zeros((8, 1)), np.r_[np.zeros(4), np.ones(4)],
     r"data: 1 feature column; the report needs at least 2"),
    (np.zeros((8, 2)), np.zeros(7), r"data: 8 samples but labels of shape \(7,\); give one label per sample"),
    (np.full((8, 2), np.inf), np.r_[np.zeros(4), np.ones(4)], r"data: the features contain NaN or infinite"),
    (np.zeros((9, 2)), np.array(list("aaaabbbbc")), r"data: class 'c' has only 1 sample\(s\)"),
])
def test_check_labelled_data(X, y, message):
    with pytest.raises(ValueError, match=message):
        check_labelled_data(X, y)
    ok_X, ok_y = check_labelled_data(np.ones((8, 2)), np.array(list("aaaabbbb")))
    assert ok_X.dtype == np.float64 and ok_y.tolist() == list("aaaabbbb")


def test_a_too_large_n_components_names_the_option(tmp_path):
    # the error named the Python argument (n_components=16) and not the option the user typed
    X, y = _labelled(10, n_features=4)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    code, _, stderr = _cli("--quick", "--no-claims", "--data", str(tmp_path / "X.npy"), "--labels",
                           str(tmp_path / "y.npy"), "--out", str(tmp_path / "out"))
    assert code == 1 and stderr.startswith("spectral-ssl report: error: --n-components: n_components=16 is "
                                           "larger than the rank of the centred training views (4)")


def test_the_reports_warnings_are_one_line_each():
    # report printed Python's warning display (file, line and source line) for each of ~40
    # collapses; now the package's warnings are one line each and collapses one counted line
    import warnings

    from spectral_ssl import _cli_report
    from spectral_ssl.exceptions import CollapseWarning, ConvergenceWarning

    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), warnings.catch_warnings():
        warnings.simplefilter("always")
        shown = _cli_report.ReportWarnings()
        warnings.showwarning = shown
        for k in range(3):
            warnings.warn(f"collapse {k}", CollapseWarning)
        warnings.warn("not stationary", ConvergenceWarning)
        shown.summary()
    assert stderr.getvalue().splitlines() == [
        "spectral-ssl report: warning: ConvergenceWarning: not stationary",
        "spectral-ssl report: warning: CollapseWarning: 3 optima keep fewer directions than asked for (the "
        "rank column of report.csv shows which; each is still the optimum of its loss)"]

"""Tests of spectral_ssl.report: the quick report (four methods, pairs section, SimCLR-MDS), end to end
through the CLI."""

import contextlib
import csv
import io
import json
import math
import re

import numpy as np
import pytest

from spectral_ssl import cli, linalg
from spectral_ssl.report import (CSV_COLUMNS, METHODS, MDS_COLUMNS, PAIRS_COLUMNS, REGIMES,
                                 TABLE_COLUMNS, pairs_sizes, run_report, swiss_roll_distances)

K = 16  # the CLI's default n_components
TAU = 0.5  # SimCLR's temperature in the report
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """``spectral-ssl report --quick``: 300 digits, VICReg ratios 0.01 and 1 plus the reference row,
    the three other methods, the pairs section and the SimCLR-MDS section."""
    out = tmp_path_factory.mktemp("report")
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = cli.main(["report", "--quick", "--out", str(out), "--seed", "0"])
    with open(out / "report.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return {"code": code, "stdout": stdout.getvalue(), "stderr": stderr.getvalue(), "out": out,
            "rows": rows, "json": data,
            "main": [r for r in data["rows"] if r["section"] == "main"],
            "pairs": [r for r in data["rows"] if r["section"] == "pairs"]}


def _one(rows, **match):
    (row,) = [r for r in rows if all(r[k] == v for k, v in match.items())]
    return row


# --------------------------------------------------------------------------- files and layout


def test_exit_code_and_summary(quick):
    assert quick["code"] == 0
    n_exact = sum(r["solution"] == "exact" for r in quick["rows"])
    # 9 VICReg + 3 spectral contrastive rows on digits; in the pairs section 2 x (2 VICReg +
    # spectral contrastive) + Barlow Twins on 48 images (K <= 48 components) + SimCLR on 12 (12 - 1 <= K).
    assert n_exact == 20
    assert quick["stdout"].rstrip().endswith(
        f"certificates: {n_exact} of {n_exact} exact closed forms passed")


def test_files_exist_and_are_valid_pngs(quick):
    out = quick["out"]
    assert sorted(p.name for p in out.iterdir()) == [
        "ranks.png", "report.csv", "report.json", "report.md", "simclr_mds.png", "spectra.png"]
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


def test_ranks_are_integers_at_most_k(quick):
    for row in quick["rows"]:
        assert re.fullmatch(r"\d+", row["rank"])
        assert 0 <= int(row["rank"]) <= K
        assert int(row["n_components"]) == K
        assert re.fullmatch(r"[1-9]\d*", row["components"])


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


def test_numerical_rows_run_on_the_subsample_and_certify_themselves(quick):
    # quick: numerical_images = 60 images, 2 views each.
    for row in quick["main"]:
        if row["solution"] == "numerical":
            assert row["n_images"] == 60 and row["n_samples"] == 120
            assert row["cert_n_samples"] == row["n_samples"]


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


def test_closed_forms_are_stationary_on_the_full_problem(quick):
    # A global optimum of the smooth loss has zero gradient; round-off level here.
    for row in quick["json"]["rows"]:
        if row["solution"] == "exact" and row["section"] == "main":
            assert row["gradient_norm"] < 1e-6


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


def test_spectral_contrastive_loss_follows_the_spectrum(quick):
    # Eckart-Young: loss = -sum_k max(0, nu_k)^2, rank = #{nu_k > 0}, nu <= 1 (eigenvalues of
    # D^-1/2 G D^-1/2, or their Rayleigh-Ritz values on the features' span).
    for row in quick["json"]["rows"]:
        if row["method"] == "spectral_contrastive":
            nu = np.array(row["eigenvalues"])
            assert nu.size == K and nu.max() <= 1 + 1e-12
            assert row["loss"] == pytest.approx(-np.sum(np.maximum(nu, 0) ** 2), rel=1e-9, abs=1e-12)
            assert row["rank"] == int(np.sum(nu > 1e-9))


def test_rank_does_not_grow_with_the_invariance_weight(quick):
    for regime in REGIMES:
        ranks = [r["rank"] for r in quick["main"]
                 if r["method"] == "vicreg" and r["regime"] == regime and r["variance"] == 1.0]
        assert ranks == sorted(ranks, reverse=True)


def test_linear_probe_beats_chance(quick):
    # Ten balanced digit classes: chance is 0.1. The full-rank linear optima (VICReg with
    # invariance/variance = 0.01: LPP; spectral contrastive) keep K = 16 directions of the 64 pixels,
    # which keeps most of the class information; 0.5 (five times chance) leaves a wide margin.
    for row in (_one(quick["main"], method="vicreg", regime="linear", invariance_ratio=0.01),
                _one(quick["main"], method="spectral_contrastive", regime="linear")):
        assert row["rank"] == K and row["probe_accuracy"] > 0.5
    # A representation collapsed to rank 0 is constant: the probe can only predict the majority
    # class, whose share of the (stratified) test images is at most 0.15.
    for row in quick["main"]:
        if row["rank"] == 0:
            assert row["probe_accuracy"] <= 0.15
    assert all(r["probe_accuracy"] is None for r in quick["pairs"])


# --------------------------------------------------------------------------- rank against components


def test_components_of_the_pairs_relation_are_the_images(quick):
    for row in quick["pairs"]:
        assert row["components"] == row["n_images"] == row["n_samples"] // 2


def test_barlow_twins_rank_bounded_by_components_where_its_closed_form_applies(quick):
    closed = [r for r in quick["json"]["rows"]
              if r["method"] == "barlow_twins" and r["regime"] == "nonparametric" and r["exact"]]
    assert [r["n_images"] for r in closed] == [48]  # K = 16 <= 48 components; 12 < K is numerical
    for row in closed:
        assert row["rank"] <= row["components"]
        assert row["rank"] == K and abs(row["loss"]) < 1e-10  # loss-zero: invariant, decorrelated


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
        # Spectral contrastive: only the c eigenvalues +1 are positive.
        assert contrastive["rank"] == min(K, c)
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


def test_printed_tables_are_aligned(quick):
    lines = quick["stdout"].splitlines()
    for columns, first_word, count in ((TABLE_COLUMNS, "method", 18), (PAIRS_COLUMNS, "method", 10),
                                       (MDS_COLUMNS, "relation", 2)):
        headers = [header for _, header in columns]
        start = next(i for i, line in enumerate(lines) if re.split(r"\s{2,}", line) == headers)
        table = lines[start:start + 1 + count]
        assert table[0].split()[0] == first_word
        # numbers are right-aligned: every row has a character where each numeric header ends,
        # and a blank (or the end of the line) just after it
        for key, header in columns:
            if key in ("method", "regime", "hyperparameters", "solution", "cert_verdict",
                       "relation", "equivalent"):
                continue
            end = table[0].index(header) + len(header)
            for line in table[1:]:
                assert line[end - 1] != " " and (len(line) == end or line[end] == " ")
        assert lines[start + 1 + count].strip() == ""
    main_start = next(i for i, line in enumerate(lines) if line.startswith("method  "))
    assert [line.split()[:2] for line in lines[main_start + 1:main_start + 19]] == (
        [["vicreg", regime] for regime in REGIMES for _ in range(3)]
        + [[method, regime] for method in METHODS[1:] for regime in REGIMES])


def test_progress_lines(quick):
    # 18 digits rows + 10 pairs rows + 2 SimCLR-MDS runs
    steps = [int(m.group(1)) for m in re.finditer(r"\[(\d+)/30\] .+ \.\.\. done in \d+\.\d s",
                                                  quick["stderr"])]
    assert steps == list(range(1, 31))
    assert "[1/30] vicreg, nonparametric, invariance/variance=0.01 ... done" in quick["stderr"]
    assert "[23/30] simclr, pairs of 12 images, nonparametric, tau=0.5 ... done" in quick["stderr"]
    assert "[30/30] simclr-mds, geodesic relation ... done" in quick["stderr"]


def test_markdown_report(quick):
    text = (quick["out"] / "report.md").read_text(encoding="utf-8")
    table_rows = [line for line in text.splitlines()
                  if re.match(r"\| (vicreg|spectral_contrastive|barlow_twins|simclr) ", line)]
    assert len(table_rows) == 18 + 10
    mds_rows = [line for line in text.splitlines() if re.match(r"\| (euclidean|geodesic) ", line)]
    assert len(mds_rows) == 2
    for image in ("![spectra](spectra.png)", "![ranks](ranks.png)", "![simclr_mds](simclr_mds.png)"):
        assert image in text
    assert "## Rank against the components of G" in text and "## SimCLR as MDS / ISOMAP" in text
    assert "stratified subsample of 60 of each regime's images" in text
    assert "on a stratified subsample of 60 images (120 views" in text  # SimCLR rows say so
    assert "Chance (majority class of the test images)" in text


def test_json_config(quick):
    config = quick["json"]["config"]
    assert config["quick"] is True and config["restarts"] == 2 and config["n_components"] == K
    assert config["invariance_ratios"] == [0.01, 1.0]
    assert config["relation"] == "views+knn"
    assert config["methods"] == list(METHODS)
    assert config["numerical_images"] == 60 and config["pairs_images"] == [12, 48]
    assert config["mds"]["n_samples"] == 150 and config["blas_threads"] == 1


# --------------------------------------------------------------------------- options and errors


def test_pairs_only_relation_skips_the_large_degenerate_problem(tmp_path, monkeypatch):
    # With the pairs-only relation the non-parametric optimum of VICReg and spectral contrastive is
    # degenerate; above the dense solver's size it is skipped (lowered here so that a small run
    # exercises the rule). Barlow Twins' closed form (K <= components = images) is computed.
    monkeypatch.setattr(linalg, "DENSE_MAX_SAMPLES", 50)
    report = run_report(tmp_path, quick=True, relation="views", invariance=[1.0], n_images=100,
                        certify_images=30, methods=["vicreg", "spectral_contrastive", "barlow_twins"],
                        progress=False)
    main = report.section("main")
    skipped = [row for row in main if row["skipped"]]
    assert [(row["method"], row["regime"]) for row in skipped] == [
        ("vicreg", "nonparametric"), ("vicreg", "nonparametric"), ("spectral_contrastive", "nonparametric")]
    assert all(row["loss"] is None and row["probe_accuracy"] is None for row in skipped)
    assert len(main) == 6 + 3 + 3
    lines = report.table().splitlines()
    assert lines[1].split()[-2:] == ["-", "-"]
    barlow = [row for row in main if row["method"] == "barlow_twins" and row["regime"] == "nonparametric"]
    assert barlow[0]["exact"] and barlow[0]["components"] == 100 and barlow[0]["rank"] == K
    assert report.mds == []  # no SimCLR, no MDS section
    assert "skipped, degenerate" in (tmp_path / "report.md").read_text(encoding="utf-8")
    assert not (tmp_path / "simclr_mds.png").exists()


@pytest.mark.parametrize("kwargs, message", [
    ({"n_components": 0}, "n_components must be an integer >= 1, got 0"),
    ({"invariance": [-1.0]}, "every invariance/variance ratio must be a finite number > 0"),
    ({"invariance": []}, "invariance needs at least one"),
    ({"relation": "labels"}, r"relation must be one of \('views', 'views\+knn'\)"),
    ({"restarts": 0}, "restarts must be an integer >= 1"),
    ({"probe": "svm"}, r"probe must be one of \('logistic', 'ridge'\)"),
    ({"n_images": 10}, "n_images must be between 40 and 1797, got 10"),
    ({"methods": ["byol"]}, r"methods must be a non-empty list of distinct names from \('vicreg', "),
    ({"methods": []}, "methods must be a non-empty list"),
    ({"methods": ["simclr", "simclr"]}, "methods must be a non-empty list of distinct names"),
    ({"mds_samples": 50}, r"mds_samples must be an integer >= 100 \(points of the swiss roll\), got 50"),
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
    with pytest.raises(ValueError, match=f"{name} must be an integer >= 20 \\(two per class\\)"):
        run_report(tmp_path, quick=True, progress=False, write=False, **{name: 5})

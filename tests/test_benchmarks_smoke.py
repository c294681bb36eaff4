"""Smoke test of the benchmark entry point: it runs at the tiny size and writes parseable results.

Nothing here is timed; the numbers checked are the ones every run must produce
(statuses, agreement between solvers), not speeds.
"""

import json
import math
import os
import sys

import pytest

# Running every suite at the tiny size takes about a minute: CI runs it after the default suite.
pytestmark = pytest.mark.slow

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    sys.path.insert(0, ROOT)
    try:
        from benchmarks.__main__ import main
    finally:
        sys.path.remove(ROOT)
    out = tmp_path_factory.mktemp("bench")
    assert main(["--sizes", "tiny", "--out", str(out)]) == 0
    return out


def test_results_files_exist_and_parse(tiny_run):
    results = json.loads((tiny_run / "results.json").read_text())
    assert results["sizes"] == "tiny"
    assert set(results["suites"]) == {"spectral", "linear", "lbfgs", "dask", "factor", "default",
                                      "lobpcg", "public_linear"}
    text = (tiny_run / "results.md").read_text()
    assert text.startswith("# spectral_ssl benchmarks")
    for heading in ("## (a)", "## (b)", "## (c)", "## (d)", "## (e)", "## (f)", "## (g)", "## (h)"):
        assert text.count(heading) == 1
    # every table row has as many cells as its header
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if line.startswith("|")]
        if lines:
            assert len({line.count("|") for line in lines}) == 1


def test_spectral_cases_ran_and_solved_accurately(tiny_run):
    rows = json.loads((tiny_run / "results.json").read_text())["suites"]["spectral"]
    ours = [r for r in rows if r["method"].startswith("spectral_ssl")]
    assert len(ours) == 10  # 5 cases x 2 graphs (swiss roll, blob)
    assert {r["graph"] for r in rows} == {"swiss_roll", "blob"}
    assert all(r["status"] == "ok" for r in rows)
    assert all(r["peak_rss_mib"] > 0 and math.isfinite(r["time_s"]) for r in ours)
    matched = [r for r in ours if r.get("tol") is not None and "laplacian_eigenmaps" in r["method"]]
    tight = [r for r in ours if r not in matched]
    assert len(matched) == 4 and len(tight) == 6
    assert max(r["residual_rel"] for r in tight) < 1e-9
    assert max(r["eigenvalue_rel_err"] for r in tight) < 1e-8


@pytest.mark.extra
def test_matched_cases_stop_no_later_than_scikit_learns_amg(tiny_run):
    rows = json.loads((tiny_run / "results.json").read_text())["suites"]["spectral"]
    if not any(r["method"] == "sklearn SpectralEmbedding (amg)" for r in rows):
        pytest.skip("pyamg is not installed (the amg extra): scikit-learn's AMG solver was not run")
    matched = [r for r in rows if r["method"].startswith("spectral_ssl") and r.get("tol") is not None
               and "laplacian_eigenmaps" in r["method"]]
    for graph in ("swiss_roll", "blob"):
        amg = next(r for r in rows if r["graph"] == graph and r["method"] == "sklearn SpectralEmbedding (amg)")
        for row in (r for r in matched if r["graph"] == graph):
            # the matched cases stop at a residual no larger than scikit-learn AMG's
            assert row["tol"] <= amg["residual_rel"]
            assert row["residual_rel"] <= row["tol"]
            assert row["vs_amg"] > 0


def test_linear_and_lbfgs_cases_agree_with_the_closed_form(tiny_run):
    suites = json.loads((tiny_run / "results.json").read_text())["suites"]
    in_memory = suites["linear"][0]
    assert in_memory["status"] == "ok" and in_memory["W_rel_diff"] < 1e-10
    assert suites["linear"][1]["status"] == "ok"
    for row in suites["lbfgs"]:
        assert row["status"] == "ok"
        # neither peer beats the closed form by more than round-off
        assert row["final_rel_gap"] > -1e-9
        if "adam_runs" in row:
            assert len(row["adam_runs"]) == 3
            assert min(r["final_rel_gap"] for r in row["adam_runs"]) > -1e-9


def test_dask_case_ran_or_was_skipped(tiny_run):
    rows = json.loads((tiny_run / "results.json").read_text())["suites"]["dask"]
    if rows[0]["status"].startswith("skipped"):
        pytest.skip("dask is not installed: the suite records that it was skipped")
    cluster = next(r for r in rows if r["case"].startswith("dask"))
    assert cluster["status"] == "ok" and len(cluster["worker_peak_rss_mib"]) == 2
    assert cluster["W_rel_diff_vs_single"] < 1e-10


def test_factor_cases_ran_and_the_symmetric_factor_is_smaller(tiny_run):
    rows = json.loads((tiny_run / "results.json").read_text())["suites"]["factor"]
    assert len(rows) == 4 and all(r["status"] == "ok" for r in rows)
    for default, symmetric in zip(rows[::2], rows[1::2]):
        assert "SciPy" in default["factor"] and "symmetric" in symmetric["factor"]
        assert default["graph"] == symmetric["graph"]
        # both orderings are deterministic on the seeded graphs: the symmetric one fills in less
        assert 0 < symmetric["factor_nnz"] < default["factor_nnz"]
        assert default["nnz_vs_symmetric"] == default["factor_nnz"] / symmetric["factor_nnz"]


def test_default_cases_ran_and_reached_round_off(tiny_run):
    rows = json.loads((tiny_run / "results.json").read_text())["suites"]["default"]
    assert [(r["graph"], r["method"].split()[0]) for r in rows] == [
        ("swiss_roll", "spectral_ssl"), ("swiss_roll", "sklearn"), ("blob", "spectral_ssl"), ("blob", "sklearn")]
    assert all(r["status"] == "ok" and r["peak_rss_mib"] > 0 for r in rows)
    for ours, theirs in zip(rows[::2], rows[1::2]):
        # N = 2500: `auto` is ARPACK, at round-off like scikit-learn's ARPACK
        assert ours["solver_used"] == "arpack"
        assert ours["residual_rel"] < 1e-13 and theirs["residual_rel"] < 1e-13
        assert ours["vs_sklearn"] == ours["time_s"] / theirs["time_s"]
        assert ours["time_s"] == min(ours["times_s"])


@pytest.mark.extra
def test_lobpcg_cases_agree_at_the_tolerance(tiny_run):
    rows = json.loads((tiny_run / "results.json").read_text())["suites"]["lobpcg"]
    if rows[0]["status"].startswith("skipped"):
        pytest.skip("pyamg is not installed (the amg extra): the suite records that it was skipped")
    assert len(rows) == 5 and all(r["status"] == "ok" for r in rows)
    for row in rows:
        assert row["residual_rel"] <= 1e-10  # every variant stops at tol = 1e-10
        assert row["eig_rel_diff"] < 1e-8  # and finds the same eigenvalues

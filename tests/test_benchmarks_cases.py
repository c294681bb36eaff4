"""``python -m benchmarks --only default --cases GRAPH:N``: which graphs run and how rows merge."""

import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, ROOT)
    try:
        import benchmarks.__main__ as module
    finally:
        sys.path.remove(ROOT)
    return module


KNOWN = [("swiss_roll", 10_000), ("blob", 10_000), ("swiss_roll", 100_000), ("blob", 100_000)]


def test_cases_are_parsed_in_the_suite_order(bench):
    assert bench._parse_cases("blob:100000, swiss_roll:10000", KNOWN) == [
        ("swiss_roll", 10_000), ("blob", 100_000)]
    assert bench._parse_cases("blob:5", KNOWN) is None
    assert bench._parse_cases("blob", KNOWN) is None
    assert bench._parse_cases("cube:10000", KNOWN) is None


def test_new_rows_replace_their_graphs_and_keep_the_others(bench):
    earlier = [{"graph": "swiss_roll", "n": 10_000, "method": "a"},
               {"graph": "swiss_roll", "n": 100_000, "method": "a"}]
    new = [{"graph": "blob", "n": 10_000, "method": "a"}, {"graph": "blob", "n": 10_000, "method": "b"}]
    merged = bench._merge_case_rows(earlier, new, KNOWN)
    assert [(r["graph"], r["n"], r["method"]) for r in merged] == [
        ("swiss_roll", 10_000, "a"), ("blob", 10_000, "a"), ("blob", 10_000, "b"),
        ("swiss_roll", 100_000, "a")]


def test_cases_need_suite_default_and_known_graphs(bench, tmp_path, capsys):
    with pytest.raises(SystemExit):
        bench.main(["--only", "spectral", "--cases", "blob:2500", "--out", str(tmp_path)])
    assert "--cases takes GRAPH:N pairs of suite default" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        bench.main(["--sizes", "tiny", "--only", "default", "--cases", "blob:3", "--out", str(tmp_path)])
    assert "swiss_roll:2500, blob:2500" in capsys.readouterr().err


@pytest.mark.extra
def test_amg_hierarchy_benchmark_solves_with_both_hierarchies(tmp_path):
    pytest.importorskip("pyamg")
    import json

    sys.path.insert(0, ROOT)
    try:
        from benchmarks import amg_hierarchy
    finally:
        sys.path.remove(ROOT)
    assert amg_hierarchy.main(["--cases", "blob:3000", "--repeats", "1", "--out", str(tmp_path)]) == 0
    rows = json.loads((tmp_path / "amg_hierarchy.json").read_text())["rows"]
    # the "own" process really ran without pyamg
    assert [(row["hierarchy"], row["kind"]) for row in rows] == [("pyamg", "amg"), ("own", "aggregation")]
    for row in rows:
        assert row["status"] == "ok" and row["residual_rel"] <= 1e-10
        assert row["eig_rel_diff"] < 1e-8
    assert "| blob | 3,000 | own | aggregation | ok |" in (tmp_path / "amg_hierarchy.md").read_text()


def test_the_header_names_every_run_whose_rows_are_kept(bench):
    record = {"date": "D2", "load_average": [1.0], "pyamg": None, "cases": ["blob:100000"],
              "earlier": {"date": "D1", "load_average": [0.5], "pyamg": None}}
    assert bench._run_text("default", record) == (
        "default on D2 (load [1.0], pyamg absent) for blob:100000, its other rows "
        "default on D1 (load [0.5], pyamg absent)")

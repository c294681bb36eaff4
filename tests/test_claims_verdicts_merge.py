"""The merge of verdict-stability result files (benchmarks/claims_verdicts.py): a rerun replaces its runs."""

import json

from benchmarks import claims_verdicts


def _run(claim, dataset, seed, verdict, cpu):
    comparison = {"label": "a - b", "regime": "K = D", "threshold": 0.01, "verdict": verdict, "mean": 0.02,
                  "se": 0.001, "low": 0.015, "high": 0.025, "n": 5, "level": 0.95, "values": [0.02] * 5}
    return {"claim": claim, "dataset": dataset, "seed": seed, "cpu_s": cpu, "verdict": verdict,
            "readings": [{"name": "reading", "primary": True, "verdict": verdict, "comparisons": [comparison]}],
            "failed_design_checks": []}


def _file(path, datasets, runs, elapsed, seeds=(0, 1)):
    results = {"seeds": list(seeds), "datasets": datasets, "tiny": False, "started": "t0", "finished": "t1",
               "machine": "m", "settings": {"misaligned_graph": {"n_seeds": 5}}, "setting_notes": {},
               "elapsed_s": elapsed, "cpu_s": sum(r["cpu_s"] for r in runs), "runs": runs}
    path.write_text(json.dumps(results))
    return str(path)


def test_a_rerun_replaces_the_old_runs_and_keeps_the_others(tmp_path):
    old = _file(tmp_path / "old.json", ["mixture", "digits"],
                [_run("misaligned_graph", d, s, "inconclusive", 60.0) for d in ("mixture", "digits") for s in (0, 1)]
                + [_run("rank_collapse", "mixture", s, "supported", 30.0) for s in (0, 1)], 600.0)
    new_a = _file(tmp_path / "a.json", ["mixture"],
                  [_run("misaligned_graph", "mixture", s, "supported", 6.0) for s in (0, 1)], 100.0)
    new_b = _file(tmp_path / "b.json", ["digits", "wine"],
                  [_run("misaligned_graph", d, s, "supported", 12.0) for d in ("digits", "wine") for s in (0, 1)],
                  200.0)
    claims_verdicts.merge([old, new_a, new_b], str(tmp_path / "out"))
    merged = json.loads((tmp_path / "out" / "claims_verdicts.json").read_text())
    assert merged["datasets"] == ["mixture", "digits", "wine"]
    runs = {(r["claim"], r["dataset"], r["seed"]): r["verdict"] for r in merged["runs"]}
    assert len(runs) == len(merged["runs"]) == 8  # 6 misaligned (2 replaced data sets + wine) + 2 rank
    assert all(v == "supported" for k, v in runs.items())
    # CPU time of the runs kept: 2 x 30 (rank) + 2 x 6 (mixture) + 4 x 12 (digits, wine) = 120 s.
    assert merged["cpu_s"] == 120.0 and merged["elapsed_s"] == 900.0
    table = {(row["claim"], row["dataset"]): row for row in merged["stability"]}
    assert table[("misaligned_graph", "wine")]["verdicts"] == ["supported", "supported"]
    assert "| misaligned_graph | digits | supported | supported | yes |" in (
        tmp_path / "out" / "claims_verdicts.md").read_text()


def test_a_rerun_of_some_seeds_merges_and_other_seeds_are_refused(tmp_path):
    import pytest

    old = _file(tmp_path / "old.json", ["digits"], [_run("misaligned_graph", "digits", s, "inconclusive", 60.0)
                                                    for s in (0, 1)], 100.0)
    one = _file(tmp_path / "one.json", ["digits"], [_run("misaligned_graph", "digits", 1, "supported", 9.0)],
                10.0, seeds=(1,))
    claims_verdicts.merge([old, one], str(tmp_path / "out"))
    merged = json.loads((tmp_path / "out" / "claims_verdicts.json").read_text())
    assert merged["seeds"] == [0, 1] and merged["stability"][0]["verdicts"] == ["inconclusive", "supported"]
    other = _file(tmp_path / "other.json", ["digits"], [_run("misaligned_graph", "digits", 5, "supported", 9.0)],
                  10.0, seeds=(5,))
    with pytest.raises(ValueError, match="among those of the first"):
        claims_verdicts.merge([old, other], str(tmp_path / "out2"))

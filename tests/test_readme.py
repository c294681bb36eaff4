"""The README's quick start and Python example must stay true."""

import re
from pathlib import Path

import numpy as np

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks(language):
    text = README.read_text(encoding="utf-8")
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)


def test_quick_start_commands():
    bash = _blocks("bash")[0]  # the first block is the quick start
    assert bash.splitlines() == [
        "pip install . && spectral-ssl report",
        "pip install '.[test]' && python -m pytest",
    ]


def test_solve_examples_run_on_files_of_the_documented_formats(tmp_path, monkeypatch, capsys):
    import json
    import shlex

    import scipy.sparse as sp

    from spectral_ssl import cli, graphs

    (solve,) = [block for block in _blocks("bash") if "spectral-ssl solve" in block]
    commands = [shlex.split(line) for line in solve.splitlines()]
    assert len(commands) == 2 and all(c[:2] == ["spectral-ssl", "solve"] for c in commands)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 12))  # D > K: the linear regime has 8 directions
    G = graphs.knn(X, n_neighbors=4)
    sp.save_npz(tmp_path / "G.npz", G)
    upper = sp.triu(G).tocoo()
    np.savetxt(tmp_path / "edges.csv", np.column_stack([upper.row, upper.col]), fmt="%d", delimiter=",")
    np.save(tmp_path / "X.npy", X)
    monkeypatch.chdir(tmp_path)
    for command in commands:
        capsys.readouterr()
        assert cli.main(command[1:]) == 0
        Z = np.load(tmp_path / command[command.index("--out") + 1])
        assert Z.shape == (40, 8) and np.all(np.isfinite(Z))
    capsys.readouterr()
    cli.main(commands[0][1:] + ["--force"])  # Z.npy exists now: replacing it needs --force
    summary = json.loads(capsys.readouterr().out)
    assert summary["method"] == "vicreg" and summary["exact"] is True and summary["rank"] <= 8


def test_python_example_runs_and_computes_the_documented_numbers():
    blocks = _blocks("python")
    assert len(blocks) == 2  # this one and the practice example (next test)
    namespace = {}
    exec(compile(blocks[0], str(README), "exec"), namespace)  # its own asserts run here too
    rep, collapsed, cert = namespace["rep"], namespace["collapsed"], namespace["cert"]
    # Group graph with 4 groups of 5: Laplacian eigenvalues 0 (x3 non-trivial) and 5 (group size).
    assert np.allclose(rep.eigenvalues, [0, 0, 0, 5, 5], atol=1e-12)
    assert abs(rep.loss - 1.5) < 1e-12
    assert (rep.rank, collapsed.rank) == (5, 3)
    assert cert.passed and cert.n_samples == 20 and cert.restarts == 3


def test_readme_points_to_docs_not_outside_the_repo():
    text = README.read_text(encoding="utf-8")
    assert "docs/" in text
    assert "../" not in text and "shared" not in text


def test_practice_example_runs_and_the_optimum_beats_the_stand_in_encoder():
    # The README's second Python block (library loss -> optimum -> diagnosis) runs as written.
    blocks = _blocks("python")
    assert len(blocks) >= 2 and "practice.optimal_linear_for" in blocks[1]
    namespace = {}
    exec(compile(blocks[1], str(README), "exec"), namespace)
    rep, report = namespace["rep"], namespace["report"]
    assert rep.graph_hyperparameters["covariance"] == 2.0  # lightly's nu = 1 counted once per view
    assert 0.0 < rep.library_loss < report.to_dict()["library_loss"]

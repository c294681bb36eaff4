"""The README's quick start and Python example must stay true."""

import re
from pathlib import Path

import numpy as np

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks(language):
    text = README.read_text(encoding="utf-8")
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)


def test_quick_start_commands():
    (bash,) = _blocks("bash")
    assert bash.splitlines() == [
        "pip install . && spectral-ssl report",
        "pip install '.[test]' && python -m pytest",
    ]


def test_python_example_runs_and_computes_the_documented_numbers():
    blocks = _blocks("python")
    assert len(blocks) == 1
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

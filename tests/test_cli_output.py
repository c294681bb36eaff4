"""The command's printed output: progress on stderr only when asked or on a terminal, every line of
``solve``'s summary and ``report``'s closing lines within a 100-column terminal."""

import re

import numpy as np
import pytest
import scipy.sparse as sp

from spectral_ssl import _display, _progress, cli, graphs

from terminal_stderr import terminal_stderr


@pytest.fixture
def files(tmp_path):
    X = np.random.default_rng(3).standard_normal((24, 4))
    np.save(tmp_path / "X.npy", X)
    sp.save_npz(tmp_path / "G.npz", graphs.knn(X, 4))
    return tmp_path


def _solve(argv, capsys):
    code = cli.main(["solve", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_solve_certify_shows_the_certificate_step_only_when_asked(files, capsys, monkeypatch):
    monkeypatch.setattr(_progress, "_tqdm", lambda: None)  # plain lines whether tqdm is installed or not
    argv = ["--method", "vicreg", "--graph", files / "G.npz", "--n-components", 2, "--variance", 1,
            "--covariance", 1, "--invariance", 0.05, "--certify", 2, "--out", files / "Z.npy", "--force"]
    code, _, err = _solve(argv + ["--verbose"], capsys)
    assert code == 0
    lines = err.splitlines()
    assert lines[0] == "vicreg (nonparametric regime) ..."
    assert lines[1].startswith("vicreg (nonparametric regime): done in ")
    assert lines[2] == "certifying vicreg (nonparametric) with 2 random starts ..."
    assert re.fullmatch(r"certifying vicreg \(nonparametric\) with 2 random starts: done in \d+\.\d s",
                        lines[3])
    assert len(lines) == 4
    for flag in (["--quiet"], []):  # stderr captured (not a terminal): nothing by default either
        code, _, err = _solve(argv + flag, capsys)
        assert code == 0 and err == ""


def test_solve_with_a_terminal_stderr_shows_simclr_starts_by_default(files, capsys, monkeypatch):
    stream = terminal_stderr(monkeypatch)
    # solve has no --restarts: the default SimCLR solve runs 1 informed + 4 random starts
    code = cli.main(["solve", "--method", "simclr", "--graph", str(files / "G.npz"), "--X",
                     str(files / "X.npy"), "--n-components", "2", "--out", str(files / "Z.npy"),
                     "--force"])
    assert code == 0
    counts = [re.search(r"L-BFGS-B starts: (\d+/\d+) ", line).group(1)
              for line in stream.getvalue().splitlines() if "L-BFGS-B starts" in line]
    assert counts == ["1/5", "2/5", "3/5", "4/5", "5/5"]


def test_solve_summary_fits_100_columns(files, capsys):
    # spectral contrastive's linear equivalent is a long phrase: the first line was 113 columns
    code, out, _ = _solve(["--method", "spectral_contrastive", "--graph", files / "G.npz", "--X",
                           files / "X.npy", "--n-components", 3, "--out", files / "Z.npy", "--force"],
                          capsys)
    lines = out.splitlines()
    assert code == 0 and max(len(line) for line in lines) <= 100
    assert lines[0].startswith("spectral_contrastive, linear regime: 24 samples, 3 components; "
                               "equivalent: linear spectral embedding")
    assert lines[1].startswith("  ") and lines[1].endswith("on the feature span)")
    assert lines[-1] == f"Z (24 x 3) written to {files / 'Z.npy'}"


def test_print_wrapped_keeps_paths_whole(capsys):
    path = "/a/" + "very_long_folder/" * 8 + "report"
    _display.print_wrapped(f"written to {path} in 12.5 s: report.html, report.md, report.csv, "
                           f"report.json and 15 figures (PNG)")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "written to"
    assert lines[1] == "  " + path  # longer than 100, but never cut
    assert lines[2] == "  in 12.5 s: report.html, report.md, report.csv, report.json and 15 figures (PNG)"
    _display.print_wrapped("word " * 30)
    wrapped = capsys.readouterr().out.splitlines()
    assert [len(line) for line in wrapped] == [99, 2 + 5 * 10 - 1]  # 20 words of 5 characters, then 10 indented


def test_verify_lines_fit_100_columns(monkeypatch, capsys):
    from spectral_ssl import _cli_verify

    # the longest certificate line of verify was 158 columns; two checks are enough here
    monkeypatch.setattr(_cli_verify, "numerical_checks", lambda real=_cli_verify.numerical_checks: real()[:2])
    assert cli.main(["verify", "--restarts", "2", "--skip-symbolic"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 100
    starts = [line for line in lines if line.startswith("verified")]
    assert [line.split("  certificate: ")[1].split(":")[0] for line in starts] == [
        "vicreg nonparametric (covariance >= variance)", "vicreg nonparametric (water-filling, 25/1/1)"]
    assert all(line.startswith("  ") for line in lines[:-1] if not line.startswith("verified"))
    assert lines[-1] == "2 passed, 0 failed"

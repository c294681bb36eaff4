"""Tests of ``spectral-ssl diagnose`` (spectral_ssl._cli_diagnose)."""

import json

import numpy as np
import pytest

from spectral_ssl import practice
from spectral_ssl.cli import main


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(0)
    X_a = rng.standard_normal((30, 4))
    X_b = X_a + 0.3 * rng.standard_normal((30, 4))
    W = rng.standard_normal((4, 2))
    paths = {}
    for name, value in {"ZA": X_a @ W, "ZB": X_b @ W, "XA": X_a, "XB": X_b}.items():
        paths[name] = str(tmp_path / f"{name}.npy")
        np.save(paths[name], value)
    return paths, X_a, X_b, W


def test_diagnose_json_matches_the_function(files, capsys):
    paths, X_a, X_b, W = files
    code = main(["diagnose", "--view-a", paths["ZA"], "--view-b", paths["ZB"], "--method", "vicreg",
                 "--X-a", paths["XA"], "--X-b", paths["XB"], "--restarts", "1.0", "--param", "nu_param=2",
                 "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    expected = practice.library_loss("vicreg", X_a @ W, X_b @ W, nu_param=2.0)
    assert out["library_loss"] == pytest.approx(expected, rel=1e-13)
    assert out["constants"]["nu_param"] == 2.0
    assert out["optimum_regime"] == "linear"
    assert out["gap"] == pytest.approx(out["library_loss"] - out["optimal_loss"], rel=1e-12)


def test_diagnose_table_and_errors(files, capsys):
    paths, *_ = files
    assert main(["diagnose", "--view-a", paths["ZA"], "--view-b", paths["ZB"], "--method", "barlow_twins",
                 "--restarts", "0"]) == 0  # the informed start only, as restarts=0 in Python
    out = capsys.readouterr().out
    assert "RankMe [garrido2023]" in out and "optimum (nonparametric)" in out
    assert main(["diagnose", "--view-a", paths["ZA"], "--view-b", paths["ZB"], "--method", "vicreg",
                 "--param", "sim_coeff=1"]) == 1
    assert capsys.readouterr().err == (
        "spectral-ssl diagnose: error: --param: 'sim_coeff' is not a constructor keyword of --method vicreg "
        "--library lightly; its keywords are: lambda_param, mu_param, nu_param, eps.\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["diagnose", "--view-a", paths["ZA"], "--view-b", paths["ZB"], "--method", "vicreg",
              "--X-a", paths["XA"]])
    assert exit_info.value.code == 2
    assert "give both" in capsys.readouterr().err


def _run(paths, *options):
    return main(["diagnose", "--view-a", paths["ZA"], "--view-b", paths["ZB"], *options])


def _save(tmp_path, name, value):
    path = str(tmp_path / f"{name}.npy")
    np.save(path, value)
    return path


# review practice/finding 3: every message named the Python arguments (Z_a, X_a, n_components,
# "A"), --param listed X_a, X_b, rank_rtol, restarts, random_state as keywords and reached them


def test_diagnose_errors_name_the_options_typed(files, tmp_path, capsys):
    paths, X_a, X_b, W = files
    prefix = "spectral-ssl diagnose: error: "
    short = _save(tmp_path, "short", (X_b @ W)[:-1])
    assert main(["diagnose", "--view-a", paths["ZA"], "--view-b", short, "--method", "vicreg"]) == 1
    assert capsys.readouterr().err == prefix + (
        "--view-a and --view-b must have the same shape (row i of each is a view of sample i), "
        "got (30, 2) and (29, 2).\n")
    xa, xb = _save(tmp_path, "xa", X_a[:-1]), _save(tmp_path, "xb", X_b[:-1])
    assert _run(paths, "--method", "vicreg", "--X-a", xa, "--X-b", xb) == 1
    assert capsys.readouterr().err == prefix + (
        "--X-a has 29 rows but --view-a has 30; row i of each must be sample i.\n")
    narrow = _save(tmp_path, "narrow", X_b[:, :3])
    assert _run(paths, "--method", "vicreg", "--X-a", paths["XA"], "--X-b", narrow) == 1
    assert capsys.readouterr().err == prefix + (
        "--X-a and --X-b must have the same shape (row i of each is a view of sample i), "
        "got (30, 4) and (30, 3).\n")
    xa1, xb1 = _save(tmp_path, "xa1", X_a[:, :1]), _save(tmp_path, "xb1", X_b[:, :1])
    assert _run(paths, "--method", "vicreg", "--X-a", xa1, "--X-b", xb1) == 1
    assert capsys.readouterr().err == prefix + (
        "--view-a: its K = 2 columns are more than the optimum can have: the number of features "
        "(and 2N - 1) is 1; compare embeddings of at most 1 columns.\n")
    Z = X_a @ W
    Z[3] = 0.0
    zero = _save(tmp_path, "zero", Z)
    assert main(["diagnose", "--view-a", zero, "--view-b", paths["ZB"], "--method", "nt_xent"]) == 1
    assert capsys.readouterr().err == prefix + (
        "--view-a: 1 row(s) have zero norm (first: row 3); NT-Xent's cosine similarity of a zero vector "
        "is undefined. Remove those samples or give them a nonzero representation.\n")


def test_diagnose_param_takes_only_the_constructor_keywords(files, capsys):
    paths, *_ = files
    keywords = "its keywords are: lambda_param, mu_param, nu_param, eps"
    for param, tail in (("foo=1", "."), ("rank_rtol=2", "."), ("random_state=1", "."),
                        ("restarts=1", " (--restarts gives restarts)."), ("X_a=2", " (--X-a gives X_a).")):
        assert _run(paths, "--method", "vicreg", "--param", param, "--restarts", "2") == 1
        name = param.partition("=")[0]
        assert capsys.readouterr().err == (
            f"spectral-ssl diagnose: error: --param: {name!r} is not a constructor keyword of --method vicreg "
            f"--library lightly; {keywords}{tail}\n")
    assert _run(paths, "--method", "vicreg", "--param", "lambda_param=-1") == 1
    assert capsys.readouterr().err == ("spectral-ssl diagnose: error: --param: lambda_param must be >= 0.0, "
                                       "got -1.0.\n")
    # a value the solver refuses (SimCLR's search below temperature 1e-8) names --param too
    assert _run(paths, "--method", "nt_xent", "--param", "temperature=1e-300") == 1
    assert capsys.readouterr().err.startswith(
        "spectral-ssl diagnose: error: --param: temperature=1e-300 is below 1e-08, where SimCLR's numerical "
        "search breaks down")


@pytest.mark.parametrize("option, typed, expected", [
    ("--method", "VICReg", "invalid choice: 'VICReg' (choose from 'vicreg', 'barlow_twins', 'nt_xent'); "
                           "did you mean 'vicreg'?"),
    ("--library", "Lightly", "invalid choice: 'Lightly' (choose from 'lightly', 'official', 'solo'); "
                             "did you mean 'lightly'?"),
    ("--restarts", "-1", "must be an integer >= 0, got '-1'"),
    ("--restarts", "2.5", "must be an integer >= 0, got '2.5'"),
])
def test_diagnose_option_values_are_checked_like_other_commands(files, capsys, option, typed, expected):
    paths, *_ = files
    words = {"--method": "vicreg", option: typed}
    with pytest.raises(SystemExit) as exit_info:
        _run(paths, *[word for pair in words.items() for word in pair])
    assert exit_info.value.code == 2
    assert f"argument {option}: {expected}" in capsys.readouterr().err

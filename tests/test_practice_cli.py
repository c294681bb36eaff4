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
                 "--X-a", paths["XA"], "--X-b", paths["XB"], "--restarts", "0", "--param", "nu_param=2",
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
                 "--restarts", "0"]) == 0
    out = capsys.readouterr().out
    assert "RankMe [garrido2023]" in out and "optimum (nonparametric)" in out
    assert main(["diagnose", "--view-a", paths["ZA"], "--view-b", paths["ZB"], "--method", "vicreg",
                 "--param", "sim_coeff=1"]) == 1
    assert "--param: unexpected keyword argument(s) 'sim_coeff'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["diagnose", "--view-a", paths["ZA"], "--view-b", paths["ZB"], "--method", "vicreg",
              "--X-a", paths["XA"]])
    assert exit_info.value.code == 2
    assert "give both" in capsys.readouterr().err

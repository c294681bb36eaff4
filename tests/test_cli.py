"""Tests of the ``spectral-ssl`` command line (spectral_ssl.cli, python -m spectral_ssl)."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import spectral_ssl
from spectral_ssl import _cli_verify, cli


def _run(*args, module="spectral_ssl"):
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True,
                          timeout=120)


def test_help_lists_every_subcommand():
    result = _run("--help")
    assert result.returncode == 0
    assert "usage: spectral-ssl [-h] [--version] [--debug] COMMAND ..." in result.stdout
    for name in cli.COMMANDS:
        assert f"    {name} " in result.stdout
    assert "Exit codes: 0 success, 1 failure, 2 usage error." in " ".join(result.stdout.split())


def test_report_help_documents_every_option(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["report", "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for option in ("--out DIR", "--n-components K", "--invariance RATIO", "--restarts R", "--quick",
                   "--seed S", "--relation {views,views+knn}", "--n-neighbors k", "--kernel-images M",
                   "--certify-images M", "--probe {logistic,ridge}", "--quiet"):
        assert option in text
    assert "(default: spectral_ssl_report)" in text


def test_version():
    result = _run("--version")
    assert result.returncode == 0
    assert result.stdout == f"spectral-ssl {spectral_ssl.__version__}\n"


def test_installed_console_script():
    script = Path(sys.executable).with_name("spectral-ssl")
    if not script.exists():
        pytest.skip("the spectral-ssl console script is not installed beside this python")
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    assert result.stdout == f"spectral-ssl {spectral_ssl.__version__}\n"


def test_bad_argument_value_exits_2_with_message():
    result = _run("report", "--n-components", "zero", module="spectral_ssl.cli")
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "spectral-ssl report: error: argument --n-components: must be an integer >= 1, got 'zero'")


@pytest.mark.parametrize("argv, message", [
    (["report", "--bogus"], "spectral-ssl: error: unrecognized arguments: --bogus"),
    (["report", "--invariance", "-0.5"], "argument --invariance: must be a finite number > 0, got '-0.5'"),
    (["report", "--invariance", "0"], "argument --invariance: must be a finite number > 0, got '0'"),
    (["report", "--restarts", "0"], "argument --restarts: must be an integer >= 1, got '0'"),
    (["report", "--relation", "labels"], "argument --relation: invalid choice: 'labels'"),
    (["report", "--seed", "x"], "argument --seed: must be an integer >= 0, got 'x'"),
    (["frobnicate"], "argument COMMAND: invalid choice: 'frobnicate'"),
])
def test_usage_errors_exit_2(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_missing_command_exits_2(capsys):
    assert cli.main([]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "spectral-ssl: error: a command is required (one of: report, verify, solve, diagnose)")


def test_failure_exits_1_with_one_line_message(tmp_path, capsys):
    # K = 100 exceeds the 64 pixels of digits: the report refuses it before computing anything.
    code = cli.main(["report", "--quick", "--quiet", "--n-components", "100", "--out", str(tmp_path)])
    assert code == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        "spectral-ssl report: error: --n-components: n_components=100 is larger than the rank of the centred "
        "training views (64); use n_components <= 64.")
    with pytest.raises(ValueError, match="n_components=100"):
        cli.main(["--debug", "report", "--quick", "--quiet", "--n-components", "100",
                  "--out", str(tmp_path)])


@pytest.mark.slow
def test_failed_certificate_exits_1(tmp_path, capsys, monkeypatch):
    # A certificate that does not pass (forced here) makes the command fail after writing the report.
    import spectral_ssl.report as report

    real_certify = report._certify.certify

    def failing_certify(*args, **kwargs):
        cert = real_certify(*args, **kwargs)
        cert.passed = False
        return cert

    monkeypatch.setattr(report._certify, "certify", failing_certify)
    # --no-claims: the certificates are in the method table; the claims would only add minutes
    code = cli.main(["report", "--quick", "--quiet", "--no-claims", "--invariance", "1", "--methods", "vicreg",
                     "--out", str(tmp_path)])
    assert code == 1
    err = capsys.readouterr().err
    # 3 regimes x (ratio 1, reference weights) on digits + ratio 1 on the two pairs problems
    assert "spectral-ssl report: error: 8 of 8 certificates of exact closed forms failed" in err
    assert (tmp_path / "report.csv").exists()


@pytest.mark.slow
def test_verify_runs_every_derivation_and_certificate(capsys):
    from spectral_ssl import cli
    from spectral_ssl.symbolic import NAMES

    assert cli.main(["verify", "--restarts", "2"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith(("verified", "FAILED"))]
    assert len(lines) == len(NAMES) + len(_cli_verify.numerical_checks())
    assert all(line.startswith("verified") for line in lines)
    assert f"{len(lines)} passed, 0 failed" in out


@pytest.mark.slow
def test_verify_exits_1_when_a_derivation_fails(monkeypatch, capsys):
    from spectral_ssl import cli, symbolic

    real = symbolic.run_all

    def with_a_failure():
        checks = real()
        checks[0] = type(checks[0])(name="broken", passed=False, seconds=0.0,
                                    message="step 1 failed", steps=[])
        return checks

    monkeypatch.setattr(symbolic, "run_all", with_a_failure)
    assert cli.main(["verify", "--restarts", "1"]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and "derivation: broken" in out and "1 failed" in out


@pytest.mark.parametrize("argv", [["--version"], ["--help"]])
def test_version_and_help_import_nothing_heavy(argv):
    # --version and --help must answer at once: no SciPy optimiser, scikit-learn, sympy or
    # matplotlib behind them (measured: 0.1 s against 2.7 s when everything was imported).
    import subprocess
    import sys

    code = ("import sys; from spectral_ssl import cli\n"
            f"try:\n    cli.main({argv!r})\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('scipy', 'sklearn', 'sympy', 'matplotlib', 'numpy') if m in sys.modules]\n"
            "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "HEAVY []"


def test_report_refuses_a_label_column_among_the_features(tmp_path, capsys):
    # The case: --labels given, the CSV still holding its 'label' column; refused before
    # anything is computed, naming the column and the fix.
    rng = np.random.default_rng(0)
    rows = "".join(f"{a:.3f},{b:.3f},{k % 2}\n" for k, (a, b) in enumerate(rng.standard_normal((40, 2))))
    (tmp_path / "X.csv").write_text("f1,f2,Label\n" + rows, encoding="utf-8")
    np.save(tmp_path / "y.npy", np.arange(40) % 2)
    code = cli.main(["report", "--quick", "--quiet", "--data", str(tmp_path / "X.csv"),
                     "--labels", str(tmp_path / "y.npy"), "--out", str(tmp_path / "out")])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith(f"spectral-ssl report: error: --data: {str(tmp_path / 'X.csv')!r} has a column "
                          f"named 'Label' among the features while the labels come from --labels")
    assert "Remove that column" in err and not (tmp_path / "out").exists()


@pytest.mark.parametrize("argv, message", [
    (["report", "--relation", "Views"], "argument --relation: invalid choice: 'Views' (choose from "
                                        "'views', 'views+knn'); did you mean 'views'?"),
    (["report", "--methods", "vicreg", "SimCLR"], "argument --methods: invalid choice: 'SimCLR' "
                                                  "(choose from "),
    (["report", "--probe", "ridg"], "did you mean 'ridge'?"),
    (["report", "--n-components", "4.5"], "argument --n-components: must be an integer >= 1, got '4.5'"),
])
def test_report_options_suggest_the_closest_choice(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err.splitlines()[-1]


def test_the_help_constants_are_the_packages():
    # solve --help and report --help read them from a module that imports nothing (they imported
    # the methods and the report: 1.4 and 1.9 s); they must stay the solvers' and the report's
    import inspect

    from spectral_ssl import _settings_cli as settings
    from spectral_ssl.experiments import labelled, method_table
    from spectral_ssl.linalg import Kernel
    from spectral_ssl.methods import REGIMES, REGISTRY

    assert settings.SOLVE_METHODS == tuple(sorted(REGISTRY))
    assert settings.SOLVE_REGIMES == REGIMES and settings.SOLVE_KERNELS == Kernel.NAMES
    for (method, name), value in settings.SOLVE_DEFAULTS.items():
        for solver in ("optimal_representation", "optimal_linear", "optimal_kernel"):
            assert inspect.signature(getattr(REGISTRY[method], solver)).parameters[name].default == value
    assert set(settings.REPORT_METHODS) == set(REGISTRY) and method_table.METHODS == settings.REPORT_METHODS
    assert labelled.MIN_SAMPLES_PER_CLASS == 4 and labelled.USER_DATA_MAX_SAMPLES == 2000


def test_report_names_the_option_of_a_repeated_method(capsys, tmp_path):
    # the check is the report function's (argument "methods"); the command line names --methods
    code = cli.main(["report", "--quick", "--methods", "vicreg", "vicreg", "--out", str(tmp_path / "r")])
    assert code == 1
    assert capsys.readouterr().err.strip() == (
        "spectral-ssl report: error: --methods: methods must be a non-empty list of distinct names from "
        "('vicreg', 'spectral_contrastive', 'barlow_twins', 'simclr'); got ('vicreg', 'vicreg').")
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("method", ["spectral_contrastive", "barlow_twins"])
def test_solve_names_the_graph_and_the_options_for_samples_without_an_edge(capsys, tmp_path, method):
    # samples 0..3, sample 2 in no edge: the solvers' advice named optimal_linear / optimal_kernel
    (tmp_path / "G.csv").write_text("0,1\n1,3\n", encoding="utf-8")
    code = cli.main(["solve", "--method", method, "--graph", str(tmp_path / "G.csv"), "--n-components", "1",
                     "--out", str(tmp_path / "Z.npy")])
    assert code == 1
    assert capsys.readouterr().err.strip() == (
        f"spectral-ssl solve: error: --graph: 1 of its 4 samples have no edge (first: sample 2); --method "
        f"{method} in the nonparametric regime cannot place a sample with no positive pair. List an edge for "
        f"every sample (0-based, 0 to 3), or give --X FILE and --regime linear or kernel, which place them "
        f"through their features.")
    assert not (tmp_path / "Z.npy").exists()

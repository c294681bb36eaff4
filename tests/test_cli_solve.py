"""Tests of ``spectral-ssl solve``: the saved Z and the printed numbers are the API's, bad input exits cleanly."""

import json
import re
import subprocess
import sys

import numpy as np
import pytest
import scipy.io
import scipy.sparse as sp

from spectral_ssl import CollapseWarning, cli, graphs, linalg, solve

PREFIX = "spectral-ssl solve: error: "


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((24, 4))
    return X, graphs.knn(X, 4)


@pytest.fixture
def files(tmp_path, data):
    X, G = data
    np.save(tmp_path / "X.npy", X)
    sp.save_npz(tmp_path / "G.npz", G)
    return tmp_path


def run(argv, capsys):
    """Exit code, stdout and stderr of ``spectral-ssl solve ARGV`` run in-process."""
    try:
        code = cli.main(["solve", *map(str, argv)])
    except SystemExit as stop:  # argparse's usage errors
        code = stop.code
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------- results


def test_nonparametric_vicreg_saves_the_api_representation(files, data, capsys):
    _, G = data
    code, out, err = run(["--method", "vicreg", "--graph", files / "G.npz", "--n-components", 3,
                          "--variance", 1, "--covariance", 1, "--invariance", 0.05,
                          "--out", files / "Z.npy"], capsys)
    assert (code, err) == (0, "")
    rep = solve("vicreg", G, 3, variance=1.0, covariance=1.0, invariance=0.05)
    Z = np.load(files / "Z.npy")
    assert Z.shape == (24, 3) and np.array_equal(Z, rep.Z)
    lines = out.splitlines()
    assert lines[0] == "vicreg, nonparametric regime: 24 samples, 3 components; equivalent: Laplacian Eigenmaps"
    assert lines[1] == f"loss {rep.loss:.10g}, rank {rep.rank}, {rep.exactness}"
    assert rep.exactness.startswith("exact")
    assert lines[2] == "eigenvalues: " + " ".join(f"{v:.6g}" for v in rep.eigenvalues)
    assert lines[-1] == f"Z (24 x 3) written to {files / 'Z.npy'}"
    assert rep.rank == 3  # the weights were chosen so that no direction collapses


def test_linear_json_and_params_match_the_api(files, data, capsys):
    X, G = data
    code, out, err = run(["--method", "vicreg", "--graph", files / "G.npz", "--X", files / "X.npy",
                          "--n-components", 2, "--invariance", 1, "--json",
                          "--out", files / "Z.npy", "--params", files / "W.npz"], capsys)
    assert (code, err) == (0, "")
    rep = solve("vicreg", G, 2, X=X, invariance=1.0)
    result = json.loads(out)
    assert result["method"] == "vicreg" and result["regime"] == "linear"
    assert (result["n_samples"], result["n_components"]) == (24, 2)
    assert result["loss"] == rep.loss and result["rank"] == rep.rank and result["exact"] is True
    assert result["eigenvalues"] == rep.eigenvalues.tolist()
    assert result["scales"] == rep.scales.tolist()
    assert result["equivalent"] == "Locality Preserving Projections"
    assert result["hyperparameters"]["invariance"] == 1.0 and result["hyperparameters"]["variance"] == 25.0
    assert (result["out"], result["params"]) == (str(files / "Z.npy"), str(files / "W.npz"))
    Z = np.load(files / "Z.npy")
    assert np.array_equal(Z, rep.Z)
    params = np.load(files / "W.npz")
    assert sorted(params.files) == ["W", "bias"]
    np.testing.assert_allclose(X @ params["W"] + params["bias"], Z, rtol=0, atol=1e-12)


def test_csv_inputs_give_the_same_result_as_arrays(tmp_path, data, capsys):
    X, G = data
    np.savetxt(tmp_path / "X.csv", X, delimiter=",", fmt="%.17g", header="a,b,c,d", comments="")
    upper = sp.triu(G, k=1).tocoo()
    np.savetxt(tmp_path / "G.csv", np.column_stack([upper.row, upper.col, upper.data]),
               delimiter=",", fmt=["%d", "%d", "%.17g"])
    code, out, _ = run(["--method", "spectral_contrastive", "--graph", tmp_path / "G.csv",
                        "--X", tmp_path / "X.csv", "--n-components", 3, "--json",
                        "--out", tmp_path / "Z.npy"], capsys)
    assert code == 0
    rep = solve("spectral_contrastive", G, 3, X=X)
    np.testing.assert_allclose(np.load(tmp_path / "Z.npy"), rep.Z, rtol=0, atol=1e-12)
    # the first column is the trivial eigenvector reached by the bias, a constant: the one rank rule
    # (singular values of the centred Z) counts the other two
    assert np.ptp(rep.Z[:, 0]) == 0.0
    assert json.loads(out)["rank"] == rep.rank == 2


def test_kernel_regime_with_kernel_options(files, data, capsys):
    X, G = data
    code, out, err = run(["--method", "spectral_contrastive", "--graph", files / "G.npz",
                          "--X", files / "X.npy", "--regime", "kernel", "--kernel", "polynomial",
                          "--degree", 2, "--coef0", 0.5, "--n-components", 3,
                          "--out", files / "Z.npy", "--params", files / "A.npz"], capsys)
    # The constant column of spectral contrastive carries no information: one warning line.
    assert code == 0 and err.count("\n") == 1
    assert err.startswith("spectral-ssl solve: warning: CollapseWarning: spectral contrastive (kernel): "
                          "the optimum keeps 2 of the 3 directions asked for")
    with pytest.warns(CollapseWarning):
        rep = solve("spectral_contrastive", G, 3, X=X, regime="kernel", kernel="polynomial", degree=2,
                    coef0=0.5)
    Z = np.load(files / "Z.npy")
    assert np.array_equal(Z, rep.Z)
    params = np.load(files / "A.npz")
    assert sorted(params.files) == ["A", "X_fit", "bandwidth", "bias", "coef0", "degree", "kernel"]
    assert (str(params["kernel"]), int(params["degree"]), float(params["coef0"])) == ("polynomial", 2, 0.5)
    k = linalg.Kernel("polynomial", degree=2, coef0=0.5)
    np.testing.assert_allclose(k(X, params["X_fit"]) @ params["A"] + params["bias"], Z,
                               rtol=0, atol=1e-10 * np.abs(Z).max())
    assert "kernel regime: 24 samples, 3 components" in out
    assert out.splitlines()[-1].endswith(f"; parameters written to {files / 'A.npz'}")


def test_simclr_temperature_on_cliques(tmp_path, capsys):
    G = graphs.from_groups(np.repeat(np.arange(4), 5))
    scipy.io.mmwrite(tmp_path / "G.mtx", G)
    code, out, _ = run(["--method", "simclr", "--graph", tmp_path / "G.mtx", "--n-components", 3,
                        "--temperature", 0.2, "--json", "--out", tmp_path / "Z.npy"], capsys)
    assert code == 0
    rep = solve("simclr", G, 3, temperature=0.2)
    result = json.loads(out)
    assert result["loss"] == rep.loss and result["hyperparameters"] == {"temperature": 0.2}
    assert result["exact"] is True and result["rank"] == 3
    assert np.array_equal(np.load(tmp_path / "Z.npy"), rep.Z)


def test_barlow_twins_options_from_a_dense_graph(tmp_path, capsys):
    G = graphs.from_groups(np.repeat(np.arange(3), 4))
    np.save(tmp_path / "G.npy", G.toarray())
    code, out, _ = run(["--method", "barlow_twins", "--graph", tmp_path / "G.npy", "--n-components", 2,
                        "--off-diagonal", 0, "--centered", "--json", "--out", tmp_path / "Z.npy"], capsys)
    assert code == 0
    rep = solve("barlow_twins", G, 2, off_diagonal=0.0, centered=True)
    result = json.loads(out)
    assert result["hyperparameters"] == {"off_diagonal": 0.0, "centered": True}
    assert result["loss"] == rep.loss and result["rank"] == rep.rank
    assert np.array_equal(np.load(tmp_path / "Z.npy"), rep.Z)


def test_subprocess_python_m(files, data):
    _, G = data
    result = subprocess.run(
        [sys.executable, "-m", "spectral_ssl", "solve", "--method", "spectral_contrastive",
         "--graph", str(files / "G.npz"), "--n-components", "4", "--out", str(files / "Z.npy"),
         "--json"], capture_output=True, text=True, timeout=120)
    # the only thing on stderr is the warning that the trivial direction carries no information
    assert result.returncode == 0
    assert "CollapseWarning: spectral contrastive (nonparametric): the optimum keeps 3 of the 4" in result.stderr
    assert "Traceback" not in result.stderr
    # one line, the package's own format, not Python's warning display with its source line
    assert result.stderr.splitlines() == [line for line in result.stderr.splitlines()
                                          if line.startswith("spectral-ssl solve: warning: ")]
    assert len(result.stderr.splitlines()) == 1
    rep = solve("spectral_contrastive", G, 4)
    summary = json.loads(result.stdout)
    assert summary["loss"] == rep.loss and summary["rank"] == rep.rank == 3
    assert np.array_equal(np.load(files / "Z.npy"), rep.Z)


def test_help_documents_every_option(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["solve", "--help"])
    assert stop.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for option in ("--method {barlow_twins,simclr,spectral_contrastive,vicreg}", "--graph FILE",
                   "--X FILE", "--n-components K", "--regime {nonparametric,linear,kernel}",
                   "--out Z.npy", "--params FILE.npz", "--json", "--variance ALPHA vicreg: weight alpha > 0 of the variance term (default: 25)",
                   "--covariance BETA", "--invariance GAMMA", "--temperature TAU",
                   "--off-diagonal LAMBDA", "--centered", "--kernel {linear,rbf,polynomial}",
                   "--bandwidth SIGMA", "--degree P", "--coef0 C"):
        assert option in text
    assert "solve" in cli.COMMANDS


# --------------------------------------------------------------------------- failures: exit 1


FAILURES = [
    ("missing graph", ["--graph", "{tmp}/absent.npz"], r"--graph: file '.*absent\.npz' does not exist\."),
    ("graph extension", ["--graph", "{tmp}/G.txt"],
     r"--graph: '.*G\.txt' has extension '\.txt'; expected one of \.npz, \.mtx, \.npy, \.csv\."),
    ("malformed graph", ["--graph", "{tmp}/bad.npz"],
     r"--graph: cannot read '.*bad\.npz' as a scipy\.sparse \.npz"),
    ("malformed features", ["--X", "{tmp}/bad.csv"],
     r"--X: '.*bad\.csv' data row 2 has the non-numeric value 'oops'"),
    ("rows differ", ["--X", "{tmp}/X10.npy"],
     r"--graph: '.*G\.npz' relates 24 samples but the features have 10 rows"),
    ("K too large", ["--n-components", "30"],
     r"--n-components: n_components=30 is larger than the number of non-constant Laplacian "
     r"eigenvectors \(N - 1\) \(23\); use n_components <= 23\."),
    ("regime needs X", ["--regime", "kernel"],
     r"--regime kernel needs the features: give --X FILE \(\.npy or \.csv\)"),
    ("X with nonparametric", ["--X", "{tmp}/X.npy", "--regime", "nonparametric"],
     r"--X is given but --regime nonparametric does not use it; drop --X"),
    ("out folder missing", ["--out", "{tmp}/no/such/Z.npy"],
     r"--out: folder '.*no/such' does not exist; create it first"),
    ("out is a folder", ["--out", "{tmp}/folder.npy"], r"--out: '.*folder\.npy' is a folder"),
    ("out extension", ["--out", "{tmp}/Z.txt"], r"--out: '.*Z\.txt' must end in \.npy; for example --out result\.npy\."),
    ("params extension", ["--X", "{tmp}/X.npy", "--params", "{tmp}/W.npy"], r"--params: '.*W\.npy' must end in \.npz"),
]


@pytest.mark.parametrize("what, changes, message", FAILURES, ids=[case[0] for case in FAILURES])
def test_refused_input_exits_1_with_one_line(files, capsys, what, changes, message):
    (files / "bad.npz").write_bytes(b"PK\x03\x04 not really a zip")
    (files / "bad.csv").write_text("1,2,3,4\n5,6,7,oops\n")
    (files / "G.txt").write_text("0,1\n")
    np.save(files / "X10.npy", np.ones((10, 4)))
    (files / "folder.npy").mkdir()
    base = {"--method": "vicreg", "--graph": "{tmp}/G.npz", "--n-components": "2", "--out": "{tmp}/Z.npy"}
    argv = []
    extra = dict(zip(changes[::2], changes[1::2]))
    for option, value in {**base, **extra}.items():
        argv += [option, value.format(tmp=files)]
    code, out, err = run(argv, capsys)
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(PREFIX)
    assert re.search(message, lines[0]), lines[0]
    assert not (files / "Z.npy").exists()  # refused before anything is written


def test_write_failure_names_the_option(files, capsys, monkeypatch):
    # A failure of the write itself (disk full, permissions: untestable as root) is one line too.
    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", full_disk)
    code, out, err = run(["--method", "vicreg", "--graph", files / "G.npz", "--X", files / "X.npy",
                          "--n-components", 2, "--out", files / "Z.npy", "--params", files / "W.npz"],
                         capsys)
    assert (code, out) == (1, "")
    assert err == (f"{PREFIX}--params: cannot write {str(files / 'W.npz')!r} (No space left on "
                   f"device); check the folder's permissions and free space.\n")


def test_debug_shows_the_exception(files):
    with pytest.raises(FileNotFoundError, match="--graph: file"):
        cli.main(["--debug", "solve", "--method", "vicreg", "--graph", str(files / "absent.npz"),
                  "--n-components", "2", "--out", str(files / "Z.npy")])


# --------------------------------------------------------------------------- usage errors: exit 2


USAGE = [
    ([], "the following arguments are required: --method, --graph, --n-components, --out"),
    (["--method", "vicreg", "--graph", "G.npz", "--n-components", "0", "--out", "Z.npy"],
     "argument --n-components: must be an integer >= 1, got '0'"),
    (["--method", "byol", "--graph", "G.npz", "--n-components", "2", "--out", "Z.npy"],
     "argument --method: invalid choice: 'byol'"),
    (["--method", "vicreg", "--graph", "G.npz", "--n-components", "2", "--out", "Z.npy", "--variance", "0"],
     "argument --variance: must be a finite number > 0, got '0'"),
    (["--method", "vicreg", "--graph", "G.npz", "--n-components", "2", "--out", "Z.npy",
      "--covariance", "-1"], "argument --covariance: must be a finite number >= 0, got '-1'"),
    (["--method", "vicreg", "--graph", "G.npz", "--n-components", "2", "--out", "Z.npy", "--temperature", "0.5"],
     "argument --temperature: applies to --method simclr only; --method vicreg takes --variance, "
     "--covariance, --invariance"),
    (["--method", "spectral_contrastive", "--graph", "G.npz", "--n-components", "2", "--out", "Z.npy",
      "--centered"],
     "argument --centered: applies to --method barlow_twins only; --method spectral_contrastive takes "
     "no hyper-parameter"),
    (["--method", "vicreg", "--graph", "G.npz", "--X", "X.npy", "--n-components", "2", "--out", "Z.npy",
      "--kernel", "rbf"],
     "argument --kernel: applies to --regime kernel only (the regime here is linear)"),
    (["--method", "vicreg", "--graph", "G.npz", "--X", "X.npy", "--regime", "kernel", "--n-components", "2",
      "--out", "Z.npy", "--degree", "2"],
     "argument --degree: applies to --kernel polynomial only (the kernel here is rbf)"),
    (["--method", "vicreg", "--graph", "G.npz", "--n-components", "2", "--out", "Z.npy", "--params", "p.npz"],
     "argument --params: the nonparametric regime has no parameters to save (only Z); drop --params"),
]


@pytest.mark.parametrize("argv, message", USAGE)
def test_usage_errors_exit_2(capsys, argv, message):
    code, out, err = run(argv, capsys)
    assert code == 2 and out == ""
    assert err.startswith("usage: spectral-ssl solve")
    last = err.splitlines()[-1]
    assert last.startswith(PREFIX) and message in last


# --------------------------------------------------------------------------- outputs never destroy anything


def test_force_replaces_an_existing_output_and_nothing_else(files, data, capsys):
    np.save(files / "Z.npy", np.arange(3.0))
    argv = ["--method", "vicreg", "--graph", files / "G.npz", "--n-components", 2, "--out", files / "Z.npy"]
    code, _, err = run(argv, capsys)
    assert code == 1 and "already exists; give a new name, or add --force" in err
    assert np.array_equal(np.load(files / "Z.npy"), np.arange(3.0))
    code, _, err = run(argv + ["--force"], capsys)
    # the default weights collapse this kNN graph's directions: the only thing on stderr says so
    assert code == 0 and err.startswith("spectral-ssl solve: warning: CollapseWarning: ")
    assert err.count("\n") == 1
    assert np.array_equal(np.load(files / "Z.npy"), solve("vicreg", data[1], 2).Z)
    assert sorted(p.name for p in files.iterdir()) == ["G.npz", "X.npy", "Z.npy"]  # no temporary left


def test_upper_case_extension_is_written_exactly_where_reported(files, capsys):
    code, out, _ = run(["--method", "vicreg", "--graph", files / "G.npz", "--n-components", 2,
                        "--out", files / "Z.NPY"], capsys)
    assert code == 0 and out.splitlines()[-1].endswith(f"written to {files / 'Z.NPY'}")
    assert (files / "Z.NPY").exists() and not (files / "Z.NPY.npy").exists()


def test_failed_params_leave_no_z(files, capsys, monkeypatch):
    def fail(*args, **kwargs):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(np, "savez", fail)
    code, _, err = run(["--method", "vicreg", "--graph", files / "G.npz", "--X", files / "X.npy",
                        "--n-components", 2, "--out", files / "Z.npy", "--params", files / "W.npz"], capsys)
    assert code == 1 and err.startswith(f"{PREFIX}--params: cannot write")
    assert sorted(p.name for p in files.iterdir()) == ["G.npz", "X.npy"]


# --------------------------------------------------------------------------- suggestions, counts


@pytest.mark.parametrize("argv, message", [
    (["--method", "VICReg"], "argument --method: invalid choice: 'VICReg' (choose from 'barlow_twins', "
                             "'simclr', 'spectral_contrastive', 'vicreg'); did you mean 'vicreg'?"),
    (["--method", "barlow-twins"], "did you mean 'barlow_twins'?"),
    (["--method", "vicreg", "--regime", "Linear"], "argument --regime: invalid choice: 'Linear' "
                                                  "(choose from 'nonparametric', 'linear', 'kernel'); "
                                                  "did you mean 'linear'?"),
    (["--method", "vicreg", "--n-components", "2.5"], "argument --n-components: must be an integer >= 1, "
                                                      "got '2.5'"),
])
def test_mistyped_choices_are_answered_with_the_closest(capsys, argv, message):
    base = {"--graph": "G.npz", "--n-components": "2", "--out": "Z.npy"}
    extra = [word for key, value in base.items() if key not in argv for word in (key, value)]
    code, out, err = run(argv + extra, capsys)
    assert code == 2 and out == ""
    last = err.splitlines()[-1]
    assert last.startswith(PREFIX) and last.endswith(message)


def test_mistyped_command_is_answered_with_the_closest(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["slove", "--method", "vicreg"])
    assert stop.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "spectral-ssl: error: argument COMMAND: invalid choice: 'slove' (choose from 'report', "
        "'verify', 'solve', 'diagnose'); did you mean 'solve'?")


def test_integral_float_count_is_accepted(files, data, capsys):
    code, out, err = run(["--method", "vicreg", "--graph", files / "G.npz", "--n-components", "3.0",
                          "--variance", 1, "--covariance", 1, "--invariance", 0.05, "--json",
                          "--out", files / "Z.npy"], capsys)
    assert (code, err) == (0, "")
    assert json.loads(out)["n_components"] == 3 and np.load(files / "Z.npy").shape == (24, 3)


# --------------------------------------------------------------------------- warnings, certificate, progress


def test_collapse_warning_is_one_line_once_even_when_certifying(files, capsys):
    # Spectral contrastive's first column is constant: rank 2 of 3, a CollapseWarning from the
    # solve and again from the certificate's own solve: shown once.
    code, out, err = run(["--method", "spectral_contrastive", "--graph", files / "G.npz",
                          "--n-components", 3, "--certify", 2, "--out", files / "Z.npy"], capsys)
    assert code == 0
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "spectral-ssl solve: warning: CollapseWarning: spectral contrastive (nonparametric): the "
        "optimum keeps 2 of the 3 directions asked for")
    assert "certificate: passed: best of 2 random starts" in out


def test_passing_certificate_is_reported_and_exits_0(files, data, capsys):
    _, G = data
    code, out, err = run(["--method", "vicreg", "--graph", files / "G.npz", "--n-components", 3,
                          "--variance", 1, "--covariance", 1, "--invariance", 0.05, "--certify", 2,
                          "--json", "--out", files / "Z.npy"], capsys)
    assert (code, err) == (0, "")
    cert = json.loads(out)["certificate"]
    assert cert["passed"] is True and cert["restarts"] == 2
    rep = solve("vicreg", G, 3, variance=1.0, covariance=1.0, invariance=0.05)
    assert cert["closed_form_loss"] == rep.loss
    # closed form at or below the best restart, up to the certificate's tolerance
    assert cert["gap"] <= 1e-8 * max(1.0, abs(cert["best_numerical_loss"]))


def test_failing_certificate_is_printed_first_and_exits_3(files, data, capsys, monkeypatch):
    import spectral_ssl.certify as certify_module

    real = certify_module.certify

    def beaten(*args, **kwargs):  # as if a restart had found a loss 0.5 lower
        cert = real(*args, **kwargs)
        cert.best_numerical_loss = cert.closed_form_loss - 0.5
        cert.gap, cert.relative_gap, cert.passed = 0.5, 0.5 / max(1.0, abs(cert.best_numerical_loss)), False
        return cert

    monkeypatch.setattr(certify_module, "certify", beaten)
    code, out, err = run(["--method", "vicreg", "--graph", files / "G.npz", "--n-components", 3,
                          "--variance", 1, "--covariance", 1, "--invariance", 0.05, "--certify",
                          "--out", files / "Z.npy"], capsys)
    assert code == cli.EXIT_CERTIFICATE_FAILED == 3
    first = err.splitlines()[0]
    assert first.startswith("CERTIFICATE FAILED: vicreg (nonparametric): a random start reached the loss ")
    assert first.endswith("the saved Z is not the optimum of its loss although it claims to be exact.")
    assert "certificate: FAILED: best of 4 random starts" in out  # --certify alone: 4 starts
    assert (files / "Z.npy").exists()


def test_verbose_shows_progress_on_stderr_and_quiet_shows_none(files, capsys, monkeypatch):
    from spectral_ssl import _progress

    monkeypatch.setattr(_progress, "_tqdm", lambda: None)  # plain lines whether tqdm is installed or not
    argv = ["--method", "simclr", "--graph", files / "G.npz", "--X", files / "X.npy", "--n-components", 2,
            "--force", "--out", files / "Z.npy"]
    code, _, err = run(argv + ["--verbose"], capsys)
    progress = [line for line in err.splitlines() if "L-BFGS-B starts" in line]
    assert code == 0
    # the default SimCLR solve: the LPP start and simclr.RESTARTS = 4 random ones
    assert [re.search(r"L-BFGS-B starts: (\d+/\d+) ", line).group(1) for line in progress] == ["1/5", "2/5", "3/5", "4/5", "5/5"]
    code, _, err = run(argv + ["--quiet"], capsys)
    assert code == 0 and "L-BFGS-B" not in err
    code, _, err = run(argv, capsys)  # stderr captured, not a terminal: no progress by default
    assert code == 0 and "L-BFGS-B" not in err


def test_default_vicreg_collapse_on_a_knn_graph_is_one_warning_line(files, capsys):
    # #13 item 5: the default weights (25, 1, 25) on a kNN graph keep few of the 8 directions.
    code, out, err = run(["--method", "vicreg", "--graph", files / "G.npz", "--n-components", 8,
                          "--out", files / "Z.npy"], capsys)
    rank = int(re.search(r"rank (\d+)", out).group(1))
    assert code == 0 and rank < 8
    lines = err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("spectral-ssl solve: warning: CollapseWarning: ")
    assert f"keeps {rank} of the 8 directions asked for" in lines[0]
    assert "invariance" in lines[0] and "Traceback" not in err

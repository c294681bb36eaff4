"""The one progress policy: verbose decides, else the environment, else whether stderr is a terminal."""

import io
import re
import sys

import pytest

from spectral_ssl import _progress


class _Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def no_tqdm(monkeypatch):
    monkeypatch.setattr(_progress, "_tqdm", lambda: None)


def test_verbose_false_returns_the_iterable_itself_and_prints_nothing(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stderr", _Terminal())
    steps = [1, 2, 3]
    assert _progress.progress(steps, desc="x", verbose=False) is steps
    assert sys.stderr.getvalue() == ""


def test_auto_is_off_when_stderr_is_not_a_terminal(monkeypatch):
    monkeypatch.delenv(_progress.PROGRESS_ENV, raising=False)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert _progress.is_enabled(None) is False
    monkeypatch.setattr(sys, "stderr", _Terminal())
    assert _progress.is_enabled(None) is True


@pytest.mark.parametrize("setting, expected", [("0", False), ("1", True)])
def test_environment_overrides_the_terminal_test(monkeypatch, setting, expected):
    monkeypatch.setenv(_progress.PROGRESS_ENV, setting)
    monkeypatch.setattr(sys, "stderr", _Terminal() if not expected else io.StringIO())
    assert _progress.is_enabled(None) is expected
    assert _progress.is_enabled(not expected) is (not expected)


def test_plain_lines_without_tqdm_count_every_step(monkeypatch, no_tqdm):
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    assert list(_progress.progress(iter("abc"), desc="letters", total=3, verbose=True)) == ["a", "b", "c"]
    lines = stream.getvalue().splitlines()
    assert [line.split(" (")[0] for line in lines] == ["letters: 1/3", "letters: 2/3", "letters: 3/3"]


def test_status_reports_the_step_and_its_duration(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    with _progress.status("solving", verbose=True):
        pass
    first, last = stream.getvalue().splitlines()
    assert first == "solving ..."
    assert last.startswith("solving: done in ") and last.endswith(" s")


def test_status_says_when_the_step_stopped_on_an_error(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    with pytest.raises(ZeroDivisionError):
        with _progress.status("solving", verbose=True):
            1 / 0
    first, last = stream.getvalue().splitlines()
    assert first == "solving ..." and last.startswith("solving: stopped after ")


def test_counter_counts_by_hand_and_is_silent_when_off(monkeypatch, no_tqdm):
    stream = _Terminal()
    monkeypatch.setattr(sys, "stderr", stream)
    steps = _progress.counter(desc="starts", total=2, verbose=True)
    steps.update()
    steps.update()
    steps.close()
    assert [line.split(" (")[0] for line in stream.getvalue().splitlines()] == ["starts: 1/2", "starts: 2/2"]
    quiet = _progress.counter(desc="starts", total=2, verbose=False)
    quiet.update()
    quiet.close()
    assert len(stream.getvalue().splitlines()) == 2


# --------------------------------------------------------------------------- wired into the solvers

def _small_problem():
    import numpy as np

    from spectral_ssl import graphs

    X = np.random.default_rng(0).standard_normal((16, 3))
    return X, graphs.knn(X, 3)


def test_simclr_shows_one_step_per_start_with_verbose(capsys, no_tqdm):
    import warnings

    from spectral_ssl import solve

    X, G = _small_problem()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # collapse / convergence warnings are not the point here
        loud = solve("simclr", G, 2, X=X, restarts=2, max_iter=50, verbose=True)
        err = capsys.readouterr().err
        quiet = solve("simclr", G, 2, X=X, restarts=2, max_iter=50, verbose=False)
    # 1 informed start (the LPP directions) + 2 random ones
    counts = [line.removeprefix("SimCLR (linear, 16 samples): L-BFGS-B starts: ").split(" (")[0]
              for line in err.splitlines()]
    assert counts == ["1/3", "2/3", "3/3"]
    assert capsys.readouterr().err == ""
    # the progress display changes nothing in the result
    assert loud.loss == quiet.loss and (loud.Z == quiet.Z).all()


def test_closed_form_solve_is_announced_only_when_asked(capsys):
    from spectral_ssl import solve

    _, G = _small_problem()
    weights = {"variance": 1.0, "covariance": 1.0, "invariance": 0.01}
    solve("vicreg", G, 2, verbose=True, **weights)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "vicreg (nonparametric regime) ..."
    assert lines[-1].startswith("vicreg (nonparametric regime): done in ")
    solve("vicreg", G, 2, verbose=None, **weights)  # stderr captured: not a terminal
    solve("vicreg", G, 2, verbose=False, **weights)
    assert capsys.readouterr().err == ""


def test_solve_refuses_a_verbose_that_is_neither_a_flag_nor_an_integer():
    from spectral_ssl import solve

    _, G = _small_problem()
    with pytest.raises(TypeError, match=r"^verbose must be True, False, None or an integer level "
                                        r"\(0: off, 1: on, 2: also a line per block of evaluations\), "
                                        r"got 'yes'\.$"):
        solve("vicreg", G, 2, verbose="yes")
    with pytest.raises(TypeError, match=r"got 1\.0\.$"):
        solve("vicreg", G, 2, verbose=1.0)
    with pytest.raises(ValueError, match=r"^verbose must be >= 0 \(0: off, 1: on, 2: also a line "
                                         r"per block of evaluations\), got -1\.$"):
        solve("vicreg", G, 2, verbose=-1)


@pytest.mark.parametrize("verbose, expected", [
    (0, 0), (1, 1), (2, 2), (5, 5), (True, 1), (False, 0), (None, None),
    ("numpy 0", 0), ("numpy 3", 3), ("numpy True", 1), ("numpy False", 0)])
def test_check_verbose_reads_integers_as_scikit_learn_does(verbose, expected):
    import numpy as np

    numpy_values = {"numpy 0": np.int64(0), "numpy 3": np.int32(3), "numpy True": np.bool_(True),
                    "numpy False": np.bool_(False)}
    verbose = numpy_values.get(verbose, verbose) if isinstance(verbose, str) else verbose
    assert _progress.check_verbose(verbose) == expected


def test_solve_takes_integer_verbose_like_scikit_learn(capsys):
    import numpy as np

    from spectral_ssl import solve

    _, G = _small_problem()
    weights = {"variance": 1.0, "covariance": 1.0, "invariance": 0.01}
    for quiet in (0, np.int64(0), np.bool_(False)):
        solve("vicreg", G, 2, verbose=quiet, **weights)
    assert capsys.readouterr().err == ""
    for loud in (1, 2, np.int64(1)):
        solve("vicreg", G, 2, verbose=loud, **weights)
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(":")[0] for line in lines] == ["vicreg (nonparametric regime) ...",
                                                      "vicreg (nonparametric regime)"] * 3


def test_estimators_take_integer_verbose_and_refuse_a_string():
    import numpy as np

    from spectral_ssl.estimators import VICReg

    X = np.random.default_rng(0).standard_normal((20, 3))
    assert VICReg(n_components=2, verbose=0).fit(X).embedding_.shape == (20, 2)
    assert VICReg(n_components=2, verbose=np.int64(0)).fit(X).embedding_.shape == (20, 2)
    with pytest.raises(TypeError, match=r"^verbose must be True, False, None or an integer level"):
        VICReg(n_components=2, verbose="loud").fit(X)


# --------------------------------------------------------------------------- tqdm present or absent

@pytest.fixture
def tqdm_import_fails(monkeypatch):
    """Make ``import tqdm`` (and ``tqdm.auto``) raise ImportError, installed or not."""
    for name in [n for n in sys.modules if n == "tqdm" or n.startswith("tqdm.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "tqdm", None)  # a None entry makes the import fail
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)


def test_without_tqdm_the_package_writes_its_own_lines(monkeypatch, tqdm_import_fails):
    assert _progress._tqdm() is None
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    assert list(_progress.progress(range(2), desc="runs", verbose=True)) == [0, 1]
    steps = _progress.counter(desc="starts", total=1, verbose=True)
    steps.update()
    steps.close()
    lines = stream.getvalue().splitlines()
    assert [line.split(" (")[0] for line in lines] == ["runs: 1/2", "runs: 2/2", "starts: 1/1"]
    assert all(line.endswith(" s)") for line in lines)


@pytest.mark.extra
def test_with_tqdm_installed_the_bar_is_tqdm(monkeypatch):
    tqdm = pytest.importorskip("tqdm")
    stream = _Terminal()
    monkeypatch.setattr(sys, "stderr", stream)
    shown = _progress.progress(range(3), desc="squares", verbose=True)
    assert isinstance(shown, tqdm.tqdm)
    assert [i * i for i in shown] == [0, 1, 4]
    assert "squares" in stream.getvalue()
    bar = _progress.counter(desc="starts", total=2, verbose=True)
    assert isinstance(bar, tqdm.tqdm)
    bar.close()


def test_tqdm_is_not_used_when_progress_is_off(monkeypatch):
    def fail():
        raise AssertionError("tqdm looked up although progress is off")

    monkeypatch.setattr(_progress, "_tqdm", fail)
    steps = [1, 2]
    assert _progress.progress(steps, desc="x", verbose=False) is steps
    _progress.counter(desc="x", total=2, verbose=False).update()
    with _progress.steps(2, verbose=False) as run:
        run.start("a")
        run.finish()


# --------------------------------------------------------------------------- notebooks

class ZMQInteractiveShell:  # the class name of IPython's kernel shell
    pass


def test_auto_is_on_in_a_jupyter_kernel_whose_stderr_is_no_terminal(monkeypatch):
    import types

    monkeypatch.delenv(_progress.PROGRESS_ENV, raising=False)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    fake = types.ModuleType("IPython")
    fake.get_ipython = lambda: ZMQInteractiveShell()
    monkeypatch.setitem(sys.modules, "IPython", fake)
    assert _progress.in_notebook() is True and _progress.is_enabled(None) is True
    monkeypatch.setenv(_progress.PROGRESS_ENV, "0")
    assert _progress.is_enabled(None) is False
    monkeypatch.delenv(_progress.PROGRESS_ENV)
    fake.get_ipython = lambda: None  # IPython imported, but not running (a plain script)
    assert _progress.in_notebook() is False and _progress.is_enabled(None) is False


def test_a_terminal_ipython_is_not_a_notebook(monkeypatch):
    import types

    class TerminalInteractiveShell:
        pass

    fake = types.ModuleType("IPython")
    fake.get_ipython = lambda: TerminalInteractiveShell()
    monkeypatch.setitem(sys.modules, "IPython", fake)
    assert _progress.in_notebook() is False


# --------------------------------------------------------------------------- numbered steps of a run

def test_steps_write_numbered_lines_and_silence_the_solvers_inside(monkeypatch, no_tqdm):
    monkeypatch.delenv(_progress.PROGRESS_ENV, raising=False)
    stream = _Terminal()
    monkeypatch.setattr(sys, "stderr", stream)
    assert _progress.is_enabled(None) is True
    with _progress.steps(2, verbose=True) as run:
        run.say("2 cases")
        run.start("vicreg")
        assert _progress.is_enabled(None) is False  # a solver's automatic bar would cut the line
        assert _progress.is_enabled(True) is True  # an explicit request still counts
        run.finish()
        run.start("claim 1")
        run.finish("supported")
    assert _progress.is_enabled(None) is True  # restored when the run ends
    lines = stream.getvalue().splitlines()
    assert lines[0] == "2 cases"
    assert re.fullmatch(r"\[1/2\] vicreg \.\.\. done in \d+\.\d s", lines[1])
    assert re.fullmatch(r"\[2/2\] claim 1 \.\.\. supported in \d+\.\d s", lines[2])
    assert len(lines) == 3


def test_steps_off_print_nothing_but_still_silence_the_solvers(monkeypatch):
    monkeypatch.delenv(_progress.PROGRESS_ENV, raising=False)
    stream = _Terminal()
    monkeypatch.setattr(sys, "stderr", stream)
    with _progress.steps(1, verbose=False) as run:
        run.say("x")
        run.start("a")
        assert _progress.is_enabled(None) is False  # report --quiet: quiet solvers too
        run.finish()
    assert stream.getvalue() == ""


def test_steps_on_a_given_stream_and_closed_after_an_error(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", _Terminal())
    with pytest.raises(KeyError):
        with _progress.steps(3, verbose=False, stream=stream) as run:  # a stream wins over verbose
            run.start("one")
            raise KeyError("boom")
    # the step's line is ended before the error is printed, not left open for the traceback
    assert re.fullmatch(r"\[1/3\] one \.\.\. stopped after an error in \d+\.\d s\n", stream.getvalue())
    assert _progress._OPEN_STEPS == 0


@pytest.mark.extra
def test_steps_draw_a_tqdm_bar_and_keep_the_same_finished_lines(monkeypatch):
    pytest.importorskip("tqdm")
    stream = _Terminal()
    monkeypatch.setattr(sys, "stderr", stream)
    with _progress.steps(2, verbose=True) as run:
        assert type(run).__name__ == "_StepBar"
        run.say("start")
        run.start("vicreg")
        run.finish()
        run.start("simclr")
        run.finish("skipped")
    text = stream.getvalue()
    assert re.search(r"\[1/2\] vicreg \.\.\. done in \d+\.\d s\n", text)
    assert re.search(r"\[2/2\] simclr \.\.\. skipped in \d+\.\d s\n", text)
    assert "start\n" in text


@pytest.mark.extra
def test_forced_progress_into_a_log_is_plain_lines_even_with_tqdm(monkeypatch):
    # verbose=True with standard error redirected (a file, a pipe, CI): no carriage-return bar
    pytest.importorskip("tqdm")
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    assert _progress._tqdm() is None
    with _progress.steps(2, verbose=True) as run:
        assert type(run).__name__ == "_StepLines"
        run.start("vicreg")
        run.finish()
        run.start("simclr")
        run.finish("skipped")
    lines = stream.getvalue().splitlines()
    assert [re.sub(r"\d+\.\d s$", "T", line) for line in lines] == [
        "[1/2] vicreg ... done in T", "[2/2] simclr ... skipped in T"]
    assert "\r" not in stream.getvalue()


# --------------------------------------------------------------------------- estimators

def test_estimators_show_a_possibly_numerical_fit_by_default_on_a_terminal(monkeypatch, no_tqdm):
    import warnings

    import numpy as np

    from spectral_ssl.estimators import VICReg, BarlowTwins

    monkeypatch.delenv(_progress.PROGRESS_ENV, raising=False)
    X = np.random.default_rng(0).standard_normal((40, 4))
    stream = _Terminal()
    monkeypatch.setattr(sys, "stderr", stream)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        BarlowTwins(n_components=2, restarts=1).fit(X)  # the loss as written: numerical
        lines = stream.getvalue().splitlines()
        assert lines[0] == "BarlowTwins (linear): fitting 40 samples ..."
        assert lines[-1].startswith("BarlowTwins (linear): fitting 40 samples: done in ")
        # one line per start of the multi-start search (1 informed + 1 random), with its loss
        starts = "Barlow Twins (canonical problem, 4 x 2): L-BFGS-B starts: "
        assert [re.sub(r" \(.*", "", line.removeprefix(starts)) for line in lines[1:-1]] == ["1/2", "2/2"]
        assert all(re.search(r"\), best loss \d\.\d+ \(last start( and polish)?: \d+ evaluations\)$", line)
                   for line in lines[1:-1])
        assert len(lines) == 4
        # closed forms take milliseconds: shown only when asked
        BarlowTwins(n_components=2, constraint="whitened").fit(X)
        VICReg(n_components=2).fit(X)
        assert stream.getvalue().splitlines() == lines
        BarlowTwins(n_components=2, restarts=1, verbose=False).fit(X)
        assert stream.getvalue().splitlines() == lines
        VICReg(n_components=2, verbose=True).fit(X)
        assert stream.getvalue().splitlines()[-2] == "VICReg (linear): fitting 40 samples ..."


def test_run_report_refuses_a_progress_that_is_neither_a_flag_nor_a_stream(tmp_path):
    from spectral_ssl.report import run_report

    with pytest.raises(TypeError, match=r"^progress must be True, False, None, an integer level "
                                        r"\(0: off, 1: on\) or a text stream, got 'yes'\.$"):
        run_report(tmp_path, quick=True, progress="yes", write=False)
    with pytest.raises(TypeError, match=r"or a text stream, got -1\.$"):
        run_report(tmp_path, quick=True, progress=-1, write=False)
    assert list(tmp_path.iterdir()) == []

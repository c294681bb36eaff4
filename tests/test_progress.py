"""The one progress policy: verbose decides, else the environment, else whether stderr is a terminal."""

import io
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


def test_solve_refuses_a_verbose_that_is_not_a_flag():
    from spectral_ssl import solve

    _, G = _small_problem()
    with pytest.raises(TypeError, match=r"^verbose must be True, False or None, got 'yes'\.$"):
        solve("vicreg", G, 2, verbose="yes")

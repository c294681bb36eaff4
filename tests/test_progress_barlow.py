"""Progress of the numerical Barlow Twins fit: a step per start with the best loss, evaluation blocks."""

import io
import re
import sys
import warnings

import numpy as np
from spectral_ssl import _optimize, _progress, graphs, solve

from terminal_stderr import terminal_stderr


def _plain_stderr(monkeypatch):
    """Standard error as a string, tqdm's bar replaced by the plain lines (set in the test body:
    pytest's capture replaces ``sys.stderr`` again between a fixture and the test)."""
    monkeypatch.setattr(_progress, "_tqdm", lambda: None)
    monkeypatch.delenv(_progress.PROGRESS_ENV, raising=False)
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    return stream


def _problem():
    X = np.random.default_rng(0).standard_normal((16, 3))
    return X, graphs.knn(X, 3)


def _solve(verbose, **options):
    X, G = _problem()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # collapse / convergence warnings are not the point here
        return solve("barlow_twins", G, 2, restarts=1, verbose=verbose, **options)


def _counts(lines, name):
    """The counts of the per-start lines (those that end with the best loss) of one search."""
    prefix = f"{name}: L-BFGS-B starts: "
    return [re.sub(r" \(.*", "", line.removeprefix(prefix)) for line in lines
            if line.startswith(prefix) and ", best loss " in line]


def test_nonparametric_fit_shows_a_step_per_start_of_both_searches(monkeypatch):
    plain_stderr = _plain_stderr(monkeypatch)
    _solve(True)
    lines = plain_stderr.getvalue().splitlines()
    assert lines[0] == "barlow_twins (nonparametric regime) ..."
    assert lines[-1].startswith("barlow_twins (nonparametric regime): done in ")
    # the canonical problem (1 informed + 1 random start), then the N x K problem on 16 samples
    # (its 2 informed starts + 1 random)
    assert _counts(lines, "Barlow Twins (canonical problem, 2 x 2)") == ["1/2", "2/2"]
    assert _counts(lines, "Barlow Twins (non-parametric, 16 samples)") == ["1/3", "2/3", "3/3"]
    assert len(lines) == 7
    for line in lines[1:-1]:
        assert re.search(r"\(\d+\.\d s\), best loss \d\.\d+(e-\d+)? \(last start( and polish)?: \d+ "
                         r"evaluations\)$", line)
    # the last start of each search also counts the polish that follows it
    assert lines[2].endswith(" evaluations)") and "(last start and polish: " in lines[2]
    assert "(last start and polish: " in lines[5] and "(last start: " in lines[4]


def test_verbose_2_adds_a_line_per_block_of_evaluations(monkeypatch):
    plain_stderr = _plain_stderr(monkeypatch)
    monkeypatch.setattr(_optimize, "EVALUATION_BLOCK", 5)
    _solve(1, X=_problem()[0])  # linear: the canonical problem only
    level_1 = plain_stderr.getvalue().splitlines()
    assert not any(": 5 evaluations, loss " in line for line in level_1)
    plain_stderr.seek(0)
    plain_stderr.truncate()
    _solve(2, X=_problem()[0])
    level_2 = plain_stderr.getvalue().splitlines()
    blocks = [line for line in level_2 if re.search(r", start \d: \d+ evaluations, loss ", line)]
    assert blocks and all(int(re.search(r": (\d+) evaluations,", line).group(1)) % 5 == 0 for line in blocks)
    assert blocks[0].startswith("Barlow Twins (canonical problem, 3 x 2): L-BFGS-B starts: 0/2 (")
    assert ", start 1: 5 evaluations, loss " in blocks[0]
    # the per-start lines are the same at both levels
    assert _counts(level_2, "Barlow Twins (canonical problem, 3 x 2)") == ["1/2", "2/2"]


def test_off_and_the_result_does_not_depend_on_the_display(monkeypatch):
    plain_stderr = _plain_stderr(monkeypatch)
    monkeypatch.setattr(_optimize, "EVALUATION_BLOCK", 1)
    quiet = _solve(False)
    assert plain_stderr.getvalue() == ""
    none = _solve(None)  # stderr is no terminal: the policy says off
    assert plain_stderr.getvalue() == ""
    loud = _solve(3)
    assert plain_stderr.getvalue() != ""
    assert np.array_equal(quiet.Z, loud.Z) and np.array_equal(quiet.Z, none.Z)
    assert quiet.loss == loud.loss and quiet.details["restart_losses"] == loud.details["restart_losses"]


def test_estimator_verbose_false_silences_the_search_on_a_terminal(monkeypatch):
    from spectral_ssl.estimators import BarlowTwins

    stream = terminal_stderr(monkeypatch)
    X = _problem()[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        BarlowTwins(n_components=2, restarts=1, verbose=False).fit(X)
        BarlowTwins(n_components=2, restarts=1, verbose=0).fit(X)
    assert stream.getvalue() == ""


def test_multistart_shown_returns_what_multistart_returns(monkeypatch):
    plain_stderr = _plain_stderr(monkeypatch)

    def objective(flat):
        return float(np.sum((flat - 1.0) ** 4)), 4 * (flat - 1.0) ** 3

    def random_start(rng):
        return rng.standard_normal(3)

    plain = _optimize.multistart(objective, [np.zeros(3)], restarts=2, random_start=random_start,
                                 rng=np.random.default_rng(1))
    assert plain_stderr.getvalue() == ""  # multistart itself never shows anything
    shown = _optimize.multistart_shown(objective, [np.zeros(3)], restarts=2, random_start=random_start,
                                       rng=np.random.default_rng(1), progress="quartic", verbose=True)
    assert _counts(plain_stderr.getvalue().splitlines(), "quartic") == ["1/3", "2/3", "3/3"]
    assert np.array_equal(plain.x, shown.x) and plain.start_losses == shown.start_losses
    assert plain.fun == shown.fun and plain.n_iterations == shown.n_iterations


def test_certificate_search_shows_a_step_per_random_start(monkeypatch):
    from spectral_ssl.certify import certify

    plain_stderr = _plain_stderr(monkeypatch)
    X, G = _problem()
    with _progress.verbosity(True):
        certify("vicreg", G, 2, restarts=2)
    counts = _counts(plain_stderr.getvalue().splitlines(), "certificate of vicreg (nonparametric, 16 samples)")
    assert counts == ["1/2", "2/2"]
    plain_stderr.seek(0)
    plain_stderr.truncate()
    certify("vicreg", G, 2, restarts=2)  # stderr is no terminal: the policy says off
    assert plain_stderr.getvalue() == ""

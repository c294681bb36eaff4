"""Tests of the claims run in worker processes (``run_claims(n_jobs=...)``, ``report --jobs``)."""

import io
import re
import time
import warnings
from functools import partial
from types import SimpleNamespace

import numpy as np
import pytest

from spectral_ssl import _progress, cli
from spectral_ssl.experiments import claim_runs
from spectral_ssl.experiments.claims import low_data_regime, rank_collapse
from spectral_ssl.experiments.datasets import gaussian_mixture

X, Y = gaussian_mixture(96, n_features=12, n_classes=4)[:2]
# a small claim: about 0.3 s in one process
SMALL = dict(n_samples=48, n_components=6, n_seeds=1, quick=True, bt_samples=32, clique_samples_per_class=4)


def _numbers(result):
    return [(c.label, c.estimate.mean, c.verdict) for r in result.readings for c in r.comparisons]


def test_workers_return_the_claims_of_one_process_in_plan_order():
    plan = [("rank_collapse", f"seed {s}", partial(rank_collapse, X, Y, random_state=s, **SMALL), False)
            for s in (0, 1)]
    alone, _ = claim_runs.run_claims(plan, n_jobs=1)
    workers, not_run = claim_runs.run_claims(plan, n_jobs=2)
    assert not_run == [] and [r.dataset for r in workers] == ["seed 0", "seed 1"]
    for a, b in zip(alone, workers):
        assert a.verdict == b.verdict
        for (label_a, mean_a, verdict_a), (label_b, mean_b, verdict_b) in zip(_numbers(a), _numbers(b)):
            # one BLAS thread in the workers: equal up to round-off
            assert (label_a, verdict_a) == (label_b, verdict_b)
            assert mean_b == pytest.approx(mean_a, rel=1e-9, abs=1e-12)


def test_a_claim_too_large_for_the_users_data_is_not_run_and_the_others_go_on():
    too_many = partial(low_data_regime, X, Y, samples_per_class=(50,), n_seeds=2, quick=True)
    plan = [("low_data_regime", "mine", too_many, True),
            ("rank_collapse", "mine", partial(rank_collapse, X, Y, **SMALL), True)]
    results, not_run = claim_runs.run_claims(plan, n_jobs=2)
    assert [r.name for r in results] == ["rank_collapse"]
    assert [(item["name"], item["dataset"]) for item in not_run] == [("low_data_regime", "mine")]
    assert "but the smallest class has 24" in not_run[0]["reason"]
    # on the built-in data the same error is a bug: raised in the caller
    with pytest.raises(ValueError, match="but the smallest class has 24"):
        claim_runs.run_claims([("low_data_regime", "digits", too_many, False)], n_jobs=2)


def _warns_then_returns(value):
    warnings.warn("first", UserWarning)
    warnings.warn("second", RuntimeWarning)
    return value


def test_a_worker_hands_back_its_warnings_in_order():
    result, error, caught, seconds = claim_runs.measure_claim(partial(_warns_then_returns, 3), False)
    assert (result, error) == (3, None) and 0.0 <= seconds < 1.0
    assert [(type(m), str(m), c) for m, c, _, _ in caught] == [(UserWarning, "first", UserWarning),
                                                              (RuntimeWarning, "second", RuntimeWarning)]
    assert all(filename == __file__ for _, _, filename, _ in caught)
    result, error, caught, _ = claim_runs.measure_claim(partial(np.zeros, -1), True)
    assert result is None and isinstance(error, ValueError) and caught == []


@pytest.mark.parametrize("value, error, message", [
    (0, ValueError, r"n_jobs must be >= 1 \(-1 or None for every core\), got 0\."),
    (-2, ValueError, r"n_jobs must be >= 1 \(-1 or None for every core\), got -2\."),
    (2.5, TypeError, r"n_jobs must be an integer, got 2\.5\."),
    (True, TypeError, r"n_jobs must be an integer, got True\."),
])
def test_bad_worker_counts_are_refused(value, error, message):
    with pytest.raises(error, match=message):
        claim_runs.check_jobs(value, 3)


def test_worker_counts_are_capped_by_the_claims_and_the_cores():
    assert claim_runs.check_jobs(4.0, 3) == 3
    assert claim_runs.check_jobs(None, 1) == 1
    assert claim_runs.check_jobs(-1, 10**6) == claim_runs.available_cores()


def test_report_refuses_zero_jobs_before_computing(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["report", "--out", str(tmp_path / "r"), "--jobs", "0"])
    assert stop.value.code == 2
    assert "--jobs" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def _claim_that_warns(label):
    warnings.warn(f"claim {label} warns", UserWarning)
    return SimpleNamespace(name="rank_collapse", verdict="supported", dataset=None)


def test_warnings_of_the_workers_are_shown_by_the_caller_in_claim_order():
    plan = [("rank_collapse", label, partial(_claim_that_warns, label), False) for label in ("a", "b")]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results, _ = claim_runs.run_claims(plan, n_jobs=2)
    assert [r.dataset for r in results] == ["a", "b"]
    shown = [(w.category, str(w.message), w.filename) for w in caught if "warns" in str(w.message)]
    assert shown == [(UserWarning, "claim a warns", __file__), (UserWarning, "claim b warns", __file__)]


def _claim_that_sleeps(seconds):
    time.sleep(seconds)
    return SimpleNamespace(name="rank_collapse", verdict="supported", dataset=None)


def test_a_steps_time_is_the_claims_own_time_in_its_worker_not_the_wait_for_it():
    # two workers, three claims of 0.4 s: the first two run together, the third after the first;
    # waiting in plan order, the second result is ready when the first is (a wait of about 0 s)
    # and the third 0.4 s later; each claim's own time is 0.4 s
    plan = [("rank_collapse", label, partial(_claim_that_sleeps, 0.4), False) for label in "abc"]
    out = io.StringIO()
    with _progress.steps(len(plan), stream=out) as display:
        claim_runs.run_claims(plan, display, n_jobs=2)
    seconds = [float(t) for t in re.findall(r"supported in ([0-9.]+) s", out.getvalue())]
    assert len(seconds) == 3
    assert all(0.35 <= t <= 0.9 for t in seconds), out.getvalue()
